//! Periodic reports' rules (SPEC.md §3): their kinds and periods, their statuses and
//! the steps between them (draft → approved → submitted). Who may take a step is the
//! policy's (`access::decide_periodic_report`).

use crate::stats::Period;
use crate::stats::ScopeKind;
use serde::{Deserialize, Serialize};

/// What a periodic report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Monthly,
    HalfYearly,
    Annual,
    /// The ministry's: sums the submitted provincial reports of its period.
    National,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Monthly,
        Kind::HalfYearly,
        Kind::Annual,
        Kind::National,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Monthly => "monthly",
            Kind::HalfYearly => "half_yearly",
            Kind::Annual => "annual",
            Kind::National => "national",
        }
    }

    pub fn parse(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Whether the period is the kind's: a month, a half-year, a calendar year (the
    /// national report: any of them).
    pub fn fits(self, p: &Period) -> bool {
        match self {
            Kind::Monthly => p.is_month(),
            Kind::HalfYearly => p.is_half_year(),
            Kind::Annual => p.is_year(),
            Kind::National => p.is_month() || p.is_half_year() || p.is_year(),
        }
    }

    /// Whether a report of this kind is drawn up for a scope of this kind: the
    /// national report for the nation, the others for a province.
    pub fn fits_scope(self, scope: ScopeKind) -> bool {
        match self {
            Kind::National => scope == ScopeKind::Nation,
            _ => scope == ScopeKind::Province,
        }
    }

    /// Whether the report has the section (d), the provincial action plan's achievements.
    pub fn has_action_plan(self) -> bool {
        self != Kind::Monthly
    }
}

/// The action plan's section (empty until the governance work adds action plans).
pub const ACTION_PLAN: &str = "action_plan";

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Approved,
    Submitted,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Approved => "approved",
            Status::Submitted => "submitted",
        }
    }

    pub fn parse(code: &str) -> Option<Status> {
        [Status::Draft, Status::Approved, Status::Submitted]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// A step on a report: its figures computed again (a draft), approved (frozen), or
/// submitted (sent on to the national level).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Refresh,
    Approve,
    Submit,
}

impl Step {
    /// The status the report must have for the step.
    pub fn needs(self) -> Status {
        match self {
            Step::Refresh | Step::Approve => Status::Draft,
            Step::Submit => Status::Approved,
        }
    }

    /// The status after the step.
    pub fn leads_to(self) -> Status {
        match self {
            Step::Refresh => Status::Draft,
            Step::Approve => Status::Approved,
            Step::Submit => Status::Submitted,
        }
    }

    /// What the policy is asked for the step: approving is approving, refreshing and
    /// submitting are part of preparing.
    pub fn policy(self) -> crate::access::ReportStep {
        match self {
            Step::Approve => crate::access::ReportStep::Approve,
            Step::Refresh | Step::Submit => crate::access::ReportStep::Prepare,
        }
    }

    /// The audit log's name of the step.
    pub fn audit(self) -> &'static str {
        match self {
            Step::Refresh => "periodic_report.refresh",
            Step::Approve => "periodic_report.approve",
            Step::Submit => "periodic_report.submit",
        }
    }

    /// Whether a report of `status` may take the step (the policy aside).
    pub fn allowed_from(self, status: Status) -> bool {
        status == self.needs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(from: &str, to: &str) -> Period {
        Period::parse(from, to).unwrap_or(Period {
            from: String::new(),
            to: String::new(),
        })
    }

    #[test]
    fn each_kind_has_its_period() {
        let month = period("2026-03", "2026-03");
        let half = period("2026-07", "2026-12");
        let year = period("2026-01", "2026-12");
        let odd = period("2026-02", "2026-04");
        assert!(Kind::Monthly.fits(&month) && !Kind::Monthly.fits(&half));
        assert!(Kind::HalfYearly.fits(&half) && !Kind::HalfYearly.fits(&year));
        assert!(Kind::Annual.fits(&year) && !Kind::Annual.fits(&month));
        assert!(
            [&month, &half, &year]
                .iter()
                .all(|p| Kind::National.fits(p))
        );
        assert!(Kind::ALL.iter().all(|k| !k.fits(&odd)));
        assert!(!Kind::Annual.fits(&period("2025-01", "2026-12")));
    }

    #[test]
    fn kinds_and_statuses_read_back() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.code()), Some(k));
        }
        assert_eq!(Kind::parse("weekly"), None);
        assert_eq!(Status::parse("approved"), Some(Status::Approved));
        assert!(Kind::National.fits_scope(ScopeKind::Nation));
        assert!(!Kind::Monthly.fits_scope(ScopeKind::Region));
        assert!(!Kind::Monthly.has_action_plan() && Kind::Annual.has_action_plan());
    }

    #[test]
    fn steps_follow_draft_approved_submitted() {
        assert!(Step::Refresh.allowed_from(Status::Draft));
        assert!(Step::Approve.allowed_from(Status::Draft));
        assert!(!Step::Approve.allowed_from(Status::Approved));
        assert!(Step::Submit.allowed_from(Status::Approved));
        assert!(!Step::Submit.allowed_from(Status::Draft));
        assert_eq!(Step::Approve.leads_to(), Status::Approved);
    }
}
