//! A case transferred to another province's mechanism when the child moves (issue 15
//! §4). Those who may move the sending province's case request it, with a reason
//! (after the coordinator's approval where the province asks for one, issue 18); the
//! receiving province's coordinator accepts it or refuses it with a reason. On
//! acceptance the case and its child belong to the receiving province with their whole
//! history; the sending province reads what it recorded (the timeline up to the
//! acceptance) until it closes its part, then loses access. Everything is audited and
//! told on the case's timeline.
//!
//! Statistics: a case is counted once, in the province that holds it now. Acceptance
//! rebuilds its facts where it went (the store's `touch_case`), so the national totals
//! do not change and no case is counted twice; the reports that opened it stay counted
//! where they were received.

use crate::cases::moves::MoveError;
use crate::cases::read::{Entry, OpenedCase, timeline_of};
use crate::cases::{CaseError, Use};
use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::forms::{Problem, clean_text};
use awladna_store::keys::sealed_aad;
use awladna_store::transfers::{NewTransfer, TransferAnswer, TransferRecord};
use serde_json::json;

pub const MAX_REASON: usize = 2000;

/// A transfer with its reasons opened and its people named by their username.
pub struct OpenedTransfer {
    pub id: String,
    pub case_id: String,
    pub from_territory: String,
    pub to_territory: String,
    pub status: String,
    pub requested_by: String,
    pub requested_at: i64,
    pub reason: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_reason: Option<String>,
    pub released_by: Option<String>,
    pub released_at: Option<i64>,
    pub version: i64,
}

/// The reason as typed: required (or not), within bounds, without control characters.
fn reason(value: &str, required: bool) -> Result<Option<String>, CoreError> {
    let text = clean_text(value, MAX_REASON, true).map_err(|p| CoreError::field("reason", p))?;
    match (text.is_empty(), required) {
        (true, true) => Err(CoreError::field("reason", Problem::Required)),
        (true, false) => Ok(None),
        (false, _) => Ok(Some(text)),
    }
}

fn seal(core: &Core, column: &str, id: &str, text: &str) -> Result<Vec<u8>, CoreError> {
    Ok(core
        .keyring
        .seal(text.as_bytes(), &sealed_aad("case_transfers", column, id))?)
}

fn open(core: &Core, column: &str, id: &str, sealed: &[u8]) -> Result<String, CoreError> {
    let opened = core
        .keyring
        .open(sealed, &sealed_aad("case_transfers", column, id))?;
    Ok(String::from_utf8_lossy(&opened).into_owned())
}

async fn opened(core: &Core, t: TransferRecord) -> Result<OpenedTransfer, CoreError> {
    let mut o = OpenedTransfer {
        reason: open(core, "reason", &t.id, &t.reason)?,
        decision_reason: t
            .decision_reason
            .as_deref()
            .map(|s| open(core, "decision_reason", &t.id, s))
            .transpose()?,
        id: t.id,
        case_id: t.case_id,
        from_territory: t.from_territory,
        to_territory: t.to_territory,
        status: t.status,
        requested_by: t.requested_by,
        requested_at: t.requested_at,
        decided_by: t.decided_by,
        decided_at: t.decided_at,
        released_by: t.released_by,
        released_at: t.released_at,
        version: t.version,
    };
    for id in std::iter::once(&mut o.requested_by)
        .chain(o.decided_by.as_mut())
        .chain(o.released_by.as_mut())
    {
        if let Some(user) = core.store.user_by_id(id).await? {
            *id = user.username;
        }
    }
    Ok(o)
}

/// Asks `to`'s mechanism to take the case over; answers the transfer's id. A transfer
/// to the same province still waiting is answered with that one (asked twice, stored
/// once); one to another province is refused as a conflict.
pub async fn request(
    core: &Core,
    permit: &Permit<act::MoveCase>,
    case_id: &str,
    to: &str,
    text: &str,
    version: Option<i64>,
) -> Result<String, MoveError> {
    let case = match core.case_of(permit, case_id, Use::Change).await {
        Ok(case) => case,
        Err(CaseError::Closed) => return Err(CoreError::field("to", Problem::UnknownCode).into()),
        Err(CaseError::Core(e)) => return Err(e.into()),
    };
    let to = to.trim();
    let receives = core
        .reference
        .territory(to)
        .is_some_and(|t| t.kind.hosts_mechanism());
    if !receives || to == case.territory {
        return Err(CoreError::field("to", Problem::UnknownTerritory).into());
    }
    let text = reason(text, true)?.unwrap_or_default();
    if let Some(waiting) = core
        .store
        .case_transfers(&case.id)
        .await?
        .into_iter()
        .find(|t| t.status == "requested")
    {
        return match waiting.to_territory == to {
            true => Ok(waiting.id),
            false => Err(MoveError::Stale),
        };
    }
    if version.is_some_and(|v| v != case.version) {
        return Err(MoveError::Stale);
    }
    let approval =
        crate::approvals::for_closure(core, &case.territory, &case.id, Some("transferred"))
            .await?
            .map_err(MoveError::NeedsApproval)?;
    let id = uuid::Uuid::now_v7().to_string();
    let now = core.now_ms();
    let who = permit.who();
    let sealed = seal(core, "reason", &id, &text)?;
    let mut tx = core.store.begin().await?;
    tx.insert_transfer(&NewTransfer {
        id: &id,
        case_id: &case.id,
        from: &case.territory,
        to,
        by: &who.audit_name,
        at_ms: now,
        reason: &sealed,
    })
    .await?;
    if let Some(approval) = &approval
        && !tx.use_approval(approval).await?
    {
        return Err(MoveError::Stale);
    }
    tx.audit(who.audit(
        now,
        "case.transfer_requested",
        ("case", &case.id),
        &case.territory,
        json!({"transfer": id, "to": to, "approval": approval}),
    ))
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Whether an answer was recorded now or had been already (the same answer twice
/// lands once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    Now,
    Already,
}

/// The receiving province accepts a transfer (the case is then its own) or refuses it
/// with a reason. A transfer answered otherwise since `version` was read is stale.
pub async fn answer(
    core: &Core,
    permit: &Permit<act::AssignCase>,
    transfer_id: &str,
    accept: bool,
    text: &str,
    version: Option<i64>,
) -> Result<Answered, CoreError> {
    let t = find(core, transfer_id).await?;
    permit.on(&t.to_territory)?;
    let status = if accept { "accepted" } else { "refused" };
    if t.status == status {
        return Ok(Answered::Already);
    }
    if t.status != "requested" {
        return Err(CoreError::Stale);
    }
    let text = reason(text, !accept)?;
    let now = core.now_ms();
    let who = permit.who();
    let sealed = text
        .as_deref()
        .map(|text| seal(core, "decision_reason", &t.id, text))
        .transpose()?;
    let mut tx = core.store.begin().await?;
    let answer = TransferAnswer {
        id: &t.id,
        version: version.unwrap_or(t.version),
        accept,
        by: &who.audit_name,
        at_ms: now,
        reason: sealed.as_deref(),
    };
    if !tx
        .answer_transfer(&answer, &t.case_id, &t.to_territory)
        .await?
    {
        return Err(CoreError::Stale);
    }
    // Told to both provinces' audit pages.
    for territory in [&t.to_territory, &t.from_territory] {
        tx.audit(who.audit(
            now,
            &format!("case.transfer_{status}"),
            ("case", &t.case_id),
            territory,
            json!({"transfer": t.id, "from": t.from_territory, "to": t.to_territory}),
        ))
        .await?;
    }
    tx.commit().await?;
    Ok(Answered::Now)
}

/// The sending province closes its part of an accepted transfer: it no longer reads
/// the case. Closing it twice lands once.
pub async fn release(
    core: &Core,
    permit: &Permit<act::MoveCase>,
    transfer_id: &str,
    version: Option<i64>,
) -> Result<Answered, CoreError> {
    let t = find(core, transfer_id).await?;
    permit.on(&t.from_territory)?;
    if t.status != "accepted" {
        return Err(CoreError::NotFound);
    }
    if t.released_at.is_some() {
        return Ok(Answered::Already);
    }
    let now = core.now_ms();
    let who = permit.who();
    let mut tx = core.store.begin().await?;
    let version = version.unwrap_or(t.version);
    if !tx
        .release_transfer(&t.id, version, &who.audit_name, now)
        .await?
    {
        return Err(CoreError::Stale);
    }
    tx.audit(who.audit(
        now,
        "case.transfer_released",
        ("case", &t.case_id),
        &t.from_territory,
        json!({"transfer": t.id, "to": t.to_territory}),
    ))
    .await?;
    tx.commit().await?;
    Ok(Answered::Now)
}

/// A transfer by its id; an id no record can have (a control character: PostgreSQL
/// refuses NUL) is not found.
async fn find(core: &Core, id: &str) -> Result<TransferRecord, CoreError> {
    if id.chars().any(char::is_control) {
        return Err(CoreError::NotFound);
    }
    core.store.transfer(id).await?.ok_or(CoreError::NotFound)
}

/// The transfers of a case whose reader was let read it, oldest first.
pub async fn of_case(core: &Core, case_id: &str) -> Result<Vec<OpenedTransfer>, CoreError> {
    let mut all = Vec::new();
    for t in core.store.case_transfers(case_id).await? {
        all.push(opened(core, t).await?);
    }
    Ok(all)
}

/// A transfer as the lists show it: with its case's number.
pub struct Listed {
    pub transfer: OpenedTransfer,
    pub number: String,
}

async fn listed(core: &Core, found: Vec<TransferRecord>) -> Result<Vec<Listed>, CoreError> {
    let mut all = Vec::new();
    for t in found {
        let number = core
            .store
            .case(&t.case_id)
            .await?
            .map(|c| c.number)
            .unwrap_or_default();
        all.push(Listed {
            transfer: opened(core, t).await?,
            number,
        });
    }
    Ok(all)
}

/// A transfer waiting for (or answered by) the reader's province, with its case's
/// number: what the answer's confirmation shows. Another province's is not found.
pub async fn to_answer(
    core: &Core,
    permit: &Permit<act::AssignCase>,
    transfer_id: &str,
) -> Result<Listed, CoreError> {
    let t = find(core, transfer_id).await?;
    permit.on(&t.to_territory)?;
    listed(core, vec![t])
        .await?
        .pop()
        .ok_or(CoreError::NotFound)
}

/// The transfers waiting for the answer of the reader's province (none for a national
/// body), and those it sent that are still open (waiting, or accepted with its part
/// not closed).
pub async fn of_province(
    core: &Core,
    permit: &Permit<act::ReadCase>,
) -> Result<(Vec<Listed>, Vec<Listed>), CoreError> {
    let Some(own) = permit.actor().territory.as_deref() else {
        return Ok((Vec::new(), Vec::new()));
    };
    let waiting = core.store.transfers_waiting_for(own).await?;
    let sent = core.store.transfers_sent_open(own).await?;
    Ok((listed(core, waiting).await?, listed(core, sent).await?))
}

/// The case an accepted transfer took away, as the sending province may still read it:
/// the timeline up to the acceptance, its files read as the sender's. Audited as a read
/// of the case. Refused (not found) once the sending province closed its part.
pub async fn read_sent(
    core: &Core,
    permit: &Permit<act::ReadCase>,
    transfer_id: &str,
) -> Result<(OpenedTransfer, OpenedCase), CoreError> {
    let t = find(core, transfer_id).await?;
    permit.on(&t.from_territory)?;
    let (Some(accepted_at), None) = (
        t.decided_at.filter(|_| t.status == "accepted"),
        t.released_at,
    ) else {
        return Err(CoreError::NotFound);
    };
    let case = core
        .store
        .case(&t.case_id)
        .await?
        .ok_or(CoreError::NotFound)?;
    let timeline: Vec<Entry> = timeline_of(core, permit.actor(), &case, &t.from_territory)
        .await?
        .into_iter()
        .filter(|e| e.at_ms() <= accepted_at)
        .collect();
    core.audit_alone(permit.who().audit(
        core.now_ms(),
        "case.read",
        ("case", &case.id),
        &t.from_territory,
        json!({"transfer": t.id}),
    ))
    .await?;
    let concerns = core.store.case_concerns(&case.id).await?;
    Ok((
        opened(core, t).await?,
        OpenedCase {
            case,
            concerns,
            timeline,
        },
    ))
}
