//! The pages: every file of `web/`, compiled into the binary by `build.rs`, served with its
//! content type. Nothing is fetched from anywhere else. `sw.js`, the participant page's service
//! worker, may control the pages under `/j/` (`Service-Worker-Allowed`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The participant page's service worker: keeps the app's own files for a reload offline.
const SERVICE_WORKER: &str = "sw.js";

/// (file name, contents) for every file in `web/`.
const FILES: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/web_files.rs"));

/// The response for a file of `web/`, or 404.
pub fn file(name: &str) -> Response {
    let Some((_, body)) = FILES.iter().find(|(n, _)| *n == name) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let mime = match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    };
    let mut response = (*body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if name == SERVICE_WORKER {
        // Served from /static/, it may still look after the participant pages under /j/.
        headers.insert(
            header::HeaderName::from_static("service-worker-allowed"),
            HeaderValue::from_static("/j/"),
        );
    }
    response
}
