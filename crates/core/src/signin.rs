//! Signing in and out: the password, then the second factor (TOTP or a recovery code),
//! enrolment of the second factor, signing out here or everywhere. The same rules serve
//! the pages and the JSON API; cookies are the web's. Every attempt, good or bad, is
//! audited, under the account it names.

use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_crypto::{TotpSecret, hash_token, new_token, verify_dummy, verify_password};
use awladna_domain::access::Actor;
use awladna_domain::throttle::Throttle;
use awladna_store::StoreError;
use awladna_store::audit::{AuditEntry, Tx};
use awladna_store::identity::UserRecord;
use serde_json::{Value, json};
use thiserror::Error;

/// Why a sign-in step was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    WrongCredentials,
    /// Wrong, and one more failure will make this account wait on this device.
    WrongCredentialsLastTry,
    /// Too many failures of this username from this address: wait this many milliseconds.
    Throttled(i64),
    Disabled,
    /// A national body's account with a role that reads identities: to be moved first.
    IdentityRoleWithoutProvince,
    SecondFactorRequired,
    WrongSecondFactor,
    EnrolFirst,
}

#[derive(Debug, Error)]
pub enum SignInError {
    #[error("sign-in refused: {0:?}")]
    Refused(Refusal),
    #[error(transparent)]
    Core(#[from] CoreError),
}

crate::wraps_core_error!(SignInError);

impl From<Refusal> for SignInError {
    fn from(refusal: Refusal) -> Self {
        SignInError::Refused(refusal)
    }
}

/// The client signing in: its address (what the throttle counts with the username) and
/// the session it already holds, if any (ended when a new one starts).
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub origin: Option<String>,
    pub session: Option<[u8; 32]>,
}

/// A new session: the cookie value (shown once, stored hashed) and its CSRF token.
pub struct NewSession {
    pub token: String,
    pub csrf: String,
    pub pending: bool,
}

fn entry(
    core: &Core,
    client: &Client,
    actor: Option<&str>,
    action: &str,
    detail: Value,
) -> AuditEntry {
    AuditEntry {
        at_ms: core.now_ms(),
        actor: actor.map(str::to_owned),
        action: action.to_owned(),
        record_kind: actor.map(|_| "user".to_owned()),
        record_id: actor.map(str::to_owned),
        territory: None,
        origin: client.origin.clone(),
        detail,
    }
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

/// What the throttle counts failures of: the username as typed (trimmed, in lower case
/// as usernames are stored), hashed so that a stranger's typing is not kept.
pub fn account_key(username: &str) -> [u8; 32] {
    hash_token(&username.trim().to_lowercase())
}

/// One account's sign-in attempts from one client address: what the throttle counts.
struct Attempts<'a> {
    core: &'a Core,
    throttle: &'a Throttle,
    client: &'a Client,
    account: [u8; 32],
    address: String,
}

impl<'a> Attempts<'a> {
    fn new(core: &'a Core, throttle: &'a Throttle, client: &'a Client, username: &str) -> Self {
        Attempts {
            core,
            throttle,
            client,
            account: account_key(username),
            address: client.origin.clone().unwrap_or_default(),
        }
    }

    fn forgotten_before(&self, now: i64) -> i64 {
        now - self.throttle.forget_after_ms
    }

    /// How long to wait before this attempt may be made, if at all.
    async fn wait(&self, now: i64) -> Result<Option<i64>, StoreError> {
        let failures = self
            .core
            .store
            .login_failures(&self.account, &self.address, self.forgotten_before(now))
            .await?;
        Ok(failures
            .and_then(|f| self.throttle.next_attempt_at(f.count, f.last_at))
            .map(|at| at - now)
            .filter(|wait| *wait > 0))
    }

    /// Refuses an attempt made too early, auditing it.
    async fn throttled(&self, user: Option<&UserRecord>, wait: i64) -> SignInError {
        let actor = user.map(|u| u.id.as_str());
        let audited = self
            .core
            .audit_alone(entry(
                self.core,
                self.client,
                actor,
                "login.throttled",
                json!({"wait_s": wait / 1000}),
            ))
            .await;
        match audited {
            Ok(()) => Refusal::Throttled(wait).into(),
            Err(e) => e.into(),
        }
    }

    /// Counts a failure (of a known user or not: the same work either way) and audits it.
    async fn fail(&self, user: Option<&UserRecord>, reason: &str) -> SignInError {
        match self.count_failure(user, reason).await {
            Ok(_) if reason == "second_factor" => Refusal::WrongSecondFactor.into(),
            // Warned before the failure that brings the first delay.
            Ok(count) if count + 1 == self.throttle.free_failures => {
                Refusal::WrongCredentialsLastTry.into()
            }
            Ok(_) => Refusal::WrongCredentials.into(),
            Err(e) => e.into(),
        }
    }

    /// Counts a failure; answers how many there are now.
    async fn count_failure(
        &self,
        user: Option<&UserRecord>,
        reason: &str,
    ) -> Result<i64, StoreError> {
        let now = self.core.now_ms();
        let mut tx = self.core.store.begin().await?;
        let failures = tx
            .record_login_failure(
                &self.account,
                &self.address,
                now,
                self.forgotten_before(now),
            )
            .await?;
        tx.audit(entry(
            self.core,
            self.client,
            user.map(|u| u.id.as_str()),
            "login.failed",
            json!({"reason": reason, "failures": failures.count}),
        ))
        .await?;
        tx.commit().await?;
        Ok(failures.count)
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
    core: &Core,
    throttle: &Throttle,
    client: &Client,
    username: &str,
    password: &str,
    second: Option<&str>,
) -> Result<NewSession, SignInError> {
    let now = core.now_ms();
    let attempts = Attempts::new(core, throttle, client, username);
    let user = core.store.user_by_username(username.trim()).await?;
    if let Some(wait) = attempts.wait(now).await? {
        return Err(attempts.throttled(user.as_ref(), wait).await);
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
            return Err(attempts.fail(other.as_ref(), reason).await);
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
        core.audit_alone(entry(
            core,
            client,
            Some(&user.id),
            "login.failed",
            json!({"reason": reason}),
        ))
        .await?;
        return Err(refusal.into());
    }
    let needs_second = user.totp_secret.is_some() || user.actor().requires_two_factor();
    let second_step = match (needs_second, second) {
        (false, _) => None,
        (true, None) => Some(None),
        (true, Some(code)) => {
            if user.totp_secret.is_none() {
                return Err(Refusal::EnrolFirst.into());
            }
            match verify_second_factor(core, &user, code).await? {
                Some(proof) => Some(Some(proof)),
                None => return Err(attempts.fail(Some(&user), "second_factor").await),
            }
        }
    };
    let pending = matches!(second_step, Some(None));
    let mut tx = core.store.begin().await?;
    tx.clear_login_failures(&attempts.account, &attempts.address)
        .await?;
    if let Some(Some(proof)) = &second_step {
        proof.record(&mut tx, &user.id, now).await?;
    }
    // A session cookie already held (another user's, or a stale one) is ended: the id changes at sign-in.
    if let Some(old) = client.session {
        tx.end_session(&old).await?;
    }
    let session = start_session(&mut tx, &user.id, pending, now).await?;
    let factor = match second_step {
        None => "not_required",
        Some(None) => "pending",
        Some(Some(_)) => "done",
    };
    tx.audit(entry(
        core,
        client,
        Some(&user.id),
        "login",
        json!({"second_factor": factor}),
    ))
    .await?;
    tx.commit().await?;
    Ok(session)
}

/// Signing in in one request (the API has no second page): a user who needs a second
/// factor sends it with the password, or is refused, the half-made session ended.
pub async fn sign_in_at_once(
    core: &Core,
    throttle: &Throttle,
    client: &Client,
    username: &str,
    password: &str,
    second: Option<&str>,
) -> Result<NewSession, SignInError> {
    let session = sign_in(core, throttle, client, username, password, second).await?;
    if !session.pending {
        return Ok(session);
    }
    let mut tx = core.store.begin().await?;
    tx.end_session(&hash_token(&session.token)).await?;
    tx.audit(entry(
        core,
        client,
        None,
        "login.incomplete",
        json!({"reason": "second_factor_missing"}),
    ))
    .await?;
    tx.commit().await?;
    let enrolled = matches!(core.store.user_by_username(username.trim()).await, Ok(Some(u)) if u.totp_secret.is_none());
    Err(if enrolled {
        Refusal::EnrolFirst
    } else {
        Refusal::SecondFactorRequired
    }
    .into())
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

    fn method(&self) -> &'static str {
        match self {
            Proof::TotpStep(_) => "totp",
            Proof::RecoveryCode(_) => "recovery_code",
        }
    }
}

/// The additional data a user's stored TOTP secret is sealed with.
pub fn totp_aad(user_id: &str) -> String {
    awladna_store::keys::sealed_aad("users", "totp_secret", user_id)
}

fn now_s(core: &Core) -> u64 {
    u64::try_from(core.clock.now().as_second()).unwrap_or(0)
}

async fn verify_second_factor(
    core: &Core,
    user: &UserRecord,
    code: &str,
) -> Result<Option<Proof>, StoreError> {
    let code = code.trim();
    if let Some(normalized) = awladna_crypto::recovery::normalize_recovery_code(code) {
        let hash = hash_token(&normalized);
        return Ok(core
            .store
            .unused_recovery_code(&user.id, &hash)
            .await?
            .then_some(Proof::RecoveryCode(hash)));
    }
    let Some(sealed) = &user.totp_secret else {
        return Ok(None);
    };
    let secret = match core
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
    let last = user.totp_last_step.and_then(|s| u64::try_from(s).ok());
    Ok(secret
        .verify_fresh(code, now_s(core), last)
        .map(Proof::TotpStep))
}

/// Completes a pending session with the second factor; the session id changes again.
pub async fn complete_second_factor(
    core: &Core,
    permit: &Permit<act::UseOwnAccount>,
    throttle: &Throttle,
    client: &Client,
    code: &str,
) -> Result<NewSession, SignInError> {
    let Some(old) = client.session else {
        return Err(Refusal::WrongSecondFactor.into());
    };
    let Some(user) = core.store.user_by_id(&permit.actor().user_id).await? else {
        return Err(Refusal::WrongCredentials.into());
    };
    if user.totp_secret.is_none() {
        return Err(Refusal::EnrolFirst.into());
    }
    let now = core.now_ms();
    let attempts = Attempts::new(core, throttle, client, &user.username);
    if let Some(wait) = attempts.wait(now).await? {
        return Err(attempts.throttled(Some(&user), wait).await);
    }
    let Some(proof) = verify_second_factor(core, &user, code).await? else {
        return Err(attempts.fail(Some(&user), "second_factor").await);
    };
    let mut tx = core.store.begin().await?;
    if !proof.record(&mut tx, &user.id, now).await? {
        return Err(Refusal::WrongSecondFactor.into());
    }
    tx.clear_login_failures(&attempts.account, &attempts.address)
        .await?;
    tx.end_session(&old).await?;
    let session = start_session(&mut tx, &user.id, false, now).await?;
    tx.audit(entry(
        core,
        client,
        Some(&user.id),
        "login.second_factor",
        json!({"method": proof.method()}),
    ))
    .await?;
    tx.commit().await?;
    Ok(session)
}

/// Whether the signed-in person has yet to enrol a second factor.
pub async fn needs_enrolment(
    core: &Core,
    permit: &Permit<act::UseOwnAccount>,
) -> Result<bool, CoreError> {
    Ok(core
        .store
        .user_by_id(&permit.actor().user_id)
        .await?
        .is_some_and(|u| u.totp_secret.is_none()))
}

fn pending_aad(user_id: &str) -> String {
    format!("enrolment/totp_secret/{user_id}")
}

/// A secret offered for enrolment, sealed to travel in the form: nothing is stored until
/// the person proves their app holds it.
pub fn seal_offered_secret(
    core: &Core,
    permit: &Permit<act::UseOwnAccount>,
    secret: &TotpSecret,
) -> Result<Vec<u8>, CoreError> {
    Ok(core
        .keyring
        .seal(secret.as_bytes(), &pending_aad(&permit.actor().user_id))?)
}

/// The secret offered to this person, back from the form; `None` if it is not one.
pub fn open_offered_secret(
    core: &Core,
    permit: &Permit<act::UseOwnAccount>,
    sealed: &[u8],
) -> Option<TotpSecret> {
    core.keyring
        .open(sealed, &pending_aad(&permit.actor().user_id))
        .ok()
        .and_then(|bytes| TotpSecret::from_bytes(&bytes).ok())
}

/// A second factor enrolled: the recovery codes to show once, and the new session.
pub struct Enrolled {
    pub codes: Vec<String>,
    pub session: NewSession,
}

/// Enrols `secret` once `code` proves the person's app holds it: the secret is stored
/// sealed, ten recovery codes are made, and the session, now complete, gets a new id.
pub async fn enrol(
    core: &Core,
    permit: &Permit<act::UseOwnAccount>,
    client: &Client,
    secret: &TotpSecret,
    code: &str,
) -> Result<Enrolled, SignInError> {
    let Some(step) = secret.verify(code, now_s(core)) else {
        return Err(Refusal::WrongSecondFactor.into());
    };
    let user_id = permit.actor().user_id.as_str();
    let sealed = core.keyring.seal(secret.as_bytes(), &totp_aad(user_id))?;
    let codes = awladna_crypto::generate_recovery_codes(10);
    let hashes: Vec<[u8; 32]> = codes
        .iter()
        .filter_map(|c| awladna_crypto::recovery::normalize_recovery_code(c))
        .map(|c| hash_token(&c))
        .collect();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    tx.set_totp(user_id, Some(&sealed)).await?;
    tx.set_totp_step(user_id, i64::try_from(step).unwrap_or(i64::MAX))
        .await?;
    tx.replace_recovery_codes(user_id, &hashes).await?;
    // Enrolling proves the second factor: the session is complete, under a new id.
    if let Some(old) = client.session {
        tx.end_session(&old).await?;
    }
    let session = start_session(&mut tx, user_id, false, now).await?;
    tx.audit(entry(
        core,
        client,
        Some(user_id),
        "second_factor.enrolled",
        json!({"recovery_codes": hashes.len()}),
    ))
    .await?;
    tx.commit().await?;
    Ok(Enrolled { codes, session })
}

/// Ends the client's session, or every session of the person (`everywhere`).
pub async fn sign_out(
    core: &Core,
    permit: &Permit<act::UseOwnAccount>,
    client: &Client,
    everywhere: bool,
) -> Result<(), CoreError> {
    let Some(hash) = client.session else {
        return Ok(());
    };
    let user_id = permit.actor().user_id.as_str();
    let mut tx = core.store.begin().await?;
    let (action, ended) = if everywhere {
        ("logout.everywhere", tx.end_all_sessions(user_id).await?)
    } else {
        tx.end_session(&hash).await?;
        ("logout", 1)
    };
    tx.audit(entry(
        core,
        client,
        Some(user_id),
        action,
        json!({"sessions": ended}),
    ))
    .await?;
    Ok(tx.commit().await?)
}

// Writing `last_seen_at` on every request would make each read a write.
const TOUCH_EVERY_MS: i64 = 60_000;

/// How long a browser session lasts (the server's settings).
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    /// Unused this long, it must sign in again.
    pub idle_ms: i64,
    /// Older than this, it must sign in again, used or not.
    pub absolute_ms: i64,
}

/// A browser session found again from its cookie.
pub enum Resumed {
    Active {
        actor: Actor,
        username: String,
        second_factor_done: bool,
        csrf_token: String,
    },
    /// The cookie names a session that is over (timed out, or its account may no
    /// longer sign in): the person is told so, not just asked to sign in.
    Expired,
    Unknown,
}

/// The session of a cookie's hash, kept alive if it is still valid.
pub async fn resume_session(
    core: &Core,
    hash: &[u8; 32],
    limits: SessionLimits,
) -> Result<Resumed, CoreError> {
    let now = core.now_ms();
    let Some(session) = core.store.session(hash).await? else {
        return Ok(Resumed::Unknown);
    };
    if now - session.last_seen_at > limits.idle_ms || now - session.created_at > limits.absolute_ms
    {
        return Ok(Resumed::Expired);
    }
    let user = core
        .store
        .user_by_id(&session.user_id)
        .await?
        // A session of an account that may no longer sign in (disabled, or a national
        // body's with a role that reads identities) is over.
        .filter(|u| !u.disabled && !u.actor().reads_identities_without_province());
    let Some(user) = user else {
        return Ok(Resumed::Expired);
    };
    if now - session.last_seen_at > TOUCH_EVERY_MS {
        core.store.touch_session(hash, now).await?;
    }
    Ok(Resumed::Active {
        actor: user.actor(),
        username: user.username,
        second_factor_done: session.second_factor_done,
        csrf_token: session.csrf_token,
    })
}

/// The machine client of a bearer token's hash (its organisation, its scope), if the
/// token is known and not revoked; with the token's id.
pub async fn machine_client(
    core: &Core,
    token_hash: &[u8; 32],
) -> Result<Option<(Actor, String)>, CoreError> {
    let Some(record) = core.store.token(token_hash).await?.filter(|t| !t.revoked) else {
        return Ok(None);
    };
    let actor = Actor {
        user_id: format!("token:{}", record.id),
        organisation: record.organisation.code,
        sector: record.organisation.sector,
        territory: record.organisation.territory,
        roles: Default::default(),
        // A scope this binary does not know allows nothing.
        token_scope: record.scope.parse().ok(),
    };
    Ok(Some((actor, record.id)))
}
