//! The TOTP second factor: RFC 6238 codes (HMAC-SHA-1, 6 digits, 30 s steps, one step of
//! clock drift either way) as standard authenticator apps compute them.
//!
//! Setup stores a pending secret; the first valid code enables it and issues single-use
//! recovery codes, shown once and stored as SHA-256 hashes. Once enabled, login needs a
//! current code or an unused recovery code. A code is accepted once: the last accepted time
//! step is kept and codes of that step or an earlier one are refused.

use base64::Engine;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

use super::{AccountEvent, AuthError, hash_secret, qr, random_bytes, record_event, verify_password};
use crate::access::Principal;
use crate::audit::{Action, Context};
use crate::store::{Connection, Db, OptionalExtension, StoreError, now};

/// The issuer authenticator apps show next to the account.
const ISSUER: &str = "Plinth";
const DIGITS: usize = 6;
/// Seconds per time step.
const STEP_SECONDS: i64 = 30;
/// Time steps of clock drift accepted either way.
const SKEW: u8 = 1;
/// Secret length: 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;
/// Random bytes per recovery code (64 bits).
const RECOVERY_CODE_BYTES: usize = 8;
const RECOVERY_CODES: usize = 10;

const ALREADY_ENABLED: &str = "Two-factor authentication is already enabled.";
const NOT_SET_UP: &str = "Set up two-factor authentication first.";
const NOT_ENABLED: &str = "Two-factor authentication is not enabled.";

/// Characters left as they are in the otpauth label (RFC 3986 unreserved).
const LABEL: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// What setup answers: the secret in every form an authenticator app takes.
#[derive(Debug, Serialize)]
pub struct TotpSetup {
    /// Base32 (RFC 4648, unpadded), for typing in.
    pub secret: String,
    pub otpauth_url: String,
    /// The otpauth URL as a QR code, a base64 PNG.
    pub qr_png_base64: String,
}

/// A user's stored TOTP state.
struct State {
    secret: Vec<u8>,
    enabled: bool,
    last_step: Option<i64>,
}

impl State {
    /// The time step `code` belongs to: one in the drift window around now that is later
    /// than the last accepted step.
    fn step_of(&self, code: &str) -> Option<i64> {
        let generator = generator(self.secret.clone());
        let (current, skew) = (current_step(), i64::from(SKEW));
        (current - skew..=current + skew).filter(|step| self.last_step.is_none_or(|last| *step > last)).find(|step| {
            code_at(&generator, *step).is_some_and(|expected| bool::from(expected.as_bytes().ct_eq(code.as_bytes())))
        })
    }
}

/// Starts (or restarts) setup for `user` with a new pending secret.
pub fn setup_totp(db: &Db, user: &Principal) -> Result<TotpSetup, AuthError> {
    let secret = random_bytes::<SECRET_BYTES>().to_vec();
    let encoded = generator(secret.clone()).get_secret_base32();
    let otpauth_url = otpauth_url(&user.username, &encoded);
    let qr_png_base64 = base64::engine::general_purpose::STANDARD.encode(qr::to_png(&otpauth_url)?);
    let user_id = user.user_id.clone();
    db.write(move |conn| {
        let stored = conn
            .execute(
                "INSERT INTO user_totp (user_id, secret, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at,
                     last_step = NULL WHERE enabled = 0",
                rusqlite::params![user_id, secret, now()],
            )
            .map_err(StoreError::from)?;
        if stored == 0 { Err(AuthError::TwoFactorState(ALREADY_ENABLED)) } else { Ok(()) }
    })?;
    Ok(TotpSetup { secret: encoded, otpauth_url, qr_png_base64 })
}

/// Enables the pending secret with a valid code; answers the recovery codes (shown once).
pub fn enable_totp(db: &Db, user: &Principal, code: &str, context: &Context) -> Result<Vec<String>, AuthError> {
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
    let hashes: Vec<String> = codes.iter().map(|c| hash_secret(&normalize(c))).collect();
    let (user_id, username, code, context) =
        (user.user_id.clone(), user.username.clone(), code.to_string(), context.clone());
    db.write(move |conn| {
        let state = load(conn, &user_id)?.ok_or(AuthError::TwoFactorState(NOT_SET_UP))?;
        if state.enabled {
            return Err(AuthError::TwoFactorState(ALREADY_ENABLED));
        }
        if !accept_code(conn, &user_id, &state, &code)? {
            return Err(AuthError::InvalidCode);
        }
        let at = now();
        conn.execute("UPDATE user_totp SET enabled = 1, confirmed_at = ?1 WHERE user_id = ?2", [&at, &user_id])
            .map_err(StoreError::from)?;
        let mut insert = conn
            .prepare("INSERT INTO totp_recovery_codes (user_id, code_hash, created_at) VALUES (?1, ?2, ?3)")
            .map_err(StoreError::from)?;
        for hash in &hashes {
            insert.execute([&user_id, hash, &at]).map_err(StoreError::from)?;
        }
        log(conn, Action::TwoFactorEnabled, &user_id, &username, &context)
    })?;
    Ok(codes)
}

/// Turns the second factor off (or abandons a pending setup): the account password must be
/// right, and `code`, when given, valid. The secret and the recovery codes are deleted.
pub fn disable_totp(
    db: &Db,
    user: &Principal,
    password: &str,
    code: Option<&str>,
    context: &Context,
) -> Result<(), AuthError> {
    let stored: Option<String> = db.read(|conn| {
        conn.query_row("SELECT password FROM users WHERE id = ?1", [&user.user_id], |r| r.get(0))
            .optional()
            .map_err(StoreError::from)
    })?;
    if !verify_password(password, stored.as_deref()) {
        return Err(AuthError::WrongPassword);
    }
    let (user_id, username, code, context) =
        (user.user_id.clone(), user.username.clone(), code.map(str::to_string), context.clone());
    db.write(move |conn| {
        let state = load(conn, &user_id)?.ok_or(AuthError::TwoFactorState(NOT_ENABLED))?;
        if let Some(code) = code
            && !(accept_code(conn, &user_id, &state, &code)? || spend_recovery_code(conn, &user_id, &code)?)
        {
            return Err(AuthError::InvalidCode);
        }
        remove(conn, &user_id)?;
        if state.enabled { log(conn, Action::TwoFactorDisabled, &user_id, &username, &context) } else { Ok(()) }
    })
}

/// Account recovery by an operator (`plinth user reset-2fa`): turns `username`'s second
/// factor off without a code; `false` when it was not on.
pub fn reset_totp(db: &Db, username: &str, context: &Context) -> Result<bool, AuthError> {
    let (username, context) = (username.to_string(), context.clone());
    db.write(move |conn| {
        let user_id: String = conn
            .query_row("SELECT id FROM users WHERE username = ?1", [&username], |r| r.get(0))
            .optional()
            .map_err(StoreError::from)?
            .ok_or(AuthError::UnknownUser)?;
        let enabled = load(conn, &user_id)?.is_some_and(|state| state.enabled);
        remove(conn, &user_id)?;
        if enabled {
            log(conn, Action::TwoFactorDisabled, &user_id, &username, &context)?;
        }
        Ok(enabled)
    })
}

/// Deletes the user's secret and recovery codes.
fn remove(conn: &Connection, user_id: &str) -> Result<(), StoreError> {
    for sql in ["DELETE FROM user_totp WHERE user_id = ?1", "DELETE FROM totp_recovery_codes WHERE user_id = ?1"] {
        conn.execute(sql, [user_id])?;
    }
    Ok(())
}

/// What the second factor says about a login whose password is right.
pub(super) enum SecondFactor {
    /// Not enabled for this user, or `otp` is a valid code (now spent).
    Passed,
    /// Enabled, and the login carried no code.
    Missing,
    /// Enabled, and the code is wrong, spent or outside its window.
    Wrong,
}

/// Checks a login's `otp` (a current code or an unused recovery code, which it spends);
/// runs inside the login's write transaction.
pub(super) fn check_login(conn: &Connection, user_id: &str, otp: Option<&str>) -> Result<SecondFactor, AuthError> {
    let Some(state) = load(conn, user_id)?.filter(|s| s.enabled) else { return Ok(SecondFactor::Passed) };
    let Some(otp) = otp else { return Ok(SecondFactor::Missing) };
    if accept_code(conn, user_id, &state, otp)? || spend_recovery_code(conn, user_id, otp)? {
        Ok(SecondFactor::Passed)
    } else {
        Ok(SecondFactor::Wrong)
    }
}

fn load(conn: &Connection, user_id: &str) -> Result<Option<State>, StoreError> {
    Ok(conn
        .query_row("SELECT secret, enabled, last_step FROM user_totp WHERE user_id = ?1", [user_id], |r| {
            Ok(State { secret: r.get(0)?, enabled: r.get(1)?, last_step: r.get(2)? })
        })
        .optional()?)
}

/// Accepts a TOTP code and records its step, so that it cannot be used again.
fn accept_code(conn: &Connection, user_id: &str, state: &State, code: &str) -> Result<bool, AuthError> {
    let Some(step) = state.step_of(code) else { return Ok(false) };
    conn.execute("UPDATE user_totp SET last_step = ?1 WHERE user_id = ?2", rusqlite::params![step, user_id])
        .map_err(StoreError::from)?;
    Ok(true)
}

/// Spends an unused recovery code of the user, if `code` is one.
fn spend_recovery_code(conn: &Connection, user_id: &str, code: &str) -> Result<bool, AuthError> {
    let spent = conn
        .execute(
            "UPDATE totp_recovery_codes SET used_at = ?1 WHERE user_id = ?2 AND code_hash = ?3 AND used_at IS NULL",
            rusqlite::params![now(), user_id, hash_secret(&normalize(code))],
        )
        .map_err(StoreError::from)?;
    Ok(spent == 1)
}

fn log(conn: &Connection, action: Action, user_id: &str, username: &str, context: &Context) -> Result<(), AuthError> {
    let event =
        AccountEvent { action, user: Some(user_id), username, object: ("user", user_id, username), changes: None };
    record_event(conn, event, context)
}

/// The RFC 6238 code generator for a secret.
fn generator(secret: Vec<u8>) -> TOTP {
    // Unchecked: the parameters are the constants above and secrets are always SECRET_BYTES.
    TOTP::new_unchecked(Algorithm::SHA1, DIGITS, SKEW, STEP_SECONDS.unsigned_abs(), secret)
}

/// The code of a time step (none before 1970).
fn code_at(generator: &TOTP, step: i64) -> Option<String> {
    u64::try_from(step * STEP_SECONDS).ok().map(|time| generator.generate(time))
}

/// The current time step.
fn current_step() -> i64 {
    chrono::Utc::now().timestamp().div_euclid(STEP_SECONDS)
}

/// The Key URI authenticator apps import: `otpauth://totp/Plinth:alice?secret=…`.
fn otpauth_url(username: &str, secret: &str) -> String {
    let account = utf8_percent_encode(username, LABEL);
    format!(
        "otpauth://totp/{ISSUER}:{account}?secret={secret}&issuer={ISSUER}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}"
    )
}

/// A new recovery code: 16 hex digits in groups of four (`1f2e-3d4c-5b6a-7988`).
fn recovery_code() -> String {
    let digits = hex::encode(random_bytes::<RECOVERY_CODE_BYTES>());
    let groups: Vec<&str> = (0..digits.len()).step_by(4).map(|i| &digits[i..i + 4]).collect();
    groups.join("-")
}

/// A recovery code as hashed: hex digits only, lower case (dashes and spaces are optional).
fn normalize(code: &str) -> String {
    code.chars().filter(char::is_ascii_hexdigit).map(|c| c.to_ascii_lowercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_grouped_hex_and_normalize_for_hashing() {
        let code = recovery_code();
        assert_eq!(code.len(), 19);
        assert_eq!(code.split('-').count(), 4);
        assert_eq!(normalize(&code.to_uppercase().replace('-', " ")), code.replace('-', ""));
    }

    #[test]
    fn a_code_is_found_in_the_drift_window_and_not_at_or_before_the_last_step() {
        let state = State { secret: b"12345678901234567890".to_vec(), enabled: true, last_step: None };
        let generator = generator(state.secret.clone());
        let now = current_step();
        let next = code_at(&generator, now + 1).unwrap();
        assert_eq!(state.step_of(&next), Some(now + 1));
        assert_eq!(state.step_of(&code_at(&generator, now + 3).unwrap()), None, "outside the window");
        let replayed = State { last_step: Some(now + 1), ..state };
        assert_eq!(replayed.step_of(&next), None, "already accepted");
    }

    #[test]
    fn the_otpauth_label_is_escaped() {
        let url = otpauth_url("a b+c@d", "ABC");
        assert!(url.starts_with("otpauth://totp/Plinth:a%20b%2Bc%40d?secret=ABC&issuer=Plinth&"), "{url}");
    }
}
