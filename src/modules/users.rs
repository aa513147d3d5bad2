//! `users/`: account administration for staff (read: the users who share an organization with
//! them) and superusers (everything). Passwords are write-only and hashed; deactivating a user
//! ends all their sessions and API keys at once.

use serde_json::{Value, json};

use crate::engine::write::{self, Access};
use crate::engine::{
    Author, Default, EngineError, Field, FieldErrors, ModelDef, ReadRule, Record, Scope, WriteRule, Written, input,
};
use crate::store::{Connection, Db, StoreError, now};

pub const USER: ModelDef = ModelDef {
    fields: &[
        Field::text("username", 150)
            .unique()
            .nocase()
            .help("Letters, digits and @.+-_ only; unique regardless of case."),
        Field::email("email").blank(),
        Field::text("first_name", 150).blank(),
        Field::text("last_name", 150).blank(),
        Field::password("password").help("Write-only; at least 8 characters, not common, not only digits."),
        Field::boolean("is_active").default(Default::Bool(true)).help("Inactive users cannot sign in."),
        Field::boolean("is_staff").default(Default::Bool(false)).help("May view user administration."),
        Field::boolean("is_superuser").default(Default::Bool(false)).help("Has every permission."),
        Field::datetime("last_login").nullable().read_only(),
    ],
    search: &["username", "email", "first_name", "last_name"],
    filters: &["username", "email", "is_active", "is_staff", "is_superuser"],
    ordering: &["username", "email", "created_at", "last_login"],
    default_order: &["username"],
    // Users number in the hundreds.
    unindexed: &["email", "created_at", "last_login"],
    read: ReadRule::Staff,
    scope: Scope::People("id"),
    display: "{username}",
    list_columns: &["username", "email", "first_name", "last_name", "is_active", "is_staff", "last_login"],
    validate: Some(validate_user),
    write: WriteRule::Superuser,
    after_write: Some(after_user_write),
    area: "administration",
    ..ModelDef::base("user", "User", "users", "users")
};

/// An account to create outside a request (the first administrator, `plinth user create`).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub password: String,
    pub is_staff: bool,
    pub is_superuser: bool,
}

/// Creates an account the way every path does — the definition's validation, the password
/// rules and hash, the profile, the audit entry — on behalf of `author`; answers its id.
pub fn create(db: &Db, author: Author, user: NewUser) -> Result<String, EngineError> {
    let registry = super::registry();
    let model = registry.get(USER.name).ok_or(EngineError::NotFound)?;
    let body = json!({
        "username": user.username,
        "email": user.email,
        "password": user.password,
        "is_staff": user.is_staff || user.is_superuser,
        "is_superuser": user.is_superuser,
    });
    let row = input::prepare_create(model, &author, &body, &[])?;
    let created = db.write(move |conn| write::insert(conn, registry, model, &author, row, Access::Trusted))?;
    Ok(created.get("id").and_then(Value::as_str).unwrap_or_default().to_string())
}

fn validate_user(record: &Record) -> Result<(), FieldErrors> {
    let username = record.get("username").and_then(Value::as_str).unwrap_or("");
    if username.chars().all(|c| c.is_alphanumeric() || "@.+-_".contains(c)) {
        Ok(())
    } else {
        Err(FieldErrors::single("username", "Enter a valid username: letters, digits and @.+-_ only."))
    }
}

/// A deactivated user's tokens and API keys stop working in the same transaction. (A new
/// user's profile is made by a trigger, whatever path creates the user.)
fn after_user_write(conn: &Connection, written: &Written) -> Result<(), EngineError> {
    let id = written.after.and_then(|r| r.get("id")).and_then(Value::as_str);
    let active = |record: Option<&Record>| record.and_then(|r| r.get("is_active")).and_then(Value::as_bool);
    let (Some(true), Some(false), Some(id)) = (active(written.before), active(written.after), id) else {
        return Ok(());
    };
    let at = now();
    conn.execute(
        "UPDATE auth_tokens SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL",
        rusqlite::params![at, id],
    )
    .map_err(StoreError::from)?;
    conn.execute("UPDATE api_keys SET revoked = 1 WHERE user_id = ?1", [id]).map_err(StoreError::from)?;
    Ok(())
}
