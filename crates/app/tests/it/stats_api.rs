//! The statistics API and dashboard: a province reads its own figures whole; the
//! ministry reads them with small counts hidden; other provinces, bad periods and
//! hostile parameters are refused with a sentence.

use crate::support::{Backend, Signed, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn report(worker: &Signed<'_>, territory: &str, sex: &str, age: i64) {
    let answer = worker
        .post(
            "/api/v1/reports",
            &json!({
                "source": "school", "received_at": "2026-11-20T09:00:00Z", "territory": territory,
                "child": {"first_name": "سلمى", "last_name": "الإدريسي", "sex": sex, "age_years": age},
                "concerns": ["physical_violence"], "urgency": "medium"
            }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
}

fn row<'a>(body: &'a Value, dim: &str, code: &str) -> &'a Value {
    body["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r[dim] == code))
        .unwrap_or(&Value::Null)
}

async fn a_province_reads_its_figures_and_the_ministry_reads_them_protected(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    app.organisation("ministry", "family_solidarity", None)
        .await;
    app.organisation("sale-police", "national_security", Some("sale"))
        .await;
    let worker = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    for _ in 0..5 {
        report(&worker, "sale", "female", 9).await;
    }
    report(&worker, "sale", "male", 16).await;
    let rabat = app
        .signed_in("rachid", "rabat-centre", &[Role::Coordinator])
        .await;
    report(&rabat, "rabat", "male", 3).await;

    let coordinator = app
        .signed_in("amina", "sale-centre", &[Role::Coordinator])
        .await;
    let own = coordinator
        .get("/api/v1/stats/reports?territory=sale&from=2026-01&to=2026-12&by=sex")
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    let body = own.json();
    assert_eq!(body["total"], 6);
    assert_eq!(body["suppressed"], false);
    assert_eq!(row(&body, "sex", "female")["value"], 5);
    assert_eq!(
        row(&body, "sex", "male")["value"],
        1,
        "a province sees its own small counts"
    );
    let rate = body["total_rate_per_1000"].as_f64().unwrap_or_default();
    // Salé has 306,414 children (HCP 2024 estimate): 6 reports are 0.0196 per 1,000.
    assert!((rate - 0.0196).abs() < 0.0005, "{rate}");

    let ministry = app
        .signed_in("analyst", "ministry", &[Role::NationalAnalyst])
        .await;
    let seen = ministry
        .get("/api/v1/stats/reports?territory=sale&from=2026-01&to=2026-12&by=sex")
        .await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    let body = seen.json();
    assert_eq!(body["suppressed"], true);
    assert_eq!(row(&body, "sex", "male")["value"], "<5");
    assert_eq!(
        row(&body, "sex", "female")["value"],
        "<5",
        "else 6 - 5 reveals the 1"
    );
    assert_eq!(body["total"], 6, "{body}");
    let nation = ministry
        .get("/api/v1/stats/reports?territory=MA&from=2026-11&to=2026-11&by=province")
        .await;
    let body = nation.json();
    assert_eq!(body["total"], 7, "{body}");
    assert_eq!(row(&body, "province", "rabat")["value"], "<5");
    assert_eq!(
        row(&body, "province", "sale")["value"],
        "<5",
        "else 7 - 6 reveals Rabat's 1"
    );

    // Another province, the nation for a province's worker, unknown or hostile places.
    for path in [
        "/api/v1/stats/reports?territory=rabat",
        "/api/v1/stats/reports?territory=MA",
        "/api/v1/stats/reports?territory=%D8%B3%D9%84%D8%A7'%20OR%201=1",
    ] {
        let refused = coordinator.get(path).await;
        assert_eq!(
            refused.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            refused.body
        );
        assert!(
            refused.json()["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("الإقليم")
                || refused.body.contains("المجال"),
            "{}",
            refused.body
        );
    }
    for (path, code) in [
        (
            "/api/v1/stats/reports?from=2026-13&to=2026-12",
            "bad_period",
        ),
        (
            "/api/v1/stats/reports?from=2026-12&to=2026-01",
            "bad_period",
        ),
        ("/api/v1/stats/reports?by=%3Cscript%3E", "bad_dimension"),
        (
            "/api/v1/stats/children?from=2026-01&to=2026-12&by=sex,age_band",
            "two_dimensions",
        ),
        (
            "/api/v1/stats/children?from=2026-02&to=2026-04&by=sex",
            "children_period",
        ),
    ] {
        let refused = coordinator.get(path).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            refused.body
        );
        assert_eq!(refused.json()["error"]["code"], code, "{path}");
        assert!(!refused.body.contains("<script>"));
    }
    // Without a breakdown only the total is published: no row can show what it hides.
    let rabat_total = ministry
        .get("/api/v1/stats/reports?territory=rabat&from=2026-01&to=2026-12")
        .await
        .json();
    assert_eq!(rabat_total["total"], "<5");
    assert_eq!(rabat_total["rows"], json!([]), "{rabat_total}");
    let unknown = coordinator.get("/api/v1/stats/nothing").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let list = coordinator.get("/api/v1/stats").await.json();
    let children = list["indicators"]
        .as_array()
        .and_then(|i| i.iter().find(|i| i["code"] == "children"))
        .cloned()
        .unwrap_or_default();
    assert!(
        children["definition"]
            .as_str()
            .unwrap_or_default()
            .contains("مرة واحدة"),
        "{children}"
    );

    // The dashboard: charts with their tables; the ministry's view says what is hidden.
    let page = coordinator.get("/stats").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<svg") && page.body.contains("<table"));
    let national = ministry
        .get("/stats?territory=MA&from=2026-01&to=2026-12")
        .await;
    assert_eq!(national.status, StatusCode::OK, "{}", national.body);
    assert!(
        national.body.contains("تغادر هذه الأرقام الإقليم"),
        "the page says what is hidden"
    );
    assert!(national.body.contains("&#60;5") || national.body.contains("&lt;5"));
    let police = app
        .signed_in("officer", "sale-police", &[Role::FocalPoint])
        .await;
    assert_eq!(police.get("/stats").await.status, StatusCode::FORBIDDEN);
    let bad = coordinator.get("/stats?from=abc").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    app.finish().await;
}
on_each_backend!(a_province_reads_its_figures_and_the_ministry_reads_them_protected);
