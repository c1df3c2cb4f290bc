//! When a case plan is due for review (issue 19 §4): every few months (data, three by
//! default), counted from the last review card, or from the plan's first action when it
//! has never been reviewed. A review is due at the end of that day in Morocco, like a
//! typed due date.

use crate::local_dates::end_of_local_day_ms;
use jiff::Timestamp;
use jiff::ToSpan;
use serde::Deserialize;
use std::sync::OnceLock;

/// The form of the review card recorded on the case.
pub const FORM: &str = "plan_review";

const SHIPPED: &str = include_str!("../data/plan/review.toml");

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRule {
    pub every_months: i32,
}

impl ReviewRule {
    pub fn parse(text: &str) -> Result<ReviewRule, String> {
        let rule: ReviewRule = toml::from_str(text).map_err(|e| e.to_string())?;
        if !(1..=12).contains(&rule.every_months) {
            return Err(format!(
                "every_months is {}: a plan is reviewed every 1 to 12 months",
                rule.every_months
            ));
        }
        Ok(rule)
    }

    /// The shipped rule (built into the binary; a test reads it, so the fallback to the
    /// guidelines' three months is never taken).
    pub fn shipped() -> ReviewRule {
        static RULE: OnceLock<ReviewRule> = OnceLock::new();
        *RULE.get_or_init(|| ReviewRule::parse(SHIPPED).unwrap_or(ReviewRule { every_months: 3 }))
    }

    /// When the next review is due (ms): the end of the day `every_months` after the last
    /// review, or after the plan began.
    pub fn due_at(&self, plan_since_ms: i64, last_review_ms: Option<i64>) -> Option<i64> {
        let from = last_review_ms.unwrap_or(plan_since_ms).max(plan_since_ms);
        let day = Timestamp::from_millisecond(from)
            .ok()?
            .to_zoned(crate::forms::local_zone())
            .date();
        let due = day.checked_add(self.every_months.months()).ok()?;
        end_of_local_day_ms(due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn noon(y: i16, m: i8, d: i8) -> i64 {
        date(y, m, d)
            .at(12, 0, 0, 0)
            .to_zoned(crate::forms::local_zone())
            .expect("zoned")
            .timestamp()
            .as_millisecond()
    }

    #[test]
    fn the_shipped_rule_reads_and_is_three_months() {
        assert_eq!(ReviewRule::parse(SHIPPED).map(|r| r.every_months), Ok(3));
    }

    #[test]
    fn a_review_is_due_three_months_after_the_plan_then_after_each_review() {
        let rule = ReviewRule { every_months: 3 };
        let began = noon(2026, 1, 15);
        assert_eq!(
            rule.due_at(began, None),
            end_of_local_day_ms(date(2026, 4, 15))
        );
        let reviewed = noon(2026, 3, 31);
        // The end of a month stays the end of the shorter month.
        assert_eq!(
            rule.due_at(began, Some(reviewed)),
            end_of_local_day_ms(date(2026, 6, 30))
        );
    }

    #[test]
    fn a_review_recorded_before_the_plan_does_not_count() {
        let rule = ReviewRule { every_months: 3 };
        let began = noon(2026, 5, 1);
        assert_eq!(
            rule.due_at(began, Some(noon(2026, 2, 1))),
            end_of_local_day_ms(date(2026, 8, 1))
        );
    }

    #[test]
    fn a_rule_out_of_bounds_or_misspelt_is_refused_with_its_reason() {
        let zero = ReviewRule::parse("every_months = 0").unwrap_err();
        assert!(zero.contains("every 1 to 12 months"), "{zero}");
        assert!(ReviewRule::parse("every_month = 3").is_err());
    }
}
