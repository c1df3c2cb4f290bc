//! Draft reporting cards: how long one may lie untouched before the coordinator is told
//! it was abandoned. Data (`reports/drafts.toml`), so that an operator changes it with
//! `--reference-dir` pointing at an edited copy.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftRules {
    pub abandoned_after_days: u32,
}

impl DraftRules {
    pub fn parse(text: &str) -> Result<DraftRules, String> {
        let rules: DraftRules = toml::from_str(text).map_err(|e| e.to_string())?;
        if !(1..=365).contains(&rules.abandoned_after_days) {
            return Err("abandoned_after_days is between 1 and 365".into());
        }
        Ok(rules)
    }

    /// The last edit time (UTC milliseconds) before which a draft counts as abandoned
    /// at `now_ms`.
    pub fn abandoned_before_ms(&self, now_ms: i64) -> i64 {
        now_ms - i64::from(self.abandoned_after_days) * 86_400_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_is_read_and_bounded() {
        let rules = DraftRules::parse("abandoned_after_days = 7").unwrap();
        assert_eq!(rules.abandoned_before_ms(8 * 86_400_000), 86_400_000);
        assert!(DraftRules::parse("abandoned_after_days = 0").is_err());
        assert!(DraftRules::parse("abandoned_after_days = 7\nother = 1").is_err());
        assert!(DraftRules::parse("abandoned_after_days = \"a week\"").is_err());
    }
}
