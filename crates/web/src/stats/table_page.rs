//! `/stats/table`: one indicator crossed by up to three dimensions (for example sex ×
//! age band × form of violence), suppressed across the whole table as any figure that
//! leaves the province, with the same months of last year beside it on request.

use super::StatsQuery;
use super::export::{dimension_name, key_label};
use super::pages::shown_text;
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::act;
use awladna_core::stats::{indicators, read};
use awladna_domain::stats::PLACE_AND_TIME;
use axum::extract::{Query, State};
use serde::Deserialize;

/// The dashboard's query, the indicator and the dimensions one per select.
#[derive(Deserialize, Default)]
pub struct TableQuery {
    pub indicator: Option<String>,
    pub territory: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub d1: Option<String>,
    pub d2: Option<String>,
    pub d3: Option<String>,
    pub compare: Option<String>,
}

pub struct Choice {
    code: String,
    label: String,
    selected: bool,
}

pub struct Line {
    keys: Vec<String>,
    value: String,
    before: String,
    change: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "stats_table.html")]
pub struct TablePage {
    shell: Shell,
    indicators: Vec<Choice>,
    dims: Vec<Vec<Choice>>,
    territory: String,
    from: String,
    to: String,
    compare: bool,
    title: String,
    definition: String,
    headers: Vec<String>,
    lines: Vec<Line>,
    /// The columns the total's label spans (the dimensions, at least one).
    span: usize,
    total: String,
    protected: bool,
}

pub async fn page(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ViewStatistics>,
    shell: Shell,
    Query(q): Query<TableQuery>,
) -> Result<TablePage, AppError> {
    let t = shell.t;
    let code = q.indicator.clone().unwrap_or_else(|| "cases".to_owned());
    let by: Vec<String> = [&q.d1, &q.d2, &q.d3]
        .into_iter()
        .flatten()
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty())
        .collect();
    let compare = q.compare.as_deref() == Some("previous_year");
    let asked = StatsQuery {
        territory: q.territory.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        by: Some(by.join(",")),
        compare: compare.then(|| "previous_year".to_owned()),
    };
    let r = read(&state, &permit, &code, &asked.into()).await?;
    let fig = &r.figure;
    let choices = |all: Vec<String>, selected: Option<&str>, label: &dyn Fn(&str) -> String| {
        all.into_iter()
            .map(|c| Choice {
                label: label(&c),
                selected: Some(c.as_str()) == selected,
                code: c,
            })
            .collect::<Vec<_>>()
    };
    let indicator_choices = choices(
        indicators()
            .indicators
            .iter()
            .map(|i| i.code.clone())
            .collect(),
        Some(&fig.indicator.code),
        &|c| {
            indicators()
                .indicator(c)
                .map(|i| i.name.get(t.lang).to_owned())
                .unwrap_or_default()
        },
    );
    let dim_codes: Vec<String> = std::iter::once(String::new())
        .chain(PLACE_AND_TIME.iter().map(|d| (*d).to_owned()))
        .chain(fig.indicator.dimensions.iter().cloned())
        .collect();
    let dim_label = |d: &str| {
        if d.is_empty() {
            "—".to_owned()
        } else {
            dimension_name(t, d)
        }
    };
    let dims = (0..3)
        .map(|i| {
            choices(
                dim_codes.clone(),
                Some(by.get(i).map_or("", String::as_str)),
                &dim_label,
            )
        })
        .collect();
    let mut headers: Vec<String> = fig.by.iter().map(|d| dimension_name(t, d)).collect();
    headers.push(t.get("stats-value"));
    if compare {
        headers.push(t.get("stats-trend-before"));
        headers.push(t.get("stats-trend-change"));
    }
    let lines = fig
        .rows
        .iter()
        .enumerate()
        .map(|(n, row)| {
            let change = r.trend.as_ref().and_then(|tr| tr.rows.get(n));
            Line {
                keys: fig
                    .by
                    .iter()
                    .zip(&row.keys)
                    .map(|(d, k)| key_label(&state, t, d, k))
                    .collect(),
                value: shown_text(row.value),
                before: change.map(|c| shown_text(c.before)).unwrap_or_default(),
                change: change
                    .map(|c| match (c.percent, c.too_small) {
                        (_, true) => t.get("stats-trend-too-small"),
                        (Some(p), false) => format!("{p:+.1}%"),
                        (None, false) => String::new(),
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    Ok(TablePage {
        indicators: indicator_choices,
        dims,
        territory: r.asked.scope.code.clone(),
        from: r.asked.period.from.clone(),
        to: r.asked.period.to.clone(),
        compare,
        title: super::export::title_of(t, fig),
        definition: fig.indicator.definition.get(t.lang).to_owned(),
        headers,
        lines,
        span: fig.by.len().max(1),
        total: shown_text(fig.total),
        protected: r.asked.protect,
        shell,
    })
}
