//! The unified protocol in a real browser, at 360 px in Arabic (issue 15 §4): a case
//! worker opens the case of a child who suffered sexual violence at the initial
//! diagnosis, taps the forensic examination the protocol proposes, and the linking card
//! proposes Salé's hospital, which offers it, first. Screenshots go to
//! target/screenshots/protocol-*.png.

use crate::browser::{Browser, serve, sign_in};
use crate::protocol::{case_at, setup};
use crate::support::{Backend, Signed, TestApp};
use awladna_domain::access::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_the_linking_card_proposes_who_offers_the_service() {
    let app = TestApp::start(Backend::Sqlite).await;
    setup(&app).await;
    let user = app
        .user("nadia", "sale-centre", &[Role::CaseWorker], true)
        .await;
    let (cookie, csrf) = app.session(&user).await;
    let nadia = Signed {
        app: &app,
        cookie,
        csrf,
    };
    let case = case_at(&nadia, "sale", "sexual_violence", "initial_diagnosis").await;

    let Some(browser) = Browser::start(360, 1400).await else {
        return;
    };
    let base = serve(&app).await;
    sign_in(&browser, &base, &app, "nadia", &user).await;
    browser.wait_for("a.tile").await;
    browser
        .client
        .goto(&format!("{base}/cases/{case}"))
        .await
        .expect("open the case");
    browser.wait_for("#protocol-next-h").await;
    assert_eq!(browser.html_attr("dir").await, "rtl");
    browser
        .assert_fits_the_screen("the case page scrolls sideways at 360 px")
        .await;
    browser.screenshot("protocol-case-ar-360").await;
    // The proposals are folded: open them and follow the forensic examination.
    browser
        .click("section[aria-labelledby='protocol-next-h'] summary")
        .await;
    browser.screenshot("protocol-case-proposals-ar-360").await;
    browser.click("a[href$='service=forensic_exam']").await;
    browser.wait_for("#proposed-orgs").await;
    browser
        .assert_fits_the_screen("the linking card scrolls sideways at 360 px")
        .await;
    browser.screenshot("protocol-refer-ar-360").await;
    let proposed = browser
        .client
        .find(fantoccini::Locator::Css("#proposed-orgs"))
        .await
        .expect("proposed")
        .html(false)
        .await
        .expect("html");
    assert!(proposed.contains("sale-hospital"), "{proposed}");
    assert!(!proposed.contains("rabat-hospital") && !proposed.contains("sale-clinic"));
    // The form's list offers the proposed first, the others after.
    let first = browser
        .client
        .execute(
            "return document.querySelector('#to_org optgroup option').value;",
            vec![],
        )
        .await
        .expect("first option");
    assert_eq!(first.as_str(), Some("sale-hospital"));
    // The only organisation proposed is chosen already; the worker may still change it.
    let chosen = browser
        .client
        .execute("return document.querySelector('#to_org').value;", vec![])
        .await
        .expect("chosen");
    assert_eq!(chosen.as_str(), Some("sale-hospital"));
    let service = browser
        .client
        .execute("return document.querySelector('#service').value;", vec![])
        .await
        .expect("service");
    assert_eq!(service.as_str(), Some("forensic_exam"));

    // The protocol itself, on the phone.
    browser
        .client
        .goto(&format!("{base}/protocol"))
        .await
        .expect("open the protocol");
    browser.wait_for("#stage-initial_diagnosis").await;
    browser
        .assert_fits_the_screen("the protocol scrolls sideways at 360 px")
        .await;
    browser.screenshot("protocol-page-ar-360").await;
    browser.close().await;
    app.finish().await;
}
