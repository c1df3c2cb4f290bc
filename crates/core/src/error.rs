//! The errors every use case may answer with. A module with refusals of its own has its
//! own error type that wraps this one; the web turns either into a page or JSON.

use awladna_domain::access::Decision;
use awladna_domain::forms::{FieldError, Problem};
use awladna_store::StoreError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum CoreError {
    /// The input breaks the form's rules: one problem per field.
    #[error("the input is not valid")]
    Invalid(Vec<FieldError>),
    /// No such record, or one the caller may not know exists (another province's).
    #[error("not found")]
    NotFound,
    /// The caller's role may not do this.
    #[error("forbidden")]
    Forbidden,
    /// Nobody is signed in (or the session needs its second factor).
    #[error("sign in first")]
    SignIn,
    /// The record changed since the caller read it (its version is older).
    #[error("the record changed since it was read")]
    Stale,
    /// A fault of ours. The detail is for the log, never for the user.
    #[error("internal error: {0}")]
    Internal(String),
}

impl CoreError {
    /// One field's problem.
    pub fn field(field: &str, problem: Problem) -> CoreError {
        CoreError::Invalid(vec![FieldError {
            field: field.to_owned(),
            problem,
        }])
    }

    /// A refusal of the policy as an error (`Allow` is not one: a fault of ours).
    pub fn refused(decision: Decision) -> CoreError {
        match decision {
            Decision::Hidden => CoreError::NotFound,
            Decision::Deny => CoreError::Forbidden,
            Decision::SignIn => CoreError::SignIn,
            Decision::Allow => CoreError::Internal("an allowance taken for a refusal".into()),
        }
    }

    /// What went wrong, for the log (never for a user).
    pub fn detail(&self) -> String {
        self.to_string()
    }

    pub fn internal(detail: impl std::fmt::Display) -> CoreError {
        CoreError::Internal(detail.to_string())
    }
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        CoreError::Internal(e.detail())
    }
}

impl From<awladna_crypto::CryptoError> for CoreError {
    fn from(e: awladna_crypto::CryptoError) -> Self {
        CoreError::Internal(e.to_string())
    }
}

/// Turns the policy's answer into `Ok(())` or the refusal.
pub fn allowed(decision: Decision) -> Result<(), CoreError> {
    match decision {
        Decision::Allow => Ok(()),
        refusal => Err(CoreError::refused(refusal)),
    }
}

/// For a module's own error type with a `Core(CoreError)` variant: storage and sealing
/// faults convert to it through `CoreError`, so `?` works on them directly.
#[macro_export]
macro_rules! wraps_core_error {
    ($error:ty) => {
        impl From<awladna_store::StoreError> for $error {
            fn from(e: awladna_store::StoreError) -> Self {
                Self::Core(e.into())
            }
        }
        impl From<awladna_crypto::CryptoError> for $error {
            fn from(e: awladna_crypto::CryptoError) -> Self {
                Self::Core(e.into())
            }
        }
    };
}
