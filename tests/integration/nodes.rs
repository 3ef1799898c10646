//! Several nodes on one PostgreSQL (see `postgres`): a session is run by one node at a time,
//! whichever asks first; the others answer `503` with `Retry-After`, on HTTP and on the
//! WebSocket upgrade alike; a node that stops hands its sessions back; a series whose meetings
//! run on different nodes still carries, prunes and exports across them.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{Client, TestServer};
use crate::postgres;

/// A node (in this process) on the database `url`.
pub async fn node(url: &str) -> TestServer {
    let url = url.to_owned();
    TestServer::start_configured(tempfile::tempdir().unwrap(), move |config| {
        config.database = Some(url.parse().unwrap())
    })
    .await
}

/// Asks `server` for the session `code` with its facilitator token: the status, and whether a
/// `503` said when to ask again.
async fn ask(server: &TestServer, code: &str, token: &str) -> (u16, bool) {
    let response = server
        .http
        .get(server.url(&format!("/api/sessions/{code}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let retry = response.headers().get("retry-after").is_some();
    (response.status().as_u16(), retry)
}

/// The advisory locks held on `code`'s key, by anyone.
async fn holders(db: &tokio_postgres::Client, code: &str) -> i64 {
    let key = trivsel::store::postgres::lock_key(&trivsel::domain::JoinCode::parse(code).unwrap());
    db.query_one(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
         AND classid = $1 AND objid = $2 AND objsubid = 1",
        &[&((key >> 32) as u32), &(key as u32)],
    )
    .await
    .unwrap()
    .get(0)
}

/// Both nodes are asked for every session at once, many times over: for each session exactly
/// one node answers (all of its requests), the other answers only `503` with `Retry-After`, and
/// exactly one lock is held on it. Returns, by code, the node (0 or 1) that won.
async fn race(
    nodes: [&TestServer; 2],
    sessions: &[(String, String)],
    db: &tokio_postgres::Client,
) -> BTreeMap<String, usize> {
    let mut winners = BTreeMap::new();
    for (code, token) in sessions {
        let asks = (0..12).map(|i| {
            let node = nodes[i % 2];
            async move { (i % 2, ask(node, code, token).await) }
        });
        let answers = futures_util::future::join_all(asks).await;
        let mut ran = [false, false];
        for (n, (status, retry)) in &answers {
            match status {
                200 => ran[*n] = true,
                503 => assert!(*retry, "a 503 says when to ask again"),
                other => panic!("{code}: node {n} answered {other}"),
            }
        }
        assert!(
            ran[0] != ran[1],
            "{code}: exactly one node runs the session: {answers:?}"
        );
        let winner = usize::from(ran[1]);
        assert!(
            answers
                .iter()
                .all(|(n, (status, _))| (*n == winner) == (*status == 200)),
            "{code}: every request to the winner succeeds, none to the other: {answers:?}"
        );
        // The socket too: the winner opens it, the other refuses the upgrade with 503.
        let mut staff = Client::staff(&nodes[winner].addr, code, token).await;
        staff.ok(json!({ "type": "goto", "index": 1 })).await;
        let refused = tokio_tungstenite::connect_async(format!(
            "ws://{}/api/sessions/{code}/ws",
            nodes[1 - winner].addr
        ))
        .await;
        match refused {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 503);
                assert!(response.headers().contains_key("retry-after"));
            }
            other => panic!("{code}: the other node let a socket in: {other:?}"),
        }
        assert_eq!(holders(db, code).await, 1, "{code}: one lock");
        winners.insert(code.clone(), winner);
    }
    winners
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_racing_for_one_session_never_both_run_it() {
    let Some(url) = postgres::database().await else {
        return;
    };
    let db = postgres::connect(&url).await;
    let a = node(&url).await;
    let b = node(&url).await;
    // Created through one node, run by none yet: the first to be asked takes it.
    let mut sessions = Vec::new();
    for _ in 0..10 {
        let created = a.create("ledergruppen").await;
        sessions.push((created.code, created.facilitator_token));
    }
    let winners = race([&a, &b], &sessions, &db).await;
    println!("first race: {winners:?}");

    // The node that ran most of them stops: it hands them back, and the other node races a
    // third one for them. The stopped node's writes are over; the session goes on as it was.
    let most_on_a = winners.values().filter(|w| **w == 0).count() * 2 >= winners.len();
    let (stopped, stays) = if most_on_a { (a, b) } else { (b, a) };
    drop(stopped);
    let c = node(&url).await;
    let handed: Vec<(String, String)> = sessions
        .iter()
        .filter(|(code, _)| winners[code] == usize::from(!most_on_a))
        .cloned()
        .collect();
    let released = tokio::time::Instant::now() + Duration::from_secs(10);
    for (code, _) in &handed {
        while holders(&db, code).await != 0 {
            assert!(
                tokio::time::Instant::now() < released,
                "{code} was not handed back"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let winners = race([&stays, &c], &handed, &db).await;
    println!("second race: {winners:?}");
    for (code, token) in &handed {
        let runner = if winners[code] == 0 { &stays } else { &c };
        let info: Value = runner
            .http
            .get(runner.url(&format!("/api/sessions/{code}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(info["step"]["index"], 1, "{code} goes on where it was");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_series_run_on_two_nodes_carries_prunes_and_exports_across_them() {
    let Some(url) = postgres::database().await else {
        return;
    };
    let a = node(&url).await;
    let b = node(&url).await;
    let created: Value = a
        .http
        .post(a.url("/api/series"))
        .json(&json!({ "series": "tre-trins-raket", "min_group": 3 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["facilitator_token"].as_str().unwrap().to_owned();
    let code = |i: usize| created["meetings"][i]["code"].as_str().unwrap().to_owned();

    // Meeting 2 on node A: a priority and a plan row.
    let mut fac = Client::staff(&a.addr, &code(1), &token).await;
    fac.ok(json!({ "type": "goto", "index": 2 })).await;
    fac.ok(json!({ "type": "act", "step": "prioritering", "action": "prioritise", "topics": ["tillid"] })).await;
    fac.ok(json!({ "type": "goto", "index": 3 })).await;
    let row = json!({ "area": "ledergruppen", "action": "Fast sparringsmakker til alle" });
    fac.ok(json!({ "type": "act", "step": "handleplan", "action": "add_row", "row": row }))
        .await;

    // Meeting 3 on node B brings in what meeting 2 (on node A) raised.
    let mut del3 = Client::staff(&b.addr, &code(2), &token).await;
    let (status, _) = ask(&a, &code(2), &token).await;
    assert_eq!(status, 503, "meeting 3 is node B's");
    let carried_now = |client: &Client| {
        client
            .frames
            .iter()
            .rev()
            .find(|m| m["type"] == "snapshot")
            .unwrap()["session"]["carried"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    while carried_now(&del3).is_empty() {
        del3.expect("snapshot").await;
    }
    let texts: Vec<String> = carried_now(&del3)
        .iter()
        .map(|c| c["text"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        texts.iter().any(|t| t == "Tillid i ledergruppen"),
        "{texts:?}"
    );
    // Meeting 3 follows meeting 2's plan (issue 17): the agreed row is in its review, brought
    // from node A.
    del3.ok(json!({ "type": "goto", "index": 1 })).await;
    let review = del3.expect("step").await;
    assert_eq!(review["activity"]["kind"], "review", "{review}");
    assert_eq!(
        review["activity"]["rows"][0]["action"], "Fast sparringsmakker til alle",
        "{review}"
    );

    // The series page and the series report, asked on node A, show meeting 3 (node B's) too.
    let series: Value = a
        .http
        .get(a.url(&format!("/api/series/{}", code(0))))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let meetings = series["meetings"].as_array().unwrap();
    assert!(meetings.iter().all(|m| !m["meeting"].is_null()), "{series}");
    let report = a
        .http
        .get(a.url(&format!("/api/series/{}/export?format=md", code(0))))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), 200);
    let report = report.text().await.unwrap();
    assert!(report.contains("Fast sparringsmakker til alle"), "{report}");

    // Deleting meeting 2 (on node A) erases its copies in meeting 3 on node B.
    drop(fac);
    let deleted = a
        .http
        .delete(a.url(&format!("/api/sessions/{}", code(1))))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    while !carried_now(&del3).is_empty() {
        del3.expect("snapshot").await;
    }
}
