//! Transitional: finding children is `awladna_core::children`'; its web side is in
//! `crate::cases::{children, register}`.

use crate::state::AppState;
use serde_json::{Map, Value};

/// The blind tokens of the child named in a report.
// transitional: the rectification helper moves its caller onto awladna_core::children
pub fn name_tokens(state: &AppState, values: &Map<String, Value>) -> Vec<Vec<u8>> {
    awladna_core::children::name_tokens(state, values)
}
