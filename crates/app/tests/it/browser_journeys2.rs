//! Issue 18's remaining journeys in a real browser, at 360 px in Arabic: a flag added
//! from its page shows on the case and its forms; a coordinator returns and approves a
//! request after a confirmation. Screenshots go to target/screenshots/journey2-*.png.

use crate::browser_journeys::{open_as, person, phone, text_of};
use crate::support::{Backend, TestApp};
use awladna_domain::access::Role;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey2_a_flag_is_added_with_its_reason_and_shows_on_every_page_of_the_case() {
    let app = TestApp::start(Backend::Sqlite).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let (user, nadia) = person(&app, "nadia", "sale-centre", Role::CaseWorker).await;
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
    // From the case page, the flags' page.
    browser
        .click(&format!("a[href='/cases/{case}/flags']"))
        .await;
    browser.wait_for("#flag-text").await;
    // Saved without a reason: told, and the flag typed is kept.
    browser.type_into("#flag-text", "لا يُتصل بالأب").await;
    browser
        .client
        .execute(
            "document.getElementById('flag-reason').removeAttribute('required')",
            vec![],
        )
        .await
        .expect("script");
    browser.click("form[action$='/flags'] button.primary").await;
    browser.wait_for(".problem").await;
    let kept = browser
        .client
        .find(Locator::Css("#flag-text"))
        .await
        .expect("field")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(kept.as_deref(), Some("لا يُتصل بالأب"));
    browser
        .type_into("#flag-reason", "أمر قضائي بالإبعاد منذ 2026-11-20")
        .await;
    browser
        .click("form[action$='/flags'] input[name=shareable] + span")
        .await;
    browser.click("form[action$='/flags'] button.primary").await;
    // Back on the case: the flag heads it.
    browser.wait_for(".case-flags").await;
    assert!(text_of(&browser, "main").await.contains("لا يُتصل بالأب"));
    browser
        .assert_fits_the_screen("the case page with a flag scrolls sideways at 360 px")
        .await;
    browser.screenshot("journey2-case-flag-ar-360").await;
    // And on the evaluation form.
    browser
        .client
        .goto(&format!("{base}/cases/{case}/evaluate"))
        .await
        .expect("open");
    browser.wait_for(".case-flags").await;
    browser
        .assert_fits_the_screen("the evaluation with a flag scrolls sideways at 360 px")
        .await;
    browser.screenshot("journey2-evaluate-flag-ar-360").await;
    browser.close().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey2_a_coordinator_approves_a_closure_after_a_confirmation() {
    let app = TestApp::start(Backend::Sqlite).await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    let (_, amal) = person(&app, "amal", "rabat-centre", Role::CaseWorker).await;
    let (user, _) = person(&app, "chief", "rabat-centre", Role::Coordinator).await;
    let case = crate::approvals::rabat_case(&amal).await;
    let asked = amal
        .post(
            &format!("/api/v1/cases/{case}/approvals"),
            &serde_json::json!({"step": "closure", "comment": "عادت الطفلة إلى أسرتها"}),
        )
        .await;
    assert!(asked.status.is_success(), "{}", asked.body);
    let Some((browser, base)) = phone(&app, 1600).await else {
        return;
    };
    open_as(
        &browser,
        &base,
        &app,
        ("chief", &user),
        &format!("{base}/cases/{case}"),
    )
    .await;
    browser
        .click(&format!("a[href='/cases/{case}/approvals']"))
        .await;
    browser.wait_for("button[value=approve]").await;
    browser
        .assert_fits_the_screen("the approvals page scrolls sideways at 360 px")
        .await;
    browser.screenshot("journey2-approvals-ar-360").await;
    browser
        .type_into("textarea[name=comment]", "موافق، مع زيارة بعد شهر")
        .await;
    browser.click("button[value=approve]").await;
    // A confirmation first, saying what is decided.
    browser.wait_for("input[name=confirmed]").await;
    assert!(
        text_of(&browser, "main")
            .await
            .contains("موافق، مع زيارة بعد شهر")
    );
    browser
        .assert_fits_the_screen("the confirmation scrolls sideways at 360 px")
        .await;
    browser.screenshot("journey2-approval-confirm-ar-360").await;
    browser.click("form.button-row button.primary").await;
    browser.wait_for(".case-stepper").await;
    let page = text_of(&browser, "main").await;
    assert!(page.contains("تمت الموافقة") && page.contains("موافق، مع زيارة بعد شهر"));
    browser
        .screenshot("journey2-approval-timeline-ar-360")
        .await;
    browser.close().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey2_the_forms_own_language_buttons_keep_what_was_typed_without_script() {
    let app = TestApp::start(Backend::Sqlite).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let (user, nadia) = person(&app, "nadia", "sale-centre", Role::CaseWorker).await;
    let case = crate::journeys::sale_case(&nadia, "سلمى").await;
    let Some((browser, base)) = phone(&app, 2400).await else {
        return;
    };
    let path = format!("/cases/{case}/cards/followup");
    open_as(
        &browser,
        &base,
        &app,
        ("nadia", &user),
        &format!("{base}{path}"),
    )
    .await;
    browser.wait_for("#f-situation-notes").await;
    browser
        .type_into("#f-situation-notes", "زيارة منزلية: الطفلة بخير")
        .await;
    // The form's own button (no script involved: a submit with formaction).
    browser
        .click("button[formaction='/lang/form'][value=fr]")
        .await;
    browser.wait_for("html[lang=fr]").await;
    let kept = browser
        .client
        .find(Locator::Css("#f-situation-notes"))
        .await
        .expect("notes")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(kept.as_deref(), Some("زيارة منزلية: الطفلة بخير"));
    browser
        .assert_fits_the_screen("the form in French scrolls sideways at 360 px")
        .await;
    browser.screenshot("journey2-form-language-fr-360").await;
    // And back to Arabic, still kept.
    browser
        .click("button[formaction='/lang/form'][value=ar]")
        .await;
    browser.wait_for("html[lang=ar]").await;
    assert!(
        text_of(&browser, "main").await.contains("الطفلة") || {
            let v = browser
                .client
                .find(Locator::Css("#f-situation-notes"))
                .await
                .expect("notes")
                .prop("value")
                .await
                .expect("value");
            v.as_deref() == Some("زيارة منزلية: الطفلة بخير")
        }
    );
    browser.screenshot("journey2-form-language-ar-360").await;
    browser.close().await;
    app.finish().await;
}

/// Where an element's bottom edge falls, in CSS pixels from the top of the window.
async fn bottom_of(browser: &crate::browser::Browser, css: &str) -> f64 {
    let script = format!("return document.querySelector({css:?}).getBoundingClientRect().bottom;");
    browser
        .client
        .execute(&script, vec![])
        .await
        .expect("script")
        .as_f64()
        .expect("a number")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey2_a_case_opens_on_a_phone_with_the_childs_name_and_the_next_action() {
    let app = TestApp::start(Backend::Sqlite).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let (user, nadia) = person(&app, "nadia", "sale-centre", Role::CaseWorker).await;
    let case = crate::journeys::sale_case(&nadia, "سلمى").await;
    let Some((browser, base)) = phone(&app, 800).await else {
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
    browser.wait_for(".case-head h1").await;
    let head = text_of(&browser, ".case-head").await;
    assert!(head.contains("سلمى"), "the head names the child: {head}");
    assert!(head.contains("المرحلة"), "and says the stage: {head}");
    // No evaluation yet: that is what to do next, within the first screen.
    let next = browser
        .client
        .find(Locator::Css(".next-action a.button"))
        .await
        .expect("a next action");
    assert_eq!(
        next.attr("href").await.expect("href").as_deref(),
        Some(format!("/cases/{case}/evaluate").as_str())
    );
    let bottom = bottom_of(&browser, ".next-action a.button").await;
    assert!(
        bottom <= 800.0,
        "the next action is below the first screen ({bottom} px)"
    );
    let stepper = browser
        .client
        .execute(
            "return getComputedStyle(document.querySelector('.case-stepper')).display;",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(
        stepper.as_str(),
        Some("none"),
        "a phone shows the stage line, not the stepper"
    );
    // No flag on the case: a quiet link to add one, not a button announcing flags.
    assert!(
        browser
            .client
            .find(Locator::Css(&format!(
                "a.button[href='/cases/{case}/flags']"
            )))
            .await
            .is_err()
    );
    browser
        .client
        .find(Locator::Css(&format!(
            ".child-card a[href='/cases/{case}/flags']"
        )))
        .await
        .expect("a link to add a flag");
    browser
        .assert_fits_the_screen("the case page scrolls sideways at 360 px")
        .await;
    browser
        .screenshot("journey2-case-first-screen-ar-360")
        .await;
    browser.close().await;
    app.finish().await;
}
