//! A session pushed to its limits, beside the measured one (scenario 7): one participant on
//! ten connections sends grid ratings as fast as the sockets take them, and a joiner adds new
//! participants as fast as the server lets it, until the session is full or the flood is told
//! to stop. Everything the server sends back is read and dropped, so the flood is never a slow
//! reader; refusals (`rate_limited`, `full`) are counted.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{self, GRID_STEP};
use crate::phase::Room;

/// Connections the flooding participant opens.
pub const CONNECTIONS: usize = 10;

/// Each connection sends `PER_TICK` ratings every `TICK`: 1,000 a second, fifty times what one
/// participant's allowance takes (`limits::MESSAGES`, 20 a second), on each of the ten. Sending
/// without a pace would measure the client machine: the flood would spend the clients' CPU
/// filling its sockets' buffers, which an attacker does on a machine of their own.
const TICK: std::time::Duration = std::time::Duration::from_millis(10);
const PER_TICK: usize = 10;

/// What the flood did.
#[derive(Debug, Default)]
pub struct Counts {
    /// Messages the flood sent.
    pub sent: AtomicU64,
    /// Error frames it got back (mostly `rate_limited`).
    pub refused: AtomicU64,
    /// Participants it added.
    pub joined: AtomicU64,
    /// Joins refused as `busy` (the session's join allowance spent), each tried again.
    pub busy: AtomicU64,
}

/// Floods `room` until `stop` turns true; at most `joins` participants are added.
pub async fn run(
    addr: SocketAddr,
    room: Room,
    joins: usize,
    stop: watch::Receiver<bool>,
    counts: Arc<Counts>,
) -> anyhow::Result<()> {
    let path = format!("/api/sessions/{}/ws", room.code);
    let (first, snapshot) = client::join(addr, None, &path, &counts.busy).await?;
    let snapshot: Value = serde_json::from_str(&snapshot)?;
    let me = snapshot["me"].clone();
    counts.joined.fetch_add(1, Ordering::Relaxed);
    let mut tasks = vec![tokio::spawn(rate(first, stop.clone(), counts.clone(), 0))];
    for i in 1..CONNECTIONS {
        let mut ws = client::connect(addr, None, &path).await?;
        let resume = json!({ "type": "resume", "participant": me["id"], "secret": me["secret"] });
        client::send(&mut ws, &resume).await?;
        client::expect(&mut ws, "snapshot").await?;
        tasks.push(tokio::spawn(rate(ws, stop.clone(), counts.clone(), i)));
    }
    tasks.push(tokio::spawn(join_many(addr, path, joins, stop, counts)));
    for task in tasks {
        task.await??;
    }
    Ok(())
}

/// Sends ratings back to back on one connection while reading everything that comes back.
async fn rate(
    ws: client::Ws,
    mut stop: watch::Receiver<bool>,
    counts: Arc<Counts>,
    connection: usize,
) -> anyhow::Result<()> {
    let (mut sink, mut stream) = ws.split();
    let reader_counts = counts.clone();
    let reader = tokio::spawn(async move {
        while let Some(Ok(frame)) = stream.next().await {
            if let Message::Text(text) = frame
                && client::Head::of(&text).kind == "error"
            {
                reader_counts.refused.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let mut n = 0u64;
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    'flood: while !*stop.borrow() {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => break,
        }
        for _ in 0..PER_TICK {
            n += 1;
            let answer = json!({
                "type": "answer", "op": format!("flood-{connection}-{n}"), "step": GRID_STEP,
                "prompt": "tillid", "value": { "importance": 1 + n % 5, "success": 1 + (n / 5) % 5 },
            });
            tokio::select! {
                sent = sink.send(Message::text(answer.to_string())) => {
                    if sent.is_err() { break 'flood; }
                    counts.sent.fetch_add(1, Ordering::Relaxed);
                }
                _ = stop.changed() => break 'flood,
            }
        }
    }
    // The server may be reading this socket slowly (its allowance is spent): do not wait for
    // the close to get through what is still queued.
    let _ = tokio::time::timeout(std::time::Duration::from_millis(100), sink.close()).await;
    reader.abort();
    Ok(())
}

/// Adds participants one after another (each a stored event) until `joins`, a refusal other
/// than `busy`, or stop; a `busy` join is tried again as a phone would.
async fn join_many(
    addr: SocketAddr,
    path: String,
    joins: usize,
    mut stop: watch::Receiver<bool>,
    counts: Arc<Counts>,
) -> anyhow::Result<()> {
    for _ in 1..joins {
        if *stop.borrow() {
            break;
        }
        let joining = client::join(addr, None, &path, &counts.busy);
        let ws = tokio::select! {
            joined = joining => match joined {
                Ok((ws, _)) => ws,
                Err(_) => {
                    counts.refused.fetch_add(1, Ordering::Relaxed);
                    break;
                }
            },
            _ = stop.changed() => break,
        };
        counts.joined.fetch_add(1, Ordering::Relaxed);
        // Gone at once: the participant stays in the session, its socket does not.
        drop(ws);
    }
    Ok(())
}
