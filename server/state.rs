//! What every request handler shares: the live sessions by join code, the store, the programme
//! library and the settings. Handles are cloned out of the map; no guard is held across `.await`.

use std::sync::Arc;

use dashmap::DashMap;

use crate::config::Config;
use crate::content::Library;
use crate::domain::JoinCode;
use crate::limits::Guesses;
use crate::session::SessionHandle;
use crate::store::{Restored, Store};

/// Shared application state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    sessions: DashMap<JoinCode, SessionHandle>,
    store: Store,
    library: Library,
    public_url: Option<String>,
    create_token: Option<String>,
    retention_days: u32,
    guesses: Guesses,
}

impl AppState {
    /// State over an opened store and the sessions it held (each gets its actor), with the
    /// settings of `config`.
    pub fn new(store: Store, restored: Vec<Restored>, library: Library, config: &Config) -> Self {
        let sessions = DashMap::new();
        for Restored {
            session,
            last_active_ms,
        } in restored
        {
            let code = session.created().code.clone();
            let handle = SessionHandle::spawn(session, store.clone(), last_active_ms);
            sessions.insert(code, handle);
        }
        AppState {
            inner: Arc::new(Inner {
                sessions,
                store,
                library,
                public_url: config.public_url.clone(),
                create_token: config.create_token.clone(),
                retention_days: config.retention_days,
                guesses: Guesses::default(),
            }),
        }
    }

    /// The live session with this code.
    pub fn session(&self, code: &JoinCode) -> Option<SessionHandle> {
        self.inner
            .sessions
            .get(code)
            .map(|entry| entry.value().clone())
    }

    /// Whether a code is taken.
    pub fn contains(&self, code: &JoinCode) -> bool {
        self.inner.sessions.contains_key(code)
    }

    /// Registers a newly created session.
    pub fn insert(&self, code: JoinCode, handle: SessionHandle) {
        self.inner.sessions.insert(code, handle);
    }

    /// Forgets a session (after it was deleted from the store).
    pub fn remove(&self, code: &JoinCode) {
        self.inner.sessions.remove(code);
    }

    /// How many sessions are live.
    pub fn len(&self) -> usize {
        self.inner.sessions.len()
    }

    /// Whether no session is live.
    pub fn is_empty(&self) -> bool {
        self.inner.sessions.is_empty()
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
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

    /// Wrong join codes by client address.
    pub fn guesses(&self) -> &Guesses {
        &self.inner.guesses
    }

    /// Deletes every session whose last activity is more than `--retention-days` before
    /// `now_ms`, as `DELETE /api/sessions/{code}` would (screens are told, the data is erased
    /// from the files). Returns the codes deleted.
    pub async fn expire(&self, now_ms: i64) -> Vec<JoinCode> {
        let keep_ms = i64::from(self.inner.retention_days) * 24 * 60 * 60 * 1000;
        let expired: Vec<(JoinCode, SessionHandle)> = self
            .inner
            .sessions
            .iter()
            .filter(|entry| entry.value().last_active_ms() + keep_ms <= now_ms)
            .map(|entry| (entry.key().clone(), entry.value().clone()))
            .collect();
        let mut deleted = Vec::new();
        for (code, handle) in expired {
            match handle.delete().await {
                Ok(()) => {
                    self.remove(&code);
                    tracing::info!(code = %code, "session deleted after the retention period");
                    deleted.push(code);
                }
                Err(e) => tracing::error!(code = %code, error = %e, "retention: could not delete"),
            }
        }
        deleted
    }
}
