//! Account operations shared by the command line and the administration pages:
//! adding organisations and users, disabling and resetting users. Each checks its
//! input, writes, and audits in one transaction.

use crate::audit::AuditEntry;
use crate::identity::Organisation;
use crate::keys::sealed_aad;
use crate::{Store, StoreError};
use awladna_crypto::{Keyring, TotpSecret, hash_password, new_token};
use awladna_domain::Reference;
use awladna_domain::access::Role;
use serde_json::json;
use std::collections::BTreeSet;
use thiserror::Error;

pub const MIN_PASSWORD: usize = 12;

/// Why an account operation was refused. `message_id` names the sentence shown in
/// the interface; `Display` is the operator's English.
#[derive(Debug, Error)]
pub enum AccountError {
    #[error("the code must be 2 to 64 lowercase letters, digits, '-' or '_'")]
    BadCode,
    #[error("the username must be 3 to 64 letters, digits, '.', '-' or '_'")]
    BadUsername,
    #[error("the name must be 1 to 200 characters")]
    BadName,
    #[error("unknown sector; the sectors are listed at /api/v1/reference/sectors")]
    UnknownSector,
    #[error(
        "unknown territory; give a prefecture or province code from /api/v1/reference/territories"
    )]
    UnknownTerritory,
    #[error("unknown organisation; add it first")]
    UnknownOrganisation,
    #[error("give at least one role")]
    NoRole,
    #[error(
        "the roles case_worker, coordinator, information_officer and focal_point read children's identities, so they belong to an organisation of one province, not to a national body; choose the province's organisation (a national person opens one child's file by break-glass from a provincial account)"
    )]
    IdentityRoleInNationalBody,
    #[error("the password is too short: at least {MIN_PASSWORD} characters")]
    ShortPassword,
    #[error("already taken; choose another")]
    Taken,
    #[error("no such user")]
    UnknownUser,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AccountError {
    pub fn message_id(&self) -> &'static str {
        match self {
            AccountError::BadCode => "admin-error-code",
            AccountError::BadUsername => "admin-error-username",
            AccountError::BadName => "admin-error-name",
            AccountError::UnknownSector => "admin-error-sector",
            AccountError::UnknownTerritory => "admin-error-territory",
            AccountError::UnknownOrganisation => "admin-error-organisation",
            AccountError::NoRole => "admin-error-role",
            AccountError::IdentityRoleInNationalBody => "admin-error-national-identity-role",
            AccountError::ShortPassword => "admin-error-password",
            AccountError::Taken => "admin-error-taken",
            AccountError::UnknownUser => "error-not-found",
            AccountError::Store(_) => "error-internal",
        }
    }
}

fn taken(e: StoreError) -> AccountError {
    match e {
        StoreError::Duplicate => AccountError::Taken,
        StoreError::UnknownReference => AccountError::UnknownOrganisation,
        other => AccountError::Store(other),
    }
}

/// Who did it, for the audit entry: a user id or `system:cli`, and from where.
#[derive(Debug, Clone)]
pub struct By {
    pub actor: String,
    pub origin: Option<String>,
    pub at_ms: i64,
}

impl By {
    fn entry(
        &self,
        action: &str,
        kind: &str,
        id: &str,
        territory: Option<&str>,
        detail: serde_json::Value,
    ) -> AuditEntry {
        AuditEntry {
            at_ms: self.at_ms,
            actor: Some(self.actor.clone()),
            action: action.to_owned(),
            record_kind: Some(kind.to_owned()),
            record_id: Some(id.to_owned()),
            territory: territory.map(str::to_owned),
            origin: self.origin.clone(),
            detail,
        }
    }
}

/// Secrets made for a user, to show once (they are stored only hashed or sealed).
#[derive(Default)]
pub struct IssuedSecrets {
    pub password: Option<String>,
    pub otpauth: Option<String>,
}

fn is_code(s: &str) -> bool {
    (2..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn is_username(s: &str) -> bool {
    (3..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c))
}

pub async fn add_organisation(
    store: &Store,
    reference: &Reference,
    org: Organisation,
    by: &By,
) -> Result<(), AccountError> {
    let org = Organisation {
        name: org.name.trim().to_owned(),
        ..org
    };
    if !is_code(&org.code) {
        return Err(AccountError::BadCode);
    }
    if org.name.is_empty()
        || org.name.chars().count() > 200
        || org.name.chars().any(char::is_control)
        || org
            .name
            .chars()
            .any(awladna_domain::forms::is_direction_control)
    {
        return Err(AccountError::BadName);
    }
    if !reference
        .vocabulary("sectors")
        .is_some_and(|v| v.contains(&org.sector))
    {
        return Err(AccountError::UnknownSector);
    }
    if let Some(t) = &org.territory
        && !reference
            .territory(t)
            .is_some_and(|t| t.kind.hosts_mechanism())
    {
        return Err(AccountError::UnknownTerritory);
    }
    let mut tx = store.begin().await?;
    tx.add_organisation(&org, by.at_ms).await.map_err(taken)?;
    tx.audit(by.entry(
        "organisation.added",
        "organisation",
        &org.code,
        org.territory.as_deref(),
        json!({"sector": org.sector}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A password given by the operator, or a new random one to show once.
fn password_or_new(given: Option<String>) -> Result<(String, bool), AccountError> {
    match given {
        Some(p) if p.chars().count() < MIN_PASSWORD => Err(AccountError::ShortPassword),
        Some(p) => Ok((p, false)),
        None => Ok((new_token("").chars().take(20).collect(), true)),
    }
}

/// A second factor for roles that need one, so that a scripted set-up can hand it over.
fn second_factor(
    keyring: &Keyring,
    user_id: &str,
    username: &str,
    roles: &BTreeSet<Role>,
) -> Result<Option<(Vec<u8>, String)>, AccountError> {
    if !roles.iter().any(|r| r.requires_two_factor()) {
        return Ok(None);
    }
    let secret = TotpSecret::generate();
    let corrupt = |_| AccountError::Store(StoreError::Corrupt("keyring"));
    let sealed = keyring
        .seal(
            secret.as_bytes(),
            &sealed_aad("users", "totp_secret", user_id),
        )
        .map_err(corrupt)?;
    let uri = secret
        .otpauth_uri(awladna_crypto::totp::ISSUER, username)
        .map_err(corrupt)?;
    Ok(Some((sealed, uri.to_string())))
}

/// Roles that read identities belong to an organisation of one province.
fn fits(organisation: &Organisation, roles: &BTreeSet<Role>) -> Result<(), AccountError> {
    if organisation.territory.is_none() && !roles.iter().all(|r| r.fits_a_national_body()) {
        return Err(AccountError::IdentityRoleInNationalBody);
    }
    Ok(())
}

pub struct NewUser {
    pub username: String,
    pub organisation: String,
    pub roles: BTreeSet<Role>,
    pub password: Option<String>,
}

pub async fn add_user(
    store: &Store,
    keyring: &Keyring,
    new: NewUser,
    by: &By,
) -> Result<(String, IssuedSecrets), AccountError> {
    let username = new.username.trim().to_lowercase();
    if !is_username(&username) {
        return Err(AccountError::BadUsername);
    }
    if new.roles.is_empty() {
        return Err(AccountError::NoRole);
    }
    let organisation = store
        .organisation(&new.organisation)
        .await?
        .ok_or(AccountError::UnknownOrganisation)?;
    fits(&organisation, &new.roles)?;
    let (password, generated) = password_or_new(new.password)?;
    let hash = hash_password(&password)
        .map_err(|_| AccountError::Store(StoreError::Corrupt("password hashing")))?;
    let id = uuid::Uuid::now_v7().to_string();
    let second = second_factor(keyring, &id, &username, &new.roles)?;
    let mut tx = store.begin().await?;
    tx.add_user(
        &id,
        &username,
        &organisation.code,
        &new.roles,
        Some(&hash),
        by.at_ms,
    )
    .await
    .map_err(taken)?;
    if let Some((sealed, _)) = &second {
        tx.set_totp(&id, Some(sealed)).await?;
    }
    let roles: Vec<&str> = new.roles.iter().map(|r| r.code()).collect();
    tx.audit(by.entry(
        "user.added",
        "user",
        &id,
        organisation.territory.as_deref(),
        json!({"roles": roles, "organisation": organisation.code}),
    ))
    .await?;
    tx.commit().await?;
    Ok((
        id,
        IssuedSecrets {
            password: generated.then_some(password),
            otpauth: second.map(|(_, uri)| uri),
        },
    ))
}

/// Disables a user and ends their sessions; answers how many sessions ended.
pub async fn disable_user(store: &Store, user_id: &str, by: &By) -> Result<u64, AccountError> {
    let user = store
        .user_by_id(user_id)
        .await?
        .ok_or(AccountError::UnknownUser)?;
    let mut tx = store.begin().await?;
    tx.set_disabled(&user.id, true).await?;
    let ended = tx.end_all_sessions(&user.id).await?;
    tx.audit(by.entry(
        "user.disabled",
        "user",
        &user.id,
        user.organisation.territory.as_deref(),
        json!({"sessions_ended": ended}),
    ))
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// New password and second factor, recovery codes dropped, sessions ended, enabled again.
pub async fn reset_user(
    store: &Store,
    keyring: &Keyring,
    user_id: &str,
    password: Option<String>,
    by: &By,
) -> Result<IssuedSecrets, AccountError> {
    let user = store
        .user_by_id(user_id)
        .await?
        .ok_or(AccountError::UnknownUser)?;
    let (password, generated) = password_or_new(password)?;
    let hash = hash_password(&password)
        .map_err(|_| AccountError::Store(StoreError::Corrupt("password hashing")))?;
    let second = second_factor(keyring, &user.id, &user.username, &user.roles)?;
    let mut tx = store.begin().await?;
    tx.set_password(&user.id, Some(&hash)).await?;
    tx.set_totp(
        &user.id,
        second.as_ref().map(|(sealed, _)| sealed.as_slice()),
    )
    .await?;
    tx.replace_recovery_codes(&user.id, &[]).await?;
    tx.set_disabled(&user.id, false).await?;
    let ended = tx.end_all_sessions(&user.id).await?;
    tx.audit(by.entry(
        "user.reset",
        "user",
        &user.id,
        user.organisation.territory.as_deref(),
        json!({"sessions_ended": ended}),
    ))
    .await?;
    tx.commit().await?;
    Ok(IssuedSecrets {
        password: generated.then_some(password),
        otpauth: second.map(|(_, uri)| uri),
    })
}

/// Moves a user to another organisation (keeping their roles, password and second
/// factor), ending their sessions: the way out for a user of a national body who holds
/// a role that reads identities. The move is checked as a new user would be.
pub async fn move_user(
    store: &Store,
    user_id: &str,
    organisation: &str,
    by: &By,
) -> Result<Organisation, AccountError> {
    let user = store
        .user_by_id(user_id)
        .await?
        .ok_or(AccountError::UnknownUser)?;
    let to = store
        .organisation(organisation)
        .await?
        .ok_or(AccountError::UnknownOrganisation)?;
    fits(&to, &user.roles)?;
    let mut tx = store.begin().await?;
    tx.set_organisation(&user.id, &to.code).await?;
    let ended = tx.end_all_sessions(&user.id).await?;
    tx.audit(by.entry(
        "user.moved",
        "user",
        &user.id,
        to.territory.as_deref(),
        json!({"from": user.organisation.code, "to": to.code, "sessions_ended": ended}),
    ))
    .await?;
    tx.commit().await?;
    Ok(to)
}

/// A user of a national body with a role that reads identities (see
/// `Actor::reads_identities_without_province`), for `check-config` to report.
#[derive(Debug, Clone)]
pub struct MisplacedUser {
    pub username: String,
    pub organisation: String,
    pub roles: Vec<Role>,
}

impl Store {
    pub async fn users_reading_identities_without_province(
        &self,
    ) -> Result<Vec<MisplacedUser>, StoreError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT u.username, o.code, r.role FROM users u
             JOIN organisations o ON o.code = u.organisation_code
             JOIN user_roles r ON r.user_id = u.id
             WHERE o.territory_code IS NULL AND u.disabled = 0
             ORDER BY u.username, r.role",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut users: Vec<MisplacedUser> = Vec::new();
        for (username, organisation, role) in rows {
            // A role code this binary does not know grants nothing.
            let Some(role) = role
                .parse::<Role>()
                .ok()
                .filter(|r| !r.fits_a_national_body())
            else {
                continue;
            };
            match users.last_mut() {
                Some(last) if last.username == username => last.roles.push(role),
                _ => users.push(MisplacedUser {
                    username,
                    organisation,
                    roles: vec![role],
                }),
            }
        }
        Ok(users)
    }
}

impl crate::audit::Tx<'_> {
    pub async fn set_organisation(
        &mut self,
        user_id: &str,
        organisation: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET organisation_code = $1, version = version + 1 WHERE id = $2")
            .bind(organisation)
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }
}

/// The failed sign-ins of one account (by the hash of the username as typed) from one
/// client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    pub count: i64,
    pub last_at: i64,
}

impl Store {
    /// Failures of `account_hash` from `address` since `since_ms` (older ones are forgotten).
    pub async fn login_failures(
        &self,
        account_hash: &[u8],
        address: &str,
        since_ms: i64,
    ) -> Result<Option<LoginFailures>, StoreError> {
        let row: Option<(i64, i64)> = sqlx::query_as(
            "SELECT failures, last_failed_at FROM login_throttle
             WHERE account_hash = $1 AND address = $2 AND last_failed_at >= $3",
        )
        .bind(account_hash)
        .bind(address)
        .bind(since_ms)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(count, last_at)| LoginFailures { count, last_at }))
    }
}

impl crate::audit::Tx<'_> {
    /// Counts a failed sign-in of `account_hash` from `address`, starting again from one
    /// when the last failure is older than `since_ms`; rows older than that go.
    pub async fn record_login_failure(
        &mut self,
        account_hash: &[u8],
        address: &str,
        now_ms: i64,
        since_ms: i64,
    ) -> Result<LoginFailures, StoreError> {
        sqlx::query("DELETE FROM login_throttle WHERE last_failed_at < $1")
            .bind(since_ms)
            .execute(&mut *self.inner)
            .await?;
        let (count, last_at): (i64, i64) = sqlx::query_as(
            "INSERT INTO login_throttle (account_hash, address, failures, last_failed_at)
             VALUES ($1, $2, 1, $3)
             ON CONFLICT (account_hash, address)
             DO UPDATE SET failures = login_throttle.failures + 1, last_failed_at = $3
             RETURNING failures, last_failed_at",
        )
        .bind(account_hash)
        .bind(address)
        .bind(now_ms)
        .fetch_one(&mut *self.inner)
        .await?;
        Ok(LoginFailures { count, last_at })
    }

    /// Forgets the failures of `account_hash` from `address`, after a successful sign-in.
    pub async fn clear_login_failures(
        &mut self,
        account_hash: &[u8],
        address: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_throttle WHERE account_hash = $1 AND address = $2")
            .bind(account_hash)
            .bind(address)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }
}
