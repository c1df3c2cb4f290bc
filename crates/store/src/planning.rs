//! The committee's planning records (issue 14 §3–4): diagnoses and their sections, the
//! action plan's versions (each a JSON document) and the progress recorded per action.
//! Every change raises the row's version and names the one it read: a stale change
//! changes nothing and answers false.

use crate::audit::Tx;
use crate::{Store, StoreError};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, serde::Serialize)]
pub struct DiagnosisRecord {
    pub id: String,
    pub territory: String,
    pub period_from: String,
    pub period_to: String,
    pub questionnaire: String,
    pub status: String,
    pub prefill: String,
    pub priorities: String,
    pub created_at: i64,
    pub consolidated_at: Option<i64>,
    pub approved_by: Option<String>,
    pub approved_at: Option<i64>,
    pub version: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SectionRecord {
    pub diagnosis_id: String,
    pub area: String,
    pub organisation: String,
    pub organisation_name: String,
    pub answers: String,
    pub status: String,
    pub updated_at: Option<i64>,
    pub version: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PlanRecord {
    pub id: String,
    pub territory: String,
    pub plan_version: i64,
    pub revises: Option<String>,
    pub diagnosis_id: Option<String>,
    pub first_year: i64,
    pub last_year: i64,
    pub title: String,
    pub status: String,
    pub document: String,
    pub created_at: i64,
    pub approved_at: Option<i64>,
    pub meeting_id: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ProgressRecord {
    pub id: String,
    pub action_key: String,
    pub plan_id: String,
    pub at: i64,
    pub by: String,
    pub percent: i64,
    pub spent: Option<i64>,
    pub note: String,
    pub evidence: String,
    pub reviewed_at: Option<i64>,
    pub review_note: Option<String>,
}

const DIAGNOSIS: &str = "SELECT id, territory_code, period_from, period_to, questionnaire, status, prefill, priorities, created_at, consolidated_at, approved_by, approved_at, version FROM diagnoses";
const SECTION: &str = "SELECT s.diagnosis_id, s.area, s.organisation, o.name AS organisation_name, s.answers, s.status, s.updated_at, s.version
     FROM diagnosis_sections s JOIN organisations o ON o.code = s.organisation";
const PLAN: &str = "SELECT id, territory_code, plan_version, revises, diagnosis_id, first_year, last_year, title, status, document, created_at, approved_at, meeting_id, version FROM action_plans";
const PROGRESS: &str = "SELECT id, action_key, plan_id, at, by_user, percent, spent, note, evidence, reviewed_at, review_note FROM action_progress";

fn diagnosis(r: &AnyRow) -> Result<DiagnosisRecord, StoreError> {
    Ok(DiagnosisRecord {
        id: r.try_get("id")?,
        territory: r.try_get("territory_code")?,
        period_from: r.try_get("period_from")?,
        period_to: r.try_get("period_to")?,
        questionnaire: r.try_get("questionnaire")?,
        status: r.try_get("status")?,
        prefill: r.try_get("prefill")?,
        priorities: r.try_get("priorities")?,
        created_at: r.try_get("created_at")?,
        consolidated_at: r.try_get("consolidated_at")?,
        approved_by: r.try_get("approved_by")?,
        approved_at: r.try_get("approved_at")?,
        version: r.try_get("version")?,
    })
}

fn section(r: &AnyRow) -> Result<SectionRecord, StoreError> {
    Ok(SectionRecord {
        diagnosis_id: r.try_get("diagnosis_id")?,
        area: r.try_get("area")?,
        organisation: r.try_get("organisation")?,
        organisation_name: r.try_get("organisation_name")?,
        answers: r.try_get("answers")?,
        status: r.try_get("status")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

fn plan(r: &AnyRow) -> Result<PlanRecord, StoreError> {
    Ok(PlanRecord {
        id: r.try_get("id")?,
        territory: r.try_get("territory_code")?,
        plan_version: r.try_get("plan_version")?,
        revises: r.try_get("revises")?,
        diagnosis_id: r.try_get("diagnosis_id")?,
        first_year: r.try_get("first_year")?,
        last_year: r.try_get("last_year")?,
        title: r.try_get("title")?,
        status: r.try_get("status")?,
        document: r.try_get("document")?,
        created_at: r.try_get("created_at")?,
        approved_at: r.try_get("approved_at")?,
        meeting_id: r.try_get("meeting_id")?,
        version: r.try_get("version")?,
    })
}

fn progress(r: &AnyRow) -> Result<ProgressRecord, StoreError> {
    Ok(ProgressRecord {
        id: r.try_get("id")?,
        action_key: r.try_get("action_key")?,
        plan_id: r.try_get("plan_id")?,
        at: r.try_get("at")?,
        by: r.try_get("by_user")?,
        percent: r.try_get("percent")?,
        spent: r.try_get("spent")?,
        note: r.try_get("note")?,
        evidence: r.try_get("evidence")?,
        reviewed_at: r.try_get("reviewed_at")?,
        review_note: r.try_get("review_note")?,
    })
}

impl Store {
    /// A province's diagnoses (all of them when `territory` is None), the latest first.
    pub async fn diagnoses(
        &self,
        territory: Option<&str>,
    ) -> Result<Vec<DiagnosisRecord>, StoreError> {
        let rows = match territory {
            Some(t) => {
                sqlx::query(&format!(
                    "{DIAGNOSIS} WHERE territory_code = $1 ORDER BY created_at DESC, id"
                ))
                .bind(t)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "{DIAGNOSIS} ORDER BY territory_code, created_at DESC, id"
                ))
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(diagnosis).collect()
    }

    pub async fn diagnosis(&self, id: &str) -> Result<Option<DiagnosisRecord>, StoreError> {
        let row = sqlx::query(&format!("{DIAGNOSIS} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(diagnosis).transpose()
    }

    pub async fn diagnosis_sections(&self, id: &str) -> Result<Vec<SectionRecord>, StoreError> {
        let rows = sqlx::query(&format!("{SECTION} WHERE s.diagnosis_id = $1"))
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(section).collect()
    }

    /// A province's plan versions (every province's when None), the latest first.
    pub async fn action_plans(
        &self,
        territory: Option<&str>,
    ) -> Result<Vec<PlanRecord>, StoreError> {
        let rows =
            match territory {
                Some(t) => sqlx::query(&format!(
                    "{PLAN} WHERE territory_code = $1 ORDER BY plan_version DESC, created_at DESC"
                ))
                .bind(t)
                .fetch_all(&self.pool)
                .await?,
                None => {
                    sqlx::query(&format!(
                        "{PLAN} ORDER BY territory_code, plan_version DESC, created_at DESC"
                    ))
                    .fetch_all(&self.pool)
                    .await?
                }
            };
        rows.iter().map(plan).collect()
    }

    pub async fn action_plan(&self, id: &str) -> Result<Option<PlanRecord>, StoreError> {
        let row = sqlx::query(&format!("{PLAN} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(plan).transpose()
    }

    /// When a province's first plan was approved, if ever.
    /// Each province's first approval of an action plan (a rollout milestone).
    pub async fn first_plan_approvals(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT territory_code, MIN(approved_at) AS at FROM action_plans
             WHERE approved_at IS NOT NULL GROUP BY territory_code",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("territory_code")?, r.try_get("at")?)))
            .collect()
    }

    /// The progress recorded on a province's actions, oldest first.
    pub async fn action_progress(
        &self,
        territory: &str,
    ) -> Result<Vec<ProgressRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{PROGRESS} WHERE territory_code = $1 ORDER BY at, id"
        ))
        .bind(territory)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(progress).collect()
    }
}

impl Tx<'_> {
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_diagnosis(
        &mut self,
        id: &str,
        territory: &str,
        period: (&str, &str),
        questionnaire: &str,
        prefill: &str,
        by: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO diagnoses (id, territory_code, period_from, period_to, questionnaire, status, prefill, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8)",
        )
        .bind(id)
        .bind(territory)
        .bind(period.0)
        .bind(period.1)
        .bind(questionnaire)
        .bind(prefill)
        .bind(by)
        .bind(now_ms)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    pub async fn insert_diagnosis_section(
        &mut self,
        diagnosis: &str,
        area: &str,
        organisation: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO diagnosis_sections (diagnosis_id, area, organisation, status) VALUES ($1, $2, $3, 'assigned')",
        )
        .bind(diagnosis)
        .bind(area)
        .bind(organisation)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// Saves a section's answers (and its status) if still at `version`.
    #[allow(clippy::too_many_arguments)]
    pub async fn save_diagnosis_section(
        &mut self,
        diagnosis: &str,
        area: &str,
        answers: &str,
        status: &str,
        version: i64,
        by: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE diagnosis_sections SET answers = $3, status = $4, updated_by = $5, updated_at = $6, version = version + 1
             WHERE diagnosis_id = $1 AND area = $2 AND version = $7",
        )
        .bind(diagnosis)
        .bind(area)
        .bind(answers)
        .bind(status)
        .bind(by)
        .bind(now_ms)
        .bind(version)
        .execute(&mut *self.inner)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Moves a diagnosis from `from` to `to` (setting its priorities when given) if still
    /// at `version`.
    #[allow(clippy::too_many_arguments)]
    pub async fn step_diagnosis(
        &mut self,
        id: &str,
        from: &str,
        to: &str,
        priorities: Option<&str>,
        version: i64,
        by: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let who = match to {
            "consolidated" => "consolidated_by = $5, consolidated_at = $6",
            "approved" => "approved_by = $5, approved_at = $6",
            _ => return Err(StoreError::Corrupt("an unknown diagnosis step")),
        };
        let done = sqlx::query(&format!(
            "UPDATE diagnoses SET status = $2, priorities = COALESCE($3, priorities), {who}, version = version + 1
             WHERE id = $1 AND status = $4 AND version = $7"
        ))
        .bind(id)
        .bind(to)
        .bind(priorities)
        .bind(from)
        .bind(by)
        .bind(now_ms)
        .bind(version)
        .execute(&mut *self.inner)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn insert_action_plan(&mut self, p: &PlanRecord, by: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO action_plans (id, territory_code, plan_version, revises, diagnosis_id, first_year, last_year, title, status, document, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $10, $11)",
        )
        .bind(&p.id)
        .bind(&p.territory)
        .bind(p.plan_version)
        .bind(&p.revises)
        .bind(&p.diagnosis_id)
        .bind(p.first_year)
        .bind(p.last_year)
        .bind(&p.title)
        .bind(&p.document)
        .bind(by)
        .bind(p.created_at)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// Replaces a draft's document if still at `version`.
    pub async fn save_plan_document(
        &mut self,
        id: &str,
        document: &str,
        version: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE action_plans SET document = $2, version = version + 1 WHERE id = $1 AND version = $3 AND status = 'draft'",
        )
        .bind(id)
        .bind(document)
        .bind(version)
        .execute(&mut *self.inner)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Approves a draft (with the meeting that did) and supersedes the version it
    /// revises.
    pub async fn approve_plan(
        &mut self,
        p: &PlanRecord,
        meeting: &str,
        version: i64,
        by: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE action_plans SET status = 'approved', meeting_id = $2, approved_by = $3, approved_at = $4, version = version + 1
             WHERE id = $1 AND version = $5 AND status = 'draft'",
        )
        .bind(&p.id)
        .bind(meeting)
        .bind(by)
        .bind(now_ms)
        .bind(version)
        .execute(&mut *self.inner)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE action_plans SET status = 'superseded', version = version + 1
             WHERE territory_code = $1 AND status = 'approved' AND id <> $2",
        )
        .bind(&p.territory)
        .bind(&p.id)
        .execute(&mut *self.inner)
        .await?;
        Ok(true)
    }

    pub async fn insert_progress(
        &mut self,
        territory: &str,
        p: &ProgressRecord,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO action_progress (id, territory_code, action_key, plan_id, at, by_user, percent, spent, note, evidence)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&p.id)
        .bind(territory)
        .bind(&p.action_key)
        .bind(&p.plan_id)
        .bind(p.at)
        .bind(&p.by)
        .bind(p.percent)
        .bind(p.spent)
        .bind(&p.note)
        .bind(&p.evidence)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// Marks a progress entry reviewed, once.
    pub async fn review_progress(
        &mut self,
        id: &str,
        territory: &str,
        note: &str,
        by: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE action_progress SET reviewed_by = $3, reviewed_at = $4, review_note = $5
             WHERE id = $1 AND territory_code = $2 AND reviewed_at IS NULL",
        )
        .bind(id)
        .bind(territory)
        .bind(by)
        .bind(now_ms)
        .bind(note)
        .execute(&mut *self.inner)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
