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
//! Without LibreOffice or poppler the test fails when `CI=true`, and elsewhere says what is
//! missing and passes without checking.

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

fn missing_tools() -> Vec<&'static str> {
    TOOLS
        .into_iter()
        .filter(|tool| {
            !Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {tool}"))
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .collect()
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
        for i in 1..=PLAN_ROWS {
            let row = json!({
                "area": area,
                "action": format!("Punkt{i:02}: Forventningsafstemning om møderytmen i Ledergruppen"),
                "first_step": "Kalenderinvitation til Økonomiafdelingen og HR-konsulenten",
                "owner": "Økonomiafdelingen",
                "deadline": "2027-01-15",
                "follow_up": "2027-03-01",
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
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new("soffice")
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

/// What one programme's Word file in `lang` must show. Returns whether a table ran across
/// pages.
fn check(id: &str, lang: &str, docx: &[u8], pdf: &Path, made: (&str, &str)) -> bool {
    let english = lang == "en";
    let text = run("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"])
        .replace('\u{fb01}', "fi")
        .replace('\u{fb02}', "fl")
        .replace('\u{fb00}', "ff");
    let pages: Vec<&str> = text.split('\u{c}').collect();
    let fonts = run("pdffonts", &[pdf.to_str().unwrap()]);
    assert!(
        fonts.contains("Carlito") || fonts.contains("Calibri"),
        "{id}: set in Calibri or its metric twin Carlito (fonts-crosextra-carlito), not:\n{fonts}"
    );

    // The date line of the head: "Dato: 12. januar 2027", "Date: 12 January 2027".
    let (label, months, day_end) = if english {
        ("Date: ", ENGLISH_MONTHS, "")
    } else {
        ("Dato: ", DANISH_MONTHS, ".")
    };
    let date = pages[0]
        .lines()
        .map(str::trim)
        .find_map(|line| line.strip_prefix(label))
        .unwrap_or_else(|| panic!("{id}: no date line on the first page:\n{}", pages[0]));
    let parts: Vec<&str> = date.split(' ').collect();
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

    // Every word of every table cell occurs whole in the PDF's text, as often as in the cells
    // (it may occur outside the tables too, so at least as often).
    let mut in_pdf: HashMap<&str, usize> = HashMap::new();
    for word in text.split_whitespace() {
        *in_pdf.entry(word).or_default() += 1;
    }
    let document = part(docx, "word/document.xml");
    let tables = tables(&document);
    let mut in_cells: HashMap<String, usize> = HashMap::new();
    for cell in tables.iter().flatten().flatten() {
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
    assert!(
        broken.is_empty(),
        "{id}: table words broken across lines in {}: {broken:?}",
        pdf.display()
    );

    // The plan table runs onto another page, and its header row is on every page it is on.
    let mut spans = false;
    if let Some(plan) = tables
        .iter()
        .find(|t| t.iter().flatten().any(|c| c.starts_with("Punkt01")))
    {
        let header = plan[0][0].split_whitespace().next().unwrap().to_owned();
        let on: Vec<(usize, usize)> = pages
            .iter()
            .enumerate()
            .filter_map(|(n, page)| first_plan_row(page).map(|at| (n, at)))
            .collect();
        assert!(on.len() >= 2, "{id}: the plan table spans {on:?} pages");
        spans = true;
        for (n, first_row) in on {
            let header_at = pages[n].find(header.as_str());
            assert!(
                header_at.is_some_and(|at| at < first_row),
                "{id}: page {} has plan rows but not the header {header:?} above them",
                n + 1
            );
        }
    }

    // The core properties, as a records system reads them.
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
    let language = if english { "en-GB" } else { "da-DK" };
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
        "{id}: the subject names the date: {core}"
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
    spans
}

#[tokio::test]
async fn word_exports_render_in_libreoffice_with_whole_words_and_repeated_headers() {
    let missing = missing_tools();
    if !missing.is_empty() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "CI=true but {missing:?} missing: install libreoffice-writer-nogui and poppler-utils"
            );
        }
        eprintln!(
            "office: skipped, {missing:?} not installed (libreoffice-writer-nogui, poppler-utils)"
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
    for (id, lang) in runs {
        let created = if lang == "en" {
            english.clone()
        } else {
            run_programme(&server, &id).await
        };
        add_long_words(&server, &created).await;
        let before = w3cdtf(now_ms());
        let docx = download_docx(&server, &created).await;
        let after = w3cdtf(now_ms() + 1000);
        let path = dir.path().join(format!("{id}.docx"));
        std::fs::write(&path, &docx).unwrap();
        files.push(path);
        downloads.push((id, lang, docx, before, after));
    }
    let pdfs = dir.path().join("pdf");
    std::fs::create_dir_all(&pdfs).unwrap();
    convert_to_pdf(&files, &pdfs).await;

    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/artifacts/office");
    let _ = std::fs::remove_dir_all(&artifacts);
    std::fs::create_dir_all(&artifacts).unwrap();
    let mut spanning = 0;
    for (id, lang, docx, before, after) in &downloads {
        let pdf = pdfs.join(format!("{id}.pdf"));
        assert!(pdf.exists(), "{id}: LibreOffice wrote no PDF");
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
        if check(id, lang, docx, &pdf, (before, after)) {
            spanning += 1;
        }
    }
    assert!(spanning > 0, "some programme's plan table spans pages");
}
