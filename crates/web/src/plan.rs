//! The case plan (خطة التكفل): actions with the sector responsible, a due date and a
//! status; the overdue ones of a province. An evaluation that finds high risk or
//! immediate danger puts its own action on the plan, due within the configured deadline.

use crate::auth::Caller;
use crate::case_cards::{CaseRefusal, case_for};
use crate::error::{ApiError, internal, page_error, refusal};
use crate::extract::Shell;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::times::{local_time, rfc3339};
use askama::Template;
use askama_web::WebTemplate;
use awladna_domain::access::{Action, Actor, Decision, decide};
use awladna_domain::forms::{Completeness, FieldError, Problem, local_zone};
use awladna_store::cases::CaseRecord;
use awladna_store::keys::sealed_aad;
use awladna_store::plan::{NewPlanAction, OPEN_STATUSES, PlanActionRecord};
use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

const FORM: &str = "plan_action";
const STATUSES: &str = "plan_statuses";
const PAGE_SIZE: i64 = 50;

/// An action ready to store.
pub struct PlannedAction {
    id: String,
    case_id: String,
    territory: String,
    sealed: Vec<u8>,
    responsible_sector: String,
    due_at: Option<i64>,
    origin: &'static str,
    by: String,
    at_ms: i64,
}

impl PlannedAction {
    pub fn row(&self) -> NewPlanAction<'_> {
        NewPlanAction {
            id: &self.id,
            case_id: &self.case_id,
            territory: &self.territory,
            sealed: &self.sealed,
            responsible_sector: &self.responsible_sector,
            responsible_org: None,
            due_at: self.due_at,
            origin: self.origin,
            by: &self.by,
            at_ms: self.at_ms,
        }
    }
}

#[allow(clippy::too_many_arguments)] // each part of the row, given once
fn planned(
    state: &AppState,
    case: &CaseRecord,
    text: &Value,
    sector: &str,
    due_at: Option<i64>,
    origin: &'static str,
    by: &str,
    now: i64,
) -> Result<PlannedAction, String> {
    let id = uuid::Uuid::now_v7().to_string();
    let sealed = state
        .keyring
        .seal_json(text, &sealed_aad("plan_actions", "sealed", &id))
        .map_err(|e| e.to_string())?;
    Ok(PlannedAction {
        id,
        case_id: case.id.clone(),
        territory: case.territory.clone(),
        sealed,
        responsible_sector: sector.to_owned(),
        due_at,
        origin,
        by: by.to_owned(),
        at_ms: now,
    })
}

/// The action a high-risk evaluation sets: the evaluating service responds by the
/// deadline. Its words come from the interface, in the reader's language.
pub fn evaluation_response(
    state: &AppState,
    case: &CaseRecord,
    actor: &Actor,
    by: &str,
    due_at: i64,
    now: i64,
) -> Result<PlannedAction, String> {
    planned(
        state,
        case,
        &json!({}),
        &actor.sector,
        Some(due_at),
        "evaluation",
        by,
        now,
    )
}

/// A due date is met until the end of that day, Moroccan time.
fn end_of_day_ms(date: &str) -> Option<i64> {
    let date: jiff::civil::Date = date.parse().ok()?;
    let next = date.tomorrow().ok()?.to_zoned(local_zone()).ok()?;
    Some(next.timestamp().as_millisecond())
}

pub enum PlanOutcome {
    Added(String),
    Invalid(Vec<FieldError>),
    Refused(CaseRefusal),
}

/// Adds an action to a case's plan (the API and the page share it).
pub async fn add(
    state: &AppState,
    caller: &Caller,
    case_id: &str,
    input: &Value,
) -> Result<PlanOutcome, String> {
    let (_, case) = match case_for(state, caller, case_id, Action::WorkOnCase, true).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(PlanOutcome::Refused(refusal)),
    };
    let form = state
        .reference
        .form(FORM)
        .ok_or("the plan form is missing")?;
    let card = match form.check(
        input,
        Completeness::Complete,
        &state.reference,
        state.clock.now(),
    ) {
        Ok(card) => card,
        Err(errors) => return Ok(PlanOutcome::Invalid(errors)),
    };
    let (public, personal) = card.split(form);
    let text = |code: &str| public.get(code).and_then(Value::as_str).unwrap_or_default();
    let who = caller.audit_actor().unwrap_or_default();
    let now = state.now_ms();
    let action = planned(
        state,
        &case,
        &personal,
        text("plan.responsible"),
        end_of_day_ms(text("plan.due_date")),
        "plan",
        &who,
        now,
    )?;
    let run = async {
        let mut tx = state.store.begin().await?;
        tx.insert_plan_action(&action.row()).await?;
        tx.audit(caller.audit_entry(
            now,
            "case.plan_action_added",
            ("case", &case.id),
            &case.territory,
            json!({"action": action.id}),
        ))
        .await?;
        tx.commit().await
    };
    run.await.map_err(|e| e.detail())?;
    Ok(PlanOutcome::Added(action.id))
}

pub enum StatusOutcome {
    Changed { case_id: String },
    Invalid(Vec<FieldError>),
    Stale,
    Refused(CaseRefusal),
}

/// Moves an action to another status; a stale version is refused, not overwritten.
pub async fn set_status(
    state: &AppState,
    caller: &Caller,
    action_id: &str,
    status: &str,
    version: Option<i64>,
) -> Result<StatusOutcome, String> {
    let Some(action) = state
        .store
        .plan_action(action_id)
        .await
        .map_err(|e| e.detail())?
    else {
        return Ok(StatusOutcome::Refused(CaseRefusal::Hidden));
    };
    let case = match case_for(state, caller, &action.case_id, Action::WorkOnCase, true).await? {
        Ok((_, case)) => case,
        Err(refusal) => return Ok(StatusOutcome::Refused(refusal)),
    };
    let known = state
        .reference
        .vocabulary(STATUSES)
        .is_some_and(|v| v.contains(status));
    if !known {
        return Ok(StatusOutcome::Invalid(vec![FieldError {
            field: "status".into(),
            problem: Problem::UnknownCode,
        }]));
    }
    let now = state.now_ms();
    let run = async {
        let mut tx = state.store.begin().await?;
        let version = version.unwrap_or(action.version);
        if !tx.set_plan_status(&action.id, version, status, now).await? {
            return Ok(false);
        }
        tx.audit(caller.audit_entry(
            now,
            "case.plan_action_status",
            ("case", &case.id),
            &case.territory,
            json!({"action": action.id, "status": status}),
        ))
        .await?;
        tx.commit().await?;
        Ok::<_, awladna_store::StoreError>(true)
    };
    Ok(match run.await.map_err(|e| e.detail())? {
        true => StatusOutcome::Changed { case_id: case.id },
        false => StatusOutcome::Stale,
    })
}

/// An action as a reader sees it, its text opened.
pub struct ActionView {
    pub(crate) id: String,
    pub(crate) action: String,
    pub(crate) goal: String,
    pub(crate) responsible: String,
    pub(crate) responsible_code: String,
    pub(crate) due: String,
    pub(crate) due_at: Option<i64>,
    pub(crate) status: String,
    pub(crate) status_code: String,
    pub(crate) overdue: bool,
    pub(crate) origin: String,
    pub(crate) version: i64,
}

pub fn is_overdue(status: &str, due_at: Option<i64>, now: i64) -> bool {
    OPEN_STATUSES.contains(&status) && due_at.is_some_and(|due| due < now)
}

/// The actions of a case, opened (the caller has been allowed to read the case).
pub fn action_views(
    state: &AppState,
    t: Tr,
    actions: &[PlanActionRecord],
) -> Result<Vec<ActionView>, String> {
    let now = state.now_ms();
    actions
        .iter()
        .map(|a| {
            let text = state
                .keyring
                .open_json(&a.sealed, &sealed_aad("plan_actions", "sealed", &a.id))
                .map_err(|e| e.to_string())?;
            let field = |code: &str| {
                text.get(code)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let action = match a.origin.as_str() {
                "evaluation" => t.get("plan-evaluation-response"),
                // Only the retention run leaves a plan action without its text.
                _ if text.as_object().is_some_and(|o| o.is_empty()) => t.get("retention-erased"),
                _ => field("plan.action"),
            };
            Ok(ActionView {
                id: a.id.clone(),
                action,
                goal: field("plan.goal"),
                responsible: state.label(t, "sectors", &a.responsible_sector),
                responsible_code: a.responsible_sector.clone(),
                due: a.due_at.map(local_time).unwrap_or_default(),
                due_at: a.due_at,
                status: state.label(t, STATUSES, &a.status),
                status_code: a.status.clone(),
                overdue: is_overdue(&a.status, a.due_at, now),
                origin: a.origin.clone(),
                version: a.version,
            })
        })
        .collect()
}

// ---- API -----------------------------------------------------------------------------

type JsonBody = Result<Json<Value>, axum::extract::rejection::JsonRejection>;

pub async fn api_add(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(case_id): Path<String>,
    body: JsonBody,
) -> Response {
    let Json(input) = match body {
        Ok(body) => body,
        Err(rejection) => return crate::api::bad_body(t, rejection.status()),
    };
    match add(&state, &caller, &case_id, &input).await {
        Ok(PlanOutcome::Added(id)) => {
            (StatusCode::CREATED, Json(json!({"id": id}))).into_response()
        }
        Ok(PlanOutcome::Invalid(errors)) => ApiError::Invalid(t, errors).into_response(),
        Ok(PlanOutcome::Refused(refusal)) => refusal.api(t),
        Err(detail) => internal(true, t, &detail),
    }
}

pub async fn api_list(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(case_id): Path<String>,
) -> Response {
    let case = match case_for(&state, &caller, &case_id, Action::ReadCase, false).await {
        Ok(Ok((_, case))) => case,
        Ok(Err(refusal)) => return refusal.api(t),
        Err(detail) => return internal(true, t, &detail),
    };
    let actions = match state.store.plan_actions(&case.id).await {
        Ok(actions) => actions,
        Err(e) => return crate::error::store_failure(t, &e),
    };
    let views = match action_views(&state, t, &actions) {
        Ok(views) => views,
        Err(detail) => return internal(true, t, &detail),
    };
    let entry = caller.audit_entry(
        state.now_ms(),
        "case.plan_read",
        ("case", &case.id),
        &case.territory,
        json!({}),
    );
    if let Err(e) = state.audit_alone(entry).await {
        return crate::error::store_failure(t, &e);
    }
    Json(json!({
        "actions": views.iter().map(|a| {
            let mut values = Map::new();
            values.insert("id".into(), json!(a.id));
            values.insert("action".into(), json!(a.action));
            values.insert("goal".into(), json!(a.goal));
            values.insert("responsible".into(), json!(a.responsible_code));
            values.insert("due_at".into(), json!(a.due_at.map(rfc3339)));
            values.insert("status".into(), json!(a.status_code));
            values.insert("overdue".into(), json!(a.overdue));
            values.insert("origin".into(), json!(a.origin));
            values.insert("version".into(), json!(a.version));
            Value::Object(values)
        }).collect::<Vec<_>>(),
    }))
    .into_response()
}

#[derive(Deserialize)]
pub struct StatusBody {
    status: String,
    version: Option<i64>,
}

fn status_response(t: Tr, api: bool, outcome: Result<StatusOutcome, String>) -> Response {
    match outcome {
        Ok(StatusOutcome::Changed { case_id }) if api => {
            Json(json!({"case_id": case_id})).into_response()
        }
        Ok(StatusOutcome::Changed { case_id }) => {
            Redirect::to(&format!("/cases/{case_id}")).into_response()
        }
        Ok(StatusOutcome::Invalid(errors)) if api => ApiError::Invalid(t, errors).into_response(),
        Ok(StatusOutcome::Invalid(_)) => crate::error::page_refusal(
            t,
            StatusCode::UNPROCESSABLE_ENTITY,
            "form-error-unknown-code",
        ),
        Ok(StatusOutcome::Stale) if api => refusal(t, StatusCode::CONFLICT, "stale", "case-stale"),
        Ok(StatusOutcome::Stale) => {
            crate::error::page_refusal(t, StatusCode::CONFLICT, "case-stale")
        }
        Ok(StatusOutcome::Refused(r)) if api => r.api(t),
        Ok(StatusOutcome::Refused(r)) => r.page(t),
        Err(detail) => internal(api, t, &detail),
    }
}

pub async fn api_status(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(action_id): Path<String>,
    body: Result<Json<StatusBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(body) => body,
        Err(rejection) => return crate::api::bad_body(t, rejection.status()),
    };
    let outcome = set_status(
        &state,
        &caller,
        &action_id,
        body.status.trim(),
        body.version,
    )
    .await;
    status_response(t, true, outcome)
}

// ---- Pages ---------------------------------------------------------------------------

pub async fn form_page(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Path(case_id): Path<String>,
) -> Response {
    let Some(form) = state.reference.form(FORM) else {
        return page_error(t, StatusCode::NOT_FOUND);
    };
    let action = format!("/cases/{case_id}/plan");
    crate::case_cards::blank_form_on_case(
        &state,
        t,
        &caller,
        uri.path(),
        &case_id,
        form,
        Action::WorkOnCase,
        action,
    )
    .await
}

pub async fn save_page(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Path(case_id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Response {
    let Some(form) = state.reference.form(FORM) else {
        return page_error(t, StatusCode::NOT_FOUND);
    };
    let (values, input, _) = crate::pages::read_submission(form, pairs);
    match add(&state, &caller, &case_id, &input).await {
        Ok(PlanOutcome::Added(_)) => Redirect::to(&format!("/cases/{case_id}")).into_response(),
        Ok(PlanOutcome::Invalid(errors)) => {
            let action = format!("/cases/{case_id}/plan");
            crate::pages::storing_form(
                t,
                uri.path().to_owned(),
                &caller,
                form,
                &state.reference,
                action,
                &values,
                &errors,
            )
        }
        Ok(PlanOutcome::Refused(refusal)) => refusal.page(t),
        Err(detail) => internal(false, t, &detail),
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
    version: Option<i64>,
}

pub async fn status_page(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path((_case_id, action_id)): Path<(String, String)>,
    axum::Form(form): axum::Form<StatusForm>,
) -> Response {
    let outcome = set_status(
        &state,
        &caller,
        &action_id,
        form.status.trim(),
        form.version,
    )
    .await;
    status_response(t, false, outcome)
}

/// One line of the overdue list.
pub struct OverdueView {
    case_id: String,
    case_number: String,
    responsible: String,
    due: String,
    status: String,
    from_evaluation: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "overdue.html")]
pub struct OverduePage {
    shell: Shell,
    items: Vec<OverdueView>,
    total: i64,
    page: i64,
    pages: i64,
    /// For the coordinator: the province's linking cards unanswered past their deadline.
    referrals: Vec<crate::referrals::ReferralLine>,
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

/// The overdue actions in the caller's scope: one page of them, and how many in all.
async fn overdue(
    state: &AppState,
    caller: &Caller,
    page: i64,
) -> Result<Result<(Vec<awladna_store::plan::OverdueAction>, i64), Decision>, String> {
    let Some(actor) = caller.actor.as_ref() else {
        return Ok(Err(Decision::SignIn));
    };
    match decide(Some(actor), Action::ReadCase, None) {
        Decision::Allow => {}
        refusal => return Ok(Err(refusal)),
    }
    let found = state
        .store
        .overdue_actions(
            actor.territory.as_deref(),
            state.now_ms(),
            PAGE_SIZE,
            (page - 1) * PAGE_SIZE,
        )
        .await
        .map_err(|e| e.detail())?;
    Ok(Ok(found))
}

pub async fn overdue_page(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Query(query): Query<PageQuery>,
) -> Response {
    let page = query.page.unwrap_or(1).max(1);
    let (rows, total) = match overdue(&state, &caller, page).await {
        Ok(Ok(found)) => found,
        Ok(Err(_)) => {
            return crate::error::page_refusal(t, StatusCode::FORBIDDEN, "auth-forbidden");
        }
        Err(detail) => return internal(false, t, &detail),
    };
    let referrals = match caller.actor.as_ref() {
        Some(actor) if actor.has(awladna_domain::access::Role::Coordinator) => {
            match crate::referrals::overdue_referrals(&state, t, actor).await {
                Ok(lines) => lines,
                Err(detail) => return internal(false, t, &detail),
            }
        }
        _ => Vec::new(),
    };
    let items = rows
        .into_iter()
        .map(|a| OverdueView {
            case_id: a.case_id,
            case_number: a.case_number,
            responsible: state.label(t, "sectors", &a.responsible_sector),
            due: local_time(a.due_at),
            status: state.label(t, STATUSES, &a.status),
            from_evaluation: a.origin == "evaluation",
        })
        .collect();
    OverduePage {
        shell: Shell {
            t,
            here: uri.path().to_owned(),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        items,
        total,
        page,
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
        referrals,
    }
    .into_response()
}

pub async fn api_overdue(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Query(query): Query<PageQuery>,
) -> Response {
    let page = query.page.unwrap_or(1).max(1);
    match overdue(&state, &caller, page).await {
        Ok(Ok((rows, total))) => Json(json!({
            "total": total,
            "page": page,
            "page_size": PAGE_SIZE,
            "actions": rows.iter().map(|a| json!({
                "id": a.id,
                "case_id": a.case_id,
                "case_number": a.case_number,
                "responsible": a.responsible_sector,
                "due_at": rfc3339(a.due_at),
                "status": a.status,
                "origin": a.origin,
            })).collect::<Vec<_>>(),
        }))
        .into_response(),
        Ok(Err(_)) => refusal(t, StatusCode::FORBIDDEN, "forbidden", "auth-forbidden"),
        Err(detail) => internal(true, t, &detail),
    }
}
