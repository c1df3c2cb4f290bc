//! Awladna's use cases: one function for each thing a person (or a machine client)
//! does, written once and called by the web pages, the JSON API, the CLI and the demo.
//!
//! A use case takes
//! - the [`Core`]: the store, the reference data, the clock and the keyring;
//! - a [`Permit`]: the proof that the policy allowed its action (the route's gate asked
//!   for it; only [`Permit::check`] makes one);
//! - its typed input;
//!
//! and returns a typed outcome or a [`CoreError`] (or its module's own error type),
//! with no HTTP status and no message text: the web decides how to show it.
//!
//! Record-level decisions (this case's province, this report's organisation) are asked
//! of `domain::access` here, once the record is loaded.

pub mod accounts;
pub mod assignment;
pub mod audit_log;
pub mod cards;
pub mod cases;
pub mod children;
pub mod committee;
pub mod devices;
pub mod directory;
pub mod error;
pub mod evaluations;
// Offline field work (issue 16 §3).
pub mod field;
pub mod files;
pub mod grants;
pub mod maintenance;
pub mod once;
pub mod periodic_reports;
pub mod permit;
pub mod plan;
pub mod public_stats;
pub mod rectification;
pub mod referrals;
pub mod reports;
pub mod retention;
pub mod sealing;
pub mod signin;
pub mod stats;
pub mod subject_access;
pub mod tasks;
pub mod times;
// Issue 15.
pub mod library;
pub mod rollout;
pub mod training;
// Issue 14 §3–4: the territorial diagnosis and the provincial action plan.
pub mod action_plans;
pub mod diagnosis;
// journeys2 (issue 18)
pub mod approvals;
pub mod flags;
pub mod merges;
pub mod transfers;
// Issue 15 §4 / 19 §1: the unified protocol where it matters, and its statistics.
pub mod protocol;
pub mod protocol_stats;
// Issue 17 §1: the Observatory's intake and its status outbox.
pub mod observatory;
// Issue 19 §3: the data-quality page.
pub mod quality;

pub use error::CoreError;
pub use permit::{Act, Permit, Who, act};

use awladna_crypto::Keyring;
use awladna_domain::{Clock, Reference};
use awladna_store::Store;
use awladna_store::audit::AuditEntry;
use std::sync::Arc;

/// What every use case works with. Cheap to clone: everything is shared.
#[derive(Clone)]
pub struct Core {
    pub store: Store,
    pub reference: Arc<Reference>,
    pub clock: Arc<dyn Clock>,
    pub keyring: Arc<Keyring>,
}

impl Core {
    pub fn new(
        store: Store,
        reference: Arc<Reference>,
        clock: Arc<dyn Clock>,
        keyring: Arc<Keyring>,
    ) -> Core {
        Core {
            store,
            reference,
            clock,
            keyring,
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now().as_millisecond()
    }

    /// Records an event that changes nothing else (a read, a refused attempt) in the
    /// audit log, in its own transaction.
    pub async fn audit_alone(&self, entry: AuditEntry) -> Result<(), CoreError> {
        let mut tx = self.store.begin().await?;
        tx.audit(entry).await?;
        Ok(tx.commit().await?)
    }
}
