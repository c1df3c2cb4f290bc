//! The data-quality page of the information cell (issue 19 §3): what a province must
//! fix in its records, counted per organisation (the author's) and per month, with the
//! case numbers to open. No identity is opened: a case is named by its number only.

use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::local_dates::end_of_local_day_ms;
use awladna_domain::stats::month_of;
use awladna_domain::stats::outcomes::closure_outcomes;
use awladna_store::quality::QualityItem;
use serde_json::Value;
use std::collections::BTreeMap;

/// A report waiting longer than this for triage is late.
pub const TRIAGE_DAYS: i64 = 7;
/// How many case numbers each check lists (the counts cover them all).
pub const LISTED: usize = 50;
/// The stages that come after the initial diagnosis, before closure: a case there
/// should rest on an evaluation card.
pub const PAST_DIAGNOSIS: [&str; 3] = ["care", "reintegration", "follow_up"];
/// The answer that says a value is not known (the `answers` vocabulary and others).
pub const UNKNOWN: &str = "unknown";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// A complete report waiting for triage for more than `TRIAGE_DAYS`.
    LateTriage,
    /// An open case past the initial diagnosis with no evaluation card.
    NoEvaluation,
    /// The next contact the last follow-up card planned has passed, with no newer
    /// follow-up.
    FollowUpOverdue,
    /// A closed case without a closure reason that says its outcome.
    NoOutcome,
    /// A complete card answering "unknown" where a value is expected.
    UnknownAnswers,
}

impl Check {
    pub const ALL: [Check; 5] = [
        Check::LateTriage,
        Check::NoEvaluation,
        Check::FollowUpOverdue,
        Check::NoOutcome,
        Check::UnknownAnswers,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Check::LateTriage => "late_triage",
            Check::NoEvaluation => "no_evaluation",
            Check::FollowUpOverdue => "followup_overdue",
            Check::NoOutcome => "no_outcome",
            Check::UnknownAnswers => "unknown_answers",
        }
    }
}

/// A case to open, by its number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseLink {
    pub case_id: String,
    pub number: String,
}

/// One organisation's count; `code` is none when the author belongs to none (a
/// machine client, a deleted account).
#[derive(Debug, Clone)]
pub struct OrganisationCount {
    pub code: Option<String>,
    pub name: Option<String>,
    pub count: usize,
}

/// What one check found.
#[derive(Debug, Clone)]
pub struct Finding {
    pub check: Check,
    pub total: usize,
    /// Most first.
    pub by_organisation: Vec<OrganisationCount>,
    /// `YYYY-MM` → count, newest month first.
    pub by_month: Vec<(String, usize)>,
    /// The cases concerned, each once, oldest first, at most `LISTED`.
    pub cases: Vec<CaseLink>,
}

/// The province's data quality.
#[derive(Debug, Clone)]
pub struct Quality {
    pub territory: String,
    pub findings: Vec<Finding>,
}

/// The province the page shows: the reader's own; for a national reader the one asked
/// (none before choosing). Anything but a province the reader may see is `NotFound`.
pub fn province(
    core: &Core,
    permit: &Permit<act::ReviewDataQuality>,
    asked: Option<&str>,
) -> Result<Option<String>, CoreError> {
    let asked = asked.map(str::trim).unwrap_or_default();
    let code = match (&permit.actor().territory, asked) {
        (Some(own), "") => own.clone(),
        (None, "") => return Ok(None),
        (_, asked) => asked.to_owned(),
    };
    match core.reference.territory(&code) {
        Some(t) if t.kind.hosts_mechanism() => {}
        _ => return Err(CoreError::NotFound),
    }
    permit.on(&code)?;
    Ok(Some(code))
}

/// Every check on the province `territory` (which `province` chose).
pub async fn review(
    core: &Core,
    _permit: &Permit<act::ReviewDataQuality>,
    territory: &str,
) -> Result<Quality, CoreError> {
    let leaves = crate::stats::scope(core, territory)
        .map(|s| s.leaves)
        .ok_or(CoreError::NotFound)?;
    let now = core.now_ms();
    let store = &core.store;
    let mut names = BTreeMap::new();
    let mut findings = Vec::new();
    for check in Check::ALL {
        let items = match check {
            Check::LateTriage => {
                let before = now - TRIAGE_DAYS * 24 * 3_600_000;
                store.quality_untriaged(&leaves, before).await?
            }
            Check::NoEvaluation => {
                store
                    .quality_cases_without(&leaves, &PAST_DIAGNOSIS, crate::evaluations::FORM)
                    .await?
            }
            Check::FollowUpOverdue => overdue_followups(core, &leaves, now).await?,
            Check::NoOutcome => {
                let known: Vec<&str> = closure_outcomes()
                    .reasons
                    .keys()
                    .map(String::as_str)
                    .collect();
                store
                    .quality_closed_without_outcome(&leaves, &known)
                    .await?
            }
            Check::UnknownAnswers => store.quality_cards_answering(&leaves, UNKNOWN).await?,
        };
        findings.push(finding(core, check, &items, &mut names).await?);
    }
    Ok(Quality {
        territory: territory.to_owned(),
        findings,
    })
}

/// The last follow-ups whose planned next contact ended before `now`, dated that day.
async fn overdue_followups(
    core: &Core,
    leaves: &[String],
    now: i64,
) -> Result<Vec<QualityItem>, CoreError> {
    let mut late = Vec::new();
    for last in core.store.quality_last_followups(leaves).await? {
        // Only the clear values are read, as the tasks read `next.date`: the sealed
        // ones (the child's words, notes) stay sealed.
        let values: Value = serde_json::from_str(&last.data).unwrap_or_default();
        let due = values
            .get("next.date")
            .and_then(Value::as_str)
            .and_then(|d| d.parse().ok())
            .and_then(end_of_local_day_ms);
        if let Some(due) = due.filter(|d| *d < now) {
            late.push(QualityItem {
                at_ms: due - 1,
                ..last.item
            });
        }
    }
    Ok(late)
}

async fn finding(
    core: &Core,
    check: Check,
    items: &[QualityItem],
    names: &mut BTreeMap<String, Option<String>>,
) -> Result<Finding, CoreError> {
    let mut by_organisation: BTreeMap<Option<String>, usize> = BTreeMap::new();
    let mut by_month: BTreeMap<String, usize> = BTreeMap::new();
    let mut cases: Vec<CaseLink> = Vec::new();
    for item in items {
        *by_organisation
            .entry(item.organisation.clone())
            .or_default() += 1;
        *by_month.entry(month_of(item.at_ms)).or_default() += 1;
        if let (Some(id), Some(number)) = (&item.case_id, &item.case_number)
            && cases.len() < LISTED
            && !cases.iter().any(|c| &c.case_id == id)
        {
            cases.push(CaseLink {
                case_id: id.clone(),
                number: number.clone(),
            });
        }
    }
    let mut organisations = Vec::new();
    for (code, count) in by_organisation {
        let name = match &code {
            Some(code) => match names.get(code) {
                Some(name) => name.clone(),
                None => {
                    let name = core.store.organisation(code).await?.map(|o| o.name);
                    names.insert(code.clone(), name.clone());
                    name
                }
            },
            None => None,
        };
        organisations.push(OrganisationCount { code, name, count });
    }
    organisations.sort_by_key(|o| std::cmp::Reverse(o.count));
    Ok(Finding {
        check,
        total: items.len(),
        by_organisation: organisations,
        by_month: by_month.into_iter().rev().collect(),
        cases,
    })
}
