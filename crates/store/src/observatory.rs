//! The Observatory's records beside their cards, their tracking numbers, and the outbox
//! of statuses sent back (issue 17 §1). A `Tx` that touched a report or a case queues
//! the status change of every report of the Observatory it concerns before it commits,
//! so a stage change and its outgoing message commit (or roll back) together, whichever
//! use case made the change.

use crate::audit::Tx;
use crate::{Store, StoreError};
use awladna_domain::stats::{month_of, year_of};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A report of the Observatory as its card is stored.
pub struct NewObservatoryReport<'a> {
    pub card_id: &'a str,
    pub organisation: &'a str,
    pub record_id: &'a str,
    pub channel: &'a str,
    pub caller_source: &'a str,
    pub territory: &'a str,
    pub urgency: &'a str,
    pub mapping_version: u32,
    pub received_at: i64,
}

/// A report the Observatory sent, as the province received it: no identity.
#[derive(Debug, Clone)]
pub struct ObservatoryReport {
    pub card_id: String,
    pub organisation_code: String,
    pub record_id: String,
    pub tracking: String,
    pub channel: String,
    pub caller_source: String,
    pub territory_code: String,
    pub urgency: String,
    pub received_at: i64,
    pub triaged_at: Option<i64>,
}

/// One status message: what the Observatory is told, and where its delivery stands.
#[derive(Debug, Clone)]
pub struct OutboxMessage {
    pub id: String,
    pub seq: i64,
    pub card_id: String,
    pub organisation_code: String,
    pub territory_code: String,
    pub record_id: String,
    pub tracking: String,
    pub status: String,
    pub stage: Option<String>,
    pub outcome: Option<String>,
    pub changed_at: i64,
    pub received_at: i64,
    /// `waiting`, `sent` or `failed` (given up until someone sends it again).
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
}

const REPORT_COLUMNS: &str = "r.card_id, r.organisation_code, r.record_id, r.tracking, r.channel, r.caller_source, r.territory_code, r.urgency, r.received_at, r.triaged_at";
const MESSAGE_COLUMNS: &str = "o.id, o.seq, o.card_id, o.organisation_code, o.territory_code, r.record_id, r.tracking, o.status, o.stage, o.outcome, o.changed_at, r.received_at, o.state, o.attempts, o.next_attempt_at, o.last_error, o.sent_at";

fn report_of(row: &AnyRow) -> Result<ObservatoryReport, StoreError> {
    Ok(ObservatoryReport {
        card_id: row.try_get("card_id")?,
        organisation_code: row.try_get("organisation_code")?,
        record_id: row.try_get("record_id")?,
        tracking: row.try_get("tracking")?,
        channel: row.try_get("channel")?,
        caller_source: row.try_get("caller_source")?,
        territory_code: row.try_get("territory_code")?,
        urgency: row.try_get("urgency")?,
        received_at: row.try_get("received_at")?,
        triaged_at: row.try_get("triaged_at")?,
    })
}

fn message_of(row: &AnyRow) -> Result<OutboxMessage, StoreError> {
    Ok(OutboxMessage {
        id: row.try_get("id")?,
        seq: row.try_get("seq")?,
        card_id: row.try_get("card_id")?,
        organisation_code: row.try_get("organisation_code")?,
        territory_code: row.try_get("territory_code")?,
        record_id: row.try_get("record_id")?,
        tracking: row.try_get("tracking")?,
        status: row.try_get("status")?,
        stage: row.try_get("stage")?,
        outcome: row.try_get("outcome")?,
        changed_at: row.try_get("changed_at")?,
        received_at: row.try_get("received_at")?,
        state: row.try_get("state")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        sent_at: row.try_get("sent_at")?,
    })
}

/// The status of a report the Observatory is told, from its card and case: a key to
/// compare with the last one queued, and the message's words.
struct Now {
    key: String,
    status: &'static str,
    stage: Option<String>,
    outcome: Option<String>,
    changed_at: i64,
    triaged_at: Option<i64>,
}

/// The case a report opened, as its status needs it.
struct CaseState {
    stage: String,
    reason: Option<String>,
    opened_at: i64,
    closed_at: Option<i64>,
    /// The last stage move's time.
    moved_at: Option<i64>,
}

fn status_now(last: Option<&str>, received_at: i64, case: Option<CaseState>) -> Now {
    let Some(CaseState {
        stage,
        reason,
        opened_at,
        closed_at,
        moved_at,
    }) = case
    else {
        return Now {
            key: "received".into(),
            status: "received",
            stage: None,
            outcome: None,
            changed_at: received_at,
            triaged_at: None,
        };
    };
    if stage == "closed" {
        return Now {
            key: format!("closed:{}", reason.as_deref().unwrap_or("")),
            status: "closed",
            stage: Some(stage),
            outcome: reason,
            changed_at: closed_at.or(moved_at).unwrap_or(opened_at),
            triaged_at: Some(opened_at),
        };
    }
    let status = match last {
        None | Some("received") => "triaged",
        Some(l) if l.starts_with("closed:") => "reopened",
        _ => "stage_reached",
    };
    let changed_at = if status == "triaged" {
        opened_at
    } else {
        moved_at.unwrap_or(opened_at)
    };
    Now {
        key: format!("open:{stage}"),
        status,
        stage: Some(stage),
        outcome: None,
        changed_at,
        triaged_at: Some(opened_at),
    }
}

impl Tx<'_> {
    /// Stores the Observatory's side of a report recorded from its record, and answers
    /// its tracking number: `OBS-{province HCP code}-{year}-{sequence}`.
    pub async fn insert_observatory_report(
        &mut self,
        new: &NewObservatoryReport<'_>,
    ) -> Result<String, StoreError> {
        let year = year_of(&month_of(new.received_at));
        let hcp: String = sqlx::query_scalar("SELECT hcp_code FROM territories WHERE code = $1")
            .bind(new.territory)
            .fetch_optional(&mut *self.inner)
            .await?
            .ok_or(StoreError::UnknownReference)?;
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO observatory_tracking_sequences (territory_code, year, last_value) VALUES ($1, $2, 1)
             ON CONFLICT (territory_code, year) DO UPDATE SET last_value = observatory_tracking_sequences.last_value + 1
             RETURNING last_value",
        )
        .bind(new.territory)
        .bind(year)
        .fetch_one(&mut *self.inner)
        .await?;
        let tracking = format!("OBS-{}-{year}-{seq:06}", hcp.replace('.', ""));
        sqlx::query(
            "INSERT INTO observatory_reports (card_id, organisation_code, record_id, tracking, channel, caller_source, territory_code, urgency, mapping_version, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(new.card_id)
        .bind(new.organisation)
        .bind(new.record_id)
        .bind(&tracking)
        .bind(new.channel)
        .bind(new.caller_source)
        .bind(new.territory)
        .bind(new.urgency)
        .bind(i64::from(new.mapping_version))
        .bind(new.received_at)
        .execute(&mut *self.inner)
        .await?;
        self.touch_report(new.card_id);
        Ok(tracking)
    }

    /// Queues a status message for each report of the Observatory whose status this
    /// transaction changed (called by `commit`).
    pub(crate) async fn queue_observatory_statuses(&mut self) -> Result<(), StoreError> {
        let (reports, cases) = self.touched.reports_and_cases();
        let mut cards: Vec<String> = Vec::new();
        for (sql, ids) in [
            (
                "SELECT card_id FROM observatory_reports WHERE card_id = $1",
                reports,
            ),
            (
                "SELECT r.card_id FROM cards c JOIN observatory_reports r ON r.card_id = c.id WHERE c.case_id = $1",
                cases,
            ),
        ] {
            for id in ids {
                let found: Vec<String> = sqlx::query_scalar(sql)
                    .bind(&id)
                    .fetch_all(&mut *self.inner)
                    .await?;
                cards.extend(
                    found
                        .into_iter()
                        .filter(|c| !cards.contains(c))
                        .collect::<Vec<_>>(),
                );
            }
        }
        for card in cards {
            self.queue_status(&card).await?;
        }
        Ok(())
    }

    async fn queue_status(&mut self, card_id: &str) -> Result<(), StoreError> {
        let row = sqlx::query(
            "SELECT r.last_status, r.received_at, r.organisation_code, r.territory_code, k.stage, k.closure_reason, k.opened_at, k.closed_at,
                    (SELECT MAX(m.moved_at) FROM stage_moves m WHERE m.case_id = k.id) AS moved_at
             FROM observatory_reports r JOIN cards c ON c.id = r.card_id LEFT JOIN cases k ON k.id = c.case_id
             WHERE r.card_id = $1",
        )
        .bind(card_id)
        .fetch_one(&mut *self.inner)
        .await?;
        let last: Option<String> = row.try_get("last_status")?;
        let stage: Option<String> = row.try_get("stage")?;
        let case = match stage {
            Some(stage) => Some(CaseState {
                stage,
                reason: row.try_get("closure_reason")?,
                opened_at: row.try_get("opened_at")?,
                closed_at: row.try_get("closed_at")?,
                moved_at: row.try_get("moved_at")?,
            }),
            None => None,
        };
        let now = status_now(last.as_deref(), row.try_get("received_at")?, case);
        if last.as_deref() == Some(now.key.as_str()) {
            return Ok(());
        }
        let seq: i64 = sqlx::query_scalar(
            "UPDATE observatory_feed SET last_value = last_value + 1 WHERE name = 'statuses' RETURNING last_value",
        )
        .fetch_one(&mut *self.inner)
        .await?;
        let organisation: String = row.try_get("organisation_code")?;
        let territory: String = row.try_get("territory_code")?;
        sqlx::query(
            "INSERT INTO observatory_outbox (id, seq, card_id, organisation_code, territory_code, status, stage, outcome, changed_at, state, next_attempt_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'waiting', $9)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(seq)
        .bind(card_id)
        .bind(&organisation)
        .bind(&territory)
        .bind(now.status)
        .bind(now.stage.as_deref())
        .bind(now.outcome.as_deref())
        .bind(now.changed_at)
        .execute(&mut *self.inner)
        .await?;
        sqlx::query(
            "UPDATE observatory_reports SET last_status = $1, triaged_at = COALESCE(triaged_at, $2) WHERE card_id = $3",
        )
        .bind(&now.key)
        .bind(now.triaged_at)
        .bind(card_id)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// The message reached the Observatory.
    pub async fn observatory_sent(&mut self, id: &str, at_ms: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE observatory_outbox SET state = 'sent', sent_at = $1, attempts = attempts + 1, last_error = NULL, claimed_until = 0 WHERE id = $2",
        )
        .bind(at_ms)
        .bind(id)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// The message did not reach the Observatory: try again at `next_at`, or give up
    /// (`failed`) until someone sends it again.
    pub async fn observatory_not_sent(
        &mut self,
        id: &str,
        error: &str,
        next_at: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE observatory_outbox SET attempts = attempts + 1, last_error = $1, claimed_until = 0,
                    state = CASE WHEN $2 IS NULL THEN 'failed' ELSE 'waiting' END,
                    next_attempt_at = COALESCE($2, next_attempt_at)
             WHERE id = $3",
        )
        .bind(error)
        .bind(next_at)
        .bind(id)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// A failed message to be sent again now, its attempts counted from nought.
    pub async fn observatory_send_again(
        &mut self,
        id: &str,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE observatory_outbox SET state = 'waiting', attempts = 0, next_attempt_at = $1, claimed_until = 0 WHERE id = $2 AND state = 'failed'",
        )
        .bind(at_ms)
        .bind(id)
        .execute(&mut *self.inner)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl Store {
    /// The report the organisation sent under its record id, if any.
    pub async fn observatory_report(
        &self,
        organisation: &str,
        record_id: &str,
    ) -> Result<Option<ObservatoryReport>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM observatory_reports r WHERE r.organisation_code = $1 AND r.record_id = $2"
        ))
        .bind(organisation)
        .bind(record_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(report_of).transpose()
    }

    /// The reports an organisation sent, newest first, within a territory when given;
    /// `search` narrows to one record id or tracking number.
    pub async fn observatory_reception(
        &self,
        organisation: &str,
        territory: Option<&str>,
        search: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ObservatoryReport>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM observatory_reports r
             WHERE r.organisation_code = $1 AND ($2 IS NULL OR r.territory_code = $2)
               AND ($3 IS NULL OR r.record_id = $3 OR r.tracking = $3)
             ORDER BY r.received_at DESC LIMIT $4"
        ))
        .bind(organisation)
        .bind(territory)
        .bind(search)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(report_of).collect()
    }

    /// The statuses of an organisation's reports after `since` (a sequence), in order.
    pub async fn observatory_statuses(
        &self,
        organisation: &str,
        territory: Option<&str>,
        since: i64,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM observatory_outbox o JOIN observatory_reports r ON r.card_id = o.card_id
             WHERE o.organisation_code = $1 AND ($2 IS NULL OR o.territory_code = $2) AND o.seq > $3
             ORDER BY o.seq LIMIT $4"
        ))
        .bind(organisation)
        .bind(territory)
        .bind(since)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(message_of).collect()
    }

    /// Messages due for delivery at `now_ms`, oldest first.
    pub async fn observatory_due(
        &self,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM observatory_outbox o JOIN observatory_reports r ON r.card_id = o.card_id
             WHERE o.state = 'waiting' AND o.next_attempt_at <= $1 AND o.claimed_until < $1
             ORDER BY o.seq LIMIT $2"
        ))
        .bind(now_ms)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(message_of).collect()
    }

    /// Takes a message for delivery until `until_ms`, unless another server did: a
    /// claim, not a change of the record (so it needs no audit entry).
    pub async fn claim_observatory_message(
        &self,
        id: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE observatory_outbox SET claimed_until = $1 WHERE id = $2 AND state = 'waiting' AND claimed_until < $3",
        )
        .bind(until_ms)
        .bind(id)
        .bind(now_ms)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// One message, with its report's ids.
    pub async fn observatory_message(&self, id: &str) -> Result<Option<OutboxMessage>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM observatory_outbox o JOIN observatory_reports r ON r.card_id = o.card_id WHERE o.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(message_of).transpose()
    }

    /// The messages in one state, within a territory when given, newest first.
    pub async fn observatory_outbox(
        &self,
        territory: Option<&str>,
        state: &str,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM observatory_outbox o JOIN observatory_reports r ON r.card_id = o.card_id
             WHERE o.state = $1 AND ($2 IS NULL OR o.territory_code = $2)
             ORDER BY o.seq DESC LIMIT $3"
        ))
        .bind(state)
        .bind(territory)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(message_of).collect()
    }

    /// How many messages are in each state, within a territory when given.
    pub async fn observatory_outbox_counts(
        &self,
        territory: Option<&str>,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT state, COUNT(*) FROM observatory_outbox WHERE ($1 IS NULL OR territory_code = $1) GROUP BY state ORDER BY state",
        )
        .bind(territory)
        .fetch_all(self.pool())
        .await?)
    }
}
