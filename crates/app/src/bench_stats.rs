//! `awladna bench --stats`: the speed targets of issue 6 on a demo database — the
//! national dashboard (under 1 s at the 95th percentile) and a provincial one (under
//! 200 ms), each rendered whole through the router as a browser would get it, going round
//! the nation, the regions, the busiest provinces and several periods — and the annual national report (under 5 s): every province
//! with figures drafts, approves and submits its annual report, then the ministry drafts
//! the national one. It signs its users in directly (organisations `bench-national`,
//! `bench-{province}`) and leaves the reports in the database: run it on demo data only.

use crate::bench::{Stats, WARM_UP, send, sign_in_as};
use crate::database::Opened;
use anyhow::anyhow;
use awladna_domain::access::Role;
use awladna_domain::stats::NATION;
use awladna_domain::territory::TerritoryKind;
use awladna_web::{AppState, Settings};
use axum::Router;
use axum::http::StatusCode;
use std::time::Duration;

const NATIONAL_TARGET_MS: f64 = 1_000.0;
const PROVINCIAL_TARGET_MS: f64 = 200.0;
/// Fewer requests give no meaningful 95th percentile.
const MIN_REQUESTS: u64 = 100;
/// Provinces whose dashboards are timed, the busiest first.
const PROVINCES: usize = 12;

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
    if requests < MIN_REQUESTS {
        return Err(anyhow!(
            "a 95th percentile needs at least {MIN_REQUESTS} requests of each kind: give --requests {MIN_REQUESTS} or more"
        ));
    }
    let national = sign_in_as(&opened.store, now_ms, None, Role::NationalAnalyst).await?;
    let periods = periods(year);
    // The nation, every region, and the busiest provinces each as its own people see it,
    // over several periods: a single warm page would stand for none of them.
    let nation_pages: Vec<_> = periods
        .iter()
        .map(|period| (&national, format!("/stats?territory={NATION}&{period}")))
        .collect();
    let mut region_pages = Vec::new();
    for region in opened
        .reference
        .territories()
        .iter()
        .filter(|t| t.kind == TerritoryKind::Region)
    {
        for period in &periods {
            region_pages.push((
                &national,
                format!("/stats?territory={}&{period}", region.code),
            ));
        }
    }
    let mut provinces = vec![province.clone()];
    for code in opened.store.statistics_territories().await? {
        let hosts = opened
            .reference
            .territory(&code)
            .is_some_and(|t| t.kind.hosts_mechanism());
        if hosts && !provinces.contains(&code) && provinces.len() < PROVINCES {
            provinces.push(code);
        }
    }
    let mut locals = Vec::new();
    for code in &provinces {
        locals.push(sign_in_as(&opened.store, now_ms, Some(code), Role::CaseWorker).await?);
    }
    let mut provincial_pages = Vec::new();
    for local in &locals {
        for period in &periods {
            provincial_pages.push((local, format!("/stats?{period}")));
        }
    }
    println!(
        "Statistics benchmark on the {}: {requests} requests of each kind after {WARM_UP} warm-up requests, one at a time, in process, going round {} pages of the nation, {} of the regions and {} of the provinces ({} provinces, each as its own people see it), over {} periods of {year} and {}.",
        opened.describe(),
        nation_pages.len(),
        region_pages.len(),
        provincial_pages.len(),
        provinces.len(),
        periods.len(),
        year - 1
    );
    let rows = [
        (
            format!("GET /stats?territory=MA (nation; {year})"),
            time(&router, &nation_pages, requests).await?,
            NATIONAL_TARGET_MS,
        ),
        (
            format!("GET /stats?territory=REGION ({year})"),
            time(&router, &region_pages, requests).await?,
            NATIONAL_TARGET_MS,
        ),
        (
            format!("GET /stats (provinces as their own; {year})"),
            time(&router, &provincial_pages, requests).await?,
            PROVINCIAL_TARGET_MS,
        ),
    ];
    let (provincial, national_report, submitted) =
        annual_reports(opened, &router, year, &province).await?;
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
    println!(
        "Annual report {year} of {province} drafted in {:.0} ms; the national annual report, consolidating the {submitted} submitted provincial reports, in {:.0} ms (target < 5000 ms: {}).",
        provincial.as_secs_f64() * 1000.0,
        national_report.as_secs_f64() * 1000.0,
        if national_report.as_secs_f64() < 5.0 {
            "met"
        } else {
            "MISSED"
        }
    );
    Ok(())
}

/// Each province with figures drafts, approves and submits its annual report (as its
/// information officer and a committee member), then the ministry drafts the national
/// one: the times of the busiest province's draft and of the national draft.
async fn annual_reports(
    opened: &Opened,
    router: &Router,
    year: i16,
    busiest: &str,
) -> anyhow::Result<(Duration, Duration, usize)> {
    let now_ms = opened.clock.now().as_millisecond();
    let body = |territory: &str, kind: &str| serde_json::json!({"kind": kind, "territory": territory, "from": format!("{year}-01"), "to": format!("{year}-12")});
    let mut busiest_draft = Duration::ZERO;
    let mut submitted = 0;
    for province in opened.store.statistics_territories().await? {
        let officer = sign_in_as(
            &opened.store,
            now_ms,
            Some(&province),
            Role::InformationOfficer,
        )
        .await?;
        let member = sign_in_as(
            &opened.store,
            now_ms,
            Some(&province),
            Role::CommitteeMember,
        )
        .await?;
        let request = officer.post_json("/api/v1/periodic-reports", &body(&province, "annual"))?;
        let (elapsed, answer) = send(router, request, StatusCode::CREATED).await?;
        if province == busiest {
            busiest_draft = elapsed;
        }
        let answer: serde_json::Value = serde_json::from_slice(&answer)?;
        let id = answer["id"]
            .as_str()
            .ok_or_else(|| anyhow!("a report without an id"))?;
        let approve = member.post_json(
            &format!("/api/v1/periodic-reports/{id}/approve"),
            &serde_json::json!({}),
        )?;
        send(router, approve, StatusCode::OK).await?;
        let submit = officer.post_json(
            &format!("/api/v1/periodic-reports/{id}/submit"),
            &serde_json::json!({}),
        )?;
        send(router, submit, StatusCode::OK).await?;
        submitted += 1;
    }
    let analyst = sign_in_as(&opened.store, now_ms, None, Role::NationalAnalyst).await?;
    let request = analyst.post_json("/api/v1/periodic-reports", &body(NATION, "national"))?;
    let (national, _) = send(router, request, StatusCode::CREATED).await?;
    Ok((busiest_draft, national, submitted))
}

/// The periods a dashboard is read for: the last full year, its halves and quarters, and
/// the two years before it.
fn periods(year: i16) -> Vec<String> {
    let mut periods = vec![format!("from={year}-01&to={year}-12")];
    for (from, to) in [(1, 6), (7, 12), (1, 3), (4, 6), (7, 9), (10, 12)] {
        periods.push(format!("from={year}-{from:02}&to={year}-{to:02}"));
    }
    periods.push(format!("from={}-01&to={year}-12", year - 1));
    periods
}

/// Times `requests` pages, going round `pages` in order after the warm-up.
async fn time(
    router: &Router,
    pages: &[(&crate::bench::BenchSession, String)],
    requests: u64,
) -> anyhow::Result<Vec<Duration>> {
    let mut timings = Vec::new();
    for (i, (session, path)) in pages
        .iter()
        .cycle()
        .take((WARM_UP + requests) as usize)
        .enumerate()
    {
        let (elapsed, _) = send(router, session.get(path)?, StatusCode::OK).await?;
        if i as u64 >= WARM_UP {
            timings.push(elapsed);
        }
    }
    Ok(timings)
}
