//! `POST /api/v1/observatory/reports`: a record in the Observatory's shape, answered
//! with Awladna's tracking number (201, or 200 for a record id received before);
//! `GET /api/v1/observatory/statuses?since=N`: the statuses after the cursor N.

use crate::error::AppError;
use crate::extract::{ApiJson, Guard};
use crate::i18n::Tr;
use crate::state::AppState;
use awladna_core::CoreError;
use awladna_core::act;
use awladna_core::observatory::{IntakeError, MAX_PULL, message, receive, statuses};
use awladna_core::reports::RecordError;
use awladna_domain::forms::FieldError;
use awladna_domain::observatory::{Refusal, their_field};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

pub async fn receive_record(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ObservatoryIntake>,
    t: Tr,
    ApiJson(record): ApiJson<Value>,
) -> Result<Response, AppError> {
    let acknowledged = match receive(&state, &permit, &record).await {
        Ok(a) => a,
        Err(IntakeError::Refused(refusals)) => return Ok(refused(t, &refusals)),
        Err(IntakeError::Card(RecordError::Core(CoreError::Invalid(errors)))) => {
            // The card's form names its own fields: the Observatory reads its own.
            let errors = errors
                .into_iter()
                .map(|e| FieldError {
                    field: their_field(&e.field).to_owned(),
                    problem: e.problem,
                })
                .collect();
            return Err(AppError::Invalid(errors));
        }
        Err(IntakeError::Card(e)) => return Err(e.into()),
    };
    let report = &acknowledged.report;
    let status = if acknowledged.repeated {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(json!({
            "record_id": report.record_id,
            "tracking_number": report.tracking,
            "province": report.territory_code,
            "source": report.channel,
            "received_at": crate::times::rfc3339(report.received_at),
            "repeated": acknowledged.repeated,
        })),
    )
        .into_response())
}

/// 422 with each refused field, its value when it is one the mapping reads, and
/// what to do, in the caller's language.
fn refused(t: Tr, refusals: &[Refusal]) -> Response {
    let items: Vec<Value> = refusals
        .iter()
        .map(|r| {
            let id = format!("observatory-refusal-{}", r.reason.code().replace('_', "-"));
            json!({
                "field": r.field,
                "value": r.value,
                "reason": r.reason.code(),
                "message": t.with_texts(&id, &[("field", &r.field), ("value", r.value.as_deref().unwrap_or(""))]),
            })
        })
        .collect();
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({
            "error": {"code": "unmapped", "message": t.get("observatory-refused")},
            "refusals": items,
        })),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct Since {
    #[serde(default)]
    since: i64,
    limit: Option<i64>,
}

pub async fn pull_statuses(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ObservatoryStatuses>,
    query: Result<Query<Since>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, AppError> {
    let Ok(Query(query)) = query else {
        return Err(AppError::refused(
            StatusCode::BAD_REQUEST,
            "bad_cursor",
            "observatory-bad-cursor",
        ));
    };
    let found = statuses(
        &state,
        &permit,
        query.since,
        query.limit.unwrap_or(MAX_PULL),
    )
    .await?;
    let next = found.last().map_or(query.since.max(0), |m| m.seq);
    Ok(Json(json!({
        "statuses": found.iter().map(message).collect::<Vec<_>>(),
        "next_since": next,
    })))
}
