//! What an attacker sends: imports built to exhaust the server, text that hides other
//! text, and requests refused before their body is read. Each is answered clearly, the
//! server stays up, and nothing is kept.

use crate::directory::{Province, xlsx_with_sheet};
use crate::support::{Backend, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A sheet holding a code at A1 and `far` at `far_cell` (`XFD1048576`…).
fn two_cells(far_cell: &str) -> Vec<u8> {
    let row: String = far_cell.chars().filter(char::is_ascii_digit).collect();
    xlsx_with_sheet(format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c></row><row r="{row}"><c r="{far_cell}" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#
    ))
}

async fn an_import_never_takes_the_server_down(backend: Backend) {
    let p = Province::open(backend).await;
    let secretariat = p.user("sec", "sale-centre", Role::Secretariat).await;

    // 1.5 KB that aborted the process (a grid of 17 billion cells), and one that took
    // 375 MB: refused at once, naming the limit.
    for (cell, line) in [("XFD1048576", "1048576"), ("Z200000", "200000")] {
        let file = two_cells(cell);
        assert!(file.len() < 2048, "{} bytes", file.len());
        let started = Instant::now();
        let answer = p.import(&secretariat, "d.xlsx", &file).await;
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{cell}");
        assert!(answer.body.contains(&format!("<td>{line}</td>")), "{cell}");
        assert!(
            answer.body.contains("الاستيراد يقرأ الأسطر من 1 إلى"),
            "the limit, in Arabic: {}",
            answer.body
        );
    }
    // The same in French, for a user who chose it.
    let file = two_cells("XFD1");
    let mut french = secretariat.clone();
    french.0.push_str("; awladna_lang=fr");
    let answer = p.import(&french, "d.xlsx", &file).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Fluent isolates each value it places (U+2068 … U+2069).
    assert!(
        answer
            .body
            .replace(['\u{2068}', '\u{2069}'], "")
            .contains("un import lit au plus 50 colonnes"),
        "{}",
        answer.body
    );

    // A zip bomb: a sheet of 40 MB of spaces, 40 KB compressed.
    let bomb = xlsx_with_sheet(" ".repeat(40 * 1024 * 1024));
    assert!(bomb.len() < 200 * 1024);
    let answer = p.import(&secretariat, "d.xlsx", &bomb).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.body.contains("16"), "{}", answer.body);

    // A quote never closed: a line-numbered refusal, not a failure to save.
    let answer = p
        .import(&secretariat, "d.csv", b"code,name\n\"sale-centre,x\n")
        .await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert!(answer.body.contains("<td>2</td>"), "{}", answer.body);
    assert!(answer.body.contains("علامة تنصيص"), "{}", answer.body);

    // Lines with only a code change nothing, and say so.
    let answer = p
        .import(&secretariat, "d.csv", b"code,name\nsale-centre,x\n")
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert!(p.entry("sale-centre").await.is_none());

    // The server still imports an honest file.
    let answer = p
        .import(
            &secretariat,
            "d.csv",
            "code,address,public\nsale-centre,شارع محمد الخامس,yes\n".as_bytes(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert!(p.entry("sale-centre").await.is_some());
    p.app.finish().await;
}
on_each_backend!(an_import_never_takes_the_server_down);

// ---- Refusals of requests with a body, over a real connection --------------------------

/// Serves the app on a free port of the loopback; its address.
async fn serve(app: &TestApp) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let router = app.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await });
    address
}

/// Sends a request as a browser does (all of it, then reads) and reads one answer:
/// its status and body. An error is what the client saw: a reset, a closed connection.
async fn exchange(
    stream: &mut TcpStream,
    head: &str,
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    let head = format!(
        "{head}Host: localhost\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    let mut received = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let end_of_head = loop {
        if let Some(i) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        received.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&received[..end_of_head]).to_lowercase();
    let status = head[9..12].parse().expect("status");
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().expect("length"));
    while received.len() < end_of_head + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        received.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&received[end_of_head..end_of_head + length]).into_owned();
    Ok((status, body))
}

async fn refusals_of_a_body_reach_the_client(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let worker = app
        .signed_in("worker", "sale-centre", &[Role::CaseWorker])
        .await;
    let address = serve(&app).await;

    // A 4 MB upload without its CSRF token: the gate refuses before reading it.
    let boundary = "b0undary";
    let mut upload = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n"
    )
    .into_bytes();
    upload.extend(std::iter::repeat_n(b'%', 4 * 1024 * 1024));
    upload.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let upload_head = format!(
        "POST /api/v1/cases/0190a0a0-0000-7000-8000-000000000000/documents HTTP/1.1\r\n\
         Cookie: {}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n",
        worker.cookie
    );
    // 10 KB of JSON from nobody: sign in first.
    let json_10k = json!({"narrative": "x".repeat(10 * 1024)}).to_string();
    let anonymous_head = "POST /api/v1/reports HTTP/1.1\r\nContent-Type: application/json\r\n";
    // 300 KB of JSON where 256 KB is the limit.
    let json_300k = json!({"values": {"x": "y".repeat(300 * 1024)}}).to_string();
    let check_head =
        "POST /api/v1/forms/report/check HTTP/1.1\r\nContent-Type: application/json\r\n";

    // A 3 MB import where 2 MB is the limit: named, in the user's language.
    let keeper = app
        .signed_in("keeper", "sale-centre", &[Role::Secretariat])
        .await;
    let import_head = format!(
        "POST /directory/import?_csrf={} HTTP/1.1\r\n\
         Cookie: {}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n",
        keeper.csrf, keeper.cookie
    );
    let mut import = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"territory\"\r\n\r\nsale\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.csv\"\r\n\r\n"
    )
    .into_bytes();
    import.extend(std::iter::repeat_n(b'x', 3 * 1024 * 1024));
    import.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());

    for (head, body, status, says) in [
        (upload_head.as_str(), upload.as_slice(), 403, "csrf"),
        (
            import_head.as_str(),
            import.as_slice(),
            413,
            "يتجاوز هذا الملف 2 ميغابايت",
        ),
        (anonymous_head, json_10k.as_bytes(), 401, "sign_in_required"),
        (check_head, json_300k.as_bytes(), 413, "error"),
    ] {
        let answered = tokio::time::timeout(Duration::from_secs(60), async {
            let mut stream = TcpStream::connect(address).await.expect("connect");
            let refused = exchange(&mut stream, head, body).await;
            // The connection stays usable: the body was read, not left in it.
            let next = exchange(&mut stream, "GET /healthz HTTP/1.1\r\n", b"").await;
            (refused, next)
        })
        .await
        .expect("answered within a minute");
        let (refused, next) = answered;
        let (got, message) = refused.unwrap_or_else(|e| panic!("{head}: the client saw {e}"));
        assert_eq!(got, status, "{head}{message}");
        assert!(message.contains(says), "{message}");
        let (healthy, _) = next.unwrap_or_else(|e| panic!("after {head}: {e}"));
        assert_eq!(healthy, 200);
    }
    app.finish().await;
}
on_each_backend!(refusals_of_a_body_reach_the_client);

// ---- Text that hides other text ----------------------------------------------------------

async fn direction_controls_are_refused_in_names(backend: Backend) {
    let p = Province::open(backend).await;
    let worker = p
        .app
        .signed_in("worker", "sale-centre", &[Role::CaseWorker])
        .await;
    // `gnp.exe` shown as `exe.png`, an isolate, an embedding: in a name, a narrative.
    for (field, value) in [
        (
            json!({"child": {"first_name": "\u{202E}gnp.exe"}}),
            "child.first_name",
        ),
        (
            json!({"child": {"last_name": "Ali\u{2067}"}}),
            "child.last_name",
        ),
        (json!({"narrative": "x\u{202B}y"}), "narrative"),
    ] {
        let refused = worker.post("/api/v1/reports?draft=true", &field).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{value}");
        assert!(
            refused.body.contains("direction_controls") && refused.body.contains(value),
            "{}",
            refused.body
        );
        assert!(refused.body.contains("RLO"), "what to do: {}", refused.body);
    }
    // The marks Arabic keyboards type (RLM, LRM, ALM) are ordinary text.
    let kept = worker
        .post(
            "/api/v1/reports?draft=true",
            &json!({"child": {"first_name": "محمد\u{200F}", "last_name": "Ben\u{200E}\u{061C}Ali"}}),
        )
        .await;
    assert_eq!(kept.status, StatusCode::CREATED, "{}", kept.body);

    // A contact point's name in the directory, said in the user's language.
    let keeper = p.user("sec", "sale-centre", Role::Secretariat).await;
    let isolate_opened = [("contacts.0.name", "\u{2066}Accueil")];
    let refused = p.save(&keeper, "sale-centre", &isolate_opened).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("رموز الاتجاه"), "{}", refused.body);
    assert!(p.entry("sale-centre").await.is_none());

    // A document's name is the browser's: its direction controls are dropped.
    let report = worker
        .record_report(&json!({
            "source": "school", "received_at": "2026-11-23T08:30:00Z", "territory": "sale",
            "child": {"first_name": "Amina", "sex": "female", "age_years": 9},
            "concerns": ["physical_violence"], "urgency": "high", "narrative": "رواية"
        }))
        .await;
    let case = worker.triage(&report, None).await["case_id"]
        .as_str()
        .expect("case")
        .to_owned();
    let boundary = "b0undary";
    let mut body = Vec::new();
    for (field, value) in [("part", "medical"), ("kind", "forensic_certificate")] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\u{202E}fdp.exe\"\r\n\r\n%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n\r\n--{boundary}--\r\n")
            .as_bytes(),
    );
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let uploaded = p
        .app
        .request(
            axum::http::Method::POST,
            &format!("/api/v1/cases/{case}/documents"),
            &[
                ("cookie", worker.cookie.as_str()),
                ("x-csrf-token", worker.csrf.as_str()),
                ("content-type", content_type.as_str()),
            ],
            axum::body::Body::from(body),
        )
        .await;
    assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.body);
    let file = worker
        .get(&format!("/api/v1/cases/{case}/files/medical"))
        .await
        .json();
    assert_eq!(file["documents"][0]["name"], "fdp.exe");

    // Nor may a corrected name hold them.
    let corrected = p
        .app
        .post_form(
            &format!("/cases/{case}/identity"),
            &[
                ("cookie", worker.cookie.as_str()),
                ("x-csrf-token", worker.csrf.as_str()),
            ],
            &[("first_name", "\u{202E}anima"), ("last_name", "Tazi")],
        )
        .await;
    assert_eq!(corrected.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(corrected.body.contains("RLO"), "{}", corrected.body);
    p.app.finish().await;
}
on_each_backend!(direction_controls_are_refused_in_names);

// ---- Fuzzing the JSON routes ---------------------------------------------------------------

/// The names the JSON routes read, so that random values reach the checks behind them.
const JSON_KEYS: &[&str] = &[
    "source",
    "received_at",
    "territory",
    "child",
    "child.first_name",
    "concerns",
    "urgency",
    "narrative",
    "new_child",
    "child_id",
    "to",
    "reason",
    "closure_reason",
    "plan",
    "goal",
    "action",
    "responsible",
    "due_date",
    "status",
    "version",
    "user_id",
    "record_kind",
    "record_id",
    "justification",
    "to_org",
    "stage",
    "service",
    "consent",
    "legal_ground",
    "share",
    "note",
    "username",
    "password",
    "totp",
    "kind",
    "period",
    "values",
    "code",
];

async fn json_routes_answer_any_body_without_failing(backend: Backend) {
    use awladna_domain::fuzz::{cases, json_object};
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("sale-hospital", "health", Some("sale"))
        .await;
    let worker = app
        .signed_in(
            "worker",
            "sale-centre",
            &[
                Role::CaseWorker,
                Role::Coordinator,
                Role::InformationOfficer,
            ],
        )
        .await;
    let report = worker
        .record_report(&json!({
            "source": "school", "received_at": "2026-11-23T08:30:00Z", "territory": "sale",
            "child": {"first_name": "Amina", "last_name": "Tazi", "sex": "female", "age_years": 9},
            "concerns": ["physical_violence"], "urgency": "high", "narrative": "رواية"
        }))
        .await;
    let case = worker.triage(&report, None).await["case_id"]
        .as_str()
        .expect("case")
        .to_owned();
    let referral = worker
        .send_referral(
            &case,
            &crate::support::linking_card("sale-hospital", &["identity"]),
        )
        .await;
    let other = "0190a0a0-0000-7000-8000-000000000000";
    let routes: Vec<String> = [
        "/api/v1/forms/report/check",
        "/api/v1/forms/report/check?draft=true",
        "/api/v1/reports",
        "/api/v1/reports?draft=true",
        "/api/v1/reports/{report}/triage",
        "/api/v1/cases/{case}/transitions",
        "/api/v1/cases/{case}/evaluations",
        "/api/v1/cases/{case}/cards/followup",
        "/api/v1/cases/{case}/cards/child_profile",
        "/api/v1/cases/{case}/plan",
        "/api/v1/plan-actions/{other}/status",
        "/api/v1/cases/{case}/assignment",
        "/api/v1/cases/{case}/referrals",
        "/api/v1/referrals/{referral}/accept",
        "/api/v1/referrals/{referral}/decline",
        "/api/v1/referrals/{referral}/close",
        "/api/v1/break-glass",
        "/api/v1/periodic-reports",
        "/api/v1/periodic-reports/{other}/refresh",
        "/api/v1/auth/login",
    ]
    .iter()
    .map(|r| {
        r.replace("{report}", &report)
            .replace("{case}", &case)
            .replace("{referral}", &referral)
            .replace("{other}", other)
    })
    .collect();
    let keys = JSON_KEYS.iter().map(|k| (*k).to_owned()).collect();
    let strategy = (
        prop::sample::select(routes),
        json_object(keys),
        prop::option::of(any::<prop::sample::Index>()),
    );
    let mut runner = TestRunner::default();
    let mut statuses = std::collections::BTreeMap::new();
    for _ in 0..cases(24) {
        let (route, body, cut) = strategy.new_tree(&mut runner).expect("a case").current();
        // Whole JSON, or cut short anywhere (not JSON at all).
        let mut text = body.to_string();
        if let Some(cut) = cut {
            let mut at = cut.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.truncate(at);
        }
        let answer = app
            .request(
                axum::http::Method::POST,
                &route,
                &[
                    ("content-type", "application/json"),
                    ("cookie", worker.cookie.as_str()),
                    ("x-csrf-token", worker.csrf.as_str()),
                ],
                axum::body::Body::from(text.clone()),
            )
            .await;
        assert!(
            answer.status.as_u16() < 500,
            "{route} with {text}: {} {}",
            answer.status,
            answer.body
        );
        *statuses.entry(answer.status.as_u16()).or_insert(0) += 1;
    }
    eprintln!("answers by status: {statuses:?}");
    app.finish().await;
}
on_each_backend!(json_routes_answer_any_body_without_failing);
