//! The signed-in person's account page: who they are, their roles, their second factor,
//! and links to the administration they may use.

use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::accounts::{may, own_account};
use awladna_core::act;
use awladna_domain::access::Action;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Redirect;
use serde_json::{Value, json};

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
pub struct AccountPage {
    shell: Shell,
    username: String,
    organisation: String,
    roles: String,
    second_factor: bool,
    can_admin: bool,
    can_audit: bool,
    /// The devices set up for offline capture (`account_devices.html`).
    devices: Vec<DeviceView>,
}

pub struct DeviceView {
    id: String,
    registered: String,
    expires: String,
    usable: bool,
}

pub async fn page(
    State(state): State<AppState>,
    Guard(permit): Guard<act::UseOwnAccount>,
    shell: Shell,
) -> Result<AccountPage, AppError> {
    let user = own_account(&state, &permit).await?;
    let roles = user
        .roles
        .iter()
        .map(|r| shell.t.get(&format!("role-{}", r.code())))
        .collect::<Vec<_>>()
        .join(shell.t.list_separator());
    let now = state.now_ms();
    let devices = awladna_core::devices::list(&state, &permit)
        .await?
        .into_iter()
        .map(|d| DeviceView {
            usable: d.revoked_at.is_none() && d.expires_at > now,
            registered: crate::times::local_time(d.registered_at),
            expires: crate::times::local_time(d.expires_at),
            id: d.id,
        })
        .collect();
    let actor = permit.actor();
    Ok(AccountPage {
        devices,
        shell,
        username: user.username.clone(),
        organisation: user.organisation.name.clone(),
        roles,
        second_factor: user.totp_secret.is_some(),
        can_admin: may(actor, Action::ManageUsers),
        can_audit: may(actor, Action::ViewAudit),
    })
}

/// `POST /account/devices/{id}/revoke`: the device's queue will be refused at sync.
pub async fn revoke_device(
    State(state): State<AppState>,
    Guard(permit): Guard<act::UseOwnAccount>,
    Path(id): Path<String>,
) -> Result<Redirect, AppError> {
    awladna_core::devices::revoke(&state, &permit, &id).await?;
    Ok(Redirect::to("/account"))
}

/// `POST /api/v1/devices`: registers this browser for offline capture; `{"id",
/// "expires_at"}` (UTC milliseconds: the phone erases its key then).
pub async fn register_device(
    State(state): State<AppState>,
    Guard(permit): Guard<act::UseOwnAccount>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let lifetime = state.settings.absolute_timeout_ms;
    let device = awladna_core::devices::register(&state, &permit, lifetime).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": device.id, "expires_at": device.expires_at})),
    ))
}

/// `POST /api/v1/devices/{id}/revoke`.
pub async fn revoke_device_api(
    State(state): State<AppState>,
    Guard(permit): Guard<act::UseOwnAccount>,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    awladna_core::devices::revoke(&state, &permit, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
