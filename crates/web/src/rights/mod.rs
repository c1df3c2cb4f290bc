//! The person's rights under Law 09-08 in the web: rectification of a child's identity
//! and the right of access. The use cases are `awladna_core::{rectification,
//! subject_access}`'.

pub mod rectification;
pub mod subject_access;
