//! A case's files through the API: a file's entries and documents, an upload (multipart
//! with `part`, `kind` and `file`), a download.

use super::{attachment, field, part_of, read_upload, shown_name};
use crate::error::AppError;
use crate::extract::Guard;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::times::rfc3339;
use awladna_core::act;
use awladna_core::files::{FileContents, download as open_document, read_part, upload as keep};
use awladna_domain::files::FilePart;
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

/// `GET /api/v1/cases/{id}/files/{part}`: the entries and the documents of a file.
pub async fn file(
    State(state): State<AppState>,
    t: Tr,
    Guard(permit): Guard<act::ReadCase>,
    Path((case_id, part)): Path<(String, String)>,
) -> Result<Json<Value>, AppError> {
    let part = part_of(&part)?;
    let FileContents {
        entries, documents, ..
    } = read_part(&state, &permit, &case_id, part).await?;
    Ok(Json(json!({
        "part": part.code(),
        "entries": entries.iter().map(|(card, values)| json!({
            "id": card.id, "form": card.form_code, "form_version": card.form_version,
            "created_at": rfc3339(card.created_at),
            "values": values,
        })).collect::<Vec<_>>(),
        "documents": documents.iter().map(|d| json!({
            "id": d.info.id, "kind": d.info.kind, "content_type": d.info.content_type,
            "size": d.info.size, "name": shown_name(t, d),
            "uploaded_at": rfc3339(d.info.uploaded_at),
        })).collect::<Vec<_>>(),
    })))
}

/// `POST /api/v1/cases/{id}/documents`.
pub async fn upload(
    State(state): State<AppState>,
    Guard(permit): Guard<act::WorkOnCase>,
    Path(case_id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let (upload, fields) = read_upload(multipart).await?;
    let Some(Ok(part)) = field(&fields, "part").map(|p| p.trim().parse::<FilePart>()) else {
        return Err(AppError::refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_part",
            "upload-error-part",
        ));
    };
    let id = keep(&state, &permit, &case_id, part, upload).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))))
}

pub async fn download(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadCase>,
    Path((case_id, document_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    Ok(attachment(
        open_document(&state, &permit, &case_id, &document_id).await?,
    ))
}
