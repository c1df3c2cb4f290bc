//! The provincial committee (issue 14): the secretariat convenes, the members see it,
//! attendance and minutes are recorded, the chair approves (the meeting is frozen), a
//! decision goes overdue and shows for the technical cell; wrong roles, another
//! province, stale versions and hostile input are refused; no role of the committee
//! reads a child's identity.

use crate::support::{Backend, Signed, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn id_of(answer: &crate::support::Answer) -> String {
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    answer.json()["id"].as_str().expect("id").to_owned()
}

async fn ok(answer: crate::support::Answer) -> Value {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()
}

async fn version_of(who: &Signed<'_>, meeting: &str) -> i64 {
    ok(who.get(&format!("/api/v1/meetings/{meeting}")).await).await["version"]
        .as_i64()
        .expect("version")
}

async fn page_post(who: &Signed<'_>, path: &str, pairs: &[(&str, &str)]) -> crate::support::Answer {
    let mut all = vec![("_csrf", who.csrf.as_str())];
    all.extend_from_slice(pairs);
    who.app
        .post_form(path, &[("cookie", who.cookie.as_str())], &all)
        .await
}

async fn setup(app: &TestApp) {
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("sale-hospital", "health", Some("sale"))
        .await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
}

async fn a_meeting_is_convened_held_approved_and_its_decisions_followed(backend: Backend) {
    let app = TestApp::start(backend).await;
    setup(&app).await;
    let secretariat = app
        .signed_in("sec", "sale-centre", &[Role::Secretariat])
        .await;
    let chair = app
        .signed_in("chair", "sale-centre", &[Role::CommitteeChair])
        .await;
    let member = app
        .signed_in("member", "sale-hospital", &[Role::CommitteeMember])
        .await;
    let cell = app
        .signed_in("cell", "sale-centre", &[Role::TechnicalOfficer])
        .await;

    // The committee's people, kept by the secretariat.
    let governor = id_of(&secretariat.post("/api/v1/committee/members", &json!({
        "body": "committee", "seat": "chair", "full_name": "السيد أحمد بناني", "title": "الكاتب العام للعمالة",
        "sector": "interior", "organisation": "عمالة سلا", "mandate_from": "2026-01-01", "mandate_to": "2028-12-31"
    })).await);
    let health = id_of(&secretariat.post("/api/v1/committee/members", &json!({
        "body": "committee", "seat": "member", "full_name": "د. سعاد العلوي", "sector": "health",
        "organisation": "المندوبية الإقليمية للصحة", "substitute": "د. كريم", "email": "s.alaoui@sante.gov.ma"
    })).await);
    let education = id_of(&secretariat.post("/api/v1/committee/members", &json!({
        "body": "committee", "seat": "member", "full_name": "ذ. محمد التازي", "sector": "education",
        "organisation": "المديرية الإقليمية للتربية الوطنية"
    })).await);
    let expert = id_of(&secretariat.post("/api/v1/committee/members", &json!({
        "body": "experts", "seat": "expert", "full_name": "ذة. ليلى", "sector": "justice",
        "organisation": "هيئة المحامين", "field": "محامية"
    })).await);
    ok(secretariat
        .post("/api/v1/committee/quorum", &json!({"quorum": 2}))
        .await)
    .await;
    let committee = ok(member.get("/api/v1/committee").await).await;
    assert_eq!(committee["members"].as_array().unwrap().len(), 3);
    assert_eq!(committee["experts"][0]["id"], expert);
    assert_eq!(committee["quorum"], 2);

    // A member changes: the version before is kept.
    let changed = secretariat
        .post(&format!("/api/v1/committee/members/{education}"), &json!({
            "version": 1, "body": "committee", "seat": "member", "full_name": "ذ. محمد التازي",
            "sector": "education", "organisation": "المديرية الإقليمية للتربية الوطنية", "substitute": "ذة. نادية"
        }))
        .await;
    ok(changed).await;
    let again = secretariat
        .post(&format!("/api/v1/committee/members/{education}"), &json!({
            "version": 1, "body": "committee", "seat": "member", "full_name": "x", "sector": "education", "organisation": "y"
        }))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(again.json()["error"]["code"], "stale");
    let history = ok(member
        .get(&format!("/api/v1/committee/members/{education}"))
        .await)
    .await;
    assert_eq!(history["history"][0]["version"], 1);
    assert_eq!(history["substitute"], "ذة. نادية");

    // A meeting, drafted then convened.
    let meeting = id_of(&secretariat.post("/api/v1/meetings", &json!({
        "kind": "ordinary", "starts_at": "2026-11-25T10:00", "place": "قاعة الاجتماعات بعمالة سلا"
    })).await);
    let v = version_of(&secretariat, &meeting).await;
    ok(secretariat.post(&format!("/api/v1/meetings/{meeting}/items"), &json!({
        "version": v, "kind": "deliberation", "title": "وضعية الأطفال في وضعية الشارع", "documents": "تقرير المركز الفصلي\nمعطيات إحصائية"
    })).await).await;
    // The members do not see a draft.
    assert!(
        !member
            .get("/")
            .await
            .body
            .contains(&format!("/meetings/{meeting}"))
    );
    let stale = secretariat
        .post(
            &format!("/api/v1/meetings/{meeting}/convene"),
            &json!({"version": v}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let v = version_of(&secretariat, &meeting).await;
    ok(secretariat
        .post(
            &format!("/api/v1/meetings/{meeting}/convene"),
            &json!({"version": v}),
        )
        .await)
    .await;
    let twice = secretariat
        .post(
            &format!("/api/v1/meetings/{meeting}/convene"),
            &json!({"version": v + 1}),
        )
        .await;
    assert_eq!(
        twice.json()["error"]["code"],
        "wrong_step",
        "{}",
        twice.body
    );
    // Members see it on their home page.
    let home = member.get("/").await;
    assert!(
        home.body.contains(&format!("/meetings/{meeting}")),
        "{}",
        home.body
    );
    assert!(home.body.contains("قاعة الاجتماعات بعمالة سلا"));

    // Attendance and minutes.
    let v = version_of(&secretariat, &meeting).await;
    ok(secretariat
        .post(
            &format!("/api/v1/meetings/{meeting}/attendance"),
            &json!({"version": v, "attendance": [
                {"member": governor, "status": "present"},
                {"member": health, "status": "substitute"},
                {"member": education, "status": "excused"},
                {"member": expert, "status": "present"},
            ]}),
        )
        .await)
    .await;
    let file = ok(member.get(&format!("/api/v1/meetings/{meeting}")).await).await;
    assert_eq!(
        file["quorum"],
        json!({"required": 2, "attending": 2, "reached": true})
    );
    let item = file["agenda"][0]["id"].as_str().unwrap().to_owned();
    let v = file["version"].as_i64().unwrap();
    ok(secretariat
        .post(
            &format!("/api/v1/meetings/{meeting}/minutes"),
            &json!({
                "version": v, "item": item, "minutes": "تداول الأعضاء في وضعية الأطفال، وتقرر ما يلي."
            }),
        )
        .await)
    .await;
    // Two decisions: one past its deadline (today is 2026-11-23).
    let v = version_of(&secretariat, &meeting).await;
    let late = id_of(&secretariat.post(&format!("/api/v1/meetings/{meeting}/decisions"), &json!({
        "version": v, "text": "إحداث خلية استقبال بالمستشفى", "owner": "sale-hospital", "deadline": "2026-11-20",
        "expected_result": "خلية تستقبل الأطفال ضحايا العنف"
    })).await);
    let v = version_of(&secretariat, &meeting).await;
    let later = id_of(&secretariat.post(&format!("/api/v1/meetings/{meeting}/decisions"), &json!({
        "version": v, "text": "تكوين المتدخلين", "owner": "sale-centre", "deadline": "2026-12-31", "expected_result": "30 متدخلا"
    })).await);

    // Wrong roles.
    let v = version_of(&secretariat, &meeting).await;
    let by_member = member
        .post(
            &format!("/api/v1/meetings/{meeting}/approve"),
            &json!({"version": v}),
        )
        .await;
    assert_eq!(by_member.status, StatusCode::FORBIDDEN);
    let by_cell = cell
        .post(
            &format!("/api/v1/meetings/{meeting}/minutes"),
            &json!({"version": v, "item": item, "minutes": "x"}),
        )
        .await;
    assert_eq!(by_cell.status, StatusCode::FORBIDDEN);
    let by_chair = chair
        .post(
            &format!("/api/v1/decisions/{late}/follow-up"),
            &json!({"note": "x"}),
        )
        .await;
    assert_eq!(by_chair.status, StatusCode::FORBIDDEN);

    // The chair approves: the meeting is frozen.
    ok(chair
        .post(
            &format!("/api/v1/meetings/{meeting}/approve"),
            &json!({"version": v}),
        )
        .await)
    .await;
    let v = version_of(&secretariat, &meeting).await;
    for (path, body) in [
        (
            "minutes",
            json!({"version": v, "item": item, "minutes": "تعديل"}),
        ),
        (
            "items",
            json!({"version": v, "kind": "information", "title": "نقطة"}),
        ),
        (
            "decisions",
            json!({"version": v, "text": "قرار", "owner": "sale-centre", "deadline": "2027-01-01", "expected_result": "x"}),
        ),
    ] {
        let frozen = secretariat
            .post(&format!("/api/v1/meetings/{meeting}/{path}"), &body)
            .await;
        assert_eq!(
            frozen.status,
            StatusCode::CONFLICT,
            "{path}: {}",
            frozen.body
        );
        assert_eq!(frozen.json()["error"]["code"], "frozen");
    }
    let file = ok(member.get(&format!("/api/v1/meetings/{meeting}")).await).await;
    assert_eq!(file["status"], "approved");
    assert_eq!(
        file["agenda"][0]["minutes"],
        "تداول الأعضاء في وضعية الأطفال، وتقرر ما يلي."
    );

    // The overdue decision shows for the technical cell (API, list and home page).
    let overdue = ok(cell.get("/api/v1/decisions?overdue=true").await).await;
    let ids: Vec<&str> = overdue["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![late.as_str()]);
    assert_eq!(overdue["decisions"][0]["overdue"], true);
    let page = cell.get("/decisions?overdue=true").await;
    assert!(
        page.body.contains("إحداث خلية استقبال بالمستشفى")
            && !page.body.contains("تكوين المتدخلين")
    );
    let home = cell.get("/").await;
    assert!(
        home.body.contains("/decisions?overdue=true"),
        "{}",
        home.body
    );

    // Follow-up: dropping needs a reason; a stale version is refused; notes are kept.
    let no_reason = cell
        .post(
            &format!("/api/v1/decisions/{late}/follow-up"),
            &json!({"status": "dropped", "version": 1}),
        )
        .await;
    assert_eq!(
        no_reason.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        no_reason.body
    );
    assert_eq!(no_reason.json()["fields"][0]["field"], "reason");
    ok(cell.post(&format!("/api/v1/decisions/{late}/follow-up"), &json!({
        "status": "in_progress", "version": 1, "note": "عقد لقاء مع مدير المستشفى", "progress": 30
    })).await).await;
    let stale = cell
        .post(
            &format!("/api/v1/decisions/{late}/follow-up"),
            &json!({"status": "done", "version": 1}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let read = ok(chair.get(&format!("/api/v1/decisions/{late}")).await).await;
    assert_eq!(read["status"], "in_progress");
    assert_eq!(read["notes"][0]["progress"], 30);
    ok(secretariat
        .post(
            &format!("/api/v1/decisions/{later}/follow-up"),
            &json!({
                "status": "dropped", "version": 1, "reason": "أدمج في برنامج التكوين الوطني"
            }),
        )
        .await)
    .await;

    // The next meeting proposes the follow-up of the decisions still open.
    let next = id_of(
        &secretariat
            .post(
                "/api/v1/meetings",
                &json!({
                    "kind": "thematic", "starts_at": "2027-02-10T09:30", "place": "مركز المواكبة"
                }),
            )
            .await,
    );
    let file = ok(member.get(&format!("/api/v1/meetings/{next}")).await).await;
    assert_eq!(file["agenda"][0]["kind"], "follow_up");
    let carried: Vec<&str> = file["open_decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(carried, vec![late.as_str()]);
    let page = member.get(&format!("/meetings/{next}")).await;
    assert!(
        page.body.contains("تتبع تفعيل قرارات اللجنة")
            && page.body.contains("إحداث خلية استقبال بالمستشفى")
    );

    // The papers print, in Arabic (and French on request), read back as a person would.
    for (paper, words) in [
        ("convocation.pdf", "دعوة لحضور اجتماع اللجنة"),
        ("attendance.pdf", "ورقة الحضور"),
        ("minutes.pdf", "تداول الأعضاء في وضعية الأطفال"),
        ("minutes.pdf?lang=fr", "Procès-verbal de la réunion"),
    ] {
        let path = format!("/meetings/{meeting}/{paper}");
        let (status, kind, pdf) = crate::referrals::bytes(&app, &path, &member.cookie).await;
        assert_eq!(status, StatusCode::OK, "{paper}");
        assert_eq!(kind, "application/pdf");
        assert!(pdf.starts_with(b"%PDF-"));
        if let Some(text) = crate::read_back::pdf_text(&pdf) {
            assert!(text.contains(words), "{paper}: {text}");
            assert!(
                text.contains("سعاد العلوي") || paper != "attendance.pdf",
                "{text}"
            );
        }
    }

    // Every change is audited.
    let entries = app
        .store
        .audit_entries(
            &awladna_store::audit::AuditFilter {
                territory: Some("sale".into()),
                ..Default::default()
            },
            500,
            0,
        )
        .await
        .unwrap();
    for action in [
        "committee.member_added",
        "committee.member_changed",
        "committee.quorum_set",
        "meeting.created",
        "meeting.convened",
        "meeting.attendance",
        "meeting.minutes",
        "decision.recorded",
        "meeting.minutes_approved",
        "decision.followed_up",
    ] {
        assert!(
            entries.iter().any(|e| e.entry.action == action),
            "{action} audited"
        );
    }
    app.finish().await;
}
on_each_backend!(a_meeting_is_convened_held_approved_and_its_decisions_followed);

async fn another_province_wrong_roles_and_hostile_input_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    setup(&app).await;
    let secretariat = app
        .signed_in("sec", "sale-centre", &[Role::Secretariat])
        .await;
    let rabat = app
        .signed_in("sec.rabat", "rabat-centre", &[Role::Secretariat])
        .await;
    let worker = app
        .signed_in("worker", "sale-centre", &[Role::CaseWorker])
        .await;
    let meeting = id_of(
        &secretariat
            .post(
                "/api/v1/meetings",
                &json!({
                    "kind": "extraordinary", "starts_at": "2026-11-30T15:00", "place": "العمالة"
                }),
            )
            .await,
    );
    let decision = id_of(&secretariat.post(&format!("/api/v1/meetings/{meeting}/decisions"), &json!({
        "version": 1, "text": "قرار", "owner": "sale-centre", "deadline": "2026-12-01", "expected_result": "x"
    })).await);

    // Another province's meeting and decision do not exist for Rabat's secretariat.
    for path in [
        format!("/api/v1/meetings/{meeting}"),
        format!("/api/v1/decisions/{decision}"),
        format!("/meetings/{meeting}"),
    ] {
        assert_eq!(
            rabat.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let foreign = rabat
        .post(
            &format!("/api/v1/meetings/{meeting}/convene"),
            &json!({"version": 2}),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let rabat_list = ok(rabat.get("/api/v1/decisions").await).await;
    assert!(rabat_list["decisions"].as_array().unwrap().is_empty());
    // A decision owned by another province's organisation is refused.
    let v = version_of(&secretariat, &meeting).await;
    let owner = secretariat.post(&format!("/api/v1/meetings/{meeting}/decisions"), &json!({
        "version": v, "text": "قرار", "owner": "rabat-centre", "deadline": "2026-12-01", "expected_result": "x"
    })).await;
    assert_eq!(owner.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(owner.json()["fields"][0]["field"], "owner");
    // A national user names a province; another one's territory is refused.
    let asked = rabat.get("/api/v1/committee?territory=sale").await;
    assert_eq!(asked.status, StatusCode::NOT_FOUND);

    // A case worker has no committee work; the committee's people read no child.
    assert_eq!(
        worker.get("/api/v1/committee").await.status,
        StatusCode::FORBIDDEN
    );
    for role in [
        Role::CommitteeChair,
        Role::TechnicalOfficer,
        Role::CommitteeMember,
        Role::Secretariat,
    ] {
        let who = app
            .signed_in(&format!("{}.x", role.code()), "sale-centre", &[role])
            .await;
        for path in [
            "/api/v1/cases",
            "/api/v1/children?q=x",
            "/cases",
            "/children",
            "/referrals",
        ] {
            assert_eq!(
                who.get(path).await.status,
                StatusCode::FORBIDDEN,
                "{role} {path}"
            );
        }
    }

    // Hostile input: every field's problem at once, in Arabic.
    let hostile = secretariat.post("/api/v1/committee/members", &json!({
        "body": "<script>alert(1)</script>", "seat": "chair", "full_name": "\u{202E}gnp.exe",
        "sector": "'; DROP TABLE committee_members; --", "organisation": "x".repeat(500),
        "email": "a@", "mandate_from": "2027-01-01", "mandate_to": "2026-01-01"
    })).await;
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
        "body",
        "full_name",
        "sector",
        "organisation",
        "email",
        "mandate_to",
    ] {
        assert!(fields.contains(&f.to_owned()), "{f} in {fields:?}");
    }
    assert!(
        hostile.body.contains("الاتجاه"),
        "an Arabic message: {}",
        hostile.body
    );
    let bad_meeting = secretariat
        .post(
            "/api/v1/meetings",
            &json!({"kind": "party", "starts_at": "demain", "place": ""}),
        )
        .await;
    let fields: Vec<String> = bad_meeting.json()["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, vec!["kind", "place", "starts_at"]);
    let not_json = secretariat
        .app
        .request(
            axum::http::Method::POST,
            "/api/v1/meetings",
            &[
                ("cookie", secretariat.cookie.as_str()),
                ("x-csrf-token", secretariat.csrf.as_str()),
                ("content-type", "application/json"),
            ],
            axum::body::Body::from("{\"kind\": "),
        )
        .await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    let bad_progress = secretariat
        .post(
            &format!("/api/v1/decisions/{decision}/follow-up"),
            &json!({"note": "x", "progress": 140}),
        )
        .await;
    assert_eq!(bad_progress.json()["fields"][0]["field"], "progress");
    // Hostile text that is allowed is kept as typed and shown escaped.
    let script = "<script>alert('x')</script> تقرير";
    let v = version_of(&secretariat, &meeting).await;
    ok(secretariat
        .post(
            &format!("/api/v1/meetings/{meeting}/items"),
            &json!({"version": v, "kind": "information", "title": script}),
        )
        .await)
    .await;
    let page = secretariat.get(&format!("/meetings/{meeting}")).await;
    assert!(!page.body.contains("<script>alert"), "escaped");
    assert!(page.body.contains("&lt;script&gt;") || page.body.contains("&#60;script&#62;"));

    // A page form refused for its input comes back with what was typed and the problem.
    let refused = page_post(
        &secretariat,
        "/committee/members",
        &[
            ("territory", "sale"),
            ("body", "committee"),
            ("seat", "member"),
            ("full_name", "السيدة نزهة"),
            ("sector", "health"),
            ("organisation", ""),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::OK, "{}", refused.body);
    assert!(
        refused.body.contains("السيدة نزهة") && refused.body.contains("problem"),
        "{}",
        refused.body
    );
    // A member changed from the page: refused, it keeps what was typed; saved, the
    // version before stays in the history.
    let member = id_of(&secretariat.post("/api/v1/committee/members", &json!({
        "body": "committee", "seat": "member", "full_name": "محمد التازي", "sector": "education", "organisation": "المديرية"
    })).await);
    let path = format!("/committee/members/{member}");
    let fields = |organisation: &'static str| {
        vec![
            ("_version", "1"),
            ("body", "committee"),
            ("seat", "member"),
            ("full_name", "محمد التازي الوزاني"),
            ("sector", "education"),
            ("organisation", organisation),
        ]
    };
    let refused = page_post(&secretariat, &path, &fields("")).await;
    assert_eq!(refused.status, StatusCode::OK, "{}", refused.body);
    assert!(refused.body.contains("محمد التازي الوزاني") && refused.body.contains("problem"));
    let saved = page_post(&secretariat, &path, &fields("المديرية الإقليمية")).await;
    assert!(
        saved.status.is_redirection(),
        "{} {}",
        saved.status,
        saved.body
    );
    let read = ok(secretariat
        .get(&format!("/api/v1/committee/members/{member}"))
        .await)
    .await;
    assert_eq!(read["full_name"], "محمد التازي الوزاني");
    assert_eq!(read["history"][0]["was"]["full_name"], "محمد التازي");
    let stale = page_post(&secretariat, &path, &fields("المديرية الإقليمية")).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    app.finish().await;
}
on_each_backend!(another_province_wrong_roles_and_hostile_input_are_refused);

async fn the_convened_members_are_mailed_a_link(backend: Backend) {
    let (app, received) = crate::referrals::app_with_mail(backend).await;
    setup(&app).await;
    let secretariat = app
        .signed_in("sec", "sale-centre", &[Role::Secretariat])
        .await;
    id_of(&secretariat.post("/api/v1/committee/members", &json!({
        "body": "committee", "seat": "member", "full_name": "د. سعاد العلوي", "sector": "health",
        "organisation": "المندوبية الإقليمية للصحة", "email": "s.alaoui@sante.example"
    })).await);
    let meeting = id_of(
        &secretariat
            .post(
                "/api/v1/meetings",
                &json!({
                    "kind": "ordinary", "starts_at": "2026-11-25T10:00", "place": "العمالة"
                }),
            )
            .await,
    );
    ok(secretariat
        .post(
            &format!("/api/v1/meetings/{meeting}/items"),
            &json!({"version": 1, "kind": "information", "title": "نقطة"}),
        )
        .await)
    .await;
    ok(secretariat
        .post(
            &format!("/api/v1/meetings/{meeting}/convene"),
            &json!({"version": 2}),
        )
        .await)
    .await;
    let mail = crate::referrals::first_mail(&received).await;
    assert!(mail.contains("RCPT TO:<s.alaoui@sante.example>"), "{mail}");
    app.finish().await;
}
on_each_backend!(the_convened_members_are_mailed_a_link);
