//! The linking card (بطاقة الربط): a child referred from one service to another for a
//! stage and a service. Its statuses, who may take which step, what may be shared with
//! whom, and how long the receiving service has to answer.

use crate::files::FilePart;
use crate::forms::{Problem, clean_text};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// sent → received (opened) → accepted or declined → delivered → closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Sent,
    Received,
    Accepted,
    Declined,
    Delivered,
    Closed,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Sent,
        Status::Received,
        Status::Accepted,
        Status::Declined,
        Status::Delivered,
        Status::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Sent => "sent",
            Status::Received => "received",
            Status::Accepted => "accepted",
            Status::Declined => "declined",
            Status::Delivered => "delivered",
            Status::Closed => "closed",
        }
    }

    /// The receiving service reads what was shared until the referral is declined or
    /// closed; then its access ends.
    pub fn grants_access(self) -> bool {
        !matches!(self, Status::Declined | Status::Closed)
    }

    /// The receiving service works on the child's file: it accepted the referral and
    /// it is not closed yet (delivered included: an answer may follow the service).
    pub fn takes_contributions(self) -> bool {
        matches!(self, Status::Accepted | Status::Delivered)
    }

    /// Still waiting for the receiving service's answer: the response deadline runs.
    pub fn awaits_response(self) -> bool {
        matches!(self, Status::Sent | Status::Received)
    }
}

impl FromStr for Status {
    type Err = ();
    fn from_str(s: &str) -> Result<Status, ()> {
        Status::ALL.into_iter().find(|v| v.code() == s).ok_or(())
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What a user does to a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Opened by the receiving service (recorded the first time, never asked for).
    Receive,
    Accept,
    Decline,
    Deliver,
    Close,
}

impl Step {
    pub fn code(self) -> &'static str {
        match self {
            Step::Receive => "receive",
            Step::Accept => "accept",
            Step::Decline => "decline",
            Step::Deliver => "deliver",
            Step::Close => "close",
        }
    }
}

impl FromStr for Step {
    type Err = ();
    fn from_str(s: &str) -> Result<Step, ()> {
        [
            Step::Receive,
            Step::Accept,
            Step::Decline,
            Step::Deliver,
            Step::Close,
        ]
        .into_iter()
        .find(|v| v.code() == s)
        .ok_or(())
    }
}

/// Which end of the referral a user stands at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Sender,
    Receiver,
}

/// Why a step is refused; each has a message in the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IllegalStep {
    /// The step is the other side's to take.
    NotYourSide,
    /// The referral is past that point (or not there yet).
    WrongStatus,
}

impl IllegalStep {
    pub fn message_id(self) -> &'static str {
        match self {
            IllegalStep::NotYourSide => "referral-not-your-side",
            IllegalStep::WrongStatus => "referral-wrong-status",
        }
    }
}

/// The status a step leads to from `status`, taken by `side`. The receiving service
/// answers and delivers; either side may close (the sender withdraws or ends it, the
/// receiver once the service is delivered).
pub fn take_step(status: Status, step: Step, side: Side) -> Result<Status, IllegalStep> {
    use Status::*;
    let receiver_only = |to: Status, from: &[Status]| {
        if side != Side::Receiver {
            Err(IllegalStep::NotYourSide)
        } else if from.contains(&status) {
            Ok(to)
        } else {
            Err(IllegalStep::WrongStatus)
        }
    };
    match step {
        Step::Receive => receiver_only(Received, &[Sent]),
        Step::Accept => receiver_only(Accepted, &[Sent, Received]),
        Step::Decline => receiver_only(Declined, &[Sent, Received]),
        Step::Deliver => receiver_only(Delivered, &[Accepted]),
        Step::Close => match (side, status) {
            (_, Closed) => Err(IllegalStep::WrongStatus),
            (Side::Sender, _) => Ok(Closed),
            (Side::Receiver, Delivered | Declined) => Ok(Closed),
            (Side::Receiver, _) => Err(IllegalStep::WrongStatus),
        },
    }
}

/// Where a user stands to a referral: at one end of it, or watching over it as a
/// coordinator of the case's province (who reads it but answers nothing). The policy
/// (`access::referral_standing`) says which; this says what each standing may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    End(Side),
    /// The sender acting for a receiving service that has no users: its answers are
    /// recorded by hand from the printed card.
    ForUnstaffedReceiver,
    Overseer,
}

impl Standing {
    /// The side a step is taken on. The sender answers for an unstaffed receiver, but
    /// its closing stays the sender's own; an overseer answers nothing.
    pub fn side_for(self, step: Step) -> Result<Side, IllegalStep> {
        match self {
            Standing::End(side) => Ok(side),
            Standing::ForUnstaffedReceiver if step == Step::Close => Ok(Side::Sender),
            Standing::ForUnstaffedReceiver => Ok(Side::Receiver),
            Standing::Overseer => Err(IllegalStep::NotYourSide),
        }
    }

    /// The steps this reader may take now, in the order the page offers them.
    pub fn available_steps(self, status: Status) -> Vec<Step> {
        [Step::Accept, Step::Decline, Step::Deliver, Step::Close]
            .into_iter()
            .filter(|step| {
                self.side_for(*step)
                    .is_ok_and(|side| take_step(status, *step, side).is_ok())
            })
            .collect()
    }

    /// The receiving service's first opening is the "received" step.
    pub fn receives_on_opening(self, status: Status) -> bool {
        self == Standing::End(Side::Receiver) && status == Status::Sent
    }

    /// What was shared is for the two ends; the overseer reads the card only.
    pub fn reads_shared_parts(self) -> bool {
        self != Standing::Overseer
    }

    /// The receiving service reads what was shared, never the case: it is not shown
    /// the way to it.
    pub fn links_to_case(self) -> bool {
        self != Standing::End(Side::Receiver)
    }
}

/// Still unanswered past its deadline at `now_ms`.
pub fn is_overdue(status: Status, due_at_ms: i64, now_ms: i64) -> bool {
    status.awaits_response() && due_at_ms < now_ms
}

/// The longest reason, legal ground or note.
pub const MAX_TEXT: usize = 2000;

/// A reason, legal ground or note as typed: trimmed, required or not, bounded, and
/// without the characters that hide or reorder what a reader sees.
pub fn free_text(value: &str, required: bool) -> Result<String, Problem> {
    let text = clean_text(value, MAX_TEXT, true)?;
    if text.is_empty() && required {
        return Err(Problem::Required);
    }
    Ok(text)
}

/// The parts of a child's file a referral may share (need-to-know).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SharedPart {
    Identity,
    Report,
    Evaluation,
    SocialFile,
    MedicalFile,
    JudicialFile,
    Plan,
}

impl SharedPart {
    pub const ALL: [SharedPart; 7] = [
        SharedPart::Identity,
        SharedPart::Report,
        SharedPart::Evaluation,
        SharedPart::SocialFile,
        SharedPart::MedicalFile,
        SharedPart::JudicialFile,
        SharedPart::Plan,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SharedPart::Identity => "identity",
            SharedPart::Report => "report",
            SharedPart::Evaluation => "evaluation",
            SharedPart::SocialFile => "social_file",
            SharedPart::MedicalFile => "medical_file",
            SharedPart::JudicialFile => "judicial_file",
            SharedPart::Plan => "plan",
        }
    }

    pub fn file(self) -> Option<FilePart> {
        match self {
            SharedPart::SocialFile => Some(FilePart::Social),
            SharedPart::MedicalFile => Some(FilePart::Medical),
            SharedPart::JudicialFile => Some(FilePart::Judicial),
            _ => None,
        }
    }

    /// A file may be shared only with a sector that may read it: the medical file is
    /// never sent to a school, even by mistake.
    pub fn shareable_with(self, sector: &str) -> bool {
        self.file().is_none_or(|part| part.open_to_sector(sector))
    }
}

impl FromStr for SharedPart {
    type Err = ();
    fn from_str(s: &str) -> Result<SharedPart, ()> {
        SharedPart::ALL
            .into_iter()
            .find(|p| p.code() == s)
            .ok_or(())
    }
}

/// The ground a referral rests on: the consent of the child or of the guardian, or a
/// legal ground when consent is not required (a prosecutor's order, danger).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    Child,
    Guardian,
    LegalGround,
}

impl Consent {
    pub fn code(self) -> &'static str {
        match self {
            Consent::Child => "child",
            Consent::Guardian => "guardian",
            Consent::LegalGround => "legal_ground",
        }
    }
}

impl FromStr for Consent {
    type Err = ();
    fn from_str(s: &str) -> Result<Consent, ()> {
        [Consent::Child, Consent::Guardian, Consent::LegalGround]
            .into_iter()
            .find(|c| c.code() == s)
            .ok_or(())
    }
}

/// How long the receiving service has to answer, by urgency (codes of the `urgency`
/// vocabulary). Data (`referrals/deadlines.toml`), so that an operator changes them with
/// `--reference-dir` pointing at an edited copy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseDeadlines {
    pub immediate_hours: u32,
    pub high_hours: u32,
    pub medium_hours: u32,
    pub low_hours: u32,
}

impl ResponseDeadlines {
    pub fn parse(text: &str) -> Result<ResponseDeadlines, String> {
        let deadlines: ResponseDeadlines = toml::from_str(text).map_err(|e| e.to_string())?;
        let hours = [
            deadlines.immediate_hours,
            deadlines.high_hours,
            deadlines.medium_hours,
            deadlines.low_hours,
        ];
        if hours.contains(&0) || hours.windows(2).any(|w| w[0] > w[1]) {
            return Err(
                "each deadline is at least one hour, and a more urgent referral never has longer"
                    .into(),
            );
        }
        Ok(deadlines)
    }

    /// The time allowed for an urgency code, in milliseconds (`None`: unknown code).
    pub fn for_urgency_ms(&self, urgency: &str) -> Option<i64> {
        let hours = match urgency {
            "immediate" => self.immediate_hours,
            "high" => self.high_hours,
            "medium" => self.medium_hours,
            "low" => self.low_hours,
            _ => return None,
        };
        Some(i64::from(hours) * 3_600_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_receiver_answers_and_either_side_closes() {
        use Status::*;
        assert_eq!(take_step(Sent, Step::Receive, Side::Receiver), Ok(Received));
        assert_eq!(
            take_step(Received, Step::Accept, Side::Receiver),
            Ok(Accepted)
        );
        assert_eq!(take_step(Sent, Step::Decline, Side::Receiver), Ok(Declined));
        assert_eq!(
            take_step(Accepted, Step::Deliver, Side::Receiver),
            Ok(Delivered)
        );
        assert_eq!(
            take_step(Delivered, Step::Close, Side::Receiver),
            Ok(Closed)
        );
        assert_eq!(take_step(Sent, Step::Close, Side::Sender), Ok(Closed));
        assert_eq!(
            take_step(Received, Step::Accept, Side::Sender),
            Err(IllegalStep::NotYourSide)
        );
        assert_eq!(
            take_step(Declined, Step::Accept, Side::Receiver),
            Err(IllegalStep::WrongStatus)
        );
        assert_eq!(
            take_step(Received, Step::Deliver, Side::Receiver),
            Err(IllegalStep::WrongStatus)
        );
        assert_eq!(
            take_step(Accepted, Step::Close, Side::Receiver),
            Err(IllegalStep::WrongStatus)
        );
        assert_eq!(
            take_step(Closed, Step::Close, Side::Sender),
            Err(IllegalStep::WrongStatus)
        );
        assert!(Accepted.grants_access() && !Declined.grants_access() && !Closed.grants_access());
    }

    #[test]
    fn an_overseer_answers_nothing_and_the_sender_closes_for_an_unstaffed_receiver() {
        use Status::*;
        assert_eq!(
            Standing::Overseer.side_for(Step::Accept),
            Err(IllegalStep::NotYourSide)
        );
        assert!(Standing::Overseer.available_steps(Sent).is_empty());
        assert_eq!(
            Standing::ForUnstaffedReceiver.available_steps(Received),
            [Step::Accept, Step::Decline, Step::Close]
        );
        assert_eq!(
            Standing::End(Side::Sender).available_steps(Received),
            [Step::Close]
        );
        assert_eq!(
            Standing::End(Side::Receiver).available_steps(Accepted),
            [Step::Deliver]
        );
        assert!(Standing::End(Side::Receiver).receives_on_opening(Sent));
        assert!(!Standing::ForUnstaffedReceiver.receives_on_opening(Sent));
        assert!(!Standing::End(Side::Receiver).links_to_case());
        assert!(is_overdue(Received, 10, 11) && !is_overdue(Accepted, 10, 11));
        assert_eq!(free_text(" x ", true), Ok("x".to_owned()));
        assert_eq!(free_text(" ", true), Err(Problem::Required));
        assert_eq!(
            free_text("a\u{202E}b", false),
            Err(Problem::DirectionControls)
        );
    }

    #[test]
    fn files_are_shared_only_with_sectors_that_may_read_them() {
        assert!(SharedPart::MedicalFile.shareable_with("health"));
        assert!(!SharedPart::MedicalFile.shareable_with("education"));
        assert!(SharedPart::Identity.shareable_with("education"));
        assert!(SharedPart::SocialFile.shareable_with("education"));
        for part in SharedPart::ALL {
            assert_eq!(part.code().parse::<SharedPart>(), Ok(part));
        }
    }

    #[test]
    fn deadlines_are_data_and_checked() {
        let d = ResponseDeadlines::parse(
            "immediate_hours = 2\nhigh_hours = 24\nmedium_hours = 72\nlow_hours = 168\n",
        )
        .unwrap();
        assert_eq!(d.for_urgency_ms("immediate"), Some(2 * 3_600_000));
        assert_eq!(d.for_urgency_ms("soon"), None);
        assert!(
            ResponseDeadlines::parse(
                "immediate_hours = 48\nhigh_hours = 24\nmedium_hours = 72\nlow_hours = 168\n"
            )
            .is_err()
        );
        assert!(ResponseDeadlines::parse("immediate_hours = 2\n").is_err());
    }
}
