//! Awladna's web server: server-rendered pages (Arabic first, right-to-left), the JSON
//! API and the static assets, all served by the one binary so that it works on a LAN
//! without internet.

mod api;
mod assets;
mod error;
pub mod i18n;
mod pages;
mod security;
mod state;

pub use state::AppState;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// Forms and JSON bodies are small; uploads will get their own, larger limit.
const BODY_LIMIT: usize = 256 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/lang/{code}", get(pages::switch_language))
        .route("/reference", get(pages::reference))
        .route("/forms", get(pages::forms))
        .route("/forms/{code}", get(pages::form).post(pages::try_form))
        .route("/fragments/communes", get(pages::commune_options))
        .route("/healthz", get(api::healthz))
        .route("/api/v1/reference", get(api::vocabularies))
        .route("/api/v1/reference/territories", get(api::territories))
        .route(
            "/api/v1/reference/territories/{code}/communes",
            get(api::communes),
        )
        .route("/api/v1/reference/{vocabulary}", get(api::vocabulary))
        .route("/api/v1/forms", get(api::forms))
        .route("/api/v1/forms/{code}", get(api::form))
        .route("/api/v1/forms/{code}/check", post(api::check_form))
        .route("/assets/{*path}", get(assets::serve))
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panic_response,
        ))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(axum::middleware::from_fn(error::operation_id))
        .with_state(state)
}
