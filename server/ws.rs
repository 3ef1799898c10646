//! The WebSocket for every screen. A reader task reads frames, enforces the size limit and the
//! idle timeout and forwards messages to the session actor; a writer task sends what the actor
//! queued, pings, and closes with the code it is told. Neither holds session state.

use std::time::{Duration, Instant};

use axum::extract::WebSocketUpgrade;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use axum::response::Response;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot};

use crate::protocol::{self, ServerMsg, WireError, parse_client};
use crate::session::{
    CONNECTION_QUEUE, ConnId, OpenError, Opened, Outgoing, Outlet, SessionHandle, SharedBudget,
};

/// How long a new connection may take to introduce itself.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the server pings.
const PING_EVERY: Duration = Duration::from_secs(15);
/// A connection silent this long (no message, no pong) is considered dead.
const IDLE_TIMEOUT: Duration = Duration::from_secs(45);
/// A send blocked this long means the peer stopped reading; the connection is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// The transport refuses frames beyond this; between it and the protocol limit the server
/// answers with close code 1009 itself.
const TRANSPORT_LIMIT: usize = 4 * protocol::MAX_MESSAGE_BYTES;

/// Initial size of a connection's read buffer. Client messages are small; the buffer grows for
/// a larger one. (tungstenite's default, 128 KiB, is zeroed when first read into, and would
/// make every idle connection cost 128 KiB of resident memory.)
const READ_BUFFER: usize = 2 * 1024;

/// The close reason of an unknown (or unreadable) token, participant id or secret.
const UNKNOWN: &str = "unknown token or participant";

/// Refusals in a row after which a participant's connection stops reading until their
/// allowance has room for a message again: back-pressure on a flood, which then waits on its
/// own socket. A phone flushing its outbox is only slowed (what waits is read afterwards).
const REFUSALS_BEFORE_PAUSE: u32 = 20;

/// The reason of a 4429 close.
const TOO_MANY: &str = "too many attempts; try again later";

/// Marks a handshake from an address out of wrong-code tries (`http`'s `limit_guesses`).
#[derive(Debug, Clone, Copy)]
pub struct Guarded;

/// Accepts the upgrade; `handle` is `None` for an unknown session (closed with 4404). A
/// `guarded` socket (its address is out of wrong-code tries) opens only as staff or as a
/// resuming participant with valid credentials; anything else — a join, a wrong credential, an
/// unknown session, a bad first message — is closed with 4429 alike, so it tells nothing.
pub fn upgrade(
    upgrade: WebSocketUpgrade,
    handle: Option<SessionHandle>,
    guarded: bool,
) -> Response {
    upgrade
        .read_buffer_size(READ_BUFFER)
        .max_message_size(TRANSPORT_LIMIT)
        .max_frame_size(TRANSPORT_LIMIT)
        .on_upgrade(move |socket| serve(socket, handle, guarded))
}

async fn serve(socket: WebSocket, handle: Option<SessionHandle>, guarded: bool) {
    let _counted = crate::metrics::Connection::open();
    let (mut sink, mut stream) = socket.split();
    if handle.is_none() && !guarded {
        close(&mut sink, protocol::CLOSE_NOT_FOUND, "unknown session").await;
        return;
    }
    let first = match tokio::time::timeout(OPEN_TIMEOUT, next_text(&mut stream)).await {
        Ok(Ok(text)) => text,
        Ok(Err(Some(code))) => return close(&mut sink, code, "message too big").await,
        Ok(Err(None)) => return,
        Err(_) => return close(&mut sink, protocol::CLOSE_PROTOCOL, "no hello").await,
    };
    let opening = match parse_client(&first).and_then(|m| m.into_opening()) {
        Ok(opening) => opening,
        Err(_) if guarded => return close(&mut sink, protocol::CLOSE_TOO_MANY, TOO_MANY).await,
        Err(e) if e.code == protocol::client::UNAUTHORIZED => {
            return close(&mut sink, protocol::CLOSE_UNAUTHORIZED, UNKNOWN).await;
        }
        Err(e) => {
            send_error(&mut sink, &e).await;
            return close(
                &mut sink,
                protocol::CLOSE_PROTOCOL,
                "expected hello, join or resume",
            )
            .await;
        }
    };
    let handle = match handle {
        Some(handle) if !(guarded && matches!(opening, protocol::Opening::Join { .. })) => handle,
        _ => return close(&mut sink, protocol::CLOSE_TOO_MANY, TOO_MANY).await,
    };
    let (messages, queue) = mpsc::channel(CONNECTION_QUEUE);
    let refusals = messages.clone();
    let (actor_close, closed_by_actor) = oneshot::channel();
    let Opened { conn, budget } = match handle
        .open(
            opening,
            Outlet {
                messages,
                close: actor_close,
            },
        )
        .await
    {
        Ok(opened) => opened,
        Err(OpenError::Unauthorized) if guarded => {
            return close(&mut sink, protocol::CLOSE_TOO_MANY, TOO_MANY).await;
        }
        Err(OpenError::Unauthorized) => {
            return close(&mut sink, protocol::CLOSE_UNAUTHORIZED, UNKNOWN).await;
        }
        Err(OpenError::Refused(e)) => {
            send_error(&mut sink, &e).await;
            return close(&mut sink, protocol::CLOSE_PROTOCOL, "refused").await;
        }
        Err(OpenError::Gone) => {
            return close(&mut sink, protocol::CLOSE_GOING_AWAY, "try again").await;
        }
    };
    let (reader_close, closed_by_reader) = oneshot::channel();
    let mut writer = tokio::spawn(write_loop(sink, queue, closed_by_actor, closed_by_reader));
    // Whichever side ends first ends the connection: a dead writer means the peer stopped
    // reading, a dead reader means it went away.
    let (close_with, writer_done) = tokio::select! {
        code = read_loop(&mut stream, &handle, conn, budget.map(|b| (b, refusals))) => (code, false),
        _ = &mut writer => (None, true),
    };
    handle.closed(conn).await;
    if let Some(code) = close_with {
        let _ = reader_close.send(code);
    } else {
        drop(reader_close);
    }
    // Give the writer a moment to send a close frame; a peer that does not read gets none.
    if !writer_done {
        let abort = writer.abort_handle();
        if tokio::time::timeout(SEND_TIMEOUT, writer).await.is_err() {
            abort.abort();
        }
    }
}

/// Forwards messages until the socket ends, goes silent, or must be closed (returns the code).
/// With `limited` (participants), a message beyond the participant's allowance
/// (`limits::MESSAGES`, shared by all their connections) is not forwarded: it gets a
/// `rate_limited` error through the refusals sender (the connection's queue), and the client
/// sends it again later.
async fn read_loop(
    stream: &mut SplitStream<WebSocket>,
    handle: &SessionHandle,
    conn: ConnId,
    limited: Option<(SharedBudget, mpsc::Sender<Outgoing>)>,
) -> Option<u16> {
    fn lock(budget: &SharedBudget) -> std::sync::MutexGuard<'_, crate::limits::Allowance> {
        budget
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
    // Refusals since the last message let through.
    let mut refused = 0;
    loop {
        match next_text(stream).await {
            Ok(text) => {
                if let Some((budget, refusals)) = &limited
                    && !lock(budget).take(Instant::now())
                {
                    let error = WireError::rate_limited(&text);
                    let refusal = ServerMsg::error(handle.seq(), &error);
                    // A full queue means the peer is not reading: the refusal may go unsaid.
                    let _ = refusals.try_send(Outgoing::Text(refusal.to_json().into()));
                    refused += 1;
                    if refused >= REFUSALS_BEFORE_PAUSE {
                        // A flood: stop reading until the allowance has a message again, so
                        // the sender waits on its own socket rather than on the server.
                        let wait = lock(budget).until_next(Instant::now());
                        tokio::time::sleep(wait).await;
                    }
                    continue;
                }
                refused = 0;
                if !handle.message(conn, parse_client(&text)).await {
                    return None;
                }
            }
            Err(code) => return code,
        }
    }
}

/// The next text frame. Pongs and pings only count as life: any frame resets the idle timeout,
/// so a quiet screen that answers pings stays. `Err(Some(code))` asks the caller to close with
/// that code; `Err(None)` means the socket ended or was silent for [`IDLE_TIMEOUT`].
async fn next_text(stream: &mut SplitStream<WebSocket>) -> Result<String, Option<u16>> {
    loop {
        let Ok(frame) = tokio::time::timeout(IDLE_TIMEOUT, stream.next()).await else {
            return Err(None);
        };
        match frame {
            Some(Ok(Message::Text(text))) => {
                if text.len() > protocol::MAX_MESSAGE_BYTES {
                    return Err(Some(protocol::CLOSE_TOO_BIG));
                }
                return Ok(text.as_str().to_owned());
            }
            Some(Ok(Message::Binary(data))) => {
                if data.len() > protocol::MAX_MESSAGE_BYTES {
                    return Err(Some(protocol::CLOSE_TOO_BIG));
                }
                match String::from_utf8(data.to_vec()) {
                    Ok(text) => return Ok(text),
                    Err(_) => return Ok(String::new()),
                }
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            // A message beyond even the transport's limit gets the same close as one over ours.
            Some(Err(e)) if too_big(&e) => return Err(Some(protocol::CLOSE_TOO_BIG)),
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Err(None),
        }
    }
}

/// Whether a read failed because the frame or message was over the transport's limit.
fn too_big(error: &axum::Error) -> bool {
    let inner: &(dyn std::error::Error + 'static) = error;
    std::iter::successors(Some(inner), |e| e.source()).any(|e| {
        matches!(
            e.downcast_ref::<tungstenite::Error>(),
            Some(tungstenite::Error::Capacity(_))
        )
    })
}

async fn write_loop(
    mut sink: SplitSink<WebSocket, Message>,
    mut queue: mpsc::Receiver<Outgoing>,
    mut closed_by_actor: oneshot::Receiver<u16>,
    mut closed_by_reader: oneshot::Receiver<u16>,
) {
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    // The actor drops its close sender when it forgets the connection; that alone is no reason
    // to stop: what it queued before (such as `deleted` and its close) still goes out.
    let mut actor_may_close = true;
    loop {
        tokio::select! {
            biased;
            code = &mut closed_by_actor, if actor_may_close => match code {
                Ok(code) => return close(&mut sink, code, "closed by the server").await,
                Err(_) => actor_may_close = false,
            },
            code = &mut closed_by_reader => {
                if let Ok(code) = code {
                    close(&mut sink, code, "message too big").await;
                }
                return;
            }
            next = queue.recv() => match next {
                Some(Outgoing::Text(text)) => {
                    match tokio::time::timeout(SEND_TIMEOUT, sink.send(Message::Text(text))).await {
                        Ok(Ok(())) => {}
                        Ok(Err(_)) | Err(_) => return,
                    }
                }
                Some(Outgoing::Close(code)) => return close(&mut sink, code, "closed by the server").await,
                None => return,
            },
            _ = ping.tick() => {
                let ping = sink.send(Message::Ping(Default::default()));
                if !matches!(tokio::time::timeout(SEND_TIMEOUT, ping).await, Ok(Ok(()))) {
                    return;
                }
            }
        }
    }
}

async fn send_error(sink: &mut SplitSink<WebSocket, Message>, error: &WireError) {
    let msg = ServerMsg::error(0, error);
    let _ = sink.send(Message::Text(msg.to_json().into())).await;
}

async fn close(sink: &mut SplitSink<WebSocket, Message>, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    };
    let _ = sink.send(Message::Close(Some(frame))).await;
    let _ = sink.close().await;
}
