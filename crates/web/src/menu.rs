//! The menus: each entry is a page of the route table, shown to a person only when the
//! policy lets them open it. The action is the route's own (looked up in `routes()`),
//! so a menu cannot offer a page the gate would refuse, nor hide one it would open.

use awladna_domain::access::{Action, Actor, Decision, decide};
use axum::http::Method;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Where an entry shows: the header (the few pages used every day) or the footer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Header,
    Footer,
}

/// One entry: the page's path, the message naming it, and where it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MenuEntry {
    pub path: &'static str,
    pub label: &'static str,
    pub place: Place,
}

const fn entry(path: &'static str, label: &'static str, place: Place) -> MenuEntry {
    MenuEntry { path, label, place }
}

/// Every entry a signed-in person may be offered, in the order shown.
#[rustfmt::skip] // one entry per line reads as a table
pub const ENTRIES: &[MenuEntry] = &[
    entry("/tasks", "tasks-title", Place::Header),
    entry("/cases", "cases-title", Place::Header),
    entry("/referrals", "referrals-title", Place::Header),
    entry("/children", "register-title", Place::Header),
    entry("/committee", "committee-title", Place::Header),
    entry("/decisions", "decisions-title", Place::Header),
    entry("/stats", "stats-title", Place::Header),
    entry("/directory", "directory-title", Place::Header),
    entry("/admin/users", "admin-users-title", Place::Header),
    entry("/reports/waiting", "waiting-title", Place::Footer),
    entry("/actions/overdue", "overdue-title", Place::Footer),
    entry("/alerts", "alerts-title", Place::Footer),
    entry("/periodic-reports", "periodic-title", Place::Footer),
    entry("/audit", "audit-title", Place::Footer),
    entry("/admin/organisations", "admin-organisations-title", Place::Footer),
    entry("/forms", "nav-forms", Place::Footer),
    entry("/reference", "nav-reference", Place::Footer),
    // Issue 15.
    entry("/training", "training-title", Place::Footer),
    entry("/rollout", "rollout-title", Place::Footer),
    entry("/library", "library-title", Place::Footer),
    // Issue 14 §3–4: the diagnosis and the action plan.
    entry("/diagnoses", "diagnoses-title", Place::Footer),
    entry("/action-plans", "plans-title", Place::Footer),
    // Issue 15 §4: transfers between provinces.
    entry("/transfers", "transfers-title", Place::Footer),
    // Issue 15 §4: the unified protocol.
    entry("/protocol", "protocol-title", Place::Footer),
    // Issue 17 §1: the Observatory's reception, and its status outbox.
    entry("/observatory", "observatory-reception-title", Place::Header),
    entry("/admin/observatory", "observatory-outbox-title", Place::Footer),
    // Issue 19 §3: the data-quality page.
    entry("/quality", "quality-title", Place::Footer),
];

/// The action of the page (GET route) at `path`, as the route table declares it.
pub fn page_action(path: &str) -> Option<Action> {
    static PAGES: OnceLock<HashMap<&'static str, Action>> = OnceLock::new();
    PAGES
        .get_or_init(|| {
            crate::routes()
                .into_iter()
                .filter(|r| r.method == Method::GET)
                .map(|r| (r.path, r.action))
                .collect()
        })
        .get(path)
        .copied()
}

/// The entries `actor` may open: none for a machine client or a visitor (the public
/// links are the template's own).
pub fn entries_for(actor: Option<&Actor>) -> Vec<MenuEntry> {
    let Some(actor) = actor.filter(|a| a.token_scope.is_none()) else {
        return Vec::new();
    };
    ENTRIES
        .iter()
        .filter(|e| {
            page_action(e.path)
                .is_some_and(|action| decide(Some(actor), action, None) == Decision::Allow)
        })
        .copied()
        .collect()
}
