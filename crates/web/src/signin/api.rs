//! Signing in and out through the JSON API: the password and the second factor in one
//! request, the session cookie and the CSRF token in the answer.

use super::{Refused, client, with_session, without_session};
use crate::auth::Caller;
use crate::error::AppError;
use crate::extract::{ApiJson, Guard};
use crate::i18n::Tr;
use crate::state::AppState;
use awladna_core::act;
use awladna_core::signin::{self as use_case, SignInError};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct ApiLogin {
    username: String,
    password: String,
    totp: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    ApiJson(login): ApiJson<ApiLogin>,
) -> Result<Response, AppError> {
    let second = login.totp.as_deref().filter(|c| !c.trim().is_empty());
    let signed = use_case::sign_in_at_once(
        &state,
        &state.settings.throttle,
        &client(&caller),
        &login.username,
        &login.password,
        second,
    )
    .await;
    match signed {
        Ok(session) => Ok(with_session(
            &state,
            &session,
            Json(json!({"csrf_token": session.csrf})),
        )),
        // A refusal says more than the error layer's codes: its message may name how
        // long to wait, and a throttled one says when to come back.
        Err(SignInError::Refused(refusal)) => {
            let refused = Refused(refusal);
            Ok(refused.respond(Json(
                json!({"error": {"code": refused.code(), "message": refused.message(t)}}),
            )))
        }
        Err(SignInError::Core(e)) => Err(e.into()),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    Guard(permit): Guard<act::UseOwnAccount>,
    caller: Caller,
) -> Result<Response, AppError> {
    use_case::sign_out(&state, &permit, &client(&caller), false).await?;
    Ok(without_session(&state, StatusCode::NO_CONTENT))
}
