//! Training (issue 15 §1): the ministry defines modules; the ministry, a province's
//! secretariat or the centre's coordinator register trainers, organise sessions, invite
//! participants (users, people of the directory's organisations, or anyone named), take
//! attendance per day, record tests and satisfaction and issue attestations. Coverage:
//! the share of each organisation's staff trained per module. Nothing here names a child.

use crate::once::{self, Kept};
use crate::permit::act;
use crate::{Act, Core, CoreError, Permit};
use awladna_domain::access::Role;
use awladna_domain::forms::{FieldError, Problem};
use awladna_domain::training::{
    ModuleInput, NationalPlan, ParticipantInput, ResultInput, SessionInput, TrainerInput,
    coverage_percent, is_trained, session_days,
};
use awladna_store::training::{
    ModuleRecord, ParticipantRecord, ParticipationRow, SessionRecord, StaffRecord, TrainerRecord,
};
use jiff::civil::Date;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

fn invalid(errors: Vec<FieldError>) -> CoreError {
    CoreError::Invalid(errors)
}

/// The national plan shipped in the binary.
pub fn plan() -> Result<NationalPlan, CoreError> {
    NationalPlan::shipped().map_err(|_| CoreError::field("plan", Problem::UnknownCode))
}

/// The province a training page is about: the caller's own, or for a national user the
/// one asked for (None: the whole country).
pub fn scope<A: Act>(
    core: &Core,
    permit: &Permit<A>,
    asked: Option<&str>,
) -> Result<Option<String>, CoreError> {
    let asked = asked.map(str::trim).filter(|a| !a.is_empty());
    match (&permit.actor().territory, asked) {
        (Some(own), _) => {
            if asked.is_some_and(|a| a != own) {
                return Err(CoreError::NotFound);
            }
            Ok(Some(own.clone()))
        }
        (None, Some(asked)) => {
            if core.reference.territory(asked).is_none() {
                return Err(CoreError::NotFound);
            }
            Ok(Some(asked.to_owned()))
        }
        (None, None) => Ok(None),
    }
}

/// The territories a session of `territory` concerns for the policy: a province's
/// session is the province's; a regional one is each of its provinces' (a provincial
/// user reaches it when their province is in the region).
fn reaches<A: Act>(core: &Core, permit: &Permit<A>, territory: &str) -> Result<(), CoreError> {
    if permit.on(territory).is_ok() {
        return Ok(());
    }
    match &permit.actor().territory {
        Some(own)
            if core
                .reference
                .territory(own)
                .and_then(|p| p.parent_code.clone())
                .as_deref()
                == Some(territory) =>
        {
            Ok(())
        }
        _ => Err(CoreError::NotFound),
    }
}

// ---- Modules and trainers -------------------------------------------------------------

pub async fn modules(
    core: &Core,
    _permit: &Permit<act::ReadTraining>,
) -> Result<Vec<ModuleRecord>, CoreError> {
    Ok(core.store.training_modules().await?)
}

/// Adds a module of the programme: the ministry's programme team's alone.
pub async fn add_module(
    core: &Core,
    permit: &Permit<act::RunTraining>,
    input: &ModuleInput,
) -> Result<String, CoreError> {
    if !permit.actor().has(Role::NationalAnalyst) {
        return Err(CoreError::Forbidden);
    }
    let module = input.check().map_err(invalid)?;
    let id = uuid::Uuid::now_v7().to_string();
    let who = permit.who();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    if !tx
        .insert_training_module(&id, &module, &who.audit_name, now)
        .await?
    {
        return Err(CoreError::field("code", Problem::Duplicate));
    }
    tx.audit(who.audit(
        now,
        "training.module_added",
        ("training_module", &id),
        "",
        json!({"code": module.code}),
    ))
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn trainers(
    core: &Core,
    permit: &Permit<act::ReadTraining>,
) -> Result<Vec<TrainerRecord>, CoreError> {
    Ok(core
        .store
        .trainers(permit.actor().territory.as_deref())
        .await?)
}

/// Registers a trainer for the caller's province (the ministry's: for every province).
pub async fn add_trainer(
    core: &Core,
    permit: &Permit<act::RunTraining>,
    input: &TrainerInput,
) -> Result<String, CoreError> {
    let trainer = input.check().map_err(invalid)?;
    let id = uuid::Uuid::now_v7().to_string();
    let who = permit.who();
    let territory = permit.actor().territory.clone();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    tx.insert_trainer(&id, territory.as_deref(), &trainer, &who.audit_name, now)
        .await?;
    tx.audit(who.audit(
        now,
        "training.trainer_added",
        ("trainer", &id),
        territory.as_deref().unwrap_or(""),
        json!({"trainer_of_trainers": trainer.trainer_of_trainers}),
    ))
    .await?;
    tx.commit().await?;
    Ok(id)
}

// ---- Sessions ---------------------------------------------------------------------------

/// Organises a session. Its form carries a submission key: sent twice, it stores once.
pub async fn create_session(
    core: &Core,
    permit: &Permit<act::RunTraining>,
    input: &SessionInput,
    key: Option<&str>,
) -> Result<String, CoreError> {
    let who = permit.who();
    if let Some(id) = once::stored_before(core, who, Kept::Record, key).await? {
        return Ok(id);
    }
    let plan = plan()?;
    let known = |code: &str| core.reference.territory(code).is_some();
    let session = input.check(known, plan.sessions.len()).map_err(invalid)?;
    reaches(core, permit, &session.territory)?;
    if permit.actor().territory.as_deref() != Some(session.territory.as_str())
        && !permit.actor().is_national()
    {
        // A province's people organise their own province's sessions; regional ones
        // are the ministry's.
        return Err(CoreError::NotFound);
    }
    if core.store.training_module(&session.module).await?.is_none() {
        return Err(CoreError::field("module", Problem::UnknownCode));
    }
    let allowed: BTreeSet<String> = core
        .store
        .trainers(permit.actor().territory.as_deref())
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    if session.trainers.iter().any(|t| !allowed.contains(t)) {
        return Err(CoreError::field("trainers", Problem::UnknownCode));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    tx.insert_training_session(&id, &session, &who.audit_name, now)
        .await?;
    once::remember(&mut tx, who, Kept::Record, key, &id, now).await?;
    tx.audit(who.audit(
        now,
        "training.session_created",
        ("training_session", &id),
        &session.territory,
        json!({"module": session.module, "plan_number": session.plan_number, "capacity": session.capacity}),
    ))
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A session with its trainers, participants and attendance.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SessionFile {
    pub session: SessionRecord,
    pub trainers: Vec<TrainerRecord>,
    pub participants: Vec<ParticipantRecord>,
    /// The session's days, YYYY-MM-DD.
    pub days: Vec<String>,
    /// For each trainee, the days present.
    pub present: BTreeMap<String, BTreeSet<String>>,
}

impl SessionFile {
    pub fn trained(&self, trainee: &str) -> bool {
        let n = self.present.get(trainee).map_or(0, BTreeSet::len);
        is_trained(n, self.days.len())
    }
}

async fn session_of<A: Act>(
    core: &Core,
    permit: &Permit<A>,
    id: &str,
) -> Result<SessionRecord, CoreError> {
    let s = core
        .store
        .training_session(id)
        .await?
        .ok_or(CoreError::NotFound)?;
    reaches(core, permit, &s.territory)?;
    Ok(s)
}

fn days_of(s: &SessionRecord) -> Vec<String> {
    match (s.starts_on.parse::<Date>(), s.ends_on.parse::<Date>()) {
        (Ok(a), Ok(b)) => session_days(a, b).iter().map(Date::to_string).collect(),
        _ => Vec::new(),
    }
}

pub async fn session(
    core: &Core,
    permit: &Permit<act::ReadTraining>,
    id: &str,
) -> Result<SessionFile, CoreError> {
    let session = session_of(core, permit, id).await?;
    let mut present: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (trainee, day) in core.store.session_attendance(id).await? {
        present.entry(trainee).or_default().insert(day);
    }
    Ok(SessionFile {
        trainers: core.store.session_trainers(id).await?,
        participants: core.store.session_participants(id).await?,
        days: days_of(&session),
        session,
        present,
    })
}

pub async fn sessions(
    core: &Core,
    permit: &Permit<act::ReadTraining>,
    territory: Option<&str>,
) -> Result<Vec<SessionRecord>, CoreError> {
    let keep = territory.map(|t| {
        let mut list = vec![t.to_owned()];
        if let Some(region) = core
            .reference
            .territory(t)
            .and_then(|p| p.parent_code.clone())
        {
            list.push(region);
        }
        list
    });
    let _ = permit;
    Ok(core.store.training_sessions(keep.as_deref()).await?)
}

/// Raises the session's version, or says it is stale.
async fn touched(
    tx: &mut awladna_store::audit::Tx<'_>,
    session: &SessionRecord,
    version: Option<i64>,
    now: i64,
) -> Result<(), CoreError> {
    let version = version.ok_or_else(|| CoreError::field("version", Problem::Required))?;
    if session.version != version || !tx.touch_training_session(&session.id, version, now).await? {
        return Err(CoreError::Stale);
    }
    Ok(())
}

/// Invites a participant: a user (their organisation and province come with them), a
/// person of a directory organisation, or anyone by name, organisation and function.
/// Full sessions refuse more. Returns the trainee's id.
pub async fn add_participant(
    core: &Core,
    permit: &Permit<act::RunTraining>,
    session_id: &str,
    input: &ParticipantInput,
    version: Option<i64>,
) -> Result<String, CoreError> {
    let session = session_of(core, permit, session_id).await?;
    let sectors = core.reference.vocabulary("sectors");
    let sector_known = |c: &str| sectors.is_some_and(|v| v.terms.iter().any(|t| t.code == c));
    let mut p = input.check(sector_known).map_err(invalid)?;
    if session.participants >= session.capacity {
        return Err(CoreError::field(
            "capacity",
            Problem::OutOfRange {
                min: 0,
                max: session.capacity,
            },
        ));
    }
    // Where the person works: from the account, the directory, or as typed.
    let (mut organisation_name, mut sector, mut territory) = (
        p.organisation_name.clone(),
        p.sector.clone(),
        session.territory.clone(),
    );
    let mut existing = None;
    if let Some(user) = &p.user {
        let (code, name, t, s) = core
            .store
            .user_place(user)
            .await?
            .ok_or_else(|| CoreError::field("user", Problem::UnknownCode))?;
        if let Some(t) = t {
            territory = t;
        }
        p.organisation = Some(code);
        organisation_name = name;
        sector = s;
        existing = core.store.trainee_of_user(user).await?;
        if p.full_name.is_empty() {
            p.full_name = core
                .store
                .username(user)
                .await?
                .unwrap_or_else(|| user.clone());
        }
    } else if let Some(code) = &p.organisation {
        let (name, t, s) = core
            .store
            .organisation_place(code)
            .await?
            .ok_or_else(|| CoreError::field("organisation", Problem::UnknownCode))?;
        organisation_name = name;
        if let Some(t) = t {
            territory = t;
        }
        if sector.is_empty() {
            sector = s;
        }
    }
    let who = permit.who();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    touched(&mut tx, &session, version, now).await?;
    let trainee = match existing {
        Some(id) => id,
        None => {
            let id = uuid::Uuid::now_v7().to_string();
            tx.insert_trainee(
                &id,
                &p,
                &organisation_name,
                &sector,
                &territory,
                &who.audit_name,
                now,
            )
            .await?;
            id
        }
    };
    if !tx.insert_participant(session_id, &trainee, now).await? {
        return Err(CoreError::field("user", Problem::Duplicate));
    }
    tx.audit(who.audit(
        now,
        "training.participant_added",
        ("training_session", session_id),
        &session.territory,
        json!({"trainee": trainee, "from": if p.user.is_some() { "user" } else if p.organisation.is_some() { "directory" } else { "named" }}),
    ))
    .await?;
    tx.commit().await?;
    Ok(trainee)
}

/// Records who was present on one day of the session (the paper sheet typed in).
pub async fn take_attendance(
    core: &Core,
    permit: &Permit<act::RunTraining>,
    session_id: &str,
    day: &str,
    present: &[String],
    version: Option<i64>,
) -> Result<(), CoreError> {
    let session = session_of(core, permit, session_id).await?;
    let day = day.trim();
    if !days_of(&session).iter().any(|d| d == day) {
        return Err(CoreError::field("day", Problem::NotADate));
    }
    let enrolled: BTreeSet<String> = core
        .store
        .session_participants(session_id)
        .await?
        .into_iter()
        .map(|p| p.trainee_id)
        .collect();
    let mut present: Vec<String> = present.iter().map(|p| p.trim().to_owned()).collect();
    present.sort();
    present.dedup();
    if present.iter().any(|p| !enrolled.contains(p)) {
        return Err(CoreError::field("present", Problem::UnknownCode));
    }
    let who = permit.who();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    touched(&mut tx, &session, version, now).await?;
    tx.set_training_day(session_id, day, &present).await?;
    tx.audit(who.audit(
        now,
        "training.attendance_taken",
        ("training_session", session_id),
        &session.territory,
        json!({"day": day, "present": present.len()}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records a participant's tests and satisfaction.
pub async fn record_results(
    core: &Core,
    permit: &Permit<act::RunTraining>,
    session_id: &str,
    trainee: &str,
    input: &ResultInput,
    version: Option<i64>,
) -> Result<(), CoreError> {
    let session = session_of(core, permit, session_id).await?;
    let results = input.check(&plan()?.evaluation).map_err(invalid)?;
    let who = permit.who();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    touched(&mut tx, &session, version, now).await?;
    if !tx
        .set_training_results(session_id, trainee, &results)
        .await?
    {
        return Err(CoreError::NotFound);
    }
    tx.audit(who.audit(
        now,
        "training.results_recorded",
        ("training_session", session_id),
        &session.territory,
        json!({"trainee": trainee}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What an attestation prints.
pub struct Attestation {
    pub number: String,
    pub participant: ParticipantRecord,
    pub session: SessionRecord,
    pub days: usize,
    pub passed: Option<bool>,
}

/// Issues (or reissues, with the same number) a participant's attestation: only for a
/// participant present every day of the session.
pub async fn attestation(
    core: &Core,
    permit: &Permit<act::RunTraining>,
    session_id: &str,
    trainee: &str,
) -> Result<Attestation, CoreError> {
    let reader = permit.also::<act::ReadTraining>()?;
    let file = session(core, &reader, session_id).await?;
    let participant = file
        .participants
        .iter()
        .find(|p| p.trainee_id == trainee)
        .cloned()
        .ok_or(CoreError::NotFound)?;
    if !file.trained(trainee) {
        return Err(CoreError::field("present", Problem::Required));
    }
    let number = match &participant.attestation {
        Some(n) => n.clone(),
        None => {
            let n = format!(
                "ATT-{}-{}",
                file.session.starts_on.get(..4).unwrap_or("0000"),
                &trainee[trainee.len().saturating_sub(8)..]
            );
            let who = permit.who();
            let now = core.now_ms();
            let mut tx = core.store.begin().await?;
            tx.set_attestation(session_id, trainee, &n).await?;
            tx.audit(who.audit(
                now,
                "training.attestation_issued",
                ("training_session", session_id),
                &file.session.territory,
                json!({"trainee": trainee, "number": n}),
            ))
            .await?;
            tx.commit().await?;
            n
        }
    };
    let pass = plan()?.evaluation.pass_mark;
    Ok(Attestation {
        number,
        passed: participant.post_score.map(|s| s >= pass),
        participant,
        days: file.days.len(),
        session: file.session,
    })
}

// ---- Records, coverage, the national plan -------------------------------------------

/// A person's training record: every session they took part in, with days present.
pub async fn record(
    core: &Core,
    permit: &Permit<act::ReadTraining>,
    trainee: &str,
) -> Result<Vec<(ParticipationRow, bool)>, CoreError> {
    let territory = core
        .store
        .trainee_territory(trainee)
        .await?
        .ok_or(CoreError::NotFound)?;
    permit.on(&territory)?;
    trained_rows(core, None, Some(trainee)).await
}

/// Participations with whether each trained its person (present every day).
async fn trained_rows(
    core: &Core,
    territory: Option<&str>,
    trainee: Option<&str>,
) -> Result<Vec<(ParticipationRow, bool)>, CoreError> {
    Ok(core
        .store
        .participations(territory, trainee)
        .await?
        .into_iter()
        .map(|r| {
            let days = match (r.starts_on.parse::<Date>(), r.ends_on.parse::<Date>()) {
                (Ok(a), Ok(b)) => session_days(a, b).len(),
                _ => 0,
            };
            let trained = is_trained(usize::try_from(r.days_present).unwrap_or(0), days);
            (r, trained)
        })
        .collect())
}

/// One organisation's coverage: its staff and, per module, the people trained.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CoverageLine {
    pub organisation: StaffRecord,
    pub staff: i64,
    /// Module id → (trained, percent of staff).
    pub modules: BTreeMap<String, (u64, Option<u64>)>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Coverage {
    pub territory: String,
    pub modules: Vec<ModuleRecord>,
    pub lines: Vec<CoverageLine>,
}

/// The province's coverage: for each organisation, the share of its staff (declared,
/// else its active users) trained in each module.
pub async fn coverage(
    core: &Core,
    permit: &Permit<act::ReadTraining>,
    territory: &str,
) -> Result<Coverage, CoreError> {
    permit.on(territory)?;
    let rows = trained_rows(core, Some(territory), None).await?;
    let mut trained: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for (r, ok) in rows {
        if let (true, Some(org)) = (ok, r.organisation_code) {
            trained
                .entry((org, r.module_id))
                .or_default()
                .insert(r.trainee_id);
        }
    }
    let modules = core.store.training_modules().await?;
    let lines = core
        .store
        .staff(territory)
        .await?
        .into_iter()
        .map(|o| {
            let staff = o.declared.unwrap_or(o.users);
            let modules = modules
                .iter()
                .map(|m| {
                    let n = trained
                        .get(&(o.code.clone(), m.id.clone()))
                        .map_or(0, |s| s.len() as u64);
                    (
                        m.id.clone(),
                        (n, coverage_percent(n, u64::try_from(staff).unwrap_or(0))),
                    )
                })
                .collect();
            CoverageLine {
                organisation: o,
                staff,
                modules,
            }
        })
        .collect();
    Ok(Coverage {
        territory: territory.to_owned(),
        modules,
        lines,
    })
}

/// Sets an organisation's staff count (for the coverage's denominator).
pub async fn set_staff(
    core: &Core,
    permit: &Permit<act::RunTraining>,
    organisation: &str,
    staff: i64,
    version: Option<i64>,
) -> Result<(), CoreError> {
    let (_, territory, _) = core
        .store
        .organisation_place(organisation)
        .await?
        .ok_or(CoreError::NotFound)?;
    let territory = territory.ok_or(CoreError::NotFound)?;
    permit.on(&territory)?;
    if !(0..=100_000).contains(&staff) {
        return Err(CoreError::field(
            "staff",
            Problem::OutOfRange {
                min: 0,
                max: 100_000,
            },
        ));
    }
    let who = permit.who();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    if !tx
        .put_headcount(organisation, staff, version, &who.audit_name, now)
        .await?
    {
        return Err(CoreError::Stale);
    }
    tx.audit(who.audit(
        now,
        "training.staff_set",
        ("organisation", organisation),
        &territory,
        json!({"staff": staff}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One session of the national plan and where it stands.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlanLine {
    pub number: u32,
    pub theme_ar: String,
    pub theme_fr: String,
    pub audience: String,
    pub due: Option<String>,
    pub planned_participants: u32,
    /// The sessions held under this number, and the people they trained.
    pub sessions: usize,
    pub trained: usize,
    pub late: bool,
}

/// Who is trained, counted per province and sector.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Trained {
    pub by_province: BTreeMap<String, usize>,
    pub by_sector: BTreeMap<String, usize>,
    pub total: usize,
}

/// The national plan's progress and who is trained (per province and sector), for the
/// caller's scope (a province's people: their province).
pub async fn national_plan(
    core: &Core,
    permit: &Permit<act::ReadTraining>,
    territory: Option<&str>,
    today: Date,
) -> Result<(Vec<PlanLine>, Trained), CoreError> {
    if let Some(t) = territory {
        permit.on(t)?;
    } else if !permit.actor().is_national() {
        return Err(CoreError::NotFound);
    }
    let plan = plan()?;
    let rows = trained_rows(core, territory, None).await?;
    let sessions = core.store.training_sessions(None).await?;
    let lines = plan
        .sessions
        .iter()
        .map(|p| {
            let number = i64::from(p.number);
            let held = sessions
                .iter()
                .filter(|s| s.plan_number == Some(number))
                .count();
            let trained: BTreeSet<&str> = rows
                .iter()
                .filter(|(r, ok)| *ok && r.plan_number == Some(number))
                .map(|(r, _)| r.trainee_id.as_str())
                .collect();
            let due = plan.due(p);
            PlanLine {
                number: p.number,
                theme_ar: p.theme_ar.clone(),
                theme_fr: p.theme_fr.clone(),
                audience: p.audience.clone(),
                due: due.map(|d| d.to_string()),
                planned_participants: p.participants,
                sessions: held,
                trained: trained.len(),
                late: held == 0 && due.is_some_and(|d| d < today),
            }
        })
        .collect();
    let mut people: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    for (r, ok) in &rows {
        if *ok {
            people.insert(&r.trainee_id, (&r.territory, &r.sector));
        }
    }
    let mut trained = Trained {
        by_province: BTreeMap::new(),
        by_sector: BTreeMap::new(),
        total: people.len(),
    };
    for (province, sector) in people.values() {
        *trained
            .by_province
            .entry((*province).to_owned())
            .or_default() += 1;
        *trained.by_sector.entry((*sector).to_owned()).or_default() += 1;
    }
    Ok((lines, trained))
}

/// When a province first had staff trained (the end of the first session in which one
/// of its people was present every day), for the rollout's measured milestone.
pub async fn first_trained(core: &Core) -> Result<BTreeMap<String, String>, CoreError> {
    let mut first: BTreeMap<String, String> = BTreeMap::new();
    for (r, ok) in trained_rows(core, None, None).await? {
        if ok {
            let e = first
                .entry(r.territory)
                .or_insert_with(|| r.ends_on.clone());
            if r.ends_on < *e {
                *e = r.ends_on;
            }
        }
    }
    Ok(first)
}
