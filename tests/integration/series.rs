//! Series (Del 1 → Del 2 → Del 3) and programmes changed by the facilitator at creation.

use serde_json::{Value, json};

use crate::common::{Client, TestServer};

#[tokio::test]
async fn the_series_is_listed_and_created_once_with_a_join_link_per_meeting() {
    let server = TestServer::start().await;
    let list = server.programmes().await;
    let series = list
        .iter()
        .find(|p| p["id"] == "tre-trins-raket")
        .expect("the series is listed");
    assert_eq!(series["series"], json!(["del1", "del2", "del3"]));
    assert!(
        !series["title"]["da"].as_str().unwrap().is_empty()
            && !series["title"]["en"].as_str().unwrap().is_empty()
    );

    let as_session = server
        .http
        .post(server.url("/api/sessions"))
        .json(&json!({ "programme": "tre-trins-raket" }))
        .send()
        .await
        .unwrap();
    assert_eq!(as_session.status(), 400, "a series is created as a series");
    let response = server
        .http
        .post(server.url("/api/series"))
        .json(&json!({ "series": "tre-trins-raket" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    let meetings = created["meetings"].as_array().unwrap();
    assert_eq!(meetings.len(), 3);
    let token = created["facilitator_token"].as_str().unwrap();
    let codes: Vec<&str> = meetings
        .iter()
        .map(|m| m["code"].as_str().unwrap())
        .collect();
    assert!(
        codes[0] != codes[1] && codes[1] != codes[2],
        "each meeting has its own join link"
    );
    for (meeting, programme) in meetings.iter().zip(["del1", "del2", "del3"]) {
        assert_eq!(
            meeting["facilitator_token"], token,
            "one token steers the whole series"
        );
        let info: Value = server
            .http
            .get(server.url(&format!(
                "/api/sessions/{}",
                meeting["code"].as_str().unwrap()
            )))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(info["programme"], programme);
    }
    let bad = server
        .http
        .post(server.url("/api/series"))
        .json(&json!({ "series": "nope" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn each_meeting_carries_its_shared_outcome_to_the_next_and_the_series_exports_as_one() {
    let server = TestServer::start().await;
    let created: Value = server
        .http
        .post(server.url("/api/series"))
        .json(&json!({ "series": "tre-trins-raket", "min_group": 3 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["facilitator_token"].as_str().unwrap().to_owned();
    let code = |i: usize| created["meetings"][i]["code"].as_str().unwrap().to_owned();

    // Meeting 2 (Del 2): a priority and an accepted plan row.
    let mut fac = Client::staff(&server.addr, &code(1), &token).await;
    let mut phone = Client::join(&server.addr, &code(1), None).await;
    fac.ok(json!({ "type": "goto", "index": 2 })).await;
    phone.expect("step").await;
    fac.ok(json!({ "type": "act", "step": "prioritering", "action": "prioritise", "topics": ["tillid"] })).await;
    fac.ok(json!({ "type": "goto", "index": 3 })).await;
    let row = json!({ "area": "ledergruppen", "action": "Fast sparringsmakker til alle" });
    fac.ok(json!({ "type": "act", "step": "handleplan", "action": "add_row", "row": row }))
        .await;
    drop((fac, phone));

    // Opening meeting 3 (Del 3) brings in what Del 2 raised.
    let mut del3 = Client::staff(&server.addr, &code(2), &token).await;
    let carried = loop {
        let carried = del3
            .frames
            .iter()
            .rev()
            .find(|m| m["type"] == "snapshot")
            .unwrap()["session"]["carried"]
            .clone();
        if carried.as_array().is_some_and(|c| !c.is_empty()) {
            break carried;
        }
        del3.expect("snapshot").await;
    };
    let texts: Vec<&str> = carried
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert!(texts.contains(&"Tillid i ledergruppen"), "{carried}");
    assert!(
        carried[0]["from"]["da"]
            .as_str()
            .unwrap()
            .starts_with("Del 2")
    );
    // Issue 17: Del 3 follows Del 2's plan, so it opens with its review, where the agreed row
    // is — not again in the list of what was carried in.
    assert!(
        !texts.contains(&"Fast sparringsmakker til alle"),
        "{carried}"
    );
    assert_eq!(del3.frames[0]["session"]["steps"][1]["kind"], "review");
    del3.ok(json!({ "type": "goto", "index": 1 })).await;
    let review = del3.expect("step").await;
    assert_eq!(
        review["activity"]["rows"][0]["action"],
        "Fast sparringsmakker til alle"
    );
    assert!(
        review["activity"]["rows"][0]["from"]["title"]["da"]
            .as_str()
            .unwrap()
            .starts_with("Del 2")
    );
    let phone = Client::join(&server.addr, &code(2), None).await;
    assert_eq!(
        phone.frames[0]["session"]["carried"], carried,
        "participants see it too"
    );
    assert_eq!(phone.frames[0]["session"]["series"]["position"], 2);
    assert!(
        Client::staff(&server.addr, &code(0), &token).await.frames[0]["session"]["carried"]
            .as_array()
            .unwrap()
            .is_empty(),
        "the first meeting carries nothing"
    );

    // One combined export.
    let url = server.url(&format!("/api/series/{}/export?format=json", code(0)));
    assert_eq!(server.http.get(&url).send().await.unwrap().status(), 401);
    let combined: Value = server
        .http
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        combined["title"]["da"]
            .as_str()
            .unwrap()
            .contains("tre trin")
    );
    assert_eq!(
        combined["action_plan"][0]["action"],
        "Fast sparringsmakker til alle"
    );
    // Issue 14: one entry per meeting, each with its own programme.
    let titles: Vec<&str> = combined["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["programme"]["da"].as_str().unwrap())
        .collect();
    assert!(
        titles.len() == 3 && titles[0].starts_with("Del 1") && titles[2].starts_with("Del 3"),
        "{titles:?}"
    );
    let html = server
        .http
        .get(url.replace("json", "html"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), 200);
}

#[tokio::test]
async fn a_facilitator_changes_cards_topics_and_actor_categories_when_creating() {
    let server = TestServer::start().await;
    let body = json!({
        "programme": "del2",
        "customise": {
            "dialogkort": { "cards": ["Hvad gav dig energi i denne uge?", { "da": "Hvem hjalp dig sidst?", "en": "Who helped you last?" }] },
            "prioritering": { "topics": ["Fælles sparring", "Tid til ledelse", "Klare rammer"] }
        }
    });
    let response = server
        .http
        .post(server.url("/api/sessions"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let session: crate::common::Created = response.json().await.unwrap();
    let mut fac = Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    fac.ok(json!({ "type": "goto", "index": 1 })).await;
    let cards = fac.expect("step").await;
    let deck = cards["activity"]["deck"].as_array().unwrap();
    assert_eq!(deck.len(), 2);
    assert_eq!(deck[1]["text"]["en"], "Who helped you last?");
    fac.ok(json!({ "type": "goto", "index": 2 })).await;
    let grid = fac.expect("step").await;
    let topics: Vec<&str> = grid["activity"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["text"]["da"].as_str().unwrap())
        .collect();
    assert_eq!(
        topics,
        ["Fælles sparring", "Tid til ledelse", "Klare rammer"]
    );
    // On paper too: the session's print page has its own cards and topics, not the library's.
    let printed = |version: &str, lang: &str| {
        format!(
            "/api/sessions/{}/print?version={version}&lang={lang}",
            session.code
        )
    };
    let handout = server.text(&printed("handout", "da")).await;
    let library = server
        .text("/api/programmes/del2/print?version=handout&lang=da")
        .await;
    for own in [
        "Hvad gav dig energi i denne uge?",
        "Hvem hjalp dig sidst?",
        "Fælles sparring",
    ] {
        assert!(handout.contains(own), "{own} on the session's paper");
        assert!(
            !library.contains(own),
            "{own} is the facilitator's, not the library's"
        );
    }
    assert_eq!(
        handout.matches("<div class=\"card\">").count(),
        2,
        "the two cards, no others"
    );
    let english = server.text(&printed("guide", "en")).await;
    assert!(english.contains("Who helped you last?"));
    let unknown = server
        .http
        .get(server.url("/api/sessions/ABCDEFG/print"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);

    for (customise, needle) in [
        (json!({ "nope": { "cards": ["x"] } }), "no step 'nope'"),
        (
            json!({ "prioritering": { "cards": ["x"] } }),
            "has no cards",
        ),
        (json!({ "dialogkort": { "cards": [] } }), "dialogkort"),
        (json!({ "dialogkort": { "cards": [""] } }), "1–300"),
    ] {
        let response = server
            .http
            .post(server.url("/api/sessions"))
            .json(&json!({ "programme": "del2", "customise": customise }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{customise}");
        let error: Value = response.json().await.unwrap();
        assert!(error["error"].as_str().unwrap().contains(needle), "{error}");
    }
    let del3 = server
        .http
        .post(server.url("/api/sessions"))
        .json(&json!({ "programme": "del3", "customise": { "kortet": { "categories": ["Skolebestyrelsen", "Forældre"] } } }))
        .send()
        .await
        .unwrap();
    assert_eq!(del3.status(), 201);
}
