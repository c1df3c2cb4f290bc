//! The three files of a case — social, medical-psychological, judicial — each with its
//! entries (cards of the part's form) and its documents. Uploads are recognised by their
//! bytes, sealed with their name, and served back only to those the policy lets read
//! that part, as attachments.

use crate::auth::Caller;
use crate::case_cards::{CardView, CaseRefusal, card_views, case_for, entry_form, opened_cards};
use crate::error::{internal, page_error, refusal};
use crate::extract::Shell;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::times::local_time;
use askama::Template;
use askama_web::WebTemplate;
use awladna_domain::access::Action;
use awladna_domain::files::FilePart;
use awladna_domain::forms::is_direction_control;
use awladna_domain::uploads::{MAX_UPLOAD_BYTES, UploadProblem, check_upload};
use awladna_store::documents::{DocumentInfo, NewDocument};
use awladna_store::keys::sealed_aad;
use axum::Json;
use axum::body::Body;
use axum::extract::{Multipart, OriginalUri, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

const KINDS: &str = "document_kinds";
/// The multipart envelope around a file of the largest size allowed.
pub const UPLOAD_BODY_LIMIT: usize = MAX_UPLOAD_BYTES + 64 * 1024;
const MAX_NAME: usize = 200;

fn part_of(code: &str) -> Result<FilePart, CaseRefusal> {
    code.parse().map_err(|_| CaseRefusal::Hidden)
}

/// The document kinds of a part, in the reader's language.
fn kinds(state: &AppState, t: Tr, part: FilePart) -> Vec<(String, String)> {
    state
        .reference
        .vocabulary(KINDS)
        .map(|v| {
            v.terms
                .iter()
                .filter(|term| term.group.as_deref() == Some(part.code()))
                .map(|term| (term.code.clone(), term.labels.get(t.lang).to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// Why an upload was not kept.
pub enum UploadError {
    Refused(CaseRefusal),
    /// The file itself (message id).
    File(&'static str),
    /// The kind is missing or not one of the part's.
    Kind,
    /// The request is not a well-formed upload.
    Malformed,
}

/// What an upload form sent.
#[derive(Default)]
struct Upload {
    kind: String,
    part: Option<String>,
    name: String,
    bytes: Vec<u8>,
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, UploadError> {
    let mut upload = Upload::default();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| UploadError::Malformed)?
    {
        match field.name().unwrap_or_default() {
            "kind" => upload.kind = field.text().await.map_err(|_| UploadError::Malformed)?,
            "part" => upload.part = Some(field.text().await.map_err(|_| UploadError::Malformed)?),
            "file" => {
                upload.name = field
                    .file_name()
                    .unwrap_or_default()
                    .chars()
                    // A name that shows as `exe.png` may hide another one.
                    .filter(|c| !c.is_control() && !is_direction_control(*c))
                    .take(MAX_NAME)
                    .collect();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|_| UploadError::File(UploadProblem::TooLarge.message_id()))?;
                upload.bytes = bytes.to_vec();
            }
            // The page's CSRF token travels in the query; other fields are ignored.
            _ => {}
        }
    }
    Ok(upload)
}

/// Checks, seals and stores a document on a case's file.
async fn keep(
    state: &AppState,
    caller: &Caller,
    case_id: &str,
    part: FilePart,
    upload: Upload,
) -> Result<Result<String, UploadError>, String> {
    let case = match case_for(state, caller, case_id, Action::WriteFile(part), true).await? {
        Ok((_, case)) => case,
        Err(refusal) => return Ok(Err(UploadError::Refused(refusal))),
    };
    let kind_fits = state
        .reference
        .vocabulary(KINDS)
        .and_then(|v| v.terms.iter().find(|term| term.code == upload.kind.trim()))
        .is_some_and(|term| term.group.as_deref() == Some(part.code()));
    if !kind_fits {
        return Ok(Err(UploadError::Kind));
    }
    let kind = match check_upload(&upload.bytes) {
        Ok(kind) => kind,
        Err(problem) => return Ok(Err(UploadError::File(problem.message_id()))),
    };
    let id = uuid::Uuid::now_v7().to_string();
    let name = if upload.name.trim().is_empty() {
        format!("document.{}", kind.extension())
    } else {
        upload.name
    };
    let seal = |bytes: &[u8], column: &str| {
        state
            .keyring
            .seal(bytes, &sealed_aad("documents", column, &id))
            .map_err(|e| e.to_string())
    };
    let sealed_name = seal(name.as_bytes(), "name")?;
    let sealed_content = seal(&upload.bytes, "content")?;
    let who = caller.audit_actor().unwrap_or_default();
    let now = state.now_ms();
    let size = i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX);
    let row = NewDocument {
        id: &id,
        case_id: &case.id,
        territory: &case.territory,
        part: part.code(),
        kind: upload.kind.trim(),
        content_type: kind.content_type(),
        size,
        name: &sealed_name,
        content: &sealed_content,
        by: &who,
        at_ms: now,
    };
    let run = async {
        let mut tx = state.store.begin().await?;
        tx.insert_document(&row).await?;
        tx.audit(caller.audit_entry(
            now,
            "case.document_added",
            ("case", &case.id),
            &case.territory,
            json!({"document": id, "part": part.code(), "kind": row.kind, "size": size}),
        ))
        .await?;
        tx.commit().await
    };
    run.await.map_err(|e| e.detail())?;
    Ok(Ok(id))
}

fn upload_refusal(t: Tr, api: bool, error: UploadError) -> Response {
    let (status, code, message) = match error {
        UploadError::Refused(r) => return if api { r.api(t) } else { r.page(t) },
        UploadError::File(message) => (StatusCode::UNPROCESSABLE_ENTITY, "bad_file", message),
        UploadError::Kind => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_kind",
            "upload-error-kind",
        ),
        UploadError::Malformed => (
            StatusCode::BAD_REQUEST,
            "bad_upload",
            "upload-error-malformed",
        ),
    };
    if api {
        refusal(t, status, code, message)
    } else {
        crate::error::page_refusal(t, status, message)
    }
}

/// A document as the file lists it, its name opened.
pub struct DocumentView {
    id: String,
    name: String,
    kind: String,
    size: String,
    at: String,
}

fn document_views(
    state: &AppState,
    t: Tr,
    documents: &[DocumentInfo],
) -> Result<Vec<DocumentView>, String> {
    let kind_label = |code: &str| {
        state
            .reference
            .vocabulary(KINDS)
            .and_then(|v| v.label(code, t.lang))
            .unwrap_or(code)
            .to_owned()
    };
    documents
        .iter()
        .map(|d| {
            let name = state
                .keyring
                .open(&d.name, &sealed_aad("documents", "name", &d.id))
                .map_err(|e| e.to_string())?;
            // Only the retention run leaves a document without a name.
            let name = match String::from_utf8_lossy(&name).into_owned() {
                erased if erased.is_empty() => t.get("retention-erased"),
                name => name,
            };
            Ok(DocumentView {
                id: d.id.clone(),
                name,
                kind: kind_label(&d.kind),
                size: format!("{:.1} KB", d.size as f64 / 1024.0),
                at: local_time(d.uploaded_at),
            })
        })
        .collect()
}

/// What one file of a case holds, for a reader of that part (the read is audited):
/// the case, the part's entry form, its entries opened, its documents and their views.
#[allow(clippy::type_complexity)] // one tuple, taken apart at once by both callers
async fn file_contents(
    state: &AppState,
    caller: &Caller,
    case_id: &str,
    part: FilePart,
    t: Tr,
) -> Result<
    Result<
        (
            awladna_store::cases::CaseRecord,
            String,
            Vec<(
                awladna_store::cards::CardRecord,
                serde_json::Map<String, serde_json::Value>,
            )>,
            Vec<DocumentInfo>,
            Vec<DocumentView>,
        ),
        CaseRefusal,
    >,
    String,
> {
    let Some(form) = entry_form(state, part) else {
        return Ok(Err(CaseRefusal::Hidden));
    };
    let (case, cards) = match opened_cards(state, caller, case_id, &form.code).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let documents = state
        .store
        .documents(&case.id, part.code())
        .await
        .map_err(|e| e.detail())?;
    let views = document_views(state, t, &documents)?;
    Ok(Ok((case, form.code.clone(), cards, documents, views)))
}

#[derive(Template, WebTemplate)]
#[template(path = "file.html")]
pub struct FilePage {
    shell: Shell,
    case_id: String,
    case_number: String,
    part: String,
    title: String,
    entry_form: String,
    can_write: bool,
    entries: Vec<CardView>,
    documents: Vec<DocumentView>,
    kinds: Vec<(String, String)>,
}

/// A file of a case with its entries and documents; the read is audited once, with
/// the entries.
pub async fn file_page(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Path((case_id, part)): Path<(String, String)>,
) -> Response {
    let part = match part_of(&part) {
        Ok(part) => part,
        Err(_) => return page_error(t, StatusCode::NOT_FOUND),
    };
    let (case, form, cards, _, documents) =
        match file_contents(&state, &caller, &case_id, part, t).await {
            Ok(Ok(found)) => found,
            Ok(Err(refusal)) => return refusal.page(t),
            Err(detail) => return internal(false, t, &detail),
        };
    let can_write = case.stage != "closed"
        && caller.actor.as_ref().is_some_and(|a| {
            awladna_domain::access::decide(Some(a), Action::WriteFile(part), Some(&case.territory))
                == awladna_domain::access::Decision::Allow
        });
    FilePage {
        shell: Shell {
            t,
            here: uri.path().to_owned(),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        case_id: case.id.clone(),
        case_number: case.number.clone(),
        part: part.code().to_owned(),
        title: t.get(&format!("file-{}", part.code())),
        entry_form: form,
        can_write,
        entries: card_views(&state, t, &cards),
        documents,
        kinds: kinds(&state, t, part),
    }
    .into_response()
}

pub async fn upload_page(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path((case_id, part)): Path<(String, String)>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let Ok(part) = part_of(&part) else {
        return page_error(t, StatusCode::NOT_FOUND);
    };
    let outcome = match multipart {
        Ok(multipart) => match read_upload(multipart).await {
            Ok(upload) => keep(&state, &caller, &case_id, part, upload).await,
            Err(error) => Ok(Err(error)),
        },
        Err(_) => Ok(Err(UploadError::Malformed)),
    };
    match outcome {
        Ok(Ok(_)) => Redirect::to(&format!("/cases/{case_id}/files/{part}")).into_response(),
        Ok(Err(error)) => upload_refusal(t, false, error),
        Err(detail) => internal(false, t, &detail),
    }
}

/// `POST /api/v1/cases/{id}/documents`: multipart with `part`, `kind` and `file`.
pub async fn api_upload(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(case_id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let upload = match multipart {
        Ok(multipart) => match read_upload(multipart).await {
            Ok(upload) => upload,
            Err(error) => return upload_refusal(t, true, error),
        },
        Err(_) => return upload_refusal(t, true, UploadError::Malformed),
    };
    let Some(Ok(part)) = upload.part.as_deref().map(|p| p.trim().parse::<FilePart>()) else {
        return refusal(
            t,
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_part",
            "upload-error-part",
        );
    };
    match keep(&state, &caller, &case_id, part, upload).await {
        Ok(Ok(id)) => (StatusCode::CREATED, Json(json!({"id": id}))).into_response(),
        Ok(Err(error)) => upload_refusal(t, true, error),
        Err(detail) => internal(true, t, &detail),
    }
}

/// `GET /api/v1/cases/{id}/files/{part}`: the entries and the documents of a file.
pub async fn api_file(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path((case_id, part)): Path<(String, String)>,
) -> Response {
    let part = match part_of(&part) {
        Ok(part) => part,
        Err(refusal) => return refusal.api(t),
    };
    let (_, _, cards, documents, names) =
        match file_contents(&state, &caller, &case_id, part, t).await {
            Ok(Ok(found)) => found,
            Ok(Err(refusal)) => return refusal.api(t),
            Err(detail) => return internal(true, t, &detail),
        };
    Json(json!({
        "part": part.code(),
        "entries": cards.iter().map(|(card, values)| json!({
            "id": card.id, "form": card.form_code, "form_version": card.form_version,
            "created_at": jiff::Timestamp::from_millisecond(card.created_at).map(|ts| ts.to_string()).unwrap_or_default(),
            "values": values,
        })).collect::<Vec<_>>(),
        "documents": documents.iter().zip(&names).map(|(d, view)| json!({
            "id": d.id, "kind": d.kind, "content_type": d.content_type, "size": d.size, "name": view.name,
            "uploaded_at": jiff::Timestamp::from_millisecond(d.uploaded_at).map(|ts| ts.to_string()).unwrap_or_default(),
        })).collect::<Vec<_>>(),
    }))
    .into_response()
}

/// A document's content, to a reader of its part; served as an attachment that the
/// browser neither runs nor sniffs. The read is audited.
async fn download(
    state: &AppState,
    caller: &Caller,
    case_id: &str,
    document_id: &str,
) -> Result<Result<Response, CaseRefusal>, String> {
    let Some(info) = state
        .store
        .document_info(document_id)
        .await
        .map_err(|e| e.detail())?
    else {
        return Ok(Err(CaseRefusal::Hidden));
    };
    let Ok(part) = info.part.parse::<FilePart>() else {
        return Err("a document has an unknown part".to_owned());
    };
    if info.case_id != case_id {
        return Ok(Err(CaseRefusal::Hidden));
    }
    let case = match case_for(state, caller, case_id, Action::ReadFile(part), false).await? {
        Ok((_, case)) => case,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let sealed = state
        .store
        .document_content(&info.id)
        .await
        .map_err(|e| e.detail())?
        .ok_or("a listed document has no content")?;
    let content = state
        .keyring
        .open(&sealed, &sealed_aad("documents", "content", &info.id))
        .map_err(|e| e.to_string())?;
    let entry = caller.audit_entry(
        state.now_ms(),
        "case.document_read",
        ("case", &case.id),
        &case.territory,
        json!({"document": info.id}),
    );
    state.audit_alone(entry).await.map_err(|e| e.detail())?;
    let extension = match info.content_type.as_str() {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    };
    // The stored name may be anything a user typed: the header carries a safe one.
    let disposition = format!("attachment; filename=\"{}.{extension}\"", info.kind);
    Ok(Ok((
        [
            (header::CONTENT_TYPE, info.content_type.clone()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'".to_owned(),
            ),
        ],
        Body::from(content.to_vec()),
    )
        .into_response()))
}

pub async fn download_page(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path((case_id, document_id)): Path<(String, String)>,
) -> Response {
    match download(&state, &caller, &case_id, &document_id).await {
        Ok(Ok(response)) => response,
        Ok(Err(refusal)) => refusal.page(t),
        Err(detail) => internal(false, t, &detail),
    }
}

pub async fn api_download(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path((case_id, document_id)): Path<(String, String)>,
) -> Response {
    match download(&state, &caller, &case_id, &document_id).await {
        Ok(Ok(response)) => response,
        Ok(Err(refusal)) => refusal.api(t),
        Err(detail) => internal(true, t, &detail),
    }
}

/// The files a reader may open from the case page: (part code, title).
pub fn readable_files(
    t: Tr,
    actor: Option<&awladna_domain::access::Actor>,
    territory: &str,
) -> Vec<(String, String)> {
    FilePart::ALL
        .into_iter()
        .filter(|part| {
            awladna_domain::access::decide(actor, Action::ReadFile(*part), Some(territory))
                == awladna_domain::access::Decision::Allow
        })
        .map(|part| {
            (
                part.code().to_owned(),
                t.get(&format!("file-{}", part.code())),
            )
        })
        .collect()
}
