//! The linking cards through the JSON API, and the event stream that pushes their
//! steps to the pages of both services.

use super::mailbox;
use crate::error::AppError;
use crate::extract::{ApiJson, Guard};
use crate::state::AppState;
use crate::times::rfc3339;
use awladna_core::act;
use awladna_core::referrals::{
    Event, OpenedReferral, ReferralRequest, is_overdue, list as listed, open, send, take,
    waiting as waiting_in,
};
use awladna_domain::access::hears_referral;
use awladna_domain::forms::{FieldError, Problem};
use awladna_domain::referral::Step;
use awladna_store::referrals::ReferralRecord;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::convert::Infallible;
use std::time::Duration;

/// A referral as lists show it: nothing about the child.
fn summary_json(r: &ReferralRecord, now_ms: i64) -> Value {
    json!({
        "id": r.id,
        "from_org": r.from_org,
        "to_org": r.to_org,
        "stage": r.stage,
        "service": r.service,
        "urgency": r.urgency,
        "status": r.status,
        "sent_at": rfc3339(r.sent_at),
        "due_at": rfc3339(r.due_at),
        "received_at": r.received_at.map(rfc3339),
        "responded_at": r.responded_at.map(rfc3339),
        "delivered_at": r.delivered_at.map(rfc3339),
        "closed_at": r.closed_at.map(rfc3339),
        "overdue": is_overdue(r, now_ms),
        "version": r.version,
    })
}

pub async fn create(
    State(state): State<AppState>,
    Guard(permit): Guard<act::Refer>,
    Path(case_id): Path<String>,
    ApiJson(request): ApiJson<ReferralRequest>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let sent = send(&state, &permit, &state, &case_id, &request, None).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": sent.id, "status": "sent"})),
    ))
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(rename = "box")]
    mailbox: Option<String>,
    page: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    Guard(permit): Guard<act::UseReferrals>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, AppError> {
    let which = mailbox(query.mailbox.as_deref()).ok_or_else(|| {
        AppError::Invalid(vec![FieldError {
            field: "box".into(),
            problem: Problem::UnknownCode,
        }])
    })?;
    let found = listed(&state, &permit, which, query.page).await?;
    let now = state.now_ms();
    Ok(Json(json!({
        "page": found.page,
        "referrals": found.referrals.iter().map(|r| summary_json(r, now)).collect::<Vec<_>>(),
    })))
}

fn opened_json(opened: &OpenedReferral, now_ms: i64) -> Value {
    let mut card = summary_json(&opened.referral, now_ms);
    if let Some(object) = card.as_object_mut() {
        object.insert("reason".into(), json!(opened.reason));
        object.insert("legal_ground".into(), json!(opened.legal_ground));
        object.insert("consent".into(), json!(opened.referral.consent));
        object.insert(
            "share".into(),
            serde_json::from_str(&opened.referral.share).unwrap_or(Value::Null),
        );
        object.insert(
            "steps".into(),
            opened
                .steps
                .iter()
                .map(|s| json!({"status": s.status, "at": rfc3339(s.at_ms), "by": s.by, "note": s.note}))
                .collect(),
        );
        object.insert("shared".into(), Value::Object(opened.shared.clone()));
    }
    card
}

pub async fn read(
    State(state): State<AppState>,
    Guard(permit): Guard<act::UseReferrals>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let opened = open(&state, &permit, &state, &id).await?;
    let mut body = opened_json(&opened, state.now_ms());
    body["answers"] = super::contributions::answers_json(&state, &opened).await?;
    Ok(Json(body))
}

#[derive(Deserialize, Default)]
pub struct StepBody {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
    version: Option<i64>,
}

/// A step the API takes ("received" is recorded by opening the card, never asked for).
pub(super) fn asked_step(code: &str) -> Result<Step, AppError> {
    match code.parse::<Step>() {
        Ok(step) if step != Step::Receive => Ok(step),
        _ => Err(AppError::NotFound),
    }
}

/// The body is optional: a request without one takes the step without a note.
pub async fn step(
    State(state): State<AppState>,
    Guard(permit): Guard<act::UseReferrals>,
    Path((id, step)): Path<(String, String)>,
    body: Option<ApiJson<StepBody>>,
) -> Result<Json<Value>, AppError> {
    let step = asked_step(&step)?;
    let body = body.map(|ApiJson(b)| b).unwrap_or_default();
    let note = if body.reason.trim().is_empty() {
        &body.note
    } else {
        &body.reason
    };
    let taken = take(&state, &permit, &state, &id, step, note, body.version).await?;
    Ok(Json(json!({"status": taken.status.code()})))
}

/// How many referrals wait for the caller's organisation, and how many are overdue:
/// the counter in the page header.
pub async fn waiting(
    State(state): State<AppState>,
    Guard(permit): Guard<act::UseReferrals>,
) -> Result<Json<Value>, AppError> {
    let found = waiting_in(&state, &permit).await?;
    Ok(Json(
        json!({"waiting": found.waiting, "overdue": found.overdue}),
    ))
}

/// `GET /api/v1/events`: the referral steps of the caller's organisation, as they
/// happen. A comment every 15 s keeps proxies from closing the stream.
pub async fn stream(
    State(state): State<AppState>,
    Guard(permit): Guard<act::UseReferrals>,
) -> Response {
    let actor = permit.actor().clone();
    let receiver = state.events.subscribe();
    let events =
        futures_util::stream::unfold((receiver, actor), |(mut receiver, actor)| async move {
            loop {
                match receiver.recv().await {
                    Ok(event) if hears_referral(&actor, &event.orgs) => {
                        let sse = to_sse(&event);
                        return Some((Ok::<_, Infallible>(sse), (receiver, actor)));
                    }
                    Ok(_) => continue,
                    // Fell behind: tell the page to reload its counts rather than guess.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        let sse = SseEvent::default().event("resync").data("{}");
                        return Some((Ok(sse), (receiver, actor)));
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

fn to_sse(event: &Event) -> SseEvent {
    SseEvent::default()
        .event(event.kind.clone())
        .data(json!({"referral": event.referral, "status": event.status}).to_string())
}
