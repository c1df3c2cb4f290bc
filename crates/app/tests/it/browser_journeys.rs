//! The journeys of issue 18 in a real browser, at 360 px in Arabic: each test failed
//! before its defect was fixed. Screenshots go to target/screenshots/journey-*.png.

use crate::browser::{Browser, serve, sign_in};
use crate::support::{Backend, Signed, TestApp, TestUser};
use awladna_domain::access::Role;
use fantoccini::Locator;

/// A user of `org` with `role`, and a session of theirs for setting things up by API.
pub(crate) async fn person<'a>(
    app: &'a TestApp,
    name: &str,
    org: &str,
    role: Role,
) -> (TestUser, Signed<'a>) {
    let user = app.user(name, org, &[role], true).await;
    let (cookie, csrf) = app.session(&user).await;
    (user, Signed { app, cookie, csrf })
}

async fn sale(app: &TestApp) {
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("sale-hospital", "health", Some("sale"))
        .await;
}

/// Salé, nadia, and a case of سلمى she follows.
async fn nadia_and_her_case() -> (TestApp, TestUser, String) {
    let app = TestApp::start(Backend::Sqlite).await;
    sale(&app).await;
    let (user, nadia) = person(&app, "nadia", "sale-centre", Role::CaseWorker).await;
    let case = crate::journeys::sale_case(&nadia, "سلمى").await;
    (app, user, case)
}

/// A phone of this height serving `app`, or None without chromium.
pub(crate) async fn phone(app: &TestApp, height: u32) -> Option<(Browser, String)> {
    let browser = Browser::start(360, height).await?;
    Some((browser, serve(app).await))
}

/// Signs in as `who` and opens `url` (the home page first: signing in lands there).
pub(crate) async fn open_as(
    browser: &Browser,
    base: &str,
    app: &TestApp,
    who: (&str, &TestUser),
    url: &str,
) {
    sign_in(browser, base, app, who.0, who.1).await;
    browser.wait_for("a.tile").await;
    browser.client.goto(url).await.expect("open");
}

pub(crate) async fn text_of(browser: &Browser, css: &str) -> String {
    browser
        .client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_an_evaluation_shows_its_result_and_opens_again_from_the_timeline() {
    let (app, user, case) = nadia_and_her_case().await;
    let Some((browser, base)) = phone(&app, 3200).await else {
        return;
    };
    open_as(
        &browser,
        &base,
        &app,
        ("nadia", &user),
        &format!("{base}/cases/{case}/evaluate"),
    )
    .await;
    browser.wait_for("form[action$='/evaluate']").await;
    let answers = crate::cases::evaluation(&["safety.no_safe_place"]);
    for (question, answer) in answers.as_object().expect("object") {
        let answer = answer.as_str().unwrap_or_default();
        if answer == "yes" || answer == "no" {
            browser
                .click(&format!(
                    "input[name='{question}'][value='{answer}'] + span"
                ))
                .await;
        }
    }
    browser
        .type_into("textarea[name=justification]", "زيارة منزلية")
        .await;
    browser.click("button.primary").await;
    browser.wait_for(".evaluation-result").await;
    let result = text_of(&browser, ".evaluation-result").await;
    assert!(result.contains("فوري"), "the level is shown: {result}");
    assert!(
        result.contains("هل الطفل بدون مكان آمن للمبيت هذه الليلة؟"),
        "the answer that drove it is shown: {result}"
    );
    browser
        .assert_fits_the_screen("the evaluation's result scrolls sideways at 360 px")
        .await;
    browser.screenshot("journey-evaluation-result-ar-360").await;

    // Back on the case, the evaluation opens again from the timeline.
    browser.click("a.button[href^='/cases/']").await;
    browser.wait_for(".timeline").await;
    browser.screenshot("journey-case-timeline-ar-360").await;
    browser.click(".timeline a[href*='/records/']").await;
    browser.wait_for("button.print").await;
    let title = text_of(&browser, "h1").await;
    assert!(!title.is_empty());
    browser.screenshot("journey-timeline-card-ar-360").await;
    browser.close().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_a_focal_point_sees_only_what_it_may_open_and_a_refusal_keeps_it_signed_in() {
    let app = TestApp::start(Backend::Sqlite).await;
    sale(&app).await;
    let (user, _) = person(&app, "dr-karim", "sale-hospital", Role::FocalPoint).await;
    let Some(browser) = Browser::start(360, 800).await else {
        return;
    };
    let base = serve(&app).await;
    sign_in(&browser, &base, &app, "dr-karim", &user).await;
    browser.wait_for(".main-nav a[href='/referrals']").await;
    let menus = browser
        .client
        .find_all(Locator::Css(".main-nav a, .more-nav a"))
        .await
        .expect("menus");
    let mut links = Vec::new();
    for a in menus {
        links.push(a.attr("href").await.expect("href").unwrap_or_default());
    }
    for refused in ["/cases", "/children", "/actions/overdue", "/stats"] {
        assert!(
            !links.iter().any(|l| l == refused),
            "{refused} is offered to a focal point: {links:?}"
        );
    }
    browser.screenshot("journey-menu-focal-point-ar-360").await;
    browser
        .client
        .goto(&format!("{base}/cases"))
        .await
        .expect("open");
    browser.wait_for(".instead a[href='/referrals']").await;
    let header = text_of(&browser, ".who").await;
    assert!(
        header.contains("dr-karim") && header.contains("تسجيل الخروج"),
        "the refusal keeps the signed-in header: {header}"
    );
    browser
        .assert_fits_the_screen("the refusal scrolls sideways at 360 px")
        .await;
    browser
        .screenshot("journey-refusal-focal-point-ar-360")
        .await;
    browser.close().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_back_then_save_stores_the_report_once_and_says_so() {
    let app = TestApp::start(Backend::Sqlite).await;
    sale(&app).await;
    let (user, _) = person(&app, "nadia", "sale-centre", Role::CaseWorker).await;
    let Some(browser) = Browser::start(360, 2600).await else {
        return;
    };
    let base = serve(&app).await;
    sign_in(&browser, &base, &app, "nadia", &user).await;
    browser.wait_for("a.tile[href='/reports/new']").await;
    browser.click("a.tile[href='/reports/new']").await;
    browser.wait_for("form[action='/reports/new']").await;
    for chip in [
        "source'][value='police",
        "child.sex'][value='female",
        "concerns'][value='neglect",
        "urgency'][value='high",
    ] {
        browser.click(&format!("input[name='{chip}'] + span")).await;
    }
    browser
        .type_into("input[name='child.first_name']", "وفاء")
        .await;
    browser.click("button.primary").await;
    browser.wait_for("form[action$='/triage']").await;
    browser.client.back().await.expect("back");
    browser.wait_for("form[action='/reports/new']").await;
    browser.click("button.primary").await;
    browser.wait_for("p.notice[role=status]").await;
    let told = text_of(&browser, "p.notice[role=status]").await;
    assert!(told.contains("مرة واحدة"), "{told}");
    let (_, waiting) = app
        .store
        .reports_awaiting_triage("sale", 10)
        .await
        .expect("waiting");
    assert_eq!(waiting, 1, "one report, not two");
    browser
        .assert_fits_the_screen("the report page scrolls sideways at 360 px")
        .await;
    browser.screenshot("journey-report-sent-twice-ar-360").await;
    browser.close().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_the_stage_menu_moves_a_case_forward_not_back() {
    let (app, user, case) = nadia_and_her_case().await;
    let nadia = crate::journeys::session_of(&app, &user).await;
    for to in ["immediate_assistance", "initial_diagnosis"] {
        assert!(nadia.move_case(&case, to, None).await.status.is_success());
    }
    let Some((browser, base)) = phone(&app, 2400).await else {
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
    browser.wait_for("#reason").await;
    // The worker types a reason and saves, as the walker did.
    browser.type_into("#reason", "انتهى التشخيص الأولي").await;
    browser.click("form[action$='/move'] button.primary").await;
    // The page after the move: the stepper's current stage is the fourth.
    browser
        .wait_for(".case-stepper li:nth-child(4)[aria-current=step]")
        .await;
    browser
        .assert_fits_the_screen("the case page scrolls sideways at 360 px")
        .await;
    // The step back is there, behind its own explicit summary.
    browser.click("details.move-back summary").await;
    browser.wait_for("#back-reason").await;
    browser.screenshot("journey-stage-menu-ar-360").await;
    browser.close().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_todays_immediate_call_heads_the_waiting_list() {
    use crate::journeys::report_of;
    let app = TestApp::start(Backend::Sqlite).await;
    sale(&app).await;
    let (_, first) = person(&app, "first", "sale-centre", Role::CaseWorker).await;
    first
        .record_report(&report_of("قديمة", 12, "low", "school"))
        .await;
    app.clock
        .advance(jiff::SignedDuration::from_hours(24 * 400));
    let (user, nadia) = person(&app, "nadia", "sale-centre", Role::CaseWorker).await;
    nadia
        .record_report(&report_of("عاجلة", 5, "immediate", "line_2511"))
        .await;
    let Some(browser) = Browser::start(360, 800).await else {
        return;
    };
    let base = serve(&app).await;
    open_as(
        &browser,
        &base,
        &app,
        ("nadia", &user),
        &format!("{base}/reports/waiting"),
    )
    .await;
    browser.wait_for(".waiting-list li").await;
    let first_line = text_of(&browser, ".waiting-list li:first-child").await;
    assert!(
        first_line.contains("عاجلة") && first_line.contains("فوري") && first_line.contains('5'),
        "today's immediate call is first, with its urgency and the child's age: {first_line}"
    );
    let warning = text_of(&browser, ".oldest-waiting").await;
    assert!(
        warning.contains("400"),
        "the oldest is still named: {warning}"
    );
    browser
        .assert_fits_the_screen("the waiting list scrolls sideways at 360 px")
        .await;
    browser.screenshot("journey-waiting-list-ar-360").await;
    browser.close().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_a_typed_due_date_keeps_its_day_in_arabic_and_in_french() {
    let (app, user, case) = nadia_and_her_case().await;
    let Some((browser, base)) = phone(&app, 2400).await else {
        return;
    };
    open_as(
        &browser,
        &base,
        &app,
        ("nadia", &user),
        &format!("{base}/cases/{case}/plan"),
    )
    .await;
    browser.wait_for("#f-plan-due_date").await;
    browser
        .type_into("#f-plan-goal", "عودة آمنة إلى المدرسة")
        .await;
    browser
        .type_into("#f-plan-action", "لقاء مع مدير المدرسة")
        .await;
    browser
        .click("input[name='plan.responsible'][value='education'] + span")
        .await;
    // A date input's keys follow the browser's locale: set the date as the picker does.
    browser
        .client
        .execute(
            "document.querySelector('#f-plan-due_date').value = '2026-12-07';",
            vec![],
        )
        .await
        .expect("date");
    browser.click("button.primary").await;
    browser.wait_for("ul.plan li").await;
    let line = text_of(&browser, "ul.plan li").await;
    assert!(
        line.contains("2026-12-07") && !line.contains("2026-12-08"),
        "{line}"
    );
    browser.screenshot("journey-plan-due-date-ar-360").await;
    browser.click("a[hreflang=fr]").await;
    browser.wait_for("html[lang=fr]").await;
    let line = text_of(&browser, "ul.plan li").await;
    assert!(
        line.contains("2026-12-07") && !line.contains("2026-12-08"),
        "{line}"
    );
    browser
        .assert_fits_the_screen("the case page scrolls sideways at 360 px")
        .await;
    browser.screenshot("journey-plan-due-date-fr-360").await;
    browser.close().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_the_focal_point_decides_from_its_phone_in_one_screen() {
    let app = TestApp::start(Backend::Sqlite).await;
    sale(&app).await;
    let (_, nadia) = person(&app, "nadia", "sale-centre", Role::CaseWorker).await;
    let case = crate::journeys::sale_case(&nadia, "سلمى").await;
    nadia
        .send_referral(
            &case,
            &crate::support::linking_card("sale-hospital", &["identity", "evaluation"]),
        )
        .await;
    let (user, _) = person(&app, "dr-karim", "sale-hospital", Role::FocalPoint).await;
    let Some(browser) = Browser::start(360, 800).await else {
        return;
    };
    let base = serve(&app).await;
    sign_in(&browser, &base, &app, "dr-karim", &user).await;
    browser.wait_for(".counters a[href^='/referrals']").await;
    let counters = text_of(&browser, ".counters").await;
    assert!(
        counters.contains('1') && counters.contains("في انتظار جوابكم"),
        "{counters}"
    );
    browser.screenshot("journey-home-focal_point-ar-360").await;
    browser.click(".counters a[href^='/referrals']").await;
    browser.wait_for(".inbox-line").await;
    let line = text_of(&browser, ".inbox-line").await;
    for shown in ["فوري", "يبقى", "الفحص الطبي"] {
        assert!(line.contains(shown), "the inbox line shows {shown}: {line}");
    }
    browser
        .assert_fits_the_screen("the inbox scrolls sideways at 360 px")
        .await;
    browser.screenshot("journey-inbox-focal_point-ar-360").await;
    browser.click(".inbox-line a").await;
    browser.wait_for("form[action$='/accept'] button").await;
    // The accept button is on the first screen of the phone, above the shared file.
    let top = browser
        .client
        .execute(
            "return document.querySelector(\"form[action$='/accept'] button\").getBoundingClientRect().top;",
            vec![],
        )
        .await
        .expect("top");
    assert!(
        top.as_f64().is_some_and(|t| t < 800.0),
        "accept is {top} px down"
    );
    browser
        .assert_fits_the_screen("the linking card scrolls sideways at 360 px")
        .await;
    browser
        .screenshot("journey-referral-focal_point-ar-360")
        .await;
    browser.close().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_every_role_starts_on_a_home_page_with_its_own_counters() {
    let app = TestApp::start(Backend::Sqlite).await;
    sale(&app).await;
    app.organisation("ministry", "family_solidarity", None)
        .await;
    let Some(browser) = Browser::start(360, 800).await else {
        return;
    };
    let base = serve(&app).await;
    for role in Role::ALL {
        let org = if role == Role::NationalAnalyst {
            "ministry"
        } else if role == Role::FocalPoint {
            "sale-hospital"
        } else {
            "sale-centre"
        };
        let name = format!("{}.home", role.code());
        let (user, _) = person(&app, &name, org, role).await;
        sign_in(&browser, &base, &app, &name, &user).await;
        browser.wait_for(".counters li").await;
        browser
            .assert_fits_the_screen("a home page scrolls sideways at 360 px")
            .await;
        browser
            .screenshot(&format!("journey-home-{}-ar-360", role.code()))
            .await;
        browser.click(".who form button").await;
        browser.wait_for(".who a[href='/login']").await;
    }
    browser.close().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_the_coordinator_reviews_an_alert_and_confirms_a_reassignment() {
    let app = TestApp::start(Backend::Sqlite).await;
    sale(&app).await;
    let (_, nadia) = person(&app, "nadia", "sale-centre", Role::CaseWorker).await;
    let case = crate::journeys::sale_case(&nadia, "سلمى").await;
    nadia
        .post(
            &format!("/api/v1/cases/{case}/evaluations"),
            &crate::cases::evaluation(&["safety.no_safe_place"]),
        )
        .await;
    person(&app, "amina", "sale-centre", Role::CaseWorker).await;
    let (user, _) = person(&app, "bennani", "sale-centre", Role::Coordinator).await;
    let Some(browser) = Browser::start(360, 1400).await else {
        return;
    };
    let base = serve(&app).await;
    sign_in(&browser, &base, &app, "bennani", &user).await;
    browser.wait_for(".counters a[href='/alerts']").await;
    browser.click(".counters a[href='/alerts']").await;
    browser.wait_for(".alert-list li").await;
    let line = text_of(&browser, ".alert-list li").await;
    assert!(
        line.contains("04441-2026-"),
        "the alert names the case: {line}"
    );
    browser
        .screenshot("journey-alerts-coordinator-ar-360")
        .await;
    browser.click(".alert-list form button").await;
    browser.wait_for("p.success").await;

    browser
        .client
        .goto(&format!("{base}/cases/{case}"))
        .await
        .expect("open");
    browser.wait_for("#user_id").await;
    let amina = app
        .store
        .user_by_username("amina")
        .await
        .expect("read")
        .expect("amina")
        .id;
    browser
        .client
        .find(Locator::Css("#user_id"))
        .await
        .expect("select")
        .select_by_value(&amina)
        .await
        .expect("amina");
    browser.click("form[action$='/assign'] button").await;
    browser.wait_for("section.confirm").await;
    browser
        .assert_fits_the_screen("the confirmation scrolls sideways at 360 px")
        .await;
    browser.screenshot("journey-assign-confirm-ar-360").await;
    browser.click("section.confirm button.primary").await;
    browser.wait_for(".timeline").await;
    let timeline = text_of(&browser, ".timeline").await;
    assert!(timeline.contains("أُسند الملف إلى amina"), "{timeline}");
    browser.close().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_the_dashboard_says_the_month_under_way_is_partial() {
    let app = TestApp::start(Backend::Sqlite).await;
    sale(&app).await;
    let (user, nadia) = person(&app, "nadia", "sale-centre", Role::CaseWorker).await;
    crate::journeys::sale_case(&nadia, "سلمى").await;
    let Some(browser) = Browser::start(360, 1600).await else {
        return;
    };
    let base = serve(&app).await;
    sign_in(&browser, &base, &app, "nadia", &user).await;
    browser.wait_for("a.tile").await;
    browser
        .client
        .goto(&format!(
            "{base}/stats?territory=sale&from=2026-06&to=2026-11"
        ))
        .await
        .expect("open");
    browser
        .wait_for("section[aria-labelledby=trend-h] svg")
        .await;
    let trend = text_of(&browser, "section[aria-labelledby=trend-h] figure").await;
    assert!(
        trend.contains("2026-11 *"),
        "the month under way is marked: {trend}"
    );
    browser
        .assert_fits_the_screen("the dashboard scrolls sideways at 360 px")
        .await;
    browser
        .screenshot("journey-dashboard-partial-month-ar-360")
        .await;
    browser.close().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_switching_language_keeps_what_was_typed_and_asks_before_losing_personal_fields() {
    let (app, user, case) = nadia_and_her_case().await;
    let Some((browser, base)) = phone(&app, 2400).await else {
        return;
    };
    open_as(
        &browser,
        &base,
        &app,
        ("nadia", &user),
        &format!("{base}/cases/{case}/cards/followup"),
    )
    .await;
    browser.wait_for("#f-situation-notes").await;
    browser
        .type_into("#f-situation-notes", "زيارة منزلية: الطفلة بخير")
        .await;
    // A date input's keys follow the browser's locale: set the date as the picker does.
    browser
        .client
        .execute(
            "document.querySelector('#f-contact-date').value = '2026-11-22';",
            vec![],
        )
        .await
        .expect("date");
    browser
        .click("input[name='contact.kind'][value='home_visit'] + span")
        .await;
    let value_of = |css: &'static str| {
        let client = browser.client.clone();
        async move {
            client
                .find(Locator::Css(css))
                .await
                .expect(css)
                .prop("value")
                .await
                .expect("value")
                .unwrap_or_default()
        }
    };
    let date = "2026-11-22";
    // The notes name the child's situation (a personal field): the switch asks first,
    // and "no" keeps the page as it is.
    browser.click("a[hreflang=fr]").await;
    let question = browser
        .client
        .get_alert_text()
        .await
        .expect("the switch asks first");
    assert!(question.contains("الشخصية"), "asked in Arabic: {question}");
    browser.client.dismiss_alert().await.expect("dismiss");
    assert_eq!(browser.html_attr("lang").await, "ar", "no: the page stays");
    assert_eq!(
        value_of("#f-situation-notes").await,
        "زيارة منزلية: الطفلة بخير",
        "no: the notes stay as typed"
    );
    // "Yes": the language changes and keeps what is not personal; the notes never reach
    // the browser's storage.
    browser.click("a[hreflang=fr]").await;
    browser.client.accept_alert().await.expect("accept");
    for (lang, link) in [("fr", None), ("ar", Some("a[hreflang=ar]"))] {
        if let Some(link) = link {
            browser.click(link).await;
        }
        browser.wait_for(&format!("html[lang={lang}]")).await;
        browser.wait_for("#f-situation-notes").await;
        assert_eq!(
            value_of("#f-situation-notes").await,
            "",
            "{lang}: the personal notes are not kept"
        );
        assert_eq!(
            value_of("#f-contact-date").await,
            date,
            "{lang}: the date is kept"
        );
        let chip = browser
            .client
            .find(Locator::Css(
                "input[name='contact.kind'][value='home_visit']",
            ))
            .await
            .expect("chip");
        assert_eq!(
            chip.prop("checked").await.expect("checked").as_deref(),
            Some("true"),
            "{lang}: the choice is kept"
        );
        browser
            .screenshot(&format!("journey-language-switch-{lang}-360"))
            .await;
    }
    browser.close().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_the_sign_in_page_has_a_real_password_field_and_warns_before_the_wait() {
    let app = TestApp::start(Backend::Sqlite).await;
    sale(&app).await;
    person(&app, "nadia", "sale-centre", Role::CaseWorker).await;
    let Some(browser) = Browser::start(360, 800).await else {
        return;
    };
    let base = serve(&app).await;
    for _ in 0..4 {
        browser
            .client
            .goto(&format!("{base}/login"))
            .await
            .expect("open");
        browser.type_into("#username", "nadia").await;
        browser.type_into("#password", "wrong").await;
        browser.click("button.primary").await;
        browser.wait_for(".problem").await;
    }
    let warning = text_of(&browser, ".problem").await;
    assert!(warning.contains("محاولة فاشلة أخرى"), "{warning}");
    let height = browser
        .client
        .execute(
            "return document.querySelector('#password').getBoundingClientRect().height;",
            vec![],
        )
        .await
        .expect("height");
    assert!(
        height.as_f64().is_some_and(|h| h >= 40.0),
        "the password field is as tall as the others: {height}"
    );
    browser
        .assert_fits_the_screen("the sign-in page scrolls sideways at 360 px")
        .await;
    browser.screenshot("journey-sign-in-warning-ar-360").await;
    browser.close().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_a_worker_opens_her_tasks_from_the_menu() {
    let (app, user, case) = nadia_and_her_case().await;
    let nadia = crate::journeys::session_of(&app, &user).await;
    nadia
        .post(
            &format!("/api/v1/cases/{case}/plan"),
            &serde_json::json!({"plan": {"goal": "عودة آمنة إلى المدرسة", "action": "لقاء مع مدير المدرسة", "responsible": "education", "due_date": "2026-12-07"}}),
        )
        .await;
    let Some((browser, base)) = phone(&app, 800).await else {
        return;
    };
    sign_in(&browser, &base, &app, "nadia", &user).await;
    browser.wait_for(".main-nav a[href='/tasks']").await;
    browser.click(".main-nav a[href='/tasks']").await;
    browser.wait_for(".task-list li").await;
    let tasks = text_of(&browser, ".task-list").await;
    assert!(
        tasks.contains("سلمى") && tasks.contains("2026-12-07"),
        "{tasks}"
    );
    browser
        .assert_fits_the_screen("the tasks page scrolls sideways at 360 px")
        .await;
    browser.screenshot("journey-tasks-case_worker-ar-360").await;
    browser.close().await;
    app.finish().await;
}
