//! Two records of one child merged (issue 18): a duplicate found after triage. The
//! comparison opens both identities side by side (each an audited identity read); the
//! merge keeps one child and marks the other `merged_into` it, moving the other's cases
//! (with their whole history) and name tokens to the child kept. Nothing is deleted:
//! the merge names who merged and when, and undoing it puts back exactly the cases it
//! moved. Who may merge is who may edit a child of the province (`RectifyIdentity`);
//! another province's child is not found. No chains: a child merged away, or one that
//! others were merged into, is neither merged nor kept again until undone.

use crate::children::{Ranked, ranked_candidates, search_tokens};
use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_store::merges::{ChildStanding, MergeRecord, NewMerge};
use serde_json::{Map, Value, json};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum MergeError {
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A child cannot be merged into itself.
    #[error("the two records are the same child")]
    SameChild,
    /// One of the two was merged away, or others were merged into the one to merge.
    #[error("one of the children takes part in another merge")]
    Chain,
    /// One of the two changed since the comparison was read.
    #[error("a child changed since it was read")]
    Stale,
}

crate::wraps_core_error!(MergeError);

/// A child as the comparison shows it.
pub struct Compared {
    pub id: String,
    pub standing: ChildStanding,
    pub sex: String,
    pub birth_year: Option<i64>,
    /// The identity, opened (`Null` once erased or never given).
    pub identity: Value,
    /// Its cases, newest first: (id, number, stage).
    pub cases: Vec<(String, String, String)>,
}

/// A merge with the people named by their username.
pub struct MergeLine {
    pub merge: MergeRecord,
    pub merged_by: String,
    pub undone_by: Option<String>,
}

/// A child of the reader's province, or not found.
async fn standing(
    core: &Core,
    permit: &Permit<act::RectifyIdentity>,
    id: &str,
) -> Result<ChildStanding, CoreError> {
    // An id no record can have (a control character: PostgreSQL refuses NUL) is none.
    if id.chars().any(char::is_control) {
        return Err(CoreError::NotFound);
    }
    let standing = core
        .store
        .child_standing(id)
        .await?
        .ok_or(CoreError::NotFound)?;
    permit.on(&standing.territory)?;
    Ok(standing)
}

async fn username(core: &Core, id: &str) -> Result<String, CoreError> {
    Ok(core
        .store
        .user_by_id(id)
        .await?
        .map(|u| u.username)
        .unwrap_or_else(|| id.to_owned()))
}

/// Opens a child of the reader's province for the comparison; audited as an identity
/// read before it is answered.
pub async fn compared(
    core: &Core,
    permit: &Permit<act::RectifyIdentity>,
    id: &str,
    beside: Option<&str>,
) -> Result<Compared, CoreError> {
    let standing = standing(core, permit, id).await?;
    let (sex, birth_year, sealed) = core
        .store
        .child_identity(id)
        .await?
        .ok_or(CoreError::NotFound)?;
    core.audit_alone(permit.who().audit(
        core.now_ms(),
        "child.identity_read",
        ("child", id),
        &standing.territory,
        json!({"compared_with": beside}),
    ))
    .await?;
    Ok(Compared {
        identity: core.open_identity(id, sealed.as_deref())?,
        cases: core.store.cases_of_child(id).await?,
        id: id.to_owned(),
        standing,
        sex,
        birth_year,
    })
}

/// The children of the province who may be the same as `child` (its possible
/// duplicates, best first, itself left out): duplicate detection as at triage, from
/// the child's opened identity. Children merged away are not among them (their names
/// find the child kept).
pub async fn duplicates_of(
    core: &Core,
    permit: &Permit<act::RectifyIdentity>,
    child: &Compared,
) -> Result<Vec<Ranked>, CoreError> {
    let field = |name: &str| child.identity.get(name).cloned().unwrap_or(Value::Null);
    let mut values = Map::new();
    for name in ["first_name", "last_name", "mother_name", "birth_date"] {
        values.insert(format!("child.{name}"), field(name));
    }
    values.insert("child.sex".into(), Value::String(child.sex.clone()));
    let mut found = ranked_candidates(core, permit.actor(), &values).await?;
    found.retain(|r| r.child_id() != child.id);
    Ok(found)
}

/// The merges `child_id` took part in, newest first.
pub async fn merges_of(core: &Core, child_id: &str) -> Result<Vec<MergeLine>, CoreError> {
    let mut lines = Vec::new();
    for merge in core.store.child_merges(child_id).await? {
        let merged_by = username(core, &merge.merged_by).await?;
        let undone_by = match &merge.undone_by {
            Some(id) => Some(username(core, id).await?),
            None => None,
        };
        lines.push(MergeLine {
            merge,
            merged_by,
            undone_by,
        });
    }
    Ok(lines)
}

/// Merges `merged` into `kept`, each read at its version; answers the merge's id.
pub async fn merge(
    core: &Core,
    permit: &Permit<act::RectifyIdentity>,
    kept: (&str, i64),
    merged: (&str, i64),
) -> Result<String, MergeError> {
    if kept.0 == merged.0 {
        return Err(MergeError::SameChild);
    }
    let survivor = standing(core, permit, kept.0).await?;
    let other = standing(core, permit, merged.0).await?;
    if survivor.merged_into.is_some()
        || other.merged_into.is_some()
        || core.store.children_merged_into(merged.0).await? > 0
    {
        return Err(MergeError::Chain);
    }
    if survivor.version != kept.1 || other.version != merged.1 {
        return Err(MergeError::Stale);
    }
    let id = uuid::Uuid::now_v7().to_string();
    let now = core.now_ms();
    let who = permit.who();
    let mut tx = core.store.begin().await?;
    let done = tx
        .merge_children(&NewMerge {
            id: &id,
            survivor: kept.0,
            survivor_version: kept.1,
            merged: merged.0,
            merged_version: merged.1,
            by: &who.audit_name,
            at_ms: now,
        })
        .await?;
    if !done {
        return Err(MergeError::Stale);
    }
    tx.audit(who.audit(
        now,
        "child.merged",
        ("child", kept.0),
        &survivor.territory,
        json!({"merge": id, "merged": merged.0}),
    ))
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Undoes a merge read at `version`: the cases it moved go back to the merged child,
/// who is found by its own name again. Undoing it twice is stale.
pub async fn undo(
    core: &Core,
    permit: &Permit<act::RectifyIdentity>,
    merge_id: &str,
    version: i64,
) -> Result<String, MergeError> {
    if merge_id.chars().any(char::is_control) {
        return Err(CoreError::NotFound.into());
    }
    let merge = core
        .store
        .child_merge(merge_id)
        .await?
        .ok_or(CoreError::NotFound)?;
    let survivor = standing(core, permit, &merge.survivor_id).await?;
    if merge.undone_at.is_some() || merge.version != version {
        return Err(MergeError::Stale);
    }
    // The tokens are derived again from both opened identities (and the communes of
    // their reports), as a correction does.
    let mut tokens = Vec::new();
    for child in [&merge.survivor_id, &merge.merged_id] {
        let sealed = core
            .store
            .child_identity(child)
            .await?
            .and_then(|(_, _, sealed)| sealed);
        let identity = core.open_identity(child, sealed.as_deref())?;
        let identity = identity.as_object().cloned().unwrap_or_default();
        tokens.push(search_tokens(core, child, &identity).await?);
    }
    let now = core.now_ms();
    let who = permit.who();
    let mut tx = core.store.begin().await?;
    if !tx.undo_merge(&merge, version, &who.audit_name, now).await? {
        return Err(MergeError::Stale);
    }
    for (child, tokens) in [&merge.survivor_id, &merge.merged_id]
        .into_iter()
        .zip(&tokens)
    {
        tx.insert_name_tokens(child, &survivor.territory, tokens)
            .await?;
    }
    tx.audit(who.audit(
        now,
        "child.merge_undone",
        ("child", &merge.survivor_id),
        &survivor.territory,
        json!({"merge": merge.id, "merged": merge.merged_id}),
    ))
    .await?;
    tx.commit().await?;
    Ok(merge.survivor_id)
}
