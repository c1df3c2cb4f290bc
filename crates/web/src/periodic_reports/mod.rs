//! Periodic reports on the web (SPEC.md §3): the API, the pages and the exports. The
//! use cases (draft, refresh, approve, submit, read) are `awladna_core::periodic_reports`';
//! this module shows a report in the reader's language.

pub mod api;
pub mod exports;
pub mod pages;

use crate::error::AppError;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::stats::export::{dimension_name, key_label, table};
use awladna_core::periodic_reports::{Contents, Opened, PeriodicError};
use awladna_domain::periodic::{ACTION_PLAN, Status};
use awladna_domain::stats::{Figure, NATION, Shown, layout};
use awladna_export::{Cell, Table};
use awladna_store::periodic_reports::PeriodicReport;
use axum::http::StatusCode;
use serde::Deserialize;

impl From<PeriodicError> for AppError {
    fn from(e: PeriodicError) -> Self {
        let refused = AppError::refused;
        match e {
            PeriodicError::Core(e) => e.into(),
            PeriodicError::NotFound => {
                refused(StatusCode::NOT_FOUND, "not_found", "periodic-not-found")
            }
            PeriodicError::CannotPrepare => refused(
                StatusCode::FORBIDDEN,
                "forbidden",
                "periodic-cannot-prepare",
            ),
            PeriodicError::CannotApprove => refused(
                StatusCode::FORBIDDEN,
                "forbidden",
                "periodic-cannot-approve",
            ),
            PeriodicError::BadKind => refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad_kind",
                "periodic-bad-kind",
            ),
            PeriodicError::BadTerritory => refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad_territory",
                "periodic-bad-territory",
            ),
            PeriodicError::BadPeriod => refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad_period",
                "periodic-bad-period",
            ),
            PeriodicError::Stale => refused(StatusCode::CONFLICT, "stale", "periodic-stale"),
            PeriodicError::WrongStatus(Status::Approved) => refused(
                StatusCode::CONFLICT,
                "wrong_status",
                "periodic-not-approved",
            ),
            PeriodicError::WrongStatus(_) => {
                refused(StatusCode::CONFLICT, "wrong_status", "periodic-not-draft")
            }
        }
    }
}

/// What a new report is asked for (a form or a JSON body).
#[derive(Deserialize, Default)]
pub struct CreateBody {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    territory: Option<String>,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

impl From<CreateBody> for awladna_core::periodic_reports::Draft {
    fn from(b: CreateBody) -> Self {
        awladna_core::periodic_reports::Draft {
            kind: b.kind,
            territory: b.territory,
            from: b.from,
            to: b.to,
        }
    }
}

/// The version of the report a step was asked on (a form or a JSON body).
#[derive(Deserialize, Default)]
pub struct StepBody {
    version: Option<i64>,
}

fn place_of(state: &AppState, t: Tr, territory: &str) -> String {
    if territory == NATION {
        t.get("admin-national")
    } else {
        crate::admin::territory_label(state, t, Some(territory))
    }
}

/// "Monthly report — Rabat — 2026-03 to 2026-03".
fn title_of(state: &AppState, t: Tr, r: &PeriodicReport) -> String {
    let period = if r.from == r.to {
        r.from.clone()
    } else {
        format!("{} – {}", r.from, r.to)
    };
    format!(
        "{} — {} — {period}",
        t.get(&format!("periodic-kind-{}", r.kind.replace('_', "-"))),
        place_of(state, t, &r.territory)
    )
}

fn status_label(t: Tr, status: &str) -> String {
    t.get(&format!("periodic-status-{status}"))
}

fn section_title(t: Tr, code: &str) -> String {
    t.get(&format!("periodic-section-{}", code.replace('_', "-")))
}

/// The comparison table of the national report: a row per province.
fn comparison_table(state: &AppState, t: Tr, c: &Contents) -> Option<Table> {
    if c.comparison.is_empty() {
        return None;
    }
    let figs: Vec<Figure> = c
        .comparison
        .iter()
        .filter_map(|e| e.shown.figure())
        .collect();
    let mut headers = vec![dimension_name(t, "province")];
    headers.extend(figs.iter().map(|f| f.indicator.name.get(t.lang).to_owned()));
    headers.push(t.get("periodic-children-rate"));
    let cell = |v: Shown| match v {
        Shown::Hidden => Cell::Suppressed,
        Shown::Value(v) => Cell::Count(v.max(0.0) as u64),
    };
    // The rate shown is the last compared indicator's (children per 1,000 children).
    let rated = layout::COMPARISON.last().copied();
    let rows = c
        .submitted
        .iter()
        .map(|p| {
            let mut row = vec![Cell::Text(key_label(state, t, "province", p))];
            let mut children_rate = None;
            for f in &figs {
                let r = f.row(p);
                row.push(r.map(|r| cell(r.value)).unwrap_or(Cell::Suppressed));
                if Some(f.indicator.code.as_str()) == rated {
                    children_rate = r.and_then(|r| r.rate);
                }
            }
            row.push(match children_rate {
                Some(rate) => Cell::Number((rate * 1000.0).round() / 1000.0),
                None => Cell::Text(String::new()),
            });
            row
        })
        .collect();
    Some(Table {
        title: t.get("periodic-comparison"),
        headers,
        rows,
        note: None,
    })
}

/// A section of a report as shown: its title, its lead paragraph, its tables.
type SectionTables = (String, String, Vec<Table>);

/// The report's sections as export tables (suppressed: exports always are).
fn section_tables(state: &AppState, t: Tr, c: &Contents) -> Vec<SectionTables> {
    let mut out: Vec<SectionTables> = c
        .sections
        .iter()
        .map(|s| {
            let lead = match (&c.achievements, s.code == ACTION_PLAN) {
                (None, true) => t.get("periodic-action-plan-empty"),
                (Some(a), true) => crate::planning::report::lead(t, a),
                _ => String::new(),
            };
            let mut tables: Vec<Table> = s
                .figures
                .iter()
                .filter_map(|e| e.shown.figure())
                .map(|f| table(state, t, &f))
                .collect();
            if let (Some(a), true) = (&c.achievements, s.code == ACTION_PLAN) {
                tables.extend(crate::planning::report::tables(t, a));
            }
            (section_title(t, &s.code), lead, tables)
        })
        .collect();
    if let Some(table) = comparison_table(state, t, c) {
        out.push((t.get("periodic-comparison"), String::new(), vec![table]));
    }
    // The trend against the same months of the year before (issue 19 §2).
    let trends: Vec<Table> = c
        .trends
        .iter()
        .filter_map(|trend| crate::stats::trend_table::table(t, trend))
        .collect();
    if !trends.is_empty() {
        out.push((
            t.get("stats-trend-section"),
            t.get("stats-trend-lead"),
            trends,
        ));
    }
    out
}

/// What the report page and the exports list about a report.
fn facts_of(state: &AppState, t: Tr, o: &Opened) -> Vec<(String, String)> {
    let (r, c) = (&o.report, &o.contents);
    let mut facts = vec![
        (t.get("periodic-status"), status_label(t, &r.status)),
        (
            t.get("periodic-territory"),
            place_of(state, t, &r.territory),
        ),
        (t.get("periodic-period"), format!("{} – {}", r.from, r.to)),
        (
            t.get("periodic-computed-at"),
            crate::times::local_time(r.computed_at),
        ),
    ];
    if let Some(at) = r.approved_at {
        facts.push((t.get("periodic-approved-at"), crate::times::local_time(at)));
    }
    if let Some(at) = r.submitted_at {
        facts.push((t.get("periodic-submitted-at"), crate::times::local_time(at)));
    }
    if o.kind == awladna_domain::periodic::Kind::National {
        let names = |codes: &[String]| {
            codes
                .iter()
                .map(|c| crate::admin::territory_label(state, t, Some(c)))
                .collect::<Vec<_>>()
                .join(t.list_separator())
        };
        facts.push((t.get("periodic-submitted-provinces"), names(&c.submitted)));
        facts.push((t.get("periodic-missing-provinces"), names(&c.missing)));
    }
    facts.push((
        t.get("periodic-suppression"),
        t.get("periodic-suppression-note"),
    ));
    facts
}
