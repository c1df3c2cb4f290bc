//! The three files of a case in the web: a file's page and its API (entries and
//! documents), uploads and downloads. The use cases are `awladna_core::files`'.

pub mod api;
pub mod pages;

use crate::error::AppError;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::times::local_time;
use awladna_core::files::{Download, KINDS, ListedDocument, Upload, UploadError};
use awladna_domain::access::{Action, Actor, Decision, decide};
use awladna_domain::files::FilePart;
use awladna_domain::forms::is_direction_control;
use awladna_domain::uploads::{MAX_UPLOAD_BYTES, UploadProblem};
use axum::body::Body;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

/// The multipart envelope around a file of the largest size allowed.
pub const UPLOAD_BODY_LIMIT: usize = MAX_UPLOAD_BYTES + 64 * 1024;
const MAX_NAME: usize = 200;

impl From<UploadError> for AppError {
    fn from(e: UploadError) -> Self {
        match e {
            UploadError::Core(e) => e.into(),
            UploadError::Closed => crate::cases::closed(),
            UploadError::Kind => AppError::refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad_kind",
                "upload-error-kind",
            ),
            UploadError::File(problem) => bad_file(problem),
        }
    }
}

pub(crate) fn bad_file(problem: UploadProblem) -> AppError {
    AppError::refused(
        StatusCode::UNPROCESSABLE_ENTITY,
        "bad_file",
        problem.message_id(),
    )
}

fn malformed() -> AppError {
    AppError::refused(
        StatusCode::BAD_REQUEST,
        "bad_upload",
        "upload-error-malformed",
    )
}

/// A file part named in a path; an unknown one is "not found".
fn part_of(code: &str) -> Result<FilePart, AppError> {
    code.parse().map_err(|_| AppError::NotFound)
}

/// What an upload form sent: the document, and its other fields (the part it names,
/// the API's way; an answer's services, date and outcome).
pub(crate) async fn read_upload(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(Upload, Vec<(String, String)>), AppError> {
    let mut multipart = multipart.map_err(|_| malformed())?;
    let mut upload = Upload {
        kind: String::new(),
        name: String::new(),
        bytes: Vec::new(),
    };
    let mut fields = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|_| malformed())? {
        match field.name().unwrap_or_default().to_owned().as_str() {
            "kind" => upload.kind = field.text().await.map_err(|_| malformed())?,
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
                    .map_err(|_| bad_file(UploadProblem::TooLarge))?;
                upload.bytes = bytes.to_vec();
            }
            // The page's CSRF token travels in the query.
            "_csrf" => {}
            name if fields.len() < MAX_FIELDS => {
                let value = field.text().await.map_err(|_| malformed())?;
                fields.push((name.to_owned(), value));
            }
            _ => return Err(malformed()),
        }
    }
    Ok((upload, fields))
}

/// The most text fields an upload form sends beside its file.
const MAX_FIELDS: usize = 64;

/// The first value of a field an upload form sent.
pub(crate) fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The document kinds of a part, in the reader's language.
pub(crate) fn kinds(state: &AppState, t: Tr, part: FilePart) -> Vec<(String, String)> {
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

/// A document as the file lists it.
pub struct DocumentView {
    id: String,
    name: String,
    kind: String,
    size: String,
    at: String,
    /// The receiving service that added it through a linking card (empty: the centre).
    by: String,
}

/// A document's name, or what stands for one erased under the retention rule.
fn shown_name(t: Tr, document: &ListedDocument) -> String {
    document
        .name
        .clone()
        .unwrap_or_else(|| t.get("retention-erased"))
}

fn document_views(
    state: &AppState,
    t: Tr,
    documents: &[ListedDocument],
    names: &HashMap<String, String>,
) -> Vec<DocumentView> {
    documents
        .iter()
        .map(|d| DocumentView {
            by: d
                .info
                .organisation
                .as_ref()
                .map(|code| names.get(code).cloned().unwrap_or_else(|| code.clone()))
                .unwrap_or_default(),
            id: d.info.id.clone(),
            name: shown_name(t, d),
            kind: state.label(t, KINDS, &d.info.kind),
            size: format!("{:.1} KB", d.info.size as f64 / 1024.0),
            at: local_time(d.info.uploaded_at),
        })
        .collect()
}

/// A document's content served as an attachment that the browser neither runs nor
/// sniffs.
pub(crate) fn attachment(download: Download) -> Response {
    let extension = download.extension();
    // The stored name may be anything a user typed: the header carries a safe one.
    let disposition = format!(
        "attachment; filename=\"{}.{extension}\"",
        download.info.kind
    );
    (
        [
            (header::CONTENT_TYPE, download.info.content_type.clone()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'".to_owned(),
            ),
        ],
        Body::from(download.content),
    )
        .into_response()
}

/// The files a reader may open from the case page: (part code, title).
pub fn readable_files(t: Tr, actor: Option<&Actor>, territory: &str) -> Vec<(String, String)> {
    FilePart::ALL
        .into_iter()
        .filter(|part| decide(actor, Action::ReadFile(*part), Some(territory)) == Decision::Allow)
        .map(|part| {
            (
                part.code().to_owned(),
                t.get(&format!("file-{}", part.code())),
            )
        })
        .collect()
}
