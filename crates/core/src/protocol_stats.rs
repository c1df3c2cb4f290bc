//! Services against the protocol (issue 19 §1): the share of cases that received each
//! service of a stage's basket, and the protocol's three delays kept or missed. Read
//! from the existing tables (cases, concerns, stage moves, linking cards and their
//! answers, cards, plan actions) for the reader's scope and period, suppressed as every
//! figure that leaves a province is.

use crate::permit::act;
use crate::protocol::protocols;
use crate::stats::{Asked, Query, StatsError, asked};
use crate::{Core, Permit};
use awladna_domain::stats::{Shown, month_of};
use awladna_domain::suppress::{Grid, suppress};
use awladna_store::protocol_stats::ProtocolRows;

/// One service of one stage's basket.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    pub stage: String,
    pub service: String,
    pub sector: String,
    /// Cases of the period that reached the stage with a concern the service is due for.
    pub due: Shown,
    /// Those of them that received it at that stage.
    pub received: Shown,
    /// `received / due` in percent; `None` when nothing was due.
    pub share: Option<Shown>,
}

/// The delays of the protocol, in the order the page shows them.
pub const DELAYS: [&str; 3] = [
    "linking_card_response",
    "first_evaluation_after_report",
    "plan_after_high_risk_evaluation",
];

/// How the clocks of one delay ended, as counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clocks {
    pub in_time: u64,
    pub late: u64,
    /// Not done, and the delay has run out.
    pub overdue: u64,
    /// Not done, still within the delay.
    pub waiting: u64,
}

impl Clocks {
    /// Counts one clock that started at `from`, ended at `done` (if it did), against
    /// the deadline `due` at `now`.
    fn count(&mut self, done: Option<i64>, due: i64, now: i64) {
        match done {
            Some(at) if at <= due => self.in_time += 1,
            Some(_) => self.late += 1,
            None if now > due => self.overdue += 1,
            None => self.waiting += 1,
        }
    }

    fn cells(&self) -> [u64; 4] {
        [self.in_time, self.late, self.overdue, self.waiting]
    }
}

/// One delay: its limit (none: by urgency, the linking cards' own deadlines) and its
/// counts as shown: in time, late, overdue, waiting, their total, and the share kept in
/// time among the clocks that ended or ran out.
#[derive(Debug, Clone, PartialEq)]
pub struct DelayFigure {
    pub code: &'static str,
    pub limit_hours: Option<i64>,
    pub counts: [Shown; 4],
    pub total: Shown,
    pub share_in_time: Option<Shown>,
}

#[derive(Debug, Clone)]
pub struct ProtocolStats {
    pub asked: Asked,
    pub version: u32,
    pub provisional: bool,
    pub coverage: Vec<Coverage>,
    pub delays: Vec<DelayFigure>,
}

const HOUR_MS: i64 = 3_600_000;
/// A day on each side of the period: months are Moroccan time, the database keeps UTC.
const MARGIN_MS: i64 = 24 * HOUR_MS;

fn month_start_ms(month: &str) -> Option<i64> {
    let date: jiff::civil::Date = format!("{month}-01").parse().ok()?;
    Some(
        date.to_zoned(jiff::tz::TimeZone::UTC)
            .ok()?
            .timestamp()
            .as_millisecond(),
    )
}

fn next_month(month: &str) -> Option<String> {
    let date: jiff::civil::Date = format!("{month}-01").parse().ok()?;
    Some(
        date.checked_add(jiff::Span::new().months(1))
            .ok()?
            .strftime("%Y-%m")
            .to_string(),
    )
}

pub async fn statistics(
    core: &Core,
    permit: &Permit<act::ViewStatistics>,
    q: &Query,
) -> Result<ProtocolStats, StatsError> {
    let asked = asked(core, permit.actor(), q)?;
    let all = protocols(core)?;
    let protocol = all.current();
    let window = month_start_ms(&asked.period.from).zip(
        next_month(&asked.period.to)
            .as_deref()
            .and_then(month_start_ms),
    );
    let (from_ms, to_ms) = window.ok_or(StatsError::BadPeriod)?;
    let rows = core
        .store
        .protocol_rows(&asked.scope.leaves, from_ms - MARGIN_MS, to_ms + MARGIN_MS)
        .await
        .map_err(crate::CoreError::from)?;
    let in_period = |ms: i64| {
        let m = month_of(ms);
        m >= asked.period.from && m <= asked.period.to
    };
    let coverage = coverage(protocol, &rows, &in_period, asked.protect);
    let delays = delays(protocol, &rows, &in_period, core.now_ms(), asked.protect);
    Ok(ProtocolStats {
        version: protocol.version,
        provisional: protocol.provisional,
        asked,
        coverage,
        delays,
    })
}

fn percent(part: u64, whole: u64) -> f64 {
    (part as f64 * 1000.0 / whole as f64).round() / 10.0
}

fn shown(n: u64, hidden: bool) -> Shown {
    if hidden {
        Shown::Hidden
    } else {
        Shown::Value(n as f64)
    }
}

fn coverage(
    protocol: &awladna_domain::protocol::Protocol,
    rows: &ProtocolRows,
    in_period: &dyn Fn(i64) -> bool,
    protect: bool,
) -> Vec<Coverage> {
    let cohort: Vec<_> = rows
        .cases
        .values()
        .filter(|c| in_period(c.opened_at))
        .collect();
    let mut lines = Vec::new();
    let mut cells = Vec::new();
    for basket in &protocol.stages {
        for s in &basket.services {
            let due: Vec<_> = cohort
                .iter()
                .filter(|c| c.stages.contains(&basket.stage) && s.due_for(&c.concerns))
                .collect();
            let received = due
                .iter()
                .filter(|c| {
                    c.delivered
                        .iter()
                        .any(|(stage, service)| *stage == basket.stage && *service == s.service)
                })
                .count() as u64;
            cells.extend([due.len() as u64, received]);
            lines.push((basket.stage.clone(), s, due.len() as u64, received));
        }
    }
    // A case counts under several services: the table has no sums to publish, and each
    // count is suppressed alone (primary suppression).
    let hidden = match protect {
        true => {
            suppress(&Grid {
                rows: lines.len(),
                cols: 2,
                cells,
                additive: false,
            })
            .cells
        }
        false => vec![false; lines.len() * 2],
    };
    lines
        .into_iter()
        .enumerate()
        .map(|(i, (stage, s, due, received))| {
            let (hide_due, hide_received) = (hidden[2 * i], hidden[2 * i + 1]);
            Coverage {
                stage,
                service: s.service.clone(),
                sector: s.sector.clone(),
                due: shown(due, hide_due),
                received: shown(received, hide_received),
                share: (due > 0).then(|| match hide_due || hide_received {
                    true => Shown::Hidden,
                    false => Shown::Value(percent(received, due)),
                }),
            }
        })
        .collect()
}

fn delays(
    protocol: &awladna_domain::protocol::Protocol,
    rows: &ProtocolRows,
    in_period: &dyn Fn(i64) -> bool,
    now: i64,
    protect: bool,
) -> Vec<DelayFigure> {
    let d = &protocol.delays;
    let mut response = Clocks::default();
    for r in rows.responses.iter().filter(|r| in_period(r.sent_at)) {
        response.count(r.responded_at, r.due_at, now);
    }
    let mut evaluation = Clocks::default();
    let limit = d.first_evaluation_after_report_hours * HOUR_MS;
    for c in rows.cases.values().filter(|c| in_period(c.opened_at)) {
        if let Some(reported) = c.first_report_at {
            evaluation.count(c.first_evaluation_at, reported + limit, now);
        }
    }
    let mut plan = Clocks::default();
    let limit = d.plan_after_high_risk_evaluation_hours * HOUR_MS;
    for h in rows.high_risk.iter().filter(|h| in_period(h.evaluated_at)) {
        plan.count(h.first_plan_at, h.evaluated_at + limit, now);
    }
    let all = [
        (DELAYS[0], None, response),
        (
            DELAYS[1],
            Some(d.first_evaluation_after_report_hours),
            evaluation,
        ),
        (
            DELAYS[2],
            Some(d.plan_after_high_risk_evaluation_hours),
            plan,
        ),
    ];
    // Each row's total is published beside its cells: the rows are additive sums.
    let grid = Grid {
        rows: all.len(),
        cols: 4,
        cells: all.iter().flat_map(|(_, _, c)| c.cells()).collect(),
        additive: true,
    };
    let hidden = match protect {
        true => Some(suppress(&grid)),
        false => None,
    };
    all.iter()
        .enumerate()
        .map(|(i, (code, limit_hours, clocks))| {
            let cells = clocks.cells();
            let hide = |k: usize| hidden.as_ref().is_some_and(|h| h.cells[i * 4 + k]);
            let hide_total = hidden.as_ref().is_some_and(|h| h.row_totals[i]);
            let ended = clocks.in_time + clocks.late + clocks.overdue;
            DelayFigure {
                code,
                limit_hours: *limit_hours,
                counts: std::array::from_fn(|k| shown(cells[k], hide(k))),
                total: shown(cells.iter().sum(), hide_total),
                share_in_time: (ended > 0).then(|| match hide(0) || hide(1) || hide(2) {
                    true => Shown::Hidden,
                    false => Shown::Value(percent(clocks.in_time, ended)),
                }),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_end_in_time_late_overdue_or_waiting() {
        let mut c = Clocks::default();
        c.count(Some(10), 10, 100);
        c.count(Some(11), 10, 100);
        c.count(None, 10, 100);
        c.count(None, 200, 100);
        assert_eq!(c.cells(), [1, 1, 1, 1]);
        assert_eq!(next_month("2026-12").as_deref(), Some("2027-01"));
        assert_eq!(month_start_ms("1970-01"), Some(0));
        assert_eq!(percent(1, 3), 33.3);
    }
}
