//! Which provinces show their own figures on the public statistics page (issue 19 §3).

use crate::audit::Tx;
use crate::{Store, StoreError};
use sqlx::Row;

impl Store {
    /// The provinces that chose to show their own figures publicly.
    pub async fn public_provinces(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT territory_code FROM public_statistics_provinces WHERE shown = 1 ORDER BY territory_code",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok(r.try_get("territory_code")?))
            .collect()
    }
}

impl Tx<'_> {
    /// Records a province's choice (the last one stands).
    pub async fn put_public_province(
        &mut self,
        territory: &str,
        shown: bool,
        by: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO public_statistics_provinces (territory_code, shown, updated_by, updated_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (territory_code) DO UPDATE SET shown = $2, updated_by = $3, updated_at = $4",
        )
        .bind(territory)
        .bind(i64::from(shown))
        .bind(by)
        .bind(now_ms)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }
}
