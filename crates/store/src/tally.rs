//! Counts and samples over a whole database, for the operator's tools: the progress of
//! a statistics rebuild, and the benchmark's choice of province, cases and children.

use crate::{Store, StoreError};

impl Store {
    /// The records a statistics rebuild goes through: reports, cases and linking cards.
    pub async fn statistics_sources(&self) -> Result<u64, StoreError> {
        let mut total = 0i64;
        for sql in [
            "SELECT COUNT(*) FROM cards WHERE form_code = 'report'",
            "SELECT COUNT(*) FROM cases",
            "SELECT COUNT(*) FROM referrals",
        ] {
            total += sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&self.pool)
                .await?;
        }
        Ok(u64::try_from(total).unwrap_or(0))
    }

    /// The province with the most cases, and how many.
    pub async fn busiest_province(&self) -> Result<Option<(String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT territory_code, COUNT(*) AS n FROM cases GROUP BY territory_code \
             ORDER BY n DESC, territory_code LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    /// `limit` open cases of a province after skipping `skip`, in the order of the
    /// random bytes of their ids: a sample spread over time.
    pub async fn sample_open_cases(
        &self,
        territory: &str,
        limit: i64,
        skip: i64,
    ) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM cases WHERE territory_code = $1 AND stage <> 'closed' \
             ORDER BY substr(id, 25), id LIMIT $2 OFFSET $3",
        )
        .bind(territory)
        .bind(limit)
        .bind(skip)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The ids of a province's children.
    pub async fn children_of(&self, territory: &str) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM children WHERE territory_code = $1")
                .bind(territory)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Whether a province has any plan action.
    pub async fn has_plan_actions(&self, territory: &str) -> Result<bool, StoreError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM plan_actions WHERE territory_code = $1")
                .bind(territory)
                .fetch_one(&self.pool)
                .await?;
        Ok(n > 0)
    }
}
