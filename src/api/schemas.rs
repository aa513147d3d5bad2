//! JSON Schemas of the fixed endpoints' request and response bodies, for their OpenAPI
//! descriptions (`endpoints.rs`), and the component schemas they share.

use serde_json::{Map, Value, json};

use crate::engine::openapi::reference;

/// Component schemas the fixed endpoints refer to.
pub fn components() -> Map<String, Value> {
    let user = json!({ "type": "object", "properties": {
        "id": { "type": "string" }, "username": { "type": "string" }, "email": { "type": "string" },
        "is_staff": { "type": "boolean" }, "is_superuser": { "type": "boolean" } } });
    let session = json!({ "type": "object", "required": ["access", "refresh", "expires_in", "user"], "properties": {
        "access": { "type": "string" }, "refresh": { "type": "string" }, "expires_in": { "type": "integer" },
        "user": user } });
    let page_session = json!({ "type": "object", "required": ["csrf_token", "user"], "properties": {
        "csrf_token": { "type": "string", "description": "Send it as `X-CSRF-Token` with every unsafe request." },
        "expires_in": { "type": "integer" }, "user": user } });
    Map::from_iter([("Session".to_string(), session), ("PageSession".to_string(), page_session)])
}

/// A signed-in page session: the CSRF token and the user (the token itself is the cookie's).
pub fn page_session() -> Value {
    reference("PageSession")
}

/// Any JSON object.
pub fn object() -> Value {
    json!({ "type": "object" })
}

/// A signed-in session: tokens and the user.
pub fn session() -> Value {
    reference("Session")
}

pub fn health() -> Value {
    json!({ "type": "object", "properties": { "status": { "type": "string" }, "version": { "type": "string" } } })
}

pub fn credentials() -> Value {
    json!({ "type": "object", "required": ["username", "password"], "properties": {
        "username": { "type": "string" }, "password": { "type": "string" }, "otp": { "type": "string",
        "description": "A TOTP code or an unused recovery code, once the second factor is enabled." } } })
}

pub fn refresh() -> Value {
    json!({ "type": "object", "required": ["refresh"], "properties": { "refresh": { "type": "string" } } })
}

pub fn password_change() -> Value {
    json!({ "type": "object", "required": ["old_password", "new_password"], "properties": {
        "old_password": { "type": "string" }, "new_password": { "type": "string" } } })
}

pub fn password_reset() -> Value {
    json!({ "type": "object", "required": ["email"], "properties": { "email": { "type": "string" } } })
}

pub fn password_reset_confirm() -> Value {
    json!({ "type": "object", "required": ["token", "new_password"], "properties": {
        "token": { "type": "string" }, "new_password": { "type": "string" } } })
}

pub fn new_api_key() -> Value {
    json!({ "type": "object", "required": ["name"], "properties": {
        "name": { "type": "string", "maxLength": 100 }, "expires_at": { "type": "string", "format": "date-time" },
        "organization": { "type": "string", "description": "Limit the key to this organization (one of yours)." } } })
}

pub fn totp_setup() -> Value {
    json!({ "type": "object", "required": ["secret", "otpauth_url", "qr_png_base64"], "properties": {
        "secret": { "type": "string", "description": "Base32 (RFC 4648, unpadded)." },
        "otpauth_url": { "type": "string", "pattern": "^otpauth://totp/" },
        "qr_png_base64": { "type": "string", "contentEncoding": "base64", "contentMediaType": "image/png" } },
        "additionalProperties": false })
}

pub fn totp_code() -> Value {
    json!({ "type": "object", "required": ["code"], "properties": { "code": { "type": "string" } } })
}

pub fn recovery_codes() -> Value {
    json!({ "type": "object", "required": ["recovery_codes"], "properties": {
        "recovery_codes": { "type": "array", "items": { "type": "string" }, "description": "Single-use; shown only now." } },
        "additionalProperties": false })
}

pub fn totp_disable() -> Value {
    json!({ "type": "object", "required": ["password"], "properties": {
        "password": { "type": "string" }, "code": { "type": "string" } } })
}

pub fn tax_calculation_request() -> Value {
    json!({ "type": "object", "required": ["amount", "jurisdiction", "currency"], "additionalProperties": false,
        "properties": {
        "amount": { "type": ["string", "number"], "description": "A decimal (\"19.99\"), rounded half-up to the currency's places." },
        "jurisdiction": { "type": "string", "description": "A tax jurisdiction's code (US-CA)." },
        "tax_category": { "type": ["string", "null"], "description": "A tax category's code; absent or null for the rates of no category." },
        "currency": { "type": "string", "description": "A currency's code: its decimal places round every amount." },
        "date": { "type": "string", "format": "date", "description": "The day the rates are valid on; today (UTC) when absent." } } })
}

pub fn tax_calculation() -> Value {
    let money = json!({ "type": "string", "description": "With exactly the currency's decimal places." });
    json!({ "type": "object", "required": ["amount", "currency", "tax_amount", "total", "breakdown"],
        "additionalProperties": false, "properties": {
        "amount": money, "currency": { "type": "string" }, "tax_amount": money, "total": money,
        "breakdown": { "type": "array", "description": "The applied rates, in the order applied.", "items": {
            "type": "object", "additionalProperties": false,
            "required": ["tax_rate", "name", "rate", "is_compound", "taxable_amount", "tax_amount"], "properties": {
            "tax_rate": { "type": "string", "description": "The rate's id." }, "name": { "type": "string" },
            "rate": { "type": "string", "description": "A fraction with 5 decimal places (\"0.08250\")." },
            "is_compound": { "type": "boolean" }, "taxable_amount": money, "tax_amount": money } } } } })
}
