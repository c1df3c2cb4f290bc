//! Linking cards between services: sent from the Salé support centre to a Salé hospital,
//! answered, delivered and closed; declined with a reason; what the receiver reads while
//! the referral is open and nothing after; another province never sees it; overdue flags
//! on an injected clock; steps pushed as server-sent events within a second, on
//! PostgreSQL through a second server instance.

use crate::support::{Answer, Backend, Signed, TestApp, linking_card, on_each_backend, reference};
use awladna_domain::access::Role;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use futures_util::StreamExt;
use serde_json::json;
use std::time::Duration;
use tower::ServiceExt;

pub(crate) async fn services(app: &TestApp) {
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("sale-hospital", "health", Some("sale"))
        .await;
    app.organisation("sale-school", "education", Some("sale"))
        .await;
    app.organisation("rabat-hospital", "health", Some("rabat"))
        .await;
}

/// A case opened in Salé from a report; its id.
pub(crate) async fn case(worker: &Signed<'_>) -> String {
    case_in(worker, "sale").await
}

/// A case opened in `territory` from a report; its id.
async fn case_in(worker: &Signed<'_>, territory: &str) -> String {
    let report = worker
        .post(
            "/api/v1/reports",
            &json!({
                "source": "family", "received_at": "2026-11-22T09:00:00Z", "territory": territory,
                "child": {"first_name": "Yassine", "last_name": "Bennani", "sex": "male", "age_years": 7},
                "concerns": ["physical_violence"], "urgency": "high"
            }),
        )
        .await;
    let id = report.json()["id"].as_str().expect("report").to_owned();
    let triage = worker
        .post(
            &format!("/api/v1/reports/{id}/triage"),
            &json!({"new_child": true}),
        )
        .await;
    triage.json()["case_id"].as_str().expect("case").to_owned()
}

async fn a_referral_is_answered_delivered_and_closed_and_access_ends(backend: Backend) {
    let app = TestApp::start(backend).await;
    services(&app).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let doctor = app
        .signed_in("dr-amal", "sale-hospital", &[Role::FocalPoint])
        .await;
    let case = case(&nadia).await;

    let share = ["identity", "evaluation", "medical_file"];
    let id = nadia
        .send_referral(&case, &linking_card("sale-hospital", &share))
        .await;

    // The hospital's inbox shows it, without the child; opening it is "received".
    let inbox = doctor.get("/api/v1/referrals?box=inbox").await.json();
    assert_eq!(inbox["referrals"][0]["id"], id.as_str());
    assert!(!inbox.to_string().contains("Yassine"));
    assert_eq!(
        doctor.get("/api/v1/referrals/waiting").await.json()["waiting"],
        1
    );
    let opened = doctor.get(&format!("/api/v1/referrals/{id}")).await.json();
    assert_eq!(opened["status"], "received");
    assert_eq!(opened["shared"]["identity"]["name"], "Yassine Bennani");
    assert_eq!(opened["reason"], "فحص طبي وشهادة طبية بعد عنف جسدي");
    assert!(
        opened["shared"].get("report").is_none(),
        "only what was shared"
    );
    // The focal point reads the shared parts, never the case itself.
    assert_eq!(
        doctor.get(&format!("/api/v1/cases/{case}")).await.status,
        StatusCode::FORBIDDEN
    );

    // The sender cannot answer for a staffed hospital; the hospital cannot skip a step.
    let answer = nadia
        .post(&format!("/api/v1/referrals/{id}/accept"), &json!({}))
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let answer = doctor
        .post(&format!("/api/v1/referrals/{id}/deliver"), &json!({}))
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    for (step, expected) in [("accept", "accepted"), ("deliver", "delivered")] {
        let answer = doctor
            .post(
                &format!("/api/v1/referrals/{id}/{step}"),
                &json!({"note": "فحص يوم 23"}),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{step}: {}", answer.body);
        assert_eq!(answer.json()["status"], expected);
    }
    // Feedback: the sender sees each step, with who and when; the times are kept.
    let seen = nadia.get(&format!("/api/v1/referrals/{id}")).await.json();
    let steps: Vec<&str> = seen["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["sent", "received", "accepted", "delivered"]);
    assert!(seen["responded_at"].is_string() && seen["delivered_at"].is_string());

    let closed = nadia
        .post(&format!("/api/v1/referrals/{id}/close"), &json!({}))
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    assert_eq!(
        doctor.get(&format!("/api/v1/referrals/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let again = doctor
        .post(&format!("/api/v1/referrals/{id}/close"), &json!({}))
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    app.finish().await;
}
on_each_backend!(a_referral_is_answered_delivered_and_closed_and_access_ends);

async fn a_decline_returns_with_its_reason_and_other_provinces_see_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    services(&app).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let doctor = app
        .signed_in("dr-amal", "sale-hospital", &[Role::FocalPoint])
        .await;
    let rabat = app
        .signed_in("dr-rabat", "rabat-hospital", &[Role::FocalPoint])
        .await;
    let case = case(&nadia).await;
    let id = nadia
        .send_referral(&case, &linking_card("sale-hospital", &["identity"]))
        .await;

    assert_eq!(
        rabat.get(&format!("/api/v1/referrals/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        rabat.get("/api/v1/referrals?box=inbox").await.json()["referrals"],
        json!([])
    );
    assert_eq!(
        rabat
            .post(&format!("/api/v1/referrals/{id}/accept"), &json!({}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let refused = doctor
        .post(&format!("/api/v1/referrals/{id}/decline"), &json!({}))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a decline says why"
    );
    let declined = doctor
        .post(
            &format!("/api/v1/referrals/{id}/decline"),
            &json!({"reason": "لا يوجد طبيب شرعي هذا الأسبوع"}),
        )
        .await;
    assert_eq!(declined.status, StatusCode::OK, "{}", declined.body);
    let back = nadia.get(&format!("/api/v1/referrals/{id}")).await.json();
    assert_eq!(back["status"], "declined");
    let decline = back["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "declined")
        .expect("the decline");
    assert_eq!(decline["note"], "لا يوجد طبيب شرعي هذا الأسبوع");
    assert_eq!(
        doctor.get(&format!("/api/v1/referrals/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    app.finish().await;
}
on_each_backend!(a_decline_returns_with_its_reason_and_other_provinces_see_nothing);

async fn bad_referrals_are_refused_with_what_to_fix(backend: Backend) {
    let app = TestApp::start(backend).await;
    services(&app).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let officer = app
        .signed_in("omar", "sale-centre", &[Role::InformationOfficer])
        .await;
    let case = case(&nadia).await;
    let path = format!("/api/v1/cases/{case}/referrals");
    let fields = |answer: &Answer| -> Vec<String> {
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            answer.body
        );
        answer.json()["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap().to_owned())
            .collect()
    };
    // The medical file is never sent to a school.
    assert_eq!(
        fields(
            &nadia
                .post(&path, &linking_card("sale-school", &["medical_file"]))
                .await
        ),
        ["share"]
    );
    // A legal ground must be stated; hostile text is refused, not stored.
    let mut body = linking_card("sale-hospital", &["identity", "identity", "secrets"]);
    body["consent"] = json!("legal_ground");
    body["reason"] = json!("سبب\u{0007}<script>");
    body["urgency"] = json!("tomorrow");
    body["to_org"] = json!("sale-centre");
    let mut got = fields(&nadia.post(&path, &body).await);
    got.sort();
    assert_eq!(
        got,
        [
            "legal_ground",
            "reason",
            "share",
            "share",
            "to_org",
            "urgency"
        ]
    );
    // A reason whose letters a right-to-left override would show in another order.
    let mut reordered = linking_card("sale-hospital", &[]);
    reordered["reason"] = json!("فحص طبي \u{202E}gnp.exe");
    assert_eq!(fields(&nadia.post(&path, &reordered).await), ["reason"]);
    assert_eq!(fields(&nadia.post(&path, &json!({})).await).len(), 5);
    // Wrong role; nothing was sent by any of these.
    assert_eq!(
        officer
            .post(&path, &linking_card("sale-hospital", &[]))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        nadia.get("/api/v1/referrals?box=outbox").await.json()["referrals"],
        json!([])
    );
    assert_eq!(
        nadia.get("/api/v1/referrals?box=sideways").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    app.finish().await;
}
on_each_backend!(bad_referrals_are_refused_with_what_to_fix);

async fn overdue_referrals_follow_the_clock(backend: Backend) {
    let app = TestApp::start(backend).await;
    services(&app).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let case = case(&nadia).await;
    nadia
        .send_referral(&case, &linking_card("sale-hospital", &[]))
        .await;
    let outbox = nadia.get("/api/v1/referrals?box=outbox").await.json();
    assert_eq!(outbox["referrals"][0]["overdue"], false);
    assert_eq!(
        outbox["referrals"][0]["due_at"], "2026-11-23T12:00:00Z",
        "immediate: 2 h"
    );

    app.clock.advance(jiff::SignedDuration::from_mins(121));
    let doctor = app
        .signed_in("dr-amal", "sale-hospital", &[Role::FocalPoint])
        .await;
    let nadia = app
        .signed_in("nadia-2", "sale-centre", &[Role::CaseWorker])
        .await;
    assert_eq!(
        nadia.get("/api/v1/referrals?box=outbox").await.json()["referrals"][0]["overdue"],
        true
    );
    assert_eq!(
        doctor.get("/api/v1/referrals?box=inbox").await.json()["referrals"][0]["overdue"],
        true
    );
    assert_eq!(
        doctor.get("/api/v1/referrals/waiting").await.json()["overdue"],
        1
    );
    app.finish().await;
}
on_each_backend!(overdue_referrals_follow_the_clock);

/// Opens the event stream of `cookie`'s organisation on `router`.
pub(crate) async fn event_stream(
    router: &axum::Router,
    cookie: &str,
) -> axum::body::BodyDataStream {
    let request = Request::builder()
        .method(Method::GET)
        .uri("/api/v1/events")
        .header("cookie", cookie)
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    response.into_body().into_data_stream()
}

/// Waits up to a second for an event naming `referral`.
pub(crate) async fn receives(stream: &mut axum::body::BodyDataStream, referral: &str) -> bool {
    read_until(stream, referral, Duration::from_secs(1))
        .await
        .is_some()
}

/// Everything a stream says until it names `needle`, or `None` if it has not within `wait`.
async fn read_until(
    stream: &mut axum::body::BodyDataStream,
    needle: &str,
    wait: Duration,
) -> Option<String> {
    let read = async {
        let mut seen = String::new();
        while let Some(Ok(chunk)) = stream.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains(needle) {
                return Some(seen);
            }
        }
        None
    };
    tokio::time::timeout(wait, read).await.ok().flatten()
}

async fn steps_reach_the_other_service_within_a_second(backend: Backend) {
    let app = TestApp::start(backend).await;
    services(&app).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let doctor = app
        .signed_in("dr-amal", "sale-hospital", &[Role::FocalPoint])
        .await;
    let rabat = app
        .signed_in("dr-rabat", "rabat-hospital", &[Role::FocalPoint])
        .await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    let rim = app
        .signed_in("rim", "rabat-centre", &[Role::CaseWorker])
        .await;
    let case = case(&nadia).await;
    let rabat_case = case_in(&rim, "rabat").await;

    // On PostgreSQL the hospital is connected to a second server instance: the event
    // crosses through the database. On SQLite there is one process.
    let second = match backend {
        Backend::Postgres => {
            let state = awladna_web::AppState::new(
                app.db.store().await,
                reference(),
                app.clock.clone(),
                app.keyring.clone(),
                awladna_web::Settings::default(),
            );
            state.start_events();
            awladna_web::router(state)
        }
        Backend::Sqlite => app.router.clone(),
    };
    let mut hospital = event_stream(&second, &doctor.cookie).await;
    let mut elsewhere = event_stream(&second, &rabat.cookie).await;
    let mut centre = event_stream(&app.router, &nadia.cookie).await;
    // The listener connects in the background: give it a moment on a busy machine.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let id = nadia
        .send_referral(&case, &linking_card("sale-hospital", &[]))
        .await;
    assert!(
        receives(&mut hospital, &id).await,
        "the hospital hears of the new referral"
    );
    // Another province's hospital does not. Its stream first hears its own province's
    // referral, sent after Salé's: events come in order, so had Salé's been sent there
    // (through a listener however slow to connect), it would have come before.
    let own = rim
        .send_referral(&rabat_case, &linking_card("rabat-hospital", &[]))
        .await;
    let heard = read_until(&mut elsewhere, &own, Duration::from_secs(15))
        .await
        .expect("Rabat's hospital hears of Rabat's referral");
    assert!(
        !heard.contains(&id),
        "another province's hospital hears of Salé's referral: {heard}"
    );
    doctor
        .post(&format!("/api/v1/referrals/{id}/accept"), &json!({}))
        .await;
    assert!(
        receives(&mut centre, "accepted").await,
        "the centre hears the answer"
    );
    app.finish().await;
}
on_each_backend!(steps_reach_the_other_service_within_a_second);

/// Raw bytes of a page (a PDF is not text).
pub(crate) async fn bytes(
    app: &TestApp,
    path: &str,
    cookie: &str,
) -> (StatusCode, String, Vec<u8>) {
    let request = Request::builder()
        .uri(path)
        .header("cookie", cookie)
        .header("accept-language", "ar")
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .unwrap();
    (status, kind, body.to_vec())
}

async fn the_linking_card_prints_as_an_arabic_pdf_with_only_what_is_shared(backend: Backend) {
    let app = TestApp::start(backend).await;
    services(&app).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let outside = app
        .signed_in("rabat-doc", "rabat-hospital", &[Role::FocalPoint])
        .await;
    let case = case(&nadia).await;
    let id = nadia
        .send_referral(&case, &linking_card("sale-hospital", &["identity"]))
        .await;
    let (status, kind, pdf) =
        bytes(&app, &format!("/referrals/{id}/card.pdf"), &nadia.cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    let (status, _, _) = bytes(&app, &format!("/referrals/{id}/card.pdf"), &outside.cookie).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Read it back as a person would copy it: the words in reading order.
    let dir = crate::support::TempDir::new();
    let file = dir.0.join("card.pdf");
    std::fs::write(&file, &pdf).unwrap();
    match std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
    {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("بطاقة الربط"), "{text}");
            assert!(
                text.contains("Yassine Bennani"),
                "the shared identity: {text}"
            );
            assert!(
                text.contains("شهادة") && text.contains("طبية"),
                "the reason: {text}"
            );
        }
        Err(_) if std::env::var_os("AWLADNA_REQUIRE_PDFTOTEXT").is_none() => {
            eprintln!("pdftotext is not installed: the PDF's text was not checked");
        }
        Err(e) => panic!("AWLADNA_REQUIRE_PDFTOTEXT is set but pdftotext cannot run: {e}"),
    }
    app.finish().await;
}
on_each_backend!(the_linking_card_prints_as_an_arabic_pdf_with_only_what_is_shared);

/// A mail server that accepts everything and keeps what it was given.
async fn mail_sink() -> (u16, std::sync::Arc<tokio::sync::Mutex<String>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = std::sync::Arc::new(tokio::sync::Mutex::new(String::new()));
    let kept = received.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                let mut in_data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    kept.lock().await.push_str(&format!("{line}\n"));
                    let reply: &[u8] = if in_data {
                        if line == "." {
                            in_data = false;
                            b"250 queued\r\n"
                        } else {
                            continue;
                        }
                    } else if line.starts_with("DATA") {
                        in_data = true;
                        b"354 go on\r\n"
                    } else if line.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, received)
}

/// The app, sending its mail to a sink that keeps what it was given.
pub(crate) async fn app_with_mail(
    backend: Backend,
) -> (TestApp, std::sync::Arc<tokio::sync::Mutex<String>>) {
    let (port, received) = mail_sink().await;
    let mailer = awladna_web::mail::Mailer::new(
        &format!("smtp://127.0.0.1:{port}"),
        "Awladna <awladna@sale.example>",
        "https://awladna.sale.example/",
    )
    .unwrap();
    let settings = awladna_web::Settings {
        mailer: Some(mailer),
        ..Default::default()
    };
    (TestApp::start_with(backend, settings).await, received)
}

/// What the sink received once a first message is whole (or after 5 s).
pub(crate) async fn first_mail(received: &tokio::sync::Mutex<String>) -> String {
    let mut mail = String::new();
    for _ in 0..50 {
        mail = received.lock().await.clone();
        if mail.contains("\n.\n") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    mail
}

async fn the_receiving_service_is_mailed_a_link_and_nothing_else(backend: Backend) {
    let (app, received) = app_with_mail(backend).await;
    services(&app).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let keeper = app
        .signed_in("karim", "sale-centre", &[Role::Coordinator])
        .await;
    // The hospital's contact points, as the directory keeps them.
    let entry = keeper
        .app
        .post_form(
            "/directory/organisations/sale-hospital",
            &[("cookie", keeper.cookie.as_str())],
            &[
                ("_csrf", keeper.csrf.as_str()),
                ("address", "شارع الحسن الثاني، سلا"),
                ("opening_hours", "24/24"),
                ("contacts.0.name", "Dr Amal"),
                ("contacts.0.role", "Point focal"),
                ("contacts.0.email", "urgences@hopital.sale.example"),
            ],
        )
        .await;
    assert!(
        entry.status.is_redirection(),
        "{} {}",
        entry.status,
        entry.body
    );
    let case = case(&nadia).await;
    let id = nadia
        .send_referral(&case, &linking_card("sale-hospital", &["identity"]))
        .await;
    let mail = first_mail(&received).await;
    assert!(
        mail.contains("RCPT TO:<urgences@hopital.sale.example>"),
        "{mail}"
    );
    // The body travels in base64 (it is Arabic first): read it as the recipient will.
    use base64::Engine;
    let encoded: String = mail
        .split("\n\n")
        .nth(1)
        .unwrap_or_default()
        .lines()
        .take_while(|l| *l != ".")
        .collect();
    let body = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    assert!(
        body.contains(&format!("https://awladna.sale.example/referrals/{id}")),
        "{body}"
    );
    for secret in ["Yassine", "Bennani", "فحص", &case] {
        assert!(
            !mail.contains(secret) && !body.contains(secret),
            "the mail carries {secret}"
        );
    }
    app.finish().await;
}
on_each_backend!(the_receiving_service_is_mailed_a_link_and_nothing_else);
