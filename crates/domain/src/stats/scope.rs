//! Where figures are computed for: a province (prefecture), a region or the nation,
//! with the territories whose cards count there and its children (the denominator of
//! rates).

use super::{NATION, Registry};
use crate::Reference;
use crate::territory::TerritoryKind;

#[derive(Debug, Clone)]
pub struct Scope {
    pub code: String,
    pub kind: ScopeKind,
    /// The territories whose cards count here (a province and, for Casablanca, its
    /// prefectures d'arrondissements).
    pub leaves: Vec<String>,
    /// The 2024 estimate of its children aged 0-17.
    pub children: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Province,
    Region,
    Nation,
}

impl Scope {
    pub fn of(reference: &Reference, registry: &Registry, code: &str) -> Option<Scope> {
        let denominators = &registry.children;
        let hcp_total = |leaves: &[String], provinces_only: bool| -> Option<u64> {
            let mut sum = 0;
            for leaf in leaves {
                let t = reference.territory(leaf)?;
                if provinces_only && t.kind == TerritoryKind::PrefectureArrondissements {
                    continue; // Casablanca's row already counts them.
                }
                sum += denominators.get(&t.hcp_code)?;
            }
            Some(sum)
        };
        if code == NATION {
            let leaves = leaves_under(reference, None);
            return Some(Scope {
                children: hcp_total(&leaves, true),
                code: NATION.to_owned(),
                kind: ScopeKind::Nation,
                leaves,
            });
        }
        let t = reference.territory(code)?;
        let (kind, leaves) = match t.kind {
            TerritoryKind::Region => (ScopeKind::Region, leaves_under(reference, Some(code))),
            _ => (ScopeKind::Province, with_descendants(reference, code)),
        };
        let children = match kind {
            ScopeKind::Province => denominators.get(&t.hcp_code).copied(),
            _ => hcp_total(&leaves, true),
        };
        Some(Scope {
            code: code.to_owned(),
            kind,
            leaves,
            children,
        })
    }

    /// The provinces among its leaves (Casablanca's prefectures d'arrondissements are
    /// Casablanca's).
    pub fn provinces(&self, reference: &Reference) -> Vec<String> {
        self.leaves
            .iter()
            .filter(|code| {
                reference
                    .territory(code)
                    .is_some_and(|t| t.kind != TerritoryKind::PrefectureArrondissements)
            })
            .cloned()
            .collect()
    }
}

fn with_descendants(reference: &Reference, code: &str) -> Vec<String> {
    let mut out = vec![code.to_owned()];
    out.extend(
        reference
            .territories()
            .iter()
            .filter(|t| t.parent_code.as_deref() == Some(code) && t.kind.hosts_mechanism())
            .map(|t| t.code.clone()),
    );
    out
}

/// Every territory hosting a mechanism, under `region` or in the whole country.
fn leaves_under(reference: &Reference, region: Option<&str>) -> Vec<String> {
    reference
        .territories()
        .iter()
        .filter(|t| t.kind.hosts_mechanism())
        .filter(|t| region.is_none_or(|r| region_of(reference, &t.code).as_deref() == Some(r)))
        .map(|t| t.code.clone())
        .collect()
}

/// The region a territory lies in.
pub fn region_of(reference: &Reference, code: &str) -> Option<String> {
    let mut at = reference.territory(code)?;
    for _ in 0..4 {
        if at.kind == TerritoryKind::Region {
            return Some(at.code.clone());
        }
        at = reference.territory(at.parent_code.as_deref()?)?;
    }
    None
}
