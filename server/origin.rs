//! Which `Origin` and `Host` headers are the server's own: against pages of other sites acting
//! with a visitor's browser (cross-site requests, sockets) and against DNS rebinding (a name of
//! the attacker's that resolves to this server).
//!
//! - The own origin is the origin of `--public-url` when it is given, and only that; without it,
//!   the origin the browser reached the server at (`http://` or `https://` and the `Host`).
//! - A `Host` is the server's own when it is an address literal (`127.0.0.1:8080`, `[::1]`,
//!   `192.168.1.5`: no rebinding names an address), `localhost` (browsers resolve it themselves),
//!   or the host of `--public-url`. Without `--public-url` a server listening on loopback accepts
//!   only those; one listening on other addresses cannot know its names and accepts any.

use std::net::{IpAddr, SocketAddr};

/// The scheme and authority of `url` (an absolute URL without query), lower-cased.
fn origin_of(url: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..].find('/').map_or(url.len(), |i| start + i);
    url[..end].to_ascii_lowercase()
}

/// The host name of a `Host` header or URL authority, without port or brackets.
fn name_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split_once(']').map_or(rest, |(name, _)| name);
    }
    match authority.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => authority,
    }
}

/// Whether `origin` (an `Origin` header) is the server's own, given `--public-url` and the
/// request's `Host`.
pub fn own_origin(public_url: Option<&str>, host: Option<&str>, origin: &str) -> bool {
    match public_url {
        Some(url) => origin.eq_ignore_ascii_case(&origin_of(url)),
        None => host.is_some_and(|host| {
            ["http://", "https://"].iter().any(|scheme| {
                origin.len() == scheme.len() + host.len()
                    && origin[..scheme.len()].eq_ignore_ascii_case(scheme)
                    && origin[scheme.len()..].eq_ignore_ascii_case(host)
            })
        }),
    }
}

/// Whether `host` (a `Host` header) names this server, which listens on `listening`.
pub fn own_host(public_url: Option<&str>, listening: SocketAddr, host: &str) -> bool {
    let name = name_of(host);
    let literal = name.parse::<IpAddr>().is_ok();
    let localhost =
        name.eq_ignore_ascii_case("localhost") || name.to_ascii_lowercase().ends_with(".localhost");
    let public = public_url.is_some_and(|url| {
        let authority = origin_of(url);
        let authority = authority.split_once("://").map_or("", |(_, a)| a);
        name.eq_ignore_ascii_case(name_of(authority))
    });
    let unknowable = public_url.is_none() && !listening.ip().is_loopback();
    literal || localhost || public || unknowable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_a_public_url_only_its_origin_is_own() {
        let public = Some("https://trivsel.example.dk");
        let host = Some("trivsel.example.dk");
        assert!(own_origin(public, host, "https://trivsel.example.dk"));
        assert!(own_origin(public, host, "https://Trivsel.Example.dk"));
        for foreign in [
            "http://trivsel.example.dk",
            "https://trivsel.example.dk:8443",
            "https://trivsel.example.dk.evil.example",
            "https://evil.example",
            "null",
        ] {
            assert!(!own_origin(public, host, foreign), "{foreign}");
        }
        // Host and Origin both spoofed.
        assert!(!own_origin(
            public,
            Some("evil.example"),
            "https://evil.example"
        ));
        let with_path = Some("https://kommune.dk/trivsel");
        assert!(own_origin(with_path, None, "https://kommune.dk"));
    }

    #[test]
    fn without_a_public_url_the_origin_is_the_host() {
        let host = Some("127.0.0.1:8080");
        assert!(own_origin(None, host, "http://127.0.0.1:8080"));
        assert!(own_origin(None, host, "https://127.0.0.1:8080"));
        assert!(!own_origin(None, host, "http://127.0.0.1:8081"));
        assert!(!own_origin(None, None, "http://127.0.0.1:8080"));
    }

    #[test]
    fn rebinding_names_are_not_own_hosts() {
        let loopback: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let lan: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let public = Some("https://trivsel.example.dk");
        for own in ["127.0.0.1:8080", "localhost:8080", "[::1]:8080", "10.0.0.5"] {
            assert!(own_host(None, loopback, own), "{own}");
            assert!(own_host(public, lan, own), "{own}");
        }
        assert!(own_host(public, lan, "trivsel.example.dk"));
        assert!(own_host(public, lan, "TRIVSEL.example.dk:443"));
        for foreign in [
            "evil.example",
            "evil.example:8080",
            "trivsel.example.dk.evil.example",
        ] {
            assert!(!own_host(None, loopback, foreign), "{foreign}");
            assert!(!own_host(public, lan, foreign), "{foreign}");
        }
        assert!(
            own_host(None, lan, "trivsel-pc:8080"),
            "names on a LAN are unknowable"
        );
    }
}
