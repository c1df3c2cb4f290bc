//! The steps of a linking card: accepted or declined, delivered, closed; each recorded
//! with its sealed note on the version the reader saw, audited and announced.

use super::{Event, Notifier, ReferralError, placed};
use crate::permit::act;
use crate::{Core, CoreError, Permit, Who};
use awladna_domain::referral::{Status, Step, free_text, take_step};
use awladna_store::keys::sealed_aad;
use awladna_store::referrals::{NewStep, ReferralRecord};
use serde_json::json;

/// The step was recorded: the referral's new status.
pub struct Taken {
    pub status: Status,
}

/// Takes `step` on a referral, with a note (a decline's reason is required). `version`
/// is the one the reader saw (by default, the current one).
pub async fn take(
    core: &Core,
    permit: &Permit<act::UseReferrals>,
    notifier: &dyn Notifier,
    referral_id: &str,
    step: Step,
    note: &str,
    version: Option<i64>,
) -> Result<Taken, ReferralError> {
    let who = permit.who();
    let (referral, current, standing) = placed(core, who, referral_id).await?;
    let side = standing.side_for(step).map_err(ReferralError::Illegal)?;
    let note = free_text(note, step == Step::Decline)
        .map_err(|problem| CoreError::field("reason", problem))?;
    let next = take_step(current, step, side).map_err(ReferralError::Illegal)?;
    let version = version.unwrap_or(referral.version);
    if !record_step(core, who, notifier, &referral, next, &note, version).await? {
        return Err(ReferralError::Stale);
    }
    Ok(Taken { status: next })
}

/// Records the step to `next` on `referral` as of `version`; false if the referral
/// changed since.
pub(super) async fn record_step(
    core: &Core,
    who: &Who,
    notifier: &dyn Notifier,
    referral: &ReferralRecord,
    next: Status,
    note: &str,
    version: i64,
) -> Result<bool, CoreError> {
    let step_id = uuid::Uuid::now_v7().to_string();
    let sealed_note = match note.is_empty() {
        true => None,
        false => Some(core.keyring.seal(
            note.as_bytes(),
            &sealed_aad("referral_steps", "note", &step_id),
        )?),
    };
    let now = core.now_ms();
    let event = Event::new(
        "referral.updated",
        &referral.id,
        (&referral.from_org, &referral.to_org),
        next,
    );
    let mut tx = core.store.begin().await?;
    let step = NewStep {
        referral_id: &referral.id,
        version,
        step_id: &step_id,
        status: next.code(),
        by: &who.audit_name,
        at_ms: now,
        note: sealed_note.as_deref(),
    };
    // A step lost to a concurrent one rolls back with the dropped transaction.
    if !tx.take_referral_step(&step).await? {
        return Ok(false);
    }
    tx.audit(who.audit(
        now,
        &format!("referral.{}", next.code()),
        ("referral", &referral.id),
        &referral.territory,
        json!({"case": referral.case_id}),
    ))
    .await?;
    tx.notify(&event.payload()).await?;
    tx.commit().await?;
    notifier.committed(event);
    Ok(true)
}
