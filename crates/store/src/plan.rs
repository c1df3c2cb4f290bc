//! The case plan (خطة التكفل): actions with the sector responsible, a due date and a
//! status. What the action is and why are sealed; deadlines and statuses are not, so
//! that overdue actions are found without opening anything.

use crate::audit::Tx;
use crate::{Store, StoreError};
use sqlx::Row;

/// Statuses of an action that is still to be done.
pub const OPEN_STATUSES: [&str; 2] = ["planned", "in_progress"];

pub struct NewPlanAction<'a> {
    pub id: &'a str,
    pub case_id: &'a str,
    pub territory: &'a str,
    /// The goal and action, sealed with the AAD `plan_actions/sealed/{id}`.
    pub sealed: &'a [u8],
    pub responsible_sector: &'a str,
    pub responsible_org: Option<&'a str>,
    pub due_at: Option<i64>,
    /// `plan` (written by a worker) or `evaluation` (set by a high-risk evaluation).
    pub origin: &'a str,
    pub by: &'a str,
    pub at_ms: i64,
}

/// A stored action; its text is still sealed (no `Debug`).
#[derive(Clone)]
pub struct PlanActionRecord {
    pub id: String,
    pub case_id: String,
    pub territory: String,
    pub sealed: Vec<u8>,
    pub responsible_sector: String,
    pub responsible_org: Option<String>,
    pub due_at: Option<i64>,
    pub status: String,
    pub origin: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// An overdue action as a list shows it: nothing sealed.
pub struct OverdueAction {
    pub id: String,
    pub case_id: String,
    pub case_number: String,
    pub responsible_sector: String,
    pub due_at: i64,
    pub status: String,
    pub origin: String,
}

const COLUMNS: &str = "id, case_id, territory_code, sealed, responsible_sector, responsible_org, due_at, status, origin, created_by, created_at, updated_at, version";

fn record(r: &sqlx::any::AnyRow) -> Result<PlanActionRecord, StoreError> {
    Ok(PlanActionRecord {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        territory: r.try_get("territory_code")?,
        sealed: r.try_get("sealed")?,
        responsible_sector: r.try_get("responsible_sector")?,
        responsible_org: r.try_get("responsible_org")?,
        due_at: r.try_get("due_at")?,
        status: r.try_get("status")?,
        origin: r.try_get("origin")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

impl Store {
    /// The actions of a case, soonest due first (those without a date last).
    pub async fn plan_actions(&self, case_id: &str) -> Result<Vec<PlanActionRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM plan_actions WHERE case_id = $1 ORDER BY due_at IS NULL, due_at, created_at, id"
        );
        let rows = sqlx::query(&sql)
            .bind(case_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(record).collect()
    }

    pub async fn plan_action(&self, id: &str) -> Result<Option<PlanActionRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM plan_actions WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record).transpose()
    }

    /// Open actions due before `now_ms`, most overdue first, in one territory or all
    /// (`None`, for a national reader), and how many there are in all.
    pub async fn overdue_actions(
        &self,
        territory: Option<&str>,
        now_ms: i64,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<OverdueAction>, i64), StoreError> {
        // A national reader has no territory to bind: the placeholders shift by one.
        let (scope, next) = match territory {
            Some(_) => ("AND p.territory_code = $2", 3),
            None => ("", 2),
        };
        let filter = format!(
            "FROM plan_actions p JOIN cases c ON c.id = p.case_id
             WHERE p.status IN ('planned', 'in_progress') AND p.due_at < $1 {scope}"
        );
        let count_sql = format!("SELECT COUNT(*) AS n {filter}");
        let page_sql = format!(
            "SELECT p.id, p.case_id, c.number, p.responsible_sector, p.due_at, p.status, p.origin {filter}
             ORDER BY p.due_at, p.id LIMIT ${next} OFFSET ${}",
            next + 1
        );
        let scoped = |sql| {
            let query = sqlx::query(sql).bind(now_ms);
            match territory {
                Some(t) => query.bind(t),
                None => query,
            }
        };
        let total: i64 = scoped(&count_sql)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let rows = scoped(&page_sql)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        let rows = rows
            .iter()
            .map(|r| {
                Ok(OverdueAction {
                    id: r.try_get("id")?,
                    case_id: r.try_get("case_id")?,
                    case_number: r.try_get("number")?,
                    responsible_sector: r.try_get("responsible_sector")?,
                    due_at: r.try_get("due_at")?,
                    status: r.try_get("status")?,
                    origin: r.try_get("origin")?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok((rows, total))
    }

    /// For each open case with a plan, when its plan began and when it was last reviewed:
    /// what the review's due date is counted from. One case, or every open case of a
    /// territory (one probe of the plan's and the cards' case indexes per case).
    pub async fn plan_review_clocks(
        &self,
        scope: ReviewScope<'_>,
    ) -> Result<Vec<ReviewClock>, StoreError> {
        let (filter, value) = match scope {
            ReviewScope::Case(id) => ("c.id = $1", id),
            ReviewScope::Territory(code) => ("c.territory_code = $1", code),
        };
        let sql = format!(
            "SELECT id, number, assigned_to, since, last_review FROM (
               SELECT c.id, c.number, c.assigned_to,
                 (SELECT MIN(a.created_at) FROM plan_actions a WHERE a.case_id = c.id) AS since,
                 (SELECT MAX(k.created_at) FROM cards k
                   WHERE k.case_id = c.id AND k.form_code = 'plan_review') AS last_review
               FROM cases c WHERE {filter} AND c.stage <> 'closed') t
             WHERE since IS NOT NULL ORDER BY number"
        );
        let rows = sqlx::query(&sql).bind(value).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(ReviewClock {
                    case_id: r.try_get("id")?,
                    case_number: r.try_get("number")?,
                    assigned_to: r.try_get("assigned_to")?,
                    plan_since: r.try_get("since")?,
                    last_review: r.try_get("last_review")?,
                })
            })
            .collect()
    }
}

/// Whose plans' reviews are looked at.
#[derive(Debug, Clone, Copy)]
pub enum ReviewScope<'a> {
    Case(&'a str),
    Territory(&'a str),
}

/// What a case plan's next review is counted from.
#[derive(Debug, Clone)]
pub struct ReviewClock {
    pub case_id: String,
    pub case_number: String,
    pub assigned_to: Option<String>,
    pub plan_since: i64,
    pub last_review: Option<i64>,
}

impl Tx<'_> {
    pub async fn insert_plan_action(&mut self, a: &NewPlanAction<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO plan_actions (id, case_id, territory_code, sealed, responsible_sector, responsible_org, due_at, status, origin, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'planned', $8, $9, $10, $10)",
        )
        .bind(a.id)
        .bind(a.case_id)
        .bind(a.territory)
        .bind(a.sealed)
        .bind(a.responsible_sector)
        .bind(a.responsible_org)
        .bind(a.due_at)
        .bind(a.origin)
        .bind(a.by)
        .bind(a.at_ms)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// Sets an action's status; false when it changed since `version` was read.
    pub async fn set_plan_status(
        &mut self,
        id: &str,
        version: i64,
        status: &str,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE plan_actions SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4")
            .bind(status)
            .bind(at_ms)
            .bind(id)
            .bind(version)
            .execute(&mut *self.inner)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
