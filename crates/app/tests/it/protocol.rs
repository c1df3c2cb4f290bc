//! The unified protocol where it matters (issue 15 §4, issue 19 §1): its pages, the
//! next services on the case page, the linking-card form proposing the organisations of
//! the case's province that offer the service (another province's never), and the
//! statistics of services and delays against the protocol, hand-computed on a small
//! scenario, whole for the province and suppressed for the ministry.

use crate::support::{Answer, Backend, Signed, TestApp, on_each_backend, reference, test_entry};
use awladna_core::protocol_stats::{DELAYS, ProtocolStats, statistics};
use awladna_core::stats::Query;
use awladna_core::{Core, Permit, Who};
use awladna_domain::access::{Actor, Role};
use awladna_domain::directory::Entry;
use awladna_domain::stats::Shown;
use awladna_store::directory::Expect;
use axum::http::StatusCode;
use serde_json::json;

/// Salé's centre, two hospitals and a school, Rabat's hospital and a national body; the
/// directory says which offers what.
pub(crate) async fn setup(app: &TestApp) {
    for (code, sector, territory) in [
        ("sale-centre", "family_solidarity", Some("sale")),
        ("sale-hospital", "health", Some("sale")),
        ("sale-clinic", "health", Some("sale")),
        ("sale-school", "education", Some("sale")),
        ("rabat-centre", "family_solidarity", Some("rabat")),
        ("rabat-hospital", "health", Some("rabat")),
        ("ministry", "family_solidarity", None),
    ] {
        app.organisation(code, sector, territory).await;
    }
    for (code, services) in [
        ("sale-hospital", &["medical_exam", "forensic_exam"][..]),
        ("sale-clinic", &["medical_care"][..]),
        ("sale-school", &["school_support"][..]),
        ("rabat-hospital", &["forensic_exam", "medical_exam"][..]),
        ("ministry", &["forensic_exam"][..]),
    ] {
        let entry = Entry {
            address: "شارع محمد الخامس".into(),
            opening_hours: "8:30 – 16:30".into(),
            services: services.iter().map(|s| (*s).to_owned()).collect(),
            ..Default::default()
        };
        let mut tx = app.store.begin().await.expect("begin");
        assert!(
            tx.put_directory_entry(code, &entry, Expect::Absent, "test", app.now_ms())
                .await
                .expect("entry")
        );
        tx.audit(test_entry(app.now_ms(), "directory.updated"))
            .await
            .expect("audit");
        tx.commit().await.expect("commit");
    }
}

/// A case about `concern` opened in `territory` and moved to `stage` step by step.
pub(crate) async fn case_at(
    worker: &Signed<'_>,
    territory: &str,
    concern: &str,
    stage: &str,
) -> String {
    let report = worker
        .record_report(&json!({
            "source": "family", "received_at": "2026-11-23T08:00:00Z", "territory": territory,
            "child": {"first_name": "Salma", "last_name": "Alaoui", "sex": "female", "age_years": 9},
            "concerns": [concern], "urgency": "high"
        }))
        .await;
    let case = worker.triage(&report, None).await["case_id"]
        .as_str()
        .expect("case")
        .to_owned();
    for to in ["immediate_assistance", "initial_diagnosis", "care"] {
        let moved = worker.move_case(&case, to, None).await;
        assert_eq!(moved.status, StatusCode::OK, "{to}: {}", moved.body);
        if to == stage {
            break;
        }
    }
    case
}

fn proposed_list(page: &Answer) -> &str {
    let start = page
        .body
        .find("id=\"proposed-orgs\"")
        .unwrap_or(page.body.len());
    let rest = &page.body[start..];
    &rest[..rest.find("</ul>").unwrap_or(rest.len())]
}

async fn the_linking_card_proposes_who_offers_the_protocol_s_service(backend: Backend) {
    let app = TestApp::start(backend).await;
    setup(&app).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let case = case_at(&nadia, "sale", "sexual_violence", "initial_diagnosis").await;

    // The case page proposes the basket of the stage for the child's concern, each a
    // link to the linking card for it; the child's name comes first.
    let page = nadia.get(&format!("/cases/{case}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let link = format!("/cases/{case}/refer?stage=initial_diagnosis&#38;service=forensic_exam");
    assert!(page.body.contains(&link), "{}", page.body);
    assert!(page.body.contains("الخبرة الطبية الشرعية"));
    let name_at = page.body.find("Salma").expect("the child's name");
    let proposals_at = page.body.find("protocol-next-h").expect("the proposals");
    assert!(name_at < proposals_at, "the child comes first");

    // The linking card for it proposes Salé's hospital, and only it: not the clinic
    // (another service), not Rabat's hospital nor the ministry (another place).
    let form = nadia
        .get(&format!(
            "/cases/{case}/refer?stage=initial_diagnosis&service=forensic_exam"
        ))
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let proposed = proposed_list(&form);
    assert!(
        proposed.contains("data-org=\"sale-hospital\""),
        "{proposed}"
    );
    for other in ["sale-clinic", "sale-school", "rabat-hospital", "ministry"] {
        assert!(!proposed.contains(other), "{other} proposed: {proposed}");
    }
    assert!(
        !form.body.contains("rabat-hospital"),
        "another province is never offered"
    );
    // The others remain reachable, after the proposed ones, with the service chosen.
    let hospital = form
        .body
        .find("option value=\"sale-hospital\"")
        .expect("offered");
    let school = form
        .body
        .find("option value=\"sale-school\"")
        .expect("still offered");
    assert!(hospital < school);
    assert!(
        form.body
            .contains("<option value=\"forensic_exam\" selected>")
    );

    // Another concern, another basket: no forensic examination for a school dropout.
    let dropout = case_at(&nadia, "sale", "school_dropout_risk", "initial_diagnosis").await;
    let page = nadia.get(&format!("/cases/{dropout}")).await;
    assert!(!page.body.contains("service=forensic_exam"));
    assert!(page.body.contains("service=social_inquiry"));

    // A service nobody in the province offers says so, and lists everyone.
    let none = nadia
        .get(&format!("/cases/{case}/refer?stage=care&service=legal_aid"))
        .await;
    assert_eq!(none.status, StatusCode::OK);
    assert!(proposed_list(&none).is_empty());
    assert!(none.body.contains("option value=\"sale-hospital\""));

    // Sending from the proposal works as before.
    let sent = nadia
        .post(
            &format!("/api/v1/cases/{case}/referrals"),
            &json!({"to_org": "sale-hospital", "stage": "initial_diagnosis", "service": "forensic_exam",
                    "urgency": "high", "reason": "خبرة طبية شرعية", "consent": "guardian", "share": ["identity"]}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    let page = nadia.get(&format!("/cases/{case}")).await;
    assert!(
        !page.body.contains(&link),
        "an asked service is no longer a link"
    );
    app.finish().await;
}
on_each_backend!(the_linking_card_proposes_who_offers_the_protocol_s_service);

async fn hostile_asks_and_wrong_readers_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    setup(&app).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let case = case_at(&nadia, "sale", "physical_violence", "immediate_assistance").await;
    for query in [
        "stage=%3Cscript%3Ealert(1)%3C%2Fscript%3E&service=forensic_exam",
        "stage=initial_diagnosis&service=%27%20OR%201%3D1%20--",
        "stage=%D8%A7%D9%84%D8%AA%D8%B4%D8%AE%D9%8A%D8%B5&service=%D8%AE%D8%A8%D8%B1%D8%A9",
        "stage=&service=",
        "service=forensic_exam&service=medical_exam",
    ] {
        let page = nadia.get(&format!("/cases/{case}/refer?{query}")).await;
        assert!(
            page.status == StatusCode::OK || page.status == StatusCode::BAD_REQUEST,
            "{query}: {}",
            page.status
        );
        assert!(!page.body.contains("<script>alert"), "{query}");
    }
    let long = "%D8%AA".repeat(3000);
    let page = nadia
        .get(&format!("/cases/{case}/refer?stage=care&service={long}"))
        .await;
    assert!(page.status.is_success() || page.status.is_client_error());

    // A focal point may not write a linking card; another province does not see the case.
    let doctor = app
        .signed_in("amal", "sale-hospital", &[Role::FocalPoint])
        .await;
    assert_eq!(
        doctor
            .get(&format!("/cases/{case}/refer?service=medical_exam"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let rabat = app
        .signed_in("rim", "rabat-centre", &[Role::CaseWorker])
        .await;
    assert_eq!(
        rabat
            .get(&format!("/cases/{case}/refer?service=medical_exam"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The protocol's pages: every signed-in professional; nobody without an account.
    for reader in [&nadia, &doctor, &rabat] {
        let page = reader.get("/protocol").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("صيغتنا المؤقتة"), "marked as ours");
        assert_eq!(reader.get("/protocol/1").await.status, StatusCode::OK);
    }
    for path in [
        "/protocol/9",
        "/protocol/1%20OR%201",
        "/protocol/-1",
        "/protocol/%D9%A1",
    ] {
        assert_eq!(
            nadia.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let anonymous = app.get("/protocol").await;
    assert!(
        anonymous.status == StatusCode::SEE_OTHER || anonymous.status == StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.status
    );

    // The statistics: a focal point has no figures; another province is not found; a
    // bad period says so.
    assert_eq!(
        doctor.get("/stats/protocol").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        nadia.get("/stats/protocol?territory=rabat").await.status,
        StatusCode::NOT_FOUND
    );
    for bad in [
        "from=2026-13",
        "from=%3Cb%3E&to=x",
        "from=2026-11&to=2026-01",
        "territory=%D8%B3%D9%84%D8%A7",
    ] {
        let page = nadia.get(&format!("/stats/protocol?{bad}")).await;
        assert!(page.status.is_client_error(), "{bad}: {}", page.status);
        assert!(!page.body.contains("<b>"), "{bad}");
    }
    app.finish().await;
}
on_each_backend!(hostile_asks_and_wrong_readers_are_refused);

fn core_of(app: &TestApp) -> Core {
    Core::new(
        app.store.clone(),
        reference(),
        app.clock.clone(),
        app.keyring.clone(),
    )
}

fn reader(territory: Option<&str>, org: &str, role: Role) -> Who {
    Who {
        actor: Actor {
            user_id: "reader".into(),
            organisation: org.into(),
            sector: "family_solidarity".into(),
            territory: territory.map(str::to_owned),
            roles: [role].into_iter().collect(),
            token_scope: None,
        },
        audit_name: "reader".into(),
        origin: None,
        machine: false,
    }
}

async fn figures(app: &TestApp, who: Who, territory: &str) -> ProtocolStats {
    let permit = Permit::check(who).expect("may read figures");
    let q = Query {
        territory: Some(territory.into()),
        from: Some("2026-11".into()),
        to: Some("2026-11".into()),
        by: None,
        compare: None,
    };
    statistics(&core_of(app), &permit, &q)
        .await
        .expect("figures")
}

fn v(n: f64) -> Shown {
    Shown::Value(n)
}

async fn services_and_delays_are_counted_against_the_protocol(backend: Backend) {
    let app = TestApp::start(backend).await;
    setup(&app).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let doctor = app
        .signed_in("amal", "sale-hospital", &[Role::FocalPoint])
        .await;
    // A: sexual violence, evaluated at high risk at once, a plan written, a forensic
    // examination asked, accepted and delivered.
    let a = case_at(&nadia, "sale", "sexual_violence", "initial_diagnosis").await;
    let evaluated = nadia
        .post(
            &format!("/api/v1/cases/{a}/evaluations"),
            &crate::cases::evaluation(&["safety.author_has_access", "safety.sexual_violence"]),
        )
        .await;
    assert_eq!(evaluated.status, StatusCode::CREATED, "{}", evaluated.body);
    assert_eq!(evaluated.json()["level"], "high");
    let plan = nadia
        .post(
            &format!("/api/v1/cases/{a}/plan"),
            &json!({"plan": {"goal": "حماية", "action": "إيواء مؤقت", "responsible": "entraide_nationale", "due_date": "2026-11-30"}}),
        )
        .await;
    assert_eq!(plan.status, StatusCode::CREATED, "{}", plan.body);
    let forensic = nadia
        .send_referral(&a, &json!({"to_org": "sale-hospital", "stage": "initial_diagnosis", "service": "forensic_exam",
            "urgency": "high", "reason": "خبرة", "consent": "guardian", "share": ["identity"]}))
        .await;
    for step in ["accept", "deliver"] {
        let done = doctor
            .post(&format!("/api/v1/referrals/{forensic}/{step}"), &json!({}))
            .await;
        assert_eq!(done.status, StatusCode::OK, "{step}: {}", done.body);
    }
    // B: physical violence, a medical examination asked and never answered, no evaluation.
    let b = case_at(&nadia, "sale", "physical_violence", "initial_diagnosis").await;
    nadia
        .send_referral(&b, &json!({"to_org": "sale-hospital", "stage": "initial_diagnosis", "service": "medical_exam",
            "urgency": "high", "reason": "فحص", "consent": "guardian", "share": ["identity"]}))
        .await;
    // Rabat's case never counts in Salé.
    let rabat = app
        .signed_in("rim", "rabat-centre", &[Role::CaseWorker])
        .await;
    case_at(&rabat, "rabat", "sexual_violence", "initial_diagnosis").await;

    // A day and an hour later B's card is past its 24 h; B's evaluation is still due
    // within 72 h.
    app.clock.advance(jiff::SignedDuration::from_hours(25));
    let s = figures(
        &app,
        reader(Some("sale"), "sale-centre", Role::Coordinator),
        "sale",
    )
    .await;
    assert!(!s.asked.protect && s.provisional && s.version == 1);
    let line = |stage: &str, service: &str| {
        s.coverage
            .iter()
            .find(|c| c.stage == stage && c.service == service)
            .unwrap_or_else(|| panic!("{stage}/{service}"))
            .clone()
    };
    let forensic = line("initial_diagnosis", "forensic_exam");
    assert_eq!((forensic.due, forensic.received), (v(2.0), v(1.0)));
    assert_eq!(forensic.share, Some(v(50.0)));
    let medical = line("initial_diagnosis", "medical_exam");
    assert_eq!(
        (medical.due, medical.received, medical.share),
        (v(2.0), v(0.0), Some(v(0.0)))
    );
    let listening = line("immediate_assistance", "listening");
    assert_eq!(listening.due, v(2.0));
    // Neither reached care: nothing was due there.
    let care = line("care", "psychological_support");
    assert_eq!((care.due, care.share), (v(0.0), None));

    let delay = |code: &str| {
        s.delays
            .iter()
            .find(|d| d.code == code)
            .expect(code)
            .clone()
    };
    assert_eq!(s.delays.iter().map(|d| d.code).collect::<Vec<_>>(), DELAYS);
    // [in time, late, overdue, waiting]
    let response = delay("linking_card_response");
    assert_eq!(response.counts, [v(1.0), v(0.0), v(1.0), v(0.0)]);
    assert_eq!(
        (response.total, response.share_in_time),
        (v(2.0), Some(v(50.0)))
    );
    assert_eq!(response.limit_hours, None);
    let first = delay("first_evaluation_after_report");
    assert_eq!(first.counts, [v(1.0), v(0.0), v(0.0), v(1.0)]);
    assert_eq!(
        (first.limit_hours, first.share_in_time),
        (Some(72), Some(v(100.0)))
    );
    let plan = delay("plan_after_high_risk_evaluation");
    assert_eq!(plan.counts, [v(1.0), v(0.0), v(0.0), v(0.0)]);
    assert_eq!(plan.limit_hours, Some(168));

    // Three more days: B's first evaluation is overdue too.
    app.clock.advance(jiff::SignedDuration::from_hours(72));
    let s = figures(
        &app,
        reader(Some("sale"), "sale-centre", Role::Coordinator),
        "sale",
    )
    .await;
    let first = s
        .delays
        .iter()
        .find(|d| d.code == "first_evaluation_after_report")
        .expect("first");
    assert_eq!(first.counts, [v(1.0), v(0.0), v(1.0), v(0.0)]);
    assert_eq!(first.share_in_time, Some(v(50.0)));

    // The ministry reads Salé's figures suppressed: every count from 1 to 4 hidden, and
    // what would give one away with it.
    let national = figures(
        &app,
        reader(None, "ministry", Role::NationalAnalyst),
        "sale",
    )
    .await;
    assert!(national.asked.protect);
    let forensic = national
        .coverage
        .iter()
        .find(|c| c.service == "forensic_exam")
        .expect("forensic");
    assert_eq!(
        (forensic.due, forensic.received, forensic.share),
        (Shown::Hidden, Shown::Hidden, Some(Shown::Hidden))
    );
    for d in &national.delays {
        for (k, c) in d.counts.iter().enumerate() {
            assert!(
                !matches!(c, Shown::Value(n) if (1.0..=4.0).contains(n)),
                "{} {k}",
                d.code
            );
        }
        assert!(!matches!(d.total, Shown::Value(n) if (1.0..=4.0).contains(&n)));
    }
    // The nation: Salé and Rabat together, still suppressed.
    let nation = figures(&app, reader(None, "ministry", Role::NationalAnalyst), "MA").await;
    let listening = nation
        .coverage
        .iter()
        .find(|c| c.service == "listening")
        .expect("listening");
    assert_eq!(listening.due, Shown::Hidden, "3 cases");

    // The pages: the province's coordinator sees the counts whole, with definitions;
    // the ministry sees them hidden; Rabat does not see Salé.
    let coordinator = app
        .signed_in("karima", "sale-centre", &[Role::Coordinator])
        .await;
    let page = coordinator
        .get("/stats/protocol?from=2026-11&to=2026-11")
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("50.0 %") && page.body.contains("الخبرة الطبية الشرعية"));
    assert!(
        page.body.contains("من تسجيل أول بطاقة تبليغ"),
        "definitions"
    );
    let ministry = app
        .signed_in("analyst", "ministry", &[Role::NationalAnalyst])
        .await;
    let page = ministry
        .get("/stats/protocol?territory=sale&from=2026-11&to=2026-11")
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("&#60;5") && !page.body.contains("50.0 %"));
    let rabat_coordinator = app
        .signed_in("rachid", "rabat-centre", &[Role::Coordinator])
        .await;
    assert_eq!(
        rabat_coordinator
            .get("/stats/protocol?territory=sale")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    app.finish().await;
}
on_each_backend!(services_and_delays_are_counted_against_the_protocol);

/// `awladna demo` describes its organisations in the directory with the services the
/// protocol gives their sector, so the linking card proposes someone on demo data.
async fn the_demo_directory_offers_the_protocol_s_services(backend: Backend) {
    let (_db, store) = crate::demo::demo_database(backend, "40", "3").await;
    let mut provinces = 0;
    for province in ["sale", "marrakech", "agadir-ida-ou-tanane"] {
        let listings = store.directory(province).await.expect("directory");
        if listings.is_empty() {
            continue;
        }
        provinces += 1;
        let offering = |service: &str, sector: &str| {
            listings.iter().any(|l| {
                l.organisation.sector == sector
                    && l.entry
                        .as_ref()
                        .is_some_and(|e| e.services.iter().any(|s| s == service))
            })
        };
        assert!(offering("medical_exam", "health"), "{province}");
        assert!(offering("forensic_exam", "health"), "{province}");
        assert!(offering("listening", "family_solidarity"), "{province}");
        assert!(offering("school_support", "education"), "{province}");
    }
    assert!(
        provinces > 0,
        "the demo's committees give provinces organisations"
    );
}
on_each_backend!(the_demo_directory_offers_the_protocol_s_services);
