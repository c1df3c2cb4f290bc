//! Rebuilding the statistics from the cards, with a progress bar: after the demo's bulk
//! load (which writes cards without their facts), and as `awladna stats rebuild`.

use anyhow::Context;
use awladna_store::Store;
use std::time::{Duration, Instant};

/// Recomputes every fact and cell, in one transaction; the records done and the time.
pub async fn rebuild(store: &Store) -> anyhow::Result<(u64, Duration)> {
    let total = store
        .statistics_sources()
        .await
        .context("counting the records to rebuild statistics from")?;
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
