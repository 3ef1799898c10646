//! The baseline: the least a WebSocket server must do to give the benchmark's clients what they
//! wait for, with nothing trivsel adds (no domain rules, no storage, no views, no limits).
//!
//! Rooms are keyed by the path the client opened (`/api/sessions/{code}/ws`). The first
//! message decides the role: `join` is a phone, `hello` with the token `projector` is a
//! projector, any other `hello` a facilitator. Every message with an `op` gets an `ack` with
//! the room's sequence number; `goto` also broadcasts one `step` frame, serialised once, to
//! everyone in the room; after each batch of messages that held answers, the staff get one
//! `activity` frame. A `pad` message sets the size of those frames, so they match what trivsel
//! sends. Each connection has an unbounded queue and a writer task: the textbook design.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// Most messages a room takes in one batch.
const BATCH: usize = 512;

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

/// Accepts connections until the task is dropped.
pub async fn run(listener: TcpListener) -> anyhow::Result<()> {
    let rooms: Rooms = Arc::default();
    let mut next_id = 0;
    loop {
        match listener.accept().await {
            Ok((tcp, _)) => {
                next_id += 1;
                tokio::spawn(connection(tcp, next_id, rooms.clone()));
            }
            // Out of file descriptors or similar: wait instead of spinning.
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
        }
    }
}

async fn connection(tcp: TcpStream, id: u64, rooms: Rooms) {
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
            .entry(path)
            .or_insert_with(|| {
                let (tx, rx) = mpsc::unbounded_channel();
                tokio::spawn(room(rx));
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
            && room.send(ToRoom::Op { id, msg }).is_err()
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
async fn room(mut rx: mpsc::UnboundedReceiver<ToRoom>) {
    let mut conns: HashMap<u64, (Role, mpsc::UnboundedSender<Message>)> = HashMap::new();
    let mut seq = 0u64;
    let (mut step_size, mut activity_size) = (2048, 1024);
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let mut answered = false;
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
                ToRoom::Op { id, msg } => {
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
                        "answer" => answered = true,
                        _ => {}
                    }
                }
            }
        }
        if answered {
            let frame = padded("activity", seq, activity_size);
            for (role, out) in conns.values() {
                if *role != Role::Phone {
                    let _ = out.send(Message::Text(frame.clone()));
                }
            }
        }
    }
}
