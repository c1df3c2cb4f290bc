//! A periodic report's figures, computed when drafted or refreshed and kept with it
//! (JSON, aggregates only). Each figure is kept twice: whole (for the province's own
//! people and the national sums) and suppressed (for everything that leaves the
//! province: national readers, exports).

use crate::stats::{figure, scope};
use crate::{Core, CoreError};
use awladna_domain::periodic::{ACTION_PLAN, Kind};
use awladna_domain::stats::figure::protect_counts;
use awladna_domain::stats::trends::year_before;
use awladna_domain::stats::{
    Figure, FigureRow, Indicator, Period, Scope, Shown, Unit, layout, registry,
};
use awladna_store::periodic_reports::PeriodicReport;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct StoredRow {
    pub keys: Vec<String>,
    /// `None`: hidden.
    pub value: Option<f64>,
    pub rate: Option<f64>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct StoredFigure {
    pub indicator: String,
    pub by: Vec<String>,
    pub rows: Vec<StoredRow>,
    pub total: Option<f64>,
    pub total_rate: Option<f64>,
    pub protected: bool,
}

impl StoredFigure {
    fn of(f: &Figure) -> StoredFigure {
        StoredFigure {
            indicator: f.indicator.code.clone(),
            by: f.by.clone(),
            rows: f
                .rows
                .iter()
                .map(|r| StoredRow {
                    keys: r.keys.clone(),
                    value: r.value.value(),
                    rate: r.rate,
                })
                .collect(),
            total: f.total.value(),
            total_rate: f.total_rate,
            protected: f.protected,
        }
    }

    /// The figure again, if its indicator is still published.
    pub fn figure(&self) -> Option<Figure> {
        Some(Figure {
            indicator: registry().indicator(&self.indicator)?.clone(),
            by: self.by.clone(),
            rows: self
                .rows
                .iter()
                .map(|r| FigureRow {
                    keys: r.keys.clone(),
                    value: Shown::of(r.value),
                    rate: r.rate,
                })
                .collect(),
            total: Shown::of(self.total),
            total_rate: self.total_rate,
            protected: self.protected,
        })
    }
}

/// A figure whole and suppressed.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Entry {
    pub whole: StoredFigure,
    pub shown: StoredFigure,
}

impl Entry {
    fn of(whole: &Figure, protected: &Figure) -> Entry {
        Entry {
            whole: StoredFigure::of(whole),
            shown: StoredFigure::of(protected),
        }
    }

    /// The figure a reader sees: whole, or suppressed.
    pub fn pick(&self, whole: bool) -> &StoredFigure {
        if whole { &self.whole } else { &self.shown }
    }
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Section {
    pub code: String,
    pub figures: Vec<Entry>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct Contents {
    pub sections: Vec<Section>,
    /// National report: the provinces whose submitted report it sums, and the others.
    #[serde(default)]
    pub submitted: Vec<String>,
    #[serde(default)]
    pub missing: Vec<String>,
    /// National report: reports, cases and children by province.
    #[serde(default)]
    pub comparison: Vec<Entry>,
    /// Reports and cases by month, sex and age band, per province (for DHIS2).
    #[serde(default)]
    pub dhis2: Vec<SexAge>,
    /// Section (d): the provincial action plan's achievements (issue 14 §4), when the
    /// province has an approved plan.
    #[serde(default)]
    pub achievements: Option<crate::action_plans::Achievements>,
    /// The trend (issue 19 §2): the trend's indicators by month, and the same months
    /// of the year before, whole and suppressed. Reports drafted before have none.
    #[serde(default)]
    pub trends: Vec<TrendEntry>,
}

/// One indicator by month over the report's period, and over the year before.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct TrendEntry {
    pub now: Entry,
    pub before: Entry,
}

impl Contents {
    /// The figures kept with a report (none if they cannot be read).
    pub fn of(r: &PeriodicReport) -> Contents {
        serde_json::from_str(&r.figures).unwrap_or_default()
    }
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct SexAge {
    pub territory: String,
    pub indicator: String,
    pub month: String,
    pub sex: String,
    pub age_band: String,
    pub n: i64,
}

/// Reports and cases of a province by month, sex and age band.
async fn sex_age(core: &Core, scope: &Scope, period: &Period) -> Result<Vec<SexAge>, CoreError> {
    let mut sums: BTreeMap<(String, String, String, String), i64> = BTreeMap::new();
    let known = |v: String| {
        if v.is_empty() {
            "unknown".to_owned()
        } else {
            v
        }
    };
    for (indicator, cases) in layout::SEX_AGE {
        for c in core
            .store
            .sex_age_counts(cases, &scope.leaves, &period.from, &period.to)
            .await?
        {
            *sums
                .entry((
                    indicator.to_owned(),
                    c.month,
                    known(c.sex),
                    known(c.age_band),
                ))
                .or_default() += c.n;
        }
    }
    Ok(sums
        .into_iter()
        .map(|((indicator, month, sex, age_band), n)| SexAge {
            territory: scope.code.clone(),
            indicator,
            month,
            sex,
            age_band,
            n,
        })
        .collect())
}

fn by_of(dim: &str) -> Vec<String> {
    if dim.is_empty() {
        Vec::new()
    } else {
        vec![dim.to_owned()]
    }
}

fn action_plan() -> Section {
    Section {
        code: ACTION_PLAN.to_owned(),
        figures: Vec::new(),
    }
}

/// A province's figures for the period, whole and suppressed.
async fn provincial(
    core: &Core,
    scope: &Scope,
    period: &Period,
    kind: Kind,
) -> Result<Contents, CoreError> {
    let mut sections = Vec::new();
    for (code, items) in layout::REPORT_SECTIONS {
        let mut figures = Vec::new();
        for (ind, dim) in items {
            let Some(ind) = registry().indicator(ind) else {
                continue;
            };
            let by = by_of(dim);
            let failed = |e: crate::stats::StatsError| CoreError::internal(format!("{e:?}"));
            let whole = figure(core, ind, scope, period, &by, false)
                .await
                .map_err(failed)?;
            let protected = figure(core, ind, scope, period, &by, true)
                .await
                .map_err(failed)?;
            figures.push(Entry::of(&whole, &protected));
        }
        sections.push(Section {
            code: code.to_owned(),
            figures,
        });
    }
    let mut achievements = None;
    if kind.has_action_plan() {
        sections.push(action_plan());
        achievements = crate::action_plans::achievements(core, &scope.code, &period.to).await?;
    }
    Ok(Contents {
        sections,
        dhis2: sex_age(core, scope, period).await?,
        achievements,
        trends: trends(core, scope, period).await?,
        ..Contents::default()
    })
}

/// The trend's indicators by month, this period and the same months a year earlier.
async fn trends(core: &Core, scope: &Scope, period: &Period) -> Result<Vec<TrendEntry>, CoreError> {
    let Some(before) = year_before(period) else {
        return Ok(Vec::new());
    };
    let by = by_of("month");
    let failed = |e: crate::stats::StatsError| CoreError::internal(format!("{e:?}"));
    let mut out = Vec::new();
    for code in layout::TREND {
        let Some(ind) = registry().indicator(code) else {
            continue;
        };
        let mut pair = Vec::new();
        for p in [period, &before] {
            let whole = figure(core, ind, scope, p, &by, false)
                .await
                .map_err(failed)?;
            let shown = figure(core, ind, scope, p, &by, true)
                .await
                .map_err(failed)?;
            pair.push(Entry::of(&whole, &shown));
        }
        let (Some(before), Some(now)) = (pair.pop(), pair.pop()) else {
            continue;
        };
        out.push(TrendEntry { now, before });
    }
    Ok(out)
}

/// Sums of count figures (whole), with rates over `children`.
fn sum_figures(
    ind: &Indicator,
    by: &[String],
    parts: &[&StoredFigure],
    children_of: &dyn Fn(&[String]) -> Option<u64>,
    national_children: Option<u64>,
) -> Entry {
    let mut sums: BTreeMap<Vec<String>, f64> = BTreeMap::new();
    let mut total = 0.0;
    for p in parts {
        for r in &p.rows {
            *sums.entry(r.keys.clone()).or_default() += r.value.unwrap_or(0.0);
        }
        total += p.total.unwrap_or(0.0);
    }
    let rate = |v: f64, children: Option<u64>| {
        children
            .filter(|c| ind.per_children && *c > 0)
            .map(|c| v * 1000.0 / c as f64)
    };
    let whole = Figure {
        indicator: ind.clone(),
        by: by.to_vec(),
        rows: sums
            .into_iter()
            .map(|(keys, v)| FigureRow {
                rate: rate(v, children_of(&keys)),
                keys,
                value: Shown::Value(v),
            })
            .collect(),
        total: Shown::Value(total),
        total_rate: rate(total, national_children),
        protected: false,
    };
    let mut protected = whole.clone();
    protect_counts(&mut protected);
    Entry::of(&whole, &protected)
}

/// The national report: sums of the submitted provincial reports of the period.
async fn national(core: &Core, scope: &Scope, period: &Period) -> Result<Contents, CoreError> {
    let submitted = core
        .store
        .submitted_provincial_reports(&period.from, &period.to)
        .await?;
    // The latest submitted report of each province.
    let mut latest: BTreeMap<String, Contents> = BTreeMap::new();
    for r in &submitted {
        if latest.contains_key(&r.territory) {
            continue;
        }
        if let Ok(c) = serde_json::from_str::<Contents>(&r.figures) {
            latest.insert(r.territory.clone(), c);
        }
    }
    let national_children = scope.children;
    let mut sections = Vec::new();
    for (code, items) in layout::REPORT_SECTIONS {
        let mut figures = Vec::new();
        for (ind_code, dim) in items {
            let Some(ind) = registry().indicator(ind_code) else {
                continue;
            };
            // Medians and means do not add up: only counts are consolidated.
            if ind.unit != Unit::Count {
                continue;
            }
            let by = by_of(dim);
            let parts: Vec<&StoredFigure> = latest
                .values()
                .filter_map(|c| c.sections.iter().find(|s| s.code == code))
                .filter_map(|s| {
                    s.figures
                        .iter()
                        .map(|e| &e.whole)
                        .find(|f| f.indicator == *ind_code && f.by == by)
                })
                .collect();
            figures.push(sum_figures(
                ind,
                &by,
                &parts,
                &|_| national_children,
                national_children,
            ));
        }
        sections.push(Section {
            code: code.to_owned(),
            figures,
        });
    }
    sections.push(action_plan());
    // Per province: reports, cases, children.
    let mut comparison = Vec::new();
    for ind_code in layout::COMPARISON {
        let Some(ind) = registry().indicator(ind_code) else {
            continue;
        };
        let by = vec!["province".to_owned()];
        let per_province: Vec<StoredFigure> = latest
            .iter()
            .filter_map(|(territory, c)| {
                let total = c
                    .sections
                    .iter()
                    .flat_map(|s| &s.figures)
                    .map(|e| &e.whole)
                    .find(|f| f.indicator == ind_code)?
                    .total;
                Some(StoredFigure {
                    indicator: ind_code.to_owned(),
                    by: by.clone(),
                    rows: vec![StoredRow {
                        keys: vec![territory.clone()],
                        value: total,
                        rate: None,
                    }],
                    total,
                    total_rate: None,
                    protected: false,
                })
            })
            .collect();
        let parts: Vec<&StoredFigure> = per_province.iter().collect();
        let children_of =
            |keys: &[String]| -> Option<u64> { crate::stats::scope(core, keys.first()?)?.children };
        comparison.push(sum_figures(
            ind,
            &by,
            &parts,
            &children_of,
            national_children,
        ));
    }
    Ok(Contents {
        sections,
        missing: scope
            .provinces(&core.reference)
            .into_iter()
            .filter(|p| !latest.contains_key(p))
            .collect(),
        submitted: latest.keys().cloned().collect(),
        dhis2: latest.values().flat_map(|c| c.dhis2.clone()).collect(),
        comparison,
        achievements: None,
        trends: Vec::new(),
    })
}

/// The report's figures, as kept with it.
pub(super) async fn compute(
    core: &Core,
    r: &PeriodicReport,
    kind: Kind,
) -> Result<String, CoreError> {
    let period = Period::parse(&r.from, &r.to).ok_or_else(|| CoreError::internal("period"))?;
    let scope = scope(core, &r.territory).ok_or_else(|| CoreError::internal("territory"))?;
    let contents = match kind {
        Kind::National => national(core, &scope, &period).await?,
        _ => provincial(core, &scope, &period, kind).await?,
    };
    serde_json::to_string(&contents).map_err(CoreError::internal)
}
