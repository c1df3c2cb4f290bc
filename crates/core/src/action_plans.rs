//! The provincial action plan (issue 14 §4): drafted by the technical cell from the
//! approved diagnosis's priorities (or others), approved by the chair with the meeting
//! that approved it, then frozen; a revision is a new version keeping the old one. Each
//! responsible organisation's focal point records progress per action; the technical
//! cell reviews it. Indicators taken from the statistics follow themselves.

use crate::diagnosis::{PlanningError, invalid, required};
use crate::once::{self, Kept};
use crate::permit::act;
use crate::stats::{figure, scope};
use crate::{Act, Core, CoreError, Permit};
use awladna_domain::action_plan::{
    Action, ActionState, Indicator, Objective, PlanDoc, PlanStatus, Priority, check_action,
    check_years, execution_rate, on_track, title,
};
use awladna_domain::diagnosis::Priority as Proposed;
use awladna_domain::forms::{Problem, clean_text, local_zone};
use awladna_domain::stats::{Period, registry};
use awladna_store::StoreError;
use awladna_store::planning::{PlanRecord, ProgressRecord};
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

fn key() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn today(core: &Core) -> Date {
    core.clock.now().to_zoned(local_zone()).date()
}

fn doc_of(p: &PlanRecord) -> Result<PlanDoc, CoreError> {
    serde_json::from_str(&p.document).map_err(|e| CoreError::internal(e.to_string()))
}

fn text_of(doc: &PlanDoc) -> Result<String, CoreError> {
    serde_json::to_string(doc).map_err(|e| CoreError::internal(e.to_string()))
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewPlan {
    pub title: String,
    pub first_year: Option<i64>,
    pub last_year: Option<i64>,
    /// The approved diagnosis whose priorities seed the plan.
    pub diagnosis: Option<String>,
}

/// The technical cell drafts a province's first plan, its priorities seeded from an
/// approved diagnosis of the province. A province with a plan revises it instead.
pub async fn create(
    core: &Core,
    permit: &Permit<act::DraftPlanning>,
    territory: &str,
    input: &NewPlan,
) -> Result<String, PlanningError> {
    permit.on(territory)?;
    let mut errors = Vec::new();
    let plan_title = title("title", &input.title)
        .map_err(|e| errors.push(e))
        .ok();
    let first = input.first_year.unwrap_or(0);
    let years = check_years(first, input.last_year.unwrap_or(first + 2))
        .map_err(|e| errors.push(e))
        .ok();
    let mut seeded = Vec::new();
    if let Some(id) = input.diagnosis.as_deref().filter(|d| !d.is_empty()) {
        match core.store.diagnosis(id).await? {
            Some(d) if d.territory == territory && d.status == "approved" => {
                let list: Vec<Proposed> = serde_json::from_str(&d.priorities).unwrap_or_default();
                seeded = list
                    .into_iter()
                    .map(|p| Priority {
                        key: key(),
                        title: p.title,
                        justification: p.justification,
                        area: p.area,
                        objectives: Vec::new(),
                    })
                    .collect();
            }
            _ => errors.push(awladna_domain::forms::FieldError {
                field: "diagnosis".into(),
                problem: Problem::UnknownCode,
            }),
        }
    }
    let (Some(plan_title), Some(years)) = (plan_title, years) else {
        return Err(invalid(errors));
    };
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    if !core.store.action_plans(Some(territory)).await?.is_empty() {
        return Err(PlanningError::WrongStep);
    }
    let doc = PlanDoc { priorities: seeded };
    insert(
        core,
        permit,
        territory,
        1,
        None,
        input.diagnosis.clone(),
        years,
        plan_title,
        &doc,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn insert<A: Act>(
    core: &Core,
    permit: &Permit<A>,
    territory: &str,
    plan_version: i64,
    revises: Option<String>,
    diagnosis: Option<String>,
    years: (i16, i16),
    plan_title: String,
    doc: &PlanDoc,
) -> Result<String, PlanningError> {
    let who = permit.who();
    let now = core.now_ms();
    let record = PlanRecord {
        id: key(),
        territory: territory.to_owned(),
        plan_version,
        revises,
        diagnosis_id: diagnosis.filter(|d| !d.is_empty()),
        first_year: years.0.into(),
        last_year: years.1.into(),
        title: plan_title,
        status: PlanStatus::Draft.code().to_owned(),
        document: text_of(doc)?,
        created_at: now,
        approved_at: None,
        meeting_id: None,
        version: 1,
    };
    let mut tx = core.store.begin().await?;
    tx.insert_action_plan(&record, &who.audit_name).await?;
    tx.audit(who.audit(
        now,
        "action_plan.drafted",
        ("action_plan", &record.id),
        territory,
        json!({"plan_version": plan_version, "revises": record.revises, "priorities": doc.priorities.len()}),
    ))
    .await?;
    tx.commit().await?;
    Ok(record.id)
}

async fn plan_of<A: Act>(
    core: &Core,
    permit: &Permit<A>,
    id: &str,
) -> Result<PlanRecord, CoreError> {
    let p = core
        .store
        .action_plan(id)
        .await?
        .ok_or(CoreError::NotFound)?;
    permit.on(&p.territory)?;
    Ok(p)
}

/// A revision of an approved plan: a new draft version, its contents copied (action
/// keys kept, so progress carries on), the approved one unchanged until it is approved.
pub async fn revise(
    core: &Core,
    permit: &Permit<act::DraftPlanning>,
    id: &str,
) -> Result<String, PlanningError> {
    let p = plan_of(core, permit, id).await?;
    let all = core.store.action_plans(Some(&p.territory)).await?;
    if p.status != PlanStatus::Approved.code() || all.iter().any(|o| o.status == "draft") {
        return Err(PlanningError::WrongStep);
    }
    let next = all.iter().map(|o| o.plan_version).max().unwrap_or(0) + 1;
    let years = (p.first_year as i16, p.last_year as i16);
    insert(
        core,
        permit,
        &p.territory,
        next,
        Some(p.id.clone()),
        p.diagnosis_id.clone(),
        years,
        p.title.clone(),
        &doc_of(&p)?,
    )
    .await
}

/// One change to a draft plan.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Edit {
    AddPriority {
        title: String,
        #[serde(default)]
        justification: String,
    },
    AddObjective {
        priority: String,
        title: String,
    },
    AddAction {
        objective: String,
        #[serde(flatten)]
        action: Action,
    },
    AddIndicator {
        objective: String,
        #[serde(flatten)]
        indicator: Indicator,
    },
}

fn apply(
    doc: &mut PlanDoc,
    edit: &Edit,
    years: (i16, i16),
    organisations: &[String],
) -> Result<(), PlanningError> {
    let missing = |f: &str| {
        invalid(vec![awladna_domain::forms::FieldError {
            field: f.to_owned(),
            problem: Problem::UnknownCode,
        }])
    };
    match edit {
        Edit::AddPriority {
            title: t,
            justification,
        } => {
            let t = title("title", t).map_err(|e| invalid(vec![e]))?;
            let justification = clean_text(justification, 2000, true).map_err(|p| {
                invalid(vec![awladna_domain::forms::FieldError {
                    field: "justification".into(),
                    problem: p,
                }])
            })?;
            doc.priorities.push(Priority {
                key: key(),
                title: t,
                justification,
                area: None,
                objectives: Vec::new(),
            });
        }
        Edit::AddObjective { priority, title: t } => {
            let t = title("title", t).map_err(|e| invalid(vec![e]))?;
            let p = doc
                .priorities
                .iter_mut()
                .find(|p| &p.key == priority)
                .ok_or_else(|| missing("priority"))?;
            p.objectives.push(Objective {
                key: key(),
                title: t,
                ..Objective::default()
            });
        }
        Edit::AddAction { objective, action } => {
            let mut errors = check_action(action, years).err().unwrap_or_default();
            if !organisations.contains(&action.organisation) {
                errors.push(awladna_domain::forms::FieldError {
                    field: "organisation".into(),
                    problem: if action.organisation.trim().is_empty() {
                        Problem::Required
                    } else {
                        Problem::UnknownCode
                    },
                });
            }
            if !errors.is_empty() {
                return Err(invalid(errors));
            }
            let mut clean = check_action(action, years).map_err(invalid)?;
            clean.key = key();
            doc.objective_mut(objective)
                .ok_or_else(|| missing("objective"))?
                .actions
                .push(clean);
        }
        Edit::AddIndicator {
            objective,
            indicator,
        } => {
            let mut ind = indicator.clone();
            let mut errors = Vec::new();
            match title("name", &ind.name) {
                Ok(n) => ind.name = n,
                Err(e) => errors.push(e),
            }
            ind.unit = clean_text(&ind.unit, 60, false).unwrap_or_default();
            ind.source = ind.source.filter(|s| !s.is_empty());
            if let Some(s) = &ind.source
                && registry().indicator(s).is_none()
            {
                errors.push(awladna_domain::forms::FieldError {
                    field: "source".into(),
                    problem: Problem::UnknownCode,
                });
            }
            let span = (years.1 - years.0 + 1) as usize;
            if ind.targets.is_empty() || ind.targets.len() > span {
                errors.push(awladna_domain::forms::FieldError {
                    field: "targets".into(),
                    problem: Problem::OutOfRange {
                        min: 1,
                        max: span as i64,
                    },
                });
            }
            let finite = |v: f64| v.is_finite() && (-1e12..=1e12).contains(&v);
            if !finite(ind.baseline)
                || !ind.targets.iter().all(|t| finite(*t))
                || ind.manual.is_some_and(|m| !finite(m))
            {
                errors.push(awladna_domain::forms::FieldError {
                    field: "targets".into(),
                    problem: Problem::NotADecimal,
                });
            }
            if !errors.is_empty() {
                return Err(invalid(errors));
            }
            ind.key = key();
            doc.objective_mut(objective)
                .ok_or_else(|| missing("objective"))?
                .indicators
                .push(ind);
        }
    }
    Ok(())
}

/// The technical cell changes a draft, as read at `version`. An approved plan is frozen.
pub async fn edit(
    core: &Core,
    permit: &Permit<act::DraftPlanning>,
    id: &str,
    change: &Edit,
    version: Option<i64>,
) -> Result<(), PlanningError> {
    let p = plan_of(core, permit, id).await?;
    let version = required(version)?;
    if p.status != PlanStatus::Draft.code() {
        return Err(PlanningError::WrongStep);
    }
    let organisations: Vec<String> = core
        .store
        .organisations(Some(&p.territory))
        .await?
        .into_iter()
        .map(|o| o.code)
        .collect();
    let mut doc = doc_of(&p)?;
    apply(
        &mut doc,
        change,
        (p.first_year as i16, p.last_year as i16),
        &organisations,
    )?;
    let who = permit.who();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    if p.version != version || !tx.save_plan_document(id, &text_of(&doc)?, version).await? {
        return Err(CoreError::Stale.into());
    }
    let kind = match change {
        Edit::AddPriority { .. } => "add_priority",
        Edit::AddObjective { .. } => "add_objective",
        Edit::AddAction { .. } => "add_action",
        Edit::AddIndicator { .. } => "add_indicator",
    };
    tx.audit(who.audit(
        now,
        "action_plan.changed",
        ("action_plan", id),
        &p.territory,
        json!({"change": kind}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The chair approves a draft with the meeting of the province that approved it (held
/// or convened); the plan is frozen and the version it revises superseded.
pub async fn approve(
    core: &Core,
    permit: &Permit<act::ApprovePlanning>,
    id: &str,
    meeting: &str,
    version: Option<i64>,
) -> Result<(), PlanningError> {
    let p = plan_of(core, permit, id).await?;
    let version = required(version)?;
    if p.status != PlanStatus::Draft.code() {
        return Err(PlanningError::WrongStep);
    }
    match core.store.meeting(meeting.trim()).await? {
        Some(m) if m.territory == p.territory && m.status != "draft" => {}
        _ => return Err(CoreError::field("meeting", Problem::UnknownCode).into()),
    }
    if doc_of(&p)?.actions().next().is_none() {
        return Err(CoreError::field("actions", Problem::Required).into());
    }
    let who = permit.who();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    if p.version != version
        || !tx
            .approve_plan(&p, meeting.trim(), version, &who.audit_name, now)
            .await?
    {
        return Err(CoreError::Stale.into());
    }
    tx.audit(who.audit(
        now,
        "action_plan.approved",
        ("action_plan", id),
        &p.territory,
        json!({"meeting": meeting.trim(), "plan_version": p.plan_version}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProgressInput {
    pub percent: Option<i64>,
    /// Whole dirhams spent so far.
    pub spent: Option<i64>,
    pub note: String,
    /// A reference to the evidence document.
    pub evidence: String,
    /// The form's submission key.
    #[serde(rename = "_key")]
    pub key: Option<String>,
}

/// The responsible organisation's focal point records progress on one of its actions of
/// the approved plan. Another organisation's action does not exist for them.
pub async fn record_progress(
    core: &Core,
    permit: &Permit<act::ContributePlanning>,
    plan_id: &str,
    action_key: &str,
    input: &ProgressInput,
) -> Result<String, PlanningError> {
    let p = plan_of(core, permit, plan_id).await?;
    if p.status != PlanStatus::Approved.code() {
        return Err(PlanningError::WrongStep);
    }
    let who = permit.who();
    let doc = doc_of(&p)?;
    let Some(action) = doc
        .actions()
        .find(|a| a.key == action_key && Some(a.organisation.as_str()) == who.organisation())
    else {
        return Err(CoreError::NotFound.into());
    };
    let mut errors = Vec::new();
    let mut field = |f: &str, problem| {
        errors.push(awladna_domain::forms::FieldError {
            field: f.to_owned(),
            problem,
        })
    };
    let percent = match input.percent {
        Some(v) if (0..=100).contains(&v) => v,
        Some(_) => {
            field("percent", Problem::OutOfRange { min: 0, max: 100 });
            0
        }
        None => {
            field("percent", Problem::Required);
            0
        }
    };
    if input
        .spent
        .is_some_and(|s| !(0..=1_000_000_000_000).contains(&s))
    {
        field(
            "spent",
            Problem::OutOfRange {
                min: 0,
                max: 1_000_000_000_000,
            },
        );
    }
    let note = clean_text(&input.note, 2000, true).unwrap_or_else(|e| {
        field("note", e);
        String::new()
    });
    let evidence = clean_text(&input.evidence, 300, false).unwrap_or_else(|e| {
        field("evidence", e);
        String::new()
    });
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let key_sent = input.key.as_deref();
    if let Some(id) = once::stored_before(core, who, Kept::Record, key_sent).await? {
        return Ok(id);
    }
    let now = core.now_ms();
    let record = ProgressRecord {
        id: key(),
        action_key: action.key.clone(),
        plan_id: p.id.clone(),
        at: now,
        by: who.audit_name.clone(),
        percent,
        spent: input.spent,
        note,
        evidence,
        reviewed_at: None,
        review_note: None,
    };
    let mut tx = core.store.begin().await?;
    tx.insert_progress(&p.territory, &record).await?;
    once::remember(&mut tx, who, Kept::Record, key_sent, &record.id, now).await?;
    tx.audit(who.audit(
        now,
        "action_plan.progress",
        ("action_plan", &p.id),
        &p.territory,
        json!({"action": action.key, "percent": percent}),
    ))
    .await?;
    match tx.commit().await {
        Ok(()) => Ok(record.id),
        Err(e @ StoreError::Duplicate) => {
            Ok(once::after_failure(core, who, Kept::Record, key_sent, e).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// The technical cell reviews a progress entry of the plan (once).
pub async fn review_progress(
    core: &Core,
    permit: &Permit<act::DraftPlanning>,
    plan_id: &str,
    progress_id: &str,
    note: &str,
) -> Result<(), PlanningError> {
    let p = plan_of(core, permit, plan_id).await?;
    let note = clean_text(note, 2000, true).map_err(|e| CoreError::field("note", e))?;
    let who = permit.who();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    if !tx
        .review_progress(progress_id, &p.territory, &note, &who.audit_name, now)
        .await?
    {
        return Err(CoreError::Stale.into());
    }
    tx.audit(who.audit(
        now,
        "action_plan.progress_reviewed",
        ("action_plan", &p.id),
        &p.territory,
        json!({"progress": progress_id}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An action as followed: its latest progress and state.
#[derive(Debug, Clone)]
pub struct ActionLine {
    pub action: Action,
    pub percent: i64,
    pub spent: i64,
    pub planned: f64,
    pub state: ActionState,
    pub entries: Vec<ProgressRecord>,
}

/// An indicator as followed: its current value (from the statistics, or typed) and
/// whether it is on track for this year's target.
#[derive(Debug, Clone)]
pub struct IndicatorLine {
    pub indicator: Indicator,
    pub value: Option<f64>,
    pub target: Option<f64>,
    pub on_track: bool,
}

/// A plan version as read, with its execution.
pub struct Plan {
    pub record: PlanRecord,
    pub doc: PlanDoc,
    pub actions: BTreeMap<String, ActionLine>,
    pub indicators: BTreeMap<String, IndicatorLine>,
    /// Mean of the actions' percentages.
    pub execution_rate: u32,
    /// Indicators on track, of all.
    pub on_track: (usize, usize),
}

impl Plan {
    pub fn count(&self, state: ActionState) -> usize {
        self.actions.values().filter(|a| a.state == state).count()
    }

    pub fn budget(&self) -> (f64, i64) {
        self.actions
            .values()
            .fold((0.0, 0), |(p, s), a| (p + a.planned, s + a.spent))
    }
}

async fn indicator_value(
    core: &Core,
    territory: &str,
    ind: &Indicator,
    year: i16,
) -> Result<Option<f64>, CoreError> {
    let Some(source) = &ind.source else {
        return Ok(ind.manual);
    };
    let (Some(reg), Some(scope)) = (registry().indicator(source), scope(core, territory)) else {
        return Ok(None);
    };
    let this_month = today(core).strftime("%Y-%m").to_string();
    let to = if this_month.starts_with(&year.to_string()) {
        this_month
    } else {
        format!("{year}-12")
    };
    let Some(period) = Period::parse(&format!("{year}-01"), &to) else {
        return Ok(None);
    };
    let fig = figure(core, reg, &scope, &period, &[], false)
        .await
        .map_err(|e| CoreError::internal(format!("{e:?}")))?;
    Ok(if ind.rate {
        fig.total_rate
    } else {
        fig.total.value()
    })
}

/// Reads a plan with its progress, states on `day`, and indicators for the year of `day`.
pub(crate) async fn followed(
    core: &Core,
    record: PlanRecord,
    day: Date,
) -> Result<Plan, CoreError> {
    let doc = doc_of(&record)?;
    let mut entries: BTreeMap<String, Vec<ProgressRecord>> = BTreeMap::new();
    for e in core.store.action_progress(&record.territory).await? {
        entries.entry(e.action_key.clone()).or_default().push(e);
    }
    let mut actions = BTreeMap::new();
    for a in doc.actions() {
        let mine = entries.remove(&a.key).unwrap_or_default();
        let last = mine.last();
        let percent = last.map_or(0, |e| e.percent);
        actions.insert(
            a.key.clone(),
            ActionLine {
                state: ActionState::of(a, last.map(|e| e.percent), day),
                percent,
                spent: mine.iter().rev().find_map(|e| e.spent).unwrap_or(0),
                planned: a.budget.iter().map(|b| b.amount).sum(),
                action: a.clone(),
                entries: mine,
            },
        );
    }
    let year = day
        .year()
        .clamp(record.first_year as i16, record.last_year as i16);
    let index = (year as i64 - record.first_year) as usize;
    let mut indicators = BTreeMap::new();
    for ind in doc.indicators() {
        let value = indicator_value(core, &record.territory, ind, year).await?;
        indicators.insert(
            ind.key.clone(),
            IndicatorLine {
                on_track: on_track(ind, value, index),
                target: ind.targets.get(index).or(ind.targets.last()).copied(),
                value,
                indicator: ind.clone(),
            },
        );
    }
    let percents: Vec<i64> = actions.values().map(|a| a.percent).collect();
    let tracked = indicators.values().filter(|i| i.on_track).count();
    Ok(Plan {
        execution_rate: execution_rate(&percents),
        on_track: (tracked, indicators.len()),
        record,
        doc,
        actions,
        indicators,
    })
}

pub async fn plan(
    core: &Core,
    permit: &Permit<act::ReadPlanning>,
    id: &str,
) -> Result<Plan, CoreError> {
    let record = plan_of(core, permit, id).await?;
    followed(core, record, today(core)).await
}

/// A province's plan versions, the latest first.
pub async fn plans(
    core: &Core,
    permit: &Permit<act::ReadPlanning>,
    territory: &str,
) -> Result<Vec<PlanRecord>, CoreError> {
    permit.on(territory)?;
    Ok(core.store.action_plans(Some(territory)).await?)
}

/// The plan in force: the approved version, if any.
pub(crate) async fn in_force(
    core: &Core,
    territory: &str,
) -> Result<Option<PlanRecord>, CoreError> {
    Ok(core
        .store
        .action_plans(Some(territory))
        .await?
        .into_iter()
        .find(|p| p.status == PlanStatus::Approved.code()))
}

/// A province in the ministry's national view.
pub struct ProvinceLine {
    pub territory: String,
    /// none | draft | approved | revised
    pub status: &'static str,
    pub execution_rate: Option<u32>,
    pub on_track: Option<(usize, usize)>,
}

/// Every province that hosts the mechanism (a provincial reader: its own), with its
/// plan's status, execution rate and indicators on track.
pub async fn national(
    core: &Core,
    permit: &Permit<act::ReadPlanning>,
) -> Result<Vec<ProvinceLine>, CoreError> {
    let all = core.store.action_plans(None).await?;
    let day = today(core);
    let mut out = Vec::new();
    for t in core.reference.territories() {
        if !t.kind.hosts_mechanism() || !permit.actor().covers(&t.code) {
            continue;
        }
        let mine: Vec<&PlanRecord> = all.iter().filter(|p| p.territory == t.code).collect();
        let approved = mine.iter().find(|p| p.status == "approved");
        let status = match approved {
            Some(p) if p.plan_version > 1 => "revised",
            Some(_) => "approved",
            None if mine.is_empty() => "none",
            None => "draft",
        };
        let (rate, tracked) = match approved {
            Some(p) => {
                let f = followed(core, (*p).clone(), day).await?;
                (Some(f.execution_rate), Some(f.on_track))
            }
            None => (None, None),
        };
        out.push(ProvinceLine {
            territory: t.code.clone(),
            status,
            execution_rate: rate,
            on_track: tracked,
        });
    }
    Ok(out)
}

/// The periodic reports' section (d), «حصيلة منجزات تفعيل خطة العمل الإقليمية»: the plan
/// in force, its actions done, late, in progress and not started at the period's end,
/// its indicators against their targets, and its budget executed against planned.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Achievements {
    pub plan_id: String,
    pub plan_title: String,
    pub plan_version: i64,
    pub execution_rate: u32,
    pub done: usize,
    pub late: usize,
    pub in_progress: usize,
    pub not_started: usize,
    pub actions: Vec<AchievedAction>,
    pub indicators: Vec<AchievedIndicator>,
    pub budget_planned: f64,
    pub budget_spent: i64,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct AchievedAction {
    pub title: String,
    /// The responsible organisation's name.
    pub organisation: String,
    pub end: String,
    pub percent: i64,
    pub state: String,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct AchievedIndicator {
    pub name: String,
    pub unit: String,
    pub baseline: f64,
    pub target: Option<f64>,
    pub value: Option<f64>,
    pub on_track: bool,
}

/// The achievements of `territory`'s plan in force, at the end of the month `to`
/// (YYYY-MM); None when the province has no approved plan.
pub async fn achievements(
    core: &Core,
    territory: &str,
    to: &str,
) -> Result<Option<Achievements>, CoreError> {
    let Some(record) = in_force(core, territory).await? else {
        return Ok(None);
    };
    let day = format!("{to}-01")
        .parse::<Date>()
        .ok()
        .and_then(|d| {
            d.last_of_month()
                .checked_add(jiff::Span::new().days(1))
                .ok()
        })
        .unwrap_or_else(|| today(core))
        .min(today(core));
    let names: BTreeMap<String, String> = core
        .store
        .organisations(Some(territory))
        .await?
        .into_iter()
        .map(|o| (o.code, o.name))
        .collect();
    let plan = followed(core, record, day).await?;
    let (planned, spent) = plan.budget();
    Ok(Some(Achievements {
        plan_id: plan.record.id.clone(),
        plan_title: plan.record.title.clone(),
        plan_version: plan.record.plan_version,
        execution_rate: plan.execution_rate,
        done: plan.count(ActionState::Done),
        late: plan.count(ActionState::Late),
        in_progress: plan.count(ActionState::InProgress),
        not_started: plan.count(ActionState::NotStarted),
        actions: plan
            .doc
            .actions()
            .filter_map(|a| plan.actions.get(&a.key))
            .map(|l| AchievedAction {
                title: l.action.title.clone(),
                organisation: names
                    .get(&l.action.organisation)
                    .cloned()
                    .unwrap_or_else(|| l.action.organisation.clone()),
                end: l.action.end.clone(),
                percent: l.percent,
                state: l.state.code().to_owned(),
            })
            .collect(),
        indicators: plan
            .doc
            .indicators()
            .filter_map(|i| plan.indicators.get(&i.key))
            .map(|l| AchievedIndicator {
                name: l.indicator.name.clone(),
                unit: l.indicator.unit.clone(),
                baseline: l.indicator.baseline,
                target: l.target,
                value: l.value,
                on_track: l.on_track,
            })
            .collect(),
        budget_planned: planned,
        budget_spent: spent,
    }))
}
