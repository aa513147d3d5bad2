//! The declarative model engine (DESIGN.md §5): definitions, validation, generic CRUD, the
//! list query language, OpenAPI and admin metadata — built once for every model.

pub mod crud;
pub mod custom;
pub mod ddl;
pub mod def;
mod error;
pub mod field;
pub mod filter;
pub mod input;
pub mod links;
pub mod list;
pub mod meta;
mod model;
mod nested;
pub mod openapi;
pub mod permissions;
mod query;
mod restriction;
mod rows;
pub mod scope;
pub mod slug;
mod taken;
#[cfg(test)]
mod testing;
pub mod tree;
pub mod value;
pub mod write;

pub use def::{
    Action, Default, Field, Index, Kind, Method, ModelDef, Needs, OnDelete, ReadRule, Scope, Shared, TableCheck, Tree,
    WriteRule,
};
pub use error::{EngineError, FieldErrors};
pub use model::{Model, Registry, TRACKING};
pub use query::{ListParams, PageRequest};
pub use restriction::Restriction;

use serde_json::{Map, Value};

use crate::access::Principal;
use crate::audit;
use crate::store::Db;

/// A record as JSON field → value (API names and representation).
pub type Record = Map<String, Value>;

/// Everything an operation needs to know about who asks and how.
#[derive(Clone, Debug, PartialEq)]
pub struct Caller {
    pub principal: Option<Principal>,
    /// Request id, client address, user agent and origin, as the audit trail records them.
    pub context: audit::Context,
}

/// Who writes, as the audit trail records it (owned: it travels to the writer thread).
#[derive(Clone, Debug)]
pub struct Author {
    pub principal: Option<Principal>,
    pub context: audit::Context,
}

impl Author {
    pub fn of(caller: &Caller) -> Author {
        Author { principal: caller.principal.clone(), context: caller.context.clone() }
    }

    /// Plinth itself, acting for no user (data migrations, the demo loader).
    pub fn system(origin: &'static str) -> Author {
        Author { principal: None, context: audit::Context { origin, ..std::default::Default::default() } }
    }

    /// The acting user's id.
    pub fn user(&self) -> Option<&str> {
        self.principal.as_ref().map(|p| p.user_id.as_str())
    }

    /// The acting user's name ("" for anonymous).
    pub fn username(&self) -> &str {
        self.principal.as_ref().map_or("", |p| p.username.as_str())
    }
}

/// A completed write, as after-write hooks see it.
pub struct Written<'a> {
    pub model: &'static Model,
    pub author: &'a Author,
    /// The row before an update or delete.
    pub before: Option<&'a Record>,
    /// The row after a create or update.
    pub after: Option<&'a Record>,
}

/// What an [`Action`] handler answers.
pub enum ActionOutput {
    Json(Value),
    /// Something new was made: answered `201 Created`.
    Created(Value),
    /// A list page, answered like the model's list.
    Page(list::Page),
}

/// Runs an action: the engine checks what it needs, then its handler runs.
pub fn run_action(action: &Action, call: &ActionCall) -> Result<ActionOutput, EngineError> {
    scope::check_action(call.db, call.model, call.caller.principal.as_ref(), action, call.key)?;
    (action.handler)(call)
}

/// What an [`Action`] handler receives.
pub struct ActionCall<'a> {
    pub db: &'a Db,
    pub registry: &'static Registry,
    pub model: &'static Model,
    pub caller: &'a Caller,
    /// The object key for detail actions.
    pub key: Option<&'a str>,
    pub query: &'a [(String, String)],
    pub body: Option<&'a Value>,
}

impl ActionCall<'_> {
    /// The query parameter `name`, if present.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Fills a display template such as `"{name} ({code})"` from a record, tidied.
pub fn display(template: &str, record: &Record) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else { break };
        let name = &rest[start + 1..start + len];
        match record.get(name) {
            Some(Value::String(s)) => out.push_str(s),
            Some(Value::Null) | None => {}
            Some(other) => out.push_str(&other.to_string()),
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    // Empty fields leave no stray separators: "{first_name} {last_name}" of a last name
    // alone is "Hopper", an address without a street "75001 Paris, FR".
    let parts: Vec<String> = out
        .split(',')
        .map(|part| part.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|part| !part.is_empty())
        .collect();
    parts.join(", ")
}
