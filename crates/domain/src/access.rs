//! Who may do what: roles, the actor a request acts as, and the one policy that every
//! route asks. Pure: the web layer gathers the facts (who, which record, which grants)
//! and this module decides.

use crate::files::FilePart;
use crate::periodic::Kind;
use crate::referral::{Side, Standing, Status};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Social assistant of a support centre: records, triages, assesses, refers, follows up.
    CaseWorker,
    /// Centre coordinator: watches over the centre's cases, assigns, signs off.
    Coordinator,
    /// Information-base cell: data quality, monthly figures, exports.
    InformationOfficer,
    /// A sector's decentralised service: receives linking cards.
    FocalPoint,
    /// Committee secretariat: meetings, decisions, provincial reports.
    Secretariat,
    CommitteeMember,
    /// Ministry analyst: national statistics, never identities.
    NationalAnalyst,
    /// Organisations, users, keys and backups — not children's files.
    Administrator,
    /// The governor or the governor's delegate chairing the provincial committee:
    /// approves the minutes; never sees a child.
    CommitteeChair,
    /// The support centre's technical-support cell (خلية الدعم التقني): follows the
    /// committee's decisions with their owners.
    TechnicalOfficer,
    /// Issue 17: a call taker or supervisor of the National Observatory's 2511 line and
    /// e-platform: sees whether the provinces received and triaged the reports the
    /// Observatory sent, never a child's identity or narrative.
    ObservatoryOperator,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::CaseWorker,
        Role::Coordinator,
        Role::InformationOfficer,
        Role::FocalPoint,
        Role::Secretariat,
        Role::CommitteeMember,
        Role::NationalAnalyst,
        Role::Administrator,
        Role::CommitteeChair,
        Role::TechnicalOfficer,
        Role::ObservatoryOperator,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::CaseWorker => "case_worker",
            Role::Coordinator => "coordinator",
            Role::InformationOfficer => "information_officer",
            Role::FocalPoint => "focal_point",
            Role::Secretariat => "secretariat",
            Role::CommitteeMember => "committee_member",
            Role::NationalAnalyst => "national_analyst",
            Role::Administrator => "administrator",
            Role::CommitteeChair => "committee_chair",
            Role::TechnicalOfficer => "technical_officer",
            Role::ObservatoryOperator => "observatory_operator",
        }
    }

    /// Roles that can read identifying case data (some of it, within their scope).
    pub fn reads_identities(self) -> bool {
        matches!(
            self,
            Role::CaseWorker | Role::Coordinator | Role::InformationOfficer | Role::FocalPoint
        )
    }

    /// Two-factor sign-in is mandatory for those who read identities and for those who
    /// grant access to them.
    pub fn requires_two_factor(self) -> bool {
        self.reads_identities() || self == Role::Administrator
    }

    /// Whether an organisation with no province (the ministry, the 2511 line) may hold
    /// this role. Roles that read identities work in one province's organisation: a
    /// national body's "no province" must never read as "every province's children".
    pub fn fits_a_national_body(self) -> bool {
        !self.reads_identities()
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
                format!("unknown role \"{s}\"; roles are: {}", known.join(", "))
            })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The user a request acts as, with what the policy needs to know about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: String,
    pub organisation: String,
    pub sector: String,
    /// The territory of the user's organisation; `None` for a national body.
    pub territory: Option<String>,
    pub roles: BTreeSet<Role>,
    /// For a machine client: what its token allows (it has no roles).
    pub token_scope: Option<TokenScope>,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_national(&self) -> bool {
        self.territory.is_none()
    }

    pub fn requires_two_factor(&self) -> bool {
        self.roles.iter().any(|r| r.requires_two_factor())
    }

    pub fn reads_identities(&self) -> bool {
        self.roles.iter().any(|r| r.reads_identities())
    }

    /// Whether a record of `territory` is within this user's territorial scope.
    pub fn covers(&self, territory: &str) -> bool {
        self.territory.as_deref().is_none_or(|own| own == territory)
    }

    /// A person of a national body who holds a role that reads identities: an account
    /// made before such roles were refused nationally. It may use nothing but its own
    /// account page until an administrator moves it to a province's organisation.
    pub fn reads_identities_without_province(&self) -> bool {
        self.token_scope.is_none() && self.is_national() && self.reads_identities()
    }
}

/// What a request wants to do. Each route names exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Public pages and reference data: no account needed.
    ViewPublic,
    /// Signing in and out, one's own account and second factor.
    UseOwnAccount,
    /// Organisations of a territory (or all, for a national administrator).
    ManageOrganisations,
    /// Users and their roles.
    ManageUsers,
    /// Browse the audit log.
    ViewAudit,
    /// Record a reporting card (بطاقة التبليغ).
    RecordReport,
    /// Read a reporting card, identities included.
    ReadReport,
    /// Link a report to a child and open the case.
    Triage,
    /// Read a case and its timeline.
    ReadCase,
    /// Move a case along the pathway, close or reopen it.
    MoveCase,
    /// Open a record outside one's scope, with a written justification.
    BreakGlass,
    /// See the alerts of one's province (break-glass openings…).
    ViewAlerts,
    /// Record a card on an open case: evaluation, follow-up, the child's situation, the
    /// case plan.
    WorkOnCase,
    /// Give a case to a worker ("my cases").
    AssignCase,
    /// Read one of the case's three files (entries and documents).
    ReadFile(FilePart),
    /// Add an entry or a document to one of the case's files.
    WriteFile(FilePart),
    /// Describe the province's organisations in the directory of services: address,
    /// hours, position, services, contact points; import and export it.
    ManageDirectory,
    /// Refer the child of a case to another service (a linking card).
    Refer,
    /// The referrals of one's own organisation: inbox and outbox, answering them, and
    /// reading what was shared while they are open.
    UseReferrals,
    /// Dashboards, indicators and their exports (de-identified counts only).
    ViewStatistics,
    /// Draft a periodic report (monthly, half-yearly, annual; national for the
    /// ministry) and submit it once approved.
    PrepareReport,
    /// Approve a periodic report on behalf of the committee (or the centre, monthly).
    ApproveReport,
    /// Record a subject-access request (Law 09-08) and export everything held about the
    /// child of a case.
    SubjectAccess,
    /// Correct a child's identity (its history stays, visible to the case's readers).
    RectifyIdentity,
    /// The provincial committee's people, meetings, minutes and decisions, as read.
    ReadCommittee,
    /// Keep the committee: its members and expert team, the quorum, meetings, agendas,
    /// convocations, attendance, draft minutes and decisions (the secretariat's work).
    KeepCommittee,
    /// Approve a meeting's minutes, which freezes them (the chair).
    ApproveMinutes,
    /// Record progress on the committee's decisions and change their status.
    FollowDecisions,
    // ---- Issue 15: training, rollout, toolkit library ----
    /// Training sessions, participants, coverage and the national plan, as read.
    ReadTraining,
    /// Organise trainings: modules (national only), trainers, sessions, participants,
    /// attendance, tests and attestations.
    RunTraining,
    /// The rollout in ten tracks: statuses, map, timeline, label of excellence.
    ReadRollout,
    /// Declare a province's milestone status; edit the milestones (national only).
    KeepRollout,
    /// The toolkit library (every document, not only the public ones) and the guide.
    ReadLibrary,
    /// Publish a document or a new version of it in the toolkit library.
    KeepLibrary,
    // Issue 14 §3–4: the territorial diagnosis and the provincial action plan.
    /// Read a province's diagnoses and action plans, and the ministry's comparisons.
    ReadPlanning,
    /// Open a diagnosis for a period and assign its sections (the secretariat).
    OpenDiagnosis,
    /// Fill in one's organisation's diagnosis section and record progress on its
    /// actions of the plan (a sector's focal point).
    ContributePlanning,
    /// Consolidate the diagnosis, draft the action plan, review progress (the
    /// technical cell).
    DraftPlanning,
    /// Approve the diagnosis and the action plan on behalf of the committee (the chair).
    ApprovePlanning,
    /// journeys2 (issue 18): approve or return a case's step the province asks to
    /// approve (the coordinator), with a comment.
    SuperviseCase,
    // Issue 17 §1: the Observatory's intake and its status back.
    /// Send a record of the Observatory in its own shape (its token).
    ObservatoryIntake,
    /// Pull the statuses of the reports the Observatory sent (its token).
    ObservatoryStatuses,
    /// See the provinces' reception of the reports one's organisation sent: received,
    /// triaged, late; no identity, no narrative (the Observatory's operator).
    ViewObservatoryReception,
    /// Watch the status messages waiting for, sent to or failed at the Observatory, and
    /// send a failed one again (administrators).
    KeepObservatoryOutbox,
    // Issue 19 §3: the data-quality page.
    /// The province's records the information cell must fix (late triage, missing
    /// evaluations, overdue follow-ups, closures without an outcome, "unknown"
    /// answers): counts and case numbers, never a child's identity.
    ReviewDataQuality,
    // Issue 19 §3: the public statistics page.
    /// Decide whether one's own province's figures appear on the public statistics
    /// page (its coordinator or administrator).
    PublishProvinceFigures,
}

impl Action {
    /// Whether the action reads, writes or opens a child's identifying data (a report,
    /// a case and its files, a linking card, a break-glass grant, an alert about them).
    pub fn touches_identities(self) -> bool {
        match self {
            Action::RecordReport
            | Action::ReadReport
            | Action::Triage
            | Action::ReadCase
            | Action::MoveCase
            | Action::BreakGlass
            | Action::ViewAlerts
            | Action::WorkOnCase
            | Action::AssignCase
            | Action::ReadFile(_)
            | Action::WriteFile(_)
            | Action::Refer
            | Action::UseReferrals
            | Action::SubjectAccess
            | Action::RectifyIdentity
            | Action::SuperviseCase
            | Action::ObservatoryIntake => true,
            Action::ViewPublic
            | Action::UseOwnAccount
            | Action::ManageOrganisations
            | Action::ManageUsers
            | Action::ViewAudit
            | Action::ManageDirectory
            | Action::ViewStatistics
            | Action::PrepareReport
            | Action::ApproveReport
            | Action::ReadCommittee
            | Action::KeepCommittee
            | Action::ApproveMinutes
            | Action::FollowDecisions
            | Action::ReadTraining
            | Action::RunTraining
            | Action::ReadRollout
            | Action::KeepRollout
            | Action::ReadLibrary
            | Action::KeepLibrary
            | Action::ReadPlanning
            | Action::OpenDiagnosis
            | Action::ContributePlanning
            | Action::DraftPlanning
            | Action::ApprovePlanning
            | Action::ObservatoryStatuses
            | Action::ViewObservatoryReception
            | Action::KeepObservatoryOutbox
            | Action::ReviewDataQuality
            | Action::PublishProvinceFigures => false,
        }
    }
}

/// The policy's answer. `Hidden` is a refusal that must not reveal that the record
/// exists (a record of another territory answers 404, not 403).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Not signed in: the user should sign in, then come back.
    SignIn,
    Deny,
    Hidden,
}

/// Decides whether `actor` (None: anonymous) may do `action` on a record of
/// `territory` (None: no particular record, e.g. a list of one's own scope).
pub fn decide(actor: Option<&Actor>, action: Action, territory: Option<&str>) -> Decision {
    if action == Action::ViewPublic {
        return Decision::Allow;
    }
    let Some(actor) = actor else {
        return Decision::SignIn;
    };
    if action != Action::UseOwnAccount && actor.reads_identities_without_province() {
        return Decision::Deny;
    }
    // "No province" means every province for statistics and administration, never for
    // a child's file: a person opens another province's file only by break-glass, from
    // a provincial account. (The 2511 line's token records reports for any province; it
    // reads none.)
    if action.touches_identities() && actor.is_national() && actor.token_scope.is_none() {
        return Decision::Deny;
    }
    let by_role = match action {
        Action::ViewPublic | Action::UseOwnAccount => true,
        Action::ManageOrganisations | Action::ManageUsers => actor.has(Role::Administrator),
        Action::ViewAudit => actor.has(Role::Administrator) || actor.has(Role::Coordinator),
        Action::RecordReport => {
            actor.reads_identities() || actor.token_scope == Some(TokenScope::Intake)
        }
        Action::ReadReport => actor.reads_identities(),
        Action::Triage | Action::MoveCase => {
            actor.has(Role::CaseWorker) || actor.has(Role::Coordinator)
        }
        Action::ReadCase => {
            actor.has(Role::CaseWorker)
                || actor.has(Role::Coordinator)
                || actor.has(Role::InformationOfficer)
        }
        Action::BreakGlass => actor.reads_identities(),
        Action::WorkOnCase => actor.has(Role::CaseWorker) || actor.has(Role::Coordinator),
        Action::AssignCase => actor.has(Role::Coordinator),
        Action::SuperviseCase => actor.has(Role::Coordinator),
        Action::Refer => actor.has(Role::CaseWorker) || actor.has(Role::Coordinator),
        Action::UseReferrals => {
            actor.has(Role::CaseWorker)
                || actor.has(Role::Coordinator)
                || actor.has(Role::FocalPoint)
        }
        Action::ReadFile(part) | Action::WriteFile(part) => {
            (actor.has(Role::CaseWorker) || actor.has(Role::Coordinator))
                && part.open_to_sector(&actor.sector)
        }
        Action::ViewAlerts => actor.has(Role::Coordinator),
        // The centre's coordinator and the committee's secretariat keep the directory
        // (SPEC.md §5: it is the mechanism's tool); administrators set organisations up.
        Action::ManageDirectory => {
            actor.has(Role::Coordinator)
                || actor.has(Role::Secretariat)
                || actor.has(Role::Administrator)
        }
        // Counts never name a child: everyone who works on the mechanism may see its
        // own territory's; focal points and administrators have no use for them.
        Action::ViewStatistics => [
            Role::CaseWorker,
            Role::Coordinator,
            Role::InformationOfficer,
            Role::Secretariat,
            Role::CommitteeMember,
            Role::NationalAnalyst,
            Role::CommitteeChair,
            Role::TechnicalOfficer,
        ]
        .iter()
        .any(|r| actor.has(*r)),
        // UX.md: the information officer prepares the figures, the secretariat carries the
        // provincial reports; the ministry's analyst the national one.
        Action::PrepareReport => {
            actor.has(Role::InformationOfficer)
                || actor.has(Role::Secretariat)
                || actor.has(Role::NationalAnalyst)
        }
        // The coordinator signs off the centre's monthly reports; the committee approves
        // the half-yearly and annual ones (which kind each may approve is checked with
        // the report).
        Action::ApproveReport => {
            actor.has(Role::Coordinator)
                || actor.has(Role::CommitteeMember)
                || actor.has(Role::NationalAnalyst)
        }
        // The centre's coordinator answers for the file to the person it is about.
        Action::SubjectAccess => actor.has(Role::Coordinator),
        Action::RectifyIdentity => actor.has(Role::CaseWorker) || actor.has(Role::Coordinator),
        // The committee discusses aggregated situations only: its people, the
        // secretariat, the technical cell and the centre's coordinator who reports to it.
        Action::ReadCommittee => [
            Role::Secretariat,
            Role::CommitteeMember,
            Role::CommitteeChair,
            Role::TechnicalOfficer,
            Role::Coordinator,
        ]
        .iter()
        .any(|r| actor.has(*r)),
        // SPEC.md §1: the secretariat prepares agendas, draft decisions and minutes.
        Action::KeepCommittee => actor.has(Role::Secretariat),
        Action::ApproveMinutes => actor.has(Role::CommitteeChair),
        // «تتبع تفعيل قرارات اللجن الإقليمية» is the technical cell's; the secretariat
        // records what it hears at the next meeting.
        Action::FollowDecisions => {
            actor.has(Role::TechnicalOfficer) || actor.has(Role::Secretariat)
        }
        // Issue 15. The programme's trainings are run by the ministry (its programme
        // team holds `national_analyst`), by the secretariat it holds in each province
        // and by the centre's coordinator; the committee's people and the centre's cells
        // read them. No new role: a trainer without an account is a record, not a user.
        Action::ReadTraining => [
            Role::Coordinator,
            Role::InformationOfficer,
            Role::Secretariat,
            Role::CommitteeMember,
            Role::CommitteeChair,
            Role::TechnicalOfficer,
            Role::NationalAnalyst,
        ]
        .iter()
        .any(|r| actor.has(*r)),
        Action::RunTraining => {
            actor.has(Role::Coordinator)
                || actor.has(Role::Secretariat)
                || actor.has(Role::NationalAnalyst)
        }
        Action::ReadRollout => [
            Role::Coordinator,
            Role::Secretariat,
            Role::CommitteeMember,
            Role::CommitteeChair,
            Role::TechnicalOfficer,
            Role::NationalAnalyst,
        ]
        .iter()
        .any(|r| actor.has(*r)),
        // The secretariat declares its province's milestones; the ministry any
        // province's, and alone edits the milestones themselves (checked in core).
        Action::KeepRollout => actor.has(Role::Secretariat) || actor.has(Role::NationalAnalyst),
        // The library's internal documents serve every person of the mechanism.
        Action::ReadLibrary => actor.token_scope.is_none() && !actor.roles.is_empty(),
        Action::KeepLibrary => actor.has(Role::NationalAnalyst),
        // Issue 14 §3–4: aggregates and plans only; the ministry compares provinces.
        Action::ReadPlanning => [
            Role::Secretariat,
            Role::CommitteeMember,
            Role::CommitteeChair,
            Role::TechnicalOfficer,
            Role::Coordinator,
            Role::FocalPoint,
            Role::NationalAnalyst,
        ]
        .iter()
        .any(|r| actor.has(*r)),
        Action::OpenDiagnosis => actor.has(Role::Secretariat),
        Action::ContributePlanning => actor.has(Role::FocalPoint),
        Action::DraftPlanning => actor.has(Role::TechnicalOfficer),
        Action::ApprovePlanning => actor.has(Role::CommitteeChair),
        // Issue 17 §1: the Observatory's token sends its records and pulls their
        // statuses; its operators see the reception; administrators the outbox.
        Action::ObservatoryIntake | Action::ObservatoryStatuses => {
            actor.token_scope == Some(TokenScope::Observatory)
        }
        Action::ViewObservatoryReception => actor.has(Role::ObservatoryOperator),
        Action::KeepObservatoryOutbox => actor.has(Role::Administrator),
        // Issue 19 §3: the information cell's page, for the province's information
        // officer, its coordinator and technical cell, and the ministry's analyst (who
        // chooses a province). Not `ViewStatistics`: that is counts only and open to
        // case workers and committee members; this page lists case numbers to fix.
        Action::ReviewDataQuality => [
            Role::InformationOfficer,
            Role::Coordinator,
            Role::TechnicalOfficer,
            Role::NationalAnalyst,
        ]
        .iter()
        .any(|r| actor.has(*r)),
        // The province decides for itself (the use case takes the actor's own province:
        // a national account has none to speak for, and is answered "not found").
        Action::PublishProvinceFigures => {
            actor.has(Role::Coordinator) || actor.has(Role::Administrator)
        }
    };
    // Another territory's record is hidden whatever the role: answering "forbidden"
    // would tell that it exists.
    match territory {
        Some(t) if !actor.covers(t) => Decision::Hidden,
        _ if !by_role => Decision::Deny,
        _ => Decision::Allow,
    }
}

/// What is done with a periodic report: reading it (and its exports), preparing it
/// (drafting, refreshing, submitting) or approving it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportStep {
    Read,
    Prepare,
    Approve,
}

/// Decides a step on a periodic report of `kind` (monthly, half-yearly, annual: the
/// province `territory`'s; national: the ministry's). A province's reports are its own
/// people's: national roles read them but never draft, refresh or approve them. The
/// national report is the ministry's: a province's people do not see it.
pub fn decide_periodic_report(
    actor: &Actor,
    step: ReportStep,
    kind: Kind,
    territory: &str,
) -> Decision {
    let action = match step {
        ReportStep::Read => Action::ViewStatistics,
        ReportStep::Prepare => Action::PrepareReport,
        ReportStep::Approve => Action::ApproveReport,
    };
    let by_role = decide(Some(actor), action, None);
    if by_role != Decision::Allow {
        return by_role;
    }
    let national_report = kind == Kind::National;
    match actor.territory.as_deref() {
        Some(own) if national_report || own != territory => return Decision::Hidden,
        None if !national_report && step != ReportStep::Read => return Decision::Deny,
        _ => {}
    }
    let approver = match kind {
        Kind::Monthly => Role::Coordinator,
        Kind::HalfYearly | Kind::Annual => Role::CommitteeMember,
        Kind::National => Role::NationalAnalyst,
    };
    if step == ReportStep::Approve && !actor.has(approver) {
        return Decision::Deny;
    }
    Decision::Allow
}

/// What the policy needs to know of a linking card to place a reader: its two ends,
/// the case's province and its status.
#[derive(Debug, Clone, Copy)]
pub struct ReferralFacts<'a> {
    pub from_org: &'a str,
    pub to_org: &'a str,
    pub territory: &'a str,
    pub status: Status,
    /// Whether the receiving service has any active user (one without is served on
    /// paper, its answers recorded by the sender).
    pub receiver_staffed: bool,
}

/// Where `actor` stands to a referral, or `None`: not theirs to see (not found). The
/// receiving service's access ends with the referral; the case's province's
/// coordinator oversees every referral of it.
pub fn referral_standing(actor: &Actor, referral: &ReferralFacts<'_>) -> Option<Standing> {
    if decide(Some(actor), Action::UseReferrals, None) != Decision::Allow {
        return None;
    }
    if actor.organisation == referral.to_org {
        return referral
            .status
            .grants_access()
            .then_some(Standing::End(Side::Receiver));
    }
    if actor.organisation == referral.from_org {
        return Some(if referral.receiver_staffed {
            Standing::End(Side::Sender)
        } else {
            Standing::ForUnstaffedReceiver
        });
    }
    oversees_referrals(actor, referral.territory).then_some(Standing::Overseer)
}

/// Whether `actor` watches over the referrals of `territory` (the overdue ones are
/// theirs to chase).
pub fn oversees_referrals(actor: &Actor, territory: &str) -> bool {
    actor.has(Role::Coordinator) && actor.covers(territory)
}

/// Whether a referral's events reach `actor`'s open pages: those of its two ends.
pub fn hears_referral(actor: &Actor, ends: &[String]) -> bool {
    ends.contains(&actor.organisation)
}

/// Whether the referral form offers `receiver` (of `receiver_territory`, `None` for a
/// national body) to `actor` for a case of `case_territory`: another organisation,
/// national or of the case's province.
pub fn offers_receiver(
    actor: &Actor,
    receiver: &str,
    receiver_territory: Option<&str>,
    case_territory: &str,
) -> bool {
    receiver != actor.organisation && receiver_territory.is_none_or(|t| t == case_territory)
}

/// Whether `actor` may read the figures of the territory `code` (a province, a region
/// or the nation): a province's people read their province's only; national roles
/// read every one. Another place is hidden, not refused.
pub fn decide_figures(actor: &Actor, code: &str) -> Decision {
    match actor.territory.as_deref() {
        Some(own) if own != code => Decision::Hidden,
        _ => Decision::Allow,
    }
}

/// Whether `actor` reads figures whole, without small-cell suppression: only a
/// province's own people, and only their province's figures (`province` is the
/// province the figures are of, none for a region or the nation). Everything that
/// leaves the province is suppressed.
pub fn reads_whole_figures(actor: &Actor, province: Option<&str>) -> bool {
    province.is_some() && actor.territory.as_deref() == province
}

/// Whether a record of `territory` (None: a national body's) is within the reach of the
/// actor's administration: a national user's reaches every record, a province's user
/// only their province's (never a national body's).
pub fn administers(actor: &Actor, territory: Option<&str>) -> bool {
    match (&actor.territory, territory) {
        (None, _) => true,
        (Some(own), Some(t)) => own == t,
        (Some(_), None) => false,
    }
}

/// Decides `action` on a record of administration (an organisation, a user, a directory
/// entry) of `territory` (None: a national body's). A record beyond the actor's reach is
/// hidden, as another province's child's record is.
pub fn decide_administration(actor: &Actor, action: Action, territory: Option<&str>) -> Decision {
    if !administers(actor, territory) {
        return Decision::Hidden;
    }
    decide(Some(actor), action, territory)
}

/// Whether the home page offers the directory to this actor: a person (not a machine
/// client) who keeps it.
pub fn keeps_directory(actor: &Actor) -> bool {
    decide(Some(actor), Action::ManageDirectory, None) == Decision::Allow
        && actor.token_scope.is_none()
}

/// Whether a reader of a province's directory sees its private contact points: a
/// signed-in person (not a machine token, second factor given) of that province or of a
/// national body. Anyone else sees the public contact points only.
pub fn reads_private_contacts(
    reader: Option<&Actor>,
    second_factor_pending: bool,
    territory: &str,
) -> bool {
    reader.is_some_and(|a| a.token_scope.is_none() && !second_factor_pending && a.covers(territory))
}

/// Whether `actor` may read a reporting card of `territory` recorded by
/// `organisation`: the centre's people read every report of their province, a service
/// only its own organisation's (another's is hidden, as another province's is).
pub fn decide_report_read(actor: &Actor, territory: &str, organisation: Option<&str>) -> Decision {
    let decision = decide(Some(actor), Action::ReadReport, Some(territory));
    let centre = [
        Role::CaseWorker,
        Role::Coordinator,
        Role::InformationOfficer,
    ];
    let reads_every_report = centre.iter().any(|r| actor.has(*r));
    if decision == Decision::Allow
        && !reads_every_report
        && organisation != Some(actor.organisation.as_str())
    {
        return Decision::Hidden;
    }
    decision
}

/// Whether `actor` may edit and complete a draft reporting card of `territory`,
/// recorded by `author` for `organisation`: its author, and the centre's case workers
/// and coordinators of the province (who finish what a colleague or a service began).
/// A reader who may not see the report is answered as for one that does not exist.
pub fn decide_draft_edit(
    actor: &Actor,
    territory: &str,
    organisation: Option<&str>,
    author: Option<&str>,
) -> Decision {
    let read = decide_report_read(actor, territory, organisation);
    if read != Decision::Allow {
        return read;
    }
    let centre = actor.has(Role::CaseWorker) || actor.has(Role::Coordinator);
    if centre || author == Some(actor.user_id.as_str()) {
        Decision::Allow
    } else {
        Decision::Deny
    }
}

/// Whether `actor` may add to the file of a referral's case, in `part` (None: the
/// services delivered, which belong to no file part): the focal point and the case
/// workers of the receiving service, while the referral is theirs to work on
/// (accepted, not closed), in a part their sector may read. Anyone else is answered as
/// for a referral that does not exist; the receiver's other roles, a part closed to the
/// sector or a referral not accepted yet are refused.
pub fn decide_service_write(
    actor: &Actor,
    referral: &ReferralFacts<'_>,
    part: Option<FilePart>,
) -> Decision {
    if actor.organisation != referral.to_org
        || !referral.status.grants_access()
        || decide(Some(actor), Action::UseReferrals, Some(referral.territory)) != Decision::Allow
    {
        return Decision::Hidden;
    }
    let writer = actor.has(Role::FocalPoint) || actor.has(Role::CaseWorker);
    let open = part.is_none_or(|p| p.open_to_sector(&actor.sector));
    if writer && open && referral.status.takes_contributions() {
        Decision::Allow
    } else {
        Decision::Deny
    }
}

/// Whether `actor` may read what their own organisation added through a referral (its
/// entries, documents and answers): the receiving service's people, even after the
/// referral is closed. It opens nothing else of the case.
pub fn decide_own_contributions(actor: &Actor, referral: &ReferralFacts<'_>) -> Decision {
    if actor.organisation == referral.to_org
        && decide(Some(actor), Action::UseReferrals, Some(referral.territory)) == Decision::Allow
    {
        Decision::Allow
    } else {
        Decision::Hidden
    }
}

/// Whether a user with these role codes may be given a case to follow ("my cases"):
/// the centre's case workers and coordinators.
pub fn follows_cases(role_codes: &[String]) -> bool {
    role_codes
        .iter()
        .filter_map(|code| code.parse::<Role>().ok())
        .any(|r| matches!(r, Role::CaseWorker | Role::Coordinator))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(roles: &[Role], territory: Option<&str>) -> Actor {
        Actor {
            user_id: "u".into(),
            organisation: "o".into(),
            sector: "family_solidarity".into(),
            territory: territory.map(str::to_owned),
            roles: roles.iter().copied().collect(),
            token_scope: None,
        }
    }

    #[test]
    fn a_referral_places_its_ends_and_the_province_coordinator() {
        let facts = |status| ReferralFacts {
            from_org: "centre",
            to_org: "hospital",
            territory: "sale",
            status,
            receiver_staffed: true,
        };
        let mut doctor = actor(&[Role::FocalPoint], Some("sale"));
        doctor.organisation = "hospital".into();
        assert_eq!(
            referral_standing(&doctor, &facts(Status::Accepted)),
            Some(Standing::End(Side::Receiver))
        );
        assert_eq!(referral_standing(&doctor, &facts(Status::Closed)), None);
        let mut worker = actor(&[Role::CaseWorker], Some("sale"));
        worker.organisation = "centre".into();
        assert_eq!(
            referral_standing(&worker, &facts(Status::Sent)),
            Some(Standing::End(Side::Sender))
        );
        let unstaffed = ReferralFacts {
            receiver_staffed: false,
            ..facts(Status::Sent)
        };
        assert_eq!(
            referral_standing(&worker, &unstaffed),
            Some(Standing::ForUnstaffedReceiver)
        );
        let coordinator = actor(&[Role::Coordinator], Some("sale"));
        assert_eq!(
            referral_standing(&coordinator, &facts(Status::Sent)),
            Some(Standing::Overseer)
        );
        let elsewhere = actor(&[Role::Coordinator], Some("rabat"));
        assert_eq!(referral_standing(&elsewhere, &facts(Status::Sent)), None);
        let mut officer = actor(&[Role::InformationOfficer], Some("sale"));
        officer.organisation = "centre".into();
        assert_eq!(referral_standing(&officer, &facts(Status::Sent)), None);
        assert!(!offers_receiver(&worker, "centre", Some("sale"), "sale"));
        assert!(offers_receiver(&worker, "ministry", None, "sale"));
        assert!(!offers_receiver(
            &worker,
            "rabat-hospital",
            Some("rabat"),
            "sale"
        ));
    }

    #[test]
    fn the_receiving_service_writes_its_sector_s_part_while_the_referral_is_open() {
        use crate::files::FilePart::*;
        let facts = |status| ReferralFacts {
            from_org: "centre",
            to_org: "hospital",
            territory: "sale",
            status,
            receiver_staffed: true,
        };
        let service = |roles: &[Role], org: &str, sector: &str| {
            let mut a = actor(roles, Some("sale"));
            a.organisation = org.into();
            a.sector = sector.into();
            a
        };
        let doctor = service(&[Role::FocalPoint], "hospital", "health");
        let accepted = facts(Status::Accepted);
        assert_eq!(
            decide_service_write(&doctor, &accepted, Some(Medical)),
            Decision::Allow
        );
        assert_eq!(
            decide_service_write(&doctor, &accepted, None),
            Decision::Allow
        );
        assert_eq!(
            decide_service_write(&doctor, &facts(Status::Delivered), Some(Social)),
            Decision::Allow
        );
        assert_eq!(
            decide_service_write(&doctor, &accepted, Some(Judicial)),
            Decision::Deny
        );
        assert_eq!(
            decide_service_write(&doctor, &facts(Status::Received), Some(Medical)),
            Decision::Deny
        );
        assert_eq!(
            decide_service_write(&doctor, &facts(Status::Closed), Some(Medical)),
            Decision::Hidden
        );
        let teacher = service(&[Role::FocalPoint], "hospital", "education");
        assert_eq!(
            decide_service_write(&teacher, &accepted, Some(Medical)),
            Decision::Deny
        );
        let officer = service(&[Role::InformationOfficer], "hospital", "health");
        assert_eq!(
            decide_service_write(&officer, &accepted, Some(Medical)),
            Decision::Hidden
        );
        let sender = service(&[Role::CaseWorker], "centre", "family_solidarity");
        assert_eq!(
            decide_service_write(&sender, &accepted, Some(Social)),
            Decision::Hidden
        );
        let mut elsewhere = doctor.clone();
        elsewhere.territory = Some("rabat".into());
        assert_eq!(
            decide_service_write(&elsewhere, &accepted, Some(Medical)),
            Decision::Hidden
        );
        // After closing, the service reads its own contributions, and nobody else does.
        assert_eq!(
            decide_own_contributions(&doctor, &facts(Status::Closed)),
            Decision::Allow
        );
        assert_eq!(
            decide_own_contributions(&sender, &accepted),
            Decision::Hidden
        );
    }

    #[test]
    fn a_draft_is_finished_by_its_author_or_the_centre() {
        let mut doctor = actor(&[Role::FocalPoint], Some("sale"));
        doctor.organisation = "hospital".into();
        doctor.user_id = "karim".into();
        let hospital = Some("hospital");
        assert_eq!(
            decide_draft_edit(&doctor, "sale", hospital, Some("karim")),
            Decision::Allow
        );
        assert_eq!(
            decide_draft_edit(&doctor, "sale", hospital, Some("other")),
            Decision::Deny
        );
        assert_eq!(
            decide_draft_edit(&doctor, "sale", Some("school"), Some("karim")),
            Decision::Hidden
        );
        let worker = actor(&[Role::CaseWorker], Some("sale"));
        assert_eq!(
            decide_draft_edit(&worker, "sale", hospital, Some("karim")),
            Decision::Allow
        );
        assert_eq!(
            decide_draft_edit(&worker, "rabat", hospital, Some("karim")),
            Decision::Hidden
        );
        let officer = actor(&[Role::InformationOfficer], Some("sale"));
        assert_eq!(
            decide_draft_edit(&officer, "sale", hospital, Some("karim")),
            Decision::Deny
        );
        let chair = actor(&[Role::CommitteeMember], Some("sale"));
        assert_eq!(
            decide_draft_edit(&chair, "sale", hospital, None),
            Decision::Deny
        );
    }

    #[test]
    fn roles_read_from_their_codes() {
        for role in Role::ALL {
            assert_eq!(role.code().parse::<Role>(), Ok(role));
        }
        assert!("boss".parse::<Role>().unwrap_err().contains("case_worker"));
    }

    #[test]
    fn two_factor_follows_access_to_identities() {
        assert!(actor(&[Role::CaseWorker], Some("sale")).requires_two_factor());
        assert!(actor(&[Role::Administrator], None).requires_two_factor());
        assert!(!actor(&[Role::NationalAnalyst], None).requires_two_factor());
        assert!(!Role::NationalAnalyst.reads_identities());
    }

    #[test]
    fn a_service_reads_only_its_own_reports_the_centre_all_of_its_province() {
        let mut focal = actor(&[Role::FocalPoint], Some("sale"));
        focal.organisation = "hospital".into();
        let worker = actor(&[Role::CaseWorker], Some("sale"));
        assert_eq!(
            decide_report_read(&focal, "sale", Some("hospital")),
            Decision::Allow
        );
        assert_eq!(
            decide_report_read(&focal, "sale", Some("school")),
            Decision::Hidden
        );
        assert_eq!(decide_report_read(&focal, "sale", None), Decision::Hidden);
        assert_eq!(
            decide_report_read(&worker, "sale", Some("school")),
            Decision::Allow
        );
        assert_eq!(
            decide_report_read(&worker, "rabat", Some("o")),
            Decision::Hidden
        );
    }

    #[test]
    fn only_case_workers_and_coordinators_follow_cases() {
        let codes = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(follows_cases(&codes(&["coordinator"])));
        assert!(follows_cases(&codes(&["secretariat", "case_worker"])));
        assert!(!follows_cases(&codes(&["focal_point", "administrator"])));
        assert!(!follows_cases(&codes(&["unknown"])));
    }

    #[test]
    fn another_territory_is_hidden_not_forbidden() {
        let admin = actor(&[Role::Administrator], Some("sale"));
        assert_eq!(
            decide(Some(&admin), Action::ManageUsers, Some("sale")),
            Decision::Allow
        );
        assert_eq!(
            decide(Some(&admin), Action::ManageUsers, Some("rabat")),
            Decision::Hidden
        );
        let national = actor(&[Role::Administrator], None);
        assert_eq!(
            decide(Some(&national), Action::ManageUsers, Some("rabat")),
            Decision::Allow
        );
        let worker = actor(&[Role::CaseWorker], Some("sale"));
        assert_eq!(
            decide(Some(&worker), Action::ManageUsers, Some("sale")),
            Decision::Deny
        );
        assert_eq!(decide(None, Action::ManageUsers, None), Decision::SignIn);
        assert_eq!(decide(None, Action::ViewPublic, None), Decision::Allow);
    }

    #[test]
    fn files_follow_the_sector_and_assignment_the_coordinator() {
        let mut school = actor(&[Role::CaseWorker], Some("sale"));
        school.sector = "education".into();
        let medical = Action::ReadFile(FilePart::Medical);
        let social = Action::WriteFile(FilePart::Social);
        assert_eq!(decide(Some(&school), medical, Some("sale")), Decision::Deny);
        assert_eq!(decide(Some(&school), social, Some("sale")), Decision::Allow);
        let centre = actor(&[Role::CaseWorker], Some("sale"));
        assert_eq!(
            decide(Some(&centre), medical, Some("sale")),
            Decision::Allow
        );
        assert_eq!(
            decide(Some(&centre), medical, Some("rabat")),
            Decision::Hidden
        );
        let officer = actor(&[Role::InformationOfficer], Some("sale"));
        assert_eq!(decide(Some(&officer), social, Some("sale")), Decision::Deny);
        assert_eq!(
            decide(Some(&centre), Action::AssignCase, Some("sale")),
            Decision::Deny
        );
        let coordinator = actor(&[Role::Coordinator], Some("sale"));
        assert_eq!(
            decide(Some(&coordinator), Action::AssignCase, Some("sale")),
            Decision::Allow
        );
    }

    #[test]
    fn the_directory_is_kept_by_the_coordinator_secretariat_and_administrator() {
        for role in Role::ALL {
            let keeper = matches!(
                role,
                Role::Coordinator | Role::Secretariat | Role::Administrator
            );
            let user = actor(&[role], Some("sale"));
            let expected = if keeper {
                Decision::Allow
            } else {
                Decision::Deny
            };
            assert_eq!(
                decide(Some(&user), Action::ManageDirectory, Some("sale")),
                expected,
                "{role}"
            );
            assert_eq!(
                decide(Some(&user), Action::ManageDirectory, Some("rabat")),
                Decision::Hidden,
                "{role} in another province"
            );
        }
        let national = actor(&[Role::Administrator], None);
        assert_eq!(
            decide(Some(&national), Action::ManageDirectory, Some("rabat")),
            Decision::Allow
        );
        let mut intake = actor(&[], Some("sale"));
        intake.token_scope = Some(TokenScope::Intake);
        assert_eq!(
            decide(Some(&intake), Action::ManageDirectory, Some("sale")),
            Decision::Deny
        );
        assert_eq!(
            decide(None, Action::ManageDirectory, None),
            Decision::SignIn
        );
    }

    #[test]
    fn the_committee_is_kept_by_its_secretariat_and_its_minutes_approved_by_the_chair() {
        use Action::*;
        for role in Role::ALL {
            let user = actor(&[role], Some("sale"));
            let expect = |allowed: bool| {
                if allowed {
                    Decision::Allow
                } else {
                    Decision::Deny
                }
            };
            let reads = matches!(
                role,
                Role::Secretariat
                    | Role::CommitteeMember
                    | Role::CommitteeChair
                    | Role::TechnicalOfficer
                    | Role::Coordinator
            );
            for (action, allowed) in [
                (ReadCommittee, reads),
                (KeepCommittee, role == Role::Secretariat),
                (ApproveMinutes, role == Role::CommitteeChair),
                (
                    FollowDecisions,
                    matches!(role, Role::TechnicalOfficer | Role::Secretariat),
                ),
            ] {
                assert!(!action.touches_identities());
                assert_eq!(
                    decide(Some(&user), action, Some("sale")),
                    expect(allowed),
                    "{role} {action:?}"
                );
                assert_eq!(
                    decide(Some(&user), action, Some("rabat")),
                    Decision::Hidden,
                    "{role} {action:?}"
                );
            }
        }
        for role in [Role::CommitteeChair, Role::TechnicalOfficer] {
            assert!(!role.reads_identities());
            let user = actor(&[role], Some("sale"));
            for action in every_action()
                .into_iter()
                .filter(|a| a.touches_identities())
            {
                assert_eq!(
                    decide(Some(&user), action, Some("sale")),
                    Decision::Deny,
                    "{role} {action:?}"
                );
            }
        }
    }

    #[test]
    fn the_diagnosis_and_the_plan_are_the_secretariat_s_the_sectors_the_cell_s_and_the_chair_s() {
        use Action::*;
        for role in Role::ALL {
            let user = actor(&[role], Some("sale"));
            for (action, allowed) in [
                (OpenDiagnosis, role == Role::Secretariat),
                (ContributePlanning, role == Role::FocalPoint),
                (DraftPlanning, role == Role::TechnicalOfficer),
                (ApprovePlanning, role == Role::CommitteeChair),
            ] {
                assert!(!action.touches_identities());
                let expected = if allowed {
                    Decision::Allow
                } else {
                    Decision::Deny
                };
                assert_eq!(
                    decide(Some(&user), action, Some("sale")),
                    expected,
                    "{role} {action:?}"
                );
                assert_eq!(decide(Some(&user), action, Some("rabat")), Decision::Hidden);
            }
        }
        // The ministry compares every province; no province reads another's.
        let national = actor(&[Role::NationalAnalyst], None);
        assert_eq!(
            decide(Some(&national), Action::ReadPlanning, Some("rabat")),
            Decision::Allow
        );
        let chair = actor(&[Role::CommitteeChair], Some("sale"));
        assert_eq!(
            decide(Some(&chair), Action::ReadPlanning, Some("rabat")),
            Decision::Hidden
        );
        assert_eq!(
            decide(
                Some(&actor(&[Role::CaseWorker], Some("sale"))),
                Action::ReadPlanning,
                None
            ),
            Decision::Deny
        );
    }

    #[test]
    fn private_contacts_are_for_the_province_s_people_signed_in_whole() {
        let worker = actor(&[Role::CaseWorker], Some("sale"));
        assert!(reads_private_contacts(Some(&worker), false, "sale"));
        assert!(!reads_private_contacts(Some(&worker), true, "sale"));
        assert!(!reads_private_contacts(Some(&worker), false, "rabat"));
        assert!(reads_private_contacts(
            Some(&actor(&[Role::NationalAnalyst], None)),
            false,
            "rabat"
        ));
        let mut intake = actor(&[], Some("sale"));
        intake.token_scope = Some(TokenScope::Intake);
        assert!(!reads_private_contacts(Some(&intake), false, "sale"));
        assert!(!reads_private_contacts(None, false, "sale"));
        assert!(!keeps_directory(&intake));
        assert!(keeps_directory(&actor(&[Role::Secretariat], Some("sale"))));
    }

    #[test]
    fn administration_reaches_its_own_province_and_a_national_user_everything() {
        let admin = actor(&[Role::Administrator], Some("sale"));
        assert_eq!(
            decide_administration(&admin, Action::ManageUsers, Some("sale")),
            Decision::Allow
        );
        assert_eq!(
            decide_administration(&admin, Action::ManageUsers, Some("rabat")),
            Decision::Hidden
        );
        assert_eq!(
            decide_administration(&admin, Action::ManageUsers, None),
            Decision::Hidden
        );
        let national = actor(&[Role::Administrator], None);
        assert_eq!(
            decide_administration(&national, Action::ManageOrganisations, None),
            Decision::Allow
        );
        let coordinator = actor(&[Role::Coordinator], Some("sale"));
        assert_eq!(
            decide_administration(&coordinator, Action::ManageUsers, Some("sale")),
            Decision::Deny
        );
    }

    /// Every action, for the tests that walk them all.
    #[test]
    fn trainings_are_run_by_the_ministry_the_secretariat_and_the_coordinator() {
        let national = actor(&[Role::NationalAnalyst], None);
        let coordinator = actor(&[Role::Coordinator], Some("sale"));
        let worker = actor(&[Role::CaseWorker], Some("sale"));
        let member = actor(&[Role::CommitteeMember], Some("sale"));
        assert_eq!(
            decide(Some(&national), Action::RunTraining, Some("sale")),
            Decision::Allow
        );
        assert_eq!(
            decide(Some(&coordinator), Action::RunTraining, Some("sale")),
            Decision::Allow
        );
        assert_eq!(
            decide(Some(&coordinator), Action::RunTraining, Some("rabat")),
            Decision::Hidden
        );
        assert_eq!(
            decide(Some(&worker), Action::RunTraining, None),
            Decision::Deny
        );
        assert_eq!(
            decide(Some(&member), Action::ReadTraining, None),
            Decision::Allow
        );
        assert_eq!(
            decide(Some(&member), Action::RunTraining, None),
            Decision::Deny
        );
        assert_eq!(
            decide(Some(&member), Action::KeepRollout, None),
            Decision::Deny
        );
        assert_eq!(
            decide(Some(&national), Action::KeepLibrary, None),
            Decision::Allow
        );
        assert_eq!(
            decide(Some(&worker), Action::ReadLibrary, None),
            Decision::Allow
        );
        assert_eq!(
            decide(Some(&worker), Action::KeepLibrary, None),
            Decision::Deny
        );
    }

    fn every_action() -> Vec<Action> {
        use Action::*;
        let mut all = vec![
            ViewPublic,
            UseOwnAccount,
            ManageOrganisations,
            ManageUsers,
            ViewAudit,
            RecordReport,
            ReadReport,
            Triage,
            ReadCase,
            MoveCase,
            BreakGlass,
            ViewAlerts,
            WorkOnCase,
            AssignCase,
            ManageDirectory,
            Refer,
            UseReferrals,
            ViewStatistics,
            PrepareReport,
            ApproveReport,
            SubjectAccess,
            RectifyIdentity,
            ReadCommittee,
            KeepCommittee,
            ApproveMinutes,
            FollowDecisions,
            ReadTraining,
            RunTraining,
            ReadRollout,
            KeepRollout,
            ReadLibrary,
            KeepLibrary,
            ReadPlanning,
            OpenDiagnosis,
            ContributePlanning,
            DraftPlanning,
            ApprovePlanning,
            SuperviseCase,
            ObservatoryIntake,
            ObservatoryStatuses,
            ViewObservatoryReception,
            KeepObservatoryOutbox,
            PublishProvinceFigures,
        ];
        for part in [FilePart::Social, FilePart::Medical, FilePart::Judicial] {
            all.extend([ReadFile(part), WriteFile(part)]);
        }
        all
    }

    #[test]
    fn a_national_body_reads_no_identities() {
        for role in Role::ALL.into_iter().filter(|r| r.reads_identities()) {
            assert!(!role.fits_a_national_body(), "{role}");
            let misplaced = actor(&[role], None);
            assert!(misplaced.reads_identities_without_province());
            for action in every_action() {
                let expected = match action {
                    Action::ViewPublic | Action::UseOwnAccount => Decision::Allow,
                    _ => Decision::Deny,
                };
                for territory in [None, Some("rabat")] {
                    assert_eq!(
                        decide(Some(&misplaced), action, territory),
                        expected,
                        "national {role}: {action:?} on {territory:?}"
                    );
                }
            }
            // The same role in a province's organisation works there, and only there.
            let provincial = actor(&[role], Some("sale"));
            assert!(!provincial.reads_identities_without_province());
            assert_eq!(
                decide(Some(&provincial), Action::ReadReport, Some("rabat")),
                Decision::Hidden
            );
        }
        for role in Role::ALL.into_iter().filter(|r| !r.reads_identities()) {
            assert!(role.fits_a_national_body(), "{role}");
            let national = actor(&[role], None);
            for action in every_action()
                .into_iter()
                .filter(|a| a.touches_identities())
            {
                assert_eq!(
                    decide(Some(&national), action, Some("rabat")),
                    Decision::Deny,
                    "national {role}: {action:?}"
                );
            }
        }
        // A national person holding both kinds of role is refused as a whole.
        let both = actor(&[Role::NationalAnalyst, Role::CaseWorker], None);
        assert_eq!(
            decide(Some(&both), Action::ViewStatistics, None),
            Decision::Deny
        );
        // The 2511 line's token records a report for any province and reads none.
        let mut intake = actor(&[], None);
        intake.token_scope = Some(TokenScope::Intake);
        assert!(!intake.reads_identities_without_province());
        assert_eq!(
            decide(Some(&intake), Action::RecordReport, Some("rabat")),
            Decision::Allow
        );
    }

    #[test]
    fn provinces_prepare_their_reports_and_the_ministry_the_national_one() {
        use ReportStep::*;
        let analyst = actor(&[Role::NationalAnalyst], None);
        let rabat = |step| decide_periodic_report(&analyst, step, Kind::Monthly, "rabat");
        assert_eq!(rabat(Read), Decision::Allow);
        assert_eq!(rabat(Prepare), Decision::Deny, "no provincial draft");
        assert_eq!(rabat(Approve), Decision::Deny);
        for step in [Read, Prepare, Approve] {
            assert_eq!(
                decide_periodic_report(&analyst, step, Kind::National, "MA"),
                Decision::Allow,
                "{step:?}"
            );
        }
        let national_member = actor(&[Role::CommitteeMember], None);
        assert_eq!(
            decide_periodic_report(&national_member, Approve, Kind::Annual, "rabat"),
            Decision::Deny,
            "a province's committee approves its annual report"
        );

        let officer = actor(&[Role::InformationOfficer], Some("sale"));
        assert_eq!(
            decide_periodic_report(&officer, Prepare, Kind::Monthly, "sale"),
            Decision::Allow
        );
        assert_eq!(
            decide_periodic_report(&officer, Read, Kind::Monthly, "rabat"),
            Decision::Hidden
        );
        assert_eq!(
            decide_periodic_report(&officer, Read, Kind::National, "MA"),
            Decision::Hidden
        );
        assert_eq!(
            decide_periodic_report(&officer, Approve, Kind::Monthly, "sale"),
            Decision::Deny
        );
        let coordinator = actor(&[Role::Coordinator], Some("sale"));
        assert_eq!(
            decide_periodic_report(&coordinator, Approve, Kind::Monthly, "sale"),
            Decision::Allow
        );
        assert_eq!(
            decide_periodic_report(&coordinator, Approve, Kind::HalfYearly, "sale"),
            Decision::Deny
        );
        let member = actor(&[Role::CommitteeMember], Some("sale"));
        assert_eq!(
            decide_periodic_report(&member, Approve, Kind::HalfYearly, "sale"),
            Decision::Allow
        );
        let administrator = actor(&[Role::Administrator], None);
        assert_eq!(
            decide_periodic_report(&administrator, Read, Kind::National, "MA"),
            Decision::Deny,
            "statistics are not an administrator's"
        );
    }

    #[test]
    fn reports_are_for_those_who_read_identities_and_the_intake() {
        let worker = actor(&[Role::CaseWorker], Some("sale"));
        assert_eq!(
            decide(Some(&worker), Action::ReadReport, Some("sale")),
            Decision::Allow
        );
        assert_eq!(
            decide(Some(&worker), Action::ReadReport, Some("rabat")),
            Decision::Hidden
        );
        let analyst = actor(&[Role::NationalAnalyst], None);
        assert_eq!(
            decide(Some(&analyst), Action::ReadReport, Some("sale")),
            Decision::Deny
        );
        let mut intake = actor(&[], None);
        intake.token_scope = Some(TokenScope::Intake);
        assert_eq!(
            decide(Some(&intake), Action::RecordReport, Some("sale")),
            Decision::Allow
        );
        assert_eq!(
            decide(Some(&intake), Action::ReadReport, Some("sale")),
            Decision::Deny
        );
        intake.token_scope = Some(TokenScope::Node);
        assert_eq!(
            decide(Some(&intake), Action::RecordReport, None),
            Decision::Deny
        );
    }
}

#[cfg(test)]
mod observatory_tests {
    use super::*;

    fn actor(roles: &[Role], territory: Option<&str>, scope: Option<TokenScope>) -> Actor {
        Actor {
            user_id: "u".into(),
            organisation: "observatory".into(),
            sector: "observatory".into(),
            territory: territory.map(str::to_owned),
            roles: roles.iter().copied().collect(),
            token_scope: scope,
        }
    }

    #[test]
    fn the_observatory_s_token_sends_and_pulls_and_reads_no_report() {
        let token = actor(&[], None, Some(TokenScope::Observatory));
        for action in [Action::ObservatoryIntake, Action::ObservatoryStatuses] {
            assert_eq!(decide(Some(&token), action, Some("sale")), Decision::Allow);
        }
        for action in [Action::ReadReport, Action::RecordReport, Action::ReadCase] {
            assert_eq!(decide(Some(&token), action, Some("sale")), Decision::Deny);
        }
        let intake = actor(&[], None, Some(TokenScope::Intake));
        assert_eq!(
            decide(Some(&intake), Action::ObservatoryIntake, None),
            Decision::Deny
        );
        let operator = actor(&[Role::ObservatoryOperator], None, None);
        assert!(Role::ObservatoryOperator.fits_a_national_body());
        assert!(!operator.requires_two_factor());
        assert_eq!(
            decide(Some(&operator), Action::ViewObservatoryReception, None),
            Decision::Allow
        );
        for action in [
            Action::ObservatoryIntake,
            Action::ReadReport,
            Action::ReadCase,
        ] {
            assert_eq!(decide(Some(&operator), action, None), Decision::Deny);
        }
        let regional = actor(&[Role::ObservatoryOperator], Some("rabat"), None);
        assert_eq!(
            decide(
                Some(&regional),
                Action::ViewObservatoryReception,
                Some("sale")
            ),
            Decision::Hidden
        );
        let admin = actor(&[Role::Administrator], Some("sale"), None);
        assert_eq!(
            decide(Some(&admin), Action::KeepObservatoryOutbox, Some("sale")),
            Decision::Allow
        );
        assert_eq!(
            decide(Some(&admin), Action::KeepObservatoryOutbox, Some("rabat")),
            Decision::Hidden
        );
    }
}

/// What a machine client's bearer token may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenScope {
    /// The 2511 line (National Observatory) pushing reports.
    Intake,
    /// A province node reading statistics.
    Node,
    /// Issue 17: the National Observatory sending records in its own shape and
    /// reading back their statuses.
    Observatory,
}

impl TokenScope {
    pub fn code(self) -> &'static str {
        match self {
            TokenScope::Intake => "intake",
            TokenScope::Node => "node",
            TokenScope::Observatory => "observatory",
        }
    }
}

impl FromStr for TokenScope {
    type Err = String;
    fn from_str(s: &str) -> Result<TokenScope, String> {
        match s {
            "intake" => Ok(TokenScope::Intake),
            "node" => Ok(TokenScope::Node),
            "observatory" => Ok(TokenScope::Observatory),
            _ => Err(format!(
                "unknown scope \"{s}\"; scopes are: intake, node, observatory"
            )),
        }
    }
}
