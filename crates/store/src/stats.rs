//! Reading statistics: the cells facts add up to, and the few figures that cannot be
//! added up (medians, cards waiting past their deadline now, children counted once
//! over a period that is not a calendar month, half-year or year).

use crate::{Store, StoreError};
use sqlx::Row;

/// Which cells to read: one measure along one dimension ("" = totals), for a list of
/// territories (provinces; or the region or nation code for children), months
/// `from..=to` ("YYYY-MM", or the periods "YYYY-H1" / "YYYY" for children).
pub struct CellQuery<'a> {
    pub measure: &'a str,
    pub dim: &'a str,
    pub territories: &'a [String],
    pub from: &'a str,
    pub to: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellRow {
    pub month: String,
    pub territory: String,
    pub code: String,
    pub n: i64,
}

pub(crate) fn in_list(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    pub async fn cells(&self, q: &CellQuery<'_>) -> Result<Vec<CellRow>, StoreError> {
        if q.territories.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT month, territory_code, code, n FROM stat_cells
             WHERE measure = $1 AND dim = $2 AND month >= $3 AND month <= $4 AND territory_code IN ({}) AND n <> 0",
            in_list(5, q.territories.len())
        );
        let query = sqlx::query(&sql)
            .bind(q.measure)
            .bind(q.dim)
            .bind(q.from)
            .bind(q.to);
        let rows = q
            .territories
            .iter()
            .fold(query, |q, t| q.bind(t.as_str()))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(CellRow {
                    month: r.try_get("month")?,
                    territory: r.try_get("territory_code")?,
                    code: r.try_get("code")?,
                    n: r.try_get("n")?,
                })
            })
            .collect()
    }

    /// How many linking cards, sent in these months to each sector, were answered in
    /// each number of whole hours: (sector, hours, cards). Medians are taken from it.
    pub async fn response_hours(
        &self,
        territories: &[String],
        from: &str,
        to: &str,
    ) -> Result<Vec<(String, i64, i64)>, StoreError> {
        if territories.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT sector, response_hours, COUNT(*) AS n FROM fact_referrals
             WHERE month >= $1 AND month <= $2 AND territory_code IN ({}) AND response_hours IS NOT NULL
             GROUP BY sector, response_hours",
            in_list(3, territories.len())
        );
        let rows = territories
            .iter()
            .fold(sqlx::query(&sql).bind(from).bind(to), |q, t| {
                q.bind(t.as_str())
            })
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("sector")?,
                    r.try_get("response_hours")?,
                    r.try_get("n")?,
                ))
            })
            .collect()
    }

    /// Linking cards sent in these months that still wait for an answer past their
    /// deadline at `now_ms`: (month, territory, sector, cards).
    pub async fn waiting_overdue(
        &self,
        territories: &[String],
        from: &str,
        to: &str,
        now_ms: i64,
    ) -> Result<Vec<(String, String, String, i64)>, StoreError> {
        if territories.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT month, territory_code, sector, COUNT(*) AS n FROM fact_referrals
             WHERE status IN ('sent', 'received') AND due_at < $1 AND month >= $2 AND month <= $3
               AND territory_code IN ({})
             GROUP BY month, territory_code, sector",
            in_list(4, territories.len())
        );
        let rows = territories
            .iter()
            .fold(
                sqlx::query(&sql).bind(now_ms).bind(from).bind(to),
                |q, t| q.bind(t.as_str()),
            )
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("month")?,
                    r.try_get("territory_code")?,
                    r.try_get("sector")?,
                    r.try_get("n")?,
                ))
            })
            .collect()
    }

    /// Children counted once over the months `from..=to` in one territory (province,
    /// region or nation code), for periods that are not a calendar month, half or year.
    pub async fn distinct_children(
        &self,
        territory: &str,
        from: &str,
        to: &str,
    ) -> Result<i64, StoreError> {
        // Month periods are "YYYY-MM": seven characters, a digit after the dash.
        Ok(sqlx::query_scalar(
            "SELECT COUNT(DISTINCT child_key) FROM fact_child_periods
             WHERE territory_code = $1 AND period >= $2 AND period <= $3
               AND LENGTH(period) = 7 AND SUBSTR(period, 6, 1) <> 'H'",
        )
        .bind(territory)
        .bind(from)
        .bind(to)
        .fetch_one(&self.pool)
        .await?)
    }

    /// The territory with the most reports counted (for the benchmark).
    pub async fn busiest_statistics_province(&self) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT territory_code FROM stat_cells WHERE measure = 'reports' AND dim = ''
             GROUP BY territory_code ORDER BY SUM(n) DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The territories that have reports counted (for the benchmark).
    pub async fn statistics_territories(&self) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT territory_code FROM stat_cells WHERE measure = 'reports' AND dim = '' ORDER BY territory_code",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}
