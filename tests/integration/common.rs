//! Test helpers: a real server on port 0 (in-process or as a child process) and a typed
//! WebSocket client that records every frame it receives.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};
use trivsel::protocol::ServerMsg;

/// How long a test waits for any one expected message.
pub const WAIT: Duration = Duration::from_secs(10);

/// A server running in this process on 127.0.0.1:0, with its data in a temporary folder.
pub struct TestServer {
    pub addr: String,
    pub http: reqwest::Client,
    pub data: tempfile::TempDir,
    /// The server's state, for what no request can do (e.g. `expire` at a later time).
    pub state: trivsel::AppState,
    stop: Option<oneshot::Sender<()>>,
}

impl TestServer {
    pub async fn start() -> Self {
        let data = tempfile::tempdir().unwrap();
        Self::start_in(data).await
    }

    pub async fn start_in(data: tempfile::TempDir) -> Self {
        Self::start_with(data, None).await
    }

    /// A server whose links start with `public_url`.
    pub async fn start_with(data: tempfile::TempDir, public_url: Option<&str>) -> Self {
        Self::start_configured(data, |config| {
            config.public_url = public_url.map(str::to_owned)
        })
        .await
    }

    /// A server with the default flags as changed by `configure`.
    pub async fn start_configured(
        data: tempfile::TempDir,
        configure: impl FnOnce(&mut trivsel::Config),
    ) -> Self {
        let mut config = trivsel::Config::with_data(data.path());
        configure(&mut config);
        let state = trivsel::open(&config).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(trivsel::run(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            http: reqwest::Client::new(),
            data,
            state,
            stop: Some(stop),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `GET /api/programmes`.
    /// GETs `path` without credentials, expects `200`, and returns the body as text.
    pub async fn text(&self, path: &str) -> String {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.unwrap()
    }

    pub async fn programmes(&self) -> Vec<serde_json::Value> {
        let response = self
            .http
            .get(self.url("/api/programmes"))
            .send()
            .await
            .unwrap();
        response.json().await.unwrap()
    }

    pub async fn create(&self, programme: &str) -> Created {
        create(&self.http, &self.url(""), programme).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A `trivsel` binary running as a child process (to be killed with SIGKILL).
pub struct ProcessServer {
    pub addr: String,
    child: Child,
}

/// Where a server keeps its sessions.
#[derive(Clone, Debug)]
pub enum Storage {
    /// SQLite in this data directory (`--data`).
    Dir(PathBuf),
    /// This PostgreSQL database (`--database`).
    Database(String),
}

impl Storage {
    /// The flags that say so.
    pub fn args(&self) -> Vec<std::ffi::OsString> {
        match self {
            Storage::Dir(dir) => vec!["--data".into(), dir.into()],
            Storage::Database(url) => vec!["--database".into(), url.into()],
        }
    }
}

impl ProcessServer {
    /// Starts the binary on `addr` over `storage` with the extra flags `args`, and waits until
    /// it answers; its log (at `info`) goes to `log`.
    pub async fn start_node(
        storage: &Storage,
        addr: &str,
        args: &[&str],
        log: impl Into<Stdio>,
    ) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_trivsel"))
            .args(["--addr", addr])
            .args(storage.args())
            .args(args)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("the trivsel binary starts");
        Self::until_up(ProcessServer {
            addr: addr.to_owned(),
            child,
        })
        .await
    }

    /// Starts the binary on a free port over `data`, and waits until it answers.
    pub async fn start(data: &Path) -> Self {
        Self::start_at(data, &format!("127.0.0.1:{}", free_port())).await
    }

    /// Starts the binary on `addr` (e.g. the address of one that was killed) over `data`, and
    /// waits until it answers.
    pub async fn start_at(data: &Path, addr: &str) -> Self {
        Self::start_logging_at(data, addr, Stdio::null(), "info").await
    }

    /// Like `start`, with the log (stderr, at `RUST_LOG=level`) going to `log`.
    pub async fn start_logging(data: &Path, log: impl Into<Stdio>, level: &str) -> Self {
        Self::start_logging_at(data, &format!("127.0.0.1:{}", free_port()), log, level).await
    }

    async fn start_logging_at(data: &Path, addr: &str, log: impl Into<Stdio>, level: &str) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_trivsel"))
            .args(["--addr", addr, "--data"])
            .arg(data)
            .env("RUST_LOG", level)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("the trivsel binary starts");
        Self::until_up(ProcessServer {
            addr: addr.to_owned(),
            child,
        })
        .await
    }

    /// Waits until the server answers `/healthz`.
    async fn until_up(mut server: ProcessServer) -> Self {
        let addr = server.addr.clone();
        let client = reqwest::Client::new();
        // Generous: a loaded two-core machine may take a while to start and read the data.
        for _ in 0..600 {
            if let Ok(r) = client.get(server.url("/healthz")).send().await
                && r.status() == 200
            {
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the server on {addr} exited: {status}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not come up");
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// SIGKILL: no shutdown, no flush.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, and waits until the server has stopped by itself (a clean stop).
    pub fn terminate(&mut self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "a clean stop: {status}");
    }
}

impl Drop for ProcessServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free port below the range the system hands out to outgoing connections: while a killed
/// server is down, no client socket can take its port (nor connect to itself through it).
pub fn quiet_port() -> u16 {
    let range =
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let low: u16 = range
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(32_768);
    let (from, to) = (10_000, low.max(10_001));
    let start = rand::random_range(from..to);
    (from..to)
        .cycle()
        .skip((start - from) as usize)
        .take((to - from) as usize)
        .find(|port| std::net::TcpListener::bind(("127.0.0.1", *port)).is_ok())
        .expect("a free port below the ephemeral range")
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The reply to `POST /api/sessions`.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Created {
    pub code: String,
    pub join_url: String,
    pub projector_url: String,
    pub facilitator_token: String,
}

impl Created {
    pub fn projector_token(&self) -> &str {
        self.projector_url.rsplit('#').next().unwrap()
    }
}

/// `GET /api/sessions/{code}` with the facilitator token, parsed.
pub async fn session_info(
    http: &reqwest::Client,
    base: &str,
    session: &Created,
) -> serde_json::Value {
    http.get(format!("{base}/api/sessions/{}", session.code))
        .bearer_auth(&session.facilitator_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub async fn create(http: &reqwest::Client, base: &str, programme: &str) -> Created {
    let response = http
        .post(format!("{base}/api/sessions"))
        .json(&json!({ "programme": programme }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A WebSocket client that keeps every frame it received, in order.
pub struct Client {
    ws: Socket,
    /// Every text frame received, parsed.
    pub frames: Vec<Value>,
    /// Every text frame received, as sent.
    pub raw: Vec<String>,
    /// The close code, once closed.
    pub closed: Option<u16>,
    next_op: u64,
    label: String,
}

impl Client {
    pub async fn connect(addr: &str, code: &str, label: &str) -> Self {
        let (ws, _) = connect_async(format!("ws://{addr}/api/sessions/{code}/ws"))
            .await
            .unwrap();
        Client {
            ws,
            frames: Vec::new(),
            raw: Vec::new(),
            closed: None,
            next_op: 0,
            label: label.into(),
        }
    }

    /// Opens a WebSocket to `code` from the local address `source` (any 127.0.0.0/8 address is
    /// this machine's), with the extra request headers `headers` (e.g. `X-Forwarded-For`).
    pub async fn connect_from(
        addr: &str,
        code: &str,
        source: std::net::IpAddr,
        headers: &[(&'static str, &str)],
    ) -> Self {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("ws://{addr}/api/sessions/{code}/ws")
            .into_client_request()
            .unwrap();
        for (name, value) in headers {
            request.headers_mut().append(*name, value.parse().unwrap());
        }
        let tcp = connect_tcp_from(addr, source).await;
        let (ws, _) = tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(tcp))
            .await
            .unwrap();
        Client {
            ws,
            frames: Vec::new(),
            raw: Vec::new(),
            closed: None,
            next_op: 0,
            label: format!("from {source}"),
        }
    }

    /// Opens as facilitator or projector and waits for the snapshot.
    pub async fn staff(addr: &str, code: &str, token: &str) -> Self {
        let mut client = Self::connect(addr, code, "staff").await;
        client
            .send(json!({ "type": "hello", "token": token }))
            .await;
        client.expect("snapshot").await;
        client
    }

    /// Opens a read-only participant preview with a staff token and waits for the snapshot.
    pub async fn preview(addr: &str, code: &str, token: &str) -> Self {
        let mut client = Self::connect(addr, code, "preview").await;
        client
            .send(json!({ "type": "hello", "token": token, "preview": true }))
            .await;
        client.expect("snapshot").await;
        client
    }

    /// Joins as a new participant and waits for the snapshot.
    /// A join refused as `busy` (the session's join allowance spent) is tried again a moment
    /// later, as the phone does.
    pub async fn join(addr: &str, code: &str, name: Option<&str>) -> Self {
        loop {
            let mut client = Self::connect(addr, code, name.unwrap_or("anonymous")).await;
            client.send(json!({ "type": "join", "name": name })).await;
            let reply = client.next().await.expect("a reply to the join");
            if reply["type"] == "snapshot" {
                return client;
            }
            assert_eq!(reply["code"], "busy", "the join was refused: {reply}");
            tokio::time::sleep(Duration::from_millis(60)).await;
        }
    }

    /// Comes back as the participant `me` ({id, secret}) and waits for the snapshot.
    pub async fn resume(addr: &str, code: &str, me: &Value, last_seq: u64) -> Self {
        let mut client = Self::connect(addr, code, "resumed").await;
        let hello = json!({ "type": "resume", "participant": me["id"], "secret": me["secret"], "last_seq": last_seq });
        client.send(hello).await;
        client.expect("snapshot").await;
        client
    }

    pub async fn send(&mut self, value: Value) {
        self.ws
            .send(Message::Text(value.to_string().into()))
            .await
            .unwrap();
    }

    pub async fn send_raw(&mut self, text: String) {
        self.ws.send(Message::Text(text.into())).await.unwrap();
    }

    /// Sends any WebSocket frame (binary, oversized…) as it is.
    pub async fn ws_send(&mut self, frame: Message) {
        self.ws.send(frame).await.unwrap();
    }

    /// A fresh operation id.
    pub fn op(&mut self) -> String {
        self.next_op += 1;
        // Op ids are printable ASCII: a label (a name such as "Søren") keeps only that.
        let label: String = self
            .label
            .chars()
            .map(|c| if c == ' ' { '_' } else { c })
            .filter(char::is_ascii_graphic)
            .collect();
        format!("{label}-{}", self.next_op)
    }

    /// The next text frame (recorded), or `None` when the socket closed.
    pub async fn next(&mut self) -> Option<Value> {
        loop {
            let frame = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "{}: no message within {WAIT:?}; got {:?}",
                        self.label,
                        self.frames.last()
                    )
                });
            match frame {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(&text).unwrap();
                    assert!(
                        value["seq"].is_u64(),
                        "every server message carries seq: {text}"
                    );
                    // Every frame is a real server message, read back into the server's own
                    // type without losing or adding a field.
                    let typed: ServerMsg = serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("not a ServerMsg ({e}): {text}"));
                    assert_eq!(
                        serde_json::to_value(&typed).unwrap(),
                        value,
                        "the typed message says the same as the frame"
                    );
                    self.raw.push(text.to_string());
                    self.frames.push(value.clone());
                    return Some(value);
                }
                Some(Ok(Message::Close(frame))) => {
                    self.closed = Some(frame.map_or(1005, |f| u16::from(f.code)));
                    return None;
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => {
                    self.closed.get_or_insert(1006);
                    return None;
                }
            }
        }
    }

    /// Reads until a message of this type arrives and returns it.
    pub async fn expect(&mut self, kind: &str) -> Value {
        loop {
            match self.next().await {
                Some(msg) if msg["type"] == kind => return msg,
                Some(_) => continue,
                None => panic!(
                    "{}: closed ({:?}) while waiting for {kind}",
                    self.label, self.closed
                ),
            }
        }
    }

    /// The latest message of type `kind` when it already satisfies `pred` (it may have been
    /// read while waiting for something else, e.g. an ack), else reads until one does. For
    /// messages that carry a state, like `progress`, where only the latest one counts.
    pub async fn latest(&mut self, kind: &str, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(last) = self.frames.iter().rev().find(|m| m["type"] == kind)
            && pred(last)
        {
            return last.clone();
        }
        self.until(what, |m| m["type"] == kind && pred(m)).await
    }

    /// Reads until `pred` holds for a message and returns it.
    pub async fn until(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        loop {
            match self.next().await {
                Some(msg) if pred(&msg) => return msg,
                Some(_) => continue,
                None => panic!(
                    "{}: closed ({:?}) while waiting for {what}",
                    self.label, self.closed
                ),
            }
        }
    }

    /// Reads until the ack (or error) for `op` arrives.
    pub async fn reply_to(&mut self, op: &str) -> Value {
        self.until(&format!("reply to {op}"), |m| {
            m["op"] == op && (m["type"] == "ack" || m["type"] == "error")
        })
        .await
    }

    /// Sends an operation (adding its op id) and waits for its ack; panics on an error.
    pub async fn ok(&mut self, mut msg: Value) -> Value {
        let op = self.op();
        msg["op"] = json!(op);
        self.send(msg).await;
        let reply = self.reply_to(&op).await;
        assert_eq!(reply["type"], "ack", "{}: {reply}", self.label);
        reply
    }

    /// Sends an operation and returns the error it must get.
    pub async fn refused(&mut self, mut msg: Value) -> Value {
        let op = self.op();
        msg["op"] = json!(op);
        self.send(msg).await;
        let reply = self.reply_to(&op).await;
        assert_eq!(
            reply["type"], "error",
            "{}: expected a refusal, got {reply}",
            self.label
        );
        reply
    }

    /// Reads until the socket closes; returns the close code.
    pub async fn closed(&mut self) -> u16 {
        while self.next().await.is_some() {}
        self.closed.unwrap()
    }

    /// Drops the TCP connection without a close handshake.
    pub fn vanish(self) {
        drop(self.ws);
    }

    /// The highest sequence number received.
    pub fn last_seq(&self) -> u64 {
        self.frames
            .iter()
            .filter_map(|f| f["seq"].as_u64())
            .max()
            .unwrap_or(0)
    }
}

/// A TCP connection to `addr` from the local address `source` (e.g. 127.0.0.2: on Linux every
/// 127.0.0.0/8 address is loopback), so that tests can be several clients.
pub async fn connect_tcp_from(addr: &str, source: std::net::IpAddr) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(std::net::SocketAddr::new(source, 0)).unwrap();
    socket.connect(addr.parse().unwrap()).await.unwrap()
}

/// An HTTP client whose connections come from the local address `source`.
pub fn http_from(source: std::net::IpAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(source)
        .build()
        .unwrap()
}

/// A temp dir path helper for process tests.
pub fn data_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data");
    (dir, path)
}
