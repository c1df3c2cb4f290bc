//! Changes and their audit entries go together: every write happens in a `Tx`, and a
//! `Tx` refuses to commit without an audit entry. Entries are appended to a hash chain
//! (each entry's hash covers the previous hash), so that `awladna audit verify` finds
//! an altered, deleted or reordered entry; the database refuses UPDATE and DELETE on
//! them (triggers), so the application itself cannot rewrite history.

use crate::{Store, StoreError};
use awladna_crypto::{ChainBreak, ChainHead, chain_hash, verify_chain};
use serde_json::{Value, json};
use sqlx::{Any, Row, Transaction};

/// One thing that happened. Ids and codes only: never a name, a narrative or a value
/// a user typed.
#[derive(Debug, Clone, Default)]
pub struct AuditEntry {
    pub at_ms: i64,
    /// The user id, token id or `system`; `None` for an anonymous attempt.
    pub actor: Option<String>,
    pub action: String,
    pub record_kind: Option<String>,
    pub record_id: Option<String>,
    pub territory: Option<String>,
    /// The client address.
    pub origin: Option<String>,
    pub detail: Value,
}

#[derive(Debug, Clone)]
pub struct StoredAuditEntry {
    pub seq: i64,
    pub entry: AuditEntry,
}

fn canonical(seq: i64, e: &AuditEntry) -> Vec<u8> {
    json!([
        seq,
        e.at_ms,
        e.actor,
        e.action,
        e.record_kind,
        e.record_id,
        e.territory,
        e.origin,
        e.detail
    ])
    .to_string()
    .into_bytes()
}

/// A write transaction that must carry an audit entry.
pub struct Tx<'c> {
    pub(crate) inner: Transaction<'c, Any>,
    audited: bool,
    pub(crate) backend: crate::Backend,
    pub(crate) touched: crate::facts::Touched,
}

impl Store {
    pub async fn begin(&self) -> Result<Tx<'static>, StoreError> {
        Ok(Tx {
            inner: self.pool.begin().await?,
            audited: false,
            backend: self.backend,
            touched: Default::default(),
        })
    }

    /// Entries matching a filter, newest first.
    pub async fn audit_entries(
        &self,
        filter: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<StoredAuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, record_kind, record_id, territory_code, origin, detail FROM audit_log
             WHERE ($1 IS NULL OR actor = $1) AND ($2 IS NULL OR record_id = $2)
               AND ($3 IS NULL OR at >= $3) AND ($4 IS NULL OR at < $4)
               AND ($5 IS NULL OR territory_code = $5 OR actor IN (
                    SELECT u.id FROM users u JOIN organisations o ON o.code = u.organisation_code WHERE o.territory_code = $5))
             ORDER BY seq DESC LIMIT $6 OFFSET $7",
        )
        .bind(filter.actor.as_deref())
        .bind(filter.record_id.as_deref())
        .bind(filter.from_ms)
        .bind(filter.to_ms)
        .bind(filter.territory.as_deref())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_entry).collect()
    }

    /// Walks the whole chain; the first bad entry is named. On success, the head (last
    /// sequence number and hash), to be noted outside the database and compared later:
    /// someone who rewrites every hash after an edit, or cuts the newest entries, is
    /// only caught by comparing with a head kept elsewhere.
    pub async fn verify_audit(&self) -> Result<Result<ChainHead, ChainBreak>, StoreError> {
        let rows = sqlx::query("SELECT seq, at, actor, action, record_kind, record_id, territory_code, origin, detail, hash FROM audit_log ORDER BY seq")
            .fetch_all(&self.pool)
            .await?;
        let mut entries = Vec::with_capacity(rows.len());
        for row in &rows {
            let stored = stored_entry(row)?;
            let hash: Vec<u8> = row.try_get("hash")?;
            let hash: [u8; 32] = hash
                .try_into()
                .map_err(|_| StoreError::Corrupt("audit entry hash"))?;
            let seq =
                u64::try_from(stored.seq).map_err(|_| StoreError::Corrupt("audit sequence"))?;
            entries.push((seq, canonical(stored.seq, &stored.entry), hash));
        }
        Ok(verify_chain(entries, ChainHead::GENESIS))
    }
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub record_id: Option<String>,
    pub territory: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

fn stored_entry(row: &sqlx::any::AnyRow) -> Result<StoredAuditEntry, StoreError> {
    let detail: String = row.try_get("detail")?;
    Ok(StoredAuditEntry {
        seq: row.try_get("seq")?,
        entry: AuditEntry {
            at_ms: row.try_get("at")?,
            actor: row.try_get("actor")?,
            action: row.try_get("action")?,
            record_kind: row.try_get("record_kind")?,
            record_id: row.try_get("record_id")?,
            territory: row.try_get("territory_code")?,
            origin: row.try_get("origin")?,
            detail: serde_json::from_str(&detail).unwrap_or(Value::Null),
        },
    })
}

impl Tx<'_> {
    /// Appends an entry to the chain, inside this transaction.
    pub async fn audit(&mut self, entry: AuditEntry) -> Result<(), StoreError> {
        // Taking the next number locks the head row until commit: appends are serial.
        let head =
            sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                .fetch_one(&mut *self.inner)
                .await?;
        let seq: i64 = head.try_get("seq")?;
        let prev: Vec<u8> = head.try_get("hash")?;
        let prev: [u8; 32] = prev
            .try_into()
            .map_err(|_| StoreError::Corrupt("audit chain head"))?;
        let hash = chain_hash(&prev, &canonical(seq, &entry));
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor, action, record_kind, record_id, territory_code, origin, detail, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(seq)
        .bind(entry.at_ms)
        .bind(entry.actor.as_deref())
        .bind(entry.action.as_str())
        .bind(entry.record_kind.as_deref())
        .bind(entry.record_id.as_deref())
        .bind(entry.territory.as_deref())
        .bind(entry.origin.as_deref())
        .bind(entry.detail.to_string())
        .bind(hash.to_vec())
        .execute(&mut *self.inner)
        .await?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(hash.to_vec())
            .execute(&mut *self.inner)
            .await?;
        self.audited = true;
        Ok(())
    }

    pub async fn commit(mut self) -> Result<(), StoreError> {
        if !self.audited {
            // Rolled back on drop: a change nobody can account for is not made.
            return Err(StoreError::Unaudited);
        }
        // The statistics of what changed are part of the change.
        self.refresh_facts().await?;
        self.inner.commit().await?;
        Ok(())
    }
}
