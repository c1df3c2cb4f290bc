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
    form_on_case(
        state,
        shell,
        caller,
        case_id,
        form,
        action,
        &Default::default(),
        &[],
    )
    .await
}

/// A form recorded on a case, blank or shown again with its problems, the case named
/// above it (the caller has been let in already).
#[allow(clippy::too_many_arguments)] // the page's parts, each needed once
pub async fn form_on_case(
    state: &AppState,
    shell: Shell,
    caller: &Caller,
    case_id: &str,
    form: &Form,
    action: String,
    values: &std::collections::BTreeMap<String, Vec<String>>,
    errors: &[awladna_domain::forms::FieldError],
) -> Result<Response, AppError> {
    let case = state.store.case(case_id).await?;
    let (status, mut page) = crate::forms::storing_page(
        shell.t,
        shell.here,
        caller,
        form,
        &state.reference,
        action,
        values,
        errors,
        case.as_ref(),
    );
    page.flags = super::flags::banner(state, case_id).await?;
    Ok((status, page).into_response())
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
    let key = crate::forms::submission_key(&pairs);
    let (values, input, _) = crate::forms::read_submission(form, pairs);
    match record(
        &state,
        &permit,
        &case_id,
        &form_code,
        &input,
        key.as_deref(),
    )
    .await
    {
        // Sent again: the card it stored, saying so.
        Ok(RecordedCard {
            case_id,
            id,
            repeated: true,
        }) => Ok(Redirect::to(&format!("/cases/{case_id}/records/{id}?already=1")).into_response()),
        Ok(RecordedCard { case_id, .. }) => {
            Ok(Redirect::to(&after_saving(&state, &case_id, &form_code)).into_response())
        }
        Err(CaseError::Core(CoreError::Invalid(errors))) => {
            let action = format!("/cases/{case_id}/cards/{form_code}");
            form_on_case(
                &state, shell, &caller, &case_id, form, action, &values, &errors,
            )
            .await
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

/// One answer that raised an evaluation's level: the question and what it weighs.
pub struct DriverView {
    question: String,
    weight: u32,
    immediate: bool,
}

/// An evaluation's result: the level, the score and the answers that drove them.
pub struct ResultView {
    level_code: String,
    level: String,
    score: u32,
    drivers: Vec<DriverView>,
}

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "case_card.html")]
pub struct CaseCardPage {
    shell: Shell,
    case_id: String,
    number: String,
    title: String,
    author: String,
    at: String,
    complete: bool,
    saved: bool,
    already: bool,
    result: Option<ResultView>,
    sections: Vec<ShownSection>,
    flags: Vec<super::flags::FlagView>,
}

/// A card recorded on a case, to read and print: who recorded it and when, and for an
/// evaluation its level, score and the answers that drove it.
pub async fn show_card(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadCase>,
    Path((case_id, card_id)): Path<(String, String)>,
    axum::extract::Query(told): axum::extract::Query<crate::forms::SavedQuery>,
) -> Result<Response, AppError> {
    let t = shell.t;
    let opened = awladna_core::cards::read_one(&state, &permit, &case_id, &card_id).await?;
    let card = &opened.card;
    let form = state
        .reference
        .form_version(&card.form_code, card.form_version)
        .ok_or_else(|| AppError::Internal("the form version of a stored card is missing".into()))?;
    let result = awladna_core::evaluations::assessment_of(&state, card, &opened.values).map(|a| {
        let question = |code: &str| {
            form.field(code)
                .map_or_else(|| code.to_owned(), |f| f.labels.get(t.lang).to_owned())
        };
        ResultView {
            level_code: a.level.code().to_owned(),
            level: state.label(t, "urgency", a.level.code()),
            score: a.score,
            drivers: a
                .drivers
                .iter()
                .map(|d| DriverView {
                    question: question(&d.field),
                    weight: d.weight,
                    immediate: d.immediate,
                })
                .collect(),
        }
    });
    Ok(CaseCardPage {
        case_id: opened.case.id.clone(),
        number: opened.case.number.clone(),
        title: form.labels.get(t.lang).to_owned(),
        author: opened.author.clone().unwrap_or_default(),
        at: local_time(card.created_at),
        complete: card.complete,
        saved: told.saved(),
        already: told.already(),
        result,
        sections: shown_sections(t, &state.reference, form, &opened.values),
        flags: super::flags::banner(&state, &opened.case.id).await?,
        shell,
    }
    .into_response())
}
