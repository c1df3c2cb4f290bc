//! A confirmation page for a step that is hard to take back (giving a case to someone,
//! approving a report): the form is posted again with `confirmed=1`, or cancelled.
//! No script: the same page works on any phone.

use crate::extract::Shell;
use askama::Template;
use askama_web::WebTemplate;

/// Whether a form carries the confirmation (its `confirmed` field).
pub fn given(confirmed: Option<&str>) -> bool {
    confirmed == Some("1")
}

#[derive(Template, WebTemplate)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub shell: Shell,
    pub title: String,
    pub question: String,
    /// What the step is about, as label and value.
    pub facts: Vec<(String, String)>,
    /// Where the confirmed form posts, and the fields it posts again.
    pub action: String,
    pub fields: Vec<(String, String)>,
    pub confirm: String,
    pub cancel: String,
}
