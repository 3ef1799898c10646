//! Between meetings (issue 17), over real sockets: a chain of three follow-up sessions (rows
//! reviewed, closed, carried on; trends under their rules; the copy kept when the earlier
//! session is deleted), a series whose later meeting reviews the earlier plan and downloads as
//! one calendar file, evaluation figures brought in over HTTP with errors that name line and
//! field, preparation texts, and retention that waits for a planned day.

use serde_json::{Value, json};

use crate::common::{Client, TestServer};

/// `POST /api/sessions` with `body`; the reply, which must be `201`.
async fn create(server: &TestServer, body: Value) -> Value {
    let response = server
        .http
        .post(server.url("/api/sessions"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let reply: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{reply}");
    reply
}

fn code(reply: &Value) -> &str {
    reply["code"].as_str().unwrap()
}

fn token(reply: &Value) -> &str {
    reply["facilitator_token"].as_str().unwrap()
}

/// The index of step `id` in a staff snapshot.
fn index_of(snapshot: &Value, id: &str) -> usize {
    snapshot["session"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .position(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no step {id}"))
}

async fn join(server: &TestServer, code: &str, n: usize) -> Vec<Client> {
    let mut phones = Vec::new();
    for _ in 0..n {
        phones.push(Client::join(&server.addr, code, None).await);
    }
    phones
}

/// Moves everyone to `id` and returns the facilitator's `step` message.
async fn goto(fac: &mut Client, id: &str) -> Value {
    let index = index_of(&fac.frames[0], id);
    fac.ok(json!({ "type": "goto", "index": index })).await;
    fac.latest("step", "the step", |m| m["step"]["index"] == index)
        .await
}

/// Every phone answers the two recurring questions (`balance` with `balance[i]`), then the
/// facilitator reveals; returns the facilitator's activity once its results show every answer.
async fn status(fac: &mut Client, phones: &mut [Client], balance: &[i64]) -> Value {
    goto(fac, "status").await;
    for (phone, value) in phones.iter_mut().zip(balance) {
        phone
            .ok(json!({ "type": "answer", "step": "status", "prompt": "balance", "value": value }))
            .await;
        phone
            .ok(json!({ "type": "answer", "step": "status", "prompt": "energi-niveau", "value": 7 }))
            .await;
    }
    fac.ok(json!({ "type": "act", "step": "status", "action": "reveal", "revealed": true }))
        .await;
    let n = phones.len();
    fac.latest("activity", "every answer in the results", |m| {
        m["activity"]["scales"][0]["n"] == n
    })
    .await["activity"]
        .clone()
}

/// The facilitator adds accepted rows to the plan.
async fn plan(fac: &mut Client, actions: &[&str]) {
    goto(fac, "handleplan").await;
    for action in actions {
        let row = json!({ "area": "ledergruppen", "action": action, "owner": "Mette", "deadline": "2027-05-01" });
        fac.ok(json!({ "type": "act", "step": "handleplan", "action": "add_row", "row": row }))
            .await;
    }
}

/// The review step's rows as the facilitator's screen shows them now.
async fn review_rows(fac: &mut Client) -> Vec<Value> {
    goto(fac, "opfoelgning").await["activity"]["rows"]
        .as_array()
        .unwrap()
        .clone()
}

fn trend<'a>(activity: &'a Value, prompt: &str) -> &'a Vec<Value> {
    activity["trends"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["prompt"] == prompt)
        .unwrap()["points"]
        .as_array()
        .unwrap()
}

#[tokio::test]
async fn a_chain_of_three_follow_ups_reviews_closes_and_carries_on_rows_and_shows_the_trend() {
    let server = TestServer::start().await;
    // A: six people answer, three actions agreed.
    let a = create(
        &server,
        json!({ "programme": "opfolgning", "min_group": 4, "date": "2027-01-12" }),
    )
    .await;
    let mut fac = Client::staff(&server.addr, code(&a), token(&a)).await;
    let mut phones = join(&server, code(&a), 6).await;
    let first = status(&mut fac, &mut phones, &[3, 4, 5, 6, 7, 8]).await;
    assert!(first.get("trends").is_none(), "no earlier meeting asked");
    plan(
        &mut fac,
        &["Fast punkt om trivsel", "Sparring med HR", "Gåmøder"],
    )
    .await;

    // A follow-up needs the earlier session's own token.
    let refused = server
        .http
        .post(server.url("/api/sessions"))
        .json(&json!({ "programme": "opfolgning", "follows": { "code": code(&a), "token": "x".repeat(40) } }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let unknown = server
        .http
        .post(server.url("/api/sessions"))
        .json(&json!({ "programme": "opfolgning", "follows": { "code": "2222222", "token": token(&a) } }))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert!(
        unknown.json::<Value>().await.unwrap()["error"]
            .as_str()
            .unwrap()
            .contains("follow")
    );

    // B follows A: its three rows and A's points come along, with A's group size.
    let b = create(
        &server,
        json!({ "programme": "opfolgning", "date": "2027-04-12", "follows": { "code": code(&a), "token": token(&a) } }),
    )
    .await;
    let mut fac_b = Client::staff(&server.addr, code(&b), token(&b)).await;
    assert_eq!(fac_b.frames[0]["session"]["min_group"], 4, "A's group size");
    assert_eq!(fac_b.frames[0]["session"]["follows"]["code"], code(&a));
    let mut phones_b = join(&server, code(&b), 6).await;
    let rows = review_rows(&mut fac_b).await;
    let actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["Fast punkt om trivsel", "Sparring med HR", "Gåmøder"]
    );
    assert_eq!(rows[0]["from"]["code"], code(&a));
    assert_eq!(rows[0]["from"]["date"], "2027-01-12");
    let key = |i: usize| rows[i]["key"].as_str().unwrap().to_owned();
    // A phone (the owner, say) sets the first row's status; every phone sees it.
    let phone = &mut phones_b[0];
    phone
        .until("the review", |m| m["step"]["id"] == "opfoelgning")
        .await;
    phone
        .ok(json!({ "type": "act", "step": "opfoelgning", "action": "review", "row": key(0), "status": "done", "note": "Kører hver måned" }))
        .await;
    phones_b[1]
        .until("the status", |m| {
            m["activity"]["rows"][0]["status"] == "done"
        })
        .await;
    fac_b
        .ok(json!({ "type": "act", "step": "opfoelgning", "action": "review", "row": key(1), "status": "ongoing", "note": "Venter på HR" }))
        .await;
    let bad = fac_b
        .refused(json!({ "type": "act", "step": "opfoelgning", "action": "review", "row": key(1), "status": "perhaps" }))
        .await;
    assert_eq!(bad["code"], "bad_message");
    // The third is carried on into B's plan: the review says so at once.
    fac_b
        .ok(json!({ "type": "act", "step": "handleplan", "action": "carry_on", "row": key(2) }))
        .await;
    fac_b
        .latest("activity", "the row carried on", |m| {
            m["activity"]["rows"][2]["carried"] == true
        })
        .await;
    let again = fac_b
        .refused(
            json!({ "type": "act", "step": "handleplan", "action": "carry_on", "row": key(2) }),
        )
        .await;
    assert_eq!(again["code"], "invalid");
    let second = status(&mut fac_b, &mut phones_b, &[4, 5, 5, 6, 7, 9]).await;
    let points = trend(&second, "balance");
    assert_eq!(points.len(), 2);
    assert_eq!(points[0]["date"], "2027-01-12");
    assert_eq!(
        points[0]["counts"][2], 1,
        "A's distribution: one answered 3"
    );
    assert_eq!(points[1]["current"], true);
    assert_eq!(points[1]["n"], 6);
    plan(&mut fac_b, &["Trivsel på dagsordenen hver måned"]).await;

    // A is deleted (as retention would): B keeps what it copied.
    let deleted = server
        .http
        .delete(server.url(&format!("/api/sessions/{}", code(&a))))
        .bearer_auth(token(&a))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(review_rows(&mut fac_b).await.len(), 3);

    // C follows B: the done row and the carried one are closed; the one in progress stays,
    // with what B said; B's own rows join.
    let c = create(
        &server,
        json!({ "programme": "opfolgning", "date": "2027-07-12", "follows": { "code": code(&b), "token": token(&b) } }),
    )
    .await;
    let mut fac_c = Client::staff(&server.addr, code(&c), token(&c)).await;
    let mut phones_c = join(&server, code(&c), 7).await;
    let rows = review_rows(&mut fac_c).await;
    let seen: Vec<(&str, &Value)> = rows
        .iter()
        .map(|r| (r["action"].as_str().unwrap(), &r["last_status"]))
        .collect();
    assert_eq!(
        seen,
        [
            ("Sparring med HR", &json!("ongoing")),
            ("Gåmøder", &Value::Null),
            ("Trivsel på dagsordenen hver måned", &Value::Null),
        ]
    );
    assert_eq!(rows[0]["last_note"], "Venter på HR");
    assert_eq!(rows[0]["from"]["code"], code(&a), "still A's row");
    assert_eq!(rows[1]["from"]["code"], code(&b), "continued in B's plan");
    // Seven answer now: one more than before, so this meeting's point is not shown beside them.
    let third = status(&mut fac_c, &mut phones_c, &[5, 5, 6, 6, 7, 8, 9]).await;
    let points = trend(&third, "balance");
    let shown: Vec<(u64, bool)> = points
        .iter()
        .map(|p| (p["n"].as_u64().unwrap(), p["counts"].is_array()))
        .collect();
    assert_eq!(shown, [(6, true), (6, true), (7, false)]);
    assert_eq!(points[2]["hidden"], "difference");
    // The room's own results still show, as they always did.
    assert!(third["scales"][0]["counts"].is_array());

    // Every export of C carries the review and the trend.
    let export = |format: &str| {
        server
            .http
            .get(server.url(&format!(
                "/api/sessions/{}/export?format={format}",
                code(&c)
            )))
            .bearer_auth(token(&c))
            .send()
    };
    let outcome: Value = export("json").await.unwrap().json().await.unwrap();
    let sections = outcome["sections"].as_array().unwrap();
    let review = sections.iter().find(|s| s["kind"] == "review").unwrap();
    assert_eq!(review["rows"].as_array().unwrap().len(), 3);
    let reflection = sections.iter().find(|s| s["kind"] == "reflection").unwrap();
    assert_eq!(reflection["scales"][0]["trend"][2]["hidden"], "difference");
    assert!(reflection["scales"][0]["trend"][2]["counts"].is_null());
    let markdown = export("md").await.unwrap().text().await.unwrap();
    assert!(markdown.contains("Udvikling over møderne"), "{markdown}");
    assert!(markdown.contains("Sparring med HR"));
    assert!(markdown.contains("Ikke vist: antallet af svar ligger for tæt på et andet mødes"));
    for format in ["html", "docx", "xlsx", "csv"] {
        assert_eq!(export(format).await.unwrap().status(), 200, "{format}");
    }
}

#[tokio::test]
async fn evaluation_figures_come_in_over_http_and_every_problem_names_its_line_and_field() {
    let server = TestServer::start().await;
    let session = create(&server, json!({ "programme": "opfolgning" })).await;
    let (code, token) = (code(&session), token(&session));
    let url = server.url(&format!("/api/sessions/{code}/evaluation/lederevaluering"));
    let put = |body: Vec<u8>, kind: &'static str| {
        server
            .http
            .put(&url)
            .bearer_auth(token)
            .header("Content-Type", kind)
            .body(body)
            .send()
    };
    let table = "\u{feff}Spørgsmål;Gennemsnit;Skala;Antal\r\nJeg har tillid til min chef;3,8;1-5;12\r\nVi taler åbent om fejl;4,1;1–5;11\r\n";
    let ok = put(table.into(), "text/csv; charset=utf-8").await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.json::<Value>().await.unwrap(),
        json!({ "step": "lederevaluering", "rows": 2 })
    );

    // Phones see the figures when the step opens, and again when they change.
    let mut fac = Client::staff(&server.addr, code, token).await;
    let mut phone = Client::join(&server.addr, code, None).await;
    goto(&mut fac, "lederevaluering").await;
    let step = phone.until("the step", |m| m["type"] == "step").await;
    assert_eq!(step["activity"]["kind"], "evaluation");
    assert_eq!(step["activity"]["rows"][0]["score"], 3.8);
    assert_eq!(
        step["activity"]["rows"][1]["item"],
        "Vi taler åbent om fejl"
    );
    let json_rows = json!({ "rows": [{ "item": "Ro til ledelse", "score": "62,5", "scale": "0-100", "n": 14 }] });
    let ok = put(json_rows.to_string().into(), "application/json")
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    phone
        .until("the new figures", |m| {
            m["type"] == "activity" && m["activity"]["rows"][0]["score"] == 62.5
        })
        .await;

    // Problems: each names its line and field, in both languages.
    let bad =
        "Spørgsmål;Gennemsnit;Skala;Antal\nA;3,8;1-5;12\nB;3,1;1-5;10\nC;2,9;1-5;tre\nD;4;1-5;2\n";
    let refused = put(bad.into(), "text/csv").await.unwrap();
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["problems"][0]["line"], 4);
    assert_eq!(body["problems"][0]["field"], "n");
    assert_eq!(body["problems"][0]["problem"], "not_a_number");
    assert_eq!(
        body["problems"][0]["message"]["da"],
        "Linje 4, feltet 'antal': 'tre' er ikke et tal"
    );
    assert_eq!(body["problems"][1]["problem"], "too_few", "below min_group");
    assert!(body["error"].as_str().unwrap().starts_with("Linje 4"));
    // Nothing of a refused table was taken in.
    let now = phone.latest("activity", "unchanged", |_| true).await;
    assert_eq!(now["activity"]["rows"].as_array().unwrap().len(), 1);

    // 10,000 rows: a clear answer at once.
    let mut huge = String::from("item;score;scale;n\n");
    for i in 0..10_000 {
        huge.push_str(&format!("Spørgsmål {i};3,8;1-5;12\n"));
    }
    let started = std::time::Instant::now();
    let refused = put(huge.into(), "text/csv").await.unwrap();
    assert_eq!(refused.status(), 400);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["problems"][0]["problem"], "too_many_rows");
    assert_eq!(body["problems"][0]["line"], 202);
    // More than the server reads at all.
    let refused = put(vec![b'a'; 2 * 1024 * 1024], "text/csv").await.unwrap();
    assert_eq!(refused.status(), 413);
    // A table saved by Excel as Windows-1252.
    let latin = b"Sp\xf8rgsm\xe5l;Gennemsnit;Skala;Antal\r\nR\xe6kkevidde;3,5;1-5;9\r\n".to_vec();
    let ok = put(latin, "text/csv").await.unwrap();
    assert_eq!(ok.status(), 200);
    phone
        .until("the figures", |m| {
            m["type"] == "activity" && m["activity"]["rows"][0]["item"] == "Rækkevidde"
        })
        .await;
    // The wrong separator, a type it does not read, another step, no token, another site.
    let refused = put(
        "Spørgsmål|Gennemsnit|Skala|Antal\nA|3|5|9\n".into(),
        "text/plain",
    )
    .await
    .unwrap();
    assert_eq!(
        refused.json::<Value>().await.unwrap()["problems"][0]["problem"],
        "no_separator"
    );
    assert_eq!(
        put(vec![1, 2], "application/octet-stream")
            .await
            .unwrap()
            .status(),
        400
    );
    let other = |step: &str| server.url(&format!("/api/sessions/{code}/evaluation/{step}"));
    let reflection = server
        .http
        .put(other("status"))
        .bearer_auth(token)
        .header("Content-Type", "text/csv")
        .body(table)
        .send()
        .await
        .unwrap();
    assert_eq!(reflection.status(), 400);
    let missing = server
        .http
        .put(other("findes-ikke"))
        .bearer_auth(token)
        .header("Content-Type", "text/csv")
        .body(table)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let anonymous = server
        .http
        .put(&url)
        .header("Content-Type", "text/csv")
        .body(table)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let foreign = server
        .http
        .put(&url)
        .bearer_auth(token)
        .header("Origin", "https://evil.example")
        .header("Content-Type", "text/csv")
        .body(table)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);

    // The export has the figures; clearing takes them away.
    let outcome: Value = server
        .http
        .get(server.url(&format!("/api/sessions/{code}/export?format=json")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let evaluation = outcome["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "evaluation")
        .unwrap();
    assert_eq!(evaluation["rows"][0]["item"], "Rækkevidde");
    let cleared = server
        .http
        .delete(&url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), 204);
    phone
        .until("no figures", |m| {
            m["type"] == "activity" && m["activity"]["rows"] == json!([])
        })
        .await;
}

#[tokio::test]
async fn a_series_meeting_after_a_plan_reviews_it_and_the_series_downloads_as_one_calendar() {
    let server = TestServer::start().await;
    let series: Value = server
        .http
        .post(server.url("/api/series"))
        .json(&json!({ "series": "tre-trins-raket", "dates": ["2027-01-12", "2027-02-09", "2027-03-09"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = series["facilitator_token"].as_str().unwrap();
    let codes: Vec<&str> = series["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap())
        .collect();
    // Del 2 follows a meeting without a plan; Del 3 follows Del 2's plan: it opens with a review.
    let del2 = Client::staff(&server.addr, codes[1], token).await;
    let kinds = |snapshot: &Value| -> Vec<String> {
        snapshot["session"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!kinds(&del2.frames[0]).contains(&"review".to_owned()));
    let mut del2 = del2;
    goto(&mut del2, "dialogkort").await;
    del2.ok(json!({ "type": "act", "step": "dialogkort", "action": "deal", "to": "room" }))
        .await;
    del2.ok(json!({ "type": "act", "step": "dialogkort", "action": "note", "text": "Tillid tager tid" }))
        .await;
    goto(&mut del2, "handleplan").await;
    for action in ["Fast punkt om tillid", "Frirum i kalenderen"] {
        let row = json!({ "area": "ledergruppen", "action": action });
        del2.ok(json!({ "type": "act", "step": "handleplan", "action": "add_row", "row": row }))
            .await;
    }
    let mut del3 = Client::staff(&server.addr, codes[2], token).await;
    assert_eq!(kinds(&del3.frames[0])[1], "review");
    // What Del 2 agreed comes in as the first screen connects: in its first snapshot, or a
    // fresh one a moment later.
    let carried_in = |m: &Value| !m["session"]["carried"].as_array().unwrap().is_empty();
    let snapshot = if carried_in(&del3.frames[0]) {
        del3.frames[0].clone()
    } else {
        del3.until("what was carried in", |m| {
            m["type"] == "snapshot" && carried_in(m)
        })
        .await
    };
    let carried = snapshot["session"]["carried"].as_array().unwrap();
    assert_eq!(carried[0]["text"], "Tillid tager tid");
    assert!(
        snapshot["session"]["carried"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["kind"] != "row"),
        "the rows are on the review, not in the list of what was carried"
    );
    let rows = review_rows(&mut del3).await;
    let actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["Fast punkt om tillid", "Frirum i kalenderen"]);
    del3.ok(json!({ "type": "act", "step": "opfoelgning", "action": "review", "row": rows[0]["key"], "status": "ongoing" }))
        .await;

    // One calendar file with every meeting on its day.
    let ics = server
        .http
        .get(server.url(&format!(
            "/api/series/{}/invitation.ics?time=09:00",
            codes[1]
        )))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(ics.status(), 200);
    let text = ics.text().await.unwrap().replace("\r\n ", "");
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 3);
    assert!(text.contains("DTSTART:20270112T080000Z"), "{text}");
    assert!(text.contains("DTSTART:20270309T080000Z"));
    for code in &codes {
        assert!(text.contains(&format!("UID:{code}@trivsel")));
    }
    let anonymous = server
        .http
        .get(server.url(&format!("/api/series/{}/invitation.ics", codes[0])))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let undated: Value = server
        .http
        .post(server.url("/api/series"))
        .json(&json!({ "series": "tre-trins-raket" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let none = server
        .http
        .get(server.url(&format!(
            "/api/series/{}/invitation.ics",
            undated["meetings"][0]["code"].as_str().unwrap()
        )))
        .bearer_auth(undated["facilitator_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 400);
}

#[tokio::test]
async fn preparation_texts_go_with_the_invitation_and_to_the_phones() {
    let server = TestServer::start().await;
    let articles = json!([
        { "title": "Ledertrivsel er noget, vi skaber sammen", "url": "https://example.dk/ledertrivsel", "text": "Læs især afsnit 2." },
        { "title": { "da": "Vores lederevaluering", "en": "Our leader evaluation" }, "text": "Se resultaterne igennem før mødet." }
    ]);
    let session = create(
        &server,
        json!({ "programme": "del1", "articles": articles }),
    )
    .await;
    let phone = Client::join(&server.addr, code(&session), None).await;
    let shown = &phone.frames[0]["session"]["articles"];
    assert_eq!(shown[0]["url"], "https://example.dk/ledertrivsel");
    assert_eq!(shown[1]["title"]["en"], "Our leader evaluation");
    let ics = server
        .http
        .get(server.url(&format!(
            "/api/sessions/{}/invitation.ics?start=2027-01-12T09:00",
            code(&session)
        )))
        .bearer_auth(token(&session))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .replace("\r\n ", "");
    assert!(ics.contains("Til forberedelse:"), "{ics}");
    assert!(ics.contains("https://example.dk/ledertrivsel"));
    for (bad, why) in [
        (
            json!([{ "title": "X", "url": "javascript:alert(1)" }]),
            "a link of the web",
        ),
        (json!([{ "title": "X" }]), "a link or a text"),
        (
            json!([{ "title": "", "url": "https://example.dk" }]),
            "a title",
        ),
        (
            json!([{ "title": "A", "text": "a" }, { "title": "B", "text": "b" }, { "title": "C", "text": "c" }, { "title": "D", "text": "d" }]),
            "at most three",
        ),
    ] {
        let refused = server
            .http
            .post(server.url("/api/sessions"))
            .json(&json!({ "programme": "del1", "articles": bad }))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400, "{why}");
    }
}

#[tokio::test]
async fn a_meeting_planned_months_ahead_is_kept_until_its_day_and_the_retention_after_it() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_configured(data, |c| c.retention_days = 30).await;
    let day_ms = 24 * 60 * 60 * 1000;
    let now = trivsel::clock::now_ms();
    let day = trivsel::dates::iso_date(now + 90 * day_ms);
    let later = create(&server, json!({ "programme": "opfolgning", "date": day })).await;
    let series: Value = server
        .http
        .post(server.url("/api/series"))
        .json(&json!({ "series": "tre-trins-raket", "dates": [trivsel::dates::iso_date(now), null, day] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let registry = server.state.registry();
    assert!(
        registry.expire(now + 31 * day_ms).await.is_empty(),
        "a month on, the follow-up's day and the series' last meeting are still ahead"
    );
    let start = trivsel::dates::Date::parse(&day).unwrap().start_ms();
    assert!(registry.expire(start + 29 * day_ms).await.is_empty());
    let deleted = registry.expire(start + 31 * day_ms).await;
    assert_eq!(deleted.len(), 4, "then all go: {deleted:?}");
    assert!(deleted.iter().any(|c| c.as_str() == code(&later)));
    assert!(series["meetings"].as_array().unwrap().len() == 3);
}
