//! Who follows a case: the worker who triaged it, until a coordinator gives it to
//! another case worker or coordinator of the same province.

use crate::auth::Caller;
use crate::case_cards::{CaseRefusal, case_for};
use crate::error::{ApiError, internal};
use crate::i18n::Tr;
use crate::state::AppState;
use awladna_domain::access::{Action, Role};
use awladna_domain::forms::{FieldError, Problem};
use awladna_store::identity::UserSummary;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

fn follows_cases(roles: &[String]) -> bool {
    roles
        .iter()
        .any(|r| r == Role::CaseWorker.code() || r == Role::Coordinator.code())
}

/// The active users of a province who can follow a case.
pub async fn assignable(state: &AppState, territory: &str) -> Result<Vec<UserSummary>, String> {
    Ok(state
        .store
        .users(Some(territory))
        .await
        .map_err(|e| e.detail())?
        .into_iter()
        .filter(|u| !u.disabled && follows_cases(&u.roles))
        .collect())
}

pub enum AssignOutcome {
    Assigned { case_id: String },
    Invalid(Vec<FieldError>),
    Refused(CaseRefusal),
}

pub async fn assign(
    state: &AppState,
    caller: &Caller,
    case_id: &str,
    user_id: Option<&str>,
) -> Result<AssignOutcome, String> {
    let case = match case_for(state, caller, case_id, Action::AssignCase, true).await? {
        Ok((_, case)) => case,
        Err(refusal) => return Ok(AssignOutcome::Refused(refusal)),
    };
    let user_id = user_id.map(str::trim).filter(|u| !u.is_empty());
    if let Some(user_id) = user_id {
        // Someone of another province, disabled, or without case work is "unknown":
        // the answer must not tell which users exist elsewhere.
        if !assignable(state, &case.territory)
            .await?
            .iter()
            .any(|u| u.id == user_id)
        {
            return Ok(AssignOutcome::Invalid(vec![FieldError {
                field: "user_id".into(),
                problem: Problem::UnknownCode,
            }]));
        }
    }
    let now = state.now_ms();
    let run = async {
        let mut tx = state.store.begin().await?;
        tx.assign_case(&case.id, user_id).await?;
        tx.audit(caller.audit_entry(
            now,
            "case.assigned",
            ("case", &case.id),
            &case.territory,
            json!({"to": user_id}),
        ))
        .await?;
        tx.commit().await
    };
    run.await.map_err(|e| e.detail())?;
    Ok(AssignOutcome::Assigned { case_id: case.id })
}

#[derive(Deserialize)]
pub struct AssignBody {
    user_id: Option<String>,
}

pub async fn api_assign(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(case_id): Path<String>,
    body: Result<Json<AssignBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(body) => body,
        Err(rejection) => return crate::api::bad_body(t, rejection.status()),
    };
    match assign(&state, &caller, &case_id, body.user_id.as_deref()).await {
        Ok(AssignOutcome::Assigned { case_id }) => {
            Json(json!({"case_id": case_id, "assigned_to": body.user_id})).into_response()
        }
        Ok(AssignOutcome::Invalid(errors)) => ApiError::Invalid(t, errors).into_response(),
        Ok(AssignOutcome::Refused(refusal)) => refusal.api(t),
        Err(detail) => internal(true, t, &detail),
    }
}

pub async fn assign_page(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(case_id): Path<String>,
    axum::Form(body): axum::Form<AssignBody>,
) -> Response {
    match assign(&state, &caller, &case_id, body.user_id.as_deref()).await {
        Ok(AssignOutcome::Assigned { case_id }) => {
            Redirect::to(&format!("/cases/{case_id}")).into_response()
        }
        Ok(AssignOutcome::Invalid(_)) => {
            crate::error::page_refusal(t, StatusCode::UNPROCESSABLE_ENTITY, "assign-unknown-user")
        }
        Ok(AssignOutcome::Refused(refusal)) => refusal.page(t),
        Err(detail) => internal(false, t, &detail),
    }
}
