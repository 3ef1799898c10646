//! A client that behaves like the participant page under faults: it keeps every operation in an
//! outbox until it is acknowledged, reconnects whenever its socket ends (the server may be
//! killed, restarting on the same address), resumes as the same participant (or staff), and
//! sends its whole outbox again, in order, with the same operation ids.
//!
//! Each time it is let back in, it checks the contract that makes this safe: every operation it
//! had acknowledged is still there (an answer, a ready mark, a vote), unless an operation sent
//! after it, not yet acknowledged, already replaced it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long a client may go without its outbox moving before the test fails.
pub const STUCK: Duration = Duration::from_secs(120);

/// How the client introduces itself.
#[derive(Clone, Debug)]
pub enum Who {
    /// Facilitator or projector, by token.
    Staff(String),
    /// A participant: joins once with `name`, then resumes as `me` (`{id, secret}`).
    Participant {
        /// The name to join with.
        name: Option<String>,
        /// Set by the first snapshot.
        me: Option<Value>,
    },
}

/// An operation not yet acknowledged.
#[derive(Clone, Debug)]
pub struct Pending {
    /// Its id.
    pub op: String,
    /// The message, with `op`.
    pub msg: Value,
    /// What it writes (`answer/<step>/<prompt>`, `ready/<step>`, `vote/<step>`) and the value
    /// the participant's own view must then show; `None` for everything else.
    pub writes: Option<(String, Value)>,
    /// Not to be sent before this moment (the server asked to slow down).
    pub not_before: Option<Instant>,
}

/// A reconnecting client with an outbox.
pub struct OutboxClient {
    addr: String,
    code: String,
    pub label: String,
    pub who: Who,
    ws: Option<Socket>,
    next_op: u64,
    /// Operations sent and not yet acknowledged, in order.
    pub outbox: Vec<Pending>,
    /// Every operation acknowledged, and how many acks it got.
    pub acked: BTreeMap<String, u32>,
    /// Acknowledged operations, in order, with their messages (for sending again on purpose).
    pub history: Vec<Pending>,
    /// What the participant's view must show, by key, after its acknowledged writes.
    confirmed: BTreeMap<String, Value>,
    /// Errors other than "slow down", with the message that caused them.
    pub errors: Vec<(Value, Value)>,
    /// `rate_limited` or `storage` replies: kept and sent again.
    pub retried: usize,
    /// The latest snapshot.
    pub snapshot: Value,
    /// The current step index.
    pub step: u64,
    /// The current step's activity (from snapshot, step and activity messages).
    pub activity: Value,
    /// The latest progress message (staff).
    pub progress: Value,
    /// How often it came back after losing its connection.
    pub reconnects: usize,
    /// Joins that got no snapshot before the connection died (each may have left a
    /// participant nobody can resume).
    pub lost_joins: usize,
    /// Acked operations sent again on each return, as a reloaded page might.
    pub resend_acked: usize,
    /// Operations pending across several clients (for a test that wants to strike while some
    /// are in flight), and how many of them are this client's.
    pub in_flight: Option<(Arc<AtomicUsize>, usize)>,
}

impl OutboxClient {
    /// Connects (retrying until the server answers) and waits for the first snapshot.
    pub async fn open(addr: &str, code: &str, label: &str, who: Who) -> Self {
        let mut client = OutboxClient {
            addr: addr.into(),
            code: code.into(),
            label: label.into(),
            who,
            ws: None,
            next_op: 0,
            outbox: Vec::new(),
            acked: BTreeMap::new(),
            history: Vec::new(),
            confirmed: BTreeMap::new(),
            errors: Vec::new(),
            retried: 0,
            snapshot: Value::Null,
            step: 0,
            activity: Value::Null,
            progress: Value::Null,
            reconnects: 0,
            lost_joins: 0,
            resend_acked: 0,
            in_flight: None,
        };
        client.reconnect().await;
        client.reconnects = 0;
        client
    }

    /// The participant's `{id, secret}`.
    pub fn me(&self) -> &Value {
        match &self.who {
            Who::Participant { me: Some(me), .. } => me,
            _ => panic!("{} is not a joined participant", self.label),
        }
    }

    /// Whether a socket is open.
    pub fn online(&self) -> bool {
        self.ws.is_some()
    }

    /// Operation ids handed out so far.
    pub fn ops_issued(&self) -> u64 {
        self.next_op
    }

    /// Queues an operation (giving it a fresh id) and sends it when online. An operation that
    /// writes a key another pending operation writes waits for that one's ack first, so the
    /// order of writes to one thing never depends on the network.
    pub async fn queue(&mut self, msg: Value, writes: Option<(String, Value)>) -> String {
        if let Some((key, _)) = &writes {
            let key = key.clone();
            self.pump_until(&format!("the earlier write of {key}"), |c| {
                !c.outbox
                    .iter()
                    .any(|p| p.writes.as_ref().is_some_and(|(k, _)| *k == key))
            })
            .await;
        }
        self.next_op += 1;
        let op = format!("{}-{}", self.label, self.next_op);
        self.push(op.clone(), msg, writes).await;
        op
    }

    /// Queues a message with a given op id (to send an operation again on purpose).
    pub async fn push(&mut self, op: String, mut msg: Value, writes: Option<(String, Value)>) {
        msg["op"] = json!(op);
        let pending = Pending {
            op,
            msg,
            writes,
            not_before: None,
        };
        let text = pending.msg.to_string();
        self.outbox.push(pending);
        self.count_pending();
        self.send_text(text).await;
    }

    /// Keeps the shared count of pending operations up to date.
    fn count_pending(&mut self) {
        if let Some((total, mine)) = &mut self.in_flight {
            let now = self.outbox.len();
            if now >= *mine {
                total.fetch_add(now - *mine, Ordering::SeqCst);
            } else {
                total.fetch_sub(*mine - now, Ordering::SeqCst);
            }
            *mine = now;
        }
    }

    async fn send_text(&mut self, text: String) {
        if let Some(ws) = &mut self.ws
            && ws.send(Message::Text(text.into())).await.is_err()
        {
            self.ws = None;
        }
    }

    /// Reads, reconnects and resends until the outbox is empty.
    pub async fn settle(&mut self) {
        self.pump_until("an empty outbox", |c| c.outbox.is_empty())
            .await;
    }

    /// Reads, reconnects and resends until `done` holds. Fails when operations are pending and
    /// none was acknowledged for [`STUCK`] (waiting for others has no limit here).
    pub async fn pump_until(&mut self, what: &str, done: impl Fn(&Self) -> bool) {
        let mut progress = (Instant::now(), self.acked.len());
        while !done(self) {
            self.pump().await;
            if self.acked.len() != progress.1 || self.outbox.is_empty() {
                progress = (Instant::now(), self.acked.len());
            } else if progress.0.elapsed() > STUCK {
                panic!(
                    "{}: stuck waiting for {what}: outbox {:?}, online {}, step {}",
                    self.label,
                    self.outbox.iter().map(|p| &p.op).collect::<Vec<_>>(),
                    self.online(),
                    self.step
                );
            }
        }
    }

    /// One round: reconnect if offline, send what may go again, handle one frame (or wait a
    /// little for one).
    pub async fn pump(&mut self) {
        if self.ws.is_none() {
            self.reconnect().await;
            return;
        }
        let now = Instant::now();
        let due: Vec<String> = self
            .outbox
            .iter_mut()
            .filter(|p| p.not_before.is_some_and(|t| t <= now))
            .map(|p| {
                p.not_before = None;
                p.msg.to_string()
            })
            .collect();
        for text in due {
            self.send_text(text).await;
        }
        let Some(ws) = &mut self.ws else { return };
        match tokio::time::timeout(Duration::from_millis(200), ws.next()).await {
            Err(_) => {}
            Ok(Some(Ok(Message::Text(text)))) => {
                let msg: Value = serde_json::from_str(&text).unwrap();
                self.handle(msg);
                self.count_pending();
            }
            Ok(Some(Ok(Message::Close(_)))) | Ok(Some(Err(_))) | Ok(None) => self.ws = None,
            Ok(Some(Ok(_))) => {}
        }
    }

    fn handle(&mut self, msg: Value) {
        match msg["type"].as_str().unwrap_or_default() {
            "ack" => {
                let op = msg["op"].as_str().unwrap().to_owned();
                *self.acked.entry(op.clone()).or_default() += 1;
                if let Some(at) = self.outbox.iter().position(|p| p.op == op) {
                    let done = self.outbox.remove(at);
                    if let Some((key, value)) = &done.writes {
                        self.confirmed.insert(key.clone(), value.clone());
                    }
                    self.history.push(done);
                }
            }
            "error" => {
                let op = msg["op"].as_str().map(str::to_owned);
                let at = op.and_then(|op| self.outbox.iter().position(|p| p.op == op));
                let code = msg["code"].as_str().unwrap_or_default();
                match at {
                    // Not applied; the page keeps it and sends it again a little later.
                    Some(at) if matches!(code, "rate_limited" | "storage") => {
                        self.retried += 1;
                        self.outbox[at].not_before = Some(Instant::now() + Duration::from_secs(1));
                    }
                    Some(at) => {
                        let refused = self.outbox.remove(at);
                        self.errors.push((refused.msg, msg));
                    }
                    None => self.errors.push((Value::Null, msg)),
                }
            }
            "snapshot" => self.take_snapshot(msg),
            "step" => {
                self.step = msg["step"]["index"].as_u64().unwrap();
                self.activity = msg["activity"].clone();
            }
            "activity" if msg["index"].as_u64() == Some(self.step) => {
                self.activity = msg["activity"].clone();
            }
            "progress" => self.progress = msg,
            _ => {}
        }
    }

    fn take_snapshot(&mut self, msg: Value) {
        self.step = msg["step"]["index"].as_u64().unwrap();
        self.activity = msg["activity"].clone();
        if !msg["progress"].is_null() {
            self.progress = msg["progress"].clone();
        }
        self.snapshot = msg;
    }

    /// Comes back: connects (retrying while the server is down), opens, waits for the snapshot,
    /// checks that nothing acknowledged is missing, and sends the outbox again in order.
    pub async fn reconnect(&mut self) {
        self.ws = None;
        let mut wait = Duration::from_millis(20);
        let started = Instant::now();
        loop {
            assert!(
                started.elapsed() < STUCK,
                "{}: could not get back in for {STUCK:?}",
                self.label
            );
            if let Some((ws, snapshot)) = self.try_open().await {
                self.ws = Some(ws);
                self.reconnects += 1;
                self.check_nothing_lost(&snapshot);
                self.take_snapshot(snapshot);
                break;
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_millis(400));
        }
        // What a reloaded page might do: send the last acknowledged operations once more.
        let again: Vec<Pending> = self
            .history
            .iter()
            .rev()
            .take(self.resend_acked)
            .rev()
            .cloned()
            .map(|p| Pending { writes: None, ..p })
            .collect();
        self.outbox.extend(again);
        self.count_pending();
        let texts: Vec<String> = self.outbox.iter().map(|p| p.msg.to_string()).collect();
        for text in texts {
            self.send_text(text).await;
        }
    }

    async fn try_open(&mut self) -> Option<(Socket, Value)> {
        let url = format!("ws://{}/api/sessions/{}/ws", self.addr, self.code);
        let (mut ws, _) = tokio::time::timeout(Duration::from_secs(10), connect_async(url))
            .await
            .ok()?
            .ok()?;
        let opening = match &self.who {
            Who::Staff(token) => json!({ "type": "hello", "token": token }),
            Who::Participant { me: Some(me), .. } => {
                json!({ "type": "resume", "participant": me["id"], "secret": me["secret"] })
            }
            Who::Participant { name, me: None } => json!({ "type": "join", "name": name }),
        };
        let joining = matches!(self.who, Who::Participant { me: None, .. });
        if ws
            .send(Message::Text(opening.to_string().into()))
            .await
            .is_err()
        {
            self.lost_joins += usize::from(joining);
            return None;
        }
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(20), ws.next()).await;
            match frame {
                Ok(Some(Ok(Message::Text(text)))) => {
                    let msg: Value = serde_json::from_str(&text).unwrap();
                    if msg["type"] == "snapshot" {
                        if let Who::Participant { me, .. } = &mut self.who {
                            *me = Some(msg["me"].clone());
                        }
                        return Some((ws, msg));
                    }
                    assert_ne!(
                        msg["type"], "error",
                        "{}: opening refused: {msg}",
                        self.label
                    );
                }
                Ok(Some(Ok(Message::Close(frame)))) => {
                    let code = frame.map_or(1005, |f| u16::from(f.code));
                    assert!(
                        code == 1001 || code == 1006,
                        "{}: closed with {code} while opening",
                        self.label
                    );
                    self.lost_joins += usize::from(joining);
                    return None;
                }
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(_)) | None) | Err(_) => {
                    self.lost_joins += usize::from(joining);
                    return None;
                }
            }
        }
    }

    /// Every acknowledged write is in the participant's own view, unless a later pending write
    /// to the same key already replaced it.
    fn check_nothing_lost(&self, snapshot: &Value) {
        if snapshot["me"].is_null() {
            return;
        }
        for (key, value) in &self.confirmed {
            let shown = view_of(&snapshot["me"], key);
            let replaced = self.outbox.iter().any(|p| {
                p.writes
                    .as_ref()
                    .is_some_and(|(k, v)| k == key && *v == shown)
            });
            assert!(
                shown == *value || replaced,
                "{}: acknowledged {key} = {value} is gone after a restart: the server shows {shown}",
                self.label
            );
        }
    }
}

/// What a participant's own view (`me`) shows for a key.
pub fn view_of(me: &Value, key: &str) -> Value {
    let parts: Vec<&str> = key.splitn(3, '/').collect();
    match parts.as_slice() {
        ["answer", step, prompt] => me["answers"][*step][*prompt].clone(),
        ["ready", step] => json!(me["ready"].as_array().unwrap().iter().any(|s| s == *step)),
        ["vote", step] => me["votes"][*step].clone(),
        _ => panic!("unknown key {key}"),
    }
}
