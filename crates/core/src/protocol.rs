//! The unified protocol where it matters (issue 15 §4): the versions in force, the next
//! services it proposes for a case, and the organisations of the case's province that
//! offer a service, from the directory. Its statistics are in `protocol_stats`.

use crate::cases::read::OpenedCase;
use crate::referrals::ReferForm;
use crate::{Core, CoreError};
use awladna_domain::pathway::Stage;
use awladna_domain::protocol::{Protocols, proposed_stage};
use awladna_domain::referral::Status;
use awladna_store::identity::Organisation;
use std::collections::BTreeSet;

/// Every version of the protocol, checked against the reference set in use. Read
/// again at each call (a few hundred microseconds): the reference set is the operator's
/// choice (`--reference-dir`), and a cached copy checked against another would lie.
pub fn protocols(core: &Core) -> Result<Protocols, CoreError> {
    Protocols::shipped(&core.reference).map_err(|e| CoreError::Internal(e.to_string()))
}

/// A service the protocol names for the case's stage and concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextService {
    pub service: String,
    /// The sector responsible.
    pub sector: String,
    /// A linking card already asks for it at this stage (not declined).
    pub asked: bool,
}

/// What the case page proposes: the stage whose basket it is, and its services, those
/// nobody was asked for yet first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub version: u32,
    pub provisional: bool,
    pub stage: String,
    pub services: Vec<NextService>,
}

/// The next services for a case its reader has opened (the read is already permitted
/// and audited by `cases::read`); none for a closed case.
pub async fn next_services(
    core: &Core,
    opened: &OpenedCase,
) -> Result<Option<Proposal>, CoreError> {
    let case = &opened.case;
    let Some(stage) = case.stage.parse::<Stage>().ok().and_then(proposed_stage) else {
        return Ok(None);
    };
    let all = protocols(core)?;
    let protocol = all.current();
    let asked: BTreeSet<String> = core
        .store
        .referrals_of_case(&case.id)
        .await?
        .into_iter()
        .filter(|r| r.stage == stage.code() && r.status != Status::Declined.code())
        .filter_map(|r| r.service)
        .collect();
    let mut services: Vec<NextService> = protocol
        .basket(stage.code(), &opened.concerns)
        .into_iter()
        .map(|s| NextService {
            asked: asked.contains(&s.service),
            service: s.service.clone(),
            sector: s.sector.clone(),
        })
        .collect();
    // Stable: within each half, the protocol's order.
    services.sort_by_key(|s| s.asked);
    Ok(Some(Proposal {
        version: protocol.version,
        provisional: protocol.provisional,
        stage: stage.code().to_owned(),
        services,
    }))
}

/// The organisations a linking card may go to, those of the case's province that offer
/// the service (from the directory) first.
#[derive(Debug, Clone, Default)]
pub struct Receivers {
    pub proposed: Vec<Organisation>,
    pub others: Vec<Organisation>,
}

/// Splits the referral form's receivers by whether the directory says they offer
/// `service`. Only the case's own province is proposed: a national body or another
/// province's organisation is never put forward, whatever its directory says.
pub async fn receivers_for(
    core: &Core,
    form: &ReferForm,
    service: Option<&str>,
) -> Result<Receivers, CoreError> {
    let service = service.map(str::trim).filter(|s| !s.is_empty());
    let Some(service) = service else {
        return Ok(Receivers {
            proposed: Vec::new(),
            others: form.receivers.clone(),
        });
    };
    let territory = &form.case.territory;
    let offering: BTreeSet<String> = core
        .store
        .directory(territory)
        .await?
        .into_iter()
        .filter(|l| {
            l.entry
                .as_ref()
                .is_some_and(|e| e.services.iter().any(|s| s == service))
        })
        .map(|l| l.organisation.code)
        .collect();
    let (proposed, others) = form.receivers.iter().cloned().partition(|o| {
        o.territory.as_deref() == Some(territory.as_str()) && offering.contains(&o.code)
    });
    Ok(Receivers { proposed, others })
}
