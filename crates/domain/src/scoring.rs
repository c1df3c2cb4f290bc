//! Risk scoring of an evaluation card, from rules that are data (a versioned file per
//! form version): every "yes" adds its weight, some answers mean immediate danger
//! whatever the total, and the level comes from thresholds. The answers that drove
//! the level are returned with it, so that the worker sees why.

use crate::forms::Form;
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
