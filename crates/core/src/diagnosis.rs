//! The territorial self-diagnosis (issue 14 §3): the secretariat opens one for a period
//! and assigns each area to an organisation; each organisation's focal point fills its
//! section in; the technical cell consolidates (profile per area, gaps, priorities it may
//! edit and justify); the chair approves for the committee. The system's own figures
//! pre-fill the questions that have a source, labelled with it. Aggregates only.

use crate::permit::act;
use crate::stats::{figure, scope};
use crate::{Act, Core, CoreError, Permit};
use awladna_domain::diagnosis::{
    Answers, AreaProfile, CURRENT, Prefill, Priority, Questionnaire, check_answers,
    check_priorities, profile, proposed_priorities, questionnaire,
};
use awladna_domain::forms::Problem;
use awladna_domain::lang::Lang;
use awladna_domain::stats::{Period, registry};
use awladna_store::planning::{DiagnosisRecord, SectionRecord};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum PlanningError {
    #[error(transparent)]
    Core(#[from] CoreError),
    /// Not at this step: filling a consolidated diagnosis, approving an open one,
    /// changing an approved plan.
    #[error("not at this step")]
    WrongStep,
}

crate::wraps_core_error!(PlanningError);

pub(crate) fn invalid(errors: Vec<awladna_domain::forms::FieldError>) -> PlanningError {
    PlanningError::Core(CoreError::Invalid(errors))
}

pub(crate) fn required(version: Option<i64>) -> Result<i64, CoreError> {
    version.ok_or_else(|| CoreError::field("version", Problem::Required))
}

/// What the secretariat types to open a diagnosis: its period (YYYY-MM) and, per area,
/// the organisation that fills it in.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OpenInput {
    pub from: String,
    pub to: String,
    pub sections: BTreeMap<String, String>,
}

/// The system's figures for the questions that name a source, over the period.
async fn prefill(
    core: &Core,
    q: &Questionnaire,
    territory: &str,
    period: &Period,
) -> Result<BTreeMap<String, Prefill>, CoreError> {
    let mut out = BTreeMap::new();
    let Some(scope) = scope(core, territory) else {
        return Ok(out);
    };
    for question in q.areas.iter().flat_map(|a| &a.questions) {
        let Some(source) = &question.source else {
            continue;
        };
        let Some(ind) = registry().indicator(source) else {
            continue;
        };
        let fig = figure(core, ind, &scope, period, &[], false)
            .await
            .map_err(|e| CoreError::internal(format!("{e:?}")))?;
        let value = if question.rate {
            fig.total_rate
        } else {
            fig.total.value()
        };
        if let Some(value) = value {
            out.insert(
                question.code.clone(),
                Prefill {
                    value,
                    source: source.clone(),
                },
            );
        }
    }
    Ok(out)
}

pub async fn open(
    core: &Core,
    permit: &Permit<act::OpenDiagnosis>,
    territory: &str,
    input: &OpenInput,
) -> Result<String, PlanningError> {
    permit.on(territory)?;
    let q = questionnaire(CURRENT).ok_or_else(|| CoreError::internal("no questionnaire"))?;
    let mut errors = Vec::new();
    let period = Period::parse(input.from.trim(), input.to.trim());
    if period.is_none() {
        errors.push(awladna_domain::forms::FieldError {
            field: "period".into(),
            problem: Problem::NotADate,
        });
    }
    let mut sections = Vec::new();
    for area in &q.areas {
        let org = input
            .sections
            .get(&area.code)
            .map(|s| s.trim())
            .unwrap_or("");
        let known = match org {
            "" => None,
            code => core.store.organisation(code).await?,
        };
        match known {
            Some(o) if o.territory.as_deref() == Some(territory) => {
                sections.push((area.code.clone(), o.code))
            }
            _ => errors.push(awladna_domain::forms::FieldError {
                field: format!("sections.{}", area.code),
                problem: if org.is_empty() {
                    Problem::Required
                } else {
                    Problem::UnknownCode
                },
            }),
        }
    }
    let Some(period) = period.filter(|_| errors.is_empty()) else {
        return Err(invalid(errors));
    };
    let figures = prefill(core, q, territory, &period).await?;
    let prefill_json =
        serde_json::to_string(&figures).map_err(|e| CoreError::internal(e.to_string()))?;
    let id = uuid::Uuid::now_v7().to_string();
    let who = permit.who();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    tx.insert_diagnosis(
        &id,
        territory,
        (&period.from, &period.to),
        &q.code(),
        &prefill_json,
        &who.audit_name,
        now,
    )
    .await?;
    for (area, org) in &sections {
        tx.insert_diagnosis_section(&id, area, org).await?;
    }
    tx.audit(who.audit(
        now,
        "diagnosis.opened",
        ("diagnosis", &id),
        territory,
        json!({"from": period.from, "to": period.to, "sections": sections, "prefilled": figures.len()}),
    ))
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A diagnosis as read: its record, its sections, each area's profile, its priorities
/// (as consolidated, else as proposed from the scores) and pre-filled figures.
pub struct Diagnosis {
    pub record: DiagnosisRecord,
    pub questionnaire: &'static Questionnaire,
    pub sections: Vec<(SectionRecord, Answers)>,
    pub profiles: Vec<AreaProfile>,
    pub priorities: Vec<Priority>,
    pub prefill: BTreeMap<String, Prefill>,
}

fn parse<T: serde::de::DeserializeOwned + Default>(text: &str) -> T {
    serde_json::from_str(text).unwrap_or_default()
}

async fn read<A: Act>(
    core: &Core,
    permit: &Permit<A>,
    id: &str,
    lang: Lang,
) -> Result<Diagnosis, CoreError> {
    let record = core.store.diagnosis(id).await?.ok_or(CoreError::NotFound)?;
    permit.on(&record.territory)?;
    let q = questionnaire(&record.questionnaire)
        .ok_or_else(|| CoreError::internal("a diagnosis of an unknown questionnaire"))?;
    let prefill: BTreeMap<String, Prefill> = parse(&record.prefill);
    let sections: Vec<(SectionRecord, Answers)> = core
        .store
        .diagnosis_sections(id)
        .await?
        .into_iter()
        .map(|s| {
            let answers = parse(&s.answers);
            (s, answers)
        })
        .collect();
    let profiles: Vec<AreaProfile> = q
        .areas
        .iter()
        .map(|area| {
            let empty = Answers::new();
            let answers = sections
                .iter()
                .find(|(s, _)| s.area == area.code)
                .map_or(&empty, |(_, a)| a);
            profile(area, answers, &prefill)
        })
        .collect();
    let stored: Vec<Priority> = parse(&record.priorities);
    let priorities = if record.status == "open" && stored.is_empty() {
        proposed_priorities(q, &profiles, lang)
    } else {
        stored
    };
    Ok(Diagnosis {
        record,
        questionnaire: q,
        sections,
        profiles,
        priorities,
        prefill,
    })
}

pub async fn diagnosis(
    core: &Core,
    permit: &Permit<act::ReadPlanning>,
    id: &str,
    lang: Lang,
) -> Result<Diagnosis, CoreError> {
    read(core, permit, id, lang).await
}

/// A province's diagnoses, the latest first.
pub async fn diagnoses(
    core: &Core,
    permit: &Permit<act::ReadPlanning>,
    territory: &str,
) -> Result<Vec<DiagnosisRecord>, CoreError> {
    permit.on(territory)?;
    Ok(core.store.diagnoses(Some(territory)).await?)
}

/// A focal point saves their organisation's section (`submit`: it is complete). Only
/// while the diagnosis is open; another organisation's section does not exist for them.
pub async fn fill(
    core: &Core,
    permit: &Permit<act::ContributePlanning>,
    id: &str,
    area: &str,
    answers: &Answers,
    submit: bool,
    version: Option<i64>,
) -> Result<(), PlanningError> {
    let d = read(core, permit, id, Lang::Ar).await?;
    let who = permit.who();
    let Some((section, _)) = d
        .sections
        .iter()
        .find(|(s, _)| s.area == area && Some(s.organisation.as_str()) == who.organisation())
    else {
        return Err(CoreError::NotFound.into());
    };
    let version = required(version)?;
    if d.record.status != "open" {
        return Err(PlanningError::WrongStep);
    }
    let q_area = d.questionnaire.area(area).ok_or(CoreError::NotFound)?;
    let known = |vocabulary: &str, code: &str| {
        core.reference
            .vocabulary(vocabulary)
            .is_some_and(|v| v.terms.iter().any(|t| t.code == code))
    };
    let clean = check_answers(q_area, answers, known).map_err(invalid)?;
    let text = serde_json::to_string(&clean).map_err(|e| CoreError::internal(e.to_string()))?;
    let status = if submit { "submitted" } else { "assigned" };
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    if section.version != version
        || !tx
            .save_diagnosis_section(id, area, &text, status, version, &who.audit_name, now)
            .await?
    {
        return Err(CoreError::Stale.into());
    }
    tx.audit(who.audit(
        now,
        "diagnosis.section_saved",
        ("diagnosis", id),
        &d.record.territory,
        json!({"area": area, "answered": clean.len(), "submitted": submit}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The technical cell consolidates: every section submitted, the priorities as given
/// (edited, justified) or as proposed from the lowest scores. Again while consolidated,
/// to edit the priorities.
pub async fn consolidate(
    core: &Core,
    permit: &Permit<act::DraftPlanning>,
    id: &str,
    priorities: Option<&[Priority]>,
    version: Option<i64>,
    lang: Lang,
) -> Result<(), PlanningError> {
    let d = read(core, permit, id, lang).await?;
    let version = required(version)?;
    if d.record.status == "approved" {
        return Err(PlanningError::WrongStep);
    }
    let waiting: Vec<&str> = d
        .sections
        .iter()
        .filter(|(s, _)| s.status != "submitted")
        .map(|(s, _)| s.area.as_str())
        .collect();
    if !waiting.is_empty() {
        return Err(CoreError::field("sections", Problem::Required).into());
    }
    let chosen = match priorities {
        Some(list) => check_priorities(d.questionnaire, list).map_err(invalid)?,
        None => proposed_priorities(d.questionnaire, &d.profiles, lang),
    };
    let text = serde_json::to_string(&chosen).map_err(|e| CoreError::internal(e.to_string()))?;
    step(
        core,
        permit.who(),
        &d.record,
        "consolidated",
        Some(&text),
        version,
        json!({"priorities": chosen.len()}),
    )
    .await
}

/// The chair approves a consolidated diagnosis for the committee; it is then frozen.
pub async fn approve(
    core: &Core,
    permit: &Permit<act::ApprovePlanning>,
    id: &str,
    version: Option<i64>,
) -> Result<(), PlanningError> {
    let d = read(core, permit, id, Lang::Ar).await?;
    let version = required(version)?;
    if d.record.status != "consolidated" {
        return Err(PlanningError::WrongStep);
    }
    step(
        core,
        permit.who(),
        &d.record,
        "approved",
        None,
        version,
        json!({}),
    )
    .await
}

async fn step(
    core: &Core,
    who: &crate::Who,
    record: &DiagnosisRecord,
    to: &str,
    priorities: Option<&str>,
    version: i64,
    detail: serde_json::Value,
) -> Result<(), PlanningError> {
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    if record.version != version
        || !tx
            .step_diagnosis(
                &record.id,
                &record.status,
                to,
                priorities,
                version,
                &who.audit_name,
                now,
            )
            .await?
    {
        return Err(CoreError::Stale.into());
    }
    tx.audit(who.audit(
        now,
        &format!("diagnosis.{to}"),
        ("diagnosis", &record.id),
        &record.territory,
        detail,
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The ministry's comparison: each province's latest approved diagnosis, profile per
/// area (a provincial reader sees its own province only).
pub async fn compare(
    core: &Core,
    permit: &Permit<act::ReadPlanning>,
) -> Result<Vec<(String, Vec<AreaProfile>)>, CoreError> {
    let mut out: Vec<(String, Vec<AreaProfile>)> = Vec::new();
    for d in core.store.diagnoses(None).await? {
        if d.status != "approved"
            || !permit.actor().covers(&d.territory)
            || out.iter().any(|(t, _)| *t == d.territory)
        {
            continue;
        }
        let read = read(core, permit, &d.id, Lang::Ar).await?;
        out.push((d.territory, read.profiles));
    }
    Ok(out)
}
