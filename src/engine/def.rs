//! Declarative model definitions: what a model is (table, key, fields, search, filters,
//! ordering, access) written once as `static` data and read by every generic part of Plinth.

use super::Record;
use super::error::FieldErrors;

pub use super::field::{Default, Field, JsonShape, Kind, Limit, OnDelete};

/// Who may read a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadRule {
    /// Anyone, signed in or not (DRF `AllowAny` / `IsAuthenticatedOrReadOnly`).
    Anyone,
    /// Any authenticated caller.
    Authenticated,
    /// Staff and superusers.
    Staff,
    /// Superusers only (until roles grant `<model>.view`).
    Superuser,
}

/// Who may write a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteRule {
    /// Holders of `<model>.add` / `.change` / `.delete` (in the object's organization for
    /// organization-scoped models); superusers always.
    Permission,
    /// Superusers only: administration that could grant its author more rights.
    Superuser,
    /// Objects come and go with their owner; clients may only change them (no POST, DELETE).
    UpdateOnly,
    /// Nobody: a vocabulary maintained by Plinth itself.
    Never,
}

impl WriteRule {
    /// The methods a model's list route answers: creating needs a rule that allows it.
    pub fn list_methods(self) -> &'static [Method] {
        match self {
            WriteRule::Permission | WriteRule::Superuser => &[Method::Get, Method::Post],
            WriteRule::UpdateOnly | WriteRule::Never => &[Method::Get],
        }
    }

    /// The methods a model's item route answers: a read-only vocabulary has no writes at
    /// all (405, not 403: the method does not exist for anybody).
    pub fn item_methods(self) -> &'static [Method] {
        match self {
            WriteRule::Permission | WriteRule::Superuser => &[Method::Get, Method::Put, Method::Patch, Method::Delete],
            WriteRule::UpdateOnly => &[Method::Get, Method::Put, Method::Patch],
            WriteRule::Never => &[Method::Get],
        }
    }
}

/// An HTTP method a route answers (HEAD is answered as GET).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    /// Every method, in the order an `Allow` header lists them.
    pub const ALL: [Method; 5] = [Method::Get, Method::Post, Method::Put, Method::Patch, Method::Delete];

    /// The method's name as HTTP spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// The method HTTP spells `name` (upper case); `None` for one no route answers.
    pub fn parse(name: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == name)
    }
}

/// Whose rows a caller sees and changes (DESIGN.md §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Shared by everyone; reads follow the read rule.
    Global,
    /// Each row belongs to the organization in its `organization` field: callers see rows of
    /// organizations where a role grants them `<model>.view`, others answer 404.
    Organization,
    /// The rows are the organizations themselves: each belongs to itself, and is created or
    /// moved under its `parent` (which needs `organization.add` there).
    Organizations,
    /// Each row belongs to the user in this field: callers see and change only their own.
    Owner(&'static str),
    /// A row with an `organization` sits inside that organization's wall like an
    /// organization-scoped row; a row without one is shared: read per the read rule, written
    /// per `shared`. With `inherited`, an
    /// organization's rows are also seen (not changed) throughout its subtree: a role made at
    /// the top is usable in every branch.
    OptionalOrganization { inherited: bool, shared: Shared },
    /// Rows about users (the user in this field): callers see only users who share an
    /// organization with them (superusers see all).
    People(&'static str),
}

/// Who writes the shared rows (those without an organization) of an optional-organization
/// model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shared {
    /// Superusers and holders of the global permission (configuration such as roles).
    GlobalPermission,
    /// Holders of the model permission through any active role, or globally (shared
    /// business records such as contacts and addresses).
    AnyRole,
}

impl Scope {
    /// The field naming the organization a row belongs to, for scopes that have one.
    pub fn organization_field(self) -> Option<&'static str> {
        match self {
            Scope::Organization | Scope::OptionalOrganization { .. } => Some("organization"),
            Scope::Organizations => Some("id"),
            Scope::Global | Scope::Owner(_) | Scope::People(_) => None,
        }
    }
}

/// An extra operation on a model beyond CRUD (e.g. `uoms/convert/`). Handlers are plain
/// functions that receive the query parameters and the JSON body and answer JSON.
pub struct Action {
    /// URL segment after the plural (collection actions) or after the key (detail actions).
    pub name: &'static str,
    pub detail: bool,
    /// `Get` or `Post`.
    pub method: Method,
    pub summary: &'static str,
    /// What the action reads (documented in OpenAPI, offered as inputs by the pages): query
    /// parameters of a GET, string fields of a POST's JSON body.
    pub params: &'static [&'static str],
    /// The permission the engine checks before the handler runs.
    pub needs: Needs,
    pub handler: fn(&super::ActionCall) -> Result<super::ActionOutput, super::EngineError>,
}

/// What an action needs, checked by the engine in the object's organization (for detail
/// actions; anywhere for collection actions) before its handler runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Reading the model (and, for a detail action, seeing the object).
    View,
    /// A permission of the model's own (`add`, `change`, `delete`).
    Crud(super::scope::Verb),
    /// The action's own permission, `<model>.<action>`: a role must grant it.
    Own,
}

/// Cross-field validation run on the merged record before every create and update.
pub type Validator = fn(&Record) -> Result<(), FieldErrors>;

/// Runs inside the write's transaction before a create (`existing` absent), an update, or a
/// delete (`proposed` absent), with the record as it would be stored: rules that need the
/// database. As [`ModelDef::check`], an integrity rule (tree cycles) that every write obeys;
/// as [`ModelDef::guard`], an access rule (who may hand out a role) for callers' writes.
pub type Check =
    fn(&crate::store::Connection, &super::Author, Option<&Record>, Option<&Record>) -> Result<(), super::EngineError>;

/// Runs inside the write's transaction after a create, update or delete, for consequences
/// such as ending a deactivated user's sessions.
pub type AfterWrite = fn(&crate::store::Connection, &super::Written) -> Result<(), super::EngineError>;

/// An index beyond those the engine derives (foreign keys, the default order, unique sets).
pub struct Index {
    pub columns: &'static [&'static str],
    pub unique: bool,
    /// A partial index's condition (SQL), or "".
    pub filter: &'static str,
}

impl Index {
    pub const fn on(columns: &'static [&'static str]) -> Index {
        Index { columns, unique: false, filter: "" }
    }
    pub const fn filtered(mut self, filter: &'static str) -> Index {
        self.filter = filter;
        self
    }
}

/// Rows that form a tree through a parent field (organizations, categories, locations).
pub struct Tree {
    /// The parent field: a nullable foreign key to the model itself. Its ON DELETE is the
    /// policy for a row with children: RESTRICT answers 409, CASCADE deletes the subtree.
    pub parent: &'static str,
    /// Fields a child must share with its parent (a category's type, a location's warehouse).
    pub same_as_parent: &'static [&'static str],
}

/// A rule across fields that the database enforces too (`CHECK`), named after the field its
/// failure is reported on (or `non_field_errors`).
pub struct TableCheck {
    pub field: &'static str,
    pub sql: &'static str,
}

/// A complete model definition.
pub struct ModelDef {
    /// Singular machine name: permission prefix and audit model name (`currency`).
    pub name: &'static str,
    /// Human name (`Currency`).
    pub label: &'static str,
    /// URL segment (`currencies`).
    pub plural: &'static str,
    pub table: &'static str,
    /// Key field: `"id"` for a generated UUIDv7, else the natural key field's name.
    pub key: &'static str,
    /// The field item URLs name the row by when it is not the key (categories by `slug`);
    /// references to the row still use the key.
    pub lookup: Option<&'static str>,
    pub fields: &'static [Field],
    /// Has a `custom_fields` JSON object.
    pub custom_fields: bool,
    /// Has the engine's `created_at`, `updated_at`, `created_by`, `updated_by` columns.
    pub tracking: bool,
    /// Writes are recorded in the audit trail and the change feed.
    pub audited: bool,
    pub search: &'static [&'static str],
    /// Exact-match filter fields; relation paths (`from_uom.uom_type`) allowed.
    pub filters: &'static [&'static str],
    pub ordering: &'static [&'static str],
    /// Default order, `-` prefix for descending.
    pub default_order: &'static [&'static str],
    /// Filters applied to lists unless the query names that field (`is_active=true`).
    pub list_defaults: &'static [(&'static str, &'static str)],
    /// Field sets that must be unique together. A nullable member counts as a value: rows
    /// where it is NULL are unique among themselves too (as roots of a tree are by name).
    pub unique_together: &'static [&'static [&'static str]],
    /// Field sets unique together among the rows where each of their members is given — not
    /// blank, not null: a barcode unique per warehouse when there is one (rows without one
    /// never collide). At least one member may be blank or null.
    pub unique_unless_blank: &'static [&'static [&'static str]],
    /// Indexes beyond the derived ones.
    pub indexes: &'static [Index],
    /// Filter or ordering fields deliberately left without an index (each costs every write).
    pub unindexed: &'static [&'static str],
    /// Rules across fields the database enforces too.
    pub checks: &'static [TableCheck],
    /// The rows form a tree (`level`, `tree_path` and the tree actions come with it).
    pub tree: Option<Tree>,
    /// A slug field filled from another field when a create leaves it out, made unique with
    /// `-2`, `-3` … (`("slug", "name")`).
    pub slug_from: Option<(&'static str, &'static str)>,
    pub read: ReadRule,
    pub write: WriteRule,
    pub scope: Scope,
    /// Of an organization-scoped model: the foreign key (required) whose row's organization
    /// this row takes — a stock location is in its warehouse's. The engine sets it on every
    /// write, so it cannot differ; clients never write it.
    pub organization_from: Option<&'static str>,
    /// Template for the object's display string, e.g. `"{name} ({code})"`.
    pub display: &'static str,
    /// Columns the admin list shows.
    pub list_columns: &'static [&'static str],
    pub validate: Option<Validator>,
    /// Integrity rule needing the database, run on every write.
    pub check: Option<Check>,
    /// Access rule beyond the permissions, run on callers' writes (not on trusted ones).
    pub guard: Option<Check>,
    pub after_write: Option<AfterWrite>,
    pub actions: &'static [Action],
    /// Rows exist only inside their parent's child list ([`Kind::Children`]): no URL,
    /// permissions or audit entries of their own — the parent's cover them.
    pub nested: bool,
    /// The business area the admin pages list it under (`contacts`, `reference` …).
    pub area: &'static str,
}

impl ModelDef {
    /// A definition with everything optional left empty; fill the rest with struct update.
    pub const fn base(name: &'static str, label: &'static str, plural: &'static str, table: &'static str) -> ModelDef {
        ModelDef {
            name,
            label,
            plural,
            table,
            key: "id",
            lookup: None,
            fields: &[],
            custom_fields: false,
            tracking: true,
            audited: true,
            search: &[],
            filters: &[],
            ordering: &[],
            default_order: &[],
            list_defaults: &[],
            unique_together: &[],
            unique_unless_blank: &[],
            indexes: &[],
            unindexed: &[],
            checks: &[],
            tree: None,
            slug_from: None,
            read: ReadRule::Authenticated,
            write: WriteRule::Permission,
            scope: Scope::Global,
            organization_from: None,
            display: "{id}",
            list_columns: &[],
            validate: None,
            check: None,
            guard: None,
            after_write: None,
            actions: &[],
            nested: false,
            area: "other",
        }
    }
}
