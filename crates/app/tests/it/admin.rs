//! Administration in the web interface, within the administrator's territory.

use crate::cli::{awladna, text};
use crate::support::{Backend, TempDir, TestApp, TestDb, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::json;

async fn a_provincial_administrator_manages_only_their_province(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    let admin = app
        .user("sale.admin", "sale-centre", &[Role::Administrator], true)
        .await;
    let other = app
        .user("rabat.worker", "rabat-centre", &[Role::CaseWorker], true)
        .await;
    let (cookie, csrf) = app.session(&admin).await;
    let headers = [("cookie", cookie.as_str())];

    let list = app.get_with("/admin/users", &headers).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("sale.admin") && !list.body.contains("rabat.worker"),
        "only Salé's users are listed"
    );
    assert!(
        !list.body.contains("value=\"rabat-centre\""),
        "only Salé's organisations are offered"
    );

    let added = app
        .post_form(
            "/admin/users",
            &headers,
            &[
                ("_csrf", &csrf),
                ("username", "nadia"),
                ("organisation", "sale-centre"),
                ("role", "case_worker"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert!(
        added.body.contains("data:image/svg+xml;base64,"),
        "the second factor is shown once as a QR code"
    );
    let again = app
        .post_form(
            "/admin/users",
            &headers,
            &[
                ("_csrf", &csrf),
                ("username", "nadia"),
                ("organisation", "sale-centre"),
                ("role", "case_worker"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("مستعمل"), "taken, said in Arabic");
    let no_role = app
        .post_form(
            "/admin/users",
            &headers,
            &[
                ("_csrf", &csrf),
                ("username", "karim"),
                ("organisation", "sale-centre"),
            ],
        )
        .await;
    assert!(no_role.body.contains("دورا واحدا على الأقل"));
    assert!(
        no_role.body.contains("value=\"karim\""),
        "what was typed is kept"
    );

    let elsewhere = app
        .post_form(
            "/admin/users",
            &headers,
            &[
                ("_csrf", &csrf),
                ("username", "intruder"),
                ("organisation", "rabat-centre"),
                ("role", "case_worker"),
            ],
        )
        .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::NOT_FOUND,
        "another province's organisation does not exist for them"
    );
    let disable = app
        .post_form(
            &format!("/admin/users/{}/disable", other.id),
            &headers,
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(disable.status, StatusCode::NOT_FOUND);
    assert!(
        !app.store
            .user_by_id(&other.id)
            .await
            .expect("read")
            .expect("user")
            .disabled,
        "nothing changed"
    );

    let hostile = "<img src=x onerror=alert(1)> مصلحة 'x'; DROP TABLE users;--";
    let org = app
        .post_form(
            "/admin/organisations",
            &headers,
            &[
                ("_csrf", &csrf),
                ("code", "sale-hospital"),
                ("sector", "health"),
                ("territory", "sale"),
                ("name", hostile),
            ],
        )
        .await;
    assert_eq!(org.status, StatusCode::OK, "{}", org.body);
    assert!(
        !org.body.contains("<img src=x")
            && org
                .body
                .contains("&#60;img src=x onerror=alert(1)&#62; مصلحة"),
        "stored as text, shown escaped"
    );
    let foreign = app
        .post_form(
            "/admin/organisations",
            &headers,
            &[
                ("_csrf", &csrf),
                ("code", "rabat-hospital"),
                ("sector", "health"),
                ("territory", "rabat"),
                ("name", "x"),
            ],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let national = app
        .post_form(
            "/admin/organisations",
            &headers,
            &[
                ("_csrf", &csrf),
                ("code", "ministry"),
                ("sector", "family_solidarity"),
                ("territory", ""),
                ("name", "x"),
            ],
        )
        .await;
    assert_eq!(
        national.status,
        StatusCode::NOT_FOUND,
        "a provincial administrator cannot add national bodies"
    );
    let bad = app
        .post_form(
            "/admin/organisations",
            &headers,
            &[
                ("_csrf", &csrf),
                ("code", "Sale Hospital!"),
                ("sector", "health"),
                ("territory", "sale"),
                ("name", "x"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.finish().await;
}
on_each_backend!(a_provincial_administrator_manages_only_their_province);

async fn coordinators_read_their_provinces_audit_log(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    let coordinator = app
        .user("bennani", "sale-centre", &[Role::Coordinator], true)
        .await;
    let sale = app
        .user("nadia", "sale-centre", &[Role::NationalAnalyst], false)
        .await;
    let rabat = app
        .user(
            "rabat.analyst",
            "rabat-centre",
            &[Role::NationalAnalyst],
            false,
        )
        .await;
    for (name, user) in [("nadia", &sale), ("rabat.analyst", &rabat)] {
        let login = app
            .post_json(
                "/api/v1/auth/login",
                &[],
                &serde_json::json!({"username": name, "password": user.password}),
            )
            .await;
        assert_eq!(login.status, StatusCode::OK, "{name}: {}", login.body);
    }
    let (cookie, _) = app.session(&coordinator).await;
    let page = app.get_with("/audit", &[("cookie", &cookie)]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(">nadia<"), "Salé's sign-ins are listed");
    assert!(!page.body.contains("rabat.analyst"), "Rabat's are not");
    let filtered = app
        .get_with("/audit?username=rabat.analyst", &[("cookie", &cookie)])
        .await;
    assert!(
        filtered.body.contains("لا توجد أي مدخلة مطابقة"),
        "another province's user has no entries for them"
    );
    let own = app
        .get_with("/audit?username=nadia", &[("cookie", &cookie)])
        .await;
    assert!(
        own.body.contains("<td>دخول إلى النظام</td>"),
        "a sign-in, not only an attempt"
    );
    let bad_date = app
        .get_with("/audit?from=2026-13-45", &[("cookie", &cookie)])
        .await;
    assert_eq!(bad_date.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.finish().await;
}
on_each_backend!(coordinators_read_their_provinces_audit_log);

const IDENTITY_ROLES: [&str; 4] = [
    "case_worker",
    "coordinator",
    "information_officer",
    "focal_point",
];

async fn a_national_body_is_given_no_role_that_reads_identities(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("ministry", "family_solidarity", None)
        .await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let admin = app
        .user("admin", "ministry", &[Role::Administrator], true)
        .await;
    let (cookie, csrf) = app.session(&admin).await;
    let says = [
        ("ar", "خاصة بمؤسسة إقليم واحد"),
        ("fr", "une seule province, pas"),
        ("en", "belong to an organisation of one province"),
    ];
    for (role, (lang, why)) in IDENTITY_ROLES.iter().zip(says.iter().cycle()) {
        let lang_cookie = format!("{cookie}; awladna_lang={lang}");
        let refused = app
            .post_form(
                "/admin/users",
                &[("cookie", &lang_cookie)],
                &[
                    ("_csrf", &csrf),
                    ("username", "national.worker"),
                    ("organisation", "ministry"),
                    ("role", role),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{role}");
        assert!(
            refused.body.contains(why),
            "{role} in {lang}: {}",
            refused.body
        );
    }
    for (lang, why) in says {
        let lang_cookie = format!("{cookie}; awladna_lang={lang}");
        let refused = app
            .post_form(
                "/admin/users",
                &[("cookie", &lang_cookie)],
                &[
                    ("_csrf", &csrf),
                    ("username", "national.worker"),
                    ("organisation", "ministry"),
                    ("role", "national_analyst"),
                    ("role", "case_worker"),
                ],
            )
            .await;
        assert!(refused.body.contains(why), "{lang}: {}", refused.body);
    }
    assert!(
        app.store
            .user_by_username("national.worker")
            .await
            .expect("read")
            .is_none(),
        "nobody was added"
    );
    for (username, organisation, role) in [
        ("analyst", "ministry", "national_analyst"),
        ("nadia", "sale-centre", "case_worker"),
    ] {
        let added = app
            .post_form(
                "/admin/users",
                &[("cookie", &cookie)],
                &[
                    ("_csrf", &csrf),
                    ("username", username),
                    ("organisation", organisation),
                    ("role", role),
                ],
            )
            .await;
        assert_eq!(added.status, StatusCode::OK, "{username}: {}", added.body);
    }
    app.finish().await;
}
on_each_backend!(a_national_body_is_given_no_role_that_reads_identities);

async fn a_national_user_who_reads_identities_is_refused_until_moved(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("ministry", "family_solidarity", None)
        .await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    // Made as an older version allowed, past today's checks.
    let old = app
        .user("old.worker", "ministry", &[Role::CaseWorker], true)
        .await;
    let (session, _) = app.session(&old).await;
    assert_eq!(
        app.get_with("/api/v1/cases", &[("cookie", &session)])
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "a session held from before ends"
    );
    let login =
        json!({"username": "old.worker", "password": old.password, "totp": app.totp_code(&old)});
    let refused = app
        .post_json("/api/v1/auth/login", &[("accept-language", "en")], &login)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(
        refused.json()["error"]["code"],
        "identity_role_without_province"
    );
    assert!(
        refused
            .body
            .contains("Ask your administrator to move your account"),
        "{}",
        refused.body
    );
    let (anon_cookie, anon_csrf) = app.anonymous_csrf().await;
    let page = app
        .post_form(
            "/login",
            &[("cookie", &anon_cookie)],
            &[
                ("_csrf", &anon_csrf),
                ("username", "old.worker"),
                ("password", &old.password),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("اطلبوا من المسؤول عن النظام نقل حسابكم"));

    let core = awladna_core::Core::new(
        app.store.clone(),
        crate::support::reference(),
        app.clock.clone(),
        app.keyring.clone(),
    );
    let by = awladna_core::Permit::check(awladna_core::accounts::operator("test")).expect("permit");
    let not_national = awladna_core::accounts::move_user(&core, &by, &old.id, "ministry").await;
    assert!(matches!(
        not_national,
        Err(awladna_core::accounts::AccountError::IdentityRoleInNationalBody)
    ));
    awladna_core::accounts::move_user(&core, &by, &old.id, "sale-centre")
        .await
        .expect("moved");
    app.clock.advance(jiff::SignedDuration::from_secs(30));
    let login =
        json!({"username": "old.worker", "password": old.password, "totp": app.totp_code(&old)});
    let moved = app.post_json("/api/v1/auth/login", &[], &login).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    app.finish().await;
}
on_each_backend!(a_national_user_who_reads_identities_is_refused_until_moved);

/// The operator's side: `user add` refuses, `check-config` names an old account, and
/// `user move` puts it right.
async fn the_command_line_refuses_reports_and_moves_national_identity_roles(backend: Backend) {
    let db = TestDb::fresh(backend).await;
    let dir = TempDir::new();
    let run = |args: &[&str]| {
        let output = awladna(&dir)
            .args(args)
            .args(["--database-url", &db.url])
            .output()
            .expect("run awladna");
        (output.status.success(), text(&output))
    };
    let (ok, out) = run(&["migrate"]);
    assert!(ok, "{out}");
    for (code, territory) in [("ministry", None), ("sale-centre", Some("sale"))] {
        let mut args = vec![
            "org",
            "add",
            "--code",
            code,
            "--sector",
            "family_solidarity",
            "--name",
            code,
        ];
        if let Some(territory) = territory {
            args.extend(["--territory", territory]);
        }
        let (ok, out) = run(&args);
        assert!(ok, "{out}");
    }
    for role in IDENTITY_ROLES {
        let (ok, out) = run(&[
            "user",
            "add",
            "--username",
            "x.national",
            "--org",
            "ministry",
            "--role",
            role,
        ]);
        assert!(!ok, "{role}: {out}");
        assert!(
            out.contains("belong to an organisation of one province") && !out.contains("panicked"),
            "{role}: {out}"
        );
    }
    let (ok, out) = run(&[
        "user",
        "add",
        "--username",
        "analyst",
        "--org",
        "ministry",
        "--role",
        "national_analyst",
    ]);
    assert!(ok, "{out}");
    let (ok, out) = run(&["check-config", "--addr", "127.0.0.1:0"]);
    assert!(ok, "{out}");
    assert!(out.contains("users: no national body's user"), "{out}");

    // An account made before the rule, written past today's checks.
    let store = db.store().await;
    let mut tx = store.begin().await.expect("begin");
    tx.add_user(
        "u-old",
        "old.worker",
        "ministry",
        &[Role::Coordinator].into_iter().collect(),
        None,
        0,
    )
    .await
    .expect("add");
    tx.audit(crate::support::test_entry(0, "user.added"))
        .await
        .expect("audit");
    tx.commit().await.expect("commit");
    store.close().await;
    let (ok, out) = run(&["check-config", "--addr", "127.0.0.1:0"]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("old.worker of the national body ministry holds coordinator")
            && out.contains("awladna user move old.worker --org"),
        "{out}"
    );
    let (ok, out) = run(&["user", "move", "old.worker", "--org", "ministry"]);
    assert!(!ok && out.contains("one province"), "{out}");
    let (ok, out) = run(&["user", "move", "old.worker", "--org", "sale-centre"]);
    assert!(ok, "{out}");
    let (ok, out) = run(&["check-config", "--addr", "127.0.0.1:0"]);
    assert!(ok, "{out}");
    db.finish().await;
}
on_each_backend!(the_command_line_refuses_reports_and_moves_national_identity_roles);
