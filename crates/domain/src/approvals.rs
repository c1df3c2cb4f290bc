//! Supervisor approval (issue 18): which steps of a case a province asks its
//! coordinator to approve, kept as data (`data/approvals/provinces.csv`, one line per
//! province: its territory code and the steps, space separated). A province that is
//! not listed approves nothing. The steps: the case plan, the closure, a transfer (a
//! closure whose reason is `transferred`).

use serde::Serialize;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStep {
    CasePlan,
    Closure,
    Transfer,
}

impl ApprovalStep {
    pub const ALL: [ApprovalStep; 3] = [
        ApprovalStep::CasePlan,
        ApprovalStep::Closure,
        ApprovalStep::Transfer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ApprovalStep::CasePlan => "case_plan",
            ApprovalStep::Closure => "closure",
            ApprovalStep::Transfer => "transfer",
        }
    }

    /// The step a closure is, by its reason: a transfer, or a closure.
    pub fn of_closure(closure_reason: Option<&str>) -> ApprovalStep {
        match closure_reason {
            Some("transferred") => ApprovalStep::Transfer,
            _ => ApprovalStep::Closure,
        }
    }
}

impl FromStr for ApprovalStep {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        ApprovalStep::ALL
            .into_iter()
            .find(|step| step.code() == s)
            .ok_or(())
    }
}

const SHIPPED: &str = include_str!("../data/approvals/provinces.csv");

/// The steps `territory` asks to approve, from the shipped file.
pub fn steps_of(territory: &str) -> Vec<ApprovalStep> {
    steps_in(SHIPPED, territory)
}

fn steps_in(text: &str, territory: &str) -> Vec<ApprovalStep> {
    text.lines()
        .skip(1)
        .filter_map(|line| line.split_once(','))
        .filter(|(code, _)| code.trim() == territory)
        .flat_map(|(_, steps)| steps.split_whitespace())
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// Whether `territory` asks its coordinator to approve `step`.
pub fn needs_approval(territory: &str, step: ApprovalStep) -> bool {
    steps_of(territory).contains(&step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_reads_and_names_only_known_steps() {
        let mut lines = SHIPPED.lines();
        assert_eq!(lines.next(), Some("territory,steps"));
        for line in lines {
            let (_, steps) = line.split_once(',').unwrap();
            for step in steps.split_whitespace() {
                assert!(step.parse::<ApprovalStep>().is_ok(), "{step}");
            }
        }
        assert_eq!(steps_of("rabat").len(), 3);
        assert!(
            steps_of("sale").is_empty(),
            "a province not listed approves nothing"
        );
        assert!(needs_approval(
            "rabat",
            ApprovalStep::of_closure(Some("transferred"))
        ));
    }

    #[test]
    fn a_province_chooses_its_steps() {
        let text = "territory,steps\nsale,closure\nfes,case_plan bogus\n";
        assert_eq!(steps_in(text, "sale"), [ApprovalStep::Closure]);
        assert_eq!(steps_in(text, "fes"), [ApprovalStep::CasePlan]);
        assert!(steps_in(text, "rabat").is_empty());
    }
}
