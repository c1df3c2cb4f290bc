//! Times as the API and the pages show them: RFC 3339 in UTC for machines, Moroccan
//! local time to the minute for people.

use awladna_domain::forms::local_zone;
use jiff::Timestamp;

/// Milliseconds since the epoch as RFC 3339 (`2026-11-23T10:00:00Z`).
pub fn rfc3339(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|ts| ts.to_string())
        .unwrap_or_default()
}

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
