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

/// What needs attention today, as counters that are links (each for those who may act).
#[derive(Default)]
pub struct Today {
    waiting: Option<i64>,
    immediate: Option<i64>,
    high: Option<i64>,
    alerts: Option<i64>,
    /// Open cases the user follows, and the province's overdue plan actions.
    mine: Option<i64>,
    overdue: Option<i64>,
}

async fn today(state: &AppState, actor: &Actor) -> Result<Today, awladna_store::StoreError> {
    let Some(territory) = actor.territory.clone() else {
        return Ok(Today::default());
    };
    let may = |action| decide(Some(actor), action, Some(&territory)) == Decision::Allow;
    let open_at = |risk: &str| CaseFilter {
        territory: Some(territory.clone()),
        risk: Some(risk.to_owned()),
        open_only: true,
        ..Default::default()
    };
    let mut today = Today::default();
    if may(Action::Triage) {
        today.waiting = Some(state.store.reports_awaiting_triage(&territory, 0).await?.1);
    }
    if may(Action::ReadCase) {
        today.immediate = Some(state.store.cases_page(&open_at("immediate"), 0, 0).await?.1);
        today.high = Some(state.store.cases_page(&open_at("high"), 0, 0).await?.1);
        let mine = CaseFilter {
            territory: Some(territory.clone()),
            assigned_to: Some(actor.user_id.clone()),
            open_only: true,
            ..Default::default()
        };
        today.mine = Some(state.store.cases_page(&mine, 0, 0).await?.1);
        let now = state.now_ms();
        today.overdue = Some(
            state
                .store
                .overdue_actions(Some(&territory), now, 0, 0)
                .await?
                .1,
        );
    }
    if may(Action::ViewAlerts) {
        today.alerts =
            Some(i64::try_from(state.store.open_alerts(&territory, 100).await?.len()).unwrap_or(0));
    }
    Ok(today)
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
