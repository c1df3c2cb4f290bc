//! The key hierarchy.
//!
//! The **master key** lives in a file outside the database (0600, backed up by the operator).
//! It never encrypts data itself: it wraps the **data keys** that seal fields and the **index
//! key** that computes blind indexes. The wrapped keys are stored in the database, so a
//! database dump alone is useless, and rotating a data key re-encrypts fields without touching
//! the master key file.
//!
//! A wrapped key is `version (1) | nonce (24) | ciphertext + tag (48)`, sealed with
//! XChaCha20-Poly1305 under the master key; its associated data binds the key's purpose and id,
//! so a wrapped key cannot be swapped for another row's (or an index key for a data key)
//! without failing to unwrap.

use std::fmt;
use std::io::{Read, Write};
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand_core::{OsRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::CryptoError;

/// Length of every symmetric key here, in bytes.
pub const KEY_LEN: usize = 32;

/// First line of a master key file; the `v1` lets a later format be told apart.
pub const MASTER_KEY_HEADER: &str = "awladna-master-key-v1";

const WRAP_VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const WRAPPED_LEN: usize = 1 + NONCE_LEN + KEY_LEN + TAG_LEN;
/// A key file is a few lines; anything much larger is not one, and is not read whole.
const MAX_KEY_FILE_LEN: u64 = 4096;

fn random_key() -> [u8; KEY_LEN] {
    let mut bytes = [0u8; KEY_LEN];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// The key that wraps all others. 32 bytes, zeroized on drop, never printed.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct MasterKey {
    bytes: [u8; KEY_LEN],
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// A new random master key from the operating system's generator.
    pub fn generate() -> MasterKey {
        MasterKey {
            bytes: random_key(),
        }
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.bytes.into())
    }

    /// The key file's text: the header line, two comment lines for whoever opens it, and the
    /// key in base64.
    pub fn to_file_text(&self) -> Zeroizing<String> {
        let encoded = Zeroizing::new(BASE64.encode(self.bytes));
        Zeroizing::new(format!(
            "{MASTER_KEY_HEADER}\n\
             # Awladna master key. Keep it secret and keep a copy offline: without this file\n\
             # nobody can read the children's identities stored in the database.\n\
             {}\n",
            encoded.as_str()
        ))
    }

    /// Parses a key file's text: the header line first, then exactly one line of base64 for 32
    /// bytes; blank lines and lines starting with `#` are ignored. Anything else is refused,
    /// and the error never repeats the content.
    pub fn from_file_text(text: &str) -> Result<MasterKey, CryptoError> {
        let mut lines = text.lines().map(str::trim);
        if lines.next() != Some(MASTER_KEY_HEADER) {
            return Err(CryptoError::KeyFileFormat);
        }
        let mut key_lines = lines.filter(|l| !l.is_empty() && !l.starts_with('#'));
        let (Some(line), None) = (key_lines.next(), key_lines.next()) else {
            return Err(CryptoError::KeyFileFormat);
        };
        let decoded = Zeroizing::new(
            BASE64
                .decode(line)
                .map_err(|_| CryptoError::KeyFileFormat)?,
        );
        let bytes: [u8; KEY_LEN] = decoded
            .as_slice()
            .try_into()
            .map_err(|_| CryptoError::KeyFileFormat)?;
        Ok(MasterKey { bytes })
    }

    /// Generates a master key and writes it to a new file `path` (see [`Self::write_new_file`]).
    pub fn create_file(path: &Path) -> Result<MasterKey, CryptoError> {
        let key = MasterKey::generate();
        key.write_new_file(path)?;
        Ok(key)
    }

    /// Writes this key to `path`, which must not exist: an existing key file is never
    /// overwritten, since losing it loses the data. The key is written to a temporary file
    /// created with mode 0600 beside `path`, synced, then hard-linked to `path` (atomic, and
    /// refused if `path` exists), so a crash leaves either no key file or a complete one.
    pub fn write_new_file(&self, path: &Path) -> Result<(), CryptoError> {
        let io = |action: &'static str| {
            move |source| CryptoError::KeyFileIo {
                action,
                path: path.to_path_buf(),
                source,
            }
        };
        if path.symlink_metadata().is_ok() {
            return Err(CryptoError::KeyFileExists {
                path: path.to_path_buf(),
            });
        }
        let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
        tmp_name.push(format!(".tmp-{:08x}", OsRng.next_u32()));
        let tmp = path.with_file_name(tmp_name);

        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp).map_err(io("create"))?;
        let written = file
            .write_all(self.to_file_text().as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(io("write"));
        drop(file);
        let linked = written.and_then(|()| {
            std::fs::hard_link(&tmp, path).map_err(|source| {
                if source.kind() == std::io::ErrorKind::AlreadyExists {
                    CryptoError::KeyFileExists {
                        path: path.to_path_buf(),
                    }
                } else {
                    io("create")(source)
                }
            })
        });
        let removed = std::fs::remove_file(&tmp);
        linked?;
        removed.map_err(io("remove the temporary copy of"))?;
        // Make the new directory entry durable too; a failure here is not worth refusing for.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(dir) = std::fs::File::open(dir)
        {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    /// Reads the key file at `path`. On unix, a file that group or others may read or write is
    /// refused with a message that says `chmod 600 FILE`.
    pub fn load_file(path: &Path) -> Result<MasterKey, CryptoError> {
        let io = |source| CryptoError::KeyFileIo {
            action: "read",
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        // Permissions and size are checked on the open file, not on the path, so they are
        // those of the file actually read.
        let metadata = file.metadata().map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = metadata.permissions().mode() & 0o7777;
            if mode & 0o077 != 0 {
                return Err(CryptoError::KeyFilePermissions {
                    path: path.to_path_buf(),
                    mode,
                });
            }
        }
        if metadata.len() > MAX_KEY_FILE_LEN {
            return Err(CryptoError::KeyFileTooLarge {
                path: path.to_path_buf(),
            });
        }
        let mut text = Zeroizing::new(String::new());
        file.take(MAX_KEY_FILE_LEN)
            .read_to_string(&mut text)
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::InvalidData => CryptoError::KeyFileFormat,
                _ => io(source),
            })?;
        MasterKey::from_file_text(&text)
    }
}

/// What a wrapped key is for; bound into the wrapping's associated data.
#[derive(Clone, Copy)]
enum Purpose {
    Data,
    BlindIndex,
}

impl Purpose {
    fn name(self) -> &'static str {
        match self {
            Purpose::Data => "data",
            Purpose::BlindIndex => "blind-index",
        }
    }

    fn aad(self, id: u32) -> Vec<u8> {
        let mut aad = b"awladna/wrapped-key/v1/".to_vec();
        aad.extend_from_slice(self.name().as_bytes());
        aad.push(0);
        aad.extend_from_slice(&id.to_be_bytes());
        aad
    }
}

fn wrap(
    master: &MasterKey,
    purpose: Purpose,
    id: u32,
    key: &[u8; KEY_LEN],
) -> Result<Vec<u8>, CryptoError> {
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let aad = purpose.aad(id);
    let ciphertext = master
        .cipher()
        .encrypt(
            &nonce,
            Payload {
                msg: key,
                aad: &aad,
            },
        )
        .map_err(|_| CryptoError::Encrypt)?;
    let mut out = Vec::with_capacity(WRAPPED_LEN);
    out.push(WRAP_VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

fn unwrap(
    master: &MasterKey,
    purpose: Purpose,
    id: u32,
    wrapped: &[u8],
) -> Result<[u8; KEY_LEN], CryptoError> {
    let failed = CryptoError::Unwrap {
        purpose: purpose.name(),
        id,
    };
    if wrapped.len() != WRAPPED_LEN || wrapped[0] != WRAP_VERSION {
        return Err(failed);
    }
    let (nonce, ciphertext) = wrapped[1..].split_at(NONCE_LEN);
    let aad = purpose.aad(id);
    let plain = Zeroizing::new(
        master
            .cipher()
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| failed)?,
    );
    plain
        .as_slice()
        .try_into()
        .map_err(|_| CryptoError::Unwrap {
            purpose: purpose.name(),
            id,
        })
}

/// A key that seals fields. Its id is written in front of every value it seals, so the keyring
/// can pick it when opening and a rotation can find the values still on it.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct DataKey {
    #[zeroize(skip)]
    id: u32,
    bytes: [u8; KEY_LEN],
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl DataKey {
    /// A new random data key with this id.
    pub fn generate(id: u32) -> DataKey {
        DataKey {
            id,
            bytes: random_key(),
        }
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    pub(crate) fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.bytes.into())
    }

    /// This key encrypted under the master key, to be stored beside its id.
    pub fn wrap(&self, master: &MasterKey) -> Result<Vec<u8>, CryptoError> {
        wrap(master, Purpose::Data, self.id, &self.bytes)
    }

    /// The data key `id` from its wrapped form. Fails if the master key is not the one that
    /// wrapped it, if the bytes were altered, or if they were wrapped for another id or purpose.
    pub fn unwrap(id: u32, wrapped: &[u8], master: &MasterKey) -> Result<DataKey, CryptoError> {
        Ok(DataKey {
            id,
            bytes: unwrap(master, Purpose::Data, id, wrapped)?,
        })
    }
}

/// The key of the blind indexes (see [`crate::blind`]). Separate from the data keys: rotating
/// those must not change any index. Changing this one means recomputing every index, hence
/// its own id.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct IndexKey {
    #[zeroize(skip)]
    id: u32,
    bytes: [u8; KEY_LEN],
}

impl fmt::Debug for IndexKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IndexKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl IndexKey {
    /// A new random index key with this id.
    pub fn generate(id: u32) -> IndexKey {
        IndexKey {
            id,
            bytes: random_key(),
        }
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.bytes
    }

    /// This key encrypted under the master key, to be stored beside its id.
    pub fn wrap(&self, master: &MasterKey) -> Result<Vec<u8>, CryptoError> {
        wrap(master, Purpose::BlindIndex, self.id, &self.bytes)
    }

    /// The index key `id` from its wrapped form (same checks as [`DataKey::unwrap`]).
    pub fn unwrap(id: u32, wrapped: &[u8], master: &MasterKey) -> Result<IndexKey, CryptoError> {
        Ok(IndexKey {
            id,
            bytes: unwrap(master, Purpose::BlindIndex, id, wrapped)?,
        })
    }
}

#[cfg(test)]
impl IndexKey {
    pub(crate) fn from_bytes_for_test(id: u32, bytes: [u8; KEY_LEN]) -> IndexKey {
        IndexKey { id, bytes }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdir::TestDir;

    #[test]
    fn master_key_file_text_round_trips() {
        let key = MasterKey::generate();
        let text = key.to_file_text();
        assert!(text.starts_with("awladna-master-key-v1\n"));
        let again = MasterKey::from_file_text(&text).unwrap();
        assert_eq!(key.bytes, again.bytes);
        // Windows line ends and no final newline are accepted too.
        let crlf = text.trim_end().replace('\n', "\r\n");
        assert_eq!(MasterKey::from_file_text(&crlf).unwrap().bytes, key.bytes);
    }

    #[test]
    fn malformed_key_text_is_refused_without_echoing_it() {
        let key = MasterKey::generate();
        let good = key.to_file_text();
        let b64 = BASE64.encode(key.bytes);
        let short = BASE64.encode([7u8; 31]);
        let cases = [
            String::new(),
            b64.clone(),                                        // no header
            format!("awladna-master-key-v2\n{b64}\n"),          // unknown version
            format!("{MASTER_KEY_HEADER}\n"),                   // no key
            format!("{MASTER_KEY_HEADER}\n{short}\n"),          // 31 bytes
            format!("{MASTER_KEY_HEADER}\n{b64}\n{b64}\n"),     // two keys
            format!("{MASTER_KEY_HEADER}\nsecret-password!\n"), // not base64
            good.replace(MASTER_KEY_HEADER, "# awladna-master-key-v1"),
        ];
        for case in cases {
            let err = MasterKey::from_file_text(&case).unwrap_err();
            assert!(matches!(err, CryptoError::KeyFileFormat), "{case:?}");
            let message = err.to_string();
            assert!(!message.contains(&b64) && !message.contains("secret-password"));
        }
    }

    #[test]
    fn debug_never_prints_key_bytes() {
        let master = MasterKey::generate();
        assert_eq!(format!("{master:?}"), "MasterKey(..)");
        let data = DataKey::generate(7);
        assert_eq!(format!("{data:?}"), "DataKey { id: 7, .. }");
        assert_eq!(
            format!("{:?}", IndexKey::generate(2)),
            "IndexKey { id: 2, .. }"
        );
    }

    #[cfg(unix)]
    #[test]
    fn key_file_is_created_0600_and_never_overwritten() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TestDir::new();
        let path = dir.path().join("master.key");
        let key = MasterKey::create_file(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let loaded = MasterKey::load_file(&path).unwrap();
        assert_eq!(loaded.bytes, key.bytes);

        let err = MasterKey::create_file(&path).unwrap_err();
        assert!(matches!(err, CryptoError::KeyFileExists { .. }), "{err}");
        assert_eq!(MasterKey::load_file(&path).unwrap().bytes, key.bytes);
        // No temporary copy is left beside it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn group_or_world_readable_key_file_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TestDir::new();
        let path = dir.path().join("master.key");
        MasterKey::create_file(&path).unwrap();
        for mode in [0o644, 0o640, 0o604, 0o620] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let err = MasterKey::load_file(&path).unwrap_err();
            assert!(matches!(err, CryptoError::KeyFilePermissions { .. }));
            let message = err.to_string();
            assert!(
                message.contains(&format!("chmod 600 {}", path.display())),
                "{message}"
            );
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        MasterKey::load_file(&path).unwrap();
    }

    #[test]
    fn missing_or_foreign_key_file_gives_a_clear_error() {
        let dir = TestDir::new();
        let path = dir.path().join("absent.key");
        let err = MasterKey::load_file(&path).unwrap_err();
        assert!(err.to_string().contains("absent.key"), "{err}");

        let other = dir.path().join("other.key");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options
            .open(&other)
            .unwrap()
            .write_all(b"DATABASE_PASSWORD=hunter2\n")
            .unwrap();
        let err = MasterKey::load_file(&other).unwrap_err();
        assert!(matches!(err, CryptoError::KeyFileFormat));
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn data_key_wrap_round_trips() {
        let master = MasterKey::generate();
        let key = DataKey::generate(3);
        let wrapped = key.wrap(&master).unwrap();
        assert_eq!(wrapped.len(), WRAPPED_LEN);
        let again = DataKey::unwrap(3, &wrapped, &master).unwrap();
        assert_eq!(again.id(), 3);
        assert_eq!(again.bytes, key.bytes);
    }

    #[test]
    fn wrapped_key_is_bound_to_master_id_and_purpose() {
        let master = MasterKey::generate();
        let key = DataKey::generate(3);
        let wrapped = key.wrap(&master).unwrap();

        let other_master = MasterKey::generate();
        let err = DataKey::unwrap(3, &wrapped, &other_master).unwrap_err();
        assert!(matches!(err, CryptoError::Unwrap { id: 3, .. }), "{err}");
        // Stored under another id: refused.
        assert!(DataKey::unwrap(4, &wrapped, &master).is_err());
        // A data key presented as the index key: refused.
        assert!(IndexKey::unwrap(3, &wrapped, &master).is_err());
        // Any altered byte: refused.
        for i in 0..wrapped.len() {
            let mut bad = wrapped.clone();
            bad[i] ^= 0x01;
            assert!(DataKey::unwrap(3, &bad, &master).is_err(), "byte {i}");
        }
        assert!(DataKey::unwrap(3, &wrapped[..wrapped.len() - 1], &master).is_err());

        let index = IndexKey::generate(1);
        let wrapped_index = index.wrap(&master).unwrap();
        assert_eq!(
            IndexKey::unwrap(1, &wrapped_index, &master).unwrap().bytes,
            index.bytes
        );
        assert!(DataKey::unwrap(1, &wrapped_index, &master).is_err());
    }
}
