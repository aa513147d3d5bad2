//! The OpenAPI 3.1 document of every route: the model routes generated from the model
//! definitions, plus the paths and schemas of the fixed endpoints, which the API layer
//! describes where it declares them (with the helpers here). Custom fields change at run time:
//! the document is built once without them, and [`add_custom_fields`] describes them per
//! request.

use serde_json::{Map, Value, json};

use super::custom::{Definition, Definitions, Type};
use super::def::{Field, JsonShape, Kind, Method, ModelDef, Scope};
use super::filter::{MAX_CONDITIONS, MAX_RELATIONS, MAX_VALUE_CHARS};
use super::model::{Model, Registry};
use super::query::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_SEARCH_CHARS};

/// Builds the whole document: `fixed_paths` and `fixed_schemas` first, then every model's.
pub fn document(
    registry: &Registry,
    version: &str,
    fixed_paths: Map<String, Value>,
    fixed_schemas: Map<String, Value>,
) -> Value {
    let mut paths = fixed_paths;
    let mut schemas = Map::from_iter([("Error".to_string(), error_schema())]);
    schemas.extend(fixed_schemas);
    for model in registry.models() {
        if !model.def.nested {
            model_paths(model, &mut paths);
        }
        schemas.insert(schema_name(model), model_schema(registry, model));
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Plinth API",
            "version": version,
            "description": "Single-binary, local-first ERP base platform. Lists are paginated DRF-style; errors use DRF shapes.",
        },
        "servers": [{ "url": "/" }],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": error_responses(),
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
        },
        "security": [{ "bearer": [] }, {}],
    })
}

fn schema_name(model: &Model) -> String {
    model.def.label.split(|c: char| !c.is_ascii_alphanumeric()).collect()
}

/// A reference to the component schema `name`.
pub(crate) fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The schema name of the model called `name`.
fn schema_of(registry: &Registry, name: &str) -> Value {
    registry.get(name).map_or_else(|| json!({ "type": "string" }), |m| reference(&schema_name(m)))
}

fn field_schema(registry: &Registry, model: &Model, field: &Field) -> Value {
    let mut schema = match field.kind {
        Kind::Details { via } => {
            let target = model.column(via).and_then(|f| match f.kind {
                Kind::ForeignKey { model, .. } => Some(model),
                _ => None,
            });
            json!({ "oneOf": [schema_of(registry, target.unwrap_or_default()), { "type": "null" }] })
        }
        Kind::ForeignKey { model, .. } if field.inline => json!({
            "description": "The object itself; written as its key, or as an object: with the key of an existing one it updates that one, without it creates one.",
            "oneOf": [{ "type": "string" }, schema_of(registry, model)],
        }),
        Kind::Text { max } | Kind::Slug { max } => json!({ "type": "string", "maxLength": max }),
        Kind::LongText | Kind::ForeignKey { .. } => json!({ "type": "string" }),
        Kind::Integer { min, max } => json!({ "type": "integer", "minimum": min, "maximum": max }),
        Kind::Decimal { .. } => json!({ "type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN }),
        Kind::Boolean => json!({ "type": "boolean" }),
        Kind::Date => json!({ "type": "string", "format": "date" }),
        Kind::DateTime => json!({ "type": "string", "format": "date-time" }),
        Kind::Json(JsonShape::Object) => json!({ "type": "object" }),
        Kind::Json(JsonShape::Array) => json!({ "type": "array" }),
        Kind::Json(JsonShape::Any) => {
            json!({ "type": ["string", "number", "integer", "boolean", "object", "array", "null"] })
        }
        Kind::Choice(choices) => {
            let blank = field.blank.then_some("");
            json!({ "type": "string", "enum": choices.iter().copied().chain(blank).collect::<Vec<_>>() })
        }
        Kind::Color => json!({ "type": "string", "pattern": "^#[0-9A-Fa-f]{6}$" }),
        Kind::Country => json!({ "type": "string", "minLength": 2, "maxLength": 2 }),
        Kind::Timezone | Kind::Language | Kind::Lookup { .. } => json!({ "type": "string" }),
        Kind::Phone => json!({ "type": "string", "pattern": "^(\\+[1-9][0-9]{7,14})?$" }),
        Kind::Email => json!({ "type": "string", "format": "email", "maxLength": 254 }),
        Kind::Tags => json!({ "type": "array", "items": { "type": "string", "minLength": 1, "maxLength": 100 } }),
        Kind::Children { model, .. } => json!({
            "type": "array",
            "maxItems": super::value::MAX_CHILDREN,
            "items": schema_of(registry, model),
            "description": "The whole list: items with an id are kept (and updated), items without are created, items left out are deleted. In PATCH a list left out is unchanged.",
        }),
        Kind::Password => json!({ "type": "string", "writeOnly": true, "minLength": 8 }),
    };
    if let Value::Object(obj) = &mut schema {
        if field.nullable
            && let Some(base) = obj.get("type").filter(|t| t.is_string()).cloned()
        {
            obj.insert("type".into(), json!([base, "null"]));
        }
        if field.read_only {
            obj.insert("readOnly".into(), Value::Bool(true));
        }
        let fixed = if field.create_only { " Set on create; cannot be changed afterwards." } else { "" };
        if !field.help.is_empty() || field.create_only {
            obj.insert("description".into(), Value::from(format!("{}{fixed}", field.help).trim_start()));
        }
        if let Some(default) = field.default.and_then(|d| d.documented()) {
            obj.insert("default".into(), default);
        }
    }
    schema
}

/// A model's object; a nested model's as an item of its parent's list (no parent key, no
/// tracking columns).
fn model_schema(registry: &Registry, model: &Model) -> Value {
    let parent = registry.models().iter().flat_map(|m| &m.columns).find_map(|f| match f.kind {
        Kind::Children { model: child, parent, .. } if child == model.def.name => Some(parent),
        _ => None,
    });
    let shown = |f: &&Field| {
        !model.def.nested || (Some(f.name) != parent && !super::model::TRACKING.iter().any(|t| t.name == f.name))
    };
    let properties: Map<String, Value> =
        model.columns.iter().filter(shown).map(|f| (f.name.to_string(), field_schema(registry, model, f))).collect();
    // Write-only fields are required in requests only; one schema serves both directions.
    let required: Vec<&str> = model.readable.iter().filter(shown).filter(|f| f.required()).map(|f| f.name).collect();
    json!({ "type": "object", "title": model.def.label, "properties": properties, "required": required, "additionalProperties": false })
}

/// What a decimal string looks like.
const DECIMAL_PATTERN: &str = "^-?[0-9]+(\\.[0-9]+)?$";

/// Describes the custom fields of `definitions` in `document` (as [`document`] built it, for
/// the same registry): each model's `custom_fields` schema becomes an object of its defined
/// keys (typed, `required` for the required ones), and its list takes a typed
/// `custom_fields__<key>` parameter per key.
pub fn add_custom_fields(document: &mut Value, registry: &Registry, definitions: &Definitions) {
    for model in registry.models().iter().filter(|m| m.def.custom_fields) {
        let defined = definitions.of(model.def.name);
        if defined.is_empty() {
            continue;
        }
        let properties: Map<String, Value> =
            defined.iter().map(|d| (d.key.clone(), custom_schema(d, !d.required))).collect();
        let required: Vec<&str> = defined.iter().filter(|d| d.required).map(|d| d.key.as_str()).collect();
        let help = model.column("custom_fields").map_or("", |f| f.help);
        let schema = &mut document["components"]["schemas"][schema_name(model)]["properties"];
        schema["custom_fields"] = json!({ "type": "object", "description": help, "properties": properties,
                                          "required": required, "additionalProperties": false });
        let list = &mut document["paths"][format!("/api/v1/{}/", model.def.plural)]["get"]["parameters"];
        if let Some(parameters) = list.as_array_mut() {
            for d in defined {
                let description = format!(
                    "The custom field {} ({}), compared as {}; custom_fields__{}__<op> with any operator of filter.",
                    d.label,
                    d.key,
                    d.kind.name(),
                    d.key
                );
                // A query-string value is never null.
                parameters.push(query_param(
                    &format!("custom_fields__{}", d.key),
                    &description,
                    custom_schema(d, false),
                ));
            }
        }
    }
}

/// The JSON schema of a custom field's values, null among them when `nullable`.
fn custom_schema(d: &Definition, nullable: bool) -> Value {
    let (kind, mut schema) = match d.kind {
        Type::Text => ("string", json!({})),
        Type::Number => ("number", json!({})),
        Type::Decimal => ("string", json!({ "format": "decimal", "pattern": DECIMAL_PATTERN })),
        Type::Date => ("string", json!({ "format": "date" })),
        Type::Boolean => ("boolean", json!({})),
        Type::Choice => {
            let mut choices: Vec<Value> = d.choices.iter().map(|c| Value::from(c.as_str())).collect();
            if nullable {
                choices.push(Value::Null);
            }
            ("string", json!({ "enum": choices }))
        }
    };
    schema["type"] = if nullable { json!([kind, "null"]) } else { json!(kind) };
    schema["title"] = Value::from(d.label.as_str());
    if !d.help_text.is_empty() {
        schema["description"] = Value::from(d.help_text.as_str());
    }
    if let Some(default) = &d.default {
        schema["default"] = default.clone();
    }
    schema
}

fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

/// `responses` with the shared error answers of `codes` added.
pub(crate) fn with_errors(mut responses: Map<String, Value>, codes: &[u16]) -> Value {
    for code in codes {
        responses.insert(code.to_string(), json!({ "$ref": format!("#/components/responses/E{code}") }));
    }
    Value::Object(responses)
}

/// A success answer `status`, with a JSON body of `schema` unless it has none.
pub(crate) fn ok(status: u16, description: &str, schema: Option<Value>) -> Map<String, Value> {
    let mut response = json!({ "description": description });
    if let Some(schema) = schema {
        response["content"] = json!({ "application/json": { "schema": schema } });
    }
    Map::from_iter([(status.to_string(), response)])
}

/// A JSON request body of `schema`.
pub(crate) fn request_body(schema: Value) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": schema } } })
}

/// The path parameter `name` (a string).
pub(crate) fn path_param(name: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } })
}

fn model_paths(model: &Model, paths: &mut Map<String, Value>) {
    let def = model.def;
    let name = schema_name(model);
    let one = reference(&name);
    let body = request_body(one.clone());
    let (custom_ordering, custom_filter) = if def.custom_fields {
        (
            ", or custom_fields.<key> of a defined custom field (by its typed value)",
            " Fields include custom_fields.<key>, compared by the type of the key's definition.",
        )
    } else {
        ("", "")
    };
    let mut list_params = vec![
        query_param("page", "Page number (1-based).", json!({ "type": "integer", "minimum": 1 })),
        query_param(
            "page_size",
            &format!("Results per page (default {DEFAULT_PAGE_SIZE}, max {MAX_PAGE_SIZE})."),
            json!({ "type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE }),
        ),
        query_param(
            "search",
            &format!(
                "Case-insensitive search over {} (at most {MAX_SEARCH_CHARS} characters; every word must match).",
                def.search.join(", ")
            ),
            json!({ "type": "string" }),
        ),
        query_param(
            "ordering",
            &format!("Comma-separated fields of {}{custom_ordering}; '-' for descending.", model.ordering.join(", ")),
            json!({ "type": "string" }),
        ),
        query_param(
            "filter",
            &format!(
                "Advanced filter: URL-encoded JSON tree of and/or/not and {{field, op, value}}; at most \
                 {MAX_CONDITIONS} conditions, {MAX_RELATIONS} relations per field path, text values of at most \
                 {MAX_VALUE_CHARS} characters.{custom_filter}"
            ),
            json!({ "type": "string" }),
        ),
    ];
    for filter in &model.filters {
        list_params.push(query_param(&filter.replace('.', "__"), "Exact match.", json!({ "type": "string" })));
    }
    let page = json!({
        "type": "object",
        "required": ["count", "next", "previous", "results"],
        "properties": {
            "count": { "type": "integer" },
            "next": { "type": ["string", "null"] },
            "previous": { "type": ["string", "null"] },
            "results": { "type": "array", "items": one },
        },
    });
    let tag = def.label;
    let mut collection = Map::new();
    for &method in def.write.list_methods() {
        let op = match method {
            Method::Get => {
                json!({ "operationId": format!("{}_list", def.name), "summary": format!("List {}", def.plural),
                "tags": [tag], "parameters": list_params,
                "responses": with_errors(ok(200, "A page of results.", Some(page.clone())), &[400, 401]) })
            }
            Method::Post => {
                json!({ "operationId": format!("{}_create", def.name), "summary": format!("Create a {}", def.label),
                "tags": [tag], "requestBody": body,
                "responses": with_errors(ok(201, "Created.", Some(one.clone())), &[400, 401, 403, 413]) })
            }
            // Never a list method.
            Method::Put | Method::Patch | Method::Delete => continue,
        };
        collection.insert(operation_key(method), op);
    }
    paths.insert(format!("/api/v1/{}/", def.plural), Value::Object(collection));

    let owned = matches!(def.scope, Scope::Owner(_));
    let mine = if owned { "; `me` for your own" } else { "" };
    let key_param = json!({ "name": "key", "in": "path", "required": true, "schema": { "type": "string" },
                            "description": format!("The {}'s {}{mine}.", def.label, def.lookup.unwrap_or(def.key)) });
    let mut item = Map::from_iter([("parameters".to_string(), json!([key_param]))]);
    item.extend(item_operations(def, &one, &body, "", "a"));
    paths.insert(format!("/api/v1/{}/{{key}}/", def.plural), Value::Object(item));
    if owned {
        // The caller's own object, without knowing its key (`profiles/me/`).
        paths.insert(
            format!("/api/v1/{}/me/", def.plural),
            Value::Object(item_operations(def, &one, &body, "_me", "your own")),
        );
    }

    for action in &model.actions {
        let path = if action.detail {
            format!("/api/v1/{}/{{key}}/{}/", def.plural, action.name)
        } else {
            format!("/api/v1/{}/{}/", def.plural, action.name)
        };
        let posted = action.method == Method::Post;
        let query = if posted { &[][..] } else { action.params };
        let mut params: Vec<Value> = query.iter().map(|p| query_param(p, "", json!({ "type": "string" }))).collect();
        if action.detail {
            params.push(path_param("key"));
        }
        let mut answers = ok(200, "Result.", Some(json!({ "type": "object" })));
        let mut failures = vec![400, 401, 404];
        if action.method == Method::Post {
            answers.extend(ok(201, "Created.", Some(json!({ "type": "object" }))));
            failures.push(403);
        }
        let mut op = json!({ "operationId": format!("{}_{}", def.name, action.name), "summary": action.summary, "tags": [tag],
            "parameters": params, "responses": with_errors(answers, &failures) });
        if posted && !action.params.is_empty() {
            let fields: Map<String, Value> =
                action.params.iter().map(|p| (p.to_string(), json!({ "type": "string" }))).collect();
            op["requestBody"] = request_body(json!({ "type": "object", "properties": fields }));
        }
        paths.insert(path, json!({ operation_key(action.method): op }));
    }
}

/// The operations on one object its write rule allows; `infix` goes between the model's name
/// and the operation's in the operationId, `whose` before the label in the summary.
fn item_operations(def: &ModelDef, one: &Value, body: &Value, infix: &str, whose: &str) -> Map<String, Value> {
    let mut item = Map::new();
    for &method in def.write.item_methods() {
        let (operation, summary, answer, failures): (_, _, _, &[u16]) = match method {
            Method::Get => ("retrieve", "Retrieve", ok(200, "The object.", Some(one.clone())), &[401, 404]),
            Method::Put => {
                ("update", "Replace", ok(200, "The updated object.", Some(one.clone())), &[400, 401, 403, 404, 413])
            }
            Method::Patch => (
                "partial_update",
                "Update part of",
                ok(200, "The updated object.", Some(one.clone())),
                &[400, 401, 403, 404, 413],
            ),
            Method::Delete => ("destroy", "Delete", ok(204, "Deleted.", None), &[401, 403, 404, 409]),
            // Never an item method.
            Method::Post => continue,
        };
        let mut op = json!({ "operationId": format!("{}{infix}_{operation}", def.name),
            "summary": format!("{summary} {whose} {}", def.label), "tags": [def.label] });
        if matches!(method, Method::Put | Method::Patch) {
            op["requestBody"] = body.clone();
        }
        op["responses"] = with_errors(answer, failures);
        item.insert(operation_key(method), op);
    }
    item
}

/// The key of `method`'s operation in a path item.
pub(crate) fn operation_key(method: Method) -> String {
    method.as_str().to_ascii_lowercase()
}

fn error_schema() -> Value {
    json!({ "type": "object", "description": "`{detail, code}`, or field errors `{field: [messages]}`.",
            "properties": { "detail": { "type": "string" }, "code": { "type": "string" } },
            "additionalProperties": { "type": "array", "items": { "type": "string" } } })
}

fn error_responses() -> Value {
    let described = [
        ("400", "Invalid input or query."),
        ("401", "Missing or invalid credentials."),
        ("403", "Not allowed."),
        ("404", "Not found, or outside the caller's organizations."),
        ("409", "Blocked by dependants (protected)."),
        ("413", "Body too large."),
        ("415", "The body is not of a media type the endpoint reads."),
    ];
    let map: Map<String, Value> = described
        .iter()
        .map(|(code, text)| {
            (
                format!("E{code}"),
                json!({ "description": text, "content": { "application/json": { "schema": reference("Error") } } }),
            )
        })
        .collect();
    Value::Object(map)
}
