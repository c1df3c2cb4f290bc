//! Flags on a case (issue 18): the banner every page of the case shows, the page that
//! adds and removes them (each with a reason), and the API. The use cases are
//! `awladna_core::flags`'.

use crate::error::AppError;
use crate::extract::{ApiJson, Guard, Shell};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::times::local_time;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::cases::{CaseError, Use};
use awladna_core::flags::{FlagInput, MAX_REASON, MAX_TEXT, OpenedFlag, add, of_case, remove};
use awladna_core::{CoreError, act};
use awladna_domain::forms::FieldError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

/// A flag as the pages show it.
pub struct FlagView {
    pub id: String,
    pub text: String,
    pub reason: String,
    pub shareable: bool,
    pub by: String,
    pub at: String,
    pub version: i64,
}

impl FlagView {
    pub fn of(f: &OpenedFlag) -> FlagView {
        FlagView {
            id: f.id.clone(),
            text: f.text.clone(),
            reason: f.reason.clone(),
            shareable: f.shareable,
            by: f.added_by.clone(),
            at: local_time(f.added_at),
            version: f.version,
        }
    }
}

/// The flags in place on a case, for its pages' banner (the caller has been let read
/// the case).
pub async fn banner(state: &AppState, case_id: &str) -> Result<Vec<FlagView>, AppError> {
    Ok(of_case(state, case_id)
        .await?
        .iter()
        // A flag erased under the retention rule has no words left to warn with.
        .filter(|f| f.active() && !f.text.is_empty())
        .map(FlagView::of)
        .collect())
}

/// The timeline's lines of a case's flags: each added, each removed, with its reason.
pub fn timeline_lines(t: Tr, flags: &[OpenedFlag]) -> Vec<(i64, String, Option<String>)> {
    let mut lines = Vec::new();
    for f in flags {
        lines.push((
            f.added_at,
            format!("{} «{}» — {}", t.get("flag-added"), f.text, f.added_by),
            Some(f.reason.clone()),
        ));
        if let (Some(at), Some(by)) = (f.removed_at, &f.removed_by) {
            lines.push((
                at,
                format!("{} «{}» — {}", t.get("flag-removed"), f.text, by),
                f.removal_reason.clone(),
            ));
        }
    }
    lines
}

#[derive(Template, WebTemplate)]
#[template(path = "case_flags.html")]
pub struct FlagsPage {
    shell: Shell,
    id: String,
    number: String,
    flags: Vec<FlagView>,
    /// The add form's values, kept on an error.
    text: String,
    reason: String,
    shareable: bool,
    key: String,
    errors: Vec<(String, String)>,
    max_text: usize,
    max_reason: usize,
}

fn field_errors(t: Tr, errors: &[FieldError]) -> Vec<(String, String)> {
    errors
        .iter()
        .map(|e| {
            (
                e.field.clone(),
                format!(
                    "{}: {}",
                    t.get(&format!("flag-field-{}", e.field)),
                    t.with(e.problem.message_id(), &e.problem.arguments())
                ),
            )
        })
        .collect()
}

async fn page(
    state: &AppState,
    shell: Shell,
    permit: &awladna_core::Permit<act::WorkOnCase>,
    case_id: &str,
    typed: Option<&FlagForm>,
    errors: Vec<(String, String)>,
) -> Result<Response, AppError> {
    let case = state.case_of(permit, case_id, Use::Change).await?;
    let status = match errors.is_empty() {
        true => StatusCode::OK,
        false => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let page = FlagsPage {
        id: case.id.clone(),
        number: case.number.clone(),
        flags: banner(state, &case.id).await?,
        text: typed.map(|f| f.text.clone()).unwrap_or_default(),
        reason: typed.map(|f| f.reason.clone()).unwrap_or_default(),
        shareable: typed.is_some_and(|f| f.shareable()),
        key: uuid::Uuid::now_v7().to_string(),
        errors,
        max_text: MAX_TEXT,
        max_reason: MAX_REASON,
        shell,
    };
    Ok((status, page).into_response())
}

/// The case's flags, the form that adds one and a removal form beside each.
pub async fn show(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::WorkOnCase>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    page(&state, shell, &permit, &id, None, Vec::new()).await
}

#[derive(Deserialize)]
pub struct FlagForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    reason: String,
    #[serde(default, deserialize_with = "crate::forms::flag")]
    shareable: bool,
    #[serde(rename = "_key")]
    key: Option<String>,
}

impl FlagForm {
    fn shareable(&self) -> bool {
        self.shareable
    }

    fn input(&self) -> FlagInput<'_> {
        FlagInput {
            text: &self.text,
            reason: &self.reason,
            shareable: self.shareable,
        }
    }
}

pub async fn add_page(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::WorkOnCase>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<FlagForm>,
) -> Result<Response, AppError> {
    match add(&state, &permit, &id, &form.input(), form.key.as_deref()).await {
        Ok(added) => Ok(Redirect::to(&crate::forms::saved_at(
            &format!("/cases/{id}"),
            added.repeated,
        ))
        .into_response()),
        Err(CaseError::Core(CoreError::Invalid(errors))) => {
            let errors = field_errors(shell.t, &errors);
            let shell = shell.at(format!("/cases/{id}/flags"));
            page(&state, shell, &permit, &id, Some(&form), errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    flag_id: String,
    #[serde(default)]
    reason: String,
    version: Option<i64>,
}

pub async fn remove_page(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::WorkOnCase>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<RemoveForm>,
) -> Result<Response, AppError> {
    match remove(
        &state,
        &permit,
        &id,
        &form.flag_id,
        &form.reason,
        form.version,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}/flags")).into_response()),
        Err(CaseError::Core(CoreError::Invalid(errors))) => {
            let errors = field_errors(shell.t, &errors);
            let shell = shell.at(format!("/cases/{id}/flags"));
            page(&state, shell, &permit, &id, None, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

fn flag_json(f: &OpenedFlag) -> Value {
    json!({
        "id": f.id, "text": f.text, "reason": f.reason, "shareable": f.shareable,
        "added_by": f.added_by, "added_at": f.added_at, "removed_by": f.removed_by,
        "removed_at": f.removed_at, "removal_reason": f.removal_reason, "version": f.version,
    })
}

/// The case's flags through the API, the removed ones included.
pub async fn list_api(
    State(state): State<AppState>,
    Guard(permit): Guard<act::WorkOnCase>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let case = state.case_of(&permit, &id, Use::Read).await?;
    let flags = of_case(&state, &case.id).await?;
    Ok(Json(
        json!({"items": flags.iter().map(flag_json).collect::<Vec<_>>()}),
    ))
}

pub async fn add_api(
    State(state): State<AppState>,
    Guard(permit): Guard<act::WorkOnCase>,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<FlagForm>,
) -> Result<Response, AppError> {
    let added = add(&state, &permit, &id, &form.input(), form.key.as_deref()).await?;
    let status = match added.repeated {
        true => StatusCode::OK,
        false => StatusCode::CREATED,
    };
    Ok((
        status,
        Json(json!({"id": added.id, "repeated": added.repeated})),
    )
        .into_response())
}

pub async fn remove_api(
    State(state): State<AppState>,
    Guard(permit): Guard<act::WorkOnCase>,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<RemoveForm>,
) -> Result<Json<Value>, AppError> {
    remove(
        &state,
        &permit,
        &id,
        &form.flag_id,
        &form.reason,
        form.version,
    )
    .await?;
    Ok(Json(json!({"removed": form.flag_id})))
}
