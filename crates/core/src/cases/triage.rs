//! Triage: a complete report is linked to a child (one already known, or a new one
//! whose identity is sealed from the report) and the case is opened, in one
//! transaction: the child, the case's number, the case and its concerns, its first
//! move, the report's link and the audit entry.

use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::access::Decision;
use awladna_domain::child::{birth_year, case_number, concerns, identity};
use awladna_domain::forms::{Problem, local_zone};
use awladna_domain::pathway::Stage;
use awladna_store::cases::{CaseMove, CaseRecord, NewChild};
use awladna_store::keys::sealed_aad;
use serde_json::{Map, Value, json};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum TriageError {
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A draft report is completed before it is triaged.
    #[error("the report is a draft")]
    Draft,
    /// Either a known child or a new one, not both nor neither.
    #[error("name a child or ask for a new one")]
    ChildOrNew,
    /// The report was triaged already (perhaps a moment ago, by someone else).
    #[error("the report is triaged already")]
    AlreadyTriaged,
}

crate::wraps_core_error!(TriageError);

/// The child a report is about.
pub enum ChildChoice {
    Existing(String),
    New,
}

impl ChildChoice {
    /// The choice a request makes: a child's id, or a new child.
    pub fn from_request(child_id: Option<String>, new_child: bool) -> Option<ChildChoice> {
        match (child_id, new_child) {
            (Some(id), false) => Some(ChildChoice::Existing(id)),
            (None, true) => Some(ChildChoice::New),
            _ => None,
        }
    }
}

/// Links a report to a known child or a new one and opens the case.
pub async fn triage(
    core: &Core,
    permit: &Permit<act::Triage>,
    report_id: &str,
    child: Option<ChildChoice>,
) -> Result<CaseRecord, TriageError> {
    let reader = permit.also::<act::ReadReport>()?;
    let opened = crate::reports::open(core, &reader, report_id).await?;
    let card = &opened.card;
    if permit.decide_on(&card.territory) != Decision::Allow {
        return Err(CoreError::NotFound.into());
    }
    if !card.complete {
        return Err(TriageError::Draft);
    }
    let child = match child.ok_or(TriageError::ChildOrNew)? {
        ChildChoice::Existing(id) => match core.store.child_territory(&id).await? {
            Some(territory) if permit.actor().covers(&territory) => ChildChoice::Existing(id),
            _ => return Err(CoreError::field("child_id", Problem::UnknownCode).into()),
        },
        ChildChoice::New => ChildChoice::New,
    };
    open_case(
        core,
        permit,
        &card.id,
        &card.territory,
        &opened.values,
        child,
    )
    .await
}

/// Opens the case in one transaction; `AlreadyTriaged` if the report was linked
/// meanwhile.
async fn open_case(
    core: &Core,
    permit: &Permit<act::Triage>,
    card_id: &str,
    territory: &str,
    values: &Map<String, Value>,
    child: ChildChoice,
) -> Result<CaseRecord, TriageError> {
    let who = permit.who();
    let now = core.now_ms();
    let year = core.clock.now().to_zoned(local_zone()).year();
    let hcp = core
        .reference
        .territory(territory)
        .map(|t| t.hcp_code.clone())
        .unwrap_or_default();
    let (child_id, new) = match child {
        ChildChoice::Existing(id) => (id, false),
        ChildChoice::New => (uuid::Uuid::now_v7().to_string(), true),
    };
    let sealed_identity = match new {
        true => Some(core.keyring.seal_json(
            &Value::Object(identity(values)),
            &sealed_aad("children", "identity", &child_id),
        )?),
        false => None,
    };
    let sex = values
        .get("child.sex")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    let mut tx = core.store.begin().await?;
    if new {
        tx.insert_child(&NewChild {
            id: &child_id,
            territory,
            sex,
            birth_year: birth_year(values),
            identity: sealed_identity.as_deref(),
            at_ms: now,
        })
        .await?;
        let tokens = crate::children::report_tokens(core, values);
        tx.insert_name_tokens(&child_id, territory, &tokens).await?;
    } else if let Some(commune) = crate::children::report_commune_token(core, values) {
        // A search by the commune of a later report finds the child too.
        tx.insert_name_tokens(&child_id, territory, &[commune])
            .await?;
    }
    let sequence = tx.next_case_number(territory, i64::from(year)).await?;
    let case = CaseRecord {
        id: uuid::Uuid::now_v7().to_string(),
        number: case_number(&hcp, year, sequence),
        child_id: child_id.clone(),
        territory: territory.to_owned(),
        stage: Stage::Detection.code().to_owned(),
        risk: values
            .get("urgency")
            .and_then(Value::as_str)
            .map(str::to_owned),
        opened_at: now,
        closed_at: None,
        version: 1,
        // Whoever triages follows the case until a coordinator assigns it elsewhere.
        assigned_to: who.user_id().map(str::to_owned),
    };
    tx.insert_case(&case, &who.audit_name).await?;
    tx.insert_case_concerns(&case.id, &concerns(values)).await?;
    let move_id = uuid::Uuid::now_v7().to_string();
    tx.move_case(&CaseMove {
        case_id: &case.id,
        version: 1,
        from: None,
        to: Stage::Detection.code(),
        move_id: &move_id,
        at_ms: now,
        by: &who.audit_name,
        reason: None,
        closure_reason: None,
    })
    .await?;
    if !tx.link_card(card_id, &child_id, &case.id).await? {
        return Err(TriageError::AlreadyTriaged);
    }
    tx.audit(who.audit(
        core.now_ms(),
        "case.opened",
        ("case", &case.id),
        &case.territory,
        json!({"report": card_id, "new_child": new}),
    ))
    .await?;
    tx.commit().await?;
    Ok(case)
}

/// How many waiting reports the list opens at most.
pub const WAITING_SHOWN: i64 = 200;

/// A report waiting for triage, as the triage list shows it.
#[derive(Clone)]
pub struct Waiting {
    pub id: String,
    pub recorded_at: i64,
    pub urgency: Option<String>,
    pub source: Option<String>,
    pub first_name: Option<String>,
    pub age_years: Option<i64>,
}

/// The province's complete reports that no one has triaged yet, the most urgent first
/// and, within an urgency, the oldest first; and the oldest of all (the list's order
/// must not hide it).
pub async fn waiting(
    core: &Core,
    permit: &Permit<act::Triage>,
) -> Result<(Vec<Waiting>, Option<Waiting>), CoreError> {
    let territory = permit
        .actor()
        .territory
        .as_deref()
        .ok_or(CoreError::NotFound)?;
    let today = core.clock.now().to_zoned(local_zone()).date();
    let mut waiting = Vec::new();
    for card in core.store.waiting_reports(territory, WAITING_SHOWN).await? {
        let values = core.card_values(&card)?;
        let text = |code: &str| values.get(code).and_then(Value::as_str).map(str::to_owned);
        let age_years = values
            .get("child.age_years")
            .and_then(Value::as_i64)
            .or_else(|| {
                let born: jiff::civil::Date = text("child.birth_date")?.parse().ok()?;
                Some(i64::from(
                    born.until((jiff::Unit::Year, today)).ok()?.get_years(),
                ))
            });
        waiting.push(Waiting {
            id: card.id,
            recorded_at: card.created_at,
            urgency: text("urgency"),
            source: text("source"),
            first_name: text("child.first_name"),
            age_years,
        });
    }
    let oldest = waiting.first().cloned();
    // The urgency vocabulary lists the most urgent first; an unknown code goes last.
    let order = core.reference.vocabulary("urgency");
    let rank = |w: &Waiting| {
        order
            .and_then(|v| {
                let code = w.urgency.as_deref()?;
                v.terms.iter().position(|t| t.code == code)
            })
            .unwrap_or(usize::MAX)
    };
    waiting.sort_by_key(|w| (rank(w), w.recorded_at));
    Ok((waiting, oldest))
}
