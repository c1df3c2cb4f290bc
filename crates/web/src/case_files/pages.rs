//! A case's file as a page: its entries, its documents and the upload form; the upload
//! and the download behind it.

use super::{DocumentView, attachment, document_views, kinds, part_of, read_upload};
use crate::cases::cards::{CardView, card_views};
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::act;
use awladna_core::files::{FileContents, download, read_part, upload};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::response::{Redirect, Response};

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
    /// Each entry with the organisation that wrote it.
    entries: Vec<(CardView, String)>,
    documents: Vec<DocumentView>,
    kinds: Vec<(String, String)>,
}

/// A file of a case with its entries and documents.
pub async fn file_page(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadCase>,
    Path((case_id, part)): Path<(String, String)>,
) -> Result<FilePage, AppError> {
    let t = shell.t;
    let part = part_of(&part)?;
    let FileContents {
        case,
        entry_form,
        entries,
        documents,
        can_write,
    } = read_part(&state, &permit, &case_id, part).await?;
    let names = awladna_core::referrals::organisation_names(&state).await?;
    Ok(FilePage {
        shell,
        case_id: case.id,
        case_number: case.number,
        part: part.code().to_owned(),
        title: t.get(&format!("file-{}", part.code())),
        entry_form,
        can_write,
        entries: card_views(&state, t, &entries)
            .into_iter()
            .zip(entries.iter().map(|(card, _)| {
                let code = card.organisation.clone().unwrap_or_default();
                names.get(&code).cloned().unwrap_or(code)
            }))
            .collect(),
        documents: document_views(&state, t, &documents, &names),
        kinds: kinds(&state, t, part),
    })
}

pub async fn upload_page(
    State(state): State<AppState>,
    Guard(permit): Guard<act::WorkOnCase>,
    Path((case_id, part)): Path<(String, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Redirect, AppError> {
    let part = part_of(&part)?;
    // The page's form names the part in its address, not in a field.
    let (document, _) = read_upload(multipart).await?;
    upload(&state, &permit, &case_id, part, document).await?;
    Ok(Redirect::to(&format!("/cases/{case_id}/files/{part}")))
}

pub async fn download_page(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ReadCase>,
    Path((case_id, document_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    Ok(attachment(
        download(&state, &permit, &case_id, &document_id).await?,
    ))
}
