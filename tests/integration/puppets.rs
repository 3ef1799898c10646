//! The room against one person's words and against sock puppets (issue 13): below `min_group`
//! no participant's text reaches a shared screen or a file, a participant counts once however
//! many connections they open, the facilitator can close the door and remove someone who does
//! not belong, and group results need `min_group` ≥ 3.

use std::io::Read;

use serde_json::{Value, json};

use crate::activities::{act, create, export, goto, room};
use crate::common::{Client, Created, TestServer};

/// Every export of `session` in both languages as text, a DOCX unzipped part by part.
async fn every_export(server: &TestServer, session: &Created) -> Vec<(String, String)> {
    let mut out = Vec::new();
    {
        for format in ["json", "csv", "md", "html", "docx"] {
            let response = server
                .http
                .get(server.url(&format!(
                    "/api/sessions/{}/export?format={format}",
                    session.code
                )))
                .bearer_auth(&session.facilitator_token)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{format}");
            let bytes = response.bytes().await.unwrap();
            if format == "docx" {
                let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
                for i in 0..zip.len() {
                    let mut part = zip.by_index(i).unwrap();
                    let name = format!("docx {}", part.name());
                    let mut raw = Vec::new();
                    part.read_to_end(&mut raw).unwrap();
                    out.push((name, String::from_utf8_lossy(&raw).into_owned()));
                }
            } else {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                // Pictures embedded as data: URLs are searched too.
                for piece in text.split("base64,").skip(1) {
                    let end = piece.find(['"', ')']).unwrap_or(piece.len());
                    let picture = base64::Engine::decode(
                        &base64::engine::general_purpose::STANDARD,
                        &piece[..end],
                    )
                    .expect("a base64 picture");
                    out.push((
                        format!("{format} picture"),
                        String::from_utf8_lossy(&picture).into_owned(),
                    ));
                }
                out.push((format.to_owned(), text));
            }
        }
    }
    out
}

fn actor(label: &str, influence: i64, effect: i64) -> Value {
    json!({ "label": label, "influence": influence, "effect": effect })
}

fn answer_actor(prompt: &str, value: Value) -> Value {
    json!({ "type": "answer", "step": "kortet", "prompt": prompt, "value": value })
}

#[tokio::test]
async fn an_actor_named_by_one_participant_is_counted_never_named_outside_the_console() {
    let server = TestServer::start().await;
    let session = create(&server, "del3", 3).await;
    let (mut fac, mut proj, mut phones) = room(&server, &session, 3).await;
    goto(&mut fac, &mut proj, &mut phones, 1).await;
    const WORDS: &str = "Den nye direktør";
    for (i, phone) in phones.iter_mut().enumerate() {
        phone
            .ok(answer_actor(&format!("a-{i}"), actor("Pårørende", 4, 1)))
            .await;
    }
    phones[0].ok(answer_actor("a-x", actor(WORDS, 5, -2))).await;
    phones[1]
        .ok(answer_actor("a-y", actor("Pressen", 2, -1)))
        .await;
    fac.ok(act("kortet", "reveal", json!({ "revealed": true })))
        .await;
    let shown = proj
        .until("the revealed map", |m| {
            m["type"] == "activity" && m["activity"]["actors"].is_array()
        })
        .await;
    let actors = shown["activity"]["actors"].as_array().unwrap();
    assert_eq!(actors.len(), 1, "only the actor three named: {shown}");
    assert_eq!(actors[0]["label"], "Pårørende");
    assert_eq!(shown["activity"]["too_few"], 2, "the others are counted");

    let console = fac
        .until("the console's map", |m| {
            m["type"] == "activity"
                && m["activity"]["actors"]
                    .as_array()
                    .is_some_and(|a| a.len() == 3)
        })
        .await;
    let few = console["activity"]["actors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["label"] == WORDS)
        .expect("the console shows the actor");
    assert_eq!(few["hidden"], true, "marked as not shown to the room");

    // A later screen and a phone that joins now get no word of it either.
    let late = Client::staff(&server.addr, &session.code, session.projector_token()).await;
    let newcomer = Client::join(&server.addr, &session.code, None).await;
    for (who, screen) in [("projector", &proj), ("late projector", &late)]
        .into_iter()
        .chain(phones[1..].iter().map(|p| ("phone", p)))
        .chain([("newcomer", &newcomer)])
    {
        for frame in &screen.raw {
            assert!(!frame.contains(WORDS), "{who} saw {WORDS:?}: {frame}");
            assert!(!frame.contains("Pressen"), "{who} saw Pressen: {frame}");
        }
    }
    for (name, text) in every_export(&server, &session).await {
        assert!(!text.contains(WORDS), "{name} names {WORDS:?}");
        assert!(!text.contains("Pressen"), "{name} names Pressen");
        if name == "md" {
            assert!(text.contains("Pårørende"), "{text}");
            assert!(
                text.contains("2 aktører nævnt af for få"),
                "the export counts them: {text}"
            );
        }
    }
}

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
async fn a_participant_on_five_connections_counts_once_and_shares_one_message_budget() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let mut fac = Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    fac.ok(json!({ "type": "goto", "index": 1 })).await;
    let first = Client::join(&server.addr, &session.code, None).await;
    let me = first.frames[0]["me"].clone();
    let mut conns = vec![first];
    for _ in 0..4 {
        conns.push(Client::resume(&server.addr, &session.code, &me, 0).await);
    }
    let step = fac.frames[0]["session"]["steps"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    conns[0]
        .ok(json!({ "type": "ready", "step": step, "ready": true }))
        .await;
    conns[3]
        .ok(json!({ "type": "ready", "step": step, "ready": true }))
        .await;
    fac.until("the counts", |m| m["type"] == "progress" && m["ready"] == 1)
        .await;
    let progress = last_progress(&fac);
    assert_eq!(progress["joined"], 1, "{progress}");
    assert_eq!(
        progress["connected"], 1,
        "five connections, one person: {progress}"
    );
    assert_eq!(progress["ready"], 1, "{progress}");

    // 80 messages on each connection: within one connection's burst (100), so only a budget
    // shared by the person's connections refuses some of the 400.
    let prompt = "balance-hvorfor";
    for (c, conn) in conns.iter_mut().enumerate() {
        for i in 0..80 {
            let op = format!("c{c}-{i}");
            conn.send(json!({ "type": "answer", "op": op, "step": "arbejde-privat", "prompt": prompt, "value": format!("svar {c} {i}") })).await;
        }
    }
    let (mut acked, mut refused) = (0, 0);
    for conn in &mut conns {
        let mut replies = 0;
        while replies < 80 {
            let reply = conn.next().await.expect("the connection stays");
            match (reply["type"].as_str(), reply["code"].as_str()) {
                (Some("ack"), _) if reply["op"].as_str().is_some_and(|o| o.starts_with('c')) => {
                    acked += 1;
                    replies += 1;
                }
                (Some("error"), Some("rate_limited")) => {
                    refused += 1;
                    replies += 1;
                }
                (Some("error"), _) => panic!("{reply}"),
                _ => {}
            }
        }
    }
    assert_eq!(acked + refused, 400);
    assert!(
        refused > 0,
        "one person on five connections got {acked} of 400 messages through"
    );
}

#[tokio::test]
async fn group_results_need_min_group_three_at_creation_a_programme_for_one_may_go_lower() {
    let server = TestServer::start().await;
    let post = |path: &'static str, body: Value| {
        let request = server.http.post(server.url(path)).json(&body);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    for min_group in [1, 2] {
        for programme in ["del1", "del3", "ledergruppen"] {
            let (status, body) = post(
                "/api/sessions",
                json!({ "programme": programme, "min_group": min_group }),
            )
            .await;
            assert_eq!(status, 400, "{programme} with {min_group}: {body}");
            let error = body["error"].as_str().unwrap();
            assert!(error.contains("at least 3"), "{error}");
        }
        let (status, body) = post(
            "/api/series",
            json!({ "series": "tre-trins-raket", "min_group": min_group }),
        )
        .await;
        assert_eq!(status, 400, "a series with {min_group}: {body}");
        // The 1:1 shares by the leader's own choice: no group result to protect.
        let (status, body) = post(
            "/api/sessions",
            json!({ "programme": "enkelte-leder", "min_group": min_group }),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, _) = post(
        "/api/sessions",
        json!({ "programme": "del1", "min_group": 3 }),
    )
    .await;
    assert_eq!(status, 201);
    // The start page learns each programme's floor.
    let programmes = server.programmes().await;
    let floor = |id: &str| {
        programmes.iter().find(|p| p["id"] == id).unwrap()["min_group_floor"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(floor("del1"), 3);
    assert_eq!(floor("enkelte-leder"), 1);
}
