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
