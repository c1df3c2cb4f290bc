//! Drafts that finish (issue 16 §1): a draft report is edited version by version (a
//! stale version answers 409), completed by its author or the centre, keeps its id and
//! idempotency key, is then triaged; an abandoned one is listed to the coordinator.

use crate::support::{Backend, Signed, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn partial() -> Value {
    json!({"child": {"sex": "female"}, "narrative": "زيارة منزلية، سيتم الاستكمال"})
}

fn complete() -> Value {
    json!({
        "source": "school",
        "received_at": "2026-11-23T08:30:00Z",
        "territory": "sale",
        "child": {"first_name": "Salmadraft", "last_name": "العلوي", "sex": "female", "age_years": 7},
        "concerns": ["neglect"],
        "urgency": "medium",
        "narrative": "استكمال بعد الزيارة"
    })
}

async fn draft(user: &Signed<'_>, key: Option<&str>) -> String {
    let mut headers = vec![
        ("cookie", user.cookie.as_str()),
        ("x-csrf-token", user.csrf.as_str()),
    ];
    if let Some(key) = key {
        headers.push(("idempotency-key", key));
    }
    let saved = user
        .app
        .post_json("/api/v1/reports?draft=true", &headers, &partial())
        .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    saved.json()["id"].as_str().expect("id").to_owned()
}

fn edit_path(id: &str, keep_draft: bool) -> String {
    format!(
        "/api/v1/reports/{id}/versions{}",
        if keep_draft { "?draft=true" } else { "" }
    )
}

async fn a_draft_is_edited_by_version_completed_and_triaged(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let id = draft(&nadia, Some("visit-42")).await;

    let refused = nadia
        .post(
            &format!("/api/v1/reports/{id}/triage"),
            &json!({"new_child": true}),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );

    let mut more = partial();
    more["urgency"] = json!("high");
    let saved = nadia
        .post(
            &edit_path(&id, true),
            &json!({"version": 1, "values": more}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(
        saved.json(),
        json!({"id": id, "complete": false, "version": 2})
    );

    // Someone who read version 1 and saves over version 2 is told, and nothing changes.
    let stale = nadia
        .post(
            &edit_path(&id, false),
            &json!({"version": 1, "values": complete()}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);

    let incomplete = nadia
        .post(
            &edit_path(&id, false),
            &json!({"version": 2, "values": partial()}),
        )
        .await;
    assert_eq!(
        incomplete.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        incomplete.body
    );

    let done = nadia
        .post(
            &edit_path(&id, false),
            &json!({"version": 2, "values": complete()}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(
        done.json(),
        json!({"id": id, "complete": true, "version": 3})
    );

    // The retried creation still answers the same card, now complete.
    let retried = nadia
        .app
        .post_json(
            "/api/v1/reports?draft=true",
            &[
                ("cookie", nadia.cookie.as_str()),
                ("x-csrf-token", nadia.csrf.as_str()),
                ("idempotency-key", "visit-42"),
            ],
            &partial(),
        )
        .await;
    assert_eq!(retried.json(), json!({"id": id, "complete": true}));

    let read = nadia.get(&format!("/api/v1/reports/{id}")).await;
    let read = read.json();
    assert_eq!(read["values"]["child.first_name"], "Salmadraft");
    assert_eq!(read["version"], 3);
    let versions: Vec<i64> = read["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| v["version"].as_i64().expect("number"))
        .collect();
    assert_eq!(versions, [1, 2]);

    // The replaced versions keep no name in clear, and open only at their own place.
    let rows: Vec<(String, Option<Vec<u8>>)> = sqlx::query_as(
        "SELECT data, sealed FROM card_versions WHERE card_id = $1 ORDER BY version",
    )
    .bind(&id)
    .fetch_all(app.store.pool_for_tests())
    .await
    .expect("rows");
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter().all(|(data, _)| !data.contains("زيارة")),
        "{rows:?}",
        rows = rows.iter().map(|r| &r.0).collect::<Vec<_>>()
    );
    let sealed = rows[0].1.as_deref().expect("sealed");
    let opened = app
        .keyring
        .open_json(sealed, &format!("card_versions/sealed/{id}:1"))
        .expect("opens at its place");
    assert_eq!(opened["narrative"], "زيارة منزلية، سيتم الاستكمال");
    assert!(
        app.keyring
            .open_json(sealed, &format!("cards/sealed/{id}"))
            .is_err()
    );

    let triaged = nadia.triage(&id, None).await;
    assert!(triaged["case_id"].is_string());
    let late = nadia
        .post(
            &edit_path(&id, false),
            &json!({"version": 3, "values": complete()}),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert_eq!(late.json()["error"]["code"], "not_draft");
    app.finish().await;
}
on_each_backend!(a_draft_is_edited_by_version_completed_and_triaged);

async fn a_draft_is_finished_by_its_author_or_the_centre_only(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("sale-hospital", "health", Some("sale"))
        .await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    let karim = app
        .signed_in("karim", "sale-hospital", &[Role::FocalPoint])
        .await;
    let colleague = app
        .signed_in("amal", "sale-hospital", &[Role::FocalPoint])
        .await;
    let officer = app
        .signed_in("youssef", "sale-centre", &[Role::InformationOfficer])
        .await;
    let rabat = app
        .signed_in("rabat", "rabat-centre", &[Role::CaseWorker])
        .await;
    let chair = app
        .signed_in("chair", "sale-centre", &[Role::CommitteeMember])
        .await;
    let coordinator = app
        .signed_in("bennani", "sale-centre", &[Role::Coordinator])
        .await;
    let id = draft(&karim, None).await;
    let body = |version: i64| json!({"version": version, "values": partial()});

    let own = karim.post(&edit_path(&id, true), &body(1)).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    let fr = [
        ("cookie", colleague.cookie.as_str()),
        ("x-csrf-token", colleague.csrf.as_str()),
        ("accept-language", "fr"),
    ];
    let other = app.post_json(&edit_path(&id, true), &fr, &body(2)).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN, "{}", other.body);
    assert!(
        other.json()["error"]["message"]
            .as_str()
            .unwrap_or("")
            .len()
            > 5
    );
    assert_eq!(
        officer.post(&edit_path(&id, true), &body(2)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        rabat.post(&edit_path(&id, true), &body(2)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        chair.post(&edit_path(&id, true), &body(2)).await.status,
        StatusCode::FORBIDDEN
    );
    let missing = coordinator
        .post(
            &edit_path("01900000-0000-7000-8000-000000000000", true),
            &body(1),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // Hostile and malformed input: told what is wrong, nothing stored.
    let malformed = coordinator
        .post(
            &edit_path(&id, true),
            &json!({"version": "two", "values": partial()}),
        )
        .await;
    assert!(malformed.status.is_client_error(), "{}", malformed.status);
    let hostile = coordinator
        .post(
            &edit_path(&id, true),
            &json!({"version": 2, "values": {"child": {"sex": "'; DROP TABLE cards;--"}, "narrative": "\u{202e}عكس"}}),
        )
        .await;
    assert_eq!(
        hostile.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        hostile.body
    );
    let other_province = coordinator
        .post(
            &edit_path(&id, true),
            &json!({"version": 2, "values": {"territory": "rabat", "narrative": "نقل"}}),
        )
        .await;
    assert_eq!(
        other_province.status,
        StatusCode::FORBIDDEN,
        "{}",
        other_province.body
    );

    let finished = coordinator
        .post(
            &edit_path(&id, false),
            &json!({"version": 2, "values": complete()}),
        )
        .await;
    assert_eq!(finished.status, StatusCode::OK, "{}", finished.body);
    app.finish().await;
}
on_each_backend!(a_draft_is_finished_by_its_author_or_the_centre_only);

async fn abandoned_drafts_are_listed_to_the_coordinator(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    // Sessions end after 30 idle minutes: each day's work signs in again.
    let old = draft(
        &app.signed_in("nadia", "sale-centre", &[Role::CaseWorker])
            .await,
        None,
    )
    .await;
    app.clock.advance(jiff::SignedDuration::from_hours(24 * 5));
    let touched = draft(
        &app.signed_in("amina", "sale-centre", &[Role::CaseWorker])
            .await,
        None,
    )
    .await;
    app.clock.advance(jiff::SignedDuration::from_hours(24 * 3));
    let nadia = app
        .signed_in("hind", "sale-centre", &[Role::CaseWorker])
        .await;
    let coordinator = app
        .signed_in("bennani", "sale-centre", &[Role::Coordinator])
        .await;
    let rabat = app
        .signed_in("rabat", "rabat-centre", &[Role::Coordinator])
        .await;

    let listed = coordinator.get("/api/v1/drafts/abandoned").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let listed = listed.json();
    assert_eq!(listed["abandoned_after_days"], 7);
    let ids: Vec<&str> = listed["drafts"]
        .as_array()
        .expect("list")
        .iter()
        .map(|d| d["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        ids,
        [old.as_str()],
        "only the draft untouched for more than 7 days"
    );
    assert!(
        !listed.to_string().contains("زيارة"),
        "no identity or narrative"
    );
    let elsewhere = rabat.get("/api/v1/drafts/abandoned").await.json();
    assert_eq!(elsewhere["drafts"], json!([]));
    assert_eq!(
        nadia.get("/api/v1/drafts/abandoned").await.status,
        StatusCode::FORBIDDEN
    );

    let alerts = coordinator.get("/alerts").await;
    assert!(
        alerts.body.contains("/reports/abandoned"),
        "the coordinator's alerts lead to them"
    );
    let page = coordinator.get("/reports/abandoned").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("/reports/{old}")) && !page.body.contains(&touched));

    // Editing a draft makes it fresh again: it leaves the list.
    let edited = nadia
        .post(
            &edit_path(&old, true),
            &json!({"version": 1, "values": partial()}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK);
    let listed = coordinator.get("/api/v1/drafts/abandoned").await.json();
    assert_eq!(listed["drafts"], json!([]));
    app.finish().await;
}
on_each_backend!(abandoned_drafts_are_listed_to_the_coordinator);

async fn the_draft_page_fills_the_form_and_refuses_a_stale_save(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let id = draft(&nadia, None).await;
    let shown = nadia.get(&format!("/reports/{id}")).await;
    assert!(
        shown.body.contains(&format!("/reports/{id}/edit")),
        "{}",
        shown.body
    );
    let form = nadia.get(&format!("/reports/{id}/edit")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains(r#"name="_version" value="1""#));
    assert!(form.body.contains("زيارة منزلية، سيتم الاستكمال"));

    let headers = [("cookie", nadia.cookie.as_str())];
    let pairs = |version: &'static str| {
        vec![
            ("_csrf", nadia.csrf.as_str()),
            ("_version", version),
            ("_action", "draft"),
            ("narrative", "تحديث"),
        ]
    };
    let saved = app
        .post_form(&format!("/reports/{id}/edit"), &headers, &pairs("1"))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stale = app
        .post_form(&format!("/reports/{id}/edit"), &headers, &pairs("1"))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let missing_version = app
        .post_form(
            &format!("/reports/{id}/edit"),
            &headers,
            &[("_csrf", nadia.csrf.as_str()), ("narrative", "x")],
        )
        .await;
    assert_eq!(missing_version.status, StatusCode::CONFLICT);
    app.finish().await;
}
on_each_backend!(the_draft_page_fills_the_form_and_refuses_a_stale_save);
