//! The receiving service writes its part (issue 16): while a linking card to its
//! organisation is accepted and not closed, its focal point and case workers add
//! entries and documents to the file parts their sector may read, and answer with the
//! services delivered from the stage's basket, an appointment or hearing date, the
//! outcome and a document. Every such record names the service's organisation and the
//! referral; the case's centre sees it on the timeline and hears of it at once. Once
//! the referral is closed the service reads its own records, and nothing else.
//!
//! Who may do it is the policy's (`domain::access::decide_service_write`,
//! `decide_own_contributions`); this gathers the facts, stores and audits.

use super::{Event, Notifier, ReferralError, facts_of, status_of};
use crate::cards::case_card;
use crate::files::{Download, SealedDocument, Upload, UploadError, opened_document};
use crate::once::{self, Kept};
use crate::permit::act;
use crate::{Core, CoreError, Permit, Who};
use awladna_domain::access::{Decision, decide_own_contributions, decide_service_write};
use awladna_domain::files::FilePart;
use awladna_domain::forms::{Completeness, FieldError, Problem};
use awladna_domain::referral::{IllegalStep, free_text};
use awladna_domain::uploads::UploadProblem;
use awladna_store::StoreError;
use awladna_store::audit::Tx;
use awladna_store::cards::CardRecord;
use awladna_store::cases::CaseRecord;
use awladna_store::contributions::NewAnswer;
use awladna_store::documents::DocumentInfo;
use awladna_store::keys::sealed_aad;
use awladna_store::referrals::ReferralRecord;
use serde_json::{Map, Value, json};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ContributionError {
    #[error(transparent)]
    Referral(#[from] ReferralError),
    /// The document's kind is not one of the part's.
    #[error("the kind is not one of the part's")]
    Kind,
    /// The file itself: empty, too large, of another type, damaged or active.
    #[error("the file is refused")]
    File(UploadProblem),
}

impl From<CoreError> for ContributionError {
    fn from(e: CoreError) -> Self {
        ContributionError::Referral(ReferralError::Core(e))
    }
}

impl From<awladna_store::StoreError> for ContributionError {
    fn from(e: awladna_store::StoreError) -> Self {
        CoreError::from(e).into()
    }
}

impl From<UploadError> for ContributionError {
    fn from(e: UploadError) -> Self {
        match e {
            UploadError::Core(e) => e.into(),
            UploadError::Closed => ReferralError::CaseClosed.into(),
            UploadError::Kind => ContributionError::Kind,
            UploadError::File(problem) => ContributionError::File(problem),
        }
    }
}

/// The referral and its case, once the policy let `who` write `part` (None: the
/// answer) through it. A referral not accepted yet (or delivered and closed) is a
/// wrong status; one that is not the caller's is not found.
async fn writable(
    core: &Core,
    who: &Who,
    referral_id: &str,
    part: Option<FilePart>,
) -> Result<(ReferralRecord, CaseRecord), ContributionError> {
    let referral = core
        .store
        .referral(referral_id)
        .await?
        .ok_or(CoreError::NotFound)?;
    let facts = facts_of(core, &referral).await?;
    match decide_service_write(&who.actor, &facts, part) {
        Decision::Hidden => return Err(CoreError::NotFound.into()),
        _ if !facts.status.takes_contributions() => {
            return Err(ReferralError::Illegal(IllegalStep::WrongStatus).into());
        }
        decision => crate::error::allowed(decision)?,
    }
    let case = core
        .store
        .case(&referral.case_id)
        .await?
        .ok_or_else(|| CoreError::internal("a referral's case is missing"))?;
    if case.stage == "closed" {
        return Err(ReferralError::CaseClosed.into());
    }
    Ok((referral, case))
}

/// Whether `who` may add to `part` through the referral now (the entry form's page
/// asks before it is shown); the referral's id if so.
pub async fn writable_for(
    core: &Core,
    who: &Who,
    referral_id: &str,
    part: FilePart,
) -> Result<String, ContributionError> {
    Ok(writable(core, who, referral_id, Some(part)).await?.0.id)
}

/// Audits what the service added, tells both ends, and commits.
#[allow(clippy::too_many_arguments)] // what happened, to whom, and when: each needed once
async fn announce(
    mut tx: Tx<'_>,
    who: &Who,
    notifier: &dyn Notifier,
    referral: &ReferralRecord,
    action: &str,
    detail: Value,
    at_ms: i64,
) -> Result<(), ContributionError> {
    tx.audit(who.audit(
        at_ms,
        action,
        ("referral", &referral.id),
        &referral.territory,
        detail,
    ))
    .await?;
    let event = Event::new(
        "referral.contribution",
        &referral.id,
        (&referral.from_org, &referral.to_org),
        status_of(referral)?,
    );
    tx.notify(&event.payload()).await?;
    tx.commit().await?;
    notifier.committed(event);
    Ok(())
}

/// Adds an entry (a card of the part's entry form) to the referral's case; its id. A form
/// sent again under the same submission `key` stores nothing and answers the first entry.
#[allow(clippy::too_many_arguments)] // who, where, what and the submission: each needed once
pub async fn add_entry(
    core: &Core,
    permit: &Permit<act::UseReferrals>,
    notifier: &dyn Notifier,
    referral_id: &str,
    part: FilePart,
    input: &Value,
    key: Option<&str>,
) -> Result<String, ContributionError> {
    let who = permit.who();
    let (referral, case) = writable(core, who, referral_id, Some(part)).await?;
    if let Some(id) = once::stored_before(core, who, Kept::Card, key).await? {
        return Ok(id);
    }
    let form = core.entry_form(part).ok_or(CoreError::NotFound)?;
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
    let stored = async {
        let mut tx = core.store.begin().await?;
        tx.insert_card(&case_card(&sealed, &data, &card, &case, who, now))
            .await?;
        tx.link_card_to_referral(&sealed.id, &referral.id).await?;
        once::remember(&mut tx, who, Kept::Card, key, &sealed.id, now).await?;
        Ok::<_, StoreError>(tx)
    }
    .await;
    let tx = match stored {
        Ok(tx) => tx,
        // The same form sent twice at once: its twin stored the entry first.
        Err(e) => return Ok(once::after_failure(core, who, Kept::Card, key, e).await?),
    };
    let detail = json!({"case": case.id, "card": sealed.id, "form": form.code});
    announce(
        tx,
        who,
        notifier,
        &referral,
        "referral.entry_added",
        detail,
        now,
    )
    .await?;
    Ok(sealed.id)
}

/// Adds a document to a part of the referral's case file; its id.
pub async fn add_document(
    core: &Core,
    permit: &Permit<act::UseReferrals>,
    notifier: &dyn Notifier,
    referral_id: &str,
    part: FilePart,
    upload: Upload,
) -> Result<String, ContributionError> {
    let who = permit.who();
    let (referral, case) = writable(core, who, referral_id, Some(part)).await?;
    let document = SealedDocument::check(core, part, upload)?;
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    document.insert(&mut tx, who, &case, now).await?;
    tx.link_document_to_referral(&document.id, &who.actor.organisation, &referral.id)
        .await?;
    let detail = json!({"case": case.id, "document": document.id, "part": part.code()});
    announce(
        tx,
        who,
        notifier,
        &referral,
        "referral.document_added",
        detail,
        now,
    )
    .await?;
    Ok(document.id)
}

/// The receiving service's answer, as typed.
pub struct AnswerInput {
    /// Codes of the referral's stage's service basket.
    pub services: Vec<String>,
    /// An appointment or hearing date, `YYYY-MM-DD`.
    pub appointment_date: Option<String>,
    pub outcome: String,
    /// A document and the file part it goes to.
    pub document: Option<(FilePart, Upload)>,
}

/// Checks an answer: the services come from the stage's basket, the date is a date,
/// the outcome is said.
fn check_answer(
    core: &Core,
    referral: &ReferralRecord,
    input: &AnswerInput,
) -> Result<(Vec<String>, Option<String>, String), CoreError> {
    let mut errors = Vec::new();
    let basket = core.reference.vocabulary("services");
    let mut services = Vec::new();
    for code in &input.services {
        let code = code.trim();
        let in_basket = basket
            .and_then(|v| v.terms.iter().find(|t| t.code == code))
            .is_some_and(|t| t.group.as_deref() == Some(referral.stage.as_str()));
        if !in_basket {
            errors.push(FieldError {
                field: "services".into(),
                problem: Problem::UnknownCode,
            });
            break;
        }
        if !services.iter().any(|s| s == code) {
            services.push(code.to_owned());
        }
    }
    let date = match input.appointment_date.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => match text.parse::<jiff::civil::Date>() {
            Ok(date) => Some(date.to_string()),
            Err(_) => {
                errors.push(FieldError {
                    field: "appointment_date".into(),
                    problem: Problem::NotADate,
                });
                None
            }
        },
    };
    let outcome = free_text(&input.outcome, true).unwrap_or_else(|problem| {
        errors.push(FieldError {
            field: "outcome".into(),
            problem,
        });
        String::new()
    });
    match errors.is_empty() {
        true => Ok((services, date, outcome)),
        false => Err(CoreError::Invalid(errors)),
    }
}

/// Records the receiving service's answer (and its document); its id. An answer may be
/// given again (a hearing date fixed later): the newest is the sender's to plan from.
pub async fn answer(
    core: &Core,
    permit: &Permit<act::UseReferrals>,
    notifier: &dyn Notifier,
    referral_id: &str,
    input: AnswerInput,
) -> Result<String, ContributionError> {
    let who = permit.who();
    let document_part = input.document.as_ref().map(|(part, _)| *part);
    let (referral, case) = writable(core, who, referral_id, None).await?;
    if document_part.is_some() {
        writable(core, who, referral_id, document_part).await?;
    }
    let (services, date, outcome) = check_answer(core, &referral, &input)?;
    let document = match input.document {
        Some((part, upload)) => Some(SealedDocument::check(core, part, upload)?),
        None => None,
    };
    let id = uuid::Uuid::now_v7().to_string();
    let sealed_outcome = core
        .keyring
        .seal(
            outcome.as_bytes(),
            &sealed_aad("referral_answers", "outcome", &id),
        )
        .map_err(CoreError::from)?;
    let services_json = json!(services).to_string();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    if let Some(document) = &document {
        document.insert(&mut tx, who, &case, now).await?;
        tx.link_document_to_referral(&document.id, &who.actor.organisation, &referral.id)
            .await?;
    }
    tx.insert_referral_answer(&NewAnswer {
        id: &id,
        referral_id: &referral.id,
        organisation: &who.actor.organisation,
        services: &services_json,
        appointment_date: date.as_deref(),
        outcome: &sealed_outcome,
        document_id: document.as_ref().map(|d| d.id.as_str()),
        by: &who.audit_name,
        at_ms: now,
    })
    .await?;
    let detail = json!({"case": case.id, "answer": id, "services": services});
    announce(
        tx,
        who,
        notifier,
        &referral,
        "referral.answered",
        detail,
        now,
    )
    .await?;
    Ok(id)
}

/// An answer with its outcome opened.
pub struct OpenedAnswer {
    pub id: String,
    pub organisation: String,
    pub services: Vec<String>,
    pub appointment_date: Option<String>,
    pub outcome: String,
    pub document_id: Option<String>,
    pub answered_by: String,
    pub answered_at: i64,
}

/// A referral's answers, oldest first, for a reader who opened the referral (its two
/// ends and its overseer) or the service reading its own.
pub async fn answers(
    core: &Core,
    referral: &ReferralRecord,
) -> Result<Vec<OpenedAnswer>, CoreError> {
    let mut opened = Vec::new();
    for a in core.store.referral_answers(&referral.id).await? {
        let outcome = core.keyring.open(
            &a.outcome,
            &sealed_aad("referral_answers", "outcome", &a.id),
        )?;
        opened.push(OpenedAnswer {
            services: serde_json::from_str(&a.services).unwrap_or_default(),
            outcome: String::from_utf8_lossy(&outcome).into_owned(),
            id: a.id,
            organisation: a.organisation,
            appointment_date: a.appointment_date,
            document_id: a.document_id,
            answered_by: a.answered_by,
            answered_at: a.answered_at,
        });
    }
    Ok(opened)
}

/// What a service added through a referral: its entries (opened), its documents (names
/// opened) and its answers.
pub struct Contributions {
    pub referral: ReferralRecord,
    pub entries: Vec<(CardRecord, Map<String, Value>)>,
    pub documents: Vec<(DocumentInfo, String)>,
    pub answers: Vec<OpenedAnswer>,
}

/// The referral as its receiving service may still see it, once the policy allowed.
async fn own_referral(
    core: &Core,
    who: &Who,
    referral_id: &str,
) -> Result<ReferralRecord, CoreError> {
    let referral = core
        .store
        .referral(referral_id)
        .await?
        .ok_or(CoreError::NotFound)?;
    let facts = facts_of(core, &referral).await?;
    crate::error::allowed(decide_own_contributions(&who.actor, &facts))?;
    Ok(referral)
}

/// What the caller's organisation added through a referral, even once it is closed;
/// the read is audited.
pub async fn own(
    core: &Core,
    permit: &Permit<act::UseReferrals>,
    referral_id: &str,
) -> Result<Contributions, CoreError> {
    let who = permit.who();
    let referral = own_referral(core, who, referral_id).await?;
    let org = &who.actor.organisation;
    let mut entries = Vec::new();
    for card in core.store.referral_cards(&referral.id, org).await? {
        let values = core.card_values(&card)?;
        entries.push((card, values));
    }
    let mut documents = Vec::new();
    for info in core.store.referral_documents(&referral.id, org).await? {
        let name = core
            .keyring
            .open(&info.name, &sealed_aad("documents", "name", &info.id))?;
        let name = String::from_utf8_lossy(&name).into_owned();
        documents.push((info, name));
    }
    let answers = answers(core, &referral)
        .await?
        .into_iter()
        .filter(|a| &a.organisation == org)
        .collect();
    let entry = who.audit(
        core.now_ms(),
        "referral.contributions_read",
        ("referral", &referral.id),
        &referral.territory,
        json!({"case": referral.case_id}),
    );
    core.audit_alone(entry).await?;
    Ok(Contributions {
        referral,
        entries,
        documents,
        answers,
    })
}

/// A document the caller's organisation added through a referral; the read is audited.
pub async fn own_document(
    core: &Core,
    permit: &Permit<act::UseReferrals>,
    referral_id: &str,
    document_id: &str,
) -> Result<Download, CoreError> {
    let who = permit.who();
    let referral = own_referral(core, who, referral_id).await?;
    let info = core
        .store
        .referral_documents(&referral.id, &who.actor.organisation)
        .await?
        .into_iter()
        .find(|d| d.id == document_id)
        .ok_or(CoreError::NotFound)?;
    let entry = who.audit(
        core.now_ms(),
        "referral.document_read",
        ("referral", &referral.id),
        &referral.territory,
        json!({"document": info.id}),
    );
    opened_document(core, info, entry).await
}
