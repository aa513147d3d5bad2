//! The benchmark's organizations: a forest grown level by level (2 roots, four times as many
//! nodes per level until the levels share the rest evenly), each node's parent drawn at random
//! from the level above, with tags and a `region` custom field drawn per node. Loaded with SQL
//! in one write: level and tree_path as the engine computes them (`plinth::store::paths::path_under`), tags
//! through the link table, the custom field defined through the engine.

use anyhow::{Context, Result};
use plinth::engine::{Caller, Registry, crud};
use plinth::store::{Db, StoreError, new_id, now};
use serde_json::json;

/// Tags and the share of nodes carrying each.
pub const TAGS: [(&str, f64); 2] = [("retail", 0.5), ("priority", 0.1)];
/// The values of the `region` custom field, drawn uniformly.
pub const REGIONS: [&str; 4] = ["north", "south", "east", "west"];

/// The generated forest; node `i`'s parent always comes before it.
pub struct Forest {
    pub ids: Vec<String>,
    pub parents: Vec<Option<usize>>,
    pub levels: Vec<i64>,
    /// Bit `t` set: the node carries `TAGS[t]`.
    pub tags: Vec<u8>,
    /// Index into `REGIONS`.
    pub regions: Vec<usize>,
}

/// xorshift64*: a fixed seed makes every run load the same forest.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

impl Forest {
    /// `nodes` nodes on levels 0 to `depth`.
    pub fn generate(nodes: usize, depth: usize) -> Forest {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut forest = Forest { ids: vec![], parents: vec![], levels: vec![], tags: vec![], regions: vec![] };
        let mut above: std::ops::Range<usize> = 0..0;
        for level in 0..=depth {
            let left = nodes - forest.ids.len();
            let even = left / (depth + 1 - level);
            let size = if level == depth { left } else { even.min(2 << (2 * level).min(40)) }.max(1);
            let start = forest.ids.len();
            for _ in 0..size {
                let parent = (level > 0).then(|| above.start + rng.below(above.len()));
                let tags = TAGS.iter().enumerate().filter(|(_, (_, p))| rng.chance(*p)).fold(0, |b, (t, _)| b | 1 << t);
                forest.ids.push(new_id());
                forest.parents.push(parent);
                forest.levels.push(level as i64);
                forest.tags.push(tags);
                forest.regions.push(rng.below(REGIONS.len()));
            }
            above = start..forest.ids.len();
        }
        forest
    }

    /// Per node, how many nodes strictly below it pass `keep`.
    pub fn below_counts(&self, keep: impl Fn(usize) -> bool) -> Vec<usize> {
        let mut counts = vec![0; self.ids.len()];
        for node in (0..self.ids.len()).rev() {
            if let Some(parent) = self.parents[node] {
                counts[parent] += counts[node] + usize::from(keep(node));
            }
        }
        counts
    }

    /// The node of `level` (any level for `None`) whose count is closest to `wanted`.
    pub fn closest(&self, counts: &[usize], level: Option<i64>, wanted: usize) -> usize {
        (0..self.ids.len())
            .filter(|&n| level.is_none_or(|l| self.levels[n] == l))
            .min_by_key(|&n| counts[n].abs_diff(wanted))
            .unwrap_or(0)
    }

    /// The first node of `level`.
    pub fn first_at(&self, level: i64) -> usize {
        self.levels.iter().position(|&l| l == level).unwrap_or(0)
    }

    /// Loads the forest into the organizations of `db`: tags and the custom field definition
    /// through the engine, the nodes and their tag links with SQL in one write.
    pub fn load(&self, db: &Db, registry: &'static Registry, caller: &Caller) -> Result<()> {
        let model = |name: &str| registry.get(name).with_context(|| format!("no model {name}"));
        let mut slugs = Vec::new();
        for (name, _) in TAGS {
            let tag = crud::create(db, registry, model("tag")?, caller, &json!({ "name": name }))?;
            slugs.push(tag["slug"].as_str().unwrap_or(name).to_string());
        }
        let region = json!({ "model": "organization", "key": "region", "label": "Region", "type": "choice",
                             "choices": REGIONS });
        crud::create(db, registry, model("customfield")?, caller, &region)?;
        let mut paths: Vec<String> = Vec::with_capacity(self.ids.len());
        let mut rows = Vec::with_capacity(self.ids.len());
        for (node, id) in self.ids.iter().enumerate() {
            let parent = self.parents[node];
            paths.push(plinth::store::paths::path_under(parent.map(|p| paths[p].as_str()), id));
            let fields = json!({ "region": REGIONS[self.regions[node]] }).to_string();
            rows.push((
                id.clone(),
                parent.map(|p| self.ids[p].clone()),
                self.levels[node],
                paths[node].clone(),
                fields,
            ));
        }
        let slugs = &slugs;
        let links: Vec<(String, String)> = (0..self.ids.len())
            .flat_map(|node| {
                let tagged = (0..TAGS.len()).filter(move |t| self.tags[node] & (1 << t) != 0);
                tagged.map(move |t| (self.ids[node].clone(), slugs[t].clone()))
            })
            .collect();
        db.write(move |conn| {
            let at = now();
            let mut insert = conn.prepare(
                "INSERT INTO organizations (id, name, code, organization_type, parent, level, tree_path, \
                 custom_fields, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
            )?;
            for (n, (id, parent, level, path, fields)) in rows.iter().enumerate() {
                let kind = if parent.is_none() { "Company" } else { "Department" };
                let name = format!("Org {:05x} {n}", (n as u64).wrapping_mul(0x9E37_79B9) & 0xF_FFFF);
                let code = format!("B{n}");
                insert.execute(rusqlite::params![id, name, code, kind, parent, level, path, fields, at])?;
            }
            let mut link = conn.prepare("INSERT INTO organizations_tags (organization, tag) VALUES (?1, ?2)")?;
            for (organization, tag) in &links {
                link.execute([organization, tag])?;
            }
            Ok::<_, StoreError>(())
        })?;
        Ok(())
    }
}
