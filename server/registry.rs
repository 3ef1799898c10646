//! The live sessions by join code, and every change to that set: creating a session or every
//! meeting of a series (a fresh code and tokens, stored before its actor starts), deleting one,
//! expiring those past the retention period, and carrying what earlier meetings of a series
//! produced into a later one. The HTTP handlers check a request and call in here; nothing else
//! adds a session to the map or takes one out. Handles are cloned out of the map: no guard is
//! held across `.await`.
//!
//! With a shared store (PostgreSQL, several nodes) the map holds the sessions this node runs:
//! a session is taken over when the node is first asked for it and nobody else runs it
//! ([`Registry::find`]), a new session is run by whichever node is first asked for it, and a
//! meeting run by another node is read from the database when a series needs it
//! ([`Registry::meeting`]). Draining hands every session back ([`Registry::release_all`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use dashmap::DashMap;

use crate::clock::now_ms;
use crate::content::{Programme, Series};
use crate::domain::{
    Created, JoinCode, Lang, MAX_CARRIED, Publication, SeriesLink, Session, Token,
};
use crate::limits::SessionLimits;
use crate::session::SessionHandle;
use crate::store::{Claim, Notice, Restored, Store, StoreError};

/// Fresh codes drawn for a new session (or series) before giving up: another node may have
/// taken one at the same moment, a second one too is all but impossible.
const CODE_TRIES: usize = 8;

/// Where a session asked for by its code is run.
#[derive(Debug)]
pub enum Found {
    /// Here: its handle.
    Here(SessionHandle),
    /// By another live node (or this one is draining): ask again in a moment (`503`).
    Elsewhere,
    /// The database cannot say right now (`503`).
    Unavailable,
    /// There is no such session.
    Nowhere,
}

/// What a session looked up gives, before a taken-over one is pruned.
enum Located {
    Here(SessionHandle),
    /// Taken over just now.
    Claimed(SessionHandle),
    Elsewhere,
    Unavailable,
    Nowhere,
}

/// Language, group size and link base of a new session (or of every meeting of a series),
/// already checked.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Interface language.
    pub lang: Lang,
    /// Aggregates show only when at least this many answered.
    pub min_group: u32,
    /// Base of the session's links.
    pub base_url: String,
    /// Tables to set up in each session created (issue 16).
    pub tables: Option<crate::domain::TableSetup>,
}

/// The live sessions; cheap to clone.
#[derive(Clone)]
pub struct Registry {
    inner: Arc<Inner>,
}

struct Inner {
    sessions: DashMap<JoinCode, SessionHandle>,
    store: Store,
    /// Each actor sends its code here after an erasing write (see [`Registry::prune_after`]).
    erased: tokio::sync::mpsc::UnboundedSender<JoinCode>,
    /// How long a session is kept after its last activity (`--retention-days`), in ms.
    keep_ms: i64,
    /// What each session may hold and take in.
    limits: SessionLimits,
    /// One take-over at a time, so a code is claimed once (shared store).
    claims: tokio::sync::Mutex<()>,
    /// Set while the node drains: it takes no session over any more.
    draining: AtomicBool,
}

impl Registry {
    /// The sessions the store held, each with its actor started again; they are deleted
    /// `retention_days` after their last activity (see [`Registry::expire`]).
    ///
    /// Must be called within a Tokio runtime: it starts the actors, and a task that prunes
    /// the copies later meetings of a series hold of what an earlier one erased.
    pub fn new(opened: crate::store::Opened, retention_days: u32, limits: SessionLimits) -> Self {
        let crate::store::Opened {
            store,
            restored,
            mut notices,
        } = opened;
        let (erased, mut erasures) = tokio::sync::mpsc::unbounded_channel();
        let sessions = DashMap::new();
        for Restored {
            mut session,
            last_active_ms,
        } in restored
        {
            session.set_capacity(limits.participants);
            let code = session.created().code.clone();
            let handle = SessionHandle::spawn(
                session,
                store.clone(),
                last_active_ms,
                Some(erased.clone()),
                limits,
            );
            sessions.insert(code, handle);
        }
        let inner = Arc::new(Inner {
            sessions,
            store,
            erased,
            keep_ms: i64::from(retention_days) * 24 * 60 * 60 * 1000,
            limits,
            claims: tokio::sync::Mutex::new(()),
            draining: AtomicBool::new(false),
        });
        // Holds the registry weakly: it ends with the registry.
        let weak: Weak<Inner> = Arc::downgrade(&inner);
        tokio::spawn(async move {
            while let Some(code) = erasures.recv().await {
                let Some(inner) = weak.upgrade() else { break };
                Registry { inner }.prune_after(&code).await;
            }
        });
        let weak: Weak<Inner> = Arc::downgrade(&inner);
        tokio::spawn(async move {
            while let Some(notice) = notices.recv().await {
                let Some(inner) = weak.upgrade() else { break };
                Registry { inner }.heed(notice).await;
            }
        });
        Registry { inner }
    }

    /// Whether several nodes share the store (PostgreSQL).
    pub fn is_shared(&self) -> bool {
        self.inner.store.is_shared()
    }

    /// What the store tells: prune a meeting this node runs, or stop the sessions whose lock
    /// was lost with the database connection.
    async fn heed(&self, notice: Notice) {
        match notice {
            Notice::Prune(code) => {
                if let Some(handle) = self.get(&code) {
                    self.prune_with(&handle).await;
                }
            }
            Notice::Lost(codes) => {
                for code in codes {
                    if let Some((code, handle)) = self.inner.sessions.remove(&code) {
                        tracing::warn!(%code, "session stopped: its lock was lost");
                        handle.release().await;
                    }
                }
            }
        }
    }

    /// Starts the actor of a stored session.
    fn spawn(&self, restored: Restored, serving: bool) -> SessionHandle {
        let Restored {
            mut session,
            last_active_ms,
        } = restored;
        session.set_capacity(self.inner.limits.participants);
        SessionHandle::spawn(
            session,
            self.inner.store.clone(),
            last_active_ms,
            serving.then(|| self.inner.erased.clone()),
            self.inner.limits,
        )
    }

    /// The session `code`, taken over if no node runs it (shared store; a taken-over meeting
    /// of a series first drops the carried items its earlier meetings no longer produce, for
    /// erasures its previous node did not finish). With SQLite: the live session, if any.
    pub async fn find(&self, code: &JoinCode) -> Found {
        match self.locate(code).await {
            Located::Here(handle) => Found::Here(handle),
            Located::Claimed(handle) => {
                if handle.series().is_some_and(|l| l.position > 0) {
                    self.prune_with(&handle).await;
                }
                Found::Here(handle)
            }
            Located::Elsewhere => Found::Elsewhere,
            Located::Unavailable => Found::Unavailable,
            Located::Nowhere => Found::Nowhere,
        }
    }

    async fn locate(&self, code: &JoinCode) -> Located {
        let store = &self.inner.store;
        if let Some(handle) = self.get(code) {
            if !(store.is_shared() && handle.is_stopped()) {
                return Located::Here(handle);
            }
            // Its actor stopped (a write failed and the session could not be read back):
            // hand it back and take it over afresh, from what is stored.
            if self
                .inner
                .sessions
                .remove_if(code, |_, h| h.is_stopped())
                .is_some()
            {
                store.release(code).await;
            }
        }
        if !store.is_shared() {
            return Located::Nowhere;
        }
        if self.inner.draining.load(Ordering::SeqCst) {
            return Located::Elsewhere;
        }
        match store.exists(code).await {
            Ok(true) => {}
            Ok(false) => return Located::Nowhere,
            Err(e) => {
                tracing::warn!(%code, error = %e, "cannot look a session up");
                return Located::Unavailable;
            }
        }
        let _turn = self.inner.claims.lock().await;
        if let Some(handle) = self.get(code) {
            return Located::Here(handle);
        }
        match store.claim(code).await {
            Ok(Claim::Owned) => {}
            Ok(Claim::Elsewhere) => return Located::Elsewhere,
            Err(e) => {
                tracing::warn!(%code, error = %e, "cannot take a session over");
                return Located::Unavailable;
            }
        }
        match store.read(code).await {
            Ok(Some(restored)) => {
                let handle = self.spawn(restored, true);
                self.inner.sessions.insert(code.clone(), handle.clone());
                tracing::info!(%code, "session taken over");
                Located::Claimed(handle)
            }
            Ok(None) => {
                store.release(code).await;
                Located::Nowhere
            }
            Err(e) => {
                tracing::error!(%code, error = %e, "cannot read a session to take it over");
                store.release(code).await;
                Located::Unavailable
            }
        }
    }

    /// A meeting of a series, to read: the live session here, or (shared store) one that
    /// another node runs, as it is stored — a handle not in the map, for reading only (its
    /// `info` counts no connections: they are the other node's).
    pub async fn meeting(&self, code: &JoinCode) -> Option<SessionHandle> {
        if let Some(handle) = self.get(code) {
            return Some(handle);
        }
        if !self.is_shared() {
            return None;
        }
        match self.inner.store.read(code).await {
            Ok(restored) => restored.map(|r| self.spawn(r, false)),
            Err(e) => {
                tracing::warn!(%code, error = %e, "cannot read a meeting of a series");
                None
            }
        }
    }

    /// What an earlier meeting of a series gives its later ones now, wherever it runs: its
    /// shareable outcome and its contribution to reviews and trends (issue 17). `None` when
    /// there is no such meeting, `Some(None)` when it does not answer.
    async fn earlier_of(
        &self,
        code: &JoinCode,
    ) -> Option<Option<(crate::outcome::Outcome, crate::domain::follow::Contribution)>> {
        let handle = self.meeting(code).await?;
        Some(
            match (handle.outcome().await, handle.contribution().await) {
                (Some(outcome), Some(contribution)) => Some((outcome, contribution)),
                _ => None,
            },
        )
    }

    /// Drains the node: it takes no session over any more, and every session it runs is
    /// handed back (its screens are closed with `1001`; they come back through the router, to
    /// another node). SQLite: only stops taking sessions over (there is no other node).
    pub async fn release_all(&self) {
        self.inner.draining.store(true, Ordering::SeqCst);
        if !self.is_shared() {
            return;
        }
        let codes: Vec<JoinCode> = self
            .inner
            .sessions
            .iter()
            .map(|e| e.key().clone())
            .collect();
        for code in codes {
            if let Some((code, handle)) = self.inner.sessions.remove(&code) {
                handle.release().await;
                self.inner.store.release(&code).await;
            }
        }
        tracing::info!("every session handed back");
    }

    /// The live session with this code.
    pub fn get(&self, code: &JoinCode) -> Option<SessionHandle> {
        self.inner
            .sessions
            .get(code)
            .map(|entry| entry.value().clone())
    }

    /// How many sessions are live (restored or created, not yet deleted).
    pub fn count(&self) -> usize {
        self.inner.sessions.len()
    }

    /// Creates a session of `programme`, planned for the day `planned` (`YYYY-MM-DD`, already
    /// checked) if given: stores it, starts its actor, and returns what it was created with
    /// (its links are built from that, by `links`).
    pub async fn create(
        &self,
        programme: Programme,
        settings: &Settings,
        planned: Option<String>,
    ) -> Result<Created, StoreError> {
        self.create_following(programme, settings, planned, None)
            .await
    }

    /// Like [`Registry::create`], for a session that follows an earlier one (issue 17) with
    /// what it copied from it (`follows`), fixed from then on.
    pub async fn create_following(
        &self,
        programme: Programme,
        settings: &Settings,
        planned: Option<String>,
        follows: Option<crate::domain::Followed>,
    ) -> Result<Created, StoreError> {
        let mut created = Created {
            code: self.fresh_code(&[]),
            programme,
            lang: settings.lang,
            min_group: settings.min_group,
            created_at_ms: now_ms(),
            base_url: settings.base_url.clone(),
            facilitator_token: Token::random(&mut rand::rng()),
            projector_token: Token::random(&mut rand::rng()),
            series: None,
            publication: Publication::PerResult,
            planned,
            tables: settings.tables,
            follows,
        };
        let mut tries = 1;
        loop {
            match self.start(std::slice::from_ref(&created)).await {
                // Another node took the code at this moment: draw another.
                Err(e) if e.is_taken() && tries < CODE_TRIES => {
                    tries += 1;
                    created.code = self.fresh_code(&[]);
                }
                Err(e) => return Err(e),
                Ok(()) => return Ok(created),
            }
        }
    }

    /// Creates every meeting of `series` at once, one per programme (in meeting order), with one
    /// facilitator token for all of them; each knows every meeting's code. `planned` holds the
    /// day set for each meeting, in meeting order (already checked; `None` or missing: unset).
    pub async fn create_series(
        &self,
        series: &Series,
        programmes: Vec<Programme>,
        settings: &Settings,
        planned: &[Option<String>],
    ) -> Result<Vec<Created>, StoreError> {
        let facilitator_token = Token::random(&mut rand::rng());
        let mut tries = 1;
        loop {
            let meetings =
                self.series_meetings(series, &programmes, settings, planned, &facilitator_token);
            match self.start(&meetings).await {
                Err(e) if e.is_taken() && tries < CODE_TRIES => tries += 1,
                Err(e) => return Err(e),
                Ok(()) => return Ok(meetings),
            }
        }
    }

    /// The meetings of a new series, with fresh codes.
    fn series_meetings(
        &self,
        series: &Series,
        programmes: &[Programme],
        settings: &Settings,
        planned: &[Option<String>],
        facilitator_token: &Token,
    ) -> Vec<Created> {
        let mut codes = Vec::new();
        for _ in programmes {
            let code = self.fresh_code(&codes);
            codes.push(code);
        }
        let mut meetings = Vec::new();
        for (position, programme) in programmes.iter().cloned().enumerate() {
            let created = Created {
                code: codes[position].clone(),
                programme,
                lang: settings.lang,
                min_group: settings.min_group,
                created_at_ms: now_ms(),
                base_url: settings.base_url.clone(),
                facilitator_token: facilitator_token.clone(),
                projector_token: Token::random(&mut rand::rng()),
                series: Some(SeriesLink {
                    id: series.id.clone(),
                    title: series.title.clone(),
                    position,
                    codes: codes.clone(),
                }),
                publication: Publication::PerResult,
                planned: planned.get(position).cloned().flatten(),
                tables: settings.tables,
                follows: None,
            };
            meetings.push(created);
        }
        meetings
    }

    /// A fresh join code that no live session here uses and `taken` does not hold (the store
    /// refuses one another node's session uses).
    fn fresh_code(&self, taken: &[JoinCode]) -> JoinCode {
        let mut rng = rand::rng();
        loop {
            let code = JoinCode::random(&mut rng);
            if !self.inner.sessions.contains_key(&code) && !taken.contains(&code) {
                return code;
            }
        }
    }

    /// Stores new sessions (all or none), then starts their actors and adds them to the map.
    /// With a shared store no actor starts: a new session is run by whichever node is first
    /// asked for it (the router's choice by its code).
    async fn start(&self, created: &[Created]) -> Result<(), StoreError> {
        self.inner.store.create_all(created).await?;
        for created in created {
            let code = created.code.clone();
            if !self.is_shared() {
                let restored = Restored {
                    session: Session::new(created.clone()),
                    last_active_ms: now_ms(),
                };
                let handle = self.spawn(restored, true);
                self.inner.sessions.insert(code.clone(), handle);
            }
            tracing::info!(%code, "session created");
        }
        Ok(())
    }

    /// Deletes a session: out of the map (so of two deletes at once only one finds it), then
    /// from the store (screens are told, the data is erased from the files; back in the map if
    /// the store fails); then what it carried into later meetings of its series is erased from
    /// them (see [`Registry::prune_after`]). `Ok(false)` when there is no such session — the WAL
    /// is emptied all the same, so a DELETE sent again after a crash cut the first one short
    /// completes its erasure.
    pub async fn delete(&self, code: &JoinCode) -> Result<bool, StoreError> {
        let Some((code, handle)) = self.inner.sessions.remove(code) else {
            // Best effort: a failing checkpoint (a full disk) must not turn a 404 into an error.
            if let Err(e) = self.inner.store.checkpoint().await {
                tracing::warn!(error = %e, "checkpoint after a repeated delete failed");
            }
            return Ok(false);
        };
        if let Err(e) = handle.delete().await {
            self.inner.sessions.insert(code, handle);
            return Err(e);
        }
        if let Some(link) = handle.series() {
            for later in &link.codes[link.position + 1..] {
                self.prune(later).await;
            }
        }
        Ok(true)
    }

    /// Someone's answers were erased in the meeting `code`: every later meeting of its series
    /// drops the carried items the earlier meetings no longer produce, erasing them from its
    /// files too. Deleting a meeting does the same ([`Registry::delete`]).
    pub async fn prune_after(&self, code: &JoinCode) {
        let Some(link) = self.get(code).and_then(|h| h.series().cloned()) else {
            return;
        };
        for later in &link.codes[link.position + 1..] {
            self.prune(later).await;
        }
    }

    /// Every meeting of every series drops the carried items its earlier meetings no longer
    /// produce: done at start-up, before serving, for erasures a crash cut short.
    pub async fn prune_all(&self) {
        let codes: Vec<JoinCode> = self
            .inner
            .sessions
            .iter()
            .filter(|e| e.value().series().is_some_and(|l| l.position > 0))
            .map(|e| e.key().clone())
            .collect();
        for code in codes {
            self.prune(&code).await;
        }
    }

    /// Meeting `code` drops what no earlier meeting of its series produces any more (their
    /// author forgot them, or their meeting was deleted). With a shared store, a meeting no
    /// node runs is taken over to do it, and the node that runs it is told to.
    async fn prune(&self, code: &JoinCode) {
        match self.locate(code).await {
            Located::Here(handle) | Located::Claimed(handle) => self.prune_with(&handle).await,
            Located::Elsewhere => self.inner.store.tell_prune(code).await,
            Located::Unavailable | Located::Nowhere => {}
        }
    }

    /// [`Registry::prune`] for a meeting this node runs. A meeting that exists but does not
    /// answer (its storage failed) leaves everything as it is.
    async fn prune_with(&self, handle: &SessionHandle) {
        let Some(link) = handle.series().cloned() else {
            return;
        };
        let mut available = Vec::new();
        let mut contributions = Vec::new();
        for earlier in &link.codes[..link.position] {
            match self.earlier_of(earlier).await {
                Some(Some((outcome, contribution))) => {
                    available.extend(crate::domain::report::carried_from(&outcome));
                    contributions.push(contribution);
                }
                Some(None) => return,
                None => {}
            }
        }
        let (rows, points) = crate::domain::follow::carried_from(&contributions);
        handle
            .prune_carried(crate::domain::Carry {
                items: available,
                rows,
                points,
            })
            .await;
    }

    /// Deletes every session whose last activity — or planned day, when that is later — is
    /// more than the retention period before `now_ms`, as `DELETE /api/sessions/{code}` would.
    /// A meeting of a series counts the planned days of its later meetings too, whose review
    /// and trends it feeds (issue 17). Returns the codes deleted.
    pub async fn expire(&self, now_ms: i64) -> Vec<JoinCode> {
        let keep_ms = self.inner.keep_ms;
        let planned_ms = |handle: &SessionHandle| {
            handle
                .planned()
                .and_then(|day| crate::dates::Date::parse(&day))
                .map_or(i64::MIN, |day| day.start_ms())
        };
        let kept_from = |handle: &SessionHandle| {
            let later = handle.series().map_or(i64::MIN, |link| {
                link.codes[link.position + 1..]
                    .iter()
                    .filter_map(|code| self.get(code))
                    .map(|h| planned_ms(&h))
                    .max()
                    .unwrap_or(i64::MIN)
            });
            handle.last_active_ms().max(planned_ms(handle)).max(later)
        };
        let handles: Vec<(JoinCode, SessionHandle)> = self
            .inner
            .sessions
            .iter()
            .map(|entry| (entry.key().clone(), entry.value().clone()))
            .collect();
        let expired: Vec<JoinCode> = handles
            .into_iter()
            .filter(|(_, handle)| kept_from(handle).saturating_add(keep_ms) <= now_ms)
            .map(|(code, _)| code)
            .collect();
        let mut deleted = Vec::new();
        let mut expired = expired;
        // Shared store: also those no node runs (this one takes them over to delete them);
        // those another node runs are that node's to delete.
        match self.inner.store.stale(now_ms - keep_ms).await {
            Ok(stale) => {
                for code in stale {
                    if expired.contains(&code) || self.get(&code).is_some() {
                        continue;
                    }
                    if let Found::Here(handle) = self.find(&code).await
                        && kept_from(&handle).saturating_add(keep_ms) <= now_ms
                    {
                        expired.push(code);
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "retention: cannot list stale sessions"),
        }
        for code in expired {
            match self.delete(&code).await {
                Ok(true) => {
                    tracing::info!(code = %code, "session deleted after the retention period");
                    deleted.push(code);
                }
                // Deleted meanwhile by its facilitator.
                Ok(false) => {}
                Err(e) => tracing::error!(code = %code, error = %e, "retention: could not delete"),
            }
        }
        deleted
    }

    /// Brings what earlier meetings of a series produced into `handle`'s meeting. Cheap to call
    /// often: it asks the earlier meetings' actors at most every few seconds per session (in a
    /// task of its own), and the meeting stores nothing when nothing changed.
    pub fn carry_into(&self, handle: &SessionHandle) {
        let Some(link) = handle.series().cloned() else {
            return;
        };
        if link.position == 0 || !handle.carry_due() {
            return;
        }
        let (registry, handle) = (self.clone(), handle.clone());
        tokio::spawn(async move {
            let mut items = Vec::new();
            let mut contributions = Vec::new();
            for code in &link.codes[..link.position] {
                if let Some(Some((outcome, contribution))) = registry.earlier_of(code).await {
                    items.extend(crate::domain::report::carried_from(&outcome));
                    contributions.push(contribution);
                }
            }
            // A meeting that reviews the earlier plans shows their rows there (issue 17), not
            // again in the list of what was carried in.
            if handle.programme().has(crate::content::StepKind::Review) {
                items.retain(|item| item.kind != crate::domain::CarriedKind::Row);
            }
            items.truncate(MAX_CARRIED);
            let (rows, points) = crate::domain::follow::carried_from(&contributions);
            handle
                .carry(crate::domain::Carry {
                    items,
                    rows,
                    points,
                })
                .await;
        });
    }
}
