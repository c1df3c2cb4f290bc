//! Flags on a case (issue 18): added and removed with a reason by the case's workers,
//! sealed at rest, audited, shown on every page of the case and, when shareable, on
//! its linking cards; refused to other roles, other provinces and stale versions.

use crate::support::{Backend, Signed, TestApp, linking_card, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::json;

const FLAG: &str = "لا يُتصل بالأب";
const REASON: &str = "أمر قضائي بالإبعاد <b>2026</b>";

async fn sale(backend: Backend) -> TestApp {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("sale-hospital", "health", Some("sale"))
        .await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    app
}

/// Adds a flag through the page's form; the answer.
pub(crate) async fn flag(
    worker: &Signed<'_>,
    case: &str,
    text: &str,
    shareable: bool,
) -> crate::support::Answer {
    let mut pairs = vec![("text", text), ("reason", REASON), ("_key", text)];
    if shareable {
        pairs.push(("shareable", "1"));
    }
    worker
        .post_page(&format!("/cases/{case}/flags"), &pairs)
        .await
}

async fn a_flag_shows_on_every_page_of_the_case_and_on_shared_cards(backend: Backend) {
    let app = sale(backend).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let case = crate::journeys::sale_case(&nadia, "سلمى").await;
    let added = flag(&nadia, &case, FLAG, true).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    // Sent twice (back then save): stored once.
    let again = flag(&nadia, &case, FLAG, true).await;
    assert!(
        again.header("location").contains("already"),
        "{}",
        again.header("location")
    );
    let private = flag(&nadia, &case, "الأم لا تعرف العنوان الجديد", false).await;
    assert_eq!(private.status, StatusCode::SEE_OTHER);
    let listed = nadia
        .get(&format!("/api/v1/cases/{case}/flags"))
        .await
        .json();
    assert_eq!(listed["items"].as_array().expect("items").len(), 2);

    // Every page of the case shows it, escaped.
    for path in ["", "/evaluate", "/plan", "/cards/followup", "/flags"] {
        let page = nadia.get(&format!("/cases/{case}{path}")).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.body.contains(FLAG), "{path} shows the flag");
        assert!(
            page.body.contains("&#60;b&#62;2026"),
            "{path}: the reason, escaped"
        );
        assert!(!page.body.contains("<b>2026"), "{path}");
    }
    let timeline = nadia.get(&format!("/cases/{case}")).await;
    assert!(timeline.body.contains("أضيف تحذير"), "on the timeline");

    // Sealed at rest: the flag's words are nowhere in the database in clear.
    let raw = app.store.case_flags(&case).await.expect("flags");
    assert!(
        raw.iter()
            .all(|f| !String::from_utf8_lossy(&f.text).contains("الأب"))
    );

    // The linking card shows the shareable flag only, to the sender and the receiver.
    let referral = nadia
        .send_referral(&case, &linking_card("sale-hospital", &["identity"]))
        .await;
    let doctor = app
        .signed_in("doctor", "sale-hospital", &[Role::FocalPoint])
        .await;
    for reader in [&nadia, &doctor] {
        let card = reader.get(&format!("/referrals/{referral}")).await;
        assert_eq!(card.status, StatusCode::OK);
        assert!(card.body.contains(FLAG), "the shareable flag travels");
        assert!(!card.body.contains("العنوان الجديد"), "the other does not");
    }
    let pdf = doctor.get(&format!("/referrals/{referral}/card.pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK);

    // Removing it needs a reason, the version read, and is kept on the timeline.
    let id = listed["items"][0]["id"].as_str().expect("id").to_owned();
    let version = listed["items"][0]["version"].as_i64().expect("version");
    let remove = format!("/cases/{case}/flags/remove");
    let no_reason = nadia
        .post_page(
            &remove,
            &[("flag_id", &id), ("reason", " "), ("version", "1")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("سبب الرفع"), "names the field");
    let removed = nadia
        .post_page(
            &remove,
            &[
                ("flag_id", &id),
                ("reason", "رُفع الأمر"),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    let stale = nadia
        .post_page(
            &remove,
            &[
                ("flag_id", &id),
                ("reason", "مرة ثانية"),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let page = nadia.get(&format!("/cases/{case}")).await;
    assert!(page.body.contains("رُفع تحذير") && page.body.contains("رُفع الأمر"));
    let card = doctor.get(&format!("/referrals/{referral}")).await;
    assert!(
        !card.body.contains(FLAG),
        "a removed flag no longer travels"
    );

    // The subject-access export holds the flags, the removed one with its reason.
    let coordinator = app
        .signed_in("chief", "sale-centre", &[Role::Coordinator])
        .await;
    let exported = coordinator
        .post_page(
            &format!("/cases/{case}/subject-access"),
            &[
                ("requester", "Fatima Zahra, mère de l'enfant"),
                ("requested_on", "2026-11-20"),
                ("basis", "parent_or_guardian"),
                ("format", "json"),
            ],
        )
        .await;
    assert_eq!(exported.status, StatusCode::OK, "{}", exported.body);
    assert!(exported.body.contains(FLAG) && exported.body.contains("رُفع الأمر"));
    // Audited.
    let entries = app
        .store
        .audit_entries(&awladna_store::audit::AuditFilter::default(), 200, 0)
        .await
        .expect("entries");
    let actions: Vec<&str> = entries.iter().map(|e| e.entry.action.as_str()).collect();
    assert!(actions.contains(&"case.flag_added") && actions.contains(&"case.flag_removed"));
    app.finish().await;
}
on_each_backend!(a_flag_shows_on_every_page_of_the_case_and_on_shared_cards);

async fn flags_are_refused_to_other_roles_provinces_and_bad_input(backend: Backend) {
    let app = sale(backend).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let case = crate::journeys::sale_case(&nadia, "سلمى").await;
    let doctor = app
        .signed_in("doctor", "sale-hospital", &[Role::FocalPoint])
        .await;
    let rabat = app
        .signed_in("rabat", "rabat-centre", &[Role::CaseWorker])
        .await;
    let officer = app
        .signed_in("officer", "sale-centre", &[Role::InformationOfficer])
        .await;
    for (who, expected) in [
        (&doctor, StatusCode::FORBIDDEN),
        (&officer, StatusCode::FORBIDDEN),
        (&rabat, StatusCode::NOT_FOUND),
    ] {
        let answer = who
            .post(
                &format!("/api/v1/cases/{case}/flags"),
                &json!({"text": FLAG, "reason": REASON}),
            )
            .await;
        assert_eq!(answer.status, expected, "{}", answer.body);
    }
    // Empty and too long: each field named, what was typed kept.
    let long = "س".repeat(201);
    let bad = nadia
        .post_page(
            &format!("/cases/{case}/flags"),
            &[("text", &long), ("reason", "  ")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains(&long), "the text typed is kept");
    assert!(bad.body.contains("السبب"), "the reason is named");
    let api = nadia
        .post(
            &format!("/api/v1/cases/{case}/flags"),
            &json!({"text": "x"}),
        )
        .await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", api.body);
    // A flag of another case cannot be removed through this one.
    let other = crate::journeys::sale_case(&nadia, "ليلى").await;
    let added = nadia
        .post(
            &format!("/api/v1/cases/{other}/flags"),
            &json!({"text": FLAG, "reason": REASON}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let id = added.json()["id"].as_str().expect("id").to_owned();
    let across = nadia
        .post(
            &format!("/api/v1/cases/{case}/flags/remove"),
            &json!({"flag_id": id, "reason": "x"}),
        )
        .await;
    assert_eq!(
        across.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        across.body
    );
    let listed = nadia
        .get(&format!("/api/v1/cases/{other}/flags"))
        .await
        .json();
    assert!(listed["items"][0]["removed_at"].is_null(), "nothing lost");
    app.finish().await;
}
on_each_backend!(flags_are_refused_to_other_roles_provinces_and_bad_input);

/// Under the retention rule a flag's words go with the case's other reasons; the case
/// page still opens, without a banner that has nothing left to say.
async fn a_flags_words_are_erased_with_the_case_s_reasons(backend: Backend) {
    let app = sale(backend).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let case = crate::journeys::sale_case(&nadia, "سلمى").await;
    assert_eq!(
        flag(&nadia, &case, FLAG, true).await.status,
        StatusCode::SEE_OTHER
    );
    let closed = nadia.move_case(&case, "closed", Some("reintegrated")).await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    let when: jiff::Timestamp = "2060-01-01T00:00:00Z".parse().expect("timestamp");
    awladna_web::retention::run(
        &app.store,
        &crate::support::reference(),
        &app.keyring,
        when,
        false,
    )
    .await
    .expect("retention run");
    let reader = app
        .signed_in("reader", "sale-centre", &[Role::CaseWorker])
        .await;
    let listed = reader
        .get(&format!("/api/v1/cases/{case}/flags"))
        .await
        .json();
    assert_eq!(listed["items"][0]["text"], "", "erased: {listed}");
    assert_eq!(listed["items"][0]["reason"], "");
    let page = reader.get(&format!("/cases/{case}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(FLAG) && !page.body.contains("case-flags"));
    app.finish().await;
}
on_each_backend!(a_flags_words_are_erased_with_the_case_s_reasons);
