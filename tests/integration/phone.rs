//! What issue 12 asks of phones and of the meetings around them, as the server sees it: the
//! phone's snapshot says from how many answers results show and whom the programme is for, a
//! conversation for one person refuses a reveal, the participant page's service worker may look
//! after `/j/`, and a series has a page of its own behind its facilitator token.

use serde_json::{Value, json};

use crate::common::{Client, TestServer};

#[tokio::test]
async fn the_phone_learns_from_how_many_answers_results_show() {
    let server = TestServer::start().await;
    let response = server
        .http
        .post(server.url("/api/sessions"))
        .json(&json!({ "programme": "del1", "min_group": 4 }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    let code = created["code"].as_str().unwrap();
    let phone = Client::join(&server.addr, code, None).await;
    let snapshot = &phone.frames[0];
    assert_eq!(snapshot["type"], "snapshot");
    assert_eq!(snapshot["session"]["min_group"], 4);
    assert_eq!(snapshot["session"]["participants"], "group");
}

#[tokio::test]
async fn a_conversation_for_one_refuses_a_reveal_with_a_clear_error() {
    let server = TestServer::start().await;
    let session = server.create("enkelte-leder").await;
    let mut console = Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    assert_eq!(console.frames[0]["session"]["participants"], "one");
    let mut leader = Client::join(&server.addr, &session.code, None).await;
    assert_eq!(leader.frames[0]["session"]["participants"], "one");
    console.ok(json!({ "type": "goto", "index": 1 })).await;
    leader
        .ok(json!({ "type": "answer", "step": "trivsel", "prompt": "skala", "value": 6 }))
        .await;
    let refused = console
        .refused(json!({ "type": "act", "step": "trivsel", "action": "reveal", "revealed": true }))
        .await;
    assert_eq!(refused["code"], "no_group");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("one participant"),
        "{refused}"
    );
    // A group programme still reveals.
    let group = server.create("del1").await;
    let mut other = Client::staff(&server.addr, &group.code, &group.facilitator_token).await;
    other.ok(json!({ "type": "goto", "index": 1 })).await;
    other
        .ok(json!({ "type": "act", "step": "arbejde-privat", "action": "reveal", "revealed": true }))
        .await;
}

#[tokio::test]
async fn the_service_worker_may_look_after_the_participant_pages_only() {
    let server = TestServer::start().await;
    let response = server
        .http
        .get(server.url("/static/sw.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["service-worker-allowed"], "/j/");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let page = server
        .http
        .get(server.url(&format!("/static/{}/app.css", trivsel::web::VERSION)))
        .send()
        .await
        .unwrap();
    assert!(page.headers().get("service-worker-allowed").is_none());
}

async fn series_info(server: &TestServer, code: &str, token: Option<&str>) -> reqwest::Response {
    let request = server.http.get(server.url(&format!("/api/series/{code}")));
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_series_page_lists_every_meeting_to_its_facilitator_only() {
    let server = TestServer::start().await;
    let response = server
        .http
        .post(server.url("/api/series"))
        .json(&json!({ "series": "tre-trins-raket" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    let token = created["facilitator_token"].as_str().unwrap();
    let codes: Vec<&str> = created["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        created["series_url"],
        server.url(&format!("/s/{}/series#{token}", codes[0]))
    );

    // Someone joins meeting 2, which moves on a step.
    let mut console = Client::staff(&server.addr, codes[1], token).await;
    console.ok(json!({ "type": "goto", "index": 1 })).await;
    let _phone = Client::join(&server.addr, codes[1], None).await;

    // Any meeting's code names the series.
    for code in &codes {
        let response = series_info(&server, code, Some(token)).await;
        assert_eq!(response.status(), 200);
        let info: Value = response.json().await.unwrap();
        assert_eq!(info["series"], "tre-trins-raket");
        assert_eq!(info["export_url"], created["export_url"]);
        let meetings = info["meetings"].as_array().unwrap();
        assert_eq!(meetings.len(), 3);
        for (i, (listed, made)) in meetings
            .iter()
            .zip(created["meetings"].as_array().unwrap())
            .enumerate()
        {
            assert_eq!(listed["position"], i);
            assert_eq!(listed["code"], made["code"]);
            let m = &listed["meeting"];
            assert_eq!(m["programme"], ["del1", "del2", "del3"][i]);
            assert_eq!(m["facilitator_url"], made["facilitator_url"]);
            assert_eq!(m["projector_url"], made["projector_url"]);
            assert_eq!(m["join_url"], made["join_url"]);
            assert!(m["steps"].as_u64().unwrap() > 2);
        }
        assert_eq!(meetings[0]["meeting"]["step"]["index"], 0);
        assert_eq!(meetings[0]["meeting"]["joined"], 0);
        assert_eq!(meetings[1]["meeting"]["step"]["index"], 1);
        assert_eq!(meetings[1]["meeting"]["joined"], 1);
    }

    // Without the token, or with another one, nothing is said about the series.
    let other = server.create("del1").await;
    for wrong in [None, Some("nope"), Some(other.facilitator_token.as_str())] {
        let response = series_info(&server, codes[0], wrong).await;
        assert_eq!(response.status(), 401, "{wrong:?}");
        let body = response.text().await.unwrap();
        assert!(!body.contains(codes[1]) && !body.contains("del2"), "{body}");
    }
    // An unknown code, and a meeting outside any series, are not found.
    assert_eq!(
        series_info(&server, "ZZZZZZZ", Some(token)).await.status(),
        404
    );
    assert_eq!(
        series_info(&server, &other.code, Some(&other.facilitator_token))
            .await
            .status(),
        404
    );

    // A meeting deleted since is listed by its code only.
    let deleted = server
        .http
        .delete(server.url(&format!("/api/sessions/{}", codes[2])))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let info: Value = series_info(&server, codes[0], Some(token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info["meetings"][2]["code"], codes[2]);
    assert!(info["meetings"][2]["meeting"].is_null());

    // The page itself is served like the other staff pages.
    let page = server
        .http
        .get(server.url(&format!("/s/{}/series", codes[0])))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let series_js = format!("/static/{}/series.js", trivsel::web::VERSION);
    assert!(page.text().await.unwrap().contains(&series_js));
}
