//! The Word exports as LibreOffice shows them. Every built-in programme runs end to end over
//! HTTP and WebSocket (as in `programmes`); then the facilitator adds a long action plan and a
//! grid topic with the long Danish words that used to break ("Forventningsafstemning",
//! "Økonomiafdelingen", "2027-01-15"); an English session gets the same words. Each
//! session's `.docx` is rendered to PDF by one
//! `soffice --headless --convert-to pdf` call (Debian's `libreoffice-writer-nogui`, with
//! Carlito for Calibri; `.ci/run` installs them) and read back with poppler's `pdftotext
//! -layout`, `pdfinfo` and `pdffonts`. Checked: the font, the meeting's date line, every word of every table cell
//! whole on one line, the header row on every page a table spans, the core properties (in
//! `docProps/core.xml` and as the PDF's title). The pages are kept as PNG (50 dpi) in
//! `tests/browser/artifacts/office/` to be looked at.
//!
//! The same run takes, in the same `soffice` call, the series report of a three-meeting
//! series on three planned days (its title; each meeting's chapter in order, opening a page,
//! with its own day and participant count; the combined plan, opening a page, with its
//! "Møde" column on every page) and a leader's personal plan; prints the HTML exports of a session and of the series with headless
//! Chromium (`CHROMIUM_PATH`, default `/usr/bin/chromium`) and checks their text the same
//! way, and that they name no address but the server's own; and reads the series'
//! spreadsheet back with `calamine` (the plan sheet: the meeting first, the days as days).
//!
//! The series report is also rendered on a machine without Calibri or Carlito (fontconfig
//! given only DejaVu): it must be set in the Carlito the file carries, every word whole.
//!
//! Without LibreOffice, poppler or Chromium the test fails when `CI=true`, and elsewhere says
//! what is missing and passes without checking.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::{Client, Created, TestServer};
use crate::programmes::run_programme;

/// The programs the test needs.
const TOOLS: [&str; 5] = ["soffice", "pdftotext", "pdfinfo", "pdffonts", "pdftoppm"];

/// The longest LibreOffice may take to convert every file (its start-up is slow on a busy
/// machine).
const CONVERT_WITHIN: Duration = Duration::from_secs(600);

/// Action-plan rows added to each plan: enough for the table to run onto a second page.
const PLAN_ROWS: usize = 24;

/// The deadline and follow-up of every added row: in the months with the longest names
/// ("15. september", "30. november"), so the plan's date columns are at their widest.
const PLAN_DAYS: [&str; 2] = ["2027-09-15", "2027-11-30"];

const ENGLISH_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const DANISH_MONTHS: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];

fn missing_tools() -> Vec<String> {
    let mut missing: Vec<String> = TOOLS
        .into_iter()
        .filter(|tool| {
            !Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {tool}"))
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .map(str::to_owned)
        .collect();
    if !Path::new(&chromium()).exists() {
        missing.push(chromium());
    }
    missing
}

/// A moment as W3CDTF in UTC, to the second (as the Word file's core properties give it).
fn w3cdtf(ms: i64) -> String {
    let day = trivsel::dates::Date::from_ms(ms);
    let secs = ms.rem_euclid(86_400_000) / 1000;
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        day.year,
        day.month,
        day.day,
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Adds the long action plan and the long grid topic to a finished session.
async fn add_long_words(server: &TestServer, created: &Created) {
    add_plan_rows(server, created, PLAN_ROWS).await;
}

/// Adds `rows` long action-plan rows and the long grid topic to a finished session.
async fn add_plan_rows(server: &TestServer, created: &Created, rows: usize) {
    // A client of its own name: the operation ids of `run_programme`'s facilitator ("staff-1",
    // …) are taken, and the server answers a repeated id without applying it again.
    let mut fac = Client::connect(&server.addr, &created.code, "office").await;
    fac.send(json!({ "type": "hello", "token": created.facilitator_token }))
        .await;
    fac.expect("snapshot").await;
    let steps = fac.frames[0]["session"]["steps"]
        .as_array()
        .unwrap()
        .clone();
    for (index, summary) in steps.iter().enumerate() {
        let kind = summary["kind"].as_str().unwrap();
        if kind != "plan" && kind != "grid" {
            continue;
        }
        fac.ok(json!({ "type": "goto", "index": index })).await;
        let is_step = |m: &serde_json::Value| m["type"] == "step" && m["step"]["index"] == index;
        // The step may come before the goto's ack (`ok` reads past it; `frames` keeps it).
        let step = match fac.frames.iter().rev().find(|m| is_step(m)) {
            Some(m) => m["step"].clone(),
            None => fac.until("step", is_step).await["step"].clone(),
        };
        let sid = step["id"].as_str().unwrap().to_owned();
        if kind == "grid" {
            let topic = "Forventningsafstemning med Økonomiafdelingen";
            fac.ok(json!({ "type": "act", "step": sid, "action": "add_topic", "text": topic }))
                .await;
            continue;
        }
        let area = step["areas"][0]["id"].clone();
        for i in 1..=rows {
            let row = json!({
                "area": area,
                "action": format!("Punkt{i:02}: Forventningsafstemning om møderytmen i Ledergruppen"),
                "first_step": "Kalenderinvitation til Økonomiafdelingen og HR-konsulenten",
                "owner": "Økonomiafdelingen",
                // The longest month names, which a table writes short.
                "deadline": PLAN_DAYS[0],
                "follow_up": PLAN_DAYS[1],
                "answers": "Forventninger",
            });
            fac.ok(json!({ "type": "act", "step": sid, "action": "add_row", "row": row }))
                .await;
        }
    }
}

async fn download_docx(server: &TestServer, created: &Created) -> Vec<u8> {
    let response = server
        .http
        .get(server.url(&format!(
            "/api/sessions/{}/export?format=docx",
            created.code
        )))
        .bearer_auth(&created.facilitator_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap().to_vec()
}

/// Converts every file in one LibreOffice run (its start-up is the slow part), with a profile
/// of its own, waiting at most [`CONVERT_WITHIN`].
async fn convert_to_pdf(files: &[PathBuf], out: &Path) {
    convert_to_pdf_with(files, out, None).await
}

/// [`convert_to_pdf`], with fontconfig reading `fonts_conf` (a reader's machine with other
/// fonts) when given.
async fn convert_to_pdf_with(files: &[PathBuf], out: &Path, fonts_conf: Option<&Path>) {
    let profile = tempfile::tempdir().unwrap();
    let mut command = Command::new("soffice");
    if let Some(conf) = fonts_conf {
        command.env("FONTCONFIG_FILE", conf);
    }
    let mut child = command
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.path().display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(out)
        .args(files)
        .stdout(Stdio::null())
        .spawn()
        .expect("soffice starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > CONVERT_WITHIN {
            let _ = child.kill();
            let _ = child.wait();
            panic!("soffice did not convert within {CONVERT_WITHIN:?}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert!(status.success(), "soffice: {status}");
}

fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program).args(args).output().unwrap();
    assert!(output.status.success(), "{program} {args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// One part of a zip package.
fn part(docx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("{name} in the Word file"))
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The text of a piece of WordprocessingML: its `w:t` runs, line breaks and paragraph ends as
/// spaces.
fn runs_text(xml: &str) -> String {
    let xml = xml
        .replace("<w:br />", "<w:t> </w:t>")
        .replace("</w:p>", "<w:t> </w:t></w:p>");
    let mut out = String::new();
    let mut rest = xml.as_str();
    while let Some(at) = rest.find("<w:t") {
        rest = &rest[at + 4..];
        if !(rest.starts_with('>') || rest.starts_with(' ')) {
            continue;
        }
        let open_end = rest.find('>').unwrap();
        if rest[..open_end].ends_with('/') {
            continue;
        }
        rest = &rest[open_end + 1..];
        let close = rest.find("</w:t>").unwrap();
        out.push_str(&unescape(&rest[..close]));
        rest = &rest[close..];
    }
    out
}

/// Every table of `document.xml`: rows of cell texts, the header row first.
fn tables(document: &str) -> Vec<Vec<Vec<String>>> {
    let pieces = |xml: &str, open: &str, close: &str| -> Vec<String> {
        xml.split(open)
            .skip(1)
            .map(|piece| piece.split(close).next().unwrap().to_owned())
            .collect()
    };
    pieces(document, "<w:tbl>", "</w:tbl>")
        .iter()
        .map(|table| {
            pieces(table, "<w:tr>", "</w:tr>")
                .iter()
                .map(|row| {
                    pieces(row, "<w:tc>", "</w:tc>")
                        .iter()
                        .map(|cell| runs_text(cell))
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// Where the first of our plan rows ("Punkt07:") is on a page.
fn first_plan_row(page: &str) -> Option<usize> {
    page.match_indices("Punkt").map(|(at, _)| at).find(|&at| {
        let rest = &page.as_bytes()[at + 5..];
        rest.len() >= 3 && rest[0].is_ascii_digit() && rest[1].is_ascii_digit() && rest[2] == b':'
    })
}

/// One `<tag>…</tag>` of a small XML part.
fn element(xml: &str, tag: &str) -> Option<String> {
    let start = xml.find(&format!("<{tag}"))?;
    let content = start + xml[start..].find('>')? + 1;
    let end = content + xml[content..].find(&format!("</{tag}>"))?;
    Some(unescape(&xml[content..end]))
}

/// The planned days of the series' three meetings, and as the report writes them.
const SERIES_DATES: [(&str, &str); 3] = [
    ("2027-01-12", "12. januar 2027"),
    ("2027-02-09", "9. februar 2027"),
    ("2027-03-09", "9. marts 2027"),
];

/// Participants in each meeting of the series (all different, to tell the chapters apart).
const SERIES_PARTICIPANTS: [usize; 3] = [3, 5, 4];

/// Plan rows the facilitator adds in each of the series' meetings with a plan (Del 2, Del 3):
/// enough for the combined plan to run across pages.
const SERIES_PLAN_ROWS: usize = 14;

/// The longest Chromium may take to print one page to PDF.
const PRINT_WITHIN: Duration = Duration::from_secs(180);

fn chromium() -> String {
    std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".to_owned())
}

/// Runs one meeting of a series through every step with `n` participants: they answer what
/// each step asks, the facilitator reveals the results.
async fn run_meeting(server: &TestServer, code: &str, token: &str, n: usize) {
    let mut fac = Client::staff(&server.addr, code, token).await;
    let mut phones = Vec::new();
    for i in 0..n {
        phones.push(Client::join(&server.addr, code, Some(&format!("Leder {i}"))).await);
    }
    let steps = fac.frames[0]["session"]["steps"]
        .as_array()
        .unwrap()
        .clone();
    for index in 0..steps.len() {
        let is_step = |m: &serde_json::Value| m["type"] == "step" && m["step"]["index"] == index;
        let message = if index == 0 {
            fac.frames[0].clone()
        } else {
            fac.ok(json!({ "type": "goto", "index": index })).await;
            match fac.frames.iter().rev().find(|m| is_step(m)) {
                Some(m) => m.clone(),
                None => fac.until("step", is_step).await,
            }
        };
        let step = &message["step"];
        let sid = step["id"].as_str().unwrap().to_owned();
        let kind = step["kind"].as_str().unwrap();
        for (who, phone) in phones.iter_mut().enumerate() {
            let answers: Vec<(serde_json::Value, serde_json::Value)> = match kind {
                "reflection" => step["prompts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|prompt| {
                        let value = match prompt["kind"].as_str().unwrap() {
                            "scale" => json!(prompt["min"].as_i64().unwrap() + who as i64 % 3),
                            "list" => json!([{ "id": "i1", "text": format!("Svar {who}") }]),
                            "circles" => json!({
                                "now": { "work": 70, "private": 30, "overlap": 10 },
                                "wanted": { "work": 55, "private": 45, "overlap": 20 }
                            }),
                            _ => json!(format!("Svar fra deltager {who}")),
                        };
                        (prompt["id"].clone(), value)
                    })
                    .collect(),
                "grid" => {
                    let max = step["scale_max"].as_i64().unwrap();
                    message["activity"]["topics"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|topic| {
                            let rating = json!({ "importance": (who as i64) % max + 1, "success": max - (who as i64) % max });
                            (topic["id"].clone(), rating)
                        })
                        .collect()
                }
                "map" => {
                    let role = step["categories"][0]["da"].as_str().unwrap_or("Pårørende");
                    let actor = json!({ "label": role, "influence": 3 + who % 3, "effect": 1 - (who % 3) as i64 });
                    vec![(json!(format!("a{who}")), actor)]
                }
                _ => Vec::new(),
            };
            for (prompt, value) in answers {
                phone
                    .ok(json!({ "type": "answer", "step": sid, "prompt": prompt, "value": value }))
                    .await;
            }
        }
        if matches!(kind, "reflection" | "grid" | "map") {
            fac.ok(json!({ "type": "act", "step": sid, "action": "reveal", "revealed": true }))
                .await;
        }
    }
}

/// A leader's personal plan, filled in with the long words, as a Word file (downloaded with
/// the participant's own secret), and the session.
async fn personal_plan_docx(server: &TestServer) -> Vec<u8> {
    let created: Created = server
        .http
        .post(server.url("/api/sessions"))
        .json(&json!({ "programme": "enkelte-leder", "min_group": 1, "date": SERIES_DATES[0].0 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut fac = Client::staff(&server.addr, &created.code, &created.facilitator_token).await;
    let mut phone = Client::join(&server.addr, &created.code, Some("Leder")).await;
    let index = fac.frames[0]["session"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .position(|s| s["kind"] == "personal_plan")
        .expect("the 1:1 has a personal plan");
    fac.ok(json!({ "type": "goto", "index": index })).await;
    let step = phone
        .until("step", |m| {
            m["type"] == "step" && m["step"]["index"] == index
        })
        .await["step"]
        .clone();
    for area in step["areas"].as_array().unwrap() {
        let value = json!({
            "work": "Forventningsafstemning med Økonomiafdelingen om møderytmen i Ledergruppen",
            "first_step": "Kalenderinvitation til HR-konsulenten 2027-01-15",
        });
        phone
            .ok(json!({ "type": "answer", "step": step["id"], "prompt": area["id"], "value": value }))
            .await;
    }
    let me = &phone.frames[0]["me"];
    let response = server
        .http
        .get(server.url(&format!(
            "/api/sessions/{}/personal-plan?format=docx",
            created.code
        )))
        .header(
            "authorization",
            format!(
                "Bearer {}:{}",
                me["id"].as_str().unwrap(),
                me["secret"].as_str().unwrap()
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap().to_vec()
}

/// An export of the series (`/api/series/{code}/export`).
async fn series_export(server: &TestServer, code: &str, token: &str, format: &str) -> Vec<u8> {
    let response = server
        .http
        .get(server.url(&format!("/api/series/{code}/export?format={format}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "series {format}");
    response.bytes().await.unwrap().to_vec()
}

/// Prints an HTML file to PDF with headless Chromium (a profile of its own, no header or
/// footer), waiting at most [`PRINT_WITHIN`].
async fn print_html(html: &Path, pdf: &Path) {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > PRINT_WITHIN {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not print {} within {PRINT_WITHIN:?}",
                html.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert!(status.success(), "chromium: {status}");
    assert!(pdf.exists(), "chromium wrote no {}", pdf.display());
}

/// The text of every `<td>` and `<th>` of an HTML export, tags dropped.
fn html_cells(html: &str) -> Vec<String> {
    let mut cells = Vec::new();
    for tag in ["td", "th"] {
        for piece in html.split(&format!("<{tag}")).skip(1) {
            if !(piece.starts_with('>') || piece.starts_with(' ')) {
                continue;
            }
            let content = &piece[piece.find('>').unwrap() + 1..];
            let content = content.split(&format!("</{tag}>")).next().unwrap();
            let mut text = String::new();
            let mut in_tag = false;
            for c in content.chars() {
                match c {
                    '<' => {
                        in_tag = true;
                        text.push(' ');
                    }
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            cells.push(unescape(&text));
        }
    }
    cells
}

/// The addresses in an HTML export other than the server's own (`own`, its join links): a
/// page that is filed must not fetch anything from a third party.
fn foreign_urls(html: &str, own: &str) -> Vec<String> {
    html.match_indices("http")
        .filter_map(|(at, _)| {
            let rest = &html[at..];
            // A namespace (`xmlns="http://www.w3.org/2000/svg"`) names, it fetches nothing.
            let namespace =
                html[..at].ends_with("xmlns=\"") || html[..at].ends_with("xmlns:xlink=\"");
            if namespace || !(rest.starts_with("http://") || rest.starts_with("https://")) {
                return None;
            }
            let url: String = rest
                .chars()
                .take_while(|c| !c.is_whitespace() && !"\"'<>)".contains(*c))
                .collect();
            (!url.starts_with(own)).then_some(url)
        })
        .collect()
}

/// A day as a spreadsheet numbers it (days from 1899-12-30).
fn spreadsheet_day(iso: &str) -> f64 {
    let day: jiff::civil::Date = iso.parse().unwrap();
    let days = jiff::civil::date(1899, 12, 30)
        .until((jiff::Unit::Day, day))
        .unwrap()
        .get_days();
    f64::from(days)
}

/// A PDF's text as `pdftotext -layout` reads it, ligatures undone; pages end in a form feed.
fn pdf_text(pdf: &Path) -> String {
    run("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"])
        .replace('\u{fb01}', "fi")
        .replace('\u{fb02}', "fl")
        .replace('\u{fb00}', "ff")
}

/// The date after the first "Dato:" ("Date:" in English) of `text`, checked to be written
/// out: "12. januar 2027", "12 January 2027".
fn date_line(id: &str, lang: &str, text: &str) -> String {
    let (label, months, day_end) = if lang == "en" {
        ("Date:", ENGLISH_MONTHS, "")
    } else {
        ("Dato:", DANISH_MONTHS, ".")
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| *w == label)
        .unwrap_or_else(|| panic!("{id}: no date line in:\n{text}"));
    let parts: Vec<&str> = words[at + 1..].iter().take(3).copied().collect();
    let date = parts.join(" ");
    assert!(
        parts.len() == 3
            && parts[0]
                .strip_suffix(day_end)
                .is_some_and(|d| d.parse::<u8>().is_ok())
            && months.contains(&parts[1])
            && parts[2].len() == 4
            && parts[2].parse::<u16>().is_ok(),
        "{id}: the date line says {date:?}"
    );
    date
}

/// The series' chapters in a PDF's `text`, in order: each `(heading, date, participants)` a
/// line of its own, then its date ("Dato: …") and participant count ("Deltagere: …") before
/// the next chapter.
fn assert_chapters(id: &str, text: &str, chapters: &[(String, String, usize)]) {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut starts = Vec::new();
    let mut from = 0;
    for (heading, _, _) in chapters {
        let at = lines[from..]
            .iter()
            .position(|line| line == heading)
            .map(|i| i + from)
            .unwrap_or_else(|| panic!("{id}: no chapter {heading:?} after line {from}:\n{text}"));
        starts.push(at);
        from = at + 1;
    }
    for (n, (heading, date, participants)) in chapters.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(lines.len());
        let chapter = lines[starts[n]..end].join("\n");
        let words: Vec<&str> = chapter.split_whitespace().collect();
        let after = |label: &str, count: usize| {
            words.iter().position(|w| *w == label).map(|at| {
                words[at + 1..]
                    .iter()
                    .take(count)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
        };
        assert_eq!(
            after("Dato:", 3).as_deref(),
            Some(date.as_str()),
            "{id}: the date of {heading:?}"
        );
        assert_eq!(
            after("Deltagere:", 1),
            Some(participants.to_string()),
            "{id}: the participants of {heading:?}"
        );
    }
}

/// Each chapter of the series (its meetings and the combined plan) opens a page of the PDF:
/// its heading is the first line of some page.
fn assert_chapters_open_pages(id: &str, text: &str, chapters: &[(String, String, usize)]) {
    let firsts: Vec<&str> = text
        .split('\u{c}')
        .filter_map(|page| page.lines().map(str::trim).find(|line| !line.is_empty()))
        .collect();
    for heading in chapters
        .iter()
        .map(|(heading, _, _)| heading.as_str())
        .chain(["Handleplan"])
    {
        assert!(
            firsts.contains(&heading),
            "{id}: the chapter {heading:?} does not open a page; pages open with {firsts:?}"
        );
    }
}

/// Every word of `cells` occurs whole in the PDF's `text` (else noted in [`BROKEN`]), as often as in the cells (it may
/// occur outside them too, so at least as often).
fn assert_whole<'a>(id: &str, text: &str, cells: impl IntoIterator<Item = &'a String>, pdf: &Path) {
    let mut in_pdf: HashMap<&str, usize> = HashMap::new();
    for word in text.split_whitespace() {
        *in_pdf.entry(word).or_default() += 1;
    }
    let mut in_cells: HashMap<String, usize> = HashMap::new();
    for cell in cells {
        for word in cell.split_whitespace() {
            *in_cells.entry(word.to_owned()).or_default() += 1;
        }
    }
    let mut broken: Vec<String> = in_cells
        .iter()
        .filter(|(word, n)| in_pdf.get(word.as_str()).copied().unwrap_or(0) < **n)
        .map(|(word, n)| {
            let whole = in_pdf.get(word.as_str()).copied().unwrap_or(0);
            format!("{word} ({whole} of {n} whole)")
        })
        .collect();
    broken.sort();
    if !broken.is_empty() {
        BROKEN.lock().unwrap().push(format!(
            "{id}: words broken across lines in {}: {broken:?}",
            pdf.display()
        ));
    }
}

/// The words [`assert_whole`] found broken, asserted to be none at the end of the test (so
/// that the other checks of every file run first).
static BROKEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Whether the plan table (the one with our "Punkt01" row) runs onto another page; if it is
/// there, its header row (a line with the first words of its second and third headings) is
/// above the plan rows on every page they are on.
fn plan_spans(id: &str, pages: &[&str], tables: &[Vec<Vec<String>>]) -> bool {
    let Some(plan) = tables
        .iter()
        .find(|t| t.iter().flatten().any(|c| c.starts_with("Punkt01")))
    else {
        return false;
    };
    let first_word = |cell: &String| cell.split_whitespace().next().unwrap().to_owned();
    // The second and third headings (a narrow first column may break its heading: that is
    // for [`assert_whole`] to say).
    let header = [first_word(&plan[0][1]), first_word(&plan[0][2])];
    let on: Vec<(usize, usize)> = pages
        .iter()
        .enumerate()
        .filter_map(|(n, page)| first_plan_row(page).map(|at| (n, at)))
        .collect();
    assert!(on.len() >= 2, "{id}: the plan table spans {on:?} pages");
    for (n, first_row) in on {
        let above = &pages[n][..first_row];
        assert!(
            above.lines().any(|line| {
                let words: Vec<&str> = line.split_whitespace().collect();
                header.iter().all(|h| words.contains(&h.as_str()))
            }),
            "{id}: page {} has plan rows but not the header {header:?} above them",
            n + 1
        );
    }
    true
}

/// The core properties, as a records system reads them; the subject names `date`.
fn core_properties(id: &str, lang: &str, docx: &[u8], pdf: &Path, made: (&str, &str), date: &str) {
    let document = part(docx, "word/document.xml");
    let core = part(docx, "docProps/core.xml");
    let title = element(&core, "dc:title").unwrap_or_default();
    let shown_title = runs_text(
        document
            .split("<w:pStyle w:val=\"Title\" />")
            .nth(1)
            .and_then(|rest| rest.split("</w:p>").next())
            .unwrap(),
    );
    assert!(!title.is_empty(), "{id}: a title in {core}");
    assert_eq!(
        title,
        shown_title.trim(),
        "{id}: the title is the document's"
    );
    assert_eq!(
        element(&core, "dc:creator").as_deref(),
        Some("trivsel"),
        "{id}"
    );
    let language = if lang == "en" { "en-GB" } else { "da-DK" };
    assert_eq!(
        element(&core, "dc:language").as_deref(),
        Some(language),
        "{id}"
    );
    let styles = part(docx, "word/styles.xml");
    assert!(
        styles.contains(&format!("<w:lang w:val=\"{language}\"")),
        "{id}: the default language"
    );
    assert!(
        element(&core, "dc:subject").is_some_and(|s| s.contains(date)),
        "{id}: the subject names the date {date:?}: {core}"
    );
    for tag in ["dcterms:created", "dcterms:modified"] {
        let when = element(&core, tag).unwrap_or_default();
        assert!(
            made.0 <= when.as_str() && when.as_str() <= made.1,
            "{id}: {tag} {when} is not the download's time ({} – {})",
            made.0,
            made.1
        );
    }
    let info = run("pdfinfo", &[pdf.to_str().unwrap()]);
    let pdf_title = info
        .lines()
        .find_map(|line| line.strip_prefix("Title:"))
        .map(str::trim);
    assert_eq!(pdf_title, Some(title.as_str()), "{id}: the PDF's title");
}

/// What one programme's Word file in `lang` must show: the font, the date line, whole words
/// in table cells, the plan's header on every page, the core properties. Returns whether a
/// table ran across pages.
fn check(id: &str, lang: &str, docx: &[u8], pdf: &Path, made: (&str, &str)) -> bool {
    let text = pdf_text(pdf);
    let pages: Vec<&str> = text.split('\u{c}').collect();
    let fonts = run("pdffonts", &[pdf.to_str().unwrap()]);
    assert!(
        fonts.contains("Carlito") || fonts.contains("Calibri"),
        "{id}: set in Calibri or its metric twin Carlito (fonts-crosextra-carlito), not:\n{fonts}"
    );
    // The date line of the head: "Dato: 12. januar 2027", "Date: 12 January 2027".
    let date = date_line(id, lang, pages[0]);
    let tables = tables(&part(docx, "word/document.xml"));
    assert_whole(id, &text, tables.iter().flatten().flatten(), pdf);
    let spans = plan_spans(id, &pages, &tables);
    if tables
        .iter()
        .flatten()
        .flatten()
        .any(|c| c.starts_with("Punkt01"))
    {
        assert_dates_kept(id, lang, &text, PLAN_ROWS);
    }
    core_properties(id, lang, docx, pdf, made, &date);
    spans
}

/// How far down each page of `pdf` its ink reaches, as a share of the page's height between
/// the margins (18 mm): the pages rendered grey at 24 dpi (PGM), each page's lowest row with a
/// dark pixel. It sees pictures and table rules, which the PDF's text does not.
fn ink_fill(pdf: &Path) -> Vec<f64> {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("p");
    run(
        "pdftoppm",
        &[
            "-gray",
            "-r",
            "24",
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    let margin = 18.0 / 297.0;
    pages
        .iter()
        .map(|page| {
            let bytes = std::fs::read(page).unwrap();
            // "P5 <width> <height> <max>\n", then a byte a pixel.
            let mut fields = Vec::new();
            let mut at = 0;
            while fields.len() < 4 {
                while bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
                let start = at;
                while !bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
                fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
            }
            let (width, height): (usize, usize) =
                (fields[1].parse().unwrap(), fields[2].parse().unwrap());
            let pixels = &bytes[at + 1..];
            let bottom = (0..height)
                .rev()
                .find(|y| pixels[y * width..(y + 1) * width].iter().any(|&p| p < 160))
                .map_or(0, |y| y + 1);
            (bottom as f64 / height as f64 - margin) / (1.0 - 2.0 * margin)
        })
        .collect()
}

/// No page of a Word file is left close to half empty (more than 40 %: a picture or a table
/// kept with its heading did not fit after what came before), except the last, the series'
/// title page and the pages before a chapter (which opens a page by design): `opens_page(n)`
/// says whether page `n` (from 0) opens a chapter.
fn assert_pages_filled(id: &str, pdf: &Path, opens_page: impl Fn(usize) -> bool) {
    let fills = ink_fill(pdf);
    for (n, fill) in fills.iter().enumerate().take(fills.len().saturating_sub(1)) {
        if opens_page(n + 1) {
            continue;
        }
        assert!(
            *fill >= 0.6,
            "{id}: page {} is {:.0} % full, and page {} opens no chapter",
            n + 1,
            fill * 100.0,
            n + 2
        );
    }
}

/// The plan's `rows` rows each show their deadline and follow-up with day and month on one
/// line ("15. sep." / "2027", never "15." / "september" / "2027").
fn assert_dates_kept(id: &str, lang: &str, text: &str, rows: usize) {
    let text = text.replace('\u{a0}', " ");
    let kept = if lang == "en" {
        ["15 Sep", "30 Nov"]
    } else {
        ["15. sep.", "30. nov."]
    };
    for day in kept {
        let lines = text.lines().filter(|line| line.contains(day)).count();
        assert!(
            lines >= rows,
            "{id}: {day:?} on one line in {lines} of {rows} plan rows:\n{text}"
        );
    }
}

#[tokio::test]
async fn word_exports_render_in_libreoffice_with_whole_words_and_repeated_headers() {
    let missing = missing_tools();
    if !missing.is_empty() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "CI=true but {missing:?} missing: install libreoffice-writer-nogui, poppler-utils and chromium (or set CHROMIUM_PATH)"
            );
        }
        eprintln!(
            "office: skipped, {missing:?} not installed (libreoffice-writer-nogui, poppler-utils, chromium)"
        );
        return;
    }
    let server = TestServer::start().await;
    let ids: Vec<String> = server
        .programmes()
        .await
        .iter()
        .filter(|p| p["series"].is_null())
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(ids.len() >= 6, "{ids:?}");

    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut downloads = Vec::new();
    // Every programme as run in Danish, and one in English, not run, with only the long words.
    let english: Created = server
        .http
        .post(server.url("/api/sessions"))
        .json(&json!({ "programme": "ledergruppen", "lang": "en", "min_group": 3 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let runs = ids
        .iter()
        .map(|id| (id.clone(), "da"))
        .chain([("ledergruppen-en".to_owned(), "en")]);
    let mut session_html = None;
    for (id, lang) in runs {
        let created = if lang == "en" {
            english.clone()
        } else {
            run_programme(&server, &id).await
        };
        add_long_words(&server, &created).await;
        if id == "ledergruppen" {
            session_html = Some(created.clone());
        }
        let before = w3cdtf(now_ms());
        let docx = download_docx(&server, &created).await;
        let after = w3cdtf(now_ms() + 1000);
        let path = dir.path().join(format!("{id}.docx"));
        std::fs::write(&path, &docx).unwrap();
        files.push(path);
        downloads.push((id, lang, docx, before, after));
    }

    // The series: three meetings on three planned days, each run through with its own number
    // of participants, Del 2 and Del 3 with long plans.
    let list = server.programmes().await;
    let title_of = |id: &str| {
        let programme = list.iter().find(|p| p["id"] == id).unwrap();
        programme["title"]["da"].as_str().unwrap().to_owned()
    };
    let series: serde_json::Value = server
        .http
        .post(server.url("/api/series"))
        .json(&json!({
            "series": "tre-trins-raket",
            "min_group": 3,
            "dates": SERIES_DATES.map(|(iso, _)| iso),
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = series["facilitator_token"].as_str().unwrap().to_owned();
    let codes: Vec<String> = series["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 3, "{series}");
    for (code, n) in codes.iter().zip(SERIES_PARTICIPANTS) {
        run_meeting(&server, code, &token, n).await;
        let meeting = Created {
            code: code.clone(),
            join_url: String::new(),
            projector_url: String::new(),
            facilitator_token: token.clone(),
        };
        add_plan_rows(&server, &meeting, SERIES_PLAN_ROWS).await;
    }
    let series_made = w3cdtf(now_ms());
    let series_docx = series_export(&server, &codes[0], &token, "docx").await;
    let series_made = (series_made, w3cdtf(now_ms() + 1000));
    files.push(dir.path().join("tre-trins-raket.docx"));
    std::fs::write(files.last().unwrap(), &series_docx).unwrap();
    // The 1:1's personal plan.
    let personal_made = w3cdtf(now_ms());
    let personal_docx = personal_plan_docx(&server).await;
    let personal_made = (personal_made, w3cdtf(now_ms() + 1000));
    files.push(dir.path().join("personal-plan.docx"));
    std::fs::write(files.last().unwrap(), &personal_docx).unwrap();
    // The HTML exports of a session and of the series.
    let session_html = session_html.expect("ledergruppen ran");
    let response = server
        .http
        .get(server.url(&format!(
            "/api/sessions/{}/export?format=html",
            session_html.code
        )))
        .bearer_auth(&session_html.facilitator_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let htmls = [
        ("ledergruppen-html", response.text().await.unwrap()),
        (
            "tre-trins-raket-html",
            String::from_utf8(series_export(&server, &codes[0], &token, "html").await).unwrap(),
        ),
    ];
    let series_xlsx = series_export(&server, &codes[0], &token, "xlsx").await;

    let pdfs = dir.path().join("pdf");
    std::fs::create_dir_all(&pdfs).unwrap();
    convert_to_pdf(&files, &pdfs).await;
    // The series report again on a machine with neither Calibri nor Carlito (only DejaVu, much
    // wider): the file carries Carlito, so it is set in it and no word breaks.
    let bare = dir.path().join("bare");
    std::fs::create_dir_all(&bare).unwrap();
    let fonts_conf = dir.path().join("fonts.conf");
    std::fs::write(
        &fonts_conf,
        format!(
            "<?xml version=\"1.0\"?><!DOCTYPE fontconfig SYSTEM \"fonts.dtd\"><fontconfig>\
             <dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{}</cachedir></fontconfig>",
            dir.path().join("fontcache").display()
        ),
    )
    .unwrap();
    let series_file = files
        .iter()
        .find(|f| f.ends_with("tre-trins-raket.docx"))
        .unwrap()
        .clone();
    convert_to_pdf_with(&[series_file], &bare, Some(&fonts_conf)).await;
    for (name, html) in &htmls {
        let path = dir.path().join(format!("{name}.html"));
        std::fs::write(&path, html).unwrap();
        print_html(&path, &pdfs.join(format!("{name}.pdf"))).await;
    }

    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/artifacts/office");
    let _ = std::fs::remove_dir_all(&artifacts);
    std::fs::create_dir_all(&artifacts).unwrap();
    let keep = |id: &str| {
        let pdf = pdfs.join(format!("{id}.pdf"));
        assert!(pdf.exists(), "{id}: no PDF");
        let _ = std::fs::copy(&pdf, artifacts.join(format!("{id}.pdf")));
        run(
            "pdftoppm",
            &[
                "-r",
                "50",
                "-png",
                pdf.to_str().unwrap(),
                artifacts.join(id).to_str().unwrap(),
            ],
        );
        pdf
    };
    let mut spanning = 0;
    for (id, lang, docx, before, after) in &downloads {
        let pdf = keep(id);
        if check(id, lang, docx, &pdf, (before, after)) {
            spanning += 1;
        }
        assert_pages_filled(id, &pdf, |_| false);
    }
    assert!(spanning > 0, "some programme's plan table spans pages");

    // The series report: its title first, the three chapters in order with their own days and
    // participants, the combined plan with its "Møde" column on every page it runs onto.
    let chapters: Vec<(String, String, usize)> = ["del1", "del2", "del3"]
        .iter()
        .zip(SERIES_DATES)
        .zip(SERIES_PARTICIPANTS)
        .enumerate()
        .map(|(i, ((id, (_, date)), n))| {
            (
                format!("Møde {}: {}", i + 1, title_of(id)),
                date.to_owned(),
                n,
            )
        })
        .collect();
    let series_title = title_of("tre-trins-raket");
    let flat = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let pdf = keep("tre-trins-raket");
    let text = pdf_text(&pdf);
    let pages: Vec<&str> = text.split('\u{c}').collect();
    assert!(
        flat(pages[0]).starts_with(&series_title),
        "the series' title opens its report:\n{}",
        pages[0]
    );
    assert_chapters("tre-trins-raket", &text, &chapters);
    assert_chapters_open_pages("tre-trins-raket", &text, &chapters);
    // A page is only left half empty before a chapter.
    let firsts: Vec<String> = pages
        .iter()
        .map(|page| {
            page.lines()
                .map(str::trim)
                .find(|line| !line.is_empty())
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_pages_filled("tre-trins-raket", &pdf, |n| {
        firsts.get(n).is_some_and(|first| {
            first == "Handleplan" || chapters.iter().any(|(heading, _, _)| first == heading)
        })
    });
    let series_tables = tables(&part(&series_docx, "word/document.xml"));
    assert_whole(
        "tre-trins-raket",
        &text,
        series_tables.iter().flatten().flatten(),
        &pdf,
    );
    let plan = series_tables
        .iter()
        .find(|t| t.iter().flatten().any(|c| c.starts_with("Punkt01")))
        .expect("the combined plan");
    assert_eq!(plan[0][0].trim(), "Møde", "the plan's first column");
    assert!(
        plan_spans("tre-trins-raket", &pages, &series_tables),
        "the combined plan runs across pages"
    );
    assert_dates_kept("tre-trins-raket", "da", &text, 2 * SERIES_PLAN_ROWS);
    // Without Calibri or Carlito on the machine: set in the Carlito the file carries, every
    // table word whole.
    let bare_pdf = bare.join("tre-trins-raket.pdf");
    let fonts = run("pdffonts", &[bare_pdf.to_str().unwrap()]);
    assert!(
        fonts.contains("Carlito"),
        "set in the embedded Carlito, not:\n{fonts}"
    );
    assert_whole(
        "tre-trins-raket without Carlito installed",
        &pdf_text(&bare_pdf),
        series_tables.iter().flatten().flatten(),
        &bare_pdf,
    );
    let (made_from, made_to) = &series_made;
    core_properties(
        "tre-trins-raket",
        "da",
        &series_docx,
        &pdf,
        (made_from, made_to),
        SERIES_DATES[0].1,
    );

    // The personal plan: its date line, the leader's words whole, its core properties.
    let pdf = keep("personal-plan");
    let text = pdf_text(&pdf);
    let date = date_line("personal-plan", "da", text.split('\u{c}').next().unwrap());
    assert_eq!(date, SERIES_DATES[0].1, "the 1:1's day");
    let written = [
        "Forventningsafstemning med Økonomiafdelingen om møderytmen i Ledergruppen".to_owned(),
        "Kalenderinvitation til HR-konsulenten 2027-01-15".to_owned(),
    ];
    assert_whole("personal-plan", &text, &written, &pdf);
    let (made_from, made_to) = &personal_made;
    core_properties(
        "personal-plan",
        "da",
        &personal_docx,
        &pdf,
        (made_from, made_to),
        &date,
    );

    // The HTML exports as Chromium prints them: the date line, the series' chapters, whole
    // words in table cells, and nothing fetched from anyone but the server.
    let own = server.url("");
    for (name, html) in &htmls {
        let pdf = keep(name);
        let text = pdf_text(&pdf);
        if name.starts_with("tre-trins-raket") {
            // Each meeting's date opens its chapter, on a page of its own.
            assert_chapters(name, &text, &chapters);
            assert_chapters_open_pages(name, &text, &chapters);
        } else {
            date_line(name, "da", text.split('\u{c}').next().unwrap());
        }
        let cells = html_cells(html);
        assert!(
            cells.iter().any(|c| c.contains("Punkt01")),
            "{name}: the plan"
        );
        assert_whole(name, &text, &cells, &pdf);
        let foreign = foreign_urls(html, &own);
        assert!(foreign.is_empty(), "{name} refers to {foreign:?}");
    }

    // The series' spreadsheet: a plan sheet with the meeting first and the days as days.
    use calamine::Reader;
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(series_xlsx)).unwrap();
    let sheet = workbook.sheet_names()[0].clone();
    assert_eq!(sheet, "Handleplan");
    let range = workbook.worksheet_range(&sheet).unwrap();
    let rows: Vec<&[calamine::Data]> = range.rows().collect();
    assert_eq!(rows[0][0], calamine::Data::String("Møde".to_owned()));
    let ours: Vec<&&[calamine::Data]> = rows
        .iter()
        .filter(|row| row[2].to_string().starts_with("Punkt"))
        .collect();
    assert_eq!(ours.len(), 2 * SERIES_PLAN_ROWS, "Del 2's and Del 3's rows");
    for row in ours {
        assert!(
            matches!(row[0], calamine::Data::Float(n) if n == 2.0 || n == 3.0),
            "the meeting's number: {row:?}"
        );
        for (col, iso) in [(5, PLAN_DAYS[0]), (6, PLAN_DAYS[1])] {
            match &row[col] {
                calamine::Data::DateTime(day) => {
                    assert_eq!(day.as_f64(), spreadsheet_day(iso), "{row:?}")
                }
                other => panic!("column {col} is a day, not {other:?}"),
            }
        }
    }
    let broken = BROKEN.lock().unwrap();
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}
