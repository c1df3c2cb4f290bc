//! The reference set: vocabularies, territories, communes and form definitions,
//! read and cross-checked once. The set shipped in the binary is the default; an
//! operator may point to a directory of the same files to use updated ones.

use crate::drafts::DraftRules;
use crate::files::FilePart;
use crate::forms::Form;
use crate::referral::ResponseDeadlines;
use crate::retention::Retention;
use crate::scoring::Scoring;
use crate::territory::{Commune, Territory, parse_communes, parse_territories};
use crate::vocabulary::{REQUIRED, Vocabulary};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// One reference file, named as it is in the set (e.g. `vocabularies/sources.toml`).
#[derive(Debug, Clone)]
pub struct ReferenceFile {
    pub name: String,
    pub text: String,
}

/// What is wrong with which file, said so that an operator knows what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceError {
    pub file: String,
    pub reason: String,
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "reference file {}: {}", self.file, self.reason)
    }
}

impl std::error::Error for ReferenceError {}

pub const TERRITORIES_FILE: &str = "territories.csv";
pub const COMMUNES_FILE: &str = "communes.csv";
pub const REFERRAL_DEADLINES_FILE: &str = "referrals/deadlines.toml";
pub const RETENTION_FILE: &str = "retention/rules.toml";
pub const DRAFTS_FILE: &str = "reports/drafts.toml";

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("../data/", $name)))),*]
    };
}

const EMBEDDED: [(&str, &str); 37] = embedded![
    "territories.csv",
    "communes.csv",
    "vocabularies/sectors.toml",
    "vocabularies/stages.toml",
    "vocabularies/concerns.toml",
    "vocabularies/target_groups.toml",
    "vocabularies/sources.toml",
    "vocabularies/urgency.toml",
    "vocabularies/sex.toml",
    "vocabularies/family_types.toml",
    "vocabularies/relations.toml",
    "vocabularies/closure_reasons.toml",
    "vocabularies/answers.toml",
    "vocabularies/contact_kinds.toml",
    "vocabularies/child_situations.toml",
    "vocabularies/services.toml",
    "vocabularies/social_entry_kinds.toml",
    "vocabularies/medical_entry_kinds.toml",
    "vocabularies/judicial_entry_kinds.toml",
    "vocabularies/document_kinds.toml",
    "vocabularies/schooling.toml",
    "vocabularies/nationalities.toml",
    "vocabularies/plan_statuses.toml",
    "vocabularies/plan_review_decisions.toml",
    "forms/report.v1.toml",
    "forms/evaluation.v1.toml",
    "forms/followup.v1.toml",
    "forms/child_profile.v1.toml",
    "forms/social_entry.v1.toml",
    "forms/medical_entry.v1.toml",
    "forms/judicial_entry.v1.toml",
    "forms/plan_action.v1.toml",
    "forms/plan_review.v1.toml",
    "referrals/deadlines.toml",
    "scoring/evaluation.v1.toml",
    "retention/rules.toml",
    "reports/drafts.toml",
];

#[derive(Debug, Clone)]
pub struct Reference {
    vocabularies: BTreeMap<String, Vocabulary>,
    territories: Vec<Territory>,
    territory_index: HashMap<String, usize>,
    communes: Vec<Commune>,
    commune_index: HashMap<String, usize>,
    /// Every version of every form, by code, oldest first.
    forms: BTreeMap<String, Vec<Form>>,
    /// Scoring rules, by form code and version.
    scorings: BTreeMap<(String, u32), Scoring>,
    referral_deadlines: ResponseDeadlines,
    retention: Retention,
    drafts: DraftRules,
    /// The Observatory's records to Awladna's codes (issue 17): the newest version.
    observatory: crate::observatory::Mapping,
}

impl Reference {
    /// The reference set compiled into this binary.
    pub fn embedded() -> Result<Reference, ReferenceError> {
        Reference::from_files(Reference::embedded_files())
    }

    pub fn embedded_files() -> Vec<ReferenceFile> {
        EMBEDDED
            .iter()
            .chain([&crate::observatory::EMBEDDED_MAPPING])
            .map(|(name, text)| ReferenceFile {
                name: (*name).to_owned(),
                text: (*text).to_owned(),
            })
            .collect()
    }

    /// Reads a set of files: `territories.csv`, `communes.csv`, `vocabularies/*.toml`
    /// and `forms/{code}.v{version}.toml`.
    pub fn from_files(files: Vec<ReferenceFile>) -> Result<Reference, ReferenceError> {
        let fail = |file: &str, reason: String| ReferenceError {
            file: file.to_owned(),
            reason,
        };
        let find = |name: &str| {
            files
                .iter()
                .find(|f| f.name == name)
                .ok_or_else(|| fail(name, "is missing".into()))
        };
        let territories_file = find(TERRITORIES_FILE)?;
        let territories =
            parse_territories(&territories_file.text).map_err(|r| fail(TERRITORIES_FILE, r))?;
        let communes_file = find(COMMUNES_FILE)?;
        let communes = parse_communes(&communes_file.text, &territories)
            .map_err(|r| fail(COMMUNES_FILE, r))?;

        let mut vocabularies = BTreeMap::new();
        let mut forms: BTreeMap<String, Vec<Form>> = BTreeMap::new();
        for file in &files {
            if let Some(stem) = file
                .name
                .strip_prefix("vocabularies/")
                .and_then(|n| n.strip_suffix(".toml"))
            {
                let vocabulary =
                    Vocabulary::parse(stem, &file.text).map_err(|r| fail(&file.name, r))?;
                vocabularies.insert(vocabulary.code.clone(), vocabulary);
            } else if let Some(name) = file.name.strip_prefix("forms/") {
                let form = Form::parse(name, &file.text).map_err(|r| fail(&file.name, r))?;
                forms.entry(form.code.clone()).or_default().push(form);
            }
        }
        for code in REQUIRED {
            if !vocabularies.contains_key(code) {
                return Err(fail(
                    &format!("vocabularies/{code}.toml"),
                    "is missing".into(),
                ));
            }
        }
        check_groups(&vocabularies)
            .map_err(|(code, reason)| fail(&format!("vocabularies/{code}.toml"), reason))?;
        for versions in forms.values_mut() {
            versions.sort_by_key(|f| f.version);
            for form in versions.iter() {
                for (field, vocabulary) in form.vocabularies() {
                    if !vocabularies.contains_key(vocabulary) {
                        let file = format!("forms/{}.v{}.toml", form.code, form.version);
                        return Err(fail(
                            &file,
                            format!(
                                "field \"{field}\" names an unknown vocabulary \"{vocabulary}\""
                            ),
                        ));
                    }
                }
            }
        }
        let mut scorings = BTreeMap::new();
        for file in files.iter().filter(|f| f.name.starts_with("scoring/")) {
            let name = file.name.trim_start_matches("scoring/");
            let (code, version) = name
                .trim_end_matches(".toml")
                .rsplit_once(".v")
                .and_then(|(c, v)| Some((c, v.parse::<u32>().ok()?)))
                .ok_or_else(|| fail(&file.name, "must be named {form}.v{version}.toml".into()))?;
            let form = forms
                .get(code)
                .and_then(|versions| versions.iter().find(|f| f.version == version));
            let scoring =
                Scoring::parse(name, &file.text, form).map_err(|r| fail(&file.name, r))?;
            scorings.insert((scoring.form.clone(), scoring.version), scoring);
        }
        let deadlines_file = find(REFERRAL_DEADLINES_FILE)?;
        let referral_deadlines = ResponseDeadlines::parse(&deadlines_file.text)
            .map_err(|r| fail(REFERRAL_DEADLINES_FILE, r))?;
        let retention =
            Retention::parse(&find(RETENTION_FILE)?.text).map_err(|r| fail(RETENTION_FILE, r))?;
        let drafts =
            DraftRules::parse(&find(DRAFTS_FILE)?.text).map_err(|r| fail(DRAFTS_FILE, r))?;
        let territory_index = territories
            .iter()
            .enumerate()
            .map(|(i, t)| (t.code.clone(), i))
            .collect();
        let commune_index = communes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.hcp_code.clone(), i))
            .collect();
        let mut reference = Reference {
            vocabularies,
            territories,
            territory_index,
            communes,
            commune_index,
            forms,
            scorings,
            referral_deadlines,
            retention,
            drafts,
            observatory: crate::observatory::Mapping::empty(),
        };
        reference.observatory = crate::observatory::Mapping::newest(&files, &reference)
            .map_err(|(file, reason)| fail(&file, reason))?;
        Ok(reference)
    }

    /// How the Observatory's records map to Awladna's codes (the newest mapping file).
    pub fn observatory(&self) -> &crate::observatory::Mapping {
        &self.observatory
    }

    /// How long each kind of record about a child is kept after their last case closed.
    pub fn retention(&self) -> &Retention {
        &self.retention
    }

    /// When an untouched draft report counts as abandoned.
    pub fn drafts(&self) -> &DraftRules {
        &self.drafts
    }

    /// How long a receiving service has to answer a referral, by urgency.
    pub fn referral_deadlines(&self) -> &ResponseDeadlines {
        &self.referral_deadlines
    }

    pub fn vocabularies(&self) -> impl Iterator<Item = &Vocabulary> {
        self.vocabularies.values()
    }

    pub fn vocabulary(&self, code: &str) -> Option<&Vocabulary> {
        self.vocabularies.get(code)
    }

    pub fn territories(&self) -> &[Territory] {
        &self.territories
    }

    pub fn territory(&self, code: &str) -> Option<&Territory> {
        self.territory_index
            .get(code)
            .map(|&i| &self.territories[i])
    }

    pub fn communes(&self) -> &[Commune] {
        &self.communes
    }

    pub fn commune(&self, hcp_code: &str) -> Option<&Commune> {
        self.commune_index.get(hcp_code).map(|&i| &self.communes[i])
    }

    pub fn communes_of<'a>(&'a self, territory_code: &'a str) -> impl Iterator<Item = &'a Commune> {
        self.communes
            .iter()
            .filter(move |c| c.territory_code == territory_code)
    }

    /// The current (latest) version of each form.
    pub fn forms(&self) -> impl Iterator<Item = &Form> {
        self.forms.values().filter_map(|versions| versions.last())
    }

    pub fn form(&self, code: &str) -> Option<&Form> {
        self.forms.get(code).and_then(|versions| versions.last())
    }

    /// The scoring rules of a form version, if it is scored.
    pub fn scoring(&self, code: &str, version: u32) -> Option<&Scoring> {
        self.scorings.get(&(code.to_owned(), version))
    }

    /// A given version, to read a card stored with an older definition.
    pub fn form_version(&self, code: &str, version: u32) -> Option<&Form> {
        self.forms.get(code)?.iter().find(|f| f.version == version)
    }
}

/// Vocabularies whose `group` is a code of something else: a service's pathway stage, a
/// document's file part. A typo there would hide a service from its stage or a document
/// from the services allowed to read its file, so it is refused at load.
fn check_groups(vocabularies: &BTreeMap<String, Vocabulary>) -> Result<(), (String, String)> {
    let stages: Vec<&str> = vocabularies
        .get("stages")
        .map(|v| v.terms.iter().map(|t| t.code.as_str()).collect())
        .unwrap_or_default();
    let parts: Vec<&str> = FilePart::ALL.iter().map(|p| p.code()).collect();
    let checks = [
        ("services", stages, "a stage code of the stages vocabulary"),
        (
            "document_kinds",
            parts,
            "a file part (social, medical or judicial)",
        ),
    ];
    for (code, known, what) in checks {
        let Some(vocabulary) = vocabularies.get(code) else {
            continue;
        };
        for term in &vocabulary.terms {
            if !term.group.as_deref().is_some_and(|g| known.contains(&g)) {
                return Err((
                    code.to_owned(),
                    format!("term \"{}\" needs a group that is {what}", term.code),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_set_loads() {
        let r = Reference::embedded().unwrap();
        assert_eq!(
            r.territories()
                .iter()
                .filter(|t| t.kind == crate::territory::TerritoryKind::Region)
                .count(),
            12
        );
        assert_eq!(r.territories().len(), 95);
        assert_eq!(r.territory("sale").map(|t| t.name_ar.as_str()), Some("سلا"));
        assert!(r.vocabulary("sectors").map(|v| v.terms.len()).unwrap_or(0) >= 13);
        assert_eq!(
            r.vocabulary("sources").map(|v| v.terms[0].code.as_str()),
            Some("line_2511")
        );
        assert_eq!(r.communes().len(), 1544);
        assert!(r.communes_of("sale").count() > 0);
        assert_eq!(r.form("report").map(|f| f.version), Some(1));
    }

    #[test]
    fn a_missing_file_is_named() {
        let files: Vec<_> = Reference::embedded_files()
            .into_iter()
            .filter(|f| f.name != "vocabularies/urgency.toml")
            .collect();
        let err = Reference::from_files(files).unwrap_err();
        assert_eq!(
            err.to_string(),
            "reference file vocabularies/urgency.toml: is missing"
        );
    }

    #[test]
    fn a_corrupt_file_is_named_with_its_line() {
        let mut files = Reference::embedded_files();
        let territories = files
            .iter_mut()
            .find(|f| f.name == TERRITORIES_FILE)
            .unwrap();
        territories.text.push_str("broken,99,planet,,X,س,\n");
        let err = Reference::from_files(files).unwrap_err();
        assert_eq!(err.file, TERRITORIES_FILE);
        assert!(err.reason.starts_with("line 97:"), "{err}");
    }

    fn with_replaced(file: &str, from: &str, to: &str) -> Result<Reference, ReferenceError> {
        let mut files = Reference::embedded_files();
        let f = files.iter_mut().find(|f| f.name == file).unwrap();
        assert!(f.text.contains(from), "{from} not in {file}");
        f.text = f.text.replacen(from, to, 1);
        Reference::from_files(files)
    }

    #[test]
    fn groups_that_name_stages_and_file_parts_are_checked() {
        let r = Reference::embedded().unwrap();
        let services = r.vocabulary("services").unwrap();
        assert_eq!(
            services.term("shelter").and_then(|t| t.group.as_deref()),
            Some("immediate_assistance")
        );
        let kinds = r.vocabulary("document_kinds").unwrap();
        assert_eq!(
            kinds
                .term("forensic_certificate")
                .and_then(|t| t.group.as_deref()),
            Some("medical")
        );
        let err = with_replaced(
            "vocabularies/services.toml",
            "group = \"follow_up\"",
            "group = \"follow-up\"",
        )
        .unwrap_err();
        assert_eq!(err.file, "vocabularies/services.toml");
        assert!(err.reason.contains("home_visits"), "{err}");
        let err = with_replaced(
            "vocabularies/document_kinds.toml",
            "group = \"judicial\"",
            "",
        )
        .unwrap_err();
        assert_eq!(err.file, "vocabularies/document_kinds.toml");
        assert!(err.reason.contains("file part"), "{err}");
    }

    #[test]
    fn a_form_naming_an_unknown_vocabulary_is_refused() {
        let mut files = Reference::embedded_files();
        let form = files
            .iter_mut()
            .find(|f| f.name == "forms/report.v1.toml")
            .unwrap();
        form.text = form
            .text
            .replace("vocabulary = \"sources\"", "vocabulary = \"planets\"");
        let err = Reference::from_files(files).unwrap_err();
        assert!(
            err.reason.contains("unknown vocabulary \"planets\""),
            "{err}"
        );
    }
}
