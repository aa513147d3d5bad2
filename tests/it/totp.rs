//! TOTP second factor: codes interoperate with an independent RFC 6238 implementation (checked
//! against the RFCs' own test vectors), setup answers an otpauth URL and a PNG QR code, login
//! needs a code once enabled, codes and recovery codes are single-use, disabling needs the
//! password, input errors have DRF shapes, and the audit trail records the changes without
//! the secret.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha1::Sha1;

use crate::common::{Client, Resp, TestServer, assert_detail, assert_field_error, get_ok, regular_user};

const SETUP: &str = "/api/v1/auth/2fa/totp/setup/";
const VERIFY: &str = "/api/v1/auth/2fa/totp/verify/";
const DISABLE: &str = "/api/v1/auth/2fa/totp/disable/";
const TOKEN: &str = "/api/v1/auth/token/";
/// `regular_user`'s credentials.
const BOB: (&str, &str) = ("bob", "bob-password-1");

/// HOTP (RFC 4226 §5.3), written from the RFC: HMAC-SHA-1 of the big-endian counter,
/// dynamic truncation, modulo 10^digits.
fn hotp(key: &[u8], counter: u64, digits: u32) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[19] & 0x0f);
    let binary = u32::from_be_bytes([hash[offset] & 0x7f, hash[offset + 1], hash[offset + 2], hash[offset + 3]]);
    format!("{:0width$}", binary % 10u32.pow(digits), width = digits as usize)
}

/// TOTP (RFC 6238 §4): HOTP of the number of 30-second steps since the Unix epoch.
fn totp(key: &[u8], unix_seconds: u64, digits: u32) -> String {
    hotp(key, unix_seconds / 30, digits)
}

/// Decodes unpadded RFC 4648 base32.
pub(crate) fn base32_decode(text: &str) -> Vec<u8> {
    let (mut bits, mut buffer, mut out) = (0u32, 0u64, Vec::new());
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            other => panic!("not base32: {:?}", other as char),
        };
        buffer = (buffer << 5) | u64::from(value);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
}

fn current_step() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_secs() / 30
}

/// The 6-digit code of a time step `offset` steps from now, computed right before use (the
/// server accepts a step of drift either way, which covers a step boundary passing).
pub(crate) fn code(key: &[u8], offset: i64) -> String {
    hotp(key, current_step().checked_add_signed(offset).expect("step"), 6)
}

/// A 6-digit code that is valid in no step near now.
fn wrong_code(key: &[u8]) -> String {
    let near: Vec<String> = (-2..=2).map(|offset| code(key, offset)).collect();
    (0..).map(|n| format!("{n:06}")).find(|candidate| !near.contains(candidate)).expect("a wrong code")
}

fn login(server: &TestServer, otp: Option<&str>) -> Resp {
    let mut body = json!({ "username": BOB.0, "password": BOB.1 });
    if let Some(otp) = otp {
        body["otp"] = Value::from(otp);
    }
    server.client().post(TOKEN, &body)
}

/// Sets up and enables the second factor for `client`: answers the key and recovery codes.
fn enable(client: &Client) -> (Vec<u8>, Vec<String>) {
    let setup = client.post(SETUP, &json!({}));
    assert_eq!(setup.status, 200, "{}", setup.text);
    let key = base32_decode(setup.json["secret"].as_str().expect("secret"));
    let verified = client.post(VERIFY, &json!({ "code": code(&key, 0) }));
    assert_eq!(verified.status, 200, "{}", verified.text);
    let codes = verified.json["recovery_codes"].as_array().expect("recovery codes");
    (key, codes.iter().map(|c| c.as_str().expect("code").to_string()).collect())
}

#[test]
fn the_independent_implementation_matches_the_rfc_test_vectors() {
    // RFC 4226 Appendix D: HOTP of the ASCII secret "12345678901234567890", counters 0-9.
    let hotp_vectors =
        ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
    for (counter, expected) in hotp_vectors.iter().enumerate() {
        assert_eq!(hotp(b"12345678901234567890", counter as u64, 6), *expected, "HOTP counter {counter}");
    }
    // RFC 6238 Appendix B, SHA-1 rows (8 digits).
    let totp_vectors = [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ];
    for (time, expected) in totp_vectors {
        assert_eq!(totp(b"12345678901234567890", time, 8), expected, "TOTP at {time}");
    }
    assert_eq!(base32_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), b"12345678901234567890");
}

#[test]
fn setup_answers_a_base32_secret_its_otpauth_url_and_a_png_qr_code() {
    let server = TestServer::start();
    let bob = regular_user(&server);
    let setup = bob.post(SETUP, &json!({}));
    assert_eq!(setup.status, 200, "{}", setup.text);
    let secret = setup.json["secret"].as_str().expect("secret");
    assert_eq!(base32_decode(secret).len(), 20, "a 160-bit secret");

    let url = setup.json["otpauth_url"].as_str().expect("otpauth_url");
    let (label, query) = url.strip_prefix("otpauth://totp/").and_then(|rest| rest.split_once('?')).expect("Key URI");
    assert_eq!(label, "Plinth:bob");
    let mut params: Vec<(&str, &str)> = query.split('&').filter_map(|pair| pair.split_once('=')).collect();
    params.sort();
    assert_eq!(
        params,
        [("algorithm", "SHA1"), ("digits", "6"), ("issuer", "Plinth"), ("period", "30"), ("secret", secret)]
    );

    let png = base64::engine::general_purpose::STANDARD
        .decode(setup.json["qr_png_base64"].as_str().expect("qr_png_base64"))
        .expect("base64");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&png[12..16], b"IHDR", "the first chunk is the header");
    let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().expect("a valid PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("size")];
    let frame = reader.next_frame(&mut pixels).expect("image data");
    assert_eq!(frame.width, frame.height, "square");
    assert!((100..=1000).contains(&frame.width), "scannable size: {}", frame.width);
    assert!(pixels.contains(&0) && pixels.contains(&255), "black modules on white");

    let again = bob.post(SETUP, &json!({}));
    assert_ne!(again.json["secret"], setup.json["secret"], "setup again replaces the pending secret");
    let stale = bob.post(VERIFY, &json!({ "code": code(&base32_decode(secret), 0) }));
    assert_field_error(&stale, "code", "Invalid");
}

#[test]
fn login_needs_a_single_use_code_once_enabled_until_disabled() {
    let server = TestServer::start();
    let bob = regular_user(&server);
    assert_eq!(login(&server, Some("123456")).status, 200, "an otp is ignored while 2FA is off");
    let (key, recovery) = enable(&bob);
    assert_eq!(recovery.len(), 10);
    let mut distinct = recovery.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 10, "distinct recovery codes");

    assert_detail(&login(&server, None), 401, "otp_required");
    assert_detail(&login(&server, Some(&wrong_code(&key))), 401, "otp_required");
    let wrong_password = server.client().post(TOKEN, &json!({ "username": BOB.0, "password": "nope-nope-1" }));
    let unknown = server.client().post(TOKEN, &json!({ "username": "nobody", "password": "nope-nope-1" }));
    assert_detail(&wrong_password, 401, "not_authenticated");
    assert_eq!(wrong_password.json, unknown.json, "nothing tells 2FA is on before the password is right");

    // The code of the enabling step is spent; the next step's is within the drift window.
    let next = code(&key, 1);
    let session = login(&server, Some(&next));
    assert_eq!(session.status, 200, "{}", session.text);
    assert_detail(&login(&server, Some(&next)), 401, "otp_required");

    assert_eq!(login(&server, Some(&recovery[0])).status, 200, "a recovery code works");
    assert_detail(&login(&server, Some(&recovery[0])), 401, "otp_required");
    let typed = recovery[1].replace('-', "").to_uppercase();
    assert_eq!(login(&server, Some(&typed)).status, 200, "dashes and case do not matter");

    assert_field_error(&bob.post(DISABLE, &json!({ "password": "not-my-password" })), "password", "incorrect");
    let with_bad_code = bob.post(DISABLE, &json!({ "password": BOB.1, "code": wrong_code(&key) }));
    assert_field_error(&with_bad_code, "code", "Invalid");
    let disabled = bob.post(DISABLE, &json!({ "password": BOB.1 }));
    assert_eq!(disabled.status, 200, "{}", disabled.text);
    assert_eq!(login(&server, None).status, 200, "no second factor any more");
    assert_eq!(stored_rows(&server), (0, 0), "secret and recovery codes are deleted");
}

/// Rows of the TOTP tables: (secrets, recovery codes).
fn stored_rows(server: &TestServer) -> (i64, i64) {
    server
        .db()
        .read(|conn| {
            let count = |table: &str| conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0));
            Ok::<_, plinth::store::StoreError>((count("user_totp")?, count("totp_recovery_codes")?))
        })
        .expect("counts")
}

#[test]
fn state_errors_and_single_use_recovery_codes_stored_hashed() {
    let server = TestServer::start();
    let bob = regular_user(&server);
    assert_field_error(&bob.post(VERIFY, &json!({ "code": "123456" })), "non_field_errors", "Set up");
    assert_field_error(&bob.post(DISABLE, &json!({ "password": BOB.1 })), "non_field_errors", "not enabled");
    let (key, recovery) = enable(&bob);
    assert_field_error(&bob.post(SETUP, &json!({})), "non_field_errors", "already enabled");
    assert_field_error(&bob.post(VERIFY, &json!({ "code": code(&key, 1) })), "non_field_errors", "already enabled");

    let hashes: Vec<String> = server
        .db()
        .read(|conn| {
            let mut stmt = conn.prepare("SELECT code_hash FROM totp_recovery_codes")?;
            let rows = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
            Ok::<_, plinth::store::StoreError>(rows)
        })
        .expect("hashes");
    assert_eq!(hashes.len(), 10);
    let expected = plinth::auth::hash_secret(&recovery[0].replace('-', ""));
    assert!(hashes.contains(&expected), "SHA-256 of the code, never the code");
    assert!(!hashes.iter().any(|h| recovery.iter().any(|code| h.contains(&code.replace('-', "")))));

    // A recovery code also confirms disabling, and is spent by it.
    let disabled = bob.post(DISABLE, &json!({ "password": BOB.1, "code": recovery[2] }));
    assert_eq!(disabled.status, 200, "{}", disabled.text);
}

#[test]
fn audit_entries_record_enabling_and_disabling_without_the_secret() {
    let server = TestServer::start();
    let admin = server.admin();
    let bob = regular_user(&server);
    let setup = bob.post(SETUP, &json!({}));
    let secret = setup.json["secret"].as_str().expect("secret").to_string();
    let key = base32_decode(&secret);
    let recovery = bob.post(VERIFY, &json!({ "code": code(&key, 0) })).json["recovery_codes"].clone();
    assert_eq!(login(&server, Some(&code(&key, 1))).status, 200);
    assert_eq!(bob.post(DISABLE, &json!({ "password": BOB.1 })).status, 200);

    for action in ["2FA_ENABLED", "2FA_DISABLED"] {
        let entries = get_ok(&admin, &format!("/api/v1/audit-logs/?action={action}"));
        assert_eq!(entries["count"], 1, "{action}: {entries}");
        assert_eq!(entries["results"][0]["username"], "bob");
        assert_eq!(entries["results"][0]["object_id"], entries["results"][0]["user"]);
    }
    let trail = get_ok(&admin, "/api/v1/audit-logs/?page_size=1000").to_string();
    assert!(!trail.contains(&secret), "the secret never reaches the trail");
    for code in recovery.as_array().expect("codes") {
        assert!(!trail.contains(code.as_str().expect("code")), "nor do recovery codes");
    }
}

#[test]
fn wrong_codes_count_as_failed_logins_for_the_throttle() {
    let server = TestServer::start_with(|config| {
        config.throttle.per_username = plinth::auth::Limit { free_failures: 2, max_cool_off: Duration::from_secs(30) };
    });
    let admin = server.admin();
    let bob = regular_user(&server);
    let (key, _) = enable(&bob);
    assert_detail(&login(&server, None), 401, "otp_required");
    assert_detail(&login(&server, None), 401, "otp_required");
    for _ in 0..2 {
        assert_detail(&login(&server, Some(&wrong_code(&key))), 401, "otp_required");
    }
    assert_detail(&login(&server, Some(&code(&key, 1))), 429, "throttled");
    let failed = get_ok(&admin, "/api/v1/audit-logs/?action=LOGIN_FAILED&username=bob");
    assert_eq!(failed["count"], 2, "each wrong code is a failed login: {failed}");
}

#[test]
fn bad_input_answers_drf_shapes() {
    let server = TestServer::start();
    let bob = regular_user(&server);
    for path in [SETUP, VERIFY, DISABLE] {
        assert_detail(&server.client().post(path, &json!({})), 401, "not_authenticated");
        assert_detail(&bob.get(path), 405, "method_not_allowed");
    }
    let malformed = bob.request("POST", VERIFY, &[("Content-Type", "application/json")], Some(b"{\"code\": "));
    assert_detail(&malformed, 400, "parse_error");
    assert_field_error(&bob.post(VERIFY, &json!({})), "code", "required");
    assert_field_error(&bob.post(VERIFY, &json!({ "code": 123456 })), "code", "Not a valid string");
    assert_field_error(&bob.post(VERIFY, &json!({ "code": "" })), "code", "blank");
    assert_field_error(&bob.post(VERIFY, &json!({ "code": "1", "extra": 1 })), "extra", "Unknown field");
    assert_field_error(&bob.post(SETUP, &json!({ "extra": 1 })), "extra", "Unknown field");
    assert_field_error(&bob.post(SETUP, &json!([])), "non_field_errors", "dictionary");
    assert_field_error(&bob.post(DISABLE, &json!({ "code": "123456" })), "password", "required");
    assert_field_error(&bob.post(DISABLE, &json!({ "password": BOB.1, "code": 1 })), "code", "Not a valid string");
    assert_field_error(
        &server.client().post(TOKEN, &json!({ "username": "bob", "password": "x", "otp": 1 })),
        "otp",
        "string",
    );
}

#[test]
fn an_api_key_cannot_take_over_the_second_factor() {
    // Regression: an API key (even one limited to an organization) could set up and verify
    // TOTP and so take over its owner's second factor.
    let server = TestServer::start();
    let bob = regular_user(&server);
    let key = bob.post("/api/v1/auth/api-keys/", &json!({ "name": "script" })).json["key"].clone();
    let key = key.as_str().expect("key");
    let anonymous = server.client();
    let with_key = |path: &str, body: &str| {
        anonymous.request(
            "POST",
            path,
            &[("X-API-Key", key), ("Content-Type", "application/json")],
            Some(body.as_bytes()),
        )
    };
    assert_detail(&with_key(SETUP, "{}"), 403, "permission_denied");
    assert_eq!(stored_rows(&server), (0, 0), "no pending secret was made");
    let setup = bob.post(SETUP, &json!({}));
    assert_eq!(setup.status, 200, "{}", setup.text);
    let secret = base32_decode(setup.json["secret"].as_str().expect("secret"));
    let code_body = json!({ "code": code(&secret, 0) }).to_string();
    assert_detail(&with_key(VERIFY, &code_body), 403, "permission_denied");
    assert_eq!(login(&server, None).status, 200, "the second factor is still off");
    let verified = bob.post(VERIFY, &json!({ "code": code(&secret, 0) }));
    assert_eq!(verified.status, 200, "{}", verified.text);
    let disable = json!({ "password": BOB.1, "code": code(&secret, 1) }).to_string();
    assert_detail(&with_key(DISABLE, &disable), 403, "permission_denied");
    assert_detail(&login(&server, None), 401, "otp_required");

    let doc = anonymous.get("/api/v1/openapi.json").json;
    for (path, answer) in [(SETUP, &setup.json), (VERIFY, &verified.json)] {
        let schema = &doc["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]["schema"];
        let validator = jsonschema::validator_for(schema).expect("schema compiles");
        if let Err(error) = validator.validate(answer) {
            panic!("{path}: {answer} does not match its schema: {error}");
        }
        assert!(doc["paths"][path]["post"]["responses"]["403"].is_object(), "{path} documents the 403");
    }
    assert!(doc["paths"][DISABLE]["post"]["requestBody"].is_object());
}

#[test]
fn an_operator_can_turn_a_lost_second_factor_off() {
    let server = TestServer::start();
    enable(&regular_user(&server));
    assert_detail(&login(&server, None), 401, "otp_required");
    let cli = plinth::audit::Context { origin: "cli", ..Default::default() };
    assert_eq!(plinth::auth::reset_totp(server.db(), BOB.0, &cli).ok(), Some(true));
    assert_eq!(login(&server, None).status, 200, "no code needed any more");
    assert_eq!(stored_rows(&server), (0, 0), "secret and recovery codes are gone");
    assert_eq!(plinth::auth::reset_totp(server.db(), BOB.0, &cli).ok(), Some(false));
    assert!(plinth::auth::reset_totp(server.db(), "nobody", &cli).is_err());
    let trail = get_ok(&server.admin(), "/api/v1/audit-logs/?action=2FA_DISABLED");
    assert_eq!(trail["results"][0]["context"]["origin"], "cli");
}
