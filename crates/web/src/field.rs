//! Offline field work in the web interface (issue 16 §3): the follow-up and evaluation
//! cards without a link (`/capture/followup`, `/capture/evaluation`), the copy of the
//! followed cases a phone keeps (`GET /api/v1/field/copy`), the sync of a card filled
//! from it (`POST /api/v1/cases/{id}/cards/{form}/offline`), which answers what became
//! of it and what changed meanwhile, and the forms' rules sent to the page as data so
//! that the browser checks a card before queueing it. The use cases are
//! `awladna_core::field`'s.

use crate::auth::Caller;
use crate::error::AppError;
use crate::extract::{ApiJson, Guard};
use crate::i18n::Tr;
use crate::state::AppState;
use awladna_core::act;
use awladna_core::field::{BasedOn, Change, OFFLINE_CASE_FORMS, Synced};
use awladna_domain::forms::{FieldType, Form};
use awladna_domain::reference::Reference;
use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

/// A card queued on a device names it (`X-Device`): a revoked, expired, unknown or
/// another person's device is refused.
pub(crate) async fn check_device<A: awladna_core::Act>(
    state: &AppState,
    permit: &awladna_core::Permit<A>,
    headers: &HeaderMap,
) -> Result<(), AppError> {
    let Some(device) = headers.get("x-device") else {
        return Ok(());
    };
    let device = device.to_str().unwrap_or_default();
    awladna_core::devices::check_sender(state, permit, device)
        .await
        .map_err(|e| match e {
            awladna_core::devices::DeviceError::Core(e) => AppError::from(e),
            awladna_core::devices::DeviceError::Refused => {
                AppError::refused(StatusCode::FORBIDDEN, "device_refused", "devices-refused")
            }
        })
}

/// A form's rules as the page's script reads them: each field's type, whether it is
/// required, its codes, its bounds, and the sentence of each problem in the reader's
/// language. The server checks the same rules again at sync.
pub(crate) fn rules(t: Tr, form: &Form, reference: &Reference) -> String {
    let fields: Vec<Value> = form
        .sections
        .iter()
        .flat_map(|s| s.fields.iter())
        .map(|f| {
            let codes: Option<Vec<&str>> = f
                .vocabulary
                .as_deref()
                .and_then(|v| reference.vocabulary(v))
                .map(|v| v.terms.iter().map(|term| term.code.as_str()).collect());
            let mut field = json!({
                "code": f.code,
                "type": f.kind,
                "required": f.required,
                "future": f.future,
            });
            if let Some(codes) = codes {
                field["codes"] = json!(codes);
            }
            if let Some(max) = f.max_length {
                field["max_length"] = json!(max);
                field["too_long"] = json!(t.with(
                    "form-error-too-long",
                    &[("max", i64::try_from(max).unwrap_or(i64::MAX))]
                ));
            }
            if f.kind == FieldType::Integer {
                let (min, max) = (f.min.unwrap_or(i64::MIN), f.max.unwrap_or(i64::MAX));
                field["min"] = json!(min);
                field["max"] = json!(max);
                field["out_of_range"] =
                    json!(t.with("form-error-out-of-range", &[("min", min), ("max", max)]));
            }
            field
        })
        .collect();
    let messages: serde_json::Map<String, Value> = [
        ("required", "form-error-required"),
        ("unknown_code", "form-error-unknown-code"),
        ("not_a_date", "form-error-not-a-date"),
        ("in_the_future", "form-error-in-the-future"),
        ("not_an_integer", "form-error-not-an-integer"),
        ("title", "form-errors-title"),
    ]
    .into_iter()
    .map(|(k, id)| (k.to_owned(), json!(t.get(id))))
    .collect();
    // Inside a <script> element: no `<` may close it.
    json!({"form": form.code, "fields": fields, "messages": messages})
        .to_string()
        .replace('<', "\\u003c")
}

/// `GET /capture/followup`, `GET /capture/evaluation`: a card of a followed case that
/// works without a link, from the same definition; the case is chosen from the copy
/// the phone keeps.
pub async fn offline_case_card(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Guard(_permit): Guard<act::WorkOnCase>,
    Path(form_code): Path<String>,
) -> Result<Response, AppError> {
    if !OFFLINE_CASE_FORMS.contains(&form_code.as_str()) {
        return Err(AppError::NotFound);
    }
    let form = state.reference.form(&form_code).ok_or(AppError::NotFound)?;
    let (status, mut page) = crate::forms::storing_page(
        t,
        uri.path().to_owned(),
        &caller,
        form,
        &state.reference,
        // Never posted: the script queues the card.
        uri.path().to_owned(),
        &Default::default(),
        &[],
        None,
    );
    page.offline = true;
    page.offline_case = true;
    page.offline_rules = rules(t, form, &state.reference);
    Ok((status, page).into_response())
}

fn local_date(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|at| {
            at.to_zoned(awladna_domain::forms::local_zone())
                .date()
                .to_string()
        })
        .unwrap_or_default()
}

/// `GET /api/v1/field/copy`: the open cases the caller follows, with only what the
/// follow-up needs; the phone keeps it encrypted under its device's key.
pub async fn copy(
    State(state): State<AppState>,
    t: Tr,
    Guard(permit): Guard<act::WorkOnCase>,
) -> Result<Json<Value>, AppError> {
    let (taken_at, cases) = awladna_core::field::offline_copy(&state, &permit).await?;
    let cases: Vec<Value> = cases
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "number": c.number,
                "first_name": c.first_name,
                "stage": c.stage,
                "stage_label": state.label(t, "stages", &c.stage),
                "last_followup": c.last_followup,
                "actions": c.actions.iter().map(|a| json!({
                    "text": a.text,
                    "due": a.due_at.map(local_date),
                    "status": a.status,
                })).collect::<Vec<_>>(),
                "based_on": {"version": c.version, "at": taken_at},
            })
        })
        .collect();
    Ok(Json(json!({"taken_at": taken_at, "cases": cases})))
}

/// A card filled offline: what it was filled from, and its values.
#[derive(Deserialize)]
pub struct OfflineCard {
    based_on: BasedOn,
    values: Value,
}

/// One change as the worker reads it.
fn change_json(state: &AppState, t: Tr, change: &Change) -> Value {
    let message = match change {
        Change::StageMoved { from, to } => format!(
            "{} {} ← {}",
            t.get("field-change-stage"),
            state.label(t, "stages", to),
            from.as_deref()
                .map(|f| state.label(t, "stages", f))
                .unwrap_or_default(),
        ),
        Change::Reassigned => t.get("field-change-reassigned"),
        Change::OtherCards { forms } => {
            let names: Vec<String> = forms
                .iter()
                .map(|f| {
                    state
                        .reference
                        .form(f)
                        .map_or_else(|| f.clone(), |form| form.labels.get(t.lang).to_owned())
                })
                .collect();
            format!(
                "{} {}",
                t.get("field-change-other-cards"),
                names.join(t.list_separator())
            )
        }
    };
    let mut out = json!({"kind": change.code(), "message": message});
    if let Change::StageMoved { from, to } = change {
        out["from"] = json!(from);
        out["to"] = json!(to);
    }
    if let Change::OtherCards { forms } = change {
        out["forms"] = json!(forms);
    }
    out
}

/// `POST /api/v1/cases/{id}/cards/{form}/offline` with `{"based_on": {"version", "at"},
/// "values": {…}}`, the card's UUIDv7 as `Idempotency-Key` and its device as
/// `X-Device`. 201 `{"outcome": "stored", "id", "repeated", "changes": […]}`; 409
/// `{"outcome": "refused", "reason": {"code", "message"}, "changes": […]}` when the
/// case no longer takes it; 422 with the fields when its values are refused.
pub async fn sync(
    State(state): State<AppState>,
    t: Tr,
    Guard(permit): Guard<act::WorkOnCase>,
    headers: HeaderMap,
    Path((case_id, form_code)): Path<(String, String)>,
    ApiJson(card): ApiJson<OfflineCard>,
) -> Result<Response, AppError> {
    check_device(&state, &permit, &headers).await?;
    let key = crate::reports::idempotency_key(&headers)?;
    let synced = awladna_core::field::sync_card(
        &state,
        &permit,
        &case_id,
        &form_code,
        &card.values,
        key.as_deref(),
        card.based_on,
    )
    .await?;
    let changes = |changes: &[Change]| -> Vec<Value> {
        changes.iter().map(|c| change_json(&state, t, c)).collect()
    };
    Ok(match synced {
        Synced::Stored {
            id,
            repeated,
            changes: found,
        } => (
            StatusCode::CREATED,
            Json(json!({"outcome": "stored", "id": id, "repeated": repeated, "changes": changes(&found)})),
        )
            .into_response(),
        Synced::Refused {
            reason,
            changes: found,
        } => (
            StatusCode::CONFLICT,
            Json(json!({
                "outcome": "refused",
                "reason": {"code": reason, "message": t.get("field-refused-case-closed")},
                "changes": changes(&found),
            })),
        )
            .into_response(),
    })
}
