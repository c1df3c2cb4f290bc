//! Reporting cards through the API: recorded, sealed, read back by those allowed,
//! stored once however often a request is retried.

use crate::support::{Backend, TestApp, on_each_backend};
use awladna_domain::access::Role;
use awladna_store::audit::AuditFilter;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn report() -> Value {
    json!({
        "source": "school",
        "received_at": "2026-11-23T08:30:00Z",
        "territory": "sale",
        "child": {"first_name": "Ouafaeuniq", "last_name": "بنسليمانتجربة", "sex": "female", "age_years": 9},
        "concerns": ["physical_violence"],
        "urgency": "high",
        "narrative": "<script>alert('x')</script> رواية"
    })
}

struct World {
    app: TestApp,
    nadia: (String, String),
}

async fn world(backend: Backend) -> World {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let nadia = app
        .user("nadia", "sale-centre", &[Role::CaseWorker], true)
        .await;
    let nadia = app.session(&nadia).await;
    World { app, nadia }
}

impl World {
    async fn post(
        &self,
        session: &(String, String),
        path: &str,
        body: &Value,
        extra: &[(&str, &str)],
    ) -> crate::support::Answer {
        self.app.post_as(session, path, body, extra).await
    }
}

async fn a_report_is_recorded_sealed_and_read_back(backend: Backend) {
    let w = world(backend).await;
    let created = w.post(&w.nadia, "/api/v1/reports", &report(), &[]).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_str().expect("id").to_owned();
    assert_eq!(created.json()["complete"], true);

    let read = w
        .app
        .get_with(&format!("/api/v1/reports/{id}"), &[("cookie", &w.nadia.0)])
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    let values = &read.json()["values"];
    assert_eq!(values["child.first_name"], "Ouafaeuniq");
    assert_eq!(values["child.last_name"], "بنسليمانتجربة");
    assert_eq!(
        values["narrative"], "<script>alert('x')</script> رواية",
        "stored as text"
    );
    assert_eq!(values["concerns"], json!(["physical_violence"]));

    let stored: (String, Option<Vec<u8>>) =
        sqlx::query_as("SELECT data, sealed FROM cards WHERE id = $1")
            .bind(&id)
            .fetch_one(w.app.store.pool_for_tests())
            .await
            .expect("row");
    assert!(
        !stored.0.contains("Ouafaeuniq") && !stored.0.contains("narrative"),
        "personal values are not in clear: {}",
        stored.0
    );
    assert!(
        stored
            .1
            .is_some_and(|s| !String::from_utf8_lossy(&s).contains("Ouafaeuniq"))
    );

    let entries = w
        .app
        .store
        .audit_entries(
            &AuditFilter {
                record_id: Some(id.clone()),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .expect("audit");
    let actions: Vec<&str> = entries.iter().map(|e| e.entry.action.as_str()).collect();
    assert_eq!(actions, ["report.read", "report.created"]);
    w.app.finish().await;
}
on_each_backend!(a_report_is_recorded_sealed_and_read_back);

async fn a_retried_request_is_stored_once(backend: Backend) {
    let w = world(backend).await;
    let key = [("idempotency-key", "intake-2026-11-23-0001")];
    let first = w.post(&w.nadia, "/api/v1/reports", &report(), &key).await;
    let again = w.post(&w.nadia, "/api/v1/reports", &report(), &key).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(first.json()["id"], again.json()["id"]);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cards")
        .fetch_one(w.app.store.pool_for_tests())
        .await
        .expect("count");
    assert_eq!(count, 1);
    let other = w
        .post(
            &w.nadia,
            "/api/v1/reports",
            &report(),
            &[("idempotency-key", "another")],
        )
        .await;
    assert_ne!(other.json()["id"], first.json()["id"]);
    let long = "k".repeat(201);
    let bad = w
        .post(
            &w.nadia,
            "/api/v1/reports",
            &report(),
            &[("idempotency-key", &long)],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    w.app.finish().await;
}
on_each_backend!(a_retried_request_is_stored_once);

async fn drafts_may_be_partial_complete_cards_may_not(backend: Backend) {
    let w = world(backend).await;
    let partial = json!({"child": {"sex": "male"}, "narrative": "بلاغ هاتفي، سيتم استكماله"});
    let refused = w
        .post(
            &w.nadia,
            "/api/v1/reports",
            &partial,
            &[("accept-language", "fr")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("Ce champ est obligatoire"),
        "{}",
        refused.body
    );
    let draft = w
        .post(&w.nadia, "/api/v1/reports?draft=true", &partial, &[])
        .await;
    assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.body);
    assert_eq!(draft.json()["complete"], false);
    let id = draft.json()["id"].as_str().expect("id").to_owned();
    let read = w
        .app
        .get_with(&format!("/api/v1/reports/{id}"), &[("cookie", &w.nadia.0)])
        .await;
    assert_eq!(
        read.json()["territory"],
        "sale",
        "a draft without territory is recorded in the author's"
    );
    let hostile = w
        .post(
            &w.nadia,
            "/api/v1/reports?draft=true",
            &json!({"child": {"sex": "'; DROP TABLE cards;--"}}),
            &[],
        )
        .await;
    assert_eq!(hostile.status, StatusCode::UNPROCESSABLE_ENTITY);
    w.app.finish().await;
}
on_each_backend!(drafts_may_be_partial_complete_cards_may_not);

async fn only_those_allowed_read_a_report(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    let id = w
        .post(&w.nadia, "/api/v1/reports", &report(), &[])
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    app.organisation("sale-hospital", "health", Some("sale"))
        .await;
    app.organisation("ministry", "family_solidarity", None)
        .await;
    let rabat = app
        .user("rabat.worker", "rabat-centre", &[Role::CaseWorker], true)
        .await;
    let doctor = app
        .user("dr.karim", "sale-hospital", &[Role::FocalPoint], true)
        .await;
    let analyst = app
        .user("analyst", "ministry", &[Role::NationalAnalyst], false)
        .await;
    let path = format!("/api/v1/reports/{id}");
    let rabat_session = app.session(&rabat).await;
    assert_eq!(
        app.get_with(&path, &[("cookie", &rabat_session.0)])
            .await
            .status,
        StatusCode::NOT_FOUND,
        "another province: not found"
    );
    let doctor_session = app.session(&doctor).await;
    assert_eq!(
        app.get_with(&path, &[("cookie", &doctor_session.0)])
            .await
            .status,
        StatusCode::NOT_FOUND,
        "another service's card"
    );
    let analyst_session = app.session(&analyst).await;
    let national = app.get_with(&path, &[("cookie", &analyst_session.0)]).await;
    assert_eq!(
        national.status,
        StatusCode::FORBIDDEN,
        "national roles never see identities"
    );
    assert!(!national.body.contains("Ouafaeuniq"));
    let other_province = w
        .post(&rabat_session, "/api/v1/reports", &report(), &[])
        .await;
    assert_eq!(
        other_province.status,
        StatusCode::FORBIDDEN,
        "a Rabat worker cannot record for Salé"
    );
    // The hospital's focal point reads the cards its own service recorded.
    let own = w
        .post(&doctor_session, "/api/v1/reports", &report(), &[])
        .await;
    let own_id = own.json()["id"].as_str().expect("id").to_owned();
    assert_eq!(
        app.get_with(
            &format!("/api/v1/reports/{own_id}"),
            &[("cookie", &doctor_session.0)]
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get_with("/api/v1/reports/not-an-id", &[("cookie", &w.nadia.0)])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    w.app.finish().await;
}
on_each_backend!(only_those_allowed_read_a_report);

async fn the_2511_intake_records_with_its_token(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    app.organisation("observatory", "observatory", None).await;
    let token = awladna_crypto::new_token("awl_t_");
    let mut tx = app.store.begin().await.expect("begin");
    tx.add_token(
        "intake",
        &awladna_crypto::hash_token(&token),
        "observatory",
        "intake",
        app.now_ms(),
    )
    .await
    .expect("token");
    tx.audit(crate::support::test_entry(app.now_ms(), "token.created"))
        .await
        .expect("audit");
    tx.commit().await.expect("commit");
    let bearer = format!("Bearer {token}");
    let mut from_2511 = report();
    from_2511["source"] = json!("line_2511");
    let created = app
        .post_json(
            "/api/v1/reports",
            &[("authorization", &bearer), ("idempotency-key", "call-778")],
            &from_2511,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_str().expect("id").to_owned();
    assert_eq!(
        app.get_with(
            &format!("/api/v1/reports/{id}"),
            &[("authorization", &bearer)]
        )
        .await
        .status,
        StatusCode::FORBIDDEN,
        "the intake records, it does not read"
    );
    assert_eq!(
        app.get_with(&format!("/api/v1/reports/{id}"), &[("cookie", &w.nadia.0)])
            .await
            .status,
        StatusCode::OK,
        "Salé's worker reads it"
    );
    w.app.finish().await;
}
on_each_backend!(the_2511_intake_records_with_its_token);

async fn the_quick_capture_saves_a_card_from_the_web_page(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    let cookie = [("cookie", w.nadia.0.as_str())];
    let page = app.get_with("/reports/new", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("action=\"/reports/new\"")
            && page.body.contains("value=\"sale\" selected"),
        "the user's province is preselected"
    );
    let csrf = w.nadia.1.as_str();
    let missing = app
        .post_form(
            "/reports/new",
            &cookie,
            &[
                ("_csrf", csrf),
                ("source", "police"),
                ("narrative", "وفاء <b>x</b>"),
                ("_action", "complete"),
            ],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing.body.contains("هذه الخانة إجبارية")
            && missing.body.contains("وفاء &#60;b&#62;x&#60;/b&#62;"),
        "errors shown, text kept"
    );
    let saved = app
        .post_form(
            "/reports/new",
            &cookie,
            &[
                ("_csrf", csrf),
                ("source", "police"),
                ("received_at", "2026-11-23T10:15"),
                ("territory", "sale"),
                ("child.sex", "male"),
                ("child.first_name", "حمزة"),
                ("concerns", "neglect"),
                ("urgency", "medium"),
                ("narrative", "<i>x</i>"),
                ("_action", "complete"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let location = saved.header("location").to_owned();
    assert!(location.starts_with("/reports/"));
    let shown = app.get_with(&location, &cookie).await;
    assert_eq!(shown.status, StatusCode::OK);
    for expected in [
        "حمزة",
        "الشرطة",
        "الإهمال",
        "سلا",
        "2026-11-23 10:15",
        "&#60;i&#62;x&#60;/i&#62;",
    ] {
        assert!(shown.body.contains(expected), "missing {expected}");
    }
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    let rabat = app
        .user("rabat.worker", "rabat-centre", &[Role::CaseWorker], true)
        .await;
    let (rabat_cookie, _) = app.session(&rabat).await;
    assert_eq!(
        app.get_with(&location, &[("cookie", &rabat_cookie)])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    w.app.finish().await;
}
on_each_backend!(the_quick_capture_saves_a_card_from_the_web_page);
