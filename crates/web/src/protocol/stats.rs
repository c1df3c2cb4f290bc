//! Services against the protocol (`/stats/protocol`, issue 19 §1): for the reader's
//! province (any place for national roles) and period, the share of cases that received
//! each service of a stage's basket, and the protocol's delays kept or missed, each with
//! its definition. Suppressed as the dashboard is when the figures leave the province.

use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::state::AppState;
use crate::stats::StatsQuery;
use crate::stats::pages::{PlaceView, places, shown_text};
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::act;
use awladna_core::protocol_stats::statistics;
use awladna_domain::stats::Shown;
use axum::extract::{Query, State};

pub struct CoverageRow {
    pub service: String,
    pub sector: String,
    pub due: String,
    pub received: String,
    pub share: String,
}

pub struct CoverageStage {
    pub label: String,
    pub rows: Vec<CoverageRow>,
}

pub struct DelayRow {
    pub label: String,
    pub limit: String,
    pub definition: String,
    pub counts: Vec<String>,
    pub total: String,
    pub share: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "protocol_stats.html")]
pub struct ProtocolStatsPage {
    shell: Shell,
    places: Vec<PlaceView>,
    national: bool,
    from: String,
    to: String,
    protected: bool,
    version: u32,
    provisional: bool,
    coverage: Vec<CoverageStage>,
    delays: Vec<DelayRow>,
}

fn share_text(share: Option<Shown>) -> String {
    match share {
        None => "–".to_owned(),
        Some(Shown::Value(v)) => format!("{v:.1} %"),
        Some(hidden) => shown_text(hidden),
    }
}

pub async fn page(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ViewStatistics>,
    shell: Shell,
    Query(q): Query<StatsQuery>,
) -> Result<ProtocolStatsPage, AppError> {
    let s = statistics(&state, &permit, &q.into()).await?;
    let t = shell.t;
    let own = permit.actor().territory.as_deref();
    let mut coverage: Vec<CoverageStage> = Vec::new();
    for c in &s.coverage {
        let label = state.label(t, "stages", &c.stage);
        if coverage.last().is_none_or(|last| last.label != label) {
            coverage.push(CoverageStage {
                label,
                rows: Vec::new(),
            });
        }
        if let Some(stage) = coverage.last_mut() {
            stage.rows.push(CoverageRow {
                service: state.label(t, "services", &c.service),
                sector: state.label(t, "sectors", &c.sector),
                due: shown_text(c.due),
                received: shown_text(c.received),
                share: share_text(c.share),
            });
        }
    }
    let delays = s
        .delays
        .iter()
        .map(|d| DelayRow {
            label: t.get(&format!("protocol-delay-{}", d.code)),
            limit: match d.limit_hours {
                Some(h) => t.with("protocol-hours", &[("hours", h)]),
                None => t.get("protocol-by-urgency"),
            },
            definition: t.get(&format!("protocol-stats-def-{}", d.code)),
            counts: d.counts.iter().map(|c| shown_text(*c)).collect(),
            total: shown_text(d.total),
            share: share_text(d.share_in_time),
        })
        .collect();
    Ok(ProtocolStatsPage {
        places: places(&state, t, &s.asked.scope.code, own),
        national: own.is_none(),
        from: s.asked.period.from.clone(),
        to: s.asked.period.to.clone(),
        protected: s.asked.protect,
        version: s.version,
        provisional: s.provisional,
        coverage,
        delays,
        shell,
    })
}
