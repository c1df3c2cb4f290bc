//! Flags on a case (issue 18): a warning with its reason, such as "do not contact the
//! father", that every page of the case shows. Case workers and the coordinator add and
//! remove them, each with a reason; the words are sealed like any narrative of the case
//! (they may say who is dangerous to the child) and every change is audited. A flag
//! marked shareable also shows on the case's linking cards.

use crate::cases::{CaseError, Use};
use crate::once::{self, Kept};
use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::forms::Problem;
use awladna_store::flags::{FlagRecord, FlagRemoval, NewFlag};
use awladna_store::keys::sealed_aad;
use serde_json::json;

/// The longest flag, and the longest reason.
pub const MAX_TEXT: usize = 200;
pub const MAX_REASON: usize = 2000;

/// A flag as a form or the API sends it.
pub struct FlagInput<'a> {
    pub text: &'a str,
    pub reason: &'a str,
    pub shareable: bool,
}

/// A flag with its words opened, for a reader the policy allowed.
pub struct OpenedFlag {
    pub id: String,
    pub text: String,
    pub reason: String,
    pub shareable: bool,
    pub added_by: String,
    pub added_at: i64,
    pub removed_by: Option<String>,
    pub removed_at: Option<i64>,
    pub removal_reason: Option<String>,
    pub version: i64,
}

impl OpenedFlag {
    pub fn active(&self) -> bool {
        self.removed_at.is_none()
    }
}

/// A flag added, or the one the same submission added before.
pub struct Added {
    pub id: String,
    pub repeated: bool,
}

fn checked<'a>(field: &str, value: &'a str, max: usize) -> Result<&'a str, CoreError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(CoreError::field(field, Problem::Required));
    }
    if value.chars().count() > max {
        return Err(CoreError::field(field, Problem::TooLong { max }));
    }
    Ok(value)
}

fn seal(core: &Core, column: &str, id: &str, text: &str) -> Result<Vec<u8>, CoreError> {
    Ok(core
        .keyring
        .seal(text.as_bytes(), &sealed_aad("case_flags", column, id))?)
}

fn open(core: &Core, column: &str, id: &str, sealed: &[u8]) -> Result<String, CoreError> {
    // Erased under the retention rule: nothing left to open.
    if sealed.is_empty() {
        return Ok(String::new());
    }
    let opened = core
        .keyring
        .open(sealed, &sealed_aad("case_flags", column, id))?;
    Ok(String::from_utf8_lossy(&opened).into_owned())
}

/// Adds a flag to an open case of the caller's province. A submission whose `key` was
/// seen adds nothing and answers with the flag it added.
pub async fn add(
    core: &Core,
    permit: &Permit<act::WorkOnCase>,
    case_id: &str,
    input: &FlagInput<'_>,
    key: Option<&str>,
) -> Result<Added, CaseError> {
    let who = permit.who();
    let case = core.case_of(permit, case_id, Use::Change).await?;
    if let Some(id) = once::stored_before(core, who, Kept::Record, key).await? {
        return Ok(Added { id, repeated: true });
    }
    let text = checked("text", input.text, MAX_TEXT);
    let reason = checked("reason", input.reason, MAX_REASON);
    let (text, reason) = match (text, reason) {
        (Ok(text), Ok(reason)) => (text, reason),
        (Err(CoreError::Invalid(mut a)), Err(CoreError::Invalid(b))) => {
            a.extend(b);
            return Err(CoreError::Invalid(a).into());
        }
        (Err(e), _) | (_, Err(e)) => return Err(e.into()),
    };
    let id = uuid::Uuid::now_v7().to_string();
    let now = core.now_ms();
    let sealed_text = seal(core, "flag_text", &id, text)?;
    let sealed_reason = seal(core, "reason", &id, reason)?;
    let stored = async {
        let mut tx = core.store.begin().await?;
        tx.insert_flag(&NewFlag {
            id: &id,
            case_id: &case.id,
            text: &sealed_text,
            reason: &sealed_reason,
            shareable: input.shareable,
            by: &who.audit_name,
            at_ms: now,
        })
        .await?;
        once::remember(&mut tx, who, Kept::Record, key, &id, now).await?;
        tx.audit(who.audit(
            now,
            "case.flag_added",
            ("case", &case.id),
            &case.territory,
            json!({"flag": id, "shareable": input.shareable}),
        ))
        .await?;
        tx.commit().await
    }
    .await;
    match stored {
        Ok(()) => Ok(Added {
            id,
            repeated: false,
        }),
        Err(e) => Ok(Added {
            id: once::after_failure(core, who, Kept::Record, key, e).await?,
            repeated: true,
        }),
    }
}

/// Removes a flag of the case, with a reason; a version older than the stored one (or
/// a flag removed already) is refused as stale.
pub async fn remove(
    core: &Core,
    permit: &Permit<act::WorkOnCase>,
    case_id: &str,
    flag_id: &str,
    reason: &str,
    version: Option<i64>,
) -> Result<(), CaseError> {
    let who = permit.who();
    let case = core.case_of(permit, case_id, Use::Change).await?;
    let flag = core
        .store
        .case_flag(flag_id)
        .await?
        .filter(|f| f.case_id == case.id)
        // The case is the caller's: a flag that is not its own is a wrong field.
        .ok_or_else(|| CoreError::field("flag_id", Problem::UnknownCode))?;
    let reason = checked("reason", reason, MAX_REASON)?;
    let now = core.now_ms();
    let sealed = seal(core, "removal_reason", &flag.id, reason)?;
    let mut tx = core.store.begin().await?;
    let removed = tx
        .remove_flag(&FlagRemoval {
            id: &flag.id,
            version: version.unwrap_or(flag.version),
            by: &who.audit_name,
            at_ms: now,
            reason: &sealed,
        })
        .await?;
    if !removed {
        return Err(CoreError::Stale.into());
    }
    tx.audit(who.audit(
        now,
        "case.flag_removed",
        ("case", &case.id),
        &case.territory,
        json!({"flag": flag.id}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

fn opened(core: &Core, f: FlagRecord) -> Result<OpenedFlag, CoreError> {
    let removal_reason = match &f.removal_reason {
        Some(sealed) => Some(open(core, "removal_reason", &f.id, sealed)?),
        None => None,
    };
    Ok(OpenedFlag {
        text: open(core, "flag_text", &f.id, &f.text)?,
        reason: open(core, "reason", &f.id, &f.reason)?,
        id: f.id,
        shareable: f.shareable,
        added_by: f.added_by,
        added_at: f.added_at,
        removed_by: f.removed_by,
        removed_at: f.removed_at,
        removal_reason,
        version: f.version,
    })
}

/// Every flag of a case the caller was let read (the removed ones too, for its
/// timeline), opened. The caller has checked the case with the policy.
pub async fn of_case(core: &Core, case_id: &str) -> Result<Vec<OpenedFlag>, CoreError> {
    let mut flags: Vec<OpenedFlag> = core
        .store
        .case_flags(case_id)
        .await?
        .into_iter()
        .map(|f| opened(core, f))
        .collect::<Result<_, _>>()?;
    // People are named by their username, as on the rest of the case's timeline.
    let mut names = std::collections::HashMap::new();
    for f in &mut flags {
        for id in std::iter::once(&mut f.added_by).chain(f.removed_by.as_mut()) {
            if !names.contains_key(id.as_str()) {
                let name = core.store.user_by_id(id).await?.map(|u| u.username);
                names.insert(id.clone(), name.unwrap_or_else(|| id.clone()));
            }
            if let Some(name) = names.get(id.as_str()) {
                id.clone_from(name);
            }
        }
    }
    Ok(flags)
}

/// The flags in place that may travel on the case's linking cards, for the service a
/// card was sent to (the caller has checked it may read the card).
pub async fn shared(core: &Core, case_id: &str) -> Result<Vec<OpenedFlag>, CoreError> {
    Ok(of_case(core, case_id)
        .await?
        .into_iter()
        .filter(|f| f.active() && f.shareable)
        .collect())
}
