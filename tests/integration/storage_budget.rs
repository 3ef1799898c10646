//! A storage budget per session (issue 13, point 5): once what a session holds reaches
//! `--max-session-mib`, participants' commands are refused with a typed `storage_budget` error
//! while the facilitator can still move the room on, export and delete; answers changed again
//! and again never spend it (the session compacts to a snapshot before refusing).

use serde_json::json;

use crate::common::{Client, TestServer};

#[tokio::test]
async fn a_session_over_its_budget_refuses_participants_but_not_the_facilitator() {
    let data = tempfile::tempdir().unwrap();
    // Nothing fits: the first stored event spends it.
    let server = TestServer::start_configured(data, |c| c.max_session_bytes = 1).await;
    let session = server.create("del1").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut phone = Client::join(&server.addr, &session.code, None).await;
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    phone.expect("step").await;
    let refused = phone
        .refused(json!({ "type": "answer", "step": "arbejde-privat", "prompt": "balance-hvorfor", "value": "for meget" }))
        .await;
    assert_eq!(refused["code"], "storage_budget", "{refused}");
    // The facilitator goes on, forgetting still removes, the export still answers.
    facilitator.ok(json!({ "type": "goto", "index": 2 })).await;
    phone.ok(json!({ "type": "forget_me" })).await;
    let export = server
        .http
        .get(server.url(&format!(
            "/api/sessions/{}/export?format=json",
            session.code
        )))
        .bearer_auth(&session.facilitator_token)
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
}

#[tokio::test]
async fn answers_changed_again_and_again_never_spend_the_budget() {
    let data = tempfile::tempdir().unwrap();
    let budget = 200_000;
    let server = TestServer::start_configured(data, |c| c.max_session_bytes = budget).await;
    let session = server.create("del1").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut phones = Vec::new();
    for _ in 0..3 {
        phones.push(Client::join(&server.addr, &session.code, None).await);
    }
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    // Three people each rewrite one long answer 90 times: about 400 kB of events, twice the
    // budget, for a state of three answers.
    let mut written = 0;
    for (p, phone) in phones.iter_mut().enumerate() {
        phone.expect("step").await;
        for i in 0..90 {
            let value = format!("{p} {i} {}", "overvejelse ".repeat(125));
            written += value.len();
            let op = format!("p{p}-{i}");
            phone.send(json!({ "type": "answer", "op": op, "step": "arbejde-privat", "prompt": "balance-hvorfor", "value": value })).await;
        }
    }
    assert!(written > 2 * budget, "{written}");
    for (p, phone) in phones.iter_mut().enumerate() {
        for i in 0..90 {
            let reply = phone.reply_to(&format!("p{p}-{i}")).await;
            assert_eq!(reply["type"], "ack", "answer {i} of phone {p}: {reply}");
        }
    }
}
