//! The pages and JSON anyone may open, signed in or not: the home page (with what needs
//! attention today for a signed-in person), the language switch, the reference data and
//! the forms (pages and API), the public help page.

pub mod api;
pub mod forms;
pub mod help;
pub mod home;
pub mod statistics;
