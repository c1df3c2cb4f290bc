//! The protection pathway (مسار الحماية): six stages and closure, and which moves
//! between them are allowed. Every protection measure rests on an assessment, so a
//! case cannot reach care, reintegration or follow-up without the initial diagnosis.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Detection,
    ImmediateAssistance,
    InitialDiagnosis,
    Care,
    Reintegration,
    FollowUp,
    Closed,
}

impl Stage {
    pub const ALL: [Stage; 7] = [
        Stage::Detection,
        Stage::ImmediateAssistance,
        Stage::InitialDiagnosis,
        Stage::Care,
        Stage::Reintegration,
        Stage::FollowUp,
        Stage::Closed,
    ];

    /// The code, as in the `stages` vocabulary.
    pub fn code(self) -> &'static str {
        match self {
            Stage::Detection => "detection",
            Stage::ImmediateAssistance => "immediate_assistance",
            Stage::InitialDiagnosis => "initial_diagnosis",
            Stage::Care => "care",
            Stage::Reintegration => "reintegration",
            Stage::FollowUp => "follow_up",
            Stage::Closed => "closed",
        }
    }

    fn rank(self) -> usize {
        Stage::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

impl FromStr for Stage {
    type Err = ();
    fn from_str(s: &str) -> Result<Stage, ()> {
        Stage::ALL
            .into_iter()
            .find(|stage| stage.code() == s)
            .ok_or(())
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a move is refused; each has a message in the interface (`message_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IllegalMove {
    SameStage,
    SkipsDiagnosis,
    TooFarBack,
    /// A move to an earlier stage that did not say it is a step back.
    BackNotExplicit,
    /// A step back asked for a stage that is not behind the case.
    NotBack,
}

impl IllegalMove {
    pub fn message_id(self) -> &'static str {
        match self {
            IllegalMove::SameStage => "move-same-stage",
            IllegalMove::SkipsDiagnosis => "move-skips-diagnosis",
            IllegalMove::TooFarBack => "move-too-far-back",
            IllegalMove::BackNotExplicit => "move-back-not-explicit",
            IllegalMove::NotBack => "move-not-back",
        }
    }
}

/// Checks a move: forward to any later stage (the diagnosis excepted), back one stage
/// (a relapse), to closure from anywhere, and from closure back into the pathway (a
/// reopened case).
pub fn check_move(from: Stage, to: Stage) -> Result<(), IllegalMove> {
    if from == to {
        return Err(IllegalMove::SameStage);
    }
    if from == Stage::Closed || to == Stage::Closed {
        return Ok(());
    }
    if to > from {
        let diagnosis = Stage::InitialDiagnosis;
        return if from < diagnosis && to > diagnosis {
            Err(IllegalMove::SkipsDiagnosis)
        } else {
            Ok(())
        };
    }
    if from.rank() - to.rank() == 1 {
        Ok(())
    } else {
        Err(IllegalMove::TooFarBack)
    }
}

/// Whether a move goes to an earlier stage of the pathway (closing and reopening
/// are not steps back).
pub fn is_back(from: Stage, to: Stage) -> bool {
    from != Stage::Closed && to != Stage::Closed && to < from
}

/// Checks a move and that it says what it is: a step back must be asked for as one
/// (`back`), so a reason typed and saved never sends a child back by default, and a
/// step back cannot go forward.
pub fn check_explicit_move(from: Stage, to: Stage, back: bool) -> Result<(), IllegalMove> {
    check_move(from, to)?;
    match (is_back(from, to), back) {
        (true, false) => Err(IllegalMove::BackNotExplicit),
        (false, true) => Err(IllegalMove::NotBack),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stage::*;

    #[test]
    fn the_usual_journey_is_allowed() {
        let journey = [
            Detection,
            ImmediateAssistance,
            InitialDiagnosis,
            Care,
            Reintegration,
            FollowUp,
            Closed,
            Care,
        ];
        for pair in journey.windows(2) {
            assert_eq!(
                check_move(pair[0], pair[1]),
                Ok(()),
                "{:?} → {:?}",
                pair[0],
                pair[1]
            );
        }
        assert_eq!(
            check_move(Detection, InitialDiagnosis),
            Ok(()),
            "no emergency needed"
        );
        assert_eq!(
            check_move(Detection, Closed),
            Ok(()),
            "a report that needs no follow-up"
        );
    }

    #[test]
    fn illegal_moves_are_named() {
        assert_eq!(check_move(Care, Care), Err(IllegalMove::SameStage));
        assert_eq!(
            check_move(Detection, Care),
            Err(IllegalMove::SkipsDiagnosis)
        );
        assert_eq!(
            check_move(ImmediateAssistance, FollowUp),
            Err(IllegalMove::SkipsDiagnosis)
        );
        assert_eq!(
            check_move(FollowUp, InitialDiagnosis),
            Err(IllegalMove::TooFarBack)
        );
        assert_eq!(check_move(Reintegration, Care), Ok(()));
    }

    #[test]
    fn codes_match_the_vocabulary() {
        let reference = crate::Reference::embedded().unwrap();
        let vocabulary = reference.vocabulary("stages").unwrap();
        let codes: Vec<&str> = vocabulary.terms.iter().map(|t| t.code.as_str()).collect();
        let ours: Vec<&str> = Stage::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes, ours);
        assert_eq!("care".parse::<Stage>(), Ok(Care));
    }

    #[test]
    fn a_step_back_must_say_so_and_only_a_step_back_may() {
        assert_eq!(
            check_explicit_move(Care, InitialDiagnosis, false),
            Err(IllegalMove::BackNotExplicit)
        );
        assert_eq!(check_explicit_move(Care, InitialDiagnosis, true), Ok(()));
        assert_eq!(
            check_explicit_move(Care, Reintegration, true),
            Err(IllegalMove::NotBack)
        );
        assert_eq!(check_explicit_move(Care, Reintegration, false), Ok(()));
        assert_eq!(check_explicit_move(Care, Closed, false), Ok(()), "closing");
        assert_eq!(
            check_explicit_move(Closed, Care, false),
            Ok(()),
            "reopening"
        );
        assert_eq!(
            check_explicit_move(FollowUp, InitialDiagnosis, true),
            Err(IllegalMove::TooFarBack),
            "the pathway's own rule comes first"
        );
    }
}
