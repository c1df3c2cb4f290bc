//! What the receiving services add to a child's file through their linking cards: the
//! entries and documents (rows of `cards` and `documents` that name the referral and
//! the service), and the services' answers. Outcomes arrive sealed.

use crate::audit::Tx;
use crate::{Store, StoreError};
use sqlx::Row;

/// An entry or a document a service added to a case, as the case's timeline lists it.
pub struct Contribution {
    pub id: String,
    /// `card` or `document`.
    pub kind: &'static str,
    /// The entry's form, or the document's kind.
    pub code: String,
    /// The document's file part (an entry's is its form's).
    pub part: Option<String>,
    pub organisation: String,
    pub referral_id: String,
    pub at_ms: i64,
}

pub struct NewAnswer<'a> {
    pub id: &'a str,
    pub referral_id: &'a str,
    pub organisation: &'a str,
    /// Codes of the stage's service basket, a JSON list.
    pub services: &'a str,
    /// `YYYY-MM-DD`.
    pub appointment_date: Option<&'a str>,
    /// Sealed with the AAD `referral_answers/outcome/{id}`.
    pub outcome: &'a [u8],
    pub document_id: Option<&'a str>,
    pub by: &'a str,
    pub at_ms: i64,
}

/// A stored answer; its outcome is still sealed (no `Debug`).
pub struct AnswerRecord {
    pub id: String,
    pub organisation: String,
    pub services: String,
    pub appointment_date: Option<String>,
    pub outcome: Vec<u8>,
    pub document_id: Option<String>,
    pub answered_by: String,
    pub answered_at: i64,
}

impl Store {
    /// Everything the services added to a case through referrals, oldest first.
    pub async fn case_contributions(&self, case_id: &str) -> Result<Vec<Contribution>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, 'card' AS kind, form_code AS code, NULL AS part, organisation_code, referral_id, created_at AS at_ms
               FROM cards WHERE case_id = $1 AND referral_id IS NOT NULL
             UNION ALL
             SELECT id, 'document' AS kind, kind AS code, part, organisation_code, referral_id, uploaded_at AS at_ms
               FROM documents WHERE case_id = $1 AND referral_id IS NOT NULL
             ORDER BY at_ms, id",
        )
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok(Contribution {
                    id: r.try_get("id")?,
                    kind: if kind == "card" { "card" } else { "document" },
                    code: r.try_get("code")?,
                    part: r.try_get("part")?,
                    organisation: r
                        .try_get::<Option<String>, _>("organisation_code")?
                        .unwrap_or_default(),
                    referral_id: r.try_get("referral_id")?,
                    at_ms: r.try_get("at_ms")?,
                })
            })
            .collect()
    }

    /// A referral's answers, oldest first.
    pub async fn referral_answers(
        &self,
        referral_id: &str,
    ) -> Result<Vec<AnswerRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, organisation_code, services, appointment_date, outcome, document_id, answered_by, answered_at
               FROM referral_answers WHERE referral_id = $1 ORDER BY answered_at, id",
        )
        .bind(referral_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AnswerRecord {
                    id: r.try_get("id")?,
                    organisation: r.try_get("organisation_code")?,
                    services: r.try_get("services")?,
                    appointment_date: r.try_get("appointment_date")?,
                    outcome: r.try_get("outcome")?,
                    document_id: r.try_get("document_id")?,
                    answered_by: r.try_get("answered_by")?,
                    answered_at: r.try_get("answered_at")?,
                })
            })
            .collect()
    }
}

impl Tx<'_> {
    pub async fn insert_referral_answer(&mut self, a: &NewAnswer<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO referral_answers (id, referral_id, organisation_code, services, appointment_date, outcome, document_id, answered_by, answered_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(a.id)
        .bind(a.referral_id)
        .bind(a.organisation)
        .bind(a.services)
        .bind(a.appointment_date)
        .bind(a.outcome)
        .bind(a.document_id)
        .bind(a.by)
        .bind(a.at_ms)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }
}
