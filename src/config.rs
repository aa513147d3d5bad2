//! Settings: command-line flags > environment (`PLINTH_*`) > `<data>/plinth.toml` > defaults.
//! Flags and environment are parsed by `main` (clap); this module merges them with the file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use thiserror::Error;

use crate::store::Synchronous;

/// Default listen address.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// Default data directory, beside the working directory.
pub const DEFAULT_DATA: &str = "plinth-data";

/// The settings a server runs with.
#[derive(Clone, Debug)]
pub struct Config {
    pub addr: String,
    pub data_dir: PathBuf,
    /// How many requests run at once (each also holds a database reader); also bounds how
    /// many writes share one commit.
    pub workers: usize,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Open connections; more are answered 503 and closed. Lowered at start to what the
    /// open-files limit allows.
    pub max_connections: usize,
    /// From the first byte of a request head until it is complete.
    pub header_timeout: Duration,
    /// From the end of a request head until its body is complete.
    pub body_timeout: Duration,
    /// The longest pause between two parts of a request body.
    pub body_idle_timeout: Duration,
    /// How long an idle connection waits for its next request.
    pub keep_alive: Duration,
    /// The longest wait for a client to take a part of an answer.
    pub write_timeout: Duration,
    /// The largest request head (request line and header fields), in bytes.
    pub max_header_bytes: usize,
    /// The most header fields in a request.
    pub max_headers: usize,
    /// The longest request line, in bytes.
    pub max_request_line: usize,
    pub synchronous: Synchronous,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// How long the admin pages stay signed in (the session cookie's lifetime).
    pub session_ttl: Duration,
    /// How long a password reset token stays valid.
    pub reset_ttl: Duration,
    pub log_requests: bool,
    /// Password for the first administrator; random (and printed) when absent.
    pub admin_password: Option<String>,
    /// Failed-login throttling.
    pub throttle: crate::auth::ThrottleSettings,
    /// Reverse proxies whose `X-Forwarded-For` is believed (none by default).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Config {
    /// Defaults for a data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> Config {
        Config {
            addr: DEFAULT_ADDR.to_string(),
            data_dir: data_dir.into(),
            workers: 32,
            body_limit: 1024 * 1024,
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            body_idle_timeout: Duration::from_secs(10),
            keep_alive: Duration::from_secs(15),
            write_timeout: Duration::from_secs(10),
            // The request line holds `?filter=` JSON of up to 8 KiB (engine::filter), which
            // percent-encoding can triple; the head holds that line and the header fields.
            max_header_bytes: 64 * 1024,
            max_headers: 100,
            max_request_line: 32 * 1024,
            synchronous: Synchronous::Full,
            access_ttl: Duration::from_secs(15 * 60),
            refresh_ttl: Duration::from_secs(7 * 24 * 3600),
            session_ttl: Duration::from_secs(12 * 3600),
            reset_ttl: Duration::from_secs(3600),
            log_requests: true,
            admin_password: None,
            throttle: crate::auth::ThrottleSettings::default(),
            trusted_proxies: Vec::new(),
        }
    }

    /// The database file.
    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("plinth.db")
    }
}

/// Settings a `plinth.toml` may hold (every one optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub addr: Option<String>,
    pub workers: Option<usize>,
    pub body_limit: Option<usize>,
    pub max_connections: Option<usize>,
    pub header_timeout_seconds: Option<Seconds>,
    pub body_timeout_seconds: Option<Seconds>,
    pub body_idle_timeout_seconds: Option<Seconds>,
    pub keep_alive_seconds: Option<Seconds>,
    pub write_timeout_seconds: Option<Seconds>,
    pub max_header_bytes: Option<usize>,
    pub max_headers: Option<usize>,
    pub max_request_line: Option<usize>,
    pub synchronous: Option<Synchronous>,
    pub access_ttl_seconds: Option<u64>,
    pub refresh_ttl_seconds: Option<u64>,
    pub session_ttl_seconds: Option<u64>,
    pub log_requests: Option<bool>,
    pub trusted_proxies: Option<Vec<std::net::IpAddr>>,
}

/// A positive number of seconds, fractions allowed (`0.5`).
#[derive(Clone, Copy, Debug)]
pub struct Seconds(Duration);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Seconds, D::Error> {
        let seconds = f64::deserialize(deserializer)?;
        Duration::try_from_secs_f64(seconds)
            .ok()
            .filter(|d| !d.is_zero())
            .map(Seconds)
            .ok_or_else(|| serde::de::Error::custom(format!("expected a positive number of seconds, got {seconds}")))
    }
}

/// A settings file that cannot be used.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("invalid {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl FileSettings {
    /// Reads `<data>/plinth.toml`; a missing file means no settings.
    pub fn load(data_dir: &Path) -> Result<FileSettings, ConfigError> {
        let path = data_dir.join("plinth.toml");
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| ConfigError::Invalid { path, message: e.to_string() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileSettings::default()),
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    /// Applies the file's settings over the defaults in `config`.
    pub fn apply(self, config: &mut Config) {
        if let Some(addr) = self.addr {
            config.addr = addr;
        }
        config.workers = self.workers.unwrap_or(config.workers);
        config.body_limit = self.body_limit.unwrap_or(config.body_limit);
        config.max_connections = self.max_connections.unwrap_or(config.max_connections);
        let seconds = |setting: Option<Seconds>, default: Duration| setting.map_or(default, |Seconds(d)| d);
        config.header_timeout = seconds(self.header_timeout_seconds, config.header_timeout);
        config.body_timeout = seconds(self.body_timeout_seconds, config.body_timeout);
        config.body_idle_timeout = seconds(self.body_idle_timeout_seconds, config.body_idle_timeout);
        config.keep_alive = seconds(self.keep_alive_seconds, config.keep_alive);
        config.write_timeout = seconds(self.write_timeout_seconds, config.write_timeout);
        config.max_header_bytes = self.max_header_bytes.unwrap_or(config.max_header_bytes);
        config.max_headers = self.max_headers.unwrap_or(config.max_headers);
        config.max_request_line = self.max_request_line.unwrap_or(config.max_request_line);
        config.synchronous = self.synchronous.unwrap_or(config.synchronous);
        config.access_ttl = self.access_ttl_seconds.map_or(config.access_ttl, Duration::from_secs);
        config.refresh_ttl = self.refresh_ttl_seconds.map_or(config.refresh_ttl, Duration::from_secs);
        config.session_ttl = self.session_ttl_seconds.map_or(config.session_ttl, Duration::from_secs);
        config.log_requests = self.log_requests.unwrap_or(config.log_requests);
        if let Some(proxies) = self.trusted_proxies {
            config.trusted_proxies = proxies;
        }
    }
}
