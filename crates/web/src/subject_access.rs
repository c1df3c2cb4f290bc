//! The right of access (Law 09-08, art. 7): a coordinator records who asked for the file of
//! a case's child, when and on what basis, and gets everything held about that child — the
//! identity and its corrections, every case with its moves, cards, plan, documents' names
//! and linking cards, the earlier requests, and who read the file (from the audit log) —
//! as JSON and as a PDF made from the same JSON. The request is stored (the requester's
//! name sealed) and audited; the export itself is not kept.

use crate::auth::Caller;
use crate::case_cards::{card_values, case_for, open_identity};
use crate::error::internal;
use crate::extract::Shell;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::times::rfc3339;
use askama::Template;
use askama_web::WebTemplate;
use awladna_domain::access::Action;
use awladna_domain::files::FilePart;
use awladna_store::audit::AuditFilter;
use awladna_store::cases::CaseRecord;
use awladna_store::keys::sealed_aad;
use awladna_store::retention::SubjectAccessRequest;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

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

#[derive(Template, WebTemplate)]
#[template(path = "subject_access.html")]
pub struct SubjectAccessPage {
    shell: Shell,
    case_id: String,
    case_number: String,
    bases: Vec<(String, String)>,
    errors: Vec<String>,
    requester: String,
    requested_on: String,
    basis: String,
}

#[derive(Deserialize, Default)]
pub struct RequestForm {
    #[serde(default)]
    requester: String,
    #[serde(default)]
    requested_on: String,
    #[serde(default)]
    basis: String,
    #[serde(default)]
    format: String,
}

fn form_page(
    t: Tr,
    caller: &Caller,
    case: &CaseRecord,
    given: &RequestForm,
    errors: Vec<String>,
) -> Response {
    SubjectAccessPage {
        shell: Shell {
            t,
            here: format!("/cases/{}/subject-access", case.id),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        case_id: case.id.clone(),
        case_number: case.number.clone(),
        bases: BASES
            .iter()
            .map(|b| ((*b).to_owned(), t.get(&format!("subject-access-basis-{b}"))))
            .collect(),
        errors,
        requester: given.requester.clone(),
        requested_on: given.requested_on.clone(),
        basis: given.basis.clone(),
    }
    .into_response()
}

pub async fn page(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(case_id): Path<String>,
) -> Response {
    match case_for(&state, &caller, &case_id, Action::SubjectAccess, false).await {
        Ok(Ok((_, case))) => form_page(t, &caller, &case, &RequestForm::default(), Vec::new()),
        Ok(Err(refusal)) => refusal.page(t),
        Err(detail) => internal(false, t, &detail),
    }
}

/// The request's checked parts, or the messages that say what to fix.
fn check(
    state: &AppState,
    t: Tr,
    form: &RequestForm,
) -> Result<(String, i64, String), Vec<String>> {
    let mut errors = Vec::new();
    let requester = form.requester.trim();
    if requester.is_empty()
        || requester.chars().count() > MAX_REQUESTER
        || requester.chars().any(char::is_control)
    {
        errors.push(t.get("subject-access-error-requester"));
    }
    let today = state
        .clock
        .now()
        .to_zoned(awladna_domain::forms::local_zone())
        .date();
    let requested = form
        .requested_on
        .trim()
        .parse::<jiff::civil::Date>()
        .ok()
        .filter(|d| *d <= today)
        .and_then(|d| d.to_zoned(awladna_domain::forms::local_zone()).ok())
        .map(|z| z.timestamp().as_millisecond());
    if requested.is_none() {
        errors.push(t.get("subject-access-error-date"));
    }
    if !BASES.contains(&form.basis.as_str()) {
        errors.push(t.get("subject-access-error-basis"));
    }
    match (errors.is_empty(), requested) {
        (true, Some(at)) => Ok((requester.to_owned(), at, form.basis.clone())),
        _ => Err(errors),
    }
}

pub async fn export(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(case_id): Path<String>,
    axum::Form(form): axum::Form<RequestForm>,
) -> Response {
    let case = match case_for(&state, &caller, &case_id, Action::SubjectAccess, false).await {
        Ok(Ok((_, case))) => case,
        Ok(Err(refusal)) => return refusal.page(t),
        Err(detail) => return internal(false, t, &detail),
    };
    let (requester, requested_at, basis) = match check(&state, t, &form) {
        Ok(checked) => checked,
        Err(errors) => {
            let page = form_page(t, &caller, &case, &form, errors);
            return (StatusCode::UNPROCESSABLE_ENTITY, page).into_response();
        }
    };
    let pdf = form.format != "json";
    let request = match record(
        &state,
        &caller,
        &case,
        &requester,
        requested_at,
        &basis,
        pdf,
    )
    .await
    {
        Ok(request) => request,
        Err(detail) => return internal(false, t, &detail),
    };
    let everything = match gather(&state, &case.child_id, &request).await {
        Ok(everything) => everything,
        Err(detail) => return internal(false, t, &detail),
    };
    if !pdf {
        let body = serde_json::to_vec_pretty(&everything).unwrap_or_default();
        return attachment("application/json", "subject-access.json", body);
    }
    let document = pdf_document(t, &case.number, &everything);
    match tokio::task::spawn_blocking(move || awladna_pdf::render(&document)).await {
        Ok(Ok(bytes)) => attachment("application/pdf", "subject-access.pdf", bytes),
        Ok(Err(e)) => internal(false, t, &e.to_string()),
        Err(e) => internal(false, t, &e.to_string()),
    }
}

fn attachment(content_type: &'static str, name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// Stores the request (the requester's name sealed) with its audit entry.
async fn record(
    state: &AppState,
    caller: &Caller,
    case: &CaseRecord,
    requester: &str,
    requested_at: i64,
    basis: &str,
    pdf: bool,
) -> Result<SubjectAccessRequest, String> {
    let id = uuid::Uuid::now_v7().to_string();
    let sealed = state
        .keyring
        .seal(
            requester.as_bytes(),
            &sealed_aad("subject_access_requests", "requester", &id),
        )
        .map_err(|e| e.to_string())?;
    let now = state.now_ms();
    let request = SubjectAccessRequest {
        id,
        child_id: case.child_id.clone(),
        requester: Some(sealed),
        requested_at,
        basis: basis.to_owned(),
        recorded_by: caller.audit_actor().unwrap_or_default(),
        recorded_at: now,
    };
    let run = async {
        let mut tx = state.store.begin().await?;
        tx.record_subject_access(&request).await?;
        tx.audit(caller.audit_entry(
            now,
            "subject_access.exported",
            ("child", &case.child_id),
            &case.territory,
            json!({"request": request.id, "case": case.id, "basis": basis, "format": if pdf { "pdf" } else { "json" }}),
        ))
        .await?;
        tx.commit().await
    };
    run.await.map_err(|e| e.detail())?;
    Ok(request)
}

fn open_text(state: &AppState, sealed: Option<&[u8]>, aad: &str) -> Result<Value, String> {
    match sealed {
        Some(sealed) => {
            let text = state.keyring.open(sealed, aad).map_err(|e| e.to_string())?;
            Ok(Value::String(String::from_utf8_lossy(&text).into_owned()))
        }
        None => Ok(Value::Null),
    }
}

fn open_object(state: &AppState, sealed: &[u8], aad: &str) -> Result<Value, String> {
    state
        .keyring
        .open_json(sealed, aad)
        .map_err(|e| e.to_string())
}

/// Everything held about the child, as one JSON document.
pub async fn gather(
    state: &AppState,
    child_id: &str,
    request: &SubjectAccessRequest,
) -> Result<Value, String> {
    let store = &state.store;
    let e = |e: awladna_store::StoreError| e.detail();
    let (sex, birth_year, identity) = store
        .child_identity(child_id)
        .await
        .map_err(e)?
        .unwrap_or_default();
    let erased: Vec<Value> = store
        .erasures_of_child(child_id)
        .await
        .map_err(e)?
        .iter()
        .map(|(kind, at)| json!({"kind": kind.code(), "erased_at": rfc3339(*at)}))
        .collect();
    let mut history = Vec::new();
    for change in store.identity_history(child_id).await.map_err(e)? {
        let previous = match &change.previous {
            Some(sealed) => open_object(
                state,
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
    for (case_id, _, _) in store.cases_of_child(child_id).await.map_err(e)? {
        let Some(case) = store.case(&case_id).await.map_err(e)? else {
            continue;
        };
        records.insert(case.id.clone());
        cases.push(case_json(state, &case, &mut records).await?);
    }
    let mut requests = Vec::new();
    for r in store.subject_access_requests(child_id).await.map_err(e)? {
        let requester = open_text(
            state,
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
        for entry in store
            .audit_entries(&filter, READERS_PER_RECORD, 0)
            .await
            .map_err(e)?
        {
            let en = entry.entry;
            let username = match en.actor.as_deref() {
                Some(id) => store.user_by_id(id).await.map_err(e)?.map(|u| u.username),
                None => None,
            };
            readers.push((entry.seq, json!({"at": rfc3339(en.at_ms), "actor": en.actor, "username": username, "action": en.action, "record_kind": en.record_kind, "record_id": en.record_id})));
        }
    }
    readers.sort_by_key(|(seq, _)| *seq);
    Ok(json!({
        "generated_at": rfc3339(state.now_ms()),
        "request": {"id": request.id, "requested_at": rfc3339(request.requested_at), "basis": request.basis, "recorded_by": request.recorded_by},
        "child": {
            "id": child_id,
            "sex": sex,
            "birth_year": birth_year,
            "identity": open_identity(state, child_id, identity.as_deref())?,
            "erased_under_retention": erased,
        },
        "identity_history": history,
        "cases": cases,
        "subject_access_requests": requests,
        "audit": readers.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
    }))
}

async fn case_json(
    state: &AppState,
    case: &CaseRecord,
    records: &mut BTreeSet<String>,
) -> Result<Value, String> {
    let store = &state.store;
    let e = |e: awladna_store::StoreError| e.detail();
    let mut moves = Vec::new();
    for m in store.stage_moves(&case.id).await.map_err(e)? {
        let reason = open_text(
            state,
            m.reason.as_deref(),
            &sealed_aad("stage_moves", "reason", &m.id),
        )?;
        moves.push(json!({"from": m.from, "to": m.to, "at": rfc3339(m.at_ms), "by": m.by, "reason": reason}));
    }
    let mut cards = Vec::new();
    for (card_id, _, _, _) in store.case_cards(&case.id).await.map_err(e)? {
        let Some(card) = store.card(&card_id).await.map_err(e)? else {
            continue;
        };
        records.insert(card.id.clone());
        let values = card_values(state, &card)?;
        cards.push(json!({"id": card.id, "form": card.form_code, "form_version": card.form_version, "created_at": rfc3339(card.created_at), "created_by": card.created_by, "values": values}));
    }
    let mut plan = Vec::new();
    for a in store.plan_actions(&case.id).await.map_err(e)? {
        let text = open_object(
            state,
            &a.sealed,
            &sealed_aad("plan_actions", "sealed", &a.id),
        )?;
        plan.push(json!({"id": a.id, "action": text.get("plan.action"), "goal": text.get("plan.goal"), "responsible": a.responsible_sector, "due_at": a.due_at.map(rfc3339), "status": a.status, "created_at": rfc3339(a.created_at)}));
    }
    let mut documents = Vec::new();
    for part in FilePart::ALL {
        for d in store.documents(&case.id, part.code()).await.map_err(e)? {
            let name = open_text(
                state,
                Some(&d.name),
                &sealed_aad("documents", "name", &d.id),
            )?;
            documents.push(json!({"id": d.id, "part": d.part, "kind": d.kind, "content_type": d.content_type, "size": d.size, "name": name, "uploaded_at": rfc3339(d.uploaded_at), "uploaded_by": d.uploaded_by}));
        }
    }
    let mut referrals = Vec::new();
    for r in store.referrals_of_case(&case.id).await.map_err(e)? {
        records.insert(r.id.clone());
        let sealed = open_object(state, &r.sealed, &sealed_aad("referrals", "sealed", &r.id))?;
        let mut steps = Vec::new();
        for s in store.referral_steps(&r.id).await.map_err(e)? {
            let note = open_text(
                state,
                s.note.as_deref(),
                &sealed_aad("referral_steps", "note", &s.id),
            )?;
            steps.push(json!({"status": s.status, "at": rfc3339(s.taken_at), "by": s.taken_by, "note": note}));
        }
        referrals.push(json!({"id": r.id, "from_org": r.from_org, "to_org": r.to_org, "service": r.service, "stage": r.stage, "urgency": r.urgency, "status": r.status, "consent": r.consent, "sent_at": rfc3339(r.sent_at), "reason": sealed.get("reason"), "legal_ground": sealed.get("legal_ground"), "steps": steps}));
    }
    Ok(json!({
        "id": case.id, "number": case.number, "territory": case.territory, "stage": case.stage, "risk": case.risk,
        "opened_at": rfc3339(case.opened_at), "closed_at": case.closed_at.map(rfc3339),
        "moves": moves, "cards": cards, "plan": plan, "documents": documents, "referrals": referrals,
    }))
}

/// A value as one line of the PDF.
fn shown(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(shown).collect::<Vec<_>>().join(", "),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k}: {}", shown(v)))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

fn facts(map: &Map<String, Value>) -> awladna_pdf::Block {
    awladna_pdf::Block::Facts(
        map.iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), shown(v)))
            .collect(),
    )
}

/// The PDF of the export: the same JSON, section by section.
fn pdf_document(t: Tr, case_number: &str, everything: &Value) -> awladna_pdf::Document {
    use awladna_pdf::Block;
    let empty = Map::new();
    let object = |v: &Value| v.as_object().cloned().unwrap_or_else(|| empty.clone());
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let mut blocks = vec![
        Block::Notice(t.get("case-print-notice")),
        Block::Paragraph(t.get("subject-access-pdf-intro")),
        Block::Heading(t.get("subject-access-pdf-request")),
        facts(&object(&everything["request"])),
        Block::Heading(t.get("case-child")),
    ];
    let child = object(&everything["child"]);
    let mut child_facts = child.clone();
    child_facts.remove("identity");
    blocks.push(facts(&child_facts));
    blocks.push(facts(&object(&child["identity"])));
    let history = list(&everything["identity_history"]);
    if !history.is_empty() {
        blocks.push(Block::Heading(t.get("identity-history-title")));
        blocks.extend(history.iter().map(|h| facts(&object(h))));
    }
    for case in list(&everything["cases"]) {
        let case = object(&case);
        blocks.push(Block::Heading(format!(
            "{} {}",
            t.get("subject-access-pdf-case"),
            shown(&case["number"])
        )));
        let mut summary = case.clone();
        for part in ["moves", "cards", "plan", "documents", "referrals"] {
            summary.remove(part);
        }
        blocks.push(facts(&summary));
        for part in ["moves", "cards", "plan", "documents", "referrals"] {
            let items = list(&case[part]);
            if items.is_empty() {
                continue;
            }
            blocks.push(Block::Heading(t.get(&format!("subject-access-pdf-{part}"))));
            for item in items {
                let mut item = object(&item);
                if let Some(Value::Object(values)) = item.remove("values") {
                    item.extend(values);
                }
                blocks.push(facts(&item));
            }
        }
    }
    let requests = list(&everything["subject_access_requests"]);
    blocks.push(Block::Heading(t.get("subject-access-pdf-requests")));
    blocks.extend(requests.iter().map(|r| facts(&object(r))));
    blocks.push(Block::Heading(t.get("subject-access-pdf-readers")));
    blocks.push(Block::Table {
        headers: vec![
            t.get("subject-access-pdf-when"),
            t.get("subject-access-pdf-who"),
            t.get("subject-access-pdf-what"),
        ],
        rows: list(&everything["audit"])
            .iter()
            .map(|a| {
                vec![
                    shown(&a["at"]),
                    shown(if a["username"].is_null() {
                        &a["actor"]
                    } else {
                        &a["username"]
                    }),
                    shown(&a["action"]),
                ]
            })
            .collect(),
        numeric: vec![false, false, false],
    });
    awladna_pdf::Document {
        title: format!("{} — {case_number}", t.get("subject-access-title")),
        lang: match t.lang {
            awladna_domain::Lang::Ar => awladna_pdf::Lang::Ar,
            awladna_domain::Lang::Fr => awladna_pdf::Lang::Fr,
            awladna_domain::Lang::En => awladna_pdf::Lang::En,
        },
        footer: format!("{} — {}", t.get("subject-access-title"), t.get("app-name")),
        blocks,
    }
}
