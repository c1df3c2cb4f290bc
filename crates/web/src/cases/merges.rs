//! Two records of one child, compared side by side and merged (issue 18): from a
//! case's page, the child's possible duplicates in the province; beside one of them,
//! both identities and their cases, and the merge that keeps one; the merges the child
//! took part in, each with who merged and when, and its undo. The use cases are
//! `awladna_core::merges`'.

use crate::error::AppError;
use crate::extract::{ApiJson, Guard, Shell};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::times::local_time;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::act;
use awladna_core::cases::Use;
use awladna_core::merges::{Compared, MergeError, compared, duplicates_of, merge, merges_of, undo};
use awladna_core::sealing::display_name;
use awladna_domain::access::Action;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

impl From<MergeError> for AppError {
    fn from(e: MergeError) -> Self {
        match e {
            MergeError::Core(e) => e.into(),
            MergeError::SameChild => AppError::refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "same_child",
                "merge-same-child",
            ),
            MergeError::Chain => AppError::refused(StatusCode::CONFLICT, "chain", "merge-chain"),
            MergeError::Stale => AppError::refused(StatusCode::CONFLICT, "stale", "merge-stale"),
        }
    }
}

/// A child as the comparison shows it, in the reader's language.
pub struct ChildColumn {
    id: String,
    version: i64,
    name: String,
    sex: String,
    born: String,
    mother: String,
    address: String,
    cases: Vec<(String, String, String)>,
    merged_away: bool,
}

fn column(state: &AppState, t: Tr, c: Compared) -> ChildColumn {
    let field = |name: &str| {
        c.identity
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let born = match field("birth_date") {
        d if d.is_empty() => c.birth_year.map(|y| y.to_string()).unwrap_or_default(),
        d => d,
    };
    ChildColumn {
        name: display_name(&c.identity),
        sex: state.label(t, "sex", &c.sex),
        mother: field("mother_name"),
        address: field("address"),
        born,
        cases: c
            .cases
            .into_iter()
            .map(|(id, number, stage)| (id, number, state.label(t, "stages", &stage)))
            .collect(),
        merged_away: c.standing.merged_into.is_some(),
        version: c.standing.version,
        id: c.id,
    }
}

pub struct DuplicateLine {
    id: String,
    name: String,
    born: String,
    score: String,
}

pub struct MergeView {
    id: String,
    text: String,
    version: i64,
    /// Still in force, and kept this child: it may be undone from here.
    undoable: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "child_merge.html")]
pub struct MergePage {
    shell: Shell,
    case_id: String,
    number: String,
    child: ChildColumn,
    other: Option<ChildColumn>,
    duplicates: Vec<DuplicateLine>,
    merges: Vec<MergeView>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct MergeQuery {
    with: Option<String>,
    done: Option<String>,
}

/// The comparison page of the case's child: its possible duplicates, or one of them
/// beside it with the merge form; and its merges.
pub async fn show(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::RectifyIdentity>,
    Path(id): Path<String>,
    Query(query): Query<MergeQuery>,
) -> Result<Response, AppError> {
    let t = shell.t;
    let case = state
        .case_for(permit.who(), &id, Action::RectifyIdentity, Use::Read)
        .await?;
    let with = query.with.filter(|w| !w.is_empty());
    let child = compared(&state, &permit, &case.child_id, with.as_deref()).await?;
    let (other, duplicates) = match &with {
        Some(other) => {
            let other = compared(&state, &permit, other, Some(&case.child_id)).await?;
            (Some(column(&state, t, other)), Vec::new())
        }
        None => {
            let found = duplicates_of(&state, &permit, &child).await?;
            let lines = found
                .iter()
                .map(|r| DuplicateLine {
                    id: r.child_id().to_owned(),
                    name: r.name(),
                    born: r.birth_year().map(|y| y.to_string()).unwrap_or_default(),
                    score: format!("{:.0}%", r.score * 100.0),
                })
                .collect();
            (None, lines)
        }
    };
    let merges = merges_of(&state, &case.child_id)
        .await?
        .into_iter()
        .map(|m| {
            let undone = m
                .undone_by
                .as_ref()
                .zip(m.merge.undone_at)
                .map(|(by, at)| format!(" · {} {by} {}", t.get("merge-undone-by"), local_time(at)))
                .unwrap_or_default();
            MergeView {
                text: format!(
                    "{} {} {}{undone}",
                    t.get("merge-done-by"),
                    m.merged_by,
                    local_time(m.merge.merged_at)
                ),
                undoable: m.merge.undone_at.is_none() && m.merge.survivor_id == case.child_id,
                version: m.merge.version,
                id: m.merge.id,
            }
        })
        .collect();
    let page = MergePage {
        case_id: case.id.clone(),
        number: case.number.clone(),
        child: column(&state, t, child),
        other,
        duplicates,
        merges,
        notice: query.done.map(|d| {
            t.get(&format!(
                "merge-notice-{}",
                if d == "undo" { "undone" } else { "merged" }
            ))
        }),
        shell,
    };
    Ok(page.into_response())
}

#[derive(Deserialize)]
pub struct MergeForm {
    #[serde(default)]
    kept: String,
    kept_version: Option<i64>,
    #[serde(default)]
    merged: String,
    merged_version: Option<i64>,
}

/// The case a page's merge form was posted from, if the reader may edit its child.
async fn from_case(
    state: &AppState,
    permit: &awladna_core::Permit<act::RectifyIdentity>,
    case_id: &str,
) -> Result<(), AppError> {
    state
        .case_for(permit.who(), case_id, Action::RectifyIdentity, Use::Read)
        .await?;
    Ok(())
}

async fn merge_form(
    state: &AppState,
    permit: &awladna_core::Permit<act::RectifyIdentity>,
    form: &MergeForm,
) -> Result<String, AppError> {
    let (Some(kept_version), Some(merged_version)) = (form.kept_version, form.merged_version)
    else {
        return Err(AppError::refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "merge-stale",
        ));
    };
    Ok(merge(
        state,
        permit,
        (&form.kept, kept_version),
        (&form.merged, merged_version),
    )
    .await?)
}

pub async fn merge_page(
    State(state): State<AppState>,
    Guard(permit): Guard<act::RectifyIdentity>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<MergeForm>,
) -> Result<Response, AppError> {
    from_case(&state, &permit, &id).await?;
    merge_form(&state, &permit, &form).await?;
    Ok(Redirect::to(&format!("/cases/{id}/merge?done=merge")).into_response())
}

pub async fn merge_api(
    State(state): State<AppState>,
    Guard(permit): Guard<act::RectifyIdentity>,
    ApiJson(form): ApiJson<MergeForm>,
) -> Result<Response, AppError> {
    let id = merge_form(&state, &permit, &form).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "kept": form.kept})),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct UndoForm {
    #[serde(default)]
    merge_id: String,
    version: Option<i64>,
}

pub async fn undo_page(
    State(state): State<AppState>,
    Guard(permit): Guard<act::RectifyIdentity>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<UndoForm>,
) -> Result<Response, AppError> {
    from_case(&state, &permit, &id).await?;
    if form.merge_id.is_empty() {
        return Err(AppError::refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "form-error-unknown-code",
        ));
    }
    undo(&state, &permit, &form.merge_id, form.version.unwrap_or(-1)).await?;
    Ok(Redirect::to(&format!("/cases/{id}/merge?done=undo")).into_response())
}

pub async fn undo_api(
    State(state): State<AppState>,
    Guard(permit): Guard<act::RectifyIdentity>,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<UndoForm>,
) -> Result<Json<Value>, AppError> {
    let kept = undo(&state, &permit, &id, form.version.unwrap_or(-1)).await?;
    Ok(Json(json!({"id": id, "kept": kept})))
}
