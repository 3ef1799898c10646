//! Every built-in programme runs end to end: three participants do what each step asks, the
//! facilitator does what each step offers, and the session exports.

use serde_json::{Value, json};

use crate::common::{Client, TestServer};

/// What a participant sends for one prompt of a reflection step.
fn reflection_value(prompt: &Value, who: usize) -> Value {
    let text = format!("svar fra deltager {who}");
    match prompt["kind"].as_str().unwrap() {
        "scale" => json!(prompt["min"].as_i64().unwrap() + who as i64),
        "text" => json!(text),
        "list" => json!([{ "id": "i1", "text": text }]),
        "circles" => {
            json!({ "now": { "work": 70, "private": 30, "overlap": 10 }, "wanted": { "work": 55, "private": 45, "overlap": 20 } })
        }
        other => panic!("unknown prompt kind {other}"),
    }
}

/// Runs programme `id` through every step (see the module) and checks its exports; returns
/// the session (`office` renders its Word file).
pub(crate) async fn run_programme(server: &TestServer, id: &str) -> crate::common::Created {
    let created: crate::common::Created = server
        .http
        .post(server.url("/api/sessions"))
        .json(&json!({ "programme": id, "min_group": 3 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut fac = Client::staff(&server.addr, &created.code, &created.facilitator_token).await;
    let mut phones = Vec::new();
    for i in 0..3 {
        phones.push(Client::join(&server.addr, &created.code, Some(&format!("Leder {i}"))).await);
    }
    // A programme for one participant (the 1:1) has no group results to reveal.
    let for_one = fac.frames[0]["session"]["participants"] == "one";
    let steps = fac.frames[0]["session"]["steps"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        steps.last().unwrap()["kind"],
        "end",
        "{id} ends with an end step"
    );
    for (index, summary) in steps.iter().enumerate() {
        if index > 0 {
            fac.ok(json!({ "type": "goto", "index": index })).await;
        }
        let step_msg = if index == 0 {
            fac.frames[0].clone()
        } else {
            fac.until("step", |m| {
                m["type"] == "step" && m["step"]["index"] == index
            })
            .await
        };
        let step = step_msg["step"].clone();
        let activity = step_msg["activity"].clone();
        let sid = step["id"].as_str().unwrap().to_owned();
        assert!(
            !step["title"]["da"].as_str().unwrap().is_empty()
                && !step["title"]["en"].as_str().unwrap().is_empty()
        );
        assert_eq!(step["kind"], summary["kind"]);
        for (who, phone) in phones.iter_mut().enumerate() {
            if index > 0 {
                phone
                    .until("step", |m| {
                        m["type"] == "step" && m["step"]["index"] == index
                    })
                    .await;
            }
            match step["kind"].as_str().unwrap() {
                "reflection" => {
                    for prompt in step["prompts"].as_array().unwrap() {
                        let value = reflection_value(prompt, who);
                        phone.ok(json!({ "type": "answer", "step": sid, "prompt": prompt["id"], "value": value })).await;
                    }
                }
                "grid" => {
                    let max = step["scale_max"].as_i64().unwrap();
                    for topic in activity["topics"].as_array().unwrap() {
                        let rating = json!({ "importance": (who as i64) % max + 1, "success": max - (who as i64) % max });
                        phone.ok(json!({ "type": "answer", "step": sid, "prompt": topic["id"], "value": rating })).await;
                    }
                }
                "map" => {
                    let role = step["categories"][0]["da"]
                        .as_str()
                        .unwrap_or("Pårørende")
                        .to_owned();
                    let actor = json!({ "label": role, "influence": 3 + who % 3, "effect": 1 - who as i64 });
                    phone.ok(json!({ "type": "answer", "step": sid, "prompt": format!("a{who}"), "value": actor })).await;
                }
                "plan" => {
                    let area = step["areas"][0]["id"].clone();
                    let row =
                        json!({ "area": area, "action": format!("Forslag fra deltager {who}") });
                    phone
                        .ok(json!({ "type": "act", "step": sid, "action": "add_row", "row": row }))
                        .await;
                }
                "personal_plan" => {
                    for area in step["areas"].as_array().unwrap() {
                        let value =
                            json!({ "work": format!("arbejde {who}"), "first_step": "i morgen" });
                        phone.ok(json!({ "type": "answer", "step": sid, "prompt": area["id"], "value": value })).await;
                    }
                }
                _ => {}
            }
            phone
                .ok(json!({ "type": "ready", "step": sid, "ready": true }))
                .await;
        }
        fac.until("everyone ready", |m| {
            m["type"] == "progress" && m["ready"] == 3
        })
        .await;
        match step["kind"].as_str().unwrap() {
            "cards" => {
                fac.ok(json!({ "type": "act", "step": sid, "action": "deal", "to": "room" }))
                    .await;
                fac.ok(json!({ "type": "act", "step": sid, "action": "note", "text": "En note" }))
                    .await;
                fac.ok(json!({ "type": "act", "step": sid, "action": "deal", "to": "turn" }))
                    .await;
            }
            "reflection" | "grid" | "map" if for_one => {
                let refused = fac
                    .refused(
                        json!({ "type": "act", "step": sid, "action": "reveal", "revealed": true }),
                    )
                    .await;
                assert_eq!(refused["code"], "no_group", "{id}");
            }
            "reflection" | "grid" | "map" => {
                fac.ok(json!({ "type": "act", "step": sid, "action": "reveal", "revealed": true }))
                    .await;
            }
            "plan" => {
                fac.ok(json!({ "type": "act", "step": sid, "action": "accept_row", "id": "r1", "accepted": true })).await;
            }
            _ => {}
        }
    }
    for format in ["md", "html", "docx", "csv", "json", "xlsx"] {
        let response = server
            .http
            .get(server.url(&format!(
                "/api/sessions/{}/export?format={format}",
                created.code
            )))
            .bearer_auth(&created.facilitator_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{id} {format}");
        let bytes = response.bytes().await.unwrap();
        assert!(!bytes.is_empty());
        if format == "xlsx" {
            // A spreadsheet program opens it: the plan (where the programme has a plan step),
            // the results, the shared items.
            use calamine::Reader;
            let workbook = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec()))
                .unwrap_or_else(|e| panic!("{id}: not a spreadsheet: {e}"));
            let has_plan = steps.iter().any(|s| s["kind"] == "plan");
            assert_eq!(
                workbook.sheet_names().len(),
                if has_plan { 3 } else { 2 },
                "{id}: {:?}",
                workbook.sheet_names()
            );
        }
    }
    created
}

#[tokio::test]
async fn every_builtin_programme_runs_end_to_end() {
    let server = TestServer::start().await;
    let list = server.programmes().await;
    let ids: Vec<String> = list
        .iter()
        .filter(|p| p["series"].is_null())
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    for expected in [
        "organisationen",
        "ledergruppen",
        "enkelte-leder",
        "del1",
        "del2",
        "del3",
    ] {
        assert!(ids.iter().any(|i| i == expected), "{expected} is built in");
    }
    for id in &ids {
        run_programme(&server, id).await;
    }
}
