//! The admin pages in headless Chromium against the release server: how long a list page of 50
//! contacts takes to be shown and usable, from a cold start of the page (reload) and when
//! navigating to it inside the app, and what the pages weigh (JS + CSS, raw and gzip).
//!
//! ```text
//! cargo build --release
//! cargo run --release --example pagebench -- [--contacts 1000] [--runs 20] [--bin target/release/plinth]
//! ```
//!
//! The time is the app's own `plinth:view` mark (set once a view is rendered with its data),
//! relative to the navigation's start for a reload and to the hash change inside the app.
//! Needs Debian's `chromium` (or `PLINTH_CHROMIUM`).

#[path = "../tests/it/browser/mod.rs"]
#[allow(dead_code)] // The benchmark uses a part of the test harness.
mod browser;
#[path = "support/server.rs"]
mod server;

use std::path::PathBuf;

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};

struct Args {
    contacts: usize,
    runs: usize,
    bin: PathBuf,
}

fn parse_args() -> Result<Args> {
    let mut args = Args { contacts: 1000, runs: 20, bin: PathBuf::from("target/release/plinth") };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--contacts" => args.contacts = value.parse()?,
            "--runs" => args.runs = value.parse()?,
            "--bin" => args.bin = PathBuf::from(value),
            _ => bail!("unknown flag {flag}; see the example's header"),
        }
    }
    ensure!(args.runs > 0 && args.contacts >= 50, "at least one run and 50 contacts");
    Ok(args)
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let dir = tempfile::TempDir::new()?;
    let password = format!("Bench-{}", plinth::store::new_id());
    let (_server, addr) = server::Server::spawn(&args.bin, dir.path(), &password)?;
    let base = format!("http://{addr}");
    let Some(chromium) = browser::launch() else { bail!("no Chromium: install Debian's chromium") };
    let page = chromium.page();
    page.goto(&format!("{base}/"));
    page.fill("#username", "admin");
    page.fill("#password", &password);
    page.click("#signin button[type=submit]");
    page.wait("#nav");
    let made = page.eval(&format!(
        "(async () => {{ const {{ csrf_token }} = await (await fetch('/api/v1/auth/session/')).json(); \
         const post = i => fetch('/api/v1/contacts/', {{ method: 'POST', headers: {{ 'Content-Type': 'application/json', 'X-CSRF-Token': csrf_token }}, \
           body: JSON.stringify({{ first_name: 'Person ' + i, last_name: 'Family ' + (i % 97), contact_type: 'customer', \
             email_addresses: [{{ email: 'p' + i + '@example.com' }}] }}) }}).then(r => r.status); \
         let created = 0; for (let i = 0; i < {n}; i += 50) {{ const batch = await Promise.all(Array.from({{ length: Math.min(50, {n} - i) }}, (_, j) => post(i + j))); \
           created += batch.filter(s => s === 201).length; }} return created; }})()",
        n = args.contacts
    ));
    ensure!(made == json!(args.contacts), "created {made} of {} contacts", args.contacts);

    let shown = "table.grid tbody tr:nth-child(50)";
    let mut cold = Vec::new();
    for run in 0..args.runs {
        // A new address each time: a whole page load, not a hash change.
        page.goto(&format!("{base}/?run={run}#/m/contacts"));
        page.wait(shown);
        cold.push(mark(&page.eval("performance.getEntriesByName('plinth:view').at(-1)?.startTime ?? null"))?);
    }
    let mut warm = Vec::new();
    for _ in 0..args.runs {
        page.eval("location.hash = '#/'");
        page.wait("main .cards");
        let took = page.eval(
            "new Promise(done => { const start = performance.now(); \
             new PerformanceObserver((list, observer) => { observer.disconnect(); done(list.getEntries()[0].startTime - start); }) \
               .observe({ type: 'mark' }); location.hash = '#/m/contacts'; })",
        );
        page.wait(shown);
        warm.push(mark(&took)?);
    }
    let weight = page.eval(
        "(async () => { let raw = 0, gzip = 0; \
         for (const url of [...document.querySelectorAll('link[rel=modulepreload], link[rel=stylesheet]')].map(l => l.href)) { \
           const blob = await (await fetch(url)).blob(); raw += blob.size; \
           gzip += (await new Response(blob.stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer()).byteLength; } \
         return [raw, gzip]; })()",
    );
    println!("list of 50 contacts (of {}), {} runs each", args.contacts, args.runs);
    report("page load to list shown (reload)", &mut cold);
    report("in-app navigation to list shown", &mut warm);
    println!("JS + CSS: {} bytes, {} bytes gzip (level 6)", weight[0], weight[1]);
    Ok(())
}

fn mark(value: &Value) -> Result<f64> {
    value.as_f64().with_context(|| format!("no view mark: {value}"))
}

fn report(title: &str, times: &mut [f64]) {
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!("{title:<36} p50 {:>6.1} ms   p90 {:>6.1} ms   max {:>6.1} ms", at(0.5), at(0.9), at(1.0));
}
