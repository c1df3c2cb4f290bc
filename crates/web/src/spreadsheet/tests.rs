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
