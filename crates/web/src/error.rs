//! Errors as users and operators need them: a sentence in the user's language that
//! says what to do, never database text or personal data; for server faults, an
//! operation id that matches the log line.

use crate::i18n::Tr;
use askama::Template;
use awladna_domain::forms::FieldError;
use axum::Json;
use axum::extract::Request;
use axum::http::{StatusCode, Uri, header};
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

#[derive(Debug)]
pub enum ApiError {
    NotFound(Tr),
    Invalid(Tr, Vec<FieldError>),
    /// A fault of ours. The detail goes to the log, never to the client.
    Internal(Tr, String),
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Invalid(..) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Internal(..) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match &self {
            ApiError::NotFound(t) => {
                json!({"error": {"code": "not_found", "message": t.get("error-not-found")}})
            }
            ApiError::Invalid(t, errors) => json!({
                "error": {"code": "invalid", "message": t.get("error-invalid")},
                "fields": field_messages(*t, errors),
            }),
            ApiError::Internal(t, detail) => {
                tracing::error!(detail = %detail, "internal error");
                let op = current_operation();
                json!({"error": {"code": "internal", "message": t.get("error-internal"), "operation": op}})
            }
        };
        (status, Json(body)).into_response()
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub t: Tr,
    pub here: String,
    pub user: Option<String>,
    pub csrf: String,
    pub title: String,
    pub message: String,
    pub operation: Option<String>,
}

/// An HTML error page saying why, for the pages (the API answers JSON).
pub fn page_refusal(t: Tr, status: StatusCode, message_id: &str) -> Response {
    let title = match status {
        StatusCode::NOT_FOUND => t.get("error-not-found-title"),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => t.get("error-forbidden-title"),
        _ => t.get("error-invalid"),
    };
    render_error(t, status, title, t.get(message_id), None)
}

/// An HTML error page, for the pages (the API answers JSON).
pub fn page_error(t: Tr, status: StatusCode) -> Response {
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
    render_error(t, status, title, message, operation)
}

fn render_error(
    t: Tr,
    status: StatusCode,
    title: String,
    message: String,
    operation: Option<String>,
) -> Response {
    match (ErrorPage {
        t,
        here: "/".to_owned(),
        user: None,
        csrf: String::new(),
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

/// Unknown paths: JSON under `/api/`, a page elsewhere.
pub async fn not_found(t: Tr, uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::NotFound(t).into_response()
    } else {
        page_error(t, StatusCode::NOT_FOUND)
    }
}

/// A handler that panicked answers 500 with the operation id, instead of a dropped
/// connection; the panic itself is in the log under the same id.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::Internal(
        Tr::new(awladna_domain::Lang::default()),
        "handler panicked".to_owned(),
    )
    .into_response()
}

/// A fault of ours: logged with its detail under the operation id; the user gets the
/// id, in a page or in JSON.
pub fn internal(api: bool, t: Tr, detail: &str) -> Response {
    if api {
        ApiError::Internal(t, detail.to_owned()).into_response()
    } else {
        tracing::error!(detail = %detail, "internal error");
        page_error(t, StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// A storage fault while serving a page.
pub fn store_failure(t: Tr, e: &awladna_store::StoreError) -> Response {
    internal(false, t, &e.detail())
}

/// A JSON refusal with a code for programs and a sentence for people.
pub fn refusal(t: Tr, status: StatusCode, code: &str, message_id: &str) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": t.get(message_id)}})),
    )
        .into_response()
}
