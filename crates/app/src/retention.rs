//! `awladna retention run [--dry-run]` and the server's daily retention task: both call
//! `awladna_web::retention::run`, which erases what the retention rule says is due.

use crate::database::{DatabaseArgs, open};
use awladna_crypto::Keyring;
use awladna_domain::{Clock, Reference};
use awladna_store::Store;
use awladna_web::retention::{RetentionReport, run};
use clap::{Args, Subcommand};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Erase the identities and narratives the retention rule (retention/rules.toml) says
    /// are due; the statistics and the audit trail stay.
    Run(RunArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// List what would be erased (case numbers and counts, no names), erase nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

pub async fn command(command: RetentionCommand) -> anyhow::Result<()> {
    let RetentionCommand::Run(args) = command;
    let opened = open(&args.database).await?;
    let report = run(
        &opened.store,
        &opened.reference,
        &opened.keyring,
        opened.clock.now(),
        args.dry_run,
    )
    .await
    .map_err(|detail| {
        anyhow::anyhow!("the retention run stopped, nothing more was erased: {detail}")
    })?;
    print!("{}", describe(&report));
    Ok(())
}

/// The run's outcome as the operator reads it: one line per child (case numbers and
/// counts per kind), then the totals.
pub fn describe(report: &RetentionReport) -> String {
    let mut out = String::new();
    if report.children.is_empty() {
        out.push_str("Nothing is due for erasure under the retention rule.\n");
        return out;
    }
    let verb = if report.dry_run {
        "would be erased"
    } else {
        "erased"
    };
    for child in &report.children {
        let kinds: Vec<String> = child
            .kinds
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect();
        out.push_str(&format!(
            "{} ({}): {}\n",
            child.case_numbers.join(", "),
            child.territory,
            kinds.join(", ")
        ));
    }
    let totals: Vec<String> = report
        .totals()
        .iter()
        .map(|(kind, n)| format!("{kind} {n}"))
        .collect();
    out.push_str(&format!(
        "Children: {}. Sealed values {verb}: {}.\n",
        report.children.len(),
        totals.join(", ")
    ));
    if report.dry_run {
        out.push_str("Dry run: nothing was erased. Run without --dry-run to erase.\n");
    } else {
        out.push_str(
            "Each erasure is in the audit log (retention.erased); the statistics are unchanged.\n",
        );
    }
    out
}

/// The first pass waits for the server to settle; then once a day.
const FIRST_PASS: Duration = Duration::from_secs(5 * 60);
const EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// The daily task of `serve`: runs the retention rule until `stop` says the server stops.
pub fn spawn_daily(
    store: Store,
    reference: Arc<Reference>,
    keyring: Arc<Keyring>,
    clock: Arc<dyn Clock>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut wait = FIRST_PASS;
        loop {
            tokio::select! {
                _ = stop.changed() => return,
                () = tokio::time::sleep(wait) => {}
            }
            wait = EVERY;
            match run(&store, &reference, &keyring, clock.now(), false).await {
                Ok(report) => {
                    let values: usize = report.totals().iter().map(|(_, n)| n).sum();
                    tracing::info!(children = report.children.len(), values, "retention run");
                }
                // Ids and codes only reach the log; the next pass tries again.
                Err(detail) => tracing::error!(%detail, "retention run failed"),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use awladna_domain::clock::SystemClock;

    #[tokio::test]
    async fn the_daily_task_stops_with_the_server() {
        let store = Store::connect("sqlite::memory:").await.expect("store");
        let reference = Arc::new(Reference::embedded().expect("reference"));
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let task = spawn_daily(
            store,
            reference,
            Arc::new(Keyring::generate()),
            Arc::new(SystemClock),
            stopped,
        );
        stop.send(true).expect("the task listens");
        // Told to stop while it waits for its first pass, it ends at once.
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("stopped without waiting for the pass")
            .expect("no panic");
    }

    #[test]
    fn a_dry_run_names_case_numbers_and_counts_only() {
        use awladna_domain::retention::RecordKind;
        use awladna_web::retention::ChildErasure;
        let report = RetentionReport {
            dry_run: true,
            children: vec![ChildErasure {
                child_id: "0192-child".into(),
                territory: "sale".into(),
                case_numbers: vec!["04441-2026-000001".into()],
                kinds: vec![(RecordKind::ChildIdentity, 1), (RecordKind::Cards, 3)],
            }],
        };
        let text = describe(&report);
        assert!(
            text.contains("04441-2026-000001 (sale): child_identity 1, cards 3"),
            "{text}"
        );
        assert!(
            text.contains("Children: 1. Sealed values would be erased: child_identity 1, cards 3, plan_actions 0"),
            "{text}"
        );
        assert!(text.contains("Dry run: nothing was erased."), "{text}");
        assert!(
            !text.contains("0192-child"),
            "case numbers, not ids: {text}"
        );
    }
}
