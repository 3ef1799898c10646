//! The `trivsel` binary: parse flags, open the store, bind, serve.

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use tokio::net::TcpListener;
use trivsel::Config;

fn main() -> ExitCode {
    let config = match Config::try_parse() {
        Ok(config) => config,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let rendered = e.render().to_string();
            let line = rendered.lines().next().unwrap_or("invalid arguments");
            eprintln!("trivsel: {}", line.trim_start_matches("error: "));
            return ExitCode::from(2);
        }
    };
    init_logging();
    if let Some(trivsel::config::Task::Backup { file }) = &config.task {
        return match backup(&config, file) {
            Ok(()) => {
                println!("trivsel: copied to {}", file.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("trivsel: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("trivsel: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trivsel: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Log lines to standard error, as `RUST_LOG` asks (default `trivsel=info`) — but never more
/// than `info` from the libraries that carry the traffic: at `debug` and `trace` they log
/// WebSocket frames and HTTP headers, which hold tokens, secrets, names and answers.
fn init_logging() {
    use tracing_subscriber::filter::{EnvFilter, FilterExt, LevelFilter, Targets};
    use tracing_subscriber::layer::{Layer, SubscriberExt};
    use tracing_subscriber::util::SubscriberInitExt;
    let asked = EnvFilter::try_from_default_env().unwrap_or_else(|_| "trivsel=info".into());
    let traffic = [
        "tungstenite",
        "tokio_tungstenite",
        "hyper",
        "hyper_util",
        "h2",
        "axum",
    ];
    let quiet = traffic
        .into_iter()
        .fold(Targets::new().with_default(LevelFilter::TRACE), |t, lib| {
            t.with_target(lib, LevelFilter::INFO)
        });
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(asked.and(quiet)),
        )
        .init();
}

/// `trivsel backup FILE`: a consistent copy of the SQLite store.
fn backup(config: &Config, file: &std::path::Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        config.database.is_none(),
        "trivsel backup copies the SQLite store; back PostgreSQL up with its own tools (pg_dump)"
    );
    trivsel::store::sqlite::backup(&config.data, file)
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let listener = TcpListener::bind(&config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    let state = trivsel::open(&config)?;
    let address = listener.local_addr()?;
    let url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}"));
    println!("trivsel is ready: a facilitator opens {url}/");
    trivsel::run(listener, state, shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
