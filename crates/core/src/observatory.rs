//! The National Observatory's intake and the statuses it is owed (issue 17 §1).
//!
//! A record in the Observatory's shape is mapped by `domain::observatory` (refused,
//! naming field and value, when a value does not map), then recorded by the reporting
//! card's own use case (`reports::record_from`): one path for every report. Its
//! tracking number and the Observatory's record id are stored beside the card in the
//! card's transaction; a retry of the same record id answers the same tracking number.
//!
//! Status changes are queued by the store in the transaction of the change (see
//! `awladna_store::observatory`); this module reads them for the pull API, delivers
//! them through a `Transport` with retries, and shows them to administrators.

use crate::permit::act;
use crate::reports::{RecordError, record_from};
use crate::{Core, CoreError, Permit};
use awladna_domain::forms::Completeness;
use awladna_domain::observatory::{MAX_RECORD_ID, Mapped, Refusal, retry_delay_ms};
use awladna_store::StoreError;
use awladna_store::audit::{AuditEntry, Tx};
use awladna_store::observatory::{NewObservatoryReport, ObservatoryReport, OutboxMessage};
use serde_json::{Value, json};
use std::future::Future;
use thiserror::Error;

/// What the Observatory's adapter stores beside the card.
pub struct Origin<'a> {
    pub organisation: &'a str,
    pub mapped: &'a Mapped,
}

/// Called by `reports::record_from` inside the card's transaction.
pub(crate) async fn store_origin(
    tx: &mut Tx<'_>,
    origin: &Origin<'_>,
    card_id: &str,
    territory: &str,
    at_ms: i64,
) -> Result<(), StoreError> {
    let m = origin.mapped;
    tx.insert_observatory_report(&NewObservatoryReport {
        card_id,
        organisation: origin.organisation,
        record_id: &m.record_id,
        channel: &m.source,
        caller_source: &m.caller,
        territory,
        urgency: &m.urgency,
        mapping_version: m.mapping_version,
        received_at: at_ms,
    })
    .await
    .map(|_| ())
}

#[derive(Debug, Error)]
pub enum IntakeError {
    /// Fields of their record that do not map: each named, with the value when it is
    /// a category, a place or a type.
    #[error("the record does not map")]
    Refused(Vec<Refusal>),
    /// The reporting card's own checks (its fields are Awladna's; the web names theirs).
    #[error(transparent)]
    Card(#[from] RecordError),
}

impl From<CoreError> for IntakeError {
    fn from(e: CoreError) -> Self {
        IntakeError::Card(RecordError::Core(e))
    }
}

/// The acknowledgement: Awladna's tracking number for their record.
#[derive(Debug, Clone)]
pub struct Acknowledged {
    pub report: ObservatoryReport,
    /// The record id was received before: this is what it was given then.
    pub repeated: bool,
}

/// Receives one record of the Observatory.
pub async fn receive(
    core: &Core,
    permit: &Permit<act::ObservatoryIntake>,
    record: &Value,
) -> Result<Acknowledged, IntakeError> {
    let organisation = permit
        .who()
        .organisation()
        .ok_or_else(|| CoreError::internal("an Observatory token without an organisation"))?
        .to_owned();
    // A retry is answered before anything else, even if the mapping changed since.
    let record_id = record
        .get("record_id")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|id| !id.is_empty() && id.chars().count() <= MAX_RECORD_ID);
    if let Some(id) = record_id
        && let Some(report) = known(core, permit, &organisation, id).await?
    {
        return Ok(Acknowledged {
            report,
            repeated: true,
        });
    }
    let mapped = core
        .reference
        .observatory()
        .map(record)
        .map_err(IntakeError::Refused)?;
    let origin = Origin {
        organisation: &organisation,
        mapped: &mapped,
    };
    let key = format!("observatory:{}", mapped.record_id);
    let recorded = record_from(
        core,
        permit,
        &mapped.report,
        Completeness::Complete,
        Some(&key),
        Some(&origin),
    )
    .await;
    // The same record id at the same instant: the twin stored it, and its tracking
    // number is the answer.
    let repeated = match recorded {
        Ok(r) => r.repeated,
        Err(e) => {
            if known(core, permit, &organisation, &mapped.record_id)
                .await?
                .is_none()
            {
                return Err(e.into());
            }
            true
        }
    };
    let report = known(core, permit, &organisation, &mapped.record_id)
        .await?
        .ok_or_else(|| CoreError::internal("a recorded Observatory report without its row"))?;
    Ok(Acknowledged { report, repeated })
}

async fn known(
    core: &Core,
    permit: &Permit<act::ObservatoryIntake>,
    organisation: &str,
    record_id: &str,
) -> Result<Option<ObservatoryReport>, CoreError> {
    Ok(core
        .store
        .observatory_report(organisation, record_id)
        .await?
        .filter(|r| permit.actor().covers(&r.territory_code)))
}

/// The most statuses one pull answers.
pub const MAX_PULL: i64 = 500;

/// The statuses of the caller's organisation's reports after the cursor `since`.
pub async fn statuses(
    core: &Core,
    permit: &Permit<act::ObservatoryStatuses>,
    since: i64,
    limit: i64,
) -> Result<Vec<OutboxMessage>, CoreError> {
    let actor = permit.actor();
    Ok(core
        .store
        .observatory_statuses(
            &actor.organisation,
            actor.territory.as_deref(),
            since.max(0),
            limit.clamp(1, MAX_PULL),
        )
        .await?)
}

/// A status as the Observatory receives it, pushed or pulled: their record id, our
/// tracking number, the province, the status, the stage and the outcome at closure,
/// and dates. Never an identity, never a narrative.
pub fn message(m: &OutboxMessage) -> Value {
    json!({
        "message_id": m.id,
        "sequence": m.seq,
        "record_id": m.record_id,
        "tracking_number": m.tracking,
        "province": m.territory_code,
        "status": m.status,
        "stage": m.stage,
        "outcome": m.outcome,
        "changed_at": crate::times::rfc3339(m.changed_at),
        "received_at": crate::times::rfc3339(m.received_at),
    })
}

/// One report the Observatory sent, as its operator sees the province's reception.
#[derive(Debug, Clone)]
pub struct Reception {
    pub report: ObservatoryReport,
    /// Not triaged within its urgency's deadline (the linking cards' deadlines,
    /// `referrals/deadlines.toml`), whether still waiting or triaged after it.
    pub late: bool,
}

/// The most reports the operator's page lists.
pub const RECEPTION_LIMIT: i64 = 200;

/// The reports the operator's organisation sent (one, when `search` names its record
/// id or tracking number), newest first, within the operator's territory if any.
pub async fn reception(
    core: &Core,
    permit: &Permit<act::ViewObservatoryReception>,
    search: Option<&str>,
) -> Result<Vec<Reception>, CoreError> {
    let search = search.map(str::trim).filter(|s| !s.is_empty());
    Ok(sent_by(core, permit.actor(), search).await?)
}

/// For the home page of the Observatory's operator: how many of the reports its
/// organisation sent are not triaged yet, and how many of those are late.
pub async fn untriaged(
    core: &Core,
    actor: &awladna_domain::access::Actor,
) -> Result<(i64, i64), StoreError> {
    let sent = sent_by(core, actor, None).await?;
    let waiting: Vec<_> = sent
        .iter()
        .filter(|r| r.report.triaged_at.is_none())
        .collect();
    let late = waiting.iter().filter(|r| r.late).count();
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    Ok((count(waiting.len()), count(late)))
}

/// The reports `actor`'s organisation sent, each with whether it is late: not triaged
/// within its urgency's deadline.
async fn sent_by(
    core: &Core,
    actor: &awladna_domain::access::Actor,
    search: Option<&str>,
) -> Result<Vec<Reception>, StoreError> {
    let now = core.now_ms();
    let deadlines = core.reference.referral_deadlines();
    let reports = core
        .store
        .observatory_reception(
            &actor.organisation,
            actor.territory.as_deref(),
            search,
            RECEPTION_LIMIT,
        )
        .await?;
    Ok(reports
        .into_iter()
        .map(|report| {
            let allowed = deadlines.for_urgency_ms(&report.urgency).unwrap_or(0);
            Reception {
                late: report.triaged_at.unwrap_or(now) - report.received_at > allowed,
                report,
            }
        })
        .collect())
}

/// What the administrators' page shows.
pub struct Outbox {
    pub counts: Vec<(String, i64)>,
    pub waiting: Vec<OutboxMessage>,
    pub failed: Vec<OutboxMessage>,
    pub sent: Vec<OutboxMessage>,
}

/// The most messages of each state the page lists.
pub const OUTBOX_LIMIT: i64 = 50;

/// The status messages of the administrator's province (every one, nationally).
pub async fn outbox(
    core: &Core,
    permit: &Permit<act::KeepObservatoryOutbox>,
) -> Result<Outbox, CoreError> {
    let territory = permit.actor().territory.as_deref();
    let store = &core.store;
    Ok(Outbox {
        counts: store.observatory_outbox_counts(territory).await?,
        waiting: store
            .observatory_outbox(territory, "waiting", OUTBOX_LIMIT)
            .await?,
        failed: store
            .observatory_outbox(territory, "failed", OUTBOX_LIMIT)
            .await?,
        sent: store
            .observatory_outbox(territory, "sent", OUTBOX_LIMIT)
            .await?,
    })
}

/// Sends a failed message again (its attempts counted from nought). A message of
/// another province is not found; one that is not failed is `Stale`.
pub async fn send_again(
    core: &Core,
    permit: &Permit<act::KeepObservatoryOutbox>,
    id: &str,
) -> Result<(), CoreError> {
    let message = core
        .store
        .observatory_message(id)
        .await?
        .ok_or(CoreError::NotFound)?;
    permit.on(&message.territory_code)?;
    let at_ms = core.now_ms();
    let mut tx = core.store.begin().await?;
    if !tx.observatory_send_again(id, at_ms).await? {
        return Err(CoreError::Stale);
    }
    tx.audit(permit.who().audit(
        at_ms,
        "observatory.send_again",
        ("observatory_message", id),
        &message.territory_code,
        json!({"status": message.status}),
    ))
    .await?;
    Ok(tx.commit().await?)
}

/// Sends one message to the Observatory: `Ok` once it acknowledged it, else why not
/// (a short text for the administrators' page: a status code, a connection fault).
pub trait Transport: Send + Sync {
    fn post(
        &self,
        body: String,
        idempotency_key: &str,
    ) -> impl Future<Output = Result<(), String>> + Send;
}

/// What one delivery pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub sent: u64,
    pub failed: u64,
}

/// How long a server keeps a message it is sending before another may take it.
const CLAIM_MS: i64 = 120_000;
/// How many messages one pass takes.
const BATCH: i64 = 50;

/// Sends the messages that are due, each with its id as idempotency key; a failure is
/// tried again later, backing off (`domain::observatory::retry_delay_ms`).
pub async fn deliver_due<T: Transport>(core: &Core, transport: &T) -> Result<Delivered, CoreError> {
    let mut done = Delivered::default();
    let now = core.now_ms();
    for m in core.store.observatory_due(now, BATCH).await? {
        if !core
            .store
            .claim_observatory_message(&m.id, now, now + CLAIM_MS)
            .await?
        {
            continue;
        }
        let outcome = transport.post(message(&m).to_string(), &m.id).await;
        let at_ms = core.now_ms();
        let mut tx = core.store.begin().await?;
        let (action, detail) = match &outcome {
            Ok(()) => {
                tx.observatory_sent(&m.id, at_ms).await?;
                done.sent += 1;
                ("observatory.status_sent", json!({"status": m.status}))
            }
            Err(error) => {
                let error: String = error.chars().take(200).collect();
                let next = retry_delay_ms(m.attempts + 1).map(|d| at_ms + d);
                tx.observatory_not_sent(&m.id, &error, next).await?;
                done.failed += 1;
                (
                    "observatory.status_not_sent",
                    json!({"status": m.status, "attempt": m.attempts + 1, "gave_up": next.is_none()}),
                )
            }
        };
        tx.audit(AuditEntry {
            at_ms,
            actor: Some("system".to_owned()),
            action: action.to_owned(),
            record_kind: Some("observatory_message".to_owned()),
            record_id: Some(m.id.clone()),
            territory: Some(m.territory_code.clone()),
            origin: None,
            detail,
        })
        .await?;
        tx.commit().await?;
    }
    Ok(done)
}
