//! The cards recorded on a case, in the web interface: a blank form offered to those
//! who may save it, the saving, and a stored card as pages list it. The use cases are
//! `awladna_core::cards`'.

use crate::auth::Caller;
use crate::card_view::{ShownSection, shown_sections};
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::times::local_time;
use awladna_core::CoreError;
use awladna_core::act;
use awladna_core::cards::{RecordedCard, record};
use awladna_core::cases::{CaseError, Use};
use awladna_domain::access::Action;
use awladna_domain::forms::Form;
use awladna_store::cards::CardRecord;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Map, Value};

/// Where a page goes once a card is saved: the file it belongs to, or the case.
fn after_saving(state: &AppState, case_id: &str, form_code: &str) -> String {
    match state.reference.form(form_code).and_then(|f| f.part) {
        Some(part) => format!("/cases/{case_id}/files/{part}"),
        None => format!("/cases/{case_id}"),
    }
}

pub async fn form_page(
    State(state): State<AppState>,
    shell: Shell,
    caller: Caller,
    Path((case_id, form_code)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (form, write, _) = state.case_form(&form_code).ok_or(AppError::NotFound)?;
    let action = format!("/cases/{case_id}/cards/{form_code}");
    blank_form_on_case(&state, shell, &caller, &case_id, form, write, action).await
}

/// A blank form recorded on a case, offered only to those who may save it, on an open
/// case of their scope (anyone else gets the refusal the save would get).
pub async fn blank_form_on_case(
    state: &AppState,
    shell: Shell,
    caller: &Caller,
    case_id: &str,
    form: &Form,
    write: Action,
    action: String,
) -> Result<Response, AppError> {
    let who = caller.who().ok_or(AppError::NotFound)?;
    state.case_for(&who, case_id, write, Use::Change).await?;
    Ok(crate::forms::storing_form(
        shell.t,
        shell.here,
        caller,
        form,
        &state.reference,
        action,
        &Default::default(),
        &[],
    ))
}

pub async fn save_page(
    State(state): State<AppState>,
    shell: Shell,
    caller: Caller,
    Guard(permit): Guard<act::WorkOnCase>,
    Path((case_id, form_code)): Path<(String, String)>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (form, _, _) = state.case_form(&form_code).ok_or(AppError::NotFound)?;
    let (values, input, _) = crate::forms::read_submission(form, pairs);
    match record(&state, &permit, &case_id, &form_code, &input).await {
        Ok(RecordedCard { case_id, .. }) => {
            Ok(Redirect::to(&after_saving(&state, &case_id, &form_code)).into_response())
        }
        Err(CaseError::Core(CoreError::Invalid(errors))) => {
            let action = format!("/cases/{case_id}/cards/{form_code}");
            Ok(crate::forms::storing_form(
                shell.t,
                shell.here,
                &caller,
                form,
                &state.reference,
                action,
                &values,
                &errors,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// A stored card as a page lists it: when, and its answers.
pub struct CardView {
    pub(crate) at: String,
    pub(crate) sections: Vec<ShownSection>,
}

pub fn card_views(
    state: &AppState,
    t: Tr,
    cards: &[(CardRecord, Map<String, Value>)],
) -> Vec<CardView> {
    cards
        .iter()
        .filter_map(|(card, values)| {
            let form = state
                .reference
                .form_version(&card.form_code, card.form_version)?;
            Some(CardView {
                at: local_time(card.created_at),
                sections: shown_sections(t, &state.reference, form, values),
            })
        })
        .collect()
}
