//! Reporting cards (بطاقة التبليغ) through the API: record one (a draft or complete),
//! read it back. Personal values are sealed before they are stored; every creation and
//! every read of an identifying card is audited; a retried request with the same
//! `Idempotency-Key` stores the card once.

use crate::auth::Caller;
use crate::error::{ApiError, internal};
use crate::i18n::Tr;
use crate::state::AppState;
use awladna_domain::access::{Action, Actor, Decision, decide};
use awladna_domain::forms::Completeness;
use awladna_store::StoreError;
use awladna_store::audit::{AuditEntry, Tx};
use awladna_store::cards::{CardRecord, NewCard};
use awladna_store::keys::sealed_aad;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

const FORM: &str = "report";
const MAX_IDEMPOTENCY_KEY: usize = 200;

fn entry(
    state: &AppState,
    caller: &Caller,
    action: &str,
    card_id: &str,
    territory: &str,
    detail: Value,
) -> AuditEntry {
    AuditEntry {
        at_ms: state.now_ms(),
        actor: caller.audit_actor(),
        action: action.to_owned(),
        record_kind: Some("card".to_owned()),
        record_id: Some(card_id.to_owned()),
        territory: Some(territory.to_owned()),
        origin: caller.origin.clone(),
        detail,
    }
}

fn refusal(t: Tr, status: StatusCode, code: &str, message_id: &str) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": t.get(message_id)}})),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct DraftQuery {
    #[serde(default)]
    draft: bool,
}

pub async fn create(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<DraftQuery>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Some(actor) = caller.actor.clone() else {
        return refusal(
            t,
            StatusCode::UNAUTHORIZED,
            "sign_in_required",
            "auth-sign-in-required",
        );
    };
    let Json(input) = match body {
        Ok(body) => body,
        Err(rejection) => return crate::api::bad_body(t, rejection.status()),
    };
    let Some(who) = caller.audit_actor() else {
        return refusal(
            t,
            StatusCode::UNAUTHORIZED,
            "sign_in_required",
            "auth-sign-in-required",
        );
    };
    let key = match headers
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::trim))
    {
        None => None,
        Some(Ok(k)) if !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY => Some(k.to_owned()),
        Some(_) => {
            return refusal(
                t,
                StatusCode::BAD_REQUEST,
                "bad_idempotency_key",
                "reports-bad-idempotency-key",
            );
        }
    };
    if let Some(key) = &key {
        match state.store.idempotent_card(&who, key).await {
            Ok(Some(id)) => return stored(&state, t, &id).await,
            Ok(None) => {}
            Err(e) => return internal(true, t, &e.detail()),
        }
    }
    let Some(form) = state.reference.form(FORM) else {
        return internal(true, t, "the report form is missing");
    };
    let completeness = if query.draft {
        Completeness::Draft
    } else {
        Completeness::Complete
    };
    let card = match form.check(&input, completeness, &state.reference, state.clock.now()) {
        Ok(card) => card,
        Err(errors) => return ApiError::Invalid(t, errors).into_response(),
    };
    // A draft may lack the territory: it is then recorded in the author's own.
    let territory = card
        .values
        .get("territory")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| actor.territory.clone());
    let Some(territory) = territory else {
        let errors = vec![awladna_domain::forms::FieldError {
            field: "territory".into(),
            problem: awladna_domain::forms::Problem::Required,
        }];
        return ApiError::Invalid(t, errors).into_response();
    };
    match decide(Some(&actor), Action::RecordReport, Some(&territory)) {
        Decision::Allow => {}
        _ => {
            return refusal(
                t,
                StatusCode::FORBIDDEN,
                "other_territory",
                "reports-other-territory",
            );
        }
    }
    let id = uuid::Uuid::now_v7().to_string();
    let (public, personal) = card.split(form);
    let sealed = match personal.as_object().filter(|m| !m.is_empty()) {
        Some(_) => match state
            .keyring
            .seal_json(&personal, &sealed_aad("cards", "sealed", &id))
        {
            Ok(sealed) => Some(sealed),
            Err(e) => return internal(true, t, &e.to_string()),
        },
        None => None,
    };
    let new = NewCard {
        id: &id,
        form_code: &card.form_code,
        form_version: card.form_version,
        territory: &territory,
        complete: card.complete,
        data: &public.to_string(),
        sealed: sealed.as_deref(),
        created_by: &who,
        organisation: (!actor.organisation.is_empty()).then_some(actor.organisation.as_str()),
        at_ms: state.now_ms(),
    };
    let detail =
        json!({"form": card.form_code, "version": card.form_version, "complete": card.complete});
    let result = async {
        let mut tx: Tx<'_> = state.store.begin().await?;
        tx.insert_card(&new).await?;
        if let Some(key) = &key {
            tx.remember_idempotency(&who, key, &id, new.at_ms).await?;
        }
        tx.audit(entry(
            &state,
            &caller,
            "report.created",
            &id,
            &territory,
            detail,
        ))
        .await?;
        tx.commit().await
    }
    .await;
    match result {
        Ok(()) => (
            StatusCode::CREATED,
            Json(json!({"id": id, "complete": card.complete})),
        )
            .into_response(),
        // The same key arrived twice at once: the first one stored the card.
        Err(StoreError::Duplicate) => {
            match key.as_deref().map(|k| state.store.idempotent_card(&who, k)) {
                Some(found) => match found.await {
                    Ok(Some(existing)) => stored(&state, t, &existing).await,
                    _ => internal(true, t, "idempotency race without a stored card"),
                },
                None => internal(true, t, "duplicate card id"),
            }
        }
        Err(e) => internal(true, t, &e.detail()),
    }
}

/// The answer to a retry: the card already stored.
async fn stored(state: &AppState, t: Tr, id: &str) -> Response {
    match state.store.card(id).await {
        Ok(Some(card)) => (
            StatusCode::CREATED,
            Json(json!({"id": card.id, "complete": card.complete})),
        )
            .into_response(),
        Ok(None) => internal(true, t, "an idempotency key names a missing card"),
        Err(e) => internal(true, t, &e.detail()),
    }
}

/// Whether the actor may read this card: their territory, their role, and for a
/// service focal point, only the cards of their own organisation.
fn may_read(actor: &Actor, card: &CardRecord) -> Decision {
    let decision = decide(Some(actor), Action::ReadReport, Some(&card.territory));
    let own_service_only = !actor.has(awladna_domain::access::Role::CaseWorker)
        && !actor.has(awladna_domain::access::Role::Coordinator)
        && !actor.has(awladna_domain::access::Role::InformationOfficer);
    if decision == Decision::Allow
        && own_service_only
        && card.organisation.as_deref() != Some(actor.organisation.as_str())
    {
        return Decision::Hidden;
    }
    decision
}

pub async fn read(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let Some(actor) = caller.actor.clone() else {
        return refusal(
            t,
            StatusCode::UNAUTHORIZED,
            "sign_in_required",
            "auth-sign-in-required",
        );
    };
    let card = match state.store.card(&id).await {
        Ok(Some(card)) if card.form_code == FORM => card,
        Ok(_) => return ApiError::NotFound(t).into_response(),
        Err(e) => return internal(true, t, &e.detail()),
    };
    match may_read(&actor, &card) {
        Decision::Allow => {}
        Decision::Deny => return refusal(t, StatusCode::FORBIDDEN, "forbidden", "auth-forbidden"),
        _ => return ApiError::NotFound(t).into_response(),
    }
    let mut values: Map<String, Value> = serde_json::from_str(&card.data).unwrap_or_default();
    if let Some(sealed) = &card.sealed {
        match state
            .keyring
            .open_json(sealed, &sealed_aad("cards", "sealed", &card.id))
        {
            Ok(Value::Object(personal)) => values.extend(personal),
            Ok(_) => return internal(true, t, "sealed values are not an object"),
            Err(e) => return internal(true, t, &e.to_string()),
        }
    }
    // Reading an identifying record is audited, before the answer leaves.
    let audited = async {
        let mut tx = state.store.begin().await?;
        tx.audit(entry(
            &state,
            &caller,
            "report.read",
            &card.id,
            &card.territory,
            json!({}),
        ))
        .await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = audited {
        return internal(true, t, &e.detail());
    }
    Json(json!({
        "id": card.id,
        "form": card.form_code,
        "form_version": card.form_version,
        "complete": card.complete,
        "territory": card.territory,
        "created_at": jiff::Timestamp::from_millisecond(card.created_at).map(|ts| ts.to_string()).unwrap_or_default(),
        "version": card.version,
        "values": values,
    }))
    .into_response()
}
