//! Periodic reports: drafted, approved and submitted by the right roles, frozen once
//! approved, consolidated nationally from the submitted provincial reports, exported as
//! XLSX (read back with openpyxl), CSV (with a BOM) and an Arabic PDF (read back with
//! pdftotext).

use crate::read_back::{
    csv_records, download, pdf_rows, pdf_text, small, small_in_pdf, xlsx_sheets,
};
use crate::support::{Backend, Signed, TestApp, on_each_backend};
use awladna_domain::access::Role;
use awladna_store::audit::AuditFilter;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn card(territory: &str, n: usize) -> Value {
    json!({
        "source": "school",
        "received_at": "2026-11-20T08:30:00Z",
        "territory": territory,
        "child": {"first_name": format!("Enfant{n}"), "last_name": "اختبار", "sex": "female", "age_years": 9},
        "concerns": ["physical_violence"],
        "urgency": "high",
        "narrative": "رواية"
    })
}

async fn record(worker: &Signed<'_>, territory: &str, n: usize) {
    for i in 0..n {
        let created = worker.post("/api/v1/reports", &card(territory, i)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    }
}

fn monthly(territory: &str) -> Value {
    json!({"kind": "monthly", "territory": territory, "from": "2026-11", "to": "2026-11"})
}

/// The total of the first figure of section `section` named `indicator`.
fn total(report: &Value, section: &str, indicator: &str) -> Value {
    report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == section)
        .unwrap()["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["indicator"] == indicator)
        .unwrap()["total"]
        .clone()
}

async fn a_report_goes_from_draft_to_submitted_and_stays_frozen(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    let worker = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let officer = app
        .signed_in("io", "sale-centre", &[Role::InformationOfficer])
        .await;
    let coordinator = app
        .signed_in("coord", "sale-centre", &[Role::Coordinator])
        .await;
    let member = app
        .signed_in("member", "sale-centre", &[Role::CommitteeMember])
        .await;
    let elsewhere = app
        .signed_in("io-rabat", "rabat-centre", &[Role::InformationOfficer])
        .await;
    record(&worker, "sale", 2).await;

    // A case worker does not prepare reports.
    let refused = worker
        .post("/api/v1/periodic-reports", &monthly("sale"))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    // A period that does not fit the kind is refused in words.
    let bad = officer
        .post(
            "/api/v1/periodic-reports",
            &json!({"kind": "monthly", "territory": "sale", "from": "2026-10", "to": "2026-11"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);

    let created = officer
        .post("/api/v1/periodic-reports", &monthly("sale"))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let report = created.json();
    let id = report["id"].as_str().unwrap().to_owned();
    assert_eq!(report["status"], "draft");
    assert_eq!(total(&report, "pathways", "reports"), json!(2));
    let codes: Vec<&str> = report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["pathways", "results", "trend"],
        "no action plan monthly"
    );

    // Another province does not see it.
    let hidden = elsewhere
        .get(&format!("/api/v1/periodic-reports/{id}"))
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let listed = elsewhere.get("/api/v1/periodic-reports").await;
    assert_eq!(listed.json()["reports"], json!([]));

    // A committee member does not approve a monthly report; a coordinator not an annual one.
    let by_member = member
        .post(
            &format!("/api/v1/periodic-reports/{id}/approve"),
            &json!({}),
        )
        .await;
    assert_eq!(
        by_member.status,
        StatusCode::FORBIDDEN,
        "{}",
        by_member.body
    );
    let annual = officer
        .post(
            "/api/v1/periodic-reports",
            &json!({"kind": "annual", "territory": "sale", "from": "2026-01", "to": "2026-12"}),
        )
        .await;
    assert_eq!(annual.status, StatusCode::CREATED, "{}", annual.body);
    let annual = annual.json();
    let annual_codes: Vec<&str> = annual["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    assert!(annual_codes.contains(&"action_plan"));
    let annual_id = annual["id"].as_str().unwrap();
    let by_coordinator = coordinator
        .post(
            &format!("/api/v1/periodic-reports/{annual_id}/approve"),
            &json!({}),
        )
        .await;
    assert_eq!(by_coordinator.status, StatusCode::FORBIDDEN);
    assert!(
        by_coordinator.body.contains("message"),
        "{}",
        by_coordinator.body
    );
    let by_member = member
        .post(
            &format!("/api/v1/periodic-reports/{annual_id}/approve"),
            &json!({}),
        )
        .await;
    assert_eq!(by_member.status, StatusCode::OK, "{}", by_member.body);

    // A stale version is refused.
    let version = report["version"].as_i64().unwrap();
    let stale = coordinator
        .post(
            &format!("/api/v1/periodic-reports/{id}/approve"),
            &json!({"version": version - 1}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    // Submitting a draft is refused.
    let early = officer
        .post(&format!("/api/v1/periodic-reports/{id}/submit"), &json!({}))
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    let approved = coordinator
        .post(
            &format!("/api/v1/periodic-reports/{id}/approve"),
            &json!({"version": version}),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(approved.json()["status"], "approved");
    let submitted = officer
        .post(&format!("/api/v1/periodic-reports/{id}/submit"), &json!({}))
        .await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.body);
    assert_eq!(submitted.json()["status"], "submitted");

    // New cards arrive: the submitted report keeps the figures it was approved with.
    record(&worker, "sale", 1).await;
    let read = officer.get(&format!("/api/v1/periodic-reports/{id}")).await;
    assert_eq!(total(&read.json(), "pathways", "reports"), json!(2));
    let refresh = officer
        .post(
            &format!("/api/v1/periodic-reports/{id}/refresh"),
            &json!({}),
        )
        .await;
    assert_eq!(refresh.status, StatusCode::CONFLICT, "{}", refresh.body);
    let fresh = officer
        .post("/api/v1/periodic-reports", &monthly("sale"))
        .await;
    assert_eq!(total(&fresh.json(), "pathways", "reports"), json!(3));

    // Every step is in the audit log.
    app.seal_audit().await;
    let filter = AuditFilter {
        record_id: Some(id.clone()),
        ..Default::default()
    };
    let mut entries = app.store.audit_entries(&filter, 50, 0).await.unwrap();
    entries.sort_by_key(|e| e.seq);
    let actions: Vec<&str> = entries.iter().map(|e| e.entry.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "periodic_report.create",
            "periodic_report.approve",
            "periodic_report.submit"
        ]
    );
    app.finish().await;
}
on_each_backend!(a_report_goes_from_draft_to_submitted_and_stays_frozen);

async fn submit(app: &TestApp, province: &str, cards: usize) -> String {
    let org = format!("{province}-centre");
    app.organisation(&org, "family_solidarity", Some(province))
        .await;
    let worker = app
        .signed_in(&format!("w-{province}"), &org, &[Role::CaseWorker])
        .await;
    let officer = app
        .signed_in(&format!("io-{province}"), &org, &[Role::InformationOfficer])
        .await;
    let coordinator = app
        .signed_in(&format!("c-{province}"), &org, &[Role::Coordinator])
        .await;
    record(&worker, province, cards).await;
    let created = officer
        .post("/api/v1/periodic-reports", &monthly(province))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let approved = coordinator
        .post(
            &format!("/api/v1/periodic-reports/{id}/approve"),
            &json!({}),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    let submitted = officer
        .post(&format!("/api/v1/periodic-reports/{id}/submit"), &json!({}))
        .await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.body);
    id
}

async fn the_national_report_sums_the_submitted_reports_and_exports(backend: Backend) {
    let app = TestApp::start(backend).await;
    // Salé's 3 reports are a small count; Rabat's 6, all about girls of 9, are not.
    let sale = submit(&app, "sale", 3).await;
    submit(&app, "rabat", 6).await;
    app.organisation("ministry", "family_solidarity", None)
        .await;
    let analyst = app
        .signed_in("analyst", "ministry", &[Role::NationalAnalyst])
        .await;
    let created = analyst
        .post(
            "/api/v1/periodic-reports",
            &json!({"kind": "national", "territory": "MA", "from": "2026-11", "to": "2026-11"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let national = created.json();
    assert_eq!(total(&national, "pathways", "reports"), json!(9));
    let submitted = national["submitted_provinces"].as_array().unwrap();
    assert!(submitted.contains(&json!("sale")) && submitted.contains(&json!("rabat")));
    assert!(!national["missing_provinces"].as_array().unwrap().is_empty());
    assert!(
        national["missing_provinces"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p != "sale")
    );
    // Per province, Salé's 3 is hidden (and Rabat's 6 with it, or the total would give
    // Salé's away); no small count shows.
    let comparison = national["comparison"].as_array().unwrap();
    let reports = comparison
        .iter()
        .find(|f| f["indicator"] == "reports")
        .unwrap();
    let rows = reports["rows"].as_array().unwrap();
    assert!(rows.len() >= 2, "{reports}");
    assert!(
        rows.iter()
            .any(|r| r.to_string().contains("sale") && r["value"] == "<5"),
        "{reports}"
    );
    let shown = small(rows.iter().map(|r| (r.to_string(), &r["value"])));
    assert!(shown.is_empty(), "{shown:?}");
    let id = national["id"].as_str().unwrap().to_owned();
    let approved = analyst
        .post(
            &format!("/api/v1/periodic-reports/{id}/approve"),
            &json!({}),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);

    // The provincial report leaves the province suppressed: 3 reports are "<5".
    let read = analyst
        .get(&format!("/api/v1/periodic-reports/{sale}"))
        .await;
    assert_eq!(total(&read.json(), "pathways", "reports"), json!("<5"));

    // Exports (Arabic by default).
    let csv = download(
        &app,
        &format!("/periodic-reports/{id}/export.csv"),
        &analyst.cookie,
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.kind.starts_with("text/csv"), "{}", csv.kind);
    assert!(csv.bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM");
    let records = csv_records(&csv.bytes);
    assert!(records.len() > 10, "{records:?}");
    let width = records[0].len();
    assert!(
        records.iter().all(|r| r.len() == width),
        "every record has the header's {width} fields: {records:?}"
    );
    let values: Vec<(String, Value)> = records[1..]
        .iter()
        .map(|r| (r.join(","), json!(r[width - 1])))
        .collect();
    let found = small(values.iter().map(|(at, v)| (at.clone(), v)));
    assert!(found.is_empty(), "small counts in the CSV: {found:#?}");
    assert!(
        records
            .iter()
            .any(|r| r[0] == "reports" && r[3].is_empty() && r[width - 1] == "9"),
        "the national total of reports: {records:?}"
    );

    let pdf = download(
        &app,
        &format!("/periodic-reports/{id}/export.pdf"),
        &analyst.cookie,
    )
    .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.kind, "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    if let Some(text) = pdf_text(&pdf.bytes) {
        assert!(text.contains("التقرير الوطني"), "the title: {text}");
        assert!(text.contains("مسارات الأطفال"), "a section: {text}");
    }
    // In English, its tables read cell by cell: 9 reports in all, Salé's hidden, no small
    // count anywhere.
    let english = format!("{}; awladna_lang=en", analyst.cookie);
    let pdf = download(
        &app,
        &format!("/periodic-reports/{id}/export.pdf"),
        &english,
    )
    .await;
    if let Some(text) = pdf_text(&pdf.bytes) {
        let found = small_in_pdf(&text);
        assert!(
            found.is_empty(),
            "small counts in the PDF: {found:#?}\n{text}"
        );
        let rows = pdf_rows(&text);
        assert!(
            rows.iter().any(|r| r == &["9", "0.001"]),
            "9 reports: {text}"
        );
        assert!(
            rows.iter()
                .any(|r| r.len() >= 2 && r[0] == "Salé" && r[1] == "<5"),
            "Salé's 3 hidden: {text}"
        );
    }

    let xlsx = download(
        &app,
        &format!("/periodic-reports/{id}/export.xlsx"),
        &analyst.cookie,
    )
    .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    if let Some(sheets) = xlsx_sheets(&xlsx.bytes) {
        assert_eq!(sheets[0]["rtl"], true);
        // The data sheet: the national total of reports, a number; no small count.
        let rows = sheets[1]["rows"].as_array().unwrap();
        assert!(
            rows.iter()
                .any(|r| r[0] == "reports" && (r[3] == "" || r[3].is_null()) && r[5] == 9),
            "{rows:?}"
        );
        let found = small(rows.iter().map(|r| (r.to_string(), &r[5])));
        assert!(found.is_empty(), "small counts in the XLSX: {found:#?}");
    }

    // DHIS2: the provinces' cells by sex and age band; small ones left out, Rabat's six
    // girls of 6 to 11 sent.
    let dhis2 = download(
        &app,
        &format!("/periodic-reports/{id}/dhis2.json"),
        &analyst.cookie,
    )
    .await;
    assert_eq!(
        dhis2.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&dhis2.bytes)
    );
    assert!(dhis2.kind.starts_with("application/json"));
    let set: Value = serde_json::from_slice(&dhis2.bytes).unwrap();
    let values = set["dataValues"].as_array().expect("dataValues");
    assert!(!values.is_empty(), "Rabat's 6 are sent: {set}");
    let found = small(values.iter().map(|v| (v.to_string(), &v["value"])));
    assert!(found.is_empty(), "small counts sent to DHIS2: {found:#?}");
    assert!(
        values
            .iter()
            .any(|v| v["value"] == "6" && v["period"] == "202611"),
        "{set}"
    );
    assert_eq!(
        values.len(),
        1,
        "one cell of reports is not small, and no case was opened: {set}"
    );

    // The printable page.
    let page = analyst.get(&format!("/periodic-reports/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("التقرير الوطني"));
    app.finish().await;
}
on_each_backend!(the_national_report_sums_the_submitted_reports_and_exports);
