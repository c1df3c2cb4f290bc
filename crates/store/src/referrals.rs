//! Linking cards (بطاقة الربط) and their steps. Reasons, legal grounds and notes arrive
//! sealed; statuses, times and organisations stay in clear for lists, deadlines and
//! statistics.

use crate::audit::Tx;
use crate::{Store, StoreError};
use sqlx::Row;

pub struct NewReferral<'a> {
    pub id: &'a str,
    pub case_id: &'a str,
    pub territory: &'a str,
    pub from_org: &'a str,
    pub from_sector: &'a str,
    pub to_org: &'a str,
    pub to_sector: &'a str,
    pub stage: &'a str,
    pub service: Option<&'a str>,
    pub urgency: &'a str,
    pub consent: &'a str,
    /// The shared parts, a JSON list of codes.
    pub share: &'a str,
    /// Reason and legal ground, sealed with the AAD `referrals/sealed/{id}`.
    pub sealed: &'a [u8],
    pub by: &'a str,
    pub at_ms: i64,
    pub due_at: i64,
}

/// A stored referral; its reason is still sealed (no `Debug`).
pub struct ReferralRecord {
    pub id: String,
    pub case_id: String,
    pub territory: String,
    pub from_org: String,
    pub from_sector: String,
    pub to_org: String,
    pub to_sector: String,
    pub stage: String,
    pub service: Option<String>,
    pub urgency: String,
    pub status: String,
    pub consent: String,
    pub share: String,
    pub sealed: Vec<u8>,
    pub created_by: String,
    pub sent_at: i64,
    pub due_at: i64,
    pub received_at: Option<i64>,
    pub responded_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub version: i64,
}

/// One step of a referral; the note is still sealed.
pub struct StepRecord {
    pub id: String,
    pub status: String,
    pub taken_at: i64,
    pub taken_by: String,
    pub note: Option<Vec<u8>>,
}

/// Which referrals of an organisation a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mailbox {
    /// Sent to the organisation.
    Inbox,
    /// Sent by it.
    Outbox,
}

const COLUMNS: &str = "id, case_id, territory_code, from_org, from_sector, to_org, to_sector, stage, service, urgency, status, consent, share, sealed, created_by, sent_at, due_at, received_at, responded_at, delivered_at, closed_at, version";

fn record(r: &sqlx::any::AnyRow) -> Result<ReferralRecord, StoreError> {
    Ok(ReferralRecord {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        territory: r.try_get("territory_code")?,
        from_org: r.try_get("from_org")?,
        from_sector: r.try_get("from_sector")?,
        to_org: r.try_get("to_org")?,
        to_sector: r.try_get("to_sector")?,
        stage: r.try_get("stage")?,
        service: r.try_get("service")?,
        urgency: r.try_get("urgency")?,
        status: r.try_get("status")?,
        consent: r.try_get("consent")?,
        share: r.try_get("share")?,
        sealed: r.try_get("sealed")?,
        created_by: r.try_get("created_by")?,
        sent_at: r.try_get("sent_at")?,
        due_at: r.try_get("due_at")?,
        received_at: r.try_get("received_at")?,
        responded_at: r.try_get("responded_at")?,
        delivered_at: r.try_get("delivered_at")?,
        closed_at: r.try_get("closed_at")?,
        version: r.try_get("version")?,
    })
}

impl Store {
    /// A referral made through the linking card (the demo's older rows, without
    /// organisations, are not linking cards and are not found here).
    pub async fn referral(&self, id: &str) -> Result<Option<ReferralRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM referrals WHERE id = $1 AND from_org IS NOT NULL AND to_org IS NOT NULL"
        );
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record).transpose()
    }

    /// An organisation's inbox or outbox, newest first.
    pub async fn referrals_of(
        &self,
        org: &str,
        which: Mailbox,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ReferralRecord>, StoreError> {
        let column = match which {
            Mailbox::Inbox => "to_org",
            Mailbox::Outbox => "from_org",
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM referrals WHERE {column} = $1 ORDER BY sent_at DESC, id DESC LIMIT $2 OFFSET $3"
        );
        let rows = sqlx::query(&sql)
            .bind(org)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(record).collect()
    }

    /// The referrals of a case, newest first.
    pub async fn referrals_of_case(
        &self,
        case_id: &str,
    ) -> Result<Vec<ReferralRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM referrals WHERE case_id = $1 AND to_org IS NOT NULL ORDER BY sent_at DESC, id DESC"
        );
        let rows = sqlx::query(&sql)
            .bind(case_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(record).collect()
    }

    /// How many referrals sent to an organisation still wait for its answer, and how
    /// many of those are past their deadline at `now_ms`.
    pub async fn inbox_waiting(&self, org: &str, now_ms: i64) -> Result<(i64, i64), StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS waiting, COALESCE(SUM(CASE WHEN due_at < $2 THEN 1 ELSE 0 END), 0) AS overdue
             FROM referrals WHERE to_org = $1 AND status IN ('sent', 'received')",
        )
        .bind(org)
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("waiting")?, row.try_get("overdue")?))
    }

    /// Referrals of a territory still unanswered past their deadline, most overdue first.
    pub async fn overdue_referrals(
        &self,
        territory: &str,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<ReferralRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM referrals WHERE territory_code = $1 AND status IN ('sent', 'received') AND due_at < $2
             ORDER BY due_at, id LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(territory)
            .bind(now_ms)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(record).collect()
    }

    pub async fn referral_steps(&self, referral_id: &str) -> Result<Vec<StepRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, status, taken_at, taken_by, note FROM referral_steps WHERE referral_id = $1 ORDER BY taken_at, id",
        )
        .bind(referral_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StepRecord {
                    id: r.try_get("id")?,
                    status: r.try_get("status")?,
                    taken_at: r.try_get("taken_at")?,
                    taken_by: r.try_get("taken_by")?,
                    note: r.try_get("note")?,
                })
            })
            .collect()
    }

    /// Whether an organisation has any active user (one without is served on paper).
    pub async fn organisation_has_users(&self, org: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE organisation_code = $1 AND disabled = 0",
        )
        .bind(org)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }
}

/// A step to record: the new status, and the note sealed with the AAD
/// `referral_steps/note/{step_id}`.
pub struct NewStep<'a> {
    pub referral_id: &'a str,
    /// The referral version the step was decided on.
    pub version: i64,
    pub step_id: &'a str,
    pub status: &'a str,
    pub by: &'a str,
    pub at_ms: i64,
    pub note: Option<&'a [u8]>,
}

impl Tx<'_> {
    pub async fn insert_referral(&mut self, r: &NewReferral<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO referrals (id, case_id, territory_code, from_org, from_sector, to_org, to_sector, stage, service, urgency, status, consent, share, sealed, created_by, sent_at, due_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'sent', $11, $12, $13, $14, $15, $16)",
        )
        .bind(r.id)
        .bind(r.case_id)
        .bind(r.territory)
        .bind(r.from_org)
        .bind(r.from_sector)
        .bind(r.to_org)
        .bind(r.to_sector)
        .bind(r.stage)
        .bind(r.service)
        .bind(r.urgency)
        .bind(r.consent)
        .bind(r.share)
        .bind(r.sealed)
        .bind(r.by)
        .bind(r.at_ms)
        .bind(r.due_at)
        .execute(&mut *self.inner)
        .await?;
        self.touch_referral(r.id);
        self.insert_step_row(r.id, &format!("{}-sent", r.id), "sent", r.by, r.at_ms, None)
            .await
    }

    async fn insert_step_row(
        &mut self,
        referral_id: &str,
        step_id: &str,
        status: &str,
        by: &str,
        at_ms: i64,
        note: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO referral_steps (id, referral_id, status, taken_at, taken_by, note) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(step_id)
            .bind(referral_id)
            .bind(status)
            .bind(at_ms)
            .bind(by)
            .bind(note)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    /// Moves a referral to a new status and records the step, with the time of the
    /// milestone it marks; false when it changed since `version` was read.
    pub async fn take_referral_step(&mut self, s: &NewStep<'_>) -> Result<bool, StoreError> {
        // Response and completion times are kept for statistics.
        let milestone = match s.status {
            "received" => "received_at",
            "accepted" | "declined" => "responded_at",
            "delivered" => "delivered_at",
            "closed" => "closed_at",
            _ => return Err(StoreError::Corrupt("referral status")),
        };
        let sql = format!(
            "UPDATE referrals SET {milestone} = $1, status = $2, version = version + 1 WHERE id = $3 AND version = $4"
        );
        let done = sqlx::query(&sql)
            .bind(s.at_ms)
            .bind(s.status)
            .bind(s.referral_id)
            .bind(s.version)
            .execute(&mut *self.inner)
            .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        self.insert_step_row(s.referral_id, s.step_id, s.status, s.by, s.at_ms, s.note)
            .await?;
        self.touch_referral(s.referral_id);
        Ok(true)
    }
}
