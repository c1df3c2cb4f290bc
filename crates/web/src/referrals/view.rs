//! How the pages show linking cards: one line of a list (the inbox, a case's
//! referrals, the overdue ones), and the shared parts of the child's file.

use crate::card_view::{ShownSection, shown_sections};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::times::local_time;
use awladna_core::referrals::{self, is_overdue, organisation_names};
use awladna_domain::access::Actor;
use awladna_store::referrals::ReferralRecord;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Organisation names by code, read once per page.
pub(super) struct Names(pub(super) HashMap<String, String>);

impl Names {
    pub(super) async fn read(state: &AppState) -> Result<Names, String> {
        organisation_names(state)
            .await
            .map(Names)
            .map_err(|e| e.detail())
    }

    /// The organisation's name (its code, if it has none).
    pub(super) fn of(&self, code: &str) -> String {
        self.0.get(code).cloned().unwrap_or_else(|| code.to_owned())
    }
}

pub struct ReferralLine {
    pub(crate) id: String,
    pub(crate) other: String,
    pub(crate) stage: String,
    pub(crate) urgency: String,
    pub(crate) urgency_code: String,
    /// The service asked for (empty when the card names none).
    pub(crate) service: String,
    pub(crate) status: String,
    pub(crate) sent: String,
    pub(crate) due: String,
    /// What is left before the deadline, or how late it is, in words.
    pub(crate) time_left: String,
    pub(crate) overdue: bool,
}

/// The time before a deadline as a person on a phone reads it: hours under two days,
/// days beyond; once past, how late.
pub(crate) fn time_left(t: Tr, due_at: i64, now: i64) -> String {
    const HOUR: i64 = 3600 * 1000;
    let (id, left) = if due_at >= now {
        ("referral-left", due_at - now)
    } else {
        ("referral-late", now - due_at)
    };
    let hours = left / HOUR;
    if hours < 48 {
        t.with(&format!("{id}-hours"), &[("hours", hours)])
    } else {
        t.with(&format!("{id}-days"), &[("days", hours / 24)])
    }
}

pub(super) fn line(
    state: &AppState,
    t: Tr,
    names: &Names,
    r: &ReferralRecord,
    other_org: &str,
    now: i64,
) -> ReferralLine {
    ReferralLine {
        id: r.id.clone(),
        other: names.of(other_org),
        stage: state.label(t, "stages", &r.stage),
        urgency: state.label(t, "urgency", &r.urgency),
        urgency_code: r.urgency.clone(),
        service: r
            .service
            .as_deref()
            .map(|code| state.label(t, "services", code))
            .unwrap_or_default(),
        status: t.get(&format!("referral-status-{}", r.status)),
        sent: local_time(r.sent_at),
        due: local_time(r.due_at),
        time_left: time_left(t, r.due_at, now),
        overdue: is_overdue(r, now),
    }
}

/// The referrals of a case, for its page.
pub async fn case_referrals(
    state: &AppState,
    t: Tr,
    case_id: &str,
) -> Result<Vec<ReferralLine>, String> {
    let rows = referrals::of_case(state, case_id)
        .await
        .map_err(|e| e.detail())?;
    lines(state, t, &rows, false).await
}

/// The linking cards of the coordinator's province still unanswered past their
/// deadline, most overdue first (at most a hundred).
pub async fn overdue_referrals(
    state: &AppState,
    t: Tr,
    actor: &Actor,
) -> Result<Vec<ReferralLine>, String> {
    let rows = referrals::overdue(state, actor)
        .await
        .map_err(|e| e.detail())?;
    lines(state, t, &rows, true).await
}

/// Lines of a list of referrals, named by their receiver (and their sender too, where
/// the list mixes senders).
async fn lines(
    state: &AppState,
    t: Tr,
    rows: &[ReferralRecord],
    with_sender: bool,
) -> Result<Vec<ReferralLine>, String> {
    let names = Names::read(state).await?;
    let now = state.now_ms();
    Ok(rows
        .iter()
        .map(|r| {
            let mut l = line(state, t, &names, r, &r.to_org, now);
            if with_sender {
                l.other = format!("{} → {}", names.of(&r.from_org), l.other);
            }
            l
        })
        .collect())
}

/// A shared part of the file as the card shows it.
pub(super) struct SharedView {
    pub(super) title: String,
    pub(super) sections: Vec<ShownSection>,
    pub(super) lines: Vec<String>,
}

pub(super) fn shared_views(
    state: &AppState,
    t: Tr,
    shared: &Map<String, Value>,
) -> Vec<SharedView> {
    shared
        .iter()
        .map(|(part, value)| {
            let (sections, lines) = shown_part(state, t, part, value);
            SharedView {
                title: t.get(&format!("share-{part}")),
                sections,
                lines,
            }
        })
        .collect()
}

/// One shared part: form sections for the cards, lines for the identity and the plan.
fn shown_part(
    state: &AppState,
    t: Tr,
    part: &str,
    value: &Value,
) -> (Vec<ShownSection>, Vec<String>) {
    match (part, value) {
        ("identity", Value::Object(identity)) => {
            let text = |k: &str| {
                identity
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let mut lines = vec![text("name")];
            for key in ["birth_date", "mother_name", "address"] {
                if !text(key).is_empty() {
                    lines.push(text(key));
                }
            }
            (Vec::new(), lines)
        }
        ("report" | "evaluation", Value::Object(values)) => match state.reference.form(part) {
            Some(form) => (
                shown_sections(t, &state.reference, form, values),
                Vec::new(),
            ),
            None => (Vec::new(), Vec::new()),
        },
        ("plan", Value::Array(actions)) => (
            Vec::new(),
            actions
                .iter()
                .map(|a| {
                    let what = a
                        .get("action")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .unwrap_or_else(|| t.get("plan-evaluation-response"));
                    let sector = a
                        .get("responsible")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    format!("{what} — {}", state.label(t, "sectors", sector))
                })
                .collect(),
        ),
        (file, Value::Array(entries)) => {
            let form = file
                .strip_suffix("_file")
                .and_then(|p| p.parse().ok())
                .and_then(|p| state.entry_form(p));
            let sections = match form {
                Some(form) => entries
                    .iter()
                    .filter_map(Value::as_object)
                    .flat_map(|values| shown_sections(t, &state.reference, form, values))
                    .collect(),
                None => Vec::new(),
            };
            (sections, Vec::new())
        }
        _ => (Vec::new(), Vec::new()),
    }
}
