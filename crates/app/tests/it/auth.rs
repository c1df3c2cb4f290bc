//! Signing in, sessions, CSRF, tokens and throttling: each failure has its status and a
//! clear message in the user's language.

use crate::support::{Answer, Backend, TestApp, on_each_backend, set_cookie};
use awladna_domain::access::Role;
use awladna_web::Settings;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use jiff::SignedDuration;
use serde_json::json;
use std::net::SocketAddr;
use tower::ServiceExt;

async fn setup(backend: Backend) -> TestApp {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("ministry", "family_solidarity", None)
        .await;
    app
}

fn code(answer: &crate::support::Answer) -> String {
    answer.json()["error"]["code"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

async fn password_sign_in_and_session_rotation(backend: Backend) {
    let app = setup(backend).await;
    let analyst = app
        .user("analyst", "ministry", &[Role::NationalAnalyst], false)
        .await;
    let login = json!({"username": "analyst", "password": analyst.password});
    let first = app.post_json("/api/v1/auth/login", &[], &login).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let session = set_cookie(&first, "awladna_session").expect("a session cookie");
    let cookie_header = first.header("set-cookie");
    assert!(
        cookie_header.contains("HttpOnly") && cookie_header.contains("SameSite=Lax"),
        "{cookie_header}"
    );
    assert!(
        first.json()["csrf_token"]
            .as_str()
            .is_some_and(|t| t.len() > 30)
    );

    let account = app
        .get_with(
            "/account",
            &[("cookie", &format!("awladna_session={session}"))],
        )
        .await;
    assert_eq!(account.status, StatusCode::OK);
    assert!(account.body.contains("analyst"));
    assert!(
        !account.body.contains("<b>&</b>") && account.body.contains("&#60;b&#62;&#38;&#60;/b&#62;"),
        "organisation names are escaped"
    );

    // Signing in again with the old cookie gives a new session id and ends the old one.
    let csrf = first.json()["csrf_token"].as_str().unwrap_or("").to_owned();
    let held = format!("awladna_session={session}");
    let again = app
        .post_json(
            "/api/v1/auth/login",
            &[("cookie", &held), ("x-csrf-token", &csrf)],
            &login,
        )
        .await;
    let renewed = set_cookie(&again, "awladna_session").expect("a new session");
    assert_ne!(renewed, session);
    let old = app
        .get_with(
            "/account",
            &[("cookie", &format!("awladna_session={session}"))],
        )
        .await;
    assert_eq!(old.status, StatusCode::SEE_OTHER);
    assert!(old.header("location").starts_with("/login?next=%2Faccount"));
    app.finish().await;
}
on_each_backend!(password_sign_in_and_session_rotation);

/// A JSON sign-in as if it came over the network from `peer`, with more `headers`.
async fn login_from(
    app: &TestApp,
    peer: &str,
    headers: &[(&str, &str)],
    body: &serde_json::Value,
) -> Answer {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = request.body(Body::from(body.to_string())).expect("request");
    let peer: SocketAddr = format!("{peer}:40000").parse().expect("address");
    request.extensions_mut().insert(ConnectInfo(peer));
    let response = app
        .router
        .clone()
        .oneshot(request)
        .await
        .expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

const STRANGER: &str = "203.0.113.7";
const OWNER: &str = "198.51.100.20";

async fn a_strangers_failures_slow_the_stranger_and_never_the_owner(backend: Backend) {
    let app = setup(backend).await;
    let nadia = app
        .user("nadia", "sale-centre", &[Role::CaseWorker], true)
        .await;
    let wrong = json!({"username": "nadia", "password": "guess-0123456789"});
    for attempt in 1..=5 {
        let refused = login_from(&app, STRANGER, &[], &wrong).await;
        assert_eq!(
            refused.status,
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
        assert_eq!(code(&refused), "wrong_credentials");
    }
    let right =
        |totp: String| json!({"username": "nadia", "password": nadia.password, "totp": totp});
    let held = login_from(
        &app,
        STRANGER,
        &[("accept-language", "en")],
        &right(app.totp_code(&nadia)),
    )
    .await;
    assert_eq!(held.status, StatusCode::TOO_MANY_REQUESTS, "{}", held.body);
    assert_eq!(code(&held), "throttled");
    assert_eq!(held.header("retry-after"), "30");
    // Fluent isolates the number from the text around it (U+2068, U+2069).
    assert!(
        held.body.contains("wait \u{2068}1\u{2069} min"),
        "{}",
        held.body
    );

    // The owner, elsewhere, is not held up by the stranger's failures.
    let owner = login_from(&app, OWNER, &[], &right(app.totp_code(&nadia))).await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.body);

    // The stranger's delays grow: 30 s, then 60 s, then 2 min…
    app.clock.advance(SignedDuration::from_secs(31));
    let sixth = login_from(&app, STRANGER, &[], &wrong).await;
    assert_eq!(sixth.status, StatusCode::UNAUTHORIZED);
    let again = login_from(&app, STRANGER, &[], &wrong).await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(again.header("retry-after"), "60");
    app.clock.advance(SignedDuration::from_secs(61));
    assert_eq!(
        login_from(&app, STRANGER, &[], &wrong).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_from(&app, STRANGER, &[], &wrong)
            .await
            .header("retry-after"),
        "120"
    );

    // A wrong second factor counts too, for that address only.
    app.clock.advance(SignedDuration::from_secs(121));
    let bad_code = json!({"username": "nadia", "password": nadia.password, "totp": "000000"});
    assert_eq!(
        code(&login_from(&app, STRANGER, &[], &bad_code).await),
        "wrong_second_factor"
    );
    assert_eq!(
        login_from(&app, STRANGER, &[], &right(app.totp_code(&nadia)))
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );

    // Once the delay has passed, a success from that address forgets its failures.
    app.clock.advance(SignedDuration::from_mins(5));
    let back = login_from(&app, STRANGER, &[], &right(app.totp_code(&nadia))).await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
    assert_eq!(
        login_from(&app, STRANGER, &[], &wrong).await.status,
        StatusCode::UNAUTHORIZED,
        "counted from zero again"
    );
    app.finish().await;
}
on_each_backend!(a_strangers_failures_slow_the_stranger_and_never_the_owner);

/// The median time of three sign-ins.
async fn median_time(app: &TestApp, body: &serde_json::Value) -> std::time::Duration {
    let mut times = Vec::new();
    for _ in 0..3 {
        let start = std::time::Instant::now();
        login_from(app, OWNER, &[], body).await;
        times.push(start.elapsed());
    }
    times.sort();
    times[1]
}

async fn an_unknown_username_is_answered_as_a_known_one(backend: Backend) {
    let app = setup(backend).await;
    app.user("analyst", "ministry", &[Role::NationalAnalyst], false)
        .await;
    let fr = [("accept-language", "fr")];
    let known = json!({"username": "analyst", "password": "wrong-0123456789"});
    let unknown = json!({"username": "nobody", "password": "wrong-0123456789"});
    for _ in 0..5 {
        let a = login_from(&app, STRANGER, &fr, &known).await;
        let b = login_from(&app, STRANGER, &fr, &unknown).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!((a.status, &a.body), (b.status, &b.body), "the same answer");
        assert!(a.body.contains("mot de passe"), "{}", a.body);
    }
    // Held up the same way: a held-up name is no sign that it exists.
    let a = login_from(&app, STRANGER, &fr, &known).await;
    let b = login_from(&app, STRANGER, &fr, &unknown).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!((a.status, &a.body), (b.status, &b.body));
    assert_eq!(a.header("retry-after"), b.header("retry-after"));

    // The same work: an unknown name costs an Argon2 verification like a known one.
    let known_time = median_time(&app, &known).await;
    let unknown_time = median_time(&app, &unknown).await;
    assert!(
        unknown_time * 2 >= known_time && known_time * 2 >= unknown_time,
        "known {known_time:?}, unknown {unknown_time:?}"
    );
    app.finish().await;
}
on_each_backend!(an_unknown_username_is_answered_as_a_known_one);

async fn behind_a_trusted_proxy_the_forwarded_address_counts(backend: Backend) {
    let settings = Settings {
        trusted_proxies: "10.0.0.0/8".parse().expect("proxies"),
        ..Settings::default()
    };
    let app = TestApp::start_with(backend, settings).await;
    app.organisation("ministry", "family_solidarity", None)
        .await;
    let analyst = app
        .user("analyst", "ministry", &[Role::NationalAnalyst], false)
        .await;
    let wrong = json!({"username": "analyst", "password": "wrong-0123456789"});
    let right = json!({"username": "analyst", "password": analyst.password});
    let proxy = "10.1.2.3";
    let via = |client: &'static str| [("x-forwarded-for", client)];
    for _ in 0..5 {
        login_from(&app, proxy, &via(STRANGER), &wrong).await;
    }
    assert_eq!(
        login_from(&app, proxy, &via(STRANGER), &right).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        login_from(&app, proxy, &via(OWNER), &right).await.status,
        StatusCode::OK,
        "another client behind the same proxy is not held up"
    );
    // A header from an untrusted address is not believed: that address is what counts.
    for _ in 0..5 {
        login_from(&app, "192.0.2.50", &via(OWNER), &wrong).await;
    }
    assert_eq!(
        login_from(&app, "192.0.2.50", &via("192.0.2.99"), &right)
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS,
        "a client cannot escape its delay by naming another address"
    );
    assert_eq!(
        login_from(&app, proxy, &via(OWNER), &right).await.status,
        StatusCode::OK
    );
    app.finish().await;
}
on_each_backend!(behind_a_trusted_proxy_the_forwarded_address_counts);

async fn the_second_factor_is_required_checked_and_not_replayable(backend: Backend) {
    let app = setup(backend).await;
    let nadia = app
        .user("nadia", "sale-centre", &[Role::CaseWorker], true)
        .await;
    let without = app
        .post_json(
            "/api/v1/auth/login",
            &[],
            &json!({"username": "nadia", "password": nadia.password}),
        )
        .await;
    assert_eq!(without.status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&without), "second_factor_required");
    assert!(
        set_cookie(&without, "awladna_session").is_none(),
        "no session without the second factor"
    );
    let wrong = app
        .post_json(
            "/api/v1/auth/login",
            &[],
            &json!({"username": "nadia", "password": nadia.password, "totp": "000000"}),
        )
        .await;
    assert_eq!(code(&wrong), "wrong_second_factor");
    let totp = app.totp_code(&nadia);
    let right = app
        .post_json(
            "/api/v1/auth/login",
            &[],
            &json!({"username": "nadia", "password": nadia.password, "totp": totp}),
        )
        .await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
    let replay = app
        .post_json(
            "/api/v1/auth/login",
            &[],
            &json!({"username": "nadia", "password": nadia.password, "totp": totp}),
        )
        .await;
    assert_eq!(code(&replay), "wrong_second_factor", "a code is used once");

    // A case worker without a second factor must enrol first.
    let new = app
        .user("samira", "sale-centre", &[Role::CaseWorker], false)
        .await;
    let enrol = app
        .post_json(
            "/api/v1/auth/login",
            &[],
            &json!({"username": "samira", "password": new.password}),
        )
        .await;
    assert_eq!(enrol.status, StatusCode::FORBIDDEN);
    assert_eq!(code(&enrol), "enrol_second_factor");
    app.finish().await;
}
on_each_backend!(the_second_factor_is_required_checked_and_not_replayable);

async fn the_web_journey_enrols_the_second_factor(backend: Backend) {
    let app = setup(backend).await;
    let samira = app
        .user("samira", "sale-centre", &[Role::CaseWorker], false)
        .await;
    let (anon_cookie, anon_csrf) = app.anonymous_csrf().await;
    let login = app
        .post_form(
            "/login",
            &[("cookie", &anon_cookie)],
            &[
                ("_csrf", &anon_csrf),
                ("username", "samira"),
                ("password", &samira.password),
                ("next", "/forms"),
            ],
        )
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.body);
    assert!(login.header("location").starts_with("/login/second-factor"));
    let pending = format!(
        "awladna_session={}",
        set_cookie(&login, "awladna_session").expect("pending session")
    );

    // Nothing but the account pages until the second factor is given: the case list,
    // which a case worker may read once signed in, sends back to the second factor.
    let blocked = app.get_with("/cases", &[("cookie", &pending)]).await;
    assert_eq!(blocked.status, StatusCode::SEE_OTHER);
    assert_eq!(blocked.header("location"), "/login/second-factor");
    let blocked = app.get_with("/api/v1/cases", &[("cookie", &pending)]).await;
    assert_eq!(blocked.status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&blocked), "second_factor_required");
    let step = app
        .get_with("/login/second-factor", &[("cookie", &pending)])
        .await;
    assert_eq!(
        step.header("location"),
        "/account/second-factor",
        "no second factor yet: enrol"
    );
    let enrol = app
        .get_with("/account/second-factor", &[("cookie", &pending)])
        .await;
    assert_eq!(enrol.status, StatusCode::OK);
    assert!(
        enrol.body.contains("data:image/svg+xml;base64,"),
        "a QR code"
    );
    let field = |name: &str| -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = enrol.body.find(&marker).expect(name) + marker.len();
        enrol.body[start..]
            .split('"')
            .next()
            .expect("value")
            .to_owned()
    };
    let (csrf, sealed) = (field("_csrf"), field("pending"));
    use base64::Engine;
    let sealed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(sealed)
        .expect("base64");
    let secret = app
        .keyring
        .open(&sealed, &format!("enrolment/totp_secret/{}", samira.id))
        .expect("the pending secret");
    let secret = awladna_crypto::TotpSecret::from_bytes(&secret).expect("secret");
    let now = u64::try_from(app.now_ms() / 1000).expect("time");
    let wrong = app
        .post_form(
            "/account/second-factor",
            &[("cookie", &pending)],
            &[
                ("_csrf", &csrf),
                ("pending", &field("pending")),
                ("code", "123456"),
            ],
        )
        .await;
    assert!(wrong.body.contains("هذا الرمز غير صحيح"));
    let done = app
        .post_form(
            "/account/second-factor",
            &[("cookie", &pending)],
            &[
                ("_csrf", &csrf),
                ("pending", &field("pending")),
                ("code", &secret.code_at(now)),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let codes: Vec<String> = done
        .body
        .split("<li><code>")
        .skip(1)
        .filter_map(|s| s.split('<').next())
        .map(str::to_owned)
        .collect();
    assert_eq!(codes.len(), 10, "ten recovery codes, shown once");
    let full = format!(
        "awladna_session={}",
        set_cookie(&done, "awladna_session").expect("a new session id")
    );
    assert_eq!(
        app.get_with("/account", &[("cookie", &full)]).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get_with("/cases", &[("cookie", &full)]).await.status,
        StatusCode::OK,
        "the same route opens once the second factor is given"
    );
    assert_eq!(
        app.get_with("/account", &[("cookie", &pending)])
            .await
            .status,
        StatusCode::SEE_OTHER,
        "the pending session id is gone"
    );

    // A recovery code signs in once.
    let with_code = json!({"username": "samira", "password": samira.password, "totp": codes[0]});
    assert_eq!(
        app.post_json("/api/v1/auth/login", &[], &with_code)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.post_json("/api/v1/auth/login", &[], &with_code)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    app.finish().await;
}
on_each_backend!(the_web_journey_enrols_the_second_factor);

async fn idle_sessions_expire(backend: Backend) {
    let app = setup(backend).await;
    let analyst = app
        .user("analyst", "ministry", &[Role::NationalAnalyst], false)
        .await;
    let (cookie, _) = app.session(&analyst).await;
    assert_eq!(
        app.get_with("/account", &[("cookie", &cookie)])
            .await
            .status,
        StatusCode::OK
    );
    app.clock.advance(SignedDuration::from_mins(31));
    let page = app.get_with("/account", &[("cookie", &cookie)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.header("location").contains("expired=1"));
    let login = app.get(page.header("location")).await;
    assert!(
        login.body.contains("انتهت جلستكم"),
        "the sign-in page says why"
    );
    let api = app
        .post_json("/api/v1/auth/logout", &[("cookie", &cookie)], &json!({}))
        .await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&api), "session_expired");
    app.finish().await;
}
on_each_backend!(idle_sessions_expire);

async fn csrf_tokens_guard_every_change(backend: Backend) {
    let app = setup(backend).await;
    let analyst = app
        .user("analyst", "ministry", &[Role::NationalAnalyst], false)
        .await;
    let (cookie, csrf) = app.session(&analyst).await;
    let (other, _) = app.session(&analyst).await;
    let missing = app
        .post_form("/account/sessions/end-all", &[("cookie", &cookie)], &[])
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.body.contains("أعيدوا تحميل الصفحة"));
    let (_, foreign) = app.anonymous_csrf().await;
    let replayed = app
        .post_form(
            "/account/sessions/end-all",
            &[("cookie", &cookie)],
            &[("_csrf", &foreign)],
        )
        .await;
    assert_eq!(
        replayed.status,
        StatusCode::FORBIDDEN,
        "another visitor's token does not fit this session"
    );
    let json_without = app
        .post_json("/api/v1/auth/logout", &[("cookie", &cookie)], &json!({}))
        .await;
    assert_eq!(
        json_without.status,
        StatusCode::FORBIDDEN,
        "signed-in JSON calls carry X-CSRF-Token"
    );
    assert_eq!(
        app.get_with("/account", &[("cookie", &other)]).await.status,
        StatusCode::OK,
        "nothing changed"
    );

    let everywhere = app
        .post_form(
            "/account/sessions/end-all",
            &[("cookie", &cookie)],
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(everywhere.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get_with("/account", &[("cookie", &other)]).await.status,
        StatusCode::SEE_OTHER,
        "signed out everywhere"
    );
    app.finish().await;
}
on_each_backend!(csrf_tokens_guard_every_change);

async fn revoked_tokens_are_refused(backend: Backend) {
    let app = setup(backend).await;
    let token = awladna_crypto::new_token("awl_t_");
    let mut tx = app.store.begin().await.expect("begin");
    tx.add_token(
        "t1",
        &awladna_crypto::hash_token(&token),
        "ministry",
        "intake",
        app.now_ms(),
    )
    .await
    .expect("token");
    tx.audit(crate::support::test_entry(app.now_ms(), "token.created"))
        .await
        .expect("audit");
    tx.commit().await.expect("commit");
    let bearer = format!("Bearer {token}");
    assert_eq!(
        app.get_with("/api/v1/reference", &[("authorization", &bearer)])
            .await
            .status,
        StatusCode::OK
    );
    let bad = app
        .get_with(
            "/api/v1/reference",
            &[
                ("authorization", "Bearer awl_t_guess"),
                ("accept-language", "en"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(
        bad.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("revoked"))
    );
    let mut tx = app.store.begin().await.expect("begin");
    assert!(tx.revoke_token("t1", app.now_ms()).await.expect("revoke"));
    tx.audit(crate::support::test_entry(app.now_ms(), "token.revoked"))
        .await
        .expect("audit");
    tx.commit().await.expect("commit");
    assert_eq!(
        app.get_with("/api/v1/reference", &[("authorization", &bearer)])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    app.finish().await;
}
on_each_backend!(revoked_tokens_are_refused);
