//! A worker's tasks (UX.md "Today"; the tasks list of case-management tools): for each
//! open case the worker follows, what is to be done and by when — an evaluation not yet
//! made, the plan's open actions, the follow-up visit the last card planned, the plan's
//! review — the late ones first. The province's coordinator also sees the late reviews. The child is named by first name only.

use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::plan_review::ReviewRule;
use awladna_store::cases::{CaseFilter, CaseRecord};
use awladna_store::plan::OPEN_STATUSES;
use awladna_store::plan::ReviewScope;
use serde_json::Value;

/// How many of the worker's cases the list looks at.
pub const CASES_LOOKED_AT: i64 = 100;

/// What is to be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskKind {
    /// The case has no evaluation yet.
    Evaluate,
    /// An open action of the case's plan.
    PlanAction,
    /// The next contact the last follow-up card planned.
    FollowUp,
    /// The plan's review, due every few months (issue 19 §4).
    PlanReview,
}

impl TaskKind {
    pub fn code(self) -> &'static str {
        match self {
            TaskKind::Evaluate => "evaluate",
            TaskKind::PlanAction => "plan_action",
            TaskKind::FollowUp => "followup",
            TaskKind::PlanReview => "plan_review",
        }
    }
}

#[derive(Clone)]
pub struct Task {
    pub case_id: String,
    pub case_number: String,
    pub first_name: String,
    pub kind: TaskKind,
    /// When it is due (ms), if it has a deadline.
    pub due_at: Option<i64>,
    /// Whether the deadline is a typed date (shown as that date) rather than an hour.
    pub due_is_a_date: bool,
    pub overdue: bool,
}

/// The tasks of the caller's open cases, the late first, then by deadline (those
/// without one last).
pub async fn mine(core: &Core, permit: &Permit<act::WorkOnCase>) -> Result<Vec<Task>, CoreError> {
    let who = permit.who();
    let (Some(user_id), Some(territory)) = (who.user_id(), who.actor.territory.clone()) else {
        return Ok(Vec::new());
    };
    let filter = CaseFilter {
        territory: Some(territory),
        assigned_to: Some(user_id.to_owned()),
        open_only: true,
        ..Default::default()
    };
    let (cases, _) = core.store.cases_page(&filter, CASES_LOOKED_AT, 0).await?;
    let mut tasks = Vec::new();
    for row in cases {
        let Some(case) = core.store.case(&row.id).await? else {
            continue;
        };
        let first_name = match core.store.child_identity(&case.child_id).await? {
            Some((_, _, sealed)) => core
                .open_identity(&case.child_id, sealed.as_deref())?
                .get("first_name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            None => String::new(),
        };
        tasks.extend(of_case(core, &case, &first_name).await?);
    }
    tasks.sort_by_key(|t| (!t.overdue, t.due_at.is_none(), t.due_at));
    Ok(tasks)
}

/// What is to be done on one open case, the late first: the case page leads with the
/// first of them, the tasks page lists them for every case the worker follows.
pub async fn of_case(
    core: &Core,
    case: &CaseRecord,
    first_name: &str,
) -> Result<Vec<Task>, CoreError> {
    let now = core.now_ms();
    let task = |kind, due_at: Option<i64>, due_is_a_date| Task {
        case_id: case.id.clone(),
        case_number: case.number.clone(),
        first_name: first_name.to_owned(),
        kind,
        due_at,
        due_is_a_date,
        overdue: due_at.is_some_and(|d| d < now),
    };
    let mut tasks = Vec::new();
    let evaluations = core
        .store
        .case_cards_of_form(&case.id, crate::evaluations::FORM)
        .await?;
    if evaluations.is_empty() {
        tasks.push(task(TaskKind::Evaluate, None, false));
    }
    for action in core.store.plan_actions(&case.id).await? {
        if OPEN_STATUSES.contains(&action.status.as_str()) {
            let typed = action.origin != "evaluation";
            tasks.push(task(TaskKind::PlanAction, action.due_at, typed));
        }
    }
    let followups = core.store.case_cards_of_form(&case.id, "followup").await?;
    if let Some(last) = followups.first() {
        let next = core
            .card_values(last)?
            .get("next.date")
            .and_then(Value::as_str)
            .and_then(|d| d.parse().ok())
            .and_then(awladna_domain::local_dates::end_of_local_day_ms);
        if next.is_some() {
            tasks.push(task(TaskKind::FollowUp, next, true));
        }
    }
    let rule = ReviewRule::shipped();
    for clock in core
        .store
        .plan_review_clocks(ReviewScope::Case(&case.id))
        .await?
    {
        let due = rule.due_at(clock.plan_since, clock.last_review);
        tasks.push(task(TaskKind::PlanReview, due, true));
    }
    tasks.sort_by_key(|t| (!t.overdue, t.due_at.is_none(), t.due_at));
    Ok(tasks)
}

/// A plan review past its date, as the coordinator sees it: the case, who follows it.
pub struct LateReview {
    pub case_id: String,
    pub case_number: String,
    /// The username of the worker who follows the case, if anyone does.
    pub worker: Option<String>,
    pub due_at: i64,
}

/// The province's plan reviews past their date, the oldest first, for its coordinator
/// (nobody else: an empty list). The children are not named: no identity is opened.
pub async fn late_reviews(
    core: &Core,
    permit: &Permit<act::WorkOnCase>,
) -> Result<Vec<LateReview>, CoreError> {
    let Some(territory) = coordinated_territory(permit.actor()) else {
        return Ok(Vec::new());
    };
    let now = core.now_ms();
    let rule = ReviewRule::shipped();
    let workers = crate::assignment::assignable(core, &territory).await?;
    let mut late: Vec<LateReview> = core
        .store
        .plan_review_clocks(ReviewScope::Territory(&territory))
        .await?
        .into_iter()
        .filter_map(|clock| {
            let due_at = rule
                .due_at(clock.plan_since, clock.last_review)
                .filter(|due| *due < now)?;
            let worker = clock.assigned_to.as_ref().and_then(|id| {
                workers
                    .iter()
                    .find(|w| w.id == *id)
                    .map(|w| w.username.clone())
            });
            Some(LateReview {
                case_id: clock.case_id,
                case_number: clock.case_number,
                worker,
                due_at,
            })
        })
        .collect();
    late.sort_by_key(|l| l.due_at);
    Ok(late)
}

/// The territory whose cases the actor coordinates (may give to workers), if any.
fn coordinated_territory(actor: &awladna_domain::access::Actor) -> Option<String> {
    let territory = actor.territory.clone()?;
    let allowed = awladna_domain::access::decide(
        Some(actor),
        awladna_domain::access::Action::AssignCase,
        Some(&territory),
    ) == awladna_domain::access::Decision::Allow;
    allowed.then_some(territory)
}

/// One worker's caseload, as the coordinator oversees it.
pub struct Caseload {
    pub username: String,
    pub open_cases: i64,
    /// Open cases with a plan action past its deadline.
    pub late_cases: i64,
}

/// Each worker's open cases and late ones, for the province's coordinator (nobody
/// else: an empty list).
pub async fn caseloads(
    core: &Core,
    permit: &Permit<act::WorkOnCase>,
) -> Result<Vec<Caseload>, CoreError> {
    let Some(territory) = coordinated_territory(permit.actor()) else {
        return Ok(Vec::new());
    };
    let now = core.now_ms();
    let mut loads = Vec::new();
    for user in crate::assignment::assignable(core, &territory).await? {
        let mine = CaseFilter {
            territory: Some(territory.clone()),
            assigned_to: Some(user.id.clone()),
            open_only: true,
            ..Default::default()
        };
        let (_, open_cases) = core.store.cases_page(&mine, 0, 0).await?;
        let late = CaseFilter {
            overdue_at: Some(now),
            ..mine
        };
        let (_, late_cases) = core.store.cases_page(&late, 0, 0).await?;
        loads.push(Caseload {
            username: user.username,
            open_cases,
            late_cases,
        });
    }
    Ok(loads)
}
