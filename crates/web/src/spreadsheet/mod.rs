//! Tables people bring from their spreadsheets: CSV (UTF-8, comma or semicolon, as
//! Excel writes it in French or English) or the first sheet of an XLSX workbook, told
//! apart by their bytes rather than their name. And CSV written back, safe to open.

use awladna_domain::directory::import::{
    ImportProblem, LineError, MAX_CELLS, MAX_COLUMNS, MAX_ROWS, neutralise,
};
use calamine::{Data, DataRef, Reader, Xlsx};
use std::collections::BTreeMap;
use std::io::{BufReader, Cursor, Read};

/// Rows with their line number (the header is line 1), cells as text.
pub type Rows = Vec<(usize, Vec<String>)>;

/// What an XLSX may unpack to. A directory at the import's limits unpacks to a few
/// megabytes; this refuses a compressed "bomb" before it is unpacked. The sizes are the
/// archive's own declaration, and the `zip` crate stops reading a part at its declared
/// size, so a part that lies about its size cannot unpack to more.
const MAX_UNPACKED: u64 = 16 * 1024 * 1024;
/// A workbook is a dozen parts; thousands are a hostile archive.
const MAX_PARTS: usize = 1000;

/// Reads CSV or XLSX bytes within the import's bounds (`MAX_ROWS`, `MAX_COLUMNS`,
/// `MAX_CELLS`, `MAX_UNPACKED`): a file over them is refused, naming the bound, before
/// anything larger than the honest file would be is allocated.
pub fn read_rows(bytes: &[u8]) -> Result<Rows, LineError> {
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(bytes);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| unreadable(0))?;
    read_csv(text.trim_start_matches('\u{feff}'))
}

fn unreadable(line: usize) -> LineError {
    LineError::new(line, None, ImportProblem::Unreadable)
}

/// The cells read so far, kept only where they hold something, each checked against
/// the bounds as it comes (a sheet may list its cells in any order).
#[derive(Default)]
struct Table {
    rows: BTreeMap<usize, Vec<String>>,
    cells: usize,
}

impl Table {
    /// A cell at `line` (1 is the first) and `column` (0 is the first).
    fn put(&mut self, line: usize, column: usize, text: String) -> Result<(), LineError> {
        if text.trim().is_empty() {
            return Ok(());
        }
        let refuse = |problem| Err(LineError::new(line, None, problem));
        if line > MAX_ROWS {
            return refuse(ImportProblem::TooManyRows { max: MAX_ROWS });
        }
        if column >= MAX_COLUMNS {
            return refuse(ImportProblem::TooManyColumns { max: MAX_COLUMNS });
        }
        self.cells += 1;
        if self.cells > MAX_CELLS {
            return refuse(ImportProblem::TooManyCells { max: MAX_CELLS });
        }
        let row = self.rows.entry(line).or_default();
        if row.len() <= column {
            row.resize(column + 1, String::new());
        }
        row[column] = text;
        Ok(())
    }

    fn into_rows(self) -> Rows {
        self.rows.into_iter().collect()
    }
}

/// The separator of the header line: the most frequent of `,`, `;` and tab (Excel in
/// French writes `;`, since `,` is the decimal mark there).
fn separator(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or_default();
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|s| first.bytes().filter(|b| b == s).count())
        .unwrap_or(b',')
}

fn read_csv(text: &str) -> Result<Rows, LineError> {
    let delimiter = separator(text);
    scan_csv(text.as_bytes(), delimiter)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut table = Table::default();
    let mut record = csv::StringRecord::new();
    let mut records = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(unreadable(usize::try_from(line).unwrap_or(0)));
            }
        }
        records += 1;
        let line = record
            .position()
            .and_then(|p| usize::try_from(p.line()).ok())
            .unwrap_or(records);
        for (column, field) in record.iter().enumerate() {
            table.put(line, column, field.to_owned())?;
        }
    }
    Ok(table.into_rows())
}

/// Separators on one line beyond which it cannot be a spreadsheet's: Excel's last
/// column is the 16,384th.
const MAX_SEPARATORS: usize = 16_384;

/// Reads the text as the `csv` crate will (a quote is special only at the start of a
/// field; `""` inside is a quote), before it does, for what the crate takes without a
/// word: a quoted field never closed (the rest of the file becomes that one field), and
/// a line with something right of `MAX_COLUMNS` or more separators than any sheet has
/// (the crate keeps the bounds of every field of a line: 2 MB of commas took 50 MB).
fn scan_csv(text: &[u8], delimiter: u8) -> Result<(), LineError> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        /// A quote inside a quoted field: its end, or the first of `""`.
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    let mut line = 1;
    let mut record_line = 1;
    let mut between_records = true;
    let mut opened_at = 0;
    let mut field = 0;
    for &byte in text {
        let quoted = matches!(state, State::Quoted | State::QuoteInQuoted);
        let ends_record = matches!(byte, b'\n' | b'\r') && state != State::Quoted;
        if between_records && !ends_record {
            record_line = line;
            between_records = false;
        }
        state = match (state, byte) {
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (State::FieldStart, b'"') => {
                opened_at = line;
                State::Quoted
            }
            (_, b'\n' | b'\r') => {
                field = 0;
                between_records = true;
                State::FieldStart
            }
            (_, b) if b == delimiter => {
                field += 1;
                if field >= MAX_SEPARATORS {
                    return Err(LineError::new(
                        record_line,
                        None,
                        ImportProblem::TooManyColumns { max: MAX_COLUMNS },
                    ));
                }
                State::FieldStart
            }
            _ => State::Unquoted,
        };
        let written = quoted || matches!(state, State::Unquoted | State::Quoted);
        if written && field >= MAX_COLUMNS && !byte.is_ascii_whitespace() {
            return Err(LineError::new(
                record_line,
                None,
                ImportProblem::TooManyColumns { max: MAX_COLUMNS },
            ));
        }
        if byte == b'\n' {
            line += 1;
        }
    }
    if state == State::Quoted {
        return Err(LineError::new(
            opened_at,
            None,
            ImportProblem::UnclosedQuote,
        ));
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8]) -> Result<Rows, LineError> {
    check_archive(bytes)?;
    read_cells(bytes)
}

fn read_cells(bytes: &[u8]) -> Result<Rows, LineError> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| unreadable(0))?;
    let first = workbook
        .sheet_names()
        .into_iter()
        .next()
        .ok_or_else(|| unreadable(0))?;
    // Cell by cell, never as a grid: a grid spans from the first cell to the last, so
    // two cells at A1 and XFD1048576 would ask for 17 billion of them (calamine's
    // `worksheet_range` aborts the process on it). A sheet whose data starts below or
    // right of A1 keeps its spreadsheet line numbers and its columns in place.
    let mut cells = workbook
        .worksheet_cells_reader(&first)
        .map_err(|_| unreadable(0))?;
    let mut table = Table::default();
    while let Some(cell) = cells.next_cell().map_err(|_| unreadable(0))? {
        if matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        let (row, column) = cell.get_position();
        let text = cell_text(&Data::from(cell.get_value().clone()));
        table.put(row as usize + 1, column as usize, text)?;
    }
    Ok(table.into_rows())
}

/// What calamine would otherwise take on trust: the unpacked size of the parts, their
/// number, and how many shared strings the workbook declares (calamine reserves room
/// for that many before reading one: `uniqueCount="10000000000"` in 200 bytes would
/// abort the process).
fn check_archive(bytes: &[u8]) -> Result<(), LineError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable(0))?;
    if archive.len() > MAX_PARTS {
        return Err(unreadable(0));
    }
    let mut total: u64 = 0;
    let mut shared_strings = Vec::new();
    let mut xml_parts = Vec::new();
    for i in 0..archive.len() {
        let part = archive.by_index_raw(i).map_err(|_| unreadable(0))?;
        total = total.saturating_add(part.size());
        let name = part.name().map_err(|_| unreadable(0))?.to_ascii_lowercase();
        if name.ends_with("sharedstrings.xml") {
            shared_strings.push(i);
        }
        if name.ends_with(".xml") {
            xml_parts.push(i);
        }
    }
    if total > MAX_UNPACKED {
        return Err(LineError::new(
            0,
            None,
            ImportProblem::TooLargeUnpacked {
                max_mb: (MAX_UNPACKED / (1024 * 1024)) as usize,
            },
        ));
    }
    for i in xml_parts {
        let part = archive.by_index(i).map_err(|_| unreadable(0))?;
        if !references_fit(part) {
            return Err(unreadable(0));
        }
    }
    for i in shared_strings {
        let part = archive.by_index(i).map_err(|_| unreadable(0))?;
        match declared_strings(part) {
            Some(n) if n <= MAX_CELLS as u64 => {}
            Some(_) => {
                return Err(LineError::new(
                    0,
                    None,
                    ImportProblem::TooManyCells { max: MAX_CELLS },
                ));
            }
            None => return Err(unreadable(0)),
        }
    }
    Ok(())
}

/// Whether every cell reference of a part (`r` of a row or cell, `ref` of a dimension
/// or merged range) is one a spreadsheet can have. calamine reads them into 32-bit
/// numbers without checking: `A99999999999999999999` overflows (a panic with overflow
/// checks, another cell's place without). A part that is not XML is calamine's to refuse.
fn references_fit(part: impl Read) -> bool {
    use quick_xml::events::Event;
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let element = match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => e,
            Ok(Event::Eof) | Err(_) => return true,
            Ok(_) => continue,
        };
        let attribute = match element.local_name().as_ref() {
            "c" | "row" => "r",
            "dimension" | "mergeCell" => "ref",
            _ => continue,
        };
        for found in element.attributes().flatten() {
            if found.key.local_name().as_ref() == attribute
                && !found.value.split(':').all(reference_fits)
            {
                return false;
            }
        }
    }
}

/// `XFD1048576` at most: three letters, seven digits (a row alone, as `<row r>` has).
fn reference_fits(reference: &str) -> bool {
    let letters = reference
        .bytes()
        .take_while(u8::is_ascii_alphabetic)
        .count();
    let digits = &reference[letters..];
    letters <= 3 && digits.len() <= 7 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The `uniqueCount` of the shared strings' `<sst>` element (0 when not given), or None
/// when it is not a plain number or the element is not found.
fn declared_strings(part: impl Read) -> Option<u64> {
    use quick_xml::events::Event;
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sst" => {
                for attribute in e.attributes() {
                    let attribute = attribute.ok()?;
                    if attribute.key.local_name().as_ref() == "uniqueCount" {
                        let value: &str = &attribute.value;
                        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                            return None;
                        }
                        return value.parse().ok().or(Some(u64::MAX));
                    }
                }
                return Some(0);
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// A cell as the text a person sees: whole numbers without `.0` (a phone number typed
/// as a number), others in their shortest exact form (a latitude).
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::Error(_) => "#ERROR".to_owned(),
    }
}

/// CSV in UTF-8 with a byte-order mark (without it, Excel reads Arabic as Latin-1),
/// every cell neutralised so that no formula runs when the file is opened.
pub fn write_csv(rows: &[Vec<String>]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new().from_writer(b"\xEF\xBB\xBF".to_vec());
    for row in rows {
        // Writing to memory cannot fail.
        let _ = writer.write_record(row.iter().map(|cell| neutralise(cell)));
    }
    writer.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests;
