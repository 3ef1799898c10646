//! The page scenario's baseline: the least a server must do to give the browser the answers
//! trivsel gave it, with nothing trivsel adds — no middleware, no security headers, no
//! sessions. Its answers are trivsel's own bytes: the requests the browser made of trivsel
//! were recorded on the wire (`tap`), fetched again from trivsel in each encoding it offers
//! (brotli, gzip, none), and written to this server's data directory ([`Replay`]).
//!
//! A request is answered by its path and query: `304` when `If-None-Match` names the recorded
//! `ETag`, else the recorded body in the best encoding the request accepts, with the headers a
//! static server sends (type, encoding, caching, `ETag`, `Vary`, and the service worker's
//! `Service-Worker-Allowed`). A WebSocket gets, after each message of the browser's, the
//! messages trivsel sent after the same message when it was recorded.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

use crate::tap::SocketLog;

/// The file in the data directory that describes the replay; bodies are beside it.
pub const FILE: &str = "replay.json";

/// Headers a static server sends that the baseline keeps from trivsel's answers.
pub const KEPT_HEADERS: [&str; 6] = [
    "content-type",
    "content-encoding",
    "cache-control",
    "etag",
    "vary",
    "service-worker-allowed",
];

/// Everything the baseline answers.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Replay {
    /// One per path and query.
    pub answers: Vec<Answer>,
    /// One per WebSocket path and opening message.
    pub conversations: Vec<Conversation>,
}

/// The answer to `GET` of one path and query.
#[derive(Debug, Serialize, Deserialize)]
pub struct Answer {
    /// Path and query.
    pub target: String,
    /// trivsel's status.
    pub status: u16,
    /// Its `ETag`, if it gave one.
    pub etag: Option<String>,
    /// The body in each encoding trivsel offered.
    pub variants: Vec<Variant>,
}

/// One encoding of an answer.
#[derive(Debug, Serialize, Deserialize)]
pub struct Variant {
    /// `br`, `gzip`, or none.
    pub encoding: Option<String>,
    /// The kept headers ([`KEPT_HEADERS`]).
    pub headers: Vec<(String, String)>,
    /// The body's file, beside [`FILE`].
    pub body: String,
}

/// What trivsel sent on one WebSocket, by the browser's message it followed.
#[derive(Debug, Serialize, Deserialize)]
pub struct Conversation {
    /// The path the browser opened.
    pub path: String,
    /// The browser's first message, reduced to what tells connections apart ([`opening`]).
    pub opening: String,
    /// trivsel's messages before the browser's first.
    pub before: Vec<String>,
    /// trivsel's messages after each of the browser's (`after[0]`: after the first).
    pub after: Vec<Vec<String>>,
}

impl Conversation {
    /// The conversation a recorded socket held, if the browser said anything on it.
    pub fn of(log: &SocketLog) -> Option<Conversation> {
        let first = log.messages.iter().position(|(browser, _)| *browser)?;
        let before = log.messages[..first]
            .iter()
            .map(|(_, t)| t.clone())
            .collect();
        let mut after: Vec<Vec<String>> = Vec::new();
        for (browser, text) in &log.messages[first..] {
            if *browser {
                after.push(Vec::new());
            } else if let Some(last) = after.last_mut() {
                last.push(text.clone());
            }
        }
        Some(Conversation {
            path: log.path.clone(),
            opening: opening(&log.messages[first].1),
            before,
            after,
        })
    }
}

/// A browser's first message on a socket, as told apart: its type and token (a phone joining,
/// a phone resuming, the projector, the console).
pub fn opening(first: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(first).unwrap_or_default();
    format!(
        "{} {}",
        value["type"].as_str().unwrap_or(""),
        value["token"].as_str().unwrap_or("")
    )
}

/// Loaded answers: bodies in memory.
struct Served {
    answers: HashMap<String, Stored>,
    conversations: Vec<Conversation>,
}

/// One [`Answer`], loaded.
struct Stored {
    status: u16,
    etag: Option<String>,
    variants: Vec<Encoded>,
}

/// One [`Variant`], loaded.
struct Encoded {
    encoding: Option<String>,
    headers: HeaderMap,
    body: Bytes,
}

/// Serves the replay in `data` until the task is dropped.
pub async fn run(listener: TcpListener, data: &Path) -> anyhow::Result<()> {
    let path = data.join(FILE);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let replay: Replay = serde_json::from_str(&text).context("a malformed replay")?;
    let mut answers = HashMap::new();
    for answer in replay.answers {
        let mut variants = Vec::new();
        for variant in answer.variants {
            let body = std::fs::read(data.join(&variant.body))
                .with_context(|| format!("cannot read the body {}", variant.body))?;
            let mut headers = HeaderMap::new();
            for (name, value) in &variant.headers {
                headers.insert(
                    HeaderName::from_bytes(name.as_bytes())?,
                    HeaderValue::from_str(value)?,
                );
            }
            variants.push(Encoded {
                encoding: variant.encoding,
                headers,
                body: Bytes::from(body),
            });
        }
        let stored = Stored {
            status: answer.status,
            etag: answer.etag,
            variants,
        };
        answers.insert(answer.target, stored);
    }
    let served = Arc::new(Served {
        answers,
        conversations: replay.conversations,
    });
    let app = axum::Router::new()
        .route("/api/sessions/{code}/ws", axum::routing::get(socket))
        .fallback(file)
        .with_state(served);
    axum::serve(listener, app).await?;
    Ok(())
}

/// Whether `accept` (an `Accept-Encoding`) takes `encoding`.
fn accepts(accept: &str, encoding: &str) -> bool {
    accept.split(',').any(|item| {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
        name.eq_ignore_ascii_case(encoding) && !refused
    })
}

async fn file(State(served): State<Arc<Served>>, request: Request) -> Response {
    let target = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let Some(Stored {
        status,
        etag,
        variants,
    }) = served.answers.get(&target)
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let headers = request.headers();
    let unchanged = etag.as_deref().is_some_and(|etag| {
        headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|given| given.split(',').any(|tag| tag.trim() == etag))
    });
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let chosen = ["br", "gzip"]
        .iter()
        .filter(|encoding| accepts(accept, encoding))
        .find_map(|encoding| {
            variants
                .iter()
                .find(|v| v.encoding.as_deref() == Some(encoding))
        })
        .or_else(|| variants.iter().find(|v| v.encoding.is_none()))
        .or_else(|| variants.first());
    let Some(Encoded {
        headers: kept,
        body,
        ..
    }) = chosen
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if unchanged {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        for name in [header::ETAG, header::CACHE_CONTROL, header::VARY] {
            if let Some(value) = kept.get(&name) {
                response.headers_mut().insert(name, value.clone());
            }
        }
        return response;
    }
    let mut response = body.clone().into_response();
    *response.status_mut() = StatusCode::from_u16(*status).unwrap_or(StatusCode::OK);
    let out = response.headers_mut();
    out.remove(header::CONTENT_TYPE);
    for (name, value) in kept {
        out.insert(name, value.clone());
    }
    response
}

async fn socket(
    State(served): State<Arc<Served>>,
    upgrade: WebSocketUpgrade,
    request: Request,
) -> Response {
    let path = request.uri().path().to_owned();
    upgrade.on_upgrade(move |ws| converse(ws, path, served))
}

/// Answers the browser's messages as trivsel did when they were recorded.
async fn converse(mut ws: WebSocket, path: String, served: Arc<Served>) {
    let mut conversation = None::<&Conversation>;
    let mut heard = 0;
    loop {
        let text = match ws.recv().await {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
            Some(Ok(_)) => continue,
        };
        if conversation.is_none() {
            let opening = opening(&text);
            conversation = served
                .conversations
                .iter()
                .find(|c| c.path == path && c.opening == opening)
                .or_else(|| served.conversations.iter().find(|c| c.opening == opening));
            let Some(found) = conversation else {
                return;
            };
            for earlier in &found.before {
                if ws.send(Message::text(earlier.as_str())).await.is_err() {
                    return;
                }
            }
        }
        let replies = conversation
            .and_then(|c| c.after.get(heard))
            .map_or(&[][..], Vec::as_slice);
        heard += 1;
        for reply in replies {
            if ws.send(Message::text(reply.as_str())).await.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conversation_groups_the_servers_messages_by_the_browsers() {
        let log = SocketLog {
            path: "/api/sessions/ABC/ws".into(),
            messages: vec![
                (true, r#"{"type":"join","name":null}"#.into()),
                (false, "welcome".into()),
                (false, "snapshot".into()),
                (true, "ready".into()),
                (false, "ack".into()),
            ],
        };
        let c = Conversation::of(&log).unwrap();
        assert_eq!(c.opening, "join ");
        assert!(c.before.is_empty());
        assert_eq!(c.after, [vec!["welcome", "snapshot"], vec!["ack"]]);
    }

    #[test]
    fn encodings_refused_with_q_zero_are_not_accepted() {
        assert!(accepts("gzip, deflate, br, zstd", "br"));
        assert!(!accepts("gzip, br;q=0", "br"));
        assert!(!accepts("gzip", "br"));
    }
}
