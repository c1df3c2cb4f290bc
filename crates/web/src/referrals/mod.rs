//! The linking cards (بطاقة الربط) on the web: the JSON API, the pages (inbox and
//! outbox, the card with its answers, the referral form of a case, the printed card),
//! the event stream that pushes each step to both services' open pages, and the mail
//! that tells a service a card waits for it. The use cases are
//! `awladna_core::referrals`'; who stands where is the policy's.

pub mod api;
pub mod contributions;
pub mod events;
pub mod mail;
pub mod pages;
pub mod pdf;
mod view;

pub use view::{ReferralLine, case_referrals, overdue_referrals};

use crate::error::AppError;
use crate::state::AppState;
use awladna_core::referrals::{Event, Notifier, ReferralError};
use awladna_domain::referral::IllegalStep;
use awladna_store::referrals::Mailbox;
use axum::http::StatusCode;

impl From<ReferralError> for AppError {
    fn from(e: ReferralError) -> Self {
        match e {
            ReferralError::Core(e) => e.into(),
            ReferralError::CaseClosed => {
                AppError::refused(StatusCode::CONFLICT, "closed", "case-closed")
            }
            ReferralError::Illegal(illegal) => AppError::refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                match illegal {
                    IllegalStep::NotYourSide => "not_your_side",
                    IllegalStep::WrongStatus => "wrong_status",
                },
                illegal.message_id(),
            ),
            ReferralError::Stale => {
                AppError::refused(StatusCode::CONFLICT, "stale", "referral-stale")
            }
        }
    }
}

/// The list a `box` parameter names (the inbox by default).
fn mailbox(code: Option<&str>) -> Option<Mailbox> {
    match code.unwrap_or("inbox") {
        "inbox" => Some(Mailbox::Inbox),
        "outbox" => Some(Mailbox::Outbox),
        _ => None,
    }
}

/// After a commit: this process's open pages hear the event (the other processes hear
/// it from the database), and a new card's receiving service is mailed, in the
/// background, if mail is configured.
impl Notifier for AppState {
    fn committed(&self, event: Event) {
        self.events.committed(event);
    }

    fn waiting(&self, to_org: &str, referral_id: &str) {
        if let Some(mailer) = &self.settings.mailer {
            mailer.new_referral(self.core.clone(), to_org, referral_id);
        }
    }
}
