//! The engine's unit-test fixture: a temporary database holding the tables of test-only
//! definitions, a registry of them and a superuser acting on it.

use serde_json::Value;

use crate::access::{Credential, Principal};
use crate::audit::Context;
use crate::engine::{Caller, EngineError, Model, ModelDef, Record, Registry, crud, ddl};
use crate::store::{Db, StoreConfig, StoreError, Synchronous};

pub struct Fixture {
    _dir: tempfile::TempDir,
    pub db: Db,
    pub registry: &'static Registry,
    pub caller: Caller,
}

impl Fixture {
    /// A fresh database (migrated) with the tables of `defs` and the acting user `system`,
    /// whom the tracking columns name.
    pub fn new(defs: &[&'static ModelDef]) -> Fixture {
        let dir = tempfile::tempdir().expect("dir");
        let config = StoreConfig { path: dir.path().join("t.db"), synchronous: Synchronous::Normal, readers: 1 };
        let db = Db::open(&config).expect("db");
        let registry: &'static Registry = Box::leak(Box::new(Registry::new(defs)));
        let mut schema: String =
            registry.models().iter().map(|m| ddl::create(registry, m)).collect::<Vec<_>>().join("\n");
        schema.push_str("INSERT INTO users (id, username, password, created_at, updated_at) VALUES ('system', 'system', 'x', '', '');");
        db.write(move |conn| conn.execute_batch(&schema).map_err(StoreError::from)).expect("tables");
        let principal = Principal {
            user_id: "system".into(),
            username: "system".into(),
            is_staff: true,
            is_superuser: true,
            organization: None,
            credential: Credential::Session,
        };
        let context = Context { origin: "test", ..std::default::Default::default() };
        Fixture { _dir: dir, db, registry, caller: Caller { principal: Some(principal), context } }
    }

    pub fn model(&self, name: &str) -> &'static Model {
        self.registry.get(name).expect("model")
    }

    pub fn create(&self, model: &str, body: Value) -> Result<Record, EngineError> {
        crud::create(&self.db, self.registry, self.model(model), &self.caller, &body)
    }

    /// A partial update (PATCH).
    pub fn patch(&self, model: &str, key: &str, body: Value) -> Result<Record, EngineError> {
        crud::update(&self.db, self.registry, self.model(model), &self.caller, key, &body, true)
    }

    pub fn delete(&self, model: &str, key: &str) -> Result<(), EngineError> {
        crud::delete(&self.db, self.model(model), &self.caller, key)
    }

    /// The number `sql` answers.
    pub fn count(&self, sql: &str) -> i64 {
        self.db.read(|conn| conn.query_row(sql, [], |r| r.get(0)).map_err(StoreError::from)).expect("count")
    }

    /// The first column of every row `sql` answers.
    pub fn names(&self, sql: &str) -> Vec<String> {
        self.db
            .read(|conn| {
                let mut stmt = conn.prepare(sql)?;
                let rows = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
                Ok::<_, StoreError>(rows)
            })
            .expect("read")
    }
}
