//! Forms rendered from their definitions (`domain::forms`): the fields as widgets with
//! the values typed and each problem beside its field, and a posted form read back as
//! the JSON the engine checks. Every page that shows a form uses these: the public
//! preview, the report, the case's cards and plan.

use crate::auth::Caller;
use crate::extract::Shell;
use crate::i18n::Tr;
use askama::Template;
use askama_web::WebTemplate;
use awladna_domain::Lang;
use awladna_domain::forms::{Completeness, FieldError, FieldType, Form};
use awladna_domain::reference::Reference;
use awladna_store::cases::CaseRecord;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Territories are named in Arabic and French only; English readers get the French.
pub(crate) fn territory_name(t: Tr, ar: &str, fr: &str) -> String {
    if t.lang == Lang::Ar {
        ar.to_owned()
    } else {
        fr.to_owned()
    }
}

pub struct ChoiceView {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) checked: bool,
}

pub struct GroupView {
    pub(crate) label: String,
    pub(crate) options: Vec<ChoiceView>,
}

pub struct FieldView {
    code: String,
    /// How the field is drawn: text, textarea, date, datetime-local, number, checkbox,
    /// chips-one, chips-many, territory, commune.
    widget: &'static str,
    label: String,
    hint: Option<String>,
    required: bool,
    personal: bool,
    value: String,
    max_length: Option<usize>,
    min: Option<i64>,
    max: Option<i64>,
    choices: Vec<ChoiceView>,
    groups: Vec<GroupView>,
    error: Option<String>,
}

impl FieldView {
    fn dom_id(&self) -> String {
        format!("f-{}", self.code.replace('.', "-"))
    }
}

pub struct SectionView {
    title: String,
    fields: Vec<FieldView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "form.html")]
pub(crate) struct FormPage {
    shell: Shell,
    code: String,
    title: String,
    version: u32,
    sections: Vec<SectionView>,
    errors: Vec<(String, String, String)>,
    outcome: Option<String>,
    /// Where the form posts, and whether it is only a preview (nothing stored).
    pub(crate) action: String,
    pub(crate) preview: bool,
    /// This rendering's submission key: sent twice (back then save, a double tap), the
    /// form stores once.
    key: String,
    /// The case the form is filled for (id, number), named above it.
    on_case: Option<(String, String)>,
    /// The version of the draft being edited, sent back to detect a concurrent edit.
    pub(crate) draft_version: Option<i64>,
    /// The offline quick capture: the form is queued in the browser (offline.js).
    pub(crate) offline: bool,
    /// The flags of the case the form is filled for, shown above it.
    pub(crate) flags: Vec<crate::cases::flags::FlagView>,
    /// Offline: the form's rules as data (JSON), checked in the browser before queueing.
    pub(crate) offline_rules: String,
    /// Offline: a card on a followed case, chosen from the phone's copy.
    pub(crate) offline_case: bool,
}

/// What a record's page is told by the form that led to it: just saved, or already
/// saved by the same submission.
#[derive(serde::Deserialize, Default)]
pub(crate) struct SavedQuery {
    saved: Option<String>,
    already: Option<String>,
}

impl SavedQuery {
    pub(crate) fn saved(&self) -> bool {
        self.saved.is_some()
    }

    pub(crate) fn already(&self) -> bool {
        self.already.is_some()
    }
}

/// Where a page goes once its form is saved: the record's page, told when the same
/// submission had already stored it (back then save, a double tap).
pub(crate) fn saved_at(page: &str, repeated: bool) -> String {
    if repeated {
        format!("{page}?already=1")
    } else {
        page.to_owned()
    }
}

/// The name of the hidden field that carries a form's submission key.
pub(crate) const KEY_FIELD: &str = "_key";

/// The submission key a posted form carries, if any.
pub(crate) fn submission_key(pairs: &[(String, String)]) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == KEY_FIELD)
        .map(|(_, v)| v.clone())
}

/// What a posted form holds: the values as typed (to show again), the JSON the engine
/// reads, and whether the user saves a draft.
pub(crate) fn read_submission(
    form: &Form,
    pairs: Vec<(String, String)>,
) -> (BTreeMap<String, Vec<String>>, Value, Completeness) {
    let draft = pairs.iter().any(|(k, v)| k == "_action" && v == "draft");
    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, value) in pairs.into_iter().filter(|(k, _)| !k.starts_with('_')) {
        values.entry(key).or_default().push(value);
    }
    let input = submission_json(form, &values);
    (
        values,
        input,
        if draft {
            Completeness::Draft
        } else {
            Completeness::Complete
        },
    )
}

/// Posted pairs become the JSON the engine reads: lists for multi-choice fields.
/// A stored card's values as the form's widgets take them back (a date and time in
/// Moroccan local time, lists as several values), to edit it.
pub(crate) fn stored_values(
    form: &Form,
    values: &Map<String, Value>,
) -> BTreeMap<String, Vec<String>> {
    let mut shown = BTreeMap::new();
    for (code, value) in values {
        let datetime = form
            .field(code)
            .is_some_and(|f| f.kind == FieldType::Datetime);
        let list = match value {
            Value::String(text) if datetime => vec![
                text.parse::<jiff::Timestamp>()
                    .map(|at| {
                        at.to_zoned(awladna_domain::forms::local_zone())
                            .strftime("%Y-%m-%dT%H:%M")
                            .to_string()
                    })
                    .unwrap_or_else(|_| text.clone()),
            ],
            Value::String(text) => vec![text.clone()],
            Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect(),
            Value::Null => continue,
            other => vec![other.to_string()],
        };
        shown.insert(code.clone(), list);
    }
    shown
}

fn submission_json(form: &Form, values: &BTreeMap<String, Vec<String>>) -> Value {
    let mut object = Map::new();
    for (key, list) in values {
        let many = form
            .field(key)
            .is_some_and(|f| f.kind == FieldType::MultiChoice);
        let value = match (many, list.as_slice()) {
            (true, _) => Value::Array(list.iter().cloned().map(Value::String).collect()),
            (false, [one]) => Value::String(one.clone()),
            (false, _) => Value::Array(list.iter().cloned().map(Value::String).collect()),
        };
        object.insert(key.clone(), value);
    }
    Value::Object(object)
}

/// A form that stores what it receives at `action` (not a preview): blank (200), or
/// shown again with the values typed and each problem beside its field (422).
#[allow(clippy::too_many_arguments)] // the page's parts, each needed once
pub(crate) fn storing_form(
    t: Tr,
    here: String,
    caller: &Caller,
    form: &Form,
    reference: &Reference,
    action: String,
    values: &BTreeMap<String, Vec<String>>,
    errors: &[FieldError],
    on_case: Option<&CaseRecord>,
) -> Response {
    storing_page(
        t, here, caller, form, reference, action, values, errors, on_case,
    )
    .into_response()
}

/// The page of a form that stores what it is sent, with its status (422 when there are
/// errors).
#[allow(clippy::too_many_arguments)] // the page's parts, each needed once
pub(crate) fn storing_page(
    t: Tr,
    here: String,
    caller: &Caller,
    form: &Form,
    reference: &Reference,
    action: String,
    values: &BTreeMap<String, Vec<String>>,
    errors: &[FieldError],
    on_case: Option<&CaseRecord>,
) -> (StatusCode, FormPage) {
    let mut page = render_form(t, here, caller, form, reference, values, errors, None);
    page.action = action;
    page.preview = false;
    page.on_case = on_case.map(|c| (c.id.clone(), c.number.clone()));
    // A new key for every rendering: a form shown again after an error stored nothing.
    page.key = uuid::Uuid::now_v7().to_string();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, page)
}

#[allow(clippy::too_many_arguments)] // the page's parts, each needed once
pub(crate) fn render_form(
    t: Tr,
    here: String,
    caller: &Caller,
    form: &Form,
    reference: &Reference,
    values: &BTreeMap<String, Vec<String>>,
    errors: &[FieldError],
    outcome: Option<String>,
) -> FormPage {
    let message = |e: &FieldError| t.with(e.problem.message_id(), &e.problem.arguments());
    let sections = form
        .sections
        .iter()
        .map(|section| SectionView {
            title: section.labels.get(t.lang).to_owned(),
            fields: section
                .fields
                .iter()
                .map(|field| {
                    let given = values.get(&field.code).cloned().unwrap_or_default();
                    let error = errors.iter().find(|e| e.field == field.code).map(message);
                    field_view(t, field, reference, values, given, error)
                })
                .collect(),
        })
        .collect();
    let errors = errors
        .iter()
        .map(|e| {
            let label = form
                .field(&e.field)
                .map_or_else(|| e.field.clone(), |f| f.labels.get(t.lang).to_owned());
            (
                format!("f-{}", e.field.replace('.', "-")),
                label,
                message(e),
            )
        })
        .collect();
    FormPage {
        shell: Shell::for_caller(t, here, Some(caller)),
        action: format!("/forms/{}", form.code),
        preview: true,
        code: form.code.clone(),
        title: form.labels.get(t.lang).to_owned(),
        version: form.version,
        sections,
        errors,
        outcome,
        key: String::new(),
        on_case: None,
        flags: Vec::new(),
        draft_version: None,
        offline: false,
        offline_rules: String::new(),
        offline_case: false,
    }
}

fn field_view(
    t: Tr,
    field: &awladna_domain::forms::Field,
    reference: &Reference,
    all_values: &BTreeMap<String, Vec<String>>,
    given: Vec<String>,
    error: Option<String>,
) -> FieldView {
    let first = given.first().cloned().unwrap_or_default();
    let mut choices = Vec::new();
    let mut groups = Vec::new();
    let widget = match field.kind {
        FieldType::Text => "text",
        FieldType::Textarea => "textarea",
        FieldType::Date => "date",
        FieldType::Datetime => "datetime-local",
        FieldType::Integer => "number",
        FieldType::Boolean => "checkbox",
        FieldType::Choice | FieldType::MultiChoice => {
            if let Some(vocabulary) = field
                .vocabulary
                .as_deref()
                .and_then(|v| reference.vocabulary(v))
            {
                choices = vocabulary
                    .terms
                    .iter()
                    .map(|term| ChoiceView {
                        value: term.code.clone(),
                        label: term.labels.get(t.lang).to_owned(),
                        checked: given.contains(&term.code),
                    })
                    .collect();
            }
            if field.kind == FieldType::Choice {
                "chips-one"
            } else {
                "chips-many"
            }
        }
        FieldType::Territory => {
            groups = territory_groups(t, reference, &first);
            "territory"
        }
        FieldType::Commune => {
            // The communes of the territory chosen on the same form, if any.
            let territory = all_values
                .get("territory")
                .and_then(|v| v.first())
                .cloned()
                .unwrap_or_default();
            choices = commune_choices(t, reference, &territory, &first);
            "commune"
        }
    };
    FieldView {
        code: field.code.clone(),
        widget,
        label: field.labels.get(t.lang).to_owned(),
        hint: field.hint.as_ref().map(|h| h.get(t.lang).to_owned()),
        required: field.required,
        personal: field.personal,
        value: first,
        max_length: field.max_length,
        min: field.min,
        max: field.max,
        choices,
        groups,
        error,
    }
}

pub(crate) fn territory_groups(t: Tr, reference: &Reference, selected: &str) -> Vec<GroupView> {
    let all = reference.territories();
    all.iter()
        .filter(|region| region.parent_code.is_none())
        .map(|region| GroupView {
            label: territory_name(t, &region.name_ar, &region.name_fr),
            options: all
                .iter()
                .filter(|p| {
                    p.parent_code.as_deref() == Some(region.code.as_str())
                        && p.kind.hosts_mechanism()
                })
                .map(|p| ChoiceView {
                    value: p.code.clone(),
                    label: territory_name(t, &p.name_ar, &p.name_fr),
                    checked: p.code == selected,
                })
                .collect(),
        })
        .collect()
}

pub(crate) fn commune_choices(
    t: Tr,
    reference: &Reference,
    territory: &str,
    selected: &str,
) -> Vec<ChoiceView> {
    reference
        .communes_of(territory)
        .map(|c| ChoiceView {
            value: c.hcp_code.clone(),
            label: territory_name(t, &c.name_ar, &c.name_fr),
            checked: c.hcp_code == selected,
        })
        .collect()
}

/// A yes/no field as a JSON boolean or a form's value (`1`, `true`, `on`); anything
/// else, or nothing, is no.
pub(crate) fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
    }
    Ok(
        match <Option<Flag> as serde::Deserialize>::deserialize(d)? {
            Some(Flag::Bool(b)) => b,
            Some(Flag::Text(s)) => matches!(s.as_str(), "1" | "true" | "on"),
            None => false,
        },
    )
}
