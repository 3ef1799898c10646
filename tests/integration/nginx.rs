//! A real nginx (Debian's `nginx`) in front of test nodes, run with the repository's own
//! `deploy/nginx.conf`: the file is included as it is, but for the addresses — its `listen` is a
//! free port of 127.0.0.1 and its `upstream` lists the test's nodes. nginx runs in the
//! foreground as a child process with everything in a temporary directory, and is stopped when
//! dropped. Missing nginx skips the test with a note, unless `CI=true`.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::free_port;

/// A running nginx.
pub struct Nginx {
    /// Where it listens, `127.0.0.1:port`.
    pub addr: String,
    child: Child,
    _dir: tempfile::TempDir,
}

/// The nginx binary, if installed (see the module doc for CI).
fn binary() -> Option<&'static str> {
    let path = "/usr/sbin/nginx";
    if std::path::Path::new(path).exists() {
        return Some(path);
    }
    assert_ne!(
        std::env::var("CI").as_deref(),
        Ok("true"),
        "nginx is not installed (scripts/test.sh installs it)"
    );
    eprintln!("note: nginx is not installed; skipping the test that needs it");
    None
}

/// `deploy/nginx.conf` with its `listen` on `port` and its upstream servers `nodes`.
pub fn config_for(port: u16, nodes: &[String]) -> String {
    let deploy = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/nginx.conf"))
        .expect("deploy/nginx.conf");
    let mut listed = false;
    let mut out = String::new();
    for line in deploy.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("server 127.0.0.1:") {
            if !listed {
                for node in nodes {
                    out.push_str(&format!("    server {node} max_fails=0;\n"));
                }
                listed = true;
            }
        } else if trimmed == "listen 80;" {
            out.push_str(&format!("    listen 127.0.0.1:{port};\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(listed, "deploy/nginx.conf lists its upstream servers");
    out
}

impl Nginx {
    /// Starts nginx in front of `nodes` (addresses); `None` when nginx is not installed.
    pub async fn start(nodes: &[String]) -> Option<Nginx> {
        let nginx = binary()?;
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        std::fs::write(dir.path().join("trivsel.conf"), config_for(port, nodes)).unwrap();
        let d = dir.path().display();
        let main = format!(
            "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
             events {{ worker_connections 4096; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
             include {d}/trivsel.conf;\n}}\n"
        );
        std::fs::write(dir.path().join("nginx.conf"), main).unwrap();
        let child = Command::new(nginx)
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        let mut nginx = Nginx {
            addr: format!("127.0.0.1:{port}"),
            child,
            _dir: dir,
        };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(&nginx.addr).await.is_ok() {
                return Some(nginx);
            }
            if let Ok(Some(status)) = nginx.child.try_wait() {
                let log = std::fs::read_to_string(nginx._dir.path().join("error.log"));
                panic!("nginx exited ({status}): {log:?}");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("nginx did not come up");
    }

    /// What nginx logged (warnings and errors).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
