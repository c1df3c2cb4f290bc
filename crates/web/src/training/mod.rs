//! Training (issue 15 §1) in the interface: the trainings page (sessions, the national
//! plan's progress, a new session), each session (participants, attendance per day,
//! tests, attestations as PDF), the coverage and who is trained (tables, a chart, XLSX);
//! with the rollout's (§2) and the library's (§3) JSON API beside them in `api`.
//! The use cases are `awladna_core::training`'s, `rollout`'s and `library`'s.

pub mod api;
pub mod pages;
pub mod pdf;
pub mod reports;
pub mod session_pages;

use crate::i18n::Tr;
use crate::state::AppState;
use awladna_domain::forms::{FieldError, local_zone};
use jiff::civil::Date;
use serde::Deserialize;

/// `?territory=` for a national user; a provincial one works on their own.
#[derive(Debug, Default, Deserialize)]
pub struct Scope {
    pub territory: Option<String>,
}

/// Today in Morocco.
pub fn today(state: &AppState) -> Date {
    state.clock.now().to_zoned(local_zone()).date()
}

/// The problems of a refused form, each with its field's label.
pub fn problems(t: Tr, errors: &[FieldError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                t.get_or(&format!("training-field-{}", e.field), &e.field),
                t.with(e.problem.message_id(), &e.problem.arguments())
            )
        })
        .collect()
}

pub fn version(text: &str) -> Option<i64> {
    text.trim().parse().ok()
}

/// A territory's name in the reader's language.
pub fn place_name(state: &AppState, t: Tr, code: &str) -> String {
    state
        .reference
        .territory(code)
        .map(|p| crate::forms::territory_name(t, &p.name_ar, &p.name_fr))
        .unwrap_or_else(|| code.to_owned())
}
