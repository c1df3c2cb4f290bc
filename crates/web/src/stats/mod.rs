//! Statistics on the web: the API (`/api/v1/stats`), the dashboard (`/stats`) and its
//! files. The figures are `awladna_core::stats`'; this module shows them.

pub mod api;
pub mod checks;
pub mod export;
pub mod map;
pub mod pages;
pub mod table_page;
pub mod trend_table;

use crate::error::AppError;
use awladna_core::stats::{Query, StatsError};
use awladna_domain::stats::{HIDDEN, Shown};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

impl From<StatsError> for AppError {
    fn from(e: StatsError) -> Self {
        let refused = AppError::refused;
        match e {
            StatsError::Core(e) => e.into(),
            StatsError::UnknownIndicator => refused(
                StatusCode::NOT_FOUND,
                "not_found",
                "stats-indicator-unknown",
            ),
            StatsError::UnknownTerritory => refused(
                StatusCode::NOT_FOUND,
                "not_found",
                "stats-territory-unknown",
            ),
            StatsError::BadPeriod => {
                refused(StatusCode::BAD_REQUEST, "bad_period", "stats-bad-period")
            }
            StatsError::BadDimension => refused(
                StatusCode::BAD_REQUEST,
                "bad_dimension",
                "stats-bad-dimension",
            ),
            StatsError::TwoDimensions => refused(
                StatusCode::BAD_REQUEST,
                "two_dimensions",
                "stats-three-dimensions",
            ),
            StatsError::BadCompare => {
                refused(StatusCode::BAD_REQUEST, "bad_compare", "stats-bad-compare")
            }
            StatsError::ChildrenPeriod => refused(
                StatusCode::BAD_REQUEST,
                "children_period",
                "stats-children-period",
            ),
        }
    }
}

/// `?territory=CODE&from=YYYY-MM&to=YYYY-MM&by=DIM[,DIM]`.
#[derive(Deserialize, Default, Clone)]
pub struct StatsQuery {
    pub territory: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub by: Option<String>,
    pub compare: Option<String>,
}

impl From<StatsQuery> for Query {
    fn from(q: StatsQuery) -> Query {
        Query {
            territory: q.territory,
            from: q.from,
            to: q.to,
            by: q.by,
            compare: q.compare,
        }
    }
}

/// A value in JSON: whole numbers as integers, others to one decimal, hidden as "<5".
pub fn shown_json(v: Shown) -> Value {
    match v {
        Shown::Value(v) if v.fract() == 0.0 => json!(v as i64),
        Shown::Value(v) => json!((v * 10.0).round() / 10.0),
        Shown::Hidden => json!(HIDDEN),
    }
}

/// A rate per 1,000 children in JSON, to three decimals.
pub fn rate_json(rate: f64) -> Value {
    json!((rate * 1000.0).round() / 1000.0)
}

/// A file to download, never kept by a cache.
pub fn attachment(content_type: &str, file: String, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// Runs a file's writer off the request's thread; its failure is ours.
pub async fn written<E: std::fmt::Display + Send + 'static>(
    write: impl FnOnce() -> Result<Vec<u8>, E> + Send + 'static,
) -> Result<Vec<u8>, AppError> {
    match tokio::task::spawn_blocking(write).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err(AppError::Internal(e.to_string())),
        Err(e) => Err(AppError::Internal(e.to_string())),
    }
}
