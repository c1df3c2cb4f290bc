//! The devices of offline capture (issue 16 §3): registered once, listed and revoked on
//! the account page; a revoked, expired, unknown or another person's device's cards are
//! refused at sync; signing out tells the browser to erase what it keeps.

use crate::support::{Backend, Signed, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::json;

fn report() -> serde_json::Value {
    json!({"child": {"sex": "female"}, "narrative": "بلاغ من الميدان"})
}

async fn send_from(user: &Signed<'_>, device: &str, key: &str) -> crate::support::Answer {
    user.app
        .post_json(
            "/api/v1/reports?draft=true",
            &[
                ("cookie", user.cookie.as_str()),
                ("x-csrf-token", user.csrf.as_str()),
                ("x-device", device),
                ("idempotency-key", key),
            ],
            &report(),
        )
        .await
}

async fn a_revoked_or_foreign_device_s_queue_is_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let amina = app
        .signed_in("amina", "sale-centre", &[Role::CaseWorker])
        .await;
    let registered = nadia.post("/api/v1/devices", &json!({})).await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.body
    );
    let device = registered.json()["id"].as_str().expect("id").to_owned();
    assert_eq!(
        registered.json()["expires_at"],
        app.now_ms() + 12 * 3_600_000,
        "the key lives as long as a session may"
    );

    assert_eq!(
        send_from(&nadia, &device, "k1").await.status,
        StatusCode::CREATED
    );
    let foreign = send_from(&amina, &device, "k2").await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN, "{}", foreign.body);
    assert_eq!(foreign.json()["error"]["code"], "device_refused");
    let unknown = send_from(&nadia, "'; DROP TABLE devices;--", "k3").await;
    assert_eq!(unknown.status, StatusCode::FORBIDDEN, "{}", unknown.body);

    let page = nadia.get("/account").await;
    assert!(
        page.body
            .contains(&format!("/account/devices/{device}/revoke")),
        "{}",
        page.body
    );
    let stolen = amina
        .post(&format!("/api/v1/devices/{device}/revoke"), &json!({}))
        .await;
    assert_eq!(
        stolen.status,
        StatusCode::NOT_FOUND,
        "only its owner revokes a device"
    );
    let revoked = nadia
        .post(&format!("/api/v1/devices/{device}/revoke"), &json!({}))
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.body);
    let refused = send_from(&nadia, &device, "k4").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.json()["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("الجهاز")
    );
    // A retry of a card sent before the revocation is still the same card.
    let cards: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cards")
        .fetch_one(app.store.pool_for_tests())
        .await
        .expect("count");
    assert_eq!(cards, 1);
    let page = nadia.get("/account").await;
    assert!(
        !page
            .body
            .contains(&format!("/account/devices/{device}/revoke"))
    );

    // Past its lifetime a device sends nothing, whoever signs in again.
    let second = nadia.post("/api/v1/devices", &json!({})).await.json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.clock.advance(jiff::SignedDuration::from_hours(13));
    let again = app
        .signed_in("nadia2", "sale-centre", &[Role::CaseWorker])
        .await;
    assert_eq!(
        send_from(&again, &second, "k5").await.status,
        StatusCode::FORBIDDEN
    );
    app.finish().await;
}
on_each_backend!(a_revoked_or_foreign_device_s_queue_is_refused);

async fn signing_out_erases_the_browser_s_offline_data(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let page = app
        .post_form(
            "/logout",
            &[("cookie", nadia.cookie.as_str())],
            &[("_csrf", nadia.csrf.as_str())],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.header("clear-site-data"), r#""cache", "storage""#);
    let nadia = app
        .signed_in("nadia-api", "sale-centre", &[Role::CaseWorker])
        .await;
    let api = nadia.post("/api/v1/auth/logout", &json!({})).await;
    assert_eq!(api.status, StatusCode::NO_CONTENT);
    assert_eq!(api.header("clear-site-data"), r#""cache", "storage""#);
    // The offline pieces are served by the binary, the worker never cached by HTTP.
    let worker = app.get("/sw.js").await;
    assert_eq!(worker.status, StatusCode::OK);
    assert_eq!(worker.header("cache-control"), "no-cache");
    assert!(worker.header("content-type").starts_with("text/javascript"));
    let manifest = app.get("/manifest.webmanifest").await;
    assert_eq!(manifest.json()["start_url"], "/capture");
    assert_eq!(manifest.json()["dir"], "rtl");
    app.finish().await;
}
on_each_backend!(signing_out_erases_the_browser_s_offline_data);
