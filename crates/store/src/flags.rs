//! Flags on a case: a warning with its reason ("do not contact the father"), shown on
//! every page of the case. Their words arrive sealed; a removed flag stays, with who
//! removed it, when and why.

use crate::audit::Tx;
use crate::{Store, StoreError};
use sqlx::Row;

/// A flag as stored; its words are still sealed (no `Debug`).
#[derive(Clone)]
pub struct FlagRecord {
    pub id: String,
    pub case_id: String,
    /// Sealed with the AAD `case_flags/flag_text/{id}`.
    pub text: Vec<u8>,
    /// Sealed with the AAD `case_flags/reason/{id}`.
    pub reason: Vec<u8>,
    /// Whether the flag travels on the case's linking cards.
    pub shareable: bool,
    pub added_by: String,
    pub added_at: i64,
    pub removed_by: Option<String>,
    pub removed_at: Option<i64>,
    /// Sealed with the AAD `case_flags/removal_reason/{id}`.
    pub removal_reason: Option<Vec<u8>>,
    pub version: i64,
}

/// A flag to store.
pub struct NewFlag<'a> {
    pub id: &'a str,
    pub case_id: &'a str,
    pub text: &'a [u8],
    pub reason: &'a [u8],
    pub shareable: bool,
    pub by: &'a str,
    pub at_ms: i64,
}

/// The removal of a flag, decided on the version read.
pub struct FlagRemoval<'a> {
    pub id: &'a str,
    pub version: i64,
    pub by: &'a str,
    pub at_ms: i64,
    pub reason: &'a [u8],
}

const COLUMNS: &str = "id, case_id, flag_text, reason, shareable, added_by, added_at, removed_by, removed_at, removal_reason, version";

fn record(r: &sqlx::any::AnyRow) -> Result<FlagRecord, StoreError> {
    Ok(FlagRecord {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        text: r.try_get("flag_text")?,
        reason: r.try_get("reason")?,
        shareable: r.try_get::<i64, _>("shareable")? != 0,
        added_by: r.try_get("added_by")?,
        added_at: r.try_get("added_at")?,
        removed_by: r.try_get("removed_by")?,
        removed_at: r.try_get("removed_at")?,
        removal_reason: r.try_get("removal_reason")?,
        version: r.try_get("version")?,
    })
}

impl Store {
    /// Every flag of a case, the removed ones included, oldest first.
    pub async fn case_flags(&self, case_id: &str) -> Result<Vec<FlagRecord>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM case_flags WHERE case_id = $1 ORDER BY added_at, id");
        let rows = sqlx::query(&sql)
            .bind(case_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(record).collect()
    }

    pub async fn case_flag(&self, id: &str) -> Result<Option<FlagRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM case_flags WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record).transpose()
    }
}

impl Tx<'_> {
    pub async fn insert_flag(&mut self, f: &NewFlag<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO case_flags (id, case_id, flag_text, reason, shareable, added_by, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(f.id)
        .bind(f.case_id)
        .bind(f.text)
        .bind(f.reason)
        .bind(i64::from(f.shareable))
        .bind(f.by)
        .bind(f.at_ms)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// Removes a flag still in place; false when it changed since `version` was read
    /// (or was removed already).
    pub async fn remove_flag(&mut self, r: &FlagRemoval<'_>) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE case_flags SET removed_by = $1, removed_at = $2, removal_reason = $3, version = version + 1 WHERE id = $4 AND version = $5 AND removed_at IS NULL",
        )
        .bind(r.by)
        .bind(r.at_ms)
        .bind(r.reason)
        .bind(r.id)
        .bind(r.version)
        .execute(&mut *self.inner)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
