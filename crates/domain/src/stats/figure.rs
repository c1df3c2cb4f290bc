//! A published figure: an indicator's values for one scope and period, broken down by
//! up to three dimensions, and the small-cell suppression every outlet applies to the
//! figures that leave the province.

use super::cube::{Cube, suppress_cube};
use super::{Indicator, Unit, half_of, year_of};
use crate::suppress::{Grid, is_small, suppress};
use std::collections::{BTreeMap, BTreeSet};

/// What a hidden value is shown as, everywhere (the API's `"<5"`): a count from 1 to 4,
/// or a value hidden so that such a count cannot be worked out from the totals.
pub const HIDDEN: &str = "<5";

/// The dimensions every indicator may be broken down by, besides its own.
pub const PLACE_AND_TIME: [&str; 3] = ["month", "province", "region"];

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

    /// One month.
    pub fn is_month(&self) -> bool {
        self.from == self.to
    }

    /// January to June or July to December of one year.
    pub fn is_half_year(&self) -> bool {
        year_of(&self.from) == year_of(&self.to)
            && matches!(
                (&self.from[5..], &self.to[5..]),
                ("01", "06") | ("07", "12")
            )
    }

    /// January to December of one year.
    pub fn is_year(&self) -> bool {
        year_of(&self.from) == year_of(&self.to) && (&self.from[5..], &self.to[5..]) == ("01", "12")
    }

    /// The calendar period it is exactly, for children counted once: the cells of
    /// "children" (a month), "children_half" or "children_year".
    pub fn calendar(&self) -> Option<(&'static str, String)> {
        if self.is_month() {
            Some(("children", self.from.clone()))
        } else if self.is_year() {
            Some(("children_year", year_of(&self.from).to_string()))
        } else if self.is_half_year() {
            Some(("children_half", half_of(&self.from)))
        } else {
            None
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

    /// The 24 months up to this period's end (the dashboard's trend).
    pub fn trend(&self) -> Period {
        let start = format!("{:04}-{}", year_of(&self.to) - 2, &self.to[5..]);
        let start = Period::parse(&start, &self.to)
            .map(|p| p.months().get(1).cloned().unwrap_or(p.from))
            .unwrap_or_else(|| self.from.clone());
        Period::parse(&start, &self.to).unwrap_or_else(|| self.clone())
    }
}

/// A figure's value: a number, or hidden.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shown {
    Value(f64),
    Hidden,
}

impl Shown {
    pub fn value(self) -> Option<f64> {
        match self {
            Shown::Value(v) => Some(v),
            Shown::Hidden => None,
        }
    }

    /// `None` is hidden (a value stored with a report).
    pub fn of(value: Option<f64>) -> Shown {
        value.map(Shown::Value).unwrap_or(Shown::Hidden)
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

impl Figure {
    /// The row of a one-dimension figure for `code`.
    pub fn row(&self, code: &str) -> Option<&FigureRow> {
        self.rows
            .iter()
            .find(|r| r.keys.first().map(String::as_str) == Some(code))
    }
}

/// Raw sums per key, with how many items each sum is over (for means and medians).
pub type Sums = BTreeMap<Vec<String>, (f64, f64)>;

/// Why a figure cannot be given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    UnknownIndicator,
    UnknownDimension(String),
    TwoDimensions,
    /// Children counted once need a calendar month, half-year or year to be broken down.
    ChildrenPeriod,
}

/// The breakdowns of an indicator's own (besides month and place), checked against its
/// dimensions: at most three, each once, three dimensions in all.
pub fn attributes<'a>(indicator: &Indicator, by: &'a [String]) -> Result<Vec<&'a str>, Refusal> {
    let attributes: Vec<&str> = by
        .iter()
        .map(String::as_str)
        .filter(|d| !PLACE_AND_TIME.contains(d))
        .collect();
    for d in &attributes {
        if !indicator.dimensions.iter().any(|own| own == d) {
            return Err(Refusal::UnknownDimension((*d).to_owned()));
        }
    }
    let distinct: BTreeSet<&String> = by.iter().collect();
    if by.len() > 3 || distinct.len() != by.len() {
        return Err(Refusal::TwoDimensions);
    }
    Ok(attributes)
}

/// The one breakdown of an indicator's own (besides month and place), checked against
/// its dimensions; "" for none. The cells hold one dimension at a time.
pub fn attribute<'a>(indicator: &Indicator, by: &'a [String]) -> Result<&'a str, Refusal> {
    let attributes = attributes(indicator, by)?;
    if attributes.len() > 1 {
        return Err(Refusal::TwoDimensions);
    }
    Ok(attributes.first().copied().unwrap_or(""))
}

/// The median of a histogram of whole hours.
pub fn median(hist: &BTreeMap<i64, i64>) -> f64 {
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

/// Whether a breakdown's parts add up to its total: multi-valued dimensions (a case
/// with two forms of violence) and medians do not.
fn additive(indicator: &Indicator, by: &[String]) -> bool {
    indicator.unit == Unit::Count && !by.iter().any(|d| d == "concern" || d == "target_group")
}

/// The figure of summed cells: values (means divided out), suppression when `protect`,
/// and rates per 1,000 children (`children_of(None)` is the scope's, `Some(code)` a
/// row's territory's).
pub fn finish(
    indicator: &Indicator,
    by: &[String],
    sums: Sums,
    overall: Option<(f64, f64)>,
    protect: bool,
    children_of: &dyn Fn(Option<&str>) -> Option<u64>,
) -> Figure {
    let value_of = |(v, n): (f64, f64)| match indicator.unit {
        Unit::MeanDays if n > 0.0 => v / n,
        Unit::MeanDays => 0.0,
        _ => v,
    };
    let total_raw = overall.unwrap_or_else(|| {
        sums.values()
            .fold((0.0, 0.0), |acc, (v, n)| (acc.0 + v, acc.1 + n))
    });
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
            indicator,
            by,
            &sums,
            &mut rows,
            &mut total,
            additive(indicator, by),
            total_raw,
        );
    }
    let per_children = indicator.per_children && indicator.unit == Unit::Count;
    let rate = |value: Shown, territory: Option<&str>| -> Option<f64> {
        let v = value.value()?;
        let children = children_of(territory)?;
        (per_children && children > 0).then(|| v * 1000.0 / children as f64)
    };
    let place = by.iter().position(|d| d == "province" || d == "region");
    for row in &mut rows {
        row.rate = rate(row.value, place.map(|i| row.keys[i].as_str()));
    }
    Figure {
        indicator: indicator.clone(),
        by: by.to_vec(),
        total_rate: rate(total, None),
        rows,
        total,
        protected: protect,
    }
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
    if by.len() == 3 {
        hide_small_cube(sums, rows, total, additive, total_raw);
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
    let keys_at = |p: usize| {
        let (i, j) = (p / rests.len(), p % rests.len());
        let mut keys = vec![firsts[i].clone()];
        keys.extend(rests[j].iter().cloned());
        keys
    };
    apply_hidden(rows, &hidden.cells, position, keys_at);
    hide_total(total, additive, hidden.total, &hidden.cells, total_raw);
}

/// Marks the rows whose cell is hidden, and adds a hidden row for each zero hidden as a
/// complement: zeros have no row (they are not stored), and an absent row would say 0.
fn apply_hidden(
    rows: &mut Vec<FigureRow>,
    hidden: &[bool],
    position: impl Fn(&[String]) -> Option<usize>,
    keys_at: impl Fn(usize) -> Vec<String>,
) {
    let mut shown = vec![false; hidden.len()];
    for row in rows.iter_mut() {
        if let Some(p) = position(&row.keys) {
            shown[p] = true;
            if hidden[p] {
                row.value = Shown::Hidden;
            }
        }
    }
    for (p, _) in hidden.iter().enumerate().filter(|(p, h)| **h && !shown[*p]) {
        rows.push(FigureRow {
            keys: keys_at(p),
            value: Shown::Hidden,
            rate: None,
        });
    }
}

/// Hides the total when the suppression hid it, when it is small, or when it sums a
/// multi-valued breakdown beside a hidden row: it counts mentions, the sum of its rows,
/// and would give that row away (13 mentions, 12 shown: the hidden is 1).
fn hide_total(
    total: &mut Shown,
    additive: bool,
    total_hidden: bool,
    cells_hidden: &[bool],
    total_raw: (f64, f64),
) {
    let sum_beside_hidden = !additive && cells_hidden.iter().any(|h| *h);
    if (additive && total_hidden) || is_small(total_raw.0 as u64) || sum_beside_hidden {
        *total = Shown::Hidden;
    }
}

/// The same for a three-way table: the cube's suppression, over its margins too.
fn hide_small_cube(
    sums: &Sums,
    rows: &mut Vec<FigureRow>,
    total: &mut Shown,
    additive: bool,
    total_raw: (f64, f64),
) {
    let axes: Vec<Vec<String>> = (0..3)
        .map(|d| unique(rows.iter().map(|r| r.keys[d].clone())))
        .collect();
    let dims = [axes[0].len(), axes[1].len(), axes[2].len()];
    let position = |keys: &[String]| -> Option<usize> {
        let mut p = 0;
        for d in 0..3 {
            p = p * dims[d] + axes[d].binary_search(&keys[d]).ok()?;
        }
        Some(p)
    };
    let mut cells = vec![0u64; dims.iter().product()];
    for (keys, (v, _)) in sums {
        if let Some(p) = position(keys) {
            cells[p] = *v as u64;
        }
    }
    let hidden = suppress_cube(&Cube {
        dims,
        cells,
        additive,
    });
    let keys_at = |p: usize| {
        vec![
            axes[0][p / (dims[1] * dims[2])].clone(),
            axes[1][(p / dims[2]) % dims[1]].clone(),
            axes[2][p % dims[2]].clone(),
        ]
    };
    apply_hidden(rows, &hidden.cells, position, keys_at);
    hide_total(total, additive, hidden.total, &hidden.cells, total_raw);
}

fn unique<T: Ord + Clone>(items: impl Iterator<Item = T>) -> Vec<T> {
    items.collect::<BTreeSet<T>>().into_iter().collect()
}

/// Small-cell suppression of a count figure assembled elsewhere (the national report's
/// sums of provincial figures): the same rule as [`finish`] with `protect`.
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
    let additive = additive(&fig.indicator, &fig.by);
    let (by, indicator) = (fig.by.clone(), fig.indicator.clone());
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
