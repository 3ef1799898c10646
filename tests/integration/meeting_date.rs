//! Issue 14: every export carries the day the meeting was held; a series exports as one report
//! with a chapter per meeting; the 1:1's export describes the conversation.

use serde_json::{Value, json};

use crate::activities::act;
use crate::common::{Client, ProcessServer, TestServer};

async fn get(http: &reqwest::Client, url: &str, token: &str) -> reqwest::Response {
    let response = http.get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    response
}

#[tokio::test]
async fn a_series_of_three_meetings_exports_three_dates_and_three_chapters_with_participants() {
    let server = TestServer::start().await;
    let create = |body: Value| {
        server
            .http
            .post(server.url("/api/series"))
            .json(&body)
            .send()
    };
    for bad in [
        json!(["2027-02-30"]),
        json!(["2027-01-12", "2027-02-09", "2027-03-09", "2027-04-06"]),
        json!([17]),
    ] {
        let refused = create(json!({ "series": "tre-trins-raket", "dates": bad }))
            .await
            .unwrap();
        assert_eq!(refused.status(), 400, "{bad}");
        let body: Value = refused.json().await.unwrap();
        assert!(body["error"].is_string());
    }
    let dates = ["2027-01-12", "2027-02-09", "2027-03-09"];
    let response = create(json!({ "series": "tre-trins-raket", "dates": dates }))
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    let token = created["facilitator_token"].as_str().unwrap().to_owned();
    let codes: Vec<String> = created["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap().to_owned())
        .collect();
    // 2, 3 and 1 participants; Del 2 agrees on a plan row.
    let mut phones = Vec::new();
    for (code, n) in codes.iter().zip([2, 3, 1]) {
        for _ in 0..n {
            phones.push(Client::join(&server.addr, code, None).await);
        }
    }
    let mut del2 = Client::staff(&server.addr, &codes[1], &token).await;
    del2.ok(json!({ "type": "goto", "index": 3 })).await;
    let row = json!({ "area": "ledergruppen", "action": "Fast sparringsmakker til alle", "deadline": "2027-04-01" });
    del2.ok(json!({ "type": "act", "step": "handleplan", "action": "add_row", "row": row }))
        .await;

    let url =
        |format: &str| server.url(&format!("/api/series/{}/export?format={format}", codes[0]));
    let report: Value = get(&server.http, &url("json"), &token)
        .await
        .json()
        .await
        .unwrap();
    let meetings = report["meetings"].as_array().unwrap();
    let seen: Vec<(&str, &str, u64)> = meetings
        .iter()
        .map(|m| {
            (
                m["code"].as_str().unwrap(),
                m["date"].as_str().unwrap(),
                m["participants"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (codes[0].as_str(), dates[0], 2),
            (codes[1].as_str(), dates[1], 3),
            (codes[2].as_str(), dates[2], 1)
        ]
    );
    assert_eq!(meetings[1]["programme_id"], "del2");
    assert_eq!(report["action_plan"][0]["meeting"], 2);
    assert_eq!(report["action_plan"][0]["code"], codes[1].as_str());

    let md = get(&server.http, &url("md"), &token)
        .await
        .text()
        .await
        .unwrap();
    let chapters: Vec<&str> = md.lines().filter(|l| l.starts_with("## Møde ")).collect();
    assert_eq!(chapters.len(), 3, "{md}");
    assert!(chapters[1].contains("Del 2"), "{chapters:?}");
    for needle in [
        "12. januar 2027",
        "9. februar 2027",
        "9. marts 2027",
        // A plan's deadline, as its table writes it: short, day and month kept together.
        "1.\u{a0}apr. 2027",
    ] {
        assert!(md.contains(needle), "{needle} in {md}");
    }
    // Each chapter has its participants: the counts in the order of the meetings.
    let counts: Vec<&str> = md
        .split("## Møde ")
        .skip(1)
        .map(|chapter| {
            let at = chapter.find("Deltagere").expect("a participant count");
            chapter[at..]
                .split(|c: char| !c.is_ascii_digit())
                .find(|s| !s.is_empty())
                .unwrap()
        })
        .collect();
    assert_eq!(counts, ["2", "3", "1"]);
    assert!(!md.contains("Refleksion – Del 1"), "no glued headings");

    let csv = get(&server.http, &url("csv"), &token)
        .await
        .text()
        .await
        .unwrap();
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    assert!(lines.next().unwrap().starts_with("Møde,"));
    assert!(lines.next().unwrap().starts_with("2,"));
    for format in ["html", "docx", "xlsx"] {
        get(&server.http, &url(format), &token).await;
    }

    // A meeting may go without a day: `null` in its place.
    let today = trivsel::dates::iso_date(trivsel::clock::now_ms());
    let created: Value =
        create(json!({ "series": "tre-trins-raket", "dates": [null, "2027-02-09"] }))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let first = created["meetings"][0]["code"].as_str().unwrap();
    let report: Value = get(
        &server.http,
        &server.url(&format!("/api/series/{first}/export?format=json")),
        created["facilitator_token"].as_str().unwrap(),
    )
    .await
    .json()
    .await
    .unwrap();
    let later = trivsel::dates::iso_date(trivsel::clock::now_ms());
    let dated: Vec<&str> = report["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["date"].as_str().unwrap())
        .collect();
    assert!(dated[0] == today || dated[0] == later, "{dated:?}");
    assert_eq!(dated[1], "2027-02-09");
}

#[tokio::test]
async fn a_session_created_with_a_day_carries_it_and_refuses_a_day_that_is_none() {
    let server = TestServer::start().await;
    let create = |body: Value| {
        server
            .http
            .post(server.url("/api/sessions"))
            .json(&body)
            .send()
    };
    let refused = create(json!({ "programme": "del2", "date": "12-01-2027" }))
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let response = create(json!({ "programme": "del2", "date": "2027-01-12" }))
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let session: crate::common::Created = response.json().await.unwrap();
    let mut fac = Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    assert_eq!(
        fac.frames[0]["session"]["date"], "2027-01-12",
        "the console knows the day (its calendar file starts then)"
    );
    let phone = Client::join(&server.addr, &session.code, None).await;
    assert!(
        phone.frames[0]["session"]["date"].is_null(),
        "facilitator only"
    );
    fac.ok(json!({ "type": "goto", "index": 1 })).await;
    let url = server.url(&format!(
        "/api/sessions/{}/export?format=json",
        session.code
    ));
    let response = get(&server.http, &url, &session.facilitator_token).await;
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.contains("2027-01-12"), "{disposition}");
    let outcome: Value = response.json().await.unwrap();
    assert_eq!(
        outcome["date"], "2027-01-12",
        "the day set, not the day it ran"
    );
}

#[tokio::test]
async fn a_meeting_without_a_planned_day_is_dated_by_its_first_step_change() {
    let data = tempfile::tempdir().unwrap();
    let mut server = ProcessServer::start(data.path()).await;
    let http = reqwest::Client::new();
    let session: crate::common::Created = http
        .post(server.url("/api/sessions"))
        .json(&json!({ "programme": "del1" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    server.terminate();
    // The session was prepared a year ago (2025-12-01).
    let db = rusqlite::Connection::open(data.path().join("trivsel.sqlite3")).unwrap();
    let changed = db
        .execute(
            "UPDATE sessions SET created = json_set(created, '$.created_at_ms', 1764547200000)",
            [],
        )
        .unwrap();
    assert_eq!(changed, 1);
    drop(db);
    let server = ProcessServer::start(data.path()).await;
    let url = server.url(&format!(
        "/api/sessions/{}/export?format=json",
        session.code
    ));
    let date = || async {
        let outcome: Value = get(&http, &url, &session.facilitator_token)
            .await
            .json()
            .await
            .unwrap();
        outcome["date"].as_str().unwrap().to_owned()
    };
    assert_eq!(
        date().await,
        "2025-12-01",
        "not yet held: the day it was created"
    );
    let before = trivsel::dates::iso_date(trivsel::clock::now_ms());
    let mut fac = Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    fac.ok(json!({ "type": "goto", "index": 1 })).await;
    let after = trivsel::dates::iso_date(trivsel::clock::now_ms());
    let held = date().await;
    assert!(
        held == before || held == after,
        "{held}: the day the room moved on"
    );
    let md = get(
        &http,
        &url.replace("json", "md"),
        &session.facilitator_token,
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(!md.contains("1. december 2025"), "{md}");
}

#[tokio::test]
async fn the_one_to_one_export_describes_the_conversation_and_whether_the_plan_was_shared() {
    let server = TestServer::start().await;
    let session = crate::activities::create(&server, "enkelte-leder", 1).await;
    let mut fac = Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut leader = Client::join(&server.addr, &session.code, Some("Mette")).await;
    let url = server.url(&format!("/api/sessions/{}/export?format=md", session.code));
    let md = || async {
        get(&server.http, &url, &session.facilitator_token)
            .await
            .text()
            .await
            .unwrap()
    };
    let before = md().await;
    assert!(!before.contains("Gruppens resultater"), "{before}");
    assert!(!before.contains("Handleplan"), "{before}");
    assert!(!before.contains("Der er ingen punkter"), "{before}");
    assert!(
        before.contains("Lederen har ikke delt sin plan"),
        "{before}"
    );

    // The leader answers the questions (the scale and a text) on their own.
    fac.ok(json!({ "type": "goto", "index": 1 })).await;
    leader
        .ok(json!({ "type": "answer", "step": "trivsel", "prompt": "skala", "value": 7 }))
        .await;
    leader
        .ok(json!({ "type": "answer", "step": "trivsel", "prompt": "udfordrer", "value": "Budgettet for næste år" }))
        .await;
    let asked = md().await;
    // The conversation is described by its questions, none said to be unanswered; the
    // answers are the leader's own.
    for question in [
        "Hvordan trives du på en skala fra 1 til 10?",
        "Hvad udfordrer eller spænder ben for din trivsel? Vær konkret.",
    ] {
        assert!(asked.contains(question), "{asked}");
    }
    assert!(asked.contains("Svarene er lederens egne"), "{asked}");
    assert!(!asked.contains("Ikke besvaret"), "{asked}");
    assert!(!asked.contains("Ingen delte punkter"), "{asked}");
    assert!(!asked.contains("Budgettet for næste år"), "{asked}");
    let json: Value = get(
        &server.http,
        &url.replace("format=md", "format=json"),
        &session.facilitator_token,
    )
    .await
    .json()
    .await
    .unwrap();
    let section = &json["sections"][0];
    assert_eq!(section["questions"].as_array().map(Vec::len), Some(4));
    assert!(
        section
            .get("scales")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty),
        "no count that reads as unanswered: {section}"
    );

    fac.ok(json!({ "type": "goto", "index": 2 })).await;
    let value = json!({ "work": "Sige nej til flere møder", "first_step": "i morgen" });
    leader
        .ok(json!({ "type": "answer", "step": "min-trivsel", "prompt": "selvledelse", "value": value }))
        .await;
    leader
        .ok(act("min-trivsel", "share_plan", json!({ "share": true })))
        .await;
    let after = md().await;
    assert!(
        after.contains("Lederen har delt sin plan med chefen"),
        "{after}"
    );
    assert!(
        !after.contains("Sige nej til flere møder"),
        "the plan's words stay in the plan"
    );
}

/// A meeting moved by a week after it was created is filed with the day it was held: the
/// facilitator sets the day (`POST /api/sessions/{code}/date`), every export and the series
/// page carry it, it survives a kill and a restart, and clearing it gives the day the meeting
/// was held. A wrong body or day is a typed `400`, no token `401`, an unknown code `404`.
#[tokio::test]
async fn a_meeting_moved_after_creation_is_filed_with_its_new_day() {
    let data = tempfile::tempdir().unwrap();
    // A port no outgoing connection takes while the killed server is down.
    let addr = format!("127.0.0.1:{}", crate::common::quiet_port());
    let mut server = ProcessServer::start_at(data.path(), &addr).await;
    let base = server.url("");
    let http = reqwest::Client::new();
    let created: Value = http
        .post(format!("{base}/api/series"))
        .json(&json!({ "series": "tre-trins-raket", "dates": ["2027-01-12", "2027-02-09"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["facilitator_token"].as_str().unwrap().to_owned();
    let code = created["meetings"][1]["code"].as_str().unwrap().to_owned();
    let set = |body: Value, token: Option<String>, code: String| {
        let mut request = http
            .post(format!("{base}/api/sessions/{code}/date"))
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let export = |format: &str| {
        http.get(format!("{base}/api/sessions/{code}/export?format={format}"))
            .bearer_auth(&token)
            .send()
    };

    // Moved from 9 February to 16 February.
    let response = set(
        json!({ "date": "2027-02-16" }),
        Some(token.clone()),
        code.clone(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let said: Value = response.json().await.unwrap();
    assert_eq!(
        said,
        json!({ "date": "2027-02-16", "meeting_date": "2027-02-16" })
    );
    let json: Value = export("json").await.unwrap().json().await.unwrap();
    assert_eq!(json["date"], "2027-02-16");
    let md = export("md").await.unwrap();
    let disposition = md.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.contains("2027-02-16"), "{disposition}");
    assert!(
        md.text()
            .await
            .unwrap()
            .contains("**Dato:** 16. februar 2027")
    );
    let series: Value = http
        .get(format!("{base}/api/series/{code}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(series["meetings"][1]["meeting"]["date"], "2027-02-16");
    assert_eq!(
        series["meetings"][0]["meeting"]["date"], "2027-01-12",
        "the others keep theirs"
    );
    // The console's snapshot says the day too.
    let staff = Client::staff(&addr, &code, &token).await;
    assert_eq!(staff.frames[0]["session"]["date"], "2027-02-16");

    // Stored: a kill and a restart keep it.
    server.kill();
    let _server = ProcessServer::start_at(data.path(), &addr).await;
    let json: Value = export("json").await.unwrap().json().await.unwrap();
    assert_eq!(json["date"], "2027-02-16", "after a restart");

    // Refused, each with a typed error, nothing changed.
    for (body, status) in [
        (json!({ "date": "2027-02-30" }), 400),
        (json!({ "date": "i næste uge" }), 400),
        (json!({ "date": 17 }), 400),
        (json!({ "day": "2027-02-16" }), 400),
    ] {
        let response = set(body.clone(), Some(token.clone()), code.clone())
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{body}");
        let error: Value = response.json().await.unwrap();
        assert!(error["error"].is_string(), "{error}");
    }
    let refused = set(json!({ "date": "2027-02-23" }), None, code.clone())
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let refused = set(
        json!({ "date": "2027-02-23" }),
        Some(token.clone()),
        "ZZZZZZZ".into(),
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), 404);
    let json: Value = export("json").await.unwrap().json().await.unwrap();
    assert_eq!(json["date"], "2027-02-16", "nothing refused changed it");

    // Cleared: not held yet, so the day it was created.
    let response = set(json!({ "date": null }), Some(token.clone()), code.clone())
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let said: Value = response.json().await.unwrap();
    let today = trivsel::dates::iso_date(trivsel::clock::now_ms());
    assert_eq!(said, json!({ "date": null, "meeting_date": today }));
    let json: Value = export("json").await.unwrap().json().await.unwrap();
    assert_eq!(json["date"], today.as_str());
}
