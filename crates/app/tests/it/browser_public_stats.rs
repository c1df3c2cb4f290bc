//! The public statistics page in a real browser, at 360 px in Arabic, without an
//! account (issue 19 §3). Screenshots go to target/screenshots/public-stats-*.png.

use crate::browser::{Browser, serve};
use crate::public_stats::scenario;
use crate::support::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_statistics_read_on_a_phone_in_arabic() {
    let app = TestApp::start(Backend::Sqlite).await;
    scenario(&app).await;
    let Some(browser) = Browser::start(360, 1400).await else {
        return;
    };
    let base = serve(&app).await;
    browser
        .client
        .goto(&format!("{base}/help"))
        .await
        .expect("open the help page");
    browser.click("a[href='/public/statistics']").await;
    browser.wait_for("#places-title").await;
    assert_eq!(browser.html_attr("dir").await, "rtl");
    browser
        .assert_fits_the_screen("the public statistics scroll sideways at 360 px")
        .await;
    browser.screenshot("public-stats-ar-360").await;
    browser.click("#regions-title + details summary").await;
    browser.screenshot("public-stats-region-ar-360").await;
}
