//! `GET /api/v1/stats` (the indicators and their definitions) and
//! `GET /api/v1/stats/{indicator}?territory=CODE&from=YYYY-MM&to=YYYY-MM&by=DIM[,DIM]`.
//! A value hidden by small-cell suppression is the string `"<5"`.

use super::{StatsQuery, rate_json, shown_json};
use crate::error::AppError;
use crate::extract::Guard;
use crate::i18n::Tr;
use crate::state::AppState;
use awladna_core::act;
use awladna_core::stats::{Asked, indicators, read as read_figure};
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
    let (fig, asked) = read_figure(&state, &permit, &code, &q.into()).await?;
    Ok(Json(figure_json(&fig, &asked, t)))
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

fn figure_json(fig: &Figure, a: &Asked, t: Tr) -> Value {
    json!({
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
    })
}
