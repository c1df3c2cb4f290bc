//! `awladna bench`: the speed targets of issue 4, measured on a real database.
//!
//! It opens the database as `serve` does and builds the same router, signs a benchmark
//! case worker in directly through the store (an organisation in the province with the
//! most cases, a user, a session, each audited), then sends requests one after another
//! through the router in process (no network, no TLS): the province's case list at
//! random pages, unfiltered and with each kind of filter, name searches drawn from the
//! demo's name lists, and complete reporting cards recorded. It prints min, median, p95
//! and max for each kind.
//!
//! It changes the database: a `bench-{province}` organisation, one user per run, the
//! cards it records, and what demo data may lack for the "my cases" and "overdue"
//! filters: a sample of the province's open cases followed by this run's user, and plan
//! actions on another sample when the province has none. Run it on demo data, never on
//! a production database.

use crate::database::{DatabaseArgs, Opened, open};
use crate::demo::NameLists;
use anyhow::{Context, anyhow, bail};
use awladna_crypto::{hash_token, new_token};
use awladna_domain::access::Role;
use awladna_store::Store;
use awladna_store::audit::AuditEntry;
use awladna_store::bulk::{BulkAssignment, BulkBatch, BulkPlanAction};
use awladna_store::identity::Organisation;
use awladna_store::keys::sealed_aad;
use awladna_web::{AppState, Settings};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use clap::Args;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use tower::ServiceExt;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// How many requests of each kind to time (after a few untimed warm-up requests).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub requests: u64,
    /// Time only the statistics: the national and a provincial dashboard (issue 6).
    #[arg(long)]
    pub stats: bool,
    /// Search at most this many children of the province by their own name for the
    /// recall line (default: every child of the province).
    #[arg(long)]
    pub recall_limit: Option<usize>,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

const BENCH_ACTOR: &str = "system:bench";
/// Untimed requests of each kind first: they fill the caches a running server has warm.
pub(crate) const WARM_UP: u64 = 10;
/// The case list's default page size.
const PER_PAGE: i64 = 25;
/// The same seed gives the same pages, names and cards.
const SEED: u64 = 1;
const MAX_BODY: usize = 16 * 1024 * 1024;
/// A recall search reads at most this many pages to find a child in the answer.
const RECALL_MAX_PAGES: i64 = 50;
/// Children's rows read at a time for the recall line.
const RECALL_CHUNK: usize = 500;
/// The case list's filters timed, one of each kind: none, the child's sex and age band
/// (columns of the case), stage and risk, a concern (a table beside the case), alone
/// and with a column of the case, the user's own cases, overdue plan actions (another
/// table, against the clock).
const LIST_FILTERS: [&str; 7] = [
    "",
    "sex=female&age_band=12-14",
    "stage=care&risk=high",
    "concern=neglect",
    "concern=neglect&sex=female",
    "mine=true",
    "overdue=true",
];
/// Open cases of the province the benchmark user follows, and open cases given plan
/// actions (due from 60 days ago to 60 days ahead: about half of them overdue).
const FOLLOWED: i64 = 1_000;
const PLANNED: i64 = 2_000;
const PLAN_SPREAD_MS: i64 = 60 * 24 * 3_600_000;
/// The targets of issue 4, at the 95th percentile.
const LIST_TARGET_MS: f64 = 50.0;
const SEARCH_TARGET_MS: f64 = 50.0;
const RECORD_TARGET_MS: f64 = 5.0;

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let opened = open(&args.database).await?;
    if args.stats {
        return crate::bench_stats::run(&opened, args.requests).await;
    }
    let (territory, cases) = busiest_province(&opened.store).await?.ok_or_else(|| {
        anyhow!(
            "the database has no case to list; fill it first, e.g. `awladna demo --children 1000000 --seed 1`"
        )
    })?;
    let session = sign_in(
        &opened.store,
        opened.clock.now().as_millisecond(),
        &territory,
    )
    .await?;
    let state = AppState::new(
        opened.store.clone(),
        opened.reference.clone(),
        opened.clock.clone(),
        opened.keyring.clone(),
        Settings::default(),
    );
    let router = awladna_web::router(state);
    let names = NameLists::new()?;
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    prepare_filters(&opened, &session, &territory, &mut rng).await?;
    let pages = pages_of(cases);
    println!(
        "Benchmark on the {}: province {territory} ({cases} cases, {pages} pages of {PER_PAGE}), \
         {} requests of each kind after {WARM_UP} warm-up requests, one at a time, in process.",
        opened.describe(),
        args.requests
    );

    let total = WARM_UP + args.requests;
    let mut lists = Vec::new();
    for filter in LIST_FILTERS {
        lists.push(time_list(&router, &session, &mut rng, filter, total).await?);
    }

    let mut search = Vec::new();
    let mut found = Vec::new();
    for i in 0..total {
        let sex = if rng.random_bool(0.5) {
            "female"
        } else {
            "male"
        };
        let names = names.person(&mut rng, sex).spelled();
        let query = format!("{} {}", names.first, names.last);
        let request = session.get(&format!("/api/v1/children?q={}", url_encode(&query)))?;
        let (elapsed, body) = send(&router, request, StatusCode::OK).await?;
        if i >= WARM_UP {
            search.push(elapsed);
            let answer: Value = serde_json::from_slice(&body).context("a search answer")?;
            found.push(answer.as_array().map_or(0, Vec::len));
        }
    }

    let recalled = recall(&opened, &router, &session, &territory, args.recall_limit).await?;

    let mut record = Vec::new();
    let received_at = opened.clock.now().as_second() - 3600;
    let received_at = jiff::Timestamp::from_second(received_at)?.to_string();
    let commune = opened
        .reference
        .communes_of(&territory)
        .next()
        .map(|c| c.hcp_code.clone());
    for i in 0..total {
        let card = complete_card(
            &names,
            &mut rng,
            &territory,
            commune.as_deref(),
            &received_at,
        );
        let request = session.post_json("/api/v1/reports", &card)?;
        let (elapsed, _) = send(&router, request, StatusCode::CREATED).await?;
        if i >= WARM_UP {
            record.push(elapsed);
        }
    }
    session
        .sign_out(&opened.store, opened.clock.now().as_millisecond())
        .await?;

    println!();
    println!(
        "{:<48} {:>8} {:>8} {:>8} {:>8}   target (p95)",
        "request (ms)", "min", "median", "p95", "max"
    );
    let mut rows: Vec<(String, Vec<Duration>, f64)> = lists
        .into_iter()
        .map(|((filter, matched), timings)| {
            let what = match filter {
                "" => "GET /api/v1/cases?page=K".to_owned(),
                _ => format!("  ?{filter} ({matched})"),
            };
            (what, timings, LIST_TARGET_MS)
        })
        .collect();
    rows.push((
        "GET /api/v1/children?q=NAME".to_owned(),
        search,
        SEARCH_TARGET_MS,
    ));
    rows.push((
        "POST /api/v1/reports (complete card)".to_owned(),
        record,
        RECORD_TARGET_MS,
    ));
    rows.push((
        "  recall: ?q=OWN NAME (first page)".to_owned(),
        recalled.first_pages.clone(),
        SEARCH_TARGET_MS,
    ));
    rows.push((
        "  recall: ?q=OWN NAME&birth_year=YEAR".to_owned(),
        recalled.with_year.clone(),
        SEARCH_TARGET_MS,
    ));
    let mut missed = 0;
    for (what, timings, target) in rows {
        let s = Stats::of(timings);
        let met = s.p95 < target;
        missed += usize::from(!met);
        println!(
            "{what:<48} {:>8.2} {:>8.2} {:>8.2} {:>8.2}   < {target} ms: {}",
            s.min,
            s.median,
            s.p95,
            s.max,
            if met { "met" } else { "MISSED" }
        );
    }
    let searches = found.len().max(1) as f64;
    let empty = found.iter().filter(|n| **n == 0).count() as f64;
    println!(
        "Name searches answered {:.1} children on average; {:.0}% answered none.",
        found.iter().sum::<usize>() as f64 / searches,
        100.0 * empty / searches
    );
    for (who, tally) in [
        ("Children".to_owned(), &recalled.all),
        (
            format!("Children first-named {}", recalled.most_common_name),
            &recalled.most_common,
        ),
    ] {
        println!(
            "Recall: {who} of {territory} searched by the name their identity records: {} searched, \
             {} found in the answer ({} on its first page; at most page {} needed; the largest \
             answer matched {} children by the full name), {} on the first page once their birth \
             year is given.",
            tally.searched,
            tally.in_answer,
            tally.first_page,
            tally.worst_page,
            tally.largest,
            tally.first_page_with_year
        );
    }
    println!(
        "Recorded {total} reporting cards in {territory} as a benchmark user of bench-{territory}."
    );
    opened.store.close().await;
    if missed > 0 {
        println!("{missed} target(s) missed.");
    }
    Ok(())
}

fn pages_of(cases: i64) -> i64 {
    ((cases + PER_PAGE - 1) / PER_PAGE).max(1)
}

/// Times `total` requests of the case list with `filter`, at pages drawn among those the
/// filter fills (read first, untimed), the first `WARM_UP` untimed; and how many cases
/// the filter matched.
async fn time_list(
    router: &Router,
    session: &BenchSession,
    rng: &mut ChaCha8Rng,
    filter: &'static str,
    total: u64,
) -> anyhow::Result<((&'static str, i64), Vec<Duration>)> {
    let path = |page: i64| match filter {
        "" => format!("/api/v1/cases?page={page}"),
        _ => format!("/api/v1/cases?{filter}&page={page}"),
    };
    let (_, body) = send(router, session.get(&path(1))?, StatusCode::OK).await?;
    let first: Value = serde_json::from_slice(&body).context("a case list")?;
    let matched = first["total"].as_i64().unwrap_or(0);
    let pages = pages_of(matched);
    let mut timings = Vec::new();
    for i in 0..total {
        let request = session.get(&path(rng.random_range(1..=pages)))?;
        let (elapsed, _) = send(router, request, StatusCode::OK).await?;
        if i >= WARM_UP {
            timings.push(elapsed);
        }
    }
    Ok(((filter, matched), timings))
}

/// What the "my cases" and "overdue" filters need and demo data may lack: this run's
/// user follows a sample of the province's open cases, and, when the province has no
/// plan action at all, another sample gets one each, sealed like any plan, with
/// deadlines around now. Written like the demo writes, in one transaction of its own,
/// with samples drawn on the random bytes of the case ids (spread over time).
async fn prepare_filters(
    opened: &Opened,
    session: &BenchSession,
    territory: &str,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<()> {
    let store = &opened.store;
    let followed = store.sample_open_cases(territory, FOLLOWED, 0).await?;
    let mut batch = BulkBatch {
        assignments: followed
            .into_iter()
            .map(|case_id| BulkAssignment {
                case_id,
                user_id: session.user_id.clone(),
            })
            .collect(),
        ..BulkBatch::default()
    };
    if !store.has_plan_actions(territory).await? {
        let now = opened.clock.now().as_millisecond();
        for case_id in store
            .sample_open_cases(territory, PLANNED, FOLLOWED)
            .await?
        {
            let id = uuid::Uuid::now_v7().to_string();
            let plan = json!({"goal": "Benchmark", "action": "Benchmark"});
            let sealed = opened
                .keyring
                .seal_json(&plan, &sealed_aad("plan_actions", "sealed", &id))
                .map_err(|e| anyhow!("cannot seal a plan action: {e}"))?;
            let status = ["planned", "planned", "in_progress", "done"][rng.random_range(0..4)];
            let due_at = now + rng.random_range(-PLAN_SPREAD_MS..PLAN_SPREAD_MS);
            batch.plan_actions.push(BulkPlanAction {
                id,
                case_id,
                territory: territory.to_owned(),
                sealed,
                responsible_sector: "health".to_owned(),
                responsible_org: None,
                due_at,
                status: status.to_owned(),
                origin: "plan".to_owned(),
                created_by: BENCH_ACTOR.to_owned(),
                created_at: now,
                updated_at: now,
                version: 1,
            });
        }
    }
    store.bulk_writer().await?.write(&batch).await?;
    Ok(())
}

/// Searches children of the province by the first and family name their identity
/// records, as a case worker would type them: every child (or the first `limit`), the
/// most common first name (Mohamed) included. For each, the pages of the answer are
/// read until the child is found, then the first page once the birth year their row
/// records is given. It checks that search finds who it should; the first page of each
/// is timed.
async fn recall(
    opened: &Opened,
    router: &Router,
    session: &BenchSession,
    territory: &str,
    limit: Option<usize>,
) -> anyhow::Result<Recall> {
    let mut ids = opened
        .store
        .children_of(territory)
        .await
        .context("cannot list the province's children")?;
    ids.truncate(limit.unwrap_or(usize::MAX));
    let most_common = crate::demo::names::BOYS
        .iter()
        .max_by_key(|name| name.weight)
        .map_or("", |name| name.latin);
    let mut recall = Recall {
        most_common_name: most_common,
        ..Recall::default()
    };
    for chunk in ids.chunks(RECALL_CHUNK) {
        for child in opened.store.children(chunk).await? {
            let Some(sealed) = child.identity.as_deref() else {
                continue;
            };
            let identity = opened
                .keyring
                .open_json(sealed, &sealed_aad("children", "identity", &child.id))
                .map_err(|e| anyhow!("cannot open a child's identity: {e}"))?;
            let part = |key: &str| identity.get(key).and_then(Value::as_str).unwrap_or("");
            let (first, last) = (part("first_name"), part("last_name"));
            let q = format!("q={}", url_encode(&format!("{first} {last}")));
            let mut page = 1;
            let mut found = None;
            let mut largest = 0;
            loop {
                let path = format!("/api/v1/children?{q}&page={page}");
                let answer = search(router, session, &path).await?;
                if page == 1 {
                    recall.first_pages.push(answer.elapsed);
                    largest = answer.matched;
                }
                if answer.ids.contains(&child.id) {
                    found = Some(page);
                    break;
                }
                if page >= answer.pages || page >= RECALL_MAX_PAGES {
                    break;
                }
                page += 1;
            }
            let with_year = match child.birth_year {
                Some(year) => {
                    let path = format!("/api/v1/children?{q}&birth_year={year}");
                    let answer = search(router, session, &path).await?;
                    recall.with_year.push(answer.elapsed);
                    answer.ids.contains(&child.id)
                }
                None => found == Some(1),
            };
            let mut tallies = vec![&mut recall.all];
            if first == most_common {
                tallies.push(&mut recall.most_common);
            }
            for tally in tallies {
                tally.searched += 1;
                tally.in_answer += u64::from(found.is_some());
                tally.first_page += u64::from(found == Some(1));
                tally.worst_page = tally.worst_page.max(found.unwrap_or(0));
                tally.largest = tally.largest.max(largest);
                tally.first_page_with_year += u64::from(with_year);
            }
        }
    }
    Ok(recall)
}

/// A page of a name search as the API answered it.
struct SearchAnswer {
    elapsed: Duration,
    ids: Vec<String>,
    pages: i64,
    matched: i64,
}

async fn search(
    router: &Router,
    session: &BenchSession,
    path: &str,
) -> anyhow::Result<SearchAnswer> {
    let (elapsed, headers, body) = send_full(router, session.get(path)?, StatusCode::OK).await?;
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let answer: Value = serde_json::from_slice(&body).context("a search answer")?;
    let ids = answer
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|c| c["child_id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Ok(SearchAnswer {
        elapsed,
        ids,
        pages: header("x-pages"),
        matched: header("x-match-count"),
    })
}

/// What the recall searches found, for every child searched and for those with the
/// most common first name; and the time of each first page.
#[derive(Default)]
struct Recall {
    all: Tally,
    most_common: Tally,
    most_common_name: &'static str,
    first_pages: Vec<Duration>,
    with_year: Vec<Duration>,
}

#[derive(Default)]
struct Tally {
    searched: u64,
    in_answer: u64,
    first_page: u64,
    worst_page: i64,
    largest: i64,
    first_page_with_year: u64,
}

/// The province with the most cases, and how many.
async fn busiest_province(store: &Store) -> anyhow::Result<Option<(String, i64)>> {
    store
        .busiest_province()
        .await
        .context("cannot count the cases by province")
}

/// A signed-in benchmark case worker: the session cookie and its CSRF token.
pub(crate) struct BenchSession {
    token: String,
    csrf: String,
    user_id: String,
    territory: String,
}

fn entry(at_ms: i64, action: &str, kind: &str, id: &str, territory: &str) -> AuditEntry {
    AuditEntry {
        at_ms,
        actor: Some(BENCH_ACTOR.to_owned()),
        action: action.to_owned(),
        record_kind: Some(kind.to_owned()),
        record_id: Some(id.to_owned()),
        territory: Some(territory.to_owned()),
        origin: None,
        detail: json!({}),
    }
}

/// Creates (once) an organisation `bench-{territory}` and, each time, a case worker of it
/// with a session past its second factor, as if she had just signed in.
pub(crate) async fn sign_in(
    store: &Store,
    now_ms: i64,
    territory: &str,
) -> anyhow::Result<BenchSession> {
    sign_in_as(store, now_ms, Some(territory), Role::CaseWorker).await
}

/// Like `sign_in`, with a role; a national body (`bench-national`) when `territory` is
/// `None`.
pub(crate) async fn sign_in_as(
    store: &Store,
    now_ms: i64,
    territory: Option<&str>,
    role: Role,
) -> anyhow::Result<BenchSession> {
    let org = format!("bench-{}", territory.unwrap_or("national"));
    let audit_territory = territory.unwrap_or(awladna_domain::stats::NATION);
    let exists = store.organisation(&org).await?.is_some();
    let user_id = uuid::Uuid::now_v7().to_string();
    let username = format!("bench-{}", uuid::Uuid::now_v7().simple());
    let token = new_token("awl_s_");
    let csrf = new_token("csrf_");
    let mut tx = store.begin().await?;
    if !exists {
        let organisation = Organisation {
            code: org.clone(),
            sector: "family_solidarity".to_owned(),
            territory: territory.map(str::to_owned),
            name: format!("Benchmark ({})", territory.unwrap_or("national")),
        };
        tx.add_organisation(&organisation, now_ms).await?;
        tx.audit(entry(
            now_ms,
            "organisation.added",
            "organisation",
            &org,
            audit_territory,
        ))
        .await?;
    }
    let roles = BTreeSet::from([role]);
    tx.add_user(&user_id, &username, &org, &roles, None, now_ms)
        .await?;
    tx.audit(entry(
        now_ms,
        "user.added",
        "user",
        &user_id,
        audit_territory,
    ))
    .await?;
    tx.create_session(&hash_token(&token), &user_id, &csrf, true, now_ms)
        .await?;
    tx.audit(entry(now_ms, "login", "user", &user_id, audit_territory))
        .await?;
    tx.commit().await?;
    Ok(BenchSession {
        token,
        csrf,
        user_id,
        territory: audit_territory.to_owned(),
    })
}

impl BenchSession {
    fn cookie(&self) -> String {
        format!("awladna_session={}", self.token)
    }

    pub(crate) fn get(&self, path: &str) -> anyhow::Result<Request<Body>> {
        Ok(Request::builder()
            .method(Method::GET)
            .uri(path)
            .header("cookie", self.cookie())
            .body(Body::empty())?)
    }

    pub(crate) fn post_json(&self, path: &str, body: &Value) -> anyhow::Result<Request<Body>> {
        Ok(Request::builder()
            .method(Method::POST)
            .uri(path)
            .header("cookie", self.cookie())
            .header("x-csrf-token", &self.csrf)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))?)
    }

    async fn sign_out(&self, store: &Store, now_ms: i64) -> anyhow::Result<()> {
        let mut tx = store.begin().await?;
        tx.end_session(&hash_token(&self.token)).await?;
        tx.audit(entry(
            now_ms,
            "logout",
            "user",
            &self.user_id,
            &self.territory,
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Sends one request and reads the whole answer; the time is the router's, body included.
pub(crate) async fn send(
    router: &Router,
    request: Request<Body>,
    expected: StatusCode,
) -> anyhow::Result<(Duration, Bytes)> {
    let (elapsed, _, body) = send_full(router, request, expected).await?;
    Ok((elapsed, body))
}

/// [`send`], with the answer's headers.
async fn send_full(
    router: &Router,
    request: Request<Body>,
    expected: StatusCode,
) -> anyhow::Result<(Duration, HeaderMap, Bytes)> {
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = router.clone().oneshot(request).await?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), MAX_BODY).await?;
    let elapsed = started.elapsed();
    if status != expected {
        // Error answers carry a code and a message, never personal data.
        let text = String::from_utf8_lossy(&body);
        bail!(
            "{path} answered {status}, not {expected}: {}",
            text.chars().take(300).collect::<String>()
        );
    }
    Ok((elapsed, headers, body))
}

/// A complete reporting card, every field filled as a support centre would.
fn complete_card(
    names: &NameLists,
    rng: &mut ChaCha8Rng,
    territory: &str,
    commune: Option<&str>,
    received_at: &str,
) -> Value {
    let female = rng.random_bool(0.5);
    let sex = if female { "female" } else { "male" };
    let child = names.person(rng, sex).spelled();
    let author = names.person(rng, "male").spelled();
    let reporter = names.person(rng, "female").spelled();
    let year = 2010 + rng.random_range(0..14);
    let birth_date = format!(
        "{year}-{:02}-{:02}",
        rng.random_range(1..=12),
        rng.random_range(1..=28)
    );
    let concerns = if female {
        json!(["sexual_violence", "psychological_violence"])
    } else {
        json!(["physical_violence", "neglect"])
    };
    let mut card = json!({
        "source": "line_2511",
        "received_at": received_at,
        "territory": territory,
        "reporter.name": format!("{} {}", reporter.first, reporter.last),
        "reporter.phone": format!("06{:08}", rng.random_range(0..100_000_000)),
        "child.first_name": child.first,
        "child.last_name": child.last,
        "child.sex": sex,
        "child.birth_date": birth_date,
        "child.mother_name": child.mother.unwrap_or_else(|| format!("{} {}", reporter.first, child.last)),
        "child.address": format!("Hay Essalam, rue {}, n° {}", rng.random_range(1..80), rng.random_range(1..200)),
        "concerns": concerns,
        "target_groups": ["poor_family"],
        "urgency": "high",
        "author.relation": "neighbour",
        "author.name": format!("{} {}", author.first, author.last),
        "narrative": "Appel reçu sur la ligne 2511. L'enfant a été vu par l'assistante sociale du \
                      centre, qui a relevé des signes de violence et un décrochage scolaire depuis \
                      la rentrée. La mère a été contactée ; une visite à domicile est prévue cette \
                      semaine et une orientation vers le centre de santé a été demandée.",
    });
    if let (Some(commune), Some(map)) = (commune, card.as_object_mut()) {
        map.insert("commune".into(), commune.into());
    }
    card
}

/// Percent-encodes a query value (names in Arabic script, spaces).
pub(crate) fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Min, median, p95 and max in milliseconds (percentiles by nearest rank).
pub(crate) struct Stats {
    pub(crate) min: f64,
    pub(crate) median: f64,
    pub(crate) p95: f64,
    pub(crate) max: f64,
}

impl Stats {
    pub(crate) fn of(mut timings: Vec<Duration>) -> Stats {
        timings.sort();
        let ms = |d: Option<&Duration>| d.map_or(0.0, |d| d.as_secs_f64() * 1000.0);
        let rank = |p: f64| {
            let n = timings.len() as f64;
            ((p * n).ceil() as usize).saturating_sub(1)
        };
        Stats {
            min: ms(timings.first()),
            median: ms(timings.get(rank(0.5))),
            p95: ms(timings.get(rank(0.95))),
            max: ms(timings.last()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let timings = (1..=200).map(Duration::from_millis).collect();
        let s = Stats::of(timings);
        assert_eq!((s.min, s.median, s.p95, s.max), (1.0, 100.0, 190.0, 200.0));
    }

    #[test]
    fn queries_are_encoded() {
        assert_eq!(url_encode("Ben Ali"), "Ben%20Ali");
        assert_eq!(url_encode("علي"), "%D8%B9%D9%84%D9%8A");
    }
}
