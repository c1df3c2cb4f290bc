//! The committee's JSON API: `/api/v1/committee…`, `/api/v1/meetings…`,
//! `/api/v1/decisions…`. Every change names the version it read (409 when stale).

use super::Scope;
use crate::error::AppError;
use crate::extract::{ApiJson, Guard};
use crate::times::rfc3339;
use awladna_core::act;
use awladna_core::committee::{
    self as use_case, DecisionInput, DecisionLine, FollowUp, ItemInput, MeetingInput, Presence,
    province,
};
use awladna_domain::committee::MemberInput;
use awladna_store::committee::{MeetingRecord, MemberRecord};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::state::AppState;

type Created = (StatusCode, Json<Value>);

fn created(id: String) -> Created {
    (StatusCode::CREATED, Json(json!({"id": id})))
}

fn done() -> Json<Value> {
    Json(json!({"ok": true}))
}

fn member_json(m: &MemberRecord) -> Value {
    json!({
        "id": m.id, "body": m.body, "seat": m.seat, "full_name": m.full_name, "title": m.title,
        "sector": m.sector, "organisation": m.organisation, "field": m.field, "email": m.email,
        "phone": m.phone, "substitute": m.substitute, "mandate_from": m.mandate_from,
        "mandate_to": m.mandate_to, "ended_at": m.ended_at.map(rfc3339), "version": m.version,
    })
}

fn meeting_json(m: &MeetingRecord) -> Value {
    json!({
        "id": m.id, "territory": m.territory, "kind": m.kind, "status": m.status,
        "starts_at": rfc3339(m.starts_at), "place": m.place,
        "convened_at": m.convened_at.map(rfc3339), "approved_at": m.approved_at.map(rfc3339),
        "version": m.version,
    })
}

fn decision_json(d: &DecisionLine) -> Value {
    let r = &d.record;
    json!({
        "id": r.id, "meeting_id": r.meeting_id, "text": r.text, "owner": r.owner,
        "deadline": r.deadline, "expected_result": r.expected_result, "status": r.status,
        "drop_reason": r.drop_reason, "overdue": d.overdue, "version": r.version,
    })
}

pub async fn committee(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadCommittee>,
    Query(scope): Query<Scope>,
) -> Result<Json<Value>, AppError> {
    let territory = province(&state, &permit, scope.territory.as_deref())?;
    let c = use_case::committee(&state, &permit, &territory).await?;
    Ok(Json(json!({
        "territory": c.territory,
        "quorum": c.quorum,
        "quorum_version": c.quorum_version,
        "members": c.members.iter().map(member_json).collect::<Vec<_>>(),
        "experts": c.experts.iter().map(member_json).collect::<Vec<_>>(),
        "former": c.former.iter().map(member_json).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MemberBody {
    territory: Option<String>,
    version: Option<i64>,
    #[serde(flatten)]
    member: MemberInput,
}

pub async fn add_member(
    State(state): State<AppState>,
    Guard(permit): Guard<act::KeepCommittee>,
    ApiJson(body): ApiJson<MemberBody>,
) -> Result<Created, AppError> {
    let territory = province(&state, &permit, body.territory.as_deref())?;
    Ok(created(
        use_case::add_member(&state, &permit, &territory, &body.member).await?,
    ))
}

pub async fn member(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadCommittee>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let (m, history) = use_case::member(&state, &permit, &id).await?;
    let mut answer = member_json(&m);
    answer["history"] = history
        .iter()
        .map(|(version, snapshot, by, at)| {
            json!({"version": version, "was": serde_json::from_str::<Value>(snapshot).unwrap_or(Value::Null), "changed_by": by, "changed_at": rfc3339(*at)})
        })
        .collect();
    Ok(Json(answer))
}

pub async fn change_member(
    State(state): State<AppState>,
    Guard(permit): Guard<act::KeepCommittee>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MemberBody>,
) -> Result<Json<Value>, AppError> {
    use_case::change_member(&state, &permit, &id, Some(&body.member), body.version).await?;
    Ok(done())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VersionBody {
    version: Option<i64>,
}

pub async fn end_member(
    State(state): State<AppState>,
    Guard(permit): Guard<act::KeepCommittee>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<Json<Value>, AppError> {
    use_case::change_member(&state, &permit, &id, None, body.version).await?;
    Ok(done())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QuorumBody {
    territory: Option<String>,
    quorum: i64,
    version: Option<i64>,
}

pub async fn quorum(
    State(state): State<AppState>,
    Guard(permit): Guard<act::KeepCommittee>,
    ApiJson(body): ApiJson<QuorumBody>,
) -> Result<Json<Value>, AppError> {
    let territory = province(&state, &permit, body.territory.as_deref())?;
    use_case::set_quorum(&state, &permit, &territory, body.quorum, body.version).await?;
    Ok(done())
}

pub async fn meetings(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadCommittee>,
    Query(scope): Query<Scope>,
) -> Result<Json<Value>, AppError> {
    let territory = province(&state, &permit, scope.territory.as_deref())?;
    let list = use_case::meetings(&state, &permit, &territory).await?;
    Ok(Json(
        json!({"meetings": list.iter().map(meeting_json).collect::<Vec<_>>()}),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MeetingBody {
    territory: Option<String>,
    version: Option<i64>,
    #[serde(flatten)]
    meeting: MeetingInput,
}

pub async fn create_meeting(
    State(state): State<AppState>,
    Guard(permit): Guard<act::KeepCommittee>,
    ApiJson(body): ApiJson<MeetingBody>,
) -> Result<Created, AppError> {
    let territory = province(&state, &permit, body.territory.as_deref())?;
    Ok(created(
        use_case::create_meeting(&state, &permit, &territory, &body.meeting).await?,
    ))
}

pub async fn meeting(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadCommittee>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let file = use_case::meeting(&state, &permit, &id).await?;
    let mut answer = meeting_json(&file.meeting);
    answer["agenda"] = file
        .items
        .iter()
        .map(|i| json!({"id": i.id, "position": i.position, "kind": i.kind, "title": i.title, "documents": i.documents, "minutes": i.minutes}))
        .collect();
    answer["attendance"] = file
        .attendance
        .iter()
        .map(
            |(m, s)| json!({"member": m.id, "full_name": m.full_name, "body": m.body, "status": s}),
        )
        .collect();
    answer["quorum"] =
        json!({"required": file.quorum, "attending": file.attending, "reached": file.has_quorum});
    answer["decisions"] = file.decisions.iter().map(decision_json).collect();
    answer["open_decisions"] = file.open_decisions.iter().map(decision_json).collect();
    Ok(Json(answer))
}

pub async fn update_meeting(
    State(state): State<AppState>,
    Guard(permit): Guard<act::KeepCommittee>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MeetingBody>,
) -> Result<Json<Value>, AppError> {
    use_case::update_meeting(&state, &permit, &id, &body.meeting, body.version).await?;
    Ok(done())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ItemBody {
    version: Option<i64>,
    #[serde(flatten)]
    item: ItemInput,
}

pub async fn add_item(
    State(state): State<AppState>,
    Guard(permit): Guard<act::KeepCommittee>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ItemBody>,
) -> Result<Json<Value>, AppError> {
    use_case::add_item(&state, &permit, &id, &body.item, body.version).await?;
    Ok(done())
}

pub async fn convene(
    State(state): State<AppState>,
    Guard(permit): Guard<act::KeepCommittee>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<Json<Value>, AppError> {
    let addresses = use_case::convene(&state, &permit, &id, body.version).await?;
    super::mail_convocation(&state, addresses, &id);
    Ok(done())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AttendanceBody {
    version: Option<i64>,
    attendance: Vec<Presence>,
}

pub async fn attendance(
    State(state): State<AppState>,
    Guard(permit): Guard<act::KeepCommittee>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AttendanceBody>,
) -> Result<Json<Value>, AppError> {
    use_case::record_attendance(&state, &permit, &id, &body.attendance, body.version).await?;
    Ok(done())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MinutesBody {
    version: Option<i64>,
    item: String,
    minutes: String,
}

pub async fn minutes(
    State(state): State<AppState>,
    Guard(permit): Guard<act::KeepCommittee>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MinutesBody>,
) -> Result<Json<Value>, AppError> {
    use_case::write_minutes(
        &state,
        &permit,
        &id,
        &body.item,
        &body.minutes,
        body.version,
    )
    .await?;
    Ok(done())
}

pub async fn approve(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ApproveMinutes>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<Json<Value>, AppError> {
    use_case::approve_minutes(&state, &permit, &id, body.version).await?;
    Ok(done())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionBody {
    version: Option<i64>,
    #[serde(flatten)]
    decision: DecisionInput,
}

pub async fn add_decision(
    State(state): State<AppState>,
    Guard(permit): Guard<act::KeepCommittee>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Created, AppError> {
    Ok(created(
        use_case::add_decision(&state, &permit, &id, &body.decision, body.version).await?,
    ))
}

pub async fn decisions(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadCommittee>,
    Query(scope): Query<Scope>,
) -> Result<Json<Value>, AppError> {
    let territory = province(&state, &permit, scope.territory.as_deref())?;
    let list =
        use_case::decisions(&state, &permit, &territory, scope.overdue == Some(true)).await?;
    Ok(Json(
        json!({"decisions": list.iter().map(decision_json).collect::<Vec<_>>()}),
    ))
}

pub async fn decision(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadCommittee>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let (line, notes) = use_case::decision(&state, &permit, &id).await?;
    let mut answer = decision_json(&line);
    answer["notes"] = notes
        .iter()
        .map(|n| json!({"at": rfc3339(n.at), "by": n.by, "note": n.note, "progress": n.progress}))
        .collect();
    Ok(Json(answer))
}

pub async fn follow_up(
    State(state): State<AppState>,
    Guard(permit): Guard<act::FollowDecisions>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<FollowUp>,
) -> Result<Json<Value>, AppError> {
    use_case::follow_up(&state, &permit, &id, &body).await?;
    Ok(done())
}
