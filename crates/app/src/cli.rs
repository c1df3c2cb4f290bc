//! The command line. Every subcommand that touches the database takes the same
//! `--data-dir` / `--database-url` options as `serve`, so scripts can run them
//! against a running server's database.

use crate::database::{DatabaseArgs, open};
use crate::logging::LogFormat;
use crate::{admin, backup, bench, demo, retention, serve};
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;

#[derive(Debug, Parser)]
#[command(
    name = "awladna",
    version,
    about = "Awladna: the information system of Morocco's integrated territorial child-protection mechanisms"
)]
pub struct Cli {
    /// How logs are written: text for people, json for log collectors.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "text",
        env = "AWLADNA_LOG_FORMAT"
    )]
    pub log_format: LogFormat,
    /// Log filter, e.g. "info" or "debug,sqlx=warn".
    #[arg(long, global = true, env = "AWLADNA_LOG")]
    pub log_level: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (migrates the database first).
    Serve(ServeArgs),
    /// Create or upgrade the database schema and load the reference data, then exit.
    Migrate(DatabaseArgs),
    /// Fill the database with realistic, deterministic synthetic data (for trials and benchmarks).
    Demo(DemoArgs),
    /// Time the case list, name search and card recording on this database (adds a benchmark user and cards: demo data only).
    Bench(bench::BenchArgs),
    /// Check the configuration, the reference data and the database, then exit.
    CheckConfig(ServeArgs),
    /// Organisations (services and national bodies).
    #[command(subcommand)]
    Org(admin::OrgCommand),
    /// User accounts.
    #[command(subcommand)]
    User(admin::UserCommand),
    /// Bearer tokens for machine clients (the 2511 intake, a province node).
    #[command(subcommand)]
    Token(admin::TokenCommand),
    /// Encryption keys.
    #[command(subcommand)]
    Keys(admin::KeysCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(admin::AuditCommand),
    /// Statistics.
    #[command(subcommand)]
    Stats(StatsCommand),
    /// Write a consistent copy of the running database to one file (`backup --to FILE`),
    /// or check such a file (`backup verify FILE`). The master key is never in it.
    Backup(backup::BackupArgs),
    /// Put the database of a backup file into a data directory that holds none.
    Restore(backup::RestoreArgs),
    /// Retention under Law 09-08: erase identities and narratives past their keeping time.
    #[command(subcommand)]
    Retention(retention::RetentionCommand),
}

#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// Recompute every statistics fact and cell from the cards (after a bulk load, or to check that the running counts never drifted).
    Rebuild(DatabaseArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "AWLADNA_ADDR")]
    pub addr: SocketAddr,
    /// Mark cookies Secure: set it when users reach Awladna over HTTPS (e.g. behind a proxy).
    #[arg(long, env = "AWLADNA_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key).
    #[arg(long, env = "AWLADNA_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "AWLADNA_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
    /// Mail a service when a linking card waits for it, through this SMTP server, e.g.
    /// smtp://user:password@mail.example.ma:587?tls=required (prefer the environment
    /// variable: a password on the command line shows in the process list).
    #[arg(
        long,
        env = "AWLADNA_SMTP_URL",
        hide_env_values = true,
        requires = "public_url"
    )]
    pub smtp_url: Option<String>,
    /// The address mails are sent from.
    #[arg(
        long,
        env = "AWLADNA_MAIL_FROM",
        default_value = "Awladna <awladna@localhost>"
    )]
    pub mail_from: String,
    /// The address users reach Awladna at, for links in mails (e.g. https://awladna.sale.ma).
    #[arg(long, env = "AWLADNA_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Reverse proxies whose X-Forwarded-For header names the client, e.g.
    /// 127.0.0.1,10.0.0.0/8 (addresses or networks, comma-separated). Without it the
    /// header is ignored: the address that counts for sign-in throttling and the audit
    /// log is the one connecting.
    #[arg(long, env = "AWLADNA_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,
    /// Append the audit log's sealed head to this file (at most once a minute, and at stop),
    /// to be copied somewhere the database's administrators cannot write; `awladna audit
    /// verify --expect-head` checks a line of it.
    #[arg(long, env = "AWLADNA_AUDIT_HEAD_FILE")]
    pub audit_head_file: Option<std::path::PathBuf>,
    /// Issue 17: push the statuses of the Observatory's reports to this URL (HTTP POST,
    /// one JSON message each, with an Idempotency-Key); without it the Observatory
    /// pulls them (`GET /api/v1/observatory/statuses`).
    #[arg(long, env = "AWLADNA_OBSERVATORY_URL")]
    pub observatory_url: Option<String>,
    /// A file holding the bearer token the Observatory gave for its URL (sent as
    /// `Authorization: Bearer …`).
    #[arg(
        long,
        env = "AWLADNA_OBSERVATORY_TOKEN_FILE",
        requires = "observatory_url"
    )]
    pub observatory_token_file: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many children to create.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub children: u64,
    /// The same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

pub async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve::run(args).await,
        Command::Migrate(args) => {
            let opened = open(&args).await?;
            crate::maintenance::run_to_end(&opened).await?;
            println!("The database is up to date ({}).", opened.describe());
            Ok(())
        }
        Command::Demo(args) => run_demo(args).await,
        Command::Bench(args) => bench::run(args).await,
        Command::CheckConfig(args) => serve::check_config(args).await,
        Command::Org(command) => admin::org(command).await,
        Command::User(command) => admin::user(command).await,
        Command::Token(command) => admin::token(command).await,
        Command::Keys(command) => admin::keys(command).await,
        Command::Audit(command) => admin::audit(command).await,
        Command::Backup(args) => backup::backup(args).await,
        Command::Restore(args) => backup::restore(args).await,
        Command::Retention(command) => retention::command(command).await,
        Command::Stats(StatsCommand::Rebuild(args)) => {
            let opened = open(&args).await?;
            let (records, took) = crate::stats::rebuild(&opened.store).await?;
            println!(
                "Statistics rebuilt from {records} reports, cases and linking cards in {:.1} s ({}).",
                took.as_secs_f64(),
                opened.describe()
            );
            Ok(())
        }
    }
}

async fn run_demo(args: DemoArgs) -> anyhow::Result<()> {
    let opened = open(&args.database).await?;
    let bar = indicatif::ProgressBar::new(args.children);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} children {pos}/{len} [{bar:40}] {percent}% · {elapsed} elapsed, about {eta} left")
            .context("progress bar template")?
            .progress_chars("=> "),
    );
    let options = demo::DemoOptions {
        children: args.children,
        seed: args.seed,
        now: opened.clock.now(),
    };
    let progress = |done: u64| bar.set_position(done);
    let summary = demo::generate(
        &opened.store,
        &opened.reference,
        &opened.keyring,
        &options,
        &progress,
    )
    .await?;
    bar.finish();
    // The committees are written through the committee's use cases, as its pages do.
    let core = awladna_core::Core::new(
        opened.store.clone(),
        opened.reference.clone(),
        opened.clock.clone(),
        opened.keyring.clone(),
    );
    let committees = demo::committee::committees(&core, options.now).await?;
    let planning = demo::planning::plans(&core, options.now).await?;
    let trainings = demo::training::fill(&core, options.now).await?;
    // Issue 15 §4: the directory says who offers what, so the protocol's proposals show.
    let directory = demo::directory::fill(&core).await?;
    // The demo writes its cards in bulk, without their statistics facts: count them now.
    let (records, took) = crate::stats::rebuild(&opened.store).await?;
    println!(
        "Created {} children, {} reports ({} naming the child another way), {} cases, {} stage moves and {} referrals; \
         on the cases {} evaluations, {} plan actions ({} overdue), {} follow-ups, {} plan reviews, {} child profiles and {} file entries ({} cards in all) in {}.",
        summary.children,
        summary.reports,
        summary.name_variants,
        summary.cases,
        summary.stage_moves,
        summary.referrals,
        summary.evaluations,
        summary.plan_actions,
        summary.overdue_actions,
        summary.followups,
        summary.plan_reviews,
        summary.child_profiles,
        summary.file_entries,
        summary.cards(),
        opened.describe()
    );
    println!(
        "Provincial committees: {} with {} meetings and {} decisions ({} overdue).",
        committees.committees, committees.meetings, committees.decisions, committees.overdue
    );
    println!(
        "Territorial diagnoses: {}; provincial action plans: {} with {} actions.",
        planning.diagnoses, planning.plans, planning.actions
    );
    println!(
        "Training, rollout and library: {} sessions with {} participants, {} milestones declared, {} documents.",
        trainings.sessions, trainings.participants, trainings.declarations, trainings.documents
    );
    println!(
        "Directory of services: {directory} organisations described with the services the protocol gives their sector."
    );
    println!(
        "Statistics rebuilt from {records} reports, cases and linking cards in {:.1} s.",
        took.as_secs_f64()
    );
    Ok(())
}
