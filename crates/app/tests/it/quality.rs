//! The data-quality page of the information cell (issue 19 §3): a known scenario in
//! Salé on the test clock, each count computed by hand, on both databases; the wrong
//! roles, another province and hostile parameters.

use crate::outcomes::worker as user;
use crate::support::{Backend, Signed, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn hours(app: &TestApp, h: i64) {
    app.clock.advance(jiff::SignedDuration::from_hours(h));
}

fn report(territory: &str, sex: &str) -> Value {
    json!({
        "source": "school", "received_at": "2026-11-23T08:00:00Z", "territory": territory,
        "child": {"sex": sex, "age_years": 10}, "concerns": ["neglect"], "urgency": "medium"
    })
}

/// A report triaged to a new child: (case id, case number).
async fn case(w: &Signed<'_>, territory: &str) -> (String, String) {
    let id = w.record_report(&report(territory, "female")).await;
    let opened = w.triage(&id, None).await;
    (
        opened["case_id"].as_str().expect("case").to_owned(),
        opened["number"].as_str().expect("number").to_owned(),
    )
}

async fn moved(w: &Signed<'_>, case: &str, to: &str, reason: Option<&str>) {
    let answer = w.move_case(case, to, reason).await;
    assert_eq!(answer.status, StatusCode::OK, "{to}: {}", answer.body);
}

async fn evaluate(w: &Signed<'_>, case: &str, unknown: Option<&str>) {
    let mut answers = crate::cases::evaluation(&[]);
    if let Some(question) = unknown {
        answers[question] = json!("unknown");
    }
    let saved = w
        .post(&format!("/api/v1/cases/{case}/evaluations"), &answers)
        .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
}

async fn follow_up(w: &Signed<'_>, case: &str, next: &str) {
    let saved = w
        .post(
            &format!("/api/v1/cases/{case}/cards/followup"),
            &json!({"contact.date": "2026-11-23", "contact.kind": "home_visit",
                    "situation.overall": "stable", "next.date": next}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
}

/// One check's section of the page: its count and its text.
fn section<'a>(page: &'a str, code: &str) -> (usize, &'a str) {
    let start = page
        .find(&format!("<section id=\"{code}\""))
        .unwrap_or_else(|| panic!("no section {code}: {page}"));
    let text = &page[start..];
    let text = &text[..text.find("</section>").expect("end of section")];
    let badge = text.find("class=\"badge").expect("badge");
    (number_after(&text[badge..], ">"), text)
}

/// The number written after the first `needle` of `text`, up to the next tag.
fn number_after(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} in {text}"))
        + needle.len();
    text[at..]
        .split('<')
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("a number after {needle} in {text}"))
}

/// The count of a table row whose label starts with `label`.
fn row(text: &str, label: &str) -> usize {
    let at = text
        .find(label)
        .unwrap_or_else(|| panic!("{label} in {text}"));
    number_after(&text[at..], "</td><td>")
}

/// In Salé, on 23 November 2026 (the test clock), the centre's worker opens:
/// - A: moved to care without an evaluation → no evaluation;
/// - B: evaluated with one answer "unknown" → unknown answers; its follow-up plans the
///   next contact on 30 November → overdue ten days later;
/// - C: evaluated, closed as reintegrated, then its reason lost (an old record) → no
///   outcome; E: closed with its reason → nothing;
/// - D: a follow-up planning 25 November, then an hour later a newer one planning
///   15 January 2027 → not overdue;
/// - a report left untriaged → late triage.
///
/// An association's worker records a report about a child of unknown sex, untriaged:
/// late triage and an unknown answer, both without a case number. Five days before the
/// reading the centre records one more report (not yet late). In Kénitra a case in care
/// without an evaluation must never show in Salé. The page is read on 3 December.
async fn each_count_is_where_expected(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("sale-association", "association", Some("sale"))
        .await;
    app.organisation("kenitra-centre", "family_solidarity", Some("kenitra"))
        .await;
    app.organisation("ministry", "family_solidarity", None)
        .await;
    let w = user(&app, "sale-centre", Role::CaseWorker).await;
    let (a, number_a) = case(&w, "sale").await;
    moved(&w, &a, "initial_diagnosis", None).await;
    moved(&w, &a, "care", None).await;
    let (b, number_b) = case(&w, "sale").await;
    evaluate(&w, &b, Some("health.untreated_illness")).await;
    follow_up(&w, &b, "2026-11-30").await;
    let (c, number_c) = case(&w, "sale").await;
    evaluate(&w, &c, None).await;
    moved(&w, &c, "closed", Some("reintegrated")).await;
    let (e, number_e) = case(&w, "sale").await;
    moved(&w, &e, "closed", Some("reintegrated")).await;
    let (d, number_d) = case(&w, "sale").await;
    evaluate(&w, &d, None).await;
    follow_up(&w, &d, "2026-11-25").await;
    hours(&app, 1);
    let w = user(&app, "sale-centre", Role::CaseWorker).await;
    follow_up(&w, &d, "2027-01-15").await;
    w.record_report(&report("sale", "female")).await;
    let ngo = user(&app, "sale-association", Role::CaseWorker).await;
    ngo.record_report(&report("sale", "unknown")).await;
    // A closure recorded before reasons were asked for.
    sqlx::query("UPDATE cases SET closure_reason = NULL WHERE id = $1")
        .bind(&c)
        .execute(app.store.pool_for_tests())
        .await
        .expect("an old closure");
    let kenitra = user(&app, "kenitra-centre", Role::CaseWorker).await;
    let (k, number_k) = case(&kenitra, "kenitra").await;
    moved(&kenitra, &k, "initial_diagnosis", None).await;
    moved(&kenitra, &k, "care", None).await;

    hours(&app, 24 * 5);
    let w = user(&app, "sale-centre", Role::CaseWorker).await;
    w.record_report(&report("sale", "female")).await;
    hours(&app, 24 * 5);

    let officer = user(&app, "sale-centre", Role::InformationOfficer).await;
    let page = officer.get("/quality").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = page.body.as_str();
    let (late, text) = section(body, "late_triage");
    assert_eq!(late, 2, "{text}");
    assert_eq!(row(text, "sale-centre &#60;b&#62;"), 1, "{text}");
    assert_eq!(row(text, "sale-association &#60;b&#62;"), 1, "{text}");
    assert_eq!(row(text, "2026-11"), 2, "{text}");
    assert!(
        !text.contains("<b>&</b>"),
        "an organisation's name is escaped"
    );
    let (none, text) = section(body, "no_evaluation");
    assert_eq!(none, 1, "{text}");
    assert!(text.contains(&number_a) && text.contains(&format!("/cases/{a}")));
    let (overdue, text) = section(body, "followup_overdue");
    assert_eq!(overdue, 1, "{text}");
    assert!(
        text.contains(&number_b) && !text.contains(&number_d),
        "{text}"
    );
    assert_eq!(row(text, "2026-11"), 1, "{text}");
    let (outcome, text) = section(body, "no_outcome");
    assert_eq!(outcome, 1, "{text}");
    assert!(
        text.contains(&number_c) && !text.contains(&number_e),
        "{text}"
    );
    let (unknown, text) = section(body, "unknown_answers");
    assert_eq!(unknown, 2, "{text}");
    assert_eq!(row(text, "sale-association &#60;b&#62;"), 1, "{text}");
    assert!(
        text.contains(&number_b) && !text.contains(&number_d),
        "{text}"
    );
    // Kénitra's case shows nowhere in Salé's page.
    assert!(!body.contains(&number_k) && !body.contains(&k));

    // The technical officer reads the same counts, the numbers without links: it may
    // not open a case.
    let technical = user(&app, "sale-centre", Role::TechnicalOfficer).await;
    let page = technical.get("/quality").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let (none, text) = section(&page.body, "no_evaluation");
    assert_eq!(none, 1);
    assert!(text.contains(&number_a) && !text.contains(&format!("/cases/{a}")));

    // Kénitra's coordinator sees Kénitra's one case and nothing of Salé's; asking for
    // Salé is answered as if it did not exist.
    let coordinator = user(&app, "kenitra-centre", Role::Coordinator).await;
    let page = coordinator.get("/quality").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(section(&page.body, "no_evaluation").0, 1);
    assert_eq!(section(&page.body, "late_triage").0, 0);
    assert_eq!(section(&page.body, "unknown_answers").0, 0);
    assert!(page.body.contains(&number_k) && !page.body.contains(&number_a));
    let foreign = coordinator.get("/quality?territory=sale").await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.body);
    assert!(!foreign.body.contains(&number_a));

    // The ministry's analyst chooses a province, then reads it.
    let analyst = user(&app, "ministry", Role::NationalAnalyst).await;
    let choose = analyst.get("/quality").await;
    assert_eq!(choose.status, StatusCode::OK, "{}", choose.body);
    assert!(choose.body.contains("name=\"territory\"") && !choose.body.contains("<section"));
    let sale = analyst.get("/quality?territory=sale").await;
    assert_eq!(sale.status, StatusCode::OK, "{}", sale.body);
    assert_eq!(section(&sale.body, "no_outcome").0, 1);
    assert!(!sale.body.contains(&number_k));

    // The wrong roles are refused.
    for role in [
        Role::CaseWorker,
        Role::FocalPoint,
        Role::CommitteeMember,
        Role::Secretariat,
    ] {
        let other = user(&app, "sale-centre", role).await;
        let refused = other.get("/quality").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{role:?}");
        assert!(!refused.body.contains(&number_a));
    }

    // Hostile parameters: refused as unknown, never echoed, nothing shown.
    for asked in [
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "sale'%20OR%20'1'%3D'1",
        "%D8%B3%D9%84%D8%A7",
        "%25",
        "MA",
        "kenitra",
    ] {
        let answer = officer.get(&format!("/quality?territory={asked}")).await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{asked}: {}",
            answer.body
        );
        assert!(!answer.body.contains("<script>alert"), "{asked}");
        assert!(!answer.body.contains(&number_a), "{asked}");
        let national = analyst.get(&format!("/quality?territory={asked}")).await;
        let expected = match asked {
            "kenitra" => StatusCode::OK,
            _ => StatusCode::NOT_FOUND,
        };
        assert_eq!(national.status, expected, "{asked}: {}", national.body);
        assert!(!national.body.contains("<script>alert"), "{asked}");
        assert!(!national.body.contains(&number_a), "{asked}");
    }
    if backend == Backend::Sqlite {
        looked_at_on_a_phone(&app).await;
    }
    app.finish().await;
}
on_each_backend!(each_count_is_where_expected);

/// The information officer's page in Arabic at 360 px: it fits the screen.
async fn looked_at_on_a_phone(app: &TestApp) {
    use crate::browser::{Browser, serve, sign_in};
    let salma = app
        .user("salma", "sale-centre", &[Role::InformationOfficer], true)
        .await;
    let Some(browser) = Browser::start(360, 780).await else {
        return;
    };
    let base = serve(app).await;
    sign_in(&browser, &base, app, "salma", &salma).await;
    browser.wait_for("form[action='/logout']").await;
    browser
        .client
        .goto(&format!("{base}/quality"))
        .await
        .expect("open the quality page");
    browser.wait_for("section#late_triage").await;
    assert_eq!(browser.html_attr("dir").await, "rtl");
    browser
        .assert_fits_the_screen("the data-quality page")
        .await;
    browser.screenshot("quality-ar-360").await;
    browser.close().await;
}
