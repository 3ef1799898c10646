//! Who may get in, and how often: the WebSocket's Origin check, `--create-token`, the limits on
//! wrong join codes and on a participant's messages, tokens kept out of the log, and retention.

use std::time::Duration;

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::common::{Client, ProcessServer, TestServer, create, session_info};

/// Opens a WebSocket to `code` with the given `Origin` header; the HTTP status on refusal.
async fn open_with_origin(addr: &str, code: &str, origin: Option<&str>) -> Result<(), u16> {
    let mut request = format!("ws://{addr}/api/sessions/{code}/ws")
        .into_client_request()
        .unwrap();
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok(_) => Ok(()),
        Err(tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(e) => panic!("unexpected handshake failure: {e}"),
    }
}

#[tokio::test]
async fn a_page_of_another_site_cannot_open_a_socket() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_configured(data, |c| {
        c.public_url = Some("https://trivsel.example.dk".into())
    })
    .await;
    let session = server.create("del1").await;
    // With `--public-url`, only its origin: not even the server's own address (see
    // network::with_a_public_url_sockets_open_only_from_its_origin).
    let own = format!("http://{}", server.addr);
    for allowed in [None, Some("https://trivsel.example.dk")] {
        assert_eq!(
            open_with_origin(&server.addr, &session.code, allowed).await,
            Ok(()),
            "{allowed:?}"
        );
    }
    for foreign in [
        "https://evil.example",
        "https://trivsel.example.dk.evil.example",
        "http://trivsel.example.dk",
        "null",
        own.as_str(),
    ] {
        assert_eq!(
            open_with_origin(&server.addr, &session.code, Some(foreign)).await,
            Err(403),
            "{foreign}"
        );
    }
}

#[tokio::test]
async fn with_a_create_token_only_its_holder_creates_sessions() {
    let token = "kommunens-hemmelige-noegle-2026";
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_configured(data, |c| c.create_token = Some(token.into())).await;
    let url = server.url("/api/sessions");
    let body = json!({ "programme": "del1" });
    let without = server.http.post(&url).json(&body).send().await.unwrap();
    assert_eq!(without.status(), 401);
    let error: Value = without.json().await.unwrap();
    assert!(error["error"].as_str().unwrap().contains("create token"));
    let wrong = server
        .http
        .post(&url)
        .bearer_auth("kommunens-hemmelige-noegle-2027")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let series = server
        .http
        .post(server.url("/api/series"))
        .json(&json!({ "series": "tre-trins-raket" }))
        .send()
        .await
        .unwrap();
    assert_eq!(series.status(), 401, "a series too");
    let right = server
        .http
        .post(&url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 201);
    // Joining needs no create token.
    let created: Value = right.json().await.unwrap();
    Client::join(&server.addr, created["code"].as_str().unwrap(), None).await;
}

#[tokio::test]
async fn a_bad_create_token_flag_stops_the_server_with_one_line() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_trivsel"))
        .args(["--addr", "127.0.0.1:0", "--create-token", "short"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--create-token"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[tokio::test]
async fn guessing_codes_runs_out_but_a_town_hall_gets_in() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    // A whole town hall behind one address joins with the right code: no limit.
    let mut hall = Vec::new();
    for _ in 0..150 {
        hall.push(Client::join(&server.addr, &session.code, None).await);
    }
    // Wrong codes: 60 are answered, then every lookup from this address gets 429 —
    // for an existing code too, so the limit cannot be used to test codes.
    let wrong = |i: usize| format!("/api/sessions/{}/qr.svg", ["ABCDEFG", "HJKMNPQ"][i % 2]);
    for i in 0..60 {
        let response = server.http.get(server.url(&wrong(i))).send().await.unwrap();
        assert_eq!(response.status(), 404, "guess {i}");
    }
    let response = server
        .http
        .get(server.url(&wrong(60)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let real = server
        .http
        .get(server.url(&format!("/api/sessions/{}/qr.svg", session.code)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        real.status(),
        429,
        "an existing code is refused the same way"
    );
    // So is a join over the socket (it opens, to let staff and returning participants in,
    // and closes a join with 4429).
    let mut join = Client::connect(&server.addr, "ABCDEFG", "guess").await;
    join.send(json!({ "type": "join" })).await;
    assert_eq!(join.closed().await, 4429, "so is a join over the socket");
    // Those already in are not affected.
    hall[0]
        .ok(json!({ "type": "ready", "step": "velkommen", "ready": true }))
        .await;
    // One more try a second comes back.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let again = server
        .http
        .get(server.url(&wrong(61)))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404);
}

#[tokio::test]
async fn wrong_codes_over_the_socket_count_too() {
    let server = TestServer::start().await;
    for _ in 0..60 {
        let mut guess = Client::connect(&server.addr, "ABCDEFG", "guess").await;
        guess.send(json!({ "type": "join" })).await;
        assert_eq!(guess.closed().await, 4404);
    }
    let mut guess = Client::connect(&server.addr, "ABCDEFG", "guess").await;
    guess.send(json!({ "type": "join" })).await;
    assert_eq!(guess.closed().await, 4429);
}

#[tokio::test]
async fn a_participant_flooding_messages_gets_typed_refusals_and_loses_nothing() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut phone = Client::join(&server.addr, &session.code, None).await;
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    phone.expect("step").await;
    let ops: Vec<String> = (0..300).map(|i| format!("flood-{i}")).collect();
    for (i, op) in ops.iter().enumerate() {
        let value = format!("svar {i}");
        phone.send(json!({ "type": "answer", "op": op, "step": "arbejde-privat", "prompt": "balance-hvorfor", "value": value })).await;
    }
    // Refusals come straight from the connection, acks after the commit: collect them all.
    let mut replies = std::collections::HashMap::new();
    while replies.len() < ops.len() {
        let reply = phone.next().await.expect("the phone stays connected");
        if let Some(op) = reply["op"].as_str() {
            assert!(
                replies.insert(op.to_owned(), reply.clone()).is_none(),
                "one reply per op"
            );
        }
    }
    let mut refused = Vec::new();
    for op in &ops {
        let reply = &replies[op];
        if reply["type"] == "error" {
            assert_eq!(reply["code"], "rate_limited", "{reply}");
            refused.push(op.clone());
        } else {
            assert_eq!(reply["type"], "ack", "{reply}");
        }
    }
    assert!(
        refused.len() >= 100,
        "a burst of 300 at once is limited to about 100 (+20/s); refused {}",
        refused.len()
    );
    // The client keeps what was refused and sends it again, slowly: all of it arrives.
    for op in &refused {
        let i: usize = op.trim_start_matches("flood-").parse().unwrap();
        tokio::time::sleep(Duration::from_millis(60)).await;
        let value = format!("svar {i}");
        phone.send(json!({ "type": "answer", "op": op, "step": "arbejde-privat", "prompt": "balance-hvorfor", "value": value })).await;
        let reply = phone.reply_to(op).await;
        assert_eq!(reply["type"], "ack", "{reply}");
    }
    // Staff are not limited: the facilitator steers as fast as it likes.
    for i in 0..150 {
        facilitator
            .ok(json!({ "type": "goto", "index": 1 + i % 2 }))
            .await;
    }
    let info = session_info(&server.http, &server.url(""), &session).await;
    assert_eq!(
        info["participants"]["connected"], 1,
        "the phone stayed connected"
    );
}

#[tokio::test]
async fn tokens_and_secrets_never_reach_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    // The most the server says: trace for everything, and the libraries that would log frames
    // and headers asked for by name too.
    let mut server = ProcessServer::start_logging(
        &data,
        log,
        "trace,tungstenite=trace,tokio_tungstenite=trace,hyper=trace,axum=trace",
    )
    .await;
    let http = reqwest::Client::new();
    let session = create(&http, &server.url(""), "del1").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let projector = Client::staff(&server.addr, &session.code, session.projector_token()).await;
    let mut phone = Client::join(&server.addr, &session.code, Some("Lone")).await;
    let me = phone.frames[0]["me"].clone();
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    phone.expect("step").await;
    phone
        .ok(json!({ "type": "answer", "step": "arbejde-privat", "prompt": "balance-hvorfor", "value": "PRIVAT-SVAR-8812" }))
        .await;
    drop(phone);
    Client::resume(&server.addr, &session.code, &me, 0).await;
    // Failures are logged too, and must not carry what was presented.
    let mut wrong = Client::connect(&server.addr, &session.code, "wrong").await;
    wrong
        .send(json!({ "type": "hello", "token": "f".repeat(40) }))
        .await;
    assert_eq!(wrong.closed().await, 4401);
    let info = http
        .get(server.url(&format!("/api/sessions/{}", session.code)))
        .bearer_auth(&session.facilitator_token)
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 200);
    let export = http
        .get(server.url(&format!("/api/sessions/{}/export?format=md", session.code)))
        .bearer_auth(&session.facilitator_token)
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    drop(projector);
    server.kill();

    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains(&session.code), "the log says something: {log}");
    for secret in [
        session.facilitator_token.as_str(),
        session.projector_token(),
        me["secret"].as_str().unwrap(),
        &"f".repeat(40),
        "PRIVAT-SVAR-8812",
        "Lone",
    ] {
        assert!(!log.contains(secret), "the log holds {secret}:\n{log}");
    }
}

/// Someone with only the join code cannot keep a session alive: joins are no activity, answers
/// and the facilitator's steps are — in memory and in the store (what a restart reads).
#[tokio::test]
async fn joining_alone_does_not_keep_a_session_past_its_retention() {
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("trivsel.sqlite3");
    let server = TestServer::start_configured(data, |c| c.retention_days = 30).await;
    let session = server.create("del1").await;
    let code = trivsel::domain::JoinCode::parse(&session.code).unwrap();
    let in_memory = || server.state.registry().get(&code).unwrap().last_active_ms();
    let stored = || -> i64 {
        rusqlite::Connection::open(&db)
            .unwrap()
            .query_row(
                "SELECT last_active_ms FROM sessions WHERE code = ?1",
                [&session.code],
                |row| row.get(0),
            )
            .unwrap()
    };
    let created = in_memory();
    // Let the clock move on; then only strangers join (and leave).
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    for _ in 0..5 {
        drop(Client::join(&server.addr, &session.code, None).await);
    }
    let mut phone = Client::join(&server.addr, &session.code, None).await;
    assert_eq!(in_memory(), created, "joins are not activity");
    assert!(stored() <= created, "nor in the store");
    let day_ms = 24 * 60 * 60 * 1000;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    phone.expect("step").await;
    assert!(in_memory() > created, "the facilitator's step is activity");
    assert!(stored() > created, "in the store too");
    let deleted = server
        .state
        .registry()
        .expire(created + 30 * day_ms + 1)
        .await;
    assert!(deleted.is_empty(), "kept: its facilitator used it");
}

#[tokio::test]
async fn a_session_is_deleted_after_its_retention_period_and_leaves_nothing_behind() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_configured(data, |c| c.retention_days = 30).await;
    let session = server.create("del1").await;
    let other = server.create("del2").await;
    let mut phone = Client::join(&server.addr, &session.code, None).await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    phone.expect("step").await;
    let secret = "GLEMT-EFTER-30-DAGE-5521";
    phone
        .ok(json!({ "type": "answer", "step": "arbejde-privat", "prompt": "balance-hvorfor", "value": secret }))
        .await;

    let day_ms = 24 * 60 * 60 * 1000;
    let now = trivsel::clock::now_ms();
    assert!(
        server
            .state
            .registry()
            .expire(now + 29 * day_ms)
            .await
            .is_empty(),
        "29 days later both are kept"
    );
    let deleted = server.state.registry().expire(now + 31 * day_ms).await;
    let mut codes: Vec<String> = deleted.iter().map(|c| c.to_string()).collect();
    codes.sort();
    let mut expected = vec![session.code.clone(), other.code.clone()];
    expected.sort();
    assert_eq!(codes, expected);
    phone.expect("deleted").await;
    assert_eq!(phone.closed().await, 4404);
    let gone = server
        .http
        .get(server.url(&format!("/api/sessions/{}", session.code)))
        .bearer_auth(&session.facilitator_token)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    for entry in std::fs::read_dir(server.data.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        for needle in [secret, session.code.as_str()] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} is still in {}",
                path.display()
            );
        }
    }
}

#[tokio::test]
async fn a_participant_deletes_their_answers_from_every_screen_and_from_the_files() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut projector = Client::staff(&server.addr, &session.code, session.projector_token()).await;
    let mut anna = Client::join(&server.addr, &session.code, Some("Anna-Glemmesen")).await;
    let mut bo = Client::join(&server.addr, &session.code, None).await;
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    let secret = "SLET-MIG-IGEN-7331";
    let kept = "BLIVER-STAAENDE-1177";
    for (phone, text) in [(&mut anna, secret), (&mut bo, kept)] {
        phone.expect("step").await;
        phone.ok(json!({ "type": "answer", "step": "arbejde-privat", "prompt": "balance-hvorfor", "value": text })).await;
        phone.ok(json!({ "type": "act", "step": "arbejde-privat", "action": "share", "prompt": "balance-hvorfor", "share": true, "named": true })).await;
    }
    facilitator
        .ok(json!({ "type": "act", "step": "arbejde-privat", "action": "reveal", "revealed": true }))
        .await;
    projector
        .until("both shares shown", |m| {
            m["type"] == "activity"
                && m["activity"]["shared"]
                    .as_array()
                    .is_some_and(|s| s.len() == 2)
        })
        .await;

    anna.ok(json!({ "type": "forget_me" })).await;
    let shown = projector
        .until("one share left", |m| {
            m["type"] == "activity"
                && m["activity"]["shared"]
                    .as_array()
                    .is_some_and(|s| s.len() == 1)
        })
        .await;
    assert_eq!(shown["activity"]["shared"][0]["text"], kept);
    let me = anna.frames[0]["me"].clone();
    let back = Client::resume(&server.addr, &session.code, &me, 0).await;
    assert_eq!(
        back.frames[0]["me"]["answers"],
        json!({}),
        "nothing of hers is left"
    );
    assert!(back.frames[0]["me"]["name"].is_null(), "nor her name");
    let info = session_info(&server.http, &server.url(""), &session).await;
    assert_eq!(
        info["participants"]["joined"], 2,
        "she is still in the room"
    );
    assert_eq!(info["participants"]["named"], json!([]));
    let export = server
        .http
        .get(server.url(&format!(
            "/api/sessions/{}/export?format=json",
            session.code
        )))
        .bearer_auth(&session.facilitator_token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(export.contains(kept) && !export.contains(secret));

    // Not in the database file, not in its WAL: erased, not just hidden.
    for entry in std::fs::read_dir(server.data.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let holds = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
        assert!(!holds(secret), "{} still holds her answer", path.display());
        // (The test client names its op ids after the participant; only the name itself counts.)
        assert!(
            !holds(r#""name":"Anna-Glemmesen""#),
            "{} still holds her name",
            path.display()
        );
    }
    drop((facilitator, projector, anna, bo, back));
}

/// Every text a participant types privately, in every kind of private input, is listened for on
/// every other connection of the session — staff, preview and the other participants — from
/// the first frame to the last. None may ever carry it.
#[tokio::test]
async fn no_private_text_reaches_any_other_connection() {
    let server = TestServer::start().await;
    let session = server.create("enkelte-leder").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut projector = Client::staff(&server.addr, &session.code, session.projector_token()).await;
    let mut preview = Client::preview(&server.addr, &session.code, session.projector_token()).await;
    let mut author = Client::join(&server.addr, &session.code, None).await;
    let mut others = Vec::new();
    for i in 0..4 {
        others.push(Client::join(&server.addr, &session.code, Some(&format!("Anden {i}"))).await);
    }
    let mut secrets = Vec::new();
    let mut secret = |what: &str| {
        let text = format!("PRIVAT-{what}-{}", secrets.len() + 9100);
        secrets.push(text.clone());
        text
    };

    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    author.expect("step").await;
    for prompt in ["bidrager", "udfordrer", "styrke"] {
        let text = secret(prompt);
        author
            .ok(json!({ "type": "answer", "step": "trivsel", "prompt": prompt, "value": text }))
            .await;
    }
    author
        .ok(json!({ "type": "answer", "step": "trivsel", "prompt": "skala", "value": 3 }))
        .await;
    // The 1:1 reveals nothing (issue 12): the facilitator's try is refused and shows no one.
    let refused = facilitator
        .refused(json!({ "type": "act", "step": "trivsel", "action": "reveal", "revealed": true }))
        .await;
    assert_eq!(refused["code"], "no_group");
    facilitator.ok(json!({ "type": "goto", "index": 2 })).await;
    author.expect("step").await;
    for area in ["selvledelse", "ledergruppen", "min-chef", "medarbejderne"] {
        let plan = json!({ "work": secret(area), "first_step": secret("skridt") });
        author
            .ok(json!({ "type": "answer", "step": "min-trivsel", "prompt": area, "value": plan }))
            .await;
    }
    // The others and the staff do things afterwards, so a leaked frame would have arrived.
    for other in &mut others {
        other
            .until("plan step", |m| {
                m["type"] == "step" && m["step"]["index"] == 2
            })
            .await;
        other
            .ok(json!({ "type": "ready", "step": "min-trivsel", "ready": true }))
            .await;
    }
    facilitator.ok(json!({ "type": "goto", "index": 3 })).await;
    for screen in [&mut projector, &mut preview] {
        screen
            .until("end step", |m| {
                m["type"] == "step" && m["step"]["index"] == 3
            })
            .await;
    }
    let late_staff = Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let late_phone = Client::join(&server.addr, &session.code, None).await;

    assert_eq!(secrets.len(), 11);
    let listeners =
        others
            .iter()
            .chain([&facilitator, &projector, &preview, &late_staff, &late_phone]);
    let mut frames = 0;
    for listener in listeners {
        for frame in &listener.raw {
            frames += 1;
            for secret in &secrets {
                assert!(
                    !frame.contains(secret),
                    "{secret} reached another connection: {frame}"
                );
            }
        }
    }
    assert!(
        frames > 20,
        "the listeners heard the session ({frames} frames)"
    );
    // The author has it all back.
    let me = author.frames[0]["me"].clone();
    let back = Client::resume(&server.addr, &session.code, &me, 0).await;
    let mine = back.raw[0].clone();
    assert!(secrets.iter().all(|s| mine.contains(s)));
}
