//! Break-glass: another province's record opens only with a written justification,
//! for a few hours, audited, and the province's coordinator is told.

use crate::support::{Backend, TestApp, on_each_backend};
use awladna_domain::access::Role;
use awladna_store::audit::AuditFilter;
use axum::http::StatusCode;
use jiff::SignedDuration;
use serde_json::json;

async fn another_provinces_record_opens_only_with_a_justification(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    let nadia = app
        .user("nadia", "sale-centre", &[Role::CaseWorker], true)
        .await;
    let coordinator = app
        .user("bennani", "sale-centre", &[Role::Coordinator], true)
        .await;
    let rabat = app
        .user("rabat.worker", "rabat-centre", &[Role::CaseWorker], true)
        .await;
    let (nadia_cookie, nadia_csrf) = app.session(&nadia).await;
    let report = json!({
        "source": "police", "received_at": "2026-11-23T07:00:00Z", "territory": "sale",
        "child": {"first_name": "Zineb", "sex": "female", "age_years": 14}, "concerns": ["neglect"], "urgency": "high"
    });
    let nadia_headers = [
        ("cookie", nadia_cookie.as_str()),
        ("x-csrf-token", nadia_csrf.as_str()),
    ];
    let id = app
        .post_json("/api/v1/reports", &nadia_headers, &report)
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let case = app
        .post_json(
            &format!("/api/v1/reports/{id}/triage"),
            &nadia_headers,
            &json!({"new_child": true}),
        )
        .await
        .json()["case_id"]
        .as_str()
        .expect("case")
        .to_owned();

    let (cookie, csrf) = app.session(&rabat).await;
    let headers = [("cookie", cookie.as_str()), ("x-csrf-token", csrf.as_str())];
    let path = format!("/api/v1/reports/{id}");
    assert_eq!(
        app.get_with(&path, &[("cookie", &cookie)]).await.status,
        StatusCode::NOT_FOUND
    );
    let short = app
        .post_json(
            "/api/v1/break-glass",
            &headers,
            &json!({"record_kind": "report", "record_id": id, "justification": "urgent"}),
        )
        .await;
    assert_eq!(
        short.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a real justification is required"
    );
    let own = app
        .post_json(
            "/api/v1/break-glass",
            &nadia_headers,
            &json!({"record_kind": "report", "record_id": id, "justification": "x".repeat(30)}),
        )
        .await;
    assert_eq!(
        own.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no glass to break in one's own province"
    );
    let why = "الطفلة انتقلت إلى الرباط ليلة أمس، وتحتاج إلى تكفل طبي عاجل";
    let granted = app
        .post_json(
            "/api/v1/break-glass",
            &headers,
            &json!({"record_kind": "report", "record_id": id, "justification": why}),
        )
        .await;
    assert_eq!(granted.status, StatusCode::CREATED, "{}", granted.body);
    let read = app.get_with(&path, &[("cookie", &cookie)]).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.json()["values"]["child.first_name"], "Zineb");
    assert_eq!(
        app.get_with(&format!("/api/v1/cases/{case}"), &[("cookie", &cookie)])
            .await
            .status,
        StatusCode::NOT_FOUND,
        "the grant is for the report only"
    );

    let entries = app
        .store
        .audit_entries(
            &AuditFilter {
                record_id: Some(id.clone()),
                ..Default::default()
            },
            20,
            0,
        )
        .await
        .expect("audit");
    assert!(
        entries.iter().any(|e| e.entry.action == "break_glass"
            && e.entry.actor.as_deref() == Some(rabat.id.as_str()))
    );
    assert!(
        !format!(
            "{:?}",
            entries.iter().map(|e| &e.entry.detail).collect::<Vec<_>>()
        )
        .contains("الرباط"),
        "the justification is not in the log"
    );
    let (coordinator_cookie, _) = app.session(&coordinator).await;
    let alerts = app
        .get_with("/api/v1/alerts", &[("cookie", &coordinator_cookie)])
        .await;
    assert_eq!(alerts.status, StatusCode::OK);
    assert!(
        alerts.json().as_array().is_some_and(|a| a
            .iter()
            .any(|x| x["kind"] == "break_glass" && x["record_id"] == id.as_str())),
        "{}",
        alerts.body
    );
    assert_eq!(
        app.get_with("/api/v1/alerts", &[("cookie", &nadia_cookie)])
            .await
            .status,
        StatusCode::FORBIDDEN,
        "alerts are the coordinator's"
    );

    app.clock.advance(SignedDuration::from_hours(5));
    let (later, _) = app.session(&rabat).await;
    assert_eq!(
        app.get_with(&path, &[("cookie", &later)]).await.status,
        StatusCode::NOT_FOUND,
        "the grant has expired"
    );
    app.finish().await;
}
on_each_backend!(another_provinces_record_opens_only_with_a_justification);
