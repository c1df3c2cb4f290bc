//! The directory of services (دليل المصالح العمومية): for each organisation, where it
//! is, when it opens, what it offers at each stage of the pathway and whom to call.
//! SPEC.md §5 wants it "accessible to children and families": entries may be shown on
//! the public help page, and contact points marked private are for signed-in
//! professionals only.
//!
//! This module checks what people type or import; it knows nothing of the database or
//! of who may see what (that is `access` and the web layer).

pub mod import;

use crate::forms::{FieldError, Problem, clean_text, western_digits};
use crate::vocabulary::Vocabulary;
use serde::Serialize;
use std::collections::BTreeMap;

/// The vocabulary of services; each term's group is the pathway stage it belongs to.
pub const SERVICES: &str = "services";

pub const MAX_ADDRESS: usize = 300;
pub const MAX_HOURS: usize = 200;
pub const MAX_NAME: usize = 120;
pub const MAX_ROLE: usize = 120;
/// RFC 5321's limit on a forward path.
pub const MAX_EMAIL: usize = 254;
/// More would be a staff list, not contact points.
pub const MAX_CONTACTS: usize = 20;

/// Morocco's bounding box, southern provinces included (the reference territories run
/// from Tanger to Oued Ed-Dahab): Lagouira is near 20.8° N and 17.1° W, Cap Spartel
/// near 35.8° N, Figuig near 1.2° W; a small margin covers coastal points. A position
/// outside it is a typing mistake, not a service abroad.
pub const LAT_RANGE: (f64, f64) = (20.5, 36.0);
pub const LON_RANGE: (f64, f64) = (-17.3, -0.9);

/// Positions are kept as millionths of a degree (about 11 cm): integers are exact and
/// stored alike on SQLite and PostgreSQL, which floating-point columns are not.
const MICRO: f64 = 1_000_000.0;

/// A number anyone can call for free, first on the public help page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HelpLine {
    pub number: &'static str,
    /// Names its messages: `help-line-{key}` (who answers) and `help-line-{key}-text`.
    pub key: &'static str,
    /// Emergencies come after the child line, which is the programme's first door.
    pub emergency: bool,
}

/// Where these numbers come from: 2511 is the national child-protection line of the
/// National Observatory of Children's Rights (the programme's documents: SPEC.md §1 and
/// §3, "the national green line 2511", free of charge). 19 (Sûreté nationale, DGSN), 177
/// (Royal Gendarmerie, outside the cities) and 15 (Civil Protection: fire and
/// ambulance) are Morocco's emergency numbers as those services publish them. They are
/// code, not data an operator edits: a wrong number on the children's page is worse
/// than none, so a change goes through review and the tests.
pub const HELP_LINES: [HelpLine; 4] = [
    HelpLine {
        number: "2511",
        key: "child",
        emergency: false,
    },
    HelpLine {
        number: "19",
        key: "police",
        emergency: true,
    },
    HelpLine {
        number: "177",
        key: "gendarmerie",
        emergency: true,
    },
    HelpLine {
        number: "15",
        key: "civil-protection",
        emergency: true,
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    pub lat_e6: i64,
    pub lon_e6: i64,
}

impl Position {
    pub fn lat(self) -> f64 {
        self.lat_e6 as f64 / MICRO
    }

    pub fn lon(self) -> f64 {
        self.lon_e6 as f64 / MICRO
    }

    /// Degrees with six decimals, as typed back into a form or written to a file.
    pub fn lat_text(self) -> String {
        format!("{:.6}", self.lat())
    }

    pub fn lon_text(self) -> String {
        format!("{:.6}", self.lon())
    }
}

/// Whom to call at an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub name: String,
    pub role: String,
    /// In international form, `+212…`, or a short service number such as 2511.
    pub phone: Option<String>,
    pub email: Option<String>,
    /// For signed-in professionals only: never on the help page nor in anonymous answers.
    pub private: bool,
}

/// An organisation's directory entry, checked.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Entry {
    pub address: String,
    pub opening_hours: String,
    pub position: Option<Position>,
    /// Codes of the `services` vocabulary, in the vocabulary's order.
    pub services: Vec<String>,
    /// Shown on the public help page.
    pub public: bool,
    pub contacts: Vec<Contact>,
}

impl Entry {
    /// The contact points a reader may see: all of them, or the public ones only.
    pub fn contacts_for(&self, professional: bool) -> impl Iterator<Item = &Contact> {
        self.contacts
            .iter()
            .filter(move |c| professional || !c.private)
    }
}

/// A contact point as typed, before checking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactInput {
    pub name: String,
    pub role: String,
    pub phone: String,
    pub email: String,
    pub private: bool,
}

impl ContactInput {
    /// A row of the form left empty (the edit page offers blank rows to fill).
    pub fn is_blank(&self) -> bool {
        [&self.name, &self.role, &self.phone, &self.email]
            .iter()
            .all(|s| s.trim().is_empty())
    }
}

/// An entry as typed in the edit page or read from an imported line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryInput {
    pub address: String,
    pub opening_hours: String,
    pub latitude: String,
    pub longitude: String,
    pub services: Vec<String>,
    pub public: bool,
    pub contacts: Vec<ContactInput>,
}

impl EntryInput {
    /// Says nothing at all: an organisation listed only by its code.
    pub fn is_blank(&self) -> bool {
        [
            &self.address,
            &self.opening_hours,
            &self.latitude,
            &self.longitude,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
            && self.services.is_empty()
            && !self.public
            && self.contacts.iter().all(ContactInput::is_blank)
    }

    /// The entry as it would be typed back: what a form shows before any change.
    pub fn from_entry(entry: &Entry) -> EntryInput {
        EntryInput {
            address: entry.address.clone(),
            opening_hours: entry.opening_hours.clone(),
            latitude: entry.position.map(Position::lat_text).unwrap_or_default(),
            longitude: entry.position.map(Position::lon_text).unwrap_or_default(),
            services: entry.services.clone(),
            public: entry.public,
            contacts: entry
                .contacts
                .iter()
                .map(|c| ContactInput {
                    name: c.name.clone(),
                    role: c.role.clone(),
                    phone: c.phone.as_deref().map(phone_display).unwrap_or_default(),
                    email: c.email.clone().unwrap_or_default(),
                    private: c.private,
                })
                .collect(),
        }
    }

    /// Checks everything and answers every problem at once, each with its field
    /// (`address`, `latitude`, `services`, `contacts.0.phone`…). Blank contact rows are
    /// dropped.
    pub fn check(&self, services: &Vocabulary) -> Result<Entry, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut problem = |field: String, problem: Problem| {
            errors.push(FieldError { field, problem });
        };
        // A refused value is replaced by the empty text: the entry is then refused whole,
        // so it is never stored.
        let address = clean_text(&self.address, MAX_ADDRESS, true).unwrap_or_else(|p| {
            problem("address".into(), p);
            String::new()
        });
        let opening_hours = clean_text(&self.opening_hours, MAX_HOURS, true).unwrap_or_else(|p| {
            problem("opening_hours".into(), p);
            String::new()
        });
        let position = match check_position(&self.latitude, &self.longitude) {
            Ok(position) => position,
            Err(found) => {
                for (field, p) in found {
                    problem(field.into(), p);
                }
                None
            }
        };
        let services = match check_services(&self.services, services) {
            Ok(codes) => codes,
            Err(p) => {
                problem("services".into(), p);
                Vec::new()
            }
        };
        let rows: Vec<(usize, &ContactInput)> = self
            .contacts
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.is_blank())
            .collect();
        let mut contacts = Vec::new();
        if rows.len() > MAX_CONTACTS {
            problem(
                "contacts".into(),
                Problem::OutOfRange {
                    min: 0,
                    max: MAX_CONTACTS as i64,
                },
            );
        }
        for (i, contact) in rows.into_iter().take(MAX_CONTACTS) {
            match contact.check() {
                Ok(c) => contacts.push(c),
                Err(found) => {
                    for (field, p) in found {
                        problem(format!("contacts.{i}.{field}"), p);
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Entry {
            address,
            opening_hours,
            position,
            services,
            public: self.public,
            contacts,
        })
    }
}

impl ContactInput {
    /// Checks one contact point; problems are named by field (`name`, `phone`…).
    pub fn check(&self) -> Result<Contact, Vec<(&'static str, Problem)>> {
        let mut errors = Vec::new();
        let name = match clean_text(&self.name, MAX_NAME, false) {
            Ok(name) if name.is_empty() => {
                errors.push(("name", Problem::Required));
                name
            }
            Ok(name) => name,
            Err(p) => {
                errors.push(("name", p));
                String::new()
            }
        };
        let role = clean_text(&self.role, MAX_ROLE, false).unwrap_or_else(|p| {
            errors.push(("role", p));
            String::new()
        });
        let phone = match self.phone.trim() {
            "" => None,
            typed => match normalise_phone(typed) {
                Some(phone) => Some(phone),
                None => {
                    errors.push(("phone", Problem::NotAPhone));
                    None
                }
            },
        };
        let email = match self.email.trim() {
            "" => None,
            typed if is_email(typed) => Some(typed.to_owned()),
            _ => {
                errors.push(("email", Problem::NotAnEmail));
                None
            }
        };
        if self.phone.trim().is_empty() && self.email.trim().is_empty() {
            errors.push(("phone", Problem::NoWayToReach));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Contact {
            name,
            role,
            phone,
            email,
            private: self.private,
        })
    }
}

/// Both coordinates or neither; each a decimal number of degrees, together inside
/// Morocco.
fn check_position(
    latitude: &str,
    longitude: &str,
) -> Result<Option<Position>, Vec<(&'static str, Problem)>> {
    let (lat, lon) = (latitude.trim(), longitude.trim());
    if lat.is_empty() && lon.is_empty() {
        return Ok(None);
    }
    let mut errors = Vec::new();
    let mut read = |field: &'static str, text: &str| {
        if text.is_empty() {
            errors.push((field, Problem::Required));
            return None;
        }
        let value = parse_decimal(text);
        if value.is_none() {
            errors.push((field, Problem::NotADecimal));
        }
        value
    };
    let (lat, lon) = (read("latitude", lat), read("longitude", lon));
    let (Some(lat), Some(lon)) = (lat, lon) else {
        return Err(errors);
    };
    let inside = |lat: f64, lon: f64| {
        (LAT_RANGE.0..=LAT_RANGE.1).contains(&lat) && (LON_RANGE.0..=LON_RANGE.1).contains(&lon)
    };
    if !inside(lat, lon) {
        let problem = if inside(lon, lat) {
            Problem::SwappedCoordinates
        } else {
            Problem::OutsideMorocco
        };
        return Err(vec![("latitude", problem)]);
    }
    Ok(Some(Position {
        lat_e6: (lat * MICRO).round() as i64,
        lon_e6: (lon * MICRO).round() as i64,
    }))
}

/// A decimal number as people type it: `34.05`, `34,05` (French), `٣٤٫٠٥` (Arabic),
/// with an optional sign. No exponent, no thousands separator: a coordinate has none.
fn parse_decimal(text: &str) -> Option<f64> {
    let text = western_digits(text.trim())
        .replace(['٫', ','], ".")
        .replace('−', "-");
    let digits = text.strip_prefix(['-', '+']).unwrap_or(&text);
    let valid = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|&c| c == '.').count() <= 1
        && digits.chars().any(|c| c.is_ascii_digit());
    if !valid {
        return None;
    }
    text.parse().ok().filter(|v: &f64| v.is_finite())
}

/// Service codes (or their labels in any language, as a spreadsheet may hold them),
/// each known, in the vocabulary's order, without repeats.
fn check_services(given: &[String], vocabulary: &Vocabulary) -> Result<Vec<String>, Problem> {
    let mut chosen = Vec::new();
    for item in given.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let term = vocabulary.term(item).or_else(|| {
            vocabulary.terms.iter().find(|t| {
                [&t.labels.ar, &t.labels.fr, &t.labels.en]
                    .iter()
                    .any(|l| l.trim().eq_ignore_ascii_case(item))
            })
        });
        let Some(term) = term else {
            return Err(Problem::UnknownCode);
        };
        if !chosen.contains(&term.code) {
            chosen.push(term.code.clone());
        }
    }
    sort_services(&mut chosen, vocabulary);
    Ok(chosen)
}

/// Service codes in the vocabulary's order (stage by stage, as the pathway goes).
pub fn sort_services(codes: &mut [String], vocabulary: &Vocabulary) {
    codes.sort_by_key(|code| vocabulary.terms.iter().position(|t| &t.code == code));
}

/// A Moroccan number in international form (`+212` and nine digits), or a short
/// service number (2 to 4 digits, not starting with 0: 19, 177, 2511). Accepts what
/// people and spreadsheets write: spaces, dots, dashes, brackets, `00212`, `+212 (0)`,
/// Arabic-Indic digits, and nine digits whose leading 0 a spreadsheet dropped.
pub fn normalise_phone(typed: &str) -> Option<String> {
    let typed = western_digits(typed.trim());
    let plus = typed.starts_with('+');
    let mut digits = String::new();
    for (i, c) in typed.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => {}
            ' ' | '\u{a0}' | '.' | '-' | '(' | ')' | '/' => {}
            _ => return None,
        }
    }
    let national = if plus || digits.starts_with("00212") {
        let rest = digits
            .strip_prefix("00212")
            .or_else(|| digits.strip_prefix("212"))?;
        rest.strip_prefix('0').unwrap_or(rest).to_owned()
    } else if digits.len() == 10 && digits.starts_with('0') {
        digits[1..].to_owned()
    } else if digits.len() == 9 {
        digits.clone()
    } else if (2..=4).contains(&digits.len()) && !digits.starts_with('0') {
        return Some(digits);
    } else {
        return None;
    };
    let mobile_or_fixed = national.len() == 9 && matches!(national.as_bytes()[0], b'5'..=b'8');
    mobile_or_fixed.then(|| format!("+212{national}"))
}

/// A stored phone number as Moroccans write it: `05 37 12 34 56`; short numbers as is.
pub fn phone_display(stored: &str) -> String {
    match stored.strip_prefix("+212") {
        Some(national) if national.len() == 9 => {
            let digits = format!("0{national}");
            digits
                .as_bytes()
                .chunks(2)
                .map(|pair| String::from_utf8_lossy(pair).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        }
        _ => stored.to_owned(),
    }
}

/// An address that can receive mail: one `@`, something before it, a domain with a
/// dot, no spaces or characters that mail addresses do not use in practice.
pub fn is_email(text: &str) -> bool {
    if text.chars().count() > MAX_EMAIL {
        return false;
    }
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "._%+-'".contains(c));
    let domain_ok = domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

/// The services of an entry grouped by pathway stage, stages in the pathway's order:
/// the "service basket" of each stage this organisation takes part in.
pub fn services_by_stage<'a>(
    services: &'a [String],
    vocabulary: &'a Vocabulary,
) -> BTreeMap<usize, (String, Vec<&'a str>)> {
    let mut by_stage: BTreeMap<usize, (String, Vec<&str>)> = BTreeMap::new();
    let mut ordered: Vec<&'a String> = services.iter().collect();
    ordered.sort_by_key(|code| vocabulary.terms.iter().position(|t| &&t.code == code));
    for code in ordered {
        let Some((index, term)) = vocabulary
            .terms
            .iter()
            .enumerate()
            .find(|(_, t)| &t.code == code)
        else {
            continue;
        };
        let stage = term.group.clone().unwrap_or_default();
        // The first service of a stage orders the stage: the vocabulary lists services
        // stage by stage, in the pathway's order.
        let key = by_stage
            .iter()
            .find(|(_, (s, _))| *s == stage)
            .map(|(k, _)| *k)
            .unwrap_or(index);
        by_stage
            .entry(key)
            .or_insert_with(|| (stage, Vec::new()))
            .1
            .push(code.as_str());
    }
    by_stage
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Reference;

    fn services() -> Vocabulary {
        Reference::embedded()
            .expect("reference")
            .vocabulary(SERVICES)
            .expect("services")
            .clone()
    }

    #[test]
    fn phones_are_read_as_people_write_them() {
        for typed in [
            "05 37 12 34 56",
            "0537123456",
            "+212 537-12-34-56",
            "+212 (0)5 37 12 34 56",
            "00212537123456",
            "537123456",
            "٠٥٣٧١٢٣٤٥٦",
        ] {
            assert_eq!(
                normalise_phone(typed).as_deref(),
                Some("+212537123456"),
                "{typed}"
            );
        }
        assert_eq!(normalise_phone("2511").as_deref(), Some("2511"));
        assert_eq!(normalise_phone("19").as_deref(), Some("19"));
        for bad in [
            "abc",
            "0612",
            "12345",
            "+33 1 23 45 67 89",
            "0137123456",
            "05 37 12 34 5",
            "=1+2",
        ] {
            assert_eq!(normalise_phone(bad), None, "{bad}");
        }
        assert_eq!(phone_display("+212537123456"), "05 37 12 34 56");
        assert_eq!(phone_display("2511"), "2511");
    }

    #[test]
    fn emails_need_a_local_part_and_a_domain() {
        assert!(is_email("accueil@centre-sale.ma"));
        assert!(is_email("n.bennani+dir@sante.gov.ma"));
        for bad in [
            "x", "@x.ma", "x@", "x@ma", "x y@z.ma", "<a>@z.ma", "x@-z.ma",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn positions_must_lie_in_morocco() {
        let salé = check_position("34,0531", "-6.7985").expect("Salé");
        assert_eq!(
            salé,
            Some(Position {
                lat_e6: 34_053_100,
                lon_e6: -6_798_500
            })
        );
        assert_eq!(
            check_position("٣٤٫٠٥", "-6.8").expect("Arabic digits"),
            Some(Position {
                lat_e6: 34_050_000,
                lon_e6: -6_800_000
            })
        );
        assert_eq!(check_position(" ", ""), Ok(None));
        assert_eq!(
            check_position("48.85", "2.35"),
            Err(vec![("latitude", Problem::OutsideMorocco)])
        );
        assert_eq!(
            check_position("-6.8", "34.05"),
            Err(vec![("latitude", Problem::SwappedCoordinates)])
        );
        assert_eq!(
            check_position("34.05", ""),
            Err(vec![("longitude", Problem::Required)])
        );
        assert_eq!(
            check_position("1e2", "NaN"),
            Err(vec![
                ("latitude", Problem::NotADecimal),
                ("longitude", Problem::NotADecimal)
            ])
        );
        // Dakhla, in the southern provinces, is in Morocco.
        assert!(check_position("23.6848", "-15.9580").is_ok());
    }

    #[test]
    fn an_entry_reports_every_problem_with_its_field() {
        let input = EntryInput {
            address: "شارع <b>محمد الخامس</b>\nسلا".into(),
            opening_hours: "8:30\u{7}".into(),
            latitude: "34.05".into(),
            longitude: "".into(),
            services: vec!["listening".into(), "teleportation".into()],
            public: true,
            contacts: vec![
                ContactInput {
                    name: "Nadia".into(),
                    phone: "call me".into(),
                    ..Default::default()
                },
                ContactInput::default(),
                ContactInput {
                    name: "Accueil".into(),
                    email: "not-an-email".into(),
                    ..Default::default()
                },
                ContactInput {
                    role: "Director".into(),
                    ..Default::default()
                },
            ],
        };
        let errors = input.check(&services()).expect_err("refused");
        let found: Vec<(&str, &Problem)> = errors
            .iter()
            .map(|e| (e.field.as_str(), &e.problem))
            .collect();
        assert_eq!(
            found,
            vec![
                ("opening_hours", &Problem::ControlCharacters),
                ("longitude", &Problem::Required),
                ("services", &Problem::UnknownCode),
                ("contacts.0.phone", &Problem::NotAPhone),
                ("contacts.2.email", &Problem::NotAnEmail),
                ("contacts.3.name", &Problem::Required),
                ("contacts.3.phone", &Problem::NoWayToReach),
            ]
        );
    }

    #[test]
    fn a_good_entry_is_normalised() {
        let input = EntryInput {
            address: "  شارع محمد الخامس، سلا ".into(),
            opening_hours: "Lun-Ven 8:30-16:30".into(),
            latitude: "34.0531".into(),
            longitude: "-6.7985".into(),
            // By label too, in any language; repeats and order do not matter.
            services: vec![
                "social_inquiry".into(),
                "Reception and listening".into(),
                "listening".into(),
            ],
            public: true,
            contacts: vec![ContactInput {
                name: "Mme Bennani".into(),
                role: "Coordinatrice".into(),
                phone: "05 37 12 34 56".into(),
                email: "".into(),
                private: true,
            }],
        };
        let entry = input.check(&services()).expect("accepted");
        assert_eq!(entry.address, "شارع محمد الخامس، سلا");
        assert_eq!(entry.services, vec!["listening", "social_inquiry"]);
        assert_eq!(entry.contacts[0].phone.as_deref(), Some("+212537123456"));
        assert_eq!(entry.contacts_for(false).count(), 0);
        assert_eq!(entry.contacts_for(true).count(), 1);
        // What the edit form shows back is accepted again unchanged.
        assert_eq!(
            EntryInput::from_entry(&entry).check(&services()),
            Ok(entry.clone())
        );
        let stages: Vec<String> = services_by_stage(&entry.services, &services())
            .into_values()
            .map(|(stage, _)| stage)
            .collect();
        assert_eq!(stages, vec!["immediate_assistance", "initial_diagnosis"]);
    }
}
