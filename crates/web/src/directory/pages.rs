//! The province's directory page, with its map, the import of a filled file and the
//! export of the file to fill.

use super::{OrgView, map_of, org_views};
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::forms::{GroupView, territory_groups};
use crate::i18n::Tr;
use crate::spreadsheet;
use crate::state::AppState;
use crate::stats::map::Map;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::directory::{self as use_case, DirectoryError};
use awladna_core::{Permit, act};
use awladna_domain::directory::import::{Column, ImportProblem, LineError};
use axum::extract::{Multipart, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// An import file of a province's directory is a few hundred kilobytes at most.
pub const IMPORT_BODY_LIMIT: usize = 2 * 1024 * 1024;

pub struct ReportRow {
    line: usize,
    column: String,
    message: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "directory.html")]
pub struct DirectoryPage {
    shell: Shell,
    territory: Option<String>,
    territory_name: String,
    /// For a national user: the provinces to choose from.
    provinces: Vec<GroupView>,
    organisations: Vec<OrgView>,
    map: Option<Map>,
    notice: Option<String>,
    report: Vec<ReportRow>,
    columns: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct DirectoryQuery {
    #[serde(default)]
    territory: String,
    #[serde(default)]
    saved: String,
    #[serde(default)]
    imported: Option<usize>,
}

/// The page, with an import's problems when there are some (then 422).
async fn directory_page(
    state: &AppState,
    shell: Shell,
    permit: &Permit<act::ManageDirectory>,
    territory: Option<String>,
    notice: Option<String>,
    report: Vec<ReportRow>,
) -> Result<(StatusCode, DirectoryPage), AppError> {
    let t = shell.t;
    let listings = use_case::listings(state, territory.as_deref()).await?;
    let organisations = org_views(state, t, &listings, true, |code| {
        format!("/directory/organisations/{code}")
    });
    let map = map_of(&listings, &organisations);
    let status = if report.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let columns = Column::ALL
        .iter()
        .map(|c| {
            (
                c.code().to_owned(),
                t.get(&format!("directory-column-{}", c.code().replace('_', "-"))),
            )
        })
        .collect();
    let page = DirectoryPage {
        shell,
        territory_name: crate::admin::territory_label(state, t, territory.as_deref()),
        provinces: if permit.actor().is_national() {
            territory_groups(t, &state.reference, territory.as_deref().unwrap_or(""))
        } else {
            Vec::new()
        },
        territory,
        organisations,
        map,
        notice,
        report,
        columns,
    };
    Ok((status, page))
}

pub async fn list(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ManageDirectory>,
    shell: Shell,
    Query(query): Query<DirectoryQuery>,
) -> Result<impl IntoResponse, AppError> {
    let t = shell.t;
    let territory = use_case::province(&state, &permit, &query.territory)?;
    let notice = if let Some(n) = query.imported {
        Some(t.with(
            "directory-imported",
            &[("count", i64::try_from(n).unwrap_or(0))],
        ))
    } else if !query.saved.is_empty() {
        Some(t.get("directory-saved"))
    } else {
        None
    };
    directory_page(&state, shell, &permit, territory, notice, Vec::new()).await
}

/// Where a keeper returns after a change (`query`, then `fragment`): a national keeper
/// to the province they chose.
pub(super) fn back_to_directory(
    permit: &Permit<act::ManageDirectory>,
    territory: &str,
    query: &str,
    fragment: &str,
) -> Redirect {
    let province = if permit.actor().is_national() {
        format!("&territory={territory}")
    } else {
        String::new()
    };
    Redirect::to(&format!("/directory?{query}{province}{fragment}"))
}

// ---- Import and export -----------------------------------------------------------------

/// What the import form sent.
struct Upload {
    territory: String,
    bytes: Vec<u8>,
}

/// The form's fields, or the status of a malformed form (413 for a file over the
/// import's body limit).
async fn read_upload(mut multipart: Multipart) -> Result<Upload, StatusCode> {
    let mut upload = Upload {
        territory: String::new(),
        bytes: Vec::new(),
    };
    let status = |e: axum::extract::multipart::MultipartError| e.status();
    while let Some(field) = multipart.next_field().await.map_err(status)? {
        match field.name().unwrap_or_default() {
            "territory" => upload.territory = field.text().await.map_err(status)?,
            "file" => upload.bytes = field.bytes().await.map_err(status)?.to_vec(),
            _ => {}
        }
    }
    Ok(upload)
}

fn report_rows(t: Tr, errors: &[LineError]) -> Vec<ReportRow> {
    errors
        .iter()
        .map(|e| ReportRow {
            line: e.line,
            column: e.column.clone(),
            message: t.with(e.problem.message_id(), &e.problem.arguments()),
        })
        .collect()
}

pub async fn import(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ManageDirectory>,
    shell: Shell,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    let upload = match multipart {
        Ok(multipart) => read_upload(multipart).await,
        Err(_) => Err(StatusCode::BAD_REQUEST),
    };
    let upload = upload.map_err(|status| match status {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "directory-import-too-large",
        ),
        _ => AppError::refused(
            StatusCode::BAD_REQUEST,
            "unreadable",
            "directory-import-unreadable",
        ),
    })?;
    let territory = use_case::chosen_province(&state, &permit, &upload.territory)?;
    // Reading a workbook is CPU work of up to a second on a large file: off the
    // threads that answer other requests.
    let bytes = upload.bytes;
    let read = tokio::task::spawn_blocking(move || spreadsheet::read_rows(&bytes))
        .await
        .unwrap_or_else(|_| Err(LineError::new(0, None, ImportProblem::Unreadable)));
    let imported = match read {
        Ok(rows) => use_case::import(&state, &permit, &territory, &rows).await,
        Err(problem) => Err(DirectoryError::Lines(vec![problem])),
    };
    match imported {
        Ok(count) => Ok(
            back_to_directory(&permit, &territory, &format!("imported={count}"), "")
                .into_response(),
        ),
        Err(DirectoryError::Lines(errors)) => {
            let report = report_rows(shell.t, &errors);
            let page =
                directory_page(&state, shell, &permit, Some(territory), None, report).await?;
            Ok(page.into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The province's directory as CSV, one line per contact point: the file to fill and
/// import back, private contacts included (only keepers download it).
pub async fn export(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ManageDirectory>,
    Query(query): Query<DirectoryQuery>,
) -> Result<impl IntoResponse, AppError> {
    let territory = use_case::chosen_province(&state, &permit, &query.territory)?;
    let rows = use_case::export(&state, &permit, &territory).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"directory-{territory}.csv\""),
            ),
        ],
        spreadsheet::write_csv(&rows),
    ))
}
