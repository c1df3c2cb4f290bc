//! A stored card as a reader sees it: its sections with the fields that hold a value,
//! codes turned into labels and times into local time.

use crate::i18n::Tr;
use awladna_domain::Lang;
use awladna_domain::forms::{Field, FieldType, Form};
use awladna_domain::reference::Reference;
use serde_json::{Map, Value};

pub struct ShownField {
    pub(crate) label: String,
    pub(crate) value: String,
    pub(crate) personal: bool,
}

pub struct ShownSection {
    pub(crate) title: String,
    pub(crate) fields: Vec<ShownField>,
}

/// The sections of `form` that hold a value, in the form's order.
pub fn shown_sections(
    t: Tr,
    reference: &Reference,
    form: &Form,
    values: &Map<String, Value>,
) -> Vec<ShownSection> {
    form.sections
        .iter()
        .map(|section| ShownSection {
            title: section.labels.get(t.lang).to_owned(),
            fields: section
                .fields
                .iter()
                .filter_map(|field| {
                    let value = values.get(&field.code)?;
                    Some(ShownField {
                        label: field.labels.get(t.lang).to_owned(),
                        value: display(t, reference, field, value),
                        personal: field.personal,
                    })
                })
                .collect(),
        })
        .filter(|s| !s.fields.is_empty())
        .collect()
}

/// A stored value as a reader expects it: labels for codes, local time for times.
fn display(t: Tr, reference: &Reference, field: &Field, value: &Value) -> String {
    let label = |code: &str| -> String {
        field
            .vocabulary
            .as_deref()
            .and_then(|v| reference.vocabulary(v))
            .and_then(|v| v.label(code, t.lang))
            .unwrap_or(code)
            .to_owned()
    };
    let place = |ar: &str, fr: &str| {
        if t.lang == Lang::Ar {
            ar.to_owned()
        } else {
            fr.to_owned()
        }
    };
    match (field.kind, value) {
        (FieldType::Choice, Value::String(code)) => label(code),
        (FieldType::MultiChoice, Value::Array(codes)) => codes
            .iter()
            .filter_map(Value::as_str)
            .map(label)
            .collect::<Vec<_>>()
            .join(t.list_separator()),
        (FieldType::Territory, Value::String(code)) => reference
            .territory(code)
            .map_or_else(|| code.clone(), |p| place(&p.name_ar, &p.name_fr)),
        (FieldType::Commune, Value::String(code)) => reference
            .commune(code)
            .map_or_else(|| code.clone(), |c| place(&c.name_ar, &c.name_fr)),
        (FieldType::Datetime, Value::String(text)) => text
            .parse::<jiff::Timestamp>()
            .map(crate::times::local)
            .unwrap_or_else(|_| text.clone()),
        (FieldType::Boolean, Value::Bool(b)) => t.get(if *b { "value-yes" } else { "value-no" }),
        (_, Value::String(text)) => text.clone(),
        (_, other) => other.to_string(),
    }
}
