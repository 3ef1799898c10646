//! Tables (issue 16) over real sockets: a Del 2 hall of three tables — one below `min_group` —
//! with a screen per table, phones that choose their table, a participant moved, a late joiner,
//! a host, each table's plan and the hall's, and the exports of each; then a kill -9 in the
//! middle of table work, after which nothing acknowledged is lost.

use serde_json::{Value, json};

use crate::common::{Client, Created, ProcessServer, TestServer, data_dir, quiet_port};

/// Creates a Del 2 session with `count` tables where participants choose their own and phones
/// show their table's revealed results.
async fn create_with_tables(http: &reqwest::Client, base: &str, count: usize) -> Created {
    let response = http
        .post(format!("{base}/api/sessions"))
        .json(&json!({
            "programme": "del2",
            "tables": { "count": count, "choose": true, "phones_see_results": true },
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

/// A table screen: the projector token with a table's number.
async fn table_screen(addr: &str, session: &Created, table: u16) -> Client {
    let mut client = Client::connect(addr, &session.code, &format!("table {table}")).await;
    client
        .send(json!({ "type": "hello", "token": session.projector_token(), "table": table }))
        .await;
    let snapshot = client.expect("snapshot").await;
    assert_eq!(snapshot["session"]["table"], table, "{snapshot}");
    client
}

/// A phone that joins and takes a seat at `table`.
async fn seated(addr: &str, code: &str, name: &str, table: u16) -> Client {
    let mut phone = Client::join(addr, code, Some(name)).await;
    phone.ok(json!({ "type": "seat", "table": table })).await;
    phone
        .latest("snapshot", "my seat", |m| m["me"]["table"] == table)
        .await;
    phone
}

fn rate(importance: u8, success: u8) -> Value {
    json!({ "type": "answer", "step": "prioritering", "prompt": "tillid",
            "value": { "importance": importance, "success": success } })
}

fn act(step: &str, action: &str, extra: Value) -> Value {
    let mut msg = json!({ "type": "act", "step": step, "action": action });
    if let (Some(msg), Value::Object(extra)) = (msg.as_object_mut(), extra) {
        msg.extend(extra);
    }
    msg
}

/// The grid result of topic `tillid` in an activity frame (null when it has none).
fn tillid(frame: &Value) -> &Value {
    frame["activity"]["results"]
        .as_array()
        .and_then(|r| r.iter().find(|t| t["topic"] == "tillid"))
        .unwrap_or(&Value::Null)
}

async fn export(server: &TestServer, session: &Created, query: &str) -> reqwest::Response {
    server
        .http
        .get(server.url(&format!("/api/sessions/{}/export?{query}", session.code)))
        .bearer_auth(&session.facilitator_token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn three_tables_each_see_their_own_results_and_the_hall_adds_up_only_those_shown() {
    let server = TestServer::start().await;
    let session = create_with_tables(&server.http, &server.url(""), 3).await;
    let addr = &server.addr;
    let mut fac = Client::staff(addr, &session.code, &session.facilitator_token).await;
    let mut hall = Client::staff(addr, &session.code, session.projector_token()).await;
    let mut screens = Vec::new();
    for t in 1..=3 {
        screens.push(table_screen(addr, &session, t).await);
    }
    // A screen for a table the session does not have is refused with a reason.
    let mut wrong = Client::connect(addr, &session.code, "table 4").await;
    wrong
        .send(json!({ "type": "hello", "token": session.projector_token(), "table": 4 }))
        .await;
    assert_eq!(wrong.expect("error").await["code"], "no_table");

    // Tables 1 and 2 get three phones each, table 3 two (min_group is 3).
    let mut phones = Vec::new();
    for (i, t) in [1u16, 1, 1, 2, 2, 2, 3, 3].iter().enumerate() {
        phones.push(seated(addr, &session.code, &format!("Leder {i}"), *t).await);
    }
    fac.ok(json!({ "type": "goto", "index": 2 })).await;
    let ratings = [
        (5, 1),
        (5, 2),
        (4, 1),
        (2, 4),
        (3, 4),
        (1, 5),
        (1, 1),
        (2, 2),
    ];
    for (phone, (i, s)) in phones.iter_mut().zip(ratings) {
        phone.ok(rate(i, s)).await;
    }
    fac.ok(act("prioritering", "reveal", json!({ "revealed": true })))
        .await;

    let revealed = |m: &Value| m["type"] == "activity" && m["activity"]["revealed"] == true;
    let one = screens[0].until("table 1 revealed", revealed).await;
    assert_eq!(tillid(&one)["raters"], 3);
    assert!((tillid(&one)["importance"]["mean"].as_f64().unwrap() - 14.0 / 3.0).abs() < 0.01);
    let three = screens[2].until("table 3 revealed", revealed).await;
    assert_eq!(tillid(&three)["raters"], 2);
    assert!(
        tillid(&three)["importance"].is_null(),
        "two raters at table 3: too few to show"
    );
    // The hall: tables 1 and 2 pooled (six raters), table 3 left out and counted.
    let plenary = hall.until("the hall revealed", revealed).await;
    let figure = tillid(&plenary);
    assert_eq!(figure["raters"], 6);
    assert_eq!(figure["tables_left_out"], 1);
    let mean = (5 + 5 + 4 + 2 + 3 + 1) as f64 / 6.0;
    assert!((figure["importance"]["mean"].as_f64().unwrap() - mean).abs() < 0.01);
    assert_eq!(plenary["activity"]["tables"].as_array().unwrap().len(), 3);
    // Phones see their own table's result (the facilitator allowed it), nobody else's.
    let mine = phones[3].until("table 2 on a phone", revealed).await;
    assert_eq!(tillid(&mine)["raters"], 3);
    assert!((tillid(&mine)["importance"]["mean"].as_f64().unwrap() - 2.0).abs() < 0.01);
    // No screen ever carried table 3's two ratings: no mean of theirs anywhere.
    for client in screens
        .iter()
        .chain([&hall, &phones[0], &phones[3], &phones[6]])
    {
        for frame in &client.frames {
            if frame["type"] != "activity" {
                continue;
            }
            let text = frame.to_string();
            assert!(!text.contains("\"mean\":1.5"), "{text}");
        }
    }

    // The facilitator moves a phone from table 1 to table 3: table 3 shows at once (three
    // raters now); table 1 keeps what it showed until min_group of it change.
    let moved = phones[2]
        .frames
        .iter()
        .rev()
        .find(|m| m["type"] == "snapshot")
        .unwrap()["me"]["id"]
        .clone();
    fac.ok(json!({ "type": "seat", "participant": moved, "table": 3 }))
        .await;
    phones[2]
        .until("moved to table 3", |m| {
            m["type"] == "snapshot" && m["me"]["table"] == 3
        })
        .await;
    let three = screens[2]
        .until("table 3 shows", |m| {
            m["type"] == "activity" && tillid(m)["importance"].is_object()
        })
        .await;
    assert_eq!(tillid(&three)["raters"], 3);
    let hall_now = hall
        .until("the hall takes table 3 in", |m| {
            m["type"] == "activity" && tillid(m)["tables_left_out"] == 0
        })
        .await;
    assert_eq!(tillid(&hall_now)["raters"], 9, "{hall_now}");

    // A late joiner is asked for a table (none yet) and takes one.
    let mut late = Client::join(addr, &session.code, Some("Sen")).await;
    let snapshot = late.frames[0].clone();
    assert!(snapshot["me"]["table"].is_null());
    assert_eq!(snapshot["session"]["tables"]["count"], 3);
    assert_eq!(snapshot["session"]["tables"]["choose"], true);
    late.ok(json!({ "type": "seat", "table": 2 })).await;

    // A host at table 2 places the group's position; the hall shows it for table 2 only.
    let host = phones[3]
        .frames
        .iter()
        .rev()
        .find(|m| m["type"] == "snapshot")
        .unwrap()["me"]["id"]
        .clone();
    phones[3]
        .ok(json!({ "type": "host", "table": 2, "participant": host }))
        .await;
    phones[3]
        .latest("snapshot", "host", |m| m["me"]["host"] == true)
        .await;
    phones[3]
        .ok(act(
            "prioritering",
            "place",
            json!({ "topic": "tillid", "position": [4, 2] }),
        ))
        .await;
    let placed = hall
        .until("table 2's placement in the hall", |m| {
            m["type"] == "activity"
                && m["activity"]["tables"][1]["agreed"]["tillid"] == json!([4, 2])
        })
        .await;
    assert!(
        placed["activity"]["tables"][0]["agreed"]
            .as_object()
            .unwrap()
            .is_empty()
    );
    let refused = phones[4]
        .refused(act(
            "prioritering",
            "place",
            json!({ "topic": "tillid", "position": [1, 1] }),
        ))
        .await;
    assert_eq!(
        refused["code"], "not_allowed",
        "only the host steers a table"
    );

    // Plans: table 2 proposes and its host accepts; the facilitator lifts it into the hall's.
    fac.ok(json!({ "type": "goto", "index": 3 })).await;
    phones[4]
        .ok(act(
            "handleplan",
            "add_row",
            json!({ "row": { "area": "ledergruppen", "action": "Fast tid til sparring", "owner": "Mette" } }),
        ))
        .await;
    phones[3]
        .ok(act(
            "handleplan",
            "accept_row",
            json!({ "id": "r1", "accepted": true }),
        ))
        .await;
    fac.ok(act("handleplan", "lift", json!({ "from": 2, "id": "r1" })))
        .await;
    let hall_plan: Value = export(&server, &session, "format=json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(hall_plan["tables"], 3);
    assert_eq!(
        hall_plan["action_plan"][0]["action"],
        "Fast tid til sparring"
    );
    assert_eq!(hall_plan["action_plan"][0]["table"], 2);
    let two: Value = export(&server, &session, "format=json&table=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (two["table"].clone(), two["participants"].clone()),
        (json!(2), json!(4))
    );
    assert_eq!(two["action_plan"][0]["action"], "Fast tid til sparring");
    let one: Value = export(&server, &session, "format=json&table=1")
        .await
        .json()
        .await
        .unwrap();
    assert!(one["action_plan"].as_array().unwrap().is_empty());
    // Every format of a table's export downloads; a table the session lacks is refused.
    for format in ["md", "html", "csv", "docx", "xlsx"] {
        let response = export(&server, &session, &format!("format={format}&table=2")).await;
        assert_eq!(response.status(), 200, "{format}");
        let name = response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(name.contains("bord-2"), "{name}");
    }
    assert_eq!(
        export(&server, &session, "format=json&table=9")
            .await
            .status(),
        404
    );
    assert_eq!(
        export(&server, &session, "format=json&table=0")
            .await
            .status(),
        400
    );
}

#[tokio::test]
async fn a_kill_during_table_work_loses_nothing_acknowledged() {
    let (_dir, data) = data_dir();
    let address = format!("127.0.0.1:{}", quiet_port());
    let mut server = ProcessServer::start_at(&data, &address).await;
    let http = reqwest::Client::new();
    let session = create_with_tables(&http, &server.url(""), 2).await;
    let mut fac = Client::staff(&address, &session.code, &session.facilitator_token).await;
    let mut phones = Vec::new();
    for (i, t) in [1u16, 1, 1, 2, 2, 2].iter().enumerate() {
        phones.push(seated(&address, &session.code, &format!("P{i}"), *t).await);
    }
    fac.ok(json!({ "type": "goto", "index": 2 })).await;
    for (i, phone) in phones.iter_mut().enumerate() {
        phone.ok(rate(1 + i as u8 % 5, 5 - i as u8 % 5)).await;
    }
    let host = phones[0].frames[0]["me"].clone();
    phones[0]
        .ok(json!({ "type": "host", "table": 1, "participant": host["id"] }))
        .await;
    phones[0]
        .ok(act(
            "prioritering",
            "place",
            json!({ "topic": "tillid", "position": [5, 1] }),
        ))
        .await;
    fac.ok(json!({ "type": "seat", "participant": phones[5].frames[0]["me"]["id"], "table": 1 }))
        .await;
    let mes: Vec<Value> = phones.iter().map(|p| p.frames[0]["me"].clone()).collect();
    let seq = fac.last_seq();
    // Everything above was acknowledged, so it is on disk.
    server.kill();
    drop(phones);
    let server = ProcessServer::start_at(&data, &address).await;
    let expected_tables = [1, 1, 1, 2, 2, 1];
    for (i, me) in mes.iter().enumerate() {
        let back = Client::resume(&address, &session.code, me, seq).await;
        let snapshot = back.frames.last().unwrap().clone();
        assert_eq!(snapshot["me"]["table"], expected_tables[i], "P{i}");
        assert_eq!(
            snapshot["me"]["answers"]["prioritering"]["tillid"]["importance"],
            1 + i as u64 % 5,
            "P{i}'s rating"
        );
        assert_eq!(snapshot["me"]["host"] == json!(true), i == 0, "P{i}");
    }
    let screen = table_screen(&address, &session, 1).await;
    let snapshot = screen.frames[0].clone();
    assert_eq!(snapshot["activity"]["agreed"]["tillid"], json!([5, 1]));
    assert_eq!(snapshot["progress"]["joined"], 4, "three and the moved one");
    drop(server);
}
