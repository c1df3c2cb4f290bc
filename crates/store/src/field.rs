//! What offline field work reads (issue 16 §3): the open cases a worker follows, for
//! the copy a phone keeps, and what happened on a case since such a copy was taken.

use crate::{Store, StoreError};
use sqlx::Row;

/// The most cases a phone's copy holds (a worker's caseload is far smaller).
pub const MAX_FOLLOWED: i64 = 200;

/// A card recorded on a case: its form, when and by whom (the audit name).
pub struct CardSince {
    pub form_code: String,
    pub created_at: i64,
    pub created_by: Option<String>,
}

impl Store {
    /// The ids of the open cases `user_id` follows, newest first.
    pub async fn followed_open_cases(&self, user_id: &str) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM cases WHERE assigned_to = $1 AND stage <> 'closed' ORDER BY opened_at DESC, id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(MAX_FOLLOWED)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The cards recorded on a case after `since_ms`, oldest first.
    pub async fn case_cards_since(
        &self,
        case_id: &str,
        since_ms: i64,
    ) -> Result<Vec<CardSince>, StoreError> {
        let rows = sqlx::query(
            "SELECT form_code, created_at, created_by FROM cards WHERE case_id = $1 AND created_at > $2 ORDER BY created_at, id",
        )
        .bind(case_id)
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CardSince {
                    form_code: r.try_get("form_code")?,
                    created_at: r.try_get("created_at")?,
                    created_by: r.try_get("created_by")?,
                })
            })
            .collect()
    }
}

/// A replaced version of a card with its values (`data` in clear, `sealed` under
/// `card_versions/sealed/{card}:{version}`), for the subject-access export.
pub struct VersionValues {
    pub version: i64,
    pub complete: bool,
    pub data: String,
    pub sealed: Option<Vec<u8>>,
    pub replaced_by: String,
    pub replaced_at: i64,
}

impl Store {
    pub async fn card_version_values(
        &self,
        card_id: &str,
    ) -> Result<Vec<VersionValues>, StoreError> {
        let rows = sqlx::query(
            "SELECT version, complete, data, sealed, replaced_by, replaced_at FROM card_versions WHERE card_id = $1 ORDER BY version",
        )
        .bind(card_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(VersionValues {
                    version: r.try_get("version")?,
                    complete: r.try_get::<i64, _>("complete")? != 0,
                    data: r.try_get("data")?,
                    sealed: r.try_get("sealed")?,
                    replaced_by: r.try_get("replaced_by")?,
                    replaced_at: r.try_get("replaced_at")?,
                })
            })
            .collect()
    }
}
