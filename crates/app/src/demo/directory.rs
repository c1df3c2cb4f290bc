//! The demo's directory of services: each organisation of a province that has none yet
//! gets an entry whose services are those the unified protocol gives its sector (as
//! responsible or partner), so that the linking-card form proposes organisations on
//! demo data. Written through the directory's use case, as its page does.

use super::author::{permit, who};
use awladna_core::directory::save;
use awladna_core::protocol::protocols;
use awladna_core::{Core, act};
use awladna_domain::access::Role;
use awladna_domain::directory::EntryInput;
use std::collections::BTreeSet;

/// Fills the entries of the provinces that have organisations; answers how many.
pub async fn fill(core: &Core) -> anyhow::Result<usize> {
    let all = protocols(core).map_err(|e| anyhow::anyhow!("{e}"))?;
    let protocol = all.current();
    let provinces: BTreeSet<String> = core
        .store
        .organisations(None)
        .await?
        .into_iter()
        .filter_map(|o| o.territory)
        .collect();
    let mut written = 0;
    for province in provinces {
        let keeper = who(
            Some(&province),
            &format!("{province}-centre"),
            &[Role::Secretariat],
        );
        let keep = permit::<act::ManageDirectory>(&keeper)?;
        for listing in core.store.directory(&province).await? {
            if listing.entry.is_some() {
                continue;
            }
            let sector = listing.organisation.sector.as_str();
            let services: BTreeSet<String> = protocol
                .stages
                .iter()
                .flat_map(|b| &b.services)
                .filter(|s| s.sector == sector || s.partners.iter().any(|p| p == sector))
                .map(|s| s.service.clone())
                .collect();
            if services.is_empty() {
                continue;
            }
            let input = EntryInput {
                address: format!("{} — شارع الحسن الثاني", listing.organisation.name),
                opening_hours: "من الاثنين إلى الجمعة، 8:30 – 16:30".into(),
                services: services.into_iter().collect(),
                public: true,
                ..Default::default()
            };
            save(core, &keep, &listing, &input, None)
                .await
                .map_err(|e| anyhow::anyhow!("the demo's directory was refused: {e:?}"))?;
            written += 1;
        }
    }
    Ok(written)
}
