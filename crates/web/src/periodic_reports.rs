//! Periodic reports (SPEC.md §3): the monthly, half-yearly and annual reports of a
//! province and the national report, in one structure: (a) the children's pathways,
//! (b) the mechanism's results, (c) the trend of violence, exploitation and neglect,
//! (d) the provincial action plan's achievements (empty until the governance work adds
//! action plans). Draft → approved → submitted: figures are computed when drafted, may be
//! refreshed while a draft, and are frozen at approval. The national report sums the
//! submitted provincial reports of its period.
//!
//! Each figure is kept twice: whole (for the province's own people and the national sums)
//! and suppressed (for everything that leaves the province: national readers, exports).

use crate::auth::Caller;
use crate::error::{internal, page_error, page_refusal, refusal};
use crate::extract::Shell;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::stats::{Figure, FigureRow, Period, Scope, ScopeKind, Shown, figure, indicator};
use crate::stats_export;
use askama::Template;
use askama_web::WebTemplate;
use awladna_domain::access::{Action, Actor, Decision, ReportStep, decide_periodic_report};
use awladna_domain::stats::{NATION, Unit, year_of};
use awladna_domain::territory::TerritoryKind;
use awladna_export::{Cell, Table};
use awladna_store::periodic_reports::PeriodicReport;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub const KINDS: [&str; 4] = ["monthly", "half_yearly", "annual", "national"];

/// The unified structure: each section's figures (indicator, breakdown).
const SECTIONS: [(&str, &[(&str, &str)]); 3] = [
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

const ACTION_PLAN: &str = "action_plan";

// ---- Stored figures ----------------------------------------------------------------------

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct StoredRow {
    keys: Vec<String>,
    /// `None`: hidden.
    value: Option<f64>,
    rate: Option<f64>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct StoredFigure {
    indicator: String,
    by: Vec<String>,
    rows: Vec<StoredRow>,
    total: Option<f64>,
    total_rate: Option<f64>,
    protected: bool,
}

/// A figure whole and suppressed.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Entry {
    whole: StoredFigure,
    shown: StoredFigure,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Section {
    code: String,
    figures: Vec<Entry>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct Contents {
    sections: Vec<Section>,
    /// National report: the provinces whose submitted report it sums, and the others.
    #[serde(default)]
    submitted: Vec<String>,
    #[serde(default)]
    missing: Vec<String>,
    /// National report: reports, cases and children by province.
    #[serde(default)]
    comparison: Vec<Entry>,
    /// Reports and cases by month, sex and age band, per province (for DHIS2).
    #[serde(default)]
    dhis2: Vec<SexAge>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct SexAge {
    territory: String,
    indicator: String,
    month: String,
    sex: String,
    age_band: String,
    n: i64,
}

/// Reports and cases of a province by month, sex and age band.
async fn sex_age(state: &AppState, scope: &Scope, period: &Period) -> Result<Vec<SexAge>, String> {
    let mut sums: BTreeMap<(String, String, String, String), i64> = BTreeMap::new();
    for (indicator, cases) in [("reports", false), ("cases", true)] {
        for c in state
            .store
            .sex_age_counts(cases, &scope.leaves, &period.from, &period.to)
            .await
            .map_err(|e| e.detail())?
        {
            let known = |v: String| {
                if v.is_empty() {
                    "unknown".to_owned()
                } else {
                    v
                }
            };
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

fn to_stored(f: &Figure) -> StoredFigure {
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

fn shown(v: Option<f64>) -> Shown {
    v.map(Shown::Value).unwrap_or(Shown::Hidden)
}

fn from_stored(state: &AppState, s: &StoredFigure) -> Option<Figure> {
    Some(Figure {
        indicator: indicator(state, &s.indicator)?.clone(),
        by: s.by.clone(),
        rows: s
            .rows
            .iter()
            .map(|r| FigureRow {
                keys: r.keys.clone(),
                value: shown(r.value),
                rate: r.rate,
            })
            .collect(),
        total: shown(s.total),
        total_rate: s.total_rate,
        protected: s.protected,
    })
}

fn by_of(dim: &str) -> Vec<String> {
    if dim.is_empty() {
        Vec::new()
    } else {
        vec![dim.to_owned()]
    }
}

fn has_action_plan(kind: &str) -> bool {
    kind != "monthly"
}

/// A province's figures for the period, whole and suppressed.
async fn compute_provincial(
    state: &AppState,
    scope: &Scope,
    period: &Period,
    kind: &str,
) -> Result<Contents, String> {
    let mut sections = Vec::new();
    for (code, items) in SECTIONS {
        let mut figures = Vec::new();
        for (ind, dim) in items {
            let Some(ind) = indicator(state, ind) else {
                continue;
            };
            let by = by_of(dim);
            let whole = figure(state, ind, scope, period, &by, false)
                .await
                .map_err(|r| format!("{r:?}"))?;
            let protected = figure(state, ind, scope, period, &by, true)
                .await
                .map_err(|r| format!("{r:?}"))?;
            figures.push(Entry {
                whole: to_stored(&whole),
                shown: to_stored(&protected),
            });
        }
        sections.push(Section {
            code: code.to_owned(),
            figures,
        });
    }
    if has_action_plan(kind) {
        sections.push(Section {
            code: ACTION_PLAN.to_owned(),
            figures: Vec::new(),
        });
    }
    Ok(Contents {
        sections,
        dhis2: sex_age(state, scope, period).await?,
        ..Contents::default()
    })
}

/// Sums of count figures (whole), with rates over `children`.
fn sum_figures(
    state: &AppState,
    ind: &awladna_domain::stats::Indicator,
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
    crate::stats::protect_counts(&mut protected);
    let _ = state;
    Entry {
        whole: to_stored(&whole),
        shown: to_stored(&protected),
    }
}

/// The national report: sums of the submitted provincial reports of the period.
async fn compute_national(
    state: &AppState,
    scope: &Scope,
    period: &Period,
) -> Result<Contents, String> {
    let submitted = state
        .store
        .submitted_provincial_reports(&period.from, &period.to)
        .await
        .map_err(|e| e.detail())?;
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
    for (code, items) in SECTIONS {
        let mut figures = Vec::new();
        for (ind_code, dim) in items {
            let Some(ind) = indicator(state, ind_code) else {
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
                state,
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
    sections.push(Section {
        code: ACTION_PLAN.to_owned(),
        figures: Vec::new(),
    });
    // Per province: reports, cases, children.
    let mut comparison = Vec::new();
    for ind_code in ["reports", "cases", "children"] {
        let Some(ind) = indicator(state, ind_code) else {
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
            |keys: &[String]| -> Option<u64> { Scope::of(state, keys.first()?.as_str())?.children };
        comparison.push(sum_figures(
            state,
            ind,
            &by,
            &parts,
            &children_of,
            national_children,
        ));
    }
    let provinces: Vec<String> = scope
        .leaves
        .iter()
        .filter(|code| {
            state
                .reference
                .territory(code)
                .is_some_and(|t| t.kind != TerritoryKind::PrefectureArrondissements)
        })
        .cloned()
        .collect();
    Ok(Contents {
        sections,
        missing: provinces
            .into_iter()
            .filter(|p| !latest.contains_key(p))
            .collect(),
        submitted: latest.keys().cloned().collect(),
        dhis2: latest.values().flat_map(|c| c.dhis2.clone()).collect(),
        comparison,
    })
}

async fn compute(state: &AppState, r: &PeriodicReport) -> Result<String, String> {
    let period = Period::parse(&r.from, &r.to).ok_or("period")?;
    let scope = Scope::of(state, &r.territory).ok_or("territory")?;
    let contents = if r.kind == "national" {
        compute_national(state, &scope, &period).await?
    } else {
        compute_provincial(state, &scope, &period, &r.kind).await?
    };
    serde_json::to_string(&contents).map_err(|e| e.to_string())
}

// ---- Checks ------------------------------------------------------------------------------

/// Why a request was refused: status, code for programs, message id for people.
type Refused = (StatusCode, &'static str, &'static str);

fn hidden() -> Refused {
    (StatusCode::NOT_FOUND, "not_found", "periodic-not-found")
}

/// Whether the period is the one of `kind`: a month, a half-year, a calendar year.
fn period_fits(kind: &str, p: &Period) -> bool {
    let same_year = year_of(&p.from) == year_of(&p.to);
    let months = (&p.from[5..], &p.to[5..]);
    let month = p.from == p.to;
    let half = same_year && matches!(months, ("01", "06") | ("07", "12"));
    let year = same_year && months == ("01", "12");
    match kind {
        "monthly" => month,
        "half_yearly" => half,
        "annual" => year,
        "national" => month || half || year,
        _ => false,
    }
}

/// The policy's answer for a step on the report (`crates/domain/src/access.rs`).
fn may(actor: &Actor, step: ReportStep, r: &PeriodicReport) -> Decision {
    decide_periodic_report(actor, step, &r.kind, &r.territory)
}

/// A refusal of the policy as an answer: another province's report does not exist for
/// the caller; a report the caller's role may not touch says why.
fn refusal_of(decision: Decision, step: ReportStep) -> Refused {
    match (decision, step) {
        (Decision::Hidden, _) => hidden(),
        (_, ReportStep::Approve) => (
            StatusCode::FORBIDDEN,
            "forbidden",
            "periodic-cannot-approve",
        ),
        (_, _) => (
            StatusCode::FORBIDDEN,
            "forbidden",
            "periodic-cannot-prepare",
        ),
    }
}

fn refused(t: Tr, api: bool, (status, code, message): Refused) -> Response {
    if api {
        refusal(t, status, code, message)
    } else {
        page_refusal(t, status, message)
    }
}

#[derive(Deserialize, Default)]
pub struct CreateBody {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    territory: Option<String>,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

async fn create(state: &AppState, caller: &Caller, body: &CreateBody) -> Result<String, Fail> {
    let actor = caller.actor.as_ref().ok_or(Fail::Refused((
        StatusCode::UNAUTHORIZED,
        "sign_in",
        "auth-sign-in",
    )))?;
    let kind = body.kind.trim();
    if !KINDS.contains(&kind) {
        return Err(Fail::Refused((
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_kind",
            "periodic-bad-kind",
        )));
    }
    let territory = body
        .territory
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .or_else(|| actor.territory.clone())
        .unwrap_or_else(|| NATION.to_owned());
    if actor
        .territory
        .as_ref()
        .is_some_and(|own| *own != territory)
    {
        return Err(Fail::Refused(hidden()));
    }
    let scope = Scope::of(state, &territory).ok_or(Fail::Refused(hidden()))?;
    let fits_territory = match kind {
        "national" => scope.kind == ScopeKind::Nation,
        _ => scope.kind == ScopeKind::Province,
    };
    if !fits_territory {
        return Err(Fail::Refused((
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_territory",
            "periodic-bad-territory",
        )));
    }
    match decide_periodic_report(actor, ReportStep::Prepare, kind, &scope.code) {
        Decision::Allow => {}
        refused => return Err(Fail::Refused(refusal_of(refused, ReportStep::Prepare))),
    }
    let period = Period::parse(body.from.trim(), body.to.trim())
        .filter(|p| period_fits(kind, p))
        .ok_or(Fail::Refused((
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_period",
            "periodic-bad-period",
        )))?;
    let now = state.now_ms();
    let mut report = PeriodicReport {
        id: uuid::Uuid::now_v7().to_string(),
        kind: kind.to_owned(),
        territory: scope.code.clone(),
        from: period.from.clone(),
        to: period.to.clone(),
        status: "draft".into(),
        figures: String::new(),
        computed_at: now,
        created_by: caller.audit_actor().unwrap_or_default(),
        created_at: now,
        approved_by: None,
        approved_at: None,
        submitted_by: None,
        submitted_at: None,
        version: 1,
    };
    report.figures = compute(state, &report).await.map_err(Fail::Internal)?;
    let run = async {
        let mut tx = state.store.begin().await?;
        tx.insert_periodic_report(&report).await?;
        tx.audit(caller.audit_entry(
            now,
            "periodic_report.create",
            ("periodic_report", &report.id),
            &report.territory,
            json!({"kind": report.kind, "from": report.from, "to": report.to}),
        ))
        .await?;
        tx.commit().await
    };
    run.await.map_err(|e| Fail::Internal(e.detail()))?;
    Ok(report.id)
}

/// A refusal or a failure of the server.
pub enum Fail {
    Refused(Refused),
    Internal(String),
}

impl Fail {
    fn response(self, t: Tr, api: bool) -> Response {
        match self {
            Fail::Refused(r) => refused(t, api, r),
            Fail::Internal(detail) => internal(api, t, &detail),
        }
    }
}

/// The report `id` if `caller` may see it.
async fn load(state: &AppState, caller: &Caller, id: &str) -> Result<PeriodicReport, Fail> {
    let actor = caller.actor.as_ref().ok_or(Fail::Refused((
        StatusCode::UNAUTHORIZED,
        "sign_in",
        "auth-sign-in",
    )))?;
    let report = state
        .store
        .periodic_report(id)
        .await
        .map_err(|e| Fail::Internal(e.detail()))?
        .ok_or(Fail::Refused(hidden()))?;
    if may(actor, ReportStep::Read, &report) != Decision::Allow {
        return Err(Fail::Refused(hidden()));
    }
    Ok(report)
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Refresh,
    Approve,
    Submit,
}

impl Step {
    fn needs(self) -> &'static str {
        match self {
            Step::Refresh | Step::Approve => "draft",
            Step::Submit => "approved",
        }
    }

    fn audit(self) -> &'static str {
        match self {
            Step::Refresh => "periodic_report.refresh",
            Step::Approve => "periodic_report.approve",
            Step::Submit => "periodic_report.submit",
        }
    }
}

async fn take_step(
    state: &AppState,
    caller: &Caller,
    id: &str,
    step: Step,
    version: Option<i64>,
) -> Result<(), Fail> {
    let report = load(state, caller, id).await?;
    let actor = caller.actor.as_ref().ok_or(Fail::Refused(hidden()))?;
    let policy_step = match step {
        Step::Approve => ReportStep::Approve,
        Step::Refresh | Step::Submit => ReportStep::Prepare,
    };
    match may(actor, policy_step, &report) {
        Decision::Allow => {}
        refused => return Err(Fail::Refused(refusal_of(refused, policy_step))),
    }
    let version = version.unwrap_or(report.version);
    if version != report.version {
        return Err(Fail::Refused((
            StatusCode::CONFLICT,
            "stale",
            "periodic-stale",
        )));
    }
    if report.status != step.needs() {
        return Err(Fail::Refused((
            StatusCode::CONFLICT,
            "wrong_status",
            match step {
                Step::Submit => "periodic-not-approved",
                _ => "periodic-not-draft",
            },
        )));
    }
    let now = state.now_ms();
    let by = caller.audit_actor().unwrap_or_default();
    let figures = match step {
        Step::Refresh => Some(compute(state, &report).await.map_err(Fail::Internal)?),
        _ => None,
    };
    let run = async {
        let mut tx = state.store.begin().await?;
        let done = match step {
            Step::Refresh => {
                tx.refresh_periodic_report(id, version, figures.as_deref().unwrap_or("{}"), now)
                    .await?
            }
            // The figures it was read and approved with, frozen from now on.
            Step::Approve => {
                tx.approve_periodic_report(id, version, &report.figures, &by, now)
                    .await?
            }
            Step::Submit => tx.submit_periodic_report(id, version, &by, now).await?,
        };
        if !done {
            return Ok(false);
        }
        tx.audit(caller.audit_entry(
            now,
            step.audit(),
            ("periodic_report", id),
            &report.territory,
            json!({"kind": report.kind, "from": report.from, "to": report.to}),
        ))
        .await?;
        tx.commit().await?;
        Ok::<_, awladna_store::StoreError>(true)
    };
    match run.await {
        Ok(true) => Ok(()),
        Ok(false) => Err(Fail::Refused((
            StatusCode::CONFLICT,
            "stale",
            "periodic-stale",
        ))),
        Err(e) => Err(Fail::Internal(e.detail())),
    }
}

// ---- Reading -----------------------------------------------------------------------------

/// The figures a reader sees: whole for the province's own people, suppressed otherwise.
fn whole_for(actor: &Actor, r: &PeriodicReport) -> bool {
    r.kind != "national" && actor.territory.as_deref() == Some(r.territory.as_str())
}

fn contents_of(r: &PeriodicReport) -> Contents {
    serde_json::from_str(&r.figures).unwrap_or_default()
}

fn pick(e: &Entry, whole: bool) -> &StoredFigure {
    if whole { &e.whole } else { &e.shown }
}

fn figure_value(state: &AppState, t: Tr, s: &StoredFigure) -> Value {
    let Some(f) = from_stored(state, s) else {
        return Value::Null;
    };
    let rows: Vec<Value> = f
        .rows
        .iter()
        .map(|r| {
            let mut row = serde_json::Map::new();
            for (d, k) in f.by.iter().zip(&r.keys) {
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
        "indicator": f.indicator.code,
        "name": f.indicator.name.get(t.lang),
        "unit": f.indicator.unit,
        "by": f.by,
        "total": f.total.json(),
        "total_rate_per_1000": f.total_rate.map(|r| (r * 1000.0).round() / 1000.0),
        "rows": rows,
    })
}

fn report_json(state: &AppState, t: Tr, actor: &Actor, r: &PeriodicReport) -> Value {
    let whole = whole_for(actor, r);
    let c = contents_of(r);
    let sections: Vec<Value> = c
        .sections
        .iter()
        .map(|s| {
            json!({
                "code": s.code,
                "title": t.get(&format!("periodic-section-{}", s.code.replace('_', "-"))),
                "figures": s.figures.iter().map(|e| figure_value(state, t, pick(e, whole))).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "id": r.id,
        "kind": r.kind,
        "territory": r.territory,
        "from": r.from,
        "to": r.to,
        "status": r.status,
        "version": r.version,
        "suppressed": !whole,
        "computed_at": r.computed_at,
        "created_by": r.created_by,
        "created_at": r.created_at,
        "approved_by": r.approved_by,
        "approved_at": r.approved_at,
        "submitted_by": r.submitted_by,
        "submitted_at": r.submitted_at,
        "sections": sections,
        "submitted_provinces": c.submitted,
        "missing_provinces": c.missing,
        "comparison": c.comparison.iter().map(|e| figure_value(state, t, &e.shown)).collect::<Vec<_>>(),
    })
}

fn summary_json(r: &PeriodicReport) -> Value {
    json!({
        "id": r.id, "kind": r.kind, "territory": r.territory, "from": r.from, "to": r.to,
        "status": r.status, "version": r.version,
    })
}

// ---- API ---------------------------------------------------------------------------------

pub async fn api_create(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    body: Result<Json<CreateBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(body) => body,
        Err(rejection) => return crate::api::bad_body(t, rejection.status()),
    };
    let id = match create(&state, &caller, &body).await {
        Ok(id) => id,
        Err(f) => return f.response(t, true),
    };
    match load(&state, &caller, &id).await {
        Ok(r) => match caller.actor.as_ref() {
            Some(actor) => {
                (StatusCode::CREATED, Json(report_json(&state, t, actor, &r))).into_response()
            }
            None => page_error(t, StatusCode::UNAUTHORIZED),
        },
        Err(f) => f.response(t, true),
    }
}

pub async fn api_list(State(state): State<AppState>, t: Tr, caller: Caller) -> Response {
    let Some(actor) = caller.actor.as_ref() else {
        return refusal(t, StatusCode::UNAUTHORIZED, "sign_in", "auth-sign-in");
    };
    match state
        .store
        .periodic_reports(actor.territory.as_deref())
        .await
    {
        Ok(list) => Json(json!({
            "reports": list.iter().map(summary_json).collect::<Vec<_>>()
        }))
        .into_response(),
        Err(e) => internal(true, t, &e.detail()),
    }
}

pub async fn api_read(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    match load(&state, &caller, &id).await {
        Ok(r) => match caller.actor.as_ref() {
            Some(actor) => Json(report_json(&state, t, actor, &r)).into_response(),
            None => page_error(t, StatusCode::UNAUTHORIZED),
        },
        Err(f) => f.response(t, true),
    }
}

#[derive(Deserialize, Default)]
pub struct StepBody {
    version: Option<i64>,
}

async fn api_step(
    state: AppState,
    t: Tr,
    caller: Caller,
    id: String,
    step: Step,
    body: Option<Json<StepBody>>,
) -> Response {
    let version = body.and_then(|Json(b)| b.version);
    if let Err(f) = take_step(&state, &caller, &id, step, version).await {
        return f.response(t, true);
    }
    api_read(State(state), t, caller, Path(id)).await
}

pub async fn api_refresh(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(id): Path<String>,
    body: Option<Json<StepBody>>,
) -> Response {
    api_step(state, t, caller, id, Step::Refresh, body).await
}

pub async fn api_approve(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(id): Path<String>,
    body: Option<Json<StepBody>>,
) -> Response {
    api_step(state, t, caller, id, Step::Approve, body).await
}

pub async fn api_submit(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(id): Path<String>,
    body: Option<Json<StepBody>>,
) -> Response {
    api_step(state, t, caller, id, Step::Submit, body).await
}

// ---- Pages -------------------------------------------------------------------------------

pub struct Line {
    id: String,
    title: String,
    status: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "periodic_reports.html")]
pub struct ListPage {
    shell: Shell,
    lines: Vec<Line>,
    may_prepare: bool,
    territory: String,
    message: Option<String>,
}

pub struct HtmlTable {
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    note: String,
}

pub struct HtmlSection {
    title: String,
    lead: String,
    tables: Vec<HtmlTable>,
}

#[derive(Template, WebTemplate)]
#[template(path = "periodic_report.html")]
pub struct ReportPage {
    shell: Shell,
    id: String,
    title: String,
    facts: Vec<(String, String)>,
    sections: Vec<HtmlSection>,
    version: i64,
    may_approve: bool,
    may_submit: bool,
    may_refresh: bool,
    message: Option<String>,
}

/// "Monthly report — Rabat — 2026-03 to 2026-03".
fn title_of(state: &AppState, t: Tr, r: &PeriodicReport) -> String {
    let place = if r.territory == NATION {
        t.get("admin-national")
    } else {
        crate::admin::territory_label(state, t, Some(&r.territory))
    };
    let period = if r.from == r.to {
        r.from.clone()
    } else {
        format!("{} – {}", r.from, r.to)
    };
    format!(
        "{} — {place} — {period}",
        t.get(&format!("periodic-kind-{}", r.kind.replace('_', "-")))
    )
}

fn status_label(t: Tr, status: &str) -> String {
    t.get(&format!("periodic-status-{status}"))
}

/// The comparison table of the national report: a row per province.
fn comparison_table(state: &AppState, t: Tr, c: &Contents) -> Option<Table> {
    if c.comparison.is_empty() {
        return None;
    }
    let figs: Vec<Figure> = c
        .comparison
        .iter()
        .filter_map(|e| from_stored(state, &e.shown))
        .collect();
    let mut headers = vec![stats_export::dimension_name(t, "province")];
    headers.extend(figs.iter().map(|f| f.indicator.name.get(t.lang).to_owned()));
    headers.push(t.get("periodic-children-rate"));
    let cell = |v: Shown| match v {
        Shown::Hidden => Cell::Suppressed,
        Shown::Value(v) => Cell::Count(v.max(0.0) as u64),
    };
    let rows = c
        .submitted
        .iter()
        .map(|p| {
            let mut row = vec![Cell::Text(stats_export::key_label(state, t, "province", p))];
            let mut children_rate = None;
            for f in &figs {
                let r = f.rows.iter().find(|r| r.keys.first() == Some(p));
                row.push(r.map(|r| cell(r.value)).unwrap_or(Cell::Suppressed));
                if f.indicator.code == "children" {
                    children_rate = r.and_then(|r| r.rate);
                }
            }
            row.push(match children_rate {
                Some(rate) => Cell::Number((rate * 1000.0).round() / 1000.0),
                None => Cell::Text(String::new()),
            });
            row
        })
        .collect();
    Some(Table {
        title: t.get("periodic-comparison"),
        headers,
        rows,
        note: None,
    })
}

/// The report's sections as export tables (suppressed: exports always are).
fn section_tables(state: &AppState, t: Tr, c: &Contents) -> Vec<(String, String, Vec<Table>)> {
    let mut out: Vec<(String, String, Vec<Table>)> = c
        .sections
        .iter()
        .map(|s| {
            let title = t.get(&format!("periodic-section-{}", s.code.replace('_', "-")));
            let lead = if s.code == ACTION_PLAN {
                t.get("periodic-action-plan-empty")
            } else {
                String::new()
            };
            let tables = s
                .figures
                .iter()
                .filter_map(|e| from_stored(state, &e.shown))
                .map(|f| stats_export::table(state, t, &f))
                .collect();
            (title, lead, tables)
        })
        .collect();
    if let Some(table) = comparison_table(state, t, c) {
        out.push((t.get("periodic-comparison"), String::new(), vec![table]));
    }
    out
}

fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Count(n) => n.to_string(),
        Cell::Number(v) if v.is_finite() => {
            let s = format!("{v:.3}");
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        }
        Cell::Number(_) => String::new(),
        Cell::Suppressed => crate::stats::HIDDEN.to_owned(),
    }
}

fn facts_of(state: &AppState, t: Tr, r: &PeriodicReport) -> Vec<(String, String)> {
    let c = contents_of(r);
    let mut facts = vec![
        (t.get("periodic-status"), status_label(t, &r.status)),
        (
            t.get("periodic-territory"),
            if r.territory == NATION {
                t.get("admin-national")
            } else {
                crate::admin::territory_label(state, t, Some(&r.territory))
            },
        ),
        (t.get("periodic-period"), format!("{} – {}", r.from, r.to)),
        (
            t.get("periodic-computed-at"),
            crate::times::local_time(r.computed_at),
        ),
    ];
    if let Some(at) = r.approved_at {
        facts.push((t.get("periodic-approved-at"), crate::times::local_time(at)));
    }
    if let Some(at) = r.submitted_at {
        facts.push((t.get("periodic-submitted-at"), crate::times::local_time(at)));
    }
    if r.kind == "national" {
        let names = |codes: &[String]| {
            codes
                .iter()
                .map(|c| crate::admin::territory_label(state, t, Some(c)))
                .collect::<Vec<_>>()
                .join("، ")
        };
        facts.push((t.get("periodic-submitted-provinces"), names(&c.submitted)));
        facts.push((t.get("periodic-missing-provinces"), names(&c.missing)));
    }
    facts.push((
        t.get("periodic-suppression"),
        t.get("periodic-suppression-note"),
    ));
    facts
}

async fn list_page(state: &AppState, t: Tr, caller: &Caller, message: Option<String>) -> Response {
    let Some(actor) = caller.actor.as_ref() else {
        return page_refusal(t, StatusCode::UNAUTHORIZED, "auth-sign-in-required");
    };
    let list = match state
        .store
        .periodic_reports(actor.territory.as_deref())
        .await
    {
        Ok(list) => list,
        Err(e) => return internal(false, t, &e.detail()),
    };
    ListPage {
        shell: Shell {
            t,
            here: "/periodic-reports".into(),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        lines: list
            .iter()
            .map(|r| Line {
                id: r.id.clone(),
                title: title_of(state, t, r),
                status: status_label(t, &r.status),
            })
            .collect(),
        may_prepare: awladna_domain::access::decide(Some(actor), Action::PrepareReport, None)
            == Decision::Allow,
        territory: actor.territory.clone().unwrap_or_else(|| NATION.to_owned()),
        message,
    }
    .into_response()
}

pub async fn list(State(state): State<AppState>, t: Tr, caller: Caller) -> Response {
    list_page(&state, t, &caller, None).await
}

pub async fn create_page(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    axum::Form(form): axum::Form<CreateBody>,
) -> Response {
    match create(&state, &caller, &form).await {
        Ok(id) => Redirect::to(&format!("/periodic-reports/{id}")).into_response(),
        Err(Fail::Refused((StatusCode::UNPROCESSABLE_ENTITY, _, message))) => {
            list_page(&state, t, &caller, Some(t.get(message))).await
        }
        Err(f) => f.response(t, false),
    }
}

async fn report_page(
    state: &AppState,
    t: Tr,
    caller: &Caller,
    id: &str,
    message: Option<String>,
) -> Response {
    let r = match load(state, caller, id).await {
        Ok(r) => r,
        Err(f) => return f.response(t, false),
    };
    let Some(actor) = caller.actor.as_ref() else {
        return page_error(t, StatusCode::UNAUTHORIZED);
    };
    let prepares = may(actor, ReportStep::Prepare, &r) == Decision::Allow;
    let c = contents_of(&r);
    let sections = section_tables(state, t, &c)
        .into_iter()
        .map(|(title, lead, tables)| HtmlSection {
            title,
            lead,
            tables: tables
                .into_iter()
                .map(|tb| HtmlTable {
                    title: tb.title,
                    headers: tb.headers,
                    rows: tb
                        .rows
                        .iter()
                        .map(|r| r.iter().map(cell_text).collect())
                        .collect(),
                    note: tb.note.unwrap_or_default(),
                })
                .collect(),
        })
        .collect();
    ReportPage {
        shell: Shell {
            t,
            here: format!("/periodic-reports/{id}"),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        id: r.id.clone(),
        title: title_of(state, t, &r),
        facts: facts_of(state, t, &r),
        sections,
        version: r.version,
        may_approve: r.status == "draft" && may(actor, ReportStep::Approve, &r) == Decision::Allow,
        may_submit: r.status == "approved" && prepares,
        may_refresh: r.status == "draft" && prepares,
        message,
    }
    .into_response()
}

pub async fn show(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    report_page(&state, t, &caller, &id, None).await
}

#[derive(Deserialize, Default)]
pub struct StepForm {
    version: Option<i64>,
}

async fn step_page(
    state: AppState,
    t: Tr,
    caller: Caller,
    id: String,
    step: Step,
    form: StepForm,
) -> Response {
    match take_step(&state, &caller, &id, step, form.version).await {
        Ok(()) => Redirect::to(&format!("/periodic-reports/{id}")).into_response(),
        Err(Fail::Refused((StatusCode::CONFLICT | StatusCode::FORBIDDEN, _, message))) => {
            report_page(&state, t, &caller, &id, Some(t.get(message))).await
        }
        Err(f) => f.response(t, false),
    }
}

pub async fn refresh_page(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<StepForm>,
) -> Response {
    step_page(state, t, caller, id, Step::Refresh, form).await
}

pub async fn approve_page(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<StepForm>,
) -> Response {
    step_page(state, t, caller, id, Step::Approve, form).await
}

pub async fn submit_page(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<StepForm>,
) -> Response {
    step_page(state, t, caller, id, Step::Submit, form).await
}

// ---- Exports -----------------------------------------------------------------------------

/// The report as export material: title, facts, sections of tables, all figures.
struct Material {
    title: String,
    facts: Vec<(String, String)>,
    sections: Vec<(String, String, Vec<Table>)>,
    figures: Vec<Figure>,
    territory: String,
    period: String,
    file: String,
}

async fn material(
    state: &AppState,
    t: Tr,
    caller: &Caller,
    id: &str,
    format: &str,
) -> Result<Material, Fail> {
    let r = load(state, caller, id).await?;
    // Exports are data requests: written and logged.
    let entry = caller.audit_entry(
        state.now_ms(),
        "periodic_report.export",
        ("periodic_report", &r.id),
        &r.territory,
        json!({"format": format}),
    );
    state
        .audit_alone(entry)
        .await
        .map_err(|e| Fail::Internal(e.detail()))?;
    let c = contents_of(&r);
    Ok(Material {
        title: title_of(state, t, &r),
        facts: facts_of(state, t, &r),
        sections: section_tables(state, t, &c),
        figures: c
            .sections
            .iter()
            .flat_map(|s| &s.figures)
            .filter_map(|e| from_stored(state, &e.shown))
            .collect(),
        territory: r.territory.clone(),
        period: format!("{}/{}", r.from, r.to),
        file: format!("report-{}-{}-{}", r.kind, r.territory, r.from),
    })
}

pub(crate) fn attachment(content_type: &str, file: String, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

pub async fn export_xlsx(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let m = match material(&state, t, &caller, &id, "xlsx").await {
        Ok(m) => m,
        Err(f) => return f.response(t, false),
    };
    let figures: Vec<&Figure> = m.figures.iter().collect();
    let book = stats_export::workbook(
        &state,
        t,
        &m.title,
        m.facts,
        m.sections
            .into_iter()
            .flat_map(|(_, _, tables)| tables)
            .collect(),
        &figures,
        (&m.territory, &m.period),
    );
    let written = tokio::task::spawn_blocking(move || awladna_export::xlsx(&book)).await;
    match written {
        Ok(Ok(bytes)) => attachment(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            format!("{}.xlsx", m.file),
            bytes,
        ),
        Ok(Err(e)) => internal(false, t, &e.to_string()),
        Err(e) => internal(false, t, &e.to_string()),
    }
}

pub async fn export_csv(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let m = match material(&state, t, &caller, &id, "csv").await {
        Ok(m) => m,
        Err(f) => return f.response(t, false),
    };
    let figures: Vec<&Figure> = m.figures.iter().collect();
    let data = stats_export::data_table(&state, t, &figures, &m.territory, &m.period);
    attachment(
        "text/csv; charset=utf-8",
        format!("{}.csv", m.file),
        awladna_export::csv(&data),
    )
}

pub async fn export_pdf(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let m = match material(&state, t, &caller, &id, "pdf").await {
        Ok(m) => m,
        Err(f) => return f.response(t, false),
    };
    let mut blocks = vec![awladna_pdf::Block::Facts(m.facts)];
    for (title, lead, tables) in &m.sections {
        blocks.push(awladna_pdf::Block::Heading(title.clone()));
        if !lead.is_empty() {
            blocks.push(awladna_pdf::Block::Paragraph(lead.clone()));
        }
        for table in tables {
            blocks.extend(stats_export::pdf_blocks(table));
        }
    }
    let document = awladna_pdf::Document {
        footer: m.title.clone(),
        title: m.title,
        lang: stats_export::pdf_lang(t),
        blocks,
    };
    let rendered = tokio::task::spawn_blocking(move || awladna_pdf::render(&document)).await;
    match rendered {
        Ok(Ok(bytes)) => attachment("application/pdf", format!("{}.pdf", m.file), bytes),
        Ok(Err(e)) => internal(false, t, &e.to_string()),
        Err(e) => internal(false, t, &e.to_string()),
    }
}

/// `/periodic-reports/{id}/dhis2.json`: reports and cases by month, sex and age band of
/// each province in the report, as a DHIS2 `dataValueSets` document. Counts from 1 to 4
/// are left out (DHIS2 adds the cells up itself: no total is sent to subtract from).
pub async fn export_dhis2(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let r = match load(&state, &caller, &id).await {
        Ok(r) => r,
        Err(f) => return f.response(t, false),
    };
    let entry = caller.audit_entry(
        state.now_ms(),
        "periodic_report.export",
        ("periodic_report", &r.id),
        &r.territory,
        json!({"format": "dhis2"}),
    );
    if let Err(e) = state.audit_alone(entry).await {
        return internal(false, t, &e.detail());
    }
    let values: Vec<awladna_export::DataValue> = contents_of(&r)
        .dhis2
        .iter()
        .filter_map(|v| {
            let org_unit = state.reference.territory(&v.territory)?.hcp_code.clone();
            Some(awladna_export::DataValue {
                indicator: v.indicator.clone(),
                org_unit,
                month: v.month.clone(),
                sex: Some(v.sex.clone()),
                age_band: Some(v.age_band.clone()),
                value: u64::try_from(v.n)
                    .ok()
                    .filter(|n| !awladna_domain::suppress::is_small(*n)),
            })
        })
        .collect();
    let day = crate::times::local_time(r.approved_at.unwrap_or(r.computed_at));
    let completed = day.get(..10).unwrap_or("");
    let written = awladna_export::Dhis2Mapping::embedded().and_then(|mapping| {
        let set = awladna_export::dhis2_data_value_set(&mapping, &values, completed)?;
        awladna_export::dhis2_json(&set)
    });
    match written {
        Ok(bytes) => attachment(
            "application/json",
            format!("report-{}-{}-{}-dhis2.json", r.kind, r.territory, r.from),
            bytes,
        ),
        Err(e) => internal(false, t, &e.to_string()),
    }
}
