//! The committee's pages: the committee (members, expert team, quorum, meetings), a
//! meeting (agenda, convocation, attendance, minutes, decisions, approval) and the
//! decisions to follow up. A form refused for its input comes back with what was typed
//! and the problems beside it; a stale or frozen one says so.

use super::{DecisionView, MeetingLine, Scope};
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::forms::territory_name;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::times::local_time;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::committee::{
    self as use_case, CommitteeError, DecisionInput, FollowUp, ItemInput, MeetingInput, Presence,
    province,
};
use awladna_core::{Act, CoreError, Permit, act};
use awladna_domain::access::{Action, Decision, decide};
use awladna_domain::committee::{Attendance, DecisionStatus, ItemKind, MeetingKind, MemberInput};
use awladna_domain::forms::FieldError;
use awladna_store::committee::MemberRecord;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// A code and its label, for a select.
pub struct Choice {
    pub value: String,
    pub label: String,
}

fn choices<T: Copy>(t: Tr, all: &[T], code: fn(T) -> &'static str, prefix: &str) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: code(*v).to_owned(),
            label: t.get(&format!("{prefix}-{}", code(*v))),
        })
        .collect()
}

/// The problems of a refused form, each with its field's label.
fn problems(t: Tr, errors: &[FieldError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            let field = e.field.split('.').next().unwrap_or(&e.field);
            format!(
                "{}: {}",
                t.get(&format!("committee-field-{field}")),
                t.with(e.problem.message_id(), &e.problem.arguments())
            )
        })
        .collect()
}

/// A refused input comes back to its page (with the reader's permit to show it, and the
/// problems in the user's language); any other refusal is answered as itself.
#[allow(clippy::type_complexity)]
fn refused_input<A: Act, T>(
    permit: &Permit<A>,
    t: Tr,
    result: Result<T, CommitteeError>,
) -> Result<Result<T, (Permit<act::ReadCommittee>, Vec<String>)>, AppError> {
    match result {
        Ok(v) => Ok(Ok(v)),
        Err(CommitteeError::Core(CoreError::Invalid(errors))) => {
            Ok(Err((permit.also()?, problems(t, &errors))))
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether the caller may do `action` in `territory`.
fn may<A: Act>(permit: &Permit<A>, action: Action, territory: &str) -> bool {
    decide(Some(permit.actor()), action, Some(territory)) == Decision::Allow
}

fn version(text: &str) -> Option<i64> {
    text.trim().parse().ok()
}

fn province_label(state: &AppState, t: Tr, code: &str) -> String {
    state
        .reference
        .territory(code)
        .map(|p| territory_name(t, &p.name_ar, &p.name_fr))
        .unwrap_or_else(|| code.to_owned())
}

// ---- The committee ------------------------------------------------------------------

pub struct MemberLine {
    pub id: String,
    pub name: String,
    pub title: String,
    pub seat: String,
    pub sector: String,
    pub organisation: String,
    pub field: String,
    pub substitute: String,
    pub mandate: String,
    pub contact: String,
    pub version: i64,
    /// The member as its edit form shows it: stored, or as typed when refused.
    pub input: MemberInput,
}

impl MemberLine {
    fn of(state: &AppState, t: Tr, m: &MemberRecord) -> MemberLine {
        let mandate = match (&m.mandate_from, &m.mandate_to) {
            (None, None) => String::new(),
            (from, to) => format!(
                "{} – {}",
                from.as_deref().unwrap_or("…"),
                to.as_deref().unwrap_or("…")
            ),
        };
        MemberLine {
            id: m.id.clone(),
            name: m.full_name.clone(),
            title: m.title.clone(),
            seat: t.get(&format!("committee-seat-{}", m.seat)),
            sector: state.label(t, "sectors", &m.sector),
            organisation: m.organisation.clone(),
            field: m.field.clone(),
            substitute: m.substitute.clone(),
            mandate,
            contact: [m.phone.as_deref(), m.email.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
            version: m.version,
            input: MemberInput {
                body: m.body.clone(),
                seat: m.seat.clone(),
                full_name: m.full_name.clone(),
                title: m.title.clone(),
                sector: m.sector.clone(),
                organisation: m.organisation.clone(),
                field: m.field.clone(),
                email: m.email.clone().unwrap_or_default(),
                phone: m.phone.clone().unwrap_or_default(),
                substitute: m.substitute.clone(),
                mandate_from: m.mandate_from.clone().unwrap_or_default(),
                mandate_to: m.mandate_to.clone().unwrap_or_default(),
            },
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "committee.html")]
pub struct CommitteePage {
    shell: Shell,
    territory: String,
    territory_name: String,
    members: Vec<MemberLine>,
    experts: Vec<MemberLine>,
    former: Vec<MemberLine>,
    quorum: u32,
    quorum_text: String,
    quorum_version: String,
    meetings: Vec<MeetingLine>,
    can_keep: bool,
    errors: Vec<String>,
    member_form: MemberInput,
    meeting_form: MeetingInput,
    bodies: Vec<Choice>,
    seats: Vec<Choice>,
    sectors: Vec<Choice>,
    kinds: Vec<Choice>,
}

/// What a refused form of the committee page had typed, to show it again.
#[derive(Default)]
struct TypedCommittee {
    errors: Vec<String>,
    member: MemberInput,
    meeting: MeetingInput,
    /// A member whose change was refused, as typed.
    editing: Option<(String, MemberInput)>,
}

async fn committee_page(
    state: &AppState,
    shell: Shell,
    permit: &Permit<act::ReadCommittee>,
    territory: &str,
    typed: TypedCommittee,
) -> Result<CommitteePage, AppError> {
    let t = shell.t;
    let c = use_case::committee(state, permit, territory).await?;
    let meetings = use_case::meetings(state, permit, territory).await?;
    let TypedCommittee {
        errors,
        member: member_form,
        meeting: meeting_form,
        mut editing,
    } = typed;
    let mut lines = |list: &[MemberRecord]| -> Vec<MemberLine> {
        list.iter()
            .map(|m| {
                let mut line = MemberLine::of(state, t, m);
                if let Some((_, input)) = editing.take_if(|(id, _)| *id == m.id) {
                    line.input = input;
                }
                line
            })
            .collect()
    };
    let sectors = state
        .reference
        .vocabulary("sectors")
        .map(|v| {
            v.terms
                .iter()
                .map(|term| Choice {
                    value: term.code.clone(),
                    label: term.labels.get(t.lang).to_owned(),
                })
                .collect()
        })
        .unwrap_or_default();
    use awladna_domain::committee::{Body, Seat};
    Ok(CommitteePage {
        territory_name: province_label(state, t, territory),
        territory: territory.to_owned(),
        members: lines(&c.members),
        experts: lines(&c.experts),
        former: lines(&c.former),
        quorum: c.quorum,
        quorum_text: t.with("committee-quorum-is", &[("quorum", i64::from(c.quorum))]),
        quorum_version: c.quorum_version.map(|v| v.to_string()).unwrap_or_default(),
        meetings: meetings.iter().map(|m| MeetingLine::of(t, m)).collect(),
        can_keep: may(permit, Action::KeepCommittee, territory),
        errors,
        member_form,
        meeting_form,
        bodies: choices(t, Body::ALL, Body::code, "committee-body"),
        seats: choices(t, Seat::ALL, Seat::code, "committee-seat"),
        sectors,
        kinds: choices(t, MeetingKind::ALL, MeetingKind::code, "meeting-kind"),
        shell,
    })
}

pub async fn committee(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadCommittee>,
    Query(scope): Query<Scope>,
) -> Result<Response, AppError> {
    if let Some(choose) = choose_province(&state, &shell, &permit, &scope, "/committee") {
        return Ok(choose);
    }
    let territory = province(&state, &permit, scope.territory.as_deref())?;
    Ok(committee_page(
        &state,
        shell,
        &permit,
        &territory,
        TypedCommittee::default(),
    )
    .await?
    .into_response())
}

/// A committee is a province's: a national user who named none chooses one first.
#[derive(Template, WebTemplate)]
#[template(path = "committee_choose.html")]
pub struct ChooseProvincePage {
    shell: Shell,
    picker_action: &'static str,
    provinces: Vec<crate::forms::GroupView>,
}

fn choose_province<A: Act>(
    state: &AppState,
    shell: &Shell,
    permit: &Permit<A>,
    scope: &Scope,
    picker_action: &'static str,
) -> Option<Response> {
    let named = scope
        .territory
        .as_deref()
        .is_some_and(|t| !t.trim().is_empty());
    if named || permit.actor().territory.is_some() {
        return None;
    }
    Some(
        ChooseProvincePage {
            provinces: crate::forms::territory_groups(shell.t, &state.reference, ""),
            shell: shell.clone(),
            picker_action,
        }
        .into_response(),
    )
}

fn back_to_committee(territory: &str, own: Option<&str>) -> Redirect {
    if own == Some(territory) {
        Redirect::to("/committee")
    } else {
        Redirect::to(&format!("/committee?territory={territory}"))
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MemberForm {
    territory: String,
    #[serde(flatten)]
    member: MemberInput,
}

pub async fn add_member(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::KeepCommittee>,
    axum::Form(form): axum::Form<MemberForm>,
) -> Result<Response, AppError> {
    let territory = province(&state, &permit, Some(&form.territory))?;
    match refused_input(
        &permit,
        shell.t,
        use_case::add_member(&state, &permit, &territory, &form.member).await,
    )? {
        Ok(_) => {
            Ok(back_to_committee(&territory, permit.actor().territory.as_deref()).into_response())
        }
        Err((reader, errors)) => {
            let shell = shell.at("/committee");
            Ok(committee_page(
                &state,
                shell,
                &reader,
                &territory,
                TypedCommittee {
                    errors,
                    member: form.member,
                    ..Default::default()
                },
            )
            .await?
            .into_response())
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChangeMemberForm {
    #[serde(rename = "_version")]
    version: String,
    #[serde(flatten)]
    member: MemberInput,
}

pub async fn change_member(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::KeepCommittee>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<ChangeMemberForm>,
) -> Result<Response, AppError> {
    let changed = use_case::change_member(
        &state,
        &permit,
        &id,
        Some(&form.member),
        version(&form.version),
    )
    .await;
    match refused_input(&permit, shell.t, changed)? {
        Ok(()) => Ok(Redirect::to("/committee").into_response()),
        Err((reader, errors)) => {
            let (member, _) = use_case::member(&state, &reader, &id).await?;
            let shell = shell.at("/committee");
            let typed = TypedCommittee {
                errors,
                editing: Some((id, form.member)),
                ..Default::default()
            };
            Ok(
                committee_page(&state, shell, &reader, &member.territory, typed)
                    .await?
                    .into_response(),
            )
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VersionForm {
    #[serde(rename = "_version")]
    version: String,
}

pub async fn end_member(
    State(state): State<AppState>,
    Guard(permit): Guard<act::KeepCommittee>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<VersionForm>,
) -> Result<Redirect, AppError> {
    use_case::change_member(&state, &permit, &id, None, version(&form.version)).await?;
    Ok(Redirect::to("/committee"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QuorumForm {
    territory: String,
    quorum: String,
    #[serde(rename = "_version")]
    version: String,
}

pub async fn quorum(
    State(state): State<AppState>,
    Guard(permit): Guard<act::KeepCommittee>,
    axum::Form(form): axum::Form<QuorumForm>,
) -> Result<Redirect, AppError> {
    let territory = province(&state, &permit, Some(&form.territory))?;
    let quorum = form.quorum.trim().parse().unwrap_or(-1);
    use_case::set_quorum(&state, &permit, &territory, quorum, version(&form.version)).await?;
    Ok(back_to_committee(
        &territory,
        permit.actor().territory.as_deref(),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewMeetingForm {
    territory: String,
    #[serde(flatten)]
    meeting: MeetingInput,
}

pub async fn create_meeting(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::KeepCommittee>,
    axum::Form(form): axum::Form<NewMeetingForm>,
) -> Result<Response, AppError> {
    let territory = province(&state, &permit, Some(&form.territory))?;
    match refused_input(
        &permit,
        shell.t,
        use_case::create_meeting(&state, &permit, &territory, &form.meeting).await,
    )? {
        Ok(id) => Ok(Redirect::to(&format!("/meetings/{id}")).into_response()),
        Err((reader, errors)) => {
            let shell = shell.at("/committee");
            Ok(committee_page(
                &state,
                shell,
                &reader,
                &territory,
                TypedCommittee {
                    errors,
                    meeting: form.meeting,
                    ..Default::default()
                },
            )
            .await?
            .into_response())
        }
    }
}

/// "8 of the 8 seats needed are present or represented."
pub fn quorum_line(t: Tr, file: &awladna_core::committee::MeetingFile) -> String {
    t.with(
        "meeting-quorum-line",
        &[
            ("attending", i64::try_from(file.attending).unwrap_or(0)),
            ("quorum", i64::from(file.quorum)),
        ],
    )
}

// ---- A meeting ----------------------------------------------------------------------

pub struct ItemView {
    pub id: String,
    pub number: i64,
    pub kind: String,
    pub follow_up: bool,
    pub title: String,
    pub documents: Vec<String>,
    pub minutes: String,
}

pub struct PresenceView {
    pub member: String,
    pub name: String,
    pub organisation: String,
    pub expert: bool,
    pub status: String,
    pub status_label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "meeting.html")]
pub struct MeetingPage {
    shell: Shell,
    meeting: MeetingLine,
    version: i64,
    territory_name: String,
    items: Vec<ItemView>,
    presence: Vec<PresenceView>,
    quorum_line: String,
    has_quorum: bool,
    decisions: Vec<DecisionView>,
    open_decisions: Vec<DecisionView>,
    can_keep: bool,
    can_approve: bool,
    frozen: bool,
    draft: bool,
    errors: Vec<String>,
    item_form: ItemInput,
    decision_form: DecisionInput,
    /// The item whose minutes were refused, with what was typed.
    minutes_draft: Option<(String, String)>,
    item_kinds: Vec<Choice>,
    presences: Vec<Choice>,
    owners: Vec<Choice>,
}

#[derive(Default)]
struct Typed {
    errors: Vec<String>,
    item: ItemInput,
    decision: DecisionInput,
    minutes: Option<(String, String)>,
}

async fn meeting_page(
    state: &AppState,
    shell: Shell,
    permit: &Permit<act::ReadCommittee>,
    id: &str,
    typed: Typed,
) -> Result<MeetingPage, AppError> {
    let t = shell.t;
    let file = use_case::meeting(state, permit, id).await?;
    let m = &file.meeting;
    let items = file
        .items
        .iter()
        .map(|i| {
            let follow_up = i.kind == ItemKind::FollowUp.code();
            ItemView {
                id: i.id.clone(),
                number: i.position,
                kind: t.get(&format!("agenda-kind-{}", i.kind)),
                follow_up,
                title: if i.title.is_empty() && follow_up {
                    t.get("agenda-follow-up-title")
                } else {
                    i.title.clone()
                },
                documents: i
                    .documents
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect(),
                minutes: i.minutes.clone(),
            }
        })
        .collect();
    let presence = file
        .attendance
        .iter()
        .map(|(member, status)| PresenceView {
            member: member.id.clone(),
            name: member.full_name.clone(),
            organisation: member.organisation.clone(),
            expert: member.body == "experts",
            status: status.map(|s| s.code().to_owned()).unwrap_or_default(),
            status_label: status
                .map(|s| t.get(&s.message_id()))
                .unwrap_or_else(|| t.get("attendance-unknown")),
        })
        .collect();
    let owners = state
        .store
        .organisations(Some(&m.territory))
        .await?
        .into_iter()
        .map(|o| Choice {
            value: o.code,
            label: o.name,
        })
        .collect();
    let status: Option<awladna_domain::committee::MeetingStatus> = m.status.parse().ok();
    Ok(MeetingPage {
        meeting: MeetingLine::of(t, m),
        version: m.version,
        territory_name: province_label(state, t, &m.territory),
        items,
        presence,
        quorum_line: quorum_line(t, &file),
        has_quorum: file.has_quorum,
        decisions: DecisionView::all(t, &file.decisions),
        open_decisions: DecisionView::all(t, &file.open_decisions),
        can_keep: may(permit, Action::KeepCommittee, &m.territory),
        can_approve: may(permit, Action::ApproveMinutes, &m.territory),
        frozen: status.is_some_and(|s| s.is_frozen()),
        draft: status == Some(awladna_domain::committee::MeetingStatus::Draft),
        errors: typed.errors,
        item_form: typed.item,
        decision_form: typed.decision,
        minutes_draft: typed.minutes,
        item_kinds: choices(t, ItemKind::ALL, ItemKind::code, "agenda-kind"),
        presences: choices(t, Attendance::ALL, Attendance::code, "attendance"),
        owners,
        shell,
    })
}

pub async fn meeting(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadCommittee>,
    Path(id): Path<String>,
) -> Result<MeetingPage, AppError> {
    meeting_page(&state, shell, &permit, &id, Typed::default()).await
}

/// After a change to a meeting: back to it, or the page again with the problems.
async fn after_change<A: Act>(
    state: &AppState,
    shell: Shell,
    permit: &Permit<A>,
    id: &str,
    result: Result<(), CommitteeError>,
    typed: impl FnOnce(Vec<String>) -> Typed,
) -> Result<Response, AppError> {
    match refused_input(permit, shell.t, result)? {
        Ok(()) => Ok(Redirect::to(&format!("/meetings/{id}")).into_response()),
        Err((reader, errors)) => {
            let shell = shell.at(format!("/meetings/{id}"));
            Ok(meeting_page(state, shell, &reader, id, typed(errors))
                .await?
                .into_response())
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ItemForm {
    #[serde(rename = "_version")]
    version: String,
    #[serde(flatten)]
    item: ItemInput,
}

pub async fn add_item(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::KeepCommittee>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<ItemForm>,
) -> Result<Response, AppError> {
    let result = use_case::add_item(&state, &permit, &id, &form.item, version(&form.version)).await;
    after_change(&state, shell, &permit, &id, result, |errors| Typed {
        errors,
        item: form.item,
        ..Default::default()
    })
    .await
}

pub async fn convene(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::KeepCommittee>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<VersionForm>,
) -> Result<Response, AppError> {
    let result = use_case::convene(&state, &permit, &id, version(&form.version))
        .await
        .map(|addresses| super::mail_convocation(&state, addresses, &id));
    after_change(&state, shell, &permit, &id, result, |errors| Typed {
        errors,
        ..Default::default()
    })
    .await
}

pub async fn attendance(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::KeepCommittee>,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let mut seen = None;
    let mut lines = Vec::new();
    for (name, value) in pairs {
        if name == "_version" {
            seen = version(&value);
        } else if let Some(member) = name.strip_prefix("status.")
            && !value.is_empty()
        {
            lines.push(Presence {
                member: member.to_owned(),
                status: value,
            });
        }
    }
    let result = use_case::record_attendance(&state, &permit, &id, &lines, seen).await;
    after_change(&state, shell, &permit, &id, result, |errors| Typed {
        errors,
        ..Default::default()
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MinutesForm {
    #[serde(rename = "_version")]
    version: String,
    item: String,
    minutes: String,
}

pub async fn minutes(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::KeepCommittee>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<MinutesForm>,
) -> Result<Response, AppError> {
    let result = use_case::write_minutes(
        &state,
        &permit,
        &id,
        &form.item,
        &form.minutes,
        version(&form.version),
    )
    .await;
    after_change(&state, shell, &permit, &id, result, |errors| Typed {
        errors,
        minutes: Some((form.item, form.minutes)),
        ..Default::default()
    })
    .await
}

pub async fn approve(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ApproveMinutes>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<VersionForm>,
) -> Result<Response, AppError> {
    let result = use_case::approve_minutes(&state, &permit, &id, version(&form.version)).await;
    after_change(&state, shell, &permit, &id, result, |errors| Typed {
        errors,
        ..Default::default()
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    #[serde(rename = "_version")]
    version: String,
    #[serde(flatten)]
    decision: DecisionInput,
}

pub async fn add_decision(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::KeepCommittee>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<DecisionForm>,
) -> Result<Response, AppError> {
    let result =
        use_case::add_decision(&state, &permit, &id, &form.decision, version(&form.version))
            .await
            .map(|_| ());
    after_change(&state, shell, &permit, &id, result, |errors| Typed {
        errors,
        decision: form.decision,
        ..Default::default()
    })
    .await
}

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
