//! Browsing the audit log: a coordinator or administrator reads the entries of their
//! province (every entry, for a national administrator), newest first, a page at a time.

use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::access::administers;
use awladna_store::audit::{AuditEntry, AuditFilter};

/// Entries on one page.
pub const PAGE: i64 = 50;

/// What the reader filters by.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// A username; one beyond the reader's reach matches nothing.
    pub username: String,
    pub record_id: String,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub page: i64,
}

/// An entry, its actor named by username when the actor is a user.
pub struct Shown {
    pub entry: AuditEntry,
    pub actor_name: Option<String>,
    /// The case's number when the record is a case (people know cases by number).
    pub case_number: Option<String>,
}

/// One page of entries, and whether older ones follow.
pub async fn browse(
    core: &Core,
    permit: &Permit<act::ViewAudit>,
    search: &Search,
) -> Result<(Vec<Shown>, bool), CoreError> {
    let actor = permit.actor();
    let user_id = if search.username.trim().is_empty() {
        None
    } else {
        match core.store.user_by_username(search.username.trim()).await? {
            Some(user) if administers(actor, user.organisation.territory.as_deref()) => {
                Some(user.id)
            }
            _ => Some(String::from("-")),
        }
    };
    let filter = AuditFilter {
        actor: user_id,
        record_id: Some(search.record_id.trim().to_owned()).filter(|r| !r.is_empty()),
        territory: actor.territory.clone(),
        from_ms: search.from_ms,
        to_ms: search.to_ms,
    };
    let page = search.page.clamp(0, 10_000);
    let entries = core
        .store
        .audit_entries(&filter, PAGE + 1, page * PAGE)
        .await?;
    let more = entries.len() as i64 > PAGE;
    let mut shown = Vec::new();
    for stored in entries.into_iter().take(PAGE as usize) {
        let actor_name = match stored.entry.actor.as_deref() {
            Some(id) => Some(match core.store.user_by_id(id).await {
                Ok(Some(user)) => user.username,
                _ => id.to_owned(),
            }),
            None => None,
        };
        let case_number = match (
            stored.entry.record_kind.as_deref(),
            stored.entry.record_id.as_deref(),
        ) {
            (Some("case"), Some(id)) => core.store.case(id).await?.map(|c| c.number),
            _ => None,
        };
        shown.push(Shown {
            entry: stored.entry,
            actor_name,
            case_number,
        });
    }
    Ok((shown, more))
}
