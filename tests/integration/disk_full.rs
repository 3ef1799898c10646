//! A full disk (issue 13, point 5): the real binary on a small tmpfs that is then filled. A
//! save the disk cannot hold gets a typed `disk_full` error and is not acknowledged; the
//! session keeps serving — its state, its exports, a new join's snapshot; creating answers a
//! typed `507`; a delete still works (the reserve file is given up for it); once there is room
//! again the phone's resent answer is saved, and after a restart everything acknowledged is
//! there. Mounting a tmpfs needs root, as this test script runs on CI.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::common::{Client, ProcessServer, create};

/// A tmpfs of `megabytes` at `dir`, unmounted when dropped.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, megabytes: u32) -> Tmpfs {
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir)
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "this test mounts a small tmpfs to fill it: run it as root (CI does)"
        );
        Tmpfs(dir.to_owned())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Writes `path` until the file system has no room left; returns how much it wrote.
fn fill(path: &Path) -> usize {
    let mut file = std::fs::File::create(path).unwrap();
    let chunk = vec![7u8; 64 * 1024];
    let mut written = 0;
    while file.write_all(&chunk).is_ok() {
        written += chunk.len();
    }
    // The last, partial chunk.
    let _ = file.flush();
    written
}

async fn answer(phone: &mut Client, text: &str) -> Value {
    let op = phone.op();
    phone
        .send(json!({ "type": "answer", "op": op, "step": "arbejde-privat", "prompt": "balance-hvorfor", "value": text }))
        .await;
    phone.reply_to(&op).await
}

#[tokio::test]
async fn a_full_disk_refuses_saves_with_a_typed_error_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let _mounted = Tmpfs::mount(dir.path(), 48);
    let data = dir.path().join("data");
    let server = ProcessServer::start(&data).await;
    let http = reqwest::Client::new();
    let kept = create(&http, &server.url(""), "del1").await;
    let doomed = create(&http, &server.url(""), "del2").await;
    let mut facilitator = Client::staff(&server.addr, &kept.code, &kept.facilitator_token).await;
    let mut phone = Client::join(&server.addr, &kept.code, None).await;
    let me = phone.frames[0]["me"].clone();
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    phone.expect("step").await;
    assert_eq!(answer(&mut phone, "SAVED-BEFORE").await["type"], "ack");

    // The disk fills up. SQLite may still have room in its files for a while: save until a
    // save is refused (bounded), each a different text of 1,500 characters.
    let filler = dir.path().join("filler");
    assert!(fill(&filler) > 0);
    let mut acknowledged = String::new();
    let mut refusal = None;
    for i in 0..4000 {
        let text = format!("{i:05}-{}", "x".repeat(1500));
        let reply = answer(&mut phone, &text).await;
        if reply["type"] == "ack" {
            acknowledged = text;
        } else {
            refusal = Some(reply);
            break;
        }
    }
    let refusal = refusal.expect("a full disk refuses a save at last");
    assert_eq!(refusal["code"], "disk_full", "a typed error: {refusal}");
    assert!(refusal["seq"].as_u64().unwrap() > 0, "{refusal}");

    // The session still serves: its state, its export, a resumed phone's snapshot.
    let info = http
        .get(server.url(&format!("/api/sessions/{}", kept.code)))
        .bearer_auth(&kept.facilitator_token)
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 200);
    let export = http
        .get(server.url(&format!("/api/sessions/{}/export?format=json", kept.code)))
        .bearer_auth(&kept.facilitator_token)
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    let again = Client::resume(&server.addr, &kept.code, &me, 0).await;
    if !acknowledged.is_empty() {
        assert_eq!(
            again.frames[0]["me"]["answers"]["arbejde-privat"]["balance-hvorfor"],
            acknowledged.as_str(),
            "the last acknowledged save is what the session holds"
        );
    }
    drop(again);

    // Creating needs room: a typed 507, not a 500.
    let created = http
        .post(server.url("/api/sessions"))
        .json(&json!({ "programme": "del1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 507);
    let body: Value = created.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("disk"), "{body}");

    // A delete frees room even now: the reserve is given up for it.
    let deleted = http
        .delete(server.url(&format!("/api/sessions/{}", doomed.code)))
        .bearer_auth(&doomed.facilitator_token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);

    // Room again: the phone sends what was refused, and it is saved.
    std::fs::remove_file(&filler).unwrap();
    let last = "SAVED-AFTER-THE-DISK-WAS-FULL";
    assert_eq!(answer(&mut phone, last).await["type"], "ack");
    drop(phone);
    drop(facilitator);
    drop(server);

    // Everything acknowledged is there after a restart; the deleted session is gone.
    let server = ProcessServer::start(&data).await;
    let back = Client::resume(&server.addr, &kept.code, &me, 0).await;
    assert_eq!(
        back.frames[0]["me"]["answers"]["arbejde-privat"]["balance-hvorfor"],
        last
    );
    let gone = http
        .get(server.url(&format!("/api/sessions/{}", doomed.code)))
        .bearer_auth(&doomed.facilitator_token)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
}
