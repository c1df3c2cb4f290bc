//! Reporting cards (بطاقة التبليغ): record one (a draft or complete) and open one for
//! a reader. Personal values are sealed before they are stored; every creation and
//! every read of an identifying card is audited; a retried request with the same
//! idempotency key stores the card once.

use crate::once::{self, Kept};
use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::access::{Decision, decide_draft_edit, decide_report_read};
use awladna_domain::forms::{CheckedCard, Completeness, Problem};
use awladna_store::StoreError;
use awladna_store::cards::{CardRecord, CardVersion, DraftEdit, NewCard, version_id};
use awladna_store::keys::sealed_aad;
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
    record_from(core, permit, input, completeness, idempotency_key, None).await
}

/// The actions that record a reporting card: in Awladna's codes, or from another
/// system's record through its adapter (issue 17: the Observatory's).
pub trait RecordsReports: crate::Act {}
impl RecordsReports for act::RecordReport {}
impl RecordsReports for act::ObservatoryIntake {}

/// `record`, for any action that records reports; `origin` is what another system's
/// adapter stores beside the card, in the card's transaction (the Observatory's record
/// id and tracking number).
pub async fn record_from<A: RecordsReports>(
    core: &Core,
    permit: &Permit<A>,
    input: &Value,
    completeness: Completeness,
    idempotency_key: Option<&str>,
    origin: Option<&crate::observatory::Origin<'_>>,
) -> Result<Recorded, RecordError> {
    let who = permit.who();
    if let Some(id) = once::stored_before(core, who, Kept::Card, idempotency_key).await? {
        return Ok(stored(core, &id).await?);
    }
    let (card, territory, public, personal) = checked(core, permit, input, completeness)?;
    let id = uuid::Uuid::now_v7().to_string();
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
        if let Some(origin) = origin {
            crate::observatory::store_origin(&mut tx, origin, &id, &territory, at_ms).await?;
        }
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

/// A submission checked by the report form: the card, its province (a draft may lack
/// it: it is then the author's own), its clear values and its personal ones.
fn checked<A: RecordsReports>(
    core: &Core,
    permit: &Permit<A>,
    input: &Value,
    completeness: Completeness,
) -> Result<(CheckedCard, String, Value, Value), RecordError> {
    let form = core
        .reference
        .form(FORM)
        .ok_or_else(|| CoreError::internal("the report form is missing"))?;
    let card = form
        .check(input, completeness, &core.reference, core.clock.now())
        .map_err(CoreError::Invalid)?;
    let territory = card
        .values
        .get("territory")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| permit.actor().territory.clone())
        .ok_or_else(|| CoreError::field("territory", Problem::Required))?;
    // Another province's report is refused as such: the author named the province.
    if permit.decide_on(&territory) != Decision::Allow {
        return Err(RecordError::OtherTerritory);
    }
    let (public, personal) = card.split(form);
    Ok((card, territory, public, personal))
}

#[derive(Debug, Error)]
pub enum EditError {
    #[error(transparent)]
    Record(#[from] RecordError),
    /// The report is complete (or triaged) already: it is no longer a draft.
    #[error("the report is no longer a draft")]
    NotDraft,
}

impl From<CoreError> for EditError {
    fn from(e: CoreError) -> Self {
        EditError::Record(RecordError::Core(e))
    }
}

impl From<StoreError> for EditError {
    fn from(e: StoreError) -> Self {
        CoreError::from(e).into()
    }
}

/// A draft after an edit: still a draft, or complete (then waiting for triage).
pub struct Edited {
    pub id: String,
    pub complete: bool,
    pub version: i64,
}

/// Edits a draft reporting card as of `version` (the one its editor read; another is
/// `CoreError::Stale`): the new
/// values replace the old ones, which are kept as a version; `Complete` completeness
/// finishes it. The id stays, and so do the idempotency keys that named it.
pub async fn edit(
    core: &Core,
    permit: &Permit<act::RecordReport>,
    id: &str,
    input: &Value,
    completeness: Completeness,
    version: i64,
) -> Result<Edited, EditError> {
    let who = permit.who();
    let card = match core.store.card(id).await? {
        Some(card) if card.form_code == FORM => card,
        _ => return Err(CoreError::NotFound.into()),
    };
    let decision = decide_draft_edit(
        permit.actor(),
        &card.territory,
        card.organisation.as_deref(),
        card.created_by.as_deref(),
    );
    crate::error::allowed(decision)?;
    if card.complete || card.case_id.is_some() {
        return Err(EditError::NotDraft);
    }
    if card.version != version {
        return Err(CoreError::Stale.into());
    }
    let (checked, territory, public, personal) = checked(core, permit, input, completeness)?;
    let previous = match card.sealed {
        Some(_) => Some(
            core.keyring
                .seal_json(
                    &Value::Object(personal_values(core, &card)?),
                    &sealed_aad(
                        "card_versions",
                        "sealed",
                        &version_id(&card.id, card.version),
                    ),
                )
                .map_err(CoreError::from)?,
        ),
        None => None,
    };
    let sealed = core.seal_card(&card.id, &personal)?;
    let at_ms = core.now_ms();
    let data = public.to_string();
    let edit = DraftEdit {
        id: &card.id,
        expected_version: version,
        territory: &territory,
        complete: checked.complete,
        data: &data,
        sealed: sealed.as_deref(),
        previous_sealed: previous.as_deref(),
        by: &who.audit_name,
        at_ms,
    };
    let mut tx = core.store.begin().await?;
    if !tx.replace_draft(&edit).await? {
        return Err(CoreError::Stale.into());
    }
    let detail = json!({"version": version + 1, "complete": checked.complete});
    tx.audit(who.audit(
        at_ms,
        "report.edited",
        ("card", &card.id),
        &territory,
        detail,
    ))
    .await?;
    tx.commit().await?;
    Ok(Edited {
        id: card.id,
        complete: checked.complete,
        version: version + 1,
    })
}

/// A card's sealed values alone, opened.
fn personal_values(core: &Core, card: &CardRecord) -> Result<Map<String, Value>, CoreError> {
    let public: Map<String, Value> = serde_json::from_str(&card.data).unwrap_or_default();
    let mut values = core.card_values(card)?;
    values.retain(|k, _| !public.contains_key(k));
    Ok(values)
}

/// The versions a draft replaced, oldest first, for a reader of the report.
pub async fn versions(core: &Core, opened: &OpenedCard) -> Result<Vec<CardVersion>, CoreError> {
    Ok(core.store.card_versions(&opened.card.id).await?)
}

/// How many abandoned drafts a list shows at most.
pub const ABANDONED_LIMIT: i64 = 200;

/// The draft reports of the coordinator's province untouched for longer than the
/// reference set's delay (`reports/drafts.toml`), oldest first.
pub async fn abandoned(
    core: &Core,
    permit: &Permit<act::ViewAlerts>,
) -> Result<Vec<CardRecord>, CoreError> {
    let Some(territory) = permit.actor().territory.as_deref() else {
        return Ok(Vec::new());
    };
    let before = core.reference.drafts().abandoned_before_ms(core.now_ms());
    Ok(core
        .store
        .abandoned_drafts(territory, before, ABANDONED_LIMIT)
        .await?)
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
