//! The committee's planning (issue 14 §3–4): a diagnosis is opened by the secretariat,
//! filled by two sectors' focal points, consolidated by the technical cell and approved
//! by the chair; its priorities seed the action plan, which the chair approves with a
//! meeting; progress recorded by the responsible organisations appears in the next
//! half-yearly report's achievements section and in the ministry's national view. Wrong
//! roles, another province, stale versions and hostile input are refused.

use crate::support::{Answer, Backend, Signed, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn id_of(answer: &Answer) -> String {
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    answer.json()["id"].as_str().expect("id").to_owned()
}

fn ok(answer: Answer) -> Value {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()
}

async fn read(who: &Signed<'_>, path: &str) -> Value {
    ok(who.get(path).await)
}

/// Salé's milestone "an approved action plan" on the ministry's rollout board.
async fn plan_milestone(analyst: &Signed<'_>) -> Value {
    let board = read(analyst, "/api/v1/rollout").await;
    let row = board["provinces"]
        .as_array()
        .expect("provinces")
        .iter()
        .find(|r| r["territory"] == "sale")
        .expect("Salé on the board")
        .clone();
    row["tracks"]
        .as_array()
        .expect("tracks")
        .iter()
        .flat_map(|t| t[2].as_array().expect("cells").iter())
        .find(|c| c["milestone"] == "plan_approved")
        .expect("the plan's milestone")
        .clone()
}

fn refused(answer: &Answer, status: StatusCode) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert!(answer.body.contains("message"), "{}", answer.body);
}

async fn a_diagnosis_seeds_a_plan_whose_progress_reaches_the_half_yearly_report(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("sale-interior", "interior", Some("sale"))
        .await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    app.organisation("ministry", "family_solidarity", None)
        .await;
    let sec = app
        .signed_in("sec", "sale-centre", &[Role::Secretariat])
        .await;
    let centre = app
        .signed_in("fp1", "sale-centre", &[Role::FocalPoint])
        .await;
    let interior = app
        .signed_in("fp2", "sale-interior", &[Role::FocalPoint])
        .await;
    let cell = app
        .signed_in("cell", "sale-centre", &[Role::TechnicalOfficer])
        .await;
    let chair = app
        .signed_in("chair", "sale-centre", &[Role::CommitteeChair])
        .await;
    let member = app
        .signed_in("member", "sale-interior", &[Role::CommitteeMember])
        .await;
    let rabat = app
        .signed_in("rsec", "rabat-centre", &[Role::Secretariat])
        .await;
    let analyst = app
        .signed_in("analyst", "ministry", &[Role::NationalAnalyst])
        .await;

    // The secretariat opens a diagnosis and assigns its sections to two sectors.
    let sections = json!({"services": "sale-centre", "risks": "sale-centre", "information": "sale-centre",
                          "resources": "sale-interior", "coordination": "sale-interior"});
    let missing = sec
        .post(
            "/api/v1/diagnoses",
            &json!({"from": "2026-01", "to": "2026-10", "sections": {"services": "sale-centre"}}),
        )
        .await;
    refused(&missing, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.body.contains("sections.risks"), "{}", missing.body);
    let elsewhere = sec
        .post("/api/v1/diagnoses", &json!({"from": "2026-01", "to": "2026-10",
            "sections": {"services": "rabat-centre", "risks": "sale-centre", "information": "sale-centre", "resources": "sale-interior", "coordination": "sale-interior"}}))
        .await;
    refused(&elsewhere, StatusCode::UNPROCESSABLE_ENTITY);
    let by_focal = centre
        .post(
            "/api/v1/diagnoses",
            &json!({"from": "2026-01", "to": "2026-10", "sections": sections}),
        )
        .await;
    assert_eq!(by_focal.status, StatusCode::FORBIDDEN, "{}", by_focal.body);
    let diagnosis = id_of(
        &sec.post(
            "/api/v1/diagnoses",
            &json!({"from": "2026-01", "to": "2026-10", "sections": sections}),
        )
        .await,
    );
    let path = format!("/api/v1/diagnoses/{diagnosis}");
    assert_eq!(rabat.get(&path).await.status, StatusCode::NOT_FOUND);
    let opened = read(&member, &path).await;
    assert_eq!(opened["questionnaire"], "diagnosis.v1");
    // The system's own figures are pre-filled, labelled with their source.
    assert_eq!(opened["prefilled"]["reports_rate"]["source"], "reports");

    // Each sector's focal point fills its part; hostile input is refused, nothing lost.
    let section = |area: &str| format!("{path}/sections/{area}");
    let not_mine = centre
        .post(
            &section("resources"),
            &json!({"version": 1, "answers": {"trained_staff": "2"}}),
        )
        .await;
    assert_eq!(not_mine.status, StatusCode::NOT_FOUND, "{}", not_mine.body);
    let hostile = centre
        .post(&section("services"), &json!({"version": 1, "answers": {
            "detection_services": "٣", "care_services": "<script>alert(1)</script>", "shelter_places": "-4"}}))
        .await;
    refused(&hostile, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["detection_services", "care_services", "shelter_places"] {
        assert!(hostile.body.contains(field), "{}", hostile.body);
    }
    ok(centre
        .post(&section("services"), &json!({"version": 1, "submit": true, "answers": {
            "detection_services": "1", "care_services": "1", "reintegration_services": "0", "shelter_places": "5"}}))
        .await);
    let stale = centre
        .post(
            &section("services"),
            &json!({"version": 1, "answers": {"detection_services": "3"}}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    for (who, area, answers) in [
        (
            &centre,
            "risks",
            json!({"main_risk": "neglect", "risk_knowledge": "2"}),
        ),
        (
            &centre,
            "information",
            json!({"data_shared": "3", "indicators_followed": "3", "studies": "2"}),
        ),
        (
            &interior,
            "resources",
            json!({"trained_staff": "2", "social_workers": "10", "budget": "2"}),
        ),
    ] {
        ok(who
            .post(
                &section(area),
                &json!({"version": 1, "submit": true, "answers": answers}),
            )
            .await);
    }
    // Consolidating waits for every section.
    let early = cell
        .post(&format!("{path}/consolidate"), &json!({"version": 1}))
        .await;
    refused(&early, StatusCode::UNPROCESSABLE_ENTITY);
    ok(interior
        .post(
            &section("coordination"),
            &json!({"version": 1, "submit": true, "answers": {
            "committee_meets": "1", "referral_protocol": "0", "lead_sector": "interior"}}),
        )
        .await);
    let filled = read(&cell, &path).await;
    let profile = filled["profile"].as_array().unwrap();
    let score = |area: &str| {
        profile.iter().find(|p| p["area"] == area).unwrap()["score"]
            .as_u64()
            .unwrap()
    };
    assert!(score("services") < score("information"), "{profile:?}");
    let proposed = filled["priorities"].as_array().unwrap().clone();
    assert!(!proposed.is_empty());
    assert!(
        proposed.iter().any(|p| p["area"] == "services"),
        "{proposed:?}"
    );
    // The technical cell consolidates, editing and justifying a priority.
    let v = filled["version"].as_i64().unwrap();
    let by_sec = sec
        .post(&format!("{path}/consolidate"), &json!({"version": v}))
        .await;
    assert_eq!(by_sec.status, StatusCode::FORBIDDEN);
    let mut priorities = proposed.clone();
    priorities[0]["title"] = json!("تعزيز خدمات الرصد والتكفل بالإقليم");
    priorities[0]["justification"] = json!("أضعف نقطة في التشخيص: خدمات الرصد غير كافية");
    ok(cell
        .post(
            &format!("{path}/consolidate"),
            &json!({"version": v, "priorities": priorities}),
        )
        .await);
    let again = cell
        .post(&format!("{path}/consolidate"), &json!({"version": v}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let by_member = member
        .post(&format!("{path}/approve"), &json!({"version": v + 1}))
        .await;
    assert_eq!(by_member.status, StatusCode::FORBIDDEN);
    ok(chair
        .post(&format!("{path}/approve"), &json!({"version": v + 1}))
        .await);
    let frozen = centre
        .post(
            &section("services"),
            &json!({"version": 2, "answers": {"detection_services": "3"}}),
        )
        .await;
    assert_eq!(frozen.status, StatusCode::CONFLICT, "{}", frozen.body);
    assert_eq!(frozen.json()["error"]["code"], "wrong_step");

    // The diagnosis's priorities seed the action plan.
    let plan = id_of(
        &cell
            .post(
                "/api/v1/action-plans",
                &json!({"title": "خطة العمل الإقليمية لحماية الطفولة 2026-2028",
                "first_year": 2026, "diagnosis": diagnosis}),
            )
            .await,
    );
    let plan_path = format!("/api/v1/action-plans/{plan}");
    let drafted = read(&member, &plan_path).await;
    assert_eq!(drafted["status"], "draft");
    assert_eq!(drafted["last_year"], 2028);
    assert_eq!(
        drafted["priorities"].as_array().unwrap().len(),
        priorities.len()
    );
    assert_eq!(
        drafted["priorities"][0]["title"],
        "تعزيز خدمات الرصد والتكفل بالإقليم"
    );
    let priority = drafted["priorities"][0]["key"].as_str().unwrap().to_owned();
    let edit = |v: i64, body: Value| {
        let mut body = body;
        body["version"] = json!(v);
        body
    };
    ok(cell
        .post(&format!("{plan_path}/edit"), &edit(1, json!({"kind": "add_objective", "priority": priority, "title": "تغطية الإقليم بخدمات الرصد"})))
        .await);
    let objective = read(&cell, &plan_path).await["priorities"][0]["objectives"][0]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let hostile_action = cell
        .post(&format!("{plan_path}/edit"), &edit(2, json!({"kind": "add_action", "objective": objective,
            "title": "تكوين", "organisation": "rabat-centre", "start": "2026-05-01", "end": "2026-02-01",
            "budget": [{"year": 2031, "source": "lottery", "amount": 10}]})))
        .await;
    refused(&hostile_action, StatusCode::UNPROCESSABLE_ENTITY);
    for field in [
        "organisation",
        "\"end\"",
        "budget.0.year",
        "budget.0.source",
    ] {
        assert!(
            hostile_action.body.contains(field),
            "{field}: {}",
            hostile_action.body
        );
    }
    ok(cell
        .post(&format!("{plan_path}/edit"), &edit(2, json!({"kind": "add_action", "objective": objective,
            "title": "إحداث خلايا الرصد بالجماعات", "organisation": "sale-interior", "partners": "الجماعات الترابية",
            "start": "2026-02-01", "end": "2026-06-30",
            "budget": [{"year": 2026, "source": "province", "amount": 100000}]})))
        .await);
    ok(cell
        .post(&format!("{plan_path}/edit"), &edit(3, json!({"kind": "add_action", "objective": objective,
            "title": "تكوين المساعدين الاجتماعيين", "organisation": "sale-centre",
            "start": "2026-09-01", "end": "2027-06-30",
            "budget": [{"year": 2026, "source": "state", "amount": 50000}, {"year": 2027, "source": "partners", "amount": 50000}]})))
        .await);
    ok(cell
        .post(&format!("{plan_path}/edit"), &edit(4, json!({"kind": "add_indicator", "objective": objective,
            "name": "الحالات لكل 1000 طفل", "unit": "‰", "baseline": 0, "targets": [0, 1, 2], "source": "cases", "rate": true})))
        .await);
    ok(cell
        .post(&format!("{plan_path}/edit"), &edit(5, json!({"kind": "add_indicator", "objective": objective,
            "name": "خلايا الرصد المحدثة", "unit": "خلية", "baseline": 0, "targets": [5, 10, 15], "manual": 2})))
        .await);
    let stale_edit = cell
        .post(
            &format!("{plan_path}/edit"),
            &edit(5, json!({"kind": "add_priority", "title": "x"})),
        )
        .await;
    assert_eq!(stale_edit.status, StatusCode::CONFLICT);

    // The chair approves it with the meeting that did; it is then frozen.
    let meeting = id_of(
        &sec.post(
            "/api/v1/meetings",
            &json!({"kind": "ordinary", "starts_at": "2026-11-20T10:00", "place": "عمالة سلا"}),
        )
        .await,
    );
    let no_meeting = chair
        .post(
            &format!("{plan_path}/approve"),
            &json!({"version": 6, "meeting": meeting}),
        )
        .await;
    refused(&no_meeting, StatusCode::UNPROCESSABLE_ENTITY);
    ok(sec.post(&format!("/api/v1/meetings/{meeting}/items"), &json!({"version": 1, "kind": "deliberation", "title": "المصادقة على خطة العمل الإقليمية"})).await);
    ok(sec
        .post(
            &format!("/api/v1/meetings/{meeting}/convene"),
            &json!({"version": 2}),
        )
        .await);
    let by_cell = cell
        .post(
            &format!("{plan_path}/approve"),
            &json!({"version": 6, "meeting": meeting}),
        )
        .await;
    assert_eq!(by_cell.status, StatusCode::FORBIDDEN);
    assert_eq!(plan_milestone(&analyst).await["status"], "not_started");
    ok(chair
        .post(
            &format!("{plan_path}/approve"),
            &json!({"version": 6, "meeting": meeting}),
        )
        .await);
    // The rollout's measured milestone (issue 15) turns done with the approval's day.
    let milestone = plan_milestone(&analyst).await;
    assert_eq!(milestone["status"], "done", "{milestone}");
    assert_eq!(milestone["measured"], true);
    let approved = read(&member, &plan_path).await;
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["meeting"], meeting.as_str());
    let after = cell
        .post(
            &format!("{plan_path}/edit"),
            &edit(7, json!({"kind": "add_priority", "title": "x"})),
        )
        .await;
    assert_eq!(
        after.json()["error"]["code"],
        "wrong_step",
        "{}",
        after.body
    );

    // Each responsible organisation's focal point records its progress.
    let actions = approved["priorities"][0]["objectives"][0]["actions"]
        .as_array()
        .unwrap()
        .clone();
    let (cells_action, training) = (
        actions[0]["key"].as_str().unwrap().to_owned(),
        actions[1]["key"].as_str().unwrap().to_owned(),
    );
    let progress = |key: &str| format!("{plan_path}/actions/{key}/progress");
    let not_theirs = centre
        .post(&progress(&cells_action), &json!({"percent": 50}))
        .await;
    assert_eq!(not_theirs.status, StatusCode::NOT_FOUND);
    let too_much = interior
        .post(
            &progress(&cells_action),
            &json!({"percent": 140, "note": "تم"}),
        )
        .await;
    refused(&too_much, StatusCode::UNPROCESSABLE_ENTITY);
    let first = id_of(&interior
        .post(&progress(&cells_action), &json!({"percent": 60, "spent": 40000, "note": "أحدثت 3 خلايا من 5", "evidence": "مراسلة عدد 125/2026", "_key": "k-1"}))
        .await);
    let twice = id_of(
        &interior
            .post(
                &progress(&cells_action),
                &json!({"percent": 60, "spent": 40000, "note": "أحدثت 3 خلايا من 5", "_key": "k-1"}),
            )
            .await,
    );
    assert_eq!(first, twice);
    id_of(
        &centre
            .post(
                &progress(&training),
                &json!({"percent": 100, "spent": 45000, "note": "أنجز التكوين"}),
            )
            .await,
    );
    ok(cell
        .post(
            &format!("{plan_path}/progress/{first}/review"),
            &json!({"note": "مطابق للوثائق"}),
        )
        .await);
    let followed = read(&chair, &plan_path).await;
    assert_eq!(followed["execution_rate"], 80);
    assert_eq!(followed["actions"][&cells_action]["state"], "late");
    assert_eq!(followed["actions"][&training]["state"], "done");
    assert_eq!(
        followed["actions"][&cells_action]["progress"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The next half-yearly report shows the plan's achievements.
    let report = sec
        .post("/api/v1/periodic-reports", &json!({"kind": "half_yearly", "territory": "sale", "from": "2026-07", "to": "2026-12"}))
        .await;
    assert_eq!(report.status, StatusCode::CREATED, "{}", report.body);
    let achieved = &report.json()["action_plan_achievements"];
    assert_eq!(achieved["execution_rate"], 80, "{achieved}");
    assert_eq!(achieved["done"], 1);
    assert_eq!(achieved["late"], 1);
    assert_eq!(achieved["budget_spent"], 85000);
    assert_eq!(achieved["budget_planned"], 200000.0);
    assert_eq!(achieved["indicators"].as_array().unwrap().len(), 2);
    assert!(
        achieved["actions"][0]["organisation"]
            .as_str()
            .unwrap()
            .starts_with("sale-interior")
    );
    let page = sec
        .get(&format!(
            "/periodic-reports/{}",
            report.json()["id"].as_str().unwrap()
        ))
        .await;
    assert!(
        page.body.contains("إحداث خلايا الرصد بالجماعات"),
        "{}",
        page.body
    );

    // The ministry's views: plan status per province, profiles side by side.
    let national = read(&analyst, "/api/v1/action-plans/national").await;
    let line = |code: &str| {
        national["provinces"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["territory"] == code)
            .cloned()
            .unwrap()
    };
    assert_eq!(line("sale")["status"], "approved");
    assert_eq!(line("sale")["execution_rate"], 80);
    assert_eq!(line("rabat")["status"], "none");
    let compared = read(&analyst, "/api/v1/diagnoses/compare").await;
    assert_eq!(compared["provinces"][0]["territory"], "sale");
    assert_eq!(
        read(&rabat, "/api/v1/action-plans/national").await["provinces"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // A revision is a new version; the approved one stays until it is replaced.
    let revision = id_of(&cell.post(&format!("{plan_path}/revise"), &json!({})).await);
    assert_eq!(line("sale")["status"], "approved");
    ok(chair
        .post(
            &format!("/api/v1/action-plans/{revision}/approve"),
            &json!({"version": 1, "meeting": meeting}),
        )
        .await);
    assert_eq!(read(&member, &plan_path).await["status"], "superseded");
    let national = read(&analyst, "/api/v1/action-plans/national").await;
    let sale = national["provinces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["territory"] == "sale")
        .unwrap()
        .clone();
    assert_eq!(sale["status"], "revised");
    // Progress carries on across versions (the same action keys).
    assert_eq!(sale["execution_rate"], 80);
    let list = read(&member, "/api/v1/action-plans").await;
    assert_eq!(list["action_plans"].as_array().unwrap().len(), 2);

    // The pages: by section with progress per sector, the plan's tree and timeline, the
    // ministry's comparison and national view (with its XLSX).
    let page = chair.get(&format!("/diagnoses/{diagnosis}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("تعزيز خدمات الرصد والتكفل بالإقليم"),
        "{}",
        page.body
    );
    let page = chair.get(&format!("/action-plans/{plan}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<svg") && page.body.contains("إحداث خلايا الرصد بالجماعات"));
    for path in [
        "/diagnoses",
        "/action-plans",
        "/diagnoses/compare",
        "/action-plans/national",
    ] {
        let page = member.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    }
    let compare = analyst.get("/diagnoses/compare").await;
    assert!(compare.body.contains("<svg"), "{}", compare.body);
    let xlsx = analyst.get("/action-plans/national.xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.header("content-type").contains("spreadsheetml"));
    // A page form refused for its input comes back with what was typed.
    let second = id_of(
        &sec.post(
            "/api/v1/diagnoses",
            &json!({"from": "2026-05", "to": "2026-10", "sections": sections}),
        )
        .await,
    );
    let form = centre
        .get(&format!("/diagnoses/{second}/sections/services"))
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let posted = {
        let pairs = [
            ("_csrf", centre.csrf.as_str()),
            ("_version", "1"),
            ("q_shelter_places", "عشرون"),
        ];
        centre
            .app
            .post_form(
                &format!("/diagnoses/{second}/sections/services"),
                &[("cookie", centre.cookie.as_str())],
                &pairs,
            )
            .await
    };
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.body);
    assert!(
        posted.body.contains("عشرون") && posted.body.contains("role=\"alert\""),
        "{}",
        posted.body
    );

    // Every change is audited.
    let audited: Vec<String> = app
        .store
        .audit_entries(&Default::default(), 1000, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.entry.action)
        .filter(|a| a.starts_with("diagnosis.") || a.starts_with("action_plan."))
        .collect();
    for action in [
        "diagnosis.opened",
        "diagnosis.section_saved",
        "diagnosis.consolidated",
        "diagnosis.approved",
        "action_plan.drafted",
        "action_plan.changed",
        "action_plan.approved",
        "action_plan.progress",
        "action_plan.progress_reviewed",
    ] {
        assert!(audited.iter().any(|a| a == action), "{action}: {audited:?}");
    }
    app.finish().await;
}
on_each_backend!(a_diagnosis_seeds_a_plan_whose_progress_reaches_the_half_yearly_report);
