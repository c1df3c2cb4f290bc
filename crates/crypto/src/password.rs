//! Password hashes: Argon2id with OWASP's parameters (19 MiB of memory, 2 passes, 1 lane),
//! stored as PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`), which carry their own
//! parameters so that raising them later leaves old hashes verifiable ([`needs_rehash`]).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand_core::OsRng;

use crate::CryptoError;

/// Memory cost in KiB (OWASP Password Storage Cheat Sheet, Argon2id, first option).
pub const M_COST_KIB: u32 = 19_456;
/// Number of passes.
pub const T_COST: u32 = 2;
/// Degree of parallelism.
pub const P_COST: u32 = 1;

/// A valid hash of a password nobody knows, with the current parameters. When a login names a
/// user that does not exist, verify against it ([`verify_dummy`]) so that the answer takes as
/// long as for a user that exists, and timing does not tell which usernames exist.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$\
    MoeHL5eB7yvhptJ6dGHNxA$5W0tpvQCbT+ls3XbBaxfOIbJ2eNSEDFxzOqhYhQa5wQ";

fn argon2() -> Result<Argon2<'static>, CryptoError> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None)
        .map_err(|e| CryptoError::PasswordHash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The PHC string of `password`, with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, CryptoError> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| CryptoError::PasswordHash(e.to_string()))?;
    Ok(hash.to_string())
}

/// Whether `password` matches `phc`. A malformed or unsupported `phc` is simply `false`; the
/// parameters are those written in `phc`. The comparison is constant-time (done by `argon2`).
pub fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    if parsed.algorithm != Algorithm::Argon2id.ident() {
        return false;
    }
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// Spends the time of one verification and returns nothing: for logins with an unknown
/// username (see [`DUMMY_HASH`]).
pub fn verify_dummy(password: &str) {
    let _ = std::hint::black_box(verify_password(password, DUMMY_HASH));
}

/// Whether `phc` was made with other parameters than today's, so that it should be replaced by
/// a new hash at the next successful login.
pub fn needs_rehash(phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return true;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    parsed.algorithm != Algorithm::Argon2id.ident()
        || parsed.version != Some(Version::V0x13.into())
        || params.m_cost() != M_COST_KIB
        || params.t_cost() != T_COST
        || params.p_cost() != P_COST
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let phc = hash_password("correct horse battery staple").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_password("correct horse battery staple", &phc));
        assert!(!verify_password("correct horse battery stapl", &phc));
        assert!(!verify_password("", &phc));
        assert!(!needs_rehash(&phc));
        // Same password, another salt.
        assert_ne!(phc, hash_password("correct horse battery staple").unwrap());
    }

    #[test]
    fn arabic_password() {
        let phc = hash_password("كلمة السر ٢٠٢٦").unwrap();
        assert!(verify_password("كلمة السر ٢٠٢٦", &phc));
        assert!(!verify_password("كلمة السر 2026", &phc));
    }

    #[test]
    fn malformed_or_foreign_hashes_do_not_verify() {
        for phc in [
            "",
            "not a hash",
            "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
            "$argon2i$v=19$m=19456,t=2,p=1$MoeHL5eB7yvhptJ6dGHNxA$5W0tpvQCbT+ls3XbBaxfOIbJ2eNSEDFxzOqhYhQa5wQ",
        ] {
            assert!(!verify_password("password", phc), "{phc}");
            assert!(needs_rehash(phc));
        }
    }

    #[test]
    fn older_parameters_still_verify_but_need_rehash() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8192, 1, 1, None).unwrap(),
        );
        let salt = SaltString::generate(&mut OsRng);
        let phc = weak.hash_password(b"pw", &salt).unwrap().to_string();
        assert!(verify_password("pw", &phc));
        assert!(needs_rehash(&phc));
    }

    #[test]
    fn dummy_hash_is_valid_with_current_parameters() {
        // Equal timing needs the dummy to cost what a real hash costs.
        assert!(!needs_rehash(DUMMY_HASH));
        assert!(!verify_password("", DUMMY_HASH));
        verify_dummy("anything");
    }
}
