//! A relay between the browser and a server: the wire between them. It counts what crosses —
//! bytes each way, HTTP requests, WebSocket connections — and can emulate a slow link: every
//! byte each way waits its turn at the link's rate (one link each way, shared by all the
//! connections, as a phone's radio is) and then the link's one-way latency. Asked to, it also
//! records every request's head and every WebSocket message, so the page baseline
//! (`page_baseline`) can give the browser the same answers. The browser is pointed at the
//! relay's address; the server sees the requests as they were sent (the `Host` is the relay's,
//! an address literal, which trivsel accepts).
//!
//! The link is emulated here rather than in the browser because Chromium's emulation (CDP
//! `Network.emulateNetworkConditions`) leaves out a service worker's own fetches, and attaching
//! to the worker to throttle it too did not hold: a 50 KiB answer fetched through the worker
//! took 9 ms in one of three fresh browser contexts (about 2 s, as emulated, in the other
//! two). That would make a reload through the participant page's worker look fast.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Largest request head the relay parses (a browser's are a few hundred bytes).
const MAX_HEAD: usize = 64 * 1024;
/// The link carries bytes in pieces of at most this (a TCP segment's payload).
const SEGMENT: usize = 1460;

/// A slow link's figures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Link {
    /// Latency one way (the round trip is twice this).
    pub one_way: std::time::Duration,
    /// Bytes per second, each way.
    pub bytes_per_second: f64,
}

/// An emulated link and when each way is free again.
#[derive(Clone, Copy)]
struct Busy {
    link: Link,
    up_free: Instant,
    down_free: Instant,
}

/// What crossed the relay so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Bytes the server sent on HTTP connections (heads and bodies).
    pub http_down: u64,
    /// Bytes the browser sent on HTTP connections.
    pub http_up: u64,
    /// Bytes the server sent on WebSocket connections (the handshake's answer included).
    pub ws_down: u64,
    /// Bytes the browser sent on WebSocket connections (the handshake included).
    pub ws_up: u64,
    /// HTTP requests (not counting WebSocket handshakes).
    pub requests: u64,
    /// WebSocket connections opened.
    pub sockets: u64,
}

impl Tally {
    /// Everything the server sent.
    pub fn down(&self) -> u64 {
        self.http_down + self.ws_down
    }

    /// What crossed since `earlier`.
    pub fn since(&self, earlier: &Tally) -> Tally {
        Tally {
            http_down: self.http_down - earlier.http_down,
            http_up: self.http_up - earlier.http_up,
            ws_down: self.ws_down - earlier.ws_down,
            ws_up: self.ws_up - earlier.ws_up,
            requests: self.requests - earlier.requests,
            sockets: self.sockets - earlier.sockets,
        }
    }
}

/// The head of one HTTP request as the browser sent it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RequestHead {
    /// `GET`, …
    pub method: String,
    /// Path and query.
    pub target: String,
    /// Header names (lower case) and values, in order.
    pub headers: Vec<(String, String)>,
}

impl RequestHead {
    /// The first value of a header (`name` in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One WebSocket connection's text messages, in the order the relay passed them on.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SocketLog {
    /// The path the browser opened.
    pub path: String,
    /// `(from the browser?, text)` for each message.
    pub messages: Vec<(bool, String)>,
}

/// What the relay recorded while recording was on.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Recording {
    /// Every HTTP request, in order.
    pub requests: Vec<RequestHead>,
    /// Every WebSocket connection.
    pub sockets: Vec<SocketLog>,
}

#[derive(Default)]
struct Shared {
    http_down: AtomicU64,
    http_up: AtomicU64,
    ws_down: AtomicU64,
    ws_up: AtomicU64,
    requests: AtomicU64,
    sockets: AtomicU64,
    recording: Mutex<Option<Recording>>,
    link: Mutex<Option<Busy>>,
}

impl Shared {
    /// When `bytes` sent now (upward: by the browser) arrive at the other end.
    fn arrival(&self, upward: bool, bytes: usize) -> Instant {
        let now = Instant::now();
        let mut link = self.link.lock().unwrap_or_else(|e| e.into_inner());
        let Some(busy) = link.as_mut() else {
            return now;
        };
        let free = if upward {
            &mut busy.up_free
        } else {
            &mut busy.down_free
        };
        let sent = (*free).max(now)
            + std::time::Duration::from_secs_f64(bytes as f64 / busy.link.bytes_per_second);
        *free = sent;
        sent + busy.link.one_way
    }

    fn record(&self, write: impl FnOnce(&mut Recording)) {
        let mut recording = self.recording.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(recording) = recording.as_mut() {
            write(recording);
        }
    }
}

/// A running relay; it stops when dropped.
pub struct Tap {
    /// Where the browser connects.
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Tap {
    /// Starts relaying from a fresh loopback port to `server`.
    pub async fn start(server: SocketAddr) -> anyhow::Result<Tap> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let accepting = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((browser, _)) = listener.accept().await {
                tokio::spawn(relay(browser, server, accepting.clone()));
            }
        });
        Ok(Tap { addr, shared, task })
    }

    /// What crossed so far.
    pub fn tally(&self) -> Tally {
        let s = &self.shared;
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Tally {
            http_down: load(&s.http_down),
            http_up: load(&s.http_up),
            ws_down: load(&s.ws_down),
            ws_up: load(&s.ws_up),
            requests: load(&s.requests),
            sockets: load(&s.sockets),
        }
    }

    /// Emulates `link` from now on (`None`: pass bytes on at once).
    pub fn emulate(&self, link: Option<Link>) {
        let now = Instant::now();
        *self.shared.link.lock().unwrap_or_else(|e| e.into_inner()) = link.map(|link| Busy {
            link,
            up_free: now,
            down_free: now,
        });
    }

    /// Until when bytes already relayed are still on their way (now or earlier: none are).
    pub fn in_flight_until(&self) -> Instant {
        let link = self.shared.link.lock().unwrap_or_else(|e| e.into_inner());
        link.map_or_else(Instant::now, |busy| {
            busy.up_free.max(busy.down_free) + busy.link.one_way
        })
    }

    /// Starts recording requests and WebSocket messages.
    pub fn start_recording(&self) {
        *self
            .shared
            .recording
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(Recording::default());
    }

    /// Stops recording and returns what was recorded.
    pub fn take_recording(&self) -> Recording {
        self.shared
            .recording
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or_default()
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One connection: the browser's bytes to the server and back, each way as the link delivers.
async fn relay(browser: TcpStream, server: SocketAddr, shared: Arc<Shared>) {
    let Ok(upstream) = TcpStream::connect(server).await else {
        return;
    };
    let _ = browser.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let (mut from_browser, to_browser) = browser.into_split();
    let (mut from_server, to_server) = upstream.into_split();
    let (up, up_queue) = mpsc::unbounded_channel();
    let (down, down_queue) = mpsc::unbounded_channel();
    let delivering = tokio::spawn(deliver(up_queue, to_server));
    let delivering_down = tokio::spawn(deliver(down_queue, to_browser));
    // Set by the upward half when the browser asks for a WebSocket, before it is passed on.
    let socket = Arc::new(AtomicBool::new(false));
    // Which of the recording's sockets this connection is, once it is one.
    let log = Arc::new(Mutex::new(None::<usize>));
    let reading_up = {
        let (shared, socket, log) = (shared.clone(), socket.clone(), log.clone());
        async move {
            let mut reader = Upward::default();
            let mut buf = vec![0; 16 * 1024];
            loop {
                let n = match from_browser.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let was_socket = socket.load(Ordering::Relaxed);
                reader.feed(&buf[..n], &shared, &socket, &log);
                let counter = if was_socket || socket.load(Ordering::Relaxed) {
                    &shared.ws_up
                } else {
                    &shared.http_up
                };
                counter.fetch_add(n as u64, Ordering::Relaxed);
                for piece in buf[..n].chunks(SEGMENT) {
                    let _ = up.send((shared.arrival(true, piece.len()), piece.to_vec()));
                }
            }
        }
    };
    let reading_down = async move {
        let mut frames = Frames::after_head();
        let mut buf = vec![0; 16 * 1024];
        loop {
            let n = match from_server.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if socket.load(Ordering::Relaxed) {
                shared.ws_down.fetch_add(n as u64, Ordering::Relaxed);
                let index = *log.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(index) = index {
                    for text in frames.feed(&buf[..n]) {
                        shared.record(|r| r.sockets[index].messages.push((false, text)));
                    }
                }
            } else {
                shared.http_down.fetch_add(n as u64, Ordering::Relaxed);
            }
            for piece in buf[..n].chunks(SEGMENT) {
                let _ = down.send((shared.arrival(false, piece.len()), piece.to_vec()));
            }
        }
    };
    tokio::join!(reading_up, reading_down);
    let _ = tokio::join!(delivering, delivering_down);
}

/// Writes each piece when the link delivers it, then closes the writing half.
async fn deliver(
    mut queue: mpsc::UnboundedReceiver<(Instant, Vec<u8>)>,
    mut to: tokio::net::tcp::OwnedWriteHalf,
) {
    while let Some((at, piece)) = queue.recv().await {
        tokio::time::sleep_until(at).await;
        if to.write_all(&piece).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// Reads the browser's side of a connection: request heads (and skips their bodies) until one
/// asks for a WebSocket, then the socket's frames.
#[derive(Default)]
struct Upward {
    buffer: Vec<u8>,
    /// Body bytes of the current request still to skip.
    body: usize,
    /// The WebSocket's frames, once the connection is one.
    frames: Option<Frames>,
}

impl Upward {
    fn feed(
        &mut self,
        mut bytes: &[u8],
        shared: &Shared,
        socket: &AtomicBool,
        log: &Mutex<Option<usize>>,
    ) {
        if let Some(frames) = &mut self.frames {
            let index = *log.lock().unwrap_or_else(|e| e.into_inner());
            for text in frames.feed(bytes) {
                if let Some(index) = index {
                    shared.record(|r| r.sockets[index].messages.push((true, text)));
                }
            }
            return;
        }
        if self.body > 0 {
            let skip = self.body.min(bytes.len());
            self.body -= skip;
            bytes = &bytes[skip..];
        }
        if bytes.is_empty() && self.buffer.is_empty() {
            return;
        }
        self.buffer.extend_from_slice(bytes);
        let Some(end) = find(&self.buffer, b"\r\n\r\n") else {
            if self.buffer.len() > MAX_HEAD {
                // Not HTTP as the relay knows it: count bytes only from here on.
                self.buffer.clear();
            }
            return;
        };
        let head = parse_head(&self.buffer[..end]);
        let rest = self.buffer.split_off(end + 4);
        self.buffer.clear();
        let upgrade = head
            .header("upgrade")
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
        if upgrade {
            socket.store(true, Ordering::Relaxed);
            shared.sockets.fetch_add(1, Ordering::Relaxed);
            let path = head.target.clone();
            shared.record(|r| {
                *log.lock().unwrap_or_else(|e| e.into_inner()) = Some(r.sockets.len());
                r.sockets.push(SocketLog {
                    path,
                    messages: Vec::new(),
                });
            });
            self.frames = Some(Frames::default());
        } else {
            shared.requests.fetch_add(1, Ordering::Relaxed);
            self.body = head
                .header("content-length")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            shared.record(|r| r.requests.push(head));
        }
        // What followed the head: a body, the next request, or the socket's first frames.
        self.feed(&rest, shared, socket, log);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_head(head: &[u8]) -> RequestHead {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_owned();
    let target = first.next().unwrap_or("").to_owned();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    RequestHead {
        method,
        target,
        headers,
    }
}

/// WebSocket frames, one direction: yields each text or binary message (unmasked).
#[derive(Default)]
struct Frames {
    buffer: Vec<u8>,
    /// Still before the end of the server's handshake answer (the downward direction).
    in_head: bool,
    /// A fragmented message being put together.
    partial: Vec<u8>,
}

impl Frames {
    /// The server's side: its handshake answer first, then frames.
    fn after_head() -> Self {
        Frames {
            in_head: true,
            ..Frames::default()
        }
    }

    fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        self.buffer.extend_from_slice(bytes);
        if self.in_head {
            let Some(end) = find(&self.buffer, b"\r\n\r\n") else {
                return Vec::new();
            };
            self.buffer.drain(..end + 4);
            self.in_head = false;
        }
        let mut messages = Vec::new();
        while let Some((fin, opcode, payload, used)) = frame(&self.buffer) {
            self.buffer.drain(..used);
            // 0: continuation, 1: text, 2: binary; the rest are control frames.
            if opcode <= 2 {
                self.partial.extend_from_slice(&payload);
                if fin {
                    messages.push(String::from_utf8_lossy(&self.partial).into_owned());
                    self.partial.clear();
                }
            }
        }
        messages
    }
}

/// One whole frame at the start of `buf`: (fin, opcode, unmasked payload, bytes used).
fn frame(buf: &[u8]) -> Option<(bool, u8, Vec<u8>, usize)> {
    let (&b0, &b1) = (buf.first()?, buf.get(1)?);
    let masked = b1 & 0x80 != 0;
    let (len, mut at) = match b1 & 0x7f {
        126 => (
            u16::from_be_bytes(buf.get(2..4)?.try_into().ok()?) as usize,
            4,
        ),
        127 => (
            u64::from_be_bytes(buf.get(2..10)?.try_into().ok()?) as usize,
            10,
        ),
        n => (n as usize, 2),
    };
    let mask = if masked {
        let key: [u8; 4] = buf.get(at..at + 4)?.try_into().ok()?;
        at += 4;
        Some(key)
    } else {
        None
    };
    let mut payload = buf.get(at..at + len)?.to_vec();
    if let Some(key) = mask {
        for (i, byte) in payload.iter_mut().enumerate() {
            *byte ^= key[i % 4];
        }
    }
    Some((b0 & 0x80 != 0, b0 & 0x0f, payload, at + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_read_across_reads_and_unmasked() {
        // A masked client frame "hi" split over two reads, then a server frame after a head.
        let mut up = Frames::default();
        let key = [1, 2, 3, 4];
        let masked: Vec<u8> = b"hi".iter().zip(key.iter()).map(|(b, k)| b ^ k).collect();
        let mut bytes = vec![0x81, 0x82];
        bytes.extend_from_slice(&key);
        bytes.extend_from_slice(&masked);
        assert!(up.feed(&bytes[..3]).is_empty());
        assert_eq!(up.feed(&bytes[3..]), ["hi"]);
        let mut down = Frames::after_head();
        let mut bytes = b"HTTP/1.1 101 Switching Protocols\r\n\r\n".to_vec();
        bytes.extend_from_slice(&[0x81, 0x03]);
        bytes.extend_from_slice(b"abc");
        assert_eq!(down.feed(&bytes), ["abc"]);
    }

    #[test]
    fn requests_are_counted_and_bodies_skipped() {
        let shared = Shared::default();
        *shared.recording.lock().unwrap() = Some(Recording::default());
        let (socket, log) = (AtomicBool::new(false), Mutex::new(None));
        let mut up = Upward::default();
        let two = b"POST /a HTTP/1.1\r\nContent-Length: 4\r\n\r\nbodyGET /b HTTP/1.1\r\nAccept-Encoding: br\r\n\r\n";
        up.feed(&two[..30], &shared, &socket, &log);
        up.feed(&two[30..], &shared, &socket, &log);
        assert_eq!(shared.requests.load(Ordering::Relaxed), 2);
        let recording = shared.recording.lock().unwrap().take().unwrap();
        assert_eq!(recording.requests[1].target, "/b");
        assert_eq!(recording.requests[1].header("accept-encoding"), Some("br"));
        assert!(!socket.load(Ordering::Relaxed));
    }
}
