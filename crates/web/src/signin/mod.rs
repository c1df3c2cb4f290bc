//! Signing in and out in the interface and the API: password, then the second factor
//! (TOTP or a recovery code), its enrolment, sign out here or everywhere, and the
//! account page. The use cases are `awladna_core::signin`'s; the cookies are this
//! module's.

pub mod account;
pub mod api;
pub mod enrol;
pub mod pages;

use crate::auth::{CSRF_COOKIE, Caller, SESSION_COOKIE, cookie};
use crate::i18n::Tr;
use crate::state::AppState;
use awladna_core::signin::{Client, NewSession, Refusal};
use axum::http::header::{RETRY_AFTER, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

const SESSION_MAX_AGE_S: i64 = 12 * 3600;

/// The client as the sign-in use cases know it: its address and its session cookie.
fn client(caller: &Caller) -> Client {
    Client {
        origin: caller.origin.clone(),
        session: caller.session_hash,
    }
}

/// A refusal as people and programs are told it: each its own code, message and status.
struct Refused(Refusal);

impl Refused {
    fn code(&self) -> &'static str {
        match self.0 {
            Refusal::WrongCredentials | Refusal::WrongCredentialsLastTry => "wrong_credentials",
            Refusal::Throttled(_) => "throttled",
            Refusal::Disabled => "disabled",
            Refusal::IdentityRoleWithoutProvince => "identity_role_without_province",
            Refusal::SecondFactorRequired => "second_factor_required",
            Refusal::WrongSecondFactor => "wrong_second_factor",
            Refusal::EnrolFirst => "enrol_second_factor",
        }
    }

    fn message(&self, t: Tr) -> String {
        match self.0 {
            Refusal::WrongCredentials => t.get("auth-wrong-credentials"),
            Refusal::WrongCredentialsLastTry => format!(
                "{} {}",
                t.get("auth-wrong-credentials"),
                t.get("auth-last-try")
            ),
            Refusal::Throttled(wait_ms) => {
                t.with("auth-throttled", &[("minutes", minutes_to_wait(wait_ms))])
            }
            Refusal::Disabled => t.get("auth-disabled"),
            Refusal::IdentityRoleWithoutProvince => t.get("auth-identity-role-without-province"),
            Refusal::SecondFactorRequired => t.get("auth-second-factor-required"),
            Refusal::WrongSecondFactor => t.get("auth-wrong-second-factor"),
            Refusal::EnrolFirst => t.get("auth-enrol-first"),
        }
    }

    fn status(&self) -> StatusCode {
        match self.0 {
            Refusal::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Refusal::Disabled | Refusal::EnrolFirst | Refusal::IdentityRoleWithoutProvince => {
                StatusCode::FORBIDDEN
            }
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// The answer's status and, for a throttled attempt, when to come back.
    fn respond(&self, body: impl IntoResponse) -> Response {
        let mut response = (self.status(), body).into_response();
        if let Refusal::Throttled(wait_ms) = self.0 {
            let seconds = (wait_ms + 999) / 1000;
            if let Ok(value) = HeaderValue::from_str(&seconds.max(1).to_string()) {
                response.headers_mut().insert(RETRY_AFTER, value);
            }
        }
        response
    }
}

fn minutes_to_wait(wait_ms: i64) -> i64 {
    ((wait_ms + 59_999) / 60_000).max(1)
}

fn with_session(state: &AppState, session: &NewSession, response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response.headers_mut().append(
        SET_COOKIE,
        cookie(state, SESSION_COOKIE, &session.token, SESSION_MAX_AGE_S),
    );
    response
}

fn without_session(state: &AppState, response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response
        .headers_mut()
        .append(SET_COOKIE, cookie(state, SESSION_COOKIE, "", 0));
    response
        .headers_mut()
        .append(SET_COOKIE, cookie(state, CSRF_COOKIE, "", 0));
    // Signing out erases what offline capture keeps in this browser: the queue, its
    // wrapped key and the kept pages (issue 16 §3).
    response.headers_mut().append(
        axum::http::HeaderName::from_static("clear-site-data"),
        axum::http::HeaderValue::from_static("\"cache\", \"storage\""),
    );
    response
}

/// Only a local path: a crafted link must not send the user to another site.
pub fn local_path(next: Option<&str>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or("/")
        .to_owned()
}
