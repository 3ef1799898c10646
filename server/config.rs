//! Command-line flags, each also an environment variable `TRIVSEL_<NAME>`.

use std::path::PathBuf;

use clap::Parser;

/// Most participants per session, unless `--max-participants` says otherwise: a hall of five
/// hundred at tables, four times over.
pub const DEFAULT_MAX_PARTICIPANTS: u32 = 2000;

/// Newcomers one session lets in a second, unless `--joins-per-second` says otherwise (five
/// seconds' worth at once): a hall of five hundred is in within half a minute.
pub const DEFAULT_JOINS_PER_SECOND: u32 = 20;

/// Days a session is kept after its last activity, unless `--retention-days` says otherwise.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;

/// trivsel — live workshops for leader well-being.
#[derive(Parser, Debug, Clone)]
#[command(name = "trivsel", version, about)]
pub struct Config {
    /// Address to listen on, HOST:PORT.
    #[arg(long, env = "TRIVSEL_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Directory for the database.
    #[arg(long, env = "TRIVSEL_DATA", default_value = "./data", global = true)]
    pub data: PathBuf,
    /// Store everything in this PostgreSQL database instead of SQLite in `--data`, e.g.
    /// postgres://trivsel:secret@db.example.dk/trivsel. Several nodes may share it; each session
    /// is run by one node at a time (see docs/DEPLOY.md).
    #[arg(long, env = "TRIVSEL_DATABASE", value_parser = parse_database)]
    pub database: Option<DatabaseUrl>,
    /// Base of join links and QR codes, e.g. https://trivsel.example.dk (default: the address
    /// the facilitator's browser used).
    #[arg(long, env = "TRIVSEL_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,
    /// Load programmes from this folder instead of the built-in ones.
    #[arg(long, env = "TRIVSEL_CONTENT")]
    pub content: Option<PathBuf>,
    /// Only requests with `Authorization: Bearer TOKEN` may create sessions (16 characters or
    /// more). Without it, anyone who reaches the server may.
    #[arg(long, env = "TRIVSEL_CREATE_TOKEN", value_parser = parse_create_token)]
    pub create_token: Option<String>,
    /// `/metrics` answers requests with `Authorization: Bearer TOKEN` from anywhere (16
    /// characters or more). Without it, only requests from this machine that came through no
    /// proxy.
    #[arg(long, env = "TRIVSEL_METRICS_TOKEN", value_parser = parse_create_token)]
    pub metrics_token: Option<String>,
    /// Delete a session and everything in it this many days after its last activity (0: at
    /// the next hourly sweep).
    #[arg(long, env = "TRIVSEL_RETENTION_DAYS", default_value_t = DEFAULT_RETENTION_DAYS,
          value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub retention_days: u32,
    /// Most participants one session lets join; later joins are told the meeting is full (the
    /// facilitator's console says so).
    #[arg(long, env = "TRIVSEL_MAX_PARTICIPANTS", default_value_t = DEFAULT_MAX_PARTICIPANTS,
          value_parser = clap::value_parser!(u32).range(1..=20_000))]
    pub max_participants: u32,
    /// Newcomers one session lets in a second, after five seconds' worth at once; a join beyond
    /// is refused with `busy` and the phone tries again by itself.
    #[arg(long, env = "TRIVSEL_JOINS_PER_SECOND", default_value_t = DEFAULT_JOINS_PER_SECOND,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub joins_per_second: u32,
    /// Storage budget of one session in MiB (its stored state and the events since): once
    /// spent, participants' answers are refused with `storage_budget`; the facilitator can
    /// still move the room on, export and delete.
    #[arg(long = "max-session-mib", env = "TRIVSEL_MAX_SESSION_MIB",
          default_value = DEFAULT_MAX_SESSION_MIB, value_parser = parse_mib)]
    pub max_session_bytes: usize,
    /// Reverse proxies whose `X-Forwarded-For` (or `Forwarded`) names the client, as addresses
    /// or CIDR ranges, e.g. 127.0.0.1/32 (comma-separated or repeated). Without it, the client
    /// is the TCP peer, whatever the headers say.
    #[arg(long, env = "TRIVSEL_TRUSTED_PROXY", value_delimiter = ',', num_args = 1..,
          value_parser = parse_cidr)]
    pub trusted_proxy: Vec<ipnet::IpNet>,
    /// Open connections in all (WebSockets and HTTP); beyond, a new one gets `503`. Lowered to
    /// what the open-file limit allows.
    #[arg(long, env = "TRIVSEL_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Open connections from one client address (a room of 500 behind one NAT needs about 500
    /// plus their page loads); beyond, a new one gets `503`. Trusted proxies count only in all.
    #[arg(long, env = "TRIVSEL_MAX_CONNECTIONS_PER_ADDRESS",
          default_value_t = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections_per_address: u32,
    /// Seconds a connection may take to send a request's headers, from opening or from its
    /// previous response (so also how long an idle keep-alive connection stays).
    #[arg(long, env = "TRIVSEL_HEADER_TIMEOUT", default_value_t = DEFAULT_HEADER_TIMEOUT,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout: u64,
    /// Sessions (or series) one client address may create: this many at once, then this many
    /// an hour. Requests with the `--create-token` are not limited.
    #[arg(long, env = "TRIVSEL_CREATIONS_PER_HOUR", default_value_t = DEFAULT_CREATIONS_PER_HOUR,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub creations_per_hour: u32,
    /// Instead of serving, do this and exit.
    #[command(subcommand)]
    pub task: Option<Task>,
}

/// What `trivsel` does instead of serving.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum Task {
    /// Copy the SQLite store in --data to FILE, consistently, also while a trivsel serves from
    /// it (SQLite's online backup). To restore, stop trivsel and put the copy in place of
    /// <data>/trivsel.sqlite3 (see docs/DEPLOY.md).
    Backup {
        /// Where the copy goes; it must not exist yet.
        file: PathBuf,
    },
}

/// Default of `--max-session-mib`: a hall of 2,000 answering every step holds about 10 MiB.
pub const DEFAULT_MAX_SESSION_MIB: &str = "64";
/// Default of `--max-connections`.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 4096;
/// Default of `--max-connections-per-address`: a town hall of 500 phones behind one address,
/// each with its socket and, while arriving, a few page loads (browsers open up to six).
pub const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS: u32 = 1024;
/// Default of `--header-timeout`, in seconds.
pub const DEFAULT_HEADER_TIMEOUT: u64 = 10;
/// Default of `--creations-per-hour`: a facilitator preparing a day of meetings is never hit.
pub const DEFAULT_CREATIONS_PER_HOUR: u32 = 30;

impl Config {
    /// The defaults of every flag (not reading the environment), with the data directory
    /// `data`: for tests and tools.
    pub fn with_data(data: impl Into<PathBuf>) -> Self {
        Config {
            addr: "127.0.0.1:8080".into(),
            data: data.into(),
            database: None,
            public_url: None,
            content: None,
            create_token: None,
            metrics_token: None,
            retention_days: DEFAULT_RETENTION_DAYS,
            max_participants: DEFAULT_MAX_PARTICIPANTS,
            joins_per_second: DEFAULT_JOINS_PER_SECOND,
            max_session_bytes: parse_mib(DEFAULT_MAX_SESSION_MIB).expect("a valid default"),
            trusted_proxy: Vec::new(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_address: DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            creations_per_hour: DEFAULT_CREATIONS_PER_HOUR,
            task: None,
        }
    }
}

/// A PostgreSQL database to connect to, checked when the flag is read. Shown (in logs and
/// errors) without its password.
#[derive(Clone)]
pub struct DatabaseUrl {
    config: tokio_postgres::Config,
}

impl DatabaseUrl {
    /// The connection's settings.
    pub fn config(&self) -> &tokio_postgres::Config {
        &self.config
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = String;

    fn from_str(input: &str) -> Result<Self, String> {
        parse_database(input)
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use tokio_postgres::config::Host;
        let hosts: Vec<String> = self
            .config
            .get_hosts()
            .iter()
            .map(|host| match host {
                Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                Host::Unix(path) => path.display().to_string(),
            })
            .collect();
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        write!(
            f,
            "postgres://{}@{}:{port}/{}",
            self.config.get_user().unwrap_or_default(),
            hosts.join(","),
            self.config.get_dbname().unwrap_or_default()
        )
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// A `postgres://` (or `postgresql://`) URL naming a host.
fn parse_database(input: &str) -> Result<DatabaseUrl, String> {
    let input = input.trim();
    if !(input.starts_with("postgres://") || input.starts_with("postgresql://")) {
        return Err("must be a URL such as postgres://user:password@host/database".into());
    }
    let config: tokio_postgres::Config = input
        .parse()
        .map_err(|e| format!("is not a PostgreSQL URL: {e}"))?;
    if config.get_hosts().is_empty() {
        return Err("must name the database's host, e.g. postgres://user@localhost/trivsel".into());
    }
    Ok(DatabaseUrl { config })
}

/// A whole number of MiB from 1 to 4096, as bytes.
fn parse_mib(input: &str) -> Result<usize, String> {
    match input.trim().parse::<usize>() {
        Ok(mib @ 1..=4096) => Ok(mib * 1024 * 1024),
        _ => Err(format!(
            "expected a whole number of MiB from 1 to 4096, not {input:?}"
        )),
    }
}

fn parse_cidr(input: &str) -> Result<ipnet::IpNet, String> {
    let input = input.trim();
    input
        .parse::<ipnet::IpNet>()
        .or_else(|_| input.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map(|net| net.trunc())
        .map_err(|_| "must be an address or a CIDR range such as 127.0.0.1/32".into())
}

fn parse_create_token(input: &str) -> Result<String, String> {
    let printable = input.chars().all(|c| c.is_ascii_graphic());
    if input.len() >= 16 && input.len() <= 200 && printable {
        Ok(input.to_owned())
    } else {
        Err("must be 16 to 200 printable characters without spaces".into())
    }
}

fn parse_public_url(input: &str) -> Result<String, String> {
    let trimmed = input.trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or("must start with http:// or https://")?;
    let valid = !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]/_~".contains(&b));
    if valid {
        Ok(trimmed.to_owned())
    } else {
        Err("must be a plain URL such as https://trivsel.example.dk".into())
    }
}
