//! Field encryption: every identifying field is sealed with XChaCha20-Poly1305 by the keyring.
//!
//! A sealed value is `version (1 byte) | key id (u32, big-endian) | nonce (24 bytes, random)
//! | ciphertext + tag (16 bytes)`. The nonce is random: 192 bits make a collision negligible
//! however many values a key seals, so no counter has to be kept anywhere.
//!
//! The caller's associated data names the record and field, e.g.
//! `"children/identity/0192…/first_name"`: a value copied into another row, column or table
//! does not open there. The header (version and key id) is authenticated too.
//!
//! Rotation: [`Keyring::rotate`] adds a new active key; values sealed with older keys still
//! open, [`Keyring::needs_reseal`] finds them and [`Keyring::reseal`] moves them to the active
//! key, a batch at a time, while the server runs.

use std::collections::BTreeMap;
use std::fmt;

use chacha20poly1305::XNonce;
use chacha20poly1305::aead::{Aead, AeadCore, Payload};
use rand_core::OsRng;
use zeroize::Zeroizing;

use crate::CryptoError;
use crate::keys::{DataKey, IndexKey};

/// Format version of sealed values.
pub const SEAL_VERSION: u8 = 1;
const HEADER_LEN: usize = 1 + 4;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Length added to a plaintext by sealing it.
pub const SEAL_OVERHEAD: usize = HEADER_LEN + NONCE_LEN + TAG_LEN;

/// The unwrapped data keys, which one seals new values, and the blind-index key.
pub struct Keyring {
    keys: BTreeMap<u32, DataKey>,
    active: u32,
    index: IndexKey,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("key_ids", &self.keys.keys().collect::<Vec<_>>())
            .field("active", &self.active)
            .field("index_key_id", &self.index.id())
            .finish()
    }
}

impl Keyring {
    /// A keyring from keys unwrapped from the database; `active` seals new values and must be
    /// among `keys`.
    pub fn new(
        keys: impl IntoIterator<Item = DataKey>,
        active: u32,
        index: IndexKey,
    ) -> Result<Keyring, CryptoError> {
        let keys: BTreeMap<u32, DataKey> = keys.into_iter().map(|k| (k.id(), k)).collect();
        if !keys.contains_key(&active) {
            return Err(CryptoError::ActiveKeyMissing(active));
        }
        Ok(Keyring {
            keys,
            active,
            index,
        })
    }

    /// A first keyring for a new installation: data key 1 (active) and index key 1. The caller
    /// wraps both with the master key and stores them.
    pub fn generate() -> Keyring {
        let mut keys = BTreeMap::new();
        keys.insert(1, DataKey::generate(1));
        Keyring {
            keys,
            active: 1,
            index: IndexKey::generate(1),
        }
    }

    /// Adds a new random data key, with the next id, and makes it the active one. Returns it so
    /// that the caller wraps and stores it. The index key does not change.
    pub fn rotate(&mut self) -> &DataKey {
        let id = self.keys.keys().next_back().map_or(1, |last| last + 1);
        self.active = id;
        self.keys.entry(id).or_insert_with(|| DataKey::generate(id))
    }

    /// The id of the key that seals new values.
    pub fn active_key_id(&self) -> u32 {
        self.active
    }

    pub fn data_key(&self, id: u32) -> Option<&DataKey> {
        self.keys.get(&id)
    }

    pub fn key_ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.keys.keys().copied()
    }

    pub fn index_key(&self) -> &IndexKey {
        &self.index
    }

    /// Encrypts `plaintext` with the active key, bound to `aad` (the record's identity).
    pub fn seal(&self, plaintext: &[u8], aad: &str) -> Result<Vec<u8>, CryptoError> {
        if aad.is_empty() {
            return Err(CryptoError::EmptyAad);
        }
        let key = self
            .keys
            .get(&self.active)
            .ok_or(CryptoError::ActiveKeyMissing(self.active))?;
        let mut out = Vec::with_capacity(plaintext.len() + SEAL_OVERHEAD);
        out.push(SEAL_VERSION);
        out.extend_from_slice(&key.id().to_be_bytes());
        let nonce = chacha20poly1305::XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let full_aad = full_aad(&out, aad);
        let ciphertext = key
            .cipher()
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: &full_aad,
                },
            )
            .map_err(|_| CryptoError::Encrypt)?;
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        Ok(out)
    }

    /// Decrypts a value sealed by [`Self::seal`] with any key of this keyring. Fails if `aad`
    /// differs from the one it was sealed with, if any byte was altered, or if the key is
    /// unknown; the plaintext is zeroized when dropped.
    pub fn open(&self, sealed: &[u8], aad: &str) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if aad.is_empty() {
            return Err(CryptoError::EmptyAad);
        }
        let id = Keyring::key_id_of(sealed)?;
        let key = self.keys.get(&id).ok_or(CryptoError::UnknownKeyId(id))?;
        let (header, rest) = sealed.split_at(HEADER_LEN);
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let full_aad = full_aad(header, aad);
        key.cipher()
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &full_aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::Decrypt)
    }

    /// The id of the key that sealed `sealed`, read from its header without decrypting.
    pub fn key_id_of(sealed: &[u8]) -> Result<u32, CryptoError> {
        if sealed.len() < SEAL_OVERHEAD {
            return Err(CryptoError::Malformed("too short"));
        }
        if sealed[0] != SEAL_VERSION {
            return Err(CryptoError::UnsupportedVersion(sealed[0]));
        }
        let mut id = [0u8; 4];
        id.copy_from_slice(&sealed[1..HEADER_LEN]);
        Ok(u32::from_be_bytes(id))
    }

    /// Whether `sealed` was sealed with another key than the active one (a rotation still has
    /// to re-encrypt it).
    pub fn needs_reseal(&self, sealed: &[u8]) -> Result<bool, CryptoError> {
        Ok(Keyring::key_id_of(sealed)? != self.active)
    }

    /// Opens `sealed` and seals it again with the active key, under the same `aad`.
    pub fn reseal(&self, sealed: &[u8], aad: &str) -> Result<Vec<u8>, CryptoError> {
        let plaintext = self.open(sealed, aad)?;
        self.seal(&plaintext, aad)
    }

    /// [`Self::seal`] of a JSON value's compact text.
    pub fn seal_json(&self, value: &serde_json::Value, aad: &str) -> Result<Vec<u8>, CryptoError> {
        let text = Zeroizing::new(serde_json::to_vec(value).map_err(|_| CryptoError::NotJson)?);
        self.seal(&text, aad)
    }

    /// [`Self::open`] of a value sealed by [`Self::seal_json`].
    pub fn open_json(&self, sealed: &[u8], aad: &str) -> Result<serde_json::Value, CryptoError> {
        let text = self.open(sealed, aad)?;
        serde_json::from_slice(&text).map_err(|_| CryptoError::NotJson)
    }
}

/// The AEAD's associated data: the sealed value's fixed-length header, then the caller's text,
/// so the key id and version are authenticated along with the record's identity.
fn full_aad(header: &[u8], aad: &str) -> Vec<u8> {
    let mut full = Vec::with_capacity(header.len() + aad.len());
    full.extend_from_slice(header);
    full.extend_from_slice(aad.as_bytes());
    full
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::MasterKey;

    const AAD: &str = "children/identity/0192f3a4-0000-7000-8000-000000000001/first_name";

    #[test]
    fn seal_open_round_trip() {
        let ring = Keyring::generate();
        for plaintext in [
            &b""[..],
            b"Fatima Zahra",
            "فاطمة الزهراء".as_bytes(),
            &[0u8; 5000],
        ] {
            let sealed = ring.seal(plaintext, AAD).unwrap();
            assert_eq!(sealed.len(), plaintext.len() + SEAL_OVERHEAD);
            assert_eq!(sealed[0], SEAL_VERSION);
            assert_eq!(Keyring::key_id_of(&sealed).unwrap(), 1);
            assert_eq!(ring.open(&sealed, AAD).unwrap().as_slice(), plaintext);
        }
    }

    #[test]
    fn same_plaintext_seals_differently_and_hides_it() {
        let ring = Keyring::generate();
        let a = ring.seal(b"Youssef El Amrani", AAD).unwrap();
        let b = ring.seal(b"Youssef El Amrani", AAD).unwrap();
        assert_ne!(a, b);
        assert!(!a.windows(7).any(|w| w == b"Youssef"));
    }

    #[test]
    fn other_aad_does_not_open() {
        let ring = Keyring::generate();
        let sealed = ring.seal(b"Fatima", AAD).unwrap();
        let other = "children/identity/0192f3a4-0000-7000-8000-000000000002/first_name";
        let err = ring.open(&sealed, other).unwrap_err();
        assert!(matches!(err, CryptoError::Decrypt));
        assert!(ring.open(&sealed, "children/identity/0192f3a4").is_err());
        assert!(matches!(ring.open(&sealed, ""), Err(CryptoError::EmptyAad)));
        assert!(matches!(ring.seal(b"x", ""), Err(CryptoError::EmptyAad)));
    }

    #[test]
    fn any_flipped_bit_fails() {
        let ring = Keyring::generate();
        let sealed = ring.seal(b"Fatima", AAD).unwrap();
        for byte in 0..sealed.len() {
            for bit in 0..8 {
                let mut bad = sealed.clone();
                bad[byte] ^= 1 << bit;
                let err = ring.open(&bad, AAD).unwrap_err();
                let message = err.to_string();
                assert!(!message.contains("Fatima"), "{message}");
            }
        }
        assert!(matches!(
            ring.open(&sealed[..sealed.len() - 1], AAD),
            Err(CryptoError::Decrypt)
        ));
        assert!(matches!(
            ring.open(&sealed[..SEAL_OVERHEAD - 1], AAD),
            Err(CryptoError::Malformed(_))
        ));
    }

    #[test]
    fn another_keyring_or_unknown_key_id_fails_clearly() {
        let ring = Keyring::generate();
        let sealed = ring.seal(b"Fatima", AAD).unwrap();
        // Same key id, another key: authentication fails.
        let stranger = Keyring::generate();
        assert!(matches!(
            stranger.open(&sealed, AAD),
            Err(CryptoError::Decrypt)
        ));
        // A key id the keyring does not have.
        let mut unknown = sealed.clone();
        unknown[1..5].copy_from_slice(&9u32.to_be_bytes());
        let err = ring.open(&unknown, AAD).unwrap_err();
        assert!(matches!(err, CryptoError::UnknownKeyId(9)));
        assert!(err.to_string().contains("no data key with id 9"), "{err}");
        let mut version = sealed.clone();
        version[0] = 2;
        assert!(matches!(
            ring.open(&version, AAD),
            Err(CryptoError::UnsupportedVersion(2))
        ));
    }

    #[test]
    fn rotation_keeps_old_values_readable_and_moves_them() {
        let mut ring = Keyring::generate();
        let index_before = ring.blind_index("phone", "+212600000000");
        let old = ring.seal(b"Fatima", AAD).unwrap();
        assert!(!ring.needs_reseal(&old).unwrap());

        let new_id = ring.rotate().id();
        assert_eq!(new_id, 2);
        assert_eq!(ring.active_key_id(), 2);
        assert_eq!(ring.key_ids().collect::<Vec<_>>(), [1, 2]);
        assert!(ring.needs_reseal(&old).unwrap());
        assert_eq!(ring.open(&old, AAD).unwrap().as_slice(), b"Fatima");

        let moved = ring.reseal(&old, AAD).unwrap();
        assert_eq!(Keyring::key_id_of(&moved).unwrap(), 2);
        assert!(!ring.needs_reseal(&moved).unwrap());
        assert_eq!(ring.open(&moved, AAD).unwrap().as_slice(), b"Fatima");
        // Blind indexes do not depend on data keys.
        assert_eq!(ring.blind_index("phone", "+212600000000"), index_before);
    }

    #[test]
    fn keyring_rebuilt_from_wrapped_keys_opens_old_values() {
        let master = MasterKey::generate();
        let mut ring = Keyring::generate();
        let sealed_1 = ring.seal(b"one", AAD).unwrap();
        ring.rotate();
        let sealed_2 = ring.seal(b"two", AAD).unwrap();
        let stored: Vec<(u32, Vec<u8>)> = ring
            .key_ids()
            .map(|id| (id, ring.data_key(id).unwrap().wrap(&master).unwrap()))
            .collect();
        let index = ring.index_key().wrap(&master).unwrap();

        let keys = stored
            .iter()
            .map(|(id, w)| DataKey::unwrap(*id, w, &master).unwrap());
        let again = Keyring::new(keys, 2, IndexKey::unwrap(1, &index, &master).unwrap()).unwrap();
        assert_eq!(again.open(&sealed_1, AAD).unwrap().as_slice(), b"one");
        assert_eq!(again.open(&sealed_2, AAD).unwrap().as_slice(), b"two");
        assert_eq!(
            again.blind_index("cin", "AB123456"),
            ring.blind_index("cin", "AB123456")
        );

        let err = Keyring::new([DataKey::generate(1)], 5, IndexKey::generate(1)).unwrap_err();
        assert!(matches!(err, CryptoError::ActiveKeyMissing(5)));
    }

    #[test]
    fn json_round_trip() {
        let ring = Keyring::generate();
        let value = serde_json::json!({"first_name": "فاطمة", "birth_date": "2014-03-02"});
        let sealed = ring.seal_json(&value, AAD).unwrap();
        assert_eq!(ring.open_json(&sealed, AAD).unwrap(), value);
        assert!(ring.open_json(&sealed, "children/identity/other").is_err());
        let not_json = ring.seal(b"{not json", AAD).unwrap();
        let err = ring.open_json(&not_json, AAD).unwrap_err();
        assert!(matches!(err, CryptoError::NotJson));
        assert!(!err.to_string().contains("not json"));
    }

    #[test]
    fn debug_shows_key_ids_only() {
        let ring = Keyring::generate();
        assert_eq!(
            format!("{ring:?}"),
            "Keyring { key_ids: [1], active: 1, index_key_id: 1 }"
        );
    }
}
