//! Cards recorded on a case: which form goes with which action, and a checked card
//! sealed and made ready to store.

use crate::{Core, CoreError, Who};
use awladna_domain::access::Action;
use awladna_domain::files::FilePart;
use awladna_domain::forms::{CheckedCard, Form};
use awladna_store::cards::NewCard;
use awladna_store::cases::CaseRecord;
use awladna_store::keys::sealed_aad;
use serde_json::Value;

/// Forms recorded on a case that belong to no file part (those with a part are the
/// files' entries, recorded the same way).
pub const CASE_FORMS: [&str; 2] = ["followup", "child_profile"];

/// A checked card ready to store: its id, the values kept in clear and the sealed ones.
pub struct SealedCard {
    pub id: String,
    pub data: Value,
    pub sealed: Vec<u8>,
}

impl Core {
    /// A form that is recorded on a case, and the actions to write and to read it.
    pub fn case_form(&self, code: &str) -> Option<(&Form, Action, Action)> {
        let form = self.reference.form(code)?;
        match form.part {
            Some(part) => Some((form, Action::WriteFile(part), Action::ReadFile(part))),
            None if CASE_FORMS.contains(&code) => {
                Some((form, Action::WorkOnCase, Action::ReadCase))
            }
            None => None,
        }
    }

    /// The form whose cards are the entries of a file.
    pub fn entry_form(&self, part: FilePart) -> Option<&Form> {
        self.reference.forms().find(|f| f.part == Some(part))
    }

    /// Seals a checked card's personal values under a new id.
    pub fn seal_checked(&self, form: &Form, card: &CheckedCard) -> Result<SealedCard, CoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        let (data, personal) = card.split(form);
        let sealed = self
            .keyring
            .seal_json(&personal, &sealed_aad("cards", "sealed", &id))?;
        Ok(SealedCard { id, data, sealed })
    }
}

/// The card row of a sealed card recorded on `case` by `who`.
pub fn case_card<'a>(
    sealed: &'a SealedCard,
    data: &'a str,
    card: &'a CheckedCard,
    case: &'a CaseRecord,
    who: &'a Who,
    at_ms: i64,
) -> NewCard<'a> {
    NewCard {
        id: &sealed.id,
        form_code: &card.form_code,
        form_version: card.form_version,
        territory: &case.territory,
        complete: card.complete,
        data,
        sealed: Some(&sealed.sealed),
        created_by: &who.audit_name,
        organisation: who.organisation(),
        case: Some((&case.id, &case.child_id)),
        at_ms,
    }
}
