//! The work on an open case through the API: follow-up cards, the plan and its
//! deadlines, the three files with their documents, assignment — each with the wrong
//! role, the other province, a school's worker, bad input and a closed case.

use crate::support::{Answer, Backend, Signed, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

/// A multipart upload of one document to a case's file.
pub(crate) async fn upload(
    who: &Signed<'_>,
    case: &str,
    part: &str,
    kind: &str,
    name: &str,
    bytes: &[u8],
) -> Answer {
    let boundary = "awladna-test-boundary";
    let mut body = Vec::new();
    for (field, value) in [("part", part), ("kind", kind)] {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let headers = [
        ("cookie", who.cookie.as_str()),
        ("x-csrf-token", who.csrf.as_str()),
        ("content-type", content_type.as_str()),
    ];
    who.app
        .request(
            Method::POST,
            &format!("/api/v1/cases/{case}/documents"),
            &headers,
            Body::from(body),
        )
        .await
}

struct Centre {
    app: TestApp,
}

impl Centre {
    async fn open(backend: Backend) -> Centre {
        let app = TestApp::start(backend).await;
        app.organisation("sale-centre", "family_solidarity", Some("sale"))
            .await;
        app.organisation("sale-school", "education", Some("sale"))
            .await;
        app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
            .await;
        Centre { app }
    }

    async fn worker(&self, name: &str, org: &str, roles: &[Role]) -> Signed<'_> {
        self.app.signed_in(name, org, roles).await
    }

    async fn user_id(&self, name: &str) -> String {
        self.app
            .store
            .user_by_username(name)
            .await
            .expect("read")
            .expect("user")
            .id
    }
}

/// A report triaged into a new case in Salé; the case id.
async fn new_case(worker: &Signed<'_>) -> String {
    let report = worker
        .post(
            "/api/v1/reports",
            &json!({
                "source": "school", "received_at": "2026-11-22T09:00:00Z", "territory": "sale",
                "child": {"first_name": "Salma", "last_name": "Idrissi", "sex": "female", "age_years": 9},
                "concerns": ["sexual_violence"], "urgency": "high"
            }),
        )
        .await;
    assert_eq!(report.status, StatusCode::CREATED, "{}", report.body);
    let id = report.json()["id"].as_str().expect("id").to_owned();
    let triage = worker
        .post(
            &format!("/api/v1/reports/{id}/triage"),
            &json!({"new_child": true}),
        )
        .await;
    assert_eq!(triage.status, StatusCode::CREATED, "{}", triage.body);
    triage.json()["case_id"].as_str().expect("case").to_owned()
}

fn followup() -> Value {
    json!({
        "contact": {"date": "2026-11-23", "kind": "home_visit"},
        "situation": {"overall": "improved", "notes": "تحسن ملحوظ في المدرسة"},
        "services": {"delivered": ["psychological_support", "home_visits"]},
        "child": {"views": "أريد أن أبقى مع جدتي"},
        "next": {"date": "2026-12-10"}
    })
}

async fn follow_up_cards_are_recorded_read_and_refused_where_they_must_be(backend: Backend) {
    let centre = Centre::open(backend).await;
    let nadia = centre
        .worker("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let case = new_case(&nadia).await;

    let saved = nadia
        .post(&format!("/api/v1/cases/{case}/cards/followup"), &followup())
        .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    let listed = nadia
        .get(&format!("/api/v1/cases/{case}/cards/followup"))
        .await
        .json();
    let values = &listed["cards"][0]["values"];
    assert_eq!(values["child.views"], "أريد أن أبقى مع جدتي");
    assert_eq!(
        values["services.delivered"],
        json!(["psychological_support", "home_visits"])
    );
    // The child's words are sealed: they are not in the stored card's clear part.
    let card = centre
        .app
        .store
        .card(saved.json()["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(!card.data.contains("جدتي") && card.data.contains("improved"));

    // Bad input: an unknown service and a next visit that is not a date, in Arabic.
    let mut bad = followup();
    bad["services"]["delivered"] = json!(["<script>"]);
    bad["next"]["date"] = json!("غدا");
    let refused = nadia
        .app
        .post_json(
            &format!("/api/v1/cases/{case}/cards/followup"),
            &[
                ("cookie", nadia.cookie.as_str()),
                ("x-csrf-token", nadia.csrf.as_str()),
                ("accept-language", "ar"),
            ],
            &bad,
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        !refused.body.contains("غدا") && !refused.body.contains("<script>"),
        "{}",
        refused.body
    );
    // A form that is not recorded on cases, and one that does not exist.
    for form in ["report", "nothing"] {
        let answer = nadia
            .post(&format!("/api/v1/cases/{case}/cards/{form}"), &json!({}))
            .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{form}");
    }
    // Wrong role, other province.
    let analyst = centre
        .worker("omar", "sale-centre", &[Role::InformationOfficer])
        .await;
    let answer = analyst
        .post(&format!("/api/v1/cases/{case}/cards/followup"), &followup())
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let rabat = centre
        .worker("rim", "rabat-centre", &[Role::CaseWorker])
        .await;
    let answer = rabat
        .post(&format!("/api/v1/cases/{case}/cards/followup"), &followup())
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(
        rabat
            .get(&format!("/api/v1/cases/{case}/cards/followup"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // A closed case is read-only.
    let version = nadia.get(&format!("/api/v1/cases/{case}")).await.json()["version"].as_i64();
    let closed = nadia
        .post(
            &format!("/api/v1/cases/{case}/transitions"),
            &json!({"to": "closed", "reason": "انتقلت الأسرة", "closure_reason": "moved_away", "version": version}),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    let answer = nadia
        .post(&format!("/api/v1/cases/{case}/cards/followup"), &followup())
        .await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert_eq!(
        nadia
            .get(&format!("/api/v1/cases/{case}/cards/followup"))
            .await
            .json()["cards"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    centre.app.finish().await;
}
on_each_backend!(follow_up_cards_are_recorded_read_and_refused_where_they_must_be);

async fn overdue(worker: &Signed<'_>) -> Value {
    worker.get("/api/v1/plan-actions/overdue").await.json()
}

async fn the_plan_keeps_deadlines_and_flags_what_is_overdue(backend: Backend) {
    let centre = Centre::open(backend).await;
    let nadia = centre
        .worker("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let case = new_case(&nadia).await;

    let added = nadia
        .post(
            &format!("/api/v1/cases/{case}/plan"),
            &json!({"plan": {"goal": "عودة آمنة إلى المدرسة", "action": "لقاء مع مدير المدرسة", "responsible": "education", "due_date": "2026-11-25"}}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let action = added.json()["id"].as_str().unwrap().to_owned();
    let plan = nadia
        .get(&format!("/api/v1/cases/{case}/plan"))
        .await
        .json();
    assert_eq!(plan["actions"][0]["action"], "لقاء مع مدير المدرسة");
    assert_eq!(plan["actions"][0]["overdue"], false);
    assert_eq!(overdue(&nadia).await["total"], 0);

    // An evaluation finding immediate danger puts its own action on the plan, due in 24 h.
    let answers = crate::cases::evaluation(&[
        "safety.author_has_access",
        "safety.serious_injury",
        "safety.sexual_violence",
        "safety.no_safe_place",
    ]);
    let evaluated = nadia
        .post(&format!("/api/v1/cases/{case}/evaluations"), &answers)
        .await;
    assert_eq!(evaluated.status, StatusCode::CREATED, "{}", evaluated.body);
    assert_eq!(evaluated.json()["level"], "immediate");
    let plan = nadia
        .get(&format!("/api/v1/cases/{case}/plan"))
        .await
        .json();
    let response = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["origin"] == "evaluation")
        .expect("the evaluation's action");
    assert_eq!(response["due_at"], "2026-11-24T10:00:00Z");

    // A day and a minute later the evaluation's action is overdue; three days later both.
    // (Sessions end after 30 idle minutes: Nadia's colleague signs in each morning.)
    centre
        .app
        .clock
        .advance(jiff::SignedDuration::from_mins(24 * 60 + 1));
    let morning = centre
        .worker("hind", "sale-centre", &[Role::CaseWorker])
        .await;
    assert_eq!(overdue(&morning).await["total"], 1);
    centre
        .app
        .clock
        .advance(jiff::SignedDuration::from_hours(72));
    let nadia = centre
        .worker("hajar", "sale-centre", &[Role::CaseWorker])
        .await;
    let listed = overdue(&nadia).await;
    assert_eq!(listed["total"], 2, "{listed}");
    // Another province sees none of them.
    let rabat = centre
        .worker("rim", "rabat-centre", &[Role::CaseWorker])
        .await;
    assert_eq!(overdue(&rabat).await["total"], 0);

    // Done is no longer overdue; a stale version and an unknown status are refused.
    let version = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == action.as_str())
        .unwrap()["version"]
        .as_i64();
    let done = nadia
        .post(
            &format!("/api/v1/plan-actions/{action}/status"),
            &json!({"status": "done", "version": version}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let stale = nadia
        .post(
            &format!("/api/v1/plan-actions/{action}/status"),
            &json!({"status": "planned", "version": version}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let unknown = nadia
        .post(
            &format!("/api/v1/plan-actions/{action}/status"),
            &json!({"status": "finished"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(overdue(&nadia).await["total"], 1);
    let answer = rabat
        .post(
            &format!("/api/v1/plan-actions/{action}/status"),
            &json!({"status": "cancelled"}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);

    // A due date that is not a date, a sector that does not exist.
    let bad = nadia
        .post(
            &format!("/api/v1/cases/{case}/plan"),
            &json!({"plan": {"action": "x", "responsible": "ministère", "due_date": "2026-02-30"}}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = bad.json()["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        fields.contains(&"plan.responsible".to_owned())
            && fields.contains(&"plan.due_date".to_owned()),
        "{fields:?}"
    );
    centre.app.finish().await;
}
on_each_backend!(the_plan_keeps_deadlines_and_flags_what_is_overdue);

pub(crate) const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

async fn each_sector_reads_the_files_its_work_needs(backend: Backend) {
    let centre = Centre::open(backend).await;
    let nadia = centre
        .worker("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let school = centre
        .worker("samira", "sale-school", &[Role::CaseWorker])
        .await;
    let case = new_case(&nadia).await;

    let entry = json!({"entry": {"date": "2026-11-22", "kind": "forensic_exam", "itt_days": 21, "summary": "شهادة طبية تثبت آثار عنف"}});
    let saved = nadia
        .post(&format!("/api/v1/cases/{case}/cards/medical_entry"), &entry)
        .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    let uploaded = upload(
        &nadia,
        &case,
        "medical",
        "forensic_certificate",
        "شهادة طبية.pdf",
        PDF,
    )
    .await;
    assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.body);
    let document = uploaded.json()["id"].as_str().unwrap().to_owned();

    let file = nadia
        .get(&format!("/api/v1/cases/{case}/files/medical"))
        .await
        .json();
    assert_eq!(file["entries"][0]["values"]["entry.itt_days"], 21);
    assert_eq!(file["documents"][0]["name"], "شهادة طبية.pdf");
    let download = nadia
        .get(&format!("/api/v1/cases/{case}/documents/{document}"))
        .await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.body.as_bytes(), PDF);
    assert_eq!(download.header("content-type"), "application/pdf");
    assert!(
        download
            .header("content-disposition")
            .starts_with("attachment")
    );
    // Sealed at rest: neither the content nor the name is stored in clear.
    let raw: Vec<u8> = sqlx::query_scalar("SELECT content FROM documents WHERE id = $1")
        .bind(&document)
        .fetch_one(centre.app.store.pool_for_tests())
        .await
        .unwrap();
    assert!(!raw.windows(8).any(|w| w == b"%PDF-1.4"));

    // The school's worker of the same province: the medical file is not theirs.
    for path in [
        format!("/api/v1/cases/{case}/files/medical"),
        format!("/api/v1/cases/{case}/documents/{document}"),
    ] {
        assert_eq!(
            school.get(&path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let timeline = school.get(&format!("/api/v1/cases/{case}")).await.json();
    assert!(
        !timeline["timeline"].to_string().contains("medical_entry"),
        "{timeline}"
    );
    assert_eq!(
        upload(
            &school,
            &case,
            "medical",
            "medical_certificate",
            "a.pdf",
            PDF
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // …but the social file is.
    let social = json!({"entry": {"date": "2026-11-22", "kind": "schooling_step", "summary": "تسجيل في الدعم المدرسي"}});
    assert_eq!(
        school
            .post(&format!("/api/v1/cases/{case}/cards/social_entry"), &social)
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        school
            .get(&format!("/api/v1/cases/{case}/files/social"))
            .await
            .status,
        StatusCode::OK
    );
    // Another province finds nothing.
    let rabat = centre
        .worker("rim", "rabat-centre", &[Role::CaseWorker])
        .await;
    assert_eq!(
        rabat
            .get(&format!("/api/v1/cases/{case}/documents/{document}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        upload(&rabat, &case, "social", "social_inquiry", "a.pdf", PDF)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Hostile uploads: a page with a script named .pdf, a PDF that runs JavaScript, a cut
    // file, a kind of another file, a part that does not exist.
    let refusals = [
        (
            upload(
                &nadia,
                &case,
                "medical",
                "medical_certificate",
                "x.pdf",
                b"<html><script>alert(1)</script></html>",
            )
            .await,
            "upload-error-type",
        ),
        (
            upload(
                &nadia,
                &case,
                "medical",
                "medical_certificate",
                "x.pdf",
                b"%PDF-1.4\n<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\n%%EOF",
            )
            .await,
            "active",
        ),
        (
            upload(
                &nadia,
                &case,
                "medical",
                "medical_certificate",
                "x.pdf",
                &PDF[..40],
            )
            .await,
            "truncated",
        ),
        (
            upload(&nadia, &case, "medical", "court_decision", "x.pdf", PDF).await,
            "kind",
        ),
        (
            upload(&nadia, &case, "legal", "court_decision", "x.pdf", PDF).await,
            "part",
        ),
    ];
    for (answer, what) in refusals {
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            answer.body
        );
        assert!(!answer.body.contains("script"), "{}", answer.body);
    }
    let file = nadia
        .get(&format!("/api/v1/cases/{case}/files/medical"))
        .await
        .json();
    assert_eq!(file["documents"].as_array().unwrap().len(), 1);
    centre.app.finish().await;
}
on_each_backend!(each_sector_reads_the_files_its_work_needs);

async fn a_coordinator_gives_a_case_to_a_worker_of_the_province(backend: Backend) {
    let centre = Centre::open(backend).await;
    let nadia = centre
        .worker("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let karim = centre
        .worker("karim", "sale-centre", &[Role::Coordinator])
        .await;
    let case = new_case(&nadia).await;
    let youssef = centre
        .worker("youssef", "sale-centre", &[Role::CaseWorker])
        .await;
    let youssef_id = centre.user_id("youssef").await;

    let given = karim
        .post(
            &format!("/api/v1/cases/{case}/assignment"),
            &json!({"user_id": youssef_id}),
        )
        .await;
    assert_eq!(given.status, StatusCode::OK, "{}", given.body);
    assert_eq!(
        centre
            .app
            .store
            .case_assignee(&case)
            .await
            .unwrap()
            .as_deref(),
        Some(youssef_id.as_str())
    );
    // A case worker cannot reassign; nobody can give it to another province's worker
    // or to an administrator.
    let answer = nadia
        .post(
            &format!("/api/v1/cases/{case}/assignment"),
            &json!({"user_id": centre.user_id("nadia").await}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    centre
        .worker("rim", "rabat-centre", &[Role::CaseWorker])
        .await;
    centre
        .worker("admin", "sale-centre", &[Role::Administrator])
        .await;
    for other in ["rim", "admin"] {
        let answer = karim
            .post(
                &format!("/api/v1/cases/{case}/assignment"),
                &json!({"user_id": centre.user_id(other).await}),
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{other}");
    }
    assert_eq!(
        centre
            .app
            .store
            .case_assignee(&case)
            .await
            .unwrap()
            .as_deref(),
        Some(youssef_id.as_str())
    );
    drop(youssef);
    centre.app.finish().await;
}
on_each_backend!(a_coordinator_gives_a_case_to_a_worker_of_the_province);

/// The register's name search, as its form posts it (a name never goes in an address).
async fn search(who: &Signed<'_>, q: &str) -> Answer {
    who.app
        .post_form(
            "/children/search",
            &[("cookie", who.cookie.as_str())],
            &[("_csrf", who.csrf.as_str()), ("q", q)],
        )
        .await
}

async fn the_pages_of_the_case_work(backend: Backend) {
    let centre = Centre::open(backend).await;
    let nadia = centre
        .worker("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let school = centre
        .worker("samira", "sale-school", &[Role::CaseWorker])
        .await;
    let rabat = centre
        .worker("rim", "rabat-centre", &[Role::CaseWorker])
        .await;
    let case = new_case(&nadia).await;

    // The register and the name search find Salma in Salé, and only there.
    let register = nadia.get("/children").await;
    assert_eq!(register.status, StatusCode::OK);
    assert!(register.body.contains("Salma Idrissi"), "{}", register.body);
    assert!(!rabat.get("/children").await.body.contains("Salma"));
    let found = search(&nadia, "salma idrisi").await;
    assert!(found.body.contains("Salma Idrissi") && found.body.contains(&case));
    assert!(!search(&rabat, "salma").await.body.contains("Idrissi"));
    let refused = search(&nadia, &"ب".repeat(130)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("role=\"alert\""));

    // Today: the case she triaged is hers.
    let home = nadia.get("/").await.body;
    let mine = home
        .split("/cases?mine=true")
        .nth(1)
        .expect("a counter of her cases");
    assert!(
        mine.trim_start_matches("\"><strong>").starts_with('1'),
        "{home}"
    );
    assert!(home.contains("/actions/overdue"));

    // The case page: the child, the plan, the files each reader may open.
    let page = nadia.get(&format!("/cases/{case}")).await;
    assert!(page.body.contains("Salma Idrissi") && page.body.contains("/files/medical"));
    assert!(page.body.contains("class=\"print\""));
    let page = school.get(&format!("/cases/{case}")).await;
    assert!(page.body.contains("/files/social") && !page.body.contains("/files/medical"));
    assert_eq!(
        school
            .get(&format!("/cases/{case}/files/medical"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // A follow-up through the page's form, then an upload through the file's form.
    let saved = nadia
        .app
        .post_form(
            &format!("/cases/{case}/cards/followup"),
            &[("cookie", nadia.cookie.as_str())],
            &[
                ("_csrf", nadia.csrf.as_str()),
                ("contact.date", "2026-11-23"),
                ("contact.kind", "home_visit"),
                ("situation.overall", "stable"),
                ("services.delivered", "home_visits"),
                ("child.views", "لا أريد تغيير المدرسة"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = nadia.get(&format!("/cases/{case}")).await;
    assert!(page.body.contains("لا أريد تغيير المدرسة"));
    let bad = nadia
        .app
        .post_form(
            &format!("/cases/{case}/cards/followup"),
            &[("cookie", nadia.cookie.as_str()), ("accept-language", "fr")],
            &[
                ("_csrf", nadia.csrf.as_str()),
                ("contact.kind", "téléphone"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("contact.date"),
        "the form comes back with its fields"
    );
    centre.app.finish().await;
}
on_each_backend!(the_pages_of_the_case_work);
