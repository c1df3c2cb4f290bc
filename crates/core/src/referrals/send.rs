//! Sending a linking card from a case: the request checked field by field, the reason
//! and legal ground sealed, the card stored with its first step, audited and announced.

use super::{Event, Notifier, ReferralError};
use crate::cases::Use;
use crate::once::{self, Kept};
use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::access::Action;
use awladna_domain::forms::{FieldError, Problem};
use awladna_domain::referral::{Consent, SharedPart, Status, free_text};
use awladna_store::identity::Organisation;
use awladna_store::keys::sealed_aad;
use awladna_store::referrals::NewReferral;
use serde::Deserialize;
use serde_json::{Value, json};

/// A referral as a client sends it (API body or page form). No `Debug`: the reason and
/// the legal ground describe the child.
#[derive(Default, Deserialize)]
pub struct ReferralRequest {
    #[serde(default)]
    pub to_org: String,
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub urgency: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub consent: String,
    #[serde(default)]
    pub legal_ground: Option<String>,
    #[serde(default)]
    pub share: Vec<String>,
}

/// The card sent: its id.
pub struct Sent {
    pub id: String,
    /// The same submission came before (its key): this is the card it sent.
    pub repeated: bool,
}

/// A request that passed every check.
struct Checked<'a> {
    receiver: Organisation,
    stage: &'a str,
    service: Option<&'a str>,
    urgency: &'a str,
    due_in_ms: i64,
    reason: String,
    consent: Consent,
    legal_ground: String,
    share: Vec<SharedPart>,
}

fn problem(field: &str, problem: Problem) -> FieldError {
    FieldError {
        field: field.to_owned(),
        problem,
    }
}

/// `Required` for an empty code, `UnknownCode` for another.
fn missing_or_unknown(code: &str) -> Problem {
    if code.is_empty() {
        Problem::Required
    } else {
        Problem::UnknownCode
    }
}

/// A free text of the request, its problem noted.
fn text(field: &str, value: &str, required: bool, errors: &mut Vec<FieldError>) -> String {
    free_text(value, required).unwrap_or_else(|p| {
        errors.push(problem(field, p));
        value.trim().to_owned()
    })
}

fn in_vocabulary(core: &Core, vocabulary: &str, code: &str) -> bool {
    core.reference
        .vocabulary(vocabulary)
        .is_some_and(|v| v.contains(code))
}

/// Checks every field, so that the sender is told everything to fix at once.
async fn check<'a>(
    core: &Core,
    own_org: &str,
    request: &'a ReferralRequest,
) -> Result<Checked<'a>, CoreError> {
    let mut errors = Vec::new();
    let to_org = request.to_org.trim();
    let receiver = match core.store.organisation(to_org).await? {
        Some(org) if org.code == own_org => {
            errors.push(problem("to_org", Problem::OwnOrganisation));
            None
        }
        Some(org) => Some(org),
        None => {
            errors.push(problem("to_org", missing_or_unknown(to_org)));
            None
        }
    };
    let stage = request.stage.trim();
    if stage == "closed" || !in_vocabulary(core, "stages", stage) {
        errors.push(problem("stage", missing_or_unknown(stage)));
    }
    let service = request
        .service
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if service.is_some_and(|s| !in_vocabulary(core, "services", s)) {
        errors.push(problem("service", Problem::UnknownCode));
    }
    let urgency = request.urgency.trim();
    let due_in_ms = core.reference.referral_deadlines().for_urgency_ms(urgency);
    if due_in_ms.is_none() {
        errors.push(problem("urgency", missing_or_unknown(urgency)));
    }
    let reason = text("reason", &request.reason, true, &mut errors);
    let consent = request.consent.trim().parse::<Consent>();
    if consent.is_err() {
        errors.push(problem(
            "consent",
            missing_or_unknown(request.consent.trim()),
        ));
    }
    let needs_ground = consent == Ok(Consent::LegalGround);
    let legal_ground = text(
        "legal_ground",
        request.legal_ground.as_deref().unwrap_or(""),
        needs_ground,
        &mut errors,
    );
    let mut share = Vec::new();
    for code in &request.share {
        match code.trim().parse::<SharedPart>() {
            Ok(part) if share.contains(&part) => errors.push(problem("share", Problem::Duplicate)),
            Ok(part)
                if receiver
                    .as_ref()
                    .is_some_and(|r| !part.shareable_with(&r.sector)) =>
            {
                errors.push(problem("share", Problem::NotShareable));
            }
            Ok(part) => share.push(part),
            Err(()) => errors.push(problem("share", Problem::UnknownCode)),
        }
    }
    match (receiver, due_in_ms, consent, errors.is_empty()) {
        (Some(receiver), Some(due_in_ms), Ok(consent), true) => Ok(Checked {
            receiver,
            stage,
            service,
            urgency,
            due_in_ms,
            reason,
            consent,
            legal_ground,
            share,
        }),
        _ => Err(CoreError::Invalid(errors)),
    }
}

/// Sends a linking card from a case that is open and within the caller's scope. A
/// submission whose `key` was seen sends nothing and answers with the card it sent.
pub async fn send(
    core: &Core,
    permit: &Permit<act::Refer>,
    notifier: &dyn Notifier,
    case_id: &str,
    request: &ReferralRequest,
    key: Option<&str>,
) -> Result<Sent, ReferralError> {
    let who = permit.who();
    let case = core
        .case_for(who, case_id, Action::Refer, Use::Change)
        .await?;
    if let Some(id) = once::stored_before(core, who, Kept::Record, key).await? {
        return Ok(Sent { id, repeated: true });
    }
    let actor = &who.actor;
    let checked = check(core, &actor.organisation, request).await?;
    let receiver = &checked.receiver;
    let id = uuid::Uuid::now_v7().to_string();
    let legal_ground = (!checked.legal_ground.is_empty()).then_some(&checked.legal_ground);
    let sealed = core.keyring.seal_json(
        &json!({"reason": checked.reason, "legal_ground": legal_ground}),
        &sealed_aad("referrals", "sealed", &id),
    )?;
    let share_json =
        Value::from(checked.share.iter().map(|p| p.code()).collect::<Vec<_>>()).to_string();
    let now = core.now_ms();
    let row = NewReferral {
        id: &id,
        case_id: &case.id,
        territory: &case.territory,
        from_org: &actor.organisation,
        from_sector: &actor.sector,
        to_org: &receiver.code,
        to_sector: &receiver.sector,
        stage: checked.stage,
        service: checked.service,
        urgency: checked.urgency,
        consent: checked.consent.code(),
        share: &share_json,
        sealed: &sealed,
        by: &who.audit_name,
        at_ms: now,
        due_at: now + checked.due_in_ms,
    };
    let event = Event::new(
        "referral.sent",
        &id,
        (&actor.organisation, &receiver.code),
        Status::Sent,
    );
    let mut tx = core.store.begin().await?;
    tx.insert_referral(&row).await?;
    if let Err(e) = once::remember(&mut tx, who, Kept::Record, key, &id, now).await {
        // The same key arrived twice at once: the twin sent the card.
        drop(tx);
        let id = once::after_failure(core, who, Kept::Record, key, e).await?;
        return Ok(Sent { id, repeated: true });
    }
    tx.audit(who.audit(
        now,
        "referral.sent",
        ("referral", &id),
        &case.territory,
        json!({"case": case.id, "to": receiver.code, "share": share_json}),
    ))
    .await?;
    tx.notify(&event.payload()).await?;
    tx.commit().await?;
    notifier.committed(event);
    notifier.waiting(&receiver.code, &id);
    Ok(Sent {
        id,
        repeated: false,
    })
}
