//! The toolkit library (issue 15 §3) in the interface: the documents (latest versions)
//! for the mechanism's people and the ministry's form to publish one or a new version;
//! the public ones under `/help/library` for families and professionals without an
//! account; and the user guide — Markdown files shipped in the binary, per screen and
//! per role, in Arabic and French — reached from the "?" of every page.

use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::training::{problems, version};
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::library::{self as use_case, AUDIENCES, DocumentInput, KINDS};
use awladna_core::{CoreError, Permit, act};
use awladna_domain::Lang;
use awladna_domain::access::{Action, Decision, decide};
use awladna_store::library::DocumentRecord;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Markdown to HTML, with any HTML in it escaped (a document is text, never markup).
pub fn markdown(text: &str) -> String {
    use pulldown_cmark::{Event, Parser, html};
    let events = Parser::new(text).map(|e| match e {
        Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

pub struct DocLine {
    pub series: String,
    pub title: String,
    pub kind: String,
    pub version: i64,
    pub public: bool,
    pub language: String,
    pub audience: String,
    pub validity: String,
    pub summary: String,
}

fn validity(d: &DocumentRecord) -> String {
    format!(
        "{} – {}",
        d.valid_from,
        d.valid_to.as_deref().unwrap_or("…")
    )
}

fn line(t: Tr, d: &DocumentRecord) -> DocLine {
    DocLine {
        series: d.series_id.clone(),
        title: d.title.clone(),
        kind: t.get(&format!("library-kind-{}", d.kind)),
        version: d.version_no,
        public: d.public,
        language: d.language.clone(),
        audience: t.get(&format!("library-audience-{}", d.audience)),
        validity: validity(d),
        summary: d.summary.clone(),
    }
}

fn kinds(t: Tr) -> Vec<(String, String)> {
    KINDS
        .iter()
        .map(|k| ((*k).to_owned(), t.get(&format!("library-kind-{k}"))))
        .collect()
}

fn audiences(t: Tr) -> Vec<(String, String)> {
    AUDIENCES
        .iter()
        .map(|k| ((*k).to_owned(), t.get(&format!("library-audience-{k}"))))
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "library.html")]
pub struct LibraryPage {
    shell: Shell,
    base: &'static str,
    documents: Vec<DocLine>,
    can_keep: bool,
    errors: Vec<String>,
    form: DocumentInput,
    kinds: Vec<(String, String)>,
    audiences: Vec<(String, String)>,
}

fn library_page(
    shell: Shell,
    base: &'static str,
    docs: &[DocumentRecord],
    can_keep: bool,
    errors: Vec<String>,
    form: DocumentInput,
) -> LibraryPage {
    let t = shell.t;
    LibraryPage {
        documents: docs.iter().map(|d| line(t, d)).collect(),
        base,
        can_keep,
        errors,
        form,
        kinds: kinds(t),
        audiences: audiences(t),
        shell,
    }
}

fn keeps<A: awladna_core::Act>(permit: &Permit<A>) -> bool {
    decide(Some(permit.actor()), Action::KeepLibrary, None) == Decision::Allow
}

pub async fn library(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadLibrary>,
) -> Result<Response, AppError> {
    let docs = use_case::documents(&state, &permit).await?;
    let form = DocumentInput {
        language: "ar".into(),
        ..Default::default()
    };
    Ok(library_page(shell, "/library", &docs, keeps(&permit), Vec::new(), form).into_response())
}

pub async fn publish(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::KeepLibrary>,
    axum::Form(form): axum::Form<DocumentInput>,
) -> Result<Response, AppError> {
    match use_case::publish(&state, &permit, None, None, &form).await {
        Ok((_, series, _)) => Ok(Redirect::to(&format!("/library/{series}")).into_response()),
        Err(CoreError::Invalid(errors)) => {
            let reader = permit.also::<act::ReadLibrary>()?;
            let docs = use_case::documents(&state, &reader).await?;
            let errors = problems(shell.t, &errors);
            Ok(
                library_page(shell.at("/library"), "/library", &docs, true, errors, form)
                    .into_response(),
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "library_document.html")]
pub struct DocumentPage {
    shell: Shell,
    base: &'static str,
    series: String,
    title: String,
    kind: String,
    version: i64,
    validity: String,
    body: String,
    versions: Vec<(i64, String)>,
    can_keep: bool,
    errors: Vec<String>,
    form: DocumentInput,
    kinds: Vec<(String, String)>,
    audiences: Vec<(String, String)>,
}

fn document_page(
    shell: Shell,
    base: &'static str,
    all: &[DocumentRecord],
    can_keep: bool,
    errors: Vec<String>,
    form: Option<DocumentInput>,
) -> Result<DocumentPage, AppError> {
    let t = shell.t;
    let d = all.first().ok_or(AppError::NotFound)?;
    Ok(DocumentPage {
        series: d.series_id.clone(),
        title: d.title.clone(),
        kind: t.get(&format!("library-kind-{}", d.kind)),
        version: d.version_no,
        validity: validity(d),
        body: markdown(&d.body),
        versions: all.iter().map(|v| (v.version_no, validity(v))).collect(),
        can_keep,
        errors,
        form: form.unwrap_or_else(|| DocumentInput {
            kind: d.kind.clone(),
            language: d.language.clone(),
            audience: d.audience.clone(),
            title: d.title.clone(),
            summary: d.summary.clone(),
            body: d.body.clone(),
            valid_from: d.valid_from.clone(),
            valid_to: d.valid_to.clone().unwrap_or_default(),
            public: if d.public {
                "true".into()
            } else {
                String::new()
            },
        }),
        kinds: kinds(t),
        audiences: audiences(t),
        base,
        shell,
    })
}

pub async fn document(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadLibrary>,
    Path(series): Path<String>,
) -> Result<Response, AppError> {
    let all = use_case::series(&state, Some(&permit), &series).await?;
    Ok(document_page(shell, "/library", &all, keeps(&permit), Vec::new(), None)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VersionForm {
    #[serde(rename = "_version")]
    version: String,
    #[serde(flatten)]
    document: DocumentInput,
}

pub async fn new_version(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::KeepLibrary>,
    Path(series): Path<String>,
    axum::Form(form): axum::Form<VersionForm>,
) -> Result<Response, AppError> {
    let published = use_case::publish(
        &state,
        &permit,
        Some(&series),
        version(&form.version),
        &form.document,
    )
    .await;
    match published {
        Ok(_) => Ok(Redirect::to(&format!("/library/{series}")).into_response()),
        Err(CoreError::Invalid(errors)) => {
            let reader = permit.also::<act::ReadLibrary>()?;
            let all = use_case::series(&state, Some(&reader), &series).await?;
            let errors = problems(shell.t, &errors);
            let shell = shell.at(format!("/library/{series}"));
            Ok(
                document_page(shell, "/library", &all, true, errors, Some(form.document))?
                    .into_response(),
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// `/help/library`: the public documents, for families and professionals.
pub async fn public_library(
    State(state): State<AppState>,
    shell: Shell,
) -> Result<Response, AppError> {
    let docs = use_case::public_documents(&state).await?;
    Ok(library_page(
        shell,
        "/help/library",
        &docs,
        false,
        Vec::new(),
        DocumentInput::default(),
    )
    .into_response())
}

pub async fn public_document(
    State(state): State<AppState>,
    shell: Shell,
    Path(series): Path<String>,
) -> Result<Response, AppError> {
    let all = use_case::series(&state, None, &series).await?;
    // Only the public versions are shown without an account.
    let public: Vec<DocumentRecord> = all.into_iter().filter(|d| d.public).collect();
    Ok(document_page(shell, "/help/library", &public, false, Vec::new(), None)?.into_response())
}

// ---- The user guide -------------------------------------------------------------------

/// The guide's pages: (screen or role, language, Markdown).
const GUIDE: &[(&str, Lang, &str)] = &[
    ("home", Lang::Ar, include_str!("../guide/ar/home.md")),
    ("home", Lang::Fr, include_str!("../guide/fr/home.md")),
    (
        "training",
        Lang::Ar,
        include_str!("../guide/ar/training.md"),
    ),
    (
        "training",
        Lang::Fr,
        include_str!("../guide/fr/training.md"),
    ),
    ("rollout", Lang::Ar, include_str!("../guide/ar/rollout.md")),
    ("rollout", Lang::Fr, include_str!("../guide/fr/rollout.md")),
    ("library", Lang::Ar, include_str!("../guide/ar/library.md")),
    ("library", Lang::Fr, include_str!("../guide/fr/library.md")),
    (
        "committee",
        Lang::Ar,
        include_str!("../guide/ar/committee.md"),
    ),
    (
        "committee",
        Lang::Fr,
        include_str!("../guide/fr/committee.md"),
    ),
    (
        "role-coordinator",
        Lang::Ar,
        include_str!("../guide/ar/role-coordinator.md"),
    ),
    (
        "role-coordinator",
        Lang::Fr,
        include_str!("../guide/fr/role-coordinator.md"),
    ),
    (
        "role-secretariat",
        Lang::Ar,
        include_str!("../guide/ar/role-secretariat.md"),
    ),
    (
        "role-secretariat",
        Lang::Fr,
        include_str!("../guide/fr/role-secretariat.md"),
    ),
    (
        "role-national_analyst",
        Lang::Ar,
        include_str!("../guide/ar/role-national_analyst.md"),
    ),
    (
        "role-national_analyst",
        Lang::Fr,
        include_str!("../guide/fr/role-national_analyst.md"),
    ),
];

/// The guide's page for a screen (the first segment of its path) or a role, in the
/// reader's language (French for English readers, Arabic when the screen has none).
pub fn guide_page(topic: &str, lang: Lang) -> Option<&'static str> {
    let want = if lang == Lang::Ar { Lang::Ar } else { Lang::Fr };
    let find = |l: Lang| GUIDE.iter().find(|(k, gl, _)| *k == topic && *gl == l);
    find(want)
        .or_else(|| find(Lang::Ar))
        .map(|(_, _, text)| *text)
}

/// The guide's topic of a page's path: `/training/sessions/x` → `training`.
pub fn topic_of(path: &str) -> String {
    let first = path
        .trim_start_matches('/')
        .split(['/', '?'])
        .next()
        .unwrap_or("");
    match first {
        "" => "home".into(),
        "meetings" | "decisions" => "committee".into(),
        "help" => "library".into(),
        other => other.into(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "guide.html")]
pub struct GuidePage {
    shell: Shell,
    body: String,
    missing: bool,
    roles: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct GuideQuery {
    page: Option<String>,
    topic: Option<String>,
}

/// `/guide?page=/training`: the guide for the page the reader came from, and the pages
/// of the reader's roles.
pub async fn guide(
    shell: Shell,
    caller: crate::auth::Caller,
    Query(q): Query<GuideQuery>,
) -> Response {
    let t = shell.t;
    let topic = q
        .topic
        .filter(|k| {
            k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .unwrap_or_else(|| topic_of(q.page.as_deref().unwrap_or("/")));
    let text = guide_page(&topic, t.lang);
    let roles = caller
        .actor
        .map(|a| {
            a.roles
                .iter()
                .filter(|r| guide_page(&format!("role-{}", r.code()), t.lang).is_some())
                .map(|r| {
                    (
                        format!("role-{}", r.code()),
                        t.get(&format!("role-{}", r.code())),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    GuidePage {
        missing: text.is_none(),
        body: markdown(text.unwrap_or_else(|| guide_page("home", t.lang).unwrap_or(""))),
        roles,
        shell,
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escapes_html_and_every_topic_has_both_languages() {
        let html = markdown("# عنوان\n\n<script>alert(1)</script>\n\nنص **مهم** <b>x</b>");
        assert!(html.contains("<h1>عنوان</h1>"));
        assert!(!html.contains("<script>") && !html.contains("<b>"));
        assert!(html.contains("<strong>مهم</strong>"));
        for (topic, _, _) in GUIDE {
            assert!(GUIDE.iter().any(|(k, l, _)| k == topic && *l == Lang::Ar));
            assert!(GUIDE.iter().any(|(k, l, _)| k == topic && *l == Lang::Fr));
        }
        assert_eq!(topic_of("/training/sessions/1"), "training");
        assert_eq!(topic_of("/"), "home");
        assert_eq!(topic_of("/meetings/x"), "committee");
    }
}
