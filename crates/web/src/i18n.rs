//! Every string the interface shows comes from the Fluent files in `locales/`, in
//! Arabic (the default), French and English. Pages are in the language the user
//! chose (remembered in a cookie), else Arabic: office PCs often run French or English
//! browsers while their users work in Arabic. API clients may also ask with
//! `Accept-Language`.

use awladna_domain::Lang;
use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
use axum::http::request::Parts;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};
use std::borrow::Cow;
use std::collections::HashMap;
use unic_langid::{LanguageIdentifier, langid};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "ar",
    };
}

pub const LANG_COOKIE: &str = "awladna_lang";

/// A translator bound to one language; templates call `t.get("message-id")`.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

fn language_id(lang: Lang) -> LanguageIdentifier {
    match lang {
        Lang::Ar => langid!("ar"),
        Lang::Fr => langid!("fr"),
        Lang::En => langid!("en"),
    }
}

impl Tr {
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    pub fn get(&self, id: &str) -> String {
        LOCALES.lookup(&language_id(self.lang), id)
    }

    /// What separates the items of a list in this language: the Arabic comma in
    /// Arabic, the Latin one in French and English.
    pub fn list_separator(&self) -> &'static str {
        match self.lang {
            Lang::Ar => "، ",
            Lang::Fr | Lang::En => ", ",
        }
    }

    /// The message `id`, or `fallback` when there is none (a code that has no words
    /// yet shows as itself rather than as an error).
    pub fn get_or(&self, id: &str, fallback: &str) -> String {
        LOCALES
            .try_lookup(&language_id(self.lang), id)
            .unwrap_or_else(|| fallback.to_owned())
    }

    pub fn with(&self, id: &str, args: &[(&'static str, i64)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(*v)))
            .collect();
        LOCALES.lookup_with_args(&language_id(self.lang), id, &args)
    }

    /// The message `id` with text arguments (a field's name, a value it refuses).
    pub fn with_texts(&self, id: &str, args: &[(&'static str, &str)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from((*v).to_owned())))
            .collect();
        LOCALES.lookup_with_args(&language_id(self.lang), id, &args)
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    pub fn dir(&self) -> &'static str {
        if self.lang.is_rtl() { "rtl" } else { "ltr" }
    }
}

/// The language of a request: cookie, then (API only) `Accept-Language`, then Arabic.
impl<S: Send + Sync> FromRequestParts<S> for Tr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Tr::new(request_lang(parts)))
    }
}

pub fn request_lang(parts: &Parts) -> Lang {
    let from_cookie = parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == LANG_COOKIE)
        .and_then(|(_, value)| value.parse().ok());
    let is_api = parts.uri.path().starts_with("/api/");
    from_cookie
        .or_else(|| {
            if !is_api {
                return None;
            }
            parts
                .headers
                .get(ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn message_ids(ftl: &str) -> BTreeSet<String> {
        ftl.lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once('=').map(|(id, _)| id.trim().to_owned()))
            .collect()
    }

    /// Every message file of a language, by name (the loader reads them all).
    fn message_files(lang: &str) -> Vec<(String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("locales")
            .join(lang);
        let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
            .expect("locales directory")
            .map(|entry| entry.expect("entry").path())
            .filter(|path| path.extension().is_some_and(|e| e == "ftl"))
            .map(|path| {
                let name = path
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned();
                (name, std::fs::read_to_string(&path).expect("readable"))
            })
            .collect();
        files.sort();
        files
    }

    /// The message ids of each file of a language, by file.
    fn ids_by_file(lang: &str) -> Vec<(String, BTreeSet<String>)> {
        message_files(lang)
            .into_iter()
            .map(|(name, ftl)| (name, message_ids(&ftl)))
            .collect()
    }

    #[test]
    fn every_message_exists_in_every_language() {
        let ar = ids_by_file("ar");
        assert!(ar.iter().map(|(_, ids)| ids.len()).sum::<usize>() > 20);
        for other in ["fr", "en"] {
            assert_eq!(
                ids_by_file(other).len(),
                ar.len(),
                "ar vs {other}: the same files"
            );
            for ((name, ar_ids), (other_name, other_ids)) in ar.iter().zip(ids_by_file(other)) {
                assert_eq!(name, &other_name, "ar vs {other}: the same files");
                assert_eq!(
                    ar_ids.symmetric_difference(&other_ids).collect::<Vec<_>>(),
                    Vec::<&String>::new(),
                    "{name}: ar vs {other}"
                );
            }
        }
        // One id in two files of a language: the loader would keep one silently.
        let mut seen = BTreeSet::new();
        for id in ar.iter().flat_map(|(_, ids)| ids) {
            assert!(seen.insert(id.clone()), "{id} is in two message files");
        }
    }

    /// A line Fluent cannot read (a typo, a mark a merge left) would silently drop
    /// its message from the running interface: each file must parse whole.
    #[test]
    fn every_message_file_parses_without_error() {
        use fluent_templates::fluent_bundle::FluentResource;
        for lang in ["ar", "fr", "en"] {
            for (name, ftl) in message_files(lang) {
                if let Err((_, errors)) = FluentResource::try_new(ftl) {
                    panic!("{lang}/{name}: {errors:?}");
                }
            }
        }
    }

    #[test]
    fn every_form_problem_has_a_message() {
        use awladna_domain::forms::Problem;
        let all = [
            Problem::Required,
            Problem::UnknownField,
            Problem::NotText,
            Problem::TooLong { max: 5 },
            Problem::ControlCharacters,
            Problem::DirectionControls,
            Problem::NotADate,
            Problem::InTheFuture,
            Problem::NotADateTime,
            Problem::NotAnInteger,
            Problem::OutOfRange { min: 0, max: 17 },
            Problem::NotABoolean,
            Problem::UnknownCode,
            Problem::Duplicate,
            Problem::UnknownTerritory,
            Problem::UnknownCommune,
            Problem::CommuneOutsideTerritory,
            Problem::NotAPhone,
            Problem::NotAnEmail,
            Problem::NotADecimal,
            Problem::OutsideMorocco,
            Problem::SwappedCoordinates,
            Problem::NoWayToReach,
        ];
        for lang in Lang::ALL {
            for problem in &all {
                let text = Tr::new(lang).with(problem.message_id(), &problem.arguments());
                assert_ne!(
                    text,
                    problem.message_id(),
                    "{lang}: {}",
                    problem.message_id()
                );
            }
        }
        assert!(
            Tr::new(Lang::Fr)
                .with("form-error-out-of-range", &[("min", 0), ("max", 17)])
                .contains("17")
        );
    }
}
