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

/// The province's complete reports that no one has triaged yet, oldest first.
pub async fn waiting(
    axum::extract::State(state): axum::extract::State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::Triage>,
) -> Result<QueuePage, AppError> {
    let reports = awladna_core::cases::triage::waiting(&state, &permit).await?;
    let title = state
        .reference
        .form(awladna_core::reports::FORM)
        .map(|f| f.labels.get(shell.t.lang).to_owned())
        .unwrap_or_default();
    let items = reports
        .into_iter()
        .map(|(id, at)| (format!("/reports/{id}"), title.clone(), local_time(at)))
        .collect();
    Ok(queue(shell, "waiting-title", "waiting-none", items))
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
        .collect::<Vec<_>>();
    // Draft reports nobody finished are the coordinator's to chase too (issue 16).
    let abandoned = awladna_core::reports::abandoned(&state, &permit).await?;
    let mut items = items;
    if let Some(oldest) = abandoned.first() {
        let count = i64::try_from(abandoned.len()).unwrap_or(i64::MAX);
        items.insert(
            0,
            (
                "/reports/abandoned".to_owned(),
                t.with("drafts-abandoned-alert", &[("count", count)]),
                local_time(oldest.updated_at),
            ),
        );
    }
    Ok(queue(shell, "alerts-title", "alerts-none", items))
}
