//! Who a request comes from: the client address every per-address limit counts by.
//!
//! Without `--trusted-proxy` the client is the TCP peer, whatever the headers say. When the peer
//! is a trusted proxy, the client is the right-most address of `X-Forwarded-For` (or, when that
//! header is absent, of the `for=` parameters of `Forwarded`) that is not itself a trusted
//! proxy: each proxy appends the address it was reached from, so the entries right of the
//! client's were written by our own proxies and those left of it by whoever sent them. An entry
//! that is not an address (`unknown`, an obfuscated `_name`) stops the walk at the proxy that
//! wrote it, which then stands for the client.

use std::net::{IpAddr, SocketAddr};

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
    fn an_entry_that_is_no_address_stops_at_the_proxy_that_wrote_it() {
        let trusted = proxies(&["127.0.0.1/32", "10.0.0.0/8"]);
        let peer = ip("127.0.0.1");
        let hidden = headers(&[("forwarded", "for=198.51.100.4, for=_hidden, for=10.0.0.2")]);
        assert_eq!(trusted.client(peer, &hidden), ip("10.0.0.2"));
        let junk = headers(&[("x-forwarded-for", "198.51.100.4, not an address")]);
        assert_eq!(trusted.client(peer, &junk), peer);
    }
}
