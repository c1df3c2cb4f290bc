//! A child's pathway through the API: report, triage, moves to closure and reopening,
//! with the illegal moves refused.

use crate::support::{Backend, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

struct Desk {
    app: TestApp,
    /// Nadia's user id: she triages, so she follows the cases.
    user_id: String,
    session: (String, String),
}

impl Desk {
    async fn open(backend: Backend) -> Desk {
        let app = TestApp::start(backend).await;
        app.organisation("sale-centre", "family_solidarity", Some("sale"))
            .await;
        let nadia = app
            .user("nadia", "sale-centre", &[Role::CaseWorker], true)
            .await;
        let session = app.session(&nadia).await;
        Desk {
            app,
            user_id: nadia.id,
            session,
        }
    }

    async fn post(&self, path: &str, body: &Value) -> crate::support::Answer {
        self.app.post_as(&self.session, path, body, &[]).await
    }

    async fn get(&self, path: &str) -> crate::support::Answer {
        self.app
            .get_with(path, &[("cookie", self.session.0.as_str())])
            .await
    }

    async fn report(&self, draft: bool) -> String {
        let body = json!({
            "source": "health_facility", "received_at": "2026-11-23T07:00:00Z", "territory": "sale",
            "child": {"first_name": "Hamza", "last_name": "Alaoui", "sex": "male", "age_years": 11},
            "concerns": ["physical_violence"], "urgency": "immediate"
        });
        let path = if draft {
            "/api/v1/reports?draft=true"
        } else {
            "/api/v1/reports"
        };
        let body = if draft {
            json!({"child": {"sex": "male"}})
        } else {
            body
        };
        self.post(path, &body).await.json()["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// Triages a report as a new child; the case id.
    async fn new_case(&self, report: &str) -> String {
        let opened = self
            .post(
                &format!("/api/v1/reports/{report}/triage"),
                &json!({"new_child": true}),
            )
            .await;
        opened.json()["case_id"].as_str().expect("case").to_owned()
    }

    async fn move_to(&self, case: &str, to: &str) -> crate::support::Answer {
        self.post(&format!("/api/v1/cases/{case}/transitions"), &json!({"to": to, "reason": format!("→ {to}: سبب"), "closure_reason": (to == "closed").then_some("reintegrated")})).await
    }
}

async fn a_child_goes_from_report_to_closure_and_back(backend: Backend) {
    let desk = Desk::open(backend).await;
    let report = desk.report(false).await;
    let triage = desk
        .post(
            &format!("/api/v1/reports/{report}/triage"),
            &json!({"new_child": true}),
        )
        .await;
    assert_eq!(triage.status, StatusCode::CREATED, "{}", triage.body);
    let opened = triage.json();
    let case = opened["case_id"].as_str().expect("case").to_owned();
    assert_eq!(
        opened["number"], "04441-2026-000001",
        "territory, year, sequence"
    );
    assert_eq!(
        desk.post(
            &format!("/api/v1/reports/{report}/triage"),
            &json!({"new_child": true})
        )
        .await
        .status,
        StatusCode::CONFLICT
    );

    for stage in [
        "immediate_assistance",
        "initial_diagnosis",
        "care",
        "reintegration",
        "follow_up",
        "closed",
        "care",
    ] {
        let moved = desk.move_to(&case, stage).await;
        assert_eq!(moved.status, StatusCode::OK, "to {stage}: {}", moved.body);
    }
    let shown = desk.get(&format!("/api/v1/cases/{case}")).await;
    assert_eq!(shown.status, StatusCode::OK);
    let body = shown.json();
    assert_eq!(body["stage"], "care", "reopened");
    assert_eq!(
        body["assigned_to"],
        desk.user_id.as_str(),
        "who triaged follows it"
    );
    assert_eq!(
        body["concerns"],
        json!(["physical_violence"]),
        "the report's"
    );
    let reason: Option<String> =
        sqlx::query_scalar("SELECT closure_reason FROM cases WHERE id = $1")
            .bind(&case)
            .fetch_one(desk.app.store.pool_for_tests())
            .await
            .expect("case");
    assert_eq!(reason, None, "a reopened case has no closure reason");
    let timeline = body["timeline"].as_array().expect("timeline");
    let stages: Vec<&str> = timeline
        .iter()
        .filter(|e| e["kind"] == "stage")
        .filter_map(|e| e["to"].as_str())
        .collect();
    assert_eq!(
        stages,
        [
            "detection",
            "immediate_assistance",
            "initial_diagnosis",
            "care",
            "reintegration",
            "follow_up",
            "closed",
            "care"
        ]
    );
    assert!(
        timeline
            .iter()
            .any(|e| e["kind"] == "card" && e["id"] == report.as_str())
    );
    assert_eq!(
        timeline[1]["reason"], "→ immediate_assistance: سبب",
        "who, when and why"
    );
    assert!(timeline[1]["by"].as_str().is_some_and(|b| !b.is_empty()));

    // A second report about the same child opens a second case for that child.
    let second = desk.report(false).await;
    let child = opened["child_id"].as_str().expect("child");
    let again = desk
        .post(
            &format!("/api/v1/reports/{second}/triage"),
            &json!({"child_id": child}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert_eq!(again.json()["child_id"], child);
    assert_eq!(again.json()["number"], "04441-2026-000002");

    let stored: Option<Vec<u8>> = sqlx::query_scalar("SELECT identity FROM children WHERE id = $1")
        .bind(child)
        .fetch_one(desk.app.store.pool_for_tests())
        .await
        .expect("child");
    assert!(
        stored.is_some_and(|s| !String::from_utf8_lossy(&s).contains("Hamza")),
        "the identity is sealed"
    );
    desk.app.finish().await;
}
on_each_backend!(a_child_goes_from_report_to_closure_and_back);

async fn illegal_moves_and_stale_versions_are_refused(backend: Backend) {
    let desk = Desk::open(backend).await;
    let report = desk.report(false).await;
    let case = desk.new_case(report.as_str()).await;
    let skip = desk.move_to(&case, "care").await;
    assert_eq!(skip.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(skip.json()["error"]["reason"], "skips_diagnosis");
    assert!(skip.body.contains("التشخيص الأولي يأتي أولا"));
    assert_eq!(
        desk.move_to(&case, "detection").await.json()["error"]["reason"],
        "same_stage"
    );
    let unknown = desk
        .post(
            &format!("/api/v1/cases/{case}/transitions"),
            &json!({"to": "heaven", "reason": "x"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let no_reason = desk
        .post(
            &format!("/api/v1/cases/{case}/transitions"),
            &json!({"to": "initial_diagnosis", "reason": "  "}),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_reason.json()["fields"][0]["field"], "reason");
    let no_closure_reason = desk
        .post(
            &format!("/api/v1/cases/{case}/transitions"),
            &json!({"to": "closed", "reason": "x"}),
        )
        .await;
    assert_eq!(no_closure_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        no_closure_reason.json()["fields"][0]["field"],
        "closure_reason"
    );
    let bad_closure_reason = desk
        .post(
            &format!("/api/v1/cases/{case}/transitions"),
            &json!({"to": "closed", "reason": "x", "closure_reason": "bored"}),
        )
        .await;
    assert_eq!(bad_closure_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let stale = desk
        .post(
            &format!("/api/v1/cases/{case}/transitions"),
            &json!({"to": "initial_diagnosis", "reason": "x", "version": 0}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert_eq!(
        desk.get(&format!("/api/v1/cases/{case}")).await.json()["stage"],
        "detection",
        "nothing moved"
    );

    let draft = desk.report(true).await;
    assert_eq!(
        desk.post(
            &format!("/api/v1/reports/{draft}/triage"),
            &json!({"new_child": true})
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        desk.post(&format!("/api/v1/reports/{draft}/triage"), &json!({}))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    desk.app.finish().await;
}
on_each_backend!(illegal_moves_and_stale_versions_are_refused);

async fn cases_stay_in_their_province(backend: Backend) {
    let desk = Desk::open(backend).await;
    let app = &desk.app;
    let report = desk.report(false).await;
    let case = desk.new_case(report.as_str()).await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    app.organisation("ministry", "family_solidarity", None)
        .await;
    let rabat = app
        .user("rabat.worker", "rabat-centre", &[Role::CaseWorker], true)
        .await;
    let (rabat_cookie, rabat_csrf) = app.session(&rabat).await;
    let path = format!("/api/v1/cases/{case}");
    assert_eq!(
        app.get_with(&path, &[("cookie", &rabat_cookie)])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let moved = app
        .post_json(
            &format!("{path}/transitions"),
            &[("cookie", &rabat_cookie), ("x-csrf-token", &rabat_csrf)],
            &json!({"to": "closed", "reason": "x"}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::NOT_FOUND);
    let analyst = app
        .user("analyst", "ministry", &[Role::NationalAnalyst], false)
        .await;
    let (analyst_cookie, _) = app.session(&analyst).await;
    assert_eq!(
        app.get_with(&path, &[("cookie", &analyst_cookie)])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    desk.app.finish().await;
}
on_each_backend!(cases_stay_in_their_province);

async fn the_case_list_filters_and_pages_within_the_province(backend: Backend) {
    let desk = Desk::open(backend).await;
    let app = &desk.app;
    let children = [
        ("female", 4, "low"),
        ("male", 13, "high"),
        ("female", 16, "high"),
    ];
    for (sex, age, urgency) in children {
        let body = json!({
            "source": "school", "received_at": "2026-11-20T09:00:00Z", "territory": "sale",
            "child": {"sex": sex, "age_years": age}, "concerns": ["neglect"], "urgency": urgency
        });
        let id = desk.post("/api/v1/reports", &body).await.json()["id"]
            .as_str()
            .expect("id")
            .to_owned();
        assert_eq!(
            desk.post(
                &format!("/api/v1/reports/{id}/triage"),
                &json!({"new_child": true})
            )
            .await
            .status,
            StatusCode::CREATED
        );
    }
    let all = desk.get("/api/v1/cases").await.json();
    assert_eq!(all["total"], 3);
    assert_eq!(
        all["items"][0]["number"], "04441-2026-000003",
        "newest first"
    );
    assert!(
        all["items"][0]
            .get("child")
            .is_some_and(|c| c.get("first_name").is_none()),
        "no identity in lists"
    );
    assert_eq!(desk.get("/api/v1/cases?risk=high").await.json()["total"], 2);
    assert_eq!(
        desk.get("/api/v1/cases?sex=female&risk=high").await.json()["total"],
        1
    );
    assert_eq!(
        desk.get("/api/v1/cases?age_band=12-14").await.json()["total"],
        1
    );
    assert_eq!(
        desk.get("/api/v1/cases?age_band=0-5&sex=female")
            .await
            .json()["total"],
        1
    );
    assert_eq!(
        desk.get("/api/v1/cases?stage=care").await.json()["total"],
        0
    );
    let paged = desk.get("/api/v1/cases?per_page=2&page=2").await.json();
    assert_eq!(paged["items"].as_array().map(Vec::len), Some(1));
    let bad = desk
        .get("/api/v1/cases?stage=heaven&age_band=old&per_page=1000")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["fields"].as_array().map(Vec::len), Some(3));

    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    let rabat = app
        .user("rabat.worker", "rabat-centre", &[Role::CaseWorker], true)
        .await;
    let (cookie, _) = app.session(&rabat).await;
    assert_eq!(
        app.get_with("/api/v1/cases", &[("cookie", &cookie)])
            .await
            .json()["total"],
        0,
        "another province's cases are not listed"
    );
    desk.app.finish().await;
}
on_each_backend!(the_case_list_filters_and_pages_within_the_province);

/// Signs `username` in as a case worker of `org` (created in `territory` if new).
async fn worker(app: &TestApp, username: &str, org: &str, territory: &str) -> Session {
    app.organisation(org, "family_solidarity", Some(territory))
        .await;
    let user = app.user(username, org, &[Role::CaseWorker], true).await;
    let (cookie, csrf) = app.session(&user).await;
    Session { cookie, csrf }
}

struct Session {
    cookie: String,
    csrf: String,
}

impl Session {
    async fn post(&self, app: &TestApp, path: &str, body: &Value) -> crate::support::Answer {
        let headers = [
            ("cookie", self.cookie.as_str()),
            ("x-csrf-token", self.csrf.as_str()),
        ];
        app.post_json(path, &headers, body).await
    }

    async fn get(&self, app: &TestApp, path: &str) -> crate::support::Answer {
        app.get_with(path, &[("cookie", self.cookie.as_str())])
            .await
    }

    /// Records a complete report about `concerns` in `territory` and triages it as a new
    /// child: the case's number.
    async fn open_case(
        &self,
        app: &TestApp,
        territory: &str,
        concerns: &[&str],
    ) -> (String, String) {
        let body = json!({
            "source": "school", "received_at": "2026-11-20T09:00:00Z", "territory": territory,
            "child": {"sex": "female", "age_years": 9}, "concerns": concerns, "urgency": "low"
        });
        let recorded = self.post(app, "/api/v1/reports", &body).await;
        let report = recorded.json()["id"].as_str().expect("report").to_owned();
        let opened = self
            .post(
                app,
                &format!("/api/v1/reports/{report}/triage"),
                &json!({"new_child": true}),
            )
            .await
            .json();
        (
            opened["case_id"].as_str().expect("case").to_owned(),
            opened["number"].as_str().expect("number").to_owned(),
        )
    }

    /// The case numbers a list answers, sorted.
    async fn listed(&self, app: &TestApp, query: &str) -> Vec<String> {
        let answer = self.get(app, &format!("/api/v1/cases?{query}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.body);
        let body = answer.json();
        let mut numbers: Vec<String> = body["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|c| c["number"].as_str().map(str::to_owned))
            .collect();
        numbers.sort();
        assert_eq!(
            body["total"],
            numbers.len(),
            "{query}: the total counts the same cases"
        );
        numbers
    }
}

/// A plan action written straight into the table, for the overdue filter. The plan API
/// will replace this helper once it records actions.
async fn plan_action(app: &TestApp, case: &str, territory: &str, status: &str, due_at: i64) {
    let now = app.now_ms();
    sqlx::query(
        "INSERT INTO plan_actions (id, case_id, territory_code, sealed, responsible_sector, due_at, status, origin, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'health', $5, $6, 'plan', 'test', $7, $7)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(case)
    .bind(territory)
    .bind(b"not a real seal".as_slice())
    .bind(due_at)
    .bind(status)
    .bind(now)
    .execute(app.store.pool_for_tests())
    .await
    .expect("plan action");
}

async fn the_case_list_filters_by_concern_follower_and_deadline(backend: Backend) {
    let app = TestApp::start(backend).await;
    let nadia = worker(&app, "nadia", "sale-centre", "sale").await;
    let sara = worker(&app, "sara", "sale-centre", "sale").await;
    let rabat = worker(&app, "rabat.worker", "rabat-centre", "rabat").await;
    let (a, a_number) = nadia.open_case(&app, "sale", &["neglect"]).await;
    let (b, b_number) = nadia
        .open_case(&app, "sale", &["physical_violence", "neglect"])
        .await;
    let (c, c_number) = sara.open_case(&app, "sale", &["sexual_violence"]).await;
    let (r, r_number) = rabat.open_case(&app, "rabat", &["neglect"]).await;
    let hour = 3_600_000;
    let now = app.now_ms();
    plan_action(&app, &a, "sale", "planned", now - hour).await;
    plan_action(&app, &b, "sale", "done", now - hour).await;
    plan_action(&app, &b, "sale", "in_progress", now + 60_000).await;
    plan_action(&app, &c, "sale", "in_progress", now - 24 * hour).await;
    plan_action(&app, &r, "rabat", "planned", now - hour).await;

    let sorted = |mut numbers: Vec<&String>| {
        numbers.sort();
        numbers.into_iter().cloned().collect::<Vec<_>>()
    };
    assert_eq!(
        nadia.listed(&app, "").await,
        sorted(vec![&a_number, &b_number, &c_number])
    );
    assert_eq!(
        nadia.listed(&app, "concern=neglect").await,
        sorted(vec![&a_number, &b_number]),
        "Rabat's neglect case is not listed in Salé"
    );
    assert_eq!(
        nadia.listed(&app, "concern=sexual_violence").await,
        sorted(vec![&c_number])
    );
    assert_eq!(
        nadia.listed(&app, "mine=true").await,
        sorted(vec![&a_number, &b_number])
    );
    assert_eq!(
        sara.listed(&app, "mine=true").await,
        sorted(vec![&c_number])
    );
    assert_eq!(
        nadia.listed(&app, "overdue=true").await,
        sorted(vec![&a_number, &c_number]),
        "open actions past their deadline; done and future ones do not count"
    );
    assert_eq!(
        nadia.listed(&app, "overdue=true&mine=true").await,
        sorted(vec![&a_number])
    );
    assert_eq!(
        nadia
            .listed(&app, "concern=neglect&overdue=true&mine=false")
            .await,
        sorted(vec![&a_number])
    );
    let second = nadia
        .get(
            &app,
            "/api/v1/cases?concern=neglect&sex=female&per_page=1&page=2",
        )
        .await
        .json();
    assert_eq!(
        (
            second["total"].clone(),
            second["items"][0]["number"].clone()
        ),
        (json!(2), json!(a_number)),
        "filters and pages together, newest first"
    );
    assert_eq!(
        rabat.listed(&app, "overdue=true").await,
        sorted(vec![&r_number])
    );
    assert_eq!(
        rabat.listed(&app, "concern=neglect").await,
        sorted(vec![&r_number])
    );
    assert!(
        rabat
            .listed(&app, "mine=true&concern=sexual_violence")
            .await
            .is_empty()
    );

    // The clock moves on (within the session's idle time): B's action falls due too.
    app.clock.advance(jiff::SignedDuration::from_mins(2));
    assert_eq!(
        nadia.listed(&app, "overdue=true").await,
        sorted(vec![&a_number, &b_number, &c_number])
    );

    let bad = nadia
        .get(&app, "/api/v1/cases?concern=heaven&mine=maybe")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = bad.json()["fields"].clone();
    assert_eq!(fields[0]["field"], "concern");
    assert_eq!(fields[0]["message"], "اختاروا أحد الاختيارات المعروضة.");
    assert_eq!(fields[1]["field"], "mine");
    let french = app
        .get_with(
            "/api/v1/cases?concern=heaven",
            &[("cookie", nadia.cookie.as_str()), ("accept-language", "fr")],
        )
        .await;
    assert_eq!(
        french.json()["fields"][0]["message"],
        "Choisissez l'une des options proposées."
    );

    let page = nadia.get(&app, "/cases?concern=neglect&mine=true").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&a_number) && page.body.contains(&b_number));
    assert!(!page.body.contains(&c_number));
    assert!(
        page.body.contains("<option value=\"neglect\" selected>")
            && page.body.contains("name=\"mine\" value=\"true\" checked")
            && !page
                .body
                .contains("name=\"overdue\" value=\"true\" checked"),
        "the form shows the filters chosen"
    );
    let refused = nadia.get(&app, "/cases?concern=heaven").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("اختاروا أحد الاختيارات المعروضة."));
    app.finish().await;
}
on_each_backend!(the_case_list_filters_by_concern_follower_and_deadline);

async fn the_case_journey_in_the_web_pages(backend: Backend) {
    let desk = Desk::open(backend).await;
    let app = &desk.app;
    let cookie = [("cookie", desk.session.0.as_str())];
    let csrf = desk.session.1.as_str();
    let first = desk.report(false).await;
    desk.post(
        &format!("/api/v1/reports/{first}/triage"),
        &json!({"new_child": true}),
    )
    .await;

    // A second report about Hamza: the report page proposes him, one tap links.
    let second = desk.report(false).await;
    let page = app.get_with(&format!("/reports/{second}"), &cookie).await;
    assert!(
        page.body.contains("Hamza Alaoui") && page.body.contains("name=\"child_id\""),
        "the possible match is shown"
    );
    assert!(page.body.contains("سنة الازدياد ±1"), "with why it matched");
    let child_id = page
        .body
        .split("name=\"child_id\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("child id")
        .to_owned();
    let linked = app
        .post_form(
            &format!("/reports/{second}/triage"),
            &cookie,
            &[("_csrf", csrf), ("child_id", &child_id)],
        )
        .await;
    assert_eq!(linked.status, StatusCode::SEE_OTHER, "{}", linked.body);
    let case_path = linked.header("location").to_owned();
    assert!(case_path.starts_with("/cases/"));

    let case = app.get_with(&case_path, &cookie).await;
    assert_eq!(case.status, StatusCode::OK);
    assert!(case.body.contains("04441-2026-000002") && case.body.contains("aria-current=\"step\""));
    assert!(
        !case.body.contains("value=\"care\""),
        "moves the stage does not allow are not offered"
    );
    let move_path = format!("{case_path}/move");
    let illegal = app
        .post_form(
            &move_path,
            &cookie,
            &[("_csrf", csrf), ("to", "care"), ("reason", "x")],
        )
        .await;
    assert_eq!(illegal.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(illegal.body.contains("التشخيص الأولي يأتي أولا"));
    let moved = app
        .post_form(
            &move_path,
            &cookie,
            &[
                ("_csrf", csrf),
                ("to", "initial_diagnosis"),
                ("reason", "فحص طبي <b>اليوم</b>"),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let after = app.get_with(&case_path, &cookie).await;
    assert!(
        after.body.contains("فحص طبي &#60;b&#62;اليوم&#60;/b&#62;"),
        "the reason is in the timeline, escaped"
    );
    assert!(
        after.body.contains("value=\"care\""),
        "after the diagnosis, care is offered"
    );
    let no_reason = app
        .post_form(
            &move_path,
            &cookie,
            &[("_csrf", csrf), ("to", "closed"), ("reason", "انتهى")],
        )
        .await;
    assert!(
        no_reason.body.contains("سبب الإغلاق"),
        "closing asks for its reason"
    );

    let form = app
        .get_with(&format!("{case_path}/evaluate"), &cookie)
        .await;
    assert!(
        form.body.contains("بطاقة التقييم")
            && form
                .body
                .contains(&format!("action=\"{case_path}/evaluate\""))
    );
    let mut answers: Vec<(String, String)> = evaluation(&["safety.no_safe_place"])
        .as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
        .collect();
    answers.push(("_csrf".into(), csrf.to_owned()));
    let pairs: Vec<(&str, &str)> = answers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let evaluated = app
        .post_form(&format!("{case_path}/evaluate"), &cookie, &pairs)
        .await;
    assert_eq!(
        evaluated.status,
        StatusCode::SEE_OTHER,
        "{}",
        evaluated.body
    );
    assert!(
        app.get_with(&case_path, &cookie)
            .await
            .body
            .contains("فوري"),
        "immediate danger shows on the case"
    );
    let list = app
        .get_with("/cases?stage=initial_diagnosis", &cookie)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("04441-2026-000002") && !list.body.contains("04441-2026-000001"));
    desk.app.finish().await;
}
on_each_backend!(the_case_journey_in_the_web_pages);

pub(crate) fn evaluation(yes: &[&str]) -> Value {
    let questions = [
        "safety.author_has_access",
        "safety.serious_injury",
        "safety.sexual_violence",
        "safety.no_safe_place",
        "health.untreated_illness",
        "health.psychological_distress",
        "family.no_protective_adult",
        "family.family_violence",
        "education.out_of_school",
        "exploitation.working",
        "exploitation.street",
    ];
    let mut body = serde_json::Map::new();
    for q in questions {
        body.insert(
            q.to_owned(),
            json!(if yes.contains(&q) { "yes" } else { "no" }),
        );
    }
    body.insert("justification".into(), json!("تقييم أولي بعد زيارة منزلية"));
    body.insert("child_views".into(), json!("أريد أن أبقى مع جدتي"));
    Value::Object(body)
}

async fn an_evaluation_sets_the_risk_and_alerts_for_high_risk(backend: Backend) {
    let desk = Desk::open(backend).await;
    let app = &desk.app;
    let report = desk.report(false).await;
    let case = desk.new_case(report.as_str()).await;
    let path = format!("/api/v1/cases/{case}/evaluations");

    let medium = desk
        .post(
            &path,
            &evaluation(&["education.out_of_school", "exploitation.working"]),
        )
        .await;
    assert_eq!(medium.status, StatusCode::CREATED, "{}", medium.body);
    assert_eq!(
        (
            medium.json()["level"].clone(),
            medium.json()["score"].clone()
        ),
        (json!("medium"), json!(3))
    );
    let high = desk
        .post(
            &path,
            &evaluation(&["safety.author_has_access", "safety.sexual_violence"]),
        )
        .await
        .json();
    assert_eq!(high["level"], "high");
    let drivers: Vec<&str> = high["drivers"]
        .as_array()
        .expect("drivers")
        .iter()
        .filter_map(|d| d["field"].as_str())
        .collect();
    assert_eq!(
        drivers,
        ["safety.author_has_access", "safety.sexual_violence"],
        "the answers that drove it"
    );
    assert!(
        high["drivers"][0]["question"]
            .as_str()
            .is_some_and(|q| q.contains("المعتدي"))
    );
    assert_eq!(
        desk.get(&format!("/api/v1/cases/{case}")).await.json()["risk"],
        "high"
    );

    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let coordinator = app
        .user("bennani", "sale-centre", &[Role::Coordinator], true)
        .await;
    let (cookie, _) = app.session(&coordinator).await;
    let alerts = app
        .get_with("/api/v1/alerts", &[("cookie", &cookie)])
        .await
        .json();
    assert_eq!(
        alerts
            .as_array()
            .map(|a| a.iter().filter(|x| x["kind"] == "high_risk").count()),
        Some(1),
        "only the high one alerts"
    );

    let mut missing = evaluation(&[]);
    missing
        .as_object_mut()
        .expect("object")
        .remove("justification");
    let refused = desk.post(&path, &missing).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json()["fields"][0]["field"], "justification");
    let mut bad = evaluation(&[]);
    bad["safety.serious_injury"] = json!("maybe");
    assert_eq!(
        desk.post(&path, &bad).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let views: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT sealed FROM cards WHERE form_code = 'evaluation' LIMIT 1")
            .fetch_one(app.store.pool_for_tests())
            .await
            .expect("card");
    assert!(
        views.is_some_and(|v| !String::from_utf8_lossy(&v).contains("جدتي")),
        "the child's views are sealed"
    );
    desk.move_to(&case, "closed").await;
    assert_eq!(
        desk.post(&path, &evaluation(&[])).await.status,
        StatusCode::CONFLICT,
        "a closed case is read-only"
    );
    desk.app.finish().await;
}
on_each_backend!(an_evaluation_sets_the_risk_and_alerts_for_high_risk);

async fn today_shows_what_needs_attention(backend: Backend) {
    let desk = Desk::open(backend).await;
    let app = &desk.app;
    let waiting = desk.report(false).await;
    let triaged = desk.report(false).await;
    let case = desk.new_case(triaged.as_str()).await;
    desk.post(
        &format!("/api/v1/cases/{case}/evaluations"),
        &evaluation(&["safety.author_has_access", "safety.sexual_violence"]),
    )
    .await;

    let home = app
        .get_with("/", &[("cookie", desk.session.0.as_str())])
        .await;
    assert!(
        home.body
            .contains("href=\"/reports/waiting\"><strong>1</strong>"),
        "one report waits for triage"
    );
    assert!(
        home.body
            .contains("href=\"/cases?risk=high\"><strong>1</strong>"),
        "one child at high risk"
    );
    assert!(
        !home.body.contains("href=\"/alerts\""),
        "alerts are the coordinator's"
    );
    let queue = app
        .get_with("/reports/waiting", &[("cookie", desk.session.0.as_str())])
        .await;
    assert!(
        queue.body.contains(&format!("/reports/{waiting}"))
            && !queue.body.contains(&format!("/reports/{triaged}"))
    );

    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let coordinator = app
        .user("bennani", "sale-centre", &[Role::Coordinator], true)
        .await;
    let (cookie, _) = app.session(&coordinator).await;
    let home = app.get_with("/", &[("cookie", &cookie)]).await;
    assert!(
        home.body.contains("href=\"/alerts\"><strong>1</strong>"),
        "the coordinator sees the high-risk alert"
    );
    let alerts = app.get_with("/alerts", &[("cookie", &cookie)]).await;
    assert!(alerts.body.contains(&format!("/cases/{case}")));
    desk.app.finish().await;
}
on_each_backend!(today_shows_what_needs_attention);
