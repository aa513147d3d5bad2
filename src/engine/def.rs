//! Declarative model definitions: what a model is (table, key, fields, search, filters,
//! ordering, access) written once as `static` data and read by every generic part of Plinth.

use serde_json::Value;

use super::Record;
use super::error::FieldErrors;

/// What happens to rows that reference a deleted row (Django's PROTECT / CASCADE / SET_NULL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnDelete {
    /// The delete is refused while references exist (`409 protected`).
    Restrict,
    /// Referencing rows are deleted too.
    Cascade,
    /// The reference is cleared.
    SetNull,
}

impl OnDelete {
    /// The SQL spelling, as `PRAGMA foreign_key_list` reports it.
    pub fn sql(self) -> &'static str {
        match self {
            OnDelete::Restrict => "RESTRICT",
            OnDelete::Cascade => "CASCADE",
            OnDelete::SetNull => "SET NULL",
        }
    }
}

/// Shape a JSON field must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonShape {
    Object,
    Array,
    /// Any JSON value (a custom field's default).
    Any,
}

/// The type of a field: decides validation, storage and presentation.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// Single-line text up to `max` characters.
    Text {
        max: usize,
    },
    /// Unbounded text.
    LongText,
    /// Letters, digits, `_` and `-`, up to `max` characters.
    Slug {
        max: usize,
    },
    /// Whole number within `min..=max`.
    Integer {
        min: i64,
        max: i64,
    },
    /// Exact decimal: stored as an integer scaled by 10^scale, exchanged as a string.
    Decimal {
        digits: u32,
        scale: u32,
    },
    Boolean,
    /// `YYYY-MM-DD`.
    Date,
    /// RFC 3339, stored in UTC with microseconds.
    DateTime,
    Json(JsonShape),
    /// One of a fixed list of values.
    Choice(&'static [&'static str]),
    /// Reference to another model's key.
    ForeignKey {
        model: &'static str,
        on_delete: OnDelete,
    },
    /// `#RRGGBB`.
    Color,
    /// ISO 3166-1 alpha-2 code.
    Country,
    /// IANA time zone name.
    Timezone,
    /// A password: checked by the password rules, stored as an argon2id hash, never shown.
    Password,
    /// E.164 phone number (`+` and 8 to 15 digits).
    Phone,
    /// An e-mail address of at most 254 characters.
    Email,
    /// BCP 47 language tag (`en`, `pt-BR`).
    Language,
    /// A list of labels: tags (`tags/`) by name, linked through a table of their own;
    /// `?tags=a,b` matches any of them.
    Tags,
    /// Rows of another model owned by this one and written with it (nested writes): the
    /// child `model` points back through its foreign key `parent` (ON DELETE CASCADE). A
    /// boolean field `single` may be set on one item at most: the last one flagged wins.
    /// Not stored in this model's table.
    Children {
        model: &'static str,
        parent: &'static str,
        single: Option<&'static str>,
    },
    /// Read-only companion of a foreign key: `column` of the row that field `via` points at
    /// (`organization_name`). Not stored.
    Lookup {
        via: &'static str,
        column: &'static str,
    },
    /// Read-only companion of a foreign key: the whole row that field `via` points at, as its
    /// model shows it (`address_details`), or `null`. Not stored.
    Details {
        via: &'static str,
    },
}

impl Kind {
    /// Whether the column stores an INTEGER (else TEXT).
    pub fn is_integer_column(self) -> bool {
        matches!(self, Kind::Integer { .. } | Kind::Decimal { .. } | Kind::Boolean)
    }

    /// Whether text operators (contains, startswith …) and search apply.
    pub fn is_textual(self) -> bool {
        matches!(
            self,
            Kind::Text { .. }
                | Kind::LongText
                | Kind::Slug { .. }
                | Kind::Choice(_)
                | Kind::Color
                | Kind::Country
                | Kind::Timezone
                | Kind::Phone
                | Kind::Email
                | Kind::Language
        )
    }

    /// Whether the value lives in a column of the model's own table (tags live in a link
    /// table, lookups in the row they look up).
    pub fn is_stored(self) -> bool {
        !matches!(self, Kind::Lookup { .. } | Kind::Details { .. } | Kind::Tags | Kind::Children { .. })
    }

    /// Whether the value is written after the row itself, in tables of its own (tags, child
    /// lists).
    pub fn is_linked(self) -> bool {
        matches!(self, Kind::Tags | Kind::Children { .. })
    }

    /// Short name used by the metadata endpoint and the admin pages.
    pub fn type_name(self) -> &'static str {
        match self {
            Kind::Text { .. } => "text",
            Kind::LongText => "longtext",
            Kind::Slug { .. } => "slug",
            Kind::Integer { .. } => "integer",
            Kind::Decimal { .. } => "decimal",
            Kind::Boolean => "boolean",
            Kind::Date => "date",
            Kind::DateTime => "datetime",
            Kind::Json(_) => "json",
            Kind::Choice(_) => "choice",
            Kind::ForeignKey { .. } => "foreign_key",
            Kind::Color => "color",
            Kind::Country => "country",
            Kind::Timezone => "timezone",
            Kind::Password => "password",
            Kind::Phone => "phone",
            Kind::Email => "email",
            Kind::Language => "language",
            Kind::Tags => "tags",
            Kind::Children { .. } => "children",
            Kind::Lookup { .. } => "text",
            Kind::Details { .. } => "object",
        }
    }
}

/// A value used when a field is absent on create.
#[derive(Clone, Copy, Debug)]
pub enum Default {
    Bool(bool),
    Int(i64),
    Text(&'static str),
    EmptyObject,
    EmptyArray,
    /// A moment this many days after the write (an expiry).
    DaysFromNow(i64),
}

impl Default {
    /// The default as the JSON value a client would have sent.
    pub fn to_json(self) -> Value {
        match self {
            Default::Bool(b) => Value::Bool(b),
            Default::Int(i) => Value::from(i),
            Default::Text(t) => Value::from(t),
            Default::EmptyObject => Value::Object(serde_json::Map::new()),
            Default::EmptyArray => Value::Array(Vec::new()),
            Default::DaysFromNow(days) => {
                Value::from(crate::store::format_timestamp(chrono::Utc::now() + chrono::Duration::days(days)))
            }
        }
    }

    /// The default as documentation shows it: `None` for one computed at each write.
    pub fn documented(self) -> Option<Value> {
        (!matches!(self, Default::DaysFromNow(_))).then(|| self.to_json())
    }
}

/// One field of a model; built with the `const` constructors below.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    /// Accepts and stores `null`.
    pub nullable: bool,
    /// Text that may be empty (absent means "").
    pub blank: bool,
    pub default: Option<Default>,
    pub unique: bool,
    /// Shown, never written by clients (ignored on input).
    pub read_only: bool,
    /// Written on create; an update that changes it is refused.
    pub create_only: bool,
    /// Compared (and unique) regardless of case (`COLLATE NOCASE`).
    pub nocase: bool,
    /// A foreign key shown as the whole object it points at, and written either as its key
    /// or as an object: one with the key of an existing row updates that row, one without
    /// creates a row (taking the writer's organization when it has none).
    pub inline: bool,
    pub help: &'static str,
}

impl Field {
    const fn new(name: &'static str, kind: Kind) -> Field {
        Field {
            name,
            kind,
            nullable: false,
            blank: false,
            default: None,
            unique: false,
            read_only: false,
            create_only: false,
            nocase: false,
            inline: false,
            help: "",
        }
    }
    pub const fn text(name: &'static str, max: usize) -> Field {
        Field::new(name, Kind::Text { max })
    }
    pub const fn long_text(name: &'static str) -> Field {
        Field::new(name, Kind::LongText)
    }
    pub const fn slug(name: &'static str, max: usize) -> Field {
        Field::new(name, Kind::Slug { max })
    }
    pub const fn integer(name: &'static str, min: i64, max: i64) -> Field {
        Field::new(name, Kind::Integer { min, max })
    }
    pub const fn decimal(name: &'static str, digits: u32, scale: u32) -> Field {
        Field::new(name, Kind::Decimal { digits, scale })
    }
    pub const fn boolean(name: &'static str) -> Field {
        Field::new(name, Kind::Boolean)
    }
    pub const fn date(name: &'static str) -> Field {
        Field::new(name, Kind::Date)
    }
    pub const fn datetime(name: &'static str) -> Field {
        Field::new(name, Kind::DateTime)
    }
    pub const fn json_object(name: &'static str) -> Field {
        Field::new(name, Kind::Json(JsonShape::Object)).default(Default::EmptyObject)
    }
    /// Any JSON value; `null` for none.
    pub const fn json_value(name: &'static str) -> Field {
        Field::new(name, Kind::Json(JsonShape::Any)).nullable()
    }
    pub const fn json_array(name: &'static str) -> Field {
        Field::new(name, Kind::Json(JsonShape::Array)).default(Default::EmptyArray)
    }
    pub const fn choice(name: &'static str, choices: &'static [&'static str]) -> Field {
        Field::new(name, Kind::Choice(choices))
    }
    pub const fn foreign_key(name: &'static str, model: &'static str, on_delete: OnDelete) -> Field {
        Field::new(name, Kind::ForeignKey { model, on_delete })
    }
    pub const fn color(name: &'static str) -> Field {
        Field::new(name, Kind::Color)
    }
    pub const fn country(name: &'static str) -> Field {
        Field::new(name, Kind::Country)
    }
    pub const fn timezone(name: &'static str) -> Field {
        Field::new(name, Kind::Timezone)
    }
    pub const fn password(name: &'static str) -> Field {
        Field::new(name, Kind::Password)
    }
    pub const fn phone(name: &'static str) -> Field {
        Field::new(name, Kind::Phone)
    }
    pub const fn email(name: &'static str) -> Field {
        Field::new(name, Kind::Email)
    }
    pub const fn language(name: &'static str) -> Field {
        Field::new(name, Kind::Language)
    }
    /// A list of `model` rows owned by this one, pointing back through their `parent` field.
    pub const fn children(name: &'static str, model: &'static str, parent: &'static str) -> Field {
        Field::new(name, Kind::Children { model, parent, single: None }).default(Default::EmptyArray)
    }
    pub const fn tags(name: &'static str) -> Field {
        Field::new(name, Kind::Tags).default(Default::EmptyArray)
    }
    /// The read-only `column` of the row the foreign key `via` points at.
    pub const fn lookup(name: &'static str, via: &'static str, column: &'static str) -> Field {
        Field::new(name, Kind::Lookup { via, column }).nullable().read_only()
    }
    /// The read-only whole row the foreign key `via` points at.
    pub const fn details(name: &'static str, via: &'static str) -> Field {
        Field::new(name, Kind::Details { via }).nullable().read_only()
    }

    pub const fn nullable(mut self) -> Field {
        self.nullable = true;
        self
    }
    pub const fn blank(mut self) -> Field {
        self.blank = true;
        self
    }
    pub const fn default(mut self, value: Default) -> Field {
        self.default = Some(value);
        self
    }
    pub const fn unique(mut self) -> Field {
        self.unique = true;
        self
    }
    pub const fn read_only(mut self) -> Field {
        self.read_only = true;
        self
    }
    pub const fn nocase(mut self) -> Field {
        self.nocase = true;
        self
    }
    /// Of a child list: at most one item has the boolean `field` set (the last flagged wins).
    pub const fn single(mut self, field: &'static str) -> Field {
        if let Kind::Children { model, parent, .. } = self.kind {
            self.kind = Kind::Children { model, parent, single: Some(field) };
        }
        self
    }
    /// Of a foreign key: shown and written as the object itself (see [`Field::inline`]).
    pub const fn inline(mut self) -> Field {
        self.inline = true;
        self
    }
    pub const fn create_only(mut self) -> Field {
        self.create_only = true;
        self
    }
    pub const fn help(mut self, text: &'static str) -> Field {
        self.help = text;
        self
    }

    /// Must be present on create: no default, not nullable, not blank, not read-only.
    pub fn required(&self) -> bool {
        self.default.is_none() && !self.nullable && !self.blank && !self.read_only
    }

    /// Accepted on input, never shown.
    pub fn write_only(&self) -> bool {
        matches!(self.kind, Kind::Password)
    }
}

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
