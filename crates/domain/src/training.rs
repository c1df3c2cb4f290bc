//! Training (SPEC.md §5, issue 15 §1): the programme's modules, its trainers (those
//! trained as trainers flagged, تكوين المكونين), sessions with their participants, daily
//! attendance, pre- and post-tests and satisfaction, and the national plan of 13
//! sessions over 11 months. Professional data only, kept in clear: nothing here names a
//! child. Pure rules: what an input may be, who counts as trained, what a coverage is.

use crate::committee::{MAX_LONG, MAX_SHORT, Problems};
use crate::forms::{FieldError, Problem};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Who a module is for (SPEC.md §5: centre staff, service focal points, associations;
/// and the trainers themselves).
pub const AUDIENCES: &[&str] = &["centre_staff", "focal_points", "associations", "trainers"];

/// The longest session, in days (a programme session lasts a few days).
pub const MAX_DAYS: i64 = 10;

/// The evaluation of a participant, as data: the two tests' scale and the satisfaction
/// scale, with the threshold a post-test must reach for the attestation to say "passed".
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Evaluation {
    pub score_max: i64,
    pub pass_mark: i64,
    pub satisfaction_max: i64,
}

/// One session of the national plan: its number, the month it is planned (counted from
/// the programme's start), the audience and the participants expected.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PlannedSession {
    pub number: u32,
    pub month: u32,
    pub audience: String,
    pub theme_ar: String,
    pub theme_fr: String,
    pub participants: u32,
}

/// The national plan (`data/training/plan.toml`).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct NationalPlan {
    /// YYYY-MM-DD.
    pub starts: String,
    pub evaluation: Evaluation,
    pub sessions: Vec<PlannedSession>,
}

impl NationalPlan {
    /// The plan shipped in the binary; a broken file is a build-time mistake the domain
    /// test catches.
    pub fn shipped() -> Result<NationalPlan, String> {
        NationalPlan::parse(include_str!("../data/training/plan.toml"))
    }

    pub fn parse(text: &str) -> Result<NationalPlan, String> {
        let plan: NationalPlan = toml::from_str(text).map_err(|e| e.to_string())?;
        plan.start()
            .ok_or_else(|| "`starts` is not a date".to_owned())?;
        for (i, s) in plan.sessions.iter().enumerate() {
            if s.number as usize != i + 1 {
                return Err(format!("session {} is out of order", s.number));
            }
            if !AUDIENCES.contains(&s.audience.as_str()) {
                return Err(format!("session {}: unknown audience", s.number));
            }
        }
        Ok(plan)
    }

    pub fn start(&self) -> Option<Date> {
        self.starts.parse().ok()
    }

    /// The day a planned session is due: the first of its month.
    pub fn due(&self, session: &PlannedSession) -> Option<Date> {
        let months = i32::try_from(session.month.saturating_sub(1)).ok()?;
        self.start()?
            .checked_add(jiff::Span::new().months(months))
            .ok()
    }
}

fn audience(p: &mut Problems, field: &str, value: &str) -> String {
    let value = value.trim();
    if value.is_empty() {
        p.add(field, Problem::Required);
    } else if !AUDIENCES.contains(&value) {
        p.add(field, Problem::UnknownCode);
    }
    value.to_owned()
}

fn integer(
    p: &mut Problems,
    field: &str,
    value: &str,
    min: i64,
    max: i64,
    required: bool,
) -> Option<i64> {
    let value = value.trim();
    if value.is_empty() {
        if required {
            p.add(field, Problem::Required);
        }
        return None;
    }
    match value.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        Ok(_) => {
            p.add(field, Problem::OutOfRange { min, max });
            None
        }
        Err(_) => {
            p.add(field, Problem::NotAnInteger);
            None
        }
    }
}

/// A module as typed (the programme's own content: objectives, duration, audience, and
/// the materials, which name documents of the toolkit library).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ModuleInput {
    pub code: String,
    pub title: String,
    pub objectives: String,
    pub duration_hours: String,
    pub audience: String,
    pub materials: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub code: String,
    pub title: String,
    pub objectives: String,
    pub duration_hours: i64,
    pub audience: String,
    pub materials: String,
}

impl ModuleInput {
    pub fn check(&self) -> Result<Module, Vec<FieldError>> {
        let mut p = Problems::default();
        let code = p.text("code", &self.code, 20, true);
        if !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            p.add("code", Problem::UnknownCode);
        }
        let title = p.text("title", &self.title, MAX_SHORT, true);
        let objectives = p.text("objectives", &self.objectives, MAX_LONG, true);
        let duration_hours = integer(&mut p, "duration_hours", &self.duration_hours, 1, 200, true);
        let audience = audience(&mut p, "audience", &self.audience);
        let materials = p.text("materials", &self.materials, MAX_LONG, false);
        p.finish()?;
        Ok(Module {
            code,
            title,
            objectives,
            duration_hours: duration_hours.unwrap_or(1),
            audience,
            materials,
        })
    }
}

/// A trainer as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainerInput {
    pub full_name: String,
    pub organisation: String,
    pub function: String,
    /// "true" or "on" (a checkbox) when trained as a trainer (تكوين المكونين).
    pub trainer_of_trainers: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trainer {
    pub full_name: String,
    pub organisation: String,
    pub function: String,
    pub trainer_of_trainers: bool,
    pub phone: Option<String>,
}

fn flag(value: &str) -> bool {
    matches!(value.trim(), "true" | "on" | "1" | "yes")
}

impl TrainerInput {
    pub fn check(&self) -> Result<Trainer, Vec<FieldError>> {
        let mut p = Problems::default();
        let full_name = p.text("full_name", &self.full_name, MAX_SHORT, true);
        let organisation = p.text("organisation", &self.organisation, MAX_SHORT, true);
        let function = p.text("function", &self.function, MAX_SHORT, false);
        let phone = p.text("phone", &self.phone, 30, false);
        if !phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-.()".contains(c))
        {
            p.add("phone", Problem::NotAPhone);
        }
        p.finish()?;
        Ok(Trainer {
            full_name,
            organisation,
            function,
            trainer_of_trainers: flag(&self.trainer_of_trainers),
            phone: (!phone.is_empty()).then_some(phone),
        })
    }
}

/// A session as typed: a module given on dates, at a place, in a province (or a region,
/// for a regional session), by trainers, for at most `capacity` participants; a session
/// of the national plan names its number there.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionInput {
    pub module: String,
    pub plan_number: String,
    pub territory: String,
    pub place: String,
    pub starts_on: String,
    pub ends_on: String,
    pub capacity: String,
    /// The trainers' ids (the page sends one `trainer` pair each).
    pub trainers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub module: String,
    pub plan_number: Option<i64>,
    pub territory: String,
    pub place: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub capacity: i64,
    pub trainers: Vec<String>,
}

impl SessionInput {
    /// Checks the input; `territory_known` says whether a code is a province or a region.
    pub fn check(
        &self,
        territory_known: impl Fn(&str) -> bool,
        plan_sessions: usize,
    ) -> Result<Session, Vec<FieldError>> {
        let mut p = Problems::default();
        let module = self.module.trim().to_owned();
        if module.is_empty() {
            p.add("module", Problem::Required);
        }
        let max_plan = i64::try_from(plan_sessions).unwrap_or(0);
        let plan_number = integer(&mut p, "plan_number", &self.plan_number, 1, max_plan, false);
        let territory = self.territory.trim().to_owned();
        if territory.is_empty() {
            p.add("territory", Problem::Required);
        } else if !territory_known(&territory) {
            p.add("territory", Problem::UnknownTerritory);
        }
        let place = p.text("place", &self.place, MAX_SHORT, true);
        let starts_on = p.date("starts_on", &self.starts_on, true);
        let ends_on = p.date("ends_on", &self.ends_on, true);
        if let (Some(from), Some(to)) = (starts_on, ends_on) {
            if to < from {
                p.add("ends_on", Problem::EndsBeforeStart);
            } else if days_between(from, to) > MAX_DAYS {
                p.add(
                    "ends_on",
                    Problem::OutOfRange {
                        min: 1,
                        max: MAX_DAYS,
                    },
                );
            }
        }
        let capacity = integer(&mut p, "capacity", &self.capacity, 1, 500, true);
        let mut trainers: Vec<String> = self
            .trainers
            .iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect();
        trainers.sort();
        trainers.dedup();
        if trainers.len() > 20 {
            p.add("trainers", Problem::OutOfRange { min: 0, max: 20 });
        }
        p.finish()?;
        Ok(Session {
            module,
            plan_number,
            territory,
            place,
            starts_on: starts_on.unwrap_or_default(),
            ends_on: ends_on.unwrap_or_default(),
            capacity: capacity.unwrap_or(1),
            trainers,
        })
    }
}

/// The number of days a session lasts, both ends counted.
pub fn days_between(from: Date, to: Date) -> i64 {
    let mut n = 1;
    let mut d = from;
    while d < to && n <= MAX_DAYS + 1 {
        d = d.tomorrow().unwrap_or(to);
        n += 1;
    }
    n
}

/// The days of a session, first to last.
pub fn session_days(from: Date, to: Date) -> Vec<Date> {
    let mut days = vec![from];
    let mut d = from;
    while d < to && days.len() as i64 <= MAX_DAYS {
        match d.tomorrow() {
            Ok(next) => {
                d = next;
                days.push(d);
            }
            Err(_) => break,
        }
    }
    days
}

/// A participant as typed: a user of the system, a person of a directory organisation,
/// or anyone named with organisation and function.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ParticipantInput {
    /// A user id, when the person has an account.
    pub user: String,
    /// An organisation code of the directory, when the person works there.
    pub organisation: String,
    /// The organisation's name when it is not in the directory.
    pub organisation_name: String,
    pub full_name: String,
    pub function: String,
    /// A code of the `sectors` vocabulary.
    pub sector: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub user: Option<String>,
    pub organisation: Option<String>,
    pub organisation_name: String,
    pub full_name: String,
    pub function: String,
    pub sector: String,
}

impl ParticipantInput {
    pub fn check(
        &self,
        sector_known: impl Fn(&str) -> bool,
    ) -> Result<Participant, Vec<FieldError>> {
        let mut p = Problems::default();
        let user = self.user.trim();
        let organisation = self.organisation.trim();
        let full_name = p.text("full_name", &self.full_name, MAX_SHORT, user.is_empty());
        let organisation_name = p.text(
            "organisation_name",
            &self.organisation_name,
            MAX_SHORT,
            user.is_empty() && organisation.is_empty(),
        );
        let function = p.text("function", &self.function, MAX_SHORT, false);
        let sector = self.sector.trim().to_owned();
        if !sector.is_empty() && !sector_known(&sector) {
            p.add("sector", Problem::UnknownCode);
        }
        if user.len() > 100 || organisation.len() > 100 {
            p.add("organisation", Problem::UnknownCode);
        }
        p.finish()?;
        Ok(Participant {
            user: (!user.is_empty()).then(|| user.to_owned()),
            organisation: (!organisation.is_empty()).then(|| organisation.to_owned()),
            organisation_name,
            full_name,
            function,
            sector,
        })
    }
}

/// A participant's evaluation as typed: the two tests and the satisfaction, each may be
/// left empty until known.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ResultInput {
    pub pre_score: String,
    pub post_score: String,
    pub satisfaction: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Results {
    pub pre_score: Option<i64>,
    pub post_score: Option<i64>,
    pub satisfaction: Option<i64>,
}

impl ResultInput {
    pub fn check(&self, scale: &Evaluation) -> Result<Results, Vec<FieldError>> {
        let mut p = Problems::default();
        let pre_score = integer(
            &mut p,
            "pre_score",
            &self.pre_score,
            0,
            scale.score_max,
            false,
        );
        let post_score = integer(
            &mut p,
            "post_score",
            &self.post_score,
            0,
            scale.score_max,
            false,
        );
        let satisfaction = integer(
            &mut p,
            "satisfaction",
            &self.satisfaction,
            1,
            scale.satisfaction_max,
            false,
        );
        p.finish()?;
        Ok(Results {
            pre_score,
            post_score,
            satisfaction,
        })
    }
}

/// A participant is trained in a session's module when present every day of it (our
/// choice: the programme's attestations are "for having followed" the session).
pub fn is_trained(days_present: usize, session_days: usize) -> bool {
    session_days > 0 && days_present >= session_days
}

/// The share of `staff` trained, in percent, capped at 100 (a staff count typed lower
/// than the people actually trained); none without staff.
pub fn coverage_percent(trained: u64, staff: u64) -> Option<u64> {
    (staff > 0).then(|| (trained.saturating_mul(100) / staff).min(100))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn the_shipped_plan_has_thirteen_sessions_over_eleven_months() {
        let plan = NationalPlan::shipped().unwrap();
        assert_eq!(plan.sessions.len(), 13);
        assert!(plan.sessions.iter().all(|s| (1..=11).contains(&s.month)));
        assert!(plan.sessions.iter().all(|s| s.participants == 80));
        assert_eq!(plan.due(&plan.sessions[0]), plan.start());
        assert!(NationalPlan::parse("starts = 'x'").is_err());
    }

    #[test]
    fn a_session_is_checked_whole() {
        let input = SessionInput {
            module: "m1".into(),
            plan_number: "3".into(),
            territory: "sale".into(),
            place: " مركز المواكبة ".into(),
            starts_on: "2026-11-02".into(),
            ends_on: "2026-11-04".into(),
            capacity: "80".into(),
            trainers: vec!["b".into(), "a".into(), "b".into(), " ".into()],
        };
        let s = input.check(|t| t == "sale", 13).unwrap();
        assert_eq!(s.place, "مركز المواكبة");
        assert_eq!(s.trainers, vec!["a", "b"]);
        assert_eq!(session_days(s.starts_on, s.ends_on).len(), 3);
        let hostile = SessionInput {
            plan_number: "14".into(),
            territory: "<script>".into(),
            place: "a\u{202E}b".into(),
            starts_on: "2026-11-05".into(),
            ends_on: "2026-11-01".into(),
            capacity: "-3".into(),
            ..Default::default()
        };
        let errors = hostile.check(|_| false, 13).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "module",
            "plan_number",
            "territory",
            "place",
            "ends_on",
            "capacity",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        let long = SessionInput {
            ends_on: "2026-12-30".into(),
            ..input
        };
        assert_eq!(long.check(|_| true, 13).unwrap_err()[0].field, "ends_on");
    }

    #[test]
    fn trained_means_every_day_and_coverage_is_capped() {
        assert!(is_trained(3, 3));
        assert!(!is_trained(2, 3));
        assert!(!is_trained(0, 0));
        assert_eq!(coverage_percent(3, 12), Some(25));
        assert_eq!(coverage_percent(20, 12), Some(100));
        assert_eq!(coverage_percent(1, 0), None);
        assert_eq!(days_between(date("2026-02-27"), date("2026-03-02")), 4);
    }

    #[test]
    fn a_participant_needs_a_name_and_an_organisation_unless_a_user() {
        let anyone = ParticipantInput {
            full_name: "ذة. فاطمة الزهراء".into(),
            organisation_name: "جمعية أمل".into(),
            function: "مساعدة اجتماعية".into(),
            ..Default::default()
        };
        assert!(anyone.check(|_| true).is_ok());
        let user = ParticipantInput {
            user: "u1".into(),
            ..Default::default()
        };
        assert!(user.check(|_| true).is_ok());
        assert!(ParticipantInput::default().check(|_| true).is_err());
        let scale = NationalPlan::shipped().unwrap().evaluation;
        let bad = ResultInput {
            pre_score: "101".into(),
            post_score: "x".into(),
            satisfaction: "0".into(),
        };
        assert_eq!(bad.check(&scale).unwrap_err().len(), 3);
    }
}
