//! The HTTP surface: the handlers of the JSON API, the pages and the QR code, behind security
//! headers. A handler reads and checks its request (the bearer credential once, by the
//! [`Bearer`] extractor) and leaves what changes the set of sessions to `registry`.
//! `app(state)` builds the one router used by `main` and by the tests.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State, WebSocketUpgrade};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::clock::now_ms;
use crate::domain::{Created, JoinCode, Lang, MAX_MIN_GROUP, ParticipantId, Token};
use crate::protocol::{self, CreateSession, ErrorBody, ProgrammeSummary, SessionCreated};
use crate::registry::Settings;
use crate::session::{NotDated, PlanRefused, PlanRequest, SessionHandle};
use crate::state::AppState;
use crate::{export, ics, links, qr, web, ws};

/// Default minimum group size before aggregates show.
const DEFAULT_MIN_GROUP: u32 = 3;
/// Formats a session or series exports in.
const SESSION_FORMATS: &[&str] = &["md", "html", "docx", "csv", "json", "xlsx"];
/// Largest JSON body the API reads.
const MAX_BODY: usize = 64 * 1024;
/// Largest body of a `PUT` (an evaluation's figures as a table, issue 17): a table of a few
/// hundred rows fits many times; a larger one is refused before it is read.
const MAX_PUT_BODY: usize = 1024 * 1024;

/// Content-Security-Policy for every response: nothing but our own origin, no inline script.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
                   form-action 'self'; frame-ancestors 'none'";

/// Content-Security-Policy of the projector page: as `CSP`, except that a page of our own origin
/// may frame it (the facilitator console's live mirror). No other host may.
const FRAMABLE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
                   img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
                   base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

/// Errors a handler returns; the response never shows internals.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is wrong; the message says how.
    #[error("{0}")]
    BadRequest(String),
    /// No or a wrong facilitator token.
    #[error("a valid facilitator token is required")]
    Unauthorized,
    /// No such session.
    #[error("no such session")]
    NotFound,
    /// The session has no step with that id.
    #[error("the session has no such step")]
    NoStep,
    /// A follow-up names an earlier session that does not exist (any more).
    #[error("the session to follow up does not exist (any more)")]
    FollowsUnknown,
    /// `--create-token` is set and the request did not carry it.
    #[error("creating sessions needs the server's create token")]
    CreateToken,
    /// Too many wrong join codes from this address.
    #[error("too many attempts; try again in a minute")]
    TooMany,
    /// Too many sessions created from this address.
    #[error("too many sessions created from your address; try again later")]
    TooManyCreated,
    /// A WebSocket, `POST` or `DELETE` from a page of another site.
    #[error("this origin may not connect")]
    ForeignOrigin,
    /// The server's disk is full: nothing was stored.
    #[error("the server's disk is full; nothing was saved — ask the operator to free space")]
    DiskFull,
    /// A `Host` that is not this server's (DNS rebinding).
    #[error("this server does not answer for that host")]
    ForeignHost,
    /// A `POST` or `DELETE` body that is not declared JSON.
    #[error("the request body must be JSON (Content-Type: application/json)")]
    NotJson,
    /// A request body that did not arrive within `--header-timeout`.
    #[error("the request body came too slowly")]
    SlowBody,
    /// A request body over [`MAX_BODY`].
    #[error("the request body is too large")]
    LargeBody,
    /// Another node runs the session (or the database cannot say now): ask again.
    #[error("this meeting is run by another server right now; try again in a moment")]
    Elsewhere,
    /// Something failed on our side; logged, not shown.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound | ApiError::FollowsUnknown | ApiError::NoStep => {
                StatusCode::NOT_FOUND
            }
            ApiError::CreateToken => StatusCode::UNAUTHORIZED,
            ApiError::TooMany | ApiError::TooManyCreated => StatusCode::TOO_MANY_REQUESTS,
            ApiError::ForeignOrigin => StatusCode::FORBIDDEN,
            ApiError::DiskFull => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::ForeignHost => StatusCode::MISDIRECTED_REQUEST,
            ApiError::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::SlowBody => StatusCode::REQUEST_TIMEOUT,
            ApiError::LargeBody => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Elsewhere => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let refused = match &self {
            ApiError::TooMany => Some("too_many_guesses"),
            ApiError::TooManyCreated => Some("too_many_created"),
            ApiError::Elsewhere => Some("elsewhere"),
            ApiError::LargeBody => Some("large_body"),
            ApiError::SlowBody => Some("slow_body"),
            ApiError::ForeignOrigin => Some("foreign_origin"),
            ApiError::ForeignHost => Some("foreign_host"),
            _ => None,
        };
        if let Some(reason) = refused {
            crate::metrics::rejected(reason);
        }
        let mut response = (
            status,
            axum::Json(ErrorBody {
                error: self.to_string(),
            }),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// The pages, by path: each is one file of `web/`, and whether a page of our own origin may
/// frame it (only the projector: the console shows it small). (`links` builds the links to them.)
const PAGES: &[(&str, &str, bool)] = &[
    ("/", "index.html", false),
    ("/j/{code}", "participant.html", false),
    ("/s/{code}/facilitator", "facilitator.html", false),
    ("/s/{code}/projector", "projector.html", true),
    ("/s/{code}/bord/{table}", "projector.html", false),
    ("/s/{code}/preview", "participant.html", false),
    ("/s/{code}/series", "series.html", false),
    ("/tilgaengelighed", "accessibility.html", false),
];

/// The application's router.
pub fn app(state: AppState) -> Router {
    let pages = PAGES
        .iter()
        .fold(Router::new(), |router, &(path, file, framable)| {
            router.route(
                path,
                get(move |headers: HeaderMap| async move {
                    let mut response = web::page(file, headers).await;
                    if framable {
                        response.headers_mut().insert(
                            header::CONTENT_SECURITY_POLICY,
                            HeaderValue::from_static(FRAMABLE_CSP),
                        );
                    }
                    response
                }),
            )
        });
    pages
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics))
        .route("/api/programmes", get(programmes))
        .route("/api/programmes/{id}/print", get(print_programme))
        .route("/api/sessions", axum::routing::post(create_session))
        .route(
            "/api/sessions/{code}",
            get(session_info).delete(delete_session),
        )
        .route("/api/sessions/{code}/participants", get(session_people))
        .route("/api/sessions/{code}/date", axum::routing::post(set_date))
        .route("/api/sessions/{code}/qr.svg", get(qr_code))
        .route("/api/sessions/{code}/print", get(print_session))
        .route("/api/sessions/{code}/join", get(join_check))
        .route("/api/sessions/{code}/export", get(export_session))
        .route("/api/series", axum::routing::post(create_series))
        .route("/api/series/{code}", get(series_info))
        .route("/api/series/{code}/export", get(export_series))
        .route("/api/series/{code}/print", get(print_series))
        .route("/api/series/{code}/invitation.ics", get(series_invitation))
        .route(
            "/api/sessions/{code}/evaluation/{step}",
            axum::routing::put(import_evaluation).delete(clear_evaluation),
        )
        .route("/api/sessions/{code}/invitation.ics", get(invitation))
        .route(
            "/api/sessions/{code}/personal-plan",
            get(export_personal_plan),
        )
        .route("/api/sessions/{code}/ws", get(socket))
        .nest_service("/static", web::files())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            read_body,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::owner::run_here,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limit_guesses,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard_requests,
        ))
        .layer(axum::middleware::map_response(json_errors))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Every error answers `{"error": "…"}`, also those that never reach a handler of ours: an
/// unknown path, a body over the limit (413), a query or path that does not parse, a socket
/// request without its upgrade headers. Their text (the extractor's explanation) is kept as
/// the message where it is short, plain text; otherwise the status's own name.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let said = axum::body::to_bytes(body, 1024).await.ok();
    let said = said
        .as_deref()
        .and_then(|b| std::str::from_utf8(b).ok())
        .map(str::trim)
        .filter(|text| !text.is_empty() && text.len() <= 300 && !text.contains('<'));
    let error = match said {
        Some(text) => text.to_owned(),
        None => status.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = axum::Json(ErrorBody { error }).into_response();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, body.into_body())
}

/// Whether a path names a session or series by its code: those answers tell whether a code
/// exists, so wrong codes are counted.
fn names_a_code(path: &str) -> bool {
    let mut parts = path.trim_start_matches('/').split('/');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some("api"), Some("sessions" | "series"), Some(code)) if !code.is_empty()
    )
}

/// The client's address: the TCP peer or, when that is a trusted reverse proxy, the client it
/// names (see `net`; an IPv6 address counted by its /64). Every per-address limit counts by it.
fn client_ip(state: &AppState, request: &axum::extract::Request) -> Option<std::net::IpAddr> {
    client_ip_of(state, request.extensions(), request.headers())
}

fn client_ip_of(
    state: &AppState,
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
) -> Option<std::net::IpAddr> {
    let peer = extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()?
        .0
        .ip();
    let client = state.trusted_proxies().client(peer, headers);
    Some(crate::net::limit_key(client))
}

/// The client address of a request, for a handler (see `client_ip`).
struct ClientAddr(Option<std::net::IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_ip_of(
            state,
            &parts.extensions,
            &parts.headers,
        )))
    }
}

impl ClientAddr {
    /// Creating costs the address a token (`limits::Creations`), unless the server has a
    /// create token (then only its holders create, unlimited).
    fn may_create(&self, state: &AppState) -> Result<(), ApiError> {
        match self.0 {
            Some(ip)
                if state.create_token().is_none()
                    && !state.creations().take(ip, std::time::Instant::now()) =>
            {
                Err(ApiError::TooManyCreated)
            }
            _ => Ok(()),
        }
    }
}

/// What lets a request from an address out of wrong-code tries through anyway.
enum Exemption {
    /// Nothing: `429`.
    None,
    /// A valid facilitator or projector token of the named session.
    Staff,
    /// A participant's `<id>:<secret>` for their personal plan: let through, and answered `429`
    /// unless the plan is found (only the right secret finds it).
    Participant,
    /// A WebSocket: its credentials come in its first message (`ws::upgrade`'s `guarded`).
    Socket,
}

fn exemption(state: &AppState, request: &axum::extract::Request) -> Exemption {
    let path = request.uri().path();
    if path.ends_with("/ws") {
        return Exemption::Socket;
    }
    let credential = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let handle = path
        .split('/')
        .nth(3)
        .and_then(|code| JoinCode::parse(code).ok())
        .and_then(|code| state.registry().get(&code));
    let (Some(credential), Some(handle)) = (credential, handle) else {
        return Exemption::None;
    };
    let facilitator = Token::parse(credential).is_ok_and(|token| handle.is_facilitator(&token));
    let projector = handle
        .projector_url()
        .rsplit_once('#')
        .is_some_and(|(_, token)| {
            crate::domain::ids::same_secret(token.as_bytes(), credential.as_bytes())
        });
    if facilitator || projector {
        Exemption::Staff
    } else if credential.contains(':') && path.ends_with("/personal-plan") {
        Exemption::Participant
    } else {
        Exemption::None
    }
}

/// Lookups of a code from an address that tried too many wrong ones get `429`, whether the code
/// exists or not; every `404` (and every WebSocket to an unknown session) costs that address a
/// try. Requests that prove they belong are not limited: staff tokens, a participant's secret,
/// and sockets that open as staff or resume (`Exemption`). See `limits`.
async fn limit_guesses(
    State(state): State<AppState>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let ip = client_ip(&state, &request);
    let counted = names_a_code(request.uri().path());
    let now = std::time::Instant::now();
    let mut must_succeed = false;
    if counted
        && let Some(ip) = ip
        && !state.guesses().allowed(ip, now)
    {
        match exemption(&state, &request) {
            Exemption::None => return ApiError::TooMany.into_response(),
            Exemption::Staff => {}
            Exemption::Participant => must_succeed = true,
            Exemption::Socket => {
                request.extensions_mut().insert(ws::Guarded);
            }
        }
    }
    let socket_code = (counted && request.uri().path().ends_with("/ws"))
        .then(|| crate::owner::code_in(request.uri().path()));
    let response = next.run(request).await;
    // Asked after the request ran: a session another node ran until now is this node's then.
    let unknown_socket = socket_code.is_some_and(|code| {
        code.and_then(|code| state.registry().get(&code)).is_none()
            && response.status() != StatusCode::SERVICE_UNAVAILABLE
    });
    if counted
        && let Some(ip) = ip
        && (response.status() == StatusCode::NOT_FOUND || unknown_socket)
    {
        state.guesses().missed(ip, now);
    }
    if must_succeed && !response.status().is_success() {
        return ApiError::TooMany.into_response();
    }
    response
}

/// The address the server listens on, for telling its own `Host` headers (see `origin`); put
/// into every request by `run`.
#[derive(Debug, Clone, Copy)]
pub struct Listening(pub std::net::SocketAddr);

/// Requests a page of another site could make with a visitor's browser, and requests for a
/// name that is not ours (DNS rebinding), are refused before any handler sees them:
/// - a `Host` that is not the server's own: `421` (`/healthz` excepted);
/// - a `POST` or `DELETE` whose `Origin` is not the server's own: `403`;
/// - a `POST`, or a `DELETE` with a body, not declared `Content-Type: application/json`: `415`
///   (an HTML form can send no such request, and a script of another site cannot without a
///   preflight the server never grants). A `DELETE` without a body needs no type: it carries
///   the facilitator token in `Authorization`, which no other site's page can attach either.
async fn guard_requests(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let listening = request.extensions().get::<Listening>().map(|l| l.0);
    if let (Some(host), Some(listening)) = (host, listening)
        && request.uri().path() != "/healthz"
        && !crate::origin::own_host(state.public_url(), listening, host)
    {
        return ApiError::ForeignHost.into_response();
    }
    let method = request.method();
    // A `PUT` (an evaluation's figures) carries its own type, checked by its handler; it must
    // come from the server's own origin like any other change.
    if method == axum::http::Method::PUT && !origin_allowed(&state, headers) {
        return ApiError::ForeignOrigin.into_response();
    }
    if method == axum::http::Method::POST || method == axum::http::Method::DELETE {
        if !origin_allowed(&state, headers) {
            return ApiError::ForeignOrigin.into_response();
        }
        let has_body = method == axum::http::Method::POST
            || headers.contains_key(header::TRANSFER_ENCODING)
            || headers
                .get(header::CONTENT_LENGTH)
                .is_some_and(|length| length.as_bytes() != b"0");
        let json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"));
        if has_body && !json {
            return ApiError::NotJson.into_response();
        }
    }
    next.run(request).await
}

/// Reads a `POST`, `PUT` or `DELETE` body whole before any handler sees it, within
/// `--header-timeout` and [`MAX_BODY`] ([`MAX_PUT_BODY`] for a `PUT`): a body sent a byte at a
/// time holds a connection no longer than headers may (`408`), a larger one gets `413` as soon
/// as it is too large.
async fn read_body(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let method = request.method();
    let limit = if method == axum::http::Method::PUT {
        MAX_PUT_BODY
    } else if method == axum::http::Method::POST || method == axum::http::Method::DELETE {
        MAX_BODY
    } else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let deadline = state.serving().header_timeout;
    let bytes = match tokio::time::timeout(deadline, axum::body::to_bytes(body, limit)).await {
        Err(_) => return ApiError::SlowBody.into_response(),
        Ok(Err(e)) if over_limit(&e) => return ApiError::LargeBody.into_response(),
        Ok(Err(_)) => {
            return ApiError::BadRequest("the request body could not be read".into())
                .into_response();
        }
        Ok(Ok(bytes)) => bytes,
    };
    next.run(axum::extract::Request::from_parts(parts, bytes.into()))
        .await
}

/// Whether reading a body failed because it was over the limit given.
fn over_limit(error: &axum::Error) -> bool {
    let inner: &(dyn std::error::Error + 'static) = error;
    std::iter::successors(Some(inner), |e| e.source())
        .any(|e| e.is::<http_body_util::LengthLimitError>())
}

/// Browsers send `Origin` with every WebSocket handshake and every `POST` and `DELETE`. A page
/// of another site must not open a socket to a session (it would act with the visitor's stored
/// identity) nor create or delete sessions: only the server's own origin may — as
/// `--public-url` names it or, without it, as the browser reached the server (`Host`); see
/// `origin`. Clients that are not browsers send no `Origin` and are let through; they hold no
/// one else's credentials.
fn origin_allowed(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    crate::origin::own_origin(state.public_url(), host, origin)
}

/// The credential of `Authorization: Bearer <credential>` (trimmed), read once per request;
/// `None` when the header is missing or holds no bearer credential. What it must be depends on
/// the request: the create token, a facilitator token, or a participant's `<id>:<secret>`.
struct Bearer(Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for Bearer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Bearer(
            parts
                .headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(|v| v.trim().to_owned()),
        ))
    }
}

impl Bearer {
    /// With `--create-token`, creating needs `Authorization: Bearer <token>`.
    fn may_create(&self, state: &AppState) -> Result<(), ApiError> {
        let Some(expected) = state.create_token() else {
            return Ok(());
        };
        let given = self.0.as_deref().unwrap_or_default();
        if crate::domain::ids::same_secret(given.as_bytes(), expected.as_bytes()) {
            Ok(())
        } else {
            Err(ApiError::CreateToken)
        }
    }

    /// Whether the credential is `handle`'s facilitator token.
    fn facilitator_of(&self, handle: &SessionHandle) -> Result<(), ApiError> {
        let token = self
            .0
            .as_deref()
            .and_then(|t| Token::parse(t).ok())
            .ok_or(ApiError::Unauthorized)?;
        if handle.is_facilitator(&token) {
            Ok(())
        } else {
            Err(ApiError::Unauthorized)
        }
    }
}

/// The session named in the path (`{code}`), for a request that carries its facilitator token:
/// the rejection is `404` when there is no such session, then `401` without the token.
struct Facilitated {
    code: JoinCode,
    handle: SessionHandle,
}

impl FromRequestParts<AppState> for Facilitated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // The path's `{code}` (a path may name more, e.g. an evaluation's step).
        let Path(params) =
            Path::<std::collections::HashMap<String, String>>::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        let code = params.get("code").ok_or(ApiError::NotFound)?;
        let (code, handle) = lookup(state, code)?;
        let Ok(bearer) = Bearer::from_request_parts(parts, state).await;
        bearer.facilitator_of(&handle)?;
        Ok(Facilitated { code, handle })
    }
}

/// Content-Security-Policy of an exported document: its own inline styles and pictures, nothing
/// else — no script at all.
const EXPORT_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The old header for old browsers says what the policy's frame-ancestors says.
    let framable = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .is_some_and(|csp| csp.as_bytes() == FRAMABLE_CSP.as_bytes());
    headers.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static(if framable { "SAMEORIGIN" } else { "DENY" }),
    );
    response
}

/// The node's figures for Prometheus (see `metrics`): from this machine, or with the
/// `--metrics-token`; `404` to anyone else, as if there were no such page.
async fn metrics(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    bearer: Bearer,
) -> Response {
    let forwarded =
        headers.contains_key("x-forwarded-for") || headers.contains_key(header::FORWARDED);
    if !crate::metrics::allowed(
        peer.ip(),
        forwarded,
        state.metrics_token(),
        bearer.0.as_deref(),
    ) {
        return ApiError::NotFound.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(crate::metrics::CONTENT_TYPE),
        )],
        crate::metrics::render(state.registry().count()),
    )
        .into_response()
}

async fn programmes(State(state): State<AppState>) -> axum::Json<Vec<ProgrammeSummary>> {
    let library = state.library();
    let programmes = library.all().iter().map(ProgrammeSummary::of);
    let series = library.series().iter().map(ProgrammeSummary::of_series);
    axum::Json(programmes.chain(series).collect())
}

/// Language, group size and link base of a new session, checked.
fn settings(
    state: &AppState,
    headers: &HeaderMap,
    lang: Option<Lang>,
    min_group: Option<u32>,
    tables: Option<protocol::TablesRequest>,
) -> Result<Settings, ApiError> {
    let tables = tables
        .map(|t| {
            if !(1..=crate::domain::tables::MAX_TABLES).contains(&t.count) {
                return Err(ApiError::BadRequest(format!(
                    "tables.count must be between 1 and {}",
                    crate::domain::tables::MAX_TABLES
                )));
            }
            Ok(crate::domain::TableSetup {
                count: t.count,
                settings: crate::domain::TableSettings {
                    choose: t.choose,
                    phones_see_results: t.phones_see_results,
                },
            })
        })
        .transpose()?;
    let min_group = min_group.unwrap_or(DEFAULT_MIN_GROUP);
    if !(1..=MAX_MIN_GROUP).contains(&min_group) {
        return Err(ApiError::BadRequest(format!(
            "min_group must be between 1 and {MAX_MIN_GROUP}"
        )));
    }
    let base_url = match state.public_url() {
        Some(url) => url.to_owned(),
        None => format!("http://{}", host_of(headers)?),
    };
    Ok(Settings {
        lang: lang.unwrap_or(Lang::Da),
        min_group,
        base_url,
        tables,
    })
}

/// A meeting's planned day as given at creation: `YYYY-MM-DD`, a real day (`dates::Date::parse`).
fn planned_date(text: &str) -> Result<String, ApiError> {
    crate::dates::Date::parse(text)
        .map(|date| date.to_string())
        .ok_or_else(|| {
            ApiError::BadRequest("a meeting's date must be a real day, YYYY-MM-DD".into())
        })
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    if body.len() > MAX_BODY {
        return Err(ApiError::BadRequest("the request body is too large".into()));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::BadRequest(format!("invalid request: {e}")))
}

/// A programme from the library with the facilitator's changes to its cards, topics and actor
/// categories applied and checked.
fn customised(
    state: &AppState,
    id: &str,
    changes: Option<&std::collections::BTreeMap<String, crate::content::customise::StepChanges>>,
) -> Result<crate::content::Programme, ApiError> {
    let mut programme = state
        .library()
        .get(id)
        .ok_or_else(|| ApiError::BadRequest(format!("unknown programme '{id}'")))?
        .clone();
    if let Some(changes) = changes {
        crate::content::customise::apply_changes(&mut programme, changes)
            .map_err(ApiError::BadRequest)?;
        programme
            .validate()
            .map_err(|e| ApiError::BadRequest(format!("{e:#}")))?;
    }
    Ok(programme)
}

/// The reply to a creation: the session's code and links.
fn created_reply(created: &Created) -> SessionCreated {
    SessionCreated {
        code: created.code.to_string(),
        join_url: links::join(created),
        projector_url: links::projector(created),
        facilitator_url: links::facilitator(created),
        facilitator_token: created.facilitator_token.expose().to_owned(),
    }
}

/// The store refused to keep a new or deleted session.
fn storage(e: crate::store::StoreError) -> ApiError {
    if e.is_full() {
        tracing::error!(error = %e, "the disk is full");
        ApiError::DiskFull
    } else {
        ApiError::Internal(e.into())
    }
}

#[derive(serde::Deserialize)]
struct PrintQuery {
    lang: Option<Lang>,
    /// `handout` (for the participants) or `guide` (for the facilitator, the default).
    #[serde(default)]
    version: crate::print::Version,
    /// A series booklet's meeting days, in order, comma-separated `YYYY-MM-DD` (an empty entry
    /// for a meeting without one), as the series page knows them.
    dates: Option<String>,
}

/// A programme on paper: its questions, blank templates and cards, printable on A4, as the
/// participants' hand-out or the facilitator's guide.
async fn print_programme(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<PrintQuery>,
) -> Result<Response, ApiError> {
    let programme = state.library().get(&id).ok_or(ApiError::NotFound)?;
    let html = crate::print::programme(programme, query.lang.unwrap_or(Lang::Da), query.version);
    Ok(printed(html))
}

/// A session's programme on paper, as it was created: the facilitator's own cards, topics and
/// actor categories in place of the built-in ones. It needs only the join code (what it holds,
/// everyone in the room reads on their phones) and counts as a lookup of one.
async fn print_session(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<PrintQuery>,
) -> Result<Response, ApiError> {
    let (_, handle) = lookup(&state, &code)?;
    let lang = query.lang.unwrap_or(handle.lang());
    Ok(printed(crate::print::programme(
        handle.programme(),
        lang,
        query.version,
    )))
}

/// A series of the library (by its id, e.g. `tre-trins-raket`) on paper as one booklet: each
/// meeting's programme in order, as the participants' hand-out or the facilitator's guide,
/// with the meetings' days when `dates` names them.
/// (The path's name is `code` as in the series' other routes; here it is the series' id.)
async fn print_series(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<PrintQuery>,
) -> Result<Response, ApiError> {
    let library = state.library();
    let series = library.get_series(&id).ok_or(ApiError::NotFound)?;
    let meetings = series
        .meetings
        .iter()
        .map(|m| library.get(m))
        .collect::<Option<Vec<_>>>()
        .ok_or(ApiError::NotFound)?;
    let dates = match query.dates.as_deref() {
        Some(list) => list
            .split(',')
            .map(|day| (!day.trim().is_empty()).then(|| planned_date(day.trim())))
            .map(Option::transpose)
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let html = crate::print::series(
        series,
        &meetings,
        &dates,
        query.lang.unwrap_or(Lang::Da),
        query.version,
    );
    Ok(printed(html))
}

/// A printable page: HTML under the exports' policy (no script).
fn printed(html: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, EXPORT_CSP),
        ],
        html,
    )
        .into_response()
}

async fn create_session(
    State(state): State<AppState>,
    bearer: Bearer,
    client: ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, axum::Json<SessionCreated>), ApiError> {
    bearer.may_create(&state)?;
    client.may_create(&state)?;
    let request: CreateSession = parse_body(&body)?;
    if state.library().get_series(&request.programme).is_some() {
        return Err(ApiError::BadRequest(format!(
            "'{}' is a series: create it with POST /api/series",
            request.programme
        )));
    }
    let mut programme = customised(&state, &request.programme, request.customise.as_ref())?;
    if let Some(articles) = request.articles {
        programme.articles =
            crate::content::customise::articles(articles).map_err(ApiError::BadRequest)?;
    }
    // A follow-up (issue 17) copies from the session it follows, and by default takes its
    // language and group size.
    let earlier = match &request.follows {
        Some(follows) => Some(earlier_session(&state, &client, follows).await?),
        None => None,
    };
    let settings = settings(
        &state,
        &headers,
        request.lang.or(earlier.as_ref().map(|(_, lang, _)| *lang)),
        request
            .min_group
            .or(earlier.as_ref().map(|(_, _, min_group)| *min_group)),
        request.tables,
    )?;
    let followed = earlier.map(|(followed, _, _)| followed);
    // A follow-up with rows to review opens with their review.
    if followed.as_ref().is_some_and(|f| !f.rows.is_empty()) {
        programme = programme.with_review();
    }
    // Issue 13: group results need min_group >= 3 (checked at creation only).
    programme
        .check_min_group(settings.min_group)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let planned = request.date.as_deref().map(planned_date).transpose()?;
    let created = state
        .registry()
        .create_following(programme, &settings, planned, followed)
        .await
        .map_err(storage)?;
    Ok((StatusCode::CREATED, axum::Json(created_reply(&created))))
}

/// The session a follow-up follows (issue 17), found by its code and its facilitator token:
/// what the follow-up copies from it, its language and its group size. An unknown code is
/// `404` and costs the address a try, as any lookup of a code does (`429` once too many were
/// wrong); a token that is not its facilitator's is `401`.
async fn earlier_session(
    state: &AppState,
    client: &ClientAddr,
    follows: &protocol::FollowsRequest,
) -> Result<(crate::domain::Followed, Lang, u32), ApiError> {
    let now = std::time::Instant::now();
    if let Some(ip) = client.0
        && !state.guesses().allowed(ip, now)
    {
        return Err(ApiError::TooMany);
    }
    // With PostgreSQL the earlier session may run on another node: read as it is stored.
    let handle = match JoinCode::parse(&follows.code) {
        Ok(code) => state.registry().meeting(&code).await,
        Err(_) => None,
    };
    let Some(handle) = handle else {
        if let Some(ip) = client.0 {
            state.guesses().missed(ip, now);
        }
        return Err(ApiError::FollowsUnknown);
    };
    let token = Token::parse(follows.token.trim()).map_err(|_| ApiError::Unauthorized)?;
    if !handle.is_facilitator(&token) {
        return Err(ApiError::Unauthorized);
    }
    let contribution = handle
        .contribution()
        .await
        .ok_or(ApiError::FollowsUnknown)?;
    Ok((contribution.followed(), handle.lang(), handle.min_group()))
}

/// Creates every meeting of a series at once, with one facilitator token for all of them.
async fn create_series(
    State(state): State<AppState>,
    bearer: Bearer,
    client: ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, axum::Json<protocol::SeriesCreated>), ApiError> {
    bearer.may_create(&state)?;
    client.may_create(&state)?;
    let request: protocol::CreateSeries = parse_body(&body)?;
    let series = state
        .library()
        .get_series(&request.series)
        .ok_or_else(|| ApiError::BadRequest(format!("unknown series '{}'", request.series)))?
        .clone();
    let settings = settings(
        &state,
        &headers,
        request.lang,
        request.min_group,
        request.tables,
    )?;
    let programmes = series
        .meetings
        .iter()
        .map(|id| {
            customised(
                &state,
                id,
                request.customise.as_ref().and_then(|c| c.get(id)),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    // A meeting after one with an action plan opens with its review (issue 17).
    let programmes = crate::content::with_reviews(programmes);
    // Issue 13: group results need min_group >= 3 (checked at creation only).
    for programme in &programmes {
        programme
            .check_min_group(settings.min_group)
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    }
    let dates = request.dates.as_deref().unwrap_or_default();
    if dates.len() > programmes.len() {
        return Err(ApiError::BadRequest(format!(
            "dates: at most one per meeting ({})",
            programmes.len()
        )));
    }
    let planned = dates
        .iter()
        .map(|date| date.as_deref().map(planned_date).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    let meetings = state
        .registry()
        .create_series(&series, programmes, &settings, &planned)
        .await
        .map_err(storage)?;
    let (export_url, series_url) = meetings
        .first()
        .and_then(|first| Some((links::series_export(first)?, links::series_page(first)?)))
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a series without meetings")))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(protocol::SeriesCreated {
            series: series.id,
            title: series.title,
            facilitator_token: meetings[0].facilitator_token.expose().to_owned(),
            export_url,
            series_url,
            meetings: meetings.iter().map(created_reply).collect(),
        }),
    ))
}

/// The series a meeting belongs to, with every meeting's links and where it is: the series'
/// facilitator page. Any meeting's code names it; the token is the series' one facilitator
/// token (`404` for an unknown code or a meeting outside any series, `401` without the token).
async fn series_info(
    State(state): State<AppState>,
    bearer: Bearer,
    Facilitated { handle, .. }: Facilitated,
) -> Result<axum::Json<protocol::SeriesInfo>, ApiError> {
    let link = handle.series().cloned().ok_or(ApiError::NotFound)?;
    let mut meetings = Vec::with_capacity(link.codes.len());
    for (position, code) in link.codes.iter().enumerate() {
        // A meeting deleted since is listed by its code only.
        let meeting = match state.registry().meeting(code).await {
            Some(other) if bearer.facilitator_of(&other).is_ok() => {
                other.info().await.map(|info| protocol::MeetingState {
                    programme: other.programme().id.clone(),
                    title: other.programme().title.clone(),
                    join_url: other.join_url().to_owned(),
                    facilitator_url: other.facilitator_url().to_owned(),
                    projector_url: other.projector_url().to_owned(),
                    step: info.step,
                    steps: other.programme().steps.len(),
                    joined: info.participants.joined,
                    connected: info.participants.connected,
                    date: info.date,
                })
            }
            _ => None,
        };
        meetings.push(protocol::SeriesMeeting {
            position,
            code: code.to_string(),
            meeting,
        });
    }
    Ok(axum::Json(protocol::SeriesInfo {
        series: link.id.clone(),
        title: link.title.clone(),
        export_url: handle.series_export_url().unwrap_or_default().to_owned(),
        meetings,
    }))
}

/// The series report: every meeting of a series as a chapter, and their plans as one.
async fn export_series(
    State(state): State<AppState>,
    Query(query): Query<ExportQuery>,
    Facilitated { handle, .. }: Facilitated,
) -> Result<Response, ApiError> {
    let link = handle.series().cloned().ok_or(ApiError::NotFound)?;
    let format = format_of(&query, SESSION_FORMATS)?;
    let mut outcomes = Vec::new();
    for (position, code) in link.codes.iter().enumerate() {
        if let Some(meeting) = state.registry().meeting(code).await {
            outcomes.extend(meeting.outcome().await.map(|o| (position, o)));
        }
    }
    let series = crate::outcome::series(&link.id, &link.title, link.codes.len(), outcomes)
        .ok_or(ApiError::NotFound)?;
    let first_date = series.meetings[0].outcome.date.clone();
    let name = format!("trivsel-serie-{}-{first_date}", link.codes[0]);
    download(move || export::series(&series, format), name).await
}

/// The Host header, if it is a plain host[:port] that is safe to put into a link.
fn host_of(headers: &HeaderMap) -> Result<&str, ApiError> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .ok_or_else(|| ApiError::BadRequest("the Host header is missing".into()))?;
    let safe = !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
    if safe {
        Ok(host)
    } else {
        Err(ApiError::BadRequest(
            "the Host header is not a valid host".into(),
        ))
    }
}

fn lookup(state: &AppState, code: &str) -> Result<(JoinCode, SessionHandle), ApiError> {
    let code = JoinCode::parse(code).map_err(|_| ApiError::NotFound)?;
    let handle = state.registry().get(&code).ok_or(ApiError::NotFound)?;
    Ok((code, handle))
}

async fn session_info(
    Facilitated { handle, .. }: Facilitated,
) -> Result<axum::Json<protocol::SessionInfo>, ApiError> {
    handle
        .info()
        .await
        .map(axum::Json)
        .ok_or(ApiError::NotFound)
}

/// Sets the meeting's day after creation, or clears it (a meeting moved by a week is filed
/// with the day it was held): `{"date": "2027-01-19"}` or `{"date": null}`. Answers once it is
/// stored, with the day set and the day the exports now carry.
async fn set_date(
    Facilitated { handle, .. }: Facilitated,
    body: Bytes,
) -> Result<axum::Json<protocol::SessionDate>, ApiError> {
    let request: protocol::SetDate = parse_body(&body)?;
    let date = request.date.as_deref().map(planned_date).transpose()?;
    handle
        .set_date(date)
        .await
        .map_err(|refused| match refused {
            NotDated::Invalid => {
                ApiError::BadRequest("a meeting's date must be a real day, YYYY-MM-DD".into())
            }
            NotDated::NotStored(true) => ApiError::DiskFull,
            NotDated::NotStored(false) => {
                ApiError::Internal(anyhow::anyhow!("the meeting's day was not stored"))
            }
            NotDated::Gone => ApiError::NotFound,
        })?;
    let info = handle.info().await.ok_or(ApiError::NotFound)?;
    Ok(axum::Json(protocol::SessionDate {
        date: info.date,
        meeting_date: info.meeting_date,
    }))
}

/// Everyone in by number, and the door (issue 13): the console's list for "Fjern".
async fn session_people(
    Facilitated { handle, .. }: Facilitated,
) -> Result<axum::Json<protocol::ParticipantList>, ApiError> {
    handle
        .people()
        .await
        .map(axum::Json)
        .ok_or(ApiError::NotFound)
}

async fn delete_session(
    State(state): State<AppState>,
    Facilitated { code, .. }: Facilitated,
) -> Result<StatusCode, ApiError> {
    if !state.registry().delete(&code).await.map_err(storage)? {
        return Err(ApiError::NotFound);
    }
    tracing::info!(%code, "session deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Whether a typed join code names a live session, before the start page leaves for it: the
/// code as the session spells it. Says no more than the QR code does; a wrong code costs a try.
async fn join_check(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<axum::Json<protocol::JoinCheck>, ApiError> {
    let (code, _) = lookup(&state, &code)?;
    Ok(axum::Json(protocol::JoinCheck {
        code: code.to_string(),
    }))
}

async fn qr_code(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let (_, handle) = lookup(&state, &code)?;
    let svg = qr::svg(handle.join_url()).map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        svg,
    )
        .into_response())
}

#[derive(serde::Deserialize)]
struct ExportQuery {
    format: Option<String>,
    step: Option<String>,
    participant: Option<String>,
    /// A table's own outcome (issue 16), by its number; the hall's when absent.
    table: Option<u16>,
}

fn format_of(query: &ExportQuery, allowed: &[&str]) -> Result<export::Format, ApiError> {
    let name = query.format.as_deref().unwrap_or("html");
    allowed
        .contains(&name)
        .then(|| export::Format::parse(name))
        .flatten()
        .ok_or_else(|| {
            ApiError::BadRequest(format!("format must be one of {}", allowed.join(", ")))
        })
}

/// Renders off the async threads (Word pictures are rasterised) and wraps it as a download.
async fn download(
    render: impl FnOnce() -> anyhow::Result<export::Rendered> + Send + 'static,
    name: String,
) -> Result<Response, ApiError> {
    let rendered = tokio::task::spawn_blocking(render)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(ApiError::Internal)?;
    let disposition = format!("attachment; filename=\"{name}.{}\"", rendered.extension);
    let mut response = rendered.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(rendered.content_type),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|e| ApiError::Internal(e.into()))?,
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(EXPORT_CSP),
    );
    Ok(response)
}

async fn export_session(
    Query(query): Query<ExportQuery>,
    Facilitated { code, handle }: Facilitated,
) -> Result<Response, ApiError> {
    let format = format_of(&query, SESSION_FORMATS)?;
    let scope = match query.table {
        None => crate::domain::Scope::Hall,
        Some(n) => crate::domain::TableId::from_number(n)
            .map(crate::domain::Scope::Table)
            .ok_or_else(|| ApiError::BadRequest(format!("no table {n}")))?,
    };
    let outcome = handle.outcome_in(scope).await.ok_or(ApiError::NotFound)?;
    let name = match outcome.table {
        Some(table) => format!("trivsel-{code}-bord-{table}-{}", outcome.date),
        None => format!("trivsel-{code}-{}", outcome.date),
    };
    download(move || export::session(&outcome, format), name).await
}

/// A personal plan: for its author (`Authorization: Bearer <participant id>:<secret>`), or for
/// the facilitator (`?participant=p3` with the facilitator token) once the author shared it.
async fn export_personal_plan(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<ExportQuery>,
    bearer: Bearer,
) -> Result<Response, ApiError> {
    let (code, handle) = lookup(&state, &code)?;
    let format = format_of(&query, &["html", "docx"])?;
    let credential = bearer.0.as_deref().ok_or(ApiError::Unauthorized)?;
    let request = match credential.split_once(':') {
        Some((id, secret)) => PlanRequest {
            participant: ParticipantId::parse(id).map_err(|_| ApiError::Unauthorized)?,
            secret: Some(Token::parse(secret).map_err(|_| ApiError::Unauthorized)?),
            step: query.step.clone(),
        },
        None => {
            bearer.facilitator_of(&handle)?;
            let participant = query
                .participant
                .as_deref()
                .and_then(|p| ParticipantId::parse(p).ok())
                .ok_or_else(|| ApiError::BadRequest("participant=p<n> is required".into()))?;
            PlanRequest {
                participant,
                secret: None,
                step: query.step.clone(),
            }
        }
    };
    let plan = handle
        .personal_plan(request)
        .await
        .map_err(|refused| match refused {
            PlanRefused::Unauthorized => ApiError::Unauthorized,
            PlanRefused::NotFound => ApiError::NotFound,
        })?;
    let name = format!("min-trivsel-{code}-{}", plan.date);
    download(move || export::personal(&plan, format), name).await
}

#[derive(serde::Deserialize)]
struct InvitationQuery {
    start: String,
    minutes: Option<u32>,
}

/// The meeting's invitation as a calendar file carrying the join link.
async fn invitation(
    Query(query): Query<InvitationQuery>,
    Facilitated { code, handle }: Facilitated,
) -> Result<Response, ApiError> {
    let start = ics::LocalTime::parse(&query.start).ok_or_else(|| {
        ApiError::BadRequest("start must be a date and time, YYYY-MM-DDTHH:MM".into())
    })?;
    let programme = handle.programme();
    let minutes = query.minutes.or(programme.minutes).unwrap_or(60);
    if !(5..=24 * 60).contains(&minutes) {
        return Err(ApiError::BadRequest(
            "minutes must be between 5 and 1440".into(),
        ));
    }
    let (summary, description) = invitation_text(&handle, &code);
    let uid = format!("{code}@trivsel");
    let calendar = ics::calendar(&ics::Meeting {
        uid: &uid,
        summary: &summary,
        description: &description,
        url: handle.join_url(),
        start,
        minutes,
        now_ms: now_ms(),
    });
    let disposition = format!("attachment; filename=\"trivsel-{code}.ics\"");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        calendar,
    )
        .into_response())
}

/// A meeting's invitation: its subject and its text (`{link}` and `{code}` filled in, and what
/// to read before the meeting at the end, issue 17), in the session's language.
fn invitation_text(handle: &SessionHandle, code: &JoinCode) -> (String, String) {
    let programme = handle.programme();
    let link = handle.join_url();
    let lang = handle.lang();
    let pick = |t: &crate::content::Text| lang.pick(t).to_owned();
    let (summary, body) = match &programme.invitation {
        Some(invitation) => (pick(&invitation.subject), pick(&invitation.body)),
        None => (pick(&programme.title), "{link}".to_owned()),
    };
    let fill = |t: &str| t.replace("{link}", link).replace("{code}", code.as_str());
    let mut body = fill(&body);
    body.push_str(&crate::content::preparation_text(&programme.articles, lang));
    (fill(&summary), body)
}

#[derive(serde::Deserialize)]
struct SeriesInvitationQuery {
    /// The time every meeting starts, `HH:MM` (09:00 when left out).
    time: Option<String>,
    /// Each meeting's length (its programme's, else 60, when left out).
    minutes: Option<u32>,
}

/// Every meeting of a series in one calendar file (issue 17): an event on each meeting's
/// planned day, at `time`, written as the single invitation is. Meetings without a day are
/// left out; a series where none has one is `400`.
async fn series_invitation(
    State(state): State<AppState>,
    Query(query): Query<SeriesInvitationQuery>,
    Facilitated { handle, .. }: Facilitated,
) -> Result<Response, ApiError> {
    let link = handle.series().cloned().ok_or(ApiError::NotFound)?;
    let time = query.time.as_deref().unwrap_or("09:00");
    if let Some(minutes) = query.minutes
        && !(5..=24 * 60).contains(&minutes)
    {
        return Err(ApiError::BadRequest(
            "minutes must be between 5 and 1440".into(),
        ));
    }
    let mut meetings = Vec::new();
    for code in &link.codes {
        let Some(meeting) = state.registry().meeting(code).await else {
            continue;
        };
        let Some(day) = meeting.planned() else {
            continue;
        };
        let start = ics::LocalTime::parse(&format!("{day}T{time}"))
            .filter(|_| time.len() == 5)
            .ok_or_else(|| ApiError::BadRequest("time must be a time of day, HH:MM".into()))?;
        let (summary, description) = invitation_text(&meeting, code);
        let minutes = query
            .minutes
            .or(meeting.programme().minutes)
            .unwrap_or(60)
            .clamp(5, 24 * 60);
        meetings.push((
            format!("{code}@trivsel"),
            summary,
            description,
            meeting.join_url().to_owned(),
            start,
            minutes,
        ));
    }
    if meetings.is_empty() {
        return Err(ApiError::BadRequest(
            "no meeting of the series has a day set (the days are set when the series is created)"
                .into(),
        ));
    }
    let now = now_ms();
    let events: Vec<ics::Meeting> = meetings
        .iter()
        .map(
            |(uid, summary, description, url, start, minutes)| ics::Meeting {
                uid,
                summary,
                description,
                url,
                start: *start,
                minutes: *minutes,
                now_ms: now,
            },
        )
        .collect();
    let calendar = ics::calendar_of(&events);
    let first = &link.codes[0];
    let disposition = format!("attachment; filename=\"trivsel-serie-{first}.ics\"");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        calendar,
    )
        .into_response())
}

/// An evaluation step's figures (issue 17), as a table (`text/csv`, `text/plain`,
/// `text/tab-separated-values`; UTF-8, else read as Windows-1252, as Excel writes "CSV
/// (semikolonsepareret)") or as JSON rows (`application/json`, `{"rows": [{item, score,
/// scale, n}]}`): read and checked ([`crate::kinds::evaluation::import`]), then taken in by the
/// session as the facilitator's change, replacing the figures before. Problems are `400`
/// `{"error", "problems": [{place, line, field, problem, message: {da, en}}]}`.
async fn import_evaluation(
    Path((_, step)): Path<(String, String)>,
    Facilitated { handle, .. }: Facilitated,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    use crate::kinds::evaluation::import;
    let essence = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let min_group = handle.min_group();
    let read = match essence.as_str() {
        "application/json" => {
            let request: protocol::ImportRows = parse_body_limited(&body)?;
            let text = |value: serde_json::Value| match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            import::read_fields(
                request
                    .rows
                    .into_iter()
                    .map(|r| [text(r.item), text(r.score), text(r.scale), text(r.n)]),
                min_group,
            )
        }
        "text/csv" | "text/plain" | "text/tab-separated-values" | "application/csv" => {
            import::read_table(&import::decode(&body), min_group)
        }
        _ => {
            return Err(ApiError::BadRequest(
                "send the table as text/csv (or text/plain) or the rows as application/json".into(),
            ));
        }
    };
    let rows = match read {
        Ok(rows) => rows,
        Err(problems) => return Ok(import_problems(&problems, handle.lang())),
    };
    let count = rows.len();
    imported(handle.import(step.clone(), rows).await)?;
    Ok(axum::Json(protocol::Imported { step, rows: count }).into_response())
}

/// Clears an evaluation step's figures (issue 17).
async fn clear_evaluation(
    Path((_, step)): Path<(String, String)>,
    Facilitated { handle, .. }: Facilitated,
) -> Result<StatusCode, ApiError> {
    imported(handle.import(step, Vec::new()).await)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The answer to a refused import.
fn imported(result: Result<(), crate::session::ImportRefused>) -> Result<(), ApiError> {
    use crate::session::ImportRefused;
    match result {
        Ok(()) => Ok(()),
        Err(ImportRefused::NoStep) => Err(ApiError::NoStep),
        Err(ImportRefused::NotEvaluation) => Err(ApiError::BadRequest(
            "that step is not an evaluation step".into(),
        )),
        Err(ImportRefused::Refused(e)) => Err(ApiError::BadRequest(e.to_string())),
        Err(ImportRefused::NotStored) => Err(ApiError::Internal(anyhow::anyhow!(
            "the evaluation's figures could not be stored"
        ))),
    }
}

/// `400` with every problem of an import, each naming its line (or row) and field.
fn import_problems(problems: &[crate::kinds::evaluation::import::Problem], lang: Lang) -> Response {
    use crate::kinds::evaluation::import;
    let name = |value: serde_json::Value| value.as_str().unwrap_or_default().to_owned();
    let body = protocol::ImportErrors {
        error: import::messages(problems, lang),
        problems: problems
            .iter()
            .map(|p| {
                let json = serde_json::to_value(p).unwrap_or_default();
                protocol::ImportProblem {
                    place: name(json["place"].clone()),
                    line: p.line,
                    field: p
                        .field
                        .map(|f| name(serde_json::to_value(f).unwrap_or_default())),
                    problem: name(json["problem"].clone()),
                    message: crate::content::Text {
                        da: p.message(Lang::Da),
                        en: p.message(Lang::En),
                    },
                }
            })
            .collect(),
    };
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// A JSON body of up to [`MAX_PUT_BODY`] bytes.
fn parse_body_limited<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::BadRequest(format!("invalid request: {e}")))
}

async fn socket(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    guarded: Option<axum::Extension<ws::Guarded>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    if !origin_allowed(&state, &headers) {
        return ApiError::ForeignOrigin.into_response();
    }
    let handle = JoinCode::parse(&code)
        .ok()
        .and_then(|code| state.registry().get(&code));
    if let Some(handle) = &handle {
        state.registry().carry_into(handle);
    }
    ws::upgrade(upgrade, handle, guarded.is_some())
}
