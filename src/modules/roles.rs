//! `roles/` (named permission sets, seeded Admin / Manager / Staff / Viewer),
//! `organization-memberships/` (a user's role in one organization) and `user-roles/` (a role
//! held globally, for shared data). A role either is global — seeded or made by a superuser
//! or global permission holder — or belongs to the organization that made it and is seen and
//! used only in its subtree. Nobody can grant more than they hold, and every grant or
//! withdrawal is audited as PERMISSION_ASSIGN / _REVOKE.

use serde_json::{Value, json};

use crate::access;
use crate::audit::{self, Action};
use crate::engine::{
    Author, EngineError, Field, FieldErrors, ModelDef, OnDelete, ReadRule, Record, Scope, Shared, WriteRule, Written,
};
use crate::store::{Connection, StoreError, new_id, now, paths};

pub const ROLE: ModelDef = ModelDef {
    fields: &[
        Field::text("name", 150)
            .nocase()
            .help("Unique regardless of case among the global roles and within an organization."),
        Field::long_text("description").blank(),
        Field::json_array("permissions").help(
            "Permissions granted: \"<model>.<action>\" from /api/v1/meta/permissions/, or wildcards \
             \"<model>.*\", \"*.<action>\", \"*\".",
        ),
        Field::foreign_key("organization", "organization", OnDelete::Cascade).nullable().create_only().help(
            "The organization that owns the role: it is seen and usable in that organization's subtree only. \
             Empty for a global role (superusers or the global role.add permission).",
        ),
        Field::lookup("organization_name", "organization", "name"),
    ],
    scope: Scope::OptionalOrganization { inherited: true, shared: Shared::GlobalPermission },
    search: &["name", "description"],
    filters: &["name", "organization"],
    ordering: &["name", "created_at"],
    default_order: &["name"],
    // Roles are few.
    unindexed: &["created_at"],
    unique_together: &[&["organization", "name"]],
    display: "{name}",
    list_columns: &["name", "description", "organization_name"],
    validate: Some(validate_permissions),
    guard: Some(no_escalation_by_role),
    after_write: Some(audit_role_grants),
    area: "organization",
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
    // Ordering an organization's memberships by their last change: they are few.
    unindexed: &["updated_at"],
    unique_together: &[&["user", "organization"]],
    display: "{username} in {organization_name} as {role_name}",
    list_columns: &["username", "organization_name", "role_name", "is_active"],
    check: Some(role_usable_in_membership),
    guard: Some(no_escalation_by_membership),
    after_write: Some(audit_membership_grants),
    area: "organization",
    ..ModelDef::base(
        "organizationmembership",
        "Organization Membership",
        "organization-memberships",
        "organization_memberships",
    )
};

pub const USER_ROLE: ModelDef = ModelDef {
    fields: &[
        Field::foreign_key("user", "user", OnDelete::Cascade),
        Field::lookup("username", "user", "username"),
        Field::foreign_key("role", "role", OnDelete::Restrict).help("A global role (one without an organization)."),
        Field::lookup("role_name", "role", "name"),
    ],
    scope: Scope::People("user"),
    read: ReadRule::Staff,
    write: WriteRule::Superuser,
    filters: &["user", "role", "user.username"],
    ordering: &["created_at"],
    default_order: &["created_at"],
    unique_together: &[&["user", "role"]],
    display: "{username} holds {role_name}",
    list_columns: &["username", "role_name", "created_at"],
    check: Some(global_roles_only),
    after_write: Some(audit_user_role_grants),
    area: "administration",
    ..ModelDef::base("userrole", "User Role", "user-roles", "user_roles")
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
    let vocabulary = crate::engine::permissions::list(super::registry());
    let mut errors = FieldErrors::new();
    for entry in list {
        match entry.as_str() {
            Some(p) if crate::engine::permissions::is_known(&vocabulary, p) => {}
            Some(p) => errors.add("permissions", format!("Unknown permission \"{p}\".")),
            None => errors.add("permissions", "Each permission must be a string."),
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// A role may only be made, edited or deleted by someone holding all it grants: in its
/// organization, or globally for a global role.
fn no_escalation_by_role(
    conn: &Connection,
    author: &Author,
    proposed: Option<&Record>,
    existing: Option<&Record>,
) -> Result<(), EngineError> {
    for record in [proposed, existing].into_iter().flatten() {
        let organization = record.get("organization").and_then(Value::as_str);
        access::require_all(conn, author.principal.as_ref(), &permissions_of(Some(record)), organization)?;
    }
    Ok(())
}

/// Whether `role` may be used in `organization`: it is global, or it belongs to that
/// organization or one above it.
pub fn role_usable_in(conn: &Connection, role: &str, organization: &str) -> Result<bool, StoreError> {
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM roles WHERE id = ?1 AND (organization IS NULL OR {}))",
        paths::on_path("organization", "(SELECT tree_path FROM organizations WHERE id = ?2)")
    );
    Ok(conn.prepare_cached(&sql)?.query_row([role, organization], |r| r.get(0))?)
}

/// The error of a role used outside the subtree of the organization that owns it.
pub fn role_not_usable() -> EngineError {
    EngineError::Validation(FieldErrors::single(
        "role",
        "This role belongs to another organization and cannot be used here.",
    ))
}

/// A membership's role must be usable in its organization.
pub fn role_usable_in_membership(
    conn: &Connection,
    _author: &Author,
    proposed: Option<&Record>,
    _existing: Option<&Record>,
) -> Result<(), EngineError> {
    let Some(record) = proposed else { return Ok(()) };
    let field = |name: &str| record.get(name).and_then(Value::as_str).unwrap_or_default();
    if role_usable_in(conn, field("role"), field("organization"))? { Ok(()) } else { Err(role_not_usable()) }
}

/// Only global roles are held globally.
fn global_roles_only(
    conn: &Connection,
    _author: &Author,
    proposed: Option<&Record>,
    _existing: Option<&Record>,
) -> Result<(), EngineError> {
    let Some(role) = proposed.and_then(|r| r.get("role")).and_then(Value::as_str) else { return Ok(()) };
    let global: bool = conn
        .query_row("SELECT organization IS NULL FROM roles WHERE id = ?1", [role], |r| r.get(0))
        .map_err(StoreError::from)?;
    if global {
        return Ok(());
    }
    Err(EngineError::Validation(FieldErrors::single(
        "role",
        "Only a global role (one without an organization) can be held globally.",
    )))
}

/// A membership may only be handed out, changed or ended by someone holding all of its role
/// in its organization: before and after the change.
pub fn no_escalation_by_membership(
    conn: &Connection,
    author: &Author,
    proposed: Option<&Record>,
    existing: Option<&Record>,
) -> Result<(), EngineError> {
    for record in [proposed, existing].into_iter().flatten() {
        let role = record.get("role").and_then(Value::as_str).unwrap_or_default();
        let organization = record.get("organization").and_then(Value::as_str);
        access::require_all(conn, author.principal.as_ref(), &role_permissions(conn, role)?, organization)?;
    }
    Ok(())
}

/// The permission entries a role grants.
pub fn role_permissions(conn: &Connection, role: &str) -> Result<Vec<String>, StoreError> {
    let granted: String = conn.query_row("SELECT permissions FROM roles WHERE id = ?1", [role], |r| r.get(0))?;
    Ok(serde_json::from_str(&granted).unwrap_or_default())
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
    audit_grant_changes(conn, written, &["user", "organization", "role"])
}

/// A role held globally assigns its permissions; its end revokes them.
fn audit_user_role_grants(conn: &Connection, written: &Written) -> Result<(), EngineError> {
    audit_grant_changes(conn, written, &["user", "role"])
}

/// PERMISSION_ASSIGN / _REVOKE for a grant row whose `fields` say who holds what where; a row
/// with `is_active: false` grants nothing.
fn audit_grant_changes(conn: &Connection, written: &Written, fields: &[&str]) -> Result<(), EngineError> {
    fn effective<'r>(record: Option<&'r Record>, fields: &[&str]) -> Option<(&'r Record, Value)> {
        record.filter(|r| r.get("is_active").and_then(Value::as_bool) != Some(false)).map(|r| {
            let grant: serde_json::Map<String, Value> =
                fields.iter().map(|f| (f.to_string(), r.get(*f).cloned().unwrap_or(Value::Null))).collect();
            (r, Value::Object(grant))
        })
    }
    let (before, after) = (effective(written.before, fields), effective(written.after, fields));
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
