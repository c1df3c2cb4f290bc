//! The National Observatory (issue 17 §1): its records in, their statuses out. The API
//! is its token's; the pages are its operators' (the provinces' reception) and the
//! administrators' (the outbox). The use cases are `awladna_core::observatory`'s.

pub mod api;
pub mod pages;
pub mod push;

use crate::state::AppState;

/// A province's name in the reader's language.
pub(crate) fn province_name(state: &AppState, t: crate::i18n::Tr, code: &str) -> String {
    state
        .reference
        .territory(code)
        .map(|p| match t.lang {
            awladna_domain::Lang::Ar => p.name_ar.clone(),
            _ => p.name_fr.clone(),
        })
        .unwrap_or_else(|| code.to_owned())
}
