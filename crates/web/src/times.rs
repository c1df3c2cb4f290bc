//! Times as the API and the pages show them: RFC 3339 in UTC for machines, Moroccan
//! local time to the minute for people.

use awladna_domain::forms::local_zone;
use jiff::Timestamp;

pub use awladna_core::times::rfc3339;

/// An instant in Moroccan local time, to the minute (`2026-11-23 11:00`).
pub fn local(ts: Timestamp) -> String {
    ts.to_zoned(local_zone())
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

/// Milliseconds since the epoch in Moroccan local time, to the minute.
pub fn local_time(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(local)
        .unwrap_or_default()
}

/// A deadline as people read it: the date that was typed for a plan's own actions (met
/// until the end of that Moroccan day), the time for a deadline set to the hour (an
/// evaluation's response).
pub fn deadline(due_at: i64, typed_as_a_date: bool) -> String {
    match awladna_domain::local_dates::local_day_ending_at(due_at) {
        Some(day) if typed_as_a_date => day.to_string(),
        _ => local_time(due_at),
    }
}
