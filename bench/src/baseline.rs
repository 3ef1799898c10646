//! The baseline: the least a WebSocket server must do to give the benchmark's clients what they
//! wait for with the guarantees trivsel gives — every acknowledged operation durably stored, the
//! staff told at trivsel's own rate — and nothing trivsel adds besides (no domain rules, no
//! views, no limits). Issue 15: a ratio to this baseline is trivsel's overhead above the work
//! the job itself requires.
//!
//! Rooms are keyed by the path the client opened (`/api/sessions/{code}/ws`). The first
//! message decides the role: `join` is a phone, `hello` with the token `projector` is a
//! projector, any other `hello` a facilitator. Each batch of a room's messages (up to
//! [`BATCH`]) that holds operations is stored before any of them is acknowledged: one row per
//! operation in SQLite (WAL, `synchronous=FULL`, as trivsel's store), written by one writer
//! thread that commits what every room has pending in one transaction (group commit, as
//! trivsel's). Then every message with an `op` gets an `ack` with the room's sequence number;
//! `goto` also broadcasts one `step` frame, serialised once, to everyone in the room. After a
//! batch that held answers the staff get one `activity` frame, at most one per
//! [`STAFF_EVERY`] (trivsel's rate; a frame held back goes out when it is due). A `pad`
//! message sets the size of those frames, so they match what trivsel sends. Each connection
//! has an unbounded queue and a writer task: the textbook design.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// Most messages a room takes in one batch.
const BATCH: usize = 512;

/// Least time between two activity frames of a room (trivsel's `STAFF_EVERY`).
const STAFF_EVERY: Duration = Duration::from_millis(100);

/// One room's operations of one batch, to store: `(room, seq, message)` rows, and whom to tell
/// once they are committed.
struct Commit {
    rows: Vec<(Arc<str>, u64, String)>,
    done: oneshot::Sender<()>,
}

/// The store's writer: a thread that commits what the rooms have pending, all of it in one
/// transaction, and tells each room when its rows are durable.
#[derive(Clone)]
struct Writer(std::sync::mpsc::Sender<Commit>);

impl Writer {
    /// Opens (creates) `baseline.sqlite` in `data` as trivsel opens its store and starts the
    /// writer thread.
    fn open(data: &Path) -> anyhow::Result<Self> {
        let db = rusqlite::Connection::open(data.join("baseline.sqlite"))?;
        let mode: String = db.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))?;
        anyhow::ensure!(mode.eq_ignore_ascii_case("wal"), "no WAL: {mode}");
        db.execute_batch(
            "PRAGMA synchronous=FULL;
             CREATE TABLE IF NOT EXISTS events (
                 room TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL,
                 PRIMARY KEY (room, seq)) WITHOUT ROWID;",
        )?;
        let (tx, rx) = std::sync::mpsc::channel::<Commit>();
        std::thread::spawn(move || {
            let mut db = db;
            while let Ok(first) = rx.recv() {
                let mut group = vec![first];
                group.extend(rx.try_iter());
                if let Err(e) = store(&mut db, &group) {
                    // The benchmark reads a missing ack as an error; nothing is acknowledged.
                    eprintln!("baseline: cannot store: {e}");
                    continue;
                }
                for commit in group {
                    let _ = commit.done.send(());
                }
            }
        });
        Ok(Writer(tx))
    }

    /// Stores `rows` and returns once they are committed (`false` if they could not be).
    async fn store(&self, rows: Vec<(Arc<str>, u64, String)>) -> bool {
        let (done, stored) = oneshot::channel();
        self.0.send(Commit { rows, done }).is_ok() && stored.await.is_ok()
    }
}

/// One transaction with every row of `group`.
fn store(db: &mut rusqlite::Connection, group: &[Commit]) -> rusqlite::Result<()> {
    let transaction = db.transaction()?;
    {
        let mut insert = transaction.prepare_cached(
            "INSERT OR REPLACE INTO events (room, seq, body) VALUES (?1, ?2, ?3)",
        )?;
        for (room, seq, body) in group.iter().flat_map(|c| &c.rows) {
            insert.execute(rusqlite::params![room.as_ref(), *seq as i64, body])?;
        }
    }
    transaction.commit()
}

type Rooms = Arc<Mutex<HashMap<String, mpsc::UnboundedSender<ToRoom>>>>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Phone,
    Facilitator,
    Projector,
}

enum ToRoom {
    Join {
        id: u64,
        role: Role,
        out: mpsc::UnboundedSender<Message>,
    },
    Leave {
        id: u64,
    },
    Op {
        id: u64,
        msg: Incoming,
        text: String,
    },
}

/// The few fields of a client message the baseline looks at.
#[derive(Deserialize)]
struct Incoming {
    #[serde(rename = "type")]
    kind: String,
    op: Option<String>,
    token: Option<String>,
    step: Option<serde_json::Value>,
    activity: Option<usize>,
}

/// Accepts connections until the task is dropped, storing in `data`.
pub async fn run(listener: TcpListener, data: &Path) -> anyhow::Result<()> {
    let writer = Writer::open(data)?;
    let rooms: Rooms = Arc::default();
    let mut next_id = 0;
    loop {
        match listener.accept().await {
            Ok((tcp, _)) => {
                next_id += 1;
                tokio::spawn(connection(tcp, next_id, rooms.clone(), writer.clone()));
            }
            // Out of file descriptors or similar: wait instead of spinning.
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
        }
    }
}

async fn connection(tcp: TcpStream, id: u64, rooms: Rooms, writer: Writer) {
    let _ = tcp.set_nodelay(true);
    let mut path = String::new();
    // The handshake's callback type is fixed by tungstenite, large error variant included.
    #[allow(clippy::result_large_err)]
    let callback = |request: &Request, response: Response| {
        path = request.uri().path().to_owned();
        Ok(response)
    };
    let Ok(ws) = tokio_tungstenite::accept_hdr_async(tcp, callback).await else {
        return;
    };
    let (mut sink, mut stream) = ws.split();
    let role = loop {
        match stream.next().await {
            Some(Ok(Message::Text(text))) => {
                let Ok(first) = serde_json::from_str::<Incoming>(&text) else {
                    return;
                };
                break match (first.kind.as_str(), first.token.as_deref()) {
                    ("hello", Some("projector")) => Role::Projector,
                    ("hello", _) => Role::Facilitator,
                    _ => Role::Phone,
                };
            }
            Some(Ok(_)) => continue,
            _ => return,
        }
    };
    let room = {
        let mut rooms = rooms.lock().unwrap_or_else(|e| e.into_inner());
        rooms
            .entry(path.clone())
            .or_insert_with(|| {
                let (tx, rx) = mpsc::unbounded_channel();
                tokio::spawn(room(rx, path.into(), writer));
                tx
            })
            .clone()
    };
    let (out, mut queue) = mpsc::unbounded_channel::<Message>();
    if room.send(ToRoom::Join { id, role, out }).is_err() {
        return;
    }
    let writer = tokio::spawn(async move {
        while let Some(msg) = queue.recv().await {
            if sink.send(msg).await.is_err() {
                break;
            }
        }
    });
    while let Some(Ok(msg)) = stream.next().await {
        let text = match msg {
            Message::Text(text) => text,
            Message::Close(_) => break,
            _ => continue,
        };
        if let Ok(msg) = serde_json::from_str::<Incoming>(&text)
            && room
                .send(ToRoom::Op {
                    id,
                    msg,
                    text: text.as_str().to_owned(),
                })
                .is_err()
        {
            break;
        }
    }
    let _ = room.send(ToRoom::Leave { id });
    writer.abort();
}

/// `{"type":"<kind>","seq":<seq>,"pad":"xxx…"}`, about `size` bytes long.
fn padded(kind: &str, seq: u64, size: usize) -> Utf8Bytes {
    let mut text = format!("{{\"type\":\"{kind}\",\"seq\":{seq},\"pad\":\"");
    let fill = size.saturating_sub(text.len() + 2);
    text.extend(std::iter::repeat_n('x', fill));
    text.push_str("\"}");
    Utf8Bytes::from(text)
}

/// One room: its connections and its sequence number.
async fn room(mut rx: mpsc::UnboundedReceiver<ToRoom>, name: Arc<str>, writer: Writer) {
    let mut conns: HashMap<u64, (Role, mpsc::UnboundedSender<Message>)> = HashMap::new();
    let mut seq = 0u64;
    let (mut step_size, mut activity_size) = (2048, 1024);
    let mut batch = Vec::with_capacity(BATCH);
    // When the last activity frame went out, and whether one is held back until it is due.
    let mut activity_sent: Option<tokio::time::Instant> = None;
    let mut activity_owed = false;
    loop {
        let due = activity_owed
            .then(|| activity_sent.map_or_else(tokio::time::Instant::now, |at| at + STAFF_EVERY));
        let received = match due {
            Some(due) => tokio::select! {
                n = rx.recv_many(&mut batch, BATCH) => n,
                () = tokio::time::sleep_until(due) => usize::MAX,
            },
            None => rx.recv_many(&mut batch, BATCH).await,
        };
        if received == 0 {
            break;
        }
        // Stored first: every operation of the batch, in one commit with what other rooms have
        // pending; only then does anyone hear of them.
        let mut rows = Vec::new();
        let mut next = seq;
        for msg in &batch {
            if let ToRoom::Op { msg, text, .. } = msg
                && msg.op.is_some()
            {
                next += 1;
                rows.push((name.clone(), next, text.clone()));
            }
        }
        if !rows.is_empty() && !writer.store(rows).await {
            batch.clear();
            continue;
        }
        for msg in batch.drain(..) {
            match msg {
                ToRoom::Join { id, role, out } => {
                    let role_name = match role {
                        Role::Phone => "participant",
                        Role::Facilitator => "facilitator",
                        Role::Projector => "projector",
                    };
                    let snapshot = format!(
                        "{{\"type\":\"snapshot\",\"seq\":{seq},\"role\":\"{role_name}\",\"me\":{{\"id\":\"p{id}\"}}}}"
                    );
                    let _ = out.send(Message::text(snapshot));
                    conns.insert(id, (role, out));
                }
                ToRoom::Leave { id } => {
                    conns.remove(&id);
                }
                ToRoom::Op { id, msg, .. } => {
                    let Some(op) = msg.op else { continue };
                    seq += 1;
                    if let Some((_, out)) = conns.get(&id) {
                        let ack = format!("{{\"type\":\"ack\",\"seq\":{seq},\"op\":\"{op}\"}}");
                        let _ = out.send(Message::text(ack));
                    }
                    match msg.kind.as_str() {
                        "goto" => {
                            let frame = padded("step", seq, step_size);
                            for (_, out) in conns.values() {
                                let _ = out.send(Message::Text(frame.clone()));
                            }
                        }
                        "pad" => {
                            if let Some(size) = msg.step.and_then(|s| s.as_u64()) {
                                step_size = size as usize;
                            }
                            if let Some(size) = msg.activity {
                                activity_size = size;
                            }
                        }
                        "answer" => activity_owed = true,
                        _ => {}
                    }
                }
            }
        }
        let now = tokio::time::Instant::now();
        if activity_owed && activity_sent.is_none_or(|at| now >= at + STAFF_EVERY) {
            let frame = padded("activity", seq, activity_size);
            for (role, out) in conns.values() {
                if *role != Role::Phone {
                    let _ = out.send(Message::Text(frame.clone()));
                }
            }
            activity_sent = Some(now);
            activity_owed = false;
        }
    }
}
