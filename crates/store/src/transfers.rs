//! Transfers of a case to another province's mechanism (issue 15 §4): the request, the
//! receiving province's answer, and the sending province closing its part. The case,
//! its child and the child's name tokens move on acceptance; nothing else does (every
//! card, move and linking card stays attached to the case, so its history goes along).

use crate::audit::Tx;
use crate::{Store, StoreError};
use sqlx::Row;

/// A transfer; reasons still sealed (no `Debug`).
#[derive(Clone)]
pub struct TransferRecord {
    pub id: String,
    pub case_id: String,
    pub from_territory: String,
    pub to_territory: String,
    /// `requested`, `accepted` or `refused`.
    pub status: String,
    pub requested_by: String,
    pub requested_at: i64,
    /// Sealed with the AAD `case_transfers/reason/{id}`.
    pub reason: Vec<u8>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    /// Sealed with the AAD `case_transfers/decision_reason/{id}` (a refusal's).
    pub decision_reason: Option<Vec<u8>>,
    pub released_by: Option<String>,
    pub released_at: Option<i64>,
    pub version: i64,
}

pub struct NewTransfer<'a> {
    pub id: &'a str,
    pub case_id: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub by: &'a str,
    pub at_ms: i64,
    pub reason: &'a [u8],
}

pub struct TransferAnswer<'a> {
    pub id: &'a str,
    pub version: i64,
    pub accept: bool,
    pub by: &'a str,
    pub at_ms: i64,
    pub reason: Option<&'a [u8]>,
}

const COLUMNS: &str = "id, case_id, from_territory, to_territory, status, requested_by, requested_at, reason, decided_by, decided_at, decision_reason, released_by, released_at, version";

fn record(r: &sqlx::any::AnyRow) -> Result<TransferRecord, StoreError> {
    Ok(TransferRecord {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        from_territory: r.try_get("from_territory")?,
        to_territory: r.try_get("to_territory")?,
        status: r.try_get("status")?,
        requested_by: r.try_get("requested_by")?,
        requested_at: r.try_get("requested_at")?,
        reason: r.try_get("reason")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        decision_reason: r.try_get("decision_reason")?,
        released_by: r.try_get("released_by")?,
        released_at: r.try_get("released_at")?,
        version: r.try_get("version")?,
    })
}

impl Store {
    async fn transfers_where(
        &self,
        condition: &str,
        value: &str,
    ) -> Result<Vec<TransferRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM case_transfers WHERE {condition} ORDER BY requested_at, id"
        );
        let rows = sqlx::query(&sql).bind(value).fetch_all(&self.pool).await?;
        rows.iter().map(record).collect()
    }

    /// The transfers of a case, oldest first.
    pub async fn case_transfers(&self, case_id: &str) -> Result<Vec<TransferRecord>, StoreError> {
        self.transfers_where("case_id = $1", case_id).await
    }

    pub async fn transfer(&self, id: &str) -> Result<Option<TransferRecord>, StoreError> {
        Ok(self.transfers_where("id = $1", id).await?.pop())
    }

    /// The transfers waiting for `territory`'s answer, oldest first.
    pub async fn transfers_waiting_for(
        &self,
        territory: &str,
    ) -> Result<Vec<TransferRecord>, StoreError> {
        self.transfers_where("to_territory = $1 AND status = 'requested'", territory)
            .await
    }

    /// The transfers `territory` sent: waiting, or accepted with its part still open.
    pub async fn transfers_sent_open(
        &self,
        territory: &str,
    ) -> Result<Vec<TransferRecord>, StoreError> {
        self.transfers_where(
            "from_territory = $1 AND (status = 'requested' OR (status = 'accepted' AND released_at IS NULL))",
            territory,
        )
        .await
    }
}

impl Tx<'_> {
    pub async fn insert_transfer(&mut self, t: &NewTransfer<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO case_transfers (id, case_id, from_territory, to_territory, status, requested_by, requested_at, reason) VALUES ($1, $2, $3, $4, 'requested', $5, $6, $7)",
        )
        .bind(t.id)
        .bind(t.case_id)
        .bind(t.from)
        .bind(t.to)
        .bind(t.by)
        .bind(t.at_ms)
        .bind(t.reason)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// Answers a transfer still waiting; false when it changed since `version` was
    /// read. An acceptance moves the case, its child and the child's name tokens to
    /// the receiving province (the case's version moves too: a form read before is
    /// stale), and the case's statistics are rebuilt where it now is.
    pub async fn answer_transfer(
        &mut self,
        a: &TransferAnswer<'_>,
        case_id: &str,
        to: &str,
    ) -> Result<bool, StoreError> {
        let status = if a.accept { "accepted" } else { "refused" };
        let done = sqlx::query(
            "UPDATE case_transfers SET status = $1, decided_by = $2, decided_at = $3, decision_reason = $4, version = version + 1 WHERE id = $5 AND version = $6 AND status = 'requested'",
        )
        .bind(status)
        .bind(a.by)
        .bind(a.at_ms)
        .bind(a.reason)
        .bind(a.id)
        .bind(a.version)
        .execute(&mut *self.inner)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        if !a.accept {
            return Ok(true);
        }
        // The receiving province's coordinator assigns the case anew.
        sqlx::query("UPDATE cases SET territory_code = $1, assigned_to = NULL, version = version + 1 WHERE id = $2")
            .bind(to)
            .bind(case_id)
            .execute(&mut *self.inner)
            .await?;
        let child: String = sqlx::query_scalar("SELECT child_id FROM cases WHERE id = $1")
            .bind(case_id)
            .fetch_one(&mut *self.inner)
            .await?;
        for sql in [
            "UPDATE children SET territory_code = $1, version = version + 1 WHERE id = $2",
            "UPDATE child_name_tokens SET territory_code = $1 WHERE child_id = $2",
        ] {
            sqlx::query(sql)
                .bind(to)
                .bind(&child)
                .execute(&mut *self.inner)
                .await?;
        }
        self.touch_case(case_id);
        Ok(true)
    }

    /// The sending province closes its part of an accepted transfer; false when it was
    /// closed already or changed since `version` was read.
    pub async fn release_transfer(
        &mut self,
        id: &str,
        version: i64,
        by: &str,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE case_transfers SET released_by = $1, released_at = $2, version = version + 1 WHERE id = $3 AND version = $4 AND status = 'accepted' AND released_at IS NULL",
        )
        .bind(by)
        .bind(at_ms)
        .bind(id)
        .bind(version)
        .execute(&mut *self.inner)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
