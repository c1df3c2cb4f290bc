//! The audit log: written with each change, append-only, and tampering is found.

use crate::support::{Backend, TestApp, on_each_backend, test_entry};
use awladna_domain::access::Role;
use awladna_store::StoreError;
use awladna_store::audit::AuditFilter;
use serde_json::json;

async fn sign_ins_are_audited_without_personal_data(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("ministry", "family_solidarity", None)
        .await;
    let analyst = app
        .user("analyst", "ministry", &[Role::NationalAnalyst], false)
        .await;
    app.post_json(
        "/api/v1/auth/login",
        &[],
        &json!({"username": "karim.typo", "password": "MySecretPassword1"}),
    )
    .await;
    app.post_json(
        "/api/v1/auth/login",
        &[],
        &json!({"username": "analyst", "password": analyst.password}),
    )
    .await;
    let entries = app
        .store
        .audit_entries(&AuditFilter::default(), 50, 0)
        .await
        .expect("entries");
    let actions: Vec<&str> = entries.iter().map(|e| e.entry.action.as_str()).collect();
    assert!(
        actions.contains(&"login.failed") && actions.contains(&"login"),
        "{actions:?}"
    );
    let everything = format!(
        "{:?}",
        entries
            .iter()
            .map(|e| (&e.entry.actor, &e.entry.detail))
            .collect::<Vec<_>>()
    );
    assert!(
        !everything.contains("karim.typo") && !everything.contains("MySecretPassword1"),
        "{everything}"
    );
    let mine = app
        .store
        .audit_entries(
            &AuditFilter {
                actor: Some(analyst.id.clone()),
                ..Default::default()
            },
            50,
            0,
        )
        .await
        .expect("filtered");
    assert!(
        mine.iter()
            .all(|e| e.entry.actor.as_deref() == Some(analyst.id.as_str()))
            && !mine.is_empty()
    );
    assert!(app.store.verify_audit().await.expect("verify").is_ok());
    app.finish().await;
}
on_each_backend!(sign_ins_are_audited_without_personal_data);

async fn a_change_without_its_audit_entry_is_not_saved(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = awladna_store::identity::Organisation {
        code: "x".into(),
        sector: "health".into(),
        territory: None,
        name: "X".into(),
    };
    let mut tx = app.store.begin().await.expect("begin");
    tx.add_organisation(&org, app.now_ms())
        .await
        .expect("insert");
    assert!(matches!(tx.commit().await, Err(StoreError::Unaudited)));
    assert!(
        app.store.organisation("x").await.expect("read").is_none(),
        "rolled back"
    );
    app.finish().await;
}
on_each_backend!(a_change_without_its_audit_entry_is_not_saved);

async fn tampering_is_refused_or_detected(backend: Backend) {
    let app = TestApp::start(backend).await;
    for action in ["one", "two", "three", "four"] {
        let mut tx = app.store.begin().await.expect("begin");
        tx.audit(test_entry(app.now_ms(), action))
            .await
            .expect("audit");
        tx.commit().await.expect("commit");
    }
    let pool = app.store.pool();
    // The application's own connection cannot rewrite history…
    assert!(
        sqlx::query("UPDATE audit_log SET action = 'nothing' WHERE seq = 2")
            .execute(pool)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM audit_log WHERE seq = 2")
            .execute(pool)
            .await
            .is_err()
    );
    // …and someone who bypasses the guard is found out.
    let (disable, enable) = match backend {
        Backend::Sqlite => ("DROP TRIGGER audit_log_no_update", "SELECT 1"),
        Backend::Postgres => (
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change",
            "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change",
        ),
    };
    sqlx::query(disable).execute(pool).await.expect("bypass");
    sqlx::query("UPDATE audit_log SET action = 'nothing' WHERE seq = 2")
        .execute(pool)
        .await
        .expect("tamper");
    sqlx::query(enable).execute(pool).await.expect("restore");
    let broken = app
        .store
        .verify_audit()
        .await
        .expect("verify")
        .expect_err("must be detected");
    assert_eq!(broken.seq, 2, "{broken}");
    app.finish().await;
}
on_each_backend!(tampering_is_refused_or_detected);
