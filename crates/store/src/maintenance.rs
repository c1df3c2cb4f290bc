//! Passes over existing rows that need the keys, so no migration can do them: each
//! resumes after the last row it finished (`maintenance_passes.cursor`) and runs once.

use crate::audit::Tx;
use crate::cases::{ChildRecord, child_record};
use crate::{Store, StoreError};
use sqlx::Row;

/// Where a pass stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PassState {
    /// Still to do, after the row named (from the start if none).
    Due {
        after: Option<String>,
    },
    Done,
}

impl Store {
    /// A pass's state; a pass the migrations do not know is done (nothing to do).
    pub async fn maintenance_pass(&self, name: &str) -> Result<PassState, StoreError> {
        let row = sqlx::query("SELECT cursor, done_at FROM maintenance_passes WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(PassState::Done);
        };
        Ok(match row.try_get::<Option<i64>, _>("done_at")? {
            Some(_) => PassState::Done,
            None => PassState::Due {
                after: row.try_get("cursor")?,
            },
        })
    }

    /// The next children by id after `after`, identities still sealed.
    pub async fn children_after(
        &self,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ChildRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, territory_code, sex, birth_year, identity FROM children
             WHERE $1 IS NULL OR id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(child_record).collect()
    }
}

impl Tx<'_> {
    /// Records that a pass has done every row up to `cursor`, or all of them.
    pub async fn advance_pass(
        &mut self,
        name: &str,
        cursor: Option<&str>,
        done_at: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE maintenance_passes SET cursor = $2, done_at = $3 WHERE name = $1")
            .bind(name)
            .bind(cursor)
            .bind(done_at)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }
}
