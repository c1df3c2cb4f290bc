//! The wrapped data keys. Only wrapped keys are stored: without the master key file,
//! kept outside the database, they are useless.

use crate::audit::Tx;
use crate::{Store, StoreError};
use sqlx::Row;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPurpose {
    /// Seals personal fields and documents.
    Data,
    /// Computes blind indexes; never rotated with the data keys.
    Index,
}

impl KeyPurpose {
    fn code(self) -> &'static str {
        match self {
            KeyPurpose::Data => "data",
            KeyPurpose::Index => "index",
        }
    }
}

pub struct WrappedKey {
    pub id: u32,
    pub purpose: KeyPurpose,
    pub wrapped: Vec<u8>,
    pub active: bool,
}

impl Store {
    pub async fn wrapped_keys(&self) -> Result<Vec<WrappedKey>, StoreError> {
        let rows =
            sqlx::query("SELECT id, purpose, wrapped, active FROM data_keys ORDER BY purpose, id")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                let purpose = match r.try_get::<String, _>("purpose")?.as_str() {
                    "data" => KeyPurpose::Data,
                    "index" => KeyPurpose::Index,
                    _ => return Err(StoreError::Corrupt("unknown key purpose")),
                };
                let id: i64 = r.try_get("id")?;
                Ok(WrappedKey {
                    id: u32::try_from(id).map_err(|_| StoreError::Corrupt("key id"))?,
                    purpose,
                    wrapped: r.try_get("wrapped")?,
                    active: r.try_get::<i64, _>("active")? != 0,
                })
            })
            .collect()
    }
}

impl Tx<'_> {
    /// Stores a new key; a new active data key makes the others inactive (they still
    /// open what they sealed until rotation has re-sealed it).
    pub async fn add_wrapped_key(
        &mut self,
        key: &WrappedKey,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        if key.active {
            sqlx::query("UPDATE data_keys SET active = 0 WHERE purpose = $1")
                .bind(key.purpose.code())
                .execute(&mut *self.inner)
                .await?;
        }
        sqlx::query("INSERT INTO data_keys (id, purpose, wrapped, active, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(i64::from(key.id))
            .bind(key.purpose.code())
            .bind(key.wrapped.as_slice())
            .bind(i64::from(key.active))
            .bind(now_ms)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    /// Replaces the wrapping of a key (master key rotation).
    pub async fn rewrap_key(
        &mut self,
        purpose: KeyPurpose,
        id: u32,
        wrapped: &[u8],
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE data_keys SET wrapped = $1 WHERE purpose = $2 AND id = $3")
            .bind(wrapped)
            .bind(purpose.code())
            .bind(i64::from(id))
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }
}

/// Every column that holds sealed values: (table, id column, sealed column). The
/// associated data of a value is `{table}/{column}/{id}`, so a sealed value copied to
/// another row or column does not open.
pub const SEALED_COLUMNS: [(&str, &str, &str); 14] = [
    ("users", "id", "totp_secret"),
    ("children", "id", "identity"),
    ("cards", "id", "sealed"),
    ("stage_moves", "id", "reason"),
    ("access_grants", "id", "justification"),
    ("plan_actions", "id", "sealed"),
    ("documents", "id", "name"),
    ("documents", "id", "content"),
    ("referrals", "id", "sealed"),
    ("referral_steps", "id", "note"),
    ("identity_history", "id", "previous"),
    ("subject_access_requests", "id", "requester"),
    ("card_versions", "id", "sealed"),
    ("referral_answers", "id", "outcome"),
];

pub fn sealed_aad(table: &str, column: &str, id: &str) -> String {
    format!("{table}/{column}/{id}")
}

impl Store {
    /// The next rows (by id, after `after`) whose column holds a sealed value.
    pub async fn sealed_values(
        &self,
        table: &str,
        id_column: &str,
        column: &str,
        after: &str,
        limit: i64,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let sql = format!(
            "SELECT {id_column} AS id, {column} AS sealed FROM {table} WHERE {column} IS NOT NULL AND {id_column} > $1 ORDER BY {id_column} LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("sealed")?)))
            .collect()
    }
}

impl Tx<'_> {
    /// Replaces a sealed value, only if it is still the one that was read (a concurrent
    /// edit wins; the rotation meets the row again on its next pass).
    pub async fn replace_sealed(
        &mut self,
        table: &str,
        id_column: &str,
        column: &str,
        id: &str,
        old: &[u8],
        new: &[u8],
    ) -> Result<bool, StoreError> {
        let sql =
            format!("UPDATE {table} SET {column} = $1 WHERE {id_column} = $2 AND {column} = $3");
        let done = sqlx::query(&sql)
            .bind(new)
            .bind(id)
            .bind(old)
            .execute(&mut *self.inner)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
