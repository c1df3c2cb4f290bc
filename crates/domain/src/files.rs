//! The three files of a child's case (ملفات الطفل, seed 001): the social file, the
//! medical-psychological file and the judicial file. Each is readable by a different set
//! of services (a doctor's notes are not for the school, nor a judgment for the clinic),
//! so entries and documents carry the part they belong to.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilePart {
    /// الملف الاجتماعي: social inquiry, family, civil status, schooling, placement.
    Social,
    /// الملف الطبي والنفسي: examinations, forensic certificates, psychological care.
    Medical,
    /// الملف القضائي: complaints, prosecutor's orders, hearings, court decisions.
    Judicial,
}

impl FilePart {
    pub const ALL: [FilePart; 3] = [FilePart::Social, FilePart::Medical, FilePart::Judicial];

    /// The code used in form definitions, the database and the `group` of
    /// `document_kinds`.
    pub fn code(self) -> &'static str {
        match self {
            FilePart::Social => "social",
            FilePart::Medical => "medical",
            FilePart::Judicial => "judicial",
        }
    }
}

impl FromStr for FilePart {
    type Err = String;
    fn from_str(s: &str) -> Result<FilePart, String> {
        FilePart::ALL
            .into_iter()
            .find(|p| p.code() == s)
            .ok_or_else(|| {
                format!("unknown file part \"{s}\"; parts are: social, medical, judicial")
            })
    }
}

impl fmt::Display for FilePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_serde() {
        for part in FilePart::ALL {
            assert_eq!(part.code().parse::<FilePart>(), Ok(part));
            assert_eq!(
                serde_json::to_value(part).unwrap(),
                serde_json::json!(part.code())
            );
        }
        assert!("legal".parse::<FilePart>().is_err());
    }
}
