//! The home page and the language switch.

use crate::auth::Caller;
use crate::error::AppError;
use crate::extract::Shell;
use crate::i18n::LANG_COOKIE;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_domain::Lang;
use awladna_domain::access::{Action, Actor, Decision, decide, keeps_directory};
use awladna_store::cases::CaseFilter;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    shell: Shell,
    stages: Vec<String>,
    today: Option<Today>,
    can_report: bool,
    can_read_cases: bool,
    can_keep_directory: bool,
    can_view_statistics: bool,
    /// The committee's panel (`committee_panel.html`), for its people.
    committee: Option<crate::committee::panel::Panel>,
}

/// One counter of the home page: a number that is a link to the list it counts.
pub struct Counter {
    count: i64,
    label: &'static str,
    href: &'static str,
    /// Drawn as needing attention (late, immediate danger) when not zero.
    urgent: bool,
}

/// What needs attention today, as counters that are links, each for those whose role
/// acts on it: the same home for every role, with its own counters.
#[derive(Default)]
pub struct Today {
    counters: Vec<Counter>,
}

impl Today {
    fn add(&mut self, count: i64, label: &'static str, href: &'static str, urgent: bool) {
        self.counters.push(Counter {
            count,
            label,
            href,
            urgent: urgent && count > 0,
        });
    }
}

async fn today(state: &AppState, actor: &Actor) -> Result<Today, awladna_store::StoreError> {
    let mut today = Today::default();
    let territory = actor.territory.clone();
    let may = |action| decide(Some(actor), action, territory.as_deref()) == Decision::Allow;
    // The linking cards waiting for the user's organisation's answer, and the late ones.
    if may(Action::UseReferrals) && !actor.organisation.is_empty() {
        let (waiting, late) = state
            .store
            .inbox_waiting(&actor.organisation, state.now_ms())
            .await?;
        today.add(waiting, "today-inbox", "/referrals?box=inbox", false);
        today.add(late, "today-inbox-late", "/referrals?box=inbox", true);
    }
    if let Some(territory) = &territory {
        let open_at = |risk: &str| CaseFilter {
            territory: Some(territory.clone()),
            risk: Some(risk.to_owned()),
            open_only: true,
            ..Default::default()
        };
        if may(Action::Triage) {
            let waiting = state.store.reports_awaiting_triage(territory, 0).await?.1;
            today.add(waiting, "today-waiting", "/reports/waiting", false);
        }
        if may(Action::ReadCase) {
            let immediate = state.store.cases_page(&open_at("immediate"), 0, 0).await?.1;
            today.add(immediate, "today-immediate", "/cases?risk=immediate", true);
            let high = state.store.cases_page(&open_at("high"), 0, 0).await?.1;
            today.add(high, "today-high", "/cases?risk=high", false);
            let mine = CaseFilter {
                territory: Some(territory.clone()),
                assigned_to: Some(actor.user_id.clone()),
                open_only: true,
                ..Default::default()
            };
            let mine = state.store.cases_page(&mine, 0, 0).await?.1;
            today.add(mine, "today-mine", "/cases?mine=true", false);
            let now = state.now_ms();
            let overdue = state
                .store
                .overdue_actions(Some(territory), now, 0, 0)
                .await?
                .1;
            today.add(overdue, "today-overdue", "/actions/overdue", true);
        }
        if may(Action::ViewAlerts) {
            let alerts = state.store.open_alerts(territory, 100).await?.len();
            today.add(
                i64::try_from(alerts).unwrap_or(0),
                "today-alerts",
                "/alerts",
                false,
            );
        }
    }
    periodic_counters(state, actor, &mut today).await?;
    // Issue 17: the Observatory's operator — its reports the provinces have not
    // triaged yet, and the late ones.
    if may(Action::ViewObservatoryReception) {
        let (waiting, late) = awladna_core::observatory::untriaged(state, actor).await?;
        today.add(waiting, "today-observatory-waiting", "/observatory", false);
        today.add(late, "today-observatory-late", "/observatory", true);
    }
    if may(Action::ManageUsers) {
        let territory = territory.as_deref();
        let users = state.store.users(territory).await?;
        let disabled = users.iter().filter(|u| u.disabled).count();
        let active = users.len() - disabled;
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        today.add(count(active), "today-users", "/admin/users", false);
        today.add(
            count(disabled),
            "today-users-disabled",
            "/admin/users",
            false,
        );
        let organisations = state.store.organisations(territory).await?.len();
        today.add(
            count(organisations),
            "today-organisations",
            "/admin/organisations",
            false,
        );
    }
    Ok(today)
}

/// The periodic reports that wait for the user: to approve, to finish or to submit.
async fn periodic_counters(
    state: &AppState,
    actor: &Actor,
    today: &mut Today,
) -> Result<(), awladna_store::StoreError> {
    use awladna_domain::access::{ReportStep, decide_periodic_report};
    use awladna_domain::periodic::{Kind, Status};
    let prepares = decide(Some(actor), Action::PrepareReport, None) == Decision::Allow;
    let approves = decide(Some(actor), Action::ApproveReport, None) == Decision::Allow;
    if !prepares && !approves {
        return Ok(());
    }
    let (mut to_approve, mut to_finish, mut to_submit) = (0, 0, 0);
    for report in state
        .store
        .periodic_reports(actor.territory.as_deref())
        .await?
    {
        let Some(kind) = Kind::parse(&report.kind) else {
            continue;
        };
        let may =
            |step| decide_periodic_report(actor, step, kind, &report.territory) == Decision::Allow;
        match Status::parse(&report.status) {
            Some(Status::Draft) if may(ReportStep::Approve) => to_approve += 1,
            Some(Status::Draft) if may(ReportStep::Prepare) => to_finish += 1,
            Some(Status::Approved) if may(ReportStep::Prepare) => to_submit += 1,
            _ => {}
        }
    }
    if approves {
        today.add(
            to_approve,
            "today-reports-to-approve",
            "/periodic-reports",
            false,
        );
    }
    if prepares {
        today.add(
            to_finish,
            "today-reports-drafts",
            "/periodic-reports",
            false,
        );
        today.add(
            to_submit,
            "today-reports-to-submit",
            "/periodic-reports",
            false,
        );
    }
    Ok(())
}

pub async fn home(
    State(state): State<AppState>,
    shell: Shell,
    caller: Caller,
) -> Result<HomePage, AppError> {
    let t = shell.t;
    let stages = state
        .reference
        .vocabulary("stages")
        .map(|v| {
            v.terms
                .iter()
                .filter(|s| s.code != "closed")
                .map(|s| s.labels.get(t.lang).to_owned())
                .collect()
        })
        .unwrap_or_default();
    let actor = caller.actor.as_ref().filter(|a| a.token_scope.is_none());
    let today = match actor {
        Some(actor) => Some(today(&state, actor).await?),
        None => None,
    };
    let committee = match actor {
        Some(actor) => crate::committee::panel::panel(&state, t, actor)
            .await
            .map_err(AppError::Internal)?,
        None => None,
    };
    let allowed = |action| actor.is_some_and(|a| decide(Some(a), action, None) == Decision::Allow);
    Ok(HomePage {
        shell,
        today,
        can_report: allowed(Action::RecordReport),
        can_read_cases: allowed(Action::ReadCase),
        can_keep_directory: actor.is_some_and(keeps_directory),
        can_view_statistics: allowed(Action::ViewStatistics),
        committee,
        stages,
    })
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Remembers the chosen language for a year and returns to the page the user was on.
pub async fn switch_language(
    Path(code): Path<String>,
    Query(query): Query<NextQuery>,
) -> Result<impl IntoResponse, AppError> {
    let lang = code.parse::<Lang>().map_err(|_| AppError::NotFound)?;
    // Only a local path: a crafted link must not send the user to another site.
    let next = crate::signin::local_path(query.next.as_deref());
    let cookie = format!("{LANG_COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly");
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&next)))
}
