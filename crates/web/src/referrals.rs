//! The linking card (بطاقة الربط): a child referred from a case to another service, with
//! the parts of the file shared on a stated ground, answered step by step by the
//! receiving service, each step pushed to both ends. The receiving service reads what
//! was shared while the referral is open, and nothing after.

use crate::auth::Caller;
use crate::case_cards::{CaseRefusal, card_values, case_for, display_name, open_identity};
use crate::events::Event;
use crate::state::AppState;
use awladna_domain::access::{Action, Actor, Decision, Role, decide};
use awladna_domain::forms::{FieldError, Problem, is_direction_control};
use awladna_domain::referral::{Consent, IllegalStep, SharedPart, Side, Status, Step, take_step};
use awladna_store::keys::sealed_aad;
use awladna_store::referrals::{NewReferral, NewStep, ReferralRecord};
use serde::Deserialize;
use serde_json::{Map, Value, json};

const MAX_TEXT: usize = 2000;

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

pub enum SendOutcome {
    Sent(String),
    Invalid(Vec<FieldError>),
    Refused(CaseRefusal),
}

fn problem(field: &str, problem: Problem) -> FieldError {
    FieldError {
        field: field.to_owned(),
        problem,
    }
}

/// A free text of a request: trimmed, required or not, bounded, without control
/// characters other than line breaks, and without the controls that reorder what a reader sees.
fn text(field: &str, value: &str, required: bool, errors: &mut Vec<FieldError>) -> String {
    let value = value.trim();
    if value.is_empty() && required {
        errors.push(problem(field, Problem::Required));
    } else if value.chars().count() > MAX_TEXT {
        errors.push(problem(field, Problem::TooLong { max: MAX_TEXT }));
    } else if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errors.push(problem(field, Problem::ControlCharacters));
    } else if value.chars().any(is_direction_control) {
        errors.push(problem(field, Problem::DirectionControls));
    }
    value.to_owned()
}

fn in_vocabulary(state: &AppState, vocabulary: &str, code: &str) -> bool {
    state
        .reference
        .vocabulary(vocabulary)
        .is_some_and(|v| v.contains(code))
}

/// Sends a linking card from a case (the API and the page share it).
pub async fn send(
    state: &AppState,
    caller: &Caller,
    case_id: &str,
    request: &ReferralRequest,
) -> Result<SendOutcome, String> {
    let (actor, case) = match case_for(state, caller, case_id, Action::Refer, true).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(SendOutcome::Refused(refusal)),
    };
    let mut errors = Vec::new();
    let to_org = request.to_org.trim();
    let receiver = match state
        .store
        .organisation(to_org)
        .await
        .map_err(|e| e.detail())?
    {
        Some(org) if org.code == actor.organisation => {
            errors.push(problem("to_org", Problem::OwnOrganisation));
            None
        }
        Some(org) => Some(org),
        None => {
            errors.push(problem(
                "to_org",
                if to_org.is_empty() {
                    Problem::Required
                } else {
                    Problem::UnknownCode
                },
            ));
            None
        }
    };
    let stage = request.stage.trim();
    if stage == "closed" || !in_vocabulary(state, "stages", stage) {
        errors.push(problem(
            "stage",
            if stage.is_empty() {
                Problem::Required
            } else {
                Problem::UnknownCode
            },
        ));
    }
    let service = request
        .service
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if service.is_some_and(|s| !in_vocabulary(state, "services", s)) {
        errors.push(problem("service", Problem::UnknownCode));
    }
    let urgency = request.urgency.trim();
    let due_in = state.reference.referral_deadlines().for_urgency_ms(urgency);
    if due_in.is_none() {
        errors.push(problem(
            "urgency",
            if urgency.is_empty() {
                Problem::Required
            } else {
                Problem::UnknownCode
            },
        ));
    }
    let reason = text("reason", &request.reason, true, &mut errors);
    let consent = request.consent.trim().parse::<Consent>();
    if consent.is_err() {
        errors.push(problem(
            "consent",
            if request.consent.trim().is_empty() {
                Problem::Required
            } else {
                Problem::UnknownCode
            },
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
    let (Some(receiver), Some(due_in), Ok(consent), true) =
        (receiver, due_in, consent, errors.is_empty())
    else {
        return Ok(SendOutcome::Invalid(errors));
    };
    let id = uuid::Uuid::now_v7().to_string();
    let sealed = state
        .keyring
        .seal_json(
            &json!({"reason": reason, "legal_ground": (!legal_ground.is_empty()).then_some(legal_ground)}),
            &sealed_aad("referrals", "sealed", &id),
        )
        .map_err(|e| e.to_string())?;
    let share_json = Value::from(share.iter().map(|p| p.code()).collect::<Vec<_>>()).to_string();
    let now = state.now_ms();
    let who = caller.audit_actor().unwrap_or_default();
    let row = NewReferral {
        id: &id,
        case_id: &case.id,
        territory: &case.territory,
        from_org: &actor.organisation,
        from_sector: &actor.sector,
        to_org: &receiver.code,
        to_sector: &receiver.sector,
        stage,
        service,
        urgency,
        consent: consent.code(),
        share: &share_json,
        sealed: &sealed,
        by: &who,
        at_ms: now,
        due_at: now + due_in,
    };
    let event = Event {
        kind: "referral.sent".into(),
        referral: id.clone(),
        status: Status::Sent.code().into(),
        orgs: vec![actor.organisation.clone(), receiver.code.clone()],
    };
    let run = async {
        let mut tx = state.store.begin().await?;
        tx.insert_referral(&row).await?;
        tx.audit(caller.audit_entry(
            now,
            "referral.sent",
            ("referral", &id),
            &case.territory,
            json!({"case": case.id, "to": receiver.code, "share": share_json}),
        ))
        .await?;
        tx.notify(&serde_json::to_string(&event).unwrap_or_default())
            .await?;
        tx.commit().await
    };
    run.await.map_err(|e| e.detail())?;
    state.events.committed(event);
    crate::mail::new_referral(state, &receiver.code, &id);
    Ok(SendOutcome::Sent(id))
}

/// Where the caller stands to a referral: at one end of it, or watching over it as a
/// coordinator of the case's province (who reads it but answers nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    End(Side),
    /// The sender acting for a receiving service that has no users: its answers are
    /// recorded by hand from the printed card.
    ForUnstaffedReceiver,
    Overseer,
}

async fn standing(
    state: &AppState,
    actor: &Actor,
    referral: &ReferralRecord,
) -> Result<Option<Standing>, String> {
    if decide(Some(actor), Action::UseReferrals, None) != Decision::Allow {
        return Ok(None);
    }
    if actor.organisation == referral.to_org {
        let status: Status = referral
            .status
            .parse()
            .map_err(|()| "a referral has an unknown status")?;
        // The receiving service's access ends with the referral.
        return Ok(status
            .grants_access()
            .then_some(Standing::End(Side::Receiver)));
    }
    if actor.organisation == referral.from_org {
        let unstaffed = !state
            .store
            .organisation_has_users(&referral.to_org)
            .await
            .map_err(|e| e.detail())?;
        return Ok(Some(if unstaffed {
            Standing::ForUnstaffedReceiver
        } else {
            Standing::End(Side::Sender)
        }));
    }
    if actor.has(Role::Coordinator) && actor.covers(&referral.territory) {
        return Ok(Some(Standing::Overseer));
    }
    Ok(None)
}

pub enum StepOutcome {
    Taken {
        status: Status,
    },
    Illegal(IllegalStep),
    Invalid(Vec<FieldError>),
    Stale,
    /// Not found, or not the caller's to see.
    Hidden,
}

/// Takes a step on a referral (the API and the page share it).
pub async fn take(
    state: &AppState,
    caller: &Caller,
    referral_id: &str,
    step: Step,
    note: &str,
    version: Option<i64>,
) -> Result<StepOutcome, String> {
    let Some(actor) = caller.actor.as_ref() else {
        return Ok(StepOutcome::Hidden);
    };
    let Some(referral) = state
        .store
        .referral(referral_id)
        .await
        .map_err(|e| e.detail())?
    else {
        return Ok(StepOutcome::Hidden);
    };
    let side = match standing(state, actor, &referral).await? {
        Some(Standing::End(side)) => side,
        Some(Standing::ForUnstaffedReceiver) if step == Step::Close => Side::Sender,
        Some(Standing::ForUnstaffedReceiver) => Side::Receiver,
        Some(Standing::Overseer) => return Ok(StepOutcome::Illegal(IllegalStep::NotYourSide)),
        None => return Ok(StepOutcome::Hidden),
    };
    let mut errors = Vec::new();
    let note = text("reason", note, step == Step::Decline, &mut errors);
    if !errors.is_empty() {
        return Ok(StepOutcome::Invalid(errors));
    }
    let current: Status = referral
        .status
        .parse()
        .map_err(|()| "a referral has an unknown status")?;
    let next = match take_step(current, step, side) {
        Ok(next) => next,
        Err(illegal) => return Ok(StepOutcome::Illegal(illegal)),
    };
    record_step(
        state,
        caller,
        &referral,
        next,
        &note,
        version.unwrap_or(referral.version),
    )
    .await
}

async fn record_step(
    state: &AppState,
    caller: &Caller,
    referral: &ReferralRecord,
    next: Status,
    note: &str,
    version: i64,
) -> Result<StepOutcome, String> {
    let step_id = uuid::Uuid::now_v7().to_string();
    let sealed_note = match note.is_empty() {
        true => None,
        false => Some(
            state
                .keyring
                .seal(
                    note.as_bytes(),
                    &sealed_aad("referral_steps", "note", &step_id),
                )
                .map_err(|e| e.to_string())?,
        ),
    };
    let now = state.now_ms();
    let who = caller.audit_actor().unwrap_or_default();
    let event = Event {
        kind: "referral.updated".into(),
        referral: referral.id.clone(),
        status: next.code().into(),
        orgs: vec![referral.from_org.clone(), referral.to_org.clone()],
    };
    let run = async {
        let mut tx = state.store.begin().await?;
        let step = NewStep {
            referral_id: &referral.id,
            version,
            step_id: &step_id,
            status: next.code(),
            by: &who,
            at_ms: now,
            note: sealed_note.as_deref(),
        };
        if !tx.take_referral_step(&step).await? {
            return Ok(false);
        }
        tx.audit(caller.audit_entry(
            now,
            &format!("referral.{}", next.code()),
            ("referral", &referral.id),
            &referral.territory,
            json!({"case": referral.case_id}),
        ))
        .await?;
        tx.notify(&serde_json::to_string(&event).unwrap_or_default())
            .await?;
        tx.commit().await?;
        Ok::<_, awladna_store::StoreError>(true)
    };
    if !run.await.map_err(|e| e.detail())? {
        return Ok(StepOutcome::Stale);
    }
    state.events.committed(event);
    Ok(StepOutcome::Taken { status: next })
}

/// A referral opened for a reader: its card, the steps, and the shared parts of the
/// child's file (for its two ends).
pub struct OpenedReferral {
    pub referral: ReferralRecord,
    pub standing: Standing,
    pub reason: String,
    pub legal_ground: Option<String>,
    /// (status, at, by, note)
    pub steps: Vec<(String, i64, String, Option<String>)>,
    pub shared: Map<String, Value>,
}

/// Opens a referral for the caller (`None`: not found or not theirs). The receiving
/// service's first opening is the "received" step. The read is audited.
pub async fn open(
    state: &AppState,
    caller: &Caller,
    referral_id: &str,
) -> Result<Option<OpenedReferral>, String> {
    let Some(actor) = caller.actor.as_ref() else {
        return Ok(None);
    };
    let Some(mut referral) = state
        .store
        .referral(referral_id)
        .await
        .map_err(|e| e.detail())?
    else {
        return Ok(None);
    };
    let Some(standing) = standing(state, actor, &referral).await? else {
        return Ok(None);
    };
    if standing == Standing::End(Side::Receiver) && referral.status == Status::Sent.code() {
        // A concurrent opening may have recorded it first: either way it is received.
        record_step(
            state,
            caller,
            &referral,
            Status::Received,
            "",
            referral.version,
        )
        .await?;
        referral = state
            .store
            .referral(referral_id)
            .await
            .map_err(|e| e.detail())?
            .ok_or("a referral vanished while opened")?;
    }
    let text_of = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let sealed = state
        .keyring
        .open_json(
            &referral.sealed,
            &sealed_aad("referrals", "sealed", &referral.id),
        )
        .map_err(|e| e.to_string())?;
    let mut steps = Vec::new();
    for step in state
        .store
        .referral_steps(&referral.id)
        .await
        .map_err(|e| e.detail())?
    {
        let note = match &step.note {
            Some(sealed) => Some(
                String::from_utf8_lossy(
                    &state
                        .keyring
                        .open(sealed, &sealed_aad("referral_steps", "note", &step.id))
                        .map_err(|e| e.to_string())?,
                )
                .into_owned(),
            ),
            None => None,
        };
        steps.push((step.status, step.taken_at, step.taken_by, note));
    }
    let shared = match standing {
        Standing::Overseer => Map::new(),
        _ => shared_parts(state, &referral).await?,
    };
    let entry = caller.audit_entry(
        state.now_ms(),
        "referral.read",
        ("referral", &referral.id),
        &referral.territory,
        json!({"case": referral.case_id}),
    );
    state.audit_alone(entry).await.map_err(|e| e.detail())?;
    Ok(Some(OpenedReferral {
        reason: text_of(&sealed, "reason").unwrap_or_default(),
        legal_ground: text_of(&sealed, "legal_ground"),
        referral,
        standing,
        steps,
        shared,
    }))
}

/// The parts of the child's file a referral shares, opened, by part code.
async fn shared_parts(
    state: &AppState,
    referral: &ReferralRecord,
) -> Result<Map<String, Value>, String> {
    let parts: Vec<SharedPart> = serde_json::from_str::<Vec<String>>(&referral.share)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.parse().ok())
        .collect();
    let mut shared = Map::new();
    let case = state
        .store
        .case(&referral.case_id)
        .await
        .map_err(|e| e.detail())?
        .ok_or("a referral's case is missing")?;
    for part in parts {
        let value = match part {
            SharedPart::Identity => {
                let (sex, birth_year, sealed) = state
                    .store
                    .child_identity(&case.child_id)
                    .await
                    .map_err(|e| e.detail())?
                    .ok_or("a case's child is missing")?;
                let mut identity = open_identity(state, &case.child_id, sealed.as_deref())?;
                if let Value::Object(map) = &mut identity {
                    map.insert(
                        "name".into(),
                        json!(display_name(&Value::Object(map.clone()))),
                    );
                    map.insert("sex".into(), json!(sex));
                    map.insert("birth_year".into(), json!(birth_year));
                }
                identity
            }
            SharedPart::Report => latest_card(state, &case.id, "report", true).await?,
            SharedPart::Evaluation => latest_card(state, &case.id, "evaluation", false).await?,
            SharedPart::Plan => {
                let actions = state
                    .store
                    .plan_actions(&case.id)
                    .await
                    .map_err(|e| e.detail())?;
                let mut list = Vec::new();
                for a in actions {
                    let text = state
                        .keyring
                        .open_json(&a.sealed, &sealed_aad("plan_actions", "sealed", &a.id))
                        .map_err(|e| e.to_string())?;
                    list.push(json!({"action": text.get("plan.action"), "goal": text.get("plan.goal"), "responsible": a.responsible_sector, "due_at": a.due_at, "status": a.status, "origin": a.origin}));
                }
                Value::Array(list)
            }
            SharedPart::SocialFile | SharedPart::MedicalFile | SharedPart::JudicialFile => {
                let Some(form) = part
                    .file()
                    .and_then(|p| crate::case_cards::entry_form(state, p))
                else {
                    continue;
                };
                let mut entries = Vec::new();
                for card in state
                    .store
                    .case_cards_of_form(&case.id, &form.code)
                    .await
                    .map_err(|e| e.detail())?
                {
                    entries.push(Value::Object(card_values(state, &card)?));
                }
                Value::Array(entries)
            }
        };
        shared.insert(part.code().to_owned(), value);
    }
    Ok(shared)
}

/// The values of the newest card of a form on a case (`Null` if none); the report is
/// the first one, the one the case was opened from.
async fn latest_card(
    state: &AppState,
    case_id: &str,
    form: &str,
    first: bool,
) -> Result<Value, String> {
    let cards = state
        .store
        .case_cards_of_form(case_id, form)
        .await
        .map_err(|e| e.detail())?;
    let card = if first { cards.last() } else { cards.first() };
    Ok(match card {
        Some(card) => Value::Object(card_values(state, card)?),
        None => Value::Null,
    })
}

/// The referral's overdue flag at `now`: still unanswered past its deadline.
pub fn is_overdue(referral: &ReferralRecord, now_ms: i64) -> bool {
    referral
        .status
        .parse::<Status>()
        .is_ok_and(Status::awaits_response)
        && referral.due_at < now_ms
}
