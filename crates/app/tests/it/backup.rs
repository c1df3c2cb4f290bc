//! Backup, restore and the data directory, as an operator meets them through the binary:
//! a backup taken while the server writes keeps every acknowledged write, checks without
//! the master key, restores only where no database is, and the master key comes back from
//! its recovery sheet.

use crate::cli::{awladna, text};
use crate::support::{
    Backend, TempDir, TestApp, TestDb, on_each_backend, reference, run, test_now,
};
use awladna_crypto::{DataKey, IndexKey, Keyring, MasterKey};
use awladna_domain::access::Role;
use awladna_domain::clock::FixedClock;
use awladna_store::Store;
use awladna_store::keys::KeyPurpose;
use awladna_web::{AppState, Settings};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

fn succeeds(dir: &TempDir, args: &[&str]) -> String {
    let output = run(dir, args);
    assert!(output.status.success(), "{args:?}: {}", text(&output));
    text(&output)
}

fn fails(dir: &TempDir, args: &[&str], expected: &str) {
    let output = run(dir, args);
    let all = text(&output);
    assert!(!output.status.success(), "{args:?} should fail: {all}");
    assert!(all.contains(expected), "expected {expected:?} in: {all}");
    assert!(!all.contains("panicked"), "{all}");
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("exists")
        .permissions()
        .mode()
        & 0o777
}

fn s(path: &Path) -> &str {
    path.to_str().expect("utf-8")
}

/// The keyring of a database, unwrapped with its master key file as the server does.
async fn keyring_from(store: &Store, key_file: &Path) -> Keyring {
    let master = MasterKey::load_file(key_file).expect("master key");
    let (mut data, mut active, mut index) = (Vec::new(), None, None);
    for key in store.wrapped_keys().await.expect("wrapped keys") {
        match key.purpose {
            KeyPurpose::Data => {
                data.push(DataKey::unwrap(key.id, &key.wrapped, &master).expect("data key"));
                active = active.or(key.active.then_some(key.id));
            }
            KeyPurpose::Index if key.active => {
                index = Some(IndexKey::unwrap(key.id, &key.wrapped, &master).expect("index key"));
            }
            _ => {}
        }
    }
    Keyring::new(data, active.expect("active"), index.expect("index")).expect("keyring")
}

fn router_over(store: &Store, keyring: Keyring) -> (axum::Router, Arc<FixedClock>, Arc<Keyring>) {
    let clock = Arc::new(FixedClock::new(test_now()));
    let keyring = Arc::new(keyring);
    let state = AppState::new(
        store.clone(),
        reference(),
        clock.clone(),
        keyring.clone(),
        Settings::default(),
    );
    (awladna_web::router(state), clock, keyring)
}

fn report(first_name: &str) -> Value {
    json!({
        "source": "school", "received_at": "2026-11-23T08:30:00Z", "territory": "sale",
        "child": {"first_name": first_name, "last_name": "بنسليمانتجربة", "sex": "female", "age_years": 9},
        "concerns": ["neglect"], "urgency": "medium"
    })
}

async fn get_json(router: &axum::Router, path: &str, cookie: &str) -> Value {
    let request = Request::get(path)
        .header("cookie", cookie)
        .body(Body::empty())
        .expect("request");
    let response = router.clone().oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    serde_json::from_slice(&bytes).expect("JSON")
}

async fn a_backup_taken_during_writes_restores_every_acknowledged_write(backend: Backend) {
    let work = TempDir::new();
    if backend == Backend::Postgres {
        // On PostgreSQL the tool is pg_dump: the command says so, and exits non-zero.
        let db = TestDb::fresh(backend).await;
        let to = work.0.join("pg.backup");
        fails(
            &work,
            &["backup", "--database-url", &db.url, "--to", s(&to)],
            "pg_dump",
        );
        assert!(!to.exists());
        db.finish().await;
        return;
    }
    // A deployment as `awladna serve` makes it: database, master key file, wrapped keys.
    let db = TestDb::fresh(backend).await;
    let data_dir = PathBuf::from(
        db.url
            .trim_start_matches("sqlite://")
            .split('?')
            .next()
            .expect("path"),
    )
    .parent()
    .expect("data dir")
    .to_path_buf();
    succeeds(&work, &["migrate", "--data-dir", s(&data_dir)]);
    let store = db.store().await;
    let key_file = data_dir.join("master.key");
    let (router, clock, keyring) = router_over(&store, keyring_from(&store, &key_file).await);
    let app = Arc::new(TestApp {
        db,
        store,
        router,
        clock,
        keyring,
    });
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let nadia = app
        .user("nadia", "sale-centre", &[Role::CaseWorker], true)
        .await;
    let (cookie, csrf) = app.session(&nadia).await;
    let headers = [("cookie", cookie.clone()), ("x-csrf-token", csrf.clone())];
    let post = move |app: Arc<TestApp>, body: Value| {
        let headers = headers.clone();
        async move {
            let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let saved = app.post_json("/api/v1/reports", &h, &body).await;
            assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
            saved.json()["id"].as_str().expect("id").to_owned()
        }
    };
    let known = post(app.clone(), report("Ouafaeuniq")).await;

    // A writer that keeps recording reports, noting each one acknowledged.
    let acked = Arc::new(Mutex::new(vec![known.clone()]));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn({
        let (app, acked, stop, post) = (app.clone(), acked.clone(), stop.clone(), post.clone());
        async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let id = post(app.clone(), report(&format!("Salma{n}"))).await;
                acked.lock().expect("lock").push(id);
            }
        }
    });
    while acked.lock().expect("lock").len() < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let before: Vec<String> = acked.lock().expect("lock").clone();
    let backup = work.0.join("sale.backup");
    let mut command = awladna(&work);
    command.args(["backup", "--data-dir", s(&data_dir), "--to", s(&backup)]);
    let taken = tokio::task::spawn_blocking(move || command.output().expect("run awladna"))
        .await
        .expect("backup ran");
    assert!(taken.status.success(), "{}", text(&taken));
    let during = acked.lock().expect("lock").len() - before.len();
    stop.store(true, Ordering::SeqCst);
    writer.await.expect("writer");
    eprintln!(
        "acknowledged before the backup: {}, during it: {during}",
        before.len()
    );
    assert!(during > 0, "the writes went on while the backup ran");
    assert_eq!(mode(&backup), 0o600);
    assert!(text(&taken).contains("rows in"), "{}", text(&taken));

    let verified = succeeds(&work, &["backup", "verify", s(&backup)]);
    assert!(verified.contains("is sound"), "{verified}");

    // Restored where no database is, with the master key copied from its safe place.
    let restored = work.0.join("restored");
    let said = succeeds(
        &work,
        &["restore", "--from", s(&backup), "--data-dir", s(&restored)],
    );
    assert!(said.contains("master key"), "{said}");
    assert_eq!(mode(&restored), 0o700);
    assert_eq!(mode(&restored.join("awladna.db")), 0o600);
    std::fs::copy(&key_file, restored.join("master.key")).expect("copy the key");
    succeeds(&work, &["audit", "verify", "--data-dir", s(&restored)]);
    // The server's start path (migrate, load and unwrap the keys) accepts it.
    succeeds(&work, &["migrate", "--data-dir", s(&restored)]);

    let restored_store = Store::connect(&format!("sqlite://{}", s(&restored.join("awladna.db"))))
        .await
        .expect("open the restored database");
    for id in &before {
        let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cards WHERE id = $1")
            .bind(id)
            .fetch_one(restored_store.pool_for_tests())
            .await
            .expect("count");
        assert_eq!(
            found, 1,
            "report {id} was acknowledged before the backup began"
        );
    }
    let keyring = keyring_from(&restored_store, &restored.join("master.key")).await;
    let (restored_router, _, _) = router_over(&restored_store, keyring);
    let read = get_json(
        &restored_router,
        &format!("/api/v1/reports/{known}"),
        &cookie,
    )
    .await;
    assert_eq!(read["values"]["child.first_name"], "Ouafaeuniq");
    assert_eq!(read["values"]["child.last_name"], "بنسليمانتجربة");

    // A second restore into the same directory is refused; the database stays as it was.
    let size = std::fs::metadata(restored.join("awladna.db"))
        .expect("db")
        .len();
    fails(
        &work,
        &["restore", "--from", s(&backup), "--data-dir", s(&restored)],
        "already holds a database",
    );
    assert_eq!(
        std::fs::metadata(restored.join("awladna.db"))
            .expect("db")
            .len(),
        size
    );
    restored_store.close().await;
    match Arc::try_unwrap(app) {
        Ok(app) => app.finish().await,
        Err(_) => panic!("the writer still holds the app"),
    }
}
on_each_backend!(a_backup_taken_during_writes_restores_every_acknowledged_write);

#[test]
fn a_damaged_cut_or_foreign_file_is_refused_by_verify_and_restore() {
    let dir = TempDir::new();
    succeeds(&dir, &["migrate"]);
    let backup = dir.0.join("good.backup");
    succeeds(&dir, &["backup", "--to", s(&backup)]);
    let bytes = std::fs::read(&backup).expect("read");

    let damaged = dir.0.join("damaged.backup");
    let mut flipped = bytes.clone();
    let last = flipped.len() - 100;
    flipped[last] ^= 0x55;
    std::fs::write(&damaged, &flipped).expect("write");
    fails(
        &dir,
        &["backup", "verify", s(&damaged)],
        "checksum does not match",
    );

    let cut = dir.0.join("cut.backup");
    std::fs::write(&cut, &bytes[..bytes.len() - 4096]).expect("write");
    fails(&dir, &["backup", "verify", s(&cut)], "is cut");

    fails(
        &dir,
        &["backup", "verify", s(&dir.0.join("data/awladna.db"))],
        "is not an Awladna backup",
    );
    let target = dir.0.join("target");
    fails(
        &dir,
        &["restore", "--from", s(&damaged), "--data-dir", s(&target)],
        "checksum does not match",
    );
    assert!(!target.join("awladna.db").exists(), "nothing restored");
    assert_eq!(
        std::fs::read_dir(&target).expect("dir").count(),
        0,
        "no scratch file left behind"
    );
    fails(&dir, &["backup", "--to", s(&backup)], "already exists");
    assert_eq!(
        std::fs::read(&backup).expect("read"),
        bytes,
        "never overwritten"
    );
}

#[test]
fn the_data_directory_is_private_at_creation_and_tightened_at_start() {
    let dir = TempDir::new();
    succeeds(&dir, &["migrate"]);
    let data = dir.0.join("data");
    let check = |label: &str| {
        assert_eq!(mode(&data), 0o700, "{label}: the data directory");
        for entry in std::fs::read_dir(&data).expect("dir") {
            let path = entry.expect("entry").path();
            assert_eq!(mode(&path), 0o600, "{label}: {}", path.display());
        }
    };
    assert!(data.join("awladna.db").exists());
    check("created");

    // As an older version left them: the directory 0755, the database and WAL 0644.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    for name in ["awladna.db", "awladna.db-wal"] {
        if data.join(name).exists() {
            std::fs::set_permissions(data.join(name), std::fs::Permissions::from_mode(0o644))
                .expect("chmod");
        }
    }
    succeeds(&dir, &["migrate"]);
    check("tightened");
}

#[test]
fn the_recovery_sheet_types_back_into_the_key_the_database_needs() {
    let dir = TempDir::new();
    succeeds(&dir, &["migrate"]);
    let key_file = dir.0.join("data/master.key");
    let original = std::fs::read_to_string(&key_file).expect("key");

    let sheet = succeeds(&dir, &["keys", "export-sheet"]);
    let block: String = sheet
        .lines()
        .skip_while(|l| !l.starts_with("awladna-master-key-v1"))
        .take_while(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(block.contains("\ncheck "), "{sheet}");

    let page = dir.0.join("sheet.html");
    succeeds(&dir, &["keys", "export-sheet", "--to", s(&page)]);
    assert_eq!(mode(&page), 0o600, "the page holds the key");
    let html = std::fs::read_to_string(&page).expect("page");
    assert!(
        html.contains("<svg") && html.contains(block.trim()),
        "{html}"
    );

    // The key file is lost; a mistyped sheet is refused, the right one brings it back.
    std::fs::remove_file(&key_file).expect("remove");
    fails(&dir, &["migrate"], "master key file");
    let type_back = |typed: &str| {
        let mut child = awladna(&dir)
            .args(["keys", "import-sheet", "--to", s(&key_file)])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(typed.as_bytes())
            .expect("type");
        child.wait_with_output().expect("wait")
    };
    let key_line = block.lines().nth(1).expect("key line").to_owned();
    let swapped: String = key_line.chars().rev().collect();
    let typo = type_back(&block.replace(&key_line, &swapped));
    assert!(!typo.status.success());
    assert!(text(&typo).contains("mistyped"), "{}", text(&typo));
    assert!(!key_file.exists(), "nothing written from a mistyped sheet");

    let typed = type_back(&block);
    assert!(typed.status.success(), "{}", text(&typed));
    assert_eq!(mode(&key_file), 0o600);
    assert_eq!(std::fs::read_to_string(&key_file).expect("key"), original);
    // The database's keys unwrap with it: the server's start path works again.
    succeeds(&dir, &["migrate"]);
}

#[test]
fn a_sqlite_database_given_by_url_is_private_and_backed_up_too() {
    let dir = TempDir::new();
    let shared = dir.0.join("shared");
    std::fs::create_dir(&shared).expect("mkdir");
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let file = shared.join("province.db");
    let url = format!("sqlite://{}?mode=rwc", s(&file));
    let key = dir.0.join("keys/master.key");
    succeeds(
        &dir,
        &[
            "migrate",
            "--database-url",
            &url,
            "--master-key-file",
            s(&key),
        ],
    );
    assert_eq!(mode(&file), 0o600);
    assert_eq!(
        mode(&shared),
        0o755,
        "a directory the operator chose is left as it is"
    );
    assert_eq!(
        mode(&dir.0.join("keys")),
        0o700,
        "the key's new directory is private"
    );
    let backup = dir.0.join("province.backup");
    succeeds(
        &dir,
        &["backup", "--database-url", &url, "--to", s(&backup)],
    );
    succeeds(&dir, &["backup", "verify", s(&backup)]);
}
