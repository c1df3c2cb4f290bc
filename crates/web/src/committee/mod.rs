//! The provincial committee in the interface (issue 14): its page (members, expert
//! team, quorum, meetings), each meeting (agenda, convocation, attendance, minutes,
//! decisions, the chair's approval, three printable PDFs), the decisions to follow up,
//! and the same under `/api/v1/committee`, `/api/v1/meetings`, `/api/v1/decisions`.
//! The use cases are `awladna_core::committee`'s.

pub mod api;
pub mod decision_pages;
pub mod meeting_pages;
pub mod pages;
pub mod panel;
pub mod pdf;

use crate::error::AppError;
use crate::i18n::Tr;
use crate::times::local_time;
use awladna_core::committee::{CommitteeError, DecisionLine};
use awladna_store::committee::MeetingRecord;
use axum::http::StatusCode;
use serde::Deserialize;

impl From<CommitteeError> for AppError {
    fn from(e: CommitteeError) -> Self {
        match e {
            CommitteeError::Core(awladna_core::CoreError::Stale) => {
                AppError::refused(StatusCode::CONFLICT, "stale", "committee-stale")
            }
            CommitteeError::Core(e) => e.into(),
            CommitteeError::Frozen => {
                AppError::refused(StatusCode::CONFLICT, "frozen", "meeting-frozen")
            }
            CommitteeError::WrongStep => {
                AppError::refused(StatusCode::CONFLICT, "wrong_step", "meeting-wrong-step")
            }
        }
    }
}

/// Mails the convocation where the server sends mail and members have an address.
fn mail_convocation(state: &crate::state::AppState, addresses: Vec<String>, meeting: &str) {
    if let Some(mailer) = &state.settings.mailer
        && !addresses.is_empty()
    {
        mailer.convocation(addresses, meeting);
    }
}

/// `?territory=` for a national user; a provincial one works on their own.
#[derive(Debug, Default, Deserialize)]
pub struct Scope {
    pub territory: Option<String>,
    /// Only the overdue decisions.
    pub overdue: Option<bool>,
}

/// A meeting as lists show it.
pub struct MeetingLine {
    pub id: String,
    pub kind: String,
    pub status: String,
    pub when: String,
    pub place: String,
}

impl MeetingLine {
    pub fn of(t: Tr, m: &MeetingRecord) -> MeetingLine {
        MeetingLine {
            id: m.id.clone(),
            kind: t.get(&format!("meeting-kind-{}", m.kind)),
            status: t.get(&format!("meeting-status-{}", m.status)),
            when: local_time(m.starts_at),
            place: m.place.clone(),
        }
    }
}

/// A decision as lists show it.
pub struct DecisionView {
    pub id: String,
    pub text: String,
    pub owner: String,
    pub deadline: String,
    pub expected_result: String,
    pub status: String,
    pub drop_reason: String,
    pub overdue: bool,
    pub meeting_id: String,
    pub meeting_when: String,
    pub version: i64,
}

impl DecisionView {
    pub fn of(t: Tr, d: &DecisionLine) -> DecisionView {
        let r = &d.record;
        DecisionView {
            id: r.id.clone(),
            text: r.text.clone(),
            owner: r.owner_name.clone(),
            deadline: r.deadline.clone(),
            expected_result: r.expected_result.clone(),
            status: t.get(&format!("decision-status-{}", r.status)),
            drop_reason: r.drop_reason.clone().unwrap_or_default(),
            overdue: d.overdue,
            meeting_id: r.meeting_id.clone(),
            meeting_when: local_time(r.meeting_starts_at),
            version: r.version,
        }
    }

    pub fn all(t: Tr, lines: &[DecisionLine]) -> Vec<DecisionView> {
        lines.iter().map(|d| DecisionView::of(t, d)).collect()
    }
}
