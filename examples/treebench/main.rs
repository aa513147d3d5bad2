//! Tree benchmark: 100,000 organizations 20 levels deep, loaded with SQL into a temporary
//! data directory (see `data.rs`), then measured.
//!
//! In process, against a real `Db` and the engine's actions (no HTTP): `descendants/` of
//! nodes near the top (large subtrees) and near the bottom, `ancestors/` of a leaf at depth
//! 20, `children/`, the access layer's subtree reach (the path-range join it grants through,
//! and `holds` for a member of the largest root), moving subtrees of ~50 and ~5,000 nodes and
//! creating nodes at depth 20. Prints ops/s, p50 and p99 per operation and the query plans of
//! the tree lists; checks every level and path against its parent's at the end.
//!
//! ```text
//! cargo run --release --example treebench -- [--nodes 100000] [--depth 20] [--seconds 2] [--data DIR]
//! ```
//!
//! `--data DIR` loads into a new directory and keeps it (to look at with `sqlite3`).
//!
//! With `--http`, issue 8's list target instead (see `http.rs`; ≥ 3,000 req/s, p99 < 20 ms):
//! the release server on the loaded directory, 32 keep-alive clients asking for a subtree's
//! organizations with a tag and a custom field value (~1,000 of the 100,000 match, count
//! included); req/s, p50, p99, each request and the plans of the page and of its count.
//!
//! ```text
//! cargo build --release
//! cargo run --release --example treebench -- --http [--seconds 10] [--clients 32] [--bin target/release/plinth]
//! ```

mod data;
mod http;
#[path = "../support/server.rs"]
mod server;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use plinth::access::{self, Credential, Principal};
use plinth::engine::{self, ActionCall, ActionOutput, Caller, Registry, Restriction, crud, list};
use plinth::store::{Connection, Db, SqlValue, StoreError, paths};
use serde_json::json;

use data::Forest;

pub struct Args {
    pub nodes: usize,
    pub depth: usize,
    pub seconds: u64,
    pub http: bool,
    pub clients: usize,
    pub bin: PathBuf,
    /// Load here (a new directory) and keep it, instead of a temporary directory.
    pub data: Option<PathBuf>,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        nodes: 100_000,
        depth: 20,
        seconds: 2,
        http: false,
        clients: 32,
        bin: PathBuf::from("target/release/plinth"),
        data: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--http" {
            args.http = true;
            continue;
        }
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--nodes" => args.nodes = value.parse()?,
            "--depth" => args.depth = value.parse()?,
            "--seconds" => args.seconds = value.parse()?,
            "--clients" => args.clients = value.parse()?,
            "--bin" => args.bin = PathBuf::from(value),
            "--data" => args.data = Some(PathBuf::from(value)),
            _ => bail!("unknown flag {flag}; see the example's header"),
        }
    }
    ensure!(args.depth >= 3 && args.nodes >= 10 * args.depth && args.seconds > 0, "too small a benchmark");
    Ok(args)
}

/// The administrator, acting for the benchmark.
pub fn admin(user_id: &str) -> Caller {
    let principal = Principal {
        user_id: user_id.into(),
        username: "admin".into(),
        is_staff: true,
        is_superuser: true,
        organization: None,
        credential: Credential::Session,
    };
    Caller { principal: Some(principal), context: plinth::audit::Context { origin: "cli", ..Default::default() } }
}

/// The data directory: `--data` (kept), else a temporary one.
pub struct DataDir {
    path: PathBuf,
    _temporary: Option<tempfile::TempDir>,
}

impl DataDir {
    pub fn new(args: &Args) -> Result<DataDir> {
        if let Some(path) = &args.data {
            ensure!(!path.exists(), "{} exists: --data wants a new directory", path.display());
            return Ok(DataDir { path: path.clone(), _temporary: None });
        }
        let temporary = tempfile::tempdir()?;
        let path = temporary.path().to_path_buf();
        Ok(DataDir { path, _temporary: Some(temporary) })
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

/// Generates the forest and loads it into a fresh data directory whose administrator has
/// `password`; answers the database, the forest and the administrator.
pub fn prepare(args: &Args, dir: &std::path::Path, password: &str) -> Result<(Db, Forest, Caller)> {
    let started = Instant::now();
    let forest = Forest::generate(args.nodes, args.depth);
    let db = plinth::open(&plinth::Config::new(dir))?;
    plinth::bootstrap_admin(&db, Some(password))?;
    let sql = "SELECT id FROM users WHERE username = 'admin'";
    let id: String = db.read(|c| c.query_row(sql, [], |r| r.get(0)).map_err(StoreError::from))?;
    let caller = admin(&id);
    forest.load(&db, plinth::modules::registry(), &caller)?;
    let seconds = started.elapsed().as_secs_f64();
    println!("loaded {} organizations, {} levels, in {seconds:.1} s", args.nodes, args.depth + 1);
    Ok((db, forest, caller))
}

/// Runs `op` for about `budget` (at least 3 times, at most `max_runs`); prints ops/s, p50, p99.
fn measure(name: &str, budget: Duration, max_runs: usize, mut op: impl FnMut() -> Result<()>) -> Result<()> {
    let mut samples = Vec::new();
    let started = Instant::now();
    while samples.len() < 3 || (started.elapsed() < budget && samples.len() < max_runs) {
        let at = Instant::now();
        op().with_context(|| name.to_string())?;
        samples.push(at.elapsed());
    }
    let total: Duration = samples.iter().sum();
    samples.sort_unstable();
    let at = |q: f64| samples[((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let rate = samples.len() as f64 / total.as_secs_f64();
    println!("{name:<44} {:>6} {rate:>10.0} {:>9.3} {:>9.3}", samples.len(), ms(at(0.5)), ms(at(0.99)));
    Ok(())
}

/// Prints `EXPLAIN QUERY PLAN` of `sql` bound to `params` (and LIMIT / OFFSET when it has them).
pub fn print_plan(conn: &Connection, title: &str, sql: &str, params: &[SqlValue]) -> Result<(), StoreError> {
    let mut bound = params.to_vec();
    let placeholders = sql.matches('?').count();
    bound.resize(placeholders.max(bound.len()), SqlValue::Integer(0));
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
    let rows = stmt.query_map(rusqlite::params_from_iter(&bound), |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(3)?))
    })?;
    println!("plan of {title}:");
    let mut depth: Vec<(i64, usize)> = Vec::new();
    for row in rows {
        let (id, parent, detail) = row?;
        let indent = depth.iter().find(|(i, _)| *i == parent).map_or(0, |(_, d)| d + 1);
        depth.push((id, indent));
        println!("  {}{detail}", "  ".repeat(indent));
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    match parse_args().and_then(|args| if args.http { http::run(&args) } else { in_process(&args) }) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("treebench: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn in_process(args: &Args) -> Result<()> {
    let dir = DataDir::new(args)?;
    let (db, forest, caller) = prepare(args, dir.path(), &format!("Bench-{}", plinth::store::new_id()))?;
    let registry: &'static Registry = plinth::modules::registry();
    let model = registry.get("organization").context("no organizations")?;
    let sizes = forest.below_counts(|_| true);
    let id = |n: usize| forest.ids[n].clone();
    let depth = args.depth as i64;
    let top = forest.closest(&sizes, Some(1), usize::MAX);
    let bottom = forest.closest(&sizes, Some(depth - 3), 10);
    let big_root = forest.closest(&sizes, Some(0), usize::MAX);
    let other_root = (0..args.nodes).find(|&n| forest.levels[n] == 0 && n != big_root).context("one root")?;
    let leaf =
        (0..args.nodes).find(|&n| forest.levels[n] == depth && root_of(&forest, n) == big_root).context("no leaf")?;
    let parent_of_many = forest.closest(&sizes, Some(3), usize::MAX);
    let mover = forest.closest(&sizes, None, 5_000);
    let small_mover = forest.closest(&sizes, None, 50);
    let homes = [id(big_root), id(other_root)];
    let deep_parent = forest.first_at(depth - 1);
    let member = member_of_root(&db, &caller, &id(big_root))?;
    let budget = Duration::from_secs(args.seconds);

    let lists = [
        (format!("descendants, level 0 ({} below)", sizes[big_root]), "descendants", big_root),
        (format!("descendants, level 1 ({} below)", sizes[top]), "descendants", top),
        (format!("descendants, level {} ({} below)", depth - 3, sizes[bottom]), "descendants", bottom),
        (format!("ancestors of a leaf at depth {depth}"), "ancestors", leaf),
        (format!("children, level 3 ({} of them)", children_of(&forest, parent_of_many)), "children", parent_of_many),
    ];
    db.read(|conn| {
        for (title, action, node) in &lists {
            let key = id(*node);
            // As the actions ask: ancestors root first.
            let query = if *action == "ancestors" { vec![("ordering".into(), "level".into())] } else { vec![] };
            let statements = list::statements(conn, registry, model, &caller, &query, Some(around(action, &key)))?;
            print_plan(conn, title, &statements.page, &statements.params)?;
            print_plan(conn, &format!("{title}, count"), &statements.count, &statements.params)?;
        }
        Ok::<_, anyhow::Error>(())
    })?;
    let run = |action: &str, key: &str| -> Result<list::Page> {
        let action = model.actions.iter().copied().find(|a| a.name == action).context("no such action")?;
        let call = ActionCall { db: &db, registry, model, caller: &caller, key: Some(key), query: &[], body: None };
        match engine::run_action(action, &call)? {
            ActionOutput::Page(page) => Ok(page),
            _ => bail!("{} answered no page", action.name),
        }
    };
    let ancestors = run("ancestors", &id(leaf))?;
    let first: serde_json::Value = serde_json::from_str(&ancestors.results)?;
    ensure!(ancestors.count == args.depth && first[0]["level"] == 0, "ancestors are the path, root first");

    println!("{:<44} {:>6} {:>10} {:>9} {:>9}", "operation (one thread)", "runs", "ops/s", "p50 ms", "p99 ms");
    for (title, action, node) in &lists {
        let key = id(*node);
        measure(title, budget, 100_000, || run(action, &key).map(drop))?;
    }
    let (inside, outside) = (id(leaf), id(other_root));
    let reach = format!(
        "SELECT EXISTS (SELECT 1 FROM organizations o JOIN organizations mo ON mo.id = ?2 WHERE o.id = ?1 AND {})",
        paths::in_subtree("o", "mo")
    );
    measure("in subtree (the access layer's path range)", budget, 1_000_000, || {
        let inside: bool = db.read(|c| {
            c.prepare_cached(&reach)?.query_row([&inside, &id(big_root)], |r| r.get(0)).map_err(StoreError::from)
        })?;
        ensure!(inside, "the leaf is below its root");
        Ok(())
    })?;
    let elsewhere = db.read(|c| access::holds(c, &member, "organization.view", Some(&outside)))?;
    ensure!(!elsewhere, "the member's reach ends at its root's subtree");
    measure(&format!("access::holds, member of a root ({} below)", sizes[big_root]), budget, 1_000_000, || {
        let held = db.read(|c| access::holds(c, &member, "organization.view", Some(&inside)))?;
        ensure!(held, "a role held at the root holds at depth {depth}");
        Ok(())
    })?;
    for node in [small_mover, mover] {
        let mut flips = homes.iter().cycle();
        measure(&format!("move a subtree of {} nodes", sizes[node] + 1), budget, 50, || {
            let body = json!({ "parent": flips.next() });
            crud::update(&db, registry, model, &caller, &id(node), &body, true)?;
            Ok(())
        })?;
    }
    let mut made = 0;
    measure(&format!("create at depth {depth}"), budget, 100_000, || {
        made += 1;
        let body = json!({ "name": format!("New {made}"), "code": format!("N{made}"), "organization_type": "Team",
                           "parent": id(deep_parent) });
        crud::create(&db, registry, model, &caller, &body)?;
        Ok(())
    })?;
    check_paths(&db)?;
    db.close();
    Ok(())
}

/// The restriction of the tree action named `action` around `key`.
fn around<'a>(action: &str, key: &'a str) -> Restriction<'a> {
    match action {
        "descendants" => Restriction::Descendants(key),
        "ancestors" => Restriction::Ancestors(key),
        _ => Restriction::Children(key),
    }
}

/// How many children `node` has.
fn children_of(forest: &Forest, node: usize) -> usize {
    forest.parents.iter().filter(|p| **p == Some(node)).count()
}

/// The root above `node`.
fn root_of(forest: &Forest, mut node: usize) -> usize {
    while let Some(parent) = forest.parents[node] {
        node = parent;
    }
    node
}

/// A user with the Viewer role in `root` (its whole subtree is in reach).
fn member_of_root(db: &Db, caller: &Caller, root: &str) -> Result<Principal> {
    let user = plinth::modules::users::NewUser {
        username: "member".into(),
        email: String::new(),
        password: "Bench-member-password-1".into(),
        is_staff: false,
        is_superuser: false,
    };
    let user_id = plinth::modules::users::create(db, engine::Author::of(caller), user)?;
    let role: String = db.read(|c| {
        c.query_row("SELECT id FROM roles WHERE name = 'Viewer' AND organization IS NULL", [], |r| r.get(0))
            .map_err(StoreError::from)
    })?;
    let registry = plinth::modules::registry();
    let membership = registry.get("organizationmembership").context("no memberships")?;
    let body = json!({ "user": user_id, "organization": root, "role": role });
    crud::create(db, registry, membership, caller, &body)?;
    Ok(Principal {
        user_id,
        username: "member".into(),
        is_staff: false,
        is_superuser: false,
        organization: None,
        credential: Credential::Session,
    })
}

/// Every node's level and path still follow from its parent's after the moves.
fn check_paths(db: &Db) -> Result<()> {
    let sql = "SELECT count(*) FROM organizations c LEFT JOIN organizations p ON p.id = c.parent \
               WHERE c.tree_path <> coalesce(p.tree_path, '/') || c.id || '/' OR c.level <> coalesce(p.level + 1, 0)";
    let wrong: i64 = db.read(|c| c.query_row(sql, [], |r| r.get(0)).map_err(StoreError::from))?;
    ensure!(wrong == 0, "{wrong} organizations have a level or path their parent does not give");
    println!("levels and paths consistent after the moves");
    Ok(())
}
