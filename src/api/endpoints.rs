//! The fixed endpoints (DESIGN.md §5): every route that is not generated from a model, declared
//! once in [`ENDPOINTS`] with its path, method, access, handler and OpenAPI description. The
//! router, the dispatch, the skipping of authentication and the OpenAPI document all read
//! this table; adding an endpoint is adding an entry.

use serde_json::{Map, Value, json};

use super::State;
use super::error::ApiError;
use super::handlers::{Reply, account, auth, meta, tax};
use super::request::Ctx;
use super::schemas;
use crate::access::{Credential, Principal};
use crate::auth::AuthError;
use crate::engine::openapi::{ok, operation_key, path_param, request_body, with_errors};
use crate::engine::{EngineError, Method};

/// Answers a request to a fixed endpoint.
pub type Handler = fn(&State, &Ctx<'_>) -> Result<Reply, ApiError>;

/// A JSON Schema, built when the OpenAPI document is.
pub type Schema = fn() -> Value;

/// Who may call an endpoint, checked before its handler runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Nobody is authenticated: credentials are not even read, so a stale token never stands
    /// in the way of checking health, signing in or resetting a password.
    Public,
    /// Anybody; credentials, when sent, must be valid (like the model routes).
    Anyone,
    /// A signed-in caller: a password login or an API key.
    SignedIn,
    /// A password login: managing the account (second factor, password, API keys, joining
    /// organizations) is refused to API keys, which are for data.
    Session,
}

impl Access {
    /// `Ok` when `principal` may call an endpoint with this access: else 401, or 403 for an
    /// API key where a password login is needed.
    pub fn admit(self, principal: Option<&Principal>) -> Result<(), ApiError> {
        match (self, principal) {
            (Access::Public | Access::Anyone, _) => Ok(()),
            (Access::SignedIn | Access::Session, None) => Err(EngineError::NotAuthenticated.into()),
            (Access::Session, Some(caller)) if caller.credential == Credential::ApiKey => {
                Err(AuthError::SessionRequired.into())
            }
            (Access::SignedIn | Access::Session, Some(_)) => Ok(()),
        }
    }

    /// The failures this access adds to every endpoint that has it.
    fn failures(self) -> &'static [u16] {
        match self {
            Access::Public => &[],
            Access::Anyone | Access::SignedIn => &[401],
            Access::Session => &[401, 403],
        }
    }
}

/// The success answer of an endpoint.
pub struct Success {
    pub status: u16,
    pub description: &'static str,
    /// The body's schema; `None` for an empty body (204).
    pub body: Option<Schema>,
}

/// An endpoint's OpenAPI operation.
pub struct Doc {
    pub operation_id: &'static str,
    pub summary: &'static str,
    pub tag: &'static str,
    /// The JSON request body's schema, for endpoints that read one.
    pub request: Option<Schema>,
    pub success: Success,
    /// Failure statuses besides those its [`Access`] implies.
    pub errors: &'static [u16],
}

/// One method on one path.
pub struct Endpoint {
    /// The canonical path after `/api/v1/` (with its trailing slash), `{name}` for a path
    /// parameter. Entries sharing a path are adjacent in [`ENDPOINTS`].
    pub path: &'static str,
    pub method: Method,
    pub access: Access,
    pub handler: Handler,
    pub doc: Doc,
}

impl Endpoint {
    /// The OpenAPI operation object.
    fn operation(&self) -> Value {
        let doc = &self.doc;
        let mut op = json!({ "operationId": doc.operation_id, "summary": doc.summary, "tags": [doc.tag] });
        if self.access == Access::Public {
            op["security"] = json!([]);
        }
        if let Some(schema) = doc.request {
            op["requestBody"] = request_body(schema());
        }
        let mut failures: Vec<u16> = self.access.failures().iter().chain(doc.errors).copied().collect();
        failures.sort_unstable();
        failures.dedup();
        let success = &doc.success;
        op["responses"] = with_errors(ok(success.status, success.description, success.body.map(|s| s())), &failures);
        op
    }
}

/// The OpenAPI path items of every fixed endpoint.
pub fn openapi_paths() -> Map<String, Value> {
    let mut paths = Map::new();
    for endpoint in ENDPOINTS {
        let item = paths.entry(format!("/api/v1/{}", endpoint.path)).or_insert_with(|| {
            let params: Vec<Value> = endpoint
                .path
                .split('/')
                .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
                .map(path_param)
                .collect();
            if params.is_empty() { json!({}) } else { json!({ "parameters": params }) }
        });
        item[operation_key(endpoint.method)] = endpoint.operation();
    }
    paths
}

/// A 200 answer with a JSON body of `body`.
const fn returns(description: &'static str, body: Schema) -> Success {
    Success { status: 200, description, body: Some(body) }
}

/// Every fixed endpoint.
pub static ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        path: "health/",
        method: Method::Get,
        access: Access::Public,
        handler: meta::health,
        doc: Doc {
            operation_id: "health",
            summary: "Liveness and version",
            tag: "Meta",
            request: None,
            success: returns("Healthy.", schemas::health),
            errors: &[],
        },
    },
    Endpoint {
        path: "openapi.json",
        method: Method::Get,
        access: Access::Anyone,
        handler: meta::openapi,
        doc: Doc {
            operation_id: "openapi",
            summary: "This document",
            tag: "Meta",
            request: None,
            success: returns("OpenAPI 3.1 document.", schemas::object),
            errors: &[],
        },
    },
    Endpoint {
        path: "meta/models/",
        method: Method::Get,
        access: Access::Anyone,
        handler: meta::models,
        doc: Doc {
            operation_id: "meta_models",
            summary: "Model definitions for the admin pages",
            tag: "Meta",
            request: None,
            success: returns("Model definitions.", schemas::object),
            errors: &[],
        },
    },
    Endpoint {
        path: "meta/permissions/",
        method: Method::Get,
        access: Access::Anyone,
        handler: meta::permissions,
        doc: Doc {
            operation_id: "meta_permissions",
            summary: "Every permission a role can grant",
            tag: "Meta",
            request: None,
            success: returns("`{permissions: [{permission, model, action, label}]}`.", schemas::object),
            errors: &[],
        },
    },
    Endpoint {
        path: "tax/calculate/",
        method: Method::Post,
        // Public: it reads only reference data anyone may read (tax definitions, currencies)
        // and writes nothing, so credentials are not even read — a stale token never fails a
        // checkout's tax line, and the hot path skips the session lookup.
        access: Access::Public,
        handler: tax::calculate,
        doc: Doc {
            operation_id: "tax_calculate",
            summary: "The taxes on an amount: the jurisdiction's active rates of the category valid on the date \
                      (both ends inclusive), by ascending priority, a compound rate taxing the amount plus the taxes \
                      before it; every amount rounded half-up to the currency's decimal places",
            tag: "Tax Rate",
            request: Some(schemas::tax_calculation_request),
            success: returns("The taxes, amounts as decimal strings.", schemas::tax_calculation),
            errors: &[400],
        },
    },
    Endpoint {
        path: "users/me/organizations/",
        method: Method::Get,
        access: Access::SignedIn,
        handler: account::my_organizations,
        doc: Doc {
            operation_id: "users_me_organizations",
            summary: "The organizations where you are an active member",
            tag: "Organization",
            request: None,
            success: returns("A page of organizations.", schemas::object),
            errors: &[],
        },
    },
    Endpoint {
        path: "users/me/invitations/",
        method: Method::Get,
        access: Access::Session,
        handler: account::my_invitations,
        doc: Doc {
            operation_id: "users_me_invitations",
            summary: "Open invitations addressed to you (by username or e-mail address); needs a password login",
            tag: "Organization",
            request: None,
            success: returns("A list answer of invitations.", schemas::object),
            errors: &[],
        },
    },
    Endpoint {
        path: "users/me/invitations/{key}/accept/",
        method: Method::Post,
        access: Access::Session,
        handler: account::accept_invitation,
        doc: Doc {
            operation_id: "users_me_invitations_accept",
            summary: "Accept an invitation: you become a member with its role",
            tag: "Organization",
            request: None,
            success: returns("Your membership.", schemas::object),
            errors: &[400, 404],
        },
    },
    Endpoint {
        path: "users/me/invitations/{key}/decline/",
        method: Method::Post,
        access: Access::Session,
        handler: account::decline_invitation,
        doc: Doc {
            operation_id: "users_me_invitations_decline",
            summary: "Decline an invitation",
            tag: "Organization",
            request: None,
            success: returns("The declined invitation.", schemas::object),
            errors: &[400, 404],
        },
    },
    Endpoint {
        path: "auth/token/",
        method: Method::Post,
        access: Access::Public,
        handler: auth::token,
        doc: Doc {
            operation_id: "auth_token",
            summary: "Log in: access and refresh tokens",
            tag: "Auth",
            request: Some(schemas::credentials),
            success: returns("A new session.", schemas::session),
            errors: &[400, 401],
        },
    },
    Endpoint {
        path: "auth/token/refresh/",
        method: Method::Post,
        access: Access::Public,
        handler: auth::token_refresh,
        doc: Doc {
            operation_id: "auth_token_refresh",
            summary: "Rotate a refresh token",
            tag: "Auth",
            request: Some(schemas::refresh),
            success: returns("The next session tokens.", schemas::session),
            errors: &[400, 401],
        },
    },
    Endpoint {
        path: "auth/logout/",
        method: Method::Post,
        access: Access::SignedIn,
        handler: auth::logout,
        doc: Doc {
            operation_id: "auth_logout",
            summary: "Revoke this session's tokens",
            tag: "Auth",
            request: None,
            success: Success { status: 204, description: "Logged out.", body: None },
            errors: &[],
        },
    },
    Endpoint {
        path: "auth/session/",
        method: Method::Post,
        access: Access::Public,
        handler: auth::session_open,
        doc: Doc {
            operation_id: "auth_session_open",
            summary: "Sign in for the admin pages: a session cookie (HttpOnly, SameSite=Strict) and its CSRF token",
            tag: "Auth",
            request: Some(schemas::credentials),
            success: returns("Signed in; the cookie is set.", schemas::page_session),
            errors: &[400, 401, 415],
        },
    },
    Endpoint {
        path: "auth/session/",
        method: Method::Get,
        access: Access::SignedIn,
        handler: auth::session_show,
        doc: Doc {
            operation_id: "auth_session_show",
            summary: "The session cookie's user and CSRF token",
            tag: "Auth",
            request: None,
            success: returns("The page session.", schemas::page_session),
            errors: &[],
        },
    },
    Endpoint {
        path: "auth/session/",
        method: Method::Delete,
        access: Access::Anyone,
        handler: auth::session_close,
        doc: Doc {
            operation_id: "auth_session_close",
            summary: "Sign out of the admin pages: the session ends and the cookie is removed",
            tag: "Auth",
            request: None,
            success: Success { status: 204, description: "Signed out.", body: None },
            errors: &[403],
        },
    },
    Endpoint {
        path: "auth/password/change/",
        method: Method::Post,
        access: Access::Session,
        handler: auth::password_change,
        doc: Doc {
            operation_id: "auth_password_change",
            summary: "Change your password; your other sessions end",
            tag: "Auth",
            request: Some(schemas::password_change),
            success: returns("Changed.", schemas::object),
            errors: &[400],
        },
    },
    Endpoint {
        path: "auth/password/reset/",
        method: Method::Post,
        access: Access::Public,
        handler: auth::password_reset,
        doc: Doc {
            operation_id: "auth_password_reset",
            summary: "Mail a password reset token (same answer for unknown addresses)",
            tag: "Auth",
            request: Some(schemas::password_reset),
            success: returns("Queued if the address is known.", schemas::object),
            errors: &[400],
        },
    },
    Endpoint {
        path: "auth/password/reset/confirm/",
        method: Method::Post,
        access: Access::Public,
        handler: auth::password_reset_confirm,
        doc: Doc {
            operation_id: "auth_password_reset_confirm",
            summary: "Set a new password with a reset token",
            tag: "Auth",
            request: Some(schemas::password_reset_confirm),
            success: returns("Reset; every session ended.", schemas::object),
            errors: &[400],
        },
    },
    Endpoint {
        path: "auth/api-keys/",
        method: Method::Get,
        access: Access::Session,
        handler: account::api_keys,
        doc: Doc {
            operation_id: "auth_api_keys_list",
            summary: "Your API keys (never their secrets)",
            tag: "Auth",
            request: None,
            success: returns("Your keys.", schemas::object),
            errors: &[],
        },
    },
    Endpoint {
        path: "auth/api-keys/",
        method: Method::Post,
        access: Access::Session,
        handler: account::create_api_key,
        doc: Doc {
            operation_id: "auth_api_keys_create",
            summary: "Create an API key; its secret is returned once as `key`",
            tag: "Auth",
            request: Some(schemas::new_api_key),
            success: Success { status: 201, description: "The key, with its secret.", body: Some(schemas::object) },
            errors: &[400],
        },
    },
    Endpoint {
        path: "auth/api-keys/{key}/",
        method: Method::Get,
        access: Access::Session,
        handler: account::api_key,
        doc: Doc {
            operation_id: "auth_api_keys_retrieve",
            summary: "One of your API keys",
            tag: "Auth",
            request: None,
            success: returns("The key.", schemas::object),
            errors: &[404],
        },
    },
    Endpoint {
        path: "auth/api-keys/{key}/",
        method: Method::Delete,
        access: Access::Session,
        handler: account::revoke_api_key,
        doc: Doc {
            operation_id: "auth_api_keys_revoke",
            summary: "Revoke one of your API keys",
            tag: "Auth",
            request: None,
            success: Success { status: 204, description: "Revoked.", body: None },
            errors: &[404],
        },
    },
    Endpoint {
        path: "auth/2fa/totp/setup/",
        method: Method::Post,
        access: Access::Session,
        handler: auth::totp_setup,
        doc: Doc {
            operation_id: "auth_totp_setup",
            summary: "Start TOTP setup: a new pending secret, its otpauth URL and QR code",
            tag: "Auth",
            request: None,
            success: returns("The pending secret.", schemas::totp_setup),
            errors: &[400],
        },
    },
    Endpoint {
        path: "auth/2fa/totp/verify/",
        method: Method::Post,
        access: Access::Session,
        handler: auth::totp_verify,
        doc: Doc {
            operation_id: "auth_totp_verify",
            summary: "Enable TOTP with a first code; returns the recovery codes once",
            tag: "Auth",
            request: Some(schemas::totp_code),
            success: returns("Enabled.", schemas::recovery_codes),
            errors: &[400],
        },
    },
    Endpoint {
        path: "auth/2fa/totp/disable/",
        method: Method::Post,
        access: Access::Session,
        handler: auth::totp_disable,
        doc: Doc {
            operation_id: "auth_totp_disable",
            summary: "Disable TOTP (needs the password; a code is checked when given)",
            tag: "Auth",
            request: Some(schemas::totp_disable),
            success: returns("Disabled.", schemas::object),
            errors: &[400],
        },
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_grouped_and_each_method_declared_once() {
        for (i, endpoint) in ENDPOINTS.iter().enumerate() {
            let later = &ENDPOINTS[i + 1..];
            let same_path = later.iter().position(|e| e.path == endpoint.path);
            assert!(same_path.is_none_or(|at| at == 0), "{} is split in the table", endpoint.path);
            assert!(
                !later.iter().any(|e| e.path == endpoint.path && e.method == endpoint.method),
                "{} {} twice",
                endpoint.method.as_str(),
                endpoint.path
            );
            assert!(!later.iter().any(|e| e.doc.operation_id == endpoint.doc.operation_id), "{i}: operationId");
            assert!(endpoint.path.ends_with('/') || endpoint.path.ends_with(".json"), "{}", endpoint.path);
        }
    }
}
