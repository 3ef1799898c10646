//! Command-line flags, each also an environment variable `TRIVSEL_<NAME>`.

use std::path::PathBuf;

use clap::Parser;

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
    #[arg(long, env = "TRIVSEL_DATA", default_value = "./data")]
    pub data: PathBuf,
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
    /// Delete a session and everything in it this many days after its last activity (0: at
    /// the next hourly sweep).
    #[arg(long, env = "TRIVSEL_RETENTION_DAYS", default_value_t = DEFAULT_RETENTION_DAYS,
          value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub retention_days: u32,
    /// Reverse proxies whose `X-Forwarded-For` (or `Forwarded`) names the client, as addresses
    /// or CIDR ranges, e.g. 127.0.0.1/32 (comma-separated or repeated). Without it, the client
    /// is the TCP peer, whatever the headers say.
    #[arg(long, env = "TRIVSEL_TRUSTED_PROXY", value_delimiter = ',', num_args = 1..,
          value_parser = parse_cidr)]
    pub trusted_proxy: Vec<ipnet::IpNet>,
}

impl Config {
    /// The defaults of every flag (not reading the environment), with the data directory
    /// `data`: for tests and tools.
    pub fn with_data(data: impl Into<PathBuf>) -> Self {
        Config {
            addr: "127.0.0.1:8080".into(),
            data: data.into(),
            public_url: None,
            content: None,
            create_token: None,
            retention_days: DEFAULT_RETENTION_DAYS,
            trusted_proxy: Vec::new(),
        }
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
