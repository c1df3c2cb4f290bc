use awladna_export::{Cell, Table, csv};

fn table() -> Table {
    Table {
        title: "الحالات المفتوحة".into(),
        headers: vec![
            "\u{2068}الإقليم\u{2069}".into(),
            "العدد".into(),
            "المعدل".into(),
        ],
        rows: vec![
            vec![
                Cell::Text("\u{2068}الرباط\u{2069} (01.051)".into()),
                Cell::Count(12),
                Cell::Number(-3.0),
            ],
            vec![
                Cell::Text("=SUM(A1)".into()),
                Cell::Suppressed,
                Cell::Number(2.5),
            ],
            vec![
                Cell::Text("-3".into()),
                Cell::Count(0),
                Cell::Text("@cmd".into()),
            ],
            vec![Cell::Text("+1".into()), Cell::Text("\tx".into())],
            vec![Cell::Text("سلا، \"الحي\"\nسطر".into())],
        ],
        note: Some("not written".into()),
    }
}

#[test]
fn csv_is_utf8_with_a_bom_and_safe_to_open() {
    let bytes = csv(&table());
    let body = bytes
        .strip_prefix("\u{FEFF}".as_bytes())
        .expect("a byte order mark");
    let text = std::str::from_utf8(body).expect("UTF-8");
    assert!(text.contains("العدد"), "Arabic is written as UTF-8: {text}");
    assert!(!text.contains(['\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}']));
    assert!(!text.contains("not written"), "the note is not in a CSV");
    assert!(text.ends_with("\r\n"));

    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body);
    let records: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let expected: Vec<Vec<&str>> = vec![
        vec!["الإقليم", "العدد", "المعدل"],
        // Numbers stay numbers, the negative one included.
        vec!["الرباط (01.051)", "12", "-3"],
        // A formula is neutralised; a suppressed count is "<5".
        vec!["'=SUM(A1)", "<5", "2.5"],
        // A text that starts like a formula is neutralised even when it looks like a number.
        vec!["'-3", "0", "'@cmd"],
        // Short rows are padded to the width of the table.
        vec!["'+1", "'\tx", ""],
        // Quotes, commas and line breaks survive.
        vec!["سلا، \"الحي\"\nسطر", "", ""],
    ];
    assert_eq!(records, expected);
}

#[test]
fn an_empty_table_is_a_bom() {
    assert_eq!(csv(&Table::default()), "\u{FEFF}".as_bytes());
}
