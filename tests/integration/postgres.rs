//! A real PostgreSQL for the tests: Debian's server (`postgresql`), a cluster made with `initdb`
//! in a temporary directory and started with `pg_ctl` on a free port of 127.0.0.1, shared by all
//! tests of one run (each gets a database of its own), and stopped when the test process ends —
//! however it ends: a watchdog shell waits for the process and then stops the server and removes
//! the directory. PostgreSQL refuses to run as root, so as root the directory belongs to the
//! `postgres` user and `initdb`/`pg_ctl` run as it (`runuser -u postgres --`).
//!
//! `fsync` is off: the tests kill trivsel nodes, never PostgreSQL, and what a commit promises
//! another connection (it is visible, and stays) holds without it. `pg_stat_statements` is
//! loaded, so a test can count the statements trivsel ran.
//!
//! Without PostgreSQL's programs the tests that need it are skipped with a note, unless
//! `CI=true` (then they fail): `scripts/test.sh` installs them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::quiet_port;

/// The run's PostgreSQL server.
pub struct Postgres {
    port: u16,
    next: AtomicUsize,
}

/// The shared server, started at the first call; `None` (with a note) when PostgreSQL is not
/// installed here and this is not CI.
pub fn server() -> Option<&'static Postgres> {
    static SERVER: OnceLock<Option<Postgres>> = OnceLock::new();
    SERVER
        .get_or_init(|| match binaries() {
            Some(bin) => Some(Postgres::start(&bin)),
            None if std::env::var("CI").as_deref() == Ok("true") => {
                panic!("PostgreSQL is not installed (scripts/test.sh installs it)")
            }
            None => {
                eprintln!("note: PostgreSQL is not installed; skipping the tests that need it");
                None
            }
        })
        .as_ref()
}

/// A fresh, empty database on the shared server: its URL. `None` when skipped (see [`server`]).
pub async fn database() -> Option<String> {
    let server = server()?;
    Some(server.create_database().await)
}

/// The newest `/usr/lib/postgresql/<version>/bin` that has the server's programs.
fn binaries() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("pg_ctl").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// A command of PostgreSQL's, run as the `postgres` user when we are root.
fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(mut command: Command, what: &str) {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl Postgres {
    fn start(bin: &Path) -> Postgres {
        let dir = std::env::temp_dir().join(format!(
            "trivsel-test-pg-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        if is_root() {
            run(
                {
                    let mut c = Command::new("chown");
                    c.arg("postgres:postgres").arg(&dir);
                    c
                },
                "chown",
            );
        }
        let data = dir.join("data");
        let mut initdb = as_postgres(&bin.join("initdb"));
        initdb.arg("-D").arg(&data).args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        ]);
        run(initdb, "initdb");
        // Stop the server and remove its directory once this process is gone, however it ends.
        let stop = format!(
            "{} -D '{}' stop -m immediate",
            bin.join("pg_ctl").display(),
            data.display()
        );
        let stop = if is_root() {
            format!("runuser -u postgres -- {stop}")
        } else {
            stop
        };
        // In a session of its own: it outlives a kill of this process's whole group.
        let watchdog = Command::new("setsid")
            .args(["--fork", "sh"])
            .arg("-c")
            .arg(format!(
                "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf '{dir}'",
                pid = std::process::id(),
                dir = dir.display()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("the watchdog starts");
        assert!(watchdog.success(), "the watchdog starts");
        let port = quiet_port();
        let mut pg_ctl = as_postgres(&bin.join("pg_ctl"));
        pg_ctl
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("log"))
            .arg("-o")
            .arg(format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
                 -c max_connections=300 -c shared_buffers=64MB \
                 -c shared_preload_libraries=pg_stat_statements",
                dir.display()
            ))
            .args(["-w", "-t", "60", "start"]);
        run(pg_ctl, "pg_ctl start");
        Postgres {
            port,
            next: AtomicUsize::new(0),
        }
    }

    /// The URL of database `name`.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    async fn create_database(&self) -> String {
        let name = format!("t{}", self.next.fetch_add(1, Ordering::SeqCst));
        let admin = connect(&self.url("postgres")).await;
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        self.url(&name)
    }
}

/// A client of the test's own (its connection driven by a task).
pub async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
    tokio::spawn(connection);
    client
}
