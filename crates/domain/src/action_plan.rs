//! The provincial action plan (خطة عمل إقليمية): priorities → objectives → actions, with
//! indicators per objective and a budget per year and funding source per action. A plan
//! version is one document; once approved it is frozen, and a revision is a new version.
//! Progress is recorded per action (by its stable key) beside the document. Pure rules:
//! what a plan may hold, and how its execution is summed up.

use crate::forms::{FieldError, Problem, clean_text};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

pub const MAX_TITLE: usize = 300;
pub const MAX_NOTE: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Draft,
    Approved,
    /// An approved version a later approved revision replaced.
    Superseded,
}

impl PlanStatus {
    pub fn code(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Approved => "approved",
            PlanStatus::Superseded => "superseded",
        }
    }
}

/// The funding sources a budget line names.
pub const FUNDING: &[&str] = &[
    "state", "province", "region", "commune", "partners", "other",
];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BudgetLine {
    pub year: i16,
    pub source: String,
    /// Dirhams.
    pub amount: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Action {
    /// Stable across versions: progress is recorded against it.
    pub key: String,
    pub title: String,
    /// The responsible organisation's code.
    pub organisation: String,
    #[serde(default)]
    pub partners: String,
    /// YYYY-MM-DD
    pub start: String,
    pub end: String,
    #[serde(default)]
    pub budget: Vec<BudgetLine>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Indicator {
    pub key: String,
    pub name: String,
    pub unit: String,
    pub baseline: f64,
    /// A target per year of the plan, in order.
    pub targets: Vec<f64>,
    /// The statistics indicator it follows itself ("cases", "referral_response_hours"),
    /// or None when typed in by hand.
    #[serde(default)]
    pub source: Option<String>,
    /// Take the rate per 1,000 children rather than the value.
    #[serde(default)]
    pub rate: bool,
    #[serde(default)]
    pub lower_is_better: bool,
    /// The latest value typed in by hand.
    #[serde(default)]
    pub manual: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Objective {
    pub key: String,
    pub title: String,
    #[serde(default)]
    pub indicators: Vec<Indicator>,
    #[serde(default)]
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Priority {
    pub key: String,
    pub title: String,
    #[serde(default)]
    pub justification: String,
    /// The diagnosis area it came from, if any.
    #[serde(default)]
    pub area: Option<String>,
    #[serde(default)]
    pub objectives: Vec<Objective>,
}

/// One version of a plan's contents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanDoc {
    pub priorities: Vec<Priority>,
}

impl PlanDoc {
    pub fn actions(&self) -> impl Iterator<Item = &Action> {
        self.priorities
            .iter()
            .flat_map(|p| &p.objectives)
            .flat_map(|o| &o.actions)
    }

    pub fn indicators(&self) -> impl Iterator<Item = &Indicator> {
        self.priorities
            .iter()
            .flat_map(|p| &p.objectives)
            .flat_map(|o| &o.indicators)
    }

    pub fn objective_mut(&mut self, key: &str) -> Option<&mut Objective> {
        self.priorities
            .iter_mut()
            .flat_map(|p| &mut p.objectives)
            .find(|o| o.key == key)
    }
}

fn error(field: &str, problem: Problem) -> FieldError {
    FieldError {
        field: field.to_owned(),
        problem,
    }
}

/// A required title, cleaned.
pub fn title(field: &str, text: &str) -> Result<String, FieldError> {
    match clean_text(text, MAX_TITLE, false) {
        Ok(t) if t.is_empty() => Err(error(field, Problem::Required)),
        Ok(t) => Ok(t),
        Err(p) => Err(error(field, p)),
    }
}

/// A plan's period: three years from `first_year` unless said.
pub fn check_years(first: i64, last: i64) -> Result<(i16, i16), FieldError> {
    if !(2000..=2100).contains(&first) {
        return Err(error(
            "first_year",
            Problem::OutOfRange {
                min: 2000,
                max: 2100,
            },
        ));
    }
    if last < first || last > first + 9 {
        return Err(error("last_year", Problem::EndsBeforeStart));
    }
    Ok((first as i16, last as i16))
}

/// Checks an action as typed: dates within the plan's years and in order, budget lines
/// in the plan's years with a known source.
pub fn check_action(a: &Action, years: (i16, i16)) -> Result<Action, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out = a.clone();
    match title("title", &a.title) {
        Ok(t) => out.title = t,
        Err(e) => errors.push(e),
    }
    match clean_text(&a.partners, MAX_TITLE, false) {
        Ok(t) => out.partners = t,
        Err(p) => errors.push(error("partners", p)),
    }
    let date =
        |field: &str, text: &str, errors: &mut Vec<FieldError>| match text.trim().parse::<Date>() {
            Ok(d) if (years.0..=years.1).contains(&d.year()) => Some(d),
            Ok(_) => {
                errors.push(error(
                    field,
                    Problem::OutOfRange {
                        min: years.0.into(),
                        max: years.1.into(),
                    },
                ));
                None
            }
            Err(_) => {
                errors.push(error(
                    field,
                    if text.trim().is_empty() {
                        Problem::Required
                    } else {
                        Problem::NotADate
                    },
                ));
                None
            }
        };
    let start = date("start", &a.start, &mut errors);
    let end = date("end", &a.end, &mut errors);
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            errors.push(error("end", Problem::EndsBeforeStart));
        }
        out.start = s.to_string();
        out.end = e.to_string();
    }
    for (i, b) in a.budget.iter().enumerate() {
        if !(years.0..=years.1).contains(&b.year) {
            errors.push(error(
                &format!("budget.{i}.year"),
                Problem::OutOfRange {
                    min: years.0.into(),
                    max: years.1.into(),
                },
            ));
        }
        if !FUNDING.contains(&b.source.as_str()) {
            errors.push(error(&format!("budget.{i}.source"), Problem::UnknownCode));
        }
        if !(b.amount.is_finite() && (0.0..=1e12).contains(&b.amount)) {
            errors.push(error(&format!("budget.{i}.amount"), Problem::NotADecimal));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Where an action stands on a day, from its latest progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionState {
    NotStarted,
    InProgress,
    Done,
    /// Past its end and not done.
    Late,
}

impl ActionState {
    pub fn code(self) -> &'static str {
        match self {
            ActionState::NotStarted => "not_started",
            ActionState::InProgress => "in_progress",
            ActionState::Done => "done",
            ActionState::Late => "late",
        }
    }

    pub fn of(action: &Action, percent: Option<i64>, today: Date) -> ActionState {
        let percent = percent.unwrap_or(0);
        if percent >= 100 {
            return ActionState::Done;
        }
        if action.end.parse::<Date>().is_ok_and(|end| end < today) {
            return ActionState::Late;
        }
        if percent > 0 {
            ActionState::InProgress
        } else {
            ActionState::NotStarted
        }
    }
}

/// Whether an indicator's value is on track for its target of `year` (the plan's first
/// year's target when the year is before it; the last's after it). No value, or no
/// target: not on track.
pub fn on_track(ind: &Indicator, value: Option<f64>, year_index: usize) -> bool {
    let (Some(v), Some(target)) = (
        value,
        ind.targets.get(year_index).or(ind.targets.last()).copied(),
    ) else {
        return false;
    };
    if ind.lower_is_better {
        v <= target
    } else {
        v >= target
    }
}

/// The execution rate of a plan: the mean of its actions' percentages (0 for none).
pub fn execution_rate(percents: &[i64]) -> u32 {
    if percents.is_empty() {
        return 0;
    }
    let sum: i64 = percents.iter().map(|p| (*p).clamp(0, 100)).sum();
    (sum as f64 / percents.len() as f64).round() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(start: &str, end: &str) -> Action {
        Action {
            key: "a".into(),
            title: "تكوين المتدخلين".into(),
            organisation: "org".into(),
            start: start.into(),
            end: end.into(),
            budget: vec![BudgetLine {
                year: 2027,
                source: "state".into(),
                amount: 50000.0,
            }],
            ..Action::default()
        }
    }

    #[test]
    fn an_action_lies_within_the_plan_and_its_budget_has_known_sources() {
        let years = check_years(2027, 2029).unwrap();
        assert!(check_action(&action("2027-02-01", "2027-12-31"), years).is_ok());
        let errors = check_action(&action("2026-02-01", "2025-01-01"), years).unwrap_err();
        assert_eq!(errors.len(), 2);
        let mut bad = action("2027-02-01", "2027-01-01");
        bad.budget[0].source = "lottery".into();
        bad.title = " ".into();
        let fields: Vec<String> = check_action(&bad, years)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["title", "end", "budget.0.source"]);
        assert!(check_years(2027, 2026).is_err());
    }

    #[test]
    fn states_rates_and_tracks() {
        let a = action("2027-01-01", "2027-06-30");
        let day = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(
            ActionState::of(&a, None, day("2027-03-01")),
            ActionState::NotStarted
        );
        assert_eq!(
            ActionState::of(&a, Some(40), day("2027-03-01")),
            ActionState::InProgress
        );
        assert_eq!(
            ActionState::of(&a, Some(40), day("2027-07-01")),
            ActionState::Late
        );
        assert_eq!(
            ActionState::of(&a, Some(100), day("2028-07-01")),
            ActionState::Done
        );
        assert_eq!(execution_rate(&[100, 50, 0]), 50);
        let ind = Indicator {
            targets: vec![10.0, 20.0],
            lower_is_better: true,
            ..Indicator::default()
        };
        assert!(on_track(&ind, Some(9.0), 0));
        assert!(!on_track(&ind, Some(25.0), 5));
        assert!(!on_track(&ind, None, 0));
    }
}
