//! The writer's group commit: many concurrent writes share commits, a failing or panicking
//! write inside a batch is rolled back alone, and a reply means the change is visible.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use plinth::store::{Db, StoreConfig, StoreError, Synchronous};

fn open_db(dir: &tempfile::TempDir) -> Db {
    Db::open(&StoreConfig { path: dir.path().join("plinth.db"), synchronous: Synchronous::Full, readers: 2 })
        .expect("database opens")
}

fn insert_status(db: &Db, slug: String, then_fail: bool) -> Result<(), StoreError> {
    db.write(move |conn| {
        conn.execute(
            "INSERT INTO statuses (slug, name, created_at, updated_at) VALUES (?1, ?1, 'now', 'now')",
            [&slug],
        )?;
        if then_fail { Err(StoreError::WriterStopped) } else { Ok(()) }
    })
}

fn slugs(db: &Db) -> Vec<String> {
    db.read(|conn| {
        let mut stmt = conn.prepare("SELECT slug FROM statuses ORDER BY slug")?;
        let rows = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
        Ok::<_, StoreError>(rows)
    })
    .expect("read")
}

#[test]
fn failing_writes_in_a_batch_leave_the_others_committed() {
    let dir = tempfile::tempdir().expect("dir");
    let db = open_db(&dir);
    const WRITERS: usize = 24;
    let queued = Arc::new(AtomicUsize::new(0));
    // Hold the writer busy until every other write has been handed over, so that they
    // queue up and are committed together.
    let gate = {
        let (db, queued) = (db.clone(), queued.clone());
        std::thread::spawn(move || {
            db.write(move |_| {
                while queued.load(Ordering::SeqCst) < WRITERS {
                    std::thread::yield_now();
                }
                Ok::<_, StoreError>(())
            })
        })
    };
    let commits_before = db.stats().commits.load(Ordering::SeqCst);
    let threads: Vec<_> = (0..WRITERS)
        .map(|i| {
            let (db, queued) = (db.clone(), queued.clone());
            std::thread::spawn(move || {
                queued.fetch_add(1, Ordering::SeqCst);
                insert_status(&db, format!("s{i:02}"), i % 3 == 0)
            })
        })
        .collect();
    let outcomes: Vec<_> = threads.into_iter().map(|t| t.join().expect("thread")).collect();
    gate.join().expect("gate").expect("gate write");
    for (i, outcome) in outcomes.iter().enumerate() {
        assert_eq!(outcome.is_ok(), i % 3 != 0, "write {i}: {outcome:?}");
    }
    let expected: Vec<String> = (0..WRITERS).filter(|i| i % 3 != 0).map(|i| format!("s{i:02}")).collect();
    let present: Vec<String> = slugs(&db).into_iter().filter(|s| s.starts_with('s') && s.len() == 3).collect();
    assert_eq!(present, expected, "exactly the successful writes are stored");
    let commits = db.stats().commits.load(Ordering::SeqCst) - commits_before;
    assert!(commits < WRITERS as u64 / 2, "{WRITERS} writes should share commits, took {commits}");
    db.close();
}

#[test]
fn a_panicking_write_is_rolled_back_and_the_writer_survives() {
    let dir = tempfile::tempdir().expect("dir");
    let db = open_db(&dir);
    let panicked = db.write(|conn| -> Result<(), StoreError> {
        conn.execute(
            "INSERT INTO statuses (slug, name, created_at, updated_at) VALUES ('boom', 'boom', 'x', 'x')",
            [],
        )?;
        panic!("a bug in a write closure");
    });
    assert!(matches!(panicked, Err(StoreError::WritePanicked)), "{panicked:?}");
    insert_status(&db, "after".into(), false).expect("the writer still works");
    let all = slugs(&db);
    assert!(all.contains(&"after".to_string()));
    assert!(!all.contains(&"boom".to_string()), "the panicking write was rolled back");
    db.close();
}

#[test]
fn writes_after_close_are_refused_and_data_survives_reopening() {
    let dir = tempfile::tempdir().expect("dir");
    let db = open_db(&dir);
    insert_status(&db, "kept".into(), false).expect("write");
    db.close();
    assert!(matches!(insert_status(&db, "late".into(), false), Err(StoreError::WriterStopped)));
    let reopened = open_db(&dir);
    assert!(slugs(&reopened).contains(&"kept".to_string()));
    reopened.close();
}

#[test]
fn the_wal_is_checkpointed_off_the_commit_path_and_reset_when_idle() {
    let dir = tempfile::tempdir().expect("dir");
    let db = open_db(&dir);
    let wal = dir.path().join("plinth.db-wal");
    // Far more than SQLite's automatic threshold of 1,000 pages, each write its own commit.
    let padding = "x".repeat(3000);
    for i in 0..1500 {
        let (id, body) = (format!("m{i}"), format!("{i}{padding}"));
        db.write(move |conn| {
            conn.execute(
                "INSERT INTO mail_outbox (id, created_at, to_address, subject, body) VALUES (?1, 'now', 'a@b.c', 's', ?2)",
                [&id, &body],
            )?;
            Ok::<_, StoreError>(())
        })
        .expect("write");
    }
    let count: i64 = db
        .read(|conn| conn.query_row("SELECT COUNT(*) FROM mail_outbox", [], |r| r.get(0)).map_err(StoreError::from))
        .expect("count");
    assert_eq!(count, 1500);
    // Once writes pause, the checkpointer copies everything and truncates the WAL.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > 0 {
        assert!(std::time::Instant::now() < deadline, "the WAL was never reset");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    db.close();
}

#[test]
fn cached_joins_are_not_planned_again_on_every_execution() {
    // Regression: with SQLite 3.54 a join or ORDER BY with `col = ?` was parsed and planned
    // again on each execution once the statement cache cleared its bindings.
    let dir = tempfile::tempdir().expect("dir");
    let db = open_db(&dir);
    let sql = "SELECT u.id FROM auth_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?1 ORDER BY u.id";
    let reprepared = db
        .read(|conn| {
            for i in 0..5 {
                conn.prepare_cached(sql)?.query_row([format!("token-{i}")], |_| Ok(())).ok();
            }
            Ok::<_, StoreError>(conn.prepare_cached(sql)?.get_status(rusqlite::StatementStatus::RePrepare))
        })
        .expect("read");
    assert_eq!(reprepared, 0);
    db.close();
}
