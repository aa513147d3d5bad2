//! Plinth: a single-binary, local-first ERP base platform.
//!
//! Data flows one way: `api` → `modules` → `engine` → `access` / `auth` / `audit` → `store`
//! (`architecture.md` says where each thing lives).
//! [`start`] wires a data directory, the database, the HTTP server and the built-in data.

pub mod access;
pub mod api;
pub mod audit;
pub mod auth;
pub mod config;
pub mod demo;
pub mod engine;
pub mod mail;
pub mod modules;
pub mod store;

use std::net::SocketAddr;
use std::sync::Arc;

use thiserror::Error;

pub use config::Config;
use store::StoreError;

/// Plinth's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Why Plinth could not start.
#[derive(Debug, Error)]
pub enum StartError {
    #[error("cannot use the data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("{addr} is already in use (is another Plinth running?); choose another address with --addr")]
    AddrInUse { addr: String },
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("cannot start the server's threads: {source}")]
    Server { source: std::io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Auth(#[from] auth::AuthError),
    #[error(transparent)]
    Engine(#[from] engine::EngineError),
}

/// Opens the data directory: creates it, applies migrations, loads built-in data.
pub fn open(config: &Config) -> Result<store::Db, StartError> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|source| StartError::DataDir { path: config.data_dir.display().to_string(), source })?;
    let db = store::Db::open(&store::StoreConfig {
        path: config.db_path(),
        synchronous: config.synchronous,
        readers: config.workers,
    })?;
    modules::seed(&db)?;
    db.defer(audit::Batch);
    anchor_audit_head(config, &db)?;
    Ok(db)
}

/// Keeps `<data>/audit.head` current after every commit; warns when the trail no longer
/// matches the head anchored before (entries removed from its end).
fn anchor_audit_head(config: &Config, db: &store::Db) -> Result<(), StoreError> {
    let path = audit::head::path(&config.data_dir);
    let (mut anchor, problem) = db.read(|conn| audit::head::Anchor::open(&path, conn))?;
    if let Some(problem) = problem {
        let hint = "the anchored head is kept as evidence; run `plinth audit verify`";
        eprintln!("{}", serde_json::json!({ "level": "warn", "audit": problem, "hint": hint }));
    }
    db.after_commit(move |conn| {
        if let Err(e) = anchor.update(conn) {
            eprintln!("{}", serde_json::json!({ "level": "error", "audit_head": e.to_string() }));
        }
    });
    Ok(())
}

/// Creates the first administrator when there are no users yet. Answers the generated
/// password (to be shown once) when none was configured.
pub fn bootstrap_admin(db: &store::Db, password: Option<&str>) -> Result<Option<String>, StartError> {
    if auth::count_users(db)? > 0 {
        return Ok(None);
    }
    let generated = password.is_none().then(|| auth::random_secret()[..20].to_string());
    let password = password.map(str::to_string).or_else(|| generated.clone()).unwrap_or_default();
    let admin = modules::users::NewUser {
        username: "admin".into(),
        email: String::new(),
        password,
        is_staff: true,
        is_superuser: true,
    };
    modules::users::create(db, engine::Author::system("bootstrap"), admin)?;
    Ok(generated)
}

/// A running Plinth: database and HTTP server.
pub struct Running {
    db: store::Db,
    http: api::HttpServer,
    /// The first administrator's generated password, on the first start only.
    pub admin_password: Option<String>,
}

impl Running {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.http.addr()
    }

    /// The cap on open connections in force: `max_connections`, or less when the
    /// open-files limit does not allow that many.
    pub fn max_connections(&self) -> usize {
        self.http.max_connections()
    }

    /// The database handle (for tools and tests).
    pub fn db(&self) -> &store::Db {
        &self.db
    }

    /// Graceful stop: in-flight requests finish, queued writes commit, the WAL is checkpointed.
    pub fn stop(self) {
        self.http.stop();
        self.db.close();
    }
}

/// Opens the data directory and serves HTTP on `config.addr`.
pub fn start(config: &Config) -> Result<Running, StartError> {
    // Every connection holds a descriptor: the soft limit (often 1,024) would cap them low.
    let open_files = api::raise_open_files_limit();
    let listener = api::bind(&config.addr).map_err(|source| match source.kind() {
        std::io::ErrorKind::AddrInUse => StartError::AddrInUse { addr: config.addr.clone() },
        _ => StartError::Bind { addr: config.addr.clone(), source },
    })?;
    let db = open(config)?;
    let admin_password = bootstrap_admin(&db, config.admin_password.as_deref())?;
    let server_error = |source| StartError::Server { source };
    let state = api::State::new(db.clone(), modules::registry(), config).map_err(server_error)?;
    let http = api::HttpServer::start(listener, Arc::new(state), api::http_settings(config, open_files))
        .map_err(server_error)?;
    Ok(Running { db, http, admin_password })
}
