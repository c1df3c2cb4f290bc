//! Journeys in a real browser: headless Chromium driven over WebDriver. CI installs
//! Debian's chromium and chromium-driver and sets AWLADNA_REQUIRE_BROWSER=1; on a
//! machine without them these tests say they were skipped. Screenshots land in
//! target/screenshots/ for people to look at.

use crate::support::{Backend, TestApp, TestUser};
use fantoccini::{Client, ClientBuilder, Locator};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub(crate) struct Browser {
    pub(crate) client: Client,
    driver: Child,
    /// chromedriver's port, for the DevTools commands it relays (browser_field.rs).
    pub(crate) port: u16,
}

fn chromedriver() -> Option<PathBuf> {
    let from_env = std::env::var_os("CHROMEDRIVER").map(PathBuf::from);
    from_env
        .into_iter()
        .chain([PathBuf::from("/usr/bin/chromedriver")])
        .find(|p| p.exists())
}

impl Browser {
    /// Starts chromedriver and a headless Chromium at phone width, or None if absent.
    pub(crate) async fn start(width: u32, height: u32) -> Option<Browser> {
        let Some(driver_path) = chromedriver() else {
            assert!(
                std::env::var("AWLADNA_REQUIRE_BROWSER").is_err(),
                "AWLADNA_REQUIRE_BROWSER is set but chromedriver is not installed"
            );
            eprintln!("skipped: install chromium and chromium-driver to run the browser journeys");
            return None;
        };
        // A port that cannot be had is a failure, not a journey quietly skipped.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap_or_else(|e| panic!("no free port for chromedriver: {e}"))
            .port();
        let mut driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        // chromedriver says when it listens; wait for that line rather than for time.
        let stdout = driver.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref() {
            if line.expect("utf-8").contains("started successfully") {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync",
                ],
                // A desktop window cannot be narrower than 500 px: emulate the phone instead.
                "mobileEmulation": {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 1}},
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("connect to chromedriver");
        Some(Browser {
            client,
            driver,
            port,
        })
    }

    pub(crate) async fn screenshot(&self, name: &str) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
    }

    pub(crate) async fn html_attr(&self, name: &str) -> String {
        let html = self.client.find(Locator::Css("html")).await.expect("html");
        html.attr(name).await.expect("attr").unwrap_or_default()
    }

    pub(crate) async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .expect("click");
    }

    pub(crate) async fn type_into(&self, css: &str, text: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .send_keys(text)
            .await
            .expect("type");
    }

    pub(crate) async fn wait_for(&self, css: &str) {
        self.client
            .wait()
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("waiting for {css}: {e}"));
    }

    /// Nothing sticks out sideways, on either side (in Arabic, overflow goes left and
    /// does not show in scrollWidth): the page fits the phone's width.
    pub(crate) async fn assert_fits_the_screen(&self, what: &str) {
        // Elements placed off-screen on purpose (the skip link, text for screen readers,
        // the native inputs under the chips) do not count.
        let script = "const w = window.innerWidth; \
            return [...document.querySelectorAll('body *')] \
              .filter(e => !e.closest('.skip, .sr-only') && !e.matches('.chip input')) \
              .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.left < -1 || r.right > w + 1); }) \
              .map(e => e.tagName + '.' + e.className).slice(0, 5);";
        let offenders = self.client.execute(script, vec![]).await.expect("execute");
        assert_eq!(offenders, serde_json::json!([]), "{what}");
    }

    pub(crate) async fn close(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Signs in through the pages: password, then the code of the authentication app.
pub(crate) async fn sign_in(
    browser: &Browser,
    base: &str,
    app: &TestApp,
    username: &str,
    user: &TestUser,
) {
    browser
        .client
        .goto(&format!("{base}/login"))
        .await
        .expect("open");
    browser.type_into("#username", username).await;
    browser.type_into("#password", &user.password).await;
    browser.click("button.primary").await;
    browser.wait_for("#code").await;
    browser.type_into("#code", &app.totp_code(user)).await;
    browser.click("button.primary").await;
    // The code's page must be gone before the caller opens another: a page opened while
    // the sign-in still lands would be replaced by the home page.
    for _ in 0..100 {
        let landed = browser
            .client
            .execute(
                "return document.readyState === 'complete' && !document.querySelector('#code');",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if landed {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("signing in as {username} did not leave the code's page");
}

/// Serves the app on a real socket for the browser.
pub(crate) async fn serve(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = app.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_page_in_arabic_then_french_on_a_phone() {
    let app = TestApp::start(Backend::Sqlite).await;
    let Some(browser) = Browser::start(360, 780).await else {
        return;
    };
    let base = serve(&app).await;

    browser
        .client
        .goto(&format!("{base}/"))
        .await
        .expect("open home");
    assert_eq!(browser.html_attr("lang").await, "ar");
    assert_eq!(browser.html_attr("dir").await, "rtl");
    browser.screenshot("home-ar-360").await;

    browser.click("a[hreflang=fr]").await;
    browser.wait_for("html[lang=fr]").await;
    assert_eq!(browser.html_attr("dir").await, "ltr");
    let title = browser
        .client
        .find(Locator::Css("h1"))
        .await
        .expect("h1")
        .text()
        .await
        .expect("text");
    assert!(title.contains("Système d'information"), "{title}");
    browser.screenshot("home-fr-360").await;

    // The page fits a 360-px phone: nothing scrolls sideways.
    browser
        .assert_fits_the_screen("the home page scrolls sideways at 360 px")
        .await;
    browser.close().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reporting_card_shows_errors_next_to_fields_in_arabic() {
    let app = TestApp::start(Backend::Sqlite).await;
    let Some(browser) = Browser::start(360, 2400).await else {
        return;
    };
    let base = serve(&app).await;
    browser
        .client
        .goto(&format!("{base}/forms/report"))
        .await
        .expect("open form");
    browser
        .click("label.chip input[value=line_2511] + span")
        .await;
    let territory = browser
        .client
        .find(Locator::Css("select[name=territory]"))
        .await
        .expect("territory");
    territory
        .select_by_value("sale")
        .await
        .expect("choose Salé");
    // htmx fills the communes of Salé without reloading the page.
    browser.wait_for("#f-commune option[value^='04.441']").await;
    browser.click("button.primary").await;
    browser.wait_for(".problem").await;
    let error = browser
        .client
        .find(Locator::Css("#f-urgency-error, .has-error .error"))
        .await
        .expect("a field error");
    assert!(error.text().await.expect("text").contains("إجبارية"));
    let kept = browser
        .client
        .find(Locator::Css("input[value=line_2511]"))
        .await
        .expect("chip");
    assert!(
        kept.prop("checked")
            .await
            .expect("prop")
            .is_some_and(|v| v == "true"),
        "the chosen source is kept"
    );
    browser.screenshot("report-errors-ar-360").await;
    browser
        .assert_fits_the_screen("the form scrolls sideways at 360 px")
        .await;
    browser.close().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_worker_records_a_report_on_her_phone() {
    let app = TestApp::start(Backend::Sqlite).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let nadia = app
        .user(
            "nadia",
            "sale-centre",
            &[awladna_domain::access::Role::CaseWorker],
            true,
        )
        .await;
    let Some(browser) = Browser::start(360, 2600).await else {
        return;
    };
    let base = serve(&app).await;
    sign_in(&browser, &base, &app, "nadia", &nadia).await;
    // The second-factor page shows her name too: wait for the home page's tile itself.
    browser.wait_for("a.tile[href='/reports/new']").await;
    browser.click("a.tile[href='/reports/new']").await;
    browser.wait_for("form[action='/reports/new']").await;
    for chip in [
        "source'][value='police",
        "child.sex'][value='female",
        "concerns'][value='neglect",
        "urgency'][value='high",
    ] {
        let selector = format!("input[name='{chip}'] + span");
        browser
            .client
            .find(Locator::Css(&selector))
            .await
            .expect(&selector)
            .click()
            .await
            .expect("tap");
    }
    browser
        .type_into("input[name='child.first_name']", "وفاء")
        .await;
    browser.screenshot("report-capture-ar-360").await;
    browser.click("button.primary").await;
    browser.wait_for("dl.facts").await;
    let page = browser.client.source().await.expect("source");
    assert!(
        page.contains("وفاء") && page.contains("الإهمال"),
        "the saved card shows what was typed"
    );
    browser
        .assert_fits_the_screen("the card page scrolls sideways at 360 px")
        .await;
    browser.screenshot("report-saved-ar-360").await;
    // Triage: no known child matches, so she opens a new one and lands on the case.
    browser
        .click("form[action$='/triage'] button.primary")
        .await;
    browser.wait_for(".case-stepper").await;
    browser
        .assert_fits_the_screen("the case page scrolls sideways at 360 px")
        .await;
    browser.screenshot("case-ar-360").await;
    // The social file: its entries, its documents and the upload form fit the phone too.
    browser.click("a[href$='/files/social']").await;
    browser
        .wait_for("form[enctype='multipart/form-data']")
        .await;
    browser
        .assert_fits_the_screen("the file page scrolls sideways at 360 px")
        .await;
    browser.screenshot("file-social-ar-360").await;
    browser.close().await;
    app.finish().await;
}

/// An organisation to describe: code, sector, name, latitude, longitude, services.
type Described = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

/// A province's directory as the help page and the keepers see it: Salé's services,
/// most with a position, one without, one contact private.
async fn describe_sale(app: &TestApp) {
    use awladna_domain::directory::{ContactInput, EntryInput};
    use awladna_store::directory::Expect;
    let services = crate::support::reference()
        .vocabulary("services")
        .expect("services")
        .clone();
    let places: &[Described] = &[
        (
            "sale-centre",
            "family_solidarity",
            "مركز المواكبة لحماية الطفولة بسلا",
            "34.0531",
            "-6.7985",
            &["listening", "social_inquiry", "psychological_first_aid"],
        ),
        (
            "sale-hospital",
            "health",
            "المستشفى الإقليمي مولاي عبد الله",
            "34.0381",
            "-6.8120",
            &["emergency_medical_care", "medical_exam", "forensic_exam"],
        ),
        (
            "sale-police",
            "national_security",
            "الدائرة الأمنية الأولى",
            "34.0450",
            "-6.8000",
            &["listening"],
        ),
        (
            "sale-ngo",
            "association",
            "جمعية إنصات",
            "34.0610",
            "-6.7700",
            &["psychological_support"],
        ),
        (
            "sale-school",
            "education",
            "المديرية الإقليمية للتربية الوطنية",
            "",
            "",
            &["legal_orientation"],
        ),
    ];
    for (code, sector, name, lat, lon, offered) in places {
        let org = awladna_store::identity::Organisation {
            code: (*code).to_owned(),
            sector: (*sector).to_owned(),
            territory: Some("sale".to_owned()),
            name: (*name).to_owned(),
        };
        let entry = EntryInput {
            address: "شارع محمد الخامس، سلا".into(),
            opening_hours: "من الاثنين إلى الجمعة، 8:30-16:30".into(),
            latitude: (*lat).into(),
            longitude: (*lon).into(),
            services: offered.iter().map(|s| (*s).to_owned()).collect(),
            public: true,
            contacts: vec![
                ContactInput {
                    name: "الاستقبال".into(),
                    role: "Accueil".into(),
                    phone: "05 37 12 34 56".into(),
                    email: "accueil@example.ma".into(),
                    private: false,
                },
                ContactInput {
                    name: "Mme Bennani".into(),
                    role: "Coordinatrice".into(),
                    phone: "0661998877".into(),
                    email: String::new(),
                    private: true,
                },
            ],
        }
        .check(&services)
        .expect("a good entry");
        let mut tx = app.store.begin().await.expect("begin");
        if app.store.organisation(code).await.expect("read").is_none() {
            tx.add_organisation(&org, app.now_ms()).await.expect("org");
        }
        tx.put_directory_entry(code, &entry, Expect::Any, "test", app.now_ms())
            .await
            .expect("entry");
        tx.audit(crate::support::test_entry(
            app.now_ms(),
            "directory.updated",
        ))
        .await
        .expect("audit");
        tx.commit().await.expect("commit");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_help_page_and_the_directory_on_a_phone() {
    let app = TestApp::start(Backend::Sqlite).await;
    describe_sale(&app).await;
    let coordinator = app
        .user(
            "coord",
            "sale-centre",
            &[awladna_domain::access::Role::Coordinator],
            true,
        )
        .await;
    let Some(browser) = Browser::start(360, 2400).await else {
        return;
    };
    let base = serve(&app).await;
    // From the home page, as a child would come.
    browser.client.goto(&base).await.expect("open home");
    browser.click(".help-banner a").await;
    browser.wait_for("form.picker").await;
    let select = browser
        .client
        .find(Locator::Css("select[name=territory]"))
        .await
        .expect("picker");
    select.select_by_value("sale").await.expect("choose Salé");
    browser.click("form.picker button").await;
    browser.wait_for(".actors-map svg").await;
    let page = browser.client.source().await.expect("source");
    assert!(
        !page.contains("Bennani"),
        "no private contact on the help page"
    );
    browser
        .assert_fits_the_screen("the help page scrolls sideways at 360 px")
        .await;
    browser.screenshot("help-sale-ar-360").await;
    browser.click("a[hreflang=fr]").await;
    browser.wait_for("html[lang=fr]").await;
    browser.screenshot("help-sale-fr-360").await;
    browser.click("a[hreflang=ar]").await;
    browser.wait_for("html[lang=ar]").await;

    // The coordinator keeps the directory from her phone.
    browser
        .client
        .goto(&format!("{base}/login"))
        .await
        .expect("open");
    browser.type_into("#username", "coord").await;
    browser.type_into("#password", &coordinator.password).await;
    browser.click("button.primary").await;
    browser.wait_for("#code").await;
    browser
        .type_into("#code", &app.totp_code(&coordinator))
        .await;
    browser.click("button.primary").await;
    browser.wait_for("a.tile[href='/directory']").await;
    browser.click("a.tile[href='/directory']").await;
    browser.wait_for(".org-list").await;
    browser
        .assert_fits_the_screen("the directory scrolls sideways at 360 px")
        .await;
    browser.screenshot("directory-sale-ar-360").await;
    browser
        .client
        .goto(&format!("{base}/directory/organisations/sale-hospital"))
        .await
        .expect("open the edit page");
    browser.wait_for("#f-latitude").await;
    // A position outside Morocco is refused next to the field, the rest kept.
    let latitude = browser
        .client
        .find(Locator::Css("#f-latitude"))
        .await
        .expect("latitude");
    latitude.clear().await.expect("clear");
    latitude.send_keys("48.85").await.expect("type");
    browser.click("button.primary").await;
    browser.wait_for("#f-latitude-error").await;
    browser
        .assert_fits_the_screen("the edit page scrolls sideways at 360 px")
        .await;
    browser.screenshot("directory-edit-error-ar-360").await;
    browser.close().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_is_referred_to_the_hospital_which_answers_on_its_phone() {
    use awladna_domain::access::Role;
    let app = TestApp::start(Backend::Sqlite).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("sale-hospital", "health", Some("sale"))
        .await;
    let nadia = app
        .user("nadia", "sale-centre", &[Role::CaseWorker], true)
        .await;
    let doctor = app
        .user("dr-amal", "sale-hospital", &[Role::FocalPoint], true)
        .await;
    // The case exists already: opened through the API as the centre does every day.
    let (cookie, csrf) = app.session(&nadia).await;
    let headers = [("cookie", cookie.as_str()), ("x-csrf-token", csrf.as_str())];
    let report = app
        .post_json(
            "/api/v1/reports",
            &headers,
            &serde_json::json!({
                "source": "school", "received_at": "2026-11-22T09:00:00Z", "territory": "sale",
                "child": {"first_name": "Yassine", "last_name": "Bennani", "sex": "male", "age_years": 7},
                "concerns": ["physical_violence"], "urgency": "high"
            }),
        )
        .await
        .json();
    let triage = app
        .post_json(
            &format!("/api/v1/reports/{}/triage", report["id"].as_str().unwrap()),
            &headers,
            &serde_json::json!({"new_child": true}),
        )
        .await
        .json();
    let case = triage["case_id"].as_str().unwrap().to_owned();
    let Some(browser) = Browser::start(360, 2000).await else {
        return;
    };
    let base = serve(&app).await;

    // Nadia refers Yassine to the hospital from his case.
    sign_in(&browser, &base, &app, "nadia", &nadia).await;
    browser.wait_for("a.tile").await;
    browser
        .client
        .goto(&format!("{base}/cases/{case}/refer"))
        .await
        .expect("open");
    browser.wait_for("form[action$='/refer']").await;
    browser
        .client
        .find(Locator::Css("#to_org"))
        .await
        .expect("to_org")
        .select_by_value("sale-hospital")
        .await
        .expect("choose the hospital");
    for chip in [
        "urgency'][value='immediate",
        "consent'][value='guardian",
        "share'][value='identity",
    ] {
        browser.click(&format!("input[name='{chip}'] + span")).await;
    }
    browser.type_into("#reason", "فحص طبي مستعجل").await;
    browser
        .assert_fits_the_screen("the referral form scrolls sideways at 360 px")
        .await;
    browser.screenshot("refer-ar-360").await;
    browser.click("form[action$='/refer'] button.primary").await;
    browser.wait_for("ol.timeline").await;
    let page = browser.client.source().await.expect("source");
    assert!(
        page.contains("sale-hospital") || page.contains("مركز"),
        "the card names the hospital"
    );
    browser.click("form[action='/logout'] button").await;

    // The hospital's doctor sees the counter, opens the card, accepts.
    sign_in(&browser, &base, &app, "dr-amal", &doctor).await;
    browser.wait_for("#inbox-count:not([hidden])").await;
    browser
        .client
        .goto(&format!("{base}/referrals"))
        .await
        .expect("open");
    browser.click("ul.case-list a").await;
    browser.wait_for("form[action$='/accept']").await;
    let page = browser.client.source().await.expect("source");
    assert!(page.contains("Yassine Bennani") && page.contains("فحص طبي مستعجل"));
    browser
        .assert_fits_the_screen("the linking card scrolls sideways at 360 px")
        .await;
    browser.screenshot("referral-ar-360").await;
    browser.click("form[action$='/accept'] button").await;
    browser.wait_for("form[action$='/deliver']").await;
    browser.close().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_statistics_dashboard_on_a_phone() {
    use awladna_domain::access::Role;
    let app = TestApp::start(Backend::Sqlite).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let nadia = app
        .user("nadia", "sale-centre", &[Role::CaseWorker], true)
        .await;
    let amina = app
        .user("amina", "sale-centre", &[Role::Coordinator], true)
        .await;
    let (cookie, csrf) = app.session(&nadia).await;
    let headers = [("cookie", cookie.as_str()), ("x-csrf-token", csrf.as_str())];
    let children = [
        (
            "female",
            4,
            "school",
            "physical_violence",
            "2026-03-02T09:00:00Z",
        ),
        (
            "female",
            9,
            "line_2511",
            "sexual_violence",
            "2026-05-12T09:00:00Z",
        ),
        ("male", 13, "police", "neglect", "2026-07-21T09:00:00Z"),
        (
            "male",
            16,
            "health_facility",
            "child_labour",
            "2026-09-03T09:00:00Z",
        ),
        (
            "female",
            11,
            "school",
            "physical_violence",
            "2026-10-15T09:00:00Z",
        ),
        (
            "male",
            7,
            "family",
            "psychological_violence",
            "2026-11-02T09:00:00Z",
        ),
    ];
    for (sex, age, source, concern, at) in children {
        let report = app
            .post_json(
                "/api/v1/reports",
                &headers,
                &serde_json::json!({
                    "source": source, "received_at": at, "territory": "sale",
                    "child": {"first_name": "سلمى", "last_name": "الإدريسي", "sex": sex, "age_years": age},
                    "concerns": [concern], "urgency": "high"
                }),
            )
            .await
            .json();
        let id = report["id"].as_str().expect("report id");
        let triage = app
            .post_json(
                &format!("/api/v1/reports/{id}/triage"),
                &headers,
                &serde_json::json!({"new_child": true}),
            )
            .await;
        assert_eq!(
            triage.status,
            axum::http::StatusCode::CREATED,
            "{}",
            triage.body
        );
    }
    let Some(browser) = Browser::start(360, 780).await else {
        return;
    };
    let base = serve(&app).await;
    sign_in(&browser, &base, &app, "amina", &amina).await;
    // The second factor's redirect home must land before the next address is opened.
    browser.wait_for("form[action='/logout']").await;
    browser
        .client
        .goto(&format!("{base}/stats?from=2026-01&to=2026-12"))
        .await
        .expect("open the dashboard");
    browser.wait_for("figure.chart svg").await;
    assert_eq!(browser.html_attr("dir").await, "rtl");
    browser
        .assert_fits_the_screen("the statistics dashboard")
        .await;
    browser.screenshot("stats-ar-360").await;
    for (section, name) in [
        ("trend-h", "stats-trend-ar-360"),
        ("cases-concern-h", "stats-concern-ar-360"),
    ] {
        browser
            .client
            .execute(
                &format!("document.getElementById('{section}').scrollIntoView()"),
                vec![],
            )
            .await
            .expect("scroll");
        browser.screenshot(name).await;
    }
    browser.close().await;
    app.finish().await;
}

/// The link between the phone and the server: a relay the test cuts and restores, as a
/// rural commune's signal comes and goes (every connection drops, none is accepted).
struct Link {
    address: String,
    online: std::sync::Arc<std::sync::atomic::AtomicBool>,
    relays: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Link {
    async fn to(server: &str) -> Link {
        use std::sync::atomic::Ordering;
        let target = server.trim_start_matches("http://").to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("addr"));
        let online = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let relays = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (up, kept) = (online.clone(), relays.clone());
        tokio::spawn(async move {
            while let Ok((mut phone, _)) = listener.accept().await {
                if !up.load(Ordering::SeqCst) {
                    continue;
                }
                let target = target.clone();
                let relay = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut phone, &mut server).await;
                    }
                });
                kept.lock().expect("relays").push(relay);
            }
        });
        Link {
            address,
            online,
            relays,
        }
    }

    fn cut(&self) {
        self.online
            .store(false, std::sync::atomic::Ordering::SeqCst);
        for relay in self.relays.lock().expect("relays").drain(..) {
            relay.abort();
        }
    }

    fn restore(&self) {
        self.online.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Browser {
    /// Runs `body` as an async script whose last argument is the callback; its answer.
    pub(crate) async fn run_async(&self, body: &str) -> serde_json::Value {
        self.client
            .execute_async(body, vec![])
            .await
            .unwrap_or_else(|e| panic!("script: {e}"))
    }

    /// Waits up to `seconds` for `count` elements matching `css`.
    pub(crate) async fn wait_for_count(&self, css: &str, count: usize, seconds: u64) {
        for _ in 0..seconds * 4 {
            let found = self.client.find_all(Locator::Css(css)).await.expect("find");
            if found.len() == count {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        let page = self.client.source().await.unwrap_or_default();
        panic!("waited for {count} × {css}: {page}");
    }

    /// Scrolls the element into view, for the screenshot.
    pub(crate) async fn show(&self, css: &str) {
        let script = format!("document.querySelector({css:?}).scrollIntoView()");
        self.client.execute(&script, vec![]).await.expect("scroll");
    }

    pub(crate) async fn unlock_offline(&self, pin: &str) {
        self.wait_for("#offline-pin").await;
        self.type_into("#offline-pin", pin).await;
        self.click("#offline-unlock button").await;
        // PBKDF2's 600,000 iterations take a moment on purpose.
        self.wait_for("#offline[data-unlocked]").await;
    }

    pub(crate) async fn capture_offline(&self, first_name: &str) {
        for chip in [
            "source'][value='police",
            "child.sex'][value='female",
            "concerns'][value='neglect",
            "urgency'][value='high",
        ] {
            let selector = format!("form[data-offline] input[name='{chip}'] + span");
            self.click(&selector).await;
        }
        self.type_into(
            "form[data-offline] input[name='child.first_name']",
            first_name,
        )
        .await;
        self.click("form[data-offline] button.primary").await;
    }
}

/// The mobile team's journey (issue 16 §3), at 360 px: the quick capture opens without
/// a link, two reports are queued encrypted, nothing identifying is in IndexedDB in
/// clear, and when the link returns both are sent, once each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mobile_team_records_two_reports_offline_and_syncs_them_once() {
    let app = TestApp::start(Backend::Sqlite).await;
    // The phone stamps a card with its own clock: the server's must agree with it.
    app.clock.set(awladna_domain::Clock::now(
        &awladna_domain::clock::SystemClock,
    ));
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let nadia = app
        .user(
            "nadia",
            "sale-centre",
            &[awladna_domain::access::Role::CaseWorker],
            true,
        )
        .await;
    let Some(browser) = Browser::start(360, 3000).await else {
        return;
    };
    let server = serve(&app).await;
    let link = Link::to(&server).await;
    let base = link.address.clone();
    sign_in(&browser, &base, &app, "nadia", &nadia).await;
    browser.wait_for("a.tile[href='/reports/new']").await;
    browser
        .client
        .goto(&format!("{base}/capture"))
        .await
        .expect("open capture");
    browser.wait_for("form[data-offline]").await;
    // What a cold load of the quick capture transfers (BENCHMARKS.md).
    let sizes = browser
        .run_async(
            "const done = arguments[arguments.length - 1];
             window.addEventListener('load', () => {}); setTimeout(() => {
               const all = performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'));
               done(all.map(e => [e.name.replace(location.origin, ''), e.transferSize, e.decodedBodySize]));
             }, 500);",
        )
        .await;
    eprintln!("offline capture, cold load (path, transfer, body): {sizes}");
    // The service worker keeps the page for later.
    let ready = browser
        .run_async("const done = arguments[arguments.length - 1]; navigator.serviceWorker.ready.then(() => caches.match('/capture')).then(r => done(!!r), e => done(String(e)));")
        .await;
    assert_eq!(
        ready,
        serde_json::json!(true),
        "the capture page is kept offline"
    );
    browser.unlock_offline("246810").await;

    link.cut();
    browser
        .client
        .goto(&format!("{base}/capture"))
        .await
        .expect("open capture offline");
    browser.wait_for("form[data-offline]").await;
    browser.unlock_offline("246810").await;
    browser.capture_offline("Ouafaeoffline").await;
    browser
        .wait_for_count("#offline-queue li[data-state='waiting']", 1, 10)
        .await;
    browser.capture_offline("Zinebhorsligne").await;
    browser
        .wait_for_count("#offline-queue li[data-state='waiting']", 2, 10)
        .await;
    browser
        .assert_fits_the_screen("the offline capture scrolls sideways at 360 px")
        .await;
    browser.show("#offline").await;
    browser.screenshot("offline-queue-ar-360").await;

    // What the phone holds: ciphertext only.
    let held = browser
        .run_async(
            "const done = arguments[arguments.length - 1];
             const open = indexedDB.open('awladna-offline');
             open.onsuccess = () => {
               const db = open.result; const tx = db.transaction(['queue', 'keys']);
               const out = []; const text = v => v instanceof ArrayBuffer || ArrayBuffer.isView(v)
                 ? String.fromCharCode(...new Uint8Array(v.buffer || v)) : JSON.stringify(v);
               const dump = store => new Promise(r => { const q = tx.objectStore(store).getAll();
                 q.onsuccess = () => { q.result.forEach(item => Object.values(item).forEach(v => out.push(text(v)))); r(); }; });
               Promise.all([dump('queue'), dump('keys')]).then(() => done(out.join('|')));
             };",
        )
        .await;
    let held = held.as_str().expect("text").to_owned();
    assert!(
        held.len() > 200,
        "the queue holds the two sealed cards: {held}"
    );
    for name in ["Ouafaeoffline", "Zinebhorsligne", "police", "neglect"] {
        assert!(!held.contains(name), "{name} is in IndexedDB in clear");
    }
    let stored = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM cards WHERE form_code = 'report'")
            .fetch_one(app.store.pool_for_tests())
            .await
            .expect("count")
    };
    assert_eq!(stored().await, 0, "nothing reached the server offline");

    link.restore();
    browser
        .wait_for_count("#offline-queue li[data-state='sent']", 2, 30)
        .await;
    assert_eq!(stored().await, 2);
    browser.show("#offline").await;
    browser.screenshot("offline-synced-ar-360").await;

    // A retry of a sent card (a lost answer) answers the same card: still two.
    let retried = browser
        .run_async(
            "const done = arguments[arguments.length - 1];
             const open = indexedDB.open('awladna-offline');
             open.onsuccess = () => { const q = open.result.transaction('queue').objectStore('queue').getAll();
               q.onsuccess = () => { const item = q.result[0];
                 fetch('/capture').then(r => r.text()).then(html => {
                   const csrf = html.match(/name=\"_csrf\" value=\"([^\"]+)\"/)[1];
                   return fetch('/api/v1/reports', {method: 'POST', headers: {'content-type': 'application/json',
                     'x-csrf-token': csrf, 'idempotency-key': item.id}, body: JSON.stringify({})});
                 }).then(r => r.json()).then(body => done([item.report, body.id]), e => done(String(e))); }; };",
        )
        .await;
    assert_eq!(retried[0], retried[1], "{retried}");
    assert_eq!(stored().await, 2, "each card stored exactly once");
    let names: Vec<String> = sqlx::query_scalar("SELECT id FROM cards WHERE form_code = 'report'")
        .fetch_all(app.store.pool_for_tests())
        .await
        .expect("ids");
    let mut first_names = Vec::new();
    for id in names {
        let card = app.store.card(&id).await.expect("read").expect("card");
        let sealed = card.sealed.expect("sealed values");
        let values = app
            .keyring
            .open_json(&sealed, &format!("cards/sealed/{id}"))
            .expect("open");
        assert!(card.complete, "sent as complete cards");
        first_names.push(
            values["child.first_name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    first_names.sort();
    assert_eq!(first_names, ["Ouafaeoffline", "Zinebhorsligne"]);

    // The phone is reported lost and revoked from the account page: what it still
    // queues is refused at sync, with the reason.
    let device = browser
        .run_async(
            "const done = arguments[arguments.length - 1];
             const open = indexedDB.open('awladna-offline');
             open.onsuccess = () => { const q = open.result.transaction('keys').objectStore('keys').get('data');
               q.onsuccess = () => done(q.result.device); };",
        )
        .await;
    let device = device.as_str().expect("the device's id").to_owned();
    let (cookie, csrf) = app.session(&nadia).await;
    let revoked = app
        .post_json(
            &format!("/api/v1/devices/{device}/revoke"),
            &[("cookie", cookie.as_str()), ("x-csrf-token", csrf.as_str())],
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(
        revoked.status,
        axum::http::StatusCode::NO_CONTENT,
        "{}",
        revoked.body
    );
    browser.capture_offline("Hananerevoked").await;
    browser
        .wait_for_count("#offline-queue li[data-state='refused']", 1, 30)
        .await;
    assert_eq!(stored().await, 2, "the revoked device's card is not stored");
    browser.show("#offline").await;
    browser.screenshot("offline-revoked-ar-360").await;
    browser.close().await;
    app.finish().await;
}

impl Browser {
    /// Signs in with a password alone (the committee's people read no identity: no
    /// second factor), and waits for the home page.
    async fn sign_in_with_password(&self, base: &str, username: &str, user: &TestUser) {
        self.client
            .goto(&format!("{base}/login"))
            .await
            .expect("open");
        self.type_into("#username", username).await;
        self.type_into("#password", &user.password).await;
        self.click("button.primary").await;
        self.wait_for("form[action='/logout']").await;
    }

    async fn sign_out(&self) {
        self.submit("form[action='/logout'] button").await;
        self.wait_for("a[href='/login']").await;
    }

    /// Clicks a form's button and waits for the page it answers with.
    async fn submit(&self, css: &str) {
        let old = self.client.find(Locator::Css("html")).await.expect("html");
        self.click(css).await;
        for _ in 0..200 {
            if old.tag_name().await.is_err() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("{css}: no new page");
    }

    async fn open(&self, base: &str, path: &str) {
        self.client
            .goto(&format!("{base}{path}"))
            .await
            .expect("open");
    }

    async fn choose(&self, css: &str, value: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("{css} = {value}: {e}"));
    }

    /// Sets a date or time field the way a phone's picker does (typing into one is
    /// locale-dependent in Chromium).
    async fn set_value(&self, id: &str, value: &str) {
        self.client
            .execute(
                &format!("document.getElementById('{id}').value = '{value}'"),
                vec![],
            )
            .await
            .expect("set value");
    }

    /// Opens every folded form of the page, to see and use it.
    async fn unfold(&self) {
        self.client
            .execute(
                "document.querySelectorAll('details').forEach(d => d.open = true)",
                vec![],
            )
            .await
            .expect("unfold");
    }

    async fn body_text(&self) -> String {
        self.client
            .find(Locator::Css("body"))
            .await
            .expect("body")
            .text()
            .await
            .expect("text")
    }
}

/// The committee at 360 px in Arabic: the secretariat prepares and convenes a meeting,
/// a member sees it at home, the secretariat records attendance, minutes and a decision,
/// the chair approves (frozen), and the technical cell finds the decision overdue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_committee_meets_on_a_phone() {
    use awladna_domain::access::Role;
    let app = TestApp::start(Backend::Sqlite).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("sale-hospital", "health", Some("sale"))
        .await;
    let users = [
        ("sec", Role::Secretariat),
        ("member", Role::CommitteeMember),
        ("chair", Role::CommitteeChair),
        ("cell", Role::TechnicalOfficer),
    ];
    let mut made = Vec::new();
    for (name, role) in users {
        made.push(app.user(name, "sale-centre", &[role], false).await);
    }
    let (cookie, csrf) = app.session(&made[0]).await;
    let headers = [("cookie", cookie.as_str()), ("x-csrf-token", csrf.as_str())];
    for (seat, name, sector, org) in [
        ("chair", "أحمد بناني", "interior", "عمالة سلا"),
        (
            "member",
            "د. سعاد العلوي",
            "health",
            "المندوبية الإقليمية للصحة",
        ),
        (
            "member",
            "محمد التازي",
            "education",
            "المديرية الإقليمية للتربية الوطنية",
        ),
    ] {
        let added = app
            .post_json(
                "/api/v1/committee/members",
                &headers,
                &serde_json::json!({"body": "committee", "seat": seat, "full_name": name, "sector": sector, "organisation": org}),
            )
            .await;
        assert_eq!(
            added.status,
            axum::http::StatusCode::CREATED,
            "{}",
            added.body
        );
    }
    let Some(browser) = Browser::start(360, 780).await else {
        return;
    };
    let base = serve(&app).await;

    // The secretariat prepares the meeting and convenes it.
    browser.sign_in_with_password(&base, "sec", &made[0]).await;
    browser.open(&base, "/committee").await;
    browser.wait_for("#members-title").await;
    assert_eq!(browser.html_attr("dir").await, "rtl");
    browser.screenshot("committee-ar-360").await;
    browser.unfold().await;
    browser.assert_fits_the_screen("the committee page").await;
    browser.choose("#m-kind", "ordinary").await;
    browser.set_value("m-when", "2026-11-25T10:00").await;
    browser
        .type_into("#m-place", "قاعة الاجتماعات بعمالة سلا")
        .await;
    browser.submit("form[action='/meetings'] button").await;
    browser.wait_for("#agenda-title").await;
    browser.unfold().await;
    browser.choose("#i-kind", "deliberation").await;
    browser
        .type_into("#i-title", "الأطفال في وضعية الشارع")
        .await;
    browser.type_into("#i-docs", "تقرير المركز الفصلي").await;
    browser.submit("form[action$='/items'] button").await;
    browser.wait_for("form[action$='/convene']").await;
    browser.submit("form[action$='/convene'] button").await;
    browser.wait_for("form[action$='/attendance']").await;
    let meeting_url = browser.client.current_url().await.expect("url").to_string();

    // A member sees the convocation on the home page.
    browser.sign_out().await;
    browser
        .sign_in_with_password(&base, "member", &made[1])
        .await;
    browser.wait_for("#committee-panel-title").await;
    assert!(
        browser
            .body_text()
            .await
            .contains("قاعة الاجتماعات بعمالة سلا")
    );
    browser.assert_fits_the_screen("a member's home page").await;
    browser.screenshot("committee-home-member-ar-360").await;

    // The secretariat records attendance, the minutes and an overdue decision.
    browser.sign_out().await;
    browser.sign_in_with_password(&base, "sec", &made[0]).await;
    browser.client.goto(&meeting_url).await.expect("meeting");
    browser.wait_for("form[action$='/attendance']").await;
    for status in ["present", "substitute", "excused"] {
        // Each select in turn, from the first still unset.
        let select = browser
            .client
            .find(Locator::Css(
                "form[action$='/attendance'] select:has(option[value='']:checked)",
            ))
            .await
            .expect("an unset member");
        select.select_by_value(status).await.expect("status");
    }
    browser.submit("form[action$='/attendance'] button").await;
    browser.wait_for("form[action$='/minutes'] textarea").await;
    browser
        .type_into(
            "form[action$='/minutes'] textarea",
            "تداول الأعضاء في وضعية الأطفال وتقرر إعداد خريطة.",
        )
        .await;
    browser.submit("form[action$='/minutes'] button").await;
    browser.wait_for("form[action$='/decisions']").await;
    browser.unfold().await;
    browser
        .type_into("#d-text", "إعداد خريطة الأماكن التي يتواجد بها الأطفال")
        .await;
    browser.choose("#d-owner", "sale-hospital").await;
    browser.set_value("d-deadline", "2026-11-20").await;
    browser.type_into("#d-result", "خريطة محينة").await;
    browser.submit("form[action$='/decisions'] button").await;
    browser.wait_for("#decisions-title").await;
    let text = browser.body_text().await;
    assert!(
        text.contains("إعداد خريطة الأماكن") && text.contains("متأخر"),
        "{text}"
    );
    browser.assert_fits_the_screen("the meeting page").await;
    browser.screenshot("committee-meeting-ar-360").await;

    // The chair approves: the meeting is frozen.
    browser.sign_out().await;
    browser
        .sign_in_with_password(&base, "chair", &made[2])
        .await;
    browser.client.goto(&meeting_url).await.expect("meeting");
    browser.wait_for("form[action$='/approve']").await;
    browser.submit("form[action$='/approve'] button").await;
    browser.wait_for("p.notice").await;
    assert!(browser.body_text().await.contains("صادق الرئيس على المحضر"));
    browser.screenshot("committee-approved-ar-360").await;

    // The technical cell finds the decision overdue from its home page.
    browser.sign_out().await;
    browser.sign_in_with_password(&base, "cell", &made[3]).await;
    browser.wait_for("a[href='/decisions?overdue=true']").await;
    browser.submit("a[href='/decisions?overdue=true']").await;
    browser.wait_for("li.overdue").await;
    browser
        .assert_fits_the_screen("the overdue decisions")
        .await;
    browser.screenshot("committee-overdue-ar-360").await;
    browser.submit("li.overdue a").await;
    browser.wait_for("#f-note").await;
    browser
        .type_into("#f-note", "راسلنا المندوبية الإقليمية للصحة")
        .await;
    browser.choose("#f-status", "in_progress").await;
    browser.submit("form[action$='/follow-up'] button").await;
    browser.wait_for("ul.timeline li").await;
    browser
        .assert_fits_the_screen("a decision followed up")
        .await;
    browser.screenshot("committee-decision-ar-360").await;
    browser.close().await;
    app.finish().await;
}

/// The name search on a phone: many children named alike, the invitation to add the
/// birth year, and the next page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_children_named_alike_are_searched_on_a_phone() {
    let province = crate::name_search::Province::open(Backend::Sqlite).await;
    province.mohameds().await;
    let Some(browser) = Browser::start(360, 2600).await else {
        return;
    };
    let base = serve(&province.app).await;
    sign_in(&browser, &base, &province.app, "nadia", &province.nadia).await;
    browser.wait_for("a.tile").await;
    browser
        .client
        .goto(&format!("{base}/children"))
        .await
        .expect("open");
    browser.type_into("#q", "Mohamed Alaoui").await;
    browser
        .click("form[action='/children/search'] button")
        .await;
    browser.wait_for(".notice").await;
    browser
        .assert_fits_the_screen("the search page scrolls sideways at 360 px")
        .await;
    browser.screenshot("search-many-ar-360").await;
    browser.type_into("#birth_year", "2016").await;
    browser.click("form.search-form button").await;
    // The narrowed answer is a new page: the year comes back in the field's attribute
    // (the list of the first answer is already there, so waiting for it would race).
    browser.wait_for("#birth_year[value='2016']").await;
    browser.wait_for(".case-list li").await;
    let page = browser.client.source().await.expect("source");
    assert!(
        !page.contains("class=\"notice\""),
        "narrowed: no invitation"
    );
    browser.screenshot("search-birth-year-ar-360").await;
    browser.close().await;
    province.app.finish().await;
}
