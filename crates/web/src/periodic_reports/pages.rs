//! The periodic reports' pages: the list (with the form that drafts one), a report with
//! its sections as tables, and the forms of its steps. A refusal the person can act on
//! (a bad period, a report changed meanwhile) is shown on the page it came from.

use super::{CreateBody, StepBody, facts_of, section_tables, status_label, title_of};
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::state::AppState;
use crate::stats::export::text_of;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::periodic_reports::{self as periodic, Opened, PeriodicError};
use awladna_core::{Act, Permit, act};
use awladna_domain::periodic::Step;
use awladna_domain::stats::NATION;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

pub struct Line {
    id: String,
    title: String,
    status: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "periodic_reports.html")]
pub struct ListPage {
    shell: Shell,
    lines: Vec<Line>,
    may_prepare: bool,
    territory: String,
    message: Option<String>,
    /// What was typed in the form, shown again after a refusal (kind, from, to).
    given: (String, String, String),
}

pub struct HtmlTable {
    title: String,
    headers: Vec<String>,
    /// Each cell's text, and whether it is a figure (laid out left to right, so that
    /// "<5" does not read "5>" in Arabic).
    rows: Vec<Vec<(String, bool)>>,
    note: String,
}

pub struct HtmlSection {
    title: String,
    lead: String,
    tables: Vec<HtmlTable>,
}

#[derive(Template, WebTemplate)]
#[template(path = "periodic_report.html")]
pub struct ReportPage {
    shell: Shell,
    id: String,
    title: String,
    facts: Vec<(String, String)>,
    sections: Vec<HtmlSection>,
    version: i64,
    may_approve: bool,
    may_submit: bool,
    may_refresh: bool,
    message: Option<String>,
}

async fn list_page<A: Act>(
    state: &AppState,
    permit: &Permit<A>,
    shell: Shell,
    message: Option<String>,
    given: (String, String, String),
) -> Result<ListPage, AppError> {
    let t = shell.t;
    let list = periodic::list(state, permit).await?;
    let actor = permit.actor();
    Ok(ListPage {
        shell: shell.at("/periodic-reports"),
        lines: list
            .iter()
            .map(|r| Line {
                id: r.id.clone(),
                title: title_of(state, t, r),
                status: status_label(t, &r.status),
            })
            .collect(),
        may_prepare: permit.also::<act::PrepareReport>().is_ok(),
        territory: actor.territory.clone().unwrap_or_else(|| NATION.to_owned()),
        message,
        given,
    })
}

pub async fn list(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ViewStatistics>,
    shell: Shell,
) -> Result<ListPage, AppError> {
    list_page(&state, &permit, shell, None, Default::default()).await
}

pub async fn create(
    State(state): State<AppState>,
    Guard(permit): Guard<act::PrepareReport>,
    shell: Shell,
    axum::Form(form): axum::Form<CreateBody>,
) -> Result<Response, AppError> {
    let given = (form.kind.clone(), form.from.clone(), form.to.clone());
    match periodic::create(&state, &permit, &form.into()).await {
        Ok(o) => Ok(Redirect::to(&format!("/periodic-reports/{}", o.report.id)).into_response()),
        // A kind, territory or period that does not fit: said on the list, with its form.
        Err(
            e @ (PeriodicError::BadKind | PeriodicError::BadTerritory | PeriodicError::BadPeriod),
        ) => {
            let message = message_of(&shell, e);
            Ok(list_page(&state, &permit, shell, message, given)
                .await?
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The sentence of a refusal, in the reader's language.
fn message_of(shell: &Shell, e: PeriodicError) -> Option<String> {
    match AppError::from(e) {
        AppError::Refused { message, .. } => Some(shell.t.get(message)),
        _ => None,
    }
}

fn report_page(
    state: &AppState,
    shell: Shell,
    o: &Opened,
    actor: &awladna_domain::access::Actor,
    message: Option<String>,
) -> ReportPage {
    let t = shell.t;
    let r = &o.report;
    let sections = section_tables(state, t, &o.contents)
        .into_iter()
        .map(|(title, lead, tables)| HtmlSection {
            title,
            lead,
            tables: tables
                .into_iter()
                .map(|tb| HtmlTable {
                    title: tb.title,
                    headers: tb.headers,
                    rows: tb
                        .rows
                        .iter()
                        .map(|r| {
                            r.iter()
                                .map(|c| {
                                    let figure = !matches!(c, awladna_export::Cell::Text(_));
                                    (text_of(c), figure)
                                })
                                .collect()
                        })
                        .collect(),
                    note: tb.note.unwrap_or_default(),
                })
                .collect(),
        })
        .collect();
    ReportPage {
        shell: shell.at(format!("/periodic-reports/{}", r.id)),
        id: r.id.clone(),
        title: title_of(state, t, r),
        facts: facts_of(state, t, o),
        sections,
        version: r.version,
        may_approve: o.may(actor, Step::Approve),
        may_submit: o.may(actor, Step::Submit),
        may_refresh: o.may(actor, Step::Refresh),
        message,
    }
}

pub async fn show(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ViewStatistics>,
    shell: Shell,
    Path(id): Path<String>,
) -> Result<ReportPage, AppError> {
    let opened = periodic::read(&state, &permit, &id).await?;
    Ok(report_page(&state, shell, &opened, permit.actor(), None))
}

/// After a step, the report; a step refused by the policy or the report's status is
/// said on the report's page.
async fn stepped<A: Act>(
    state: &AppState,
    permit: &Permit<A>,
    shell: Shell,
    id: &str,
    done: Result<Opened, PeriodicError>,
) -> Result<Response, AppError> {
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/periodic-reports/{id}")).into_response()),
        Err(
            e @ (PeriodicError::Stale
            | PeriodicError::WrongStatus(_)
            | PeriodicError::CannotApprove
            | PeriodicError::CannotPrepare),
        ) => {
            let message = message_of(&shell, e);
            let opened = periodic::read(state, permit, id).await?;
            Ok(report_page(state, shell, &opened, permit.actor(), message).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn refresh(
    State(state): State<AppState>,
    Guard(permit): Guard<act::PrepareReport>,
    shell: Shell,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<StepBody>,
) -> Result<Response, AppError> {
    let done = periodic::refresh(&state, &permit, &id, form.version).await;
    stepped(&state, &permit, shell, &id, done).await
}

#[derive(serde::Deserialize)]
pub struct ApproveForm {
    version: Option<i64>,
    confirmed: Option<String>,
}

/// Approves a report once the approver confirmed it (the first post names the report
/// and its period, to confirm or cancel).
pub async fn approve(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ApproveReport>,
    shell: Shell,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<ApproveForm>,
) -> Result<Response, AppError> {
    if !crate::confirm::given(form.confirmed.as_deref()) {
        let t = shell.t;
        let opened = periodic::read(&state, &permit, &id).await?;
        let r = &opened.report;
        let here = format!("/periodic-reports/{}", r.id);
        return Ok(crate::confirm::ConfirmPage {
            title: t.get("periodic-approve-confirm-title"),
            question: t.get("periodic-approve-confirm"),
            facts: vec![
                (t.get("periodic-title"), title_of(&state, t, r)),
                (t.get("periodic-status"), status_label(t, &r.status)),
            ],
            action: format!("{here}/approve"),
            fields: form
                .version
                .map(|v| vec![("version".to_owned(), v.to_string())])
                .unwrap_or_default(),
            confirm: t.get("periodic-approve"),
            cancel: here.clone(),
            shell: shell.at(here),
        }
        .into_response());
    }
    let done = periodic::approve(&state, &permit, &id, form.version).await;
    stepped(&state, &permit, shell, &id, done).await
}

pub async fn submit(
    State(state): State<AppState>,
    Guard(permit): Guard<act::PrepareReport>,
    shell: Shell,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<StepBody>,
) -> Result<Response, AppError> {
    let done = periodic::submit(&state, &permit, &id, form.version).await;
    stepped(&state, &permit, shell, &id, done).await
}
