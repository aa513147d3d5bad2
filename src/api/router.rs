//! The URL map: every route of the API, built once from the fixed endpoints and the model
//! registry (list, detail and action routes per model). Trailing slashes are optional.

use matchit::Router;

use crate::engine::{Action, Model, Registry, WriteRule};

/// What a path leads to.
#[derive(Clone, Copy)]
pub enum Route {
    Health,
    OpenApi,
    MetaModels,
    MetaPermissions,
    MyOrganizations,
    MyInvitations,
    RespondInvitation { accept: bool },
    Token,
    TokenRefresh,
    Logout,
    PasswordChange,
    PasswordReset,
    PasswordResetConfirm,
    ApiKeys,
    ApiKey,
    TotpSetup,
    TotpVerify,
    TotpDisable,
    List(&'static Model),
    Item(&'static Model),
    Action(&'static Model, &'static Action),
}

impl Route {
    /// Methods this route answers.
    pub fn allowed(self) -> &'static [&'static str] {
        match self {
            Route::Health | Route::OpenApi | Route::MetaModels | Route::MetaPermissions | Route::MyOrganizations => {
                &["GET"]
            }
            Route::MyInvitations => &["GET"],
            Route::RespondInvitation { .. }
            | Route::Token
            | Route::TokenRefresh
            | Route::Logout
            | Route::PasswordChange
            | Route::PasswordReset
            | Route::PasswordResetConfirm
            | Route::TotpSetup
            | Route::TotpVerify
            | Route::TotpDisable => &["POST"],
            // A read-only vocabulary has no write methods at all: 405 for everybody, not 403.
            Route::List(model) if matches!(model.def.write, WriteRule::UpdateOnly | WriteRule::Never) => &["GET"],
            Route::List(_) | Route::ApiKeys => &["GET", "POST"],
            Route::ApiKey => &["GET", "DELETE"],
            Route::Item(model) if model.def.write == WriteRule::Never => &["GET"],
            Route::Item(model) if model.def.write == WriteRule::UpdateOnly => &["GET", "PUT", "PATCH"],
            Route::Item(_) => &["GET", "PUT", "PATCH", "DELETE"],
            Route::Action(_, action) if action.method == "POST" => &["POST"],
            Route::Action(..) => &["GET"],
        }
    }
}

/// API base path.
pub const BASE: &str = "/api/v1";

/// Builds the router for a registry.
pub fn build(registry: &'static Registry) -> Router<Route> {
    let mut router = Router::new();
    let mut add = |path: String, route: Route| {
        // A clash is a definition error caught by every test run.
        router.insert(path.clone(), route).unwrap_or_else(|e| panic!("route {path}: {e}"));
    };
    add(format!("{BASE}/health"), Route::Health);
    add(format!("{BASE}/openapi.json"), Route::OpenApi);
    add(format!("{BASE}/meta/models"), Route::MetaModels);
    add(format!("{BASE}/meta/permissions"), Route::MetaPermissions);
    add(format!("{BASE}/users/me/organizations"), Route::MyOrganizations);
    add(format!("{BASE}/users/me/invitations"), Route::MyInvitations);
    add(format!("{BASE}/users/me/invitations/{{key}}/accept"), Route::RespondInvitation { accept: true });
    add(format!("{BASE}/users/me/invitations/{{key}}/decline"), Route::RespondInvitation { accept: false });
    add(format!("{BASE}/auth/token"), Route::Token);
    add(format!("{BASE}/auth/token/refresh"), Route::TokenRefresh);
    add(format!("{BASE}/auth/logout"), Route::Logout);
    add(format!("{BASE}/auth/password/change"), Route::PasswordChange);
    add(format!("{BASE}/auth/password/reset"), Route::PasswordReset);
    add(format!("{BASE}/auth/password/reset/confirm"), Route::PasswordResetConfirm);
    add(format!("{BASE}/auth/api-keys"), Route::ApiKeys);
    add(format!("{BASE}/auth/api-keys/{{key}}"), Route::ApiKey);
    add(format!("{BASE}/auth/2fa/totp/setup"), Route::TotpSetup);
    add(format!("{BASE}/auth/2fa/totp/verify"), Route::TotpVerify);
    add(format!("{BASE}/auth/2fa/totp/disable"), Route::TotpDisable);
    for model in registry.models() {
        let plural = model.def.plural;
        add(format!("{BASE}/{plural}"), Route::List(model));
        add(format!("{BASE}/{plural}/{{key}}"), Route::Item(model));
        for action in model.def.actions {
            let path = if action.detail {
                format!("{BASE}/{plural}/{{key}}/{}", action.name)
            } else {
                format!("{BASE}/{plural}/{}", action.name)
            };
            add(path, Route::Action(model, action));
        }
    }
    router
}

/// The path as routed: without its trailing slash.
pub fn normalize(path: &str) -> &str {
    if path.len() > 1 { path.strip_suffix('/').unwrap_or(path) } else { path }
}
