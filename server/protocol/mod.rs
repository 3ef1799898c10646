//! The wire: every JSON shape that crosses the network, for the HTTP API and the WebSocket,
//! documented message by message in `docs/PROTOCOL.md`. Domain types never go on the wire
//! directly; the views pick what each audience may see.
//!
//! # Layout
//! - [`api`] — bodies of the HTTP API, requests and replies.
//! - [`client`] — what a screen sends over the WebSocket, and how it is read into commands.
//! - [`server`] — what the server sends over the WebSocket.
//! - [`views`] — the current step's activity as each audience sees it.

pub mod api;
pub mod client;
pub mod server;
pub mod views;

pub use api::*;
pub use client::*;
pub use server::*;
pub use views::*;

/// Largest WebSocket message the server accepts, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Close code: the token or participant identity is not valid for this session.
pub const CLOSE_UNAUTHORIZED: u16 = 4401;
/// Close code: the session does not exist (any more).
pub const CLOSE_NOT_FOUND: u16 = 4404;
/// Close code: the client did not read its messages fast enough; reconnect and resume.
pub const CLOSE_TOO_SLOW: u16 = 4408;
/// Close code: the first message was not `hello`, `join` or `resume`, or did not come in time.
pub const CLOSE_PROTOCOL: u16 = 4400;
/// Close code: the client's address tried too many wrong join codes, and the socket did not
/// open as staff or as a resuming participant; reconnect later.
pub const CLOSE_TOO_MANY: u16 = 4429;
/// Close code: the server is shutting down; reconnect later.
pub const CLOSE_GOING_AWAY: u16 = 1001;
/// Close code: a message was larger than [`MAX_MESSAGE_BYTES`].
pub const CLOSE_TOO_BIG: u16 = 1009;

#[cfg(test)]
mod fuzz;
