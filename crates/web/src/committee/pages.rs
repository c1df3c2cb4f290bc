//! The committee's page (members, expert team, quorum, meetings) and the helpers its
//! meeting and decision pages (`meeting_pages`, `decision_pages`) share. A form refused
//! for its input comes back with what was typed and the problems beside it; a stale or
//! frozen one says so.

use super::{MeetingLine, Scope};
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::forms::territory_name;
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::committee::{self as use_case, CommitteeError, MeetingInput, province};
use awladna_core::{Act, CoreError, Permit, act};
use awladna_domain::access::{Action, Decision, decide};
use awladna_domain::committee::{MeetingKind, MemberInput};
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

pub(super) fn choices<T: Copy>(
    t: Tr,
    all: &[T],
    code: fn(T) -> &'static str,
    prefix: &str,
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: code(*v).to_owned(),
            label: t.get(&format!("{prefix}-{}", code(*v))),
        })
        .collect()
}

/// The problems of a refused form, each with its field's label.
pub(super) fn problems(t: Tr, errors: &[FieldError]) -> Vec<String> {
    labelled_problems(t, errors, "committee-field")
}

/// The problems of a refused form, each with its field's label `{prefix}-{field}` (or
/// the field's code when it has none: a question of the diagnosis).
pub(crate) fn labelled_problems(t: Tr, errors: &[FieldError], prefix: &str) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            let field = e.field.split('.').next().unwrap_or(&e.field);
            format!(
                "{}: {}",
                t.get_or(&format!("{prefix}-{field}"), &e.field),
                t.with(e.problem.message_id(), &e.problem.arguments())
            )
        })
        .collect()
}

/// A refused input comes back to its page (with the reader's permit to show it, and the
/// problems in the user's language); any other refusal is answered as itself.
#[allow(clippy::type_complexity)]
pub(super) fn refused_input<A: Act, T>(
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
pub(crate) fn may<A: Act>(permit: &Permit<A>, action: Action, territory: &str) -> bool {
    decide(Some(permit.actor()), action, Some(territory)) == Decision::Allow
}

pub(crate) fn version(text: &str) -> Option<i64> {
    text.trim().parse().ok()
}

pub(crate) fn province_label(state: &AppState, t: Tr, code: &str) -> String {
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

pub(crate) fn choose_province<A: Act>(
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

pub(super) fn back_to_committee(territory: &str, own: Option<&str>) -> Redirect {
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
    pub(super) version: String,
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
