//! The evaluation card (بطاقة التقييم) of a case: answers checked by the form engine,
//! risk level computed by the versioned scoring rules, the answers that drove it shown
//! back, the case's risk updated, and the coordinator alerted for high risk and
//! immediate danger.

use crate::auth::Caller;
use crate::error::{ApiError, internal};
use crate::i18n::Tr;
use crate::state::AppState;
use awladna_domain::access::{Action, Decision, decide};
use awladna_domain::forms::Completeness;
use awladna_store::cards::NewCard;
use awladna_store::keys::sealed_aad;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

const FORM: &str = "evaluation";

fn refusal(t: Tr, status: StatusCode, code: &str, message_id: &str) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": t.get(message_id)}})),
    )
        .into_response()
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
    let Some(actor) = caller.actor.clone() else {
        return ApiError::NotFound(t).into_response();
    };
    let case = match state.store.case(&case_id).await {
        Ok(Some(case)) => case,
        Ok(None) => return ApiError::NotFound(t).into_response(),
        Err(e) => return internal(true, t, &e.detail()),
    };
    match decide(Some(&actor), Action::Evaluate, Some(&case.territory)) {
        Decision::Allow => {}
        Decision::Deny => return refusal(t, StatusCode::FORBIDDEN, "forbidden", "auth-forbidden"),
        _ => return ApiError::NotFound(t).into_response(),
    }
    if case.stage == "closed" {
        return refusal(t, StatusCode::CONFLICT, "closed", "case-closed");
    }
    let (Some(form), Some(who)) = (state.reference.form(FORM), caller.audit_actor()) else {
        return internal(true, t, "the evaluation form is missing");
    };
    let Some(scoring) = state.reference.scoring(&form.code, form.version) else {
        return internal(true, t, "the evaluation form has no scoring rules");
    };
    let card = match form.check(
        &input,
        Completeness::Complete,
        &state.reference,
        state.clock.now(),
    ) {
        Ok(card) => card,
        Err(errors) => return ApiError::Invalid(t, errors).into_response(),
    };
    let assessment = scoring.assess(&card.values);
    let id = uuid::Uuid::now_v7().to_string();
    let (public, personal) = card.split(form);
    let sealed = match state
        .keyring
        .seal_json(&personal, &sealed_aad("cards", "sealed", &id))
    {
        Ok(sealed) => sealed,
        Err(e) => return internal(true, t, &e.to_string()),
    };
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
    if let Err(e) = run.await {
        return internal(true, t, &e.detail());
    }
    let drivers: Vec<Value> = assessment
        .drivers
        .iter()
        .map(|d| {
            let question = form.field(&d.field).map(|f| f.labels.get(t.lang).to_owned()).unwrap_or_default();
            json!({"field": d.field, "question": question, "weight": d.weight, "immediate": d.immediate})
        })
        .collect();
    (StatusCode::CREATED, Json(json!({"id": id, "level": assessment.level.code(), "score": assessment.score, "drivers": drivers}))).into_response()
}
