//! Training, rollout and library as JSON: `/api/v1/training…`, `/api/v1/rollout…`,
//! `/api/v1/library…`. Every change to a session, a status, a milestone or a document
//! names the version it read (409 when stale); creating a session takes a `key`.

use super::{Scope, today};
use crate::error::AppError;
use crate::extract::{ApiJson, Guard};
use crate::state::AppState;
use awladna_core::library::{self, DocumentInput};
use awladna_core::{act, rollout, training as use_case};
use awladna_domain::rollout::{DeclarationInput, MilestoneInput};
use awladna_domain::training::{
    ModuleInput, ParticipantInput, ResultInput, SessionInput, TrainerInput,
};
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

fn value<T: serde::Serialize>(v: &T) -> Result<Json<Value>, AppError> {
    serde_json::to_value(v)
        .map(Json)
        .map_err(|e| AppError::Internal(e.to_string()))
}

pub async fn modules(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadTraining>,
) -> Result<Json<Value>, AppError> {
    value(&use_case::modules(&state, &permit).await?)
}

pub async fn add_module(
    State(state): State<AppState>,
    Guard(permit): Guard<act::RunTraining>,
    ApiJson(body): ApiJson<ModuleInput>,
) -> Result<Created, AppError> {
    Ok(created(use_case::add_module(&state, &permit, &body).await?))
}

pub async fn trainers(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadTraining>,
) -> Result<Json<Value>, AppError> {
    value(&use_case::trainers(&state, &permit).await?)
}

pub async fn add_trainer(
    State(state): State<AppState>,
    Guard(permit): Guard<act::RunTraining>,
    ApiJson(body): ApiJson<TrainerInput>,
) -> Result<Created, AppError> {
    Ok(created(
        use_case::add_trainer(&state, &permit, &body).await?,
    ))
}

pub async fn sessions(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadTraining>,
    Query(scope): Query<Scope>,
) -> Result<Json<Value>, AppError> {
    let territory = use_case::scope(&state, &permit, scope.territory.as_deref())?;
    value(&use_case::sessions(&state, &permit, territory.as_deref()).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SessionBody {
    key: Option<String>,
    #[serde(flatten)]
    session: SessionInput,
}

pub async fn create_session(
    State(state): State<AppState>,
    Guard(permit): Guard<act::RunTraining>,
    ApiJson(body): ApiJson<SessionBody>,
) -> Result<Created, AppError> {
    Ok(created(
        use_case::create_session(&state, &permit, &body.session, body.key.as_deref()).await?,
    ))
}

pub async fn session(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadTraining>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let file = use_case::session(&state, &permit, &id).await?;
    let mut answer = serde_json::to_value(&file).map_err(|e| AppError::Internal(e.to_string()))?;
    answer["version"] = json!(file.session.version);
    answer["trained"] = file
        .participants
        .iter()
        .filter(|p| file.trained(&p.trainee_id))
        .map(|p| json!(p.trainee_id))
        .collect();
    Ok(Json(answer))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ParticipantBody {
    version: Option<i64>,
    #[serde(flatten)]
    participant: ParticipantInput,
}

pub async fn add_participant(
    State(state): State<AppState>,
    Guard(permit): Guard<act::RunTraining>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ParticipantBody>,
) -> Result<Created, AppError> {
    Ok(created(
        use_case::add_participant(&state, &permit, &id, &body.participant, body.version).await?,
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AttendanceBody {
    version: Option<i64>,
    day: String,
    present: Vec<String>,
}

pub async fn attendance(
    State(state): State<AppState>,
    Guard(permit): Guard<act::RunTraining>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AttendanceBody>,
) -> Result<Json<Value>, AppError> {
    use_case::take_attendance(&state, &permit, &id, &body.day, &body.present, body.version).await?;
    Ok(done())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResultsBody {
    version: Option<i64>,
    trainee: String,
    #[serde(flatten)]
    results: ResultInput,
}

pub async fn results(
    State(state): State<AppState>,
    Guard(permit): Guard<act::RunTraining>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ResultsBody>,
) -> Result<Json<Value>, AppError> {
    use_case::record_results(
        &state,
        &permit,
        &id,
        &body.trainee,
        &body.results,
        body.version,
    )
    .await?;
    Ok(done())
}

pub async fn coverage(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadTraining>,
    Query(scope): Query<Scope>,
) -> Result<Json<Value>, AppError> {
    let territory =
        use_case::scope(&state, &permit, scope.territory.as_deref())?.ok_or(AppError::NotFound)?;
    value(&use_case::coverage(&state, &permit, &territory).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StaffBody {
    organisation: String,
    staff: i64,
    version: Option<i64>,
}

pub async fn staff(
    State(state): State<AppState>,
    Guard(permit): Guard<act::RunTraining>,
    ApiJson(body): ApiJson<StaffBody>,
) -> Result<Json<Value>, AppError> {
    use_case::set_staff(
        &state,
        &permit,
        &body.organisation,
        body.staff,
        body.version,
    )
    .await?;
    Ok(done())
}

pub async fn plan(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadTraining>,
    Query(scope): Query<Scope>,
) -> Result<Json<Value>, AppError> {
    let territory = use_case::scope(&state, &permit, scope.territory.as_deref())?;
    let (lines, trained) =
        use_case::national_plan(&state, &permit, territory.as_deref(), today(&state)).await?;
    Ok(Json(json!({"sessions": lines, "trained": trained})))
}

pub async fn trainee(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadTraining>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let rows = use_case::record(&state, &permit, &id).await?;
    Ok(Json(json!({
        "sessions": rows.iter().map(|(r, trained)| json!({
            "session": r.session_id, "module": r.module_title, "starts_on": r.starts_on,
            "ends_on": r.ends_on, "days_present": r.days_present, "trained": trained,
        })).collect::<Vec<_>>()
    })))
}

// ---- Rollout ------------------------------------------------------------------------

pub async fn rollout_board(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadRollout>,
) -> Result<Json<Value>, AppError> {
    let board = rollout::board(&state, &permit, today(&state)).await?;
    Ok(Json(json!({
        "tracks": board.tracks.tracks,
        "milestone_versions": board.versions,
        "provinces": board.rows,
        "label": board.rows.iter().filter(|r| r.label).map(|r| r.territory.clone()).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeclarationBody {
    version: Option<i64>,
    #[serde(flatten)]
    declaration: DeclarationInput,
}

pub async fn declare(
    State(state): State<AppState>,
    Guard(permit): Guard<act::KeepRollout>,
    Path((territory, milestone)): Path<(String, String)>,
    ApiJson(body): ApiJson<DeclarationBody>,
) -> Result<Json<Value>, AppError> {
    rollout::declare(
        &state,
        &permit,
        &territory,
        &milestone,
        &body.declaration,
        body.version,
    )
    .await?;
    Ok(done())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MilestoneBody {
    version: Option<i64>,
    #[serde(flatten)]
    milestone: MilestoneInput,
}

pub async fn edit_milestone(
    State(state): State<AppState>,
    Guard(permit): Guard<act::KeepRollout>,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<MilestoneBody>,
) -> Result<Json<Value>, AppError> {
    rollout::edit_milestone(&state, &permit, &code, &body.milestone, body.version).await?;
    Ok(done())
}

// ---- Library ------------------------------------------------------------------------

pub async fn library(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadLibrary>,
) -> Result<Json<Value>, AppError> {
    value(&library::documents(&state, &permit).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DocumentBody {
    version: Option<i64>,
    #[serde(flatten)]
    document: DocumentInput,
}

pub async fn publish(
    State(state): State<AppState>,
    Guard(permit): Guard<act::KeepLibrary>,
    ApiJson(body): ApiJson<DocumentBody>,
) -> Result<Created, AppError> {
    let (id, series, version) =
        library::publish(&state, &permit, None, None, &body.document).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "series": series, "version": version})),
    ))
}

pub async fn new_version(
    State(state): State<AppState>,
    Guard(permit): Guard<act::KeepLibrary>,
    Path(series): Path<String>,
    ApiJson(body): ApiJson<DocumentBody>,
) -> Result<Created, AppError> {
    let (id, series, version) =
        library::publish(&state, &permit, Some(&series), body.version, &body.document).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "series": series, "version": version})),
    ))
}

pub async fn series(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadLibrary>,
    Path(series): Path<String>,
) -> Result<Json<Value>, AppError> {
    value(&library::series(&state, Some(&permit), &series).await?)
}

/// The public documents (no account needed), for the help pages and their clients.
pub async fn public_library(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    value(&library::public_documents(&state).await?)
}
