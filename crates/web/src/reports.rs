//! Reporting cards (بطاقة التبليغ) through the API: record one (a draft or complete),
//! read it back. Personal values are sealed before they are stored; every creation and
//! every read of an identifying card is audited; a retried request with the same
//! `Idempotency-Key` stores the card once.

use crate::auth::Caller;
use crate::error::{ApiError, internal, refusal};
use crate::i18n::Tr;
use crate::state::AppState;
use awladna_domain::access::{Action, Actor, Decision, Role, decide};
use awladna_domain::forms::{Completeness, FieldError, Problem};
use awladna_store::StoreError;
use awladna_store::audit::Tx;
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

/// Why a card was not recorded.
pub enum RecordRefusal {
    Invalid(Vec<FieldError>),
    OtherTerritory,
}

pub struct Recorded {
    pub id: String,
    pub complete: bool,
}

/// Checks, seals, stores and audits a reporting card (the API and the page share it).
/// `Err` is a fault of ours, with its detail for the log.
pub async fn record(
    state: &AppState,
    caller: &Caller,
    input: &Value,
    completeness: Completeness,
    key: Option<&str>,
) -> Result<Result<Recorded, RecordRefusal>, String> {
    let (Some(actor), Some(who)) = (caller.actor.as_ref(), caller.audit_actor()) else {
        return Err("recording without a caller".to_owned());
    };
    if let Some(key) = key
        && let Some(id) = state
            .store
            .idempotent_card(&who, key)
            .await
            .map_err(|e| e.detail())?
    {
        return stored(state, &id).await.map(Ok);
    }
    let form = state
        .reference
        .form(FORM)
        .ok_or("the report form is missing")?;
    let card = match form.check(input, completeness, &state.reference, state.clock.now()) {
        Ok(card) => card,
        Err(errors) => return Ok(Err(RecordRefusal::Invalid(errors))),
    };
    // A draft may lack the territory: it is then recorded in the author's own.
    let territory = card
        .values
        .get("territory")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| actor.territory.clone());
    let Some(territory) = territory else {
        return Ok(Err(RecordRefusal::Invalid(vec![FieldError {
            field: "territory".into(),
            problem: Problem::Required,
        }])));
    };
    if decide(Some(actor), Action::RecordReport, Some(&territory)) != Decision::Allow {
        return Ok(Err(RecordRefusal::OtherTerritory));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let (public, personal) = card.split(form);
    let sealed = match personal.as_object().filter(|m| !m.is_empty()) {
        Some(_) => Some(
            state
                .keyring
                .seal_json(&personal, &sealed_aad("cards", "sealed", &id))
                .map_err(|e| e.to_string())?,
        ),
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
        case: None,
        at_ms: state.now_ms(),
    };
    let detail =
        json!({"form": card.form_code, "version": card.form_version, "complete": card.complete});
    let result = async {
        let mut tx: Tx<'_> = state.store.begin().await?;
        tx.insert_card(&new).await?;
        if let Some(key) = key {
            tx.remember_idempotency(&who, key, &id, new.at_ms).await?;
        }
        tx.audit(caller.audit_entry(
            state.now_ms(),
            "report.created",
            ("card", &id),
            &territory,
            detail,
        ))
        .await?;
        tx.commit().await
    }
    .await;
    match (result, key) {
        (Ok(()), _) => Ok(Ok(Recorded {
            id,
            complete: card.complete,
        })),
        // The same key arrived twice at once: the first one stored the card.
        (Err(StoreError::Duplicate), Some(key)) => match state
            .store
            .idempotent_card(&who, key)
            .await
            .map_err(|e| e.detail())?
        {
            Some(existing) => stored(state, &existing).await.map(Ok),
            None => Err("idempotency race without a stored card".to_owned()),
        },
        (Err(e), _) => Err(e.detail()),
    }
}

/// The answer to a retry: the card already stored.
async fn stored(state: &AppState, id: &str) -> Result<Recorded, String> {
    match state.store.card(id).await.map_err(|e| e.detail())? {
        Some(card) => Ok(Recorded {
            id: card.id,
            complete: card.complete,
        }),
        None => Err("an idempotency key names a missing card".to_owned()),
    }
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
    let Json(input) = match body {
        Ok(body) => body,
        Err(rejection) => return crate::api::bad_body(t, rejection.status()),
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
    let completeness = if query.draft {
        Completeness::Draft
    } else {
        Completeness::Complete
    };
    match record(&state, &caller, &input, completeness, key.as_deref()).await {
        Ok(Ok(recorded)) => (
            StatusCode::CREATED,
            Json(json!({"id": recorded.id, "complete": recorded.complete})),
        )
            .into_response(),
        Ok(Err(RecordRefusal::Invalid(errors))) => ApiError::Invalid(t, errors).into_response(),
        Ok(Err(RecordRefusal::OtherTerritory)) => refusal(
            t,
            StatusCode::FORBIDDEN,
            "other_territory",
            "reports-other-territory",
        ),
        Err(detail) => internal(true, t, &detail),
    }
}

/// Whether the actor may read this card: their territory, their role, and for a
/// service focal point, only the cards of their own organisation.
fn may_read(actor: &Actor, card: &CardRecord) -> Decision {
    let decision = decide(Some(actor), Action::ReadReport, Some(&card.territory));
    let centre_roles = [
        Role::CaseWorker,
        Role::Coordinator,
        Role::InformationOfficer,
    ];
    let own_service_only = !centre_roles.iter().any(|r| actor.has(*r));
    if decision == Decision::Allow
        && own_service_only
        && card.organisation.as_deref() != Some(actor.organisation.as_str())
    {
        return Decision::Hidden;
    }
    decision
}

/// A card opened for a reader: its record and all its values.
pub struct OpenedCard {
    pub card: CardRecord,
    pub values: Map<String, Value>,
}

/// Opens a reporting card for the caller, auditing the read. `Ok(Err(decision))` is a
/// refusal (`Hidden` for "not found").
pub async fn open(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<Result<OpenedCard, Decision>, String> {
    let Some(actor) = caller.actor.as_ref() else {
        return Ok(Err(Decision::SignIn));
    };
    let card = match state.store.card(id).await.map_err(|e| e.detail())? {
        Some(card) if card.form_code == FORM => card,
        _ => return Ok(Err(Decision::Hidden)),
    };
    match crate::break_glass::with_grant(
        state,
        actor,
        Action::ReadReport,
        &card.id,
        may_read(actor, &card),
    )
    .await?
    {
        Decision::Allow => {}
        refusal => return Ok(Err(refusal)),
    }
    let values = crate::case_cards::card_values(state, &card)?;
    // Reading an identifying record is audited, before the answer leaves.
    let entry = caller.audit_entry(
        state.now_ms(),
        "report.read",
        ("card", &card.id),
        &card.territory,
        json!({}),
    );
    state.audit_alone(entry).await.map_err(|e| e.detail())?;
    Ok(Ok(OpenedCard { card, values }))
}

pub async fn read(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let OpenedCard { card, values } = match open(&state, &caller, &id).await {
        Ok(Ok(opened)) => opened,
        Ok(Err(Decision::Deny)) => {
            return refusal(t, StatusCode::FORBIDDEN, "forbidden", "auth-forbidden");
        }
        Ok(Err(_)) => return ApiError::NotFound(t).into_response(),
        Err(detail) => return internal(true, t, &detail),
    };
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
