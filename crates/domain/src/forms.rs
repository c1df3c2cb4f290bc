//! Forms as data. Each card of the pathway (reporting, evaluation, linking, follow-up…)
//! is a versioned definition shipped in the binary. This one engine checks a
//! submission against it; the web layer renders it and the API documents it from the
//! same definition. A stored card keeps the version it was filled with.

use crate::files::FilePart;
use crate::lang::Labels;
use crate::reference::Reference;
use crate::vocabulary::is_code;
use jiff::{Timestamp, civil::Date, tz::TimeZone};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};

/// Where a local time typed without an offset (an HTML `datetime-local`) is read.
pub const LOCAL_TIME_ZONE: &str = "Africa/Casablanca";

#[derive(Debug, Clone, Serialize)]
pub struct Form {
    pub code: String,
    pub version: u32,
    #[serde(flatten)]
    pub labels: Labels,
    /// The file of the case its cards belong to, for the entries of the social, medical
    /// and judicial files: who may read a card follows from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<FilePart>,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub code: String,
    #[serde(flatten)]
    pub labels: Labels,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// The stable code used by the API and statistics, e.g. `child.first_name`.
    pub code: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    #[serde(flatten)]
    pub labels: Labels,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<Labels>,
    pub required: bool,
    /// Identifying data: encrypted at rest, never logged, never in a message.
    pub personal: bool,
    /// Copied, de-identified, into the facts that statistics read.
    pub statistics: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vocabulary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// A date that may lie ahead (a due date, the next visit). Other dates record what
    /// happened, so a future one is a typing mistake and is refused.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub future: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Textarea,
    Date,
    Datetime,
    Integer,
    Boolean,
    /// One code of the field's vocabulary.
    Choice,
    /// Several codes of the field's vocabulary.
    MultiChoice,
    /// A territory that hosts a mechanism (a province or prefecture).
    Territory,
    /// A commune, by HCP code.
    Commune,
}

impl FieldType {
    fn default_max_length(self) -> usize {
        match self {
            FieldType::Textarea => 10_000,
            _ => 200,
        }
    }
}

/// Why a value was refused. The web layer turns each into a sentence in the user's
/// language; the problem never quotes the value itself, which may be personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    Required,
    UnknownField,
    NotText,
    TooLong {
        max: usize,
    },
    ControlCharacters,
    /// Characters that change the direction of the text around them (U+202A–U+202E,
    /// U+2066–U+2069): a name can then show as another text (`gnp.exe` as `exe.png`).
    DirectionControls,
    NotADate,
    InTheFuture,
    NotADateTime,
    NotAnInteger,
    OutOfRange {
        min: i64,
        max: i64,
    },
    NotABoolean,
    UnknownCode,
    Duplicate,
    UnknownTerritory,
    UnknownCommune,
    CommuneOutsideTerritory,
    /// Not a Moroccan phone number (nor a short service number such as 2511).
    NotAPhone,
    NotAnEmail,
    /// Not a decimal number (a latitude or a longitude).
    NotADecimal,
    /// A GPS position outside Morocco's bounding box.
    OutsideMorocco,
    /// A GPS position whose latitude and longitude look swapped.
    SwappedCoordinates,
    /// A contact point with neither a phone number nor an email address.
    NoWayToReach,
    /// A part of the child's file that the receiving service may not read.
    NotShareable,
    /// A referral to one's own organisation.
    OwnOrganisation,
    /// An end (a mandate, a period) before its start.
    EndsBeforeStart,
}

impl Problem {
    /// The message id in the Fluent files (`form-error-…`).
    pub fn message_id(&self) -> &'static str {
        match self {
            Problem::Required => "form-error-required",
            Problem::UnknownField => "form-error-unknown-field",
            Problem::NotText => "form-error-not-text",
            Problem::TooLong { .. } => "form-error-too-long",
            Problem::ControlCharacters => "form-error-control-characters",
            Problem::DirectionControls => "form-error-direction-controls",
            Problem::NotADate => "form-error-not-a-date",
            Problem::InTheFuture => "form-error-in-the-future",
            Problem::NotADateTime => "form-error-not-a-datetime",
            Problem::NotAnInteger => "form-error-not-an-integer",
            Problem::OutOfRange { .. } => "form-error-out-of-range",
            Problem::NotABoolean => "form-error-not-a-boolean",
            Problem::UnknownCode => "form-error-unknown-code",
            Problem::Duplicate => "form-error-duplicate",
            Problem::UnknownTerritory => "form-error-unknown-territory",
            Problem::UnknownCommune => "form-error-unknown-commune",
            Problem::CommuneOutsideTerritory => "form-error-commune-outside-territory",
            Problem::NotAPhone => "form-error-not-a-phone",
            Problem::NotAnEmail => "form-error-not-an-email",
            Problem::NotADecimal => "form-error-not-a-decimal",
            Problem::OutsideMorocco => "form-error-outside-morocco",
            Problem::SwappedCoordinates => "form-error-swapped-coordinates",
            Problem::NoWayToReach => "form-error-no-way-to-reach",
            Problem::NotShareable => "form-error-not-shareable",
            Problem::OwnOrganisation => "form-error-own-organisation",
            Problem::EndsBeforeStart => "form-error-ends-before-start",
        }
    }

    /// The numbers a message needs, by Fluent argument name.
    pub fn arguments(&self) -> Vec<(&'static str, i64)> {
        match *self {
            Problem::TooLong { max } => vec![("max", i64::try_from(max).unwrap_or(i64::MAX))],
            Problem::OutOfRange { min, max } => vec![("min", min), ("max", max)],
            _ => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    #[serde(flatten)]
    pub problem: Problem,
}

/// A draft may be saved with required fields missing ("partial reports can be saved
/// and completed later"); every value given is still checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    Draft,
    Complete,
}

/// A submission that passed its form: values normalised, keyed by field code.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedCard {
    pub form_code: String,
    pub form_version: u32,
    pub values: BTreeMap<String, Value>,
    pub complete: bool,
}

impl CheckedCard {
    /// The values to keep in clear and those to seal, as two JSON objects, by the
    /// `personal` mark of each field in `form` (the form this card was checked with).
    pub fn split(&self, form: &Form) -> (Value, Value) {
        let (mut public, mut personal) = (Map::new(), Map::new());
        for (code, value) in &self.values {
            let target = if form.field(code).is_some_and(|f| f.personal) {
                &mut personal
            } else {
                &mut public
            };
            target.insert(code.clone(), value.clone());
        }
        (Value::Object(public), Value::Object(personal))
    }
}

impl Form {
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.sections.iter().flat_map(|s| s.fields.iter())
    }

    pub fn field(&self, code: &str) -> Option<&Field> {
        self.fields().find(|f| f.code == code)
    }

    /// Checks a submission. `input` is a JSON object whose keys are field codes, either
    /// dotted (`"child.sex"`, as an HTML form posts them) or nested (`{"child": {"sex": …}}`).
    /// Empty strings and nulls count as not given.
    pub fn check(
        &self,
        input: &Value,
        completeness: Completeness,
        reference: &Reference,
        now: Timestamp,
    ) -> Result<CheckedCard, Vec<FieldError>> {
        let mut given = BTreeMap::new();
        let mut errors = Vec::new();
        flatten("", input, &mut given, &mut errors);
        let checker = Checker { reference, now };
        let mut values = BTreeMap::new();
        for field in self.fields() {
            match given.remove(field.code.as_str()).filter(|v| !is_blank(v)) {
                Some(value) => match checker.check(field, value) {
                    Ok(v) => {
                        values.insert(field.code.clone(), v);
                    }
                    Err(problem) => errors.push(FieldError {
                        field: field.code.clone(),
                        problem,
                    }),
                },
                None if field.required && completeness == Completeness::Complete => {
                    errors.push(FieldError {
                        field: field.code.clone(),
                        problem: Problem::Required,
                    });
                }
                None => {}
            }
        }
        errors.extend(given.into_keys().map(|field| FieldError {
            field,
            problem: Problem::UnknownField,
        }));
        self.check_commune_in_territory(&values, reference, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        let complete = self
            .fields()
            .filter(|f| f.required)
            .all(|f| values.contains_key(&f.code));
        Ok(CheckedCard {
            form_code: self.code.clone(),
            form_version: self.version,
            values,
            complete,
        })
    }

    // A commune named with a territory must lie in it: a report placed in Salé cannot
    // happen in a commune of Agadir.
    fn check_commune_in_territory(
        &self,
        values: &BTreeMap<String, Value>,
        reference: &Reference,
        errors: &mut Vec<FieldError>,
    ) {
        let territory = self.fields().find(|f| f.kind == FieldType::Territory);
        let commune = self.fields().find(|f| f.kind == FieldType::Commune);
        let (Some(territory), Some(commune)) = (territory, commune) else {
            return;
        };
        let (Some(Value::String(t)), Some(Value::String(c))) =
            (values.get(&territory.code), values.get(&commune.code))
        else {
            return;
        };
        if reference.commune(c).is_some_and(|c| &c.territory_code != t) {
            errors.push(FieldError {
                field: commune.code.clone(),
                problem: Problem::CommuneOutsideTerritory,
            });
        }
    }
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn flatten<'a>(
    prefix: &str,
    input: &'a Value,
    out: &mut BTreeMap<String, &'a Value>,
    errors: &mut Vec<FieldError>,
) {
    let Value::Object(map) = input else {
        errors.push(FieldError {
            field: prefix.to_owned(),
            problem: Problem::UnknownField,
        });
        return;
    };
    for (key, value) in map {
        let code = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        if value.is_object() {
            flatten(&code, value, out, errors);
        } else {
            out.insert(code, value);
        }
    }
}

struct Checker<'a> {
    reference: &'a Reference,
    now: Timestamp,
}

impl Checker<'_> {
    fn check(&self, field: &Field, value: &Value) -> Result<Value, Problem> {
        match field.kind {
            FieldType::Text | FieldType::Textarea => check_text(field, value).map(Value::String),
            FieldType::Date => self.check_date(field, value),
            FieldType::Datetime => self.check_datetime(value),
            FieldType::Integer => check_integer(field, value),
            FieldType::Boolean => check_boolean(value),
            FieldType::Choice => {
                let code = as_str(value).ok_or(Problem::UnknownCode)?.trim();
                self.check_code(field, code)
                    .map(|c| Value::String(c.to_owned()))
            }
            FieldType::MultiChoice => self.check_codes(field, value),
            FieldType::Territory => {
                let code = as_str(value).ok_or(Problem::UnknownTerritory)?.trim();
                match self.reference.territory(code) {
                    Some(t) if t.kind.hosts_mechanism() => Ok(Value::String(t.code.clone())),
                    _ => Err(Problem::UnknownTerritory),
                }
            }
            FieldType::Commune => {
                let code = as_str(value).ok_or(Problem::UnknownCommune)?.trim();
                self.reference
                    .commune(code)
                    .map(|c| Value::String(c.hcp_code.clone()))
                    .ok_or(Problem::UnknownCommune)
            }
        }
    }

    fn check_date(&self, field: &Field, value: &Value) -> Result<Value, Problem> {
        let date: Date = as_str(value)
            .ok_or(Problem::NotADate)?
            .trim()
            .parse()
            .map_err(|_| Problem::NotADate)?;
        let today = self.now.to_zoned(local_zone()).date();
        if date > today && !field.future {
            return Err(Problem::InTheFuture);
        }
        Ok(Value::String(date.to_string()))
    }

    fn check_datetime(&self, value: &Value) -> Result<Value, Problem> {
        let text = as_str(value).ok_or(Problem::NotADateTime)?.trim();
        let at = match text.parse::<Timestamp>() {
            Ok(at) => at,
            // An HTML `datetime-local` has no offset: it is Moroccan local time.
            Err(_) => text
                .parse::<jiff::civil::DateTime>()
                .ok()
                .and_then(|local| local.to_zoned(local_zone()).ok())
                .map(|z| z.timestamp())
                .ok_or(Problem::NotADateTime)?,
        };
        // Clocks of phones drift; a few minutes ahead is not "in the future".
        if at > self.now + jiff::SignedDuration::from_mins(10) {
            return Err(Problem::InTheFuture);
        }
        Ok(Value::String(at.to_string()))
    }

    fn check_code<'v>(&self, field: &Field, code: &'v str) -> Result<&'v str, Problem> {
        let vocabulary = field
            .vocabulary
            .as_deref()
            .and_then(|v| self.reference.vocabulary(v));
        match vocabulary {
            Some(v) if v.contains(code) => Ok(code),
            _ => Err(Problem::UnknownCode),
        }
    }

    fn check_codes(&self, field: &Field, value: &Value) -> Result<Value, Problem> {
        // An HTML form with one box ticked posts a single value, not a list.
        let items: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            single => vec![single],
        };
        let mut seen = HashSet::new();
        let mut codes = Vec::with_capacity(items.len());
        for item in items {
            let code = self.check_code(field, as_str(item).ok_or(Problem::UnknownCode)?.trim())?;
            if !seen.insert(code) {
                return Err(Problem::Duplicate);
            }
            codes.push(Value::String(code.to_owned()));
        }
        Ok(Value::Array(codes))
    }
}

pub fn local_zone() -> TimeZone {
    TimeZone::get(LOCAL_TIME_ZONE).unwrap_or(TimeZone::UTC)
}

fn as_str(value: &Value) -> Option<&str> {
    value.as_str()
}

fn check_text(field: &Field, value: &Value) -> Result<String, Problem> {
    let text = as_str(value).ok_or(Problem::NotText)?;
    let max = field.max_length.unwrap_or(field.kind.default_max_length());
    // Every text of the forms is short or personal (each narrative is): none may hold
    // direction controls.
    clean_text(text, max, field.kind == FieldType::Textarea)
}

/// A typed text, trimmed, within `max` characters, without control characters (line
/// breaks and tabs are allowed in a multi-line text) and without direction controls.
pub fn clean_text(text: &str, max: usize, multiline: bool) -> Result<String, Problem> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(Problem::TooLong { max });
    }
    if text
        .chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t' || c == '\r')))
    {
        return Err(Problem::ControlCharacters);
    }
    if text.chars().any(is_direction_control) {
        return Err(Problem::DirectionControls);
    }
    Ok(text.to_owned())
}

/// The characters that open or close a direction of their own: embeddings and
/// overrides (U+202A–U+202E), isolates (U+2066–U+2069) and the deprecated format
/// controls after them (U+206A–U+206F). Each can make a text show in another order
/// than it is written. The marks U+200E, U+200F and U+061C are not among them: they
/// are one invisible letter of a direction, cannot reorder letters, and Arabic
/// keyboards type them (Ctrl+Shift on Windows) in ordinary mixed text.
pub fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{206F}')
}

fn check_integer(field: &Field, value: &Value) -> Result<Value, Problem> {
    // HTML forms post numbers as text, and Arabic keyboards may type ٠-٩ digits.
    let number = match value {
        Value::Number(n) => n.as_i64().ok_or(Problem::NotAnInteger)?,
        Value::String(s) => western_digits(s.trim())
            .parse()
            .map_err(|_| Problem::NotAnInteger)?,
        _ => return Err(Problem::NotAnInteger),
    };
    let (min, max) = (field.min.unwrap_or(i64::MIN), field.max.unwrap_or(i64::MAX));
    if number < min || number > max {
        return Err(Problem::OutOfRange { min, max });
    }
    Ok(Value::from(number))
}

/// Arabic-Indic digits (٠-٩), as Arabic keyboards type them, as ASCII digits.
pub(crate) fn western_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '٠'..='٩' => char::from_u32(c as u32 - '٠' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect()
}

fn check_boolean(value: &Value) -> Result<Value, Problem> {
    match value {
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::String(s) => match s.trim() {
            "true" | "on" | "yes" | "1" => Ok(Value::Bool(true)),
            "false" | "off" | "no" | "0" => Ok(Value::Bool(false)),
            _ => Err(Problem::NotABoolean),
        },
        _ => Err(Problem::NotABoolean),
    }
}

// ---- Reading definition files -------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForm {
    code: String,
    version: u32,
    ar: String,
    fr: String,
    en: String,
    part: Option<FilePart>,
    sections: Vec<RawSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    code: String,
    ar: String,
    fr: String,
    en: String,
    fields: Vec<RawField>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    code: String,
    #[serde(rename = "type")]
    kind: FieldType,
    ar: String,
    fr: String,
    en: String,
    hint_ar: Option<String>,
    hint_fr: Option<String>,
    hint_en: Option<String>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    personal: bool,
    #[serde(default)]
    statistics: bool,
    vocabulary: Option<String>,
    max_length: Option<usize>,
    min: Option<i64>,
    max: Option<i64>,
    #[serde(default)]
    future: bool,
}

impl Form {
    /// Parses a definition file named `{code}.v{version}.toml`. Vocabulary references are
    /// checked later, once all vocabularies are known (see `Reference`).
    pub fn parse(file_name: &str, text: &str) -> Result<Form, String> {
        let raw: RawForm = toml::from_str(text).map_err(|e| e.to_string())?;
        let expected = format!("{}.v{}.toml", raw.code, raw.version);
        if file_name != expected {
            return Err(format!(
                "a form with code \"{}\" and version {} belongs in {expected}",
                raw.code, raw.version
            ));
        }
        let form = Form {
            code: raw.code,
            version: raw.version,
            labels: Labels {
                ar: raw.ar,
                fr: raw.fr,
                en: raw.en,
            },
            part: raw.part,
            sections: raw.sections.into_iter().map(Section::from).collect(),
        };
        form.check_shape()?;
        Ok(form)
    }

    fn check_shape(&self) -> Result<(), String> {
        if !is_code(&self.code) || self.version == 0 || !self.labels.is_complete() {
            return Err(
                "a form needs a lowercase code, a version from 1 and ar, fr and en titles".into(),
            );
        }
        let mut seen = HashSet::new();
        for section in &self.sections {
            if !section.labels.is_complete() {
                return Err(format!(
                    "section \"{}\" lacks a title in ar, fr or en",
                    section.code
                ));
            }
            for field in &section.fields {
                let code = &field.code;
                if !code.split('.').all(is_code) {
                    return Err(format!(
                        "field code \"{code}\" must be lowercase codes joined by dots"
                    ));
                }
                if !seen.insert(code.as_str()) {
                    return Err(format!("field \"{code}\" appears twice"));
                }
                if !field.labels.is_complete()
                    || field.hint.as_ref().is_some_and(|h| !h.is_complete())
                {
                    return Err(format!(
                        "field \"{code}\" lacks a label or hint in ar, fr or en"
                    ));
                }
                if field.personal && field.statistics {
                    return Err(format!(
                        "field \"{code}\" is personal, so it cannot feed statistics"
                    ));
                }
                if field.future && field.kind != FieldType::Date {
                    return Err(format!(
                        "field \"{code}\": only date fields may be marked future"
                    ));
                }
                let needs_vocabulary =
                    matches!(field.kind, FieldType::Choice | FieldType::MultiChoice);
                if needs_vocabulary != field.vocabulary.is_some() {
                    return Err(format!(
                        "field \"{code}\": choice fields, and only they, name a vocabulary"
                    ));
                }
            }
        }
        Ok(())
    }

    pub(crate) fn vocabularies(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields()
            .filter_map(|f| f.vocabulary.as_deref().map(|v| (f.code.as_str(), v)))
    }
}

impl From<RawSection> for Section {
    fn from(r: RawSection) -> Self {
        Section {
            code: r.code,
            labels: Labels {
                ar: r.ar,
                fr: r.fr,
                en: r.en,
            },
            fields: r.fields.into_iter().map(Field::from).collect(),
        }
    }
}

impl From<RawField> for Field {
    fn from(r: RawField) -> Self {
        // A hint given in one language only is kept incomplete, for `check_shape` to refuse.
        let hint =
            (r.hint_ar.is_some() || r.hint_fr.is_some() || r.hint_en.is_some()).then(|| Labels {
                ar: r.hint_ar.unwrap_or_default(),
                fr: r.hint_fr.unwrap_or_default(),
                en: r.hint_en.unwrap_or_default(),
            });
        Field {
            code: r.code,
            kind: r.kind,
            labels: Labels {
                ar: r.ar,
                fr: r.fr,
                en: r.en,
            },
            hint,
            required: r.required,
            personal: r.personal,
            statistics: r.statistics,
            vocabulary: r.vocabulary,
            max_length: r.max_length,
            min: r.min,
            max: r.max,
            future: r.future,
        }
    }
}

/// Turns the values of a checked card into an object keyed by field code, for JSON.
pub fn values_to_json(values: &BTreeMap<String, Value>) -> Value {
    Value::Object(
        values
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<Map<_, _>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reference() -> Reference {
        Reference::embedded().unwrap()
    }

    fn now() -> Timestamp {
        "2026-11-23T10:00:00Z".parse().unwrap()
    }

    fn quick_report() -> Value {
        json!({
            "source": "line_2511",
            "received_at": "2026-11-23T09:30:00Z",
            "territory": "sale",
            "child": {"sex": "female", "age_years": 12, "first_name": "  وفاء "},
            "concerns": ["physical_violence", "neglect"],
            "urgency": "high"
        })
    }

    fn problems(result: Result<CheckedCard, Vec<FieldError>>) -> Vec<(String, Problem)> {
        result
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.problem))
            .collect()
    }

    #[test]
    fn a_quick_report_is_complete_and_normalised() {
        let r = reference();
        let form = r.form("report").unwrap();
        let card = form
            .check(&quick_report(), Completeness::Complete, &r, now())
            .unwrap();
        assert!(card.complete);
        assert_eq!(card.values["child.first_name"], json!("وفاء"));
        assert_eq!(card.values["child.age_years"], json!(12));
        assert_eq!(card.values["received_at"], json!("2026-11-23T09:30:00Z"));
    }

    #[test]
    fn a_draft_may_lack_required_fields_but_not_be_wrong() {
        let r = reference();
        let form = r.form("report").unwrap();
        let card = form
            .check(
                &json!({"child.sex": "male"}),
                Completeness::Draft,
                &r,
                now(),
            )
            .unwrap();
        assert!(!card.complete);
        let wrong = form.check(
            &json!({"child.sex": "robot"}),
            Completeness::Draft,
            &r,
            now(),
        );
        assert_eq!(
            problems(wrong),
            vec![("child.sex".into(), Problem::UnknownCode)]
        );
        let missing = form.check(
            &json!({"child.sex": "male"}),
            Completeness::Complete,
            &r,
            now(),
        );
        assert!(problems(missing).contains(&("source".into(), Problem::Required)));
    }

    #[test]
    fn each_kind_of_bad_value_is_named_on_its_field() {
        let r = reference();
        let form = r.form("report").unwrap();
        let input = json!({
            "source": "pigeon",
            "received_at": "2026-11-24T12:00:00Z",
            "territory": "rabat-sale-kenitra",
            "commune": "01.051.01.01",
            "child": {"sex": "female", "age_years": "19", "birth_date": "2026-02-30", "last_name": "a\u{0000}b", "first_name": "\u{202E}gnp.exe"},
            "concerns": ["neglect", "neglect"],
            "urgency": "high",
            "colour": "blue",
            "narrative": "x".repeat(10_001)
        });
        let got = problems(form.check(&input, Completeness::Complete, &r, now()));
        for expected in [
            ("source", Problem::UnknownCode),
            ("received_at", Problem::InTheFuture),
            ("territory", Problem::UnknownTerritory),
            ("child.age_years", Problem::OutOfRange { min: 0, max: 17 }),
            ("child.birth_date", Problem::NotADate),
            ("child.last_name", Problem::ControlCharacters),
            ("child.first_name", Problem::DirectionControls),
            ("concerns", Problem::Duplicate),
            ("colour", Problem::UnknownField),
            ("narrative", Problem::TooLong { max: 10_000 }),
        ] {
            assert!(
                got.contains(&(expected.0.to_owned(), expected.1.clone())),
                "{expected:?} not in {got:?}"
            );
        }
    }

    #[test]
    fn html_form_values_are_accepted() {
        let r = reference();
        let form = r.form("report").unwrap();
        let input = json!({
            "source": "school",
            "received_at": "2026-11-23T10:05",
            "territory": "sale",
            "child.sex": "male",
            "child.age_years": "٩",
            "concerns": "neglect",
            "urgency": "low",
            "commune": ""
        });
        let card = form
            .check(&input, Completeness::Complete, &r, now())
            .unwrap();
        assert_eq!(card.values["child.age_years"], json!(9));
        assert_eq!(card.values["concerns"], json!(["neglect"]));
        // 10:05 in Casablanca (UTC+1 in November) is 09:05 UTC.
        assert_eq!(card.values["received_at"], json!("2026-11-23T09:05:00Z"));
        assert!(!card.values.contains_key("commune"));
    }

    #[test]
    fn a_commune_must_lie_in_the_territory() {
        let r = reference();
        let form = r.form("report").unwrap();
        let salé = r.communes_of("sale").next().unwrap().hcp_code.clone();
        let mut input = quick_report();
        input["commune"] = json!(salé);
        assert!(
            form.check(&input, Completeness::Complete, &r, now())
                .is_ok()
        );
        input["territory"] = json!("agadir-ida-outanane");
        let got = problems(form.check(&input, Completeness::Complete, &r, now()));
        assert_eq!(
            got,
            vec![("commune".into(), Problem::CommuneOutsideTerritory)]
        );
    }

    #[test]
    fn personal_values_are_set_apart() {
        let r = reference();
        let form = r.form("report").unwrap();
        let card = form
            .check(&quick_report(), Completeness::Complete, &r, now())
            .unwrap();
        let (public, personal) = card.split(form);
        assert_eq!(personal, json!({"child.first_name": "وفاء"}));
        assert!(public.get("child.first_name").is_none() && public["source"] == "line_2511");
    }

    #[test]
    fn injection_is_just_text() {
        let r = reference();
        let form = r.form("report").unwrap();
        let mut input = quick_report();
        input["narrative"] = json!("<script>alert(1)</script>'; DROP TABLE cards; -- «طفل»");
        let card = form
            .check(&input, Completeness::Complete, &r, now())
            .unwrap();
        assert_eq!(card.values["narrative"], input["narrative"]);
    }

    const DATES: &str = r#"
code = "dates"
version = 1
part = "medical"
ar = "تواريخ"
fr = "Dates"
en = "Dates"

[[sections]]
code = "visit"
ar = "الزيارة"
fr = "La visite"
en = "The visit"

[[sections.fields]]
code = "visit.date"
type = "date"
ar = "تاريخ الزيارة"
fr = "Date de la visite"
en = "Date of the visit"

[[sections.fields]]
code = "visit.next"
type = "date"
future = true
ar = "تاريخ الزيارة المقبلة"
fr = "Date de la prochaine visite"
en = "Date of the next visit"
"#;

    #[test]
    fn only_a_future_date_field_takes_a_date_ahead() {
        let r = reference();
        let form = Form::parse("dates.v1.toml", DATES).unwrap();
        let ahead = json!({"visit.date": "2026-11-24", "visit.next": "2026-11-24"});
        assert_eq!(
            problems(form.check(&ahead, Completeness::Complete, &r, now())),
            vec![("visit.date".into(), Problem::InTheFuture)]
        );
        let past = json!({"visit.date": "2026-11-23", "visit.next": "2027-01-05"});
        let card = form
            .check(&past, Completeness::Complete, &r, now())
            .unwrap();
        assert_eq!(card.values["visit.next"], json!("2027-01-05"));
        // A date ahead is still a date.
        let wrong = json!({"visit.next": "2027-02-30"});
        assert_eq!(
            problems(form.check(&wrong, Completeness::Complete, &r, now())),
            vec![("visit.next".into(), Problem::NotADate)]
        );
    }

    #[test]
    fn future_and_part_are_read_and_shown_only_when_set() {
        let form = Form::parse("dates.v1.toml", DATES).unwrap();
        assert_eq!(form.part, Some(FilePart::Medical));
        let shown = serde_json::to_value(&form).unwrap();
        assert_eq!(shown["part"], json!("medical"));
        let fields = &shown["sections"][0]["fields"];
        assert!(fields[0].get("future").is_none());
        assert_eq!(fields[1]["future"], json!(true));
        let report = reference().form("report").unwrap().clone();
        assert_eq!(report.part, None);
        assert!(serde_json::to_value(&report).unwrap().get("part").is_none());
    }

    #[test]
    fn future_on_a_non_date_and_an_unknown_part_are_refused() {
        let on_text = DATES.replacen("type = \"date\"\nfuture", "type = \"datetime\"\nfuture", 1);
        assert!(
            Form::parse("dates.v1.toml", &on_text)
                .unwrap_err()
                .contains("only date fields")
        );
        let bad_part = DATES.replace("part = \"medical\"", "part = \"legal\"");
        assert!(Form::parse("dates.v1.toml", &bad_part).is_err());
    }

    #[test]
    fn the_case_work_forms_load_with_their_files() {
        let r = reference();
        let part = |code: &str| r.form(code).map(|f| f.part);
        assert_eq!(part("social_entry"), Some(Some(FilePart::Social)));
        assert_eq!(part("medical_entry"), Some(Some(FilePart::Medical)));
        assert_eq!(part("judicial_entry"), Some(Some(FilePart::Judicial)));
        for code in [
            "followup",
            "child_profile",
            "plan_action",
            "report",
            "evaluation",
        ] {
            assert_eq!(part(code), Some(None), "{code}");
        }
        let profile = r.form("child_profile").unwrap();
        assert!(
            profile
                .fields()
                .all(|f| f.statistics && !f.personal && !f.required)
        );
        // Only the dates that look ahead may.
        let ahead: Vec<&str> = r
            .forms()
            .flat_map(|f| f.fields())
            .filter(|f| f.future)
            .map(|f| f.code.as_str())
            .collect();
        assert_eq!(ahead, ["next.date", "plan.due_date"]);
    }

    #[test]
    fn a_follow_up_plans_the_next_contact_ahead() {
        let r = reference();
        let form = r.form("followup").unwrap();
        let mut input = json!({
            "contact": {"date": "2026-11-23", "kind": "home_visit"},
            "situation": {"overall": "improved", "notes": "تحسن ملحوظ"},
            "services": {"delivered": ["psychological_support", "school_support"]},
            "child": {"views": "بغيت نرجع للمدرسة"},
            "next": {"date": "2026-12-07"}
        });
        let card = form
            .check(&input, Completeness::Complete, &r, now())
            .unwrap();
        assert!(card.complete);
        let (public, personal) = card.split(form);
        assert_eq!(public["next.date"], json!("2026-12-07"));
        assert!(personal.get("child.views").is_some() && public.get("child.views").is_none());
        input["contact"]["date"] = json!("2026-11-30");
        assert_eq!(
            problems(form.check(&input, Completeness::Complete, &r, now())),
            vec![("contact.date".into(), Problem::InTheFuture)]
        );
    }

    #[test]
    fn a_medical_entry_bounds_the_days_of_incapacity() {
        let r = reference();
        let form = r.form("medical_entry").unwrap();
        let input = json!({
            "entry.date": "2026-11-20",
            "entry.kind": "forensic_exam",
            "entry.itt_days": "٢١",
            "entry.summary": "شهادة طبية شرعية"
        });
        let card = form
            .check(&input, Completeness::Complete, &r, now())
            .unwrap();
        assert_eq!(card.values["entry.itt_days"], json!(21));
        let mut too_long = input.clone();
        too_long["entry.itt_days"] = json!(400);
        assert_eq!(
            problems(form.check(&too_long, Completeness::Complete, &r, now())),
            vec![(
                "entry.itt_days".into(),
                Problem::OutOfRange { min: 0, max: 365 }
            )]
        );
    }

    #[test]
    fn definitions_with_mistakes_are_refused() {
        let good = include_str!("../data/forms/report.v1.toml");
        assert!(
            Form::parse("report.v2.toml", good)
                .unwrap_err()
                .contains("belongs in report.v1.toml")
        );
        let personal_stat = good.replacen(
            "personal = true\nmax_length = 100",
            "personal = true\nstatistics = true\nmax_length = 100",
            1,
        );
        assert!(
            Form::parse("report.v1.toml", &personal_stat)
                .unwrap_err()
                .contains("cannot feed statistics")
        );
        let half_hint = good.replace("hint_fr = \"Laisser vide s'il n'est pas connu\"\n", "");
        assert!(
            Form::parse("report.v1.toml", &half_hint)
                .unwrap_err()
                .contains("hint")
        );
        let typo = good.replacen("required = true", "requird = true", 1);
        assert!(Form::parse("report.v1.toml", &typo).is_err());
    }

    mod fuzz {
        use super::*;
        use crate::fuzz::{cases, json_object};
        use proptest::prelude::*;

        /// Every field code of every form, dotted as the API takes them.
        fn all_codes() -> Vec<String> {
            let r = reference();
            r.forms()
                .flat_map(|f| f.sections.iter().flat_map(|s| s.fields.iter()))
                .map(|field| field.code.clone())
                .collect()
        }

        fn no_hidden_text(value: &Value) -> bool {
            match value {
                Value::String(s) => !s.chars().any(|c| {
                    is_direction_control(c) || (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
                }),
                Value::Array(items) => items.iter().all(no_hidden_text),
                Value::Object(map) => map.values().all(no_hidden_text),
                _ => true,
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(cases(256)))]

            /// Whatever it is given, the checker answers (never panics), and what it
            /// accepts holds no control or direction character.
            #[test]
            fn fuzz_the_form_checker(
                form in any::<prop::sample::Index>(),
                input in json_object(all_codes()),
                draft in any::<bool>(),
            ) {
                let r = reference();
                let forms: Vec<&Form> = r.forms().collect();
                let form = forms[form.index(forms.len())];
                let completeness = if draft { Completeness::Draft } else { Completeness::Complete };
                if let Ok(card) = form.check(&input, completeness, &r, now()) {
                    for value in card.values.values() {
                        prop_assert!(no_hidden_text(value), "{value:?}");
                    }
                    let (public, personal) = card.split(form);
                    prop_assert!(public.is_object() && personal.is_object());
                }
            }
        }
    }
}
