//! Reporting cards (بطاقة التبليغ) through the API: record one (a draft or complete),
//! read it back. The use cases are `awladna_core::reports`'.

use crate::error::AppError;
use crate::extract::{ApiJson, Guard};
use crate::state::AppState;
use awladna_core::act;
use awladna_core::reports::{MAX_IDEMPOTENCY_KEY, OpenedCard, RecordError, open, record};
use awladna_domain::forms::Completeness;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

impl From<RecordError> for AppError {
    fn from(e: RecordError) -> Self {
        match e {
            RecordError::Core(e) => e.into(),
            RecordError::OtherTerritory => AppError::refused(
                StatusCode::FORBIDDEN,
                "other_territory",
                "reports-other-territory",
            ),
        }
    }
}

#[derive(Deserialize)]
pub struct DraftQuery {
    #[serde(default)]
    draft: bool,
}

/// The `Idempotency-Key` header, if any: a retry with the same key stores nothing new.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    match headers
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::trim))
    {
        None => Ok(None),
        Some(Ok(k)) if !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY => Ok(Some(k.to_owned())),
        Some(_) => Err(AppError::refused(
            StatusCode::BAD_REQUEST,
            "bad_idempotency_key",
            "reports-bad-idempotency-key",
        )),
    }
}

pub async fn create(
    State(state): State<AppState>,
    Guard(permit): Guard<act::RecordReport>,
    headers: HeaderMap,
    Query(query): Query<DraftQuery>,
    ApiJson(input): ApiJson<Value>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let key = idempotency_key(&headers)?;
    let completeness = if query.draft {
        Completeness::Draft
    } else {
        Completeness::Complete
    };
    let recorded = record(&state, &permit, &input, completeness, key.as_deref()).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": recorded.id, "complete": recorded.complete})),
    ))
}

pub async fn read(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadReport>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let OpenedCard { card, values } = open(&state, &permit, &id).await?;
    Ok(Json(json!({
        "id": card.id,
        "form": card.form_code,
        "form_version": card.form_version,
        "complete": card.complete,
        "territory": card.territory,
        "created_at": crate::times::rfc3339(card.created_at),
        "version": card.version,
        "values": values,
    })))
}
