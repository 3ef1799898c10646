//! The live sessions by join code, and every change to that set: creating a session or every
//! meeting of a series (a fresh code and tokens, stored before its actor starts), deleting one,
//! expiring those past the retention period, and carrying what earlier meetings of a series
//! produced into a later one. The HTTP handlers check a request and call in here; nothing else
//! adds a session to the map or takes one out. Handles are cloned out of the map: no guard is
//! held across `.await`.

use std::sync::{Arc, Weak};

use dashmap::DashMap;

use crate::clock::now_ms;
use crate::content::{Programme, Series};
use crate::domain::{
    Created, JoinCode, Lang, MAX_CARRIED, Publication, SeriesLink, Session, Token,
};
use crate::limits::SessionLimits;
use crate::session::SessionHandle;
use crate::store::{Restored, Store, StoreError};

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
}

impl Registry {
    /// The sessions the store held, each with its actor started again; they are deleted
    /// `retention_days` after their last activity (see [`Registry::expire`]).
    ///
    /// Must be called within a Tokio runtime: it starts the actors, and a task that prunes
    /// the copies later meetings of a series hold of what an earlier one erased.
    pub fn new(
        store: Store,
        restored: Vec<Restored>,
        retention_days: u32,
        limits: SessionLimits,
    ) -> Self {
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
        });
        // Holds the registry weakly: it ends with the registry.
        let weak: Weak<Inner> = Arc::downgrade(&inner);
        tokio::spawn(async move {
            while let Some(code) = erasures.recv().await {
                let Some(inner) = weak.upgrade() else { break };
                Registry { inner }.prune_after(&code).await;
            }
        });
        Registry { inner }
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
        let created = Created {
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
        self.start(created).await
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
        let mut codes = Vec::new();
        for _ in &programmes {
            let code = self.fresh_code(&codes);
            codes.push(code);
        }
        let facilitator_token = Token::random(&mut rand::rng());
        let mut meetings = Vec::new();
        for (position, programme) in programmes.into_iter().enumerate() {
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
            meetings.push(self.start(created).await?);
        }
        Ok(meetings)
    }

    /// A fresh join code that no live session uses and `taken` does not hold.
    fn fresh_code(&self, taken: &[JoinCode]) -> JoinCode {
        let mut rng = rand::rng();
        loop {
            let code = JoinCode::random(&mut rng);
            if !self.inner.sessions.contains_key(&code) && !taken.contains(&code) {
                return code;
            }
        }
    }

    /// Stores a new session, then starts its actor and adds it to the map.
    async fn start(&self, created: Created) -> Result<Created, StoreError> {
        self.inner.store.create(&created).await?;
        let code = created.code.clone();
        let mut session = Session::new(created.clone());
        session.set_capacity(self.inner.limits.participants);
        let handle = SessionHandle::spawn(
            session,
            self.inner.store.clone(),
            now_ms(),
            Some(self.inner.erased.clone()),
            self.inner.limits,
        );
        self.inner.sessions.insert(code.clone(), handle);
        tracing::info!(%code, "session created");
        Ok(created)
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
    /// author forgot them, or their meeting was deleted). A meeting that exists but does not
    /// answer (its storage failed) leaves everything as it is.
    async fn prune(&self, code: &JoinCode) {
        let Some(handle) = self.get(code) else {
            return;
        };
        let Some(link) = handle.series().cloned() else {
            return;
        };
        let mut available = Vec::new();
        let mut contributions = Vec::new();
        for earlier in &link.codes[..link.position] {
            if let Some(meeting) = self.get(earlier) {
                match (meeting.outcome().await, meeting.contribution().await) {
                    (Some(outcome), Some(contribution)) => {
                        available.extend(crate::domain::report::carried_from(&outcome));
                        contributions.push(contribution);
                    }
                    _ => return,
                }
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
                .and_then(crate::dates::Date::parse)
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
                if let Some(earlier) = registry.get(code)
                    && let Some(outcome) = earlier.outcome().await
                {
                    items.extend(crate::domain::report::carried_from(&outcome));
                    contributions.extend(earlier.contribution().await);
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
