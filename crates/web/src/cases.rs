//! Triage (a report linked to a child, the case opened), the case with its timeline,
//! and the moves of a case along the pathway, through the API.

use crate::auth::Caller;
use crate::error::{ApiError, internal, refusal};
use crate::i18n::Tr;
use crate::reports::open_for_caller as open;
use crate::state::AppState;
use awladna_core::reports::OpenedCard;
use awladna_domain::access::{Action, Decision, decide};
use awladna_domain::forms::{FieldError, Problem, local_zone};
use awladna_domain::pathway::{IllegalMove, Stage, check_move};
use awladna_store::cases::{CaseFilter, CaseMove, CaseRecord, NewChild};
use awladna_store::keys::sealed_aad;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The identifying fields of a report that become the child's sealed identity.
const IDENTITY_FIELDS: [&str; 5] = [
    "child.first_name",
    "child.last_name",
    "child.birth_date",
    "child.mother_name",
    "child.address",
];
const MAX_REASON: usize = 2000;

/// A case number readable on the phone and in a register: the territory's HCP code,
/// the year and a sequence, e.g. `04441-2026-000123` for Salé.
fn case_number(hcp_code: &str, year: i16, sequence: i64) -> String {
    let digits: String = hcp_code.chars().filter(char::is_ascii_digit).collect();
    format!("{digits}-{year}-{sequence:06}")
}

#[derive(Deserialize)]
pub struct TriageBody {
    child_id: Option<String>,
    #[serde(default)]
    new_child: bool,
}

/// What came of a triage.
pub enum TriageOutcome {
    Opened(CaseRecord),
    /// Refused, with the status, the code and the message id to say why.
    Refused(StatusCode, &'static str, &'static str),
    /// The report, or the named child, is not one the user may see.
    NotFound,
    Invalid(Vec<FieldError>),
}

/// Links a report to a known child or a new one and opens the case (the API and the
/// page share it).
pub async fn triage_report(
    state: &AppState,
    caller: &Caller,
    report_id: &str,
    child_id: Option<String>,
    new_child: bool,
) -> Result<TriageOutcome, String> {
    let Some(actor) = caller.actor.clone() else {
        return Ok(TriageOutcome::NotFound);
    };
    let OpenedCard { card, values } = match open(state, caller, report_id).await? {
        Ok(opened) => opened,
        Err(Decision::Deny) => {
            return Ok(TriageOutcome::Refused(
                StatusCode::FORBIDDEN,
                "forbidden",
                "auth-forbidden",
            ));
        }
        Err(_) => return Ok(TriageOutcome::NotFound),
    };
    if decide(Some(&actor), Action::Triage, Some(&card.territory)) != Decision::Allow {
        return Ok(TriageOutcome::NotFound);
    }
    if !card.complete {
        return Ok(TriageOutcome::Refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "draft",
            "triage-draft",
        ));
    }
    let child = match (child_id, new_child) {
        (Some(id), false) => match state
            .store
            .child_territory(&id)
            .await
            .map_err(|e| e.detail())?
        {
            Some(territory) if actor.covers(&territory) => ChildChoice::Existing(id),
            _ => {
                return Ok(TriageOutcome::Invalid(vec![field_error(
                    "child_id",
                    Problem::UnknownCode,
                )]));
            }
        },
        (None, true) => ChildChoice::New,
        _ => {
            return Ok(TriageOutcome::Refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "child_or_new",
                "triage-child-or-new",
            ));
        }
    };
    Ok(
        match open_case(state, caller, &card.id, &card.territory, &values, child).await? {
            Some(case) => TriageOutcome::Opened(case),
            None => {
                TriageOutcome::Refused(StatusCode::CONFLICT, "already_triaged", "triage-already")
            }
        },
    )
}

pub async fn triage(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(report_id): Path<String>,
    body: Result<Json<TriageBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(body) => body,
        Err(rejection) => return crate::api::bad_body(t, rejection.status()),
    };
    match triage_report(&state, &caller, &report_id, body.child_id, body.new_child).await {
        Ok(TriageOutcome::Opened(case)) => (
            StatusCode::CREATED,
            Json(json!({"case_id": case.id, "child_id": case.child_id, "number": case.number})),
        )
            .into_response(),
        Ok(TriageOutcome::Refused(status, code, message)) => refusal(t, status, code, message),
        Ok(TriageOutcome::NotFound) => ApiError::NotFound(t).into_response(),
        Ok(TriageOutcome::Invalid(errors)) => ApiError::Invalid(t, errors).into_response(),
        Err(detail) => internal(true, t, &detail),
    }
}

enum ChildChoice {
    Existing(String),
    New,
}

/// The child's identity from the report, sealed for the child's row.
fn identity(values: &Map<String, Value>) -> Map<String, Value> {
    IDENTITY_FIELDS
        .iter()
        .filter_map(|f| {
            values
                .get(*f)
                .map(|v| ((*f).trim_start_matches("child.").to_owned(), v.clone()))
        })
        .collect()
}

/// The birth year from the birth date, else from the estimated age when reported.
pub(crate) fn birth_year(values: &Map<String, Value>) -> Option<i64> {
    if let Some(date) = values
        .get("child.birth_date")
        .and_then(Value::as_str)
        .and_then(|d| d.parse::<jiff::civil::Date>().ok())
    {
        return Some(i64::from(date.year()));
    }
    let age = values.get("child.age_years").and_then(Value::as_i64)?;
    let received = values
        .get("received_at")
        .and_then(Value::as_str)?
        .parse::<jiff::Timestamp>()
        .ok()?;
    Some(i64::from(received.to_zoned(local_zone()).year()) - age)
}

/// The concern codes of a report (checked against the vocabulary when it was recorded).
fn concerns(values: &Map<String, Value>) -> Vec<&str> {
    values
        .get("concerns")
        .and_then(Value::as_array)
        .map(|codes| codes.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Opens the case in one transaction: child (if new), number, case and its concerns,
/// first move, link, audit. `None` if the report was triaged meanwhile.
async fn open_case(
    state: &AppState,
    caller: &Caller,
    card_id: &str,
    territory: &str,
    values: &Map<String, Value>,
    child: ChildChoice,
) -> Result<Option<CaseRecord>, String> {
    let who = caller.audit_actor().unwrap_or_default();
    let now = state.now_ms();
    let year = state.clock.now().to_zoned(local_zone()).year();
    let hcp = state
        .reference
        .territory(territory)
        .map(|t| t.hcp_code.clone())
        .unwrap_or_default();
    let (child_id, new) = match child {
        ChildChoice::Existing(id) => (id, false),
        ChildChoice::New => (uuid::Uuid::now_v7().to_string(), true),
    };
    let sealed_identity = match new {
        true => Some(
            state
                .keyring
                .seal_json(
                    &Value::Object(identity(values)),
                    &sealed_aad("children", "identity", &child_id),
                )
                .map_err(|e| e.to_string())?,
        ),
        false => None,
    };
    let sex = values
        .get("child.sex")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_owned();
    let run = async {
        let mut tx = state.store.begin().await?;
        if new {
            tx.insert_child(&NewChild {
                id: &child_id,
                territory,
                sex: &sex,
                birth_year: birth_year(values),
                identity: sealed_identity.as_deref(),
                at_ms: now,
            })
            .await?;
            tx.insert_name_tokens(
                &child_id,
                territory,
                &crate::children::name_tokens(state, values),
            )
            .await?;
        }
        let sequence = tx.next_case_number(territory, i64::from(year)).await?;
        let case = CaseRecord {
            id: uuid::Uuid::now_v7().to_string(),
            number: case_number(&hcp, year, sequence),
            child_id: child_id.clone(),
            territory: territory.to_owned(),
            stage: Stage::Detection.code().to_owned(),
            risk: values
                .get("urgency")
                .and_then(Value::as_str)
                .map(str::to_owned),
            opened_at: now,
            closed_at: None,
            version: 1,
            // Whoever triages follows the case until a coordinator assigns it elsewhere.
            assigned_to: caller.user_id().map(str::to_owned),
        };
        tx.insert_case(&case, &who).await?;
        tx.insert_case_concerns(&case.id, &concerns(values)).await?;
        let move_id = uuid::Uuid::now_v7().to_string();
        let first = CaseMove {
            case_id: &case.id,
            version: 1,
            from: None,
            to: Stage::Detection.code(),
            move_id: &move_id,
            at_ms: now,
            by: &who,
            reason: None,
            closure_reason: None,
        };
        tx.move_case(&first).await?;
        if !tx.link_card(card_id, &child_id, &case.id).await? {
            return Ok(None);
        }
        tx.audit(caller.audit_entry(
            state.now_ms(),
            "case.opened",
            ("case", &case.id),
            &case.territory,
            json!({"report": card_id, "new_child": new}),
        ))
        .await?;
        tx.commit().await?;
        Ok::<_, awladna_store::StoreError>(Some(case))
    };
    run.await.map_err(|e| e.detail())
}

/// One line of a case's timeline.
pub enum Entry {
    Stage {
        at_ms: i64,
        from: Option<String>,
        to: String,
        by: Option<String>,
        reason: Option<String>,
    },
    Card {
        at_ms: i64,
        form: String,
        id: String,
        complete: bool,
    },
}

impl Entry {
    fn at_ms(&self) -> i64 {
        match self {
            Entry::Stage { at_ms, .. } | Entry::Card { at_ms, .. } => *at_ms,
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Entry::Stage {
                at_ms,
                from,
                to,
                by,
                reason,
            } => {
                json!({"kind": "stage", "at": crate::times::rfc3339(*at_ms), "from": from, "to": to, "by": by, "reason": reason})
            }
            Entry::Card {
                at_ms,
                form,
                id,
                complete,
            } => {
                json!({"kind": "card", "at": crate::times::rfc3339(*at_ms), "form": form, "id": id, "complete": complete})
            }
        }
    }
}

/// A case opened for a reader, its timeline in time order. The read is audited.
pub async fn load_case(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<Result<(CaseRecord, Vec<Entry>), Decision>, String> {
    let Some(actor) = caller.actor.clone() else {
        return Ok(Err(Decision::SignIn));
    };
    let Some(case) = state.store.case(id).await.map_err(|e| e.detail())? else {
        return Ok(Err(Decision::Hidden));
    };
    let decision = decide(Some(&actor), Action::ReadCase, Some(&case.territory));
    // A break-glass grant opens a case for reading, never for changing it.
    let who = caller.who().ok_or("reading a case without a caller")?;
    match state
        .with_grant_for(&who, Action::ReadCase, &case.id, decision)
        .await
        .map_err(|e| e.detail())?
    {
        Decision::Allow => {}
        refusal => return Ok(Err(refusal)),
    }
    let mut timeline = Vec::new();
    for m in state
        .store
        .stage_moves(&case.id)
        .await
        .map_err(|e| e.detail())?
    {
        let reason = match &m.reason {
            Some(sealed) => {
                let text = state
                    .keyring
                    .open(sealed, &sealed_aad("stage_moves", "reason", &m.id))
                    .map_err(|e| e.to_string())?;
                Some(String::from_utf8_lossy(&text).into_owned())
            }
            None => None,
        };
        timeline.push(Entry::Stage {
            at_ms: m.at_ms,
            from: m.from,
            to: m.to,
            by: m.by,
            reason,
        });
    }
    for (card_id, form, at_ms, complete) in state
        .store
        .case_cards(&case.id)
        .await
        .map_err(|e| e.detail())?
    {
        // An entry of a file the reader may not open is not theirs to know of.
        let part = state.reference.form(&form).and_then(|f| f.part);
        if part.is_some_and(|p| {
            decide(Some(&actor), Action::ReadFile(p), Some(&case.territory)) != Decision::Allow
        }) {
            continue;
        }
        timeline.push(Entry::Card {
            at_ms,
            form,
            id: card_id,
            complete,
        });
    }
    timeline.sort_by_key(Entry::at_ms);
    let entry = caller.audit_entry(
        state.now_ms(),
        "case.read",
        ("case", &case.id),
        &case.territory,
        json!({}),
    );
    state.audit_alone(entry).await.map_err(|e| e.detail())?;
    Ok(Ok((case, timeline)))
}

pub async fn read(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let (case, timeline) = match load_case(&state, &caller, &id).await {
        Ok(Ok(loaded)) => loaded,
        Ok(Err(Decision::Deny)) => {
            return refusal(t, StatusCode::FORBIDDEN, "forbidden", "auth-forbidden");
        }
        Ok(Err(_)) => return ApiError::NotFound(t).into_response(),
        Err(detail) => return internal(true, t, &detail),
    };
    let concerns = match state.store.case_concerns(&case.id).await {
        Ok(concerns) => concerns,
        Err(e) => return internal(true, t, &e.detail()),
    };
    Json(json!({
        "id": case.id,
        "number": case.number,
        "child_id": case.child_id,
        "territory": case.territory,
        "stage": case.stage,
        "risk": case.risk,
        "opened_at": crate::times::rfc3339(case.opened_at),
        "closed_at": case.closed_at.map(crate::times::rfc3339),
        "version": case.version,
        "assigned_to": case.assigned_to,
        "concerns": concerns,
        "timeline": timeline.iter().map(Entry::to_json).collect::<Vec<_>>(),
    }))
    .into_response()
}

#[derive(Deserialize)]
pub struct MoveBody {
    to: String,
    #[serde(default)]
    reason: String,
    /// The version the client read; a stale one is refused rather than overwritten.
    version: Option<i64>,
    /// Required when closing: a code of the closure_reasons vocabulary.
    closure_reason: Option<String>,
}

/// What came of a move.
pub enum MoveOutcome {
    Moved {
        stage: Stage,
        version: i64,
    },
    Invalid(Vec<FieldError>),
    Illegal(IllegalMove),
    Stale,
    /// Refused before looking: not found or not allowed (the response is ready).
    Refused(Decision),
}

/// A request to move a case, as the API or the page received it.
pub struct MoveRequest<'a> {
    pub to: &'a str,
    pub reason: &'a str,
    pub closure_reason: Option<&'a str>,
    pub version: Option<i64>,
}

fn invalid(field: &str, problem: Problem) -> MoveOutcome {
    MoveOutcome::Invalid(vec![field_error(field, problem)])
}

/// Checks and records a move (the API and the page share it).
pub async fn move_case(
    state: &AppState,
    caller: &Caller,
    case_id: &str,
    request: &MoveRequest<'_>,
) -> Result<MoveOutcome, String> {
    let Some(actor) = caller.actor.clone() else {
        return Ok(MoveOutcome::Refused(Decision::SignIn));
    };
    let case = match state.store.case(case_id).await.map_err(|e| e.detail())? {
        Some(case) => case,
        None => return Ok(MoveOutcome::Refused(Decision::Hidden)),
    };
    match decide(Some(&actor), Action::MoveCase, Some(&case.territory)) {
        Decision::Allow => {}
        refusal => return Ok(MoveOutcome::Refused(refusal)),
    }
    let Ok(to) = request.to.parse::<Stage>() else {
        return Ok(invalid("to", Problem::UnknownCode));
    };
    let reason = request.reason.trim();
    if reason.is_empty() {
        return Ok(invalid("reason", Problem::Required));
    }
    if reason.chars().count() > MAX_REASON {
        return Ok(invalid("reason", Problem::TooLong { max: MAX_REASON }));
    }
    let from = case.stage.parse::<Stage>().unwrap_or(Stage::Detection);
    if let Err(illegal) = check_move(from, to) {
        return Ok(MoveOutcome::Illegal(illegal));
    }
    // A case closes with a reason that statistics can count; the free text is its summary.
    let closure_reason = match (
        to,
        request
            .closure_reason
            .map(str::trim)
            .filter(|c| !c.is_empty()),
    ) {
        (Stage::Closed, None) => return Ok(invalid("closure_reason", Problem::Required)),
        (Stage::Closed, Some(code))
            if state
                .reference
                .vocabulary("closure_reasons")
                .is_some_and(|v| v.contains(code)) =>
        {
            Some(code)
        }
        (Stage::Closed, Some(_)) => return Ok(invalid("closure_reason", Problem::UnknownCode)),
        _ => None,
    };
    let version = request.version.unwrap_or(case.version);
    let move_id = uuid::Uuid::now_v7().to_string();
    let sealed = state
        .keyring
        .seal(
            reason.as_bytes(),
            &sealed_aad("stage_moves", "reason", &move_id),
        )
        .map_err(|e| e.to_string())?;
    let who = caller.audit_actor().unwrap_or_default();
    let step = CaseMove {
        case_id: &case.id,
        version,
        from: Some(from.code()),
        to: to.code(),
        move_id: &move_id,
        at_ms: state.now_ms(),
        by: &who,
        reason: Some(&sealed),
        closure_reason,
    };
    let run = async {
        let mut tx = state.store.begin().await?;
        if !tx.move_case(&step).await? {
            return Ok(false);
        }
        let detail =
            json!({"from": from.code(), "to": to.code(), "closure_reason": closure_reason});
        tx.audit(caller.audit_entry(
            state.now_ms(),
            "case.moved",
            ("case", &case.id),
            &case.territory,
            detail,
        ))
        .await?;
        tx.commit().await?;
        Ok::<_, awladna_store::StoreError>(true)
    };
    Ok(match run.await.map_err(|e| e.detail())? {
        true => MoveOutcome::Moved {
            stage: to,
            version: version + 1,
        },
        false => MoveOutcome::Stale,
    })
}

pub async fn transition(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Json<MoveBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(body) => body,
        Err(rejection) => return crate::api::bad_body(t, rejection.status()),
    };
    let request = MoveRequest {
        to: &body.to,
        reason: &body.reason,
        closure_reason: body.closure_reason.as_deref(),
        version: body.version,
    };
    match move_case(&state, &caller, &id, &request).await {
        Ok(MoveOutcome::Moved { stage, version }) => Json(json!({"id": id, "stage": stage.code(), "version": version})).into_response(),
        Ok(MoveOutcome::Invalid(errors)) => ApiError::Invalid(t, errors).into_response(),
        Ok(MoveOutcome::Illegal(illegal)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": {"code": "illegal_move", "reason": illegal, "message": t.get(illegal.message_id())}})),
        )
            .into_response(),
        Ok(MoveOutcome::Stale) => refusal(t, StatusCode::CONFLICT, "stale", "case-stale"),
        Ok(MoveOutcome::Refused(Decision::Deny)) => refusal(t, StatusCode::FORBIDDEN, "forbidden", "auth-forbidden"),
        Ok(MoveOutcome::Refused(_)) => ApiError::NotFound(t).into_response(),
        Err(detail) => internal(true, t, &detail),
    }
}

/// The case list's filters, as the API and the page receive them: every value is text,
/// checked here, so that a wrong one is answered in the user's language, not by the
/// query-string parser.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub stage: Option<String>,
    pub risk: Option<String>,
    pub sex: Option<String>,
    /// 0-5, 6-11, 12-14 or 15-17 (the report age bands).
    pub age_band: Option<String>,
    /// A code of the concerns vocabulary.
    pub concern: Option<String>,
    /// `true`: the cases the user follows.
    pub mine: Option<String>,
    /// `true`: the cases with an open plan action past its deadline.
    pub overdue: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Birth years of the children in an age band this year (an approximation of a year at
/// most, as only the birth year is kept in clear).
fn born_in(band: &str, year: i64) -> Option<(i64, i64)> {
    let (youngest, oldest) = match band {
        "0-5" => (0, 5),
        "6-11" => (6, 11),
        "12-14" => (12, 14),
        "15-17" => (15, 17),
        _ => return None,
    };
    Some((year - oldest, year - youngest))
}

const MAX_PER_PAGE: i64 = 100;

/// A value given, trimmed; an empty one (a form's "—") is none.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn field_error(field: &str, problem: Problem) -> FieldError {
    FieldError {
        field: field.to_owned(),
        problem,
    }
}

/// The case list filter a request asks for, within the user's province, or what is
/// wrong with it (the API and the page share it).
pub fn case_filter(
    state: &AppState,
    actor: &awladna_domain::access::Actor,
    query: &ListQuery,
) -> Result<CaseFilter, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut code = |field: &str, value: &Option<String>, vocabulary: &str| -> Option<String> {
        let value = given(value)?;
        if state
            .reference
            .vocabulary(vocabulary)
            .is_some_and(|v| v.contains(value))
        {
            Some(value.to_owned())
        } else {
            errors.push(field_error(field, Problem::UnknownCode));
            None
        }
    };
    let stage = code("stage", &query.stage, "stages");
    let risk = code("risk", &query.risk, "urgency");
    let sex = code("sex", &query.sex, "sex");
    let concern = code("concern", &query.concern, "concerns");
    let mut flag = |field: &str, value: &Option<String>| match given(value) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            errors.push(field_error(field, Problem::NotABoolean));
            false
        }
    };
    let mine = flag("mine", &query.mine);
    let overdue = flag("overdue", &query.overdue);
    let year = i64::from(state.clock.now().to_zoned(local_zone()).year());
    let band = given(&query.age_band).and_then(|b| {
        let range = born_in(b, year);
        if range.is_none() {
            errors.push(field_error("age_band", Problem::UnknownCode));
        }
        range
    });
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(CaseFilter {
        territory: actor.territory.clone(),
        stage,
        risk,
        sex,
        born_from: band.map(|b| b.0),
        born_to: band.map(|b| b.1),
        open_only: false,
        // A machine client's id is never a case's follower: its "my cases" are none.
        assigned_to: mine.then(|| actor.user_id.clone()),
        concern,
        overdue_at: overdue.then(|| state.now_ms()),
    })
}

/// The cases of the user's province, newest first, filtered and paginated.
pub async fn list(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    axum::extract::Query(query): axum::extract::Query<ListQuery>,
) -> Response {
    let Some(actor) = caller.actor.clone() else {
        return refusal(
            t,
            StatusCode::UNAUTHORIZED,
            "sign_in_required",
            "auth-sign-in-required",
        );
    };
    let (filter, mut errors) = match case_filter(&state, &actor, &query) {
        Ok(filter) => (Some(filter), Vec::new()),
        Err(errors) => (None, errors),
    };
    let per_page = query.per_page.unwrap_or(25);
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        errors.push(field_error(
            "per_page",
            Problem::OutOfRange {
                min: 1,
                max: MAX_PER_PAGE,
            },
        ));
    }
    let page = query.page.unwrap_or(1);
    if page < 1 {
        errors.push(field_error(
            "page",
            Problem::OutOfRange {
                min: 1,
                max: i64::MAX,
            },
        ));
    }
    let Some(filter) = filter.filter(|_| errors.is_empty()) else {
        return ApiError::Invalid(t, errors).into_response();
    };
    match state.store.cases_page(&filter, per_page, (page - 1).saturating_mul(per_page)).await {
        Ok((rows, total)) => Json(json!({
            "page": page,
            "per_page": per_page,
            "total": total,
            "items": rows.iter().map(|c| json!({
                "id": c.id, "number": c.number, "territory": c.territory, "stage": c.stage, "risk": c.risk,
                "opened_at": crate::times::rfc3339(c.opened_at), "child": {"sex": c.sex, "birth_year": c.birth_year},
            })).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(e) => internal(true, t, &e.detail()),
    }
}
