//! Break-glass grants and the alerts that tell coordinators about them.

use crate::audit::Tx;
use crate::{Store, StoreError};
use sqlx::Row;

pub struct NewGrant<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub record_kind: &'a str,
    pub record_id: &'a str,
    pub territory: &'a str,
    /// Sealed with the AAD `access_grants/justification/{id}`.
    pub justification: &'a [u8],
    pub at_ms: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone)]
pub struct Alert {
    pub id: String,
    pub kind: String,
    pub record_kind: Option<String>,
    pub record_id: Option<String>,
    pub actor: Option<String>,
    pub created_at: i64,
}

impl Store {
    /// Whether the user holds an unexpired grant on this record.
    pub async fn has_grant(
        &self,
        user_id: &str,
        record_id: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_grants WHERE user_id = $1 AND record_id = $2 AND expires_at > $3")
            .bind(user_id)
            .bind(record_id)
            .bind(now_ms)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// The unacknowledged alerts of a territory, newest first.
    pub async fn open_alerts(&self, territory: &str, limit: i64) -> Result<Vec<Alert>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, kind, record_kind, record_id, actor, created_at FROM alerts
             WHERE territory_code = $1 AND acknowledged_at IS NULL ORDER BY created_at DESC LIMIT $2",
        )
        .bind(territory)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Alert {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    record_kind: r.try_get("record_kind")?,
                    record_id: r.try_get("record_id")?,
                    actor: r.try_get("actor")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }
}

impl Tx<'_> {
    pub async fn grant_access(&mut self, grant: &NewGrant<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO access_grants (id, user_id, record_kind, record_id, territory_code, justification, granted_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(grant.id)
        .bind(grant.user_id)
        .bind(grant.record_kind)
        .bind(grant.record_id)
        .bind(grant.territory)
        .bind(grant.justification)
        .bind(grant.at_ms)
        .bind(grant.expires_at)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// Marks an open alert of `territory` reviewed; false when there is no such open
    /// alert there (another province's, or reviewed already).
    pub async fn acknowledge_alert(
        &mut self,
        id: &str,
        territory: &str,
        by: &str,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE alerts SET acknowledged_at = $1, acknowledged_by = $2
             WHERE id = $3 AND territory_code = $4 AND acknowledged_at IS NULL",
        )
        .bind(at_ms)
        .bind(by)
        .bind(id)
        .bind(territory)
        .execute(&mut *self.inner)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn raise_alert(
        &mut self,
        territory: &str,
        kind: &str,
        record: (&str, &str),
        actor: &str,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO alerts (id, territory_code, kind, record_kind, record_id, actor, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(territory)
            .bind(kind)
            .bind(record.0)
            .bind(record.1)
            .bind(actor)
            .bind(at_ms)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }
}
