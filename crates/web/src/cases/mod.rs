//! The case in the web interface and the API: triage (a report linked to a child, the
//! case opened), the case with its timeline, its moves along the pathway, its cards,
//! its evaluation and who follows it; the province's case list, register and child
//! search. The use cases are `awladna_core::cases`', `cards`', `evaluations`',
//! `assignment`' and `children`'; these modules extract, call and render.

pub mod api;
pub mod approvals;
pub mod cards;
pub mod children;
pub mod flags;
pub mod list;
pub mod merges;
pub mod pages;
pub mod queues;
pub mod register;
pub mod tasks;
pub mod timeline;
pub mod transfers;

use crate::error::AppError;
use awladna_core::cases::CaseError;
use awladna_core::cases::moves::MoveError;
use awladna_core::cases::triage::TriageError;
use awladna_core::children::RegisterError;
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

impl From<TriageError> for AppError {
    fn from(e: TriageError) -> Self {
        let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
        match e {
            TriageError::Core(e) => e.into(),
            TriageError::Draft => AppError::refused(unprocessable, "draft", "triage-draft"),
            TriageError::ChildOrNew => {
                AppError::refused(unprocessable, "child_or_new", "triage-child-or-new")
            }
            TriageError::AlreadyTriaged => {
                AppError::refused(StatusCode::CONFLICT, "already_triaged", "triage-already")
            }
        }
    }
}

/// The API answers an illegal move with its reason (see `api::transition`); the page
/// shows it on the case.
impl From<MoveError> for AppError {
    fn from(e: MoveError) -> Self {
        match e {
            MoveError::Core(e) => e.into(),
            MoveError::Illegal(illegal) => AppError::refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "illegal_move",
                illegal.message_id(),
            ),
            MoveError::Stale => AppError::refused(StatusCode::CONFLICT, "stale", "case-stale"),
            MoveError::NeedsApproval(_) => AppError::refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "needs_approval",
                "approval-needed",
            ),
        }
    }
}

impl From<RegisterError> for AppError {
    fn from(e: RegisterError) -> Self {
        match e {
            RegisterError::Core(e) => e.into(),
            RegisterError::National => {
                AppError::refused(StatusCode::FORBIDDEN, "forbidden", "register-national")
            }
        }
    }
}

/// A page's answer to a refused form whose fields the page cannot show beside them
/// (a list's filter from an edited address, a triage's unknown child): the first
/// problem's message.
fn first_problem(e: AppError) -> AppError {
    match e {
        AppError::Invalid(errors) => AppError::refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            errors
                .first()
                .map_or("form-error-unknown-code", |e| e.problem.message_id()),
        ),
        other => other,
    }
}
