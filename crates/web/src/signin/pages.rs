//! The sign-in pages: the password, the second factor, signing out.

use super::{Refused, client, local_path, with_session, without_session};
use crate::auth::Caller;
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::act;
use awladna_core::signin::{self as use_case, Refusal, SignInError};
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    shell: Shell,
    next: String,
    username: String,
    message: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
}

/// The sign-in page names nobody, even for a session already open.
fn anonymous(shell: Shell) -> Shell {
    Shell {
        user: None,
        ..shell
    }
}

pub async fn login_page(shell: Shell, Query(query): Query<LoginQuery>) -> LoginPage {
    let message = query.expired.map(|_| shell.t.get("auth-session-expired"));
    LoginPage {
        shell: anonymous(shell),
        next: local_path(query.next.as_deref()),
        username: String::new(),
        message,
    }
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    shell: Shell,
    caller: Caller,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let next = local_path(form.next.as_deref());
    let signed = use_case::sign_in(
        &state,
        &state.settings.throttle,
        &client(&caller),
        &form.username,
        &form.password,
        None,
    )
    .await;
    match signed {
        Ok(session) => {
            let to = if session.pending {
                format!(
                    "/login/second-factor?next={}",
                    crate::auth::urlencode(&next)
                )
            } else {
                next
            };
            Ok(with_session(&state, &session, Redirect::to(&to)))
        }
        Err(SignInError::Refused(refusal)) => {
            let refused = Refused(refusal);
            let page = LoginPage {
                message: Some(refused.message(shell.t)),
                shell: anonymous(shell),
                next,
                username: form.username,
            };
            Ok(refused.respond(page))
        }
        Err(SignInError::Core(e)) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "second_factor.html")]
pub struct SecondFactorPage {
    shell: Shell,
    next: String,
    message: Option<String>,
}

pub async fn second_factor_page(
    State(state): State<AppState>,
    Guard(permit): Guard<act::UseOwnAccount>,
    shell: Shell,
    Query(query): Query<LoginQuery>,
) -> Result<Response, AppError> {
    if use_case::needs_enrolment(&state, &permit).await? {
        return Ok(Redirect::to("/account/second-factor").into_response());
    }
    Ok(SecondFactorPage {
        shell,
        next: local_path(query.next.as_deref()),
        message: None,
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
    next: Option<String>,
}

pub async fn second_factor(
    State(state): State<AppState>,
    Guard(permit): Guard<act::UseOwnAccount>,
    shell: Shell,
    caller: Caller,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let next = local_path(form.next.as_deref());
    let completed = use_case::complete_second_factor(
        &state,
        &permit,
        &state.settings.throttle,
        &client(&caller),
        &form.code,
    )
    .await;
    match completed {
        Ok(session) => Ok(with_session(&state, &session, Redirect::to(&next))),
        Err(SignInError::Refused(Refusal::EnrolFirst)) => {
            Ok(Redirect::to("/account/second-factor").into_response())
        }
        Err(SignInError::Refused(refusal)) => {
            let refused = Refused(refusal);
            let page = SecondFactorPage {
                message: Some(refused.message(shell.t)),
                shell,
                next,
            };
            Ok(refused.respond(page))
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
    Ok(without_session(&state, Redirect::to("/login")))
}

pub async fn logout_everywhere(
    State(state): State<AppState>,
    Guard(permit): Guard<act::UseOwnAccount>,
    caller: Caller,
) -> Result<Response, AppError> {
    use_case::sign_out(&state, &permit, &client(&caller), true).await?;
    Ok(without_session(&state, Redirect::to("/login")))
}
