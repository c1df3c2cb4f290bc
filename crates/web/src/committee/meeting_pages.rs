//! A meeting's page: agenda, convocation, attendance, minutes, decisions and the chair's
//! approval.

use super::pages::*;
use super::{DecisionView, MeetingLine};
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::committee::{
    self as use_case, CommitteeError, DecisionInput, ItemInput, Presence,
};
use awladna_core::{Act, Permit, act};
use awladna_domain::access::Action;
use awladna_domain::committee::{Attendance, ItemKind};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

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
