//! `awladna bench --stats`: the speed targets of issue 6 on a demo database — the
//! national dashboard (under 1 s at the 95th percentile) and a provincial one (under
//! 200 ms), each rendered whole through the router as a browser would get it, for the
//! last full calendar year. It signs in a national analyst and a case worker of the
//! province with the most cases (organisations `bench-national`, `bench-{province}`).

use crate::bench::{Stats, WARM_UP, send, sign_in_as};
use crate::database::Opened;
use anyhow::anyhow;
use awladna_domain::access::Role;
use awladna_web::{AppState, Settings};
use axum::Router;
use axum::http::StatusCode;
use std::time::Duration;

const NATIONAL_TARGET_MS: f64 = 1_000.0;
const PROVINCIAL_TARGET_MS: f64 = 200.0;

pub async fn run(opened: &Opened, requests: u64) -> anyhow::Result<()> {
    let now = opened.clock.now();
    let year = now.to_zoned(awladna_domain::forms::local_zone()).year() - 1;
    let province = opened.store.busiest_statistics_province().await?.ok_or_else(|| {
        anyhow!("the database has no statistics; fill it first, e.g. `awladna demo --children 1000000 --seed 1`")
    })?;
    let state = AppState::new(
        opened.store.clone(),
        opened.reference.clone(),
        opened.clock.clone(),
        opened.keyring.clone(),
        Settings::default(),
    );
    let router = awladna_web::router(state);
    let now_ms = now.as_millisecond();
    let national = sign_in_as(&opened.store, now_ms, None, Role::NationalAnalyst).await?;
    let local = sign_in_as(&opened.store, now_ms, Some(&province), Role::CaseWorker).await?;
    let period = format!("from={year}-01&to={year}-12");
    println!(
        "Statistics benchmark on the {}: dashboards of {year}, {requests} requests each after {WARM_UP} warm-up requests, one at a time, in process.",
        opened.describe()
    );
    let rows = [
        (
            format!("GET /stats?territory=MA (national, {year})"),
            time(
                &router,
                &national,
                &format!("/stats?territory=MA&{period}"),
                requests,
            )
            .await?,
            NATIONAL_TARGET_MS,
        ),
        (
            format!("GET /stats ({province}, {year})"),
            time(&router, &local, &format!("/stats?{period}"), requests).await?,
            PROVINCIAL_TARGET_MS,
        ),
    ];
    println!();
    println!(
        "{:<48} {:>8} {:>8} {:>8} {:>8}   target (p95)",
        "request (ms)", "min", "median", "p95", "max"
    );
    for (what, timings, target) in rows {
        let s = Stats::of(timings);
        let met = s.p95 < target;
        println!(
            "{what:<48} {:>8.1} {:>8.1} {:>8.1} {:>8.1}   < {target} ms: {}",
            s.min,
            s.median,
            s.p95,
            s.max,
            if met { "met" } else { "MISSED" }
        );
    }
    Ok(())
}

async fn time(
    router: &Router,
    session: &crate::bench::BenchSession,
    path: &str,
    requests: u64,
) -> anyhow::Result<Vec<Duration>> {
    let mut timings = Vec::new();
    for i in 0..WARM_UP + requests {
        let (elapsed, _) = send(router, session.get(path)?, StatusCode::OK).await?;
        if i >= WARM_UP {
            timings.push(elapsed);
        }
    }
    Ok(timings)
}
