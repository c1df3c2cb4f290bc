//! A case as the use cases find it: loaded, asked of the policy for the caller's action
//! (another province's case is "not found"), and refused for a change once closed.

use crate::{Core, CoreError, Who};
use awladna_domain::access::{Action, Decision, decide};
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
        if use_ == Use::Change && case.stage == "closed" {
            return Err(CaseError::Closed);
        }
        Ok(case)
    }
}
