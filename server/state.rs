//! What every request handler shares: the live sessions by join code, the store, the programme
//! library and the settings. Handles are cloned out of the map; no guard is held across `.await`.

use std::sync::Arc;

use dashmap::DashMap;

use crate::content::Library;
use crate::domain::JoinCode;
use crate::session::SessionHandle;
use crate::store::Store;

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
}

impl AppState {
    /// State over an opened store and the sessions it held (each gets its actor).
    pub fn new(
        store: Store,
        restored: Vec<crate::domain::Session>,
        library: Library,
        public_url: Option<String>,
    ) -> Self {
        let sessions = DashMap::new();
        for session in restored {
            let code = session.created().code.clone();
            sessions.insert(code, SessionHandle::spawn(session, store.clone()));
        }
        AppState {
            inner: Arc::new(Inner {
                sessions,
                store,
                library,
                public_url,
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
}
