//! Tables people bring from their spreadsheets: CSV (UTF-8, comma or semicolon, as
//! Excel writes it in French or English) or the first sheet of an XLSX workbook, told
//! apart by their bytes rather than their name. And CSV written back, safe to open.

use awladna_domain::directory::import::neutralise;
use calamine::{Data, Reader, Xlsx};
use std::io::Cursor;

/// Rows with their line number (the header is line 1), cells as text.
pub type Rows = Vec<(usize, Vec<String>)>;

/// What an XLSX may unpack to. A province's directory is well under a megabyte; this
/// refuses a compressed "bomb" before it is unpacked (the sizes are the archive's own
/// declaration, which a valid bomb gives truthfully).
const MAX_UNPACKED: u64 = 64 * 1024 * 1024;

/// Reads CSV or XLSX bytes; None when they are neither.
pub fn read_rows(bytes: &[u8]) -> Option<Rows> {
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(bytes);
    }
    let text = std::str::from_utf8(bytes).ok()?;
    read_csv(text.trim_start_matches('\u{feff}'))
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

fn read_csv(text: &str) -> Option<Rows> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(separator(text))
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.ok()?;
        let line = record
            .position()
            .and_then(|p| usize::try_from(p.line()).ok())
            .unwrap_or(rows.len() + 1);
        rows.push((line, record.iter().map(str::to_owned).collect()));
    }
    Some(rows)
}

fn read_xlsx(bytes: &[u8]) -> Option<Rows> {
    let unpacked = {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
        let mut total: u64 = 0;
        for i in 0..archive.len() {
            total = total.saturating_add(archive.by_index_raw(i).ok()?.size());
        }
        total
    };
    if unpacked > MAX_UNPACKED {
        return None;
    }
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).ok()?;
    let range = workbook.worksheet_range_at(0)?.ok()?;
    // A sheet whose data starts below or right of A1 keeps its spreadsheet line numbers
    // and its columns in place.
    let (first_row, first_column) = range.start().unwrap_or((0, 0));
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            let mut row = vec![String::new(); first_column as usize];
            row.extend(cells.iter().map(cell_text));
            (first_row as usize + i + 1, row)
        })
        .collect();
    Some(rows)
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
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0], (1, vec!["code".to_owned(), "address".to_owned()]));
        assert_eq!(rows[1].1[1], "شارع\nمحمد الخامس");
        // The quoted line break makes the third record start on line 4.
        assert_eq!(rows[2].0, 4);
        assert!(read_rows(b"\xff\xfe\x00c").is_none(), "not UTF-8");
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
}
