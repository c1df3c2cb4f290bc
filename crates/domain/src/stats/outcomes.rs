//! What happened to the children: where each case's child stands on one scale over
//! time, how the child left the pathway, and whether a new report followed the closure.
//!
//! The scale is the evaluation's risk level (low, medium, high, immediate danger). An
//! evaluation places the child on it; a follow-up moves the child from where the last
//! card left it, by what its `situation.overall` says (the follow-up records the change
//! since the last contact, not a level): improved one step down, worsened one step up,
//! in danger at the top, stable where it was. Follow-ups before the first evaluation
//! have nothing to move and are not counted.

use crate::lang::Labels;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The positions on the scale, lowest risk first (codes of the `urgency` vocabulary).
pub const SCALE: [&str; 4] = ["low", "medium", "high", "immediate"];

/// What a card on a case says about the child's position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading<'a> {
    /// An evaluation's risk level.
    Evaluation(&'a str),
    /// A follow-up's `situation.overall` (a code of `child_situations`).
    FollowUp(&'a str),
}

fn rank(level: &str) -> Option<usize> {
    SCALE.iter().position(|l| *l == level)
}

/// The first and the latest position of a case's child, from its cards in the order
/// they were written; `None` while no evaluation placed the child.
pub fn positions(readings: &[Reading<'_>]) -> Option<(&'static str, &'static str)> {
    let mut first = None;
    let mut at: Option<usize> = None;
    for reading in readings {
        let next = match (*reading, at) {
            (Reading::Evaluation(level), _) => rank(level),
            (Reading::FollowUp(_), None) => None,
            (Reading::FollowUp(situation), Some(now)) => Some(match situation {
                "improved" => now.saturating_sub(1),
                // A worsening without danger stops at high: immediate danger is said.
                "worsened" => (now + 1).min(2).max(now),
                "in_danger" => 3,
                _ => now,
            }),
        };
        if let Some(next) = next {
            first.get_or_insert(next);
            at = Some(next);
        }
    }
    Some((SCALE[first?], SCALE[at?]))
}

/// How the child's situation changed from `first` to `latest`: a code of the
/// `child_situations` vocabulary (improved, stable, worsened).
pub fn change(first: &str, latest: &str) -> &'static str {
    match (rank(first), rank(latest)) {
        (Some(a), Some(b)) if b < a => "improved",
        (Some(a), Some(b)) if b > a => "worsened",
        _ => "stable",
    }
}

/// The months after a closure within which a new report is a re-entry.
pub const REENTRY_MONTHS: i64 = 12;

/// Whether a report received at `report_ms` comes within the re-entry window of a
/// closure at `closed_ms` (after it, and at most 12 calendar months later, in
/// Moroccan time).
pub fn within_reentry(closed_ms: i64, report_ms: i64) -> bool {
    if report_ms <= closed_ms {
        return false;
    }
    let end = jiff::Timestamp::from_millisecond(closed_ms)
        .ok()
        .map(|t| t.to_zoned(crate::forms::local_zone()))
        .and_then(|z| z.checked_add(jiff::Span::new().months(REENTRY_MONTHS)).ok())
        .map(|z| z.timestamp().as_millisecond());
    end.is_some_and(|end| report_ms <= end)
}

/// Whole calendar months from `from_ms` to `to_ms` (Moroccan time), `None` backwards.
fn months_between(from_ms: i64, to_ms: i64) -> Option<i64> {
    let zone = crate::forms::local_zone();
    let from = jiff::Timestamp::from_millisecond(from_ms)
        .ok()?
        .to_zoned(zone.clone());
    let to = jiff::Timestamp::from_millisecond(to_ms)
        .ok()?
        .to_zoned(zone);
    if to < from {
        return None;
    }
    let span = from.until((jiff::Unit::Month, &to)).ok()?;
    Some(i64::from(span.get_months()))
}

/// The checks after a closure a province may record, in months: whether the outcome
/// held 6 and 12 months on.
pub const CHECKS: [u8; 2] = [6, 12];

/// Which check a follow-up recorded at `at_ms` on a case closed at `closed_ms` is:
/// the 6-month one from 5 to 8 whole months after the closure, the 12-month one from 9
/// to 14; `None` outside both.
pub fn check_window(closed_ms: i64, at_ms: i64) -> Option<u8> {
    match months_between(closed_ms, at_ms)? {
        5..=8 => Some(6),
        9..=14 => Some(12),
        _ => None,
    }
}

/// Whether a check's `situation.overall` says the outcome held: the situation improved
/// or stayed as it was.
pub fn held(situation: &str) -> bool {
    matches!(situation, "improved" | "stable")
}

/// What the checks after a closure said: the latest follow-up of each window decides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checks {
    pub held_6: Option<bool>,
    pub held_12: Option<bool>,
}

impl Checks {
    /// From the follow-ups after the closure, (when, situation), oldest first.
    pub fn of(closed_ms: i64, followups: &[(i64, &str)]) -> Checks {
        let mut checks = Checks::default();
        for (at, situation) in followups {
            match check_window(closed_ms, *at) {
                Some(6) => checks.held_6 = Some(held(situation)),
                Some(12) => checks.held_12 = Some(held(situation)),
                _ => {}
            }
        }
        checks
    }

    pub fn any(&self) -> bool {
        self.held_6.is_some() || self.held_12.is_some()
    }

    /// A check's code for the statistics: held, not_held, or none.
    pub fn code(held: Option<bool>) -> &'static str {
        match held {
            Some(true) => "held",
            Some(false) => "not_held",
            None => "none",
        }
    }
}

/// One term of the closure outcomes' vocabulary.
#[derive(Debug, Clone, Deserialize)]
pub struct OutcomeTerm {
    pub code: String,
    pub label: Labels,
}

/// How children leave the pathway, and which closure reason says which.
#[derive(Debug, Clone, Deserialize)]
pub struct ClosureOutcomes {
    pub terms: Vec<OutcomeTerm>,
    /// Closure reason code → outcome code.
    pub reasons: BTreeMap<String, String>,
}

impl ClosureOutcomes {
    /// The outcome of a closure reason ("unknown" for none or an unmapped one).
    pub fn of(&self, reason: Option<&str>) -> &str {
        reason
            .and_then(|r| self.reasons.get(r))
            .map(String::as_str)
            .unwrap_or("unknown")
    }

    /// An outcome's label.
    pub fn label(&self, code: &str) -> Option<&Labels> {
        self.terms.iter().find(|t| t.code == code).map(|t| &t.label)
    }
}

/// The vocabulary of `data/stats/closure_outcomes.toml`, checked: every term named in
/// three languages, every mapping to a term.
pub fn load_closure_outcomes() -> Result<ClosureOutcomes, String> {
    let file: ClosureOutcomes =
        toml::from_str(include_str!("../../data/stats/closure_outcomes.toml"))
            .map_err(|e| format!("stats/closure_outcomes.toml: {e}"))?;
    for term in &file.terms {
        if !term.label.is_complete() {
            return Err(format!(
                "stats/closure_outcomes.toml: {} needs ar, fr and en",
                term.code
            ));
        }
    }
    for (reason, outcome) in &file.reasons {
        if file.label(outcome).is_none() {
            return Err(format!(
                "stats/closure_outcomes.toml: {reason} maps to {outcome}, which is no term"
            ));
        }
    }
    Ok(file)
}

/// The closure outcomes of the embedded data, loaded once (the tests check it loads).
pub fn closure_outcomes() -> &'static ClosureOutcomes {
    static OUTCOMES: OnceLock<ClosureOutcomes> = OnceLock::new();
    OUTCOMES.get_or_init(|| {
        load_closure_outcomes().unwrap_or(ClosureOutcomes {
            terms: Vec::new(),
            reasons: BTreeMap::new(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Reading::{Evaluation as E, FollowUp as F};

    #[test]
    fn follow_ups_move_the_child_from_the_last_position() {
        assert_eq!(positions(&[]), None);
        assert_eq!(positions(&[F("improved")]), None, "nothing to move yet");
        assert_eq!(
            positions(&[E("high"), F("improved"), F("stable")]),
            Some(("high", "medium"))
        );
        assert_eq!(
            positions(&[F("worsened"), E("medium"), F("worsened"), F("worsened")]),
            Some(("medium", "high")),
            "a worsening stops at high"
        );
        assert_eq!(
            positions(&[E("low"), F("in_danger")]),
            Some(("low", "immediate"))
        );
        assert_eq!(
            positions(&[E("immediate"), F("worsened")]),
            Some(("immediate", "immediate")),
            "a worsening never lowers"
        );
        assert_eq!(positions(&[E("low"), F("improved")]), Some(("low", "low")));
        assert_eq!(
            positions(&[E("high"), F("improved"), E("high")]),
            Some(("high", "high")),
            "a new evaluation places the child again"
        );
        assert_eq!(change("high", "medium"), "improved");
        assert_eq!(change("low", "low"), "stable");
        assert_eq!(change("medium", "immediate"), "worsened");
    }

    #[test]
    fn reentry_is_within_twelve_calendar_months() {
        let at = |s: &str| {
            s.parse::<jiff::Timestamp>()
                .map(|t| t.as_millisecond())
                .unwrap_or(0)
        };
        let closed = at("2025-03-10T10:00:00Z");
        assert!(!within_reentry(closed, at("2025-03-01T10:00:00Z")));
        assert!(!within_reentry(closed, closed));
        assert!(within_reentry(closed, at("2026-03-10T09:00:00Z")));
        assert!(within_reentry(closed, at("2026-03-10T10:00:00Z")));
        assert!(!within_reentry(closed, at("2026-03-11T10:00:00Z")));
    }

    #[test]
    fn checks_fall_in_their_windows() {
        let at = |s: &str| {
            s.parse::<jiff::Timestamp>()
                .map(|t| t.as_millisecond())
                .unwrap_or(0)
        };
        let closed = at("2025-01-15T10:00:00Z");
        assert_eq!(
            check_window(closed, at("2025-06-10T10:00:00Z")),
            None,
            "4 months"
        );
        assert_eq!(check_window(closed, at("2025-06-16T10:00:00Z")), Some(6));
        assert_eq!(check_window(closed, at("2025-10-14T10:00:00Z")), Some(6));
        assert_eq!(check_window(closed, at("2025-10-16T10:00:00Z")), Some(12));
        assert_eq!(check_window(closed, at("2026-04-14T10:00:00Z")), Some(12));
        assert_eq!(check_window(closed, at("2026-04-16T10:00:00Z")), None);
        assert_eq!(check_window(closed, at("2024-12-01T10:00:00Z")), None);
        let checks = Checks::of(
            closed,
            &[
                (at("2025-07-20T10:00:00Z"), "worsened"),
                (at("2025-07-25T10:00:00Z"), "stable"),
                (at("2026-01-20T10:00:00Z"), "in_danger"),
            ],
        );
        assert_eq!(
            checks.held_6,
            Some(true),
            "the latest of the window decides"
        );
        assert_eq!(checks.held_12, Some(false));
        assert_eq!(Checks::code(None), "none");
    }

    #[test]
    fn every_closure_reason_has_an_outcome() {
        let outcomes = load_closure_outcomes().unwrap_or_else(|e| panic!("{e}"));
        let reference = crate::Reference::embedded().unwrap_or_else(|e| panic!("{e}"));
        let reasons = reference
            .vocabulary("closure_reasons")
            .map(|v| v.terms.iter().map(|t| t.code.clone()).collect::<Vec<_>>())
            .unwrap_or_default();
        assert!(reasons.len() >= 7);
        for reason in &reasons {
            assert_ne!(outcomes.of(Some(reason)), "unknown", "{reason}");
        }
        for code in [
            "family_reintegration",
            "school_return",
            "vocational_training",
            "placement",
            "transfer",
            "majority",
            "lost_contact",
            "death",
        ] {
            assert!(outcomes.label(code).is_some(), "{code}");
        }
        assert_eq!(outcomes.of(Some("reintegrated")), "family_reintegration");
        assert_eq!(outcomes.of(None), "unknown");
    }
}
