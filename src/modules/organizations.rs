//! `organizations/`: the organization tree (spec: Organization). Codes are unique regardless
//! of case, names unique among siblings; a node cannot move under itself or a descendant, and
//! a parent with children cannot be deleted. `children/`, `descendants/` and `ancestors/`
//! list the tree around a node, showing only organizations the caller may see;
//! [`of_caller`] lists those where the caller is a member (`users/me/organizations/`).

use serde_json::Value;

use crate::access;
use crate::engine::list::{self, matching};
use crate::engine::{
    Action, Author, Caller, EngineError, Field, FieldErrors, Method, ModelDef, Needs, OnDelete, Record, Registry,
    Restriction, Scope, TableCheck, Tree,
};
use crate::store::{Connection, Db, StoreError, paths};

pub const STATUSES: &[&str] = &["active", "inactive", "archived"];

pub const ORGANIZATION: ModelDef = ModelDef {
    fields: &[
        Field::text("name", 255).help("Unique among the organization's siblings."),
        Field::text("code", 50).unique().nocase().help("Unique regardless of case."),
        Field::foreign_key("organization_type", "organizationtype", OnDelete::Restrict),
        Field::lookup("organization_type_name", "organization_type", "name"),
        Field::choice("status", STATUSES).default(crate::engine::Default::Text("active")),
        Field::foreign_key("parent", "organization", OnDelete::Restrict)
            .nullable()
            .help("Parent organization; empty for a root (superusers only)."),
        Field::lookup("parent_name", "parent", "name"),
        Field::date("effective_date").nullable(),
        Field::date("end_date").nullable().help("On or after the effective date."),
        Field::foreign_key("primary_contact", "contact", OnDelete::SetNull).nullable(),
        Field::foreign_key("primary_address", "address", OnDelete::SetNull).nullable(),
        Field::timezone("timezone").default(crate::engine::Default::Text("UTC")),
        Field::foreign_key("currency", "currency", OnDelete::Restrict).nullable().help("Default currency."),
        Field::language("language").default(crate::engine::Default::Text("en")),
        Field::tags("tags"),
        Field::json_object("metadata"),
    ],
    custom_fields: true,
    scope: Scope::Organizations,
    search: &["name", "code"],
    filters: &[
        "name",
        "code",
        "organization_type",
        "status",
        "parent",
        "currency",
        "tags",
        "effective_date",
        "end_date",
        "created_at",
    ],
    ordering: &["name", "code", "status", "created_at", "updated_at"],
    default_order: &["name"],
    unique_together: &[&["parent", "name"]],
    tree: Some(Tree { parent: "parent", same_as_parent: &[] }),
    // A business has dozens of organizations, not thousands: scans are cheap.
    unindexed: &["created_at", "updated_at", "effective_date", "end_date"],
    checks: &[TableCheck {
        field: "end_date",
        sql: "\"end_date\" IS NULL OR \"effective_date\" IS NULL OR \"end_date\" >= \"effective_date\"",
    }],
    display: "{name}",
    list_columns: &["name", "code", "organization_type", "status", "parent_name", "currency"],
    validate: Some(validate_dates),
    check: Some(check_move),
    actions: &[Action {
        name: "create-user",
        detail: true,
        method: Method::Post,
        summary: "Create an account that is a member of this organization: {username, password, email, first_name, \
                      last_name, role}. Needs organization.create-user here and everything the role grants.",
        params: &["username", "password", "email", "first_name", "last_name", "role"],
        needs: Needs::Own,
        handler: super::members::create_user,
    }],
    area: "organization",
    ..ModelDef::base("organization", "Organization", "organizations", "organizations")
};

fn validate_dates(record: &Record) -> Result<(), FieldErrors> {
    let date = |name: &str| record.get(name).and_then(Value::as_str);
    match (date("effective_date"), date("end_date")) {
        (Some(start), Some(end)) if end < start => {
            Err(FieldErrors::single("end_date", "The end date must be on or after the effective date."))
        }
        _ => Ok(()),
    }
}

/// A node may not leave the subtree of an organization whose roles its members (or
/// invitations) use. (Cycles are the engine's: organizations are a tree.)
fn check_move(
    conn: &Connection,
    _author: &Author,
    proposed: Option<&Record>,
    existing: Option<&Record>,
) -> Result<(), EngineError> {
    let (Some(proposed), Some(existing)) = (proposed, existing) else { return Ok(()) };
    let parent = proposed.get("parent").and_then(Value::as_str);
    if existing.get("parent").and_then(Value::as_str) == parent {
        return Ok(());
    }
    let id = existing.get("id").and_then(Value::as_str).unwrap_or_default();
    if uses_roles_left_behind(conn, id, parent)? {
        return Err(EngineError::Validation(FieldErrors::single(
            "parent",
            "Memberships or invitations below this organization use roles of an organization it would leave.",
        )));
    }
    Ok(())
}

/// Whether moving `id` under `parent` would take a membership or invitation of its subtree
/// out of reach of the organization owning its role.
fn uses_roles_left_behind(conn: &Connection, id: &str, parent: Option<&str>) -> Result<bool, EngineError> {
    let sql = format!(
        "WITH used(organization, role) AS (SELECT organization, \"role\" FROM organization_memberships \
         UNION ALL SELECT organization, \"role\" FROM invitations) \
         SELECT EXISTS (SELECT 1 FROM used u JOIN roles r ON r.id = u.\"role\" \
         JOIN organizations node ON node.id = ?1 JOIN organizations below ON below.id = u.organization \
         JOIN organizations owner ON owner.id = r.organization \
         WHERE {} AND NOT {} AND NOT {})",
        paths::in_subtree("below", "node"),
        paths::in_subtree("owner", "node"),
        paths::on_path("owner.id", "coalesce((SELECT tree_path FROM organizations WHERE id = ?2), '')"),
    );
    Ok(conn.query_row(&sql, rusqlite::params![id, parent], |r| r.get(0)).map_err(StoreError::from)?)
}

/// The organizations where the caller is an active member, listed per `query` like
/// `organizations/` (the caller's visibility applies too).
pub fn of_caller(
    db: &Db,
    registry: &'static Registry,
    caller: &Caller,
    query: &[(String, String)],
) -> Result<list::Page, EngineError> {
    let user = access::signed_in(caller.principal.as_ref())?.user_id.clone();
    let model = registry.get(ORGANIZATION.name).ok_or(EngineError::NotFound)?;
    matching(db, registry, model, caller, query, Some(Restriction::MemberOf(&user)))
}
