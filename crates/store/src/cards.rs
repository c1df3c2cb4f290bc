//! Cards of the pathway, whatever their form: the non-personal values in clear (JSON),
//! the personal ones sealed by the caller before they reach the store.

use crate::audit::Tx;
use crate::{Store, StoreError};
use sqlx::Row;

pub struct NewCard<'a> {
    pub id: &'a str,
    pub form_code: &'a str,
    pub form_version: u32,
    pub territory: &'a str,
    pub complete: bool,
    /// The non-personal values, as a JSON object.
    pub data: &'a str,
    /// The personal values, sealed with the AAD `cards/sealed/{id}`.
    pub sealed: Option<&'a [u8]>,
    pub created_by: &'a str,
    pub organisation: Option<&'a str>,
    /// The case and child the card belongs to, when it is recorded on a case.
    pub case: Option<(&'a str, &'a str)>,
    pub at_ms: i64,
}

/// A stored card; its personal values are still sealed (no `Debug`).
pub struct CardRecord {
    pub id: String,
    pub form_code: String,
    pub form_version: u32,
    pub territory: String,
    pub complete: bool,
    pub data: String,
    pub sealed: Option<Vec<u8>>,
    pub created_by: Option<String>,
    pub organisation: Option<String>,
    /// The case the card belongs to, once triaged.
    pub case_id: Option<String>,
    pub created_at: i64,
    /// The last edit (the creation, for a card never edited).
    pub updated_at: i64,
    pub version: i64,
}

/// A new content for a draft card, replacing the version its editor saw.
pub struct DraftEdit<'a> {
    pub id: &'a str,
    pub expected_version: i64,
    pub territory: &'a str,
    pub complete: bool,
    pub data: &'a str,
    /// The new personal values, sealed with the AAD `cards/sealed/{id}`.
    pub sealed: Option<&'a [u8]>,
    /// The replaced personal values, sealed with the AAD
    /// `card_versions/sealed/{version_id}` (see [`version_id`]).
    pub previous_sealed: Option<&'a [u8]>,
    pub by: &'a str,
    pub at_ms: i64,
}

/// The id of the row that keeps version `version` of card `card_id`.
pub fn version_id(card_id: &str, version: i64) -> String {
    format!("{card_id}:{version}")
}

/// A version a draft replaced.
pub struct CardVersion {
    pub version: i64,
    pub complete: bool,
    pub replaced_by: String,
    pub replaced_at: i64,
}

const CARD_COLUMNS: &str = "id, form_code, form_version, territory_code, complete, data, sealed, created_by, organisation_code, case_id, created_at, updated_at, version";

fn card_record(r: &sqlx::any::AnyRow) -> Result<CardRecord, StoreError> {
    Ok(CardRecord {
        id: r.try_get("id")?,
        form_code: r.try_get("form_code")?,
        form_version: u32::try_from(r.try_get::<i64, _>("form_version")?)
            .map_err(|_| StoreError::Corrupt("form version"))?,
        territory: r.try_get("territory_code")?,
        complete: r.try_get::<i64, _>("complete")? != 0,
        data: r.try_get("data")?,
        sealed: r.try_get("sealed")?,
        created_by: r.try_get("created_by")?,
        organisation: r.try_get("organisation_code")?,
        case_id: r.try_get("case_id")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

impl Store {
    pub async fn card(&self, id: &str) -> Result<Option<CardRecord>, StoreError> {
        let sql = format!("SELECT {CARD_COLUMNS} FROM cards WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(card_record).transpose()
    }

    /// The cards of one form recorded on a case, newest first.
    pub async fn case_cards_of_form(
        &self,
        case_id: &str,
        form_code: &str,
    ) -> Result<Vec<CardRecord>, StoreError> {
        let sql = format!(
            "SELECT {CARD_COLUMNS} FROM cards WHERE case_id = $1 AND form_code = $2 ORDER BY created_at DESC, id DESC"
        );
        let rows = sqlx::query(&sql)
            .bind(case_id)
            .bind(form_code)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(card_record).collect()
    }

    pub async fn reports_awaiting_triage(
        &self,
        territory: &str,
        limit: i64,
    ) -> Result<(Vec<(String, i64)>, i64), StoreError> {
        const WHERE: &str = "FROM cards WHERE form_code = 'report' AND complete = 1 AND case_id IS NULL AND territory_code = $1";
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {WHERE}"))
            .bind(territory)
            .fetch_one(&self.pool)
            .await?;
        let rows = sqlx::query(&format!(
            "SELECT id, created_at {WHERE} ORDER BY created_at LIMIT $2"
        ))
        .bind(territory)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let rows = rows
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("created_at")?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((rows, total))
    }

    /// The province's complete reports no one has triaged yet, oldest first, at most
    /// `limit` (the waiting list sorts them by urgency once opened).
    pub async fn waiting_reports(
        &self,
        territory: &str,
        limit: i64,
    ) -> Result<Vec<CardRecord>, StoreError> {
        let sql = format!(
            "SELECT {CARD_COLUMNS} FROM cards WHERE form_code = 'report' AND complete = 1 AND case_id IS NULL AND territory_code = $1 ORDER BY created_at, id LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(territory)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(card_record).collect()
    }

    /// The versions a draft replaced, oldest first: (version, replaced by, at).
    pub async fn card_versions(&self, card_id: &str) -> Result<Vec<CardVersion>, StoreError> {
        let rows = sqlx::query(
            "SELECT version, complete, replaced_by, replaced_at FROM card_versions WHERE card_id = $1 ORDER BY version",
        )
        .bind(card_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CardVersion {
                    version: r.try_get("version")?,
                    complete: r.try_get::<i64, _>("complete")? != 0,
                    replaced_by: r.try_get("replaced_by")?,
                    replaced_at: r.try_get("replaced_at")?,
                })
            })
            .collect()
    }

    /// The draft reporting cards of a province not touched since `before_ms` (and never
    /// triaged), oldest first: at most `limit`.
    pub async fn abandoned_drafts(
        &self,
        territory: &str,
        before_ms: i64,
        limit: i64,
    ) -> Result<Vec<CardRecord>, StoreError> {
        let sql = format!(
            "SELECT {CARD_COLUMNS} FROM cards WHERE territory_code = $1 AND complete = 0 AND form_code = 'report' AND case_id IS NULL AND updated_at < $2 ORDER BY updated_at, id LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(territory)
            .bind(before_ms)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(card_record).collect()
    }

    /// The cards an organisation added to a case through a referral, newest first.
    pub async fn referral_cards(
        &self,
        referral_id: &str,
        organisation: &str,
    ) -> Result<Vec<CardRecord>, StoreError> {
        let sql = format!(
            "SELECT {CARD_COLUMNS} FROM cards WHERE referral_id = $1 AND organisation_code = $2 ORDER BY created_at DESC, id DESC"
        );
        let rows = sqlx::query(&sql)
            .bind(referral_id)
            .bind(organisation)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(card_record).collect()
    }

    /// The card a retried request already stored, if this key was seen from this caller.
    pub async fn idempotent_card(
        &self,
        actor: &str,
        key: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar(
                "SELECT card_id FROM idempotency_keys WHERE actor = $1 AND key = $2",
            )
            .bind(actor)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?,
        )
    }
}

impl Tx<'_> {
    pub async fn insert_card(&mut self, card: &NewCard<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO cards (id, form_code, form_version, territory_code, complete, data, sealed, created_at, updated_at, created_by, organisation_code, case_id, child_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11, $12)",
        )
        .bind(card.id)
        .bind(card.form_code)
        .bind(i64::from(card.form_version))
        .bind(card.territory)
        .bind(i64::from(card.complete))
        .bind(card.data)
        .bind(card.sealed)
        .bind(card.at_ms)
        .bind(card.created_by)
        .bind(card.organisation)
        .bind(card.case.map(|c| c.0))
        .bind(card.case.map(|c| c.1))
        .execute(&mut *self.inner)
        .await?;
        if card.form_code == "report" {
            self.touch_report(card.id);
        }
        // Evaluations and follow-ups place the case's child on the outcomes' scale.
        if let Some((case_id, _)) = card.case.filter(|_| card.form_code != "report") {
            self.touch_case(case_id);
        }
        Ok(())
    }

    /// Replaces a draft's values if it is still the draft of `expected_version` (not
    /// completed, not triaged), keeping the version it replaced; false if it changed
    /// since.
    pub async fn replace_draft(&mut self, edit: &DraftEdit<'_>) -> Result<bool, StoreError> {
        let previous = sqlx::query(
            "SELECT complete, data FROM cards WHERE id = $1 AND version = $2 AND complete = 0 AND case_id IS NULL",
        )
        .bind(edit.id)
        .bind(edit.expected_version)
        .fetch_optional(&mut *self.inner)
        .await?;
        let Some(previous) = previous else {
            return Ok(false);
        };
        let updated = sqlx::query(
            "UPDATE cards SET complete = $1, data = $2, sealed = $3, territory_code = $4, updated_at = $5, version = version + 1
             WHERE id = $6 AND version = $7 AND complete = 0 AND case_id IS NULL",
        )
        .bind(i64::from(edit.complete))
        .bind(edit.data)
        .bind(edit.sealed)
        .bind(edit.territory)
        .bind(edit.at_ms)
        .bind(edit.id)
        .bind(edit.expected_version)
        .execute(&mut *self.inner)
        .await?;
        if updated.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO card_versions (id, card_id, version, complete, data, sealed, replaced_by, replaced_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(version_id(edit.id, edit.expected_version))
        .bind(edit.id)
        .bind(edit.expected_version)
        .bind(previous.try_get::<i64, _>("complete")?)
        .bind(previous.try_get::<String, _>("data")?)
        .bind(edit.previous_sealed)
        .bind(edit.by)
        .bind(edit.at_ms)
        .execute(&mut *self.inner)
        .await?;
        self.touch_report(edit.id);
        Ok(true)
    }

    /// Names the referral through which a service added a card to a case.
    pub async fn link_card_to_referral(
        &mut self,
        card_id: &str,
        referral_id: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE cards SET referral_id = $1 WHERE id = $2")
            .bind(referral_id)
            .bind(card_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    /// Remembers the key of a request; a concurrent twin fails here and is answered
    /// with the first one's card.
    pub async fn remember_idempotency(
        &mut self,
        actor: &str,
        key: &str,
        card_id: &str,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO idempotency_keys (actor, key, card_id, created_at) VALUES ($1, $2, $3, $4)")
            .bind(actor)
            .bind(key)
            .bind(card_id)
            .bind(at_ms)
            .execute(&mut *self.inner)
            .await
            .map_err(key_seen)?;
        Ok(())
    }
}

/// The submission keys of records other than cards (plan actions, linking cards).
impl Store {
    /// The record a repeated form already stored, if this key was seen from this actor.
    pub async fn submitted_record(
        &self,
        actor: &str,
        key: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT record_id FROM submission_keys WHERE actor = $1 AND key = $2",
        )
        .bind(actor)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?)
    }
}

impl Tx<'_> {
    /// Remembers a form's key with the record it stored; a concurrent twin fails here.
    pub async fn remember_submission(
        &mut self,
        actor: &str,
        key: &str,
        record_id: &str,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO submission_keys (actor, key, record_id, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(actor)
        .bind(key)
        .bind(record_id)
        .bind(at_ms)
        .execute(&mut *self.inner)
        .await
        .map_err(key_seen)?;
        Ok(())
    }
}

/// A key remembered twice: the twin request got there first.
fn key_seen(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate,
        _ => StoreError::Query(e),
    }
}
