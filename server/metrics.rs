//! What the node counts for those who run it, served at `/metrics` in the Prometheus (OpenMetrics)
//! text format with the `prometheus-client` crate: sessions run here, open WebSockets,
//! operations acknowledged and refused, the store's commit latency, and requests refused by a
//! limit or sent elsewhere. The figures are the process's own (one set per process).
//!
//! Who may read them: a client on the same machine (a loopback peer that came through no proxy),
//! or anyone with `--metrics-token` (`Authorization: Bearer …`). The page never holds a code, a
//! name or an answer.

use std::sync::LazyLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The content type of the page.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// An operation's end.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    result: &'static str,
}

/// Why a request was refused.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Refusal {
    reason: &'static str,
}

/// Every figure, and the registry that names them.
struct Metrics {
    registry: Registry,
    sessions: Gauge,
    connections: Gauge,
    operations: Family<Outcome, Counter>,
    commits: Histogram,
    rejected: Family<Refusal, Counter>,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::with_prefix("trivsel");
    let sessions = Gauge::default();
    registry.register("sessions", "Sessions this node runs now", sessions.clone());
    let connections = Gauge::default();
    registry.register(
        "connections",
        "Open WebSocket connections (screens)",
        connections.clone(),
    );
    let operations = Family::<Outcome, Counter>::default();
    registry.register(
        "operations",
        "Operations of screens, acknowledged after their commit or refused",
        operations.clone(),
    );
    // 0.25 ms to about 4 s.
    let commits = Histogram::new(exponential_buckets(0.000_25, 2.0, 15));
    registry.register(
        "store_commit_seconds",
        "Time of one store transaction (a group commit), from its start to its commit",
        commits.clone(),
    );
    let rejected = Family::<Refusal, Counter>::default();
    registry.register(
        "rejected_requests",
        "Requests and connections refused by a limit, or sent to the node that runs the session",
        rejected.clone(),
    );
    Metrics {
        registry,
        sessions,
        connections,
        operations,
        commits,
        rejected,
    }
});

/// One store transaction took `seconds`.
pub fn commit_took(seconds: f64) {
    METRICS.commits.observe(seconds);
}

/// An operation was acknowledged (`true`) or refused.
pub fn operation(acknowledged: bool) {
    let result = if acknowledged { "acked" } else { "refused" };
    METRICS.operations.get_or_create(&Outcome { result }).inc();
}

/// A request or connection was refused, for `reason` (a fixed word, e.g. `too_many_guesses`).
pub fn rejected(reason: &'static str) {
    METRICS.rejected.get_or_create(&Refusal { reason }).inc();
}

/// An open WebSocket: counted while it lives.
pub struct Connection(());

impl Connection {
    /// Counts a new connection until the value is dropped.
    pub fn open() -> Self {
        METRICS.connections.inc();
        Connection(())
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        METRICS.connections.dec();
    }
}

/// The page, with `sessions` as the number of sessions this node runs now.
pub fn render(sessions: usize) -> String {
    METRICS.sessions.set(sessions as i64);
    let mut page = String::new();
    // Writing to a String does not fail.
    let _ = prometheus_client::encoding::text::encode(&mut page, &METRICS.registry);
    page
}

/// Whether a request may read the page: its TCP peer is this machine and no proxy forwarded it
/// (a proxy on this machine would make every client look local), or it carries the token.
pub fn allowed(
    peer: std::net::IpAddr,
    forwarded: bool,
    token: Option<&str>,
    credential: Option<&str>,
) -> bool {
    let local = peer.to_canonical().is_loopback() && !forwarded;
    let holds_token = matches!((token, credential), (Some(token), Some(given))
        if crate::domain::ids::same_secret(token.as_bytes(), given.as_bytes()));
    local || holds_token
}

#[cfg(test)]
mod tests {
    use super::allowed;

    #[test]
    fn only_the_machine_itself_or_the_token_holder_reads_the_figures() {
        let local = "127.0.0.1".parse().unwrap();
        let remote = "192.0.2.7".parse().unwrap();
        assert!(allowed(local, false, None, None));
        assert!(!allowed(local, true, None, None), "through a proxy");
        assert!(!allowed(remote, false, None, None));
        assert!(!allowed(
            remote,
            false,
            Some("a-long-metrics-token"),
            Some("wrong")
        ));
        assert!(allowed(
            remote,
            false,
            Some("a-long-metrics-token"),
            Some("a-long-metrics-token")
        ));
        assert!(!allowed(remote, false, None, Some("anything")));
    }
}
