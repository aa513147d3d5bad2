//! The `plinth` binary as an operator uses it: `--version`, `serve` (listening line, the
//! bootstrap admin password printed once, port already taken, graceful SIGTERM), `migrate`,
//! `user create` / `user passwd` with the password piped on stdin, and settings from the
//! environment. Every spawned server is killed when its guard drops; nothing sleeps: the tests
//! wait for the "listening" line or poll for exit, each with a deadline.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::{Client, Resp};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_plinth");
/// Longest a command may take to start serving or to exit (debug build, busy machine).
const DEADLINE: Duration = Duration::from_secs(30);
const ADMIN_PASSWORD: &str = "cli-admin-pass-1";

/// A `plinth` command with none of the caller's `PLINTH_*` settings, run in `cwd` (so the
/// default `./plinth-data` would land in a temp dir, not the checkout).
fn plinth(cwd: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    isolate(&mut cmd, cwd);
    cmd
}

/// Runs `cmd` in `cwd` without the caller's `PLINTH_*` settings.
pub(crate) fn isolate(cmd: &mut Command, cwd: &Path) {
    cmd.current_dir(cwd);
    for var in [
        "PLINTH_DATA",
        "PLINTH_ADDR",
        "PLINTH_WORKERS",
        "PLINTH_ADMIN_PASSWORD",
        "RUST_BACKTRACE",
        "RUST_LIB_BACKTRACE",
    ] {
        cmd.env_remove(var);
    }
}

/// `plinth --data <data> <args>`.
fn plinth_on(data: &Path, args: &[&str]) -> Command {
    let mut cmd = plinth(data.parent().expect("data dir has a parent"));
    cmd.arg("--data").arg(data).args(args);
    cmd
}

/// What a finished command did.
struct Finished {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs `cmd` to its end with `stdin` piped in; kills it and fails after [`DEADLINE`].
fn run(mut cmd: Command, stdin: &str) -> Finished {
    let mut child =
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn plinth");
    let mut input = child.stdin.take().expect("stdin");
    let stdout = read_in_background(child.stdout.take().expect("stdout"));
    let stderr = read_in_background(child.stderr.take().expect("stderr"));
    let mut process = Process::watch(child);
    // The command may exit without reading; a broken pipe is then not our concern.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    let status = process.wait();
    Finished { status, stdout: stdout.join().expect("stdout reader"), stderr: stderr.join().expect("stderr reader") }
}

fn read_in_background(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

/// A spawned process whose exit a thread waits for; SIGKILLed on drop if still running.
pub(crate) struct Process {
    pub(crate) pid: u32,
    exit: Receiver<ExitStatus>,
    status: Option<ExitStatus>,
}

impl Process {
    fn watch(mut child: Child) -> Process {
        let pid = child.id();
        let (sender, exit) = channel();
        std::thread::spawn(move || {
            if let Ok(status) = child.wait() {
                let _ = sender.send(status);
            }
        });
        Process { pid, exit, status: None }
    }

    /// Sends a signal (`TERM`, `KILL`) with kill(1).
    fn signal(&self, name: &str) {
        let sent = Command::new("kill").arg(format!("-{name}")).arg(self.pid.to_string()).status().expect("run kill");
        assert!(sent.success(), "kill -{name} {} failed", self.pid);
    }

    /// Whether the process has exited (without waiting).
    fn exited(&mut self) -> bool {
        if self.status.is_none() {
            self.status = self.exit.try_recv().ok();
        }
        self.status.is_some()
    }

    /// Waits for the exit; kills the process and fails when it outlives [`DEADLINE`].
    fn wait(&mut self) -> ExitStatus {
        if let Some(status) = self.status {
            return status;
        }
        match self.exit.recv_timeout(DEADLINE) {
            Ok(status) => *self.status.insert(status),
            Err(_) => {
                self.signal("KILL");
                panic!("plinth (pid {}) did not exit within {DEADLINE:?}", self.pid);
            }
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if !self.exited() {
            let _ = Command::new("kill").arg("-KILL").arg(self.pid.to_string()).status();
            let _ = self.exit.recv_timeout(DEADLINE);
        }
    }
}

/// A `plinth serve` process that has printed its "listening" line.
pub(crate) struct Served {
    pub(crate) process: Process,
    /// Lines of stdout printed before the "listening" line.
    preamble: Vec<String>,
    pub(crate) addr: SocketAddr,
    stderr: Option<JoinHandle<String>>,
}

impl Served {
    /// Starts `cmd` (a serve command) and waits for its "listening" line.
    pub(crate) fn start(mut cmd: Command) -> Served {
        let mut child =
            cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn plinth serve");
        let stderr = read_in_background(child.stderr.take().expect("stderr"));
        let lines = stdout_lines(child.stdout.take().expect("stdout"));
        let mut process = Process::watch(child);
        let mut preamble = Vec::new();
        let deadline = Instant::now() + DEADLINE;
        loop {
            match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => match listening_addr(&line) {
                    Some(addr) => return Served { process, preamble, addr, stderr: Some(stderr) },
                    None => preamble.push(line),
                },
                Err(RecvTimeoutError::Timeout) => panic!("no listening line within {DEADLINE:?}: {preamble:?}"),
                Err(RecvTimeoutError::Disconnected) => {
                    let status = process.wait();
                    let stderr = stderr.join().unwrap_or_default();
                    panic!("plinth exited ({status}) before listening: {preamble:?}\n{stderr}");
                }
            }
        }
    }

    /// An anonymous HTTP client of this server.
    fn client(&self) -> Client {
        Client { addr: self.addr, token: None }
    }

    fn login(&self, username: &str, password: &str) -> Resp {
        self.client().post("/api/v1/auth/token/", &json!({ "username": username, "password": password }))
    }

    /// Sends SIGTERM and waits for the exit; answers the status and everything on stderr.
    pub(crate) fn terminate(&mut self) -> (ExitStatus, String) {
        self.stop_with("TERM")
    }

    /// Sends `signal` and waits for the exit; answers the status and everything on stderr.
    fn stop_with(&mut self, signal: &str) -> (ExitStatus, String) {
        self.process.signal(signal);
        let status = self.process.wait();
        let stderr = self.stderr.take().expect("terminated once").join().expect("stderr reader");
        (status, stderr)
    }
}

/// Forwards stdout line by line (the channel closes at EOF).
fn stdout_lines(stdout: impl Read + Send + 'static) -> Receiver<String> {
    let (sender, receiver) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

/// The address of `Plinth <version> listening on http://127.0.0.1:PORT/`, exactly.
fn listening_addr(line: &str) -> Option<SocketAddr> {
    let rest = line.strip_prefix(&format!("Plinth {} listening on http://", plinth::VERSION))?;
    let addr: SocketAddr = rest.strip_suffix('/')?.parse().ok()?;
    assert_ne!(addr.port(), 0, "the real port is printed: {line}");
    Some(addr)
}

/// `plinth --data <data> --addr 127.0.0.1:0 --quiet serve`.
fn serve(data: &Path) -> Command {
    plinth_on(data, &["--addr", "127.0.0.1:0", "--quiet", "serve"])
}

/// A fresh temp dir and the (not yet existing) data dir inside it.
fn data_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    (dir, data)
}

/// The password from `Created the administrator 'admin' with password: <password>`.
fn printed_password(preamble: &[String]) -> String {
    let lines: Vec<&String> = preamble.iter().filter(|l| l.contains("password")).collect();
    assert_eq!(lines.iter().filter(|l| l.contains("password:")).count(), 1, "printed once: {preamble:?}");
    let line = lines.iter().find(|l| l.contains("password:")).expect("password line");
    assert!(line.contains("'admin'"), "{line}");
    line.rsplit("password: ").next().expect("password").trim().to_string()
}

fn assert_logged_in(resp: &Resp, username: &str) {
    assert_eq!(resp.status, 200, "login as {username}: {}", resp.text);
    assert_eq!(resp.json["user"]["username"], username);
}

fn assert_login_refused(resp: &Resp) {
    assert_eq!(resp.status, 401, "{}", resp.text);
    assert_eq!(resp.json["code"], "not_authenticated");
}

/// `user create <username> [args]` with the password on stdin.
fn create_user(data: &Path, username: &str, password: &str, args: &[&str]) -> Finished {
    let mut full = vec!["user", "create", username];
    full.extend_from_slice(args);
    run(plinth_on(data, &full), &format!("{password}\n"))
}

#[test]
fn version_flag_prints_the_version() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cmd = plinth(dir.path());
    cmd.arg("--version");
    let done = run(cmd, "");
    assert!(done.status.success(), "{}", done.stderr);
    assert_eq!(done.stdout.trim(), format!("plinth {}", plinth::VERSION));
    assert!(!dir.path().join("plinth-data").exists(), "--version touches no data dir");
}

#[test]
fn first_start_prints_a_working_admin_password_once() {
    let (_dir, data) = data_dir();
    let mut first = Served::start(serve(&data));
    let password = printed_password(&first.preamble);
    assert!(password.len() >= 16, "a strong generated password: {password:?}");
    let login = first.login("admin", &password);
    assert_logged_in(&login, "admin");
    assert_eq!(login.json["user"]["is_superuser"], true);
    assert_login_refused(&first.login("admin", "not-the-password"));
    let health = first.client().get("/api/v1/health/");
    assert_eq!(health.json, json!({ "status": "ok", "version": plinth::VERSION }));
    let (status, stderr) = first.terminate();
    assert!(status.success(), "{stderr}");
    assert!(!stderr.contains("\"path\""), "--quiet: no request log: {stderr}");

    let second = Served::start(serve(&data));
    assert!(
        second.preamble.iter().all(|l| !l.to_lowercase().contains("password")),
        "no password on a later start: {:?}",
        second.preamble
    );
    assert_logged_in(&second.login("admin", &password), "admin");
}

#[test]
fn admin_password_from_the_environment_is_used_and_not_printed() {
    let (_dir, data) = data_dir();
    let mut cmd = serve(&data);
    cmd.env("PLINTH_ADMIN_PASSWORD", ADMIN_PASSWORD);
    let mut served = Served::start(cmd);
    assert!(
        served.preamble.iter().all(|l| !l.contains(ADMIN_PASSWORD) && !l.contains("password")),
        "{:?}",
        served.preamble
    );
    assert_logged_in(&served.login("admin", ADMIN_PASSWORD), "admin");
    // Ctrl-C stops it as gracefully as SIGTERM.
    let (status, stderr) = served.stop_with("INT");
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("Stopped"), "{stderr}");
}

#[test]
fn taken_port_exits_non_zero_saying_the_address_is_in_use() {
    let (_dir, data) = data_dir();
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let done = run(plinth_on(&data, &["--addr", &addr, "--quiet", "serve"]), "");
    assert!(!done.status.success(), "must fail: {}", done.stdout);
    assert!(done.stderr.contains("already in use"), "{}", done.stderr);
    assert!(done.stderr.contains(&addr), "names the address: {}", done.stderr);
    assert!(!done.stdout.contains("listening"), "{}", done.stdout);
    drop(taken);
}

#[test]
fn sigterm_stops_gracefully_with_status_zero_and_keeps_the_writes() {
    let (_dir, data) = data_dir();
    // Not --quiet: one log line per request goes to stderr.
    let mut cmd = plinth_on(&data, &["--addr", "127.0.0.1:0", "serve"]);
    cmd.env("PLINTH_ADMIN_PASSWORD", ADMIN_PASSWORD);
    let mut served = Served::start(cmd);
    let token = served.login("admin", ADMIN_PASSWORD).json["access"].as_str().expect("token").to_string();
    let created = served
        .client()
        .with_token(&token)
        .post("/api/v1/uoms/", &json!({ "code": "DRUM", "name": "Drum", "uom_type": "Count" }));
    assert_eq!(created.status, 201, "{}", created.text);

    let (status, stderr) = served.terminate();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("Stopped"), "{stderr}");
    assert!(stderr.contains("\"path\":\"/api/v1/uoms/\""), "request log line: {stderr}");
    assert!(stderr.contains("\"status\":201"), "request log line: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // A clean stop leaves no write-ahead log behind, and the write is there after a restart.
    assert!(!data.join("plinth.db-wal").exists() || std::fs::metadata(data.join("plinth.db-wal")).unwrap().len() == 0);
    let again = Served::start(serve(&data));
    assert_eq!(again.client().get("/api/v1/uoms/DRUM/").json["name"], "Drum");
}

#[test]
fn migrate_creates_the_database_and_exits() {
    let (_dir, data) = data_dir();
    let done = run(plinth_on(&data, &["migrate"]), "");
    assert!(done.status.success(), "{}", done.stderr);
    assert!(data.join("plinth.db").is_file());
    assert!(done.stdout.contains("up to date"), "{}", done.stdout);
    // Migrations and built-in data are in; no user is created by migrate alone.
    let conn = rusqlite::Connection::open(data.join("plinth.db")).expect("open db");
    let currencies: i64 = conn.query_row("SELECT COUNT(*) FROM currencies", [], |r| r.get(0)).expect("currencies");
    assert!(currencies > 100, "ISO currencies seeded: {currencies}");
    let users: i64 = conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0)).expect("users");
    assert_eq!(users, 0);
    drop(conn);
    // Running it again changes nothing and succeeds.
    let again = run(plinth_on(&data, &["migrate"]), "");
    assert!(again.status.success(), "{}", again.stderr);
}

#[test]
fn user_create_then_login_over_http() {
    let (_dir, data) = data_dir();
    let done = create_user(&data, "bob", "bob-password-1", &["--superuser", "--email", "bob@example.com"]);
    assert!(done.status.success(), "{}", done.stderr);
    assert!(done.stdout.contains("bob"), "{}", done.stdout);
    let plain = create_user(&data, "carl", "carl-password-1", &[]);
    assert!(plain.status.success(), "{}", plain.stderr);

    let served = Served::start(serve(&data));
    let bob = served.login("bob", "bob-password-1");
    assert_logged_in(&bob, "bob");
    assert_eq!(bob.json["user"]["is_superuser"], true);
    assert_eq!(bob.json["user"]["is_staff"], true);
    assert_eq!(bob.json["user"]["email"], "bob@example.com");
    let carl = served.login("carl", "carl-password-1");
    assert_logged_in(&carl, "carl");
    assert_eq!(carl.json["user"]["is_superuser"], false);
    // bob's token writes.
    let token = bob.json["access"].as_str().expect("token");
    let created = served
        .client()
        .with_token(token)
        .post("/api/v1/uoms/", &json!({ "code": "KEG", "name": "Keg", "uom_type": "Count" }));
    assert_eq!(created.status, 201, "{}", created.text);
}

#[test]
fn user_passwd_changes_the_password_and_ends_sessions() {
    let (_dir, data) = data_dir();
    assert!(create_user(&data, "bob", "bob-password-1", &[]).status.success());
    let served = Served::start(serve(&data));
    let before = served.login("bob", "bob-password-1");
    assert_logged_in(&before, "bob");
    let token = before.json["access"].as_str().expect("token").to_string();
    assert_eq!(served.client().with_token(&token).get("/api/v1/uoms/").status, 200);

    // Changed by another process while the server runs, as an operator would.
    let done = run(plinth_on(&data, &["user", "passwd", "bob"]), "bob-password-2\n");
    assert!(done.status.success(), "{}", done.stderr);
    assert!(done.stdout.contains("bob"), "{}", done.stdout);

    assert_login_refused(&served.login("bob", "bob-password-1"));
    assert_logged_in(&served.login("bob", "bob-password-2"), "bob");
    let old_session = served.client().with_token(&token).get("/api/v1/uoms/");
    assert_eq!(old_session.status, 401, "sessions end with the password change: {}", old_session.text);
    let refresh = before.json["refresh"].as_str().expect("refresh");
    assert_eq!(served.client().post("/api/v1/auth/token/refresh/", &json!({ "refresh": refresh })).status, 401);
}

#[test]
fn user_commands_refuse_bad_input_with_non_zero_exit() {
    let (_dir, data) = data_dir();
    let short = create_user(&data, "bob", "short", &[]);
    assert!(!short.status.success());
    assert!(short.stderr.contains("too short"), "{}", short.stderr);
    let empty = create_user(&data, "bob", "", &[]);
    assert!(!empty.status.success(), "an empty password is refused");

    assert!(create_user(&data, "bob", "bob-password-1", &[]).status.success());
    for duplicate in ["bob", "BOB"] {
        let done = create_user(&data, duplicate, "other-password-1", &[]);
        assert!(!done.status.success(), "{duplicate} exists already");
        assert!(done.stderr.contains("already exists"), "{}", done.stderr);
    }
    let bad_name = create_user(&data, "bob smith", "bob-password-1", &[]);
    assert!(!bad_name.status.success(), "spaces are not allowed in usernames");

    let unknown = run(plinth_on(&data, &["user", "passwd", "nobody"]), "some-password-1\n");
    assert!(!unknown.status.success(), "{}", unknown.stdout);
    let short_passwd = run(plinth_on(&data, &["user", "passwd", "bob"]), "short\n");
    assert!(!short_passwd.status.success());

    // The refused commands changed nothing: bob still has his first password.
    let served = Served::start(serve(&data));
    assert_logged_in(&served.login("bob", "bob-password-1"), "bob");
    assert_login_refused(&served.login("BOB", "other-password-1"));
}

#[test]
fn environment_sets_the_data_dir_and_the_address_and_flags_win() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("from-env");
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let taken_addr = taken.local_addr().expect("addr").to_string();

    // PLINTH_ADDR is read: pointing it at a taken port fails, naming that port.
    let mut cmd = plinth(dir.path());
    cmd.env("PLINTH_DATA", &data).env("PLINTH_ADDR", &taken_addr).arg("--quiet");
    let done = run(cmd, "");
    assert!(!done.status.success());
    assert!(done.stderr.contains(&taken_addr) && done.stderr.contains("already in use"), "{}", done.stderr);

    // With a free PLINTH_ADDR and no subcommand (serve is the default) it serves from PLINTH_DATA.
    let mut cmd = plinth(dir.path());
    cmd.env("PLINTH_DATA", &data)
        .env("PLINTH_ADDR", "127.0.0.1:0")
        .env("PLINTH_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .arg("--quiet");
    let served = Served::start(cmd);
    assert!(data.join("plinth.db").is_file(), "the database is in PLINTH_DATA");
    assert!(!dir.path().join("plinth-data").exists(), "not in the default place");
    assert_logged_in(&served.login("admin", ADMIN_PASSWORD), "admin");
    drop(served);

    // --addr beats PLINTH_ADDR.
    let mut cmd = plinth(dir.path());
    cmd.env("PLINTH_DATA", &data).env("PLINTH_ADDR", &taken_addr).args(["--addr", "127.0.0.1:0", "--quiet", "serve"]);
    let served = Served::start(cmd);
    assert_ne!(served.addr.to_string(), taken_addr);
    assert_logged_in(&served.login("admin", ADMIN_PASSWORD), "admin");
    drop(taken);
}

#[test]
fn settings_file_is_read_and_the_environment_beats_it() {
    let (_dir, data) = data_dir();
    std::fs::create_dir_all(&data).expect("data dir");
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let taken_addr = taken.local_addr().expect("addr").to_string();
    std::fs::write(data.join("plinth.toml"), format!("addr = \"{taken_addr}\"\nlog_requests = false\n"))
        .expect("write");

    // The file's address is used when neither a flag nor the environment names one.
    let done = run(plinth_on(&data, &["serve"]), "");
    assert!(!done.status.success());
    assert!(done.stderr.contains(&taken_addr) && done.stderr.contains("already in use"), "{}", done.stderr);

    let mut cmd = plinth_on(&data, &["serve"]);
    cmd.env("PLINTH_ADDR", "127.0.0.1:0").env("PLINTH_ADMIN_PASSWORD", ADMIN_PASSWORD);
    let mut served = Served::start(cmd);
    assert_logged_in(&served.login("admin", ADMIN_PASSWORD), "admin");
    let (status, stderr) = served.terminate();
    assert!(status.success(), "{stderr}");
    assert!(!stderr.contains("/api/v1/auth/token/"), "log_requests = false silences the request log: {stderr}");

    // A file with an unknown setting is refused, naming the file.
    std::fs::write(data.join("plinth.toml"), "adress = \"127.0.0.1:0\"\n").expect("write");
    let done = run(plinth_on(&data, &["--addr", "127.0.0.1:0", "serve"]), "");
    assert!(!done.status.success(), "{}", done.stdout);
    assert!(done.stderr.contains("plinth.toml") && done.stderr.contains("adress"), "{}", done.stderr);
    drop(taken);
}

#[test]
fn audit_verify_reports_an_intact_chain_and_the_first_tampered_entry() {
    let (_dir, data) = data_dir();
    let server = crate::common::TestServer::start_with(|config| config.data_dir = data.clone());
    let admin = server.admin();
    for code in ["V1", "V2"] {
        let body = serde_json::json!({ "code": code, "name": code, "uom_type": "Count" });
        assert_eq!(admin.post("/api/v1/uoms/", &body).status, 201);
    }
    server.stop();
    let intact = run(plinth_on(&data, &["audit", "verify"]), "");
    assert!(intact.status.success(), "{}", intact.stderr);
    assert!(intact.stdout.contains("intact: 4 entries"), "{}", intact.stdout);

    let conn = rusqlite::Connection::open(data.join("plinth.db")).expect("open db");
    conn.execute_batch(
        "DROP TRIGGER audit_logs_append_only_update; UPDATE audit_logs SET username = 'eve' WHERE id = 2;",
    )
    .expect("tamper");
    drop(conn);
    let broken = run(plinth_on(&data, &["audit", "verify"]), "");
    assert!(!broken.status.success(), "tampering must fail the check: {}", broken.stdout);
    assert!(broken.stderr.contains("broken at entry #2"), "{}", broken.stderr);
}

#[test]
fn audit_verify_detects_entries_removed_from_the_end() {
    // Regression: deleting the newest entries left a chain whose every link still holds.
    let (_dir, data) = data_dir();
    let server = crate::common::TestServer::start_with(|config| config.data_dir = data.clone());
    let admin = server.admin();
    for code in ["T1", "T2", "T3"] {
        let body = serde_json::json!({ "code": code, "name": code, "uom_type": "Count" });
        assert_eq!(admin.post("/api/v1/uoms/", &body).status, 201);
    }
    server.stop();
    let head = run(plinth_on(&data, &["audit", "head"]), "");
    assert!(head.status.success(), "{}", head.stderr);
    let recorded = head.stdout.trim().to_string();
    assert!(recorded.starts_with("5:") && recorded.len() == 2 + 64, "SEQ:HASH: {recorded}");
    let anchored = std::fs::read_to_string(data.join("audit.head")).expect("head file beside the database");
    assert!(anchored.trim().ends_with(recorded.split_once(':').expect("colon").1), "{anchored}");

    let conn = rusqlite::Connection::open(data.join("plinth.db")).expect("open db");
    conn.execute_batch("DROP TRIGGER audit_logs_append_only_delete; DELETE FROM audit_logs WHERE id >= 3;")
        .expect("truncate");
    drop(conn);
    let broken = run(plinth_on(&data, &["audit", "verify"]), "");
    assert!(!broken.status.success(), "a removed tail must fail the check: {}", broken.stdout);
    assert!(broken.stderr.contains("ends at entry #2") && broken.stderr.contains("#5"), "{}", broken.stderr);
    // Starting again keeps the evidence: the head file is not rewritten, and says so.
    let server = crate::common::TestServer::start_with(|config| config.data_dir = data.clone());
    let admin = server.admin();
    for code in ["T4", "T5"] {
        let body = serde_json::json!({ "code": code, "name": code, "uom_type": "Count" });
        assert_eq!(admin.post("/api/v1/uoms/", &body).status, 201);
    }
    server.stop();
    assert_eq!(std::fs::read_to_string(data.join("audit.head")).expect("head"), anchored, "evidence kept");
    // Even with the head file gone, a head recorded off the machine catches it (the trail has
    // grown back to the recorded length, with other entries).
    std::fs::remove_file(data.join("audit.head")).expect("remove head");
    let offsite = run(plinth_on(&data, &["audit", "verify", "--head", &recorded]), "");
    assert!(!offsite.status.success(), "{}", offsite.stdout);
    assert!(
        offsite.stderr.contains("is not the one anchored") && offsite.stderr.contains("--head"),
        "{}",
        offsite.stderr
    );
    let malformed = run(plinth_on(&data, &["audit", "verify", "--head", "4:nothex"]), "");
    assert!(!malformed.status.success() && malformed.stderr.contains("SEQ:HASH"), "{}", malformed.stderr);
}

#[test]
fn demo_fills_an_empty_directory_once_and_prints_the_passwords() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("demo-data");
    let made = run(plinth_on(&data, &["demo", "--seed", "3"]), "");
    assert!(made.status.success(), "{}{}", made.stdout, made.stderr);
    assert!(made.stdout.contains("Created the administrator 'admin' with password: "), "{}", made.stdout);
    assert!(made.stdout.contains("contact: 300"), "{}", made.stdout);
    for user in ["anna.admin", "max.manager", "sara.staff", "victor.viewer"] {
        let line = made
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with(user))
            .unwrap_or_else(|| panic!("{user}: {}", made.stdout));
        assert!(line.split_whitespace().last().is_some_and(|p| p.starts_with("Demo-")), "{line}");
    }
    let again = run(plinth_on(&data, &["demo"]), "");
    assert!(!again.status.success(), "a second demo is refused");
    assert!(again.stderr.contains("already holds data"), "{}", again.stderr);
}
