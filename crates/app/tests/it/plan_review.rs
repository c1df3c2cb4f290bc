//! The plan's review (issue 19 §4): due three months after the plan's first action, on
//! the worker's tasks and case page; once past its date, on the coordinator's tasks; a
//! card on the timeline, which restarts the count. Refused to other roles and provinces.

use crate::journeys::session_of;
use crate::support::{Backend, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn review(decision: &str) -> Value {
    json!({"review": {"date": "2027-02-25", "situation": "improved", "child_heard": "yes",
        "decision": decision, "notes": "عادت إلى المدرسة؛ <b>اللقاءات</b> مع الأم مستمرة"}})
}

async fn user_id(app: &TestApp, name: &str) -> String {
    let user = app.store.user_by_username(name).await.expect("read");
    user.expect("user").id
}

async fn a_plan_is_reviewed_every_three_months(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    let worker = app
        .user("nadia", "sale-centre", &[Role::CaseWorker], true)
        .await;
    let lead = app
        .user("karim", "sale-centre", &[Role::Coordinator], true)
        .await;
    let nadia = session_of(&app, &worker).await;
    let karim = session_of(&app, &lead).await;
    let case = crate::journeys::sale_case(&nadia, "سلمى").await;
    let given = karim
        .post(
            &format!("/api/v1/cases/{case}/assignment"),
            &json!({"user_id": user_id(&app, "nadia").await}),
        )
        .await;
    assert_eq!(given.status, StatusCode::OK, "{}", given.body);
    let number = app.store.case(&case).await.unwrap().unwrap().number;

    // No plan yet: no review to do.
    let page = nadia.get(&format!("/cases/{case}")).await;
    assert!(!page.body.contains("/cards/plan_review"), "{}", page.body);

    // The plan begins on 2026-11-23: its review is due on 2027-02-23.
    let added = nadia
        .post(
            &format!("/api/v1/cases/{case}/plan"),
            &json!({"plan": {"goal": "عودة آمنة إلى المدرسة", "action": "لقاء مع مدير المدرسة",
                "responsible": "education", "due_date": "2026-12-20"}}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let page = nadia.get(&format!("/cases/{case}")).await;
    assert!(
        page.body
            .contains(&format!("/cases/{case}/cards/plan_review"))
    );
    assert!(page.body.contains("2027-02-23"), "due three months on");
    let tasks = nadia.get("/tasks").await;
    assert!(tasks.body.contains("مراجعة خطة التكفل"), "{}", tasks.body);
    let late = karim.get("/tasks").await;
    assert!(!late.body.contains("late-reviews"), "not late yet");

    // Three months and a few days later, the coordinator sees it late.
    app.clock.advance(jiff::SignedDuration::from_hours(24 * 95));
    let (nadia, karim) = (
        session_of(&app, &worker).await,
        session_of(&app, &lead).await,
    );
    let late = karim.get("/tasks").await;
    assert!(late.body.contains("late-reviews"), "{}", late.body);
    assert!(late.body.contains(&number) && late.body.contains("nadia"));
    assert!(
        !late.body.contains("سلمى"),
        "no child is named on the late list"
    );
    // The worker herself is no coordinator: no province-wide list.
    assert!(!nadia.get("/tasks").await.body.contains("late-reviews"));

    // The review is recorded: a card on the timeline, and the count starts again.
    let recorded = nadia
        .post(
            &format!("/api/v1/cases/{case}/cards/plan_review"),
            &review("continue"),
        )
        .await;
    assert_eq!(recorded.status, StatusCode::CREATED, "{}", recorded.body);
    let late = karim.get("/tasks").await;
    assert!(!late.body.contains("late-reviews"), "{}", late.body);
    let page = nadia.get(&format!("/cases/{case}")).await;
    assert!(page.body.contains("مراجعة خطة التكفل"));
    // Recorded on 2027-02-26 (the clock moved 95 days): next due 2027-05-26.
    assert!(page.body.contains("2027-05-26"), "{}", page.body);
    let listed = nadia
        .get(&format!("/api/v1/cases/{case}/cards/plan_review"))
        .await;
    assert!(listed.body.contains("<b>اللقاءات</b>"), "kept as typed");
    app.finish().await;
}
on_each_backend!(a_plan_is_reviewed_every_three_months);

async fn a_review_is_refused_to_other_roles_provinces_and_bad_answers(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("sale-hospital", "health", Some("sale"))
        .await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let case = crate::journeys::sale_case(&nadia, "سلمى").await;
    let path = format!("/api/v1/cases/{case}/cards/plan_review");
    let doctor = app
        .signed_in("karim", "sale-hospital", &[Role::FocalPoint])
        .await;
    assert_eq!(
        doctor.post(&path, &review("continue")).await.status,
        StatusCode::FORBIDDEN
    );
    let rim = app
        .signed_in("rim", "rabat-centre", &[Role::CaseWorker])
        .await;
    assert_eq!(
        rim.post(&path, &review("continue")).await.status,
        StatusCode::NOT_FOUND
    );
    let rabat_lead = app
        .signed_in("amal", "rabat-centre", &[Role::Coordinator])
        .await;
    assert!(!rabat_lead.get("/tasks").await.body.contains(&case));
    // A decision outside the list, in Arabic, is refused naming the field; nothing stored.
    let refused = nadia
        .app
        .post_json(
            &path,
            &[
                ("cookie", nadia.cookie.as_str()),
                ("x-csrf-token", nadia.csrf.as_str()),
                ("accept-language", "ar"),
            ],
            &review("إغلاق فوري"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("review.decision"), "{}", refused.body);
    let listed = nadia.get(&path).await.json();
    assert_eq!(
        listed["cards"].as_array().map(Vec::len),
        Some(0),
        "{listed}"
    );
    app.finish().await;
}
on_each_backend!(a_review_is_refused_to_other_roles_provinces_and_bad_answers);
