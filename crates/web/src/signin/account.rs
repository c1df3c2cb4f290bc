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
use axum::extract::State;

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
    let actor = permit.actor();
    Ok(AccountPage {
        shell,
        username: user.username.clone(),
        organisation: user.organisation.name.clone(),
        roles,
        second_factor: user.totp_secret.is_some(),
        can_admin: may(actor, Action::ManageUsers),
        can_audit: may(actor, Action::ViewAudit),
    })
}
