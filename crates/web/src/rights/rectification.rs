//! The right of rectification's page: the child's identity to correct, and the history
//! of corrections the case page shows.

use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::times::local_time;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::act;
use awladna_core::rectification::{FIELDS, IdentityProblem, RectifyError, open, rectify};
use awladna_store::cases::CaseRecord;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Map, Value};

impl From<RectifyError> for AppError {
    fn from(e: RectifyError) -> Self {
        match e {
            RectifyError::Core(e) => e.into(),
            RectifyError::Closed => crate::cases::closed(),
            RectifyError::Erased => {
                AppError::refused(StatusCode::CONFLICT, "erased", "identity-erased")
            }
            RectifyError::ChangedMeanwhile => {
                AppError::refused(StatusCode::CONFLICT, "stale", "identity-changed-meanwhile")
            }
            // The page shows the form again with its problems; this is for any other caller.
            RectifyError::Invalid { .. } => AppError::Invalid(Vec::new()),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "identity.html")]
pub struct IdentityPage {
    shell: Shell,
    case_id: String,
    case_number: String,
    /// (field code, label, value).
    fields: Vec<(String, String, String)>,
    errors: Vec<String>,
}

/// A correction as the case page lists it.
pub struct CorrectionView {
    pub at: String,
    pub by: String,
    pub fields: String,
    /// The replaced values of the changed fields.
    pub previous: String,
}

fn label(t: Tr, field: &str) -> String {
    t.get(&format!("identity-field-{field}"))
}

fn page(
    shell: Shell,
    case: &CaseRecord,
    values: &Map<String, Value>,
    errors: Vec<String>,
) -> IdentityPage {
    let t = shell.t;
    IdentityPage {
        shell,
        case_id: case.id.clone(),
        case_number: case.number.clone(),
        fields: FIELDS
            .iter()
            .map(|f| {
                let value = values.get(*f).and_then(Value::as_str).unwrap_or_default();
                ((*f).to_owned(), label(t, f), value.to_owned())
            })
            .collect(),
        errors,
    }
}

pub async fn form(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::RectifyIdentity>,
    Path(case_id): Path<String>,
) -> Result<IdentityPage, AppError> {
    let (case, identity) = open(&state, &permit, &case_id).await?;
    let empty = Map::new();
    Ok(page(
        shell,
        &case,
        identity.as_object().unwrap_or(&empty),
        Vec::new(),
    ))
}

fn message(t: Tr, field: &str, problem: IdentityProblem) -> String {
    let id = match problem {
        IdentityProblem::Text => "identity-error-text",
        IdentityProblem::DirectionControls => "form-error-direction-controls",
        IdentityProblem::Date => "identity-error-date",
    };
    format!("{}: {}", label(t, field), t.get(id))
}

pub async fn save(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::RectifyIdentity>,
    Path(case_id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    match rectify(&state, &permit, &case_id, &pairs).await {
        Ok(case_id) => Ok(Redirect::to(&format!("/cases/{case_id}")).into_response()),
        Err(RectifyError::Invalid {
            case,
            values,
            problems,
        }) => {
            let t = shell.t;
            let errors = problems.iter().map(|(f, p)| message(t, f, *p)).collect();
            let page = page(shell, &case, &values, errors);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The corrections of a child's identity for the case page (its reader may read the
/// identity, so the replaced values are shown too).
pub async fn history(
    state: &AppState,
    t: Tr,
    child_id: &str,
) -> Result<Vec<CorrectionView>, String> {
    let corrections = state.corrections(child_id).await.map_err(|e| e.detail())?;
    Ok(corrections
        .iter()
        .map(|c| CorrectionView {
            at: local_time(c.changed_at),
            by: c.by.clone(),
            fields: c
                .fields
                .iter()
                .map(|f| label(t, f))
                .collect::<Vec<_>>()
                .join(", "),
            previous: c
                .fields
                .iter()
                .map(|f| format!("{}: {}", label(t, f), c.previous(f)))
                .collect::<Vec<_>>()
                .join(" · "),
        })
        .collect())
}
