//! A case as the use cases find it: loaded, asked of the policy for the caller's action
//! (another province's case is "not found"), and refused for a change once closed.
//! The use cases of the case itself are in the submodules: triage opens it, `moves`
//! moves it along the pathway, `read` opens it with its timeline, `list` filters the
//! province's cases.

pub mod list;
pub mod moves;
pub mod read;
pub mod triage;

use crate::permit::Act;
use crate::{Core, CoreError, Permit, Who};
use awladna_domain::access::{Action, Decision, decide};
use awladna_domain::pathway::Stage;
use awladna_store::cases::CaseRecord;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum CaseError {
    #[error(transparent)]
    Core(#[from] CoreError),
    /// Closed cases are read-only until they are reopened.
    #[error("the case is closed")]
    Closed,
}

crate::wraps_core_error!(CaseError);

/// Whether a use case changes the case (a closed case refuses changes) or only reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    Read,
    Change,
}

impl Core {
    /// The case `case_id` if `who` may do `action` on it; a change also needs the case
    /// to be open.
    pub async fn case_for(
        &self,
        who: &Who,
        case_id: &str,
        action: Action,
        use_: Use,
    ) -> Result<CaseRecord, CaseError> {
        let case = self.store.case(case_id).await?.ok_or(CoreError::NotFound)?;
        match decide(Some(&who.actor), action, Some(&case.territory)) {
            Decision::Allow => {}
            Decision::Deny => return Err(CoreError::Forbidden.into()),
            _ => return Err(CoreError::NotFound.into()),
        }
        if use_ == Use::Change && case.stage == Stage::Closed.code() {
            return Err(CaseError::Closed);
        }
        Ok(case)
    }

    /// [`Core::case_for`] for the permit's own action.
    pub async fn case_of<A: Act>(
        &self,
        permit: &Permit<A>,
        case_id: &str,
        use_: Use,
    ) -> Result<CaseRecord, CaseError> {
        self.case_for(permit.who(), case_id, A::ACTION, use_).await
    }
}
