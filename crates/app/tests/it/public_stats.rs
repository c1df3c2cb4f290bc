//! The public statistics page (issue 19 §3): open without an account, the last complete
//! year's figures suppressed as any export is, a province's own row only when it chose
//! so, the choice its own coordinator's or administrator's alone.

use crate::support::{Backend, Signed, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::json;

/// `n` reports about new children of `province` in November 2026, each triaged into a case.
pub async fn cases_in(worker: &Signed<'_>, province: &str, n: usize) {
    for _ in 0..n {
        let report = worker
            .record_report(&json!({
                "source": "school", "received_at": "2026-11-20T09:00:00Z", "territory": province,
                "child": {"sex": "female", "age_years": 9}, "concerns": ["physical_violence"],
                "urgency": "high"
            }))
            .await;
        worker.triage(&report, None).await;
    }
}

/// Salé 2 cases (a small cell), Rabat 9, Kénitra 6, all in Rabat-Salé-Kénitra; Salé and
/// Rabat choose to be shown, Kénitra does not. The page is read in January 2027, when
/// 2026 is the last complete year.
pub async fn scenario(app: &TestApp) {
    for p in ["sale", "rabat", "kenitra"] {
        let org = format!("{p}-centre");
        app.organisation(&org, "family_solidarity", Some(p)).await;
        let worker = app
            .signed_in(&format!("{p}-worker"), &org, &[Role::CaseWorker])
            .await;
        let n = match p {
            "sale" => 2,
            "rabat" => 9,
            _ => 6,
        };
        cases_in(&worker, p, n).await;
    }
    for p in ["sale", "rabat"] {
        let coordinator = app
            .signed_in(
                &format!("{p}-coordinator"),
                &format!("{p}-centre"),
                &[Role::Coordinator],
            )
            .await;
        assert_eq!(choose(&coordinator, "1").await, StatusCode::SEE_OTHER);
    }
    app.clock
        .set("2027-01-11T10:00:00Z".parse().expect("a timestamp"));
}

async fn choose(who: &Signed<'_>, shown: &str) -> StatusCode {
    who.app
        .post_form(
            "/stats/public-choice",
            &[
                ("cookie", who.cookie.as_str()),
                ("x-csrf-token", who.csrf.as_str()),
            ],
            &[("shown", shown)],
        )
        .await
        .status
}

/// A province's row of the places' table: its two counts and their rates, as shown.
fn province_row(body: &str, name: &str) -> Option<Vec<String>> {
    let start = body.find(&format!("<th scope=\"row\">— {name}</th>"))?;
    let row = &body[start..start + body[start..].find("</tr>")?];
    Some(
        row.split("<td dir=\"ltr\">")
            .skip(1)
            .map(|c| c.split('<').next().unwrap_or("").replace("&#60;", "<"))
            .collect(),
    )
}

/// The region's row: its counts and rates.
fn region_row(body: &str, name: &str) -> Vec<String> {
    let start = body
        .find(&format!("<th scope=\"row\">{name}</th>"))
        .unwrap_or_else(|| panic!("no row for {name}"));
    let row = &body[start..start + body[start..].find("</tr>").expect("row end")];
    row.split("<td dir=\"ltr\">")
        .skip(1)
        .map(|c| c.split('<').next().unwrap_or("").to_owned())
        .collect()
}

/// The page's places table as the public reads it, the unpublished remainder of the
/// region checked: what the region's total leaves over the shown rows must not be a
/// count from 1 to 4 alone.
fn check_region(body: &str, chosen: &[&str]) {
    let region = region_row(body, "الرباط سلا القنيطرة");
    assert_eq!(
        (region[0].as_str(), region[1].as_str()),
        ("17", "17"),
        "{region:?}"
    );
    // Salé's 2 never show.
    let sale = province_row(body, "سلا").expect("Salé chose to be shown");
    assert_eq!(
        (sale[0].as_str(), sale[1].as_str()),
        ("<5", "<5"),
        "{sale:?}"
    );
    for (i, what) in ["reports", "cases"].iter().enumerate() {
        let shown: Vec<i64> = ["الرباط", "القنيطرة"]
            .iter()
            .filter_map(|p| province_row(body, p))
            .filter_map(|r| r[i].parse::<i64>().ok())
            .collect();
        let unpublished = 3 - shown.len();
        let left = 17 - shown.iter().sum::<i64>();
        assert!(
            unpublished > 1 || !(1..=4).contains(&left),
            "{what}: Salé is the region less the others ({left})"
        );
    }
    // A province that did not choose has no row of its own.
    for (name, code) in [("الرباط", "rabat"), ("القنيطرة", "kenitra")] {
        assert_eq!(
            province_row(body, name).is_some(),
            chosen.contains(&code),
            "{name}"
        );
    }
}

async fn the_public_page_hides_small_cells_and_unchosen_provinces(backend: Backend) {
    let app = TestApp::start(backend).await;
    scenario(&app).await;
    // No account: Arabic first, right to left, the last complete year.
    let page = app.get("/public/statistics").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    assert!(body.contains("dir=\"rtl\"") && body.contains("الإحصاءات العمومية"));
    assert!(
        body.contains("<strong dir=\"ltr\">2026</strong>"),
        "the last complete year"
    );
    check_region(body, &["rabat"]);
    // The definitions are on the page.
    assert!(body.contains("التعريفات") && body.contains("المندوبية السامية للتخطيط"));
    // Kénitra chooses to be shown too: its row appears, Salé still cannot be worked out.
    let kenitra = app
        .signed_in(
            "kenitra-coordinator",
            "kenitra-centre",
            &[Role::Coordinator],
        )
        .await;
    assert_eq!(choose(&kenitra, "1").await, StatusCode::SEE_OTHER);
    check_region(
        &app.get("/public/statistics").await.body,
        &["rabat", "kenitra"],
    );
    // French and English too.
    let fr = app
        .get_with("/public/statistics", &[("cookie", "awladna_lang=fr")])
        .await;
    assert!(fr.body.contains("Définitions"), "French");
    // The help page leads to it.
    assert!(
        app.get("/help")
            .await
            .body
            .contains("href=\"/public/statistics\"")
    );
    app.finish().await;
}
on_each_backend!(the_public_page_hides_small_cells_and_unchosen_provinces);

async fn only_the_province_itself_chooses(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("ministry", "family_solidarity", None)
        .await;
    // A case worker may not choose; nor may a national administrator, for any province.
    let worker = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    assert_eq!(choose(&worker, "1").await, StatusCode::FORBIDDEN);
    let national = app
        .signed_in("admin", "ministry", &[Role::Administrator])
        .await;
    assert_eq!(choose(&national, "1").await, StatusCode::NOT_FOUND);
    assert!(
        !app.store
            .public_provinces()
            .await
            .expect("read")
            .contains(&"sale".into())
    );
    // The province's administrator chooses for Salé, and only for Salé: no field names
    // another province.
    let admin = app
        .signed_in("salma", "sale-centre", &[Role::Administrator])
        .await;
    let answer = admin
        .app
        .post_form(
            "/stats/public-choice",
            &[
                ("cookie", admin.cookie.as_str()),
                ("x-csrf-token", admin.csrf.as_str()),
            ],
            &[
                ("shown", "1"),
                ("territory", "rabat"),
                ("province", "rabat"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert!(
        admin
            .get("/admin/organisations")
            .await
            .body
            .contains("/stats/public-choice")
    );
    assert_eq!(
        app.store.public_provinces().await.expect("read"),
        vec!["sale".to_owned()]
    );
    // The coordinator sees the choice on the dashboard and takes it back.
    let coordinator = app
        .signed_in("amina", "sale-centre", &[Role::Coordinator])
        .await;
    let dashboard = coordinator.get("/stats").await;
    assert!(dashboard.body.contains("/stats/public-choice"), "no form");
    assert_eq!(choose(&coordinator, "0").await, StatusCode::SEE_OTHER);
    assert!(app.store.public_provinces().await.expect("read").is_empty());
    // Audited, each choice.
    app.seal_audit().await;
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'stats.public_choice'")
            .fetch_one(app.store.pool_for_tests())
            .await
            .expect("count");
    assert_eq!(audited, 2);
    // Without a session, no choice at all.
    let anonymous = app
        .post_form("/stats/public-choice", &[], &[("shown", "1")])
        .await;
    assert_ne!(anonymous.status, StatusCode::SEE_OTHER);
    app.finish().await;
}
on_each_backend!(only_the_province_itself_chooses);

async fn hostile_parameters_change_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    scenario(&app).await;
    let plain = app.get("/public/statistics").await.body;
    for q in [
        "?territory=sale&from=2026-11&to=2026-11&by=province",
        "?territory=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "?year=2026'%20OR%201=1--&by=sex,age_band,concern,province",
        "?territory=%D8%B3%D9%84%D8%A7&protect=false",
    ] {
        let page = app.get(&format!("/public/statistics{q}")).await;
        assert_eq!(page.status, StatusCode::OK, "{q}");
        assert_eq!(page.body, plain, "{q} changed the page");
        assert!(!page.body.contains("<script>alert"), "{q}");
    }
    app.finish().await;
}
on_each_backend!(hostile_parameters_change_nothing);
