//! The province's children's register (سجل الأطفال): each child once, newest first, with
//! their cases. Identities stay sealed here; the page opens only the ones it shows.

use crate::{Store, StoreError};
use sqlx::Row;

/// A line of the register; the identity is still sealed (no `Debug`).
pub struct RegisterRow {
    pub child_id: String,
    pub sex: String,
    pub birth_year: Option<i64>,
    pub identity: Option<Vec<u8>>,
    pub recorded_at: i64,
    pub cases: i64,
    /// The child's most recent case: (id, number, stage).
    pub last_case: Option<(String, String, String)>,
}

impl Store {
    /// A page of a territory's children, newest first, and how many there are.
    pub async fn register_page(
        &self,
        territory: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<RegisterRow>, i64), StoreError> {
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM children WHERE territory_code = $1 AND merged_into IS NULL",
        )
        .bind(territory)
        .fetch_one(&self.pool)
        .await?;
        let rows = sqlx::query(
            "SELECT ch.id, ch.sex, ch.birth_year, ch.identity, ch.created_at,
                    (SELECT COUNT(*) FROM cases c WHERE c.child_id = ch.id) AS cases,
                    l.id AS last_id, l.number AS last_number, l.stage AS last_stage
             FROM children ch
             LEFT JOIN cases l ON l.id = (SELECT c.id FROM cases c WHERE c.child_id = ch.id ORDER BY c.opened_at DESC, c.id DESC LIMIT 1)
             WHERE ch.territory_code = $1 AND ch.merged_into IS NULL
             ORDER BY ch.created_at DESC, ch.id DESC LIMIT $2 OFFSET $3",
        )
        .bind(territory)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let rows = rows
            .iter()
            .map(|r| {
                let last_id: Option<String> = r.try_get("last_id")?;
                let last_case = match last_id {
                    Some(id) => Some((id, r.try_get("last_number")?, r.try_get("last_stage")?)),
                    None => None,
                };
                Ok(RegisterRow {
                    child_id: r.try_get("id")?,
                    sex: r.try_get("sex")?,
                    birth_year: r.try_get("birth_year")?,
                    identity: r.try_get("identity")?,
                    recorded_at: r.try_get("created_at")?,
                    cases: r.try_get("cases")?,
                    last_case,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok((rows, total))
    }
}

impl Store {
    /// A child's cases, newest first: (id, number, stage).
    pub async fn cases_of_child(
        &self,
        child_id: &str,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, number, stage FROM cases WHERE child_id = $1 ORDER BY opened_at DESC, id DESC",
        )
        .bind(child_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("number")?, r.try_get("stage")?)))
            .collect()
    }
}
