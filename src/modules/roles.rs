//! `roles/` (named permission sets, seeded Admin / Manager / Staff / Viewer) and
//! `organization-memberships/` (a user's role in one organization). Nobody can grant more than
//! they hold, and every grant or withdrawal is audited as PERMISSION_ASSIGN / _REVOKE.

use serde_json::{Value, json};

use crate::access;
use crate::audit::{self, Action};
use crate::engine::{Author, EngineError, Field, FieldErrors, ModelDef, OnDelete, Record, Scope, Written};
use crate::store::{Connection, StoreError, new_id, now};

pub const ROLE: ModelDef = ModelDef {
    fields: &[
        Field::text("name", 150).unique().help("Unique regardless of case."),
        Field::long_text("description").blank(),
        Field::json_array("permissions").help(
            "Permissions granted: \"<model>.<action>\" from /api/v1/meta/permissions/, or wildcards \
             \"<model>.*\", \"*.<action>\", \"*\".",
        ),
    ],
    search: &["name", "description"],
    filters: &["name"],
    ordering: &["name", "created_at"],
    default_order: &["name"],
    display: "{name}",
    list_columns: &["name", "description"],
    validate: Some(validate_permissions),
    check: Some(no_escalation_by_role),
    after_write: Some(audit_role_grants),
    ..ModelDef::base("role", "Role", "roles", "roles")
};

pub const MEMBERSHIP: ModelDef = ModelDef {
    fields: &[
        Field::foreign_key("user", "user", OnDelete::Cascade),
        Field::lookup("username", "user", "username"),
        Field::foreign_key("organization", "organization", OnDelete::Cascade)
            .help("May be omitted when you belong to exactly one organization."),
        Field::lookup("organization_name", "organization", "name"),
        Field::foreign_key("role", "role", OnDelete::Restrict),
        Field::lookup("role_name", "role", "name"),
        Field::boolean("is_active").default(crate::engine::Default::Bool(true)),
    ],
    scope: Scope::Organization,
    filters: &["user", "organization", "role", "is_active", "user.username", "organization.code"],
    ordering: &["created_at", "updated_at", "is_active"],
    default_order: &["created_at"],
    unique_together: &[&["user", "organization"]],
    display: "{username} in {organization_name} as {role_name}",
    list_columns: &["username", "organization_name", "role_name", "is_active"],
    check: Some(no_escalation_by_membership),
    after_write: Some(audit_membership_grants),
    ..ModelDef::base(
        "organizationmembership",
        "Organization Membership",
        "organization-memberships",
        "organization_memberships",
    )
};

/// The seeded roles: the spec's four, from everything to read-only.
const ROLES: &[(&str, &str, &[&str])] = &[
    ("Admin", "Every permission in the organization.", &["*"]),
    ("Manager", "View, add, change and delete everything.", &["*.view", "*.add", "*.change", "*.delete"]),
    ("Staff", "View, add and change everything.", &["*.view", "*.add", "*.change"]),
    ("Viewer", "View everything.", &["*.view"]),
];
const ROLE_SEED: (&str, i64) = ("roles", 1);

/// Loads the seeded roles once.
pub fn seed(conn: &Connection) -> Result<(), StoreError> {
    super::seed_once(conn, ROLE_SEED, || {
        let mut insert = conn.prepare(
            "INSERT INTO roles (id, name, description, permissions, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT DO NOTHING",
        )?;
        let at = now();
        for (name, description, permissions) in ROLES {
            insert.execute(rusqlite::params![new_id(), name, description, json!(permissions).to_string(), at])?;
        }
        Ok(())
    })
}

fn permissions_of(record: Option<&Record>) -> Vec<String> {
    let list = record.and_then(|r| r.get("permissions")).and_then(Value::as_array);
    list.map(|l| l.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default()
}

fn validate_permissions(record: &Record) -> Result<(), FieldErrors> {
    let Some(list) = record.get("permissions").and_then(Value::as_array) else { return Ok(()) };
    let vocabulary = access::permissions(super::registry());
    let mut errors = FieldErrors::new();
    for entry in list {
        match entry.as_str() {
            Some(p) if access::is_known(&vocabulary, p) => {}
            Some(p) => errors.add("permissions", format!("Unknown permission \"{p}\".")),
            None => errors.add("permissions", "Each permission must be a string."),
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// A role may only be given (and edited or deleted by) someone holding all it grants.
fn no_escalation_by_role(
    conn: &Connection,
    author: &Author,
    proposed: Option<&Record>,
    existing: Option<&Record>,
) -> Result<(), EngineError> {
    for record in [proposed, existing].into_iter().flatten() {
        access::require_all(conn, author.principal.as_ref(), &permissions_of(Some(record)), None)?;
    }
    Ok(())
}

/// A membership may only be handed out, changed or ended by someone holding all of its role
/// in its organization: before and after the change.
fn no_escalation_by_membership(
    conn: &Connection,
    author: &Author,
    proposed: Option<&Record>,
    existing: Option<&Record>,
) -> Result<(), EngineError> {
    for record in [proposed, existing].into_iter().flatten() {
        let role = record.get("role").and_then(Value::as_str).unwrap_or_default();
        let organization = record.get("organization").and_then(Value::as_str);
        let granted: String = conn
            .query_row("SELECT permissions FROM roles WHERE id = ?1", [role], |r| r.get(0))
            .map_err(StoreError::from)?;
        let granted: Vec<String> = serde_json::from_str(&granted).unwrap_or_default();
        access::require_all(conn, author.principal.as_ref(), &granted, organization)?;
    }
    Ok(())
}

/// A permission event about `record` of the written model.
fn grant_event(
    conn: &Connection,
    written: &Written,
    action: Action,
    record: &Record,
    changes: Value,
) -> Result<(), EngineError> {
    let model = written.model;
    audit::record(
        conn,
        audit::Entry {
            action,
            user: written.author.user(),
            username: written.author.username(),
            organization: model.organization_of(record),
            model: model.def.name,
            object_id: &crate::engine::crud::record_key(model, record),
            object_repr: &crate::engine::display(model.def.display, record),
            changes: Some(changes),
            context: &written.author.context,
        },
    )?;
    Ok(())
}

/// Permissions added to a role are assigned, removed ones revoked, to all its holders.
fn audit_role_grants(conn: &Connection, written: &Written) -> Result<(), EngineError> {
    let (before, after) = (permissions_of(written.before), permissions_of(written.after));
    let Some(record) = written.after.or(written.before) else { return Ok(()) };
    let added: Vec<&String> = after.iter().filter(|p| !before.contains(p)).collect();
    let removed: Vec<&String> = before.iter().filter(|p| !after.contains(p)).collect();
    if !added.is_empty() {
        grant_event(
            conn,
            written,
            Action::PermissionAssign,
            record,
            json!({ "permissions": { "old": null, "new": added } }),
        )?;
    }
    if !removed.is_empty() {
        grant_event(
            conn,
            written,
            Action::PermissionRevoke,
            record,
            json!({ "permissions": { "old": removed, "new": null } }),
        )?;
    }
    Ok(())
}

/// A membership that starts to count assigns its role; one that stops counting revokes it.
fn audit_membership_grants(conn: &Connection, written: &Written) -> Result<(), EngineError> {
    fn effective(record: Option<&Record>) -> Option<(&Record, Value)> {
        record.filter(|r| r.get("is_active").and_then(Value::as_bool) == Some(true)).map(|r| {
            let field = |name: &str| r.get(name).cloned().unwrap_or(Value::Null);
            (r, json!({ "user": field("user"), "organization": field("organization"), "role": field("role") }))
        })
    }
    let (before, after) = (effective(written.before), effective(written.after));
    if before.as_ref().map(|b| &b.1) == after.as_ref().map(|a| &a.1) {
        return Ok(());
    }
    if let Some((record, grant)) = before {
        grant_event(
            conn,
            written,
            Action::PermissionRevoke,
            record,
            json!({ "grant": { "old": grant, "new": null } }),
        )?;
    }
    if let Some((record, grant)) = after {
        grant_event(
            conn,
            written,
            Action::PermissionAssign,
            record,
            json!({ "grant": { "old": null, "new": grant } }),
        )?;
    }
    Ok(())
}
