//! Risk scoring of an evaluation card, from rules that are data (a versioned file per
//! form version): every "yes" adds its weight, some answers mean immediate danger
//! whatever the total, and the level comes from thresholds. The answers that drove
//! the level are returned with it, so that the worker sees why. The same file sets the
//! action deadline of each level.

use crate::forms::Form;
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Risk levels, as the codes of the `urgency` vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Low,
    Medium,
    High,
    Immediate,
}

impl Level {
    pub fn code(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Immediate => "immediate",
        }
    }

    /// Immediate danger and high risk alert the coordinator.
    pub fn alerts(self) -> bool {
        self >= Level::High
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub field: String,
    pub weight: u32,
    #[serde(default)]
    pub immediate: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scoring {
    pub form: String,
    pub version: u32,
    pub high: u32,
    pub medium: u32,
    pub rules: Vec<Rule>,
    #[serde(default)]
    pub deadlines: Deadlines,
}

/// Hours from the assessment within which the case must be acted on, per level; a level
/// without a number sets no deadline. Data, not code: an operator changes them by
/// pointing `--reference-dir` at an edited copy of the reference files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    pub immediate_hours: Option<u32>,
    pub high_hours: Option<u32>,
    pub medium_hours: Option<u32>,
    pub low_hours: Option<u32>,
}

impl Deadlines {
    fn hours(&self, level: Level) -> Option<u32> {
        match level {
            Level::Immediate => self.immediate_hours,
            Level::High => self.high_hours,
            Level::Medium => self.medium_hours,
            Level::Low => self.low_hours,
        }
    }

    // A deadline of 0 h is already missed, and a higher risk never waits longer than a
    // lower one: either is a mistake in the file.
    fn check(&self) -> Result<(), String> {
        let levels = [Level::Immediate, Level::High, Level::Medium, Level::Low];
        let mut higher: Option<(Level, u32)> = None;
        for level in levels {
            let Some(hours) = self.hours(level) else {
                continue;
            };
            if hours == 0 {
                return Err(format!(
                    "deadlines: {}_hours must be at least 1",
                    level.code()
                ));
            }
            if let Some((above, limit)) = higher.filter(|(_, limit)| hours < *limit) {
                return Err(format!(
                    "deadlines: {}_hours ({hours}) is shorter than {}_hours ({limit})",
                    level.code(),
                    above.code()
                ));
            }
            higher = Some((level, hours));
        }
        Ok(())
    }
}

/// What drove an assessment: the question and its weight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Driver {
    pub field: String,
    pub weight: u32,
    pub immediate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub level: Level,
    pub score: u32,
    pub drivers: Vec<Driver>,
}

/// The answer that counts; "no" and "unknown" add nothing (an unknown is for the
/// worker to find out, and the justification says why).
const YES: &str = "yes";

impl Scoring {
    /// Parses a rules file named `{form}.v{version}.toml` and checks it against its form.
    pub fn parse(file_name: &str, text: &str, form: Option<&Form>) -> Result<Scoring, String> {
        let scoring: Scoring = toml::from_str(text).map_err(|e| e.to_string())?;
        let expected = format!("{}.v{}.toml", scoring.form, scoring.version);
        if file_name != expected {
            return Err(format!(
                "rules for form \"{}\" version {} belong in {expected}",
                scoring.form, scoring.version
            ));
        }
        let Some(form) = form.filter(|f| f.code == scoring.form && f.version == scoring.version)
        else {
            return Err(format!(
                "there is no form \"{}\" version {}",
                scoring.form, scoring.version
            ));
        };
        if scoring.medium == 0 || scoring.medium > scoring.high {
            return Err("thresholds must satisfy 0 < medium <= high".into());
        }
        scoring.deadlines.check()?;
        for rule in &scoring.rules {
            match form.field(&rule.field) {
                Some(field) if field.vocabulary.as_deref() == Some("answers") => {}
                _ => {
                    return Err(format!(
                        "rule on \"{}\": not a yes/no question of the form",
                        rule.field
                    ));
                }
            }
        }
        Ok(scoring)
    }

    /// How long the services have to act on a case assessed at `level`, counted from the
    /// assessment; `None` when the level sets no deadline.
    pub fn deadline(&self, level: Level) -> Option<SignedDuration> {
        self.deadlines
            .hours(level)
            .map(|h| SignedDuration::from_hours(i64::from(h)))
    }

    /// Scores checked values (field code → value).
    pub fn assess(&self, values: &BTreeMap<String, Value>) -> Assessment {
        let drivers: Vec<Driver> = self
            .rules
            .iter()
            .filter(|rule| values.get(&rule.field).and_then(Value::as_str) == Some(YES))
            .map(|rule| Driver {
                field: rule.field.clone(),
                weight: rule.weight,
                immediate: rule.immediate,
            })
            .collect();
        let score = drivers.iter().map(|d| d.weight).sum();
        let level = if drivers.iter().any(|d| d.immediate) {
            Level::Immediate
        } else if score >= self.high {
            Level::High
        } else if score >= self.medium {
            Level::Medium
        } else {
            Level::Low
        };
        Assessment {
            level,
            score,
            drivers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scoring() -> Scoring {
        let reference = crate::Reference::embedded().unwrap();
        reference.scoring("evaluation", 1).unwrap().clone()
    }

    fn answers(yes: &[&str]) -> BTreeMap<String, Value> {
        let form = crate::Reference::embedded()
            .unwrap()
            .form("evaluation")
            .unwrap()
            .clone();
        form.fields()
            .filter(|f| f.vocabulary.as_deref() == Some("answers"))
            .map(|f| {
                (
                    f.code.clone(),
                    json!(if yes.contains(&f.code.as_str()) {
                        "yes"
                    } else {
                        "no"
                    }),
                )
            })
            .collect()
    }

    #[test]
    fn hand_computed_cases() {
        let s = scoring();
        // Nothing worrying: low.
        assert_eq!(s.assess(&answers(&[])).level, Level::Low);
        // Out of school (1) + working (2) = 3: medium.
        let a = s.assess(&answers(&[
            "education.out_of_school",
            "exploitation.working",
        ]));
        assert_eq!((a.level, a.score), (Level::Medium, 3));
        // Author has access (3) + sexual violence (3) = 6: high.
        let a = s.assess(&answers(&[
            "safety.author_has_access",
            "safety.sexual_violence",
        ]));
        assert_eq!((a.level, a.score), (Level::High, 6));
        assert_eq!(
            a.drivers
                .iter()
                .map(|d| d.field.as_str())
                .collect::<Vec<_>>(),
            ["safety.author_has_access", "safety.sexual_violence"]
        );
        // No safe place tonight: immediate danger, whatever the total (3).
        let a = s.assess(&answers(&["safety.no_safe_place"]));
        assert_eq!((a.level, a.score), (Level::Immediate, 3));
        assert!(a.level.alerts() && !Level::Medium.alerts());
    }

    #[test]
    fn unknown_answers_add_nothing() {
        let s = scoring();
        let mut values = answers(&[]);
        values.insert("safety.serious_injury".into(), json!("unknown"));
        assert_eq!(s.assess(&values).level, Level::Low);
    }

    #[test]
    fn immediate_danger_and_high_risk_set_deadlines() {
        let s = scoring();
        assert_eq!(
            s.deadline(Level::Immediate),
            Some(SignedDuration::from_hours(24))
        );
        assert_eq!(
            s.deadline(Level::High),
            Some(SignedDuration::from_hours(72))
        );
        assert_eq!(s.deadline(Level::Medium), None);
        assert_eq!(s.deadline(Level::Low), None);
    }

    #[test]
    fn deadlines_are_data_and_checked() {
        let reference = crate::Reference::embedded().unwrap();
        let form = reference.form("evaluation");
        let good = include_str!("../data/scoring/evaluation.v1.toml");
        let parse = |text: &str| Scoring::parse("evaluation.v1.toml", text, form);
        let edited = good.replace("high_hours = 72", "high_hours = 48\nmedium_hours = 168");
        let s = parse(&edited).unwrap();
        assert_eq!(
            s.deadline(Level::High),
            Some(SignedDuration::from_hours(48))
        );
        assert_eq!(
            s.deadline(Level::Medium),
            Some(SignedDuration::from_hours(168))
        );
        let slower = good.replace("high_hours = 72", "high_hours = 12");
        assert!(
            parse(&slower)
                .unwrap_err()
                .contains("high_hours (12) is shorter than immediate_hours (24)")
        );
        let zero = good.replace("immediate_hours = 24", "immediate_hours = 0");
        assert!(parse(&zero).unwrap_err().contains("at least 1"));
        let typo = good.replace("high_hours", "hihg_hours");
        assert!(parse(&typo).is_err());
        // A file without deadlines is still read: no level sets one.
        let none = good.replace("[deadlines]\nimmediate_hours = 24\nhigh_hours = 72\n", "");
        assert_eq!(parse(&none).unwrap().deadline(Level::Immediate), None);
    }

    #[test]
    fn rules_on_unknown_questions_are_refused() {
        let reference = crate::Reference::embedded().unwrap();
        let form = reference.form("evaluation");
        let text = include_str!("../data/scoring/evaluation.v1.toml")
            .replace("safety.no_safe_place", "safety.no_such_question");
        assert!(
            Scoring::parse("evaluation.v1.toml", &text, form)
                .unwrap_err()
                .contains("no_such_question")
        );
        let good = include_str!("../data/scoring/evaluation.v1.toml");
        assert!(Scoring::parse("evaluation.v2.toml", good, form).is_err());
    }
}
