//! The PostgreSQL engine: the same records as SQLite's (`trivsel_sessions`, `trivsel_events`,
//! `trivsel_snapshots`) in a database that several nodes share, and the ownership of sessions.
//!
//! Everything runs on a thread of its own with its own small runtime (so the store works the
//! same from any caller): one **writer** connection, a **pool** for reads, and a **listener**
//! for notices from other nodes.
//!
//! - The writer takes every request waiting and commits them in one transaction of a few
//!   set-based statements (group commit); if that transaction fails, each request is tried in a
//!   transaction of its own, so one refused write does not refuse the others.
//! - A node runs a session only while its writer connection holds the session's advisory lock
//!   (`pg_try_advisory_lock`, session-level). The writer refuses every write for a session whose
//!   lock it does not hold, and the lock lives exactly as long as the connection that executes
//!   the writes: when a node dies, PostgreSQL ends its connection and releases its locks, and no
//!   write of that node can follow. A lost writer connection loses every lock with it; the
//!   registry is told ([`Notice::Lost`]) and stops those sessions' actors.
//! - After a deletion or an erasing write the rows are gone at once; `VACUUM` runs right after
//!   (a delete's reply waits for it), see `docs/DEPLOY.md` for what PostgreSQL keeps even then.

use std::collections::HashSet;
use std::time::Duration;

use anyhow::Context;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use futures_util::StreamExt;
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls, Statement};

use super::{
    Engine, Failure, MAX_BATCH, Notice, Opened, Request, Restored, Rows, Store, StoreError, Write,
};
use crate::clock::now_ms;
use crate::config::DatabaseUrl;
use crate::domain::JoinCode;
use crate::domain::ids::{CODE_ALPHABET, CODE_LEN};

/// The schema this trivsel writes.
const SCHEMA_VERSION: i32 = 1;
/// Connections the pool opens at most, for reads (taking sessions over, meetings of a series
/// that another node runs, retention) and `VACUUM`.
const POOL_SIZE: usize = 4;
/// The channel other nodes are told on to prune a meeting's carried items.
const PRUNE_CHANNEL: &str = "trivsel_prune";
/// Marks trivsel's advisory locks (the high bits of every key), apart from other programs'.
const LOCK_TAG: i64 = 0x7472 << 40;
/// The lock held while one node creates or upgrades the schema.
const SCHEMA_LOCK: i64 = LOCK_TAG | (1 << 39);

/// The advisory lock key of a session: its code read as a number in base 31 (31⁷ < 2³⁵), so
/// two sessions never share a lock, tagged as trivsel's.
pub fn lock_key(code: &JoinCode) -> i64 {
    let n = code.as_str().bytes().fold(0i64, |n, b| {
        let digit = CODE_ALPHABET.iter().position(|&a| a == b).unwrap_or(0);
        n * CODE_ALPHABET.len() as i64 + digit as i64
    });
    debug_assert!((CODE_ALPHABET.len() as i64).pow(CODE_LEN as u32) < 1 << 39);
    LOCK_TAG | n
}

fn key_of(code: &str) -> Option<i64> {
    JoinCode::parse(code).ok().map(|c| lock_key(&c))
}

impl StoreError {
    /// An error of PostgreSQL's, marked when it says the disk is full.
    fn postgres(e: &tokio_postgres::Error) -> Self {
        let failure = match e.code() {
            Some(&SqlState::DISK_FULL) => Failure::Full,
            _ => Failure::Other,
        };
        // The server's own message when there is one ("db error" alone says nothing).
        let message = match e.as_db_error() {
            Some(db) => format!("{}: {}", db.code().code(), db.message()),
            None => e.to_string(),
        };
        StoreError::with(failure, message)
    }
}

/// Connects to `url` (named `trivsel <node>` among PostgreSQL's connections), creates or checks
/// the schema, and starts the store's thread. No session is loaded: each is taken over when a
/// node is asked for it.
pub(super) fn open(url: &DatabaseUrl, node: &str) -> anyhow::Result<Opened> {
    let mut config = url.config().clone();
    config
        .application_name(format!("trivsel {node}"))
        .connect_timeout(Duration::from_secs(10))
        // A node whose machine vanished is noticed by its own side too.
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(10));
    let (tx, rx) = mpsc::channel(MAX_BATCH);
    let (reads, read_rx) = mpsc::channel(1024);
    let (notices_tx, notices) = mpsc::unbounded_channel();
    let (ready, started) = std::sync::mpsc::channel();
    let shown = url.to_string();
    std::thread::Builder::new()
        .name("trivsel-postgres".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    let _ = ready.send(Err(anyhow::Error::from(e)));
                    return;
                }
            };
            runtime.block_on(serve(config, rx, read_rx, notices_tx, ready));
        })
        .context("cannot start the storage thread")?;
    started
        .recv()
        .context("the storage thread stopped")?
        .with_context(|| format!("cannot use the database {shown}"))?;
    Ok(Opened {
        store: Store {
            tx,
            engine: Engine::Postgres(Reader { tx: reads }),
        },
        restored: Vec::new(),
        notices,
    })
}

/// The store's thread: connect the writer, prepare the schema, then serve writes (here), reads
/// (pool) and notices (listener) until every handle is gone.
async fn serve(
    config: tokio_postgres::Config,
    rx: mpsc::Receiver<Request>,
    reads: mpsc::Receiver<Read>,
    notices: mpsc::UnboundedSender<Notice>,
    ready: std::sync::mpsc::Sender<anyhow::Result<()>>,
) {
    let connection = match Connection::open(&config).await {
        Ok(connection) => connection,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let pool = match Pool::builder(Manager::from_config(
        config.clone(),
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    ))
    .max_size(POOL_SIZE)
    .runtime(deadpool_postgres::Runtime::Tokio1)
    .build()
    {
        Ok(pool) => pool,
        Err(e) => {
            let _ = ready.send(Err(e.into()));
            return;
        }
    };
    let _ = ready.send(Ok(()));
    let vacuum = spawn_vacuum(pool.clone());
    tokio::spawn(listen(config.clone(), notices.clone()));
    tokio::spawn(read(reads, pool));
    Writer {
        config,
        connection: Some(connection),
        held: HashSet::new(),
        notices,
        vacuum,
    }
    .run(rx)
    .await;
}

/// The writer's connection: the client, its prepared statements, and the signal that it ended.
struct Connection {
    client: Client,
    statements: Statements,
    ended: oneshot::Receiver<()>,
}

struct Statements {
    create: Statement,
    events: Statement,
    snapshots: Statement,
    trim: Statement,
    active: Statement,
    delete: Statement,
    lock: Statement,
    unlock: Statement,
}

impl Connection {
    async fn open(config: &tokio_postgres::Config) -> anyhow::Result<Connection> {
        let (mut client, connection) = config.connect(NoTls).await?;
        let (end, ended) = oneshot::channel();
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "the database connection ended");
            }
            let _ = end.send(());
        });
        migrate(&mut client).await?;
        let statements = Statements {
            create: client
                .prepare(
                    "INSERT INTO trivsel_sessions (code, created, last_active_ms)
                     SELECT c, b, $3 FROM unnest($1::text[], $2::text[]) AS t(c, b)
                     ON CONFLICT (code) DO NOTHING",
                )
                .await?,
            events: client
                .prepare(
                    "INSERT INTO trivsel_events (code, seq, body)
                     SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])",
                )
                .await?,
            snapshots: client
                .prepare(
                    "INSERT INTO trivsel_snapshots (code, seq, body)
                     SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])
                     ON CONFLICT (code) DO UPDATE SET seq = excluded.seq, body = excluded.body",
                )
                .await?,
            trim: client
                .prepare(
                    "DELETE FROM trivsel_events e USING unnest($1::text[], $2::bigint[]) AS t(c, s)
                     WHERE e.code = t.c AND e.seq <= t.s",
                )
                .await?,
            active: client
                .prepare("UPDATE trivsel_sessions SET last_active_ms = $2 WHERE code = ANY($1)")
                .await?,
            delete: client
                .prepare("DELETE FROM trivsel_sessions WHERE code = ANY($1)")
                .await?,
            lock: client.prepare("SELECT pg_try_advisory_lock($1)").await?,
            unlock: client.prepare("SELECT pg_advisory_unlock($1)").await?,
        };
        Ok(Connection {
            client,
            statements,
            ended,
        })
    }
}

/// Creates the tables, or checks that they are of a version this trivsel knows. Nodes starting
/// together take turns (a transaction-level advisory lock).
async fn migrate(client: &mut Client) -> anyhow::Result<()> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
        .await?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS trivsel_schema (version integer NOT NULL)")
        .await?;
    let version: Option<i32> = tx
        .query_opt("SELECT version FROM trivsel_schema", &[])
        .await?
        .map(|row| row.get(0));
    match version {
        None => {
            tx.batch_execute(
                "CREATE TABLE trivsel_sessions (
                     code text PRIMARY KEY,
                     created text NOT NULL,
                     last_active_ms bigint NOT NULL
                 );
                 CREATE INDEX trivsel_sessions_last_active ON trivsel_sessions (last_active_ms);
                 CREATE TABLE trivsel_events (
                     code text NOT NULL REFERENCES trivsel_sessions(code) ON DELETE CASCADE,
                     seq bigint NOT NULL,
                     body text NOT NULL,
                     PRIMARY KEY (code, seq)
                 );
                 CREATE TABLE trivsel_snapshots (
                     code text PRIMARY KEY REFERENCES trivsel_sessions(code) ON DELETE CASCADE,
                     seq bigint NOT NULL,
                     body text NOT NULL
                 );",
            )
            .await?;
            tx.execute(
                "INSERT INTO trivsel_schema (version) VALUES ($1)",
                &[&SCHEMA_VERSION],
            )
            .await?;
        }
        Some(SCHEMA_VERSION) => {}
        Some(other) => anyhow::bail!(
            "the database has trivsel's schema version {other}; this trivsel knows {SCHEMA_VERSION}"
        ),
    }
    tx.commit().await?;
    Ok(())
}

/// The one writer: group commit, and the locks of the sessions this node runs.
struct Writer {
    config: tokio_postgres::Config,
    connection: Option<Connection>,
    /// The codes whose lock the current connection holds.
    held: HashSet<String>,
    notices: mpsc::UnboundedSender<Notice>,
    vacuum: mpsc::UnboundedSender<Option<oneshot::Sender<Result<(), StoreError>>>>,
}

/// What one batch asks of the database, set-wise.
#[derive(Default)]
struct Plan {
    create: (Vec<String>, Vec<String>),
    events: (Vec<String>, Vec<i64>, Vec<String>),
    snapshots: (Vec<String>, Vec<i64>, Vec<String>),
    trim: (Vec<String>, Vec<i64>),
    active: Vec<String>,
    delete: Vec<String>,
}

impl Plan {
    fn is_empty(&self) -> bool {
        self.create.0.is_empty()
            && self.events.0.is_empty()
            && self.snapshots.0.is_empty()
            && self.active.is_empty()
            && self.delete.is_empty()
    }

    fn add(&mut self, write: &Write) {
        match write {
            Write::Create { sessions } => {
                for (code, created) in sessions {
                    self.create.0.push(code.clone());
                    self.create.1.push(created.clone());
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
                for (i, body) in events.iter().enumerate() {
                    self.events.0.push(code.clone());
                    self.events.1.push((*first_seq + i as u64) as i64);
                    self.events.2.push(body.clone());
                }
                if let Some((seq, body)) = snapshot {
                    self.snapshots.0.push(code.clone());
                    self.snapshots.1.push(*seq as i64);
                    self.snapshots.2.push(body.clone());
                    self.trim.0.push(code.clone());
                    self.trim.1.push(*seq as i64);
                }
                if *active {
                    self.active.push(code.clone());
                }
            }
            Write::Delete { code } => self.delete.push(code.clone()),
            Write::Checkpoint
            | Write::Claim { .. }
            | Write::Release { .. }
            | Write::Owns { .. } => {}
        }
    }

    /// Runs the plan in one transaction. `Ok(false)`: a code to create was taken (nothing is
    /// committed then).
    async fn commit(&self, connection: &mut Connection) -> Result<bool, tokio_postgres::Error> {
        if self.is_empty() {
            return Ok(true);
        }
        let s = &connection.statements;
        let tx = connection.client.transaction().await?;
        if !self.create.0.is_empty() {
            let made = tx
                .execute(&s.create, &[&self.create.0, &self.create.1, &now_ms()])
                .await?;
            if made != self.create.0.len() as u64 {
                tx.rollback().await?;
                return Ok(false);
            }
        }
        if !self.events.0.is_empty() {
            tx.execute(&s.events, &[&self.events.0, &self.events.1, &self.events.2])
                .await?;
        }
        if !self.snapshots.0.is_empty() {
            tx.execute(
                &s.snapshots,
                &[&self.snapshots.0, &self.snapshots.1, &self.snapshots.2],
            )
            .await?;
            tx.execute(&s.trim, &[&self.trim.0, &self.trim.1]).await?;
        }
        if !self.active.is_empty() {
            tx.execute(&s.active, &[&self.active, &now_ms()]).await?;
        }
        if !self.delete.is_empty() {
            tx.execute(&s.delete, &[&self.delete]).await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}

impl Writer {
    async fn run(mut self, mut rx: mpsc::Receiver<Request>) {
        loop {
            let ended = async {
                match &mut self.connection {
                    Some(connection) => {
                        let _ = (&mut connection.ended).await;
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                request = rx.recv() => {
                    let Some(first) = request else { break };
                    let batch = super::batch_after(first, &mut rx);
                    self.handle(batch).await;
                }
                () = ended => self.lost(),
            }
        }
    }

    /// The connection is gone, and every lock it held: no session is this node's any more.
    fn lost(&mut self) {
        self.connection = None;
        let codes: Vec<JoinCode> = self
            .held
            .drain()
            .filter_map(|c| JoinCode::parse(&c).ok())
            .collect();
        if !codes.is_empty() {
            tracing::error!(
                sessions = codes.len(),
                "lost the database connection: this node no longer runs its sessions"
            );
            let _ = self.notices.send(Notice::Lost(codes));
        }
    }

    async fn handle(&mut self, batch: Vec<Request>) {
        if self
            .connection
            .as_ref()
            .is_none_or(|c| c.client.is_closed())
        {
            self.lost();
            match Connection::open(&self.config).await {
                Ok(connection) => {
                    tracing::info!("connected to the database again");
                    self.connection = Some(connection);
                }
                Err(e) => {
                    let message = format!("the database is unreachable: {e:#}");
                    for request in batch {
                        let _ = request.reply.send(Err(StoreError::new(message.clone())));
                    }
                    return;
                }
            }
        }
        // Locks first: they are outside any transaction.
        let mut writes = Vec::with_capacity(batch.len());
        for request in batch {
            match &request.write {
                Write::Claim { code } => {
                    let result = self.claim(code).await;
                    let _ = request.reply.send(result);
                }
                Write::Release { code } => {
                    let result = self.release(code).await;
                    let _ = request.reply.send(result);
                }
                Write::Owns { code } | Write::Append { code, .. } | Write::Delete { code }
                    if !self.held.contains(code) =>
                {
                    let _ = request.reply.send(Err(not_owner(code)));
                }
                Write::Owns { .. } => {
                    let _ = request.reply.send(Ok(()));
                }
                _ => writes.push(request),
            }
        }
        if writes.is_empty() {
            return;
        }
        let Some(connection) = self.connection.as_mut() else {
            return;
        };
        let mut plan = Plan::default();
        for request in &writes {
            plan.add(&request.write);
        }
        let started = std::time::Instant::now();
        let committed = plan.commit(connection).await;
        crate::metrics::commit_took(started.elapsed().as_secs_f64());
        let results = match committed {
            Ok(true) => writes.iter().map(|_| Ok(())).collect(),
            // Something of the batch was refused: each request on its own.
            Ok(false) | Err(_) if writes.len() > 1 && !connection.client.is_closed() => {
                let mut results = Vec::with_capacity(writes.len());
                for request in &writes {
                    let mut plan = Plan::default();
                    plan.add(&request.write);
                    results.push(outcome(plan.commit(connection).await));
                }
                results
            }
            result => {
                let one = outcome(result);
                writes
                    .iter()
                    .map(|_| match &one {
                        Ok(()) => Ok(()),
                        Err(e) => Err(StoreError::with(e.failure, e.message.clone())),
                    })
                    .collect()
            }
        };
        self.finish(writes, results).await;
    }

    /// Answers each write. A deleted session's lock is given back; a delete or a checkpoint is
    /// answered once `VACUUM` ran after it, an erasing append at once (its `VACUUM` follows).
    async fn finish(&mut self, writes: Vec<Request>, results: Vec<Result<(), StoreError>>) {
        let mut erased = false;
        for (request, result) in writes.into_iter().zip(results) {
            let ok = result.is_ok();
            match &request.write {
                Write::Delete { code } if ok => {
                    if let Err(e) = self.release(code).await {
                        tracing::warn!(%code, error = %e, "could not release a deleted session");
                    }
                    let _ = self.vacuum.send(Some(request.reply));
                    continue;
                }
                Write::Checkpoint => {
                    let _ = self.vacuum.send(Some(request.reply));
                    continue;
                }
                Write::Append { erase: true, .. } if ok => erased = true,
                _ => {}
            }
            let _ = request.reply.send(result);
        }
        if erased {
            let _ = self.vacuum.send(None);
        }
    }

    /// Takes `code`'s lock on this connection, unless it is held here already (a lock taken
    /// twice would need two unlocks) or by another node.
    async fn claim(&mut self, code: &str) -> Result<(), StoreError> {
        if self.held.contains(code) {
            return Ok(());
        }
        let (Some(connection), Some(key)) = (&self.connection, key_of(code)) else {
            return Err(StoreError::new("no such session"));
        };
        let row = connection
            .client
            .query_one(&connection.statements.lock, &[&key])
            .await
            .map_err(|e| StoreError::postgres(&e))?;
        if row.get::<_, bool>(0) {
            self.held.insert(code.to_owned());
            Ok(())
        } else {
            Err(not_owner(code))
        }
    }

    async fn release(&mut self, code: &str) -> Result<(), StoreError> {
        if !self.held.remove(code) {
            return Ok(());
        }
        let (Some(connection), Some(key)) = (&self.connection, key_of(code)) else {
            return Ok(());
        };
        connection
            .client
            .query_one(&connection.statements.unlock, &[&key])
            .await
            .map(|_| ())
            .map_err(|e| StoreError::postgres(&e))
    }
}

fn not_owner(code: &str) -> StoreError {
    StoreError::with(
        Failure::NotOwner,
        format!("session {code} is not run by this node"),
    )
}

fn outcome(result: Result<bool, tokio_postgres::Error>) -> Result<(), StoreError> {
    match result {
        Ok(true) => Ok(()),
        Ok(false) => Err(StoreError::with(Failure::Taken, "the join code is taken")),
        Err(e) => {
            tracing::error!(error = %StoreError::postgres(&e), "commit failed");
            Err(StoreError::postgres(&e))
        }
    }
}

/// Runs `VACUUM` on the three tables whenever asked (a `None` asks without waiting), as one
/// run for everyone who asked while the previous one ran; answers each waiting request after
/// the run that followed its request.
fn spawn_vacuum(
    pool: Pool,
) -> mpsc::UnboundedSender<Option<oneshot::Sender<Result<(), StoreError>>>> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Option<oneshot::Sender<_>>>();
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut waiting: Vec<oneshot::Sender<Result<(), StoreError>>> =
                first.into_iter().collect();
            while let Ok(next) = rx.try_recv() {
                waiting.extend(next);
            }
            let ran = async {
                let client = pool
                    .get()
                    .await
                    .map_err(|e| StoreError::new(e.to_string()))?;
                client
                    .batch_execute("VACUUM trivsel_events, trivsel_snapshots, trivsel_sessions")
                    .await
                    .map_err(|e| StoreError::postgres(&e))
            }
            .await;
            if let Err(e) = &ran {
                // The rows are deleted all the same; autovacuum will come by.
                tracing::warn!(error = %e, "VACUUM after a deletion failed");
            }
            for reply in waiting {
                let _ = reply.send(Ok(()));
            }
        }
    });
    tx
}

/// Listens for other nodes' notices (`LISTEN trivsel_prune`), connecting again whenever the
/// connection ends, until the registry is gone.
async fn listen(config: tokio_postgres::Config, notices: mpsc::UnboundedSender<Notice>) {
    loop {
        match config.connect(NoTls).await {
            Ok((client, mut connection)) => {
                let (heard, mut hearing) = mpsc::unbounded_channel::<String>();
                let driver = tokio::spawn(async move {
                    let mut messages =
                        futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                    while let Some(Ok(message)) = messages.next().await {
                        if let tokio_postgres::AsyncMessage::Notification(n) = message {
                            let _ = heard.send(n.payload().to_owned());
                        }
                    }
                });
                if client
                    .batch_execute(&format!("LISTEN {PRUNE_CHANNEL}"))
                    .await
                    .is_ok()
                {
                    while let Some(payload) = hearing.recv().await {
                        if let Ok(code) = JoinCode::parse(&payload)
                            && notices.send(Notice::Prune(code)).is_err()
                        {
                            return;
                        }
                    }
                }
                drop(client);
                let _ = driver.await;
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for other nodes' notices"),
        }
        if notices.is_closed() {
            return;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// A read, answered from the pool.
enum Read {
    Fetch {
        code: String,
        reply: oneshot::Sender<anyhow::Result<Option<Rows>>>,
    },
    Exists {
        code: String,
        reply: oneshot::Sender<anyhow::Result<bool>>,
    },
    Stale {
        before_ms: i64,
        reply: oneshot::Sender<anyhow::Result<Vec<String>>>,
    },
    Notify {
        code: String,
        reply: oneshot::Sender<anyhow::Result<()>>,
    },
}

async fn read(mut reads: mpsc::Receiver<Read>, pool: Pool) {
    while let Some(read) = reads.recv().await {
        let pool = pool.clone();
        tokio::spawn(async move {
            match read {
                Read::Fetch { code, reply } => {
                    let _ = reply.send(fetch(&pool, &code).await);
                }
                Read::Exists { code, reply } => {
                    let found = async {
                        let client = pool.get().await?;
                        let row = client
                            .query_opt("SELECT 1 FROM trivsel_sessions WHERE code = $1", &[&code])
                            .await?;
                        anyhow::Ok(row.is_some())
                    };
                    let _ = reply.send(found.await);
                }
                Read::Stale { before_ms, reply } => {
                    let found = async {
                        let client = pool.get().await?;
                        let rows = client
                            .query(
                                "SELECT code FROM trivsel_sessions WHERE last_active_ms <= $1
                                 ORDER BY last_active_ms LIMIT 1000",
                                &[&before_ms],
                            )
                            .await?;
                        anyhow::Ok(rows.iter().map(|r| r.get(0)).collect())
                    };
                    let _ = reply.send(found.await);
                }
                Read::Notify { code, reply } => {
                    let sent = async {
                        let client = pool.get().await?;
                        client
                            .execute("SELECT pg_notify($1, $2)", &[&PRUNE_CHANNEL, &code])
                            .await?;
                        anyhow::Ok(())
                    };
                    let _ = reply.send(sent.await);
                }
            }
        });
    }
}

/// A session's records, read in one snapshot of the database (another node may be writing it).
async fn fetch(pool: &Pool, code: &str) -> anyhow::Result<Option<Rows>> {
    let mut client = pool.get().await?;
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let Some(session) = tx
        .query_opt(
            "SELECT created, last_active_ms FROM trivsel_sessions WHERE code = $1",
            &[&code],
        )
        .await?
    else {
        return Ok(None);
    };
    let snapshot = tx
        .query_opt(
            "SELECT seq, body FROM trivsel_snapshots WHERE code = $1",
            &[&code],
        )
        .await?
        .map(|row| (row.get::<_, i64>(0), row.get::<_, String>(1)));
    let from = snapshot.as_ref().map_or(0, |(seq, _)| *seq);
    let events = tx
        .query(
            "SELECT seq, body FROM trivsel_events WHERE code = $1 AND seq > $2 ORDER BY seq",
            &[&code, &from],
        )
        .await?
        .iter()
        .map(|row| (row.get::<_, i64>(0), row.get::<_, String>(1)))
        .collect();
    tx.commit().await?;
    Ok(Some(Rows {
        created: session.get(0),
        last_active_ms: session.get(1),
        snapshot,
        events,
    }))
}

/// Reads through the store's thread; cheap to clone.
#[derive(Clone, Debug)]
pub(super) struct Reader {
    tx: mpsc::Sender<Read>,
}

impl Reader {
    async fn ask<T>(
        &self,
        read: impl FnOnce(oneshot::Sender<anyhow::Result<T>>) -> Read,
    ) -> anyhow::Result<T> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(read(reply))
            .await
            .map_err(|_| anyhow::anyhow!("the storage thread stopped"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the storage thread stopped"))?
    }

    pub(super) async fn fetch(&self, code: &JoinCode) -> anyhow::Result<Option<Restored>> {
        let code = code.to_string();
        let rows = self
            .ask(|reply| Read::Fetch {
                code: code.clone(),
                reply,
            })
            .await?;
        rows.map(|rows| rows.rebuild(&code)).transpose()
    }

    pub(super) async fn exists(&self, code: &JoinCode) -> anyhow::Result<bool> {
        let code = code.to_string();
        self.ask(|reply| Read::Exists { code, reply }).await
    }

    pub(super) async fn stale(&self, before_ms: i64) -> anyhow::Result<Vec<JoinCode>> {
        let codes = self.ask(|reply| Read::Stale { before_ms, reply }).await?;
        Ok(codes
            .iter()
            .filter_map(|c| JoinCode::parse(c).ok())
            .collect())
    }

    pub(super) async fn notify_prune(&self, code: &JoinCode) -> anyhow::Result<()> {
        let code = code.to_string();
        self.ask(|reply| Read::Notify { code, reply }).await
    }
}

impl std::fmt::Debug for Read {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Read")
    }
}
