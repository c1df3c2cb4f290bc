//! A trend as a table for the periodic reports: each month, its count, the same month
//! of the year before, the change in percent, and a note when the counts are too small
//! to read a change (issue 19 §2). Suppressed figures only: reports leave the province.

use super::export::title_of;
use crate::i18n::Tr;
use awladna_core::periodic_reports::figures::TrendEntry;
use awladna_domain::stats::trends::{Change, change, month_before};
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

/// Each month of a trend with its change against the same month a year earlier, and
/// the total's change last: ("YYYY-MM", change), ("", change).
pub fn changes(now: &Figure, before: &Figure) -> Vec<(String, Change)> {
    let mut months: BTreeSet<String> = now.rows.iter().map(|r| r.keys[0].clone()).collect();
    // The months of this period that last year's rows stand beside.
    months.extend(before.rows.iter().filter_map(|r| {
        let m = &r.keys[0];
        Some(format!(
            "{:04}{}",
            m.get(..4)?.parse::<i64>().ok()? + 1,
            m.get(4..)?
        ))
    }));
    let mut out: Vec<(String, Change)> = months
        .into_iter()
        .map(|m| {
            let c = change(value_in(now, &m), value_in(before, &month_before(&m)));
            (m, c)
        })
        .collect();
    out.push((String::new(), change(now.total, before.total)));
    out
}

/// The suppressed figures of a trend, if its indicator is still published.
pub fn shown(trend: &TrendEntry) -> Option<(Figure, Figure)> {
    Some((trend.now.shown.figure()?, trend.before.shown.figure()?))
}

/// The table of one trend, or `None` if its indicator is no longer published.
pub fn table(t: Tr, trend: &TrendEntry) -> Option<Table> {
    let (now, before) = shown(trend)?;
    let rows = changes(&now, &before)
        .into_iter()
        .map(|(m, c)| {
            let label = if m.is_empty() {
                t.get("periodic-total")
            } else {
                m
            };
            row(Cell::Text(label), t, c)
        })
        .collect();
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

fn row(label: Cell, t: Tr, c: Change) -> Vec<Cell> {
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
