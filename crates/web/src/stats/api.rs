//! `GET /api/v1/stats` (the indicators and their definitions) and
//! `GET /api/v1/stats/{indicator}?territory=CODE&from=YYYY-MM&to=YYYY-MM&by=DIM[,DIM]`.
//! A value hidden by small-cell suppression is the string `"<5"`. Up to three dimensions
//! at once (`by=sex,age_band,concern`); `compare=previous_year` puts the same months of
//! the year before beside each row, with the change in percent; by province, each row
//! has its rate's exact 95% interval and where it stands against the nation's.

use super::{StatsQuery, rate_json, shown_json};
use crate::error::AppError;
use crate::extract::Guard;
use crate::i18n::Tr;
use crate::state::AppState;
use awladna_core::act;
use awladna_core::stats::compare::{AgainstNation, Trend};
use awladna_core::stats::{Read, indicators, read as read_figure};
use awladna_domain::stats::intervals::Rate;
use awladna_domain::stats::trends::{Change, SMALL_FOR_TREND};
use awladna_domain::stats::{Figure, HIDDEN, PLACE_AND_TIME};
use axum::Json;
use axum::extract::{Path, Query, State};
use serde_json::{Value, json};

pub async fn list(t: Tr) -> Json<Value> {
    let indicators: Vec<Value> = indicators()
        .indicators
        .iter()
        .map(|i| {
            let dims: Vec<&str> = PLACE_AND_TIME
                .iter()
                .copied()
                .chain(i.dimensions.iter().map(String::as_str))
                .collect();
            json!({
                "code": i.code,
                "unit": i.unit,
                "name": i.name.get(t.lang),
                "definition": i.definition.get(t.lang),
                "names": i.name,
                "definitions": i.definition,
                "dimensions": dims,
                "rate_per_1000_children": i.per_children,
            })
        })
        .collect();
    Json(json!({
        "indicators": indicators,
        "suppressed_value": HIDDEN,
        "denominators": "HCP, RGPH 2024 (CC BY 4.0): estimated children aged 0-17 per province",
    }))
}

pub async fn read(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ViewStatistics>,
    t: Tr,
    Path(code): Path<String>,
    Query(q): Query<StatsQuery>,
) -> Result<Json<Value>, AppError> {
    let read = read_figure(&state, &permit, &code, &q.into()).await?;
    Ok(Json(figure_json(&read, t)))
}

/// A figure's rows: a key per dimension, the value, the rate per 1,000 children.
pub fn rows_json(fig: &Figure) -> Vec<Value> {
    fig.rows
        .iter()
        .map(|r| {
            let mut row = serde_json::Map::new();
            for (d, k) in fig.by.iter().zip(&r.keys) {
                row.insert(d.clone(), json!(k));
            }
            row.insert("value".into(), shown_json(r.value));
            if let Some(rate) = r.rate {
                row.insert("rate_per_1000".into(), rate_json(rate));
            }
            Value::Object(row)
        })
        .collect()
}

fn figure_json(read: &Read, t: Tr) -> Value {
    let (fig, a) = (&read.figure, &read.asked);
    let mut out = json!({
        "indicator": fig.indicator.code,
        "name": fig.indicator.name.get(t.lang),
        "definition": fig.indicator.definition.get(t.lang),
        "unit": fig.indicator.unit,
        "territory": a.scope.code,
        "from": a.period.from,
        "to": a.period.to,
        "by": fig.by,
        "suppressed": fig.protected,
        "children_0_17": a.scope.children,
        "total": shown_json(fig.total),
        "total_rate_per_1000": fig.total_rate.map(rate_json),
        "rows": rows_json(fig),
    });
    if let Some(trend) = &read.trend {
        trend_json(trend, &mut out);
    }
    if let Some(against) = &read.against_nation {
        against_json(against, &mut out);
    }
    out
}

fn change_json(c: &Change) -> Value {
    json!({
        "previous_year": shown_json(c.before),
        "change_percent": c.percent,
        "too_small": c.too_small,
    })
}

/// Beside each row and the total: the year before, the change, whether it is too
/// small to read.
fn trend_json(trend: &Trend, out: &mut Value) {
    if let Some(rows) = out["rows"].as_array_mut() {
        for (row, c) in rows.iter_mut().zip(&trend.rows) {
            if let (Some(row), Value::Object(extra)) = (row.as_object_mut(), change_json(c)) {
                row.extend(extra);
            }
        }
    }
    out["previous_year"] = json!({
        "from": trend.period.from,
        "to": trend.period.to,
        "total": change_json(&trend.total),
        "small_count": SMALL_FOR_TREND,
    });
}

fn rate_interval(rate: &Rate) -> Value {
    json!({
        "rate_per_1000": rate_json(rate.rate),
        "interval_95": [rate_json(rate.low), rate_json(rate.high)],
    })
}

/// Each province's interval and where it stands; the nation's rate and interval.
fn against_json(against: &AgainstNation, out: &mut Value) {
    if let Some(rows) = out["rows"].as_array_mut() {
        for (row, r) in rows.iter_mut().zip(&against.rows) {
            if let (Some(row), Some((rate, side))) = (row.as_object_mut(), r) {
                row.insert(
                    "interval_95".into(),
                    rate_interval(rate)["interval_95"].clone(),
                );
                row.insert("against_national".into(), json!(side.code()));
            }
        }
    }
    out["national"] = rate_interval(&against.nation);
}
