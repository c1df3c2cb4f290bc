//! Children through the API: the possible duplicates of a report's child at triage,
//! and the search by name. The use cases are `awladna_core::children`'.

use crate::error::AppError;
use crate::extract::Guard;
use crate::state::AppState;
use awladna_core::CoreError;
use awladna_core::act;
use awladna_core::children::{Ranked, Search, find_children, report_candidates};
use awladna_domain::forms::Problem;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
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

/// A name search as it arrives, every value text: an empty one is not given, a bad one
/// is its field's problem, in the user's language.
#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    pub(super) q: String,
    #[serde(default)]
    pub(super) birth_year: String,
    #[serde(default)]
    pub(super) sex: String,
    #[serde(default)]
    pub(super) mother: String,
    #[serde(default)]
    pub(super) commune: String,
    #[serde(default)]
    pub(super) page: String,
}

fn given(value: &str) -> Option<String> {
    Some(value.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn number(field: &str, value: &str) -> Result<Option<i64>, CoreError> {
    given(value)
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| CoreError::field(field, Problem::NotAnInteger))
        })
        .transpose()
}

impl SearchQuery {
    pub(super) fn search(&self) -> Result<Search, CoreError> {
        Ok(Search {
            q: self.q.clone(),
            birth_year: number("birth_year", &self.birth_year)?,
            sex: given(&self.sex),
            mother: given(&self.mother),
            commune: given(&self.commune),
            page: number("page", &self.page)?,
        })
    }
}

/// `GET /api/v1/children?q=NAME[&birth_year=&sex=&mother=&commune=&page=]`: a page of
/// children, best first, each with how their name meets the query (`match`); the
/// answer's size in headers (`X-Total-Count`, `X-Match-Count`: of the full name,
/// `X-Exact-Count`: spelled alike; `X-Page`, `X-Pages`). The query is never logged
/// (the log records paths, not query strings).
pub async fn search(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadCase>,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let searched = find_children(&state, &permit, &query.search()?).await?;
    let body: Vec<Value> = searched
        .found
        .iter()
        .map(|(r, how)| {
            let mut child = candidate_json(r, &[]);
            child["match"] = how.code().into();
            child
        })
        .collect();
    let totals = searched.totals;
    let headers = [
        ("x-total-count", totals.answer),
        ("x-match-count", totals.matched),
        ("x-exact-count", totals.exact),
        ("x-page", searched.page),
        ("x-pages", searched.pages),
    ]
    .map(|(name, value)| (HeaderName::from_static(name), HeaderValue::from(value)));
    Ok((headers, Json(Value::Array(body))).into_response())
}
