//! The URL map: every route of the API, built once from the table of fixed endpoints
//! (`endpoints.rs`) and the model registry (list, detail and action routes per model), and
//! which methods each answers. Trailing slashes are optional.

use matchit::Router;

use super::endpoints::{ENDPOINTS, Endpoint};
use crate::engine::{Action, Method, Model, Registry};

/// What a path leads to.
#[derive(Clone, Copy)]
pub enum Route {
    /// The fixed endpoints of one path, one per method.
    Fixed(&'static [Endpoint]),
    Model(ModelRoute),
}

/// A route generated from a model's definition.
#[derive(Clone, Copy)]
pub enum ModelRoute {
    List(&'static Model),
    Item(&'static Model),
    Action(&'static Model, &'static Action),
}

/// What answers a request, its path and method resolved.
#[derive(Clone, Copy)]
pub enum Target {
    Fixed(&'static Endpoint),
    Model(ModelRoute),
}

impl Route {
    /// What answers `method` on this route; `None` when the route has no such method.
    pub fn resolve(self, method: Method) -> Option<Target> {
        match self {
            Route::Fixed(endpoints) => endpoints.iter().find(|e| e.method == method).map(Target::Fixed),
            Route::Model(route) => route.methods().contains(&method).then_some(Target::Model(route)),
        }
    }

    /// The methods this route answers, in `Allow` order.
    pub fn allowed(self) -> Vec<Method> {
        Method::ALL.into_iter().filter(|&method| self.resolve(method).is_some()).collect()
    }
}

impl ModelRoute {
    /// The methods the model's definition gives this route: writes per its write rule.
    fn methods(self) -> &'static [Method] {
        match self {
            ModelRoute::List(model) => model.def.write.list_methods(),
            ModelRoute::Item(model) => model.def.write.item_methods(),
            ModelRoute::Action(_, action) => std::slice::from_ref(&action.method),
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
    let mut rest = ENDPOINTS;
    while let Some(first) = rest.first() {
        let (same_path, others) = rest.split_at(rest.iter().take_while(|e| e.path == first.path).count());
        add(format!("{BASE}/{}", normalize(first.path)), Route::Fixed(same_path));
        rest = others;
    }
    for model in registry.models().iter().filter(|m| !m.def.nested) {
        let plural = model.def.plural;
        add(format!("{BASE}/{plural}"), Route::Model(ModelRoute::List(model)));
        add(format!("{BASE}/{plural}/{{key}}"), Route::Model(ModelRoute::Item(model)));
        for action in &model.actions {
            let path = if action.detail {
                format!("{BASE}/{plural}/{{key}}/{}", action.name)
            } else {
                format!("{BASE}/{plural}/{}", action.name)
            };
            add(path.clone(), Route::Model(ModelRoute::Action(model, action)));
            if !action.detail && !action.params.is_empty() {
                add(format!("{path}/{{arg}}"), Route::Model(ModelRoute::Action(model, action)));
            }
        }
    }
    router
}

/// The path as routed: without its trailing slash.
pub fn normalize(path: &str) -> &str {
    if path.len() > 1 { path.strip_suffix('/').unwrap_or(path) } else { path }
}
