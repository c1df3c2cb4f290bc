//! The linking cards in the web interface: the form that refers a child from the case
//! page, the organisation's inbox and outbox, and the card with its steps, what was
//! shared and the answers its reader may give.

use super::api::asked_step;
use super::mailbox;
use super::view::{Names, ReferralLine, SharedView, line, shared_views};
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::state::AppState;
use crate::times::local_time;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::referrals::{
    ReferralError, ReferralRequest, is_overdue, list as listed, open, refer_form as offered, send,
    take,
};
use awladna_core::{CoreError, Permit, act};
use awladna_domain::referral::SharedPart;
use awladna_store::referrals::Mailbox;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

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
    shell: Shell,
    Guard(permit): Guard<act::UseReferrals>,
    Query(query): Query<ListQuery>,
) -> Result<ReferralsPage, AppError> {
    let which = mailbox(query.mailbox.as_deref()).ok_or(AppError::NotFound)?;
    let found = listed(&state, &permit, which, query.page).await?;
    let names = Names::read(&state).await.map_err(AppError::Internal)?;
    let now = state.now_ms();
    let lines = found
        .referrals
        .iter()
        .map(|r| {
            let other = if which == Mailbox::Inbox {
                &r.from_org
            } else {
                &r.to_org
            };
            line(&state, shell.t, &names, r, other, now)
        })
        .collect();
    Ok(ReferralsPage {
        shell,
        inbox: which == Mailbox::Inbox,
        lines,
        page: found.page,
        more: found.more,
    })
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
    /// The same linking card was sent twice: it was sent once.
    already: bool,
    /// The receiving service's answers and answer form (`referral_answer.html`).
    answer: super::contributions::AnswerPart,
    /// The case's flags marked shareable (issue 18): what the service must know.
    flags: Vec<crate::cases::flags::FlagView>,
}

/// The card's page; with a `message`, the answer to a step that was refused.
async fn referral_page(
    state: &AppState,
    shell: Shell,
    permit: &Permit<act::UseReferrals>,
    id: &str,
    message: Option<String>,
    told: crate::forms::SavedQuery,
) -> Result<Response, AppError> {
    let opened = open(state, permit, state, id).await?;
    let names = Names::read(state).await.map_err(AppError::Internal)?;
    let t = shell.t;
    let r = &opened.referral;
    let steps = opened
        .steps
        .iter()
        .map(|s| {
            (
                t.get(&format!("referral-status-{}", s.status)),
                local_time(s.at_ms),
                s.note.clone(),
            )
        })
        .collect();
    let status = if message.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let answer =
        super::contributions::answer_part(state, t, permit.actor(), &opened, |org| names.of(org))
            .await?;
    let page = ReferralPage {
        flags: awladna_core::flags::shared(state, &r.case_id)
            .await?
            .iter()
            .map(crate::cases::flags::FlagView::of)
            .collect(),
        answer,
        id: r.id.clone(),
        version: r.version,
        from: names.of(&r.from_org),
        to: names.of(&r.to_org),
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
        actions: opened
            .available_steps()
            .iter()
            .map(|s| s.code().to_owned())
            .collect(),
        case_link: opened
            .standing
            .links_to_case()
            .then(|| format!("/cases/{}", r.case_id)),
        message,
        already: told.already(),
        shell,
    };
    Ok((status, page).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::UseReferrals>,
    Path(id): Path<String>,
    axum::extract::Query(told): axum::extract::Query<crate::forms::SavedQuery>,
) -> Result<Response, AppError> {
    referral_page(&state, shell, &permit, &id, None, told).await
}

#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default)]
    note: String,
    version: Option<i64>,
}

/// Takes a step and goes back to the card; a refused step shows the card again with
/// what went wrong.
pub async fn step(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::UseReferrals>,
    Path((id, step)): Path<(String, String)>,
    axum::Form(form): axum::Form<StepForm>,
) -> Result<Response, AppError> {
    let step = asked_step(&step)?;
    let here = format!("/referrals/{id}");
    let t = shell.t;
    let message = match take(&state, &permit, &state, &id, step, &form.note, form.version).await {
        Ok(_) => return Ok(Redirect::to(&here).into_response()),
        Err(ReferralError::Illegal(illegal)) => t.get(illegal.message_id()),
        Err(ReferralError::Core(CoreError::Invalid(errors))) => errors
            .first()
            .map(|e| t.with(e.problem.message_id(), &e.problem.arguments()))
            .unwrap_or_default(),
        Err(ReferralError::Stale) => t.get("referral-stale"),
        Err(e) => return Err(e.into()),
    };
    referral_page(
        &state,
        shell.at(here),
        &permit,
        &id,
        Some(message),
        Default::default(),
    )
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "refer.html")]
pub struct ReferPage {
    shell: Shell,
    case_id: String,
    case_number: String,
    /// The protocol's basket for the stage, and the organisations: those of the province
    /// that offer the chosen service first (issue 15 §4), then the others.
    protocol: crate::protocol::proposals::ReferPart,
    stages: Vec<(String, String)>,
    services: Vec<(String, String)>,
    urgencies: Vec<(String, String)>,
    parts: Vec<(String, String)>,
    errors: Vec<String>,
    given: ReferralRequest,
    /// This rendering's submission key (the form sent twice sends one card).
    key: String,
}

/// The referral form of a case, filled with what was `given`; with `errors`, the
/// answer to a refused sending.
async fn refer_page(
    state: &AppState,
    shell: Shell,
    permit: &Permit<act::Refer>,
    case_id: &str,
    given: ReferralRequest,
    problems: Vec<awladna_domain::forms::FieldError>,
) -> Result<Response, AppError> {
    let form = offered(state, permit, case_id).await?;
    let t = shell.t;
    // A part that may not go to the chosen service is named, so that the sender knows
    // which chip to untick.
    let receiver_sector = form
        .receivers
        .iter()
        .find(|o| o.code == given.to_org)
        .map(|o| o.sector.clone());
    let refused_parts = given
        .share
        .iter()
        .filter_map(|code| code.trim().parse::<SharedPart>().ok())
        .filter(|part| {
            receiver_sector
                .as_deref()
                .is_some_and(|sector| !part.shareable_with(sector))
        })
        .map(|part| t.get(&format!("share-{}", part.code())))
        .collect::<Vec<_>>()
        .join(t.list_separator());
    let errors: Vec<String> = problems
        .iter()
        .map(|e| {
            let mut message = format!(
                "{}: {}",
                t.get(&format!("referral-field-{}", e.field)),
                t.with(e.problem.message_id(), &e.problem.arguments())
            );
            if e.problem == awladna_domain::forms::Problem::NotShareable
                && !refused_parts.is_empty()
            {
                message = format!("{message} ({refused_parts})");
            }
            message
        })
        .collect();
    let protocol = crate::protocol::proposals::refer_part(
        state,
        t,
        &form,
        &given.stage,
        given.service.as_deref(),
    )
    .await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ReferPage {
        case_id: form.case.id,
        case_number: form.case.number,
        protocol,
        stages: state
            .choices(t, "stages")
            .into_iter()
            .filter(|(c, _)| c != "closed")
            .collect(),
        services: state.choices(t, "services"),
        urgencies: state.choices(t, "urgency"),
        parts: SharedPart::ALL
            .iter()
            .map(|p| (p.code().to_owned(), t.get(&format!("share-{}", p.code()))))
            .collect(),
        errors,
        given,
        key: uuid::Uuid::now_v7().to_string(),
        shell,
    };
    Ok((status, page).into_response())
}

/// What the case page's proposal asks the form for: a stage and a service of the
/// protocol (issue 15 §4). Anything else is shown as not chosen.
#[derive(Deserialize)]
pub struct ReferAsk {
    stage: Option<String>,
    service: Option<String>,
}

pub async fn refer_form(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::Refer>,
    Path(case_id): Path<String>,
    Query(ask): Query<ReferAsk>,
) -> Result<Response, AppError> {
    let known = |vocabulary: &str, code: Option<String>| -> Option<String> {
        let code = code?.trim().to_owned();
        let vocabulary = state.reference.vocabulary(vocabulary)?;
        vocabulary.term(&code).is_some().then_some(code)
    };
    let given = ReferralRequest {
        urgency: "high".into(),
        stage: known("stages", ask.stage).unwrap_or_default(),
        service: known("services", ask.service),
        ..Default::default()
    };
    refer_page(&state, shell, &permit, &case_id, given, Vec::new()).await
}

pub async fn refer(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::Refer>,
    Path(case_id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let mut given = ReferralRequest::default();
    let submission = crate::forms::submission_key(&pairs);
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
    match send(
        &state,
        &permit,
        &state,
        &case_id,
        &given,
        submission.as_deref(),
    )
    .await
    {
        Ok(sent) => Ok(Redirect::to(&crate::forms::saved_at(
            &format!("/referrals/{}", sent.id),
            sent.repeated,
        ))
        .into_response()),
        Err(ReferralError::Core(CoreError::Invalid(errors))) => {
            refer_page(&state, shell, &permit, &case_id, given, errors).await
        }
        Err(e) => Err(e.into()),
    }
}
