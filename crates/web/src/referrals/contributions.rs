//! The receiving service's part on the web (issue 16): entries and documents added to
//! the child's file through a linking card, its answer (services delivered, a date, the
//! outcome, a document), and what it added, readable after the card closes. The page
//! part is its own template (`referral_answer.html`), included from the card's page.

use crate::auth::Caller;
use crate::case_files::{attachment, bad_file, field, kinds, read_upload};
use crate::error::AppError;
use crate::extract::{ApiJson, Guard};
use crate::forms::{read_submission, storing_form};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::times::{local_time, rfc3339};
use awladna_core::act;
use awladna_core::files::Upload;
use awladna_core::referrals::{
    AnswerInput, ContributionError, Contributions, OpenedAnswer, OpenedReferral, add_document,
    add_entry, answer, answers, own, own_document,
};
use awladna_domain::access::{Decision, ReferralFacts, decide_service_write};
use awladna_domain::files::FilePart;
use awladna_domain::referral::{Side, Standing, Status};
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

impl From<ContributionError> for AppError {
    fn from(e: ContributionError) -> Self {
        match e {
            ContributionError::Referral(e) => e.into(),
            ContributionError::Kind => AppError::refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad_kind",
                "upload-error-kind",
            ),
            ContributionError::File(problem) => bad_file(problem),
        }
    }
}

/// A file part named in a request; an unknown one is refused with the part's message.
fn part_named(code: Option<&str>) -> Result<FilePart, AppError> {
    code.and_then(|c| c.trim().parse().ok()).ok_or_else(|| {
        AppError::refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_part",
            "upload-error-part",
        )
    })
}

#[derive(Deserialize)]
pub struct EntryBody {
    part: String,
    values: Value,
}

/// `POST /api/v1/referrals/{id}/entries`: `{"part", "values"}`, the values of the
/// part's entry form.
pub async fn add_entry_api(
    State(state): State<AppState>,
    Guard(permit): Guard<act::UseReferrals>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EntryBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let part = part_named(Some(&body.part))?;
    let card = add_entry(&state, &permit, &state, &id, part, &body.values, None).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": card}))))
}

/// `POST /api/v1/referrals/{id}/documents`: multipart `part`, `kind`, `file`.
pub async fn add_document_api(
    State(state): State<AppState>,
    Guard(permit): Guard<act::UseReferrals>,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let (upload, fields) = read_upload(multipart).await?;
    let part = part_named(field(&fields, "part"))?;
    let document = add_document(&state, &permit, &state, &id, part, upload).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": document}))))
}

#[derive(Deserialize)]
pub struct AnswerBody {
    #[serde(default)]
    services: Vec<String>,
    appointment_date: Option<String>,
    #[serde(default)]
    outcome: String,
}

/// `POST /api/v1/referrals/{id}/answer`: `{"services", "appointment_date", "outcome"}`
/// (a document goes with `…/documents`).
pub async fn answer_api(
    State(state): State<AppState>,
    Guard(permit): Guard<act::UseReferrals>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AnswerBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let input = AnswerInput {
        services: body.services,
        appointment_date: body.appointment_date,
        outcome: body.outcome,
        document: None,
    };
    let id = answer(&state, &permit, &state, &id, input).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))))
}

fn answer_json(a: &OpenedAnswer) -> Value {
    json!({
        "id": a.id, "organisation": a.organisation, "services": a.services,
        "appointment_date": a.appointment_date, "outcome": a.outcome,
        "document": a.document_id, "answered_by": a.answered_by,
        "answered_at": rfc3339(a.answered_at),
    })
}

/// The answers of a referral, for the JSON of the card (both ends and the overseer).
pub async fn answers_json(state: &AppState, opened: &OpenedReferral) -> Result<Value, AppError> {
    let found = answers(state, &opened.referral).await?;
    Ok(Value::Array(found.iter().map(answer_json).collect()))
}

/// `GET /api/v1/referrals/{id}/contributions`: what the caller's organisation added
/// through the card, readable after it closes.
pub async fn own_api(
    State(state): State<AppState>,
    Guard(permit): Guard<act::UseReferrals>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let Contributions {
        referral,
        entries,
        documents,
        answers,
    } = own(&state, &permit, &id).await?;
    Ok(Json(json!({
        "referral": referral.id,
        "status": referral.status,
        "entries": entries.iter().map(|(card, values)| json!({
            "id": card.id, "form": card.form_code, "organisation": card.organisation,
            "created_at": rfc3339(card.created_at), "values": values,
        })).collect::<Vec<_>>(),
        "documents": documents.iter().map(|(info, name)| json!({
            "id": info.id, "part": info.part, "kind": info.kind, "name": name,
            "content_type": info.content_type, "size": info.size,
            "organisation": info.organisation, "uploaded_at": rfc3339(info.uploaded_at),
        })).collect::<Vec<_>>(),
        "answers": answers.iter().map(answer_json).collect::<Vec<_>>(),
    })))
}

/// `GET …/referrals/{id}/documents/{document}`: a document the caller's organisation
/// added through the card.
pub async fn own_document_download(
    State(state): State<AppState>,
    Guard(permit): Guard<act::UseReferrals>,
    Path((id, document)): Path<(String, String)>,
) -> Result<Response, AppError> {
    Ok(attachment(
        own_document(&state, &permit, &id, &document).await?,
    ))
}

/// The answer part of the card's page: the answers given, and for the receiving
/// service while it works on the card, the form to answer and add a document.
pub struct AnswerPart {
    pub answers: Vec<AnswerView>,
    pub form: Option<AnswerForm>,
}

pub struct AnswerView {
    pub at: String,
    pub by: String,
    pub services: String,
    pub appointment: Option<String>,
    pub outcome: String,
    pub document: Option<String>,
}

pub struct AnswerForm {
    /// The stage's basket: (code, label).
    pub services: Vec<(String, String)>,
    /// The file parts the service may add an entry to: (code, the link's text).
    pub parts: Vec<(String, String)>,
    /// The document kinds of the parts the service may add to: (code, label).
    pub kinds: Vec<(String, String)>,
}

/// The answer part of the page of `opened` for its reader.
pub async fn answer_part(
    state: &AppState,
    t: Tr,
    actor: &awladna_domain::access::Actor,
    opened: &OpenedReferral,
    org_name: impl Fn(&str) -> String,
) -> Result<AnswerPart, AppError> {
    let r = &opened.referral;
    let receiver = opened.standing == Standing::End(Side::Receiver);
    let document_link = |doc: &str| match receiver {
        true => format!("/referrals/{}/documents/{doc}", r.id),
        false => format!("/cases/{}/documents/{doc}", r.case_id),
    };
    let answers = answers(state, r)
        .await?
        .iter()
        .map(|a| AnswerView {
            at: local_time(a.answered_at),
            by: org_name(&a.organisation),
            services: a
                .services
                .iter()
                .map(|s| state.label(t, "services", s))
                .collect::<Vec<_>>()
                .join("، "),
            appointment: a.appointment_date.clone(),
            outcome: a.outcome.clone(),
            document: a.document_id.as_deref().map(document_link),
        })
        .collect();
    let status = r.status.parse::<Status>().ok();
    let facts = status.map(|status| ReferralFacts {
        from_org: &r.from_org,
        to_org: &r.to_org,
        territory: &r.territory,
        status,
        receiver_staffed: true,
    });
    let may_answer = facts
        .as_ref()
        .is_some_and(|f| decide_service_write(actor, f, None) == Decision::Allow);
    let writable: Vec<FilePart> = FilePart::ALL
        .into_iter()
        .filter(|part| {
            facts
                .as_ref()
                .is_some_and(|f| decide_service_write(actor, f, Some(*part)) == Decision::Allow)
        })
        .collect();
    let form = may_answer.then(|| AnswerForm {
        services: state
            .reference
            .vocabulary("services")
            .map(|v| {
                v.terms
                    .iter()
                    .filter(|term| term.group.as_deref() == Some(r.stage.as_str()))
                    .map(|term| (term.code.clone(), term.labels.get(t.lang).to_owned()))
                    .collect()
            })
            .unwrap_or_default(),
        kinds: writable
            .iter()
            .flat_map(|part| kinds(state, t, *part))
            .collect(),
        parts: writable
            .iter()
            .map(|part| {
                (
                    part.code().to_owned(),
                    t.get(&format!("file-{}", part.code())),
                )
            })
            .collect(),
    });
    Ok(AnswerPart { answers, form })
}

/// `POST /referrals/{id}/answer`: the page's answer, multipart (services, date,
/// outcome, and a document of a kind whose part the service may add to).
pub async fn answer_page(
    State(state): State<AppState>,
    Guard(permit): Guard<act::UseReferrals>,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let (upload, fields) = read_upload(multipart).await?;
    let document = match upload.bytes.is_empty() {
        true => None,
        false => Some((part_of_kind(&state, &upload)?, upload)),
    };
    let input = AnswerInput {
        services: fields
            .iter()
            .filter(|(k, _)| k == "services")
            .map(|(_, v)| v.clone())
            .collect(),
        appointment_date: field(&fields, "appointment_date").map(str::to_owned),
        outcome: field(&fields, "outcome").unwrap_or_default().to_owned(),
        document,
    };
    answer(&state, &permit, &state, &id, input).await?;
    Ok(Redirect::to(&format!("/referrals/{id}")).into_response())
}

/// The file part a document kind belongs to (its group in `document_kinds`).
fn part_of_kind(state: &AppState, upload: &Upload) -> Result<FilePart, AppError> {
    let group = state
        .reference
        .vocabulary(awladna_core::files::KINDS)
        .and_then(|v| v.terms.iter().find(|t| t.code == upload.kind.trim()))
        .and_then(|t| t.group.as_deref());
    part_named(group).map_err(|_| ContributionError::Kind.into())
}

/// `GET /referrals/{id}/entries/{part}`: the part's entry form, for the receiving
/// service while it works on the card.
pub async fn entry_form(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Guard(permit): Guard<act::UseReferrals>,
    Path((id, part)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let part: FilePart = part.parse().map_err(|_| AppError::NotFound)?;
    let form = entry_form_of(&state, part)?;
    // The page is offered only to who may write there (the same decision as saving).
    awladna_core::referrals::writable_for(&state, permit.who(), &id, part).await?;
    let here = uri.path().to_owned();
    Ok(storing_form(
        t,
        here.clone(),
        &caller,
        form,
        &state.reference,
        here,
        &Default::default(),
        &[],
        None,
    ))
}

/// `POST /referrals/{id}/entries/{part}`: saves the entry and goes back to the card;
/// field errors show the form again with what to fix.
pub async fn save_entry(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Guard(permit): Guard<act::UseReferrals>,
    Path((id, part)): Path<(String, String)>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let part: FilePart = part.parse().map_err(|_| AppError::NotFound)?;
    let form = entry_form_of(&state, part)?;
    let key = crate::forms::submission_key(&pairs);
    let (values, input, _) = read_submission(form, pairs);
    match add_entry(&state, &permit, &state, &id, part, &input, key.as_deref()).await {
        Ok(_) => Ok(Redirect::to(&format!("/referrals/{id}")).into_response()),
        Err(ContributionError::Referral(awladna_core::referrals::ReferralError::Core(
            awladna_core::CoreError::Invalid(errors),
        ))) => {
            let here = uri.path().to_owned();
            Ok(storing_form(
                t,
                here.clone(),
                &caller,
                form,
                &state.reference,
                here,
                &values,
                &errors,
                None,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

fn entry_form_of(
    state: &AppState,
    part: FilePart,
) -> Result<&awladna_domain::forms::Form, AppError> {
    state
        .reference
        .forms()
        .find(|f| f.part == Some(part))
        .ok_or(AppError::NotFound)
}
