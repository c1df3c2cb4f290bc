//! The operator's commands for organisations, users, API tokens, keys and the audit
//! log. Each change is audited as done by `system:cli`.

use crate::database::{DatabaseArgs, Opened, open};
use anyhow::{Context, anyhow, bail};
use awladna_crypto::{TotpSecret, hash_token, new_token};
use awladna_domain::access::{Role, TokenScope};
use awladna_store::StoreError;
use awladna_store::audit::AuditEntry;
use awladna_store::identity::Organisation;
use clap::Subcommand;
use serde_json::json;
use std::collections::BTreeSet;
use std::path::PathBuf;

const CLI_ACTOR: &str = "system:cli";

fn entry(
    opened: &Opened,
    action: &str,
    kind: &str,
    id: &str,
    territory: Option<&str>,
    detail: serde_json::Value,
) -> AuditEntry {
    AuditEntry {
        at_ms: opened.clock.now().as_millisecond(),
        actor: Some(CLI_ACTOR.to_owned()),
        action: action.to_owned(),
        record_kind: Some(kind.to_owned()),
        record_id: Some(id.to_owned()),
        territory: territory.map(str::to_owned),
        origin: None,
        detail,
    }
}

/// A code, username or name already taken is the operator's to change, said plainly.
fn taken(what: &str, value: &str) -> impl FnOnce(StoreError) -> anyhow::Error {
    let message = format!("{what} \"{value}\" is already taken; choose another");
    move |e| match e {
        StoreError::Duplicate => anyhow!(message),
        other => other.into(),
    }
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Add an organisation: a service of one sector in one territory, or a national body.
    Add {
        /// A short stable code, e.g. sale-centre or sale-hospital-moulay-abdallah.
        #[arg(long)]
        code: String,
        /// The sector code (see /api/v1/reference/sectors), e.g. health, family_solidarity.
        #[arg(long)]
        sector: String,
        /// The prefecture or province code (see /api/v1/reference/territories); omit for a national body.
        #[arg(long)]
        territory: Option<String>,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub async fn org(command: OrgCommand) -> anyhow::Result<()> {
    let OrgCommand::Add {
        code,
        sector,
        territory,
        name,
        database,
    } = command;
    let opened = open(&database).await?;
    if !is_slug(&code) {
        bail!("the organisation code must be 2 to 64 lowercase letters, digits, '-' or '_'");
    }
    if !opened
        .reference
        .vocabulary("sectors")
        .is_some_and(|v| v.contains(&sector))
    {
        bail!("unknown sector \"{sector}\"; the sectors are listed at /api/v1/reference/sectors");
    }
    if let Some(t) = &territory
        && !opened
            .reference
            .territory(t)
            .is_some_and(|t| t.kind.hosts_mechanism())
    {
        bail!(
            "unknown territory \"{t}\"; give a prefecture or province code from /api/v1/reference/territories"
        );
    }
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        bail!("the organisation name must be 1 to 200 characters");
    }
    let org = Organisation {
        code: code.clone(),
        sector,
        territory: territory.clone(),
        name,
    };
    let mut tx = opened.store.begin().await?;
    tx.add_organisation(&org, opened.clock.now().as_millisecond())
        .await
        .map_err(taken("organisation code", &code))?;
    tx.audit(entry(
        &opened,
        "organisation.added",
        "organisation",
        &code,
        territory.as_deref(),
        json!({"sector": org.sector}),
    ))
    .await?;
    tx.commit().await?;
    println!("Organisation {code} added.");
    Ok(())
}

fn is_slug(s: &str) -> bool {
    (2..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user to an organisation, with one or more roles. Prints the password (unless
    /// given in a file) and, for roles that need it, the second-factor key, once.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        org: String,
        /// case_worker, coordinator, information_officer, focal_point, secretariat,
        /// committee_member, national_analyst or administrator; repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// A file whose first line is the password (at least 12 characters).
        #[arg(long)]
        password_file: Option<PathBuf>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Disable a user: they can no longer sign in, and their sessions end now.
    Disable {
        username: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Reset a user: new password, new second factor, every session ended.
    Reset {
        username: String,
        #[arg(long)]
        password_file: Option<PathBuf>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

const MIN_PASSWORD: usize = 12;

fn password_from(file: Option<&PathBuf>) -> anyhow::Result<(String, bool)> {
    let Some(path) = file else {
        // 20 characters from the token alphabet: easy to type once, then changed.
        return Ok((new_token("").chars().take(20).collect(), true));
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the password file {}", path.display()))?;
    let password = text.lines().next().unwrap_or_default().to_owned();
    if password.chars().count() < MIN_PASSWORD {
        bail!(
            "the password in {} is too short: at least {MIN_PASSWORD} characters",
            path.display()
        );
    }
    Ok((password, false))
}

/// A new TOTP secret, sealed for the user's row, and its otpauth URI to print.
fn new_second_factor(
    opened: &Opened,
    user_id: &str,
    username: &str,
) -> anyhow::Result<(Vec<u8>, String)> {
    let secret = TotpSecret::generate();
    let sealed = opened.keyring.seal(
        secret.as_bytes(),
        &awladna_store::keys::sealed_aad("users", "totp_secret", user_id),
    )?;
    let uri = secret.otpauth_uri(awladna_crypto::totp::ISSUER, username)?;
    Ok((sealed, uri.to_string()))
}

pub async fn user(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            username,
            org,
            roles,
            password_file,
            database,
        } => {
            let roles: BTreeSet<Role> = roles
                .iter()
                .map(|r| r.parse::<Role>().map_err(|e| anyhow!(e)))
                .collect::<Result<_, _>>()?;
            let username = username.trim().to_lowercase();
            if !(3..=64).contains(&username.len())
                || !username
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c))
            {
                bail!("the username must be 3 to 64 letters, digits, '.', '-' or '_'");
            }
            let (password, generated) = password_from(password_file.as_ref())?;
            let opened = open(&database).await?;
            let organisation = opened.store.organisation(&org).await?.ok_or_else(|| {
                anyhow!("unknown organisation \"{org}\"; add it first with `awladna org add`")
            })?;
            let id = uuid::Uuid::now_v7().to_string();
            let hash = awladna_crypto::hash_password(&password)?;
            let second = roles
                .iter()
                .any(|r| r.requires_two_factor())
                .then(|| new_second_factor(&opened, &id, &username))
                .transpose()?;
            let mut tx = opened.store.begin().await?;
            tx.add_user(
                &id,
                &username,
                &organisation.code,
                &roles,
                Some(&hash),
                opened.clock.now().as_millisecond(),
            )
            .await
            .map_err(taken("username", &username))?;
            if let Some((sealed, _)) = &second {
                tx.set_totp(&id, Some(sealed)).await?;
            }
            let role_codes: Vec<&str> = roles.iter().map(|r| r.code()).collect();
            tx.audit(entry(
                &opened,
                "user.added",
                "user",
                &id,
                organisation.territory.as_deref(),
                json!({"roles": role_codes, "organisation": organisation.code}),
            ))
            .await?;
            tx.commit().await?;
            println!(
                "User {username} added to {} with the roles {}.",
                organisation.code,
                role_codes.join(", ")
            );
            print_secrets(
                generated.then_some(&password),
                second.as_ref().map(|(_, uri)| uri.as_str()),
            );
            Ok(())
        }
        UserCommand::Disable { username, database } => {
            let opened = open(&database).await?;
            let user = find_user(&opened, &username).await?;
            let mut tx = opened.store.begin().await?;
            tx.set_disabled(&user.0, true).await?;
            let ended = tx.end_all_sessions(&user.0).await?;
            tx.audit(entry(
                &opened,
                "user.disabled",
                "user",
                &user.0,
                user.1.as_deref(),
                json!({"sessions_ended": ended}),
            ))
            .await?;
            tx.commit().await?;
            println!("User {username} is disabled; {ended} session(s) ended.");
            Ok(())
        }
        UserCommand::Reset {
            username,
            password_file,
            database,
        } => {
            let (password, generated) = password_from(password_file.as_ref())?;
            let opened = open(&database).await?;
            let (id, territory, needs_second) = find_user(&opened, &username).await?;
            let hash = awladna_crypto::hash_password(&password)?;
            let second = needs_second
                .then(|| new_second_factor(&opened, &id, &username))
                .transpose()?;
            let mut tx = opened.store.begin().await?;
            tx.set_password(&id, Some(&hash)).await?;
            tx.set_totp(&id, second.as_ref().map(|(sealed, _)| sealed.as_slice()))
                .await?;
            tx.replace_recovery_codes(&id, &[]).await?;
            tx.set_disabled(&id, false).await?;
            let ended = tx.end_all_sessions(&id).await?;
            tx.audit(entry(
                &opened,
                "user.reset",
                "user",
                &id,
                territory.as_deref(),
                json!({"sessions_ended": ended}),
            ))
            .await?;
            tx.commit().await?;
            println!("User {username} was reset; {ended} session(s) ended.");
            print_secrets(
                generated.then_some(&password),
                second.as_ref().map(|(_, uri)| uri.as_str()),
            );
            Ok(())
        }
    }
}

/// The user's id, territory and whether their roles need a second factor.
async fn find_user(
    opened: &Opened,
    username: &str,
) -> anyhow::Result<(String, Option<String>, bool)> {
    let user = opened
        .store
        .user_by_username(username.trim())
        .await?
        .ok_or_else(|| anyhow!("no user named \"{username}\""))?;
    let needs = user.actor().requires_two_factor();
    Ok((user.id, user.organisation.territory, needs))
}

fn print_secrets(password: Option<&String>, otpauth: Option<&str>) {
    if let Some(password) = password {
        println!("Password (shown once; give it to the user in person): {password}");
    }
    if let Some(uri) = otpauth {
        println!(
            "Second-factor key (shown once; open it as a QR code or paste it in an authentication app):"
        );
        println!("{uri}");
    }
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a bearer token for a machine client; prints it once.
    Create {
        #[arg(long)]
        org: String,
        /// intake (the 2511 line pushing reports) or node (a province node reading statistics).
        #[arg(long)]
        scope: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Revoke a token by its id (printed at creation).
    Revoke {
        id: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub async fn token(command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create {
            org,
            scope,
            database,
        } => {
            let scope: TokenScope = scope.parse().map_err(|e: String| anyhow!(e))?;
            let opened = open(&database).await?;
            let organisation = opened
                .store
                .organisation(&org)
                .await?
                .ok_or_else(|| anyhow!("unknown organisation \"{org}\""))?;
            let id = uuid::Uuid::now_v7().simple().to_string();
            let token = new_token("awl_t_");
            let mut tx = opened.store.begin().await?;
            tx.add_token(
                &id,
                &hash_token(&token),
                &organisation.code,
                scope.code(),
                opened.clock.now().as_millisecond(),
            )
            .await?;
            tx.audit(entry(
                &opened,
                "token.created",
                "token",
                &id,
                organisation.territory.as_deref(),
                json!({"scope": scope.code(), "organisation": organisation.code}),
            ))
            .await?;
            tx.commit().await?;
            println!(
                "Token {id} created for {} ({}). It is shown once; store it in the client's secret store:",
                organisation.code,
                scope.code()
            );
            println!("{token}");
            Ok(())
        }
        TokenCommand::Revoke { id, database } => {
            let opened = open(&database).await?;
            let mut tx = opened.store.begin().await?;
            if !tx
                .revoke_token(&id, opened.clock.now().as_millisecond())
                .await?
            {
                bail!("no active token with id \"{id}\"");
            }
            tx.audit(entry(
                &opened,
                "token.revoked",
                "token",
                &id,
                None,
                json!({}),
            ))
            .await?;
            tx.commit().await?;
            println!("Token {id} revoked.");
            Ok(())
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make a new data key and re-seal every sealed value with it, while the server runs.
    Rotate {
        /// Also replace the master key: write a new one to this file and re-wrap every key.
        #[arg(long)]
        new_master_key_file: Option<PathBuf>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub async fn keys(command: KeysCommand) -> anyhow::Result<()> {
    let KeysCommand::Rotate {
        new_master_key_file,
        database,
    } = command;
    let opened = open(&database).await?;
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message("re-sealing");
    let progress = |n: u64| bar.set_message(format!("{n} values re-sealed"));
    let rotation = crate::keys::rotate(
        &opened.store,
        &database,
        opened.clock.as_ref(),
        new_master_key_file,
        &progress,
    )
    .await?;
    bar.finish_and_clear();
    println!(
        "Data key {} is now active; {} sealed values were re-sealed with it.",
        rotation.new_key, rotation.resealed
    );
    if rotation.left > 0 {
        println!(
            "{} values changed during the rotation and are still on an older key: run `awladna keys rotate` again later.",
            rotation.left
        );
    }
    if let Some(path) = rotation.new_master_key {
        println!(
            "The keys are now wrapped by the new master key in {}.",
            path.display()
        );
        println!(
            "Replace the old master key file with it (or point --master-key-file / AWLADNA_MASTER_KEY_FILE to it), restart the server, and back it up."
        );
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's hash chain; exits non-zero naming the first bad entry.
    Verify {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub async fn audit(command: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::Verify { database } = command;
    let (store, _, _) = crate::database::connect(&database).await?;
    match store.verify_audit().await? {
        Ok(head) => {
            println!("The audit log is intact: {} entries.", head.seq);
            println!(
                "Head: entry {} with hash {}. Note it outside the database to detect a cut or rewritten log later.",
                head.seq,
                hex(&head.hash)
            );
            Ok(())
        }
        Err(chain_break) => Err(anyhow!("the audit log was tampered with: {chain_break}")),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
