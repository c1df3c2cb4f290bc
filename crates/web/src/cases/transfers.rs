//! Transfers of a case to another province (issue 15 §4): the request form from the
//! case page, the province's transfers page (waiting for its answer, sent and still
//! open), the answer after a confirmation, the sending province's read of what it
//! recorded and the closing of its part, and the timeline's lines. The use cases are
//! `awladna_core::transfers`'.

use crate::confirm::{ConfirmPage, given};
use crate::error::AppError;
use crate::extract::{ApiJson, Guard, Shell};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::times::local_time;
use crate::training::place_name;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::cases::Use;
use awladna_core::cases::moves::MoveError;
use awladna_core::transfers::{
    Answered, Listed, MAX_REASON, OpenedTransfer, answer, of_province, read_sent, release, request,
    to_answer,
};
use awladna_core::{CoreError, Permit, act};
use awladna_domain::access::{Action, Decision, decide};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

/// The timeline's lines of a case's transfers: each request, answer and closing.
pub fn timeline_lines(
    state: &AppState,
    t: Tr,
    all: &[OpenedTransfer],
) -> Vec<(i64, String, Option<String>)> {
    let mut lines = Vec::new();
    for x in all {
        let places = format!(
            "{} ← {}",
            place_name(state, t, &x.to_territory),
            place_name(state, t, &x.from_territory)
        );
        lines.push((
            x.requested_at,
            format!(
                "{}: {places} — {}",
                t.get("transfer-requested"),
                x.requested_by
            ),
            Some(x.reason.clone()),
        ));
        if let (Some(at), Some(by)) = (x.decided_at, &x.decided_by) {
            lines.push((
                at,
                format!(
                    "{}: {places} — {by}",
                    t.get(&format!("transfer-{}", x.status))
                ),
                x.decision_reason.clone(),
            ));
        }
        if let (Some(at), Some(by)) = (x.released_at, &x.released_by) {
            lines.push((
                at,
                format!("{}: {places} — {by}", t.get("transfer-released")),
                None,
            ));
        }
    }
    lines
}

/// A problem of a typed field, as a sentence naming the field.
fn field_message(t: Tr, e: &CoreError) -> Option<String> {
    let CoreError::Invalid(errors) = e else {
        return None;
    };
    errors.first().map(|e| {
        format!(
            "{}: {}",
            t.get(&format!("transfer-field-{}", e.field)),
            t.with(e.problem.message_id(), &e.problem.arguments())
        )
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "case_transfer.html")]
pub struct RequestPage {
    shell: Shell,
    id: String,
    number: String,
    version: i64,
    provinces: Vec<(String, String)>,
    to: String,
    reason: String,
    error: Option<String>,
    max_reason: usize,
}

#[derive(Deserialize, Default)]
pub struct RequestForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    reason: String,
    version: Option<i64>,
}

async fn request_form(
    state: &AppState,
    shell: Shell,
    permit: &Permit<act::MoveCase>,
    case_id: &str,
    form: RequestForm,
    error: Option<String>,
) -> Result<Response, AppError> {
    let case = state.case_of(permit, case_id, Use::Change).await?;
    let t = shell.t;
    let mut provinces: Vec<(String, String)> = state
        .reference
        .territories()
        .iter()
        .filter(|p| p.kind.hosts_mechanism() && p.code != case.territory)
        .map(|p| (p.code.clone(), place_name(state, t, &p.code)))
        .collect();
    provinces.sort_by(|a, b| a.1.cmp(&b.1));
    let status = match error {
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    let page = RequestPage {
        id: case.id.clone(),
        number: case.number.clone(),
        version: form.version.unwrap_or(case.version),
        provinces,
        to: form.to,
        reason: form.reason,
        error,
        max_reason: MAX_REASON,
        shell,
    };
    Ok((status, page).into_response())
}

pub async fn request_show(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::MoveCase>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    request_form(&state, shell, &permit, &id, RequestForm::default(), None).await
}

pub async fn request_page(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::MoveCase>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<RequestForm>,
) -> Result<Response, AppError> {
    let t = shell.t;
    // A closed case is read-only: told as such, before anything typed is checked.
    state.case_of(&permit, &id, Use::Change).await?;
    match request(&state, &permit, &id, &form.to, &form.reason, form.version).await {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(MoveError::Core(e)) if field_message(t, &e).is_some() => {
            let message = field_message(t, &e);
            request_form(&state, shell, &permit, &id, form, message).await
        }
        Err(MoveError::NeedsApproval(_)) => {
            let message = Some(t.get("approval-needed"));
            request_form(&state, shell, &permit, &id, form, message).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn request_api(
    State(state): State<AppState>,
    Guard(permit): Guard<act::MoveCase>,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<RequestForm>,
) -> Result<Response, AppError> {
    state.case_of(&permit, &id, Use::Change).await?;
    let transfer = request(&state, &permit, &id, &form.to, &form.reason, form.version).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": transfer}))).into_response())
}

pub struct TransferView {
    id: String,
    case_id: String,
    number: String,
    from: String,
    to: String,
    by: String,
    at: String,
    reason: String,
    status: String,
    /// Accepted: the sender reads what it recorded, until it closes its part.
    accepted: bool,
    version: i64,
}

fn view(state: &AppState, t: Tr, l: Listed) -> TransferView {
    let x = l.transfer;
    TransferView {
        from: place_name(state, t, &x.from_territory),
        to: place_name(state, t, &x.to_territory),
        at: local_time(x.requested_at),
        status: t.get(&format!("transfer-{}", x.status)),
        accepted: x.status == "accepted",
        id: x.id,
        case_id: x.case_id,
        number: l.number,
        by: x.requested_by,
        reason: x.reason,
        version: x.version,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "transfers.html")]
pub struct TransfersPage {
    shell: Shell,
    waiting: Vec<TransferView>,
    sent: Vec<TransferView>,
    can_answer: bool,
    error: Option<String>,
    max_reason: usize,
}

async fn transfers_page(
    state: &AppState,
    shell: Shell,
    permit: &Permit<act::ReadCase>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let t = shell.t;
    let (waiting, sent) = of_province(state, permit).await?;
    let allowed = |a: Action| decide(Some(permit.actor()), a, None) == Decision::Allow;
    let status = match error {
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    let page = TransfersPage {
        waiting: waiting.into_iter().map(|l| view(state, t, l)).collect(),
        sent: sent.into_iter().map(|l| view(state, t, l)).collect(),
        can_answer: allowed(Action::AssignCase),
        error,
        max_reason: MAX_REASON,
        shell,
    };
    Ok((status, page).into_response())
}

/// The province's transfers: those waiting for its answer, and those it sent.
pub async fn list(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadCase>,
) -> Result<Response, AppError> {
    transfers_page(&state, shell, &permit, None).await
}

pub async fn list_api(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadCase>,
) -> Result<Json<Value>, AppError> {
    let (waiting, sent) = of_province(&state, &permit).await?;
    let line = |l: &Listed| {
        let x = &l.transfer;
        json!({"id": x.id, "case_id": x.case_id, "number": l.number, "from": x.from_territory,
            "to": x.to_territory, "status": x.status, "version": x.version,
            "released": x.released_at.is_some()})
    };
    Ok(Json(json!({
        "waiting": waiting.iter().map(line).collect::<Vec<_>>(),
        "sent": sent.iter().map(line).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
pub struct AnswerForm {
    /// `accept` or `refuse`.
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    version: Option<i64>,
    confirmed: Option<String>,
}

/// The receiving province's answer: asked to confirm first, then recorded; a refusal
/// without its reason is told on the page, with what was typed kept in the form.
pub async fn answer_page(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::AssignCase>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<AnswerForm>,
) -> Result<Response, AppError> {
    let t = shell.t;
    let asked = to_answer(&state, &permit, &id).await?;
    let accept = form.decision == "accept";
    if !given(form.confirmed.as_deref()) {
        let verb = if accept { "accept" } else { "refuse" };
        return Ok(ConfirmPage {
            title: t.get(&format!("transfer-confirm-{verb}")),
            question: t.get("transfer-confirm-question"),
            facts: vec![
                (t.get("case-card-of-case"), asked.number),
                (
                    t.get("transfer-from"),
                    place_name(&state, t, &asked.transfer.from_territory),
                ),
                (
                    t.get("transfer-field-reason"),
                    form.reason.trim().to_owned(),
                ),
            ],
            action: format!("/transfers/{id}/answer"),
            fields: vec![
                ("decision".into(), form.decision.clone()),
                ("reason".into(), form.reason.clone()),
                (
                    "version".into(),
                    form.version.map(|v| v.to_string()).unwrap_or_default(),
                ),
            ],
            confirm: t.get(&format!("transfer-do-{verb}")),
            cancel: "/transfers".into(),
            shell: shell.at(format!("/transfers/{id}/answer")),
        }
        .into_response());
    }
    match answer(&state, &permit, &id, accept, &form.reason, form.version).await {
        Ok(_) => Ok(Redirect::to("/transfers").into_response()),
        Err(e) if field_message(t, &e).is_some() => {
            let reader = permit.also::<act::ReadCase>()?;
            let shell = shell.at("/transfers");
            transfers_page(&state, shell, &reader, field_message(t, &e)).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn answer_api(
    State(state): State<AppState>,
    Guard(permit): Guard<act::AssignCase>,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<AnswerForm>,
) -> Result<Json<Value>, AppError> {
    to_answer(&state, &permit, &id).await?;
    let accept = match form.decision.as_str() {
        "accept" => true,
        "refuse" => false,
        _ => {
            return Err(AppError::refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "form-error-unknown-code",
            ));
        }
    };
    let done = answer(&state, &permit, &id, accept, &form.reason, form.version).await?;
    Ok(Json(
        json!({"id": id, "decision": form.decision, "already": done == Answered::Already}),
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "transfer_sent.html")]
pub struct SentPage {
    shell: Shell,
    id: String,
    number: String,
    to: String,
    version: i64,
    can_release: bool,
    timeline: Vec<super::timeline::EntryView>,
}

/// What the sending province recorded on a case it transferred, until it closes its
/// part.
pub async fn sent(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadCase>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (transfer, opened) = read_sent(&state, &permit, &id).await?;
    let t = shell.t;
    // The sender reads the transfer that took the case, not what happened to it since.
    let lines = timeline_lines(&state, t, std::slice::from_ref(&transfer));
    let mut timeline = super::timeline::with_lines(&state, t, &opened, lines).await?;
    // The cards now belong to the receiving province, whose pages the sender may not open:
    // the entries are read here, not followed.
    for entry in &mut timeline {
        entry.link = None;
    }
    let page = SentPage {
        id: transfer.id,
        number: opened.case.number.clone(),
        to: place_name(&state, t, &transfer.to_territory),
        version: transfer.version,
        can_release: decide(Some(permit.actor()), Action::MoveCase, None) == Decision::Allow,
        timeline,
        shell,
    };
    Ok(page.into_response())
}

#[derive(Deserialize)]
pub struct ReleaseForm {
    version: Option<i64>,
}

pub async fn release_page(
    State(state): State<AppState>,
    Guard(permit): Guard<act::MoveCase>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<ReleaseForm>,
) -> Result<Response, AppError> {
    release(&state, &permit, &id, form.version).await?;
    Ok(Redirect::to("/transfers").into_response())
}

pub async fn release_api(
    State(state): State<AppState>,
    Guard(permit): Guard<act::MoveCase>,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<ReleaseForm>,
) -> Result<Json<Value>, AppError> {
    let done = release(&state, &permit, &id, form.version).await?;
    Ok(Json(
        json!({"id": id, "already": done == Answered::Already}),
    ))
}
