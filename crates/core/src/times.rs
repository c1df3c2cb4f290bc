//! Instants as exports carry them: RFC 3339 in UTC.

/// Milliseconds since the epoch as RFC 3339 (`2026-11-23T10:00:00Z`).
pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|ts| ts.to_string())
        .unwrap_or_default()
}
