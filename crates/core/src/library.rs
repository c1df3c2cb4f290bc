//! The toolkit library (issue 15 §3): versioned documents — guides, the protocol, form
//! templates, training materials, model decisions, communication materials — each with
//! its language, audience and validity. The ministry publishes; a new version keeps the
//! old ones; the public ones are listed on the help pages.

use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::committee::{MAX_LONG, MAX_SHORT, Problems};
use awladna_domain::forms::Problem;
use awladna_store::library::{DocumentRecord, NewDocument};
use serde::Deserialize;
use serde_json::json;

pub const KINDS: &[&str] = &[
    "guide",
    "protocol",
    "form_template",
    "training_material",
    "model_decision",
    "communication",
];
pub const AUDIENCES: &[&str] = &["professionals", "families", "trainers", "committees"];
pub const LANGUAGES: &[&str] = &["ar", "fr", "en"];
/// The longest document text kept in the library (about 60 pages).
pub const MAX_BODY: usize = 200_000;

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct DocumentInput {
    pub kind: String,
    pub language: String,
    pub audience: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub valid_from: String,
    pub valid_to: String,
    /// "true"/"on": listed on the public help pages.
    pub public: String,
}

fn one_of(p: &mut Problems, field: &str, value: &str, list: &[&str]) -> String {
    let v = value.trim();
    if !list.contains(&v) {
        p.add(
            field,
            if v.is_empty() {
                Problem::Required
            } else {
                Problem::UnknownCode
            },
        );
    }
    v.to_owned()
}

/// Publishes a document (`series` None: a new one) or a new version of `series`, made
/// from version `version` (the latest when read: an older one is stale).
pub async fn publish(
    core: &Core,
    permit: &Permit<act::KeepLibrary>,
    series: Option<&str>,
    version: Option<i64>,
    input: &DocumentInput,
) -> Result<(String, String, i64), CoreError> {
    let mut p = Problems::default();
    let kind = one_of(&mut p, "kind", &input.kind, KINDS);
    let language = one_of(&mut p, "language", &input.language, LANGUAGES);
    let audience = one_of(&mut p, "audience", &input.audience, AUDIENCES);
    let title = p.text("title", &input.title, MAX_SHORT, true);
    let summary = p.text("summary", &input.summary, MAX_LONG, false);
    let body = p.text("body", &input.body, MAX_BODY, true);
    let from = p.date("valid_from", &input.valid_from, true);
    let to = p.date("valid_to", &input.valid_to, false);
    if let (Some(a), Some(b)) = (from, to)
        && b < a
    {
        p.add("valid_to", Problem::EndsBeforeStart);
    }
    p.finish().map_err(CoreError::Invalid)?;
    let (series, next) = match series {
        Some(s) => {
            let latest = core
                .store
                .library_series(s)
                .await?
                .first()
                .map(|d| d.version_no)
                .ok_or(CoreError::NotFound)?;
            let read = version.ok_or_else(|| CoreError::field("version", Problem::Required))?;
            if read != latest {
                return Err(CoreError::Stale);
            }
            (s.to_owned(), latest + 1)
        }
        None => (uuid::Uuid::now_v7().to_string(), 1),
    };
    let id = uuid::Uuid::now_v7().to_string();
    let valid_from = from.map(|d| d.to_string()).unwrap_or_default();
    let valid_to = to.map(|d| d.to_string());
    let doc = NewDocument {
        kind: &kind,
        language: &language,
        audience: &audience,
        title: &title,
        summary: &summary,
        body: &body,
        valid_from: &valid_from,
        valid_to: valid_to.as_deref(),
        public: matches!(input.public.trim(), "true" | "on" | "1"),
    };
    let who = permit.who();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    if !tx
        .insert_library_version(&id, &series, next, &doc, &who.audit_name, now)
        .await?
    {
        return Err(CoreError::Stale);
    }
    tx.audit(who.audit(
        now,
        "library.published",
        ("library_document", &id),
        "",
        json!({"series": series, "version": next, "kind": kind, "public": doc.public}),
    ))
    .await?;
    tx.commit().await?;
    Ok((id, series, next))
}

/// The latest version of every document.
pub async fn documents(
    core: &Core,
    _permit: &Permit<act::ReadLibrary>,
) -> Result<Vec<DocumentRecord>, CoreError> {
    Ok(core.store.library_latest(false).await?)
}

/// The public documents, for the help pages (no account needed).
pub async fn public_documents(core: &Core) -> Result<Vec<DocumentRecord>, CoreError> {
    Ok(core.store.library_latest(true).await?)
}

/// A document's every version, the newest first (a public one without an account).
pub async fn series(
    core: &Core,
    reader: Option<&Permit<act::ReadLibrary>>,
    series: &str,
) -> Result<Vec<DocumentRecord>, CoreError> {
    let all = core.store.library_series(series).await?;
    let latest_public = all.first().is_some_and(|d| d.public);
    if all.is_empty() || (reader.is_none() && !latest_public) {
        return Err(CoreError::NotFound);
    }
    Ok(all)
}
