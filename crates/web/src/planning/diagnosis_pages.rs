//! The diagnosis's pages: the province's diagnoses (and the secretariat's form to open
//! one), a diagnosis by section with each sector's progress, its profile and priorities
//! (the technical cell consolidates, the chair approves), one section's form for its
//! organisation's focal point, and the ministry's comparison of provinces' profiles.

use super::problems_of;
use crate::committee::Scope;
use crate::committee::pages::{choose_province, may, province_label, version};
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_charts::{Chart, Direction, Point, Series};
use awladna_core::committee::province;
use awladna_core::diagnosis::{self as use_case, Diagnosis, OpenInput, PlanningError};
use awladna_core::{CoreError, Permit, Who, act};
use awladna_domain::access::Action;
use awladna_domain::diagnosis::{
    Answers, CURRENT, QuestionKind, effective, format_number, questionnaire,
};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

pub struct Line {
    pub id: String,
    pub period: String,
    pub status: String,
}

pub struct AreaChoice {
    pub code: String,
    pub label: String,
    pub chosen: String,
}

pub struct Org {
    pub code: String,
    pub name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "diagnoses.html")]
pub struct DiagnosesPage {
    shell: Shell,
    territory: String,
    territory_name: String,
    lines: Vec<Line>,
    can_open: bool,
    areas: Vec<AreaChoice>,
    organisations: Vec<Org>,
    from: String,
    to: String,
    errors: Vec<String>,
}

async fn list_page(
    state: &AppState,
    shell: Shell,
    who: Who,
    territory: &str,
    typed: &OpenInput,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let t = shell.t;
    let permit = Permit::<act::ReadPlanning>::check(who)?;
    let list = use_case::diagnoses(state, &permit, territory).await?;
    let q = questionnaire(CURRENT).ok_or(AppError::NotFound)?;
    let organisations = state
        .store
        .organisations(Some(territory))
        .await
        .map_err(CoreError::from)?;
    Ok(DiagnosesPage {
        territory: territory.to_owned(),
        territory_name: province_label(state, t, territory),
        lines: list
            .iter()
            .map(|d| Line {
                id: d.id.clone(),
                period: format!("{} – {}", d.period_from, d.period_to),
                status: t.get(&format!("diagnosis-status-{}", d.status)),
            })
            .collect(),
        can_open: may(&permit, Action::OpenDiagnosis, territory),
        areas: q
            .areas
            .iter()
            .map(|a| AreaChoice {
                code: a.code.clone(),
                label: a.label.get(t.lang).to_owned(),
                chosen: typed.sections.get(&a.code).cloned().unwrap_or_else(|| {
                    organisations
                        .iter()
                        .find(|o| o.sector == a.sector)
                        .map(|o| o.code.clone())
                        .unwrap_or_default()
                }),
            })
            .collect(),
        organisations: organisations
            .into_iter()
            .map(|o| Org {
                code: o.code,
                name: o.name,
            })
            .collect(),
        from: typed.from.clone(),
        to: typed.to.clone(),
        errors,
        shell,
    }
    .into_response())
}

pub async fn diagnoses(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadPlanning>,
    Query(scope): Query<Scope>,
) -> Result<Response, AppError> {
    if let Some(choose) = choose_province(&state, &shell, &permit, &scope, "/diagnoses") {
        return Ok(choose);
    }
    let territory = province(&state, &permit, scope.territory.as_deref())?;
    list_page(
        &state,
        shell,
        permit.who().clone(),
        &territory,
        &OpenInput::default(),
        Vec::new(),
    )
    .await
}

pub async fn open(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::OpenDiagnosis>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let territory = province(&state, &permit, form.get("territory").map(String::as_str))?;
    let input = OpenInput {
        from: form.get("from").cloned().unwrap_or_default(),
        to: form.get("to").cloned().unwrap_or_default(),
        sections: form
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("section_")?.to_owned(), v.clone())))
            .collect(),
    };
    match use_case::open(&state, &permit, &territory, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/diagnoses/{id}")).into_response()),
        Err(e) => {
            let errors = problems_of(shell.t, e)?;
            list_page(
                &state,
                shell.at("/diagnoses"),
                permit.who().clone(),
                &territory,
                &input,
                errors,
            )
            .await
        }
    }
}

pub struct SectionLine {
    pub area: String,
    pub label: String,
    pub organisation: String,
    pub status: String,
    pub answered: usize,
    pub questions: usize,
    pub score: String,
    pub gaps: Vec<String>,
    pub mine: bool,
}

pub struct PriorityLine {
    pub title: String,
    pub justification: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "diagnosis.html")]
pub struct DiagnosisPage {
    shell: Shell,
    id: String,
    territory_name: String,
    period: String,
    status: String,
    version: i64,
    sections: Vec<SectionLine>,
    priorities: Vec<PriorityLine>,
    can_consolidate: bool,
    can_approve: bool,
    errors: Vec<String>,
}

fn diagnosis_view(
    state: &AppState,
    shell: Shell,
    d: &Diagnosis,
    organisation: Option<&str>,
    can: (bool, bool),
    errors: Vec<String>,
) -> DiagnosisPage {
    let t = shell.t;
    let q = d.questionnaire;
    let sections = q
        .areas
        .iter()
        .filter_map(|area| {
            let (s, _) = d.sections.iter().find(|(s, _)| s.area == area.code)?;
            let p = d.profiles.iter().find(|p| p.area == area.code)?;
            Some(SectionLine {
                area: area.code.clone(),
                label: area.label.get(t.lang).to_owned(),
                organisation: s.organisation_name.clone(),
                status: t.get(&format!("diagnosis-section-{}", s.status)),
                answered: p.answered,
                questions: p.questions,
                score: p
                    .score
                    .map(|s| format!("{s}%"))
                    .unwrap_or_else(|| "–".into()),
                gaps: p
                    .gaps
                    .iter()
                    .filter_map(|g| {
                        let question = area.questions.iter().find(|x| x.code == g.question)?;
                        Some(format!(
                            "{} ({} / {})",
                            question.label.get(t.lang),
                            format_number(g.value),
                            format_number(g.standard)
                        ))
                    })
                    .collect(),
                mine: organisation == Some(s.organisation.as_str()) && d.record.status == "open",
            })
        })
        .collect();
    DiagnosisPage {
        id: d.record.id.clone(),
        territory_name: province_label(state, t, &d.record.territory),
        period: format!("{} – {}", d.record.period_from, d.record.period_to),
        status: t.get(&format!("diagnosis-status-{}", d.record.status)),
        version: d.record.version,
        sections,
        priorities: d
            .priorities
            .iter()
            .map(|p| PriorityLine {
                title: p.title.clone(),
                justification: p.justification.clone(),
            })
            .collect(),
        can_consolidate: can.0 && d.record.status != "approved",
        can_approve: can.1 && d.record.status == "consolidated",
        errors,
        shell,
    }
}

async fn diagnosis_page(
    state: &AppState,
    shell: Shell,
    who: Who,
    id: &str,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let permit = Permit::<act::ReadPlanning>::check(who.clone())?;
    let d = use_case::diagnosis(state, &permit, id, shell.t.lang).await?;
    let territory = d.record.territory.clone();
    let can = (
        may(&permit, Action::DraftPlanning, &territory),
        may(&permit, Action::ApprovePlanning, &territory),
    );
    let mine = may(&permit, Action::ContributePlanning, &territory)
        .then(|| who.organisation().map(str::to_owned))
        .flatten();
    Ok(diagnosis_view(state, shell, &d, mine.as_deref(), can, errors).into_response())
}

pub async fn diagnosis(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadPlanning>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    diagnosis_page(&state, shell, permit.who().clone(), &id, Vec::new()).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct StepForm {
    #[serde(rename = "_version")]
    version: String,
    /// The priorities as edited: one per line, "title | justification".
    priorities: String,
}

pub async fn consolidate(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::DraftPlanning>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<StepForm>,
) -> Result<Response, AppError> {
    let edited: Vec<awladna_domain::diagnosis::Priority> = form
        .priorities
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (title, why) = l.split_once('|').unwrap_or((l, ""));
            awladna_domain::diagnosis::Priority {
                area: None,
                title: title.trim().to_owned(),
                justification: why.trim().to_owned(),
            }
        })
        .collect();
    let given = (!edited.is_empty()).then_some(edited.as_slice());
    let lang = shell.t.lang;
    match use_case::consolidate(&state, &permit, &id, given, version(&form.version), lang).await {
        Ok(()) => Ok(Redirect::to(&format!("/diagnoses/{id}")).into_response()),
        Err(e) => {
            let errors = problems_of(shell.t, e)?;
            diagnosis_page(
                &state,
                shell.at(format!("/diagnoses/{id}")),
                permit.who().clone(),
                &id,
                errors,
            )
            .await
        }
    }
}

pub async fn approve(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ApprovePlanning>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<StepForm>,
) -> Result<Response, AppError> {
    use_case::approve(&state, &permit, &id, version(&form.version)).await?;
    Ok(Redirect::to(&format!("/diagnoses/{id}")).into_response())
}

pub struct QuestionView {
    pub code: String,
    pub label: String,
    pub kind: &'static str,
    pub value: String,
    pub source: String,
    pub options: Vec<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "diagnosis_section.html")]
pub struct SectionPage {
    shell: Shell,
    id: String,
    area: String,
    label: String,
    version: i64,
    questions: Vec<QuestionView>,
    errors: Vec<String>,
}

async fn section_page(
    state: &AppState,
    shell: Shell,
    who: Who,
    id: &str,
    area: &str,
    typed: Option<&Answers>,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let t = shell.t;
    let permit = Permit::<act::ReadPlanning>::check(who.clone())?;
    let d = use_case::diagnosis(state, &permit, id, t.lang).await?;
    let Some((section, answers)) = d
        .sections
        .iter()
        .find(|(s, _)| s.area == area && Some(s.organisation.as_str()) == who.organisation())
    else {
        return Err(AppError::NotFound);
    };
    let q_area = d.questionnaire.area(area).ok_or(AppError::NotFound)?;
    let answers = typed.unwrap_or(answers);
    let questions = q_area
        .questions
        .iter()
        .map(|q| QuestionView {
            code: q.code.clone(),
            label: q.label.get(t.lang).to_owned(),
            kind: match q.kind {
                QuestionKind::Scale => "scale",
                QuestionKind::Number => "number",
                QuestionKind::Choice => "choice",
            },
            value: if typed.is_some() {
                answers.get(&q.code).cloned().unwrap_or_default()
            } else {
                effective(q, answers, &d.prefill).unwrap_or_default()
            },
            source: d
                .prefill
                .get(&q.code)
                .and_then(|p| awladna_domain::stats::registry().indicator(&p.source))
                .map(|i| i.name.get(t.lang).to_owned())
                .unwrap_or_default(),
            options: q
                .vocabulary
                .as_deref()
                .and_then(|v| state.reference.vocabulary(v))
                .map(|v| {
                    v.terms
                        .iter()
                        .map(|term| {
                            (
                                term.code.clone(),
                                state.label(t, v.code.as_str(), &term.code),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    Ok(SectionPage {
        id: id.to_owned(),
        area: area.to_owned(),
        label: q_area.label.get(t.lang).to_owned(),
        version: section.version,
        questions,
        errors,
        shell,
    }
    .into_response())
}

pub async fn section(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ContributePlanning>,
    Path((id, area)): Path<(String, String)>,
) -> Result<Response, AppError> {
    section_page(
        &state,
        shell,
        permit.who().clone(),
        &id,
        &area,
        None,
        Vec::new(),
    )
    .await
}

pub async fn fill(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ContributePlanning>,
    Path((id, area)): Path<(String, String)>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let answers: Answers = form
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("q_")?.to_owned(), v.clone())))
        .collect();
    let submit = form.get("submit").is_some_and(|v| v == "1");
    let v = form.get("_version").and_then(|v| version(v));
    match use_case::fill(&state, &permit, &id, &area, &answers, submit, v).await {
        Ok(()) => Ok(Redirect::to(&format!("/diagnoses/{id}")).into_response()),
        Err(e) => {
            // A question's problem is said with the question's own words.
            let t = shell.t;
            let labels = questionnaire(CURRENT).and_then(|q| q.area(&area));
            let errors = match e {
                PlanningError::Core(CoreError::Invalid(errors)) => errors
                    .iter()
                    .map(|f| {
                        let label = labels
                            .and_then(|a| a.questions.iter().find(|q| q.code == f.field))
                            .map_or_else(
                                || t.get_or(&format!("plan-field-{}", f.field), &f.field),
                                |q| q.label.get(t.lang).to_owned(),
                            );
                        format!(
                            "{label}: {}",
                            t.with(f.problem.message_id(), &f.problem.arguments())
                        )
                    })
                    .collect(),
                e => return Err(e.into()),
            };
            let here = shell.at(format!("/diagnoses/{id}/sections/{area}"));
            section_page(
                &state,
                here,
                permit.who().clone(),
                &id,
                &area,
                Some(&answers),
                errors,
            )
            .await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "diagnosis_compare.html")]
pub struct ComparePage {
    shell: Shell,
    areas: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
    chart: String,
}

/// The ministry's comparison: provinces' profiles side by side, a table and a chart.
pub async fn compare(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadPlanning>,
) -> Result<ComparePage, AppError> {
    let t = shell.t;
    let q = questionnaire(CURRENT).ok_or(AppError::NotFound)?;
    let list = use_case::compare(&state, &permit).await?;
    let areas: Vec<String> = q
        .areas
        .iter()
        .map(|a| a.label.get(t.lang).to_owned())
        .collect();
    let score = |profiles: &[awladna_domain::diagnosis::AreaProfile], code: &str| {
        profiles
            .iter()
            .find(|p| p.area == code)
            .and_then(|p| p.score)
    };
    let rows = list
        .iter()
        .map(|(territory, profiles)| {
            (
                province_label(&state, t, territory),
                q.areas
                    .iter()
                    .map(|a| score(profiles, &a.code).map_or("–".into(), |s| format!("{s}%")))
                    .collect(),
            )
        })
        .collect();
    let series: Vec<Series> = q
        .areas
        .iter()
        .map(|a| Series {
            name: a.label.get(t.lang).to_owned(),
            points: list
                .iter()
                .map(|(territory, profiles)| Point {
                    label: province_label(&state, t, territory),
                    value: score(profiles, &a.code).map(f64::from),
                })
                .collect(),
        })
        .collect();
    let title = t.get("diagnosis-compare-title");
    let chart = awladna_charts::columns(
        &Chart {
            id: "diagnosis-compare",
            title: &title,
            direction: if t.lang == awladna_domain::Lang::Ar {
                Direction::Rtl
            } else {
                Direction::Ltr
            },
            missing: "–",
            format: &|v| format!("{v:.0}"),
        },
        &series,
    );
    Ok(ComparePage {
        areas,
        rows,
        chart,
        shell,
    })
}
