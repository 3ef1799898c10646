//! The pages: the files of `web/`, laid out by `build.rs` and served from the binary by
//! `memory-serve` — brotli-compressed at build time (release builds; gzip is made when the
//! server starts), with a strong `ETag` each (its SHA-256), `304` to a matching
//! `If-None-Match`, and the encoding the browser accepts (`br`, `gzip` or none).
//!
//! Scripts and styles are served under `/static/<version>/` ([`VERSION`], a hash of them all)
//! and may be kept for a year (`immutable`): a changed file is a new version, a new URL. The
//! pages and the service worker `sw.js` keep their URLs and are revalidated on every load
//! (`no-cache`), so a browser sees a new server at once and then loads the new version. The
//! pages preload every module they import. Nothing is fetched from anywhere else. `sw.js`, the
//! participant page's service worker, may control the pages under `/j/`
//! (`Service-Worker-Allowed`).

use std::sync::LazyLock;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use memory_serve::{Asset, CacheControl, MemoryServe};
use tower::ServiceExt;

/// The version of the scripts and styles: they are served under `/static/<VERSION>/`.
pub const VERSION: &str = include!(concat!(env!("OUT_DIR"), "/web_version.rs"));

/// The participant page's service worker: keeps the app's own files for a reload offline.
const SERVICE_WORKER: &str = "/sw.js";

/// Scripts and styles, under `/static/<VERSION>/`.
static IMMUTABLE: &[Asset] = include!(concat!(env!("OUT_DIR"), "/web_immutable.rs"));
/// The pages and `sw.js`, under `/static/`.
static REVALIDATED: &[Asset] = include!(concat!(env!("OUT_DIR"), "/web_revalidated.rs"));

/// Every file, by its path under `/static/` (`/participant.html`, `/<VERSION>/app.css`). Built
/// once: memory-serve keeps what it serves for the life of the process (and compresses in
/// memory what the build did not).
static FILES: LazyLock<Router> = LazyLock::new(|| {
    let serve = |assets, cache_control| {
        MemoryServe::new(assets)
            .index_file(None)
            .enable_brotli(true)
            .enable_gzip(true)
            .cache_control(cache_control)
            .html_cache_control(CacheControl::NoCache)
            .into_router()
    };
    serve(IMMUTABLE, CacheControl::Long)
        .merge(serve(REVALIDATED, CacheControl::NoCache))
        .layer(axum::middleware::from_fn(finish))
});

/// The service answering `/static/…`, to be nested there (it sees the path below it); unknown
/// files are `404`.
pub fn files() -> Router {
    FILES.clone()
}

/// The response to a request for a page, e.g. `participant.html` (served at its own path, such
/// as `/j/{code}`): validated and compressed as the request asks.
pub async fn page(file: &str, headers: HeaderMap) -> Response {
    let mut request = Request::new(Body::empty());
    *request.uri_mut() = format!("/{file}").parse().expect("a page's name is a path");
    *request.headers_mut() = headers;
    match files().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// What memory-serve leaves out: text is UTF-8 (`charset`), and the service worker may look
/// after the participant pages under `/j/` although it is served from `/static/`.
async fn finish(request: Request, next: Next) -> Response {
    let worker = request.uri().path() == SERVICE_WORKER;
    let mut response = next.run(request).await.into_response();
    let headers = response.headers_mut();
    let text = headers
        .get(header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .filter(|t| t.starts_with("text/") && !t.contains("charset"))
        .map(|t| format!("{t}; charset=utf-8"));
    if let Some(text) = text.and_then(|t| HeaderValue::from_str(&t).ok()) {
        headers.insert(header::CONTENT_TYPE, text);
    }
    if worker {
        headers.insert(
            HeaderName::from_static("service-worker-allowed"),
            HeaderValue::from_static("/j/"),
        );
    }
    response
}
