//! What the accounts' use cases (`awladna_core::accounts`, `awladna_core::signin`) need
//! of the store beyond users and sessions: the users to report to `check-config`, moving
//! a user, and the sign-in throttle's counts.

use crate::{Store, StoreError};
use awladna_domain::access::Role;

/// A user of a national body with a role that reads identities (see
/// `Actor::reads_identities_without_province`), for `check-config` to report.
#[derive(Debug, Clone)]
pub struct MisplacedUser {
    pub username: String,
    pub organisation: String,
    pub roles: Vec<Role>,
}

impl Store {
    pub async fn users_reading_identities_without_province(
        &self,
    ) -> Result<Vec<MisplacedUser>, StoreError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT u.username, o.code, r.role FROM users u
             JOIN organisations o ON o.code = u.organisation_code
             JOIN user_roles r ON r.user_id = u.id
             WHERE o.territory_code IS NULL AND u.disabled = 0
             ORDER BY u.username, r.role",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut users: Vec<MisplacedUser> = Vec::new();
        for (username, organisation, role) in rows {
            // A role code this binary does not know grants nothing.
            let Some(role) = role
                .parse::<Role>()
                .ok()
                .filter(|r| !r.fits_a_national_body())
            else {
                continue;
            };
            match users.last_mut() {
                Some(last) if last.username == username => last.roles.push(role),
                _ => users.push(MisplacedUser {
                    username,
                    organisation,
                    roles: vec![role],
                }),
            }
        }
        Ok(users)
    }
}

impl crate::audit::Tx<'_> {
    pub async fn set_organisation(
        &mut self,
        user_id: &str,
        organisation: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET organisation_code = $1, version = version + 1 WHERE id = $2")
            .bind(organisation)
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }
}

/// The failed sign-ins of one account (by the hash of the username as typed) from one
/// client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    pub count: i64,
    pub last_at: i64,
}

impl Store {
    /// Failures of `account_hash` from `address` since `since_ms` (older ones are forgotten).
    pub async fn login_failures(
        &self,
        account_hash: &[u8],
        address: &str,
        since_ms: i64,
    ) -> Result<Option<LoginFailures>, StoreError> {
        let row: Option<(i64, i64)> = sqlx::query_as(
            "SELECT failures, last_failed_at FROM login_throttle
             WHERE account_hash = $1 AND address = $2 AND last_failed_at >= $3",
        )
        .bind(account_hash)
        .bind(address)
        .bind(since_ms)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(count, last_at)| LoginFailures { count, last_at }))
    }
}

impl crate::audit::Tx<'_> {
    /// Counts a failed sign-in of `account_hash` from `address`, starting again from one
    /// when the last failure is older than `since_ms`; rows older than that go.
    pub async fn record_login_failure(
        &mut self,
        account_hash: &[u8],
        address: &str,
        now_ms: i64,
        since_ms: i64,
    ) -> Result<LoginFailures, StoreError> {
        sqlx::query("DELETE FROM login_throttle WHERE last_failed_at < $1")
            .bind(since_ms)
            .execute(&mut *self.inner)
            .await?;
        let (count, last_at): (i64, i64) = sqlx::query_as(
            "INSERT INTO login_throttle (account_hash, address, failures, last_failed_at)
             VALUES ($1, $2, 1, $3)
             ON CONFLICT (account_hash, address)
             DO UPDATE SET failures = login_throttle.failures + 1, last_failed_at = $3
             RETURNING failures, last_failed_at",
        )
        .bind(account_hash)
        .bind(address)
        .bind(now_ms)
        .fetch_one(&mut *self.inner)
        .await?;
        Ok(LoginFailures { count, last_at })
    }

    /// Forgets the failures of `account_hash` from `address`, after a successful sign-in.
    pub async fn clear_login_failures(
        &mut self,
        account_hash: &[u8],
        address: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_throttle WHERE account_hash = $1 AND address = $2")
            .bind(account_hash)
            .bind(address)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }
}
