//! A small synchronous driver for headless Chromium (the DevTools protocol through the
//! `headless_chrome` crate) for the UI tests: `launch()` a browser, open a `Page`, and drive it
//! with waits that poll a condition until a deadline.
//!
//! A test starts with `let Some(browser) = browser::launch() else { return };`: without
//! Chromium (Debian's `/usr/bin/chromium`, or the file `PLINTH_CHROMIUM` names) it prints a
//! notice once and the test passes without running, unless `PLINTH_BROWSER_TESTS=1` (as in
//! `.ci/run`) makes a missing browser a failure.

mod axe;
mod page;
#[allow(dead_code)] // Used by the UI tests that refresh the README's pictures.
mod shots;

use std::ffi::OsStr;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Once;
use std::time::{Duration, Instant};

use headless_chrome::LaunchOptions;

pub use page::Page;

/// The Chromium binary: `PLINTH_CHROMIUM` when set, else Debian's.
fn chromium_path() -> PathBuf {
    std::env::var_os("PLINTH_CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// Whether a missing browser fails the test instead of skipping it (`PLINTH_BROWSER_TESTS=1`).
fn required() -> bool {
    std::env::var("PLINTH_BROWSER_TESTS").is_ok_and(|v| v == "1")
}

/// Flags beyond those `headless_chrome` always passes (`--headless`, `--no-sandbox`,
/// `--disable-gpu`, `--no-first-run`, `--disable-background-networking`, `--disable-sync`, a
/// window size and a user data dir): nothing may reach for the network.
const EXTRA_FLAGS: [&str; 2] = ["--disable-quic", "--disable-component-update"];

/// The window's size, and each page's viewport (so screenshots are this size too).
const SIZE: (u32, u32) = (1280, 900);

/// A running headless Chromium with a fresh profile; the process ends when this is dropped.
pub struct Browser {
    inner: Option<headless_chrome::Browser>,
    profile: PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ends Chromium; its helper processes may still write to the profile for a moment.
        drop(self.inner.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::fs::remove_dir_all(&self.profile).is_err() && self.profile.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Starts Chromium, or answers `None` (after a notice on stderr, once per test run) when it is
/// not installed and `PLINTH_BROWSER_TESTS=1` is not set. Panics when it is installed but does
/// not start.
pub fn launch() -> Option<Browser> {
    static NOTICE: Once = Once::new();
    let path = chromium_path();
    if !path.is_file() {
        assert!(
            !required(),
            "PLINTH_BROWSER_TESTS=1 but there is no Chromium at {} (apt-get install chromium, or set PLINTH_CHROMIUM)",
            path.display()
        );
        // Straight to stderr: the test harness captures `eprintln!` of passing tests.
        NOTICE.call_once(|| {
            let notice = format!(
                "NOTICE: browser tests skipped: chromium not found at {} (install Debian's chromium, or run .ci/run)\n",
                path.display()
            );
            let _ = std::io::stderr().write_all(notice.as_bytes());
        });
        return None;
    }
    let profile = tempfile::Builder::new().prefix("plinth-chromium-").tempdir().expect("temp profile dir").keep();
    let options = LaunchOptions {
        path: Some(path.clone()),
        headless: true,
        sandbox: false,
        enable_gpu: false,
        window_size: Some(SIZE),
        // Chromium picks a free port and names it in the DevTools URL it prints.
        port: Some(0),
        user_data_dir: Some(profile.clone()),
        args: EXTRA_FLAGS.iter().map(OsStr::new).collect(),
        // The connection is dropped after this long without a message from Chromium.
        idle_browser_timeout: Duration::from_secs(600),
        ..LaunchOptions::default()
    };
    // Owned before Chromium starts, so that a failed start removes the profile too.
    let mut browser = Browser { inner: None, profile };
    let started = headless_chrome::Browser::new(options)
        .unwrap_or_else(|e| panic!("Chromium at {} did not start: {e:#}", path.display()));
    browser.inner = Some(started);
    Some(browser)
}

impl Browser {
    /// Opens a new tab with a 1280×900 viewport. Tabs of one browser share cookies and
    /// storage.
    pub fn page(&self) -> Page<'_> {
        let inner = self.inner.as_ref().expect("a running browser");
        let tab = inner.new_tab().unwrap_or_else(|e| panic!("cannot open a tab: {e:#}"));
        let page = Page::new(tab);
        // A tab's viewport is the window less what headless Chromium keeps for its toolbar.
        page.resize(SIZE.0, SIZE.1);
        page
    }
}
