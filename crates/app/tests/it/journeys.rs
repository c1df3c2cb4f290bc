//! The journeys a person walks (issue 18): what each role finds on its pages, and what
//! a page says after it saved something. The browser side is in `browser_journeys.rs`.

use crate::support::{Backend, Signed, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::json;

/// A test application with Salé's support centre.
async fn sale_centre(backend: Backend) -> TestApp {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app
}

/// A report of Salé triaged into a new case by `worker`; the case's id.
pub(crate) async fn sale_case(worker: &Signed<'_>, first_name: &str) -> String {
    let report = worker
        .record_report(&json!({
            "source": "school", "received_at": "2026-11-22T09:00:00Z", "territory": "sale",
            "child": {"first_name": first_name, "last_name": "Idrissi", "sex": "female", "age_years": 9},
            "concerns": ["neglect"], "urgency": "high"
        }))
        .await;
    worker.triage(&report, None).await["case_id"]
        .as_str()
        .expect("case")
        .to_owned()
}

impl Signed<'_> {
    /// A page form posted by this user, with their CSRF token.
    pub async fn post_page(&self, path: &str, pairs: &[(&str, &str)]) -> crate::support::Answer {
        let mut all = vec![("_csrf", self.csrf.as_str())];
        all.extend_from_slice(pairs);
        self.app
            .post_form(path, &[("cookie", self.cookie.as_str())], &all)
            .await
    }
}

/// The evaluation's answers as form pairs, "yes" to `yes` and "no" to the rest.
fn evaluation_pairs(yes: &[&str]) -> Vec<(String, String)> {
    crate::cases::evaluation(yes)
        .as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
        .collect()
}

async fn every_card_of_a_case_opens_from_its_timeline(backend: Backend) {
    let app = sale_centre(backend).await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    app.organisation("sale-hospital", "health", Some("sale"))
        .await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let case = sale_case(&nadia, "سلمى").await;
    let pairs = evaluation_pairs(&["safety.no_safe_place", "health.untreated_illness"]);
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let saved = nadia
        .post_page(&format!("/cases/{case}/evaluate"), &pairs)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let result_path = saved.header("location").to_owned();
    assert!(
        result_path.starts_with(&format!("/cases/{case}/records/")),
        "the worker lands on the evaluation's result, not on the case: {result_path}"
    );
    let result = nadia.get(&result_path).await;
    assert_eq!(result.status, StatusCode::OK, "{}", result.body);
    for shown in [
        "نتيجة التقييم",
        "حُفظت البطاقة",
        "فوري",
        "<strong>5</strong>",
        "هل الطفل بدون مكان آمن للمبيت هذه الليلة؟",
        "nadia",
    ] {
        assert!(result.body.contains(shown), "the result shows {shown}");
    }
    assert!(
        !result.body.contains("هل هناك عنف جنسي مفترض؟</span>"),
        "an answer \"no\" does not drive the level"
    );

    // A follow-up card recorded through the API opens from the timeline too.
    let followup = nadia
        .post(
            &format!("/api/v1/cases/{case}/cards/followup"),
            &json!({
                "contact": {"date": "2026-11-23", "kind": "home_visit"},
                "situation": {"overall": "improved", "notes": "زيارة منزلية"}
            }),
        )
        .await;
    assert_eq!(followup.status, StatusCode::CREATED, "{}", followup.body);
    let case_page = nadia.get(&format!("/cases/{case}")).await;
    let links: Vec<&str> = case_page
        .body
        .match_indices(&format!("href=\"/cases/{case}/records/"))
        .map(|(i, _)| &case_page.body[i + 6..])
        .map(|rest| &rest[..rest.find('"').unwrap_or(0)])
        .collect();
    assert_eq!(links.len(), 2, "every card of the case is a link");
    for link in &links {
        let page = nadia.get(link).await;
        assert_eq!(page.status, StatusCode::OK, "{link}: {}", page.body);
        assert!(page.body.contains("طباعة البطاقة"), "{link} can be printed");
    }

    // Another province's worker, a focal point, an unknown card: nothing to see.
    let rabat = app
        .signed_in("rabat", "rabat-centre", &[Role::CaseWorker])
        .await;
    assert_eq!(rabat.get(&result_path).await.status, StatusCode::NOT_FOUND);
    let doctor = app
        .signed_in("doctor", "sale-hospital", &[Role::FocalPoint])
        .await;
    assert_eq!(doctor.get(&result_path).await.status, StatusCode::FORBIDDEN);
    let unknown = nadia
        .get(&format!(
            "/cases/{case}/records/00000000-0000-0000-0000-000000000000"
        ))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let hostile = nadia
        .get(&format!(
            "/cases/{case}/records/%27%20OR%201%3D1%20--%20%D8%B7%D9%81%D9%84"
        ))
        .await;
    assert_eq!(hostile.status, StatusCode::NOT_FOUND);
    // A card of another case of the same province is not this case's.
    let other = sale_case(&nadia, "هدى").await;
    let card = result_path
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap();
    let crossed = nadia.get(&format!("/cases/{other}/records/{card}")).await;
    assert_eq!(crossed.status, StatusCode::NOT_FOUND);
    app.finish().await;
}
on_each_backend!(every_card_of_a_case_opens_from_its_timeline);

/// The links of the page's menus: the header's `main-nav` and the footer's `more-nav`.
fn menu_links(page: &str) -> Vec<String> {
    let mut links = Vec::new();
    for nav in ["<nav class=\"main-nav\"", "<nav class=\"more-nav\""] {
        let Some(start) = page.find(nav) else {
            continue;
        };
        let block = &page[start..];
        let block = &block[..block.find("</nav>").expect("closed nav")];
        for (i, _) in block.match_indices("href=\"") {
            let rest = &block[i + 6..];
            links.push(rest[..rest.find('"').expect("quoted")].to_owned());
        }
    }
    links
}

/// Every role, in a province and in a national body: the menus show exactly the entries
/// whose page opens for that role, and every entry is a page of the route table.
async fn each_roles_menus_offer_exactly_the_pages_it_may_open(backend: Backend) {
    let app = sale_centre(backend).await;
    app.organisation("ministry", "family_solidarity", None)
        .await;
    for entry in awladna_web::menu::ENTRIES {
        assert!(
            awladna_web::menu::page_action(entry.path).is_some(),
            "{} is in a menu but is no page of the route table",
            entry.path
        );
    }
    for (org, national) in [("sale-centre", false), ("ministry", true)] {
        for role in Role::ALL {
            if national && role.reads_identities() {
                continue; // such an account opens nothing but its own page
            }
            let name = format!("{}.{org}", role.code());
            let user = app.signed_in(&name, org, &[role]).await;
            let home = user.get("/").await;
            assert_eq!(home.status, StatusCode::OK);
            let shown = menu_links(&home.body);
            for entry in awladna_web::menu::ENTRIES {
                let answer = user.get(entry.path).await;
                let opens = answer.status == StatusCode::OK;
                assert_eq!(
                    shown.iter().any(|l| l == entry.path),
                    opens,
                    "{name}: {} answers {} and is {}in the menus",
                    entry.path,
                    answer.status,
                    if opens { "not " } else { "" }
                );
            }
            for link in &shown {
                assert!(
                    awladna_web::menu::ENTRIES.iter().any(|e| e.path == *link),
                    "{name}: {link} is in a menu without an entry"
                );
            }
        }
    }
    app.finish().await;
}
on_each_backend!(each_roles_menus_offer_exactly_the_pages_it_may_open);

/// A page the role may not open answers with the signed-in header and the pages it may
/// open instead, in the user's language.
async fn a_refusal_keeps_the_signed_in_header_and_offers_what_the_user_may_open(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-hospital", "health", Some("sale"))
        .await;
    let doctor = app
        .signed_in("dr-karim", "sale-hospital", &[Role::FocalPoint])
        .await;
    let refused = doctor.get("/cases").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("dr-karim"),
        "the header names the user"
    );
    assert!(
        refused.body.contains("تسجيل الخروج"),
        "and offers to sign out"
    );
    assert!(
        !refused.body.contains("href=\"/login\""),
        "not the signed-out header"
    );
    let instead = &refused.body[refused
        .body
        .find("class=\"instead\"")
        .expect("alternatives")..];
    assert!(
        instead.contains("href=\"/referrals\""),
        "the inbox is offered"
    );
    assert!(!instead.contains("href=\"/cases\""));
    // In French too.
    let in_french = format!("{}; awladna_lang=fr", doctor.cookie);
    let french = app
        .get_with("/audit", &[("cookie", in_french.as_str())])
        .await;
    assert_eq!(french.status, StatusCode::FORBIDDEN);
    assert!(french.body.contains("Vous pouvez ouvrir ces pages"));
    app.finish().await;
}
on_each_backend!(a_refusal_keeps_the_signed_in_header_and_offers_what_the_user_may_open);

/// The hidden submission key of the form on `page`.
fn form_key(page: &str) -> String {
    let at = page
        .find("name=\"_key\" value=\"")
        .expect("a submission key")
        + 19;
    page[at..at + page[at..].find('"').expect("quoted")].to_owned()
}

/// Back then save (or a double tap): each creating form stores once and says so.
async fn a_form_sent_twice_stores_once_and_says_so(backend: Backend) {
    let app = sale_centre(backend).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;

    // The reporting card.
    let blank = nadia.get("/reports/new").await;
    let key = form_key(&blank.body);
    let report = [
        ("_key", key.as_str()),
        ("source", "police"),
        ("received_at", "2026-11-22T09:00"),
        ("territory", "sale"),
        ("child.first_name", "وفاء"),
        ("child.sex", "female"),
        ("concerns", "neglect"),
        ("urgency", "high"),
    ];
    let first = nadia.post_page("/reports/new", &report).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let again = nadia.post_page("/reports/new", &report).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert_eq!(
        again.header("location"),
        format!("{}?already=1", first.header("location")),
        "the second one lands on the first one's card"
    );
    let told = nadia.get(again.header("location")).await;
    assert!(told.body.contains("حُفظت مرة واحدة فقط"), "and says so");
    let (_, waiting) = app
        .store
        .reports_awaiting_triage("sale", 10)
        .await
        .expect("waiting");
    assert_eq!(waiting, 1, "one report waits, not two");
    // A new rendering of the form has a new key: a second report is a second report.
    assert_ne!(form_key(&nadia.get("/reports/new").await.body), key);

    // A card on a case and the evaluation.
    let case = sale_case(&nadia, "سلمى").await;
    let blank = nadia.get(&format!("/cases/{case}/cards/followup")).await;
    let key = form_key(&blank.body);
    let followup = [
        ("_key", key.as_str()),
        ("contact.date", "2026-11-23"),
        ("contact.kind", "home_visit"),
        ("situation.overall", "improved"),
    ];
    let path = format!("/cases/{case}/cards/followup");
    let first = nadia.post_page(&path, &followup).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let again = nadia.post_page(&path, &followup).await;
    assert!(again.header("location").ends_with("?already=1"));
    let told = nadia.get(again.header("location")).await;
    assert!(told.body.contains("حُفظت مرة واحدة فقط"));
    let cards = nadia
        .get(&format!("/api/v1/cases/{case}/cards/followup"))
        .await
        .json();
    assert_eq!(cards["cards"].as_array().expect("cards").len(), 1);

    let blank = nadia.get(&format!("/cases/{case}/evaluate")).await;
    let key = form_key(&blank.body);
    let mut answers = evaluation_pairs(&["safety.sexual_violence"]);
    answers.push(("_key".into(), key));
    let answers: Vec<(&str, &str)> = answers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let path = format!("/cases/{case}/evaluate");
    let first = nadia.post_page(&path, &answers).await;
    let again = nadia.post_page(&path, &answers).await;
    assert_eq!(
        again.header("location").replace("?already=1", "?saved=1"),
        first.header("location")
    );
    let evaluations = app
        .store
        .case_cards_of_form(&case, "evaluation")
        .await
        .expect("cards");
    assert_eq!(evaluations.len(), 1, "one evaluation, not two");

    // A plan action and a linking card.
    let blank = nadia.get(&format!("/cases/{case}/plan")).await;
    let key = form_key(&blank.body);
    let action = [
        ("_key", key.as_str()),
        ("plan.goal", "عودة آمنة إلى المدرسة"),
        ("plan.action", "لقاء مع مدير المدرسة"),
        ("plan.responsible", "education"),
        ("plan.due_date", "2026-12-07"),
    ];
    let path = format!("/cases/{case}/plan");
    let first = nadia.post_page(&path, &action).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let again = nadia.post_page(&path, &action).await;
    assert_eq!(again.header("location"), format!("/cases/{case}?already=1"));
    assert!(
        nadia
            .get(again.header("location"))
            .await
            .body
            .contains("حُفظت مرة واحدة فقط")
    );
    assert_eq!(
        app.store.plan_actions(&case).await.expect("plan").len(),
        1,
        "one action, not two"
    );

    app.organisation("sale-hospital", "health", Some("sale"))
        .await;
    let blank = nadia.get(&format!("/cases/{case}/refer")).await;
    let key = form_key(&blank.body);
    let card = [
        ("_key", key.as_str()),
        ("to_org", "sale-hospital"),
        ("stage", "initial_diagnosis"),
        ("urgency", "high"),
        ("reason", "فحص طبي"),
        ("consent", "guardian"),
        ("share", "identity"),
    ];
    let path = format!("/cases/{case}/refer");
    let first = nadia.post_page(&path, &card).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let again = nadia.post_page(&path, &card).await;
    assert_eq!(
        again.header("location"),
        format!("{}?already=1", first.header("location"))
    );
    assert!(
        nadia
            .get(again.header("location"))
            .await
            .body
            .contains("حُفظت مرة واحدة فقط")
    );
    let sent = nadia.get("/api/v1/referrals?box=outbox").await.json();
    assert_eq!(
        sent["referrals"].as_array().map(Vec::len),
        Some(1),
        "{sent}"
    );

    // A hostile key (too long, control characters, Arabic) is no key: the form stores.
    let long = "ك".repeat(300);
    for hostile in [long.as_str(), "a\u{0}b", ""] {
        let sent = nadia
            .post_page(
                &format!("/cases/{case}/cards/followup"),
                &[
                    ("_key", hostile),
                    ("contact.date", "2026-11-22"),
                    ("contact.kind", "home_visit"),
                    ("situation.overall", "stable"),
                ],
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        assert!(!sent.header("location").contains("already"));
    }
    app.finish().await;
}
on_each_backend!(a_form_sent_twice_stores_once_and_says_so);

/// The options of the `<select id="{id}"` on a page, in order.
fn options_of(page: &str, id: &str) -> Vec<String> {
    let Some(start) = page.find(&format!("<select id=\"{id}\"")) else {
        return Vec::new();
    };
    let select = &page[start..];
    let select = &select[..select.find("</select>").expect("closed select")];
    select
        .match_indices("<option value=\"")
        .map(|(i, _)| {
            let rest = &select[i + 15..];
            rest[..rest.find('"').expect("quoted")].to_owned()
        })
        .collect()
}

/// At stage 3 the stage menu proposes stage 4; going back is its own form.
async fn the_stage_menu_moves_forward_and_a_step_back_is_its_own_action(backend: Backend) {
    let app = sale_centre(backend).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let case = sale_case(&nadia, "سلمى").await;
    for to in ["immediate_assistance", "initial_diagnosis"] {
        let moved = nadia.move_case(&case, to, None).await;
        assert!(moved.status.is_success(), "{}", moved.body);
    }
    let page = nadia.get(&format!("/cases/{case}")).await;
    let forward = options_of(&page.body, "to");
    assert_eq!(
        forward.first().map(String::as_str),
        Some("care"),
        "{forward:?}"
    );
    assert!(!forward.iter().any(|s| s == "immediate_assistance"));
    assert_eq!(options_of(&page.body, "back-to"), ["immediate_assistance"]);
    assert!(page.body.contains("إرجاع الملف"));
    // A closed case is reopened from the main menu (there is no "back" from closure).
    let closed = nadia.move_case(&case, "closed", Some("reintegrated")).await;
    assert!(closed.status.is_success(), "{}", closed.body);
    let page = nadia.get(&format!("/cases/{case}")).await;
    assert!(options_of(&page.body, "back-to").is_empty());
    assert!(!options_of(&page.body, "to").is_empty());
    app.finish().await;
}
on_each_backend!(the_stage_menu_moves_forward_and_a_step_back_is_its_own_action);

/// A complete report of Salé with this urgency, for a child of this first name and age.
pub(crate) fn report_of(
    first_name: &str,
    age: i64,
    urgency: &str,
    source: &str,
) -> serde_json::Value {
    json!({
        "source": source, "received_at": "2026-11-22T09:00:00Z", "territory": "sale",
        "child": {"first_name": first_name, "sex": "female", "age_years": age},
        "concerns": ["neglect"], "urgency": urgency
    })
}

/// The waiting list: most urgent first, then oldest; each line with its urgency,
/// source, the child's first name and age; the oldest named above the list.
async fn the_waiting_list_puts_the_most_urgent_first_and_names_the_oldest(backend: Backend) {
    let app = sale_centre(backend).await;
    let first = app
        .signed_in("first", "sale-centre", &[Role::CaseWorker])
        .await;
    let old = first
        .record_report(&report_of("قديمة", 12, "low", "school"))
        .await;
    // Three days later (a new session: the first one has expired).
    app.clock.advance(jiff::SignedDuration::from_hours(24 * 3));
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    nadia
        .record_report(&report_of("متوسطة", 8, "medium", "police"))
        .await;
    app.clock.advance(jiff::SignedDuration::from_mins(5));
    let urgent = nadia
        .record_report(&report_of("عاجلة", 5, "immediate", "line_2511"))
        .await;
    let page = nadia.get("/reports/waiting").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let list = &page.body[page.body.find("waiting-list").expect("the list")..];
    let (first, second, third) = (
        list.find("عاجلة").expect("urgent"),
        list.find("متوسطة").expect("medium"),
        list.find("قديمة").expect("old"),
    );
    assert!(first < second && second < third, "urgency first, then time");
    assert!(list.find(&format!("/reports/{urgent}")) < list.find(&format!("/reports/{old}")));
    for shown in ["فوري", "الخط الأخضر 2511", "سنة"] {
        assert!(list.contains(shown), "the line shows {shown}");
    }
    let warning = &page.body[page.body.find("oldest-waiting").expect("the oldest")..];
    let warning = &warning[..warning.find("</p>").expect("closed")];
    assert!(warning.contains(&format!("/reports/{old}")), "{warning}");
    assert!(warning.contains('3'), "three days: {warning}");
    app.finish().await;
}
on_each_backend!(the_waiting_list_puts_the_most_urgent_first_and_names_the_oldest);

/// A due date typed as 2026-12-07 shows as 2026-12-07 (it was shown as «2026-12-08
/// 00:00»), on the case page and in the overdue list, in Arabic and in French.
async fn a_typed_due_date_shows_as_the_date_typed(backend: Backend) {
    let app = sale_centre(backend).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let case = sale_case(&nadia, "سلمى").await;
    let added = nadia
        .post_page(
            &format!("/cases/{case}/plan"),
            &[
                ("plan.goal", "عودة آمنة إلى المدرسة"),
                ("plan.action", "لقاء مع مدير المدرسة"),
                ("plan.responsible", "education"),
                ("plan.due_date", "2026-12-07"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    for lang in ["ar", "fr"] {
        let cookie = format!("{}; awladna_lang={lang}", nadia.cookie);
        let page = app
            .get_with(&format!("/cases/{case}"), &[("cookie", cookie.as_str())])
            .await;
        assert!(page.body.contains(">2026-12-07<"), "{lang}: the typed date");
        assert!(
            !page.body.contains("2026-12-08"),
            "{lang}: not the next day"
        );
    }
    // Once late, the overdue list says the same date.
    app.clock.advance(jiff::SignedDuration::from_hours(24 * 15));
    let later = app
        .signed_in("later", "sale-centre", &[Role::CaseWorker])
        .await;
    let overdue = later.get("/actions/overdue").await;
    assert!(overdue.body.contains("2026-12-07"), "{}", overdue.body);
    assert!(!overdue.body.contains("2026-12-08"));
    app.finish().await;
}
on_each_backend!(a_typed_due_date_shows_as_the_date_typed);

/// The counters of a home page: (label, count) in order.
fn counters(page: &str) -> Vec<(String, i64)> {
    counter_items(page)
        .into_iter()
        .map(|(_, label, count)| (label, count))
        .collect()
}

/// The counters of a home page: (link, label, count) in order.
fn counter_items(page: &str) -> Vec<(String, String, i64)> {
    let Some(start) = page.find("<ul class=\"counters\">") else {
        return Vec::new();
    };
    let list = &page[start..];
    let list = &list[..list.find("</ul>").expect("closed")];
    list.split("<a href=\"")
        .skip(1)
        .map(|item| {
            let href = item[..item.find('"').expect("link")].replace("&#38;", "&");
            let item = &item[item.find("<strong>").expect("count") + 8..];
            let count = item[..item.find('<').expect("number")]
                .parse()
                .expect("a count");
            let label = &item[item.find("<span>").expect("label") + 6..];
            (
                href,
                label[..label.find('<').expect("end")].to_owned(),
                count,
            )
        })
        .collect()
}

/// Every role has a home page with counters of its own; the focal point's are the cards
/// waiting for its service and the late ones; its inbox lines show the urgency, the
/// time left and the service asked for, and a card's page starts with the decision.
async fn every_role_has_its_home_and_the_focal_point_decides_first(backend: Backend) {
    let app = sale_centre(backend).await;
    app.organisation("sale-hospital", "health", Some("sale"))
        .await;
    app.organisation("ministry", "family_solidarity", None)
        .await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let case = sale_case(&nadia, "سلمى").await;
    let referral = nadia
        .send_referral(
            &case,
            &crate::support::linking_card("sale-hospital", &["identity"]),
        )
        .await;
    let doctor = app
        .signed_in("dr-karim", "sale-hospital", &[Role::FocalPoint])
        .await;
    let home = counters(&doctor.get("/").await.body);
    assert_eq!(
        home,
        [
            ("بطاقات ربط في انتظار جوابكم".to_owned(), 1),
            ("بطاقات ربط تجاوزت أجلها".to_owned(), 0)
        ]
    );
    let inbox = doctor.get("/referrals?box=inbox").await.body;
    let line = &inbox[inbox.find("inbox-line").expect("a line")..];
    for shown in ["فوري", "يبقى", "الفحص الطبي"] {
        assert!(line.contains(shown), "the inbox line shows {shown}");
    }
    let card = doctor.get(&format!("/referrals/{referral}")).await.body;
    let decision = card
        .find(&format!("/referrals/{referral}/accept"))
        .expect("accept");
    let file = card.find("<dl class=\"facts\">").expect("the card's facts");
    assert!(
        decision < file,
        "the decision comes before the card and the file"
    );
    // Two days later the card is late, and the home page says so.
    app.clock.advance(jiff::SignedDuration::from_hours(48));
    let later = app
        .signed_in("dr-amal", "sale-hospital", &[Role::FocalPoint])
        .await;
    let home = counters(&later.get("/").await.body);
    assert_eq!(home[1].1, 1, "{home:?}");
    assert!(
        later
            .get("/referrals?box=inbox")
            .await
            .body
            .contains("متأخرة")
    );

    // Each role's home has counters of its own.
    for (role, org) in [
        (Role::CaseWorker, "sale-centre"),
        (Role::Coordinator, "sale-centre"),
        (Role::InformationOfficer, "sale-centre"),
        (Role::Secretariat, "sale-centre"),
        (Role::CommitteeMember, "sale-centre"),
        (Role::NationalAnalyst, "ministry"),
        (Role::Administrator, "sale-centre"),
    ] {
        let user = app
            .signed_in(&format!("{}.home", role.code()), org, &[role])
            .await;
        let home = user.get("/").await;
        let items = counter_items(&home.body);
        assert!(!items.is_empty(), "{role:?} has counters");
        for (href, label, _) in items {
            let opened = user.get(&href).await;
            assert_eq!(opened.status, StatusCode::OK, "{role:?}: {label} → {href}");
        }
    }
    app.finish().await;
}
on_each_backend!(every_role_has_its_home_and_the_focal_point_decides_first);

/// The coordinator's work: alerts name the case and can be marked reviewed; a
/// reassignment is confirmed first and shows on the timeline; the audit log speaks in
/// words and case numbers; an approval is confirmed first; a refused period keeps what
/// was typed.
async fn the_coordinators_work_is_found_confirmed_and_told_in_words(backend: Backend) {
    let app = sale_centre(backend).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let case = sale_case(&nadia, "سلمى").await;
    let evaluated = nadia
        .post(
            &format!("/api/v1/cases/{case}/evaluations"),
            &crate::cases::evaluation(&["safety.no_safe_place"]),
        )
        .await;
    assert!(evaluated.status.is_success(), "{}", evaluated.body);
    let number = nadia.get(&format!("/api/v1/cases/{case}")).await.json()["number"]
        .as_str()
        .expect("number")
        .to_owned();
    let coordinator = app
        .signed_in("bennani", "sale-centre", &[Role::Coordinator])
        .await;

    // The alert names the case; marked reviewed, it leaves the list.
    let alerts = coordinator.get("/alerts").await.body;
    assert!(alerts.contains(&number), "the alert names the case");
    let at = alerts.find("action=\"/alerts/").expect("a review button") + 16;
    let alert = alerts[at..at + alerts[at..].find('/').expect("id")].to_owned();
    let reviewed = coordinator
        .post_page(&format!("/alerts/{alert}/reviewed"), &[])
        .await;
    assert_eq!(reviewed.status, StatusCode::SEE_OTHER, "{}", reviewed.body);
    let alerts = coordinator.get(reviewed.header("location")).await.body;
    assert!(!alerts.contains(&number) && alerts.contains("سُجّلت مراجعة التنبيه"));
    let again = coordinator
        .post_page(&format!("/alerts/{alert}/reviewed"), &[])
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "reviewed once");
    let worker = nadia
        .post_page(&format!("/alerts/{alert}/reviewed"), &[])
        .await;
    assert_eq!(worker.status, StatusCode::FORBIDDEN);

    // A reassignment: first the confirmation, then the timeline says it.
    let other = app
        .user("amina", "sale-centre", &[Role::CaseWorker], true)
        .await;
    let path = format!("/cases/{case}/assign");
    let asked = coordinator
        .post_page(&path, &[("user_id", other.id.as_str())])
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert!(asked.body.contains(&number) && asked.body.contains("amina"));
    assert_eq!(
        app.store
            .case_assignee(&case)
            .await
            .expect("assignee")
            .as_deref(),
        Some(nadia_id(&app).await.as_str()),
        "nothing changes before the confirmation"
    );
    let done = coordinator
        .post_page(&path, &[("user_id", other.id.as_str()), ("confirmed", "1")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = coordinator.get(&format!("/cases/{case}")).await.body;
    let timeline = &page[page.find("class=\"timeline\"").expect("timeline")..];
    assert!(
        timeline.contains("أُسند الملف إلى amina — bennani"),
        "{timeline}"
    );
    let hostile = coordinator
        .post_page(&path, &[("user_id", "' OR 1=1 -- طفل")])
        .await;
    assert_eq!(hostile.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The audit log and the periodic reports are in the coordinator's menus.
    let home = coordinator.get("/").await.body;
    assert!(home.contains("href=\"/audit\"") && home.contains("href=\"/periodic-reports\""));
    let audit = coordinator.get("/audit").await.body;
    assert!(
        audit.contains("فتح ملف") && audit.contains(&number),
        "words and numbers"
    );
    assert!(!audit.contains("case.read") && !audit.contains(&format!(">case {case}")));

    // An approval is confirmed first.
    let officer = app
        .signed_in("youssef", "sale-centre", &[Role::InformationOfficer])
        .await;
    let wrong = officer
        .post_page(
            "/periodic-reports",
            &[
                ("kind", "monthly"),
                ("territory", "sale"),
                ("from", "2026-11"),
                ("to", "2026-10"),
            ],
        )
        .await;
    assert!(
        wrong.body.contains("value=\"2026-11\"") && wrong.body.contains("value=\"2026-10\""),
        "a refused period keeps both months"
    );
    let report = officer
        .post(
            "/api/v1/periodic-reports",
            &json!({"kind": "monthly", "territory": "sale", "from": "2026-10", "to": "2026-10"}),
        )
        .await
        .json()["id"]
        .as_str()
        .expect("report")
        .to_owned();
    let approve = format!("/periodic-reports/{report}/approve");
    let asked = coordinator.post_page(&approve, &[("version", "1")]).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert!(asked.body.contains("name=\"confirmed\""));
    let status = |r: &serde_json::Value| r["status"].as_str().unwrap_or_default().to_owned();
    let read = coordinator
        .get(&format!("/api/v1/periodic-reports/{report}"))
        .await
        .json();
    assert_eq!(
        status(&read),
        "draft",
        "not approved before the confirmation"
    );
    let done = coordinator
        .post_page(&approve, &[("version", "1"), ("confirmed", "1")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let read = coordinator
        .get(&format!("/api/v1/periodic-reports/{report}"))
        .await
        .json();
    assert_eq!(status(&read), "approved");
    app.finish().await;
}
on_each_backend!(the_coordinators_work_is_found_confirmed_and_told_in_words);

/// The id of the user "nadia".
async fn nadia_id(app: &TestApp) -> String {
    app.store
        .user_by_username("nadia")
        .await
        .expect("read")
        .expect("nadia")
        .id
}

/// The month under way is marked partial on the dashboard's trend; the dashboard's PDF
/// says its territory and period.
async fn the_dashboard_marks_the_month_under_way_and_its_pdf_says_its_period(backend: Backend) {
    let app = sale_centre(backend).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    sale_case(&nadia, "سلمى").await;
    let page = nadia
        .get("/stats?territory=sale&from=2026-06&to=2026-11")
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("2026-11 (شهر جارٍ، غير مكتمل)"),
        "the month under way"
    );
    assert!(!page.body.contains("2026-10 (شهر"), "a past month is whole");
    let pdf = crate::read_back::download(
        &app,
        "/stats/export/pdf?territory=sale&from=2026-06&to=2026-11",
        &nadia.cookie,
    )
    .await;
    assert_eq!(pdf.status, StatusCode::OK);
    if let Some(text) = crate::read_back::pdf_text(&pdf.bytes) {
        // One line says the period (in visual order: right to left in Arabic).
        assert!(
            text.lines()
                .any(|l| l.contains("الفترة") && l.contains("2026-06") && l.contains("2026-11")),
            "the period: {text}"
        );
    }
    app.finish().await;
}
on_each_backend!(the_dashboard_marks_the_month_under_way_and_its_pdf_says_its_period);

/// The smaller things: a French list is joined with a French comma; "<5" stays "<5" in
/// an Arabic table; the sign-in warns before the failure that brings a wait; the
/// linking card's refusal names the part that may not go, and keeps the service asked.
async fn the_smaller_things_read_right(backend: Backend) {
    let app = sale_centre(backend).await;
    app.organisation("sale-school", "education", Some("sale"))
        .await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let case = sale_case(&nadia, "سلمى").await;
    let saved = nadia
        .post(
            &format!("/api/v1/cases/{case}/cards/followup"),
            &json!({
                "contact": {"date": "2026-11-22", "kind": "home_visit"},
                "situation": {"overall": "improved"},
                "services": {"delivered": ["psychological_support", "home_visits"]}
            }),
        )
        .await;
    assert!(saved.status.is_success(), "{}", saved.body);
    let french = format!("{}; awladna_lang=fr", nadia.cookie);
    let page = app
        .get_with(&format!("/cases/{case}"), &[("cookie", french.as_str())])
        .await
        .body;
    assert!(!page.contains("، "), "no Arabic comma in French");
    let arabic = nadia.get(&format!("/cases/{case}")).await.body;
    assert!(arabic.contains("، "), "the Arabic comma in Arabic");

    // The evaluation and plan forms name the case they are filled for, blank and refused.
    let number = nadia.get(&format!("/api/v1/cases/{case}")).await.json()["number"]
        .as_str()
        .expect("number")
        .to_owned();
    for path in ["evaluate", "plan", "cards/followup"] {
        let blank = nadia.get(&format!("/cases/{case}/{path}")).await.body;
        assert!(blank.contains(&number), "{path} names the case");
        let refused = nadia.post_page(&format!("/cases/{case}/{path}"), &[]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(
            refused.body.contains(&number),
            "{path} refused names the case"
        );
    }

    // The linking card: the medical file may not go to a school; the service is kept.
    let refused = nadia
        .post_page(
            &format!("/cases/{case}/refer"),
            &[
                ("to_org", "sale-school"),
                ("stage", "care"),
                ("service", "legal_orientation"),
                ("urgency", "high"),
                ("reason", "مواكبة مدرسية"),
                ("consent", "guardian"),
                ("share", "medical_file"),
            ],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("(الملف الطبي والنفسي)"),
        "the part is named"
    );
    assert!(
        refused
            .body
            .contains("value=\"legal_orientation\" selected"),
        "the service asked for is kept"
    );

    // "<5" in a periodic report's Arabic table is laid out left to right.
    let officer = app
        .signed_in("youssef", "sale-centre", &[Role::InformationOfficer])
        .await;
    let report = officer
        .post(
            "/api/v1/periodic-reports",
            &json!({"kind": "monthly", "territory": "sale", "from": "2026-11", "to": "2026-11"}),
        )
        .await
        .json()["id"]
        .as_str()
        .expect("report")
        .to_owned();
    let page = officer
        .get(&format!("/periodic-reports/{report}"))
        .await
        .body;
    assert!(
        page.contains("<td dir=\"ltr\">&#60;5</td>"),
        "an isolated <5"
    );
    assert!(!page.contains("<td>&#60;5</td>"));

    // The fourth failure warns that the fifth brings a wait.
    let (cookie, csrf) = app.anonymous_csrf().await;
    let mut last = String::new();
    for _ in 0..4 {
        last = app
            .post_form(
                "/login",
                &[("cookie", cookie.as_str())],
                &[
                    ("_csrf", csrf.as_str()),
                    ("username", "nadia"),
                    ("password", "wrong"),
                ],
            )
            .await
            .body;
    }
    assert!(last.contains("محاولة فاشلة أخرى"), "warned before the wait");
    app.finish().await;
}
on_each_backend!(the_smaller_things_read_right);

/// A refused upload (a file that is not a document) answers with the signed-in header,
/// not a bare signed-out page.
async fn a_refused_upload_keeps_the_signed_in_header(backend: Backend) {
    let app = sale_centre(backend).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let case = sale_case(&nadia, "سلمى").await;
    let boundary = "journeys-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nsocial_inquiry\r\n").as_bytes(),
    );
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.exe\"\r\nContent-Type: application/octet-stream\r\n\r\nMZ\x00\x01 not a document\r\n--{boundary}--\r\n").as_bytes(),
    );
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let refused = app
        .request(
            axum::http::Method::POST,
            &format!("/cases/{case}/files/social/documents?_csrf={}", nadia.csrf),
            &[
                ("cookie", nadia.cookie.as_str()),
                ("content-type", content_type.as_str()),
            ],
            axum::body::Body::from(body),
        )
        .await;
    assert!(refused.status.is_client_error(), "{}", refused.status);
    assert!(refused.body.contains("nadia") && refused.body.contains("تسجيل الخروج"));
    assert!(
        !refused.body.contains("href=\"/login\""),
        "not the signed-out header"
    );
    app.finish().await;
}
on_each_backend!(a_refused_upload_keeps_the_signed_in_header);

/// A worker's tasks: the evaluation not made, the plan's open actions and the next
/// follow-up, with the child's first name and the due date; the late first.
async fn a_worker_sees_her_tasks_the_late_first(backend: Backend) {
    let app = sale_centre(backend).await;
    app.organisation("sale-hospital", "health", Some("sale"))
        .await;
    let user = app
        .user("nadia", "sale-centre", &[Role::CaseWorker], true)
        .await;
    let nadia = session_of(&app, &user).await;
    let case = sale_case(&nadia, "سلمى").await;
    let planned = nadia
        .post(
            &format!("/api/v1/cases/{case}/plan"),
            &json!({"plan": {"goal": "عودة آمنة إلى المدرسة", "action": "لقاء مع مدير المدرسة", "responsible": "education", "due_date": "2026-12-07"}}),
        )
        .await;
    assert!(planned.status.is_success(), "{}", planned.body);
    let followup = nadia
        .post(
            &format!("/api/v1/cases/{case}/cards/followup"),
            &json!({
                "contact": {"date": "2026-11-22", "kind": "home_visit"},
                "situation": {"overall": "improved"},
                "next": {"date": "2026-11-25"}
            }),
        )
        .await;
    assert!(followup.status.is_success(), "{}", followup.body);
    let page = nadia.get("/tasks").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let list = &page.body[page.body.find("task-list").expect("the list")..];
    let (followup_at, plan_at, evaluate_at) = (
        list.find("زيارة أو اتصال التتبع المقبل")
            .expect("the follow-up"),
        list.find("إجراء في خطة التكفل").expect("the plan action"),
        list.find("تقييم درجة الخطر").expect("the evaluation"),
    );
    assert!(
        followup_at < plan_at && plan_at < evaluate_at,
        "by deadline, none last"
    );
    assert!(list.contains("سلمى") && list.contains("2026-11-25") && list.contains("2026-12-07"));
    // Fifteen days later the follow-up and the action are late, and come first.
    app.clock.advance(jiff::SignedDuration::from_hours(24 * 15));
    let nadia = session_of(&app, &user).await;
    let list = nadia.get("/tasks").await.body;
    let list = &list[list.find("task-list").expect("the list")..];
    let late = list.find("overdue").expect("late tasks");
    assert!(
        late < list.find("تقييم درجة الخطر").expect("the evaluation"),
        "late first"
    );
    let other = app
        .signed_in("amina", "sale-centre", &[Role::CaseWorker])
        .await;
    assert!(
        other.get("/tasks").await.body.contains("لا مهمة"),
        "only one's own cases"
    );
    assert!(
        !list.contains("caseloads"),
        "a worker sees no one else's caseload"
    );
    // The coordinator sees each worker's caseload and what is late.
    let coordinator = app
        .signed_in("bennani", "sale-centre", &[Role::Coordinator])
        .await;
    let page = coordinator.get("/tasks").await.body;
    let table = &page[page.find("class=\"caseloads\"").expect("the caseloads")..];
    let row = &table[table.find("<bdi>nadia</bdi>").expect("nadia's row")..];
    let row = &row[..row.find("</tr>").expect("row end")];
    assert!(
        row.contains("<td dir=\"ltr\">1</td><td dir=\"ltr\">1</td>"),
        "one open case, late: {row}"
    );
    let doctor = app
        .signed_in("dr-karim", "sale-hospital", &[Role::FocalPoint])
        .await;
    assert_eq!(doctor.get("/tasks").await.status, StatusCode::FORBIDDEN);
    app.finish().await;
}
on_each_backend!(a_worker_sees_her_tasks_the_late_first);

/// A new session of `user`.
pub(crate) async fn session_of<'a>(
    app: &'a TestApp,
    user: &crate::support::TestUser,
) -> Signed<'a> {
    let (cookie, csrf) = app.session(user).await;
    Signed { app, cookie, csrf }
}
