//! The case plan (خطة التكفل): actions with the sector responsible, a due date and a
//! status; the overdue ones of a province. What an action is and why are sealed; its
//! deadline and status are not, so that overdue actions are found without opening
//! anything. An evaluation that finds high risk puts its own action on the plan.

use crate::cases::{CaseError, Use};
use crate::once::{self, Kept};
use crate::permit::act;
use crate::{Core, CoreError, Permit, Who};
use awladna_domain::access::Action;
use awladna_domain::forms::{Completeness, Problem};
use awladna_store::cases::CaseRecord;
use awladna_store::keys::sealed_aad;
use awladna_store::plan::{NewPlanAction, OPEN_STATUSES, OverdueAction, PlanActionRecord};
use serde_json::{Value, json};

pub const FORM: &str = "plan_action";
/// The vocabulary of an action's statuses.
pub const STATUSES: &str = "plan_statuses";
/// How many overdue actions one page lists.
pub const OVERDUE_PAGE: i64 = 50;

/// An action ready to store.
pub struct PlannedAction {
    id: String,
    case_id: String,
    territory: String,
    sealed: Vec<u8>,
    responsible_sector: String,
    due_at: Option<i64>,
    origin: &'static str,
    by: String,
    at_ms: i64,
}

impl PlannedAction {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn row(&self) -> NewPlanAction<'_> {
        NewPlanAction {
            id: &self.id,
            case_id: &self.case_id,
            territory: &self.territory,
            sealed: &self.sealed,
            responsible_sector: &self.responsible_sector,
            responsible_org: None,
            due_at: self.due_at,
            origin: self.origin,
            by: &self.by,
            at_ms: self.at_ms,
        }
    }
}

/// Who plans what on which case, and by when.
struct Planning<'a> {
    case: &'a CaseRecord,
    text: &'a Value,
    sector: &'a str,
    due_at: Option<i64>,
    origin: &'static str,
    by: &'a str,
    now: i64,
}

fn planned(core: &Core, p: Planning<'_>) -> Result<PlannedAction, CoreError> {
    let id = uuid::Uuid::now_v7().to_string();
    let sealed = core
        .keyring
        .seal_json(p.text, &sealed_aad("plan_actions", "sealed", &id))?;
    Ok(PlannedAction {
        id,
        case_id: p.case.id.clone(),
        territory: p.case.territory.clone(),
        sealed,
        responsible_sector: p.sector.to_owned(),
        due_at: p.due_at,
        origin: p.origin,
        by: p.by.to_owned(),
        at_ms: p.now,
    })
}

/// The action a high-risk evaluation sets: the evaluating service responds by the
/// deadline. It has no words of its own: readers see the interface's, in their language.
pub fn evaluation_response(
    core: &Core,
    case: &CaseRecord,
    sector: &str,
    by: &str,
    due_at: i64,
    now: i64,
) -> Result<PlannedAction, CoreError> {
    planned(
        core,
        Planning {
            case,
            text: &json!({}),
            sector,
            due_at: Some(due_at),
            origin: "evaluation",
            by,
            now,
        },
    )
}

/// A due date is met until the end of that day, Moroccan time.
fn end_of_day_ms(date: &str) -> Option<i64> {
    awladna_domain::local_dates::end_of_local_day_ms(date.parse().ok()?)
}

/// An action added to a plan, or the one the same submission added before.
pub struct Added {
    pub id: String,
    pub repeated: bool,
}

/// Adds an action to an open case's plan; answers its id. A submission whose `key` was
/// seen adds nothing and answers with the action it added.
pub async fn add(
    core: &Core,
    permit: &Permit<act::WorkOnCase>,
    case_id: &str,
    input: &Value,
    key: Option<&str>,
) -> Result<Added, CaseError> {
    let who = permit.who();
    let case = core
        .case_for(who, case_id, Action::WorkOnCase, Use::Change)
        .await?;
    if let Some(id) = once::stored_before(core, who, Kept::Record, key).await? {
        return Ok(Added { id, repeated: true });
    }
    let form = core
        .reference
        .form(FORM)
        .ok_or_else(|| CoreError::internal("the plan form is missing"))?;
    let card = form
        .check(
            input,
            Completeness::Complete,
            &core.reference,
            core.clock.now(),
        )
        .map_err(CoreError::Invalid)?;
    let (public, personal) = card.split(form);
    let text = |code: &str| public.get(code).and_then(Value::as_str).unwrap_or_default();
    let now = core.now_ms();
    let action = planned(
        core,
        Planning {
            case: &case,
            text: &personal,
            sector: text("plan.responsible"),
            due_at: end_of_day_ms(text("plan.due_date")),
            origin: "plan",
            by: &who.audit_name,
            now,
        },
    )?;
    let stored = async {
        let mut tx = core.store.begin().await?;
        tx.insert_plan_action(&action.row()).await?;
        once::remember(&mut tx, who, Kept::Record, key, &action.id, now).await?;
        tx.audit(who.audit(
            now,
            "case.plan_action_added",
            ("case", &case.id),
            &case.territory,
            json!({"action": action.id}),
        ))
        .await?;
        tx.commit().await
    }
    .await;
    match stored {
        Ok(()) => Ok(Added {
            id: action.id,
            repeated: false,
        }),
        Err(e) => Ok(Added {
            id: once::after_failure(core, who, Kept::Record, key, e).await?,
            repeated: true,
        }),
    }
}

/// Moves an action to another status; answers its case's id. A version older than the
/// stored one is refused (`Stale`), not overwritten; without one, the stored one is
/// taken.
pub async fn set_status(
    core: &Core,
    permit: &Permit<act::WorkOnCase>,
    action_id: &str,
    status: &str,
    version: Option<i64>,
) -> Result<String, CaseError> {
    let action = core
        .store
        .plan_action(action_id)
        .await?
        .ok_or(CoreError::NotFound)?;
    let who = permit.who();
    let case = core
        .case_for(who, &action.case_id, Action::WorkOnCase, Use::Change)
        .await?;
    let known = core
        .reference
        .vocabulary(STATUSES)
        .is_some_and(|v| v.contains(status));
    if !known {
        return Err(CoreError::field("status", Problem::UnknownCode).into());
    }
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    let version = version.unwrap_or(action.version);
    if !tx.set_plan_status(&action.id, version, status, now).await? {
        return Err(CoreError::Stale.into());
    }
    tx.audit(who.audit(
        now,
        "case.plan_action_status",
        ("case", &case.id),
        &case.territory,
        json!({"action": action.id, "status": status}),
    ))
    .await?;
    tx.commit().await?;
    Ok(case.id)
}

/// An action with its text opened.
pub struct OpenedAction {
    pub record: PlanActionRecord,
    /// The sealed text: `plan.action` and `plan.goal`; empty for an evaluation's action
    /// and for one erased under the retention rule.
    pub text: Value,
    pub overdue: bool,
}

impl OpenedAction {
    /// Only the retention run leaves an action written by a worker without its text.
    pub fn erased(&self) -> bool {
        self.record.origin != "evaluation" && self.text.as_object().is_some_and(|o| o.is_empty())
    }

    /// A field of the text (`plan.action`, `plan.goal`), empty if absent.
    pub fn field(&self, code: &str) -> String {
        self.text
            .get(code)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }
}

pub fn is_overdue(status: &str, due_at: Option<i64>, now: i64) -> bool {
    OPEN_STATUSES.contains(&status) && due_at.is_some_and(|due| due < now)
}

/// Opens a case's actions (for a reader the policy already allowed to read the case).
pub fn open_actions(
    core: &Core,
    actions: Vec<PlanActionRecord>,
) -> Result<Vec<OpenedAction>, CoreError> {
    let now = core.now_ms();
    actions
        .into_iter()
        .map(|record| {
            let text = core.keyring.open_json(
                &record.sealed,
                &sealed_aad("plan_actions", "sealed", &record.id),
            )?;
            let overdue = is_overdue(&record.status, record.due_at, now);
            Ok(OpenedAction {
                record,
                text,
                overdue,
            })
        })
        .collect()
}

/// A case's plan, opened for a reader of the case; the read is audited.
pub async fn read(
    core: &Core,
    permit: &Permit<act::ReadCase>,
    case_id: &str,
) -> Result<Vec<OpenedAction>, CaseError> {
    let who = permit.who();
    let case = core
        .case_for(who, case_id, Action::ReadCase, Use::Read)
        .await?;
    let actions = open_actions(core, core.store.plan_actions(&case.id).await?)?;
    audit_read(core, who, &case).await?;
    Ok(actions)
}

async fn audit_read(core: &Core, who: &Who, case: &CaseRecord) -> Result<(), CoreError> {
    let entry = who.audit(
        core.now_ms(),
        "case.plan_read",
        ("case", &case.id),
        &case.territory,
        json!({}),
    );
    core.audit_alone(entry).await
}

/// One page of the overdue actions in the reader's scope (their province, or all for a
/// national body), and how many there are in all.
pub async fn overdue(
    core: &Core,
    permit: &Permit<act::ReadCase>,
    page: i64,
) -> Result<(Vec<OverdueAction>, i64), CoreError> {
    Ok(core
        .store
        .overdue_actions(
            permit.actor().territory.as_deref(),
            core.now_ms(),
            OVERDUE_PAGE,
            (page - 1) * OVERDUE_PAGE,
        )
        .await?)
}
