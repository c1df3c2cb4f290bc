//! Storage behaviour that the HTTP layer does not show: reference loading and
//! migrations that leave nothing half-done.

use crate::support::{Backend, TestDb, on_each_backend, reference, test_now};
use awladna_domain::Reference;

async fn reference_data_is_loaded_and_kept_in_step(backend: Backend) {
    let db = TestDb::fresh(backend).await;
    let store = db.store().await;
    store.migrate().await.expect("migrate");
    let now = test_now().as_millisecond();
    let first = store.load_reference(&reference(), now).await.expect("load");
    assert_eq!(first.territories, 95);
    assert_eq!(store.reference_counts().await.expect("counts"), first);
    // Loading again changes nothing.
    assert_eq!(
        store
            .load_reference(&reference(), now)
            .await
            .expect("reload"),
        first
    );

    // A term that leaves the set is retired, not deleted: stored cards still name it.
    let mut files = Reference::embedded_files();
    let urgency = files
        .iter_mut()
        .find(|f| f.name == "vocabularies/urgency.toml")
        .expect("urgency");
    let cut = urgency.text.rfind("[[terms]]").expect("a term");
    urgency.text.truncate(cut);
    // Issue 17: the Observatory's mapping names that term too; it goes with it (a
    // mapping to a code no longer in its vocabulary is refused at load).
    let mapping = files
        .iter_mut()
        .find(|f| f.name == "observatory/mapping.v1.toml")
        .expect("mapping");
    mapping.text = mapping
        .text
        .lines()
        .filter(|l| !l.ends_with("= \"low\""))
        .collect::<Vec<_>>()
        .join("\n");
    let smaller = Reference::from_files(files).expect("still valid");
    store
        .load_reference(&smaller, now)
        .await
        .expect("load smaller");
    let retired: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM vocabulary_terms WHERE retired = 1")
            .fetch_one(store.pool_for_tests())
            .await
            .expect("count");
    assert_eq!(retired, 1);
    let kept: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM vocabulary_terms WHERE vocabulary = 'urgency'")
            .fetch_one(store.pool_for_tests())
            .await
            .expect("count");
    assert_eq!(kept, 4);
    store.close().await;
    db.finish().await;
}
on_each_backend!(reference_data_is_loaded_and_kept_in_step);

async fn a_failing_migration_leaves_the_database_as_it_was(backend: Backend) {
    let db = TestDb::fresh(backend).await;
    let store = db.store().await;
    // A table in the way makes the first migration fail half-way through.
    sqlx::query("CREATE TABLE cards (id TEXT PRIMARY KEY)")
        .execute(store.pool_for_tests())
        .await
        .expect("create");
    let err = store.migrate().await.expect_err("must fail");
    assert!(err.to_string().contains("rolled back"), "{err}");
    let status = store.schema_status().await.expect("status");
    assert_eq!(status.applied, None);
    // Tables created before the failing statement were rolled back too.
    assert!(
        sqlx::query("SELECT COUNT(*) FROM territories")
            .fetch_one(store.pool_for_tests())
            .await
            .is_err()
    );
    store.close().await;
    db.finish().await;
}
on_each_backend!(a_failing_migration_leaves_the_database_as_it_was);

async fn a_newer_schema_is_refused(backend: Backend) {
    let db = TestDb::fresh(backend).await;
    let store = db.store().await;
    store.migrate().await.expect("migrate");
    sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99990101000000, 'from the future', TRUE, $1, 0)")
        .bind(vec![0u8; 48])
        .execute(store.pool_for_tests())
        .await
        .expect("insert");
    let err = store.migrate().await.expect_err("must refuse");
    assert!(
        err.to_string().contains("newer version of Awladna"),
        "{err}"
    );
    assert!(store.migrate_check().await.is_err());
    store.close().await;
    db.finish().await;
}
on_each_backend!(a_newer_schema_is_refused);
