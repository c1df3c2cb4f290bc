//! Break-glass through the API: open another province's record with a justification,
//! and the coordinators' alerts. The use cases are `awladna_core::grants`'.

use crate::error::AppError;
use crate::extract::{ApiJson, Guard};
use crate::state::AppState;
use awladna_core::act;
use awladna_core::grants::{BreakGlassError, alerts as open_alerts, break_glass};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

impl From<BreakGlassError> for AppError {
    fn from(e: BreakGlassError) -> Self {
        match e {
            BreakGlassError::Core(e) => e.into(),
            BreakGlassError::InScope => AppError::refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "in_scope",
                "break-glass-in-scope",
            ),
        }
    }
}

#[derive(Deserialize)]
pub struct BreakGlassBody {
    /// `case` or `report`.
    record_kind: String,
    record_id: String,
    #[serde(default)]
    justification: String,
}

pub async fn open_glass(
    State(state): State<AppState>,
    Guard(permit): Guard<act::BreakGlass>,
    ApiJson(body): ApiJson<BreakGlassBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let granted = break_glass(
        &state,
        &permit,
        &body.record_kind,
        &body.record_id,
        &body.justification,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "grant_id": granted.grant_id,
            "expires_at": crate::times::rfc3339(granted.expires_at_ms),
        })),
    ))
}

/// The open alerts of the coordinator's province.
pub async fn alerts(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ViewAlerts>,
) -> Result<Json<Value>, AppError> {
    let alerts = open_alerts(&state, &permit).await?;
    Ok(Json(json!(alerts
        .iter()
        .map(|a| json!({
            "id": a.id, "kind": a.kind, "record_kind": a.record_kind, "record_id": a.record_id, "actor": a.actor,
            "at": crate::times::rfc3339(a.created_at),
        }))
        .collect::<Vec<_>>())))
}
