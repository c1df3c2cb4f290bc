//! The decisions to follow up: the list (overdue ones on request) and one decision with
//! its progress notes.

use super::pages::*;
use super::{DecisionView, Scope};
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::state::AppState;
use crate::times::local_time;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::committee::{self as use_case, FollowUp, province};
use awladna_core::{Permit, act};
use awladna_domain::access::Action;
use awladna_domain::committee::DecisionStatus;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

// ---- Decisions ----------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "decisions.html")]
pub struct DecisionsPage {
    shell: Shell,
    territory_name: String,
    decisions: Vec<DecisionView>,
    overdue_only: bool,
}

pub async fn decisions(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadCommittee>,
    Query(scope): Query<Scope>,
) -> Result<Response, AppError> {
    if let Some(choose) = choose_province(&state, &shell, &permit, &scope, "/decisions") {
        return Ok(choose);
    }
    let territory = province(&state, &permit, scope.territory.as_deref())?;
    let overdue_only = scope.overdue == Some(true);
    let list = use_case::decisions(&state, &permit, &territory, overdue_only).await?;
    Ok(DecisionsPage {
        territory_name: province_label(&state, shell.t, &territory),
        decisions: DecisionView::all(shell.t, &list),
        overdue_only,
        shell,
    }
    .into_response())
}

pub struct NoteView {
    pub at: String,
    pub note: String,
    pub progress: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "decision.html")]
pub struct DecisionPage {
    shell: Shell,
    decision: DecisionView,
    notes: Vec<NoteView>,
    can_follow: bool,
    statuses: Vec<Choice>,
    errors: Vec<String>,
    typed: FollowUp,
}

async fn decision_page(
    state: &AppState,
    shell: Shell,
    permit: &Permit<act::ReadCommittee>,
    id: &str,
    errors: Vec<String>,
    typed: FollowUp,
) -> Result<DecisionPage, AppError> {
    let t = shell.t;
    let (line, notes) = use_case::decision(state, permit, id).await?;
    Ok(DecisionPage {
        can_follow: may(permit, Action::FollowDecisions, &line.record.territory),
        decision: DecisionView::of(t, &line),
        notes: notes
            .into_iter()
            .map(|n| NoteView {
                at: local_time(n.at),
                note: n.note,
                progress: n.progress,
            })
            .collect(),
        statuses: choices(
            t,
            DecisionStatus::ALL,
            DecisionStatus::code,
            "decision-status",
        ),
        errors,
        typed,
        shell,
    })
}

pub async fn decision(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadCommittee>,
    Path(id): Path<String>,
) -> Result<DecisionPage, AppError> {
    decision_page(&state, shell, &permit, &id, Vec::new(), FollowUp::default()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FollowUpForm {
    #[serde(rename = "_version")]
    version: String,
    status: String,
    reason: String,
    note: String,
    progress: String,
}

pub async fn follow_up(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::FollowDecisions>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<FollowUpForm>,
) -> Result<Response, AppError> {
    let progress = form.progress.trim();
    let input = FollowUp {
        status: form.status,
        reason: form.reason,
        note: form.note,
        // A number the field cannot hold is out of range, said beside it.
        progress: (!progress.is_empty()).then(|| progress.parse().unwrap_or(-1)),
        version: version(&form.version),
    };
    match refused_input(
        &permit,
        shell.t,
        use_case::follow_up(&state, &permit, &id, &input).await,
    )? {
        Ok(()) => Ok(Redirect::to(&format!("/decisions/{id}")).into_response()),
        Err((reader, errors)) => {
            let shell = shell.at(format!("/decisions/{id}"));
            Ok(decision_page(&state, shell, &reader, &id, errors, input)
                .await?
                .into_response())
        }
    }
}
