//! Two records of one child merged (issue 18): compared side by side (identity reads,
//! audited), merged keeping both histories, found through the child kept, and undone
//! exactly. Refused to other roles and provinces, to a child merged into itself, to
//! chains, and to a stale version.

use crate::support::{Backend, Signed, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn sale(backend: Backend) -> TestApp {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    app
}

/// A case of Salé about a new child `first last`: (case, child).
pub(crate) async fn new_child(worker: &Signed<'_>, first: &str, last: &str) -> (String, String) {
    let report = worker
        .record_report(&json!({
            "source": "school", "received_at": "2026-11-22T09:00:00Z", "territory": "sale",
            "child": {"first_name": first, "last_name": last, "sex": "female", "age_years": 9,
                "mother_name": "فاطمة"},
            "concerns": ["neglect"], "urgency": "high"
        }))
        .await;
    let opened = worker.triage(&report, None).await;
    let text = |k: &str| opened[k].as_str().expect(k).to_owned();
    (text("case_id"), text("child_id"))
}

async fn version(app: &TestApp, child: &str) -> i64 {
    app.store
        .child_standing(child)
        .await
        .expect("standing")
        .expect("child")
        .version
}

async fn merge(
    worker: &Signed<'_>,
    kept: (&str, i64),
    merged: (&str, i64),
) -> crate::support::Answer {
    worker
        .post(
            "/api/v1/children/merges",
            &json!({"kept": kept.0, "kept_version": kept.1, "merged": merged.0, "merged_version": merged.1}),
        )
        .await
}

/// The children a name search finds.
async fn found(worker: &Signed<'_>, q: &str) -> Vec<String> {
    let q: String = q
        .bytes()
        .map(|b| match b.is_ascii_alphanumeric() {
            true => char::from(b).to_string(),
            false => format!("%{b:02X}"),
        })
        .collect();
    let answer = worker.get(&format!("/api/v1/children?q={q}")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer
        .json()
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|c| c["child_id"].as_str().map(str::to_owned))
        .collect()
}

async fn the_child_of(worker: &Signed<'_>, case: &str) -> Value {
    worker.get(&format!("/api/v1/cases/{case}")).await.json()["child_id"].clone()
}

async fn two_records_merge_keeping_both_histories_and_the_merge_is_undone(backend: Backend) {
    let app = sale(backend).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let (case1, child1) = new_child(&nadia, "سلمى", "الإدريسي").await;
    let (case2, child2) = new_child(&nadia, "سلمى", "الادريسي").await;

    // The comparison: the duplicate is proposed, then both side by side.
    let list = nadia.get(&format!("/cases/{case1}/merge")).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(
        list.body.contains(&format!("with={child2}")),
        "{}",
        list.body
    );
    let side = nadia
        .get(&format!("/cases/{case1}/merge?with={child2}"))
        .await;
    assert_eq!(side.status, StatusCode::OK);
    assert!(side.body.contains("الإدريسي") && side.body.contains("الادريسي"));
    assert!(side.body.contains("name=\"merged\""));
    let search_before = found(&nadia, "سلمى").await;
    assert!(search_before.contains(&child1) && search_before.contains(&child2));

    // Merge child 2 into child 1; the same form again is stale.
    let (v1, v2) = (version(&app, &child1).await, version(&app, &child2).await);
    let merged = merge(&nadia, (&child1, v1), (&child2, v2)).await;
    assert_eq!(merged.status, StatusCode::CREATED, "{}", merged.body);
    let merge_id = merged.json()["id"].as_str().expect("id").to_owned();
    assert_eq!(
        merge(&nadia, (&child1, v1), (&child2, v2)).await.status,
        StatusCode::CONFLICT
    );

    // Both cases under the child kept, nothing deleted; the merged one is found only
    // through the child kept, and not proposed as a duplicate.
    assert_eq!(the_child_of(&nadia, &case2).await, json!(child1));
    let case2_page = nadia.get(&format!("/cases/{case2}")).await;
    assert_eq!(case2_page.status, StatusCode::OK);
    assert!(
        case2_page.body.contains("الإدريسي"),
        "the kept child's identity"
    );
    let search_after = found(&nadia, "سلمى الادريسي").await;
    assert!(
        search_after.contains(&child1) && !search_after.contains(&child2),
        "{search_after:?}"
    );
    let (_, children) = app
        .store
        .register_page("sale", 50, 0)
        .await
        .expect("register");
    assert_eq!(children, 1, "the register counts one child");
    let list = nadia.get(&format!("/cases/{case1}/merge")).await;
    assert!(!list.body.contains(&format!("with={child2}")));
    assert!(
        list.body.contains("دمج بواسطة nadia"),
        "who merged, and when"
    );

    // Undo: a stale version is refused; then everything is as before, exactly.
    let undo = format!("/api/v1/children/merges/{merge_id}/undo");
    assert_eq!(
        nadia.post(&undo, &json!({"version": 9})).await.status,
        StatusCode::CONFLICT
    );
    let undone = nadia
        .post_page(
            &format!("/cases/{case1}/merge/undo"),
            &[("merge_id", &merge_id), ("version", "1")],
        )
        .await;
    assert_eq!(undone.status, StatusCode::SEE_OTHER, "{}", undone.body);
    assert_eq!(
        nadia.post(&undo, &json!({"version": 2})).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(the_child_of(&nadia, &case2).await, json!(child2));
    assert_eq!(the_child_of(&nadia, &case1).await, json!(child1));
    let search_undone = found(&nadia, "سلمى").await;
    assert!(search_undone.contains(&child1) && search_undone.contains(&child2));
    let standing = app.store.child_standing(&child2).await.unwrap().unwrap();
    assert!(standing.merged_into.is_none());
    let history = nadia.get(&format!("/cases/{case1}/merge")).await;
    assert!(history.body.contains("ثم تراجع عنه"));

    crate::transfer::assert_audited(
        &app,
        &["child.identity_read", "child.merged", "child.merge_undone"],
    )
    .await;
    app.finish().await;
}
on_each_backend!(two_records_merge_keeping_both_histories_and_the_merge_is_undone);

async fn merges_are_refused_to_others_to_itself_to_chains_and_stale_versions(backend: Backend) {
    let app = sale(backend).await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let officer = app
        .signed_in("officer", "sale-centre", &[Role::InformationOfficer])
        .await;
    let amal = app
        .signed_in("amal", "rabat-centre", &[Role::Coordinator])
        .await;
    let (case1, child1) = new_child(&nadia, "ليلى", "بناني").await;
    let (_, child2) = new_child(&nadia, "ليلى", "بنانى").await;
    let (_, child3) = new_child(&nadia, "ليلى", "البناني").await;

    // Wrong role, other province: refused, nothing merged.
    assert_eq!(
        officer.get(&format!("/cases/{case1}/merge")).await.status,
        StatusCode::FORBIDDEN
    );
    let (v1, v2) = (version(&app, &child1).await, version(&app, &child2).await);
    assert_eq!(
        merge(&officer, (&child1, v1), (&child2, v2)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        amal.get(&format!("/cases/{case1}/merge")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        amal.get(&format!("/cases/{case1}/merge?with={child2}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        merge(&amal, (&child1, v1), (&child2, v2)).await.status,
        StatusCode::NOT_FOUND
    );
    // Itself; an unknown child; a stale version.
    assert_eq!(
        merge(&nadia, (&child1, v1), (&child1, v1)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        merge(&nadia, (&child1, v1), ("nobody", 1)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        merge(&nadia, (&child1, v1 + 5), (&child2, v2)).await.status,
        StatusCode::CONFLICT
    );
    assert!(app.store.child_merges(&child1).await.unwrap().is_empty());

    // Merge 2 into 1; then chains are refused: 1 (kept) into 3, 3 into 2 (merged away).
    assert_eq!(
        merge(&nadia, (&child1, v1), (&child2, v2)).await.status,
        StatusCode::CREATED
    );
    let (v1, v2, v3) = (
        version(&app, &child1).await,
        version(&app, &child2).await,
        version(&app, &child3).await,
    );
    let chain = merge(&nadia, (&child3, v3), (&child1, v1)).await;
    assert_eq!(chain.status, StatusCode::CONFLICT, "{}", chain.body);
    assert!(chain.body.contains("chain"), "{}", chain.body);
    assert_eq!(
        merge(&nadia, (&child2, v2), (&child3, v3)).await.status,
        StatusCode::CONFLICT
    );
    // Merging 3 into the child kept is fine, on its current version only.
    assert_eq!(
        merge(&nadia, (&child1, v1 - 1), (&child3, v3)).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        merge(&nadia, (&child1, v1), (&child3, v3)).await.status,
        StatusCode::CREATED
    );
    // A hostile id is not found, never a fault.
    let hostile = merge(
        &nadia,
        (&child1, v1),
        ("'; DROP TABLE children; --\u{0}ن", 1),
    )
    .await;
    assert_eq!(hostile.status, StatusCode::NOT_FOUND);
    app.finish().await;
}
on_each_backend!(merges_are_refused_to_others_to_itself_to_chains_and_stale_versions);
