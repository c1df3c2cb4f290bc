//! A case opened for a reader: the case, its concerns and its timeline (the moves,
//! their reasons opened, and the cards the reader may know of), in time order. The
//! read is audited. A break-glass grant opens a case for reading, never for changing.

use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::access::{Action, Decision, decide};
use awladna_domain::files::FilePart;
use awladna_store::cases::CaseRecord;
use awladna_store::keys::sealed_aad;
use serde_json::{Value, json};

/// One line of a case's timeline.
pub enum Entry {
    Stage {
        at_ms: i64,
        from: Option<String>,
        to: String,
        by: Option<String>,
        reason: Option<String>,
    },
    Card {
        at_ms: i64,
        form: String,
        id: String,
        complete: bool,
    },
    /// The case given to someone (`None`: to nobody) by a coordinator.
    Assigned {
        at_ms: i64,
        to: Option<String>,
        by: String,
    },
    /// An entry or a document a receiving service added through a linking card.
    Contribution {
        at_ms: i64,
        /// `card` or `document`.
        kind: &'static str,
        id: String,
        /// The entry's form, or the document's kind.
        code: String,
        part: FilePart,
        organisation: String,
        organisation_name: String,
        referral_id: String,
    },
}

impl Entry {
    pub fn at_ms(&self) -> i64 {
        match self {
            Entry::Stage { at_ms, .. }
            | Entry::Card { at_ms, .. }
            | Entry::Assigned { at_ms, .. }
            | Entry::Contribution { at_ms, .. } => *at_ms,
        }
    }
}

pub struct OpenedCase {
    pub case: CaseRecord,
    pub concerns: Vec<String>,
    pub timeline: Vec<Entry>,
}

/// Opens a case for the caller, auditing the read before it is answered.
pub async fn read(
    core: &Core,
    permit: &Permit<act::ReadCase>,
    id: &str,
) -> Result<OpenedCase, CoreError> {
    let case = core.store.case(id).await?.ok_or(CoreError::NotFound)?;
    let decision = permit.decide_on(&case.territory);
    crate::error::allowed(core.with_grant(permit, &case.id, decision).await?)?;
    let timeline = timeline_of(core, permit.actor(), &case, &case.territory).await?;
    let entry = permit.who().audit(
        core.now_ms(),
        "case.read",
        ("case", &case.id),
        &case.territory,
        json!({}),
    );
    core.audit_alone(entry).await?;
    let concerns = core.store.case_concerns(&case.id).await?;
    Ok(OpenedCase {
        case,
        concerns,
        timeline,
    })
}

/// The timeline of `case` as `actor` may know it, reading its files as a person of
/// `territory` (the case's province, or the province that sent it, issue 15 §4), in
/// time order. Not audited: the caller audits the read.
pub(crate) async fn timeline_of(
    core: &Core,
    actor: &awladna_domain::access::Actor,
    case: &CaseRecord,
    territory: &str,
) -> Result<Vec<Entry>, CoreError> {
    let mut timeline = Vec::new();
    for m in core.store.stage_moves(&case.id).await? {
        let reason = match &m.reason {
            Some(sealed) => {
                let text = core
                    .keyring
                    .open(sealed, &sealed_aad("stage_moves", "reason", &m.id))?;
                Some(String::from_utf8_lossy(&text).into_owned())
            }
            None => None,
        };
        timeline.push(Entry::Stage {
            at_ms: m.at_ms,
            from: m.from,
            to: m.to,
            by: m.by,
            reason,
        });
    }
    // An entry of a file the reader may not open is not theirs to know of.
    let reads = |part: FilePart| {
        decide(Some(actor), Action::ReadFile(part), Some(territory)) == Decision::Allow
    };
    let contributions = contributions(core, &case.id).await?;
    for (card_id, form, at_ms, complete) in core.store.case_cards(&case.id).await? {
        let part = core.reference.form(&form).and_then(|f| f.part);
        let contributed = contributions.iter().any(|c| match c {
            Entry::Contribution { id, .. } => id == &card_id,
            _ => false,
        });
        if contributed || part.is_some_and(|p| !reads(p)) {
            continue;
        }
        timeline.push(Entry::Card {
            at_ms,
            form,
            id: card_id,
            complete,
        });
    }
    for (at_ms, to, by) in core.store.case_assignments(&case.id).await? {
        timeline.push(Entry::Assigned { at_ms, to, by });
    }
    timeline.extend(contributions.into_iter().filter(|c| match c {
        Entry::Contribution { part, .. } => reads(*part),
        _ => false,
    }));
    timeline.sort_by_key(Entry::at_ms);
    Ok(timeline)
}

/// What the receiving services added to a case, as timeline entries (every part; the
/// caller keeps those its reader may open).
async fn contributions(core: &Core, case_id: &str) -> Result<Vec<Entry>, CoreError> {
    let found = core.store.case_contributions(case_id).await?;
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let names = crate::referrals::organisation_names(core).await?;
    let mut entries = Vec::new();
    for c in found {
        let part = match c.kind {
            "card" => core.reference.form(&c.code).and_then(|f| f.part),
            _ => c.part.as_deref().and_then(|p| p.parse().ok()),
        };
        let Some(part) = part else {
            return Err(CoreError::internal("a service's record has no file part"));
        };
        entries.push(Entry::Contribution {
            at_ms: c.at_ms,
            kind: c.kind,
            organisation_name: names
                .get(&c.organisation)
                .cloned()
                .unwrap_or_else(|| c.organisation.clone()),
            id: c.id,
            code: c.code,
            part,
            organisation: c.organisation,
            referral_id: c.referral_id,
        });
    }
    Ok(entries)
}

/// A case's child as its reader sees them.
#[derive(Default)]
pub struct CaseChild {
    pub sex: String,
    pub birth_year: Option<i64>,
    /// The sealed identity, opened (`Null` once erased or never given).
    pub identity: Value,
}

/// The child of a case the caller opened with [`read`].
pub async fn child(core: &Core, opened: &OpenedCase) -> Result<Option<CaseChild>, CoreError> {
    let child_id = &opened.case.child_id;
    let Some((sex, birth_year, sealed)) = core.store.child_identity(child_id).await? else {
        return Ok(None);
    };
    Ok(Some(CaseChild {
        sex,
        birth_year,
        identity: core.open_identity(child_id, sealed.as_deref())?,
    }))
}

/// Who follows the case opened with [`read`]: their id and username.
pub async fn assignee(
    core: &Core,
    opened: &OpenedCase,
) -> Result<Option<(String, Option<String>)>, CoreError> {
    let Some(id) = core.store.case_assignee(&opened.case.id).await? else {
        return Ok(None);
    };
    let name = core.store.user_by_id(&id).await?.map(|u| u.username);
    Ok(Some((id, name)))
}

/// The usernames of the people named in a timeline, by user id (an id that names
/// no user is shown as it is).
pub async fn usernames(
    core: &Core,
    opened: &OpenedCase,
) -> Result<std::collections::HashMap<String, String>, CoreError> {
    let mut names = std::collections::HashMap::new();
    let mut named: Vec<&String> = Vec::new();
    for entry in &opened.timeline {
        match entry {
            Entry::Stage { by, .. } => named.extend(by),
            Entry::Assigned { to, by, .. } => named.extend(to.iter().chain([by])),
            Entry::Card { .. } | Entry::Contribution { .. } => {}
        }
    }
    for id in named {
        if !names.contains_key(id) {
            let name = core
                .store
                .user_by_id(id)
                .await
                .ok()
                .flatten()
                .map_or_else(|| id.clone(), |u| u.username);
            names.insert(id.clone(), name);
        }
    }
    Ok(names)
}
