//! Durable storage behind one interface, [`Store`], with two engines: SQLite in the data
//! directory (the default, [`sqlite`]) and PostgreSQL shared by several nodes
//! (`--database postgres://…`, [`postgres`]). Both keep the same three records per session — the
//! creation record, an append-only event log and the latest snapshot — and make the same
//! promises:
//!
//! - **Nothing is acknowledged before it is committed.** A write's reply is sent only after the
//!   transaction that holds it committed: `Ok` means it survives a crash.
//! - **Group commit.** One writer per engine takes every request waiting when it wakes and
//!   commits them in one transaction; one refused request does not refuse the others.
//! - **Erasure.** Deleting a session, or an erasing write (a forget, carried items leaving),
//!   removes the rows and then what the engine keeps of them: SQLite empties its WAL, PostgreSQL
//!   runs `VACUUM` (see `docs/DEPLOY.md` for what each keeps until then).
//!
//! With PostgreSQL a session also has an **owner**: the one node that runs it, holding the
//! session's advisory lock on its writer connection. The writer refuses every write for a
//! session whose lock it does not hold, so two nodes can never both write one session.
//! [`Store::claim`] takes a session over; [`Store::release`] hands it back. SQLite is one node's
//! own: every session is its.

pub mod postgres;
pub mod sqlite;

pub use sqlite::DB_FILE;

use std::path::Path;

use tokio::sync::{mpsc, oneshot};

use crate::domain::{Created, Event, JoinCode, Session};

/// Most requests committed in one transaction.
const MAX_BATCH: usize = 4096;

/// Why a write was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// Anything else (the message says what).
    Other,
    /// The disk (or the file system's quota) is full.
    Full,
    /// A join code is already taken (by a session of another node, say).
    Taken,
    /// This node does not run the session (another node took it over, or the connection that
    /// held it was lost).
    NotOwner,
}

/// The store failed to write; whatever was asked was not stored.
#[derive(Debug, thiserror::Error)]
#[error("storage failed: {message}")]
pub struct StoreError {
    message: String,
    failure: Failure,
}

impl StoreError {
    fn new(message: impl Into<String>) -> Self {
        StoreError {
            message: message.into(),
            failure: Failure::Other,
        }
    }

    fn with(failure: Failure, message: impl Into<String>) -> Self {
        StoreError {
            message: message.into(),
            failure,
        }
    }

    /// The session's actor or the storage thread is no longer there.
    pub fn gone() -> Self {
        StoreError::new("the session is no longer running")
    }

    /// Whether the write failed because the disk is full.
    pub fn is_full(&self) -> bool {
        self.failure == Failure::Full
    }

    /// Whether a new session's code is taken already: draw another.
    pub fn is_taken(&self) -> bool {
        self.failure == Failure::Taken
    }

    /// Whether this node no longer runs the session (PostgreSQL only).
    pub fn is_not_owner(&self) -> bool {
        self.failure == Failure::NotOwner
    }
}

/// A stored session, rebuilt, with the time of its last stored change.
#[derive(Debug)]
pub struct Restored {
    /// The session as it was last acknowledged.
    pub session: Session,
    /// When it last changed (ms since the epoch): its creation or its latest events.
    pub last_active_ms: i64,
}

/// What the store tells the registry without being asked (PostgreSQL only).
#[derive(Debug)]
pub enum Notice {
    /// Another node erased something in an earlier meeting of this session's series: drop the
    /// carried items the earlier meetings no longer produce (if this node runs it).
    Prune(JoinCode),
    /// The connection that held these sessions was lost: another node may run them now. Their
    /// actors must stop at once.
    Lost(Vec<JoinCode>),
}

/// Whether this node may run a session (see [`Store::claim`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// It is this node's now (or was already).
    Owned,
    /// Another live node runs it.
    Elsewhere,
}

/// A store, just opened: the handle, the sessions it held (SQLite: all of them, to be run
/// here; PostgreSQL: none — each is taken over when first asked for) and its notices.
pub struct Opened {
    /// The store.
    pub store: Store,
    /// The sessions to start now.
    pub restored: Vec<Restored>,
    /// What the store tells the registry.
    pub notices: mpsc::UnboundedReceiver<Notice>,
}

/// A cheap, cloneable handle to the storage engine.
#[derive(Clone, Debug)]
pub struct Store {
    /// Writes, to the engine's one writer.
    tx: mpsc::Sender<Request>,
    engine: Engine,
}

#[derive(Clone, Debug)]
enum Engine {
    /// The database file, for reading a session back.
    Sqlite(std::sync::Arc<std::path::PathBuf>),
    /// Reads go to the PostgreSQL thread's pool.
    Postgres(postgres::Reader),
}

/// One write, as the writer gets it: codes as text, records already serialised.
#[derive(Debug)]
enum Write {
    /// New sessions: all of them or none (a series is created whole).
    Create {
        sessions: Vec<(String, String)>,
    },
    Append {
        code: String,
        first_seq: u64,
        events: Vec<String>,
        snapshot: Option<(u64, String)>,
        /// Erase what the replaced events held from the engine's files too.
        erase: bool,
        /// Whether the events count as activity, keeping the session from its deletion date.
        active: bool,
    },
    Delete {
        code: String,
    },
    /// Writes nothing; only finishes an earlier erase (SQLite: empties the WAL; PostgreSQL:
    /// `VACUUM`), see [`Store::checkpoint`].
    Checkpoint,
    /// Takes the session's lock (PostgreSQL).
    Claim {
        code: String,
    },
    /// Gives the session's lock back (PostgreSQL).
    Release {
        code: String,
    },
    /// Whether this node holds the session's lock (PostgreSQL).
    Owns {
        code: String,
    },
}

#[derive(Debug)]
struct Request {
    write: Write,
    reply: oneshot::Sender<Result<(), StoreError>>,
}

/// Where the data is: a directory (SQLite) or a PostgreSQL server.
#[derive(Clone, Debug)]
pub enum Location<'a> {
    /// `<dir>/trivsel.sqlite3`.
    Directory(&'a Path),
    /// A PostgreSQL database, named `node` in its connection list.
    Postgres {
        /// The database.
        url: &'a crate::config::DatabaseUrl,
        /// This node's name for PostgreSQL's `application_name` (e.g. its address).
        node: &'a str,
    },
}

impl Store {
    /// Opens (or creates) the store. With SQLite, every stored session comes back rebuilt;
    /// with PostgreSQL none does (a node takes a session over when it is asked for it).
    pub fn open(location: Location<'_>) -> anyhow::Result<Opened> {
        match location {
            Location::Directory(dir) => sqlite::open(dir),
            Location::Postgres { url, node } => postgres::open(url, node),
        }
    }

    /// Whether several nodes share this store (PostgreSQL): sessions are taken over on demand
    /// and may be run by another node.
    pub fn is_shared(&self) -> bool {
        matches!(self.engine, Engine::Postgres(_))
    }

    /// The session `code` as it is stored: what every acknowledged write made it. For the
    /// session's own actor after a refused write; an error when this node no longer runs the
    /// session (PostgreSQL). Reads only, so it works on a full disk too.
    pub async fn load(&self, code: &JoinCode) -> anyhow::Result<Session> {
        match &self.engine {
            Engine::Sqlite(path) => sqlite::load(path.clone(), code.to_string()).await,
            Engine::Postgres(reader) => {
                self.write(Write::Owns {
                    code: code.to_string(),
                })
                .await?;
                let restored = reader.fetch(code).await?;
                restored
                    .map(|r| r.session)
                    .ok_or_else(|| anyhow::anyhow!("session {code} is not stored"))
            }
        }
    }

    /// The session `code` as stored, whoever runs it, with its last activity: `None` when there
    /// is no such session. For reading a meeting another node runs (its last committed state).
    pub async fn read(&self, code: &JoinCode) -> anyhow::Result<Option<Restored>> {
        match &self.engine {
            Engine::Sqlite(path) => sqlite::read(path.clone(), code.to_string()).await,
            Engine::Postgres(reader) => reader.fetch(code).await,
        }
    }

    /// Whether a session `code` is stored, whoever runs it.
    pub async fn exists(&self, code: &JoinCode) -> anyhow::Result<bool> {
        match &self.engine {
            Engine::Sqlite(_) => Ok(self.read(code).await?.is_some()),
            Engine::Postgres(reader) => reader.exists(code).await,
        }
    }

    /// Makes this node the one that runs `code` (PostgreSQL: takes its advisory lock on the
    /// writer's connection), unless another live node does. SQLite: always this node's.
    pub async fn claim(&self, code: &JoinCode) -> Result<Claim, StoreError> {
        if !self.is_shared() {
            return Ok(Claim::Owned);
        }
        match self
            .write(Write::Claim {
                code: code.to_string(),
            })
            .await
        {
            Ok(()) => Ok(Claim::Owned),
            Err(e) if e.is_not_owner() => Ok(Claim::Elsewhere),
            Err(e) => Err(e),
        }
    }

    /// Hands `code` back: another node may take it over. Call only once its actor stopped.
    pub async fn release(&self, code: &JoinCode) {
        if self.is_shared()
            && let Err(e) = self
                .write(Write::Release {
                    code: code.to_string(),
                })
                .await
        {
            tracing::warn!(%code, error = %e, "could not hand a session back");
        }
    }

    /// Sessions last active at or before `before_ms` that no node of this store runs now — or
    /// that another node runs (PostgreSQL; it deletes its own). SQLite: none (the registry
    /// knows every session).
    pub async fn stale(&self, before_ms: i64) -> anyhow::Result<Vec<JoinCode>> {
        match &self.engine {
            Engine::Sqlite(_) => Ok(Vec::new()),
            Engine::Postgres(reader) => reader.stale(before_ms).await,
        }
    }

    /// Tells the node that runs `code` (if another does) to prune its carried items
    /// ([`Notice::Prune`]). SQLite: nothing to tell.
    pub async fn tell_prune(&self, code: &JoinCode) {
        if let Engine::Postgres(reader) = &self.engine
            && let Err(e) = reader.notify_prune(code).await
        {
            tracing::warn!(%code, error = %e, "could not tell the owner to prune");
        }
    }

    async fn write(&self, write: Write) -> Result<(), StoreError> {
        let (reply, done) = oneshot::channel();
        self.tx
            .send(Request { write, reply })
            .await
            .map_err(|_| StoreError::new("the storage thread stopped"))?;
        done.await
            .map_err(|_| StoreError::new("the storage thread stopped"))?
    }

    /// Stores a new session. A code that is taken already is refused ([`StoreError::is_taken`]).
    pub async fn create(&self, created: &Created) -> Result<(), StoreError> {
        self.create_all(std::slice::from_ref(created)).await
    }

    /// Stores new sessions, all of them or none (the meetings of a series).
    pub async fn create_all(&self, created: &[Created]) -> Result<(), StoreError> {
        let sessions = created
            .iter()
            .map(|c| Ok((c.code.to_string(), encode(c)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.write(Write::Create { sessions }).await
    }

    /// Appends events numbered from `first_seq`; with a snapshot of the state after them, which
    /// replaces the events it covers. Joins alone are no activity: someone with only the join
    /// code cannot keep a session past its deletion date (`Event::is_activity`). Returns the
    /// bytes the session holds more: the events' bytes, or with a snapshot the snapshot's.
    pub async fn append(
        &self,
        code: &JoinCode,
        first_seq: u64,
        events: &[Event],
        snapshot: Option<&Session>,
    ) -> Result<usize, StoreError> {
        let active = events.iter().any(Event::is_activity);
        let events = events.iter().map(encode).collect::<Result<Vec<_>, _>>()?;
        let snapshot = match snapshot {
            Some(s) => Some((s.seq(), encode(s)?)),
            None => None,
        };
        let bytes = written(&events, snapshot.as_ref().map(|(_, body)| body));
        self.write(Write::Append {
            code: code.to_string(),
            first_seq,
            events,
            snapshot,
            erase: false,
            active,
        })
        .await
        .map(|()| bytes)
    }

    /// Appends events and the snapshot after them, deleting every event it covers, then erases
    /// what those events held from the engine's files (SQLite: empties the WAL; PostgreSQL:
    /// `VACUUM`, right after). Returns the snapshot's bytes (what the session now holds).
    pub async fn append_erasing(
        &self,
        code: &JoinCode,
        first_seq: u64,
        events: &[Event],
        snapshot: &Session,
    ) -> Result<usize, StoreError> {
        let events = events.iter().map(encode).collect::<Result<Vec<_>, _>>()?;
        let body = encode(snapshot)?;
        let bytes = written(&events, Some(&body));
        self.write(Write::Append {
            code: code.to_string(),
            first_seq,
            events,
            snapshot: Some((snapshot.seq(), body)),
            erase: true,
            active: true,
        })
        .await
        .map(|()| bytes)
    }

    /// Writes nothing but finishes what an earlier erase may have left (SQLite: folds the WAL
    /// back and empties it; PostgreSQL: `VACUUM`), even if that erase was cut short.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        self.write(Write::Checkpoint).await
    }

    /// Deletes a session and everything stored about it (SQLite: secure delete, then a
    /// truncating WAL checkpoint; PostgreSQL: the rows, then `VACUUM`, before the reply), and
    /// with PostgreSQL hands its lock back.
    pub async fn delete(&self, code: &JoinCode) -> Result<(), StoreError> {
        self.write(Write::Delete {
            code: code.to_string(),
        })
        .await
    }
}

fn encode(value: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::new(e.to_string()))
}

/// Bytes an append adds to what its session holds: its events, or with a snapshot the snapshot
/// alone (it replaces every event before it).
fn written(events: &[String], snapshot: Option<&String>) -> usize {
    snapshot.map_or_else(|| events.iter().map(String::len).sum(), String::len)
}

/// A session's stored records, as read from either engine.
struct Rows {
    created: String,
    last_active_ms: i64,
    snapshot: Option<(i64, String)>,
    /// The events after the snapshot, in order.
    events: Vec<(i64, String)>,
}

impl Rows {
    /// The session the records make: the snapshot (or the creation record) and every event
    /// after it, each the next in sequence.
    fn rebuild(self, code: &str) -> anyhow::Result<Restored> {
        use anyhow::Context;
        let mut session = match self.snapshot {
            Some((_, body)) => serde_json::from_str::<Session>(&body)
                .with_context(|| format!("session {code}: snapshot"))?,
            None => Session::new(
                serde_json::from_str(&self.created)
                    .with_context(|| format!("session {code}: creation record"))?,
            ),
        };
        for (seq, body) in self.events {
            let event: Event = serde_json::from_str(&body)
                .with_context(|| format!("session {code}: event {seq}"))?;
            anyhow::ensure!(
                seq as u64 == session.seq() + 1,
                "session {code}: event {seq} follows {}",
                session.seq()
            );
            session.evolve(&event);
        }
        Ok(Restored {
            session,
            last_active_ms: self.last_active_ms,
        })
    }
}

/// Takes the first request and every other one already waiting (up to [`MAX_BATCH`]).
fn batch_after(first: Request, rx: &mut mpsc::Receiver<Request>) -> Vec<Request> {
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(request) => batch.push(request),
            Err(_) => break,
        }
    }
    batch
}
