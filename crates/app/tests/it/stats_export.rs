//! The dashboard's exports leave the province: on a scenario of known small counts, each
//! format (XLSX read back with openpyxl, CSV parsed, PDF through pdftotext) shows no count
//! from 1 to 4, shows "<5" in their place, and shows the counts that must be shown —
//! even when the reader is the province's own coordinator, who sees its small counts on
//! the dashboard.

use crate::read_back::{
    count_in, csv_records, download, pdf_rows, pdf_text, small, small_in_pdf, xlsx_sheets,
};
use crate::support::{Backend, Signed, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

/// One report about a new child in Salé in November 2026, triaged into a case.
async fn child(worker: &Signed<'_>, sex: &str, age: i64, source: &str, concerns: &[&str]) {
    let report = worker
        .record_report(&json!({
            "source": source, "received_at": "2026-11-20T09:00:00Z", "territory": "sale",
            "child": {"sex": sex, "age_years": age}, "concerns": concerns, "urgency": "high"
        }))
        .await;
    worker.triage(&report, None).await;
}

/// Twelve children, twelve cases: 6 girls of 9 and 6 boys, 5 of them 16 and one of 3;
/// all from schools but the youngest (police), who is also neglected. By sex: 6 and 6
/// (shown); by age band: 6, 5 and 1; by source: 11 and 1; by concern: 12 and 1.
async fn scenario(app: &TestApp) -> Signed<'_> {
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let worker = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    for _ in 0..6 {
        child(&worker, "female", 9, "school", &["physical_violence"]).await;
    }
    for _ in 0..5 {
        child(&worker, "male", 16, "school", &["physical_violence"]).await;
    }
    child(
        &worker,
        "male",
        3,
        "police",
        &["physical_violence", "neglect"],
    )
    .await;
    app.signed_in("amina", "sale-centre", &[Role::Coordinator])
        .await
}

const QUERY: &str = "territory=sale&from=2026-11&to=2026-11";

/// Indicators whose values are not counts (mean days, hours): a 2.5 is not a child.
const NOT_COUNTS: [&str; 2] = ["stage_days", "referral_response_hours"];

/// The long-format data rows (indicator, territory, period, dimension, key, value) of a
/// sheet or a CSV: the value of `indicator` along `dimension` for the key labelled `key`.
fn value<'a>(rows: &'a [Vec<Value>], indicator: &str, dimension: &str, key: &str) -> &'a Value {
    rows.iter()
        .find(|r| r[0] == indicator && r[3] == dimension && r[4] == key)
        .map(|r| &r[5])
        .unwrap_or_else(|| panic!("no row {indicator} {dimension} {key}: {rows:#?}"))
}

/// The breakdowns where one value is hidden but the total and the other values are
/// shown: the total minus the others gives the hidden one away when it is from 1 to 4.
fn derivable(rows: &[&Vec<Value>]) -> Vec<String> {
    let mut groups: std::collections::BTreeMap<(String, String), Vec<&Vec<Value>>> =
        std::collections::BTreeMap::new();
    for row in rows {
        groups
            .entry((row[0].to_string(), row[3].to_string()))
            .or_default()
            .push(row);
    }
    let mut found = Vec::new();
    for ((indicator, dimension), group) in groups {
        let (totals, parts): (Vec<&&Vec<Value>>, Vec<&&Vec<Value>>) =
            group.iter().partition(|r| r[4] == "Total");
        let hidden = parts.iter().filter(|r| r[5] == "<5").count();
        let (Some(total), 1) = (totals.first().and_then(|r| count_in(&r[5])), hidden) else {
            continue;
        };
        let shown: i64 = parts.iter().filter_map(|r| count_in(&r[5])).sum();
        if (1..=4).contains(&(total - shown)) {
            found.push(format!(
                "{indicator} by {dimension}: {total} in all, {shown} shown"
            ));
        }
    }
    found
}

/// What every data sheet must say about the scenario, whatever its format.
fn check_data_rows(rows: &[Vec<Value>], format: &str) {
    let counts: Vec<&Vec<Value>> = rows
        .iter()
        .filter(|r| !NOT_COUNTS.iter().any(|i| r[0] == *i))
        .collect();
    assert!(counts.len() > 20, "{format}: the data rows: {rows:#?}");
    let found = small(counts.iter().map(|r| (format!("{format} {r:?}"), &r[5])));
    assert!(
        found.is_empty(),
        "small counts left the province: {found:#?}"
    );
    let derived = derivable(&counts);
    assert!(
        derived.is_empty(),
        "{format}: a hidden count is the total minus the others: {derived:#?}"
    );
    // The counts that must be shown: 12 reports, 12 cases, 6 girls and 6 boys.
    let total = "Total";
    assert_eq!(
        count_in(value(rows, "reports", "", total)),
        Some(12),
        "{format}"
    );
    assert_eq!(
        count_in(value(rows, "cases", "", total)),
        Some(12),
        "{format}"
    );
    assert_eq!(
        count_in(value(rows, "cases", "sex", "Female")),
        Some(6),
        "{format}"
    );
    assert_eq!(
        count_in(value(rows, "cases", "sex", "Male")),
        Some(6),
        "{format}"
    );
    // …and those that must not: one child under 6, one from the police.
    assert_eq!(value(rows, "cases", "age_band", "0-5"), "<5", "{format}");
    assert_eq!(value(rows, "cases", "source", "Police"), "<5", "{format}");
    assert_eq!(value(rows, "cases", "concern", "Neglect"), "<5", "{format}");
}

async fn the_dashboard_exports_hide_small_counts_in_every_format(backend: Backend) {
    let app = TestApp::start(backend).await;
    let coordinator = scenario(&app).await;
    // The coordinator's own dashboard shows the province's small counts whole…
    let own = coordinator
        .get(&format!("/api/v1/stats/cases?{QUERY}&by=source"))
        .await
        .json();
    assert!(own.to_string().contains("\"value\":1"), "{own}");
    // …its exports never do. In English, so that labels can be named here.
    let cookie = format!("{}; awladna_lang=en", coordinator.cookie);

    let csv = download(&app, &format!("/stats/export/csv?{QUERY}"), &cookie).await;
    assert_eq!(
        csv.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&csv.bytes)
    );
    assert!(csv.kind.starts_with("text/csv"), "{}", csv.kind);
    let records = csv_records(&csv.bytes);
    assert_eq!(records[0].len(), 6, "{:?}", records[0]);
    let rows: Vec<Vec<Value>> = records[1..]
        .iter()
        .map(|r| r.iter().map(|c| json!(c)).collect())
        .collect();
    check_data_rows(&rows, "CSV");

    let xlsx = download(&app, &format!("/stats/export/xlsx?{QUERY}"), &cookie).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    if let Some(sheets) = xlsx_sheets(&xlsx.bytes) {
        // Every sheet: the tables of the first one and the data sheet.
        let all = sheets.iter().enumerate().flat_map(|(s, sheet)| {
            sheet["rows"]
                .as_array()
                .expect("rows")
                .iter()
                .enumerate()
                .flat_map(move |(r, row)| {
                    let row = row.as_array().expect("cells");
                    let not_a_count = row
                        .first()
                        .is_some_and(|c| NOT_COUNTS.iter().any(|i| c == i));
                    row.iter()
                        .enumerate()
                        .filter(move |_| !not_a_count)
                        .map(move |(c, v)| (format!("sheet {s} row {r} column {c}"), v))
                })
        });
        let found = small(all);
        assert!(found.is_empty(), "small counts in the XLSX: {found:#?}");
        // An empty cell (no dimension) reads back as nothing.
        let data: Vec<Vec<Value>> = sheets[1]["rows"].as_array().expect("rows")[1..]
            .iter()
            .map(|r| {
                let cells = r.as_array().expect("cells").iter();
                cells
                    .map(|c| if c.is_null() { json!("") } else { c.clone() })
                    .collect()
            })
            .collect();
        check_data_rows(&data, "XLSX");
    }

    let pdf = download(&app, &format!("/stats/export/pdf?{QUERY}"), &cookie).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.kind, "application/pdf");
    if let Some(text) = pdf_text(&pdf.bytes) {
        check_pdf(&text);
    }
    app.finish().await;
}
on_each_backend!(the_dashboard_exports_hide_small_counts_in_every_format);

/// The PDF's tables, line by line as pdftotext lays them out: a row is its label, its
/// value and its rate per 1,000. No value from 1 to 4; the sex table shows 6 and 6.
fn check_pdf(text: &str) {
    let found = small_in_pdf(text);
    assert!(
        found.is_empty(),
        "small counts in the PDF: {found:#?}\n{text}"
    );
    let rows = pdf_rows(text);
    let has = |label: &str, value: &str| {
        rows.iter()
            .any(|r| r.len() >= 2 && r[0] == label && r[1] == value)
    };
    for (label, value) in [
        ("Female", "6"),
        ("Male", "6"),
        ("Police", "<5"),
        ("0-5", "<5"),
        ("Total", "12"),
    ] {
        assert!(has(label, value), "no row {label} {value} in:\n{text}");
    }
}
