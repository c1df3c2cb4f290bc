//! Awladna's cryptography, in one small library with no database, no async and no clock.
//!
//! - [`keys`]: the master key (a file outside the database) and the data and index keys it
//!   wraps, so that a database dump alone reveals no child's identity;
//! - [`seal`]: field encryption (XChaCha20-Poly1305) bound to the record's identity, with a key
//!   id in every sealed value so that rotation can re-encrypt progressively;
//! - [`blind`]: keyed blind indexes for exact look-ups on encrypted fields;
//! - [`password`]: Argon2id password hashes;
//! - [`totp`]: RFC 6238 one-time codes, their otpauth URI and QR code;
//! - [`recovery`]: recovery codes, bearer tokens and session ids, and their hashes;
//! - [`chain`]: the audit log's hash chain.
//!
//! Only well-kept RustCrypto crates of one generation do the cryptography; nothing here is
//! hand-written. Types that hold secrets have no derived `Debug` (theirs print key ids only),
//! are zeroized on drop, and no error message carries key material or plaintext.
//! Time is always passed in; randomness comes from the operating system.

pub mod blind;
pub mod chain;
mod error;
pub mod keys;
pub mod password;
pub mod recovery;
pub mod seal;
pub mod totp;

pub use chain::{
    ChainBreak, ChainHead, HeadMismatch, StoredHead, chain_hash, check_head, head_mac, verify_chain,
};
pub use error::CryptoError;
pub use keys::{DataKey, IndexKey, MasterKey};
pub use password::{hash_password, verify_dummy, verify_password};
pub use recovery::{constant_time_eq, generate_recovery_codes, hash_token, new_token};
pub use seal::Keyring;
pub use totp::TotpSecret;
pub use zeroize::Zeroizing;

#[cfg(test)]
pub(crate) mod testdir {
    //! A fresh directory under the system's temporary directory, removed on drop.

    use std::path::{Path, PathBuf};

    pub struct TestDir(PathBuf);

    impl TestDir {
        pub fn new() -> TestDir {
            let name = crate::new_token("awladna-crypto-test");
            let path = std::env::temp_dir().join(name);
            std::fs::create_dir(&path).unwrap();
            TestDir(path)
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TestDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
