//! Erasure reaches every copy, even through a crash: a participant's `forget_me` and the
//! facilitator's `DELETE` leave the erased words in no file of the data directory — not in the
//! database, not in its WAL, not in the later meetings of a series that carried them — also
//! when the server is killed with SIGKILL at any moment of the erase and started again, and
//! after a clean stop.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{Client, ProcessServer, TestServer, data_dir, quiet_port};

/// The files of `dir` (the data directory) whose bytes contain `needle`.
fn files_holding(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|path| {
            std::fs::read(path)
                .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
        })
        .collect()
}

/// Waits (generously) until no file of `dir` holds `needle`; panics naming the files if some
/// still do. For erasures that finish after their reply (a later meeting's copies).
async fn until_erased(dir: &Path, needle: &str, what: &str) {
    for _ in 0..600 {
        if files_holding(dir, needle).is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "{what}: {:?} still hold {needle}",
        files_holding(dir, needle)
    );
}

/// Waits for `d` without yielding: the kill must land within a fraction of a millisecond.
fn spin(d: Duration) {
    let until = Instant::now() + d;
    while Instant::now() < until {
        std::hint::spin_loop();
    }
}

/// The length of the WAL file in `data` (0 when there is none).
fn wal_len(data: &Path) -> u64 {
    std::fs::metadata(data.join("trivsel.sqlite3-wal")).map_or(0, |m| m.len())
}

/// When to kill: at even points `wait` after the erase was sent; at odd points `wait` after
/// its commit reached the WAL (the file grew from `before`), which lands between the commit
/// and the WAL's truncation — the moment a crash used to leave the erased text behind.
fn kill_point(server: &mut ProcessServer, data: &Path, point: u32, before: u64) -> Duration {
    let wait = Duration::from_micros(250 * u64::from(point / 2));
    if point % 2 == 1 {
        let since = Instant::now();
        while wal_len(data) == before && since.elapsed() < Duration::from_secs(5) {
            std::hint::spin_loop();
        }
    }
    spin(wait);
    server.kill();
    wait
}

/// A three-meeting series (Del 1 → Del 2 → Del 3) on `base`: its facilitator token and codes.
async fn series(http: &reqwest::Client, base: &str) -> (String, Vec<String>) {
    let created: Value = http
        .post(format!("{base}/api/series"))
        .json(&json!({ "series": "tre-trins-raket", "min_group": 3 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["facilitator_token"].as_str().unwrap().to_owned();
    let codes = created["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap().to_owned())
        .collect();
    (token, codes)
}

/// At every fourth pair of kill points the session is one meeting, not a series: no later
/// meeting's copy to erase at start-up, only the WAL.
async fn meetings(http: &reqwest::Client, base: &str, point: u32) -> (String, Vec<String>) {
    if point % 4 < 2 {
        series(http, base).await
    } else {
        let created = crate::common::create(http, base, "del1").await;
        (created.facilitator_token, vec![created.code])
    }
}

/// In meeting 1 Anna shares `secret` and Bo shares `kept`, the facilitator reveals, and
/// meeting 2 (if there is one) carries both in. Returns Anna's phone.
async fn share_and_carry(
    addr: &str,
    token: &str,
    codes: &[String],
    secret: &str,
    kept: &str,
) -> Client {
    let mut facilitator = Client::staff(addr, &codes[0], token).await;
    let mut anna = Client::join(addr, &codes[0], Some("Anna")).await;
    let mut bo = Client::join(addr, &codes[0], None).await;
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    for (phone, text) in [(&mut anna, secret), (&mut bo, kept)] {
        phone.expect("step").await;
        phone.ok(json!({ "type": "answer", "step": "arbejde-privat", "prompt": "balance-hvorfor", "value": text })).await;
        phone.ok(json!({ "type": "act", "step": "arbejde-privat", "action": "share", "prompt": "balance-hvorfor", "share": true, "named": false })).await;
    }
    facilitator
        .ok(json!({ "type": "act", "step": "arbejde-privat", "action": "reveal", "revealed": true }))
        .await;
    if codes.len() < 2 {
        drop((facilitator, bo));
        return anna;
    }
    let texts = carried(addr, token, &codes[1]).await;
    assert!(
        texts.iter().any(|t| t == secret) && texts.iter().any(|t| t == kept),
        "meeting 2 carries both shares: {texts:?}"
    );
    drop((facilitator, bo));
    anna
}

/// The texts meeting `code` carries, once it carries anything (opening it carries items in).
async fn carried(addr: &str, token: &str, code: &str) -> Vec<String> {
    let mut staff = Client::staff(addr, code, token).await;
    for _ in 0..100 {
        let snapshot = staff
            .frames
            .iter()
            .rev()
            .find(|m| m["type"] == "snapshot")
            .unwrap();
        let texts: Vec<String> = snapshot["session"]["carried"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["text"].as_str().map(str::to_owned))
            .collect();
        if !texts.is_empty() {
            return texts;
        }
        staff.expect("snapshot").await;
    }
    panic!("meeting {code} carried nothing");
}

/// The texts meeting `code` carries now.
async fn carried_now(addr: &str, token: &str, code: &str) -> Vec<String> {
    let staff = Client::staff(addr, code, token).await;
    staff.frames[0]["session"]["carried"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["text"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn forgetting_or_deleting_a_meeting_erases_its_copies_in_the_later_meetings_of_the_series() {
    let server = TestServer::start().await;
    let base = server.url("");
    let (token, codes) = series(&server.http, &base).await;
    let (secret, kept) = ("GLEM-MIG-I-SERIEN-4410", "BOS-DELING-5520");
    let mut anna = share_and_carry(&server.addr, &token, &codes, secret, kept).await;
    assert!(
        !files_holding(server.data.path(), secret).is_empty(),
        "the test means something: the share is stored"
    );

    anna.ok(json!({ "type": "forget_me" })).await;
    until_erased(server.data.path(), secret, "after her forget_me").await;
    let texts = carried_now(&server.addr, &token, &codes[1]).await;
    assert_eq!(texts, vec![kept.to_owned()], "Bo's share stays carried");

    // Deleting meeting 1 takes what it handed on with it: the reply comes once it is erased.
    let response = server
        .http
        .delete(server.url(&format!("/api/sessions/{}", codes[0])))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(
        files_holding(server.data.path(), kept),
        Vec::<PathBuf>::new(),
        "meeting 1's texts are gone with it, from meeting 2 too"
    );
    assert_eq!(
        carried_now(&server.addr, &token, &codes[1]).await,
        Vec::<String>::new()
    );
    drop(anna);
}

/// How many moments of each erase the server is killed at (see `kill_point`).
const KILL_POINTS: u32 = 24;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erase_killed_at_any_moment_leaves_nothing_in_any_file_after_the_restart() {
    let (_keep, data) = data_dir();
    let addr = format!("127.0.0.1:{}", quiet_port());
    let http = reqwest::Client::new();
    let base = format!("http://{addr}");
    let mut server = ProcessServer::start_at(&data, &addr).await;
    let mut erased = Vec::new();
    let (mut forget_committed, mut delete_committed) = (0, 0);

    for point in 0..KILL_POINTS {
        // forget_me, killed `wait` after it was sent.
        let (token, codes) = meetings(&http, &base, point).await;
        let secret = format!("GLEMT-{point}-{}", 7000 + point);
        let kept = format!("BEHOLDT-{point}-{}", 8000 + point);
        let mut anna = share_and_carry(&addr, &token, &codes, &secret, &kept).await;
        let me = anna.frames[0]["me"].clone();
        let op = format!("forget-{point}");
        let before = wal_len(&data);
        anna.send(json!({ "type": "forget_me", "op": op })).await;
        let wait = kill_point(&mut server, &data, point, before);
        drop(anna);
        server = ProcessServer::start_at(&data, &addr).await;
        let mut back = Client::resume(&addr, &codes[0], &me, 0).await;
        if back.frames[0]["me"]["answers"] == json!({}) {
            // The forget was committed before the kill: it must be complete in every file.
            forget_committed += 1;
            assert_eq!(
                files_holding(&data, &secret),
                Vec::<PathBuf>::new(),
                "forget_me killed at point {point} ({wait:?}): committed, yet its text is still stored"
            );
        }
        // The phone sends the unacknowledged forget again, with the same op id.
        back.send(json!({ "type": "forget_me", "op": op })).await;
        assert_eq!(back.reply_to(&op).await["type"], "ack");
        until_erased(
            &data,
            &secret,
            &format!("forget_me killed at point {point}, sent again"),
        )
        .await;
        erased.push(secret);
        drop(back);

        // DELETE of meeting 1, killed `wait` after it was sent.
        let (token, codes) = meetings(&http, &base, point).await;
        let secret = format!("SLETTET-{point}-{}", 9000 + point);
        let other = format!("OGSAA-SLETTET-{point}-{}", 6000 + point);
        drop(share_and_carry(&addr, &token, &codes, &secret, &other).await);
        let url = format!("{base}/api/sessions/{}", codes[0]);
        let before = wal_len(&data);
        let request = tokio::spawn(http.delete(&url).bearer_auth(&token).send());
        let wait = kill_point(&mut server, &data, point, before);
        let _ = request.await;
        server = ProcessServer::start_at(&data, &addr).await;
        let status = http
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status();
        if status == 404 {
            delete_committed += 1;
            for text in [&secret, &other] {
                assert_eq!(
                    files_holding(&data, text),
                    Vec::<PathBuf>::new(),
                    "DELETE killed at point {point} ({wait:?}): 404, yet a text of it is still stored"
                );
            }
        }
        // The facilitator deletes again: 204, or 404 when the first one got through.
        let again = http.delete(&url).bearer_auth(&token).send().await.unwrap();
        assert!(
            matches!(again.status().as_u16(), 204 | 404),
            "{}",
            again.status()
        );
        for text in [&secret, &other] {
            assert_eq!(
                files_holding(&data, text),
                Vec::<PathBuf>::new(),
                "after the repeated DELETE"
            );
        }
        erased.push(secret);
        erased.push(other);
    }
    println!(
        "kills: forget committed {forget_committed}/{KILL_POINTS}, delete committed {delete_committed}/{KILL_POINTS}"
    );

    // More work, then a clean stop and a start: nothing erased comes back.
    let (token, codes) = series(&http, &base).await;
    drop(share_and_carry(&addr, &token, &codes, "NYT-ARBEJDE-1", "NYT-ARBEJDE-2").await);
    server.terminate();
    let _server = ProcessServer::start_at(&data, &addr).await;
    for text in &erased {
        assert_eq!(
            files_holding(&data, text),
            Vec::<PathBuf>::new(),
            "after a clean stop"
        );
    }
}

/// The JSON export of `code`, as its facilitator downloads it.
async fn export(server: &TestServer, code: &str, token: &str) -> Value {
    server
        .http
        .get(server.url(&format!("/api/sessions/{code}/export?format=json")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The grid section of an export: per topic its raters and statistics.
fn grid_results(export: &Value) -> Value {
    export["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s.get("topics").is_some())
        .expect("the export has the grid's results")["topics"]
        .clone()
}

#[tokio::test]
async fn a_forget_after_a_reveal_holds_the_results_until_min_group_others_changed() {
    let server = TestServer::start().await;
    let created: Value = server
        .http
        .post(server.url("/api/sessions"))
        .json(&json!({ "programme": "del2", "min_group": 3 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = created["code"].as_str().unwrap().to_owned();
    let token = created["facilitator_token"].as_str().unwrap().to_owned();
    let mut fac = Client::staff(&server.addr, &code, &token).await;
    let mut hanne = Client::join(&server.addr, &code, None).await;
    let mut others = Vec::new();
    for _ in 0..4 {
        others.push(Client::join(&server.addr, &code, None).await);
    }
    fac.ok(json!({ "type": "goto", "index": 2 })).await;
    let topics: Vec<String> = fac.expect("step").await["activity"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    let rate = |topic: &str, i: usize, s: usize| json!({ "type": "answer", "step": "prioritering", "prompt": topic, "value": { "importance": i, "success": s } });
    // Only Hanne gives 5s: her answers can be looked for in the files.
    for topic in &topics {
        hanne.ok(rate(topic, 5, 5)).await;
        for (n, phone) in others.iter_mut().enumerate() {
            phone.ok(rate(topic, 1 + n % 4, 4 - n % 4)).await;
        }
    }
    fac.ok(json!({ "type": "act", "step": "prioritering", "action": "reveal", "revealed": true }))
        .await;
    let before = grid_results(&export(&server, &code, &token).await);
    assert_eq!(before[0]["raters"], 5, "{before}");
    let hers = r#""importance":5"#;
    assert!(
        !files_holding(server.data.path(), hers).is_empty(),
        "the test means something: her ratings are stored"
    );

    hanne.ok(json!({ "type": "forget_me" })).await;
    assert_eq!(
        grid_results(&export(&server, &code, &token).await),
        before,
        "her forget alone does not move the results: n·mean before minus after would be hers"
    );
    assert_eq!(
        files_holding(server.data.path(), hers),
        Vec::<PathBuf>::new(),
        "held as numbers, not as her answers"
    );
    let held = fac
        .until("the results are held", |m| {
            m["type"] == "activity" && m["activity"]["held"] == true
        })
        .await;
    assert!(held["activity"]["results"].is_array());

    // Fewer than min_group others change: still held.
    for phone in &mut others[..2] {
        for topic in &topics {
            phone.ok(rate(topic, 2, 2)).await;
        }
    }
    assert_eq!(grid_results(&export(&server, &code, &token).await), before);
    // The third: the results move, by four people at once.
    for topic in &topics {
        others[2].ok(rate(topic, 2, 2)).await;
    }
    let after = grid_results(&export(&server, &code, &token).await);
    for (b, a) in before
        .as_array()
        .unwrap()
        .iter()
        .zip(after.as_array().unwrap())
    {
        assert_eq!(a["raters"], 4, "{a}");
        assert_ne!(a["importance"], b["importance"]);
    }
    fac.until("no longer held", |m| {
        m["type"] == "activity"
            && m["activity"]["results"].is_array()
            && m["activity"].get("held").is_none()
    })
    .await;
    drop((hanne, others));
}
