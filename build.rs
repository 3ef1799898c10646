//! Builds what the binary carries:
//! - `content/*.toml`, the built-in programmes: a table of (name, bytes) in
//!   `OUT_DIR/content_files.rs`;
//! - `web/`, the pages, laid out for `memory-serve` (which embeds them, compresses them and
//!   serves them: `server/web.rs`):
//!   - the scripts and styles under `/static/<version>/`, `<version>` being a hash of them
//!     all: a new file is a new URL, so browsers may keep them for good;
//!   - the pages (`*.html`) under `/static/`, their links to `/static/<file>` pointing into
//!     `<version>`, and a `<link rel="modulepreload">` added for every module their script
//!     imports, directly or not, so that a browser asks for them all at once instead of
//!     level by level (on a slow link, each level of imports costs a round trip);
//!   - the service worker `sw.js` under `/static/` (its URL must stay the same);
//!   - every script and style sheet without its comments and indentation (`build/trim.rs`),
//!     each line where it was.
//!
//!   The sources in `web/` stay plain files that run as they are.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

#[path = "build/trim.rs"]
mod trim;

/// The file that keeps its URL, as the participant page registers it.
const SERVICE_WORKER: &str = "sw.js";

fn main() {
    embed_content();
    prepare_web();
}

fn embed_content() {
    println!("cargo:rerun-if-changed=content");
    let mut table = String::from("&[\n");
    for name in file_names("content", |name| name.ends_with(".toml")) {
        let path = std::fs::canonicalize(Path::new("content").join(&name)).expect("readable");
        writeln!(
            table,
            "    ({name:?}, include_bytes!({:?}) as &[u8]),",
            path.display()
        )
        .unwrap();
        println!("cargo:rerun-if-changed=content/{name}");
    }
    table.push(']');
    write_out("content_files.rs", &table);
}

/// The names of the regular files in `folder` that `wanted` accepts, sorted.
fn file_names(folder: &str, wanted: fn(&str) -> bool) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap_or_else(|e| panic!("{folder}/ is readable: {e}"))
        .filter_map(|entry| {
            let entry = entry.ok()?;
            entry
                .file_type()
                .ok()?
                .is_file()
                .then(|| entry.file_name().into_string().ok())?
        })
        .filter(|name| !name.starts_with('.') && wanted(name))
        .collect();
    names.sort();
    names
}

fn prepare_web() {
    println!("cargo:rerun-if-changed=web");
    let files: BTreeMap<String, Vec<u8>> = file_names("web", |_| true)
        .into_iter()
        .map(|name| {
            println!("cargo:rerun-if-changed=web/{name}");
            let bytes = std::fs::read(Path::new("web").join(&name)).expect("web/ readable");
            let bytes = served(&name, bytes);
            (name, bytes)
        })
        .collect();
    let versioned: BTreeMap<&str, &[u8]> = files
        .iter()
        .filter(|(name, _)| !name.ends_with(".html") && *name != SERVICE_WORKER)
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .collect();
    let version = version_of(&versioned);

    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("web");
    let _ = std::fs::remove_dir_all(&out);
    let immutable = out.join("immutable");
    let revalidated = out.join("revalidated");
    // Paths as they are under `/static/` (where `server/http.rs` puts them).
    let version_dir = immutable.join(&version);
    std::fs::create_dir_all(&version_dir).expect("OUT_DIR writable");
    std::fs::create_dir_all(&revalidated).expect("OUT_DIR writable");
    for (name, bytes) in &versioned {
        std::fs::write(version_dir.join(name), bytes).expect("OUT_DIR writable");
    }
    for (name, bytes) in &files {
        let served = if name.ends_with(".html") {
            let html = std::str::from_utf8(bytes).unwrap_or_else(|_| panic!("web/{name} is UTF-8"));
            page(name, html, &versioned, &version).into_bytes()
        } else if name == SERVICE_WORKER {
            bytes.clone()
        } else {
            continue;
        };
        std::fs::write(revalidated.join(name), served).expect("OUT_DIR writable");
    }

    let out_dir = Path::new(&std::env::var("OUT_DIR").unwrap()).to_owned();
    for (dir, table) in [
        (&immutable, "web_immutable.rs"),
        (&revalidated, "web_revalidated.rs"),
    ] {
        let label = dir.to_string_lossy();
        let code = memory_serve::assets_to_code(&label, dir, &out_dir, true, |_| {});
        write_out(table, &code);
    }
    write_out("web_version.rs", &format!("{version:?}"));
}

/// A file as served: scripts and style sheets trimmed, the rest as it is.
fn served(name: &str, bytes: Vec<u8>) -> Vec<u8> {
    let trim: fn(&str) -> Result<String, String> = if name.ends_with(".js") {
        trim::script
    } else if name.ends_with(".css") {
        trim::style
    } else {
        return bytes;
    };
    let text = String::from_utf8(bytes).unwrap_or_else(|_| panic!("web/{name} is UTF-8"));
    trim(&text)
        .unwrap_or_else(|e| panic!("web/{name}: {e}"))
        .into_bytes()
}

/// The first 16 hex digits of a SHA-256 over every versioned file's name and bytes as served.
fn version_of(files: &BTreeMap<&str, &[u8]>) -> String {
    let mut hash = Sha256::new();
    for (name, bytes) in files {
        hash.update(name.as_bytes());
        hash.update([0]);
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    }
    hash.finalize()
        .iter()
        .take(8)
        .fold(String::new(), |mut hex, byte| {
            write!(hex, "{byte:02x}").unwrap();
            hex
        })
}

/// A page as served: links into the version, every imported module preloaded.
fn page(name: &str, html: &str, files: &BTreeMap<&str, &[u8]>, version: &str) -> String {
    let mut served = html.to_owned();
    for file in files.keys() {
        for quote in ['"', '\''] {
            served = served.replace(
                &format!("{quote}/static/{file}{quote}"),
                &format!("{quote}/static/{version}/{file}{quote}"),
            );
        }
    }
    let entry_tag = format!("<script type=\"module\" src=\"/static/{version}/");
    let Some(at) = served.find(&entry_tag) else {
        return served;
    };
    let entry = served[at + entry_tag.len()..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned();
    // After the script's own line, so that the browser asks for the script first and its
    // imports next, nearest first (it holds six connections to a server, the rest wait).
    let line_start = served[..at].rfind('\n').map_or(0, |i| i + 1);
    let indent = served[line_start..at].to_owned();
    let line_end = served[at..].find('\n').map_or(served.len(), |i| at + i + 1);
    let preloads: String = imported(&entry, files, name)
        .iter()
        .map(|module| {
            format!("{indent}<link rel=\"modulepreload\" href=\"/static/{version}/{module}\">\n")
        })
        .collect();
    served.insert_str(line_end, &preloads);
    served
}

/// Every module `entry` imports, directly or not, nearest first (`entry` itself not included).
fn imported(entry: &str, files: &BTreeMap<&str, &[u8]>, page: &str) -> Vec<String> {
    let mut seen = BTreeSet::from([entry.to_owned()]);
    let mut order = Vec::new();
    let mut queue = VecDeque::from([entry.to_owned()]);
    while let Some(module) = queue.pop_front() {
        let source = files
            .get(module.as_str())
            .unwrap_or_else(|| panic!("web/{page} loads {module}, which is not in web/"));
        let source = String::from_utf8_lossy(source);
        for import in imports(&source) {
            if !files.contains_key(import.as_str()) {
                panic!("web/{module} imports ./{import}, which is not in web/");
            }
            if seen.insert(import.clone()) {
                order.push(import.clone());
                queue.push_back(import);
            }
        }
    }
    order
}

/// The files a module imports statically from beside it (`from './x.js'`, `import './x.js'`),
/// in the order they appear.
fn imports(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for keyword in ["from ", "import "] {
        for (at, _) in source.match_indices(keyword) {
            let rest = &source[at + keyword.len()..];
            let Some(quote) = rest.chars().next().filter(|c| *c == '\'' || *c == '"') else {
                continue;
            };
            let Some(literal) = rest[1..].split(quote).next() else {
                continue;
            };
            if let Some(name) = literal.strip_prefix("./")
                && name.ends_with(".js")
                && !name.contains('/')
            {
                found.push((at, name.to_owned()));
            }
        }
    }
    found.sort();
    found.into_iter().map(|(_, name)| name).collect()
}

fn write_out(file: &str, text: &str) {
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join(file);
    std::fs::write(out, text).expect("OUT_DIR writable");
}
