//! The SQLite engine: an append-only event log per session in one file in the data directory
//! (WAL, `synchronous=FULL`, `secure_delete=ON`), with snapshots for a fast restart.
//!
//! One writer thread owns the connection. Every request that is waiting when it wakes goes into
//! one transaction (group commit), so many sessions' operations share one fsync. A reply is sent
//! only after the commit returned: a reply of `Ok` means the data survives a crash.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::mpsc;

use super::{
    Engine, Failure, MAX_BATCH, Opened, Request, Restored, Rows, Store, StoreError, Write,
};
use crate::clock::now_ms;

/// Name of the database file inside the data directory.
pub const DB_FILE: &str = "trivsel.sqlite3";
const SCHEMA_VERSION: i64 = 2;
/// The reserve file's name in the data directory (see [`Reserve`]).
const RESERVE_FILE: &str = "trivsel.reserve";

impl StoreError {
    /// An error of SQLite's, marked when it says the disk is full or a code is taken.
    fn sqlite(e: &rusqlite::Error) -> Self {
        let failure = match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => Failure::Full,
            Some(rusqlite::ErrorCode::ConstraintViolation) => Failure::Taken,
            _ => Failure::Other,
        };
        StoreError::with(failure, e.to_string())
    }
}

/// Opens (or creates) the database in `dir` and returns every stored session, rebuilt.
pub(super) fn open(dir: &Path) -> anyhow::Result<Opened> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create data directory {}", dir.display()))?;
    let path = dir.join(DB_FILE);
    let conn = open_connection(&path)?;
    // An erase killed between its commit and its WAL truncation left the erased data in
    // older WAL frames, and SQLite does not empty the WAL on opening: do it before serving.
    truncate_wal(&conn).with_context(|| format!("cannot empty the WAL of {}", path.display()))?;
    let restored = load_all(&conn).with_context(|| format!("cannot read {}", path.display()))?;
    let reserve = Reserve {
        path: dir.join(RESERVE_FILE),
    };
    reserve.ensure();
    let (tx, rx) = mpsc::channel(MAX_BATCH);
    std::thread::Builder::new()
        .name("trivsel-store".into())
        .spawn(move || writer(conn, rx, reserve))
        .context("cannot start the storage thread")?;
    // SQLite has nothing to tell: every session is this node's.
    let (_, notices) = mpsc::unbounded_channel();
    Ok(Opened {
        store: Store {
            tx,
            engine: Engine::Sqlite(Arc::new(path)),
        },
        restored,
        notices,
    })
}

/// The session `code` as it is stored. Reads only, so it works on a full disk too.
pub(super) async fn load(
    path: Arc<PathBuf>,
    code: String,
) -> anyhow::Result<crate::domain::Session> {
    read(path, code.clone())
        .await?
        .map(|r| r.session)
        .ok_or_else(|| anyhow::anyhow!("session {code} is not stored"))
}

/// The session `code` as it is stored, if it is.
pub(super) async fn read(path: Arc<PathBuf>, code: String) -> anyhow::Result<Option<Restored>> {
    tokio::task::spawn_blocking(move || {
        let conn = Connection::open_with_flags(
            path.as_path(),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?;
        let row: Option<(String, i64)> = conn
            .query_row(
                "SELECT created, last_active_ms FROM sessions WHERE code = ?1",
                [&code],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        row.map(|(created, last_active_ms)| load_one(&conn, &code, created, last_active_ms))
            .transpose()
    })
    .await?
}

/// Copies the database in `dir` to the new file `to`, consistently, with SQLite's online backup:
/// all pages in one step, so in one read transaction, which a trivsel writing the database at the
/// same time does not disturb (in WAL mode readers and the writer do not wait for each other).
pub fn backup(dir: &Path, to: &Path) -> anyhow::Result<()> {
    let from = dir.join(DB_FILE);
    anyhow::ensure!(from.exists(), "there is no database at {}", from.display());
    anyhow::ensure!(
        !to.exists(),
        "{} exists already; trivsel does not overwrite it",
        to.display()
    );
    let source =
        Connection::open(&from).with_context(|| format!("cannot open {}", from.display()))?;
    source.busy_timeout(Duration::from_secs(10))?;
    let mut copy =
        Connection::open(to).with_context(|| format!("cannot create {}", to.display()))?;
    let copied = rusqlite::backup::Backup::new(&source, &mut copy).and_then(|backup| {
        use rusqlite::backup::StepResult;
        // -1: every page in this step. Busy or locked (a checkpoint running): a moment later.
        for _ in 0..600 {
            match backup.step(-1)? {
                StepResult::Done => return Ok(()),
                StepResult::More | StepResult::Busy | StepResult::Locked => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                _ => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            Some("the database stayed busy for 30 s".into()),
        ))
    });
    if let Err(e) = copied {
        drop(copy);
        let _ = std::fs::remove_file(to);
        return Err(e).with_context(|| format!("cannot copy {}", from.display()));
    }
    let check: String = copy.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
    anyhow::ensure!(check == "ok", "the copy is damaged: {check}");
    // One file: the copy's WAL folded back.
    copy.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

fn open_connection(path: &PathBuf) -> anyhow::Result<Connection> {
    let conn = Connection::open(path)
        .with_context(|| format!("cannot open database {}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))
        .with_context(|| format!("cannot write to {}", path.display()))?;
    anyhow::ensure!(
        mode.eq_ignore_ascii_case("wal"),
        "the database refused WAL mode ({mode})"
    );
    conn.execute_batch(
        "PRAGMA synchronous=FULL;
         PRAGMA secure_delete=ON;
         PRAGMA foreign_keys=ON;
         CREATE TABLE IF NOT EXISTS sessions (
             code TEXT PRIMARY KEY,
             created TEXT NOT NULL
         );
         CREATE TABLE IF NOT EXISTS events (
             code TEXT NOT NULL REFERENCES sessions(code) ON DELETE CASCADE,
             seq INTEGER NOT NULL,
             body TEXT NOT NULL,
             PRIMARY KEY (code, seq)
         ) WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS snapshots (
             code TEXT PRIMARY KEY REFERENCES sessions(code) ON DELETE CASCADE,
             seq INTEGER NOT NULL,
             body TEXT NOT NULL
         );",
    )
    .with_context(|| format!("cannot write to {}", path.display()))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    match version {
        // Version 2 records each session's last activity, for retention. Sessions from before
        // count as active now: they get their full retention period from this start.
        0 | 1 => conn.execute_batch(&format!(
            "ALTER TABLE sessions ADD COLUMN last_active_ms INTEGER NOT NULL DEFAULT 0;
             UPDATE sessions SET last_active_ms = {};
             PRAGMA user_version={SCHEMA_VERSION};",
            now_ms()
        ))?,
        SCHEMA_VERSION => {}
        other => anyhow::bail!(
            "{} has schema version {other}; this trivsel knows {SCHEMA_VERSION}",
            path.display()
        ),
    }
    Ok(conn)
}

/// Folds every WAL frame back into the database file and truncates the WAL to nothing. With
/// `secure_delete` on, deleted rows and freed pages are zeroes in the database, so after this no
/// file holds what was deleted.
fn truncate_wal(conn: &Connection) -> rusqlite::Result<()> {
    let (busy, _, _): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?;
    if busy != 0 {
        // Only this process's one connection uses the file; another process holds it open.
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            Some("the WAL checkpoint was blocked".into()),
        ));
    }
    Ok(())
}

fn load_all(conn: &Connection) -> anyhow::Result<Vec<Restored>> {
    let mut sessions = Vec::new();
    let mut list =
        conn.prepare("SELECT code, created, last_active_ms FROM sessions ORDER BY code")?;
    let rows = list.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (code, created, last_active_ms) = row?;
        let restored = load_one(conn, &code, created, last_active_ms)
            .with_context(|| format!("session {code} is damaged"))?;
        sessions.push(restored);
    }
    Ok(sessions)
}

fn load_one(
    conn: &Connection,
    code: &str,
    created: String,
    last_active_ms: i64,
) -> anyhow::Result<Restored> {
    let snapshot: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, body FROM snapshots WHERE code = ?1",
            [code],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let from = snapshot.as_ref().map_or(0, |(seq, _)| *seq);
    let mut select =
        conn.prepare("SELECT seq, body FROM events WHERE code = ?1 AND seq > ?2 ORDER BY seq")?;
    let events = select
        .query_map(params![code, from], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Rows {
        created,
        last_active_ms,
        snapshot,
        events,
    }
    .rebuild(code)
}

/// The writer loop: wait for one request, take every other one already queued, commit them in
/// one transaction, then answer each. A delete the full disk refused is tried once more after
/// the reserve file is given up (and the reserve is made again once there is room).
fn writer(mut conn: Connection, mut rx: mpsc::Receiver<Request>, reserve: Reserve) {
    while let Some(first) = rx.blocking_recv() {
        let batch = super::batch_after(first, &mut rx);
        let started = std::time::Instant::now();
        let mut results = commit(&mut conn, &batch);
        crate::metrics::commit_took(started.elapsed().as_secs_f64());
        let refused_deletes: Vec<usize> = (0..batch.len())
            .filter(|&i| {
                matches!(batch[i].write, Write::Delete { .. })
                    && results[i].as_ref().is_err_and(StoreError::is_full)
            })
            .collect();
        if !refused_deletes.is_empty() && reserve.release() {
            tracing::warn!("the disk is full: the reserve is given up so a session can be deleted");
            let retry: Vec<&Request> = refused_deletes.iter().map(|&i| &batch[i]).collect();
            for (i, result) in refused_deletes.iter().zip(commit_refs(&mut conn, &retry)) {
                results[*i] = result;
            }
        }
        let erased = batch.iter().zip(&results).any(|(r, result)| {
            result.is_ok()
                && matches!(
                    r.write,
                    Write::Delete { .. } | Write::Checkpoint | Write::Append { erase: true, .. }
                )
        });
        if erased {
            // Deleted pages were overwritten in the WAL; fold the WAL back and empty it so no
            // copy of the deleted data stays behind in either file. Should this fail (or the
            // process die first), the next erase or the next start does it again.
            if let Err(e) = truncate_wal(&conn) {
                tracing::warn!(error = %e, "checkpoint after delete failed");
            }
            reserve.ensure();
        }
        for (request, result) in batch.into_iter().zip(results) {
            let _ = request.reply.send(result);
        }
    }
}

fn commit(conn: &mut Connection, batch: &[Request]) -> Vec<Result<(), StoreError>> {
    commit_refs(conn, &batch.iter().collect::<Vec<_>>())
}

/// Commits `batch` in one transaction, each request in its own savepoint: one refused write
/// does not refuse the others, unless the commit itself fails.
fn commit_refs(conn: &mut Connection, batch: &[&Request]) -> Vec<Result<(), StoreError>> {
    let mut results: Vec<Result<(), StoreError>> = Vec::with_capacity(batch.len());
    let committed = (|| -> rusqlite::Result<()> {
        let mut tx = conn.transaction()?;
        for request in batch {
            let mut savepoint = tx.savepoint()?;
            match execute(&savepoint, &request.write) {
                Ok(()) => {
                    savepoint.commit()?;
                    results.push(Ok(()));
                }
                Err(e) => {
                    savepoint.rollback()?;
                    drop(savepoint);
                    results.push(Err(StoreError::sqlite(&e)));
                }
            }
        }
        tx.commit()
    })();
    if let Err(e) = committed {
        tracing::error!(error = %e, "commit failed; {} requests refused", batch.len());
        results = batch.iter().map(|_| Err(StoreError::sqlite(&e))).collect();
    }
    results
}

/// A file of zeroes beside the database, given up when the disk is full so that a session can
/// still be deleted (with `secure_delete` a delete writes every page it frees to the WAL first).
struct Reserve {
    path: PathBuf,
}

impl Reserve {
    /// How much room the reserve holds: enough to delete a session of about this size.
    const BYTES: usize = 8 * 1024 * 1024;

    /// Makes the reserve if it is missing and there is room (a failure only means none now).
    fn ensure(&self) {
        if self.path.exists() {
            return;
        }
        let written = std::fs::write(&self.path, vec![0u8; Self::BYTES]);
        if written.is_err() {
            let _ = std::fs::remove_file(&self.path);
        }
    }

    /// Gives the reserve up; whether there was one.
    fn release(&self) -> bool {
        std::fs::remove_file(&self.path).is_ok()
    }
}

fn execute(conn: &Connection, write: &Write) -> rusqlite::Result<()> {
    match write {
        Write::Create { sessions } => {
            let mut insert = conn.prepare_cached(
                "INSERT INTO sessions (code, created, last_active_ms) VALUES (?1, ?2, ?3)",
            )?;
            for (code, created) in sessions {
                insert.execute(params![code, created, now_ms()])?;
            }
        }
        Write::Append {
            code,
            first_seq,
            events,
            snapshot,
            active,
            ..
        } => {
            let mut insert =
                conn.prepare_cached("INSERT INTO events (code, seq, body) VALUES (?1, ?2, ?3)")?;
            for (i, body) in events.iter().enumerate() {
                insert.execute(params![code, (*first_seq + i as u64) as i64, body])?;
            }
            if *active {
                conn.prepare_cached("UPDATE sessions SET last_active_ms = ?2 WHERE code = ?1")?
                    .execute(params![code, now_ms()])?;
            }
            if let Some((seq, body)) = snapshot {
                conn.execute(
                    "INSERT INTO snapshots (code, seq, body) VALUES (?1, ?2, ?3)
                     ON CONFLICT(code) DO UPDATE SET seq = excluded.seq, body = excluded.body",
                    params![code, *seq as i64, body],
                )?;
                conn.execute(
                    "DELETE FROM events WHERE code = ?1 AND seq <= ?2",
                    params![code, *seq as i64],
                )?;
            }
        }
        Write::Delete { code } => {
            conn.execute("DELETE FROM events WHERE code = ?1", [code])?;
            conn.execute("DELETE FROM snapshots WHERE code = ?1", [code])?;
            conn.execute("DELETE FROM sessions WHERE code = ?1", [code])?;
        }
        // Every session is this node's own.
        Write::Checkpoint | Write::Claim { .. } | Write::Release { .. } | Write::Owns { .. } => {}
    }
    Ok(())
}
