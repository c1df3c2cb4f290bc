//! The Observatory's operator sees whether the provinces received and triaged the
//! reports it sent, and which are late (`/observatory`); administrators see the status
//! messages waiting for, sent to and failed at the Observatory, and send a failed one
//! again (`/admin/observatory`). No identity, no narrative on either page.

use super::province_name;
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::state::AppState;
use crate::times::local_time;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::act;
use awladna_core::observatory::{outbox, reception, send_again};
use awladna_store::observatory::OutboxMessage;
use axum::extract::{Path, Query, State};
use axum::response::Redirect;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One report as the operator sees it.
pub struct ReceptionLine {
    record_id: String,
    tracking: String,
    province: String,
    source: String,
    received: String,
    triaged: Option<String>,
    late: bool,
}

/// A province's reception of the reports sent: received, triaged, late.
pub struct ProvinceLine {
    province: String,
    received: usize,
    triaged: usize,
    late: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "observatory_reception.html")]
pub struct ReceptionPage {
    shell: Shell,
    search: String,
    provinces: Vec<ProvinceLine>,
    lines: Vec<ReceptionLine>,
}

#[derive(Deserialize)]
pub struct Search {
    #[serde(default)]
    q: String,
}

pub async fn reception_page(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ViewObservatoryReception>,
    Query(search): Query<Search>,
) -> Result<ReceptionPage, AppError> {
    let t = shell.t;
    let found = reception(&state, &permit, Some(&search.q)).await?;
    let mut provinces: BTreeMap<String, ProvinceLine> = BTreeMap::new();
    for r in &found {
        let name = province_name(&state, t, &r.report.territory_code);
        let line = provinces.entry(name.clone()).or_insert(ProvinceLine {
            province: name,
            received: 0,
            triaged: 0,
            late: 0,
        });
        line.received += 1;
        line.triaged += usize::from(r.report.triaged_at.is_some());
        line.late += usize::from(r.late);
    }
    let lines = found
        .iter()
        .map(|r| ReceptionLine {
            record_id: r.report.record_id.clone(),
            tracking: r.report.tracking.clone(),
            province: province_name(&state, t, &r.report.territory_code),
            source: state.label(t, "sources", &r.report.channel),
            received: local_time(r.report.received_at),
            triaged: r.report.triaged_at.map(local_time),
            late: r.late,
        })
        .collect();
    Ok(ReceptionPage {
        shell,
        search: search.q,
        provinces: provinces.into_values().collect(),
        lines,
    })
}

/// One status message as the administrators see it.
pub struct MessageLine {
    id: String,
    tracking: String,
    province: String,
    status: String,
    attempts: i64,
    at: String,
    error: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "observatory_outbox.html")]
pub struct OutboxPage {
    shell: Shell,
    configured: bool,
    counts: Vec<(String, i64)>,
    waiting: Vec<MessageLine>,
    failed: Vec<MessageLine>,
    sent: Vec<MessageLine>,
    again: bool,
}

#[derive(Deserialize)]
pub struct Again {
    #[serde(default)]
    again: bool,
}

pub async fn outbox_page(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::KeepObservatoryOutbox>,
    Query(again): Query<Again>,
) -> Result<OutboxPage, AppError> {
    let t = shell.t;
    let view = outbox(&state, &permit).await?;
    let lines = |messages: &[OutboxMessage], at: fn(&OutboxMessage) -> i64| {
        messages
            .iter()
            .map(|m| MessageLine {
                id: m.id.clone(),
                tracking: m.tracking.clone(),
                province: province_name(&state, t, &m.territory_code),
                status: t.get_or(
                    &format!("observatory-status-{}", m.status.replace('_', "-")),
                    &m.status,
                ),
                attempts: m.attempts,
                at: local_time(at(m)),
                error: m.last_error.clone().unwrap_or_default(),
            })
            .collect::<Vec<_>>()
    };
    Ok(OutboxPage {
        configured: state.settings.observatory_push,
        counts: view
            .counts
            .iter()
            .map(|(state_code, n)| {
                (
                    t.get_or(&format!("observatory-state-{state_code}"), state_code),
                    *n,
                )
            })
            .collect(),
        waiting: lines(&view.waiting, |m| m.next_attempt_at),
        failed: lines(&view.failed, |m| m.changed_at),
        sent: lines(&view.sent, |m| m.sent_at.unwrap_or(m.changed_at)),
        again: again.again,
        shell,
    })
}

pub async fn send_again_page(
    State(state): State<AppState>,
    Guard(permit): Guard<act::KeepObservatoryOutbox>,
    Path(id): Path<String>,
) -> Result<Redirect, AppError> {
    send_again(&state, &permit, &id).await?;
    Ok(Redirect::to("/admin/observatory?again=true"))
}
