//! The rollout in ten tracks (issue 15 §2): a province's measured milestones turn to
//! done, with their day, as its committee meets (the committee's own API) and its staff
//! are trained; the action plan's milestone is declared measured but not measurable yet;
//! declared milestones keep their version; wrong roles and other provinces are refused.

use crate::support::{Backend, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn ok(answer: crate::support::Answer) -> Value {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()
}

fn id_of(answer: &crate::support::Answer) -> String {
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    answer.json()["id"].as_str().expect("id").to_owned()
}

/// The cell of `milestone` in `province`'s row of the rollout board.
fn cell(board: &Value, province: &str, milestone: &str) -> Value {
    let row = board["provinces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["territory"] == province)
        .unwrap_or_else(|| panic!("{province} in the board"));
    row["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t[2].as_array().unwrap().iter())
        .find(|c| c["milestone"] == milestone)
        .unwrap()
        .clone()
}

async fn measured_milestones_turn_to_done_as_the_committee_meets(backend: Backend) {
    let app = TestApp::start(backend).await;
    crate::training::setup(&app).await;
    let national = app
        .signed_in("ministry", "ministry", &[Role::NationalAnalyst])
        .await;
    let secretariat = app
        .signed_in("sec", "sale-centre", &[Role::Secretariat])
        .await;
    let chair = app
        .signed_in("chair", "sale-centre", &[Role::CommitteeChair])
        .await;
    let coordinator = app
        .signed_in("coord", "sale-centre", &[Role::Coordinator])
        .await;

    let board = ok(national.get("/api/v1/rollout").await);
    assert_eq!(board["tracks"].as_array().unwrap().len(), 10);
    let met = cell(&board, "sale", "committee_met");
    assert_eq!(met["status"], "not_started");
    assert_eq!(met["measured"], true);
    let plan = cell(&board, "sale", "plan_approved");
    assert_eq!(plan["measured"], true);
    assert_eq!(plan["status"], "not_started", "no plan approved yet");
    // Salé is a wave-1 pilot: its committee was planned for mid-2020, so it is late.
    assert_eq!(met["late"], true);

    // The committee meets, through its own API: a member, a meeting, minutes approved.
    let governor = id_of(&secretariat.post("/api/v1/committee/members", &json!({
        "body": "committee", "seat": "chair", "full_name": "السيد أحمد بناني", "sector": "interior", "organisation": "عمالة سلا"
    })).await);
    let meeting = id_of(&secretariat.post("/api/v1/meetings", &json!({
        "kind": "ordinary", "starts_at": "2026-11-20T10:00", "place": "قاعة الاجتماعات بعمالة سلا"
    })).await);
    let version = |a: Value| a["version"].as_i64().unwrap();
    let v = version(ok(secretariat
        .get(&format!("/api/v1/meetings/{meeting}"))
        .await));
    ok(secretariat
        .post(
            &format!("/api/v1/meetings/{meeting}/items"),
            &json!({"version": v, "kind": "deliberation", "title": "إطلاق الجهاز الترابي"}),
        )
        .await);
    let v = version(ok(secretariat
        .get(&format!("/api/v1/meetings/{meeting}"))
        .await));
    ok(secretariat
        .post(
            &format!("/api/v1/meetings/{meeting}/convene"),
            &json!({"version": v}),
        )
        .await);
    // Convened is not met: the minutes must be approved.
    let board = ok(national.get("/api/v1/rollout").await);
    assert_eq!(
        cell(&board, "sale", "committee_met")["status"],
        "not_started"
    );
    let v = version(ok(secretariat
        .get(&format!("/api/v1/meetings/{meeting}"))
        .await));
    ok(secretariat
        .post(
            &format!("/api/v1/meetings/{meeting}/attendance"),
            &json!({"version": v, "attendance": [{"member": governor, "status": "present"}]}),
        )
        .await);
    let v = version(ok(secretariat
        .get(&format!("/api/v1/meetings/{meeting}"))
        .await));
    ok(chair
        .post(
            &format!("/api/v1/meetings/{meeting}/approve"),
            &json!({"version": v}),
        )
        .await);
    let board = ok(national.get("/api/v1/rollout").await);
    let met = cell(&board, "sale", "committee_met");
    assert_eq!(met["status"], "done", "{met}");
    assert_eq!(met["on"], "2026-11-23");
    assert_eq!(met["late"], false);
    // Rabat's committee has not met.
    assert_eq!(
        cell(&board, "rabat", "committee_met")["status"],
        "not_started"
    );

    // Staff trained: a whole session attended.
    let (_, session) = crate::training::a_session(&national, &coordinator).await;
    let v = version(ok(coordinator
        .get(&format!("/api/v1/training/sessions/{session}"))
        .await));
    let doctor = id_of(
        &coordinator
            .post(
                &format!("/api/v1/training/sessions/{session}/participants"),
                &json!({
                    "version": v, "organisation": "sale-hospital", "full_name": "د. كريم"
                }),
            )
            .await,
    );
    assert_eq!(
        cell(
            &ok(national.get("/api/v1/rollout").await),
            "sale",
            "staff_trained"
        )["status"],
        "not_started"
    );
    for day in ["2026-11-16", "2026-11-17"] {
        let v = version(ok(coordinator
            .get(&format!("/api/v1/training/sessions/{session}"))
            .await));
        ok(coordinator
            .post(
                &format!("/api/v1/training/sessions/{session}/attendance"),
                &json!({
                    "version": v, "day": day, "present": [doctor]
                }),
            )
            .await);
    }
    let trained = cell(
        &ok(national.get("/api/v1/rollout").await),
        "sale",
        "staff_trained",
    );
    assert_eq!(trained["status"], "done");
    assert_eq!(trained["on"], "2026-11-17");

    // A declared milestone: the secretariat declares, a stale version is refused.
    let declare = |v: Option<i64>, status: &str| json!({"version": v, "status": status, "on": "2026-10-01", "evidence": "اتفاقية موقعة بتاريخ 1 أكتوبر"});
    ok(secretariat
        .post("/api/v1/rollout/sale/agreement", &declare(None, "done"))
        .await);
    let again = secretariat
        .post(
            "/api/v1/rollout/sale/agreement",
            &declare(None, "in_progress"),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    ok(secretariat
        .post("/api/v1/rollout/sale/agreement", &declare(Some(1), "done"))
        .await);
    let agreement = cell(
        &ok(secretariat.get("/api/v1/rollout").await),
        "sale",
        "agreement",
    );
    assert_eq!(agreement["status"], "done");
    assert_eq!(agreement["version"], 2);
    // A measured milestone is not declared; the future is refused; hostile text named.
    let measured = secretariat
        .post("/api/v1/rollout/sale/committee_met", &declare(None, "done"))
        .await;
    assert_eq!(measured.status, StatusCode::UNPROCESSABLE_ENTITY);
    let hostile = secretariat
        .post(
            "/api/v1/rollout/sale/launch_event",
            &json!({"status": "<b>", "on": "2027-01-01", "evidence": "x\u{202E}y"}),
        )
        .await;
    assert_eq!(
        hostile.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        hostile.body
    );
    // The unknown status, the day to come and the direction control, all named.
    assert_eq!(hostile.json()["fields"].as_array().unwrap().len(), 3);

    // Wrong roles and other provinces.
    let member = app
        .signed_in("member", "sale-hospital", &[Role::CommitteeMember])
        .await;
    assert_eq!(
        member
            .post("/api/v1/rollout/sale/agreement", &declare(Some(2), "done"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        secretariat
            .post("/api/v1/rollout/rabat/agreement", &declare(None, "done"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // A province's people see their own row only.
    let own = ok(secretariat.get("/api/v1/rollout").await);
    assert_eq!(own["provinces"].as_array().unwrap().len(), 1);
    // The milestones are the ministry's to edit.
    let edit = json!({"title_ar": "توقيع الاتفاقية", "title_fr": "Convention signée", "month": "2"});
    assert_eq!(
        secretariat
            .post("/api/v1/rollout/milestones/agreement", &edit)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    ok(national
        .post("/api/v1/rollout/milestones/agreement", &edit)
        .await);
    let stale = national
        .post("/api/v1/rollout/milestones/agreement", &edit)
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let board = ok(national.get("/api/v1/rollout").await);
    assert_eq!(board["milestone_versions"]["agreement"], 1);
    assert_eq!(cell(&board, "sale", "agreement")["planned"], "2020-04-01");

    // The page: the table, the schematic map, the province's milestones.
    let page = national.get("/rollout?territory=sale").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"rollout-table\""));
    assert!(page.body.contains("<svg"));
    assert!(page.body.contains("data-status=\"done\""));
    assert_eq!(member.get("/rollout").await.status, StatusCode::OK);
    app.finish().await;
}
on_each_backend!(measured_milestones_turn_to_done_as_the_committee_meets);
