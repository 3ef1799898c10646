//! Kill -9 at random moments during a whole meeting: 50 participants and a facilitator run a
//! scripted `ledergruppen` meeting (reflection, cards, grid with votes and topics, action plan)
//! while the server is killed with SIGKILL again and again and restarted on the same data and
//! address. Every client keeps an outbox and sends again what was not acknowledged, with the same
//! operation ids, as the pages do (see `outbox`).
//!
//! The oracle: after every restart each participant's own view still holds every write it had
//! acknowledged; at the end every operation was acknowledged, the session's sequence number is
//! exactly one event per join and per operation (so nothing was applied twice), each participant's
//! answers, ready marks, votes and shares are what the script says, and every plan row, topic and
//! shared text exists exactly once.
//!
//! The short run (in `cargo test`) kills 20 times with a fresh seed, printed so a failure can be
//! replayed. The long run (about five minutes):
//! `TRIVSEL_CRASH_KILLS=200 TRIVSEL_CRASH_SEED=42 cargo test --test integration crash -- --nocapture`
//!
//! The same meeting runs on PostgreSQL too (`--database`, see `postgres`), killed 8 times
//! (`TRIVSEL_CRASH_PG_KILLS`): the restarted node takes the session over from the database once
//! PostgreSQL has ended the killed node's connection and so released its lock.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tokio::sync::{Mutex, watch};

use crate::common::{Client, ProcessServer, Storage, create, data_dir, quiet_port};
use crate::outbox::{OutboxClient, Who};

const PARTICIPANTS: usize = 50;
/// Phases of the script; the facilitator opens each (1..=PHASES) after all participants
/// finished the one before.
const PHASES: usize = 5;
const TOPICS: [&str; 9] = [
    "stoette",
    "tryghed",
    "tillid",
    "uenighed",
    "moeder",
    "beslutninger",
    "videndeling",
    "chefen",
    "ro",
];
const PLAN_AREAS: [&str; 4] = ["ledergruppen", "chefen", "den-enkelte", "videre"];

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| {
        v.parse()
            .unwrap_or_else(|_| panic!("{name} must be a number"))
    })
}

/// What the participants and the facilitator share to keep in step, and the killer's count.
struct Stage {
    phase: watch::Sender<usize>,
    done: Vec<AtomicUsize>,
    kills: AtomicUsize,
    stop: AtomicBool,
    /// Operations sent and not yet acknowledged, over all clients.
    in_flight: Arc<AtomicUsize>,
}

impl Stage {
    fn finished(&self, phase: usize) -> usize {
        self.done[phase].load(Ordering::SeqCst)
    }
}

/// What one participant's own view must show at the end.
#[derive(Default, Debug)]
struct Expected {
    answers: BTreeMap<String, BTreeMap<String, Value>>,
    ready: BTreeSet<String>,
    votes: BTreeMap<String, Value>,
    shares: Vec<Value>,
    /// Texts it shared with the group (and did not withdraw).
    shared_texts: Vec<String>,
    proposal: Option<String>,
    topic: Option<String>,
}

/// One participant: the client and the model of what it did.
struct Phone {
    client: OutboxClient,
    rng: StdRng,
    expected: Expected,
}

impl Phone {
    async fn think(&mut self) {
        let ms = self.rng.random_range(20..220);
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }

    async fn answer(&mut self, step: &str, prompt: &str, value: Value) {
        self.think().await;
        let key = format!("answer/{step}/{prompt}");
        let msg = json!({ "type": "answer", "step": step, "prompt": prompt, "value": value });
        self.client.queue(msg, Some((key, value.clone()))).await;
        self.expected
            .answers
            .entry(step.into())
            .or_default()
            .insert(prompt.into(), value);
    }

    async fn ready(&mut self, step: &str) {
        self.think().await;
        let msg = json!({ "type": "ready", "step": step, "ready": true });
        self.client
            .queue(msg, Some((format!("ready/{step}"), json!(true))))
            .await;
        self.expected.ready.insert(step.into());
    }

    async fn act(&mut self, step: &str, action: Value) {
        self.think().await;
        let mut msg = action;
        msg["type"] = json!("act");
        msg["step"] = json!(step);
        self.client.queue(msg, None).await;
    }

    async fn wait_for(&mut self, stage: &Stage, phase: usize) {
        let seen = stage.phase.subscribe();
        self.client
            .pump_until(&format!("phase {phase}"), move |_| *seen.borrow() >= phase)
            .await;
    }
}

/// The participant's part of the meeting.
async fn participant(i: usize, addr: String, code: String, seed: u64, stage: Arc<Stage>) -> Phone {
    let name = format!("Deltager {i}");
    let who = Who::Participant {
        name: Some(name.clone()),
        me: None,
    };
    let mut client = OutboxClient::open(&addr, &code, &format!("p{i}"), who).await;
    client.resend_acked = 2;
    client.in_flight = Some((stage.in_flight.clone(), 0));
    let mut phone = Phone {
        client,
        rng: StdRng::seed_from_u64(seed ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        expected: Expected::default(),
    };
    phone.ready("velkommen").await;
    phone.client.settle().await;
    stage.done[0].fetch_add(1, Ordering::SeqCst);

    // Phase 1: a reflection — scales changed a few times, a list, a text typed in revisions
    // (each revision an answer, as the page saves it), shared with the group.
    phone.wait_for(&stage, 1).await;
    let step = "egen-trivsel";
    for _ in 0..phone.rng.random_range(1..=3) {
        let v = phone.rng.random_range(1..=10);
        phone.answer(step, "trivsel", json!(v)).await;
    }
    let v = phone.rng.random_range(1..=10);
    phone.answer(step, "stoettet", json!(v)).await;
    let first = json!({ "id": "i1", "text": format!("Sparring {i}"), "area": "stoette" });
    phone
        .answer(step, "gruppen-giver", json!([first.clone()]))
        .await;
    let second = json!({ "id": "i2", "text": format!("Ro til at tænke {i}"), "area": null });
    phone
        .answer(step, "gruppen-giver", json!([first, second]))
        .await;
    let words = ["Mit", "næste", "trin", "er", "at", "sige", "nej", "oftere"];
    let revisions = phone.rng.random_range(3..=words.len());
    for n in 1..=revisions {
        let text = format!("{} ({i})", words[..n].join(" "));
        phone.answer(step, "et-trin", json!(text)).await;
    }
    let named = i % 2 == 0;
    phone
        .act(
            step,
            json!({ "action": "share", "prompt": "et-trin", "share": true, "named": named }),
        )
        .await;
    phone
        .expected
        .shares
        .push(json!({ "step": step, "prompt": "et-trin", "item": null, "named": named }));
    phone
        .expected
        .shared_texts
        .push(format!("{} ({i})", words[..revisions].join(" ")));
    if i % 4 == 0 {
        phone
            .act(step, json!({ "action": "share", "prompt": "gruppen-giver", "item": "i1", "share": true }))
            .await;
        phone
            .expected
            .shares
            .push(json!({ "step": step, "prompt": "gruppen-giver", "item": "i1", "named": false }));
        phone.expected.shared_texts.push(format!("Sparring {i}"));
    }
    phone.ready(step).await;
    phone.client.settle().await;
    stage.done[1].fetch_add(1, Ordering::SeqCst);

    // Phase 2: dialogue cards; the phones only mark the step done.
    phone.wait_for(&stage, 2).await;
    phone.ready("dialogkort").await;
    phone.client.settle().await;
    stage.done[2].fetch_add(1, Ordering::SeqCst);

    // Phase 3: the grid — some add a topic, everyone rates four topics and votes (twice for
    // some: the second vote replaces the first).
    phone.wait_for(&stage, 3).await;
    let step = "prioritering";
    if i % 5 == 0 {
        let topic = format!("Emne fra deltager {i}");
        phone
            .act(step, json!({ "action": "add_topic", "text": topic }))
            .await;
        phone.expected.topic = Some(topic);
    }
    let mut rated = TOPICS.to_vec();
    while rated.len() > 4 {
        let drop = phone.rng.random_range(0..rated.len());
        rated.remove(drop);
    }
    let importance = phone.rng.random_range(1..=5);
    phone
        .answer(
            step,
            rated[0],
            json!({ "importance": importance, "success": null }),
        )
        .await;
    for topic in &rated {
        let importance = phone.rng.random_range(1..=5);
        let success = phone.rng.random_range(1..=5);
        phone
            .answer(
                step,
                topic,
                json!({ "importance": importance, "success": success }),
            )
            .await;
    }
    for _ in 0..phone.rng.random_range(1..=2) {
        let dots: Vec<&str> = (0..3)
            .map(|_| TOPICS[phone.rng.random_range(0..TOPICS.len())])
            .collect();
        phone.think().await;
        let msg = json!({ "type": "act", "step": step, "action": "vote", "topics": dots });
        phone
            .client
            .queue(msg, Some((format!("vote/{step}"), json!(dots))))
            .await;
        phone.expected.votes.insert(step.into(), json!(dots));
    }
    phone.ready(step).await;
    phone.client.settle().await;
    stage.done[3].fetch_add(1, Ordering::SeqCst);

    // Phase 4: the action plan — one proposal each; some go back and change an earlier answer
    // or withdraw what they shared (earlier steps stay open to them).
    phone.wait_for(&stage, 4).await;
    let step = "handleplan";
    let area = PLAN_AREAS[phone.rng.random_range(0..PLAN_AREAS.len())];
    let proposal = format!("Forslag fra deltager {i}");
    let row = json!({ "area": area, "action": proposal, "first_step": "Tal med de andre",
                      "owner": format!("Deltager {i}"), "deadline": "2027-02-01", "follow_up": "" });
    phone
        .act(step, json!({ "action": "add_row", "row": row }))
        .await;
    phone.expected.proposal = Some(proposal);
    if i % 6 == 0 {
        let v = phone.rng.random_range(1..=10);
        phone.answer("egen-trivsel", "stoettet", json!(v)).await;
    }
    if i % 7 == 0 {
        phone
            .act(
                "egen-trivsel",
                json!({ "action": "share", "prompt": "et-trin", "share": false, "named": false }),
            )
            .await;
        phone.expected.shares.retain(|s| s["prompt"] != "et-trin");
        phone.expected.shared_texts.remove(0);
    }
    phone.ready(step).await;
    phone.client.settle().await;
    stage.done[4].fetch_add(1, Ordering::SeqCst);
    phone
}

/// The facilitator's part, gated so that kills spread over the whole meeting.
struct Facilitator {
    client: OutboxClient,
}

impl Facilitator {
    async fn run(&mut self, msg: Value) {
        self.client.queue(msg, None).await;
    }

    async fn act(&mut self, step: &str, action: Value) {
        let mut msg = action;
        msg["type"] = json!("act");
        msg["step"] = json!(step);
        self.run(msg).await;
    }

    /// Waits (reading its socket) until every participant finished `phase` and the killer
    /// killed at least `kills` times.
    async fn wait_for(&mut self, stage: &Arc<Stage>, phase: usize, kills: usize) {
        let stage = stage.clone();
        self.client
            .pump_until(&format!("the end of phase {phase}"), move |_| {
                stage.finished(phase) == PARTICIPANTS && stage.kills.load(Ordering::SeqCst) >= kills
            })
            .await;
    }

    fn rows(&self) -> Vec<Value> {
        self.client.activity["rows"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

async fn facilitator(mut f: Facilitator, stage: Arc<Stage>, kills: usize) -> Facilitator {
    let quota = |phase: usize| kills * phase / (PHASES + 1);
    f.wait_for(&stage, 0, quota(1)).await;
    f.run(json!({ "type": "goto", "index": 1 })).await;
    f.run(json!({ "type": "timer_start", "seconds": 900 }))
        .await;
    f.client.settle().await;
    stage.phase.send_replace(1);

    f.wait_for(&stage, 1, quota(2)).await;
    f.act(
        "egen-trivsel",
        json!({ "action": "reveal", "revealed": true }),
    )
    .await;
    f.run(json!({ "type": "goto", "index": 2 })).await;
    f.act("dialogkort", json!({ "action": "deal", "to": "room" }))
        .await;
    f.act(
        "dialogkort",
        json!({ "action": "note", "text": "Godt sagt" }),
    )
    .await;
    f.act(
        "dialogkort",
        json!({ "action": "add_card", "text": "Vores eget spørgsmål" }),
    )
    .await;
    f.act("dialogkort", json!({ "action": "deal", "to": "turn" }))
        .await;
    f.act("dialogkort", json!({ "action": "pass" })).await;
    f.client.settle().await;
    stage.phase.send_replace(2);

    f.wait_for(&stage, 2, quota(3)).await;
    f.run(json!({ "type": "goto", "index": 3 })).await;
    f.act(
        "prioritering",
        json!({ "action": "add_topic", "text": "Fælles emne" }),
    )
    .await;
    f.act(
        "prioritering",
        json!({ "action": "allow_topics", "allowed": true }),
    )
    .await;
    f.act(
        "prioritering",
        json!({ "action": "open_vote", "open": true }),
    )
    .await;
    f.client.settle().await;
    stage.phase.send_replace(3);

    f.wait_for(&stage, 3, quota(4)).await;
    f.act(
        "prioritering",
        json!({ "action": "open_vote", "open": false }),
    )
    .await;
    f.act(
        "prioritering",
        json!({ "action": "place", "topic": "tillid", "position": [4, 2] }),
    )
    .await;
    f.act(
        "prioritering",
        json!({ "action": "prioritise", "topics": ["tillid", "stoette", "ro"] }),
    )
    .await;
    f.act(
        "prioritering",
        json!({ "action": "reveal", "revealed": true }),
    )
    .await;
    f.run(json!({ "type": "timer_stop" })).await;
    f.run(json!({ "type": "goto", "index": 4 })).await;
    f.client.settle().await;
    stage.phase.send_replace(4);

    f.wait_for(&stage, 4, quota(5)).await;
    f.client
        .pump_until("every proposal on the console", |c| {
            c.step == 4
                && c.activity["rows"]
                    .as_array()
                    .is_some_and(|r| r.len() == PARTICIPANTS)
        })
        .await;
    let id_of = |rows: &[Value], action: &str| -> String {
        let found: Vec<&Value> = rows.iter().filter(|r| r["action"] == action).collect();
        assert_eq!(found.len(), 1, "{action} exactly once: {rows:?}");
        found[0]["id"].as_str().unwrap().to_owned()
    };
    let rows = f.rows();
    for i in (0..PARTICIPANTS).filter(|i| i % 3 == 0) {
        let id = id_of(&rows, &format!("Forslag fra deltager {i}"));
        f.act(
            "handleplan",
            json!({ "action": "accept_row", "id": id, "accepted": true }),
        )
        .await;
    }
    let deleted = id_of(&rows, "Forslag fra deltager 2");
    f.act(
        "handleplan",
        json!({ "action": "delete_row", "id": deleted }),
    )
    .await;
    for n in 1..=2 {
        let row = json!({ "area": "ledergruppen", "action": format!("Fælles aftale {n}"), "owner": "Alle" });
        f.act("handleplan", json!({ "action": "add_row", "row": row }))
            .await;
    }
    f.client.settle().await;
    f.client
        .pump_until("the shared rows on the console", |c| {
            c.activity["rows"]
                .as_array()
                .is_some_and(|r| r.iter().any(|r| r["action"] == "Fælles aftale 2"))
        })
        .await;
    let moved = id_of(&f.rows(), "Fælles aftale 2");
    f.act(
        "handleplan",
        json!({ "action": "move_row", "id": moved, "to": 0 }),
    )
    .await;
    f.run(json!({ "type": "goto", "index": 5 })).await;
    f.client.settle().await;
    let stage_done = stage.clone();
    f.client
        .pump_until("the last kills", move |_| {
            stage_done.kills.load(Ordering::SeqCst) >= kills
        })
        .await;
    stage.stop.store(true, Ordering::SeqCst);
    f
}

/// Kills the server at random moments — most of them while operations are in flight — and
/// starts it again on the same data and address.
async fn killer(server: Arc<Mutex<ProcessServer>>, storage: Storage, seed: u64, stage: Arc<Stage>) {
    let mut rng = StdRng::seed_from_u64(seed.wrapping_add(7));
    while !stage.stop.load(Ordering::SeqCst) {
        let pause = rng.random_range(150..900);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        let waiting = Instant::now();
        while stage.in_flight.load(Ordering::SeqCst) == 0
            && waiting.elapsed() < Duration::from_secs(1)
        {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..20))).await;
        if stage.stop.load(Ordering::SeqCst) {
            break;
        }
        let mut server = server.lock().await;
        server.kill();
        let addr = server.addr.clone();
        *server = ProcessServer::start_node(&storage, &addr, &[], Stdio::null()).await;
        stage.kills.fetch_add(1, Ordering::SeqCst);
    }
}

/// A field of every item of a list; of a text in both languages, the Danish.
fn texts_in(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|item| {
            let text = &item[field];
            text.as_str()
                .or_else(|| text["da"].as_str())
                .unwrap_or_else(|| panic!("no {field} in {item}"))
                .to_owned()
        })
        .collect()
}

fn exactly_once(all: &[String], wanted: &str) {
    let n = all.iter().filter(|t| *t == wanted).count();
    assert_eq!(
        n, 1,
        "{wanted:?} must be there exactly once, found {n} times"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_of_fifty_loses_nothing_and_doubles_nothing_across_repeated_kill_9s() {
    let kills = env_number("TRIVSEL_CRASH_KILLS").unwrap_or(20) as usize;
    let (_keep, data) = data_dir();
    meeting_through_kills(Storage::Dir(data), kills).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_of_fifty_on_postgresql_loses_nothing_and_doubles_nothing_across_kill_9s() {
    let Some(url) = crate::postgres::database().await else {
        return;
    };
    let kills = env_number("TRIVSEL_CRASH_PG_KILLS").unwrap_or(8) as usize;
    meeting_through_kills(Storage::Database(url), kills).await;
}

async fn meeting_through_kills(storage: Storage, kills: usize) {
    let seed = env_number("TRIVSEL_CRASH_SEED").unwrap_or_else(|| rand::rng().random());
    println!(
        "crash test ({storage:?}): seed {seed}, {kills} kills (TRIVSEL_CRASH_SEED={seed} to repeat)"
    );
    let started = Instant::now();
    let addr = format!("127.0.0.1:{}", quiet_port());
    let first = ProcessServer::start_node(&storage, &addr, &[], Stdio::null()).await;
    let addr = first.addr.clone();
    let http = reqwest::Client::new();
    let session = create(&http, &first.url(""), "ledergruppen").await;
    let server = Arc::new(Mutex::new(first));
    let stage = Arc::new(Stage {
        phase: watch::Sender::new(0),
        done: (0..PHASES).map(|_| AtomicUsize::new(0)).collect(),
        kills: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
        in_flight: Arc::new(AtomicUsize::new(0)),
    });

    let facilitator_client = OutboxClient::open(
        &addr,
        &session.code,
        "f",
        Who::Staff(session.facilitator_token.clone()),
    )
    .await;
    let killing = tokio::spawn(killer(server.clone(), storage.clone(), seed, stage.clone()));
    let mut phones = tokio::task::JoinSet::new();
    for i in 0..PARTICIPANTS {
        let phone = participant(i, addr.clone(), session.code.clone(), seed, stage.clone());
        phones.spawn(async move { (i, phone.await) });
    }
    let mut steering = tokio::spawn(facilitator(
        Facilitator {
            client: facilitator_client,
        },
        stage.clone(),
        kills,
    ));
    // Whoever fails first fails the test at once.
    let limit = Duration::from_secs(180 + 3 * kills as u64);
    let deadline = tokio::time::sleep(limit);
    tokio::pin!(deadline);
    let mut finished: Vec<Option<Phone>> = (0..PARTICIPANTS).map(|_| None).collect();
    let mut keep = |joined: Result<(usize, Phone), tokio::task::JoinError>| match joined {
        Ok((i, phone)) => finished[i] = Some(phone),
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    };
    let f = loop {
        tokio::select! {
            f = &mut steering => break f.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic())),
            Some(joined) = phones.join_next() => keep(joined),
            _ = &mut deadline => panic!("the meeting did not finish within {limit:?}"),
        }
    };
    while let Some(joined) = phones.join_next().await {
        keep(joined);
    }
    let done: Vec<Phone> = finished.into_iter().map(Option::unwrap).collect();
    killing.await.unwrap();
    let meeting_took = started.elapsed();

    // Every operation was acknowledged, none refused.
    let mut clients: Vec<&OutboxClient> = done.iter().map(|p| &p.client).collect();
    clients.push(&f.client);
    let mut ops = 0;
    let mut acks = 0;
    let mut lost_joins = 0;
    let mut reconnects = 0;
    let mut retried = 0;
    for c in &clients {
        assert!(c.errors.is_empty(), "{}: refused {:?}", c.label, c.errors);
        assert!(c.outbox.is_empty(), "{}: left {:?}", c.label, c.outbox);
        let issued = c.ops_issued();
        for n in 1..=issued {
            assert!(
                c.acked.contains_key(&format!("{}-{n}", c.label)),
                "{}-{n} acked",
                c.label
            );
        }
        ops += issued;
        acks += c.acked.values().sum::<u32>();
        lost_joins += c.lost_joins;
        reconnects += c.reconnects;
        retried += c.retried;
    }

    // The final state, through fresh connections on the running server.
    let server = server.lock().await;
    let mut staff = Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let snapshot = staff.frames[0].clone();
    let joined = snapshot["progress"]["joined"].as_u64().unwrap() as usize;
    assert!(
        (PARTICIPANTS..=PARTICIPANTS + lost_joins).contains(&joined),
        "{joined} joined; {lost_joins} joins may have been lost with the server"
    );
    assert_eq!(
        snapshot["seq"].as_u64().unwrap(),
        joined as u64 + ops,
        "one event per join and per operation: nothing applied twice, nothing lost"
    );
    assert_eq!(snapshot["step"]["index"], 5);

    // Each participant's own view is exactly what the script did.
    for (i, phone) in done.iter().enumerate() {
        let back = Client::resume(&server.addr, &session.code, phone.client.me(), 0).await;
        let me = &back.frames[0]["me"];
        let e = &phone.expected;
        assert_eq!(me["name"], format!("Deltager {i}"));
        assert_eq!(me["answers"], json!(e.answers), "p{i}'s answers");
        assert_eq!(me["ready"], json!(e.ready), "p{i}'s ready marks");
        assert_eq!(me["votes"], json!(e.votes), "p{i}'s votes");
        let shares: BTreeSet<String> = me["shares"]
            .as_array()
            .unwrap()
            .iter()
            .map(Value::to_string)
            .collect();
        let wanted: BTreeSet<String> = e.shares.iter().map(Value::to_string).collect();
        assert_eq!(shares, wanted, "p{i}'s shares");
        assert_eq!(
            me["shares"].as_array().unwrap().len(),
            e.shares.len(),
            "p{i}: each share once"
        );
    }

    // The end screen: the accepted rows, each once, the moved one first and the other added
    // one last (proposals keep the order they arrived in).
    let accepted: Vec<String> = texts_in(&snapshot["activity"]["rows"], "action");
    let mut wanted: Vec<String> = (0..PARTICIPANTS)
        .filter(|i| i % 3 == 0)
        .map(|i| format!("Forslag fra deltager {i}"))
        .collect();
    wanted.push("Fælles aftale 1".into());
    wanted.push("Fælles aftale 2".into());
    assert_eq!(
        accepted.first().map(String::as_str),
        Some("Fælles aftale 2")
    );
    assert_eq!(accepted.last().map(String::as_str), Some("Fælles aftale 1"));
    let mut sorted = accepted.clone();
    sorted.sort();
    wanted.sort();
    assert_eq!(sorted, wanted, "the agreed plan");

    // The plan step: every proposal exactly once (one deleted), accepted as decided.
    let to = |index: usize| json!({ "type": "goto", "index": index });
    staff.ok(to(4)).await;
    let plan = staff.expect("step").await;
    let rows = plan["activity"]["rows"].as_array().unwrap().clone();
    let actions = texts_in(&plan["activity"]["rows"], "action");
    assert_eq!(rows.len(), PARTICIPANTS - 1 + 2);
    for phone in &done {
        let proposal = phone.expected.proposal.as_deref().unwrap();
        if proposal == "Forslag fra deltager 2" {
            assert!(!actions.iter().any(|a| a == proposal), "deleted");
        } else {
            exactly_once(&actions, proposal);
        }
    }
    for row in &rows {
        let action = row["action"].as_str().unwrap();
        let accepted = wanted.iter().any(|w| w == action);
        assert_eq!(row["accepted"], accepted, "{action}");
    }

    // The grid: every added topic once, the group's decisions kept, every rating and dot counted.
    staff.ok(to(3)).await;
    let grid = staff.expect("step").await;
    let activity = &grid["activity"];
    let topics = texts_in(&activity["topics"], "text");
    exactly_once(&topics, "Fælles emne");
    for phone in &done {
        if let Some(topic) = &phone.expected.topic {
            exactly_once(&topics, topic);
        }
    }
    assert_eq!(topics.len(), TOPICS.len() + 1 + PARTICIPANTS / 5);
    assert_eq!(activity["agreed"], json!({ "tillid": [4, 2] }));
    assert_eq!(activity["priorities"], json!(["tillid", "stoette", "ro"]));
    assert_eq!(activity["raters"], PARTICIPANTS);
    let dots: u64 = activity["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["dots"].as_u64().unwrap())
        .sum();
    // Each participant's own dots are checked exactly through their `me` above. The totals move
    // in batches of min_group (3) people, so the last one or two changes may not show yet.
    let most = 3 * PARTICIPANTS as u64;
    assert!(
        (most - 3 * 2..=most).contains(&dots),
        "three dots each, the last vote counts (up to two voters' latest batch pending): {dots}"
    );

    // The reflection: every shared text once, every scale answered once per person.
    staff.ok(to(1)).await;
    let reflection = staff.expect("step").await;
    let shared = texts_in(&reflection["activity"]["shared"], "text");
    let mut expected_shared = 0;
    for phone in &done {
        for text in &phone.expected.shared_texts {
            exactly_once(&shared, text);
            expected_shared += 1;
        }
    }
    assert_eq!(shared.len(), expected_shared);
    for scale in reflection["activity"]["scales"].as_array().unwrap() {
        assert_eq!(scale["n"], PARTICIPANTS, "{scale}");
    }
    let last = staff.ok(to(5)).await;
    assert_eq!(last["seq"].as_u64().unwrap(), joined as u64 + ops + 4);

    println!(
        "crash test: seed {seed}: {} kills, {PARTICIPANTS} participants, {ops} operations, \
         {acks} acks checked, {reconnects} reconnects, {retried} retried, {lost_joins} joins lost \
         with the server, meeting {:.1?}, total {:.1?}",
        stage.kills.load(Ordering::SeqCst),
        meeting_took,
        started.elapsed()
    );
}
