//! The machine under the benchmark: CPU pinning, the open-file limit, a process's resident
//! memory, and the server child processes (our server, the baseline, the raw SQLite reader),
//! which are this same executable started in a hidden serving mode.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
use rustix::thread::{CpuSet, sched_getaffinity, sched_setaffinity};

/// The CPUs this process may run on, in order.
pub fn cpus() -> Vec<usize> {
    match sched_getaffinity(None) {
        Ok(set) => (0..CpuSet::MAX_CPU).filter(|&c| set.is_set(c)).collect(),
        Err(_) => Vec::new(),
    }
}

/// Pins the calling thread (and every thread it starts afterwards) to one CPU.
pub fn pin_to(cpu: usize) -> anyhow::Result<()> {
    let mut set = CpuSet::new();
    set.set(cpu);
    sched_setaffinity(None, &set).with_context(|| format!("cannot pin to CPU {cpu}"))
}

/// Raises the soft open-file limit as far as the hard limit allows; returns the new limit.
pub fn raise_file_limit() -> u64 {
    let limit = getrlimit(Resource::Nofile);
    let Some(hard) = limit.maximum else {
        // Unlimited hard limit: ask for plenty.
        let wanted = 1 << 20;
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(wanted),
                maximum: None,
            },
        );
        return getrlimit(Resource::Nofile).current.unwrap_or(wanted);
    };
    let _ = setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(hard),
            maximum: Some(hard),
        },
    );
    getrlimit(Resource::Nofile).current.unwrap_or(hard)
}

/// Resident memory of a process in KiB (`VmRSS`), or 0 when it cannot be read.
pub fn rss_kib(pid: u32) -> u64 {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return 0;
    };
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}

/// CPU time (user and system) a process has used so far, in ms; 0 when it cannot be read.
pub fn cpu_ms(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) start at the state, field 3;
    // utime and stime are fields 14 and 15.
    let Some((_, rest)) = stat.rsplit_once(") ") else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let per_second = rustix::param::clock_ticks_per_second().max(1);
    (ticks(11) + ticks(12)) as f64 * 1000.0 / per_second as f64
}

/// One line describing the machine: CPUs, memory, kernel.
pub fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|r| r.split_whitespace().next()?.parse::<u64>().ok())
        })
        .map_or(0.0, |kib| kib as f64 / (1024.0 * 1024.0));
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|k| k.trim().to_owned())
        .unwrap_or_default();
    format!("{cpus} CPUs ({model}), {mem_gib:.0} GiB, Linux {kernel}")
}

/// Which server a child process runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ServerKind {
    /// trivsel itself, through the library (`trivsel::open` and `trivsel::run`).
    Ours,
    /// The minimal broadcast server of `baseline.rs`.
    Baseline,
    /// Reads every stored row of a data directory, then idles (the restart baseline).
    SqliteRead,
    /// Serves the answers trivsel gave a browser, recorded in the data directory (the page
    /// scenario's baseline, `page_baseline.rs`).
    PageBaseline,
}

/// The PostgreSQL database trivsel runs on (`--database`), if not SQLite.
static DATABASE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Makes every trivsel this benchmark starts store in the PostgreSQL database `url`.
pub fn use_database(url: &str) {
    let _ = DATABASE.set(url.to_owned());
}

/// A server running as a child process. It stops when this is dropped (and by itself when
/// the benchmark dies: it exits as soon as its standard input closes).
pub struct ServerProcess {
    /// Where it listens (the SQLite reader listens nowhere; then this is unspecified).
    pub addr: SocketAddr,
    /// How long from starting the process until it said it was ready.
    pub startup: Duration,
    child: Child,
    _stdin: ChildStdin,
}

impl ServerProcess {
    /// Starts `kind` over the data directory `data`, pinned to `cpu` when given, and waits
    /// until it is ready.
    pub fn start(kind: ServerKind, data: &Path, cpu: Option<usize>) -> anyhow::Result<Self> {
        Self::start_as(kind, data, cpu, false)
    }

    /// Starts trivsel like [`ServerProcess::start`], but with its per-session join allowance
    /// (`--joins-per-second` at its default), which the other scenarios lift.
    pub fn start_with_join_allowance(data: &Path, cpu: Option<usize>) -> anyhow::Result<Self> {
        Self::start_as(ServerKind::Ours, data, cpu, true)
    }

    fn start_as(
        kind: ServerKind,
        data: &Path,
        cpu: Option<usize>,
        join_allowance: bool,
    ) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("cannot find the benchmark executable")?;
        let mut command = Command::new(exe);
        command
            .arg("--serve")
            .arg(match kind {
                ServerKind::Ours => "ours",
                ServerKind::Baseline => "baseline",
                ServerKind::SqliteRead => "sqlite-read",
                ServerKind::PageBaseline => "page-baseline",
            })
            .arg("--data")
            .arg(data);
        if let Some(cpu) = cpu {
            command.arg("--cpu").arg(cpu.to_string());
        }
        if join_allowance {
            command.arg("--join-allowance");
        }
        if let (ServerKind::Ours, Some(url)) = (kind, DATABASE.get()) {
            command.arg("--database").arg(url);
        }
        let started = Instant::now();
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("cannot start a server process")?;
        let stdin = child.stdin.take().context("no stdin pipe")?;
        let stdout = child.stdout.take().context("no stdout pipe")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .context("cannot read from the server process")?;
        let startup = started.elapsed();
        let Some(addr) = line.trim().strip_prefix("ready ") else {
            let _ = child.kill();
            let _ = child.wait();
            bail!("the {kind:?} server did not start");
        };
        let addr = addr
            .parse()
            .with_context(|| format!("bad address from the server: {addr}"))?;
        Ok(ServerProcess {
            addr,
            startup,
            child,
            _stdin: stdin,
        })
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its resident memory now, in KiB.
    pub fn rss_kib(&self) -> u64 {
        rss_kib(self.child.id())
    }

    /// The CPU time it has used so far, in ms.
    pub fn cpu_ms(&self) -> f64 {
        cpu_ms(self.child.id())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh directory under the system's temporary directory, removed on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates `trivsel-bench-<pid>-<n>`.
    pub fn new() -> anyhow::Result<Self> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("trivsel-bench-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(TempDir { path })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Serving mode (in the child): runs `kind` until standard input closes.
pub fn serve(
    kind: ServerKind,
    data: &Path,
    cpu: Option<usize>,
    join_allowance: bool,
    database: Option<trivsel::config::DatabaseUrl>,
) -> anyhow::Result<()> {
    if let Some(cpu) = cpu {
        pin_to(cpu)?;
    }
    raise_file_limit();
    // Built after pinning, so the runtime has one worker per CPU the server may use.
    let runtime = tokio::runtime::Runtime::new().context("cannot start the runtime")?;
    runtime.block_on(async {
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        // The parent holds our stdin; when it ends (or dies) we stop.
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            let _ = stop_tx.send(());
        });
        let stopped = async move {
            let _ = stop_rx.await;
        };
        match kind {
            ServerKind::Ours => {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                let mut config = trivsel::Config::with_data(data);
                config.database = database;
                // The benchmark is one client address holding every connection and creating
                // every room: lift the per-address caps (the open-file limit still bounds it).
                config.max_connections = u32::MAX;
                config.max_connections_per_address = u32::MAX;
                config.creations_per_hour = 1_000_000;
                // The full run's rooms (5,000 phones in scenarios 1 and 2) are larger than a
                // session takes by default (`--max-participants` 2,000).
                config.max_participants = 100_000;
                // Rooms of thousands join in a moment, unless the scenario measures the limit.
                if !join_allowance {
                    config.joins_per_second = 10_000;
                }
                let state = trivsel::open(&config)?;
                println!("ready {}", listener.local_addr()?);
                trivsel::run(listener, state, stopped).await
            }
            ServerKind::Baseline => {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                println!("ready {}", listener.local_addr()?);
                tokio::select! {
                    result = crate::baseline::run(listener, data) => result,
                    () = stopped => Ok(()),
                }
            }
            ServerKind::PageBaseline => {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                println!("ready {}", listener.local_addr()?);
                tokio::select! {
                    result = crate::page_baseline::run(listener, data) => result,
                    () = stopped => Ok(()),
                }
            }
            ServerKind::SqliteRead => {
                std::hint::black_box(read_all_rows(data)?);
                println!("ready 0.0.0.0:0");
                stopped.await;
                Ok(())
            }
        }
    })
}

/// Reads every row trivsel stored in `data` without interpreting it: the least work any
/// restart must do. Returns how many bytes of text it read.
fn read_all_rows(data: &Path) -> anyhow::Result<usize> {
    let path = data.join(trivsel::store::DB_FILE);
    let conn = rusqlite::Connection::open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let mut total = 0;
    for query in [
        "SELECT code, created FROM sessions ORDER BY code",
        "SELECT code, body FROM snapshots ORDER BY code",
        "SELECT code, body FROM events ORDER BY code, seq",
    ] {
        let mut statement = conn.prepare(query)?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            total += row.get_ref(0)?.as_str()?.len() + row.get_ref(1)?.as_str()?.len();
        }
    }
    Ok(total)
}
