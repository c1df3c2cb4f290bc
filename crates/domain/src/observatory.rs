//! The National Observatory of Children's Rights' records (the 2511 line and the
//! e-platform) in Awladna's words. Their shape is ours to assume until the Observatory
//! publishes its own (README, "Integration"); their values map to Awladna's
//! vocabularies and territories through a versioned data file,
//! `data/observatory/mapping.v{N}.toml`. A value the file does not map is refused,
//! naming the field and the value: nothing is guessed (STANDARDS.md, "Intake from the
//! 2511 line").

mod mapping;
mod places;
mod record;

pub use mapping::{EMBEDDED as EMBEDDED_MAPPING, MAPPING_FILE_PREFIX, Mapping};
pub use record::{MAX_RECORD_ID, Mapped, Refusal, RefusalReason, their_field};

/// A value as the mapping compares it: without case, accents, Arabic vowel marks or
/// tatweel, with one form of alef, hyphens and apostrophes as spaces, spaces single.
/// Spelling only: two different names never become one.
pub fn normalise(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'â' | 'ä' | 'á' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' => 'i',
            'ô' | 'ö' | 'ó' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ç' => 'c',
            'œ' => {
                out.push('o');
                'e'
            }
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ى' => 'ي',
            '-' | '_' | '\'' | '’' | '.' | ',' => ' ',
            // Arabic vowel marks, shadda, sukun and the tatweel carry no spelling.
            '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' => continue,
            c if c.is_whitespace() || c.is_control() => ' ',
            c => c,
        };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn spelling_variants_compare_equal_and_names_do_not_merge() {
        assert_eq!(normalise("  Salé "), "sale");
        assert_eq!(normalise("SALE"), "sale");
        assert_eq!(normalise("Skhirate-Témara"), "skhirate temara");
        assert_eq!(normalise("إقليم"), normalise("اقليم"));
        assert_eq!(normalise("عنـف جَسدي"), "عنف جسدي");
        assert_eq!(normalise("Violence\tphysique"), "violence physique");
        assert_ne!(normalise("Rabat"), normalise("Salé"));
        assert_eq!(normalise(""), "");
    }
}

#[cfg(test)]
mod mapping_tests;

/// How many times a status message is tried before it waits for someone to send it
/// again (the administrators' page shows it as failed).
pub const MAX_ATTEMPTS: i64 = 10;

/// How long to wait before the next try of a message already tried `attempts` times
/// (30 s, doubling, at most an hour: about three hours in all); `None`: give up.
pub fn retry_delay_ms(attempts: i64) -> Option<i64> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let doublings = u32::try_from(attempts.clamp(1, 8) - 1).unwrap_or(0);
    Some((30_000_i64 << doublings).min(3_600_000))
}

#[cfg(test)]
mod retry_tests {
    use super::{MAX_ATTEMPTS, retry_delay_ms};

    #[test]
    fn retries_back_off_to_an_hour_then_give_up() {
        assert_eq!(retry_delay_ms(1), Some(30_000));
        assert_eq!(retry_delay_ms(2), Some(60_000));
        assert_eq!(retry_delay_ms(8), Some(3_600_000));
        assert_eq!(retry_delay_ms(9), Some(3_600_000));
        assert_eq!(retry_delay_ms(MAX_ATTEMPTS), None);
        let total: i64 = (1..MAX_ATTEMPTS).filter_map(retry_delay_ms).sum();
        assert!(total < 4 * 3_600_000, "{total}");
    }
}
