//! The exports from outside. The XLSX files are read back with Python's openpyxl (Debian's
//! `python3-openpyxl`; CI installs it and sets `AWLADNA_REQUIRE_OPENPYXL=1`, elsewhere the
//! reading checks are skipped with a note when it is missing).

// Helpers outside `#[test]` functions fail the test as the tests themselves do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod csv;
mod dhis2;
mod xlsx;
