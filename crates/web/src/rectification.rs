//! The right of rectification (Law 09-08, art. 8): a case worker or coordinator corrects the
//! identity of a case's child. The identity it replaces stays, sealed, in the history with
//! who changed which fields and when; the case's readers see that history on the case
//! page. The name tokens follow the new name, so that a search finds the child by it.

use crate::auth::Caller;
use crate::case_cards::{case_for, open_identity};
use crate::error::{internal, page_refusal};
use crate::extract::Shell;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::times::local_time;
use askama::Template;
use askama_web::WebTemplate;
use awladna_domain::access::Action;
use awladna_domain::forms::is_direction_control;
use awladna_store::cases::CaseRecord;
use awladna_store::keys::sealed_aad;
use awladna_store::retention::IdentityChange;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// The fields of a child's identity, as stored (see `cases::IDENTITY_FIELDS`).
pub const FIELDS: [&str; 5] = [
    "first_name",
    "last_name",
    "birth_date",
    "mother_name",
    "address",
];
const MAX_TEXT: usize = 200;

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

fn text(identity: &Value, field: &str) -> String {
    identity
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn page(
    t: Tr,
    caller: &Caller,
    case: &CaseRecord,
    values: &Map<String, Value>,
    errors: Vec<String>,
) -> Response {
    IdentityPage {
        shell: Shell {
            t,
            here: format!("/cases/{}/identity", case.id),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
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
    .into_response()
}

/// The child's identity now (sealed as stored, and opened), or a refusal page when it
/// was erased under the retention rule.
async fn current(
    state: &AppState,
    t: Tr,
    case: &CaseRecord,
) -> Result<Result<(Option<Vec<u8>>, Value), Response>, String> {
    if crate::retention::erased_on(state, &case.child_id)
        .await?
        .is_some()
    {
        return Ok(Err(page_refusal(
            t,
            StatusCode::CONFLICT,
            "identity-erased",
        )));
    }
    let sealed = state
        .store
        .child_identity(&case.child_id)
        .await
        .map_err(|e| e.detail())?
        .and_then(|(_, _, sealed)| sealed);
    let opened = open_identity(state, &case.child_id, sealed.as_deref())?;
    Ok(Ok((sealed, opened)))
}

pub async fn form(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(case_id): Path<String>,
) -> Response {
    let case = match case_for(&state, &caller, &case_id, Action::RectifyIdentity, false).await {
        Ok(Ok((_, case))) => case,
        Ok(Err(refusal)) => return refusal.page(t),
        Err(detail) => return internal(false, t, &detail),
    };
    match current(&state, t, &case).await {
        Ok(Ok((_, identity))) => page(
            t,
            &caller,
            &case,
            identity.as_object().unwrap_or(&Map::new()),
            Vec::new(),
        ),
        Ok(Err(refused)) => refused,
        Err(detail) => internal(false, t, &detail),
    }
}

/// A submission refused: the values given (to show again) and what to fix.
type Refused = (Map<String, Value>, Vec<String>);

/// The submitted identity, checked: short single-line texts, a past date.
fn check(
    state: &AppState,
    t: Tr,
    pairs: &[(String, String)],
) -> Result<Map<String, Value>, Refused> {
    let given: HashMap<&str, &str> = pairs.iter().map(|(k, v)| (k.as_str(), v.trim())).collect();
    let mut values = Map::new();
    let mut errors = Vec::new();
    for field in FIELDS {
        let value = given.get(field).copied().unwrap_or_default();
        if value.is_empty() {
            continue;
        }
        values.insert(field.to_owned(), Value::String(value.to_owned()));
        if value.chars().count() > MAX_TEXT || value.chars().any(char::is_control) {
            errors.push(format!(
                "{}: {}",
                label(t, field),
                t.get("identity-error-text")
            ));
        } else if value.chars().any(is_direction_control) {
            // A name that shows as another text, as the form engine refuses it.
            errors.push(format!(
                "{}: {}",
                label(t, field),
                t.get("form-error-direction-controls")
            ));
        }
    }
    if let Some(date) = values.get("birth_date").and_then(Value::as_str) {
        let today = state
            .clock
            .now()
            .to_zoned(awladna_domain::forms::local_zone())
            .date();
        if !date.parse::<jiff::civil::Date>().is_ok_and(|d| d <= today) {
            errors.push(format!(
                "{}: {}",
                label(t, "birth_date"),
                t.get("identity-error-date")
            ));
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err((values, errors))
    }
}

pub async fn save(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(case_id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Response {
    let case = match case_for(&state, &caller, &case_id, Action::RectifyIdentity, false).await {
        Ok(Ok((_, case))) => case,
        Ok(Err(refusal)) => return refusal.page(t),
        Err(detail) => return internal(false, t, &detail),
    };
    let values = match check(&state, t, &pairs) {
        Ok(values) => values,
        Err((values, errors)) => {
            let page = page(t, &caller, &case, &values, errors);
            return (StatusCode::UNPROCESSABLE_ENTITY, page).into_response();
        }
    };
    let (sealed, old) = match current(&state, t, &case).await {
        Ok(Ok(found)) => found,
        Ok(Err(refused)) => return refused,
        Err(detail) => return internal(false, t, &detail),
    };
    let changed: Vec<String> = FIELDS
        .iter()
        .filter(|f| text(&old, f) != values.get(**f).and_then(Value::as_str).unwrap_or_default())
        .map(|f| (*f).to_owned())
        .collect();
    if changed.is_empty() {
        return Redirect::to(&format!("/cases/{}", case.id)).into_response();
    }
    match store(
        &state,
        &caller,
        &case,
        sealed.as_deref(),
        &old,
        values,
        changed,
    )
    .await
    {
        Ok(true) => Redirect::to(&format!("/cases/{}", case.id)).into_response(),
        Ok(false) => page_refusal(t, StatusCode::CONFLICT, "identity-changed-meanwhile"),
        Err(detail) => internal(false, t, &detail),
    }
}

/// Seals the new identity and the old one (for the history) and stores both.
async fn store(
    state: &AppState,
    caller: &Caller,
    case: &CaseRecord,
    read: Option<&[u8]>,
    old: &Value,
    values: Map<String, Value>,
    changed: Vec<String>,
) -> Result<bool, String> {
    let change_id = uuid::Uuid::now_v7().to_string();
    let previous = match old {
        Value::Null => None,
        old => Some(
            state
                .keyring
                .seal_json(old, &sealed_aad("identity_history", "previous", &change_id))
                .map_err(|e| e.to_string())?,
        ),
    };
    let named: Map<String, Value> = values
        .iter()
        .map(|(k, v)| (format!("child.{k}"), v.clone()))
        .collect();
    let tokens = crate::children::name_tokens(state, &named);
    let identity = state
        .keyring
        .seal_json(
            &Value::Object(values),
            &sealed_aad("children", "identity", &case.child_id),
        )
        .map_err(|e| e.to_string())?;
    let now = state.now_ms();
    let change = IdentityChange {
        id: change_id,
        changed_at: now,
        changed_by: caller.audit_actor().unwrap_or_default(),
        fields: changed,
        previous,
    };
    let run = async {
        let mut tx = state.store.begin().await?;
        if !tx
            .rectify_identity(
                &case.child_id,
                read,
                &identity,
                &change,
                &case.territory,
                &tokens,
            )
            .await?
        {
            return Ok(false);
        }
        tx.audit(caller.audit_entry(
            now,
            "child.identity_rectified",
            ("child", &case.child_id),
            &case.territory,
            json!({"case": case.id, "change": change.id, "fields": change.fields}),
        ))
        .await?;
        tx.commit().await.map(|()| true)
    };
    run.await.map_err(|e: awladna_store::StoreError| e.detail())
}

/// The corrections of a child's identity for the case page (its reader may read the
/// identity, so the replaced values are shown too).
pub async fn history(
    state: &AppState,
    t: Tr,
    child_id: &str,
) -> Result<Vec<CorrectionView>, String> {
    let mut views = Vec::new();
    for change in state
        .store
        .identity_history(child_id)
        .await
        .map_err(|e| e.detail())?
    {
        let previous = match &change.previous {
            Some(sealed) => state
                .keyring
                .open_json(
                    sealed,
                    &sealed_aad("identity_history", "previous", &change.id),
                )
                .map_err(|e| e.to_string())?,
            None => Value::Null,
        };
        let by = match state
            .store
            .user_by_id(&change.changed_by)
            .await
            .map_err(|e| e.detail())?
        {
            Some(user) => user.username,
            None => change.changed_by.clone(),
        };
        views.push(CorrectionView {
            at: local_time(change.changed_at),
            by,
            fields: change
                .fields
                .iter()
                .map(|f| label(t, f))
                .collect::<Vec<_>>()
                .join(", "),
            previous: change
                .fields
                .iter()
                .map(|f| format!("{}: {}", label(t, f), text(&previous, f)))
                .collect::<Vec<_>>()
                .join(" · "),
        });
    }
    Ok(views)
}
