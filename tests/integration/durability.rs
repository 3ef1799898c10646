//! Kill -9 and restart: every acknowledged input is back, and screens resume by themselves.

use serde_json::json;

use crate::common::{Client, ProcessServer, create, data_dir, session_info};

#[tokio::test]
async fn after_kill_9_every_acknowledged_answer_and_position_is_back() {
    let (_keep, data) = data_dir();
    let mut server = ProcessServer::start(&data).await;
    let http = reqwest::Client::new();
    let session = create(&http, &server.url(""), "del1").await;
    let other = create(&http, &server.url(""), "enkelte-leder").await;

    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut phones = Vec::new();
    for i in 0..5 {
        phones.push(Client::join(&server.addr, &session.code, Some(&format!("Leder {i}"))).await);
    }
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    facilitator
        .ok(json!({ "type": "timer_start", "seconds": 600 }))
        .await;
    for (i, phone) in phones.iter_mut().enumerate() {
        phone.expect("step").await;
        phone.ok(json!({ "type": "answer", "step": "arbejde-privat", "prompt": "balance", "value": i + 3 })).await;
        phone
            .ok(json!({ "type": "answer", "step": "arbejde-privat", "prompt": "balance-hvorfor", "value": format!("svar nummer {i}") }))
            .await;
    }
    // One more answer is sent and acknowledged just before the kill.
    let last = &mut phones[4];
    last.ok(json!({ "type": "ready", "step": "arbejde-privat", "ready": true }))
        .await;
    let identities: Vec<_> = phones.iter().map(|p| p.frames[0]["me"].clone()).collect();
    let seqs: Vec<u64> = phones.iter().map(Client::last_seq).collect();

    server.kill();
    for phone in &mut phones {
        assert!(
            phone.next().await.is_none(),
            "the connection died with the server"
        );
    }
    let server = ProcessServer::start(&data).await;

    let info = session_info(&http, &server.url(""), &session).await;
    assert_eq!(info["step"]["id"], "arbejde-privat");
    assert_eq!(info["participants"]["joined"], 5);
    let untouched = http
        .get(server.url(&format!("/api/sessions/{}", other.code)))
        .bearer_auth(&other.facilitator_token)
        .send()
        .await
        .unwrap();
    assert_eq!(untouched.status(), 200, "every session is back");

    // Everyone stays connected: ready marks are counted for the people present.
    let mut present = Vec::new();
    for (i, (me, seq)) in identities.iter().zip(seqs).enumerate() {
        let back = Client::resume(&server.addr, &session.code, me, seq).await;
        let snapshot = &back.frames[0];
        assert_eq!(snapshot["me"]["name"], format!("Leder {i}"));
        assert_eq!(
            snapshot["me"]["answers"]["arbejde-privat"]["balance"],
            i + 3
        );
        assert_eq!(
            snapshot["me"]["answers"]["arbejde-privat"]["balance-hvorfor"],
            format!("svar nummer {i}")
        );
        assert_eq!(snapshot["step"]["index"], 1);
        assert!(
            snapshot["timer"]["ends_at"].is_i64(),
            "the countdown survived"
        );
        present.push(back);
    }
    let staff = Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    assert_eq!(staff.frames[0]["progress"]["ready"], 1);
    assert_eq!(staff.frames[0]["progress"]["answers"]["balance"], 5);
}

#[tokio::test]
async fn a_long_session_restarts_from_its_snapshot_plus_the_events_after_it() {
    let (_keep, data) = data_dir();
    let mut server = ProcessServer::start(&data).await;
    let http = reqwest::Client::new();
    let session = create(&http, &server.url(""), "del1").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut phone = Client::join(&server.addr, &session.code, None).await;
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    phone.expect("step").await;
    // A phone answers a hundred times (its burst allowance), then the facilitator moves back
    // and forth until the log has passed the snapshot interval (1000 events) and then some.
    for i in 0..100 {
        let value = i % 10 + 1;
        let op = format!("s{i}");
        phone.send(json!({ "type": "answer", "op": op, "step": "arbejde-privat", "prompt": "balance", "value": value })).await;
        if i % 50 == 49 {
            phone.reply_to(&op).await;
        }
    }
    for i in 0..1_150 {
        let index = if i % 2 == 0 { 2 } else { 1 };
        facilitator
            .ok(json!({ "type": "goto", "index": index }))
            .await;
    }
    let me = phone.frames[0]["me"].clone();
    server.kill();
    let server = ProcessServer::start(&data).await;
    let back = Client::resume(&server.addr, &session.code, &me, 0).await;
    assert_eq!(
        back.frames[0]["me"]["answers"]["arbejde-privat"]["balance"],
        99 % 10 + 1
    );
    assert_eq!(back.frames[0]["step"]["index"], 1);
    assert_eq!(
        back.frames[0]["seq"],
        1 + 1 + 100 + 1_150,
        "join, goto, every answer and every step change"
    );
    // Operation ids from before the snapshot still dedupe.
    let mut back = back;
    back.send(json!({ "type": "answer", "op": "s3", "step": "arbejde-privat", "prompt": "balance", "value": 10 })).await;
    assert_eq!(back.reply_to("s3").await["seq"], 1 + 1 + 100 + 1_150);
}

#[tokio::test]
async fn a_bad_flag_an_unwritable_data_dir_or_a_busy_port_give_one_line_and_fail() {
    let binary = env!("CARGO_BIN_EXE_trivsel");
    let run = |args: &[&str]| {
        std::process::Command::new(binary)
            .args(args)
            .output()
            .unwrap()
    };

    let bad_flag = run(&["--no-such-flag"]);
    assert!(!bad_flag.status.success());
    let stderr = String::from_utf8(bad_flag.stderr).unwrap();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("--no-such-flag"));

    let file = tempfile::NamedTempFile::new().unwrap();
    let not_a_dir = file.path().join("data");
    let unwritable = run(&[
        "--addr",
        "127.0.0.1:0",
        "--data",
        not_a_dir.to_str().unwrap(),
    ]);
    assert!(!unwritable.status.success());
    let stderr = String::from_utf8(unwritable.stderr).unwrap();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("data directory"), "{stderr}");

    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let (_keep, data) = data_dir();
    let taken = run(&["--addr", &addr, "--data", data.to_str().unwrap()]);
    assert!(!taken.status.success());
    let stderr = String::from_utf8(taken.stderr).unwrap();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot listen on"), "{stderr}");

    let bad_url = run(&["--public-url", "ftp://x"]);
    assert!(!bad_url.status.success());
    assert_eq!(
        String::from_utf8(bad_url.stderr)
            .unwrap()
            .trim()
            .lines()
            .count(),
        1
    );
}

#[tokio::test]
async fn programmes_come_from_a_content_folder_and_broken_content_is_refused_precisely() {
    let binary = env!("CARGO_BIN_EXE_trivsel");
    let content = tempfile::tempdir().unwrap();
    std::fs::write(
        content.path().join("egen.toml"),
        r#"id = "egen"
title = { da = "Vores eget program", en = "Our own programme" }

[[steps]]
id = "start"
kind = "info"
title = { da = "Velkommen", en = "Welcome" }

[[steps]]
id = "slut"
kind = "end"
title = { da = "Tak", en = "Thanks" }
"#,
    )
    .unwrap();
    let (_keep, data) = data_dir();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(binary)
        .env("TRIVSEL_ADDR", format!("127.0.0.1:{port}"))
        .env("TRIVSEL_DATA", &data)
        .env("TRIVSEL_CONTENT", content.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let mut listed = None;
    for _ in 0..200 {
        if let Ok(r) = http
            .get(format!("http://127.0.0.1:{port}/api/programmes"))
            .send()
            .await
        {
            listed = Some(r.json::<serde_json::Value>().await.unwrap());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let listed = listed.expect("the server came up with the environment's settings");
    let ids: Vec<_> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["egen"], "only the folder's programmes");

    std::fs::write(
        content.path().join("zz-broken.toml"),
        "id = \"x\"\ntitle = { da = \"X\" en = \"X\" }\n",
    )
    .unwrap();
    let broken = std::process::Command::new(binary)
        .args(["--addr", "127.0.0.1:0", "--data"])
        .arg(&data)
        .arg("--content")
        .arg(content.path())
        .output()
        .unwrap();
    assert!(!broken.status.success());
    let stderr = String::from_utf8(broken.stderr).unwrap();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("zz-broken.toml, line 2"), "{stderr}");
}
