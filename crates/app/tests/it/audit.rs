//! The audit log: written with each change, append-only, and tampering is found.

use crate::support::{Backend, TestApp, on_each_backend, test_entry};
use awladna_crypto::HeadMismatch;
use awladna_crypto::chain::BreakReason;
use awladna_domain::access::Role;
use awladna_store::StoreError;
use awladna_store::audit::AuditFilter;
use awladna_store::sealer::{AuditBreak, ExpectedHead};
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
    app.verify_audit().await.expect("intact");
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

/// A log of `n` more entries, sealed; returns its last sequence number.
async fn sealed_log(app: &TestApp, n: usize) -> u64 {
    for i in 0..n {
        let mut tx = app.store.begin().await.expect("begin");
        tx.audit(test_entry(app.now_ms(), &format!("step-{i}")))
            .await
            .expect("audit");
        tx.commit().await.expect("commit");
    }
    app.seal_audit().await.head.seq
}

/// Runs SQL as someone with the database but not the master key: the append-only triggers
/// dropped or disabled first, as such a person would.
async fn tamper(app: &TestApp, backend: Backend, statements: &[&str]) {
    let pool = app.store.pool_for_tests();
    let (disable, enable): (&[&str], &[&str]) = match backend {
        Backend::Sqlite => (
            &[
                "DROP TRIGGER audit_log_no_update",
                "DROP TRIGGER audit_log_no_delete",
            ],
            &[],
        ),
        Backend::Postgres => (
            &["ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"],
            &["ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change"],
        ),
    };
    for sql in disable.iter().chain(statements).chain(enable) {
        sqlx::query(sql).execute(pool).await.expect(sql);
    }
}

async fn tampering_is_refused_or_detected(backend: Backend) {
    let app = TestApp::start(backend).await;
    sealed_log(&app, 4).await;
    let pool = app.store.pool_for_tests();
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
    tamper(
        &app,
        backend,
        &["UPDATE audit_log SET action = 'nothing' WHERE seq = 2"],
    )
    .await;
    let broken = app.verify_audit().await.expect_err("must be detected");
    assert!(
        matches!(&broken, AuditBreak::Chain(b) if b.seq == 2 && b.reason == BreakReason::Altered),
        "{broken}"
    );
    app.finish().await;
}
on_each_backend!(tampering_is_refused_or_detected);

async fn a_log_cut_short_is_detected(backend: Backend) {
    let app = TestApp::start(backend).await;
    let last = sealed_log(&app, 11).await;
    app.verify_audit().await.expect("intact before");
    tamper(
        &app,
        backend,
        &[&format!("DELETE FROM audit_log WHERE seq > {}", last - 3)],
    )
    .await;
    let broken = app.verify_audit().await.expect_err("a cut log");
    assert_eq!(
        broken,
        AuditBreak::Head(HeadMismatch::Cut {
            last: last - 3,
            head: last
        })
    );
    assert!(
        broken
            .to_string()
            .contains(&format!("entries {} to {last} were deleted", last - 2)),
        "{broken}"
    );

    // Moving the head back to the cut, without the key, does not help: its MAC no longer
    // matches, whether the old MAC is kept or another is made up.
    let row = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
        .bind(i64::try_from(last - 3).expect("seq"))
        .fetch_one(app.store.pool_for_tests())
        .await
        .expect("the new last entry");
    let hash: Vec<u8> = sqlx::Row::get(&row, "hash");
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2")
        .bind(i64::try_from(last - 3).expect("seq"))
        .bind(hash)
        .execute(app.store.pool_for_tests())
        .await
        .expect("move the head");
    let broken = app.verify_audit().await.expect_err("a moved head");
    assert_eq!(broken, AuditBreak::Head(HeadMismatch::Forged), "{broken}");
    sqlx::query("UPDATE audit_head SET mac = $1")
        .bind(vec![7u8; 32])
        .execute(app.store.pool_for_tests())
        .await
        .expect("make up a MAC");
    assert_eq!(
        app.verify_audit().await,
        Err(AuditBreak::Head(HeadMismatch::Forged))
    );
    // The server does not chain new entries onto a forged head; they wait, kept.
    let mut tx = app.store.begin().await.expect("begin");
    tx.audit(test_entry(app.now_ms(), "after the forgery"))
        .await
        .expect("audit");
    tx.commit().await.expect("commit");
    assert!(matches!(
        app.store.seal_audit(&app.keyring, app.now_ms()).await,
        Err(StoreError::AuditHead(HeadMismatch::Forged))
    ));
    let waiting = app
        .store
        .audit_entries(&AuditFilter::default(), 1, 0)
        .await
        .expect("entries");
    assert_eq!(waiting[0].entry.action, "after the forgery");
    assert_eq!(waiting[0].seq, None);

    // Removing the seal altogether: the sealer seals again from there, and says so in the
    // log, where a second beginning gives it away.
    sqlx::query("UPDATE audit_head SET mac = NULL")
        .execute(app.store.pool_for_tests())
        .await
        .expect("remove the seal");
    let broken = app.verify_audit().await.expect_err("a removed seal");
    assert!(matches!(broken, AuditBreak::Resealed { .. }), "{broken}");
    app.finish().await;
}
on_each_backend!(a_log_cut_short_is_detected);

async fn deleted_reordered_and_added_entries_are_named(backend: Backend) {
    let app = TestApp::start(backend).await;
    let last = sealed_log(&app, 6).await;
    let middle = last - 3;
    // Deleted in the middle.
    tamper(
        &app,
        backend,
        &[&format!("DELETE FROM audit_log WHERE seq = {middle}")],
    )
    .await;
    let broken = app.verify_audit().await.expect_err("a deleted entry");
    assert!(
        matches!(&broken, AuditBreak::Chain(b) if b.seq == middle + 1 && b.reason == BreakReason::Missing { expected: middle }),
        "{broken}"
    );
    app.finish().await;

    // Two entries swapped (their contents moved to each other's place).
    let app = TestApp::start(backend).await;
    let last = sealed_log(&app, 6).await;
    let (a, b) = (last - 2, last - 1);
    tamper(
        &app,
        backend,
        &[
            &format!("UPDATE audit_log SET seq = -1 WHERE seq = {a}"),
            &format!("UPDATE audit_log SET seq = {a} WHERE seq = {b}"),
            &format!("UPDATE audit_log SET seq = {b} WHERE seq = -1"),
        ],
    )
    .await;
    let broken = app.verify_audit().await.expect_err("reordered entries");
    assert!(
        matches!(&broken, AuditBreak::Chain(c) if c.seq == a && c.reason == BreakReason::Altered),
        "{broken}"
    );
    app.finish().await;

    // An entry added after the sealed head, with a hash that chains.
    let app = TestApp::start(backend).await;
    let last = sealed_log(&app, 3).await;
    let head = app.store.audit_head().await.expect("head");
    let seq = i64::try_from(last + 1).expect("seq");
    let entry = test_entry(app.now_ms(), "slipped in");
    let canonical = json!([
        seq,
        entry.at_ms,
        entry.actor,
        entry.action,
        entry.record_kind,
        entry.record_id,
        entry.territory,
        entry.origin,
        entry.detail
    ])
    .to_string();
    let hash = awladna_crypto::chain_hash(&head.head.hash, canonical.as_bytes());
    sqlx::query("INSERT INTO audit_log (seq, at, actor, action, detail, hash) VALUES ($1, $2, 'test', 'slipped in', 'null', $3)")
        .bind(seq)
        .bind(entry.at_ms)
        .bind(hash.to_vec())
        .execute(app.store.pool_for_tests())
        .await
        .expect("insert");
    assert_eq!(
        app.verify_audit().await,
        Err(AuditBreak::Head(HeadMismatch::Appended {
            last: last + 1,
            head: last
        }))
    );
    app.finish().await;
}
on_each_backend!(deleted_reordered_and_added_entries_are_named);

async fn a_head_noted_elsewhere_is_checked(backend: Backend) {
    let owner = TestApp::start(backend).await;
    let app = &owner;
    sealed_log(app, 3).await;
    let noted = ExpectedHead(app.verify_audit().await.expect("intact").head);
    sealed_log(app, 3).await;
    let verify = |expected| async move {
        app.store
            .verify_audit(&app.keyring, app.now_ms(), Some(expected))
            .await
            .expect("read")
    };
    assert!(verify(noted).await.is_ok());
    let text: ExpectedHead = noted.to_string().parse().expect("parses back");
    assert_eq!(text, noted);
    let mut wrong = noted;
    wrong.0.hash[0] ^= 1;
    assert_eq!(
        verify(wrong).await,
        Err(AuditBreak::NotExpected { seq: noted.0.seq })
    );
    // A head beyond the end of the log: the log was cut (and resealed) since it was noted.
    let mut beyond = noted;
    beyond.0.seq += 100;
    assert_eq!(
        verify(beyond).await,
        Err(AuditBreak::NotExpected { seq: beyond.0.seq })
    );
    owner.finish().await;
}
on_each_backend!(a_head_noted_elsewhere_is_checked);

async fn concurrent_writers_leave_an_intact_chain(backend: Backend) {
    let app = TestApp::start(backend).await;
    let start = app.seal_audit().await.head.seq;
    let mut writers = Vec::new();
    for w in 0..8 {
        let store = app.store.clone();
        let at = app.now_ms();
        writers.push(tokio::spawn(async move {
            for i in 0..25 {
                let mut tx = store.begin().await.expect("begin");
                tx.audit(test_entry(at, &format!("writer-{w}-{i}")))
                    .await
                    .expect("audit");
                tx.commit().await.expect("commit");
            }
        }));
    }
    // Sealing while they write.
    let sealer = {
        let (store, keyring, at) = (app.store.clone(), app.keyring.clone(), app.now_ms());
        tokio::spawn(async move {
            for _ in 0..20 {
                store.seal_audit(&keyring, at).await.expect("seal");
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        })
    };
    for writer in writers {
        writer.await.expect("writer");
    }
    sealer.await.expect("sealer");
    let head = app.verify_audit().await.expect("intact");
    assert_eq!(head.head.seq, start + 200);
    app.finish().await;
}
on_each_backend!(concurrent_writers_leave_an_intact_chain);
