//! The HTTP surface: the JSON API, the pages and the QR code, behind security headers.
//! `app(state)` builds the one router used by `main` and by the tests.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::domain::{Created, JoinCode, Lang, MAX_MIN_GROUP, ParticipantId, Session, Token};
use crate::protocol::{self, CreateSession, ErrorBody, ProgrammeSummary, SessionCreated};
use crate::session::{PlanRequest, SessionHandle, join_url, now_ms};
use crate::state::AppState;
use crate::{export, ics, qr, web, ws};

/// Default minimum group size before aggregates show.
const DEFAULT_MIN_GROUP: u32 = 3;
/// Largest JSON body the API reads.
const MAX_BODY: usize = 64 * 1024;

/// Content-Security-Policy for every response: nothing but our own origin, no inline script.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
                   form-action 'self'; frame-ancestors 'none'";

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
    /// Something failed on our side; logged, not shown.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
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
        response
    }
}

/// The application's router.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/programmes", get(programmes))
        .route("/api/sessions", axum::routing::post(create_session))
        .route(
            "/api/sessions/{code}",
            get(session_info).delete(delete_session),
        )
        .route("/api/sessions/{code}/qr.svg", get(qr_code))
        .route("/api/sessions/{code}/export", get(export_session))
        .route("/api/sessions/{code}/invitation.ics", get(invitation))
        .route(
            "/api/sessions/{code}/personal-plan",
            get(export_personal_plan),
        )
        .route("/api/sessions/{code}/ws", get(socket))
        .route("/", get(|| async { web::file("index.html") }))
        .route("/j/{code}", get(|| async { web::file("participant.html") }))
        .route(
            "/s/{code}/facilitator",
            get(|| async { web::file("facilitator.html") }),
        )
        .route(
            "/s/{code}/projector",
            get(|| async { web::file("projector.html") }),
        )
        .route(
            "/static/{file}",
            get(|Path(file): Path<String>| async move { web::file(&file) }),
        )
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
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
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

async fn programmes(State(state): State<AppState>) -> axum::Json<Vec<ProgrammeSummary>> {
    axum::Json(
        state
            .library()
            .all()
            .iter()
            .map(ProgrammeSummary::of)
            .collect(),
    )
}

async fn create_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, axum::Json<SessionCreated>), ApiError> {
    if body.len() > MAX_BODY {
        return Err(ApiError::BadRequest("the request body is too large".into()));
    }
    let request: CreateSession = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("invalid request: {e}")))?;
    let programme = state
        .library()
        .get(&request.programme)
        .ok_or_else(|| ApiError::BadRequest(format!("unknown programme '{}'", request.programme)))?
        .clone();
    let min_group = request.min_group.unwrap_or(DEFAULT_MIN_GROUP);
    if !(1..=MAX_MIN_GROUP).contains(&min_group) {
        return Err(ApiError::BadRequest(format!(
            "min_group must be between 1 and {MAX_MIN_GROUP}"
        )));
    }
    let base_url = match state.public_url() {
        Some(url) => url.to_owned(),
        None => format!("http://{}", host_of(&headers)?),
    };
    let (code, facilitator_token, projector_token) = {
        let mut rng = rand::rng();
        let mut code = JoinCode::random(&mut rng);
        while state.contains(&code) {
            code = JoinCode::random(&mut rng);
        }
        (code, Token::random(&mut rng), Token::random(&mut rng))
    };
    let created = Created {
        code: code.clone(),
        programme,
        lang: request.lang.unwrap_or(Lang::Da),
        min_group,
        created_at_ms: now_ms(),
        base_url: base_url.clone(),
        facilitator_token: facilitator_token.clone(),
        projector_token: projector_token.clone(),
    };
    state
        .store()
        .create(&created)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    state.insert(
        code.clone(),
        SessionHandle::spawn(Session::new(created), state.store().clone()),
    );
    tracing::info!(%code, "session created");
    Ok((
        StatusCode::CREATED,
        axum::Json(SessionCreated {
            join_url: join_url(&base_url, &code),
            projector_url: format!("{base_url}/s/{code}/projector#{}", projector_token.expose()),
            facilitator_url: format!(
                "{base_url}/s/{code}/facilitator#{}",
                facilitator_token.expose()
            ),
            facilitator_token: facilitator_token.expose().to_owned(),
            code: code.to_string(),
        }),
    ))
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
    let handle = state.session(&code).ok_or(ApiError::NotFound)?;
    Ok((code, handle))
}

fn authorize(handle: &SessionHandle, headers: &HeaderMap) -> Result<(), ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .and_then(|t| Token::parse(t.trim()).ok())
        .ok_or(ApiError::Unauthorized)?;
    if handle.is_facilitator(&token) {
        Ok(())
    } else {
        Err(ApiError::Unauthorized)
    }
}

async fn session_info(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<axum::Json<protocol::SessionInfo>, ApiError> {
    let (_, handle) = lookup(&state, &code)?;
    authorize(&handle, &headers)?;
    handle
        .info()
        .await
        .map(axum::Json)
        .ok_or(ApiError::NotFound)
}

async fn delete_session(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let (code, handle) = lookup(&state, &code)?;
    authorize(&handle, &headers)?;
    handle
        .delete()
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    state.remove(&code);
    tracing::info!(%code, "session deleted");
    Ok(StatusCode::NO_CONTENT)
}

async fn qr_code(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let (code, handle) = lookup(&state, &code)?;
    let svg = qr::svg(&join_url(handle.base_url(), &code))
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
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
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<ExportQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (code, handle) = lookup(&state, &code)?;
    authorize(&handle, &headers)?;
    let format = format_of(&query, &["md", "html", "docx", "csv", "json"])?;
    let outcome = handle.outcome().await.ok_or(ApiError::NotFound)?;
    let name = format!("trivsel-{code}-{}", outcome.date);
    download(move || export::session(&outcome, format), name).await
}

/// A personal plan: for its author (`Authorization: Bearer <participant id>:<secret>`), or for
/// the facilitator (`?participant=p3` with the facilitator token) once the author shared it.
async fn export_personal_plan(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<ExportQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (code, handle) = lookup(&state, &code)?;
    let format = format_of(&query, &["html", "docx"])?;
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(ApiError::Unauthorized)?;
    let request = match bearer.split_once(':') {
        Some((id, secret)) => PlanRequest {
            participant: ParticipantId::parse(id).map_err(|_| ApiError::Unauthorized)?,
            secret: Some(Token::parse(secret).map_err(|_| ApiError::Unauthorized)?),
            step: query.step.clone(),
        },
        None => {
            authorize(&handle, &headers)?;
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
        .ok_or(ApiError::NotFound)?;
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
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<InvitationQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (code, handle) = lookup(&state, &code)?;
    authorize(&handle, &headers)?;
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
    let link = join_url(handle.base_url(), &code);
    let pick = |t: &crate::content::Text| match handle.lang() {
        Lang::Da => t.da.clone(),
        Lang::En => t.en.clone(),
    };
    let (summary, body) = match &programme.invitation {
        Some(invitation) => (pick(&invitation.subject), pick(&invitation.body)),
        None => (pick(&programme.title), "{link}".to_owned()),
    };
    let fill = |t: &str| t.replace("{link}", &link).replace("{code}", code.as_str());
    let uid = format!("{code}@trivsel");
    let calendar = ics::calendar(&ics::Meeting {
        uid: &uid,
        summary: &fill(&summary),
        description: &fill(&body),
        url: &link,
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

async fn socket(
    State(state): State<AppState>,
    Path(code): Path<String>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let handle = JoinCode::parse(&code)
        .ok()
        .and_then(|code| state.session(&code));
    ws::upgrade(upgrade, handle)
}
