//! The reporting card in the web interface: the quick capture that saves a draft or a
//! complete card, and the card's page for those allowed to read it.

use crate::auth::Caller;
use crate::card_view::{ShownSection, shown_sections};
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::forms::{read_submission, stored_values, storing_form, storing_page};
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::act;
use awladna_core::children::ranked_candidates;
use awladna_core::reports::{EditError, OpenedCard, RecordError, abandoned, edit, open, record};
use awladna_domain::access::{Decision, decide_draft_edit};
use awladna_domain::forms::local_zone;
use axum::extract::{OriginalUri, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::BTreeMap;

const FORM: &str = "report";

/// Where the quick capture posts.
const FORM_ACTION: &str = "/reports/new";

pub async fn new_report(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
) -> Result<Response, AppError> {
    let form = state.reference.form(FORM).ok_or(AppError::NotFound)?;
    let now_local = state
        .clock
        .now()
        .to_zoned(local_zone())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string();
    let values = capture_values(&caller, Some(now_local));
    Ok(storing_form(
        t,
        uri.path().to_owned(),
        &caller,
        form,
        &state.reference,
        FORM_ACTION.to_owned(),
        &values,
        &[],
        None,
    ))
}

/// `GET /capture`: the quick capture that works without a link. The same form, from the
/// same definition; the page's script queues it encrypted and sends it when it can
/// (the server checks it then, as any card).
pub async fn offline_capture(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Guard(_permit): Guard<act::RecordReport>,
) -> Result<Response, AppError> {
    let form = state.reference.form(FORM).ok_or(AppError::NotFound)?;
    // Offline, the page is kept for hours: the time is the phone's when it saves.
    let values = capture_values(&caller, None);
    let (status, mut page) = storing_page(
        t,
        uri.path().to_owned(),
        &caller,
        form,
        &state.reference,
        FORM_ACTION.to_owned(),
        &values,
        &[],
        None,
    );
    page.offline = true;
    page.offline_rules = crate::field::rules(t, form, &state.reference);
    Ok((status, page).into_response())
}

/// A quick capture starts at `received_at` ("now"), in the user's own province.
fn capture_values(caller: &Caller, received_at: Option<String>) -> BTreeMap<String, Vec<String>> {
    let mut values = BTreeMap::new();
    if let Some(at) = received_at {
        values.insert("received_at".to_owned(), vec![at]);
    }
    if let Some(territory) = caller.actor.as_ref().and_then(|a| a.territory.clone()) {
        values.insert("territory".to_owned(), vec![territory]);
    }
    values
}

pub async fn save_report(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Guard(permit): Guard<act::RecordReport>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let form = state.reference.form(FORM).ok_or(AppError::NotFound)?;
    let key = crate::forms::submission_key(&pairs);
    let (values, input, completeness) = read_submission(form, pairs);
    Ok(
        match record(&state, &permit, &input, completeness, key.as_deref()).await {
            Ok(recorded) => Redirect::to(&crate::forms::saved_at(
                &format!("/reports/{}", recorded.id),
                recorded.repeated,
            ))
            .into_response(),
            Err(RecordError::Core(awladna_core::CoreError::Invalid(errors))) => storing_form(
                t,
                uri.path().to_owned(),
                &caller,
                form,
                &state.reference,
                FORM_ACTION.to_owned(),
                &values,
                &errors,
                None,
            ),
            Err(e) => return Err(e.into()),
        },
    )
}

#[derive(Template, WebTemplate)]
#[template(path = "report.html")]
pub struct ReportPage {
    shell: Shell,
    title: String,
    complete: bool,
    recorded_at: String,
    sections: Vec<ShownSection>,
    report_id: String,
    case_link: Option<String>,
    /// The draft's editing page, for its author and the centre.
    edit_link: Option<String>,
    can_triage: bool,
    candidates: Vec<CandidateView>,
    /// The same form was sent again: nothing was stored twice.
    already: bool,
}

pub struct CandidateView {
    child_id: String,
    name: String,
    birth_year: String,
    score: String,
    reasons: String,
}

pub async fn show_report(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadReport>,
    Path(id): Path<String>,
    axum::extract::Query(told): axum::extract::Query<crate::forms::SavedQuery>,
) -> Result<Response, AppError> {
    let t = shell.t;
    let OpenedCard { card, values } = open(&state, &permit, &id).await?;
    // The card is shown with the form version it was filled with.
    let form = state
        .reference
        .form_version(&card.form_code, card.form_version)
        .ok_or_else(|| AppError::Internal("the form version of a stored card is missing".into()))?;
    let sections = shown_sections(t, &state.reference, form, &values);
    // The possible matches are shown beside a report its reader may triage.
    let triage = permit
        .also::<act::Triage>()
        .ok()
        .filter(|p| p.decide_on(&card.territory) == Decision::Allow);
    let can_triage = card.complete && card.case_id.is_none() && triage.is_some();
    let ranked = match can_triage {
        true => ranked_candidates(&state, permit.actor(), &values).await?,
        false => Vec::new(),
    };
    let candidates = ranked
        .iter()
        .map(|r| CandidateView {
            child_id: r.child_id().to_owned(),
            name: r.name(),
            birth_year: r.birth_year().map(|y| y.to_string()).unwrap_or_default(),
            score: format!("{:.0}%", r.score * 100.0),
            reasons: r
                .reasons
                .iter()
                .map(|reason| t.get(&format!("triage-reason-{reason}")))
                .collect::<Vec<_>>()
                .join(t.list_separator()),
        })
        .collect();
    let recorded_at = crate::times::local_time(card.created_at);
    Ok(ReportPage {
        shell,
        title: form.labels.get(t.lang).to_owned(),
        complete: card.complete,
        recorded_at,
        sections,
        report_id: card.id.clone(),
        case_link: card.case_id.as_ref().map(|id| format!("/cases/{id}")),
        edit_link: editable(permit.actor(), &card).then(|| format!("/reports/{}/edit", card.id)),
        can_triage,
        candidates,
        already: told.already(),
    }
    .into_response())
}

/// Whether the report is a draft this reader may finish.
fn editable(
    actor: &awladna_domain::access::Actor,
    card: &awladna_store::cards::CardRecord,
) -> bool {
    !card.complete
        && card.case_id.is_none()
        && decide_draft_edit(
            actor,
            &card.territory,
            card.organisation.as_deref(),
            card.created_by.as_deref(),
        ) == Decision::Allow
}

/// The quick capture again, filled with the draft, to complete it or save it again.
pub async fn edit_report(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Guard(permit): Guard<act::RecordReport>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let reader = permit.also::<act::ReadReport>()?;
    let OpenedCard { card, values } = open(&state, &reader, &id).await?;
    if !editable(permit.actor(), &card) {
        return Err(match card.complete || card.case_id.is_some() {
            true => EditError::NotDraft.into(),
            false => AppError::Forbidden,
        });
    }
    let form = state.reference.form(FORM).ok_or(AppError::NotFound)?;
    let (status, mut page) = storing_page(
        t,
        uri.path().to_owned(),
        &caller,
        form,
        &state.reference,
        uri.path().to_owned(),
        &stored_values(form, &values),
        &[],
        None,
    );
    page.draft_version = Some(card.version);
    Ok((status, page).into_response())
}

pub async fn save_edit(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Guard(permit): Guard<act::RecordReport>,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let form = state.reference.form(FORM).ok_or(AppError::NotFound)?;
    let version = pairs
        .iter()
        .find(|(k, _)| k == "_version")
        .and_then(|(_, v)| v.trim().parse::<i64>().ok())
        .ok_or(awladna_core::CoreError::Stale)?;
    let (values, input, completeness) = read_submission(form, pairs);
    match edit(&state, &permit, &id, &input, completeness, version).await {
        Ok(edited) => Ok(Redirect::to(&format!("/reports/{}", edited.id)).into_response()),
        Err(EditError::Record(RecordError::Core(awladna_core::CoreError::Invalid(errors)))) => {
            let path = uri.path().to_owned();
            let (status, mut page) = storing_page(
                t,
                path.clone(),
                &caller,
                form,
                &state.reference,
                path,
                &values,
                &errors,
                None,
            );
            page.draft_version = Some(version);
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "abandoned_drafts.html")]
pub struct AbandonedPage {
    shell: Shell,
    lead: String,
    drafts: Vec<AbandonedView>,
}

pub struct AbandonedView {
    href: String,
    recorded_at: String,
    updated_at: String,
    organisation: String,
}

/// The coordinator's list of drafts nobody finished.
pub async fn abandoned_page(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ViewAlerts>,
) -> Result<Response, AppError> {
    let names = awladna_core::referrals::organisation_names(&state).await?;
    let drafts = abandoned(&state, &permit)
        .await?
        .into_iter()
        .map(|card| AbandonedView {
            href: format!("/reports/{}", card.id),
            recorded_at: crate::times::local_time(card.created_at),
            updated_at: crate::times::local_time(card.updated_at),
            organisation: card
                .organisation
                .map(|code| names.get(&code).cloned().unwrap_or(code))
                .unwrap_or_default(),
        })
        .collect();
    let days = i64::from(state.reference.drafts().abandoned_after_days);
    Ok(AbandonedPage {
        lead: shell.t.with("drafts-abandoned-lead", &[("days", days)]),
        shell,
        drafts,
    }
    .into_response())
}
