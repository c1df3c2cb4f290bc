//! Supervisor approval (issue 18): the worker's request from the case page, the
//! coordinator's page of waiting requests, the decision with its comment after a
//! confirmation, and the timeline's lines. The use cases are
//! `awladna_core::approvals`'.

use crate::confirm::{ConfirmPage, given};
use crate::error::AppError;
use crate::extract::{ApiJson, Guard, Shell};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::times::local_time;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::approvals::{MAX_COMMENT, OpenedApproval, decide, of_case, request};
use awladna_core::cases::{CaseError, Use};
use awladna_core::{CoreError, act};
use awladna_domain::approvals::steps_of;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

fn step_label(t: Tr, step: &str) -> String {
    t.get_or(&format!("approval-step-{step}"), step)
}

/// The steps the case's province asks to approve, for the request form.
pub fn steps(t: Tr, territory: &str) -> Vec<(String, String)> {
    steps_of(territory)
        .into_iter()
        .map(|s| (s.code().to_owned(), step_label(t, s.code())))
        .collect()
}

/// The timeline's lines of a case's approvals: each request and each decision, with
/// its comment.
pub fn timeline_lines(t: Tr, all: &[OpenedApproval]) -> Vec<(i64, String, Option<String>)> {
    let mut lines = Vec::new();
    for a in all {
        let step = step_label(t, &a.step);
        lines.push((
            a.requested_at,
            format!(
                "{}: {step} — {}",
                t.get("approval-requested"),
                a.requested_by
            ),
            a.request_comment.clone(),
        ));
        if let (Some(at), Some(by)) = (a.decided_at, &a.decided_by) {
            let status = if a.status == "returned" {
                "returned"
            } else {
                "approved"
            };
            lines.push((
                at,
                format!("{}: {step} — {by}", t.get(&format!("approval-{status}"))),
                a.decision_comment.clone(),
            ));
        }
    }
    lines
}

pub struct WaitingView {
    id: String,
    step: String,
    by: String,
    at: String,
    comment: Option<String>,
    version: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "case_approvals.html")]
pub struct ApprovalsPage {
    shell: Shell,
    id: String,
    number: String,
    waiting: Vec<WaitingView>,
    flags: Vec<super::flags::FlagView>,
    error: Option<String>,
    max_comment: usize,
}

async fn page(
    state: &AppState,
    shell: Shell,
    permit: &awladna_core::Permit<act::SuperviseCase>,
    case_id: &str,
    error: Option<String>,
) -> Result<Response, AppError> {
    let case = state.case_of(permit, case_id, Use::Read).await?;
    let waiting = of_case(state, &case.id)
        .await?
        .into_iter()
        .filter(|a| a.status == "requested")
        .map(|a| WaitingView {
            step: step_label(shell.t, &a.step),
            at: local_time(a.requested_at),
            by: a.requested_by,
            comment: a.request_comment,
            id: a.id,
            version: a.version,
        })
        .collect();
    let status = match error {
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    let page = ApprovalsPage {
        id: case.id.clone(),
        number: case.number.clone(),
        waiting,
        flags: super::flags::banner(state, &case.id).await?,
        error,
        max_comment: MAX_COMMENT,
        shell,
    };
    Ok((status, page).into_response())
}

/// The coordinator's page: the case's requests waiting, each with its decision form.
pub async fn show(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::SuperviseCase>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    page(&state, shell, &permit, &id, None).await
}

#[derive(Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    step: String,
    #[serde(default)]
    comment: String,
}

pub async fn request_page(
    State(state): State<AppState>,
    Guard(permit): Guard<act::WorkOnCase>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<RequestForm>,
) -> Result<Response, AppError> {
    request(&state, &permit, &id, &form.step, &form.comment).await?;
    Ok(Redirect::to(&format!("/cases/{id}?approval=requested")).into_response())
}

pub async fn request_api(
    State(state): State<AppState>,
    Guard(permit): Guard<act::WorkOnCase>,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<RequestForm>,
) -> Result<Response, AppError> {
    let approval = request(&state, &permit, &id, &form.step, &form.comment).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": approval}))).into_response())
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    approval_id: String,
    /// `approve` or `return`.
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
    version: Option<i64>,
    confirmed: Option<String>,
}

/// The decision: asked to confirm first (what is decided, with the comment), then
/// recorded; a comment missing to return a request is told on the page.
pub async fn decide_page(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::SuperviseCase>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<DecideForm>,
) -> Result<Response, AppError> {
    let t = shell.t;
    let case = state.case_of(&permit, &id, Use::Read).await?;
    let approve = form.decision == "approve";
    if !given(form.confirmed.as_deref()) {
        let all = of_case(&state, &case.id).await?;
        let Some(asked) = all.iter().find(|a| a.id == form.approval_id) else {
            // The case is the reader's: a request that is not its own is a wrong field.
            let message = format!(
                "{}: {}",
                t.get("approval-field-approval_id"),
                t.get("form-error-unknown-code")
            );
            let shell = shell.at(format!("/cases/{id}/approvals"));
            return page(&state, shell, &permit, &id, Some(message)).await;
        };
        let verb = if approve { "approve" } else { "return" };
        return Ok(ConfirmPage {
            title: t.get(&format!("approval-confirm-{verb}")),
            question: t.get("approval-confirm-question"),
            facts: vec![
                (t.get("case-card-of-case"), case.number.clone()),
                (t.get("approval-field-step"), step_label(t, &asked.step)),
                (
                    t.get("approval-field-comment"),
                    form.comment.trim().to_owned(),
                ),
            ],
            action: format!("/cases/{id}/approvals/decide"),
            fields: vec![
                ("approval_id".into(), form.approval_id.clone()),
                ("decision".into(), form.decision.clone()),
                ("comment".into(), form.comment.clone()),
                (
                    "version".into(),
                    form.version.map(|v| v.to_string()).unwrap_or_default(),
                ),
            ],
            confirm: t.get(&format!("approval-do-{verb}")),
            cancel: format!("/cases/{id}/approvals"),
            shell: shell.at(format!("/cases/{id}/approvals/decide")),
        }
        .into_response());
    }
    let decided = decide(
        &state,
        &permit,
        &id,
        &form.approval_id,
        approve,
        &form.comment,
        form.version,
    )
    .await;
    match decided {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(CaseError::Core(CoreError::Invalid(errors))) => {
            let message = errors.first().map(|e| {
                format!(
                    "{}: {}",
                    t.get(&format!("approval-field-{}", e.field)),
                    t.with(e.problem.message_id(), &e.problem.arguments())
                )
            });
            let shell = shell.at(format!("/cases/{id}/approvals"));
            page(&state, shell, &permit, &id, message).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn decide_api(
    State(state): State<AppState>,
    Guard(permit): Guard<act::SuperviseCase>,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<DecideForm>,
) -> Result<Json<Value>, AppError> {
    state.case_of(&permit, &id, Use::Read).await?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "return" => false,
        _ => {
            return Err(AppError::refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "form-error-unknown-code",
            ));
        }
    };
    decide(
        &state,
        &permit,
        &id,
        &form.approval_id,
        approve,
        &form.comment,
        form.version,
    )
    .await?;
    Ok(Json(
        json!({"id": form.approval_id, "decision": form.decision}),
    ))
}
