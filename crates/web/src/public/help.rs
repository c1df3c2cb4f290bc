//! The public help page, for children and families, without an account: how to get
//! help now (2511, free, and the emergency numbers), then, for the chosen province, its
//! support centres and its directory of services, on a map and as a list.
//!
//! It shows the public view of the directory only: entries marked public, and never a
//! contact point marked private, whoever reads it (a professional signed in on a shared
//! phone must not turn it into an internal page). It reads nothing about any child.

use crate::directory::{OrgView, map_of, org_views};
use crate::error::AppError;
use crate::extract::Shell;
use crate::forms::{GroupView, territory_groups};
use crate::state::AppState;
use crate::stats::map::Map;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::directory::public_listings;
use awladna_domain::directory::HELP_LINES;
use axum::extract::{Path, Query, State};
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
    shell: Shell,
    Query(query): Query<HelpQuery>,
) -> Result<Response, AppError> {
    let asked = query.territory.trim();
    if asked.is_empty() {
        return Ok(page(&state, shell, None).await?.into_response());
    }
    let province = hosting(&state, asked)?;
    Ok(Redirect::to(&format!("/help/{province}")).into_response())
}

pub async fn province(
    State(state): State<AppState>,
    shell: Shell,
    Path(territory): Path<String>,
) -> Result<HelpPage, AppError> {
    let code = hosting(&state, &territory)?;
    page(&state, shell, Some(code)).await
}

/// The code of a province that hosts the mechanism, or not found.
fn hosting(state: &AppState, code: &str) -> Result<String, AppError> {
    match state.reference.territory(code) {
        Some(p) if p.kind.hosts_mechanism() => Ok(p.code.clone()),
        _ => Err(AppError::NotFound),
    }
}

async fn page(
    state: &AppState,
    shell: Shell,
    territory: Option<String>,
) -> Result<HelpPage, AppError> {
    let t = shell.t;
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
        Some(code) => public_listings(state, code).await?,
        None => Vec::new(),
    };
    // Support centres first, then the rest; the map numbers them in this order.
    listings.sort_by_key(|l| l.organisation.sector != SUPPORT_CENTRE_SECTOR);
    let views = org_views(state, t, &listings, false, |code| format!("#org-{code}"));
    let map = map_of(&listings, &views);
    let (centres, others) = views
        .into_iter()
        .partition(|v| v.sector_code == SUPPORT_CENTRE_SECTOR);
    Ok(HelpPage {
        provinces: territory_groups(t, &state.reference, territory.as_deref().unwrap_or("")),
        territory_name: crate::admin::territory_label(state, t, territory.as_deref()),
        shell,
        lines,
        territory,
        centres,
        others,
        map,
    })
}
