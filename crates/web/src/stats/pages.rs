//! The statistics dashboard (`/stats`): a province's own figures for its people; region
//! and nation views for national roles. Filters at the top (period, territory), each
//! chart drawn on the server as SVG with the same numbers in a table under it, each
//! indicator's definition one tap away.

use super::StatsQuery;
use super::export::{dimension_name, key_label};
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_charts::{Chart, Direction, Point, Series};
use awladna_core::act;
use awladna_core::stats::{Dashboard, indicator};
use awladna_domain::stats::{
    AGE_BANDS, Figure, FigureRow, HIDDEN, NATION, Period, Shown, region_of,
};
use awladna_domain::territory::TerritoryKind;
use axum::extract::{Query, State};

/// A number as shown: whole counts without decimals, others to one decimal.
pub fn shown_text(v: Shown) -> String {
    match v {
        Shown::Value(v) if v.fract() == 0.0 => format!("{}", v as i64),
        Shown::Value(v) => format!("{v:.1}"),
        Shown::Hidden => HIDDEN.to_owned(),
    }
}

pub struct RowView {
    label: String,
    value: String,
    rate: String,
}

pub struct SectionView {
    id: String,
    title: String,
    definition: String,
    chart: String,
    headers: Vec<String>,
    rows: Vec<RowView>,
    total: String,
    has_rate: bool,
}

pub struct KeyView {
    name: String,
    value: String,
    rate: String,
    definition: String,
}

pub struct SectorView {
    sector: String,
    sent: String,
    median: String,
    overdue: String,
}

pub struct PlaceView {
    pub code: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "stats.html")]
pub struct StatsPage {
    shell: Shell,
    scope_name: String,
    places: Vec<PlaceView>,
    national: bool,
    from: String,
    to: String,
    protected: bool,
    children: String,
    keys: Vec<KeyView>,
    trend: SectionView,
    sections: Vec<SectionView>,
    sectors: Vec<SectorView>,
    sectors_definition: String,
    query: String,
    /// Issue 19 §3: whether the reader's province shows its figures on the public page,
    /// for those who decide it (`None`: not theirs to decide).
    public_choice: Option<bool>,
}

pub async fn dashboard(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ViewStatistics>,
    shell: Shell,
    Query(q): Query<StatsQuery>,
) -> Result<StatsPage, AppError> {
    let d = awladna_core::stats::dashboard(&state, &permit, &q.into()).await?;
    let own = permit.actor().territory.as_deref();
    let t = shell.t;
    let a = &d.asked;
    let public_choice = crate::public::statistics::choice_of(&state, permit.actor()).await?;
    Ok(StatsPage {
        public_choice,
        national: own.is_none(),
        places: places(&state, t, &a.scope.code, own),
        query: serde_urlencoded::to_string([
            ("territory", a.scope.code.as_str()),
            ("from", a.period.from.as_str()),
            ("to", a.period.to.as_str()),
        ])
        .unwrap_or_default(),
        ..page(&state, shell, &d)?
    })
}

/// The territories a reader may choose: their province, or for national roles the
/// nation, the regions and every province.
pub(crate) fn places(state: &AppState, t: Tr, selected: &str, own: Option<&str>) -> Vec<PlaceView> {
    let view = |code: &str, label: String| PlaceView {
        selected: code == selected,
        code: code.to_owned(),
        label,
    };
    if let Some(own) = own {
        return vec![view(own, key_label(state, t, "province", own))];
    }
    let mut out = vec![view(NATION, t.get("stats-nation"))];
    for region in state
        .reference
        .territories()
        .iter()
        .filter(|r| r.kind == TerritoryKind::Region)
    {
        out.push(view(
            &region.code,
            key_label(state, t, "region", &region.code),
        ));
        for p in state.reference.territories().iter().filter(|p| {
            p.kind.hosts_mechanism()
                && region_of(&state.reference, &p.code).as_deref() == Some(&region.code)
        }) {
            out.push(view(
                &p.code,
                format!("— {}", key_label(state, t, "province", &p.code)),
            ));
        }
    }
    out
}

/// The page of the dashboard's figures.
fn page(state: &AppState, shell: Shell, d: &Dashboard) -> Result<StatsPage, AppError> {
    let (t, a) = (shell.t, &d.asked);
    let keys = d
        .keys
        .iter()
        .map(|fig| KeyView {
            name: fig.indicator.name.get(t.lang).to_owned(),
            value: shown_text(fig.total),
            rate: fig.total_rate.map(rate_text).unwrap_or_default(),
            definition: fig.indicator.definition.get(t.lang).to_owned(),
        })
        .collect();
    let (trend_period, trend) = &d.trend;
    let mut sections: Vec<SectionView> = d
        .breakdowns
        .iter()
        .map(|(fig, dim)| bar_section(state, t, fig, dim))
        .collect();
    let [reports, cases] = &trend[..] else {
        return Err(AppError::Internal("the dashboard's trend".into()));
    };
    let [sent, medians, overdue] = &d.sectors[..] else {
        return Err(AppError::Internal("the dashboard's sectors".into()));
    };
    sections.push(bar_section(state, t, sent, "sector"));
    let find = |fig: &Figure, code: &str| fig.row(code).map(|r| r.value);
    let sectors = sent
        .rows
        .iter()
        .map(|r| {
            let code = &r.keys[0];
            let late = find(overdue, code).unwrap_or(Shown::Value(0.0));
            let share = match (r.value, late) {
                (Shown::Value(n), Shown::Value(l)) if n > 0.0 => format!("{:.0}%", l * 100.0 / n),
                _ => HIDDEN.to_owned(),
            };
            SectorView {
                sector: key_label(state, t, "sector", code),
                sent: shown_text(r.value),
                median: find(medians, code)
                    .map(shown_text)
                    .unwrap_or_else(|| "—".to_owned()),
                overdue: share,
            }
        })
        .collect();
    let definition = |code: &str| {
        indicator(code)
            .map(|i| i.definition.get(t.lang).to_owned())
            .unwrap_or_default()
    };
    let sectors_definition = awladna_domain::stats::layout::SECTORS
        .map(definition)
        .join(" ");
    Ok(StatsPage {
        scope_name: if a.scope.code == NATION {
            t.get("stats-nation")
        } else {
            key_label(state, t, "province", &a.scope.code)
        },
        places: Vec::new(),
        national: false,
        public_choice: None,
        from: a.period.from.clone(),
        to: a.period.to.clone(),
        protected: a.protect,
        children: a.scope.children.map(|c| c.to_string()).unwrap_or_default(),
        keys,
        trend: trend_section(t, trend_period, reports, cases, &current_month(state)),
        sections,
        sectors,
        sectors_definition,
        query: String::new(),
        shell,
    })
}

fn direction(t: Tr) -> Direction {
    if t.lang.is_rtl() {
        Direction::Rtl
    } else {
        Direction::Ltr
    }
}

/// A rate per 1,000 children: small rates keep three decimals so they are not all 0.00.
pub fn rate_text(rate: f64) -> String {
    if rate < 1.0 {
        format!("{rate:.3}")
    } else {
        format!("{rate:.2}")
    }
}

fn number(v: f64) -> String {
    shown_text(Shown::Value(v))
}

fn bar_section(state: &AppState, t: Tr, fig: &Figure, dim: &str) -> SectionView {
    let id = format!("{}-{dim}", fig.indicator.code);
    let title = format!(
        "{} — {}",
        fig.indicator.name.get(t.lang),
        dimension_name(t, dim)
    );
    let mut rows: Vec<&FigureRow> = fig.rows.iter().collect();
    // Largest first reads best, except for ordered dimensions.
    if !matches!(dim, "age_band" | "stage" | "month") {
        rows.sort_by(|a, b| {
            b.value
                .value()
                .unwrap_or(0.0)
                .total_cmp(&a.value.value().unwrap_or(0.0))
        });
    } else if dim == "age_band" {
        rows.sort_by_key(|r| AGE_BANDS.iter().position(|b| *b == r.keys[0]).unwrap_or(9));
    }
    let points: Vec<Point> = rows
        .iter()
        .map(|r| Point {
            label: key_label(state, t, dim, &r.keys[0]),
            value: r.value.value(),
        })
        .collect();
    let missing = HIDDEN;
    // The section's heading names the indicator; the chart's own title stays short.
    let chart_title = dimension_name(t, dim);
    let chart = awladna_charts::bars(
        &Chart {
            id: &id,
            title: &chart_title,
            direction: direction(t),
            missing,
            format: &number,
        },
        &points,
    );
    let has_rate = rows.iter().any(|r| r.rate.is_some());
    SectionView {
        id,
        title,
        definition: fig.indicator.definition.get(t.lang).to_owned(),
        chart,
        headers: vec![dimension_name(t, dim), t.get("stats-value")],
        rows: rows
            .iter()
            .map(|r| RowView {
                label: key_label(state, t, dim, &r.keys[0]),
                value: shown_text(r.value),
                rate: r.rate.map(rate_text).unwrap_or_default(),
            })
            .collect(),
        total: shown_text(fig.total),
        has_rate,
    }
}

/// The month under way in Morocco (`2026-12`).
fn current_month(state: &AppState) -> String {
    state
        .clock
        .now()
        .to_zoned(awladna_domain::forms::local_zone())
        .strftime("%Y-%m")
        .to_string()
}

/// The trend by month; the month under way is marked partial (its few days drawn as a
/// fall would mislead).
fn trend_section(
    t: Tr,
    period: &Period,
    reports: &Figure,
    cases: &Figure,
    current_month: &str,
) -> SectionView {
    let months = period.months();
    // The chart's labels are short: a star there, the words in the table.
    let marked = |m: &String, mark: String| {
        if m == current_month {
            format!("{m} {mark}")
        } else {
            m.clone()
        }
    };
    let shown = |m: &String| marked(m, t.get("stats-month-partial"));
    let starred = |m: &String| marked(m, "*".to_owned());
    let value = |fig: &Figure, m: &str| -> Shown {
        fig.rows
            .iter()
            .find(|r| r.keys[0] == m)
            .map(|r| r.value)
            .unwrap_or(Shown::Value(0.0))
    };
    let series = |fig: &Figure| Series {
        name: fig.indicator.name.get(t.lang).to_owned(),
        points: months
            .iter()
            .map(|m| Point {
                label: starred(m),
                value: value(fig, m).value(),
            })
            .collect(),
    };
    let title = t.get("stats-trend");
    let chart = awladna_charts::trend(
        &Chart {
            id: "trend",
            title: &title,
            direction: direction(t),
            missing: HIDDEN,
            format: &number,
        },
        &[series(reports), series(cases)],
    );
    SectionView {
        id: "trend".to_owned(),
        definition: format!(
            "{} {} {}",
            reports.indicator.definition.get(t.lang),
            cases.indicator.definition.get(t.lang),
            t.get("stats-month-partial-note")
        ),
        title,
        chart,
        headers: vec![
            dimension_name(t, "month"),
            reports.indicator.name.get(t.lang).to_owned(),
            cases.indicator.name.get(t.lang).to_owned(),
        ],
        rows: months
            .iter()
            .rev()
            .map(|m| RowView {
                label: shown(m),
                value: shown_text(value(reports, m)),
                rate: shown_text(value(cases, m)),
            })
            .collect(),
        total: String::new(),
        has_rate: true,
    }
}
