//! The evaluation card (بطاقة التقييم) of a case: answers checked by the form engine,
//! risk level computed by the versioned scoring rules, the answers that drove it shown
//! back, the case's risk updated, and the coordinator alerted for high risk and
//! immediate danger.

use crate::auth::Caller;
use crate::case_cards::{CaseRefusal, case_card, case_for, seal_card};
use crate::error::{ApiError, internal};
use crate::i18n::Tr;
use crate::state::AppState;
use awladna_domain::access::Action;
use awladna_domain::forms::{Completeness, FieldError};
use awladna_domain::scoring::Assessment;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

const FORM: &str = "evaluation";

/// What came of an evaluation.
pub enum EvaluationOutcome {
    Recorded { id: String, assessment: Assessment },
    Invalid(Vec<FieldError>),
    Refused(CaseRefusal),
}

/// Checks, scores, seals and stores an evaluation of a case (the API and the page share
/// it). High risk and immediate danger alert the coordinators and put an action with
/// the scoring rules' deadline on the case plan.
pub async fn evaluate(
    state: &AppState,
    caller: &Caller,
    case_id: &str,
    input: &Value,
) -> Result<EvaluationOutcome, String> {
    let (actor, case) = match case_for(state, caller, case_id, Action::WorkOnCase, true).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(EvaluationOutcome::Refused(refusal)),
    };
    let (Some(form), Some(who)) = (state.reference.form(FORM), caller.audit_actor()) else {
        return Err("the evaluation form is missing".to_owned());
    };
    let scoring = state
        .reference
        .scoring(&form.code, form.version)
        .ok_or("the evaluation form has no scoring rules")?;
    let card = match form.check(
        input,
        Completeness::Complete,
        &state.reference,
        state.clock.now(),
    ) {
        Ok(card) => card,
        Err(errors) => return Ok(EvaluationOutcome::Invalid(errors)),
    };
    let assessment = scoring.assess(&card.values);
    let mut sealed = seal_card(state, form, &card)?;
    if let Some(object) = sealed.data.as_object_mut() {
        // The computed level is kept with the answers, for statistics and the timeline.
        object.insert("risk".to_owned(), json!(assessment.level.code()));
        object.insert("score".to_owned(), json!(assessment.score));
    }
    let now = state.now_ms();
    let data = sealed.data.to_string();
    let new = case_card(&sealed, &data, &card, &case, &actor, &who, now);
    let deadline = scoring
        .deadline(assessment.level)
        .map(|d| now + i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let response = match deadline {
        Some(due_at) => Some(crate::plan::evaluation_response(
            state, &case, &actor, &who, due_at, now,
        )?),
        None => None,
    };
    let run = async {
        let mut tx = state.store.begin().await?;
        tx.insert_card(&new).await?;
        tx.set_case_risk(&case.id, assessment.level.code()).await?;
        if assessment.level.alerts() {
            tx.raise_alert(&case.territory, "high_risk", ("case", &case.id), &who, now)
                .await?;
        }
        if let Some(action) = &response {
            tx.insert_plan_action(&action.row()).await?;
        }
        let detail = json!({"card": sealed.id, "level": assessment.level.code(), "score": assessment.score, "deadline": deadline});
        tx.audit(caller.audit_entry(
            now,
            "case.evaluated",
            ("case", &case.id),
            &case.territory,
            detail,
        ))
        .await?;
        tx.commit().await
    };
    run.await.map_err(|e| e.detail())?;
    Ok(EvaluationOutcome::Recorded {
        id: sealed.id,
        assessment,
    })
}

pub async fn create(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(case_id): Path<String>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(input) = match body {
        Ok(body) => body,
        Err(rejection) => return crate::api::bad_body(t, rejection.status()),
    };
    let (id, assessment) = match evaluate(&state, &caller, &case_id, &input).await {
        Ok(EvaluationOutcome::Recorded { id, assessment }) => (id, assessment),
        Ok(EvaluationOutcome::Invalid(errors)) => {
            return ApiError::Invalid(t, errors).into_response();
        }
        Ok(EvaluationOutcome::Refused(refusal)) => return refusal.api(t),
        Err(detail) => return internal(true, t, &detail),
    };
    let form = state.reference.form(FORM);
    let drivers: Vec<Value> = assessment
        .drivers
        .iter()
        .map(|d| {
            let question = form.and_then(|f| f.field(&d.field)).map(|f| f.labels.get(t.lang).to_owned()).unwrap_or_default();
            json!({"field": d.field, "question": question, "weight": d.weight, "immediate": d.immediate})
        })
        .collect();
    (StatusCode::CREATED, Json(json!({"id": id, "level": assessment.level.code(), "score": assessment.score, "drivers": drivers}))).into_response()
}
