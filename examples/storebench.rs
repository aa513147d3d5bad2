//! Group-commit benchmark of the store alone (no HTTP): N threads each insert and delete
//! rows through `Db::write` for a few seconds; prints writes/s, commits/s and the mean batch.
//!
//! `cargo run --release --example storebench -- [seconds]`

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use plinth::store::{Db, StoreConfig, StoreError, Synchronous};

fn run(db: &Db, writers: usize, seconds: u64) {
    let commits_before = db.stats().commits.load(Ordering::Relaxed);
    let end = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let total: u64 = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                scope.spawn(move || {
                    let mut done = 0u64;
                    while Instant::now() < end {
                        let slug = format!("bench-{w}-{done}");
                        let insert = slug.clone();
                        db.write(move |conn| {
                            conn.execute(
                                "INSERT INTO statuses (slug, name, created_at, updated_at) VALUES (?1, ?1, 'x', 'x')",
                                [&insert],
                            )?;
                            Ok::<_, StoreError>(())
                        })
                        .expect("insert");
                        db.write(move |conn| {
                            conn.execute("DELETE FROM statuses WHERE slug = ?1", [&slug])?;
                            Ok::<_, StoreError>(())
                        })
                        .expect("delete");
                        done += 2;
                    }
                    done
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("writer thread")).sum()
    });
    let secs = started.elapsed().as_secs_f64();
    let commits = db.stats().commits.load(Ordering::Relaxed) - commits_before;
    println!(
        "{writers:>3} writers: {:>8.0} writes/s, {:>7.0} commits/s, mean batch {:.1}",
        total as f64 / secs,
        commits as f64 / secs,
        total as f64 / commits.max(1) as f64
    );
}

fn main() {
    let seconds = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(3);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(&StoreConfig { path: dir.path().join("plinth.db"), synchronous: Synchronous::Full, readers: 2 })
        .expect("open database");
    for writers in [1, 32] {
        run(&db, writers, seconds);
    }
    db.close();
}
