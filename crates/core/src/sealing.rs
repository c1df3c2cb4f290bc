//! Personal values are sealed before they are stored and opened only for a reader the
//! policy allowed; the associated data binds each sealed value to its row and column.

use crate::{Core, CoreError};
use awladna_store::cards::CardRecord;
use awladna_store::keys::sealed_aad;
use serde_json::{Map, Value};

impl Core {
    /// All the values of a card: its public ones and its sealed ones, opened.
    pub fn card_values(&self, card: &CardRecord) -> Result<Map<String, Value>, CoreError> {
        let mut values: Map<String, Value> = serde_json::from_str(&card.data).unwrap_or_default();
        if let Some(sealed) = &card.sealed {
            match self
                .keyring
                .open_json(sealed, &sealed_aad("cards", "sealed", &card.id))?
            {
                Value::Object(personal) => values.extend(personal),
                _ => return Err(CoreError::internal("sealed values are not an object")),
            }
        }
        Ok(values)
    }

    /// A child's sealed identity, opened (`Null` for a child recorded without one).
    pub fn open_identity(&self, child_id: &str, sealed: Option<&[u8]>) -> Result<Value, CoreError> {
        match sealed {
            Some(sealed) => Ok(self
                .keyring
                .open_json(sealed, &sealed_aad("children", "identity", child_id))?),
            None => Ok(Value::Null),
        }
    }

    /// Seals a card's personal values, if it has any.
    pub fn seal_card(&self, card_id: &str, personal: &Value) -> Result<Option<Vec<u8>>, CoreError> {
        match personal.as_object().filter(|m| !m.is_empty()) {
            Some(_) => Ok(Some(
                self.keyring
                    .seal_json(personal, &sealed_aad("cards", "sealed", card_id))?,
            )),
            None => Ok(None),
        }
    }
}

/// A child's name as lists show it: given name then family name.
pub fn display_name(identity: &Value) -> String {
    let part = |key: &str| {
        identity
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    format!("{} {}", part("first_name"), part("last_name"))
        .trim()
        .to_owned()
}
