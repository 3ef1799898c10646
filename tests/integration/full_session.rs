//! One whole session: a facilitator, a projector and 30 participants from join to end.

use serde_json::json;

use crate::common::{Client, TestServer, session_info};

#[tokio::test]
async fn thirty_leaders_run_del1_from_join_to_end() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut projector = Client::staff(&server.addr, &session.code, session.projector_token()).await;
    let steps = facilitator.frames[0]["session"]["steps"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(steps.len(), 4);

    let mut phones = Vec::new();
    for i in 0..30 {
        let name = (i % 3 == 0).then(|| format!("Leder {i}"));
        phones.push(Client::join(&server.addr, &session.code, name.as_deref()).await);
    }
    projector
        .until("30 joined on the projector", |m| {
            m["type"] == "progress" && m["joined"] == 30 && m["connected"] == 30
        })
        .await;

    for index in 1..steps.len() {
        facilitator
            .ok(json!({ "type": "goto", "index": index }))
            .await;
        let step = facilitator.expect("step").await["step"].clone();
        projector
            .until("step on projector", |m| {
                m["type"] == "step" && m["step"]["index"] == index
            })
            .await;
        if step["kind"] == "reflection" {
            facilitator
                .ok(json!({ "type": "timer_start", "seconds": 120 }))
                .await;
        }
        for (i, phone) in phones.iter_mut().enumerate() {
            let seen = phone.expect("step").await;
            assert_eq!(seen["step"]["index"], index);
            for prompt in seen["step"]["prompts"].as_array().unwrap() {
                let text = format!("tanke {i} om {}", prompt["id"]);
                let value = match prompt["kind"].as_str().unwrap() {
                    "scale" => json!(i % 10 + 1),
                    "text" => json!(text),
                    "list" => json!([{ "id": "i1", "text": text }]),
                    "circles" => json!({
                        "now": { "work": 70, "private": 30 + i, "overlap": 10 },
                        "wanted": { "work": 50, "private": 50, "overlap": i }
                    }),
                    other => panic!("a prompt kind this test does not know: {other}"),
                };
                phone.ok(json!({ "type": "answer", "step": seen["step"]["id"], "prompt": prompt["id"], "value": value })).await;
            }
            phone
                .ok(json!({ "type": "ready", "step": seen["step"]["id"], "ready": true }))
                .await;
        }
        let progress = projector
            .until("everyone ready", |m| {
                m["type"] == "progress" && m["ready"] == 30
            })
            .await;
        for count in progress["answers"].as_object().unwrap().values() {
            assert_eq!(count, 30);
        }
        if step["kind"] == "reflection" {
            facilitator.ok(json!({ "type": "timer_stop" })).await;
        }
    }

    let info = session_info(&server.http, &server.url(""), &session).await;
    assert_eq!(info["step"]["kind"], "end");
    assert_eq!(info["participants"]["joined"], 30);
    assert_eq!(info["participants"]["connected"], 30);
    // Every third leader gave a name: those ten are listed, in the order they joined.
    let named: Vec<&str> = info["participants"]["named"]
        .as_array()
        .unwrap()
        .iter()
        .inspect(|p| assert_eq!(p["connected"], true))
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (0..30).step_by(3).map(|i| format!("Leder {i}")).collect();
    assert_eq!(named, expected);
    // No phone ever saw another phone's text.
    for (i, phone) in phones.iter().enumerate() {
        for frame in &phone.raw {
            for j in (0..30).filter(|j| *j != i) {
                assert!(
                    !frame.contains(&format!("tanke {j} om")),
                    "phone {i} saw phone {j}'s text"
                );
            }
        }
    }
    for frame in facilitator.raw.iter().chain(&projector.raw) {
        assert!(
            !frame.contains("tanke "),
            "staff saw a private answer: {frame}"
        );
    }
}
