//! Every route × every role: the policy's answer must match the matrix written here.
//! A route added without a line in this matrix fails the test.

use crate::support::{Backend, Signed, TestApp, linking_card, on_each_backend};
use awladna_domain::access::Role;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::json;

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
    Role::CommitteeChair,
    Role::TechnicalOfficer,
];

/// The data-quality page (issue 19 §3).
const QUALITY_REVIEWERS: &[Role] = &[
    Role::Coordinator,
    Role::InformationOfficer,
    Role::TechnicalOfficer,
    Role::NationalAnalyst,
];

/// The committee's people (issue 14): none of them reads a child's identity.
const COMMITTEE_READERS: &[Role] = &[
    Role::Coordinator,
    Role::Secretariat,
    Role::CommitteeMember,
    Role::CommitteeChair,
    Role::TechnicalOfficer,
];
const COMMITTEE_KEEPERS: &[Role] = &[Role::Secretariat];
const MINUTES_APPROVERS: &[Role] = &[Role::CommitteeChair];
const DECISION_FOLLOWERS: &[Role] = &[Role::Secretariat, Role::TechnicalOfficer];
/// The diagnosis and the action plan (issue 14 §3–4).
const PLANNING_READERS: &[Role] = &[
    Role::Coordinator,
    Role::FocalPoint,
    Role::Secretariat,
    Role::CommitteeMember,
    Role::NationalAnalyst,
    Role::CommitteeChair,
    Role::TechnicalOfficer,
];
const DIAGNOSIS_OPENERS: &[Role] = &[Role::Secretariat];
const PLANNING_CONTRIBUTORS: &[Role] = &[Role::FocalPoint];
const PLANNING_DRAFTERS: &[Role] = &[Role::TechnicalOfficer];
const PLANNING_APPROVERS: &[Role] = &[Role::CommitteeChair];

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

/// Training, rollout and library (issue 15).
const TRAINING_READERS: &[Role] = &[
    Role::Coordinator,
    Role::InformationOfficer,
    Role::Secretariat,
    Role::CommitteeMember,
    Role::CommitteeChair,
    Role::TechnicalOfficer,
    Role::NationalAnalyst,
];
const TRAINING_RUNNERS: &[Role] = &[Role::Coordinator, Role::Secretariat, Role::NationalAnalyst];
const ROLLOUT_READERS: &[Role] = &[
    Role::Coordinator,
    Role::Secretariat,
    Role::CommitteeMember,
    Role::CommitteeChair,
    Role::TechnicalOfficer,
    Role::NationalAnalyst,
];
const ROLLOUT_KEEPERS: &[Role] = &[Role::Secretariat, Role::NationalAnalyst];
const LIBRARY_READERS: &[Role] = &Role::ALL;
const LIBRARY_KEEPERS: &[Role] = &[Role::NationalAnalyst];

#[rustfmt::skip] // one route per line reads as a table
const MATRIX: &[(&str, &str, Who)] = &[
    // Issue 17 §1: the Observatory's token (no role opens its API), its operators, and
    // the administrators' outbox.
    ("POST", "/api/v1/observatory/reports", Who::Only(&[])),
    ("GET", "/api/v1/observatory/statuses", Who::Only(&[])),
    ("GET", "/observatory", Who::Only(&[Role::ObservatoryOperator])),
    ("GET", "/admin/observatory", Who::Only(ADMINS)),
    ("POST", "/admin/observatory/{id}/send-again", Who::Only(ADMINS)),
    // Issue 19 §3: the data-quality page.
    ("GET", "/quality", Who::Only(QUALITY_REVIEWERS)),
    // Issue 19 §3: the public statistics, and a province's choice to be shown there (its
    // coordinator or administrator).
    ("GET", "/public/statistics", Who::Anyone),
    ("POST", "/stats/public-choice", Who::Only(AUDITORS)),
    // Issue 15.
    ("GET", "/training", Who::Only(TRAINING_READERS)),
    ("POST", "/training/sessions", Who::Only(TRAINING_RUNNERS)),
    ("POST", "/training/trainers", Who::Only(TRAINING_RUNNERS)),
    // Modules are the ministry's: the page's gate lets the runners in (the use case
    // refuses a province's, as the JSON route below shows).
    ("POST", "/training/modules", Who::Only(TRAINING_RUNNERS)),
    ("GET", "/training/sessions/{id}", Who::Only(TRAINING_READERS)),
    ("POST", "/training/sessions/{id}/participants", Who::Only(TRAINING_RUNNERS)),
    ("POST", "/training/sessions/{id}/attendance", Who::Only(TRAINING_RUNNERS)),
    ("POST", "/training/sessions/{id}/results", Who::Only(TRAINING_RUNNERS)),
    ("GET", "/training/sessions/{id}/attestations/{trainee}", Who::Only(TRAINING_RUNNERS)),
    ("GET", "/training/coverage", Who::Only(TRAINING_READERS)),
    ("GET", "/training/trained", Who::Only(TRAINING_READERS)),
    ("GET", "/training/export.xlsx", Who::Only(TRAINING_READERS)),
    ("GET", "/rollout", Who::Only(ROLLOUT_READERS)),
    ("POST", "/rollout/{territory}/{milestone}", Who::Only(ROLLOUT_KEEPERS)),
    ("GET", "/library", Who::Only(LIBRARY_READERS)),
    ("POST", "/library", Who::Only(LIBRARY_KEEPERS)),
    ("GET", "/library/{series}", Who::Only(LIBRARY_READERS)),
    ("POST", "/library/{series}", Who::Only(LIBRARY_KEEPERS)),
    ("GET", "/help/library", Who::Anyone),
    ("GET", "/help/library/{series}", Who::Anyone),
    ("GET", "/guide", Who::Anyone),
    ("GET", "/api/v1/training/modules", Who::Only(TRAINING_READERS)),
    ("POST", "/api/v1/training/modules", Who::Only(&[Role::NationalAnalyst])),
    ("GET", "/api/v1/training/trainers", Who::Only(TRAINING_READERS)),
    ("POST", "/api/v1/training/trainers", Who::Only(TRAINING_RUNNERS)),
    ("GET", "/api/v1/training/sessions", Who::Only(TRAINING_READERS)),
    ("POST", "/api/v1/training/sessions", Who::Only(TRAINING_RUNNERS)),
    ("GET", "/api/v1/training/sessions/{id}", Who::Only(TRAINING_READERS)),
    ("POST", "/api/v1/training/sessions/{id}/participants", Who::Only(TRAINING_RUNNERS)),
    ("POST", "/api/v1/training/sessions/{id}/attendance", Who::Only(TRAINING_RUNNERS)),
    ("POST", "/api/v1/training/sessions/{id}/results", Who::Only(TRAINING_RUNNERS)),
    ("GET", "/api/v1/training/coverage", Who::Only(TRAINING_READERS)),
    ("POST", "/api/v1/training/staff", Who::Only(TRAINING_RUNNERS)),
    ("GET", "/api/v1/training/plan", Who::Only(TRAINING_READERS)),
    ("GET", "/api/v1/training/trainees/{id}", Who::Only(TRAINING_READERS)),
    ("GET", "/api/v1/rollout", Who::Only(ROLLOUT_READERS)),
    ("POST", "/api/v1/rollout/milestones/{code}", Who::Only(&[Role::NationalAnalyst])),
    ("POST", "/api/v1/rollout/{territory}/{milestone}", Who::Only(ROLLOUT_KEEPERS)),
    ("GET", "/api/v1/library", Who::Only(LIBRARY_READERS)),
    ("POST", "/api/v1/library", Who::Only(LIBRARY_KEEPERS)),
    ("GET", "/api/v1/library/public", Who::Anyone),
    ("GET", "/api/v1/library/{series}", Who::Only(LIBRARY_READERS)),
    ("POST", "/api/v1/library/{series}", Who::Only(LIBRARY_KEEPERS)),
    // Issue 15 §4 / 19 §1: the unified protocol and its figures.
    ("GET", "/protocol", Who::Only(LIBRARY_READERS)),
    ("GET", "/protocol/{version}", Who::Only(LIBRARY_READERS)),
    ("GET", "/stats/protocol", Who::Only(STATISTICS_READERS)),
    ("GET", "/", Who::Anyone),
    ("GET", "/lang/{code}", Who::Anyone),
    ("GET", "/reference", Who::Anyone),
    ("GET", "/forms", Who::Anyone),
    ("GET", "/forms/{code}", Who::Anyone),
    ("POST", "/forms/{code}", Who::Anyone),
    ("GET", "/fragments/communes", Who::Anyone),
    ("GET", "/assets/{*path}", Who::Anyone),
    ("GET", "/healthz", Who::Anyone),
    ("GET", "/sw.js", Who::Anyone),
    ("GET", "/manifest.webmanifest", Who::Anyone),
    ("GET", "/capture", Who::Only(IDENTITY_READERS)),
    ("GET", "/capture/{form}", Who::Only(CASE_WORKERS)),
    ("GET", "/api/v1/field/copy", Who::Only(CASE_WORKERS)),
    ("POST", "/api/v1/cases/{id}/cards/{form}/offline", Who::Only(CASE_WORKERS)),
    ("GET", "/login", Who::Anyone),
    ("POST", "/login", Who::Anyone),
    ("GET", "/login/second-factor", Who::SignedIn),
    ("POST", "/login/second-factor", Who::SignedIn),
    ("POST", "/logout", Who::SignedIn),
    ("GET", "/account", Who::SignedIn),
    ("GET", "/account/second-factor", Who::SignedIn),
    ("POST", "/account/second-factor", Who::SignedIn),
    ("POST", "/account/sessions/end-all", Who::SignedIn),
    ("POST", "/account/devices/{id}/revoke", Who::SignedIn),
    ("POST", "/api/v1/devices", Who::SignedIn),
    ("POST", "/api/v1/devices/{id}/revoke", Who::SignedIn),
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
    ("GET", "/stats/table", Who::Only(STATISTICS_READERS)),
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
    // The provincial committee.
    ("GET", "/committee", Who::Only(COMMITTEE_READERS)),
    ("POST", "/committee/members", Who::Only(COMMITTEE_KEEPERS)),
    ("POST", "/committee/members/{id}", Who::Only(COMMITTEE_KEEPERS)),
    ("POST", "/committee/members/{id}/end", Who::Only(COMMITTEE_KEEPERS)),
    ("POST", "/committee/quorum", Who::Only(COMMITTEE_KEEPERS)),
    ("POST", "/meetings", Who::Only(COMMITTEE_KEEPERS)),
    ("GET", "/meetings/{id}", Who::Only(COMMITTEE_READERS)),
    ("POST", "/meetings/{id}/items", Who::Only(COMMITTEE_KEEPERS)),
    ("POST", "/meetings/{id}/convene", Who::Only(COMMITTEE_KEEPERS)),
    ("POST", "/meetings/{id}/attendance", Who::Only(COMMITTEE_KEEPERS)),
    ("POST", "/meetings/{id}/minutes", Who::Only(COMMITTEE_KEEPERS)),
    ("POST", "/meetings/{id}/decisions", Who::Only(COMMITTEE_KEEPERS)),
    ("POST", "/meetings/{id}/approve", Who::Only(MINUTES_APPROVERS)),
    ("GET", "/meetings/{id}/convocation.pdf", Who::Only(COMMITTEE_READERS)),
    ("GET", "/meetings/{id}/attendance.pdf", Who::Only(COMMITTEE_READERS)),
    ("GET", "/meetings/{id}/minutes.pdf", Who::Only(COMMITTEE_READERS)),
    ("GET", "/decisions", Who::Only(COMMITTEE_READERS)),
    ("GET", "/decisions/{id}", Who::Only(COMMITTEE_READERS)),
    ("POST", "/decisions/{id}/follow-up", Who::Only(DECISION_FOLLOWERS)),
    ("GET", "/api/v1/committee", Who::Only(COMMITTEE_READERS)),
    ("POST", "/api/v1/committee/members", Who::Only(COMMITTEE_KEEPERS)),
    ("GET", "/api/v1/committee/members/{id}", Who::Only(COMMITTEE_READERS)),
    ("POST", "/api/v1/committee/members/{id}", Who::Only(COMMITTEE_KEEPERS)),
    ("POST", "/api/v1/committee/members/{id}/end", Who::Only(COMMITTEE_KEEPERS)),
    ("POST", "/api/v1/committee/quorum", Who::Only(COMMITTEE_KEEPERS)),
    ("GET", "/api/v1/meetings", Who::Only(COMMITTEE_READERS)),
    ("POST", "/api/v1/meetings", Who::Only(COMMITTEE_KEEPERS)),
    ("GET", "/api/v1/meetings/{id}", Who::Only(COMMITTEE_READERS)),
    ("POST", "/api/v1/meetings/{id}", Who::Only(COMMITTEE_KEEPERS)),
    ("POST", "/api/v1/meetings/{id}/items", Who::Only(COMMITTEE_KEEPERS)),
    ("POST", "/api/v1/meetings/{id}/convene", Who::Only(COMMITTEE_KEEPERS)),
    ("POST", "/api/v1/meetings/{id}/attendance", Who::Only(COMMITTEE_KEEPERS)),
    ("POST", "/api/v1/meetings/{id}/minutes", Who::Only(COMMITTEE_KEEPERS)),
    ("POST", "/api/v1/meetings/{id}/decisions", Who::Only(COMMITTEE_KEEPERS)),
    ("POST", "/api/v1/meetings/{id}/approve", Who::Only(MINUTES_APPROVERS)),
    ("GET", "/api/v1/decisions", Who::Only(COMMITTEE_READERS)),
    ("GET", "/api/v1/decisions/{id}", Who::Only(COMMITTEE_READERS)),
    ("POST", "/api/v1/decisions/{id}/follow-up", Who::Only(DECISION_FOLLOWERS)),
    ("POST", "/api/v1/auth/login", Who::Anyone),
    ("POST", "/api/v1/auth/logout", Who::SignedIn),
    ("GET", "/reports/new", Who::Only(IDENTITY_READERS)),
    ("POST", "/reports/new", Who::Only(IDENTITY_READERS)),
    ("GET", "/reports/{id}", Who::Only(IDENTITY_READERS)),
    ("GET", "/reports/{id}/edit", Who::Only(IDENTITY_READERS)),
    ("POST", "/reports/{id}/edit", Who::Only(IDENTITY_READERS)),
    ("GET", "/reports/abandoned", Who::Only(&[Role::Coordinator])),
    ("POST", "/reports/{id}/triage", Who::Only(CASE_WORKERS)),
    ("GET", "/reports/waiting", Who::Only(CASE_WORKERS)),
    ("GET", "/alerts", Who::Only(&[Role::Coordinator])),
    ("GET", "/tasks", Who::Only(CASE_WORKERS)),
    ("POST", "/alerts/{id}/reviewed", Who::Only(&[Role::Coordinator])),
    ("GET", "/cases", Who::Only(CASE_READERS)),
    ("GET", "/cases/{id}", Who::Only(CASE_READERS)),
    ("POST", "/cases/{id}/move", Who::Only(CASE_WORKERS)),
    ("GET", "/cases/{id}/evaluate", Who::Only(CASE_WORKERS)),
    ("POST", "/cases/{id}/evaluate", Who::Only(CASE_WORKERS)),
    ("GET", "/cases/{id}/cards/{form}", Who::Only(CASE_WORKERS)),
    ("POST", "/cases/{id}/cards/{form}", Who::Only(CASE_WORKERS)),
    ("GET", "/cases/{id}/records/{card}", Who::Only(CASE_READERS)),
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
    ("POST", "/referrals/{id}/answer", Who::Only(REFERRAL_USERS)),
    ("GET", "/referrals/{id}/documents/{document}", Who::Only(REFERRAL_USERS)),
    ("GET", "/referrals/{id}/entries/{part}", Who::Only(REFERRAL_USERS)),
    ("POST", "/referrals/{id}/entries/{part}", Who::Only(REFERRAL_USERS)),
    ("POST", "/api/v1/reports", Who::Only(IDENTITY_READERS)),
    ("GET", "/api/v1/reports/{id}", Who::Only(IDENTITY_READERS)),
    ("POST", "/api/v1/reports/{id}/versions", Who::Only(IDENTITY_READERS)),
    ("GET", "/api/v1/drafts/abandoned", Who::Only(&[Role::Coordinator])),
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
    // Issue 19 §1: the checks 6 and 12 months after a closure.
    ("POST", "/api/v1/cases/{id}/outcome-checks", Who::Only(CASE_WORKERS)),
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
    ("POST", "/api/v1/referrals/{id}/entries", Who::Only(REFERRAL_USERS)),
    ("POST", "/api/v1/referrals/{id}/documents", Who::Only(REFERRAL_USERS)),
    ("POST", "/api/v1/referrals/{id}/answer", Who::Only(REFERRAL_USERS)),
    ("GET", "/api/v1/referrals/{id}/contributions", Who::Only(REFERRAL_USERS)),
    ("GET", "/api/v1/referrals/{id}/documents/{document}", Who::Only(REFERRAL_USERS)),
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
    // Issue 14 §3–4: the diagnosis and the action plan.
    ("GET", "/diagnoses", Who::Only(PLANNING_READERS)),
    ("POST", "/diagnoses", Who::Only(DIAGNOSIS_OPENERS)),
    ("GET", "/diagnoses/compare", Who::Only(PLANNING_READERS)),
    ("GET", "/diagnoses/{id}", Who::Only(PLANNING_READERS)),
    ("GET", "/diagnoses/{id}/sections/{area}", Who::Only(PLANNING_CONTRIBUTORS)),
    ("POST", "/diagnoses/{id}/sections/{area}", Who::Only(PLANNING_CONTRIBUTORS)),
    ("POST", "/diagnoses/{id}/consolidate", Who::Only(PLANNING_DRAFTERS)),
    ("POST", "/diagnoses/{id}/approve", Who::Only(PLANNING_APPROVERS)),
    ("GET", "/action-plans", Who::Only(PLANNING_READERS)),
    ("POST", "/action-plans", Who::Only(PLANNING_DRAFTERS)),
    ("GET", "/action-plans/national", Who::Only(PLANNING_READERS)),
    ("GET", "/action-plans/national.xlsx", Who::Only(PLANNING_READERS)),
    ("GET", "/action-plans/{id}", Who::Only(PLANNING_READERS)),
    ("POST", "/action-plans/{id}/edit", Who::Only(PLANNING_DRAFTERS)),
    ("POST", "/action-plans/{id}/approve", Who::Only(PLANNING_APPROVERS)),
    ("POST", "/action-plans/{id}/revise", Who::Only(PLANNING_DRAFTERS)),
    ("POST", "/action-plans/{id}/actions/{action}/progress", Who::Only(PLANNING_CONTRIBUTORS)),
    ("GET", "/api/v1/diagnoses", Who::Only(PLANNING_READERS)),
    ("POST", "/api/v1/diagnoses", Who::Only(DIAGNOSIS_OPENERS)),
    ("GET", "/api/v1/diagnoses/compare", Who::Only(PLANNING_READERS)),
    ("GET", "/api/v1/diagnoses/{id}", Who::Only(PLANNING_READERS)),
    ("POST", "/api/v1/diagnoses/{id}/sections/{area}", Who::Only(PLANNING_CONTRIBUTORS)),
    ("POST", "/api/v1/diagnoses/{id}/consolidate", Who::Only(PLANNING_DRAFTERS)),
    ("POST", "/api/v1/diagnoses/{id}/approve", Who::Only(PLANNING_APPROVERS)),
    ("GET", "/api/v1/action-plans", Who::Only(PLANNING_READERS)),
    ("POST", "/api/v1/action-plans", Who::Only(PLANNING_DRAFTERS)),
    ("GET", "/api/v1/action-plans/national", Who::Only(PLANNING_READERS)),
    ("GET", "/api/v1/action-plans/{id}", Who::Only(PLANNING_READERS)),
    ("POST", "/api/v1/action-plans/{id}/edit", Who::Only(PLANNING_DRAFTERS)),
    ("POST", "/api/v1/action-plans/{id}/approve", Who::Only(PLANNING_APPROVERS)),
    ("POST", "/api/v1/action-plans/{id}/revise", Who::Only(PLANNING_DRAFTERS)),
    ("POST", "/api/v1/action-plans/{id}/actions/{action}/progress", Who::Only(PLANNING_CONTRIBUTORS)),
    ("POST", "/api/v1/action-plans/{id}/progress/{entry}/review", Who::Only(PLANNING_DRAFTERS)),
    // journeys2 (issue 18): flags on a case.
    ("GET", "/cases/{id}/flags", Who::Only(CASE_WORKERS)),
    ("POST", "/cases/{id}/flags", Who::Only(CASE_WORKERS)),
    ("POST", "/cases/{id}/flags/remove", Who::Only(CASE_WORKERS)),
    ("GET", "/api/v1/cases/{id}/flags", Who::Only(CASE_WORKERS)),
    ("POST", "/api/v1/cases/{id}/flags", Who::Only(CASE_WORKERS)),
    ("POST", "/api/v1/cases/{id}/flags/remove", Who::Only(CASE_WORKERS)),
    // journeys2 (issue 18): supervisor approval.
    ("POST", "/cases/{id}/approvals", Who::Only(CASE_WORKERS)),
    ("GET", "/cases/{id}/approvals", Who::Only(&[Role::Coordinator])),
    ("POST", "/cases/{id}/approvals/decide", Who::Only(&[Role::Coordinator])),
    ("POST", "/api/v1/cases/{id}/approvals", Who::Only(CASE_WORKERS)),
    ("POST", "/api/v1/cases/{id}/approvals/decide", Who::Only(&[Role::Coordinator])),
    ("POST", "/lang/form", Who::Anyone),
    // Issue 15 §4: transfers between provinces.
    ("GET", "/cases/{id}/transfer", Who::Only(CASE_WORKERS)),
    ("POST", "/cases/{id}/transfer", Who::Only(CASE_WORKERS)),
    ("GET", "/transfers", Who::Only(CASE_READERS)),
    ("GET", "/transfers/{id}", Who::Only(CASE_READERS)),
    ("POST", "/transfers/{id}/answer", Who::Only(&[Role::Coordinator])),
    ("POST", "/transfers/{id}/release", Who::Only(CASE_WORKERS)),
    ("POST", "/api/v1/cases/{id}/transfers", Who::Only(CASE_WORKERS)),
    ("GET", "/api/v1/transfers", Who::Only(CASE_READERS)),
    ("POST", "/api/v1/transfers/{id}/answer", Who::Only(&[Role::Coordinator])),
    ("POST", "/api/v1/transfers/{id}/release", Who::Only(CASE_WORKERS)),
    // Issue 18: two records of one child merged.
    ("GET", "/cases/{id}/merge", Who::Only(CASE_WORKERS)),
    ("POST", "/cases/{id}/merge", Who::Only(CASE_WORKERS)),
    ("POST", "/cases/{id}/merge/undo", Who::Only(CASE_WORKERS)),
    ("POST", "/api/v1/children/merges", Who::Only(CASE_WORKERS)),
    ("POST", "/api/v1/children/merges/{id}/undo", Who::Only(CASE_WORKERS)),
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
        .replace("{card}", "00000000-0000-0000-0000-000000000000")
        .replace("{step}", "accept")
        .replace("{area}", "services")
        .replace("{entry}", "00000000-0000-0000-0000-000000000000")
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
    app.organisation("ministry", "family_solidarity", None)
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
    // Every role in a province's organisation and in a national body. A national body's
    // user with a role that reads identities (which `user add` now refuses, but an older
    // database may hold) may use nothing that needs signing in.
    let mut users = Vec::new();
    for (org, national) in [("sale-centre", false), ("ministry", true)] {
        for role in Role::ALL {
            let name = format!("{}.{org}", role.code());
            let user = app
                .user(&name, org, &[role], role.requires_two_factor())
                .await;
            users.push((role, national, user));
        }
    }
    let callers: Vec<(Option<Role>, bool, Option<&crate::support::TestUser>)> =
        std::iter::once((None, false, None))
            .chain(
                users
                    .iter()
                    .map(|(role, national, user)| (Some(*role), *national, Some(user))),
            )
            .collect();
    for (method, path, who) in MATRIX {
        for (role, national, user) in &callers {
            let usable = role.is_some_and(|r| !(*national && r.reads_identities()));
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
                Who::SignedIn => usable,
                Who::Only(roles) => usable && role.is_some_and(|r| roles.contains(&r)),
            };
            let place = if *national { "national" } else { "provincial" };
            assert_eq!(
                let_through(&answer),
                expected,
                "{method} {path} as {place} {role:?}: {} {}",
                answer.status,
                answer.header("location")
            );
        }
    }
    app.finish().await;
}
on_each_backend!(every_route_answers_each_role_as_the_matrix_says);

/// The records of one province, made through the API, for the routes that name a record.
struct Records {
    // Issue 14 §3–4.
    diagnosis: String,
    action_plan: String,
    report: String,
    alert: String,
    case: String,
    plan_action: String,
    document: String,
    referral: String,
    /// A referral the hospital accepted and added a document to, and that document.
    answered_referral: String,
    referral_document: String,
    periodic_report: String,
    user: String,
    organisation: String,
    member: String,
    meeting: String,
    decision: String,
    /// Issue 15: a training session of the province and a participant of it.
    session: String,
    trainee: String,
    /// Issue 15 §4: a transfer waiting for the province's answer (from Kénitra), and one
    /// it sent that Kénitra accepted (its part still open). Issue 18: a merge of two of
    /// its children.
    transfer_in: String,
    transfer_out: String,
    merge: String,
    /// Issue 17: a status message owed to the Observatory about a report of the province.
    observatory_message: String,
}

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const BOUNDARY: &str = "awladna-policy-boundary";

/// A multipart upload of a small PDF to the social file.
fn document_upload() -> Vec<u8> {
    let mut body = Vec::new();
    for (field, value) in [("part", "social"), ("kind", "social_inquiry")] {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(PDF);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn id_of(answer: &crate::support::Answer) -> String {
    assert!(answer.status.is_success(), "{}", answer.body);
    answer.json()["id"].as_str().expect("id").to_owned()
}

async fn province_records(app: &TestApp, province: &str) -> Records {
    let centre = format!("{province}-centre");
    let hospital = format!("{province}-hospital");
    app.organisation(&centre, "family_solidarity", Some(province))
        .await;
    app.organisation(&hospital, "health", Some(province)).await;
    let worker = app
        .signed_in(&format!("worker.{province}"), &centre, &[Role::CaseWorker])
        .await;
    let report = worker
        .record_report(&json!({
            "source": "school", "received_at": "2026-11-22T09:00:00Z", "territory": province,
            "child": {"first_name": "Salma", "last_name": "Idrissi", "sex": "female", "age_years": 9},
            "concerns": ["sexual_violence"], "urgency": "high"
        }))
        .await;
    let case = worker.triage(&report, None).await["case_id"]
        .as_str()
        .expect("case")
        .to_owned();
    let plan_action = id_of(
        &worker
            .post(
                &format!("/api/v1/cases/{case}/plan"),
                &json!({"plan": {"goal": "عودة آمنة إلى المدرسة", "action": "لقاء مع مدير المدرسة", "responsible": "education", "due_date": "2026-11-25"}}),
            )
            .await,
    );
    // Immediate danger alerts the province's coordinators.
    let evaluated = worker
        .post(
            &format!("/api/v1/cases/{case}/evaluations"),
            &crate::cases::evaluation(&["safety.no_safe_place"]),
        )
        .await;
    assert!(evaluated.status.is_success(), "{}", evaluated.body);
    let alert = app
        .store
        .open_alerts(province, 1)
        .await
        .expect("alerts")
        .pop()
        .expect("an alert")
        .id;
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let document = id_of(
        &app.request(
            Method::POST,
            &format!("/api/v1/cases/{case}/documents"),
            &[
                ("cookie", worker.cookie.as_str()),
                ("x-csrf-token", worker.csrf.as_str()),
                ("content-type", content_type.as_str()),
            ],
            Body::from(document_upload()),
        )
        .await,
    );
    let referral = worker
        .send_referral(&case, &linking_card(&hospital, &["identity"]))
        .await;
    let doctor = app
        .signed_in(
            &format!("doctor.{province}"),
            &hospital,
            &[Role::FocalPoint],
        )
        .await;
    let answered_referral = worker
        .send_referral(&case, &linking_card(&hospital, &["identity"]))
        .await;
    let accepted = doctor
        .post(
            &format!("/api/v1/referrals/{answered_referral}/accept"),
            &json!({}),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let referral_document = id_of(
        &app.request(
            Method::POST,
            &format!("/api/v1/referrals/{answered_referral}/documents"),
            &[
                ("cookie", doctor.cookie.as_str()),
                ("x-csrf-token", doctor.csrf.as_str()),
                ("content-type", content_type.as_str()),
            ],
            Body::from(document_upload()),
        )
        .await,
    );
    let officer = app
        .signed_in(
            &format!("officer.{province}"),
            &centre,
            &[Role::InformationOfficer],
        )
        .await;
    let periodic_report = id_of(
        &officer
            .post(
                "/api/v1/periodic-reports",
                &json!({"kind": "monthly", "territory": province, "from": "2026-10", "to": "2026-10"}),
            )
            .await,
    );
    let user = app
        .user(
            &format!("target.{province}"),
            &centre,
            &[Role::Secretariat],
            false,
        )
        .await
        .id;
    let secretariat = app
        .signed_in(&format!("keeper.{province}"), &centre, &[Role::Secretariat])
        .await;
    let member = id_of(
        &secretariat
            .post(
                "/api/v1/committee/members",
                &json!({"body": "committee", "seat": "member", "full_name": "عضو", "sector": "health", "organisation": "الصحة"}),
            )
            .await,
    );
    let meeting = id_of(
        &secretariat
            .post(
                "/api/v1/meetings",
                &json!({"kind": "ordinary", "starts_at": "2026-12-01T10:00", "place": "العمالة"}),
            )
            .await,
    );
    let decision = id_of(
        &secretariat
            .post(
                &format!("/api/v1/meetings/{meeting}/decisions"),
                &json!({"version": 1, "text": "قرار", "owner": hospital, "deadline": "2026-12-15", "expected_result": "نتيجة"}),
            )
            .await,
    );
    // Issue 15: a session of the province, organised by its secretariat.
    app.organisation(&format!("ministry-{province}"), "family_solidarity", None)
        .await;
    let national = app
        .signed_in(
            &format!("ministry.{province}"),
            &format!("ministry-{province}"),
            &[Role::NationalAnalyst],
        )
        .await;
    let module = id_of(
        &national
            .post(
                "/api/v1/training/modules",
                &json!({"code": format!("M-{province}"), "title": "وحدة", "objectives": "أهداف", "duration_hours": "6", "audience": "centre_staff"}),
            )
            .await,
    );
    let session = id_of(
        &secretariat
            .post(
                "/api/v1/training/sessions",
                &json!({"module": module, "territory": province, "place": "العمالة", "starts_on": "2026-11-02", "ends_on": "2026-11-03", "capacity": "20"}),
            )
            .await,
    );
    let trainee = id_of(
        &secretariat
            .post(
                &format!("/api/v1/training/sessions/{session}/participants"),
                &json!({"version": 1, "full_name": "مشارك", "organisation_name": "جمعية"}),
            )
            .await,
    );
    // Issue 14 §3–4: a diagnosis and an action plan of the province.
    let sections = json!({"services": hospital, "risks": centre, "information": centre, "resources": hospital, "coordination": hospital});
    let diagnosis = id_of(
        &secretariat
            .post(
                "/api/v1/diagnoses",
                &json!({"from": "2026-01", "to": "2026-10", "sections": sections}),
            )
            .await,
    );
    let cell = app
        .signed_in(
            &format!("cell.{province}"),
            &centre,
            &[Role::TechnicalOfficer],
        )
        .await;
    let action_plan = id_of(
        &cell
            .post(
                "/api/v1/action-plans",
                &json!({"title": "خطة", "first_year": 2026}),
            )
            .await,
    );
    let (transfer_in, transfer_out) = transfers_of(app, province, &worker).await;
    let merge = merge_of(app, province, &worker).await;
    Records {
        transfer_in,
        transfer_out,
        merge,
        diagnosis,
        action_plan,
        report,
        alert,
        case,
        plan_action,
        document,
        referral,
        answered_referral,
        referral_document,
        periodic_report,
        user,
        organisation: hospital,
        member,
        meeting,
        decision,
        session,
        trainee,
        observatory_message: observatory_message(app, province).await,
    }
}

/// A case of `territory` recorded by `worker` about a new child: (case, child).
async fn new_case(worker: &Signed<'_>, territory: &str, first_name: &str) -> (String, String) {
    let report = worker
        .record_report(&json!({
            "source": "school", "received_at": "2026-11-22T09:00:00Z", "territory": territory,
            "child": {"first_name": first_name, "last_name": "Idrissi", "sex": "female", "age_years": 9},
            "concerns": ["neglect"], "urgency": "high"
        }))
        .await;
    let opened = worker.triage(&report, None).await;
    let id = |k: &str| opened[k].as_str().expect(k).to_owned();
    (id("case_id"), id("child_id"))
}

/// Issue 15 §4: a transfer from Kénitra waiting for `province`'s answer, and one
/// `province` sent to Kénitra, accepted there (after its coordinator's approval where
/// the province asks for one).
async fn transfers_of(app: &TestApp, province: &str, worker: &Signed<'_>) -> (String, String) {
    let kenitra = format!("kenitra-for-{province}");
    app.organisation(&kenitra, "family_solidarity", Some("kenitra"))
        .await;
    let k_worker = app
        .signed_in(
            &format!("kworker.{province}"),
            &kenitra,
            &[Role::CaseWorker],
        )
        .await;
    let k_chief = app
        .signed_in(
            &format!("kchief.{province}"),
            &kenitra,
            &[Role::Coordinator],
        )
        .await;
    let chief = app
        .signed_in(
            &format!("chief.{province}"),
            &format!("{province}-centre"),
            &[Role::Coordinator],
        )
        .await;
    let (incoming, _) = new_case(&k_worker, "kenitra", "Hind").await;
    let transfer_in = id_of(
        &k_worker
            .post(
                &format!("/api/v1/cases/{incoming}/transfers"),
                &json!({"to": province, "reason": "انتقال الأسرة"}),
            )
            .await,
    );
    let (outgoing, _) = new_case(worker, province, "Amina").await;
    let asked = worker
        .post(
            &format!("/api/v1/cases/{outgoing}/approvals"),
            &json!({"step": "transfer"}),
        )
        .await;
    if asked.status.is_success() {
        let decided = chief
            .post(
                &format!("/api/v1/cases/{outgoing}/approvals/decide"),
                &json!({"approval_id": id_of(&asked), "decision": "approve"}),
            )
            .await;
        assert_eq!(decided.status, StatusCode::OK, "{}", decided.body);
    }
    let transfer_out = id_of(
        &worker
            .post(
                &format!("/api/v1/cases/{outgoing}/transfers"),
                &json!({"to": "kenitra", "reason": "انتقال الأسرة"}),
            )
            .await,
    );
    let accepted = k_chief
        .post(
            &format!("/api/v1/transfers/{transfer_out}/answer"),
            &json!({"decision": "accept"}),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    (transfer_in, transfer_out)
}

/// Issue 18: two children of `province` merged.
async fn merge_of(app: &TestApp, province: &str, worker: &Signed<'_>) -> String {
    let (_, kept) = new_case(worker, province, "Nora").await;
    let (_, merged) = new_case(worker, province, "Noura").await;
    let version = |id: String| async move {
        app.store
            .child_standing(&id)
            .await
            .expect("standing")
            .expect("child")
            .version
    };
    id_of(
        &worker
            .post(
                "/api/v1/children/merges",
                &json!({"kept": kept, "kept_version": version(kept.clone()).await,
                    "merged": merged, "merged_version": version(merged.clone()).await}),
            )
            .await,
    )
}

/// Issue 17: a record of the Observatory about the province, and the status message
/// owed for it.
async fn observatory_message(app: &TestApp, province: &str) -> String {
    let org = format!("observatory-{province}");
    app.organisation(&org, "observatory", Some(province)).await;
    let bearer = crate::observatory::token(app, &org, "observatory").await;
    let record = json!({
        "record_id": format!("L2511-{province}"), "channel": "ligne_2511",
        "received_at": "2026-11-22T09:00:00Z", "violence": ["VP"], "priority": "P2",
        "place": {"province": province}, "caller": {"type": "voisin"}, "child": {"sex": "F"}
    });
    let sent = app
        .post_json(
            "/api/v1/observatory/reports",
            &[("authorization", &bearer)],
            &record,
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    sqlx::query_scalar("SELECT id FROM observatory_outbox WHERE territory_code = $1")
        .bind(province)
        .fetch_one(app.store.pool_for_tests())
        .await
        .expect("message")
}

/// A route's path with the records of one province, or `None` for a route that names no
/// record. A route with a record id this function does not know fails the test: a new
/// record route is checked across provinces as soon as it exists.
fn with_records(path: &str, r: &Records) -> Option<String> {
    let id =
        |prefix: &str| path.starts_with(prefix) || path.starts_with(&format!("/api/v1{prefix}"));
    let record = if !path.contains("{id}") {
        None
    } else if id("/transfers/") && path.ends_with("/answer") {
        Some(&r.transfer_in)
    } else if id("/transfers/") {
        Some(&r.transfer_out)
    } else if id("/children/merges/") {
        Some(&r.merge)
    } else if id("/reports/") {
        Some(&r.report)
    } else if id("/alerts/") {
        Some(&r.alert)
    } else if id("/cases/") {
        Some(&r.case)
    } else if id("/plan-actions/") {
        Some(&r.plan_action)
    } else if path.contains("/referrals/{id}/documents/{document}") {
        Some(&r.answered_referral)
    } else if id("/referrals/") {
        Some(&r.referral)
    } else if id("/periodic-reports/") {
        Some(&r.periodic_report)
    } else if id("/committee/members/") {
        Some(&r.member)
    } else if id("/meetings/") {
        Some(&r.meeting)
    } else if id("/decisions/") {
        Some(&r.decision)
    } else if path.starts_with("/admin/users/") {
        Some(&r.user)
    } else if id("/training/sessions/") {
        Some(&r.session)
    } else if id("/training/trainees/") {
        Some(&r.trainee)
    } else if id("/diagnoses/") {
        Some(&r.diagnosis)
    } else if id("/action-plans/") {
        Some(&r.action_plan)
    } else if path.starts_with("/admin/observatory/") {
        Some(&r.observatory_message)
    } else {
        panic!("{path} names a record the cross-province check does not know: add it");
    };
    let organisation = path.starts_with("/directory/organisations/{code}");
    if record.is_none() && !organisation {
        return None;
    }
    let document = match path.contains("/referrals/") {
        true => &r.referral_document,
        false => &r.document,
    };
    let mut path = path
        .replace("{document}", document)
        .replace("{card}", &r.report)
        .replace("{action}", &r.plan_action)
        .replace("{form}", "followup")
        .replace("{part}", "social")
        .replace("{step}", "accept")
        .replace("{trainee}", &r.trainee)
        .replace("{area}", "services")
        .replace("{entry}", &r.report);
    if organisation {
        path = path.replace("{code}", &r.organisation);
    }
    if let Some(id) = record {
        path = path.replace("{id}", id);
    }
    Some(path)
}

/// What a page's form must carry for its handler to reach the record.
fn form_fields(pattern: &str) -> &'static str {
    match pattern {
        "/cases/{id}/move" => "&to=evaluation&reason=x",
        "/cases/{id}/plan/{action}/status" => "&status=in_progress",
        "/reports/{id}/edit" => "&_version=1",
        _ => "",
    }
}

/// What a JSON call must carry for its handler to reach the record.
fn json_body(pattern: &str) -> &'static str {
    match pattern {
        "/api/v1/cases/{id}/transitions" => r#"{"to": "evaluation", "reason": "x"}"#,
        "/api/v1/plan-actions/{id}/status" => r#"{"status": "in_progress"}"#,
        "/api/v1/reports/{id}/versions" => r#"{"version": 1, "values": {}}"#,
        "/api/v1/referrals/{id}/entries" => r#"{"part": "social", "values": {}}"#,
        "/api/v1/action-plans/{id}/edit" => r#"{"kind": "add_priority", "title": "x"}"#,
        "/api/v1/cases/{id}/cards/{form}/offline" => {
            r#"{"based_on": {"version": 1, "at": 0}, "values": {}}"#
        }
        _ => "{}",
    }
}

async fn records_of_another_province_answer_as_if_they_did_not_exist(backend: Backend) {
    let app = TestApp::start(backend).await;
    let sale = province_records(&app, "sale").await;
    let rabat = province_records(&app, "rabat").await;
    let nothing = Records {
        diagnosis: uuid::Uuid::now_v7().to_string(),
        action_plan: uuid::Uuid::now_v7().to_string(),
        report: uuid::Uuid::now_v7().to_string(),
        alert: uuid::Uuid::now_v7().to_string(),
        case: uuid::Uuid::now_v7().to_string(),
        plan_action: uuid::Uuid::now_v7().to_string(),
        document: uuid::Uuid::now_v7().to_string(),
        referral: uuid::Uuid::now_v7().to_string(),
        answered_referral: uuid::Uuid::now_v7().to_string(),
        referral_document: uuid::Uuid::now_v7().to_string(),
        periodic_report: uuid::Uuid::now_v7().to_string(),
        user: uuid::Uuid::now_v7().to_string(),
        organisation: "no-such-organisation".into(),
        member: uuid::Uuid::now_v7().to_string(),
        meeting: uuid::Uuid::now_v7().to_string(),
        decision: uuid::Uuid::now_v7().to_string(),
        session: uuid::Uuid::now_v7().to_string(),
        trainee: uuid::Uuid::now_v7().to_string(),
        transfer_in: uuid::Uuid::now_v7().to_string(),
        transfer_out: uuid::Uuid::now_v7().to_string(),
        merge: uuid::Uuid::now_v7().to_string(),
        observatory_message: uuid::Uuid::now_v7().to_string(),
    };
    // Salé's people, every role; the focal point at the hospital the cards go to.
    let mut callers = Vec::new();
    for role in Role::ALL {
        let org = if role == Role::FocalPoint {
            "sale-hospital"
        } else {
            "sale-centre"
        };
        let user = app
            .user(
                &format!("{}.sale", role.code()),
                org,
                &[role],
                role.requires_two_factor(),
            )
            .await;
        callers.push((role, user));
    }
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let mut checked = 0;
    let mut problems = Vec::new();
    for (method, pattern, who) in MATRIX {
        let Who::Only(roles) = who else {
            continue;
        };
        let Some(foreign) = with_records(pattern, &rabat) else {
            continue;
        };
        let (own, missing) = (
            with_records(pattern, &sale).expect("own"),
            with_records(pattern, &nothing).expect("missing"),
        );
        let mut a_record_is_read = false;
        for (role, user) in callers.iter().filter(|(r, _)| roles.contains(r)) {
            let mut answers = Vec::new();
            for path in [&foreign, &missing, &own] {
                let (cookie, csrf) = app.session(user).await;
                let form = format!("_csrf={csrf}{}", form_fields(pattern));
                let multipart =
                    pattern.ends_with("/documents") || *pattern == "/referrals/{id}/answer";
                let (kind, body): (&str, Body) = if multipart {
                    (&content_type, Body::from(document_upload()))
                } else if pattern.starts_with("/api/") {
                    ("application/json", Body::from(json_body(pattern)))
                } else {
                    ("application/x-www-form-urlencoded", Body::from(form))
                };
                let headers = [
                    ("cookie", cookie.as_str()),
                    ("x-csrf-token", csrf.as_str()),
                    ("content-type", kind),
                ];
                let method: Method = method.parse().expect("method");
                answers.push(app.request(method, path, &headers, body).await.status);
            }
            if answers[0] != answers[1] {
                problems.push(format!(
                    "{method} {pattern} as {role:?}: Rabat's record answers {} where none answers {}",
                    answers[0], answers[1]
                ));
            }
            a_record_is_read |= answers[2] != answers[1];
        }
        if !a_record_is_read {
            problems.push(format!(
                "{method} {pattern}: no Salé role told its own record from none, so the check proves nothing"
            ));
        }
        checked += 1;
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(checked >= 40, "only {checked} record routes were checked");
    app.finish().await;
}
on_each_backend!(records_of_another_province_answer_as_if_they_did_not_exist);

async fn the_ministry_reads_a_provinces_reports_and_prepares_only_the_national_one(
    backend: Backend,
) {
    let app = TestApp::start(backend).await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    app.organisation("ministry", "family_solidarity", None)
        .await;
    let officer = app
        .signed_in("io.rabat", "rabat-centre", &[Role::InformationOfficer])
        .await;
    let analyst = app
        .signed_in("analyst", "ministry", &[Role::NationalAnalyst])
        .await;
    let member = app
        .signed_in("member", "ministry", &[Role::CommitteeMember])
        .await;
    let monthly =
        json!({"kind": "monthly", "territory": "rabat", "from": "2026-10", "to": "2026-10"});
    let drafted = analyst.post("/api/v1/periodic-reports", &monthly).await;
    assert_eq!(drafted.status, StatusCode::FORBIDDEN, "{}", drafted.body);
    assert_eq!(drafted.json()["error"]["code"], "forbidden");
    let page = analyst
        .app
        .post_form(
            "/periodic-reports",
            &[("cookie", &analyst.cookie)],
            &[
                ("_csrf", &analyst.csrf),
                ("kind", "monthly"),
                ("territory", "rabat"),
                ("from", "2026-10"),
                ("to", "2026-10"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.body.contains("تقارير الإقليم يعدها"),
        "the page says why: {}",
        page.body
    );

    // Rabat's own report: the ministry reads it, but neither refreshes, approves nor submits it.
    let id = officer.post("/api/v1/periodic-reports", &monthly).await;
    assert_eq!(id.status, StatusCode::CREATED, "{}", id.body);
    let id = id.json()["id"].as_str().expect("id").to_owned();
    let read = analyst.get(&format!("/api/v1/periodic-reports/{id}")).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    for step in ["refresh", "approve", "submit"] {
        let path = format!("/api/v1/periodic-reports/{id}/{step}");
        let refused = analyst.post(&path, &json!({})).await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{step}: {}",
            refused.body
        );
    }
    let approve = format!("/api/v1/periodic-reports/{id}/approve");
    assert_eq!(
        member.post(&approve, &json!({})).await.status,
        StatusCode::FORBIDDEN,
        "a national committee member does not approve a province's report"
    );
    let national =
        json!({"kind": "national", "territory": "MA", "from": "2026-10", "to": "2026-10"});
    let created = analyst.post("/api/v1/periodic-reports", &national).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    app.finish().await;
}
on_each_backend!(the_ministry_reads_a_provinces_reports_and_prepares_only_the_national_one);
