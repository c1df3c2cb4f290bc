//! The case in the web interface: triage from the report's page (the possible matches
//! beside the report, one tap to link or to open a new child), the case page (stepper,
//! risk, timeline, the moves the stage allows) and the province's case list.

use crate::auth::Caller;
use crate::case_cards::{CardView, card_values, card_views, display_name, open_identity};
use crate::cases::{
    Entry, ListQuery, MoveOutcome, MoveRequest, TriageOutcome, case_filter, load_case, move_case,
    triage_report,
};
use crate::error::{internal, page_error, page_refusal};
use crate::extract::Shell;
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_domain::access::{Action, Decision, decide};
use awladna_domain::pathway::{Stage, check_move};
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct TriageForm {
    child_id: Option<String>,
    new_child: Option<String>,
}

pub async fn triage(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<TriageForm>,
) -> Response {
    let child = form.child_id.filter(|c| !c.is_empty());
    let new_child = child.is_none() && form.new_child.is_some();
    match triage_report(&state, &caller, &id, child, new_child).await {
        Ok(TriageOutcome::Opened(case)) => {
            Redirect::to(&format!("/cases/{}", case.id)).into_response()
        }
        Ok(TriageOutcome::Refused(status, _, message)) => page_refusal(t, status, message),
        Ok(TriageOutcome::NotFound) => page_error(t, StatusCode::NOT_FOUND),
        Ok(TriageOutcome::Invalid(_)) => page_refusal(
            t,
            StatusCode::UNPROCESSABLE_ENTITY,
            "form-error-unknown-code",
        ),
        Err(detail) => internal(false, t, &detail),
    }
}

pub struct StepView {
    number: usize,
    label: String,
    current: bool,
    done: bool,
}

pub struct EntryView {
    at: String,
    text: String,
    reason: Option<String>,
    link: Option<String>,
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
    timeline: Vec<EntryView>,
    moves: Vec<(String, String)>,
    closure_reasons: Vec<(String, String)>,
    version: i64,
    message: Option<String>,
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
    corrections: Vec<crate::rectification::CorrectionView>,
}

/// How many follow-up cards the case page shows; the API lists them all.
const RECENT_FOLLOWUPS: usize = 5;

async fn child_view(state: &AppState, t: Tr, child_id: &str) -> Result<ChildView, String> {
    let Some((sex, birth_year, sealed)) = state
        .store
        .child_identity(child_id)
        .await
        .map_err(|e| e.detail())?
    else {
        return Ok(ChildView::default());
    };
    let identity = open_identity(state, child_id, sealed.as_deref())?;
    let text = |key: &str| {
        identity
            .get(key)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let name = display_name(&identity);
    let erased = crate::retention::erased_on(state, child_id).await?;
    let corrections = crate::rectification::history(state, t, child_id).await?;
    let born = match text("birth_date") {
        date if !date.is_empty() => date,
        _ => birth_year.map(|y| format!("≈ {y}")).unwrap_or_default(),
    };
    Ok(ChildView {
        name: if let Some(day) = &erased {
            format!("{} {day}", t.get("retention-erased-on"))
        } else if name.is_empty() {
            t.get("child-unnamed")
        } else {
            name
        },
        sex: state.label(t, "sex", &sex),
        born,
        mother: text("mother_name"),
        erased,
        corrections,
    })
}

/// The newest `limit` cards of a form on a case, opened (the case read is audited), and
/// whether there are more.
async fn recent_cards(
    state: &AppState,
    t: Tr,
    case_id: &str,
    form: &str,
    limit: usize,
) -> Result<(Vec<CardView>, bool), String> {
    let cards = state
        .store
        .case_cards_of_form(case_id, form)
        .await
        .map_err(|e| e.detail())?;
    let more = cards.len() > limit;
    let mut opened = Vec::new();
    for card in cards.into_iter().take(limit) {
        let values = card_values(state, &card)?;
        opened.push((card, values));
    }
    Ok((card_views(state, t, &opened), more))
}

async fn case_page(
    state: &AppState,
    t: Tr,
    caller: &Caller,
    here: &str,
    id: &str,
    message: Option<String>,
    all_followups: bool,
) -> Response {
    let (case, timeline) = match load_case(state, caller, id).await {
        Ok(Ok(loaded)) => loaded,
        Ok(Err(Decision::Deny)) => return page_refusal(t, StatusCode::FORBIDDEN, "auth-forbidden"),
        Ok(Err(_)) => return page_error(t, StatusCode::NOT_FOUND),
        Err(detail) => return internal(false, t, &detail),
    };
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
    let mut usernames: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut entries = Vec::new();
    for entry in timeline {
        entries.push(match entry {
            Entry::Stage {
                at_ms,
                to,
                by,
                reason,
                ..
            } => {
                let who = match by {
                    Some(id) => match usernames.get(&id) {
                        Some(name) => Some(name.clone()),
                        None => {
                            let name = state
                                .store
                                .user_by_id(&id)
                                .await
                                .ok()
                                .flatten()
                                .map(|u| u.username)
                                .unwrap_or(id.clone());
                            usernames.insert(id, name.clone());
                            Some(name)
                        }
                    },
                    None => None,
                };
                let text = format!(
                    "{} {}{}",
                    t.get("case-moved-to"),
                    state.label(t, "stages", &to),
                    who.map(|w| format!(" — {w}")).unwrap_or_default()
                );
                EntryView {
                    at: crate::times::local_time(at_ms),
                    text,
                    reason,
                    link: None,
                }
            }
            Entry::Card {
                at_ms,
                form,
                id,
                complete,
            } => {
                let title = state
                    .reference
                    .form(&form)
                    .map(|f| f.labels.get(t.lang).to_owned())
                    .unwrap_or(form.clone());
                let state_label = t.get(if complete {
                    "report-complete"
                } else {
                    "report-draft"
                });
                let link = (form == "report").then(|| format!("/reports/{id}"));
                EntryView {
                    at: crate::times::local_time(at_ms),
                    text: format!("{title} ({state_label})"),
                    reason: None,
                    link,
                }
            }
        });
    }
    // Only the moves this stage allows are offered: nothing greyed out that cannot be done.
    let moves = Stage::ALL
        .iter()
        .filter(|to| check_move(stage, **to).is_ok())
        .map(|to| (to.code().to_owned(), state.label(t, "stages", to.code())))
        .collect();
    let closure_reasons = state.choices(t, "closure_reasons");
    let status = if message.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let actor = caller.actor.as_ref();
    let allowed = |action| {
        actor.is_some_and(|a| decide(Some(a), action, Some(&case.territory)) == Decision::Allow)
    };
    let open = stage != Stage::Closed;
    let can_assign = open && allowed(Action::AssignCase);
    let details = async {
        let child = child_view(state, t, &case.child_id).await?;
        let assignee_id = state
            .store
            .case_assignee(&case.id)
            .await
            .map_err(|e| e.detail())?;
        let assignee = match &assignee_id {
            Some(id) => state
                .store
                .user_by_id(id)
                .await
                .map_err(|e| e.detail())?
                .map(|u| u.username),
            None => None,
        };
        let assignable = match can_assign {
            true => crate::assignment::assignable(state, &case.territory)
                .await?
                .into_iter()
                .map(|u| {
                    let current = assignee_id.as_deref() == Some(u.id.as_str());
                    (u.id, u.username, current)
                })
                .collect(),
            false => Vec::new(),
        };
        let actions = state
            .store
            .plan_actions(&case.id)
            .await
            .map_err(|e| e.detail())?;
        let plan = crate::plan::action_views(state, t, &actions)?;
        let shown = if all_followups {
            usize::MAX
        } else {
            RECENT_FOLLOWUPS
        };
        let followups = recent_cards(state, t, &case.id, "followup", shown).await?;
        let profile = recent_cards(state, t, &case.id, "child_profile", 1)
            .await?
            .0
            .into_iter()
            .next();
        let referrals = crate::referrals::case_referrals(state, t, &case.id).await?;
        Ok::<_, String>((
            child, assignee, assignable, plan, followups, profile, referrals,
        ))
    };
    let (child, assignee, assignable, plan, (followups, more_followups), profile, referrals) =
        match details.await {
            Ok(details) => details,
            Err(detail) => return internal(false, t, &detail),
        };
    let child_erased = child.erased.clone();
    let page = CasePage {
        shell: Shell {
            t,
            here: here.to_owned(),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        id: case.id.clone(),
        number: case.number.clone(),
        stage: state.label(t, "stages", &case.stage),
        closed: !open,
        risk: case.risk.as_deref().map(|r| state.label(t, "urgency", r)),
        steps,
        timeline: entries,
        moves,
        closure_reasons,
        version: case.version,
        message,
        child,
        assignee,
        assignable,
        can_work: open && allowed(Action::WorkOnCase),
        can_move: allowed(Action::MoveCase),
        plan,
        statuses: state.choices(t, "plan_statuses"),
        files: crate::case_files::readable_files(t, actor, &case.territory),
        followups,
        more_followups,
        profile,
        referrals,
        can_refer: open && allowed(Action::Refer),
        can_rectify: child_erased.is_none() && allowed(Action::RectifyIdentity),
        can_export: allowed(Action::SubjectAccess),
    };
    (status, page).into_response()
}

pub async fn show(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Path(id): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Response {
    let all = query.followups.as_deref() == Some("all");
    case_page(&state, t, &caller, uri.path(), &id, None, all).await
}

#[derive(Deserialize)]
pub struct ShowQuery {
    followups: Option<String>,
}

#[derive(Deserialize)]
pub struct MoveForm {
    to: String,
    #[serde(default)]
    reason: String,
    closure_reason: Option<String>,
    version: Option<i64>,
}

pub async fn move_to(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<MoveForm>,
) -> Response {
    let request = MoveRequest {
        to: &form.to,
        reason: &form.reason,
        closure_reason: form.closure_reason.as_deref(),
        version: form.version,
    };
    let here = format!("/cases/{id}");
    let message = match move_case(&state, &caller, &id, &request).await {
        Ok(MoveOutcome::Moved { .. }) => return Redirect::to(&here).into_response(),
        Ok(MoveOutcome::Invalid(errors)) => errors.first().map(|e| {
            format!(
                "{}: {}",
                t.get(&format!("case-field-{}", e.field)),
                t.with(e.problem.message_id(), &e.problem.arguments())
            )
        }),
        Ok(MoveOutcome::Illegal(illegal)) => Some(t.get(illegal.message_id())),
        Ok(MoveOutcome::Stale) => Some(t.get("case-stale")),
        Ok(MoveOutcome::Refused(Decision::Deny)) => {
            return page_refusal(t, StatusCode::FORBIDDEN, "auth-forbidden");
        }
        Ok(MoveOutcome::Refused(_)) => return page_error(t, StatusCode::NOT_FOUND),
        Err(detail) => return internal(false, t, &detail),
    };
    case_page(&state, t, &caller, &here, &id, message, false).await
}

pub struct CaseLine {
    id: String,
    number: String,
    stage: String,
    risk: String,
    opened: String,
    child: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "cases.html")]
pub struct CasesPage {
    shell: Shell,
    lines: Vec<CaseLine>,
    total_text: String,
    stages: Vec<(String, String, bool)>,
    risks: Vec<(String, String, bool)>,
    concerns: Vec<(String, String, bool)>,
    mine: bool,
    overdue: bool,
    previous: Option<String>,
    next: Option<String>,
}

const PAGE: i64 = 25;

/// The link to another page of the list, with the same filters.
fn list_link(query: &ListQuery, page: i64) -> String {
    let filters = [
        ("stage", &query.stage),
        ("risk", &query.risk),
        ("sex", &query.sex),
        ("age_band", &query.age_band),
        ("concern", &query.concern),
        ("mine", &query.mine),
        ("overdue", &query.overdue),
    ];
    let page = page.to_string();
    let pairs: Vec<(&str, &str)> = filters
        .iter()
        .filter_map(|(name, value)| Some((*name, value.as_deref().filter(|v| !v.is_empty())?)))
        .chain([("page", page.as_str())])
        .collect();
    format!(
        "/cases?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

pub async fn list(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Query(query): Query<ListQuery>,
) -> Response {
    let Some(actor) = caller.actor.clone() else {
        return page_error(t, StatusCode::UNAUTHORIZED);
    };
    // The form offers only known codes: a wrong one comes from an edited address.
    let filter = match case_filter(&state, &actor, &query) {
        Ok(filter) => filter,
        Err(errors) => {
            let message = errors
                .first()
                .map_or("form-error-unknown-code", |e| e.problem.message_id());
            return page_refusal(t, StatusCode::UNPROCESSABLE_ENTITY, message);
        }
    };
    let page = query.page.unwrap_or(1).max(1);
    let (rows, total) = match state
        .store
        .cases_page(&filter, PAGE, (page - 1) * PAGE)
        .await
    {
        Ok(found) => found,
        Err(e) => return internal(false, t, &e.detail()),
    };
    let lines = rows
        .iter()
        .map(|c| CaseLine {
            id: c.id.clone(),
            number: c.number.clone(),
            stage: state.label(t, "stages", &c.stage),
            risk: c
                .risk
                .as_deref()
                .map(|r| state.label(t, "urgency", r))
                .unwrap_or_default(),
            opened: crate::times::local_time(c.opened_at),
            child: format!(
                "{}{}",
                state.label(t, "sex", &c.sex),
                c.birth_year.map(|y| format!(" · {y}")).unwrap_or_default()
            ),
        })
        .collect();
    let options = |vocabulary: &str, chosen: &Option<String>| -> Vec<(String, String, bool)> {
        state
            .reference
            .vocabulary(vocabulary)
            .map(|v| {
                v.terms
                    .iter()
                    .map(|term| {
                        (
                            term.code.clone(),
                            term.labels.get(t.lang).to_owned(),
                            chosen.as_deref() == Some(term.code.as_str()),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    CasesPage {
        shell: Shell {
            t,
            here: uri.path().to_owned(),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        lines,
        total_text: t.with("cases-total", &[("count", total)]),
        stages: options("stages", &filter.stage),
        risks: options("urgency", &filter.risk),
        concerns: options("concerns", &filter.concern),
        mine: filter.assigned_to.is_some(),
        overdue: filter.overdue_at.is_some(),
        previous: (page > 1).then(|| list_link(&query, page - 1)),
        next: (page * PAGE < total).then(|| list_link(&query, page + 1)),
    }
    .into_response()
}

const EVALUATION: &str = "evaluation";

pub async fn evaluation_form(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Path(id): Path<String>,
) -> Response {
    let Some(form) = state.reference.form(EVALUATION) else {
        return page_error(t, StatusCode::NOT_FOUND);
    };
    let action = format!("/cases/{id}/evaluate");
    crate::case_cards::blank_form_on_case(
        &state,
        t,
        &caller,
        uri.path(),
        &id,
        form,
        Action::WorkOnCase,
        action,
    )
    .await
}

pub async fn evaluate(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Response {
    let Some(form) = state.reference.form(EVALUATION) else {
        return page_error(t, StatusCode::NOT_FOUND);
    };
    let (values, input, _) = crate::pages::read_submission(form, pairs);
    match crate::evaluations::evaluate(&state, &caller, &id, &input).await {
        Ok(crate::evaluations::EvaluationOutcome::Recorded { .. }) => {
            Redirect::to(&format!("/cases/{id}")).into_response()
        }
        Ok(crate::evaluations::EvaluationOutcome::Invalid(errors)) => {
            let action = format!("/cases/{id}/evaluate");
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
        Ok(crate::evaluations::EvaluationOutcome::Refused(refusal)) => refusal.page(t),
        Err(detail) => internal(false, t, &detail),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "queue.html")]
pub struct QueuePage {
    shell: Shell,
    title: String,
    empty: String,
    items: Vec<(String, String, String)>,
}

fn queue(
    t: Tr,
    caller: &Caller,
    here: &str,
    title_id: &str,
    empty_id: &str,
    items: Vec<(String, String, String)>,
) -> Response {
    QueuePage {
        shell: Shell {
            t,
            here: here.to_owned(),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        title: t.get(title_id),
        empty: t.get(empty_id),
        items,
    }
    .into_response()
}

/// The province's complete reports that no one has triaged yet, oldest first.
pub async fn waiting(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
) -> Response {
    let Some(territory) = caller.actor.as_ref().and_then(|a| a.territory.clone()) else {
        return page_error(t, StatusCode::NOT_FOUND);
    };
    let (reports, _) = match state.store.reports_awaiting_triage(&territory, 200).await {
        Ok(found) => found,
        Err(e) => return internal(false, t, &e.detail()),
    };
    let title = state
        .reference
        .form("report")
        .map(|f| f.labels.get(t.lang).to_owned())
        .unwrap_or_default();
    let items = reports
        .into_iter()
        .map(|(id, at)| {
            (
                format!("/reports/{id}"),
                title.clone(),
                crate::times::local_time(at),
            )
        })
        .collect();
    queue(
        t,
        &caller,
        uri.path(),
        "waiting-title",
        "waiting-none",
        items,
    )
}

/// The open alerts of the coordinator's province (high risk, break-glass), newest first.
pub async fn alerts(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
) -> Response {
    let Some(territory) = caller.actor.as_ref().and_then(|a| a.territory.clone()) else {
        return page_error(t, StatusCode::NOT_FOUND);
    };
    let alerts = match state.store.open_alerts(&territory, 100).await {
        Ok(alerts) => alerts,
        Err(e) => return internal(false, t, &e.detail()),
    };
    let items = alerts
        .into_iter()
        .map(|a| {
            let link = match (a.record_kind.as_deref(), a.record_id.as_deref()) {
                (Some("case"), Some(id)) => format!("/cases/{id}"),
                (Some("report"), Some(id)) => format!("/reports/{id}"),
                _ => "/".to_owned(),
            };
            (
                link,
                t.get(&format!("alert-{}", a.kind)),
                crate::times::local_time(a.created_at),
            )
        })
        .collect();
    queue(t, &caller, uri.path(), "alerts-title", "alerts-none", items)
}
