//! The three languages of the interface. Arabic comes first: it is the default.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ar,
    Fr,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Ar, Lang::Fr, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    pub fn is_rtl(self) -> bool {
        self == Lang::Ar
    }

    /// The first supported language of an `Accept-Language` header, if any.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .filter_map(|tag| tag.trim().split('-').next())
            .find_map(|primary| primary.to_ascii_lowercase().parse().ok())
    }
}

impl FromStr for Lang {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "ar" => Ok(Lang::Ar),
            "fr" => Ok(Lang::Fr),
            "en" => Ok(Lang::En),
            _ => Err(()),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A text given in the three languages, as data files carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Labels {
    pub ar: String,
    pub fr: String,
    pub en: String,
}

impl Labels {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ar => &self.ar,
            Lang::Fr => &self.fr,
            Lang::En => &self.en,
        }
    }

    pub(crate) fn is_complete(&self) -> bool {
        [&self.ar, &self.fr, &self.en]
            .iter()
            .all(|s| !s.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_first_supported() {
        assert_eq!(
            Lang::from_accept_language("de-DE,fr-MA;q=0.8,ar;q=0.5"),
            Some(Lang::Fr)
        );
        assert_eq!(Lang::from_accept_language("de, it"), None);
        assert_eq!(Lang::from_accept_language("EN-gb"), Some(Lang::En));
    }
}
