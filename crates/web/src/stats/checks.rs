//! `POST /api/v1/cases/{id}/outcome-checks`: a follow-up card on a closed case, 6 or 12
//! months after its closure, saying whether the outcome held (issue 19 §1).

use crate::error::AppError;
use crate::extract::{ApiJson, Guard};
use crate::state::AppState;
use awladna_core::act;
use awladna_core::stats::outcome_checks::record_check;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

pub async fn record(
    State(state): State<AppState>,
    Guard(permit): Guard<act::WorkOnCase>,
    Path(case_id): Path<String>,
    ApiJson(input): ApiJson<Value>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let (recorded, months) = record_check(&state, &permit, &case_id, &input, None).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": recorded.id, "check_months": months})),
    ))
}
