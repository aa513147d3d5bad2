//! The release server as the benchmarks start it: a child process on a data directory,
//! listening on an ephemeral port it reports; dropping it stops the process (SIGTERM, then
//! SIGKILL after 10 s). Included by each benchmark with `#[path]`.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

pub struct Server(Child);

impl Server {
    /// Starts `bin` on `data` with the administrator's `password`; answers it and its address.
    pub fn spawn(bin: &Path, data: &Path, password: &str) -> Result<(Server, SocketAddr)> {
        let mut child = Command::new(bin)
            .args(["serve", "--data"])
            .arg(data)
            .args(["--addr", "127.0.0.1:0", "--quiet"])
            .env("PLINTH_ADMIN_PASSWORD", password)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {} (cargo build --release, or --bin)", bin.display()))?;
        let stdout = child.stdout.take().context("no server stdout")?;
        let mut server = Server(child);
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            // Keep draining stdout after the listening line so the server never blocks.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // "Plinth 0.1.0 listening on http://127.0.0.1:PORT/".
                if let Some((_, rest)) = line.strip_prefix("Plinth ").and_then(|l| l.split_once("listening on http://"))
                {
                    let _ = tx.send(rest.trim_end_matches('/').parse::<SocketAddr>());
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(addr) => Ok((server, addr?)),
            Err(mpsc::RecvTimeoutError::Timeout) => bail!("the server did not start listening within 30 s"),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                bail!("the server exited before listening ({})", server.0.wait()?)
            }
        }
    }

    /// The process's resident memory, in KiB.
    #[allow(dead_code)] // Not every benchmark reports it.
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.0.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.0.try_wait() {
            return;
        }
        let _ = Command::new("kill").arg(self.0.id().to_string()).stderr(Stdio::null()).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
