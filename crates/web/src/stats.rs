//! Indicators computed from the cells, for a territory and a period: what the API, the
//! dashboards, the exports and the periodic reports show. One function computes, one
//! applies small-cell suppression (for figures that leave the province), so that every
//! outlet publishes the same numbers.

use crate::state::AppState;
use awladna_domain::access::Actor;
use awladna_domain::stats::{Indicator, NATION, Unit, half_of, year_of};
use awladna_domain::suppress::{Grid, is_small, suppress};
use awladna_domain::territory::TerritoryKind;
use awladna_store::stats::CellQuery;
use std::collections::{BTreeMap, BTreeSet};

/// What a hidden value is shown as, everywhere (the API's `"<5"`): a count from 1 to 4,
/// or a value hidden so that such a count cannot be worked out from the totals.
pub const HIDDEN: &str = "<5";

/// The dimensions every indicator may be broken down by, besides its own.
pub const PLACE_AND_TIME: [&str; 3] = ["month", "province", "region"];

/// Where figures are computed for: a province (prefecture), a region or the nation.
#[derive(Debug, Clone)]
pub struct Scope {
    pub code: String,
    pub kind: ScopeKind,
    /// The territories whose cards count here (a province and, for Casablanca, its
    /// prefectures d'arrondissements).
    pub leaves: Vec<String>,
    /// The 2024 estimate of its children aged 0-17.
    pub children: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Province,
    Region,
    Nation,
}

impl Scope {
    pub fn of(state: &AppState, code: &str) -> Option<Scope> {
        let reference = &state.reference;
        let denominators = &state.children_2024;
        let hcp_total = |leaves: &[String], provinces_only: bool| -> Option<u64> {
            let mut sum = 0;
            for leaf in leaves {
                let t = reference.territory(leaf)?;
                if provinces_only && t.kind == TerritoryKind::PrefectureArrondissements {
                    continue; // Casablanca's row already counts them.
                }
                sum += denominators.get(&t.hcp_code)?;
            }
            Some(sum)
        };
        if code == NATION {
            let leaves = leaves_under(state, None);
            return Some(Scope {
                children: hcp_total(&leaves, true),
                code: NATION.to_owned(),
                kind: ScopeKind::Nation,
                leaves,
            });
        }
        let t = reference.territory(code)?;
        let (kind, leaves) = match t.kind {
            TerritoryKind::Region => (ScopeKind::Region, leaves_under(state, Some(code))),
            _ => (ScopeKind::Province, with_descendants(state, code)),
        };
        let children = match kind {
            ScopeKind::Province => denominators.get(&t.hcp_code).copied(),
            _ => hcp_total(&leaves, true),
        };
        Some(Scope {
            code: code.to_owned(),
            kind,
            leaves,
            children,
        })
    }

    /// Whether these figures leave the province when `actor` reads them: national and
    /// regional views always do; a province's own people read its figures whole.
    pub fn leaves_province_for(&self, actor: &Actor) -> bool {
        self.kind != ScopeKind::Province || actor.territory.as_deref() != Some(&self.code)
    }
}

fn with_descendants(state: &AppState, code: &str) -> Vec<String> {
    let mut out = vec![code.to_owned()];
    out.extend(
        state
            .reference
            .territories()
            .iter()
            .filter(|t| t.parent_code.as_deref() == Some(code) && t.kind.hosts_mechanism())
            .map(|t| t.code.clone()),
    );
    out
}

/// Every territory hosting a mechanism, under `region` or in the whole country.
fn leaves_under(state: &AppState, region: Option<&str>) -> Vec<String> {
    state
        .reference
        .territories()
        .iter()
        .filter(|t| t.kind.hosts_mechanism())
        .filter(|t| region.is_none_or(|r| region_of(state, &t.code).as_deref() == Some(r)))
        .map(|t| t.code.clone())
        .collect()
}

pub fn region_of(state: &AppState, code: &str) -> Option<String> {
    let mut at = state.reference.territory(code)?;
    for _ in 0..4 {
        if at.kind == TerritoryKind::Region {
            return Some(at.code.clone());
        }
        at = state.reference.territory(at.parent_code.as_deref()?)?;
    }
    None
}

/// An inclusive range of months, "YYYY-MM".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub from: String,
    pub to: String,
}

impl Period {
    pub fn parse(from: &str, to: &str) -> Option<Period> {
        let ok = |m: &str| {
            m.len() == 7
                && m.as_bytes()[4] == b'-'
                && m[..4].bytes().all(|b| b.is_ascii_digit())
                && matches!(m[5..].parse::<u32>(), Ok(1..=12))
        };
        (ok(from) && ok(to) && from <= to && year_of(to) - year_of(from) < 10).then(|| Period {
            from: from.to_owned(),
            to: to.to_owned(),
        })
    }

    /// The calendar period it is exactly, for children counted once: the cells of
    /// "children" (a month), "children_half" or "children_year".
    fn calendar(&self) -> Option<(&'static str, String)> {
        let year = year_of(&self.from);
        if self.from == self.to {
            return Some(("children", self.from.clone()));
        }
        if year != year_of(&self.to) {
            return None;
        }
        match (&self.from[5..], &self.to[5..]) {
            ("01", "12") => Some(("children_year", year.to_string())),
            ("01", "06") | ("07", "12") => Some(("children_half", half_of(&self.from))),
            _ => None,
        }
    }

    /// The months from `from` to `to`.
    pub fn months(&self) -> Vec<String> {
        let mut out = Vec::new();
        let (mut y, mut m) = (
            year_of(&self.from),
            self.from[5..].parse::<i64>().unwrap_or(1),
        );
        loop {
            let month = format!("{y:04}-{m:02}");
            if month.as_str() > self.to.as_str() {
                break;
            }
            out.push(month);
            m += 1;
            if m > 12 {
                (y, m) = (y + 1, 1);
            }
        }
        out
    }
}

/// A figure's value: a number, or hidden.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shown {
    Value(f64),
    Hidden,
}

impl Shown {
    pub fn json(self) -> serde_json::Value {
        match self {
            Shown::Value(v) if v.fract() == 0.0 => serde_json::json!(v as i64),
            Shown::Value(v) => serde_json::json!((v * 10.0).round() / 10.0),
            Shown::Hidden => serde_json::json!(HIDDEN),
        }
    }

    pub fn value(self) -> Option<f64> {
        match self {
            Shown::Value(v) => Some(v),
            Shown::Hidden => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct FigureRow {
    pub keys: Vec<String>,
    pub value: Shown,
    /// Per 1,000 children of the row's territory (or the scope's).
    pub rate: Option<f64>,
}

/// One indicator for one scope and period, broken down by `by`.
#[derive(Debug, Clone)]
pub struct Figure {
    pub indicator: Indicator,
    pub by: Vec<String>,
    pub rows: Vec<FigureRow>,
    pub total: Shown,
    pub total_rate: Option<f64>,
    pub protected: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    UnknownIndicator,
    UnknownDimension(String),
    TwoDimensions,
    /// Children counted once need a calendar month, half-year or year to be broken down.
    ChildrenPeriod,
    Store(String),
}

/// Raw sums per key, with how many items each sum is over (for means and medians).
type Sums = BTreeMap<Vec<String>, (f64, f64)>;

pub async fn figure(
    state: &AppState,
    indicator: &Indicator,
    scope: &Scope,
    period: &Period,
    by: &[String],
    protect: bool,
) -> Result<Figure, Refusal> {
    let attribute: Vec<&String> = by
        .iter()
        .filter(|d| !PLACE_AND_TIME.contains(&d.as_str()))
        .collect();
    for d in &attribute {
        if !indicator.dimensions.contains(d) {
            return Err(Refusal::UnknownDimension((*d).clone()));
        }
    }
    if attribute.len() > 1 {
        return Err(Refusal::TwoDimensions);
    }
    let dim = attribute.first().map(|d| d.as_str()).unwrap_or("");
    let key_of = |month: &str, territory: &str, code: &str| -> Vec<String> {
        by.iter()
            .map(|d| match d.as_str() {
                "month" => month.to_owned(),
                "province" => territory.to_owned(),
                "region" => region_of(state, territory).unwrap_or_default(),
                _ => code.to_owned(),
            })
            .collect()
    };
    let store_err = |e: awladna_store::StoreError| Refusal::Store(e.detail());
    let mut sums: Sums = BTreeMap::new();
    let mut add = |key: Vec<String>, v: f64, n: f64| {
        let slot = sums.entry(key).or_insert((0.0, 0.0));
        slot.0 += v;
        slot.1 += n;
    };
    let cells = |measure: &'static str, dim: &'static str| CellQuery {
        measure,
        dim,
        territories: &scope.leaves,
        from: &period.from,
        to: &period.to,
    };
    // Checked above against the indicator's dimensions.
    let dim_static = static_dim(dim);
    match indicator.code.as_str() {
        "children" => {
            children_sums(state, scope, period, by, dim_static, &key_of, &mut add).await?;
        }
        "referral_response_hours" => {
            // The histogram is read by sector only: no month or place to break it down by.
            if let Some(d) = by.iter().find(|d| PLACE_AND_TIME.contains(&d.as_str())) {
                return Err(Refusal::UnknownDimension(d.clone()));
            }
            let rows = state
                .store
                .response_hours(&scope.leaves, &period.from, &period.to)
                .await
                .map_err(store_err)?;
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
            return finish(
                state,
                indicator,
                scope,
                by,
                sums,
                Some((median(&all), n as f64)),
                protect,
            );
        }
        "stage_days" => {
            let stays = state
                .store
                .cells(&cells("stage_stays", "stage"))
                .await
                .map_err(store_err)?;
            let hours = state
                .store
                .cells(&cells("stage_hours", "stage"))
                .await
                .map_err(store_err)?;
            for r in stays {
                add(key_of(&r.month, &r.territory, &r.code), 0.0, r.n as f64);
            }
            for r in hours {
                add(
                    key_of(&r.month, &r.territory, &r.code),
                    r.n as f64 / 24.0,
                    0.0,
                );
            }
        }
        "referrals_overdue" => {
            for r in state
                .store
                .cells(&cells("referrals_late", dim_static))
                .await
                .map_err(store_err)?
            {
                add(key_of(&r.month, &r.territory, &r.code), r.n as f64, 1.0);
            }
            let now = state.now_ms();
            for (month, territory, sector, n) in state
                .store
                .waiting_overdue(&scope.leaves, &period.from, &period.to, now)
                .await
                .map_err(store_err)?
            {
                let code = if dim == "sector" { sector.as_str() } else { "" };
                add(key_of(&month, &territory, code), n as f64, 1.0);
            }
        }
        code => {
            let measure = ["reports", "cases", "cases_closed", "referrals"]
                .into_iter()
                .find(|m| *m == code)
                .ok_or(Refusal::UnknownIndicator)?;
            for r in state
                .store
                .cells(&cells(measure, dim_static))
                .await
                .map_err(store_err)?
            {
                add(key_of(&r.month, &r.territory, &r.code), r.n as f64, 1.0);
            }
        }
    }
    finish(state, indicator, scope, by, sums, None, protect)
}

/// The dimension's code as the cells name it (cells take `&'static str` names).
fn static_dim(d: &str) -> &'static str {
    const KNOWN: [&str; 13] = [
        "sex",
        "age_band",
        "source",
        "urgency",
        "area",
        "concern",
        "target_group",
        "stage",
        "risk",
        "outcome",
        "sector",
        "status",
        "",
    ];
    KNOWN.into_iter().find(|k| *k == d).unwrap_or("")
}

async fn children_sums(
    state: &AppState,
    scope: &Scope,
    period: &Period,
    by: &[String],
    dim: &'static str,
    key_of: &impl Fn(&str, &str, &str) -> Vec<String>,
    add: &mut impl FnMut(Vec<String>, f64, f64),
) -> Result<(), Refusal> {
    let store_err = |e: awladna_store::StoreError| Refusal::Store(e.detail());
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
                return Err(Refusal::ChildrenPeriod);
            }
            let mut total = 0;
            for t in &territories {
                total += state
                    .store
                    .distinct_children(t, &period.from, &period.to)
                    .await
                    .map_err(store_err)?;
            }
            add(Vec::new(), total as f64, 1.0);
            return Ok(());
        }
    };
    let q = CellQuery {
        measure: static_measure(measure),
        dim,
        territories: &territories,
        from: &from,
        to: &to,
    };
    for r in state.store.cells(&q).await.map_err(store_err)? {
        add(key_of(&r.month, &r.territory, &r.code), r.n as f64, 1.0);
    }
    Ok(())
}

fn static_measure(m: &str) -> &'static str {
    ["children", "children_half", "children_year"]
        .into_iter()
        .find(|k| *k == m)
        .unwrap_or("children")
}

/// The median of a histogram of whole hours.
fn median(hist: &BTreeMap<i64, i64>) -> f64 {
    let n: i64 = hist.values().sum();
    if n == 0 {
        return 0.0;
    }
    let value_at = |rank: i64| {
        let mut seen = 0;
        for (v, c) in hist {
            seen += c;
            if seen > rank {
                return *v as f64;
            }
        }
        0.0
    };
    if n % 2 == 1 {
        value_at(n / 2)
    } else {
        (value_at(n / 2 - 1) + value_at(n / 2)) / 2.0
    }
}

fn finish(
    state: &AppState,
    indicator: &Indicator,
    scope: &Scope,
    by: &[String],
    sums: Sums,
    overall: Option<(f64, f64)>,
    protect: bool,
) -> Result<Figure, Refusal> {
    let value_of = |(v, n): (f64, f64)| match indicator.unit {
        Unit::MeanDays if n > 0.0 => v / n,
        Unit::MeanDays => 0.0,
        _ => v,
    };
    let total_raw = overall.unwrap_or_else(|| {
        sums.values()
            .fold((0.0, 0.0), |acc, (v, n)| (acc.0 + v, acc.1 + n))
    });
    // Multi-valued dimensions (a case with two forms of violence) and medians do not
    // add up to the total: their parts are only checked one by one.
    let additive =
        indicator.unit == Unit::Count && !by.iter().any(|d| d == "concern" || d == "target_group");
    // Without a breakdown the one row is the total: only the total is published (it is
    // the value suppression applies to).
    let mut rows: Vec<FigureRow> = sums
        .iter()
        .filter(|_| !by.is_empty())
        .map(|(keys, raw)| FigureRow {
            keys: keys.clone(),
            value: Shown::Value(value_of(*raw)),
            rate: None,
        })
        .collect();
    let mut total = Shown::Value(value_of(total_raw));
    if protect {
        hide_small(
            indicator, by, &sums, &mut rows, &mut total, additive, total_raw,
        );
    }
    let per_children = indicator.per_children && indicator.unit == Unit::Count;
    let rate = |value: Shown, territory: Option<&str>| -> Option<f64> {
        let v = value.value()?;
        let children = match territory {
            Some(code) => Scope::of(state, code)?.children?,
            None => scope.children?,
        };
        (per_children && children > 0).then(|| v * 1000.0 / children as f64)
    };
    let place = by.iter().position(|d| d == "province" || d == "region");
    for row in &mut rows {
        row.rate = rate(row.value, place.map(|i| row.keys[i].as_str()));
    }
    Ok(Figure {
        indicator: indicator.clone(),
        by: by.to_vec(),
        total_rate: rate(total, None),
        rows,
        total,
        protected: protect,
    })
}

/// Small-cell suppression of a figure: counts from 1 to 4 hidden, and enough others
/// that no hidden count follows from the published totals; a mean or median over
/// fewer than 5 items is hidden too.
fn hide_small(
    indicator: &Indicator,
    by: &[String],
    sums: &Sums,
    rows: &mut Vec<FigureRow>,
    total: &mut Shown,
    additive: bool,
    total_raw: (f64, f64),
) {
    if indicator.unit != Unit::Count {
        for (row, (_, n)) in rows.iter_mut().zip(sums.values()) {
            if *n < 5.0 {
                row.value = Shown::Hidden;
            }
        }
        if total_raw.1 < 5.0 && total_raw.1 > 0.0 {
            *total = Shown::Hidden;
        }
        return;
    }
    if by.is_empty() {
        if is_small(total_raw.0 as u64) {
            *total = Shown::Hidden;
        }
        return;
    }
    // Lay the rows out as a grid: the first dimension down, the others across.
    let firsts: Vec<String> = unique(rows.iter().map(|r| r.keys[0].clone()));
    let rests: Vec<Vec<String>> = unique(rows.iter().map(|r| r.keys[1..].to_vec()));
    let position = |keys: &[String]| -> Option<usize> {
        let i = firsts.binary_search(&keys[0]).ok()?;
        let j = rests.binary_search(&keys[1..].to_vec()).ok()?;
        Some(i * rests.len() + j)
    };
    let mut cells = vec![0u64; firsts.len() * rests.len()];
    for (row, (v, _)) in rows.iter().zip(sums.values()) {
        if let Some(p) = position(&row.keys) {
            cells[p] = *v as u64;
        }
    }
    let grid = Grid {
        rows: firsts.len(),
        cols: rests.len(),
        cells,
        additive,
    };
    let hidden = suppress(&grid);
    let mut shown = vec![false; hidden.cells.len()];
    for row in rows.iter_mut() {
        if let Some(p) = position(&row.keys) {
            shown[p] = true;
            if hidden.cells[p] {
                row.value = Shown::Hidden;
            }
        }
    }
    // A zero hidden as a complement has no row (zeros are not stored): it must appear,
    // hidden, or its absence would say it is zero.
    for (p, _) in hidden
        .cells
        .iter()
        .enumerate()
        .filter(|(p, h)| **h && !shown[*p])
    {
        let (i, j) = (p / rests.len(), p % rests.len());
        let mut keys = vec![firsts[i].clone()];
        keys.extend(rests[j].iter().cloned());
        rows.push(FigureRow {
            keys,
            value: Shown::Hidden,
            rate: None,
        });
    }
    let total_small = is_small(total_raw.0 as u64);
    // A multi-valued breakdown's total counts mentions, the sum of its rows: shown beside
    // a hidden row, it would give that row away (13 mentions, 12 shown: the hidden is 1).
    let sum_beside_hidden = !additive && hidden.cells.iter().any(|h| *h);
    if (additive && hidden.total) || total_small || sum_beside_hidden {
        *total = Shown::Hidden;
    }
}

fn unique<T: Ord + Clone>(items: impl Iterator<Item = T>) -> Vec<T> {
    items.collect::<BTreeSet<T>>().into_iter().collect()
}

/// The indicators, in their file's order.
pub fn indicator<'a>(state: &'a AppState, code: &str) -> Option<&'a Indicator> {
    state.indicators.iter().find(|i| i.code == code)
}

/// Small-cell suppression of a count figure assembled elsewhere (the national report's
/// sums of provincial figures): the same rule as [`figure`] with `protect`.
pub fn protect_counts(fig: &mut Figure) {
    if fig.indicator.unit != Unit::Count || fig.protected {
        fig.protected = true;
        return;
    }
    fig.rows.sort_by(|a, b| a.keys.cmp(&b.keys));
    let sums: Sums = fig
        .rows
        .iter()
        .map(|r| (r.keys.clone(), (r.value.value().unwrap_or(0.0), 1.0)))
        .collect();
    let total_raw = (fig.total.value().unwrap_or(0.0), 1.0);
    let additive = !fig.by.iter().any(|d| d == "concern" || d == "target_group");
    let by = fig.by.clone();
    let indicator = fig.indicator.clone();
    hide_small(
        &indicator,
        &by,
        &sums,
        &mut fig.rows,
        &mut fig.total,
        additive,
        total_raw,
    );
    for row in &mut fig.rows {
        if row.value == Shown::Hidden {
            row.rate = None;
        }
    }
    if fig.total == Shown::Hidden {
        fig.total_rate = None;
    }
    fig.protected = true;
}
