//! Whole Del 2 and Del 3 meetings over real sockets, with five participants each, ending in
//! exports that are read back with real readers.

use serde_json::{Value, json};

use crate::common::{Client, Created, TestServer};

pub(crate) async fn create(server: &TestServer, programme: &str, min_group: u32) -> Created {
    let response = server
        .http
        .post(server.url("/api/sessions"))
        .json(&json!({ "programme": programme, "min_group": min_group }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

/// Facilitator, projector and `n` phones.
pub(crate) async fn room(
    server: &TestServer,
    session: &Created,
    n: usize,
) -> (Client, Client, Vec<Client>) {
    let facilitator = Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let projector = Client::staff(&server.addr, &session.code, session.projector_token()).await;
    let mut phones = Vec::new();
    for i in 0..n {
        let name = (i % 2 == 0).then(|| format!("Leder {i}"));
        phones.push(Client::join(&server.addr, &session.code, name.as_deref()).await);
    }
    (facilitator, projector, phones)
}

pub(crate) async fn goto(
    facilitator: &mut Client,
    projector: &mut Client,
    phones: &mut [Client],
    index: usize,
) {
    facilitator
        .ok(json!({ "type": "goto", "index": index }))
        .await;
    facilitator
        .until("step", |m| {
            m["type"] == "step" && m["step"]["index"] == index
        })
        .await;
    projector
        .until("step", |m| {
            m["type"] == "step" && m["step"]["index"] == index
        })
        .await;
    for phone in phones.iter_mut() {
        phone
            .until("step", |m| {
                m["type"] == "step" && m["step"]["index"] == index
            })
            .await;
    }
}

pub(crate) fn act(step: &str, action: &str, fields: Value) -> Value {
    let mut msg = json!({ "type": "act", "step": step, "action": action });
    for (k, v) in fields.as_object().unwrap() {
        msg[k] = v.clone();
    }
    msg
}

async fn export(server: &TestServer, session: &Created, format: &str) -> reqwest::Response {
    server
        .http
        .get(server.url(&format!(
            "/api/sessions/{}/export?format={format}",
            session.code
        )))
        .bearer_auth(&session.facilitator_token)
        .send()
        .await
        .unwrap()
}

/// The text of every `<w:t>` in a .docx, after checking it is a valid package.
fn docx_text(bytes: &[u8]) -> String {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a docx is a zip package");
    for part in ["[Content_Types].xml", "word/document.xml"] {
        assert!(archive.by_name(part).is_ok(), "missing {part}");
    }
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    assert!(
        xml.contains("<w:document"),
        "the main part is a Word document"
    );
    let images = (0..archive.len())
        .filter(|i| {
            archive
                .by_index(*i)
                .unwrap()
                .name()
                .starts_with("word/media/")
        })
        .count();
    assert!(images > 0, "the pictures are in the document");
    let mut text = String::new();
    for piece in xml.split("<w:t").skip(1) {
        let Some(start) = piece.find('>') else {
            continue;
        };
        let Some(end) = piece.find("</w:t>") else {
            continue;
        };
        text.push_str(&piece[start + 1..end]);
        text.push(' ');
    }
    text
}

/// Every export of the session, checked for shape; returns (md, html, docx text, csv rows, json).
async fn all_exports(
    server: &TestServer,
    session: &Created,
) -> (String, String, String, Vec<Vec<String>>, Value) {
    let unauthorised = server
        .http
        .get(server.url(&format!(
            "/api/sessions/{}/export?format=html",
            session.code
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorised.status(), 401);
    assert_eq!(export(server, session, "pdf").await.status(), 400);

    let md = export(server, session, "md").await;
    assert_eq!(md.status(), 200);
    assert!(
        md.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".md")
    );
    let md = md.text().await.unwrap();

    let html = export(server, session, "html").await;
    assert!(
        html.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = html.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        !csp.contains("script-src") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    let html = html.text().await.unwrap();
    assert!(
        html.contains("@page") && html.contains("<svg"),
        "printable, with pictures"
    );

    let docx = export(server, session, "docx").await;
    assert_eq!(
        docx.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    let docx = docx_text(&docx.bytes().await.unwrap());

    let csv = export(server, session, "csv").await.bytes().await.unwrap();
    let csv = csv.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&csv);
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(csv);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();

    let json: Value = export(server, session, "json").await.json().await.unwrap();
    (md, html, docx, rows, json)
}

#[tokio::test]
async fn a_whole_del2_meeting_runs_from_cards_to_an_exported_action_plan() {
    let server = TestServer::start().await;
    let session = create(&server, "del2", 3).await;
    let (mut fac, mut proj, mut phones) = room(&server, &session, 5).await;

    // Dialogue cards: one to the room, one in turn (its holder passes), a note for the group.
    goto(&mut fac, &mut proj, &mut phones, 1).await;
    fac.ok(act("dialogkort", "deal", json!({ "to": "room" })))
        .await;
    for phone in &mut phones {
        let m = phone
            .until("card dealt", |m| {
                m["type"] == "activity" && m["activity"]["dealt_count"] == 1
            })
            .await;
        assert_eq!(m["activity"]["current"]["card"]["id"], "tvaers-1");
        assert!(m["activity"]["current"]["to"].is_null());
    }
    fac.ok(act("dialogkort", "deal", json!({ "to": "turn" })))
        .await;
    let first = phones[0]
        .until("my turn", |m| {
            m["type"] == "activity" && m["activity"]["dealt_count"] == 2
        })
        .await;
    assert_eq!(
        first["activity"]["current"]["to"]["id"],
        phones[0].frames[0]["me"]["id"]
    );
    let refused = phones[1]
        .refused(act("dialogkort", "pass", json!({})))
        .await;
    assert_eq!(refused["code"], "not_allowed", "only the holder passes");
    phones[0].ok(act("dialogkort", "pass", json!({}))).await;
    fac.ok(act(
        "dialogkort",
        "note",
        json!({ "text": "Vi savner fælles sparring" }),
    ))
    .await;
    let noted = proj
        .until("note on projector", |m| {
            m["type"] == "activity"
                && m["activity"]["current"]["notes"][0] == "Vi savner fælles sparring"
        })
        .await;
    assert_eq!(noted["activity"]["current"]["passed"], true);

    // The prioritisation grid: private ratings, results only after reveal.
    goto(&mut fac, &mut proj, &mut phones, 2).await;
    let topics: Vec<String> = fac
        .frames
        .iter()
        .rev()
        .find(|m| m["type"] == "step")
        .unwrap()["activity"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(topics.len(), 6);
    for (i, phone) in phones.iter_mut().enumerate() {
        for (t, topic) in topics.iter().enumerate() {
            let rating = json!({ "importance": (i + t) % 5 + 1, "success": (i * 2 + t) % 5 + 1 });
            phone.ok(json!({ "type": "answer", "step": "prioritering", "prompt": topic, "value": rating })).await;
        }
    }
    let before = proj
        .until("raters counted", |m| {
            m["type"] == "activity" && m["activity"]["raters"] == 5
        })
        .await;
    assert!(
        before["activity"].get("results").is_none(),
        "no results before reveal"
    );
    fac.ok(act("prioritering", "reveal", json!({ "revealed": true })))
        .await;
    let revealed = proj
        .until("results on projector", |m| {
            m["type"] == "activity" && m["activity"]["results"].is_array()
        })
        .await;
    let result = &revealed["activity"]["results"][0];
    assert_eq!(result["raters"], 5);
    assert_eq!(result["importance"]["n"], 5);
    assert!(
        result["importance"]["sd"].as_f64().unwrap() > 0.0,
        "the spread is visible"
    );
    for phone in &phones {
        assert!(
            phone.raw.iter().all(|f| !f.contains("\"results\"")),
            "phones never get the results"
        );
    }
    // The group adds a topic of its own and votes; the facilitator places and prioritises.
    fac.ok(act(
        "prioritering",
        "allow_topics",
        json!({ "allowed": true }),
    ))
    .await;
    phones[3]
        .until("allowed", |m| {
            m["type"] == "activity" && m["activity"]["participant_topics"] == true
        })
        .await;
    phones[3]
        .ok(act(
            "prioritering",
            "add_topic",
            json!({ "text": "Fælles faglig retning" }),
        ))
        .await;
    fac.ok(act(
        "prioritering",
        "place",
        json!({ "topic": "frirum", "position": [5, 2] }),
    ))
    .await;
    fac.ok(act("prioritering", "open_vote", json!({ "open": true })))
        .await;
    for phone in &mut phones {
        phone
            .until("vote open", |m| {
                m["type"] == "activity" && m["activity"]["voting"] == true
            })
            .await;
        phone
            .ok(act(
                "prioritering",
                "vote",
                json!({ "topics": ["frirum", "frirum", "egne-1"] }),
            ))
            .await;
    }
    // Totals move in batches of min_group (3) people: the first three voters were published
    // together, the last two wait for a third change — the first phone confirms its dots.
    phones[0]
        .ok(act(
            "prioritering",
            "vote",
            json!({ "topics": ["frirum", "frirum", "egne-1"] }),
        ))
        .await;
    let voted = fac
        .until("dots counted", |m| {
            m["type"] == "activity"
                && m["activity"]["results"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|t| t["topic"] == "frirum" && t["dots"] == 10))
        })
        .await;
    assert!(
        voted["activity"]["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["topic"] == "egne-1" && t["dots"] == 5)
    );
    fac.ok(act(
        "prioritering",
        "prioritise",
        json!({ "topics": ["frirum", "egne-1"] }),
    ))
    .await;

    // The action plan grows live on every screen.
    goto(&mut fac, &mut proj, &mut phones, 3).await;
    let row = json!({ "area": "ledergruppen", "action": "Sparring hver anden uge", "first_step": "Book de første tre møder", "owner": "Mette", "deadline": "2027-01-15", "follow_up": "2027-03-01", "answers": "Frirum og ro til fordybelse i hverdagen" });
    phones[2]
        .ok(act("handleplan", "add_row", json!({ "row": row })))
        .await;
    phones[1]
        .ok(act(
            "handleplan",
            "add_row",
            json!({ "row": { "area": "selvledelse", "action": "Et forslag ingen tog op" } }),
        ))
        .await;
    for phone in &mut phones {
        let m = phone
            .until("proposal seen", |m| {
                m["type"] == "activity"
                    && m["activity"]["rows"]
                        .as_array()
                        .is_some_and(|r| r.len() == 2)
            })
            .await;
        assert_eq!(m["activity"]["rows"][0]["accepted"], false);
    }
    fac.ok(act(
        "handleplan",
        "accept_row",
        json!({ "id": "r1", "accepted": true }),
    ))
    .await;
    fac.ok(act("handleplan", "add_row", json!({ "row": { "area": "min-chef", "action": "Månedlig 1:1 om trivsel", "owner": "Direktøren" } }))).await;
    fac.ok(act(
        "handleplan",
        "move_row",
        json!({ "id": "r3", "to": 0 }),
    ))
    .await;
    let plan = proj
        .until("plan on projector", |m| {
            m["type"] == "activity" && m["activity"]["rows"][0]["id"] == "r3"
        })
        .await;
    assert_eq!(plan["activity"]["rows"].as_array().unwrap().len(), 3);

    // Exports.
    let (md, html, docx, csv, json) = all_exports(&server, &session).await;
    for text in [&md, &html, &docx] {
        assert!(
            text.contains("Sparring hver anden uge"),
            "the accepted row is exported"
        );
        assert!(text.contains("Månedlig 1:1 om trivsel"));
        assert!(
            !text.contains("Et forslag ingen tog op"),
            "a proposal nobody accepted is not in the plan"
        );
        assert!(text.contains("Prioriteringskort"), "the grid is there");
        assert!(
            text.contains("Vi savner fælles sparring"),
            "the card notes are there"
        );
    }
    assert_eq!(csv.len(), 2, "two accepted rows");
    assert_eq!(csv[0][1], "Månedlig 1:1 om trivsel", "in the agreed order");
    assert_eq!(csv[1][1], "Sparring hver anden uge");
    assert_eq!(json["action_plan"].as_array().unwrap().len(), 2);
    let grid = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "grid")
        .unwrap();
    let frirum = grid["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["text"]["da"] == "Frirum og ro til fordybelse i hverdagen")
        .unwrap();
    assert_eq!(frirum["priority"], 1);
    assert_eq!(frirum["agreed"], json!([5, 2]));
    assert_eq!(frirum["dots"], 10);

    // The end: every screen shows what was agreed, in the agreed order, and only that.
    goto(&mut fac, &mut proj, &mut phones, 4).await;
    for screen in phones.iter().chain([&proj, &fac]) {
        let end = screen
            .frames
            .iter()
            .rev()
            .find(|m| m["type"] == "step")
            .unwrap();
        assert_eq!(end["step"]["kind"], "end");
        let agreed = &end["activity"];
        assert_eq!(agreed["kind"], "end");
        let rows: Vec<(&str, &str)> = agreed["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["id"].as_str().unwrap(), r["action"].as_str().unwrap()))
            .collect();
        assert_eq!(
            rows,
            [
                ("handleplan:r3", "Månedlig 1:1 om trivsel"),
                ("handleplan:r1", "Sparring hver anden uge")
            ]
        );
        assert!(
            agreed["areas"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["id"] == "min-chef" && a["title"]["da"] == "Vores chef")
        );
    }
}

#[tokio::test]
async fn a_whole_del3_meeting_maps_the_outside_world_and_exports_no_private_answer() {
    let server = TestServer::start().await;
    let session = create(&server, "del3", 3).await;
    let (mut fac, mut proj, mut phones) = room(&server, &session, 5).await;

    // The map: everyone names relatives; three name citizens or users; one names the council.
    goto(&mut fac, &mut proj, &mut phones, 1).await;
    for (i, phone) in phones.iter_mut().enumerate() {
        let relatives =
            json!({ "label": "Pårørende", "influence": 4 + i % 2, "effect": -2 + (i % 2) as i64 });
        phone.ok(json!({ "type": "answer", "step": "kortet", "prompt": format!("a-{i}-1"), "value": relatives })).await;
        if i < 3 {
            let label = if i == 0 { "Brugere" } else { "borgere" };
            let citizens = json!({ "label": label, "influence": 5, "effect": 1, "closeness": 4 });
            phone.ok(json!({ "type": "answer", "step": "kortet", "prompt": format!("a-{i}-2"), "value": citizens })).await;
        }
        if i == 4 {
            let council = json!({ "label": "Byrådet", "influence": 2, "effect": -1 });
            phone.ok(json!({ "type": "answer", "step": "kortet", "prompt": "a-4-3", "value": council })).await;
        }
    }
    let counted = proj
        .until("contributors", |m| {
            m["type"] == "activity" && m["activity"]["contributors"] == 5
        })
        .await;
    assert!(
        counted["activity"].get("actors").is_none(),
        "nothing on the projector before reveal"
    );
    fac.ok(act("kortet", "reveal", json!({ "revealed": true })))
        .await;
    fac.ok(act(
        "kortet",
        "merge",
        json!({ "labels": ["Brugere", "Borgere"], "into": "Borgere og brugere" }),
    ))
    .await;
    let map = proj
        .until("merged map", |m| {
            m["type"] == "activity"
                && m["activity"]["actors"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x["label"] == "Borgere og brugere"))
        })
        .await;
    let actors = map["activity"]["actors"].as_array().unwrap();
    assert_eq!(actors[0]["label"], "Pårørende");
    assert_eq!(actors[0]["named_by"], 5);
    let merged = actors
        .iter()
        .find(|a| a["label"] == "Borgere og brugere")
        .unwrap();
    assert_eq!(merged["named_by"], 3);
    assert!(merged["influence"]["mean"].as_f64().unwrap() > 4.9);
    assert!(
        actors.iter().all(|a| a["label"] != "Byrådet"),
        "one person's words are never shown (issue 13)"
    );
    assert_eq!(map["activity"]["too_few"], 1, "only counted");

    // Reflection: private lists; two people share one item each.
    goto(&mut fac, &mut proj, &mut phones, 2).await;
    for (i, phone) in phones.iter_mut().enumerate() {
        let items = json!([
            { "id": "i1", "text": format!("Delbart punkt {i}") },
            { "id": "i2", "text": format!("PRIVAT-NOTE-{i}-QZ") },
        ]);
        phone
            .ok(json!({ "type": "answer", "step": "handlerum", "prompt": "selv", "value": items }))
            .await;
    }
    phones[0]
        .ok(act(
            "handlerum",
            "share",
            json!({ "prompt": "selv", "item": "i1", "share": true, "named": true }),
        ))
        .await;
    phones[1]
        .ok(act(
            "handlerum",
            "share",
            json!({ "prompt": "selv", "item": "i1", "share": true }),
        ))
        .await;
    fac.ok(act("handlerum", "reveal", json!({ "revealed": true })))
        .await;
    let shared = proj
        .until("shared items", |m| {
            m["type"] == "activity"
                && m["activity"]["shared"]
                    .as_array()
                    .is_some_and(|s| s.len() == 2)
        })
        .await;
    let items = shared["activity"]["shared"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|s| s["text"] == "Delbart punkt 0" && s["author"] == "Leder 0")
    );
    assert!(
        items
            .iter()
            .any(|s| s["text"] == "Delbart punkt 1" && s["author"].is_null()),
        "anonymous"
    );
    fac.ok(act(
        "handlerum",
        "group",
        json!({ "shares": [0, 1], "label": "Det nære" }),
    ))
    .await;

    // The action plan.
    goto(&mut fac, &mut proj, &mut phones, 3).await;
    phones[4].ok(act("handleplan", "add_row", json!({ "row": { "area": "omverdenen", "action": "Fast dialogmøde med pårørenderådet", "answers": "Pårørende" } }))).await;
    fac.ok(act(
        "handleplan",
        "accept_row",
        json!({ "id": "r1", "accepted": true }),
    ))
    .await;
    goto(&mut fac, &mut proj, &mut phones, 4).await;

    let (md, html, docx, csv, json) = all_exports(&server, &session).await;
    for text in [&md, &html, &docx] {
        assert!(text.contains("Interessentkort"), "the map is there");
        assert!(text.contains("Borgere og brugere"));
        assert!(
            text.contains("Delbart punkt 0") && text.contains("Leder 0"),
            "shared items with the chosen name"
        );
        assert!(text.contains("Fast dialogmøde med pårørenderådet"));
    }
    let everything = format!("{md}{html}{docx}{json}{csv:?}");
    for i in 0..5 {
        assert!(
            !everything.contains(&format!("PRIVAT-NOTE-{i}-QZ")),
            "a private answer reached an export"
        );
    }
    assert!(
        !everything.contains("Leder 2"),
        "no name that was not chosen to be shown"
    );
    assert_eq!(csv.len(), 1);
    // Private notes never reached another screen either.
    for (i, screen) in phones.iter().enumerate() {
        for frame in &screen.raw {
            for j in (0..5).filter(|j| *j != i) {
                assert!(
                    !frame.contains(&format!("PRIVAT-NOTE-{j}-QZ")),
                    "phone {i} saw phone {j}'s note"
                );
            }
        }
    }
    for frame in fac.raw.iter().chain(&proj.raw) {
        assert!(!frame.contains("PRIVAT-NOTE"), "staff saw a private note");
    }
}

#[tokio::test]
async fn a_leader_keeps_a_personal_plan_and_shares_it_only_on_purpose() {
    let server = TestServer::start().await;
    let session = create(&server, "enkelte-leder", 1).await;
    let (mut fac, mut proj, mut phones) = room(&server, &session, 1).await;
    let index = fac.frames[0]["session"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .position(|s| s["kind"] == "personal_plan")
        .unwrap();
    goto(&mut fac, &mut proj, &mut phones, index).await;
    let phone = &mut phones[0];
    let entry =
        json!({ "work": "Sige nej til flere møder", "first_step": "Gennemgå kalenderen fredag" });
    phone.ok(json!({ "type": "answer", "step": "min-trivsel", "prompt": "selvledelse", "value": entry })).await;
    let me = phone.frames[0]["me"].clone();
    let owner = format!(
        "Bearer {}:{}",
        me["id"].as_str().unwrap(),
        me["secret"].as_str().unwrap()
    );
    let url = server.url(&format!(
        "/api/sessions/{}/personal-plan?format=html",
        session.code
    ));
    let mine = server
        .http
        .get(&url)
        .header("authorization", &owner)
        .send()
        .await
        .unwrap();
    assert_eq!(mine.status(), 200);
    assert!(
        mine.text()
            .await
            .unwrap()
            .contains("Sige nej til flere møder")
    );
    let docx = server
        .http
        .get(url.replace("format=html", "format=docx"))
        .header("authorization", &owner)
        .send()
        .await
        .unwrap();
    assert_eq!(docx.status(), 200);
    let bytes = docx.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK");
    let boss = format!("{url}&participant={}", me["id"].as_str().unwrap());
    let before = server
        .http
        .get(&boss)
        .bearer_auth(&session.facilitator_token)
        .send()
        .await
        .unwrap();
    assert_eq!(before.status(), 404, "not shared yet");
    let wrong = server
        .http
        .get(&url)
        .header(
            "authorization",
            format!("Bearer {}:{}", me["id"].as_str().unwrap(), "0".repeat(40)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401, "a wrong secret opens nothing");
    for frame in fac.raw.iter().chain(&proj.raw) {
        assert!(
            !frame.contains("Sige nej til flere møder"),
            "the boss saw it before it was shared"
        );
    }
    phone
        .ok(act("min-trivsel", "share_plan", json!({ "share": true })))
        .await;
    let shared = fac
        .until("shared plan", |m| {
            m["type"] == "activity"
                && m["activity"]["shared"]
                    .as_array()
                    .is_some_and(|s| !s.is_empty())
        })
        .await;
    assert_eq!(
        shared["activity"]["shared"][0]["plan"]["areas"][0]["work"],
        "Sige nej til flere møder"
    );
    let after = server
        .http
        .get(&boss)
        .bearer_auth(&session.facilitator_token)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 200);
    for frame in &proj.raw {
        assert!(
            !frame.contains("Sige nej til flere møder"),
            "the projector never shows a personal plan"
        );
    }
}
