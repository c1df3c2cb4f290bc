//! The evaluation card (بطاقة التقييم) of a case: answers checked by the form engine,
//! risk level computed by the versioned scoring rules, the answers that drove it shown
//! back, the case's risk updated, and the coordinator alerted for high risk and
//! immediate danger.

use crate::auth::Caller;
use crate::error::{ApiError, internal, refusal};
use crate::i18n::Tr;
use crate::state::AppState;
use awladna_domain::access::{Action, Decision, decide};
use awladna_domain::forms::{Completeness, FieldError};
use awladna_domain::scoring::Assessment;
use awladna_store::cards::NewCard;
use awladna_store::keys::sealed_aad;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

const FORM: &str = "evaluation";

/// What came of an evaluation.
pub enum EvaluationOutcome {
    Recorded {
        id: String,
        assessment: Assessment,
    },
    Invalid(Vec<FieldError>),
    /// Refused: not found (`Hidden`), not allowed (`Deny`), or the case is closed (`SignIn` is never used).
    Refused(Decision),
    Closed,
}

/// Checks, scores, seals and stores an evaluation of a case (the API and the page share it).
pub async fn evaluate(
    state: &AppState,
    caller: &Caller,
    case_id: &str,
    input: &Value,
) -> Result<EvaluationOutcome, String> {
    let Some(actor) = caller.actor.clone() else {
        return Ok(EvaluationOutcome::Refused(Decision::Hidden));
    };
    let Some(case) = state.store.case(case_id).await.map_err(|e| e.detail())? else {
        return Ok(EvaluationOutcome::Refused(Decision::Hidden));
    };
    match decide(Some(&actor), Action::WorkOnCase, Some(&case.territory)) {
        Decision::Allow => {}
        refusal => return Ok(EvaluationOutcome::Refused(refusal)),
    }
    if case.stage == "closed" {
        return Ok(EvaluationOutcome::Closed);
    }
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
    let id = uuid::Uuid::now_v7().to_string();
    let (public, personal) = card.split(form);
    let sealed = state
        .keyring
        .seal_json(&personal, &sealed_aad("cards", "sealed", &id))
        .map_err(|e| e.to_string())?;
    let now = state.now_ms();
    let mut data = public;
    if let Some(object) = data.as_object_mut() {
        // The computed level is kept with the answers, for statistics and the timeline.
        object.insert("risk".to_owned(), json!(assessment.level.code()));
        object.insert("score".to_owned(), json!(assessment.score));
    }
    let new = NewCard {
        id: &id,
        form_code: &card.form_code,
        form_version: card.form_version,
        territory: &case.territory,
        complete: true,
        data: &data.to_string(),
        sealed: Some(&sealed),
        created_by: &who,
        organisation: (!actor.organisation.is_empty()).then_some(actor.organisation.as_str()),
        case: Some((&case.id, &case.child_id)),
        at_ms: now,
    };
    let run = async {
        let mut tx = state.store.begin().await?;
        tx.insert_card(&new).await?;
        tx.set_case_risk(&case.id, assessment.level.code()).await?;
        if assessment.level.alerts() {
            tx.raise_alert(&case.territory, "high_risk", ("case", &case.id), &who, now)
                .await?;
        }
        let detail =
            json!({"card": id, "level": assessment.level.code(), "score": assessment.score});
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
    Ok(EvaluationOutcome::Recorded { id, assessment })
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
        Ok(EvaluationOutcome::Closed) => {
            return refusal(t, StatusCode::CONFLICT, "closed", "case-closed");
        }
        Ok(EvaluationOutcome::Refused(Decision::Deny)) => {
            return refusal(t, StatusCode::FORBIDDEN, "forbidden", "auth-forbidden");
        }
        Ok(EvaluationOutcome::Refused(_)) => return ApiError::NotFound(t).into_response(),
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
