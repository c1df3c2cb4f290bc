//! Offline field work (issue 16 §3): the copy of the cases a worker follows that a
//! phone keeps (encrypted there) to fill follow-up and evaluation cards without a link,
//! and the sync of such a card, which says what changed on the case since the copy was
//! taken. A card still valid is stored and the worker told what changed; a card no
//! longer valid (the case closed) is refused with the reason and stays on the phone to
//! be fixed or discarded. Nothing is resolved silently: no last write wins.

use crate::cases::{CaseError, Use};
use crate::once::{self, Kept};
use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::access::Action;
use awladna_domain::pathway::Stage;
use awladna_store::cases::CaseRecord;
use awladna_store::plan::OPEN_STATUSES;
use serde_json::{Value, json};

/// The forms a phone fills offline on a followed case.
pub const OFFLINE_CASE_FORMS: [&str; 2] = ["followup", crate::evaluations::FORM];

/// An open action of a case's plan, as the follow-up needs it.
pub struct CopiedAction {
    pub text: String,
    pub due_at: Option<i64>,
    pub status: String,
}

/// One followed case as the phone keeps it: only what the follow-up needs.
pub struct CopiedCase {
    pub id: String,
    pub number: String,
    pub first_name: String,
    pub stage: String,
    /// The date of the last follow-up contact (`YYYY-MM-DD`), if any.
    pub last_followup: Option<String>,
    pub actions: Vec<CopiedAction>,
    /// What a card filled from this copy is based on: the case's version.
    pub version: i64,
}

/// The copy of the open cases the caller follows, taken now (its time is the `at` of
/// the cards filled from it). The read is audited.
pub async fn offline_copy(
    core: &Core,
    permit: &Permit<act::WorkOnCase>,
) -> Result<(i64, Vec<CopiedCase>), CoreError> {
    let who = permit.who();
    let Some(user) = who.user_id() else {
        return Ok((core.now_ms(), Vec::new()));
    };
    let taken_at = core.now_ms();
    let mut cases = Vec::new();
    for id in core.store.followed_open_cases(user).await? {
        // Followed but moved out of the caller's reach: not copied.
        let case = match core.case_for(who, &id, Action::WorkOnCase, Use::Read).await {
            Ok(case) => case,
            Err(
                CaseError::Core(CoreError::Forbidden | CoreError::NotFound) | CaseError::Closed,
            ) => {
                continue;
            }
            Err(CaseError::Core(e)) => return Err(e),
        };
        cases.push(copied(core, case).await?);
    }
    let territory = who.actor.territory.clone().unwrap_or_default();
    let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    core.audit_alone(who.audit(
        taken_at,
        "field.copy_taken",
        ("user", user),
        &territory,
        json!({"cases": ids}),
    ))
    .await?;
    Ok((taken_at, cases))
}

async fn copied(core: &Core, case: CaseRecord) -> Result<CopiedCase, CoreError> {
    let first_name = match core.store.child_identity(&case.child_id).await? {
        Some((_, _, sealed)) => core
            .open_identity(&case.child_id, sealed.as_deref())?
            .get("first_name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        None => String::new(),
    };
    let last_followup = core
        .store
        .case_cards_of_form(&case.id, "followup")
        .await?
        .first()
        .and_then(|card| {
            let data: Value = serde_json::from_str(&card.data).ok()?;
            data.get("contact.date")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
    let records = core.store.plan_actions(&case.id).await?;
    let actions = crate::plan::open_actions(core, records)?
        .into_iter()
        .filter(|a| OPEN_STATUSES.contains(&a.record.status.as_str()))
        .map(|a| CopiedAction {
            text: a.field("plan.action"),
            due_at: a.record.due_at,
            status: a.record.status.clone(),
        })
        .collect();
    Ok(CopiedCase {
        id: case.id,
        number: case.number,
        first_name,
        stage: case.stage,
        last_followup,
        actions,
        version: case.version,
    })
}

/// What a queued card was filled from: the case's version in the copy and the copy's
/// time.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
pub struct BasedOn {
    pub version: i64,
    pub at: i64,
}

/// Something that happened on the case since the copy was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The case moved from one stage to another (to `closed`: it was closed).
    StageMoved { from: Option<String>, to: String },
    /// The case was given to someone else (or to nobody).
    Reassigned,
    /// Cards of these forms were recorded on the case by other people.
    OtherCards { forms: Vec<String> },
}

impl Change {
    pub fn code(&self) -> &'static str {
        match self {
            Change::StageMoved { .. } => "stage_moved",
            Change::Reassigned => "reassigned",
            Change::OtherCards { .. } => "other_cards",
        }
    }
}

/// What became of a card filled offline.
pub enum Synced {
    /// Stored (or stored before, by the same key), with what changed meanwhile.
    Stored {
        id: String,
        repeated: bool,
        changes: Vec<Change>,
    },
    /// Not stored: the card is no longer valid on the case (`case_closed`); it stays
    /// on the phone, to be fixed or discarded.
    Refused {
        reason: &'static str,
        changes: Vec<Change>,
    },
}

/// Stores a card of `form_code` filled offline on a followed case, or refuses it when
/// the case no longer takes it, saying in both cases what changed since `based_on`.
pub async fn sync_card(
    core: &Core,
    permit: &Permit<act::WorkOnCase>,
    case_id: &str,
    form_code: &str,
    input: &Value,
    key: Option<&str>,
    based_on: BasedOn,
) -> Result<Synced, CaseError> {
    if !OFFLINE_CASE_FORMS.contains(&form_code) {
        return Err(CoreError::NotFound.into());
    }
    let who = permit.who();
    let case = core
        .case_for(who, case_id, Action::WorkOnCase, Use::Read)
        .await?;
    // A card from a phone always carries its key: a retry must never store it twice.
    let Some(key) = once::usable(key) else {
        return Err(CoreError::Invalid(vec![awladna_domain::forms::FieldError {
            field: "idempotency-key".to_owned(),
            problem: awladna_domain::forms::Problem::Required,
        }])
        .into());
    };
    let changes = changes_since(core, permit, &case, based_on).await?;
    // A retry of a card already stored (its answer lost) is the same card.
    if let Some(id) = once::stored_before(core, who, Kept::Card, Some(key)).await? {
        return Ok(Synced::Stored {
            id,
            repeated: true,
            changes,
        });
    }
    if case.stage == Stage::Closed.code() {
        return Ok(Synced::Refused {
            reason: "case_closed",
            changes,
        });
    }
    let stored = if form_code == crate::evaluations::FORM {
        crate::evaluations::evaluate(core, permit, case_id, input, Some(key))
            .await
            .map(|e| (e.id, e.repeated))
    } else {
        crate::cards::record(core, permit, case_id, form_code, input, Some(key))
            .await
            .map(|c| (c.id, c.repeated))
    };
    match stored {
        Ok((id, repeated)) => Ok(Synced::Stored {
            id,
            repeated,
            changes,
        }),
        // Closed between the read and the write.
        Err(CaseError::Closed) => Ok(Synced::Refused {
            reason: "case_closed",
            changes,
        }),
        Err(e) => Err(e),
    }
}

/// What happened on the case after `based_on`: its moves, a new assignee, the cards
/// of other people (the caller's own are not news to them).
async fn changes_since(
    core: &Core,
    permit: &Permit<act::WorkOnCase>,
    case: &CaseRecord,
    based_on: BasedOn,
) -> Result<Vec<Change>, CoreError> {
    let mut changes = Vec::new();
    // The version says whether anything moved; the times say what.
    if case.version != based_on.version {
        for m in core.store.stage_moves(&case.id).await? {
            if m.at_ms > based_on.at {
                changes.push(Change::StageMoved {
                    from: m.from,
                    to: m.to,
                });
            }
        }
        let me = permit.who().user_id();
        let reassigned = core
            .store
            .case_assignments(&case.id)
            .await?
            .into_iter()
            .any(|(at_ms, to, _)| at_ms > based_on.at && to.as_deref() != me);
        if reassigned {
            changes.push(Change::Reassigned);
        }
    }
    let me = &permit.who().audit_name;
    let mut forms: Vec<String> = Vec::new();
    for card in core.store.case_cards_since(&case.id, based_on.at).await? {
        if card.created_by.as_deref() != Some(me.as_str()) && !forms.contains(&card.form_code) {
            forms.push(card.form_code);
        }
    }
    if !forms.is_empty() {
        changes.push(Change::OtherCards { forms });
    }
    Ok(changes)
}
