//! Accessibility checks with axe-core (vendored in `vendor/`: axe-core 4.14.1 from npm,
//! MPL-2.0, see `vendor/LICENSE`). The script is evaluated through the DevTools protocol, not
//! added to the page, so it runs under the app's strict Content-Security-Policy.
//!
//! To update it: `npm pack axe-core`, then copy `package/axe.min.js`, `package/LICENSE` and
//! `package/LICENSE-3RD-PARTY.txt` from the tarball here.

use serde_json::Value;

use super::Page;

/// axe-core's browser bundle.
const AXE: &str = include_str!("vendor/axe.min.js");

impl Page<'_> {
    /// Runs axe-core on the current document and answers its violations, each as
    /// `{id, impact, description, help, target, nodes}` (`target`: the first offending node's
    /// selector; `nodes`: how many nodes offend).
    pub fn axe_violations(&self) -> Vec<Value> {
        if self.eval("typeof axe") != "object" {
            let loaded = self.eval(&format!("{AXE}\n;typeof axe"));
            assert_eq!(loaded, "object", "axe-core did not load");
        }
        let answer = self.eval(
            "axe.run(document, { resultTypes: ['violations'] }).then(r => r.violations.map(v => ({ \
             id: v.id, impact: v.impact, description: v.description, help: v.help, \
             target: v.nodes[0]?.target ?? null, nodes: v.nodes.length })))",
        );
        match answer {
            Value::Array(violations) => violations,
            other => panic!("axe answered {other} instead of a list of violations"),
        }
    }
}
