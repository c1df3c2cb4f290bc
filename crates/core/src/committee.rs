//! The provincial committee's work (SPEC.md §1, §5): the secretariat keeps its members
//! and expert team, prepares and convenes meetings, records attendance and drafts the
//! minutes; the chair approves them, which freezes the meeting; the technical cell
//! follows the decisions up. Nothing here reads a child's identity.

use crate::permit::act;
use crate::{Act, Core, CoreError, Permit};
use awladna_domain::access::{Action, Actor, Decision, Role, decide};
use awladna_domain::committee::{
    Attendance, DecisionStatus, ItemKind, MAX_LONG, MAX_SHORT, MeetingKind, MeetingStatus,
    MemberInput, Problems, default_quorum, has_quorum, is_overdue,
};
use awladna_domain::forms::{Problem, local_zone};
use awladna_store::audit::Tx;
use awladna_store::committee::{
    DecisionFilter, DecisionRecord, ItemRecord, MeetingRecord, MemberRecord, NoteRecord,
};
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::json;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum CommitteeError {
    #[error(transparent)]
    Core(#[from] CoreError),
    /// The meeting's minutes are approved: it no longer changes.
    #[error("the minutes are approved and frozen")]
    Frozen,
    /// Not at this step: convening a meeting twice, approving minutes never convened.
    #[error("the meeting is not at this step")]
    WrongStep,
}

crate::wraps_core_error!(CommitteeError);

fn invalid(errors: Vec<awladna_domain::forms::FieldError>) -> CommitteeError {
    CommitteeError::Core(CoreError::Invalid(errors))
}

/// The province a committee page or call is about: the caller's own, or for a national
/// user, the one asked for.
pub fn province<A: Act>(
    core: &Core,
    permit: &Permit<A>,
    asked: Option<&str>,
) -> Result<String, CoreError> {
    let asked = asked.map(str::trim).filter(|a| !a.is_empty());
    let territory = match (&permit.actor().territory, asked) {
        (Some(own), None) => own.clone(),
        (_, Some(asked)) => asked.to_owned(),
        (None, None) => return Err(CoreError::NotFound),
    };
    match core.reference.territory(&territory) {
        Some(p) if p.kind.hosts_mechanism() => {}
        _ => return Err(CoreError::NotFound),
    }
    permit.on(&territory)?;
    Ok(territory)
}

/// The version a change was read at: every change names it (an older one is stale).
fn required(version: Option<i64>) -> Result<i64, CoreError> {
    version.ok_or_else(|| CoreError::field("version", Problem::Required))
}

fn today(core: &Core) -> Date {
    core.clock.now().to_zoned(local_zone()).date()
}

// ---- The committee and its people -------------------------------------------------

/// A province's committee: its current members and expert team, and its quorum.
pub struct Committee {
    pub territory: String,
    pub members: Vec<MemberRecord>,
    pub experts: Vec<MemberRecord>,
    /// Members who left, kept for the record.
    pub former: Vec<MemberRecord>,
    pub quorum: u32,
    /// The quorum's version; None when the province set none (the default applies).
    pub quorum_version: Option<i64>,
}

pub async fn committee(
    core: &Core,
    permit: &Permit<act::ReadCommittee>,
    territory: &str,
) -> Result<Committee, CoreError> {
    permit.on(territory)?;
    let all = core.store.committee_members(territory, true).await?;
    let (current, former): (Vec<_>, Vec<_>) = all.into_iter().partition(|m| m.ended_at.is_none());
    let (experts, members): (Vec<_>, Vec<_>) =
        current.into_iter().partition(|m| m.body == "experts");
    let stored = core.store.committee_quorum(territory).await?;
    let quorum = match stored {
        Some((q, _)) => u32::try_from(q).unwrap_or(u32::MAX),
        None => default_quorum(members.len()),
    };
    Ok(Committee {
        territory: territory.to_owned(),
        members,
        experts,
        former,
        quorum,
        quorum_version: stored.map(|(_, v)| v),
    })
}

fn sector_known(core: &Core) -> impl Fn(&str) -> bool + '_ {
    |code| {
        core.reference
            .vocabulary("sectors")
            .is_some_and(|v| v.terms.iter().any(|t| t.code == code))
    }
}

pub async fn add_member(
    core: &Core,
    permit: &Permit<act::KeepCommittee>,
    territory: &str,
    input: &MemberInput,
) -> Result<String, CommitteeError> {
    permit.on(territory)?;
    let member = input.check(sector_known(core)).map_err(invalid)?;
    let id = uuid::Uuid::now_v7().to_string();
    let who = permit.who();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    tx.insert_committee_member(&id, territory, &member, &who.audit_name, now)
        .await?;
    tx.audit(who.audit(
        now,
        "committee.member_added",
        ("committee_member", &id),
        territory,
        json!({"body": member.body, "seat": member.seat, "sector": member.sector}),
    ))
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn kept_member<A: Act>(
    core: &Core,
    permit: &Permit<A>,
    id: &str,
) -> Result<MemberRecord, CoreError> {
    let member = core
        .store
        .committee_member(id)
        .await?
        .ok_or(CoreError::NotFound)?;
    permit.on(&member.territory)?;
    Ok(member)
}

/// Changes a member (`input`) or ends their mandate (None), as last read at `version`.
/// The version before is kept in the member's history.
pub async fn change_member(
    core: &Core,
    permit: &Permit<act::KeepCommittee>,
    id: &str,
    input: Option<&MemberInput>,
    version: Option<i64>,
) -> Result<(), CommitteeError> {
    let before = kept_member(core, permit, id).await?;
    let version = required(version)?;
    let member = input
        .map(|i| i.check(sector_known(core)))
        .transpose()
        .map_err(invalid)?;
    let who = permit.who();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    if before.version != version
        || before.ended_at.is_some()
        || !tx
            .update_committee_member(&before, member.as_ref(), &who.audit_name, now)
            .await?
    {
        return Err(CoreError::Stale.into());
    }
    let action = if member.is_some() {
        "committee.member_changed"
    } else {
        "committee.member_ended"
    };
    tx.audit(who.audit(
        now,
        action,
        ("committee_member", id),
        &before.territory,
        json!({"version": version}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A member and their earlier versions (version, JSON, by, at).
pub async fn member(
    core: &Core,
    permit: &Permit<act::ReadCommittee>,
    id: &str,
) -> Result<(MemberRecord, Vec<(i64, String, String, i64)>), CoreError> {
    let member = kept_member(core, permit, id).await?;
    let history = core.store.committee_member_history(id).await?;
    Ok((member, history))
}

/// Sets the province's quorum: the seats that must be present or represented.
pub async fn set_quorum(
    core: &Core,
    permit: &Permit<act::KeepCommittee>,
    territory: &str,
    quorum: i64,
    version: Option<i64>,
) -> Result<(), CommitteeError> {
    permit.on(territory)?;
    if !(1..=200).contains(&quorum) {
        return Err(CoreError::field("quorum", Problem::OutOfRange { min: 1, max: 200 }).into());
    }
    let who = permit.who();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    if !tx
        .put_committee_quorum(territory, quorum, version, &who.audit_name, now)
        .await?
    {
        return Err(CoreError::Stale.into());
    }
    tx.audit(who.audit(
        now,
        "committee.quorum_set",
        ("territory", territory),
        territory,
        json!({"quorum": quorum}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- Meetings -----------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MeetingInput {
    pub kind: String,
    /// Local time, `YYYY-MM-DDTHH:MM` (what a `datetime-local` field sends).
    pub starts_at: String,
    pub place: String,
}

struct CheckedMeeting {
    kind: MeetingKind,
    starts_at: i64,
    place: String,
}

impl MeetingInput {
    fn check(&self) -> Result<CheckedMeeting, CommitteeError> {
        let mut p = Problems::default();
        let kind = p.code::<MeetingKind>("kind", &self.kind);
        let place = p.text("place", &self.place, MAX_SHORT, true);
        let starts_at = match self.starts_at.trim() {
            "" => {
                p.add("starts_at", Problem::Required);
                None
            }
            text => match text
                .parse::<jiff::civil::DateTime>()
                .ok()
                .and_then(|dt| dt.to_zoned(local_zone()).ok())
            {
                Some(z) => Some(z.timestamp().as_millisecond()),
                None => {
                    p.add("starts_at", Problem::NotADateTime);
                    None
                }
            },
        };
        p.finish().map_err(invalid)?;
        Ok(CheckedMeeting {
            kind: kind.unwrap_or(MeetingKind::Ordinary),
            starts_at: starts_at.unwrap_or_default(),
            place,
        })
    }
}

/// Drafts a meeting. When the province has open decisions, its agenda starts with the
/// item "follow-up of decisions", which lists them (they carry over until done).
pub async fn create_meeting(
    core: &Core,
    permit: &Permit<act::KeepCommittee>,
    territory: &str,
    input: &MeetingInput,
) -> Result<String, CommitteeError> {
    permit.on(territory)?;
    let m = input.check()?;
    let open = core
        .store
        .decisions(&DecisionFilter {
            territory: Some(territory),
            open_only: true,
            ..Default::default()
        })
        .await?;
    let id = uuid::Uuid::now_v7().to_string();
    let who = permit.who();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    tx.insert_meeting(
        &id,
        territory,
        m.kind.code(),
        m.starts_at,
        &m.place,
        &who.audit_name,
        now,
    )
    .await?;
    if !open.is_empty() {
        tx.insert_agenda_item(
            &uuid::Uuid::now_v7().to_string(),
            &id,
            ItemKind::FollowUp.code(),
            "",
            "",
        )
        .await?;
    }
    tx.audit(who.audit(
        now,
        "meeting.created",
        ("meeting", &id),
        territory,
        json!({"kind": m.kind, "open_decisions": open.len()}),
    ))
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn meeting_of<A: Act>(
    core: &Core,
    permit: &Permit<A>,
    id: &str,
) -> Result<MeetingRecord, CoreError> {
    let meeting = core.store.meeting(id).await?.ok_or(CoreError::NotFound)?;
    permit.on(&meeting.territory)?;
    Ok(meeting)
}

/// Raises the meeting's version in `tx` (moving it to `status` if given), or says why
/// not: frozen minutes, a stale version, or the wrong step.
async fn touch(
    tx: &mut Tx<'_>,
    meeting: &MeetingRecord,
    version: i64,
    status: Option<MeetingStatus>,
    by: &str,
    now: i64,
) -> Result<(), CommitteeError> {
    if meeting.status == MeetingStatus::Approved.code() {
        return Err(CommitteeError::Frozen);
    }
    if meeting.version != version {
        return Err(CoreError::Stale.into());
    }
    if tx
        .touch_meeting(
            &meeting.id,
            version,
            status.map(MeetingStatus::code),
            by,
            now,
        )
        .await?
    {
        return Ok(());
    }
    Err(if status.is_some() {
        CommitteeError::WrongStep
    } else {
        CoreError::Stale.into()
    })
}

/// Writes one change to a meeting: raises its version, lets `write` do its part, audits.
macro_rules! meeting_change {
    ($core:expr, $permit:expr, $meeting:expr, $version:expr, $status:expr, $action:expr, $detail:expr, |$tx:ident| $write:block) => {{
        let who = $permit.who();
        let now = $core.now_ms();
        let mut $tx = $core.store.begin().await?;
        touch(&mut $tx, &$meeting, $version, $status, &who.audit_name, now).await?;
        $write
        $tx.audit(who.audit(now, $action, ("meeting", &$meeting.id), &$meeting.territory, $detail))
            .await?;
        $tx.commit().await?;
        Ok(())
    }};
}

pub async fn update_meeting(
    core: &Core,
    permit: &Permit<act::KeepCommittee>,
    id: &str,
    input: &MeetingInput,
    version: Option<i64>,
) -> Result<(), CommitteeError> {
    let meeting = meeting_of(core, permit, id).await?;
    let version = required(version)?;
    let m = input.check()?;
    meeting_change!(
        core,
        permit,
        meeting,
        version,
        None,
        "meeting.changed",
        json!({"kind": m.kind}),
        |tx| {
            tx.update_meeting(id, m.kind.code(), m.starts_at, &m.place)
                .await?;
        }
    )
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ItemInput {
    pub kind: String,
    pub title: String,
    /// The documents attached, one reference per line.
    pub documents: String,
}

pub async fn add_item(
    core: &Core,
    permit: &Permit<act::KeepCommittee>,
    meeting_id: &str,
    input: &ItemInput,
    version: Option<i64>,
) -> Result<(), CommitteeError> {
    let meeting = meeting_of(core, permit, meeting_id).await?;
    let version = required(version)?;
    let mut p = Problems::default();
    let kind = p.code::<ItemKind>("kind", &input.kind);
    // The follow-up item is named by the application; any other needs its title.
    let titled = kind != Some(ItemKind::FollowUp);
    let title = p.text("title", &input.title, MAX_SHORT, titled);
    let documents = p.text("documents", &input.documents, MAX_LONG, false);
    p.finish().map_err(invalid)?;
    let kind = kind.unwrap_or(ItemKind::Information);
    meeting_change!(
        core,
        permit,
        meeting,
        version,
        None,
        "meeting.item_added",
        json!({"kind": kind}),
        |tx| {
            tx.insert_agenda_item(
                &uuid::Uuid::now_v7().to_string(),
                meeting_id,
                kind.code(),
                &title,
                &documents,
            )
            .await?;
        }
    )
}

/// Sends the convocation: the members see the meeting on their home page. Answers the
/// mail addresses of the people convened (the committee and its expert team), for the
/// web to mail them a link.
pub async fn convene(
    core: &Core,
    permit: &Permit<act::KeepCommittee>,
    meeting_id: &str,
    version: Option<i64>,
) -> Result<Vec<String>, CommitteeError> {
    let meeting = meeting_of(core, permit, meeting_id).await?;
    let version = required(version)?;
    if core.store.agenda(meeting_id).await?.is_empty() {
        return Err(CoreError::field("agenda", Problem::Required).into());
    }
    let done: Result<(), CommitteeError> = meeting_change!(
        core,
        permit,
        meeting,
        version,
        Some(MeetingStatus::Convened),
        "meeting.convened",
        json!({}),
        |tx| {}
    );
    done?;
    let members = core
        .store
        .committee_members(&meeting.territory, false)
        .await?;
    Ok(members.into_iter().filter_map(|m| m.email).collect())
}

#[derive(Debug, Clone, Deserialize)]
pub struct Presence {
    pub member: String,
    pub status: String,
}

/// Records who attended (every line given; the others stay as they were).
pub async fn record_attendance(
    core: &Core,
    permit: &Permit<act::KeepCommittee>,
    meeting_id: &str,
    lines: &[Presence],
    version: Option<i64>,
) -> Result<(), CommitteeError> {
    let meeting = meeting_of(core, permit, meeting_id).await?;
    let version = required(version)?;
    let members = core
        .store
        .committee_members(&meeting.territory, false)
        .await?;
    let mut p = Problems::default();
    let mut checked = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let status = p.code::<Attendance>(&format!("attendance.{i}.status"), &line.status);
        if !members.iter().any(|m| m.id == line.member.trim()) {
            p.add(&format!("attendance.{i}.member"), Problem::UnknownCode);
        }
        if let Some(status) = status {
            checked.push((line.member.trim().to_owned(), status));
        }
    }
    if lines.is_empty() {
        p.add("attendance", Problem::Required);
    }
    p.finish().map_err(invalid)?;
    if meeting.status == MeetingStatus::Draft.code() {
        return Err(CommitteeError::WrongStep);
    }
    meeting_change!(
        core,
        permit,
        meeting,
        version,
        None,
        "meeting.attendance",
        json!({"lines": checked.len()}),
        |tx| {
            for (member, status) in &checked {
                tx.set_attendance(meeting_id, member, status.code()).await?;
            }
        }
    )
}

/// The secretariat's draft minutes of one agenda item.
pub async fn write_minutes(
    core: &Core,
    permit: &Permit<act::KeepCommittee>,
    meeting_id: &str,
    item_id: &str,
    minutes: &str,
    version: Option<i64>,
) -> Result<(), CommitteeError> {
    let meeting = meeting_of(core, permit, meeting_id).await?;
    let version = required(version)?;
    let mut p = Problems::default();
    let minutes = p.text("minutes", minutes, MAX_LONG, false);
    p.finish().map_err(invalid)?;
    meeting_change!(
        core,
        permit,
        meeting,
        version,
        None,
        "meeting.minutes",
        json!({"item": item_id}),
        |tx| {
            if !tx.set_item_minutes(meeting_id, item_id, &minutes).await? {
                return Err(CoreError::NotFound.into());
            }
        }
    )
}

/// The chair approves the minutes: the meeting is frozen from then on.
pub async fn approve_minutes(
    core: &Core,
    permit: &Permit<act::ApproveMinutes>,
    meeting_id: &str,
    version: Option<i64>,
) -> Result<(), CommitteeError> {
    let meeting = meeting_of(core, permit, meeting_id).await?;
    let version = required(version)?;
    if core.store.attendance(meeting_id).await?.is_empty() {
        return Err(CoreError::field("attendance", Problem::Required).into());
    }
    meeting_change!(
        core,
        permit,
        meeting,
        version,
        Some(MeetingStatus::Approved),
        "meeting.minutes_approved",
        json!({}),
        |tx| {}
    )
}

/// A meeting with everything the committee's people read of it.
pub struct MeetingFile {
    pub meeting: MeetingRecord,
    pub items: Vec<ItemRecord>,
    /// Every current member (and any former one recorded), with their attendance.
    pub attendance: Vec<(MemberRecord, Option<Attendance>)>,
    pub decisions: Vec<DecisionLine>,
    /// The open decisions of the province, for the follow-up item.
    pub open_decisions: Vec<DecisionLine>,
    pub quorum: u32,
    pub attending: usize,
    pub has_quorum: bool,
}

pub async fn meeting(
    core: &Core,
    permit: &Permit<act::ReadCommittee>,
    id: &str,
) -> Result<MeetingFile, CoreError> {
    let meeting = meeting_of(core, permit, id).await?;
    let items = core.store.agenda(id).await?;
    let recorded = core.store.attendance(id).await?;
    let seats = committee(core, permit, &meeting.territory).await?;
    let mut attendance: Vec<(MemberRecord, Option<Attendance>)> = Vec::new();
    for m in seats.members.into_iter().chain(seats.experts).chain(
        seats
            .former
            .into_iter()
            .filter(|f| recorded.iter().any(|(id, _)| *id == f.id)),
    ) {
        let status = recorded
            .iter()
            .find(|(id, _)| *id == m.id)
            .and_then(|(_, s)| s.parse().ok());
        attendance.push((m, status));
    }
    let attending = attendance
        .iter()
        .filter(|(m, s)| m.body == "committee" && s.is_some_and(Attendance::counts))
        .count();
    let lines = |records: Vec<DecisionRecord>| {
        let today = today(core);
        records
            .into_iter()
            .map(|r| DecisionLine::of(r, today))
            .collect()
    };
    let decisions = lines(
        core.store
            .decisions(&DecisionFilter {
                meeting: Some(id),
                ..Default::default()
            })
            .await?,
    );
    let open_decisions = if items.iter().any(|i| i.kind == ItemKind::FollowUp.code()) {
        let open = core
            .store
            .decisions(&DecisionFilter {
                territory: Some(&meeting.territory),
                open_only: true,
                ..Default::default()
            })
            .await?;
        lines(open.into_iter().filter(|d| d.meeting_id != id).collect())
    } else {
        Vec::new()
    };
    Ok(MeetingFile {
        has_quorum: has_quorum(attending, seats.quorum),
        quorum: seats.quorum,
        attending,
        meeting,
        items,
        attendance,
        decisions,
        open_decisions,
    })
}

pub async fn meetings(
    core: &Core,
    permit: &Permit<act::ReadCommittee>,
    territory: &str,
) -> Result<Vec<MeetingRecord>, CoreError> {
    permit.on(territory)?;
    Ok(core.store.meetings(territory).await?)
}

// ---- Decisions ----------------------------------------------------------------------

/// A decision as lists show it, with whether it is overdue today.
#[derive(Debug, Clone)]
pub struct DecisionLine {
    pub record: DecisionRecord,
    pub overdue: bool,
}

impl DecisionLine {
    fn of(record: DecisionRecord, today: Date) -> DecisionLine {
        let overdue = match (
            record.status.parse::<DecisionStatus>(),
            record.deadline.parse::<Date>(),
        ) {
            (Ok(status), Ok(deadline)) => is_overdue(status, deadline, today),
            _ => false,
        };
        DecisionLine { record, overdue }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DecisionInput {
    pub text: String,
    /// The code of the organisation that carries it out.
    pub owner: String,
    /// YYYY-MM-DD
    pub deadline: String,
    pub expected_result: String,
}

/// Records a decision of a meeting (before its minutes are approved).
pub async fn add_decision(
    core: &Core,
    permit: &Permit<act::KeepCommittee>,
    meeting_id: &str,
    input: &DecisionInput,
    version: Option<i64>,
) -> Result<String, CommitteeError> {
    let meeting = meeting_of(core, permit, meeting_id).await?;
    let version = required(version)?;
    let mut p = Problems::default();
    let text = p.text("text", &input.text, MAX_LONG, true);
    let deadline = p.date("deadline", &input.deadline, true);
    let expected = p.text("expected_result", &input.expected_result, MAX_LONG, true);
    let owner = input.owner.trim();
    let known = match owner {
        "" => {
            p.add("owner", Problem::Required);
            false
        }
        code => core
            .store
            .organisation(code)
            .await?
            .is_some_and(|o| o.territory.as_deref() == Some(meeting.territory.as_str())),
    };
    if !owner.is_empty() && !known {
        p.add("owner", Problem::UnknownCode);
    }
    p.finish().map_err(invalid)?;
    let deadline = deadline.map(|d| d.to_string()).unwrap_or_default();
    let id = uuid::Uuid::now_v7().to_string();
    let decision_id = id.clone();
    let result: Result<(), CommitteeError> = meeting_change!(
        core,
        permit,
        meeting,
        version,
        None,
        "decision.recorded",
        json!({"decision": id, "owner": owner}),
        |tx| {
            let by = permit.who().audit_name.clone();
            tx.insert_decision(
                &decision_id,
                &meeting.territory,
                meeting_id,
                &text,
                owner,
                &deadline,
                &expected,
                &by,
                core.now_ms(),
            )
            .await?;
        }
    );
    result.map(|()| id)
}

async fn decision_of<A: Act>(
    core: &Core,
    permit: &Permit<A>,
    id: &str,
) -> Result<DecisionRecord, CoreError> {
    let decision = core.store.decision(id).await?.ok_or(CoreError::NotFound)?;
    permit.on(&decision.territory)?;
    Ok(decision)
}

/// A decision with its progress notes.
pub async fn decision(
    core: &Core,
    permit: &Permit<act::ReadCommittee>,
    id: &str,
) -> Result<(DecisionLine, Vec<NoteRecord>), CoreError> {
    let record = decision_of(core, permit, id).await?;
    let notes = core.store.decision_notes(id).await?;
    Ok((DecisionLine::of(record, today(core)), notes))
}

/// A province's decisions; only the overdue ones when asked.
pub async fn decisions(
    core: &Core,
    permit: &Permit<act::ReadCommittee>,
    territory: &str,
    overdue_only: bool,
) -> Result<Vec<DecisionLine>, CoreError> {
    permit.on(territory)?;
    let today = today(core);
    let day = today.to_string();
    let records = core
        .store
        .decisions(&DecisionFilter {
            territory: Some(territory),
            deadline_before: overdue_only.then_some(day.as_str()),
            ..Default::default()
        })
        .await?;
    Ok(records
        .into_iter()
        .map(|r| DecisionLine::of(r, today))
        .collect())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FollowUp {
    /// A new status, if it changes.
    pub status: String,
    /// Why it is dropped (required then).
    pub reason: String,
    /// A progress note, if any.
    pub note: String,
    /// Percent done, 0–100.
    pub progress: Option<i64>,
    pub version: Option<i64>,
}

/// Records progress on a decision: a note, and or a new status (dropped needs a reason).
pub async fn follow_up(
    core: &Core,
    permit: &Permit<act::FollowDecisions>,
    id: &str,
    input: &FollowUp,
) -> Result<(), CommitteeError> {
    let decision = decision_of(core, permit, id).await?;
    let mut p = Problems::default();
    let status = match input.status.trim() {
        "" => None,
        s => p.code::<DecisionStatus>("status", s),
    };
    let reason = p.text(
        "reason",
        &input.reason,
        MAX_LONG,
        status == Some(DecisionStatus::Dropped),
    );
    let note = p.text("note", &input.note, MAX_LONG, status.is_none());
    if let Some(progress) = input.progress
        && !(0..=100).contains(&progress)
    {
        p.add("progress", Problem::OutOfRange { min: 0, max: 100 });
    }
    if status.is_some() && input.version.is_none() {
        p.add("version", Problem::Required);
    }
    p.finish().map_err(invalid)?;
    let who = permit.who();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    if let (Some(status), Some(version)) = (status, input.version) {
        let reason = (status == DecisionStatus::Dropped).then_some(reason.as_str());
        if !tx
            .set_decision_status(id, status.code(), reason, version, &who.audit_name, now)
            .await?
        {
            return Err(CoreError::Stale.into());
        }
    }
    if !note.is_empty() {
        tx.insert_decision_note(
            &uuid::Uuid::now_v7().to_string(),
            id,
            &note,
            input.progress,
            &who.audit_name,
            now,
        )
        .await?;
    }
    tx.audit(who.audit(
        now,
        "decision.followed_up",
        ("decision", id),
        &decision.territory,
        json!({"status": status, "note": !note.is_empty(), "progress": input.progress}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- The home page ------------------------------------------------------------------

/// What the committee's people see first: the meetings they are convened to and, for
/// those who follow decisions up, how many are overdue.
pub struct HomePanel {
    pub upcoming: Vec<MeetingRecord>,
    pub overdue: Option<usize>,
}

pub async fn home_panel(core: &Core, actor: &Actor) -> Result<Option<HomePanel>, CoreError> {
    let Some(territory) = actor.territory.as_deref() else {
        return Ok(None);
    };
    if actor.token_scope.is_some()
        || decide(Some(actor), Action::ReadCommittee, Some(territory)) != Decision::Allow
    {
        return Ok(None);
    }
    let upcoming = core
        .store
        .upcoming_meetings(territory, core.now_ms() - 24 * 3600 * 1000)
        .await?;
    let watches = [
        Role::Secretariat,
        Role::CommitteeChair,
        Role::TechnicalOfficer,
    ]
    .iter()
    .any(|r| actor.has(*r));
    let overdue = if watches {
        let day = today(core).to_string();
        Some(
            core.store
                .decisions(&DecisionFilter {
                    territory: Some(territory),
                    deadline_before: Some(&day),
                    ..Default::default()
                })
                .await?
                .len(),
        )
    } else {
        None
    };
    Ok(Some(HomePanel { upcoming, overdue }))
}
