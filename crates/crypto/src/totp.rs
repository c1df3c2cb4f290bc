//! Two-factor codes: TOTP (RFC 6238) with HMAC-SHA-1, 6 digits and 30-second steps — what
//! every authenticator app reads from an otpauth URI — accepting one step of clock skew either
//! way.
//!
//! Time is passed in as Unix seconds. [`TotpSecret::verify`] returns the step that matched, so
//! the caller can store the last step used and refuse a code of the same or an earlier step
//! ([`TotpSecret::verify_fresh`] does both): a code seen over a shoulder cannot be replayed.

use std::fmt;

use qrcode::QrCode;
use qrcode::render::svg;
use rand_core::{OsRng, RngCore};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};
use zeroize::Zeroizing;

use crate::CryptoError;

/// The issuer shown by authenticator apps.
pub const ISSUER: &str = "Awladna";
/// Digits of a code.
pub const DIGITS: usize = 6;
/// Seconds of a step.
pub const STEP_SECONDS: u64 = 30;
/// Steps accepted before and after the current one.
pub const SKEW_STEPS: u64 = 1;
/// Length of a new secret: 160 bits, as RFC 4226 recommends.
pub const SECRET_LEN: usize = 20;
/// RFC 4226 requires at least 128 bits.
const MIN_SECRET_LEN: usize = 16;

/// A user's TOTP secret; zeroized on drop, never printed. Store it sealed by the keyring
/// ([`Self::as_bytes`] / [`Self::from_bytes`]).
pub struct TotpSecret(Zeroizing<Vec<u8>>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

impl TotpSecret {
    /// A new random secret from the operating system's generator.
    pub fn generate() -> TotpSecret {
        let mut bytes = Zeroizing::new(vec![0u8; SECRET_LEN]);
        OsRng.fill_bytes(&mut bytes);
        TotpSecret(bytes)
    }

    /// A secret from its raw bytes (at least 16).
    pub fn from_bytes(bytes: &[u8]) -> Result<TotpSecret, CryptoError> {
        if bytes.len() < MIN_SECRET_LEN {
            return Err(CryptoError::TotpSecretTooShort);
        }
        Ok(TotpSecret(Zeroizing::new(bytes.to_vec())))
    }

    /// The raw bytes, to be sealed for storage.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn totp(&self, digits: usize, issuer: Option<String>, account: String) -> TOTP {
        // Unchecked: the length is checked by our constructors, digits are our constants, and
        // the labels are checked by `otpauth_uri`. totp-rs zeroizes its copy on drop.
        TOTP::new_unchecked(
            Algorithm::SHA1,
            digits,
            0,
            STEP_SECONDS,
            self.0.to_vec(),
            issuer,
            account,
        )
    }

    fn code_for_step(&self, step: u64, digits: usize) -> Zeroizing<String> {
        let totp = self.totp(digits, None, String::new());
        Zeroizing::new(totp.generate(step.saturating_mul(STEP_SECONDS)))
    }

    /// The code at `unix_seconds` (for tests, demo data and scripted set-ups).
    pub fn code_at(&self, unix_seconds: u64) -> Zeroizing<String> {
        self.code_for_step(unix_seconds / STEP_SECONDS, DIGITS)
    }

    /// The secret in base32 (RFC 4648, no padding), for typing into an app by hand when the QR
    /// code cannot be scanned.
    pub fn to_base32(&self) -> Zeroizing<String> {
        Zeroizing::new(self.totp(DIGITS, None, String::new()).get_secret_base32())
    }

    /// The `otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=ISSUER` URI that enrolment shows as
    /// a QR code. It contains the secret: show it once, never log it.
    pub fn otpauth_uri(
        &self,
        issuer: &str,
        account: &str,
    ) -> Result<Zeroizing<String>, CryptoError> {
        if issuer.contains(':') || account.contains(':') {
            return Err(CryptoError::TotpLabel);
        }
        let totp = self.totp(DIGITS, Some(issuer.to_owned()), account.to_owned());
        Ok(Zeroizing::new(totp.get_url()))
    }

    /// The step (`unix_seconds / 30`, give or take one) whose code is `code`, if any. Spaces
    /// in the code are ignored; anything but 6 digits is refused. All candidate steps are
    /// compared in constant time.
    pub fn verify(&self, code: &str, unix_seconds: u64) -> Option<u64> {
        let code: Zeroizing<String> =
            Zeroizing::new(code.chars().filter(|c| !c.is_whitespace()).collect());
        if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let now = unix_seconds / STEP_SECONDS;
        let mut matched = None;
        for step in now.saturating_sub(SKEW_STEPS)..=now.saturating_add(SKEW_STEPS) {
            let expected = self.code_for_step(step, DIGITS);
            if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) && matched.is_none() {
                matched = Some(step);
            }
        }
        matched
    }

    /// [`Self::verify`], refusing a step at or before `last_used_step` (the step stored at the
    /// user's previous successful code): each code works once, and never after a later one.
    pub fn verify_fresh(
        &self,
        code: &str,
        unix_seconds: u64,
        last_used_step: Option<u64>,
    ) -> Option<u64> {
        self.verify(code, unix_seconds)
            .filter(|step| last_used_step.is_none_or(|last| *step > last))
    }
}

/// An SVG QR code of `uri`, to be inlined in the enrolment page (no XML declaration).
pub fn qr_svg(uri: &str) -> Result<String, CryptoError> {
    let code = QrCode::new(uri.as_bytes()).map_err(|e| CryptoError::QrCode(e.to_string()))?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    let svg = match image.find("<svg") {
        Some(start) => image[start..].to_owned(),
        None => image,
    };
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret is the ASCII string "12345678901234567890".
    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890").unwrap()
    }

    const RFC_SHA1_VECTORS: [(u64, &str); 6] = [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    #[test]
    fn rfc6238_sha1_vectors_8_digits() {
        let secret = rfc_secret();
        for (time, code) in RFC_SHA1_VECTORS {
            assert_eq!(
                secret.code_for_step(time / 30, 8).as_str(),
                code,
                "T={time}"
            );
        }
    }

    #[test]
    fn rfc6238_sha1_vectors_6_digits_verify() {
        let secret = rfc_secret();
        assert_eq!(secret.code_at(59).as_str(), "287082");
        for (time, code8) in RFC_SHA1_VECTORS {
            let code = &code8[2..];
            assert_eq!(secret.code_at(time).as_str(), code, "T={time}");
            assert_eq!(secret.verify(code, time), Some(time / 30), "T={time}");
        }
    }

    #[test]
    fn one_step_of_skew_either_way() {
        let secret = rfc_secret();
        let code = "287082"; // step 1 (T = 30..59)
        assert_eq!(secret.verify(code, 59), Some(1));
        assert_eq!(secret.verify(code, 0), Some(1)); // one step early
        assert_eq!(secret.verify(code, 60 + 29), Some(1)); // one step late
        assert_eq!(secret.verify(code, 90), None); // two steps late
        assert_eq!(secret.verify("287 082", 59), Some(1));
        for bad in ["", "28708", "2870821", "28708a", "２٨7082", "287083"] {
            assert_eq!(secret.verify(bad, 59), None, "{bad}");
        }
    }

    #[test]
    fn replayed_step_is_refused() {
        let secret = TotpSecret::generate();
        let now = 1_767_225_600; // 2026-01-01T00:00:00Z
        let code = secret.code_at(now);
        let step = secret.verify_fresh(&code, now, None).unwrap();
        assert_eq!(step, now / 30);
        // The same code again, even within its validity: refused.
        assert_eq!(secret.verify_fresh(&code, now + 5, Some(step)), None);
        // The previous step's code, still within the skew, after a later one: refused.
        let earlier = secret.code_at(now - 30);
        assert_eq!(secret.verify(&earlier, now), Some(step - 1));
        assert_eq!(secret.verify_fresh(&earlier, now, Some(step)), None);
        // The next step's code: accepted.
        let next = secret.code_at(now + 30);
        assert_eq!(
            secret.verify_fresh(&next, now + 30, Some(step)),
            Some(step + 1)
        );
    }

    #[test]
    fn otpauth_uri_and_round_trip() {
        let secret = rfc_secret();
        let uri = secret.otpauth_uri(ISSUER, "salma.case_worker").unwrap();
        assert_eq!(
            uri.as_str(),
            "otpauth://totp/Awladna:salma.case_worker?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Awladna"
        );
        assert_eq!(
            secret.to_base32().as_str(),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
        assert!(matches!(
            secret.otpauth_uri(ISSUER, "a:b"),
            Err(CryptoError::TotpLabel)
        ));
        let fresh = TotpSecret::generate();
        assert_eq!(fresh.as_bytes().len(), SECRET_LEN);
        let again = TotpSecret::from_bytes(fresh.as_bytes()).unwrap();
        assert_eq!(again.code_at(1_000_000), fresh.code_at(1_000_000));
        assert!(TotpSecret::from_bytes(&[1; 15]).is_err());
        assert_eq!(format!("{fresh:?}"), "TotpSecret(..)");
    }

    #[test]
    fn qr_code_is_inline_svg() {
        let uri = rfc_secret().otpauth_uri(ISSUER, "salma").unwrap();
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("GEZDGNBV"));
    }
}
