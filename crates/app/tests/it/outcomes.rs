//! What happened to the children (issue 19 §1) and the cross-tables, trends and
//! provinces against the nation (§2), from known data through the API on the test
//! clock, counted by hand, on both databases.

use crate::support::{Backend, Signed, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::body::Body;
use axum::http::Method;
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};

/// A user of `org` signed in now (sessions end after 30 idle minutes, and the
/// scenario moves the clock by months).
pub(crate) async fn worker<'a>(app: &'a TestApp, org: &str, role: Role) -> Signed<'a> {
    static SEEN: AtomicU64 = AtomicU64::new(0);
    let n = SEEN.fetch_add(1, Ordering::Relaxed);
    app.signed_in(&format!("{org}-{role:?}-{n}"), org, &[role])
        .await
}

fn advance_days(app: &TestApp, days: i64) {
    app.clock
        .advance(jiff::SignedDuration::from_hours(24 * days));
}

fn report(received_at: &str, sex: &str, age: i64, source: &str, concern: &str) -> Value {
    json!({
        "source": source, "received_at": received_at, "territory": "sale",
        "child": {"sex": sex, "age_years": age}, "concerns": [concern], "urgency": "medium"
    })
}

/// The follow-up card's answers on the day of the clock.
fn followup(app: &TestApp, situation: &str) -> Value {
    let day = jiff::Timestamp::from_millisecond(app.now_ms())
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default();
    json!({"contact.date": day, "contact.kind": "home_visit", "situation.overall": situation})
}

async fn follow_up(w: &Signed<'_>, app: &TestApp, case: &str, situation: &str) {
    let saved = w
        .post(
            &format!("/api/v1/cases/{case}/cards/followup"),
            &followup(app, situation),
        )
        .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
}

async fn evaluate(w: &Signed<'_>, case: &str, yes: &[&str], level: &str) {
    let evaluated = w
        .post(
            &format!("/api/v1/cases/{case}/evaluations"),
            &crate::cases::evaluation(yes),
        )
        .await;
    assert_eq!(evaluated.status, StatusCode::CREATED, "{}", evaluated.body);
    assert_eq!(evaluated.json()["level"], level);
}

/// One figure of Salé read whole by its coordinator: code → value.
async fn figure(app: &TestApp, query: &str) -> Value {
    let coordinator = worker(app, "sale-centre", Role::Coordinator).await;
    let answer = coordinator.get(&format!("/api/v1/stats/{query}")).await;
    assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.body);
    answer.json()
}

fn value(body: &Value, dim: &str, code: &str) -> Value {
    body["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r[dim] == code))
        .map(|r| r["value"].clone())
        .unwrap_or(json!(0))
}

/// Three children in Salé, their cases opened on 23 November 2026:
/// - A, a girl of 9: evaluated high, then two follow-ups "improved" (high → medium →
///   low): improved. Closed the same day, reintegrated in her family; 6 months on, the
///   check says the situation is stable: the reintegration held. A new report about
///   her 13 months after the closure is no re-entry.
/// - B, a boy of 15: evaluated low, then "worsened" (low → medium): worsened. Closed
///   the same day, back at school; a new report about him 40 days later: a re-entry.
/// - C, a girl of 13: evaluated low, no follow-up: stable; still open.
async fn outcomes_are_counted_where_expected(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("kenitra-centre", "family_solidarity", Some("kenitra"))
        .await;
    let w = worker(&app, "sale-centre", Role::CaseWorker).await;
    let ra = w
        .record_report(&report(
            "2026-11-20T09:00:00Z",
            "female",
            9,
            "school",
            "physical_violence",
        ))
        .await;
    let rb = w
        .record_report(&report(
            "2026-11-20T10:00:00Z",
            "male",
            15,
            "police",
            "child_labour",
        ))
        .await;
    let rc = w
        .record_report(&report(
            "2026-11-21T10:00:00Z",
            "female",
            13,
            "family",
            "neglect",
        ))
        .await;
    let a = w.triage(&ra, None).await;
    let b = w.triage(&rb, None).await;
    let c = w.triage(&rc, None).await;
    let case = |v: &Value| v["case_id"].as_str().expect("case").to_owned();
    let child = |v: &Value| v["child_id"].as_str().expect("child").to_owned();
    let (case_a, case_b, case_c) = (case(&a), case(&b), case(&c));

    // A follow-up before any evaluation has nothing to move: not counted.
    follow_up(&w, &app, &case_a, "worsened").await;
    evaluate(
        &w,
        &case_a,
        &["safety.author_has_access", "safety.sexual_violence"],
        "high",
    )
    .await;
    follow_up(&w, &app, &case_a, "improved").await;
    follow_up(&w, &app, &case_a, "improved").await;
    evaluate(&w, &case_b, &[], "low").await;
    follow_up(&w, &app, &case_b, "worsened").await;
    evaluate(&w, &case_c, &[], "low").await;
    for (case, reason) in [(&case_a, "reintegrated"), (&case_b, "school_return")] {
        let closed = w.move_case(case, "closed", Some(reason)).await;
        assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    }

    // 40 days on (2 January 2027): a new report about B, triaged to his file.
    advance_days(&app, 40);
    let w = worker(&app, "sale-centre", Role::CaseWorker).await;
    let again = w
        .record_report(&report(
            "2027-01-02T08:00:00Z",
            "male",
            15,
            "police",
            "child_labour",
        ))
        .await;
    w.triage(&again, Some(&child(&b))).await;

    // The check on A is refused while too early, on an open case, from another
    // province, for a role that does no case work, and with a hostile answer.
    let check = format!("/api/v1/cases/{case_a}/outcome-checks");
    let early = w.post(&check, &followup(&app, "stable")).await;
    assert_eq!(
        early.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        early.body
    );
    assert_eq!(early.json()["fields"][0]["field"], "case", "{}", early.body);
    let open = w
        .post(
            &format!("/api/v1/cases/{case_c}/outcome-checks"),
            &followup(&app, "stable"),
        )
        .await;
    assert_eq!(
        open.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        open.body
    );

    // 6 months and 2 days after the closure: the 6-month check.
    advance_days(&app, 144);
    let w = worker(&app, "sale-centre", Role::CaseWorker).await;
    let kenitra = worker(&app, "kenitra-centre", Role::CaseWorker).await;
    let foreign = kenitra.post(&check, &followup(&app, "stable")).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.body);
    let officer = worker(&app, "sale-centre", Role::InformationOfficer).await;
    let wrong_role = officer.post(&check, &followup(&app, "stable")).await;
    assert_eq!(
        wrong_role.status,
        StatusCode::FORBIDDEN,
        "{}",
        wrong_role.body
    );
    let hostile = w
        .post(&check, &followup(&app, "<script>تحسنت</script>"))
        .await;
    assert_eq!(
        hostile.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        hostile.body
    );
    assert!(!hostile.body.contains("<script>"));
    let headers = [
        ("cookie", w.cookie.as_str()),
        ("x-csrf-token", w.csrf.as_str()),
        ("content-type", "application/json"),
    ];
    let not_json = app
        .request(
            Method::POST,
            &check,
            &headers,
            Body::from("{\"situation.overall\": "),
        )
        .await;
    assert_eq!(
        not_json.status,
        StatusCode::BAD_REQUEST,
        "{}",
        not_json.body
    );
    let held = w.post(&check, &followup(&app, "stable")).await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
    assert_eq!(held.json()["check_months"], 6);
    // A's case stays closed.
    let reopened = w
        .post(
            &check.replace("outcome-checks", "evaluations"),
            &crate::cases::evaluation(&[]),
        )
        .await;
    assert_eq!(reopened.status, StatusCode::CONFLICT, "{}", reopened.body);

    // 13 months after the closure: a new report about A is no re-entry.
    advance_days(&app, 213);
    let w = worker(&app, "sale-centre", Role::CaseWorker).await;
    let late = w
        .record_report(&report(
            "2027-12-24T08:00:00Z",
            "female",
            10,
            "school",
            "neglect",
        ))
        .await;
    w.triage(&late, Some(&child(&a))).await;

    assert_the_hand_computed_outcomes(&app).await;
    // The running counts equal a rebuild from the cards.
    let running = crate::stats::all_cells(&app).await;
    app.store
        .rebuild_statistics(&|_| {})
        .await
        .expect("rebuild");
    assert_eq!(running, crate::stats::all_cells(&app).await);
    assert_the_hand_computed_outcomes(&app).await;
    app.finish().await;
}
on_each_backend!(outcomes_are_counted_where_expected);

async fn assert_the_hand_computed_outcomes(app: &TestApp) {
    let nov = "territory=sale&from=2026-11&to=2026-11";
    // Opened in November: A improved, B worsened, C stable.
    let f = figure(app, &format!("situation_change?{nov}&by=change")).await;
    assert_eq!(f["total"], 3, "{f}");
    for (code, n) in [("improved", 1), ("worsened", 1), ("stable", 1)] {
        assert_eq!(value(&f, "change", code), n, "{code}: {f}");
    }
    // Closed in November: how, and the risk at the first evaluation and at closure.
    let f = figure(app, &format!("closure_outcomes?{nov}&by=closure_outcome")).await;
    assert_eq!(f["total"], 2, "{f}");
    assert_eq!(value(&f, "closure_outcome", "family_reintegration"), 1);
    assert_eq!(value(&f, "closure_outcome", "school_return"), 1);
    let f = figure(app, &format!("closure_outcomes?{nov}&by=concern")).await;
    assert_eq!(value(&f, "concern", "physical_violence"), 1);
    assert_eq!(value(&f, "concern", "child_labour"), 1);
    let f = figure(
        app,
        &format!("closed_risk?{nov}&by=risk_at_opening,risk_at_closure"),
    )
    .await;
    let pairs: Vec<(String, String, i64)> = f["rows"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    (
                        r["risk_at_opening"].as_str().unwrap_or("").to_owned(),
                        r["risk_at_closure"].as_str().unwrap_or("").to_owned(),
                        r["value"].as_i64().unwrap_or(-1),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        pairs,
        [
            ("high".into(), "low".into(), 1),
            ("low".into(), "medium".into(), 1)
        ],
        "{f}"
    );
    // Re-entry: B's new report came 40 days after, A's 13 months after.
    let f = figure(app, &format!("reentry?{nov}&by=reentry")).await;
    assert_eq!(value(&f, "reentry", "reentered"), 1, "{f}");
    assert_eq!(value(&f, "reentry", "not_reentered"), 1, "{f}");
    // The 6-month check: A's reintegration held; no 12-month check yet.
    let f = figure(
        app,
        &format!("outcome_held?{nov}&by=check_6,closure_outcome"),
    )
    .await;
    assert_eq!(f["total"], 1, "{f}");
    let row = &f["rows"][0];
    assert_eq!(
        (&row["check_6"], &row["closure_outcome"], &row["value"]),
        (&json!("held"), &json!("family_reintegration"), &json!(1)),
        "{f}"
    );
    let f = figure(app, &format!("outcome_held?{nov}&by=check_12")).await;
    assert_eq!(value(&f, "check_12", "none"), 1, "{f}");
}

/// Salé's reports: 36 in October 2026 laid out as a 2 × 2 × 2 table of sex, age band and
/// source with one count of 1 and seven of 5; 9 in November 2026 and 2 in November
/// 2025; Fahs-Anjra's (34,751 children) 1 in November 2026.
async fn cross_tables_trends_and_provinces(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("fahs-centre", "family_solidarity", Some("fahs-anjra"))
        .await;
    app.organisation("ministry", "family_solidarity", None)
        .await;
    let w = worker(&app, "sale-centre", Role::CaseWorker).await;
    let mut n = 0;
    for sex in ["female", "male"] {
        for source in ["school", "police"] {
            for age in [9, 16] {
                let count = if (sex, source, age) == ("female", "school", 9) {
                    1
                } else {
                    5
                };
                for _ in 0..count {
                    n += 1;
                    w.record_report(&report("2026-10-10T10:00:00Z", sex, age, source, "neglect"))
                        .await;
                }
            }
        }
    }
    assert_eq!(n, 36);
    for k in 0..9 {
        w.record_report(&report(
            "2026-11-10T10:00:00Z",
            if k % 2 == 0 { "female" } else { "male" },
            12,
            "school",
            "neglect",
        ))
        .await;
    }
    for _ in 0..2 {
        w.record_report(&report(
            "2025-11-10T10:00:00Z",
            "female",
            12,
            "school",
            "neglect",
        ))
        .await;
    }
    let fahs = worker(&app, "fahs-centre", Role::CaseWorker).await;
    let mut one = report("2026-11-12T10:00:00Z", "male", 7, "family", "neglect");
    one["territory"] = json!("fahs-anjra");
    fahs.record_report(&one).await;

    // Three dimensions, whole for Salé's own people.
    let cube = "reports?territory=sale&from=2026-10&to=2026-10&by=sex,age_band,source";
    let whole = figure(&app, cube).await;
    assert_eq!(whole["total"], 36, "{whole}");
    assert_eq!(whole["rows"].as_array().map(Vec::len), Some(8), "{whole}");
    let one_row = whole["rows"]
        .as_array()
        .and_then(|rows| {
            rows.iter().find(|r| {
                r["sex"] == "female" && r["age_band"] == "6-11" && r["source"] == "school"
            })
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(one_row["value"], 1, "{whole}");
    // For the ministry: the 1 is hidden with its whole 2 × 2 × 2 box (the smallest
    // change that moves no published sum); the margins, each 6 or more, and the
    // total stay.
    let ministry = worker(&app, "ministry", Role::NationalAnalyst).await;
    let protected = ministry.get(&format!("/api/v1/stats/{cube}")).await;
    assert_eq!(protected.status, StatusCode::OK, "{}", protected.body);
    let protected = protected.json();
    assert_eq!(protected["total"], 36, "{protected}");
    let rows = protected["rows"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 8, "{protected}");
    assert!(rows.iter().all(|r| r["value"] == "<5"), "{protected}");
    // Two dimensions of the same table: every margin is 6 or more, all shown.
    let two = ministry
        .get("/api/v1/stats/reports?territory=sale&from=2026-10&to=2026-10&by=sex,source")
        .await
        .json();
    assert!(
        two["rows"].as_array().is_some_and(|rows| rows.len() == 4
            && rows
                .iter()
                .all(|r| r["value"].as_i64().is_some_and(|v| v >= 6))),
        "{two}"
    );

    // November against November 2025: 9 against 2, +350%, too few to say.
    let trend = figure(
        &app,
        "reports?territory=sale&from=2026-11&to=2026-11&by=month&compare=previous_year",
    )
    .await;
    let row = &trend["rows"][0];
    assert_eq!(
        (&row["month"], &row["value"]),
        (&json!("2026-11"), &json!(9)),
        "{trend}"
    );
    assert_eq!(row["previous_year"], 2, "{trend}");
    assert_eq!(row["change_percent"], 350.0, "{trend}");
    assert_eq!(row["too_small"], true, "{trend}");
    assert_eq!(trend["previous_year"]["from"], "2025-11", "{trend}");
    assert_eq!(
        trend["previous_year"]["total"]["too_small"], true,
        "{trend}"
    );

    // Provinces against the nation (10 reports in November among about 11.5 million
    // children): Salé's 9 among 306,414 children (0.029 per 1,000, exact interval
    // 0.013–0.056) lies wholly above; Fahs-Anjra's 1 among 34,751 (0.029, interval
    // 0.0007–0.160) at the same rate is not flagged.
    let sale = figure(
        &app,
        "reports?territory=sale&from=2026-11&to=2026-11&by=province",
    )
    .await;
    let fahs_coordinator = worker(&app, "fahs-centre", Role::Coordinator).await;
    let fahs_anjra = fahs_coordinator
        .get("/api/v1/stats/reports?territory=fahs-anjra&from=2026-11&to=2026-11&by=province")
        .await
        .json();
    let (s, f) = (&sale["rows"][0], &fahs_anjra["rows"][0]);
    assert_eq!(
        (&s["value"], &f["value"]),
        (&json!(9), &json!(1)),
        "{sale} {fahs_anjra}"
    );
    assert_eq!(
        s["rate_per_1000"], f["rate_per_1000"],
        "the same rate: {sale} {fahs_anjra}"
    );
    assert_eq!(s["against_national"], "above", "{sale}");
    assert_eq!(f["against_national"], "within", "{fahs_anjra}");
    let interval = |v: &Value, i: usize| v["interval_95"][i].as_f64().unwrap_or(-1.0);
    assert!(
        (interval(s, 0) - 0.013).abs() < 0.001 && (interval(s, 1) - 0.056).abs() < 0.001,
        "{sale}"
    );
    assert!(
        interval(f, 0) <= 0.001 && (interval(f, 1) - 0.160).abs() < 0.001,
        "{fahs_anjra}"
    );
    let national = sale["national"]["interval_95"][1].as_f64().unwrap_or(1.0);
    assert!(
        national < interval(s, 0) && national > interval(f, 0),
        "{sale}"
    );
    // The ministry's view of every province: Fahs-Anjra's 1 is hidden, so no interval.
    let all = ministry
        .get("/api/v1/stats/reports?from=2026-11&to=2026-11&by=province")
        .await
        .json();
    let hidden = all["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["province"] == "fahs-anjra"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(hidden["value"], "<5", "{all}");
    assert!(hidden.get("interval_95").is_none() && hidden.get("against_national").is_none());

    // The monthly report carries the trend, not the period's total alone.
    let officer = worker(&app, "sale-centre", Role::InformationOfficer).await;
    let drafted = officer
        .post(
            "/api/v1/periodic-reports",
            &json!({"kind": "monthly", "territory": "sale", "from": "2026-11", "to": "2026-11"}),
        )
        .await;
    assert_eq!(drafted.status, StatusCode::CREATED, "{}", drafted.body);
    let drafted = drafted.json();
    let reports = drafted["trends"]
        .as_array()
        .and_then(|all| all.iter().find(|t| t["indicator"] == "reports"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        reports["months"][0],
        json!({"month": "2026-11", "value": 9, "previous_year": 2, "change_percent": 350.0, "too_small": true}),
        "{drafted}"
    );

    // The dashboard's cross-table, in Arabic, for the ministry: the box hidden.
    let page = ministry
        .get("/stats/table?indicator=reports&territory=sale&from=2026-10&to=2026-10&d1=sex&d2=age_band&d3=source")
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("dir=\"rtl\""), "Arabic first");
    // Askama writes "<" as "&#60;".
    let hidden_cell = "<td dir=\"ltr\">&#60;5</td>";
    assert_eq!(page.body.matches(hidden_cell).count(), 8, "{}", page.body);
    assert!(
        page.body.contains("<td dir=\"ltr\">36</td>"),
        "{}",
        page.body
    );
    let refused = ministry
        .get("/stats/table?indicator=reports&d1=sex&d2=%3Cb%3E&d3=source")
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(!refused.body.contains("<b>"));

    // Hostile and wrong parameters: a sentence, never a 500 or the input echoed.
    for (path, status, code) in [
        (
            "reports?by=sex,age_band,source,urgency",
            400,
            "bad_dimension",
        ),
        ("reports?by=sex,sex", 400, "two_dimensions"),
        (
            "children?from=2026-01&to=2026-12&by=sex,age_band",
            400,
            "two_dimensions",
        ),
        ("referrals?by=sector,status", 400, "two_dimensions"),
        ("reports?by=sex,%3Cscript%3E,source", 400, "bad_dimension"),
        (
            "reports?compare=%D8%A7%D9%84%D8%B3%D9%86%D8%A9",
            400,
            "bad_compare",
        ),
        (
            "reports?compare=previous_year&from=2026-13&to=2026-12",
            400,
            "bad_period",
        ),
        ("reports?territory=rabat&by=sex,source", 404, "not_found"),
    ] {
        let coordinator = worker(&app, "sale-centre", Role::Coordinator).await;
        let answer = coordinator.get(&format!("/api/v1/stats/{path}")).await;
        assert_eq!(answer.status.as_u16(), status, "{path}: {}", answer.body);
        assert_eq!(answer.json()["error"]["code"], code, "{path}");
        assert!(!answer.body.contains("<script>") && !answer.body.contains("السنة"));
    }
    app.finish().await;
}
on_each_backend!(cross_tables_trends_and_provinces);
