//! The room against one person's words and against sock puppets (issue 13): below `min_group`
//! no participant's text reaches a shared screen or a file, a participant counts once however
//! many connections they open, the facilitator can close the door and remove someone who does
//! not belong, and group results need `min_group` ≥ 3.

use std::io::Read;

use serde_json::{Value, json};

use crate::activities::{act, create, goto, room};
use crate::common::{Client, Created, TestServer};

/// Every export of `session` in both languages as text, a DOCX unzipped part by part.
async fn every_export(server: &TestServer, session: &Created) -> Vec<(String, String)> {
    let mut out = Vec::new();
    {
        for format in ["json", "csv", "md", "html", "docx"] {
            let response = server
                .http
                .get(server.url(&format!(
                    "/api/sessions/{}/export?format={format}",
                    session.code
                )))
                .bearer_auth(&session.facilitator_token)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{format}");
            let bytes = response.bytes().await.unwrap();
            if format == "docx" {
                let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
                for i in 0..zip.len() {
                    let mut part = zip.by_index(i).unwrap();
                    let name = format!("docx {}", part.name());
                    let mut raw = Vec::new();
                    part.read_to_end(&mut raw).unwrap();
                    out.push((name, String::from_utf8_lossy(&raw).into_owned()));
                }
            } else {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                // Pictures embedded as data: URLs are searched too.
                for piece in text.split("base64,").skip(1) {
                    let end = piece.find(['"', ')']).unwrap_or(piece.len());
                    let picture = base64::Engine::decode(
                        &base64::engine::general_purpose::STANDARD,
                        &piece[..end],
                    )
                    .expect("a base64 picture");
                    out.push((
                        format!("{format} picture"),
                        String::from_utf8_lossy(&picture).into_owned(),
                    ));
                }
                out.push((format.to_owned(), text));
            }
        }
    }
    out
}

fn actor(label: &str, influence: i64, effect: i64) -> Value {
    json!({ "label": label, "influence": influence, "effect": effect })
}

fn answer_actor(prompt: &str, value: Value) -> Value {
    json!({ "type": "answer", "step": "kortet", "prompt": prompt, "value": value })
}

#[tokio::test]
async fn an_actor_named_by_one_participant_is_counted_never_named_outside_the_console() {
    let server = TestServer::start().await;
    let session = create(&server, "del3", 3).await;
    let (mut fac, mut proj, mut phones) = room(&server, &session, 3).await;
    goto(&mut fac, &mut proj, &mut phones, 1).await;
    const WORDS: &str = "Den nye direktør";
    for (i, phone) in phones.iter_mut().enumerate() {
        phone
            .ok(answer_actor(&format!("a-{i}"), actor("Pårørende", 4, 1)))
            .await;
    }
    phones[0].ok(answer_actor("a-x", actor(WORDS, 5, -2))).await;
    phones[1]
        .ok(answer_actor("a-y", actor("Pressen", 2, -1)))
        .await;
    fac.ok(act("kortet", "reveal", json!({ "revealed": true })))
        .await;
    let shown = proj
        .until("the revealed map", |m| {
            m["type"] == "activity" && m["activity"]["actors"].is_array()
        })
        .await;
    let actors = shown["activity"]["actors"].as_array().unwrap();
    assert_eq!(actors.len(), 1, "only the actor three named: {shown}");
    assert_eq!(actors[0]["label"], "Pårørende");
    assert_eq!(shown["activity"]["too_few"], 2, "the others are counted");

    let console = fac
        .until("the console's map", |m| {
            m["type"] == "activity"
                && m["activity"]["actors"]
                    .as_array()
                    .is_some_and(|a| a.len() == 3)
        })
        .await;
    let few = console["activity"]["actors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["label"] == WORDS)
        .expect("the console shows the actor");
    assert_eq!(few["hidden"], true, "marked as not shown to the room");

    // A later screen and a phone that joins now get no word of it either.
    let late = Client::staff(&server.addr, &session.code, session.projector_token()).await;
    let newcomer = Client::join(&server.addr, &session.code, None).await;
    for (who, screen) in [("projector", &proj), ("late projector", &late)]
        .into_iter()
        .chain(phones[1..].iter().map(|p| ("phone", p)))
        .chain([("newcomer", &newcomer)])
    {
        for frame in &screen.raw {
            assert!(!frame.contains(WORDS), "{who} saw {WORDS:?}: {frame}");
            assert!(!frame.contains("Pressen"), "{who} saw Pressen: {frame}");
        }
    }
    for (name, text) in every_export(&server, &session).await {
        assert!(!text.contains(WORDS), "{name} names {WORDS:?}");
        assert!(!text.contains("Pressen"), "{name} names Pressen");
        if name == "md" {
            assert!(text.contains("Pårørende"), "{text}");
            assert!(
                text.contains("2 aktører nævnt af for få"),
                "the export counts them: {text}"
            );
        }
    }
}

/// The last progress a staff screen received.
fn last_progress(client: &Client) -> Value {
    client
        .frames
        .iter()
        .rev()
        .find_map(|m| match m["type"].as_str() {
            Some("progress") => Some(m.clone()),
            Some("snapshot") => Some(m["progress"].clone()),
            _ => None,
        })
        .expect("a progress")
}

#[tokio::test]
async fn a_participant_on_five_connections_counts_once_and_shares_one_message_budget() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let mut fac = Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    fac.ok(json!({ "type": "goto", "index": 1 })).await;
    let first = Client::join(&server.addr, &session.code, None).await;
    let me = first.frames[0]["me"].clone();
    let mut conns = vec![first];
    for _ in 0..4 {
        conns.push(Client::resume(&server.addr, &session.code, &me, 0).await);
    }
    let step = fac.frames[0]["session"]["steps"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    conns[0]
        .ok(json!({ "type": "ready", "step": step, "ready": true }))
        .await;
    conns[3]
        .ok(json!({ "type": "ready", "step": step, "ready": true }))
        .await;
    fac.until("the counts", |m| m["type"] == "progress" && m["ready"] == 1)
        .await;
    let progress = last_progress(&fac);
    assert_eq!(progress["joined"], 1, "{progress}");
    assert_eq!(
        progress["connected"], 1,
        "five connections, one person: {progress}"
    );
    assert_eq!(progress["ready"], 1, "{progress}");

    // 80 messages on each connection: within one connection's burst (100), so only a budget
    // shared by the person's connections refuses some of the 400.
    let prompt = "balance-hvorfor";
    for (c, conn) in conns.iter_mut().enumerate() {
        for i in 0..80 {
            let op = format!("c{c}-{i}");
            conn.send(json!({ "type": "answer", "op": op, "step": "arbejde-privat", "prompt": prompt, "value": format!("svar {c} {i}") })).await;
        }
    }
    let (mut acked, mut refused) = (0, 0);
    for conn in &mut conns {
        let mut replies = 0;
        while replies < 80 {
            let reply = conn.next().await.expect("the connection stays");
            match (reply["type"].as_str(), reply["code"].as_str()) {
                (Some("ack"), _) if reply["op"].as_str().is_some_and(|o| o.starts_with('c')) => {
                    acked += 1;
                    replies += 1;
                }
                (Some("error"), Some("rate_limited")) => {
                    refused += 1;
                    replies += 1;
                }
                (Some("error"), _) => panic!("{reply}"),
                _ => {}
            }
        }
    }
    assert_eq!(acked + refused, 400);
    assert!(
        refused > 0,
        "one person on five connections got {acked} of 400 messages through"
    );
}

/// A flood is read no faster than the allowance lets messages through: after a run of
/// refusals the connection stops reading until the allowance has room again, so the sender
/// waits on its own socket instead of the server refusing all it can send. 600 messages at once
/// are 100 let through, then about 20 refused and one let through per twentieth of a second:
/// the server cannot have read them all in under a second (a lower bound: a pause never ends
/// early). Without the pause all 600 are read at once, and their replies overflow the queue of
/// a phone that is still sending, so the server closes it as a slow reader (4408). Nothing is
/// lost: the connection stays, and what was refused can be sent again.
#[tokio::test]
async fn a_flood_waits_on_its_own_socket() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut phone = Client::join(&server.addr, &session.code, None).await;
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    phone.expect("step").await;
    let started = std::time::Instant::now();
    for i in 0..600 {
        phone
            .send(json!({ "type": "ready", "op": format!("r{i}"), "step": "arbejde-privat", "ready": i % 2 == 0 }))
            .await;
    }
    let last = phone.reply_to("r599").await;
    let read_in = started.elapsed();
    assert!(
        read_in >= std::time::Duration::from_secs(1),
        "600 messages at once were all read in {read_in:?}: the flood was not held back"
    );
    assert!(
        last["type"] == "ack" || last["code"] == "rate_limited",
        "{last}"
    );
    // Still connected, and a message sent slowly again gets through.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let again = phone
        .ok(json!({ "type": "ready", "step": "arbejde-privat", "ready": true }))
        .await;
    assert_eq!(again["type"], "ack", "{again}");
}

#[tokio::test]
async fn group_results_need_min_group_three_at_creation_a_programme_for_one_may_go_lower() {
    let server = TestServer::start().await;
    let post = |path: &'static str, body: Value| {
        let request = server.http.post(server.url(path)).json(&body);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    for min_group in [1, 2] {
        for programme in ["del1", "del3", "ledergruppen"] {
            let (status, body) = post(
                "/api/sessions",
                json!({ "programme": programme, "min_group": min_group }),
            )
            .await;
            assert_eq!(status, 400, "{programme} with {min_group}: {body}");
            let error = body["error"].as_str().unwrap();
            assert!(error.contains("at least 3"), "{error}");
        }
        let (status, body) = post(
            "/api/series",
            json!({ "series": "tre-trins-raket", "min_group": min_group }),
        )
        .await;
        assert_eq!(status, 400, "a series with {min_group}: {body}");
        // The 1:1 shares by the leader's own choice: no group result to protect.
        let (status, body) = post(
            "/api/sessions",
            json!({ "programme": "enkelte-leder", "min_group": min_group }),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, _) = post(
        "/api/sessions",
        json!({ "programme": "del1", "min_group": 3 }),
    )
    .await;
    assert_eq!(status, 201);
    // The start page learns each programme's floor.
    let programmes = server.programmes().await;
    let floor = |id: &str| {
        programmes.iter().find(|p| p["id"] == id).unwrap()["min_group_floor"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(floor("del1"), 3);
    assert_eq!(floor("enkelte-leder"), 1);
}

/// Whether `needle` is in any file of the server's data directory.
fn in_files(server: &TestServer, needle: &str) -> Option<String> {
    for entry in std::fs::read_dir(server.data.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap_or_default();
        if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
            return Some(path.display().to_string());
        }
    }
    None
}

/// A join that the server refuses: its error reply and the close code.
async fn refused_join(server: &TestServer, code: &str) -> (Value, u16) {
    let mut client = Client::connect(&server.addr, code, "puppet").await;
    client.send(json!({ "type": "join", "name": null })).await;
    let error = client.expect("error").await;
    (error, client.closed().await)
}

fn balance(value: i64) -> Value {
    json!({ "type": "answer", "step": "arbejde-privat", "prompt": "balance", "value": value })
}

/// The sock-puppet attack of issue 13: a victim answers 7; two anonymous joins answer 1; after
/// the reveal the counts would show the victim's 7. Closing the door keeps the puppets out;
/// removing them takes their answers out of every result, and the victim's answer alone is
/// never shown.
#[tokio::test]
async fn the_door_and_removal_stop_two_sock_puppets_from_revealing_one_answer() {
    let server = TestServer::start().await;
    let session = create(&server, "del1", 3).await;
    let mut fac = Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut proj = Client::staff(&server.addr, &session.code, session.projector_token()).await;
    fac.ok(json!({ "type": "goto", "index": 1 })).await;
    let mut victim = Client::join(&server.addr, &session.code, Some("Offer")).await;
    victim.ok(balance(7)).await;
    let me = victim.frames[0]["me"].clone();

    // 1. The door: closed, a join is refused with a clear typed error; the victim resumes.
    fac.ok(json!({ "type": "door", "open": false })).await;
    let closed = fac
        .until("the console hears the door closed", |m| {
            m["type"] == "progress" && m["closed"] == true
        })
        .await;
    assert_eq!(closed["joined"], 1);
    for _ in 0..2 {
        let (error, code) = refused_join(&server, &session.code).await;
        assert_eq!(error["code"], "closed", "{error}");
        assert!(error["message"].as_str().unwrap().contains("closed"));
        assert_eq!(code, 4400);
    }
    drop(victim);
    let mut victim = Client::resume(&server.addr, &session.code, &me, 0).await;
    victim.ok(balance(7)).await;
    fac.ok(act("arbejde-privat", "reveal", json!({ "revealed": true })))
        .await;
    let shown = proj
        .until("the revealed step", |m| {
            m["type"] == "activity" && m["activity"]["revealed"] == true
        })
        .await;
    assert!(
        shown["activity"]["scales"][0]["counts"].is_null(),
        "one answer is never shown: {shown}"
    );
    // The console's list says the door is closed.
    let info: Value = server
        .http
        .get(server.url(&format!("/api/sessions/{}/participants", session.code)))
        .bearer_auth(&session.facilitator_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["closed"], true, "{info}");

    // 2. Left open, two puppets get in and answer 1 (and write a text).
    fac.ok(act(
        "arbejde-privat",
        "reveal",
        json!({ "revealed": false }),
    ))
    .await;
    fac.ok(json!({ "type": "door", "open": true })).await;
    let mut puppets = Vec::new();
    for i in 0..2 {
        let mut puppet = Client::join(&server.addr, &session.code, None).await;
        puppet.ok(balance(1)).await;
        puppet.ok(json!({ "type": "answer", "step": "arbejde-privat", "prompt": "balance-hvorfor", "value": format!("PUPPET-{i}-QZ") })).await;
        puppets.push(puppet);
    }
    let seen = proj
        .until("three in the room", |m| {
            m["type"] == "progress" && m["joined"] == 3
        })
        .await;
    assert_eq!(seen["joined"], 3, "the projector shows how many are in");
    // The console lists everyone by number; the facilitator removes the two they do not know.
    let list = server
        .http
        .get(server.url(&format!("/api/sessions/{}/participants", session.code)));
    assert_eq!(
        list.try_clone().unwrap().send().await.unwrap().status(),
        401,
        "staff only"
    );
    let info: Value = list
        .bearer_auth(&session.facilitator_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let everyone = info["everyone"].as_array().unwrap();
    assert_eq!(everyone.len(), 3, "{info}");
    assert_eq!(everyone[0]["name"], "Offer");
    assert_eq!(everyone[1]["number"], 2);
    let puppet_ids: Vec<Value> = everyone[1..].iter().map(|p| p["id"].clone()).collect();
    let puppet_me: Vec<Value> = puppets.iter().map(|p| p.frames[0]["me"].clone()).collect();
    for id in &puppet_ids {
        fac.ok(json!({ "type": "remove", "participant": id })).await;
    }
    let again = fac
        .refused(json!({ "type": "remove", "participant": puppet_ids[0] }))
        .await;
    assert_eq!(again["code"], "invalid", "removed once: {again}");
    // Each puppet's phone is told and closed; its secret no longer resumes.
    for mut puppet in puppets {
        puppet.expect("removed").await;
        assert_eq!(puppet.closed().await, 4401);
    }
    for me in &puppet_me {
        let mut back = Client::connect(&server.addr, &session.code, "puppet").await;
        back.send(json!({ "type": "resume", "participant": me["id"], "secret": me["secret"], "last_seq": 0 }))
            .await;
        assert_eq!(
            back.closed().await,
            4401,
            "a removed secret does not resume"
        );
    }
    fac.ok(act("arbejde-privat", "reveal", json!({ "revealed": true })))
        .await;
    let after = proj
        .until("one in the room, revealed", |m| {
            m["type"] == "activity" && m["activity"]["revealed"] == true
        })
        .await;
    let scale = &after["activity"]["scales"][0];
    assert!(
        scale["counts"].is_null(),
        "after the removal the victim's 7 is not shown: {after}"
    );
    let progress = fac
        .latest("progress", "counts without the puppets", |m| {
            m["joined"] == 1
        })
        .await;
    assert_eq!(progress["answers"]["balance"], 1, "{progress}");
    // Their answers left every result and the files.
    for (name, text) in every_export(&server, &session).await {
        assert!(!text.contains("PUPPET-"), "{name} keeps a removed answer");
    }
    for i in 0..2 {
        let needle = format!("PUPPET-{i}-QZ");
        assert_eq!(
            in_files(&server, &needle),
            None,
            "{needle} left in the files"
        );
    }
    victim.ok(balance(6)).await;
}

#[tokio::test]
async fn a_closed_door_and_a_removal_survive_a_restart() {
    let (_dir, data) = crate::common::data_dir();
    let mut server = crate::common::ProcessServer::start(&data).await;
    let created = crate::common::create(&reqwest::Client::new(), &server.url(""), "del1").await;
    let mut fac = Client::staff(&server.addr, &created.code, &created.facilitator_token).await;
    let puppet = Client::join(&server.addr, &created.code, None).await;
    let me = puppet.frames[0]["me"].clone();
    fac.ok(json!({ "type": "remove", "participant": me["id"] }))
        .await;
    fac.ok(json!({ "type": "door", "open": false })).await;
    drop((fac, puppet));
    server.kill();
    let server = crate::common::ProcessServer::start(&data).await;
    let fac = Client::staff(&server.addr, &created.code, &created.facilitator_token).await;
    assert_eq!(
        fac.frames[0]["progress"]["closed"], true,
        "{}",
        fac.frames[0]
    );
    assert_eq!(fac.frames[0]["progress"]["joined"], 0);
    let mut join = Client::connect(&server.addr, &created.code, "new").await;
    join.send(json!({ "type": "join" })).await;
    assert_eq!(join.expect("error").await["code"], "closed");
    let mut back = Client::connect(&server.addr, &created.code, "puppet").await;
    back.send(
        json!({ "type": "resume", "participant": me["id"], "secret": me["secret"], "last_seq": 0 }),
    )
    .await;
    assert_eq!(back.closed().await, 4401);
}

/// `--max-participants`: a join code alone cannot fill a session without bound. Once as many
/// joined as the server lets in, a join is refused with `full`, the facilitator's progress says
/// so, those already in resume as before — and the cap holds for a session loaded again.
#[tokio::test]
async fn a_session_lets_in_at_most_max_participants_and_the_facilitator_sees_it() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_configured(data, |c| c.max_participants = 3).await;
    let session = server.create("del1").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut phones = Vec::new();
    for _ in 0..3 {
        phones.push(Client::join(&server.addr, &session.code, None).await);
    }
    let progress = facilitator
        .until("a full room", |m| {
            m["type"] == "progress" && m["joined"] == 3
        })
        .await;
    assert_eq!(
        progress["full"], true,
        "the facilitator is told: {progress}"
    );
    let mut fourth = Client::connect(&server.addr, &session.code, "fourth").await;
    fourth.send(serde_json::json!({ "type": "join" })).await;
    let refusal = fourth.expect("error").await;
    assert_eq!(refusal["code"], "full", "{refusal}");
    assert_eq!(fourth.closed().await, 4400);
    // Those in come back as before.
    let me = phones[0].frames[0]["me"].clone();
    drop(phones.remove(0));
    let back = Client::resume(&server.addr, &session.code, &me, 0).await;
    assert_eq!(back.frames[0]["me"]["id"], me["id"]);
    // A session with room left says nothing of it.
    let other = server.create("del1").await;
    let staff = Client::staff(&server.addr, &other.code, &other.facilitator_token).await;
    assert!(
        staff.frames[0]["progress"]["full"].is_null(),
        "{}",
        staff.frames[0]
    );
}

/// A join code alone cannot make the server take newcomers as fast as one client opens
/// sockets: a session lets in a room at once (100), then 20 a second; past that a join is
/// refused with `busy` (the phone tries again by itself), while those in resume as before,
/// another session lets newcomers in at once, and a closed door still says `closed`.
#[tokio::test]
async fn a_session_takes_a_room_at_once_then_newcomers_at_a_pace() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let started = std::time::Instant::now();
    let mut joined = Vec::new();
    let refusal = loop {
        assert!(joined.len() < 300, "300 joins in a row were all let in");
        let mut phone = Client::connect(&server.addr, &session.code, "newcomer").await;
        phone.send(json!({ "type": "join" })).await;
        let reply = phone.next().await.expect("a reply to the join");
        if reply["type"] == "snapshot" {
            joined.push(reply["me"].clone());
            continue;
        }
        assert_eq!(phone.closed().await, 4400, "{reply}");
        break reply;
    };
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(refusal["code"], "busy", "{refusal}");
    assert!(
        joined.len() >= 100 && joined.len() as f64 <= 101.0 + 20.0 * elapsed,
        "{} joined in {elapsed:.2} s",
        joined.len()
    );
    // Those in come back, and another session is not slowed.
    let back = Client::resume(&server.addr, &session.code, &joined[0], 0).await;
    assert_eq!(back.frames[0]["me"]["id"], joined[0]["id"]);
    let other = server.create("del1").await;
    Client::join(&server.addr, &other.code, None).await;
    // A closed door says so rather than `busy`.
    let mut fac = Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    fac.ok(json!({ "type": "door", "open": false })).await;
    let (closed, code) = refused_join(&server, &session.code).await;
    assert_eq!((closed["code"].as_str(), code), (Some("closed"), 4400));
    // Open again, and a moment later, the next newcomer is let in.
    fac.ok(json!({ "type": "door", "open": true })).await;
    tokio::time::sleep(std::time::Duration::from_millis(120)).await;
    Client::join(&server.addr, &session.code, None).await;
}
