//! The JSON API of the foundation: health, reference data and form definitions.
//! Reference data and forms are public (the help page and clients need them); they
//! hold no data about any child.

use crate::error::AppError;
use crate::extract::ApiJson;
use crate::state::AppState;
use awladna_domain::forms::Completeness;
use awladna_domain::territory::Territory;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub async fn healthz(State(state): State<AppState>) -> Response {
    let database = state.store.backend().name();
    match state.store.ping().await {
        Ok(()) => Json(
            json!({"status": "ok", "database": database, "version": env!("CARGO_PKG_VERSION")}),
        )
        .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable", "database": database})),
            )
                .into_response()
        }
    }
}

#[derive(Serialize)]
struct VocabularySummary<'a> {
    code: &'a str,
    ar: &'a str,
    fr: &'a str,
    en: &'a str,
    terms: usize,
    href: String,
}

/// The list of vocabularies, territories included.
pub async fn vocabularies(State(state): State<AppState>) -> Json<Value> {
    let mut list: Vec<Value> = state
        .reference
        .vocabularies()
        .map(|v| {
            json!(VocabularySummary {
                code: &v.code,
                ar: &v.labels.ar,
                fr: &v.labels.fr,
                en: &v.labels.en,
                terms: v.terms.len(),
                href: format!("/api/v1/reference/{}", v.code),
            })
        })
        .collect();
    list.push(json!({
        "code": "territories", "ar": "العمالات والأقاليم", "fr": "Territoires", "en": "Territories",
        "terms": state.reference.territories().len(), "href": "/api/v1/reference/territories",
    }));
    Json(Value::Array(list))
}

pub async fn vocabulary(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Value>, AppError> {
    let vocabulary = state
        .reference
        .vocabulary(&code)
        .ok_or(AppError::NotFound)?;
    Ok(Json(json!(vocabulary)))
}

#[derive(Serialize)]
struct TerritoryOut<'a> {
    #[serde(flatten)]
    territory: &'a Territory,
    communes_href: Option<String>,
}

pub async fn territories(State(state): State<AppState>) -> Json<Value> {
    let list: Vec<TerritoryOut> = state
        .reference
        .territories()
        .iter()
        .map(|territory| TerritoryOut {
            territory,
            communes_href: territory
                .kind
                .hosts_mechanism()
                .then(|| format!("/api/v1/reference/territories/{}/communes", territory.code)),
        })
        .collect();
    Json(json!(list))
}

pub async fn communes(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Value>, AppError> {
    state.reference.territory(&code).ok_or(AppError::NotFound)?;
    let list: Vec<_> = state.reference.communes_of(&code).collect();
    Ok(Json(json!(list)))
}

pub async fn forms(State(state): State<AppState>) -> Json<Value> {
    let list: Vec<Value> = state
        .reference
        .forms()
        .map(|f| {
            json!({
                "code": f.code, "version": f.version, "ar": f.labels.ar, "fr": f.labels.fr, "en": f.labels.en,
                "href": format!("/api/v1/forms/{}", f.code),
            })
        })
        .collect();
    Json(Value::Array(list))
}

#[derive(Deserialize)]
pub struct VersionQuery {
    version: Option<u32>,
}

pub async fn form(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<VersionQuery>,
) -> Result<Json<Value>, AppError> {
    let form = match query.version {
        Some(version) => state.reference.form_version(&code, version),
        None => state.reference.form(&code),
    };
    Ok(Json(json!(form.ok_or(AppError::NotFound)?)))
}

#[derive(Deserialize)]
pub struct CheckQuery {
    #[serde(default)]
    draft: bool,
}

/// Checks a submission against a form without storing it, so that a client can show
/// field errors before the user sends the card.
pub async fn check_form(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<CheckQuery>,
    ApiJson(input): ApiJson<Value>,
) -> Result<Json<Value>, AppError> {
    let form = state.reference.form(&code).ok_or(AppError::NotFound)?;
    let completeness = if query.draft {
        Completeness::Draft
    } else {
        Completeness::Complete
    };
    let card = form
        .check(&input, completeness, &state.reference, state.clock.now())
        .map_err(AppError::Invalid)?;
    Ok(Json(
        json!({"valid": true, "complete": card.complete, "form_version": card.form_version}),
    ))
}
