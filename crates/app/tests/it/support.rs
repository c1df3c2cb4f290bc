//! Fresh databases per test, an in-process app to send requests to, and the macro that
//! runs one behaviour on every backend.

use awladna_crypto::Keyring;
use awladna_domain::clock::FixedClock;
use awladna_domain::{Clock, Reference};
use awladna_store::Store;
use awladna_web::{AppState, Settings};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs the behaviour `$name(backend)` on each backend, as two tests `$name::sqlite`
/// and `$name::postgres`.
macro_rules! on_each_backend {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(crate::support::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if crate::support::postgres_or_skip(stringify!($name)).is_some() {
                    super::$name(crate::support::Backend::Postgres).await;
                }
            }
        }
    };
}
pub(crate) use on_each_backend;

pub fn postgres_url() -> Option<String> {
    std::env::var("AWLADNA_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// The PostgreSQL URL, or `None` after saying that `what` was skipped there. When CI
/// requires PostgreSQL (`AWLADNA_REQUIRE_POSTGRES`), a missing URL is a failure: a
/// PostgreSQL half that skips would pass without running.
pub fn postgres_or_skip(what: &str) -> Option<String> {
    let url = postgres_url();
    if url.is_none() {
        assert!(
            std::env::var_os("AWLADNA_REQUIRE_POSTGRES").is_none(),
            "AWLADNA_REQUIRE_POSTGRES is set but AWLADNA_TEST_DATABASE_URL is not: {what} cannot run on PostgreSQL"
        );
        eprintln!("skipped: set AWLADNA_TEST_DATABASE_URL to run {what} on PostgreSQL");
    }
    url
}

pub fn reference() -> Arc<Reference> {
    static REFERENCE: OnceLock<Arc<Reference>> = OnceLock::new();
    REFERENCE
        .get_or_init(|| Arc::new(Reference::embedded().expect("the embedded reference set loads")))
        .clone()
}

/// A scratch directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("awladna-test-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An empty database of the given backend: a new SQLite file, or a new PostgreSQL schema.
pub struct TestDb {
    pub url: String,
    _dir: Option<TempDir>,
    schema: Option<String>,
}

impl TestDb {
    pub async fn fresh(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = TempDir::new();
                let url = format!("sqlite://{}/awladna.db?mode=rwc", dir.0.display());
                TestDb {
                    url,
                    _dir: Some(dir),
                    schema: None,
                }
            }
            Backend::Postgres => {
                let base = postgres_url().expect("AWLADNA_TEST_DATABASE_URL");
                let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
                let admin = Store::connect(&base)
                    .await
                    .expect("connect to the test PostgreSQL");
                sqlx::query(&format!("CREATE SCHEMA {schema}"))
                    .execute(admin.pool_for_tests())
                    .await
                    .expect("create schema");
                admin.close().await;
                let separator = if base.contains('?') { '&' } else { '?' };
                let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
                TestDb {
                    url,
                    _dir: None,
                    schema: Some(schema),
                }
            }
        }
    }

    pub async fn store(&self) -> Store {
        Store::connect(&self.url)
            .await
            .expect("connect to the test database")
    }

    /// Drops the PostgreSQL schema (SQLite files go with the temp dir).
    pub async fn finish(self) {
        if let (Some(schema), Some(base)) = (&self.schema, postgres_url())
            && let Ok(admin) = Store::connect(&base).await
        {
            let _ = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(admin.pool_for_tests())
                .await;
            admin.close().await;
        }
    }
}

/// The test clock's "now": a Monday in November 2026, 10:00 UTC.
pub fn test_now() -> jiff::Timestamp {
    "2026-11-23T10:00:00Z".parse().expect("timestamp")
}

/// The whole web application over a fresh, migrated database, called in-process.
pub struct TestApp {
    pub db: TestDb,
    pub store: Store,
    pub router: Router,
    pub clock: Arc<FixedClock>,
    pub keyring: Arc<Keyring>,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

impl TestApp {
    pub async fn start(backend: Backend) -> TestApp {
        TestApp::start_with(backend, Settings::default()).await
    }

    pub async fn start_with(backend: Backend, settings: Settings) -> TestApp {
        let db = TestDb::fresh(backend).await;
        let store = db.store().await;
        store.migrate().await.expect("migrate");
        let reference = reference();
        let clock = Arc::new(FixedClock::new(test_now()));
        store
            .load_reference(&reference, clock.now().as_millisecond())
            .await
            .expect("load reference");
        let keyring = Arc::new(Keyring::generate());
        let state = AppState::new(
            store.clone(),
            reference,
            clock.clone(),
            keyring.clone(),
            settings,
        );
        state.start_events();
        TestApp {
            db,
            store,
            router: awladna_web::router(state),
            clock,
            keyring,
        }
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Body,
    ) -> Answer {
        let mut builder = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let response = self
            .router
            .clone()
            .oneshot(builder.body(body).expect("request"))
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        // An event stream never ends: its answer is its status and headers.
        let streaming = headers
            .get("content-type")
            .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
        if streaming {
            return Answer {
                status,
                headers,
                body: String::new(),
            };
        }
        let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
            .await
            .expect("body");
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.request(Method::GET, path, &[], Body::empty()).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        self.request(Method::GET, path, headers, Body::empty())
            .await
    }

    pub async fn post_json(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        json: &serde_json::Value,
    ) -> Answer {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        self.request(Method::POST, path, &all, Body::from(json.to_string()))
            .await
    }

    pub async fn post_form(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        pairs: &[(&str, &str)],
    ) -> Answer {
        let body = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut all = vec![("content-type", "application/x-www-form-urlencoded")];
        all.extend_from_slice(headers);
        self.request(Method::POST, path, &all, Body::from(body))
            .await
    }

    pub async fn finish(self) {
        self.store.close().await;
        self.db.finish().await;
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl TestApp {
    /// An anonymous visitor's CSRF cookie and token, as a first page view gives them.
    pub async fn anonymous_csrf(&self) -> (String, String) {
        let page = self.get("/login").await;
        let cookie = page
            .headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("awladna_csrf="))
            .expect("a CSRF cookie");
        let pair = cookie.split(';').next().expect("pair").to_owned();
        let token = pair.trim_start_matches("awladna_csrf=").to_owned();
        (pair, token)
    }
}

/// Runs the binary in `dir` with `args`, to completion.
pub fn run(dir: &TempDir, args: &[&str]) -> std::process::Output {
    crate::cli::awladna(dir)
        .args(args)
        .output()
        .expect("run awladna")
}

impl TestApp {
    /// A JSON POST by the holder of `session` (the cookie and CSRF token
    /// `TestApp::session` gives), with `extra` headers.
    pub async fn post_as(
        &self,
        session: &(String, String),
        path: &str,
        body: &serde_json::Value,
        extra: &[(&str, &str)],
    ) -> Answer {
        let mut headers = vec![
            ("cookie", session.0.as_str()),
            ("x-csrf-token", session.1.as_str()),
        ];
        headers.extend_from_slice(extra);
        self.post_json(path, &headers, body).await
    }
}

/// A signed-in user of the test app: requests carry their session and CSRF token.
pub struct Signed<'a> {
    pub app: &'a TestApp,
    pub cookie: String,
    pub csrf: String,
}

impl Signed<'_> {
    pub async fn post(&self, path: &str, body: &serde_json::Value) -> Answer {
        let headers = [
            ("cookie", self.cookie.as_str()),
            ("x-csrf-token", self.csrf.as_str()),
        ];
        self.app.post_json(path, &headers, body).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.app
            .get_with(path, &[("cookie", self.cookie.as_str())])
            .await
    }
}

impl TestApp {
    /// A new user of `org` with `roles`, signed in.
    pub async fn signed_in(
        &self,
        username: &str,
        org: &str,
        roles: &[awladna_domain::access::Role],
    ) -> Signed<'_> {
        let user = self.user(username, org, roles, true).await;
        let (cookie, csrf) = self.session(&user).await;
        Signed {
            app: self,
            cookie,
            csrf,
        }
    }
}

/// A user made for a test, with the secrets a test needs to sign in as them.
pub struct TestUser {
    pub id: String,
    pub password: String,
    pub totp: Option<awladna_crypto::TotpSecret>,
}

impl TestApp {
    pub fn now_ms(&self) -> i64 {
        use awladna_domain::Clock;
        self.clock.now().as_millisecond()
    }

    /// Chains the audit entries waiting, as the server's sealer does every second.
    pub async fn seal_audit(&self) -> awladna_crypto::StoredHead {
        self.store
            .seal_audit(&self.keyring, self.now_ms())
            .await
            .expect("seal the audit log")
    }

    /// Seals, then verifies the whole audit log against its sealed head.
    pub async fn verify_audit(
        &self,
    ) -> Result<awladna_crypto::StoredHead, awladna_store::sealer::AuditBreak> {
        self.store
            .verify_audit(&self.keyring, self.now_ms(), None)
            .await
            .expect("read the audit log")
    }

    /// An organisation of `sector` in `territory` (None: national), created once.
    pub async fn organisation(&self, code: &str, sector: &str, territory: Option<&str>) {
        if self.store.organisation(code).await.expect("read").is_some() {
            return;
        }
        let org = awladna_store::identity::Organisation {
            code: code.to_owned(),
            sector: sector.to_owned(),
            territory: territory.map(str::to_owned),
            name: format!("{code} <b>&</b> 'مركز'"),
        };
        let mut tx = self.store.begin().await.expect("begin");
        tx.add_organisation(&org, self.now_ms())
            .await
            .expect("add org");
        tx.audit(test_entry(self.now_ms(), "organisation.added"))
            .await
            .expect("audit");
        tx.commit().await.expect("commit");
    }

    /// A user of `org` with `roles`; with a second factor when `totp` is true.
    pub async fn user(
        &self,
        username: &str,
        org: &str,
        roles: &[awladna_domain::access::Role],
        totp: bool,
    ) -> TestUser {
        let id = uuid::Uuid::now_v7().to_string();
        let password = format!("pass-{username}-0123456789");
        let hash = awladna_crypto::hash_password(&password).expect("hash");
        let secret = totp.then(awladna_crypto::TotpSecret::generate);
        let mut tx = self.store.begin().await.expect("begin");
        tx.add_user(
            &id,
            username,
            org,
            &roles.iter().copied().collect(),
            Some(&hash),
            self.now_ms(),
        )
        .await
        .expect("add user");
        if let Some(secret) = &secret {
            let sealed = self
                .keyring
                .seal(secret.as_bytes(), &format!("users/totp_secret/{id}"))
                .expect("seal");
            tx.set_totp(&id, Some(&sealed)).await.expect("totp");
        }
        tx.audit(test_entry(self.now_ms(), "user.added"))
            .await
            .expect("audit");
        tx.commit().await.expect("commit");
        TestUser {
            id,
            password,
            totp: secret,
        }
    }

    /// A complete session for a user, as after signing in: (cookie header, CSRF token).
    pub async fn session(&self, user: &TestUser) -> (String, String) {
        let token = awladna_crypto::new_token("awl_s_");
        let csrf = awladna_crypto::new_token("csrf_");
        let mut tx = self.store.begin().await.expect("begin");
        tx.create_session(
            &awladna_crypto::hash_token(&token),
            &user.id,
            &csrf,
            true,
            self.now_ms(),
        )
        .await
        .expect("session");
        tx.audit(test_entry(self.now_ms(), "login"))
            .await
            .expect("audit");
        tx.commit().await.expect("commit");
        (format!("awladna_session={token}"), csrf)
    }

    /// The current TOTP code of a user, as their phone would show it.
    pub fn totp_code(&self, user: &TestUser) -> String {
        use awladna_domain::Clock;
        let now = u64::try_from(self.clock.now().as_second()).expect("after 1970");
        user.totp
            .as_ref()
            .expect("a TOTP user")
            .code_at(now)
            .to_string()
    }
}

pub fn test_entry(at_ms: i64, action: &str) -> awladna_store::audit::AuditEntry {
    awladna_store::audit::AuditEntry {
        at_ms,
        actor: Some("test".into()),
        action: action.into(),
        ..Default::default()
    }
}

/// The value of a cookie set by a response, if any.
pub fn set_cookie(answer: &Answer, name: &str) -> Option<String> {
    answer
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|c| c.split(';').next())
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")).map(str::to_owned))
}

// ---------------------------------------------------------------------------
// A child's pathway through the API, for the tests that need reports, cases and
// linking cards.

impl Signed<'_> {
    /// Records a complete report; its id.
    pub async fn record_report(&self, body: &serde_json::Value) -> String {
        let saved = self.post("/api/v1/reports", body).await;
        assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
        saved.json()["id"].as_str().expect("report id").to_owned()
    }

    /// Triages a report about a new child, or about `child`: the answer (`case_id`,
    /// `child_id`, `number`).
    pub async fn triage(&self, report: &str, child: Option<&str>) -> serde_json::Value {
        let body = match child {
            Some(child) => serde_json::json!({"child_id": child}),
            None => serde_json::json!({"new_child": true}),
        };
        let opened = self
            .post(&format!("/api/v1/reports/{report}/triage"), &body)
            .await;
        assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.body);
        opened.json()
    }

    /// Moves a case to `to` (a closure with its reason).
    pub async fn move_case(&self, case: &str, to: &str, closure_reason: Option<&str>) -> Answer {
        self.post(
            &format!("/api/v1/cases/{case}/transitions"),
            &serde_json::json!({"to": to, "reason": format!("→ {to}: سبب"), "closure_reason": closure_reason}),
        )
        .await
    }

    /// Sends a linking card from a case; its id.
    pub async fn send_referral(&self, case: &str, body: &serde_json::Value) -> String {
        let sent = self
            .post(&format!("/api/v1/cases/{case}/referrals"), body)
            .await;
        assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
        sent.json()["id"].as_str().expect("referral id").to_owned()
    }
}

/// A linking card asking `to` for a medical examination, sharing `share`.
pub fn linking_card(to: &str, share: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "to_org": to, "stage": "initial_diagnosis", "service": "medical_exam", "urgency": "immediate",
        "reason": "فحص طبي وشهادة طبية بعد عنف جسدي", "consent": "guardian", "share": share
    })
}
