//! The unified protocol on the web (issue 15 §4, issue 19 §1): its pages by version,
//! what it proposes on the case page and on the linking-card form, and its statistics.

pub mod pages;
pub mod proposals;
pub mod stats;
