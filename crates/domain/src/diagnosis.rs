//! The territorial self-diagnosis (آلية التشخيص الذاتي): a questionnaire kept as data
//! (`data/diagnosis/diagnosis.v1.toml`), its scoring, and the rules of its answers. Each
//! area is a section one organisation fills in; its score is its points in percent; the
//! gaps are the answers below the minimum standard; the priorities proposed are the
//! lowest-scoring areas. Pure: the caller passes the answers and the vocabularies in.

use crate::forms::{FieldError, Problem, clean_text};
use crate::lang::{Labels, Lang};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The questionnaire a new diagnosis is opened with.
pub const CURRENT: &str = "diagnosis.v1";
/// The longest free answer (a justification, a priority's title).
pub const MAX_TEXT: usize = 2000;
const MAX_NUMBER: f64 = 1e9;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// 0 absent, 1 weak, 2 partly in place, 3 fully in place.
    Scale,
    Number,
    /// One code of `vocabulary`.
    Choice,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Question {
    pub code: String,
    pub kind: QuestionKind,
    pub label: Labels,
    /// The minimum standard: a scale's least acceptable level, a number's threshold.
    #[serde(default)]
    pub standard: Option<f64>,
    #[serde(default)]
    pub lower_is_better: bool,
    #[serde(default)]
    pub vocabulary: Option<String>,
    /// The statistics indicator that pre-fills it.
    #[serde(default)]
    pub source: Option<String>,
    /// Take the indicator's rate per 1,000 children rather than its value.
    #[serde(default)]
    pub rate: bool,
    #[serde(default = "yes")]
    pub scored: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Area {
    pub code: String,
    pub label: Labels,
    /// The sector whose organisation is proposed to fill it in.
    pub sector: String,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Questionnaire {
    pub form: String,
    pub version: u32,
    pub priority_below: u32,
    pub max_priorities: usize,
    pub areas: Vec<Area>,
}

impl Questionnaire {
    pub fn code(&self) -> String {
        format!("{}.v{}", self.form, self.version)
    }

    pub fn area(&self, code: &str) -> Option<&Area> {
        self.areas.iter().find(|a| a.code == code)
    }

    /// Checks the file: unique codes, choices with a vocabulary, scored questions
    /// that can be scored.
    fn check(self) -> Result<Questionnaire, String> {
        let mut seen = std::collections::BTreeSet::new();
        for a in &self.areas {
            if !seen.insert(a.code.clone()) || a.questions.is_empty() {
                return Err(format!("area {} repeated or empty", a.code));
            }
            for q in &a.questions {
                if !seen.insert(q.code.clone()) {
                    return Err(format!("question {} repeated", q.code));
                }
                if (q.kind == QuestionKind::Choice) != q.vocabulary.is_some() {
                    return Err(format!("question {}: a choice needs a vocabulary", q.code));
                }
                if q.kind == QuestionKind::Choice && q.scored && q.standard.is_some() {
                    return Err(format!("question {}: a choice has no standard", q.code));
                }
            }
        }
        Ok(self)
    }
}

/// The questionnaire of `code` (`diagnosis.v1`), if known (and if its file loads: the
/// domain's tests check it does).
pub fn questionnaire(code: &str) -> Option<&'static Questionnaire> {
    static V1: OnceLock<Option<Questionnaire>> = OnceLock::new();
    if code != CURRENT {
        return None;
    }
    V1.get_or_init(|| {
        toml::from_str::<Questionnaire>(include_str!("../data/diagnosis/diagnosis.v1.toml"))
            .map_err(|e| e.to_string())
            .and_then(Questionnaire::check)
            .ok()
    })
    .as_ref()
}

/// One section's answers: question code → the text typed.
pub type Answers = BTreeMap<String, String>;

/// A figure the system pre-filled: its value and the indicator it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prefill {
    pub value: f64,
    pub source: String,
}

/// Checks a section's answers against its area: every answer known, in range; blanks
/// are allowed (a section may be saved half-filled). Answers the cleaned answers.
pub fn check_answers(
    area: &Area,
    answers: &Answers,
    known: impl Fn(&str, &str) -> bool,
) -> Result<Answers, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut clean = Answers::new();
    let mut problem = |field: &str, problem| {
        errors.push(FieldError {
            field: field.to_owned(),
            problem,
        })
    };
    for code in answers.keys() {
        if !area.questions.iter().any(|q| &q.code == code) {
            problem(code, Problem::UnknownField);
        }
    }
    for q in &area.questions {
        let Some(raw) = answers.get(&q.code) else {
            continue;
        };
        let text = match clean_text(raw, 40, false) {
            Ok(t) => t,
            Err(p) => {
                problem(&q.code, p);
                continue;
            }
        };
        if text.is_empty() {
            continue;
        }
        let ok = match q.kind {
            QuestionKind::Scale => match text.parse::<i64>() {
                Ok(v) if (0..=3).contains(&v) => true,
                _ => {
                    problem(&q.code, Problem::OutOfRange { min: 0, max: 3 });
                    false
                }
            },
            QuestionKind::Number => match number(&text) {
                Some(_) => true,
                None => {
                    problem(
                        &q.code,
                        Problem::OutOfRange {
                            min: 0,
                            max: MAX_NUMBER as i64,
                        },
                    );
                    false
                }
            },
            QuestionKind::Choice => {
                if known(q.vocabulary.as_deref().unwrap_or_default(), &text) {
                    true
                } else {
                    problem(&q.code, Problem::UnknownCode);
                    false
                }
            }
        };
        if ok {
            clean.insert(q.code.clone(), text);
        }
    }
    if errors.is_empty() {
        Ok(clean)
    } else {
        Err(errors)
    }
}

/// A non-negative decimal (a comma as decimal separator is accepted).
pub fn number(text: &str) -> Option<f64> {
    let v: f64 = text.trim().replace(',', ".").parse().ok()?;
    (v.is_finite() && (0.0..=MAX_NUMBER).contains(&v)).then_some(v)
}

/// The points (0–3) of one answer, and whether it falls short of the minimum standard.
fn points(q: &Question, value: f64) -> (f64, bool) {
    match q.kind {
        QuestionKind::Scale => {
            let p = value.clamp(0.0, 3.0);
            (p, p < q.standard.unwrap_or(2.0))
        }
        QuestionKind::Number => match q.standard {
            None => (3.0, false),
            Some(s) if q.lower_is_better => {
                let p = if value <= s {
                    3.0
                } else if value <= s * 1.5 {
                    2.0
                } else if value <= s * 3.0 {
                    1.0
                } else {
                    0.0
                };
                (p, value > s)
            }
            Some(s) => {
                let share = if s > 0.0 { value / s } else { 1.0 };
                ((share * 3.0).floor().clamp(0.0, 3.0), value < s)
            }
        },
        QuestionKind::Choice => (3.0, false),
    }
}

/// One answer short of the minimum standard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    pub question: String,
    pub value: f64,
    pub standard: f64,
}

/// An area's result: its score in percent (None when nothing scored was answered), its
/// gaps, and how many of its questions have an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaProfile {
    pub area: String,
    pub score: Option<u32>,
    pub gaps: Vec<Gap>,
    pub answered: usize,
    pub questions: usize,
}

/// The answer that counts for a question: typed, else pre-filled by the system.
pub fn effective(
    q: &Question,
    answers: &Answers,
    prefill: &BTreeMap<String, Prefill>,
) -> Option<String> {
    answers
        .get(&q.code)
        .filter(|a| !a.is_empty())
        .cloned()
        .or_else(|| prefill.get(&q.code).map(|p| format_number(p.value)))
}

/// A number as typed back: no trailing zeros.
pub fn format_number(v: f64) -> String {
    let rounded = (v * 100.0).round() / 100.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded}")
    }
}

pub fn profile(area: &Area, answers: &Answers, prefill: &BTreeMap<String, Prefill>) -> AreaProfile {
    let (mut sum, mut most, mut answered) = (0.0, 0.0, 0);
    let mut gaps = Vec::new();
    for q in &area.questions {
        let Some(text) = effective(q, answers, prefill) else {
            continue;
        };
        answered += 1;
        if !q.scored || q.kind == QuestionKind::Choice {
            continue;
        }
        let Some(value) = number(&text) else {
            continue;
        };
        let (p, short) = points(q, value);
        sum += p;
        most += 3.0;
        if short {
            gaps.push(Gap {
                question: q.code.clone(),
                value,
                standard: q.standard.unwrap_or(2.0),
            });
        }
    }
    AreaProfile {
        area: area.code.clone(),
        score: (most > 0.0).then(|| (sum * 100.0 / most).round() as u32),
        gaps,
        answered,
        questions: area.questions.len(),
    }
}

/// A priority of the diagnosis: proposed from a low score, or added; its title and
/// justification may be edited.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Priority {
    /// The area it comes from, if any.
    #[serde(default)]
    pub area: Option<String>,
    pub title: String,
    #[serde(default)]
    pub justification: String,
}

/// The priorities proposed from the profile: the areas scoring below the threshold, the
/// lowest first, named by their area in `lang`.
pub fn proposed_priorities(
    q: &Questionnaire,
    profiles: &[AreaProfile],
    lang: Lang,
) -> Vec<Priority> {
    let mut low: Vec<(&AreaProfile, u32)> = profiles
        .iter()
        .filter_map(|p| p.score.filter(|s| *s < q.priority_below).map(|s| (p, s)))
        .collect();
    low.sort_by_key(|(p, s)| (*s, p.area.clone()));
    low.into_iter()
        .take(q.max_priorities)
        .filter_map(|(p, s)| {
            let area = q.area(&p.area)?;
            Some(Priority {
                area: Some(area.code.clone()),
                title: area.label.get(lang).to_owned(),
                justification: format!("{s}% · {}", p.gaps.len()),
            })
        })
        .collect()
}

/// Checks the priorities as edited: each titled, at most ten, texts clean.
pub fn check_priorities(
    q: &Questionnaire,
    list: &[Priority],
) -> Result<Vec<Priority>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    if list.len() > 10 {
        errors.push(FieldError {
            field: "priorities".into(),
            problem: Problem::OutOfRange { min: 0, max: 10 },
        });
    }
    for (i, p) in list.iter().enumerate() {
        let mut field = |name: &str, problem| {
            errors.push(FieldError {
                field: format!("priorities.{i}.{name}"),
                problem,
            })
        };
        let title = match clean_text(&p.title, 300, false) {
            Ok(t) if t.is_empty() => {
                field("title", Problem::Required);
                t
            }
            Ok(t) => t,
            Err(e) => {
                field("title", e);
                String::new()
            }
        };
        let justification = clean_text(&p.justification, MAX_TEXT, true).unwrap_or_else(|e| {
            field("justification", e);
            String::new()
        });
        let area = p.area.clone().filter(|a| !a.is_empty());
        if let Some(a) = &area
            && q.area(a).is_none()
        {
            field("area", Problem::UnknownCode);
        }
        out.push(Priority {
            area,
            title,
            justification,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v1() -> &'static Questionnaire {
        questionnaire(CURRENT).expect("v1")
    }

    #[test]
    fn the_questionnaire_covers_the_five_areas_in_three_languages() {
        let q = v1();
        let codes: Vec<&str> = q.areas.iter().map(|a| a.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "services",
                "risks",
                "resources",
                "coordination",
                "information"
            ]
        );
        for a in &q.areas {
            assert!(a.label.is_complete());
            for question in &a.questions {
                assert!(question.label.is_complete(), "{}", question.code);
            }
        }
        assert!(questionnaire("diagnosis.v9").is_none());
    }

    #[test]
    fn scores_gaps_and_priorities_follow_the_answers() {
        let q = v1();
        let services = q.area("services").unwrap();
        let mut answers = Answers::new();
        answers.insert("detection_services".into(), "1".into());
        answers.insert("care_services".into(), "3".into());
        answers.insert("shelter_places".into(), "10".into());
        let prefill = BTreeMap::from([(
            "stage_days".to_owned(),
            Prefill {
                value: 20.0,
                source: "stage_days".into(),
            },
        )]);
        let p = profile(services, &answers, &prefill);
        // 1 + 3 + 1 (10 of 20 places) + 3 (20 days within 30) = 8 of 12.
        assert_eq!(p.score, Some(67));
        assert_eq!(p.answered, 4);
        let gaps: Vec<&str> = p.gaps.iter().map(|g| g.question.as_str()).collect();
        assert_eq!(gaps, ["detection_services", "shelter_places"]);
        let low = AreaProfile {
            area: "coordination".into(),
            score: Some(20),
            gaps: vec![],
            answered: 1,
            questions: 4,
        };
        let proposed = proposed_priorities(q, &[p, low], Lang::Ar);
        assert_eq!(proposed.len(), 1);
        assert_eq!(proposed[0].area.as_deref(), Some("coordination"));
    }

    #[test]
    fn answers_out_of_range_or_unknown_are_refused() {
        let q = v1();
        let risks = q.area("risks").unwrap();
        let known = |v: &str, c: &str| v == "concerns" && c == "neglect";
        let mut a = Answers::new();
        a.insert("risk_knowledge".into(), "4".into());
        a.insert("main_risk".into(), "<script>".into());
        a.insert("reports_rate".into(), "-1".into());
        a.insert("unknown".into(), "1".into());
        let errors = check_answers(risks, &a, known).unwrap_err();
        assert_eq!(errors.len(), 4);
        let mut fine = Answers::new();
        fine.insert("main_risk".into(), "neglect".into());
        fine.insert("reports_rate".into(), "3,5".into());
        fine.insert("second_risk".into(), " ".into());
        let clean = check_answers(risks, &fine, known).unwrap();
        assert_eq!(clean.len(), 2);
    }
}
