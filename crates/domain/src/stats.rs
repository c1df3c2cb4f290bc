//! Statistics read de-identified facts only. A fact is what one card says about the
//! programme (a report received, a case opened and where it stands, a stay in a stage,
//! a linking card and its answer) with no name, no narrative and no date finer than
//! the month. Facts add up to *cells*: one count per (measure, territory, month,
//! dimension, code). Cells are additive, so that a province, a region and the nation
//! read the same numbers, and a national dashboard sums a few thousand cells instead of
//! counting a million facts.

use crate::forms::local_zone;
use crate::lang::Labels;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::sync::OnceLock;

pub mod cube;
pub mod figure;
pub mod intervals;
pub mod outcomes;
pub mod public;
pub mod scope;
pub mod trends;

pub use figure::{Figure, FigureRow, HIDDEN, PLACE_AND_TIME, Period, Refusal, Shown};
pub use scope::{Scope, ScopeKind, region_of};

/// The territory code cells use for the whole country.
pub const NATION: &str = "MA";

/// "YYYY-MM" of an instant, in Moroccan time (a report received on 31 December at
/// 23:30 counts in December even though it is already January in UTC+1 minus one).
pub fn month_of(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|ts| ts.to_zoned(local_zone()).strftime("%Y-%m").to_string())
        .unwrap_or_else(|_| "0000-00".to_owned())
}

/// The year of a "YYYY-MM" month.
pub fn year_of(month: &str) -> i64 {
    month.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0)
}

/// "YYYY-H1" or "YYYY-H2".
pub fn half_of(month: &str) -> String {
    let m: u32 = month.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    format!("{}-H{}", year_of(month), if m <= 6 { 1 } else { 2 })
}

/// The report age bands (STANDARDS.md): 15 is Morocco's minimum working age.
pub const AGE_BANDS: [&str; 4] = ["0-5", "6-11", "12-14", "15-17"];

pub fn age_band(age: Option<i64>) -> &'static str {
    match age {
        Some(0..=5) => "0-5",
        Some(6..=11) => "6-11",
        Some(12..=14) => "12-14",
        Some(15..=17) => "15-17",
        _ => "unknown",
    }
}

/// The age band of a child born in `birth_year` during `month`'s year (the age reached
/// that year: birth dates are sealed, years are not).
pub fn age_band_in(birth_year: Option<i64>, month: &str) -> &'static str {
    age_band(birth_year.map(|y| year_of(month) - y))
}

/// One cell: what is counted, where, when, and along which dimension ("" = the total).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellKey {
    pub measure: &'static str,
    pub territory: String,
    pub month: String,
    pub dim: &'static str,
    pub code: String,
}

/// Changes to cells: added for a new fact, subtracted for the fact it replaces.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Cells(pub BTreeMap<CellKey, i64>);

impl Cells {
    fn add(
        &mut self,
        measure: &'static str,
        territory: &str,
        month: &str,
        dim: &'static str,
        code: &str,
        n: i64,
    ) {
        if n == 0 {
            return;
        }
        let key = CellKey {
            measure,
            territory: territory.to_owned(),
            month: month.to_owned(),
            dim,
            code: code.to_owned(),
        };
        match self.0.entry(key) {
            Entry::Occupied(mut slot) => {
                *slot.get_mut() += n;
                if *slot.get() == 0 {
                    slot.remove();
                }
            }
            Entry::Vacant(slot) => {
                slot.insert(n);
            }
        }
    }

    /// Counts one item under the total and each of its dimensions.
    fn count(
        &mut self,
        measure: &'static str,
        territory: &str,
        month: &str,
        dims: &[(&'static str, &str)],
        sign: i64,
    ) {
        self.add(measure, territory, month, "", "", sign);
        for (dim, code) in dims {
            self.add(measure, territory, month, dim, code, sign);
        }
    }

    fn count_each(
        &mut self,
        measure: &'static str,
        territory: &str,
        month: &str,
        dim: &'static str,
        codes: &[String],
        sign: i64,
    ) {
        for code in codes {
            self.add(measure, territory, month, dim, code, sign);
        }
    }

    pub fn merge(&mut self, other: Cells) {
        for (k, n) in other.0 {
            self.add(k.measure, &k.territory, &k.month, k.dim, &k.code, n);
        }
    }
}

/// A reporting card received (complete).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFact {
    pub territory: String,
    pub month: String,
    pub area: String,
    pub sex: String,
    pub age_band: String,
    pub source: String,
    pub urgency: String,
    pub concerns: Vec<String>,
    pub target_groups: Vec<String>,
}

impl ReportFact {
    pub fn cells(&self, sign: i64, cells: &mut Cells) {
        let (t, m) = (&self.territory, &self.month);
        let dims = [
            ("sex", self.sex.as_str()),
            ("age_band", &self.age_band),
            ("source", &self.source),
            ("urgency", &self.urgency),
            ("area", &self.area),
        ];
        cells.count("reports", t, m, &dims, sign);
        cells.count_each("reports", t, m, "concern", &self.concerns, sign);
        cells.count_each("reports", t, m, "target_group", &self.target_groups, sign);
    }

    /// The codes of one of its dimensions, as its cells count them.
    pub fn codes(&self, dim: &str) -> Vec<String> {
        match dim {
            "urgency" => vec![self.urgency.clone()],
            _ => About {
                sex: &self.sex,
                age_band: &self.age_band,
                source: &self.source,
                area: &self.area,
                concerns: &self.concerns,
                target_groups: &self.target_groups,
            }
            .codes(dim),
        }
    }
}

/// What reports and cases both say of the child, for the cross-tables.
struct About<'a> {
    sex: &'a str,
    age_band: &'a str,
    source: &'a str,
    area: &'a str,
    concerns: &'a [String],
    target_groups: &'a [String],
}

impl About<'_> {
    /// The codes of a dimension (several for forms of violence and target groups).
    fn codes(&self, dim: &str) -> Vec<String> {
        match dim {
            "sex" => vec![self.sex.to_owned()],
            "age_band" => vec![self.age_band.to_owned()],
            "source" => vec![self.source.to_owned()],
            "area" => vec![self.area.to_owned()],
            "concern" => self.concerns.to_vec(),
            "target_group" => self.target_groups.to_vec(),
            _ => Vec::new(),
        }
    }
}

/// A case: counted in the month it opened, with where it stands now; counted again in
/// the month it closed, by outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFact {
    pub territory: String,
    pub month: String,
    pub area: String,
    pub sex: String,
    pub age_band: String,
    pub source: String,
    pub stage: String,
    pub risk: String,
    pub concerns: Vec<String>,
    pub target_groups: Vec<String>,
    pub closed_month: Option<String>,
    pub outcome: Option<String>,
    /// The child's first and latest position on the risk scale (`outcomes::positions`),
    /// once an evaluation placed the child.
    #[serde(default)]
    pub positions: Option<(String, String)>,
    /// A new report about the child came within 12 months of the closure.
    #[serde(default)]
    pub reentered: bool,
    /// Whether the outcome held at the checks 6 and 12 months after the closure.
    #[serde(default)]
    pub checks: outcomes::Checks,
}

impl CaseFact {
    pub fn cells(&self, sign: i64, cells: &mut Cells) {
        let (t, m) = (&self.territory, &self.month);
        let dims = [
            ("sex", self.sex.as_str()),
            ("age_band", &self.age_band),
            ("source", &self.source),
            ("area", &self.area),
            ("stage", &self.stage),
            ("risk", &self.risk),
        ];
        cells.count("cases", t, m, &dims, sign);
        cells.count_each("cases", t, m, "concern", &self.concerns, sign);
        cells.count_each("cases", t, m, "target_group", &self.target_groups, sign);
        let who = [("sex", self.sex.as_str()), ("age_band", &self.age_band)];
        let change = self.change();
        if let Some(change) = change {
            cells.count(
                "situation",
                t,
                m,
                &[("change", change), who[0], who[1]],
                sign,
            );
        }
        if let Some(closed) = &self.closed_month {
            let outcome = self.outcome.as_deref().unwrap_or("unknown");
            cells.count("cases_closed", t, closed, &[("outcome", outcome)], sign);
            self.closure_cells(closed, change, &who, sign, cells);
        }
    }

    /// What a closure says of the child's pathway: how the child left it, the risk
    /// at opening and at closure, and whether a new report followed.
    fn closure_cells(
        &self,
        closed: &str,
        change: Option<&'static str>,
        who: &[(&'static str, &str); 2],
        sign: i64,
        cells: &mut Cells,
    ) {
        let t = &self.territory;
        let dims = [("closure_outcome", self.closure_outcome()), who[0], who[1]];
        cells.count("closure_outcomes", t, closed, &dims, sign);
        cells.count_each(
            "closure_outcomes",
            t,
            closed,
            "concern",
            &self.concerns,
            sign,
        );
        let (first, latest) = self.first_and_latest();
        let dims = [
            ("risk_at_opening", first),
            ("risk_at_closure", latest),
            ("change", change.unwrap_or("unassessed")),
        ];
        cells.count("closed_risk", t, closed, &dims, sign);
        let dims = [("reentry", self.reentry()), who[0], who[1]];
        cells.count("reentry", t, closed, &dims, sign);
        if self.checks.any() {
            let dims = [
                ("check_6", outcomes::Checks::code(self.checks.held_6)),
                ("check_12", outcomes::Checks::code(self.checks.held_12)),
                ("closure_outcome", self.closure_outcome()),
            ];
            cells.count("outcome_checks", t, closed, &dims, sign);
        }
    }

    /// How the child's situation changed, once evaluated.
    fn change(&self) -> Option<&'static str> {
        self.positions
            .as_ref()
            .map(|(first, latest)| outcomes::change(first, latest))
    }

    /// The first and latest positions, "unassessed" before an evaluation.
    fn first_and_latest(&self) -> (&str, &str) {
        self.positions
            .as_ref()
            .map(|(f, l)| (f.as_str(), l.as_str()))
            .unwrap_or(("unassessed", "unassessed"))
    }

    fn closure_outcome(&self) -> &'static str {
        outcomes::closure_outcomes().of(self.outcome.as_deref())
    }

    fn reentry(&self) -> &'static str {
        if self.reentered {
            "reentered"
        } else {
            "not_reentered"
        }
    }

    /// The month the fact counts in under `measure` (the opening or the closure), if
    /// it counts there at all: what the cross-tables read instead of cells.
    pub fn counted_in(&self, measure: &str) -> Option<&str> {
        match measure {
            "cases" => Some(&self.month),
            "situation" => self.positions.as_ref().map(|_| self.month.as_str()),
            "cases_closed" | "closure_outcomes" | "closed_risk" | "reentry" => {
                self.closed_month.as_deref()
            }
            "outcome_checks" => self.closed_month.as_deref().filter(|_| self.checks.any()),
            _ => None,
        }
    }

    /// The codes of one of its dimensions (several for forms of violence and target
    /// groups), as its cells count them.
    pub fn codes(&self, dim: &str) -> Vec<String> {
        let one = |code: &str| vec![code.to_owned()];
        match dim {
            "stage" => one(&self.stage),
            "risk" => one(&self.risk),
            "outcome" => one(self.outcome.as_deref().unwrap_or("unknown")),
            "closure_outcome" => one(self.closure_outcome()),
            "change" => one(self.change().unwrap_or("unassessed")),
            "risk_at_opening" => one(self.first_and_latest().0),
            "risk_at_closure" => one(self.first_and_latest().1),
            "reentry" => one(self.reentry()),
            "check_6" => one(outcomes::Checks::code(self.checks.held_6)),
            "check_12" => one(outcomes::Checks::code(self.checks.held_12)),
            _ => About {
                sex: &self.sex,
                age_band: &self.age_band,
                source: &self.source,
                area: &self.area,
                concerns: &self.concerns,
                target_groups: &self.target_groups,
            }
            .codes(dim),
        }
    }
}

/// Where the cross-tables of a measure read its facts: reports, cases by the month
/// they opened, or cases by the month they closed; `None` for a measure they cannot
/// cross (its parts are not kept fact by fact with their dimensions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactSource {
    Reports,
    CasesOpened,
    CasesClosed,
}

pub fn fact_source(measure: &str) -> Option<FactSource> {
    match measure {
        "reports" => Some(FactSource::Reports),
        "cases" | "situation" => Some(FactSource::CasesOpened),
        "cases_closed" | "closure_outcomes" | "closed_risk" | "reentry" | "outcome_checks" => {
            Some(FactSource::CasesClosed)
        }
        _ => None,
    }
}

/// A stay of a case in a stage that has ended: counted in the month it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StayFact {
    pub territory: String,
    pub stage: String,
    pub month: String,
    pub hours: i64,
}

impl StayFact {
    pub fn cells(&self, sign: i64, cells: &mut Cells) {
        let (t, m) = (&self.territory, &self.month);
        cells.add("stage_stays", t, m, "stage", &self.stage, sign);
        cells.add("stage_hours", t, m, "stage", &self.stage, sign * self.hours);
    }
}

/// A linking card: counted in the month it was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralFact {
    pub territory: String,
    pub month: String,
    pub sector: String,
    pub urgency: String,
    pub status: String,
    /// Whole hours from sending to the answer (accepted or declined), rounded up.
    pub response_hours: Option<i64>,
    /// Answered after its deadline. Cards still waiting past it are counted live.
    pub late: bool,
    pub due_at: Option<i64>,
}

impl ReferralFact {
    pub fn cells(&self, sign: i64, cells: &mut Cells) {
        let (t, m) = (&self.territory, &self.month);
        let dims = [
            ("sector", self.sector.as_str()),
            ("urgency", &self.urgency),
            ("status", &self.status),
        ];
        cells.count("referrals", t, m, &dims, sign);
        if self.late {
            cells.count("referrals_late", t, m, &[("sector", &self.sector)], sign);
        }
    }
}

/// Hours from `from` to `to`, rounded up (an answer within the hour took one hour).
pub fn hours_between(from_ms: i64, to_ms: i64) -> i64 {
    let ms = (to_ms - from_ms).max(0);
    (ms + 3_599_999) / 3_600_000
}

/// The periods a child is counted once in: its month, half-year and year.
pub fn child_periods(month: &str) -> [(&'static str, String); 3] {
    [
        ("children", month.to_owned()),
        ("children_half", half_of(month)),
        ("children_year", year_of(month).to_string()),
    ]
}

/// Counts a child the first time it is seen in one territory and period.
pub fn child_cells(
    measure: &'static str,
    territory: &str,
    period: &str,
    sex: &str,
    age_band: &str,
    cells: &mut Cells,
) {
    cells.count(
        measure,
        territory,
        period,
        &[("sex", sex), ("age_band", age_band)],
        1,
    );
}

// ---------------------------------------------------------------------------
// Indicators: what the dashboards, the API and the reports publish.

/// How an indicator's value is computed from its cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A count of items (published with rates per 1,000 children where it counts children).
    Count,
    /// The median of whole hours.
    MedianHours,
    /// The mean number of days (hours summed over stays counted).
    MeanDays,
    /// A share in percent of another indicator.
    Percent,
}

/// How an indicator is computed from what the store keeps: the one place where an
/// indicator meets its computation. Most are sums of one measure's cells; the others
/// are read their own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Computation {
    /// Sums of the cells of the indicator's `measure` (its code unless said).
    #[default]
    Cells,
    /// Children counted once in the period and territory.
    Children,
    /// The median of the linking cards' response hours (a histogram, read by sector).
    ResponseHours,
    /// Hours spent in stages over the stays that ended (the mean, in days).
    StageDays,
    /// Linking cards answered late, and those waiting past their deadline now.
    Overdue,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Indicator {
    pub code: String,
    pub unit: Unit,
    #[serde(default)]
    pub computed: Computation,
    /// The cells' measure, when it is not the code.
    #[serde(default)]
    pub measure: Option<String>,
    /// The dimensions it may be broken down by, besides month and territory.
    pub dimensions: Vec<String>,
    /// Rates per 1,000 children are meaningful for counts of children, reports and cases.
    #[serde(default)]
    pub per_children: bool,
    pub name: Labels,
    pub definition: Labels,
}

impl Indicator {
    /// The measure of the cells it sums.
    pub fn measure(&self) -> &str {
        self.measure.as_deref().unwrap_or(&self.code)
    }
}

/// What the dashboards, the API, the periodic reports and the exports publish: the
/// indicators of `indicators.toml`, and the children of each province (the rates'
/// denominator).
#[derive(Debug, Clone, Default)]
pub struct Registry {
    pub indicators: Vec<Indicator>,
    /// The 2024 estimate of children aged 0-17 per province (HCP code).
    pub children: BTreeMap<String, u64>,
}

impl Registry {
    /// An indicator by its code.
    pub fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.code == code)
    }
}

/// The registry of the embedded data, loaded once (the domain's tests check it loads).
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Registry {
        indicators: indicators().unwrap_or_default(),
        children: children_by_province().unwrap_or_default(),
    })
}

/// What is published where: each item an indicator and its breakdown ("" for the
/// total). The dashboard, its export and the periodic reports read these lists; an
/// indicator's code is named nowhere else outside `indicators.toml`.
pub mod layout {
    /// The dashboard's key figures.
    pub const KEYS: [&str; 5] = ["reports", "children", "cases", "cases_closed", "referrals"];
    /// The dashboard's trend: two counts by month.
    pub const TREND: [&str; 2] = ["reports", "cases"];
    /// The dashboard's bar charts.
    pub const BREAKDOWNS: [(&str, &str); 8] = [
        ("cases", "concern"),
        ("cases", "age_band"),
        ("cases", "sex"),
        ("cases", "source"),
        ("cases", "stage"),
        ("children", "age_band"),
        ("cases_closed", "outcome"),
        ("stage_days", "stage"),
    ];
    /// The dashboard's table of sectors: sent, median answer, overdue.
    pub const SECTORS: [&str; 3] = ["referrals", "referral_response_hours", "referrals_overdue"];
    /// What the dashboard's export holds.
    pub const EXPORTED: [(&str, &str); 18] = [
        ("reports", ""),
        ("children", ""),
        ("cases", ""),
        ("cases_closed", ""),
        ("referrals", ""),
        ("reports", "month"),
        ("cases", "month"),
        ("cases", "concern"),
        ("cases", "age_band"),
        ("cases", "sex"),
        ("cases", "source"),
        ("cases", "stage"),
        ("children", "age_band"),
        ("cases_closed", "outcome"),
        ("stage_days", "stage"),
        ("referrals", "sector"),
        ("referral_response_hours", "sector"),
        ("referrals_overdue", "sector"),
    ];
    /// The periodic reports' sections: (a) pathways, (b) results, (c) the trend.
    pub const REPORT_SECTIONS: [(&str, &[(&str, &str)]); 3] = [
        (
            "pathways",
            &[
                ("reports", ""),
                ("children", ""),
                ("cases", "stage"),
                ("cases_closed", "outcome"),
                ("stage_days", "stage"),
            ],
        ),
        (
            "results",
            &[
                ("referrals", "sector"),
                ("referral_response_hours", ""),
                ("referrals_overdue", ""),
            ],
        ),
        (
            "trend",
            &[
                ("cases", "concern"),
                ("cases", "age_band"),
                ("cases", "sex"),
                ("children", "sex"),
                ("children", "age_band"),
            ],
        ),
    ];
    /// The national report's comparison of provinces; the last is the one whose rate
    /// per 1,000 children is shown.
    pub const COMPARISON: [&str; 3] = ["reports", "cases", "children"];
    /// Sent to DHIS2 by month, sex and age band: (indicator, counted over cases).
    pub const SEX_AGE: [(&str, bool); 2] = [("reports", false), ("cases", true)];
}

#[derive(Debug, Clone, Deserialize)]
struct IndicatorFile {
    indicators: Vec<Indicator>,
}

/// The indicators, as written in `data/stats/indicators.toml`.
pub fn indicators() -> Result<Vec<Indicator>, String> {
    let file: IndicatorFile = toml::from_str(include_str!("../data/stats/indicators.toml"))
        .map_err(|e| format!("stats/indicators.toml: {e}"))?;
    for i in &file.indicators {
        if !i.name.is_complete() || !i.definition.is_complete() {
            return Err(format!(
                "stats/indicators.toml: {} needs a name and a definition in ar, fr and en",
                i.code
            ));
        }
    }
    Ok(file.indicators)
}

/// The 2024 estimate of children aged 0-17 per province (HCP code), from
/// `data/stats/children_by_province_2024.csv`.
pub fn children_by_province() -> Result<BTreeMap<String, u64>, String> {
    #[derive(Deserialize)]
    struct Row {
        province_hcp_code: String,
        children_0_17: u64,
    }
    let mut reader = csv::Reader::from_reader(
        include_str!("../data/stats/children_by_province_2024.csv").as_bytes(),
    );
    reader
        .deserialize::<Row>()
        .map(|r| r.map(|r| (r.province_hcp_code, r.children_0_17)))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("stats/children_by_province_2024.csv: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_follow_moroccan_time() {
        // 2025-12-31T23:30Z is already 2026-01-01 00:30 in Morocco (UTC+1).
        let ms = jiff::Timestamp::from_second(1_767_223_800)
            .map(|t| t.as_millisecond())
            .unwrap_or(0);
        assert_eq!(month_of(ms), "2026-01");
        assert_eq!(half_of("2026-06"), "2026-H1");
        assert_eq!(half_of("2026-07"), "2026-H2");
    }

    #[test]
    fn age_bands_split_at_15() {
        assert_eq!(age_band(Some(0)), "0-5");
        assert_eq!(age_band(Some(11)), "6-11");
        assert_eq!(age_band(Some(14)), "12-14");
        assert_eq!(age_band(Some(15)), "15-17");
        assert_eq!(age_band(Some(18)), "unknown");
        assert_eq!(age_band(None), "unknown");
        assert_eq!(age_band_in(Some(2012), "2026-03"), "12-14");
    }

    #[test]
    fn a_changed_fact_moves_its_counts() {
        let before = CaseFact {
            territory: "sale".into(),
            month: "2026-01".into(),
            area: "urban".into(),
            sex: "female".into(),
            age_band: "6-11".into(),
            source: "school".into(),
            stage: "detection".into(),
            risk: "high".into(),
            concerns: vec!["physical_violence".into()],
            target_groups: vec![],
            closed_month: None,
            outcome: None,
            positions: None,
            reentered: false,
            checks: Default::default(),
        };
        let after = CaseFact {
            stage: "closed".into(),
            closed_month: Some("2026-03".into()),
            outcome: Some("reintegrated".into()),
            ..before.clone()
        };
        let mut delta = Cells::default();
        before.cells(-1, &mut delta);
        after.cells(1, &mut delta);
        let get = |m: &'static str, month: &str, dim: &'static str, code: &str| {
            delta
                .0
                .get(&CellKey {
                    measure: m,
                    territory: "sale".into(),
                    month: month.into(),
                    dim,
                    code: code.into(),
                })
                .copied()
        };
        assert_eq!(get("cases", "2026-01", "stage", "detection"), Some(-1));
        assert_eq!(get("cases", "2026-01", "stage", "closed"), Some(1));
        assert_eq!(
            get("cases", "2026-01", "", ""),
            None,
            "the total did not change"
        );
        assert_eq!(
            get("cases_closed", "2026-03", "outcome", "reintegrated"),
            Some(1)
        );
        assert_eq!(
            get(
                "closure_outcomes",
                "2026-03",
                "closure_outcome",
                "family_reintegration"
            ),
            Some(1)
        );
        assert_eq!(
            get("closed_risk", "2026-03", "risk_at_closure", "unassessed"),
            Some(1),
            "never evaluated"
        );
        assert_eq!(
            get("reentry", "2026-03", "reentry", "not_reentered"),
            Some(1)
        );
        // Outcomes: 5 cells (total, outcome, sex, age, one concern); risks 4; re-entry 4.
        assert_eq!(delta.0.len(), 4 + 5 + 4 + 4);
    }

    #[test]
    fn response_hours_round_up() {
        assert_eq!(hours_between(0, 1), 1);
        assert_eq!(hours_between(0, 3_600_000), 1);
        assert_eq!(hours_between(0, 3_600_001), 2);
        assert_eq!(hours_between(10, 0), 0);
    }

    #[test]
    fn every_published_indicator_is_in_the_registry() {
        let registry = registry();
        let named = layout::KEYS
            .iter()
            .chain(&layout::TREND)
            .chain(&layout::SECTORS)
            .chain(&layout::COMPARISON)
            .chain(layout::SEX_AGE.iter().map(|(code, _)| code))
            .chain(layout::BREAKDOWNS.iter().map(|(code, _)| code))
            .chain(layout::EXPORTED.iter().map(|(code, _)| code))
            .chain(
                layout::REPORT_SECTIONS
                    .iter()
                    .flat_map(|(_, items)| items.iter().map(|(code, _)| code)),
            );
        for code in named {
            assert!(registry.indicator(code).is_some(), "{code}");
        }
        let breakdowns = layout::BREAKDOWNS.iter().chain(&layout::EXPORTED).chain(
            layout::REPORT_SECTIONS
                .iter()
                .flat_map(|(_, items)| items.iter()),
        );
        for (code, dim) in breakdowns {
            let known = dim.is_empty()
                || PLACE_AND_TIME.contains(dim)
                || registry
                    .indicator(code)
                    .is_some_and(|i| i.dimensions.iter().any(|d| d == dim));
            assert!(known, "{code} by {dim}");
        }
        let children = registry.indicator("children").map(|i| i.computed);
        assert_eq!(children, Some(Computation::Children));
        let reports = registry
            .indicator("reports")
            .map(|i| (i.computed, i.measure()));
        assert_eq!(reports, Some((Computation::Cells, "reports")));
    }

    #[test]
    fn indicators_and_denominators_load() {
        let all = indicators().unwrap_or_default();
        assert!(all.iter().any(|i| i.code == "children"));
        let children = children_by_province().unwrap_or_default();
        assert_eq!(
            children.get("04.441").copied().map(|n| n > 100_000),
            Some(true),
            "Salé"
        );
        let total: u64 = children
            .iter()
            .filter(|(code, _)| code.len() == 6)
            .map(|(_, n)| n)
            .sum();
        assert!(
            (10_000_000..13_000_000).contains(&total),
            "about 11.5 million children: {total}"
        );
    }
}
