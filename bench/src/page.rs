//! Scenario 8, the pages: the phone, projector and console pages opened in headless Chromium
//! (`bench/page/driver.mjs`), over an emulated slow 3G link and over a fast one, first with an
//! empty cache and then reloaded: how long until the page can be used, how many bytes and
//! requests it cost on the wire.
//!
//! The browser reaches each server through a relay (`tap`) that is the wire: it emulates the
//! link (slow 3G: 400 ms round trip, 50 kB/s each way) and counts what crosses it. The
//! baseline (`page_baseline`) serves the same bytes — trivsel's answers, recorded by the relay
//! in the first phase and fetched again from trivsel in every encoding — with nothing trivsel
//! adds, so the ratio shows trivsel's own cost: its routing and middleware, its security
//! headers, its sessions behind the WebSocket. Phases alternate, trivsel then the baseline.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use crate::page_baseline::{self, Answer, Conversation, Replay, Variant};
use crate::phase::{self, Target};
use crate::report::Row;
use crate::scenarios::{Placement, Sizes};
use crate::stats::Samples;
use crate::system::{ServerKind, ServerProcess, TempDir};
use crate::tap::{Link, Recording, RequestHead, Tally, Tap};

/// The browser half, beside this package's sources.
const DRIVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/page/driver.mjs");
/// The traffic of a load is counted until nothing crossed the wire for this long.
const QUIET: Duration = Duration::from_millis(1500);
/// Counting stops this long after the page was ready, quiet or not.
const SETTLE_MAX: Duration = Duration::from_secs(15);
/// How long one load may take before the driver gives up.
const LOAD_TIMEOUT: Duration = Duration::from_secs(60);

/// The network a page is loaded over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Network {
    /// 400 ms round trip, 50 kB/s each way (the issue's slow 3G), emulated by the relay.
    Slow3g,
    /// No emulation: loopback.
    Fast,
}

impl Network {
    fn name(self) -> &'static str {
        match self {
            Network::Slow3g => "3g",
            Network::Fast => "fast",
        }
    }

    fn link(self) -> Option<Link> {
        match self {
            Network::Slow3g => Some(Link {
                one_way: Duration::from_millis(200),
                bytes_per_second: 50_000.0,
            }),
            Network::Fast => None,
        }
    }
}

/// The pages measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Page {
    /// A late joiner's phone, from the join link to the first question tappable.
    Phone,
    /// The projector, until its screen is whole (step, results, QR code).
    Projector,
    /// The facilitator console, until its controls are live.
    Console,
}

impl Page {
    const ALL: [Page; 3] = [Page::Phone, Page::Projector, Page::Console];

    fn name(self) -> &'static str {
        match self {
            Page::Phone => "phone",
            Page::Projector => "projector",
            Page::Console => "console",
        }
    }

    fn path(self, room: &phase::Room) -> String {
        match self {
            Page::Phone => format!("/j/{}", room.code),
            Page::Projector => format!("/s/{}/projector#{}", room.code, room.projector_token),
            Page::Console => format!("/s/{}/facilitator#{}", room.code, room.facilitator_token),
        }
    }
}

/// A first load and its reload, as measured once.
#[derive(Clone, Copy, Debug)]
struct Load {
    ms: f64,
    tally: Tally,
}

/// Every load of one page on one network against one server.
#[derive(Default)]
struct Loads {
    first: Vec<Load>,
    reload: Vec<Load>,
}

/// The browser half: a Node process driving Chromium, one job at a time.
struct Driver {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Driver {
    /// Starts the driver and waits until its browser runs; the error says what is missing.
    async fn start() -> anyhow::Result<Driver> {
        let chromium =
            std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into());
        if !Path::new(&chromium).exists() {
            bail!("no Chromium at {chromium} (apt-get install chromium, or set CHROMIUM_PATH)");
        }
        let mut child = Command::new("node")
            .arg(DRIVER)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("cannot start node (the page scenario needs Node.js 20 or later)")?;
        let stdin = child.stdin.take().context("no stdin pipe")?;
        let stdout = child.stdout.take().context("no stdout pipe")?;
        let mut driver = Driver {
            child,
            stdin,
            lines: BufReader::new(stdout).lines(),
        };
        driver.expect("started").await.context(
            "the page driver did not start (playwright-core: npm ci --prefix tests/browser)",
        )?;
        Ok(driver)
    }

    async fn send(&mut self, line: &str) -> anyhow::Result<()> {
        self.stdin.write_all(line.as_bytes()).await?;
        self.stdin.write_all(b"\n").await?;
        self.stdin.flush().await?;
        Ok(())
    }

    /// The next message, which must be the event `kind`.
    async fn expect(&mut self, kind: &str) -> anyhow::Result<Value> {
        let line = tokio::time::timeout(LOAD_TIMEOUT * 2, self.lines.next_line())
            .await
            .with_context(|| format!("the page driver said nothing within {LOAD_TIMEOUT:?}"))??
            .context("the page driver ended")?;
        let message: Value =
            serde_json::from_str(&line).with_context(|| format!("the page driver said: {line}"))?;
        match message["event"].as_str() {
            Some(event) if event == kind => Ok(message),
            Some("error") => bail!("the page driver failed: {}", message["message"]),
            _ => bail!("the page driver said {line}, not {kind}"),
        }
    }

    /// Opens `url` as `page` over `network`, then reloads it; counts on `tap`.
    async fn measure(
        &mut self,
        tap: &Tap,
        url: &str,
        page: Page,
        network: Network,
    ) -> anyhow::Result<(Load, Load)> {
        let job = json!({
            "url": url, "page": page.name(), "timeout_ms": LOAD_TIMEOUT.as_millis() as u64,
        });
        tap.emulate(network.link());
        let before = tap.tally();
        self.send(&job.to_string()).await?;
        let first = self.expect("ready").await?;
        let after_first = settle(tap).await;
        self.send("next").await?;
        let reload = self.expect("ready").await?;
        let after_reload = settle(tap).await;
        self.send("next").await?;
        self.expect("done").await?;
        let ms = |v: &Value| v["ms"].as_f64().unwrap_or(0.0);
        Ok((
            Load {
                ms: ms(&first),
                tally: after_first.since(&before),
            },
            Load {
                ms: ms(&reload),
                tally: after_reload.since(&after_first),
            },
        ))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Waits until nothing crossed `tap` for [`QUIET`] and nothing is on its way (at most
/// [`SETTLE_MAX`]); what crossed by then.
async fn settle(tap: &Tap) -> Tally {
    let started = Instant::now();
    let mut last = tap.tally();
    let mut quiet_since = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = tap.tally();
        let in_flight = tap.in_flight_until() > tokio::time::Instant::now();
        if now != last || in_flight {
            last = now;
            quiet_since = Instant::now();
        } else if quiet_since.elapsed() >= QUIET {
            return now;
        }
        if started.elapsed() >= SETTLE_MAX {
            return now;
        }
    }
}

/// Runs the page scenario; without a browser, its rows say why they are empty.
pub async fn run(sizes: &Sizes, placement: Placement) -> anyhow::Result<Vec<Row>> {
    let mut driver = match Driver::start().await {
        Ok(driver) => driver,
        Err(e) => {
            let reason = format!("{e:#}");
            eprintln!("  page: skipped: {reason}");
            return Ok(rows(sizes, &[], &reason));
        }
    };
    let ours_dir = TempDir::new()?;
    let process = ServerProcess::start(ServerKind::Ours, ours_dir.path(), placement.server_cpu)?;
    let mut target = Target::new(ServerKind::Ours, process);
    let room = target.create_room(0).await?;
    // The room is live: its facilitator on the grid step, results revealed, its projector open.
    let _staff = phase::open_staff(&target, &room).await?;
    let ours_tap = Tap::start(target.process.addr).await?;
    let jobs: Vec<(Page, Network)> = Page::ALL
        .iter()
        .flat_map(|&page| sizes.page_networks.iter().map(move |&n| (page, n)))
        .collect();
    let mut measured: Vec<(Page, Network, Loads, Loads)> = jobs
        .iter()
        .map(|&(page, network)| (page, network, Loads::default(), Loads::default()))
        .collect();
    let base_dir = TempDir::new()?;
    let mut baseline: Option<(ServerProcess, Tap)> = None;
    for rep in 1..=sizes.page_reps {
        if rep == 1 {
            ours_tap.start_recording();
        }
        for (page, network, ours, _) in &mut measured {
            eprintln!(
                "  page: trivsel {rep}/{}: {} on {}",
                sizes.page_reps,
                page.name(),
                network.name()
            );
            let url = format!("http://{}{}", ours_tap.addr, page.path(&room));
            let (first, reload) = driver.measure(&ours_tap, &url, *page, *network).await?;
            ours.first.push(first);
            ours.reload.push(reload);
        }
        if baseline.is_none() {
            let recording = ours_tap.take_recording();
            let addr = target.process.addr;
            let dir = base_dir.path().to_owned();
            tokio::task::spawn_blocking(move || write_replay(addr, &recording, &dir)).await??;
            let process = ServerProcess::start(
                ServerKind::PageBaseline,
                base_dir.path(),
                placement.server_cpu,
            )?;
            let tap = Tap::start(process.addr).await?;
            baseline = Some((process, tap));
        }
        let Some((_, base_tap)) = &baseline else {
            unreachable!("started above");
        };
        for (page, network, _, base) in &mut measured {
            eprintln!(
                "  page: baseline {rep}/{}: {} on {}",
                sizes.page_reps,
                page.name(),
                network.name()
            );
            let url = format!("http://{}{}", base_tap.addr, page.path(&room));
            let (first, reload) = driver.measure(base_tap, &url, *page, *network).await?;
            base.first.push(first);
            base.reload.push(reload);
        }
    }
    Ok(rows(sizes, &measured, ""))
}

/// The rows: one per page, network and load (first or reload).
fn rows(sizes: &Sizes, measured: &[(Page, Network, Loads, Loads)], skipped: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    for &page in &Page::ALL {
        for &network in &sizes.page_networks {
            let found = measured
                .iter()
                .find(|(p, n, _, _)| *p == page && *n == network);
            for reload in [false, true] {
                let pick = |loads: &Loads| -> Vec<Load> {
                    if reload {
                        loads.reload.clone()
                    } else {
                        loads.first.clone()
                    }
                };
                let (ours, base) =
                    found.map_or((Vec::new(), Vec::new()), |(_, _, o, b)| (pick(o), pick(b)));
                let name = format!(
                    "page-{}-{}-{}",
                    page.name(),
                    network.name(),
                    if reload { "reload" } else { "first" }
                );
                let mut row = Row::new(&name, 1, &times(&ours), &times(&base));
                let (goal, met) = goal(page, network, reload, &row, &ours);
                row = row.goal(goal, met.filter(|_| sizes.full));
                if !skipped.is_empty() {
                    row = row.with("skipped", skipped);
                }
                let all = |loads: &[Load]| loads.iter().map(|l| l.ms).collect::<Vec<f64>>();
                if let (Some(o), Some(b)) = (median(&ours), median(&base)) {
                    row = row
                        .with("times_ms", all(&ours))
                        .with("baseline_times_ms", all(&base))
                        .with("bytes", o.down())
                        .with("http_bytes", o.http_down)
                        .with("ws_bytes", o.ws_down)
                        .with("up_bytes", o.http_up + o.ws_up)
                        .with("requests", o.requests)
                        .with("sockets", o.sockets)
                        .with("baseline_bytes", b.down())
                        .with("baseline_http_bytes", b.http_down)
                        .with("baseline_requests", b.requests)
                        .with(
                            "bytes_ratio",
                            crate::report::ratio(o.down() as f64, b.down() as f64),
                        );
                }
                rows.push(row);
            }
        }
    }
    rows
}

/// The goal of a row, in words, and whether this run met it.
fn goal(
    page: Page,
    network: Network,
    reload: bool,
    row: &Row,
    loads: &[Load],
) -> (&'static str, Option<bool>) {
    let tally = median(loads);
    match (page, network, reload) {
        (Page::Phone, Network::Slow3g, false) => (
            "join link -> first question tappable <= 3 s; the page <= 80 kB on the wire",
            tally.map(|t| row.p99_ms <= 3000.0 && t.http_down <= 80_000),
        ),
        (Page::Phone, _, true) => (
            "a reload <= 5 kB of page on the wire",
            tally.map(|t| t.http_down <= 5_000),
        ),
        _ => (
            "(report) time until usable, bytes and requests on the wire",
            None,
        ),
    }
}

fn times(loads: &[Load]) -> Samples {
    let mut samples = Samples::default();
    for load in loads {
        samples.push(Duration::from_secs_f64(load.ms / 1000.0));
    }
    samples
}

/// The tally of the load with the median number of bytes.
fn median(loads: &[Load]) -> Option<Tally> {
    let mut tallies: Vec<Tally> = loads.iter().map(|l| l.tally).collect();
    tallies.sort_by_key(Tally::down);
    tallies.get(tallies.len() / 2).copied()
}

/// Fetches every `GET` the browser made of trivsel again, in each encoding, and writes the
/// baseline's replay of it and of the WebSocket conversations into `dir`.
fn write_replay(
    server: std::net::SocketAddr,
    recording: &Recording,
    dir: &Path,
) -> anyhow::Result<()> {
    let mut replay = Replay::default();
    let mut done = std::collections::HashSet::new();
    for head in &recording.requests {
        if head.method != "GET" || !done.insert(head.target.clone()) {
            continue;
        }
        let mut answer = Answer {
            target: head.target.clone(),
            status: 200,
            etag: None,
            variants: Vec::new(),
        };
        for asked in ["identity", "gzip", "br"] {
            let Fetched {
                status,
                headers,
                body,
            } = fetch(server, head, asked)?;
            let encoding = header(&headers, "content-encoding").map(str::to_owned);
            if asked != "identity" && encoding.as_deref() != Some(asked) {
                continue;
            }
            answer.status = status;
            answer.etag = header(&headers, "etag").map(str::to_owned);
            let file = format!("body-{}", done.len() * 3 + answer.variants.len());
            std::fs::write(dir.join(&file), &body)?;
            answer.variants.push(Variant {
                encoding,
                headers: headers
                    .into_iter()
                    .filter(|(name, _)| page_baseline::KEPT_HEADERS.contains(&name.as_str()))
                    .collect(),
                body: file,
            });
        }
        replay.answers.push(answer);
    }
    let mut openings = std::collections::HashSet::new();
    for log in &recording.sockets {
        if let Some(conversation) = Conversation::of(log)
            && openings.insert((conversation.path.clone(), conversation.opening.clone()))
        {
            replay.conversations.push(conversation);
        }
    }
    let path: PathBuf = dir.join(page_baseline::FILE);
    std::fs::write(&path, serde_json::to_string(&replay)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// An answer of trivsel's as it came.
struct Fetched {
    status: u16,
    /// Names in lower case.
    headers: Vec<(String, String)>,
    /// As sent (compressed, if it was).
    body: Vec<u8>,
}

/// `GET` as the browser asked (its credentials and `Accept`), in one encoding, over a fresh
/// connection.
fn fetch(
    server: std::net::SocketAddr,
    head: &RequestHead,
    encoding: &str,
) -> anyhow::Result<Fetched> {
    use std::io::{Read, Write};
    let mut tcp = std::net::TcpStream::connect(server).context("cannot reach trivsel")?;
    tcp.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut request = format!(
        "GET {} HTTP/1.1\r\nHost: {server}\r\nAccept-Encoding: {encoding}\r\nConnection: close\r\n",
        head.target
    );
    for name in ["authorization", "accept"] {
        if let Some(value) = head.header(name) {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    request.push_str("\r\n");
    tcp.write_all(request.as_bytes())?;
    let mut reply = Vec::new();
    tcp.read_to_end(&mut reply)?;
    let end = reply
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("a malformed HTTP reply")?;
    let text = String::from_utf8_lossy(&reply[..end]).into_owned();
    let mut lines = text.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .context("no status in the reply")?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = reply[end + 4..].to_vec();
    if header(&headers, "transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        body = unchunk(&body)?;
    }
    Ok(Fetched {
        status,
        headers,
        body,
    })
}

/// The body of a `Transfer-Encoding: chunked` message.
fn unchunk(mut data: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .context("a malformed chunk")?;
        let size = std::str::from_utf8(&data[..line_end])?
            .split(';')
            .next()
            .unwrap_or("")
            .trim();
        let size = usize::from_str_radix(size, 16)?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(data.get(..size).context("a short chunk")?);
        data = data.get(size + 2..).context("a short chunk")?;
    }
}
