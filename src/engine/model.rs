//! The registry: every model definition completed with its system columns (`id`,
//! `custom_fields`, `created_at` …) and precomputed SQL, looked up by name or URL plural.

use std::collections::HashMap;

use super::def::{Default, Field, Kind, ModelDef, OnDelete, Scope};

const ID: Field = Field::text("id", 36).read_only().help("Unique id (UUIDv7).");
const CUSTOM_FIELDS: Field = Field::json_object("custom_fields").help("Custom data for this record.");
const CREATED_AT: Field = Field::datetime("created_at").read_only();
const UPDATED_AT: Field = Field::datetime("updated_at").read_only();
const CREATED_BY: Field = Field::foreign_key("created_by", "user", OnDelete::SetNull).nullable().read_only();
const UPDATED_BY: Field = Field::foreign_key("updated_by", "user", OnDelete::SetNull).nullable().read_only();
/// The tracking columns the engine fills on every write.
pub const TRACKING: [Field; 4] = [CREATED_AT, UPDATED_AT, CREATED_BY, UPDATED_BY];
/// What an organization-scoped model gets unless it declares its own `organization`, less
/// the fields it declares itself.
const ORGANIZATION: [Field; 2] = [
    Field::foreign_key("organization", "organization", OnDelete::Restrict)
        .help("The organization this record belongs to; may be omitted when you belong to exactly one."),
    Field::lookup("organization_name", "organization", "name"),
];
/// What an organization-scoped model gets whose organization is taken from another row
/// (`ModelDef::organization_from`).
const TAKEN_ORGANIZATION: [Field; 2] = [
    Field::foreign_key("organization", "organization", OnDelete::Restrict)
        .read_only()
        .help("The organization this record belongs to: that of the record it is part of."),
    Field::lookup("organization_name", "organization", "name"),
];
/// What a model with an optional organization gets, but fields it declares itself.
const OPTIONAL_ORGANIZATION: [Field; 2] = [
    Field::foreign_key("organization", "organization", OnDelete::Restrict)
        .nullable()
        .help("The organization this record belongs to; empty for a record shared by all."),
    Field::lookup("organization_name", "organization", "name"),
];

/// A model keyed by `id` gets a generated UUIDv7 unless it declares its own `id` field.
fn generated_key(def: &ModelDef) -> bool {
    def.key == "id" && !def.fields.iter().any(|f| f.name == "id")
}

/// A model ready for use: its definition plus every column in API order.
pub struct Model {
    pub def: &'static ModelDef,
    /// All columns: key first, declared fields, `custom_fields`, then the tracking columns.
    pub columns: Vec<Field>,
    /// The columns shown (all but write-only ones), in `select_list` order.
    pub readable: Vec<Field>,
    /// `"col1", "col2", …` of the readable columns (lookups as sub-selects), for SELECT and
    /// RETURNING.
    pub select_list: String,
    /// Columns an audit diff leaves out: the tracking columns and lookups.
    pub not_audited: Vec<&'static str>,
    /// Filter fields: the definition's, and a tree's level and path.
    pub filters: Vec<&'static str>,
    /// Ordering fields: the definition's, and a tree's level and path.
    pub ordering: Vec<&'static str>,
    /// Actions: the definition's, and a tree's `children/`, `descendants/`, `ancestors/`.
    pub actions: Vec<&'static super::def::Action>,
    /// The models whose custom field definitions a list of this model reads
    /// (`filter::custom_reach`).
    pub custom_reach: Vec<&'static str>,
}

impl Model {
    fn new(def: &'static ModelDef) -> Model {
        let mut columns = Vec::with_capacity(def.fields.len() + 8);
        if generated_key(def) {
            columns.push(ID);
        }
        let declared = |name: &str| def.fields.iter().any(|f| f.name == name);
        let scoped: &[Field] = match def.scope {
            _ if declared("organization") => &[],
            Scope::Organization if def.organization_from.is_some() => &TAKEN_ORGANIZATION,
            Scope::Organization => &ORGANIZATION,
            Scope::OptionalOrganization { .. } => &OPTIONAL_ORGANIZATION,
            _ => &[],
        };
        // A declared field of the same name wins (a contact's `organization_name` is text).
        columns.extend(scoped.iter().filter(|s| !declared(s.name)));
        columns.extend_from_slice(def.fields);
        if def.tree.is_some() {
            columns.extend([super::tree::LEVEL, super::tree::PATH]);
        }
        if def.custom_fields {
            columns.push(CUSTOM_FIELDS);
        }
        if def.tracking {
            columns.extend(TRACKING);
        }
        let readable: Vec<Field> = columns.iter().filter(|c| !c.write_only()).copied().collect();
        let tracking = TRACKING.iter().map(|f| f.name);
        let derived =
            def.tree.as_ref().map(|_| [super::tree::LEVEL.name, super::tree::PATH.name]).into_iter().flatten();
        let not_audited = tracking
            .chain(derived)
            .chain(
                columns.iter().filter(|c| matches!(c.kind, Kind::Lookup { .. } | Kind::Details { .. })).map(|c| c.name),
            )
            .collect();
        let tree_fields = def.tree.as_ref().map(|_| [super::tree::LEVEL.name, super::tree::PATH.name]);
        let filters = def.filters.iter().copied().chain(tree_fields.into_iter().flatten()).collect();
        let ordering = def.ordering.iter().copied().chain(tree_fields.into_iter().flatten()).collect();
        let tree_actions = def.tree.as_ref().map(|_| super::tree::ACTIONS.iter()).into_iter().flatten();
        let actions = def.actions.iter().chain(tree_actions).collect();
        Model {
            def,
            columns,
            readable,
            select_list: String::new(),
            not_audited,
            filters,
            ordering,
            actions,
            custom_reach: Vec::new(),
        }
    }

    /// Whether some readable column is a correlated sub-select (see `select_expressions`).
    pub fn has_computed_columns(&self) -> bool {
        self.readable.iter().any(|field| {
            matches!(field.kind, Kind::Lookup { .. } | Kind::Details { .. } | Kind::Tags | Kind::Children { .. })
                || (field.inline && matches!(field.kind, Kind::ForeignKey { .. }))
        })
    }

    /// The SELECT expression of each readable column; lookups, tags, child lists, inline
    /// objects and details become correlated sub-selects.
    fn select_expressions(&self, registry: &Registry) -> String {
        let row = format!("\"{}\"", self.def.table);
        let expressions: Vec<String> = self
            .readable
            .iter()
            .map(|field| match field.kind {
                Kind::Lookup { .. } => self.lookup_expression(registry, field, &row),
                Kind::Tags => super::links::select_expression(self, field, &row),
                Kind::Children { .. } => super::nested::list_expression(registry, self, field, &row, 0),
                Kind::ForeignKey { .. } if field.inline => super::nested::inline_expression(registry, field, &row, 0),
                Kind::Details { via } => self.details_expression(registry, via, &row, 0),
                _ => format!("{row}.\"{}\"", field.name),
            })
            .collect();
        expressions.join(", ")
    }

    /// The sub-select of a lookup field of the row `row` (the table's name or an alias): the
    /// looked-up column of the row its foreign key points at.
    pub(super) fn lookup_expression(&self, registry: &Registry, field: &Field, row: &str) -> String {
        let Kind::Lookup { via, column } = field.kind else { return "NULL".into() };
        let target = self.column(via).and_then(|f| match f.kind {
            Kind::ForeignKey { model, .. } => registry.get(model),
            _ => None,
        });
        let (target_table, key) = target.map_or(("users", "id"), |t| (t.def.table, t.def.key));
        format!("(SELECT l.\"{column}\" FROM \"{target_table}\" AS l WHERE l.\"{key}\" = {row}.\"{via}\")")
    }

    /// The sub-select of a details field of the row `row`: the whole row its foreign key
    /// `via` points at, as an inline foreign key shows it.
    pub(super) fn details_expression(&self, registry: &Registry, via: &str, row: &str, depth: usize) -> String {
        self.column(via)
            .map_or_else(|| "NULL".into(), |key| super::nested::inline_expression(registry, key, row, depth))
    }

    /// Columns stored in the model's table (not lookups).
    pub fn stored(&self) -> impl Iterator<Item = &Field> {
        self.columns.iter().filter(|c| c.kind.is_stored())
    }

    /// The organization a row belongs to, per the model's scope.
    pub fn organization_of<'r>(&self, record: &'r super::Record) -> Option<&'r str> {
        record.get(self.def.scope.organization_field()?).and_then(serde_json::Value::as_str)
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Field> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Whether the key is generated by Plinth (UUIDv7) rather than given by the client.
    pub fn generated_key(&self) -> bool {
        generated_key(self.def)
    }

    /// Fields a client may write.
    pub fn writable(&self) -> impl Iterator<Item = &Field> {
        self.columns.iter().filter(|c| !c.read_only)
    }
}

/// Every model of the running Plinth.
pub struct Registry {
    models: Vec<Model>,
    by_name: HashMap<&'static str, usize>,
}

impl Registry {
    /// Builds the registry; panics at start-up on a definition error (a programming error
    /// caught by the schema test, never by a user).
    pub fn new(defs: &[&'static ModelDef]) -> Registry {
        let models: Vec<Model> = defs.iter().map(|d| Model::new(d)).collect();
        let by_name = models.iter().enumerate().map(|(i, m)| (m.def.name, i)).collect();
        let mut registry = Registry { models, by_name };
        let select_lists: Vec<String> = registry.models.iter().map(|m| m.select_expressions(&registry)).collect();
        let reaches: Vec<Vec<&'static str>> =
            registry.models.iter().map(|m| super::filter::custom_reach(&registry, m)).collect();
        for ((model, list), reach) in registry.models.iter_mut().zip(select_lists).zip(reaches) {
            model.select_list = list;
            model.custom_reach = reach;
        }
        registry.check();
        registry
    }

    /// The model named `name` (singular).
    pub fn get(&self, name: &str) -> Option<&Model> {
        self.by_name.get(name).map(|&i| &self.models[i])
    }

    pub fn models(&self) -> &[Model] {
        &self.models
    }

    fn check(&self) {
        for model in &self.models {
            let def = model.def;
            let indexed = def.indexes.iter().flat_map(|i| i.columns.iter());
            let sets = def.unique_together.iter().chain(def.unique_unless_blank).flat_map(|set| set.iter());
            let named = def.ordering.iter().chain(def.list_columns).chain(def.unindexed).chain(indexed).chain(sets);
            let defaults = def.default_order.iter().map(|o| o.trim_start_matches('-'));
            for name in named.copied().chain(defaults).chain(def.list_defaults.iter().map(|(f, _)| *f)) {
                assert!(model.column(name).is_some(), "{}: unknown field {name}", def.name);
            }
            assert!(model.column(def.key).is_some(), "{}: unknown key {}", def.name, def.key);
            if let Some(tree) = &def.tree {
                let parent = model.column(tree.parent).map(|f| (f.kind, f.nullable));
                let own = matches!(parent, Some((Kind::ForeignKey { model: m, .. }, true)) if m == def.name);
                assert!(own, "{}: a tree needs a nullable parent", def.name);
                // Keys go into the path: generated ones, or text checked by `tree::place`.
                let text_key =
                    model.column(def.key).is_some_and(|f| matches!(f.kind, Kind::Text { .. } | Kind::Slug { .. }));
                assert!(model.generated_key() || text_key, "{}: a tree needs generated or text keys", def.name);
                // SET NULL would make roots of the children behind the engine's back, their
                // paths still naming the deleted parent.
                let policy = parent.and_then(|(kind, _)| match kind {
                    Kind::ForeignKey { on_delete, .. } => Some(on_delete),
                    _ => None,
                });
                assert!(
                    matches!(policy, Some(OnDelete::Restrict | OnDelete::Cascade)),
                    "{}: a tree's parent restricts or cascades on delete",
                    def.name
                );
                for field in tree.same_as_parent {
                    assert!(model.column(field).is_some(), "{}: unknown field {field}", def.name);
                }
            }
            for name in def.search {
                let found = super::filter::search_path(self, model, name);
                assert!(found.is_some(), "{}: search field {name} is not text (or a path to text)", def.name);
            }
            for set in def.unique_unless_blank {
                let optional = set.iter().filter_map(|name| model.column(name)).any(|f| f.blank || f.nullable);
                assert!(optional, "{}: {set:?} has no member that may be blank: use unique_together", def.name);
            }
            if let Some(via) = def.organization_from {
                let target = model.column(via).and_then(|f| match f.kind {
                    Kind::ForeignKey { model: target, .. } if !f.nullable => self.get(target),
                    _ => None,
                });
                assert!(
                    def.scope == Scope::Organization && target.is_some_and(|t| t.def.scope == Scope::Organization),
                    "{}: the organization comes from a required foreign key to an organization-scoped row",
                    def.name
                );
            }
            for field in &model.columns {
                if let Kind::ForeignKey { model: target, .. } = field.kind {
                    assert!(target == "user" || self.get(target).is_some(), "{}: unknown target {target}", def.name);
                    if let Some(limit) = field.limit {
                        let column = self.get(target).and_then(|t| t.column(limit.column));
                        assert!(column.is_some(), "{}.{}: unknown limit column {}", def.name, field.name, limit.column);
                    }
                }
                if let Kind::Children { model: child, parent, single } = field.kind {
                    let child = self.get(child).unwrap_or_else(|| panic!("{}: unknown child model {child}", def.name));
                    let back = child.column(parent).map(|f| f.kind);
                    let owned = matches!(back, Some(Kind::ForeignKey { model: m, on_delete: OnDelete::Cascade }) if m == def.name);
                    assert!(
                        owned && child.def.nested,
                        "{}: {} needs a nested child pointing back with CASCADE",
                        def.name,
                        field.name
                    );
                    let flag = single.map(|flag| child.column(flag).map(|f| f.kind));
                    assert!(
                        matches!(flag, None | Some(Some(Kind::Boolean))),
                        "{}: {} single needs a boolean",
                        def.name,
                        field.name
                    );
                }
                assert!(
                    !field.inline || matches!(field.kind, Kind::ForeignKey { .. }),
                    "{}: only a foreign key is inline",
                    def.name
                );
                if let Kind::Lookup { via, .. } | Kind::Details { via } = field.kind {
                    let points = model.column(via).is_some_and(|f| matches!(f.kind, Kind::ForeignKey { .. }));
                    assert!(points, "{}: {} needs the foreign key {via}", def.name, field.name);
                }
                if let (Kind::Json(_) | Kind::Tags, Some(d)) = (field.kind, field.default) {
                    assert!(matches!(d, Default::EmptyObject | Default::EmptyArray));
                }
            }
        }
    }
}
