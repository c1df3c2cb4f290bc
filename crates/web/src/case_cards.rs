//! Cards recorded on a case after triage — the follow-up card (بطاقة التتبع), the child's
//! situation, and the entries of the social, medical-psychological and judicial files —
//! through one path: the case is found, the policy asked (a file's part decides who may
//! write and read it), a closed case refused, the answers checked by the form engine,
//! personal values sealed, the card stored with an audit entry.

use crate::auth::Caller;
use crate::card_view::{ShownSection, shown_sections};
use crate::error::{ApiError, internal, page_error, page_refusal, refusal};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::times::{local_time, rfc3339};
use awladna_domain::access::{Action, Actor, Decision, decide};
use awladna_domain::files::FilePart;
use awladna_domain::forms::{CheckedCard, Completeness, FieldError, Form};
use awladna_store::cards::{CardRecord, NewCard};
use awladna_store::cases::CaseRecord;
use awladna_store::keys::sealed_aad;
use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Map, Value, json};

/// Forms recorded on a case that belong to no file part (those with a part are the
/// files' entries, recorded the same way).
const CASE_FORMS: [&str; 2] = ["followup", "child_profile"];

/// Why a case cannot be worked on.
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
}

/// The case `case_id` if the caller may do `action` on it; a change (`write`) also
/// needs the case to be open.
pub async fn case_for(
    state: &AppState,
    caller: &Caller,
    case_id: &str,
    action: Action,
    write: bool,
) -> Result<Result<(Actor, CaseRecord), CaseRefusal>, String> {
    let Some(actor) = caller.actor.clone() else {
        return Ok(Err(CaseRefusal::Hidden));
    };
    let Some(case) = state.store.case(case_id).await.map_err(|e| e.detail())? else {
        return Ok(Err(CaseRefusal::Hidden));
    };
    match decide(Some(&actor), action, Some(&case.territory)) {
        Decision::Allow => {}
        Decision::Deny => return Ok(Err(CaseRefusal::Denied)),
        _ => return Ok(Err(CaseRefusal::Hidden)),
    }
    if write && case.stage == "closed" {
        return Ok(Err(CaseRefusal::Closed));
    }
    Ok(Ok((actor, case)))
}

/// A form that is recorded on a case, and the actions to write and to read it.
pub fn case_form<'r>(state: &'r AppState, code: &str) -> Option<(&'r Form, Action, Action)> {
    let form = state.reference.form(code)?;
    match form.part {
        Some(part) => Some((form, Action::WriteFile(part), Action::ReadFile(part))),
        None if CASE_FORMS.contains(&code) => Some((form, Action::WorkOnCase, Action::ReadCase)),
        None => None,
    }
}

/// The form whose cards are the entries of a file.
pub fn entry_form(state: &AppState, part: FilePart) -> Option<&Form> {
    state.reference.forms().find(|f| f.part == Some(part))
}

/// A checked card ready to store: its id, the values kept in clear and the sealed ones.
pub struct SealedCard {
    pub id: String,
    pub data: Value,
    pub sealed: Vec<u8>,
}

pub fn seal_card(state: &AppState, form: &Form, card: &CheckedCard) -> Result<SealedCard, String> {
    let id = uuid::Uuid::now_v7().to_string();
    let (data, personal) = card.split(form);
    let sealed = state
        .keyring
        .seal_json(&personal, &sealed_aad("cards", "sealed", &id))
        .map_err(|e| e.to_string())?;
    Ok(SealedCard { id, data, sealed })
}

/// The card row of a sealed card recorded on `case` by `actor`.
pub fn case_card<'a>(
    sealed: &'a SealedCard,
    data: &'a str,
    card: &'a CheckedCard,
    case: &'a CaseRecord,
    actor: &'a Actor,
    who: &'a str,
    at_ms: i64,
) -> NewCard<'a> {
    NewCard {
        id: &sealed.id,
        form_code: &card.form_code,
        form_version: card.form_version,
        territory: &case.territory,
        complete: card.complete,
        data,
        sealed: Some(&sealed.sealed),
        created_by: who,
        organisation: (!actor.organisation.is_empty()).then_some(actor.organisation.as_str()),
        case: Some((&case.id, &case.child_id)),
        at_ms,
    }
}

/// All the values of a stored card, the sealed ones opened.
pub fn card_values(state: &AppState, card: &CardRecord) -> Result<Map<String, Value>, String> {
    let mut values: Map<String, Value> = serde_json::from_str(&card.data).unwrap_or_default();
    if let Some(sealed) = &card.sealed {
        match state
            .keyring
            .open_json(sealed, &sealed_aad("cards", "sealed", &card.id))
            .map_err(|e| e.to_string())?
        {
            Value::Object(personal) => values.extend(personal),
            _ => return Err("sealed values are not an object".to_owned()),
        }
    }
    Ok(values)
}

/// A child's sealed identity, opened (`Null` for a child recorded without one).
pub fn open_identity(
    state: &AppState,
    child_id: &str,
    sealed: Option<&[u8]>,
) -> Result<Value, String> {
    match sealed {
        Some(sealed) => state
            .keyring
            .open_json(sealed, &sealed_aad("children", "identity", child_id))
            .map_err(|e| e.to_string()),
        None => Ok(Value::Null),
    }
}

/// A child's name as lists show it: given name then family name.
pub fn display_name(identity: &Value) -> String {
    let part = |key: &str| {
        identity
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    format!("{} {}", part("first_name"), part("last_name"))
        .trim()
        .to_owned()
}

pub enum CardOutcome {
    Recorded { id: String, case_id: String },
    Invalid(Vec<FieldError>),
    Refused(CaseRefusal),
}

/// Records a card of `form_code` on a case (the API and the pages share it).
pub async fn record(
    state: &AppState,
    caller: &Caller,
    case_id: &str,
    form_code: &str,
    input: &Value,
) -> Result<CardOutcome, String> {
    let Some((form, write, _)) = case_form(state, form_code) else {
        return Ok(CardOutcome::Refused(CaseRefusal::Hidden));
    };
    let (actor, case) = match case_for(state, caller, case_id, write, true).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(CardOutcome::Refused(refusal)),
    };
    let card = match form.check(
        input,
        Completeness::Complete,
        &state.reference,
        state.clock.now(),
    ) {
        Ok(card) => card,
        Err(errors) => return Ok(CardOutcome::Invalid(errors)),
    };
    let sealed = seal_card(state, form, &card)?;
    let who = caller.audit_actor().unwrap_or_default();
    let now = state.now_ms();
    let data = sealed.data.to_string();
    let new = case_card(&sealed, &data, &card, &case, &actor, &who, now);
    let run = async {
        let mut tx = state.store.begin().await?;
        tx.insert_card(&new).await?;
        tx.audit(caller.audit_entry(
            now,
            "case.card_recorded",
            ("case", &case.id),
            &case.territory,
            json!({"card": sealed.id, "form": form.code}),
        ))
        .await?;
        tx.commit().await
    };
    run.await.map_err(|e| e.detail())?;
    Ok(CardOutcome::Recorded {
        id: sealed.id,
        case_id: case.id,
    })
}

/// The cards of one form on a case, opened for a reader allowed to see them; the read
/// is audited.
pub async fn opened_cards(
    state: &AppState,
    caller: &Caller,
    case_id: &str,
    form_code: &str,
) -> Result<Result<(CaseRecord, Vec<(CardRecord, Map<String, Value>)>), CaseRefusal>, String> {
    let Some((_, _, read)) = case_form(state, form_code) else {
        return Ok(Err(CaseRefusal::Hidden));
    };
    let case = match case_for(state, caller, case_id, read, false).await? {
        Ok((_, case)) => case,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let mut opened = Vec::new();
    for card in state
        .store
        .case_cards_of_form(&case.id, form_code)
        .await
        .map_err(|e| e.detail())?
    {
        let values = card_values(state, &card)?;
        opened.push((card, values));
    }
    let entry = caller.audit_entry(
        state.now_ms(),
        "case.cards_read",
        ("case", &case.id),
        &case.territory,
        json!({"form": form_code}),
    );
    state.audit_alone(entry).await.map_err(|e| e.detail())?;
    Ok(Ok((case, opened)))
}

// ---- API -----------------------------------------------------------------------------

pub async fn api_record(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path((case_id, form_code)): Path<(String, String)>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(input) = match body {
        Ok(body) => body,
        Err(rejection) => return crate::api::bad_body(t, rejection.status()),
    };
    match record(&state, &caller, &case_id, &form_code, &input).await {
        Ok(CardOutcome::Recorded { id, .. }) => {
            (StatusCode::CREATED, Json(json!({"id": id}))).into_response()
        }
        Ok(CardOutcome::Invalid(errors)) => ApiError::Invalid(t, errors).into_response(),
        Ok(CardOutcome::Refused(refusal)) => refusal.api(t),
        Err(detail) => internal(true, t, &detail),
    }
}

pub async fn api_list(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path((case_id, form_code)): Path<(String, String)>,
) -> Response {
    match opened_cards(&state, &caller, &case_id, &form_code).await {
        Ok(Ok((_, cards))) => Json(json!({
            "cards": cards.iter().map(|(card, values)| json!({
                "id": card.id,
                "form": card.form_code,
                "form_version": card.form_version,
                "created_at": rfc3339(card.created_at),
                "created_by": card.created_by,
                "values": values,
            })).collect::<Vec<_>>(),
        }))
        .into_response(),
        Ok(Err(refusal)) => refusal.api(t),
        Err(detail) => internal(true, t, &detail),
    }
}

// ---- Pages ---------------------------------------------------------------------------

/// Where a page goes once a card is saved: the file it belongs to, or the case.
fn after_saving(state: &AppState, case_id: &str, form_code: &str) -> String {
    match state.reference.form(form_code).and_then(|f| f.part) {
        Some(part) => format!("/cases/{case_id}/files/{part}"),
        None => format!("/cases/{case_id}"),
    }
}

pub async fn form_page(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Path((case_id, form_code)): Path<(String, String)>,
) -> Response {
    let Some((form, write, _)) = case_form(&state, &form_code) else {
        return page_error(t, StatusCode::NOT_FOUND);
    };
    let action = format!("/cases/{case_id}/cards/{form_code}");
    blank_form_on_case(
        &state,
        t,
        &caller,
        uri.path(),
        &case_id,
        form,
        write,
        action,
    )
    .await
}

/// A blank form recorded on a case, offered only to those who may save it, on an open
/// case of their scope (anyone else gets the refusal the save would get).
#[allow(clippy::too_many_arguments)] // the page's parts, each needed once
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
    match case_for(state, caller, case_id, write, true).await {
        Ok(Ok(_)) => {}
        Ok(Err(refusal)) => return refusal.page(t),
        Err(detail) => return internal(false, t, &detail),
    }
    crate::pages::storing_form(
        t,
        here.to_owned(),
        caller,
        form,
        &state.reference,
        action,
        &Default::default(),
        &[],
    )
}

pub async fn save_page(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Path((case_id, form_code)): Path<(String, String)>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Response {
    let Some((form, _, _)) = case_form(&state, &form_code) else {
        return page_error(t, StatusCode::NOT_FOUND);
    };
    let (values, input, _) = crate::pages::read_submission(form, pairs);
    match record(&state, &caller, &case_id, &form_code, &input).await {
        Ok(CardOutcome::Recorded { case_id, .. }) => {
            Redirect::to(&after_saving(&state, &case_id, &form_code)).into_response()
        }
        Ok(CardOutcome::Invalid(errors)) => {
            let action = format!("/cases/{case_id}/cards/{form_code}");
            crate::pages::storing_form(
                t,
                uri.path().to_owned(),
                &caller,
                form,
                &state.reference,
                action,
                &values,
                &errors,
            )
        }
        Ok(CardOutcome::Refused(refusal)) => refusal.page(t),
        Err(detail) => internal(false, t, &detail),
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
