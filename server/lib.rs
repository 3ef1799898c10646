//! trivsel: a self-hosted live-workshop server for leader well-being ("ledertrivsel") sessions.
//!
//! # Layout
//! - [`audience`] — who a screen shows things to: the one decision of who sees what.
//! - [`domain`] — the pure session core: state, commands, events, rules, invariants.
//! - [`content`] — programmes (workshop scripts) loaded from TOML.
//! - [`kinds`] — one module per step kind: its content, answers, rules, aggregates, views,
//!   outcome and paper version.
//! - [`export`] — Markdown, HTML, Word, CSV and JSON exports of an [`outcome::Outcome`].
//! - [`print`] — printable paper versions of programmes (questions, templates, cards).
//! - [`protocol`] — every JSON shape on the wire (HTTP API and WebSocket).
//! - [`outcome`] — what a session may share, the input of every export.
//! - [`session`] — one actor per live session: applies commands, stores, fans out.
//! - [`store`] — the event log with group commit and snapshots: SQLite, or PostgreSQL shared
//!   by several nodes (one owner per session).
//! - [`owner`] — several nodes: taking a session over when asked for it, or `503`.
//! - [`registry`] — the live sessions by code: creating, deleting, expiring, carrying between
//!   meetings of a series.
//! - [`state`] — what every handler shares: the registry, the library, the settings.
//! - [`links`] — every link handed out (join, facilitator, projector, series export).
//! - [`clock`] — the server's one clock.
//! - [`dates`] — calendar dates: the one date check, days ↔ dates.
//! - [`ics`] — calendar invitations carrying the join link.
//! - [`http`] — the router: API, pages, QR code, security headers.
//! - [`ws`] — WebSocket reader and writer tasks.
//! - [`web`] — the embedded pages from `web/`.
//! - [`qr`] — QR codes as SVG.
//! - [`limits`] — token buckets against guessed codes and message floods.
//! - [`net`] — the client address behind trusted reverse proxies.
//! - [`origin`] — which `Origin` and `Host` headers are the server's own.
//! - [`metrics`] — the node's figures for Prometheus (`/metrics`).
//! - [`config`] — command-line flags.
//!
//! `main` parses flags, binds and calls [`run`]; tests call [`run`] on port 0.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod audience;
pub mod clock;
pub mod config;
pub mod content;
pub mod dates;
pub mod domain;
pub mod export;
pub mod http;
pub mod ics;
pub mod kinds;
pub mod limits;
pub mod links;
pub mod metrics;
pub mod net;
pub mod origin;
pub mod outcome;
pub mod owner;
pub mod print;
pub mod protocol;
pub mod qr;
pub mod registry;
pub mod session;
pub mod state;
pub mod store;
pub mod typed;
pub mod web;
pub mod ws;

use std::future::Future;

use anyhow::Context;
use tokio::net::TcpListener;

pub use config::Config;
pub use http::app;
pub use state::AppState;

/// Loads the programmes and opens the store named by `config`, restoring every stored session.
pub fn open(config: &Config) -> anyhow::Result<AppState> {
    let library = match &config.content {
        Some(dir) => content::Library::from_dir(dir)?,
        None => content::Library::builtin()?,
    };
    let opened = match &config.database {
        None => {
            let opened = store::Store::open(store::Location::Directory(&config.data))?;
            tracing::info!(
                sessions = opened.restored.len(),
                "restored from {}",
                config.data.display()
            );
            opened
        }
        Some(url) => {
            let opened = store::Store::open(store::Location::Postgres {
                url,
                node: &config.addr,
            })?;
            tracing::info!("sessions are in {url}, taken over when asked for");
            opened
        }
    };
    Ok(AppState::new(opened, library, config))
}

/// Serves `state` on an already bound `listener` until `shutdown` completes (see `net::serve`
/// for the timeouts and connection caps).
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let listening = http::Listening(listener.local_addr().context("the server stopped")?);
    let mut serving = state.serving().clone();
    serving.caps.total = net::fit_open_files(serving.caps.total);
    // Erasures a crash cut short reach the later meetings of a series before anyone is served.
    state.registry().prune_all().await;
    tokio::spawn(sweep_expired(state.clone()));
    let app = app(state.clone()).layer(axum::Extension(listening));
    net::serve(listener, app, serving, shutdown).await;
    // Several nodes: the sessions this one ran go on elsewhere.
    state.registry().release_all().await;
    Ok(())
}

/// How often sessions past their retention period are looked for.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// Deletes expired sessions now and then every `SWEEP_EVERY`, for as long as the runtime runs.
async fn sweep_expired(state: AppState) {
    let mut every = tokio::time::interval(SWEEP_EVERY);
    loop {
        every.tick().await;
        state.registry().expire(clock::now_ms()).await;
    }
}
