//! Reporting cards (بطاقة التبليغ) through the API: record one (a draft or complete),
//! read it back. The use cases are `awladna_core::reports`'.

use crate::error::AppError;
use crate::extract::{ApiJson, Guard};
use crate::state::AppState;
use awladna_core::act;
use awladna_core::reports::{
    EditError, MAX_IDEMPOTENCY_KEY, OpenedCard, RecordError, abandoned, edit, open, record,
    versions,
};
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

impl From<EditError> for AppError {
    fn from(e: EditError) -> Self {
        match e {
            EditError::Record(e) => e.into(),
            EditError::NotDraft => {
                AppError::refused(StatusCode::CONFLICT, "not_draft", "reports-not-draft")
            }
        }
    }
}

#[derive(Deserialize)]
pub struct DraftQuery {
    #[serde(default)]
    draft: bool,
}

impl DraftQuery {
    fn completeness(&self) -> Completeness {
        if self.draft {
            Completeness::Draft
        } else {
            Completeness::Complete
        }
    }
}

/// The `Idempotency-Key` header, if any: a retry with the same key stores nothing new.
pub(crate) fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, AppError> {
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
    // A card queued offline names its device: a revoked or expired one is refused.
    crate::field::check_device(&state, &permit, &headers).await?;
    let recorded = record(
        &state,
        &permit,
        &input,
        query.completeness(),
        key.as_deref(),
    )
    .await?;
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
    let opened = open(&state, &permit, &id).await?;
    let history: Vec<Value> = versions(&state, &opened)
        .await?
        .iter()
        .map(|v| json!({"version": v.version, "complete": v.complete, "replaced_by": v.replaced_by, "replaced_at": crate::times::rfc3339(v.replaced_at)}))
        .collect();
    let OpenedCard { card, values } = opened;
    Ok(Json(json!({
        "versions": history,
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

/// A new version of a draft: `{"version": N, "values": {…}}`, `?draft=true` to keep it a
/// draft, otherwise it is completed (and checked as complete).
#[derive(Deserialize)]
pub struct DraftVersion {
    version: i64,
    values: Value,
}

pub async fn new_version(
    State(state): State<AppState>,
    Guard(permit): Guard<act::RecordReport>,
    Path(id): Path<String>,
    Query(query): Query<DraftQuery>,
    ApiJson(body): ApiJson<DraftVersion>,
) -> Result<Json<Value>, AppError> {
    let edited = edit(
        &state,
        &permit,
        &id,
        &body.values,
        query.completeness(),
        body.version,
    )
    .await?;
    Ok(Json(
        json!({"id": edited.id, "complete": edited.complete, "version": edited.version}),
    ))
}

/// The abandoned drafts of the coordinator's province, oldest first, without identities.
pub async fn abandoned_drafts(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ViewAlerts>,
) -> Result<Json<Value>, AppError> {
    let drafts: Vec<Value> = abandoned(&state, &permit)
        .await?
        .iter()
        .map(|card| {
            json!({
                "id": card.id,
                "created_at": crate::times::rfc3339(card.created_at),
                "updated_at": crate::times::rfc3339(card.updated_at),
                "organisation": card.organisation,
            })
        })
        .collect();
    Ok(Json(json!({
        "abandoned_after_days": state.reference.drafts().abandoned_after_days,
        "drafts": drafts,
    })))
}
