//! The national rollout in ten parallel tracks (SPEC.md §5, issue 15 §2): each track's
//! milestones, the planned date of each in a province (from its wave's start), the
//! status a province declares (not started, in progress, done, with date and evidence)
//! or the system measures, and the label of excellence. Pure rules; the tracks are data
//! (`data/rollout/tracks.toml`) that the ministry edits in the application.

use crate::committee::{MAX_LONG, MAX_SHORT, Problems};
use crate::forms::{FieldError, Problem};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the system measures itself. `PlanApproved` waits for the action plan (issue 14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// A meeting of the committee with approved minutes.
    CommitteeMet,
    /// An approved provincial action plan.
    PlanApproved,
    /// The centre has active users and has recorded a case.
    CentreActive,
    /// The directory lists organisations of the province with their services.
    DirectoryFilled,
    /// A half-yearly report was submitted to the ministry.
    ReportSubmitted,
    /// Staff of the province attended a whole training session.
    StaffTrained,
}

impl Measure {
    pub fn code(self) -> &'static str {
        match self {
            Measure::CommitteeMet => "committee_met",
            Measure::PlanApproved => "plan_approved",
            Measure::CentreActive => "centre_active",
            Measure::DirectoryFilled => "directory_filled",
            Measure::ReportSubmitted => "report_submitted",
            Measure::StaffTrained => "staff_trained",
        }
    }
}

/// A milestone's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    NotStarted,
    InProgress,
    Done,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::NotStarted, Status::InProgress, Status::Done];

    pub fn code(self) -> &'static str {
        match self {
            Status::NotStarted => "not_started",
            Status::InProgress => "in_progress",
            Status::Done => "done",
        }
    }
}

impl std::str::FromStr for Status {
    type Err = Problem;
    fn from_str(s: &str) -> Result<Status, Problem> {
        Status::ALL
            .into_iter()
            .find(|v| v.code() == s.trim())
            .ok_or(Problem::UnknownCode)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Milestone {
    pub code: String,
    pub title_ar: String,
    pub title_fr: String,
    /// Planned month, counted from the start of the province's wave (1 = its first).
    pub month: u32,
    #[serde(default)]
    pub measure: Option<Measure>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Track {
    pub code: String,
    pub title_ar: String,
    pub title_fr: String,
    pub milestones: Vec<Milestone>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Excellence {
    pub milestones: Vec<String>,
    pub min_percent_done: u32,
}

/// The ten tracks, the waves' start dates and the label's criteria.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Tracks {
    /// Each wave's start (YYYY-MM-DD), and `later` for the provinces of no wave.
    pub waves: BTreeMap<String, String>,
    pub excellence: Excellence,
    pub tracks: Vec<Track>,
}

impl Tracks {
    pub fn shipped() -> Result<Tracks, String> {
        Tracks::parse(include_str!("../data/rollout/tracks.toml"))
    }

    pub fn parse(text: &str) -> Result<Tracks, String> {
        let t: Tracks = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut seen = std::collections::BTreeSet::new();
        for m in t.milestones() {
            if !seen.insert(m.code.as_str()) {
                return Err(format!("milestone {} is listed twice", m.code));
            }
        }
        if let Some(code) = t
            .excellence
            .milestones
            .iter()
            .find(|c| !seen.contains(c.as_str()))
        {
            return Err(format!("the label names an unknown milestone {code}"));
        }
        if !t.waves.contains_key("later") {
            return Err("the waves need a `later` start".into());
        }
        if let Some((w, _)) = t.waves.iter().find(|(_, d)| d.parse::<Date>().is_err()) {
            return Err(format!("the start of wave {w} is not a date"));
        }
        Ok(t)
    }

    pub fn milestones(&self) -> impl Iterator<Item = &Milestone> {
        self.tracks.iter().flat_map(|t| t.milestones.iter())
    }

    pub fn milestone_mut(&mut self, code: &str) -> Option<&mut Milestone> {
        self.tracks
            .iter_mut()
            .flat_map(|t| t.milestones.iter_mut())
            .find(|m| m.code == code)
    }

    /// The start of a province's wave (`None`: not in a wave yet, the generalisation).
    pub fn wave_start(&self, wave: Option<u8>) -> Option<Date> {
        let key = wave
            .map(|w| w.to_string())
            .unwrap_or_else(|| "later".into());
        self.waves
            .get(&key)
            .or_else(|| self.waves.get("later"))
            .and_then(|d| d.parse().ok())
    }

    /// When a milestone is planned in a province of `wave`: the first day of its month.
    pub fn planned(&self, wave: Option<u8>, milestone: &Milestone) -> Option<Date> {
        let start = self.wave_start(wave)?;
        let months = i32::try_from(milestone.month.saturating_sub(1)).ok()?;
        start.checked_add(jiff::Span::new().months(months)).ok()
    }
}

/// Whether a milestone is late: not done and its planned day is past.
pub fn is_late(status: Status, planned: Option<Date>, today: Date) -> bool {
    status != Status::Done && planned.is_some_and(|p| p < today)
}

/// A track's status from its milestones': done when all are, not started when none has
/// begun, in progress otherwise.
pub fn track_status(statuses: &[Status]) -> Status {
    if !statuses.is_empty() && statuses.iter().all(|s| *s == Status::Done) {
        Status::Done
    } else if statuses.iter().all(|s| *s == Status::NotStarted) {
        Status::NotStarted
    } else {
        Status::InProgress
    }
}

/// The share of milestones done, in percent.
pub fn percent_done(statuses: &[Status]) -> u32 {
    let done = statuses.iter().filter(|s| **s == Status::Done).count();
    if statuses.is_empty() {
        0
    } else {
        u32::try_from(done * 100 / statuses.len()).unwrap_or(100)
    }
}

/// Whether a province earns the label of excellence: every milestone the label names
/// done, and enough of all milestones done.
pub fn earns_label(excellence: &Excellence, done: &dyn Fn(&str) -> bool, percent: u32) -> bool {
    excellence.milestones.iter().all(|m| done(m)) && percent >= excellence.min_percent_done
}

/// A declared status as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DeclarationInput {
    pub status: String,
    /// The day it was reached (for done), Morocco-local.
    pub on: String,
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    pub status: Status,
    pub on: Option<Date>,
    pub evidence: String,
}

impl DeclarationInput {
    pub fn check(&self, today: Date) -> Result<Declaration, Vec<FieldError>> {
        let mut p = Problems::default();
        let status = p.code::<Status>("status", &self.status);
        let on = p.date("on", &self.on, status == Some(Status::Done));
        if on.is_some_and(|d| d > today) {
            p.add("on", Problem::InTheFuture);
        }
        let evidence = p.text("evidence", &self.evidence, MAX_LONG, false);
        p.finish()?;
        Ok(Declaration {
            status: status.unwrap_or(Status::NotStarted),
            on,
            evidence,
        })
    }
}

/// A milestone's edit by the ministry, as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MilestoneInput {
    pub title_ar: String,
    pub title_fr: String,
    pub month: String,
}

impl MilestoneInput {
    pub fn check(&self) -> Result<(String, String, u32), Vec<FieldError>> {
        let mut p = Problems::default();
        let ar = p.text("title_ar", &self.title_ar, MAX_SHORT, true);
        let fr = p.text("title_fr", &self.title_fr, MAX_SHORT, true);
        let month = match self.month.trim().parse::<u32>() {
            Ok(m) if (1..=60).contains(&m) => m,
            Ok(_) => {
                p.add("month", Problem::OutOfRange { min: 1, max: 60 });
                1
            }
            Err(_) => {
                p.add("month", Problem::NotAnInteger);
                1
            }
        };
        p.finish()?;
        Ok((ar, fr, month))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_tracks_are_ten_with_their_measures() {
        let t = Tracks::shipped().unwrap();
        assert_eq!(t.tracks.len(), 10);
        let measured: Vec<Measure> = t.milestones().filter_map(|m| m.measure).collect();
        for m in [
            Measure::CommitteeMet,
            Measure::PlanApproved,
            Measure::CentreActive,
            Measure::DirectoryFilled,
            Measure::ReportSubmitted,
            Measure::StaffTrained,
        ] {
            assert!(measured.contains(&m), "{m:?}");
        }
        let first = t.milestones().next().unwrap().clone();
        assert_eq!(t.planned(Some(1), &first), "2020-03-01".parse().ok());
        assert_eq!(t.planned(None, &first), "2027-01-01".parse().ok());
    }

    #[test]
    fn statuses_roll_up_and_lateness_waits_for_the_plan() {
        use Status::*;
        assert_eq!(track_status(&[Done, Done]), Done);
        assert_eq!(track_status(&[NotStarted, NotStarted]), NotStarted);
        assert_eq!(track_status(&[Done, NotStarted]), InProgress);
        assert_eq!(percent_done(&[Done, NotStarted, Done, InProgress]), 50);
        let today: Date = "2026-06-01".parse().unwrap();
        assert!(is_late(InProgress, "2026-05-01".parse().ok(), today));
        assert!(!is_late(Done, "2026-05-01".parse().ok(), today));
        assert!(!is_late(NotStarted, "2026-07-01".parse().ok(), today));
    }

    #[test]
    fn a_declaration_is_checked() {
        let today: Date = "2026-06-01".parse().unwrap();
        let done = DeclarationInput {
            status: "done".into(),
            on: "".into(),
            evidence: "".into(),
        };
        assert_eq!(done.check(today).unwrap_err()[0].field, "on");
        let future = DeclarationInput {
            status: "done".into(),
            on: "2026-07-01".into(),
            evidence: "محضر".into(),
        };
        assert_eq!(
            future.check(today).unwrap_err()[0].problem,
            Problem::InTheFuture
        );
        let hostile = DeclarationInput {
            status: "<b>".into(),
            on: "".into(),
            evidence: "x\u{202E}y".into(),
        };
        assert_eq!(hostile.check(today).unwrap_err().len(), 2);
        assert!(Tracks::parse("[waves]\nlater = 2027-01-01\n[excellence]\nmilestones=['x']\nmin_percent_done=1\ntracks=[]").is_err());
    }
}
