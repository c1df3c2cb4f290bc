//! Supervisor approval with comments (issue 18): the steps a province asks its
//! coordinator to approve (`domain::approvals`, data) are requested by the case worker
//! and approved or returned by the coordinator, each with a comment that is sealed like
//! the case's other narratives. Requests and decisions are audited and stay on the
//! case's timeline. A closure (or transfer) the province asks to approve needs an
//! approval not yet used (see `cases::moves`).

use crate::cases::{CaseError, Use};
use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::approvals::{ApprovalStep, steps_of};
use awladna_domain::forms::Problem;
use awladna_store::approvals::{ApprovalDecision, ApprovalRecord, NewApproval};
use awladna_store::keys::sealed_aad;
use serde_json::json;

pub const MAX_COMMENT: usize = 2000;

/// An approval with its comments opened and its people named.
pub struct OpenedApproval {
    pub id: String,
    pub step: String,
    pub status: String,
    pub requested_by: String,
    pub requested_at: i64,
    pub request_comment: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_comment: Option<String>,
    pub version: i64,
}

fn comment(value: &str, required: bool) -> Result<Option<&str>, CoreError> {
    let value = value.trim();
    if value.is_empty() {
        return match required {
            true => Err(CoreError::field("comment", Problem::Required)),
            false => Ok(None),
        };
    }
    if value.chars().count() > MAX_COMMENT {
        return Err(CoreError::field(
            "comment",
            Problem::TooLong { max: MAX_COMMENT },
        ));
    }
    Ok(Some(value))
}

fn seal(
    core: &Core,
    column: &str,
    id: &str,
    text: Option<&str>,
) -> Result<Option<Vec<u8>>, CoreError> {
    text.map(|text| {
        core.keyring
            .seal(text.as_bytes(), &sealed_aad("case_approvals", column, id))
            .map_err(CoreError::from)
    })
    .transpose()
}

fn open(
    core: &Core,
    column: &str,
    id: &str,
    sealed: Option<&Vec<u8>>,
) -> Result<Option<String>, CoreError> {
    sealed
        .map(|sealed| {
            let opened = core
                .keyring
                .open(sealed, &sealed_aad("case_approvals", column, id))?;
            Ok(String::from_utf8_lossy(&opened).into_owned())
        })
        .transpose()
}

/// Asks the coordinator to approve a step of an open case; answers the request's id.
/// A step the province does not ask to approve is refused; a request of the same step
/// still waiting is answered with that one (asked twice, stored once).
pub async fn request(
    core: &Core,
    permit: &Permit<act::WorkOnCase>,
    case_id: &str,
    step: &str,
    text: &str,
) -> Result<String, CaseError> {
    let who = permit.who();
    let case = core.case_of(permit, case_id, Use::Change).await?;
    let step = step
        .parse::<ApprovalStep>()
        .ok()
        .filter(|s| steps_of(&case.territory).contains(s))
        .ok_or_else(|| CoreError::field("step", Problem::UnknownCode))?;
    let text = comment(text, false)?;
    let waiting = core
        .store
        .case_approvals(&case.id)
        .await?
        .into_iter()
        .find(|a| a.step == step.code() && a.status == "requested");
    if let Some(waiting) = waiting {
        return Ok(waiting.id);
    }
    let id = uuid::Uuid::now_v7().to_string();
    let now = core.now_ms();
    let sealed = seal(core, "request_comment", &id, text)?;
    let mut tx = core.store.begin().await?;
    tx.insert_approval(&NewApproval {
        id: &id,
        case_id: &case.id,
        step: step.code(),
        by: &who.audit_name,
        at_ms: now,
        comment: sealed.as_deref(),
    })
    .await?;
    tx.audit(who.audit(
        now,
        "case.approval_requested",
        ("case", &case.id),
        &case.territory,
        json!({"approval": id, "step": step.code()}),
    ))
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Approves or returns a waiting request, with a comment (required to return it). A
/// request decided since `version` was read is refused as stale.
pub async fn decide(
    core: &Core,
    permit: &Permit<act::SuperviseCase>,
    case_id: &str,
    approval_id: &str,
    approve: bool,
    text: &str,
    version: Option<i64>,
) -> Result<(), CaseError> {
    let who = permit.who();
    let case = core.case_of(permit, case_id, Use::Read).await?;
    let approval = core
        .store
        .case_approvals(&case.id)
        .await?
        .into_iter()
        .find(|a| a.id == approval_id)
        .ok_or_else(|| CoreError::field("approval_id", Problem::UnknownCode))?;
    let text = comment(text, !approve)?.unwrap_or_default();
    let now = core.now_ms();
    let sealed = seal(core, "decision_comment", &approval.id, Some(text))?.unwrap_or_default();
    let status = if approve { "approved" } else { "returned" };
    let mut tx = core.store.begin().await?;
    let decided = tx
        .decide_approval(&ApprovalDecision {
            id: &approval.id,
            version: version.unwrap_or(approval.version),
            status,
            by: &who.audit_name,
            at_ms: now,
            comment: &sealed,
        })
        .await?;
    if !decided {
        return Err(CoreError::Stale.into());
    }
    tx.audit(who.audit(
        now,
        &format!("case.approval_{status}"),
        ("case", &case.id),
        &case.territory,
        json!({"approval": approval.id, "step": approval.step}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The approval a closure (or transfer) of this case may use, if the province asks for
/// one: `Ok(None)` when it does not, `Err(step)` when none is approved yet.
pub async fn for_closure(
    core: &Core,
    territory: &str,
    case_id: &str,
    closure_reason: Option<&str>,
) -> Result<Result<Option<String>, ApprovalStep>, CoreError> {
    let step = ApprovalStep::of_closure(closure_reason);
    if !steps_of(territory).contains(&step) {
        return Ok(Ok(None));
    }
    let approved = core
        .store
        .case_approvals(case_id)
        .await?
        .into_iter()
        .rev()
        .find(|a| a.step == step.code() && a.status == "approved");
    Ok(approved.map(|a| Some(a.id)).ok_or(step))
}

fn opened(core: &Core, a: ApprovalRecord) -> Result<OpenedApproval, CoreError> {
    Ok(OpenedApproval {
        request_comment: open(core, "request_comment", &a.id, a.request_comment.as_ref())?,
        decision_comment: open(core, "decision_comment", &a.id, a.decision_comment.as_ref())?
            .filter(|c| !c.is_empty()),
        id: a.id,
        step: a.step,
        status: a.status,
        requested_by: a.requested_by,
        requested_at: a.requested_at,
        decided_by: a.decided_by,
        decided_at: a.decided_at,
        version: a.version,
    })
}

/// The approvals of a case its reader was let read, oldest first, people named by
/// their username.
pub async fn of_case(core: &Core, case_id: &str) -> Result<Vec<OpenedApproval>, CoreError> {
    let mut all: Vec<OpenedApproval> = core
        .store
        .case_approvals(case_id)
        .await?
        .into_iter()
        .map(|a| opened(core, a))
        .collect::<Result<_, _>>()?;
    for a in &mut all {
        for id in std::iter::once(&mut a.requested_by).chain(a.decided_by.as_mut()) {
            if let Some(user) = core.store.user_by_id(id).await? {
                *id = user.username;
            }
        }
    }
    Ok(all)
}
