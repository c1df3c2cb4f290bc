//! Exported files read back as their readers read them: a CSV parsed by its rules, an XLSX
//! through Python's openpyxl, a PDF through poppler's pdftotext. A reader that is not
//! installed skips that check with a note, unless CI requires it
//! (`AWLADNA_REQUIRE_OPENPYXL`, `AWLADNA_REQUIRE_PDFTOTEXT`): then it is a failure.

use crate::support::{TempDir, TestApp};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::Value;

/// A downloaded file: its status, its content type and its bytes.
pub struct Download {
    pub status: StatusCode,
    pub kind: String,
    pub bytes: Vec<u8>,
}

/// GETs a file as `cookie`'s user (a PDF or an XLSX is not text).
pub async fn download(app: &TestApp, path: &str, cookie: &str) -> Download {
    use tower::ServiceExt;
    let request = axum::http::Request::builder()
        .method(Method::GET)
        .uri(path)
        .header("cookie", cookie)
        .body(Body::empty())
        .expect("request");
    let response = app.router.clone().oneshot(request).await.expect("answer");
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .expect("body")
        .to_vec();
    Download {
        status,
        kind,
        bytes,
    }
}

/// The records of a CSV file (RFC 4180: quoted fields may hold commas, quotes and line
/// breaks), after its byte-order mark.
pub fn csv_records(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).expect("UTF-8 CSV");
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// Debian's Python first: a pyenv one earlier on the PATH may lack openpyxl.
fn python() -> &'static str {
    if std::path::Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

/// The sheets of an XLSX file as openpyxl reads them (`{"rtl", "rows"}` each, cells as
/// JSON values), or `None` when openpyxl is not installed and not required.
pub fn xlsx_sheets(bytes: &[u8]) -> Option<Vec<Value>> {
    const READ: &str = r#"
import json, sys, openpyxl
book = openpyxl.load_workbook(sys.argv[1])
print(json.dumps([{"rtl": bool(s.sheet_view.rightToLeft),
  "rows": [[c.value for c in row] for row in s.iter_rows()]} for s in book.worksheets],
  ensure_ascii=False, default=str))
"#;
    let present = std::process::Command::new(python())
        .args(["-c", "import openpyxl"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !present {
        assert!(
            std::env::var_os("AWLADNA_REQUIRE_OPENPYXL").is_none(),
            "openpyxl is required (AWLADNA_REQUIRE_OPENPYXL) but cannot be imported"
        );
        eprintln!("note: skipped reading the XLSX back: install python3-openpyxl to check it");
        return None;
    }
    let dir = TempDir::new();
    let path = dir.0.join("export.xlsx");
    std::fs::write(&path, bytes).expect("write the XLSX");
    let out = std::process::Command::new(python())
        .args(["-c", READ])
        .arg(&path)
        .output()
        .expect("run python");
    assert!(out.status.success(), "openpyxl cannot read it: {out:?}");
    let sheets: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    Some(sheets.as_array().expect("sheets").clone())
}

/// The text of a PDF as pdftotext gives it (`-layout`: a table's row on one line), or
/// `None` when poppler is not installed and not required.
pub fn pdf_text(bytes: &[u8]) -> Option<String> {
    let dir = TempDir::new();
    let path = dir.0.join("export.pdf");
    std::fs::write(&path, bytes).expect("write the PDF");
    match std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
    {
        Ok(out) => {
            assert!(out.status.success(), "pdftotext cannot read it: {out:?}");
            Some(String::from_utf8_lossy(&out.stdout).into_owned())
        }
        Err(e) => {
            assert!(
                std::env::var_os("AWLADNA_REQUIRE_PDFTOTEXT").is_none(),
                "AWLADNA_REQUIRE_PDFTOTEXT is set but pdftotext cannot run: {e}"
            );
            eprintln!("note: pdftotext is not installed: the PDF's text was not checked");
            None
        }
    }
}

/// A count a reader sees in a cell: an integer number, or text that is one.
pub fn count_in(cell: &Value) -> Option<i64> {
    match cell {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The counts from 1 to 4 among `counts`, each with where it was: empty when small counts
/// are hidden.
pub fn small<'a>(counts: impl IntoIterator<Item = (String, &'a Value)>) -> Vec<String> {
    counts
        .into_iter()
        .filter(|(_, v)| count_in(v).is_some_and(|n| (1..=4).contains(&n)))
        .map(|(at, v)| format!("{at}: {v}"))
        .collect()
}

/// The lines of a PDF's text (from `-layout`) cut into cells where two spaces or more
/// separate them: a table row is its label, its value, its rate.
pub fn pdf_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect::<Vec<String>>()
        })
        .filter(|cells| !cells.is_empty())
        .collect()
}

/// The cells of a PDF's text that are a count from 1 to 4, each with its line.
pub fn small_in_pdf(text: &str) -> Vec<String> {
    pdf_rows(text)
        .into_iter()
        .filter(|cells| {
            cells
                .iter()
                .any(|c| c.parse::<i64>().is_ok_and(|n| (1..=4).contains(&n)))
        })
        .map(|cells| cells.join(" | "))
        .collect()
}
