//! The provincial child-protection committee's own work (اللجنة الإقليمية لحماية الطفولة):
//! its people, its meetings (agenda, attendance, minutes) and the decisions it follows up.
//! Pure rules: what each word may be, what a change is allowed from where, when a decision
//! is overdue and when a meeting has its quorum. Nothing here names a child: the committee
//! discusses aggregated situations only.

use crate::forms::{FieldError, Problem, clean_text};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The longest name, organisation, title or place.
pub const MAX_SHORT: usize = 200;
/// The longest minutes of an item, expected result or note.
pub const MAX_LONG: usize = 4000;

/// A closed list of codes, each with its Fluent message `<prefix>-<code>`.
macro_rules! codes {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, { $($variant:ident => $code:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }

            /// The Fluent message that names it.
            pub fn message_id(self) -> String {
                format!("{}-{}", $prefix, self.code())
            }
        }

        impl FromStr for $name {
            type Err = Problem;
            fn from_str(s: &str) -> Result<$name, Problem> {
                $name::ALL.iter().copied().find(|v| v.code() == s.trim()).ok_or(Problem::UnknownCode)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

codes!(
    /// Which body a person sits on: the committee itself or the provincial expert team
    /// (فريق خبرة إقليمي), whose members are invited for an opinion.
    Body, "committee-body", { Committee => "committee", Experts => "experts" }
);

codes!(
    /// A committee member's place: the chair (the governor or the governor's delegate) or
    /// a member for a sector.
    Seat, "committee-seat", { Chair => "chair", Member => "member", Expert => "expert" }
);

codes!(
    /// العادي، الاستثنائي، الموضوعاتي.
    MeetingKind, "meeting-kind", { Ordinary => "ordinary", Extraordinary => "extraordinary", Thematic => "thematic" }
);

codes!(
    /// Where a meeting stands: drafted by the secretariat, convened (the members see it),
    /// its minutes approved by the chair (frozen).
    MeetingStatus, "meeting-status", { Draft => "draft", Convened => "convened", Approved => "approved" }
);

codes!(
    /// For information, for deliberation, or the follow-up of earlier decisions.
    ItemKind, "agenda-kind", { Information => "information", Deliberation => "deliberation", FollowUp => "follow_up" }
);

codes!(
    /// A member at a meeting: present, represented by the substitute, excused, absent.
    Attendance, "attendance", { Present => "present", Substitute => "substitute", Excused => "excused", Absent => "absent" }
);

codes!(
    /// Where a decision stands.
    DecisionStatus, "decision-status", { ToStart => "to_start", InProgress => "in_progress", Done => "done", Dropped => "dropped" }
);

impl Attendance {
    /// Whether the seat counts towards the quorum: its holder or the substitute sat.
    pub fn counts(self) -> bool {
        matches!(self, Attendance::Present | Attendance::Substitute)
    }
}

impl DecisionStatus {
    pub fn is_open(self) -> bool {
        matches!(self, DecisionStatus::ToStart | DecisionStatus::InProgress)
    }
}

impl MeetingStatus {
    /// Approved minutes are frozen, like an approved report: agenda, attendance,
    /// minutes and decisions of the meeting no longer change.
    pub fn is_frozen(self) -> bool {
        self == MeetingStatus::Approved
    }
}

/// A decision is overdue when it is still open after its deadline day.
pub fn is_overdue(status: DecisionStatus, deadline: Date, today: Date) -> bool {
    status.is_open() && deadline < today
}

/// Whether a meeting has its quorum: `quorum` seats held (present or represented) out of
/// the committee's seats. A quorum of 0 means the province has not set one: any meeting
/// with someone present holds.
pub fn has_quorum(attending: usize, quorum: u32) -> bool {
    attending > 0 && attending >= quorum as usize
}

/// The default quorum when a province sets none: more than half of the seats (our choice,
/// the usual rule of Moroccan provincial committees' internal regulations).
pub fn default_quorum(seats: usize) -> u32 {
    u32::try_from(seats / 2 + 1).unwrap_or(u32::MAX)
}

/// Collects the problems of a form's fields, to answer them all at once.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn text(&mut self, field: &str, value: &str, max: usize, required: bool) -> String {
        let multiline = max > MAX_SHORT;
        match clean_text(value, max, multiline) {
            Ok(text) if text.is_empty() && required => {
                self.add(field, Problem::Required);
                text
            }
            Ok(text) => text,
            Err(problem) => {
                self.add(field, problem);
                String::new()
            }
        }
    }

    pub fn code<T: FromStr<Err = Problem>>(&mut self, field: &str, value: &str) -> Option<T> {
        match value.parse() {
            Ok(v) => Some(v),
            Err(p) => {
                self.add(field, p);
                None
            }
        }
    }

    pub fn date(&mut self, field: &str, value: &str, required: bool) -> Option<Date> {
        let value = value.trim();
        if value.is_empty() {
            if required {
                self.add(field, Problem::Required);
            }
            return None;
        }
        match value.parse::<Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                self.add(field, Problem::NotADate);
                None
            }
        }
    }

    pub fn add(&mut self, field: &str, problem: Problem) {
        self.0.push(FieldError {
            field: field.to_owned(),
            problem,
        });
    }

    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

/// A person of the committee or the expert team, as the secretariat types it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MemberInput {
    pub body: String,
    pub seat: String,
    pub full_name: String,
    pub title: String,
    pub sector: String,
    pub organisation: String,
    /// For an expert: the field (doctor, judge, lawyer, researcher…), typed.
    pub field: String,
    pub email: String,
    pub phone: String,
    pub substitute: String,
    pub mandate_from: String,
    pub mandate_to: String,
}

/// A member checked: every text clean, the codes known, the mandate in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub body: Body,
    pub seat: Seat,
    pub full_name: String,
    pub title: String,
    pub sector: String,
    pub organisation: String,
    pub field: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub substitute: String,
    pub mandate_from: Option<Date>,
    pub mandate_to: Option<Date>,
}

impl MemberInput {
    /// Checks the input; `sector_known` says whether a sector code is in the vocabulary.
    pub fn check(&self, sector_known: impl Fn(&str) -> bool) -> Result<Member, Vec<FieldError>> {
        let mut p = Problems::default();
        let body = p.code::<Body>("body", &self.body);
        let seat = p.code::<Seat>("seat", &self.seat);
        let full_name = p.text("full_name", &self.full_name, MAX_SHORT, true);
        let title = p.text("title", &self.title, MAX_SHORT, false);
        let sector = self.sector.trim().to_owned();
        if sector.is_empty() {
            p.add("sector", Problem::Required);
        } else if !sector_known(&sector) {
            p.add("sector", Problem::UnknownCode);
        }
        let organisation = p.text("organisation", &self.organisation, MAX_SHORT, true);
        let field = p.text("field", &self.field, MAX_SHORT, false);
        let email = p.text("email", &self.email, MAX_SHORT, false);
        if !email.is_empty() && !looks_like_email(&email) {
            p.add("email", Problem::NotAnEmail);
        }
        let phone = p.text("phone", &self.phone, 30, false);
        if !phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-.()".contains(c))
        {
            p.add("phone", Problem::NotAPhone);
        }
        let substitute = p.text("substitute", &self.substitute, MAX_SHORT, false);
        let mandate_from = p.date("mandate_from", &self.mandate_from, false);
        let mandate_to = p.date("mandate_to", &self.mandate_to, false);
        if let (Some(from), Some(to)) = (mandate_from, mandate_to)
            && to < from
        {
            p.add("mandate_to", Problem::EndsBeforeStart);
        }
        // The chair sits on the committee; an expert on the expert team.
        match (body, seat) {
            (Some(Body::Experts), Some(s)) if s != Seat::Expert => {
                p.add("seat", Problem::UnknownCode)
            }
            (Some(Body::Committee), Some(Seat::Expert)) => p.add("seat", Problem::UnknownCode),
            _ => {}
        }
        p.finish()?;
        Ok(Member {
            body: body.unwrap_or(Body::Committee),
            seat: seat.unwrap_or(Seat::Member),
            full_name,
            title,
            sector,
            organisation,
            field,
            email: (!email.is_empty()).then_some(email),
            phone: (!phone.is_empty()).then_some(phone),
            substitute,
            mandate_from,
            mandate_to,
        })
    }
}

fn looks_like_email(s: &str) -> bool {
    let mut parts = s.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(a), Some(b), None)
        if !a.is_empty() && b.contains('.') && !b.starts_with('.') && !b.ends_with('.') && !s.contains(' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn an_open_decision_is_overdue_the_day_after_its_deadline() {
        let deadline = date("2026-11-20");
        assert!(!is_overdue(
            DecisionStatus::ToStart,
            deadline,
            date("2026-11-20")
        ));
        assert!(is_overdue(
            DecisionStatus::InProgress,
            deadline,
            date("2026-11-21")
        ));
        assert!(!is_overdue(
            DecisionStatus::Done,
            deadline,
            date("2026-12-01")
        ));
        assert!(!is_overdue(
            DecisionStatus::Dropped,
            deadline,
            date("2026-12-01")
        ));
    }

    #[test]
    fn the_quorum_counts_members_present_or_represented() {
        assert!(Attendance::Substitute.counts());
        assert!(!Attendance::Excused.counts());
        assert!(has_quorum(8, 8));
        assert!(!has_quorum(7, 8));
        assert!(!has_quorum(0, 0));
        assert_eq!(default_quorum(15), 8);
    }

    #[test]
    fn codes_read_back_and_unknown_ones_are_refused() {
        for kind in MeetingKind::ALL {
            assert_eq!(kind.code().parse::<MeetingKind>(), Ok(*kind));
        }
        assert_eq!("<script>".parse::<ItemKind>(), Err(Problem::UnknownCode));
        assert_eq!(
            DecisionStatus::Dropped.message_id(),
            "decision-status-dropped"
        );
    }

    #[test]
    fn a_member_is_checked_whole() {
        let input = MemberInput {
            body: "committee".into(),
            seat: "member".into(),
            full_name: "  د. سعاد العلوي ".into(),
            sector: "health".into(),
            organisation: "المندوبية الإقليمية للصحة".into(),
            mandate_from: "2026-01-01".into(),
            mandate_to: "2028-12-31".into(),
            ..Default::default()
        };
        let member = input.check(|s| s == "health").unwrap();
        assert_eq!(member.full_name, "د. سعاد العلوي");
        let hostile = MemberInput {
            body: "board".into(),
            seat: "expert".into(),
            full_name: "abc\u{202E}gnp.exe".into(),
            sector: "mars".into(),
            email: "not an email".into(),
            phone: "<b>".into(),
            mandate_from: "2026-13-01".into(),
            ..Default::default()
        };
        let errors = hostile.check(|_| false).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "body",
            "full_name",
            "sector",
            "organisation",
            "email",
            "phone",
            "mandate_from",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        let reversed = MemberInput {
            mandate_from: "2027-01-01".into(),
            mandate_to: "2026-01-01".into(),
            ..input
        };
        assert_eq!(reversed.check(|_| true).unwrap_err()[0].field, "mandate_to");
    }
}
