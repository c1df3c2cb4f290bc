//! The directory of services in the interface: a province's organisations with their
//! entries and map (`/directory`), one entry's edit page, import from CSV or XLSX and
//! export to CSV, kept by the province's coordinator, secretariat or administrator; and
//! the public JSON answer `GET /api/v1/directory?territory=CODE`. The use cases are
//! `awladna_core::directory`'s; the public help page shows the public view only.

pub mod api;
pub mod edit;
pub mod pages;

pub use pages::IMPORT_BODY_LIMIT;

use crate::error::AppError;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::stats::map::{self, Map, Place};
use awladna_core::directory::DirectoryError;
use awladna_domain::directory::{SERVICES, phone_display, services_by_stage};
use awladna_store::directory::Listing;
use axum::http::StatusCode;

impl From<DirectoryError> for AppError {
    fn from(e: DirectoryError) -> Self {
        match e {
            DirectoryError::Core(e) => e.into(),
            DirectoryError::TerritoryRequired => AppError::refused(
                StatusCode::BAD_REQUEST,
                "territory_required",
                "directory-api-territory-required",
            ),
            // The pages show these with the form or the file; never through here.
            DirectoryError::Changed(_) => {
                AppError::refused(StatusCode::CONFLICT, "stale", "directory-conflict")
            }
            DirectoryError::Lines(_) => AppError::Invalid(Vec::new()),
        }
    }
}

pub struct ContactView {
    pub(crate) name: String,
    pub(crate) role: String,
    /// As Moroccans write it…
    pub(crate) phone: Option<String>,
    /// …and the `tel:` target.
    pub(crate) tel: String,
    pub(crate) email: Option<String>,
    pub(crate) private: bool,
}

pub struct StageView {
    pub(crate) stage: String,
    pub(crate) services: Vec<String>,
}

pub struct OrgView {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) sector: String,
    pub(crate) sector_code: String,
    pub(crate) described: bool,
    pub(crate) public: bool,
    pub(crate) address: String,
    pub(crate) hours: String,
    pub(crate) stages: Vec<StageView>,
    pub(crate) contacts: Vec<ContactView>,
    /// A `geo:` link: the phone's own map application shows the way, offline if it can.
    pub(crate) geo: Option<String>,
    /// Its number on the map, when it has a position.
    pub(crate) number: Option<usize>,
    /// Where its name links to (the edit page, or its card on the help page).
    pub(crate) href: String,
}

/// Turns listings into what pages show; `professional` readers see private contacts.
/// Organisations with a position are numbered in order, as the map numbers them.
pub(crate) fn org_views(
    state: &AppState,
    t: Tr,
    listings: &[Listing],
    professional: bool,
    href: impl Fn(&str) -> String,
) -> Vec<OrgView> {
    let sectors = state.reference.vocabulary("sectors");
    let services = state.reference.vocabulary(SERVICES);
    let stages = state.reference.vocabulary("stages");
    let mut number = 0;
    listings
        .iter()
        .map(|listing| {
            let o = &listing.organisation;
            let sector = sectors
                .and_then(|v| v.label(&o.sector, t.lang))
                .unwrap_or(&o.sector)
                .to_owned();
            let mut view = OrgView {
                code: o.code.clone(),
                name: o.name.clone(),
                sector,
                sector_code: o.sector.clone(),
                described: listing.entry.is_some(),
                public: false,
                address: String::new(),
                hours: String::new(),
                stages: Vec::new(),
                contacts: Vec::new(),
                geo: None,
                number: None,
                href: href(&o.code),
            };
            let Some(entry) = &listing.entry else {
                return view;
            };
            view.public = entry.public;
            view.address = entry.address.clone();
            view.hours = entry.opening_hours.clone();
            if let Some(services) = services {
                view.stages = services_by_stage(&entry.services, services)
                    .into_values()
                    .map(|(stage, codes)| StageView {
                        stage: stages
                            .and_then(|v| v.label(&stage, t.lang))
                            .unwrap_or(&stage)
                            .to_owned(),
                        services: codes
                            .iter()
                            .map(|c| services.label(c, t.lang).unwrap_or(c).to_owned())
                            .collect(),
                    })
                    .collect();
            }
            view.contacts = entry
                .contacts_for(professional)
                .map(|c| ContactView {
                    name: c.name.clone(),
                    role: c.role.clone(),
                    phone: c.phone.as_deref().map(phone_display),
                    tel: c
                        .phone
                        .as_ref()
                        .map(|p| format!("tel:{p}"))
                        .unwrap_or_default(),
                    email: c.email.clone(),
                    private: c.private,
                })
                .collect();
            if let Some(position) = entry.position {
                number += 1;
                view.number = Some(number);
                view.geo = Some(format!(
                    "geo:{},{}",
                    position.lat_text(),
                    position.lon_text()
                ));
            }
            view
        })
        .collect()
}

/// The map of the organisations shown, numbered as `org_views` numbered them.
pub(crate) fn map_of(listings: &[Listing], views: &[OrgView]) -> Option<Map> {
    let places: Vec<Place> = listings
        .iter()
        .zip(views)
        .filter_map(|(listing, view)| {
            let position = listing.entry.as_ref()?.position?;
            Some(Place {
                name: view.name.clone(),
                href: view.href.clone(),
                position,
            })
        })
        .collect();
    map::layout(&places)
}
