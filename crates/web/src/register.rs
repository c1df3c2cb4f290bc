//! The province's children's register (سجل الأطفال): every child once, newest first,
//! with their number of cases and the latest one. Names are opened for the page shown
//! and the read is audited.

use crate::auth::Caller;
use crate::case_cards::{display_name, open_identity};
use crate::error::{internal, page_refusal};
use crate::extract::Shell;
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_domain::access::{Action, Decision, decide};
use axum::extract::{OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

const PAGE_SIZE: i64 = 50;

pub struct ChildLine {
    name: String,
    sex: String,
    birth_year: String,
    cases: i64,
    last_case: Option<(String, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "register.html")]
pub struct RegisterPage {
    shell: Shell,
    territory: String,
    children: Vec<ChildLine>,
    total: i64,
    page: i64,
    pages: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "register_search.html")]
pub struct SearchPage {
    shell: Shell,
    q: String,
    problem: Option<String>,
    children: Vec<ChildLine>,
}

#[derive(Deserialize)]
pub struct RegisterQuery {
    page: Option<i64>,
}

pub async fn register(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Query(query): Query<RegisterQuery>,
) -> Response {
    let Some(actor) = caller.actor.as_ref() else {
        return page_refusal(t, StatusCode::FORBIDDEN, "auth-forbidden");
    };
    // The register is a province's: a national reader has none to browse.
    let Some(territory) = actor.territory.clone() else {
        return page_refusal(t, StatusCode::FORBIDDEN, "register-national");
    };
    if decide(Some(actor), Action::ReadCase, Some(&territory)) != Decision::Allow {
        return page_refusal(t, StatusCode::FORBIDDEN, "auth-forbidden");
    }
    let page = query.page.unwrap_or(1).clamp(1, i64::MAX / PAGE_SIZE);
    let (rows, total) = match state
        .store
        .register_page(&territory, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        .await
    {
        Ok(found) => found,
        Err(e) => return crate::error::store_failure(t, &e),
    };
    let mut children = Vec::with_capacity(rows.len());
    for row in rows {
        let identity = match open_identity(&state, &row.child_id, row.identity.as_deref()) {
            Ok(identity) => identity,
            Err(detail) => return internal(false, t, &detail),
        };
        let name = display_name(&identity);
        children.push(ChildLine {
            name: if name.is_empty() {
                t.get("child-unnamed")
            } else {
                name
            },
            sex: state.label(t, "sex", &row.sex),
            birth_year: row.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            cases: row.cases,
            last_case: row
                .last_case
                .map(|(id, number, stage)| (id, number, state.label(t, "stages", &stage))),
        });
    }
    let entry = caller.audit_entry(
        state.now_ms(),
        "children.register_read",
        ("territory", &territory),
        &territory,
        json!({"page": page, "shown": children.len()}),
    );
    if let Err(e) = state.audit_alone(entry).await {
        return crate::error::store_failure(t, &e);
    }
    let place = state
        .reference
        .territory(&territory)
        .map(|p| {
            if t.lang == awladna_domain::Lang::Ar {
                p.name_ar.clone()
            } else {
                p.name_fr.clone()
            }
        })
        .unwrap_or(territory);
    RegisterPage {
        shell: Shell {
            t,
            here: uri.path().to_owned(),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        territory: place,
        children,
        total,
        page,
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
    }
    .into_response()
}

/// `POST /children/search` with `q`: the register's children whose name sounds like the
/// query, best first, each with their cases. Posted, not in the address: a name typed
/// there would stay in the browser's history and in proxies' logs.
pub async fn search_page(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    axum::Form(query): axum::Form<crate::children::SearchQuery>,
) -> Response {
    let found = match crate::children::find_children(&state, &caller, &query.q).await {
        Ok(found) => found,
        Err(detail) => return internal(false, t, &detail),
    };
    let (ranked, problem) = match found {
        Ok(ranked) => (ranked, None),
        Err(e) => (
            Vec::new(),
            Some(t.with(e.problem.message_id(), &e.problem.arguments())),
        ),
    };
    let mut children = Vec::with_capacity(ranked.len());
    for r in &ranked {
        let cases = match state.store.cases_of_child(r.child_id()).await {
            Ok(cases) => cases,
            Err(e) => return crate::error::store_failure(t, &e),
        };
        let name = r.name();
        children.push(ChildLine {
            name: if name.is_empty() {
                t.get("child-unnamed")
            } else {
                name
            },
            sex: state.label(t, "sex", r.sex()),
            birth_year: r.birth_year().map(|y| y.to_string()).unwrap_or_default(),
            cases: i64::try_from(cases.len()).unwrap_or(i64::MAX),
            last_case: cases
                .into_iter()
                .next()
                .map(|(id, number, stage)| (id, number, state.label(t, "stages", &stage))),
        });
    }
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (
        status,
        SearchPage {
            shell: Shell {
                t,
                here: uri.path().to_owned(),
                user: caller.username.clone(),
                csrf: caller.csrf.clone(),
            },
            q: query.q.chars().take(120).collect(),
            problem,
            children,
        },
    )
        .into_response()
}
