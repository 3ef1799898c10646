//! One measured phase against one server: create rooms, connect the staff and the phones,
//! change steps in rounds and/or let every phone rate grid topics, then turn what the clients
//! recorded into latencies, byte counts and memory figures. Scenarios are built from phases,
//! run alternately against trivsel and the baseline.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::client::{self, Control, GRID_INDEX, GRID_STEP, PhonePlan, Ws};
use crate::stats::Samples;
use crate::system::{ServerKind, ServerProcess};

/// Connections opened at the same time.
const CONNECT_CONCURRENCY: usize = 64;
/// The step every other round goes to (the action plan of `del2`), and back to the grid.
const OTHER_INDEX: usize = 3;
/// How long a round may take to reach every phone before the driver moves on.
const ROUND_WAIT: Duration = Duration::from_secs(10);
/// Frames still arriving this long after the last operation are counted.
const DRAIN: Duration = Duration::from_millis(1000);

/// A server under test and what the driver needs to use it.
pub struct Target {
    /// Which server this is.
    pub kind: ServerKind,
    /// Its process.
    pub process: ServerProcess,
    /// Sizes of the baseline's frames, learned from trivsel's (bytes of a phone's step frame,
    /// of a projector's activity frame).
    pub pads: (usize, usize),
    next_room: usize,
}

impl Target {
    /// Wraps a started server.
    pub fn new(kind: ServerKind, process: ServerProcess) -> Self {
        Target {
            kind,
            process,
            pads: (2048, 1024),
            next_room: 0,
        }
    }

    fn addr(&self) -> SocketAddr {
        self.process.addr
    }

    /// Creates a room: a trivsel session of the `del2` programme (with `tables` tables where
    /// participants choose their own, when not 0), or a fresh baseline room.
    pub async fn create_room(&mut self, tables: usize) -> anyhow::Result<Room> {
        self.next_room += 1;
        match self.kind {
            ServerKind::Ours => {
                let addr = self.addr();
                let mut body = json!({ "programme": "del2", "min_group": 3 });
                if tables > 0 {
                    body["tables"] = json!({ "count": tables, "choose": true });
                }
                let body = body.to_string();
                let created =
                    tokio::task::spawn_blocking(move || post_json(addr, "/api/sessions", &body))
                        .await??;
                let text = |field: &str| {
                    created[field]
                        .as_str()
                        .map(str::to_owned)
                        .with_context(|| format!("no {field} in {created}"))
                };
                let projector_url = text("projector_url")?;
                Ok(Room {
                    code: text("code")?,
                    facilitator_token: text("facilitator_token")?,
                    projector_token: projector_url.rsplit('#').next().unwrap_or("").to_owned(),
                })
            }
            _ => Ok(Room {
                code: format!("R{}", self.next_room),
                facilitator_token: "facilitator".into(),
                projector_token: "projector".into(),
            }),
        }
    }

    /// Its resident memory now, in KiB.
    pub fn rss_kib(&self) -> u64 {
        self.process.rss_kib()
    }
}

/// One room's join code and tokens.
#[derive(Clone, Debug)]
pub struct Room {
    /// The join code (a path segment for the baseline).
    pub code: String,
    /// Token that opens the facilitator console.
    pub facilitator_token: String,
    /// Token that opens the projector.
    pub projector_token: String,
}

impl Room {
    fn path(&self) -> String {
        format!("/api/sessions/{}/ws", self.code)
    }
}

/// `POST` a JSON body; the reply must be `201` with JSON.
fn post_json(addr: SocketAddr, path: &str, body: &str) -> anyhow::Result<Value> {
    http(addr, "POST", path, None, body, "201")
}

/// `GET` with a bearer token; the reply must be `200` with JSON.
pub fn get_json(addr: SocketAddr, path: &str, token: &str) -> anyhow::Result<Value> {
    http(addr, "GET", path, Some(token), "", "200")
}

/// One HTTP/1.1 request over a fresh connection (the benchmark needs only two, so no client
/// library).
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
    expect: &str,
) -> anyhow::Result<Value> {
    use std::io::{Read, Write};
    let mut tcp = std::net::TcpStream::connect(addr).context("cannot reach the server")?;
    tcp.set_read_timeout(Some(client::REPLY_WAIT))?;
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        tcp,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut reply = String::new();
    tcp.read_to_string(&mut reply)?;
    let (head, body) = reply
        .split_once("\r\n\r\n")
        .context("malformed HTTP reply")?;
    if !head.starts_with(&format!("HTTP/1.1 {expect}")) {
        bail!(
            "{method} {path} failed: {}",
            head.lines().next().unwrap_or("")
        );
    }
    serde_json::from_str(body).context("the reply is not JSON")
}

/// Opens the facilitator of `room` (steering to the grid step and revealing its results, so
/// the projector receives them) and its projector.
pub async fn open_staff(target: &Target, room: &Room) -> anyhow::Result<(Ws, Ws)> {
    let path = room.path();
    let mut facilitator = client::connect(target.addr(), None, &path).await?;
    client::send(
        &mut facilitator,
        &json!({ "type": "hello", "token": room.facilitator_token }),
    )
    .await?;
    client::expect(&mut facilitator, "snapshot").await?;
    if target.kind == ServerKind::Baseline {
        let (step, activity) = target.pads;
        let pad = json!({ "type": "pad", "step": step, "activity": activity });
        client::request(&mut facilitator, pad, "pad").await?;
    }
    let goto = json!({ "type": "goto", "index": GRID_INDEX });
    client::request(&mut facilitator, goto, "setup-goto").await?;
    let reveal = json!({ "type": "act", "step": GRID_STEP, "action": "reveal", "revealed": true });
    client::request(&mut facilitator, reveal, "setup-reveal").await?;
    let mut projector = client::connect(target.addr(), None, &path).await?;
    client::send(
        &mut projector,
        &json!({ "type": "hello", "token": room.projector_token }),
    )
    .await?;
    client::expect(&mut projector, "snapshot").await?;
    Ok((facilitator, projector))
}

/// Source address number `i` of `sources`: 127.0.0.1, 127.0.0.2, …
pub fn source(i: usize, sources: usize) -> Option<IpAddr> {
    (sources > 1).then(|| IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1 + (i % sources) as u8)))
}

/// Joins `per_room` phones to every room; returns each phone's room and socket, and how long
/// each took from connecting until its snapshot arrived.
pub async fn join_phones(
    target: &Target,
    rooms: &[Room],
    per_room: usize,
    sources: usize,
) -> anyhow::Result<(Vec<(usize, Ws)>, Samples)> {
    let addr = target.addr();
    let jobs = (0..rooms.len() * per_room).map(|i| {
        let room = i % rooms.len();
        let path = rooms[room].path();
        async move {
            let started = Instant::now();
            let busy = std::sync::atomic::AtomicU64::new(0);
            let (ws, _) = client::join(addr, source(i, sources), &path, &busy).await?;
            anyhow::Ok((room, ws, started.elapsed()))
        }
    });
    let joined: Vec<_> = futures_util::stream::iter(jobs)
        .buffer_unordered(CONNECT_CONCURRENCY)
        .try_collect()
        .await?;
    let mut samples = Samples::default();
    let phones = joined
        .into_iter()
        .map(|(room, ws, took)| {
            samples.push(took);
            (room, ws)
        })
        .collect();
    Ok((phones, samples))
}

/// What a phase does.
#[derive(Clone, Debug)]
pub struct PhaseSpec {
    /// Rooms (sessions), each with a facilitator and a projector.
    pub rooms: usize,
    /// Phones per room.
    pub per_room: usize,
    /// Step changes, every room at once (rounded up to an even number, so the rooms end on the
    /// grid step).
    pub rounds: usize,
    /// Pause after each round.
    pub round_gap: Duration,
    /// Wait until a round reached every reading phone before the pause.
    pub wait_rounds: bool,
    /// How long every phone rates topics (one operation per second each).
    pub ops: Option<Duration>,
    /// Run the rounds while phones rate (instead of before).
    pub concurrent: bool,
    /// Every `stalled_every`-th phone stops reading (0: none).
    pub stalled_every: usize,
    /// Tables per room (trivsel only; 0: none): each has a screen of its own, every phone sits
    /// at one (in turn), and a rating's "projector" latency is its own table's screen's.
    pub tables: usize,
}

/// What a phase measured.
#[derive(Debug, Default)]
pub struct PhaseResult {
    /// `goto` sent → step frame on a reading phone.
    pub step: Samples,
    /// Operation sent → its ack.
    pub ack: Samples,
    /// Operation sent → first projector activity frame at or after the ack's sequence number.
    pub projector: Samples,
    /// Payload bytes every client received while phones rated.
    pub bytes: u64,
    /// Operations sent while phones rated.
    pub ops: u64,
    /// Step frames, acks and projector frames expected but never seen.
    pub missing: u64,
    /// Error replies.
    pub errors: u64,
    /// Reading phones the server closed.
    pub closed: u64,
    /// Stalled phones the server closed.
    pub stalled_closed: u64,
    /// Server memory (KiB) once everyone was connected, at most during the phase, at the end.
    pub rss: (u64, u64, u64),
    /// Mean payload bytes of a phone's step frame and of a projector's activity frame.
    pub frame_sizes: (usize, usize),
    /// CPU time the server used from the start of the rating until its last replies were
    /// counted, ms (with `concurrent`, the step changes' too).
    pub ops_cpu_ms: f64,
}

/// Runs one phase against `target`.
pub async fn run(target: &mut Target, spec: &PhaseSpec) -> anyhow::Result<PhaseResult> {
    let tables = if target.kind == ServerKind::Ours {
        spec.tables
    } else {
        0
    };
    let mut rooms = Vec::with_capacity(spec.rooms);
    for _ in 0..spec.rooms {
        rooms.push(target.create_room(tables).await?);
    }
    let staff_jobs = rooms.iter().map(|room| open_staff(target, room));
    let staff: Vec<(Ws, Ws)> = futures_util::stream::iter(staff_jobs)
        .buffered(CONNECT_CONCURRENCY)
        .try_collect()
        .await?;
    // A screen per table of every room: the projector token with the table's number.
    let addr = target.addr();
    let screen_jobs = rooms.iter().enumerate().flat_map(|(r, room)| {
        (1..=tables).map(move |t| async move {
            let mut ws = client::connect(addr, None, &room.path()).await?;
            let hello = json!({ "type": "hello", "token": room.projector_token, "table": t });
            client::send(&mut ws, &hello).await?;
            client::expect(&mut ws, "snapshot").await?;
            anyhow::Ok(((r, t), ws))
        })
    });
    let screens: Vec<((usize, usize), Ws)> = futures_util::stream::iter(screen_jobs)
        .buffered(CONNECT_CONCURRENCY)
        .try_collect()
        .await?;
    let (mut phones, _) = join_phones(target, &rooms, spec.per_room, 1).await?;
    // Every phone sits down at a table, in turn (phone i of a room at table i % tables + 1).
    let mut seats = vec![0usize; phones.len()];
    if tables > 0 {
        let room_count = rooms.len();
        let jobs = phones
            .iter_mut()
            .enumerate()
            .map(|(i, (_, ws))| async move {
                let table = (i / room_count) % tables + 1;
                let seat = json!({ "type": "seat", "table": table });
                client::request(ws, seat, &format!("seat-{i}")).await?;
                anyhow::Ok(table)
            });
        seats = futures_util::stream::iter(jobs)
            .buffered(CONNECT_CONCURRENCY)
            .try_collect()
            .await?;
    }

    let (control_tx, control) = watch::channel(Control::Wait);
    let (rounds_tx, rounds_rx) = watch::channel((0u32, GRID_INDEX));
    let steps_seen = Arc::new(AtomicUsize::new(0));
    let mut readers = 0;
    let mut phone_tasks = Vec::with_capacity(phones.len());
    for (i, (room, ws)) in phones.into_iter().enumerate() {
        let stalled = spec.stalled_every > 0 && i % spec.stalled_every == spec.stalled_every - 1;
        readers += usize::from(!stalled);
        let plan = PhonePlan {
            interval: Duration::from_secs(1),
            stalled,
            steps_seen: steps_seen.clone(),
        };
        let task = tokio::spawn(client::phone(ws, plan, control.clone()));
        phone_tasks.push((room, stalled, task));
    }
    let mut staff_tasks = Vec::with_capacity(staff.len());
    for (facilitator, projector) in staff {
        let f = tokio::spawn(client::staff(
            facilitator,
            Some(rounds_rx.clone()),
            control.clone(),
        ));
        let p = tokio::spawn(client::staff(projector, None, control.clone()));
        staff_tasks.push((f, p));
    }
    drop(rounds_rx);
    let screen_tasks: Vec<((usize, usize), _)> = screens
        .into_iter()
        .map(|(at, ws)| (at, tokio::spawn(client::staff(ws, None, control.clone()))))
        .collect();
    let rss_start = target.rss_kib();
    let (peak_stop, peak) = sample_peak(target.process.pid());

    let ops_window = |duration: Duration| {
        let start = Instant::now() + Duration::from_millis(100);
        let end = start + duration;
        (
            end,
            Control::Ops {
                start,
                end,
                count_until: end + DRAIN,
            },
        )
    };
    let mut ops_end = None;
    let mut cpu_start = None;
    if spec.concurrent
        && let Some(duration) = spec.ops
    {
        let (end, ops) = ops_window(duration);
        ops_end = Some(end);
        cpu_start = Some(target.process.cpu_ms());
        let _ = control_tx.send(ops);
    }
    let rounds = spec.rounds.div_ceil(2) * 2;
    for round in 0..rounds {
        let index = if round % 2 == 0 {
            OTHER_INDEX
        } else {
            GRID_INDEX
        };
        steps_seen.store(0, Ordering::Relaxed);
        let _ = rounds_tx.send((round as u32 + 1, index));
        if spec.wait_rounds {
            let deadline = Instant::now() + ROUND_WAIT;
            while steps_seen.load(Ordering::Relaxed) < readers && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
        tokio::time::sleep(spec.round_gap).await;
    }
    if !spec.concurrent
        && let Some(duration) = spec.ops
    {
        let (end, ops) = ops_window(duration);
        ops_end = Some(end);
        cpu_start = Some(target.process.cpu_ms());
        let _ = control_tx.send(ops);
    }
    if let Some(end) = ops_end {
        tokio::time::sleep_until((end + DRAIN).into()).await;
    } else {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ops_cpu_ms = cpu_start.map_or(0.0, |start| target.process.cpu_ms() - start);
    let rss_end = target.rss_kib();
    let _ = peak_stop.send(true);
    let rss_peak = peak.await.unwrap_or(0).max(rss_end);
    let _ = control_tx.send(Control::Stop);

    // Gather the records, room by room.
    let mut result = PhaseResult {
        rss: (rss_start, rss_peak, rss_end),
        ops_cpu_ms,
        ..PhaseResult::default()
    };
    let mut room_rounds: Vec<HashMap<u64, Instant>> = Vec::with_capacity(rooms.len());
    let mut room_projector: Vec<Vec<(u64, Instant)>> = Vec::with_capacity(rooms.len());
    let (mut activity_bytes, mut activity_frames) = (0u64, 0u64);
    for (f, p) in staff_tasks {
        let f = f.await.context("a facilitator task failed")?;
        let p = p.await.context("a projector task failed")?;
        result.bytes += f.bytes + p.bytes;
        activity_bytes += p.activity_bytes;
        activity_frames += p.activity.len() as u64;
        room_rounds.push(f.rounds.iter().map(|&(sent, seq)| (seq, sent)).collect());
        room_projector.push(p.activity);
    }
    let mut table_screen: HashMap<(usize, usize), Vec<(u64, Instant)>> = HashMap::new();
    for (at, task) in screen_tasks {
        let record = task.await.context("a table screen task failed")?;
        activity_bytes += record.activity_bytes;
        activity_frames += record.activity.len() as u64;
        table_screen.insert(at, record.activity);
    }
    let (mut step_bytes, mut step_frames) = (0u64, 0u64);
    for (i, (room, stalled, task)) in phone_tasks.into_iter().enumerate() {
        let record = task.await.context("a phone task failed")?;
        if stalled {
            result.stalled_closed += u64::from(record.closed.is_some());
            continue;
        }
        result.closed += u64::from(record.closed.is_some());
        result.errors += record.errors;
        result.bytes += record.bytes;
        step_bytes += record.step_bytes;
        step_frames += record.steps.len() as u64;
        let sent_rounds = &room_rounds[room];
        let mut seen = 0;
        for (seq, at) in &record.steps {
            if let Some(sent) = sent_rounds.get(seq) {
                result.step.push(at.saturating_duration_since(*sent));
                seen += 1;
            }
        }
        result.missing += (rounds as u64).saturating_sub(seen);
        // At a table, what counts is its own screen; else the room's projector.
        let projector = match table_screen.get(&(room, seats[i])) {
            Some(screen) => screen,
            None => &room_projector[room],
        };
        for (sent, acked) in record.sent.iter().zip(&record.acked) {
            if ops_end.is_some_and(|end| *sent <= end) {
                result.ops += 1;
            }
            let Some((at, seq)) = acked else {
                result.missing += 1;
                continue;
            };
            result.ack.push(at.saturating_duration_since(*sent));
            let first = projector.partition_point(|(s, _)| s < seq);
            match projector.get(first) {
                Some((_, shown)) => result
                    .projector
                    .push(shown.saturating_duration_since(*sent)),
                None => result.missing += 1,
            }
        }
    }
    result.frame_sizes = (
        (step_bytes / step_frames.max(1)) as usize,
        (activity_bytes / activity_frames.max(1)) as usize,
    );
    // Let the server notice the closed sockets before the next phase.
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(result)
}

/// Samples a process's resident memory every 100 ms until told to stop; yields the peak.
fn sample_peak(pid: u32) -> (watch::Sender<bool>, tokio::task::JoinHandle<u64>) {
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        let mut peak = 0;
        loop {
            peak = peak.max(crate::system::rss_kib(pid));
            tokio::select! {
                _ = stopped.changed() => return peak,
                () = tokio::time::sleep(Duration::from_millis(100)) => {}
            }
        }
    });
    (stop, task)
}
