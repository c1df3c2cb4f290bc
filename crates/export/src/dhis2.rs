//! Monthly indicators as a DHIS2 `dataValueSets` JSON document.

use std::collections::{BTreeMap, HashSet};

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Value, json};

use crate::ExportError;

/// One monthly value of an indicator for a province.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataValue {
    /// Awladna's indicator code: `reports`, `cases`, `children`, `cases_closed`, `referrals`,
    /// `referrals_overdue`.
    pub indicator: String,
    /// The province's HCP code (`01.051`).
    pub org_unit: String,
    /// `YYYY-MM`.
    pub month: String,
    /// `female`, `male` or `unknown`; `None` for a value over every sex.
    pub sex: Option<String>,
    /// `0-5`, `6-11`, `12-14`, `15-17` or `unknown`; `None` for a value over every age.
    pub age_band: Option<String>,
    /// None = suppressed: such values are left out of the payload, with a comment count
    pub value: Option<u64>,
}

/// Which DHIS2 codes stand for Awladna's indicators, provinces and disaggregations: see the
/// comment at the top of `data/dhis2.toml`, the mapping built into the crate.
#[derive(Clone, Debug)]
pub struct Dhis2Mapping {
    id_scheme: String,
    org_units: BTreeMap<String, String>,
    data_elements: BTreeMap<String, DataElement>,
    category_combos: BTreeMap<String, Vec<OptionCombo>>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DataElement {
    code: String,
    category_combo: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionCombo {
    sex: Option<String>,
    age_band: Option<String>,
    code: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    id_scheme: String,
    #[serde(default)]
    org_units: BTreeMap<String, String>,
    data_elements: BTreeMap<String, DataElement>,
    category_combos: BTreeMap<String, Vec<OptionCombo>>,
}

impl Dhis2Mapping {
    /// The mapping built into the crate, `data/dhis2.toml`.
    pub fn embedded() -> Result<Self, ExportError> {
        Self::from_toml(include_str!("../data/dhis2.toml"))
    }

    /// A mapping in the format of `data/dhis2.toml`, for a deployment's own.
    pub fn from_toml(text: &str) -> Result<Self, ExportError> {
        let file: MappingFile =
            toml::from_str(text).map_err(|e| ExportError::Mapping(e.to_string()))?;
        let bad = |message: String| Err(ExportError::Mapping(message));
        if file.id_scheme.trim().is_empty() {
            return bad("`id_scheme` is empty".into());
        }
        for (ours, theirs) in &file.org_units {
            if theirs.trim().is_empty() {
                return bad(format!("the organisation unit `{ours}` has an empty code"));
            }
        }
        for (indicator, element) in &file.data_elements {
            if element.code.trim().is_empty() {
                return bad(format!("the indicator `{indicator}` has an empty code"));
            }
            if !file.category_combos.contains_key(&element.category_combo) {
                return bad(format!(
                    "the indicator `{indicator}` names the category combo `{}`, which is not under \
                     [category_combos]",
                    element.category_combo
                ));
            }
        }
        for (name, options) in &file.category_combos {
            let mut seen = HashSet::new();
            for option in options {
                if option.code.trim().is_empty() {
                    return bad(format!("the category combo `{name}` has an empty code"));
                }
                if !seen.insert((&option.sex, &option.age_band)) {
                    return bad(format!(
                        "the category combo `{name}` has two options for sex {} and age band {}",
                        option.sex.as_deref().unwrap_or("(none)"),
                        option.age_band.as_deref().unwrap_or("(none)")
                    ));
                }
            }
        }
        Ok(Dhis2Mapping {
            id_scheme: file.id_scheme,
            org_units: file.org_units,
            data_elements: file.data_elements,
            category_combos: file.category_combos,
        })
    }

    /// How DHIS2 reads the identifiers: `CODE` in the built-in mapping.
    pub fn id_scheme(&self) -> &str {
        &self.id_scheme
    }

    /// The URL query to import a data value set with:
    /// `dataElementIdScheme=CODE&orgUnitIdScheme=CODE&categoryOptionComboIdScheme=CODE&idScheme=CODE`.
    /// The payload says the same, but not every DHIS2 version reads it there (see [`dhis2_json`]).
    pub fn import_query(&self) -> String {
        let s = &self.id_scheme;
        format!(
            "dataElementIdScheme={s}&orgUnitIdScheme={s}&categoryOptionComboIdScheme={s}&idScheme={s}"
        )
    }

    fn category_option_combo(&self, value: &DataValue) -> Result<(&str, &str), ExportError> {
        let element = self
            .data_elements
            .get(&value.indicator)
            .ok_or_else(|| ExportError::UnknownIndicator(value.indicator.clone()))?;
        self.category_combos
            .get(&element.category_combo)
            .into_iter()
            .flatten()
            .find(|o| o.sex == value.sex && o.age_band == value.age_band)
            .map(|o| (element.code.as_str(), o.code.as_str()))
            .ok_or_else(|| ExportError::UnknownDisaggregation {
                indicator: value.indicator.clone(),
                sex: value.sex.clone(),
                age_band: value.age_band.clone(),
            })
    }
}

/// `values` as a DHIS2 `dataValueSets` JSON document, the data set completed on `completed`
/// (`YYYY-MM-DD`, written as `completeDate`).
///
/// Each value becomes `{dataElement, period, orgUnit, categoryOptionCombo, value}`, with the
/// month as a DHIS2 monthly period (`2025-03` → `202503`), the province's organisation unit
/// code, and the count as a string, as DHIS2 writes values. The id schemes of the mapping are
/// written as `idScheme`, `dataElementIdScheme`, `orgUnitIdScheme` and
/// `categoryOptionComboIdScheme`. A suppressed value (`None`) is left out; `comment` says how
/// many were (DHIS2 ignores members it does not know).
///
/// Fails, naming it, on an indicator the mapping does not have, a sex and age band that its
/// data element's category combo does not have (a total, with the built-in mapping), a month or
/// date that is not valid, an empty organisation unit, or two values for the same cell:
/// nothing is half-exported.
///
/// `serde_json` writes the members of a `Value` in alphabetical order, `dataValues` before
/// `idScheme` and `orgUnitIdScheme`: write the document with [`dhis2_json`].
pub fn dhis2_data_value_set(
    mapping: &Dhis2Mapping,
    values: &[DataValue],
    completed: &str,
) -> Result<Value, ExportError> {
    if !valid_date(completed) {
        return Err(ExportError::BadDate(
            completed.to_owned(),
            "date (YYYY-MM-DD)",
        ));
    }
    let mut data_values = Vec::with_capacity(values.len());
    let mut cells = HashSet::with_capacity(values.len());
    let mut suppressed = 0usize;
    for value in values {
        let (data_element, category_option_combo) = mapping.category_option_combo(value)?;
        let period = period(&value.month)
            .ok_or_else(|| ExportError::BadDate(value.month.clone(), "month (YYYY-MM)"))?;
        if value.org_unit.trim().is_empty() {
            return Err(ExportError::NoOrgUnit(value.indicator.clone()));
        }
        let org_unit = mapping
            .org_units
            .get(&value.org_unit)
            .unwrap_or(&value.org_unit);
        if !cells.insert((
            data_element,
            period.clone(),
            org_unit,
            category_option_combo,
        )) {
            return Err(ExportError::Duplicate {
                data_element: data_element.to_owned(),
                period,
                org_unit: org_unit.clone(),
                category_option_combo: category_option_combo.to_owned(),
            });
        }
        let Some(count) = value.value else {
            suppressed += 1;
            continue;
        };
        data_values.push(json!({
            "dataElement": data_element,
            "period": period,
            "orgUnit": org_unit,
            "categoryOptionCombo": category_option_combo,
            "value": count.to_string(),
        }));
    }
    let scheme = mapping.id_scheme();
    Ok(json!({
        "idScheme": scheme,
        "dataElementIdScheme": scheme,
        "orgUnitIdScheme": scheme,
        "categoryOptionComboIdScheme": scheme,
        "completeDate": completed,
        "comment": format!(
            "Awladna: {suppressed} suppressed value(s) (fewer than 5) left out"
        ),
        "dataValues": data_values,
    }))
}

/// A data value set as the bytes to send or save: indented JSON with `dataValues` last.
///
/// Some DHIS2 versions read a data value set as a stream and take the document's members (the
/// id schemes among them) only from before the `dataValues` array; a `Value` written by
/// `serde_json` puts `idScheme` and `orgUnitIdScheme` after it, where those versions would
/// miss them.
pub fn dhis2_json(set: &Value) -> Result<Vec<u8>, ExportError> {
    struct DataValuesLast<'a>(&'a Value);

    impl Serialize for DataValuesLast<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let Value::Object(members) = self.0 else {
                return self.0.serialize(serializer);
            };
            let mut map = serializer.serialize_map(Some(members.len()))?;
            for (key, value) in members.iter().filter(|(key, _)| *key != "dataValues") {
                map.serialize_entry(key, value)?;
            }
            if let Some(values) = members.get("dataValues") {
                map.serialize_entry("dataValues", values)?;
            }
            map.end()
        }
    }

    Ok(serde_json::to_vec_pretty(&DataValuesLast(set))?)
}

/// `YYYY-MM` as a DHIS2 monthly period, `YYYYMM`.
fn period(month: &str) -> Option<String> {
    let (year, mm) = month.split_once('-')?;
    let valid = year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && mm.len() == 2
        && matches!(mm.parse::<u8>(), Ok(1..=12));
    valid.then(|| format!("{year}{mm}"))
}

/// Whether `date` is a real `YYYY-MM-DD` day.
fn valid_date(date: &str) -> bool {
    let Some((month, dd)) = date.get(..7).zip(date.get(7..)) else {
        return false;
    };
    let (Some(_), Some(dd)) = (period(month), dd.strip_prefix('-')) else {
        return false;
    };
    let (Ok(year), Ok(m), true) = (
        month[..4].parse::<u32>(),
        month[5..].parse::<u32>(),
        dd.len() == 2 && dd.bytes().all(|b| b.is_ascii_digit()),
    ) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let last = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    matches!(dd.parse::<u32>(), Ok(d) if (1..=last).contains(&d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_become_periods() {
        assert_eq!(period("2025-03").as_deref(), Some("202503"));
        assert_eq!(period("2025-12").as_deref(), Some("202512"));
        for bad in [
            "2025-13",
            "2025-00",
            "2025-3",
            "25-03",
            "202503",
            "2025-03-01",
            "٢٠٢٥-03",
        ] {
            assert_eq!(period(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_are_checked() {
        for good in ["2025-04-01", "2024-02-29", "2000-02-29", "2025-12-31"] {
            assert!(valid_date(good), "{good}");
        }
        for bad in [
            "2025-02-29",
            "1900-02-29",
            "2025-04-31",
            "2025-04-00",
            "2025-4-01",
            "2025-04-1",
            "2025-04-01T00:00",
            "",
            "2025-04-+1",
            "2025-0é-01",
        ] {
            assert!(!valid_date(bad), "{bad}");
        }
    }
}
