//! The case's timeline as the case page tells it, in the reader's language: its moves,
//! assignments, cards and services' contributions, with the flags added and removed
//! and the approvals asked and decided (issue 18), and its transfers between provinces
//! (issue 15 §4), each at its time.

use crate::error::AppError;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::times::local_time;
use awladna_core::approvals::OpenedApproval;
use awladna_core::cases::read::{self, Entry, OpenedCase};
use awladna_core::flags::OpenedFlag;

pub struct EntryView {
    pub at: String,
    pub text: String,
    pub reason: Option<String>,
    pub link: Option<String>,
}

/// The whole timeline, oldest first.
pub async fn timeline(
    state: &AppState,
    t: Tr,
    opened: &OpenedCase,
    flags: &[OpenedFlag],
    approvals: &[OpenedApproval],
) -> Result<Vec<EntryView>, AppError> {
    let transfers = awladna_core::transfers::of_case(state, &opened.case.id).await?;
    let extra = super::flags::timeline_lines(t, flags)
        .into_iter()
        .chain(super::approvals::timeline_lines(t, approvals))
        .chain(super::transfers::timeline_lines(state, t, &transfers))
        .collect();
    with_lines(state, t, opened, extra).await
}

/// The case's own timeline with these other lines (time, text, reason), oldest first.
pub async fn with_lines(
    state: &AppState,
    t: Tr,
    opened: &OpenedCase,
    lines: Vec<(i64, String, Option<String>)>,
) -> Result<Vec<EntryView>, AppError> {
    let extra = lines.into_iter().map(|(at_ms, text, reason)| {
        let at = local_time(at_ms);
        (
            at_ms,
            EntryView {
                at,
                text,
                reason,
                link: None,
            },
        )
    });
    let mut all: Vec<(i64, EntryView)> = opened
        .timeline
        .iter()
        .map(Entry::at_ms)
        .zip(timeline_views(state, t, opened).await?)
        .chain(extra)
        .collect();
    all.sort_by_key(|(at_ms, _)| *at_ms);
    Ok(all.into_iter().map(|(_, v)| v).collect())
}

/// The timeline as the page tells it, in the reader's language.
async fn timeline_views(
    state: &AppState,
    t: Tr,
    opened: &OpenedCase,
) -> Result<Vec<EntryView>, AppError> {
    let usernames = read::usernames(state, opened).await?;
    Ok(opened
        .timeline
        .iter()
        .map(|entry| match entry {
            Entry::Stage {
                at_ms,
                to,
                by,
                reason,
                ..
            } => {
                let who = by.as_ref().map(|id| usernames.get(id).unwrap_or(id));
                let text = format!(
                    "{} {}{}",
                    t.get("case-moved-to"),
                    state.label(t, "stages", to),
                    who.map(|w| format!(" — {w}")).unwrap_or_default()
                );
                EntryView {
                    at: local_time(*at_ms),
                    text,
                    reason: reason.clone(),
                    link: None,
                }
            }
            Entry::Assigned { at_ms, to, by } => {
                let name = |id: &String| usernames.get(id).unwrap_or(id).clone();
                let to = to
                    .as_ref()
                    .map_or_else(|| t.get("case-assignee-none"), name);
                EntryView {
                    at: local_time(*at_ms),
                    text: format!("{} {to} — {}", t.get("case-assigned-to"), name(by)),
                    reason: None,
                    link: None,
                }
            }
            Entry::Card {
                at_ms,
                form,
                id,
                complete,
            } => {
                let title = state
                    .reference
                    .form(form)
                    .map(|f| f.labels.get(t.lang).to_owned())
                    .unwrap_or(form.clone());
                let state_label = t.get(if *complete {
                    "report-complete"
                } else {
                    "report-draft"
                });
                EntryView {
                    at: local_time(*at_ms),
                    text: format!("{title} ({state_label})"),
                    reason: None,
                    link: Some(if form == "report" {
                        format!("/reports/{id}")
                    } else {
                        format!("/cases/{}/records/{id}", opened.case.id)
                    }),
                }
            }
            Entry::Contribution {
                at_ms,
                kind,
                code,
                part,
                organisation_name,
                ..
            } => {
                let what = match *kind {
                    "card" => state
                        .reference
                        .form(code)
                        .map_or_else(|| code.clone(), |f| f.labels.get(t.lang).to_owned()),
                    _ => state.label(t, "document_kinds", code),
                };
                EntryView {
                    at: local_time(*at_ms),
                    text: format!("{what} — {} {organisation_name}", t.get("case-by-service")),
                    reason: None,
                    link: Some(format!("/cases/{}/files/{}", opened.case.id, part.code())),
                }
            }
        })
        .collect())
}
