//! A record stored once however often its form is sent: each rendered form carries a
//! key (and an API client may send one), the first submission stores the record under
//! it, and a repeated one (the back button, a double tap, a retry on a slow link) is
//! answered with the record already stored, saying so.

use crate::{Core, CoreError, Who};
use awladna_store::StoreError;
use awladna_store::audit::Tx;

/// The longest key accepted (a form's is a UUID; API clients may send their own).
pub const MAX_KEY: usize = 200;

/// A key worth remembering: a short one-line token, anything else ignored (a hostile
/// or broken form then simply stores, as a form without a key does).
pub fn usable(key: Option<&str>) -> Option<&str> {
    key.filter(|k| !k.is_empty() && k.len() <= MAX_KEY && !k.chars().any(char::is_control))
}

/// What a key stores: a card (reports, evaluations, the case's cards) or another record
/// (a plan action, a linking card). Each is kept in its own table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    Card,
    Record,
}

/// The record `who` already stored under `key`, if any.
pub async fn stored_before(
    core: &Core,
    who: &Who,
    kept: Kept,
    key: Option<&str>,
) -> Result<Option<String>, CoreError> {
    let Some(key) = usable(key) else {
        return Ok(None);
    };
    let actor = &who.audit_name;
    Ok(match kept {
        Kept::Card => core.store.idempotent_card(actor, key).await?,
        Kept::Record => core.store.submitted_record(actor, key).await?,
    })
}

/// Remembers `key` for the record, in the record's own transaction.
pub async fn remember(
    tx: &mut Tx<'_>,
    who: &Who,
    kept: Kept,
    key: Option<&str>,
    record_id: &str,
    at_ms: i64,
) -> Result<(), StoreError> {
    let Some(key) = usable(key) else {
        return Ok(());
    };
    let actor = &who.audit_name;
    match kept {
        Kept::Card => tx.remember_idempotency(actor, key, record_id, at_ms).await,
        Kept::Record => tx.remember_submission(actor, key, record_id, at_ms).await,
    }
}

/// What a failed commit means: the same key arrived twice at once and the twin stored
/// the record first (its id), or a fault.
pub async fn after_failure(
    core: &Core,
    who: &Who,
    kept: Kept,
    key: Option<&str>,
    error: StoreError,
) -> Result<String, CoreError> {
    match error {
        StoreError::Duplicate if usable(key).is_some() => stored_before(core, who, kept, key)
            .await?
            .ok_or_else(|| CoreError::internal("a submission race without a stored record")),
        error => Err(error.into()),
    }
}
