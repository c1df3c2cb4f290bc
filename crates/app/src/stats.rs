//! Rebuilding the statistics from the cards, with a progress bar: after the demo's bulk
//! load (which writes cards without their facts), and as `awladna stats rebuild`.

use anyhow::Context;
use awladna_store::Store;
use std::time::{Duration, Instant};

/// The records the rebuild goes through: reports, cases and linking cards.
async fn records(store: &Store) -> anyhow::Result<u64> {
    let mut total = 0i64;
    for sql in [
        "SELECT COUNT(*) FROM cards WHERE form_code = 'report'",
        "SELECT COUNT(*) FROM cases",
        "SELECT COUNT(*) FROM referrals",
    ] {
        total += sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(store.pool())
            .await
            .context("counting the records to rebuild statistics from")?;
    }
    Ok(u64::try_from(total).unwrap_or(0))
}

/// Recomputes every fact and cell, in one transaction; the records done and the time.
pub async fn rebuild(store: &Store) -> anyhow::Result<(u64, Duration)> {
    let total = records(store).await?;
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} statistics {pos}/{len} reports, cases and linking cards [{bar:40}] {percent}% · {elapsed} elapsed, about {eta} left")
            .context("progress bar template")?
            .progress_chars("=> "),
    );
    let started = Instant::now();
    let progress = |done: u64| bar.set_position(done);
    let done = store
        .rebuild_statistics(&progress)
        .await
        .context("rebuilding the statistics")?;
    bar.finish();
    Ok((done, started.elapsed()))
}
