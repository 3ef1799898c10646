//! Embeds every file of `web/` into the binary: writes a table of (name, bytes) to OUT_DIR.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let web = Path::new("web");
    println!("cargo:rerun-if-changed=web");
    let mut names: Vec<String> = std::fs::read_dir(web)
        .expect("web/ exists")
        .filter_map(|entry| {
            let entry = entry.ok()?;
            entry
                .file_type()
                .ok()?
                .is_file()
                .then(|| entry.file_name().into_string().ok())?
        })
        .filter(|name| !name.starts_with('.'))
        .collect();
    names.sort();
    let mut table = String::from("&[\n");
    for name in &names {
        let path = std::fs::canonicalize(web.join(name)).expect("web file readable");
        writeln!(
            table,
            "    ({name:?}, include_bytes!({:?}) as &[u8]),",
            path.display()
        )
        .unwrap();
        println!("cargo:rerun-if-changed=web/{name}");
    }
    table.push(']');
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("web_files.rs");
    std::fs::write(out, table).expect("OUT_DIR writable");
}
