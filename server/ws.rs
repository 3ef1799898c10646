//! The WebSocket for every screen. A reader task reads frames, enforces the size limit and the
//! idle timeout and forwards messages to the session actor; a writer task sends what the actor
//! queued, pings, and closes with the code it is told. Neither holds session state.

use std::time::Duration;

use axum::extract::WebSocketUpgrade;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use axum::response::Response;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot};

use crate::protocol::{self, ServerMsg, WireError, parse_client};
use crate::session::{CONNECTION_QUEUE, OpenError, Outlet, SessionHandle};

/// How long a new connection may take to introduce itself.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the server pings.
const PING_EVERY: Duration = Duration::from_secs(15);
/// A connection silent this long (no message, no pong) is considered dead.
const IDLE_TIMEOUT: Duration = Duration::from_secs(45);
/// The transport refuses frames beyond this; between it and the protocol limit the server
/// answers with close code 1009 itself.
const TRANSPORT_LIMIT: usize = 4 * protocol::MAX_MESSAGE_BYTES;

/// Accepts the upgrade; `handle` is `None` for an unknown session (closed with 4404).
pub fn upgrade(upgrade: WebSocketUpgrade, handle: Option<SessionHandle>) -> Response {
    upgrade
        .max_message_size(TRANSPORT_LIMIT)
        .max_frame_size(TRANSPORT_LIMIT)
        .on_upgrade(move |socket| serve(socket, handle))
}

async fn serve(socket: WebSocket, handle: Option<SessionHandle>) {
    let (mut sink, mut stream) = socket.split();
    let Some(handle) = handle else {
        close(&mut sink, protocol::CLOSE_NOT_FOUND, "unknown session").await;
        return;
    };
    let first = match tokio::time::timeout(OPEN_TIMEOUT, next_text(&mut stream)).await {
        Ok(Ok(text)) => text,
        Ok(Err(Some(code))) => return close(&mut sink, code, "message too big").await,
        Ok(Err(None)) => return,
        Err(_) => return close(&mut sink, protocol::CLOSE_PROTOCOL, "no hello").await,
    };
    let opening = match parse_client(&first).and_then(|m| m.into_opening()) {
        Ok(opening) => opening,
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
    let (messages, queue) = mpsc::channel(CONNECTION_QUEUE);
    let (actor_close, closed_by_actor) = oneshot::channel();
    let conn = match handle
        .open(
            opening,
            Outlet {
                messages,
                close: actor_close,
            },
        )
        .await
    {
        Ok(conn) => conn,
        Err(OpenError::Unauthorized) => {
            return close(
                &mut sink,
                protocol::CLOSE_UNAUTHORIZED,
                "unknown token or participant",
            )
            .await;
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
    let writer = tokio::spawn(write_loop(sink, queue, closed_by_actor, closed_by_reader));
    let mut reader_close = Some(reader_close);
    loop {
        match tokio::time::timeout(IDLE_TIMEOUT, next_text(&mut stream)).await {
            Ok(Ok(text)) => {
                if !handle.message(conn, parse_client(&text)).await {
                    break;
                }
            }
            Ok(Err(Some(code))) => {
                if let Some(tx) = reader_close.take() {
                    let _ = tx.send(code);
                }
                break;
            }
            Ok(Err(None)) | Err(_) => break,
        }
    }
    handle.closed(conn).await;
    drop(reader_close);
    let _ = writer.await;
}

/// The next text frame. Pongs and pings only count as life. `Err(Some(code))` asks the caller
/// to close with that code; `Err(None)` means the socket ended.
async fn next_text(stream: &mut SplitStream<WebSocket>) -> Result<String, Option<u16>> {
    loop {
        match stream.next().await {
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
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Err(None),
        }
    }
}

async fn write_loop(
    mut sink: SplitSink<WebSocket, Message>,
    mut queue: mpsc::Receiver<Utf8Bytes>,
    mut closed_by_actor: oneshot::Receiver<u16>,
    mut closed_by_reader: oneshot::Receiver<u16>,
) {
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            biased;
            code = &mut closed_by_actor => {
                if let Ok(code) = code {
                    close(&mut sink, code, "closed by the server").await;
                }
                return;
            }
            code = &mut closed_by_reader => {
                if let Ok(code) = code {
                    close(&mut sink, code, "message too big").await;
                }
                return;
            }
            next = queue.recv() => match next {
                Some(text) => {
                    if sink.send(Message::Text(text)).await.is_err() {
                        return;
                    }
                }
                None => return,
            },
            _ = ping.tick() => {
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    return;
                }
            }
        }
    }
}

async fn send_error(sink: &mut SplitSink<WebSocket, Message>, error: &WireError) {
    let msg = ServerMsg::Error {
        seq: 0,
        op: error.op.as_deref(),
        code: error.code,
        message: &error.message,
    };
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
