//! Training in a real browser, at 360 px in Arabic (issue 15 §1): the centre's
//! coordinator organises a session of the national plan, invites a doctor of the
//! hospital, ticks the attendance sheet of each day, and the province's coverage moves.
//! Screenshots go to target/screenshots/training-*.png.

use crate::browser::{Browser, serve, sign_in};
use crate::support::{Backend, Signed, TestApp};
use awladna_domain::access::Role;
use fantoccini::Locator;
use serde_json::json;

async fn text_of(browser: &Browser, css: &str) -> String {
    browser
        .client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

/// Sets a field's value as a person picking it would (date pickers and selects).
async fn set(browser: &Browser, css: &str, value: &str) {
    browser
        .client
        .execute(
            "document.querySelector(arguments[0]).value = arguments[1];",
            vec![json!(css), json!(value)],
        )
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
}

/// Clicks a form's button and waits for the next page (not the one still showing).
async fn submit(browser: &Browser, button: &str, then: &str) {
    browser
        .client
        .execute("document.body.dataset.left = '1';", vec![])
        .await
        .expect("mark the page");
    browser.click(button).await;
    browser
        .wait_for(&format!("body:not([data-left]) {then}"))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn training_a_session_is_organised_attended_and_the_coverage_moves() {
    let app = TestApp::start(Backend::Sqlite).await;
    crate::training::setup(&app).await;
    let national = app
        .signed_in("ministry", "ministry", &[Role::NationalAnalyst])
        .await;
    let user = app
        .user("coord", "sale-centre", &[Role::Coordinator], true)
        .await;
    let (cookie, csrf) = app.session(&user).await;
    let coordinator = Signed {
        app: &app,
        cookie,
        csrf,
    };
    let module = national
        .post("/api/v1/training/modules", &json!({
            "code": "M-ACC", "title": "الاستقبال والإنصات وتقييم وضعية الطفل", "objectives": "الاستقبال",
            "duration_hours": "12", "audience": "centre_staff"
        }))
        .await;
    assert_eq!(
        module.status,
        axum::http::StatusCode::CREATED,
        "{}",
        module.body
    );
    let trainer = coordinator
        .post("/api/v1/training/trainers", &json!({"full_name": "ذة. نزهة البقالي", "organisation": "التعاون الوطني", "trainer_of_trainers": "true"}))
        .await;
    assert_eq!(trainer.status, axum::http::StatusCode::CREATED);
    let staff = coordinator
        .post(
            "/api/v1/training/staff",
            &json!({"organisation": "sale-hospital", "staff": 4}),
        )
        .await;
    assert_eq!(staff.status, axum::http::StatusCode::OK, "{}", staff.body);

    let Some(browser) = Browser::start(360, 2400).await else {
        return;
    };
    let base = serve(&app).await;
    sign_in(&browser, &base, &app, "coord", &user).await;
    browser.wait_for("a.tile").await;
    browser
        .client
        .goto(&format!("{base}/training"))
        .await
        .expect("open");
    browser.wait_for("#plan-title").await;
    assert_eq!(browser.html_attr("dir").await, "rtl");
    browser.screenshot("training-plan-ar-360").await;

    // A new session: the form opens, is filled and sent.
    browser.click("details.section summary").await;
    set(&browser, "#s-plan", "3").await;
    browser.type_into("#s-place", "قاعة العمالة، سلا").await;
    set(&browser, "#s-from", "2026-11-16").await;
    set(&browser, "#s-to", "2026-11-17").await;
    browser.click("input[name=trainer]").await;
    browser
        .assert_fits_the_screen("the new session's form scrolls sideways at 360 px")
        .await;
    browser.screenshot("training-new-session-ar-360").await;
    submit(
        &browser,
        "form[action='/training/sessions'] button.primary",
        "#participants-title",
    )
    .await;

    // A doctor of the hospital is invited.
    browser.click("details.section summary").await;
    browser.type_into("#p-name", "د. كريم المنصوري").await;
    set(&browser, "#p-org", "sale-hospital").await;
    browser.type_into("#p-fn", "طبيب شرعي").await;
    submit(
        &browser,
        "form[action$='/participants'] button.primary",
        "form[id='day-2026-11-16']",
    )
    .await;

    // The attendance sheet of each day, ticked and saved.
    for day in ["2026-11-16", "2026-11-17"] {
        browser
            .click(&format!("form[id='day-{day}'] input[name=present]"))
            .await;
        submit(
            &browser,
            &format!("form[id='day-{day}'] button"),
            "#participants-title",
        )
        .await;
    }
    assert_eq!(text_of(&browser, "#session-trained").await, "1");
    browser
        .assert_fits_the_screen("the session's page scrolls sideways at 360 px")
        .await;
    browser.screenshot("training-session-attended-ar-360").await;

    // The coverage moved: one of the hospital's four trained.
    browser
        .client
        .goto(&format!("{base}/training/coverage"))
        .await
        .expect("open");
    browser.wait_for("#coverage").await;
    let table = text_of(&browser, "#coverage").await;
    assert!(table.contains("1 (25%)"), "{table}");
    browser
        .assert_fits_the_screen("the coverage scrolls sideways at 360 px")
        .await;
    browser.screenshot("training-coverage-ar-360").await;

    // The "?" opens the guide of the training pages.
    browser
        .client
        .goto(&format!("{base}/training"))
        .await
        .expect("open");
    browser.click("a.guide-link").await;
    browser.wait_for("article.guide").await;
    assert!(
        text_of(&browser, "article.guide")
            .await
            .contains("تنظيم دورة")
    );
    browser.screenshot("training-guide-ar-360").await;

    // The rollout: Salé's staff trained is measured done; the map and table show it.
    browser
        .client
        .goto(&format!("{base}/rollout"))
        .await
        .expect("open");
    browser
        .wait_for("#m-staff_trained[data-status='done']")
        .await;
    browser.wait_for("#rollout-table").await;
    browser.screenshot("training-rollout-ar-360").await;
    browser.close().await;
    app.finish().await;
}
