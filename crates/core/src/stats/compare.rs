//! What a figure is read against: the same months of the year before (trends), and,
//! for provinces, the nation's rate per 1,000 children with exact 95% intervals.

use super::{Asked, StatsError, figure};
use crate::Core;
use awladna_domain::stats::intervals::{Against, Rate, against, rate_per_1000};
use awladna_domain::stats::trends::{Change, change, month_before, year_before};
use awladna_domain::stats::{Figure, NATION, Period, Scope, Shown, Unit, registry};

/// What a request may compare with (`compare=`).
pub const PREVIOUS_YEAR: &str = "previous_year";

/// A figure against the same months of the year before: the change of each row (its
/// month one year earlier) and of the total.
#[derive(Debug, Clone)]
pub struct Trend {
    pub period: Period,
    pub before: Figure,
    pub rows: Vec<Change>,
    pub total: Change,
}

/// The figure of the same months one year earlier, with the same breakdown and
/// suppression, matched to `now`'s rows.
pub async fn previous_year(core: &Core, a: &Asked, now: &Figure) -> Result<Trend, StatsError> {
    let period = year_before(&a.period).ok_or(StatsError::BadPeriod)?;
    let before = figure(core, &now.indicator, &a.scope, &period, &now.by, a.protect).await?;
    let month = now.by.iter().position(|d| d == "month");
    let rows = now
        .rows
        .iter()
        .map(|row| {
            let mut keys = row.keys.clone();
            if let Some(i) = month {
                keys[i] = month_before(&keys[i]);
            }
            // A row absent the year before counted nothing then (zeros are not kept).
            let then = before
                .rows
                .iter()
                .find(|r| r.keys == keys)
                .map(|r| r.value)
                .unwrap_or(Shown::Value(0.0));
            change(row.value, then)
        })
        .collect();
    Ok(Trend {
        total: change(now.total, before.total),
        period,
        rows,
        before,
    })
}

/// Provinces against the nation: each row's rate with its interval and where it
/// stands, and the nation's.
#[derive(Debug, Clone)]
pub struct AgainstNation {
    pub nation: Rate,
    /// Per row of the figure: `None` when the row is hidden or has no children.
    pub rows: Vec<Option<(Rate, Against)>>,
}

/// For a count of children, reports or cases broken down by province alone.
pub async fn against_nation(
    core: &Core,
    a: &Asked,
    fig: &Figure,
) -> Result<Option<AgainstNation>, StatsError> {
    let comparable = fig.indicator.per_children
        && fig.indicator.unit == Unit::Count
        && fig.by.len() == 1
        && fig.by[0] == "province";
    if !comparable {
        return Ok(None);
    }
    let Some(nation_scope) = Scope::of(&core.reference, registry(), NATION) else {
        return Ok(None);
    };
    // The nation's total only (a sum over every province, never a small number).
    let national = figure(core, &fig.indicator, &nation_scope, &a.period, &[], false).await?;
    let count = |v: Shown| v.value().map(|v| v.max(0.0) as u64);
    let Some(nation) = count(national.total)
        .zip(nation_scope.children)
        .and_then(|(n, children)| rate_per_1000(n, children))
    else {
        return Ok(None);
    };
    let rows = fig
        .rows
        .iter()
        .map(|row| {
            let children = Scope::of(&core.reference, registry(), &row.keys[0])?.children?;
            let rate = rate_per_1000(count(row.value)?, children)?;
            Some((rate, against(&rate, &nation)))
        })
        .collect();
    Ok(Some(AgainstNation { nation, rows }))
}
