//! Administration in the web interface, within the administrator's territory.

use crate::support::{Backend, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;

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
        app.post_json(
            "/api/v1/auth/login",
            &[],
            &serde_json::json!({"username": name, "password": user.password}),
        )
        .await;
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
    assert!(own.body.contains("<code>login</code>"));
    let bad_date = app
        .get_with("/audit?from=2026-13-45", &[("cookie", &cookie)])
        .await;
    assert_eq!(bad_date.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.finish().await;
}
on_each_backend!(coordinators_read_their_provinces_audit_log);
