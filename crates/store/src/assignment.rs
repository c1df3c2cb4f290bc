//! Who follows a case: the worker whose "my cases" list it is on.

use crate::audit::Tx;
use crate::{Store, StoreError};

impl Store {
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
    pub async fn assign_case(
        &mut self,
        case_id: &str,
        user_id: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE cases SET assigned_to = $1, version = version + 1 WHERE id = $2")
            .bind(user_id)
            .bind(case_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }
}
