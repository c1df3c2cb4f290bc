//! The toolkit library and the guide (issue 15 §3): the ministry publishes versioned
//! documents (a new version keeps the old), the public ones are listed on the help pages
//! without an account, the rest only for the mechanism's people; a stale version, a wrong
//! role and hostile text are refused or made harmless; the guide answers the "?".

use crate::support::{Backend, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn ok(answer: crate::support::Answer) -> Value {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()
}

async fn documents_are_versioned_and_the_public_ones_listed(backend: Backend) {
    let app = TestApp::start(backend).await;
    crate::training::setup(&app).await;
    let national = app
        .signed_in("ministry", "ministry", &[Role::NationalAnalyst])
        .await;
    let worker = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;

    let guide = json!({
        "kind": "guide", "language": "ar", "audience": "families", "title": "دليل الأسر: كيف تحمي طفلك",
        "summary": "أين تتوجه الأسرة", "body": "# متى تتصل بالرقم 2511\n\nعند كل خطر.\n\n<script>alert(1)</script>",
        "valid_from": "2026-01-01", "public": "true"
    });
    let created = national.post("/api/v1/library", &guide).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let series = created.json()["series"].as_str().unwrap().to_owned();
    let internal = national.post("/api/v1/library", &json!({
        "kind": "model_decision", "language": "fr", "audience": "committees", "title": "Modèle d'arrêté de création du comité",
        "body": "Article 1 …", "valid_from": "2026-01-01"
    })).await;
    assert_eq!(internal.status, StatusCode::CREATED, "{}", internal.body);
    let internal_series = internal.json()["series"].as_str().unwrap().to_owned();

    // A new version keeps the old; a stale one is refused.
    let mut v2 = guide.clone();
    v2["version"] = json!(1);
    v2["body"] = json!("# متى تتصل بالرقم 2511\n\nعند كل خطر، ليلًا ونهارًا.");
    let second = national
        .post(&format!("/api/v1/library/{series}"), &v2)
        .await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);
    assert_eq!(second.json()["version"], 2);
    let stale = national
        .post(&format!("/api/v1/library/{series}"), &v2)
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let versions = ok(worker.get(&format!("/api/v1/library/{series}")).await);
    assert_eq!(versions.as_array().unwrap().len(), 2);
    assert_eq!(versions[1]["version_no"], 1);

    // Wrong role, malformed and hostile input.
    assert_eq!(
        worker.post("/api/v1/library", &guide).await.status,
        StatusCode::FORBIDDEN
    );
    let bad = national
        .post("/api/v1/library", &json!({"kind": "poster", "language": "de", "title": "a\u{202E}b", "valid_from": "2026-02-30", "valid_to": "2025-01-01"}))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let fields: Vec<String> = bad.json()["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect();
    for f in [
        "kind",
        "language",
        "audience",
        "title",
        "body",
        "valid_from",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
    }

    // The public help pages list the public document only, its script made text.
    let public = app.get("/help/library").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("دليل الأسر"));
    assert!(!public.body.contains("Modèle d"));
    let page = app.get(&format!("/help/library/{series}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("ليلًا ونهارًا"));
    assert!(!page.body.contains("<script>alert"));
    assert_eq!(
        app.get(&format!("/help/library/{internal_series}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ok(app.get("/api/v1/library/public").await)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The mechanism's people read both.
    let inside = worker.get("/library").await;
    assert!(inside.body.contains("Modèle d") && inside.body.contains("دليل الأسر"));

    // The guide answers the "?" of a page, in the reader's language, with their role.
    let coordinator = app
        .signed_in("coord", "sale-centre", &[Role::Coordinator])
        .await;
    let help = coordinator
        .get("/guide?page=%2Ftraining%2Fsessions%2Fx")
        .await;
    assert_eq!(help.status, StatusCode::OK);
    assert!(help.body.contains("تنظيم دورة"), "{}", help.body);
    assert!(help.body.contains("topic=role-coordinator"));
    assert!(
        coordinator
            .get("/training")
            .await
            .body
            .contains("/guide?page=")
    );
    app.finish().await;
}
on_each_backend!(documents_are_versioned_and_the_public_ones_listed);
