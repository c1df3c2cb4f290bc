//! Blind indexes: exact look-ups on encrypted fields (civil-status number, phone number).
//!
//! The index of a value is `HMAC-SHA256(index key, domain || 0x00 || normalized value)`,
//! truncated to 16 bytes, stored beside the sealed value and searched with `=`.
//!
//! **What it reveals.** To someone who has the database but not the index key: only which rows
//! hold equal values *within one domain* (and so how many share a value); the domain keeps a
//! phone number and a civil-status number that happen to be equal from matching each other.
//! Nothing else: not the value, its length, nor any order or prefix. Unlike a plain hash, a
//! keyless attacker cannot try the (few) possible phone numbers, because every guess needs the
//! key. Whoever holds the index key, on the other hand, can confirm guesses: it is wrapped by
//! the master key like the data keys and never stored in clear.
//!
//! **Why 16 bytes.** Look-ups must be exact, so accidental collisions must be negligible: with
//! 128 bits the first collision is expected after about 2^64 distinct values, far beyond any
//! register; the other 128 bits of the HMAC would buy nothing but larger index columns.
//!
//! **Normalisation is the caller's.** The same value must always be written the same way
//! (`+212612345678`, civil-status numbers in upper case without spaces) before it is indexed,
//! at insert and at search; `awladna-domain` owns those rules.
//! A `domain` is a fixed name chosen in code (`"child.phone"`); it must not contain a NUL byte,
//! which separates it from the value.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::keys::IndexKey;
use crate::seal::Keyring;

/// Length of a blind index, in bytes.
pub const BLIND_INDEX_LEN: usize = 16;

impl IndexKey {
    /// The blind index of `normalized_value` in `domain` (see the module's documentation).
    pub fn blind_index(&self, domain: &str, normalized_value: &str) -> [u8; BLIND_INDEX_LEN] {
        // HMAC accepts keys of any length; `new_from_slice` cannot fail, and the fallback
        // only exists to avoid an `expect`.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.bytes())
            .unwrap_or_else(|_| <Hmac<Sha256> as Mac>::new(&Default::default()));
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(normalized_value.as_bytes());
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; BLIND_INDEX_LEN];
        out.copy_from_slice(&full[..BLIND_INDEX_LEN]);
        out
    }
}

impl Keyring {
    /// The blind index of `normalized_value` in `domain`, with this keyring's index key.
    pub fn blind_index(&self, domain: &str, normalized_value: &str) -> [u8; BLIND_INDEX_LEN] {
        self.index_key().blind_index(domain, normalized_value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_in_a_domain_match() {
        let ring = Keyring::generate();
        let a = ring.blind_index("child.phone", "+212612345678");
        assert_eq!(a, ring.blind_index("child.phone", "+212612345678"));
        assert_ne!(a, ring.blind_index("child.phone", "+212612345679"));
        assert_ne!(a, ring.blind_index("guardian.phone", "+212612345678"));
    }

    #[test]
    fn domain_and_value_cannot_be_shifted() {
        let ring = Keyring::generate();
        assert_ne!(ring.blind_index("ab", "c"), ring.blind_index("a", "bc"));
    }

    #[test]
    fn another_index_key_gives_other_indexes() {
        let one = IndexKey::generate(1);
        let two = IndexKey::generate(1);
        assert_ne!(
            one.blind_index("cin", "AB123456"),
            two.blind_index("cin", "AB123456")
        );
    }

    #[test]
    fn matches_hmac_sha256_truncated() {
        // Computed independently: HMAC-SHA256 with a known key, truncated to 16 bytes.
        let key = IndexKey::from_bytes_for_test(1, [0x0b; 32]);
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&[0x0b; 32]).unwrap();
        mac.update(b"cin\0AB123456");
        let expected = mac.finalize().into_bytes();
        assert_eq!(key.blind_index("cin", "AB123456")[..], expected[..16]);
    }
}
