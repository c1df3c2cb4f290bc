//! Administration pages: organisations and users of the administrator's territory (all
//! of them for a national administrator), and the audit log for coordinators and
//! administrators. A record outside the user's territory answers 404. The use cases are
//! `awladna_core::accounts`' and `awladna_core::audit_log`'.

pub mod audit;
pub mod organisations;
pub mod users;

use crate::error::AppError;
use crate::i18n::Tr;
use crate::state::AppState;
use awladna_core::accounts::AccountError;
use axum::http::StatusCode;

pub(crate) fn territory_label(state: &AppState, t: Tr, code: Option<&str>) -> String {
    match code.and_then(|c| state.reference.territory(c)) {
        Some(territory) if t.lang == awladna_domain::Lang::Ar => territory.name_ar.clone(),
        Some(territory) => territory.name_fr.clone(),
        None => t.get("admin-national"),
    }
}

/// The sentence shown with the form again for a refusal of what was typed; `None` for
/// the rest (not found, a fault), which the error layer shows.
fn refusal_message(e: &AccountError) -> Option<&'static str> {
    Some(match e {
        AccountError::BadCode => "admin-error-code",
        AccountError::BadUsername => "admin-error-username",
        AccountError::BadName => "admin-error-name",
        AccountError::UnknownSector => "admin-error-sector",
        AccountError::UnknownTerritory => "admin-error-territory",
        AccountError::UnknownOrganisation => "admin-error-organisation",
        AccountError::NoRole => "admin-error-role",
        AccountError::IdentityRoleInNationalBody => "admin-error-national-identity-role",
        AccountError::ShortPassword => "admin-error-password",
        AccountError::Taken => "admin-error-taken",
        AccountError::UnknownUser | AccountError::UnknownToken | AccountError::Core(_) => {
            return None;
        }
    })
}

impl From<AccountError> for AppError {
    fn from(e: AccountError) -> Self {
        if let Some(message) = refusal_message(&e) {
            return AppError::refused(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message);
        }
        match e {
            AccountError::Core(e) => e.into(),
            _ => AppError::NotFound,
        }
    }
}

/// A page shown again with a message is a refusal of what was sent.
pub(crate) fn status_for(message: &Option<String>) -> StatusCode {
    if message.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    }
}
