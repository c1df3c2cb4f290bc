//! The retention run: for each child whose cases are all closed, the record kinds the rule
//! (`awladna_domain::retention`, data in `retention/rules.toml`) says are due are erased —
//! their sealed values emptied or replaced by a value sealed over nothing, the child's
//! name tokens dropped with the identity — one audited transaction per child (ids and
//! counts only). The de-identified facts, the statistics and the audit trail are other
//! tables: they stay. A dry run lists what would go (case numbers and counts, no names).
//! `awladna retention run` and the server's daily task both call [`run`]: a task of
//! the system, not of a user, so it takes no permit and audits as `system`.

use crate::{Core, CoreError};
use awladna_crypto::Keyring;
use awladna_domain::Reference;
use awladna_domain::forms::local_zone;
use awladna_domain::retention::{Birth, ChildFacts, RecordKind};
use awladna_store::Store;
use awladna_store::audit::AuditEntry;
use awladna_store::keys::sealed_aad;
use awladna_store::retention::{ErasableValue, Replacement, RetentionCandidate};
use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::{Value, json};

/// What a run erased (or, dry, would erase) for one child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildErasure {
    pub child_id: String,
    pub territory: String,
    pub case_numbers: Vec<String>,
    /// Each kind due, with how many sealed values it held.
    pub kinds: Vec<(RecordKind, usize)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RetentionReport {
    pub dry_run: bool,
    pub children: Vec<ChildErasure>,
}

impl RetentionReport {
    /// How many values of each kind, over all children.
    pub fn totals(&self) -> Vec<(RecordKind, usize)> {
        RecordKind::ALL
            .into_iter()
            .map(|kind| {
                let n = self
                    .children
                    .iter()
                    .flat_map(|c| &c.kinds)
                    .filter(|(k, _)| *k == kind)
                    .map(|(_, n)| n)
                    .sum();
                (kind, n)
            })
            .collect()
    }
}

fn day_of(ms: i64) -> Date {
    Timestamp::from_millisecond(ms)
        .map(|ts| ts.to_zoned(local_zone()).date())
        .unwrap_or(Date::MAX)
}

/// What the rule reads about a candidate: the birth date from the sealed identity when
/// it still holds one, else the clear birth year, else nothing.
fn facts(keyring: &Keyring, c: &RetentionCandidate) -> Result<ChildFacts, CoreError> {
    let from_identity = match &c.identity {
        Some(sealed) => keyring
            .open_json(sealed, &sealed_aad("children", "identity", &c.child_id))?
            .get("birth_date")
            .and_then(Value::as_str)
            .and_then(|d| d.parse::<Date>().ok()),
        None => None,
    };
    let birth = match (from_identity, c.birth_year) {
        (Some(date), _) => Birth::Date(date),
        (None, Some(year)) => i16::try_from(year).map_or(Birth::Unknown, Birth::Year),
        (None, None) => Birth::Unknown,
    };
    Ok(ChildFacts {
        birth,
        first_opened: day_of(c.first_opened_ms),
        last_closed: Some(day_of(c.last_closed_ms)),
    })
}

/// Finds what is due on `now` and, unless `dry_run`, erases it.
pub async fn run(
    store: &Store,
    reference: &Reference,
    keyring: &Keyring,
    now: Timestamp,
    dry_run: bool,
) -> Result<RetentionReport, CoreError> {
    let rules = reference.retention();
    let today = now.to_zoned(local_zone()).date();
    // Nobody closed more recently than the shortest keeping time can have anything due.
    let horizon = today
        .checked_sub(jiff::Span::new().years(rules.shortest_years_after_closure()))
        .map_err(CoreError::internal)?;
    let horizon_ms = horizon
        .to_zoned(local_zone())
        .map_err(CoreError::internal)?
        .timestamp()
        .as_millisecond();
    let candidates = store
        .retention_candidates(horizon_ms, RecordKind::ALL.len())
        .await?;
    let mut report = RetentionReport {
        dry_run,
        children: Vec::new(),
    };
    for candidate in candidates {
        let child = facts(keyring, &candidate)?;
        let due: Vec<RecordKind> = RecordKind::ALL
            .into_iter()
            .filter(|k| !candidate.erased.contains(k) && rules.due(*k, &child, today))
            .collect();
        if due.is_empty() {
            continue;
        }
        let mut kinds = Vec::new();
        let mut values = Vec::new();
        for kind in due {
            let of_kind = store.erasable_values(&candidate.child_id, kind).await?;
            kinds.push((kind, of_kind.len()));
            values.push((kind, of_kind));
        }
        let case_numbers = store.case_numbers_of_child(&candidate.child_id).await?;
        if !dry_run {
            erase(store, keyring, &candidate, &values, now.as_millisecond()).await?;
        }
        report.children.push(ChildErasure {
            child_id: candidate.child_id,
            territory: candidate.territory,
            case_numbers,
            kinds,
        });
    }
    Ok(report)
}

/// What replaces an erased value: nothing, or a value sealed over nothing (bound to the
/// same row, so that it opens where the old one did and the key rotation re-seals it).
fn replacement(keyring: &Keyring, value: &ErasableValue) -> Result<Option<Vec<u8>>, CoreError> {
    let aad = sealed_aad(value.table, value.column, &value.id);
    let empty: &[u8] = match value.replacement {
        Replacement::Null => return Ok(None),
        Replacement::EmptyObject => b"{}",
        Replacement::EmptyBytes => b"",
    };
    Ok(Some(keyring.seal(empty, &aad)?))
}

/// Erases one child's due kinds in one transaction, each kind audited.
async fn erase(
    store: &Store,
    keyring: &Keyring,
    child: &RetentionCandidate,
    values: &[(RecordKind, Vec<ErasableValue>)],
    now_ms: i64,
) -> Result<(), CoreError> {
    let run = async {
        let mut tx = store.begin().await?;
        for (kind, of_kind) in values {
            for value in of_kind {
                let new = replacement(keyring, value).map_err(|_| {
                    awladna_store::StoreError::Corrupt("sealing an erased value's placeholder")
                })?;
                tx.erase_value(value, new.as_deref()).await?;
            }
            let tokens = match kind {
                RecordKind::ChildIdentity => tx.drop_name_tokens(&child.child_id).await?,
                _ => 0,
            };
            tx.record_erasure(&child.child_id, *kind, now_ms).await?;
            tx.audit(AuditEntry {
                at_ms: now_ms,
                actor: Some("system".to_owned()),
                action: "retention.erased".to_owned(),
                record_kind: Some("child".to_owned()),
                record_id: Some(child.child_id.clone()),
                territory: Some(child.territory.clone()),
                origin: None,
                detail: json!({
                    "kind": kind.code(),
                    "values": of_kind.len(),
                    "name_tokens": tokens,
                    "rows": of_kind.iter().map(|v| json!([v.table, v.column, v.id])).collect::<Vec<_>>(),
                }),
            })
            .await?;
        }
        tx.commit().await
    };
    Ok(run.await?)
}

impl Core {
    /// The day a child's identity (or, failing that, the first kind) was erased under
    /// the retention rule, for what shows the child: "erased on DATE".
    pub async fn erased_on(&self, child_id: &str) -> Result<Option<Date>, CoreError> {
        let erased = self.store.erasures_of_child(child_id).await?;
        Ok(erased
            .iter()
            .find(|(k, _)| *k == RecordKind::ChildIdentity)
            .or(erased.first())
            .map(|(_, at)| day_of(*at)))
    }
}
