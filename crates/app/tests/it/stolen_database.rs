//! What a stolen database reveals: nothing a user typed about a child, and no secret of an
//! account. Everything is written as users write it — through the API and the pages, with
//! the application's own keys — each personal value carrying markers of its own, Latin and
//! Arabic. Then every table and column is read back, and the raw SQLite file with its WAL
//! and shared memory, or a `pg_dump` of the test schema, is searched for each marker, in
//! clear and as hex, base64 or JSON escapes.
//!
//! `pg_dump` (Debian's `postgresql-client`) is needed for the PostgreSQL dump: CI installs it
//! and sets `AWLADNA_REQUIRE_PG_DUMP=1`; elsewhere that part says it was skipped.

use crate::support::{Backend, Signed, TestApp, on_each_backend, postgres_url};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use base64::Engine;
use serde_json::{Value, json};
use sqlx::Row;

/// One personal value's markers: where it was typed, and two words found nowhere else.
struct Marker {
    field: &'static str,
    latin: &'static str,
    arabic: &'static str,
}

impl Marker {
    /// The value as typed: both words.
    fn value(&self) -> String {
        format!("{} {}", self.latin, self.arabic)
    }
}

/// Arabic words made of letters that the name normalisation leaves as they are (no alef,
/// hamza, taa marbuta or yaa), so that a normalised copy would be found too.
const MARKERS: [Marker; 22] = [
    m("report reporter.name", "Zqvreportername", "ظغثقفجحخ"),
    m("report child.first_name", "Zqvchildfirst", "ضظغثشصقف"),
    m("report child.last_name", "Zqvchildlast", "خحجضظغثش"),
    m("report child.mother_name", "Zqvmothername", "غثقفضظخح"),
    m("report child.address", "Zqvchildaddress", "صشقفغظثج"),
    m("report author.name", "Zqvauthorname", "ثقفغضخحظ"),
    m("report narrative", "Zqvnarrative", "ججحخضظغث"),
    m("stage move reason", "Zqvmovereason", "ظظغغثثقق"),
    m("evaluation child_views", "Zqvevalviews", "فقثغظضخح"),
    m("evaluation justification", "Zqvevaljustif", "حخجضصشقظ"),
    m("plan plan.goal", "Zqvplangoal", "قفغثظضصش"),
    m("plan plan.action", "Zqvplanaction", "شصضظغثقف"),
    m("follow-up situation.notes", "Zqvfollownotes", "غغظظثثفف"),
    m("follow-up child.views", "Zqvfollowviews", "ضضصصشششق"),
    m("medical entry.summary", "Zqvmedicalsummary", "ثثغغظظضض"),
    m("judicial entry.reference", "Zqvjudicialref", "ققففغغثث"),
    m("judicial entry.summary", "Zqvjudicialsummary", "خخححججضض"),
    m("document file name", "Zqvdocumentname", "ظضغثقفشص"),
    m("document content", "Zqvdocumentcontent", "صصشقففغظ"),
    m("linking card reason", "Zqvreferralreason", "حجخضظغثق"),
    m("linking card legal ground", "Zqvlegalground", "جخحظضثغق"),
    m("linking card answer note", "Zqvreferralnote", "فغقثظضحخ"),
];

const fn m(field: &'static str, latin: &'static str, arabic: &'static str) -> Marker {
    Marker {
        field,
        latin,
        arabic,
    }
}

fn marker(field: &str) -> String {
    MARKERS
        .iter()
        .find(|m| m.field == field)
        .unwrap_or_else(|| panic!("no marker for {field}"))
        .value()
}

/// Values that are not words: the child's birth date and the reporter's phone, in the
/// forms a careless store would keep them.
const BIRTH_DATE: &str = "2012-02-29";
const PHONE: &str = "06 61 73 92 84";
const OTHER_FORMS: [(&str, &str); 6] = [
    ("birth date", "2012-02-29"),
    ("birth date", "29/02/2012"),
    ("birth date", "20120229"),
    ("phone", "06 61 73 92 84"),
    ("phone", "0661739284"),
    ("phone", "661739284"),
];

/// A document that passes the upload checks, carrying a marker in a comment.
fn document() -> Vec<u8> {
    let content = MARKERS
        .iter()
        .find(|m| m.field == "document content")
        .expect("marker")
        .value();
    format!("%PDF-1.4\n% {content}\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n").into_bytes()
}

/// Decodes RFC 4648 base32 (the `secret=` of an `otpauth://` URI).
fn base32(text: &str) -> Vec<u8> {
    let mut bits = 0u64;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.trim_end_matches('=').chars() {
        let value = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
            .find(c.to_ascii_uppercase())
            .unwrap_or_else(|| panic!("not base32: {text}"));
        bits = (bits << 5) | value as u64;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

/// What a text between `before` and the next `"` or `<` says in a page.
fn between(page: &str, before: &str) -> String {
    let start = page
        .find(before)
        .unwrap_or_else(|| panic!("{before} in {page}"))
        + before.len();
    page[start..]
        .split(['"', '<', '&'])
        .next()
        .expect("value")
        .to_owned()
}

/// The secrets of an account the administrator created in the pages, and its session.
struct Account {
    password: String,
    totp_base32: String,
    totp_raw: Vec<u8>,
    session_token: String,
}

/// The administrator creates Nadia's account in the pages (password and second factor
/// shown once), and Nadia signs in with both through the API.
async fn nadia_is_given_an_account(app: &TestApp) -> (Signed<'_>, Account) {
    let admin = app
        .user("sale.admin", "sale-centre", &[Role::Administrator], true)
        .await;
    let (cookie, csrf) = app.session(&admin).await;
    let page = app
        .post_form(
            "/admin/users",
            &[("cookie", cookie.as_str())],
            &[
                ("_csrf", &csrf),
                ("username", "nadia"),
                ("organisation", "sale-centre"),
                ("role", "case_worker"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let password = between(&page.body, "<code dir=\"ltr\" class=\"secret\">");
    let totp_base32 = between(&page.body, "secret=");
    assert!(
        password.len() >= 12 && totp_base32.len() >= 16,
        "{}",
        page.body
    );
    let totp_raw = base32(&totp_base32);
    let secret = awladna_crypto::TotpSecret::from_bytes(&totp_raw).expect("a TOTP secret");
    let now = u64::try_from(app.now_ms() / 1000).expect("after 1970");
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &[],
            &json!({"username": "nadia", "password": password, "totp": secret.code_at(now).to_string()}),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    let session_token = crate::support::set_cookie(&login, "awladna_session").expect("a session");
    let nadia = Signed {
        app,
        cookie: format!("awladna_session={session_token}"),
        csrf: login.json()["csrf_token"]
            .as_str()
            .expect("csrf")
            .to_owned(),
    };
    let account = Account {
        password,
        totp_base32,
        totp_raw,
        session_token,
    };
    (nadia, account)
}

/// The secrets of an account that enrolled its second factor itself, in the pages.
struct Enrolled {
    totp_base32: String,
    totp_raw: Vec<u8>,
    recovery_codes: Vec<String>,
}

/// Samira signs in for the first time and enrols her second factor: the page shows the
/// key to type into her phone, then her ten recovery codes, once.
async fn samira_enrols_her_second_factor(app: &TestApp) -> Enrolled {
    let samira = app
        .user("samira", "sale-centre", &[Role::CaseWorker], false)
        .await;
    let (anonymous, csrf) = app.anonymous_csrf().await;
    let login = app
        .post_form(
            "/login",
            &[("cookie", &anonymous)],
            &[
                ("_csrf", &csrf),
                ("username", "samira"),
                ("password", &samira.password),
            ],
        )
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.body);
    let pending = format!(
        "awladna_session={}",
        crate::support::set_cookie(&login, "awladna_session").expect("a pending session")
    );
    let enrol = app
        .get_with("/account/second-factor", &[("cookie", &pending)])
        .await;
    assert_eq!(enrol.status, StatusCode::OK, "{}", enrol.body);
    let totp_base32: String = between(&enrol.body, "<code dir=\"ltr\" class=\"secret\">")
        .split_whitespace()
        .collect();
    let totp_raw = base32(&totp_base32);
    let secret = awladna_crypto::TotpSecret::from_bytes(&totp_raw).expect("a TOTP secret");
    let now = u64::try_from(app.now_ms() / 1000).expect("after 1970");
    let done = app
        .post_form(
            "/account/second-factor",
            &[("cookie", &pending)],
            &[
                ("_csrf", &between(&enrol.body, "name=\"_csrf\" value=\"")),
                (
                    "pending",
                    &between(&enrol.body, "name=\"pending\" value=\""),
                ),
                ("code", &secret.code_at(now)),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let recovery_codes: Vec<String> = done
        .body
        .split("<li><code>")
        .skip(1)
        .filter_map(|s| s.split('<').next())
        .map(str::to_owned)
        .collect();
    assert_eq!(recovery_codes.len(), 10, "{}", done.body);
    Enrolled {
        totp_base32,
        totp_raw,
        recovery_codes,
    }
}

/// A child's file as the centre builds it: every card with personal fields, a document,
/// a linking card answered by the hospital. Returns the child's id.
async fn a_child_s_file_is_built(app: &TestApp, nadia: &Signed<'_>) -> String {
    let report = nadia
        .record_report(&json!({
            "source": "school", "received_at": "2026-11-22T09:00:00Z", "territory": "sale",
            "reporter": {"name": marker("report reporter.name"), "phone": PHONE},
            "child": {
                "first_name": marker("report child.first_name"),
                "last_name": marker("report child.last_name"),
                "sex": "female", "birth_date": BIRTH_DATE, "age_years": 14,
                "mother_name": marker("report child.mother_name"),
                "address": marker("report child.address"),
            },
            "concerns": ["physical_violence"], "urgency": "high",
            "author": {"relation": "teacher", "name": marker("report author.name")},
            "narrative": marker("report narrative"),
        }))
        .await;
    let opened = nadia.triage(&report, None).await;
    let case = opened["case_id"].as_str().expect("case").to_owned();
    let child = opened["child_id"].as_str().expect("child").to_owned();

    // The register's name search, as its form posts it.
    let found = app
        .post_form(
            "/children/search",
            &[("cookie", nadia.cookie.as_str())],
            &[
                ("_csrf", nadia.csrf.as_str()),
                ("q", &marker("report child.first_name")),
            ],
        )
        .await;
    assert!(found.body.contains(&case), "the search finds the child");

    let moved = nadia
        .post(
            &format!("/api/v1/cases/{case}/transitions"),
            &json!({"to": "immediate_assistance", "reason": marker("stage move reason")}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);

    let mut evaluation = crate::cases::evaluation(&["health.psychological_distress"]);
    evaluation["child_views"] = json!(marker("evaluation child_views"));
    evaluation["justification"] = json!(marker("evaluation justification"));
    let cards: [(String, Value); 5] = [
        (format!("/api/v1/cases/{case}/evaluations"), evaluation),
        (
            format!("/api/v1/cases/{case}/plan"),
            json!({"plan": {"goal": marker("plan plan.goal"), "action": marker("plan plan.action"),
                "responsible": "education", "due_date": "2026-12-15"}}),
        ),
        (
            format!("/api/v1/cases/{case}/cards/followup"),
            json!({
                "contact": {"date": "2026-11-23", "kind": "home_visit"},
                "situation": {"overall": "improved", "notes": marker("follow-up situation.notes")},
                "services": {"delivered": ["psychological_support"]},
                "child": {"views": marker("follow-up child.views")},
            }),
        ),
        (
            format!("/api/v1/cases/{case}/cards/medical_entry"),
            json!({"entry": {"date": "2026-11-22", "kind": "forensic_exam", "itt_days": 21,
                "summary": marker("medical entry.summary")}}),
        ),
        (
            format!("/api/v1/cases/{case}/cards/judicial_entry"),
            json!({"entry": {"date": "2026-11-22", "kind": "complaint",
                "reference": marker("judicial entry.reference"),
                "summary": marker("judicial entry.summary")}}),
        ),
    ];
    for (path, body) in &cards {
        let saved = nadia.post(path, body).await;
        assert_eq!(saved.status, StatusCode::CREATED, "{path}: {}", saved.body);
    }

    let name = format!("{}.pdf", marker("document file name"));
    let uploaded = crate::case_work::upload(
        nadia,
        &case,
        "medical",
        "forensic_certificate",
        &name,
        &document(),
    )
    .await;
    assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.body);
    let file = nadia
        .get(&format!("/api/v1/cases/{case}/files/medical"))
        .await
        .json();
    assert_eq!(file["documents"][0]["name"], name.as_str(), "{file}");

    let mut card = crate::support::linking_card("sale-hospital", &["identity", "medical_file"]);
    card["reason"] = json!(marker("linking card reason"));
    card["consent"] = json!("legal_ground");
    card["legal_ground"] = json!(marker("linking card legal ground"));
    let referral = nadia.send_referral(&case, &card).await;
    let doctor = app
        .signed_in("dr-amal", "sale-hospital", &[Role::FocalPoint])
        .await;
    let declined = doctor
        .post(
            &format!("/api/v1/referrals/{referral}/decline"),
            &json!({"reason": marker("linking card answer note")}),
        )
        .await;
    assert_eq!(declined.status, StatusCode::OK, "{}", declined.body);

    // Everything reads back for those who may read it: the markers went in.
    let shown = nadia.get(&format!("/api/v1/referrals/{referral}")).await;
    assert!(
        shown.body.contains(&marker("linking card legal ground"))
            && shown.body.contains(&marker("linking card answer note")),
        "{}",
        shown.body
    );
    let page = nadia.get(&format!("/cases/{case}")).await;
    for field in [
        "report child.first_name",
        "stage move reason",
        "plan plan.action",
    ] {
        assert!(
            page.body.contains(
                MARKERS
                    .iter()
                    .find(|m| m.field == field)
                    .expect("marker")
                    .arabic
            ),
            "{field} on the case page"
        );
    }
    child
}

/// One place a thief can read, with what it holds: a column, or a file or dump (raw).
struct Place {
    name: String,
    raw: bool,
    bytes: Vec<u8>,
}

/// Every column of every table, read back through the database itself (a value split
/// across SQLite's overflow pages is whole here), one place per column.
async fn every_column(app: &TestApp, backend: Backend) -> Vec<Place> {
    let pool = app.store.pool_for_tests();
    let columns: Vec<(String, String, bool)> = match backend {
        Backend::Sqlite => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
            )
            .fetch_all(pool)
            .await
            .expect("tables");
            let mut all = Vec::new();
            for table in tables {
                let names: Vec<String> =
                    sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
                        .bind(&table)
                        .fetch_all(pool)
                        .await
                        .expect("columns");
                all.extend(names.into_iter().map(|c| (table.clone(), c, false)));
            }
            all
        }
        Backend::Postgres => sqlx::query(
            "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS d
             FROM information_schema.columns WHERE table_schema = current_schema()
             ORDER BY table_name, ordinal_position",
        )
        .fetch_all(pool)
        .await
        .expect("columns")
        .iter()
        .map(|r| {
            let kind: String = r.get("d");
            (r.get("t"), r.get("c"), kind == "bytea")
        })
        .collect(),
    };
    assert!(
        columns.len() > 100,
        "{} columns: the catalogue was read",
        columns.len()
    );
    let mut places = Vec::new();
    for (table, column, bytea) in columns {
        let sql = match (backend, bytea) {
            (Backend::Sqlite, _) => {
                format!("SELECT COALESCE(hex(\"{column}\"), '') FROM \"{table}\"")
            }
            (Backend::Postgres, true) => {
                format!("SELECT COALESCE(encode(\"{column}\", 'hex'), '') FROM \"{table}\"")
            }
            (Backend::Postgres, false) => format!(
                "SELECT COALESCE(encode(convert_to(\"{column}\"::text, 'UTF8'), 'hex'), '') FROM \"{table}\""
            ),
        };
        let rows: Vec<String> = sqlx::query_scalar(&sql)
            .fetch_all(pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let mut bytes = Vec::new();
        for row in rows {
            bytes.extend(unhex(&row));
            bytes.push(b'\n');
        }
        places.push(Place {
            name: format!("{table}.{column}"),
            raw: false,
            bytes,
        });
    }
    places
}

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

/// The files as they lie on disk: the SQLite database, its write-ahead log and its shared
/// memory, read while the server has them open; then the database file again once the log
/// is checkpointed into it, as a backup copy or a stopped server leaves it.
async fn sqlite_files(app: &TestApp) -> Vec<Place> {
    let path = app
        .db
        .url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .expect("path")
        .to_owned();
    let mut places = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{path}{suffix}");
        match std::fs::read(&file) {
            Ok(bytes) => places.push(Place {
                name: file,
                raw: true,
                bytes,
            }),
            Err(e) if suffix.is_empty() => panic!("the database file {file}: {e}"),
            Err(_) => eprintln!("note: no {file} (nothing to read there)"),
        }
    }
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(app.store.pool_for_tests())
        .await
        .expect("checkpoint");
    places.push(Place {
        name: format!("{path} (checkpointed)"),
        raw: true,
        bytes: std::fs::read(&path).expect("the database file"),
    });
    places
}

/// A `pg_dump` of the test's schema, as a thief with the database's credentials gets it;
/// `None` when pg_dump is not installed and not required.
fn pg_dump(app: &TestApp) -> Option<Place> {
    let base = postgres_url().expect("AWLADNA_TEST_DATABASE_URL");
    let schema = app
        .db
        .url
        .rsplit("search_path%3D")
        .next()
        .expect("schema")
        .to_owned();
    let output = match std::process::Command::new("pg_dump")
        .args(["--schema", &schema, "--no-owner", &base])
        .output()
    {
        Ok(output) => output,
        Err(e) => {
            assert!(
                std::env::var_os("AWLADNA_REQUIRE_PG_DUMP").is_none(),
                "AWLADNA_REQUIRE_PG_DUMP is set but pg_dump cannot run: {e}"
            );
            eprintln!(
                "note: pg_dump cannot run ({e}): the dump was not searched; install postgresql-client"
            );
            return None;
        }
    };
    assert!(
        output.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(Place {
        name: format!("pg_dump --schema {schema}"),
        raw: true,
        bytes: output.stdout,
    })
}

/// The forms a value may take in a place: as typed, as hex (how a dump shows binary
/// columns), as base64 at each alignment in a longer text (standard and URL-safe), and
/// with each non-ASCII letter as a JSON `\uXXXX` escape. Latin letters are compared
/// without case, in clear and hex alike.
fn disguises(value: &[u8]) -> Vec<(&'static str, Vec<u8>, bool)> {
    let mut forms = vec![
        ("in clear", value.to_ascii_lowercase(), true),
        (
            "as hex",
            value
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
                .into_bytes(),
            true,
        ),
    ];
    for skip in 0..3.min(value.len()) {
        let rest = &value[skip..];
        let whole = &rest[..rest.len() / 3 * 3];
        if whole.len() < 6 {
            continue;
        }
        for engine in [
            &base64::engine::general_purpose::STANDARD,
            &base64::engine::general_purpose::URL_SAFE,
        ] {
            forms.push(("as base64", engine.encode(whole).into_bytes(), false));
        }
    }
    if let Ok(text) = std::str::from_utf8(value)
        && !text.is_ascii()
    {
        let escaped: String = text
            .chars()
            .map(|c| {
                if c.is_ascii() {
                    c.to_string()
                } else {
                    format!("\\u{:04x}", c as u32)
                }
            })
            .collect();
        forms.push(("as JSON escapes", escaped.into_bytes(), true));
    }
    forms
}

/// Where each value shows, in any of its forms: "what, how, in where" for each finding.
fn findings(places: &[Place], values: &[(String, Vec<u8>)]) -> Vec<String> {
    let mut found = Vec::new();
    for place in places {
        // Searched as text (the standard library's search is fast even in a debug build);
        // a lossy conversion keeps every valid sequence, so a value typed as text is found.
        let lower_bytes = place.bytes.to_ascii_lowercase();
        let (exact, lower) = (
            String::from_utf8_lossy(&place.bytes),
            String::from_utf8_lossy(&lower_bytes),
        );
        for (what, value) in values {
            for (how, needle, without_case) in disguises(value) {
                let seen = match std::str::from_utf8(&needle) {
                    Ok(text) if without_case => lower.contains(text),
                    Ok(text) => exact.contains(text),
                    // Binary (a raw key): compared byte for byte, lowered like the needle.
                    Err(_) => {
                        let hay = if without_case {
                            &lower_bytes
                        } else {
                            &place.bytes
                        };
                        hay.windows(needle.len()).any(|w| w == needle)
                    }
                };
                if seen {
                    found.push(format!("{what} {how} in {}", place.name));
                }
            }
        }
    }
    found
}

async fn a_stolen_database_reveals_nothing_users_wrote_about_a_child(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("sale-hospital", "health", Some("sale"))
        .await;
    let (nadia, account) = nadia_is_given_an_account(&app).await;
    let samira = samira_enrols_her_second_factor(&app).await;
    let child = a_child_s_file_is_built(&app, &nadia).await;

    let mut secrets: Vec<(String, Vec<u8>)> = Vec::new();
    for m in &MARKERS {
        secrets.push((format!("{} (Latin)", m.field), m.latin.as_bytes().to_vec()));
        secrets.push((
            format!("{} (Arabic)", m.field),
            m.arabic.as_bytes().to_vec(),
        ));
    }
    for (what, value) in OTHER_FORMS {
        secrets.push((what.to_owned(), value.as_bytes().to_vec()));
    }
    secrets.push(("the password".into(), account.password.clone().into_bytes()));
    secrets.push((
        "the TOTP secret (base32)".into(),
        account.totp_base32.clone().into_bytes(),
    ));
    secrets.push(("the TOTP secret".into(), account.totp_raw.clone()));
    secrets.push((
        "an enrolled TOTP secret (base32)".into(),
        samira.totp_base32.clone().into_bytes(),
    ));
    secrets.push(("an enrolled TOTP secret".into(), samira.totp_raw.clone()));
    for code in &samira.recovery_codes {
        secrets.push(("a recovery code".into(), code.clone().into_bytes()));
        secrets.push(("a recovery code".into(), code.replace('-', "").into_bytes()));
    }
    secrets.push((
        "the session token".into(),
        account.session_token.clone().into_bytes(),
    ));

    // The audit entries chained into the log too, with its sealed head.
    app.seal_audit().await;
    let mut places = every_column(&app, backend).await;
    match backend {
        Backend::Sqlite => places.extend(sqlite_files(&app).await),
        Backend::Postgres => places.extend(pg_dump(&app)),
    }
    // The search would see what is there: the child's id and a user name (neither is
    // secret) are found in their columns, and the id in the files or the dump.
    let visible = [
        ("the child's id".to_owned(), child.into_bytes()),
        ("a user name".to_owned(), b"sale.admin".to_vec()),
    ];
    let seen = findings(&places, &visible);
    for place in ["children.id", "users.username"] {
        assert!(
            seen.iter().any(|f| f.ends_with(&format!(" in {place}"))),
            "{place} not read: {seen:#?}"
        );
    }
    let raw: Vec<&str> = places
        .iter()
        .filter(|p| p.raw)
        .map(|p| p.name.as_str())
        .collect();
    assert!(
        raw.is_empty()
            || seen
                .iter()
                .any(|f| f.starts_with("the child's id in clear")
                    && raw.iter().any(|r| f.ends_with(r))),
        "the child's id is in none of {raw:?}: {seen:#?}"
    );

    let leaks = findings(&places, &secrets);
    assert!(
        leaks.is_empty(),
        "a stolen database reveals:\n{}",
        leaks.join("\n")
    );
    app.finish().await;
}
on_each_backend!(a_stolen_database_reveals_nothing_users_wrote_about_a_child);
