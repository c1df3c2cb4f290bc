//! The JSON API of the foundation: health, reference data, forms.

use crate::support::{Backend, TestApp, on_each_backend};
use axum::http::StatusCode;
use serde_json::json;

async fn health_follows_the_database(backend: Backend) {
    let app = TestApp::start(backend).await;
    let ok = app.get("/healthz").await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.json()["status"], "ok");
    app.store.close().await;
    let down = app.get("/healthz").await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(down.json()["status"], "unavailable");
    app.db.finish().await;
}
on_each_backend!(health_follows_the_database);

async fn territories_are_public_reference_data(backend: Backend) {
    let app = TestApp::start(backend).await;
    let answer = app.get("/api/v1/reference/territories").await;
    assert_eq!(answer.status, StatusCode::OK);
    let list = answer.json();
    let list = list.as_array().expect("a list");
    assert_eq!(list.len(), 95);
    let sale = list.iter().find(|t| t["code"] == "sale").expect("Salé");
    for key in ["code", "kind", "parent_code", "name_ar", "name_fr", "wave"] {
        assert!(sale.get(key).is_some(), "missing {key}");
    }
    assert_eq!(sale["name_ar"], "سلا");
    assert_eq!(sale["kind"], "prefecture");
    assert_eq!(sale["parent_code"], "rabat-sale-kenitra");
    assert_eq!(sale["wave"], 1);
    let communes = app
        .get("/api/v1/reference/territories/sale/communes")
        .await
        .json();
    assert!(
        communes
            .as_array()
            .is_some_and(|c| !c.is_empty() && c.iter().all(|c| c["territory_code"] == "sale"))
    );
    assert_eq!(
        app.get("/api/v1/reference/territories/atlantis/communes")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    app.finish().await;
}
on_each_backend!(territories_are_public_reference_data);

async fn vocabularies_have_codes_and_three_languages(backend: Backend) {
    let app = TestApp::start(backend).await;
    let index = app.get("/api/v1/reference").await.json();
    let codes: Vec<&str> = index
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|v| v["code"].as_str())
        .collect();
    for code in [
        "sectors",
        "stages",
        "target_groups",
        "concerns",
        "sources",
        "territories",
    ] {
        assert!(codes.contains(&code), "{code} not listed in {codes:?}");
    }
    let sources = app.get("/api/v1/reference/sources").await.json();
    let terms: Vec<&str> = sources["terms"]
        .as_array()
        .expect("terms")
        .iter()
        .filter_map(|t| t["code"].as_str())
        .collect();
    assert_eq!(
        terms,
        [
            "line_2511",
            "e_platform",
            "mobile_team",
            "listening_cell",
            "school",
            "health_facility",
            "police",
            "gendarmerie",
            "prosecutor",
            "association",
            "family",
            "neighbour",
            "child",
            "other"
        ]
    );
    for term in sources["terms"].as_array().expect("terms") {
        for lang in ["ar", "fr", "en"] {
            assert!(
                term[lang].as_str().is_some_and(|l| !l.is_empty()),
                "{term} lacks {lang}"
            );
        }
    }
    let sectors = app.get("/api/v1/reference/sectors").await.json();
    assert!(sectors["terms"].as_array().is_some_and(|t| t.len() >= 13));
    let stages = app.get("/api/v1/reference/stages").await.json();
    let stage_codes: Vec<&str> = stages["terms"]
        .as_array()
        .expect("terms")
        .iter()
        .filter_map(|t| t["code"].as_str())
        .collect();
    assert_eq!(
        &stage_codes[..6],
        [
            "detection",
            "immediate_assistance",
            "initial_diagnosis",
            "care",
            "reintegration",
            "follow_up"
        ]
    );
    app.finish().await;
}
on_each_backend!(vocabularies_have_codes_and_three_languages);

async fn unknown_things_answer_404_in_the_users_language(backend: Backend) {
    let app = TestApp::start(backend).await;
    let arabic = app.get("/api/v1/reference/planets").await;
    assert_eq!(arabic.status, StatusCode::NOT_FOUND);
    assert_eq!(arabic.json()["error"]["code"], "not_found");
    assert!(
        arabic.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("لا يوجد"))
    );
    let french = app
        .get_with(
            "/api/v1/nothing/here",
            &[("accept-language", "fr-MA,fr;q=0.9")],
        )
        .await;
    assert_eq!(french.status, StatusCode::NOT_FOUND);
    assert!(
        french.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Il n'y a rien"))
    );
    app.finish().await;
}
on_each_backend!(unknown_things_answer_404_in_the_users_language);

async fn forms_are_documented_from_their_definition(backend: Backend) {
    let app = TestApp::start(backend).await;
    let list = app.get("/api/v1/forms").await.json();
    assert!(
        list.as_array()
            .is_some_and(|l| l.iter().any(|f| f["code"] == "report" && f["version"] == 1))
    );
    let report = app.get("/api/v1/forms/report").await.json();
    let fields: Vec<&serde_json::Value> = report["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .flat_map(|s| s["fields"].as_array().expect("fields"))
        .collect();
    let field = |code: &str| {
        *fields
            .iter()
            .find(|f| f["code"] == code)
            .unwrap_or_else(|| panic!("no field {code}"))
    };
    for code in [
        "source",
        "received_at",
        "territory",
        "child.first_name",
        "child.last_name",
        "child.sex",
        "child.birth_date",
        "child.age_years",
        "concerns",
        "urgency",
        "narrative",
    ] {
        field(code);
    }
    assert_eq!(field("child.first_name")["personal"], true);
    assert_eq!(field("narrative")["personal"], true);
    assert_eq!(field("author.relation")["personal"], true);
    assert_eq!(field("source")["statistics"], true);
    assert_eq!(field("concerns")["vocabulary"], "concerns");
    assert_eq!(
        app.get("/api/v1/forms/report?version=1").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/forms/report?version=9").await.status,
        StatusCode::NOT_FOUND
    );
    app.finish().await;
}
on_each_backend!(forms_are_documented_from_their_definition);

async fn a_submission_is_checked_field_by_field(backend: Backend) {
    let app = TestApp::start(backend).await;
    let good = json!({
        "source": "school", "received_at": "2026-11-23T08:00:00Z", "territory": "sale",
        "child": {"sex": "male", "age_years": 9, "first_name": "<b>Hamza</b>'); DROP TABLE cards;--"},
        "concerns": ["neglect"], "urgency": "medium", "narrative": "«وقع له حادث» <script>alert(1)</script>"
    });
    let ok = app
        .post_json("/api/v1/forms/report/check", &[], &good)
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.json()["complete"], true);

    let bad = json!({"source": "pigeon", "child": {"age_years": 25}, "territory": "sale", "shoe_size": 3});
    let answer = app
        .post_json(
            "/api/v1/forms/report/check",
            &[("accept-language", "fr")],
            &bad,
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = answer.json();
    let message = |field: &str| {
        body["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .find(|f| f["field"] == field)
            .map(|f| f["message"].as_str().unwrap_or("").to_owned())
    };
    assert_eq!(
        message("source").as_deref(),
        Some("Choisissez l'une des options proposées.")
    );
    assert_eq!(
        message("child.age_years").as_deref(),
        Some("Saisissez un nombre de \u{2068}0\u{2069} à \u{2068}17\u{2069}.")
    );
    assert_eq!(
        message("urgency").as_deref(),
        Some("Ce champ est obligatoire.")
    );
    assert!(message("shoe_size").is_some());

    let draft = app
        .post_json(
            "/api/v1/forms/report/check?draft=true",
            &[],
            &json!({"child.sex": "female"}),
        )
        .await;
    assert_eq!(draft.status, StatusCode::OK);
    assert_eq!(draft.json()["complete"], false);

    let arabic_error = app
        .post_json(
            "/api/v1/forms/report/check",
            &[],
            &json!({"child": {"sex": "قطة"}}),
        )
        .await;
    assert_eq!(arabic_error.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(arabic_error.body.contains("اختاروا أحد الاختيارات المعروضة"));
    app.finish().await;
}
on_each_backend!(a_submission_is_checked_field_by_field);

async fn malformed_bodies_get_a_clear_answer(backend: Backend) {
    let app = TestApp::start(backend).await;
    let broken = app
        .request(
            axum::http::Method::POST,
            "/api/v1/forms/report/check",
            &[("content-type", "application/json")],
            axum::body::Body::from("{\"source\": "),
        )
        .await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert_eq!(broken.json()["error"]["code"], "bad_json");
    let not_object = app
        .post_json("/api/v1/forms/report/check", &[], &json!(["a", "list"]))
        .await;
    assert_eq!(not_object.status, StatusCode::UNPROCESSABLE_ENTITY);
    let huge = "x".repeat(300 * 1024);
    let too_big = app
        .post_json(
            "/api/v1/forms/report/check",
            &[],
            &json!({ "narrative": huge }),
        )
        .await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    app.finish().await;
}
on_each_backend!(malformed_bodies_get_a_clear_answer);

async fn every_answer_carries_security_headers(backend: Backend) {
    let app = TestApp::start(backend).await;
    for path in [
        "/",
        "/api/v1/reference",
        "/assets/style.css",
        "/nowhere",
        "/healthz",
    ] {
        let answer = app.get(path).await;
        let csp = answer.header("content-security-policy");
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(answer.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(answer.header("referrer-policy"), "no-referrer", "{path}");
    }
    app.finish().await;
}
on_each_backend!(every_answer_carries_security_headers);

async fn a_fault_of_ours_answers_500_with_an_operation_id(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("ministry", "family_solidarity", None)
        .await;
    let analyst = app
        .user(
            "analyst",
            "ministry",
            &[awladna_domain::access::Role::NationalAnalyst],
            false,
        )
        .await;
    let (cookie, _) = app.session(&analyst).await;
    app.store.close().await;
    let page = app.get_with("/account", &[("cookie", &cookie)]).await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(page.body.contains("رقم العملية"), "{}", page.body);
    let api = app
        .get_with(
            "/api/v1/reference",
            &[("cookie", &cookie), ("accept-language", "en")],
        )
        .await;
    assert_eq!(api.status, StatusCode::INTERNAL_SERVER_ERROR);
    let body = api.json();
    assert!(
        body["error"]["operation"]
            .as_str()
            .is_some_and(|op| op.len() >= 8),
        "{body}"
    );
    assert!(
        !api.body.contains("pool") && !api.body.contains("sqlx"),
        "no database text reaches the client: {}",
        api.body
    );
    app.db.finish().await;
}
on_each_backend!(a_fault_of_ours_answers_500_with_an_operation_id);
