//! How long a child's identity and narratives are kept (Law 09-08: no longer than the
//! purpose needs), as data (`retention/rules.toml`), and the date each kind of record
//! may be erased. Pure: the dates are passed in.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// The kinds of record the rule erases, each with its own keeping time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecordKind {
    /// The child's sealed identity and the blind-index tokens of their names.
    ChildIdentity,
    /// The personal values of every card about the child.
    Cards,
    /// The goal and action texts of the case plans.
    PlanActions,
    /// The documents' names and contents.
    Documents,
    /// The linking cards' sealed parts and their steps' notes.
    Referrals,
    /// The reasons of stage moves.
    StageMoves,
}

impl RecordKind {
    pub const ALL: [RecordKind; 6] = [
        RecordKind::ChildIdentity,
        RecordKind::Cards,
        RecordKind::PlanActions,
        RecordKind::Documents,
        RecordKind::Referrals,
        RecordKind::StageMoves,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RecordKind::ChildIdentity => "child_identity",
            RecordKind::Cards => "cards",
            RecordKind::PlanActions => "plan_actions",
            RecordKind::Documents => "documents",
            RecordKind::Referrals => "referrals",
            RecordKind::StageMoves => "stage_moves",
        }
    }

    pub fn from_code(code: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How long one kind is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeepRule {
    pub years_after_closure: i16,
    pub years_after_majority: i16,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    majority_age: i16,
    kinds: BTreeMap<String, KeepRule>,
}

/// The keeping rules of every record kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retention {
    majority_age: i16,
    rules: BTreeMap<RecordKind, KeepRule>,
}

/// What is known of the child's birth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Birth {
    Date(Date),
    Year(i16),
    Unknown,
}

/// The facts the rule reads about one child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildFacts {
    pub birth: Birth,
    /// The day the child's first case was opened.
    pub first_opened: Date,
    /// The day the child's last case was closed; `None` while any case is open.
    pub last_closed: Option<Date>,
}

/// Years no rule may go below or beyond: a typo (`0`, `1000`) must not erase or keep
/// everything.
const YEARS: std::ops::RangeInclusive<i16> = 1..=100;

impl Retention {
    pub fn parse(text: &str) -> Result<Retention, String> {
        let file: RulesFile = toml::from_str(text).map_err(|e| e.to_string())?;
        if !(1..=30).contains(&file.majority_age) {
            return Err(format!(
                "majority_age = {} is not an age between 1 and 30",
                file.majority_age
            ));
        }
        let mut rules = BTreeMap::new();
        for (code, rule) in file.kinds {
            let kind = RecordKind::from_code(&code).ok_or_else(|| {
                format!(
                    "[kinds.{code}] is not a record kind; the kinds are {}",
                    RecordKind::ALL.map(RecordKind::code).join(", ")
                )
            })?;
            for (name, years) in [
                ("years_after_closure", rule.years_after_closure),
                ("years_after_majority", rule.years_after_majority),
            ] {
                if !YEARS.contains(&years) {
                    return Err(format!(
                        "[kinds.{code}] {name} = {years} is not between 1 and 100 years"
                    ));
                }
            }
            rules.insert(kind, rule);
        }
        if let Some(missing) = RecordKind::ALL.iter().find(|k| !rules.contains_key(k)) {
            return Err(format!("[kinds.{missing}] is missing"));
        }
        Ok(Retention {
            majority_age: file.majority_age,
            rules,
        })
    }

    pub fn rule(&self, kind: RecordKind) -> KeepRule {
        // Every kind is present: `parse` refuses a file without one.
        self.rules.get(&kind).copied().unwrap_or(KeepRule {
            years_after_closure: 100,
            years_after_majority: 100,
        })
    }

    /// The shortest time any kind is kept after closure: a child closed more recently
    /// than this has nothing to erase, whatever their age.
    pub fn shortest_years_after_closure(&self) -> i16 {
        self.rules
            .values()
            .map(|r| r.years_after_closure)
            .min()
            .unwrap_or(100)
    }

    /// The last day `kind` is kept for this child; `None` while a case is open.
    pub fn keep_until(&self, kind: RecordKind, child: &ChildFacts) -> Option<Date> {
        let closed = child.last_closed?;
        let rule = self.rule(kind);
        let after_closure = add_years(closed, rule.years_after_closure);
        let majority = add_years(latest_birth(child), self.majority_age);
        let after_majority = add_years(majority, rule.years_after_majority);
        Some(after_closure.max(after_majority))
    }

    /// Whether `kind` may be erased on `today` (the day after the last day kept).
    pub fn due(&self, kind: RecordKind, child: &ChildFacts, today: Date) -> bool {
        self.keep_until(kind, child)
            .is_some_and(|last| today > last)
    }
}

/// The latest day the child can have been born: what is not known is taken at its
/// latest, so that the file is never erased early.
fn latest_birth(child: &ChildFacts) -> Date {
    match child.birth {
        Birth::Date(date) => date,
        Birth::Year(year) => Date::new(year, 12, 31).unwrap_or(child.first_opened),
        // They were a child (at least born) when their first case was opened.
        Birth::Unknown => child.first_opened,
    }
}

/// `years` after `date`; 29 February moves to 1 March in a year without it (the later of
/// the two candidate days, so that nothing is erased a day early).
fn add_years(date: Date, years: i16) -> Date {
    let target_year = date.year().saturating_add(years);
    match Date::new(target_year, date.month(), date.day()) {
        Ok(same) => same,
        Err(_) => Date::new(target_year, 3, 1)
            .or_else(|_| date.checked_add(i64::from(years).years()))
            .unwrap_or(Date::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn rules() -> Retention {
        Retention::parse(include_str!("../data/retention/rules.toml")).expect("the shipped rules")
    }

    fn child(birth: Birth, opened: Date, closed: Option<Date>) -> ChildFacts {
        ChildFacts {
            birth,
            first_opened: opened,
            last_closed: closed,
        }
    }

    #[test]
    fn ten_years_after_closure_when_the_child_is_long_an_adult() {
        let c = child(
            Birth::Date(date(1990, 5, 4)),
            date(2005, 1, 1),
            Some(date(2026, 3, 15)),
        );
        let r = rules();
        assert_eq!(
            r.keep_until(RecordKind::ChildIdentity, &c),
            Some(date(2036, 3, 15))
        );
        assert!(!r.due(RecordKind::ChildIdentity, &c, date(2036, 3, 15)));
        assert!(r.due(RecordKind::ChildIdentity, &c, date(2036, 3, 16)));
    }

    #[test]
    fn five_years_after_majority_when_that_is_later() {
        // Closed at 3: ten years after closure the child is 13; 18 + 5 = 23 is later.
        let c = child(
            Birth::Date(date(2020, 7, 1)),
            date(2022, 1, 1),
            Some(date(2023, 6, 30)),
        );
        let r = rules();
        assert_eq!(r.keep_until(RecordKind::Cards, &c), Some(date(2043, 7, 1)));
        assert!(!r.due(RecordKind::Cards, &c, date(2043, 7, 1)));
        assert!(r.due(RecordKind::Cards, &c, date(2043, 7, 2)));
    }

    #[test]
    fn both_rules_on_the_same_day() {
        // Born 2000-01-01, closed 2013-01-01: 2023-01-01 both ways.
        let c = child(
            Birth::Date(date(2000, 1, 1)),
            date(2010, 1, 1),
            Some(date(2013, 1, 1)),
        );
        assert_eq!(
            rules().keep_until(RecordKind::Documents, &c),
            Some(date(2023, 1, 1))
        );
    }

    #[test]
    fn an_open_case_keeps_everything() {
        let c = child(Birth::Date(date(1980, 1, 1)), date(1995, 1, 1), None);
        let r = rules();
        for kind in RecordKind::ALL {
            assert_eq!(r.keep_until(kind, &c), None);
            assert!(!r.due(kind, &c, date(2100, 1, 1)));
        }
    }

    #[test]
    fn born_on_29_february_counts_from_1_march() {
        // 2008-02-29 + 18 = 2026 has no 29 February: majority on 2026-03-01, kept to
        // 2031-03-01 (not 28 February).
        let c = child(
            Birth::Date(date(2008, 2, 29)),
            date(2010, 1, 1),
            Some(date(2011, 1, 1)),
        );
        let r = rules();
        assert_eq!(
            r.keep_until(RecordKind::ChildIdentity, &c),
            Some(date(2031, 3, 1))
        );
        assert!(!r.due(RecordKind::ChildIdentity, &c, date(2031, 3, 1)));
        // Closed on 29 February: ten years later is 1 March too.
        let c = child(
            Birth::Date(date(1990, 1, 1)),
            date(2010, 1, 1),
            Some(date(2024, 2, 29)),
        );
        assert_eq!(
            r.keep_until(RecordKind::ChildIdentity, &c),
            Some(date(2034, 3, 1))
        );
    }

    #[test]
    fn a_birth_year_alone_is_read_as_its_last_day() {
        let c = child(Birth::Year(2015), date(2020, 1, 1), Some(date(2021, 1, 1)));
        // 2015-12-31 + 18 + 5 = 2038-12-31, later than 2031-01-01.
        assert_eq!(
            rules().keep_until(RecordKind::ChildIdentity, &c),
            Some(date(2038, 12, 31))
        );
    }

    #[test]
    fn no_birth_at_all_counts_from_the_first_opening() {
        // A newborn at the first opening is the youngest the child can be: 2012 + 23.
        let c = child(Birth::Unknown, date(2012, 4, 10), Some(date(2014, 1, 1)));
        let r = rules();
        assert_eq!(
            r.keep_until(RecordKind::ChildIdentity, &c),
            Some(date(2035, 4, 10))
        );
        assert!(!r.due(RecordKind::ChildIdentity, &c, date(2035, 4, 10)));
        assert!(r.due(RecordKind::ChildIdentity, &c, date(2035, 4, 11)));
    }

    #[test]
    fn each_kind_has_its_own_years() {
        let text = include_str!("../data/retention/rules.toml").replacen(
            "[kinds.documents]\nyears_after_closure = 10",
            "[kinds.documents]\nyears_after_closure = 2",
            1,
        );
        let r = Retention::parse(&text).expect("edited rules");
        let c = child(
            Birth::Date(date(1990, 1, 1)),
            date(2005, 1, 1),
            Some(date(2020, 1, 1)),
        );
        assert!(r.due(RecordKind::Documents, &c, date(2022, 1, 2)));
        assert!(!r.due(RecordKind::ChildIdentity, &c, date(2022, 1, 2)));
        assert_eq!(r.shortest_years_after_closure(), 2);
    }

    #[test]
    fn a_bad_file_says_what_to_fix() {
        let shipped = include_str!("../data/retention/rules.toml");
        let missing = shipped.replace("[kinds.stage_moves]", "[kinds.stage_movez]");
        assert!(
            Retention::parse(&missing)
                .unwrap_err()
                .contains("stage_movez")
        );
        let zero = shipped.replacen("years_after_closure = 10", "years_after_closure = 0", 1);
        assert!(
            Retention::parse(&zero)
                .unwrap_err()
                .contains("years_after_closure = 0")
        );
        let absent = shipped.replace(
            "[kinds.cards]\nyears_after_closure = 10\nyears_after_majority = 5\n",
            "",
        );
        assert!(
            Retention::parse(&absent)
                .unwrap_err()
                .contains("[kinds.cards] is missing")
        );
        assert!(Retention::parse("majority_age = 0\n[kinds]\n").is_err());
    }
}
