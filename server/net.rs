//! Who a request comes from: the client address every per-address limit counts by.
//!
//! Without `--trusted-proxy` the client is the TCP peer, whatever the headers say. When the peer
//! is a trusted proxy, the client is the right-most address of `X-Forwarded-For` (or, when that
//! header is absent, of the `for=` parameters of `Forwarded`) that is not itself a trusted
//! proxy: each proxy appends the address it was reached from, so the entries right of the
//! client's were written by our own proxies and those left of it by whoever sent them. An entry
//! that is not an address (`unknown`, an obfuscated `_name`) stops the walk at the proxy that
//! wrote it, which then stands for the client.

//!
//! It also serves the connections: hyper's HTTP/1 with a header-read timeout (which is also the
//! keep-alive idle timeout: an idle connection is waiting for its next request's headers), and
//! caps on open connections in all and per client address (a trusted proxy counts only in all,
//! since its connections carry many clients). A connection beyond a cap gets `503` with
//! `{"error": …}` and is closed. A WebSocket keeps its connection's place until it ends.

use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use dashmap::DashMap;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use axum::http::{HeaderMap, header};
use ipnet::IpNet;

/// The reverse proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// The ranges of `--trusted-proxy`.
    pub fn new(ranges: Vec<IpNet>) -> Self {
        TrustedProxies(ranges)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind the TCP peer `peer`, as the request's headers name it.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let forwarded: Vec<&str> = if headers.contains_key("x-forwarded-for") {
            headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .collect()
        } else {
            headers
                .get_all(header::FORWARDED)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|element| {
                    element.split(';').find_map(|pair| {
                        let (key, value) = pair.split_once('=')?;
                        key.trim().eq_ignore_ascii_case("for").then_some(value)
                    })
                })
                .collect()
        };
        let mut client = peer;
        for entry in forwarded.iter().rev() {
            match node_ip(entry) {
                Some(ip) => {
                    client = ip;
                    if !self.trusts(ip) {
                        break;
                    }
                }
                None => break,
            }
        }
        client
    }
}

/// What per-address limits count by: an IPv4 address, or an IPv6 address's /64 (one household,
/// office or phone network is given a whole /64, so counting single IPv6 addresses would give
/// one client 2⁶⁴ allowances).
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(prefix.into())
        }
        v4 => v4,
    }
}

/// The address of one forwarding entry: `192.0.2.7`, `192.0.2.7:4711`, `2001:db8::1`,
/// `"[2001:db8::1]:4711"`; `None` for `unknown`, `_hidden` or anything else.
fn node_ip(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim().trim_matches('"');
    let ip = if let Some(rest) = entry.strip_prefix('[') {
        rest.split_once(']')?.0.parse().ok()?
    } else if let Ok(ip) = entry.parse::<IpAddr>() {
        ip
    } else {
        entry.parse::<SocketAddr>().ok()?.ip()
    };
    Some(IpAddr::to_canonical(&ip))
}

/// How many connections may be open: in all, and per client address.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// In all.
    pub total: usize,
    /// From one address (other than a trusted proxy).
    pub per_address: usize,
}

/// The open connections, counted.
#[derive(Debug)]
struct Connections {
    caps: Caps,
    total: AtomicUsize,
    by_address: DashMap<IpAddr, usize>,
    trusted: TrustedProxies,
    /// Refusals being written now (each holds a socket for a moment).
    refusing: AtomicUsize,
}

/// A connection's place among the open ones; given back when dropped.
#[derive(Debug)]
struct Place {
    connections: Arc<Connections>,
    address: Option<IpAddr>,
}

impl Connections {
    /// A place for a connection from `peer`, or why there is none.
    fn admit(self: &Arc<Self>, peer: IpAddr) -> Result<Place, &'static str> {
        let peer = peer.to_canonical();
        if self.total.fetch_add(1, Ordering::AcqRel) >= self.caps.total {
            self.total.fetch_sub(1, Ordering::AcqRel);
            return Err("the server has too many open connections; try again in a moment");
        }
        let address = (!self.trusted.trusts(peer)).then_some(limit_key(peer));
        if let Some(address) = address {
            let mut count = self.by_address.entry(address).or_insert(0);
            if *count >= self.caps.per_address {
                drop(count);
                self.total.fetch_sub(1, Ordering::AcqRel);
                return Err("too many open connections from your address; try again in a moment");
            }
            *count += 1;
        }
        Ok(Place {
            connections: self.clone(),
            address,
        })
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let connections = &self.connections;
        if let Some(address) = self.address {
            connections.by_address.remove_if_mut(&address, |_, count| {
                *count -= 1;
                *count == 0
            });
        }
        connections.total.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A TCP stream that holds its connection's place for as long as it lives (through a
/// WebSocket upgrade too).
struct Counted {
    tcp: TcpStream,
    _place: Place,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }
}

/// Refusals written at once at most; past that, a connection beyond a cap is just closed.
const MAX_REFUSING: usize = 256;
/// How long a refusal may take to be written and the request to be drained.
const REFUSAL_TIME: Duration = Duration::from_secs(2);

/// Answers a connection beyond a cap with `503 {"error": reason}` and closes it.
async fn refuse(connections: Arc<Connections>, mut tcp: TcpStream, reason: &'static str) {
    crate::metrics::rejected("connections");
    if connections.refusing.fetch_add(1, Ordering::AcqRel) < MAX_REFUSING {
        let body = serde_json::json!({ "error": reason }).to_string();
        let response = format!(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
             content-length: {}\r\nretry-after: 5\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = tokio::time::timeout(REFUSAL_TIME, async {
            tcp.write_all(response.as_bytes()).await?;
            tcp.shutdown().await?;
            // Read what the client sent, so that closing does not reset the connection before
            // the client has read the answer.
            let mut sink = [0u8; 4096];
            while tcp.read(&mut sink).await? > 0 {}
            Ok::<_, std::io::Error>(())
        })
        .await;
    }
    connections.refusing.fetch_sub(1, Ordering::AcqRel);
}

/// How the server serves its connections.
#[derive(Debug, Clone)]
pub struct Serving {
    /// The connection caps.
    pub caps: Caps,
    /// The header-read (and keep-alive idle) timeout.
    pub header_timeout: Duration,
    /// Whose connections count only in all.
    pub trusted: TrustedProxies,
}

/// Serves `router` on `listener` until `shutdown` completes, then lets the open HTTP requests
/// finish (graceful shutdown; sockets already upgraded go on until the runtime ends).
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    serving: Serving,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let connections = Arc::new(Connections {
        caps: serving.caps,
        total: AtomicUsize::new(0),
        by_address: DashMap::new(),
        trusted: serving.trusted,
        refusing: AtomicUsize::new(0),
    });
    let (stop, stopped) = tokio::sync::watch::channel(());
    let (open, mut all_closed) = tokio::sync::mpsc::channel::<()>(1);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors or the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        // Small messages must not wait for Nagle's algorithm (an ack followed by a step change
        // would otherwise sit until the peer's delayed ACK).
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "cannot set TCP_NODELAY");
        }
        let place = match connections.admit(peer.ip()) {
            Ok(place) => place,
            Err(reason) => {
                tokio::spawn(refuse(connections.clone(), tcp, reason));
                continue;
            }
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request| {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            tower::ServiceExt::oneshot(router.clone(), request)
        });
        let mut stopped = stopped.clone();
        let open = open.clone();
        let header_timeout = serving.header_timeout;
        tokio::spawn(async move {
            let io = TokioIo::new(Counted { tcp, _place: place });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            let connection = builder.serve_connection(io, service).with_upgrades();
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = stopped.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(open);
        });
    }
    drop(stop);
    drop(open);
    let _ = all_closed.recv().await;
}

/// Raises the open-file limit towards what `connections` need (plus room for the database and
/// the listener) and returns how many connections fit under it.
pub fn fit_open_files(connections: usize) -> usize {
    /// Files kept for everything but connections.
    const RESERVE: u64 = 64;
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        let wanted = connections as u64 + RESERVE;
        let limit = getrlimit(Resource::Nofile);
        if limit.current.is_some_and(|current| current < wanted) {
            let raised = limit.maximum.map_or(wanted, |hard| hard.min(wanted));
            let _ = setrlimit(
                Resource::Nofile,
                Rlimit {
                    current: Some(raised),
                    maximum: limit.maximum,
                },
            );
        }
        match getrlimit(Resource::Nofile).current {
            Some(current) if current < wanted => {
                let fit = current.saturating_sub(RESERVE).max(1) as usize;
                tracing::warn!(
                    wanted = connections,
                    fit,
                    "the open-file limit is low: --max-connections lowered"
                );
                fit
            }
            _ => connections,
        }
    }
    #[cfg(not(unix))]
    connections
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn proxies(ranges: &[&str]) -> TrustedProxies {
        TrustedProxies::new(ranges.iter().map(|r| r.parse().unwrap()).collect())
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_a_trusted_peer_the_headers_are_ignored() {
        let spoofed = headers(&[
            ("x-forwarded-for", "192.0.2.1"),
            ("forwarded", "for=192.0.2.2"),
        ]);
        assert_eq!(
            proxies(&[]).client(ip("10.0.0.9"), &spoofed),
            ip("10.0.0.9")
        );
        let other = proxies(&["127.0.0.1/32"]);
        assert_eq!(other.client(ip("10.0.0.9"), &spoofed), ip("10.0.0.9"));
    }

    #[test]
    fn the_right_most_untrusted_address_is_the_client() {
        let trusted = proxies(&["127.0.0.1/32", "10.1.0.0/16"]);
        let peer = ip("127.0.0.1");
        // The client wrote the first entry itself; our proxies appended the rest.
        let chain = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.4, 10.1.2.3")]);
        assert_eq!(trusted.client(peer, &chain), ip("198.51.100.4"));
        let split = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "198.51.100.4:5123"),
        ]);
        assert_eq!(trusted.client(peer, &split), ip("198.51.100.4"));
        let all_ours = headers(&[("x-forwarded-for", "10.1.0.1, 10.1.0.2")]);
        assert_eq!(trusted.client(peer, &all_ours), ip("10.1.0.1"));
        assert_eq!(trusted.client(peer, &HeaderMap::new()), peer);
        let mapped = ip("::ffff:127.0.0.1");
        let one = headers(&[("x-forwarded-for", "198.51.100.4")]);
        assert_eq!(trusted.client(mapped, &one), ip("198.51.100.4"));
    }

    #[test]
    fn forwarded_counts_when_x_forwarded_for_is_absent() {
        let trusted = proxies(&["127.0.0.1/32"]);
        let peer = ip("127.0.0.1");
        let forwarded = headers(&[(
            "forwarded",
            "for=6.6.6.6, for=\"[2001:db8:cafe::17]:4711\";proto=https",
        )]);
        assert_eq!(trusted.client(peer, &forwarded), ip("2001:db8:cafe::17"));
        let v4 = headers(&[("forwarded", "proto=http;For=\"192.0.2.43:47011\"")]);
        assert_eq!(trusted.client(peer, &v4), ip("192.0.2.43"));
        let both = headers(&[
            ("forwarded", "for=6.6.6.6"),
            ("x-forwarded-for", "192.0.2.9"),
        ]);
        assert_eq!(trusted.client(peer, &both), ip("192.0.2.9"));
    }

    #[test]
    fn ipv6_clients_count_by_their_slash_64() {
        assert_eq!(limit_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(
            limit_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")),
            limit_key(ip("2001:db8:1:2::7"))
        );
        assert_ne!(
            limit_key(ip("2001:db8:1:3::1")),
            limit_key(ip("2001:db8:1:2::1"))
        );
        assert_eq!(limit_key(ip("192.0.2.7")), ip("192.0.2.7"));
        assert_eq!(limit_key(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
    }

    #[test]
    fn an_entry_that_is_no_address_stops_at_the_proxy_that_wrote_it() {
        let trusted = proxies(&["127.0.0.1/32", "10.0.0.0/8"]);
        let peer = ip("127.0.0.1");
        let hidden = headers(&[("forwarded", "for=198.51.100.4, for=_hidden, for=10.0.0.2")]);
        assert_eq!(trusted.client(peer, &hidden), ip("10.0.0.2"));
        let junk = headers(&[("x-forwarded-for", "198.51.100.4, not an address")]);
        assert_eq!(trusted.client(peer, &junk), peer);
    }
}
