//! The services write their part (issue 16 §2, §4): the receiving service of an accepted
//! linking card adds entries and documents to the parts of the file its sector may read,
//! answers with the services delivered, a date and the outcome; the centre sees them
//! on the case's timeline at once; after closing, the service reads its own records
//! and nothing else.

use crate::case_work::PDF;
use crate::referrals::{case, event_stream, receives, services};
use crate::support::{Answer, Backend, Signed, TestApp, linking_card, on_each_backend};
use awladna_domain::access::Role;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

const BOUNDARY: &str = "awladna-services-boundary";

/// A multipart body of text `fields` and, if given, a PDF `file`.
fn multipart(fields: &[(&str, &str)], file: Option<&[u8]>) -> Vec<u8> {
    let mut body = Vec::new();
    for (field, value) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    if let Some(bytes) = file {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"شهادة طبية.pdf\"\r\nContent-Type: application/pdf\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// A multipart upload of `bytes` as a document of `kind` to `part`.
fn upload(part: &str, kind: &str, bytes: &[u8]) -> Vec<u8> {
    multipart(&[("part", part), ("kind", kind)], Some(bytes))
}

async fn send_document(user: &Signed<'_>, referral: &str, part: &str, kind: &str) -> Answer {
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let headers = [
        ("cookie", user.cookie.as_str()),
        ("x-csrf-token", user.csrf.as_str()),
        ("content-type", content_type.as_str()),
    ];
    user.app
        .request(
            Method::POST,
            &format!("/api/v1/referrals/{referral}/documents"),
            &headers,
            Body::from(upload(part, kind, PDF)),
        )
        .await
}

fn medical_entry() -> Value {
    json!({"entry": {"date": "2026-11-23", "kind": "forensic_exam", "itt_days": 21, "summary": "كدمات متعددة، عجز 21 يوما"}})
}

fn social_entry() -> Value {
    json!({"entry": {"date": "2026-11-23", "kind": "other", "summary": "إعادة الإدماج في القسم"}})
}

async fn entry(user: &Signed<'_>, referral: &str, part: &str, values: Value) -> Answer {
    user.post(
        &format!("/api/v1/referrals/{referral}/entries"),
        &json!({"part": part, "values": values}),
    )
    .await
}

async fn step(user: &Signed<'_>, referral: &str, step: &str) {
    let taken = user
        .post(&format!("/api/v1/referrals/{referral}/{step}"), &json!({}))
        .await;
    assert_eq!(taken.status, StatusCode::OK, "{}", taken.body);
}

async fn the_hospital_adds_a_forensic_certificate_and_keeps_only_its_own_after_closing(
    backend: Backend,
) {
    let app = TestApp::start(backend).await;
    services(&app).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let doctor = app
        .signed_in("dr-karim", "sale-hospital", &[Role::FocalPoint])
        .await;
    let nurse = app
        .signed_in("nurse", "sale-hospital", &[Role::CaseWorker])
        .await;
    let case = case(&nadia).await;
    let referral = nadia
        .send_referral(
            &case,
            &linking_card("sale-hospital", &["identity", "medical_file"]),
        )
        .await;
    assert_eq!(
        doctor
            .get(&format!("/api/v1/referrals/{referral}"))
            .await
            .status,
        StatusCode::OK
    );

    // Not accepted yet: nothing is added.
    let early = send_document(&doctor, &referral, "medical", "forensic_certificate").await;
    assert_eq!(
        early.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        early.body
    );
    assert_eq!(early.json()["error"]["code"], "wrong_status");
    step(&doctor, &referral, "accept").await;

    let mut centre = event_stream(&app.router, &nadia.cookie).await;
    let added = send_document(&doctor, &referral, "medical", "forensic_certificate").await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let document = added.json()["id"].as_str().expect("id").to_owned();
    assert!(
        receives(&mut centre, &referral).await,
        "the centre hears of it at once"
    );
    let noted = entry(&nurse, &referral, "medical", medical_entry()).await;
    assert_eq!(noted.status, StatusCode::CREATED, "{}", noted.body);
    let card = noted.json()["id"].as_str().expect("id").to_owned();

    // The answer: services from the stage's basket, a date, the outcome.
    let answer = |services: Value, date: &str| json!({"services": services, "appointment_date": date, "outcome": "تم الفحص الطبي الشرعي وسُلّمت الشهادة"});
    let path = format!("/api/v1/referrals/{referral}/answer");
    let outside = doctor
        .post(&path, &answer(json!(["shelter"]), "2026-12-01"))
        .await;
    assert_eq!(
        outside.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        outside.body
    );
    let bad_date = doctor
        .post(&path, &answer(json!(["forensic_exam"]), "1 December"))
        .await;
    assert_eq!(
        bad_date.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad_date.body
    );
    let answered = doctor
        .post(
            &path,
            &answer(json!(["forensic_exam", "medical_exam"]), "2026-12-01"),
        )
        .await;
    assert_eq!(answered.status, StatusCode::CREATED, "{}", answered.body);

    // The sender sees the answer, and the case's timeline names the hospital.
    let read = nadia
        .get(&format!("/api/v1/referrals/{referral}"))
        .await
        .json();
    assert_eq!(
        read["answers"][0]["services"],
        json!(["forensic_exam", "medical_exam"])
    );
    assert_eq!(read["answers"][0]["appointment_date"], "2026-12-01");
    assert_eq!(read["answers"][0]["organisation"], "sale-hospital");
    let timeline = nadia.get(&format!("/api/v1/cases/{case}")).await.json()["timeline"].clone();
    let services_lines: Vec<&Value> = timeline
        .as_array()
        .expect("timeline")
        .iter()
        .filter(|e| e["organisation"] == "sale-hospital")
        .collect();
    assert_eq!(services_lines.len(), 2, "{timeline}");
    assert!(
        services_lines
            .iter()
            .any(|e| e["kind"] == "service_document" && e["id"] == document.as_str())
    );
    assert!(
        services_lines
            .iter()
            .any(|e| e["kind"] == "service_card" && e["id"] == card.as_str())
    );
    let page = nadia.get(&format!("/cases/{case}")).await;
    assert!(
        page.body.contains("أضافته"),
        "the case page names the service"
    );
    let shown = nadia.get(&format!("/referrals/{referral}")).await;
    assert!(
        shown.body.contains("تم الفحص الطبي الشرعي"),
        "the sender's page shows the answer"
    );
    let certificate = nadia
        .get(&format!("/api/v1/cases/{case}/documents/{document}"))
        .await;
    assert_eq!(certificate.status, StatusCode::OK);
    assert_eq!(certificate.body.as_bytes(), PDF);

    // Closed: the hospital reads its certificate, not the case nor the card.
    step(&nadia, &referral, "close").await;
    assert_eq!(
        doctor
            .get(&format!("/api/v1/referrals/{referral}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        doctor.get(&format!("/api/v1/cases/{case}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        doctor
            .get(&format!("/api/v1/cases/{case}/documents/{document}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let own = doctor
        .get(&format!("/api/v1/referrals/{referral}/contributions"))
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    let own = own.json();
    assert_eq!(own["documents"][0]["id"], document.as_str());
    assert_eq!(own["documents"][0]["name"], "شهادة طبية.pdf");
    assert_eq!(own["entries"][0]["values"]["entry.itt_days"], 21);
    assert_eq!(own["answers"].as_array().map(Vec::len), Some(1));
    assert!(
        !own.to_string().contains("Yassine"),
        "nothing of the case but its own"
    );
    let again = doctor
        .get(&format!(
            "/api/v1/referrals/{referral}/documents/{document}"
        ))
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body.as_bytes(), PDF);
    let late = send_document(&doctor, &referral, "medical", "forensic_certificate").await;
    assert_eq!(late.status, StatusCode::NOT_FOUND, "{}", late.body);
    // The sender's own documents are not the hospital's to read through the card.
    assert_eq!(
        nadia
            .get(&format!("/api/v1/referrals/{referral}/contributions"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    app.finish().await;
}
on_each_backend!(the_hospital_adds_a_forensic_certificate_and_keeps_only_its_own_after_closing);

async fn the_school_cannot_add_to_the_medical_file(backend: Backend) {
    let app = TestApp::start(backend).await;
    services(&app).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let teacher = app
        .signed_in("teacher", "sale-school", &[Role::FocalPoint])
        .await;
    let case = case(&nadia).await;
    let mut card = linking_card("sale-school", &["identity", "social_file"]);
    card["stage"] = json!("reintegration");
    card["service"] = json!(null);
    let referral = nadia.send_referral(&case, &card).await;
    step(&teacher, &referral, "accept").await;

    let medical = send_document(&teacher, &referral, "medical", "forensic_certificate").await;
    assert_eq!(medical.status, StatusCode::FORBIDDEN, "{}", medical.body);
    let noted = entry(&teacher, &referral, "medical", medical_entry()).await;
    assert_eq!(noted.status, StatusCode::FORBIDDEN, "{}", noted.body);
    let judicial = entry(&teacher, &referral, "judicial", json!({})).await;
    assert_eq!(judicial.status, StatusCode::FORBIDDEN, "{}", judicial.body);
    // A medical kind does not slip into the social file under another part's name.
    let disguised = send_document(&teacher, &referral, "social", "forensic_certificate").await;
    assert_eq!(
        disguised.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        disguised.body
    );
    let note = entry(&teacher, &referral, "social", social_entry()).await;
    assert_eq!(note.status, StatusCode::CREATED, "{}", note.body);
    let certificate = send_document(&teacher, &referral, "social", "school_certificate").await;
    assert_eq!(
        certificate.status,
        StatusCode::CREATED,
        "{}",
        certificate.body
    );

    let medical_file = nadia
        .get(&format!("/api/v1/cases/{case}/files/medical"))
        .await
        .json();
    assert_eq!(medical_file["documents"], json!([]));
    assert_eq!(medical_file["entries"], json!([]));
    let social_file = nadia
        .get(&format!("/api/v1/cases/{case}/files/social"))
        .await
        .json();
    assert_eq!(social_file["entries"].as_array().map(Vec::len), Some(1));
    app.finish().await;
}
on_each_backend!(the_school_cannot_add_to_the_medical_file);

async fn wrong_roles_other_provinces_and_hostile_input_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    services(&app).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let doctor = app
        .signed_in("dr-karim", "sale-hospital", &[Role::FocalPoint])
        .await;
    let officer = app
        .signed_in("io", "sale-hospital", &[Role::InformationOfficer])
        .await;
    let coordinator = app
        .signed_in("coord", "sale-hospital", &[Role::Coordinator])
        .await;
    let rabat = app
        .signed_in("rabat", "rabat-hospital", &[Role::FocalPoint])
        .await;
    let case = case(&nadia).await;
    let referral = nadia
        .send_referral(&case, &linking_card("sale-hospital", &["identity"]))
        .await;
    step(&doctor, &referral, "accept").await;

    let answer_path = format!("/api/v1/referrals/{referral}/answer");
    let answer = json!({"services": ["forensic_exam"], "outcome": "تم"});
    assert_eq!(
        officer.post(&answer_path, &answer).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        coordinator.post(&answer_path, &answer).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        rabat.post(&answer_path, &answer).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        nadia.post(&answer_path, &answer).await.status,
        StatusCode::NOT_FOUND
    );
    let missing = doctor
        .post(
            "/api/v1/referrals/01900000-0000-7000-8000-000000000000/answer",
            &answer,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        rabat
            .get(&format!("/api/v1/referrals/{referral}/contributions"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Hostile and malformed input: a clear message in the user's language, nothing stored.
    let fr = [
        ("cookie", doctor.cookie.as_str()),
        ("x-csrf-token", doctor.csrf.as_str()),
        ("accept-language", "fr"),
    ];
    let empty = app
        .post_json(&answer_path, &fr, &json!({"services": [], "outcome": "  "}))
        .await;
    assert_eq!(
        empty.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        empty.body
    );
    assert!(empty.body.contains("obligatoire"), "{}", empty.body);
    let hidden = doctor
        .post(&answer_path, &json!({"outcome": "نتيجة \u{202e}cod.exe"}))
        .await;
    assert_eq!(
        hidden.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        hidden.body
    );
    let long = doctor
        .post(&answer_path, &json!({"outcome": "ن".repeat(2001)}))
        .await;
    assert_eq!(
        long.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        long.body
    );
    let injected = doctor
        .post(
            &answer_path,
            &json!({"services": ["'; DROP TABLE referral_answers;--"], "outcome": "x"}),
        )
        .await;
    assert_eq!(
        injected.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        injected.body
    );
    let malformed = app
        .post_json(
            &answer_path,
            &fr,
            &json!({"services": "forensic_exam", "outcome": 3}),
        )
        .await;
    assert!(malformed.status.is_client_error(), "{}", malformed.status);
    let part = entry(&doctor, &referral, "dental", json!({})).await;
    assert_eq!(
        part.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        part.body
    );
    let script = entry(
        &doctor,
        &referral,
        "medical",
        json!({"entry": {"date": "2026-11-23", "kind": "medical_exam", "summary": "<script>alert(1)</script> فحص"}}),
    )
    .await;
    assert_eq!(
        script.status,
        StatusCode::CREATED,
        "stored as text: {}",
        script.body
    );
    let stored = doctor
        .get(&format!("/api/v1/referrals/{referral}/contributions"))
        .await
        .json();
    assert_eq!(stored["answers"], json!([]), "no refused answer was stored");
    assert_eq!(
        stored["entries"][0]["values"]["entry.summary"],
        "<script>alert(1)</script> فحص"
    );
    let page = doctor.get(&format!("/referrals/{referral}")).await;
    assert!(page.body.contains(r#"action="/referrals/"#) && page.body.contains("/answer?_csrf="));
    assert!(!page.body.contains("<script>alert(1)"));
    app.finish().await;
}
on_each_backend!(wrong_roles_other_provinces_and_hostile_input_are_refused);

/// The sealed values this issue adds — a draft's replaced versions, a service's answer —
/// are erased by the retention run with the rest of the child's file.
async fn retention_erases_draft_versions_and_answers(backend: Backend) {
    let app = TestApp::start(backend).await;
    services(&app).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let doctor = app
        .signed_in("dr-karim", "sale-hospital", &[Role::FocalPoint])
        .await;
    let report = json!({
        "source": "family", "received_at": "2026-11-22T09:00:00Z", "territory": "sale",
        "child": {"first_name": "Rachidret", "last_name": "Bennani", "sex": "male", "birth_date": "2016-02-01"},
        "concerns": ["physical_violence"], "urgency": "high"
    });
    let draft = nadia
        .post(
            "/api/v1/reports?draft=true",
            &json!({"narrative": "بلاغ أولي Rachidret"}),
        )
        .await;
    let id = draft.json()["id"].as_str().expect("id").to_owned();
    let done = nadia
        .post(
            &format!("/api/v1/reports/{id}/versions"),
            &json!({"version": 1, "values": report}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let case = nadia.triage(&id, None).await["case_id"]
        .as_str()
        .expect("case")
        .to_owned();
    let referral = nadia
        .send_referral(&case, &linking_card("sale-hospital", &["identity"]))
        .await;
    step(&doctor, &referral, "accept").await;
    let answered = doctor
        .post(
            &format!("/api/v1/referrals/{referral}/answer"),
            &json!({"services": ["forensic_exam"], "outcome": "نتيجة الفحص Rachidret"}),
        )
        .await;
    assert_eq!(answered.status, StatusCode::CREATED, "{}", answered.body);
    step(&nadia, &referral, "close").await;
    let closed = nadia.move_case(&case, "closed", Some("reintegrated")).await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);

    let at = |text: &str| text.parse::<jiff::Timestamp>().expect("timestamp");
    let reference = crate::support::reference();
    let run =
        |when| awladna_web::retention::run(&app.store, &reference, &app.keyring, at(when), false);
    run("2030-01-01T00:00:00Z").await.expect("run");
    let version: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT sealed FROM card_versions WHERE card_id = $1")
            .bind(&id)
            .fetch_one(app.store.pool_for_tests())
            .await
            .expect("row");
    assert!(version.is_some(), "kept while the rule runs");
    run("2045-01-01T00:00:00Z").await.expect("run");
    let version: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT sealed FROM card_versions WHERE card_id = $1")
            .bind(&id)
            .fetch_one(app.store.pool_for_tests())
            .await
            .expect("row");
    assert!(version.is_none(), "the replaced version is erased");
    let (answer_id, outcome): (String, Vec<u8>) =
        sqlx::query_as("SELECT id, outcome FROM referral_answers WHERE referral_id = $1")
            .bind(&referral)
            .fetch_one(app.store.pool_for_tests())
            .await
            .expect("row");
    let opened = app
        .keyring
        .open(&outcome, &format!("referral_answers/outcome/{answer_id}"))
        .expect("opens at its place");
    assert!(opened.is_empty(), "the outcome is erased");
    app.finish().await;
}
on_each_backend!(retention_erases_draft_versions_and_answers);

async fn the_service_answers_and_writes_from_its_pages(backend: Backend) {
    let app = TestApp::start(backend).await;
    services(&app).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let doctor = app
        .signed_in("dr-karim", "sale-hospital", &[Role::FocalPoint])
        .await;
    let teacher = app
        .signed_in("teacher", "sale-school", &[Role::FocalPoint])
        .await;
    let case = case(&nadia).await;
    let referral = nadia
        .send_referral(&case, &linking_card("sale-hospital", &["identity"]))
        .await;
    let before = doctor.get(&format!("/referrals/{referral}")).await;
    assert!(
        !before.body.contains("/answer?_csrf="),
        "no answer before accepting"
    );
    step(&doctor, &referral, "accept").await;
    let card = doctor.get(&format!("/referrals/{referral}")).await;
    assert!(
        card.body
            .contains(&format!("/referrals/{referral}/entries/medical"))
    );
    assert!(
        !card
            .body
            .contains(&format!("/referrals/{referral}/entries/judicial"))
    );
    assert!(
        card.body.contains(r#"value="forensic_exam""#),
        "the stage's basket"
    );
    assert!(
        !card.body.contains(r#"value="shelter""#),
        "another stage's service"
    );

    let entry_page = format!("/referrals/{referral}/entries/medical");
    assert_eq!(doctor.get(&entry_page).await.status, StatusCode::OK);
    assert_eq!(teacher.get(&entry_page).await.status, StatusCode::NOT_FOUND);
    let cookie = [("cookie", doctor.cookie.as_str())];
    let missing = app
        .post_form(
            &entry_page,
            &cookie,
            &[
                ("_csrf", doctor.csrf.as_str()),
                ("entry.date", "2026-11-23"),
            ],
        )
        .await;
    assert_eq!(
        missing.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        missing.body
    );
    // The page's form carries its submission key: sent twice (back, then save), the
    // entry is stored once.
    let blank = doctor.get(&entry_page).await.body;
    assert!(
        blank.contains(r#"name="_key""#),
        "the entry form has its key"
    );
    let entry = [
        ("_csrf", doctor.csrf.as_str()),
        ("_key", "0193a1b2-entry-sent-twice"),
        ("entry.date", "2026-11-23"),
        ("entry.kind", "forensic_exam"),
        ("entry.summary", "فحص طبي شرعي"),
    ];
    for _ in 0..2 {
        let saved = app.post_form(&entry_page, &cookie, &entry).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    }
    let timeline = nadia.get(&format!("/api/v1/cases/{case}")).await;
    assert_eq!(
        timeline.body.matches(r#""service_card""#).count(),
        1,
        "stored once: {}",
        timeline.body
    );

    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let answered = app
        .request(
            Method::POST,
            &format!("/referrals/{referral}/answer?_csrf={}", doctor.csrf),
            &[
                ("cookie", doctor.cookie.as_str()),
                ("content-type", content_type.as_str()),
            ],
            Body::from(multipart(
                &[
                    ("services", "forensic_exam"),
                    ("services", "medical_exam"),
                    ("appointment_date", "2026-12-03"),
                    ("outcome", "الشهادة الطبية مرفقة"),
                    ("kind", "forensic_certificate"),
                ],
                Some(PDF),
            )),
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);

    let seen = nadia.get(&format!("/referrals/{referral}")).await;
    assert!(seen.body.contains("الشهادة الطبية مرفقة") && seen.body.contains("2026-12-03"));
    assert!(
        seen.body.contains(&format!("/cases/{case}/documents/")),
        "the sender opens the document from the case"
    );
    assert!(
        !seen.body.contains("/answer?_csrf="),
        "the sender does not answer"
    );
    let file = nadia.get(&format!("/cases/{case}/files/medical")).await;
    assert!(
        file.body.contains("فحص طبي شرعي") && file.body.contains("أضافته"),
        "{}",
        file.body
    );
    app.finish().await;
}
on_each_backend!(the_service_answers_and_writes_from_its_pages);
