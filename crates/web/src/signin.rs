//! Signing in and out: password, then the second factor (TOTP or a recovery code),
//! enrolment of the second factor, sign out here or everywhere. The same rules serve
//! the pages and the JSON API. Every attempt, good or bad, is audited.

use crate::auth::{CSRF_COOKIE, Caller, SESSION_COOKIE, cookie};
use crate::error::page_error;
use crate::extract::Shell;
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_crypto::{TotpSecret, hash_token, new_token, verify_dummy, verify_password};
use awladna_domain::access::{Action, Decision, decide};
use awladna_store::StoreError;
use awladna_store::audit::{AuditEntry, Tx};
use awladna_store::identity::UserRecord;
use axum::extract::{OriginalUri, Query, State};
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::http::header::{RETRY_AFTER, SET_COOKIE};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Value, json};

const SESSION_MAX_AGE_S: i64 = 12 * 3600;

pub fn totp_aad(user_id: &str) -> String {
    format!("users/totp_secret/{user_id}")
}

/// Why a sign-in step was refused, each with its own message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    WrongCredentials,
    /// Too many failures of this username from this address: wait this many milliseconds.
    Throttled(i64),
    Disabled,
    /// A national body's account with a role that reads identities: to be moved first.
    IdentityRoleWithoutProvince,
    SecondFactorRequired,
    WrongSecondFactor,
    EnrolFirst,
}

impl Refusal {
    fn code(self) -> &'static str {
        match self {
            Refusal::WrongCredentials => "wrong_credentials",
            Refusal::Throttled(_) => "throttled",
            Refusal::Disabled => "disabled",
            Refusal::IdentityRoleWithoutProvince => "identity_role_without_province",
            Refusal::SecondFactorRequired => "second_factor_required",
            Refusal::WrongSecondFactor => "wrong_second_factor",
            Refusal::EnrolFirst => "enrol_second_factor",
        }
    }

    fn message(self, t: Tr) -> String {
        match self {
            Refusal::WrongCredentials => t.get("auth-wrong-credentials"),
            Refusal::Throttled(wait_ms) => {
                t.with("auth-throttled", &[("minutes", minutes_to_wait(wait_ms))])
            }
            Refusal::Disabled => t.get("auth-disabled"),
            Refusal::IdentityRoleWithoutProvince => t.get("auth-identity-role-without-province"),
            Refusal::SecondFactorRequired => t.get("auth-second-factor-required"),
            Refusal::WrongSecondFactor => t.get("auth-wrong-second-factor"),
            Refusal::EnrolFirst => t.get("auth-enrol-first"),
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Refusal::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Refusal::Disabled | Refusal::EnrolFirst | Refusal::IdentityRoleWithoutProvince => {
                StatusCode::FORBIDDEN
            }
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// The answer's status and, for a throttled attempt, when to come back.
    fn respond(self, body: impl IntoResponse) -> Response {
        let mut response = (self.status(), body).into_response();
        if let Refusal::Throttled(wait_ms) = self {
            let seconds = (wait_ms + 999) / 1000;
            if let Ok(value) = HeaderValue::from_str(&seconds.max(1).to_string()) {
                response.headers_mut().insert(RETRY_AFTER, value);
            }
        }
        response
    }
}

fn minutes_to_wait(wait_ms: i64) -> i64 {
    ((wait_ms + 59_999) / 60_000).max(1)
}

/// A new session: the cookie value (shown once, stored hashed) and its CSRF token.
pub struct NewSession {
    pub token: String,
    pub csrf: String,
    pub pending: bool,
}

fn entry(
    state: &AppState,
    caller: &Caller,
    actor: Option<&str>,
    action: &str,
    detail: Value,
) -> AuditEntry {
    AuditEntry {
        at_ms: state.now_ms(),
        actor: actor.map(str::to_owned),
        action: action.to_owned(),
        record_kind: actor.map(|_| "user".to_owned()),
        record_id: actor.map(str::to_owned),
        territory: None,
        origin: caller.origin.clone(),
        detail,
    }
}

/// Records an attempt that changes nothing but must be accounted for.
async fn audit_only(
    state: &AppState,
    caller: &Caller,
    actor: Option<&str>,
    action: &str,
    detail: Value,
) -> Result<(), StoreError> {
    let mut tx = state.store.begin().await?;
    tx.audit(entry(state, caller, actor, action, detail))
        .await?;
    tx.commit().await
}

async fn start_session(
    tx: &mut Tx<'_>,
    user_id: &str,
    pending: bool,
    now: i64,
) -> Result<NewSession, StoreError> {
    let token = new_token("awl_s_");
    let csrf = new_token("csrf_");
    tx.create_session(&hash_token(&token), user_id, &csrf, !pending, now)
        .await?;
    Ok(NewSession {
        token,
        csrf,
        pending,
    })
}

/// One account's sign-in attempts from one client address: what the throttle counts.
struct Attempts<'a> {
    state: &'a AppState,
    caller: &'a Caller,
    account: [u8; 32],
    address: String,
}

impl<'a> Attempts<'a> {
    fn new(state: &'a AppState, caller: &'a Caller, username: &str) -> Self {
        Attempts {
            state,
            caller,
            account: crate::throttle::account_key(username),
            address: caller.origin.clone().unwrap_or_default(),
        }
    }

    fn forgotten_before(&self, now: i64) -> i64 {
        now - self.state.settings.throttle.forget_after_ms
    }

    /// How long to wait before this attempt may be made, if at all.
    async fn wait(&self, now: i64) -> Result<Option<i64>, StoreError> {
        let failures = self
            .state
            .store
            .login_failures(&self.account, &self.address, self.forgotten_before(now))
            .await?;
        Ok(failures
            .and_then(|f| {
                self.state
                    .settings
                    .throttle
                    .next_attempt_at(f.count, f.last_at)
            })
            .map(|at| at - now)
            .filter(|wait| *wait > 0))
    }

    /// Refuses an attempt made too early, auditing it.
    async fn throttled(&self, user: Option<&UserRecord>, wait: i64) -> Result<Refusal, StoreError> {
        let actor = user.map(|u| u.id.as_str());
        audit_only(
            self.state,
            self.caller,
            actor,
            "login.throttled",
            json!({"wait_s": wait / 1000}),
        )
        .await?;
        Ok(Refusal::Throttled(wait))
    }

    /// Counts a failure (of a known user or not: the same work either way) and audits it.
    async fn fail(&self, user: Option<&UserRecord>, reason: &str) -> Result<Refusal, StoreError> {
        let now = self.state.now_ms();
        let mut tx = self.state.store.begin().await?;
        let failures = tx
            .record_login_failure(
                &self.account,
                &self.address,
                now,
                self.forgotten_before(now),
            )
            .await?;
        tx.audit(entry(
            self.state,
            self.caller,
            user.map(|u| u.id.as_str()),
            "login.failed",
            json!({"reason": reason, "failures": failures.count}),
        ))
        .await?;
        tx.commit().await?;
        Ok(if reason == "second_factor" {
            Refusal::WrongSecondFactor
        } else {
            Refusal::WrongCredentials
        })
    }
}

/// Whether `password` is the user's; for an unknown user (or one without a password)
/// the same Argon2 work is done against a hash nobody can match, so that the time
/// taken does not tell which usernames exist.
fn password_matches(user: Option<&UserRecord>, password: &str) -> bool {
    match user.and_then(|u| u.password_hash.as_deref()) {
        Some(hash) => verify_password(password, hash),
        None => {
            verify_dummy(password);
            false
        }
    }
}

/// The password step, and the second factor too when `second` is given (the API sends
/// both at once). Without `second`, a user who needs one gets a pending session.
pub async fn sign_in(
    state: &AppState,
    caller: &Caller,
    username: &str,
    password: &str,
    second: Option<&str>,
) -> Result<Result<NewSession, Refusal>, StoreError> {
    let now = state.now_ms();
    let attempts = Attempts::new(state, caller, username);
    let user = state.store.user_by_username(username.trim()).await?;
    if let Some(wait) = attempts.wait(now).await? {
        return Ok(Err(attempts.throttled(user.as_ref(), wait).await?));
    }
    // An unknown username and a wrong password take the same time and get the same answer.
    let password_ok = password_matches(user.as_ref(), password);
    let user = match user {
        Some(user) if password_ok => user,
        other => {
            let reason = match other {
                Some(_) => "password",
                None => "unknown_user",
            };
            return Ok(Err(attempts.fail(other.as_ref(), reason).await?));
        }
    };
    // Only someone who knows the password learns the account's state.
    let refused_state = if user.disabled {
        Some(("disabled", Refusal::Disabled))
    } else if user.actor().reads_identities_without_province() {
        Some((
            "identity_role_without_province",
            Refusal::IdentityRoleWithoutProvince,
        ))
    } else {
        None
    };
    if let Some((reason, refusal)) = refused_state {
        audit_only(
            state,
            caller,
            Some(&user.id),
            "login.failed",
            json!({"reason": reason}),
        )
        .await?;
        return Ok(Err(refusal));
    }
    let needs_second = user.totp_secret.is_some() || user.actor().requires_two_factor();
    let second_step = match (needs_second, second) {
        (false, _) => None,
        (true, None) => Some(None),
        (true, Some(code)) => {
            if user.totp_secret.is_none() {
                return Ok(Err(Refusal::EnrolFirst));
            }
            match verify_second_factor(state, &user, code).await? {
                Some(proof) => Some(Some(proof)),
                None => return Ok(Err(attempts.fail(Some(&user), "second_factor").await?)),
            }
        }
    };
    let pending = matches!(second_step, Some(None));
    let mut tx = state.store.begin().await?;
    tx.clear_login_failures(&attempts.account, &attempts.address)
        .await?;
    if let Some(Some(proof)) = &second_step {
        proof.record(&mut tx, &user.id, now).await?;
    }
    // A session cookie already held (another user's, or a stale one) is ended: the id changes at sign-in.
    if let Some(old) = caller.session_hash {
        tx.end_session(&old).await?;
    }
    let session = start_session(&mut tx, &user.id, pending, now).await?;
    let factor = match second_step {
        None => "not_required",
        Some(None) => "pending",
        Some(Some(_)) => "done",
    };
    tx.audit(entry(
        state,
        caller,
        Some(&user.id),
        "login",
        json!({"second_factor": factor}),
    ))
    .await?;
    tx.commit().await?;
    Ok(Ok(session))
}

/// What proved the second factor, to be recorded so that it cannot be used again.
enum Proof {
    TotpStep(u64),
    RecoveryCode([u8; 32]),
}

impl Proof {
    async fn record(&self, tx: &mut Tx<'_>, user_id: &str, now: i64) -> Result<bool, StoreError> {
        match self {
            Proof::TotpStep(step) => {
                tx.set_totp_step(user_id, i64::try_from(*step).unwrap_or(i64::MAX))
                    .await?;
                Ok(true)
            }
            Proof::RecoveryCode(hash) => tx.use_recovery_code(user_id, hash, now).await,
        }
    }
}

async fn verify_second_factor(
    state: &AppState,
    user: &UserRecord,
    code: &str,
) -> Result<Option<Proof>, StoreError> {
    let code = code.trim();
    if let Some(normalized) = awladna_crypto::recovery::normalize_recovery_code(code) {
        let hash = hash_token(&normalized);
        return Ok(state
            .store
            .unused_recovery_code(&user.id, &hash)
            .await?
            .then_some(Proof::RecoveryCode(hash)));
    }
    let Some(sealed) = &user.totp_secret else {
        return Ok(None);
    };
    let secret = match state
        .keyring
        .open(sealed, &totp_aad(&user.id))
        .and_then(|bytes| TotpSecret::from_bytes(&bytes))
    {
        Ok(secret) => secret,
        Err(e) => {
            tracing::error!(error = %e, "a stored TOTP secret cannot be opened");
            return Ok(None);
        }
    };
    let now_s = u64::try_from(state.clock.now().as_second()).unwrap_or(0);
    let last = user.totp_last_step.and_then(|s| u64::try_from(s).ok());
    Ok(secret.verify_fresh(code, now_s, last).map(Proof::TotpStep))
}

/// Completes a pending session with the second factor; the session id changes again.
pub async fn complete_second_factor(
    state: &AppState,
    caller: &Caller,
    code: &str,
) -> Result<Result<NewSession, Refusal>, StoreError> {
    let (Some(actor), Some(old)) = (&caller.actor, caller.session_hash) else {
        return Ok(Err(Refusal::WrongSecondFactor));
    };
    let Some(user) = state.store.user_by_id(&actor.user_id).await? else {
        return Ok(Err(Refusal::WrongCredentials));
    };
    if user.totp_secret.is_none() {
        return Ok(Err(Refusal::EnrolFirst));
    }
    let now = state.now_ms();
    let attempts = Attempts::new(state, caller, &user.username);
    if let Some(wait) = attempts.wait(now).await? {
        return Ok(Err(attempts.throttled(Some(&user), wait).await?));
    }
    let Some(proof) = verify_second_factor(state, &user, code).await? else {
        return Ok(Err(attempts.fail(Some(&user), "second_factor").await?));
    };
    let mut tx = state.store.begin().await?;
    if !proof.record(&mut tx, &user.id, now).await? {
        return Ok(Err(Refusal::WrongSecondFactor));
    }
    tx.clear_login_failures(&attempts.account, &attempts.address)
        .await?;
    tx.end_session(&old).await?;
    let session = start_session(&mut tx, &user.id, false, now).await?;
    tx.audit(entry(state, caller, Some(&user.id), "login.second_factor", json!({"method": match proof { Proof::TotpStep(_) => "totp", Proof::RecoveryCode(_) => "recovery_code" }}))).await?;
    tx.commit().await?;
    Ok(Ok(session))
}

fn with_session(state: &AppState, session: &NewSession, response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response.headers_mut().append(
        SET_COOKIE,
        cookie(state, SESSION_COOKIE, &session.token, SESSION_MAX_AGE_S),
    );
    response
}

fn without_session(state: &AppState, response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response
        .headers_mut()
        .append(SET_COOKIE, cookie(state, SESSION_COOKIE, "", 0));
    response
        .headers_mut()
        .append(SET_COOKIE, cookie(state, CSRF_COOKIE, "", 0));
    response
}

fn internal(t: Tr, e: StoreError) -> Response {
    crate::error::store_failure(t, &e)
}

/// Only a local path: a crafted link must not send the user to another site.
pub fn local_path(next: Option<&str>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or("/")
        .to_owned()
}

// ---- Pages ---------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    shell: Shell,
    next: String,
    username: String,
    message: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
}

pub async fn login_page(
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Query(query): Query<LoginQuery>,
) -> LoginPage {
    let message = query.expired.map(|_| t.get("auth-session-expired"));
    LoginPage {
        shell: Shell {
            t,
            here: uri.path().to_owned(),
            user: None,
            csrf: caller.csrf,
        },
        next: local_path(query.next.as_deref()),
        username: String::new(),
        message,
    }
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = local_path(form.next.as_deref());
    match sign_in(&state, &caller, &form.username, &form.password, None).await {
        Ok(Ok(session)) => {
            let to = if session.pending {
                format!(
                    "/login/second-factor?next={}",
                    crate::auth::urlencode(&next)
                )
            } else {
                next
            };
            with_session(&state, &session, Redirect::to(&to))
        }
        Ok(Err(refusal)) => {
            let page = LoginPage {
                shell: Shell {
                    t,
                    here: uri.path().to_owned(),
                    user: None,
                    csrf: caller.csrf,
                },
                next,
                username: form.username,
                message: Some(refusal.message(t)),
            };
            refusal.respond(page)
        }
        Err(e) => internal(t, e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "second_factor.html")]
pub struct SecondFactorPage {
    shell: Shell,
    next: String,
    message: Option<String>,
}

pub async fn second_factor_page(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Query(query): Query<LoginQuery>,
) -> Response {
    let next = local_path(query.next.as_deref());
    match needs_enrolment(&state, &caller).await {
        Ok(true) => return Redirect::to("/account/second-factor").into_response(),
        Ok(false) => {}
        Err(e) => return internal(t, e),
    }
    SecondFactorPage {
        shell: Shell {
            t,
            here: uri.path().to_owned(),
            user: caller.username.clone(),
            csrf: caller.csrf,
        },
        next,
        message: None,
    }
    .into_response()
}

async fn needs_enrolment(state: &AppState, caller: &Caller) -> Result<bool, StoreError> {
    let Some(actor) = &caller.actor else {
        return Ok(false);
    };
    Ok(state
        .store
        .user_by_id(&actor.user_id)
        .await?
        .is_some_and(|u| u.totp_secret.is_none()))
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
    next: Option<String>,
}

pub async fn second_factor(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Form(form): Form<CodeForm>,
) -> Response {
    let next = local_path(form.next.as_deref());
    if caller.actor.is_none() {
        return Redirect::to("/login").into_response();
    }
    match complete_second_factor(&state, &caller, &form.code).await {
        Ok(Ok(session)) => with_session(&state, &session, Redirect::to(&next)),
        Ok(Err(Refusal::EnrolFirst)) => Redirect::to("/account/second-factor").into_response(),
        Ok(Err(refusal)) => {
            let page = SecondFactorPage {
                shell: Shell {
                    t,
                    here: uri.path().to_owned(),
                    user: caller.username.clone(),
                    csrf: caller.csrf,
                },
                next,
                message: Some(refusal.message(t)),
            };
            refusal.respond(page)
        }
        Err(e) => internal(t, e),
    }
}

pub async fn logout(State(state): State<AppState>, t: Tr, caller: Caller) -> Response {
    match end_sessions(&state, &caller, false).await {
        Ok(()) => without_session(&state, Redirect::to("/login")),
        Err(e) => internal(t, e),
    }
}

pub async fn logout_everywhere(State(state): State<AppState>, t: Tr, caller: Caller) -> Response {
    match end_sessions(&state, &caller, true).await {
        Ok(()) => without_session(&state, Redirect::to("/login")),
        Err(e) => internal(t, e),
    }
}

async fn end_sessions(
    state: &AppState,
    caller: &Caller,
    everywhere: bool,
) -> Result<(), StoreError> {
    let (Some(actor), Some(hash)) = (&caller.actor, caller.session_hash) else {
        return Ok(());
    };
    let mut tx = state.store.begin().await?;
    let (action, ended) = if everywhere {
        (
            "logout.everywhere",
            tx.end_all_sessions(&actor.user_id).await?,
        )
    } else {
        tx.end_session(&hash).await?;
        ("logout", 1)
    };
    tx.audit(entry(
        state,
        caller,
        Some(&actor.user_id),
        action,
        json!({"sessions": ended}),
    ))
    .await?;
    tx.commit().await
}

// ---- Enrolment of the second factor --------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "enrol.html")]
pub struct EnrolPage {
    shell: Shell,
    qr: String,
    manual_key: String,
    pending: String,
    message: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "recovery_codes.html")]
pub struct RecoveryCodesPage {
    shell: Shell,
    codes: Vec<String>,
}

fn pending_aad(user_id: &str) -> String {
    format!("enrolment/totp_secret/{user_id}")
}

/// Shows a new secret as a QR code. The secret travels sealed in the form (so nothing
/// is stored until the user proves their app has it).
pub async fn enrol_page(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
) -> Response {
    let Some(actor) = &caller.actor else {
        return Redirect::to("/login").into_response();
    };
    let secret = TotpSecret::generate();
    render_enrol(
        &state,
        t,
        &caller,
        uri.path(),
        &actor.user_id,
        &secret,
        None,
    )
}

fn render_enrol(
    state: &AppState,
    t: Tr,
    caller: &Caller,
    here: &str,
    user_id: &str,
    secret: &TotpSecret,
    message: Option<String>,
) -> Response {
    let account = caller.username.clone().unwrap_or_default();
    let built = secret
        .otpauth_uri(awladna_crypto::totp::ISSUER, &account)
        .and_then(|uri| awladna_crypto::totp::qr_svg(&uri))
        .and_then(|svg| {
            Ok((
                svg,
                state
                    .keyring
                    .seal(secret.as_bytes(), &pending_aad(user_id))?,
            ))
        });
    let (svg, sealed) = match built {
        Ok(parts) => parts,
        Err(e) => return crate::error::internal(false, t, &e.to_string()),
    };
    let qr = format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    );
    EnrolPage {
        shell: Shell {
            t,
            here: here.to_owned(),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        qr,
        manual_key: secret.to_base32().to_string(),
        pending: URL_SAFE_NO_PAD.encode(sealed),
        message,
    }
    .into_response()
}

#[derive(Deserialize)]
pub struct EnrolForm {
    pending: String,
    code: String,
}

pub async fn enrol(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Form(form): Form<EnrolForm>,
) -> Response {
    let Some(actor) = caller.actor.clone() else {
        return Redirect::to("/login").into_response();
    };
    let secret = URL_SAFE_NO_PAD
        .decode(form.pending.as_bytes())
        .ok()
        .and_then(|sealed| {
            state
                .keyring
                .open(&sealed, &pending_aad(&actor.user_id))
                .ok()
        })
        .and_then(|bytes| TotpSecret::from_bytes(&bytes).ok());
    let Some(secret) = secret else {
        return page_error(t, StatusCode::BAD_REQUEST);
    };
    let now_s = u64::try_from(state.clock.now().as_second()).unwrap_or(0);
    let Some(step) = secret.verify(&form.code, now_s) else {
        return render_enrol(
            &state,
            t,
            &caller,
            uri.path(),
            &actor.user_id,
            &secret,
            Some(t.get("auth-wrong-second-factor")),
        );
    };
    match save_enrolment(&state, &caller, &actor.user_id, &secret, step).await {
        Ok((codes, session)) => {
            let page = RecoveryCodesPage {
                shell: Shell {
                    t,
                    here: uri.path().to_owned(),
                    user: caller.username.clone(),
                    csrf: session.csrf.clone(),
                },
                codes,
            };
            with_session(&state, &session, page)
        }
        Err(e) => internal(t, e),
    }
}

async fn save_enrolment(
    state: &AppState,
    caller: &Caller,
    user_id: &str,
    secret: &TotpSecret,
    step: u64,
) -> Result<(Vec<String>, NewSession), StoreError> {
    let sealed = state
        .keyring
        .seal(secret.as_bytes(), &totp_aad(user_id))
        .map_err(|_| StoreError::Corrupt("keyring"))?;
    let codes = awladna_crypto::generate_recovery_codes(10);
    let hashes: Vec<[u8; 32]> = codes
        .iter()
        .filter_map(|c| awladna_crypto::recovery::normalize_recovery_code(c))
        .map(|c| hash_token(&c))
        .collect();
    let now = state.now_ms();
    let mut tx = state.store.begin().await?;
    tx.set_totp(user_id, Some(&sealed)).await?;
    tx.set_totp_step(user_id, i64::try_from(step).unwrap_or(i64::MAX))
        .await?;
    tx.replace_recovery_codes(user_id, &hashes).await?;
    // Enrolling proves the second factor: the session is complete, under a new id.
    if let Some(old) = caller.session_hash {
        tx.end_session(&old).await?;
    }
    let session = start_session(&mut tx, user_id, false, now).await?;
    tx.audit(entry(
        state,
        caller,
        Some(user_id),
        "second_factor.enrolled",
        json!({"recovery_codes": hashes.len()}),
    ))
    .await?;
    tx.commit().await?;
    Ok((codes, session))
}

// ---- JSON API ------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct ApiLogin {
    username: String,
    password: String,
    totp: Option<String>,
}

pub async fn api_login(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    body: Result<Json<ApiLogin>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(login) = match body {
        Ok(body) => body,
        Err(rejection) => return crate::api::bad_body(t, rejection.status()),
    };
    let second = login.totp.as_deref().filter(|c| !c.trim().is_empty());
    match sign_in(&state, &caller, &login.username, &login.password, second).await {
        Ok(Ok(session)) if session.pending => {
            // The API has no second page: a user who needs a second factor sends it here.
            if let Err(e) = discard(&state, &caller, &session).await {
                return internal(t, e);
            }
            let refusal = if needs_enrolment_by_name(&state, &login.username).await {
                Refusal::EnrolFirst
            } else {
                Refusal::SecondFactorRequired
            };
            api_refusal(t, refusal)
        }
        Ok(Ok(session)) => {
            with_session(&state, &session, Json(json!({"csrf_token": session.csrf})))
        }
        Ok(Err(refusal)) => api_refusal(t, refusal),
        Err(e) => internal(t, e),
    }
}

async fn needs_enrolment_by_name(state: &AppState, username: &str) -> bool {
    matches!(state.store.user_by_username(username.trim()).await, Ok(Some(u)) if u.totp_secret.is_none())
}

async fn discard(
    state: &AppState,
    caller: &Caller,
    session: &NewSession,
) -> Result<(), StoreError> {
    let mut tx = state.store.begin().await?;
    tx.end_session(&hash_token(&session.token)).await?;
    tx.audit(entry(
        state,
        caller,
        None,
        "login.incomplete",
        json!({"reason": "second_factor_missing"}),
    ))
    .await?;
    tx.commit().await
}

fn api_refusal(t: Tr, refusal: Refusal) -> Response {
    refusal.respond(Json(
        json!({"error": {"code": refusal.code(), "message": refusal.message(t)}}),
    ))
}

pub async fn api_logout(State(state): State<AppState>, t: Tr, caller: Caller) -> Response {
    match end_sessions(&state, &caller, false).await {
        Ok(()) => without_session(&state, StatusCode::NO_CONTENT),
        Err(e) => internal(t, e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
pub struct AccountPage {
    shell: Shell,
    username: String,
    organisation: String,
    roles: String,
    second_factor: bool,
    can_admin: bool,
    can_audit: bool,
}

pub async fn account_page(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
) -> Response {
    let Some(actor) = &caller.actor else {
        return Redirect::to("/login").into_response();
    };
    let user = match state.store.user_by_id(&actor.user_id).await {
        Ok(Some(user)) => user,
        Ok(None) => return page_error(t, StatusCode::NOT_FOUND),
        Err(e) => return internal(t, e),
    };
    let roles = user
        .roles
        .iter()
        .map(|r| t.get(&format!("role-{}", r.code())))
        .collect::<Vec<_>>()
        .join("، ");
    AccountPage {
        shell: Shell {
            t,
            here: uri.path().to_owned(),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        username: user.username.clone(),
        organisation: user.organisation.name.clone(),
        roles,
        second_factor: user.totp_secret.is_some(),
        can_admin: decide(Some(actor), Action::ManageUsers, None) == Decision::Allow,
        can_audit: decide(Some(actor), Action::ViewAudit, None) == Decision::Allow,
    }
    .into_response()
}
