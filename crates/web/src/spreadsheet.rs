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
mod tests {
    use super::*;

    #[test]
    fn csv_with_semicolons_and_a_bom_keeps_its_line_numbers() {
        let text = "\u{feff}code;address\nsale-centre;\"شارع\nمحمد الخامس\"\nx;y\n";
        let rows = read_rows(text.as_bytes()).expect("csv");
        assert_eq!(rows[0].1.len(), 2);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0], (1, vec!["code".to_owned(), "address".to_owned()]));
        assert_eq!(rows[1].1[1], "شارع\nمحمد الخامس");
        // The quoted line break makes the third record start on line 4.
        assert_eq!(rows[2].0, 4);
        assert_eq!(read_rows(b"\xff\xfe\x00c"), Err(unreadable(0)), "not UTF-8");
    }

    #[test]
    fn written_csv_neutralises_formulas() {
        let bytes = write_csv(&[vec!["=1+1".to_owned(), "مركز".to_owned()]]);
        let text = String::from_utf8(bytes).expect("utf-8");
        assert_eq!(text, "\u{feff}'=1+1,مركز\n");
    }

    #[test]
    fn whole_numbers_lose_their_decimal_point() {
        assert_eq!(cell_text(&Data::Float(537123456.0)), "537123456");
        assert_eq!(cell_text(&Data::Float(34.0531)), "34.0531");
        assert_eq!(cell_text(&Data::Float(-6.7985)), "-6.7985");
    }

    // ---- Hostile files: each refused within a bound of time and memory -------------

    use crate::memory_meter::peak;
    use std::io::Write;
    use std::time::{Duration, Instant};

    /// What reading any file of the import's 2 MB may hold at once: the bound that
    /// each hostile file below is held to (an honest 5,000-line file takes a few MB).
    const MEMORY_BOUND: usize = 64 * 1024 * 1024;
    /// And the time it may take, unoptimised, on a loaded machine.
    const TIME_BOUND: Duration = Duration::from_secs(10);

    /// Reads `bytes` as the import does, asserting the bounds; the refusal or the rows.
    fn bounded(bytes: &[u8]) -> Result<Rows, LineError> {
        let started = Instant::now();
        let (result, held) = peak(|| read_rows(bytes));
        let took = started.elapsed();
        eprintln!(
            "{} bytes read in {took:?}, holding at most {held} bytes",
            bytes.len()
        );
        assert!(held < MEMORY_BOUND, "held {held} bytes");
        assert!(took < TIME_BOUND, "took {took:?}");
        result
    }

    /// A workbook whose first sheet is `sheet_data` (the inside of `<sheetData>`), with
    /// `extra` parts; parts are deflated when `deflate`.
    fn workbook(sheet_data: &str, extra: &[(&str, &[u8])], deflate: bool) -> Vec<u8> {
        let sheet = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_data}</sheetData></worksheet>"#
        );
        let mut parts: Vec<(&str, &[u8])> = vec![
            (
                "[Content_Types].xml",
                br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#,
            ),
            (
                "_rels/.rels",
                br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
            ),
            (
                "xl/workbook.xml",
                br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
            ),
            (
                "xl/_rels/workbook.xml.rels",
                br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
            ),
            ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ];
        parts.extend_from_slice(extra);
        let method = if deflate {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(method)
            .large_file(false);
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, content) in parts {
            writer.start_file(name, options).expect("zip entry");
            writer.write_all(content).expect("zip write");
        }
        writer.finish().expect("zip").into_inner()
    }

    fn text_cell(reference: &str, text: &str) -> String {
        format!(r#"<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>"#)
    }

    #[test]
    fn a_workbook_reads_cell_by_cell_in_place() {
        let data = format!(
            r#"<row r="2">{}{}</row><row r="4">{}<c r="D4"><v>537123456</v></c><c r="E4" s="1"/></row>"#,
            text_cell("B2", "code"),
            text_cell("D2", "contact_phone"),
            text_cell("B4", "sale-centre"),
        );
        let rows = bounded(&workbook(&data, &[], true)).expect("read");
        assert_eq!(
            rows,
            vec![
                (
                    2,
                    vec!["".into(), "code".into(), "".into(), "contact_phone".into()]
                ),
                (
                    4,
                    vec![
                        "".into(),
                        "sale-centre".into(),
                        "".into(),
                        "537123456".into()
                    ]
                ),
            ]
        );
    }

    #[test]
    fn two_cells_far_apart_are_refused_without_a_grid() {
        let rows = ImportProblem::TooManyRows { max: MAX_ROWS };
        let columns = ImportProblem::TooManyColumns { max: MAX_COLUMNS };
        // The file of the report, 1.5 KB that took the whole server down; one that took
        // 375 MB for one request; one too wide.
        for (far, line, problem) in [
            ("XFD1048576", 1_048_576, rows.clone()),
            ("Z200000", 200_000, rows),
            ("XFD1", 1, columns),
        ] {
            let data = format!(
                r#"<row r="1">{}</row><row r="{line}">{}</row>"#,
                text_cell("A1", "code"),
                text_cell(far, "x")
            );
            let file = workbook(&data, &[], true);
            assert!(file.len() < 2048, "{} bytes", file.len());
            assert_eq!(bounded(&file), Err(LineError::new(line, None, problem)));
        }
        // References past any spreadsheet's, or that overflow a number: refused too.
        for far in ["A99999999999999999999", "ZZZZZZZZZZZZZZ1", "A0", "1A", ""] {
            let data = format!(
                r#"<row r="1">{}{}</row>"#,
                text_cell("A1", "code"),
                text_cell(far, "x")
            );
            assert!(bounded(&workbook(&data, &[], true)).is_err(), "{far}");
        }
        // A cell written last but placed first is checked as well as any.
        let data = format!(
            r#"<row r="9000">{}</row><row r="1">{}</row>"#,
            text_cell("A9000", "x"),
            text_cell("AZ1", "x")
        );
        assert!(matches!(
            bounded(&workbook(&data, &[], true)),
            Err(LineError {
                problem: ImportProblem::TooManyColumns { .. },
                ..
            })
        ));
        // Empty formatted cells anywhere cost nothing and are no reason to refuse.
        let data = format!(
            r#"<row r="1">{}<c r="XFD1" s="2"/></row><row r="1048576"><c r="A1048576" s="2"/></row>"#,
            text_cell("A1", "code")
        );
        assert_eq!(
            bounded(&workbook(&data, &[], true)),
            Ok(vec![(1, vec!["code".into()])])
        );
    }

    #[test]
    fn an_honest_file_at_the_limits_is_read() {
        use awladna_domain::directory::import::MAX_LINES;
        // 5,000 lines of 14 columns, as the export writes them, and the same as CSV.
        let mut data = String::new();
        let mut csv = String::new();
        for row in 1..=MAX_LINES + 1 {
            data.push_str(&format!(r#"<row r="{row}">"#));
            let mut cells = Vec::new();
            for column in 0..14u8 {
                let text = format!("قيمة {row}-{column}");
                let reference = format!("{}{row}", char::from(b'A' + column));
                data.push_str(&text_cell(&reference, &text));
                cells.push(text);
            }
            data.push_str("</row>");
            csv.push_str(&cells.join(","));
            csv.push('\n');
        }
        let file = workbook(&data, &[], true);
        let rows = bounded(&file).expect("read");
        assert_eq!(rows.len(), MAX_LINES + 1);
        assert_eq!(rows[MAX_LINES].1.len(), 14);
        let rows = bounded(csv.as_bytes()).expect("read");
        assert_eq!(rows.len(), MAX_LINES + 1);
    }

    #[test]
    fn too_many_cells_are_refused() {
        let mut data = String::new();
        for row in 1..=2100 {
            data.push_str(&format!(r#"<row r="{row}">"#));
            for column in 0..48u8 {
                let name = format!("{}{}", char::from(b'A' + column % 26), row);
                let name = if column >= 26 {
                    format!("A{name}")
                } else {
                    name
                };
                data.push_str(&format!(r#"<c r="{name}"><v>1</v></c>"#));
            }
            data.push_str("</row>");
        }
        assert!(matches!(
            bounded(&workbook(&data, &[], true)),
            Err(LineError {
                problem: ImportProblem::TooManyCells { max: MAX_CELLS },
                ..
            })
        ));
    }

    #[test]
    fn a_zip_bomb_is_refused_before_it_is_unpacked() {
        // A sheet of 40 MB of spaces deflates to 40 KB.
        let blank = " ".repeat(40 * 1024 * 1024);
        let file = workbook(&blank, &[], true);
        assert!(file.len() < 200 * 1024, "{} bytes", file.len());
        assert_eq!(
            bounded(&file),
            Err(LineError::new(
                0,
                None,
                ImportProblem::TooLargeUnpacked { max_mb: 16 }
            ))
        );
        // The same part declaring a small size unpacks no further than it declares.
        let lying = declare_small_sizes(file, b"xl/worksheets/sheet1.xml");
        assert_eq!(bounded(&lying), Err(unreadable(0)));
    }

    #[test]
    fn declared_shared_strings_are_counted_before_calamine_reserves_them() {
        let strings: &[u8] = br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="10000000000"><si><t>code</t></si></sst>"#;
        let data = r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#;
        assert!(matches!(
            bounded(&workbook(data, &[("xl/sharedStrings.xml", strings)], true)),
            Err(LineError {
                problem: ImportProblem::TooManyCells { .. },
                ..
            })
        ));
        let strings: &[u8] = br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>code</t></si></sst>"#;
        assert_eq!(
            bounded(&workbook(data, &[("xl/sharedStrings.xml", strings)], true)),
            Ok(vec![(1, vec!["code".into()])])
        );
    }

    /// The archive with the uncompressed size of `name` declared as 1,000 bytes, in its
    /// local header and in the central directory.
    fn declare_small_sizes(mut zip: Vec<u8>, name: &[u8]) -> Vec<u8> {
        let small = 1000u32.to_le_bytes();
        let mut i = 0;
        while i + 46 < zip.len() {
            let (size_at, name_at) = match &zip[i..i + 4] {
                b"PK\x03\x04" => (i + 22, i + 30),
                b"PK\x01\x02" => (i + 24, i + 46),
                _ => {
                    i += 1;
                    continue;
                }
            };
            if zip[name_at..].starts_with(name) {
                zip[size_at..size_at + 4].copy_from_slice(&small);
            }
            i += 4;
        }
        zip
    }

    #[test]
    fn an_unclosed_quote_is_named_by_its_line() {
        assert_eq!(
            bounded(b"code,name\n\"sale-centre,x\n"),
            Err(LineError::new(2, None, ImportProblem::UnclosedQuote))
        );
        // Quotes closed, doubled or inside a field are not unclosed.
        let rows = bounded(b"code,name\n\"a\"\"b\",c\"d\nx,\"\"\n").expect("read");
        assert_eq!(rows[1].1, vec!["a\"b".to_owned(), "c\"d".to_owned()]);
        let unclosed = |text: &[u8], delimiter| match scan_csv(text, delimiter) {
            Err(LineError {
                line,
                problem: ImportProblem::UnclosedQuote,
                ..
            }) => Some(line),
            _ => None,
        };
        assert_eq!(unclosed(b"a;\"b\n\nc", b';'), Some(1));
        assert_eq!(unclosed(b"a,\"b\"\"", b','), Some(1));
        assert_eq!(unclosed(b"a,\"b\"\"\"", b','), None);
        assert_eq!(unclosed(b"a\n\nb,\"c\r\nd", b','), Some(3));
    }

    #[test]
    fn huge_csv_lines_and_fields_stay_within_bounds() {
        let two_mb = 2 * 1024 * 1024 - 100;
        // One line of commas, something at its end.
        let mut line = vec![b','; two_mb];
        line.push(b'x');
        assert!(matches!(
            bounded(&line),
            Err(LineError {
                problem: ImportProblem::TooManyColumns { .. },
                line: 1,
                ..
            })
        ));
        // Only commas: more than any sheet has columns.
        assert!(matches!(
            bounded(&vec![b','; two_mb]),
            Err(LineError {
                problem: ImportProblem::TooManyColumns { .. },
                line: 1,
                ..
            })
        ));
        // Trailing separators and blanks right of the last column are no reason to refuse.
        let rows = bounded(format!("code{}\nx{}\n", ",".repeat(200), ", ".repeat(200)).as_bytes())
            .expect("read");
        assert_eq!(rows, vec![(1, vec!["code".into()]), (2, vec!["x".into()])]);
        // Something written right of the last column is refused on its record's line.
        assert_eq!(
            bounded(format!("code,name\n\"a\nb\"{}y\n", ",".repeat(MAX_COLUMNS)).as_bytes()),
            Err(LineError::new(
                2,
                None,
                ImportProblem::TooManyColumns { max: MAX_COLUMNS }
            ))
        );
        // One enormous field is one cell, for the checks of its column to refuse.
        let mut field = b"code\n\"".to_vec();
        field.extend(std::iter::repeat_n(b'a', two_mb));
        field.push(b'"');
        let rows = bounded(&field).expect("read");
        assert_eq!(rows[1].1[0].len(), two_mb);
        // Lines upon lines.
        let many = "x\n".repeat(MAX_ROWS + 1);
        assert_eq!(
            bounded(many.as_bytes()),
            Err(LineError::new(
                MAX_ROWS + 1,
                None,
                ImportProblem::TooManyRows { max: MAX_ROWS }
            ))
        );
        let cells = "x,".repeat(49) + "x\n";
        assert!(matches!(
            bounded(cells.repeat(MAX_CELLS / 50 + 1).as_bytes()),
            Err(LineError {
                problem: ImportProblem::TooManyCells { .. },
                ..
            })
        ));
    }

    #[test]
    fn an_upload_is_checked_within_bounds() {
        use awladna_domain::uploads::{MAX_UPLOAD_BYTES, check_upload};
        // A PDF made of nothing but names, the costliest thing for its scan.
        let mut names = b"%PDF-1.7\n".to_vec();
        while names.len() < MAX_UPLOAD_BYTES - 16 {
            names.extend_from_slice(b"/J#61");
        }
        names.extend_from_slice(b"\n%%EOF\n");
        for file in [names, vec![b'/'; MAX_UPLOAD_BYTES]] {
            let started = Instant::now();
            let (_, held) = peak(|| check_upload(&file));
            assert!(held < 1024 * 1024, "held {held} bytes");
            assert!(started.elapsed() < TIME_BOUND);
        }
    }

    // ---- Fuzzing: no file panics, aborts or exceeds the bounds ---------------------

    mod fuzz {
        use super::*;
        use awladna_domain::directory::SERVICES;
        use awladna_domain::directory::import::read_table;
        use awladna_domain::fuzz::{cases, hostile_char, hostile_text};
        use proptest::prelude::*;

        /// Reads as the import does, to its end: cells, then the table's checks.
        fn import(bytes: &[u8]) {
            static REFERENCE: std::sync::OnceLock<awladna_domain::Reference> =
                std::sync::OnceLock::new();
            let reference =
                REFERENCE.get_or_init(|| awladna_domain::Reference::embedded().expect("reference"));
            let services = reference.vocabulary(SERVICES).expect("services");
            if let Ok(rows) = bounded(bytes) {
                let _ = read_table(&rows, services);
            }
        }

        /// A column's letters: 0 is A, 26 is AA.
        fn column_name(mut column: u32) -> String {
            let mut name = Vec::new();
            loop {
                name.push(b'A' + (column % 26) as u8);
                if column < 26 {
                    break;
                }
                column = column / 26 - 1;
            }
            name.reverse();
            String::from_utf8(name).expect("ascii")
        }

        fn xml_escape(text: &str) -> String {
            text.chars()
                .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
                .collect::<String>()
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        }

        /// A text made of what CSV parsing turns on: quotes, separators, line ends.
        fn csv_text() -> impl Strategy<Value = String> {
            let piece = prop_oneof![
                4 => prop::sample::select(vec!["\"", ",", ";", "\t", "\n", "\r\n", "\"\"", "code", "sale-centre", "public", "oui", " "]).prop_map(str::to_owned),
                2 => hostile_char().prop_map(String::from),
            ];
            prop::collection::vec(piece, 0..200).prop_map(|pieces| pieces.concat())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(cases(128)))]

            #[test]
            fn fuzz_csv_import(text in csv_text()) {
                import(text.as_bytes());
            }

            #[test]
            fn fuzz_any_bytes_import(bytes in prop::collection::vec(any::<u8>(), 0..4096), zip in any::<bool>()) {
                let bytes = if zip { [b"PK\x03\x04".as_slice(), &bytes].concat() } else { bytes };
                import(&bytes);
            }

            /// Sheets with cells anywhere (up to XFD1048576 and past it), in any order,
            /// holding anything.
            #[test]
            fn fuzz_xlsx_cells(
                cells in prop::collection::vec((0u32..1_100_000, 0u32..17_000, hostile_text(12), any::<bool>()), 0..24),
                header in any::<bool>(),
            ) {
                let mut data = String::new();
                if header {
                    data.push_str(&format!(r#"<row r="1">{}</row>"#, text_cell("A1", "code")));
                }
                for (row, column, text, number) in cells {
                    let reference = format!("{}{}", column_name(column), row + 1);
                    let cell = if number {
                        format!(r#"<c r="{reference}"><v>{}</v></c>"#, xml_escape(&text))
                    } else {
                        text_cell(&reference, &xml_escape(&text))
                    };
                    data.push_str(&format!(r#"<row r="{}">{cell}</row>"#, row + 1));
                }
                import(&workbook(&data, &[], true));
            }

            /// Cell references of any length, as a hostile sheet may write them.
            #[test]
            fn fuzz_xlsx_references(
                references in prop::collection::vec(
                    (prop::collection::vec(prop::char::range('A', 'Z'), 0..8),
                     prop::collection::vec(prop::char::range('0', '9'), 0..14)),
                    1..6,
                ),
            ) {
                let mut data = format!(r#"<row r="1">{}</row>"#, text_cell("A1", "code"));
                for (letters, digits) in references {
                    let reference: String = letters.into_iter().chain(digits).collect();
                    data.push_str(&format!(r#"<row>{}</row>"#, text_cell(&reference, "x")));
                }
                import(&workbook(&data, &[], true));
            }

            /// A valid workbook with some of its bytes changed.
            #[test]
            fn fuzz_xlsx_bytes(changes in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
                let data = format!(r#"<row r="1">{}{}</row><row r="2">{}</row>"#,
                    text_cell("A1", "code"), text_cell("B1", "address"), text_cell("A2", "sale-centre"));
                let mut file = workbook(&data, &[], false);
                for (at, byte) in changes {
                    let at = at.index(file.len());
                    file[at] = byte;
                }
                import(&file);
            }
        }

        #[test]
        fn column_names_are_those_of_spreadsheets() {
            assert_eq!(column_name(0), "A");
            assert_eq!(column_name(25), "Z");
            assert_eq!(column_name(26), "AA");
            assert_eq!(column_name(16_383), "XFD");
        }
    }
}
