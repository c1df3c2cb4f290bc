//! Awladna's statistics leaving the system: files a person downloads or another system imports.
//!
//! - [`xlsx`]: a workbook with a readable first sheet (title, key/value lines, every table one
//!   under another) and a long-format data sheet to pivot;
//! - [`csv`]: one table as UTF-8 CSV with a byte order mark, safe to open in a spreadsheet;
//! - [`dhis2_data_value_set`]: monthly indicators as a DHIS2 `dataValueSets` JSON document,
//!   through the mapping in `data/dhis2.toml` ([`Dhis2Mapping`]).
//!
//! What leaves is the caller's business: the tables hold what the statistics pages show, already
//! aggregated and with small counts already [`Cell::Suppressed`]. This crate writes them faithfully
//! and safely: text never becomes a formula, numbers stay numbers, a suppressed count is never
//! written as a number, and the isolation marks that Fluent puts around its arguments
//! (U+2066 to U+2069) are stripped from every text, since spreadsheets show them as stray
//! characters or boxes. The crate does no IO and keeps no state.

mod delimited;
mod dhis2;
mod sheet;

pub use delimited::csv;
pub use dhis2::{DataValue, Dhis2Mapping, dhis2_data_value_set, dhis2_json};
pub use sheet::xlsx;

/// What a suppressed count is shown as, in every format.
pub const SUPPRESSED: &str = "<5";

/// One cell of a table.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// A label: a territory, a sex, a month, a service…
    Text(String),
    /// A count, written as a whole number.
    Count(u64),
    /// A rate, a share or a mean. A value that is not finite (NaN, infinity) is written as an
    /// empty cell: no spreadsheet can store it as a number.
    Number(f64),
    /// a small count shown as "<5"
    Suppressed,
}

/// A table: a title, a header row, rows of cells and the indicator's definition.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// the indicator's definition, written under the table
    pub note: Option<String>,
}

/// A workbook: a first sheet for people, a data sheet for analysts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Workbook {
    /// The first sheet's title and name, and the file's title property.
    pub title: String,
    /// Whether the sheets read right to left (Arabic).
    pub rtl: bool,
    /// key/value lines written at the top of the first sheet (territory, period, generated at, status, source of the denominators…)
    pub meta: Vec<(String, String)>,
    pub tables: Vec<Table>,
    /// the long-format data sheet: one row per value (indicator, territory, period, dimension values…, value)
    ///
    /// Its title names the second sheet; its note is not written (nothing may sit under a table
    /// that analysts filter and pivot).
    pub data: Table,
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The XLSX writer refused the workbook (a text longer than 32,767 characters, more than
    /// 1,048,576 rows…).
    #[error("the XLSX workbook cannot be written: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// The DHIS2 mapping file is not valid.
    #[error("the DHIS2 mapping is not valid: {0}")]
    Mapping(String),
    /// An indicator that the DHIS2 mapping does not name.
    #[error("the indicator `{0}` has no DHIS2 data element in the mapping")]
    UnknownIndicator(String),
    /// A disaggregation that the indicator's category combo does not have.
    #[error(
        "the indicator `{indicator}` has no DHIS2 category option combo for sex {} and age band {} \
         in the mapping",
        .sex.as_deref().unwrap_or("(none)"),
        .age_band.as_deref().unwrap_or("(none)")
    )]
    UnknownDisaggregation {
        indicator: String,
        sex: Option<String>,
        age_band: Option<String>,
    },
    /// A month that is not `YYYY-MM`, or a date that is not `YYYY-MM-DD`.
    #[error("`{0}` is not a valid {1}")]
    BadDate(String, &'static str),
    /// An empty organisation unit code.
    #[error("the indicator `{0}` has a value without an organisation unit")]
    NoOrgUnit(String),
    /// Two values for the same data element, period, organisation unit and category option
    /// combo: DHIS2 would keep only the last one.
    #[error(
        "two values for the data element `{data_element}`, period {period}, organisation unit \
         `{org_unit}` and category option combo `{category_option_combo}`"
    )]
    Duplicate {
        data_element: String,
        period: String,
        org_unit: String,
        category_option_combo: String,
    },
    /// The JSON could not be written.
    #[error("the JSON cannot be written: {0}")]
    Json(#[from] serde_json::Error),
}

/// `text` without the directional isolation marks (U+2066 LRI, U+2067 RLI, U+2068 FSI,
/// U+2069 PDI) that Fluent inserts around each argument of a message.
pub(crate) fn strip_isolates(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{2066}'..='\u{2069}'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolation_marks_are_stripped() {
        assert_eq!(
            strip_isolates("\u{2068}الرباط\u{2069} \u{2066}01.051\u{2069}\u{2067}x"),
            "الرباط 01.051x"
        );
        // The other bidi controls are not Fluent's, and stay.
        assert_eq!(strip_isolates("a\u{200F}b"), "a\u{200F}b");
    }
}
