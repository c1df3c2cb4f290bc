//! Errors as users and operators need them: a sentence in the user's language that
//! says what to do, never database text or personal data; for server faults, an
//! operation id that matches the log line.

use crate::extract::Shell;
use crate::i18n::Tr;
use askama::Template;
use awladna_core::CoreError;
use awladna_domain::forms::FieldError;
use axum::Json;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;
use tracing::Instrument;

tokio::task_local! {
    static OPERATION: String;
}

/// Gives each request an operation id, in its log span and in any 5xx answer.
pub async fn operation_id(request: Request, next: Next) -> Response {
    let id = uuid::Uuid::now_v7().simple().to_string()[20..].to_owned();
    // Paths carry codes and ids only, never personal data, so they may be logged.
    let span = tracing::info_span!("request", op = %id, method = %request.method(), path = %request.uri().path());
    OPERATION
        .scope(id, async move {
            let response = next.run(request).await;
            let status = response.status();
            if status.is_server_error() {
                tracing::error!(status = status.as_u16(), "request failed");
            } else {
                tracing::info!(status = status.as_u16(), "request");
            }
            response
        })
        .instrument(span)
        .await
}

fn current_operation() -> String {
    OPERATION.try_with(Clone::clone).unwrap_or_default()
}

/// The messages of each field error, in the user's language.
pub fn field_messages(t: Tr, errors: &[FieldError]) -> Vec<serde_json::Value> {
    errors
        .iter()
        .map(|e| {
            json!({
                "field": e.field,
                "problem": e.problem,
                "message": t.with(e.problem.message_id(), &e.problem.arguments()),
            })
        })
        .collect()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    shell: Shell,
    /// A refusal to a signed-in person lists what they may open instead.
    refused: bool,
    title: String,
    message: String,
    operation: Option<String>,
}

/// An HTML error page saying why, for the pages (the API answers JSON).
fn page_refusal(shell: Shell, status: StatusCode, message_id: &str) -> Response {
    let t = shell.t;
    let title = match status {
        StatusCode::NOT_FOUND => t.get("error-not-found-title"),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => t.get("error-forbidden-title"),
        _ => t.get("error-invalid"),
    };
    render_error(shell, status, title, t.get(message_id), None)
}

/// An HTML error page, for the pages (the API answers JSON).
fn page_error(shell: Shell, status: StatusCode) -> Response {
    let t = shell.t;
    let (title, message, operation) = match status {
        StatusCode::NOT_FOUND => (
            t.get("error-not-found-title"),
            t.get("error-not-found"),
            None,
        ),
        s if s.is_server_error() => (
            t.get("error-internal-title"),
            t.get("error-internal-page"),
            Some(current_operation()),
        ),
        _ => (t.get("error-invalid"), t.get("error-invalid"), None),
    };
    render_error(shell, status, title, message, operation)
}

fn render_error(
    shell: Shell,
    status: StatusCode,
    title: String,
    message: String,
    operation: Option<String>,
) -> Response {
    match (ErrorPage {
        refused: status == StatusCode::FORBIDDEN,
        shell,
        title,
        message,
        operation,
    })
    .render()
    {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            (
                status,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "error",
            )
                .into_response()
        }
    }
}

/// Unknown paths: JSON under `/api/`, a page elsewhere (the error layer decides).
pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// A handler that panicked answers 500 with the operation id, instead of a dropped
/// connection; the panic itself is in the log under the same id. (This layer is outside
/// the error layer, so it answers JSON, which a browser shows too.)
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    AppError::Internal("handler panicked".to_owned())
        .to_json(Tr::new(awladna_domain::Lang::default()))
}

/// Every error a handler returns. It knows what went wrong, not how to show it: the
/// `render_errors` layer, which knows the request, turns it into JSON for the API and
/// a page for the browser, in the user's language.
#[derive(Debug, Clone)]
pub enum AppError {
    NotFound,
    /// The role does not allow it.
    Forbidden,
    SignIn,
    Invalid(Vec<FieldError>),
    /// A refusal with its own code for programs and message for people.
    Refused {
        status: StatusCode,
        code: &'static str,
        message: &'static str,
    },
    /// The request's body could not be read as the JSON asked for.
    BadBody(StatusCode),
    /// A fault of ours; the detail goes to the log only.
    Internal(String),
}

impl AppError {
    pub fn refused(status: StatusCode, code: &'static str, message: &'static str) -> AppError {
        AppError::Refused {
            status,
            code,
            message,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::SignIn => StatusCode::UNAUTHORIZED,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Refused { status, .. } | AppError::BadBody(status) => *status,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The code for programs and the message id for people.
    fn code_and_message(&self) -> (&'static str, &'static str) {
        match self {
            AppError::NotFound => ("not_found", "error-not-found"),
            AppError::Forbidden => ("forbidden", "auth-forbidden"),
            AppError::SignIn => ("sign_in_required", "auth-sign-in-required"),
            AppError::Invalid(_) => ("invalid", "error-invalid"),
            AppError::Refused { code, message, .. } => (code, message),
            AppError::BadBody(StatusCode::PAYLOAD_TOO_LARGE) => ("too_large", "error-too-large"),
            AppError::BadBody(StatusCode::UNSUPPORTED_MEDIA_TYPE) => ("not_json", "error-not-json"),
            AppError::BadBody(_) => ("bad_json", "error-bad-json"),
            AppError::Internal(_) => ("internal", "error-internal"),
        }
    }

    /// The answer for an API client.
    pub fn to_json(&self, t: Tr) -> Response {
        let (code, message) = self.code_and_message();
        let mut body = json!({"error": {"code": code, "message": t.get(message)}});
        match self {
            AppError::Invalid(errors) => body["fields"] = json!(field_messages(t, errors)),
            AppError::Internal(_) => body["error"]["operation"] = json!(current_operation()),
            _ => {}
        }
        (self.status(), Json(body)).into_response()
    }

    /// The answer for a browser.
    pub fn to_page(&self, shell: Shell) -> Response {
        match self {
            AppError::Internal(_) | AppError::NotFound => page_error(shell, self.status()),
            _ => page_refusal(shell, self.status(), self.code_and_message().1),
        }
    }
}

impl From<CoreError> for AppError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Invalid(errors) => AppError::Invalid(errors),
            CoreError::NotFound => AppError::NotFound,
            CoreError::Forbidden => AppError::Forbidden,
            CoreError::SignIn => AppError::SignIn,
            CoreError::Stale => AppError::refused(StatusCode::CONFLICT, "stale", "error-stale"),
            CoreError::Internal(detail) => AppError::Internal(detail),
        }
    }
}

impl From<awladna_store::StoreError> for AppError {
    fn from(e: awladna_store::StoreError) -> Self {
        AppError::Internal(e.detail())
    }
}

/// The error travels in the response until `render_errors` shows it.
#[derive(Clone)]
struct Unrendered(AppError);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!(detail = %detail, "internal error");
        }
        let mut response = self.status().into_response();
        response.extensions_mut().insert(Unrendered(self));
        response
    }
}

/// Shows the errors handlers returned: JSON under `/api/`, a page elsewhere.
pub async fn render_errors(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let t = Tr::new(crate::i18n::request_lang(&parts));
    let here = parts.uri.path().to_owned();
    let api = here.starts_with("/api/");
    let mut response = next.run(Request::from_parts(parts, body)).await;
    let Some(Unrendered(error)) = response.extensions_mut().remove::<Unrendered>() else {
        return response;
    };
    let mut rendered = if api {
        error.to_json(t)
    } else {
        let caller = response.extensions_mut().remove::<crate::auth::Caller>();
        error.to_page(Shell::for_caller(t, here, caller.as_ref()))
    };
    // Headers the handler set on its way out (cookies) stay.
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rendered.headers_mut().append(name, value.clone());
        }
    }
    rendered
}
