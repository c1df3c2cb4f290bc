//! The behaviour suite: one test binary (each extra one costs link time on 2 cores).
//! Every behaviour runs on SQLite, and on PostgreSQL when AWLADNA_TEST_DATABASE_URL is
//! set (CI sets it). Each test gets its own fresh database or schema.

// A test fails by panicking: that is what unwrap, expect and panic are for here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin;
mod api;
mod audit;
mod auth;
mod backup;
mod break_glass;
mod browser;
mod browser_journeys;
mod case_work;
mod cases;
mod children;
mod cli;
mod committee;
mod demo;
mod devices;
mod directory;
mod drafts;
mod hostile_input;
mod journeys;
mod name_search;
mod pages;
mod periodic_reports;
mod policy;
mod read_back;
mod referrals;
mod reports;
mod retention;
mod services_write;
mod stats;
mod stats_api;
mod stats_export;
mod stolen_database;
mod store;
mod support;
// Issue 15.
mod browser_training;
mod library;
mod rollout;
mod training;
// Issue 14 §3–4: the diagnosis and the action plan.
mod browser_committee;
mod planning;
// journeys2 (issue 18): explicit step back, flags, approvals, merge
mod approvals;
mod browser_journeys2;
mod case_flags;
mod explicit_back;
mod lang_switch;
// Offline field work (issue 16 §3).
mod browser_field;
mod browser_moves;
mod child_merge;
mod field_sync;
mod transfer;
// Issue 15 §4 / 19 §1: the unified protocol.
mod browser_protocol;
mod protocol;
// Issue 17 §1: the Observatory's intake and its status outbox.
mod observatory;
// Issue 19 §1–2: outcomes, cross-tables, trends, provinces against the nation.
mod outcomes;
// The plan review (issue 19 §4).
mod plan_review;
// Issue 19 §3: the data-quality page.
mod quality;
// Issue 19 §3: the public statistics page.
mod browser_public_stats;
mod public_stats;
