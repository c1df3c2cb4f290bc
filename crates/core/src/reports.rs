//! Reporting cards (بطاقة التبليغ): record one (a draft or complete) and open one for
//! a reader. Personal values are sealed before they are stored; every creation and
//! every read of an identifying card is audited; a retried request with the same
//! idempotency key stores the card once.

use crate::once::{self, Kept};
use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::access::{Decision, decide_report_read};
use awladna_domain::forms::{Completeness, Problem};
use awladna_store::cards::{CardRecord, NewCard};
use serde_json::{Map, Value, json};
use thiserror::Error;

pub const FORM: &str = "report";
pub const MAX_IDEMPOTENCY_KEY: usize = once::MAX_KEY;

#[derive(Debug, Error)]
pub enum RecordError {
    #[error(transparent)]
    Core(#[from] CoreError),
    /// The card names a province outside the author's.
    #[error("the report is for another province")]
    OtherTerritory,
}

crate::wraps_core_error!(RecordError);

pub struct Recorded {
    pub id: String,
    pub complete: bool,
    /// The same submission came before: this is the card it stored.
    pub repeated: bool,
}

/// Checks, seals, stores and audits a reporting card.
pub async fn record(
    core: &Core,
    permit: &Permit<act::RecordReport>,
    input: &Value,
    completeness: Completeness,
    idempotency_key: Option<&str>,
) -> Result<Recorded, RecordError> {
    let who = permit.who();
    if let Some(id) = once::stored_before(core, who, Kept::Card, idempotency_key).await? {
        return Ok(stored(core, &id).await?);
    }
    let form = core
        .reference
        .form(FORM)
        .ok_or_else(|| CoreError::internal("the report form is missing"))?;
    let card = form
        .check(input, completeness, &core.reference, core.clock.now())
        .map_err(CoreError::Invalid)?;
    // A draft may lack the territory: it is then recorded in the author's own.
    let territory = card
        .values
        .get("territory")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| who.actor.territory.clone())
        .ok_or_else(|| CoreError::field("territory", Problem::Required))?;
    // Another province's report is refused as such: the author named the province.
    if permit.decide_on(&territory) != Decision::Allow {
        return Err(RecordError::OtherTerritory);
    }
    let id = uuid::Uuid::now_v7().to_string();
    let (public, personal) = card.split(form);
    let sealed = core.seal_card(&id, &personal)?;
    let at_ms = core.now_ms();
    let new = NewCard {
        id: &id,
        form_code: &card.form_code,
        form_version: card.form_version,
        territory: &territory,
        complete: card.complete,
        data: &public.to_string(),
        sealed: sealed.as_deref(),
        created_by: &who.audit_name,
        organisation: who.organisation(),
        case: None,
        at_ms,
    };
    let detail =
        json!({"form": card.form_code, "version": card.form_version, "complete": card.complete});
    let result = async {
        let mut tx = core.store.begin().await?;
        tx.insert_card(&new).await?;
        once::remember(&mut tx, who, Kept::Card, idempotency_key, &id, at_ms).await?;
        tx.audit(who.audit(at_ms, "report.created", ("card", &id), &territory, detail))
            .await?;
        tx.commit().await
    }
    .await;
    match result {
        Ok(()) => Ok(Recorded {
            id,
            complete: card.complete,
            repeated: false,
        }),
        // The same key arrived twice at once: the first one stored the card.
        Err(e) => {
            let existing = once::after_failure(core, who, Kept::Card, idempotency_key, e).await?;
            Ok(stored(core, &existing).await?)
        }
    }
}

/// The answer to a retry: the card already stored.
async fn stored(core: &Core, id: &str) -> Result<Recorded, CoreError> {
    match core.store.card(id).await? {
        Some(card) => Ok(Recorded {
            id: card.id,
            complete: card.complete,
            repeated: true,
        }),
        None => Err(CoreError::internal(
            "an idempotency key names a missing card",
        )),
    }
}

/// A card opened for a reader: its record and all its values.
pub struct OpenedCard {
    pub card: CardRecord,
    pub values: Map<String, Value>,
}

/// Opens a reporting card for the caller, auditing the read before it is answered.
pub async fn open(
    core: &Core,
    permit: &Permit<act::ReadReport>,
    id: &str,
) -> Result<OpenedCard, CoreError> {
    let card = match core.store.card(id).await? {
        Some(card) if card.form_code == FORM => card,
        _ => return Err(CoreError::NotFound),
    };
    let decision = core
        .with_grant(
            permit,
            &card.id,
            decide_report_read(
                permit.actor(),
                &card.territory,
                card.organisation.as_deref(),
            ),
        )
        .await?;
    crate::error::allowed(decision)?;
    let values = core.card_values(&card)?;
    let entry = permit.who().audit(
        core.now_ms(),
        "report.read",
        ("card", &card.id),
        &card.territory,
        json!({}),
    );
    core.audit_alone(entry).await?;
    Ok(OpenedCard { card, values })
}
