//! A training session's page: its trainers and participants, one attendance form per
//! day (the paper sheet typed in), each participant's tests and satisfaction, and the
//! attestation of those present every day. Every form names the session's version.

use super::{place_name, problems, version};
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::training::{self as use_case, SessionFile};
use awladna_core::{CoreError, Permit, act};
use awladna_domain::access::{Action, Decision, decide};
use awladna_domain::training::{ParticipantInput, ResultInput};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub struct Row {
    pub id: String,
    pub name: String,
    pub organisation: String,
    pub function: String,
    /// One entry per day: whether present.
    pub days: Vec<bool>,
    pub trained: bool,
    pub pre: String,
    pub post: String,
    pub satisfaction: String,
}

pub struct Day {
    pub date: String,
    /// The participants with whether present that day.
    pub present: Vec<(String, String, bool)>,
}

pub struct Org {
    pub code: String,
    pub name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "training_session.html")]
pub struct SessionPage {
    shell: Shell,
    id: String,
    module: String,
    place: String,
    territory: String,
    dates: String,
    capacity: i64,
    version: i64,
    trainers: Vec<String>,
    rows: Vec<Row>,
    days: Vec<Day>,
    trained: usize,
    can_run: bool,
    errors: Vec<String>,
    participant: ParticipantInput,
    organisations: Vec<Org>,
}

async fn page(
    state: &AppState,
    shell: Shell,
    permit: &Permit<act::ReadTraining>,
    id: &str,
    errors: Vec<String>,
    participant: ParticipantInput,
) -> Result<SessionPage, AppError> {
    let t = shell.t;
    let file: SessionFile = use_case::session(state, permit, id).await?;
    let s = &file.session;
    let rows: Vec<Row> = file
        .participants
        .iter()
        .map(|p| {
            let present = file.present.get(&p.trainee_id);
            Row {
                id: p.trainee_id.clone(),
                name: p.full_name.clone(),
                organisation: p.organisation_name.clone(),
                function: p.function.clone(),
                days: file
                    .days
                    .iter()
                    .map(|d| present.is_some_and(|set| set.contains(d)))
                    .collect(),
                trained: file.trained(&p.trainee_id),
                pre: p.pre_score.map(|v| v.to_string()).unwrap_or_default(),
                post: p.post_score.map(|v| v.to_string()).unwrap_or_default(),
                satisfaction: p.satisfaction.map(|v| v.to_string()).unwrap_or_default(),
            }
        })
        .collect();
    let days = file
        .days
        .iter()
        .enumerate()
        .map(|(i, d)| Day {
            date: d.clone(),
            present: rows
                .iter()
                .map(|r| (r.id.clone(), r.name.clone(), r.days[i]))
                .collect(),
        })
        .collect();
    let organisations = state
        .store
        .staff(&s.territory)
        .await?
        .into_iter()
        .map(|o| Org {
            code: o.code,
            name: o.name,
        })
        .collect();
    Ok(SessionPage {
        id: s.id.clone(),
        module: s.module_title.clone(),
        place: s.place.clone(),
        territory: place_name(state, t, &s.territory),
        dates: format!("{} – {}", s.starts_on, s.ends_on),
        capacity: s.capacity,
        version: s.version,
        trainers: file
            .trainers
            .iter()
            .map(|tr| {
                if tr.trainer_of_trainers {
                    format!("{} ({})", tr.full_name, t.get("training-tot"))
                } else {
                    tr.full_name.clone()
                }
            })
            .collect(),
        trained: rows.iter().filter(|r| r.trained).count(),
        rows,
        days,
        can_run: decide(
            Some(permit.actor()),
            Action::RunTraining,
            Some(&s.territory),
        ) == Decision::Allow,
        errors,
        participant,
        organisations,
        shell,
    })
}

pub async fn session(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadTraining>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    Ok(page(
        &state,
        shell,
        &permit,
        &id,
        Vec::new(),
        ParticipantInput::default(),
    )
    .await?
    .into_response())
}

/// The session's page again with a refused form's problems, or the refusal itself.
async fn refused(
    state: &AppState,
    shell: Shell,
    permit: &Permit<act::RunTraining>,
    id: &str,
    e: CoreError,
    participant: ParticipantInput,
) -> Result<Response, AppError> {
    match e {
        CoreError::Invalid(errors) => {
            let reader = permit.also::<act::ReadTraining>()?;
            let errors = problems(shell.t, &errors);
            let shell = shell.at(format!("/training/sessions/{id}"));
            Ok(page(state, shell, &reader, id, errors, participant)
                .await?
                .into_response())
        }
        e => Err(e.into()),
    }
}

fn back(id: &str) -> Response {
    Redirect::to(&format!("/training/sessions/{id}")).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ParticipantForm {
    #[serde(rename = "_version")]
    version: String,
    #[serde(flatten)]
    participant: ParticipantInput,
}

pub async fn add_participant(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::RunTraining>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<ParticipantForm>,
) -> Result<Response, AppError> {
    let added = use_case::add_participant(
        &state,
        &permit,
        &id,
        &form.participant,
        version(&form.version),
    )
    .await;
    match added {
        Ok(_) => Ok(back(&id)),
        Err(e) => refused(&state, shell, &permit, &id, e, form.participant).await,
    }
}

pub async fn attendance(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::RunTraining>,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let present: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "present")
        .map(|(_, v)| v.clone())
        .collect();
    let taken = use_case::take_attendance(
        &state,
        &permit,
        &id,
        &get("day"),
        &present,
        version(&get("_version")),
    )
    .await;
    match taken {
        Ok(()) => Ok(back(&id)),
        Err(e) => refused(&state, shell, &permit, &id, e, ParticipantInput::default()).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResultsForm {
    #[serde(rename = "_version")]
    version: String,
    trainee: String,
    #[serde(flatten)]
    results: ResultInput,
}

pub async fn results(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::RunTraining>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<ResultsForm>,
) -> Result<Response, AppError> {
    let recorded = use_case::record_results(
        &state,
        &permit,
        &id,
        &form.trainee,
        &form.results,
        version(&form.version),
    )
    .await;
    match recorded {
        Ok(()) => Ok(back(&id)),
        Err(e) => refused(&state, shell, &permit, &id, e, ParticipantInput::default()).await,
    }
}
