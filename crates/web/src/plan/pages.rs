//! The case plan's pages: the form that adds an action, the status change from the case
//! page, and the overdue actions of the reader's scope.

use super::{PageQuery, status_error};
use crate::auth::Caller;
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::forms::read_submission;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::cases::{CaseError, Use};
use awladna_core::plan::{FORM, OVERDUE_PAGE, STATUSES, add, overdue, set_status};
use awladna_core::{CoreError, act};
use awladna_domain::access::Action;
use awladna_domain::forms::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

fn plan_form(state: &AppState) -> Result<&Form, AppError> {
    state.reference.form(FORM).ok_or(AppError::NotFound)
}

/// The blank form, offered only to those who may save it, on an open case of their
/// scope (anyone else gets the refusal the save would get).
pub async fn form(
    State(state): State<AppState>,
    shell: Shell,
    caller: Caller,
    Guard(permit): Guard<act::WorkOnCase>,
    Path(case_id): Path<String>,
) -> Result<Response, AppError> {
    let form = plan_form(&state)?;
    state
        .case_for(permit.who(), &case_id, Action::WorkOnCase, Use::Change)
        .await?;
    let action = format!("/cases/{case_id}/plan");
    crate::cases::cards::form_on_case(
        &state,
        shell,
        &caller,
        &case_id,
        form,
        action,
        &Default::default(),
        &[],
    )
    .await
}

pub async fn save(
    State(state): State<AppState>,
    shell: Shell,
    caller: Caller,
    Guard(permit): Guard<act::WorkOnCase>,
    Path(case_id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let form = plan_form(&state)?;
    let key = crate::forms::submission_key(&pairs);
    let (values, input, _) = read_submission(form, pairs);
    match add(&state, &permit, &case_id, &input, key.as_deref()).await {
        Ok(added) => Ok(Redirect::to(&crate::forms::saved_at(
            &format!("/cases/{case_id}"),
            added.repeated,
        ))
        .into_response()),
        Err(CaseError::Core(CoreError::Invalid(errors))) => {
            let action = format!("/cases/{case_id}/plan");
            crate::cases::cards::form_on_case(
                &state, shell, &caller, &case_id, form, action, &values, &errors,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
    version: Option<i64>,
}

pub async fn status(
    State(state): State<AppState>,
    Guard(permit): Guard<act::WorkOnCase>,
    Path((_case_id, action_id)): Path<(String, String)>,
    axum::Form(form): axum::Form<StatusForm>,
) -> Result<Redirect, AppError> {
    match set_status(
        &state,
        &permit,
        &action_id,
        form.status.trim(),
        form.version,
    )
    .await
    {
        Ok(case_id) => Ok(Redirect::to(&format!("/cases/{case_id}"))),
        // The page offers the statuses: another one is a forged form.
        Err(CaseError::Core(CoreError::Invalid(_))) => Err(AppError::refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "form-error-unknown-code",
        )),
        Err(e) => Err(status_error(e)),
    }
}

/// One line of the overdue list.
pub struct OverdueView {
    case_id: String,
    case_number: String,
    responsible: String,
    due: String,
    status: String,
    from_evaluation: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "overdue.html")]
pub struct OverduePage {
    shell: Shell,
    items: Vec<OverdueView>,
    total: i64,
    page: i64,
    pages: i64,
    /// For the coordinator: the province's linking cards unanswered past their deadline.
    referrals: Vec<crate::referrals::ReferralLine>,
}

pub async fn overdue_page(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadCase>,
    Query(query): Query<PageQuery>,
) -> Result<OverduePage, AppError> {
    let t = shell.t;
    let page = query.page();
    let (rows, total) = overdue(&state, &permit, page).await?;
    // The province's overseer (its coordinator) sees the overdue linking cards too.
    let referrals = crate::referrals::overdue_referrals(&state, t, permit.actor())
        .await
        .map_err(AppError::Internal)?;
    let items = rows
        .into_iter()
        .map(|a| OverdueView {
            case_id: a.case_id,
            case_number: a.case_number,
            responsible: state.label(t, "sectors", &a.responsible_sector),
            due: crate::times::deadline(a.due_at, a.origin != "evaluation"),
            status: state.label(t, STATUSES, &a.status),
            from_evaluation: a.origin == "evaluation",
        })
        .collect();
    Ok(OverduePage {
        shell,
        items,
        total,
        page,
        pages: (total + OVERDUE_PAGE - 1) / OVERDUE_PAGE,
        referrals,
    })
}
