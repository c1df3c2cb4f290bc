//! The audit chain's sealer and its verification.
//!
//! Writers only insert their entries into `audit_pending` (see [`crate::audit`]). One sealer
//! at a time — it holds the row of `audit_head` — takes the entries it can see, which are
//! those of committed transactions, gives each the next sequence number and its chain hash,
//! moves them into `audit_log` and stores the new head with its MAC
//! ([`awladna_crypto::head_mac`]). An entry whose transaction commits while a round runs is
//! invisible to it and taken by the next round: none is skipped, none is taken twice (it
//! leaves `audit_pending` in the round that chains it).
//!
//! The chain's order is the order of sealing, not of commit: what it proves is that nothing
//! was removed, changed or inserted since.

use crate::audit::{AuditEntry, canonical, entry_of};
use crate::{Backend, Store, StoreError};
use awladna_crypto::{
    ChainBreak, ChainHead, HeadMismatch, Keyring, StoredHead, chain_hash, check_head, head_mac,
    verify_chain,
};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// Entries chained per transaction of the sealer.
const SEAL_BATCH: i64 = 500;
/// Rows per INSERT: 10 values each, well under the bound-value counts that slow SQLite down.
const INSERT_ROWS: usize = 100;
/// Entries read per query by the verification, so that a long log is not held in memory.
const VERIFY_PAGE: i64 = 10_000;

/// The action of the entry the sealer adds when it seals a head that had no MAC: once in the
/// life of a log. A second one means that someone removed the seal to rewrite the head.
pub const SEALING_BEGAN: &str = "audit.sealing_began";

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditBreak {
    #[error("{0}")]
    Chain(#[from] ChainBreak),
    #[error("{0}")]
    Head(#[from] HeadMismatch),
    #[error(
        "the audit log was sealed again from scratch at entry {seq}: its seal had been removed \
         outside Awladna, so entries before that may have been cut"
    )]
    Resealed { seq: u64 },
    #[error(
        "audit entry {seq} does not have the hash noted for it: the log was rewritten or cut \
         since that head was noted"
    )]
    NotExpected { seq: u64 },
}

/// A head noted outside the database (`SEQ:HEX`), which a verification must find in the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpectedHead(pub ChainHead);

impl std::str::FromStr for ExpectedHead {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const FORMAT: &str = "a head is written SEQ:HASH, as `awladna audit verify` prints it";
        let (seq, hash) = s.trim().split_once(':').ok_or(FORMAT)?;
        let seq = seq.parse().map_err(|_| FORMAT)?;
        let hash = hex_decode(hash).ok_or(FORMAT)?;
        Ok(ExpectedHead(ChainHead { seq, hash }))
    }
}

impl std::fmt::Display for ExpectedHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.0.seq, hex(&self.0.hash))
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

impl Store {
    /// Chains every entry of a committed transaction; returns the head afterwards. Refuses to
    /// extend a head whose MAC is not authentic ([`StoreError::AuditHead`]): the entries then
    /// stay in `audit_pending`, where nothing is lost, until the log is looked into.
    pub async fn seal_audit(
        &self,
        keyring: &Keyring,
        now_ms: i64,
    ) -> Result<StoredHead, StoreError> {
        loop {
            let (sealed, head) = self.seal_batch(keyring, now_ms).await?;
            if sealed < SEAL_BATCH as usize {
                return Ok(head);
            }
        }
    }

    async fn seal_batch(
        &self,
        keyring: &Keyring,
        now_ms: i64,
    ) -> Result<(usize, StoredHead), StoreError> {
        let key = keyring.index_key();
        let mut tx = self.pool.begin().await?;
        // A write first: on SQLite it takes the writer's lock, on PostgreSQL the head's row,
        // so that two sealers take turns.
        let row = sqlx::query(
            "UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash, sealed_at, mac",
        )
        .fetch_one(&mut *tx)
        .await?;
        let stored = stored_head(&row)?;
        let first_sealing = stored.mac.is_none();
        if !first_sealing && !stored.is_authentic(key) {
            return Err(StoreError::AuditHead(HeadMismatch::Forged));
        }
        // Only committed entries are visible: one committed after this read is chained in
        // the next round.
        let eligible =
            "SELECT id, at, actor, action, record_kind, record_id, territory_code, origin, detail
                        FROM audit_pending ORDER BY id LIMIT $1";
        let rows = sqlx::query(eligible)
            .bind(SEAL_BATCH)
            .fetch_all(&mut *tx)
            .await?;
        if rows.is_empty() && !first_sealing {
            tx.rollback().await?;
            return Ok((0, stored));
        }
        let mut ids = Vec::with_capacity(rows.len());
        let mut entries = Vec::with_capacity(rows.len() + 1);
        if first_sealing {
            entries.push(AuditEntry {
                at_ms: now_ms,
                actor: Some("system".to_owned()),
                action: SEALING_BEGAN.to_owned(),
                detail: json!({"from_entry": stored.head.seq}),
                ..AuditEntry::default()
            });
        }
        for row in &rows {
            ids.push(row.try_get::<i64, _>("id")?);
            entries.push(entry_of(row)?);
        }
        let mut head = stored.head;
        let mut chained = Vec::with_capacity(entries.len());
        for entry in entries {
            let seq = head.seq + 1;
            let signed = i64::try_from(seq).map_err(|_| StoreError::Corrupt("audit sequence"))?;
            let hash = chain_hash(&head.hash, &canonical(signed, &entry));
            head = ChainHead { seq, hash };
            chained.push((signed, entry, hash));
        }
        for chunk in chained.chunks(INSERT_ROWS) {
            insert_chained(&mut tx, chunk).await?;
        }
        for chunk in ids.chunks(INSERT_ROWS * 5) {
            let list = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!("DELETE FROM audit_pending WHERE id IN ({list})");
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(&mut *tx).await?;
        }
        let mac = head_mac(key, &head, now_ms);
        sqlx::query(
            "UPDATE audit_head SET seq = $1, hash = $2, sealed_at = $3, mac = $4 WHERE id = 1",
        )
        .bind(i64::try_from(head.seq).map_err(|_| StoreError::Corrupt("audit sequence"))?)
        .bind(head.hash.to_vec())
        .bind(now_ms)
        .bind(mac.to_vec())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((
            rows.len(),
            StoredHead {
                head,
                sealed_at_ms: now_ms,
                mac: Some(mac),
            },
        ))
    }

    /// The head as stored, without checking anything.
    pub async fn audit_head(&self) -> Result<StoredHead, StoreError> {
        let row = sqlx::query("SELECT seq, hash, sealed_at, mac FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        stored_head(&row)
    }

    /// Seals what is waiting, then walks the whole chain and compares its end with the sealed
    /// head (and with `expected`, a head noted outside the database, if given). The first
    /// problem is named; on success, the head.
    pub async fn verify_audit(
        &self,
        keyring: &Keyring,
        now_ms: i64,
        expected: Option<ExpectedHead>,
    ) -> Result<Result<StoredHead, AuditBreak>, StoreError> {
        match self.seal_audit(keyring, now_ms).await {
            // A forged head is what the verification is there to report.
            Ok(_) | Err(StoreError::AuditHead(_)) => {}
            Err(other) => return Err(other),
        }
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            // The head and the chain read from one snapshot, while the server seals on.
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                .execute(&mut *tx)
                .await?;
        }
        let row = sqlx::query("SELECT seq, hash, sealed_at, mac FROM audit_head WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let stored = stored_head(&row)?;
        let mut end = ChainHead::GENESIS;
        let mut sealing_began = Vec::new();
        let mut expected_found = expected.is_none();
        loop {
            let rows = sqlx::query(
                "SELECT seq, at, actor, action, record_kind, record_id, territory_code, origin, detail, hash
                 FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
            )
            .bind(i64::try_from(end.seq).map_err(|_| StoreError::Corrupt("audit sequence"))?)
            .bind(VERIFY_PAGE)
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                break;
            }
            let mut page = Vec::with_capacity(rows.len());
            for row in &rows {
                let seq: i64 = row.try_get("seq")?;
                let entry = entry_of(row)?;
                let hash = hash32(row.try_get("hash")?, "audit entry hash")?;
                let unsigned =
                    u64::try_from(seq).map_err(|_| StoreError::Corrupt("audit sequence"))?;
                if entry.action == SEALING_BEGAN {
                    sealing_began.push(unsigned);
                }
                if let Some(ExpectedHead(noted)) = expected
                    && noted.seq == unsigned
                {
                    if noted.hash != hash {
                        return Ok(Err(AuditBreak::NotExpected { seq: unsigned }));
                    }
                    expected_found = true;
                }
                page.push((unsigned, canonical(seq, &entry), hash));
            }
            end = match verify_chain(page, end) {
                Ok(end) => end,
                Err(chain_break) => return Ok(Err(chain_break.into())),
            };
        }
        tx.commit().await?;
        if let Err(mismatch) = check_head(&end, &stored, keyring.index_key()) {
            return Ok(Err(mismatch.into()));
        }
        if let Some(&seq) = sealing_began.get(1) {
            return Ok(Err(AuditBreak::Resealed { seq }));
        }
        if let (false, Some(ExpectedHead(noted))) = (expected_found, expected) {
            return Ok(Err(AuditBreak::NotExpected { seq: noted.seq }));
        }
        Ok(Ok(stored))
    }
}

async fn insert_chained(
    tx: &mut Transaction<'static, Any>,
    rows: &[(i64, AuditEntry, [u8; 32])],
) -> Result<(), StoreError> {
    let values = (0..rows.len())
        .map(|r| {
            let p = r * 10;
            format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6,
                p + 7,
                p + 8,
                p + 9,
                p + 10
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO audit_log (seq, at, actor, action, record_kind, record_id, territory_code, origin, detail, hash) VALUES {values}"
    );
    let mut query = sqlx::query(&sql);
    for (seq, entry, hash) in rows {
        query = query
            .bind(*seq)
            .bind(entry.at_ms)
            .bind(entry.actor.clone())
            .bind(entry.action.clone())
            .bind(entry.record_kind.clone())
            .bind(entry.record_id.clone())
            .bind(entry.territory.clone())
            .bind(entry.origin.clone())
            .bind(entry.detail.to_string())
            .bind(hash.to_vec());
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

fn hash32(bytes: Vec<u8>, what: &'static str) -> Result<[u8; 32], StoreError> {
    bytes.try_into().map_err(|_| StoreError::Corrupt(what))
}

fn stored_head(row: &AnyRow) -> Result<StoredHead, StoreError> {
    let seq: i64 = row.try_get("seq")?;
    let mac: Option<Vec<u8>> = row.try_get("mac")?;
    Ok(StoredHead {
        head: ChainHead {
            seq: u64::try_from(seq).map_err(|_| StoreError::Corrupt("audit chain head"))?,
            hash: hash32(row.try_get("hash")?, "audit chain head")?,
        },
        sealed_at_ms: row.try_get("sealed_at")?,
        mac: mac.map(|m| hash32(m, "audit head seal")).transpose()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_noted_head_reads_back() {
        let head = ExpectedHead(ChainHead {
            seq: 42,
            hash: [0xab; 32],
        });
        let text = head.to_string();
        assert_eq!(text.parse::<ExpectedHead>(), Ok(head));
        assert!("42".parse::<ExpectedHead>().is_err());
        assert!("x:ab".parse::<ExpectedHead>().is_err());
        assert!(
            format!("42:{}", "é".repeat(32))
                .parse::<ExpectedHead>()
                .is_err()
        );
    }
}
