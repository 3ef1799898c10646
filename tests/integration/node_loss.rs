//! A node lost, nothing lost: three `trivsel` nodes (the real binary) on one PostgreSQL behind a
//! real nginx running `deploy/nginx.conf`, thirty meetings with a facilitator and phones, every
//! screen on a WebSocket through nginx. Mid-meeting the node that runs the most meetings is
//! killed with SIGKILL. Its meetings must go on on the other nodes within 10 s (the first
//! acknowledgement after the kill, per meeting), every client comes back by itself (the
//! reconnecting outbox client of `outbox`, as the pages do), and the oracle finds every
//! acknowledged operation exactly once: each meeting's sequence number is one event per join and
//! per operation, and each phone's own answers are its last acknowledged ones.
//!
//! The short run (in `cargo test`) kills one node once. The long run kills a node, waits for its
//! meetings to go on, starts it again (it rejoins nginx's ring and takes no meeting back), and
//! kills another, `TRIVSEL_NODE_LOSS_KILLS` times:
//! `TRIVSEL_NODE_LOSS_KILLS=10 cargo test --release --test integration node_loss -- --nocapture`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::common::{Client, ProcessServer, Storage, create, quiet_port};
use crate::nginx::Nginx;
use crate::outbox::{OutboxClient, Who};

const MEETINGS: usize = 30;
const PHONES: usize = 4;
/// Answers each phone gives per kill.
const ANSWERS: usize = 14;
/// How soon a lost node's meetings must go on.
const TAKEOVER: Duration = Duration::from_secs(10);

/// What the meetings share with the killer.
struct Stage {
    started: Instant,
    /// Operations acknowledged, in all.
    acked: AtomicUsize,
    /// Per meeting: ms after `started` of its latest acknowledgement.
    last_ack: Vec<AtomicU64>,
}

impl Stage {
    fn acked(&self, meeting: usize) {
        self.acked.fetch_add(1, Ordering::SeqCst);
        let now = self.started.elapsed().as_millis() as u64;
        self.last_ack[meeting].fetch_max(now, Ordering::SeqCst);
    }
}

/// Sends `msg` and waits for its acknowledgement (through reconnects), as a phone that answers
/// one thing at a time.
async fn step(client: &mut OutboxClient, msg: Value, writes: Option<(String, Value)>) {
    client.queue(msg, writes).await;
    client.settle().await;
}

async fn phone(
    addr: String,
    meeting: usize,
    code: String,
    i: usize,
    answers: usize,
    stage: Arc<Stage>,
) -> (OutboxClient, Value) {
    let label = format!("m{meeting}p{i}");
    let who = Who::Participant {
        name: Some(label.clone()),
        me: None,
    };
    let mut client = OutboxClient::open(&addr, &code, &label, who).await;
    client
        .pump_until("the reflection step", |c| c.step >= 1)
        .await;
    let mut rng = StdRng::seed_from_u64((meeting * 100 + i) as u64);
    let mut last = Value::Null;
    for _ in 0..answers {
        tokio::time::sleep(Duration::from_millis(rng.random_range(40..160))).await;
        let value = json!(rng.random_range(1..=10));
        let msg = json!({ "type": "answer", "step": "egen-trivsel", "prompt": "trivsel", "value": value });
        let key = "answer/egen-trivsel/trivsel".to_owned();
        step(&mut client, msg, Some((key, value.clone()))).await;
        stage.acked(meeting);
        last = value;
    }
    (client, last)
}

/// A meeting's clients at its end: the facilitator, and each phone with its last answer.
type Done = (OutboxClient, Vec<(OutboxClient, Value)>);

async fn meeting(
    addr: String,
    index: usize,
    code: String,
    token: String,
    answers: usize,
    stage: Arc<Stage>,
) -> Done {
    let mut facilitator =
        OutboxClient::open(&addr, &code, &format!("m{index}f"), Who::Staff(token)).await;
    let mut phones = tokio::task::JoinSet::new();
    for i in 0..PHONES {
        phones.spawn(phone(
            addr.clone(),
            index,
            code.clone(),
            i,
            answers,
            stage.clone(),
        ));
    }
    step(
        &mut facilitator,
        json!({ "type": "goto", "index": 1 }),
        None,
    )
    .await;
    stage.acked(index);
    let mut done = Vec::new();
    while let Some(joined) = phones.join_next().await {
        done.push(joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic())));
    }
    step(
        &mut facilitator,
        json!({ "type": "goto", "index": 2 }),
        None,
    )
    .await;
    stage.acked(index);
    (facilitator, done)
}

/// The node that runs meeting `code`, asked of each node directly.
async fn runner(
    http: &reqwest::Client,
    nodes: &[String],
    code: &str,
    token: &str,
) -> Option<usize> {
    for (n, node) in nodes.iter().enumerate() {
        let status = http
            .get(format!("http://{node}/api/sessions/{code}"))
            .bearer_auth(token)
            .send()
            .await
            .map(|r| r.status().as_u16());
        if status.is_ok_and(|s| s == 200) {
            return Some(n);
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_meeting_loses_nothing_and_its_meetings_go_on_elsewhere() {
    let Some(url) = crate::postgres::database().await else {
        return;
    };
    let kills = std::env::var("TRIVSEL_NODE_LOSS_KILLS")
        .ok()
        .map_or(1, |k| k.parse::<usize>().expect("a number"));
    let storage = Storage::Database(url);
    let addrs: Vec<String> = (0..3)
        .map(|_| format!("127.0.0.1:{}", quiet_port()))
        .collect();
    let Some(nginx) = Nginx::start(&addrs).await else {
        return;
    };
    let public = format!("http://{}", nginx.addr);
    let flags = [
        "--public-url",
        public.as_str(),
        "--trusted-proxy",
        "127.0.0.1",
        "--creations-per-hour",
        "1000",
    ];
    let mut nodes = Vec::new();
    for addr in &addrs {
        nodes.push(
            ProcessServer::start_node(&storage, addr, &flags, std::process::Stdio::null()).await,
        );
    }
    let nodes = Arc::new(Mutex::new(nodes));
    let http = reqwest::Client::new();
    let mut sessions = Vec::new();
    for _ in 0..MEETINGS {
        let created = create(&http, &public, "ledergruppen").await;
        sessions.push((created.code, created.facilitator_token));
    }
    let stage = Arc::new(Stage {
        started: Instant::now(),
        acked: AtomicUsize::new(0),
        last_ack: (0..MEETINGS).map(|_| AtomicU64::new(0)).collect(),
    });
    let answers = ANSWERS * kills;
    let mut meetings = tokio::task::JoinSet::new();
    for (index, (code, token)) in sessions.iter().cloned().enumerate() {
        let run = meeting(
            nginx.addr.clone(),
            index,
            code,
            token,
            answers,
            stage.clone(),
        );
        meetings.spawn(async move { (index, run.await) });
    }

    // The killer: mid-meeting, the node that runs the most meetings; its meetings must go on
    // within TAKEOVER. In the long run the node is started again before the next kill.
    let total = MEETINGS * (PHONES * answers + 2);
    let mut rng = StdRng::seed_from_u64(7);
    let mut worst = Duration::ZERO;
    let mut moved = 0;
    for kill in 0..kills {
        let due = total * (2 * kill + 1) / (2 * kills + 1);
        while stage.acked.load(Ordering::SeqCst) < due {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut runs = vec![Vec::new(); addrs.len()];
        for (i, (code, token)) in sessions.iter().enumerate() {
            if let Some(n) = runner(&http, &addrs, code, token).await {
                runs[n].push(i);
            }
        }
        let victim = if kill == 0 {
            (0..addrs.len()).max_by_key(|n| runs[*n].len()).unwrap()
        } else {
            rng.random_range(0..addrs.len())
        };
        let lost = runs[victim].clone();
        let killed_at = stage.started.elapsed();
        nodes.lock().await[victim].kill();
        println!(
            "kill {}: node {victim} with {} meetings, {} of {total} operations acknowledged",
            kill + 1,
            lost.len(),
            stage.acked.load(Ordering::SeqCst)
        );
        // Each of its meetings goes on within TAKEOVER: it acknowledges something again, or —
        // for a meeting whose phones had finished before the kill (on a busy machine the kill
        // can come late), with nothing left to acknowledge — a node serves it again through
        // nginx.
        for &m in &lost {
            loop {
                let last = Duration::from_millis(stage.last_ack[m].load(Ordering::SeqCst));
                if last > killed_at {
                    worst = worst.max(last - killed_at);
                    break;
                }
                let (code, token) = &sessions[m];
                let served = http
                    .get(format!("http://{}/api/sessions/{code}", nginx.addr))
                    .bearer_auth(token)
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 200);
                if served {
                    worst = worst.max(stage.started.elapsed() - killed_at);
                    break;
                }
                let waited = stage.started.elapsed() - killed_at;
                assert!(
                    waited <= TAKEOVER,
                    "meeting {m} (code {}) did not go on within {TAKEOVER:?}",
                    sessions[m].0
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        moved += lost.len();
        if kill + 1 < kills {
            let restarted = ProcessServer::start_node(
                &storage,
                &addrs[victim],
                &flags,
                std::process::Stdio::null(),
            )
            .await;
            nodes.lock().await[victim] = restarted;
        }
    }

    let limit = Duration::from_secs(120 + 30 * kills as u64);
    let mut finished: Vec<Option<Done>> = (0..MEETINGS).map(|_| None).collect();
    let collect = tokio::time::timeout(limit, async {
        while let Some(joined) = meetings.join_next().await {
            let (index, done) =
                joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
            finished[index] = Some(done);
        }
    });
    collect.await.expect("the meetings finish");

    // The oracle, through nginx: every operation acknowledged, none refused; each meeting's
    // sequence number one event per join and per operation (nothing twice, nothing lost); each
    // phone's own answer its last acknowledged one.
    let mut ops_all = 0;
    let mut reconnects = 0;
    for (index, done) in finished.into_iter().enumerate() {
        let (facilitator, phones) = done.unwrap();
        let (code, token) = &sessions[index];
        let mut ops = 0;
        let mut lost_joins = 0;
        for c in std::iter::once(&facilitator).chain(phones.iter().map(|(c, _)| c)) {
            assert!(c.errors.is_empty(), "{}: refused {:?}", c.label, c.errors);
            assert!(c.outbox.is_empty(), "{}: left {:?}", c.label, c.outbox);
            for n in 1..=c.ops_issued() {
                assert!(
                    c.acked.contains_key(&format!("{}-{n}", c.label)),
                    "{}-{n} acked",
                    c.label
                );
            }
            ops += c.ops_issued();
            lost_joins += c.lost_joins;
            reconnects += c.reconnects;
        }
        ops_all += ops;
        let staff = Client::staff(&nginx.addr, code, token).await;
        let snapshot = &staff.frames[0];
        let joined = snapshot["progress"]["joined"].as_u64().unwrap() as usize;
        assert!(
            (PHONES..=PHONES + lost_joins).contains(&joined),
            "meeting {index}: {joined} joined"
        );
        assert_eq!(
            snapshot["seq"].as_u64().unwrap(),
            joined as u64 + ops,
            "meeting {index} ({code}): one event per join and per operation"
        );
        for (phone, last) in &phones {
            let back = Client::resume(&nginx.addr, code, phone.me(), 0).await;
            assert_eq!(
                back.frames[0]["me"]["answers"]["egen-trivsel"]["trivsel"], *last,
                "{}: its last acknowledged answer",
                phone.label
            );
        }
    }
    println!(
        "node loss: {kills} kills, {moved} meetings moved, the slowest went on {worst:.1?} after \
         its node was killed; {MEETINGS} meetings, {ops_all} operations, {reconnects} reconnects, \
         {:.1?} in all",
        stage.started.elapsed()
    );
    let log = nginx.log();
    assert!(!log.contains("[emerg]"), "nginx: {log}");
}
