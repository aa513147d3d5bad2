//! Field-level changes `{field: {old, new}}` between two versions of a record, with secrets
//! masked.

use serde_json::{Map, Value, json};

/// Field names whose values never appear in the audit trail.
const SECRET_MARKERS: &[&str] = &["password", "secret", "token", "otp", "recovery", "key_hash"];

/// Shown instead of a secret value.
const MASK: &str = "********";

/// Whether a field holds a secret.
fn is_secret(field: &str) -> bool {
    SECRET_MARKERS.iter().any(|marker| field.contains(marker))
}

/// A value as the trail may show it for `field`.
pub fn mask(field: &str, value: &Value) -> Value {
    if is_secret(field) && !value.is_null() { Value::from(MASK) } else { value.clone() }
}

/// The fields that differ between `before` and `after` (either may be absent: create or
/// delete), skipping `ignored` (bookkeeping such as `updated_at`).
pub fn diff(before: Option<&Map<String, Value>>, after: Option<&Map<String, Value>>, ignored: &[&str]) -> Value {
    let empty = Map::new();
    let (old, new) = (before.unwrap_or(&empty), after.unwrap_or(&empty));
    let mut changes = Map::new();
    let names = new.keys().chain(old.keys().filter(|k| !new.contains_key(*k)));
    for name in names {
        if ignored.contains(&name.as_str()) {
            continue;
        }
        let (o, n) = (old.get(name).unwrap_or(&Value::Null), new.get(name).unwrap_or(&Value::Null));
        if o != n || before.is_none() || after.is_none() {
            changes.insert(name.clone(), json!({ "old": mask(name, o), "new": mask(name, n) }));
        }
    }
    Value::Object(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn update_lists_only_changed_fields_and_masks_secrets() {
        let before = record(json!({ "name": "a", "symbol": "x", "password_hash": "h1", "updated_at": "t1" }));
        let after = record(json!({ "name": "b", "symbol": "x", "password_hash": "h2", "updated_at": "t2" }));
        let changes = diff(Some(&before), Some(&after), &["updated_at"]);
        assert_eq!(
            changes,
            json!({ "name": { "old": "a", "new": "b" }, "password_hash": { "old": MASK, "new": MASK } })
        );
    }

    #[test]
    fn create_and_delete_list_every_field() {
        let row = record(json!({ "name": "a", "n": 1 }));
        assert_eq!(
            diff(None, Some(&row), &[]),
            json!({ "name": { "old": null, "new": "a" }, "n": { "old": null, "new": 1 } })
        );
        assert_eq!(
            diff(Some(&row), None, &[]),
            json!({ "name": { "old": "a", "new": null }, "n": { "old": 1, "new": null } })
        );
    }
}
