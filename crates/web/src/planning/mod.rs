//! The committee's planning in the interface (issue 14 §3–4): the territorial diagnosis
//! (by section, with progress per sector; the ministry's comparison) and the provincial
//! action plan (tree, timeline, progress; the ministry's national view and its XLSX),
//! and the same under `/api/v1/diagnoses` and `/api/v1/action-plans`. The use cases are
//! `awladna_core::diagnosis`'s and `awladna_core::action_plans`'.

pub mod api;
pub mod diagnosis_pages;
pub mod gantt;
pub mod national_pages;
pub mod plan_pages;
pub mod report;

use crate::committee::pages::labelled_problems;
use crate::error::AppError;
use crate::i18n::Tr;
use awladna_core::CoreError;
use awladna_core::diagnosis::PlanningError;
use axum::http::StatusCode;

/// A refused input comes back to its page with the problems in the user's language.
fn problems_of(t: Tr, e: PlanningError) -> Result<Vec<String>, AppError> {
    match e {
        PlanningError::Core(CoreError::Invalid(errors)) => {
            Ok(labelled_problems(t, &errors, "plan-field"))
        }
        e => Err(e.into()),
    }
}

impl From<PlanningError> for AppError {
    fn from(e: PlanningError) -> Self {
        match e {
            PlanningError::Core(awladna_core::CoreError::Stale) => {
                AppError::refused(StatusCode::CONFLICT, "stale", "committee-stale")
            }
            PlanningError::Core(e) => e.into(),
            PlanningError::WrongStep => {
                AppError::refused(StatusCode::CONFLICT, "wrong_step", "planning-wrong-step")
            }
        }
    }
}
