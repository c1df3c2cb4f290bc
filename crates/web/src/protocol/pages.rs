//! The protocol's pages (`/protocol`, `/protocol/{version}`): by stage, each service of
//! the basket with its responsible sector, partners, concerns and minimum standard; the
//! delays, those it borrows read from the files that hold them; the standards. Every
//! signed-in professional reads it (the toolkit library's rule); a phone reads it as
//! one column.

use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::act;
use awladna_core::protocol::protocols;
use awladna_domain::pathway::Stage;
use awladna_domain::protocol::{BasketService, Protocol};
use axum::extract::{Path, State};

pub struct ServiceView {
    pub label: String,
    pub sector: String,
    pub partners: String,
    pub concerns: String,
    pub standard: String,
}

pub struct StageView {
    pub code: String,
    pub label: String,
    pub objective: String,
    pub services: Vec<ServiceView>,
    pub standards: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "protocol.html")]
pub struct ProtocolPage {
    shell: Shell,
    version: u32,
    /// Every version, newest first, with whether it is the one shown.
    versions: Vec<(u32, bool)>,
    current: bool,
    provisional: bool,
    title: String,
    notice: String,
    issued: String,
    stages: Vec<StageView>,
    delays: Vec<(String, String)>,
    standards: Vec<String>,
}

/// The labels of `codes` in `vocabulary`, joined as the language joins a list.
pub fn labels(state: &AppState, t: Tr, vocabulary: &str, codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| state.label(t, vocabulary, c))
        .collect::<Vec<_>>()
        .join(t.list_separator())
}

fn service_view(state: &AppState, t: Tr, s: &BasketService) -> ServiceView {
    ServiceView {
        label: state.label(t, "services", &s.service),
        sector: state.label(t, "sectors", &s.sector),
        partners: labels(state, t, "sectors", &s.partners),
        concerns: match &s.concerns {
            None => t.get("protocol-every-concern"),
            Some(list) => labels(state, t, "concerns", list),
        },
        standard: s.standard.get(t.lang).to_owned(),
    }
}

fn hours(t: Tr, h: i64) -> String {
    t.with("protocol-hours", &[("hours", h)])
}

/// The delays as lines (what, how long): the borrowed ones read where they are kept.
fn delays(state: &AppState, t: Tr, p: &Protocol) -> Vec<(String, String)> {
    let r = referral_deadlines_text(state, t);
    let evaluation = p
        .evaluation_scoring(&state.reference)
        .map(|s| {
            [
                ("immediate", s.deadlines.immediate_hours),
                ("high", s.deadlines.high_hours),
            ]
            .into_iter()
            .filter_map(|(level, h)| {
                h.map(|h| {
                    format!(
                        "{}: {}",
                        state.label(t, "urgency", level),
                        hours(t, h.into())
                    )
                })
            })
            .collect::<Vec<_>>()
            .join(t.list_separator())
        })
        .unwrap_or_default();
    vec![
        (t.get("protocol-delay-linking_card_response"), r),
        (t.get("protocol-delay-evaluation_actions"), evaluation),
        (
            t.get("protocol-delay-first_evaluation_after_report"),
            hours(t, p.delays.first_evaluation_after_report_hours),
        ),
        (
            t.get("protocol-delay-plan_after_high_risk_evaluation"),
            hours(t, p.delays.plan_after_high_risk_evaluation_hours),
        ),
    ]
}

/// The answer to a linking card by urgency, as one line.
fn referral_deadlines_text(state: &AppState, t: Tr) -> String {
    let d = state.reference.referral_deadlines();
    ["immediate", "high", "medium", "low"]
        .into_iter()
        .filter_map(|u| {
            d.for_urgency_ms(u).map(|ms| {
                format!(
                    "{}: {}",
                    state.label(t, "urgency", u),
                    hours(t, ms / 3_600_000)
                )
            })
        })
        .collect::<Vec<_>>()
        .join(t.list_separator())
}

fn page(state: &AppState, shell: Shell, wanted: Option<u32>) -> Result<ProtocolPage, AppError> {
    let t = shell.t;
    let all = protocols(state)?;
    let newest = all.current().version;
    let p = match wanted {
        None => all.current(),
        Some(v) => all.version(v).ok_or(AppError::NotFound)?,
    };
    // In pathway order, whatever the file's.
    let mut stages: Vec<_> = p.stages.iter().collect();
    stages.sort_by_key(|b| b.stage.parse::<Stage>().ok());
    let mut views: Vec<StageView> = stages
        .into_iter()
        .map(|b| StageView {
            code: b.stage.clone(),
            label: state.label(t, "stages", &b.stage),
            objective: b.objective.get(t.lang).to_owned(),
            services: b
                .services
                .iter()
                .map(|s| service_view(state, t, s))
                .collect(),
            standards: p
                .standards_of(Some(&b.stage))
                .map(|s| s.text.get(t.lang).to_owned())
                .collect(),
        })
        .collect();
    // Standards of a stage without a basket (detection) are shown in a section of
    // their own, before the others.
    for standard in &p.standards {
        let Some(stage) = &standard.stage else {
            continue;
        };
        if p.stage(stage).is_none() {
            views.insert(
                0,
                StageView {
                    code: stage.clone(),
                    label: state.label(t, "stages", stage),
                    objective: String::new(),
                    services: Vec::new(),
                    standards: vec![standard.text.get(t.lang).to_owned()],
                },
            );
        }
    }
    Ok(ProtocolPage {
        version: p.version,
        versions: all
            .all()
            .iter()
            .rev()
            .map(|v| (v.version, v.version == p.version))
            .collect(),
        current: p.version == newest,
        provisional: p.provisional,
        title: p.title.get(t.lang).to_owned(),
        notice: p.notice.get(t.lang).to_owned(),
        issued: p.issued.clone(),
        delays: delays(state, t, p),
        standards: p
            .standards_of(None)
            .map(|s| s.text.get(t.lang).to_owned())
            .collect(),
        stages: views,
        shell,
    })
}

/// The version in force.
pub async fn current(
    State(state): State<AppState>,
    shell: Shell,
    Guard(_permit): Guard<act::ReadLibrary>,
) -> Result<ProtocolPage, AppError> {
    page(&state, shell, None)
}

/// One version, by its number; anything else is not found.
pub async fn version(
    State(state): State<AppState>,
    shell: Shell,
    Guard(_permit): Guard<act::ReadLibrary>,
    Path(version): Path<String>,
) -> Result<ProtocolPage, AppError> {
    let v = version.parse::<u32>().map_err(|_| AppError::NotFound)?;
    page(&state, shell, Some(v))
}
