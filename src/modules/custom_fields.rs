//! `custom-fields/` (every `custom_fields` mention of the spec): definitions of the keys a
//! model's `custom_fields` object may hold — type, label, required, choices, default, help,
//! order. Configuration data: written by superusers or holders of the global permission. The
//! engine checks values against them on every write (`engine::custom`).

use serde_json::Value;

use crate::engine::custom::Definition;
use crate::engine::{Default, Field, FieldErrors, ModelDef, Record};

/// The value types a custom field may have.
pub const TYPES: &[&str] = &["text", "number", "decimal", "date", "boolean", "choice"];

pub const CUSTOM_FIELD: ModelDef = ModelDef {
    fields: &[
        Field::text("model", 100).help("The model whose records carry the key: its permission prefix (e.g. product)."),
        Field::text("key", 64).help("The key in custom_fields: letters, digits and _."),
        Field::text("label", 255),
        Field::choice("type", TYPES),
        Field::boolean("required").default(Default::Bool(false)).help("Required on create."),
        Field::json_array("choices").help("For type choice: the allowed strings."),
        Field::json_value("default").help("Used on create when the key is left out; null for none."),
        Field::long_text("help_text").blank(),
        Field::integer("order", 0, 1_000_000).default(Default::Int(0)).help("Position in forms."),
    ],
    search: &["model", "key", "label"],
    filters: &["model", "key", "type", "required"],
    ordering: &["model", "order", "key"],
    default_order: &["model", "order", "key"],
    unique_together: &[&["model", "key"]],
    // Definitions are few.
    unindexed: &["key", "order"],
    display: "{model}.{key}",
    list_columns: &["model", "key", "label", "type", "required", "order"],
    validate: Some(validate_definition),
    area: "configuration",
    ..ModelDef::base("customfield", "Custom Field", "custom-fields", "custom_fields")
};

fn validate_definition(record: &Record) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    let text = |name: &str| record.get(name).and_then(Value::as_str).unwrap_or_default();
    let model = text("model");
    let carries = super::registry().get(model).is_some_and(|m| m.def.custom_fields);
    if !carries {
        errors.add("model", format!("\"{model}\" has no custom fields."));
    }
    if !text("key").chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        errors.add("key", "Use letters, digits and _ only.");
    }
    let choices = record.get("choices").and_then(Value::as_array).cloned().unwrap_or_default();
    if !choices.iter().all(Value::is_string) {
        errors.add("choices", "Each choice must be a string.");
    }
    match (text("type"), choices.is_empty()) {
        ("choice", true) => errors.add("choices", "A choice field needs its choices."),
        ("choice", false) | (_, true) => {}
        (_, false) => errors.add("choices", "Only a choice field has choices."),
    }
    if let Some(default) = record.get("default").filter(|d| !d.is_null())
        && let Err(message) = Definition::from_record(record).check(default)
    {
        errors.add("default", message);
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}
