//! The trainings page: the national plan's progress, the sessions, and for those who run
//! trainings the forms to organise a session, register a trainer and (the ministry) add
//! a module. A refused form comes back with what was typed and the problems beside it.

use super::{Scope, place_name, problems, today};
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::training::{self as use_case, PlanLine};
use awladna_core::{CoreError, Permit, act};
use awladna_domain::Lang;
use awladna_domain::access::{Action, Decision, decide};
use awladna_domain::training::{AUDIENCES, ModuleInput, SessionInput, TrainerInput};
use awladna_store::training::{ModuleRecord, TrainerRecord};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};

pub struct Choice {
    pub value: String,
    pub label: String,
}

pub struct SessionLine {
    pub id: String,
    pub module: String,
    pub place: String,
    pub territory: String,
    pub dates: String,
    pub filled: String,
    pub plan_number: String,
}

pub struct PlanView {
    pub number: u32,
    pub theme: String,
    pub audience: String,
    pub due: String,
    pub sessions: usize,
    pub trained: usize,
    pub planned: u32,
    pub late: bool,
}

impl PlanView {
    fn of(t: Tr, l: &PlanLine) -> PlanView {
        PlanView {
            number: l.number,
            theme: if t.lang == Lang::Ar {
                l.theme_ar.clone()
            } else {
                l.theme_fr.clone()
            },
            audience: t.get(&format!("training-audience-{}", l.audience)),
            due: l.due.clone().unwrap_or_default(),
            sessions: l.sessions,
            trained: l.trained,
            planned: l.planned_participants,
            late: l.late,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "training.html")]
pub struct TrainingPage {
    shell: Shell,
    scope_name: String,
    territory: String,
    plan: Vec<PlanView>,
    trained_total: usize,
    sessions: Vec<SessionLine>,
    can_run: bool,
    national: bool,
    errors: Vec<String>,
    key: String,
    session_form: SessionInput,
    trainer_form: TrainerInput,
    module_form: ModuleInput,
    modules: Vec<Choice>,
    trainers: Vec<Choice>,
    audiences: Vec<Choice>,
    provinces: Vec<crate::forms::GroupView>,
}

/// What a refused form had typed.
#[derive(Default)]
pub struct Typed {
    pub errors: Vec<String>,
    pub session: SessionInput,
    pub trainer: TrainerInput,
    pub module: ModuleInput,
}

fn module_choices(modules: &[ModuleRecord]) -> Vec<Choice> {
    modules
        .iter()
        .map(|m| Choice {
            value: m.id.clone(),
            label: format!("{} · {}", m.code, m.title),
        })
        .collect()
}

fn trainer_choices(t: Tr, trainers: &[TrainerRecord]) -> Vec<Choice> {
    trainers
        .iter()
        .map(|tr| Choice {
            value: tr.id.clone(),
            label: format!(
                "{} · {}{}",
                tr.full_name,
                tr.organisation,
                if tr.trainer_of_trainers {
                    format!(" · {}", t.get("training-tot"))
                } else {
                    String::new()
                }
            ),
        })
        .collect()
}

async fn page(
    state: &AppState,
    shell: Shell,
    permit: &Permit<act::ReadTraining>,
    territory: Option<String>,
    typed: Typed,
) -> Result<TrainingPage, AppError> {
    let t = shell.t;
    let (plan, trained) =
        use_case::national_plan(state, permit, territory.as_deref(), today(state)).await?;
    let sessions = use_case::sessions(state, permit, territory.as_deref()).await?;
    let modules = use_case::modules(state, permit).await?;
    let trainers = use_case::trainers(state, permit).await?;
    let can_run = decide(
        Some(permit.actor()),
        Action::RunTraining,
        territory.as_deref(),
    ) == Decision::Allow;
    let own = territory.clone().unwrap_or_default();
    let mut session_form = typed.session;
    if session_form.territory.is_empty() {
        session_form.territory = own.clone();
    }
    Ok(TrainingPage {
        scope_name: territory
            .as_deref()
            .map(|c| place_name(state, t, c))
            .unwrap_or_else(|| t.get("training-national")),
        territory: own,
        plan: plan.iter().map(|l| PlanView::of(t, l)).collect(),
        trained_total: trained.total,
        sessions: sessions
            .iter()
            .map(|s| SessionLine {
                id: s.id.clone(),
                module: s.module_title.clone(),
                place: s.place.clone(),
                territory: place_name(state, t, &s.territory),
                dates: format!("{} – {}", s.starts_on, s.ends_on),
                filled: format!("{}/{}", s.participants, s.capacity),
                plan_number: s.plan_number.map(|n| n.to_string()).unwrap_or_default(),
            })
            .collect(),
        can_run,
        national: permit.actor().is_national(),
        errors: typed.errors,
        key: uuid::Uuid::now_v7().to_string(),
        provinces: crate::forms::territory_groups(t, &state.reference, &session_form.territory),
        session_form,
        trainer_form: typed.trainer,
        module_form: typed.module,
        modules: module_choices(&modules),
        trainers: trainer_choices(t, &trainers),
        audiences: AUDIENCES
            .iter()
            .map(|a| Choice {
                value: (*a).to_owned(),
                label: t.get(&format!("training-audience-{a}")),
            })
            .collect(),
        shell,
    })
}

pub async fn training(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadTraining>,
    Query(scope): Query<Scope>,
) -> Result<Response, AppError> {
    let territory = use_case::scope(&state, &permit, scope.territory.as_deref())?;
    Ok(page(&state, shell, &permit, territory, Typed::default())
        .await?
        .into_response())
}

/// Where a POST of the trainings page goes back to.
fn back(permit: &Permit<act::RunTraining>) -> Response {
    let _ = permit;
    Redirect::to("/training").into_response()
}

/// Shows the trainings page again with the problems of a refused form, or answers the
/// refusal as itself.
async fn refused(
    state: &AppState,
    shell: Shell,
    permit: &Permit<act::RunTraining>,
    e: CoreError,
    typed: impl FnOnce(Vec<String>) -> Typed,
) -> Result<Response, AppError> {
    match e {
        CoreError::Invalid(errors) => {
            let reader = permit.also::<act::ReadTraining>()?;
            let territory = permit.actor().territory.clone();
            let typed = typed(problems(shell.t, &errors));
            Ok(
                page(state, shell.at("/training"), &reader, territory, typed)
                    .await?
                    .into_response(),
            )
        }
        e => Err(e.into()),
    }
}

pub async fn create_session(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::RunTraining>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let input = SessionInput {
        module: get("module"),
        plan_number: get("plan_number"),
        territory: get("territory"),
        place: get("place"),
        starts_on: get("starts_on"),
        ends_on: get("ends_on"),
        capacity: get("capacity"),
        trainers: pairs
            .iter()
            .filter(|(k, _)| k == "trainer")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    let key = get("_key");
    match use_case::create_session(&state, &permit, &input, Some(&key)).await {
        Ok(id) => Ok(Redirect::to(&format!("/training/sessions/{id}")).into_response()),
        Err(e) => {
            refused(&state, shell, &permit, e, |errors| Typed {
                errors,
                session: input,
                ..Default::default()
            })
            .await
        }
    }
}

pub async fn add_trainer(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::RunTraining>,
    axum::Form(form): axum::Form<TrainerInput>,
) -> Result<Response, AppError> {
    match use_case::add_trainer(&state, &permit, &form).await {
        Ok(_) => Ok(back(&permit)),
        Err(e) => {
            refused(&state, shell, &permit, e, |errors| Typed {
                errors,
                trainer: form,
                ..Default::default()
            })
            .await
        }
    }
}

pub async fn add_module(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::RunTraining>,
    axum::Form(form): axum::Form<ModuleInput>,
) -> Result<Response, AppError> {
    match use_case::add_module(&state, &permit, &form).await {
        Ok(_) => Ok(back(&permit)),
        Err(e) => {
            refused(&state, shell, &permit, e, |errors| Typed {
                errors,
                module: form,
                ..Default::default()
            })
            .await
        }
    }
}

/// A page that is a province's: a national user chooses the province first.
#[derive(Template, WebTemplate)]
#[template(path = "committee_choose.html")]
pub struct ChooseProvincePage {
    shell: Shell,
    picker_action: &'static str,
    provinces: Vec<crate::forms::GroupView>,
}

pub fn choose(state: &AppState, shell: Shell, picker_action: &'static str) -> Response {
    ChooseProvincePage {
        provinces: crate::forms::territory_groups(shell.t, &state.reference, ""),
        shell,
        picker_action,
    }
    .into_response()
}
