//! Supervisor approval of a case's steps: requested by the worker, approved or returned
//! by the coordinator, each with a comment (sealed), kept for the case's timeline.

use crate::audit::Tx;
use crate::{Store, StoreError};
use sqlx::Row;

/// A request and its decision; comments still sealed (no `Debug`).
#[derive(Clone)]
pub struct ApprovalRecord {
    pub id: String,
    pub case_id: String,
    pub step: String,
    /// `requested`, `approved`, `returned`, or `used` (an approved closure done).
    pub status: String,
    pub requested_by: String,
    pub requested_at: i64,
    /// Sealed with the AAD `case_approvals/request_comment/{id}`.
    pub request_comment: Option<Vec<u8>>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    /// Sealed with the AAD `case_approvals/decision_comment/{id}`.
    pub decision_comment: Option<Vec<u8>>,
    pub version: i64,
}

pub struct NewApproval<'a> {
    pub id: &'a str,
    pub case_id: &'a str,
    pub step: &'a str,
    pub by: &'a str,
    pub at_ms: i64,
    pub comment: Option<&'a [u8]>,
}

pub struct ApprovalDecision<'a> {
    pub id: &'a str,
    pub version: i64,
    /// `approved` or `returned`.
    pub status: &'a str,
    pub by: &'a str,
    pub at_ms: i64,
    pub comment: &'a [u8],
}

const COLUMNS: &str = "id, case_id, step, status, requested_by, requested_at, request_comment, decided_by, decided_at, decision_comment, version";

fn record(r: &sqlx::any::AnyRow) -> Result<ApprovalRecord, StoreError> {
    Ok(ApprovalRecord {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        step: r.try_get("step")?,
        status: r.try_get("status")?,
        requested_by: r.try_get("requested_by")?,
        requested_at: r.try_get("requested_at")?,
        request_comment: r.try_get("request_comment")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        decision_comment: r.try_get("decision_comment")?,
        version: r.try_get("version")?,
    })
}

impl Store {
    /// The approvals of a case, oldest first.
    pub async fn case_approvals(&self, case_id: &str) -> Result<Vec<ApprovalRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM case_approvals WHERE case_id = $1 ORDER BY requested_at, id"
        );
        let rows = sqlx::query(&sql)
            .bind(case_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(record).collect()
    }
}

impl Tx<'_> {
    pub async fn insert_approval(&mut self, a: &NewApproval<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO case_approvals (id, case_id, step, status, requested_by, requested_at, request_comment) VALUES ($1, $2, $3, 'requested', $4, $5, $6)",
        )
        .bind(a.id)
        .bind(a.case_id)
        .bind(a.step)
        .bind(a.by)
        .bind(a.at_ms)
        .bind(a.comment)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// Decides a request still waiting; false when it changed since `version` was read.
    pub async fn decide_approval(&mut self, d: &ApprovalDecision<'_>) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE case_approvals SET status = $1, decided_by = $2, decided_at = $3, decision_comment = $4, version = version + 1 WHERE id = $5 AND version = $6 AND status = 'requested'",
        )
        .bind(d.status)
        .bind(d.by)
        .bind(d.at_ms)
        .bind(d.comment)
        .bind(d.id)
        .bind(d.version)
        .execute(&mut *self.inner)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks an approval as used by the step it approved (a closure done once).
    pub async fn use_approval(&mut self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE case_approvals SET status = 'used', version = version + 1 WHERE id = $1 AND status = 'approved'",
        )
        .bind(id)
        .execute(&mut *self.inner)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
