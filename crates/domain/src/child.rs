//! What a report says about its child, read for triage: the identity that becomes the
//! child's sealed record, the birth year kept in clear, and the concerns.

use crate::forms::local_zone;
use serde_json::{Map, Value};

/// The identifying fields of a report that become the child's sealed identity.
pub const IDENTITY_FIELDS: [&str; 5] = [
    "child.first_name",
    "child.last_name",
    "child.birth_date",
    "child.mother_name",
    "child.address",
];

/// The child's identity from a report's values, keyed without the `child.` prefix.
pub fn identity(values: &Map<String, Value>) -> Map<String, Value> {
    IDENTITY_FIELDS
        .iter()
        .filter_map(|f| {
            values
                .get(*f)
                .map(|v| ((*f).trim_start_matches("child.").to_owned(), v.clone()))
        })
        .collect()
}

/// The birth year from the birth date, else from the estimated age when reported.
pub fn birth_year(values: &Map<String, Value>) -> Option<i64> {
    if let Some(date) = values
        .get("child.birth_date")
        .and_then(Value::as_str)
        .and_then(|d| d.parse::<jiff::civil::Date>().ok())
    {
        return Some(i64::from(date.year()));
    }
    let age = values.get("child.age_years").and_then(Value::as_i64)?;
    let received = values
        .get("received_at")
        .and_then(Value::as_str)?
        .parse::<jiff::Timestamp>()
        .ok()?;
    Some(i64::from(received.to_zoned(local_zone()).year()) - age)
}

/// The concern codes of a report (checked against the vocabulary when it was recorded).
pub fn concerns(values: &Map<String, Value>) -> Vec<&str> {
    values
        .get("concerns")
        .and_then(Value::as_array)
        .map(|codes| codes.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// A case number readable on the phone and in a register: the territory's HCP code,
/// the year and a sequence, e.g. `04441-2026-000123` for Salé.
pub fn case_number(hcp_code: &str, year: i16, sequence: i64) -> String {
    let digits: String = hcp_code.chars().filter(char::is_ascii_digit).collect();
    format!("{digits}-{year}-{sequence:06}")
}

/// Birth years of the children in an age band this year (an approximation of a year at
/// most, as only the birth year is kept in clear).
pub fn born_in(band: &str, year: i64) -> Option<(i64, i64)> {
    let (youngest, oldest) = match band {
        "0-5" => (0, 5),
        "6-11" => (6, 11),
        "12-14" => (12, 14),
        "15-17" => (15, 17),
        _ => return None,
    };
    Some((year - oldest, year - youngest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn birth_year_from_date_or_age() {
        let v = |j: Value| j.as_object().cloned().unwrap_or_default();
        assert_eq!(
            birth_year(&v(json!({"child.birth_date": "2015-03-01"}))),
            Some(2015)
        );
        let aged = v(json!({"child.age_years": 10, "received_at": "2026-01-02T10:00:00Z"}));
        assert_eq!(birth_year(&aged), Some(2016));
        assert_eq!(birth_year(&v(json!({}))), None);
    }

    #[test]
    fn case_numbers_keep_the_digits() {
        assert_eq!(case_number("04.441", 2026, 123), "04441-2026-000123");
    }
}
