//! The README's pictures: UI tests take them with `Page::doc_screenshot`, which writes
//! `docs/screenshots/<name>.png` only when `PLINTH_SCREENSHOTS=1`, so that an ordinary test run
//! leaves the work tree as it was. Refresh them with
//! `PLINTH_SCREENSHOTS=1 cargo test --test it` and look at the changed files before committing.

use std::path::PathBuf;

use super::Page;

/// Where the README's pictures live.
fn docs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs").join("screenshots")
}

/// Whether this run refreshes the README's pictures (`PLINTH_SCREENSHOTS=1`).
fn refreshing() -> bool {
    std::env::var("PLINTH_SCREENSHOTS").is_ok_and(|v| v == "1")
}

impl Page<'_> {
    /// Writes what the window shows to `docs/screenshots/<name>.png` when refreshing the
    /// README's pictures, and answers the file written.
    pub fn doc_screenshot(&self, name: &str) -> Option<PathBuf> {
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "a screenshot name is letters, digits and dashes: {name:?}"
        );
        if !refreshing() {
            return None;
        }
        let path = docs_dir().join(format!("{name}.png"));
        self.screenshot(&path);
        Some(path)
    }
}
