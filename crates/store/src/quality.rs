//! The data-quality page's reads (issue 19 §3): the records of a province the
//! information cell must fix, each with its case number (never a child's name), the
//! author's organisation and when. Portable SQL only: a card's values are matched with
//! LIKE, never with a JSON function (they differ between SQLite and PostgreSQL).

use crate::stats::in_list;
use crate::{Store, StoreError};
use sqlx::Row;

/// One record to fix: its case (none for a report not yet triaged), the organisation
/// of whoever wrote what is missing, and when (ms).
pub struct QualityItem {
    pub case_id: Option<String>,
    pub case_number: Option<String>,
    pub organisation: Option<String>,
    pub at_ms: i64,
}

/// The last follow-up card of an open case, with its non-personal values (JSON).
pub struct LastFollowup {
    pub item: QualityItem,
    pub data: String,
}

fn item(r: &sqlx::any::AnyRow) -> Result<QualityItem, StoreError> {
    Ok(QualityItem {
        case_id: r.try_get("case_id")?,
        case_number: r.try_get("number")?,
        organisation: r.try_get("organisation_code")?,
        at_ms: r.try_get("at_ms")?,
    })
}

impl Store {
    async fn quality_rows(
        &self,
        sql: &str,
        territories: &[String],
        extra: &[&str],
        before_ms: Option<i64>,
    ) -> Result<Vec<sqlx::any::AnyRow>, StoreError> {
        if territories.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = sqlx::query(sql);
        for t in territories {
            query = query.bind(t.as_str());
        }
        for e in extra {
            query = query.bind(*e);
        }
        if let Some(before) = before_ms {
            query = query.bind(before);
        }
        Ok(query.fetch_all(&self.pool).await?)
    }

    /// Complete reports of the province not triaged and recorded before `before_ms`.
    pub async fn quality_untriaged(
        &self,
        territories: &[String],
        before_ms: i64,
    ) -> Result<Vec<QualityItem>, StoreError> {
        let n = territories.len();
        let sql = format!(
            "SELECT CAST(NULL AS TEXT) AS case_id, CAST(NULL AS TEXT) AS number, organisation_code, created_at AS at_ms FROM cards WHERE form_code = 'report' AND complete = 1 AND case_id IS NULL AND territory_code IN ({}) AND created_at < ${} ORDER BY created_at, id",
            in_list(1, n),
            n + 1
        );
        let rows = self
            .quality_rows(&sql, territories, &[], Some(before_ms))
            .await?;
        rows.iter().map(item).collect()
    }

    /// Open cases at one of `stages` with no card of form `form`: the organisation of
    /// whoever opened the case, when it was opened.
    pub async fn quality_cases_without(
        &self,
        territories: &[String],
        stages: &[&str],
        form: &str,
    ) -> Result<Vec<QualityItem>, StoreError> {
        let n = territories.len();
        let sql = format!(
            "SELECT c.id AS case_id, c.number, (SELECT u.organisation_code FROM users u WHERE u.id = c.opened_by) AS organisation_code, c.opened_at AS at_ms FROM cases c WHERE c.territory_code IN ({}) AND c.stage IN ({}) AND NOT EXISTS (SELECT 1 FROM cards k WHERE k.case_id = c.id AND k.form_code = ${}) ORDER BY c.opened_at, c.id",
            in_list(1, n),
            in_list(n + 1, stages.len()),
            n + stages.len() + 1
        );
        let mut extra = stages.to_vec();
        extra.push(form);
        let rows = self.quality_rows(&sql, territories, &extra, None).await?;
        rows.iter().map(item).collect()
    }

    /// The newest follow-up card of each open case that has one (newest as the tasks
    /// read it: by creation, then id).
    pub async fn quality_last_followups(
        &self,
        territories: &[String],
    ) -> Result<Vec<LastFollowup>, StoreError> {
        let sql = format!(
            "SELECT c.id AS case_id, c.number, f.organisation_code, f.created_at AS at_ms, f.data FROM cards f JOIN cases c ON c.id = f.case_id WHERE c.territory_code IN ({}) AND c.stage <> 'closed' AND f.form_code = 'followup' AND NOT EXISTS (SELECT 1 FROM cards g WHERE g.case_id = f.case_id AND g.form_code = 'followup' AND (g.created_at > f.created_at OR (g.created_at = f.created_at AND g.id > f.id))) ORDER BY c.opened_at, c.id",
            in_list(1, territories.len())
        );
        let rows = self.quality_rows(&sql, territories, &[], None).await?;
        rows.iter()
            .map(|r| {
                Ok(LastFollowup {
                    item: item(r)?,
                    data: r.try_get("data")?,
                })
            })
            .collect()
    }

    /// Closed cases whose closure reason is none of `known` (none at all, or one no
    /// outcome says): the organisation of whoever closed it, when.
    pub async fn quality_closed_without_outcome(
        &self,
        territories: &[String],
        known: &[&str],
    ) -> Result<Vec<QualityItem>, StoreError> {
        let n = territories.len();
        let known_clause = if known.is_empty() {
            String::new()
        } else {
            format!(
                " OR c.closure_reason NOT IN ({})",
                in_list(n + 1, known.len())
            )
        };
        let sql = format!(
            "SELECT c.id AS case_id, c.number, (SELECT u.organisation_code FROM stage_moves m JOIN users u ON u.id = m.moved_by WHERE m.case_id = c.id AND m.to_stage = 'closed' ORDER BY m.moved_at DESC LIMIT 1) AS organisation_code, COALESCE(c.closed_at, c.opened_at) AS at_ms FROM cases c WHERE c.territory_code IN ({}) AND c.stage = 'closed' AND (c.closure_reason IS NULL OR c.closure_reason = ''{known_clause}) ORDER BY c.closed_at, c.id",
            in_list(1, n)
        );
        let rows = self.quality_rows(&sql, territories, known, None).await?;
        rows.iter().map(item).collect()
    }

    /// Complete cards of the province holding the answer `code` (e.g. "unknown") as
    /// one of their non-personal values.
    pub async fn quality_cards_answering(
        &self,
        territories: &[String],
        code: &str,
    ) -> Result<Vec<QualityItem>, StoreError> {
        let n = territories.len();
        let sql = format!(
            "SELECT k.case_id, c.number, k.organisation_code, k.created_at AS at_ms FROM cards k LEFT JOIN cases c ON c.id = k.case_id WHERE k.territory_code IN ({}) AND k.complete = 1 AND k.data LIKE ${} ORDER BY k.created_at, k.id",
            in_list(1, n),
            n + 1
        );
        let pattern = format!("%\"{code}\"%");
        let rows = self
            .quality_rows(&sql, territories, &[pattern.as_str()], None)
            .await?;
        rows.iter().map(item).collect()
    }
}
