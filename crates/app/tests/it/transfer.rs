//! A case transferred to another province's mechanism when the child moves (issue 15
//! §4): Rabat asks its coordinator to approve a transfer first, Salé asks for nothing.
//! The case goes from Rabat to Salé and back, keeps its history, the sending province
//! reads what it recorded until it closes its part, a third province sees nothing, and
//! the statistics count the case once, where it is.

use crate::support::{Backend, Signed, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use jiff::SignedDuration;
use serde_json::json;

async fn three_provinces(backend: Backend) -> TestApp {
    let app = TestApp::start(backend).await;
    for (org, territory) in [
        ("rabat-centre", "rabat"),
        ("sale-centre", "sale"),
        ("kenitra-centre", "kenitra"),
    ] {
        app.organisation(org, "family_solidarity", Some(territory))
            .await;
    }
    app
}

fn later(app: &TestApp) {
    app.clock.advance(SignedDuration::from_secs(60));
}

/// How many cases the statistics count in `territory` (every month).
async fn cases_counted(app: &TestApp, territory: &str) -> i64 {
    crate::stats::all_cells(app)
        .await
        .iter()
        .filter(|c| c.0 == "cases" && c.1.is_empty() && c.3 == territory)
        .map(|c| c.5)
        .sum()
}

/// Each of `actions` is in the audit log.
pub(crate) async fn assert_audited(app: &TestApp, actions: &[&str]) {
    let entries = app
        .store
        .audit_entries(&awladna_store::audit::AuditFilter::default(), 500, 0)
        .await
        .expect("entries");
    for action in actions {
        assert!(
            entries.iter().any(|e| e.entry.action == *action),
            "{action}"
        );
    }
}

/// The running counts equal a rebuild from the records.
async fn statistics_hold(app: &TestApp) {
    let running = crate::stats::all_cells(app).await;
    app.store
        .rebuild_statistics(&|_| {})
        .await
        .expect("rebuild");
    assert_eq!(running, crate::stats::all_cells(app).await);
}

async fn transfer(
    worker: &Signed<'_>,
    case: &str,
    to: &str,
    reason: &str,
) -> crate::support::Answer {
    worker
        .post(
            &format!("/api/v1/cases/{case}/transfers"),
            &json!({"to": to, "reason": reason}),
        )
        .await
}

async fn accept(chief: &Signed<'_>, transfer: &str) -> crate::support::Answer {
    chief
        .post(
            &format!("/api/v1/transfers/{transfer}/answer"),
            &json!({"decision": "accept"}),
        )
        .await
}

async fn a_case_moves_to_another_province_and_back(backend: Backend) {
    let app = three_provinces(backend).await;
    let amal = app
        .signed_in("amal", "rabat-centre", &[Role::CaseWorker])
        .await;
    let chief = app
        .signed_in("chief", "rabat-centre", &[Role::Coordinator])
        .await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let sale_chief = app
        .signed_in("salechief", "sale-centre", &[Role::Coordinator])
        .await;
    let kenitra = app
        .signed_in("kchief", "kenitra-centre", &[Role::Coordinator])
        .await;
    let case = crate::approvals::rabat_case(&amal).await;
    let number = amal.get(&format!("/api/v1/cases/{case}")).await.json()["number"]
        .as_str()
        .expect("number")
        .to_owned();
    assert_eq!(cases_counted(&app, "rabat").await, 1);

    // Rabat asks its coordinator to approve a transfer first, and says so.
    let unapproved = transfer(&amal, &case, "sale", "انتقلت الأسرة إلى سلا").await;
    assert_eq!(
        unapproved.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unapproved.body
    );
    assert!(
        unapproved.body.contains("needs_approval"),
        "{}",
        unapproved.body
    );
    let asked = amal
        .post(
            &format!("/api/v1/cases/{case}/approvals"),
            &json!({"step": "transfer"}),
        )
        .await;
    let approval = asked.json()["id"].as_str().expect("approval").to_owned();
    let approved = chief
        .post(
            &format!("/api/v1/cases/{case}/approvals/decide"),
            &json!({"approval_id": approval, "decision": "approve", "comment": "موافق"}),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);

    // The request from the page, then again through the API: stored once.
    let form = amal.get(&format!("/cases/{case}/transfer")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("value=\"sale\"") && !form.body.contains("value=\"rabat\""));
    later(&app);
    let sent = amal
        .post_page(
            &format!("/cases/{case}/transfer"),
            &[("to", "sale"), ("reason", "انتقلت الأسرة إلى سلا <b>x</b>")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let again = transfer(&amal, &case, "sale", "مرة ثانية").await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    let id = again.json()["id"].as_str().expect("transfer").to_owned();
    let listed = amal.get("/api/v1/transfers").await.json();
    assert_eq!(listed["sent"].as_array().map(Vec::len), Some(1), "{listed}");

    // Salé sees it waiting, with its reason escaped; Kénitra sees nothing of it.
    let waiting = sale_chief.get("/transfers").await;
    assert_eq!(waiting.status, StatusCode::OK);
    assert!(waiting.body.contains(&number) && waiting.body.contains("&#60;b&#62;x"));
    assert!(!kenitra.get("/transfers").await.body.contains(&number));
    assert_eq!(
        sale_chief
            .get(&format!("/api/v1/cases/{case}"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "not Salé's before it accepts"
    );
    // Wrong role, other province, third province: refused, nothing answered.
    assert_eq!(accept(&nadia, &id).await.status, StatusCode::FORBIDDEN);
    assert_eq!(accept(&chief, &id).await.status, StatusCode::NOT_FOUND);
    assert_eq!(accept(&kenitra, &id).await.status, StatusCode::NOT_FOUND);

    // Salé accepts after a confirmation; a second acceptance lands once; a refusal
    // now is a conflict.
    later(&app);
    let path = format!("/transfers/{id}/answer");
    let confirm = sale_chief
        .post_page(&path, &[("decision", "accept"), ("reason", "")])
        .await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("name=\"confirmed\""));
    let accepted = sale_chief
        .post_page(
            &path,
            &[("decision", "accept"), ("reason", ""), ("confirmed", "1")],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    let twice = accept(&sale_chief, &id).await;
    assert_eq!(twice.status, StatusCode::OK, "{}", twice.body);
    assert_eq!(twice.json()["already"], true);
    let refused_late = sale_chief
        .post(
            &format!("/api/v1/transfers/{id}/answer"),
            &json!({"decision": "refuse", "reason": "لا"}),
        )
        .await;
    assert_eq!(refused_late.status, StatusCode::CONFLICT);

    // The case is Salé's, with its whole history; Rabat no longer opens it as its own.
    let page = nadia.get(&format!("/cases/{case}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("طلب نقل الملف") && page.body.contains("قبل نقل الملف"));
    assert!(
        page.body.contains("بطاقة التبليغ"),
        "the report is still on the timeline"
    );
    assert_eq!(
        amal.get(&format!("/cases/{case}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(cases_counted(&app, "sale").await, 1);
    assert_eq!(cases_counted(&app, "rabat").await, 0);
    statistics_hold(&app).await;

    // Salé works on it; Rabat reads what it recorded, not what Salé adds.
    later(&app);
    let moved = nadia
        .post(
            &format!("/api/v1/cases/{case}/transitions"),
            &json!({"to": "initial_diagnosis", "reason": "بعد النقل: زيارة الأسرة"}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let read = amal.get(&format!("/transfers/{id}")).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert!(read.body.contains(&number) && read.body.contains("بطاقة التبليغ"));
    assert!(!read.body.contains("بعد النقل"), "{}", read.body);
    // Read, not followed: the cards are the receiving province's now.
    assert!(!read.body.contains("/records/"), "{}", read.body);
    assert_eq!(
        kenitra.get(&format!("/transfers/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        nadia.get(&format!("/transfers/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    // Rabat closes its part (twice: once), then reads nothing more.
    let closed = amal
        .post_page(&format!("/transfers/{id}/release"), &[])
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    let closed_again = amal
        .post(&format!("/api/v1/transfers/{id}/release"), &json!({}))
        .await;
    assert_eq!(
        closed_again.json()["already"],
        true,
        "{}",
        closed_again.body
    );
    assert_eq!(
        amal.get(&format!("/transfers/{id}")).await.status,
        StatusCode::NOT_FOUND
    );

    // And back: Salé asks for no approval; Rabat's coordinator accepts.
    later(&app);
    let back = transfer(&nadia, &case, "rabat", "عادت الأسرة إلى الرباط").await;
    assert_eq!(back.status, StatusCode::CREATED, "{}", back.body);
    let back_id = back.json()["id"].as_str().expect("back").to_owned();
    assert_eq!(accept(&chief, &back_id).await.status, StatusCode::OK);
    let home = amal.get(&format!("/cases/{case}")).await;
    assert_eq!(home.status, StatusCode::OK);
    assert_eq!(
        home.body.matches("قبل نقل الملف").count(),
        2,
        "both transfers told"
    );
    assert!(
        home.body.contains("بعد النقل"),
        "what Salé recorded came back with it"
    );
    assert_eq!(
        nadia.get(&format!("/transfers/{back_id}")).await.status,
        StatusCode::OK
    );
    assert_eq!(cases_counted(&app, "rabat").await, 1);
    assert_eq!(cases_counted(&app, "sale").await, 0);
    statistics_hold(&app).await;

    assert_audited(
        &app,
        &[
            "case.transfer_requested",
            "case.transfer_accepted",
            "case.transfer_released",
        ],
    )
    .await;
    app.finish().await;
}
on_each_backend!(a_case_moves_to_another_province_and_back);

async fn transfers_refuse_bad_input_other_roles_and_a_second_destination(backend: Backend) {
    let app = three_provinces(backend).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let officer = app
        .signed_in("officer", "sale-centre", &[Role::InformationOfficer])
        .await;
    let amal = app
        .signed_in("amal", "rabat-centre", &[Role::CaseWorker])
        .await;
    let chief = app
        .signed_in("chief", "rabat-centre", &[Role::Coordinator])
        .await;
    let case = crate::journeys::sale_case(&nadia, "ليلى").await;

    // Hostile reasons: each refused with its field named, nothing stored.
    let huge = "ن".repeat(2001);
    for (reason, problem) in [
        ("", "required"),
        ("   ", "required"),
        ("سبب\u{7}", "control"),
        ("سبب \u{202E}txt.exe", "direction"),
        (huge.as_str(), "long"),
    ] {
        let refused = transfer(&nadia, &case, "rabat", reason).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{problem}: {}",
            refused.body
        );
    }
    let page = nadia
        .post_page(
            &format!("/cases/{case}/transfer"),
            &[("to", "rabat"), ("reason", "سبب\u{7}")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("السبب") && page.body.contains("selected"),
        "field named, input kept"
    );
    for to in ["sale", "nowhere", ""] {
        let refused = transfer(&nadia, &case, to, "سبب").await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{to}");
    }
    assert!(app.store.case_transfers(&case).await.unwrap().is_empty());

    // Wrong role, other province.
    assert_eq!(
        transfer(&officer, &case, "rabat", "سبب").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        transfer(&amal, &case, "rabat", "سبب").await.status,
        StatusCode::NOT_FOUND
    );

    // One destination at a time.
    let sent = transfer(&nadia, &case, "rabat", "انتقال الأسرة").await;
    assert_eq!(sent.status, StatusCode::CREATED);
    let id = sent.json()["id"].as_str().expect("id").to_owned();
    assert_eq!(
        transfer(&nadia, &case, "kenitra", "انتقال آخر")
            .await
            .status,
        StatusCode::CONFLICT
    );

    // Rabat refuses: a reason is required, told on the page.
    let path = format!("/transfers/{id}/answer");
    let no_reason = chief
        .post_page(
            &path,
            &[("decision", "refuse"), ("reason", " "), ("confirmed", "1")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("السبب"));
    let stale = chief
        .post(
            &format!("/api/v1/transfers/{id}/answer"),
            &json!({"decision": "refuse", "reason": "x", "version": 7}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let refused = chief
        .post_page(
            &path,
            &[
                ("decision", "refuse"),
                ("reason", "لا مكان متاح حاليا"),
                ("confirmed", "1"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER, "{}", refused.body);
    // The case stays Salé's, the refusal and its reason on its timeline.
    let page = nadia.get(&format!("/cases/{case}")).await;
    assert!(page.body.contains("رفض نقل الملف") && page.body.contains("لا مكان متاح حاليا"));
    assert_eq!(
        amal.get(&format!("/cases/{case}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        amal.get(&format!("/transfers/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    app.finish().await;
}
on_each_backend!(transfers_refuse_bad_input_other_roles_and_a_second_destination);
