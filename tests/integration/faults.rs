//! Network faults: every phone's connection dropped mid-step at once, a half-open connection
//! that stops answering, and a phone coming back with a long offline outbox. Everyone resumes;
//! nothing is lost and nothing is applied twice.

use std::time::{Duration, Instant};

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::common::{Client, TestServer};
use crate::outbox::{OutboxClient, Who};

/// The facilitator's view of the session's sequence number, through a fresh connection.
async fn seq_now(server: &TestServer, code: &str, token: &str) -> u64 {
    let staff = Client::staff(&server.addr, code, token).await;
    staff.frames[0]["seq"].as_u64().unwrap()
}

/// Sends operations in batches the server's message budget allows (a burst, then about 20 a
/// second) and collects each one's reply, matched by op id (a repeated id gets its replies in
/// order). What the server still asks to slow down with is sent again after a pause, as a
/// page's outbox does.
async fn send_all(client: &mut Client, ops: &[Value]) -> Vec<Value> {
    let mut replies: Vec<Option<Value>> = vec![None; ops.len()];
    let mut todo: Vec<usize> = (0..ops.len()).collect();
    while !todo.is_empty() {
        let mut again = Vec::new();
        for batch in todo.chunks(50) {
            for &i in batch {
                client.send(ops[i].clone()).await;
            }
            let mut waiting: Vec<usize> = batch.to_vec();
            while !waiting.is_empty() {
                let msg = client.next().await.expect("the connection stays");
                if !matches!(msg["type"].as_str(), Some("ack" | "error")) {
                    continue;
                }
                let at = waiting
                    .iter()
                    .position(|&i| ops[i]["op"] == msg["op"])
                    .unwrap_or_else(|| panic!("a reply to nothing pending: {msg}"));
                let i = waiting.remove(at);
                if msg["code"] == "rate_limited" {
                    again.push(i);
                } else {
                    replies[i] = Some(msg);
                }
            }
            tokio::time::sleep(Duration::from_millis(2_500)).await;
        }
        again.sort_unstable();
        todo = again;
    }
    replies.into_iter().map(Option::unwrap).collect()
}

#[tokio::test]
async fn every_phone_dropped_mid_step_resumes_resends_and_nothing_is_lost_or_doubled() {
    const PHONES: usize = 20;
    let server = TestServer::start().await;
    let session = server.create("ledergruppen").await;
    let mut facilitator = OutboxClient::open(
        &server.addr,
        &session.code,
        "f",
        Who::Staff(session.facilitator_token.clone()),
    )
    .await;
    let mut phones = Vec::new();
    for i in 0..PHONES {
        phones.push(Client::join(&server.addr, &session.code, Some(&format!("Leder {i}"))).await);
    }
    facilitator
        .queue(json!({ "type": "goto", "index": 4 }), None)
        .await;
    facilitator.settle().await;

    // Each phone sends three operations and, without waiting for a single ack, loses its
    // connection; while away it writes a fourth.
    let mut away = Vec::new();
    for (i, mut phone) in phones.into_iter().enumerate() {
        phone.expect("step").await;
        let row = json!({ "area": "ledergruppen", "action": format!("Forslag {i}") });
        let sent = vec![
            json!({ "type": "act", "op": format!("x{i}-1"), "step": "handleplan", "action": "add_row", "row": row }),
            json!({ "type": "answer", "op": format!("x{i}-2"), "step": "egen-trivsel", "prompt": "trivsel", "value": i % 10 + 1 }),
            json!({ "type": "ready", "op": format!("x{i}-3"), "step": "handleplan", "ready": true }),
        ];
        for op in &sent {
            phone.send(op.clone()).await;
        }
        let me = phone.frames[0]["me"].clone();
        phone.vanish();
        let mut outbox = sent;
        outbox.push(json!({ "type": "answer", "op": format!("x{i}-4"), "step": "egen-trivsel", "prompt": "et-trin", "value": format!("Trin {i}") }));
        away.push((me, outbox));
    }
    facilitator
        .pump_until("every phone gone", |c| c.progress["connected"] == 0)
        .await;

    // All come back at once and send their whole outbox again, in order.
    let mut back = Vec::new();
    for (me, _) in &away {
        back.push(Client::resume(&server.addr, &session.code, me, 0).await);
    }
    for (phone, (_, outbox)) in back.iter_mut().zip(&away) {
        for op in outbox {
            phone.send(op.clone()).await;
        }
    }
    for (phone, (_, outbox)) in back.iter_mut().zip(&away) {
        for op in outbox {
            let reply = phone.reply_to(op["op"].as_str().unwrap()).await;
            assert_eq!(reply["type"], "ack", "{reply}");
        }
    }
    facilitator
        .pump_until("every phone back", |c| c.progress["connected"] == PHONES)
        .await;
    facilitator
        .pump_until("every proposal", |c| {
            c.activity["rows"].as_array().map(Vec::len) == Some(PHONES)
        })
        .await;

    let rows = facilitator.activity["rows"].as_array().unwrap();
    for i in 0..PHONES {
        let n = rows
            .iter()
            .filter(|r| r["action"] == format!("Forslag {i}"))
            .count();
        assert_eq!(n, 1, "Forslag {i} once");
    }
    for (i, (me, _)) in away.iter().enumerate() {
        let check = Client::resume(&server.addr, &session.code, me, 0).await;
        let mine = &check.frames[0]["me"];
        assert_eq!(mine["answers"]["egen-trivsel"]["trivsel"], i % 10 + 1);
        assert_eq!(
            mine["answers"]["egen-trivsel"]["et-trin"],
            format!("Trin {i}")
        );
        assert_eq!(mine["ready"], json!(["handleplan"]));
    }
    let seq = seq_now(&server, &session.code, &session.facilitator_token).await;
    assert_eq!(
        seq,
        (PHONES + 1 + PHONES * 4) as u64,
        "joins, one step change, four operations each: nothing doubled"
    );
}

#[tokio::test]
async fn a_half_open_connection_is_found_by_its_silence_and_quiet_screens_that_answer_pings_stay() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let mut facilitator = OutboxClient::open(
        &server.addr,
        &session.code,
        "f",
        Who::Staff(session.facilitator_token.clone()),
    )
    .await;
    let who = Who::Participant {
        name: Some("Rolig".into()),
        me: None,
    };
    let mut quiet = OutboxClient::open(&server.addr, &session.code, "quiet", who).await;

    // A phone whose network vanished without a FIN: it completed the handshake and joined,
    // then nothing — it neither reads nor answers pings (its stream is never polled again).
    let url = format!("ws://{}/api/sessions/{}/ws", server.addr, session.code);
    let (mut silent, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let join = json!({ "type": "join", "name": "Væk" }).to_string();
    silent.send(Message::Text(join.into())).await.unwrap();

    facilitator
        .pump_until("both phones connected", |c| c.progress["connected"] == 2)
        .await;
    let started = Instant::now();
    // The server pings every 15 s and closes a connection silent for 45 s: the console sees
    // the silent phone go, while the quiet phone (which answers pings) and the console stay.
    while facilitator.progress["connected"] != 1 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the half-open connection was never closed"
        );
        facilitator.pump().await;
        quiet.pump().await;
    }
    eprintln!("half-open connection closed after {:?}", started.elapsed());
    let after = Instant::now();
    while after.elapsed() < Duration::from_secs(3) {
        facilitator.pump().await;
        quiet.pump().await;
    }
    assert_eq!(facilitator.progress["connected"], 1);
    assert_eq!(
        (facilitator.reconnects, quiet.reconnects),
        (0, 0),
        "screens that answer pings are never dropped for being quiet"
    );
    assert!(facilitator.online() && quiet.online());
    drop(silent);
}

#[tokio::test]
async fn a_phone_back_with_two_hundred_offline_operations_gets_each_applied_once() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let phone = Client::join(&server.addr, &session.code, Some("Pendler")).await;
    let me = phone.frames[0]["me"].clone();
    facilitator.ok(json!({ "type": "goto", "index": 2 })).await;
    phone.vanish();

    // Offline on the train: 200 operations. Revisions of answers to the earlier step (open to
    // late answers), answers to the step it saw ("energi"), a few operations queued twice with
    // the same id (a page that saved twice), and ready marks.
    let mut outbox = Vec::new();
    let mut n = 0;
    let mut op = |msg: Value| {
        n += 1;
        let mut msg = msg;
        msg["op"] = json!(format!("t-{n}"));
        msg
    };
    for v in 0..60 {
        outbox.push(op(json!({ "type": "answer", "step": "arbejde-privat", "prompt": "balance", "value": v % 10 + 1 })));
    }
    for v in 0..60 {
        outbox.push(op(json!({ "type": "answer", "step": "arbejde-privat", "prompt": "balance-hvorfor", "value": format!("Udkast {v}") })));
    }
    for v in 0..50 {
        outbox.push(op(json!({ "type": "answer", "step": "energi", "prompt": "giver-energi", "value": format!("Energi {v}") })));
    }
    outbox.push(op(
        json!({ "type": "ready", "step": "energi", "ready": true }),
    ));
    outbox.push(op(
        json!({ "type": "ready", "step": "arbejde-privat", "ready": true }),
    ));
    let repeats: Vec<Value> = outbox.iter().step_by(6).take(28).cloned().collect();
    let mut sent = outbox.clone();
    sent.extend(repeats);
    assert_eq!(sent.len(), 200);

    // Meanwhile the facilitator went back to step 1: "energi" is a later step again.
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    let before = seq_now(&server, &session.code, &session.facilitator_token).await;

    let mut back = Client::resume(&server.addr, &session.code, &me, 0).await;
    let replies = send_all(&mut back, &sent).await;
    let mut applied = std::collections::BTreeSet::new();
    for (msg, reply) in sent.iter().zip(&replies) {
        let later_step = msg["step"] == "energi";
        if later_step {
            assert_eq!(
                (reply["type"].as_str(), reply["code"].as_str()),
                (Some("error"), Some("wrong_step")),
                "{msg}"
            );
        } else {
            assert_eq!(reply["type"], "ack", "{msg}: {reply}");
            applied.insert(msg["op"].as_str().unwrap().to_owned());
        }
    }
    let after = seq_now(&server, &session.code, &session.facilitator_token).await;
    assert_eq!(
        after - before,
        applied.len() as u64,
        "each operation applied once, the repeats and refusals not at all"
    );

    // The whole outbox once more (another reload): nothing changes.
    let mut again = Client::resume(&server.addr, &session.code, &me, 0).await;
    let replies = send_all(&mut again, &sent).await;
    for reply in &replies {
        assert!(
            reply["type"] == "ack" || reply["code"] == "wrong_step",
            "{reply}"
        );
    }
    assert_eq!(
        seq_now(&server, &session.code, &session.facilitator_token).await,
        after
    );
    let answers = &again.frames[0]["me"]["answers"];
    assert_eq!(
        answers["arbejde-privat"]["balance"],
        59 % 10 + 1,
        "the last revision counts"
    );
    assert_eq!(answers["arbejde-privat"]["balance-hvorfor"], "Udkast 59");
    assert!(answers.get("energi").is_none(), "nothing of a later step");
    assert_eq!(again.frames[0]["me"]["ready"], json!(["arbejde-privat"]));
}
