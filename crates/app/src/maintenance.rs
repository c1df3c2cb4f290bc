//! The maintenance passes (`awladna_core::maintenance`): `awladna migrate` runs them to
//! the end, showing how far it is; the server runs them in the background, so that an
//! upgraded database answers at once and is completed while it serves.

use crate::database::Opened;
use awladna_core::maintenance::complete_name_tokens;

pub async fn run_to_end(opened: &Opened) -> anyhow::Result<()> {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message("completing the name tokens of the children recorded before the upgrade");
    let done = complete_name_tokens(&opened.core(), |n| bar.set_position(n))
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "the name tokens' completion stopped, it resumes at the next start: {e}"
            )
        })?;
    bar.finish_and_clear();
    if done > 0 {
        println!("The name tokens of {done} children recorded before the upgrade were completed.");
    }
    Ok(())
}

/// Runs the passes in the background; aborting the task rolls its batch back, and the
/// next start resumes after the last batch committed.
pub fn spawn(opened: &Opened) -> tokio::task::JoinHandle<()> {
    let core = opened.core();
    tokio::spawn(async move {
        match complete_name_tokens(&core, |_| {}).await {
            Ok(0) => {}
            Ok(children) => tracing::info!(children, "name tokens completed"),
            // Ids and codes only reach the log; the next start resumes.
            Err(detail) => tracing::error!(%detail, "name tokens' completion stopped"),
        }
    })
}
