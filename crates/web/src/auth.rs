//! Who is calling, and the gate every route passes: it identifies the caller (session
//! cookie or bearer token), checks the CSRF token of state-changing requests, and asks
//! the policy about the route's action before the handler runs.

use crate::error::AppError;
use crate::state::AppState;
use awladna_core::CoreError;
use awladna_core::signin::{self, Resumed};
use awladna_crypto::{constant_time_eq, hash_token, new_token};
use awladna_domain::access::{Action, Actor, Decision, decide};
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "awladna_session";
pub const CSRF_COOKIE: &str = "awladna_csrf";
const CSRF_FIELD: &str = "_csrf";
const CSRF_HEADER: &str = "x-csrf-token";

/// The caller of a request, as the gate established it.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub actor: Option<Actor>,
    pub username: Option<String>,
    /// Hash of the session cookie's value, when signed in through the browser.
    pub session_hash: Option<[u8; 32]>,
    /// Signed in with a password, second factor still to give (or to enrol).
    pub pending_second_factor: bool,
    pub token_id: Option<String>,
    /// The token every form of this caller must carry back.
    pub csrf: String,
    new_csrf_cookie: bool,
    /// A session cookie was sent, but the session had expired.
    pub expired: bool,
    pub origin: Option<String>,
}

impl Caller {
    /// An audit entry of something this caller did to a record.
    pub fn audit_entry(
        &self,
        at_ms: i64,
        action: &str,
        record: (&str, &str),
        territory: &str,
        detail: serde_json::Value,
    ) -> awladna_store::audit::AuditEntry {
        awladna_store::audit::AuditEntry {
            at_ms,
            actor: self.audit_actor(),
            action: action.to_owned(),
            record_kind: Some(record.0.to_owned()),
            record_id: Some(record.1.to_owned()),
            territory: Some(territory.to_owned()),
            origin: self.origin.clone(),
            detail,
        }
    }

    /// The signed-in person's user id; none for a machine client, which follows no case.
    pub fn user_id(&self) -> Option<&str> {
        match (&self.actor, &self.token_id) {
            (Some(actor), None) => Some(actor.user_id.as_str()),
            _ => None,
        }
    }

    /// Who acts, for the use cases; `None` for an anonymous caller.
    pub fn who(&self) -> Option<awladna_core::Who> {
        Some(awladna_core::Who {
            actor: self.actor.clone()?,
            audit_name: self.audit_actor()?,
            origin: self.origin.clone(),
            machine: self.token_id.is_some(),
        })
    }

    /// Who to name in the audit log: a user id, `token:ID`, or nobody.
    pub fn audit_actor(&self) -> Option<String> {
        match (&self.actor, &self.token_id) {
            (_, Some(token)) => Some(format!("token:{token}")),
            (Some(actor), None) => Some(actor.user_id.clone()),
            _ => None,
        }
    }
}

/// Handlers take the caller the gate put in the request.
impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Caller>().cloned().ok_or_else(|| {
            tracing::error!("a route without the policy gate asked for the caller");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        })
    }
}

pub fn cookie_value<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Why a request could not be identified: the answer says so, not "forbidden".
#[derive(Debug)]
enum Refusal {
    BadToken,
}

async fn resolve(state: &AppState, parts: &Parts) -> Result<Result<Caller, Refusal>, CoreError> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let forwarded_for = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok());
    let origin = state
        .settings
        .trusted_proxies
        .client(peer, forwarded_for)
        .map(|ip| ip.to_string());
    let mut caller = Caller {
        origin,
        ..Caller::default()
    };
    if let Some(token) = bearer(parts) {
        let Some((actor, token_id)) = signin::machine_client(state, &hash_token(token)).await?
        else {
            return Ok(Err(Refusal::BadToken));
        };
        caller.actor = Some(actor);
        caller.token_id = Some(token_id);
        return Ok(Ok(caller));
    }
    if let Some(value) = cookie_value(parts, SESSION_COOKIE) {
        let hash = hash_token(value);
        let limits = signin::SessionLimits {
            idle_ms: state.settings.idle_timeout_ms,
            absolute_ms: state.settings.absolute_timeout_ms,
        };
        match signin::resume_session(state, &hash, limits).await? {
            Resumed::Active {
                actor,
                username,
                second_factor_done,
                csrf_token,
            } => {
                caller.actor = Some(actor);
                caller.username = Some(username);
                caller.session_hash = Some(hash);
                caller.pending_second_factor = !second_factor_done;
                caller.csrf = csrf_token;
                return Ok(Ok(caller));
            }
            Resumed::Expired => caller.expired = true,
            Resumed::Unknown => {}
        }
    }
    match cookie_value(parts, CSRF_COOKIE).filter(|v| v.len() >= 32) {
        Some(value) => caller.csrf = value.to_owned(),
        None => {
            caller.csrf = new_token("csrf_");
            caller.new_csrf_cookie = true;
        }
    }
    Ok(Ok(caller))
}

pub fn cookie(state: &AppState, name: &str, value: &str, max_age_s: i64) -> HeaderValue {
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let text =
        format!("{name}={value}; Path=/; Max-Age={max_age_s}; HttpOnly; SameSite=Lax{secure}");
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static(""))
}

/// The gate, installed on every route with the route's action. Its refusals are
/// `AppError`s, shown as JSON or as a page by the error layer around it.
pub async fn gate(
    State((state, action)): State<(AppState, Action)>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let caller = match resolve(&state, &parts).await {
        Ok(Ok(caller)) => caller,
        Ok(Err(Refusal::BadToken)) => {
            return AppError::refused(StatusCode::UNAUTHORIZED, "bad_token", "auth-bad-token")
                .into_response();
        }
        Err(e) => return AppError::from(e).into_response(),
    };
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let body = if unsafe_method {
        match check_csrf(&parts, body, &caller).await {
            Ok(body) => body,
            Err(()) => {
                return AppError::refused(StatusCode::FORBIDDEN, "csrf", "auth-csrf")
                    .into_response();
            }
        }
    } else {
        body
    };

    let decision = if caller.pending_second_factor
        && !matches!(action, Action::ViewPublic | Action::UseOwnAccount)
    {
        Decision::SignIn
    } else {
        decide(caller.actor.as_ref(), action, None)
    };
    let new_csrf_cookie = caller
        .new_csrf_cookie
        .then(|| cookie(&state, CSRF_COOKIE, &caller.csrf, 12 * 3600));
    // A refusal or a fault is shown with the signed-in header and menu: the error layer
    // finds the caller in the answer.
    let signed_in = caller.username.is_some().then(|| caller.clone());
    let mut response = match decision {
        Decision::Allow => {
            parts.extensions.insert(caller);
            next.run(Request::from_parts(parts, body)).await
        }
        Decision::SignIn => sign_in_first(&parts, &caller),
        Decision::Deny => AppError::Forbidden.into_response(),
        Decision::Hidden => AppError::NotFound.into_response(),
    };
    if let Some(value) = new_csrf_cookie {
        response.headers_mut().append(SET_COOKIE, value);
    }
    if let Some(caller) = signed_in.filter(|_| response.status().as_u16() >= 400) {
        response.extensions_mut().insert(caller);
    }
    response
}

/// State-changing requests carry the caller's CSRF token (header, query or form field).
/// Bearer-token clients have no ambient credentials to abuse, and an anonymous JSON
/// request cannot be sent cross-site without a CORS preflight, which is never granted.
async fn check_csrf(parts: &Parts, body: Body, caller: &Caller) -> Result<Body, ()> {
    if caller.token_id.is_some() {
        return Ok(body);
    }
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if caller.actor.is_none()
        && caller.session_hash.is_none()
        && content_type.starts_with("application/json")
    {
        return Ok(body);
    }
    let matches = |given: &str| {
        !caller.csrf.is_empty() && constant_time_eq(given.as_bytes(), caller.csrf.as_bytes())
    };
    if let Some(given) = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if matches(given) { Ok(body) } else { Err(()) };
    }
    if let Some(given) = parts
        .uri
        .query()
        .and_then(|q| form_field(q.as_bytes(), CSRF_FIELD))
    {
        return if matches(&given) { Ok(body) } else { Err(()) };
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        // Forms are small (the body limit applies); read, check, and hand the same bytes on.
        let bytes = to_bytes(body, crate::BODY_LIMIT).await.map_err(|_| ())?;
        let given = form_field(&bytes, CSRF_FIELD).ok_or(())?;
        return if matches(&given) {
            Ok(Body::from(bytes))
        } else {
            Err(())
        };
    }
    Err(())
}

fn form_field(encoded: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(encoded)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// An API client is told why it must sign in; a browser is sent to the sign-in page
/// (or to its second factor), to come back here after.
fn sign_in_first(parts: &Parts, caller: &Caller) -> Response {
    let (code, message) = match (caller.pending_second_factor, caller.expired) {
        (true, _) => ("second_factor_required", "auth-second-factor-required"),
        (false, true) => ("session_expired", "auth-session-expired"),
        (false, false) => ("sign_in_required", "auth-sign-in-required"),
    };
    if parts.uri.path().starts_with("/api/") {
        return AppError::refused(StatusCode::UNAUTHORIZED, code, message).into_response();
    }
    if caller.pending_second_factor {
        return Redirect::to("/login/second-factor").into_response();
    }
    let next = if parts.method == Method::GET {
        parts.uri.path()
    } else {
        "/"
    };
    let expired = if caller.expired { "&expired=1" } else { "" };
    Redirect::to(&format!("/login?next={}{expired}", urlencode(next))).into_response()
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}
