//! Documents of a case's social, medical-psychological and judicial files. Content and
//! file name arrive sealed; the store only keeps them and lists what is not personal.

use crate::audit::Tx;
use crate::{Store, StoreError};
use sqlx::Row;

pub struct NewDocument<'a> {
    pub id: &'a str,
    pub case_id: &'a str,
    pub territory: &'a str,
    /// The file it belongs to: `social`, `medical` or `judicial`.
    pub part: &'a str,
    /// A code of the document_kinds vocabulary.
    pub kind: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    /// Sealed with the AAD `documents/name/{id}`.
    pub name: &'a [u8],
    /// Sealed with the AAD `documents/content/{id}`.
    pub content: &'a [u8],
    pub by: &'a str,
    pub at_ms: i64,
}

/// What a list of documents shows; the name is still sealed.
pub struct DocumentInfo {
    pub id: String,
    pub case_id: String,
    pub territory: String,
    pub part: String,
    pub kind: String,
    pub content_type: String,
    pub size: i64,
    pub name: Vec<u8>,
    pub uploaded_by: String,
    pub uploaded_at: i64,
    /// The service that added it through a referral (none: the centre's own).
    pub organisation: Option<String>,
}

const INFO: &str = "id, case_id, territory_code, part, kind, content_type, size, name, uploaded_by, uploaded_at, organisation_code";

fn info(r: &sqlx::any::AnyRow) -> Result<DocumentInfo, StoreError> {
    Ok(DocumentInfo {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        territory: r.try_get("territory_code")?,
        part: r.try_get("part")?,
        kind: r.try_get("kind")?,
        content_type: r.try_get("content_type")?,
        size: r.try_get("size")?,
        name: r.try_get("name")?,
        uploaded_by: r.try_get("uploaded_by")?,
        uploaded_at: r.try_get("uploaded_at")?,
        organisation: r.try_get("organisation_code")?,
    })
}

impl Store {
    /// The documents of one file of a case, oldest first.
    pub async fn documents(
        &self,
        case_id: &str,
        part: &str,
    ) -> Result<Vec<DocumentInfo>, StoreError> {
        let sql = format!(
            "SELECT {INFO} FROM documents WHERE case_id = $1 AND part = $2 ORDER BY uploaded_at, id"
        );
        let rows = sqlx::query(&sql)
            .bind(case_id)
            .bind(part)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(info).collect()
    }

    pub async fn document_info(&self, id: &str) -> Result<Option<DocumentInfo>, StoreError> {
        let sql = format!("SELECT {INFO} FROM documents WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(info).transpose()
    }

    /// The documents an organisation added to a case through a referral, oldest first.
    pub async fn referral_documents(
        &self,
        referral_id: &str,
        organisation: &str,
    ) -> Result<Vec<DocumentInfo>, StoreError> {
        let sql = format!(
            "SELECT {INFO} FROM documents WHERE referral_id = $1 AND organisation_code = $2 ORDER BY uploaded_at, id"
        );
        let rows = sqlx::query(&sql)
            .bind(referral_id)
            .bind(organisation)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(info).collect()
    }

    /// The sealed content of a document, read only once the reader has been allowed.
    pub async fn document_content(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT content FROM documents WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}

impl Tx<'_> {
    pub async fn insert_document(&mut self, d: &NewDocument<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO documents (id, case_id, territory_code, part, kind, content_type, size, name, content, uploaded_by, uploaded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(d.id)
        .bind(d.case_id)
        .bind(d.territory)
        .bind(d.part)
        .bind(d.kind)
        .bind(d.content_type)
        .bind(d.size)
        .bind(d.name)
        .bind(d.content)
        .bind(d.by)
        .bind(d.at_ms)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// Names the service and the referral through which a document was added.
    pub async fn link_document_to_referral(
        &mut self,
        document_id: &str,
        organisation: &str,
        referral_id: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE documents SET organisation_code = $1, referral_id = $2 WHERE id = $3")
            .bind(organisation)
            .bind(referral_id)
            .bind(document_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }
}
