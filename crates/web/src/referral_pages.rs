//! The linking cards in the web interface: the form that refers a child from the case
//! page, the organisation's inbox and outbox, the card with its steps, what was shared
//! and the answers its reader may give, and the card printed for a service without users.

use crate::auth::Caller;
use crate::card_view::{ShownSection, shown_sections};
use crate::case_cards::case_for;
use crate::error::{internal, page_error, page_refusal};
use crate::extract::Shell;
use crate::i18n::Tr;
use crate::referral_api::{PAGE_SIZE, mailbox};
use crate::referrals::{
    OpenedReferral, ReferralRequest, SendOutcome, Standing, StepOutcome, is_overdue, open, send,
    take,
};
use crate::state::AppState;
use crate::times::local_time;
use askama::Template;
use askama_web::WebTemplate;
use awladna_domain::access::Action;
use awladna_domain::referral::{Side, Status, Step};
use awladna_store::referrals::{Mailbox, ReferralRecord};
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

/// Organisation names by code, read once per page.
async fn org_names(state: &AppState) -> Result<HashMap<String, String>, String> {
    Ok(state
        .store
        .organisations(None)
        .await
        .map_err(|e| e.detail())?
        .into_iter()
        .map(|o| (o.code, o.name))
        .collect())
}

pub struct ReferralLine {
    pub(crate) id: String,
    pub(crate) other: String,
    pub(crate) stage: String,
    pub(crate) urgency: String,
    pub(crate) status: String,
    pub(crate) sent: String,
    pub(crate) due: String,
    pub(crate) overdue: bool,
}

fn line(
    state: &AppState,
    t: Tr,
    names: &HashMap<String, String>,
    r: &ReferralRecord,
    other_org: &str,
    now: i64,
) -> ReferralLine {
    ReferralLine {
        id: r.id.clone(),
        other: names
            .get(other_org)
            .cloned()
            .unwrap_or_else(|| other_org.to_owned()),
        stage: state.label(t, "stages", &r.stage),
        urgency: state.label(t, "urgency", &r.urgency),
        status: t.get(&format!("referral-status-{}", r.status)),
        sent: local_time(r.sent_at),
        due: local_time(r.due_at),
        overdue: is_overdue(r, now),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "referrals.html")]
pub struct ReferralsPage {
    shell: Shell,
    inbox: bool,
    lines: Vec<ReferralLine>,
    page: i64,
    more: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(rename = "box")]
    mailbox: Option<String>,
    page: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Query(query): Query<ListQuery>,
) -> Response {
    let Some(actor) = caller.actor.as_ref() else {
        return page_refusal(t, StatusCode::FORBIDDEN, "auth-forbidden");
    };
    let Some(which) = mailbox(query.mailbox.as_deref()) else {
        return page_error(t, StatusCode::NOT_FOUND);
    };
    let page = query.page.unwrap_or(1).clamp(1, i64::MAX / PAGE_SIZE);
    let rows = match state
        .store
        .referrals_of(
            &actor.organisation,
            which,
            PAGE_SIZE + 1,
            (page - 1) * PAGE_SIZE,
        )
        .await
    {
        Ok(rows) => rows,
        Err(e) => return crate::error::store_failure(t, &e),
    };
    let names = match org_names(&state).await {
        Ok(names) => names,
        Err(detail) => return internal(false, t, &detail),
    };
    let now = state.now_ms();
    let more = rows.len() > usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX);
    let lines = rows
        .iter()
        .take(usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX))
        .map(|r| {
            let other = if which == Mailbox::Inbox {
                &r.from_org
            } else {
                &r.to_org
            };
            line(&state, t, &names, r, other, now)
        })
        .collect();
    ReferralsPage {
        shell: Shell {
            t,
            here: uri.path().to_owned(),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        inbox: which == Mailbox::Inbox,
        lines,
        page,
        more,
    }
    .into_response()
}

/// A shared part of the file as the card shows it.
pub struct SharedView {
    title: String,
    sections: Vec<ShownSection>,
    lines: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "referral.html")]
pub struct ReferralPage {
    shell: Shell,
    id: String,
    version: i64,
    from: String,
    to: String,
    stage: String,
    service: String,
    urgency: String,
    status: String,
    sent: String,
    due: String,
    overdue: bool,
    reason: String,
    consent: String,
    legal_ground: Option<String>,
    steps: Vec<(String, String, Option<String>)>,
    shared: Vec<SharedView>,
    /// The steps the reader may take now.
    actions: Vec<String>,
    case_link: Option<String>,
    message: Option<String>,
}

fn shared_views(
    state: &AppState,
    t: Tr,
    shared: &serde_json::Map<String, Value>,
) -> Vec<SharedView> {
    let mut views = Vec::new();
    for (part, value) in shared {
        let title = t.get(&format!("share-{part}"));
        let form_of = |code: &str| state.reference.form(code);
        let (sections, lines) = match (part.as_str(), value) {
            ("identity", Value::Object(identity)) => {
                let text = |k: &str| {
                    identity
                        .get(k)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                let mut lines = vec![text("name")];
                for key in ["birth_date", "mother_name", "address"] {
                    if !text(key).is_empty() {
                        lines.push(text(key));
                    }
                }
                (Vec::new(), lines)
            }
            ("report" | "evaluation", Value::Object(values)) => match form_of(part) {
                Some(form) => (
                    shown_sections(t, &state.reference, form, values),
                    Vec::new(),
                ),
                None => (Vec::new(), Vec::new()),
            },
            ("plan", Value::Array(actions)) => (
                Vec::new(),
                actions
                    .iter()
                    .map(|a| {
                        let what = a
                            .get("action")
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                            .unwrap_or_else(|| t.get("plan-evaluation-response"));
                        let sector = a
                            .get("responsible")
                            .and_then(Value::as_str)
                            .unwrap_or_default();
                        format!("{what} — {}", state.label(t, "sectors", sector))
                    })
                    .collect(),
            ),
            (file, Value::Array(entries)) => {
                let form = file
                    .strip_suffix("_file")
                    .and_then(|p| p.parse().ok())
                    .and_then(|p| crate::case_cards::entry_form(state, p));
                let sections = match form {
                    Some(form) => entries
                        .iter()
                        .filter_map(Value::as_object)
                        .flat_map(|values| shown_sections(t, &state.reference, form, values))
                        .collect(),
                    None => Vec::new(),
                };
                (sections, Vec::new())
            }
            _ => (Vec::new(), Vec::new()),
        };
        views.push(SharedView {
            title,
            sections,
            lines,
        });
    }
    views
}

/// The steps a reader may take on a referral now.
fn available(opened: &OpenedReferral) -> Vec<Step> {
    let Ok(status) = opened.referral.status.parse::<Status>() else {
        return Vec::new();
    };
    let side = match opened.standing {
        Standing::End(side) => side,
        Standing::ForUnstaffedReceiver => Side::Receiver,
        Standing::Overseer => return Vec::new(),
    };
    let mut steps: Vec<Step> = [Step::Accept, Step::Decline, Step::Deliver, Step::Close]
        .into_iter()
        .filter(|s| awladna_domain::referral::take_step(status, *s, side).is_ok())
        .collect();
    if opened.standing == Standing::ForUnstaffedReceiver
        && awladna_domain::referral::take_step(status, Step::Close, Side::Sender).is_ok()
        && !steps.contains(&Step::Close)
    {
        steps.push(Step::Close);
    }
    steps
}

async fn referral_page(
    state: &AppState,
    t: Tr,
    caller: &Caller,
    here: &str,
    id: &str,
    message: Option<String>,
) -> Response {
    let opened = match open(state, caller, id).await {
        Ok(Some(opened)) => opened,
        Ok(None) => return page_error(t, StatusCode::NOT_FOUND),
        Err(detail) => return internal(false, t, &detail),
    };
    let names = match org_names(state).await {
        Ok(names) => names,
        Err(detail) => return internal(false, t, &detail),
    };
    let name = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_owned());
    let r = &opened.referral;
    let steps = opened
        .steps
        .iter()
        .map(|(status, at, _, note)| {
            (
                t.get(&format!("referral-status-{status}")),
                local_time(*at),
                note.clone(),
            )
        })
        .collect();
    let case_link =
        (opened.standing != Standing::End(Side::Receiver)).then(|| format!("/cases/{}", r.case_id));
    let status = if message.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ReferralPage {
        shell: Shell {
            t,
            here: here.to_owned(),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        id: r.id.clone(),
        version: r.version,
        from: name(&r.from_org),
        to: name(&r.to_org),
        stage: state.label(t, "stages", &r.stage),
        service: r
            .service
            .as_deref()
            .map(|s| state.label(t, "services", s))
            .unwrap_or_default(),
        urgency: state.label(t, "urgency", &r.urgency),
        status: t.get(&format!("referral-status-{}", r.status)),
        sent: local_time(r.sent_at),
        due: local_time(r.due_at),
        overdue: is_overdue(r, state.now_ms()),
        reason: opened.reason.clone(),
        consent: t.get(&format!("referral-consent-{}", r.consent)),
        legal_ground: opened.legal_ground.clone(),
        steps,
        shared: shared_views(state, t, &opened.shared),
        actions: available(&opened)
            .iter()
            .map(|s| s.code().to_owned())
            .collect(),
        case_link,
        message,
    };
    (status, page).into_response()
}

pub async fn show(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Path(id): Path<String>,
) -> Response {
    referral_page(&state, t, &caller, uri.path(), &id, None).await
}

#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default)]
    note: String,
    version: Option<i64>,
}

pub async fn step(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path((id, step)): Path<(String, String)>,
    axum::Form(form): axum::Form<StepForm>,
) -> Response {
    let step = match step.parse::<Step>() {
        Ok(step) if step != Step::Receive => step,
        _ => return page_error(t, StatusCode::NOT_FOUND),
    };
    let here = format!("/referrals/{id}");
    let message = match take(&state, &caller, &id, step, &form.note, form.version).await {
        Ok(StepOutcome::Taken { .. }) => return Redirect::to(&here).into_response(),
        Ok(StepOutcome::Hidden) => return page_error(t, StatusCode::NOT_FOUND),
        Ok(StepOutcome::Illegal(illegal)) => t.get(illegal.message_id()),
        Ok(StepOutcome::Invalid(errors)) => errors
            .first()
            .map(|e| t.with(e.problem.message_id(), &e.problem.arguments()))
            .unwrap_or_default(),
        Ok(StepOutcome::Stale) => t.get("referral-stale"),
        Err(detail) => return internal(false, t, &detail),
    };
    referral_page(&state, t, &caller, &here, &id, Some(message)).await
}

#[derive(Template, WebTemplate)]
#[template(path = "refer.html")]
pub struct ReferPage {
    shell: Shell,
    case_id: String,
    case_number: String,
    orgs: Vec<(String, String, String)>,
    stages: Vec<(String, String)>,
    services: Vec<(String, String)>,
    urgencies: Vec<(String, String)>,
    parts: Vec<(String, String)>,
    errors: Vec<String>,
    given: ReferralRequest,
}

async fn refer_page(
    state: &AppState,
    t: Tr,
    caller: &Caller,
    here: &str,
    case_id: &str,
    given: ReferralRequest,
    errors: Vec<String>,
) -> Response {
    let case = match case_for(state, caller, case_id, Action::Refer, true).await {
        Ok(Ok((_, case))) => case,
        Ok(Err(refusal)) => return refusal.page(t),
        Err(detail) => return internal(false, t, &detail),
    };
    let own = caller
        .actor
        .as_ref()
        .map(|a| a.organisation.clone())
        .unwrap_or_default();
    let orgs = match state.store.organisations(None).await {
        Ok(orgs) => orgs
            .into_iter()
            .filter(|o| o.code != own && o.territory.as_deref().is_none_or(|t| t == case.territory))
            .map(|o| {
                let sector = state.label(t, "sectors", &o.sector);
                // An option holds text only: the name is isolated by characters (FSI
                // … PDI, as Fluent isolates what it places), not by an element.
                (o.code, format!("\u{2068}{}\u{2069}", o.name), sector)
            })
            .collect(),
        Err(e) => return crate::error::store_failure(t, &e),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ReferPage {
        shell: Shell {
            t,
            here: here.to_owned(),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        case_id: case.id.clone(),
        case_number: case.number.clone(),
        orgs,
        stages: state
            .choices(t, "stages")
            .into_iter()
            .filter(|(c, _)| c != "closed")
            .collect(),
        services: state.choices(t, "services"),
        urgencies: state.choices(t, "urgency"),
        parts: awladna_domain::referral::SharedPart::ALL
            .iter()
            .map(|p| (p.code().to_owned(), t.get(&format!("share-{}", p.code()))))
            .collect(),
        errors,
        given,
    };
    (status, page).into_response()
}

pub async fn refer_form(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Path(case_id): Path<String>,
) -> Response {
    let given = ReferralRequest {
        urgency: "high".into(),
        ..Default::default()
    };
    refer_page(&state, t, &caller, uri.path(), &case_id, given, Vec::new()).await
}

pub async fn refer(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Path(case_id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Response {
    let mut given = ReferralRequest::default();
    for (key, value) in pairs {
        match key.as_str() {
            "to_org" => given.to_org = value,
            "stage" => given.stage = value,
            "service" => given.service = Some(value),
            "urgency" => given.urgency = value,
            "reason" => given.reason = value,
            "consent" => given.consent = value,
            "legal_ground" => given.legal_ground = Some(value),
            "share" => given.share.push(value),
            _ => {}
        }
    }
    match send(&state, &caller, &case_id, &given).await {
        Ok(SendOutcome::Sent(id)) => Redirect::to(&format!("/referrals/{id}")).into_response(),
        Ok(SendOutcome::Invalid(errors)) => {
            let messages = errors
                .iter()
                .map(|e| {
                    format!(
                        "{}: {}",
                        t.get(&format!("referral-field-{}", e.field)),
                        t.with(e.problem.message_id(), &e.problem.arguments())
                    )
                })
                .collect();
            refer_page(&state, t, &caller, uri.path(), &case_id, given, messages).await
        }
        Ok(SendOutcome::Refused(refusal)) => refusal.page(t),
        Err(detail) => internal(false, t, &detail),
    }
}

/// The referrals of a case, for its page: (link, other service, status, overdue).
pub async fn case_referrals(
    state: &AppState,
    t: Tr,
    case_id: &str,
) -> Result<Vec<ReferralLine>, String> {
    let rows = state
        .store
        .referrals_of_case(case_id)
        .await
        .map_err(|e| e.detail())?;
    let names = org_names(state).await?;
    let now = state.now_ms();
    Ok(rows
        .iter()
        .map(|r| line(state, t, &names, r, &r.to_org, now))
        .collect())
}

/// The linking cards of the coordinator's province still unanswered past their
/// deadline, most overdue first (at most a hundred).
pub async fn overdue_referrals(
    state: &AppState,
    t: Tr,
    actor: &awladna_domain::access::Actor,
) -> Result<Vec<ReferralLine>, String> {
    let Some(territory) = actor.territory.as_deref() else {
        return Ok(Vec::new());
    };
    let now = state.now_ms();
    let rows = state
        .store
        .overdue_referrals(territory, now, 100)
        .await
        .map_err(|e| e.detail())?;
    let names = org_names(state).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let mut l = line(state, t, &names, r, &r.to_org, now);
            l.other = format!(
                "{} → {}",
                names
                    .get(&r.from_org)
                    .cloned()
                    .unwrap_or_else(|| r.from_org.clone()),
                l.other
            );
            l
        })
        .collect())
}

/// The linking card as a PDF (Arabic shaped, right to left): for a service outside the
/// system, or for the paper file. It holds only what the card shares; printing it is
/// audited like a reading.
pub async fn card_pdf(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let opened = match open(&state, &caller, &id).await {
        Ok(Some(opened)) => opened,
        Ok(None) => return page_error(t, StatusCode::NOT_FOUND),
        Err(detail) => return internal(false, t, &detail),
    };
    let names = match org_names(&state).await {
        Ok(names) => names,
        Err(detail) => return internal(false, t, &detail),
    };
    let document = card_document(&state, t, &opened, &names);
    let rendered = tokio::task::spawn_blocking(move || awladna_pdf::render(&document)).await;
    let bytes = match rendered {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => return internal(false, t, &e.to_string()),
        Err(e) => return internal(false, t, &e.to_string()),
    };
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"linking-card.pdf\"".to_owned(),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

fn card_document(
    state: &AppState,
    t: Tr,
    opened: &OpenedReferral,
    names: &HashMap<String, String>,
) -> awladna_pdf::Document {
    use awladna_pdf::Block;
    let r = &opened.referral;
    let name = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_owned());
    let mut facts = vec![
        (t.get("referral-from"), name(&r.from_org)),
        (t.get("referral-to"), name(&r.to_org)),
        (
            t.get("referral-field-stage"),
            state.label(t, "stages", &r.stage),
        ),
        (
            t.get("referral-field-urgency"),
            state.label(t, "urgency", &r.urgency),
        ),
        (t.get("referral-sent"), local_time(r.sent_at)),
        (t.get("referral-due"), local_time(r.due_at)),
        (t.get("referral-field-reason"), opened.reason.clone()),
        (
            t.get("referral-field-consent"),
            t.get(&format!("referral-consent-{}", r.consent)),
        ),
    ];
    if let Some(service) = &r.service {
        facts.insert(
            3,
            (
                t.get("referral-field-service"),
                state.label(t, "services", service),
            ),
        );
    }
    if let Some(ground) = &opened.legal_ground {
        facts.push((t.get("referral-field-legal_ground"), ground.clone()));
    }
    let mut blocks = vec![
        Block::Notice(t.get("case-print-notice")),
        Block::Facts(facts),
    ];
    for part in shared_views(state, t, &opened.shared) {
        blocks.push(Block::Heading(part.title));
        blocks.extend(part.lines.into_iter().map(Block::Paragraph));
        for section in part.sections {
            blocks.push(Block::Facts(
                section
                    .fields
                    .into_iter()
                    .map(|f| (f.label, f.value))
                    .collect(),
            ));
        }
    }
    blocks.push(Block::Heading(t.get("referral-steps")));
    blocks.push(Block::Table {
        headers: vec![
            t.get("referral-steps"),
            t.get("referral-sent"),
            t.get("referral-deliver-note"),
        ],
        rows: opened
            .steps
            .iter()
            .map(|(status, at, _, note)| {
                vec![
                    t.get(&format!("referral-status-{status}")),
                    local_time(*at),
                    note.clone().unwrap_or_default(),
                ]
            })
            .collect(),
        numeric: vec![false, false, false],
    });
    // A service without users writes its answer on the paper; the sender records it.
    blocks.push(Block::Heading(t.get("referral-paper-answer")));
    blocks.push(Block::Paragraph(t.get("referral-paper-answer-lines")));
    awladna_pdf::Document {
        title: t.get("referral-title"),
        lang: match t.lang {
            awladna_domain::Lang::Ar => awladna_pdf::Lang::Ar,
            awladna_domain::Lang::Fr => awladna_pdf::Lang::Fr,
            awladna_domain::Lang::En => awladna_pdf::Lang::En,
        },
        footer: format!("{} — {}", t.get("referral-title"), t.get("app-name")),
        blocks,
    }
}
