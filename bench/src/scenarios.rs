//! The scenarios of the benchmark. Each starts trivsel and the baseline as child processes
//! over fresh data directories, runs its phases against them alternately (trivsel, baseline,
//! trivsel, baseline, …) so both see the same machine, and returns its rows.

use std::time::Duration;

use anyhow::Context;
use futures_util::{StreamExt, TryStreamExt};
use serde_json::json;

use crate::client::{self, GRID_STEP};
pub use crate::page::Network;
use crate::phase::{self, PhaseResult, PhaseSpec, Target};
use crate::report::{Row, ratio, round};
use crate::stats::Samples;
use crate::system::{ServerKind, ServerProcess, TempDir};

/// The scenarios, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// 1. One session: a step change reaching every phone.
    Step,
    /// 2. One session, every phone rating at 1 op/s: acks, projector, bytes per op at N and 2N.
    Ops,
    /// 3. Many small sessions: step changes and ratings.
    Rooms,
    /// 4. Many idle connections: memory per connection.
    Idle,
    /// 5. 1 % of the phones stop reading.
    Slow,
    /// 6. Restart: recovering stored sessions.
    Restart,
    /// 7. A neighbouring session at its limits: one room's acks with and without it.
    Neighbour,
    /// 8. A hall of tables: one session seated at many tables, each with its own screen,
    ///    against the same session as one room (issue 16).
    Tables,
    /// 9. The pages in a browser: time until usable, bytes and requests, slow 3G and fast.
    Page,
    /// 10. Cost as work grows: many rooms, and one room, at 1x, 2x and 4x (issue 15).
    Scale,
}

impl Scenario {
    /// Every scenario, in order.
    pub const ALL: [Scenario; 10] = [
        Scenario::Step,
        Scenario::Ops,
        Scenario::Rooms,
        Scenario::Idle,
        Scenario::Slow,
        Scenario::Restart,
        Scenario::Neighbour,
        Scenario::Tables,
        Scenario::Page,
        Scenario::Scale,
    ];
}

/// How big each scenario is.
#[derive(Clone, Debug)]
pub struct Sizes {
    /// Whether this is a full run (only then are goals judged).
    pub full: bool,
    /// Scenario 1: session sizes.
    pub step_sizes: Vec<usize>,
    /// Scenario 1: step changes per phase.
    pub rounds: usize,
    /// Phases per server and size (A B A B … pairs).
    pub reps: usize,
    /// Scenario 2: the smaller session (the larger is twice this).
    pub ops_participants: usize,
    /// Scenarios 2, 3: seconds of rating per phase.
    pub ops_seconds: f64,
    /// Scenario 3: sessions and phones per session.
    pub rooms: usize,
    /// Scenario 3: phones per session.
    pub room_size: usize,
    /// Scenario 4: idle connections wanted.
    pub idle: usize,
    /// Scenario 5: session size.
    pub slow_participants: usize,
    /// Scenario 5: step changes (every 25 ms, while everyone rates).
    pub slow_rounds: usize,
    /// Scenario 5: percentage of phones that stop reading.
    pub slow_percent: f64,
    /// Scenario 6: stored sessions.
    pub restart_sessions: usize,
    /// Scenario 6: stored answers in total.
    pub restart_answers: usize,
    /// Scenario 6: restarts per server.
    pub restart_reps: usize,
    /// Scenario 7: most participants the flooded neighbour adds.
    pub neighbour_joins: usize,
    /// Scenario 7: the sessions working normally beside it (of `room_size` phones each).
    pub neighbour_rooms: usize,
    /// Scenario 10: at 1x, the rooms (of `room_size` phones) and the one room's phones.
    pub scale: (usize, usize),
    /// Scenario 8: participants in the hall, and its tables.
    pub hall: (usize, usize),
    /// Scenario 9: loads of each page per server.
    pub page_reps: usize,
    /// Scenario 9: the networks each page is loaded over.
    pub page_networks: Vec<Network>,
}

impl Sizes {
    /// The full benchmark.
    pub fn full() -> Self {
        Sizes {
            full: true,
            step_sizes: vec![1000, 5000],
            rounds: 10,
            reps: 2,
            ops_participants: 2500,
            ops_seconds: 10.0,
            rooms: 500,
            room_size: 20,
            idle: 50_000,
            slow_participants: 2000,
            slow_rounds: 200,
            slow_percent: 1.0,
            restart_sessions: 500,
            restart_answers: 20_000,
            restart_reps: 5,
            neighbour_joins: 10_000,
            neighbour_rooms: 50,
            scale: (125, 625),
            hall: (500, 80),
            page_reps: 3,
            page_networks: vec![Network::Slow3g, Network::Fast],
        }
    }

    /// Every scenario within about a minute.
    pub fn quick() -> Self {
        Sizes {
            full: false,
            step_sizes: vec![500],
            rounds: 4,
            reps: 1,
            ops_participants: 200,
            ops_seconds: 2.0,
            rooms: 50,
            room_size: 20,
            idle: 2000,
            slow_participants: 300,
            slow_rounds: 40,
            slow_percent: 1.0,
            restart_sessions: 50,
            restart_answers: 2000,
            restart_reps: 2,
            neighbour_joins: 2000,
            neighbour_rooms: 10,
            scale: (10, 100),
            hall: (500, 80),
            page_reps: 1,
            page_networks: vec![Network::Slow3g, Network::Fast],
        }
    }

    /// Tiny numbers, for the test suite: proves the harness works, measures nothing.
    pub fn smoke() -> Self {
        Sizes {
            full: false,
            step_sizes: vec![5],
            rounds: 2,
            reps: 1,
            ops_participants: 4,
            // Each phone rates once a second at a random phase: two seconds make sure every one
            // of them sends at least once, so the smoke run never measures zero operations.
            ops_seconds: 2.0,
            rooms: 2,
            room_size: 3,
            idle: 10,
            slow_participants: 10,
            slow_rounds: 4,
            slow_percent: 10.0,
            restart_sessions: 2,
            restart_answers: 8,
            restart_reps: 1,
            neighbour_joins: 20,
            neighbour_rooms: 2,
            scale: (1, 3),
            hall: (8, 2),
            page_reps: 1,
            // Slow 3G takes seconds a page: the smoke run proves the harness on the fast one.
            page_networks: vec![Network::Fast],
        }
    }
}

/// Where the servers run.
#[derive(Clone, Copy, Debug)]
pub struct Placement {
    /// The CPU each server process is pinned to, if any.
    pub server_cpu: Option<usize>,
    /// Most connections this process (and each server) can hold.
    pub max_connections: usize,
}

/// Both servers, freshly started.
struct Pair {
    ours: Target,
    baseline: Target,
    _dirs: (TempDir, TempDir),
}

fn start_pair(placement: Placement) -> anyhow::Result<Pair> {
    let (a, b) = (TempDir::new()?, TempDir::new()?);
    let ours = ServerProcess::start(ServerKind::Ours, a.path(), placement.server_cpu)?;
    let baseline = ServerProcess::start(ServerKind::Baseline, b.path(), placement.server_cpu)?;
    Ok(Pair {
        ours: Target::new(ServerKind::Ours, ours),
        baseline: Target::new(ServerKind::Baseline, baseline),
        _dirs: (a, b),
    })
}

/// Runs `spec` `reps` times against each server, alternately; the baseline's frames are sized
/// like trivsel's from the previous phase.
async fn alternate(
    pair: &mut Pair,
    spec: &PhaseSpec,
    reps: usize,
    label: &str,
) -> anyhow::Result<(Vec<PhaseResult>, Vec<PhaseResult>)> {
    let (mut ours, mut baseline) = (Vec::new(), Vec::new());
    for rep in 1..=reps {
        eprintln!("  {label}: trivsel {rep}/{reps}");
        let a = phase::run(&mut pair.ours, spec).await?;
        let (step, activity) = a.frame_sizes;
        if step > 0 {
            pair.baseline.pads.0 = step;
        }
        if activity > 0 {
            pair.baseline.pads.1 = activity;
        }
        ours.push(a);
        eprintln!("  {label}: baseline {rep}/{reps}");
        baseline.push(phase::run(&mut pair.baseline, spec).await?);
    }
    Ok((ours, baseline))
}

/// Sorts `ratios` and returns their median (the upper one of an even count; 0 for none).
fn median_of(ratios: &mut [f64]) -> f64 {
    ratios.sort_by(f64::total_cmp);
    ratios.get(ratios.len() / 2).copied().unwrap_or(0.0)
}

fn merged(results: &[PhaseResult], pick: impl Fn(&PhaseResult) -> &Samples) -> Samples {
    let mut all = Samples::default();
    for r in results {
        all.extend(pick(r));
    }
    all
}

fn bytes_per_op(results: &[PhaseResult]) -> f64 {
    let bytes: u64 = results.iter().map(|r| r.bytes).sum();
    let ops: u64 = results.iter().map(|r| r.ops).sum();
    if ops == 0 {
        0.0
    } else {
        round(bytes as f64 / ops as f64)
    }
}

/// Server CPU time per rating, µs (0 when none was sent).
fn cpu_us_per_op(results: &[PhaseResult]) -> f64 {
    let cpu: f64 = results.iter().map(|r| r.ops_cpu_ms).sum();
    let ops = sum(results, |r| r.ops);
    if ops == 0 {
        0.0
    } else {
        round(cpu * 1000.0 / ops as f64)
    }
}

fn sum(results: &[PhaseResult], pick: impl Fn(&PhaseResult) -> u64) -> u64 {
    results.iter().map(pick).sum()
}

fn judged(full: bool, met: bool) -> Option<bool> {
    full.then_some(met)
}

/// Runs one scenario.
pub async fn run(
    scenario: Scenario,
    sizes: &Sizes,
    placement: Placement,
) -> anyhow::Result<Vec<Row>> {
    match scenario {
        Scenario::Step => step(sizes, placement).await,
        Scenario::Ops => ops(sizes, placement).await,
        Scenario::Rooms => rooms(sizes, placement).await,
        Scenario::Idle => idle(sizes, placement).await,
        Scenario::Slow => slow(sizes, placement).await,
        Scenario::Restart => restart(sizes, placement).await,
        Scenario::Neighbour => neighbour(sizes, placement).await,
        Scenario::Tables => tables(sizes, placement).await,
        Scenario::Page => crate::page::run(sizes, placement).await,
        Scenario::Scale => scale(sizes, placement).await,
    }
}

async fn step(sizes: &Sizes, placement: Placement) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    for &n in &sizes.step_sizes {
        let mut pair = start_pair(placement)?;
        let spec = PhaseSpec {
            rooms: 1,
            per_room: n,
            rounds: sizes.rounds,
            round_gap: Duration::from_millis(50),
            wait_rounds: true,
            ops: None,
            concurrent: false,
            stalled_every: 0,
            tables: 0,
        };
        let (a, b) = alternate(&mut pair, &spec, sizes.reps, &format!("step {n}")).await?;
        let row = Row::new(
            "step",
            n,
            &merged(&a, |r| &r.step),
            &merged(&b, |r| &r.step),
        );
        let met = row.p99_ms <= 200.0 && row.ratio <= 1.3;
        rows.push(
            row.goal(
                "p99 <= 200 ms and <= 1.3x baseline",
                judged(sizes.full, met),
            )
            .with("missing", sum(&a, |r| r.missing))
            .with("step_frame_bytes", a.first().map_or(0, |r| r.frame_sizes.0)),
        );
    }
    Ok(rows)
}

fn ops_rows(
    prefix: &str,
    participants: usize,
    a: &[PhaseResult],
    b: &[PhaseResult],
    full: bool,
) -> Vec<Row> {
    let ack = Row::new(
        &format!("{prefix}-ack"),
        participants,
        &merged(a, |r| &r.ack),
        &merged(b, |r| &r.ack),
    );
    // Issue 15: against a baseline that stores every batch durably before acknowledging it
    // and tells the staff at trivsel's own rate, so the ratios say what trivsel adds.
    let ack_met = ack.p99_ms <= 100.0 && ack.ratio <= 1.5;
    let projector = Row::new(
        &format!("{prefix}-projector"),
        participants,
        &merged(a, |r| &r.projector),
        &merged(b, |r| &r.projector),
    );
    let projector_met = projector.p99_ms <= 300.0 && projector.ratio <= 1.3;
    vec![
        ack.goal(
            "durable ack p99 <= 100 ms and <= 1.5x the durable baseline",
            judged(full, ack_met),
        )
        .with("ops", sum(a, |r| r.ops))
        .with("bytes_per_op", bytes_per_op(a))
        .with("baseline_bytes_per_op", bytes_per_op(b))
        .with("cpu_us_per_op", cpu_us_per_op(a))
        .with("baseline_cpu_us_per_op", cpu_us_per_op(b))
        .with("errors", sum(a, |r| r.errors))
        .with("missing", sum(a, |r| r.missing)),
        projector
            .goal(
                "projector aggregate p99 <= 300 ms and <= 1.3x the baseline at trivsel's rate",
                judged(full, projector_met),
            )
            .with(
                "activity_frame_bytes",
                a.first().map_or(0, |r| r.frame_sizes.1),
            ),
    ]
}

/// One room of `n` phones rating for `ops_seconds`: the phase of scenarios 2 and 7.
fn rating(n: usize, sizes: &Sizes) -> PhaseSpec {
    PhaseSpec {
        rooms: 1,
        per_room: n,
        rounds: 0,
        round_gap: Duration::ZERO,
        wait_rounds: false,
        ops: Some(Duration::from_secs_f64(sizes.ops_seconds)),
        concurrent: false,
        stalled_every: 0,
        tables: 0,
    }
}

async fn ops(sizes: &Sizes, placement: Placement) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let mut first_bytes = None;
    for n in [sizes.ops_participants, 2 * sizes.ops_participants] {
        let mut pair = start_pair(placement)?;
        let spec = rating(n, sizes);
        let (a, b) = alternate(&mut pair, &spec, sizes.reps, &format!("ops {n}")).await?;
        let mut pair_rows = ops_rows("ops", n, &a, &b, sizes.full);
        let bytes = bytes_per_op(&a);
        match first_bytes {
            None => first_bytes = Some(bytes),
            Some(first) => {
                // Flat: doubling the room may not make an operation cost more bytes (10 %
                // allowance for noise).
                let growth = ratio(bytes, first);
                let flat = growth <= 1.1;
                let ack = pair_rows.remove(0);
                let met = ack.met.map(|m| m && flat);
                let goal = format!("{}; bytes/op flat as the room doubles", ack.goal);
                pair_rows.insert(
                    0,
                    ack.with("bytes_per_op_growth", growth)
                        .goal(&goal, met.or(judged(sizes.full, flat))),
                );
            }
        }
        rows.extend(pair_rows);
    }
    Ok(rows)
}

async fn rooms(sizes: &Sizes, placement: Placement) -> anyhow::Result<Vec<Row>> {
    let mut pair = start_pair(placement)?;
    let spec = PhaseSpec {
        rooms: sizes.rooms,
        per_room: sizes.room_size,
        rounds: 4,
        round_gap: Duration::from_millis(100),
        wait_rounds: true,
        ops: Some(Duration::from_secs_f64(sizes.ops_seconds)),
        concurrent: false,
        stalled_every: 0,
        tables: 0,
    };
    let label = format!("rooms {}x{}", sizes.rooms, sizes.room_size);
    let (a, b) = alternate(&mut pair, &spec, sizes.reps, &label).await?;
    let n = sizes.rooms * sizes.room_size;
    let step = Row::new(
        "rooms-step",
        n,
        &merged(&a, |r| &r.step),
        &merged(&b, |r| &r.step),
    );
    let met = step.p99_ms <= 200.0 && step.ratio <= 1.3;
    let mut rows = vec![
        step.goal(
            "every room steps at once: p99 <= 200 ms and <= 1.3x baseline",
            judged(sizes.full, met),
        )
        .with("rooms", sizes.rooms)
        .with("missing", sum(&a, |r| r.missing)),
    ];
    rows.extend(ops_rows("rooms", n, &a, &b, sizes.full));
    Ok(rows)
}

async fn idle(sizes: &Sizes, placement: Placement) -> anyhow::Result<Vec<Row>> {
    // Leave room for the staff, the data files and the listeners.
    let held = sizes
        .idle
        .min(placement.max_connections.saturating_sub(200));
    if held < sizes.idle {
        eprintln!(
            "  idle: the open-file limit allows {} connections, not {}; raise it (ulimit -n) for more",
            held, sizes.idle
        );
    }
    let per_room = 1000.min(held.max(1));
    let room_count = held.div_ceil(per_room).max(1);
    let sources = held.div_ceil(20_000).max(4);
    let mut results = Vec::new();
    for kind in [ServerKind::Ours, ServerKind::Baseline] {
        let dir = TempDir::new()?;
        let process = ServerProcess::start(kind, dir.path(), placement.server_cpu)?;
        let mut target = Target::new(kind, process);
        let mut rooms = Vec::new();
        for _ in 0..room_count {
            rooms.push(target.create_room(0).await?);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let before = target.rss_kib();
        eprintln!("  idle: {held} connections to {kind:?}");
        let (phones, join) =
            phase::join_phones(&target, &rooms, held / room_count, sources).await?;
        let count = phones.len();
        tokio::time::sleep(Duration::from_secs(2)).await;
        let after = target.rss_kib();
        drop(phones);
        let per_conn = (after.saturating_sub(before)) as f64 / count.max(1) as f64;
        results.push((join, per_conn, count));
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (ours_join, ours_kib, count) = &results[0];
    let (base_join, base_kib, _) = &results[1];
    let row = Row::new("idle", *count, ours_join, base_join);
    let met = *count >= 50_000 && *ours_kib <= 12.0;
    Ok(vec![
        row.goal(
            ">= 50,000 held, <= 12 KiB server memory per connection (p50/p99: join time)",
            judged(sizes.full, met),
        )
        .with("requested", sizes.idle)
        .with("kib_per_conn", round(*ours_kib))
        .with("baseline_kib_per_conn", round(*base_kib))
        .with("memory_ratio", ratio(*ours_kib, *base_kib)),
    ])
}

async fn slow(sizes: &Sizes, placement: Placement) -> anyhow::Result<Vec<Row>> {
    let mut pair = start_pair(placement)?;
    let every = (100.0 / sizes.slow_percent).round().max(1.0) as usize;
    let clean = PhaseSpec {
        rooms: 1,
        per_room: sizes.slow_participants,
        rounds: sizes.slow_rounds,
        round_gap: Duration::from_millis(25),
        wait_rounds: false,
        ops: Some(Duration::from_secs_f64(
            (sizes.slow_rounds as f64 * 0.025).max(sizes.ops_seconds),
        )),
        concurrent: true,
        stalled_every: 0,
        tables: 0,
    };
    let stalled = PhaseSpec {
        stalled_every: every,
        tables: 0,
        ..clean.clone()
    };
    let n = sizes.slow_participants;
    // Clean and stalled phases alternate too, so both see the same machine.
    let (mut ca, mut cb, mut sa, mut sb) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..sizes.reps {
        let (a, b) = alternate(&mut pair, &clean, 1, &format!("slow {n} clean")).await?;
        ca.extend(a);
        cb.extend(b);
        let (a, b) = alternate(&mut pair, &stalled, 1, &format!("slow {n} stalled")).await?;
        sa.extend(a);
        sb.extend(b);
    }
    let memory = |results: &[PhaseResult]| {
        let growth = results
            .iter()
            .map(|r| r.rss.1.saturating_sub(r.rss.0))
            .max()
            .unwrap_or(0);
        json!({ "start_kib": results.first().map_or(0, |r| r.rss.0), "peak_growth_kib": growth })
    };
    let mut rows = Vec::new();
    for (name, pick) in [
        (
            "slow-step",
            (|r: &PhaseResult| &r.step) as fn(&PhaseResult) -> &Samples,
        ),
        ("slow-ack", |r: &PhaseResult| &r.ack),
    ] {
        let row = Row::new(name, n, &merged(&sa, pick), &merged(&sb, pick));
        let clean_p99 = merged(&ca, pick).p99();
        let base_clean_p99 = merged(&cb, pick).p99();
        let moved = if clean_p99 > 0.0 {
            round((row.p99_ms / clean_p99 - 1.0) * 100.0)
        } else {
            0.0
        };
        let base_moved = if base_clean_p99 > 0.0 {
            round((row.baseline_p99_ms / base_clean_p99 - 1.0) * 100.0)
        } else {
            0.0
        };
        rows.push(
            row.goal(
                &format!(
                    "{}% stop reading: the others' p99 moves <= 10%",
                    sizes.slow_percent
                ),
                judged(sizes.full, moved <= 10.0),
            )
            .with("clean_p99_ms", round(clean_p99))
            .with("moved_pct", moved)
            .with("baseline_clean_p99_ms", round(base_clean_p99))
            .with("baseline_moved_pct", base_moved)
            .with("stalled_dropped", sum(&sa, |r| r.stalled_closed))
            .with("readers_dropped", sum(&sa, |r| r.closed))
            .with("memory", memory(&sa))
            .with("baseline_memory", memory(&sb)),
        );
    }
    Ok(rows)
}

async fn restart(sizes: &Sizes, placement: Placement) -> anyhow::Result<Vec<Row>> {
    let dir = TempDir::new()?;
    let sessions = sizes.restart_sessions.max(1);
    let per_session = sizes.restart_answers.div_ceil(sessions).max(1);
    // Twenty people per session (fewer when there are few answers), each answering up to
    // every topic of the grid.
    let people = per_session.div_ceil(2).clamp(1, 20);
    let answers_each = per_session.div_ceil(people);
    eprintln!(
        "  restart: storing {sessions} sessions, {people} people each, {answers_each} answers each"
    );
    let mut check = None;
    {
        let process = ServerProcess::start(ServerKind::Ours, dir.path(), placement.server_cpu)?;
        let mut target = Target::new(ServerKind::Ours, process);
        let batch = (placement.max_connections / 2 / people).clamp(1, 200);
        let mut stored = 0;
        while stored < sessions {
            let count = batch.min(sessions - stored);
            let mut rooms = Vec::new();
            for _ in 0..count {
                let room = target.create_room(0).await?;
                let (facilitator, _projector) = phase::open_staff(&target, &room).await?;
                drop(facilitator);
                rooms.push(room);
            }
            let (phones, _) = phase::join_phones(&target, &rooms, people, 1).await?;
            futures_util::stream::iter(phones.into_iter().map(|(_, mut ws)| async move {
                for i in 0..answers_each {
                    let answer = json!({
                        "type": "answer", "step": GRID_STEP, "prompt": client_topic(i),
                        "value": { "importance": 1 + i % 5, "success": 5 - i % 5 },
                    });
                    client::request(&mut ws, answer, &format!("a{i}")).await?;
                }
                anyhow::Ok(())
            }))
            .buffer_unordered(256)
            .try_collect::<Vec<()>>()
            .await?;
            check = rooms.last().cloned();
            stored += count;
        }
    }
    let answers = sessions * people * answers_each;
    let db_bytes = std::fs::metadata(dir.path().join(trivsel::store::DB_FILE))
        .map(|m| m.len())
        .unwrap_or(0)
        + std::fs::metadata(dir.path().join(format!("{}-wal", trivsel::store::DB_FILE)))
            .map(|m| m.len())
            .unwrap_or(0);
    let (mut ours, mut baseline) = (Samples::default(), Samples::default());
    let mut recovered = false;
    for rep in 1..=sizes.restart_reps {
        eprintln!("  restart: {rep}/{}", sizes.restart_reps);
        let process = ServerProcess::start(ServerKind::Ours, dir.path(), placement.server_cpu)?;
        ours.push(process.startup);
        if let Some(room) = &check {
            recovered = joined(process.addr, room).await? == people;
        }
        drop(process);
        let process =
            ServerProcess::start(ServerKind::SqliteRead, dir.path(), placement.server_cpu)?;
        baseline.push(process.startup);
    }
    let row = Row::new("restart", sessions * people, &ours, &baseline);
    Ok(vec![
        row.goal(
            "time to recover every stored session (baseline: reading the same rows raw)",
            None,
        )
        .with("sessions", sessions)
        .with("answers", answers)
        .with("db_bytes", db_bytes)
        .with("recovered", recovered),
    ])
}

fn client_topic(i: usize) -> &'static str {
    const TOPICS: [&str; 6] = [
        "samarbejde",
        "sparring",
        "tillid",
        "fejl",
        "frirum",
        "moeder",
    ];
    TOPICS[i % TOPICS.len()]
}

/// How many participants the restarted server says joined `room`.
async fn joined(addr: std::net::SocketAddr, room: &phase::Room) -> anyhow::Result<usize> {
    let path = format!("/api/sessions/{}", room.code);
    let token = room.facilitator_token.clone();
    let info = tokio::task::spawn_blocking(move || phase::get_json(addr, &path, &token)).await??;
    info["participants"]["joined"]
        .as_u64()
        .map(|n| n as usize)
        .with_context(|| format!("no participant count in {info}"))
}

/// `neighbour_rooms` sessions of `room_size` phones rating, measured alone and while another
/// session of the same server is pushed to its limits (`flood`): quiet and flooded phases
/// alternate on one trivsel, and the ratio is the flooded ack p99 over the quiet one. (The baseline server has
/// no limits to push, so here the quiet phases are the baseline.)
async fn neighbour(sizes: &Sizes, placement: Placement) -> anyhow::Result<Vec<Row>> {
    let dir = TempDir::new()?;
    // At its limits means at the limits a server has by default, the join allowance included.
    let process = ServerProcess::start_with_join_allowance(dir.path(), placement.server_cpu)?;
    let mut target = Target::new(ServerKind::Ours, process);
    // Issue 15: many sessions working normally (every phone rating once a second) beside the
    // one at its limits.
    let n = sizes.neighbour_rooms * sizes.room_size;
    let spec = PhaseSpec {
        rooms: sizes.neighbour_rooms,
        ..rating(sizes.room_size, sizes)
    };
    let (mut quiet, mut flooded) = (Vec::new(), Vec::new());
    let counts = std::sync::Arc::new(crate::flood::Counts::default());
    for rep in 1..=sizes.reps {
        eprintln!("  neighbour {n}: quiet {rep}/{}", sizes.reps);
        quiet.push(phase::run(&mut target, &spec).await?);
        eprintln!("  neighbour {n}: flooded {rep}/{}", sizes.reps);
        let room = target.create_room(0).await?;
        let (_facilitator, _projector) = phase::open_staff(&target, &room).await?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let flood = tokio::spawn(crate::flood::run(
            target.process.addr,
            room,
            sizes.neighbour_joins,
            stopped,
            counts.clone(),
        ));
        let measured = phase::run(&mut target, &spec).await;
        let _ = stop.send(true);
        flood.await.context("the flood task")??;
        flooded.push(measured?);
    }
    let ack = |results: &[PhaseResult]| merged(results, |r| &r.ack);
    let row = Row::new("neighbour-ack", n, &ack(&flooded), &ack(&quiet));
    // Each flooded phase against the quiet one just before it: a stall of the machine in one
    // phase (another process, the disk) moves one pair, a cost of the flood moves every pair.
    let mut pairs: Vec<f64> = quiet
        .iter()
        .zip(&flooded)
        .map(|(q, f)| crate::report::ratio(f.ack.p99(), q.ack.p99()))
        .collect();
    let median = median_of(&mut pairs);
    // The noise of this measure on this machine: each quiet phase against the quiet one before
    // it, no flood in either (an A/A comparison in the same run).
    let mut quiet_pairs: Vec<f64> = quiet
        .windows(2)
        .map(|w| crate::report::ratio(w[1].ack.p99(), w[0].ack.p99()))
        .collect();
    let quiet_median = median_of(&mut quiet_pairs);
    let met = median <= 1.2;
    let load = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
    Ok(vec![
        row.goal(
            "a session at its limits moves another's ack p99 <= 20%, the median of the pairs (baseline: the same room without it)",
            judged(sizes.full, met),
        )
        .with("pair_ratios", pairs.clone())
        .with("median_pair_ratio", median)
        .with("quiet_pair_ratios", quiet_pairs.clone())
        .with("median_quiet_pair_ratio", quiet_median)
        .with("rooms", sizes.neighbour_rooms)
        .with("flood_connections", crate::flood::CONNECTIONS)
        .with("flood_sent", load(&counts.sent))
        .with("flood_refused", load(&counts.refused))
        .with("flood_joined", load(&counts.joined))
        .with("flood_busy", load(&counts.busy))
        .with("errors", sum(&flooded, |r| r.errors)),
    ])
}

/// Scenario 8 (issue 16): one session of `hall.0` participants seated at `hall.1` tables, each
/// table with its own screen, against the same session as one room of as many (no tables) on
/// the same trivsel, alternately. Step changes reach every phone; every phone rates once a
/// second, and each rating is timed until its own table's screen shows it (in the room: the
/// projector). The baseline here is trivsel's own single room, so the ratios say what tables
/// cost.
async fn tables(sizes: &Sizes, placement: Placement) -> anyhow::Result<Vec<Row>> {
    let dir = TempDir::new()?;
    let process = ServerProcess::start(ServerKind::Ours, dir.path(), placement.server_cpu)?;
    let mut target = Target::new(ServerKind::Ours, process);
    let (n, count) = sizes.hall;
    let spec = |tables| PhaseSpec {
        rooms: 1,
        per_room: n,
        rounds: sizes.rounds,
        round_gap: Duration::from_millis(100),
        wait_rounds: true,
        ops: Some(Duration::from_secs_f64(sizes.ops_seconds)),
        concurrent: false,
        stalled_every: 0,
        tables,
    };
    let (mut hall, mut room) = (Vec::new(), Vec::new());
    for rep in 1..=sizes.reps {
        eprintln!("  tables {n} at {count}: tables {rep}/{}", sizes.reps);
        hall.push(phase::run(&mut target, &spec(count)).await?);
        eprintln!("  tables {n} at {count}: one room {rep}/{}", sizes.reps);
        room.push(phase::run(&mut target, &spec(0)).await?);
    }
    let step = Row::new(
        "tables-step",
        n,
        &merged(&hall, |r| &r.step),
        &merged(&room, |r| &r.step),
    );
    let step_met = step.ratio <= 1.3;
    let screen = Row::new(
        "tables-screen",
        n,
        &merged(&hall, |r| &r.projector),
        &merged(&room, |r| &r.projector),
    );
    let screen_met = screen.p99_ms <= 300.0;
    let ack = Row::new(
        "tables-ack",
        n,
        &merged(&hall, |r| &r.ack),
        &merged(&room, |r| &r.ack),
    );
    Ok(vec![
        step.goal(
            "a step change reaches every phone as in one room: p99 <= 1.3x the room's",
            judged(sizes.full, step_met),
        )
        .with("tables", count)
        .with("missing", sum(&hall, |r| r.missing)),
        screen
            .goal(
                "a rating reaches its table's screen: p99 <= 300 ms (baseline: the room's projector)",
                judged(sizes.full, screen_met),
            )
            .with("ops", sum(&hall, |r| r.ops))
            .with("errors", sum(&hall, |r| r.errors)),
        ack.goal("durable ack, at tables and in one room", None),
    ])
}

/// Scenario 10 (issue 15): how cost grows with the work. Many rooms of `room_size` phones, and
/// one room, each at 1x, 2x and 4x (`scale`), against the baseline: step, ack and projector p99
/// and the server's CPU time per rating. Flat per operation is the goal: at 2x and 4x a rating
/// may cost at most 1.25x the CPU it cost at 1x.
async fn scale(sizes: &Sizes, placement: Placement) -> anyhow::Result<Vec<Row>> {
    let (base_rooms, base_room) = sizes.scale;
    let mut rows = Vec::new();
    for shape in ["rooms", "room"] {
        let mut first_cpu = None;
        for times in [1, 2, 4] {
            let (rooms, per_room) = match shape {
                "rooms" => (base_rooms * times, sizes.room_size),
                _ => (1, base_room * times),
            };
            let spec = PhaseSpec {
                rooms,
                per_room,
                rounds: 4,
                round_gap: Duration::from_millis(100),
                wait_rounds: true,
                ops: Some(Duration::from_secs_f64(sizes.ops_seconds)),
                concurrent: false,
                stalled_every: 0,
                tables: 0,
            };
            let mut pair = start_pair(placement)?;
            let label = format!("scale {shape} {times}x ({rooms}x{per_room})");
            let (a, b) = alternate(&mut pair, &spec, sizes.reps, &label).await?;
            let n = rooms * per_room;
            let cpu = cpu_us_per_op(&a);
            let growth = ratio(cpu, *first_cpu.get_or_insert(cpu));
            let step = merged(&a, |r| &r.step);
            let projector = merged(&a, |r| &r.projector);
            let base_projector = merged(&b, |r| &r.projector);
            let row = Row::new(
                &format!("scale-{shape}-{times}x"),
                n,
                &merged(&a, |r| &r.ack),
                &merged(&b, |r| &r.ack),
            );
            rows.push(
                row.goal(
                    "ack p99 (ratio: to the durable baseline); CPU per rating <= 1.25x that at 1x",
                    judged(sizes.full && times > 1, growth <= 1.25),
                )
                .with("rooms", rooms)
                .with("per_room", per_room)
                .with("step_p99_ms", round(step.p99()))
                .with("baseline_step_p99_ms", round(merged(&b, |r| &r.step).p99()))
                .with("projector_p99_ms", round(projector.p99()))
                .with("baseline_projector_p99_ms", round(base_projector.p99()))
                .with("ops", sum(&a, |r| r.ops))
                .with("cpu_us_per_op", cpu)
                .with("baseline_cpu_us_per_op", cpu_us_per_op(&b))
                .with("cpu_per_op_growth", growth)
                .with("missing", sum(&a, |r| r.missing)),
            );
        }
    }
    Ok(rows)
}
