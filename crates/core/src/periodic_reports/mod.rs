//! Periodic reports (SPEC.md §3): the monthly, half-yearly and annual reports of a
//! province and the national report, in one structure: (a) the children's pathways,
//! (b) the mechanism's results, (c) the trend of violence, exploitation and neglect,
//! (d) the provincial action plan's achievements (empty until the governance work adds
//! action plans). Draft → approved → submitted: figures are computed when drafted, may be
//! refreshed while a draft, and are frozen at approval. The national report sums the
//! submitted provincial reports of its period.

pub mod figures;

use crate::permit::{Act, act};
use crate::stats::scope;
use crate::{Core, CoreError, Permit, Who};
use awladna_domain::access::{
    Actor, Decision, ReportStep, decide_figures, decide_periodic_report, reads_whole_figures,
};
use awladna_domain::periodic::{Kind, Status, Step};
use awladna_domain::stats::{NATION, Period};
use awladna_store::periodic_reports::PeriodicReport;
use serde_json::json;
use thiserror::Error;

pub use figures::Contents;

#[derive(Debug, Error)]
pub enum PeriodicError {
    #[error(transparent)]
    Core(#[from] CoreError),
    /// No such report, or one the caller may not know exists.
    #[error("no such report")]
    NotFound,
    #[error("the role may not prepare this report")]
    CannotPrepare,
    #[error("the role may not approve this report")]
    CannotApprove,
    #[error("no such kind of report")]
    BadKind,
    #[error("the territory does not fit the kind")]
    BadTerritory,
    #[error("the period does not fit the kind")]
    BadPeriod,
    /// The report changed since the caller read it.
    #[error("the report changed since it was read")]
    Stale,
    /// The step needs a draft (refresh, approve) or an approved report (submit).
    #[error("the report is not {}", .0.code())]
    WrongStatus(Status),
}

crate::wraps_core_error!(PeriodicError);

/// A policy's refusal of a step: another province's report does not exist for the
/// caller; a report the caller's role may not touch says why.
fn refused(decision: Decision, step: ReportStep) -> PeriodicError {
    match (decision, step) {
        (Decision::Hidden, _) => PeriodicError::NotFound,
        (_, ReportStep::Approve) => PeriodicError::CannotApprove,
        (_, _) => PeriodicError::CannotPrepare,
    }
}

/// A report as read: its record, its kind and status typed, and its figures.
#[derive(Debug, Clone)]
pub struct Opened {
    pub report: PeriodicReport,
    pub kind: Kind,
    pub status: Status,
    pub contents: Contents,
    /// Whether the reader sees the figures whole (the province's own people, its own
    /// reports); suppressed otherwise.
    pub whole: bool,
}

impl Opened {
    fn of(actor: &Actor, report: PeriodicReport) -> Result<Opened, CoreError> {
        let kind = Kind::parse(&report.kind)
            .ok_or_else(|| CoreError::internal("a periodic report of an unknown kind"))?;
        let status = Status::parse(&report.status)
            .ok_or_else(|| CoreError::internal("a periodic report of an unknown status"))?;
        let province = (kind != Kind::National).then_some(report.territory.as_str());
        Ok(Opened {
            whole: reads_whole_figures(actor, province),
            contents: Contents::of(&report),
            report,
            kind,
            status,
        })
    }

    /// Whether `actor` may take `step` on the report now (its status and the policy).
    pub fn may(&self, actor: &Actor, step: Step) -> bool {
        step.allowed_from(self.status)
            && decide_periodic_report(actor, step.policy(), self.kind, &self.report.territory)
                == Decision::Allow
    }
}

/// The report `id`, if `actor` may read it.
async fn find(core: &Core, actor: &Actor, id: &str) -> Result<Opened, PeriodicError> {
    let report = core
        .store
        .periodic_report(id)
        .await?
        .ok_or(PeriodicError::NotFound)?;
    let opened = Opened::of(actor, report)?;
    if decide_periodic_report(
        actor,
        ReportStep::Read,
        opened.kind,
        &opened.report.territory,
    ) != Decision::Allow
    {
        return Err(PeriodicError::NotFound);
    }
    Ok(opened)
}

/// Reads a report.
pub async fn read<A: Act>(
    core: &Core,
    permit: &Permit<A>,
    id: &str,
) -> Result<Opened, PeriodicError> {
    find(core, permit.actor(), id).await
}

/// The reports of the reader's province (all of them for national roles), newest
/// period first.
pub async fn list<A: Act>(
    core: &Core,
    permit: &Permit<A>,
) -> Result<Vec<PeriodicReport>, PeriodicError> {
    Ok(core
        .store
        .periodic_reports(permit.actor().territory.as_deref())
        .await?)
}

/// What a new report is asked for, as sent.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub kind: String,
    /// The reader's own territory (the nation for national roles) unless said.
    pub territory: Option<String>,
    pub from: String,
    pub to: String,
}

/// Drafts a report: checks its kind, territory and period, computes its figures, and
/// stores it with its audit entry.
pub async fn create(
    core: &Core,
    permit: &Permit<act::PrepareReport>,
    draft: &Draft,
) -> Result<Opened, PeriodicError> {
    let who = permit.who();
    let actor = permit.actor();
    let kind = Kind::parse(draft.kind.trim()).ok_or(PeriodicError::BadKind)?;
    let territory = draft
        .territory
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .or_else(|| actor.territory.clone())
        .unwrap_or_else(|| NATION.to_owned());
    if decide_figures(actor, &territory) != Decision::Allow {
        return Err(PeriodicError::NotFound);
    }
    let scope = scope(core, &territory).ok_or(PeriodicError::NotFound)?;
    if !kind.fits_scope(scope.kind) {
        return Err(PeriodicError::BadTerritory);
    }
    match decide_periodic_report(actor, ReportStep::Prepare, kind, &scope.code) {
        Decision::Allow => {}
        refusal => return Err(refused(refusal, ReportStep::Prepare)),
    }
    let period = Period::parse(draft.from.trim(), draft.to.trim())
        .filter(|p| kind.fits(p))
        .ok_or(PeriodicError::BadPeriod)?;
    let now = core.now_ms();
    let mut report = PeriodicReport {
        id: uuid::Uuid::now_v7().to_string(),
        kind: kind.code().to_owned(),
        territory: scope.code.clone(),
        from: period.from.clone(),
        to: period.to.clone(),
        status: Status::Draft.code().to_owned(),
        figures: String::new(),
        computed_at: now,
        created_by: who.audit_name.clone(),
        created_at: now,
        approved_by: None,
        approved_at: None,
        submitted_by: None,
        submitted_at: None,
        version: 1,
    };
    report.figures = figures::compute(core, &report, kind).await?;
    let mut tx = core.store.begin().await?;
    tx.insert_periodic_report(&report).await?;
    tx.audit(who.audit(
        now,
        "periodic_report.create",
        ("periodic_report", &report.id),
        &report.territory,
        json!({"kind": report.kind, "from": report.from, "to": report.to}),
    ))
    .await?;
    tx.commit().await?;
    find(core, actor, &report.id).await
}

/// Computes a draft's figures again.
pub async fn refresh(
    core: &Core,
    permit: &Permit<act::PrepareReport>,
    id: &str,
    version: Option<i64>,
) -> Result<Opened, PeriodicError> {
    take(core, permit.who(), id, Step::Refresh, version).await
}

/// Approves a draft: its figures are frozen from now on.
pub async fn approve(
    core: &Core,
    permit: &Permit<act::ApproveReport>,
    id: &str,
    version: Option<i64>,
) -> Result<Opened, PeriodicError> {
    take(core, permit.who(), id, Step::Approve, version).await
}

/// Submits an approved report to the national level.
pub async fn submit(
    core: &Core,
    permit: &Permit<act::PrepareReport>,
    id: &str,
    version: Option<i64>,
) -> Result<Opened, PeriodicError> {
    take(core, permit.who(), id, Step::Submit, version).await
}

/// Takes a step on the report read at `version` (the current one unless said), and
/// answers the report as it is after.
async fn take(
    core: &Core,
    who: &Who,
    id: &str,
    step: Step,
    version: Option<i64>,
) -> Result<Opened, PeriodicError> {
    let opened = find(core, &who.actor, id).await?;
    let report = &opened.report;
    match decide_periodic_report(&who.actor, step.policy(), opened.kind, &report.territory) {
        Decision::Allow => {}
        refusal => return Err(refused(refusal, step.policy())),
    }
    let version = version.unwrap_or(report.version);
    if version != report.version {
        return Err(PeriodicError::Stale);
    }
    if !step.allowed_from(opened.status) {
        return Err(PeriodicError::WrongStatus(step.needs()));
    }
    let now = core.now_ms();
    let by = &who.audit_name;
    let figures = match step {
        Step::Refresh => Some(figures::compute(core, report, opened.kind).await?),
        _ => None,
    };
    let mut tx = core.store.begin().await?;
    let done = match step {
        Step::Refresh => {
            tx.refresh_periodic_report(id, version, figures.as_deref().unwrap_or("{}"), now)
                .await?
        }
        // The figures it was read and approved with, frozen from now on.
        Step::Approve => {
            tx.approve_periodic_report(id, version, &report.figures, by, now)
                .await?
        }
        Step::Submit => tx.submit_periodic_report(id, version, by, now).await?,
    };
    if !done {
        return Err(PeriodicError::Stale);
    }
    tx.audit(who.audit(
        now,
        step.audit(),
        ("periodic_report", id),
        &report.territory,
        json!({"kind": report.kind, "from": report.from, "to": report.to}),
    ))
    .await?;
    tx.commit().await?;
    find(core, &who.actor, id).await
}

/// A report read to be exported (a data request: written in the audit log).
pub async fn export(
    core: &Core,
    permit: &Permit<act::ViewStatistics>,
    id: &str,
    format: &str,
) -> Result<Opened, PeriodicError> {
    let opened = find(core, permit.actor(), id).await?;
    let entry = permit.who().audit(
        core.now_ms(),
        "periodic_report.export",
        ("periodic_report", &opened.report.id),
        &opened.report.territory,
        json!({"format": format}),
    );
    core.audit_alone(entry).await?;
    Ok(opened)
}
