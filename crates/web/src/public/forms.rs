//! The reference data and the forms as pages: each form rendered from its definition,
//! to try without storing anything, and the communes of a province for the form's
//! commune field.

use crate::auth::Caller;
use crate::error::AppError;
use crate::extract::Shell;
use crate::forms::{ChoiceView, commune_choices, read_submission, render_form, territory_name};
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_domain::forms::{FieldType, local_zone};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use std::collections::BTreeMap;

pub struct VocabularyView {
    code: String,
    name: String,
    terms: Vec<(String, String)>,
}

pub struct RegionView {
    name: String,
    territories: Vec<(String, String, Option<u8>)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "reference.html")]
pub struct ReferencePage {
    shell: Shell,
    vocabularies: Vec<VocabularyView>,
    regions: Vec<RegionView>,
}

pub async fn reference(State(state): State<AppState>, shell: Shell) -> ReferencePage {
    let t = shell.t;
    let r = &state.reference;
    let vocabularies = r
        .vocabularies()
        .map(|v| VocabularyView {
            code: v.code.clone(),
            name: v.labels.get(t.lang).to_owned(),
            terms: v
                .terms
                .iter()
                .map(|term| (term.code.clone(), term.labels.get(t.lang).to_owned()))
                .collect(),
        })
        .collect();
    let regions = r
        .territories()
        .iter()
        .filter(|region| region.parent_code.is_none())
        .map(|region| RegionView {
            name: territory_name(t, &region.name_ar, &region.name_fr),
            territories: r
                .territories()
                .iter()
                .filter(|p| p.parent_code.as_deref() == Some(region.code.as_str()))
                .map(|p| {
                    (
                        p.code.clone(),
                        territory_name(t, &p.name_ar, &p.name_fr),
                        p.wave,
                    )
                })
                .collect(),
        })
        .collect();
    ReferencePage {
        shell,
        vocabularies,
        regions,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "forms.html")]
pub struct FormsPage {
    shell: Shell,
    forms: Vec<(String, String, u32)>,
}

pub async fn forms(State(state): State<AppState>, shell: Shell) -> FormsPage {
    let forms = state
        .reference
        .forms()
        .map(|f| {
            (
                f.code.clone(),
                f.labels.get(shell.t.lang).to_owned(),
                f.version,
            )
        })
        .collect();
    FormsPage { shell, forms }
}

pub async fn form(
    State(state): State<AppState>,
    shell: Shell,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let form = state.reference.form(&code).ok_or(AppError::NotFound)?;
    let mut values = BTreeMap::new();
    // A quick capture starts at "now": most reports are typed as they come in.
    let now_local = state
        .clock
        .now()
        .to_zoned(local_zone())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string();
    for field in form
        .fields()
        .filter(|f| f.kind == FieldType::Datetime && f.required)
    {
        values.insert(field.code.clone(), vec![now_local.clone()]);
    }
    Ok(render_form(
        shell.t,
        shell.here,
        &caller,
        form,
        &state.reference,
        &values,
        &[],
        None,
    ))
}

/// Checks a filled form and shows it again with every value kept and each problem next
/// to its field. Nothing is stored: this is the forms' preview.
pub async fn try_form(
    State(state): State<AppState>,
    shell: Shell,
    caller: Caller,
    Path(code): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<impl IntoResponse, AppError> {
    let t = shell.t;
    let form = state.reference.form(&code).ok_or(AppError::NotFound)?;
    let (values, input, completeness) = read_submission(form, pairs);
    let result = form.check(&input, completeness, &state.reference, state.clock.now());
    let (errors, outcome, status) = match result {
        Ok(card) if card.complete => (
            Vec::new(),
            Some(t.get("form-outcome-complete")),
            StatusCode::OK,
        ),
        Ok(_) => (
            Vec::new(),
            Some(t.get("form-outcome-draft")),
            StatusCode::OK,
        ),
        Err(errors) => (errors, None, StatusCode::UNPROCESSABLE_ENTITY),
    };
    Ok((
        status,
        render_form(
            t,
            shell.here,
            &caller,
            form,
            &state.reference,
            &values,
            &errors,
            outcome,
        ),
    ))
}

#[derive(Deserialize)]
pub struct CommuneQuery {
    territory: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "commune_options.html")]
pub struct CommuneOptions {
    t: Tr,
    choices: Vec<ChoiceView>,
}

/// The commune list for a territory, swapped in by htmx when the territory changes.
pub async fn commune_options(
    State(state): State<AppState>,
    t: Tr,
    Query(query): Query<CommuneQuery>,
) -> CommuneOptions {
    let territory = query.territory.unwrap_or_default();
    CommuneOptions {
        t,
        choices: commune_choices(t, &state.reference, &territory, ""),
    }
}
