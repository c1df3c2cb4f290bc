//! Cards recorded on a case after triage — the follow-up card (بطاقة التتبع), the child's
//! situation, and the entries of the social, medical-psychological and judicial files —
//! through one path: the case is found, the policy asked (a file's part decides who may
//! write and read it), a closed case refused, the answers checked by the form engine,
//! personal values sealed, the card stored with an audit entry.

use crate::cases::{CaseError, Use};
use crate::once::{self, Kept};
use crate::permit::act;
use crate::{Core, CoreError, Permit, Who};
use awladna_domain::access::Action;
use awladna_domain::files::FilePart;
use awladna_domain::forms::{CheckedCard, Completeness, Form};
use awladna_store::cards::{CardRecord, NewCard};
use awladna_store::cases::CaseRecord;
use awladna_store::keys::sealed_aad;
use serde_json::{Map, Value, json};

/// Forms recorded on a case that belong to no file part (those with a part are the
/// files' entries, recorded the same way).
pub const CASE_FORMS: [&str; 3] = [
    "followup",
    "child_profile",
    awladna_domain::plan_review::FORM,
];

/// A checked card ready to store: its id, the values kept in clear and the sealed ones.
pub struct SealedCard {
    pub id: String,
    pub data: Value,
    pub sealed: Vec<u8>,
}

impl Core {
    /// A form that is recorded on a case, and the actions to write and to read it.
    pub fn case_form(&self, code: &str) -> Option<(&Form, Action, Action)> {
        let form = self.reference.form(code)?;
        match form.part {
            Some(part) => Some((form, Action::WriteFile(part), Action::ReadFile(part))),
            None if CASE_FORMS.contains(&code) => {
                Some((form, Action::WorkOnCase, Action::ReadCase))
            }
            None => None,
        }
    }

    /// The form whose cards are the entries of a file.
    pub fn entry_form(&self, part: FilePart) -> Option<&Form> {
        self.reference.forms().find(|f| f.part == Some(part))
    }

    /// Seals a checked card's personal values under a new id.
    pub fn seal_checked(&self, form: &Form, card: &CheckedCard) -> Result<SealedCard, CoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        let (data, personal) = card.split(form);
        let sealed = self
            .keyring
            .seal_json(&personal, &sealed_aad("cards", "sealed", &id))?;
        Ok(SealedCard { id, data, sealed })
    }
}

/// The card row of a sealed card recorded on `case` by `who`.
pub fn case_card<'a>(
    sealed: &'a SealedCard,
    data: &'a str,
    card: &'a CheckedCard,
    case: &'a CaseRecord,
    who: &'a Who,
    at_ms: i64,
) -> NewCard<'a> {
    NewCard {
        id: &sealed.id,
        form_code: &card.form_code,
        form_version: card.form_version,
        territory: &case.territory,
        complete: card.complete,
        data,
        sealed: Some(&sealed.sealed),
        created_by: &who.audit_name,
        organisation: who.organisation(),
        case: Some((&case.id, &case.child_id)),
        at_ms,
    }
}

/// A card recorded on a case.
pub struct RecordedCard {
    pub id: String,
    pub case_id: String,
    /// The same submission came before (its key): this is the card it stored.
    pub repeated: bool,
}

/// Checks, seals, stores and audits a card of `form_code` on an open case. The route
/// asked for case work; a file's entry also needs that file's writing right. A
/// submission whose `key` was seen stores nothing and answers with the card it stored.
pub async fn record(
    core: &Core,
    permit: &Permit<act::WorkOnCase>,
    case_id: &str,
    form_code: &str,
    input: &Value,
    key: Option<&str>,
) -> Result<RecordedCard, CaseError> {
    let (form, write, _) = core.case_form(form_code).ok_or(CoreError::NotFound)?;
    let who = permit.who();
    let case = core.case_for(who, case_id, write, Use::Change).await?;
    record_on(core, who, case, form, input, key).await
}

/// Checks, seals and stores a card on a case the caller found and may write on.
pub(crate) async fn record_on(
    core: &Core,
    who: &Who,
    case: CaseRecord,
    form: &Form,
    input: &Value,
    key: Option<&str>,
) -> Result<RecordedCard, CaseError> {
    if let Some(id) = once::stored_before(core, who, Kept::Card, key).await? {
        return Ok(RecordedCard {
            id,
            case_id: case.id,
            repeated: true,
        });
    }
    let card = form
        .check(
            input,
            Completeness::Complete,
            &core.reference,
            core.clock.now(),
        )
        .map_err(CoreError::Invalid)?;
    let sealed = core.seal_checked(form, &card)?;
    let now = core.now_ms();
    let data = sealed.data.to_string();
    let new = case_card(&sealed, &data, &card, &case, who, now);
    let stored = async {
        let mut tx = core.store.begin().await?;
        tx.insert_card(&new).await?;
        once::remember(&mut tx, who, Kept::Card, key, &sealed.id, now).await?;
        tx.audit(who.audit(
            now,
            "case.card_recorded",
            ("case", &case.id),
            &case.territory,
            json!({"card": sealed.id, "form": form.code}),
        ))
        .await?;
        tx.commit().await
    }
    .await;
    let (id, repeated) = match stored {
        Ok(()) => (sealed.id.clone(), false),
        Err(e) => (
            once::after_failure(core, who, Kept::Card, key, e).await?,
            true,
        ),
    };
    Ok(RecordedCard {
        id,
        case_id: case.id,
        repeated,
    })
}

/// A stored card with all its values opened.
pub type OpenedCards = Vec<(CardRecord, Map<String, Value>)>;

/// The cards of one form on a case, opened for a reader allowed to see them (a file's
/// entries need that file's reading right); the read is audited.
pub async fn read(
    core: &Core,
    permit: &Permit<act::ReadCase>,
    case_id: &str,
    form_code: &str,
) -> Result<(CaseRecord, OpenedCards), CaseError> {
    let (_, _, read) = core.case_form(form_code).ok_or(CoreError::NotFound)?;
    let who = permit.who();
    let case = core.case_for(who, case_id, read, Use::Read).await?;
    let mut opened = Vec::new();
    for card in core.store.case_cards_of_form(&case.id, form_code).await? {
        let values = core.card_values(&card)?;
        opened.push((card, values));
    }
    let entry = who.audit(
        core.now_ms(),
        "case.cards_read",
        ("case", &case.id),
        &case.territory,
        json!({"form": form_code}),
    );
    core.audit_alone(entry).await?;
    Ok((case, opened))
}

/// The newest `limit` cards of a form on a case the caller opened (the case's read is
/// the audited one), and whether there are more.
pub async fn recent(
    core: &Core,
    opened: &crate::cases::read::OpenedCase,
    form_code: &str,
    limit: usize,
) -> Result<(OpenedCards, bool), CoreError> {
    let cards = core
        .store
        .case_cards_of_form(&opened.case.id, form_code)
        .await?;
    let more = cards.len() > limit;
    let mut shown = Vec::new();
    for card in cards.into_iter().take(limit) {
        let values = core.card_values(&card)?;
        shown.push((card, values));
    }
    Ok((shown, more))
}

/// One card of a case, opened for its reader, with who recorded it.
pub struct CaseCard {
    pub case: CaseRecord,
    pub card: CardRecord,
    pub values: Map<String, Value>,
    /// The username of the person who recorded it (a machine client's name as the audit
    /// log has it).
    pub author: Option<String>,
}

/// Opens one card recorded on a case for a reader of the case (a break-glass grant
/// counts): a file's entry needs that file's reading right, and a card of another case
/// or one the reader may not know of is not found. The read is audited.
pub async fn read_one(
    core: &Core,
    permit: &Permit<act::ReadCase>,
    case_id: &str,
    card_id: &str,
) -> Result<CaseCard, CaseError> {
    let case = core.store.case(case_id).await?.ok_or(CoreError::NotFound)?;
    let decision = permit.decide_on(&case.territory);
    crate::error::allowed(core.with_grant(permit, &case.id, decision).await?)?;
    let card = core
        .store
        .card(card_id)
        .await?
        .filter(|c| c.case_id.as_deref() == Some(case.id.as_str()))
        .ok_or(CoreError::NotFound)?;
    // The same rule as the timeline's: an entry of a file the reader may not open is
    // not theirs to know of.
    let part = core.reference.form(&card.form_code).and_then(|f| f.part);
    if part.is_some_and(|p| {
        awladna_domain::access::decide(
            Some(permit.actor()),
            Action::ReadFile(p),
            Some(&case.territory),
        ) != awladna_domain::access::Decision::Allow
    }) {
        return Err(CoreError::NotFound.into());
    }
    let values = core.card_values(&card)?;
    let author = match &card.created_by {
        Some(id) => Some(
            core.store
                .user_by_id(id)
                .await?
                .map_or_else(|| id.clone(), |u| u.username),
        ),
        None => None,
    };
    let entry = permit.who().audit(
        core.now_ms(),
        "case.card_read",
        ("case", &case.id),
        &case.territory,
        json!({"card": card.id, "form": card.form_code}),
    );
    core.audit_alone(entry).await?;
    Ok(CaseCard {
        case,
        card,
        values,
        author,
    })
}
