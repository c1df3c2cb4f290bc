//! The statistics dashboard (`/stats`): a province's own figures for its people; region
//! and nation views for national roles. Filters at the top (period, territory), each
//! chart drawn on the server as SVG with the same numbers in a table under it, each
//! indicator's definition one tap away.

use crate::auth::Caller;
use crate::error::{internal, page_refusal};
use crate::extract::Shell;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::stats::{Figure, Period, Refusal, Shown, figure, indicator};
use crate::stats_api::{Asked, StatsQuery, asked};
use crate::stats_export::{dimension_name, key_label};
use askama::Template;
use askama_web::WebTemplate;
use awladna_charts::{Chart, Direction, Point, Series};
use awladna_domain::stats::{NATION, year_of};
use awladna_domain::territory::TerritoryKind;
use axum::extract::{OriginalUri, Query, State};
use axum::response::{IntoResponse, Response};

/// A number as shown: whole counts without decimals, others to one decimal.
pub fn shown_text(v: Shown) -> String {
    match v {
        Shown::Value(v) if v.fract() == 0.0 => format!("{}", v as i64),
        Shown::Value(v) => format!("{v:.1}"),
        Shown::Hidden => crate::stats::HIDDEN.to_owned(),
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
    code: String,
    label: String,
    selected: bool,
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
}

pub async fn dashboard(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Query(q): Query<StatsQuery>,
) -> Response {
    let Some(actor) = caller.actor.as_ref() else {
        return page_refusal(t, axum::http::StatusCode::UNAUTHORIZED, "auth-sign-in");
    };
    let a = match asked(&state, actor, &q) {
        Ok(a) => a,
        Err((status, _, message)) => return page_refusal(t, status, message),
    };
    match build(&state, t, &a).await {
        Ok(page) => StatsPage {
            shell: Shell {
                t,
                here: uri.path().to_owned(),
                user: caller.username.clone(),
                csrf: caller.csrf.clone(),
            },
            national: actor.territory.is_none(),
            places: places(&state, t, &a.scope.code, actor.territory.as_deref()),
            query: serde_urlencoded::to_string([
                ("territory", a.scope.code.as_str()),
                ("from", a.period.from.as_str()),
                ("to", a.period.to.as_str()),
            ])
            .unwrap_or_default(),
            ..page
        }
        .into_response(),
        Err(Refusal::Store(detail)) => internal(false, t, &detail),
        Err(_) => page_refusal(t, axum::http::StatusCode::BAD_REQUEST, "stats-bad-period"),
    }
}

/// The territories a reader may choose: their province, or for national roles the
/// nation, the regions and every province.
fn places(state: &AppState, t: Tr, selected: &str, own: Option<&str>) -> Vec<PlaceView> {
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
                && crate::stats::region_of(state, &p.code).as_deref() == Some(&region.code)
        }) {
            out.push(view(
                &p.code,
                format!("— {}", key_label(state, t, "province", &p.code)),
            ));
        }
    }
    out
}

async fn build(state: &AppState, t: Tr, a: &Asked) -> Result<StatsPage, Refusal> {
    let get = |code: &str| indicator(state, code).ok_or(Refusal::UnknownIndicator);
    let one = |code: &'static str, by: &'static [&'static str]| async move {
        let by: Vec<String> = by.iter().map(|s| (*s).to_owned()).collect();
        figure(state, get(code)?, &a.scope, &a.period, &by, a.protect).await
    };
    let mut keys = Vec::new();
    for code in ["reports", "children", "cases", "cases_closed", "referrals"] {
        let fig = one(code, &[]).await?;
        keys.push(KeyView {
            name: fig.indicator.name.get(t.lang).to_owned(),
            value: shown_text(fig.total),
            rate: fig.total_rate.map(rate_text).unwrap_or_default(),
            definition: fig.indicator.definition.get(t.lang).to_owned(),
        });
    }
    // The trend runs over the 24 months up to the period's end.
    let to = &a.period.to;
    let start = format!("{:04}-{}", year_of(to) - 2, &to[5..]);
    let start = Period::parse(&start, to)
        .map(|p| p.months().get(1).cloned().unwrap_or(p.from))
        .unwrap_or_else(|| a.period.from.clone());
    let trend_period = Period::parse(&start, to).unwrap_or_else(|| a.period.clone());
    let month = vec!["month".to_owned()];
    let reports = figure(
        state,
        get("reports")?,
        &a.scope,
        &trend_period,
        &month,
        a.protect,
    )
    .await?;
    let cases = figure(
        state,
        get("cases")?,
        &a.scope,
        &trend_period,
        &month,
        a.protect,
    )
    .await?;
    let trend = trend_section(t, &trend_period, &reports, &cases);
    let mut sections = Vec::new();
    for (code, dim) in [
        ("cases", "concern"),
        ("cases", "age_band"),
        ("cases", "sex"),
        ("cases", "source"),
        ("cases", "stage"),
        ("children", "age_band"),
        ("cases_closed", "outcome"),
        ("stage_days", "stage"),
    ] {
        let by = vec![dim.to_owned()];
        let fig = match figure(state, get(code)?, &a.scope, &a.period, &by, a.protect).await {
            Ok(f) => f,
            // Children over a period that is not a calendar one have no breakdown.
            Err(Refusal::ChildrenPeriod) => continue,
            Err(e) => return Err(e),
        };
        sections.push(bar_section(state, t, &fig, dim));
    }
    let sector = vec!["sector".to_owned()];
    let sent = figure(
        state,
        get("referrals")?,
        &a.scope,
        &a.period,
        &sector,
        a.protect,
    )
    .await?;
    let medians = figure(
        state,
        get("referral_response_hours")?,
        &a.scope,
        &a.period,
        &sector,
        a.protect,
    )
    .await?;
    let overdue = figure(
        state,
        get("referrals_overdue")?,
        &a.scope,
        &a.period,
        &sector,
        a.protect,
    )
    .await?;
    sections.push(bar_section(state, t, &sent, "sector"));
    let find =
        |fig: &Figure, code: &str| fig.rows.iter().find(|r| r.keys[0] == code).map(|r| r.value);
    let sectors = sent
        .rows
        .iter()
        .map(|r| {
            let code = &r.keys[0];
            let late = find(&overdue, code).unwrap_or(Shown::Value(0.0));
            let share = match (r.value, late) {
                (Shown::Value(n), Shown::Value(l)) if n > 0.0 => format!("{:.0}%", l * 100.0 / n),
                _ => crate::stats::HIDDEN.to_owned(),
            };
            SectorView {
                sector: key_label(state, t, "sector", code),
                sent: shown_text(r.value),
                median: find(&medians, code)
                    .map(shown_text)
                    .unwrap_or_else(|| "—".to_owned()),
                overdue: share,
            }
        })
        .collect();
    Ok(StatsPage {
        shell: Shell {
            t,
            here: String::new(),
            user: None,
            csrf: String::new(),
        },
        scope_name: if a.scope.code == NATION {
            t.get("stats-nation")
        } else {
            key_label(state, t, "province", &a.scope.code)
        },
        places: Vec::new(),
        national: false,
        from: a.period.from.clone(),
        to: a.period.to.clone(),
        protected: a.protect,
        children: a.scope.children.map(|c| c.to_string()).unwrap_or_default(),
        keys,
        trend,
        sections,
        sectors,
        sectors_definition: format!(
            "{} {} {}",
            get("referrals")?.definition.get(t.lang),
            get("referral_response_hours")?.definition.get(t.lang),
            get("referrals_overdue")?.definition.get(t.lang)
        ),
        query: String::new(),
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
    let mut rows: Vec<&crate::stats::FigureRow> = fig.rows.iter().collect();
    // Largest first reads best, except for ordered dimensions.
    if !matches!(dim, "age_band" | "stage" | "month") {
        rows.sort_by(|a, b| {
            b.value
                .value()
                .unwrap_or(0.0)
                .total_cmp(&a.value.value().unwrap_or(0.0))
        });
    } else if dim == "age_band" {
        rows.sort_by_key(|r| {
            awladna_domain::stats::AGE_BANDS
                .iter()
                .position(|b| *b == r.keys[0])
                .unwrap_or(9)
        });
    }
    let points: Vec<Point> = rows
        .iter()
        .map(|r| Point {
            label: key_label(state, t, dim, &r.keys[0]),
            value: r.value.value(),
        })
        .collect();
    let missing = crate::stats::HIDDEN;
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

fn trend_section(t: Tr, period: &Period, reports: &Figure, cases: &Figure) -> SectionView {
    let months = period.months();
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
                label: m.clone(),
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
            missing: crate::stats::HIDDEN,
            format: &number,
        },
        &[series(reports), series(cases)],
    );
    SectionView {
        id: "trend".to_owned(),
        definition: format!(
            "{} {}",
            reports.indicator.definition.get(t.lang),
            cases.indicator.definition.get(t.lang)
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
                label: m.clone(),
                value: shown_text(value(reports, m)),
                rate: shown_text(value(cases, m)),
            })
            .collect(),
        total: String::new(),
        has_rate: true,
    }
}

/// What the dashboard's export holds: each indicator with its breakdown ("" = total).
const EXPORTED: [(&str, &str); 18] = [
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

/// `/stats/export/{xlsx|csv|pdf}?territory&from&to`: the dashboard's figures as a file.
/// Whatever the reader's province, a file leaves it: small counts are always hidden.
pub async fn export(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    axum::extract::Path(format): axum::extract::Path<String>,
    Query(q): Query<StatsQuery>,
) -> Response {
    let Some(actor) = caller.actor.as_ref() else {
        return page_refusal(t, axum::http::StatusCode::UNAUTHORIZED, "auth-sign-in");
    };
    if !matches!(format.as_str(), "xlsx" | "csv" | "pdf") {
        return page_refusal(t, axum::http::StatusCode::NOT_FOUND, "error-not-found");
    }
    let a = match asked(&state, actor, &q) {
        Ok(a) => a,
        Err((status, _, message)) => return page_refusal(t, status, message),
    };
    let mut figures = Vec::new();
    for (code, dim) in EXPORTED {
        let Some(ind) = indicator(&state, code) else {
            continue;
        };
        let by: Vec<String> = [dim]
            .iter()
            .filter(|d| !d.is_empty())
            .map(|d| (*d).to_owned())
            .collect();
        match figure(&state, ind, &a.scope, &a.period, &by, true).await {
            Ok(f) => figures.push(f),
            Err(Refusal::ChildrenPeriod) => {}
            Err(Refusal::Store(detail)) => return internal(false, t, &detail),
            Err(_) => {}
        }
    }
    let entry = caller.audit_entry(
        state.now_ms(),
        "stats.export",
        ("dashboard", &format),
        &a.scope.code,
        serde_json::json!({"from": a.period.from, "to": a.period.to}),
    );
    if let Err(e) = state.audit_alone(entry).await {
        return internal(false, t, &e.detail());
    }
    let scope_name = if a.scope.code == NATION {
        t.get("stats-nation")
    } else {
        key_label(&state, t, "province", &a.scope.code)
    };
    let title = format!("{} — {scope_name}", t.get("stats-title"));
    let period = format!("{} – {}", a.period.from, a.period.to);
    let file = format!(
        "awladna-stats-{}-{}-{}",
        a.scope.code, a.period.from, a.period.to
    );
    let refs: Vec<&Figure> = figures.iter().collect();
    let tables: Vec<awladna_export::Table> = refs
        .iter()
        .map(|f| crate::stats_export::table(&state, t, f))
        .collect();
    match format.as_str() {
        "csv" => {
            let data = crate::stats_export::data_table(&state, t, &refs, &a.scope.code, &period);
            crate::periodic_reports::attachment(
                "text/csv; charset=utf-8",
                format!("{file}.csv"),
                awladna_export::csv(&data),
            )
        }
        "pdf" => {
            let doc = crate::stats_export::document(
                &state,
                t,
                &title,
                &t.get("stats-suppressed-note"),
                &refs,
            );
            match tokio::task::spawn_blocking(move || awladna_pdf::render(&doc)).await {
                Ok(Ok(bytes)) => crate::periodic_reports::attachment(
                    "application/pdf",
                    format!("{file}.pdf"),
                    bytes,
                ),
                Ok(Err(e)) => internal(false, t, &e.to_string()),
                Err(e) => internal(false, t, &e.to_string()),
            }
        }
        _ => {
            let meta = vec![
                (t.get("stats-territory"), scope_name),
                (t.get("periodic-period"), period.clone()),
                (t.get("stats-definition"), t.get("stats-suppressed-note")),
            ];
            let book = crate::stats_export::workbook(
                &state,
                t,
                &title,
                meta,
                tables,
                &refs,
                (&a.scope.code, &period),
            );
            match tokio::task::spawn_blocking(move || awladna_export::xlsx(&book)).await {
                Ok(Ok(bytes)) => crate::periodic_reports::attachment(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    format!("{file}.xlsx"),
                    bytes,
                ),
                Ok(Err(e)) => internal(false, t, &e.to_string()),
                Err(e) => internal(false, t, &e.to_string()),
            }
        }
    }
}
