//! The committee's planning in a real browser, at 360 px in Arabic (issue 14 §3–4): a
//! sector's focal point fills its section of the diagnosis from its phone (a refused
//! answer comes back as typed), the technical cell consolidates and drafts the plan from
//! the diagnosis's priorities, and the focal point records progress on its action. The
//! screenshots go to target/screenshots/committee-*.png.

use crate::browser::{Browser, serve, sign_in};
use crate::support::{Backend, Signed, TestApp, TestUser};
use awladna_domain::access::Role;
use fantoccini::Locator;
use serde_json::json;

async fn person<'a>(app: &'a TestApp, name: &str, org: &str, role: Role) -> (TestUser, Signed<'a>) {
    let user = app.user(name, org, &[role], true).await;
    let (cookie, csrf) = app.session(&user).await;
    (user, Signed { app, cookie, csrf })
}

async fn choose(browser: &Browser, css: &str, value: &str) {
    browser
        .client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("{css} = {value}: {e}"));
}

async fn text(browser: &Browser) -> String {
    // The page may still be replacing itself after a submission: ask again.
    for _ in 0..20 {
        if let Ok(body) = browser.client.find(Locator::Css("main")).await
            && let Ok(text) = body.text().await
        {
            return text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("the page has no main text");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_a_sector_fills_its_diagnosis_and_follows_its_action_from_a_phone() {
    let app = TestApp::start(Backend::Sqlite).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("sale-interior", "interior", Some("sale"))
        .await;
    let (_, sec) = person(&app, "sec", "sale-centre", Role::Secretariat).await;
    let (focal, _) = person(&app, "fp", "sale-centre", Role::FocalPoint).await;
    // A colleague of the same service (a code of the authentication app is used once).
    let (colleague, _) = person(&app, "fp3", "sale-centre", Role::FocalPoint).await;
    let (_, interior) = person(&app, "fp2", "sale-interior", Role::FocalPoint).await;
    let (cell_user, cell) = person(&app, "cell", "sale-centre", Role::TechnicalOfficer).await;
    let (_, chair) = person(&app, "chair", "sale-centre", Role::CommitteeChair).await;
    let opened = sec
        .post(
            "/api/v1/diagnoses",
            &json!({"from": "2026-01", "to": "2026-10", "sections": {
            "services": "sale-centre", "risks": "sale-interior", "information": "sale-interior",
            "resources": "sale-interior", "coordination": "sale-interior"}}),
        )
        .await;
    let diagnosis = opened.json()["id"].as_str().expect("id").to_owned();
    for (area, answers) in [
        (
            "risks",
            json!({"main_risk": "neglect", "risk_knowledge": "2"}),
        ),
        (
            "information",
            json!({"data_shared": "3", "indicators_followed": "3", "studies": "1"}),
        ),
        (
            "resources",
            json!({"trained_staff": "3", "social_workers": "12", "budget": "2"}),
        ),
        (
            "coordination",
            json!({"committee_meets": "3", "referral_protocol": "2"}),
        ),
    ] {
        let saved = interior
            .post(
                &format!("/api/v1/diagnoses/{diagnosis}/sections/{area}"),
                &json!({"version": 1, "submit": true, "answers": answers}),
            )
            .await;
        assert_eq!(saved.status, 200, "{}", saved.body);
    }
    let Some(browser) = Browser::start(360, 800).await else {
        return;
    };
    let base = serve(&app).await;

    // The focal point fills its organisation's section from its phone.
    sign_in(&browser, &base, &app, "fp", &focal).await;
    browser.wait_for("form[action='/logout']").await;
    browser
        .client
        .goto(&format!("{base}/diagnoses/{diagnosis}"))
        .await
        .expect("open");
    browser.click("a[href$='/sections/services']").await;
    browser.wait_for("#q-detection_services").await;
    choose(&browser, "#q-detection_services", "1").await;
    choose(&browser, "#q-care_services", "1").await;
    browser.type_into("#q-shelter_places", "عشرون").await;
    browser.click("button.primary").await;
    browser.wait_for("section.problem").await;
    let refused = text(&browser).await;
    assert!(refused.contains("عدد أماكن الإيواء"), "{refused}");
    let kept = browser
        .client
        .execute(
            "return document.querySelector('#q-shelter_places').value;",
            vec![],
        )
        .await
        .expect("value");
    assert_eq!(kept.as_str(), Some("عشرون"));
    browser
        .assert_fits_the_screen("the diagnosis section scrolls sideways at 360 px")
        .await;
    browser
        .screenshot("committee-diagnosis-section-refused-ar-360")
        .await;
    browser
        .client
        .execute(
            "document.querySelector('#q-shelter_places').value = '5';",
            vec![],
        )
        .await
        .expect("fix");
    browser.click("input[name='submit']").await;
    browser.click("button.primary").await;
    browser.wait_for("#priorities-title").await;
    let page = text(&browser).await;
    assert!(page.contains("مرسل"), "{page}");
    browser.screenshot("committee-diagnosis-ar-360").await;

    // The technical cell consolidates; the chair approves; the cell drafts the plan.
    browser.client.delete_all_cookies().await.expect("sign out");
    sign_in(&browser, &base, &app, "cell", &cell_user).await;
    browser.wait_for("form[action='/logout']").await;
    browser
        .client
        .goto(&format!("{base}/diagnoses/{diagnosis}"))
        .await
        .expect("open");
    browser.click("form[action$='/consolidate'] button").await;
    browser.wait_for("#priorities-title").await;
    assert!(text(&browser).await.contains("مجمّع"));
    let v = chair
        .get(&format!("/api/v1/diagnoses/{diagnosis}"))
        .await
        .json()["version"]
        .as_i64()
        .expect("version");
    let approved = chair
        .post(
            &format!("/api/v1/diagnoses/{diagnosis}/approve"),
            &json!({"version": v}),
        )
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    browser
        .client
        .goto(&format!("{base}/action-plans"))
        .await
        .expect("open");
    browser.wait_for("#f-title").await;
    browser
        .type_into("#f-title", "خطة العمل الإقليمية 2026-2028")
        .await;
    browser.type_into("#f-first", "2026").await;
    browser.click("form[action='/action-plans'] button").await;
    browser.wait_for("#tree-title").await;
    let plan_url = browser.client.current_url().await.expect("url");
    let plan = plan_url.path().rsplit('/').next().expect("id").to_owned();
    let tree = text(&browser).await;
    assert!(
        tree.contains("البنيات والخدمات"),
        "the diagnosis's priority seeds the plan: {tree}"
    );
    browser.screenshot("committee-plan-draft-ar-360").await;

    // The plan is completed and approved, then the focal point records its progress.
    let read = cell
        .get(&format!("/api/v1/action-plans/{plan}"))
        .await
        .json();
    let priority = read["priorities"][0]["key"]
        .as_str()
        .expect("priority")
        .to_owned();
    let edit = |v: i64, body: serde_json::Value| {
        let mut body = body;
        body["version"] = json!(v);
        body
    };
    cell.post(&format!("/api/v1/action-plans/{plan}/edit"), &edit(1, json!({"kind": "add_objective", "priority": priority, "title": "تغطية الإقليم بخدمات التكفل"}))).await;
    let objective = cell
        .get(&format!("/api/v1/action-plans/{plan}"))
        .await
        .json()["priorities"][0]["objectives"][0]["key"]
        .as_str()
        .expect("objective")
        .to_owned();
    let added = cell
        .post(&format!("/api/v1/action-plans/{plan}/edit"), &edit(2, json!({"kind": "add_action", "objective": objective,
            "title": "إحداث وحدة للتكفل النفسي", "organisation": "sale-centre", "start": "2026-03-01", "end": "2027-03-01",
            "budget": [{"year": 2026, "source": "state", "amount": 120000}]})))
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let meeting = sec
        .post(
            "/api/v1/meetings",
            &json!({"kind": "ordinary", "starts_at": "2026-11-20T10:00", "place": "عمالة سلا"}),
        )
        .await
        .json()["id"]
        .as_str()
        .expect("meeting")
        .to_owned();
    sec.post(
        &format!("/api/v1/meetings/{meeting}/items"),
        &json!({"version": 1, "kind": "deliberation", "title": "خطة العمل"}),
    )
    .await;
    sec.post(
        &format!("/api/v1/meetings/{meeting}/convene"),
        &json!({"version": 2}),
    )
    .await;
    let approved = chair
        .post(
            &format!("/api/v1/action-plans/{plan}/approve"),
            &json!({"version": 3, "meeting": meeting}),
        )
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    browser.client.delete_all_cookies().await.expect("sign out");
    sign_in(&browser, &base, &app, "fp3", &colleague).await;
    browser.wait_for("form[action='/logout']").await;
    browser.client.goto(plan_url.as_str()).await.expect("open");
    browser.wait_for("input[name='percent']").await;
    browser.type_into("input[name='percent']", "40").await;
    browser
        .type_into("textarea[name='note']", "انطلقت الأشغال")
        .await;
    browser.click("form[action$='/progress'] button").await;
    browser.wait_for("#tree-title").await;
    let followed = text(&browser).await;
    assert!(
        followed.contains("40%") && followed.contains("انطلقت الأشغال"),
        "{followed}"
    );
    browser
        .assert_fits_the_screen("the action plan scrolls sideways at 360 px")
        .await;
    browser.screenshot("committee-plan-progress-ar-360").await;
    browser.close().await;
    app.finish().await;
}
