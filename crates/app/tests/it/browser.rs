//! Journeys in a real browser: headless Chromium driven over WebDriver. CI installs
//! Debian's chromium and chromium-driver and sets AWLADNA_REQUIRE_BROWSER=1; on a
//! machine without them these tests say they were skipped. Screenshots land in
//! target/screenshots/ for people to look at.

use crate::support::{Backend, TestApp, TestUser};
use fantoccini::{Client, ClientBuilder, Locator};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

struct Browser {
    client: Client,
    driver: Child,
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
    async fn start(width: u32, height: u32) -> Option<Browser> {
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
        Some(Browser { client, driver })
    }

    async fn screenshot(&self, name: &str) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
    }

    async fn html_attr(&self, name: &str) -> String {
        let html = self.client.find(Locator::Css("html")).await.expect("html");
        html.attr(name).await.expect("attr").unwrap_or_default()
    }

    async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .expect("click");
    }

    async fn type_into(&self, css: &str, text: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .send_keys(text)
            .await
            .expect("type");
    }

    async fn wait_for(&self, css: &str) {
        self.client
            .wait()
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("waiting for {css}: {e}"));
    }

    /// Nothing sticks out sideways, on either side (in Arabic, overflow goes left and
    /// does not show in scrollWidth): the page fits the phone's width.
    async fn assert_fits_the_screen(&self, what: &str) {
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

    async fn close(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Signs in through the pages: password, then the code of the authentication app.
async fn sign_in(browser: &Browser, base: &str, app: &TestApp, username: &str, user: &TestUser) {
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
}

/// Serves the app on a real socket for the browser.
async fn serve(app: &TestApp) -> String {
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
