//! Every route × every role: the policy's answer must match the matrix written here.
//! A route added without a line in this matrix fails the test.

use crate::support::{Backend, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::body::Body;
use axum::http::{Method, StatusCode};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Anyone,
    SignedIn,
    Only(&'static [Role]),
}

const ADMINS: &[Role] = &[Role::Administrator];
const AUDITORS: &[Role] = &[Role::Administrator, Role::Coordinator];
const IDENTITY_READERS: &[Role] = &[
    Role::CaseWorker,
    Role::Coordinator,
    Role::InformationOfficer,
    Role::FocalPoint,
];
const CASE_READERS: &[Role] = &[
    Role::CaseWorker,
    Role::Coordinator,
    Role::InformationOfficer,
];
const CASE_WORKERS: &[Role] = &[Role::CaseWorker, Role::Coordinator];
const DIRECTORY_KEEPERS: &[Role] = &[Role::Coordinator, Role::Secretariat, Role::Administrator];
const REFERRAL_USERS: &[Role] = &[Role::CaseWorker, Role::Coordinator, Role::FocalPoint];
const STATISTICS_READERS: &[Role] = &[
    Role::CaseWorker,
    Role::Coordinator,
    Role::InformationOfficer,
    Role::Secretariat,
    Role::CommitteeMember,
    Role::NationalAnalyst,
];

const REPORT_PREPARERS: &[Role] = &[
    Role::InformationOfficer,
    Role::Secretariat,
    Role::NationalAnalyst,
];
const REPORT_APPROVERS: &[Role] = &[
    Role::Coordinator,
    Role::CommitteeMember,
    Role::NationalAnalyst,
];

#[rustfmt::skip] // one route per line reads as a table
const MATRIX: &[(&str, &str, Who)] = &[
    ("GET", "/", Who::Anyone),
    ("GET", "/lang/{code}", Who::Anyone),
    ("GET", "/reference", Who::Anyone),
    ("GET", "/forms", Who::Anyone),
    ("GET", "/forms/{code}", Who::Anyone),
    ("POST", "/forms/{code}", Who::Anyone),
    ("GET", "/fragments/communes", Who::Anyone),
    ("GET", "/assets/{*path}", Who::Anyone),
    ("GET", "/healthz", Who::Anyone),
    ("GET", "/login", Who::Anyone),
    ("POST", "/login", Who::Anyone),
    ("GET", "/login/second-factor", Who::SignedIn),
    ("POST", "/login/second-factor", Who::SignedIn),
    ("POST", "/logout", Who::SignedIn),
    ("GET", "/account", Who::SignedIn),
    ("GET", "/account/second-factor", Who::SignedIn),
    ("POST", "/account/second-factor", Who::SignedIn),
    ("POST", "/account/sessions/end-all", Who::SignedIn),
    ("GET", "/admin/users", Who::Only(ADMINS)),
    ("POST", "/admin/users", Who::Only(ADMINS)),
    ("POST", "/admin/users/{id}/disable", Who::Only(ADMINS)),
    ("POST", "/admin/users/{id}/reset", Who::Only(ADMINS)),
    ("GET", "/admin/organisations", Who::Only(ADMINS)),
    ("POST", "/admin/organisations", Who::Only(ADMINS)),
    ("GET", "/audit", Who::Only(AUDITORS)),
    ("GET", "/help", Who::Anyone),
    ("GET", "/help/{territory}", Who::Anyone),
    ("GET", "/directory", Who::Only(DIRECTORY_KEEPERS)),
    ("GET", "/directory/export.csv", Who::Only(DIRECTORY_KEEPERS)),
    ("POST", "/directory/import", Who::Only(DIRECTORY_KEEPERS)),
    ("GET", "/directory/organisations/{code}", Who::Only(DIRECTORY_KEEPERS)),
    ("POST", "/directory/organisations/{code}", Who::Only(DIRECTORY_KEEPERS)),
    ("GET", "/api/v1/directory", Who::Anyone),
    ("GET", "/stats", Who::Only(STATISTICS_READERS)),
    ("GET", "/stats/export/{format}", Who::Only(STATISTICS_READERS)),
    ("GET", "/api/v1/stats", Who::Only(STATISTICS_READERS)),
    ("GET", "/api/v1/stats/{indicator}", Who::Only(STATISTICS_READERS)),
    // Periodic reports.
    ("GET", "/periodic-reports", Who::Only(STATISTICS_READERS)),
    ("POST", "/periodic-reports", Who::Only(REPORT_PREPARERS)),
    ("GET", "/periodic-reports/{id}", Who::Only(STATISTICS_READERS)),
    ("GET", "/periodic-reports/{id}/export.xlsx", Who::Only(STATISTICS_READERS)),
    ("GET", "/periodic-reports/{id}/export.csv", Who::Only(STATISTICS_READERS)),
    ("GET", "/periodic-reports/{id}/export.pdf", Who::Only(STATISTICS_READERS)),
    ("GET", "/periodic-reports/{id}/dhis2.json", Who::Only(STATISTICS_READERS)),
    ("POST", "/periodic-reports/{id}/refresh", Who::Only(REPORT_PREPARERS)),
    ("POST", "/periodic-reports/{id}/approve", Who::Only(REPORT_APPROVERS)),
    ("POST", "/periodic-reports/{id}/submit", Who::Only(REPORT_PREPARERS)),
    ("POST", "/api/v1/periodic-reports", Who::Only(REPORT_PREPARERS)),
    ("GET", "/api/v1/periodic-reports", Who::Only(STATISTICS_READERS)),
    ("GET", "/api/v1/periodic-reports/{id}", Who::Only(STATISTICS_READERS)),
    ("POST", "/api/v1/periodic-reports/{id}/refresh", Who::Only(REPORT_PREPARERS)),
    ("POST", "/api/v1/periodic-reports/{id}/approve", Who::Only(REPORT_APPROVERS)),
    ("POST", "/api/v1/periodic-reports/{id}/submit", Who::Only(REPORT_PREPARERS)),
    ("POST", "/api/v1/auth/login", Who::Anyone),
    ("POST", "/api/v1/auth/logout", Who::SignedIn),
    ("GET", "/reports/new", Who::Only(IDENTITY_READERS)),
    ("POST", "/reports/new", Who::Only(IDENTITY_READERS)),
    ("GET", "/reports/{id}", Who::Only(IDENTITY_READERS)),
    ("POST", "/reports/{id}/triage", Who::Only(CASE_WORKERS)),
    ("GET", "/reports/waiting", Who::Only(CASE_WORKERS)),
    ("GET", "/alerts", Who::Only(&[Role::Coordinator])),
    ("GET", "/cases", Who::Only(CASE_READERS)),
    ("GET", "/cases/{id}", Who::Only(CASE_READERS)),
    ("POST", "/cases/{id}/move", Who::Only(CASE_WORKERS)),
    ("GET", "/cases/{id}/evaluate", Who::Only(CASE_WORKERS)),
    ("POST", "/cases/{id}/evaluate", Who::Only(CASE_WORKERS)),
    ("GET", "/cases/{id}/cards/{form}", Who::Only(CASE_WORKERS)),
    ("POST", "/cases/{id}/cards/{form}", Who::Only(CASE_WORKERS)),
    ("GET", "/cases/{id}/plan", Who::Only(CASE_WORKERS)),
    ("POST", "/cases/{id}/plan", Who::Only(CASE_WORKERS)),
    ("POST", "/cases/{id}/plan/{action}/status", Who::Only(CASE_WORKERS)),
    ("POST", "/cases/{id}/assign", Who::Only(&[Role::Coordinator])),
    ("GET", "/cases/{id}/files/{part}", Who::Only(CASE_READERS)),
    ("POST", "/cases/{id}/files/{part}/documents", Who::Only(CASE_WORKERS)),
    ("GET", "/cases/{id}/documents/{document}", Who::Only(CASE_READERS)),
    ("GET", "/cases/{id}/identity", Who::Only(CASE_WORKERS)),
    ("POST", "/cases/{id}/identity", Who::Only(CASE_WORKERS)),
    ("GET", "/cases/{id}/subject-access", Who::Only(&[Role::Coordinator])),
    ("POST", "/cases/{id}/subject-access", Who::Only(&[Role::Coordinator])),
    ("GET", "/actions/overdue", Who::Only(CASE_READERS)),
    ("GET", "/children", Who::Only(CASE_READERS)),
    ("POST", "/children/search", Who::Only(CASE_READERS)),
    ("GET", "/cases/{id}/refer", Who::Only(CASE_WORKERS)),
    ("POST", "/cases/{id}/refer", Who::Only(CASE_WORKERS)),
    ("GET", "/referrals", Who::Only(REFERRAL_USERS)),
    ("GET", "/referrals/{id}", Who::Only(REFERRAL_USERS)),
    ("GET", "/referrals/{id}/card.pdf", Who::Only(REFERRAL_USERS)),
    ("POST", "/referrals/{id}/{step}", Who::Only(REFERRAL_USERS)),
    ("POST", "/api/v1/reports", Who::Only(IDENTITY_READERS)),
    ("GET", "/api/v1/reports/{id}", Who::Only(IDENTITY_READERS)),
    (
        "POST",
        "/api/v1/reports/{id}/triage",
        Who::Only(CASE_WORKERS),
    ),
    (
        "GET",
        "/api/v1/reports/{id}/candidates",
        Who::Only(CASE_WORKERS),
    ),
    ("GET", "/api/v1/children", Who::Only(CASE_READERS)),
    ("GET", "/api/v1/cases", Who::Only(CASE_READERS)),
    ("GET", "/api/v1/cases/{id}", Who::Only(CASE_READERS)),
    ("POST", "/api/v1/cases/{id}/transitions", Who::Only(CASE_WORKERS)),
    ("POST", "/api/v1/cases/{id}/evaluations", Who::Only(CASE_WORKERS)),
    ("GET", "/api/v1/cases/{id}/cards/{form}", Who::Only(CASE_READERS)),
    ("POST", "/api/v1/cases/{id}/cards/{form}", Who::Only(CASE_WORKERS)),
    ("GET", "/api/v1/cases/{id}/plan", Who::Only(CASE_READERS)),
    ("POST", "/api/v1/cases/{id}/plan", Who::Only(CASE_WORKERS)),
    ("POST", "/api/v1/plan-actions/{id}/status", Who::Only(CASE_WORKERS)),
    ("GET", "/api/v1/plan-actions/overdue", Who::Only(CASE_READERS)),
    ("POST", "/api/v1/cases/{id}/assignment", Who::Only(&[Role::Coordinator])),
    ("GET", "/api/v1/cases/{id}/files/{part}", Who::Only(CASE_READERS)),
    ("POST", "/api/v1/cases/{id}/documents", Who::Only(CASE_WORKERS)),
    ("GET", "/api/v1/cases/{id}/documents/{document}", Who::Only(CASE_READERS)),
    ("POST", "/api/v1/cases/{id}/referrals", Who::Only(CASE_WORKERS)),
    ("GET", "/api/v1/referrals", Who::Only(REFERRAL_USERS)),
    ("GET", "/api/v1/referrals/waiting", Who::Only(REFERRAL_USERS)),
    ("GET", "/api/v1/referrals/{id}", Who::Only(REFERRAL_USERS)),
    ("POST", "/api/v1/referrals/{id}/{step}", Who::Only(REFERRAL_USERS)),
    ("GET", "/api/v1/events", Who::Only(REFERRAL_USERS)),
    ("POST", "/api/v1/break-glass", Who::Only(IDENTITY_READERS)),
    ("GET", "/api/v1/alerts", Who::Only(&[Role::Coordinator])),
    ("GET", "/api/v1/reference", Who::Anyone),
    ("GET", "/api/v1/reference/territories", Who::Anyone),
    (
        "GET",
        "/api/v1/reference/territories/{code}/communes",
        Who::Anyone,
    ),
    ("GET", "/api/v1/reference/{vocabulary}", Who::Anyone),
    ("GET", "/api/v1/forms", Who::Anyone),
    ("GET", "/api/v1/forms/{code}", Who::Anyone),
    ("POST", "/api/v1/forms/{code}/check", Who::Anyone),
];

/// A concrete path for a route pattern.
fn sample(path: &str) -> String {
    path.replace("/lang/{code}", "/lang/fr")
        .replace("/territories/{code}", "/territories/sale")
        .replace("{territory}", "sale")
        .replace("{code}", "report")
        .replace("{form}", "followup")
        .replace("{part}", "social")
        .replace("{action}", "00000000-0000-0000-0000-000000000000")
        .replace("{document}", "00000000-0000-0000-0000-000000000000")
        .replace("{step}", "accept")
        .replace("{vocabulary}", "sources")
        .replace("{id}", "00000000-0000-0000-0000-000000000000")
        .replace("{*path}", "style.css")
}

/// Whether the gate let the request through (the handler may still refuse the input).
fn let_through(answer: &crate::support::Answer) -> bool {
    let to_sign_in = answer.status == StatusCode::SEE_OTHER
        && answer.header("location").starts_with("/login?next=");
    !matches!(
        answer.status,
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
    ) && !to_sign_in
}

async fn every_route_answers_each_role_as_the_matrix_says(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let routes = awladna_web::routes();
    for route in &routes {
        let listed = MATRIX
            .iter()
            .any(|(m, p, _)| *m == route.method.as_str() && *p == route.path);
        assert!(
            listed,
            "{} {} has no line in the policy matrix",
            route.method, route.path
        );
    }
    assert_eq!(
        routes.len(),
        MATRIX.len(),
        "the matrix lists a route that does not exist"
    );

    let (anon_cookie, anon_csrf) = app.anonymous_csrf().await;
    let mut users = Vec::new();
    for (i, role) in Role::ALL.into_iter().enumerate() {
        users.push((
            role,
            app.user(
                &format!("user{i}"),
                "sale-centre",
                &[role],
                role.requires_two_factor(),
            )
            .await,
        ));
    }
    let callers: Vec<(Option<Role>, Option<&crate::support::TestUser>)> =
        std::iter::once((None, None))
            .chain(users.iter().map(|(role, user)| (Some(*role), Some(user))))
            .collect();
    for (method, path, who) in MATRIX {
        for (role, user) in &callers {
            // Some routes end the session: each request gets a fresh one.
            let (cookie, csrf) = match user {
                Some(user) => app.session(user).await,
                None => (anon_cookie.clone(), anon_csrf.clone()),
            };
            let headers = [
                ("cookie", cookie.as_str()),
                ("x-csrf-token", csrf.as_str()),
                ("content-type", "application/json"),
            ];
            let method: Method = method.parse().expect("method");
            let answer = app
                .request(method.clone(), &sample(path), &headers, Body::from("{}"))
                .await;
            let expected = match who {
                Who::Anyone => true,
                Who::SignedIn => role.is_some(),
                Who::Only(roles) => role.is_some_and(|r| roles.contains(&r)),
            };
            assert_eq!(
                let_through(&answer),
                expected,
                "{method} {path} as {role:?}: {} {}",
                answer.status,
                answer.header("location")
            );
        }
    }
    app.finish().await;
}
on_each_backend!(every_route_answers_each_role_as_the_matrix_says);
