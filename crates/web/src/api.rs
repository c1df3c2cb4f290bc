//! Transitional: the foundation's JSON API moved to `crate::public::api`. `bad_body` stays
//! for the handlers not yet on `ApiJson` (their features' conversion removes it).

use crate::i18n::Tr;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A body that is not usable JSON: say why in the user's language, not serde's.
pub fn bad_body(t: Tr, status: StatusCode) -> Response {
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "error-too-large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("not_json", "error-not-json"),
        _ => ("bad_json", "error-bad-json"),
    };
    (
        status,
        Json(json!({"error": {"code": code, "message": t.get(message)}})),
    )
        .into_response()
}
