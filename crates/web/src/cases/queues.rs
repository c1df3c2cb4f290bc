//! The queues of a province: the reports waiting for triage and the coordinators'
//! alerts (high risk, break-glass), each line a link to its record.

use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::state::AppState;
use crate::times::local_time;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::act;

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

/// One open alert as the coordinator reads it.
pub struct AlertView {
    id: String,
    href: String,
    kind: String,
    /// The case's number, or the record's kind when it is no case yet.
    record: String,
    at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "alerts.html")]
pub struct AlertsPage {
    shell: Shell,
    alerts: Vec<AlertView>,
    /// The draft reports left unfinished, and since when (their own list's link).
    abandoned: Option<AbandonedLine>,
    /// An alert was just marked reviewed.
    reviewed: bool,
}

pub struct AbandonedLine {
    count: String,
    since: String,
}

#[derive(serde::Deserialize)]
pub struct AlertsQuery {
    reviewed: Option<String>,
}

/// The open alerts of the coordinator's province, newest first, each with its case's
/// number and a button to mark it reviewed.
pub async fn alerts(
    axum::extract::State(state): axum::extract::State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ViewAlerts>,
    axum::extract::Query(query): axum::extract::Query<AlertsQuery>,
) -> Result<AlertsPage, AppError> {
    // A national coordinator has no province's alerts to see.
    if permit.actor().territory.is_none() {
        return Err(AppError::NotFound);
    }
    let t = shell.t;
    let lines = awladna_core::grants::alert_lines(&state, &permit).await?;
    let alerts = lines
        .into_iter()
        .map(|line| {
            let a = line.alert;
            let href = match (a.record_kind.as_deref(), a.record_id.as_deref()) {
                (Some("case"), Some(id)) => format!("/cases/{id}"),
                (Some("report"), Some(id)) => format!("/reports/{id}"),
                _ => "/".to_owned(),
            };
            AlertView {
                id: a.id,
                href,
                kind: t.get(&format!("alert-{}", a.kind)),
                record: line
                    .case_number
                    .unwrap_or_else(|| t.get("alert-record-report")),
                at: local_time(a.created_at),
            }
        })
        .collect();
    // Draft reports nobody finished are the coordinator's to chase too (issue 16).
    let drafts = awladna_core::reports::abandoned(&state, &permit).await?;
    let abandoned = drafts.first().map(|oldest| AbandonedLine {
        count: t.with(
            "drafts-abandoned-alert",
            &[("count", i64::try_from(drafts.len()).unwrap_or(i64::MAX))],
        ),
        since: local_time(oldest.updated_at),
    });
    Ok(AlertsPage {
        shell,
        alerts,
        abandoned,
        reviewed: query.reviewed.is_some(),
    })
}

/// Marks an alert reviewed and goes back to the list, which says so.
pub async fn review(
    axum::extract::State(state): axum::extract::State<AppState>,
    Guard(permit): Guard<act::ViewAlerts>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<axum::response::Redirect, AppError> {
    awladna_core::grants::review_alert(&state, &permit, &id).await?;
    Ok(axum::response::Redirect::to("/alerts?reviewed=1"))
}
