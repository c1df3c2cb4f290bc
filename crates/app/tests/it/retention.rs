//! Retention and the rights of the people in the files (Law 09-08): the retention run
//! erases a child's identity and narratives only after the rule's date, keeps the
//! statistics and the audit chain, and leaves pages that say so; the subject-access export
//! gives a coordinator everything held about a child and who read it; a corrected identity
//! keeps its history.

use crate::case_work::{PDF, upload};
use crate::stats::all_cells;
use crate::support::{Answer, Backend, Signed, TestApp, linking_card, on_each_backend, reference};
use awladna_domain::access::Role;
use awladna_web::retention::{RetentionReport, run};
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn staff(app: &TestApp) -> (Signed<'_>, Signed<'_>) {
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("sale-hospital", "health", Some("sale"))
        .await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    app.organisation("ministry", "family_solidarity", None)
        .await;
    app.user(
        "hospital-doctor",
        "sale-hospital",
        &[Role::FocalPoint],
        true,
    )
    .await;
    let worker = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let coordinator = app
        .signed_in("karima", "sale-centre", &[Role::Coordinator])
        .await;
    (worker, coordinator)
}

fn report(first: &str, last: &str, birth: Option<&str>, age: i64) -> Value {
    let mut child = json!({"first_name": first, "last_name": last, "sex": "male", "mother_name": "Fatima Zahra", "address": "حي السلام، سلا"});
    match birth {
        Some(date) => child["birth_date"] = json!(date),
        None => child["age_years"] = json!(age),
    }
    json!({"source": "school", "received_at": "2026-11-22T09:00:00Z", "territory": "sale", "child": child, "concerns": ["neglect"], "urgency": "medium"})
}

/// A child with a case: its (child id, case id, case number).
async fn child(worker: &Signed<'_>, body: &Value) -> (String, String, String) {
    let report = worker.record_report(body).await;
    let opened = worker.triage(&report, None).await;
    let text = |key: &str| opened[key].as_str().expect(key).to_owned();
    (text("child_id"), text("case_id"), text("number"))
}

/// Youssef's whole file: a plan action, a document, a linking card, then closure.
async fn full_file(worker: &Signed<'_>, case: &str) -> String {
    let plan = worker
        .post(
            &format!("/api/v1/cases/{case}/plan"),
            &json!({"plan": {"goal": "عودة آمنة إلى المدرسة", "action": "لقاء مع مدير المدرسة", "responsible": "education", "due_date": "2026-11-25"}}),
        )
        .await;
    assert_eq!(plan.status, StatusCode::CREATED, "{}", plan.body);
    let uploaded = upload(
        worker,
        case,
        "social",
        "social_inquiry",
        "بحث اجتماعي يوسف.pdf",
        PDF,
    )
    .await;
    assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.body);
    let referral = worker
        .send_referral(case, &linking_card("sale-hospital", &["identity"]))
        .await;
    let closed = worker.move_case(case, "closed", Some("reintegrated")).await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    referral
}

fn at(text: &str) -> jiff::Timestamp {
    text.parse().expect("timestamp")
}

async fn retention(app: &TestApp, when: &str, dry_run: bool) -> RetentionReport {
    run(&app.store, &reference(), &app.keyring, at(when), dry_run)
        .await
        .expect("retention run")
}

async fn identity(app: &TestApp, child: &str) -> Option<Vec<u8>> {
    app.store
        .child_identity(child)
        .await
        .expect("read")
        .expect("the child")
        .2
}

async fn tokens(app: &TestApp, child: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM child_name_tokens WHERE child_id = $1")
        .bind(child)
        .fetch_one(app.store.pool_for_tests())
        .await
        .expect("count")
}

async fn search(worker: &Signed<'_>, q: &str) -> Value {
    worker
        .get(&format!("/api/v1/children?q={}", q.replace(' ', "%20")))
        .await
        .json()
}

async fn rule_dates_dry_run_and_erasure(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (worker, _) = staff(&app).await;
    // Born 2010-03-04: 18 + 5 gives 2033-03-04, closure (2026-11-23) + 10 gives
    // 2036-11-23, the later: kept through 2036-11-23.
    let (youssef, case, number) =
        child(&worker, &report("Youssef", "Alaoui", Some("2010-03-04"), 0)).await;
    let referral = full_file(&worker, &case).await;
    // Still open: kept whatever the date.
    let (_, open_case, _) =
        child(&worker, &report("Amine", "Berrada", Some("2005-01-01"), 0)).await;
    // No birth date, aged 1 in 2026 (birth year 2025): kept to 2025-12-31 + 23 years.
    let (baby, baby_case, _) = child(&worker, &report("Yassine", "Tazi", None, 1)).await;
    let closed = worker
        .move_case(&baby_case, "closed", Some("reintegrated"))
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    assert!(
        search(&worker, "Youssef Alaoui")
            .await
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );

    // The last day kept: nothing is due.
    let last_day = retention(&app, "2036-11-23T12:00:00Z", true).await;
    assert!(last_day.children.is_empty(), "{last_day:?}");
    // The day after: Youssef only, listed by case number and counts.
    let dry = retention(&app, "2036-11-24T12:00:00Z", true).await;
    assert_eq!(dry.children.len(), 1, "{dry:?}");
    let listed = &dry.children[0];
    assert_eq!(listed.child_id, youssef);
    assert_eq!(listed.case_numbers, vec![number.clone()]);
    let count = |kind: &str| {
        listed
            .kinds
            .iter()
            .find(|(k, _)| k.code() == kind)
            .map(|(_, n)| *n)
            .unwrap_or_else(|| panic!("{kind} listed: {listed:?}"))
    };
    assert_eq!(count("child_identity"), 1);
    assert!(count("cards") >= 1);
    assert_eq!(count("plan_actions"), 1);
    assert_eq!(count("documents"), 2, "name and content");
    assert!(count("referrals") >= 1);
    assert!(count("stage_moves") >= 1);
    // A dry run erases nothing.
    assert!(identity(&app, &youssef).await.is_some());
    assert!(tokens(&app, &youssef).await > 0);
    assert!(
        app.store
            .erasures_of_child(&youssef)
            .await
            .expect("read")
            .is_empty()
    );

    let cells_before = all_cells(&app).await;
    let erased = retention(&app, "2036-11-24T12:00:00Z", false).await;
    assert_eq!(
        erased.children, dry.children,
        "the run erases what the dry run listed"
    );
    assert_eq!(identity(&app, &youssef).await, None);
    assert_eq!(tokens(&app, &youssef).await, 0);
    for (sql, what) in [
        (
            "SELECT COUNT(*) FROM cards WHERE case_id = $1 AND sealed IS NOT NULL",
            "cards' sealed parts",
        ),
        (
            "SELECT COUNT(*) FROM stage_moves WHERE case_id = $1 AND reason IS NOT NULL",
            "move reasons",
        ),
    ] {
        let left: i64 = sqlx::query_scalar(sql)
            .bind(&case)
            .fetch_one(app.store.pool_for_tests())
            .await
            .expect("count");
        assert_eq!(left, 0, "{what} erased");
    }
    // The others are untouched.
    for kept in [&baby] {
        assert!(identity(&app, kept).await.is_some());
    }
    let amine: String = sqlx::query_scalar("SELECT child_id FROM cases WHERE id = $1")
        .bind(&open_case)
        .fetch_one(app.store.pool_for_tests())
        .await
        .expect("child");
    assert!(identity(&app, &amine).await.is_some());

    // Statistics: the cells are the same, and a rebuild from what is left gives them too.
    assert_eq!(all_cells(&app).await, cells_before);
    app.store
        .rebuild_statistics(&|_| {})
        .await
        .expect("rebuild");
    assert_eq!(all_cells(&app).await, cells_before, "facts survive erasure");
    // The audit trail is whole, and says what was erased (ids and counts only).
    app.verify_audit().await.expect("the audit log is intact");
    let entries = app
        .store
        .audit_entries(
            &awladna_store::audit::AuditFilter {
                record_id: Some(youssef.clone()),
                ..Default::default()
            },
            100,
            0,
        )
        .await
        .expect("audit");
    let erasures: Vec<&str> = entries
        .iter()
        .filter(|e| e.entry.action == "retention.erased")
        .filter_map(|e| e.entry.detail["kind"].as_str())
        .collect();
    assert_eq!(erasures.len(), 6, "one entry per kind: {erasures:?}");
    assert!(
        !format!(
            "{:?}",
            entries.iter().map(|e| &e.entry.detail).collect::<Vec<_>>()
        )
        .contains("Youssef")
    );

    // Name search no longer finds him; the pages say what happened instead of failing.
    assert_eq!(search(&worker, "Youssef Alaoui").await, json!([]));
    let page = worker.get(&format!("/cases/{case}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("مُحي وفق قاعدة مدة الحفظ بتاريخ 2036-11-24"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Youssef"));
    for path in [
        format!("/cases/{case}/files/social"),
        format!("/api/v1/cases/{case}/plan"),
        format!("/api/v1/cases/{case}/files/social"),
        format!("/referrals/{referral}"),
    ] {
        let answer = worker.get(&path).await;
        assert!(
            answer.status == StatusCode::OK,
            "{path}: {} {}",
            answer.status,
            answer.body
        );
        assert!(!answer.body.contains("بحث اجتماعي يوسف"), "{path}");
    }
    let file = worker.get(&format!("/cases/{case}/files/social")).await;
    assert!(
        file.body.contains("مُحي وفق قاعدة مدة الحفظ"),
        "{}",
        file.body
    );
    assert!(
        page.body.matches("مُحي وفق قاعدة مدة الحفظ").count() >= 2,
        "the child and the plan action"
    );
    // A second run has nothing left to do.
    let again = retention(&app, "2036-11-25T12:00:00Z", false).await;
    assert!(again.children.is_empty(), "{again:?}");
    app.finish().await;
}
on_each_backend!(rule_dates_dry_run_and_erasure);

async fn export(who: &Signed<'_>, case: &str, format: &str, basis: &str) -> Answer {
    who.app
        .post_form(
            &format!("/cases/{case}/subject-access"),
            &[
                ("cookie", who.cookie.as_str()),
                ("x-csrf-token", who.csrf.as_str()),
            ],
            &[
                ("requester", "Fatima Zahra, mère de l'enfant"),
                ("requested_on", "2026-11-20"),
                ("basis", basis),
                ("format", format),
            ],
        )
        .await
}

async fn subject_access_by_a_coordinator_only(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (worker, coordinator) = staff(&app).await;
    let (youssef, case, number) =
        child(&worker, &report("Youssef", "Alaoui", Some("2010-03-04"), 0)).await;
    full_file(&worker, &case).await;
    // Nadia reads the case: the export says so.
    assert_eq!(
        worker.get(&format!("/cases/{case}")).await.status,
        StatusCode::OK
    );

    let form = coordinator
        .get(&format!("/cases/{case}/subject-access"))
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let bad = export(&coordinator, &case, "json", "curiosity").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);

    let answer = export(&coordinator, &case, "json", "parent_or_guardian").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(
        answer
            .header("content-disposition")
            .contains("subject-access.json")
    );
    let held = answer.json();
    assert_eq!(held["child"]["id"], youssef.as_str());
    assert_eq!(held["child"]["identity"]["first_name"], "Youssef");
    assert_eq!(held["request"]["basis"], "parent_or_guardian");
    let the_case = &held["cases"][0];
    assert_eq!(the_case["number"], number.as_str());
    assert_eq!(the_case["plan"][0]["goal"], "عودة آمنة إلى المدرسة");
    assert_eq!(the_case["documents"][0]["name"], "بحث اجتماعي يوسف.pdf");
    assert_eq!(the_case["referrals"][0]["to_org"], "sale-hospital");
    assert!(the_case["cards"].as_array().is_some_and(|c| !c.is_empty()));
    assert!(the_case["moves"].as_array().is_some_and(|m| m.len() >= 2));
    let readers = held["audit"].as_array().expect("audit");
    assert!(
        readers
            .iter()
            .any(|r| r["username"] == "nadia" && r["action"] == "case.read"),
        "who read the file: {readers:?}"
    );
    assert_eq!(
        held["subject_access_requests"][0]["requester"],
        "Fatima Zahra, mère de l'enfant"
    );

    let pdf = export(&coordinator, &case, "pdf", "the_child").await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.header("content-type"), "application/pdf");
    assert!(pdf.body.starts_with("%PDF"));
    // Each request is recorded and audited.
    let requests = app
        .store
        .subject_access_requests(&youssef)
        .await
        .expect("read");
    assert_eq!(requests.len(), 2);
    let audited = app
        .store
        .audit_entries(
            &awladna_store::audit::AuditFilter {
                record_id: Some(youssef.clone()),
                ..Default::default()
            },
            100,
            0,
        )
        .await
        .expect("audit")
        .iter()
        .filter(|e| e.entry.action == "subject_access.exported")
        .count();
    assert_eq!(audited, 2);

    // Refused as the policy says: a case worker 403, another province's coordinator 404,
    // the ministry's analyst 403.
    let rabat_worker = app
        .signed_in("rabat-worker", "rabat-centre", &[Role::CaseWorker])
        .await;
    let rabat_coordinator = app
        .signed_in("rabat-coord", "rabat-centre", &[Role::Coordinator])
        .await;
    let analyst = app
        .signed_in("analyst", "ministry", &[Role::NationalAnalyst])
        .await;
    for (who, status) in [
        (&worker, StatusCode::FORBIDDEN),
        (&rabat_worker, StatusCode::FORBIDDEN),
        (&rabat_coordinator, StatusCode::NOT_FOUND),
        (&analyst, StatusCode::FORBIDDEN),
    ] {
        let refused = export(who, &case, "json", "the_child").await;
        assert_eq!(refused.status, status, "{}", refused.body);
        assert!(!refused.body.contains("Youssef"));
    }
    assert_eq!(
        app.store
            .subject_access_requests(&youssef)
            .await
            .expect("read")
            .len(),
        2
    );
    app.finish().await;
}
on_each_backend!(subject_access_by_a_coordinator_only);

async fn rectify(who: &Signed<'_>, case: &str, first: &str, birth: &str) -> Answer {
    who.app
        .post_form(
            &format!("/cases/{case}/identity"),
            &[
                ("cookie", who.cookie.as_str()),
                ("x-csrf-token", who.csrf.as_str()),
            ],
            &[
                ("first_name", first),
                ("last_name", "Alaoui"),
                ("birth_date", birth),
                ("mother_name", "Fatima Zahra"),
                ("address", "حي السلام، سلا"),
            ],
        )
        .await
}

async fn rectification_keeps_its_history(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (worker, _) = staff(&app).await;
    let (youssef, case, _) =
        child(&worker, &report("Youssef", "Alaoui", Some("2010-03-04"), 0)).await;
    let form = worker.get(&format!("/cases/{case}/identity")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("Youssef"));
    let bad = rectify(&worker, &case, "Youssouf", "2090-01-01").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);

    let saved = rectify(&worker, &case, "Youssouf", "2010-03-04").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let history = app.store.identity_history(&youssef).await.expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].fields, vec!["first_name".to_owned()]);
    assert!(
        history[0].previous.is_some(),
        "the old identity is kept, sealed"
    );
    // The name search follows the correction.
    assert_eq!(
        search(&worker, "Youssouf Alaoui").await[0]["child_id"],
        youssef.as_str()
    );
    // A reader of the case sees who changed what and when, and the old value.
    let officer = app
        .signed_in("officer", "sale-centre", &[Role::InformationOfficer])
        .await;
    let page = officer.get(&format!("/cases/{case}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Youssouf"), "the new name");
    assert!(page.body.contains("nadia"), "who corrected it");
    assert!(
        page.body.contains("Youssef"),
        "the old value in the history"
    );
    assert!(
        !page.body.contains(&format!("/cases/{case}/identity\"")),
        "no correction button for a reader"
    );
    // Audited, with the field's code only.
    let entries = app
        .store
        .audit_entries(
            &awladna_store::audit::AuditFilter {
                record_id: Some(youssef.clone()),
                ..Default::default()
            },
            100,
            0,
        )
        .await
        .expect("audit");
    let rectified = entries
        .iter()
        .find(|e| e.entry.action == "child.identity_rectified")
        .expect("audited");
    assert_eq!(rectified.entry.detail["fields"], json!(["first_name"]));
    assert!(!rectified.entry.detail.to_string().contains("Youssouf"));
    // Another province's worker does not learn the case exists; an officer may not correct.
    let rabat = app
        .signed_in("rabat-worker", "rabat-centre", &[Role::CaseWorker])
        .await;
    assert_eq!(
        rectify(&rabat, &case, "X", "2010-03-04").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        rectify(&officer, &case, "X", "2010-03-04").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.store
            .identity_history(&youssef)
            .await
            .expect("history")
            .len(),
        1
    );
    app.finish().await;
}
on_each_backend!(rectification_keeps_its_history);

#[test]
fn the_command_line_runs_the_rule() {
    let dir = crate::support::TempDir::new();
    for args in [
        &["retention", "run", "--dry-run"][..],
        &["retention", "run"][..],
    ] {
        let output = crate::cli::awladna(&dir)
            .args(args)
            .output()
            .expect("run awladna");
        let all = crate::cli::text(&output);
        assert!(output.status.success(), "{all}");
        assert!(
            all.contains("Nothing is due for erasure under the retention rule."),
            "{all}"
        );
    }
}

#[test]
fn a_broken_retention_rule_is_named_at_load() {
    let dir = crate::support::TempDir::new();
    let reference = dir.0.join("reference");
    for file in awladna_domain::Reference::embedded_files() {
        let path = reference.join(&file.name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        let text = match file.name.as_str() {
            "retention/rules.toml" => {
                file.text
                    .replacen("years_after_closure = 10", "years_after_closure = 0", 1)
            }
            _ => file.text,
        };
        std::fs::write(&path, text).expect("write");
    }
    let output = crate::cli::awladna(&dir)
        .args(["retention", "run", "--dry-run", "--reference-dir"])
        .arg(&reference)
        .output()
        .expect("run awladna");
    let all = crate::cli::text(&output);
    assert!(!output.status.success(), "{all}");
    assert!(
        all.contains("reference file retention/rules.toml")
            && all.contains("years_after_closure = 0"),
        "{all}"
    );
}
