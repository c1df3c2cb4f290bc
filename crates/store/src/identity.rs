//! Organisations, users and their roles, sessions, recovery codes and API tokens.
//! Writes are methods of `Tx` (so they are audited); reads use the pool.

use crate::audit::Tx;
use crate::{Store, StoreError};
use awladna_domain::access::{Actor, Role};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub code: String,
    pub sector: String,
    /// `None` for a national body (the ministry, the 2511 line).
    pub territory: Option<String>,
    pub name: String,
}

/// A user as the sign-in code needs them. The password hash and sealed TOTP secret
/// leave the store only in this struct, which has no `Debug`.
pub struct UserRecord {
    pub id: String,
    pub username: String,
    pub organisation: Organisation,
    pub roles: BTreeSet<Role>,
    pub password_hash: Option<String>,
    pub totp_secret: Option<Vec<u8>>,
    pub totp_last_step: Option<i64>,
    pub disabled: bool,
}

impl UserRecord {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id.clone(),
            organisation: self.organisation.code.clone(),
            sector: self.organisation.sector.clone(),
            territory: self.organisation.territory.clone(),
            roles: self.roles.clone(),
            token_scope: None,
        }
    }
}

/// A line of the users list.
#[derive(Debug, Clone)]
pub struct UserSummary {
    pub id: String,
    pub username: String,
    pub organisation: String,
    pub disabled: bool,
    pub roles: Vec<String>,
}

/// A signed-in session, found by the hash of its cookie value.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub user_id: String,
    pub csrf_token: String,
    pub second_factor_done: bool,
    pub created_at: i64,
    pub last_seen_at: i64,
}

#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub id: String,
    pub organisation: Organisation,
    /// The scope's code (see `TokenScope`).
    pub scope: String,
    pub revoked: bool,
}

const USER_COLUMNS: &str = "u.id, u.username, u.password_hash, u.totp_secret, u.totp_last_step, u.disabled, o.code AS org_code, o.sector, o.territory_code, o.name AS org_name";

pub(crate) fn organisation_from(row: &AnyRow, prefix: &str) -> Result<Organisation, StoreError> {
    Ok(Organisation {
        code: row.try_get(format!("{prefix}code").as_str())?,
        sector: row.try_get("sector")?,
        territory: row.try_get("territory_code")?,
        name: row.try_get(format!("{prefix}name").as_str())?,
    })
}

impl Store {
    pub async fn organisation(&self, code: &str) -> Result<Option<Organisation>, StoreError> {
        let row = sqlx::query(
            "SELECT code, sector, territory_code, name FROM organisations WHERE code = $1",
        )
        .bind(code)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| organisation_from(&r, "")).transpose()
    }

    /// Organisations of a territory, or all of them.
    pub async fn organisations(
        &self,
        territory: Option<&str>,
    ) -> Result<Vec<Organisation>, StoreError> {
        let rows = sqlx::query("SELECT code, sector, territory_code, name FROM organisations WHERE ($1 IS NULL OR territory_code = $1) ORDER BY territory_code, name")
            .bind(territory)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| organisation_from(r, "")).collect()
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        self.user_where("u.username = $1", username).await
    }

    pub async fn user_by_id(&self, id: &str) -> Result<Option<UserRecord>, StoreError> {
        self.user_where("u.id = $1", id).await
    }

    async fn user_where(
        &self,
        condition: &str,
        value: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u JOIN organisations o ON o.code = u.organisation_code WHERE {condition}"
        );
        let Some(row) = sqlx::query(&sql)
            .bind(value)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let id: String = row.try_get("id")?;
        let roles = self.roles_of(&id).await?;
        Ok(Some(UserRecord {
            id,
            username: row.try_get("username")?,
            organisation: organisation_from(&row, "org_")?,
            roles,
            password_hash: row.try_get("password_hash")?,
            totp_secret: row.try_get("totp_secret")?,
            totp_last_step: row.try_get("totp_last_step")?,
            disabled: row.try_get::<i64, _>("disabled")? != 0,
        }))
    }

    async fn roles_of(&self, user_id: &str) -> Result<BTreeSet<Role>, StoreError> {
        let codes: Vec<String> =
            sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1")
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?;
        // A role code this binary does not know grants nothing.
        Ok(codes.iter().filter_map(|c| c.parse().ok()).collect())
    }

    /// Users of an organisation's territory (or all), for administrators.
    pub async fn users(&self, territory: Option<&str>) -> Result<Vec<UserSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT u.id, u.username, o.code, u.disabled FROM users u JOIN organisations o ON o.code = u.organisation_code
             WHERE ($1 IS NULL OR o.territory_code = $1) ORDER BY u.username",
        )
        .bind(territory)
        .fetch_all(&self.pool)
        .await?;
        let mut users = Vec::with_capacity(rows.len());
        for row in rows {
            let id: String = row.try_get("id")?;
            let roles = self
                .roles_of(&id)
                .await?
                .iter()
                .map(|r| r.code().to_owned())
                .collect();
            users.push(UserSummary {
                id,
                username: row.try_get("username")?,
                organisation: row.try_get("code")?,
                disabled: row.try_get::<i64, _>("disabled")? != 0,
                roles,
            });
        }
        Ok(users)
    }

    pub async fn session(&self, id_hash: &[u8]) -> Result<Option<SessionRecord>, StoreError> {
        let row = sqlx::query("SELECT user_id, csrf_token, second_factor_done, created_at, last_seen_at FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(SessionRecord {
                user_id: r.try_get("user_id")?,
                csrf_token: r.try_get("csrf_token")?,
                second_factor_done: r.try_get::<i64, _>("second_factor_done")? != 0,
                created_at: r.try_get("created_at")?,
                last_seen_at: r.try_get("last_seen_at")?,
            })
        })
        .transpose()
    }

    /// Marks a session as used now (idle expiry counts from here). Not audited: it is
    /// not a change of anything a person decided.
    pub async fn touch_session(&self, id_hash: &[u8], now_ms: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(now_ms)
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn token(&self, token_hash: &[u8]) -> Result<Option<TokenRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT t.id, t.scope, t.revoked_at, o.code AS org_code, o.sector, o.territory_code, o.name AS org_name
             FROM api_tokens t JOIN organisations o ON o.code = t.organisation_code WHERE t.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(TokenRecord {
                id: r.try_get("id")?,
                organisation: organisation_from(&r, "org_")?,
                scope: r.try_get("scope")?,
                revoked: r.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
            })
        })
        .transpose()
    }

    pub async fn unused_recovery_code(
        &self,
        user_id: &str,
        code_hash: &[u8],
    ) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL")
            .bind(user_id)
            .bind(code_hash)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }
}

impl Tx<'_> {
    pub async fn add_organisation(
        &mut self,
        org: &Organisation,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO organisations (code, sector, territory_code, name, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(org.code.as_str())
            .bind(org.sector.as_str())
            .bind(org.territory.as_deref())
            .bind(org.name.as_str())
            .bind(now_ms)
            .execute(&mut *self.inner)
            .await
            .map_err(unique_violation)?;
        Ok(())
    }

    pub async fn add_user(
        &mut self,
        id: &str,
        username: &str,
        organisation: &str,
        roles: &BTreeSet<Role>,
        password_hash: Option<&str>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO users (id, username, organisation_code, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(username)
            .bind(organisation)
            .bind(password_hash)
            .bind(now_ms)
            .execute(&mut *self.inner)
            .await
            .map_err(unique_violation)?;
        self.set_roles(id, roles).await
    }

    pub async fn set_roles(
        &mut self,
        user_id: &str,
        roles: &BTreeSet<Role>,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?;
        for role in roles {
            sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                .bind(user_id)
                .bind(role.code())
                .execute(&mut *self.inner)
                .await?;
        }
        Ok(())
    }

    pub async fn set_password(
        &mut self,
        user_id: &str,
        password_hash: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET password_hash = $1, version = version + 1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn set_disabled(&mut self, user_id: &str, disabled: bool) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET disabled = $1, version = version + 1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    /// Stores a sealed TOTP secret (None removes the second factor, e.g. on reset).
    pub async fn set_totp(
        &mut self,
        user_id: &str,
        sealed_secret: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET totp_secret = $1, totp_last_step = NULL, version = version + 1 WHERE id = $2")
            .bind(sealed_secret)
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    /// Records the TOTP step just used; a code of this step or an older one is refused after.
    pub async fn set_totp_step(&mut self, user_id: &str, step: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2")
            .bind(step)
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn replace_recovery_codes(
        &mut self,
        user_id: &str,
        hashes: &[[u8; 32]],
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?;
        for hash in hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind(user_id)
                .bind(hash.as_slice())
                .execute(&mut *self.inner)
                .await?;
        }
        Ok(())
    }

    /// Uses a recovery code once; answers whether it was valid and unused.
    pub async fn use_recovery_code(
        &mut self,
        user_id: &str,
        code_hash: &[u8],
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL")
            .bind(now_ms)
            .bind(user_id)
            .bind(code_hash)
            .execute(&mut *self.inner)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn create_session(
        &mut self,
        id_hash: &[u8],
        user_id: &str,
        csrf_token: &str,
        second_factor_done: bool,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO sessions (id_hash, user_id, csrf_token, second_factor_done, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $5)")
            .bind(id_hash)
            .bind(user_id)
            .bind(csrf_token)
            .bind(i64::from(second_factor_done))
            .bind(now_ms)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn end_session(&mut self, id_hash: &[u8]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    /// "Sign out everywhere", and what disabling or resetting a user implies.
    pub async fn end_all_sessions(&mut self, user_id: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(done.rows_affected())
    }

    pub async fn add_token(
        &mut self,
        id: &str,
        token_hash: &[u8],
        organisation: &str,
        scope: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO api_tokens (id, token_hash, organisation_code, scope, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(token_hash)
            .bind(organisation)
            .bind(scope)
            .bind(now_ms)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn revoke_token(&mut self, id: &str, now_ms: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now_ms)
        .bind(id)
        .execute(&mut *self.inner)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

/// A duplicate code or username is the user's mistake, said as such.
pub(crate) fn unique_violation(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate,
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::UnknownReference,
        _ => StoreError::Query(e),
    }
}
