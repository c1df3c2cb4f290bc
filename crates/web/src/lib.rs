//! Awladna's web server: server-rendered pages (Arabic first, right-to-left), the JSON
//! API and the static assets, all served by the one binary so that it works on a LAN
//! without internet.
//!
//! Every route is declared once in `routes()` with the action it performs, and gets the
//! policy gate for that action: a route cannot exist without a policy decision, and the
//! route × role test walks the same table.

// Handlers return early with a ready `Response` as the error: boxing it would only add
// an allocation on the refusal path.
#![allow(clippy::result_large_err)]

mod admin;
mod assets;
pub mod auth;
mod break_glass;
mod card_view;
mod case_files;
mod cases;
pub mod client_address;
mod committee;
mod confirm;
mod directory;
mod error;
pub mod extract;
mod forms;
pub mod i18n;
#[cfg(test)]
mod memory_meter;
pub mod menu;
mod periodic_reports;
mod plan;
mod public;
mod referrals;
mod report_pages;
mod reports;
pub mod retention;
mod rights;
mod security;
mod signin;
mod spreadsheet;
mod state;
mod stats;
pub mod throttle;
mod times;
// Issue 15.
mod library;
mod rollout;
mod training;
// Issue 14 §3–4: the diagnosis and the action plan.
mod planning;
// journeys2 (issue 18): the language switch of a form page without JavaScript.
mod lang_switch;
// Offline field work (issue 16 §3).
mod field;
// Issue 15 §4 / 19 §1: the unified protocol.
mod protocol;
// Issue 17 §1: the Observatory's intake, its status outbox and the push worker.
mod observatory;
pub use observatory::push as observatory_push;
// Issue 19 §3: the data-quality page.
mod quality;

// The mail settings and the event bus are the server's to set up (`awladna serve`).
pub use referrals::{events, mail};
pub use state::{AppState, Settings};

use awladna_domain::access::Action;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{MethodRouter, get, post};

/// Forms and JSON bodies are small; uploads will get their own, larger limit.
pub const BODY_LIMIT: usize = 256 * 1024;

/// One route: method, path, the action the policy is asked about, and its handler.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub action: Action,
    handler: MethodRouter<AppState>,
}

fn route(
    method: Method,
    path: &'static str,
    action: Action,
    handler: MethodRouter<AppState>,
) -> Route {
    Route {
        method,
        path,
        action,
        handler,
    }
}

/// Every route of the application.
#[rustfmt::skip] // one route per line reads as a table
pub fn routes() -> Vec<Route> {
    use Action::*;
    use Method as M;
    vec![
        route(M::GET, "/", ViewPublic, get(public::home::home)),
        route(M::GET, "/lang/{code}", ViewPublic, get(public::home::switch_language)),
        route(M::GET, "/reference", ViewPublic, get(public::forms::reference)),
        route(M::GET, "/forms", ViewPublic, get(public::forms::forms)),
        route(M::GET, "/forms/{code}", ViewPublic, get(public::forms::form)),
        route(M::POST, "/forms/{code}", ViewPublic, post(public::forms::try_form)),
        route(M::GET, "/fragments/communes", ViewPublic, get(public::forms::commune_options)),
        route(M::GET, "/assets/{*path}", ViewPublic, get(assets::serve)),
        route(M::GET, "/healthz", ViewPublic, get(public::api::healthz)),
        // Offline capture in the field (issue 16 §3).
        route(M::GET, "/sw.js", ViewPublic, get(assets::service_worker)),
        route(M::GET, "/manifest.webmanifest", ViewPublic, get(assets::manifest)),
        route(M::GET, "/capture", RecordReport, get(report_pages::offline_capture)),
        route(M::GET, "/login", ViewPublic, get(signin::pages::login_page)),
        route(M::POST, "/login", ViewPublic, post(signin::pages::login)),
        route(M::GET, "/login/second-factor", UseOwnAccount, get(signin::pages::second_factor_page)),
        route(M::POST, "/login/second-factor", UseOwnAccount, post(signin::pages::second_factor)),
        route(M::POST, "/logout", UseOwnAccount, post(signin::pages::logout)),
        route(M::GET, "/account", UseOwnAccount, get(signin::account::page)),
        route(M::GET, "/account/second-factor", UseOwnAccount, get(signin::enrol::page)),
        route(M::POST, "/account/second-factor", UseOwnAccount, post(signin::enrol::enrol)),
        route(M::POST, "/account/sessions/end-all", UseOwnAccount, post(signin::pages::logout_everywhere)),
        route(M::POST, "/account/devices/{id}/revoke", UseOwnAccount, post(signin::account::revoke_device)),
        route(M::POST, "/api/v1/devices", UseOwnAccount, post(signin::account::register_device)),
        route(M::POST, "/api/v1/devices/{id}/revoke", UseOwnAccount, post(signin::account::revoke_device_api)),
        // Offline follow-up and evaluation cards, the copy of the followed cases, their sync (issue 16 §3).
        route(M::GET, "/capture/{form}", WorkOnCase, get(field::offline_case_card)),
        route(M::GET, "/api/v1/field/copy", WorkOnCase, get(field::copy)),
        route(M::POST, "/api/v1/cases/{id}/cards/{form}/offline", WorkOnCase, post(field::sync)),
        route(M::GET, "/admin/users", ManageUsers, get(admin::users::list)),
        route(M::POST, "/admin/users", ManageUsers, post(admin::users::add)),
        route(M::POST, "/admin/users/{id}/disable", ManageUsers, post(admin::users::disable)),
        route(M::POST, "/admin/users/{id}/reset", ManageUsers, post(admin::users::reset)),
        route(M::GET, "/admin/organisations", ManageOrganisations, get(admin::organisations::list)),
        route(M::POST, "/admin/organisations", ManageOrganisations, post(admin::organisations::add)),
        route(M::GET, "/audit", ViewAudit, get(admin::audit::audit)),
        route(M::GET, "/help", ViewPublic, get(public::help::help)),
        route(M::GET, "/help/{territory}", ViewPublic, get(public::help::province)),
        route(M::GET, "/directory", ManageDirectory, get(directory::pages::list)),
        route(M::GET, "/directory/export.csv", ManageDirectory, get(directory::pages::export)),
        route(M::POST, "/directory/import", ManageDirectory, post(directory::pages::import).layer(DefaultBodyLimit::max(directory::IMPORT_BODY_LIMIT))),
        route(M::GET, "/directory/organisations/{code}", ManageDirectory, get(directory::edit::edit)),
        route(M::POST, "/directory/organisations/{code}", ManageDirectory, post(directory::edit::save)),
        route(M::GET, "/api/v1/directory", ViewPublic, get(directory::api::read)),
        route(M::GET, "/stats", ViewStatistics, get(stats::pages::dashboard)),
        route(M::GET, "/stats/export/{format}", ViewStatistics, get(stats::export::dashboard)),
        // Cross-tables of up to three dimensions (issue 19 §2).
        route(M::GET, "/stats/table", ViewStatistics, get(stats::table_page::page)),
        route(M::GET, "/api/v1/stats", ViewStatistics, get(stats::api::list)),
        route(M::GET, "/api/v1/stats/{indicator}", ViewStatistics, get(stats::api::read)),
        // The checks 6 and 12 months after a closure (issue 19 §1).
        route(M::POST, "/api/v1/cases/{id}/outcome-checks", WorkOnCase, post(stats::checks::record)),
        // Periodic reports (SPEC.md §3, §4).
        route(M::GET, "/periodic-reports", ViewStatistics, get(periodic_reports::pages::list)),
        route(M::POST, "/periodic-reports", PrepareReport, post(periodic_reports::pages::create)),
        route(M::GET, "/periodic-reports/{id}", ViewStatistics, get(periodic_reports::pages::show)),
        route(M::GET, "/periodic-reports/{id}/export.xlsx", ViewStatistics, get(periodic_reports::exports::xlsx)),
        route(M::GET, "/periodic-reports/{id}/export.csv", ViewStatistics, get(periodic_reports::exports::csv)),
        route(M::GET, "/periodic-reports/{id}/export.pdf", ViewStatistics, get(periodic_reports::exports::pdf)),
        route(M::GET, "/periodic-reports/{id}/dhis2.json", ViewStatistics, get(periodic_reports::exports::dhis2)),
        route(M::POST, "/periodic-reports/{id}/refresh", PrepareReport, post(periodic_reports::pages::refresh)),
        route(M::POST, "/periodic-reports/{id}/approve", ApproveReport, post(periodic_reports::pages::approve)),
        route(M::POST, "/periodic-reports/{id}/submit", PrepareReport, post(periodic_reports::pages::submit)),
        route(M::POST, "/api/v1/periodic-reports", PrepareReport, post(periodic_reports::api::create)),
        route(M::GET, "/api/v1/periodic-reports", ViewStatistics, get(periodic_reports::api::list)),
        route(M::GET, "/api/v1/periodic-reports/{id}", ViewStatistics, get(periodic_reports::api::read)),
        route(M::POST, "/api/v1/periodic-reports/{id}/refresh", PrepareReport, post(periodic_reports::api::refresh)),
        route(M::POST, "/api/v1/periodic-reports/{id}/approve", ApproveReport, post(periodic_reports::api::approve)),
        route(M::POST, "/api/v1/periodic-reports/{id}/submit", PrepareReport, post(periodic_reports::api::submit)),
        // The provincial committee (issue 14).
        route(M::GET, "/committee", ReadCommittee, get(committee::pages::committee)),
        route(M::POST, "/committee/members", KeepCommittee, post(committee::pages::add_member)),
        route(M::POST, "/committee/members/{id}", KeepCommittee, post(committee::pages::change_member)),
        route(M::POST, "/committee/members/{id}/end", KeepCommittee, post(committee::pages::end_member)),
        route(M::POST, "/committee/quorum", KeepCommittee, post(committee::pages::quorum)),
        route(M::POST, "/meetings", KeepCommittee, post(committee::pages::create_meeting)),
        route(M::GET, "/meetings/{id}", ReadCommittee, get(committee::meeting_pages::meeting)),
        route(M::POST, "/meetings/{id}/items", KeepCommittee, post(committee::meeting_pages::add_item)),
        route(M::POST, "/meetings/{id}/convene", KeepCommittee, post(committee::meeting_pages::convene)),
        route(M::POST, "/meetings/{id}/attendance", KeepCommittee, post(committee::meeting_pages::attendance)),
        route(M::POST, "/meetings/{id}/minutes", KeepCommittee, post(committee::meeting_pages::minutes)),
        route(M::POST, "/meetings/{id}/decisions", KeepCommittee, post(committee::meeting_pages::add_decision)),
        route(M::POST, "/meetings/{id}/approve", ApproveMinutes, post(committee::meeting_pages::approve)),
        route(M::GET, "/meetings/{id}/convocation.pdf", ReadCommittee, get(committee::pdf::convocation)),
        route(M::GET, "/meetings/{id}/attendance.pdf", ReadCommittee, get(committee::pdf::attendance)),
        route(M::GET, "/meetings/{id}/minutes.pdf", ReadCommittee, get(committee::pdf::minutes)),
        route(M::GET, "/decisions", ReadCommittee, get(committee::decision_pages::decisions)),
        route(M::GET, "/decisions/{id}", ReadCommittee, get(committee::decision_pages::decision)),
        route(M::POST, "/decisions/{id}/follow-up", FollowDecisions, post(committee::decision_pages::follow_up)),
        route(M::GET, "/api/v1/committee", ReadCommittee, get(committee::api::committee)),
        route(M::POST, "/api/v1/committee/members", KeepCommittee, post(committee::api::add_member)),
        route(M::GET, "/api/v1/committee/members/{id}", ReadCommittee, get(committee::api::member)),
        route(M::POST, "/api/v1/committee/members/{id}", KeepCommittee, post(committee::api::change_member)),
        route(M::POST, "/api/v1/committee/members/{id}/end", KeepCommittee, post(committee::api::end_member)),
        route(M::POST, "/api/v1/committee/quorum", KeepCommittee, post(committee::api::quorum)),
        route(M::GET, "/api/v1/meetings", ReadCommittee, get(committee::api::meetings)),
        route(M::POST, "/api/v1/meetings", KeepCommittee, post(committee::api::create_meeting)),
        route(M::GET, "/api/v1/meetings/{id}", ReadCommittee, get(committee::api::meeting)),
        route(M::POST, "/api/v1/meetings/{id}", KeepCommittee, post(committee::api::update_meeting)),
        route(M::POST, "/api/v1/meetings/{id}/items", KeepCommittee, post(committee::api::add_item)),
        route(M::POST, "/api/v1/meetings/{id}/convene", KeepCommittee, post(committee::api::convene)),
        route(M::POST, "/api/v1/meetings/{id}/attendance", KeepCommittee, post(committee::api::attendance)),
        route(M::POST, "/api/v1/meetings/{id}/minutes", KeepCommittee, post(committee::api::minutes)),
        route(M::POST, "/api/v1/meetings/{id}/decisions", KeepCommittee, post(committee::api::add_decision)),
        route(M::POST, "/api/v1/meetings/{id}/approve", ApproveMinutes, post(committee::api::approve)),
        route(M::GET, "/api/v1/decisions", ReadCommittee, get(committee::api::decisions)),
        route(M::GET, "/api/v1/decisions/{id}", ReadCommittee, get(committee::api::decision)),
        route(M::POST, "/api/v1/decisions/{id}/follow-up", FollowDecisions, post(committee::api::follow_up)),
        // The committee's planning (issue 14 §3–4): the diagnosis and the action plan.
        route(M::GET, "/diagnoses", ReadPlanning, get(planning::diagnosis_pages::diagnoses)),
        route(M::POST, "/diagnoses", OpenDiagnosis, post(planning::diagnosis_pages::open)),
        route(M::GET, "/diagnoses/compare", ReadPlanning, get(planning::diagnosis_pages::compare)),
        route(M::GET, "/diagnoses/{id}", ReadPlanning, get(planning::diagnosis_pages::diagnosis)),
        route(M::GET, "/diagnoses/{id}/sections/{area}", ContributePlanning, get(planning::diagnosis_pages::section)),
        route(M::POST, "/diagnoses/{id}/sections/{area}", ContributePlanning, post(planning::diagnosis_pages::fill)),
        route(M::POST, "/diagnoses/{id}/consolidate", DraftPlanning, post(planning::diagnosis_pages::consolidate)),
        route(M::POST, "/diagnoses/{id}/approve", ApprovePlanning, post(planning::diagnosis_pages::approve)),
        route(M::GET, "/action-plans", ReadPlanning, get(planning::plan_pages::plans)),
        route(M::POST, "/action-plans", DraftPlanning, post(planning::plan_pages::create)),
        route(M::GET, "/action-plans/national", ReadPlanning, get(planning::national_pages::national)),
        route(M::GET, "/action-plans/national.xlsx", ReadPlanning, get(planning::national_pages::national_xlsx)),
        route(M::GET, "/action-plans/{id}", ReadPlanning, get(planning::plan_pages::plan)),
        route(M::POST, "/action-plans/{id}/edit", DraftPlanning, post(planning::plan_pages::edit)),
        route(M::POST, "/action-plans/{id}/approve", ApprovePlanning, post(planning::plan_pages::approve)),
        route(M::POST, "/action-plans/{id}/revise", DraftPlanning, post(planning::plan_pages::revise)),
        route(M::POST, "/action-plans/{id}/actions/{action}/progress", ContributePlanning, post(planning::plan_pages::progress)),
        route(M::GET, "/api/v1/diagnoses", ReadPlanning, get(planning::api::list_diagnoses)),
        route(M::POST, "/api/v1/diagnoses", OpenDiagnosis, post(planning::api::open)),
        route(M::GET, "/api/v1/diagnoses/compare", ReadPlanning, get(planning::api::compare)),
        route(M::GET, "/api/v1/diagnoses/{id}", ReadPlanning, get(planning::api::diagnosis)),
        route(M::POST, "/api/v1/diagnoses/{id}/sections/{area}", ContributePlanning, post(planning::api::fill)),
        route(M::POST, "/api/v1/diagnoses/{id}/consolidate", DraftPlanning, post(planning::api::consolidate)),
        route(M::POST, "/api/v1/diagnoses/{id}/approve", ApprovePlanning, post(planning::api::approve_diagnosis)),
        route(M::GET, "/api/v1/action-plans", ReadPlanning, get(planning::api::list_plans)),
        route(M::POST, "/api/v1/action-plans", DraftPlanning, post(planning::api::create_plan)),
        route(M::GET, "/api/v1/action-plans/national", ReadPlanning, get(planning::api::national)),
        route(M::GET, "/api/v1/action-plans/{id}", ReadPlanning, get(planning::api::plan)),
        route(M::POST, "/api/v1/action-plans/{id}/edit", DraftPlanning, post(planning::api::edit_plan)),
        route(M::POST, "/api/v1/action-plans/{id}/approve", ApprovePlanning, post(planning::api::approve_plan)),
        route(M::POST, "/api/v1/action-plans/{id}/revise", DraftPlanning, post(planning::api::revise_plan)),
        route(M::POST, "/api/v1/action-plans/{id}/actions/{action}/progress", ContributePlanning, post(planning::api::progress)),
        route(M::POST, "/api/v1/action-plans/{id}/progress/{entry}/review", DraftPlanning, post(planning::api::review)),
        route(M::POST, "/api/v1/auth/login", ViewPublic, post(signin::api::login)),
        route(M::POST, "/api/v1/auth/logout", UseOwnAccount, post(signin::api::logout)),
        route(M::GET, "/reports/new", RecordReport, get(report_pages::new_report)),
        route(M::POST, "/reports/new", RecordReport, post(report_pages::save_report)),
        route(M::GET, "/reports/waiting", Triage, get(cases::queues::waiting)),
        route(M::GET, "/alerts", ViewAlerts, get(cases::queues::alerts)),
        // Journeys (issue 18): a worker's tasks.
        route(M::GET, "/tasks", WorkOnCase, get(cases::tasks::page)),
        // Journeys (issue 18): the coordinator marks an alert reviewed.
        route(M::POST, "/alerts/{id}/reviewed", ViewAlerts, post(cases::queues::review)),
        route(M::GET, "/reports/{id}", ReadReport, get(report_pages::show_report)),
        route(M::GET, "/reports/{id}/edit", RecordReport, get(report_pages::edit_report)),
        route(M::POST, "/reports/{id}/edit", RecordReport, post(report_pages::save_edit)),
        route(M::GET, "/reports/abandoned", ViewAlerts, get(report_pages::abandoned_page)),
        route(M::POST, "/reports/{id}/triage", Triage, post(cases::pages::triage)),
        route(M::GET, "/cases", ReadCase, get(cases::list::list)),
        route(M::GET, "/cases/{id}", ReadCase, get(cases::pages::show)),
        route(M::POST, "/cases/{id}/move", MoveCase, post(cases::pages::move_to)),
        route(M::GET, "/cases/{id}/evaluate", WorkOnCase, get(cases::pages::evaluation_form)),
        route(M::POST, "/cases/{id}/evaluate", WorkOnCase, post(cases::pages::evaluate)),
        route(M::GET, "/cases/{id}/cards/{form}", WorkOnCase, get(cases::cards::form_page)),
        route(M::POST, "/cases/{id}/cards/{form}", WorkOnCase, post(cases::cards::save_page)),
        // Journeys (issue 18): every card of a case opens from the timeline.
        route(M::GET, "/cases/{id}/records/{card}", ReadCase, get(cases::cards::show_card)),
        route(M::GET, "/cases/{id}/plan", WorkOnCase, get(plan::pages::form)),
        route(M::POST, "/cases/{id}/plan", WorkOnCase, post(plan::pages::save)),
        route(M::POST, "/cases/{id}/plan/{action}/status", WorkOnCase, post(plan::pages::status)),
        route(M::POST, "/cases/{id}/assign", AssignCase, post(cases::pages::assign)),
        route(M::GET, "/cases/{id}/files/{part}", ReadCase, get(case_files::pages::file_page)),
        route(M::POST, "/cases/{id}/files/{part}/documents", WorkOnCase, post(case_files::pages::upload_page).layer(DefaultBodyLimit::max(case_files::UPLOAD_BODY_LIMIT))),
        route(M::GET, "/cases/{id}/documents/{document}", ReadCase, get(case_files::pages::download_page)),
        route(M::GET, "/cases/{id}/identity", RectifyIdentity, get(rights::rectification::form)),
        route(M::POST, "/cases/{id}/identity", RectifyIdentity, post(rights::rectification::save)),
        route(M::GET, "/cases/{id}/subject-access", SubjectAccess, get(rights::subject_access::page)),
        route(M::POST, "/cases/{id}/subject-access", SubjectAccess, post(rights::subject_access::export_page)),
        route(M::GET, "/actions/overdue", ReadCase, get(plan::pages::overdue_page)),
        route(M::GET, "/children", ReadCase, get(cases::register::register)),
        route(M::GET, "/cases/{id}/refer", Refer, get(referrals::pages::refer_form)),
        route(M::POST, "/cases/{id}/refer", Refer, post(referrals::pages::refer)),
        route(M::GET, "/referrals", UseReferrals, get(referrals::pages::list)),
        route(M::GET, "/referrals/{id}", UseReferrals, get(referrals::pages::show)),
        route(M::GET, "/referrals/{id}/card.pdf", UseReferrals, get(referrals::pdf::card_pdf)),
        route(M::POST, "/referrals/{id}/{step}", UseReferrals, post(referrals::pages::step)),
        // The receiving service writes its part and answers (issue 16 §2, §4).
        route(M::POST, "/referrals/{id}/answer", UseReferrals, post(referrals::contributions::answer_page).layer(DefaultBodyLimit::max(case_files::UPLOAD_BODY_LIMIT))),
        route(M::GET, "/referrals/{id}/documents/{document}", UseReferrals, get(referrals::contributions::own_document_download)),
        route(M::GET, "/referrals/{id}/entries/{part}", UseReferrals, get(referrals::contributions::entry_form)),
        route(M::POST, "/referrals/{id}/entries/{part}", UseReferrals, post(referrals::contributions::save_entry)),
        route(M::POST, "/children/search", ReadCase, post(cases::register::search_page)),
        route(M::POST, "/api/v1/reports", RecordReport, post(reports::create)),
        route(M::GET, "/api/v1/reports/{id}", ReadReport, get(reports::read)),
        // Drafts that finish (issue 16 §1).
        route(M::POST, "/api/v1/reports/{id}/versions", RecordReport, post(reports::new_version)),
        route(M::GET, "/api/v1/drafts/abandoned", ViewAlerts, get(reports::abandoned_drafts)),
        route(M::POST, "/api/v1/reports/{id}/triage", Triage, post(cases::api::triage)),
        route(M::GET, "/api/v1/reports/{id}/candidates", Triage, get(cases::children::candidates)),
        route(M::GET, "/api/v1/children", ReadCase, get(cases::children::search)),
        route(M::GET, "/api/v1/cases", ReadCase, get(cases::api::list)),
        route(M::GET, "/api/v1/cases/{id}", ReadCase, get(cases::api::read)),
        route(M::POST, "/api/v1/cases/{id}/transitions", MoveCase, post(cases::api::transition)),
        route(M::POST, "/api/v1/cases/{id}/evaluations", WorkOnCase, post(cases::api::evaluation)),
        route(M::GET, "/api/v1/cases/{id}/cards/{form}", ReadCase, get(cases::api::list_cards)),
        route(M::POST, "/api/v1/cases/{id}/cards/{form}", WorkOnCase, post(cases::api::record_card)),
        route(M::GET, "/api/v1/cases/{id}/plan", ReadCase, get(plan::api::list)),
        route(M::POST, "/api/v1/cases/{id}/plan", WorkOnCase, post(plan::api::add)),
        route(M::POST, "/api/v1/plan-actions/{id}/status", WorkOnCase, post(plan::api::status)),
        route(M::GET, "/api/v1/plan-actions/overdue", ReadCase, get(plan::api::overdue)),
        route(M::POST, "/api/v1/cases/{id}/assignment", AssignCase, post(cases::api::assign)),
        route(M::GET, "/api/v1/cases/{id}/files/{part}", ReadCase, get(case_files::api::file)),
        route(M::POST, "/api/v1/cases/{id}/documents", WorkOnCase, post(case_files::api::upload).layer(DefaultBodyLimit::max(case_files::UPLOAD_BODY_LIMIT))),
        route(M::GET, "/api/v1/cases/{id}/documents/{document}", ReadCase, get(case_files::api::download)),
        route(M::POST, "/api/v1/cases/{id}/referrals", Refer, post(referrals::api::create)),
        route(M::GET, "/api/v1/referrals", UseReferrals, get(referrals::api::list)),
        route(M::GET, "/api/v1/referrals/waiting", UseReferrals, get(referrals::api::waiting)),
        route(M::GET, "/api/v1/referrals/{id}", UseReferrals, get(referrals::api::read)),
        route(M::POST, "/api/v1/referrals/{id}/{step}", UseReferrals, post(referrals::api::step)),
        route(M::POST, "/api/v1/referrals/{id}/entries", UseReferrals, post(referrals::contributions::add_entry_api)),
        route(M::POST, "/api/v1/referrals/{id}/documents", UseReferrals, post(referrals::contributions::add_document_api).layer(DefaultBodyLimit::max(case_files::UPLOAD_BODY_LIMIT))),
        route(M::POST, "/api/v1/referrals/{id}/answer", UseReferrals, post(referrals::contributions::answer_api)),
        route(M::GET, "/api/v1/referrals/{id}/contributions", UseReferrals, get(referrals::contributions::own_api)),
        route(M::GET, "/api/v1/referrals/{id}/documents/{document}", UseReferrals, get(referrals::contributions::own_document_download)),
        route(M::GET, "/api/v1/events", UseReferrals, get(referrals::api::stream)),
        route(M::POST, "/api/v1/break-glass", BreakGlass, post(break_glass::open_glass)),
        route(M::GET, "/api/v1/alerts", ViewAlerts, get(break_glass::alerts)),
        route(M::GET, "/api/v1/reference", ViewPublic, get(public::api::vocabularies)),
        route(M::GET, "/api/v1/reference/territories", ViewPublic, get(public::api::territories)),
        route(M::GET, "/api/v1/reference/territories/{code}/communes", ViewPublic, get(public::api::communes)),
        route(M::GET, "/api/v1/reference/{vocabulary}", ViewPublic, get(public::api::vocabulary)),
        route(M::GET, "/api/v1/forms", ViewPublic, get(public::api::forms)),
        route(M::GET, "/api/v1/forms/{code}", ViewPublic, get(public::api::form)),
        route(M::POST, "/api/v1/forms/{code}/check", ViewPublic, post(public::api::check_form)),
        // Training, the rollout in ten tracks, the toolkit library and the guide (issue 15).
        route(M::GET, "/training", ReadTraining, get(training::pages::training)),
        route(M::POST, "/training/sessions", RunTraining, post(training::pages::create_session)),
        route(M::POST, "/training/trainers", RunTraining, post(training::pages::add_trainer)),
        route(M::POST, "/training/modules", RunTraining, post(training::pages::add_module)),
        route(M::GET, "/training/sessions/{id}", ReadTraining, get(training::session_pages::session)),
        route(M::POST, "/training/sessions/{id}/participants", RunTraining, post(training::session_pages::add_participant)),
        route(M::POST, "/training/sessions/{id}/attendance", RunTraining, post(training::session_pages::attendance)),
        route(M::POST, "/training/sessions/{id}/results", RunTraining, post(training::session_pages::results)),
        route(M::GET, "/training/sessions/{id}/attestations/{trainee}", RunTraining, get(training::pdf::attestation)),
        route(M::GET, "/training/coverage", ReadTraining, get(training::reports::coverage)),
        route(M::GET, "/training/trained", ReadTraining, get(training::reports::trained)),
        route(M::GET, "/training/export.xlsx", ReadTraining, get(training::reports::export)),
        route(M::GET, "/rollout", ReadRollout, get(rollout::rollout)),
        route(M::POST, "/rollout/{territory}/{milestone}", KeepRollout, post(rollout::declare)),
        route(M::GET, "/library", ReadLibrary, get(library::library)),
        route(M::POST, "/library", KeepLibrary, post(library::publish)),
        route(M::GET, "/library/{series}", ReadLibrary, get(library::document)),
        route(M::POST, "/library/{series}", KeepLibrary, post(library::new_version)),
        route(M::GET, "/help/library", ViewPublic, get(library::public_library)),
        route(M::GET, "/help/library/{series}", ViewPublic, get(library::public_document)),
        route(M::GET, "/guide", ViewPublic, get(library::guide)),
        route(M::GET, "/api/v1/training/modules", ReadTraining, get(training::api::modules)),
        route(M::POST, "/api/v1/training/modules", RunTraining, post(training::api::add_module)),
        route(M::GET, "/api/v1/training/trainers", ReadTraining, get(training::api::trainers)),
        route(M::POST, "/api/v1/training/trainers", RunTraining, post(training::api::add_trainer)),
        route(M::GET, "/api/v1/training/sessions", ReadTraining, get(training::api::sessions)),
        route(M::POST, "/api/v1/training/sessions", RunTraining, post(training::api::create_session)),
        route(M::GET, "/api/v1/training/sessions/{id}", ReadTraining, get(training::api::session)),
        route(M::POST, "/api/v1/training/sessions/{id}/participants", RunTraining, post(training::api::add_participant)),
        route(M::POST, "/api/v1/training/sessions/{id}/attendance", RunTraining, post(training::api::attendance)),
        route(M::POST, "/api/v1/training/sessions/{id}/results", RunTraining, post(training::api::results)),
        route(M::GET, "/api/v1/training/coverage", ReadTraining, get(training::api::coverage)),
        route(M::POST, "/api/v1/training/staff", RunTraining, post(training::api::staff)),
        route(M::GET, "/api/v1/training/plan", ReadTraining, get(training::api::plan)),
        route(M::GET, "/api/v1/training/trainees/{id}", ReadTraining, get(training::api::trainee)),
        route(M::GET, "/api/v1/rollout", ReadRollout, get(training::api::rollout_board)),
        route(M::POST, "/api/v1/rollout/milestones/{code}", KeepRollout, post(training::api::edit_milestone)),
        route(M::POST, "/api/v1/rollout/{territory}/{milestone}", KeepRollout, post(training::api::declare)),
        route(M::GET, "/api/v1/library", ReadLibrary, get(training::api::library)),
        route(M::POST, "/api/v1/library", KeepLibrary, post(training::api::publish)),
        route(M::GET, "/api/v1/library/public", ViewPublic, get(training::api::public_library)),
        route(M::GET, "/api/v1/library/{series}", ReadLibrary, get(training::api::series)),
        route(M::POST, "/api/v1/library/{series}", KeepLibrary, post(training::api::new_version)),
        // journeys2 (issue 18): flags on a case, with their reasons.
        route(M::GET, "/cases/{id}/flags", WorkOnCase, get(cases::flags::show)),
        route(M::POST, "/cases/{id}/flags", WorkOnCase, post(cases::flags::add_page)),
        route(M::POST, "/cases/{id}/flags/remove", WorkOnCase, post(cases::flags::remove_page)),
        route(M::GET, "/api/v1/cases/{id}/flags", WorkOnCase, get(cases::flags::list_api)),
        route(M::POST, "/api/v1/cases/{id}/flags", WorkOnCase, post(cases::flags::add_api)),
        route(M::POST, "/api/v1/cases/{id}/flags/remove", WorkOnCase, post(cases::flags::remove_api)),
        // journeys2 (issue 18): supervisor approval with comments.
        route(M::POST, "/cases/{id}/approvals", WorkOnCase, post(cases::approvals::request_page)),
        route(M::GET, "/cases/{id}/approvals", SuperviseCase, get(cases::approvals::show)),
        route(M::POST, "/cases/{id}/approvals/decide", SuperviseCase, post(cases::approvals::decide_page)),
        route(M::POST, "/api/v1/cases/{id}/approvals", WorkOnCase, post(cases::approvals::request_api)),
        route(M::POST, "/api/v1/cases/{id}/approvals/decide", SuperviseCase, post(cases::approvals::decide_api)),
        // Issue 15 §4: a case transferred to another province and back.
        route(M::GET, "/cases/{id}/transfer", MoveCase, get(cases::transfers::request_show)),
        route(M::POST, "/cases/{id}/transfer", MoveCase, post(cases::transfers::request_page)),
        route(M::GET, "/transfers", ReadCase, get(cases::transfers::list)),
        route(M::GET, "/transfers/{id}", ReadCase, get(cases::transfers::sent)),
        route(M::POST, "/transfers/{id}/answer", AssignCase, post(cases::transfers::answer_page)),
        route(M::POST, "/transfers/{id}/release", MoveCase, post(cases::transfers::release_page)),
        route(M::POST, "/api/v1/cases/{id}/transfers", MoveCase, post(cases::transfers::request_api)),
        route(M::GET, "/api/v1/transfers", ReadCase, get(cases::transfers::list_api)),
        route(M::POST, "/api/v1/transfers/{id}/answer", AssignCase, post(cases::transfers::answer_api)),
        route(M::POST, "/api/v1/transfers/{id}/release", MoveCase, post(cases::transfers::release_api)),
        // Issue 18: two records of one child compared and merged, and the merge undone.
        route(M::GET, "/cases/{id}/merge", RectifyIdentity, get(cases::merges::show)),
        route(M::POST, "/cases/{id}/merge", RectifyIdentity, post(cases::merges::merge_page)),
        route(M::POST, "/cases/{id}/merge/undo", RectifyIdentity, post(cases::merges::undo_page)),
        route(M::POST, "/api/v1/children/merges", RectifyIdentity, post(cases::merges::merge_api)),
        route(M::POST, "/api/v1/children/merges/{id}/undo", RectifyIdentity, post(cases::merges::undo_api)),
        route(M::POST, "/lang/form", ViewPublic, post(lang_switch::switch_on_form)),
        // Issue 15 §4 / 19 §1: the unified protocol, read as the library is; its figures as the dashboard's.
        route(M::GET, "/protocol", ReadLibrary, get(protocol::pages::current)),
        route(M::GET, "/protocol/{version}", ReadLibrary, get(protocol::pages::version)),
        route(M::GET, "/stats/protocol", ViewStatistics, get(protocol::stats::page)),
        // Issue 17 §1: the Observatory's records in, their statuses out.
        route(M::POST, "/api/v1/observatory/reports", ObservatoryIntake, post(observatory::api::receive_record)),
        route(M::GET, "/api/v1/observatory/statuses", ObservatoryStatuses, get(observatory::api::pull_statuses)),
        route(M::GET, "/observatory", ViewObservatoryReception, get(observatory::pages::reception_page)),
        route(M::GET, "/admin/observatory", KeepObservatoryOutbox, get(observatory::pages::outbox_page)),
        route(M::POST, "/admin/observatory/{id}/send-again", KeepObservatoryOutbox, post(observatory::pages::send_again_page)),
        // Issue 19 §3: the data-quality page.
        route(M::GET, "/quality", ReviewDataQuality, get(quality::page)),
        // Issue 19 §3: the public statistics, and each province's choice to be shown there.
        route(M::GET, "/public/statistics", ViewPublic, get(public::statistics::page)),
        route(M::POST, "/stats/public-choice", PublishProvinceFigures, post(public::statistics::choose_page)),
    ]
}

pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for Route {
        path,
        action,
        handler,
        ..
    } in routes()
    {
        let gate = axum::middleware::from_fn_with_state((state.clone(), action), auth::gate);
        router = router.route(path, handler.route_layer(gate));
    }
    router
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn(error::render_errors))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panic_response,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.settings.hsts,
            security::headers,
        ))
        .layer(axum::middleware::from_fn(error::operation_id))
        .layer(axum::middleware::from_fn(security::finish_reading))
        // Pages, scripts and JSON travel gzipped: the offline capture fits a slow 3G
        // link (issue 16 §3, BENCHMARKS.md); event streams are left as they are.
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state)
}
