//! What the protocol proposes where the work is done: on the case page, the next
//! services for the child's concerns and stage (each a link to the linking-card form
//! for it); on that form, the organisations of the province that offer the service,
//! from the directory, before the others.

use crate::error::AppError;
use crate::i18n::Tr;
use crate::state::AppState;
use awladna_core::cases::read::OpenedCase;
use awladna_core::protocol::{next_services, protocols, receivers_for};
use awladna_core::referrals::ReferForm;
use awladna_domain::pathway::Stage;
use awladna_domain::protocol::proposed_stage;
use awladna_store::identity::Organisation;

pub struct NextServiceView {
    pub label: String,
    pub sector: String,
    /// A linking card already asks for it at this stage.
    pub asked: bool,
    /// The linking-card form for it, when the reader may send one.
    pub refer: Option<String>,
}

/// The case page's part (`case_protocol_part.html`).
pub struct CasePart {
    pub version: u32,
    pub provisional: bool,
    pub stage: String,
    pub stage_code: String,
    pub services: Vec<NextServiceView>,
    /// How many are not asked for yet.
    pub waiting: usize,
}

pub async fn case_part(
    state: &AppState,
    t: Tr,
    opened: &OpenedCase,
    can_refer: bool,
) -> Result<Option<CasePart>, AppError> {
    let Some(p) = next_services(state, opened).await? else {
        return Ok(None);
    };
    let services: Vec<NextServiceView> = p
        .services
        .iter()
        .map(|s| NextServiceView {
            label: state.label(t, "services", &s.service),
            sector: state.label(t, "sectors", &s.sector),
            asked: s.asked,
            refer: can_refer.then(|| {
                format!(
                    "/cases/{}/refer?stage={}&service={}",
                    opened.case.id, p.stage, s.service
                )
            }),
        })
        .collect();
    Ok(Some(CasePart {
        version: p.version,
        provisional: p.provisional,
        stage: state.label(t, "stages", &p.stage),
        stage_code: p.stage.clone(),
        waiting: services.iter().filter(|s| !s.asked).count(),
        services,
    }))
}

/// An organisation as the form's list shows it: code, name, sector.
pub type OrgOption = (String, String, String);

/// The linking-card form's part (`refer_protocol_part.html`).
pub struct ReferPart {
    /// The stage whose basket is shown, and its services: (code, label, chosen).
    pub stage: String,
    pub stage_label: String,
    pub basket: Vec<(String, String, bool)>,
    /// The chosen service's label, when one is chosen.
    pub service: Option<String>,
    /// The organisations of the province that offer it, then the others.
    pub proposed: Vec<OrgOption>,
    pub others: Vec<OrgOption>,
    pub version: u32,
    pub provisional: bool,
}

fn option(state: &AppState, t: Tr, o: Organisation) -> OrgOption {
    let sector = state.label(t, "sectors", &o.sector);
    // An option holds text only: the name is isolated by characters (FSI … PDI, as
    // Fluent isolates what it places), not by an element.
    (o.code, format!("\u{2068}{}\u{2069}", o.name), sector)
}

/// The form's proposals for `stage` (the case's own when none is chosen) and `service`.
pub async fn refer_part(
    state: &AppState,
    t: Tr,
    form: &ReferForm,
    stage: &str,
    service: Option<&str>,
) -> Result<ReferPart, AppError> {
    let all = protocols(state)?;
    let protocol = all.current();
    let stage = match stage.trim() {
        "" => form
            .case
            .stage
            .parse::<Stage>()
            .ok()
            .and_then(proposed_stage)
            .map(|s| s.code().to_owned())
            .unwrap_or_default(),
        chosen => chosen.to_owned(),
    };
    let service = service.map(str::trim).filter(|s| !s.is_empty());
    let concerns = state.store.case_concerns(&form.case.id).await?;
    let basket = protocol
        .basket(&stage, &concerns)
        .into_iter()
        .map(|s| {
            (
                s.service.clone(),
                state.label(t, "services", &s.service),
                Some(s.service.as_str()) == service,
            )
        })
        .collect();
    let receivers = receivers_for(state, form, service).await?;
    Ok(ReferPart {
        stage_label: state.label(t, "stages", &stage),
        stage,
        basket,
        service: service.map(|s| state.label(t, "services", s)),
        proposed: receivers
            .proposed
            .into_iter()
            .map(|o| option(state, t, o))
            .collect(),
        others: receivers
            .others
            .into_iter()
            .map(|o| option(state, t, o))
            .collect(),
        version: protocol.version,
        provisional: protocol.provisional,
    })
}
