//! Transitional: the form rendering moved to `crate::forms` and the public pages to
//! `crate::public`. These re-exports keep the paths other features import until the
//! architecture's merge points them at `crate::forms`; then this file goes.

pub(crate) use crate::forms::{read_submission, storing_form};
