//! Supervisor approval with comments (issue 18): Rabat asks (in its data file) to
//! approve the case plan, the closure and transfers; Salé asks for none. The worker
//! requests, the coordinator approves or returns with a comment after a confirmation,
//! and both show on the case's timeline; a closure waits for its approval.

use crate::support::{Backend, Signed, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::json;

async fn rabat(backend: Backend) -> TestApp {
    let app = TestApp::start(backend).await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app
}

/// A case of Rabat opened by `worker`.
pub(crate) async fn rabat_case(worker: &Signed<'_>) -> String {
    let report = worker
        .record_report(&json!({
            "source": "school", "received_at": "2026-11-22T09:00:00Z", "territory": "rabat",
            "child": {"first_name": "سلمى", "last_name": "Idrissi", "sex": "female", "age_years": 9},
            "concerns": ["neglect"], "urgency": "high"
        }))
        .await;
    worker.triage(&report, None).await["case_id"]
        .as_str()
        .expect("case")
        .to_owned()
}

async fn a_closure_waits_for_the_coordinators_approval_and_both_comment(backend: Backend) {
    let app = rabat(backend).await;
    let amal = app
        .signed_in("amal", "rabat-centre", &[Role::CaseWorker])
        .await;
    let chief = app
        .signed_in("chief", "rabat-centre", &[Role::Coordinator])
        .await;
    let case = rabat_case(&amal).await;
    // Rabat asks to approve a closure: without one it is refused, and says what to do.
    let refused = amal.move_case(&case, "closed", Some("reintegrated")).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(refused.body.contains("الموافقات"), "{}", refused.body);
    let page = amal.get(&format!("/cases/{case}")).await;
    assert!(
        page.body.contains("approval-step"),
        "the request form is offered"
    );

    // The worker asks (twice: stored once), with a hostile comment.
    let asked = amal
        .post_page(
            &format!("/cases/{case}/approvals"),
            &[
                ("step", "closure"),
                ("comment", "عاد إلى أسرته <script>x</script>"),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    let again = amal
        .post(
            &format!("/api/v1/cases/{case}/approvals"),
            &json!({"step": "closure"}),
        )
        .await;
    let approval = again.json()["id"].as_str().expect("id").to_owned();
    // The coordinator sees it waiting, returns it: a comment is required.
    let waiting = chief.get(&format!("/cases/{case}/approvals")).await;
    assert_eq!(waiting.status, StatusCode::OK);
    assert_eq!(
        waiting.body.matches("name=\"approval_id\"").count(),
        1,
        "one request"
    );
    assert!(waiting.body.contains("&#60;script&#62;"), "escaped");
    let decide = format!("/cases/{case}/approvals/decide");
    // First a confirmation page: nothing decided yet.
    let confirm = chief
        .post_page(
            &decide,
            &[
                ("approval_id", &approval),
                ("decision", "return"),
                ("comment", ""),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(
        confirm.body.contains("name=\"confirmed\""),
        "asks to confirm"
    );
    let no_comment = chief
        .post_page(
            &decide,
            &[
                ("approval_id", &approval),
                ("decision", "return"),
                ("comment", " "),
                ("version", "1"),
                ("confirmed", "1"),
            ],
        )
        .await;
    assert_eq!(no_comment.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_comment.body.contains("التعليق"), "names the comment");
    let returned = chief
        .post_page(
            &decide,
            &[
                ("approval_id", &approval),
                ("decision", "return"),
                ("comment", "أرفق تقرير الزيارة"),
                ("version", "1"),
                ("confirmed", "1"),
            ],
        )
        .await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER, "{}", returned.body);
    // Deciding it again on the version read is stale.
    let stale = chief
        .post_page(
            &decide,
            &[
                ("approval_id", &approval),
                ("decision", "approve"),
                ("comment", "x"),
                ("version", "1"),
                ("confirmed", "1"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(
        amal.move_case(&case, "closed", Some("reintegrated"))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a returned request approves nothing"
    );
    // Asked again, approved: the closure goes through once.
    let second = amal
        .post(
            &format!("/api/v1/cases/{case}/approvals"),
            &json!({"step": "closure", "comment": "أُرفق التقرير"}),
        )
        .await;
    let second = second.json()["id"].as_str().expect("id").to_owned();
    assert_ne!(second, approval);
    let approved = chief
        .post(
            &format!("/api/v1/cases/{case}/approvals/decide"),
            &json!({"approval_id": second, "decision": "approve", "comment": "موافق"}),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    let closed = amal.move_case(&case, "closed", Some("reintegrated")).await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    // Reopened and closed again: the approval was used, a new one is needed.
    assert_eq!(
        amal.move_case(&case, "care", None).await.status,
        StatusCode::OK,
        "reopened"
    );
    assert_eq!(
        amal.move_case(&case, "closed", Some("reintegrated"))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Comments and decisions are on the timeline.
    let page = amal.get(&format!("/cases/{case}")).await;
    for said in [
        "طُلبت الموافقة",
        "أُرجع الطلب",
        "أرفق تقرير الزيارة",
        "تمت الموافقة",
        "موافق",
    ] {
        assert!(page.body.contains(said), "{said} on the timeline");
    }
    app.finish().await;
}
on_each_backend!(a_closure_waits_for_the_coordinators_approval_and_both_comment);

async fn approvals_are_refused_to_other_roles_provinces_and_unasked_steps(backend: Backend) {
    let app = rabat(backend).await;
    let amal = app
        .signed_in("amal", "rabat-centre", &[Role::CaseWorker])
        .await;
    let case = rabat_case(&amal).await;
    let asked = amal
        .post(
            &format!("/api/v1/cases/{case}/approvals"),
            &json!({"step": "case_plan"}),
        )
        .await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.body);
    let id = asked.json()["id"].as_str().expect("id").to_owned();
    // A step that does not exist is a wrong field; the worker may not decide.
    let bogus = amal
        .post(
            &format!("/api/v1/cases/{case}/approvals"),
            &json!({"step": "إغلاق"}),
        )
        .await;
    assert_eq!(bogus.status, StatusCode::UNPROCESSABLE_ENTITY);
    let decide = json!({"approval_id": id, "decision": "approve", "comment": "x"});
    let path = format!("/api/v1/cases/{case}/approvals/decide");
    assert_eq!(
        amal.post(&path, &decide).await.status,
        StatusCode::FORBIDDEN
    );
    // Salé's coordinator does not find Rabat's case.
    let sale_chief = app
        .signed_in("salechief", "sale-centre", &[Role::Coordinator])
        .await;
    assert_eq!(
        sale_chief.post(&path, &decide).await.status,
        StatusCode::NOT_FOUND
    );
    // Salé asks to approve nothing: its cases close as before, and no step is offered.
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let sale_case = crate::journeys::sale_case(&nadia, "ليلى").await;
    let unasked = nadia
        .post(
            &format!("/api/v1/cases/{sale_case}/approvals"),
            &json!({"step": "closure"}),
        )
        .await;
    assert_eq!(unasked.status, StatusCode::UNPROCESSABLE_ENTITY);
    let closed = nadia
        .move_case(&sale_case, "closed", Some("reintegrated"))
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    // Still waiting: nothing was decided by the refused calls.
    let chief = app
        .signed_in("chief", "rabat-centre", &[Role::Coordinator])
        .await;
    let page = chief.get(&format!("/cases/{case}/approvals")).await;
    assert!(page.body.contains(&id));
    app.finish().await;
}
on_each_backend!(approvals_are_refused_to_other_roles_provinces_and_unasked_steps);
