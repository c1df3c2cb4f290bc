//! The linking card (بطاقة الربط): a child referred from a case to another service, with
//! the parts of the file shared on a stated ground, answered step by step by the
//! receiving service, each step pushed to both ends. The receiving service reads what
//! was shared while the referral is open, and nothing after.
//!
//! Who stands where to a referral, which side takes which step and what each reader
//! sees are the policy's (`domain::access::referral_standing`, `domain::referral`);
//! these use cases gather the facts it needs, store and audit what it allowed.
//!
//! Every change is told to a [`Notifier`] once committed. The NOTIFY that reaches the
//! other server processes is sent inside the transaction, here; what happens in the
//! caller's own process (the event streams of its pages, the mail to the receiving
//! service) is the notifier's. It is a parameter rather than something returned so
//! that no adapter can forget it: opening a card may record its "received" step, and
//! the sender's page must hear of it whichever adapter opened it.

mod contributions;
mod open;
mod send;
mod steps;

pub use contributions::{
    AnswerInput, ContributionError, Contributions, OpenedAnswer, add_document, add_entry, answer,
    answers, own, own_document, writable_for,
};
pub use open::{OpenedReferral, ReferForm, TakenStep, open, refer_form};
pub use send::{ReferralRequest, Sent, send};
pub use steps::{Taken, take};

use crate::cases::CaseError;
use crate::permit::act;
use crate::{Core, CoreError, Permit, Who};
use awladna_domain::access::{Actor, ReferralFacts, oversees_referrals, referral_standing};
use awladna_domain::referral::{IllegalStep, Standing, Status};
use awladna_store::referrals::{Mailbox, ReferralRecord};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use thiserror::Error;

/// How many referrals a list shows at once.
pub const PAGE_SIZE: i64 = 50;

/// One change of a referral, for the organisations at both ends. No personal data:
/// the page fetches what the user may see. Serialised as it travels between processes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// `referral.sent` or `referral.updated`.
    pub kind: String,
    pub referral: String,
    pub status: String,
    pub orgs: Vec<String>,
}

impl Event {
    fn new(kind: &str, id: &str, (from_org, to_org): (&str, &str), status: Status) -> Event {
        Event {
            kind: kind.to_owned(),
            referral: id.to_owned(),
            status: status.code().to_owned(),
            orgs: vec![from_org.to_owned(), to_org.to_owned()],
        }
    }

    /// The payload of the database notification.
    fn payload(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// What the caller's process does once a change is committed.
pub trait Notifier: Send + Sync {
    /// Hands the event to this process's open pages (the other processes hear it from
    /// the database).
    fn committed(&self, event: Event);
    /// A new linking card waits for `to_org`'s answer: tell its contact points.
    fn waiting(&self, to_org: &str, referral_id: &str);
}

/// A notifier for callers without pages or mail (the command line, tests).
pub struct Silent;

impl Notifier for Silent {
    fn committed(&self, _: Event) {}
    fn waiting(&self, _: &str, _: &str) {}
}

#[derive(Debug, Error)]
pub enum ReferralError {
    #[error(transparent)]
    Core(#[from] CoreError),
    /// The case is closed: nothing more is sent from it until it is reopened.
    #[error("the case is closed")]
    CaseClosed,
    /// The policy or the referral's status does not allow the step.
    #[error("the step is not allowed: {0:?}")]
    Illegal(IllegalStep),
    /// The referral changed since the caller read it.
    #[error("the referral changed since it was read")]
    Stale,
}

crate::wraps_core_error!(ReferralError);

impl From<CaseError> for ReferralError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::Core(e) => ReferralError::Core(e),
            CaseError::Closed => ReferralError::CaseClosed,
        }
    }
}

/// A stored referral's status (an unknown one is a fault of ours).
fn status_of(referral: &ReferralRecord) -> Result<Status, CoreError> {
    referral
        .status
        .parse()
        .map_err(|()| CoreError::internal("a referral has an unknown status"))
}

/// The referral's overdue flag at `now_ms`: still unanswered past its deadline.
pub fn is_overdue(referral: &ReferralRecord, now_ms: i64) -> bool {
    status_of(referral)
        .is_ok_and(|status| awladna_domain::referral::is_overdue(status, referral.due_at, now_ms))
}

/// The referral `id` and where `who` stands to it; `NotFound` if it is not theirs to
/// see.
async fn placed(
    core: &Core,
    who: &Who,
    id: &str,
) -> Result<(ReferralRecord, Status, Standing), CoreError> {
    let referral = core.store.referral(id).await?.ok_or(CoreError::NotFound)?;
    let facts = facts_of(core, &referral).await?;
    let status = facts.status;
    let standing = referral_standing(&who.actor, &facts).ok_or(CoreError::NotFound)?;
    Ok((referral, status, standing))
}

/// What the policy needs to know of a stored referral.
async fn facts_of<'a>(
    core: &Core,
    referral: &'a ReferralRecord,
) -> Result<ReferralFacts<'a>, CoreError> {
    Ok(ReferralFacts {
        from_org: &referral.from_org,
        to_org: &referral.to_org,
        territory: &referral.territory,
        status: status_of(referral)?,
        receiver_staffed: core.store.organisation_has_users(&referral.to_org).await?,
    })
}

/// A page of the caller's organisation's inbox or outbox, newest first.
pub struct Listed {
    /// The page shown (the one asked for, at least the first).
    pub page: i64,
    /// At most [`PAGE_SIZE`] referrals.
    pub referrals: Vec<ReferralRecord>,
    /// Whether a next page has any.
    pub more: bool,
}

pub async fn list(
    core: &Core,
    permit: &Permit<act::UseReferrals>,
    which: Mailbox,
    page: Option<i64>,
) -> Result<Listed, CoreError> {
    let page = page.unwrap_or(1).clamp(1, i64::MAX / PAGE_SIZE);
    let mut referrals = core
        .store
        .referrals_of(
            &permit.actor().organisation,
            which,
            PAGE_SIZE + 1,
            (page - 1) * PAGE_SIZE,
        )
        .await?;
    let shown = usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX);
    let more = referrals.len() > shown;
    referrals.truncate(shown);
    Ok(Listed {
        page,
        referrals,
        more,
    })
}

/// How many referrals wait for the caller's organisation's answer, and how many of
/// those are overdue.
pub struct Waiting {
    pub waiting: i64,
    pub overdue: i64,
}

pub async fn waiting(
    core: &Core,
    permit: &Permit<act::UseReferrals>,
) -> Result<Waiting, CoreError> {
    let (waiting, overdue) = core
        .store
        .inbox_waiting(&permit.actor().organisation, core.now_ms())
        .await?;
    Ok(Waiting { waiting, overdue })
}

/// The referrals of a case, newest first, for a reader the case's page already let in.
pub async fn of_case(core: &Core, case_id: &str) -> Result<Vec<ReferralRecord>, CoreError> {
    Ok(core.store.referrals_of_case(case_id).await?)
}

/// The referrals of the province `actor` oversees still unanswered past their
/// deadline, most overdue first (at most a hundred; none for anyone else).
pub async fn overdue(core: &Core, actor: &Actor) -> Result<Vec<ReferralRecord>, CoreError> {
    match actor.territory.as_deref() {
        Some(territory) if oversees_referrals(actor, territory) => Ok(core
            .store
            .overdue_referrals(territory, core.now_ms(), 100)
            .await?),
        _ => Ok(Vec::new()),
    }
}

/// Organisation names by code, for the ends of the referrals a page lists.
pub async fn organisation_names(core: &Core) -> Result<HashMap<String, String>, CoreError> {
    Ok(core
        .store
        .organisations(None)
        .await?
        .into_iter()
        .map(|o| (o.code, o.name))
        .collect())
}

/// The mail addresses of `org`'s contact points, as its directory entry keeps them.
pub async fn contact_addresses(core: &Core, org: &str) -> Result<Vec<String>, CoreError> {
    Ok(core
        .store
        .directory_listing(org)
        .await?
        .and_then(|listing| listing.entry)
        .map(|entry| entry.contacts.into_iter().filter_map(|c| c.email).collect())
        .unwrap_or_default())
}
