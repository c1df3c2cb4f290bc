//! The National Observatory's intake (issue 17 §1): its records in its own shape, the
//! 30 fixtures and their expected mapping, refusals naming field and value, retries
//! answered with the same tracking number, the statuses back (pulled, and pushed to a
//! local receiver that fails first), the operator's reception page, and who may do what.

use crate::support::{Backend, TestApp, on_each_backend, reference};
use awladna_core::Core;
use awladna_core::observatory::deliver_due;
use awladna_domain::access::Role;
use awladna_web::observatory_push::HttpTransport;
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/observatory")
}

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(fixtures().join(name)).expect("fixture");
    serde_json::from_str(&text).expect("fixture JSON")
}

/// A machine token of `scope` for `org`: its bearer header.
pub(crate) async fn token(app: &TestApp, org: &str, scope: &str) -> String {
    let token = awladna_crypto::new_token("awl_t_");
    let id = uuid::Uuid::now_v7().to_string();
    let mut tx = app.store.begin().await.expect("begin");
    tx.add_token(
        &id,
        &awladna_crypto::hash_token(&token),
        org,
        scope,
        app.now_ms(),
    )
    .await
    .expect("token");
    tx.audit(crate::support::test_entry(app.now_ms(), "token.created"))
        .await
        .expect("audit");
    tx.commit().await.expect("commit");
    format!("Bearer {token}")
}

struct World {
    app: TestApp,
    bearer: String,
}

async fn world(backend: Backend) -> World {
    let app = TestApp::start(backend).await;
    app.organisation("observatory", "observatory", None).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    let bearer = token(&app, "observatory", "observatory").await;
    World { app, bearer }
}

impl World {
    async fn send(&self, record: &Value) -> crate::support::Answer {
        self.app
            .post_json(
                "/api/v1/observatory/reports",
                &[("authorization", &self.bearer), ("accept-language", "fr")],
                record,
            )
            .await
    }

    async fn pull(&self, since: i64) -> Value {
        let pulled = self
            .app
            .get_with(
                &format!("/api/v1/observatory/statuses?since={since}"),
                &[("authorization", &self.bearer)],
            )
            .await;
        assert_eq!(pulled.status, StatusCode::OK, "{}", pulled.body);
        pulled.json()
    }

    async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(self.app.store.pool_for_tests())
            .await
            .expect("count")
    }

    fn core(&self) -> Core {
        Core::new(
            self.app.store.clone(),
            reference(),
            self.app.clock.clone(),
            self.app.keyring.clone(),
        )
    }
}

async fn the_thirty_fixtures_map_as_expected_or_are_refused(backend: Backend) {
    let w = world(backend).await;
    let expected: serde_json::Map<String, Value> = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("expected.json")).expect("expected"),
    )
    .expect("expected JSON");
    let mut names: Vec<String> = std::fs::read_dir(fixtures())
        .expect("fixtures")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != "expected.json")
        .collect();
    names.sort();
    assert_eq!(names.len(), 30, "thirty records");
    assert_eq!(expected.len(), 30, "an expectation for each");
    let (mut received, mut refused) = (0, 0);
    for name in &names {
        let record = fixture(name);
        let want = &expected[name];
        let answer = w.send(&record).await;
        if let Some(refusals) = want.get("refused") {
            refused += 1;
            assert_eq!(
                answer.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{name}: {}",
                answer.body
            );
            let body = answer.json();
            assert_eq!(body["error"]["code"], "unmapped", "{name}");
            let got: Vec<(Value, Value, Value)> = body["refusals"]
                .as_array()
                .expect("refusals")
                .iter()
                .map(|r| (r["field"].clone(), r["value"].clone(), r["reason"].clone()))
                .collect();
            for r in refusals.as_array().expect("list") {
                let one = (r["field"].clone(), r["value"].clone(), r["reason"].clone());
                assert!(got.contains(&one), "{name}: {one:?} in {got:?}");
            }
            // Each message names the field (and the value when there is one).
            for r in body["refusals"].as_array().expect("refusals") {
                let message = r["message"].as_str().expect("message");
                assert!(
                    message.contains(r["field"].as_str().unwrap_or("?"))
                        || r["reason"] == "bad_record_id",
                    "{message}"
                );
                if let Some(value) = r["value"].as_str() {
                    assert!(message.contains(value), "{message}");
                }
            }
            continue;
        }
        received += 1;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{name}: {}",
            answer.body
        );
        let ack = answer.json();
        assert_eq!(ack["record_id"], record["record_id"], "{name}");
        assert_eq!(ack["province"], want["territory"], "{name}");
        assert_eq!(ack["source"], want["source"], "{name}");
        let hcp = reference()
            .territory(want["territory"].as_str().expect("territory"))
            .expect("province")
            .hcp_code
            .replace('.', "");
        let tracking = ack["tracking_number"].as_str().expect("tracking");
        assert!(
            tracking.starts_with(&format!("OBS-{hcp}-2026-")),
            "{tracking}"
        );
        let (data, caller): (String, String) = sqlx::query_as(
            "SELECT c.data, r.caller_source FROM observatory_reports r JOIN cards c ON c.id = r.card_id WHERE r.tracking = $1",
        )
        .bind(tracking)
        .fetch_one(w.app.store.pool_for_tests())
        .await
        .expect("stored");
        let card: Value = serde_json::from_str(&data).expect("card data");
        assert_eq!(card["territory"], want["territory"], "{name}");
        assert_eq!(card["commune"], want["commune"], "{name}");
        assert_eq!(card["source"], want["source"], "{name}");
        assert_eq!(card["urgency"], want["urgency"], "{name}");
        assert_eq!(card["concerns"], want["concerns"], "{name}");
        assert_eq!(card["child.sex"], want["sex"], "{name}");
        assert_eq!(caller, want["caller"].as_str().expect("caller"), "{name}");
        // The relation is sealed with the card: the adapter's own answer is checked.
        let mapped = reference().observatory().map(&record).expect("maps");
        assert_eq!(
            mapped.report.get("author.relation"),
            want.get("relation"),
            "{name}"
        );
        // Names and narratives are sealed, never in clear.
        for personal in ["child", "caller"] {
            for key in ["first_name", "last_name", "name"] {
                if let Some(text) = record[personal][key].as_str() {
                    assert!(!data.contains(text), "{name}: {text} in clear");
                }
            }
        }
    }
    assert_eq!((received, refused), (22, 8));
    assert_eq!(
        w.count("observatory_reports").await,
        22,
        "nothing of a refused record stored"
    );
    // Each report waits in its province's list with its source.
    let worker = w
        .app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let waiting = worker.get("/reports/waiting").await;
    assert_eq!(waiting.status, StatusCode::OK);
    assert!(
        waiting.body.contains("Yassine") && waiting.body.contains("الخط الأخضر 2511"),
        "Salé's list"
    );
    assert!(
        !waiting.body.contains("Salma"),
        "Rabat's report is not in Salé's list"
    );
    w.app.finish().await;
}
on_each_backend!(the_thirty_fixtures_map_as_expected_or_are_refused);

async fn a_retry_answers_the_same_tracking_number(backend: Backend) {
    let w = world(backend).await;
    let record = fixture("01-sale-bouknadel-fr.json");
    let first = w.send(&record).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = w.send(&record).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(
        again.json()["tracking_number"],
        first.json()["tracking_number"]
    );
    assert_eq!(again.json()["repeated"], true);
    // Twice at the same instant, from another token of the Observatory: one card.
    let other = token(&w.app, "observatory", "observatory").await;
    let mut twin = fixture("02-sale-arabic.json");
    twin["record_id"] = json!("L2511-2026-TWIN");
    let send = |bearer: String| {
        let app = &w.app;
        let twin = twin.clone();
        async move {
            app.post_json(
                "/api/v1/observatory/reports",
                &[("authorization", &bearer)],
                &twin,
            )
            .await
        }
    };
    let (a, b) = tokio::join!(send(w.bearer.clone()), send(other));
    assert!(
        a.status.is_success() && b.status.is_success(),
        "{} {}",
        a.body,
        b.body
    );
    assert_eq!(a.json()["tracking_number"], b.json()["tracking_number"]);
    assert_eq!(w.count("observatory_reports").await, 2);
    assert_eq!(
        w.count("cards").await,
        2,
        "the retried and the twin records are stored once each"
    );
    w.app.finish().await;
}
on_each_backend!(a_retry_answers_the_same_tracking_number);

async fn statuses_follow_the_case_with_no_identity_and_no_narrative(backend: Backend) {
    let w = world(backend).await;
    let record = fixture("01-sale-bouknadel-fr.json");
    let ack = w.send(&record).await.json();
    let worker = w
        .app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let card: String = sqlx::query_scalar("SELECT card_id FROM observatory_reports")
        .fetch_one(w.app.store.pool_for_tests())
        .await
        .expect("card");
    let opened = worker.triage(&card, None).await;
    let case = opened["case_id"].as_str().expect("case");
    let moved = worker.move_case(case, "immediate_assistance", None).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let closed = worker
        .move_case(case, "closed", Some("no_protection_need"))
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);

    let pulled = w.pull(0).await;
    let statuses = pulled["statuses"].as_array().expect("statuses");
    let seen: Vec<(&str, Option<&str>, Option<&str>)> = statuses
        .iter()
        .map(|s| {
            (
                s["status"].as_str().unwrap_or(""),
                s["stage"].as_str(),
                s["outcome"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("received", None, None),
            ("triaged", Some("detection"), None),
            ("stage_reached", Some("immediate_assistance"), None),
            ("closed", Some("closed"), Some("no_protection_need")),
        ]
    );
    for s in statuses {
        assert_eq!(s["record_id"], record["record_id"]);
        assert_eq!(s["tracking_number"], ack["tracking_number"]);
    }
    let text = pulled.to_string();
    for personal in ["Yassine", "Alaoui", "Khadija", "0612345678", "bleus"] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }
    // The cursor moves on: nothing new after the last sequence.
    let next = pulled["next_since"].as_i64().expect("cursor");
    assert_eq!(w.pull(next).await["statuses"], json!([]));
    // A bad cursor is said so.
    let bad = w
        .app
        .get_with(
            "/api/v1/observatory/statuses?since=abc",
            &[("authorization", &w.bearer)],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert_eq!(bad.json()["error"]["code"], "bad_cursor");
    w.app.finish().await;
}
on_each_backend!(statuses_follow_the_case_with_no_identity_and_no_narrative);

/// A local receiver that answers 503 to its first `failures` requests, then 200, and
/// keeps what it received: (idempotency key, body).
async fn receiver(failures: usize) -> (String, Arc<tokio::sync::Mutex<Vec<(String, String)>>>) {
    let received = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let kept = received.clone();
    let app = axum::Router::new().route(
        "/statuses",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let kept = kept.clone();
            let count = count.clone();
            async move {
                let key = headers
                    .get("idempotency-key")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                assert_eq!(
                    headers.get("authorization").and_then(|v| v.to_str().ok()),
                    Some("Bearer their-secret")
                );
                kept.lock().await.push((key, body));
                if count.fetch_add(1, Ordering::SeqCst) < failures {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/statuses"), received)
}

async fn the_outbox_is_delivered_with_retries_and_an_idempotency_key(backend: Backend) {
    let w = world(backend).await;
    let (url, received) = receiver(1).await;
    let transport = HttpTransport::new(&url, Some("their-secret".into())).expect("transport");
    let core = w.core();
    w.send(&fixture("01-sale-bouknadel-fr.json")).await;
    let first = deliver_due(&core, &transport).await.expect("deliver");
    assert_eq!(
        (first.sent, first.failed),
        (0, 1),
        "the receiver fails first"
    );
    let (state, attempts, error): (String, i64, Option<String>) =
        sqlx::query_as("SELECT state, attempts, last_error FROM observatory_outbox")
            .fetch_one(w.app.store.pool_for_tests())
            .await
            .expect("row");
    assert_eq!(
        (state.as_str(), attempts, error.as_deref()),
        ("waiting", 1, Some("HTTP 503"))
    );
    let early = deliver_due(&core, &transport).await.expect("deliver");
    assert_eq!(
        (early.sent, early.failed),
        (0, 0),
        "not before its back-off"
    );
    w.app.clock.advance(jiff::SignedDuration::from_secs(31));
    let second = deliver_due(&core, &transport).await.expect("deliver");
    assert_eq!((second.sent, second.failed), (1, 0));
    let got = received.lock().await.clone();
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0], got[1],
        "the same message, with the same idempotency key"
    );
    let message: Value = serde_json::from_str(&got[1].1).expect("JSON");
    assert_eq!(message["message_id"], got[1].0);
    assert_eq!(message["status"], "received");
    for personal in ["Yassine", "Alaoui", "Khadija", "bleus", "0612345678"] {
        assert!(!got[1].1.contains(personal), "{personal} sent");
    }
    let state: String = sqlx::query_scalar("SELECT state FROM observatory_outbox")
        .fetch_one(w.app.store.pool_for_tests())
        .await
        .expect("row");
    assert_eq!(state, "sent");

    // A receiver down for good: the message fails after its tries, an administrator
    // of its province sends it again from the page, and it goes.
    let (url, received) = receiver(10).await;
    let transport = HttpTransport::new(&url, Some("their-secret".into())).expect("transport");
    w.send(&fixture("02-sale-arabic.json")).await;
    for _ in 0..10 {
        deliver_due(&core, &transport).await.expect("deliver");
        w.app.clock.advance(jiff::SignedDuration::from_hours(1));
    }
    assert_eq!(received.lock().await.len(), 10);
    let (id, state): (String, String) =
        sqlx::query_as("SELECT id, state FROM observatory_outbox WHERE state <> 'sent'")
            .fetch_one(w.app.store.pool_for_tests())
            .await
            .expect("row");
    assert_eq!(state, "failed");
    let admin = w
        .app
        .signed_in("admin.sale", "sale-centre", &[Role::Administrator])
        .await;
    let page = admin.get("/admin/observatory").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains(&format!("/admin/observatory/{id}/send-again")),
        "{}",
        page.body
    );
    assert!(!page.body.contains("مريم"), "no name on the page");
    // Rabat's administrator neither sees nor sends Salé's message.
    let rabat = w
        .app
        .signed_in("admin.rabat", "rabat-centre", &[Role::Administrator])
        .await;
    assert!(!rabat.get("/admin/observatory").await.body.contains(&id));
    let foreign = w
        .app
        .post_form(
            &format!("/admin/observatory/{id}/send-again"),
            &[("cookie", &rabat.cookie)],
            &[("_csrf", &rabat.csrf)],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let again = w
        .app
        .post_form(
            &format!("/admin/observatory/{id}/send-again"),
            &[("cookie", &admin.cookie)],
            &[("_csrf", &admin.csrf)],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    let last = deliver_due(&core, &transport).await.expect("deliver");
    assert_eq!((last.sent, last.failed), (1, 0));
    w.app.finish().await;
}
on_each_backend!(the_outbox_is_delivered_with_retries_and_an_idempotency_key);

async fn the_operator_sees_the_reception_without_identity(backend: Backend) {
    let w = world(backend).await;
    let sale = w.send(&fixture("01-sale-bouknadel-fr.json")).await.json();
    let urgent = w.send(&fixture("15-tiznit-missing.json")).await.json();
    // The immediate one is late once its 2 hours have passed untriaged.
    w.app.clock.advance(jiff::SignedDuration::from_hours(3));
    let operator = w
        .app
        .signed_in("call.taker", "observatory", &[Role::ObservatoryOperator])
        .await;
    let page = operator.get("/observatory").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for tracking in [&sale["tracking_number"], &urgent["tracking_number"]] {
        assert!(page.body.contains(tracking.as_str().expect("tracking")));
    }
    assert!(
        page.body.contains("سلا") && page.body.contains("تيزنيت"),
        "provinces named"
    );
    assert_eq!(
        page.body.matches("class=\"late ").count(),
        1,
        "the immediate one is late"
    );
    for personal in ["Yassine", "Alaoui", "Amine", "bleus", "rentré"] {
        assert!(!page.body.contains(personal), "{personal} shown");
    }
    let one = operator
        .get(&format!(
            "/observatory?q={}",
            sale["tracking_number"].as_str().expect("t")
        ))
        .await;
    assert!(
        one.body
            .contains(sale["tracking_number"].as_str().expect("t"))
    );
    assert!(
        !one.body
            .contains(urgent["tracking_number"].as_str().expect("t"))
    );
    // Another role, another organisation, another province.
    let worker = w
        .app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    assert_eq!(
        worker.get("/observatory").await.status,
        StatusCode::FORBIDDEN
    );
    w.app
        .organisation("observatory-rabat", "observatory", Some("rabat"))
        .await;
    let regional = w
        .app
        .signed_in(
            "rabat.taker",
            "observatory-rabat",
            &[Role::ObservatoryOperator],
        )
        .await;
    let theirs = regional.get("/observatory").await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(
        !theirs
            .body
            .contains(sale["tracking_number"].as_str().expect("t"))
    );
    // The operator reads no report and records none.
    assert_eq!(
        operator.get("/reports/waiting").await.status,
        StatusCode::FORBIDDEN
    );
    w.app.finish().await;
}
on_each_backend!(the_operator_sees_the_reception_without_identity);

async fn wrong_tokens_and_hostile_input_get_clear_answers(backend: Backend) {
    let w = world(backend).await;
    let record = fixture("01-sale-bouknadel-fr.json");
    let intake = token(&w.app, "observatory", "intake").await;
    let node = token(&w.app, "observatory", "node").await;
    for bearer in [&intake, &node] {
        let answer = w
            .app
            .post_json(
                "/api/v1/observatory/reports",
                &[("authorization", bearer)],
                &record,
            )
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
        let pulled = w
            .app
            .get_with("/api/v1/observatory/statuses", &[("authorization", bearer)])
            .await;
        assert_eq!(pulled.status, StatusCode::FORBIDDEN);
    }
    let nobody = w
        .app
        .post_json("/api/v1/observatory/reports", &[], &record)
        .await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED, "{}", nobody.body);
    let unknown = w
        .app
        .post_json(
            "/api/v1/observatory/reports",
            &[("authorization", "Bearer nope")],
            &record,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    // The Observatory's token sends in its own shape only, and reads no report.
    let in_our_codes = w
        .app
        .post_json(
            "/api/v1/reports",
            &[("authorization", &w.bearer)],
            &json!({"source": "line_2511"}),
        )
        .await;
    assert_eq!(in_our_codes.status, StatusCode::FORBIDDEN);

    let post_raw = |body: Vec<u8>, kind: &'static str| {
        let app = &w.app;
        let bearer = w.bearer.clone();
        async move {
            app.request(
                axum::http::Method::POST,
                "/api/v1/observatory/reports",
                &[("authorization", &bearer), ("content-type", kind)],
                axum::body::Body::from(body),
            )
            .await
        }
    };
    let malformed = post_raw(b"{\"record_id\": \"L1\", ".to_vec(), "application/json").await;
    assert_eq!(
        malformed.status,
        StatusCode::BAD_REQUEST,
        "{}",
        malformed.body
    );
    assert_eq!(malformed.json()["error"]["code"], "bad_json");
    let huge = format!("{{\"summary\": \"{}\"}}", "ع".repeat(400_000));
    let huge = post_raw(huge.into_bytes(), "application/json").await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    let not_json = post_raw(b"record_id=1".to_vec(), "application/x-www-form-urlencoded").await;
    assert_eq!(not_json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let array = w.send(&json!(["عنف جسدي"])).await;
    assert_eq!(array.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(array.json()["refusals"][0]["field"], "record");

    // Hostile values: a category that is an SQL fragment is refused and echoed (it is
    // a category, not a name); a name that reverses the text around it is refused
    // without being echoed; a narrative too long names its field.
    let mut hostile = record.clone();
    hostile["record_id"] = json!("L2511-HOSTILE");
    hostile["violence"] = json!(["'; DROP TABLE cards; --"]);
    let answer = w.send(&hostile).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer.json()["refusals"][0]["value"],
        "'; DROP TABLE cards; --"
    );
    let mut reversed = record.clone();
    reversed["record_id"] = json!("L2511-RTL");
    reversed["child"]["first_name"] = json!("ياسين\u{202E}exe.png");
    reversed["summary"] = json!("س".repeat(10_001));
    let answer = w.send(&reversed).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    let fields: Vec<String> = answer.json()["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str().map(str::to_owned))
        .collect();
    for field in ["child.first_name", "summary"] {
        assert!(fields.iter().any(|f| f == field), "{field} in {fields:?}");
    }
    assert!(!answer.body.contains("exe.png"), "a name is not echoed");
    let mut long_id = record.clone();
    long_id["record_id"] = json!("x".repeat(101));
    let answer = w.send(&long_id).await;
    assert_eq!(answer.json()["refusals"][0]["reason"], "bad_record_id");
    assert_eq!(w.count("observatory_reports").await, 0, "nothing stored");
    assert_eq!(w.count("cards").await, 0);
    // Arabic answers for an Arabic caller.
    let arabic = w
        .app
        .post_json(
            "/api/v1/observatory/reports",
            &[("authorization", &w.bearer), ("accept-language", "ar")],
            &hostile,
        )
        .await;
    assert!(
        arabic.json()["refusals"][0]["message"]
            .as_str()
            .expect("message")
            .contains("جدول المطابقة")
    );
    w.app.finish().await;
}
on_each_backend!(wrong_tokens_and_hostile_input_get_clear_answers);
