//! The devices a user set up for offline capture (no key, no personal data: ids and
//! times).

use crate::audit::Tx;
use crate::{Store, StoreError};
use sqlx::Row;

pub struct DeviceRecord {
    pub id: String,
    pub user_id: String,
    pub registered_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

fn record(r: &sqlx::any::AnyRow) -> Result<DeviceRecord, StoreError> {
    Ok(DeviceRecord {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        registered_at: r.try_get("registered_at")?,
        expires_at: r.try_get("expires_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

const COLUMNS: &str = "id, user_id, registered_at, expires_at, revoked_at";

impl Store {
    pub async fn device(&self, id: &str) -> Result<Option<DeviceRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM devices WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record).transpose()
    }

    /// A user's devices, newest first.
    pub async fn devices_of(&self, user_id: &str) -> Result<Vec<DeviceRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM devices WHERE user_id = $1 ORDER BY registered_at DESC, id DESC LIMIT 50"
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record).collect()
    }
}

impl Tx<'_> {
    pub async fn register_device(&mut self, device: &DeviceRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO devices (id, user_id, registered_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&device.id)
        .bind(&device.user_id)
        .bind(device.registered_at)
        .bind(device.expires_at)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// Revokes a device of `user_id`; false if it is not theirs or was revoked already.
    pub async fn revoke_device(
        &mut self,
        id: &str,
        user_id: &str,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE devices SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(at_ms)
        .bind(id)
        .bind(user_id)
        .execute(&mut *self.inner)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
