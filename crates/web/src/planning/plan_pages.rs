//! The action plan's pages: the province's plan versions (and the technical cell's form
//! to draft the first from an approved diagnosis), one plan as a tree of priorities →
//! objectives → actions with its timeline and progress (the technical cell's forms while
//! a draft, the chair's approval with the meeting, each organisation's progress form),
//! and the ministry's national view with its XLSX.

use super::problems_of;
use crate::committee::Scope;
use crate::committee::pages::{choose_province, may, province_label, version};
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::action_plans::{self as use_case, Edit, NewPlan, Plan, ProgressInput};
use awladna_core::committee::province;
use awladna_core::{CoreError, Permit, Who, act};
use awladna_domain::access::Action;
use awladna_domain::action_plan::{BudgetLine, FUNDING, Indicator};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

type Form = axum::Form<HashMap<String, String>>;

fn field(form: &HashMap<String, String>, name: &str) -> String {
    form.get(name).cloned().unwrap_or_default()
}

pub struct PlanLine {
    pub id: String,
    pub title: String,
    pub years: String,
    pub version: i64,
    pub status: String,
}

pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "action_plans.html")]
pub struct PlansPage {
    shell: Shell,
    territory: String,
    territory_name: String,
    plans: Vec<PlanLine>,
    can_create: bool,
    diagnoses: Vec<Choice>,
    errors: Vec<String>,
}

async fn plans_page(
    state: &AppState,
    shell: Shell,
    who: Who,
    territory: &str,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let t = shell.t;
    let permit = Permit::<act::ReadPlanning>::check(who)?;
    let list = use_case::plans(state, &permit, territory).await?;
    let diagnoses = awladna_core::diagnosis::diagnoses(state, &permit, territory).await?;
    Ok(PlansPage {
        territory: territory.to_owned(),
        territory_name: province_label(state, t, territory),
        can_create: list.is_empty() && may(&permit, Action::DraftPlanning, territory),
        plans: list
            .iter()
            .map(|p| PlanLine {
                id: p.id.clone(),
                title: p.title.clone(),
                years: format!("{} – {}", p.first_year, p.last_year),
                version: p.plan_version,
                status: t.get(&format!("plan-status-{}", p.status)),
            })
            .collect(),
        diagnoses: diagnoses
            .iter()
            .filter(|d| d.status == "approved")
            .map(|d| Choice {
                value: d.id.clone(),
                label: format!("{} – {}", d.period_from, d.period_to),
            })
            .collect(),
        errors,
        shell,
    }
    .into_response())
}

pub async fn plans(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadPlanning>,
    Query(scope): Query<Scope>,
) -> Result<Response, AppError> {
    if let Some(choose) = choose_province(&state, &shell, &permit, &scope, "/action-plans") {
        return Ok(choose);
    }
    let territory = province(&state, &permit, scope.territory.as_deref())?;
    plans_page(&state, shell, permit.who().clone(), &territory, Vec::new()).await
}

pub async fn create(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::DraftPlanning>,
    axum::Form(form): Form,
) -> Result<Response, AppError> {
    let territory = province(&state, &permit, form.get("territory").map(String::as_str))?;
    let first = field(&form, "first_year").trim().parse().ok();
    let input = NewPlan {
        title: field(&form, "title"),
        first_year: first,
        last_year: field(&form, "last_year")
            .trim()
            .parse()
            .ok()
            .or(first.map(|f| f + 2)),
        diagnosis: form.get("diagnosis").cloned(),
    };
    match use_case::create(&state, &permit, &territory, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/action-plans/{id}")).into_response()),
        Err(e) => {
            let errors = problems_of(shell.t, e)?;
            let here = shell.at("/action-plans");
            plans_page(&state, here, permit.who().clone(), &territory, errors).await
        }
    }
}

pub struct ActionView {
    pub key: String,
    pub title: String,
    pub organisation: String,
    pub partners: String,
    pub dates: String,
    pub budget: String,
    pub percent: i64,
    pub state: String,
    pub can_progress: bool,
    pub entries: Vec<String>,
}

pub struct ObjectiveView {
    pub key: String,
    pub title: String,
    pub indicators: Vec<String>,
    pub actions: Vec<ActionView>,
}

pub struct PriorityView {
    pub key: String,
    pub title: String,
    pub justification: String,
    pub objectives: Vec<ObjectiveView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "action_plan.html")]
pub struct PlanPage {
    shell: Shell,
    id: String,
    title: String,
    territory_name: String,
    years: String,
    status: String,
    plan_version: i64,
    version: i64,
    execution_rate: u32,
    on_track: String,
    tree: Vec<PriorityView>,
    gantt: String,
    can_edit: bool,
    can_approve: bool,
    can_revise: bool,
    organisations: Vec<Choice>,
    meetings: Vec<Choice>,
    funding: Vec<Choice>,
    sources: Vec<Choice>,
    errors: Vec<String>,
}

fn number(v: Option<f64>) -> String {
    v.map(awladna_domain::diagnosis::format_number)
        .unwrap_or_else(|| "–".into())
}

async fn plan_page(
    state: &AppState,
    shell: Shell,
    who: Who,
    id: &str,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let t = shell.t;
    let permit = Permit::<act::ReadPlanning>::check(who.clone())?;
    let plan: Plan = use_case::plan(state, &permit, id).await?;
    let r = &plan.record;
    let territory = r.territory.clone();
    let orgs = state
        .store
        .organisations(Some(&territory))
        .await
        .map_err(CoreError::from)?;
    let org_name = |code: &str| {
        orgs.iter()
            .find(|o| o.code == code)
            .map_or(code.to_owned(), |o| o.name.clone())
    };
    let approved = r.status == "approved";
    let contributes = may(&permit, Action::ContributePlanning, &territory);
    let tree = plan
        .doc
        .priorities
        .iter()
        .map(|p| PriorityView {
            key: p.key.clone(),
            title: p.title.clone(),
            justification: p.justification.clone(),
            objectives: p
                .objectives
                .iter()
                .map(|o| ObjectiveView {
                    key: o.key.clone(),
                    title: o.title.clone(),
                    indicators: o
                        .indicators
                        .iter()
                        .map(|i| {
                            let line = plan.indicators.get(&i.key);
                            format!(
                                "{} ({}): {} {} → {} {} · {} {}{}",
                                i.name,
                                i.unit,
                                t.get("plan-field-baseline"),
                                number(Some(i.baseline)),
                                t.get("plan-field-target"),
                                number(line.and_then(|l| l.target)),
                                t.get("plan-field-value"),
                                number(line.and_then(|l| l.value)),
                                match (line.is_some_and(|l| l.on_track), &i.source) {
                                    (true, _) => format!(" ✓ {}", t.get("plan-on-track")),
                                    (false, _) => String::new(),
                                }
                            )
                        })
                        .collect(),
                    actions: o
                        .actions
                        .iter()
                        .filter_map(|a| {
                            let line = plan.actions.get(&a.key)?;
                            Some(ActionView {
                                key: a.key.clone(),
                                title: a.title.clone(),
                                organisation: org_name(&a.organisation),
                                partners: a.partners.clone(),
                                dates: format!("{} → {}", a.start, a.end),
                                budget: a
                                    .budget
                                    .iter()
                                    .map(|b| {
                                        format!(
                                            "{} {}: {}",
                                            b.year,
                                            t.get(&format!("plan-funding-{}", b.source)),
                                            number(Some(b.amount))
                                        )
                                    })
                                    .collect::<Vec<_>>()
                                    .join(" · "),
                                percent: line.percent,
                                state: t.get(&format!("plan-state-{}", line.state.code())),
                                can_progress: approved
                                    && contributes
                                    && who.organisation() == Some(a.organisation.as_str()),
                                entries: line
                                    .entries
                                    .iter()
                                    .map(|e| {
                                        format!(
                                            "{} · {}% · {}{}{}",
                                            crate::times::local_time(e.at),
                                            e.percent,
                                            e.note,
                                            if e.evidence.is_empty() {
                                                String::new()
                                            } else {
                                                format!(" · {}", e.evidence)
                                            },
                                            if e.reviewed_at.is_some() {
                                                format!(" · ✓ {}", t.get("plan-reviewed"))
                                            } else {
                                                String::new()
                                            }
                                        )
                                    })
                                    .collect(),
                            })
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let meetings = state
        .store
        .meetings(&territory)
        .await
        .map_err(CoreError::from)?
        .into_iter()
        .filter(|m| m.status != "draft")
        .map(|m| Choice {
            value: m.id.clone(),
            label: crate::times::local_time(m.starts_at),
        })
        .collect();
    let gantt = super::gantt::draw(&plan, &t.get("plan-timeline"));
    Ok(PlanPage {
        id: r.id.clone(),
        title: r.title.clone(),
        territory_name: province_label(state, t, &territory),
        years: format!("{} – {}", r.first_year, r.last_year),
        status: t.get(&format!("plan-status-{}", r.status)),
        plan_version: r.plan_version,
        version: r.version,
        execution_rate: plan.execution_rate,
        on_track: format!("{} / {}", plan.on_track.0, plan.on_track.1),
        can_edit: r.status == "draft" && may(&permit, Action::DraftPlanning, &territory),
        can_approve: r.status == "draft" && may(&permit, Action::ApprovePlanning, &territory),
        can_revise: approved && may(&permit, Action::DraftPlanning, &territory),
        organisations: orgs
            .iter()
            .map(|o| Choice {
                value: o.code.clone(),
                label: o.name.clone(),
            })
            .collect(),
        meetings,
        funding: FUNDING
            .iter()
            .map(|f| Choice {
                value: (*f).to_owned(),
                label: t.get(&format!("plan-funding-{f}")),
            })
            .collect(),
        sources: [
            "cases",
            "reports",
            "referral_response_hours",
            "referrals_overdue",
        ]
        .iter()
        .filter_map(|c| awladna_domain::stats::registry().indicator(c))
        .map(|i| Choice {
            value: i.code.clone(),
            label: i.name.get(t.lang).to_owned(),
        })
        .collect(),
        tree,
        gantt,
        errors,
        shell,
    }
    .into_response())
}

pub async fn plan(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadPlanning>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    plan_page(&state, shell, permit.who().clone(), &id, Vec::new()).await
}

/// The change a page form asks for (its `kind`).
fn edit_of(form: &HashMap<String, String>) -> Edit {
    let f = |n: &str| field(form, n);
    let decimal = |n: &str| {
        f(n).trim()
            .replace(',', ".")
            .parse::<f64>()
            .unwrap_or(f64::NAN)
    };
    match f("kind").as_str() {
        "add_objective" => Edit::AddObjective {
            priority: f("priority"),
            title: f("title"),
        },
        "add_action" => Edit::AddAction {
            objective: f("objective"),
            action: awladna_domain::action_plan::Action {
                title: f("title"),
                organisation: f("organisation"),
                partners: f("partners"),
                start: f("start"),
                end: f("end"),
                budget: if f("amount").trim().is_empty() {
                    Vec::new()
                } else {
                    vec![BudgetLine {
                        year: f("year").trim().parse().unwrap_or(0),
                        source: f("source"),
                        amount: decimal("amount"),
                    }]
                },
                ..Default::default()
            },
        },
        "add_indicator" => Edit::AddIndicator {
            objective: f("objective"),
            indicator: Indicator {
                name: f("name"),
                unit: f("unit"),
                baseline: decimal("baseline"),
                targets: f("targets")
                    .split([',', '،', ' '])
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| s.trim().parse().unwrap_or(f64::NAN))
                    .collect(),
                source: Some(f("source")).filter(|s| !s.is_empty()),
                rate: f("rate") == "1",
                ..Default::default()
            },
        },
        _ => Edit::AddPriority {
            title: f("title"),
            justification: f("justification"),
        },
    }
}

pub async fn edit(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::DraftPlanning>,
    Path(id): Path<String>,
    axum::Form(form): Form,
) -> Result<Response, AppError> {
    let v = version(&field(&form, "_version"));
    match use_case::edit(&state, &permit, &id, &edit_of(&form), v).await {
        Ok(()) => Ok(Redirect::to(&format!("/action-plans/{id}")).into_response()),
        Err(e) => {
            let errors = problems_of(shell.t, e)?;
            let here = shell.at(format!("/action-plans/{id}"));
            plan_page(&state, here, permit.who().clone(), &id, errors).await
        }
    }
}

pub async fn approve(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ApprovePlanning>,
    Path(id): Path<String>,
    axum::Form(form): Form,
) -> Result<Response, AppError> {
    let v = version(&field(&form, "_version"));
    match use_case::approve(&state, &permit, &id, &field(&form, "meeting"), v).await {
        Ok(()) => Ok(Redirect::to(&format!("/action-plans/{id}")).into_response()),
        Err(e) => {
            let errors = problems_of(shell.t, e)?;
            let here = shell.at(format!("/action-plans/{id}"));
            plan_page(&state, here, permit.who().clone(), &id, errors).await
        }
    }
}

pub async fn revise(
    State(state): State<AppState>,
    Guard(permit): Guard<act::DraftPlanning>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let new = use_case::revise(&state, &permit, &id).await?;
    Ok(Redirect::to(&format!("/action-plans/{new}")).into_response())
}

pub async fn progress(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ContributePlanning>,
    Path((id, action)): Path<(String, String)>,
    axum::Form(form): Form,
) -> Result<Response, AppError> {
    let number = |n: &str| {
        let text = field(&form, n);
        (!text.trim().is_empty()).then(|| text.trim().parse().unwrap_or(-1))
    };
    let input = ProgressInput {
        percent: number("percent"),
        spent: number("spent"),
        note: field(&form, "note"),
        evidence: field(&form, "evidence"),
        key: form.get("_key").cloned(),
    };
    match use_case::record_progress(&state, &permit, &id, &action, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/action-plans/{id}")).into_response()),
        Err(e) => {
            let errors = problems_of(shell.t, e)?;
            let here = shell.at(format!("/action-plans/{id}"));
            plan_page(&state, here, permit.who().clone(), &id, errors).await
        }
    }
}
