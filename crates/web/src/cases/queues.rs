//! The queues of a province: the reports waiting for triage and the coordinators'
//! alerts (high risk, break-glass), each line a link to its record.

use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::state::AppState;
use crate::times::local_time;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::act;

#[derive(Template, WebTemplate)]
#[template(path = "queue.html")]
pub struct QueuePage {
    shell: Shell,
    title: String,
    empty: String,
    items: Vec<(String, String, String)>,
}

fn queue(
    shell: Shell,
    title_id: &str,
    empty_id: &str,
    items: Vec<(String, String, String)>,
) -> QueuePage {
    let t = shell.t;
    QueuePage {
        shell,
        title: t.get(title_id),
        empty: t.get(empty_id),
        items,
    }
}

/// One line of the waiting list.
pub struct WaitingLine {
    href: String,
    urgency_code: String,
    urgency: String,
    source: String,
    child: String,
    at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "waiting.html")]
pub struct WaitingPage {
    shell: Shell,
    lines: Vec<WaitingLine>,
    /// The report waiting the longest, and for how many whole days.
    oldest: Option<(String, String, i64)>,
}

/// The province's complete reports that no one has triaged yet, the most urgent first,
/// with the oldest one named above the list.
pub async fn waiting(
    axum::extract::State(state): axum::extract::State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::Triage>,
) -> Result<WaitingPage, AppError> {
    let t = shell.t;
    let (reports, oldest) = awladna_core::cases::triage::waiting(&state, &permit).await?;
    let child = |w: &awladna_core::cases::triage::Waiting| {
        let name = w
            .first_name
            .clone()
            .unwrap_or_else(|| t.get("child-unnamed"));
        match w.age_years {
            Some(age) => format!("{name} · {}", t.with("waiting-age", &[("years", age)])),
            None => name,
        }
    };
    let lines = reports
        .iter()
        .map(|w| WaitingLine {
            href: format!("/reports/{}", w.id),
            urgency_code: w.urgency.clone().unwrap_or_default(),
            urgency: w
                .urgency
                .as_deref()
                .map(|u| state.label(t, "urgency", u))
                .unwrap_or_default(),
            source: w
                .source
                .as_deref()
                .map(|s| state.label(t, "sources", s))
                .unwrap_or_default(),
            child: child(w),
            at: local_time(w.recorded_at),
        })
        .collect();
    let day_ms = 24 * 3600 * 1000;
    let oldest = oldest.map(|w| {
        let days = (state.now_ms() - w.recorded_at) / day_ms;
        (
            format!("/reports/{}", w.id),
            local_time(w.recorded_at),
            days,
        )
    });
    Ok(WaitingPage {
        shell,
        lines,
        oldest,
    })
}

/// The open alerts of the coordinator's province, newest first.
pub async fn alerts(
    axum::extract::State(state): axum::extract::State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ViewAlerts>,
) -> Result<QueuePage, AppError> {
    // A national coordinator has no province's alerts to see.
    if permit.actor().territory.is_none() {
        return Err(AppError::NotFound);
    }
    let t = shell.t;
    let alerts = awladna_core::grants::alerts(&state, &permit).await?;
    let items = alerts
        .into_iter()
        .map(|a| {
            let link = match (a.record_kind.as_deref(), a.record_id.as_deref()) {
                (Some("case"), Some(id)) => format!("/cases/{id}"),
                (Some("report"), Some(id)) => format!("/reports/{id}"),
                _ => "/".to_owned(),
            };
            let kind = t.get(&format!("alert-{}", a.kind));
            (link, kind, local_time(a.created_at))
        })
        .collect();
    Ok(queue(shell, "alerts-title", "alerts-none", items))
}
