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

    /// Whether workers of a sector may read and add to this file. The support centres
    /// and the social services that run them (family and solidarity, Entraide nationale,
    /// associations, the mobile social emergency) hold the whole file; each other sector
    /// sees the part its work needs: health the medical file, justice, prosecution and
    /// the police forces the judicial file and the forensic certificates the prosecution
    /// relies on. Schools and the other sectors see the social file only.
    pub fn open_to_sector(self, sector: &str) -> bool {
        const WHOLE_FILE: [&str; 4] = [
            "family_solidarity",
            "entraide_nationale",
            "association",
            "social_emergency",
        ];
        const JUSTICE: [&str; 4] = [
            "justice",
            "public_prosecution",
            "national_security",
            "royal_gendarmerie",
        ];
        if WHOLE_FILE.contains(&sector) {
            return true;
        }
        match self {
            FilePart::Social => true,
            FilePart::Medical => sector == "health" || JUSTICE[..2].contains(&sector),
            FilePart::Judicial => JUSTICE.contains(&sector),
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

    #[test]
    fn each_sector_sees_the_part_its_work_needs() {
        let open = |sector| {
            FilePart::ALL
                .into_iter()
                .filter(|p| p.open_to_sector(sector))
                .collect::<Vec<_>>()
        };
        use FilePart::*;
        assert_eq!(open("family_solidarity"), [Social, Medical, Judicial]);
        assert_eq!(open("health"), [Social, Medical]);
        assert_eq!(open("public_prosecution"), [Social, Medical, Judicial]);
        assert_eq!(open("national_security"), [Social, Judicial]);
        assert_eq!(open("education"), [Social]);
        assert_eq!(open("unknown_sector"), [Social]);
    }
}
