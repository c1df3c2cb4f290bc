//! The linking cards through the JSON API, and the event stream that pushes their
//! steps to the pages of both services.

use crate::auth::Caller;
use crate::error::{ApiError, internal, refusal};
use crate::events::Event;
use crate::i18n::Tr;
use crate::referrals::{
    OpenedReferral, ReferralRequest, SendOutcome, StepOutcome, is_overdue, open, send, take,
};
use crate::state::AppState;
use crate::times::rfc3339;
use awladna_domain::referral::Step;
use awladna_store::referrals::{Mailbox, ReferralRecord};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::convert::Infallible;
use std::time::Duration;

pub const PAGE_SIZE: i64 = 50;

/// A referral as lists show it: nothing about the child.
pub fn summary_json(r: &ReferralRecord, now_ms: i64) -> Value {
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
    t: Tr,
    caller: Caller,
    Path(case_id): Path<String>,
    body: Result<Json<ReferralRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(request) = match body {
        Ok(body) => body,
        Err(rejection) => return crate::api::bad_body(t, rejection.status()),
    };
    match send(&state, &caller, &case_id, &request).await {
        Ok(SendOutcome::Sent(id)) => (
            StatusCode::CREATED,
            Json(json!({"id": id, "status": "sent"})),
        )
            .into_response(),
        Ok(SendOutcome::Invalid(errors)) => ApiError::Invalid(t, errors).into_response(),
        Ok(SendOutcome::Refused(refusal)) => refusal.api(t),
        Err(detail) => internal(true, t, &detail),
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(rename = "box")]
    mailbox: Option<String>,
    page: Option<i64>,
}

pub fn mailbox(code: Option<&str>) -> Option<Mailbox> {
    match code.unwrap_or("inbox") {
        "inbox" => Some(Mailbox::Inbox),
        "outbox" => Some(Mailbox::Outbox),
        _ => None,
    }
}

pub async fn list(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Response {
    let Some(actor) = caller.actor.as_ref() else {
        return ApiError::NotFound(t).into_response();
    };
    let Some(which) = mailbox(query.mailbox.as_deref()) else {
        return ApiError::Invalid(
            t,
            vec![awladna_domain::forms::FieldError {
                field: "box".into(),
                problem: awladna_domain::forms::Problem::UnknownCode,
            }],
        )
        .into_response();
    };
    let page = query.page.unwrap_or(1).clamp(1, i64::MAX / PAGE_SIZE);
    let found = state
        .store
        .referrals_of(
            &actor.organisation,
            which,
            PAGE_SIZE,
            (page - 1) * PAGE_SIZE,
        )
        .await;
    let now = state.now_ms();
    match found {
        Ok(rows) => Json(json!({
            "page": page,
            "referrals": rows.iter().map(|r| summary_json(r, now)).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(e) => crate::error::store_failure(t, &e),
    }
}

pub fn opened_json(opened: &OpenedReferral, now_ms: i64) -> Value {
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
                .map(|(status, at, by, note)| json!({"status": status, "at": rfc3339(*at), "by": by, "note": note}))
                .collect(),
        );
        object.insert("shared".into(), Value::Object(opened.shared.clone()));
    }
    card
}

pub async fn read(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    match open(&state, &caller, &id).await {
        Ok(Some(opened)) => Json(opened_json(&opened, state.now_ms())).into_response(),
        Ok(None) => ApiError::NotFound(t).into_response(),
        Err(detail) => internal(true, t, &detail),
    }
}

#[derive(Deserialize, Default)]
pub struct StepBody {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
    version: Option<i64>,
}

/// The answer to a step, for the API.
pub fn step_response(t: Tr, outcome: Result<StepOutcome, String>) -> Response {
    match outcome {
        Ok(StepOutcome::Taken { status, .. }) => {
            Json(json!({"status": status.code()})).into_response()
        }
        Ok(StepOutcome::Illegal(illegal)) => refusal(
            t,
            StatusCode::UNPROCESSABLE_ENTITY,
            match illegal {
                awladna_domain::referral::IllegalStep::NotYourSide => "not_your_side",
                awladna_domain::referral::IllegalStep::WrongStatus => "wrong_status",
            },
            illegal.message_id(),
        ),
        Ok(StepOutcome::Invalid(errors)) => ApiError::Invalid(t, errors).into_response(),
        Ok(StepOutcome::Stale) => refusal(t, StatusCode::CONFLICT, "stale", "referral-stale"),
        Ok(StepOutcome::Hidden) => ApiError::NotFound(t).into_response(),
        Err(detail) => internal(true, t, &detail),
    }
}

pub async fn step(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path((id, step)): Path<(String, String)>,
    body: Option<Json<StepBody>>,
) -> Response {
    let step = match step.parse::<Step>() {
        Ok(step) if step != Step::Receive => step,
        _ => return ApiError::NotFound(t).into_response(),
    };
    let body = body.map(|Json(b)| b).unwrap_or_default();
    let note = if body.reason.trim().is_empty() {
        &body.note
    } else {
        &body.reason
    };
    step_response(
        t,
        take(&state, &caller, &id, step, note, body.version).await,
    )
}

/// How many referrals wait for the caller's organisation, and how many are overdue:
/// the counter in the page header.
pub async fn waiting(State(state): State<AppState>, t: Tr, caller: Caller) -> Response {
    let Some(actor) = caller.actor.as_ref() else {
        return ApiError::NotFound(t).into_response();
    };
    match state
        .store
        .inbox_waiting(&actor.organisation, state.now_ms())
        .await
    {
        Ok((waiting, overdue)) => {
            Json(json!({"waiting": waiting, "overdue": overdue})).into_response()
        }
        Err(e) => crate::error::store_failure(t, &e),
    }
}

/// `GET /api/v1/events`: the referral steps of the caller's organisation, as they
/// happen. A comment every 15 s keeps proxies from closing the stream.
pub async fn stream(State(state): State<AppState>, caller: Caller) -> Response {
    let org = caller
        .actor
        .as_ref()
        .map(|a| a.organisation.clone())
        .unwrap_or_default();
    let receiver = state.events.subscribe();
    let events = futures_util::stream::unfold((receiver, org), |(mut receiver, org)| async move {
        loop {
            match receiver.recv().await {
                Ok(event) if event.orgs.contains(&org) => {
                    let sse = to_sse(&event);
                    return Some((Ok::<_, Infallible>(sse), (receiver, org)));
                }
                Ok(_) => continue,
                // Fell behind: tell the page to reload its counts rather than guess.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    let sse = SseEvent::default().event("resync").data("{}");
                    return Some((Ok(sse), (receiver, org)));
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
