//! The XLSX workbook.

use rust_xlsxwriter::{ColNum, DocProperties, Format, RowNum, Worksheet};

use crate::{Cell, ExportError, SUPPRESSED, Table, Workbook, strip_isolates};

/// The widest a column grows to fit its cells, in pixels.
const MAX_COLUMN_PIXELS: u32 = 320;

/// `book` as an XLSX file.
///
/// The first sheet, named after the title, holds the title, the meta lines (key in the first
/// column, value in the second) and every table one under another: its title, its bold header
/// row, its rows and its note, with a blank row between tables. The second sheet, named after
/// the data table's title, holds the data table alone (header row, autofilter, frozen header) so
/// that analysts can filter and pivot it. Both read right to left when `book.rtl`.
///
/// Counts and numbers are stored as numbers, a suppressed count as the text `<5`, every text as
/// text (never as a formula), without isolation marks. Sheet names are made valid: the
/// characters Excel refuses (`[]:*?/\`) are replaced, names are cut to 31 characters, and the
/// data sheet's name is changed if it would equal the first one's.
pub fn xlsx(book: &Workbook) -> Result<Vec<u8>, ExportError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let title = strip_isolates(&book.title);
    workbook.set_properties(&DocProperties::new().set_title(&title));
    let formats = Formats::new();

    let first_name = sheet_name(&book.title, "Summary");
    let data_name = distinct(sheet_name(&book.data.title, "Data"), &first_name);

    let sheet = workbook.add_worksheet();
    sheet.set_name(&first_name)?;
    sheet.set_right_to_left(book.rtl);
    summary(sheet, book, &title, &formats)?;

    let sheet = workbook.add_worksheet();
    sheet.set_name(&data_name)?;
    sheet.set_right_to_left(book.rtl);
    data(sheet, &book.data, &formats)?;

    Ok(workbook.save_to_buffer()?)
}

struct Formats {
    title: Format,
    bold: Format,
    note: Format,
}

impl Formats {
    fn new() -> Self {
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            bold: Format::new().set_bold(),
            note: Format::new().set_italic(),
        }
    }
}

/// The first sheet. Long single texts (the title, each table's title and note) are written
/// after the columns are fitted to the tables, so that they spill over the empty cells beside
/// them rather than widen the first column.
fn summary(
    sheet: &mut Worksheet,
    book: &Workbook,
    title: &str,
    formats: &Formats,
) -> Result<(), ExportError> {
    let mut spilling: Vec<(RowNum, String, &Format)> = vec![(0, title.to_owned(), &formats.title)];
    let mut row: RowNum = 1;
    for (key, value) in &book.meta {
        sheet.write_string_with_format(row, 0, strip_isolates(key), &formats.bold)?;
        sheet.write_string(row, 1, strip_isolates(value))?;
        row += 1;
    }
    for table in &book.tables {
        row += 1; // the blank row before each table
        spilling.push((row, strip_isolates(&table.title), &formats.bold));
        row += 1;
        row = write_table(sheet, row, table, formats)?;
        if let Some(note) = &table.note {
            spilling.push((row, strip_isolates(note), &formats.note));
            row += 1;
        }
    }
    sheet.set_autofit_max_width(MAX_COLUMN_PIXELS);
    sheet.autofit();
    for (row, text, format) in spilling {
        sheet.write_string_with_format(row, 0, text, format)?;
    }
    Ok(())
}

/// The data sheet: the table from the first row, filterable, its header row frozen.
fn data(sheet: &mut Worksheet, table: &Table, formats: &Formats) -> Result<(), ExportError> {
    let end = write_table(sheet, 0, table, formats)?;
    let width = table
        .rows
        .iter()
        .map(Vec::len)
        .chain([table.headers.len()])
        .max()
        .unwrap_or(0);
    if width > 0 {
        let last_col = column(width - 1)?;
        sheet.autofilter(0, 0, end.saturating_sub(1), last_col)?;
        sheet.set_freeze_panes(1, 0)?;
    }
    sheet.set_autofit_max_width(MAX_COLUMN_PIXELS);
    sheet.autofit();
    Ok(())
}

/// Writes the bold header row and the rows of `table` from `row`; returns the row after them.
fn write_table(
    sheet: &mut Worksheet,
    mut row: RowNum,
    table: &Table,
    formats: &Formats,
) -> Result<RowNum, ExportError> {
    for (i, header) in table.headers.iter().enumerate() {
        sheet.write_string_with_format(row, column(i)?, strip_isolates(header), &formats.bold)?;
    }
    row += 1;
    for cells in &table.rows {
        for (i, cell) in cells.iter().enumerate() {
            let col = column(i)?;
            match cell {
                Cell::Text(text) => sheet.write_string(row, col, strip_isolates(text))?,
                // Exact up to 2^53, far beyond any count of children.
                Cell::Count(n) => sheet.write_number(row, col, *n as f64)?,
                Cell::Number(x) if x.is_finite() => sheet.write_number(row, col, *x)?,
                // Not a number a spreadsheet can store: the cell stays empty.
                Cell::Number(_) => continue,
                Cell::Suppressed => sheet.write_string(row, col, SUPPRESSED)?,
            };
        }
        row = row
            .checked_add(1)
            .ok_or(rust_xlsxwriter::XlsxError::RowColumnLimitError)?;
    }
    Ok(row)
}

fn column(i: usize) -> Result<ColNum, ExportError> {
    ColNum::try_from(i).map_err(|_| rust_xlsxwriter::XlsxError::RowColumnLimitError.into())
}

/// A valid sheet name from `title`: no isolation marks or control characters, none of the
/// characters Excel refuses, no apostrophe at either end, at most 31 UTF-16 units, not Excel's
/// reserved `History`; `fallback` when nothing is left.
fn sheet_name(title: &str, fallback: &str) -> String {
    let cleaned: String = strip_isolates(title)
        .chars()
        .map(|c| match c {
            '[' => '(',
            ']' => ')',
            ':' | '/' | '\\' => '-',
            '*' | '?' => '_',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let mut name = String::new();
    let mut units = 0;
    for c in cleaned.trim().chars() {
        units += c.len_utf16();
        if units > 31 {
            break;
        }
        name.push(c);
    }
    let name = name.trim().trim_matches('\'').trim();
    if name.is_empty() || name.eq_ignore_ascii_case("history") {
        fallback.to_owned()
    } else {
        name.to_owned()
    }
}

/// `name`, changed if it equals `taken` (Excel compares sheet names without case).
fn distinct(name: String, taken: &str) -> String {
    if name.to_lowercase() != taken.to_lowercase() {
        return name;
    }
    let suffix = " (2)";
    let mut base = String::new();
    let mut units = suffix.len();
    for c in name.chars() {
        units += c.len_utf16();
        if units > 31 {
            break;
        }
        base.push(c);
    }
    format!("{}{suffix}", base.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_made_valid() {
        assert_eq!(sheet_name("a/b: [c]*?\\", "x"), "a-b- (c)__-");
        assert_eq!(sheet_name("\u{2068}الرباط\u{2069}", "x"), "الرباط");
        assert_eq!(sheet_name("'quoted'", "x"), "quoted");
        assert_eq!(sheet_name(" \u{2068}\u{2069} ", "Data"), "Data");
        assert_eq!(sheet_name("History", "Data"), "Data");
        let long = "إحصائيات الحماية ".repeat(4);
        let name = sheet_name(&long, "x");
        assert!(name.encode_utf16().count() <= 31, "{name}");
        assert!(long.starts_with(&name));
        // An emoji is two UTF-16 units: it is not cut in half.
        let emoji = format!("{}😀", "a".repeat(30));
        assert_eq!(sheet_name(&emoji, "x"), "a".repeat(30));
    }

    #[test]
    fn the_data_sheet_name_differs_from_the_first() {
        assert_eq!(distinct("Data".into(), "Summary"), "Data");
        assert_eq!(distinct("DATA".into(), "data"), "DATA (2)");
        let long = "b".repeat(31);
        let renamed = distinct(long.clone(), &long);
        assert_eq!(renamed.encode_utf16().count(), 31);
        assert!(renamed.ends_with(" (2)"));
    }
}
