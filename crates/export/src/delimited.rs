//! One table as CSV.

use crate::{Cell, SUPPRESSED, Table, strip_isolates};

/// `table` as CSV: UTF-8 with a byte order mark (so that Excel reads Arabic right), the header
/// row, then the rows; records end with CRLF (RFC 4180). The title and the note are not written:
/// a CSV holds one rectangular table, and every row is padded to the widest one.
///
/// A suppressed count is written `<5`. A text that a spreadsheet would run as a formula (one
/// starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`, which
/// spreadsheets show as text; counts and numbers are written as plain numbers, negative ones
/// included, so they stay numbers. Isolation marks are stripped first, so that a mark cannot
/// hide a formula's `=` from the check.
pub fn csv(table: &Table) -> Vec<u8> {
    let width = table
        .rows
        .iter()
        .map(Vec::len)
        .chain([table.headers.len()])
        .max()
        .unwrap_or(0);
    let mut out = "\u{FEFF}".as_bytes().to_vec();
    if width == 0 {
        // Nothing to write: not even an empty record, which the writer would quote.
        return out;
    }
    let mut records = Vec::with_capacity(table.rows.len() + 1);
    records.push(padded(table.headers.iter().map(|h| text(h)), width));
    for row in &table.rows {
        records.push(padded(row.iter().map(field), width));
    }
    match write(&records, &mut out) {
        Ok(()) => out,
        // Unreachable: a `Vec` accepts every write and every record has the same width, the
        // only two ways the writer fails. An empty file is still better than a panic.
        Err(_) => Vec::new(),
    }
}

fn write(records: &[Vec<String>], out: &mut Vec<u8>) -> Result<(), ::csv::Error> {
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(out);
    for record in records {
        writer.write_record(record)?;
    }
    writer.flush()?;
    Ok(())
}

fn padded(fields: impl Iterator<Item = String>, width: usize) -> Vec<String> {
    let mut record: Vec<String> = fields.collect();
    record.resize(width, String::new());
    record
}

fn field(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) => text(t),
        Cell::Count(n) => n.to_string(),
        Cell::Number(x) if x.is_finite() => x.to_string(),
        Cell::Number(_) => String::new(),
        Cell::Suppressed => SUPPRESSED.to_owned(),
    }
}

/// A text field: isolation marks stripped, then a formula neutralised.
fn text(value: &str) -> String {
    let value = strip_isolates(value);
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_plainly() {
        assert_eq!(field(&Cell::Number(-3.0)), "-3");
        assert_eq!(field(&Cell::Number(0.125)), "0.125");
        assert_eq!(field(&Cell::Number(1e21)), "1000000000000000000000");
        assert_eq!(field(&Cell::Number(f64::NAN)), "");
        assert_eq!(field(&Cell::Count(u64::MAX)), "18446744073709551615");
    }

    #[test]
    fn a_mark_cannot_hide_a_formula() {
        assert_eq!(text("\u{2068}=1+1\u{2069}"), "'=1+1");
        assert_eq!(text("\t=1"), "'\t=1");
        assert_eq!(text("a=1"), "a=1");
    }
}
