//! A definition's fields: their kinds (the values they hold), defaults and flags, and what
//! happens to rows referencing a deleted one.

use serde_json::Value;

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
    /// A foreign key may point only at rows whose column holds a value (Django's
    /// `limit_choices_to`: a product's category is a PRODUCT category).
    pub limit: Option<Limit>,
    pub help: &'static str,
}

/// The rows a foreign key may point at: those whose `column` is `value`; others are refused
/// with `message` on the field.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub column: &'static str,
    pub value: &'static str,
    pub message: &'static str,
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
            limit: None,
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
    /// Points only at rows whose `column` is `value` (else 400 with `message`).
    pub const fn limited_to(mut self, column: &'static str, value: &'static str, message: &'static str) -> Field {
        self.limit = Some(Limit { column, value, message });
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
