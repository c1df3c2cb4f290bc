//! The evaluation card (بطاقة التقييم) of a case: answers checked by the form engine,
//! risk level computed by the versioned scoring rules, the case's risk updated, and for
//! high risk and immediate danger, the coordinators alerted and an action put on the
//! case plan, due within the scoring rules' deadline.

use crate::cases::{CaseError, Use};
use crate::once::{self, Kept};
use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::forms::Completeness;
use awladna_domain::scoring::Assessment;
use awladna_store::keys::sealed_aad;
use awladna_store::plan::NewPlanAction;
use serde_json::{Value, json};

pub const FORM: &str = "evaluation";

pub struct Evaluated {
    pub id: String,
    pub assessment: Assessment,
    /// The same submission came before (its key): this is the evaluation it stored.
    pub repeated: bool,
}

/// Checks, scores, seals and stores an evaluation of an open case. A submission whose
/// `key` was seen stores nothing and answers with the evaluation it stored.
pub async fn evaluate(
    core: &Core,
    permit: &Permit<act::WorkOnCase>,
    case_id: &str,
    input: &Value,
    key: Option<&str>,
) -> Result<Evaluated, CaseError> {
    let case = core.case_of(permit, case_id, Use::Change).await?;
    if let Some(id) = once::stored_before(core, permit.who(), Kept::Card, key).await? {
        return stored(core, id).await;
    }
    let form = core
        .reference
        .form(FORM)
        .ok_or_else(|| CoreError::internal("the evaluation form is missing"))?;
    let scoring = core
        .reference
        .scoring(&form.code, form.version)
        .ok_or_else(|| CoreError::internal("the evaluation form has no scoring rules"))?;
    let card = form
        .check(
            input,
            Completeness::Complete,
            &core.reference,
            core.clock.now(),
        )
        .map_err(CoreError::Invalid)?;
    let assessment = scoring.assess(&card.values);
    let mut sealed = core.seal_checked(form, &card)?;
    if let Some(object) = sealed.data.as_object_mut() {
        // The computed level is kept with the answers, for statistics and the timeline.
        object.insert("risk".to_owned(), json!(assessment.level.code()));
        object.insert("score".to_owned(), json!(assessment.score));
    }
    let who = permit.who();
    let now = core.now_ms();
    let data = sealed.data.to_string();
    let new = crate::cards::case_card(&sealed, &data, &card, &case, who, now);
    let deadline = scoring
        .deadline(assessment.level)
        .map(|d| now + i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let response = match deadline {
        Some(due_at) => Some(Response::sealed(core, due_at)?),
        None => None,
    };
    let mut tx = core.store.begin().await?;
    tx.insert_card(&new).await?;
    if let Err(e) = once::remember(&mut tx, who, Kept::Card, key, &sealed.id, now).await {
        // The same key arrived twice at once: the twin stored the evaluation.
        drop(tx);
        let id = once::after_failure(core, who, Kept::Card, key, e).await?;
        return stored(core, id).await;
    }
    tx.set_case_risk(&case.id, assessment.level.code()).await?;
    if assessment.level.alerts() {
        tx.raise_alert(
            &case.territory,
            "high_risk",
            ("case", &case.id),
            &who.audit_name,
            now,
        )
        .await?;
    }
    if let Some(response) = &response {
        tx.insert_plan_action(&NewPlanAction {
            id: &response.id,
            case_id: &case.id,
            territory: &case.territory,
            sealed: &response.sealed,
            responsible_sector: &who.actor.sector,
            responsible_org: None,
            due_at: Some(response.due_at),
            origin: "evaluation",
            by: &who.audit_name,
            at_ms: now,
        })
        .await?;
    }
    let detail = json!({"card": sealed.id, "level": assessment.level.code(), "score": assessment.score, "deadline": deadline});
    tx.audit(who.audit(
        now,
        "case.evaluated",
        ("case", &case.id),
        &case.territory,
        detail,
    ))
    .await?;
    tx.commit().await?;
    Ok(Evaluated {
        id: sealed.id,
        assessment,
        repeated: false,
    })
}

/// The answer to a repeated submission: the evaluation already stored, its assessment
/// as it was given.
async fn stored(core: &Core, id: String) -> Result<Evaluated, CaseError> {
    let card = core.store.card(&id).await?.ok_or(CoreError::NotFound)?;
    let values = core.card_values(&card)?;
    let assessment = assessment_of(core, &card, &values)
        .ok_or_else(|| CoreError::internal("a submission key names another form's card"))?;
    Ok(Evaluated {
        id,
        assessment,
        repeated: true,
    })
}

/// The plan action a high-risk evaluation sets: the evaluating service responds by the
/// deadline. It has no words of its own (the interface gives them, in the reader's
/// language), so its sealed text is empty.
struct Response {
    id: String,
    sealed: Vec<u8>,
    due_at: i64,
}

impl Response {
    fn sealed(core: &Core, due_at: i64) -> Result<Response, CoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        let sealed = core
            .keyring
            .seal_json(&json!({}), &sealed_aad("plan_actions", "sealed", &id))?;
        Ok(Response { id, sealed, due_at })
    }
}

/// The assessment a stored evaluation was given: its level, score and the answers that
/// drove it, computed again by the scoring rules of the form version it was filled with
/// (versioned rules give the same result as on the day). `None` for another form.
pub fn assessment_of(
    core: &Core,
    card: &awladna_store::cards::CardRecord,
    values: &serde_json::Map<String, Value>,
) -> Option<Assessment> {
    if card.form_code != FORM {
        return None;
    }
    let scoring = core.reference.scoring(&card.form_code, card.form_version)?;
    let answers = values.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    Some(scoring.assess(&answers))
}
