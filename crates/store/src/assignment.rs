//! Who follows a case: the worker whose "my cases" list it is on.

use crate::audit::Tx;
use crate::{Store, StoreError};
use sqlx::Row;

impl Store {
    /// The case's reassignments, oldest first: (when, to whom, by whom).
    pub async fn case_assignments(
        &self,
        case_id: &str,
    ) -> Result<Vec<(i64, Option<String>, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT at_ms, assigned_to, assigned_by FROM case_assignments WHERE case_id = $1 ORDER BY at_ms, id",
        )
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("at_ms")?,
                    r.try_get("assigned_to")?,
                    r.try_get("assigned_by")?,
                ))
            })
            .collect()
    }

    pub async fn case_assignee(&self, case_id: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar::<_, Option<String>>("SELECT assigned_to FROM cases WHERE id = $1")
                .bind(case_id)
                .fetch_optional(&self.pool)
                .await?
                .flatten(),
        )
    }
}

impl Tx<'_> {
    /// Gives the case to a worker (`None`: to nobody).
    /// Gives the case to `user_id` (or nobody) and keeps who did it and when, for the
    /// case's timeline.
    pub async fn assign_case(
        &mut self,
        case_id: &str,
        user_id: Option<&str>,
        by: &str,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE cases SET assigned_to = $1, version = version + 1 WHERE id = $2")
            .bind(user_id)
            .bind(case_id)
            .execute(&mut *self.inner)
            .await?;
        sqlx::query("INSERT INTO case_assignments (id, case_id, assigned_to, assigned_by, at_ms) VALUES ($1, $2, $3, $4, $5)")
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(case_id)
            .bind(user_id)
            .bind(by)
            .bind(at_ms)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }
}
