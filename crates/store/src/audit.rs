//! Changes and their audit entries go together: every write happens in a `Tx`, and a
//! `Tx` refuses to commit without an audit entry. Shortly after commit the sealer
//! (`crate::sealer`) appends the entries to a hash chain (each entry's hash covers the
//! previous hash) under a head sealed with a key the database does not hold, so that
//! `awladna audit verify` finds an altered, deleted, reordered or cut-off entry; the
//! database refuses UPDATE and DELETE on the chain (triggers), so the application itself
//! cannot rewrite history.

use crate::{Store, StoreError};
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
    /// Its place in the chain; `None` while it waits for the sealer.
    pub seq: Option<i64>,
    pub entry: AuditEntry,
}

pub(crate) fn canonical(seq: i64, e: &AuditEntry) -> Vec<u8> {
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

    /// Entries matching a filter, newest first: those committed but not yet chained (no
    /// sequence number yet), then the chain.
    pub async fn audit_entries(
        &self,
        filter: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<StoredAuditEntry>, StoreError> {
        // Entries wait only until the next sealing, so there are few of them.
        let pending = self
            .filtered_entries("audit_pending", "id", filter, i64::MAX, 0)
            .await?;
        let pending_count = i64::try_from(pending.len()).unwrap_or(i64::MAX);
        let mut page: Vec<StoredAuditEntry> = pending
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(0))
            .map(|mut e| {
                e.seq = None;
                e
            })
            .collect();
        let rest = limit - i64::try_from(page.len()).unwrap_or(i64::MAX);
        if rest > 0 {
            let sealed_offset = (offset - pending_count).max(0);
            page.extend(
                self.filtered_entries("audit_log", "seq", filter, rest, sealed_offset)
                    .await?,
            );
        }
        Ok(page)
    }

    async fn filtered_entries(
        &self,
        table: &str,
        order: &str,
        filter: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<StoredAuditEntry>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {order} AS seq, at, actor, action, record_kind, record_id, territory_code, origin, detail FROM {table}
             WHERE ($1 IS NULL OR actor = $1) AND ($2 IS NULL OR record_id = $2)
               AND ($3 IS NULL OR at >= $3) AND ($4 IS NULL OR at < $4)
               AND ($5 IS NULL OR territory_code = $5 OR actor IN (
                    SELECT u.id FROM users u JOIN organisations o ON o.code = u.organisation_code WHERE o.territory_code = $5))
             ORDER BY {order} DESC LIMIT $6 OFFSET $7"
        ))
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
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub record_id: Option<String>,
    pub territory: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

pub(crate) fn stored_entry(row: &sqlx::any::AnyRow) -> Result<StoredAuditEntry, StoreError> {
    Ok(StoredAuditEntry {
        seq: Some(row.try_get("seq")?),
        entry: entry_of(row)?,
    })
}

pub(crate) fn entry_of(row: &sqlx::any::AnyRow) -> Result<AuditEntry, StoreError> {
    let detail: String = row.try_get("detail")?;
    Ok(AuditEntry {
        at_ms: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        record_kind: row.try_get("record_kind")?,
        record_id: row.try_get("record_id")?,
        territory: row.try_get("territory_code")?,
        origin: row.try_get("origin")?,
        detail: serde_json::from_str(&detail).unwrap_or(Value::Null),
    })
}

impl Tx<'_> {
    /// Records an entry with this transaction's change. It is chained by the sealer
    /// (`crate::sealer`) once committed, so no two writers wait for each other here.
    pub async fn audit(&mut self, entry: AuditEntry) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_pending (at, actor, action, record_kind, record_id, territory_code, origin, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(entry.at_ms)
        .bind(entry.actor.as_deref())
        .bind(entry.action.as_str())
        .bind(entry.record_kind.as_deref())
        .bind(entry.record_id.as_deref())
        .bind(entry.territory.as_deref())
        .bind(entry.origin.as_deref())
        .bind(entry.detail.to_string())
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
        // So are the statuses owed to the Observatory (issue 17), before the facts
        // take the list of what was touched.
        self.queue_observatory_statuses().await?;
        // The statistics of what changed are part of the change.
        self.refresh_facts().await?;
        self.inner.commit().await?;
        Ok(())
    }
}
