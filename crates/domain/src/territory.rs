//! Morocco's territories as the programme uses them: regions, the prefectures and
//! provinces where a mechanism runs (Casablanca's prefectures d'arrondissements
//! included), and the communes where reports happen.

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerritoryKind {
    Region,
    Prefecture,
    Province,
    PrefectureArrondissements,
}

impl TerritoryKind {
    /// Whether a child-protection mechanism (committee, support centre) can sit there.
    pub fn hosts_mechanism(self) -> bool {
        self != TerritoryKind::Region
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Territory {
    pub code: String,
    pub hcp_code: String,
    pub kind: TerritoryKind,
    pub parent_code: Option<String>,
    pub name_ar: String,
    pub name_fr: String,
    /// The programme's rollout wave: 1 for the 2020 pilots, 2 for 2021-2022.
    pub wave: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommuneKind {
    Commune,
    Arrondissement,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Urban,
    Rural,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Commune {
    pub hcp_code: String,
    pub kind: CommuneKind,
    pub area: Area,
    pub name_ar: String,
    pub name_fr: String,
    /// The territory (province or prefecture) it belongs to, by our code.
    pub territory_code: String,
    /// Not given for arrondissements: their city commune carries the population.
    pub population_2024: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TerritoryRow {
    code: String,
    hcp_code: String,
    kind: TerritoryKind,
    parent_code: String,
    name_fr: String,
    name_ar: String,
    awladna_wave: Option<u8>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommuneRow {
    hcp_code: String,
    kind: CommuneKind,
    area: Area,
    name_fr: String,
    name_ar: String,
    province_hcp_code: String,
    #[allow(dead_code)] // kept in the file for provenance: the arrondissement's city
    parent_hcp_code: String,
    population_2024: Option<u64>,
}

/// Reads `territories.csv` and checks that codes are unique and every parent exists.
pub fn parse_territories(text: &str) -> Result<Vec<Territory>, String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut territories = Vec::new();
    for (index, row) in reader.deserialize::<TerritoryRow>().enumerate() {
        let line = index + 2;
        let row = row.map_err(|e| format!("line {line}: {}", csv_reason(&e)))?;
        if !is_territory_code(&row.code)
            || row.name_ar.trim().is_empty()
            || row.name_fr.trim().is_empty()
        {
            return Err(format!(
                "line {line}: a territory needs a code (a-z, 0-9, -) and Arabic and French names"
            ));
        }
        territories.push(Territory {
            code: row.code,
            hcp_code: row.hcp_code,
            kind: row.kind,
            parent_code: Some(row.parent_code).filter(|p| !p.is_empty()),
            name_ar: row.name_ar,
            name_fr: row.name_fr,
            wave: row.awladna_wave,
        });
    }
    let codes: HashSet<&str> = territories.iter().map(|t| t.code.as_str()).collect();
    if codes.len() != territories.len() {
        return Err("a territory code appears twice".into());
    }
    for t in &territories {
        match (&t.parent_code, t.kind) {
            (None, TerritoryKind::Region) => {}
            (Some(parent), kind)
                if kind != TerritoryKind::Region && codes.contains(parent.as_str()) => {}
            _ => {
                return Err(format!(
                    "territory \"{}\" has a missing or unknown parent",
                    t.code
                ));
            }
        }
    }
    Ok(territories)
}

/// Reads `communes.csv`, attaching each commune to its territory by HCP code.
pub fn parse_communes(text: &str, territories: &[Territory]) -> Result<Vec<Commune>, String> {
    let by_hcp: HashMap<&str, &str> = territories
        .iter()
        .map(|t| (t.hcp_code.as_str(), t.code.as_str()))
        .collect();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut communes = Vec::new();
    for (index, row) in reader.deserialize::<CommuneRow>().enumerate() {
        let line = index + 2;
        let row = row.map_err(|e| format!("line {line}: {}", csv_reason(&e)))?;
        let territory_code = by_hcp.get(row.province_hcp_code.as_str()).ok_or_else(|| {
            format!(
                "line {line}: unknown province code {}",
                row.province_hcp_code
            )
        })?;
        communes.push(Commune {
            hcp_code: row.hcp_code,
            kind: row.kind,
            area: row.area,
            name_ar: row.name_ar,
            name_fr: row.name_fr,
            territory_code: (*territory_code).to_owned(),
            population_2024: row.population_2024,
        });
    }
    Ok(communes)
}

fn is_territory_code(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

// csv's messages carry byte offsets that mean nothing to an operator; keep the reason.
fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => err.to_string(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("{len} columns where {expected_len} were expected")
        }
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "code,hcp_code,kind,parent_code,name_fr,name_ar,awladna_wave\n";

    #[test]
    fn parses_regions_and_provinces() {
        let text = format!(
            "{HEADER}rsk,04,region,,Rabat-Salé-Kénitra,الرباط سلا القنيطرة,\nsale,04.441,prefecture,rsk,Salé,سلا,1\n"
        );
        let t = parse_territories(&text).unwrap();
        assert_eq!(t[1].parent_code.as_deref(), Some("rsk"));
        assert_eq!(t[1].wave, Some(1));
        assert!(t[1].kind.hosts_mechanism() && !t[0].kind.hosts_mechanism());
    }

    #[test]
    fn names_the_line_of_a_bad_row() {
        let text = format!("{HEADER}rsk,04,region,,R,ر,\nsale,04.441,county,rsk,Salé,سلا,1\n");
        let err = parse_territories(&text).unwrap_err();
        assert!(err.starts_with("line 3:"), "{err}");
        let short = format!("{HEADER}rsk,04,region\n");
        assert!(parse_territories(&short).unwrap_err().contains("columns"));
    }

    #[test]
    fn refuses_orphans_and_duplicates() {
        let orphan = format!("{HEADER}sale,04.441,prefecture,nowhere,Salé,سلا,1\n");
        assert!(
            parse_territories(&orphan)
                .unwrap_err()
                .contains("unknown parent")
        );
        let twice = format!("{HEADER}rsk,04,region,,R,ر,\nrsk,05,region,,R,ر,\n");
        assert!(parse_territories(&twice).unwrap_err().contains("twice"));
    }
}
