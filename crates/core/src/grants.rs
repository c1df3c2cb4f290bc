//! Break-glass: a user who reads identities may open a record of another province (a
//! child who moved, an emergency at night) only with a written justification. The
//! grant lasts a few hours, is audited, and raises an alert for the coordinators of
//! the record's province.

use crate::permit::{Act, act};
use crate::{Core, CoreError, Permit};
use awladna_domain::access::Decision;
use awladna_domain::forms::Problem;
use awladna_store::grants::{Alert, NewGrant};
use awladna_store::keys::sealed_aad;
use serde_json::json;
use thiserror::Error;

/// How long a break-glass grant lasts (ours: long enough for an emergency, no more).
pub const GRANT_MS: i64 = 4 * 60 * 60 * 1000;
const MIN_JUSTIFICATION: usize = 20;
const MAX_JUSTIFICATION: usize = 2000;

impl Core {
    /// Turns a "not in your province" into an allowance when the user holds a grant on
    /// the record and their role allows `A` at home (the policy hides another
    /// province's record from every role).
    pub async fn with_grant<A: Act>(
        &self,
        permit: &Permit<A>,
        record_id: &str,
        decision: Decision,
    ) -> Result<Decision, CoreError> {
        let actor = permit.actor();
        if decision != Decision::Hidden || actor.token_scope.is_some() {
            return Ok(decision);
        }
        let granted = self
            .store
            .has_grant(&actor.user_id, record_id, self.now_ms())
            .await?;
        Ok(if granted { Decision::Allow } else { decision })
    }
}

/// What may be opened by break-glass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Case,
    Report,
}

impl RecordKind {
    pub fn code(self) -> &'static str {
        match self {
            RecordKind::Case => "case",
            RecordKind::Report => "report",
        }
    }

    pub fn parse(code: &str) -> Option<RecordKind> {
        match code {
            "case" => Some(RecordKind::Case),
            "report" => Some(RecordKind::Report),
            _ => None,
        }
    }
}

#[derive(Debug, Error)]
pub enum BreakGlassError {
    #[error(transparent)]
    Core(#[from] CoreError),
    /// The record is in the caller's own scope: no grant is needed, none is made.
    #[error("the record is within the caller's scope")]
    InScope,
}

crate::wraps_core_error!(BreakGlassError);

pub struct Granted {
    pub grant_id: String,
    pub expires_at_ms: i64,
}

/// Opens another province's record for a few hours, with a justification.
pub async fn break_glass(
    core: &Core,
    permit: &Permit<act::BreakGlass>,
    record_kind: &str,
    record_id: &str,
    justification: &str,
) -> Result<Granted, BreakGlassError> {
    let justification = justification.trim();
    let length = justification.chars().count();
    if length < MIN_JUSTIFICATION {
        return Err(CoreError::field("justification", Problem::Required).into());
    }
    if length > MAX_JUSTIFICATION {
        let too_long = Problem::TooLong {
            max: MAX_JUSTIFICATION,
        };
        return Err(CoreError::field("justification", too_long).into());
    }
    let Some(kind) = RecordKind::parse(record_kind) else {
        return Err(CoreError::field("record_kind", Problem::UnknownCode).into());
    };
    let territory = match kind {
        RecordKind::Case => core.store.case(record_id).await?.map(|c| c.territory),
        RecordKind::Report => core
            .store
            .card(record_id)
            .await?
            .filter(|c| c.form_code == crate::reports::FORM)
            .map(|c| c.territory),
    };
    let territory = territory.ok_or(CoreError::NotFound)?;
    if permit.decide_on(&territory) == Decision::Allow {
        return Err(BreakGlassError::InScope);
    }
    let id = uuid::Uuid::now_v7().to_string();
    let aad = sealed_aad("access_grants", "justification", &id);
    let sealed = core.keyring.seal(justification.as_bytes(), &aad)?;
    let now = core.now_ms();
    let who = permit.who();
    let grant = NewGrant {
        id: &id,
        user_id: &who.actor.user_id,
        record_kind: kind.code(),
        record_id,
        territory: &territory,
        justification: &sealed,
        at_ms: now,
        expires_at: now + GRANT_MS,
    };
    let record = (kind.code(), record_id);
    let mut tx = core.store.begin().await?;
    tx.grant_access(&grant).await?;
    tx.raise_alert(&territory, "break_glass", record, &who.actor.user_id, now)
        .await?;
    tx.audit(who.audit(
        now,
        "break_glass",
        record,
        &territory,
        json!({"grant": id, "expires_at": grant.expires_at}),
    ))
    .await?;
    tx.commit().await?;
    let expires_at_ms = grant.expires_at;
    Ok(Granted {
        grant_id: id,
        expires_at_ms,
    })
}

/// The open alerts of the coordinator's province (none for a national body).
pub async fn alerts(
    core: &Core,
    permit: &Permit<act::ViewAlerts>,
) -> Result<Vec<Alert>, CoreError> {
    match permit.actor().territory.as_deref() {
        Some(territory) => Ok(core.store.open_alerts(territory, 100).await?),
        None => Ok(Vec::new()),
    }
}

/// An open alert of the coordinator's province, with the number of the case it is
/// about (a report has none yet).
pub struct AlertLine {
    pub alert: Alert,
    pub case_number: Option<String>,
}

/// The open alerts of the coordinator's province, newest first, each with its case's
/// number.
pub async fn alert_lines(
    core: &Core,
    permit: &Permit<act::ViewAlerts>,
) -> Result<Vec<AlertLine>, CoreError> {
    let mut lines = Vec::new();
    for alert in alerts(core, permit).await? {
        let case_number = match (alert.record_kind.as_deref(), alert.record_id.as_deref()) {
            (Some("case"), Some(id)) => core.store.case(id).await?.map(|c| c.number),
            _ => None,
        };
        lines.push(AlertLine { alert, case_number });
    }
    Ok(lines)
}

/// Marks an open alert of the coordinator's province reviewed (audited). Another
/// province's alert, or one reviewed already, is not found.
pub async fn review_alert(
    core: &Core,
    permit: &Permit<act::ViewAlerts>,
    alert_id: &str,
) -> Result<(), CoreError> {
    let who = permit.who();
    let territory = permit
        .actor()
        .territory
        .as_deref()
        .ok_or(CoreError::NotFound)?;
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    if !tx
        .acknowledge_alert(alert_id, territory, &who.audit_name, now)
        .await?
    {
        return Err(CoreError::NotFound);
    }
    tx.audit(who.audit(
        now,
        "alert.reviewed",
        ("alert", alert_id),
        territory,
        serde_json::json!({}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}
