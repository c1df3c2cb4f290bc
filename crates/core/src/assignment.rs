//! Who follows a case: the worker who triaged it, until a coordinator gives it to
//! another case worker or coordinator of the same province.

use crate::cases::{CaseError, Use};
use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::access::follows_cases;
use awladna_domain::forms::Problem;
use awladna_store::identity::UserSummary;
use serde_json::json;

/// The active users of a province who can follow a case.
pub async fn assignable(core: &Core, territory: &str) -> Result<Vec<UserSummary>, CoreError> {
    Ok(core
        .store
        .users(Some(territory))
        .await?
        .into_iter()
        .filter(|u| !u.disabled && follows_cases(&u.roles))
        .collect())
}

/// Gives an open case to a user of its province who follows cases, or to nobody;
/// answers the case's id.
pub async fn assign(
    core: &Core,
    permit: &Permit<act::AssignCase>,
    case_id: &str,
    user_id: Option<&str>,
) -> Result<String, CaseError> {
    let case = core.case_of(permit, case_id, Use::Change).await?;
    let user_id = user_id.map(str::trim).filter(|u| !u.is_empty());
    if let Some(user_id) = user_id {
        // Someone of another province, disabled, or without case work is "unknown":
        // the answer must not tell which users exist elsewhere.
        if !assignable(core, &case.territory)
            .await?
            .iter()
            .any(|u| u.id == user_id)
        {
            return Err(CoreError::field("user_id", Problem::UnknownCode).into());
        }
    }
    let who = permit.who();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    tx.assign_case(&case.id, user_id, &who.audit_name, now)
        .await?;
    tx.audit(who.audit(
        now,
        "case.assigned",
        ("case", &case.id),
        &case.territory,
        json!({"to": user_id}),
    ))
    .await?;
    tx.commit().await?;
    Ok(case.id)
}
