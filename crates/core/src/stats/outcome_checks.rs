//! The checks after a closure (issue 19 §1): 6 and 12 months after a case closed, the
//! province may record a follow-up card on it, for the cases it chooses to follow. Its
//! `situation.overall` says whether the outcome held (the statistics' `outcome_held`).
//! It is the one card a closed case takes; the case stays closed.

use crate::cards::{RecordedCard, record_on};
use crate::cases::{CaseError, Use};
use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::forms::Problem;
use awladna_domain::pathway::Stage;
use awladna_domain::stats::outcomes::check_window;
use serde_json::Value;

/// The form of a check: the follow-up card.
pub const FORM: &str = "followup";

/// Records a check on a closed case, within 5 to 14 whole months of its closure (the
/// 6-month check from 5 to 8, the 12-month one from 9 to 14). A submission whose `key`
/// was seen stores nothing and answers with the card it stored.
pub async fn record_check(
    core: &Core,
    permit: &Permit<act::WorkOnCase>,
    case_id: &str,
    input: &Value,
    key: Option<&str>,
) -> Result<(RecordedCard, u8), CaseError> {
    let case = core.case_of(permit, case_id, Use::Read).await?;
    let closed_at = case
        .closed_at
        .filter(|_| case.stage == Stage::Closed.code());
    let window = closed_at.and_then(|closed| check_window(closed, core.now_ms()));
    let Some(window) = window else {
        // Open, or outside both windows: nothing to check now.
        return Err(CoreError::field("case", Problem::OutOfRange { min: 5, max: 14 }).into());
    };
    let form = core
        .reference
        .form(FORM)
        .ok_or_else(|| CoreError::internal("the follow-up form is missing"))?;
    let recorded = record_on(core, permit.who(), case, form, input, key).await?;
    Ok((recorded, window))
}
