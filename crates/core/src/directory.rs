//! The directory of services: a province's organisations with their entries, kept by
//! the province's coordinator, secretariat or administrator (one entry saved, a file
//! imported, the directory exported), and read by anyone in its public view.
//!
//! Who sees what: anyone sees the entries marked public, without private contact
//! points; signed-in people of the province (and national users) see every entry and
//! every contact point (`access::reads_private_contacts`).

use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::access::{Actor, decide_administration, reads_private_contacts};
use awladna_domain::directory::import::{self, Column, ImportProblem, LineError};
use awladna_domain::directory::{EntryInput, SERVICES, sort_services};
use awladna_domain::territory::Territory;
use awladna_domain::vocabulary::Vocabulary;
use awladna_store::directory::{Expect, Listing};
use serde_json::json;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum DirectoryError {
    #[error(transparent)]
    Core(#[from] CoreError),
    /// Someone saved the entry since the editor read it: the version now stored.
    #[error("the entry changed since it was read")]
    Changed(Option<i64>),
    /// The imported file's problems, each on its line; nothing was kept.
    #[error("the file has {} problem(s)", .0.len())]
    Lines(Vec<LineError>),
    /// The public directory asked for without a province, by someone who has none.
    #[error("a province is needed")]
    TerritoryRequired,
}

crate::wraps_core_error!(DirectoryError);

/// The services vocabulary: the reference set is checked at start to hold it.
pub fn services(core: &Core) -> Result<&Vocabulary, CoreError> {
    core.reference
        .vocabulary(SERVICES)
        .ok_or_else(|| CoreError::internal("no services vocabulary"))
}

/// The province a keeper works on: their own, or the one a national user asked for
/// (none yet when a national user has not chosen).
pub fn province(
    core: &Core,
    permit: &Permit<act::ManageDirectory>,
    asked: &str,
) -> Result<Option<String>, CoreError> {
    let asked = asked.trim();
    let territory = match (&permit.actor().territory, asked) {
        (Some(own), "") => own.clone(),
        (None, "") => return Ok(None),
        (_, asked) => asked.to_owned(),
    };
    match core.reference.territory(&territory) {
        Some(p) if p.kind.hosts_mechanism() => {}
        _ => return Err(CoreError::NotFound),
    }
    keeps(permit, Some(&territory))?;
    Ok(Some(territory))
}

/// The province a keeper works on, which must be given (an import, an export).
pub fn chosen_province(
    core: &Core,
    permit: &Permit<act::ManageDirectory>,
    asked: &str,
) -> Result<String, CoreError> {
    province(core, permit, asked)?.ok_or(CoreError::NotFound)
}

fn keeps(permit: &Permit<act::ManageDirectory>, territory: Option<&str>) -> Result<(), CoreError> {
    crate::error::allowed(decide_administration(
        permit.actor(),
        awladna_domain::access::Action::ManageDirectory,
        territory,
    ))
}

/// Every organisation of the keeper's province with its entry (none before a national
/// keeper chooses a province).
pub async fn listings(core: &Core, territory: Option<&str>) -> Result<Vec<Listing>, CoreError> {
    Ok(match territory {
        Some(code) => core.store.directory(code).await?,
        None => Vec::new(),
    })
}

/// An organisation whose entry the keeper may edit. A national body has no province:
/// it is in no province's directory.
pub async fn kept_listing(
    core: &Core,
    permit: &Permit<act::ManageDirectory>,
    code: &str,
) -> Result<Listing, CoreError> {
    let listing = core
        .store
        .directory_listing(code)
        .await?
        .ok_or(CoreError::NotFound)?;
    let Some(territory) = listing.organisation.territory.as_deref() else {
        return Err(CoreError::NotFound);
    };
    keeps(permit, Some(territory))?;
    Ok(listing)
}

/// Saves the entry of a kept organisation, as the editor saw it at `seen` (none: no
/// entry yet). Answers `Changed` with the version now stored when someone saved since.
pub async fn save(
    core: &Core,
    permit: &Permit<act::ManageDirectory>,
    listing: &Listing,
    input: &EntryInput,
    seen: Option<i64>,
) -> Result<(), DirectoryError> {
    let code = listing.organisation.code.as_str();
    let territory = listing
        .organisation
        .territory
        .as_deref()
        .ok_or(CoreError::NotFound)?;
    keeps(permit, Some(territory))?;
    let entry = input.check(services(core)?).map_err(CoreError::Invalid)?;
    let expect = match seen {
        Some(version) => Expect::Version(version),
        None => Expect::Absent,
    };
    let who = permit.who();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    if !tx
        .put_directory_entry(code, &entry, expect, &who.audit_name, now)
        .await?
    {
        drop(tx);
        let stored = core.store.directory_listing(code).await?;
        return Err(DirectoryError::Changed(stored.and_then(|l| l.version)));
    }
    tx.audit(who.audit(
        now,
        "directory.updated",
        ("organisation", code),
        territory,
        json!({"contacts": entry.contacts.len(), "public": entry.public}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Imports a province's directory from a table's rows (line number, cells): all or
/// nothing. Answers how many entries were written.
pub async fn import(
    core: &Core,
    permit: &Permit<act::ManageDirectory>,
    territory: &str,
    rows: &[(usize, Vec<String>)],
) -> Result<usize, DirectoryError> {
    keeps(permit, Some(territory))?;
    let imported = import::read_table(rows, services(core)?).map_err(DirectoryError::Lines)?;
    // Only the province's own organisations: another province's code is "unknown"
    // here, as it would be anywhere else in this province's pages.
    let known = core.store.organisations(Some(territory)).await?;
    let unknown: Vec<LineError> = imported
        .iter()
        .filter(|i| !known.iter().any(|o| o.code == i.code))
        .map(|i| {
            LineError::new(
                i.line,
                Some(Column::Code),
                ImportProblem::UnknownOrganisation,
            )
        })
        .collect();
    if !unknown.is_empty() {
        return Err(DirectoryError::Lines(unknown));
    }
    if imported.is_empty() {
        // Only codes: nothing to change, so nothing to save or audit.
        return Ok(0);
    }
    let who = permit.who();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    for item in &imported {
        tx.put_directory_entry(&item.code, &item.entry, Expect::Any, &who.audit_name, now)
            .await?;
        tx.audit(who.audit(
            now,
            "directory.imported",
            ("organisation", &item.code),
            territory,
            json!({"contacts": item.entry.contacts.len(), "public": item.entry.public}),
        ))
        .await?;
    }
    tx.commit().await?;
    Ok(imported.len())
}

/// The province's directory as a table, one line per contact point: the file to fill
/// and import back, private contacts included (only keepers export). Audited.
pub async fn export(
    core: &Core,
    permit: &Permit<act::ManageDirectory>,
    territory: &str,
) -> Result<Vec<Vec<String>>, CoreError> {
    keeps(permit, Some(territory))?;
    let listings = core.store.directory(territory).await?;
    let services = core.reference.vocabulary(SERVICES);
    let mut rows = vec![import::header()];
    for listing in &listings {
        let o = &listing.organisation;
        let input = listing
            .entry
            .as_ref()
            .map(EntryInput::from_entry)
            .unwrap_or_default();
        let mut codes = input.services.clone();
        if let Some(v) = services {
            sort_services(&mut codes, v);
        }
        let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
        let own = vec![
            o.code.clone(),
            o.name.clone(),
            o.sector.clone(),
            input.address.clone(),
            input.opening_hours.clone(),
            input.latitude.clone(),
            input.longitude.clone(),
            codes.join("; "),
            yes_no(input.public),
        ];
        if input.contacts.is_empty() {
            let mut row = own.clone();
            row.extend(std::iter::repeat_n(String::new(), 5));
            rows.push(row);
        }
        for c in &input.contacts {
            let mut row = own.clone();
            row.extend([
                c.name.clone(),
                c.role.clone(),
                c.phone.clone(),
                c.email.clone(),
                yes_no(c.private),
            ]);
            rows.push(row);
        }
    }
    core.audit_alone(permit.who().audit(
        core.now_ms(),
        "directory.exported",
        ("territory", territory),
        territory,
        json!({"organisations": listings.len()}),
    ))
    .await?;
    Ok(rows)
}

/// Who reads the public directory: anyone, signed in or not.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reader<'a> {
    pub actor: Option<&'a Actor>,
    /// Signed in with a password, the second factor still to give.
    pub second_factor_pending: bool,
}

/// A province's directory as a reader sees it.
pub struct Published<'a> {
    pub province: &'a Territory,
    /// The reader sees private entries and contact points.
    pub professional: bool,
    /// The organisations described, as far as the reader may see them.
    pub listings: Vec<Listing>,
}

/// A province's directory for a reader: the province asked for, or the reader's own;
/// public entries for anyone, every entry for the province's people.
pub async fn published<'a>(
    core: &'a Core,
    reader: Reader<'_>,
    asked: Option<&str>,
) -> Result<Published<'a>, DirectoryError> {
    let territory = asked
        .filter(|c| !c.trim().is_empty())
        .map(str::to_owned)
        .or_else(|| reader.actor.and_then(|a| a.territory.clone()))
        .ok_or(DirectoryError::TerritoryRequired)?;
    let province = core
        .reference
        .territory(&territory)
        .filter(|p| p.kind.hosts_mechanism())
        .ok_or(CoreError::NotFound)?;
    let professional =
        reads_private_contacts(reader.actor, reader.second_factor_pending, &territory);
    let mut listings = core.store.directory(&territory).await?;
    listings.retain(|l| l.entry.as_ref().is_some_and(|e| e.public || professional));
    Ok(Published {
        province,
        professional,
        listings,
    })
}

/// The public view of a province's directory, whoever asks (the help page: a
/// professional signed in on a shared phone must not turn it into an internal page).
pub async fn public_listings(core: &Core, territory: &str) -> Result<Vec<Listing>, CoreError> {
    let mut listings = core.store.directory(territory).await?;
    listings.retain(|l| l.entry.as_ref().is_some_and(|e| e.public));
    Ok(listings)
}
