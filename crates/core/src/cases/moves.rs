//! Moving a case along the pathway (a transition, a closure with its reason, a
//! reopening): the pathway's rules say which moves are allowed, the reason is sealed,
//! and a move made on a stale version is refused rather than overwriting another's.

use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::forms::Problem;
use awladna_domain::pathway::{IllegalMove, Stage, check_explicit_move};
use awladna_store::cases::CaseMove;
use awladna_store::keys::sealed_aad;
use serde_json::json;
use thiserror::Error;

const MAX_REASON: usize = 2000;

#[derive(Debug, Error)]
pub enum MoveError {
    #[error(transparent)]
    Core(#[from] CoreError),
    /// The pathway does not allow this move from the case's stage.
    #[error("the pathway does not allow this move")]
    Illegal(IllegalMove),
    /// The case moved since the caller read it.
    #[error("the case changed since it was read")]
    Stale,
    /// The province asks its coordinator to approve this closure (or transfer) first.
    #[error("the step needs the coordinator's approval")]
    NeedsApproval(awladna_domain::approvals::ApprovalStep),
}

crate::wraps_core_error!(MoveError);

/// A request to move a case, as the API or the page received it.
pub struct MoveRequest<'a> {
    pub to: &'a str,
    pub reason: &'a str,
    /// Required when closing: a code of the closure_reasons vocabulary.
    pub closure_reason: Option<&'a str>,
    /// The version the client read; none takes the current one.
    pub version: Option<i64>,
    /// The mover asked for a step back: required for a move to an earlier stage, and
    /// refused for any other (a saved reason never sends a child back by default).
    pub back: bool,
}

pub struct Moved {
    pub stage: Stage,
    pub version: i64,
}

fn invalid(field: &str, problem: Problem) -> MoveError {
    CoreError::field(field, problem).into()
}

/// Checks and records a move.
pub async fn move_case(
    core: &Core,
    permit: &Permit<act::MoveCase>,
    case_id: &str,
    request: &MoveRequest<'_>,
) -> Result<Moved, MoveError> {
    let case = core.store.case(case_id).await?.ok_or(CoreError::NotFound)?;
    permit.on(&case.territory)?;
    let Ok(to) = request.to.parse::<Stage>() else {
        return Err(invalid("to", Problem::UnknownCode));
    };
    let reason = request.reason.trim();
    if reason.is_empty() {
        return Err(invalid("reason", Problem::Required));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(invalid("reason", Problem::TooLong { max: MAX_REASON }));
    }
    let from = case.stage.parse::<Stage>().unwrap_or(Stage::Detection);
    check_explicit_move(from, to, request.back).map_err(MoveError::Illegal)?;
    // A case closes with a reason that statistics can count; the free text is its summary.
    let closure_reason = match (
        to,
        request
            .closure_reason
            .map(str::trim)
            .filter(|c| !c.is_empty()),
    ) {
        (Stage::Closed, None) => return Err(invalid("closure_reason", Problem::Required)),
        (Stage::Closed, Some(code))
            if core
                .reference
                .vocabulary("closure_reasons")
                .is_some_and(|v| v.contains(code)) =>
        {
            Some(code)
        }
        (Stage::Closed, Some(_)) => return Err(invalid("closure_reason", Problem::UnknownCode)),
        _ => None,
    };
    // A closure the province asks to approve uses an approval (issue 18).
    let approval = match to {
        Stage::Closed => {
            crate::approvals::for_closure(core, &case.territory, &case.id, closure_reason)
                .await?
                .map_err(MoveError::NeedsApproval)?
        }
        _ => None,
    };
    let version = request.version.unwrap_or(case.version);
    let move_id = uuid::Uuid::now_v7().to_string();
    let sealed = core.keyring.seal(
        reason.as_bytes(),
        &sealed_aad("stage_moves", "reason", &move_id),
    )?;
    let who = permit.who();
    let step = CaseMove {
        case_id: &case.id,
        version,
        from: Some(from.code()),
        to: to.code(),
        move_id: &move_id,
        at_ms: core.now_ms(),
        by: &who.audit_name,
        reason: Some(&sealed),
        closure_reason,
    };
    let mut tx = core.store.begin().await?;
    if !tx.move_case(&step).await? {
        return Err(MoveError::Stale);
    }
    if let Some(approval) = &approval
        && !tx.use_approval(approval).await?
    {
        return Err(MoveError::Stale);
    }
    let detail = json!({"from": from.code(), "to": to.code(), "closure_reason": closure_reason, "back": request.back});
    tx.audit(who.audit(
        core.now_ms(),
        "case.moved",
        ("case", &case.id),
        &case.territory,
        detail,
    ))
    .await?;
    tx.commit().await?;
    Ok(Moved {
        stage: to,
        version: version + 1,
    })
}
