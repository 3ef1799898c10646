//! The pages as served (`server/web.rs`, laid out by `build.rs`): compressed as the browser
//! accepts, validated by `ETag`, scripts and styles immutable under their version, every page
//! preloading its modules, the security headers on all of it.

use std::io::Read;

use crate::common::TestServer;

/// `build.rs`'s trimming of scripts and style sheets, with its unit tests.
#[path = "../../build/trim.rs"]
mod trim;

/// A script or style's URL: under the version of them all.
fn asset(file: &str) -> String {
    format!("/static/{}/{file}", trivsel::web::VERSION)
}

/// A script or style sheet of `web/` as served: trimmed of its comments and indentation.
fn served(file: &str) -> Vec<u8> {
    let source = std::fs::read_to_string(format!("{}/web/{file}", env!("CARGO_MANIFEST_DIR")));
    let source = source.unwrap();
    let trimmed = if file.ends_with(".css") {
        trim::style(&source)
    } else {
        trim::script(&source)
    };
    let trimmed = trimmed.unwrap();
    // Every line stays where it was, and only comments and spaces went.
    assert_eq!(trimmed.lines().count(), source.lines().count(), "{file}");
    assert!(trimmed.len() < source.len(), "{file}");
    trimmed.into_bytes()
}

async fn get(server: &TestServer, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = server.http.get(server.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", response.headers()))
        .to_str()
        .unwrap()
}

fn assert_secured(response: &reqwest::Response, what: &str) {
    let csp = header(response, "content-security-policy");
    assert!(
        csp.contains("default-src 'self'") && csp.contains("script-src 'self'"),
        "{what}: {csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(
        header(response, "x-content-type-options"),
        "nosniff",
        "{what}"
    );
    assert_eq!(header(response, "referrer-policy"), "no-referrer", "{what}");
}

#[tokio::test]
async fn a_file_whose_etag_the_browser_holds_is_answered_304_without_a_body() {
    let server = TestServer::start().await;
    for path in [
        asset("app.css"),
        asset("common.js"),
        "/j/ABCDEFG".to_owned(),
    ] {
        let first = get(&server, &path, &[]).await;
        assert_eq!(first.status(), 200, "{path}");
        let etag = header(&first, "etag").to_owned();
        // Strong: a quoted hash, no W/ prefix.
        assert!(etag.starts_with('"') && etag.len() > 40, "{path}: {etag}");
        let again = get(&server, &path, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status(), 304, "{path}");
        assert_eq!(header(&again, "etag"), etag, "{path}");
        assert_secured(&again, &path);
        assert!(again.bytes().await.unwrap().is_empty(), "{path}");
        let other = get(&server, &path, &[("if-none-match", "\"something-else\"")]).await;
        assert_eq!(other.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn brotli_and_gzip_bodies_decompress_to_the_file() {
    let server = TestServer::start().await;
    for file in ["app.css", "i18n.js", "participant.js"] {
        let original = served(file);
        let br = get(&server, &asset(file), &[("accept-encoding", "br")]).await;
        assert_eq!(header(&br, "content-encoding"), "br", "{file}");
        assert_eq!(header(&br, "vary"), "accept-encoding", "{file}");
        let body = br.bytes().await.unwrap();
        assert!(
            body.len() < original.len() / 2,
            "{file}: {} bytes",
            body.len()
        );
        let mut unpacked = Vec::new();
        brotli::Decompressor::new(&body[..], 4096)
            .read_to_end(&mut unpacked)
            .unwrap();
        assert_eq!(unpacked, original, "{file} through brotli");

        let gzip = get(
            &server,
            &asset(file),
            &[("accept-encoding", "gzip, deflate")],
        )
        .await;
        assert_eq!(header(&gzip, "content-encoding"), "gzip", "{file}");
        let body = gzip.bytes().await.unwrap();
        let mut unpacked = Vec::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_end(&mut unpacked)
            .unwrap();
        assert_eq!(unpacked, original, "{file} through gzip");

        let plain = get(&server, &asset(file), &[]).await;
        assert!(plain.headers().get("content-encoding").is_none(), "{file}");
        assert_eq!(plain.bytes().await.unwrap(), original, "{file} as it is");
    }
}

#[tokio::test]
async fn scripts_and_styles_are_immutable_under_their_version_and_pages_are_revalidated() {
    let server = TestServer::start().await;
    for (file, kind) in [
        ("app.css", "text/css; charset=utf-8"),
        ("participant.js", "text/javascript; charset=utf-8"),
    ] {
        let response = get(&server, &asset(file), &[]).await;
        assert_eq!(response.status(), 200, "{file}");
        assert_eq!(header(&response, "content-type"), kind, "{file}");
        let caching = header(&response, "cache-control");
        assert!(
            caching.contains("immutable") && caching.contains("max-age=31536000"),
            "{file}: {caching}"
        );
        assert_secured(&response, file);
    }
    // A version is a hash of the files: a changed file is a new URL.
    assert_eq!(trivsel::web::VERSION.len(), 16);
    assert!(trivsel::web::VERSION.bytes().all(|b| b.is_ascii_hexdigit()));
    for path in [
        "/j/ABCDEFG",
        "/",
        "/static/participant.html",
        "/static/sw.js",
    ] {
        let response = get(&server, path, &[]).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
        assert_secured(&response, path);
    }
    let page = server.text("/j/ABCDEFG").await;
    assert!(
        page.contains(&format!("href=\"{}\"", asset("app.css"))),
        "{page}"
    );
    assert!(
        page.contains(&format!("src=\"{}\"", asset("participant.js"))),
        "{page}"
    );
    assert!(!page.contains("\"/static/app.css\""), "{page}");
}

#[tokio::test]
async fn every_page_preloads_each_module_its_script_imports() {
    let server = TestServer::start().await;
    // The participant page's script imports these, directly or through one another.
    let page = server.text("/j/ABCDEFG").await;
    for module in [
        "common.js",
        "i18n.js",
        "outbox.js",
        "activities.js",
        "activity-grid.js",
        "activity-reflection.js",
        "prompts.js",
    ] {
        let preload = format!("<link rel=\"modulepreload\" href=\"{}\">", asset(module));
        assert!(page.contains(&preload), "{module} in {page}");
    }
    // Each preload is a file the server has, asked for in the head after the page's script
    // (which the browser then asks for first).
    let script = page.find("<script type=\"module\"").unwrap();
    let head_end = page.find("</head>").unwrap();
    for (at, _) in page.match_indices("rel=\"modulepreload\"") {
        assert!(script < at && at < head_end, "{page}");
        let href = page[at..].split("href=\"").nth(1).unwrap();
        let href = href.split('"').next().unwrap();
        assert_eq!(get(&server, href, &[]).await.status(), 200, "{href}");
    }
    // The start page's script is not the participant's: it preloads only its own.
    let start = server.text("/").await;
    assert!(start.contains(&asset("common.js")), "{start}");
    assert!(!start.contains(&asset("outbox.js")), "{start}");
}

#[tokio::test]
async fn the_service_worker_keeps_its_url_and_may_look_after_the_participant_pages() {
    let server = TestServer::start().await;
    let worker = get(&server, "/static/sw.js", &[("accept-encoding", "br")]).await;
    assert_eq!(worker.status(), 200);
    assert_eq!(header(&worker, "service-worker-allowed"), "/j/");
    assert_eq!(
        header(&worker, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_secured(&worker, "sw.js");
    let etag = header(&worker, "etag").to_owned();
    let again = get(&server, "/static/sw.js", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status(), 304);
    assert_eq!(header(&again, "service-worker-allowed"), "/j/");
    let style = get(&server, &asset("app.css"), &[]).await;
    assert!(style.headers().get("service-worker-allowed").is_none());
}

#[tokio::test]
async fn an_unknown_file_is_404_in_json_with_the_security_headers() {
    let server = TestServer::start().await;
    for path in [
        "/static/nope.js".to_owned(),
        asset("nope.js"),
        // Unversioned and other versions' URLs are not served.
        "/static/app.css".to_owned(),
        "/static/0000000000000000/app.css".to_owned(),
        "/static/".to_owned(),
    ] {
        let response = get(&server, &path, &[]).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_secured(&response, &path);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], "not found", "{path}");
    }
}
