//! A trend as a table for the periodic reports: each month, its count, the same month
//! of the year before, the change in percent, and a note when the counts are too small
//! to read a change (issue 19 §2). Suppressed figures only: reports leave the province.

use super::export::title_of;
use crate::i18n::Tr;
use awladna_core::periodic_reports::figures::TrendEntry;
use awladna_domain::stats::trends::{change, month_before};
use awladna_domain::stats::{Figure, Shown};
use awladna_export::{Cell, Table};
use std::collections::BTreeSet;

fn value_in(fig: &Figure, month: &str) -> Shown {
    fig.row(month).map(|r| r.value).unwrap_or(Shown::Value(0.0))
}

fn cell(v: Shown) -> Cell {
    match v {
        Shown::Hidden => Cell::Suppressed,
        Shown::Value(v) => Cell::Count(v.max(0.0) as u64),
    }
}

/// The table of one trend, or `None` if its indicator is no longer published.
pub fn table(t: Tr, trend: &TrendEntry) -> Option<Table> {
    let now = trend.now.shown.figure()?;
    let before = trend.before.shown.figure()?;
    let mut months: BTreeSet<String> = now.rows.iter().map(|r| r.keys[0].clone()).collect();
    months.extend(before.rows.iter().filter_map(|r| {
        let m = &r.keys[0];
        // The month of this period that the row of last year stands beside.
        let next = format!("{:04}{}", m.get(..4)?.parse::<i64>().ok()? + 1, m.get(4..)?);
        Some(next)
    }));
    let mut rows: Vec<Vec<Cell>> = months
        .iter()
        .map(|m| {
            let c = change(value_in(&now, m), value_in(&before, &month_before(m)));
            row(Cell::Text(m.clone()), t, c)
        })
        .collect();
    let total = change(now.total, before.total);
    rows.push(row(Cell::Text(t.get("periodic-total")), t, total));
    Some(Table {
        title: format!("{} — {}", title_of(t, &now), t.get("stats-trend-title")),
        headers: vec![
            t.get("periodic-dim-month"),
            t.get("stats-trend-now"),
            t.get("stats-trend-before"),
            t.get("stats-trend-change"),
            t.get("stats-trend-note"),
        ],
        rows,
        note: Some(t.get("stats-trend-definition")),
    })
}

fn row(label: Cell, t: Tr, c: awladna_domain::stats::trends::Change) -> Vec<Cell> {
    vec![
        label,
        cell(c.now),
        cell(c.before),
        match c.percent {
            Some(p) => Cell::Number(p),
            None => Cell::Text(String::new()),
        },
        Cell::Text(if c.too_small {
            t.get("stats-trend-too-small")
        } else {
            String::new()
        }),
    ]
}
