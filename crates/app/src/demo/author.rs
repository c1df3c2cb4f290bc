//! Who the demo's mechanism work is written by, and the days it names: the committee,
//! planning and training demos write through the use cases as this author.

use awladna_core::{Act, Permit, Who};
use awladna_domain::access::{Actor, Role};
use awladna_domain::forms::local_zone;
use jiff::{Span, Timestamp};
use std::collections::BTreeSet;

/// The demo's author with `roles`, in `organisation` of `territory` (none: national).
pub fn who(territory: Option<&str>, organisation: &str, roles: &[Role]) -> Who {
    Who {
        actor: Actor {
            user_id: super::DEMO_AUTHOR.to_owned(),
            organisation: organisation.to_owned(),
            sector: "family_solidarity".to_owned(),
            territory: territory.map(str::to_owned),
            roles: roles.iter().copied().collect::<BTreeSet<_>>(),
            token_scope: None,
        },
        audit_name: super::DEMO_AUTHOR.to_owned(),
        origin: None,
        machine: false,
    }
}

pub fn permit<A: Act>(who: &Who) -> anyhow::Result<Permit<A>> {
    Permit::check(who.clone()).map_err(|e| anyhow::anyhow!("{e}"))
}

/// The local day `days` from now, as a date field takes it.
pub fn day(now: Timestamp, days: i64) -> anyhow::Result<String> {
    Ok(now
        .to_zoned(local_zone())
        .date()
        .checked_add(Span::new().days(days))?
        .to_string())
}
