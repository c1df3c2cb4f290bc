//! `awladna bench --stats`: the speed targets of issue 6 on a demo database — the
//! national dashboard (under 1 s at the 95th percentile) and a provincial one (under
//! 200 ms), each rendered whole through the router as a browser would get it, for the
//! last full calendar year — and the annual national report (under 5 s): every province
//! with figures drafts, approves and submits its annual report, then the ministry drafts
//! the national one. It signs its users in directly (organisations `bench-national`,
//! `bench-{province}`) and leaves the reports in the database: run it on demo data only.

use crate::bench::{Stats, WARM_UP, send, sign_in_as};
use crate::database::Opened;
use anyhow::anyhow;
use awladna_domain::access::Role;
use awladna_domain::stats::NATION;
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
