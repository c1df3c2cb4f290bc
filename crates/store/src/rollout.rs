//! The rollout's records (issue 15 §2): the ministry's edits of the milestones, each
//! province's declared statuses, and the facts the measured milestones are read from
//! (the centre's users and cases, the directory, the submitted reports).

use crate::audit::Tx;
use crate::{Store, StoreError};
use sqlx::Row;

#[derive(Debug, Clone, serde::Serialize)]
pub struct MilestoneEdit {
    pub code: String,
    pub title_ar: String,
    pub title_fr: String,
    pub month: i64,
    pub version: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct StatusRecord {
    pub territory: String,
    pub milestone: String,
    pub status: String,
    pub reached_on: Option<String>,
    pub evidence: String,
    pub updated_at: i64,
    pub version: i64,
}

impl Store {
    pub async fn milestone_edits(&self) -> Result<Vec<MilestoneEdit>, StoreError> {
        let rows = sqlx::query(
            "SELECT code, title_ar, title_fr, month, version FROM rollout_milestones ORDER BY code",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MilestoneEdit {
                    code: r.try_get("code")?,
                    title_ar: r.try_get("title_ar")?,
                    title_fr: r.try_get("title_fr")?,
                    month: r.try_get("month")?,
                    version: r.try_get("version")?,
                })
            })
            .collect()
    }

    /// Declared statuses, of one province or every one.
    pub async fn rollout_statuses(
        &self,
        territory: Option<&str>,
    ) -> Result<Vec<StatusRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT territory_code, milestone, status, reached_on, evidence, updated_at, version FROM rollout_statuses
             WHERE CAST($1 AS TEXT) IS NULL OR territory_code = $1 ORDER BY territory_code, milestone",
        )
        .bind(territory)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StatusRecord {
                    territory: r.try_get("territory_code")?,
                    milestone: r.try_get("milestone")?,
                    status: r.try_get("status")?,
                    reached_on: r.try_get("reached_on")?,
                    evidence: r.try_get("evidence")?,
                    updated_at: r.try_get("updated_at")?,
                    version: r.try_get("version")?,
                })
            })
            .collect()
    }

    /// Per province: when its centre's first active user was created and its first case
    /// opened (ms), for "the centre has users and records cases".
    pub async fn centre_activity(
        &self,
    ) -> Result<Vec<(String, Option<i64>, Option<i64>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT t.code,
                    (SELECT MIN(u.created_at) FROM users u JOIN organisations o ON o.code = u.organisation_code
                      WHERE o.territory_code = t.code AND u.disabled = 0) AS first_user,
                    (SELECT MIN(c.opened_at) FROM cases c WHERE c.territory_code = t.code) AS first_case
             FROM territories t ORDER BY t.code",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("code")?,
                    r.try_get("first_user")?,
                    r.try_get("first_case")?,
                ))
            })
            .collect()
    }

    /// Per province: when each directory entry (with at least one service) was last
    /// written, oldest first, for "the directory is filled in".
    pub async fn directory_fill(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT o.territory_code, e.updated_at FROM directory_entries e JOIN organisations o ON o.code = e.organisation_code
             WHERE o.territory_code IS NOT NULL
               AND EXISTS (SELECT 1 FROM directory_services s WHERE s.organisation_code = e.organisation_code)
             ORDER BY o.territory_code, e.updated_at",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("territory_code")?, r.try_get("updated_at")?)))
            .collect()
    }

    /// Per province: when its first half-yearly report was submitted.
    pub async fn first_half_yearly(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT territory_code, MIN(submitted_at) AS at FROM periodic_reports
             WHERE kind = 'half_yearly' AND status = 'submitted' AND submitted_at IS NOT NULL
             GROUP BY territory_code",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("territory_code")?, r.try_get("at")?)))
            .collect()
    }

    /// Per province: when the first meeting's minutes were approved.
    pub async fn first_approved_minutes(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT territory_code, MIN(approved_at) AS at FROM meetings
             WHERE status = 'approved' AND approved_at IS NOT NULL GROUP BY territory_code",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("territory_code")?, r.try_get("at")?)))
            .collect()
    }
}

impl Tx<'_> {
    /// Writes the ministry's edit of a milestone if still at `version` (None: never
    /// edited). False otherwise (stale).
    pub async fn put_milestone(
        &mut self,
        code: &str,
        (title_ar, title_fr, month): (&str, &str, i64),
        version: Option<i64>,
        by: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = match version {
            None => sqlx::query(
                "INSERT INTO rollout_milestones (code, title_ar, title_fr, month, updated_by, updated_at)
                 SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM rollout_milestones WHERE code = $1)",
            ),
            Some(_) => sqlx::query(
                "UPDATE rollout_milestones SET title_ar = $2, title_fr = $3, month = $4, updated_by = $5, updated_at = $6, version = version + 1
                 WHERE code = $1 AND version = $7",
            ),
        };
        let mut q = done
            .bind(code)
            .bind(title_ar)
            .bind(title_fr)
            .bind(month)
            .bind(by)
            .bind(now_ms);
        if let Some(v) = version {
            q = q.bind(v);
        }
        Ok(q.execute(&mut *self.inner).await?.rows_affected() == 1)
    }

    /// Writes a province's declared status if still at `version` (None: never declared).
    #[allow(clippy::too_many_arguments)]
    pub async fn put_rollout_status(
        &mut self,
        territory: &str,
        milestone: &str,
        (status, reached_on, evidence): (&str, Option<&str>, &str),
        version: Option<i64>,
        by: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let sql = match version {
            None => {
                "INSERT INTO rollout_statuses (territory_code, milestone, status, reached_on, evidence, updated_by, updated_at)
                 SELECT $1, $2, $3, $4, $5, $6, $7 WHERE NOT EXISTS (SELECT 1 FROM rollout_statuses WHERE territory_code = $1 AND milestone = $2)"
            }
            Some(_) => {
                "UPDATE rollout_statuses SET status = $3, reached_on = $4, evidence = $5, updated_by = $6, updated_at = $7, version = version + 1
                 WHERE territory_code = $1 AND milestone = $2 AND version = $8"
            }
        };
        let mut q = sqlx::query(sql)
            .bind(territory)
            .bind(milestone)
            .bind(status)
            .bind(reached_on)
            .bind(evidence)
            .bind(by)
            .bind(now_ms);
        if let Some(v) = version {
            q = q.bind(v);
        }
        Ok(q.execute(&mut *self.inner).await?.rows_affected() == 1)
    }
}
