//! The charts from outside: parsed back as XML and checked as a page would need them, and
//! written as samples to look at.

// Helpers outside `#[test]` functions fail the test as the tests themselves do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod charts;
mod samples;
