//! Several nodes on one PostgreSQL: before a request about a session reaches its handler, the
//! node makes sure it runs that session — taking it over when no live node does — or answers
//! `503 Service Unavailable` with `Retry-After` when another node runs it (the router then tries
//! the next node; the pages try again by themselves). With SQLite every session is the node's
//! own and this does nothing.
//!
//! Only the API names sessions this way (`/api/sessions/{code}…`, `/api/series/{code}…`, the
//! WebSocket included); pages (`/j/{code}`, `/s/{code}/…`) are the same on every node.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::domain::JoinCode;
use crate::http::ApiError;
use crate::registry::Found;
use crate::state::AppState;

/// The code an API path names, if it names one.
pub fn code_in(path: &str) -> Option<JoinCode> {
    let mut parts = path.trim_start_matches('/').split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("api"), Some("sessions" | "series"), Some(code)) => JoinCode::parse(code).ok(),
        _ => None,
    }
}

/// The middleware: takes the named session over if no node runs it, or answers `503` when
/// another node does (or the database cannot say).
pub async fn run_here(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if state.registry().is_shared()
        && let Some(code) = code_in(request.uri().path())
    {
        match state.registry().find(&code).await {
            Found::Here(_) | Found::Nowhere => {}
            Found::Elsewhere | Found::Unavailable => return ApiError::Elsewhere.into_response(),
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::code_in;

    #[test]
    fn the_api_paths_name_their_code_and_nothing_else_does() {
        let code = |path: &str| code_in(path).map(|c| c.to_string());
        assert_eq!(code("/api/sessions/k7m2qxp"), Some("K7M2QXP".into()));
        assert_eq!(code("/api/sessions/K7M2QXP/ws"), Some("K7M2QXP".into()));
        assert_eq!(code("/api/series/K7M2QXP/export"), Some("K7M2QXP".into()));
        assert_eq!(code("/api/sessions"), None);
        assert_eq!(code("/api/programmes/ledergruppen/print"), None);
        assert_eq!(code("/j/K7M2QXP"), None);
        assert_eq!(code("/api/sessions/K0M2QXP"), None);
    }
}
