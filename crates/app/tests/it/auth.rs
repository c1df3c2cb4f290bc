//! Signing in, sessions, CSRF, tokens and lockout: each failure has its status and a
//! clear message in the user's language.

use crate::support::{Backend, TestApp, on_each_backend, set_cookie};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use jiff::SignedDuration;
use serde_json::json;

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

async fn wrong_passwords_lock_the_account_for_a_while(backend: Backend) {
    let app = setup(backend).await;
    let analyst = app
        .user("analyst", "ministry", &[Role::NationalAnalyst], false)
        .await;
    let fr = [("accept-language", "fr")];
    let unknown = app
        .post_json(
            "/api/v1/auth/login",
            &fr,
            &json!({"username": "nobody", "password": "x"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&unknown), "wrong_credentials");
    let wrong = app
        .post_json(
            "/api/v1/auth/login",
            &fr,
            &json!({"username": "analyst", "password": "wrong"}),
        )
        .await;
    assert_eq!(
        wrong.body, unknown.body,
        "an unknown user and a wrong password look the same"
    );
    assert!(
        wrong.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("mot de passe"))
    );
    for _ in 0..3 {
        app.post_json(
            "/api/v1/auth/login",
            &[],
            &json!({"username": "analyst", "password": "wrong"}),
        )
        .await;
    }
    let fifth = app
        .post_json(
            "/api/v1/auth/login",
            &[],
            &json!({"username": "analyst", "password": "wrong"}),
        )
        .await;
    assert_eq!(fifth.status, StatusCode::LOCKED);
    let right_but_locked = app
        .post_json(
            "/api/v1/auth/login",
            &[],
            &json!({"username": "analyst", "password": analyst.password}),
        )
        .await;
    assert_eq!(right_but_locked.status, StatusCode::LOCKED);
    assert!(right_but_locked.body.contains("15"));
    app.clock.advance(SignedDuration::from_mins(16));
    let later = app
        .post_json(
            "/api/v1/auth/login",
            &[],
            &json!({"username": "analyst", "password": analyst.password}),
        )
        .await;
    assert_eq!(later.status, StatusCode::OK, "{}", later.body);
    app.finish().await;
}
on_each_backend!(wrong_passwords_lock_the_account_for_a_while);

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

    // Nothing but the account pages until the second factor is given.
    let blocked = app
        .get_with("/api/v1/auth/logout", &[("cookie", &pending)])
        .await;
    assert_ne!(blocked.status, StatusCode::OK);
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
