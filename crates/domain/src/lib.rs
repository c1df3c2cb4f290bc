//! Awladna's domain: the words the programme uses (vocabularies, territories), the
//! cards it fills (forms as data) and the rules that check them. No IO, no async and
//! no clock: whoever calls passes the time in, so every rule is testable.

pub mod access;
pub mod child;
pub mod clock;
pub mod committee;
pub mod directory;
pub mod drafts;
pub mod files;
pub mod forms;
/// Hostile input for the property tests of every crate; never in the binary.
#[cfg(any(test, feature = "fuzz"))]
pub mod fuzz;
pub mod lang;
pub mod local_dates;
pub mod names;
pub mod pathway;
pub mod periodic;
pub mod reference;
pub mod referral;
pub mod retention;
pub mod scoring;
pub mod stats;
pub mod suppress;
pub mod territory;
pub mod throttle;
pub mod vocabulary;

pub use clock::Clock;
pub use lang::{Labels, Lang};
pub use reference::{Reference, ReferenceError};
pub mod uploads;
// Issue 15.
pub mod rollout;
pub mod training;
// Issue 14 §3–4.
pub mod action_plan;
pub mod diagnosis;
// journeys2 (issue 18)
pub mod approvals;
// Issue 15 §4: the unified protocol as data.
pub mod protocol;
// Issue 17 §1: the Observatory's records (the 2511 line and the e-platform).
pub mod observatory;
pub mod plan_review;
