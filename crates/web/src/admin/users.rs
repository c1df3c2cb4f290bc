//! The users of the administrator's territory: the list, adding one, disabling and
//! resetting one (new secrets shown once).

use super::{refusal_message, status_for};
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::accounts::{self, IssuedSecrets, NewUser};
use awladna_core::{Permit, act};
use awladna_domain::access::Role;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use base64::Engine;

pub struct UserRow {
    id: String,
    username: String,
    organisation: String,
    roles: String,
    disabled: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users.html")]
pub struct UsersPage {
    shell: Shell,
    users: Vec<UserRow>,
    organisations: Vec<(String, String)>,
    roles: Vec<(String, String)>,
    message: Option<String>,
    form_username: String,
}

async fn users_page(
    state: &AppState,
    shell: Shell,
    permit: &Permit<act::ManageUsers>,
    message: Option<String>,
    form_username: String,
) -> Result<Response, AppError> {
    let t = shell.t;
    let users = accounts::users(state, permit).await?;
    let organisations = accounts::organisations(state, permit)
        .await?
        .into_iter()
        .map(|o| (o.code, o.name))
        .collect();
    let users = users
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            username: u.username,
            organisation: u.organisation,
            roles: u
                .roles
                .iter()
                .map(|r| t.get(&format!("role-{r}")))
                .collect::<Vec<_>>()
                .join(t.list_separator()),
            disabled: u.disabled,
        })
        .collect();
    let roles = Role::ALL
        .iter()
        .map(|r| (r.code().to_owned(), t.get(&format!("role-{}", r.code()))))
        .collect();
    let status = status_for(&message);
    let page = UsersPage {
        shell,
        users,
        organisations,
        roles,
        message,
        form_username,
    };
    Ok((status, page).into_response())
}

pub async fn list(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ManageUsers>,
    shell: Shell,
) -> Result<Response, AppError> {
    users_page(&state, shell, &permit, None, String::new()).await
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_secrets.html")]
pub struct SecretsPage {
    shell: Shell,
    title: String,
    password: Option<String>,
    qr: Option<String>,
    otpauth: Option<String>,
}

fn secrets_page(shell: Shell, title_id: &str, secrets: IssuedSecrets) -> SecretsPage {
    let qr = secrets
        .otpauth
        .as_deref()
        .and_then(|uri| awladna_crypto::totp::qr_svg(uri).ok())
        .map(|svg| {
            format!(
                "data:image/svg+xml;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(svg)
            )
        });
    SecretsPage {
        title: shell.t.get(title_id),
        shell,
        password: secrets.password,
        qr,
        otpauth: secrets.otpauth,
    }
}

pub async fn add(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ManageUsers>,
    shell: Shell,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let roles = pairs
        .iter()
        .filter(|(k, _)| k == "role")
        .filter_map(|(_, v)| v.parse::<Role>().ok())
        .collect();
    let new = NewUser {
        username: field("username"),
        organisation: field("organisation"),
        roles,
        password: None,
    };
    match accounts::add_user(&state, &permit, new).await {
        Ok((_, secrets)) => Ok(secrets_page(shell, "admin-user-added", secrets).into_response()),
        Err(e) => match refusal_message(&e) {
            Some(message) => {
                let message = Some(shell.t.get(message));
                users_page(&state, shell, &permit, message, field("username")).await
            }
            None => Err(e.into()),
        },
    }
}

pub async fn disable(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ManageUsers>,
    shell: Shell,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    accounts::disable_user(&state, &permit, &id).await?;
    users_page(&state, shell, &permit, None, String::new()).await
}

pub async fn reset(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ManageUsers>,
    shell: Shell,
    Path(id): Path<String>,
) -> Result<SecretsPage, AppError> {
    let secrets = accounts::reset_user(&state, &permit, &id, None).await?;
    Ok(secrets_page(shell, "admin-user-reset", secrets))
}
