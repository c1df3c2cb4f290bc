//! Accounts: organisations, users and machine clients' tokens, for the administration
//! pages and the operator's command line alike. Each use case checks its input, asks the
//! policy about the record's province, writes and audits in one transaction.

use crate::permit::act;
use crate::{Core, CoreError, Permit, Who};
use awladna_crypto::{TotpSecret, hash_password, hash_token, new_token};
use awladna_domain::access::{Action, Actor, Decision, Role, TokenScope, decide_administration};
use awladna_store::StoreError;
use awladna_store::identity::{Organisation, UserRecord, UserSummary};
use awladna_store::keys::sealed_aad;
use serde_json::json;
use std::collections::BTreeSet;
use thiserror::Error;

pub const MIN_PASSWORD: usize = 12;

/// Why an account operation was refused. `Display` is the operator's English; the web
/// shows its own sentence for each.
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
    #[error("no active token with this id")]
    UnknownToken,
    #[error(transparent)]
    Core(#[from] CoreError),
}

crate::wraps_core_error!(AccountError);

/// The operator at the command line: a national administrator named `name` in the audit
/// log (`system:cli`), whose permits the policy grants as to any national administrator.
pub fn operator(name: &str) -> Who {
    Who {
        actor: Actor {
            user_id: name.to_owned(),
            organisation: String::new(),
            sector: String::new(),
            territory: None,
            roles: BTreeSet::from([Role::Administrator]),
            token_scope: None,
        },
        audit_name: name.to_owned(),
        origin: None,
        machine: false,
    }
}

/// Whether the permit's holder may act on a record of `territory` (None: a national
/// body's): beyond their province it is not found.
fn administers<A: crate::Act>(
    permit: &Permit<A>,
    territory: Option<&str>,
) -> Result<(), CoreError> {
    crate::error::allowed(decide_administration(permit.actor(), A::ACTION, territory))
}

fn taken(e: StoreError) -> AccountError {
    match e {
        StoreError::Duplicate => AccountError::Taken,
        StoreError::UnknownReference => AccountError::UnknownOrganisation,
        other => other.into(),
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

/// The organisations within the administrator's reach, by name.
pub async fn organisations<A: crate::Act>(
    core: &Core,
    permit: &Permit<A>,
) -> Result<Vec<Organisation>, CoreError> {
    Ok(core
        .store
        .organisations(permit.actor().territory.as_deref())
        .await?)
}

/// The users within the administrator's reach, by username.
pub async fn users(
    core: &Core,
    permit: &Permit<act::ManageUsers>,
) -> Result<Vec<UserSummary>, CoreError> {
    Ok(core
        .store
        .users(permit.actor().territory.as_deref())
        .await?)
}

/// The signed-in person's own account.
pub async fn own_account(
    core: &Core,
    permit: &Permit<act::UseOwnAccount>,
) -> Result<UserRecord, CoreError> {
    core.store
        .user_by_id(&permit.actor().user_id)
        .await?
        .ok_or(CoreError::NotFound)
}

pub async fn add_organisation(
    core: &Core,
    permit: &Permit<act::ManageOrganisations>,
    org: Organisation,
) -> Result<(), AccountError> {
    administers(permit, org.territory.as_deref())?;
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
    if !core
        .reference
        .vocabulary("sectors")
        .is_some_and(|v| v.contains(&org.sector))
    {
        return Err(AccountError::UnknownSector);
    }
    if let Some(t) = &org.territory
        && !core
            .reference
            .territory(t)
            .is_some_and(|t| t.kind.hosts_mechanism())
    {
        return Err(AccountError::UnknownTerritory);
    }
    let at_ms = core.now_ms();
    let mut tx = core.store.begin().await?;
    tx.add_organisation(&org, at_ms).await.map_err(taken)?;
    tx.audit(audit(
        permit.who(),
        at_ms,
        "organisation.added",
        ("organisation", &org.code),
        org.territory.as_deref(),
        json!({"sector": org.sector}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An audit entry of an account's record, which may be a national body's (no territory).
fn audit(
    who: &Who,
    at_ms: i64,
    action: &str,
    record: (&str, &str),
    territory: Option<&str>,
    detail: serde_json::Value,
) -> awladna_store::audit::AuditEntry {
    let mut entry = who.audit(at_ms, action, record, "", detail);
    entry.territory = territory.map(str::to_owned);
    entry
}

/// A password given by the operator, or a new random one to show once.
fn password_or_new(given: Option<String>) -> Result<(String, bool), AccountError> {
    match given {
        Some(p) if p.chars().count() < MIN_PASSWORD => Err(AccountError::ShortPassword),
        Some(p) => Ok((p, false)),
        None => Ok((new_token("").chars().take(20).collect(), true)),
    }
}

fn hashed(password: &str) -> Result<String, CoreError> {
    hash_password(password).map_err(|_| CoreError::internal("password hashing failed"))
}

/// A second factor for roles that need one, so that a scripted set-up can hand it over.
fn second_factor(
    core: &Core,
    user_id: &str,
    username: &str,
    roles: &BTreeSet<Role>,
) -> Result<Option<(Vec<u8>, String)>, CoreError> {
    if !roles.iter().any(|r| r.requires_two_factor()) {
        return Ok(None);
    }
    let secret = TotpSecret::generate();
    let sealed = core.keyring.seal(
        secret.as_bytes(),
        &sealed_aad("users", "totp_secret", user_id),
    )?;
    let uri = secret.otpauth_uri(awladna_crypto::totp::ISSUER, username)?;
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

/// Adds a user to an organisation within the administrator's reach; answers the new
/// user's id and the secrets to hand over once.
pub async fn add_user(
    core: &Core,
    permit: &Permit<act::ManageUsers>,
    new: NewUser,
) -> Result<(String, IssuedSecrets), AccountError> {
    let organisation = core
        .store
        .organisation(&new.organisation)
        .await?
        .ok_or(AccountError::UnknownOrganisation)?;
    administers(permit, organisation.territory.as_deref())?;
    let username = new.username.trim().to_lowercase();
    if !is_username(&username) {
        return Err(AccountError::BadUsername);
    }
    if new.roles.is_empty() {
        return Err(AccountError::NoRole);
    }
    fits(&organisation, &new.roles)?;
    let (password, generated) = password_or_new(new.password)?;
    let hash = hashed(&password)?;
    let id = uuid::Uuid::now_v7().to_string();
    let second = second_factor(core, &id, &username, &new.roles)?;
    let at_ms = core.now_ms();
    let mut tx = core.store.begin().await?;
    tx.add_user(
        &id,
        &username,
        &organisation.code,
        &new.roles,
        Some(&hash),
        at_ms,
    )
    .await
    .map_err(taken)?;
    if let Some((sealed, _)) = &second {
        tx.set_totp(&id, Some(sealed)).await?;
    }
    let roles: Vec<&str> = new.roles.iter().map(|r| r.code()).collect();
    tx.audit(audit(
        permit.who(),
        at_ms,
        "user.added",
        ("user", &id),
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

/// A user the administrator may manage; another province's is not found.
async fn managed_user(
    core: &Core,
    permit: &Permit<act::ManageUsers>,
    user_id: &str,
) -> Result<UserRecord, AccountError> {
    let user = core
        .store
        .user_by_id(user_id)
        .await?
        .ok_or(AccountError::UnknownUser)?;
    administers(permit, user.organisation.territory.as_deref())?;
    Ok(user)
}

/// The user of a username, for the operator who names users so.
pub async fn user_named(
    core: &Core,
    permit: &Permit<act::ManageUsers>,
    username: &str,
) -> Result<UserRecord, AccountError> {
    let user = core
        .store
        .user_by_username(username.trim())
        .await?
        .ok_or(AccountError::UnknownUser)?;
    administers(permit, user.organisation.territory.as_deref())?;
    Ok(user)
}

/// Disables a user and ends their sessions; answers how many sessions ended.
pub async fn disable_user(
    core: &Core,
    permit: &Permit<act::ManageUsers>,
    user_id: &str,
) -> Result<u64, AccountError> {
    let user = managed_user(core, permit, user_id).await?;
    let at_ms = core.now_ms();
    let mut tx = core.store.begin().await?;
    tx.set_disabled(&user.id, true).await?;
    let ended = tx.end_all_sessions(&user.id).await?;
    tx.audit(audit(
        permit.who(),
        at_ms,
        "user.disabled",
        ("user", &user.id),
        user.organisation.territory.as_deref(),
        json!({"sessions_ended": ended}),
    ))
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// New password and second factor, recovery codes dropped, sessions ended, enabled again.
pub async fn reset_user(
    core: &Core,
    permit: &Permit<act::ManageUsers>,
    user_id: &str,
    password: Option<String>,
) -> Result<IssuedSecrets, AccountError> {
    let user = managed_user(core, permit, user_id).await?;
    let (password, generated) = password_or_new(password)?;
    let hash = hashed(&password)?;
    let second = second_factor(core, &user.id, &user.username, &user.roles)?;
    let at_ms = core.now_ms();
    let mut tx = core.store.begin().await?;
    tx.set_password(&user.id, Some(&hash)).await?;
    tx.set_totp(
        &user.id,
        second.as_ref().map(|(sealed, _)| sealed.as_slice()),
    )
    .await?;
    tx.replace_recovery_codes(&user.id, &[]).await?;
    tx.set_disabled(&user.id, false).await?;
    let ended = tx.end_all_sessions(&user.id).await?;
    tx.audit(audit(
        permit.who(),
        at_ms,
        "user.reset",
        ("user", &user.id),
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
    core: &Core,
    permit: &Permit<act::ManageUsers>,
    user_id: &str,
    organisation: &str,
) -> Result<Organisation, AccountError> {
    let user = managed_user(core, permit, user_id).await?;
    let to = core
        .store
        .organisation(organisation)
        .await?
        .ok_or(AccountError::UnknownOrganisation)?;
    administers(permit, to.territory.as_deref())?;
    fits(&to, &user.roles)?;
    let at_ms = core.now_ms();
    let mut tx = core.store.begin().await?;
    tx.set_organisation(&user.id, &to.code).await?;
    let ended = tx.end_all_sessions(&user.id).await?;
    tx.audit(audit(
        permit.who(),
        at_ms,
        "user.moved",
        ("user", &user.id),
        to.territory.as_deref(),
        json!({"from": user.organisation.code, "to": to.code, "sessions_ended": ended}),
    ))
    .await?;
    tx.commit().await?;
    Ok(to)
}

/// A machine client's token, shown once.
pub struct IssuedToken {
    pub id: String,
    pub token: String,
    pub organisation: Organisation,
}

/// Issues a bearer token of `scope` for an organisation's machine client; only its hash
/// is stored.
pub async fn issue_token(
    core: &Core,
    permit: &Permit<act::ManageOrganisations>,
    organisation: &str,
    scope: TokenScope,
) -> Result<IssuedToken, AccountError> {
    let organisation = core
        .store
        .organisation(organisation)
        .await?
        .ok_or(AccountError::UnknownOrganisation)?;
    administers(permit, organisation.territory.as_deref())?;
    let id = uuid::Uuid::now_v7().simple().to_string();
    let token = new_token("awl_t_");
    let at_ms = core.now_ms();
    let mut tx = core.store.begin().await?;
    tx.add_token(
        &id,
        &hash_token(&token),
        &organisation.code,
        scope.code(),
        at_ms,
    )
    .await?;
    tx.audit(audit(
        permit.who(),
        at_ms,
        "token.created",
        ("token", &id),
        organisation.territory.as_deref(),
        json!({"scope": scope.code(), "organisation": organisation.code}),
    ))
    .await?;
    tx.commit().await?;
    Ok(IssuedToken {
        id,
        token,
        organisation,
    })
}

/// Revokes a token by its id. Only a national administrator revokes: a token's id does
/// not say whose it is.
pub async fn revoke_token(
    core: &Core,
    permit: &Permit<act::ManageOrganisations>,
    id: &str,
) -> Result<(), AccountError> {
    administers(permit, None)?;
    let at_ms = core.now_ms();
    let mut tx = core.store.begin().await?;
    if !tx.revoke_token(id, at_ms).await? {
        return Err(AccountError::UnknownToken);
    }
    tx.audit(audit(
        permit.who(),
        at_ms,
        "token.revoked",
        ("token", id),
        None,
        json!({}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the policy lets `actor` use the administration's pages for `action` (the
/// account page offers them).
pub fn may(actor: &Actor, action: Action) -> bool {
    awladna_domain::access::decide(Some(actor), action, None) == Decision::Allow
}
