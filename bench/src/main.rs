//! `trivsel-bench`: the load benchmark. It starts trivsel and a minimal WebSocket broadcast
//! server (the baseline) as child processes, drives both with the same WebSocket clients in
//! alternating phases, and reports latency percentiles, bytes and memory for seven scenarios,
//! each with the baseline's figure and the ratio; an eighth opens the pages in a browser
//! against trivsel and a static baseline serving the same bytes. See `docs/PERFORMANCE.md`.
//!
//! # Layout
//! - [`scenarios`] — the scenarios and their sizes (full, `--quick`, `--smoke`).
//! - [`phase`] — one measured phase against one server: rooms, clients, rounds, ratings.
//! - [`client`] — the WebSocket client and the roles it plays (phone, facilitator, projector).
//! - [`baseline`] — the baseline server.
//! - [`page`] — the page scenario: Chromium (`page/driver.mjs`) loading the pages.
//! - [`page_baseline`] — its baseline: trivsel's recorded answers, served again.
//! - [`tap`] — the relay between browser and server that counts (and records) the wire.
//! - [`system`] — child processes, CPU pinning, the open-file limit, resident memory.
//! - [`stats`] — percentiles.
//! - [`report`] — the table and the JSON file.
//!
//! The servers run in this same executable, started again in a hidden serving mode
//! (`--serve ours|baseline|sqlite-read|page-baseline`), so `cargo run --release --bin trivsel-bench` needs
//! nothing else built.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod baseline;
mod client;
mod flood;
mod page;
mod page_baseline;
mod phase;
mod report;
mod scenarios;
mod stats;
mod system;
mod tap;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use serde_json::json;

use scenarios::{Placement, Scenario, Sizes};
use system::ServerKind;

/// Load benchmark of trivsel against a minimal WebSocket broadcast server.
#[derive(Parser, Debug)]
#[command(name = "trivsel-bench", version, about)]
struct Options {
    /// Every scenario, small enough to finish within about a minute.
    #[arg(long, conflicts_with = "smoke")]
    quick: bool,
    /// Tiny numbers that only prove the harness works (for the test suite).
    #[arg(long)]
    smoke: bool,
    /// Also write the results as JSON to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Run only these scenarios (repeat the flag or separate with commas).
    #[arg(long, value_enum, value_delimiter = ',')]
    scenario: Vec<Scenario>,
    /// Scenario 1: session sizes, e.g. 1000,5000.
    #[arg(long, value_delimiter = ',')]
    participants: Option<Vec<usize>>,
    /// Scenario 1: step changes per phase.
    #[arg(long)]
    rounds: Option<usize>,
    /// Phases per server (trivsel and baseline alternate).
    #[arg(long)]
    reps: Option<usize>,
    /// Scenario 2: the smaller session size (the larger is twice this).
    #[arg(long)]
    ops_participants: Option<usize>,
    /// Scenarios 2 and 3: seconds of rating per phase.
    #[arg(long)]
    ops_seconds: Option<f64>,
    /// Scenario 3: number of sessions.
    #[arg(long)]
    rooms: Option<usize>,
    /// Scenario 3: participants per session.
    #[arg(long)]
    room_size: Option<usize>,
    /// Scenario 4: idle connections to hold.
    #[arg(long)]
    idle: Option<usize>,
    /// Scenario 5: session size.
    #[arg(long)]
    slow_participants: Option<usize>,
    /// Scenario 5: percentage of phones that stop reading.
    #[arg(long)]
    slow_percent: Option<f64>,
    /// Scenario 6: stored sessions.
    #[arg(long)]
    restart_sessions: Option<usize>,
    /// Scenario 6: stored answers in total.
    #[arg(long)]
    restart_answers: Option<usize>,
    /// Scenario 7: most participants the flooded neighbour adds (0: none, only the ratings).
    #[arg(long)]
    neighbour_joins: Option<usize>,
    /// Do not pin the servers and the clients to separate CPUs.
    #[arg(long)]
    no_pin: bool,
    /// Run trivsel on this PostgreSQL database instead of SQLite (an empty database of its own:
    /// every phase's sessions stay in it), e.g. postgres://postgres@127.0.0.1:5432/bench. The
    /// scenarios that measure the store are `ops` (acks) and `rooms`; `restart` reads SQLite.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// Internal: run a server in this process (used for the child processes).
    #[arg(long, value_enum, hide = true)]
    serve: Option<ServerKind>,
    /// Internal: the served data directory.
    #[arg(long, hide = true)]
    data: Option<PathBuf>,
    /// Internal: the CPU the served process pins itself to.
    #[arg(long, hide = true)]
    cpu: Option<usize>,
    /// Internal: the served trivsel keeps its per-session join allowance.
    #[arg(long, hide = true)]
    join_allowance: bool,
}

impl Options {
    fn sizes(&self) -> Sizes {
        let mut sizes = if self.smoke {
            Sizes::smoke()
        } else if self.quick {
            Sizes::quick()
        } else {
            Sizes::full()
        };
        if let Some(v) = &self.participants {
            sizes.step_sizes = v.clone();
        }
        let set = |target: &mut usize, value: Option<usize>| {
            if let Some(v) = value {
                *target = v.max(1);
            }
        };
        set(&mut sizes.rounds, self.rounds);
        set(&mut sizes.reps, self.reps);
        set(&mut sizes.page_reps, self.reps);
        set(&mut sizes.ops_participants, self.ops_participants);
        set(&mut sizes.rooms, self.rooms);
        set(&mut sizes.room_size, self.room_size);
        set(&mut sizes.idle, self.idle);
        set(&mut sizes.slow_participants, self.slow_participants);
        set(&mut sizes.restart_sessions, self.restart_sessions);
        set(&mut sizes.restart_answers, self.restart_answers);
        if let Some(j) = self.neighbour_joins {
            sizes.neighbour_joins = j;
        }
        if let Some(s) = self.ops_seconds {
            sizes.ops_seconds = s.clamp(0.5, 3600.0);
        }
        if let Some(p) = self.slow_percent {
            sizes.slow_percent = p.clamp(0.01, 100.0);
        }
        sizes
    }
}

fn main() -> ExitCode {
    let options = match Options::try_parse() {
        Ok(options) => options,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let database = match options.database.as_deref().map(str::parse) {
        None => None,
        Some(Ok(url)) => Some(url),
        Some(Err(e)) => {
            eprintln!("trivsel-bench: --database {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(url) = &options.database {
        system::use_database(url);
    }
    let result = match options.serve {
        Some(kind) => match &options.data {
            Some(data) => system::serve(kind, data, options.cpu, options.join_allowance, database),
            None => Err(anyhow::anyhow!("--serve needs --data")),
        },
        None => bench(&options),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trivsel-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn bench(options: &Options) -> anyhow::Result<()> {
    let sizes = options.sizes();
    let scenarios = if options.scenario.is_empty() {
        Scenario::ALL.to_vec()
    } else {
        options.scenario.clone()
    };
    let machine = system::machine();
    // Servers on the first CPU, clients on the others, when there are at least two.
    let cpus = system::cpus();
    let server_cpu = if !options.no_pin && cpus.len() >= 2 {
        system::pin_to(cpus[1])?;
        Some(cpus[0])
    } else {
        None
    };
    let limit = system::raise_file_limit();
    anyhow::ensure!(
        limit >= 1024,
        "the open-file limit is {limit}; the benchmark needs at least 1024 (ulimit -n)"
    );
    let placement = Placement {
        server_cpu,
        max_connections: limit as usize,
    };
    let mode = if options.smoke {
        "smoke"
    } else if options.quick {
        "quick"
    } else {
        "full"
    };
    let store = match options
        .database
        .as_deref()
        .map(str::parse::<trivsel::config::DatabaseUrl>)
    {
        Some(Ok(url)) => format!("PostgreSQL {url}"),
        _ => "SQLite".to_owned(),
    };
    eprintln!(
        "trivsel-bench ({mode}): {machine}; trivsel on {store}; servers on CPU {}, clients on the rest; open-file limit {limit}",
        server_cpu.map_or("any".into(), |c| c.to_string())
    );
    let runtime = tokio::runtime::Runtime::new()?;
    let started = std::time::Instant::now();
    let mut rows = Vec::new();
    for scenario in scenarios {
        eprintln!("{scenario:?}");
        let found = runtime.block_on(scenarios::run(scenario, &sizes, placement))?;
        rows.extend(found);
    }
    let seconds = started.elapsed().as_secs_f64();
    report::print_table(&rows);
    println!("({mode} run, {seconds:.0} s; {machine})");
    if let Some(path) = &options.json {
        let context = json!({
            "mode": mode,
            "machine": machine,
            "seconds": report::round(seconds),
            "pinned": server_cpu.is_some(),
            "open_file_limit": limit,
        });
        report::write_json(path, &rows, context)?;
    }
    Ok(())
}
