//! The data-quality page (`/quality`, issue 19 §3): for the information cell, what the
//! province must fix — counts per organisation and per month, and the case numbers to
//! open. A national reader chooses the province first. No child is named.

use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::forms::{GroupView, territory_groups};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::act;
use awladna_core::quality::{self, Finding, LISTED, TRIAGE_DAYS};
use awladna_domain::access::{Action, Decision, decide};
use axum::extract::{Query, State};
use serde::Deserialize;

/// `?territory=CODE` (national readers only; a province's people see their own).
#[derive(Deserialize, Default)]
pub struct QualityQuery {
    territory: Option<String>,
}

pub struct CountView {
    label: String,
    count: usize,
}

pub struct CaseView {
    /// The case page, when the reader may open it; the number alone otherwise.
    href: Option<String>,
    number: String,
}

pub struct CheckView {
    code: &'static str,
    title: String,
    definition: String,
    total: usize,
    organisations: Vec<CountView>,
    months: Vec<CountView>,
    cases: Vec<CaseView>,
    /// More cases than listed.
    more: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "quality.html")]
pub struct QualityPage {
    shell: Shell,
    /// The province shown, by name; empty before a national reader chooses one.
    province: String,
    national: bool,
    picker_action: &'static str,
    provinces: Vec<GroupView>,
    checks: Vec<CheckView>,
}

pub async fn page(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReviewDataQuality>,
    shell: Shell,
    Query(q): Query<QualityQuery>,
) -> Result<QualityPage, AppError> {
    let t = shell.t;
    let chosen = quality::province(&state, &permit, q.territory.as_deref())?;
    let national = permit.actor().territory.is_none();
    let mut page = QualityPage {
        province: String::new(),
        national,
        picker_action: "/quality",
        provinces: if national {
            territory_groups(t, &state.reference, chosen.as_deref().unwrap_or(""))
        } else {
            Vec::new()
        },
        checks: Vec::new(),
        shell,
    };
    let Some(territory) = chosen else {
        return Ok(page);
    };
    let review = quality::review(&state, &permit, &territory).await?;
    page.province = state
        .reference
        .territory(&territory)
        .map(|p| crate::forms::territory_name(t, &p.name_ar, &p.name_fr))
        .unwrap_or_default();
    let opens_cases =
        decide(Some(permit.actor()), Action::ReadCase, Some(&territory)) == Decision::Allow;
    page.checks = review
        .findings
        .iter()
        .map(|f| check_view(&page.shell, f, opens_cases))
        .collect();
    Ok(page)
}

fn check_view(shell: &Shell, f: &Finding, opens_cases: bool) -> CheckView {
    let t = shell.t;
    let code = f.check.code();
    CheckView {
        code,
        title: t.get(&format!("quality-{code}")),
        definition: t.with(
            &format!("quality-{code}-definition"),
            &[("days", TRIAGE_DAYS)],
        ),
        total: f.total,
        organisations: f
            .by_organisation
            .iter()
            .map(|o| CountView {
                label: o
                    .name
                    .clone()
                    .or_else(|| o.code.clone())
                    .unwrap_or_else(|| t.get("quality-no-organisation")),
                count: o.count,
            })
            .collect(),
        months: f
            .by_month
            .iter()
            .map(|(month, count)| CountView {
                label: month.clone(),
                count: *count,
            })
            .collect(),
        cases: f
            .cases
            .iter()
            .map(|c| CaseView {
                href: opens_cases.then(|| format!("/cases/{}", c.case_id)),
                number: c.number.clone(),
            })
            .collect(),
        more: f.cases.len() >= LISTED,
    }
}
