//! The case through the API: triage, the case with its timeline, its moves, the list,
//! the evaluation, the assignment and the cards of a form.

use crate::error::AppError;
use crate::extract::{ApiJson, Guard};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::times::rfc3339;
use awladna_core::act;
use awladna_core::cases::list::{CaseList, ListQuery, list as list_cases};
use awladna_core::cases::moves::{MoveError, MoveRequest, Moved, move_case};
use awladna_core::cases::read::{Entry, OpenedCase, read as read_case};
use awladna_core::cases::triage::{ChildChoice, triage as triage_report};
use awladna_core::evaluations::{Evaluated, FORM as EVALUATION, evaluate};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
pub struct TriageBody {
    child_id: Option<String>,
    #[serde(default)]
    new_child: bool,
}

pub async fn triage(
    State(state): State<AppState>,
    Guard(permit): Guard<act::Triage>,
    Path(report_id): Path<String>,
    ApiJson(body): ApiJson<TriageBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let child = ChildChoice::from_request(body.child_id, body.new_child);
    let case = triage_report(&state, &permit, &report_id, child).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"case_id": case.id, "child_id": case.child_id, "number": case.number})),
    ))
}

fn entry_json(entry: &Entry) -> Value {
    match entry {
        Entry::Stage {
            at_ms,
            from,
            to,
            by,
            reason,
        } => {
            json!({"kind": "stage", "at": rfc3339(*at_ms), "from": from, "to": to, "by": by, "reason": reason})
        }
        Entry::Card {
            at_ms,
            form,
            id,
            complete,
        } => {
            json!({"kind": "card", "at": rfc3339(*at_ms), "form": form, "id": id, "complete": complete})
        }
        Entry::Assigned { at_ms, to, by } => {
            json!({"kind": "assigned", "at": rfc3339(*at_ms), "to": to, "by": by})
        }
        Entry::Contribution {
            at_ms,
            kind,
            id,
            code,
            part,
            organisation,
            organisation_name,
            referral_id,
        } => {
            json!({"kind": format!("service_{kind}"), "at": rfc3339(*at_ms), "id": id, "code": code, "part": part, "organisation": organisation, "organisation_name": organisation_name, "referral": referral_id})
        }
    }
}

pub async fn read(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadCase>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let OpenedCase {
        case,
        concerns,
        timeline,
    } = read_case(&state, &permit, &id).await?;
    Ok(Json(json!({
        "id": case.id,
        "number": case.number,
        "child_id": case.child_id,
        "territory": case.territory,
        "stage": case.stage,
        "risk": case.risk,
        "opened_at": rfc3339(case.opened_at),
        "closed_at": case.closed_at.map(rfc3339),
        "version": case.version,
        "assigned_to": case.assigned_to,
        "concerns": concerns,
        "timeline": timeline.iter().map(entry_json).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
/// A move as the API's JSON and the case page's form both send it.
pub struct MoveBody {
    to: String,
    #[serde(default)]
    reason: String,
    /// The version the client read; a stale one is refused rather than overwritten.
    version: Option<i64>,
    /// Required when closing: a code of the closure_reasons vocabulary.
    closure_reason: Option<String>,
    /// The explicit step back: `true` (API) or `1` (the page's step-back form); a
    /// move to an earlier stage without it is refused.
    #[serde(default, deserialize_with = "crate::forms::flag")]
    back: bool,
}

impl MoveBody {
    pub fn request(&self) -> MoveRequest<'_> {
        MoveRequest {
            to: &self.to,
            reason: &self.reason,
            closure_reason: self.closure_reason.as_deref(),
            version: self.version,
            back: self.back,
        }
    }
}

pub async fn transition(
    State(state): State<AppState>,
    t: Tr,
    Guard(permit): Guard<act::MoveCase>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MoveBody>,
) -> Result<Response, AppError> {
    match move_case(&state, &permit, &id, &body.request()).await {
        Ok(Moved { stage, version }) => {
            Ok(Json(json!({"id": id, "stage": stage.code(), "version": version})).into_response())
        }
        // The one refusal that says which rule of the pathway refused it, for programs.
        Err(MoveError::Illegal(illegal)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": {"code": "illegal_move", "reason": illegal, "message": t.get(illegal.message_id())}})),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

/// The cases of the user's province, newest first, filtered and paginated.
pub async fn list(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadCase>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, AppError> {
    let CaseList {
        rows,
        total,
        page,
        per_page,
        ..
    } = list_cases(&state, &permit, &query).await?;
    Ok(Json(json!({
        "page": page,
        "per_page": per_page,
        "total": total,
        "items": rows.iter().map(|c| json!({
            "id": c.id, "number": c.number, "territory": c.territory, "stage": c.stage, "risk": c.risk,
            "opened_at": rfc3339(c.opened_at), "child": {"sex": c.sex, "birth_year": c.birth_year},
        })).collect::<Vec<_>>(),
    })))
}

/// Records an evaluation; the answer shows the level and the answers that drove it.
pub async fn evaluation(
    State(state): State<AppState>,
    t: Tr,
    Guard(permit): Guard<act::WorkOnCase>,
    Path(case_id): Path<String>,
    ApiJson(input): ApiJson<Value>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let Evaluated { id, assessment, .. } =
        evaluate(&state, &permit, &case_id, &input, None).await?;
    let form = state.reference.form(EVALUATION);
    let drivers: Vec<Value> = assessment
        .drivers
        .iter()
        .map(|d| {
            let question = form.and_then(|f| f.field(&d.field)).map(|f| f.labels.get(t.lang).to_owned()).unwrap_or_default();
            json!({"field": d.field, "question": question, "weight": d.weight, "immediate": d.immediate})
        })
        .collect();
    Ok((
        StatusCode::CREATED,
        Json(
            json!({"id": id, "level": assessment.level.code(), "score": assessment.score, "drivers": drivers}),
        ),
    ))
}

#[derive(Deserialize)]
pub struct AssignBody {
    pub(super) user_id: Option<String>,
}

pub async fn assign(
    State(state): State<AppState>,
    Guard(permit): Guard<act::AssignCase>,
    Path(case_id): Path<String>,
    ApiJson(body): ApiJson<AssignBody>,
) -> Result<Json<Value>, AppError> {
    let user_id = body.user_id.as_deref();
    let case_id = awladna_core::assignment::assign(&state, &permit, &case_id, user_id).await?;
    Ok(Json(
        json!({"case_id": case_id, "assigned_to": body.user_id}),
    ))
}

pub async fn record_card(
    State(state): State<AppState>,
    Guard(permit): Guard<act::WorkOnCase>,
    Path((case_id, form_code)): Path<(String, String)>,
    ApiJson(input): ApiJson<Value>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let recorded =
        awladna_core::cards::record(&state, &permit, &case_id, &form_code, &input, None).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": recorded.id}))))
}

pub async fn list_cards(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadCase>,
    Path((case_id, form_code)): Path<(String, String)>,
) -> Result<Json<Value>, AppError> {
    let (_, cards) = awladna_core::cards::read(&state, &permit, &case_id, &form_code).await?;
    Ok(Json(json!({
        "cards": cards.iter().map(|(card, values)| json!({
            "id": card.id,
            "form": card.form_code,
            "form_version": card.form_version,
            "created_at": rfc3339(card.created_at),
            "created_by": card.created_by,
            "values": values,
        })).collect::<Vec<_>>(),
    })))
}
