//! A case transferred to another province and two records of one child merged, in a
//! real browser at 360 px in Arabic (issues 15 §4 and 18). Screenshots go to
//! target/screenshots/moves-*.png.

use crate::browser_journeys::{open_as, person, phone};
use crate::support::{Backend, TestApp};
use awladna_domain::access::Role;
use fantoccini::Locator;

async fn main_text(browser: &crate::browser::Browser) -> String {
    browser
        .client
        .find(Locator::Css("main"))
        .await
        .expect("main")
        .text()
        .await
        .expect("text")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moves_a_case_is_transferred_to_another_province_which_accepts_it() {
    let app = TestApp::start(Backend::Sqlite).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("kenitra-centre", "family_solidarity", Some("kenitra"))
        .await;
    let (user, nadia) = person(&app, "nadia", "sale-centre", Role::CaseWorker).await;
    let (chief, _) = person(&app, "kchief", "kenitra-centre", Role::Coordinator).await;
    let case = crate::journeys::sale_case(&nadia, "سلمى").await;
    let Some((browser, base)) = phone(&app, 1600).await else {
        return;
    };
    open_as(
        &browser,
        &base,
        &app,
        ("nadia", &user),
        &format!("{base}/cases/{case}"),
    )
    .await;
    browser
        .click(&format!("a[href='/cases/{case}/transfer']"))
        .await;
    browser.wait_for("#transfer-to").await;
    browser
        .client
        .find(Locator::Css("#transfer-to"))
        .await
        .expect("select")
        .select_by_value("kenitra")
        .await
        .expect("choose");
    browser
        .type_into("#transfer-reason", "انتقلت الأسرة إلى القنيطرة منذ أسبوع")
        .await;
    browser
        .assert_fits_the_screen("the transfer form scrolls sideways at 360 px")
        .await;
    browser.screenshot("moves-transfer-request-ar-360").await;
    browser
        .click("form[action$='/transfer'] button.primary")
        .await;
    browser.wait_for(".case-stepper").await;
    assert!(main_text(&browser).await.contains("طلب نقل الملف"));
    browser.close().await;

    // Kénitra's coordinator sees it waiting, accepts after a confirmation.
    let Some((browser, base)) = phone(&app, 1600).await else {
        return;
    };
    open_as(
        &browser,
        &base,
        &app,
        ("kchief", &chief),
        &format!("{base}/transfers"),
    )
    .await;
    browser.wait_for("button[value=accept]").await;
    assert!(
        main_text(&browser)
            .await
            .contains("انتقلت الأسرة إلى القنيطرة")
    );
    browser
        .assert_fits_the_screen("the transfers page scrolls sideways at 360 px")
        .await;
    browser.screenshot("moves-transfers-waiting-ar-360").await;
    browser.click("button[value=accept]").await;
    browser.wait_for("input[name=confirmed]").await;
    browser.screenshot("moves-transfer-confirm-ar-360").await;
    browser.click("form.button-row button.primary").await;
    browser.wait_for("#transfers-waiting").await;
    browser
        .client
        .goto(&format!("{base}/cases/{case}"))
        .await
        .expect("open");
    browser.wait_for(".case-stepper").await;
    assert!(main_text(&browser).await.contains("قبل نقل الملف"));
    browser
        .assert_fits_the_screen("the transferred case scrolls sideways at 360 px")
        .await;
    browser.screenshot("moves-transfer-accepted-ar-360").await;
    browser.close().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moves_two_records_of_one_child_are_compared_and_merged() {
    let app = TestApp::start(Backend::Sqlite).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let (user, nadia) = person(&app, "nadia", "sale-centre", Role::CaseWorker).await;
    let (case1, _) = crate::child_merge::new_child(&nadia, "سلمى", "الإدريسي").await;
    let (_, child2) = crate::child_merge::new_child(&nadia, "سلمى", "الادريسي").await;
    let Some((browser, base)) = phone(&app, 1600).await else {
        return;
    };
    open_as(
        &browser,
        &base,
        &app,
        ("nadia", &user),
        &format!("{base}/cases/{case1}"),
    )
    .await;
    browser
        .click(&format!("a[href='/cases/{case1}/merge']"))
        .await;
    let beside = format!("a[href='/cases/{case1}/merge?with={child2}']");
    browser.wait_for(&beside).await;
    browser.click(&beside).await;
    browser.wait_for("#merge-keep-this").await;
    assert!(main_text(&browser).await.contains("الادريسي"));
    browser
        .assert_fits_the_screen("the merge screen scrolls sideways at 360 px")
        .await;
    browser.screenshot("moves-merge-ar-360").await;
    browser.click("#merge-keep-this").await;
    browser.wait_for("#merge-history").await;
    assert!(main_text(&browser).await.contains("تم الدمج"));
    browser.screenshot("moves-merged-ar-360").await;
    browser.close().await;
    app.finish().await;
}
