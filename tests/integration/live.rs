//! The realtime engine over real WebSockets: moving together, privacy, idempotency, resume,
//! roles and limits.

use serde_json::json;

use crate::common::{Client, TestServer};

#[tokio::test]
async fn a_step_change_reaches_every_screen_and_only_the_facilitator_sees_notes() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut projector = Client::staff(&server.addr, &session.code, session.projector_token()).await;
    let mut phones = Vec::new();
    for i in 0..3 {
        phones.push(Client::join(&server.addr, &session.code, Some(&format!("Leder {i}"))).await);
    }
    assert_eq!(facilitator.frames[0]["role"], "facilitator");
    assert_eq!(projector.frames[0]["role"], "projector");
    assert!(
        facilitator.frames[0]["step"]["notes"]["da"]
            .as_str()
            .unwrap()
            .len()
            > 10
    );
    assert!(projector.frames[0]["step"]["notes"].is_null());

    let ack = facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    let seq = ack["seq"].as_u64().unwrap();
    let step = facilitator.expect("step").await;
    assert_eq!(step["step"]["id"], "arbejde-privat");
    assert!(step["step"]["notes"].is_object());
    for screen in phones.iter_mut().chain([&mut projector]) {
        let step = screen.expect("step").await;
        assert_eq!(step["step"]["index"], 1);
        assert_eq!(step["seq"], seq);
        assert!(
            step["step"]["notes"].is_null(),
            "notes are the facilitator's"
        );
        assert_eq!(step["step"]["prompts"][0]["kind"], "scale");
        assert_eq!(step["step"]["prompts"][0]["min_label"]["da"], "Slet ikke");
    }
}

#[tokio::test]
async fn commands_from_the_wrong_role_are_refused_and_change_nothing() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let mut projector = Client::staff(&server.addr, &session.code, session.projector_token()).await;
    let mut phone = Client::join(&server.addr, &session.code, None).await;
    for client in [&mut projector, &mut phone] {
        for msg in [
            json!({ "type": "goto", "index": 2 }),
            json!({ "type": "timer_start", "seconds": 60 }),
            json!({ "type": "timer_stop" }),
        ] {
            let error = client.refused(msg).await;
            assert_eq!(error["code"], "not_allowed");
        }
    }
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let error = facilitator
        .refused(json!({ "type": "answer", "step": "velkommen", "prompt": "x", "value": 1 }))
        .await;
    assert_eq!(error["code"], "not_allowed");
    assert_eq!(facilitator.frames[0]["step"]["index"], 0);
    assert_eq!(
        facilitator.frames[0]["seq"].as_u64(),
        Some(1),
        "one join, nothing else"
    );
}

#[tokio::test]
async fn a_preview_sees_the_phones_view_and_may_do_nothing() {
    let server = TestServer::start().await;
    let session = server.create("del3").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut phone = Client::join(&server.addr, &session.code, Some("Anna")).await;
    for token in [session.projector_token(), &session.facilitator_token] {
        let preview = Client::preview(&server.addr, &session.code, token).await;
        let snapshot = &preview.frames[0];
        assert_eq!(snapshot["role"], "participant");
        assert!(snapshot["me"].is_null(), "a preview is nobody: {snapshot}");
        assert!(snapshot["progress"].is_null(), "counts are for staff");
        assert!(
            snapshot["step"]["notes"].is_null(),
            "notes are the facilitator's"
        );
        assert!(snapshot["session"]["projector_url"].is_null());
    }
    let mut preview = Client::preview(&server.addr, &session.code, session.projector_token()).await;
    let mut bad = Client::connect(&server.addr, &session.code, "bad preview").await;
    bad.send(json!({ "type": "hello", "token": "0".repeat(40), "preview": true }))
        .await;
    assert_eq!(bad.closed().await, 4401, "a preview needs a staff token");

    // The map step: participants add actors; its shared view has no results before the reveal.
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    let step = preview.expect("step").await;
    assert_eq!(step["step"]["kind"], "map");
    assert!(step["activity"].get("contributors").is_none(), "{step}");
    phone.expect("step").await;
    for msg in [
        json!({ "type": "answer", "step": "kortet", "prompt": "x", "value": 1 }),
        json!({ "type": "ready", "step": "kortet", "ready": true }),
        json!({ "type": "goto", "index": 2 }),
    ] {
        let error = preview.refused(msg).await;
        assert_eq!(error["code"], "not_allowed");
    }
    let info = crate::common::session_info(&server.http, &server.url(""), &session).await;
    assert_eq!(info["participants"]["joined"], 1, "a preview does not join");
    assert_eq!(info["participants"]["connected"], 1);
    assert_eq!(info["step"]["index"], 1, "the preview moved nothing");
}

#[tokio::test]
async fn bad_messages_get_typed_errors_and_the_connection_stays() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let mut phone = Client::join(&server.addr, &session.code, None).await;
    phone.send_raw("not json".into()).await;
    assert_eq!(phone.expect("error").await["code"], "bad_message");
    phone
        .send(json!({ "type": "self_destruct", "op": "z1" }))
        .await;
    let error = phone.expect("error").await;
    assert_eq!(
        (error["code"].as_str(), error["op"].as_str()),
        (Some("bad_message"), Some("z1"))
    );
    let error = phone
        .refused(
            json!({ "type": "answer", "step": "arbejde-privat", "prompt": "balance", "value": 5 }),
        )
        .await;
    assert_eq!(error["code"], "wrong_step", "a later step is not open yet");
    let error = phone
        .refused(json!({ "type": "ready", "step": "velkommen", "ready": "yes" }))
        .await;
    assert_eq!(error["code"], "bad_message");
    phone
        .ok(json!({ "type": "ready", "step": "velkommen", "ready": true }))
        .await;
}

#[tokio::test]
async fn out_of_range_answers_are_refused() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut phone = Client::join(&server.addr, &session.code, None).await;
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    phone.expect("step").await;
    for (prompt, value, code) in [
        ("balance", json!(11), "invalid"),
        ("balance", json!(0), "invalid"),
        ("balance", json!("7"), "invalid"),
        ("balance-hvorfor", json!("x".repeat(2001)), "too_long"),
        ("findes-ikke", json!(3), "invalid"),
    ] {
        let error = phone.refused(json!({ "type": "answer", "step": "arbejde-privat", "prompt": prompt, "value": value })).await;
        assert_eq!(error["code"], code, "{prompt} {value}");
    }
    let error = facilitator
        .refused(json!({ "type": "goto", "index": 99 }))
        .await;
    assert_eq!(error["code"], "wrong_step");
    let error = facilitator
        .refused(json!({ "type": "timer_start", "seconds": 0 }))
        .await;
    assert_eq!(error["code"], "invalid");
}

#[tokio::test]
async fn private_answers_reach_no_other_screen() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut projector = Client::staff(&server.addr, &session.code, session.projector_token()).await;
    let mut author = Client::join(&server.addr, &session.code, Some("Forfatter")).await;
    let mut others = vec![
        Client::join(&server.addr, &session.code, Some("Anden")).await,
        Client::join(&server.addr, &session.code, None).await,
    ];
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    author.expect("step").await;
    let secret = "Jeg sover dårligt og overvejer at sige op QX81";
    author.ok(json!({ "type": "answer", "step": "arbejde-privat", "prompt": "balance-hvorfor", "value": secret })).await;
    author
        .ok(json!({ "type": "answer", "step": "arbejde-privat", "prompt": "balance", "value": 2 }))
        .await;
    let progress = facilitator
        .until("both answers counted", |m| {
            m["type"] == "progress"
                && m["answers"]["balance"] == 1
                && m["answers"]["balance-hvorfor"] == 1
        })
        .await;
    assert_eq!(progress["joined"], 3);
    projector
        .until("count on projector", |m| {
            m["type"] == "progress" && m["answers"]["balance"] == 1
        })
        .await;
    // Everyone else does something afterwards, so any leaked frame would have arrived before.
    for other in &mut others {
        other.expect("step").await;
        other
            .ok(json!({ "type": "ready", "step": "arbejde-privat", "ready": true }))
            .await;
    }
    let mut preview = Client::preview(&server.addr, &session.code, session.projector_token()).await;
    facilitator.ok(json!({ "type": "goto", "index": 2 })).await;
    projector.expect("step").await;
    preview.expect("step").await;
    let resumed_staff =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;

    for screen in others
        .iter()
        .chain([&facilitator, &projector, &resumed_staff, &preview])
    {
        assert!(!screen.raw.is_empty());
        for frame in &screen.raw {
            assert!(!frame.contains(secret), "private text leaked: {frame}");
            assert!(
                !frame.contains("Forfatter"),
                "a participant name leaked: {frame}"
            );
            assert!(
                !frame.contains("\"balance\":2"),
                "a private score leaked: {frame}"
            );
        }
    }
    let mine = Client::resume(
        &server.addr,
        &session.code,
        &author.frames[0]["me"],
        author.last_seq(),
    )
    .await;
    assert_eq!(
        mine.frames[0]["me"]["answers"]["arbejde-privat"]["balance-hvorfor"], secret,
        "the author sees it"
    );
    assert_eq!(
        mine.frames[0]["me"]["answers"]["arbejde-privat"]["balance"],
        2
    );
}

#[tokio::test]
async fn an_operation_sent_twice_is_applied_once_and_acked_twice() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut phone = Client::join(&server.addr, &session.code, None).await;
    let goto = json!({ "type": "goto", "op": "g1", "index": 1 });
    facilitator.send(goto.clone()).await;
    let first = facilitator.reply_to("g1").await;
    facilitator.send(goto).await;
    let second = facilitator.reply_to("g1").await;
    assert_eq!(
        (first["type"].as_str(), second["type"].as_str()),
        (Some("ack"), Some("ack"))
    );
    assert_eq!(first["seq"], second["seq"], "the duplicate stored nothing");

    phone.expect("step").await;
    let answer = |value| json!({ "type": "answer", "op": "a1", "step": "arbejde-privat", "prompt": "balance", "value": value });
    phone.send(answer(3)).await;
    phone.reply_to("a1").await;
    phone.send(answer(9)).await;
    assert_eq!(phone.reply_to("a1").await["type"], "ack");
    let again = Client::resume(&server.addr, &session.code, &phone.frames[0]["me"], 0).await;
    assert_eq!(
        again.frames[0]["me"]["answers"]["arbejde-privat"]["balance"], 3,
        "the resend did not overwrite"
    );
}

#[tokio::test]
async fn a_participant_who_drops_answers_offline_and_comes_back_loses_nothing() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut phone = Client::join(&server.addr, &session.code, Some("Mette")).await;
    let me = phone.frames[0]["me"].clone();
    assert!(me["secret"].as_str().unwrap().len() >= 32);
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    phone.expect("step").await;
    phone
        .ok(json!({ "type": "answer", "step": "arbejde-privat", "prompt": "balance", "value": 6 }))
        .await;
    let last_seq = phone.last_seq();
    phone.vanish();

    // While the phone is away (its outbox fills), the room moves on.
    facilitator.ok(json!({ "type": "goto", "index": 2 })).await;
    let outbox = [
        json!({ "type": "answer", "op": "off-1", "step": "arbejde-privat", "prompt": "balance-hvorfor", "value": "Mere tid til familien" }),
        json!({ "type": "answer", "op": "off-2", "step": "energi", "prompt": "giver-energi", "value": "Gode kolleger" }),
        json!({ "type": "ready", "op": "off-3", "step": "energi", "ready": true }),
    ];

    let mut back = Client::resume(&server.addr, &session.code, &me, last_seq).await;
    let snapshot = back.frames[0].clone();
    assert_eq!(
        snapshot["step"]["id"], "energi",
        "it comes back where the room is"
    );
    assert_eq!(snapshot["me"]["name"], "Mette");
    assert_eq!(snapshot["me"]["answers"]["arbejde-privat"]["balance"], 6);
    for op in &outbox {
        back.send(op.clone()).await;
    }
    for op in &outbox {
        assert_eq!(
            back.reply_to(op["op"].as_str().unwrap()).await["type"],
            "ack"
        );
    }
    // The page resends its outbox once more after another reconnect: harmless.
    let mut again = Client::resume(&server.addr, &session.code, &me, back.last_seq()).await;
    let seq_before = again.frames[0]["seq"].clone();
    for op in &outbox {
        again.send(op.clone()).await;
        assert_eq!(
            again.reply_to(op["op"].as_str().unwrap()).await["seq"],
            seq_before,
            "nothing doubled"
        );
    }
    let last = Client::resume(&server.addr, &session.code, &me, 0).await;
    let answers = &last.frames[0]["me"]["answers"];
    assert_eq!(
        answers["arbejde-privat"]["balance-hvorfor"],
        "Mere tid til familien"
    );
    assert_eq!(answers["energi"]["giver-energi"], "Gode kolleger");
    assert_eq!(last.frames[0]["me"]["ready"], json!(["energi"]));
    let info = facilitator
        .until("ready counted", |m| {
            m["type"] == "progress" && m["ready"] == 1
        })
        .await;
    assert_eq!(info["joined"], 1);
}

#[tokio::test]
async fn a_wrong_identity_or_token_is_closed_with_4401() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let phone = Client::join(&server.addr, &session.code, None).await;
    let mut me = phone.frames[0]["me"].clone();
    me["secret"] = json!("f".repeat(40));
    let mut impostor = Client::connect(&server.addr, &session.code, "impostor").await;
    impostor
        .send(json!({ "type": "resume", "participant": me["id"], "secret": me["secret"] }))
        .await;
    assert_eq!(impostor.closed().await, 4401);
    let mut staff = Client::connect(&server.addr, &session.code, "staff").await;
    staff
        .send(json!({ "type": "hello", "token": "a".repeat(40) }))
        .await;
    assert_eq!(staff.closed().await, 4401);
    let mut rude = Client::connect(&server.addr, &session.code, "rude").await;
    rude.send(json!({ "type": "goto", "op": "x", "index": 1 }))
        .await;
    assert_eq!(rude.expect("error").await["code"], "bad_message");
    assert_eq!(rude.closed().await, 4400);
    let mut nowhere = Client::connect(&server.addr, "ZZZZZZZ", "nowhere").await;
    nowhere.send(json!({ "type": "join" })).await;
    assert_eq!(nowhere.closed().await, 4404);
}

#[tokio::test]
async fn a_message_over_64_kib_is_refused_with_1009() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let mut phone = Client::join(&server.addr, &session.code, None).await;
    let big = format!(
        r#"{{"type":"ready","op":"b","step":"velkommen","ready":true,"pad":"{}"}}"#,
        "x".repeat(64 * 1024)
    );
    phone.send_raw(big).await;
    assert_eq!(phone.closed().await, 1009);
    let just_under = format!(
        r#"{{"type":"ready","op":"c","step":"velkommen","ready":true,"pad":"{}"}}"#,
        "x".repeat(60 * 1024)
    );
    let mut again = Client::resume(&server.addr, &session.code, &phone.frames[0]["me"], 0).await;
    again.send_raw(just_under).await;
    assert_eq!(again.reply_to("c").await["type"], "ack");
}

#[tokio::test]
async fn the_countdown_is_held_by_the_server_and_shown_everywhere() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut phone = Client::join(&server.addr, &session.code, None).await;
    facilitator
        .ok(json!({ "type": "timer_start", "seconds": 300 }))
        .await;
    let timer = phone.expect("timer").await;
    let ends_at = timer["timer"]["ends_at"].as_i64().unwrap();
    let server_time = timer["server_time"].as_i64().unwrap();
    assert!((ends_at - server_time - 300_000).abs() < 5_000, "{timer}");
    assert_eq!(timer["timer"]["seconds"], 300);
    let late = Client::join(&server.addr, &session.code, None).await;
    assert_eq!(
        late.frames[0]["timer"]["ends_at"], ends_at,
        "newcomers see the same end time"
    );
    facilitator.ok(json!({ "type": "timer_stop" })).await;
    assert!(phone.expect("timer").await["timer"].is_null());
}

#[tokio::test]
async fn a_client_that_stops_reading_is_disconnected_not_buffered_forever() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    // Thousands of separately committed turns: on tmpfs where there is one, since this test is
    // about the queue bound, not about fsync (durability has its own tests on disk).
    let shm = std::path::Path::new("/dev/shm");
    let data = if shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    let server = TestServer::start_in(data).await;
    let session = server.create("del1").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;

    // A projector with a tiny receive buffer that never reads.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(server.addr.parse().unwrap()).await.unwrap();
    let url = format!("ws://{}/api/sessions/{}/ws", server.addr, session.code);
    let (mut stalled, _) = tokio_tungstenite::client_async(url, stream).await.unwrap();
    let hello = json!({ "type": "hello", "token": session.projector_token() }).to_string();
    stalled.send(Message::Text(hello.into())).await.unwrap();

    // One step change per turn (each waits for its ack, so none are coalesced): every turn
    // sends the projector a step and a progress message, far more than socket buffers and its
    // queue can hold.
    let total = 6_000;
    let started = std::time::Instant::now();
    for i in 0..total {
        facilitator
            .ok(json!({ "type": "goto", "index": 1 + i % 2 }))
            .await;
    }
    eprintln!("{total} step changes in {:?}", started.elapsed());

    // Now read what the stalled client was sent: a bounded prefix, then close 4408 (or, if its
    // writer gave up on the blocked socket first, the end of the connection).
    let mut received = 0;
    let code = loop {
        let next = tokio::time::timeout(crate::common::WAIT, stalled.next()).await;
        let next = next.unwrap_or_else(|_| panic!("not closed after {received} messages"));
        match next {
            Some(Ok(Message::Text(_))) => received += 1,
            Some(Ok(Message::Close(frame))) => break frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => {}
            Some(Err(_)) | None => break None,
        }
    };
    assert!(
        matches!(code, Some(4408) | None),
        "closed as too slow, got {code:?}"
    );
    assert!(
        received < total,
        "it was dropped before receiving everything ({received})"
    );
    // The facilitator was never affected.
    facilitator.ok(json!({ "type": "goto", "index": 2 })).await;
}

#[tokio::test]
async fn a_barrage_of_hostile_frames_gets_typed_errors_changes_nothing_and_the_connection_stays() {
    let server = TestServer::start().await;
    let session = server.create("ledergruppen").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut projector = Client::staff(&server.addr, &session.code, session.projector_token()).await;
    let mut phone = Client::join(&server.addr, &session.code, Some("Anna")).await;
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    phone.expect("step").await;
    phone
        .ok(json!({ "type": "answer", "step": "egen-trivsel", "prompt": "trivsel", "value": 6 }))
        .await;
    let seq_before = Client::staff(&server.addr, &session.code, &session.facilitator_token)
        .await
        .frames[0]["seq"]
        .clone();

    // Frames that are not a message at all: an error without an op, nothing else.
    let deep = "[".repeat(10_000);
    let unreadable: Vec<String> = vec![
        String::new(),
        "null".into(),
        "42".into(),
        "[]".into(),
        "\"answer\"".into(),
        "{".into(),
        r#"{"type":"answer""#.into(),
        r#"{"type":"answer","op":"q""#.into(),
        "{}".into(),
        r#"{"type":null}"#.into(),
        r#"{"type":42,"op":"q0"}"#.into(),
        deep,
    ];
    for frame in &unreadable {
        phone.send_raw(frame.clone()).await;
        let error = phone.expect("error").await;
        assert_eq!(error["code"], "bad_message", "{frame:.40}");
    }

    // Messages with an op: each gets an error naming it, with the documented code.
    let long_op = "o".repeat(65);
    let cases: Vec<(serde_json::Value, &str)> = vec![
        // Unknown types and actions.
        (json!({ "type": "launch", "op": "h1" }), "bad_message"),
        (
            json!({ "type": "act", "op": "h2", "step": "egen-trivsel", "action": "launch" }),
            "bad_message",
        ),
        // Missing and wrongly typed fields.
        (
            json!({ "type": "answer", "op": "h3", "step": "egen-trivsel", "prompt": "trivsel" }),
            "bad_message",
        ),
        (
            json!({ "type": "ready", "op": "h4", "step": 1, "ready": true }),
            "bad_message",
        ),
        (
            json!({ "type": "goto", "op": "h5", "index": "1" }),
            "bad_message",
        ),
        (
            json!({ "type": "goto", "op": "h6", "index": -1 }),
            "bad_message",
        ),
        (
            json!({ "type": "goto", "op": "h7", "index": 1.5 }),
            "bad_message",
        ),
        (
            json!({ "type": "timer_start", "op": "h8", "seconds": 4_294_967_296u64 }),
            "bad_message",
        ),
        (
            json!({ "type": "act", "op": "h9", "step": "egen-trivsel", "action": "share", "prompt": "et-trin", "share": "yes" }),
            "bad_message",
        ),
        (
            json!({ "type": "act", "op": "h10", "step": "prioritering", "action": "place", "topic": "tillid", "position": [1, 2, 3] }),
            "bad_message",
        ),
        // Out-of-range values and values of the wrong kind.
        (
            json!({ "type": "answer", "op": "h11", "step": "egen-trivsel", "prompt": "trivsel", "value": 11 }),
            "invalid",
        ),
        (
            json!({ "type": "answer", "op": "h12", "step": "egen-trivsel", "prompt": "trivsel", "value": 1e300 }),
            "invalid",
        ),
        (
            json!({ "type": "answer", "op": "h13", "step": "egen-trivsel", "prompt": "trivsel", "value": -9_223_372_036_854_775_807i64 }),
            "invalid",
        ),
        (
            json!({ "type": "answer", "op": "h14", "step": "egen-trivsel", "prompt": "trivsel", "value": true }),
            "invalid",
        ),
        (
            json!({ "type": "answer", "op": "h15", "step": "egen-trivsel", "prompt": "gruppen-giver", "value": [{ "id": "x y", "text": "t" }] }),
            "invalid",
        ),
        (
            json!({ "type": "answer", "op": "h16", "step": "egen-trivsel", "prompt": "gruppen-giver", "value": [{ "id": "a", "text": "t" }, { "id": "a", "text": "u" }] }),
            "invalid",
        ),
        (
            json!({ "type": "answer", "op": "h17", "step": "egen-trivsel", "prompt": "et-trin", "value": "x".repeat(2_001) }),
            "too_long",
        ),
        (
            json!({ "type": "answer", "op": "h18", "step": "egen-trivsel", "prompt": "findes-ikke", "value": 3 }),
            "invalid",
        ),
        (
            json!({ "type": "answer", "op": long_op, "step": "egen-trivsel", "prompt": "trivsel", "value": 3 }),
            "invalid",
        ),
        (
            json!({ "type": "answer", "op": "", "step": "egen-trivsel", "prompt": "trivsel", "value": 3 }),
            "invalid",
        ),
        (
            json!({ "type": "answer", "op": "tab\there", "step": "egen-trivsel", "prompt": "trivsel", "value": 3 }),
            "invalid",
        ),
        // Commands for the wrong step: later than the current one, or one that does not exist.
        (
            json!({ "type": "answer", "op": "h19", "step": "prioritering", "prompt": "tillid", "value": { "importance": 3 } }),
            "wrong_step",
        ),
        (
            json!({ "type": "act", "op": "h20", "step": "handleplan", "action": "add_row", "row": { "area": "chefen", "action": "x" } }),
            "wrong_step",
        ),
        (
            json!({ "type": "ready", "op": "h21", "step": "findes-ikke", "ready": true }),
            "wrong_step",
        ),
        (
            json!({ "type": "ready", "op": "h21b", "step": "\u{feff}egen-trivsel", "ready": true }),
            "wrong_step",
        ),
        (
            json!({ "type": "act", "op": "h22", "step": "egen-trivsel", "action": "vote", "topics": ["tillid"] }),
            "wrong_step",
        ),
        // Commands for the wrong role.
        (
            json!({ "type": "goto", "op": "h23", "index": 2 }),
            "not_allowed",
        ),
        (
            json!({ "type": "act", "op": "h24", "step": "egen-trivsel", "action": "reveal", "revealed": true }),
            "not_allowed",
        ),
        (
            json!({ "type": "act", "op": "h25", "step": "prioritering", "action": "allow_topics", "allowed": true }),
            "not_allowed",
        ),
        // An opening after the opening.
        (
            json!({ "type": "join", "op": "h26", "name": "Igen" }),
            "bad_message",
        ),
    ];
    for (msg, code) in &cases {
        phone.send(msg.clone()).await;
        let error = phone.expect("error").await;
        assert_eq!(error["code"], *code, "{msg:.120}");
        let op = msg["op"].as_str().unwrap();
        let unreadable_op = op.is_empty() || op.len() > 64 || op.contains('\t');
        // An unreadable op id, or an opening (which carries none) after the opening.
        let named = if unreadable_op || msg["type"] == "join" {
            None
        } else {
            Some(op)
        };
        assert_eq!(error["op"].as_str(), named, "{msg:.120}");
    }
    // Staff screens: the projector may not steer, the facilitator may not answer.
    for (msg, code) in [
        (json!({ "type": "goto", "index": 2 }), "not_allowed"),
        (
            json!({ "type": "act", "step": "egen-trivsel", "action": "reveal", "revealed": true }),
            "not_allowed",
        ),
    ] {
        assert_eq!(projector.refused(msg).await["code"], code);
    }
    for (msg, code) in [
        (
            json!({ "type": "answer", "step": "egen-trivsel", "prompt": "trivsel", "value": 3 }),
            "not_allowed",
        ),
        (json!({ "type": "goto", "index": 99 }), "wrong_step"),
        (
            json!({ "type": "timer_start", "seconds": 14_401 }),
            "invalid",
        ),
        (
            json!({ "type": "act", "step": "egen-trivsel", "action": "deal" }),
            "wrong_step",
        ),
    ] {
        assert_eq!(facilitator.refused(msg).await["code"], code);
    }
    // A binary frame is read as text; invalid UTF-8 is not a message.
    phone
        .ws_send(tokio_tungstenite::tungstenite::Message::Binary(
            vec![0xff, 0xfe, 0x00].into(),
        ))
        .await;
    assert_eq!(phone.expect("error").await["code"], "bad_message");

    // Nothing changed, and every connection is still there.
    let after = Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    assert_eq!(
        after.frames[0]["seq"], seq_before,
        "no refused frame stored anything"
    );
    assert_eq!(after.frames[0]["step"]["index"], 1);
    let mine = Client::resume(&server.addr, &session.code, &phone.frames[0]["me"], 0).await;
    assert_eq!(
        mine.frames[0]["me"]["answers"],
        json!({ "egen-trivsel": { "trivsel": 6 } })
    );
    phone
        .ok(json!({ "type": "ready", "step": "egen-trivsel", "ready": true }))
        .await;
    facilitator.ok(json!({ "type": "timer_stop" })).await;
    projector
        .send(json!({ "type": "timer_stop", "op": "p1" }))
        .await;
    assert_eq!(projector.reply_to("p1").await["code"], "not_allowed");
}

#[tokio::test]
async fn a_frame_over_the_transport_limit_or_a_binary_one_over_64_kib_closes_with_1009() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    for (label, frame) in [
        (
            "binary, just over 64 KiB",
            tokio_tungstenite::tungstenite::Message::Binary(vec![b' '; 64 * 1024 + 1].into()),
        ),
        (
            "text, 1 MiB",
            tokio_tungstenite::tungstenite::Message::Text("x".repeat(1 << 20).into()),
        ),
    ] {
        let mut phone = Client::join(&server.addr, &session.code, None).await;
        phone.ws_send(frame).await;
        assert_eq!(phone.closed().await, 1009, "{label}");
        // The participant comes back and goes on.
        let mut back = Client::resume(&server.addr, &session.code, &phone.frames[0]["me"], 0).await;
        back.ok(json!({ "type": "ready", "step": "velkommen", "ready": true }))
            .await;
    }
}
