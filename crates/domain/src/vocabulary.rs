//! Controlled vocabularies: every list a user picks from has stable codes and labels
//! in Arabic, French and English. Statistics and the API use codes, never label text.

use crate::lang::{Labels, Lang};
use serde::{Deserialize, Serialize};

/// The vocabularies the code itself relies on; a reference set without one is refused.
pub const REQUIRED: [&str; 21] = [
    "sectors",
    "stages",
    "concerns",
    "target_groups",
    "sources",
    "urgency",
    "sex",
    "family_types",
    "relations",
    "closure_reasons",
    "answers",
    "contact_kinds",
    "child_situations",
    "services",
    "social_entry_kinds",
    "medical_entry_kinds",
    "judicial_entry_kinds",
    "document_kinds",
    "schooling",
    "nationalities",
    "plan_statuses",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "RawVocabulary")]
pub struct Vocabulary {
    pub code: String,
    #[serde(flatten)]
    pub labels: Labels,
    pub terms: Vec<Term>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "RawTerm")]
pub struct Term {
    pub code: String,
    #[serde(flatten)]
    pub labels: Labels,
    /// A grouping code, e.g. a concern's family (violence, exploitation, neglect…), a
    /// service's pathway stage or a document's file part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The WHO form of child maltreatment a concern maps to, for comparison.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub who: Option<String>,
    /// The nearest CPIMS+ protection concern, for comparison with Primero users.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpims: Option<String>,
}

// The file formats are strict (an unknown key is a typo to report), which serde cannot
// combine with `flatten`: files are read into these raw shapes, then converted.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVocabulary {
    code: String,
    ar: String,
    fr: String,
    en: String,
    terms: Vec<Term>,
}

impl From<RawVocabulary> for Vocabulary {
    fn from(r: RawVocabulary) -> Self {
        let labels = Labels {
            ar: r.ar,
            fr: r.fr,
            en: r.en,
        };
        Vocabulary {
            code: r.code,
            labels,
            terms: r.terms,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerm {
    code: String,
    ar: String,
    fr: String,
    en: String,
    group: Option<String>,
    who: Option<String>,
    cpims: Option<String>,
}

impl From<RawTerm> for Term {
    fn from(r: RawTerm) -> Self {
        let labels = Labels {
            ar: r.ar,
            fr: r.fr,
            en: r.en,
        };
        Term {
            code: r.code,
            labels,
            group: r.group,
            who: r.who,
            cpims: r.cpims,
        }
    }
}

impl Vocabulary {
    /// Parses one vocabulary file and checks what the rest of the system assumes of it.
    pub fn parse(file_stem: &str, text: &str) -> Result<Vocabulary, String> {
        let vocabulary: Vocabulary = toml::from_str(text).map_err(|e| e.to_string())?;
        if vocabulary.code != file_stem {
            return Err(format!(
                "its code \"{}\" differs from its file name \"{file_stem}\"",
                vocabulary.code
            ));
        }
        if !is_code(&vocabulary.code) || !vocabulary.labels.is_complete() {
            return Err("the vocabulary needs a lowercase code and ar, fr and en names".into());
        }
        if vocabulary.terms.is_empty() {
            return Err("it has no terms".into());
        }
        let mut seen = std::collections::HashSet::new();
        for term in &vocabulary.terms {
            if !is_code(&term.code) {
                return Err(format!(
                    "term code \"{}\" must be lowercase ASCII letters, digits and _",
                    term.code
                ));
            }
            if !seen.insert(term.code.as_str()) {
                return Err(format!("term code \"{}\" appears twice", term.code));
            }
            if !term.labels.is_complete() {
                return Err(format!(
                    "term \"{}\" lacks a label in ar, fr or en",
                    term.code
                ));
            }
        }
        Ok(vocabulary)
    }

    pub fn term(&self, code: &str) -> Option<&Term> {
        self.terms.iter().find(|t| t.code == code)
    }

    pub fn contains(&self, code: &str) -> bool {
        self.term(code).is_some()
    }

    pub fn label(&self, code: &str, lang: Lang) -> Option<&str> {
        self.term(code).map(|t| t.labels.get(lang))
    }
}

/// A stable code: starts with a letter, then lowercase ASCII letters, digits and `_`.
pub fn is_code(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
code = "sex"
ar = "الجنس"
fr = "Sexe"
en = "Sex"
[[terms]]
code = "female"
ar = "أنثى"
fr = "Féminin"
en = "Female"
"#;

    #[test]
    fn parses_a_good_file() {
        let v = Vocabulary::parse("sex", GOOD).unwrap();
        assert_eq!(v.label("female", Lang::Ar), Some("أنثى"));
        assert!(!v.contains("male"));
    }

    #[test]
    fn refuses_a_file_named_otherwise() {
        let err = Vocabulary::parse("sources", GOOD).unwrap_err();
        assert!(err.contains("differs from its file name"), "{err}");
    }

    #[test]
    fn refuses_duplicate_and_malformed_codes() {
        let dup =
            format!("{GOOD}\n[[terms]]\ncode = \"female\"\nar = \"x\"\nfr = \"x\"\nen = \"x\"\n");
        assert!(
            Vocabulary::parse("sex", &dup)
                .unwrap_err()
                .contains("twice")
        );
        let bad = GOOD.replace("code = \"female\"", "code = \"Female-1\"");
        assert!(
            Vocabulary::parse("sex", &bad)
                .unwrap_err()
                .contains("lowercase")
        );
        let missing = GOOD.replace("fr = \"Féminin\"", "fr = \"  \"");
        assert!(
            Vocabulary::parse("sex", &missing)
                .unwrap_err()
                .contains("lacks a label")
        );
    }

    #[test]
    fn refuses_unknown_keys_and_broken_toml() {
        let extra = GOOD.replace("en = \"Female\"", "en = \"Female\"\ncolour = \"red\"");
        assert!(Vocabulary::parse("sex", &extra).is_err());
        assert!(Vocabulary::parse("sex", "code = [").is_err());
    }
}
