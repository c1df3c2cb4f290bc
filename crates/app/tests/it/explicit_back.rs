//! A step back is asked for as one (issue 18, defect 5, on the server): a move to an
//! earlier stage without the explicit `back` is refused with a message that says which
//! form to use, on the page and through the API; forward moves stay as they were.

use crate::support::{Backend, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::json;

async fn a_step_back_must_be_asked_for_as_one(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let case = crate::journeys::sale_case(&nadia, "سلمى").await;
    for to in ["immediate_assistance", "initial_diagnosis"] {
        let moved = nadia.move_case(&case, to, None).await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    }
    let transitions = format!("/api/v1/cases/{case}/transitions");
    // The API: a backward move without `back` is refused, and says what to do.
    let implicit = nadia
        .post(
            &transitions,
            &json!({"to": "immediate_assistance", "reason": "انتكاس"}),
        )
        .await;
    assert_eq!(implicit.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(implicit.json()["error"]["reason"], "back_not_explicit");
    assert!(implicit.body.contains("إرجاع الملف إلى المرحلة السابقة"));
    // `back` on a forward move is refused too: a step back cannot go forward.
    let forward_as_back = nadia
        .post(
            &transitions,
            &json!({"to": "care", "reason": "x", "back": true}),
        )
        .await;
    assert_eq!(forward_as_back.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(forward_as_back.json()["error"]["reason"], "not_back");
    // Nothing moved: the case is still at the diagnosis, version unchanged.
    let shown = nadia.get(&format!("/api/v1/cases/{case}")).await.json();
    assert_eq!(shown["stage"], "initial_diagnosis");
    let version = shown["version"].as_i64().expect("version");

    // The page: the main form's post of an earlier stage is refused with the message,
    // the reason typed kept on nothing (the case did not move).
    let path = format!("/cases/{case}/move");
    let page = nadia
        .post_page(
            &path,
            &[
                ("to", "immediate_assistance"),
                ("reason", "<script>x</script> انتكاس"),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.body.contains("إرجاع الملف إلى المرحلة السابقة"));
    assert!(!page.body.contains("<script>x</script>"));
    // The explicit form goes back, with its reason on the timeline.
    let back = nadia
        .post_page(
            &path,
            &[
                ("to", "immediate_assistance"),
                ("reason", "انتكاس: عاد الطفل إلى الشارع"),
                ("back", "1"),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    let shown = nadia.get(&format!("/api/v1/cases/{case}")).await.json();
    assert_eq!(shown["stage"], "immediate_assistance");
    // The same explicit step back on the stale version is refused, not applied twice.
    let stale = nadia
        .post_page(
            &path,
            &[
                ("to", "detection"),
                ("reason", "مرة ثانية"),
                ("back", "1"),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    let shown = nadia.get(&format!("/api/v1/cases/{case}")).await.json();
    assert_eq!(shown["stage"], "immediate_assistance");
    // Forward stays as it was: no `back`, the next stage.
    let forward = nadia.move_case(&case, "initial_diagnosis", None).await;
    assert_eq!(forward.status, StatusCode::OK, "{}", forward.body);
    // The API's explicit step back.
    let api_back = nadia
        .post(
            &transitions,
            &json!({"to": "immediate_assistance", "reason": "انتكاس", "back": true}),
        )
        .await;
    assert_eq!(api_back.status, StatusCode::OK, "{}", api_back.body);
    // Someone who may not move cases cannot step back either, nor a worker elsewhere.
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    let focal = app
        .signed_in("focal", "sale-centre", &[Role::FocalPoint])
        .await;
    let rabat = app
        .signed_in("rabat", "rabat-centre", &[Role::CaseWorker])
        .await;
    for other in [&focal, &rabat] {
        let refused = other
            .post(
                &transitions,
                &json!({"to": "detection", "reason": "x", "back": true}),
            )
            .await;
        assert!(
            refused.status == StatusCode::FORBIDDEN || refused.status == StatusCode::NOT_FOUND,
            "{}",
            refused.status
        );
    }
    let shown = nadia.get(&format!("/api/v1/cases/{case}")).await.json();
    assert_eq!(shown["stage"], "immediate_assistance");
    app.finish().await;
}
on_each_backend!(a_step_back_must_be_asked_for_as_one);
