//! Tidy edges (issue 13, point 7): names and texts kept in one Unicode form and refused when
//! they would deceive the room; an unreadable token looks like an unknown one; a wrong secret
//! is `401`; every error body is `{"error": …}`; two deletes at once are one deletion.

use serde_json::{Value, json};

use crate::common::{Client, TestServer};

/// A participant's first message and the error frame it gets, read off a fresh socket.
async fn opening_refused(server: &TestServer, code: &str, opening: Value) -> Value {
    let mut client = Client::connect(&server.addr, code, "refused").await;
    client.send(opening).await;
    let error = client.expect("error").await;
    assert_eq!(client.closed().await, 4400, "{error}");
    error
}

#[tokio::test]
async fn names_and_texts_are_kept_in_one_form_and_deceptive_ones_are_refused() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;

    // Invisible-only names and names that turn the reading direction are refused by name.
    for (name, code) in [
        ("\u{200B}\u{200B}", "invisible_text"),
        (" \u{FEFF}\u{2060} ", "invisible_text"),
        ("Mette\u{202E}tsinortkele", "reordering_text"),
        ("\u{2066}Lone\u{2069}", "reordering_text"),
    ] {
        let error = opening_refused(
            &server,
            &session.code,
            json!({ "type": "join", "name": name }),
        )
        .await;
        assert_eq!(error["code"], code, "{name:?}: {error}");
    }

    // A name typed as e + combining accent is kept precomposed (NFC), as the room reads it.
    let mut phone = Client::connect(&server.addr, &session.code, "rene").await;
    phone
        .send(json!({ "type": "join", "name": "Rene\u{0301}" }))
        .await;
    phone.expect("snapshot").await;
    assert_eq!(phone.frames[0]["me"]["name"], "Ren\u{00E9}");
    let me = phone.frames[0]["me"].clone();

    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    phone.expect("step").await;
    let answer = |value: &str| json!({ "type": "answer", "step": "arbejde-privat", "prompt": "balance-hvorfor", "value": value });
    phone.ok(answer("Mere tid til fa\u{030A}r")).await;
    for (value, code) in [
        ("\u{200B}", "invisible_text"),
        ("Alt er godt \u{202E}tdi", "reordering_text"),
    ] {
        let error = phone.refused(answer(value)).await;
        assert_eq!(error["code"], code, "{value:?}: {error}");
    }
    // What was saved before the refusals is still there, in NFC.
    drop(phone);
    let back = Client::resume(&server.addr, &session.code, &me, 0).await;
    assert_eq!(
        back.frames[0]["me"]["answers"]["arbejde-privat"]["balance-hvorfor"],
        "Mere tid til f\u{00E5}r"
    );
}

#[tokio::test]
async fn an_unreadable_token_or_secret_closes_like_an_unknown_one() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let phone = Client::join(&server.addr, &session.code, None).await;
    let id = phone.frames[0]["me"]["id"].clone();
    for opening in [
        json!({ "type": "hello", "token": "not a token" }),
        json!({ "type": "hello", "token": "" }),
        json!({ "type": "resume", "participant": id, "secret": "short" }),
        json!({ "type": "resume", "participant": "nobody!", "secret": "f".repeat(40) }),
        // And the unknown ones it must look like.
        json!({ "type": "hello", "token": "a".repeat(40) }),
        json!({ "type": "resume", "participant": id, "secret": "f".repeat(40) }),
    ] {
        let mut client = Client::connect(&server.addr, &session.code, "unreadable").await;
        client.send(opening.clone()).await;
        assert_eq!(client.closed().await, 4401, "{opening}");
        assert!(
            client.frames.is_empty(),
            "no error frame tells the two apart: {opening} got {:?}",
            client.frames
        );
    }
}

#[tokio::test]
async fn a_personal_plan_with_a_wrong_secret_is_unauthorized_not_missing() {
    let server = TestServer::start().await;
    let session = server.create("enkelte-leder").await;
    let phone = Client::join(&server.addr, &session.code, None).await;
    let id = phone.frames[0]["me"]["id"].as_str().unwrap().to_owned();
    let url = server.url(&format!(
        "/api/sessions/{}/personal-plan?format=html",
        session.code
    ));
    for credential in [
        format!("{id}:{}", "0".repeat(40)),
        format!("p999:{}", "0".repeat(40)),
        format!("{id}:short"),
    ] {
        let response = server
            .http
            .get(&url)
            .bearer_auth(&credential)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{credential}");
        let body: Value = response.json().await.unwrap();
        assert!(body["error"].is_string(), "{body}");
    }
}

/// Requests whose errors axum answers before any handler of ours; each must still be JSON.
#[tokio::test]
async fn every_error_body_is_json_with_an_error() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let code = &session.code;
    let huge = format!(r#"{{"programme":"del1","pad":"{}"}}"#, "x".repeat(3 << 20));
    let cases = [
        (
            "a body over the limit",
            server
                .http
                .post(server.url("/api/sessions"))
                .header("content-type", "application/json")
                .body(huge),
            413,
        ),
        (
            "a query that does not parse",
            server
                .http
                .get(server.url(&format!(
                    "/api/sessions/{code}/invitation.ics?start=2027-01-12T09:00&minutes=lots"
                )))
                .bearer_auth(&session.facilitator_token),
            400,
        ),
        (
            "a socket request without its upgrade",
            server
                .http
                .get(server.url(&format!("/api/sessions/{code}/ws"))),
            400,
        ),
        (
            "an unknown path",
            server.http.get(server.url("/api/nothing-here")),
            404,
        ),
        (
            "a method the path does not take",
            server.http.put(server.url("/api/sessions")),
            405,
        ),
    ];
    for (what, request, status) in cases {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), status, "{what}");
        let kind = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(kind.starts_with("application/json"), "{what}: {kind}");
        let body: Value = response.json().await.unwrap();
        let error = body["error"].as_str().unwrap_or_default();
        assert!(!error.is_empty(), "{what}: {body}");
    }
}

#[tokio::test]
async fn of_simultaneous_deletes_one_deletes_and_the_rest_find_nothing() {
    let server = TestServer::start().await;
    for _ in 0..3 {
        let session = server.create("del1").await;
        let url = server.url(&format!("/api/sessions/{}", session.code));
        let deletes = (0..6).map(|_| {
            server
                .http
                .delete(&url)
                .bearer_auth(&session.facilitator_token)
                .send()
        });
        let mut statuses: Vec<u16> = futures_util::future::join_all(deletes)
            .await
            .into_iter()
            .map(|r| r.unwrap().status().as_u16())
            .collect();
        statuses.sort_unstable();
        assert_eq!(statuses, [204, 404, 404, 404, 404, 404]);
    }
}

/// An error after the opening says where the session is, like every other frame: also the
/// `rate_limited` refusal, which the connection's own task sends.
#[tokio::test]
async fn a_refusal_after_the_opening_carries_the_sessions_seq() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut phone = Client::join(&server.addr, &session.code, None).await;
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    let step = phone.expect("step").await;
    let seq = step["seq"].as_u64().unwrap();
    assert!(seq > 0);
    // Far beyond the allowance, all at once.
    for i in 0..300 {
        phone
            .send(json!({ "type": "ready", "op": format!("r{i}"), "step": "arbejde-privat", "ready": i % 2 == 0 }))
            .await;
    }
    let refusal = phone
        .until("a rate_limited refusal", |m| {
            m["type"] == "error" && m["code"] == "rate_limited"
        })
        .await;
    assert!(
        refusal["seq"].as_u64().unwrap() >= seq,
        "the refusal carries the session's seq ({seq} or later): {refusal}"
    );
}
