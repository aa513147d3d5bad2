//! `GET /api/v1/meta/models/`: the model definitions as JSON, for the admin pages and any
//! client that renders forms and tables generically. Nested models (the items of a parent's
//! child list) are listed too, marked `nested`, without a URL of their own. A model with
//! custom fields lists their definitions under `custom_fields`: built once without them
//! ([`models`]), filled per request with those the caller may read ([`add_custom_fields`]),
//! since they change at run time.

use serde_json::{Value, json};

use super::custom::{Definition, Definitions};
use super::def::{Field, Kind, ReadRule, Scope, WriteRule};
use super::model::Registry;

/// Every model's definition; `custom_fields` (for models that have them) empty.
pub fn models(registry: &Registry) -> Value {
    let models: Vec<Value> = registry
        .models()
        .iter()
        .map(|m| {
            let def = m.def;
            let mut model = json!({
                "name": def.name,
                "label": def.label,
                "plural": def.plural,
                "area": def.area,
                "url": (!def.nested).then(|| format!("/api/v1/{}/", def.plural)),
                "nested": def.nested,
                "key": def.key,
                "lookup": def.lookup.unwrap_or(def.key),
                "tracking": def.tracking,
                "fields": m.columns.iter().map(field).collect::<Vec<_>>(),
                "search_fields": def.search,
                "filter_fields": m.filters,
                "ordering_fields": m.ordering,
                "default_ordering": def.default_order,
                "unique_together": def.unique_together,
                "unique_unless_blank": def.unique_unless_blank,
                "read": match def.read {
                    ReadRule::Anyone => "anyone",
                    ReadRule::Authenticated => "authenticated",
                    ReadRule::Staff => "staff",
                    ReadRule::Superuser => "superuser",
                },
                "writable": def.write != WriteRule::Never,
                "scope": match def.scope {
                    Scope::Global => "global",
                    Scope::Organization => "organization",
                    Scope::Organizations => "organizations",
                    Scope::Owner(_) => "owner",
                    Scope::OptionalOrganization { .. } => "optional_organization",
                    Scope::People(_) => "people",
                },
                "display": def.display,
                "tree": def.tree.as_ref().map(|tree| json!({ "parent": tree.parent, "same_as_parent": tree.same_as_parent })),
                "list_columns": def.list_columns,
                "actions": m.actions.iter().map(|a| json!({ "name": a.name, "detail": a.detail, "method": a.method.as_str(), "summary": a.summary, "params": a.params })).collect::<Vec<_>>(),
            });
            if def.custom_fields {
                model["custom_fields"] = json!([]);
            }
            model
        })
        .collect();
    json!({ "models": models })
}

/// Fills the `custom_fields` of each model in `document` (as [`models`] built it) with its
/// `definitions`, in form order: `{key, label, type, required, choices, default, help_text,
/// order}` each.
pub fn add_custom_fields(document: &mut Value, definitions: &Definitions) {
    let Some(models) = document["models"].as_array_mut() else { return };
    for model in models.iter_mut().filter(|m| m.get("custom_fields").is_some()) {
        let listed = definitions.of(model["name"].as_str().unwrap_or_default());
        model["custom_fields"] = listed.iter().map(definition).collect();
    }
}

/// Writes into each listed model of `document` what the caller may do with it (`can`: view,
/// add, change, delete), as `abilities` answers per model name.
pub fn add_abilities(document: &mut Value, mut abilities: impl FnMut(&str) -> [bool; 4]) {
    let Some(models) = document["models"].as_array_mut() else { return };
    for model in models.iter_mut().filter(|m| m["nested"] == false) {
        let [view, add, change, delete] = abilities(model["name"].as_str().unwrap_or_default());
        model["can"] = json!({ "view": view, "add": add, "change": change, "delete": delete });
    }
}

fn definition(d: &Definition) -> Value {
    json!({
        "key": d.key,
        "label": d.label,
        "type": d.kind.name(),
        "required": d.required,
        "choices": d.choices,
        "default": d.default,
        "help_text": d.help_text,
        "order": d.order,
    })
}

fn field(f: &Field) -> Value {
    let mut out = json!({
        "name": f.name,
        "type": f.kind.type_name(),
        "required": f.required(),
        "nullable": f.nullable,
        "blank": f.blank,
        "unique": f.unique,
        "read_only": f.read_only,
        "create_only": f.create_only,
        "write_only": f.write_only(),
        "help": f.help,
        "default": f.default.and_then(|d| d.documented()),
    });
    match f.kind {
        Kind::Text { max } | Kind::Slug { max } => out["max_length"] = json!(max),
        Kind::Integer { min, max } => out["range"] = json!([min, max]),
        Kind::Decimal { digits, scale } => out["decimal"] = json!({ "digits": digits, "scale": scale }),
        Kind::Choice(choices) => out["choices"] = json!(choices),
        Kind::ForeignKey { model, on_delete } => {
            let limit = f.limit.map(|l| json!({ l.column: l.value }));
            out["target"] = json!({ "model": model, "on_delete": on_delete.sql(), "inline": f.inline, "limit": limit })
        }
        Kind::Children { model, parent, single } => {
            out["children"] = json!({ "model": model, "parent": parent, "single": single })
        }
        Kind::Lookup { via, column } => out["lookup"] = json!({ "via": via, "column": column }),
        Kind::Details { via } => out["details"] = json!({ "via": via }),
        _ => {}
    }
    out
}
