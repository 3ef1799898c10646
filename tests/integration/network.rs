//! The network edge: whom per-address limits count (the client behind a trusted proxy, never a
//! spoofed header), that guessing from one address slows only that address and never staff or
//! a returning participant, cross-site requests, origins and hosts, and bounded connections.
//! Several clients are several loopback addresses (127.0.0.2, 127.0.0.3, …).

use std::net::IpAddr;

use serde_json::{Value, json};

use crate::common::{Client, Created, TestServer, http_from};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// The wrong code every guesser tries.
const WRONG: &str = "ABCDEFG";

/// `GET` with the extra headers; the status.
async fn get(
    http: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
    headers: &[(&'static str, &str)],
) -> u16 {
    let mut request = http.get(url);
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap().status().as_u16()
}

/// Guesses the wrong code until the address (as the server sees it) is refused; the number of
/// `404`s before the first `429`.
async fn guess_until_refused(
    server: &TestServer,
    http: &reqwest::Client,
    headers: &[(&'static str, &str)],
) -> usize {
    let url = server.url(&format!("/api/sessions/{WRONG}/join"));
    for tries in 0..200 {
        match get(http, &url, None, headers).await {
            404 => continue,
            429 => return tries,
            other => panic!("a wrong code got {other}"),
        }
    }
    panic!("200 wrong codes and never refused");
}

/// A socket from `source` whose first message is `first`: the snapshot, or the close code.
async fn open_from(
    server: &TestServer,
    code: &str,
    source: IpAddr,
    headers: &[(&'static str, &str)],
    first: Value,
) -> Result<Value, u16> {
    let mut client = Client::connect_from(&server.addr, code, source, headers).await;
    client.send(first).await;
    loop {
        match client.next().await {
            Some(msg) if msg["type"] == "snapshot" => return Ok(msg),
            Some(_) => continue,
            None => return Err(client.closed.unwrap()),
        }
    }
}

/// What a participant, a facilitator and the projector at an address can do with `session`:
/// look the code up, join, resume, export and open the console and the projector.
async fn everything_works_from(
    server: &TestServer,
    session: &Created,
    source: IpAddr,
    headers: &[(&'static str, &str)],
) {
    let http = http_from(source);
    let code = &session.code;
    let check = server.url(&format!("/api/sessions/{code}/join"));
    assert_eq!(
        get(&http, &check, None, headers).await,
        200,
        "{source} {headers:?}"
    );
    let joined = open_from(server, code, source, headers, json!({ "type": "join" }))
        .await
        .unwrap_or_else(|c| panic!("{source} {headers:?}: join closed with {c}"));
    let me = &joined["me"];
    let resume = json!({ "type": "resume", "participant": me["id"], "secret": me["secret"] });
    open_from(server, code, source, headers, resume)
        .await
        .expect("resumes");
    let export = server.url(&format!("/api/sessions/{code}/export?format=json"));
    assert_eq!(
        get(&http, &export, Some(&session.facilitator_token), headers).await,
        200
    );
    let hello = json!({ "type": "hello", "token": session.facilitator_token });
    open_from(server, code, source, headers, hello)
        .await
        .expect("the console opens");
}

#[tokio::test]
async fn guessing_from_one_address_slows_only_that_address() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let code = session.code.as_str();
    let guesser = ip("127.0.0.2");
    // A participant and the facilitator at the guesser's address, in before the guessing.
    let joined = open_from(&server, code, guesser, &[], json!({ "type": "join" }))
        .await
        .unwrap();
    let me = joined["me"].clone();
    let http = http_from(guesser);
    assert_eq!(guess_until_refused(&server, &http, &[]).await, 60);
    // Two other addresses are not affected.
    for other in ["127.0.0.3", "127.0.0.4"] {
        everything_works_from(&server, &session, ip(other), &[]).await;
    }
    // At the guesser's address a lookup and a join are refused, for an existing code the same
    // way as for a wrong one ...
    let check = server.url(&format!("/api/sessions/{code}/join"));
    assert_eq!(get(&http, &check, None, &[]).await, 429);
    for target in [code, WRONG] {
        let join = open_from(&server, target, guesser, &[], json!({ "type": "join" })).await;
        assert_eq!(join.err(), Some(4429), "{target}");
        let wrong_secret =
            json!({ "type": "resume", "participant": me["id"], "secret": "x".repeat(32) });
        let resume = open_from(&server, target, guesser, &[], wrong_secret).await;
        assert_eq!(
            resume.err(),
            Some(4429),
            "a wrong secret tells nothing: {target}"
        );
    }
    // ... but a valid secret resumes, and staff tokens work over HTTP and the socket.
    let resume = json!({ "type": "resume", "participant": me["id"], "secret": me["secret"] });
    open_from(&server, code, guesser, &[], resume)
        .await
        .expect("a valid secret resumes");
    for token in [
        session.facilitator_token.as_str(),
        session.projector_token(),
    ] {
        let hello = json!({ "type": "hello", "token": token });
        open_from(&server, code, guesser, &[], hello)
            .await
            .expect("staff open");
    }
    let export = server.url(&format!("/api/sessions/{code}/export?format=json"));
    let token = Some(session.facilitator_token.as_str());
    assert_eq!(get(&http, &export, token, &[]).await, 200);
    let info = server.url(&format!("/api/sessions/{code}"));
    assert_eq!(get(&http, &info, token, &[]).await, 200);
    let qr = server.url(&format!("/api/sessions/{code}/qr.svg"));
    assert_eq!(
        get(&http, &qr, Some(session.projector_token()), &[]).await,
        200
    );
    assert_eq!(get(&http, &qr, Some("not-the-token"), &[]).await, 429);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_limit() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_configured(data, |c| {
        c.trusted_proxy = vec!["127.0.0.1/32".parse().unwrap()]
    })
    .await;
    let session = server.create("del1").await;
    // Every request comes from the proxy, 127.0.0.1; the header names the client.
    let proxy = ip("127.0.0.1");
    let http = http_from(proxy);
    let guesser = [("x-forwarded-for", "198.51.100.2")];
    assert_eq!(guess_until_refused(&server, &http, &guesser).await, 60);
    let join = open_from(
        &server,
        &session.code,
        proxy,
        &guesser,
        json!({ "type": "join" }),
    )
    .await;
    assert_eq!(join.err(), Some(4429));
    for client in ["198.51.100.3", "203.0.113.4, 198.51.100.4"] {
        everything_works_from(&server, &session, proxy, &[("x-forwarded-for", client)]).await;
    }
    everything_works_from(
        &server,
        &session,
        proxy,
        &[("forwarded", "for=198.51.100.5")],
    )
    .await;
}

#[tokio::test]
async fn an_untrusted_peer_cannot_spoof_its_way_out_of_its_limit() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_configured(data, |c| {
        c.trusted_proxy = vec!["127.0.0.1/32".parse().unwrap()]
    })
    .await;
    let session = server.create("del1").await;
    let spoofer = ip("127.0.0.5");
    let http = http_from(spoofer);
    let url = server.url(&format!("/api/sessions/{WRONG}/join"));
    // A new "client" in every request: the server counts the peer all the same.
    for i in 0..60 {
        let forged = format!("198.51.100.{i}");
        let headers = [
            ("x-forwarded-for", forged.as_str()),
            ("forwarded", "for=192.0.2.1"),
        ];
        assert_eq!(get(&http, &url, None, &headers).await, 404, "guess {i}");
    }
    let headers = [("x-forwarded-for", "198.51.100.200")];
    assert_eq!(get(&http, &url, None, &headers).await, 429);
    let join = open_from(
        &server,
        &session.code,
        spoofer,
        &headers,
        json!({ "type": "join" }),
    )
    .await;
    assert_eq!(join.err(), Some(4429));
    // The proxy's own clients are not affected by the spoofer.
    everything_works_from(
        &server,
        &session,
        ip("127.0.0.1"),
        &[("x-forwarded-for", "198.51.100.7")],
    )
    .await;
}

/// A request with the headers; the status and the body.
async fn send(request: reqwest::RequestBuilder, headers: &[(&'static str, &str)]) -> (u16, String) {
    let mut request = request;
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// An error reply: `{"error": "…"}` and nothing else.
fn assert_error_body(body: &str) {
    let value: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    assert!(value["error"].is_string(), "{body}");
    assert_eq!(value.as_object().unwrap().len(), 1, "{body}");
}

#[tokio::test]
async fn a_cross_site_form_post_creates_nothing() {
    let server = TestServer::start().await;
    let url = server.url("/api/sessions");
    let body = json!({ "programme": "del1" }).to_string();
    let own = format!("http://{}", server.addr);
    // What an HTML form of another site can send: no JSON type, and its own origin.
    for (content_type, origin, expected) in [
        ("text/plain", Some("https://evil.example"), 403),
        ("text/plain", None, 415),
        ("application/x-www-form-urlencoded", None, 415),
        ("multipart/form-data; boundary=x", None, 415),
        ("text/plain", Some(own.as_str()), 415),
        ("application/json", Some("https://evil.example"), 403),
        ("application/json", Some("null"), 403),
    ] {
        let mut headers = vec![("content-type", content_type)];
        headers.extend(origin.map(|o| ("origin", o)));
        let (status, reply) = send(server.http.post(&url).body(body.clone()), &headers).await;
        assert_eq!(status, expected, "{content_type} from {origin:?}: {reply}");
        assert_error_body(&reply);
        let series = server
            .http
            .post(server.url("/api/series"))
            .body(r#"{"series":"tre-trins-raket"}"#);
        assert_eq!(send(series, &headers).await.0, expected, "a series too");
    }
    assert_eq!(server.state.registry().count(), 0, "nothing was created");
    // The pages' own requests: JSON from the own origin (or no origin, not a browser).
    let json = [
        ("content-type", "application/json; charset=utf-8"),
        ("origin", own.as_str()),
    ];
    let (status, reply) = send(server.http.post(&url).body(body.clone()), &json).await;
    assert_eq!(status, 201, "{reply}");
    let created: Created = serde_json::from_str(&reply).unwrap();
    let session_url = server.url(&format!("/api/sessions/{}", created.code));
    let delete = || {
        server
            .http
            .delete(&session_url)
            .bearer_auth(&created.facilitator_token)
    };
    // A DELETE from another site, or with a body of another type, is refused ...
    let (status, reply) = send(delete(), &[("origin", "https://evil.example")]).await;
    assert_eq!(status, 403);
    assert_error_body(&reply);
    let (status, reply) = send(delete().body("x"), &[("content-type", "text/plain")]).await;
    assert_eq!(status, 415);
    assert_error_body(&reply);
    // ... one without a body from the own origin deletes.
    assert_eq!(send(delete(), &[("origin", own.as_str())]).await.0, 204);
    assert_eq!(server.state.registry().count(), 0);
}

/// A WebSocket handshake with these `Host` and `Origin` headers: open, or the HTTP status.
async fn handshake(
    server: &TestServer,
    code: &str,
    host: Option<&str>,
    origin: Option<&str>,
) -> Result<(), u16> {
    use tokio_tungstenite::tungstenite;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{}/api/sessions/{code}/ws", server.addr)
        .into_client_request()
        .unwrap();
    if let Some(host) = host {
        request.headers_mut().insert("host", host.parse().unwrap());
    }
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok(_) => Ok(()),
        Err(tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(e) => panic!("unexpected handshake failure: {e}"),
    }
}

#[tokio::test]
async fn with_a_public_url_sockets_open_only_from_its_origin() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_configured(data, |c| {
        c.public_url = Some("https://trivsel.example.dk".into())
    })
    .await;
    let session = server.create("del1").await;
    let code = &session.code;
    let public = Some("trivsel.example.dk");
    let direct = format!("http://{}", server.addr);
    type Case<'a> = (Option<&'a str>, Option<&'a str>, Result<(), u16>);
    let cases: [Case; 8] = [
        (public, Some("https://trivsel.example.dk"), Ok(())),
        (None, Some("https://trivsel.example.dk"), Ok(())),
        (public, None, Ok(())),
        // Host and Origin both spoofed (DNS rebinding): not our name.
        (Some("evil.example"), Some("http://evil.example"), Err(421)),
        // The server's address, but not its public origin.
        (None, Some(direct.as_str()), Err(403)),
        // Another port, plain http://, a look-alike.
        (public, Some("https://trivsel.example.dk:8443"), Err(403)),
        (public, Some("http://trivsel.example.dk"), Err(403)),
        (
            public,
            Some("https://trivsel.example.dk.evil.example"),
            Err(403),
        ),
    ];
    for (host, origin, expected) in cases {
        assert_eq!(
            handshake(&server, code, host, origin).await,
            expected,
            "Host {host:?}, Origin {origin:?}"
        );
    }
}

#[tokio::test]
async fn a_host_that_is_not_ours_is_refused() {
    let local = TestServer::start().await;
    let port = local.addr.rsplit(':').next().unwrap().to_owned();
    let data = tempfile::tempdir().unwrap();
    let public = TestServer::start_configured(data, |c| {
        c.public_url = Some("https://trivsel.example.dk".into())
    })
    .await;
    for (server, host, expected) in [
        (&local, format!("evil.example:{port}"), 421),
        (&local, "rebind.evil.example".to_owned(), 421),
        (&local, format!("localhost:{port}"), 200),
        (&local, format!("127.0.0.1:{port}"), 200),
        (&local, format!("[::1]:{port}"), 200),
        (&public, "trivsel.example.dk".to_owned(), 200),
        (&public, "evil.example".to_owned(), 421),
    ] {
        for path in ["/api/programmes", "/", "/api/sessions/ABCDEFG/join"] {
            let (status, body) = send(server.http.get(server.url(path)), &[("host", &host)]).await;
            let status = if path.ends_with("/join") && status == 404 {
                200
            } else {
                status
            };
            assert_eq!(status, expected, "{path} for Host {host}: {body}");
            if expected == 421 {
                assert_error_body(&body);
            }
        }
        let health = send(server.http.get(server.url("/healthz")), &[("host", &host)]).await;
        assert_eq!(health.0, 200, "/healthz answers any host");
    }
}

/// Generous bound for what the server must do "after the timeout".
const CLOSED_WITHIN: std::time::Duration = std::time::Duration::from_secs(60);

/// Whether the server closes `tcp` within [`CLOSED_WITHIN`], while the client sends one byte of
/// `dribble` every 200 ms (none when empty) and reads whatever comes.
async fn closed_by_server(mut tcp: tokio::net::TcpStream, dribble: &'static [u8]) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let watch = async {
        let mut buf = [0u8; 1024];
        let mut next = dribble.iter().cycle();
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
        loop {
            tokio::select! {
                read = tcp.read(&mut buf) => match read {
                    Ok(0) | Err(_) => return,
                    Ok(_) => continue,
                },
                _ = tick.tick(), if !dribble.is_empty() => {
                    let byte = *next.next().unwrap();
                    if tcp.write_all(&[byte]).await.is_err() {
                        return;
                    }
                }
            }
        }
    };
    tokio::time::timeout(CLOSED_WITHIN, watch).await.is_ok()
}

/// A `GET path` with `Connection: close` on a fresh connection from `source`, read to its
/// end: the status code and the body.
async fn raw_get(addr: &str, source: IpAddr, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = crate::common::connect_tcp_from(addr, source).await;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut reply = Vec::new();
    tokio::time::timeout(CLOSED_WITHIN, tcp.read_to_end(&mut reply))
        .await
        .expect("the answer ends")
        .unwrap();
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let status = reply
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = reply
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    (status, body)
}

#[tokio::test]
async fn connections_that_never_finish_their_headers_are_closed() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_configured(data, |c| c.header_timeout = 1).await;
    let mut watching = Vec::new();
    for _ in 0..20 {
        let mut tcp = crate::common::connect_tcp_from(&server.addr, ip("127.0.0.2")).await;
        tokio::io::AsyncWriteExt::write_all(
            &mut tcp,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ",
        )
        .await
        .unwrap();
        watching.push(tokio::spawn(closed_by_server(tcp, b"abcdefgh")));
    }
    // One that connects and sends nothing at all.
    let silent = crate::common::connect_tcp_from(&server.addr, ip("127.0.0.2")).await;
    watching.push(tokio::spawn(closed_by_server(silent, b"")));
    for watch in watching {
        assert!(watch.await.unwrap(), "a dribbling connection was left open");
    }
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_configured(data, |c| c.header_timeout = 1).await;
    let mut tcp = crate::common::connect_tcp_from(&server.addr, ip("127.0.0.2")).await;
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr);
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut reply = Vec::new();
    while !String::from_utf8_lossy(&reply).ends_with("ok") {
        let mut buf = [0u8; 1024];
        let n = tokio::time::timeout(CLOSED_WITHIN, tcp.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "closed before answering");
        reply.extend_from_slice(&buf[..n]);
    }
    assert!(String::from_utf8_lossy(&reply).starts_with("HTTP/1.1 200"));
    assert!(
        closed_by_server(tcp, b"").await,
        "the idle connection was left open"
    );
}

#[tokio::test]
async fn beyond_its_cap_an_address_gets_503_and_another_still_gets_in() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_configured(data, |c| {
        c.max_connections_per_address = 8;
        c.header_timeout = 600;
    })
    .await;
    let session = server.create("del1").await;
    let full = ip("127.0.0.2");
    // The address holds its cap: a socket (its place is kept after the upgrade) and seven idle
    // connections.
    let mut socket = Client::connect_from(&server.addr, &session.code, full, &[]).await;
    socket.send(json!({ "type": "join" })).await;
    socket.expect("snapshot").await;
    let mut idle = Vec::new();
    for _ in 0..7 {
        idle.push(crate::common::connect_tcp_from(&server.addr, full).await);
    }
    let (status, body) = raw_get(&server.addr, full, "/healthz").await;
    assert_eq!(status, 503, "{body}");
    assert_error_body(&body);
    // Another address: the health check, a join.
    let other = ip("127.0.0.3");
    assert_eq!(
        raw_get(&server.addr, other, "/healthz").await,
        (200, "ok".into())
    );
    open_from(
        &server,
        &session.code,
        other,
        &[],
        json!({ "type": "join" }),
    )
    .await
    .expect("another address joins");
    // A closed connection gives its place back.
    drop(idle.pop());
    let mut status = 0;
    for _ in 0..100 {
        status = raw_get(&server.addr, full, "/healthz").await.0;
        if status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200, "the place was not given back");
}

#[tokio::test]
async fn beyond_the_total_cap_new_connections_get_503() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_configured(data, |c| {
        c.max_connections = 6;
        c.header_timeout = 600;
    })
    .await;
    let mut idle = Vec::new();
    for source in ["127.0.0.2", "127.0.0.3", "127.0.0.4"] {
        for _ in 0..2 {
            idle.push(crate::common::connect_tcp_from(&server.addr, ip(source)).await);
        }
    }
    let (status, body) = raw_get(&server.addr, ip("127.0.0.5"), "/healthz").await;
    assert_eq!(status, 503, "{body}");
    assert_error_body(&body);
    idle.clear();
    let mut status = 0;
    for _ in 0..100 {
        status = raw_get(&server.addr, ip("127.0.0.5"), "/healthz").await.0;
        if status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200);
}

#[tokio::test]
async fn creating_sessions_is_limited_per_address() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_configured(data, |c| c.creations_per_hour = 3).await;
    let busy = http_from(ip("127.0.0.2"));
    let body = json!({ "programme": "del1" });
    for i in 0..3 {
        let response = busy
            .post(server.url("/api/sessions"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "creation {i}");
    }
    let (status, reply) = send(busy.post(server.url("/api/sessions")).json(&body), &[]).await;
    assert_eq!(status, 429, "{reply}");
    assert_error_body(&reply);
    let series = busy
        .post(server.url("/api/series"))
        .json(&json!({ "series": "tre-trins-raket" }));
    assert_eq!(send(series, &[]).await.0, 429, "a series too");
    // Another address still creates.
    let other = http_from(ip("127.0.0.3"));
    let response = other
        .post(server.url("/api/sessions"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    // Holders of the create token are not limited.
    let token = "kommunens-hemmelige-noegle-2026";
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_configured(data, |c| {
        c.creations_per_hour = 1;
        c.create_token = Some(token.into());
    })
    .await;
    for i in 0..3 {
        let response = busy
            .post(server.url("/api/sessions"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "creation {i} with the token");
    }
}

/// A request body sent a byte at a time holds its connection no longer than headers may: `408`
/// with `{"error"}` once `--header-timeout` has passed, and nothing is created. (Without the
/// bound the server waited for the rest of the body as long as bytes kept coming.)
#[tokio::test]
async fn a_body_sent_a_byte_at_a_time_gets_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_configured(data, |c| c.header_timeout = 1).await;
    let mut tcp = crate::common::connect_tcp_from(&server.addr, ip("127.0.0.2")).await;
    let head = format!(
        "POST /api/sessions HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{{",
        server.addr
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut reply = Vec::new();
    let dribble = async {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
        loop {
            let mut buf = [0u8; 1024];
            tokio::select! {
                read = tcp.read(&mut buf) => match read {
                    Ok(0) | Err(_) => return,
                    Ok(n) => reply.extend_from_slice(&buf[..n]),
                },
                _ = tick.tick() => {
                    if tcp.write_all(b" ").await.is_err() {
                        return;
                    }
                }
            }
        }
    };
    assert!(
        tokio::time::timeout(CLOSED_WITHIN, dribble).await.is_ok(),
        "the dribbling body was waited for"
    );
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert_error_body(reply.split_once("\r\n\r\n").map_or("", |(_, b)| b));
}
