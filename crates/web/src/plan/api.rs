//! The case plan through the API: add an action, list a case's plan, change an action's
//! status, list the overdue actions.

use super::{PageQuery, status_error, views};
use crate::error::AppError;
use crate::extract::{ApiJson, Guard};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::times::rfc3339;
use awladna_core::act;
use awladna_core::plan::{OVERDUE_PAGE, add as add_action, overdue as overdue_actions, read};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

pub async fn add(
    State(state): State<AppState>,
    Guard(permit): Guard<act::WorkOnCase>,
    Path(case_id): Path<String>,
    ApiJson(input): ApiJson<Value>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let id = add_action(&state, &permit, &case_id, &input, None)
        .await?
        .id;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))))
}

pub async fn list(
    State(state): State<AppState>,
    t: Tr,
    Guard(permit): Guard<act::ReadCase>,
    Path(case_id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let opened = read(&state, &permit, &case_id).await?;
    Ok(Json(json!({
        "actions": views(&state, t, &opened).iter().map(|a| json!({
            "id": a.id,
            "action": a.action,
            "goal": a.goal,
            "responsible": a.responsible_code,
            "due_at": a.due_at.map(rfc3339),
            "status": a.status_code,
            "overdue": a.overdue,
            "origin": a.origin,
            "version": a.version,
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
pub struct StatusBody {
    status: String,
    version: Option<i64>,
}

pub async fn status(
    State(state): State<AppState>,
    Guard(permit): Guard<act::WorkOnCase>,
    Path(action_id): Path<String>,
    ApiJson(body): ApiJson<StatusBody>,
) -> Result<Json<Value>, AppError> {
    let case_id = awladna_core::plan::set_status(
        &state,
        &permit,
        &action_id,
        body.status.trim(),
        body.version,
    )
    .await
    .map_err(status_error)?;
    Ok(Json(json!({"case_id": case_id})))
}

pub async fn overdue(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadCase>,
    Query(query): Query<PageQuery>,
) -> Result<Json<Value>, AppError> {
    let page = query.page();
    let (rows, total) = overdue_actions(&state, &permit, page).await?;
    Ok(Json(json!({
        "total": total,
        "page": page,
        "page_size": OVERDUE_PAGE,
        "actions": rows.iter().map(|a| json!({
            "id": a.id,
            "case_id": a.case_id,
            "case_number": a.case_number,
            "responsible": a.responsible_sector,
            "due_at": rfc3339(a.due_at),
            "status": a.status,
            "origin": a.origin,
        })).collect::<Vec<_>>(),
    })))
}
