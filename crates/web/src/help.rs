//! The public help page, for children and families, without an account: how to get
//! help now (2511, free, and the emergency numbers), then, for the chosen province, its
//! support centres and its directory of services, on a map and as a list.
//!
//! It shows the public view of the directory only: entries marked public, and never a
//! contact point marked private, whoever reads it (a professional signed in on a shared
//! phone must not turn it into an internal page). It reads nothing about any child.

use crate::auth::Caller;
use crate::directory::{OrgView, map_of, org_views};
use crate::error::{page_error, store_failure};
use crate::extract::Shell;
use crate::i18n::Tr;
use crate::pages::{GroupView, territory_groups};
use crate::state::AppState;
use crate::stats::map::Map;
use askama::Template;
use askama_web::WebTemplate;
use awladna_domain::directory::HELP_LINES;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The sector of the ministry that runs the child-protection support centres (مراكز
/// المواكبة, SPEC.md §1): its organisations are the first door in a province.
const SUPPORT_CENTRE_SECTOR: &str = "family_solidarity";

pub struct LineView {
    number: &'static str,
    who: String,
    text: String,
    emergency: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "help.html")]
pub struct HelpPage {
    shell: Shell,
    lines: Vec<LineView>,
    provinces: Vec<GroupView>,
    territory: Option<String>,
    territory_name: String,
    centres: Vec<OrgView>,
    others: Vec<OrgView>,
    map: Option<Map>,
}

#[derive(Deserialize, Default)]
pub struct HelpQuery {
    #[serde(default)]
    territory: String,
}

/// `/help`; the province picker sends `?territory=CODE`, answered with the province's
/// own address so that it can be bookmarked and shared.
pub async fn help(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Query(query): Query<HelpQuery>,
) -> Response {
    let asked = query.territory.trim();
    if !asked.is_empty() {
        return match state.reference.territory(asked) {
            Some(p) if p.kind.hosts_mechanism() => {
                Redirect::to(&format!("/help/{}", p.code)).into_response()
            }
            _ => page_error(t, StatusCode::NOT_FOUND),
        };
    }
    page(&state, t, &caller, uri.path(), None).await
}

pub async fn province(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Path(territory): Path<String>,
) -> Response {
    match state.reference.territory(&territory) {
        Some(p) if p.kind.hosts_mechanism() => {}
        _ => return page_error(t, StatusCode::NOT_FOUND),
    }
    page(&state, t, &caller, uri.path(), Some(territory)).await
}

async fn page(
    state: &AppState,
    t: Tr,
    caller: &Caller,
    here: &str,
    territory: Option<String>,
) -> Response {
    let lines = HELP_LINES
        .iter()
        .map(|line| LineView {
            number: line.number,
            who: t.get(&format!("help-line-{}", line.key)),
            text: t.get(&format!("help-line-{}-text", line.key)),
            emergency: line.emergency,
        })
        .collect();
    let mut listings = match &territory {
        Some(code) => match state.store.directory(code).await {
            Ok(listings) => listings,
            Err(e) => return store_failure(t, &e),
        },
        None => Vec::new(),
    };
    // The public view, whoever asks.
    listings.retain(|l| l.entry.as_ref().is_some_and(|e| e.public));
    // Support centres first, then the rest; the map numbers them in this order.
    listings.sort_by_key(|l| l.organisation.sector != SUPPORT_CENTRE_SECTOR);
    let views = org_views(state, t, &listings, false, |code| format!("#org-{code}"));
    let map = map_of(&listings, &views);
    let (centres, others) = views
        .into_iter()
        .partition(|v| v.sector_code == SUPPORT_CENTRE_SECTOR);
    HelpPage {
        shell: Shell {
            t,
            here: here.to_owned(),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        lines,
        provinces: territory_groups(t, &state.reference, territory.as_deref().unwrap_or("")),
        territory_name: crate::admin::territory_label(state, t, territory.as_deref()),
        territory,
        centres,
        others,
        map,
    }
    .into_response()
}
