//! The room as people see it (issue 12): a countdown belongs to its step and the closing step
//! has none, ready counts count the people present, passing a card names nobody on a shared
//! screen, results revealed early show once `min_group` answered and say what waits, and a typed
//! join code is checked before the start page leaves for it.

use serde_json::{Value, json};

use crate::common::{Client, TestServer};

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
async fn a_countdown_stops_when_its_step_ends_and_the_closing_step_has_none() {
    let server = TestServer::start().await;
    let session = server.create("del2").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut phone = Client::join(&server.addr, &session.code, None).await;
    facilitator
        .ok(json!({ "type": "timer_start", "seconds": 360 }))
        .await;
    assert!(phone.expect("timer").await["timer"]["ends_at"].is_i64());

    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    let stopped = phone
        .until("the countdown stops with its step", |m| {
            m["type"] == "timer"
        })
        .await;
    assert!(stopped["timer"].is_null(), "{stopped}");
    let late = Client::join(&server.addr, &session.code, None).await;
    assert!(
        late.frames[0]["timer"].is_null(),
        "a newcomer sees no old countdown"
    );

    let end = facilitator.frames[0]["session"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .position(|s| s["kind"] == "end")
        .unwrap();
    facilitator
        .ok(json!({ "type": "goto", "index": end }))
        .await;
    let refused = facilitator
        .refused(json!({ "type": "timer_start", "seconds": 60 }))
        .await;
    assert_eq!(refused["code"], "wrong_step", "{refused}");
}

#[tokio::test]
async fn ready_counts_count_the_people_present_not_those_who_left() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    let step = facilitator.until("step", |m| m["type"] == "step").await["step"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut phones = Vec::new();
    for _ in 0..4 {
        phones.push(Client::join(&server.addr, &session.code, None).await);
    }
    for phone in &mut phones[..3] {
        phone
            .ok(json!({ "type": "ready", "step": step, "ready": true }))
            .await;
    }
    facilitator
        .until("three of four ready", |m| {
            m["type"] == "progress" && m["ready"] == 3 && m["connected"] == 4
        })
        .await;

    // One who was ready leaves: they are neither waited for nor counted as ready.
    phones.remove(0).vanish();
    facilitator
        .until("two of three present ready", |m| {
            m["type"] == "progress" && m["connected"] == 3
        })
        .await;
    let progress = last_progress(&facilitator);
    assert_eq!(
        (
            &progress["ready"],
            &progress["connected"],
            &progress["joined"]
        ),
        (&json!(2), &json!(3), &json!(4)),
        "{progress}"
    );
}

#[tokio::test]
async fn passing_a_card_names_nobody_on_the_projector_or_the_phones() {
    let server = TestServer::start().await;
    let session = server.create("del2").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut projector = Client::staff(&server.addr, &session.code, session.projector_token()).await;
    let mut holder = Client::join(&server.addr, &session.code, Some("Mette")).await;
    let mut other = Client::join(&server.addr, &session.code, Some("Jens")).await;
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    let deal = json!({ "type": "act", "step": "dialogkort", "action": "deal", "to": "turn" });
    facilitator.ok(deal).await;
    let dealt = projector
        .until("dealt", |m| {
            m["type"] == "activity" && m["activity"]["dealt_count"] == 1
        })
        .await;
    assert_eq!(
        dealt["activity"]["current"]["to"]["name"], "Mette",
        "the holder of a card in play is named"
    );
    holder
        .ok(json!({ "type": "act", "step": "dialogkort", "action": "pass" }))
        .await;

    let passed = |m: &Value| m["type"] == "activity" && m["activity"]["current"]["passed"] == true;
    for (screen, who) in [(&mut projector, "projector"), (&mut other, "phone")] {
        let m = screen.until("passed", passed).await;
        assert!(
            m["activity"]["current"]["to"].is_null(),
            "{who} is told whose card was passed: {m}"
        );
        assert!(!m.to_string().contains("Mette"), "{who}: {m}");
    }
    let m = holder.until("passed", passed).await;
    assert!(m["activity"]["current"]["to"].is_null(), "{m}");
    let m = facilitator.until("passed", passed).await;
    assert_eq!(
        m["activity"]["current"]["to"]["name"], "Mette",
        "the facilitator still knows"
    );
}

#[tokio::test]
async fn results_revealed_before_anyone_answered_show_once_min_group_have_and_say_what_waits() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut projector = Client::staff(&server.addr, &session.code, session.projector_token()).await;
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    facilitator
        .ok(json!({ "type": "act", "step": "arbejde-privat", "action": "reveal", "revealed": true }))
        .await;
    let mut phones = Vec::new();
    for value in [3, 7, 7, 9] {
        let mut phone = Client::join(&server.addr, &session.code, None).await;
        phone
            .ok(json!({ "type": "answer", "step": "arbejde-privat", "prompt": "balance", "value": value }))
            .await;
        phones.push(phone);
    }
    // Three answers (min_group) show at once; the fourth alone would show one person's answer,
    // so it waits, and the screen says so.
    let shown = projector
        .until("three answers shown and one waiting", |m| {
            let scale = &m["activity"]["scales"][0];
            m["type"] == "activity" && scale["n"] == 3 && scale["waiting"] == 1
        })
        .await;
    let scale = &shown["activity"]["scales"][0];
    assert_eq!(
        scale["counts"],
        json!([0, 0, 1, 0, 0, 0, 2, 0, 0, 0]),
        "the first three answers: {shown}"
    );
    // Two more people change theirs: three differ from what is shown, and all show together.
    for (phone, value) in phones.iter_mut().zip([4, 8]) {
        phone
            .ok(json!({ "type": "answer", "step": "arbejde-privat", "prompt": "balance", "value": value }))
            .await;
    }
    let moved = projector
        .until("four answers shown", |m| {
            m["type"] == "activity" && m["activity"]["scales"][0]["n"] == 4
        })
        .await;
    let scale = &moved["activity"]["scales"][0];
    assert_eq!(
        scale["counts"],
        json!([0, 0, 0, 1, 0, 0, 1, 1, 1, 0]),
        "{moved}"
    );
    assert_eq!(scale["waiting"], 0);
}

#[tokio::test]
async fn a_typed_join_code_is_checked_before_the_start_page_leaves_for_it() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let http = reqwest::Client::new();
    let typed = format!(
        "{}-{}",
        session.code[..3].to_lowercase(),
        session.code[3..].to_lowercase()
    );
    let found = http
        .get(server.url(&format!("/api/sessions/{typed}/join")))
        .send()
        .await
        .unwrap();
    assert_eq!(found.status(), 200);
    let body: Value = found.json().await.unwrap();
    assert_eq!(
        body,
        json!({ "code": session.code }),
        "the code as the session spells it"
    );
    let wrong = http
        .get(server.url("/api/sessions/ZZZZZZZ/join"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404);
}
