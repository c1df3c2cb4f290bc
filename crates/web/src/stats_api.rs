//! `GET /api/v1/stats` (the indicators and their definitions) and
//! `GET /api/v1/stats/{indicator}?territory=CODE&from=YYYY-MM&to=YYYY-MM&by=DIM[,DIM]`.
//! A value hidden by small-cell suppression is the string `"<5"`.

use crate::auth::Caller;
use crate::error::{internal, refusal};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::stats::{Figure, PLACE_AND_TIME, Period, Refusal, Scope, figure, indicator};
use awladna_domain::access::Actor;
use awladna_domain::stats::{NATION, month_of};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, Default, Clone)]
pub struct StatsQuery {
    pub territory: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub by: Option<String>,
}

/// What a statistics request asks for, checked: the scope the reader may see, a
/// well-formed period (this year so far unless said), known dimensions.
pub struct Asked {
    pub scope: Scope,
    pub period: Period,
    pub by: Vec<String>,
    /// Whether the figures leave the province for this reader (suppression applies).
    pub protect: bool,
}

/// Why a request was refused: a status, a code for programs, a message id for people.
pub type Refused = (StatusCode, &'static str, &'static str);

pub fn asked(state: &AppState, actor: &Actor, q: &StatsQuery) -> Result<Asked, Refused> {
    let code = q
        .territory
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .or_else(|| actor.territory.clone())
        .unwrap_or_else(|| NATION.to_owned());
    let not_found = (
        StatusCode::NOT_FOUND,
        "not_found",
        "stats-territory-unknown",
    );
    let scope = Scope::of(state, &code).ok_or(not_found)?;
    // A province's people see their province; regions and the nation are national views.
    if actor
        .territory
        .as_ref()
        .is_some_and(|own| *own != scope.code)
    {
        return Err(not_found);
    }
    let this_month = month_of(state.now_ms());
    let from = q
        .from
        .clone()
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| format!("{}-01", &this_month[..4]));
    let to = q.to.clone().filter(|f| !f.is_empty()).unwrap_or(this_month);
    let period = Period::parse(from.trim(), to.trim()).ok_or((
        StatusCode::BAD_REQUEST,
        "bad_period",
        "stats-bad-period",
    ))?;
    let by: Vec<String> =
        q.by.as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .collect();
    if by.len() > 3 {
        return Err((
            StatusCode::BAD_REQUEST,
            "bad_dimension",
            "stats-bad-dimension",
        ));
    }
    Ok(Asked {
        protect: scope.leaves_province_for(actor),
        scope,
        period,
        by,
    })
}

pub fn refusal_of(t: Tr, r: &Refusal) -> Response {
    match r {
        Refusal::UnknownIndicator => refusal(
            t,
            StatusCode::NOT_FOUND,
            "not_found",
            "stats-indicator-unknown",
        ),
        Refusal::UnknownDimension(_) => refusal(
            t,
            StatusCode::BAD_REQUEST,
            "bad_dimension",
            "stats-bad-dimension",
        ),
        Refusal::TwoDimensions => refusal(
            t,
            StatusCode::BAD_REQUEST,
            "two_dimensions",
            "stats-two-dimensions",
        ),
        Refusal::ChildrenPeriod => refusal(
            t,
            StatusCode::BAD_REQUEST,
            "children_period",
            "stats-children-period",
        ),
        Refusal::Store(detail) => internal(true, t, detail),
    }
}

pub async fn list(State(state): State<AppState>, t: Tr) -> Response {
    let indicators: Vec<Value> = state
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
        "suppressed_value": crate::stats::HIDDEN,
        "denominators": "HCP, RGPH 2024 (CC BY 4.0): estimated children aged 0-17 per province",
    }))
    .into_response()
}

pub async fn read(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(code): Path<String>,
    Query(q): Query<StatsQuery>,
) -> Response {
    let Some(actor) = caller.actor.as_ref() else {
        return refusal(t, StatusCode::UNAUTHORIZED, "sign_in", "auth-sign-in");
    };
    let Some(ind) = indicator(&state, &code) else {
        return refusal(
            t,
            StatusCode::NOT_FOUND,
            "not_found",
            "stats-indicator-unknown",
        );
    };
    let a = match asked(&state, actor, &q) {
        Ok(a) => a,
        Err((status, code, message)) => return refusal(t, status, code, message),
    };
    let fig = match figure(&state, ind, &a.scope, &a.period, &a.by, a.protect).await {
        Ok(f) => f,
        Err(r) => return refusal_of(t, &r),
    };
    // Data requests are written and logged (GBVIMS information-sharing protocol).
    let entry = caller.audit_entry(
        state.now_ms(),
        "stats.read",
        ("indicator", &ind.code),
        &a.scope.code,
        json!({"from": a.period.from, "to": a.period.to, "by": a.by}),
    );
    if let Err(e) = state.audit_alone(entry).await {
        return internal(true, t, &e.detail());
    }
    Json(figure_json(&fig, &a, t)).into_response()
}

pub fn figure_json(fig: &Figure, a: &Asked, t: Tr) -> Value {
    let rows: Vec<Value> = fig
        .rows
        .iter()
        .map(|r| {
            let mut row = serde_json::Map::new();
            for (d, k) in fig.by.iter().zip(&r.keys) {
                row.insert(d.clone(), json!(k));
            }
            row.insert("value".into(), r.value.json());
            if let Some(rate) = r.rate {
                row.insert(
                    "rate_per_1000".into(),
                    json!((rate * 1000.0).round() / 1000.0),
                );
            }
            Value::Object(row)
        })
        .collect();
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
        "total": fig.total.json(),
        "total_rate_per_1000": fig.total_rate.map(|r| (r * 1000.0).round() / 1000.0),
        "rows": rows,
    })
}
