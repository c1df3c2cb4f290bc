//! Transitional: the names other features' handlers still import from here, until their
//! helpers move their callers onto `awladna_core` (`Core::case_for`, `card_values`,
//! `open_identity`, `entry_form`, `awladna_core::cards::read`) and `crate::cases::cards`.

use crate::auth::Caller;
use crate::error::{ApiError, page_error, page_refusal, refusal};
use crate::i18n::Tr;
use crate::state::AppState;
use awladna_core::cases::{CaseError, Use};
use awladna_core::{CoreError, Permit, act};
use awladna_domain::access::{Action, Actor};
use awladna_domain::files::FilePart;
use awladna_domain::forms::Form;
use awladna_store::cards::CardRecord;
use awladna_store::cases::CaseRecord;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

// transitional: the case-files, plan and referrals helpers move their callers
pub use crate::cases::cards::{CardView, card_views};
// transitional: the referrals helper moves its callers
pub use awladna_core::sealing::display_name;

/// Why a case cannot be worked on.
// transitional: the case-files, plan and referrals helpers move their callers
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseRefusal {
    /// Not there, or not within the caller's scope: "not found".
    Hidden,
    Denied,
    /// Closed cases are read-only until they are reopened.
    Closed,
}

impl CaseRefusal {
    pub fn api(self, t: Tr) -> Response {
        match self {
            CaseRefusal::Hidden => ApiError::NotFound(t).into_response(),
            CaseRefusal::Denied => refusal(t, StatusCode::FORBIDDEN, "forbidden", "auth-forbidden"),
            CaseRefusal::Closed => refusal(t, StatusCode::CONFLICT, "closed", "case-closed"),
        }
    }

    pub fn page(self, t: Tr) -> Response {
        match self {
            CaseRefusal::Hidden => page_error(t, StatusCode::NOT_FOUND),
            CaseRefusal::Denied => page_refusal(t, StatusCode::FORBIDDEN, "auth-forbidden"),
            CaseRefusal::Closed => page_refusal(t, StatusCode::CONFLICT, "case-closed"),
        }
    }

    /// The old shape of a refusal: a refusal, or a fault's detail.
    fn of(e: CaseError) -> Result<CaseRefusal, String> {
        match e {
            CaseError::Closed => Ok(CaseRefusal::Closed),
            CaseError::Core(CoreError::Forbidden) => Ok(CaseRefusal::Denied),
            CaseError::Core(CoreError::NotFound | CoreError::SignIn) => Ok(CaseRefusal::Hidden),
            CaseError::Core(e) => Err(e.detail()),
        }
    }
}

/// `Core::case_for` for a `Caller`.
// transitional: the case-files, plan, referrals and rectification helpers move their callers
pub async fn case_for(
    state: &AppState,
    caller: &Caller,
    case_id: &str,
    action: Action,
    write: bool,
) -> Result<Result<(Actor, CaseRecord), CaseRefusal>, String> {
    let Some(who) = caller.who() else {
        return Ok(Err(CaseRefusal::Hidden));
    };
    let use_ = if write { Use::Change } else { Use::Read };
    match state.case_for(&who, case_id, action, use_).await {
        Ok(case) => Ok(Ok((who.actor, case))),
        Err(e) => CaseRefusal::of(e).map(Err),
    }
}

// transitional: the referrals and subject-access helpers move their callers
pub fn card_values(state: &AppState, card: &CardRecord) -> Result<Map<String, Value>, String> {
    state.card_values(card).map_err(|e| e.detail())
}

// transitional: the referrals, rectification and subject-access helpers move their callers
pub fn open_identity(
    state: &AppState,
    child_id: &str,
    sealed: Option<&[u8]>,
) -> Result<Value, String> {
    state
        .open_identity(child_id, sealed)
        .map_err(|e| e.detail())
}

// transitional: the case-files and referrals helpers move their callers
pub fn entry_form(state: &AppState, part: FilePart) -> Option<&Form> {
    state.entry_form(part)
}

/// `awladna_core::cards::read` for a `Caller`.
// transitional: the case-files helper moves its callers
#[allow(clippy::type_complexity)] // the old shape, kept until its callers move
pub async fn opened_cards(
    state: &AppState,
    caller: &Caller,
    case_id: &str,
    form_code: &str,
) -> Result<Result<(CaseRecord, Vec<(CardRecord, Map<String, Value>)>), CaseRefusal>, String> {
    let Some(who) = caller.who() else {
        return Ok(Err(CaseRefusal::Hidden));
    };
    let permit = match Permit::<act::ReadCase>::check(who) {
        Ok(permit) => permit,
        Err(e) => return CaseRefusal::of(e.into()).map(Err),
    };
    match awladna_core::cards::read(state, &permit, case_id, form_code).await {
        Ok(opened) => Ok(Ok(opened)),
        Err(e) => CaseRefusal::of(e).map(Err),
    }
}

/// `crate::cases::cards::blank_form_on_case` answering a ready response.
// transitional: the plan helper moves its caller
#[allow(clippy::too_many_arguments)] // the old shape, kept until its caller moves
pub async fn blank_form_on_case(
    state: &AppState,
    t: Tr,
    caller: &Caller,
    here: &str,
    case_id: &str,
    form: &Form,
    write: Action,
    action: String,
) -> Response {
    let shell = crate::extract::Shell {
        t,
        here: here.to_owned(),
        user: caller.username.clone(),
        csrf: caller.csrf.clone(),
    };
    crate::cases::cards::blank_form_on_case(state, shell, caller, case_id, form, write, action)
        .await
        .into_response()
}
