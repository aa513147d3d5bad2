//! The chain head anchored outside the database (DESIGN.md §7): after every commit the newest
//! entry's position and hash are written to `<data>/audit.head`, so deleting entries from the
//! end of the trail — which the chain alone cannot reveal — shows as a head that no longer
//! matches. The file is copied into backups; `plinth audit head` prints the head for records
//! kept off the machine.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::store::{Connection, OptionalExtension, StoreError};

/// File name of the anchored head inside the data directory.
pub const FILE: &str = "audit.head";

/// A position in the chain and the hash of the entry there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

impl Head {
    /// The fixed-width line stored in the file: a rewrite never leaves a longer old tail.
    fn line(&self) -> String {
        format!("{:020} {}\n", self.seq, self.hash)
    }

    /// Parses `SEQ HASH` or `SEQ:HASH` (as `audit head` prints and `audit verify --head` takes).
    pub fn parse(text: &str) -> Option<Head> {
        let (seq, hash) = text.trim().split_once([' ', ':'])?;
        let hash = hash.trim();
        let valid = hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit());
        Some(Head { seq: seq.trim().trim_start_matches('#').parse().ok().filter(|s| *s >= 1)?, hash: hash.to_string() })
            .filter(|_| valid)
    }
}

/// The newest entry of the trail, if any.
pub fn current(conn: &Connection) -> Result<Option<Head>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT id, hash FROM audit_logs ORDER BY id DESC LIMIT 1")?
        .query_row([], |r| Ok(Head { seq: r.get(0)?, hash: r.get(1)? }))
        .optional()?)
}

/// Where the head of the trail in `data_dir` is anchored.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// Reads the anchored head: `Ok(None)` when there is no file yet, `Err` with a description when
/// it cannot be read or makes no sense.
pub fn read(path: &Path) -> Result<Option<Head>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Head::parse(&text).map(Some).ok_or_else(|| format!("{} is not a valid head", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Why the trail disagrees with an anchored head, if it does.
pub fn disagreement(conn: &Connection, head: &Head) -> Result<Option<String>, StoreError> {
    let stored: Option<String> = conn
        .prepare_cached("SELECT hash FROM audit_logs WHERE id = ?1")?
        .query_row([head.seq], |r| r.get(0))
        .optional()?;
    Ok(match stored {
        Some(hash) if hash == head.hash => None,
        Some(_) => Some(format!("entry #{} is not the one anchored (its hash differs)", head.seq)),
        None => {
            let last = current(conn)?.map_or(0, |h| h.seq);
            Some(format!(
                "the trail ends at entry #{last} but entry #{} was anchored: entries were removed from its end",
                head.seq
            ))
        }
    })
}

/// Keeps the anchor file current from the writer thread.
pub struct Anchor {
    file: File,
    /// The head last written.
    written: Option<Head>,
    /// Set once the trail disagreed with the anchored head: the file is then kept as evidence.
    frozen: bool,
}

impl Anchor {
    /// Opens (or creates) the anchor for the trail in `conn`'s database. When the existing
    /// file disagrees with the trail, the anchor is frozen — never rewritten, so the evidence
    /// stays — and the disagreement is answered.
    pub fn open(path: &Path, conn: &Connection) -> Result<(Anchor, Option<String>), StoreError> {
        let io = |e: std::io::Error| StoreError::File(format!("{}: {e}", path.display()));
        let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path).map_err(io)?;
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(io)?;
        let anchored = Head::parse(&text);
        let problem = match (text.trim().is_empty(), &anchored) {
            (true, _) => None,
            (false, None) => Some(format!("{} is not a valid head", path.display())),
            (false, Some(head)) => disagreement(conn, head)?,
        };
        let mut anchor = Anchor { file, written: anchored, frozen: problem.is_some() };
        anchor.update(conn)?;
        Ok((anchor, problem))
    }

    /// Writes the newest entry's head when the trail grew (after a commit). A trail that no
    /// longer holds the head written last — entries removed while running — freezes the
    /// anchor and is answered as an error. No fsync: the file may lag after a power cut,
    /// never run ahead of a durable commit.
    pub fn update(&mut self, conn: &Connection) -> Result<(), StoreError> {
        let Some(head) = current(conn)? else { return Ok(()) };
        if self.frozen || self.written.as_ref() == Some(&head) {
            return Ok(());
        }
        if let Some(written) = &self.written
            && let Some(problem) = disagreement(conn, written)?
        {
            self.frozen = true;
            return Err(StoreError::File(format!("audit trail: {problem}; {FILE} is kept as evidence")));
        }
        let io = |e: std::io::Error| StoreError::File(format!("{FILE}: {e}"));
        self.file.seek(SeekFrom::Start(0)).map_err(io)?;
        self.file.write_all(head.line().as_bytes()).map_err(io)?;
        self.written = Some(head);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_parse_in_both_printed_forms() {
        let hash = "ab".repeat(32);
        let head = Head { seq: 42, hash: hash.clone() };
        assert_eq!(Head::parse(&head.line()), Some(head.clone()));
        assert_eq!(Head::parse(&format!("42:{hash}")), Some(head.clone()));
        assert_eq!(Head::parse(&format!("#42 {hash}")), Some(head));
        for bad in ["", "42", "x 00", &format!("0 {hash}"), &format!("42 {}", "zz".repeat(32)), &format!("42 {hash}0")]
        {
            assert_eq!(Head::parse(bad), None, "{bad:?}");
        }
    }
}
