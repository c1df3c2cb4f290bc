//! The mapping file: each of the Observatory's values, as their record carries it, to
//! Awladna's code. Checked when the reference set loads: every code it names must exist
//! in Awladna's vocabularies and territories, and two of their values that compare equal
//! must not say different things.

use super::normalise;
use super::places::Places;
use crate::reference::Reference;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// Where the mapping files sit in the reference set: `observatory/mapping.v1.toml`…
pub const MAPPING_FILE_PREFIX: &str = "observatory/mapping.v";

/// The mapping shipped in the binary, used when the reference set has none.
pub const EMBEDDED: (&str, &str) = (
    "observatory/mapping.v1.toml",
    include_str!("../../data/observatory/mapping.v1.toml"),
);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    channel: BTreeMap<String, String>,
    violence: BTreeMap<String, Vec<String>>,
    caller_type: BTreeMap<String, String>,
    priority: BTreeMap<String, String>,
    sex: BTreeMap<String, String>,
    perpetrator_relation: BTreeMap<String, String>,
    #[serde(default)]
    province_alias: BTreeMap<String, String>,
    #[serde(default)]
    commune_alias: BTreeMap<String, String>,
}

/// One table of their values: normalised value → Awladna's codes.
pub(crate) type Table = HashMap<String, Vec<String>>;

/// A parsed, checked mapping file.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub version: u32,
    pub(crate) channel: Table,
    pub(crate) violence: Table,
    pub(crate) caller_type: Table,
    pub(crate) priority: Table,
    pub(crate) sex: Table,
    pub(crate) perpetrator_relation: Table,
    pub(crate) places: Places,
}

impl Mapping {
    /// A mapping that maps nothing: the reference set's place holder while it loads.
    pub(crate) fn empty() -> Mapping {
        Mapping {
            version: 0,
            channel: Table::new(),
            violence: Table::new(),
            caller_type: Table::new(),
            priority: Table::new(),
            sex: Table::new(),
            perpetrator_relation: Table::new(),
            places: Places::default(),
        }
    }

    /// The newest mapping file of the set (the embedded one when the set has none).
    pub(crate) fn newest(
        files: &[crate::reference::ReferenceFile],
        reference: &Reference,
    ) -> Result<Mapping, (String, String)> {
        let newest = files
            .iter()
            .filter_map(|f| {
                let version = f
                    .name
                    .strip_prefix(MAPPING_FILE_PREFIX)?
                    .strip_suffix(".toml")?
                    .parse::<u32>()
                    .ok()?;
                Some((version, f.name.as_str(), f.text.as_str()))
            })
            .max_by_key(|(version, _, _)| *version);
        let (name, text) = newest.map_or(EMBEDDED, |(_, name, text)| (name, text));
        Mapping::parse(name, text, reference).map_err(|reason| (name.to_owned(), reason))
    }

    /// Reads the file named `name` (for its version) against the reference set.
    pub fn parse(name: &str, text: &str, reference: &Reference) -> Result<Mapping, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let named = name
            .strip_prefix(MAPPING_FILE_PREFIX)
            .and_then(|v| v.strip_suffix(".toml"))
            .and_then(|v| v.parse::<u32>().ok());
        if named != Some(file.version) {
            return Err(format!(
                "version = {} does not match the file's name (mapping.v{{version}}.toml)",
                file.version
            ));
        }
        let one = |t: BTreeMap<String, String>| {
            t.into_iter()
                .map(|(k, v)| (k, vec![v]))
                .collect::<BTreeMap<_, _>>()
        };
        let places = Places::build(reference, &file.province_alias, &file.commune_alias)?;
        Ok(Mapping {
            version: file.version,
            channel: table("channel", one(file.channel), "sources", reference)?,
            violence: table("violence", file.violence, "concerns", reference)?,
            caller_type: table("caller_type", one(file.caller_type), "sources", reference)?,
            priority: table("priority", one(file.priority), "urgency", reference)?,
            sex: table("sex", one(file.sex), "sex", reference)?,
            perpetrator_relation: table(
                "perpetrator_relation",
                one(file.perpetrator_relation),
                "relations",
                reference,
            )?,
            places,
        })
    }
}

/// Checks one table against its vocabulary and indexes it by normalised value.
fn table(
    name: &str,
    entries: BTreeMap<String, Vec<String>>,
    vocabulary: &str,
    reference: &Reference,
) -> Result<Table, String> {
    let vocab = reference
        .vocabulary(vocabulary)
        .ok_or_else(|| format!("[{name}] needs the vocabulary \"{vocabulary}\""))?;
    let mut out = Table::new();
    for (theirs, codes) in entries {
        if codes.is_empty() {
            return Err(format!("[{name}] \"{theirs}\" maps to nothing"));
        }
        if let Some(code) = codes.iter().find(|c| !vocab.contains(c)) {
            return Err(format!(
                "[{name}] \"{theirs}\" maps to \"{code}\", which is not a code of {vocabulary}"
            ));
        }
        let key = normalise(&theirs);
        match out.get(&key) {
            Some(earlier) if *earlier != codes => {
                return Err(format!(
                    "[{name}] \"{theirs}\" reads as another value of the table that maps elsewhere"
                ));
            }
            _ => {
                out.insert(key, codes);
            }
        }
    }
    Ok(out)
}

/// Looks their value up in a table.
pub(crate) fn look_up<'t>(table: &'t Table, value: &str) -> Option<&'t [String]> {
    table.get(&normalise(value)).map(Vec::as_slice)
}
