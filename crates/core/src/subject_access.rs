//! The right of access (Law 09-08, art. 7): a coordinator records who asked for the file
//! of a case's child, when and on what basis, and gets everything held about that child —
//! the identity and its corrections, every case with its moves, cards, plan, documents'
//! names and linking cards, the earlier requests, and who read the file (from the audit
//! log) — as one JSON document. The request is stored (the requester's name sealed) and
//! audited; the export itself is not kept.

use crate::cases::{CaseError, Use};
use crate::permit::act;
use crate::times::rfc3339;
use crate::{Core, CoreError, Permit, Who};
use awladna_domain::access::Action;
use awladna_domain::files::FilePart;
use awladna_domain::forms::local_zone;
use awladna_store::audit::AuditFilter;
use awladna_store::cases::CaseRecord;
use awladna_store::keys::sealed_aad;
use awladna_store::retention::SubjectAccessRequest;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use thiserror::Error;

/// On what ground the person asks: the codes stored with the request.
pub const BASES: [&str; 4] = [
    "the_child",
    "parent_or_guardian",
    "legal_representative",
    "judicial_authority",
];
const MAX_REQUESTER: usize = 200;
/// The newest audit entries read per record for "who read the file".
const READERS_PER_RECORD: i64 = 1000;

/// A request as submitted.
pub struct Request<'a> {
    pub requester: &'a str,
    /// The day it was made (`YYYY-MM-DD`), not in the future.
    pub requested_on: &'a str,
    /// One of [`BASES`].
    pub basis: &'a str,
    /// The export as JSON rather than PDF (recorded in the audit entry).
    pub json: bool,
}

/// What is wrong with a submitted request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestProblem {
    Requester,
    Date,
    Basis,
}

#[derive(Debug, Error)]
pub enum AccessError {
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("the case is closed")]
    Closed,
    /// The request breaks the rules; the case is there to show the form again.
    #[error("the request is not valid")]
    Invalid {
        case: Box<CaseRecord>,
        problems: Vec<RequestProblem>,
    },
}

crate::wraps_core_error!(AccessError);

impl From<CaseError> for AccessError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::Core(e) => AccessError::Core(e),
            CaseError::Closed => AccessError::Closed,
        }
    }
}

/// The case whose child's file is asked for, for the request form.
pub async fn case(
    core: &Core,
    permit: &Permit<act::SubjectAccess>,
    case_id: &str,
) -> Result<CaseRecord, CaseError> {
    core.case_for(permit.who(), case_id, Action::SubjectAccess, Use::Read)
        .await
}

/// The request's checked parts: the requester, when it was made, its basis.
fn check(core: &Core, request: &Request<'_>) -> Result<(String, i64, String), Vec<RequestProblem>> {
    let mut problems = Vec::new();
    let requester = request.requester.trim();
    if requester.is_empty()
        || requester.chars().count() > MAX_REQUESTER
        || requester.chars().any(char::is_control)
    {
        problems.push(RequestProblem::Requester);
    }
    let today = core.clock.now().to_zoned(local_zone()).date();
    let requested = request
        .requested_on
        .trim()
        .parse::<jiff::civil::Date>()
        .ok()
        .filter(|d| *d <= today)
        .and_then(|d| d.to_zoned(local_zone()).ok())
        .map(|z| z.timestamp().as_millisecond());
    if requested.is_none() {
        problems.push(RequestProblem::Date);
    }
    if !BASES.contains(&request.basis) {
        problems.push(RequestProblem::Basis);
    }
    match (problems.is_empty(), requested) {
        (true, Some(at)) => Ok((requester.to_owned(), at, request.basis.to_owned())),
        _ => Err(problems),
    }
}

/// Records a request for the file of a case's child and gathers the export: the case
/// (for its number) and everything held about the child.
pub async fn export(
    core: &Core,
    permit: &Permit<act::SubjectAccess>,
    case_id: &str,
    request: &Request<'_>,
) -> Result<(CaseRecord, Value), AccessError> {
    let case = core
        .case_for(permit.who(), case_id, Action::SubjectAccess, Use::Read)
        .await?;
    let (requester, requested_at, basis) = match check(core, request) {
        Ok(checked) => checked,
        Err(problems) => {
            return Err(AccessError::Invalid {
                case: Box::new(case),
                problems,
            });
        }
    };
    let stored = record(
        core,
        permit.who(),
        &case,
        &requester,
        requested_at,
        &basis,
        request.json,
    )
    .await?;
    let everything = gather(core, &case.child_id, &stored).await?;
    Ok((case, everything))
}

/// Stores the request (the requester's name sealed) with its audit entry.
async fn record(
    core: &Core,
    who: &Who,
    case: &CaseRecord,
    requester: &str,
    requested_at: i64,
    basis: &str,
    json: bool,
) -> Result<SubjectAccessRequest, CoreError> {
    let id = uuid::Uuid::now_v7().to_string();
    let sealed = core.keyring.seal(
        requester.as_bytes(),
        &sealed_aad("subject_access_requests", "requester", &id),
    )?;
    let now = core.now_ms();
    let request = SubjectAccessRequest {
        id,
        child_id: case.child_id.clone(),
        requester: Some(sealed),
        requested_at,
        basis: basis.to_owned(),
        recorded_by: who.audit_name.clone(),
        recorded_at: now,
    };
    let mut tx = core.store.begin().await?;
    tx.record_subject_access(&request).await?;
    tx.audit(who.audit(
            now,
            "subject_access.exported",
            ("child", &case.child_id),
            &case.territory,
            json!({"request": request.id, "case": case.id, "basis": basis, "format": if json { "json" } else { "pdf" }}),
    ))
    .await?;
    tx.commit().await?;
    Ok(request)
}

fn open_text(core: &Core, sealed: Option<&[u8]>, aad: &str) -> Result<Value, CoreError> {
    match sealed {
        Some(sealed) => {
            let text = core.keyring.open(sealed, aad)?;
            Ok(Value::String(String::from_utf8_lossy(&text).into_owned()))
        }
        None => Ok(Value::Null),
    }
}

fn open_object(core: &Core, sealed: &[u8], aad: &str) -> Result<Value, CoreError> {
    Ok(core.keyring.open_json(sealed, aad)?)
}

/// Everything held about the child, as one JSON document.
async fn gather(
    core: &Core,
    child_id: &str,
    request: &SubjectAccessRequest,
) -> Result<Value, CoreError> {
    let store = &core.store;
    let (sex, birth_year, identity) = store.child_identity(child_id).await?.unwrap_or_default();
    let erased: Vec<Value> = store
        .erasures_of_child(child_id)
        .await?
        .iter()
        .map(|(kind, at)| json!({"kind": kind.code(), "erased_at": rfc3339(*at)}))
        .collect();
    let mut history = Vec::new();
    for change in store.identity_history(child_id).await? {
        let previous = match &change.previous {
            Some(sealed) => open_object(
                core,
                sealed,
                &sealed_aad("identity_history", "previous", &change.id),
            )?,
            None => Value::Null,
        };
        history.push(json!({"changed_at": rfc3339(change.changed_at), "changed_by": change.changed_by, "fields": change.fields, "previous": previous}));
    }
    // Every record of the file, for "who read it".
    let mut records: BTreeSet<String> = BTreeSet::from([child_id.to_owned()]);
    let mut cases = Vec::new();
    for (case_id, _, _) in store.cases_of_child(child_id).await? {
        let Some(case) = store.case(&case_id).await? else {
            continue;
        };
        records.insert(case.id.clone());
        cases.push(case_json(core, &case, &mut records).await?);
    }
    let mut requests = Vec::new();
    for r in store.subject_access_requests(child_id).await? {
        let requester = open_text(
            core,
            r.requester.as_deref(),
            &sealed_aad("subject_access_requests", "requester", &r.id),
        )?;
        requests.push(json!({"id": r.id, "requester": requester, "requested_at": rfc3339(r.requested_at), "basis": r.basis, "recorded_by": r.recorded_by, "recorded_at": rfc3339(r.recorded_at)}));
    }
    let mut readers = Vec::new();
    for record in &records {
        let filter = AuditFilter {
            record_id: Some(record.clone()),
            ..AuditFilter::default()
        };
        for entry in store.audit_entries(&filter, READERS_PER_RECORD, 0).await? {
            let en = entry.entry;
            let username = match en.actor.as_deref() {
                Some(id) => store.user_by_id(id).await?.map(|u| u.username),
                None => None,
            };
            readers.push((entry.seq, json!({"at": rfc3339(en.at_ms), "actor": en.actor, "username": username, "action": en.action, "record_kind": en.record_kind, "record_id": en.record_id})));
        }
    }
    readers.sort_by_key(|(seq, _)| *seq);
    Ok(json!({
        "generated_at": rfc3339(core.now_ms()),
        "request": {"id": request.id, "requested_at": rfc3339(request.requested_at), "basis": request.basis, "recorded_by": request.recorded_by},
        "child": {
            "id": child_id,
            "sex": sex,
            "birth_year": birth_year,
            "identity": core.open_identity(child_id, identity.as_deref())?,
            "erased_under_retention": erased,
        },
        "identity_history": history,
        "cases": cases,
        "subject_access_requests": requests,
        "audit": readers.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
    }))
}

async fn case_json(
    core: &Core,
    case: &CaseRecord,
    records: &mut BTreeSet<String>,
) -> Result<Value, CoreError> {
    let store = &core.store;
    let mut moves = Vec::new();
    for m in store.stage_moves(&case.id).await? {
        let reason = open_text(
            core,
            m.reason.as_deref(),
            &sealed_aad("stage_moves", "reason", &m.id),
        )?;
        moves.push(json!({"from": m.from, "to": m.to, "at": rfc3339(m.at_ms), "by": m.by, "reason": reason}));
    }
    let mut cards = Vec::new();
    for (card_id, _, _, _) in store.case_cards(&case.id).await? {
        let Some(card) = store.card(&card_id).await? else {
            continue;
        };
        records.insert(card.id.clone());
        let values = core.card_values(&card)?;
        let versions = card_versions(core, &card.id).await?;
        cards.push(json!({"id": card.id, "form": card.form_code, "form_version": card.form_version, "created_at": rfc3339(card.created_at), "created_by": card.created_by, "values": values, "versions": versions}));
    }
    let mut plan = Vec::new();
    for a in store.plan_actions(&case.id).await? {
        let text = open_object(
            core,
            &a.sealed,
            &sealed_aad("plan_actions", "sealed", &a.id),
        )?;
        plan.push(json!({"id": a.id, "action": text.get("plan.action"), "goal": text.get("plan.goal"), "responsible": a.responsible_sector, "due_at": a.due_at.map(rfc3339), "status": a.status, "created_at": rfc3339(a.created_at)}));
    }
    let mut documents = Vec::new();
    for part in FilePart::ALL {
        for d in store.documents(&case.id, part.code()).await? {
            let name = open_text(core, Some(&d.name), &sealed_aad("documents", "name", &d.id))?;
            documents.push(json!({"id": d.id, "part": d.part, "kind": d.kind, "content_type": d.content_type, "size": d.size, "name": name, "uploaded_at": rfc3339(d.uploaded_at), "uploaded_by": d.uploaded_by}));
        }
    }
    let mut referrals = Vec::new();
    for r in store.referrals_of_case(&case.id).await? {
        records.insert(r.id.clone());
        let sealed = open_object(core, &r.sealed, &sealed_aad("referrals", "sealed", &r.id))?;
        let mut steps = Vec::new();
        for s in store.referral_steps(&r.id).await? {
            let note = open_text(
                core,
                s.note.as_deref(),
                &sealed_aad("referral_steps", "note", &s.id),
            )?;
            steps.push(json!({"status": s.status, "at": rfc3339(s.taken_at), "by": s.taken_by, "note": note}));
        }
        // The receiving service's answers (issue 16 §4).
        let answers: Vec<Value> = crate::referrals::answers(core, &r)
            .await?
            .into_iter()
            .map(|a| json!({"id": a.id, "organisation": a.organisation, "services": a.services, "appointment_date": a.appointment_date, "outcome": a.outcome, "document": a.document_id, "answered_by": a.answered_by, "answered_at": rfc3339(a.answered_at)}))
            .collect();
        referrals.push(json!({"id": r.id, "from_org": r.from_org, "to_org": r.to_org, "service": r.service, "stage": r.stage, "urgency": r.urgency, "status": r.status, "consent": r.consent, "sent_at": rfc3339(r.sent_at), "reason": sealed.get("reason"), "legal_ground": sealed.get("legal_ground"), "steps": steps, "answers": answers}));
    }
    // The case's flags and approvals, with their reasons and comments (issue 18).
    let flags: Vec<Value> = crate::flags::of_case(core, &case.id).await?.into_iter().map(|f| {
        json!({"text": f.text, "reason": f.reason, "shareable": f.shareable, "added_by": f.added_by, "added_at": rfc3339(f.added_at),
            "removed_by": f.removed_by, "removed_at": f.removed_at.map(rfc3339), "removal_reason": f.removal_reason})
    }).collect();
    let approvals: Vec<Value> = crate::approvals::of_case(core, &case.id).await?.into_iter().map(|a| {
        json!({"step": a.step, "status": a.status, "requested_by": a.requested_by, "requested_at": rfc3339(a.requested_at),
            "request_comment": a.request_comment, "decided_by": a.decided_by, "decided_at": a.decided_at.map(rfc3339),
            "decision_comment": a.decision_comment})
    }).collect();
    // What the receiving services added to the file (issue 16 §2): the entries and
    // documents above, each named with its service and linking card.
    let contributions: Vec<Value> = store
        .case_contributions(&case.id)
        .await?
        .into_iter()
        .map(|c| json!({"id": c.id, "kind": c.kind, "code": c.code, "part": c.part, "organisation": c.organisation, "referral": c.referral_id, "at": rfc3339(c.at_ms)}))
        .collect();
    Ok(json!({
        "id": case.id, "number": case.number, "territory": case.territory, "stage": case.stage, "risk": case.risk,
        "opened_at": rfc3339(case.opened_at), "closed_at": case.closed_at.map(rfc3339),
        "moves": moves, "cards": cards, "plan": plan, "documents": documents, "referrals": referrals,
        "flags": flags, "approvals": approvals,
        "contributions": contributions,
    }))
}

/// The versions a card's edits replaced (a draft report finished later), each with
/// its values opened.
async fn card_versions(core: &Core, card_id: &str) -> Result<Vec<Value>, CoreError> {
    let mut versions = Vec::new();
    for v in core.store.card_version_values(card_id).await? {
        let mut values: serde_json::Map<String, Value> =
            serde_json::from_str(&v.data).unwrap_or_default();
        if let Some(sealed) = &v.sealed {
            let place = format!("{card_id}:{}", v.version);
            if let Value::Object(personal) =
                open_object(core, sealed, &sealed_aad("card_versions", "sealed", &place))?
            {
                values.extend(personal);
            }
        }
        versions.push(json!({"version": v.version, "complete": v.complete, "replaced_by": v.replaced_by, "replaced_at": rfc3339(v.replaced_at), "values": values}));
    }
    Ok(versions)
}
