//! The place a record names, found in territories.csv and communes.csv by name (French
//! or Arabic, spelling normalised) or through the mapping file's aliases. A name found
//! twice is ambiguous and refused, like a name found nowhere.

use super::normalise;
use crate::reference::Reference;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Default)]
pub(crate) struct Places {
    /// Normalised name → the provinces (and prefectures) so named.
    provinces: HashMap<String, Vec<String>>,
    /// Normalised name → (province, commune HCP code) of each commune so named.
    communes: HashMap<String, Vec<(String, String)>>,
}

/// What a place lookup found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Found<T> {
    One(T),
    None,
    Several,
}

fn push<T: PartialEq>(index: &mut HashMap<String, Vec<T>>, name: &str, value: T) {
    let entry = index.entry(normalise(name)).or_default();
    if !entry.contains(&value) {
        entry.push(value);
    }
}

impl Places {
    pub(crate) fn build(
        reference: &Reference,
        province_alias: &BTreeMap<String, String>,
        commune_alias: &BTreeMap<String, String>,
    ) -> Result<Places, String> {
        let mut places = Places::default();
        for t in reference
            .territories()
            .iter()
            .filter(|t| t.kind.hosts_mechanism())
        {
            for name in [&t.code, &t.name_fr, &t.name_ar] {
                push(&mut places.provinces, name, t.code.clone());
            }
        }
        for c in reference.communes() {
            for name in [&c.name_fr, &c.name_ar] {
                push(
                    &mut places.communes,
                    name,
                    (c.territory_code.clone(), c.hcp_code.clone()),
                );
            }
        }
        for (alias, code) in province_alias {
            match reference.territory(code) {
                Some(t) if t.kind.hosts_mechanism() => {
                    // An alias says what a name means: it replaces what the files give.
                    places
                        .provinces
                        .insert(normalise(alias), vec![t.code.clone()]);
                }
                _ => {
                    return Err(format!(
                        "[province_alias] \"{alias}\" names \"{code}\", which is not a province or prefecture of territories.csv"
                    ));
                }
            }
        }
        for (alias, hcp) in commune_alias {
            let commune = reference.commune(hcp).ok_or_else(|| {
                format!("[commune_alias] \"{alias}\" names \"{hcp}\", which is not in communes.csv")
            })?;
            places.communes.insert(
                normalise(alias),
                vec![(commune.territory_code.clone(), commune.hcp_code.clone())],
            );
        }
        Ok(places)
    }

    pub(crate) fn province(&self, name: &str) -> Found<&str> {
        match self.provinces.get(&normalise(name)).map(Vec::as_slice) {
            Some([one]) => Found::One(one.as_str()),
            Some([]) | None => Found::None,
            Some(_) => Found::Several,
        }
    }

    /// The commune so named, within `province` when it is known.
    pub(crate) fn commune(&self, name: &str, province: Option<&str>) -> Found<(&str, &str)> {
        let Some(all) = self.communes.get(&normalise(name)) else {
            return Found::None;
        };
        let mut matching = all
            .iter()
            .filter(|(p, _)| province.is_none_or(|wanted| wanted == p));
        match (matching.next(), matching.next()) {
            (Some((p, c)), None) => Found::One((p.as_str(), c.as_str())),
            (None, _) => Found::None,
            (Some(_), Some(_)) => Found::Several,
        }
    }
}
