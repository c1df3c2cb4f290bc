//! The toolkit library (issue 15 §3): each version of a document is a row of its series;
//! a new version keeps the old ones.

use crate::audit::Tx;
use crate::{Store, StoreError};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, serde::Serialize)]
pub struct DocumentRecord {
    pub id: String,
    pub series_id: String,
    pub version_no: i64,
    pub kind: String,
    pub language: String,
    pub audience: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
    pub public: bool,
    pub created_at: i64,
}

/// What a document's version holds, as checked.
#[derive(Debug, Clone)]
pub struct NewDocument<'a> {
    pub kind: &'a str,
    pub language: &'a str,
    pub audience: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    pub body: &'a str,
    pub valid_from: &'a str,
    pub valid_to: Option<&'a str>,
    pub public: bool,
}

const DOCUMENT: &str = "SELECT id, series_id, version_no, kind, language, audience, title, summary, body, valid_from, valid_to, public, created_at FROM library_documents";

fn document(r: &AnyRow) -> Result<DocumentRecord, StoreError> {
    Ok(DocumentRecord {
        id: r.try_get("id")?,
        series_id: r.try_get("series_id")?,
        version_no: r.try_get("version_no")?,
        kind: r.try_get("kind")?,
        language: r.try_get("language")?,
        audience: r.try_get("audience")?,
        title: r.try_get("title")?,
        summary: r.try_get("summary")?,
        body: r.try_get("body")?,
        valid_from: r.try_get("valid_from")?,
        valid_to: r.try_get("valid_to")?,
        public: r.try_get::<i64, _>("public")? != 0,
        created_at: r.try_get("created_at")?,
    })
}

impl Store {
    /// The latest version of every document (public ones only when asked).
    pub async fn library_latest(
        &self,
        public_only: bool,
    ) -> Result<Vec<DocumentRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{DOCUMENT} d WHERE version_no = (SELECT MAX(version_no) FROM library_documents x WHERE x.series_id = d.series_id)
               AND ($1 = 0 OR public = 1)
             ORDER BY kind, title, id"
        ))
        .bind(i64::from(public_only))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(document).collect()
    }

    /// Every version of a series, the newest first.
    pub async fn library_series(&self, series: &str) -> Result<Vec<DocumentRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{DOCUMENT} WHERE series_id = $1 ORDER BY version_no DESC"
        ))
        .bind(series)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(document).collect()
    }

    pub async fn library_document(&self, id: &str) -> Result<Option<DocumentRecord>, StoreError> {
        let row = sqlx::query(&format!("{DOCUMENT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(document).transpose()
    }
}

impl Tx<'_> {
    /// Adds version `version_no` of `series`; false when that version exists already
    /// (someone published a newer one first: stale).
    pub async fn insert_library_version(
        &mut self,
        id: &str,
        series: &str,
        version_no: i64,
        d: &NewDocument<'_>,
        by: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO library_documents (id, series_id, version_no, kind, language, audience, title, summary, body, valid_from, valid_to, public, created_by, created_at)
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14
             WHERE NOT EXISTS (SELECT 1 FROM library_documents WHERE series_id = $2 AND version_no >= $3)",
        )
        .bind(id)
        .bind(series)
        .bind(version_no)
        .bind(d.kind)
        .bind(d.language)
        .bind(d.audience)
        .bind(d.title)
        .bind(d.summary)
        .bind(d.body)
        .bind(d.valid_from)
        .bind(d.valid_to)
        .bind(i64::from(d.public))
        .bind(by)
        .bind(now_ms)
        .execute(&mut *self.inner)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
