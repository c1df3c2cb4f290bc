//! The case plan (خطة التكفل) in the web: the API and the pages of a case's actions and
//! of the overdue ones. The use cases are `awladna_core::plan`'s.

pub mod api;
pub mod pages;

use crate::i18n::Tr;
use crate::state::AppState;
use awladna_core::plan::{OpenedAction, STATUSES, open_actions};
use awladna_store::plan::PlanActionRecord;

/// An action as a reader sees it, its text opened.
pub struct ActionView {
    pub(crate) id: String,
    pub(crate) action: String,
    pub(crate) goal: String,
    pub(crate) responsible: String,
    pub(crate) responsible_code: String,
    pub(crate) due: String,
    pub(crate) due_at: Option<i64>,
    pub(crate) status: String,
    pub(crate) status_code: String,
    pub(crate) overdue: bool,
    pub(crate) origin: String,
    pub(crate) version: i64,
}

impl ActionView {
    fn of(state: &AppState, t: Tr, opened: &OpenedAction) -> ActionView {
        let a = &opened.record;
        let action = if a.origin == "evaluation" {
            t.get("plan-evaluation-response")
        } else if opened.erased() {
            t.get("retention-erased")
        } else {
            opened.field("plan.action")
        };
        ActionView {
            id: a.id.clone(),
            action,
            goal: opened.field("plan.goal"),
            responsible: state.label(t, "sectors", &a.responsible_sector),
            responsible_code: a.responsible_sector.clone(),
            due: a
                .due_at
                .map(|due| crate::times::deadline(due, a.origin != "evaluation"))
                .unwrap_or_default(),
            due_at: a.due_at,
            status: state.label(t, STATUSES, &a.status),
            status_code: a.status.clone(),
            overdue: opened.overdue,
            origin: a.origin.clone(),
            version: a.version,
        }
    }
}

fn views(state: &AppState, t: Tr, opened: &[OpenedAction]) -> Vec<ActionView> {
    opened.iter().map(|a| ActionView::of(state, t, a)).collect()
}

/// The actions of a case, opened (the caller has been allowed to read the case); for
/// the case page.
pub fn action_views(
    state: &AppState,
    t: Tr,
    actions: &[PlanActionRecord],
) -> Result<Vec<ActionView>, String> {
    let opened = open_actions(state, actions.to_vec()).map_err(|e| e.detail())?;
    Ok(views(state, t, &opened))
}

/// A status change's refusals: an older version is "someone changed this case".
fn status_error(e: awladna_core::cases::CaseError) -> crate::error::AppError {
    use awladna_core::{CoreError, cases::CaseError};
    match e {
        CaseError::Core(CoreError::Stale) => {
            crate::error::AppError::refused(axum::http::StatusCode::CONFLICT, "stale", "case-stale")
        }
        e => e.into(),
    }
}

#[derive(serde::Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

impl PageQuery {
    fn page(&self) -> i64 {
        self.page.unwrap_or(1).max(1)
    }
}
