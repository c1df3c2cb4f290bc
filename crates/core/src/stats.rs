//! Statistics: indicators computed from the de-identified cells, for a territory and a
//! period, whole for a province's own people and suppressed for everything that
//! leaves the province. The API, the dashboard, its exports and the periodic reports
//! all read figures here, so that every outlet publishes the same numbers.

use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::access::{Actor, Decision, decide_figures, reads_whole_figures};
use awladna_domain::stats::figure::{Sums, attribute, attributes, finish, median};
use awladna_domain::stats::{
    Computation, FactSource, Figure, Indicator, NATION, PLACE_AND_TIME, Period, Refusal, Registry,
    Scope, ScopeKind, fact_source, layout, month_of, region_of, registry,
};
use awladna_store::stats::CellQuery;
use serde_json::json;
use std::collections::BTreeMap;
use thiserror::Error;

pub mod compare;
pub mod outcome_checks;

#[derive(Debug, Error)]
pub enum StatsError {
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("no such indicator")]
    UnknownIndicator,
    /// No such territory, or one the reader may not see.
    #[error("no such territory")]
    UnknownTerritory,
    #[error("the period is not valid")]
    BadPeriod,
    #[error("no such dimension, or too many")]
    BadDimension,
    #[error("two dimensions of the indicator's own")]
    TwoDimensions,
    /// Children counted once need a calendar month, half-year or year to be broken down.
    #[error("children need a calendar period to be broken down")]
    ChildrenPeriod,
    /// `compare` names nothing to compare with.
    #[error("no such comparison")]
    BadCompare,
}

crate::wraps_core_error!(StatsError);

impl From<Refusal> for StatsError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::UnknownIndicator => StatsError::UnknownIndicator,
            Refusal::UnknownDimension(_) => StatsError::BadDimension,
            Refusal::TwoDimensions => StatsError::TwoDimensions,
            Refusal::ChildrenPeriod => StatsError::ChildrenPeriod,
        }
    }
}

/// The registry every figure is read from.
pub fn indicators() -> &'static Registry {
    registry()
}

/// An indicator of the registry, or `UnknownIndicator`.
pub fn indicator(code: &str) -> Result<&'static Indicator, StatsError> {
    registry()
        .indicator(code)
        .ok_or(StatsError::UnknownIndicator)
}

/// The scope of a territory code, if there is one.
pub fn scope(core: &Core, code: &str) -> Option<Scope> {
    Scope::of(&core.reference, registry(), code)
}

/// What a statistics request asks, as sent (each part optional).
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub territory: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub by: Option<String>,
    /// `previous_year`: the same months one year earlier beside the figure.
    pub compare: Option<String>,
}

/// What a statistics request asks for, checked: the scope the reader may see, a
/// well-formed period (this year so far unless said), known dimensions.
#[derive(Debug, Clone)]
pub struct Asked {
    pub scope: Scope,
    pub period: Period,
    pub by: Vec<String>,
    /// Whether the figures leave the province for this reader (suppression applies).
    pub protect: bool,
    /// The same months of the year before are asked for beside the figure.
    pub previous_year: bool,
}

/// Checks a request against the reader's territory and the calendar.
pub fn asked(core: &Core, actor: &Actor, q: &Query) -> Result<Asked, StatsError> {
    let code = q
        .territory
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .or_else(|| actor.territory.clone())
        .unwrap_or_else(|| NATION.to_owned());
    let scope = scope(core, &code).ok_or(StatsError::UnknownTerritory)?;
    if decide_figures(actor, &scope.code) != Decision::Allow {
        return Err(StatsError::UnknownTerritory);
    }
    let this_month = month_of(core.now_ms());
    let from = q
        .from
        .clone()
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| format!("{}-01", &this_month[..4]));
    let to = q.to.clone().filter(|f| !f.is_empty()).unwrap_or(this_month);
    let period = Period::parse(from.trim(), to.trim()).ok_or(StatsError::BadPeriod)?;
    let by: Vec<String> =
        q.by.as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .collect();
    if by.len() > 3 {
        return Err(StatsError::BadDimension);
    }
    let previous_year = match q.compare.as_deref().map(str::trim) {
        None | Some("") => false,
        Some(compare::PREVIOUS_YEAR) => true,
        Some(_) => return Err(StatsError::BadCompare),
    };
    let province = (scope.kind == ScopeKind::Province).then_some(scope.code.as_str());
    Ok(Asked {
        previous_year,
        protect: !reads_whole_figures(actor, province),
        scope,
        period,
        by,
    })
}

/// One indicator for one scope and period, broken down by `by`, suppressed if `protect`.
pub async fn figure(
    core: &Core,
    indicator: &Indicator,
    scope: &Scope,
    period: &Period,
    by: &[String],
    protect: bool,
) -> Result<Figure, StatsError> {
    if attributes(indicator, by)?.len() > 1 {
        return crossed(core, indicator, scope, period, by, protect).await;
    }
    let dim = attribute(indicator, by)?;
    let reference = &core.reference;
    let key_of = |month: &str, territory: &str, code: &str| -> Vec<String> {
        by.iter()
            .map(|d| match d.as_str() {
                "month" => month.to_owned(),
                "province" => territory.to_owned(),
                "region" => region_of(reference, territory).unwrap_or_default(),
                _ => code.to_owned(),
            })
            .collect()
    };
    let mut sums: Sums = BTreeMap::new();
    let mut add = |key: Vec<String>, v: f64, n: f64| {
        let slot = sums.entry(key).or_insert((0.0, 0.0));
        slot.0 += v;
        slot.1 += n;
    };
    let store = &core.store;
    let mut overall = None;
    match indicator.computed {
        Computation::Children => {
            children_sums(core, scope, period, by, dim, &key_of, &mut add).await?;
        }
        Computation::ResponseHours => {
            // The histogram is read by sector only: no month or place to break it down by.
            if by.iter().any(|d| PLACE_AND_TIME.contains(&d.as_str())) {
                return Err(StatsError::BadDimension);
            }
            let rows = store
                .response_hours(&scope.leaves, &period.from, &period.to)
                .await?;
            // Medians do not add up: collect the histogram per key, take medians after.
            let mut hist: BTreeMap<Vec<String>, BTreeMap<i64, i64>> = BTreeMap::new();
            let mut all: BTreeMap<i64, i64> = BTreeMap::new();
            for (sector, hours, n) in rows {
                let code = if dim == "sector" { sector.as_str() } else { "" };
                *hist
                    .entry(key_of("", "", code))
                    .or_default()
                    .entry(hours)
                    .or_default() += n;
                *all.entry(hours).or_default() += n;
            }
            for (key, h) in hist {
                let n: i64 = h.values().sum();
                add(key, median(&h), n as f64);
            }
            let n: i64 = all.values().sum();
            overall = Some((median(&all), n as f64));
        }
        Computation::StageDays => {
            for r in store
                .cells(&cells(scope, period, "stage_stays", "stage"))
                .await?
            {
                add(key_of(&r.month, &r.territory, &r.code), 0.0, r.n as f64);
            }
            for r in store
                .cells(&cells(scope, period, "stage_hours", "stage"))
                .await?
            {
                add(
                    key_of(&r.month, &r.territory, &r.code),
                    r.n as f64 / 24.0,
                    0.0,
                );
            }
        }
        Computation::Overdue => {
            for r in store
                .cells(&cells(scope, period, "referrals_late", dim))
                .await?
            {
                add(key_of(&r.month, &r.territory, &r.code), r.n as f64, 1.0);
            }
            for (month, territory, sector, n) in store
                .waiting_overdue(&scope.leaves, &period.from, &period.to, core.now_ms())
                .await?
            {
                let code = if dim == "sector" { sector.as_str() } else { "" };
                add(key_of(&month, &territory, code), n as f64, 1.0);
            }
        }
        Computation::Cells => {
            for r in store
                .cells(&cells(scope, period, indicator.measure(), dim))
                .await?
            {
                add(key_of(&r.month, &r.territory, &r.code), r.n as f64, 1.0);
            }
        }
    }
    let children_of = |territory: Option<&str>| match territory {
        Some(code) => Scope::of(reference, registry(), code)?.children,
        None => scope.children,
    };
    Ok(finish(indicator, by, sums, overall, protect, &children_of))
}

/// A figure broken down by two or three dimensions of its own: the cells hold one
/// dimension at a time, so the facts are counted (reports; cases by the month they
/// opened or closed). Only plain sums of facts can be crossed.
async fn crossed(
    core: &Core,
    indicator: &Indicator,
    scope: &Scope,
    period: &Period,
    by: &[String],
    protect: bool,
) -> Result<Figure, StatsError> {
    let source = match indicator.computed {
        Computation::Cells => fact_source(indicator.measure()),
        _ => None,
    }
    .ok_or(StatsError::TwoDimensions)?;
    let reference = &core.reference;
    let measure = indicator.measure();
    // Each fact as (month, territory, the codes of each dimension asked).
    let mut items: Vec<(String, String, Vec<Vec<String>>)> = Vec::new();
    let in_period = |m: &str| period.from.as_str() <= m && m <= period.to.as_str();
    let place = |d: &str, month: &str, territory: &str| match d {
        "month" => Some(month.to_owned()),
        "province" => Some(territory.to_owned()),
        "region" => Some(region_of(reference, territory).unwrap_or_default()),
        _ => None,
    };
    match source {
        FactSource::Reports => {
            for f in core
                .store
                .report_facts(&scope.leaves, &period.from, &period.to)
                .await?
            {
                let codes = by
                    .iter()
                    .map(|d| {
                        place(d, &f.month, &f.territory).map_or_else(|| f.codes(d), |c| vec![c])
                    })
                    .collect();
                items.push((f.month.clone(), f.territory.clone(), codes));
            }
        }
        FactSource::CasesOpened | FactSource::CasesClosed => {
            let closed = source == FactSource::CasesClosed;
            for f in core
                .store
                .case_facts(&scope.leaves, &period.from, &period.to, closed)
                .await?
            {
                let Some(month) = f.counted_in(measure).filter(|m| in_period(m)) else {
                    continue;
                };
                let codes = by
                    .iter()
                    .map(|d| place(d, month, &f.territory).map_or_else(|| f.codes(d), |c| vec![c]))
                    .collect();
                items.push((month.to_owned(), f.territory.clone(), codes));
            }
        }
    }
    let mut sums: Sums = BTreeMap::new();
    let mut total = 0.0;
    for (_, _, codes) in &items {
        total += 1.0;
        for key in product(codes) {
            let slot = sums.entry(key).or_insert((0.0, 0.0));
            slot.0 += 1.0;
            slot.1 += 1.0;
        }
    }
    let children_of = |territory: Option<&str>| match territory {
        Some(code) => Scope::of(reference, registry(), code)?.children,
        None => scope.children,
    };
    Ok(finish(
        indicator,
        by,
        sums,
        Some((total, total)),
        protect,
        &children_of,
    ))
}

/// Every combination of one code from each list.
fn product(lists: &[Vec<String>]) -> Vec<Vec<String>> {
    lists.iter().fold(vec![Vec::new()], |keys, codes| {
        keys.iter()
            .flat_map(|key| {
                codes.iter().map(move |code| {
                    let mut next = key.clone();
                    next.push(code.clone());
                    next
                })
            })
            .collect()
    })
}

/// The cells of one measure along one dimension, over a scope and period.
fn cells<'a>(
    scope: &'a Scope,
    period: &'a Period,
    measure: &'a str,
    dim: &'a str,
) -> CellQuery<'a> {
    CellQuery {
        measure,
        dim,
        territories: &scope.leaves,
        from: &period.from,
        to: &period.to,
    }
}

/// Children, each counted once per territory and period.
async fn children_sums(
    core: &Core,
    scope: &Scope,
    period: &Period,
    by: &[String],
    dim: &str,
    key_of: &impl Fn(&str, &str, &str) -> Vec<String>,
    add: &mut impl FnMut(Vec<String>, f64, f64),
) -> Result<(), StatsError> {
    let by_month = by.iter().any(|d| d == "month");
    let by_place = by.iter().any(|d| d == "province" || d == "region");
    // Each child once per territory: the scope's own cells, or the places' when broken
    // down by place (a child seen in two provinces counts once in each).
    let territories: Vec<String> = match (by_place, scope.kind) {
        (false, ScopeKind::Nation | ScopeKind::Region) => vec![scope.code.clone()],
        _ => scope.leaves.clone(),
    };
    let (measure, from, to) = match (by_month, period.calendar()) {
        (true, _) => ("children", period.from.clone(), period.to.clone()),
        (false, Some((measure, label))) => (measure, label.clone(), label),
        (false, None) => {
            if !by.is_empty() {
                return Err(StatsError::ChildrenPeriod);
            }
            let mut total = 0;
            for t in &territories {
                total += core
                    .store
                    .distinct_children(t, &period.from, &period.to)
                    .await?;
            }
            add(Vec::new(), total as f64, 1.0);
            return Ok(());
        }
    };
    let q = CellQuery {
        measure,
        dim,
        territories: &territories,
        from: &from,
        to: &to,
    };
    for r in core.store.cells(&q).await? {
        add(key_of(&r.month, &r.territory, &r.code), r.n as f64, 1.0);
    }
    Ok(())
}

/// A figure of the registry's indicator `code` by one dimension ("" for none).
async fn figure_by(
    core: &Core,
    asked: &Asked,
    period: &Period,
    (code, dim): (&str, &str),
    protect: bool,
) -> Result<Figure, StatsError> {
    let by: Vec<String> = [dim]
        .into_iter()
        .filter(|d| !d.is_empty())
        .map(str::to_owned)
        .collect();
    figure(core, indicator(code)?, &asked.scope, period, &by, protect).await
}

/// One figure as the API gives it: with the year before when asked, and provinces
/// against the nation when broken down by province.
pub struct Read {
    pub figure: Figure,
    pub asked: Asked,
    pub trend: Option<compare::Trend>,
    pub against_nation: Option<compare::AgainstNation>,
}

/// `GET /api/v1/stats/{indicator}`: one figure, the request written in the audit log
/// (data requests are, by the GBVIMS information-sharing protocol).
pub async fn read(
    core: &Core,
    permit: &Permit<act::ViewStatistics>,
    code: &str,
    q: &Query,
) -> Result<Read, StatsError> {
    let indicator = indicator(code)?;
    let a = asked(core, permit.actor(), q)?;
    let fig = figure(core, indicator, &a.scope, &a.period, &a.by, a.protect).await?;
    let trend = match a.previous_year {
        true => Some(compare::previous_year(core, &a, &fig).await?),
        false => None,
    };
    let against_nation = compare::against_nation(core, &a, &fig).await?;
    let entry = permit.who().audit(
        core.now_ms(),
        "stats.read",
        ("indicator", &indicator.code),
        &a.scope.code,
        json!({"from": a.period.from, "to": a.period.to, "by": a.by, "previous_year": a.previous_year}),
    );
    core.audit_alone(entry).await?;
    Ok(Read {
        figure: fig,
        asked: a,
        trend,
        against_nation,
    })
}

/// The dashboard's figures.
pub struct Dashboard {
    pub asked: Asked,
    /// The key figures (totals), in `layout::KEYS`' order.
    pub keys: Vec<Figure>,
    /// The trend's period and its figures by month, in `layout::TREND`'s order.
    pub trend: (Period, Vec<Figure>),
    /// The bar charts: each figure and its one dimension.
    pub breakdowns: Vec<(Figure, String)>,
    /// The sectors' table, in `layout::SECTORS`' order, by sector.
    pub sectors: Vec<Figure>,
}

/// The dashboard of the territory and period asked.
pub async fn dashboard(
    core: &Core,
    permit: &Permit<act::ViewStatistics>,
    q: &Query,
) -> Result<Dashboard, StatsError> {
    let a = asked(core, permit.actor(), q)?;
    let (period, protect) = (&a.period, a.protect);
    let mut keys = Vec::new();
    for code in layout::KEYS {
        keys.push(figure_by(core, &a, period, (code, ""), protect).await?);
    }
    let trend_period = period.trend();
    let mut trend = Vec::new();
    for code in layout::TREND {
        trend.push(figure_by(core, &a, &trend_period, (code, "month"), protect).await?);
    }
    let mut breakdowns = Vec::new();
    for (code, dim) in layout::BREAKDOWNS {
        match figure_by(core, &a, period, (code, dim), protect).await {
            Ok(f) => breakdowns.push((f, dim.to_owned())),
            // Children over a period that is not a calendar one have no breakdown.
            Err(StatsError::ChildrenPeriod) => continue,
            Err(e) => return Err(e),
        }
    }
    let mut sectors = Vec::new();
    for code in layout::SECTORS {
        sectors.push(figure_by(core, &a, period, (code, "sector"), protect).await?);
    }
    Ok(Dashboard {
        trend: (trend_period, trend),
        asked: a,
        keys,
        breakdowns,
        sectors,
    })
}

/// The formats the dashboard is exported in.
pub const EXPORT_FORMATS: [&str; 3] = ["xlsx", "csv", "pdf"];

/// The dashboard's figures as they leave the system, suppressed whoever asks (a file
/// leaves the province), the request written in the audit log.
pub async fn export(
    core: &Core,
    permit: &Permit<act::ViewStatistics>,
    format: &str,
    q: &Query,
) -> Result<(Asked, Vec<Figure>), StatsError> {
    if !EXPORT_FORMATS.contains(&format) {
        return Err(CoreError::NotFound.into());
    }
    let a = asked(core, permit.actor(), q)?;
    let mut figures = Vec::new();
    for item in layout::EXPORTED {
        match figure_by(core, &a, &a.period, item, true).await {
            Ok(f) => figures.push(f),
            Err(StatsError::Core(e)) => return Err(e.into()),
            Err(_) => {}
        }
    }
    let entry = permit.who().audit(
        core.now_ms(),
        "stats.export",
        ("dashboard", format),
        &a.scope.code,
        json!({"from": a.period.from, "to": a.period.to}),
    );
    core.audit_alone(entry).await?;
    Ok((a, figures))
}
