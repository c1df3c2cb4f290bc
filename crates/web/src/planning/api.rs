//! The diagnosis and action plan's JSON API: `/api/v1/diagnoses…` and
//! `/api/v1/action-plans…`. Every change names the version it read (409 when stale).

use crate::committee::Scope;
use crate::error::AppError;
use crate::extract::{ApiJson, Guard};
use crate::state::AppState;
use crate::times::rfc3339;
use awladna_core::act;
use awladna_core::action_plans::{self as plans, Edit, NewPlan, Plan, ProgressInput};
use awladna_core::committee::province;
use awladna_core::diagnosis::{self as diagnoses, Diagnosis, OpenInput};
use awladna_domain::Lang;
use awladna_domain::diagnosis::{Answers, Priority};
use awladna_store::planning::{DiagnosisRecord, PlanRecord};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

type Created = (StatusCode, Json<Value>);

fn created(id: String) -> Created {
    (StatusCode::CREATED, Json(json!({"id": id})))
}

fn done() -> Json<Value> {
    Json(json!({"ok": true}))
}

fn diagnosis_line(d: &DiagnosisRecord) -> Value {
    json!({
        "id": d.id, "territory": d.territory, "from": d.period_from, "to": d.period_to,
        "questionnaire": d.questionnaire, "status": d.status,
        "created_at": rfc3339(d.created_at), "approved_at": d.approved_at.map(rfc3339),
        "version": d.version,
    })
}

pub fn diagnosis_json(d: &Diagnosis) -> Value {
    let mut out = diagnosis_line(&d.record);
    out["sections"] = d
        .sections
        .iter()
        .map(|(s, answers)| {
            json!({"area": s.area, "organisation": s.organisation, "organisation_name": s.organisation_name,
                   "status": s.status, "answers": answers, "version": s.version,
                   "updated_at": s.updated_at.map(rfc3339)})
        })
        .collect();
    out["profile"] = json!(d.profiles);
    out["priorities"] = json!(d.priorities);
    out["prefilled"] = json!(d.prefill);
    out
}

fn plan_line(p: &PlanRecord) -> Value {
    json!({
        "id": p.id, "territory": p.territory, "plan_version": p.plan_version, "revises": p.revises,
        "diagnosis": p.diagnosis_id, "first_year": p.first_year, "last_year": p.last_year,
        "title": p.title, "status": p.status, "approved_at": p.approved_at.map(rfc3339),
        "meeting": p.meeting_id, "version": p.version,
    })
}

pub fn plan_json(p: &Plan) -> Value {
    let mut out = plan_line(&p.record);
    out["priorities"] = json!(p.doc.priorities);
    out["execution_rate"] = json!(p.execution_rate);
    out["indicators_on_track"] = json!({"on_track": p.on_track.0, "of": p.on_track.1});
    out["actions"] = p
        .actions
        .iter()
        .map(|(key, a)| {
            (key.clone(), json!({
                "state": a.state.code(), "percent": a.percent, "spent": a.spent, "planned": a.planned,
                "progress": a.entries.iter().map(|e| json!({
                    "id": e.id, "at": rfc3339(e.at), "percent": e.percent, "spent": e.spent,
                    "note": e.note, "evidence": e.evidence, "reviewed_at": e.reviewed_at.map(rfc3339),
                    "review_note": e.review_note,
                })).collect::<Vec<_>>(),
            }))
        })
        .collect::<serde_json::Map<_, _>>()
        .into();
    out["indicators"] = p
        .indicators
        .iter()
        .map(|(key, i)| {
            (
                key.clone(),
                json!({"value": i.value, "target": i.target, "on_track": i.on_track}),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into();
    out
}

pub async fn list_diagnoses(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadPlanning>,
    Query(scope): Query<Scope>,
) -> Result<Json<Value>, AppError> {
    let territory = province(&state, &permit, scope.territory.as_deref())?;
    let list = diagnoses::diagnoses(&state, &permit, &territory).await?;
    Ok(Json(
        json!({"diagnoses": list.iter().map(diagnosis_line).collect::<Vec<_>>()}),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OpenBody {
    territory: Option<String>,
    #[serde(flatten)]
    input: OpenInput,
}

pub async fn open(
    State(state): State<AppState>,
    Guard(permit): Guard<act::OpenDiagnosis>,
    ApiJson(body): ApiJson<OpenBody>,
) -> Result<Created, AppError> {
    let territory = province(&state, &permit, body.territory.as_deref())?;
    Ok(created(
        diagnoses::open(&state, &permit, &territory, &body.input).await?,
    ))
}

pub async fn diagnosis(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadPlanning>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let d = diagnoses::diagnosis(&state, &permit, &id, Lang::Ar).await?;
    Ok(Json(diagnosis_json(&d)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SectionBody {
    answers: Answers,
    submit: bool,
    version: Option<i64>,
}

pub async fn fill(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ContributePlanning>,
    Path((id, area)): Path<(String, String)>,
    ApiJson(body): ApiJson<SectionBody>,
) -> Result<Json<Value>, AppError> {
    diagnoses::fill(
        &state,
        &permit,
        &id,
        &area,
        &body.answers,
        body.submit,
        body.version,
    )
    .await?;
    Ok(done())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ConsolidateBody {
    priorities: Option<Vec<Priority>>,
    version: Option<i64>,
}

pub async fn consolidate(
    State(state): State<AppState>,
    Guard(permit): Guard<act::DraftPlanning>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ConsolidateBody>,
) -> Result<Json<Value>, AppError> {
    diagnoses::consolidate(
        &state,
        &permit,
        &id,
        body.priorities.as_deref(),
        body.version,
        Lang::Ar,
    )
    .await?;
    Ok(done())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VersionBody {
    version: Option<i64>,
    meeting: String,
}

pub async fn approve_diagnosis(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ApprovePlanning>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<Json<Value>, AppError> {
    diagnoses::approve(&state, &permit, &id, body.version).await?;
    Ok(done())
}

pub async fn compare(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadPlanning>,
) -> Result<Json<Value>, AppError> {
    let list = diagnoses::compare(&state, &permit).await?;
    Ok(Json(
        json!({"provinces": list.iter().map(|(t, p)| json!({"territory": t, "profile": p})).collect::<Vec<_>>()}),
    ))
}

pub async fn list_plans(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadPlanning>,
    Query(scope): Query<Scope>,
) -> Result<Json<Value>, AppError> {
    let territory = province(&state, &permit, scope.territory.as_deref())?;
    let list = plans::plans(&state, &permit, &territory).await?;
    Ok(Json(
        json!({"action_plans": list.iter().map(plan_line).collect::<Vec<_>>()}),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewPlanBody {
    territory: Option<String>,
    #[serde(flatten)]
    input: NewPlan,
}

pub async fn create_plan(
    State(state): State<AppState>,
    Guard(permit): Guard<act::DraftPlanning>,
    ApiJson(body): ApiJson<NewPlanBody>,
) -> Result<Created, AppError> {
    let territory = province(&state, &permit, body.territory.as_deref())?;
    Ok(created(
        plans::create(&state, &permit, &territory, &body.input).await?,
    ))
}

pub async fn plan(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadPlanning>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(plan_json(&plans::plan(&state, &permit, &id).await?)))
}

#[derive(Deserialize)]
pub struct EditBody {
    version: Option<i64>,
    #[serde(flatten)]
    edit: Edit,
}

pub async fn edit_plan(
    State(state): State<AppState>,
    Guard(permit): Guard<act::DraftPlanning>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EditBody>,
) -> Result<Json<Value>, AppError> {
    plans::edit(&state, &permit, &id, &body.edit, body.version).await?;
    Ok(done())
}

pub async fn approve_plan(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ApprovePlanning>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<Json<Value>, AppError> {
    plans::approve(&state, &permit, &id, &body.meeting, body.version).await?;
    Ok(done())
}

pub async fn revise_plan(
    State(state): State<AppState>,
    Guard(permit): Guard<act::DraftPlanning>,
    Path(id): Path<String>,
) -> Result<Created, AppError> {
    Ok(created(plans::revise(&state, &permit, &id).await?))
}

pub async fn progress(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ContributePlanning>,
    Path((id, action)): Path<(String, String)>,
    ApiJson(body): ApiJson<ProgressInput>,
) -> Result<Created, AppError> {
    Ok(created(
        plans::record_progress(&state, &permit, &id, &action, &body).await?,
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReviewBody {
    note: String,
}

pub async fn review(
    State(state): State<AppState>,
    Guard(permit): Guard<act::DraftPlanning>,
    Path((id, entry)): Path<(String, String)>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> Result<Json<Value>, AppError> {
    plans::review_progress(&state, &permit, &id, &entry, &body.note).await?;
    Ok(done())
}

pub async fn national(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadPlanning>,
) -> Result<Json<Value>, AppError> {
    let lines = plans::national(&state, &permit).await?;
    Ok(Json(json!({"provinces": lines.iter().map(|l| json!({
        "territory": l.territory, "status": l.status, "execution_rate": l.execution_rate,
        "indicators_on_track": l.on_track.map(|(a, b)| json!({"on_track": a, "of": b})),
    })).collect::<Vec<_>>()})))
}
