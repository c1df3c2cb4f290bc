//! The committee's panel on the home page: the meetings its people are convened to, and
//! for the secretariat, the chair and the technical cell, the overdue decisions. The home
//! page includes `committee_panel.html` with this as `committee`.

use super::MeetingLine;
use crate::i18n::Tr;
use crate::state::AppState;
use awladna_domain::access::Actor;

pub struct Panel {
    pub upcoming: Vec<MeetingLine>,
    pub overdue: Option<usize>,
}

/// The panel for `actor`, if they are one of the committee's people.
pub async fn panel(state: &AppState, t: Tr, actor: &Actor) -> Result<Option<Panel>, String> {
    let found = awladna_core::committee::home_panel(state, actor)
        .await
        .map_err(|e| e.detail())?;
    Ok(found.map(|p| Panel {
        upcoming: p.upcoming.iter().map(|m| MeetingLine::of(t, m)).collect(),
        overdue: p.overdue,
    }))
}
