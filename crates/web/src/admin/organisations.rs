//! The organisations of the administrator's territory: the list and adding one.

use super::{refusal_message, status_for, territory_label};
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::accounts;
use awladna_core::{Permit, act};
use awladna_domain::access::administers;
use awladna_store::identity::Organisation;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "admin_organisations.html")]
pub struct OrganisationsPage {
    shell: Shell,
    organisations: Vec<(String, String, String, String)>,
    sectors: Vec<(String, String)>,
    territories: Vec<(String, String)>,
    national: bool,
    message: Option<String>,
    /// Issue 19 §3: whether the province shows its figures on the public page.
    public_choice: Option<bool>,
}

async fn organisations_page(
    state: &AppState,
    shell: Shell,
    permit: &Permit<act::ManageOrganisations>,
    message: Option<String>,
) -> Result<Response, AppError> {
    let t = shell.t;
    let actor = permit.actor();
    let organisations = accounts::organisations(state, permit).await?;
    let sectors_vocabulary = state.reference.vocabulary("sectors");
    let sector_label = |code: &str| {
        sectors_vocabulary
            .and_then(|v| v.label(code, t.lang))
            .unwrap_or(code)
            .to_owned()
    };
    let organisations = organisations
        .iter()
        .map(|o| {
            (
                o.code.clone(),
                o.name.clone(),
                sector_label(&o.sector),
                territory_label(state, t, o.territory.as_deref()),
            )
        })
        .collect();
    let sectors = sectors_vocabulary
        .map(|v| {
            v.terms
                .iter()
                .map(|s| (s.code.clone(), s.labels.get(t.lang).to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let territories = state
        .reference
        .territories()
        .iter()
        .filter(|p| p.kind.hosts_mechanism() && administers(actor, Some(&p.code)))
        .map(|p| (p.code.clone(), territory_label(state, t, Some(&p.code))))
        .collect();
    let status = status_for(&message);
    let public_choice = crate::public::statistics::choice_of(state, actor).await?;
    let page = OrganisationsPage {
        public_choice,
        shell,
        organisations,
        sectors,
        territories,
        national: actor.is_national(),
        message,
    };
    Ok((status, page).into_response())
}

pub async fn list(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ManageOrganisations>,
    shell: Shell,
) -> Result<Response, AppError> {
    organisations_page(&state, shell, &permit, None).await
}

#[derive(Deserialize)]
pub struct OrganisationForm {
    code: String,
    sector: String,
    territory: String,
    name: String,
}

pub async fn add(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ManageOrganisations>,
    shell: Shell,
    axum::Form(form): axum::Form<OrganisationForm>,
) -> Result<Response, AppError> {
    let org = Organisation {
        code: form.code.trim().to_owned(),
        sector: form.sector,
        territory: Some(form.territory.trim().to_owned()).filter(|t| !t.is_empty()),
        name: form.name,
    };
    let message = match accounts::add_organisation(&state, &permit, org).await {
        Ok(()) => None,
        Err(e) => match refusal_message(&e) {
            Some(message) => Some(shell.t.get(message)),
            None => return Err(e.into()),
        },
    };
    organisations_page(&state, shell, &permit, message).await
}
