//! A card stored once however often its form is sent: each rendered form carries a key
//! (and an API client may send one), the first submission stores the card under it, and
//! a repeated one (the back button, a double tap, a retry on a slow link) is answered
//! with the card already stored, saying so.

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

/// The card `who` already stored under `key`, if any.
pub async fn stored_before(
    core: &Core,
    who: &Who,
    key: Option<&str>,
) -> Result<Option<String>, CoreError> {
    match usable(key) {
        Some(key) => Ok(core.store.idempotent_card(&who.audit_name, key).await?),
        None => Ok(None),
    }
}

/// Remembers `key` for the card, in the card's own transaction.
pub async fn remember(
    tx: &mut Tx<'_>,
    who: &Who,
    key: Option<&str>,
    card_id: &str,
    at_ms: i64,
) -> Result<(), StoreError> {
    match usable(key) {
        Some(key) => {
            tx.remember_idempotency(&who.audit_name, key, card_id, at_ms)
                .await
        }
        None => Ok(()),
    }
}

/// What a failed commit means: the same key arrived twice at once and the twin stored
/// the card first (its id), or a fault.
pub async fn after_failure(
    core: &Core,
    who: &Who,
    key: Option<&str>,
    error: StoreError,
) -> Result<String, CoreError> {
    match (error, usable(key)) {
        (StoreError::Duplicate, Some(key)) => core
            .store
            .idempotent_card(&who.audit_name, key)
            .await?
            .ok_or_else(|| CoreError::internal("idempotency race without a stored card")),
        (error, _) => Err(error.into()),
    }
}
