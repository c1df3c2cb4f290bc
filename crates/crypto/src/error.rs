//! The one error type of this crate. Its messages name files, key ids and what to do; they
//! never carry key material, plaintext or the content of a file that failed to parse.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    #[error(
        "not an Awladna master key: expected the line `awladna-master-key-v1` followed by a line \
         of 32 bytes in base64 (the content is not shown)"
    )]
    KeyFileFormat,

    #[error("the master key file {} is too large to be one (the content is not shown)", .path.display())]
    KeyFileTooLarge { path: PathBuf },

    #[error("the master key file {} already exists; it is never overwritten", .path.display())]
    KeyFileExists { path: PathBuf },

    #[error(
        "the master key file {} can be read or written by other users (mode {mode:04o}): \
         run `chmod 600 {}`", .path.display(), .path.display()
    )]
    KeyFilePermissions { path: PathBuf, mode: u32 },

    #[error("cannot {action} the master key file {}", .path.display())]
    KeyFileIo {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "cannot unwrap {purpose} key {id}: wrong master key, or the wrapped key was altered or \
         belongs to another key id"
    )]
    Unwrap { purpose: &'static str, id: u32 },

    #[error(
        "no data key with id {0} in the keyring (was it removed before its values were re-encrypted?)"
    )]
    UnknownKeyId(u32),

    #[error("the keyring has no data key with the active id {0}")]
    ActiveKeyMissing(u32),

    #[error("sealed value is malformed: {0}")]
    Malformed(&'static str),

    #[error("sealed value has unsupported format version {0}")]
    UnsupportedVersion(u8),

    #[error(
        "cannot decrypt: the value was altered, belongs to another record (associated data \
         differs), or was sealed with another key"
    )]
    Decrypt,

    #[error("cannot encrypt this value (too large for one sealed value)")]
    Encrypt,

    #[error("associated data must name the record (it must not be empty)")]
    EmptyAad,

    #[error("decrypted value is not valid JSON (the content is not shown)")]
    NotJson,

    #[error("cannot hash the password: {0}")]
    PasswordHash(String),

    #[error("a TOTP secret must be at least 16 bytes long")]
    TotpSecretTooShort,

    #[error("a TOTP issuer or account name must not contain `:`")]
    TotpLabel,

    #[error("cannot draw the QR code: {0}")]
    QrCode(String),
}
