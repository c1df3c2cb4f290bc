//! Statistics from known data: six reports in Salé and Kénitra (two about the same
//! child), five cases, moves, a closure and two linking cards, all through the API on
//! the test clock. The cells the transactions wrote hold the hand-computed numbers; a
//! full rebuild gives exactly the same cells; SQLite and PostgreSQL give the same cells.

use crate::support::{Backend, Signed, TestApp, linking_card, on_each_backend, postgres_or_skip};
use awladna_domain::access::Role;
use awladna_store::stats::CellQuery;
use axum::http::StatusCode;
use serde_json::{Value, json};
use sqlx::Row;
use std::collections::BTreeMap;

const REGION: &str = "rabat-sale-kenitra";

/// A case worker of `org` signed in now (sessions end after 30 idle minutes, and the
/// scenario moves the clock by hours).
async fn worker<'a>(app: &'a TestApp, org: &str, role: Role) -> Signed<'a> {
    app.signed_in(&format!("{org}-{}", app.now_ms()), org, &[role])
        .await
}

fn advance(app: &TestApp, minutes: i64) {
    app.clock.advance(jiff::SignedDuration::from_mins(minutes));
}

#[allow(clippy::too_many_arguments)]
fn report(
    territory: &str,
    received_at: &str,
    source: &str,
    sex: &str,
    age: i64,
    concerns: &[&str],
    urgency: &str,
    commune: Option<&str>,
) -> Value {
    let mut body = json!({
        "source": source, "received_at": received_at, "territory": territory,
        "child": {"sex": sex, "age_years": age}, "concerns": concerns, "urgency": urgency
    });
    if let Some(commune) = commune {
        body["commune"] = json!(commune);
    }
    body
}

/// What the scenario made, for the assertions.
struct Made {
    /// The risk level the evaluation of the first case found.
    risk: String,
    /// Detection cases in Salé just before and just after the first case moved on.
    detection_before: i64,
    detection_after: i64,
}

/// Salé's urban commune (Salé) and Kénitra's urban (Kénitra) and rural (Haddada) ones.
const SALE_URBAN: &str = "04.441.01.0";
const KENITRA_URBAN: &str = "04.281.01.01";
const KENITRA_RURAL: &str = "04.281.03.05";

/// The known data. The clock starts on 2026-11-23 at 10:00 UTC (11:00 in Morocco):
/// every case opens in November 2026.
async fn scenario(app: &TestApp) -> Made {
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("sale-hospital", "health", Some("sale"))
        .await;
    app.organisation("sale-school", "education", Some("sale"))
        .await;
    app.organisation("kenitra-centre", "family_solidarity", Some("kenitra"))
        .await;
    let sale = worker(app, "sale-centre", Role::CaseWorker).await;
    let kenitra = worker(app, "kenitra-centre", Role::CaseWorker).await;

    // R1, R2: one girl of 9 in Salé, reported twice in October.
    let r1 = sale
        .record_report(&{
            let mut r = report(
                "sale",
                "2026-10-05T10:00:00Z",
                "school",
                "female",
                9,
                &["physical_violence", "neglect"],
                "high",
                Some(SALE_URBAN),
            );
            r["target_groups"] = json!(["out_of_school"]);
            r
        })
        .await;
    let r2 = sale
        .record_report(&report(
            "sale",
            "2026-10-20T10:00:00Z",
            "family",
            "female",
            9,
            &["physical_violence"],
            "low",
            Some(SALE_URBAN),
        ))
        .await;
    // R3: a boy of 16 in Salé in November, no commune given.
    let r3 = sale
        .record_report(&report(
            "sale",
            "2026-11-02T10:00:00Z",
            "police",
            "male",
            16,
            &["child_labour"],
            "immediate",
            None,
        ))
        .await;
    // R4: a boy of 4 in rural Kénitra in October.
    let r4 = kenitra
        .record_report(&report(
            "kenitra",
            "2026-10-10T10:00:00Z",
            "school",
            "male",
            4,
            &["neglect"],
            "high",
            Some(KENITRA_RURAL),
        ))
        .await;
    // R5: 31 October 23:30 UTC is already 1 November in Morocco (UTC+1): November.
    let r5 = kenitra
        .record_report(&report(
            "kenitra",
            "2026-10-31T23:30:00Z",
            "line_2511",
            "female",
            13,
            &["sexual_violence"],
            "immediate",
            Some(KENITRA_URBAN),
        ))
        .await;
    // R6: never triaged: a report, not a child.
    kenitra
        .record_report(&report(
            "kenitra",
            "2026-11-15T09:00:00Z",
            "health_facility",
            "female",
            13,
            &["sexual_violence", "psychological_violence"],
            "high",
            Some(KENITRA_RURAL),
        ))
        .await;

    let first = sale.triage(&r1, None).await;
    let case1 = first["case_id"].as_str().expect("case").to_owned();
    let girl = first["child_id"].as_str().expect("child").to_owned();
    let again = sale.triage(&r2, Some(&girl)).await;
    assert_eq!(again["child_id"], girl.as_str());
    let case3 = sale.triage(&r3, None).await["case_id"]
        .as_str()
        .expect("case")
        .to_owned();
    let case4 = kenitra.triage(&r4, None).await["case_id"]
        .as_str()
        .expect("case")
        .to_owned();
    kenitra.triage(&r5, None).await;

    let evaluated = sale
        .post(
            &format!("/api/v1/cases/{case1}/evaluations"),
            &crate::cases::evaluation(&["health.psychological_distress"]),
        )
        .await;
    assert_eq!(evaluated.status, StatusCode::CREATED, "{}", evaluated.body);
    let risk = evaluated.json()["level"]
        .as_str()
        .expect("level")
        .to_owned();

    // +2 h: Kénitra's boy goes to the initial diagnosis.
    advance(app, 120);
    let kenitra = worker(app, "kenitra-centre", Role::CaseWorker).await;
    let moved = kenitra.move_case(&case4, "initial_diagnosis", None).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);

    // +5 h: the girl's first case gets immediate assistance, and two linking cards.
    advance(app, 180);
    let detection_before = detection_in_sale(app).await;
    let sale = worker(app, "sale-centre", Role::CaseWorker).await;
    let moved = sale.move_case(&case1, "immediate_assistance", None).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let detection_after = detection_in_sale(app).await;
    let to_hospital = sale
        .send_referral(&case1, &linking_card("sale-hospital", &["identity"]))
        .await;
    sale.send_referral(&case1, &linking_card("sale-school", &[]))
        .await;

    // +6 h: the hospital opens its card; +7 h: the boy's case in Salé is closed.
    advance(app, 60);
    let doctor = worker(app, "sale-hospital", Role::FocalPoint).await;
    let opened = doctor
        .get(&format!("/api/v1/referrals/{to_hospital}"))
        .await;
    assert_eq!(opened.json()["status"], "received", "{}", opened.body);
    advance(app, 60);
    let sale = worker(app, "sale-centre", Role::CaseWorker).await;
    let closed = sale.move_case(&case3, "closed", Some("transferred")).await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);

    // +8 h 30: the hospital accepts, 3 h 30 after it was sent: 4 whole hours (late).
    advance(app, 90);
    let doctor = worker(app, "sale-hospital", Role::FocalPoint).await;
    let accepted = doctor
        .post(
            &format!("/api/v1/referrals/{to_hospital}/accept"),
            &json!({}),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);

    // +9 h: the girl's case goes on to the initial diagnosis, after 4 h of assistance.
    advance(app, 30);
    let sale = worker(app, "sale-centre", Role::CaseWorker).await;
    let moved = sale.move_case(&case1, "initial_diagnosis", None).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);

    Made {
        risk,
        detection_before,
        detection_after,
    }
}

async fn detection_in_sale(app: &TestApp) -> i64 {
    cells(app, "cases", "stage", &["sale"], "2026-11", "2026-11")
        .await
        .get("detection")
        .copied()
        .unwrap_or(0)
}

/// The cells of one measure along one dimension, summed over the territories and
/// months asked for, by code.
async fn cells(
    app: &TestApp,
    measure: &str,
    dim: &str,
    territories: &[&str],
    from: &str,
    to: &str,
) -> BTreeMap<String, i64> {
    let territories: Vec<String> = territories.iter().map(|t| (*t).to_owned()).collect();
    let rows = app
        .store
        .cells(&CellQuery {
            measure,
            dim,
            territories: &territories,
            from,
            to,
        })
        .await
        .expect("read cells");
    let mut by_code = BTreeMap::new();
    for row in rows {
        *by_code.entry(row.code).or_insert(0) += row.n;
    }
    by_code
}

/// The total of one measure in one territory and month (or period).
async fn total(app: &TestApp, measure: &str, territory: &str, month: &str) -> i64 {
    cells(app, measure, "", &[territory], month, month)
        .await
        .get("")
        .copied()
        .unwrap_or(0)
}

fn counts(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
    pairs.iter().map(|(c, n)| ((*c).to_owned(), *n)).collect()
}

pub(crate) type CellTuple = (String, String, String, String, String, i64);

/// Every cell that counts something (a cell that fell back to zero stays as a zero
/// row; it says nothing), in one order on both databases.
pub(crate) async fn all_cells(app: &TestApp) -> Vec<CellTuple> {
    let rows = sqlx::query(
        "SELECT measure, dim, month, territory_code, code, n FROM stat_cells WHERE n <> 0
         ORDER BY measure, dim, month, territory_code, code",
    )
    .fetch_all(app.store.pool_for_tests())
    .await
    .expect("read stat_cells");
    let mut all: Vec<CellTuple> = rows
        .iter()
        .map(|r| {
            (
                r.get("measure"),
                r.get("dim"),
                r.get("month"),
                r.get("territory_code"),
                r.get("code"),
                r.get("n"),
            )
        })
        .collect();
    // Collations differ between the databases: compare in byte order.
    all.sort();
    all
}

/// The scenario's cells, counted by hand.
async fn assert_the_hand_computed_numbers(app: &TestApp, made: &Made) {
    // Reports: by province and month (received, in Moroccan time).
    assert_eq!(total(app, "reports", "sale", "2026-10").await, 2);
    assert_eq!(total(app, "reports", "sale", "2026-11").await, 1);
    assert_eq!(total(app, "reports", "kenitra", "2026-10").await, 1);
    assert_eq!(
        total(app, "reports", "kenitra", "2026-11").await,
        2,
        "31 October 23:30 UTC is November in Morocco"
    );
    let oct = ("2026-10", "2026-10");
    let nov = ("2026-11", "2026-11");
    let by = |dim: &'static str, t: &'static str, (from, to): (&'static str, &'static str)| async move {
        cells(app, "reports", dim, &[t], from, to).await
    };
    assert_eq!(by("sex", "sale", oct).await, counts(&[("female", 2)]));
    assert_eq!(by("age_band", "sale", oct).await, counts(&[("6-11", 2)]));
    assert_eq!(
        by("source", "sale", oct).await,
        counts(&[("family", 1), ("school", 1)])
    );
    assert_eq!(by("area", "sale", oct).await, counts(&[("urban", 2)]));
    assert_eq!(
        by("concern", "sale", oct).await,
        counts(&[("neglect", 1), ("physical_violence", 2)])
    );
    assert_eq!(
        by("urgency", "sale", oct).await,
        counts(&[("high", 1), ("low", 1)])
    );
    assert_eq!(
        by("target_group", "sale", oct).await,
        counts(&[("out_of_school", 1)])
    );
    assert_eq!(by("sex", "sale", nov).await, counts(&[("male", 1)]));
    assert_eq!(by("age_band", "sale", nov).await, counts(&[("15-17", 1)]));
    assert_eq!(by("area", "sale", nov).await, counts(&[("unknown", 1)]));
    assert_eq!(
        by("concern", "sale", nov).await,
        counts(&[("child_labour", 1)])
    );
    assert_eq!(by("age_band", "kenitra", oct).await, counts(&[("0-5", 1)]));
    assert_eq!(by("area", "kenitra", oct).await, counts(&[("rural", 1)]));
    assert_eq!(by("sex", "kenitra", nov).await, counts(&[("female", 2)]));
    assert_eq!(
        by("age_band", "kenitra", nov).await,
        counts(&[("12-14", 2)])
    );
    assert_eq!(
        by("source", "kenitra", nov).await,
        counts(&[("health_facility", 1), ("line_2511", 1)])
    );
    assert_eq!(
        by("area", "kenitra", nov).await,
        counts(&[("rural", 1), ("urban", 1)])
    );
    assert_eq!(
        by("concern", "kenitra", nov).await,
        counts(&[("psychological_violence", 1), ("sexual_violence", 2)])
    );
    // Both provinces and both months together.
    assert_eq!(
        cells(
            app,
            "reports",
            "",
            &["sale", "kenitra"],
            "2026-10",
            "2026-11"
        )
        .await,
        counts(&[("", 6)])
    );

    // Children: each counted once per period, in its province, its region and the nation.
    // The girl reported twice in October is one child; the report never triaged is none.
    for (territory, month, n) in [
        ("sale", "2026-10", 1),
        ("sale", "2026-11", 1),
        ("kenitra", "2026-10", 1),
        ("kenitra", "2026-11", 1),
        (REGION, "2026-10", 2),
        (REGION, "2026-11", 2),
        ("MA", "2026-10", 2),
        ("MA", "2026-11", 2),
    ] {
        assert_eq!(
            total(app, "children", territory, month).await,
            n,
            "children in {territory} in {month}"
        );
    }
    for (territory, n) in [("sale", 2), ("kenitra", 2), (REGION, 4), ("MA", 4)] {
        assert_eq!(
            total(app, "children_half", territory, "2026-H2").await,
            n,
            "{territory}"
        );
        assert_eq!(
            total(app, "children_year", territory, "2026").await,
            n,
            "{territory}"
        );
        assert_eq!(
            app.store
                .distinct_children(territory, "2026-10", "2026-11")
                .await
                .unwrap(),
            n,
            "{territory}"
        );
    }
    assert_eq!(
        cells(app, "children", "sex", &["sale"], "2026-10", "2026-10").await,
        counts(&[("female", 1)])
    );
    assert_eq!(
        cells(app, "children", "age_band", &["MA"], "2026-10", "2026-11").await,
        counts(&[("0-5", 1), ("12-14", 1), ("15-17", 1), ("6-11", 1)])
    );
    assert_eq!(
        cells(app, "children_year", "sex", &["MA"], "2026", "2026").await,
        counts(&[("female", 2), ("male", 2)])
    );

    // Cases: counted in the month they opened, with where they stand now.
    assert_eq!(total(app, "cases", "sale", "2026-11").await, 3);
    assert_eq!(total(app, "cases", "kenitra", "2026-11").await, 2);
    assert_eq!(
        (made.detection_before, made.detection_after),
        (3, 2),
        "a move takes the case out of its old stage's count"
    );
    assert_eq!(
        cells(app, "cases", "stage", &["sale"], "2026-11", "2026-11").await,
        counts(&[("closed", 1), ("detection", 1), ("initial_diagnosis", 1)]),
        "immediate assistance went up and back down"
    );
    assert_eq!(
        cells(app, "cases", "stage", &["kenitra"], "2026-11", "2026-11").await,
        counts(&[("detection", 1), ("initial_diagnosis", 1)])
    );
    assert_eq!(
        cells(app, "cases", "risk", &["sale"], "2026-11", "2026-11").await,
        {
            // A case opens at its report's urgency; the evaluation sets the first one's.
            let mut risk = counts(&[("immediate", 1), ("low", 1)]);
            *risk.entry(made.risk.clone()).or_insert(0) += 1;
            risk
        }
    );
    assert_eq!(
        cells(app, "cases", "source", &["sale"], "2026-11", "2026-11").await,
        counts(&[("family", 1), ("police", 1), ("school", 1)]),
        "each case's own first report"
    );
    assert_eq!(
        cells(app, "cases", "area", &["kenitra"], "2026-11", "2026-11").await,
        counts(&[("rural", 1), ("urban", 1)])
    );
    assert_eq!(
        cells(app, "cases", "concern", &["sale"], "2026-11", "2026-11").await,
        counts(&[
            ("child_labour", 1),
            ("neglect", 1),
            ("physical_violence", 2)
        ])
    );
    assert_eq!(
        cells(
            app,
            "cases",
            "age_band",
            &["sale", "kenitra"],
            "2026-11",
            "2026-11"
        )
        .await,
        counts(&[("0-5", 1), ("12-14", 1), ("15-17", 1), ("6-11", 2)])
    );
    assert_eq!(
        cells(
            app,
            "cases_closed",
            "outcome",
            &["sale"],
            "2026-11",
            "2026-11"
        )
        .await,
        counts(&[("transferred", 1)])
    );
    assert_eq!(total(app, "cases_closed", "kenitra", "2026-11").await, 0);

    // Stays that ended: detection 5 h (the girl) and 7 h (the boy closed) in Salé,
    // immediate assistance 4 h; detection 2 h in Kénitra.
    assert_eq!(
        cells(app, "stage_stays", "stage", &["sale"], "2026-11", "2026-11").await,
        counts(&[("detection", 2), ("immediate_assistance", 1)])
    );
    assert_eq!(
        cells(app, "stage_hours", "stage", &["sale"], "2026-11", "2026-11").await,
        counts(&[("detection", 12), ("immediate_assistance", 4)])
    );
    assert_eq!(
        cells(
            app,
            "stage_hours",
            "stage",
            &["kenitra"],
            "2026-11",
            "2026-11"
        )
        .await,
        counts(&[("detection", 2)])
    );

    // Linking cards: by sector and where they stand; the hospital answered in 4 h.
    assert_eq!(total(app, "referrals", "sale", "2026-11").await, 2);
    assert_eq!(
        cells(app, "referrals", "sector", &["sale"], "2026-11", "2026-11").await,
        counts(&[("education", 1), ("health", 1)])
    );
    assert_eq!(
        cells(app, "referrals", "status", &["sale"], "2026-11", "2026-11").await,
        counts(&[("accepted", 1), ("sent", 1)])
    );
    // An immediate card is due within 2 hours: the hospital's answer came late, and
    // the school's card, still unanswered 4 hours after sending, waits past its deadline.
    assert_eq!(
        cells(
            app,
            "referrals_late",
            "sector",
            &["sale"],
            "2026-11",
            "2026-11"
        )
        .await,
        counts(&[("health", 1)])
    );
    let sale = vec!["sale".to_owned()];
    assert_eq!(
        app.store
            .waiting_overdue(&sale, "2026-11", "2026-11", app.now_ms())
            .await
            .unwrap(),
        vec![(
            "2026-11".to_owned(),
            "sale".to_owned(),
            "education".to_owned(),
            1
        )]
    );
    assert_eq!(
        app.store
            .response_hours(&sale, "2026-11", "2026-11")
            .await
            .unwrap(),
        vec![("health".to_owned(), 4, 1)]
    );
    assert_eq!(
        app.store
            .response_hours(&["kenitra".to_owned()], "2026-11", "2026-11")
            .await
            .unwrap(),
        vec![]
    );
}

async fn the_cells_hold_the_hand_computed_numbers_and_a_rebuild_gives_the_same(backend: Backend) {
    let app = TestApp::start(backend).await;
    let made = scenario(&app).await;
    assert_the_hand_computed_numbers(&app, &made).await;

    // The running counts never drift: a rebuild from the cards gives the same cells.
    let running = all_cells(&app).await;
    assert!(running.len() > 100, "{} cells", running.len());
    let done = app.store.rebuild_statistics(&|_| {}).await.unwrap();
    assert_eq!(done, 6 + 5 + 2, "reports, cases and linking cards");
    let rebuilt = all_cells(&app).await;
    let only_running: Vec<_> = running.iter().filter(|c| !rebuilt.contains(c)).collect();
    let only_rebuilt: Vec<_> = rebuilt.iter().filter(|c| !running.contains(c)).collect();
    assert!(
        only_running.is_empty() && only_rebuilt.is_empty(),
        "running but not rebuilt: {only_running:#?}\nrebuilt but not running: {only_rebuilt:#?}"
    );
    assert_eq!(running, rebuilt);
    app.finish().await;
}
on_each_backend!(the_cells_hold_the_hand_computed_numbers_and_a_rebuild_gives_the_same);

/// `awladna stats rebuild`, run as an operator would on a database whose counts drifted
/// and whose facts were lost, gives back the numbers counted by hand.
async fn the_command_line_rebuild_gives_back_the_hand_computed_numbers(backend: Backend) {
    let app = TestApp::start(backend).await;
    let made = scenario(&app).await;
    for sql in [
        "UPDATE stat_cells SET n = n + 7",
        "DELETE FROM fact_reports",
        "DELETE FROM fact_cases",
        "DELETE FROM fact_stays",
        "DELETE FROM fact_referrals",
        "DELETE FROM fact_child_periods",
    ] {
        sqlx::query(sql)
            .execute(app.store.pool_for_tests())
            .await
            .expect(sql);
    }
    assert_eq!(total(&app, "reports", "sale", "2026-10").await, 9);

    let url = app.db.url.clone();
    let (dir, rebuilt) = tokio::task::spawn_blocking(move || {
        let dir = crate::support::TempDir::new();
        let output = crate::cli::awladna(&dir)
            .args(["stats", "rebuild", "--database-url", &url])
            .output()
            .expect("run awladna");
        (dir, output)
    })
    .await
    .expect("rebuild");
    let said = crate::cli::text(&rebuilt);
    assert!(rebuilt.status.success(), "{said}");
    assert!(
        said.contains("Statistics rebuilt from 13 reports, cases and linking cards"),
        "6 reports, 5 cases and 2 linking cards: {said}"
    );
    assert_the_hand_computed_numbers(&app, &made).await;

    let help = crate::cli::awladna(&dir)
        .args(["stats", "rebuild", "--help"])
        .output()
        .expect("help");
    let help = crate::cli::text(&help);
    assert!(
        help.contains("--data-dir") && help.contains("--database-url"),
        "{help}"
    );
    app.finish().await;
}
on_each_backend!(the_command_line_rebuild_gives_back_the_hand_computed_numbers);

/// The same cards give the same cells on SQLite and on PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgresql_count_the_same() {
    if postgres_or_skip("the comparison of the databases").is_none() {
        return;
    }
    let mut seen = Vec::new();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = TestApp::start(backend).await;
        scenario(&app).await;
        let hours = app
            .store
            .response_hours(&["sale".to_owned()], "2026-01", "2026-12")
            .await
            .unwrap();
        seen.push((all_cells(&app).await, hours));
        app.finish().await;
    }
    assert!(!seen[0].0.is_empty());
    assert_eq!(seen[0], seen[1], "SQLite, then PostgreSQL");
}
