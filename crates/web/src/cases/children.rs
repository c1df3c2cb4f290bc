//! Children through the API: the possible duplicates of a report's child at triage,
//! and the search by name. The use cases are `awladna_core::children`'.

use crate::error::AppError;
use crate::extract::Guard;
use crate::state::AppState;
use awladna_core::act;
use awladna_core::children::{Ranked, find_children, report_candidates};
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

fn candidate_json(r: &Ranked, reasons: &[&str]) -> Value {
    let c = &r.candidate;
    json!({
        "child_id": c.id,
        "score": r.score,
        "reasons": reasons,
        "first_name": c.identity.get("first_name"),
        "last_name": c.identity.get("last_name"),
        "sex": c.sex,
        "birth_year": c.birth_year,
    })
}

/// The possible duplicates of the child of a report, best first.
pub async fn candidates(
    State(state): State<AppState>,
    Guard(permit): Guard<act::Triage>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let ranked = report_candidates(&state, &permit, &id).await?;
    Ok(Json(Value::Array(
        ranked
            .iter()
            .map(|r| candidate_json(r, &r.reasons))
            .collect(),
    )))
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub(super) q: String,
}

/// `GET /api/v1/children?q=NAME`: the query is never logged (the log records paths, not
/// query strings).
pub async fn search(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadCase>,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Value>, AppError> {
    let ranked = find_children(&state, &permit, &query.q).await?;
    Ok(Json(Value::Array(
        ranked.iter().map(|r| candidate_json(r, &[])).collect(),
    )))
}
