//! Command-line flags, each also an environment variable `TRIVSEL_<NAME>`.

use std::path::PathBuf;

use clap::Parser;

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
