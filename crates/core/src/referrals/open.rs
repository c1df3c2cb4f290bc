//! Reading a linking card: its sealed reason, its steps and, for its two ends, the parts
//! of the child's file it shares, opened while the referral is open. Every reading is
//! audited; the receiving service's first one is the "received" step. And the choices
//! the referral form offers on a case.

use super::{Notifier, ReferralError, placed, steps::record_step};
use crate::cases::Use;
use crate::permit::act;
use crate::sealing::display_name;
use crate::{Core, CoreError, Permit};
use awladna_domain::access::{Action, offers_receiver};
use awladna_domain::referral::{SharedPart, Standing, Status};
use awladna_store::cases::CaseRecord;
use awladna_store::identity::Organisation;
use awladna_store::keys::sealed_aad;
use awladna_store::referrals::ReferralRecord;
use serde_json::{Map, Value, json};

/// A step of a referral as its readers see it.
pub struct TakenStep {
    /// The status it led to.
    pub status: String,
    pub at_ms: i64,
    pub by: String,
    pub note: Option<String>,
}

/// A referral opened for a reader: its card, the steps, and the shared parts of the
/// child's file (for its two ends).
pub struct OpenedReferral {
    pub referral: ReferralRecord,
    pub standing: Standing,
    pub reason: String,
    pub legal_ground: Option<String>,
    pub steps: Vec<TakenStep>,
    /// The shared parts by part code, opened.
    pub shared: Map<String, Value>,
}

impl OpenedReferral {
    /// The steps this reader may take now.
    pub fn available_steps(&self) -> Vec<awladna_domain::referral::Step> {
        match self.referral.status.parse::<Status>() {
            Ok(status) => self.standing.available_steps(status),
            Err(()) => Vec::new(),
        }
    }
}

/// Opens a referral for the caller (`NotFound`: not there, or not theirs to see).
pub async fn open(
    core: &Core,
    permit: &Permit<act::UseReferrals>,
    notifier: &dyn Notifier,
    referral_id: &str,
) -> Result<OpenedReferral, ReferralError> {
    let who = permit.who();
    let (mut referral, status, standing) = placed(core, who, referral_id).await?;
    if standing.receives_on_opening(status) {
        // A concurrent opening may have recorded it first: either way it is received.
        let version = referral.version;
        record_step(
            core,
            who,
            notifier,
            &referral,
            Status::Received,
            "",
            version,
        )
        .await?;
        referral = core
            .store
            .referral(referral_id)
            .await?
            .ok_or_else(|| CoreError::internal("a referral vanished while opened"))?;
    }
    let sealed = core.keyring.open_json(
        &referral.sealed,
        &sealed_aad("referrals", "sealed", &referral.id),
    )?;
    let text_of = |key: &str| sealed.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut steps = Vec::new();
    for step in core.store.referral_steps(&referral.id).await? {
        let note = match &step.note {
            Some(sealed) => Some(
                String::from_utf8_lossy(
                    &core
                        .keyring
                        .open(sealed, &sealed_aad("referral_steps", "note", &step.id))?,
                )
                .into_owned(),
            ),
            None => None,
        };
        steps.push(TakenStep {
            status: step.status,
            at_ms: step.taken_at,
            by: step.taken_by,
            note,
        });
    }
    let shared = match standing.reads_shared_parts() {
        true => shared_parts(core, &referral).await?,
        false => Map::new(),
    };
    let entry = who.audit(
        core.now_ms(),
        "referral.read",
        ("referral", &referral.id),
        &referral.territory,
        json!({"case": referral.case_id}),
    );
    core.audit_alone(entry).await?;
    Ok(OpenedReferral {
        reason: text_of("reason").unwrap_or_default(),
        legal_ground: text_of("legal_ground"),
        referral,
        standing,
        steps,
        shared,
    })
}

/// The parts of the child's file a referral shares, opened, by part code.
async fn shared_parts(
    core: &Core,
    referral: &ReferralRecord,
) -> Result<Map<String, Value>, CoreError> {
    let parts: Vec<SharedPart> = serde_json::from_str::<Vec<String>>(&referral.share)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.parse().ok())
        .collect();
    let mut shared = Map::new();
    let case = core
        .store
        .case(&referral.case_id)
        .await?
        .ok_or_else(|| CoreError::internal("a referral's case is missing"))?;
    for part in parts {
        let value = match part {
            SharedPart::Identity => identity(core, &case).await?,
            SharedPart::Report => latest_card(core, &case.id, "report", true).await?,
            SharedPart::Evaluation => latest_card(core, &case.id, "evaluation", false).await?,
            SharedPart::Plan => plan(core, &case.id).await?,
            SharedPart::SocialFile | SharedPart::MedicalFile | SharedPart::JudicialFile => {
                let Some(form) = part.file().and_then(|p| core.entry_form(p)) else {
                    continue;
                };
                let mut entries = Vec::new();
                for card in core.store.case_cards_of_form(&case.id, &form.code).await? {
                    entries.push(Value::Object(core.card_values(&card)?));
                }
                Value::Array(entries)
            }
        };
        shared.insert(part.code().to_owned(), value);
    }
    Ok(shared)
}

/// The child's identity, with the name as lists show it, the sex and the birth year.
async fn identity(core: &Core, case: &CaseRecord) -> Result<Value, CoreError> {
    let (sex, birth_year, sealed) = core
        .store
        .child_identity(&case.child_id)
        .await?
        .ok_or_else(|| CoreError::internal("a case's child is missing"))?;
    let mut identity = core.open_identity(&case.child_id, sealed.as_deref())?;
    if let Value::Object(map) = &mut identity {
        map.insert(
            "name".into(),
            json!(display_name(&Value::Object(map.clone()))),
        );
        map.insert("sex".into(), json!(sex));
        map.insert("birth_year".into(), json!(birth_year));
    }
    Ok(identity)
}

/// The case plan's actions, their texts opened.
async fn plan(core: &Core, case_id: &str) -> Result<Value, CoreError> {
    let mut list = Vec::new();
    for a in core.store.plan_actions(case_id).await? {
        let text = core
            .keyring
            .open_json(&a.sealed, &sealed_aad("plan_actions", "sealed", &a.id))?;
        list.push(json!({"action": text.get("plan.action"), "goal": text.get("plan.goal"), "responsible": a.responsible_sector, "due_at": a.due_at, "status": a.status, "origin": a.origin}));
    }
    Ok(Value::Array(list))
}

/// The values of the newest card of a form on a case (`Null` if none); the report is
/// the first one, the one the case was opened from.
async fn latest_card(
    core: &Core,
    case_id: &str,
    form: &str,
    first: bool,
) -> Result<Value, CoreError> {
    let cards = core.store.case_cards_of_form(case_id, form).await?;
    let card = if first { cards.last() } else { cards.first() };
    Ok(match card {
        Some(card) => Value::Object(core.card_values(card)?),
        None => Value::Null,
    })
}

/// What the referral form of a case offers: the case, and the organisations it may be
/// sent to.
pub struct ReferForm {
    pub case: CaseRecord,
    pub receivers: Vec<Organisation>,
}

pub async fn refer_form(
    core: &Core,
    permit: &Permit<act::Refer>,
    case_id: &str,
) -> Result<ReferForm, ReferralError> {
    let who = permit.who();
    let case = core
        .case_for(who, case_id, Action::Refer, Use::Change)
        .await?;
    let receivers = core
        .store
        .organisations(None)
        .await?
        .into_iter()
        .filter(|o| offers_receiver(&who.actor, &o.code, o.territory.as_deref(), &case.territory))
        .collect();
    Ok(ReferForm { case, receivers })
}
