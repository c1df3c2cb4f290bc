//! Periodic reports: monthly, half-yearly and annual reports of a province, and the
//! national report. A report is drafted with its figures (JSON, aggregates only), may be
//! refreshed while a draft, and is frozen when approved: `approve` stores the figures it
//! was approved with, and nothing writes them after. Every change checks the version
//! read (optimistic concurrency) and goes in a `Tx` with its audit entry.

use crate::audit::Tx;
use crate::{Store, StoreError};
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct PeriodicReport {
    pub id: String,
    pub kind: String,
    pub territory: String,
    pub from: String,
    pub to: String,
    pub status: String,
    pub figures: String,
    pub computed_at: i64,
    pub created_by: String,
    pub created_at: i64,
    pub approved_by: Option<String>,
    pub approved_at: Option<i64>,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<i64>,
    pub version: i64,
}

const COLUMNS: &str = "id, kind, territory_code, period_from, period_to, status, figures, computed_at, created_by, created_at, approved_by, approved_at, submitted_by, submitted_at, version";

fn read(r: &sqlx::any::AnyRow) -> Result<PeriodicReport, StoreError> {
    Ok(PeriodicReport {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        territory: r.try_get("territory_code")?,
        from: r.try_get("period_from")?,
        to: r.try_get("period_to")?,
        status: r.try_get("status")?,
        figures: r.try_get("figures")?,
        computed_at: r.try_get("computed_at")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        approved_by: r.try_get("approved_by")?,
        approved_at: r.try_get("approved_at")?,
        submitted_by: r.try_get("submitted_by")?,
        submitted_at: r.try_get("submitted_at")?,
        version: r.try_get("version")?,
    })
}

impl Store {
    pub async fn periodic_report(&self, id: &str) -> Result<Option<PeriodicReport>, StoreError> {
        let q = format!("SELECT {COLUMNS} FROM periodic_reports WHERE id = $1");
        sqlx::query(&q)
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(read)
            .transpose()
    }

    /// The reports of a territory (`None`: all), newest period first.
    pub async fn periodic_reports(
        &self,
        territory: Option<&str>,
    ) -> Result<Vec<PeriodicReport>, StoreError> {
        let q = format!(
            "SELECT {COLUMNS} FROM periodic_reports WHERE ($1 IS NULL OR territory_code = $1)
             ORDER BY period_from DESC, period_to DESC, created_at DESC LIMIT 500"
        );
        sqlx::query(&q)
            .bind(territory)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(read)
            .collect()
    }

    /// The submitted provincial reports of exactly this period, for the national report.
    pub async fn submitted_provincial_reports(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<PeriodicReport>, StoreError> {
        let q = format!(
            "SELECT {COLUMNS} FROM periodic_reports
             WHERE status = 'submitted' AND kind <> 'national' AND period_from = $1 AND period_to = $2
             ORDER BY territory_code, submitted_at DESC"
        );
        sqlx::query(&q)
            .bind(from)
            .bind(to)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(read)
            .collect()
    }
}

/// A monthly count by sex and age band (for DHIS2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SexAgeCount {
    pub month: String,
    pub sex: String,
    pub age_band: String,
    pub n: i64,
}

impl Store {
    /// Reports received (`fact_reports`) or cases opened (`fact_cases`) by month, sex and
    /// age band, in `territories`, months `from..=to`.
    pub async fn sex_age_counts(
        &self,
        cases: bool,
        territories: &[String],
        from: &str,
        to: &str,
    ) -> Result<Vec<SexAgeCount>, StoreError> {
        if territories.is_empty() {
            return Ok(Vec::new());
        }
        let table = if cases { "fact_cases" } else { "fact_reports" };
        let places = (3..3 + territories.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT month, sex, age_band, COUNT(*) AS n FROM {table}
             WHERE month >= $1 AND month <= $2 AND territory_code IN ({places})
             GROUP BY month, sex, age_band ORDER BY month, sex, age_band"
        );
        let query = sqlx::query(&sql).bind(from).bind(to);
        let rows = territories
            .iter()
            .fold(query, |q, t| q.bind(t.as_str()))
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(SexAgeCount {
                    month: r.try_get("month")?,
                    sex: r.try_get("sex")?,
                    age_band: r.try_get("age_band")?,
                    n: r.try_get("n")?,
                })
            })
            .collect()
    }
}

impl Tx<'_> {
    pub async fn insert_periodic_report(&mut self, r: &PeriodicReport) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO periodic_reports (id, kind, territory_code, period_from, period_to, status, figures, computed_at, created_by, created_at, version)
             VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $9, 1)",
        )
        .bind(&r.id)
        .bind(&r.kind)
        .bind(&r.territory)
        .bind(&r.from)
        .bind(&r.to)
        .bind(&r.figures)
        .bind(r.computed_at)
        .bind(&r.created_by)
        .bind(r.created_at)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// New figures for a draft; false when the report is no longer a draft or changed
    /// since `version` was read.
    pub async fn refresh_periodic_report(
        &mut self,
        id: &str,
        version: i64,
        figures: &str,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE periodic_reports SET figures = $1, computed_at = $2, version = version + 1
             WHERE id = $3 AND version = $4 AND status = 'draft'",
        )
        .bind(figures)
        .bind(at_ms)
        .bind(id)
        .bind(version)
        .execute(&mut *self.inner)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Approves a draft with the figures it was read with (frozen from now on); false
    /// when it is not a draft or changed since `version` was read.
    pub async fn approve_periodic_report(
        &mut self,
        id: &str,
        version: i64,
        figures: &str,
        by: &str,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE periodic_reports SET status = 'approved', figures = $1, approved_by = $2, approved_at = $3, version = version + 1
             WHERE id = $4 AND version = $5 AND status = 'draft'",
        )
        .bind(figures)
        .bind(by)
        .bind(at_ms)
        .bind(id)
        .bind(version)
        .execute(&mut *self.inner)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Submits an approved report (its figures untouched); false when it is not approved
    /// or changed since `version` was read.
    pub async fn submit_periodic_report(
        &mut self,
        id: &str,
        version: i64,
        by: &str,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE periodic_reports SET status = 'submitted', submitted_by = $1, submitted_at = $2, version = version + 1
             WHERE id = $3 AND version = $4 AND status = 'approved'",
        )
        .bind(by)
        .bind(at_ms)
        .bind(id)
        .bind(version)
        .execute(&mut *self.inner)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
