//! `/api/v1/periodic-reports`: draft a report, list them, read one, and take its steps
//! (refresh, approve, submit). A reader outside the report's province gets its figures
//! suppressed.

use super::{CreateBody, StepBody, section_title};
use crate::error::AppError;
use crate::extract::{ApiJson, Guard};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::stats::api::rows_json;
use crate::stats::trend_table::changes;
use crate::stats::{rate_json, shown_json};
use awladna_core::act;
use awladna_core::periodic_reports::figures::{StoredFigure, TrendEntry};
use awladna_core::periodic_reports::{self as periodic, Opened};
use awladna_store::periodic_reports::PeriodicReport;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

fn figure_value(t: Tr, s: &StoredFigure) -> Value {
    let Some(f) = s.figure() else {
        return Value::Null;
    };
    json!({
        "indicator": f.indicator.code,
        "name": f.indicator.name.get(t.lang),
        "unit": f.indicator.unit,
        "by": f.by,
        "total": shown_json(f.total),
        "total_rate_per_1000": f.total_rate.map(rate_json),
        "rows": rows_json(&f),
    })
}

fn report_json(t: Tr, o: &Opened) -> Value {
    let (r, c) = (&o.report, &o.contents);
    let sections: Vec<Value> = c
        .sections
        .iter()
        .map(|s| {
            json!({
                "code": s.code,
                "title": section_title(t, &s.code),
                "figures": s.figures.iter().map(|e| figure_value(t, e.pick(o.whole))).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "id": r.id,
        "kind": r.kind,
        "territory": r.territory,
        "from": r.from,
        "to": r.to,
        "status": r.status,
        "version": r.version,
        "suppressed": !o.whole,
        "computed_at": r.computed_at,
        "created_by": r.created_by,
        "created_at": r.created_at,
        "approved_by": r.approved_by,
        "approved_at": r.approved_at,
        "submitted_by": r.submitted_by,
        "submitted_at": r.submitted_at,
        "sections": sections,
        "submitted_provinces": c.submitted,
        "missing_provinces": c.missing,
        "comparison": c.comparison.iter().map(|e| figure_value(t, &e.shown)).collect::<Vec<_>>(),
        // Section (d), issue 14 §4: the approved action plan's achievements.
        "action_plan_achievements": c.achievements,
        // Issue 19 §2: the trend against the same months of the year before.
        "trends": c.trends.iter().filter_map(|trend| trend_json(o, trend)).collect::<Vec<_>>(),
    })
}

/// A trend by month against the year before, suppressed unless the reader reads whole.
fn trend_json(o: &Opened, trend: &TrendEntry) -> Option<Value> {
    let (now, before) = (
        trend.now.pick(o.whole).figure()?,
        trend.before.pick(o.whole).figure()?,
    );
    let months: Vec<Value> = changes(&now, &before)
        .into_iter()
        .map(|(month, c)| {
            json!({
                "month": if month.is_empty() { Value::Null } else { json!(month) },
                "value": shown_json(c.now),
                "previous_year": shown_json(c.before),
                "change_percent": c.percent,
                "too_small": c.too_small,
            })
        })
        .collect();
    Some(json!({"indicator": now.indicator.code, "months": months}))
}

fn summary_json(r: &PeriodicReport) -> Value {
    json!({
        "id": r.id, "kind": r.kind, "territory": r.territory, "from": r.from, "to": r.to,
        "status": r.status, "version": r.version,
    })
}

pub async fn create(
    State(state): State<AppState>,
    Guard(permit): Guard<act::PrepareReport>,
    t: Tr,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let opened = periodic::create(&state, &permit, &body.into()).await?;
    Ok((StatusCode::CREATED, Json(report_json(t, &opened))))
}

pub async fn list(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ViewStatistics>,
) -> Result<Json<Value>, AppError> {
    let list = periodic::list(&state, &permit).await?;
    Ok(Json(json!({
        "reports": list.iter().map(summary_json).collect::<Vec<_>>()
    })))
}

pub async fn read(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ViewStatistics>,
    t: Tr,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let opened = periodic::read(&state, &permit, &id).await?;
    Ok(Json(report_json(t, &opened)))
}

/// A step's body is optional: without one, the step is taken on the current version.
fn version_of(body: Option<Json<StepBody>>) -> Option<i64> {
    body.and_then(|Json(b)| b.version)
}

pub async fn refresh(
    State(state): State<AppState>,
    Guard(permit): Guard<act::PrepareReport>,
    t: Tr,
    Path(id): Path<String>,
    body: Option<Json<StepBody>>,
) -> Result<Json<Value>, AppError> {
    let opened = periodic::refresh(&state, &permit, &id, version_of(body)).await?;
    Ok(Json(report_json(t, &opened)))
}

pub async fn approve(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ApproveReport>,
    t: Tr,
    Path(id): Path<String>,
    body: Option<Json<StepBody>>,
) -> Result<Json<Value>, AppError> {
    let opened = periodic::approve(&state, &permit, &id, version_of(body)).await?;
    Ok(Json(report_json(t, &opened)))
}

pub async fn submit(
    State(state): State<AppState>,
    Guard(permit): Guard<act::PrepareReport>,
    t: Tr,
    Path(id): Path<String>,
    body: Option<Json<StepBody>>,
) -> Result<Json<Value>, AppError> {
    let opened = periodic::submit(&state, &permit, &id, version_of(body)).await?;
    Ok(Json(report_json(t, &opened)))
}
