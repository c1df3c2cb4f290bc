//! The audit log's page: who did what, when and from where, filtered by username,
//! record and days, a page at a time.

use super::status_for;
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::act;
use awladna_core::audit_log::{Search, Shown, browse};
use awladna_domain::forms::local_zone;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

pub struct AuditRow {
    at: String,
    actor: String,
    /// What was done, in words (the code when it has none yet).
    action: String,
    /// The record in words (a case by its number), and where it opens.
    record: String,
    link: Option<String>,
    origin: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
pub struct AuditPage {
    shell: Shell,
    rows: Vec<AuditRow>,
    username: String,
    record: String,
    from: String,
    to: String,
    older: Option<String>,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    username: String,
    #[serde(default)]
    record: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: i64,
}

/// A day typed in the filter, as milliseconds at its start in Morocco.
fn day_start(text: &str, days_after: i64) -> Result<Option<i64>, ()> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let date: jiff::civil::Date = text.trim().parse().map_err(|_| ())?;
    let date = date
        .checked_add(jiff::Span::new().days(days_after))
        .map_err(|_| ())?;
    let zoned = date.to_zoned(local_zone()).map_err(|_| ())?;
    Ok(Some(zoned.timestamp().as_millisecond()))
}

fn row(t: Tr, shown: Shown) -> AuditRow {
    let e = shown.entry;
    let at = jiff::Timestamp::from_millisecond(e.at_ms)
        .map(|ts| {
            ts.to_zoned(local_zone())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default();
    let kind = e.record_kind.unwrap_or_default();
    let id = e.record_id.unwrap_or_default();
    let link = match kind.as_str() {
        "case" => Some(format!("/cases/{id}")),
        "referral" => Some(format!("/referrals/{id}")),
        "periodic_report" => Some(format!("/periodic-reports/{id}")),
        _ => None,
    };
    // A case is known by its number; another record by its kind and the start of its id.
    let record = match shown.case_number {
        Some(number) => number,
        None if kind.is_empty() => String::new(),
        None => {
            let short: String = id.chars().take(8).collect();
            format!("{} {short}", t.get_or(&format!("audit-kind-{kind}"), &kind))
        }
    };
    AuditRow {
        at,
        actor: shown.actor_name.unwrap_or_else(|| "—".to_owned()),
        action: t.get_or(
            &format!("audit-action-{}", e.action.replace('.', "-")),
            &e.action,
        ),
        record,
        link,
        origin: e.origin.unwrap_or_default(),
    }
}

pub async fn audit(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ViewAudit>,
    shell: Shell,
    Query(query): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let (Ok(from_ms), Ok(to_ms)) = (day_start(&query.from, 0), day_start(&query.to, 1)) else {
        let message = Some(shell.t.get("form-error-not-a-date"));
        return Ok(audit_page(shell, &query, Vec::new(), false, message));
    };
    let search = Search {
        username: query.username.clone(),
        record_id: query.record.clone(),
        from_ms,
        to_ms,
        page: query.page,
    };
    let (shown, more) = browse(&state, &permit, &search).await?;
    let t = shell.t;
    let rows = shown.into_iter().map(|s| row(t, s)).collect();
    Ok(audit_page(shell, &query, rows, more, None))
}

fn audit_page(
    shell: Shell,
    query: &AuditQuery,
    rows: Vec<AuditRow>,
    more: bool,
    message: Option<String>,
) -> Response {
    let older = more.then(|| {
        serde_urlencoded::to_string([
            ("username", query.username.as_str()),
            ("record", query.record.as_str()),
            ("from", query.from.as_str()),
            ("to", query.to.as_str()),
            ("page", &(query.page + 1).to_string()),
        ])
        .unwrap_or_default()
    });
    let status = status_for(&message);
    let page = AuditPage {
        shell,
        rows,
        username: query.username.clone(),
        record: query.record.clone(),
        from: query.from.clone(),
        to: query.to.clone(),
        older,
        message,
    };
    (status, page).into_response()
}
