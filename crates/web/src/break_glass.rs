//! Break-glass: a user who reads identities may open a record of another province (a
//! child who moved, an emergency at night) only with a written justification. The
//! grant lasts a few hours, is audited, and raises an alert for the coordinators of
//! the record's province.

use crate::auth::Caller;
use crate::error::{ApiError, internal};
use crate::i18n::Tr;
use crate::state::AppState;
use awladna_domain::access::{Action, Actor, Decision, decide};
use awladna_domain::forms::{FieldError, Problem};
use awladna_store::grants::NewGrant;
use awladna_store::keys::sealed_aad;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

/// How long a break-glass grant lasts (ours: long enough for an emergency, no more).
pub const GRANT_MS: i64 = 4 * 60 * 60 * 1000;
const MIN_JUSTIFICATION: usize = 20;
const MAX_JUSTIFICATION: usize = 2000;

/// Turns a "not in your province" into an allowance when the user holds a grant and
/// their role allows `action` at home (the policy hides another province's record from
/// every role, so the role is asked here).
pub async fn with_grant(
    state: &AppState,
    actor: &Actor,
    action: Action,
    record_id: &str,
    decision: Decision,
) -> Result<Decision, String> {
    if decision != Decision::Hidden
        || actor.token_scope.is_some()
        || decide(Some(actor), action, None) != Decision::Allow
    {
        return Ok(decision);
    }
    let granted = state
        .store
        .has_grant(&actor.user_id, record_id, state.now_ms())
        .await
        .map_err(|e| e.detail())?;
    Ok(if granted { Decision::Allow } else { decision })
}

#[derive(Deserialize)]
pub struct BreakGlassBody {
    /// `case` or `report`.
    record_kind: String,
    record_id: String,
    #[serde(default)]
    justification: String,
}

fn invalid(t: Tr, field: &str, problem: Problem) -> Response {
    ApiError::Invalid(
        t,
        vec![FieldError {
            field: field.to_owned(),
            problem,
        }],
    )
    .into_response()
}

pub async fn open_glass(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    body: Result<Json<BreakGlassBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(body) => body,
        Err(rejection) => return crate::api::bad_body(t, rejection.status()),
    };
    let Some(actor) = caller.actor.clone() else {
        return ApiError::NotFound(t).into_response();
    };
    let justification = body.justification.trim();
    if justification.chars().count() < MIN_JUSTIFICATION {
        return invalid(t, "justification", Problem::Required);
    }
    if justification.chars().count() > MAX_JUSTIFICATION {
        return invalid(
            t,
            "justification",
            Problem::TooLong {
                max: MAX_JUSTIFICATION,
            },
        );
    }
    let territory = match body.record_kind.as_str() {
        "case" => state
            .store
            .case(&body.record_id)
            .await
            .map(|c| c.map(|c| c.territory)),
        "report" => state
            .store
            .card(&body.record_id)
            .await
            .map(|c| c.filter(|c| c.form_code == "report").map(|c| c.territory)),
        _ => return invalid(t, "record_kind", Problem::UnknownCode),
    };
    let territory = match territory {
        Ok(Some(territory)) => territory,
        Ok(None) => return ApiError::NotFound(t).into_response(),
        Err(e) => return internal(true, t, &e.detail()),
    };
    if decide(Some(&actor), Action::BreakGlass, Some(&territory)) == Decision::Allow {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": {"code": "in_scope", "message": t.get("break-glass-in-scope")}})),
        )
            .into_response();
    }
    let id = uuid::Uuid::now_v7().to_string();
    let sealed = match state.keyring.seal(
        justification.as_bytes(),
        &sealed_aad("access_grants", "justification", &id),
    ) {
        Ok(sealed) => sealed,
        Err(e) => return internal(true, t, &e.to_string()),
    };
    let now = state.now_ms();
    let grant = NewGrant {
        id: &id,
        user_id: &actor.user_id,
        record_kind: &body.record_kind,
        record_id: &body.record_id,
        territory: &territory,
        justification: &sealed,
        at_ms: now,
        expires_at: now + GRANT_MS,
    };
    let record = (body.record_kind.as_str(), body.record_id.as_str());
    let run = async {
        let mut tx = state.store.begin().await?;
        tx.grant_access(&grant).await?;
        tx.raise_alert(&territory, "break_glass", record, &actor.user_id, now)
            .await?;
        tx.audit(caller.audit_entry(
            now,
            "break_glass",
            record,
            &territory,
            json!({"grant": id, "expires_at": grant.expires_at}),
        ))
        .await?;
        tx.commit().await
    };
    match run.await {
        Ok(()) => {
            let expires = jiff::Timestamp::from_millisecond(grant.expires_at)
                .map(|ts| ts.to_string())
                .unwrap_or_default();
            (
                StatusCode::CREATED,
                Json(json!({"grant_id": id, "expires_at": expires})),
            )
                .into_response()
        }
        Err(e) => internal(true, t, &e.detail()),
    }
}

/// The open alerts of the coordinator's province.
pub async fn alerts(State(state): State<AppState>, t: Tr, caller: Caller) -> Response {
    let Some(territory) = caller.actor.as_ref().and_then(|a| a.territory.clone()) else {
        return Json(json!([])).into_response();
    };
    match state.store.open_alerts(&territory, 100).await {
        Ok(alerts) => Json(json!(alerts
            .iter()
            .map(|a| json!({
                "id": a.id, "kind": a.kind, "record_kind": a.record_kind, "record_id": a.record_id, "actor": a.actor,
                "at": jiff::Timestamp::from_millisecond(a.created_at).map(|ts| ts.to_string()).unwrap_or_default(),
            }))
            .collect::<Vec<_>>()))
        .into_response(),
        Err(e) => internal(true, t, &e.detail()),
    }
}
