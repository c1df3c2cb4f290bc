//! A case's refusals as the web shows them: another province's case is "not found", a
//! closed one refuses changes with 409 `closed`.

use crate::error::AppError;
use awladna_core::cases::CaseError;
use axum::http::StatusCode;

/// A change refused because the case is closed (read-only until reopened).
pub fn closed() -> AppError {
    AppError::refused(StatusCode::CONFLICT, "closed", "case-closed")
}

impl From<CaseError> for AppError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::Core(e) => e.into(),
            CaseError::Closed => closed(),
        }
    }
}
