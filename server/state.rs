//! What every request handler shares: the registry of live sessions, the programme library,
//! the settings and the wrong-code limiter. Cheap to clone.

use std::sync::Arc;

use crate::config::Config;
use crate::content::Library;
use crate::limits::Guesses;
use crate::registry::Registry;
use crate::store::Opened;

/// Shared application state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    library: Library,
    public_url: Option<String>,
    create_token: Option<String>,
    metrics_token: Option<String>,
    guesses: Guesses,
    trusted_proxies: crate::net::TrustedProxies,
    serving: crate::net::Serving,
    creations: crate::limits::Creations,
}

impl AppState {
    /// State over an opened store and the sessions it held (each gets its actor), with the
    /// settings of `config`.
    pub fn new(opened: Opened, library: Library, config: &Config) -> Self {
        AppState {
            inner: Arc::new(Inner {
                registry: Registry::new(
                    opened,
                    config.retention_days,
                    crate::limits::SessionLimits {
                        participants: config.max_participants as usize,
                        bytes: config.max_session_bytes,
                        joins: crate::limits::Rate::joins_per_second(config.joins_per_second),
                    },
                ),
                library,
                public_url: config.public_url.clone(),
                create_token: config.create_token.clone(),
                metrics_token: config.metrics_token.clone(),
                guesses: Guesses::default(),
                trusted_proxies: crate::net::TrustedProxies::new(config.trusted_proxy.clone()),
                serving: crate::net::Serving {
                    caps: crate::net::Caps {
                        total: config.max_connections as usize,
                        per_address: config.max_connections_per_address as usize,
                    },
                    header_timeout: std::time::Duration::from_secs(config.header_timeout),
                    trusted: crate::net::TrustedProxies::new(config.trusted_proxy.clone()),
                },
                creations: crate::limits::Creations::per_hour(config.creations_per_hour),
            }),
        }
    }

    /// The live sessions.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// The programmes.
    pub fn library(&self) -> &Library {
        &self.inner.library
    }

    /// `--public-url`, if given (no trailing slash).
    pub fn public_url(&self) -> Option<&str> {
        self.inner.public_url.as_deref()
    }

    /// `--create-token`, if given.
    pub fn create_token(&self) -> Option<&str> {
        self.inner.create_token.as_deref()
    }

    /// `--metrics-token`, if given.
    pub fn metrics_token(&self) -> Option<&str> {
        self.inner.metrics_token.as_deref()
    }

    /// Wrong join codes by client address.
    pub fn guesses(&self) -> &Guesses {
        &self.inner.guesses
    }

    /// `--trusted-proxy`: whose forwarding headers name the client.
    pub fn trusted_proxies(&self) -> &crate::net::TrustedProxies {
        &self.inner.trusted_proxies
    }

    /// How connections are served: timeouts and caps.
    pub fn serving(&self) -> &crate::net::Serving {
        &self.inner.serving
    }

    /// Sessions created by client address.
    pub fn creations(&self) -> &crate::limits::Creations {
        &self.inner.creations
    }
}
