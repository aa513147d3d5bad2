//! Login and tokens over HTTP: the login answer, indistinguishable failures, inactive and
//! duplicate users, body validation, bearer authentication (also on public reads), refresh
//! rotation with reuse detection, logout, expiry, and how secrets are stored.

use plinth::store::{Connection, StoreError};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::{ADMIN_PASSWORD, Resp, TestServer};

const TOKEN: &str = "/api/v1/auth/token/";
const REFRESH: &str = "/api/v1/auth/token/refresh/";
const LOGOUT: &str = "/api/v1/auth/logout/";
/// A write every superuser may do.
const UOMS: &str = "/api/v1/uoms/";

/// Tokens of one login or refresh.
struct Session {
    access: String,
    refresh: String,
    body: Value,
}

/// Logs in and answers the raw response.
fn try_login(server: &TestServer, username: &str, password: &str) -> Resp {
    server.client().post(TOKEN, &json!({ "username": username, "password": password }))
}

/// Logs in, which must succeed.
fn login(server: &TestServer, username: &str, password: &str) -> Session {
    session(try_login(server, username, password))
}

/// Spends a refresh token, which must succeed.
fn refresh(server: &TestServer, refresh_token: &str) -> Session {
    session(try_refresh(server, refresh_token))
}

fn try_refresh(server: &TestServer, refresh_token: &str) -> Resp {
    server.client().post(REFRESH, &json!({ "refresh": refresh_token }))
}

fn session(resp: Resp) -> Session {
    assert_eq!(resp.status, 200, "expected a session: {}", resp.text);
    let token = |name: &str| resp.json[name].as_str().unwrap_or_else(|| panic!("no {name}: {}", resp.text)).to_string();
    Session { access: token("access"), refresh: token("refresh"), body: resp.json.clone() }
}

/// Creates a user directly in the database.
fn create_user(server: &TestServer, username: &str, password: &str, superuser: bool) -> String {
    plinth::modules::users::create(
        server.db(),
        plinth::engine::Author::system("test"),
        plinth::modules::users::NewUser {
            username: username.into(),
            email: format!("{username}@example.com"),
            password: password.into(),
            is_staff: superuser,
            is_superuser: superuser,
        },
    )
    .expect("user created")
}

/// Runs a query on the server's database.
fn sql<T>(server: &TestServer, query: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> T {
    server.db().read(|c| query(c).map_err(StoreError::from)).expect("query")
}

/// Whether `access` is accepted (a read with it answers 200 rather than 401).
fn access_works(server: &TestServer, access: &str) -> bool {
    accepted(&server.client().with_token(access).get("/api/v1/currencies/USD/"))
}

/// Whether `refresh_token` can still be spent (spends it when it can).
fn refresh_works(server: &TestServer, refresh_token: &str) -> bool {
    accepted(&try_refresh(server, refresh_token))
}

/// `true` for 200, `false` for a proper 401; anything else fails the test.
fn accepted(resp: &Resp) -> bool {
    match resp.status {
        200 => true,
        401 => {
            assert_not_authenticated(resp);
            false
        }
        other => panic!("unexpected status {other}: {}", resp.text),
    }
}

fn assert_not_authenticated(resp: &Resp) {
    assert_eq!(resp.status, 401, "{}", resp.text);
    assert_eq!(resp.json["code"], "not_authenticated", "{}", resp.text);
    assert!(resp.json["detail"].is_string(), "{}", resp.text);
}

/// A unit of measure to create.
fn uom(code: &str) -> Value {
    json!({ "code": code, "name": format!("Unit {code}"), "uom_type": "Count" })
}

fn is_hex_secret(token: &str) -> bool {
    token.len() >= 32 && token.chars().all(|c| c.is_ascii_hexdigit())
}

#[test]
fn login_answers_tokens_and_the_user() {
    let server = TestServer::start();
    let id = create_user(&server, "dora", "dora-password-1", false);
    let session = login(&server, "dora", "dora-password-1");
    assert!(is_hex_secret(&session.access) && is_hex_secret(&session.refresh), "{}", session.body);
    assert_ne!(session.access, session.refresh);
    assert_eq!(session.body["expires_in"], 900, "the default access lifetime in seconds");
    assert_eq!(
        session.body["user"],
        json!({ "id": id, "username": "dora", "email": "dora@example.com", "is_staff": false, "is_superuser": false })
    );
    let keys: Vec<&str> = session.body.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["access", "refresh", "expires_in", "user"]);
    assert!(session.body["user"].get("password_hash").is_none() && session.body["user"].get("password").is_none());

    let admin = login(&server, "admin", ADMIN_PASSWORD);
    assert_eq!(admin.body["user"]["is_superuser"], true);
    assert_eq!(admin.body["user"]["is_staff"], true);
    // Every login is a new session with new tokens.
    let again = login(&server, "dora", "dora-password-1");
    assert_ne!(again.access, session.access);
    assert_ne!(again.refresh, session.refresh);
    // The login is recorded.
    let last_login: Option<String> =
        sql(&server, |c| c.query_row("SELECT last_login FROM users WHERE id = ?1", [&id], |r| r.get(0)));
    assert!(last_login.is_some());
}

#[test]
fn wrong_password_unknown_user_and_inactive_user_answer_identically() {
    let server = TestServer::start();
    create_user(&server, "erin", "erin-password-1", false);
    let wrong_password = try_login(&server, "erin", "not-her-password");
    let unknown_user = try_login(&server, "nobody-here", "not-her-password");
    assert_not_authenticated(&wrong_password);
    assert_eq!(
        (wrong_password.status, &wrong_password.text),
        (unknown_user.status, &unknown_user.text),
        "the answers must not reveal which usernames exist"
    );

    // Erin logs in, then is deactivated: she cannot log in, and her tokens stop working.
    let session = login(&server, "erin", "erin-password-1");
    let changed = server
        .db()
        .write(|c| c.execute("UPDATE users SET is_active = 0 WHERE username = 'erin'", []).map_err(StoreError::from))
        .expect("deactivate");
    assert_eq!(changed, 1);
    let inactive = try_login(&server, "erin", "erin-password-1");
    assert_eq!((inactive.status, &inactive.text), (wrong_password.status, &wrong_password.text));
    assert!(!access_works(&server, &session.access), "an inactive user's access token is refused");
    assert!(!refresh_works(&server, &session.refresh), "an inactive user's refresh token is refused");
}

#[test]
fn usernames_are_unique_regardless_of_case() {
    let server = TestServer::start();
    let new = |username: &str| plinth::modules::users::NewUser {
        username: username.into(),
        email: String::new(),
        password: "some-password-1".into(),
        is_staff: false,
        is_superuser: false,
    };
    let create = |username: &str| {
        plinth::modules::users::create(server.db(), plinth::engine::Author::system("test"), new(username))
    };
    let taken = |err: plinth::engine::EngineError| match err {
        plinth::engine::EngineError::Validation(errors) => {
            errors.to_json()["username"][0].as_str().is_some_and(|m| m.contains("already exists"))
        }
        _ => false,
    };
    for name in ["admin", "Admin", "ADMIN"] {
        assert!(taken(create(name).expect_err("duplicate username")), "{name}");
    }
    create("Frank").expect("new user");
    assert!(taken(create("frank").expect_err("duplicate username")));
    let count: i64 = sql(&server, |c| c.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0)));
    assert_eq!(count, 2, "only admin and Frank exist");
    // The original spelling still logs in.
    login(&server, "Frank", "some-password-1");
}

#[test]
fn login_body_is_validated_field_by_field() {
    let server = TestServer::start();
    let cases = [
        (json!({}), json!({ "username": ["This field is required."], "password": ["This field is required."] })),
        (json!({ "username": "admin" }), json!({ "password": ["This field is required."] })),
        (json!({ "password": ADMIN_PASSWORD }), json!({ "username": ["This field is required."] })),
        (
            json!({ "username": "", "password": ADMIN_PASSWORD }),
            json!({ "username": ["This field may not be blank."] }),
        ),
        (json!({ "username": "admin", "password": 12345678 }), json!({ "password": ["Not a valid string."] })),
        (
            json!({ "username": "admin", "password": ADMIN_PASSWORD, "remember_me": true }),
            json!({ "remember_me": ["Unknown field."] }),
        ),
    ];
    for (body, expected) in cases {
        let resp = server.client().post(TOKEN, &body);
        assert_eq!(resp.status, 400, "{body}: {}", resp.text);
        assert_eq!(resp.json, expected, "{body}");
    }
    let refresh = server.client().post(REFRESH, &json!({}));
    assert_eq!((refresh.status, refresh.json), (400, json!({ "refresh": ["This field is required."] })));
    let refresh = server.client().post(REFRESH, &json!({ "refresh": "x", "access": "y" }));
    assert_eq!((refresh.status, refresh.json), (400, json!({ "access": ["Unknown field."] })));
}

#[test]
fn bearer_token_authorizes_writes_and_records_the_author() {
    let server = TestServer::start();
    let anonymous = server.client().post(UOMS, &uom("ANON"));
    assert_not_authenticated(&anonymous);

    let session = login(&server, "admin", ADMIN_PASSWORD);
    let admin = server.client().with_token(&session.access);
    let created = admin.post(UOMS, &uom("BAG"));
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["created_by"], session.body["user"]["id"]);
    assert_eq!(created.json["updated_by"], session.body["user"]["id"]);
    // The scheme name is case-insensitive.
    let lower =
        admin.request("GET", "/api/v1/uoms/BAG/", &[("Authorization", &format!("bearer {}", session.access))], None);
    assert_eq!(lower.status, 200, "{}", lower.text);

    // A non-superuser is authenticated but may not write reference data.
    create_user(&server, "gina", "gina-password-1", false);
    let gina = server.login("gina", "gina-password-1");
    let denied = gina.post(UOMS, &uom("GIN"));
    assert_eq!((denied.status, &denied.json["code"]), (403, &json!("permission_denied")), "{}", denied.text);
    assert_eq!(server.client().get("/api/v1/uoms/ANON/").status, 404);
    assert_eq!(server.client().get("/api/v1/uoms/GIN/").status, 404);
}

#[test]
fn garbage_bearer_is_refused_even_on_public_reads() {
    let server = TestServer::start();
    let anonymous = server.client();
    for path in ["/api/v1/currencies/", "/api/v1/currencies/USD/", "/api/v1/meta/models/", "/api/v1/openapi.json"] {
        assert_eq!(anonymous.get(path).status, 200, "anonymous read of {path}");
        for token in ["garbage", "0".repeat(64).as_str(), "a b c"] {
            let resp = anonymous.with_token(token).get(path);
            assert_not_authenticated(&resp);
        }
    }
    // A refresh token is not an access token.
    let session = login(&server, "admin", ADMIN_PASSWORD);
    assert_not_authenticated(&anonymous.with_token(&session.refresh).get("/api/v1/currencies/"));
    assert_not_authenticated(&anonymous.with_token(&session.refresh).post(UOMS, &uom("REF")));

    // The endpoints that take no authentication ignore a stale token: a client can always
    // check health, log in again or refresh.
    let stale = anonymous.with_token("garbage");
    assert_eq!(stale.get("/api/v1/health/").status, 200);
    let again = stale.post(TOKEN, &json!({ "username": "admin", "password": ADMIN_PASSWORD }));
    assert_eq!(again.status, 200, "{}", again.text);
    let renewed = stale.post(REFRESH, &json!({ "refresh": session.refresh }));
    assert_eq!(renewed.status, 200, "{}", renewed.text);
}

#[test]
fn refresh_rotates_the_pair_and_spends_the_old_refresh_token() {
    let server = TestServer::start();
    let first = login(&server, "admin", ADMIN_PASSWORD);
    let second = refresh(&server, &first.refresh);
    assert_ne!(second.access, first.access);
    assert_ne!(second.refresh, first.refresh);
    assert!(is_hex_secret(&second.access) && is_hex_secret(&second.refresh));
    assert_eq!(second.body["user"], first.body["user"]);
    assert!(access_works(&server, &second.access));
    let created = server.client().with_token(&second.access).post(UOMS, &uom("ROT"));
    assert_eq!(created.status, 201, "{}", created.text);
    // The refreshed pair rotates again.
    let third = refresh(&server, &second.refresh);
    assert!(access_works(&server, &third.access));
    // An access token is not a refresh token.
    assert_not_authenticated(&try_refresh(&server, &third.access));
    assert_not_authenticated(&try_refresh(&server, "not-a-token"));
}

#[test]
fn reusing_a_spent_refresh_token_revokes_the_whole_family() {
    let server = TestServer::start();
    let first = login(&server, "admin", ADMIN_PASSWORD);
    let other = login(&server, "admin", ADMIN_PASSWORD);
    let second = refresh(&server, &first.refresh);
    let third = refresh(&server, &second.refresh);
    assert!(access_works(&server, &third.access));

    // The spent first refresh token comes back (stolen and replayed).
    let replay = try_refresh(&server, &first.refresh);
    assert_not_authenticated(&replay);
    assert!(!access_works(&server, &third.access), "the newest access token of the family is revoked");
    assert!(!refresh_works(&server, &third.refresh), "the newest refresh token of the family is revoked");
    assert!(!refresh_works(&server, &first.refresh), "still refused");

    // Another session of the same user is a different family and keeps working.
    assert!(access_works(&server, &other.access));
    assert!(refresh_works(&server, &other.refresh));
}

#[test]
fn logout_revokes_the_session_and_only_that_session() {
    let server = TestServer::start();
    let session = login(&server, "admin", ADMIN_PASSWORD);
    let other = login(&server, "admin", ADMIN_PASSWORD);
    let rotated = refresh(&server, &session.refresh);

    let resp = server.client().with_token(&rotated.access).request("POST", LOGOUT, &[], None);
    assert_eq!(resp.status, 204, "{}", resp.text);
    assert!(resp.text.is_empty());
    assert!(!access_works(&server, &rotated.access), "the logged-out access token is refused");
    assert!(!refresh_works(&server, &rotated.refresh), "its refresh token is refused");
    assert!(!access_works(&server, &session.access), "earlier access tokens of the session are refused");
    // Logging out again with the revoked token is refused.
    assert_not_authenticated(&server.client().with_token(&rotated.access).request("POST", LOGOUT, &[], None));

    // The other session is untouched.
    assert!(access_works(&server, &other.access));
    let created = server.client().with_token(&other.access).post(UOMS, &uom("OTH"));
    assert_eq!(created.status, 201, "{}", created.text);
    assert!(refresh_works(&server, &other.refresh));
}

#[test]
fn logout_without_a_valid_token_is_401() {
    let server = TestServer::start();
    assert_not_authenticated(&server.client().request("POST", LOGOUT, &[], None));
    assert_not_authenticated(&server.client().post(LOGOUT, &json!({})));
    assert_not_authenticated(&server.client().with_token("garbage").request("POST", LOGOUT, &[], None));
    // A refresh token does not log out.
    let session = login(&server, "admin", ADMIN_PASSWORD);
    assert_not_authenticated(&server.client().with_token(&session.refresh).request("POST", LOGOUT, &[], None));
    assert!(access_works(&server, &session.access));
    assert!(refresh_works(&server, &session.refresh));
}

#[test]
fn expired_access_token_is_refused_but_its_refresh_still_works() {
    let server = TestServer::start_with(|config| config.access_ttl = std::time::Duration::ZERO);
    let session = login(&server, "admin", ADMIN_PASSWORD);
    assert_eq!(session.body["expires_in"], 0);
    assert!(!access_works(&server, &session.access));
    assert_not_authenticated(&server.client().with_token(&session.access).post(UOMS, &uom("EXP")));
    // The refresh token lives longer; the access tokens it brings are just as short-lived.
    let renewed = refresh(&server, &session.refresh);
    assert!(!access_works(&server, &renewed.access));
}

#[test]
fn expired_refresh_token_is_refused() {
    let server = TestServer::start_with(|config| config.refresh_ttl = std::time::Duration::ZERO);
    let session = login(&server, "admin", ADMIN_PASSWORD);
    assert!(access_works(&server, &session.access), "the access token lives on");
    assert_not_authenticated(&try_refresh(&server, &session.refresh));
}

#[test]
fn passwords_are_argon2id_and_tokens_are_stored_only_as_sha256() {
    let server = TestServer::start();
    let id = create_user(&server, "hana", "hana-secret-pass", false);
    let session = login(&server, "hana", "hana-secret-pass");
    let rotated = refresh(&server, &session.refresh);

    let hash: String = sql(&server, |c| c.query_row("SELECT password FROM users WHERE id = ?1", [&id], |r| r.get(0)));
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "PHC string: {hash}");
    assert_eq!(hash.split('$').count(), 6, "$argon2id$v$params$salt$hash: {hash}");
    assert!(!hash.contains("hana-secret-pass"));
    let admin_hash: String =
        sql(&server, |c| c.query_row("SELECT password FROM users WHERE username = 'admin'", [], |r| r.get(0)));
    assert_ne!(admin_hash, hash);
    assert!(admin_hash.starts_with("$argon2id$"));

    // Every column of every token row, as text.
    let rows: Vec<String> = sql(&server, |c| {
        let mut stmt = c.prepare(
            "SELECT token_hash || '|' || kind || '|' || user_id || '|' || family || '|' || expires_at || '|' ||
             created_at || '|' || coalesce(used_at, '') || '|' || coalesce(revoked_at, '') FROM auth_tokens",
        )?;
        stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()
    });
    assert_eq!(rows.len(), 4, "two pairs: the login's and the refresh's: {rows:#?}");
    let raw_tokens = [&session.access, &session.refresh, &rotated.access, &rotated.refresh];
    for row in &rows {
        for token in raw_tokens {
            assert!(!row.contains(token.as_str()), "a raw token is stored: {row}");
        }
    }
    let stored_hashes: Vec<&str> = rows.iter().map(|r| r.split('|').next().unwrap()).collect();
    for token in raw_tokens {
        let digest = hex::encode(Sha256::digest(token.as_bytes()));
        assert!(stored_hashes.contains(&digest.as_str()), "SHA-256 of each token is stored");
    }

    // Nor does any byte of the database files (main file and write-ahead log) hold a raw
    // token or the password.
    let mut secrets: Vec<&str> = raw_tokens.iter().map(|t| t.as_str()).collect();
    secrets.push("hana-secret-pass");
    let mut scanned = 0;
    for entry in std::fs::read_dir(server.dir.path()).expect("data dir") {
        let path = entry.expect("entry").path();
        if !path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("plinth.db")) {
            continue;
        }
        let bytes = std::fs::read(&path).expect("read database file");
        scanned += bytes.len();
        for secret in &secrets {
            assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "{secret} in {}", path.display());
        }
    }
    assert!(scanned > 0, "the database files were found");
}

#[test]
fn sessions_survive_a_server_restart() {
    let server = TestServer::start();
    let session = login(&server, "admin", ADMIN_PASSWORD);
    let spent = refresh(&server, &session.refresh);
    let server = server.restart();
    assert!(access_works(&server, &spent.access), "an access token outlives a restart");
    assert!(refresh_works(&server, &spent.refresh), "so does its refresh token");
    assert_not_authenticated(&try_refresh(&server, &session.refresh));
    server.stop();
}
