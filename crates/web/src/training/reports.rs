//! The province's coverage (the share of each organisation's staff trained per module),
//! who is trained per province and sector (tables and a chart), and both as XLSX.

use super::{Scope, place_name, today};
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::stats::{attachment, written};
use askama::Template;
use askama_web::WebTemplate;
use awladna_charts::{Chart, Direction, Point};
use awladna_core::training::{self as use_case, Coverage, Trained};
use awladna_core::{Permit, act};
use awladna_export::{Cell, Table, Workbook};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};

pub struct CoverageRow {
    pub name: String,
    pub staff: i64,
    /// Per module: "trained (percent %)".
    pub cells: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "training_coverage.html")]
pub struct CoveragePage {
    shell: Shell,
    scope_name: String,
    modules: Vec<String>,
    rows: Vec<CoverageRow>,
}

fn coverage_rows(c: &Coverage) -> Vec<CoverageRow> {
    c.lines
        .iter()
        .map(|l| CoverageRow {
            name: l.organisation.name.clone(),
            staff: l.staff,
            cells: c
                .modules
                .iter()
                .map(|m| match l.modules.get(&m.id) {
                    Some((n, Some(p))) => format!("{n} ({p}%)"),
                    Some((n, None)) => n.to_string(),
                    None => "0".into(),
                })
                .collect(),
        })
        .collect()
}

async fn province_coverage(
    state: &AppState,
    permit: &Permit<act::ReadTraining>,
    scope: &Scope,
) -> Result<Coverage, AppError> {
    let territory =
        use_case::scope(state, permit, scope.territory.as_deref())?.ok_or(AppError::NotFound)?;
    Ok(use_case::coverage(state, permit, &territory).await?)
}

pub async fn coverage(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadTraining>,
    Query(scope): Query<Scope>,
) -> Result<Response, AppError> {
    if permit.actor().is_national() && scope.territory.as_deref().is_none_or(str::is_empty) {
        // A coverage is a province's: a national user chooses one first.
        return Ok(crate::training::pages::choose(
            &state,
            shell,
            "/training/coverage",
        ));
    }
    let c = province_coverage(&state, &permit, &scope).await?;
    Ok(CoveragePage {
        scope_name: place_name(&state, shell.t, &c.territory),
        modules: c.modules.iter().map(|m| m.title.clone()).collect(),
        rows: coverage_rows(&c),
        shell,
    }
    .into_response())
}

pub struct CountRow {
    pub label: String,
    pub count: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "training_trained.html")]
pub struct TrainedPage {
    shell: Shell,
    total: usize,
    by_province: Vec<CountRow>,
    by_sector: Vec<CountRow>,
    chart: String,
}

fn counts(state: &AppState, t: Tr, trained: &Trained) -> (Vec<CountRow>, Vec<CountRow>) {
    (
        trained
            .by_province
            .iter()
            .map(|(k, v)| CountRow {
                label: place_name(state, t, k),
                count: *v,
            })
            .collect(),
        trained
            .by_sector
            .iter()
            .map(|(k, v)| CountRow {
                label: if k.is_empty() {
                    t.get("training-no-sector")
                } else {
                    state.label(t, "sectors", k)
                },
                count: *v,
            })
            .collect(),
    )
}

pub async fn trained(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadTraining>,
    Query(scope): Query<Scope>,
) -> Result<Response, AppError> {
    let t = shell.t;
    let territory = use_case::scope(&state, &permit, scope.territory.as_deref())?;
    let (_, trained) =
        use_case::national_plan(&state, &permit, territory.as_deref(), today(&state)).await?;
    let (by_province, by_sector) = counts(&state, t, &trained);
    let points: Vec<Point> = by_sector
        .iter()
        .map(|r| Point {
            label: r.label.clone(),
            value: Some(r.count as f64),
        })
        .collect();
    let title = t.get("training-by-sector");
    let chart = awladna_charts::bars(
        &Chart {
            id: "trained-by-sector",
            title: &title,
            direction: if t.lang.is_rtl() {
                Direction::Rtl
            } else {
                Direction::Ltr
            },
            missing: "",
            format: &|v| format!("{v:.0}"),
        },
        &points,
    );
    Ok(TrainedPage {
        total: trained.total,
        by_province,
        by_sector,
        chart,
        shell,
    }
    .into_response())
}

/// `/training/export.xlsx`: who is trained per province and sector, the plan's progress,
/// and (for a province) its coverage.
pub async fn export(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadTraining>,
    Query(scope): Query<Scope>,
) -> Result<Response, AppError> {
    let t = shell.t;
    let territory = use_case::scope(&state, &permit, scope.territory.as_deref())?;
    let (plan, trained) =
        use_case::national_plan(&state, &permit, territory.as_deref(), today(&state)).await?;
    let (by_province, by_sector) = counts(&state, t, &trained);
    let count_table = |title: String, head: String, rows: &[CountRow]| Table {
        title,
        headers: vec![head, t.get("training-trained")],
        rows: rows
            .iter()
            .map(|r| vec![Cell::Text(r.label.clone()), Cell::Count(r.count as u64)])
            .collect(),
        note: Some(t.get("training-trained-definition")),
    };
    let mut tables = vec![
        Table {
            title: t.get("training-plan-title"),
            headers: vec![
                "#".into(),
                t.get("training-theme"),
                t.get("training-due"),
                t.get("training-held"),
                t.get("training-trained"),
            ],
            rows: plan
                .iter()
                .map(|l| {
                    vec![
                        Cell::Count(u64::from(l.number)),
                        Cell::Text(if t.lang.is_rtl() {
                            l.theme_ar.clone()
                        } else {
                            l.theme_fr.clone()
                        }),
                        Cell::Text(l.due.clone().unwrap_or_default()),
                        Cell::Count(l.sessions as u64),
                        Cell::Count(l.trained as u64),
                    ]
                })
                .collect(),
            note: None,
        },
        count_table(
            t.get("training-by-province"),
            t.get("training-field-territory"),
            &by_province,
        ),
        count_table(
            t.get("training-by-sector"),
            t.get("training-sector"),
            &by_sector,
        ),
    ];
    if let Some(code) = &territory {
        let c = use_case::coverage(&state, &permit, code).await?;
        let mut headers = vec![
            t.get("training-field-organisation"),
            t.get("training-staff"),
        ];
        headers.extend(c.modules.iter().map(|m| m.title.clone()));
        tables.push(Table {
            title: t.get("training-coverage-title"),
            headers,
            rows: coverage_rows(&c)
                .into_iter()
                .map(|r| {
                    let mut row = vec![Cell::Text(r.name), Cell::Count(r.staff.max(0) as u64)];
                    row.extend(r.cells.into_iter().map(Cell::Text));
                    row
                })
                .collect(),
            note: Some(t.get("training-coverage-definition")),
        });
    }
    let book = Workbook {
        title: t.get("training-title"),
        rtl: t.lang.is_rtl(),
        meta: vec![(
            t.get("training-field-territory"),
            territory
                .as_deref()
                .map(|c| place_name(&state, t, c))
                .unwrap_or_else(|| t.get("training-national")),
        )],
        tables,
        data: Table {
            title: "data".into(),
            headers: vec!["territory".into(), "sector".into(), "trained".into()],
            rows: trained
                .by_province
                .iter()
                .map(|(k, v)| {
                    vec![
                        Cell::Text(k.clone()),
                        Cell::Text(String::new()),
                        Cell::Count(*v as u64),
                    ]
                })
                .chain(trained.by_sector.iter().map(|(k, v)| {
                    vec![
                        Cell::Text(String::new()),
                        Cell::Text(k.clone()),
                        Cell::Count(*v as u64),
                    ]
                }))
                .collect(),
            note: None,
        },
    };
    let bytes = written(move || awladna_export::xlsx(&book)).await?;
    Ok(attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "training.xlsx".into(),
        bytes,
    ))
}
