//! For those who run trivsel: `/metrics` (from this machine or with `--metrics-token` only) and
//! `trivsel backup FILE` (a consistent copy of the SQLite store, taken while the server writes,
//! that a server started on it restores from).

use std::process::Command;

use serde_json::json;

use crate::common::{Client, ProcessServer, TestServer, data_dir, http_from};

#[tokio::test]
async fn metrics_count_sessions_sockets_operations_and_commits_for_this_machine_only() {
    let server = TestServer::start_configured(tempfile::tempdir().unwrap(), |config| {
        config.metrics_token = Some("a-metrics-token-of-some-length".into());
        config.trusted_proxy = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let session = server.create("ledergruppen").await;
    let mut staff = Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    staff.ok(json!({ "type": "goto", "index": 1 })).await;
    // A request of another site, refused.
    let foreign = server
        .http
        .post(server.url("/api/sessions"))
        .header("Origin", "https://evil.example")
        .json(&json!({ "programme": "ledergruppen" }))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    let page = server.text("/metrics").await;
    for line in [
        "# TYPE trivsel_sessions gauge",
        "# TYPE trivsel_connections gauge",
        "trivsel_operations_total{result=\"acked\"}",
        "# TYPE trivsel_store_commit_seconds histogram",
        "trivsel_store_commit_seconds_bucket{le=",
        "trivsel_rejected_requests_total{reason=\"foreign_origin\"}",
        "# EOF",
    ] {
        assert!(page.contains(line), "{line} in\n{page}");
    }
    let value = |name: &str| -> f64 {
        page.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in\n{page}"))
    };
    assert!(value("trivsel_sessions ") >= 1.0);
    assert!(value("trivsel_connections ") >= 1.0);
    assert!(value("trivsel_store_commit_seconds_count ") >= 2.0);
    let response = server
        .http
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );

    // Through a proxy on this machine, or from another address: not without the token.
    let proxied = server
        .http
        .get(server.url("/metrics"))
        .header("X-Forwarded-For", "192.0.2.7")
        .send()
        .await
        .unwrap();
    assert_eq!(proxied.status(), 404);
    let elsewhere = http_from("127.0.0.2".parse().unwrap());
    let remote = elsewhere.get(server.url("/metrics")).send().await.unwrap();
    assert_eq!(remote.status(), 200, "127.0.0.2 is this machine too");
    let with_token = server
        .http
        .get(server.url("/metrics"))
        .header("X-Forwarded-For", "192.0.2.7")
        .bearer_auth("a-metrics-token-of-some-length")
        .send()
        .await
        .unwrap();
    assert_eq!(with_token.status(), 200);
    let wrong = server
        .http
        .get(server.url("/metrics"))
        .header("X-Forwarded-For", "192.0.2.7")
        .bearer_auth("not-the-metrics-token-at-all")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_the_server_writes_restores_what_was_acknowledged_before_it() {
    let (_keep, data) = data_dir();
    let server = ProcessServer::start(&data).await;
    let http = reqwest::Client::new();
    let session = crate::common::create(&http, &server.url(""), "ledergruppen").await;
    let mut staff = Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    staff.ok(json!({ "type": "goto", "index": 1 })).await;
    let mut before = Client::join(&server.addr, &session.code, Some("before")).await;
    let answer =
        json!({ "type": "answer", "step": "egen-trivsel", "prompt": "trivsel", "value": 7 });
    before.ok(answer).await;
    let me = before.frames[0]["me"].clone();

    // A phone keeps answering while the copy is taken.
    let addr = server.addr.clone();
    let code = session.code.clone();
    let writing = tokio::spawn(async move {
        let mut busy = Client::join(&addr, &code, Some("Travl")).await;
        for n in 0..100 {
            tokio::time::sleep(std::time::Duration::from_millis(15)).await;
            let value = n % 10 + 1;
            busy.ok(json!({ "type": "answer", "step": "egen-trivsel", "prompt": "trivsel", "value": value }))
                .await;
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copy.sqlite3");
    let backup = |file: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_trivsel"))
            .arg("--data")
            .arg(&data)
            .arg("backup")
            .arg(file)
            .output()
            .unwrap()
    };
    let made = backup(&file);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    writing.await.unwrap();
    let again = backup(&file);
    assert!(
        !again.status.success(),
        "an existing file is not overwritten"
    );
    let said = String::from_utf8_lossy(&again.stderr);
    assert_eq!(said.lines().count(), 1, "one line: {said}");
    assert!(said.contains("exists already"), "{said}");

    // Restored: a server started on the copy has the session, the answer given before it.
    let restored = dir.path().join("restored");
    std::fs::create_dir(&restored).unwrap();
    std::fs::rename(&file, restored.join("trivsel.sqlite3")).unwrap();
    let second = ProcessServer::start(&restored).await;
    let back = Client::resume(&second.addr, &session.code, &me, 0).await;
    assert_eq!(
        back.frames[0]["me"]["answers"]["egen-trivsel"]["trivsel"],
        7
    );
    let staff = Client::staff(&second.addr, &session.code, &session.facilitator_token).await;
    assert!(staff.frames[0]["progress"]["joined"].as_u64().unwrap() >= 1);
}
