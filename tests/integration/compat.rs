//! Compatibility: a data directory written by the binary of commit 91a6ba8 (before the big
//! refactor of issue 11) loads with the current code, every session is back as it was, and
//! every export is exactly what that binary exported from it — or, where a later issue changed
//! a document on purpose, exactly the reviewed file in `tests/fixtures/compat/now/` (each such
//! change stated in `now/CHANGES.md`). The fixture, what is in it and how it was made:
//! `tests/fixtures/compat/README.md`; its data and `exports/` were written by
//! `scripts/make-compat-fixture.py`, never by this code.
//!
//! `TRIVSEL_BLESS_COMPAT=1 cargo test --test integration compat` writes `now/` anew: every
//! download that differs from the old binary's, and nothing that does not. Then read the diff
//! of `now/` and state the change in `now/CHANGES.md`.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::TestServer;

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/compat")
        .join(path)
}

fn manifest() -> Value {
    let text = std::fs::read_to_string(fixture("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The current server over a copy of the fixture's data directory (the fixture stays as it is).
async fn load_fixture() -> TestServer {
    let data = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("data/trivsel.sqlite3"),
        data.path().join("trivsel.sqlite3"),
    )
    .unwrap();
    // The sessions' last activity is the day the fixture was written; the longest retention
    // keeps them until ten years after that, instead of the default 30 days.
    TestServer::start_configured(data, |config| config.retention_days = 3650).await
}

/// The `Authorization` value a download was made with, from the session's credentials.
fn bearer(manifest: &Value, download: &Value) -> Option<String> {
    let code = download["path"]
        .as_str()
        .unwrap()
        .split('/')
        .nth(3)
        .unwrap();
    let session = manifest["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == code)
        .expect("every download names a session of the manifest");
    match download["auth"].as_str()? {
        "facilitator" => Some(session["facilitator_token"].as_str().unwrap().to_owned()),
        participant => {
            let id = participant.strip_prefix("participant:").unwrap();
            let person = session["participants"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["id"] == id)
                .unwrap();
            Some(format!("{id}:{}", person["secret"].as_str().unwrap()))
        }
    }
}

/// The one volatile part of any download: an invitation's `DTSTAMP` is when the file was made
/// (RFC 5545 requires it), so two downloads from the same binary differ there and nowhere
/// else. Exactly that value is blanked. Everything else — Markdown, HTML, CSV, JSON, Word,
/// QR code — the old binary gave byte for byte the same each time, and so must the new one.
fn normalise(file: &str, bytes: &[u8]) -> Vec<u8> {
    if !file.ends_with(".ics") {
        return bytes.to_vec();
    }
    let text = std::str::from_utf8(bytes).expect("an invitation is UTF-8");
    text.split_inclusive("\r\n")
        .map(|line| {
            if line.starts_with("DTSTAMP:") {
                "DTSTAMP:(when downloaded)\r\n"
            } else {
                line
            }
        })
        .collect::<String>()
        .into_bytes()
}

/// Where two texts part, for a failure message a person can act on: the line, and around the
/// first character that differs (Word's XML is one long line).
fn first_difference(expected: &[u8], got: &[u8]) -> String {
    let (expected, got) = (
        String::from_utf8_lossy(expected),
        String::from_utf8_lossy(got),
    );
    for (i, (a, b)) in expected.lines().zip(got.lines()).enumerate() {
        if a != b {
            let same = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
            let from = same.saturating_sub(60);
            let around = |s: &str| s.chars().skip(from).take(160).collect::<String>();
            return format!(
                "line {}, character {}:\n    was: …{}\n    now: …{}",
                i + 1,
                same + 1,
                around(a),
                around(b)
            );
        }
    }
    format!(
        "{} lines before, {} now",
        expected.lines().count(),
        got.lines().count()
    )
}

/// A Word file: the same parts in the same order, each text part byte for byte as saved, each
/// picture with the saved SHA-256 — and then the whole file, container and all, the same.
fn compare_docx(download: &Value, got: &[u8]) -> Result<(), String> {
    let file = download["file"].as_str().unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(got))
        .map_err(|e| format!("not a zip package: {e}"))?;
    let parts = download["zip_parts"].as_array().unwrap();
    let names: Vec<&str> = parts.iter().map(|p| p["name"].as_str().unwrap()).collect();
    let now: Vec<String> = (0..archive.len())
        .map(|i| archive.by_index_raw(i).unwrap().name().to_owned())
        .collect();
    if now != names {
        return Err(format!("other parts: was {names:?}, now {now:?}"));
    }
    for (i, part) in parts.iter().enumerate() {
        let mut entry = archive.by_index(i).unwrap();
        let name = part["name"].as_str().unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if part["saved"] == true {
            let saved = std::fs::read(fixture(&format!("exports/{file}.parts/{name}"))).unwrap();
            if saved != bytes {
                return Err(format!(
                    "{name} differs at {}",
                    first_difference(&saved, &bytes)
                ));
            }
        } else if sha256_hex(&bytes) != part["sha256"] {
            return Err(format!("the picture {name} differs"));
        }
    }
    if sha256_hex(got) != download["sha256"] {
        return Err("every part is the same, but the zip container differs (order, compression or entry metadata)".into());
    }
    Ok(())
}

/// The reviewed current version of a download, where a later issue changed it on purpose.
fn intended(file: &str) -> PathBuf {
    fixture(&format!("now/{file}"))
}

/// Whether this run writes `now/` anew instead of comparing with it.
fn blessing() -> bool {
    std::env::var_os("TRIVSEL_BLESS_COMPAT").is_some_and(|v| v == "1")
}

/// A Word file's parts in their order: name and bytes, with the one volatile part of a Word
/// file blanked: since issue 14 its core properties say when it was made (`dcterms:created`,
/// `dcterms:modified`), as an invitation's `DTSTAMP` does.
fn docx_parts(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a zip package: {e}"))?;
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).map_err(|e| e.to_string())?;
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
            if entry.name() == CORE {
                bytes = blank_made(&bytes);
            }
            Ok((entry.name().to_owned(), bytes))
        })
        .collect()
}

/// The part with a Word file's core properties.
const CORE: &str = "docProps/core.xml";

/// Core properties with the times they give blanked.
fn blank_made(core: &[u8]) -> Vec<u8> {
    let mut xml = String::from_utf8_lossy(core).into_owned();
    for tag in ["dcterms:created", "dcterms:modified"] {
        let open = format!("<{tag} ");
        let close = format!("</{tag}>");
        if let Some(start) = xml.find(&open)
            && let Some(content) = xml[start..].find('>').map(|at| start + at + 1)
            && let Some(end) = xml[content..].find(&close).map(|at| content + at)
        {
            xml.replace_range(content..end, "(when made)");
        }
    }
    xml.into_bytes()
}

/// The zip container of a Word file, all but the core properties' checksum and size (which
/// change with the time they give): each entry's name, compression, time and attributes in
/// order, and the checksum and sizes of every other part.
fn container_sum(bytes: &[u8]) -> Result<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a zip package: {e}"))?;
    let mut listing = String::new();
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| e.to_string())?;
        listing.push_str(&format!(
            "{} {:?} {:?} {:?} {:?}",
            entry.name(),
            entry.compression(),
            entry.last_modified(),
            entry.unix_mode(),
            entry.extra_data(),
        ));
        if entry.name() != CORE {
            listing.push_str(&format!(
                " {} {} {}",
                entry.crc32(),
                entry.compressed_size(),
                entry.size()
            ));
        }
        listing.push('\n');
    }
    Ok(sha256_hex(listing.as_bytes()))
}

/// Word files are reviewed as the old ones are kept: each text part as a file of
/// `now/<file>.parts/` (the core properties' times blanked), pictures, embedded fonts and the
/// container only by SHA-256 (`now/<file>.sha256`, a line `name hash` per part, then `* hash` for the container,
/// see [`container_sum`]) — the diff stays readable and the fixture small.
fn bless_docx(file: &str, got: &[u8]) {
    let dir = intended(&format!("{file}.parts"));
    let _ = std::fs::remove_dir_all(&dir);
    let mut sums = String::new();
    for (name, bytes) in docx_parts(got).unwrap() {
        let binary = name.starts_with("word/media/") || name.starts_with("word/fonts/");
        if !binary && !name.ends_with('/') {
            let path = dir.join(&name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, &bytes).unwrap();
        }
        sums.push_str(&format!("{name} {}\n", sha256_hex(&bytes)));
    }
    sums.push_str(&format!("* {}\n", container_sum(got).unwrap()));
    std::fs::write(intended(&format!("{file}.sha256")), sums).unwrap();
}

fn compare_intended_docx(file: &str, got: &[u8]) -> Result<(), String> {
    let sums = std::fs::read_to_string(intended(&format!("{file}.sha256"))).unwrap();
    let parts = docx_parts(got)?;
    let mut lines = sums.lines();
    for (name, bytes) in &parts {
        let Some((saved_name, saved_sum)) = lines.next().and_then(|l| l.split_once(' ')) else {
            return Err(format!("{name} is a part more than reviewed"));
        };
        if saved_name != name {
            return Err(format!("part {name} where {saved_name} was reviewed"));
        }
        if saved_sum != sha256_hex(bytes) {
            let saved = std::fs::read(intended(&format!("{file}.parts/{name}")));
            return Err(match saved {
                Ok(saved) => format!("{name} differs at {}", first_difference(&saved, bytes)),
                Err(_) => format!("the picture or font {name} differs"),
            });
        }
    }
    match lines.next().and_then(|l| l.strip_prefix("* ")) {
        Some(sum) if sum == container_sum(got)? => Ok(()),
        Some(_) => Err("every part is as reviewed, but the zip container differs".into()),
        None => Err("fewer parts than reviewed".into()),
    }
}

/// A download compared with the reviewed file of this release.
fn compare_intended(file: &str, got: &[u8]) -> Result<(), String> {
    if file.ends_with(".docx") {
        return compare_intended_docx(file, got);
    }
    let saved = std::fs::read(intended(file)).unwrap();
    let (saved, got) = (normalise(file, &saved), normalise(file, got));
    if saved == got {
        Ok(())
    } else {
        Err(first_difference(&saved, &got))
    }
}

/// Whether a reviewed version of `file` is in `now/`, and its path (for a Word file, its
/// list of hashes).
fn reviewed(file: &str) -> PathBuf {
    if file.ends_with(".docx") {
        intended(&format!("{file}.sha256"))
    } else {
        intended(file)
    }
}

/// What differs between a download now and the one the old binary gave — or, where the
/// change is intended, the reviewed file of this release — if anything. Blessing writes (or
/// removes) the reviewed file instead.
fn check(download: &Value, got: &[u8]) -> Result<(), String> {
    let file = download["file"].as_str().unwrap();
    let as_old = compare(download, got);
    let reviewed = reviewed(file);
    if blessing() {
        let _ = std::fs::remove_file(&reviewed);
        let _ = std::fs::remove_dir_all(intended(&format!("{file}.parts")));
        if as_old.is_err() {
            std::fs::create_dir_all(reviewed.parent().unwrap()).unwrap();
            if file.ends_with(".docx") {
                bless_docx(file, got);
            } else {
                std::fs::write(&reviewed, got).unwrap();
            }
        }
        return Ok(());
    }
    match (as_old, reviewed.exists()) {
        (Ok(()), false) => Ok(()),
        (Ok(()), true) => Err(format!(
            "is again what the old binary gave, but now/{file} says it changed: remove it"
        )),
        (Err(why), false) => Err(why),
        (Err(_), true) => compare_intended(file, got)
            .map_err(|why| format!("differs from the reviewed now/{file}: {why}")),
    }
}

/// What differs between a download now and the one the old binary gave, if anything.
fn compare(download: &Value, got: &[u8]) -> Result<(), String> {
    let file = download["file"].as_str().unwrap();
    if download.get("zip_parts").is_some() {
        return compare_docx(download, got);
    }
    let saved = std::fs::read(fixture(&format!("exports/{file}"))).unwrap();
    if file.ends_with("info.json") {
        // An API reply rather than a file: the same JSON value is enough.
        let (was, now): (Value, Value) = (
            serde_json::from_slice(&saved).unwrap(),
            serde_json::from_slice(got).map_err(|e| format!("not JSON: {e}"))?,
        );
        return if was == now {
            Ok(())
        } else {
            Err(format!("was {was}\n    now {now}"))
        };
    }
    let (saved, got) = (normalise(file, &saved), normalise(file, got));
    if saved == got {
        Ok(())
    } else {
        Err(first_difference(&saved, &got))
    }
}

#[tokio::test]
async fn a_data_directory_written_by_the_first_release_loads_with_every_session_and_identical_exports()
 {
    let manifest = manifest();
    let server = load_fixture().await;
    let sessions = manifest["sessions"].as_array().unwrap();
    assert_eq!(
        server.state.registry().count(),
        sessions.len(),
        "every session of the fixture is back, and no other"
    );

    let downloads = manifest["downloads"].as_array().unwrap();
    let mut failures = Vec::new();
    for download in downloads {
        let file = download["file"].as_str().unwrap();
        let mut request = server
            .http
            .get(server.url(download["path"].as_str().unwrap()));
        if let Some(bearer) = bearer(&manifest, download) {
            request = request.bearer_auth(bearer);
        }
        let response = request.send().await.unwrap();
        if response.status() != 200 {
            failures.push(format!("{file}: status {}", response.status()));
            continue;
        }
        for header in ["content-type", "content-disposition"] {
            let now = response.headers().get(header).map(|v| v.to_str().unwrap());
            let key = header.replace('-', "_");
            if now != download[&key].as_str() {
                failures.push(format!(
                    "{file}: {header} was {}, now {now:?}",
                    download[&key]
                ));
            }
        }
        let body = response.bytes().await.unwrap();
        if let Err(why) = check(download, &body) {
            failures.push(format!("{file}: {why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} downloads differ from what the old binary gave (or from the reviewed file of \
         now/, where a change is intended; bless with TRIVSEL_BLESS_COMPAT=1 and review):\n  {}",
        failures.len(),
        downloads.len(),
        failures.join("\n  ")
    );

    // Every reviewed file of now/ is a download of the manifest, and each change is stated.
    let files: BTreeSet<String> = downloads
        .iter()
        .map(|d| d["file"].as_str().unwrap().to_owned())
        .collect();
    let reviewed = reviewed_files(&fixture("now"), "");
    let orphans: Vec<&String> = reviewed.iter().filter(|f| !files.contains(*f)).collect();
    assert!(
        orphans.is_empty(),
        "now/ holds files no download gives: {orphans:?}"
    );
    if !reviewed.is_empty() {
        let changes = std::fs::read_to_string(fixture("now/CHANGES.md"))
            .expect("now/CHANGES.md states why the files of now/ differ from the old binary's");
        assert!(changes.contains("## "), "now/CHANGES.md states each change");
    }

    // What the manifest promises is really covered: every session's reply and all five export
    // formats, the series' export, invitations and both kinds of personal-plan download.
    for session in sessions {
        let code = session["code"].as_str().unwrap();
        let paths: BTreeSet<&str> = downloads
            .iter()
            .map(|d| d["path"].as_str().unwrap())
            .filter(|p| p.starts_with(&format!("/api/sessions/{code}")))
            .collect();
        assert!(paths.contains(format!("/api/sessions/{code}").as_str()));
        for format in ["md", "html", "docx", "csv", "json"] {
            let path = format!("/api/sessions/{code}/export?format={format}");
            assert!(paths.contains(path.as_str()), "{path}");
        }
        assert!(
            paths.iter().any(|p| p.contains("/invitation.ics")),
            "{code}"
        );
    }
    let all: Vec<&str> = downloads
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        all.iter().filter(|p| p.starts_with("/api/series/")).count(),
        5
    );
    assert!(
        downloads.iter().any(|d| d["auth"]
            .as_str()
            .is_some_and(|a| a.starts_with("participant:")))
            && all
                .iter()
                .any(|p| p.contains("personal-plan") && p.contains("participant="))
    );
}

#[tokio::test]
async fn the_fixture_is_one_checkpointed_database_of_several_programmes_a_series_and_a_snapshot() {
    let entries: Vec<String> = std::fs::read_dir(fixture("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        entries,
        ["trivsel.sqlite3"],
        "no -wal or -shm file: everything is in the database file"
    );
    let manifest = manifest();
    let sessions = manifest["sessions"].as_array().unwrap();
    let programmes: BTreeSet<&str> = sessions
        .iter()
        .map(|s| s["programme"].as_str().unwrap())
        .collect();
    for programme in [
        "del1",
        "del2",
        "del3",
        "enkelte-leder",
        "organisationen",
        "ledergruppen",
    ] {
        assert!(programmes.contains(programme), "{programme}");
    }
    assert_eq!(
        sessions.iter().filter(|s| s["series"].is_object()).count(),
        3
    );
    assert!(
        sessions
            .iter()
            .any(|s| s["stored"]["snapshot_seq"].is_u64()
                && s["stored"]["events"].as_u64() > Some(0)),
        "one session is stored as a snapshot and the events after it"
    );
}

/// The downloads reviewed below `dir` (paths relative to `now/`), CHANGES.md aside.
fn reviewed_files(dir: &Path, prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries {
        let entry = entry.unwrap();
        let name = format!("{prefix}{}", entry.file_name().into_string().unwrap());
        if entry.file_type().unwrap().is_dir() {
            out.extend(reviewed_files(&entry.path(), &format!("{name}/")));
        } else if name != "CHANGES.md" {
            // A Word file is reviewed as its parts and its hashes: it counts as the file.
            let file = match name.split_once(".docx.") {
                Some((stem, _)) => format!("{stem}.docx"),
                None => name,
            };
            out.insert(file);
        }
    }
    out
}

/// SHA-256 (FIPS 180-4), to check the fixture's pictures without storing them.
fn sha256_hex(data: &[u8]) -> String {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&(data.len() as u64 * 8).to_be_bytes());
    for block in message.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes(word.try_into().unwrap());
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            (hh, g, f, e, d, c, b, a) = (g, f, e, d.wrapping_add(t1), c, b, a, t1.wrapping_add(t2));
        }
        for (state, value) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *state = state.wrapping_add(value);
        }
    }
    h.iter().map(|word| format!("{word:08x}")).collect()
}

#[test]
fn the_fixture_checksums_are_sha_256() {
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        sha256_hex(&[b'a'; 1000]),
        "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
    );
}
