//! The OpenAPI 3.1 document of every route, generated from the model definitions plus the
//! fixed endpoints (health, metadata, authentication, second factor).

use serde_json::{Map, Value, json};

use super::def::{Field, JsonShape, Kind, Scope, WriteRule};
use super::filter::{MAX_CONDITIONS, MAX_RELATIONS, MAX_VALUE_CHARS};
use super::model::{Model, Registry};
use super::query::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_SEARCH_CHARS};

/// Builds the whole document.
pub fn document(registry: &Registry, version: &str) -> Value {
    let mut paths = fixed_paths();
    paths.extend(two_factor_paths());
    let mut schemas = fixed_schemas();
    for model in registry.models() {
        model_paths(model, &mut paths);
        schemas.insert(schema_name(model), model_schema(model));
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

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn field_schema(field: &Field) -> Value {
    let mut schema = match field.kind {
        Kind::Text { max } | Kind::Slug { max } => json!({ "type": "string", "maxLength": max }),
        Kind::LongText | Kind::ForeignKey { .. } => json!({ "type": "string" }),
        Kind::Integer { min, max } => json!({ "type": "integer", "minimum": min, "maximum": max }),
        Kind::Decimal { .. } => json!({ "type": "string", "format": "decimal", "pattern": "^-?[0-9]+(\\.[0-9]+)?$" }),
        Kind::Boolean => json!({ "type": "boolean" }),
        Kind::Date => json!({ "type": "string", "format": "date" }),
        Kind::DateTime => json!({ "type": "string", "format": "date-time" }),
        Kind::Json(JsonShape::Object) => json!({ "type": "object" }),
        Kind::Json(JsonShape::Array) => json!({ "type": "array" }),
        Kind::Choice(choices) => json!({ "type": "string", "enum": choices }),
        Kind::Color => json!({ "type": "string", "pattern": "^#[0-9A-Fa-f]{6}$" }),
        Kind::Country => json!({ "type": "string", "minLength": 2, "maxLength": 2 }),
        Kind::Timezone | Kind::Language | Kind::Lookup { .. } => json!({ "type": "string" }),
        Kind::Phone => json!({ "type": "string", "pattern": "^(\\+[1-9][0-9]{7,14})?$" }),
        Kind::Email => json!({ "type": "string", "format": "email", "maxLength": 254 }),
        Kind::Tags => json!({ "type": "array", "items": { "type": "string", "minLength": 1, "maxLength": 100 } }),
        Kind::Password => json!({ "type": "string", "writeOnly": true, "minLength": 8 }),
    };
    if let Value::Object(obj) = &mut schema {
        if field.nullable {
            let base = obj.get("type").cloned().unwrap_or(Value::Null);
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

fn model_schema(model: &Model) -> Value {
    let properties: Map<String, Value> = model.columns.iter().map(|f| (f.name.to_string(), field_schema(f))).collect();
    // Write-only fields are required in requests only; one schema serves both directions.
    let required: Vec<&str> = model.readable.iter().filter(|f| f.required()).map(|f| f.name).collect();
    json!({ "type": "object", "title": model.def.label, "properties": properties, "required": required, "additionalProperties": false })
}

fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

fn errors(codes: &[&str]) -> Map<String, Value> {
    codes.iter().map(|c| (c.to_string(), json!({ "$ref": format!("#/components/responses/E{c}") }))).collect()
}

fn with_errors(mut responses: Map<String, Value>, codes: &[&str]) -> Value {
    responses.extend(errors(codes));
    Value::Object(responses)
}

fn ok(code: &str, description: &str, schema: Option<Value>) -> Map<String, Value> {
    let mut response = json!({ "description": description });
    if let Some(schema) = schema {
        response["content"] = json!({ "application/json": { "schema": schema } });
    }
    Map::from_iter([(code.to_string(), response)])
}

fn model_paths(model: &Model, paths: &mut Map<String, Value>) {
    let def = model.def;
    let name = schema_name(model);
    let one = reference(&name);
    let body = json!({ "required": true, "content": { "application/json": { "schema": one } } });
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
            &format!("Comma-separated fields of {}; '-' for descending.", model.ordering.join(", ")),
            json!({ "type": "string" }),
        ),
        query_param(
            "filter",
            &format!(
                "Advanced filter: URL-encoded JSON tree of and/or/not and {{field, op, value}}; at most \
                 {MAX_CONDITIONS} conditions, {MAX_RELATIONS} relations per field path, text values of at most \
                 {MAX_VALUE_CHARS} characters."
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
    let mut collection = json!({
        "get": { "operationId": format!("{}_list", def.name), "summary": format!("List {}", def.plural), "tags": [tag],
                 "parameters": list_params, "responses": with_errors(ok("200", "A page of results.", Some(page)), &["400", "401"]) },
    });
    let (creatable, changeable) = match def.write {
        WriteRule::Never => (false, false),
        WriteRule::UpdateOnly => (false, true),
        WriteRule::Permission | WriteRule::Superuser => (true, true),
    };
    if creatable {
        collection["post"] = json!({ "operationId": format!("{}_create", def.name), "summary": format!("Create a {}", def.label), "tags": [tag],
            "requestBody": body, "responses": with_errors(ok("201", "Created.", Some(one.clone())), &["400", "401", "403", "413"]) });
    }
    paths.insert(format!("/api/v1/{}/", def.plural), collection);

    let mine = if matches!(def.scope, Scope::Owner(_)) { "; `me` for your own" } else { "" };
    let key_param = json!({ "name": "key", "in": "path", "required": true, "schema": { "type": "string" },
                            "description": format!("The {}'s {}{mine}.", def.label, def.key) });
    let mut item = json!({
        "parameters": [key_param],
        "get": { "operationId": format!("{}_retrieve", def.name), "summary": format!("Retrieve a {}", def.label), "tags": [tag],
                 "responses": with_errors(ok("200", "The object.", Some(one.clone())), &["401", "404"]) },
    });
    if changeable {
        for (method, summary) in [("put", "Replace"), ("patch", "Update part of")] {
            item[method] = json!({ "operationId": format!("{}_{}", def.name, if method == "put" { "update" } else { "partial_update" }),
                "summary": format!("{summary} a {}", def.label), "tags": [tag], "requestBody": body,
                "responses": with_errors(ok("200", "The updated object.", Some(one.clone())), &["400", "401", "403", "404", "413"]) });
        }
    }
    if creatable {
        item["delete"] = json!({ "operationId": format!("{}_destroy", def.name), "summary": format!("Delete a {}", def.label), "tags": [tag],
            "responses": with_errors(ok("204", "Deleted.", None), &["401", "403", "404", "409"]) });
    }
    paths.insert(format!("/api/v1/{}/{{key}}/", def.plural), item);

    for action in def.actions {
        let path = if action.detail {
            format!("/api/v1/{}/{{key}}/{}/", def.plural, action.name)
        } else {
            format!("/api/v1/{}/{}/", def.plural, action.name)
        };
        let mut params: Vec<Value> =
            action.params.iter().map(|p| query_param(p, "", json!({ "type": "string" }))).collect();
        if action.detail {
            params.push(json!({ "name": "key", "in": "path", "required": true, "schema": { "type": "string" } }));
        }
        let mut answers = ok("200", "Result.", Some(json!({ "type": "object" })));
        let mut failures = vec!["400", "401", "404"];
        if action.method == "POST" {
            answers.extend(ok("201", "Created.", Some(json!({ "type": "object" }))));
            failures.push("403");
        }
        let op = json!({ "operationId": format!("{}_{}", def.name, action.name), "summary": action.summary, "tags": [tag],
            "parameters": params, "responses": with_errors(answers, &failures) });
        paths.insert(path, json!({ action.method.to_ascii_lowercase(): op }));
    }
}

fn fixed_schemas() -> Map<String, Value> {
    let user = json!({ "type": "object", "properties": {
        "id": { "type": "string" }, "username": { "type": "string" }, "email": { "type": "string" },
        "is_staff": { "type": "boolean" }, "is_superuser": { "type": "boolean" } } });
    Map::from_iter([
        (
            "Error".to_string(),
            json!({ "type": "object", "description": "`{detail, code}`, or field errors `{field: [messages]}`.",
            "properties": { "detail": { "type": "string" }, "code": { "type": "string" } },
            "additionalProperties": { "type": "array", "items": { "type": "string" } } }),
        ),
        (
            "Session".to_string(),
            json!({ "type": "object", "required": ["access", "refresh", "expires_in", "user"], "properties": {
            "access": { "type": "string" }, "refresh": { "type": "string" }, "expires_in": { "type": "integer" }, "user": user } }),
        ),
    ])
}

fn error_responses() -> Value {
    let described = [
        ("400", "Invalid input or query."),
        ("401", "Missing or invalid credentials."),
        ("403", "Not allowed."),
        ("404", "Not found, or outside the caller's organizations."),
        ("409", "Blocked by dependants (protected)."),
        ("413", "Body too large."),
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

fn fixed_paths() -> Map<String, Value> {
    let object = json!({ "type": "object" });
    let session = reference("Session");
    let body = |schema: Value| json!({ "required": true, "content": { "application/json": { "schema": schema } } });
    let credentials = json!({ "type": "object", "required": ["username", "password"], "properties": {
        "username": { "type": "string" }, "password": { "type": "string" }, "otp": { "type": "string",
        "description": "A TOTP code or an unused recovery code, once the second factor is enabled." } } });
    let refresh =
        json!({ "type": "object", "required": ["refresh"], "properties": { "refresh": { "type": "string" } } });
    Map::from_iter([
        (
            "/api/v1/health/".to_string(),
            json!({ "get": { "operationId": "health", "summary": "Liveness and version", "tags": ["Meta"], "security": [],
            "responses": ok("200", "Healthy.", Some(json!({ "type": "object", "properties": { "status": { "type": "string" }, "version": { "type": "string" } } }))) } }),
        ),
        (
            "/api/v1/openapi.json".to_string(),
            json!({ "get": { "operationId": "openapi", "summary": "This document", "tags": ["Meta"],
            "responses": ok("200", "OpenAPI 3.1 document.", Some(object.clone())) } }),
        ),
        (
            "/api/v1/meta/models/".to_string(),
            json!({ "get": { "operationId": "meta_models", "summary": "Model definitions for the admin pages", "tags": ["Meta"],
            "responses": ok("200", "Model definitions.", Some(object.clone())) } }),
        ),
        (
            "/api/v1/meta/permissions/".to_string(),
            json!({ "get": { "operationId": "meta_permissions", "summary": "Every permission a role can grant", "tags": ["Meta"],
            "responses": ok("200", "`{permissions: [{permission, model, action, label}]}`.", Some(object.clone())) } }),
        ),
        (
            "/api/v1/users/me/organizations/".to_string(),
            json!({ "get": { "operationId": "users_me_organizations", "summary": "The organizations where you are an active member",
            "tags": ["Organization"],
            "responses": with_errors(ok("200", "A page of organizations.", Some(object.clone())), &["401"]) } }),
        ),
        (
            "/api/v1/users/me/invitations/".to_string(),
            json!({ "get": { "operationId": "users_me_invitations",
            "summary": "Open invitations addressed to you (by username or e-mail address); needs a password login",
            "tags": ["Organization"],
            "responses": with_errors(ok("200", "A list answer of invitations.", Some(object.clone())), &["401", "403"]) } }),
        ),
        (
            "/api/v1/users/me/invitations/{key}/accept/".to_string(),
            json!({ "parameters": [{ "name": "key", "in": "path", "required": true, "schema": { "type": "string" } }],
            "post": { "operationId": "users_me_invitations_accept",
            "summary": "Accept an invitation: you become a member with its role", "tags": ["Organization"],
            "responses": with_errors(ok("200", "Your membership.", Some(object.clone())), &["400", "401", "403", "404"]) } }),
        ),
        (
            "/api/v1/users/me/invitations/{key}/decline/".to_string(),
            json!({ "parameters": [{ "name": "key", "in": "path", "required": true, "schema": { "type": "string" } }],
            "post": { "operationId": "users_me_invitations_decline", "summary": "Decline an invitation",
            "tags": ["Organization"],
            "responses": with_errors(ok("200", "The declined invitation.", Some(object.clone())), &["400", "401", "403", "404"]) } }),
        ),
        (
            "/api/v1/auth/token/".to_string(),
            json!({ "post": { "operationId": "auth_token", "summary": "Log in: access and refresh tokens", "tags": ["Auth"], "security": [],
            "requestBody": body(credentials), "responses": with_errors(ok("200", "A new session.", Some(session.clone())), &["400", "401"]) } }),
        ),
        (
            "/api/v1/auth/token/refresh/".to_string(),
            json!({ "post": { "operationId": "auth_token_refresh", "summary": "Rotate a refresh token", "tags": ["Auth"], "security": [],
            "requestBody": body(refresh), "responses": with_errors(ok("200", "The next session tokens.", Some(session)), &["400", "401"]) } }),
        ),
        (
            "/api/v1/auth/logout/".to_string(),
            json!({ "post": { "operationId": "auth_logout", "summary": "Revoke this session's tokens", "tags": ["Auth"],
            "responses": with_errors(ok("204", "Logged out.", None), &["401"]) } }),
        ),
        (
            "/api/v1/auth/password/change/".to_string(),
            json!({ "post": { "operationId": "auth_password_change", "summary": "Change your password; your other sessions end",
                "tags": ["Auth"],
                "requestBody": body(json!({ "type": "object", "required": ["old_password", "new_password"], "properties": {
                    "old_password": { "type": "string" }, "new_password": { "type": "string" } } })),
                "responses": with_errors(ok("200", "Changed.", Some(json!({ "type": "object" }))), &["400", "401", "403"]) } }),
        ),
        (
            "/api/v1/auth/password/reset/".to_string(),
            json!({ "post": { "operationId": "auth_password_reset",
                "summary": "Mail a password reset token (same answer for unknown addresses)", "tags": ["Auth"], "security": [],
                "requestBody": body(json!({ "type": "object", "required": ["email"], "properties": { "email": { "type": "string" } } })),
                "responses": with_errors(ok("200", "Queued if the address is known.", Some(json!({ "type": "object" }))), &["400"]) } }),
        ),
        (
            "/api/v1/auth/password/reset/confirm/".to_string(),
            json!({ "post": { "operationId": "auth_password_reset_confirm", "summary": "Set a new password with a reset token",
                "tags": ["Auth"], "security": [],
                "requestBody": body(json!({ "type": "object", "required": ["token", "new_password"], "properties": {
                    "token": { "type": "string" }, "new_password": { "type": "string" } } })),
                "responses": with_errors(ok("200", "Reset; every session ended.", Some(json!({ "type": "object" }))), &["400"]) } }),
        ),
        (
            "/api/v1/auth/api-keys/".to_string(),
            json!({
                "get": { "operationId": "auth_api_keys_list", "summary": "Your API keys (never their secrets)", "tags": ["Auth"],
                    "responses": with_errors(ok("200", "Your keys.", Some(json!({ "type": "object" }))), &["401", "403"]) },
                "post": { "operationId": "auth_api_keys_create", "summary": "Create an API key; its secret is returned once as `key`",
                    "tags": ["Auth"],
                    "requestBody": body(json!({ "type": "object", "required": ["name"], "properties": {
                        "name": { "type": "string", "maxLength": 100 }, "expires_at": { "type": "string", "format": "date-time" },
                        "organization": { "type": "string", "description": "Limit the key to this organization (one of yours)." } } })),
                    "responses": with_errors(ok("201", "The key, with its secret.", Some(json!({ "type": "object" }))), &["400", "401", "403"]) },
            }),
        ),
        (
            "/api/v1/auth/api-keys/{key}/".to_string(),
            json!({
                "parameters": [{ "name": "key", "in": "path", "required": true, "schema": { "type": "string" } }],
                "get": { "operationId": "auth_api_keys_retrieve", "summary": "One of your API keys", "tags": ["Auth"],
                    "responses": with_errors(ok("200", "The key.", Some(json!({ "type": "object" }))), &["401", "403", "404"]) },
                "delete": { "operationId": "auth_api_keys_revoke", "summary": "Revoke one of your API keys", "tags": ["Auth"],
                    "responses": with_errors(ok("204", "Revoked.", None), &["401", "403", "404"]) },
            }),
        ),
    ])
}

/// The TOTP second-factor endpoints.
fn two_factor_paths() -> Map<String, Value> {
    let body = |schema: Value| json!({ "required": true, "content": { "application/json": { "schema": schema } } });
    let string = json!({ "type": "string" });
    let setup = json!({ "type": "object", "required": ["secret", "otpauth_url", "qr_png_base64"], "properties": {
        "secret": { "type": "string", "description": "Base32 (RFC 4648, unpadded)." },
        "otpauth_url": { "type": "string", "pattern": "^otpauth://totp/" },
        "qr_png_base64": { "type": "string", "contentEncoding": "base64", "contentMediaType": "image/png" } },
        "additionalProperties": false });
    let recovery = json!({ "type": "object", "required": ["recovery_codes"], "properties": {
        "recovery_codes": { "type": "array", "items": string, "description": "Single-use; shown only now." } },
        "additionalProperties": false });
    let code = json!({ "type": "object", "required": ["code"], "properties": { "code": string } });
    let disable =
        json!({ "type": "object", "required": ["password"], "properties": { "password": string, "code": string } });
    Map::from_iter([
        (
            "/api/v1/auth/2fa/totp/setup/".to_string(),
            json!({ "post": { "operationId": "auth_totp_setup", "tags": ["Auth"],
                "summary": "Start TOTP setup: a new pending secret, its otpauth URL and QR code",
                "responses": with_errors(ok("200", "The pending secret.", Some(setup)), &["400", "401", "403"]) } }),
        ),
        (
            "/api/v1/auth/2fa/totp/verify/".to_string(),
            json!({ "post": { "operationId": "auth_totp_verify", "tags": ["Auth"],
                "summary": "Enable TOTP with a first code; returns the recovery codes once",
                "requestBody": body(code),
                "responses": with_errors(ok("200", "Enabled.", Some(recovery)), &["400", "401", "403"]) } }),
        ),
        (
            "/api/v1/auth/2fa/totp/disable/".to_string(),
            json!({ "post": { "operationId": "auth_totp_disable", "tags": ["Auth"],
                "summary": "Disable TOTP (needs the password; a code is checked when given)",
                "requestBody": body(disable),
                "responses": with_errors(ok("200", "Disabled.", Some(json!({ "type": "object" }))), &["400", "401", "403"]) } }),
        ),
    ])
}
