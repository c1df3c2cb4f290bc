//! The directory as a table: one line per contact point, the organisation's own columns
//! repeated (or left empty) on its other lines. The same shape is exported and imported,
//! so a province can download its directory, fill it in a spreadsheet and load it back.
//!
//! An import is all or nothing: every problem of every line is reported (line number,
//! column, what is wrong and what to do), and nothing is kept unless there is none.
//! Reading CSV or XLSX bytes into cells is the web layer's; this module only sees cells.

use super::{ContactInput, Entry, EntryInput};
use crate::forms::Problem;
use crate::vocabulary::Vocabulary;
use serde::Serialize;

/// The most lines one import takes: a province's directory is a few hundred at most,
/// and every line is checked before anything is written.
pub const MAX_LINES: usize = 5000;

/// The bounds of the file itself, checked while it is read and before anything is kept
/// of it, so that a hostile file costs no more than a large honest one: no cell below
/// row (line) `MAX_ROWS`, none right of column `MAX_COLUMNS`, at most `MAX_CELLS`
/// cells that hold something. An honest directory of `MAX_LINES` lines fills 14
/// columns; blank lines between its parts are allowed for.
pub const MAX_ROWS: usize = 2 * MAX_LINES;
pub const MAX_COLUMNS: usize = 50;
pub const MAX_CELLS: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Code,
    /// Read-only: shown for people reading the file, changed in the organisations page.
    Name,
    /// Read-only, as the name.
    Sector,
    Address,
    OpeningHours,
    Latitude,
    Longitude,
    Services,
    Public,
    ContactName,
    ContactRole,
    ContactPhone,
    ContactEmail,
    ContactPrivate,
}

impl Column {
    /// In the order files are written.
    pub const ALL: [Column; 14] = [
        Column::Code,
        Column::Name,
        Column::Sector,
        Column::Address,
        Column::OpeningHours,
        Column::Latitude,
        Column::Longitude,
        Column::Services,
        Column::Public,
        Column::ContactName,
        Column::ContactRole,
        Column::ContactPhone,
        Column::ContactEmail,
        Column::ContactPrivate,
    ];

    /// The header of the column: a stable code, the same in every language.
    pub fn code(self) -> &'static str {
        match self {
            Column::Code => "code",
            Column::Name => "name",
            Column::Sector => "sector",
            Column::Address => "address",
            Column::OpeningHours => "opening_hours",
            Column::Latitude => "latitude",
            Column::Longitude => "longitude",
            Column::Services => "services",
            Column::Public => "public",
            Column::ContactName => "contact_name",
            Column::ContactRole => "contact_role",
            Column::ContactPhone => "contact_phone",
            Column::ContactEmail => "contact_email",
            Column::ContactPrivate => "contact_private",
        }
    }

    /// A header as people may have retyped it: any case, spaces or dashes for `_`, and
    /// the short names GPS tools use.
    fn from_header(header: &str) -> Option<Column> {
        let normal = header
            .trim()
            .trim_start_matches('\u{feff}')
            .to_lowercase()
            .replace([' ', '-'], "_");
        let alias = match normal.as_str() {
            "hours" => "opening_hours",
            "lat" => "latitude",
            "lon" | "lng" | "long" => "longitude",
            other => other,
        };
        Column::ALL.into_iter().find(|c| c.code() == alias)
    }

    /// The organisation's own columns, as opposed to a contact point's.
    fn of_organisation(self) -> bool {
        matches!(
            self,
            Column::Address
                | Column::OpeningHours
                | Column::Latitude
                | Column::Longitude
                | Column::Services
                | Column::Public
        )
    }
}

/// Why a line (or the file) was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum ImportProblem {
    /// A value refused as the edit page would refuse it.
    Value(Problem),
    UnknownColumn,
    DuplicateColumn,
    MissingCodeColumn,
    /// Not yes or no.
    YesNo,
    /// The organisation's column says something else than on its first line.
    Differs {
        first_line: usize,
    },
    /// No organisation of this code in the importer's province.
    UnknownOrganisation,
    Empty,
    TooManyLines {
        max: usize,
    },
    /// The file is not a CSV in UTF-8 nor an XLSX workbook.
    Unreadable,
    /// A CSV quotation mark opened on this line and never closed: the rest of the file
    /// would be one cell.
    UnclosedQuote,
    /// Something is written below row `max` (a sheet's row, a CSV's line).
    TooManyRows {
        max: usize,
    },
    /// Something is written right of column `max`.
    TooManyColumns {
        max: usize,
    },
    /// More than `max` cells hold something.
    TooManyCells {
        max: usize,
    },
    /// An XLSX workbook that unpacks to more than `max_mb` megabytes (a "zip bomb", or
    /// pictures and other sheets that an import does not need).
    TooLargeUnpacked {
        max_mb: usize,
    },
}

impl ImportProblem {
    /// The message id in the Fluent files: what is wrong and what to do.
    pub fn message_id(&self) -> &'static str {
        match self {
            ImportProblem::Value(p) => p.message_id(),
            ImportProblem::UnknownColumn => "directory-import-unknown-column",
            ImportProblem::DuplicateColumn => "directory-import-duplicate-column",
            ImportProblem::MissingCodeColumn => "directory-import-missing-code",
            ImportProblem::YesNo => "directory-import-yes-no",
            ImportProblem::Differs { .. } => "directory-import-differs",
            ImportProblem::UnknownOrganisation => "directory-import-unknown-organisation",
            ImportProblem::Empty => "directory-import-empty",
            ImportProblem::TooManyLines { .. } => "directory-import-too-many-lines",
            ImportProblem::Unreadable => "directory-import-unreadable",
            ImportProblem::UnclosedQuote => "directory-import-unclosed-quote",
            ImportProblem::TooManyRows { .. } => "directory-import-too-many-rows",
            ImportProblem::TooManyColumns { .. } => "directory-import-too-many-columns",
            ImportProblem::TooManyCells { .. } => "directory-import-too-many-cells",
            ImportProblem::TooLargeUnpacked { .. } => "directory-import-too-large-unpacked",
        }
    }

    pub fn arguments(&self) -> Vec<(&'static str, i64)> {
        let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
        match self {
            ImportProblem::Value(p) => p.arguments(),
            ImportProblem::Differs { first_line } => vec![("line", n(*first_line))],
            ImportProblem::TooManyLines { max }
            | ImportProblem::TooManyRows { max }
            | ImportProblem::TooManyColumns { max }
            | ImportProblem::TooManyCells { max } => vec![("max", n(*max))],
            ImportProblem::TooLargeUnpacked { max_mb } => vec![("max", n(*max_mb))],
            _ => Vec::new(),
        }
    }
}

/// One problem: the line of the file (1 is the header), the column's header (empty
/// when the whole line or file is meant) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    pub line: usize,
    pub column: String,
    #[serde(flatten)]
    pub problem: ImportProblem,
}

impl LineError {
    pub fn new(line: usize, column: Option<Column>, problem: ImportProblem) -> LineError {
        LineError {
            line,
            column: column.map(|c| c.code().to_owned()).unwrap_or_default(),
            problem,
        }
    }
}

/// One organisation's entry as the file gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub code: String,
    /// Its first line, to name in a problem found later (an unknown code…).
    pub line: usize,
    pub entry: Entry,
}

/// A cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, or a tab or
/// carriage return before one) is written with a leading `'`, so that opening an
/// exported file never runs what somebody typed (OWASP "CSV injection").
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// The reverse of `neutralise`, so that an exported file imports unchanged.
fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// Yes or no in the three languages, and as spreadsheets write them; empty is no.
fn yes_no(cell: &str) -> Option<bool> {
    match cell.trim().to_lowercase().as_str() {
        "" | "no" | "non" | "لا" | "0" | "false" | "faux" | "n" => Some(false),
        "yes" | "oui" | "نعم" | "1" | "true" | "vrai" | "y" | "o" | "x" => Some(true),
        _ => None,
    }
}

/// Services in one cell: separated by `;`, `,`, `،`, `|` or line breaks.
fn service_list(cell: &str) -> Vec<String> {
    cell.split([';', ',', '،', '|', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// An organisation being gathered from its lines.
struct Gathering {
    code: String,
    line: usize,
    /// The organisation's columns as its first line gave them.
    own: Vec<(Column, String)>,
    input: EntryInput,
    contact_lines: Vec<usize>,
}

/// Reads a table whose first row is the header. `rows` are (line number, cells).
pub fn read_table(
    rows: &[(usize, Vec<String>)],
    services: &Vocabulary,
) -> Result<Vec<Imported>, Vec<LineError>> {
    let Some(((header_line, header), body)) = rows.split_first() else {
        return Err(vec![LineError::new(1, None, ImportProblem::Empty)]);
    };
    let mut errors = Vec::new();
    let mut columns: Vec<Option<Column>> = Vec::new();
    for name in header {
        let column = Column::from_header(name);
        match column {
            None if name.trim().is_empty() => {}
            None => errors.push(LineError {
                line: *header_line,
                column: name.trim().to_owned(),
                problem: ImportProblem::UnknownColumn,
            }),
            Some(c) if columns.contains(&Some(c)) => {
                errors.push(LineError::new(
                    *header_line,
                    Some(c),
                    ImportProblem::DuplicateColumn,
                ));
            }
            Some(_) => {}
        }
        columns.push(column);
    }
    if !columns.contains(&Some(Column::Code)) {
        errors.push(LineError::new(
            *header_line,
            None,
            ImportProblem::MissingCodeColumn,
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let body: Vec<&(usize, Vec<String>)> = body
        .iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .collect();
    if body.is_empty() {
        return Err(vec![LineError::new(
            *header_line,
            None,
            ImportProblem::Empty,
        )]);
    }
    if body.len() > MAX_LINES {
        return Err(vec![LineError::new(
            body[MAX_LINES].0,
            None,
            ImportProblem::TooManyLines { max: MAX_LINES },
        )]);
    }

    let mut gathered: Vec<Gathering> = Vec::new();
    for (line, cells) in body {
        let cell = |column: Column| -> &str {
            columns
                .iter()
                .position(|c| *c == Some(column))
                .and_then(|i| cells.get(i))
                .map_or("", |c| restore(c.trim()))
        };
        let code = cell(Column::Code).to_owned();
        if code.is_empty() {
            errors.push(LineError::new(
                *line,
                Some(Column::Code),
                ImportProblem::Value(Problem::Required),
            ));
            continue;
        }
        let index = match gathered.iter().position(|g| g.code == code) {
            Some(index) => {
                let first = &gathered[index];
                for (column, value) in &first.own {
                    let here = cell(*column);
                    if !here.is_empty() && here != value {
                        errors.push(LineError::new(
                            *line,
                            Some(*column),
                            ImportProblem::Differs {
                                first_line: first.line,
                            },
                        ));
                    }
                }
                index
            }
            None => {
                let public = yes_no(cell(Column::Public)).unwrap_or_else(|| {
                    errors.push(LineError::new(
                        *line,
                        Some(Column::Public),
                        ImportProblem::YesNo,
                    ));
                    false
                });
                gathered.push(Gathering {
                    code: code.clone(),
                    line: *line,
                    own: Column::ALL
                        .into_iter()
                        .filter(|c| c.of_organisation())
                        .map(|c| (c, cell(c).to_owned()))
                        .collect(),
                    input: EntryInput {
                        address: cell(Column::Address).to_owned(),
                        opening_hours: cell(Column::OpeningHours).to_owned(),
                        latitude: cell(Column::Latitude).to_owned(),
                        longitude: cell(Column::Longitude).to_owned(),
                        services: service_list(cell(Column::Services)),
                        public,
                        contacts: Vec::new(),
                    },
                    contact_lines: Vec::new(),
                });
                gathered.len() - 1
            }
        };
        let private = yes_no(cell(Column::ContactPrivate)).unwrap_or_else(|| {
            errors.push(LineError::new(
                *line,
                Some(Column::ContactPrivate),
                ImportProblem::YesNo,
            ));
            false
        });
        let contact = ContactInput {
            name: cell(Column::ContactName).to_owned(),
            role: cell(Column::ContactRole).to_owned(),
            phone: cell(Column::ContactPhone).to_owned(),
            email: cell(Column::ContactEmail).to_owned(),
            private,
        };
        if !contact.is_blank() {
            let organisation = &mut gathered[index];
            organisation.input.contacts.push(contact);
            organisation.contact_lines.push(*line);
        }
    }

    let mut imported = Vec::new();
    // An organisation listed by its code alone (as the exported file lists those not
    // described yet) is left as it is: an empty line is not a wish to erase.
    for organisation in gathered.into_iter().filter(|g| !g.input.is_blank()) {
        match organisation.input.check(services) {
            Ok(entry) => imported.push(Imported {
                code: organisation.code,
                line: organisation.line,
                entry,
            }),
            Err(found) => {
                for e in found {
                    let (line, column) = place(&organisation, &e.field);
                    errors.push(LineError::new(
                        line,
                        column,
                        ImportProblem::Value(e.problem),
                    ));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(imported)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// The line and column of an entry's field: the organisation's first line for its own
/// fields, the contact's line for `contacts.{i}.{field}`.
fn place(organisation: &Gathering, field: &str) -> (usize, Option<Column>) {
    let own = |column| (organisation.line, Some(column));
    match field {
        "address" => own(Column::Address),
        "opening_hours" => own(Column::OpeningHours),
        "latitude" => own(Column::Latitude),
        "longitude" => own(Column::Longitude),
        "services" => own(Column::Services),
        "contacts" => {
            // Too many contact points: the first one over the limit.
            let line = organisation
                .contact_lines
                .get(super::MAX_CONTACTS)
                .copied()
                .unwrap_or(organisation.line);
            (line, Some(Column::ContactName))
        }
        other => {
            let mut parts = other.splitn(3, '.').skip(1);
            let index: Option<usize> = parts.next().and_then(|i| i.parse().ok());
            let column = match parts.next() {
                Some("name") => Column::ContactName,
                Some("role") => Column::ContactRole,
                Some("email") => Column::ContactEmail,
                _ => Column::ContactPhone,
            };
            let line = index
                .and_then(|i| organisation.contact_lines.get(i))
                .copied()
                .unwrap_or(organisation.line);
            (line, Some(column))
        }
    }
}

/// The header row of an exported file.
pub fn header() -> Vec<String> {
    Column::ALL.iter().map(|c| c.code().to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Reference;
    use crate::directory::SERVICES;

    fn services() -> Vocabulary {
        Reference::embedded()
            .expect("reference")
            .vocabulary(SERVICES)
            .expect("services")
            .clone()
    }

    fn table(lines: &[&[&str]]) -> Vec<(usize, Vec<String>)> {
        lines
            .iter()
            .enumerate()
            .map(|(i, cells)| (i + 1, cells.iter().map(|c| (*c).to_owned()).collect()))
            .collect()
    }

    const HEADER: &[&str] = &[
        "code",
        "Name",
        "address",
        "hours",
        "lat",
        "lon",
        "services",
        "public",
        "contact_name",
        "contact_phone",
        "contact_private",
    ];

    #[test]
    fn lines_of_one_organisation_gather_its_contacts() {
        let rows = table(&[
            HEADER,
            &[
                "sale-centre",
                "Centre",
                "شارع محمد الخامس",
                "8:30-16:30",
                "34.05",
                "-6.80",
                "listening; Emergency shelter",
                "نعم",
                "Accueil",
                "'+212 537 12 34 56",
                "non",
            ],
            &[
                "sale-centre",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "Mme Bennani",
                "0661000000",
                "oui",
            ],
            &["", "", "", "", "", "", "", "", "", "", ""],
            &[
                "sale-hospital",
                "",
                "مستشفى",
                "",
                "",
                "",
                "",
                "no",
                "",
                "",
                "",
            ],
            &["sale-school", "", "", "", "", "", "", "no", "", "", ""],
        ]);
        let imported = read_table(&rows, &services()).expect("accepted");
        assert_eq!(imported.len(), 2, "the school's line says nothing");
        let centre = &imported[0].entry;
        assert_eq!(centre.services, vec!["listening", "shelter"]);
        assert!(centre.public);
        assert_eq!(centre.contacts.len(), 2);
        assert_eq!(centre.contacts[0].phone.as_deref(), Some("+212537123456"));
        assert!(centre.contacts[1].private);
        assert!(imported[1].entry.contacts.is_empty());
        assert_eq!(imported[1].line, 5);
    }

    #[test]
    fn every_bad_line_is_reported_with_its_column() {
        let rows = table(&[
            HEADER,
            &[
                "sale-centre",
                "",
                "x",
                "",
                "48.85",
                "2.35",
                "",
                "yes",
                "Nadia",
                "0537123456",
                "",
            ],
            &[
                "sale-centre",
                "",
                "y",
                "",
                "",
                "",
                "",
                "",
                "Karim",
                "not a phone",
                "peut-être",
            ],
            &["", "", "", "", "", "", "", "", "Orphan", "", ""],
        ]);
        let errors = read_table(&rows, &services()).expect_err("refused");
        let found: Vec<(usize, &str, &ImportProblem)> = errors
            .iter()
            .map(|e| (e.line, e.column.as_str(), &e.problem))
            .collect();
        assert_eq!(
            found,
            vec![
                (
                    2,
                    "latitude",
                    &ImportProblem::Value(Problem::OutsideMorocco)
                ),
                (3, "address", &ImportProblem::Differs { first_line: 2 }),
                (3, "contact_private", &ImportProblem::YesNo),
                (
                    3,
                    "contact_phone",
                    &ImportProblem::Value(Problem::NotAPhone)
                ),
                (4, "code", &ImportProblem::Value(Problem::Required)),
            ]
        );
    }

    #[test]
    fn the_header_is_checked_first() {
        let rows = table(&[&["code", "adress", "code"], &["x", "y", "x"]]);
        let errors = read_table(&rows, &services()).expect_err("refused");
        assert_eq!(
            errors,
            vec![
                LineError {
                    line: 1,
                    column: "adress".into(),
                    problem: ImportProblem::UnknownColumn
                },
                LineError::new(1, Some(Column::Code), ImportProblem::DuplicateColumn),
            ]
        );
        let only_header = table(&[&["code"]]);
        assert_eq!(
            read_table(&only_header, &services()),
            Err(vec![LineError::new(1, None, ImportProblem::Empty)])
        );
    }

    #[test]
    fn formulas_are_neutralised_and_restored() {
        for cell in ["=HYPERLINK(\"x\")", "+212", "-1", "@SUM(A1)"] {
            let out = neutralise(cell);
            assert!(out.starts_with('\''), "{cell}");
            assert_eq!(restore(&out), cell);
        }
        assert_eq!(neutralise("مركز"), "مركز");
        assert_eq!(restore("'quoted"), "'quoted");
    }
}
