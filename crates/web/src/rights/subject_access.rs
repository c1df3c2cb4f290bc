//! The right of access's page: a coordinator records who asked for the file of a case's
//! child, and gets everything held about that child as JSON or as a PDF made from the
//! same JSON.

use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::act;
use awladna_core::subject_access::{AccessError, BASES, Request, RequestProblem, case, export};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};

impl From<AccessError> for AppError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Core(e) => e.into(),
            AccessError::Closed => crate::cases::closed(),
            // The page shows the form again with its problems; this is for any other caller.
            AccessError::Invalid { .. } => AppError::Invalid(Vec::new()),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "subject_access.html")]
pub struct SubjectAccessPage {
    shell: Shell,
    case_id: String,
    case_number: String,
    bases: Vec<(String, String)>,
    errors: Vec<String>,
    requester: String,
    requested_on: String,
    basis: String,
}

#[derive(Deserialize, Default)]
pub struct RequestForm {
    #[serde(default)]
    requester: String,
    #[serde(default)]
    requested_on: String,
    #[serde(default)]
    basis: String,
    #[serde(default)]
    format: String,
}

fn form_page(
    shell: Shell,
    case: &awladna_store::cases::CaseRecord,
    given: &RequestForm,
    errors: Vec<String>,
) -> SubjectAccessPage {
    let t = shell.t;
    SubjectAccessPage {
        shell,
        case_id: case.id.clone(),
        case_number: case.number.clone(),
        bases: BASES
            .iter()
            .map(|b| ((*b).to_owned(), t.get(&format!("subject-access-basis-{b}"))))
            .collect(),
        errors,
        requester: given.requester.clone(),
        requested_on: given.requested_on.clone(),
        basis: given.basis.clone(),
    }
}

pub async fn page(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::SubjectAccess>,
    Path(case_id): Path<String>,
) -> Result<SubjectAccessPage, AppError> {
    let case = case(&state, &permit, &case_id).await?;
    Ok(form_page(shell, &case, &RequestForm::default(), Vec::new()))
}

fn message(t: Tr, problem: RequestProblem) -> String {
    t.get(match problem {
        RequestProblem::Requester => "subject-access-error-requester",
        RequestProblem::Date => "subject-access-error-date",
        RequestProblem::Basis => "subject-access-error-basis",
    })
}

pub async fn export_page(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::SubjectAccess>,
    Path(case_id): Path<String>,
    axum::Form(form): axum::Form<RequestForm>,
) -> Result<Response, AppError> {
    let t = shell.t;
    let request = Request {
        requester: &form.requester,
        requested_on: &form.requested_on,
        basis: &form.basis,
        json: form.format == "json",
    };
    let (case, everything) = match export(&state, &permit, &case_id, &request).await {
        Ok(exported) => exported,
        Err(AccessError::Invalid { case, problems }) => {
            let errors = problems.iter().map(|p| message(t, *p)).collect();
            let page = form_page(shell, &case, &form, errors);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    if request.json {
        let body = serde_json::to_vec_pretty(&everything).unwrap_or_default();
        return Ok(attachment("application/json", "subject-access.json", body));
    }
    let document = pdf_document(t, &case.number, &everything);
    match tokio::task::spawn_blocking(move || awladna_pdf::render(&document)).await {
        Ok(Ok(bytes)) => Ok(attachment("application/pdf", "subject-access.pdf", bytes)),
        Ok(Err(e)) => Err(AppError::Internal(e.to_string())),
        Err(e) => Err(AppError::Internal(e.to_string())),
    }
}

fn attachment(content_type: &'static str, name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// A value as one line of the PDF.
fn shown(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(shown).collect::<Vec<_>>().join(", "),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k}: {}", shown(v)))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

fn facts(map: &Map<String, Value>) -> awladna_pdf::Block {
    awladna_pdf::Block::Facts(
        map.iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), shown(v)))
            .collect(),
    )
}

/// The PDF of the export: the same JSON, section by section.
fn pdf_document(t: Tr, case_number: &str, everything: &Value) -> awladna_pdf::Document {
    use awladna_pdf::Block;
    let empty = Map::new();
    let object = |v: &Value| v.as_object().cloned().unwrap_or_else(|| empty.clone());
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let mut blocks = vec![
        Block::Notice(t.get("case-print-notice")),
        Block::Paragraph(t.get("subject-access-pdf-intro")),
        Block::Heading(t.get("subject-access-pdf-request")),
        facts(&object(&everything["request"])),
        Block::Heading(t.get("case-child")),
    ];
    let child = object(&everything["child"]);
    let mut child_facts = child.clone();
    child_facts.remove("identity");
    blocks.push(facts(&child_facts));
    blocks.push(facts(&object(&child["identity"])));
    let history = list(&everything["identity_history"]);
    if !history.is_empty() {
        blocks.push(Block::Heading(t.get("identity-history-title")));
        blocks.extend(history.iter().map(|h| facts(&object(h))));
    }
    for case in list(&everything["cases"]) {
        let case = object(&case);
        blocks.push(Block::Heading(format!(
            "{} {}",
            t.get("subject-access-pdf-case"),
            shown(&case["number"])
        )));
        let mut summary = case.clone();
        for part in ["moves", "cards", "plan", "documents", "referrals"] {
            summary.remove(part);
        }
        blocks.push(facts(&summary));
        for part in ["moves", "cards", "plan", "documents", "referrals"] {
            let items = list(&case[part]);
            if items.is_empty() {
                continue;
            }
            blocks.push(Block::Heading(t.get(&format!("subject-access-pdf-{part}"))));
            for item in items {
                let mut item = object(&item);
                if let Some(Value::Object(values)) = item.remove("values") {
                    item.extend(values);
                }
                blocks.push(facts(&item));
            }
        }
    }
    let requests = list(&everything["subject_access_requests"]);
    blocks.push(Block::Heading(t.get("subject-access-pdf-requests")));
    blocks.extend(requests.iter().map(|r| facts(&object(r))));
    blocks.push(Block::Heading(t.get("subject-access-pdf-readers")));
    blocks.push(Block::Table {
        headers: vec![
            t.get("subject-access-pdf-when"),
            t.get("subject-access-pdf-who"),
            t.get("subject-access-pdf-what"),
        ],
        rows: list(&everything["audit"])
            .iter()
            .map(|a| {
                vec![
                    shown(&a["at"]),
                    shown(if a["username"].is_null() {
                        &a["actor"]
                    } else {
                        &a["username"]
                    }),
                    shown(&a["action"]),
                ]
            })
            .collect(),
        numeric: vec![false, false, false],
    });
    awladna_pdf::Document {
        title: format!("{} — {case_number}", t.get("subject-access-title")),
        lang: match t.lang {
            awladna_domain::Lang::Ar => awladna_pdf::Lang::Ar,
            awladna_domain::Lang::Fr => awladna_pdf::Lang::Fr,
            awladna_domain::Lang::En => awladna_pdf::Lang::En,
        },
        footer: format!("{} — {}", t.get("subject-access-title"), t.get("app-name")),
        blocks,
    }
}
