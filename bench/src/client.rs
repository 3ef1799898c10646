//! The load generator's WebSocket client. It connects from a chosen loopback address, opens
//! as a phone or as staff, and then plays one role while recording what it received and when.
//! The same code drives trivsel and the baseline.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::time::sleep_until;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{WebSocketStream, client_async_with_config};

/// An open WebSocket.
pub type Ws = WebSocketStream<TcpStream>;

/// How long any single expected reply may take before the benchmark gives up on it.
pub const REPLY_WAIT: Duration = Duration::from_secs(30);

/// The grid step every phone rates in, and its topics (the built-in programme `del2`).
pub const GRID_STEP: &str = "prioritering";
/// The grid step's position in `del2`.
pub const GRID_INDEX: usize = 2;
const TOPICS: [&str; 6] = [
    "samarbejde",
    "sparring",
    "tillid",
    "fejl",
    "frirum",
    "moeder",
];

/// Opens a WebSocket to `path` on `server`, from `source` when given.
pub async fn connect(server: SocketAddr, source: Option<IpAddr>, path: &str) -> anyhow::Result<Ws> {
    let socket = TcpSocket::new_v4().context("cannot create a socket (out of files?)")?;
    if let Some(ip) = source {
        socket
            .bind(SocketAddr::new(ip, 0))
            .with_context(|| format!("cannot bind to {ip} (out of ports?)"))?;
    }
    let tcp = socket
        .connect(server)
        .await
        .with_context(|| format!("cannot connect to {server}"))?;
    tcp.set_nodelay(true)?;
    // Small buffers: tens of thousands of clients share this process.
    let config = WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .write_buffer_size(0);
    let (ws, _) = client_async_with_config(format!("ws://{server}{path}"), tcp, Some(config))
        .await
        .context("WebSocket handshake failed")?;
    Ok(ws)
}

/// Sends a JSON message.
pub async fn send(ws: &mut Ws, value: &Value) -> anyhow::Result<()> {
    ws.send(Message::text(value.to_string()))
        .await
        .context("send failed")
}

/// Reads until a frame of type `kind` arrives (returning its text); fails on close or after
/// [`REPLY_WAIT`].
pub async fn expect(ws: &mut Ws, kind: &str) -> anyhow::Result<String> {
    let deadline = tokio::time::Instant::now() + REPLY_WAIT;
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .with_context(|| format!("no {kind} within {REPLY_WAIT:?}"))?;
        match frame {
            Some(Ok(Message::Text(text))) => {
                let head = Head::of(&text);
                if head.kind == kind {
                    return Ok(text.as_str().to_owned());
                }
                if head.kind == "error" {
                    bail!("the server refused: {text}");
                }
            }
            Some(Ok(Message::Close(frame))) => bail!("closed while waiting for {kind}: {frame:?}"),
            Some(Ok(_)) => {}
            Some(Err(e)) => bail!("socket error while waiting for {kind}: {e}"),
            None => bail!("closed while waiting for {kind}"),
        }
    }
}

/// How long a phone keeps trying to join a session that answers `busy`.
const JOIN_WAIT: Duration = Duration::from_secs(120);

/// Joins the session at `path` as a new participant and returns the socket and its snapshot.
/// A join refused as `busy` (the session's join allowance is spent) is tried again a moment
/// later, as the phone page does; `busy` counts those refusals.
pub async fn join(
    server: SocketAddr,
    source: Option<IpAddr>,
    path: &str,
    busy: &std::sync::atomic::AtomicU64,
) -> anyhow::Result<(Ws, String)> {
    let deadline = Instant::now() + JOIN_WAIT;
    let mut attempt = 0u64;
    loop {
        let mut ws = connect(server, source, path).await?;
        send(&mut ws, &json!({ "type": "join" })).await?;
        match expect(&mut ws, "snapshot").await {
            Ok(snapshot) => return Ok((ws, snapshot)),
            Err(e) if e.to_string().contains(r#""code":"busy""#) && Instant::now() < deadline => {
                busy.fetch_add(1, Ordering::Relaxed);
                attempt += 1;
                // Spread the retries: 50 to 250 ms, by attempt.
                tokio::time::sleep(Duration::from_millis(50 + (attempt * 37) % 200)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Sends an operation and waits for its ack.
pub async fn request(ws: &mut Ws, mut value: Value, op: &str) -> anyhow::Result<()> {
    value["op"] = json!(op);
    send(ws, &value).await?;
    let deadline = tokio::time::Instant::now() + REPLY_WAIT;
    loop {
        let text = tokio::time::timeout_at(deadline, async {
            loop {
                match ws.next().await {
                    Some(Ok(Message::Text(text))) => return Ok(text),
                    Some(Ok(_)) => continue,
                    _ => bail!("closed while waiting for the reply to {op}"),
                }
            }
        })
        .await
        .with_context(|| format!("no reply to {op} within {REPLY_WAIT:?}"))??;
        let head = Head::of(&text);
        if head.op == Some(op) {
            if head.kind == "ack" {
                return Ok(());
            }
            bail!("the server refused {op}: {text}");
        }
    }
}

/// The start of a server frame: every message begins `{"type":"…","seq":N`, and acks and
/// errors continue `,"op":"…"`. Reading only that keeps the clients cheap; anything else
/// falls back to a full parse.
#[derive(Debug, PartialEq)]
pub struct Head<'a> {
    /// The message type.
    pub kind: &'a str,
    /// The sequence number (0 when absent).
    pub seq: u64,
    /// The operation id of an ack or error.
    pub op: Option<&'a str>,
}

impl<'a> Head<'a> {
    /// Reads the head of `text`; unknown shapes give the kind `?`.
    pub fn of(text: &'a str) -> Head<'a> {
        Self::fast(text).unwrap_or_else(|| {
            let seq = serde_json::from_str::<Value>(text)
                .ok()
                .and_then(|v| v["seq"].as_u64())
                .unwrap_or(0);
            Head {
                kind: "?",
                seq,
                op: None,
            }
        })
    }

    fn fast(text: &'a str) -> Option<Head<'a>> {
        let rest = text.strip_prefix("{\"type\":\"")?;
        let (kind, rest) = rest.split_once('"')?;
        let rest = rest.strip_prefix(",\"seq\":")?;
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        let seq = rest[..digits].parse().ok()?;
        let rest = &rest[digits..];
        let op = rest
            .strip_prefix(",\"op\":\"")
            .and_then(|r| r.split_once('"'))
            .map(|(op, _)| op);
        Some(Head { kind, seq, op })
    }
}

/// What the driver tells every client task, through a `watch` channel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Control {
    /// Connected; wait.
    Wait,
    /// Phones rate grid topics from `start` until `end` (one operation per interval each);
    /// everyone counts the bytes received from `start` until `count_until`.
    Ops {
        /// When the first operations go out.
        start: Instant,
        /// No operation is sent after this.
        end: Instant,
        /// The end of the byte-counting window.
        count_until: Instant,
    },
    /// Close and report.
    Stop,
}

/// What a phone does once it joined.
#[derive(Clone)]
pub struct PhonePlan {
    /// Time between two operations of this phone.
    pub interval: Duration,
    /// Never read again (a frozen phone); keep the socket open until the end.
    pub stalled: bool,
    /// Count every step frame here, so the driver knows when a round reached everyone.
    pub steps_seen: Arc<AtomicUsize>,
}

/// What a phone saw.
#[derive(Debug, Default)]
pub struct PhoneRecord {
    /// Each step frame: its sequence number and when it arrived.
    pub steps: Vec<(u64, Instant)>,
    /// When operation `n` was sent.
    pub sent: Vec<Instant>,
    /// For operation `n`: when its ack arrived and the ack's sequence number.
    pub acked: Vec<Option<(Instant, u64)>>,
    /// Error replies received.
    pub errors: u64,
    /// Payload bytes received inside the counting window.
    pub bytes: u64,
    /// Payload bytes of all step frames.
    pub step_bytes: u64,
    /// Whether the server closed the socket (e.g. 4408 for a phone that stopped reading).
    pub closed: Option<u16>,
}

/// Runs a joined phone until told to stop.
pub async fn phone(
    mut ws: Ws,
    plan: PhonePlan,
    mut control: watch::Receiver<Control>,
) -> PhoneRecord {
    let mut record = PhoneRecord::default();
    if plan.stalled {
        let _ = control.wait_for(|c| *c == Control::Stop).await;
        return record;
    }
    let mut next_op = Instant::now();
    let mut end = next_op;
    let mut window = (next_op, next_op);
    let mut ops_left = false;
    loop {
        tokio::select! {
            changed = control.changed() => {
                match (changed, *control.borrow_and_update()) {
                    (Err(_), _) | (_, Control::Stop) => break,
                    (_, Control::Ops { start, end: stop_at, count_until }) => {
                        next_op = start + plan.interval.mul_f64(rand::random::<f64>());
                        end = stop_at;
                        window = (start, count_until);
                        ops_left = true;
                    }
                    (_, Control::Wait) => {}
                }
            }
            () = sleep_until(next_op.into()), if ops_left => {
                if next_op >= end {
                    ops_left = false;
                    continue;
                }
                let n = record.sent.len();
                let topic = TOPICS[rand::random_range(0..TOPICS.len())];
                let answer = json!({
                    "type": "answer", "op": n.to_string(), "step": GRID_STEP, "prompt": topic,
                    "value": { "importance": rand::random_range(1..=5), "success": rand::random_range(1..=5) },
                });
                record.sent.push(Instant::now());
                record.acked.push(None);
                if send(&mut ws, &answer).await.is_err() {
                    break;
                }
                next_op += plan.interval;
            }
            frame = ws.next() => {
                let now = Instant::now();
                match frame {
                    Some(Ok(Message::Text(text))) => {
                        if now >= window.0 && now < window.1 {
                            record.bytes += text.len() as u64;
                        }
                        let head = Head::of(&text);
                        match head.kind {
                            "step" => {
                                record.step_bytes += text.len() as u64;
                                record.steps.push((head.seq, now));
                                plan.steps_seen.fetch_add(1, Ordering::Relaxed);
                            }
                            "ack" => {
                                if let Some(slot) = head
                                    .op
                                    .and_then(|op| op.parse::<usize>().ok())
                                    .and_then(|n| record.acked.get_mut(n))
                                {
                                    *slot = Some((now, head.seq));
                                }
                            }
                            "error" => record.errors += 1,
                            _ => {}
                        }
                    }
                    Some(Ok(Message::Close(frame))) => {
                        record.closed = Some(frame.map_or(1005, |f| u16::from(f.code)));
                        break;
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => {
                        record.closed.get_or_insert(1006);
                        break;
                    }
                }
            }
        }
    }
    record
}

/// What a facilitator or projector saw.
#[derive(Debug, Default)]
pub struct StaffRecord {
    /// Each step change this facilitator made: when it sent `goto`, and the sequence number of
    /// the step frame that followed.
    pub rounds: Vec<(Instant, u64)>,
    /// Each activity frame: its sequence number and when it arrived.
    pub activity: Vec<(u64, Instant)>,
    /// Payload bytes received inside the counting window.
    pub bytes: u64,
    /// Payload bytes of all activity frames.
    pub activity_bytes: u64,
    /// Whether the server closed the socket.
    pub closed: Option<u16>,
}

/// Runs a facilitator or projector until told to stop. A facilitator (given `rounds`) sends
/// `goto` to the step in `rounds` every time it changes (the round number makes each change
/// distinct).
pub async fn staff(
    mut ws: Ws,
    rounds: Option<watch::Receiver<(u32, usize)>>,
    mut control: watch::Receiver<Control>,
) -> StaffRecord {
    let mut record = StaffRecord::default();
    let mut waiting: Option<Instant> = None;
    let now = Instant::now();
    let mut window = (now, now);
    let steering = rounds.is_some();
    // A receiver cloned before the task starts has seen the initial value only: a round sent
    // before this task first runs still counts as a change.
    let mut rounds = rounds.unwrap_or_else(|| watch::channel((0, 0)).1);
    let mut rounds_open = steering;
    loop {
        tokio::select! {
            changed = control.changed() => {
                match (changed, *control.borrow_and_update()) {
                    (Err(_), _) | (_, Control::Stop) => break,
                    (_, Control::Ops { start, count_until, .. }) => window = (start, count_until),
                    (_, Control::Wait) => {}
                }
            }
            changed = rounds.changed(), if rounds_open => {
                if changed.is_err() {
                    rounds_open = false;
                    continue;
                }
                let (round, index) = *rounds.borrow_and_update();
                let goto = json!({ "type": "goto", "op": format!("goto-{round}"), "index": index });
                waiting = Some(Instant::now());
                if send(&mut ws, &goto).await.is_err() {
                    break;
                }
            }
            frame = ws.next() => {
                let now = Instant::now();
                match frame {
                    Some(Ok(Message::Text(text))) => {
                        if now >= window.0 && now < window.1 {
                            record.bytes += text.len() as u64;
                        }
                        let head = Head::of(&text);
                        match head.kind {
                            "step" => {
                                if let Some(sent) = waiting.take() {
                                    record.rounds.push((sent, head.seq));
                                }
                            }
                            "activity" => {
                                record.activity_bytes += text.len() as u64;
                                record.activity.push((head.seq, now));
                            }
                            _ => {}
                        }
                    }
                    Some(Ok(Message::Close(frame))) => {
                        record.closed = Some(frame.map_or(1005, |f| u16::from(f.code)));
                        break;
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => {
                        record.closed.get_or_insert(1006);
                        break;
                    }
                }
            }
        }
    }
    record
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_of_server_frames() {
        assert_eq!(
            Head::of(r#"{"type":"ack","seq":61,"op":"3f1c-22"}"#),
            Head {
                kind: "ack",
                seq: 61,
                op: Some("3f1c-22")
            }
        );
        assert_eq!(
            Head::of(r#"{"type":"step","seq":58,"step":{}}"#),
            Head {
                kind: "step",
                seq: 58,
                op: None
            }
        );
        assert_eq!(Head::of(r#"{"seq":3}"#).seq, 3);
        assert_eq!(Head::of("not json").kind, "?");
    }
}
