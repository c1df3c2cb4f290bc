//! Training (issue 15 §1): the ministry adds a module, the centre's coordinator
//! organises a session of the national plan, invites participants (a person of a
//! directory organisation, a user, someone named), takes attendance per day and records
//! the tests: the coverage and the plan's progress move, the attestation prints; wrong
//! roles, another province, stale versions and hostile input are refused.

use crate::support::{Backend, Signed, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn id_of(answer: &crate::support::Answer) -> String {
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    answer.json()["id"].as_str().expect("id").to_owned()
}

fn ok(answer: crate::support::Answer) -> Value {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()
}

async fn version_of(who: &Signed<'_>, session: &str) -> i64 {
    ok(who
        .get(&format!("/api/v1/training/sessions/{session}"))
        .await)["version"]
        .as_i64()
        .expect("version")
}

pub async fn setup(app: &TestApp) {
    app.organisation("ministry", "family_solidarity", None)
        .await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("sale-hospital", "health", Some("sale"))
        .await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
}

/// The ministry's module, the coordinator's trainer and a two-day session of the plan's
/// third session in Salé; returns (module, session).
pub async fn a_session(national: &Signed<'_>, coordinator: &Signed<'_>) -> (String, String) {
    let module = id_of(
        &national
            .post(
                "/api/v1/training/modules",
                &json!({
                    "code": "M3", "title": "الاستقبال والإنصات وتقييم وضعية الطفل",
                    "objectives": "التعرف على مراحل الاستقبال والإنصات", "duration_hours": "12",
                    "audience": "centre_staff", "materials": "دليل الاستقبال"
                }),
            )
            .await,
    );
    let trainer = id_of(
        &coordinator
            .post(
                "/api/v1/training/trainers",
                &json!({"full_name": "ذة. نزهة البقالي", "organisation": "مندوبية التعاون الوطني", "trainer_of_trainers": "true"}),
            )
            .await,
    );
    let body = json!({
        "key": "form-1", "module": module, "plan_number": "3", "territory": "sale",
        "place": "قاعة العمالة، سلا", "starts_on": "2026-11-16", "ends_on": "2026-11-17",
        "capacity": "3", "trainers": [trainer]
    });
    let session = id_of(&coordinator.post("/api/v1/training/sessions", &body).await);
    // The same form sent twice stores once.
    assert_eq!(
        id_of(&coordinator.post("/api/v1/training/sessions", &body).await),
        session
    );
    (module, session)
}

async fn a_session_is_organised_attended_and_moves_the_coverage(backend: Backend) {
    let app = TestApp::start(backend).await;
    setup(&app).await;
    let national = app
        .signed_in("ministry", "ministry", &[Role::NationalAnalyst])
        .await;
    let coordinator = app
        .signed_in("coord", "sale-centre", &[Role::Coordinator])
        .await;
    let (module, session) = a_session(&national, &coordinator).await;

    // Participants: a doctor of the hospital (from the directory), a user, someone named.
    let v = version_of(&coordinator, &session).await;
    let doctor = id_of(&coordinator.post(&format!("/api/v1/training/sessions/{session}/participants"), &json!({
        "version": v, "organisation": "sale-hospital", "full_name": "د. كريم المنصوري", "function": "طبيب شرعي"
    })).await);
    let worker = app
        .user("nadia", "sale-centre", &[Role::CaseWorker], true)
        .await;
    let v = version_of(&coordinator, &session).await;
    id_of(
        &coordinator
            .post(
                &format!("/api/v1/training/sessions/{session}/participants"),
                &json!({"version": v, "user": worker.id, "function": "مساعدة اجتماعية"}),
            )
            .await,
    );
    let v = version_of(&coordinator, &session).await;
    let named = id_of(&coordinator.post(&format!("/api/v1/training/sessions/{session}/participants"), &json!({
        "version": v, "full_name": "ذة. فاطمة الزهراء", "organisation_name": "جمعية أمل للطفولة", "function": "منشطة", "sector": "family_solidarity"
    })).await);
    // The session is full (capacity 3).
    let v = version_of(&coordinator, &session).await;
    let full = coordinator
        .post(
            &format!("/api/v1/training/sessions/{session}/participants"),
            &json!({"version": v, "full_name": "x", "organisation_name": "y"}),
        )
        .await;
    assert_eq!(
        full.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        full.body
    );
    assert_eq!(full.json()["fields"][0]["field"], "capacity");

    // The hospital has 4 staff: nobody trained yet.
    ok(coordinator
        .post(
            "/api/v1/training/staff",
            &json!({"organisation": "sale-hospital", "staff": 4}),
        )
        .await);
    let coverage = ok(coordinator.get("/api/v1/training/coverage").await);
    let hospital = |c: &Value| {
        c["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["organisation"]["code"] == "sale-hospital")
            .unwrap()["modules"][&module]
            .clone()
    };
    assert_eq!(hospital(&coverage), json!([0, 0]));

    // Attendance, day by day: the doctor both days, the named person only the first.
    let v = version_of(&coordinator, &session).await;
    ok(coordinator
        .post(
            &format!("/api/v1/training/sessions/{session}/attendance"),
            &json!({"version": v, "day": "2026-11-16", "present": [doctor, named]}),
        )
        .await);
    let stale = coordinator
        .post(
            &format!("/api/v1/training/sessions/{session}/attendance"),
            &json!({"version": v, "day": "2026-11-17", "present": [doctor]}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let v = version_of(&coordinator, &session).await;
    ok(coordinator
        .post(
            &format!("/api/v1/training/sessions/{session}/attendance"),
            &json!({"version": v, "day": "2026-11-17", "present": [doctor]}),
        )
        .await);
    let file = ok(coordinator
        .get(&format!("/api/v1/training/sessions/{session}"))
        .await);
    assert_eq!(file["trained"], json!([doctor]));
    assert_eq!(
        hospital(&ok(coordinator.get("/api/v1/training/coverage").await)),
        json!([1, 25])
    );

    // Tests and satisfaction.
    let v = version_of(&coordinator, &session).await;
    ok(coordinator.post(&format!("/api/v1/training/sessions/{session}/results"), &json!({
        "version": v, "trainee": doctor, "pre_score": "45", "post_score": "80", "satisfaction": "5"
    })).await);
    let v = version_of(&coordinator, &session).await;
    let bad = coordinator.post(&format!("/api/v1/training/sessions/{session}/results"), &json!({
        "version": v, "trainee": doctor, "pre_score": "101", "post_score": "ثمانون", "satisfaction": "0"
    })).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.json()["fields"].as_array().unwrap().len(), 3);

    // The plan's third session is held and trained one person; the record says so.
    let plan = ok(national.get("/api/v1/training/plan").await);
    assert_eq!(plan["sessions"][2]["sessions"], 1);
    assert_eq!(plan["sessions"][2]["trained"], 1);
    assert_eq!(plan["trained"]["by_province"]["sale"], 1);
    assert_eq!(plan["trained"]["by_sector"]["health"], 1);
    let record = ok(coordinator
        .get(&format!("/api/v1/training/trainees/{doctor}"))
        .await);
    assert_eq!(record["sessions"][0]["trained"], true);

    // The attestation, for the one present every day only.
    let path = format!("/training/sessions/{session}/attestations/{doctor}.pdf");
    let (status, kind, pdf) = crate::referrals::bytes(&app, &path, &coordinator.cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    if let Some(text) = crate::read_back::pdf_text(&pdf) {
        assert!(text.contains("شهادة المشاركة"), "{text}");
        assert!(text.contains("كريم المنصوري"), "{text}");
    }
    let not_yet = coordinator
        .get(&format!(
            "/training/sessions/{session}/attestations/{named}.pdf"
        ))
        .await;
    assert_eq!(not_yet.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The export and the pages.
    let (status, _, xlsx) =
        crate::referrals::bytes(&app, "/training/export.xlsx", &coordinator.cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(xlsx.starts_with(b"PK"));
    for page in [
        "/training",
        "/training/coverage",
        "/training/trained",
        &format!("/training/sessions/{session}"),
    ] {
        let answer = coordinator.get(page).await;
        assert_eq!(answer.status, StatusCode::OK, "{page}");
    }
    assert!(
        coordinator
            .get("/training/coverage")
            .await
            .body
            .contains("1 (25%)")
    );
    app.finish().await;
}
on_each_backend!(a_session_is_organised_attended_and_moves_the_coverage);

async fn wrong_roles_other_provinces_and_hostile_input_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    setup(&app).await;
    let national = app
        .signed_in("ministry", "ministry", &[Role::NationalAnalyst])
        .await;
    let coordinator = app
        .signed_in("coord", "sale-centre", &[Role::Coordinator])
        .await;
    let (_, session) = a_session(&national, &coordinator).await;
    let worker = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let rabat = app
        .signed_in("rabat", "rabat-centre", &[Role::Coordinator])
        .await;

    // A case worker reads no training and runs none; a coordinator adds no module.
    assert_eq!(
        worker.get("/api/v1/training/sessions").await.status,
        StatusCode::FORBIDDEN
    );
    let by_worker = worker
        .post(
            "/api/v1/training/trainers",
            &json!({"full_name": "x", "organisation": "y"}),
        )
        .await;
    assert_eq!(by_worker.status, StatusCode::FORBIDDEN);
    let module = coordinator
        .post("/api/v1/training/modules", &json!({"code": "X", "title": "x", "objectives": "x", "duration_hours": "1", "audience": "trainers"}))
        .await;
    assert_eq!(module.status, StatusCode::FORBIDDEN);
    assert!(!worker.get("/").await.body.contains("href=\"/training\""));
    assert!(
        coordinator
            .get("/")
            .await
            .body
            .contains("href=\"/training\"")
    );

    // Another province's session does not exist for Rabat.
    for path in [
        format!("/api/v1/training/sessions/{session}"),
        format!("/training/sessions/{session}"),
    ] {
        assert_eq!(
            rabat.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let foreign = rabat
        .post(
            &format!("/api/v1/training/sessions/{session}/attendance"),
            &json!({"version": 1, "day": "2026-11-16", "present": []}),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let elsewhere = rabat
        .post("/api/v1/training/sessions", &json!({"module": "m", "territory": "sale", "place": "x", "starts_on": "2026-12-01", "ends_on": "2026-12-01", "capacity": "10"}))
        .await;
    assert!(
        matches!(
            elsewhere.status,
            StatusCode::NOT_FOUND | StatusCode::UNPROCESSABLE_ENTITY
        ),
        "{}",
        elsewhere.body
    );

    // Hostile and malformed input: every problem named, nothing stored.
    let hostile = coordinator
        .post(
            "/api/v1/training/sessions",
            &json!({
                "module": "", "plan_number": "14", "territory": "<script>", "place": "قاعة\u{202E}exe.png",
                "starts_on": "2026-11-20", "ends_on": "2026-11-01", "capacity": "-1"
            }),
        )
        .await;
    assert_eq!(
        hostile.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        hostile.body
    );
    let fields: Vec<String> = hostile.json()["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect();
    for f in [
        "module",
        "plan_number",
        "territory",
        "place",
        "ends_on",
        "capacity",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
    }
    assert_eq!(
        ok(coordinator.get("/api/v1/training/sessions").await)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let v = version_of(&coordinator, &session).await;
    let stranger = coordinator
        .post(
            &format!("/api/v1/training/sessions/{session}/attendance"),
            &json!({"version": v, "day": "2026-11-16", "present": ["someone-else"]}),
        )
        .await;
    assert_eq!(stranger.status, StatusCode::UNPROCESSABLE_ENTITY);
    let outside = coordinator
        .post(
            &format!("/api/v1/training/sessions/{session}/attendance"),
            &json!({"version": v, "day": "2026-12-25", "present": []}),
        )
        .await;
    assert_eq!(outside.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The page keeps what was typed and says what to fix, in Arabic.
    let page = app
        .post_form(
            "/training/sessions",
            &[("cookie", coordinator.cookie.as_str())],
            &[
                ("_csrf", coordinator.csrf.as_str()),
                ("module", ""),
                ("territory", "sale"),
                ("place", "دار الشباب <b>سلا</b>"),
                ("starts_on", "2026-12-02"),
                ("ends_on", "2026-12-01"),
                ("capacity", "80"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("دار الشباب &#60;b&#62;سلا&#60;/b&#62;"),
        "{}",
        page.body
    );
    assert!(page.body.contains("الوحدة"));
    app.finish().await;
}
on_each_backend!(wrong_roles_other_provinces_and_hostile_input_are_refused);
