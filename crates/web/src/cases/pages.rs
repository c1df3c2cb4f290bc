//! The case in the web interface: triage from the report's page (one tap to link or to
//! open a new child), the case page (stepper, risk, timeline, the moves the stage
//! allows, the child, the plan, the follow-ups, the referrals), its moves, the
//! evaluation form and the assignment.

use super::cards::{CardView, blank_form_on_case, card_views};
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::act;
use awladna_core::cases::moves::{MoveError, move_case};
use awladna_core::cases::read::{self, OpenedCase};
use awladna_core::cases::triage::{ChildChoice, triage as triage_report};
use awladna_core::evaluations::{FORM as EVALUATION, evaluate as evaluate_case};
use awladna_core::sealing::display_name;
use awladna_core::{CoreError, Permit};
use awladna_domain::access::{Action, Decision, decide};
use awladna_domain::pathway::{Stage, check_move};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
pub struct TriageForm {
    child_id: Option<String>,
    new_child: Option<String>,
}

pub async fn triage(
    State(state): State<AppState>,
    Guard(permit): Guard<act::Triage>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<TriageForm>,
) -> Result<Redirect, AppError> {
    let child = form.child_id.filter(|c| !c.is_empty());
    let new_child = child.is_none() && form.new_child.is_some();
    let choice = ChildChoice::from_request(child, new_child);
    match triage_report(&state, &permit, &id, choice).await {
        Ok(case) => Ok(Redirect::to(&format!("/cases/{}", case.id))),
        Err(e) => Err(super::first_problem(e.into())),
    }
}

pub struct StepView {
    number: usize,
    label: String,
    current: bool,
    done: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "case.html")]
pub struct CasePage {
    shell: Shell,
    id: String,
    number: String,
    stage: String,
    closed: bool,
    risk: Option<String>,
    steps: Vec<StepView>,
    /// The stage's place on the pathway ("stage 2 of 6: …"), which a phone shows instead
    /// of the stepper.
    place: String,
    /// What is to be done next on the case, for whoever may work on it: the page leads with it.
    next: Option<super::tasks::TaskView>,
    /// The plan's next review, once the case has a plan.
    review: Option<super::tasks::TaskView>,
    timeline: Vec<super::timeline::EntryView>,
    /// The flags in place on the case, shown above everything.
    flags: Vec<super::flags::FlagView>,
    /// The steps the province asks to approve (the request form), and whether the
    /// reader decides them, with how many wait (issue 18).
    approval_steps: Vec<(String, String)>,
    can_supervise: bool,
    approvals_waiting: usize,
    /// The moves forward (the next stage first) and the step back, if any.
    moves: Vec<(String, String)>,
    back: Vec<(String, String)>,
    closure_reasons: Vec<(String, String)>,
    version: i64,
    message: Option<String>,
    notice: Option<String>,
    child: ChildView,
    /// Who follows the case, and whom the reader (a coordinator) may give it to.
    assignee: Option<String>,
    assignable: Vec<(String, String, bool)>,
    can_work: bool,
    can_move: bool,
    plan: Vec<crate::plan::ActionView>,
    statuses: Vec<(String, String)>,
    files: Vec<(String, String)>,
    followups: Vec<CardView>,
    more_followups: bool,
    referrals: Vec<crate::referrals::ReferralLine>,
    can_refer: bool,
    profile: Option<CardView>,
    can_rectify: bool,
    can_export: bool,
    /// The next services of the protocol for the child's concerns and stage (issue 15 §4).
    protocol: Option<crate::protocol::proposals::CasePart>,
}

/// The child as the case page shows them: identity opened for a reader of the case.
#[derive(Default)]
pub struct ChildView {
    name: String,
    sex: String,
    born: String,
    mother: String,
    /// The day the identity was erased under the retention rule.
    erased: Option<String>,
    /// The corrections of the identity, newest first.
    corrections: Vec<crate::rights::rectification::CorrectionView>,
}

/// The stage's number on the six-step pathway the stepper draws.
fn step_number(stage: Stage) -> i64 {
    let index = Stage::ALL.iter().position(|s| *s == stage).unwrap_or(0);
    (index as i64 + 1).min(6)
}

/// How many follow-up cards the case page shows; the API lists them all.
const RECENT_FOLLOWUPS: usize = 5;

/// A fault of another feature's view, which still answers its detail as text.
fn internal(detail: String) -> AppError {
    AppError::Internal(detail)
}

async fn child_view(state: &AppState, t: Tr, opened: &OpenedCase) -> Result<ChildView, AppError> {
    let Some(child) = read::child(state, opened).await? else {
        return Ok(ChildView::default());
    };
    let child_id = &opened.case.child_id;
    let identity = &child.identity;
    let text = |key: &str| {
        identity
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let name = display_name(identity);
    let erased = crate::retention::erased_on(state, child_id)
        .await
        .map_err(internal)?;
    let corrections = crate::rights::rectification::history(state, t, child_id)
        .await
        .map_err(internal)?;
    let born = match text("birth_date") {
        date if !date.is_empty() => date,
        _ => child
            .birth_year
            .map(|y| format!("≈ {y}"))
            .unwrap_or_default(),
    };
    Ok(ChildView {
        name: if let Some(day) = &erased {
            format!("{} {day}", t.get("retention-erased-on"))
        } else if name.is_empty() {
            t.get("child-unnamed")
        } else {
            name
        },
        sex: state.label(t, "sex", &child.sex),
        born,
        mother: text("mother_name"),
        erased,
        corrections,
    })
}

/// What the case page tells above its content: a refused move, or what was done.
pub enum Told {
    Refused(String),
    Done(String),
}

async fn case_page(
    state: &AppState,
    shell: Shell,
    permit: &Permit<act::ReadCase>,
    id: &str,
    told: Option<Told>,
    all_followups: bool,
) -> Result<Response, AppError> {
    let (message, notice) = match told {
        Some(Told::Refused(m)) => (Some(m), None),
        Some(Told::Done(n)) => (None, Some(n)),
        None => (None, None),
    };
    let t = shell.t;
    let opened = read::read(state, permit, id).await?;
    let case = &opened.case;
    let stage = case.stage.parse::<Stage>().unwrap_or(Stage::Detection);
    let steps = Stage::ALL[..6]
        .iter()
        .enumerate()
        .map(|(i, s)| StepView {
            number: i + 1,
            label: state.label(t, "stages", s.code()),
            current: *s == stage,
            done: *s < stage,
        })
        .collect();
    let flags = awladna_core::flags::of_case(state, &case.id).await?;
    let approvals = awladna_core::approvals::of_case(state, &case.id).await?;
    let timeline = super::timeline::timeline(state, t, &opened, &flags, &approvals).await?;
    // Only the moves this stage allows are offered: nothing greyed out that cannot be done.
    // Forward first, the next stage chosen; a step back is its own, explicit form (a
    // reason typed and saved must never send a child back by default).
    let (back, moves): (Vec<Stage>, Vec<Stage>) = Stage::ALL
        .iter()
        .copied()
        .filter(|to| check_move(stage, *to).is_ok())
        .partition(|to| stage != Stage::Closed && *to < stage);
    let labelled = |stages: Vec<Stage>| -> Vec<(String, String)> {
        stages
            .into_iter()
            .map(|to| (to.code().to_owned(), state.label(t, "stages", to.code())))
            .collect()
    };
    let (moves, back) = (labelled(moves), labelled(back));
    let status = if message.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let actor = permit.actor();
    let allowed = |action| decide(Some(actor), action, Some(&case.territory)) == Decision::Allow;
    let open = stage != Stage::Closed;
    let can_assign = open && allowed(Action::AssignCase);
    let child = child_view(state, t, &opened).await?;
    let assignee = read::assignee(state, &opened).await?;
    let assignable = match can_assign {
        true => awladna_core::assignment::assignable(state, &case.territory)
            .await?
            .into_iter()
            .map(|u| {
                let current = assignee.as_ref().is_some_and(|(id, _)| *id == u.id);
                (u.id, u.username, current)
            })
            .collect(),
        false => Vec::new(),
    };
    let actions = state.store.plan_actions(&case.id).await?;
    let plan = crate::plan::action_views(state, t, &actions).map_err(internal)?;
    let shown = if all_followups {
        usize::MAX
    } else {
        RECENT_FOLLOWUPS
    };
    let (followups, more_followups) =
        awladna_core::cards::recent(state, &opened, "followup", shown).await?;
    let (profile, _) = awladna_core::cards::recent(state, &opened, "child_profile", 1).await?;
    let referrals = crate::referrals::case_referrals(state, t, &case.id)
        .await
        .map_err(internal)?;
    let can_rectify = child.erased.is_none() && allowed(Action::RectifyIdentity);
    let protocol =
        crate::protocol::proposals::case_part(state, t, &opened, open && allowed(Action::Refer))
            .await?;
    let can_work = open && allowed(Action::WorkOnCase);
    let tasks = match can_work {
        true => awladna_core::tasks::of_case(state, case, "").await?,
        false => Vec::new(),
    };
    let review = tasks
        .iter()
        .find(|task| task.kind == awladna_core::tasks::TaskKind::PlanReview)
        .cloned()
        .map(|task| super::tasks::TaskView::of(t, task));
    let next = tasks
        .into_iter()
        .next()
        .map(|task| super::tasks::TaskView::of(t, task));
    let page = CasePage {
        id: case.id.clone(),
        number: case.number.clone(),
        stage: state.label(t, "stages", &case.stage),
        closed: !open,
        risk: case.risk.as_deref().map(|r| state.label(t, "urgency", r)),
        steps,
        place: format!(
            "{}: {}",
            t.with("case-step-of", &[("step", step_number(stage))]),
            state.label(t, "stages", &case.stage)
        ),
        next,
        review,
        timeline,
        flags: flags
            .iter()
            .filter(|f| f.active() && !f.text.is_empty())
            .map(super::flags::FlagView::of)
            .collect(),
        approval_steps: match open && allowed(Action::WorkOnCase) {
            true => super::approvals::steps(t, &case.territory),
            false => Vec::new(),
        },
        can_supervise: allowed(Action::SuperviseCase),
        approvals_waiting: approvals.iter().filter(|a| a.status == "requested").count(),
        moves,
        back,
        closure_reasons: state.choices(t, "closure_reasons"),
        version: case.version,
        message,
        notice,
        child,
        assignee: assignee.and_then(|(_, name)| name),
        assignable,
        can_work,
        can_move: allowed(Action::MoveCase),
        plan,
        statuses: state.choices(t, "plan_statuses"),
        files: crate::case_files::readable_files(t, Some(actor), &case.territory),
        followups: card_views(state, t, &followups),
        more_followups,
        profile: card_views(state, t, &profile).into_iter().next(),
        referrals,
        can_refer: open && allowed(Action::Refer),
        can_rectify,
        can_export: allowed(Action::SubjectAccess),
        protocol,
        shell,
    };
    Ok((status, page).into_response())
}

#[derive(Deserialize)]
pub struct ShowQuery {
    followups: Option<String>,
    /// A form sent twice led here: it stored once.
    already: Option<String>,
    /// An approval was asked for.
    approval: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadCase>,
    Path(id): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let all = query.followups.as_deref() == Some("all");
    let told = match (&query.already, &query.approval) {
        (Some(_), _) => Some(Told::Done(shell.t.get("form-already-saved"))),
        (None, Some(_)) => Some(Told::Done(shell.t.get("approval-request-sent"))),
        (None, None) => None,
    };
    case_page(&state, shell, &permit, &id, told, all).await
}

/// Moves the case and goes back to it; a refused move is told on the case page.
pub async fn move_to(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::MoveCase>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<super::api::MoveBody>,
) -> Result<Response, AppError> {
    let t = shell.t;
    let here = format!("/cases/{id}");
    let message = match move_case(&state, &permit, &id, &form.request()).await {
        Ok(_) => return Ok(Redirect::to(&here).into_response()),
        Err(MoveError::Core(CoreError::Invalid(errors))) => errors.first().map(|e| {
            format!(
                "{}: {}",
                t.get(&format!("case-field-{}", e.field)),
                t.with(e.problem.message_id(), &e.problem.arguments())
            )
        }),
        Err(MoveError::Illegal(illegal)) => Some(t.get(illegal.message_id())),
        Err(MoveError::Stale) => Some(t.get("case-stale")),
        Err(MoveError::NeedsApproval(_)) => Some(t.get("approval-needed")),
        Err(e) => return Err(e.into()),
    };
    // The mover reads the case they could not move (the policy lets movers read).
    let reader = permit.also::<act::ReadCase>()?;
    case_page(
        &state,
        shell.at(here),
        &reader,
        &id,
        message.map(Told::Refused),
        false,
    )
    .await
}

pub async fn evaluation_form(
    State(state): State<AppState>,
    shell: Shell,
    caller: crate::auth::Caller,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let form = state.reference.form(EVALUATION).ok_or(AppError::NotFound)?;
    let action = format!("/cases/{id}/evaluate");
    blank_form_on_case(
        &state,
        shell,
        &caller,
        &id,
        form,
        Action::WorkOnCase,
        action,
    )
    .await
}

pub async fn evaluate(
    State(state): State<AppState>,
    shell: Shell,
    caller: crate::auth::Caller,
    Guard(permit): Guard<act::WorkOnCase>,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let form = state.reference.form(EVALUATION).ok_or(AppError::NotFound)?;
    let key = crate::forms::submission_key(&pairs);
    let (values, input, _) = crate::forms::read_submission(form, pairs);
    match evaluate_case(&state, &permit, &id, &input, key.as_deref()).await {
        // The worker lands on the result: the level, the score and what drove them (and
        // is told when the same form had already stored it).
        Ok(evaluated) => {
            let told = if evaluated.repeated {
                "already"
            } else {
                "saved"
            };
            Ok(
                Redirect::to(&format!("/cases/{id}/records/{}?{told}=1", evaluated.id))
                    .into_response(),
            )
        }
        Err(awladna_core::cases::CaseError::Core(CoreError::Invalid(errors))) => {
            let action = format!("/cases/{id}/evaluate");
            super::cards::form_on_case(&state, shell, &caller, &id, form, action, &values, &errors)
                .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct AssignForm {
    user_id: Option<String>,
    confirmed: Option<String>,
}

/// Gives the case to someone once the coordinator confirmed it (the first post shows
/// who and which case, to confirm or cancel).
pub async fn assign(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::AssignCase>,
    Path(case_id): Path<String>,
    axum::Form(form): axum::Form<AssignForm>,
) -> Result<Response, AppError> {
    let unknown = || {
        AppError::refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "assign-unknown-user",
        )
    };
    let user_id = form
        .user_id
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    if !crate::confirm::given(form.confirmed.as_deref()) {
        let t = shell.t;
        let case = state
            .case_for(
                permit.who(),
                &case_id,
                Action::AssignCase,
                awladna_core::cases::Use::Change,
            )
            .await?;
        let name = match user_id {
            Some(id) => awladna_core::assignment::assignable(&state, &case.territory)
                .await?
                .into_iter()
                .find(|u| u.id == id)
                .map(|u| u.username)
                .ok_or_else(unknown)?,
            None => t.get("case-assignee-none"),
        };
        let here = format!("/cases/{}", case.id);
        return Ok(crate::confirm::ConfirmPage {
            title: t.get("case-assign-confirm-title"),
            question: t.get("case-assign-confirm"),
            facts: vec![
                (t.get("case-card-of-case"), case.number),
                (t.get("case-assignee"), name),
            ],
            action: format!("{here}/assign"),
            fields: vec![("user_id".to_owned(), user_id.unwrap_or_default().to_owned())],
            confirm: t.get("case-assign-confirm-yes"),
            cancel: here.clone(),
            shell: shell.at(here),
        }
        .into_response());
    }
    match awladna_core::assignment::assign(&state, &permit, &case_id, user_id).await {
        Ok(case_id) => Ok(Redirect::to(&format!("/cases/{case_id}")).into_response()),
        Err(awladna_core::cases::CaseError::Core(CoreError::Invalid(_))) => Err(unknown()),
        Err(e) => Err(e.into()),
    }
}
