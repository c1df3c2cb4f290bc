use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use awladna_export::{Cell, ExportError, Table, Workbook, xlsx};
use serde_json::{Value, json};

/// Writes `bytes` to a fresh file under the target's tmp directory.
fn save(bytes: &[u8], name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-{}-{n}.xlsx", std::process::id()));
    std::fs::write(&path, bytes).expect("write the XLSX");
    path
}

/// Debian's Python first: a pyenv `python3` earlier on the PATH lacks Debian's packages.
fn python() -> &'static str {
    if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

const READ: &str = r#"
import json, sys, openpyxl
book = openpyxl.load_workbook(sys.argv[1])
def cell(c):
    if c.value is None:
        return None
    return {"type": type(c.value).__name__, "value": c.value, "bold": bool(c.font.b)}
print(json.dumps({
    "title": book.properties.title,
    "sheets": [{
        "name": sheet.title,
        "rtl": bool(sheet.sheet_view.rightToLeft),
        "freeze": sheet.freeze_panes,
        "filter": sheet.auto_filter.ref,
        "rows": [[cell(c) for c in row] for row in sheet.iter_rows()],
    } for sheet in book.worksheets],
}, ensure_ascii=False))
"#;

/// The workbook as openpyxl reads it, or `None` when openpyxl is missing and not required.
fn openpyxl(bytes: &[u8]) -> Option<Value> {
    let present = Command::new(python())
        .args(["-c", "import openpyxl"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !present {
        assert!(
            std::env::var_os("AWLADNA_REQUIRE_OPENPYXL").is_none(),
            "openpyxl is required (AWLADNA_REQUIRE_OPENPYXL) but `{} -c 'import openpyxl'` fails",
            python()
        );
        eprintln!("note: skipped reading the XLSX back: install python3-openpyxl to check it");
        return None;
    }
    let path = save(bytes, "read");
    let output = Command::new(python())
        .args(["-c", READ])
        .arg(&path)
        .output()
        .expect("run Python");
    assert!(output.status.success(), "openpyxl failed: {output:?}");
    let _ = std::fs::remove_file(&path);
    Some(serde_json::from_slice(&output.stdout).expect("JSON from Python"))
}

/// A cell as the reading script writes it.
fn c(kind: &str, value: Value, bold: bool) -> Value {
    json!({"type": kind, "value": value, "bold": bold})
}
fn text(value: &str) -> Value {
    c("str", json!(value), false)
}
fn bold(value: &str) -> Value {
    c("str", json!(value), true)
}
fn int(value: u64) -> Value {
    c("int", json!(value), false)
}
fn float(value: f64) -> Value {
    c("float", json!(value), false)
}

fn arabic_book() -> Workbook {
    Workbook {
        title: "\u{2068}إحصائيات الحماية\u{2069}: الرباط/2025".into(),
        rtl: true,
        meta: vec![
            (
                "\u{2068}الإقليم\u{2069}".into(),
                "الرباط (\u{2066}01.051\u{2069})".into(),
            ),
            ("الفترة".into(), "2025-03".into()),
            ("الحالة".into(), "مؤقت".into()),
        ],
        tables: vec![
            Table {
                title: "الحالات المفتوحة".into(),
                headers: vec!["الجنس".into(), "العدد".into(), "النسبة".into()],
                rows: vec![
                    vec![
                        Cell::Text("إناث".into()),
                        Cell::Count(12),
                        Cell::Number(0.75),
                    ],
                    vec![
                        Cell::Text("ذكور".into()),
                        Cell::Suppressed,
                        Cell::Number(f64::NAN),
                    ],
                ],
                note: Some("عدد الحالات المفتوحة خلال الشهر".into()),
            },
            Table {
                title: "بطاقات الربط".into(),
                headers: vec!["المصلحة".into(), "العدد".into()],
                rows: vec![vec![Cell::Text("=SUM(A1)".into()), Cell::Count(0)]],
                note: None,
            },
        ],
        data: Table {
            title: "بيانات".into(),
            headers: ["المؤشر", "الإقليم", "الفترة", "الجنس", "القيمة"]
                .map(String::from)
                .to_vec(),
            rows: vec![
                ["cases", "01.051", "2025-03", "female"]
                    .map(|t| Cell::Text(t.into()))
                    .into_iter()
                    .chain([Cell::Count(12)])
                    .collect(),
                ["cases", "01.051", "2025-03", "male"]
                    .map(|t| Cell::Text(t.into()))
                    .into_iter()
                    .chain([Cell::Suppressed])
                    .collect(),
                ["children", "01.051", "2025-03", "\u{2068}unknown\u{2069}"]
                    .map(|t| Cell::Text(t.into()))
                    .into_iter()
                    .chain([Cell::Count(1234)])
                    .collect(),
            ],
            note: Some("not written".into()),
        },
    }
}

#[test]
fn an_arabic_workbook_reads_back() {
    let bytes = xlsx(&arabic_book()).unwrap();
    assert!(bytes.starts_with(b"PK"), "an XLSX is a zip archive");
    let Some(book) = openpyxl(&bytes) else { return };
    let title = "إحصائيات الحماية: الرباط/2025";
    assert_eq!(book["title"], title);
    let sheets = book["sheets"].as_array().unwrap();
    let names: Vec<&str> = sheets.iter().map(|s| s["name"].as_str().unwrap()).collect();
    // ':' and '/' cannot be in a sheet name.
    assert_eq!(names, ["إحصائيات الحماية- الرباط-2025", "بيانات"]);

    let first = &sheets[0];
    assert_eq!(first["rtl"], true);
    let n = Value::Null;
    let expected = json!([
        [c("str", json!(title), true), n, n],
        [bold("الإقليم"), text("الرباط (01.051)"), n],
        [bold("الفترة"), text("2025-03"), n],
        [bold("الحالة"), text("مؤقت"), n],
        [n, n, n],
        [bold("الحالات المفتوحة"), n, n],
        [bold("الجنس"), bold("العدد"), bold("النسبة")],
        [text("إناث"), int(12), float(0.75)],
        // Suppressed is the text "<5"; a NaN is left empty.
        [text("ذكور"), text("<5"), n],
        [
            c("str", json!("عدد الحالات المفتوحة خلال الشهر"), false),
            n,
            n
        ],
        [n, n, n],
        [bold("بطاقات الربط"), n, n],
        [bold("المصلحة"), bold("العدد"), n],
        // A text that looks like a formula stays text in a workbook.
        [text("=SUM(A1)"), int(0), n],
    ]);
    assert_eq!(first["rows"], expected);

    let data = &sheets[1];
    assert_eq!(data["rtl"], true);
    assert_eq!(data["freeze"], "A2");
    assert_eq!(data["filter"], "A1:E4");
    let headers = ["المؤشر", "الإقليم", "الفترة", "الجنس", "القيمة"].map(bold);
    let expected = json!([
        headers,
        [
            text("cases"),
            text("01.051"),
            text("2025-03"),
            text("female"),
            int(12)
        ],
        [
            text("cases"),
            text("01.051"),
            text("2025-03"),
            text("male"),
            text("<5")
        ],
        [
            text("children"),
            text("01.051"),
            text("2025-03"),
            text("unknown"),
            int(1234)
        ],
    ]);
    assert_eq!(data["rows"], expected);

    // Where a person can look at it.
    let sample = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sample-export.xlsx");
    std::fs::write(sample, &bytes).unwrap();
}

#[test]
fn a_left_to_right_workbook_with_clashing_names() {
    let book = Workbook {
        title: "Data".into(),
        rtl: false,
        meta: vec![],
        tables: vec![],
        data: Table {
            title: "data".into(),
            headers: vec![],
            rows: vec![],
            note: None,
        },
    };
    let bytes = xlsx(&book).unwrap();
    let Some(read) = openpyxl(&bytes) else { return };
    let sheets = read["sheets"].as_array().unwrap();
    assert_eq!(sheets[0]["name"], "Data");
    assert_eq!(sheets[1]["name"], "data (2)");
    assert_eq!(sheets[0]["rtl"], false);
    assert_eq!(sheets[1]["rtl"], false);
    assert_eq!(sheets[1]["filter"], Value::Null);
}

#[test]
fn a_text_too_long_for_a_cell_is_an_error_not_a_panic() {
    let mut book = arabic_book();
    book.tables[0].rows[0][0] = Cell::Text("ب".repeat(40_000));
    assert!(matches!(xlsx(&book), Err(ExportError::Xlsx(_))));
}
