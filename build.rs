//! Embeds the pages of `web/` and the programmes of `content/` into the binary: writes a table of
//! (name, bytes) for each to OUT_DIR.

use std::fmt::Write;
use std::path::Path;

fn main() {
    embed("web", "web_files.rs", |_| true);
    embed("content", "content_files.rs", |name| {
        name.ends_with(".toml")
    });
}

fn embed(folder: &str, table_file: &str, wanted: fn(&str) -> bool) {
    let dir = Path::new(folder);
    println!("cargo:rerun-if-changed={folder}");
    let mut names: Vec<String> = std::fs::read_dir(dir)
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
    let mut table = String::from("&[\n");
    for name in &names {
        let path = std::fs::canonicalize(dir.join(name)).expect("file readable");
        writeln!(
            table,
            "    ({name:?}, include_bytes!({:?}) as &[u8]),",
            path.display()
        )
        .unwrap();
        println!("cargo:rerun-if-changed={folder}/{name}");
    }
    table.push(']');
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join(table_file);
    std::fs::write(out, table).expect("OUT_DIR writable");
}
