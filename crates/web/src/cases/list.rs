//! The province's case list page: filters, pages of 25, links that keep the filters.

use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::state::AppState;
use crate::times::local_time;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::act;
use awladna_core::cases::list::{CaseList, ListQuery, PER_PAGE, list as list_cases};
use axum::extract::{Query, State};

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
    shell: Shell,
    Guard(permit): Guard<act::ReadCase>,
    Query(mut query): Query<ListQuery>,
) -> Result<CasesPage, AppError> {
    let t = shell.t;
    // The page shows pages of a fixed size; a page before the first is the first.
    query.page = Some(query.page.unwrap_or(1).max(1));
    query.per_page = Some(PER_PAGE);
    // The form offers only known codes: a wrong one comes from an edited address.
    let CaseList {
        filter,
        rows,
        total,
        page,
        ..
    } = list_cases(&state, &permit, &query)
        .await
        .map_err(|e| super::first_problem(e.into()))?;
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
            opened: local_time(c.opened_at),
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
    Ok(CasesPage {
        lines,
        total_text: t.with("cases-total", &[("count", total)]),
        stages: options("stages", &filter.stage),
        risks: options("urgency", &filter.risk),
        concerns: options("concerns", &filter.concern),
        mine: filter.assigned_to.is_some(),
        overdue: filter.overdue_at.is_some(),
        previous: (page > 1).then(|| list_link(&query, page - 1)),
        next: (page * PER_PAGE < total).then(|| list_link(&query, page + 1)),
        shell,
    })
}
