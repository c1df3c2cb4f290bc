//! The operator's commands for organisations, users, API tokens, keys and the audit
//! log. Changes go through the same use cases as the administration pages
//! (`awladna_core::accounts`), audited as done by `system:cli`.

use crate::database::{DatabaseArgs, Opened, open};
use anyhow::{Context, anyhow};
use awladna_core::accounts::{self, AccountError, IssuedSecrets, NewUser};
use awladna_core::{Act, Core, Permit};
use awladna_domain::access::{Role, TokenScope};
use awladna_store::identity::Organisation;
use awladna_store::sealer::ExpectedHead;
use clap::Subcommand;
use std::collections::BTreeSet;
use std::path::PathBuf;

const CLI_ACTOR: &str = "system:cli";

/// The use cases' core over the opened database, and the operator's permit for `A`.
fn operator<A: Act>(opened: &Opened) -> anyhow::Result<(Core, Permit<A>)> {
    let core = opened.core();
    let permit = Permit::check(accounts::operator(CLI_ACTOR)).map_err(|e| anyhow!(e))?;
    Ok((core, permit))
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

/// Names what was refused, with the operator's value where it helps.
fn refused(e: AccountError, value: &str) -> anyhow::Error {
    match e {
        AccountError::Core(e) => anyhow!(e),
        AccountError::Taken
        | AccountError::UnknownSector
        | AccountError::UnknownTerritory
        | AccountError::UnknownOrganisation => {
            anyhow!("\"{value}\": {e}")
        }
        other => other.into(),
    }
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
    let org = Organisation {
        code: code.clone(),
        sector: sector.clone(),
        territory: territory.clone(),
        name,
    };
    let (core, permit) = operator(&opened)?;
    accounts::add_organisation(&core, &permit, org)
        .await
        .map_err(|e| {
            let value = match e {
                AccountError::UnknownSector => sector.clone(),
                AccountError::UnknownTerritory => territory.clone().unwrap_or_default(),
                _ => code.clone(),
            };
            refused(e, &value)
        })?;
    println!("Organisation {code} added.");
    Ok(())
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
        /// committee_member, committee_chair, technical_officer, national_analyst or
        /// administrator; repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// A file whose first line is the password (at least 12 characters).
        #[arg(long)]
        password_file: Option<PathBuf>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Move a user to another organisation, keeping their roles and secrets; their
    /// sessions end. Roles that read identities need a province's organisation.
    Move {
        username: String,
        #[arg(long)]
        org: String,
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

fn password_from(file: Option<&PathBuf>) -> anyhow::Result<Option<String>> {
    let Some(path) = file else { return Ok(None) };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the password file {}", path.display()))?;
    Ok(Some(text.lines().next().unwrap_or_default().to_owned()))
}

async fn user_id(
    core: &Core,
    permit: &Permit<awladna_core::act::ManageUsers>,
    username: &str,
) -> anyhow::Result<String> {
    match accounts::user_named(core, permit, username).await {
        Ok(user) => Ok(user.id),
        Err(AccountError::UnknownUser) => Err(anyhow!("no user named \"{username}\"")),
        Err(e) => Err(refused(e, username)),
    }
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
            let password = password_from(password_file.as_ref())?;
            let opened = open(&database).await?;
            let new = NewUser {
                username: username.clone(),
                organisation: org.clone(),
                roles: roles.clone(),
                password,
            };
            let (core, permit) = operator(&opened)?;
            let (_, secrets) = accounts::add_user(&core, &permit, new).await.map_err(|e| {
                let value = if matches!(e, AccountError::UnknownOrganisation) {
                    org.clone()
                } else {
                    username.clone()
                };
                refused(e, &value)
            })?;
            let codes: Vec<&str> = roles.iter().map(|r| r.code()).collect();
            println!(
                "User {username} added to {org} with the roles {}.",
                codes.join(", ")
            );
            print_secrets(&secrets);
            Ok(())
        }
        UserCommand::Move {
            username,
            org,
            database,
        } => {
            let opened = open(&database).await?;
            let (core, permit) = operator(&opened)?;
            let id = user_id(&core, &permit, &username).await?;
            let to = accounts::move_user(&core, &permit, &id, &org)
                .await
                .map_err(|e| refused(e, &org))?;
            println!(
                "User {username} now belongs to {}; their sessions ended.",
                to.code
            );
            Ok(())
        }
        UserCommand::Disable { username, database } => {
            let opened = open(&database).await?;
            let (core, permit) = operator(&opened)?;
            let id = user_id(&core, &permit, &username).await?;
            let ended = accounts::disable_user(&core, &permit, &id)
                .await
                .map_err(|e| refused(e, &username))?;
            println!("User {username} is disabled; {ended} session(s) ended.");
            Ok(())
        }
        UserCommand::Reset {
            username,
            password_file,
            database,
        } => {
            let password = password_from(password_file.as_ref())?;
            let opened = open(&database).await?;
            let (core, permit) = operator(&opened)?;
            let id = user_id(&core, &permit, &username).await?;
            let secrets = accounts::reset_user(&core, &permit, &id, password)
                .await
                .map_err(|e| refused(e, &username))?;
            println!(
                "User {username} was reset: every session ended, new password and second factor."
            );
            print_secrets(&secrets);
            Ok(())
        }
    }
}

fn print_secrets(secrets: &IssuedSecrets) {
    if let Some(password) = &secrets.password {
        println!("Password (shown once; give it to the user in person): {password}");
    }
    if let Some(uri) = &secrets.otpauth {
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
        /// intake (the 2511 line pushing reports in Awladna's codes), node (a province node
        /// reading statistics) or observatory (the Observatory's records in its own shape,
        /// and their statuses back).
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
            let (core, permit) = operator(&opened)?;
            let issued = accounts::issue_token(&core, &permit, &org, scope)
                .await
                .map_err(|e| match e {
                    AccountError::UnknownOrganisation => anyhow!("unknown organisation \"{org}\""),
                    e => refused(e, &org),
                })?;
            println!(
                "Token {} created for {} ({}). It is shown once; store it in the client's secret store:",
                issued.id,
                issued.organisation.code,
                scope.code()
            );
            println!("{}", issued.token);
            Ok(())
        }
        TokenCommand::Revoke { id, database } => {
            let opened = open(&database).await?;
            let (core, permit) = operator(&opened)?;
            accounts::revoke_token(&core, &permit, &id)
                .await
                .map_err(|e| match e {
                    AccountError::UnknownToken => anyhow!("no active token with id \"{id}\""),
                    e => refused(e, &id),
                })?;
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
    /// Print the master key as a recovery sheet to keep in a safe: text on the terminal,
    /// or with --to a page with a QR code to print.
    ExportSheet {
        /// Write a printable page (HTML, with a QR code) to this new file instead.
        #[arg(long)]
        to: Option<PathBuf>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Write a master key file from its recovery sheet, typed back (or pasted) on the
    /// standard input, or read from --from.
    ImportSheet {
        /// The new key file to write (never overwritten).
        #[arg(long)]
        to: PathBuf,
        /// A text file holding the typed sheet, instead of the standard input.
        #[arg(long)]
        from: Option<PathBuf>,
    },
}

pub async fn keys(command: KeysCommand) -> anyhow::Result<()> {
    let (new_master_key_file, database) = match command {
        KeysCommand::Rotate {
            new_master_key_file,
            database,
        } => (new_master_key_file, database),
        KeysCommand::ExportSheet { to, database } => {
            let key_file = crate::keys::master_key_path(&database);
            return crate::keys::sheet::export(
                &key_file,
                to.as_deref(),
                &awladna_domain::clock::SystemClock,
            );
        }
        KeysCommand::ImportSheet { to, from } => {
            let typed = match &from {
                Some(path) => std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?,
                None => std::io::read_to_string(std::io::stdin())
                    .context("cannot read the typed sheet")?,
            };
            return crate::keys::sheet::import(&typed, &to);
        }
    };
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
    /// Seal the entries waiting, then check the audit log's hash chain against its sealed head;
    /// exits non-zero naming the first bad, missing or added entry.
    Verify {
        /// A head noted earlier (`SEQ:HASH`, as this command prints it or the server's
        /// --audit-head-file holds it): the log must still hold that entry with that hash.
        #[arg(long)]
        expect_head: Option<ExpectedHead>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub async fn audit(command: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::Verify {
        expect_head,
        database,
    } = command;
    let opened = open(&database).await?;
    let verified = opened
        .store
        .verify_audit(
            &opened.keyring,
            opened.clock.now().as_millisecond(),
            expect_head,
        )
        .await?;
    opened.store.close().await;
    match verified {
        Ok(head) => {
            println!(
                "The audit log is intact: {} entries, ending at its sealed head.",
                head.head.seq
            );
            if let Some(noted) = expect_head {
                println!("It still holds the head noted earlier ({noted}).");
            }
            println!(
                "Head: {}. Note it outside the database; a later `awladna audit verify --expect-head {}` shows whether the log was cut or rewritten since.",
                ExpectedHead(head.head),
                ExpectedHead(head.head)
            );
            Ok(())
        }
        Err(problem) => Err(anyhow!("the audit log was tampered with: {problem}")),
    }
}
