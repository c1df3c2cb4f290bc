//! The national rollout in ten tracks (issue 15 §2): the milestones (shipped as data,
//! edited by the ministry), each province's status per milestone — declared by its
//! secretariat or the ministry, or measured by the system with the day it became true —
//! the provinces late on a track and those that earn the label of excellence.

use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::access::Role;
use awladna_domain::forms::{Problem, local_zone};
use awladna_domain::rollout::{
    DeclarationInput, Measure, MilestoneInput, Status, Tracks, earns_label, is_late, percent_done,
    track_status,
};
use jiff::civil::Date;
use serde_json::json;
use std::collections::BTreeMap;

/// The tracks as shipped, with the ministry's edits; each milestone's edit version.
pub async fn tracks(core: &Core) -> Result<(Tracks, BTreeMap<String, i64>), CoreError> {
    let mut tracks =
        Tracks::shipped().map_err(|_| CoreError::field("tracks", Problem::UnknownCode))?;
    let mut versions = BTreeMap::new();
    for e in core.store.milestone_edits().await? {
        if let Some(m) = tracks.milestone_mut(&e.code) {
            m.title_ar = e.title_ar;
            m.title_fr = e.title_fr;
            m.month = u32::try_from(e.month).unwrap_or(1);
            versions.insert(e.code, e.version);
        }
    }
    Ok((tracks, versions))
}

fn local_day(ms: i64) -> Option<Date> {
    jiff::Timestamp::from_millisecond(ms)
        .ok()
        .map(|t| t.to_zoned(local_zone()).date())
}

/// Where a measure stands in one province: the day it became true, or not yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measured {
    Since(Date),
    NotYet,
}

/// Every province's measured milestones: the day each became true.
pub struct Measures {
    since: BTreeMap<(String, &'static str), Date>,
}

/// The directory counts as filled in once this many of the province's organisations are
/// described with their services (our choice: the centre, health and justice at least).
pub const DIRECTORY_FILLED: usize = 3;

impl Measures {
    pub async fn read(core: &Core) -> Result<Measures, CoreError> {
        let mut since = BTreeMap::new();
        for (t, at) in core.store.first_approved_minutes().await? {
            if let Some(d) = local_day(at) {
                since.insert((t, Measure::CommitteeMet.code()), d);
            }
        }
        for (t, first_user, first_case) in core.store.centre_activity().await? {
            if let (Some(u), Some(c)) = (first_user, first_case)
                && let Some(d) = local_day(u.max(c))
            {
                since.insert((t, Measure::CentreActive.code()), d);
            }
        }
        let mut entries: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for (t, at) in core.store.directory_fill().await? {
            entries.entry(t).or_default().push(at);
        }
        for (t, mut list) in entries {
            list.sort_unstable();
            if let Some(d) = list.get(DIRECTORY_FILLED - 1).and_then(|at| local_day(*at)) {
                since.insert((t, Measure::DirectoryFilled.code()), d);
            }
        }
        for (t, at) in core.store.first_plan_approvals().await? {
            if let Some(d) = local_day(at) {
                since.insert((t, Measure::PlanApproved.code()), d);
            }
        }
        for (t, at) in core.store.first_half_yearly().await? {
            if let Some(d) = local_day(at) {
                since.insert((t, Measure::ReportSubmitted.code()), d);
            }
        }
        for (t, day) in crate::training::first_trained(core).await? {
            if let Ok(d) = day.parse() {
                since.insert((t, Measure::StaffTrained.code()), d);
            }
        }
        Ok(Measures { since })
    }

    pub fn of(&self, territory: &str, measure: Measure) -> Measured {
        self.since
            .get(&(territory.to_owned(), measure.code()))
            .map_or(Measured::NotYet, |d| Measured::Since(*d))
    }
}

/// One province's one milestone.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Cell {
    pub milestone: String,
    pub status: Status,
    pub on: Option<String>,
    pub evidence: String,
    /// Measured by the system (not declared).
    pub measured: bool,
    pub planned: Option<String>,
    pub late: bool,
    /// The declaration's version (None: never declared).
    pub version: Option<i64>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ProvinceRow {
    pub territory: String,
    pub wave: Option<u8>,
    /// Track code → its status, and its milestones.
    pub tracks: Vec<(String, Status, Vec<Cell>)>,
    pub percent_done: u32,
    pub label: bool,
}

impl ProvinceRow {
    pub fn late_tracks(&self) -> Vec<&str> {
        self.tracks
            .iter()
            .filter(|(_, _, cells)| cells.iter().any(|c| c.late))
            .map(|(t, _, _)| t.as_str())
            .collect()
    }

    pub fn cell(&self, milestone: &str) -> Option<&Cell> {
        self.tracks
            .iter()
            .flat_map(|(_, _, c)| c.iter())
            .find(|c| c.milestone == milestone)
    }
}

pub struct Board {
    pub tracks: Tracks,
    pub versions: BTreeMap<String, i64>,
    pub rows: Vec<ProvinceRow>,
}

/// The rollout of every province in the caller's reach (a province's people: theirs).
pub async fn board(
    core: &Core,
    permit: &Permit<act::ReadRollout>,
    today: Date,
) -> Result<Board, CoreError> {
    let (tracks, versions) = tracks(core).await?;
    let measures = Measures::read(core).await?;
    let own = permit.actor().territory.clone();
    let mut declared: BTreeMap<(String, String), awladna_store::rollout::StatusRecord> =
        BTreeMap::new();
    for s in core.store.rollout_statuses(own.as_deref()).await? {
        declared.insert((s.territory.clone(), s.milestone.clone()), s);
    }
    let mut rows = Vec::new();
    for p in core
        .reference
        .territories()
        .iter()
        .filter(|p| p.kind.hosts_mechanism() && own.as_deref().is_none_or(|o| o == p.code))
    {
        let mut all = Vec::new();
        let mut row_tracks = Vec::new();
        for track in &tracks.tracks {
            let mut cells = Vec::new();
            for m in &track.milestones {
                let planned = tracks.planned(p.wave, m);
                let d = declared.get(&(p.code.clone(), m.code.clone()));
                let (status, on, evidence) = match m.measure {
                    Some(measure) => match measures.of(&p.code, measure) {
                        Measured::Since(day) => {
                            (Status::Done, Some(day.to_string()), String::new())
                        }
                        Measured::NotYet => (Status::NotStarted, None, String::new()),
                    },
                    None => match d {
                        Some(d) => (
                            d.status.parse().unwrap_or(Status::NotStarted),
                            d.reached_on.clone(),
                            d.evidence.clone(),
                        ),
                        None => (Status::NotStarted, None, String::new()),
                    },
                };
                all.push(status);
                cells.push(Cell {
                    milestone: m.code.clone(),
                    status,
                    on,
                    evidence,
                    measured: m.measure.is_some(),
                    late: is_late(status, planned, today),
                    planned: planned.map(|d| d.to_string()),
                    version: d.map(|d| d.version),
                });
            }
            let statuses: Vec<Status> = cells.iter().map(|c| c.status).collect();
            row_tracks.push((track.code.clone(), track_status(&statuses), cells));
        }
        let percent = percent_done(&all);
        let mut row = ProvinceRow {
            territory: p.code.clone(),
            wave: p.wave,
            tracks: row_tracks,
            percent_done: percent,
            label: false,
        };
        let done = |code: &str| row.cell(code).is_some_and(|c| c.status == Status::Done);
        row.label = earns_label(&tracks.excellence, &done, percent);
        rows.push(row);
    }
    Ok(Board {
        tracks,
        versions,
        rows,
    })
}

/// Declares a province's status of a milestone. A measured milestone is not declared.
pub async fn declare(
    core: &Core,
    permit: &Permit<act::KeepRollout>,
    territory: &str,
    milestone: &str,
    input: &DeclarationInput,
    version: Option<i64>,
) -> Result<(), CoreError> {
    match core.reference.territory(territory) {
        Some(p) if p.kind.hosts_mechanism() => {}
        _ => return Err(CoreError::NotFound),
    }
    permit.on(territory)?;
    let (tracks, _) = tracks(core).await?;
    let m = tracks
        .milestones()
        .find(|m| m.code == milestone)
        .ok_or(CoreError::NotFound)?;
    if m.measure.is_some() {
        return Err(CoreError::field("status", Problem::NotShareable));
    }
    let today = core.clock.now().to_zoned(local_zone()).date();
    let d = input.check(today).map_err(CoreError::Invalid)?;
    let who = permit.who();
    let now = core.now_ms();
    let on = d.on.map(|d| d.to_string());
    let mut tx = core.store.begin().await?;
    if !tx
        .put_rollout_status(
            territory,
            milestone,
            (d.status.code(), on.as_deref(), &d.evidence),
            version,
            &who.audit_name,
            now,
        )
        .await?
    {
        return Err(CoreError::Stale);
    }
    tx.audit(who.audit(
        now,
        "rollout.status_declared",
        ("rollout_milestone", milestone),
        territory,
        json!({"status": d.status.code()}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Edits a milestone's titles and planned month: the ministry's alone.
pub async fn edit_milestone(
    core: &Core,
    permit: &Permit<act::KeepRollout>,
    milestone: &str,
    input: &MilestoneInput,
    version: Option<i64>,
) -> Result<(), CoreError> {
    if !permit.actor().has(Role::NationalAnalyst) {
        return Err(CoreError::Forbidden);
    }
    let (tracks, _) = tracks(core).await?;
    if !tracks.milestones().any(|m| m.code == milestone) {
        return Err(CoreError::NotFound);
    }
    let (ar, fr, month) = input.check().map_err(CoreError::Invalid)?;
    let who = permit.who();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    if !tx
        .put_milestone(
            milestone,
            (&ar, &fr, i64::from(month)),
            version,
            &who.audit_name,
            now,
        )
        .await?
    {
        return Err(CoreError::Stale);
    }
    tx.audit(who.audit(
        now,
        "rollout.milestone_edited",
        ("rollout_milestone", milestone),
        "",
        json!({"month": month}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}
