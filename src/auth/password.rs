//! Password hashing with argon2id at OWASP's recommended parameters (19 MiB, t=2, p=1).
//!
//! Every hash runs in one shared, reused 19 MiB work area. Letting argon2 allocate its own
//! would leave a 19 MiB block resident in the allocator arena of every thread that ever
//! hashed (measured: six concurrent logins took the server from 10 to 146 MiB). Hashes are
//! therefore computed one at a time — a natural brake on password guessing too.

use std::sync::{Mutex, OnceLock, PoisonError};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use super::AuthError;

/// Argon2id memory cost in KiB (OWASP: 19 MiB).
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const PARALLELISM: u32 = 1;
const OUTPUT_LEN: usize = 32;

/// The shared work area; grows to the largest memory cost seen.
static WORK_AREA: Mutex<Vec<Block>> = Mutex::new(Vec::new());

/// Runs argon2id with `params` into `out`, using the shared work area.
fn argon2id(params: Params, password: &[u8], salt: &[u8], out: &mut [u8]) -> Result<(), AuthError> {
    let blocks = params.m_cost() as usize;
    let mut area = WORK_AREA.lock().unwrap_or_else(PoisonError::into_inner);
    if area.len() < blocks {
        area.resize(blocks, Block::default());
    }
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into_with_memory(password, salt, out, &mut area[..blocks])
        .map_err(|_| AuthError::Hash)
}

/// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, Some(OUTPUT_LEN)).map_err(|_| AuthError::Hash)?;
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|_| AuthError::Hash)?;
    let mut out = [0u8; OUTPUT_LEN];
    argon2id(params.clone(), password.as_bytes(), &salt, &mut out)?;
    let salt = SaltString::encode_b64(&salt).map_err(|_| AuthError::Hash)?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|_| AuthError::Hash)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|_| AuthError::Hash)?),
    };
    Ok(phc.to_string())
}

/// Checks a password against a stored hash. With `None` (unknown user) it verifies against a
/// fixed dummy hash so that both answers take the same time.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let target = match stored {
        Some(hash) => hash,
        None => DUMMY.get_or_init(|| hash_password("plinth-dummy-password").unwrap_or_default()),
    };
    verify(password, target) && stored.is_some()
}

fn verify(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else { return false };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else { return false };
    let Ok(params) = Params::try_from(&parsed) else { return false };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else { return false };
    let mut out = vec![0u8; expected.len()];
    if parsed.algorithm != argon2::ARGON2ID_IDENT || argon2id(params, password.as_bytes(), salt, &mut out).is_err() {
        return false;
    }
    // `Output` compares in constant time.
    Output::new(&out).is_ok_and(|computed| computed == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let a = hash_password("correct horse").unwrap();
        let b = hash_password("correct horse").unwrap();
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse", Some(&a)));
        assert!(!verify_password("wrong", Some(&a)));
        assert!(!verify_password("plinth-dummy-password", None));
    }

    #[test]
    fn hashes_interoperate_with_the_argon2_crate() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let ours = hash_password("s3cret-pass").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default().verify_password(b"s3cret-pass", &parsed).is_ok());
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let theirs = Argon2::default().hash_password(b"other-pass", &salt).unwrap().to_string();
        assert!(verify_password("other-pass", Some(&theirs)));
        assert!(!verify_password("s3cret-pass", Some(&theirs)));
    }
}
