//! The binary as an operator meets it: help, migrate, check-config, serve and stop,
//! and a clear one-line message for each thing that can be wrong at start.

use crate::support::{Backend, TempDir, TestDb, postgres_or_skip, run};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Output, Stdio};

pub(crate) fn awladna(dir: &TempDir) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_awladna"));
    command
        .current_dir(&dir.0)
        .env_remove("AWLADNA_DATABASE_URL")
        .env_remove("AWLADNA_DATA_DIR")
        .env_remove("AWLADNA_REFERENCE_DIR")
        .env_remove("AWLADNA_ADDR");
    command
}

pub(crate) fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Says that a check was skipped because `tool` cannot run; a failure when CI requires
/// the tools the command-line tests use (`AWLADNA_REQUIRE_CLI_TOOLS`: python3 with sqlite3,
/// openssl, curl).
fn tool_missing(tool: &str, skipped: &str) {
    assert!(
        std::env::var_os("AWLADNA_REQUIRE_CLI_TOOLS").is_none(),
        "AWLADNA_REQUIRE_CLI_TOOLS is set but {tool} cannot run"
    );
    eprintln!("skipped: {tool} cannot run: {skipped}");
}

/// A failure is one clear message, with no panic and no backtrace.
fn assert_clear_failure(output: &Output, expected: &str) {
    let all = text(output);
    assert!(!output.status.success(), "should fail: {all}");
    assert!(all.contains(expected), "expected {expected:?} in: {all}");
    assert!(
        !all.contains("panicked") && !all.contains("RUST_BACKTRACE"),
        "{all}"
    );
}

#[test]
fn help_lists_the_subcommands_each_with_its_own_help() {
    let dir = TempDir::new();
    let help = text(&run(&dir, &["--help"]));
    for sub in ["serve", "migrate", "demo", "check-config"] {
        assert!(help.contains(sub), "{sub} missing from: {help}");
        let own = run(&dir, &[sub, "--help"]);
        assert!(own.status.success());
        for option in ["--data-dir", "--database-url"] {
            assert!(text(&own).contains(option), "{sub} --help lacks {option}");
        }
    }
    assert!(text(&run(&dir, &["serve", "--help"])).contains("--addr"));
    assert!(text(&run(&dir, &["demo", "--help"])).contains("--children"));
}

#[test]
fn migrate_then_check_config_on_a_fresh_directory() {
    let dir = TempDir::new();
    let migrate = run(&dir, &["migrate"]);
    assert!(migrate.status.success(), "{}", text(&migrate));
    assert!(dir.0.join("data/awladna.db").exists());
    let check = run(&dir, &["check-config", "--addr", "127.0.0.1:0"]);
    assert!(check.status.success(), "{}", text(&check));
    assert!(text(&check).contains("schema: up to date"));
    assert!(text(&check).contains("95 territories"));
}

#[test]
fn bad_configuration_values_are_named() {
    let dir = TempDir::new();
    assert_clear_failure(&run(&dir, &["serve", "--addr", "localhost-8080"]), "--addr");
    let output = awladna(&dir)
        .args(["migrate"])
        .env("AWLADNA_LOG_FORMAT", "xml")
        .output()
        .expect("run");
    assert_clear_failure(&output, "xml");
    assert_clear_failure(
        &run(&dir, &["migrate", "--database-url", "mysql://localhost/x"]),
        "must start with sqlite: or postgres://",
    );
    assert_clear_failure(&run(&dir, &["demo", "--children", "0"]), "--children");
}

#[test]
fn an_unreachable_database_is_named_without_its_password() {
    let dir = TempDir::new();
    let output = run(
        &dir,
        &[
            "migrate",
            "--database-url",
            "postgres://awladna:hunter2@127.0.0.1:1/awladna",
        ],
    );
    assert_clear_failure(&output, "cannot reach the database");
    assert!(!text(&output).contains("hunter2"), "{}", text(&output));
}

#[test]
fn a_newer_schema_stops_the_server_with_advice() {
    let dir = TempDir::new();
    assert!(run(&dir, &["migrate"]).status.success());
    let db = dir.0.join("data/awladna.db");
    let status = Command::new("python3")
        .args(["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"INSERT INTO _sqlx_migrations VALUES (99990101000000,'future','2030-01-01',1,x'00',0)\"); c.commit()", db.to_str().expect("utf-8")])
        .status();
    match status {
        Ok(s) if s.success() => assert_clear_failure(
            &run(&dir, &["serve", "--addr", "127.0.0.1:0"]),
            "newer version of Awladna",
        ),
        _ => tool_missing(
            "python3 with sqlite3",
            "the store-level test covers this case",
        ),
    }
}

#[test]
fn a_port_in_use_is_named() {
    let dir = TempDir::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    assert_clear_failure(&run(&dir, &["serve", "--addr", &addr]), "already in use");
}

#[test]
fn a_corrupt_or_missing_reference_file_is_named() {
    let dir = TempDir::new();
    let reference = dir.0.join("reference");
    for file in awladna_domain::Reference::embedded_files() {
        let path = reference.join(&file.name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &file.text).expect("write");
    }
    let dir_arg = reference.to_str().expect("utf-8");
    assert!(
        run(
            &dir,
            &[
                "check-config",
                "--addr",
                "127.0.0.1:0",
                "--reference-dir",
                dir_arg
            ]
        )
        .status
        .success()
    );

    let mut territories = std::fs::read_to_string(reference.join("territories.csv")).expect("read");
    territories.push_str("mars,99.999,planet,,Mars,المريخ,\n");
    std::fs::write(reference.join("territories.csv"), territories).expect("write");
    assert_clear_failure(
        &run(&dir, &["migrate", "--reference-dir", dir_arg]),
        "reference file territories.csv: line 97",
    );

    std::fs::remove_file(reference.join("territories.csv")).expect("remove");
    assert_clear_failure(
        &run(&dir, &["migrate", "--reference-dir", dir_arg]),
        "reference file territories.csv: is missing",
    );
    assert!(
        !dir.0.join("data/awladna.db").exists(),
        "nothing was created before the reference data was checked"
    );
}

/// A server process, killed if the test ends without stopping it (e.g. on a failure).
struct Server(Child);

impl std::ops::Deref for Server {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Server {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server(dir: &TempDir, extra: &[&str]) -> (Server, String) {
    let mut child = awladna(dir)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://") || w.starts_with("https://"))
        .expect("the URL is printed")
        .to_owned();
    // Keep reading stdout in the background so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (Server(child), url)
}

fn http_get(url: &str, path: &str) -> String {
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(host).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer
}

#[test]
fn serve_answers_then_stops_cleanly_on_sigterm_with_json_logs() {
    let dir = TempDir::new();
    let (mut child, url) = start_server(&dir, &["--log-format", "json"]);
    let health = http_get(&url, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains("\"status\":\"ok\""));
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success()
    );
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0), "exit 0 after SIGTERM");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"))
        })
        .collect();
    assert!(
        events.iter().any(|e| e["message"] == "listening"),
        "{stderr}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["message"] == "request" && e["status"] == 200),
        "{stderr}"
    );
}

#[test]
fn serve_writes_the_sealed_audit_head_to_a_file_that_verify_checks() {
    let dir = TempDir::new();
    let heads = dir.0.join("audit-heads.txt");
    let (mut child, url) =
        start_server(&dir, &["--audit-head-file", heads.to_str().expect("utf-8")]);
    // A failed sign-in is audited.
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let body = r#"{"username":"nobody","password":"wrong-password-1"}"#;
    let mut stream = std::net::TcpStream::connect(host).expect("connect");
    write!(
        stream,
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success()
    );
    assert_eq!(child.wait().expect("wait").code(), Some(0));

    // A line at start, and one at stop for the entry the sign-in added.
    let lines = std::fs::read_to_string(&heads).expect("the head file");
    let lines: Vec<&str> = lines.lines().collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let last_head = lines[1].split_whitespace().next().expect("a head");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&heads)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the head file is the operator's only");
    }
    let verified = run(&dir, &["audit", "verify", "--expect-head", last_head]);
    assert!(verified.status.success(), "{}", text(&verified));
    assert!(
        text(&verified).contains("still holds the head noted earlier"),
        "{}",
        text(&verified)
    );
    assert_clear_failure(
        &run(&dir, &["audit", "verify", "--expect-head", "12"]),
        "SEQ:HASH",
    );
    let (seq, _) = last_head.split_once(':').expect("SEQ:HASH");
    let wrong = format!("{seq}:{}", "0".repeat(64));
    assert_clear_failure(
        &run(&dir, &["audit", "verify", "--expect-head", &wrong]),
        &format!("audit entry {seq} does not have the hash noted for it"),
    );
}

#[test]
fn serve_runs_on_postgres_with_the_same_binary() {
    let Some(base) = postgres_or_skip("the server") else {
        return;
    };
    let dir = TempDir::new();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let db = runtime.block_on(TestDb::fresh(Backend::Postgres));
    let (mut child, url) = start_server(&dir, &["--database-url", &db.url]);
    let health = http_get(&url, "/healthz");
    assert!(
        health.contains("\"database\":\"PostgreSQL\""),
        "{health} (base {base})"
    );
    assert!(
        Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill")
            .success()
    );
    assert_eq!(child.wait().expect("wait").code(), Some(0));
    runtime.block_on(db.finish());
}

#[test]
fn operators_set_up_organisations_users_and_tokens() {
    let dir = TempDir::new();
    let org = run(
        &dir,
        &[
            "org",
            "add",
            "--code",
            "sale-centre",
            "--sector",
            "family_solidarity",
            "--territory",
            "sale",
            "--name",
            "مركز المواكبة لحماية الطفولة – سلا",
        ],
    );
    assert!(org.status.success(), "{}", text(&org));
    let key = dir.0.join("data/master.key");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key)
            .expect("master key")
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    assert_clear_failure(
        &run(
            &dir,
            &[
                "org",
                "add",
                "--code",
                "sale-centre",
                "--sector",
                "health",
                "--name",
                "x",
            ],
        ),
        "already taken",
    );
    assert_clear_failure(
        &run(
            &dir,
            &[
                "org", "add", "--code", "x1", "--sector", "space", "--name", "x",
            ],
        ),
        "unknown sector",
    );
    assert_clear_failure(
        &run(
            &dir,
            &[
                "org",
                "add",
                "--code",
                "x2",
                "--sector",
                "health",
                "--territory",
                "atlantis",
                "--name",
                "x",
            ],
        ),
        "unknown territory",
    );

    let added = run(
        &dir,
        &[
            "user",
            "add",
            "--username",
            "nadia",
            "--org",
            "sale-centre",
            "--role",
            "case_worker",
        ],
    );
    assert!(added.status.success(), "{}", text(&added));
    assert!(text(&added).contains("Password (shown once"));
    assert!(
        text(&added).contains("otpauth://totp/Awladna:nadia?secret="),
        "{}",
        text(&added)
    );
    assert_clear_failure(
        &run(
            &dir,
            &[
                "user",
                "add",
                "--username",
                "nadia",
                "--org",
                "sale-centre",
                "--role",
                "case_worker",
            ],
        ),
        "already taken",
    );
    assert_clear_failure(
        &run(
            &dir,
            &[
                "user",
                "add",
                "--username",
                "x",
                "--org",
                "sale-centre",
                "--role",
                "boss",
            ],
        ),
        "roles are: case_worker",
    );
    let analyst = run(
        &dir,
        &[
            "user",
            "add",
            "--username",
            "analyst",
            "--org",
            "sale-centre",
            "--role",
            "national_analyst",
        ],
    );
    assert!(
        !text(&analyst).contains("otpauth"),
        "no second factor needed for statistics only"
    );

    assert!(run(&dir, &["user", "disable", "nadia"]).status.success());
    let reset = run(&dir, &["user", "reset", "nadia"]);
    assert!(text(&reset).contains("otpauth://"), "{}", text(&reset));
    assert_clear_failure(&run(&dir, &["user", "disable", "nobody"]), "no user named");

    let token = run(
        &dir,
        &[
            "token",
            "create",
            "--org",
            "sale-centre",
            "--scope",
            "intake",
        ],
    );
    assert!(token.status.success(), "{}", text(&token));
    let id = text(&token)
        .split_whitespace()
        .nth(1)
        .expect("id")
        .to_owned();
    assert!(text(&token).contains("awl_t_"));
    assert!(run(&dir, &["token", "revoke", &id]).status.success());
    assert_clear_failure(&run(&dir, &["token", "revoke", &id]), "no active token");
    assert_clear_failure(
        &run(
            &dir,
            &[
                "token",
                "create",
                "--org",
                "sale-centre",
                "--scope",
                "everything",
            ],
        ),
        "scopes are: intake, node",
    );

    let verify = run(&dir, &["audit", "verify"]);
    assert!(verify.status.success(), "{}", text(&verify));
    assert!(text(&verify).contains("The audit log is intact"));
}

#[test]
fn keys_rotate_reseals_and_audit_verify_finds_tampering() {
    let dir = TempDir::new();
    assert!(
        run(
            &dir,
            &[
                "org",
                "add",
                "--code",
                "centre",
                "--sector",
                "family_solidarity",
                "--territory",
                "sale",
                "--name",
                "C"
            ]
        )
        .status
        .success()
    );
    assert!(
        run(
            &dir,
            &[
                "user",
                "add",
                "--username",
                "nadia",
                "--org",
                "centre",
                "--role",
                "case_worker"
            ]
        )
        .status
        .success()
    );
    let rotated = run(&dir, &["keys", "rotate"]);
    assert!(rotated.status.success(), "{}", text(&rotated));
    assert!(
        text(&rotated).contains("Data key 2 is now active; 1 sealed values were re-sealed"),
        "{}",
        text(&rotated)
    );
    let new_master = dir.0.join("new-master.key");
    let remastered = run(
        &dir,
        &[
            "keys",
            "rotate",
            "--new-master-key-file",
            new_master.to_str().expect("utf-8"),
        ],
    );
    assert!(remastered.status.success(), "{}", text(&remastered));
    // The old master key no longer opens the keys; the new one does.
    assert_clear_failure(&run(&dir, &["migrate"]), "wrong master key");
    std::fs::rename(&new_master, dir.0.join("data/master.key")).expect("swap key files");
    assert!(run(&dir, &["migrate"]).status.success());
    std::fs::rename(dir.0.join("data/master.key"), dir.0.join("elsewhere.key")).expect("hide");
    assert_clear_failure(
        &run(&dir, &["migrate"]),
        "restore the file from your backup",
    );
    std::fs::rename(dir.0.join("elsewhere.key"), dir.0.join("data/master.key")).expect("restore");

    let db = dir.0.join("data/awladna.db");
    let tamper = Command::new("python3")
        .args(["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('DROP TRIGGER audit_log_no_update'); c.execute(\"UPDATE audit_log SET action='nothing' WHERE seq=3\"); c.commit()", db.to_str().expect("utf-8")])
        .status();
    match tamper {
        Ok(s) if s.success() => assert_clear_failure(&run(&dir, &["audit", "verify"]), "entry 3"),
        _ => tool_missing(
            "python3 with sqlite3",
            "the store-level test covers tampering",
        ),
    }
}

#[test]
fn serve_speaks_https_with_hsts_when_given_a_certificate() {
    let dir = TempDir::new();
    let (cert, key) = (dir.0.join("cert.pem"), dir.0.join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    if !made.is_ok_and(|o| o.status.success())
        || Command::new("curl").arg("--version").output().is_err()
    {
        tool_missing("openssl or curl", "HTTPS was not tested");
        return;
    }
    let (cert, key) = (cert.to_str().expect("utf-8"), key.to_str().expect("utf-8"));
    assert_clear_failure(
        &run(
            &dir,
            &[
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--tls-cert",
                key,
                "--tls-key",
                key,
            ],
        ),
        "cannot use the TLS certificate",
    );
    let (mut child, url) = start_server(&dir, &["--tls-cert", cert, "--tls-key", key]);
    assert!(url.starts_with("https://"), "{url}");
    let answer = Command::new("curl")
        .args(["-sk", "-D", "-", &format!("{url}healthz")])
        .output()
        .expect("curl");
    let answer = String::from_utf8_lossy(&answer.stdout).to_lowercase();
    assert!(
        answer.contains("strict-transport-security: max-age=31536000"),
        "{answer}"
    );
    assert!(answer.contains("\"status\":\"ok\""), "{answer}");
    let login = Command::new("curl")
        .args(["-sk", "-D", "-", &format!("{url}login")])
        .output()
        .expect("curl");
    assert!(
        String::from_utf8_lossy(&login.stdout).contains("; Secure"),
        "cookies are Secure under TLS"
    );
    assert!(
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill")
            .success()
    );
    assert_eq!(child.wait().expect("wait").code(), Some(0));
}
