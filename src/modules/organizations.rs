//! `organizations/`: the organization tree (spec: Organization). Codes are unique regardless
//! of case, names unique among siblings; a node cannot move under itself or a descendant, and
//! a parent with children cannot be deleted. `children/`, `descendants/` and `ancestors/`
//! list the tree around a node, showing only organizations the caller may see.

use serde_json::Value;

use crate::engine::crud::{self, list_matching};
use crate::engine::{
    Action, ActionCall, ActionOutput, Author, EngineError, Field, FieldErrors, ModelDef, OnDelete, Record, Restriction,
    Scope,
};
use crate::store::{Connection, StoreError};

pub const STATUSES: &[&str] = &["active", "inactive", "archived"];

pub const ORGANIZATION: ModelDef = ModelDef {
    fields: &[
        Field::text("name", 255).help("Unique among the organization's siblings."),
        Field::text("code", 50).unique().help("Unique regardless of case."),
        Field::foreign_key("organization_type", "organizationtype", OnDelete::Restrict),
        Field::choice("status", STATUSES).default(crate::engine::Default::Text("active")),
        Field::foreign_key("parent", "organization", OnDelete::Restrict)
            .nullable()
            .help("Parent organization; empty for a root (superusers only)."),
        Field::lookup("parent_name", "parent", "name"),
        Field::date("effective_date").nullable(),
        Field::date("end_date").nullable().help("On or after the effective date."),
        Field::text("primary_contact", 36).nullable().read_only().help("Contact id (contacts arrive later)."),
        Field::text("primary_address", 36).nullable().read_only().help("Address id (addresses arrive later)."),
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
    display: "{name}",
    list_columns: &["name", "code", "organization_type", "status", "parent_name", "currency"],
    validate: Some(validate_dates),
    check: Some(check_move),
    actions: &[
        Action {
            name: "children",
            detail: true,
            method: "GET",
            summary: "The organization's direct children.",
            params: &[],
            handler: children,
        },
        Action {
            name: "descendants",
            detail: true,
            method: "GET",
            summary: "Every organization below this one.",
            params: &[],
            handler: descendants,
        },
        Action {
            name: "ancestors",
            detail: true,
            method: "GET",
            summary: "Every organization above this one.",
            params: &[],
            handler: ancestors,
        },
        Action {
            name: "create-user",
            detail: true,
            method: "POST",
            summary: "Create an account that is a member of this organization: {username, password, email, first_name, \
                      last_name, role}. Needs organization.create-user here and everything the role grants.",
            params: &[],
            handler: super::members::create_user,
        },
    ],
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

/// A node may not become its own ancestor, nor leave the subtree of an organization whose roles
/// its members (or invitations) use.
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
    if let Some(parent) = parent {
        let sql = format!("SELECT ? = ? OR ? IN ({DESCENDANTS})");
        let cycle: bool = conn.query_row(&sql, [id, parent, parent, id], |r| r.get(0)).map_err(StoreError::from)?;
        if cycle {
            return Err(EngineError::Validation(FieldErrors::single(
                "parent",
                "An organization cannot be placed under itself or one of its descendants.",
            )));
        }
    }
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
    let sql = "WITH RECURSIVE sub(id) AS (SELECT ?1 UNION SELECT o.id FROM organizations o JOIN sub ON o.parent = sub.id), \
               above(id, parent) AS (SELECT id, parent FROM organizations WHERE id = ?2 \
               UNION SELECT o.id, o.parent FROM organizations o JOIN above ON o.id = above.parent), \
               used(organization, role) AS (SELECT organization, \"role\" FROM organization_memberships \
               UNION ALL SELECT organization, \"role\" FROM invitations) \
               SELECT EXISTS (SELECT 1 FROM used u JOIN roles r ON r.id = u.\"role\" \
               WHERE u.organization IN (SELECT id FROM sub) AND r.organization IS NOT NULL \
               AND r.organization NOT IN (SELECT id FROM sub) AND r.organization NOT IN (SELECT id FROM above))";
    Ok(conn.query_row(sql, rusqlite::params![id, parent], |r| r.get(0)).map_err(StoreError::from)?)
}

/// The ids below the organization bound to its one parameter.
const DESCENDANTS: &str = "WITH RECURSIVE below(id) AS (SELECT id FROM organizations WHERE parent = ? \
     UNION SELECT o.id FROM organizations o JOIN below ON o.parent = below.id) SELECT id FROM below";

/// Lists the organizations `restriction` picks around the node, after checking the node
/// itself is visible.
fn related(call: &ActionCall, restriction: Restriction) -> Result<ActionOutput, EngineError> {
    crud::retrieve(call.db, call.model, call.caller, node(call))?;
    let page = list_matching(call.db, call.registry, call.model, call.caller, call.query, Some(restriction))?;
    Ok(ActionOutput::Page(page))
}

/// The key of the organization a detail action is about.
fn node<'a>(call: &ActionCall<'a>) -> &'a str {
    call.key.unwrap_or_default()
}

fn children(call: &ActionCall) -> Result<ActionOutput, EngineError> {
    related(call, Restriction::Children(node(call)))
}

fn descendants(call: &ActionCall) -> Result<ActionOutput, EngineError> {
    related(call, Restriction::Descendants(node(call)))
}

fn ancestors(call: &ActionCall) -> Result<ActionOutput, EngineError> {
    related(call, Restriction::Ancestors(node(call)))
}
