//! Passes over the children recorded before a change to what is kept for them, run by
//! the system: the server starts them in the background and `awladna migrate` runs them
//! to the end. Each batch is one transaction with its audit entry and its place, so a
//! pass cut short resumes where it stopped and never does a child twice in vain.

use crate::children::search_tokens;
use crate::{Core, CoreError};
use awladna_store::audit::AuditEntry;
use awladna_store::maintenance::PassState;
use serde_json::{Map, Value, json};

/// The name tokens of migration 0023 (exact spelling, mother's name, commune), which
/// the children recorded before it lack: their search finds them only phonetically.
pub const NAME_TOKENS: &str = "name-tokens-2";
/// Children opened per transaction.
const BATCH: i64 = 200;

/// Completes the children's name tokens; `progress` hears the number done so far.
/// Returns how many children this run did (0 when the pass was already done).
pub async fn complete_name_tokens(
    core: &Core,
    mut progress: impl FnMut(u64),
) -> Result<u64, CoreError> {
    let PassState::Due { mut after } = core.store.maintenance_pass(NAME_TOKENS).await? else {
        return Ok(0);
    };
    let mut done = 0u64;
    loop {
        let children = core.store.children_after(after.as_deref(), BATCH).await?;
        let Some(last) = children.last().map(|c| c.id.clone()) else {
            let mut tx = core.store.begin().await?;
            audit(&mut tx, core, done, true).await?;
            tx.advance_pass(NAME_TOKENS, after.as_deref(), Some(core.now_ms()))
                .await?;
            tx.commit().await?;
            return Ok(done);
        };
        // Keys are computed before the transaction: it holds no lock while identities open.
        let mut batch = Vec::with_capacity(children.len());
        for child in &children {
            let identity = match core.open_identity(&child.id, child.identity.as_deref())? {
                Value::Object(map) => map,
                _ => Map::new(),
            };
            let tokens = search_tokens(core, &child.id, &identity).await?;
            batch.push((child.id.as_str(), child.territory.as_str(), tokens));
        }
        let mut tx = core.store.begin().await?;
        for (child, territory, tokens) in &batch {
            // Tokens already kept are left as they are (the insert skips them).
            tx.insert_name_tokens(child, territory, tokens).await?;
        }
        done += children.len() as u64;
        audit(&mut tx, core, children.len() as u64, false).await?;
        tx.advance_pass(NAME_TOKENS, Some(&last), None).await?;
        tx.commit().await?;
        progress(done);
        after = Some(last);
    }
}

/// The pass's trace: how many identities it opened, never whose.
async fn audit(
    tx: &mut awladna_store::audit::Tx<'_>,
    core: &Core,
    children: u64,
    finished: bool,
) -> Result<(), CoreError> {
    tx.audit(AuditEntry {
        at_ms: core.now_ms(),
        actor: Some("system".to_owned()),
        action: "maintenance.name_tokens".to_owned(),
        detail: json!({"children": children, "finished": finished}),
        ..AuditEntry::default()
    })
    .await?;
    Ok(())
}
