//! One record of the Observatory in its own shape (our assumption, README
//! "Integration"), mapped to the input of Awladna's reporting card. Every problem is
//! collected, each naming the field of *their* record and, for a value the mapping
//! reads (a category, a place, a type), the value itself; names and narratives are
//! never repeated back.

use super::Mapping;
use super::mapping::{Table, look_up};
use super::places::Found;
use serde_json::{Map, Value, json};

/// The longest record id the Observatory may send (theirs are far shorter).
pub const MAX_RECORD_ID: usize = 100;
/// The longest mapped value repeated in a refusal.
const MAX_ECHO: usize = 120;

/// Why a field of their record was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefusalReason {
    /// A required field is absent or empty.
    Missing,
    /// A field their shape does not have.
    UnknownField,
    /// Not of the field's type (a text, a list, an object, a whole number).
    WrongType,
    /// A value the mapping file does not map.
    Unmapped,
    /// A place name that fits more than one place.
    Ambiguous,
    /// The commune named is not in the province named.
    CommuneOutsideProvince,
    /// A record id too long or with control characters.
    BadRecordId,
}

impl RefusalReason {
    pub fn code(&self) -> &'static str {
        match self {
            RefusalReason::Missing => "missing",
            RefusalReason::UnknownField => "unknown_field",
            RefusalReason::WrongType => "wrong_type",
            RefusalReason::Unmapped => "unmapped",
            RefusalReason::Ambiguous => "ambiguous",
            RefusalReason::CommuneOutsideProvince => "commune_outside_province",
            RefusalReason::BadRecordId => "bad_record_id",
        }
    }
}

/// A field of their record refused, with the value when it is one the mapping reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: String,
    pub value: Option<String>,
    pub reason: RefusalReason,
}

/// A record in Awladna's words.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    pub record_id: String,
    /// The report's source: `line_2511` or `e_platform`.
    pub source: String,
    /// Who called, as a code of the `sources` vocabulary.
    pub caller: String,
    pub territory: String,
    pub commune: Option<String>,
    pub urgency: String,
    /// The reporting card's input (flat field codes), to be checked by its form.
    pub report: Value,
    pub mapping_version: u32,
}

/// Their field for each field of the reporting card, to name a problem the card's
/// form finds in the words of their record.
pub const THEIR_FIELDS: [(&str, &str); 18] = [
    ("source", "channel"),
    ("received_at", "received_at"),
    ("territory", "place.province"),
    ("commune", "place.commune"),
    ("reporter.name", "caller.name"),
    ("reporter.phone", "caller.phone"),
    ("child.first_name", "child.first_name"),
    ("child.last_name", "child.last_name"),
    ("child.sex", "child.sex"),
    ("child.birth_date", "child.birth_date"),
    ("child.age_years", "child.age"),
    ("child.mother_name", "child.mother_name"),
    ("child.address", "child.address"),
    ("concerns", "violence"),
    ("urgency", "priority"),
    ("author.relation", "perpetrator.relation"),
    ("author.name", "perpetrator.name"),
    ("narrative", "summary"),
];

/// Their field for a field code of the reporting card.
pub fn their_field(card_field: &str) -> &str {
    THEIR_FIELDS
        .iter()
        .find(|(ours, _)| *ours == card_field)
        .map_or(card_field, |(_, theirs)| theirs)
}

const TOP: [&str; 10] = [
    "record_id",
    "channel",
    "received_at",
    "violence",
    "priority",
    "place",
    "caller",
    "child",
    "perpetrator",
    "summary",
];
const PLACE: [&str; 2] = ["province", "commune"];
const CALLER: [&str; 3] = ["type", "name", "phone"];
const CHILD: [&str; 7] = [
    "first_name",
    "last_name",
    "sex",
    "age",
    "birth_date",
    "mother_name",
    "address",
];
const PERPETRATOR: [&str; 2] = ["relation", "name"];

struct Reader {
    refusals: Vec<Refusal>,
    out: Map<String, Value>,
}

fn echo(value: &str) -> String {
    value.chars().take(MAX_ECHO).collect()
}

impl Reader {
    fn refuse(&mut self, field: &str, value: Option<&str>, reason: RefusalReason) {
        self.refusals.push(Refusal {
            field: field.to_owned(),
            value: value.map(echo),
            reason,
        });
    }

    /// The object at `field` (None: absent), its unknown keys refused.
    fn object<'v>(
        &mut self,
        parent: &'v Map<String, Value>,
        field: &str,
        path: &str,
        known: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        match parent.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => {
                for key in map.keys().filter(|k| !known.contains(&k.as_str())) {
                    self.refuse(&format!("{path}.{key}"), None, RefusalReason::UnknownField);
                }
                Some(map)
            }
            Some(_) => {
                self.refuse(path, None, RefusalReason::WrongType);
                None
            }
        }
    }

    /// A text field (blank counts as absent); `echo` says whether the value may be
    /// repeated in a refusal.
    fn text<'v>(
        &mut self,
        map: Option<&'v Map<String, Value>>,
        key: &str,
        path: &str,
    ) -> Option<&'v str> {
        match map.and_then(|m| m.get(key)) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(s.trim()),
            Some(_) => {
                self.refuse(path, None, RefusalReason::WrongType);
                None
            }
        }
    }

    fn required<'v>(
        &mut self,
        map: Option<&'v Map<String, Value>>,
        key: &str,
        path: &str,
    ) -> Option<&'v str> {
        let present = map.and_then(|m| m.get(key)).is_some_and(|v| !v.is_null());
        let value = self.text(map, key, path);
        if value.is_none() && !refused_type(present, &self.refusals, path) {
            self.refuse(path, None, RefusalReason::Missing);
        }
        value
    }

    /// Their value through a table of the mapping: its first code.
    fn mapped(&mut self, table: &Table, value: &str, path: &str) -> Option<String> {
        match look_up(table, value) {
            Some(codes) => codes.first().cloned(),
            None => {
                self.refuse(path, Some(value), RefusalReason::Unmapped);
                None
            }
        }
    }

    /// Copies a text as it is to the card's field (the form checks it).
    fn copy(&mut self, map: Option<&Map<String, Value>>, key: &str, path: &str, to: &str) {
        if let Some(value) = self.text(map, key, path) {
            self.out.insert(to.to_owned(), json!(value));
        }
    }
}

/// Whether a "wrong type" was already said for `path` (then "missing" is not).
fn refused_type(present: bool, refusals: &[Refusal], path: &str) -> bool {
    present && refusals.iter().any(|r| r.field == path)
}

impl Mapping {
    /// Maps one record, or says every field it refuses.
    pub fn map(&self, record: &Value) -> Result<Mapped, Vec<Refusal>> {
        let mut r = Reader {
            refusals: Vec::new(),
            out: Map::new(),
        };
        let Value::Object(top) = record else {
            r.refuse("record", None, RefusalReason::WrongType);
            return Err(r.refusals);
        };
        for key in top.keys().filter(|k| !TOP.contains(&k.as_str())) {
            r.refuse(key, None, RefusalReason::UnknownField);
        }
        let map = top;
        let top = Some(map);
        let record_id = r.required(top, "record_id", "record_id").map(str::to_owned);
        if let Some(id) = &record_id
            && (id.chars().count() > MAX_RECORD_ID || id.chars().any(char::is_control))
        {
            r.refuse("record_id", None, RefusalReason::BadRecordId);
        }
        let source = r
            .required(top, "channel", "channel")
            .and_then(|v| r.mapped(&self.channel, v, "channel"));
        r.copy(top, "received_at", "received_at", "received_at");
        if !r.out.contains_key("received_at")
            && !r.refusals.iter().any(|x| x.field == "received_at")
        {
            r.refuse("received_at", None, RefusalReason::Missing);
        }
        let concerns = self.violence(&mut r, top);
        let urgency = r
            .required(top, "priority", "priority")
            .and_then(|v| r.mapped(&self.priority, v, "priority"));
        let place = self.place(&mut r, map);

        let caller = r.object(map, "caller", "caller", &CALLER);
        let caller_type = r
            .required(caller, "type", "caller.type")
            .and_then(|v| r.mapped(&self.caller_type, v, "caller.type"));
        r.copy(caller, "name", "caller.name", "reporter.name");
        r.copy(caller, "phone", "caller.phone", "reporter.phone");

        let child = r.object(map, "child", "child", &CHILD);
        let sex = r
            .required(child, "sex", "child.sex")
            .and_then(|v| r.mapped(&self.sex, v, "child.sex"));
        for (theirs, ours) in [
            ("first_name", "child.first_name"),
            ("last_name", "child.last_name"),
            ("birth_date", "child.birth_date"),
            ("mother_name", "child.mother_name"),
            ("address", "child.address"),
        ] {
            r.copy(child, theirs, &format!("child.{theirs}"), ours);
        }
        match child.and_then(|c| c.get("age")) {
            None | Some(Value::Null) => {}
            Some(age @ Value::Number(_)) => {
                r.out.insert("child.age_years".into(), age.clone());
            }
            Some(_) => r.refuse("child.age", None, RefusalReason::WrongType),
        }

        let perpetrator = r.object(map, "perpetrator", "perpetrator", &PERPETRATOR);
        if let Some(relation) = r.text(perpetrator, "relation", "perpetrator.relation")
            && let Some(code) =
                r.mapped(&self.perpetrator_relation, relation, "perpetrator.relation")
        {
            r.out.insert("author.relation".into(), json!(code));
        }
        r.copy(perpetrator, "name", "perpetrator.name", "author.name");
        r.copy(top, "summary", "summary", "narrative");

        let (
            Some(record_id),
            Some(source),
            Some(concerns),
            Some(urgency),
            Some((territory, commune)),
            Some(caller),
            Some(sex),
            true,
        ) = (
            record_id,
            source,
            concerns,
            urgency,
            place,
            caller_type,
            sex,
            r.refusals.is_empty(),
        )
        else {
            return Err(r.refusals);
        };
        let mut out = r.out;
        out.insert("source".into(), json!(source));
        out.insert("territory".into(), json!(territory));
        if let Some(commune) = &commune {
            out.insert("commune".into(), json!(commune));
        }
        out.insert("concerns".into(), json!(concerns));
        out.insert("urgency".into(), json!(urgency));
        out.insert("child.sex".into(), json!(sex));
        Ok(Mapped {
            record_id,
            source,
            caller,
            territory,
            commune,
            urgency,
            report: Value::Object(out),
            mapping_version: self.version,
        })
    }

    /// Their categories of violence (a list, or one text) → Awladna's concerns, each
    /// code once, in their order.
    fn violence(&self, r: &mut Reader, top: Option<&Map<String, Value>>) -> Option<Vec<String>> {
        let values: Vec<(String, &Value)> = match top.and_then(|t| t.get("violence")) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("violence[{i}]"), v))
                .collect(),
            Some(one @ Value::String(_)) => vec![("violence".to_owned(), one)],
            Some(_) => {
                r.refuse("violence", None, RefusalReason::WrongType);
                return None;
            }
        };
        let mut codes: Vec<String> = Vec::new();
        let mut fine = true;
        for (path, value) in values {
            match value.as_str().map(str::trim) {
                Some(text) if !text.is_empty() => match look_up(&self.violence, text) {
                    Some(found) => {
                        for code in found {
                            if !codes.contains(code) {
                                codes.push(code.clone());
                            }
                        }
                    }
                    None => {
                        r.refuse(&path, Some(text), RefusalReason::Unmapped);
                        fine = false;
                    }
                },
                _ => {
                    r.refuse(&path, None, RefusalReason::WrongType);
                    fine = false;
                }
            }
        }
        if codes.is_empty() && fine {
            r.refuse("violence", None, RefusalReason::Missing);
        }
        (fine && !codes.is_empty()).then_some(codes)
    }

    /// The province and commune their place names: the commune alone when it is found
    /// once in the whole country.
    fn place(&self, r: &mut Reader, top: &Map<String, Value>) -> Option<(String, Option<String>)> {
        let place = r.object(top, "place", "place", &PLACE);
        if place.is_none() && !r.refusals.iter().any(|x| x.field == "place") {
            r.refuse("place", None, RefusalReason::Missing);
            return None;
        }
        let province_name = r.text(place, "province", "place.province");
        let commune_name = r.text(place, "commune", "place.commune");
        let province = match province_name {
            Some(name) => match self.places.province(name) {
                Found::One(code) => Some(code.to_owned()),
                Found::None => {
                    r.refuse("place.province", Some(name), RefusalReason::Unmapped);
                    return None;
                }
                Found::Several => {
                    r.refuse("place.province", Some(name), RefusalReason::Ambiguous);
                    return None;
                }
            },
            None => None,
        };
        let Some(commune_name) = commune_name else {
            return match province {
                Some(p) => Some((p, None)),
                None => {
                    if !r.refusals.iter().any(|x| x.field.starts_with("place")) {
                        r.refuse("place.province", None, RefusalReason::Missing);
                    }
                    None
                }
            };
        };
        match self.places.commune(commune_name, province.as_deref()) {
            Found::One((p, c)) => Some((p.to_owned(), Some(c.to_owned()))),
            Found::Several => {
                r.refuse(
                    "place.commune",
                    Some(commune_name),
                    RefusalReason::Ambiguous,
                );
                None
            }
            Found::None => {
                let elsewhere =
                    province.is_some() && self.places.commune(commune_name, None) != Found::None;
                let reason = if elsewhere {
                    RefusalReason::CommuneOutsideProvince
                } else {
                    RefusalReason::Unmapped
                };
                r.refuse("place.commune", Some(commune_name), reason);
                None
            }
        }
    }
}
