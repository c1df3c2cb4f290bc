//! High-entropy secrets handed to people and machines: recovery codes, bearer tokens and
//! session ids, and their hashes.
//!
//! They are stored only as SHA-256 hashes ([`hash_token`]): a database dump gives no usable
//! session or token. A fast hash is enough because these secrets are random and long (unlike
//! passwords, which need Argon2): nobody can try 2^79 recovery codes, let alone 2^256 tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Symbols of recovery codes: digits and lower-case letters without `0 1 i l o`, which are
/// easily mistaken for one another when read from paper.
pub const RECOVERY_ALPHABET: &[u8; 31] = b"23456789abcdefghjkmnpqrstuvwxyz";
/// Groups of a recovery code, and symbols per group: `k7f3-9x2q-m4p8-t6wa`, about 79 bits.
const GROUPS: usize = 4;
const GROUP_LEN: usize = 4;
/// Bytes of randomness in a token: 256 bits.
pub const TOKEN_BYTES: usize = 32;

fn random_symbol() -> u8 {
    // Rejection sampling keeps every symbol equally likely: 248 = 8 × 31.
    loop {
        let mut byte = [0u8; 1];
        OsRng.fill_bytes(&mut byte);
        if byte[0] < 248 {
            return RECOVERY_ALPHABET[usize::from(byte[0] % 31)];
        }
    }
}

fn recovery_code() -> String {
    let mut code = String::with_capacity(GROUPS * (GROUP_LEN + 1));
    for group in 0..GROUPS {
        if group > 0 {
            code.push('-');
        }
        for _ in 0..GROUP_LEN {
            code.push(char::from(random_symbol()));
        }
    }
    code
}

/// `n` fresh recovery codes such as `k7f3-9x2q-m4p8-t6wa`, all different. Show them once;
/// store [`hash_token`] of each; a code is spent when used.
pub fn generate_recovery_codes(n: usize) -> Vec<String> {
    let mut codes: Vec<String> = Vec::with_capacity(n);
    while codes.len() < n {
        let code = recovery_code();
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

/// A recovery code as typed by a user, in the form [`generate_recovery_codes`] gave it: case,
/// spaces and dashes do not matter. `None` if it cannot be one.
pub fn normalize_recovery_code(input: &str) -> Option<String> {
    let symbols: Vec<u8> = input
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'-')
        .map(|b| b.to_ascii_lowercase())
        .collect();
    if symbols.len() != GROUPS * GROUP_LEN || !symbols.iter().all(|b| RECOVERY_ALPHABET.contains(b))
    {
        return None;
    }
    let groups: Vec<&str> = symbols
        .chunks(GROUP_LEN)
        .filter_map(|group| std::str::from_utf8(group).ok())
        .collect();
    Some(groups.join("-"))
}

/// SHA-256 of a high-entropy secret (session id, bearer token, normalized recovery code): what
/// the database stores and looks up in place of the secret.
pub fn hash_token(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// A new bearer token or session id: `PREFIX_` then 256 bits of OS randomness in URL-safe
/// base64 (43 characters). The prefix (`awl_s`, `awl_t`…) tells what a leaked string is and
/// lets secret scanners find it; an empty prefix gives the random part alone.
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    OsRng.fill_bytes(&mut bytes);
    let random = URL_SAFE_NO_PAD.encode(bytes);
    if prefix.is_empty() {
        random
    } else {
        format!("{prefix}_{random}")
    }
}

/// Equality of two secrets (CSRF tokens, hashes) in time that does not depend on where they
/// differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn recovery_codes_have_the_expected_shape() {
        let codes = generate_recovery_codes(10);
        assert_eq!(codes.len(), 10);
        assert_eq!(codes.iter().collect::<HashSet<_>>().len(), 10);
        for code in &codes {
            assert_eq!(code.len(), 19, "{code}");
            let groups: Vec<&str> = code.split('-').collect();
            assert_eq!(groups.len(), 4);
            for group in groups {
                assert_eq!(group.len(), 4);
                assert!(
                    group.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)),
                    "{code}"
                );
            }
            assert_eq!(
                normalize_recovery_code(code).as_deref(),
                Some(code.as_str())
            );
        }
    }

    #[test]
    fn recovery_alphabet_is_unambiguous_and_all_used() {
        for confusable in b"01ilo" {
            assert!(!RECOVERY_ALPHABET.contains(confusable));
        }
        let seen: HashSet<u8> = generate_recovery_codes(200)
            .iter()
            .flat_map(|c| c.bytes().filter(|b| *b != b'-').collect::<Vec<_>>())
            .collect();
        assert_eq!(seen.len(), RECOVERY_ALPHABET.len());
    }

    #[test]
    fn typed_recovery_codes_are_normalized() {
        let code = "k7f3-9x2q-m4p8-t6wa";
        for typed in [
            "K7F3-9X2Q-M4P8-T6WA",
            " k7f3 9x2q m4p8 t6wa ",
            "k7f39x2qm4p8t6wa",
        ] {
            assert_eq!(
                normalize_recovery_code(typed).as_deref(),
                Some(code),
                "{typed}"
            );
        }
        for bad in [
            "",
            "k7f3-9x2q-m4p8",
            "k7f3-9x2q-m4p8-t6w0",
            "k7f3-9x2q-m4p8-t6wa-2222",
        ] {
            assert_eq!(normalize_recovery_code(bad), None, "{bad}");
        }
        assert_eq!(
            hash_token(&normalize_recovery_code("K7F3 9X2Q M4P8 T6WA").unwrap()),
            hash_token(code)
        );
    }

    #[test]
    fn tokens_are_long_random_and_url_safe() {
        let a = new_token("awl_s");
        let b = new_token("awl_s");
        assert_ne!(a, b);
        let random = a.strip_prefix("awl_s_").unwrap();
        assert_eq!(random.len(), 43);
        assert_eq!(URL_SAFE_NO_PAD.decode(random).unwrap().len(), 32);
        assert!(
            random
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(new_token("").len(), 43);
    }

    #[test]
    fn token_hash_is_sha256() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        let expected = [
            0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae,
            0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61,
            0xf2, 0x00, 0x15, 0xad,
        ];
        assert_eq!(hash_token("abc"), expected);
        assert_ne!(hash_token("awl_s_a"), hash_token("awl_s_b"));
    }

    #[test]
    fn constant_time_equality() {
        assert!(constant_time_eq(b"csrf-token", b"csrf-token"));
        assert!(!constant_time_eq(b"csrf-token", b"csrf-tokem"));
        assert!(!constant_time_eq(b"csrf-token", b"csrf-toke"));
    }
}
