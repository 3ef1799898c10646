//! One actor per live session: a task that owns the [`Session`] state and its connections, and
//! takes messages over a bounded channel. Socket tasks only do IO and forward here.
//!
//! Each turn the actor takes every message already waiting (up to a limit), applies them to the
//! pure core, appends the resulting events to the store in one write, and only after that write
//! is durable does it acknowledge operations and tell the screens. Broadcasts are serialised once
//! and the same bytes are shared by every connection; phones get step and timer changes and
//! their own acks, never other participants' moves; counts go to facilitator and projector only.

use std::collections::HashMap;

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{mpsc, oneshot};

use crate::audience::Audience;
use crate::clock::now_ms;
use crate::domain::{
    Applied, Carry, Command, Event, ParticipantId, Role, Scope, Seating, Session, TableId, Token,
};
use crate::protocol::{
    self, ClientMsg, Links, Opening, ParticipantCounts, ProgressView, ServerMsg, SessionInfo,
    StepPosition, StepView, TimerView, WireError,
};
use crate::store::{Store, StoreError};

/// Messages waiting for one actor before senders wait.
const MAILBOX: usize = 1024;
/// Most messages handled in one turn (and so in one store write).
const MAX_TURN: usize = 512;
/// Messages queued for one connection before it counts as too slow and is dropped.
pub const CONNECTION_QUEUE: usize = 256;
/// Events between two snapshots, at least; a large session waits for more (four per
/// participant), so writing its snapshot costs a bounded amount per event.
const SNAPSHOT_EVERY: usize = 1000;
/// Counts and staff-only activity views go out at most this often per session: each is
/// computed over every participant, so sending them every turn would cost O(N) per operation.
const STAFF_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// Identifies one connection within its session.
pub type ConnId = u64;

/// What the actor queues for a connection's writer task.
#[derive(Debug)]
pub enum Outgoing {
    /// A serialised message.
    Text(Utf8Bytes),
    /// Close with this code after everything queued before it.
    Close(u16),
}

/// What the actor holds to reach one connection's writer task.
#[derive(Debug)]
pub struct Outlet {
    /// Serialised messages, in order.
    pub messages: mpsc::Sender<Outgoing>,
    /// Tells the writer to close with this code now, ahead of anything queued.
    pub close: oneshot::Sender<u16>,
}

/// A participant's message allowance, shared by every connection they open (issue 13): ten
/// connections get what one gets.
pub type SharedBudget = std::sync::Arc<std::sync::Mutex<crate::limits::Allowance>>;

/// A connection let in: its id and, for a participant, the allowance it shares.
#[derive(Debug)]
pub struct Opened {
    /// The connection's id.
    pub conn: ConnId,
    /// The participant's shared message allowance; `None` for staff, who are not limited.
    pub budget: Option<SharedBudget>,
}

/// Why a connection was not let in.
#[derive(Debug)]
pub enum OpenError {
    /// Unknown token or participant identity.
    Unauthorized,
    /// The session refused (e.g. full); the error tells why.
    Refused(WireError),
    /// The session is gone.
    Gone,
}

enum ToActor {
    Open {
        opening: Opening,
        outlet: Outlet,
        reply: oneshot::Sender<Result<Opened, OpenError>>,
    },
    Message {
        conn: ConnId,
        msg: Result<ClientMsg, WireError>,
    },
    Closed {
        conn: ConnId,
    },
    Info {
        reply: oneshot::Sender<SessionInfo>,
    },
    People {
        reply: oneshot::Sender<protocol::ParticipantList>,
    },
    Outcome {
        scope: Scope,
        reply: oneshot::Sender<crate::outcome::Outcome>,
    },
    Carry {
        carry: Carry,
    },
    Prune {
        available: Carry,
        reply: oneshot::Sender<()>,
    },
    Contribution {
        reply: oneshot::Sender<crate::domain::follow::Contribution>,
    },
    Import {
        step: String,
        rows: Vec<crate::kinds::evaluation::EvalRow>,
        reply: oneshot::Sender<Result<(), ImportRefused>>,
    },
    PersonalPlan {
        request: PlanRequest,
        reply: oneshot::Sender<Result<crate::outcome::PersonalPlan, PlanRefused>>,
    },
    Delete {
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    Release {
        reply: oneshot::Sender<()>,
    },
    SetDate {
        date: Option<String>,
        reply: oneshot::Sender<Result<(), NotDated>>,
    },
}

/// Why a meeting's day was not set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotDated {
    /// Not a real day (`YYYY-MM-DD`).
    Invalid,
    /// The store refused it: `true` when its disk is full.
    NotStored(bool),
    /// The session is gone.
    Gone,
}

/// Why a personal plan is not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanRefused {
    /// The owner's secret is wrong, or no such participant.
    Unauthorized,
    /// No such plan step or plan, or (for the facilitator) the owner has not shared it.
    NotFound,
}

/// Why an evaluation's figures were not taken in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportRefused {
    /// The session has no step with that id.
    NoStep,
    /// The step is not an evaluation step.
    NotEvaluation,
    /// The core refused the rows (a row below `min_group`, too many rows).
    Refused(crate::domain::RuleError),
    /// The session is gone, or its store could not keep them.
    NotStored,
}

/// Whose personal plan, asked by whom.
#[derive(Debug)]
pub struct PlanRequest {
    /// The plan's owner.
    pub participant: ParticipantId,
    /// The owner's secret, or `None` when the facilitator asks (then the plan must be shared).
    pub secret: Option<Token>,
    /// Step id of the personal-plan step; the first such step when `None`.
    pub step: Option<String>,
}

/// A cloneable handle to a session actor.
#[derive(Clone, Debug)]
pub struct SessionHandle {
    tx: mpsc::Sender<ToActor>,
    facilitator_token: Token,
    join_url: std::sync::Arc<str>,
    facilitator_url: std::sync::Arc<str>,
    projector_url: std::sync::Arc<str>,
    series_export_url: Option<std::sync::Arc<str>>,
    programme: std::sync::Arc<crate::content::Programme>,
    lang: crate::domain::Lang,
    series: Option<std::sync::Arc<crate::domain::SeriesLink>>,
    /// The day set for the meeting (`YYYY-MM-DD`), if any: as created, then as the facilitator
    /// changed it (the actor updates it after every turn).
    planned: std::sync::Arc<std::sync::Mutex<Option<std::sync::Arc<str>>>>,
    /// Results show from this many answers.
    min_group: u32,
    /// When items were last carried in from earlier meetings (ms since the epoch).
    last_carry: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// When the session last stored a change (ms since the epoch), for retention.
    last_active: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// The sequence number screens were last told, for refusals sent outside the actor.
    seq: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for ToActor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ToActor")
    }
}

impl SessionHandle {
    /// Starts the actor for `session` (new or restored from the store), last active at
    /// `last_active_ms`.
    ///
    /// After every erasing write (someone forgot their answers) the actor sends its code on
    /// `erased`, so that the copies later meetings of its series carried can be erased too
    /// (see `Registry::prune_after`).
    ///
    /// `max_bytes` is the session's storage budget: once what it has stored (its last snapshot
    /// and the events since) reaches it, participants' commands are refused with
    /// `storage_budget` until a snapshot is smaller again; staff commands always pass.
    pub fn spawn(
        session: Session,
        store: Store,
        last_active_ms: i64,
        erased: Option<mpsc::UnboundedSender<crate::domain::JoinCode>>,
        limits: crate::limits::SessionLimits,
    ) -> Self {
        let last_active = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(last_active_ms));
        let seq = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(session.seq()));
        let (tx, rx) = mpsc::channel(MAILBOX);
        let facilitator_token = session.created().facilitator_token.clone();
        let join_url: std::sync::Arc<str> = crate::links::join(session.created()).into();
        let facilitator_url = crate::links::facilitator(session.created()).into();
        let projector_url = crate::links::projector(session.created()).into();
        let series_export_url = crate::links::series_export(session.created()).map(Into::into);
        let programme = std::sync::Arc::new(session.programme().clone());
        let lang = session.created().lang;
        let series = session.created().series.clone().map(std::sync::Arc::new);
        let planned = std::sync::Arc::new(std::sync::Mutex::new(session.planned().map(Into::into)));
        let min_group = session.created().min_group;
        // What a restored session holds is about its state's size; a new one holds nothing.
        let stored_bytes = if session.seq() == 0 {
            0
        } else {
            serde_json::to_string(&session).map_or(0, |s| s.len())
        };
        let actor = SessionActor {
            stored_bytes,
            max_bytes: limits.bytes,
            projector_url: crate::links::projector(session.created()),
            join_url: join_url.to_string(),
            since_snapshot: 0,
            staff_owed: StaffOwed::default(),
            staff_sent: None,
            session,
            store,
            rx,
            conns: HashMap::new(),
            next_conn: 0,
            connected: HashMap::new(),
            budgets: HashMap::new(),
            joins: crate::limits::Allowance::new(limits.joins, std::time::Instant::now()),
            last_active: last_active.clone(),
            seq: seq.clone(),
            erased,
            erased_again: Default::default(),
            planned: planned.clone(),
        };
        tokio::spawn(actor.run());
        SessionHandle {
            tx,
            facilitator_token,
            join_url,
            facilitator_url,
            projector_url,
            series_export_url,
            programme,
            lang,
            series,
            planned,
            min_group,
            last_carry: Default::default(),
            last_active,
            seq,
        }
    }

    /// The sequence number screens were last told (what an error sent by the connection's
    /// own task, such as `rate_limited`, carries).
    pub fn seq(&self) -> u64 {
        self.seq.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// When the session last stored a change (ms since the epoch).
    pub fn last_active_ms(&self) -> i64 {
        self.last_active.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The series this meeting belongs to.
    pub fn series(&self) -> Option<&crate::domain::SeriesLink> {
        self.series.as_deref()
    }

    /// The day set for the meeting (`YYYY-MM-DD`), if any, as it is now.
    pub fn planned(&self) -> Option<std::sync::Arc<str>> {
        self.planned
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Sets the meeting's day (`YYYY-MM-DD`) or clears it (`None`); returns once it is stored.
    pub async fn set_date(&self, date: Option<String>) -> Result<(), NotDated> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(ToActor::SetDate { date, reply })
            .await
            .map_err(|_| NotDated::Gone)?;
        // A reply dropped unanswered: the session stopped before it was stored.
        answer.await.unwrap_or(Err(NotDated::NotStored(false)))
    }

    /// Whether it is time to carry items in from earlier meetings again (at most every five
    /// seconds); claims the turn when it is.
    pub fn carry_due(&self) -> bool {
        use std::sync::atomic::Ordering;
        let now = now_ms();
        let last = self.last_carry.load(Ordering::Relaxed);
        now - last >= 5_000
            && self
                .last_carry
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }

    /// Results show from this many answers (`min_group`, fixed at creation).
    pub fn min_group(&self) -> u32 {
        self.min_group
    }

    /// Replaces what was carried in from earlier meetings (stored only if it changed). The
    /// server's own command: no screen's, and not the facilitator's.
    pub async fn carry(&self, carry: impl Into<Carry>) {
        let carry = carry.into();
        let _ = self.tx.send(ToActor::Carry { carry }).await;
    }

    /// What the meeting hands on to later ones (issue 17): its accepted rows, its review's
    /// verdicts, its scale results, and what it received; `None` when it is gone.
    pub async fn contribution(&self) -> Option<crate::domain::follow::Contribution> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(ToActor::Contribution { reply }).await.ok()?;
        answer.await.ok()
    }

    /// Takes in an evaluation step's figures (already read and checked), replacing those
    /// before, as the facilitator's change: returns once it is stored.
    pub async fn import(
        &self,
        step: String,
        rows: Vec<crate::kinds::evaluation::EvalRow>,
    ) -> Result<(), ImportRefused> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(ToActor::Import { step, rows, reply })
            .await
            .map_err(|_| ImportRefused::NotStored)?;
        answer.await.map_err(|_| ImportRefused::NotStored)?
    }

    /// Removes from what was carried in every item that `available` (what the earlier meetings
    /// produce now) no longer holds, counting copies — and every row and point of a meeting or
    /// row no longer there; what leaves is erased from the files. Returns once that is stored
    /// (or the session is gone).
    pub async fn prune_carried(&self, available: impl Into<Carry>) {
        let available = available.into();
        let (reply, done) = oneshot::channel();
        if self
            .tx
            .send(ToActor::Prune { available, reply })
            .await
            .is_ok()
        {
            let _ = done.await;
        }
    }

    /// The programme as the session was created with it.
    pub fn programme(&self) -> &crate::content::Programme {
        &self.programme
    }

    /// The session's language.
    pub fn lang(&self) -> crate::domain::Lang {
        self.lang
    }

    /// The participants' join link (what the QR code and the invitation carry).
    pub fn join_url(&self) -> &str {
        &self.join_url
    }

    /// The facilitator console's link, with the token (for the series page).
    pub fn facilitator_url(&self) -> &str {
        &self.facilitator_url
    }

    /// The projector view's link, with its token (for the series page).
    pub fn projector_url(&self) -> &str {
        &self.projector_url
    }

    /// The combined export of the series the meeting belongs to.
    pub fn series_export_url(&self) -> Option<&str> {
        self.series_export_url.as_deref()
    }

    /// Whether `token` is this session's facilitator token.
    pub fn is_facilitator(&self, token: &Token) -> bool {
        self.facilitator_token.matches(token)
    }

    /// Lets a connection in; returns its id (and a participant's shared allowance), after
    /// which its `outlet` receives messages.
    pub async fn open(&self, opening: Opening, outlet: Outlet) -> Result<Opened, OpenError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(ToActor::Open {
                opening,
                outlet,
                reply,
            })
            .await
            .map_err(|_| OpenError::Gone)?;
        answer.await.map_err(|_| OpenError::Gone)?
    }

    /// Forwards a client message, or the reason it could not be read. Returns false when the
    /// session is gone.
    pub async fn message(&self, conn: ConnId, msg: Result<ClientMsg, WireError>) -> bool {
        self.tx.send(ToActor::Message { conn, msg }).await.is_ok()
    }

    /// Tells the actor a connection ended.
    pub async fn closed(&self, conn: ConnId) {
        let _ = self.tx.send(ToActor::Closed { conn }).await;
    }

    /// The session's position and counts; `None` when it is gone.
    pub async fn info(&self) -> Option<SessionInfo> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(ToActor::Info { reply }).await.ok()?;
        answer.await.ok()
    }

    /// Everyone in, by number, and whether the door is closed (issue 13); `None` when gone.
    pub async fn people(&self) -> Option<protocol::ParticipantList> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(ToActor::People { reply }).await.ok()?;
        answer.await.ok()
    }

    /// The session's shareable outcome now (the hall's); `None` when it is gone.
    pub async fn outcome(&self) -> Option<crate::outcome::Outcome> {
        self.outcome_in(Scope::Hall).await
    }

    /// The shareable outcome of the hall or of one table now; `None` when the session is gone
    /// (or has no such table).
    pub async fn outcome_in(&self, scope: Scope) -> Option<crate::outcome::Outcome> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(ToActor::Outcome { scope, reply }).await.ok()?;
        answer.await.ok()
    }

    /// A personal plan, if the asker may see it.
    pub async fn personal_plan(
        &self,
        request: PlanRequest,
    ) -> Result<crate::outcome::PersonalPlan, PlanRefused> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(ToActor::PersonalPlan { request, reply })
            .await
            .map_err(|_| PlanRefused::NotFound)?;
        answer.await.map_err(|_| PlanRefused::NotFound)?
    }

    /// Stops the actor after its current turn: every screen is closed with `1001` and comes
    /// back by itself (with a shared store, to whichever node runs the session next). Returns
    /// once the actor stopped: nothing more of the session is written.
    pub async fn release(&self) {
        let (reply, done) = oneshot::channel();
        if self.tx.send(ToActor::Release { reply }).await.is_ok() {
            let _ = done.await;
        }
    }

    /// Whether the actor stopped (deleted, released, or its store failed).
    pub fn is_stopped(&self) -> bool {
        self.tx.is_closed()
    }

    /// Deletes the session from the store, tells every screen, and stops the actor.
    pub async fn delete(&self) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        let gone = || StoreError::gone();
        self.tx
            .send(ToActor::Delete { reply })
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

struct Conn {
    /// Who gives this connection's commands; `None` for a preview, which may give none.
    role: Option<Role>,
    /// Whom its screen shows things to.
    audience: Audience,
    /// What it shows: the hall, or one table (a table screen, a seated participant's phone,
    /// the console watching a table).
    scope: Scope,
    messages: mpsc::Sender<Outgoing>,
    close: Option<oneshot::Sender<u16>>,
}

/// What a turn owes the screens once its events are durable.
#[derive(Default)]
struct Owed {
    snapshots: Vec<ConnId>,
    replies: Vec<(ConnId, Reply)>,
    step: bool,
    timer: bool,
    progress: bool,
    /// Where the current step's activity changed in a way every screen sees.
    activity: Touched,
    /// Where the current step's activity changed in a way only facilitator and projector see.
    activity_staff: Touched,
    /// Participants whose seat or host role changed: their screens get a fresh snapshot.
    reseated: Vec<ParticipantId>,
    /// Items from earlier meetings changed: every screen gets a fresh snapshot.
    carried: bool,
    /// Someone deleted their answers (or carried items left): this turn is stored as a
    /// snapshot and the events before it are erased from the files. Set by a repeated forget
    /// too, whose erasing write is then done again.
    erase: bool,
    /// Participants the facilitator removed: their connections are told and closed.
    removed: Vec<ParticipantId>,
    /// Replies owed once this turn is stored (pruned carried items).
    stored: Vec<oneshot::Sender<()>>,
    /// Replies to a new day for the meeting, owed once it is stored (refused if it is not).
    dated: Vec<oneshot::Sender<Result<(), NotDated>>>,
    /// Evaluation figures taken in: told once this turn is stored.
    imported: Vec<oneshot::Sender<Result<(), ImportRefused>>>,
    delete: Option<oneshot::Sender<Result<(), StoreError>>>,
    /// The actor stops once this turn is stored and told.
    release: Option<oneshot::Sender<()>>,
}

enum Reply {
    Ack(String),
    Error(WireError),
}

/// Where something changed: nowhere, some scopes, or everywhere. In a session with tables, a
/// screen of the hall shows every table side by side, so it hears of a change at any table.
#[derive(Default, Clone, Debug)]
struct Touched {
    all: bool,
    scopes: std::collections::BTreeSet<Scope>,
}

impl Touched {
    fn add(&mut self, scope: Scope) {
        self.scopes.insert(scope);
    }

    fn any(&self) -> bool {
        self.all || !self.scopes.is_empty()
    }

    fn merge(&mut self, other: &Touched) {
        self.all |= other.all;
        self.scopes.extend(other.scopes.iter().copied());
    }

    /// Whether a screen showing `scope` must hear of it (`tables`: the session has tables).
    fn reaches(&self, scope: Scope, tables: bool) -> bool {
        self.all
            || self.scopes.contains(&scope)
            || (tables && scope == Scope::Hall && !self.scopes.is_empty())
    }
}

struct SessionActor {
    /// The meeting's day as its handles read it (see [`SessionHandle::planned`]).
    planned: std::sync::Arc<std::sync::Mutex<Option<std::sync::Arc<str>>>>,
    session: Session,
    store: Store,
    rx: mpsc::Receiver<ToActor>,
    conns: HashMap<ConnId, Conn>,
    next_conn: ConnId,
    /// Open connections per participant; its length is the "connected" count.
    connected: HashMap<ParticipantId, usize>,
    /// Each participant's message allowance, shared by all their connections.
    budgets: HashMap<ParticipantId, SharedBudget>,
    /// The session's join allowance (`--joins-per-second`).
    joins: crate::limits::Allowance,
    last_active: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// The handle's copy of the sequence number screens were told.
    seq: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Told this session's code after each erasing write (see [`SessionHandle::spawn`]).
    erased: Option<mpsc::UnboundedSender<crate::domain::JoinCode>>,
    /// Participants whose repeated forget was erased again since the actor started.
    erased_again: std::collections::HashSet<ParticipantId>,
    join_url: String,
    projector_url: String,
    since_snapshot: usize,
    /// Bytes the session holds in the store: its last snapshot and the events written since.
    stored_bytes: usize,
    /// The storage budget (`--max-session-mib`), see [`SessionHandle::spawn`].
    max_bytes: usize,
    /// Staff updates held back by [`STAFF_EVERY`].
    staff_owed: StaffOwed,
    /// When staff updates last went out.
    staff_sent: Option<tokio::time::Instant>,
}

/// Staff-only updates waiting for their turn.
#[derive(Default, Clone)]
struct StaffOwed {
    progress: bool,
    activity: Touched,
}

impl SessionActor {
    async fn run(mut self) {
        let mut turn = Vec::with_capacity(MAX_TURN);
        loop {
            let received = match self.staff_due() {
                Some(due) => tokio::select! {
                    n = self.rx.recv_many(&mut turn, MAX_TURN) => Some(n),
                    () = tokio::time::sleep_until(due) => None,
                },
                None => Some(self.rx.recv_many(&mut turn, MAX_TURN).await),
            };
            let Some(received) = received else {
                let mut slow = Vec::new();
                self.send_staff_updates(&mut slow);
                self.drop_slow(slow);
                continue;
            };
            if received == 0 {
                break;
            }
            if self.stored_bytes >= self.max_bytes && self.since_snapshot > 0 {
                self.compact().await;
            }
            let before = self.session.seq();
            let mut events = Vec::new();
            let mut owed = Owed::default();
            for msg in turn.drain(..) {
                self.handle(msg, &mut events, &mut owed);
            }
            let release = owed.release.take();
            if !events.is_empty() || owed.erase {
                self.since_snapshot += events.len();
                let every = SNAPSHOT_EVERY.max(4 * self.session.participants().len());
                let snapshot =
                    (self.since_snapshot >= every || owed.erase).then_some(&self.session);
                let with_snapshot = snapshot.is_some();
                let code = self.session.created().code.clone();
                let stored = if owed.erase {
                    self.store
                        .append_erasing(&code, before + 1, &events, &self.session)
                        .await
                } else {
                    self.store
                        .append(&code, before + 1, &events, snapshot)
                        .await
                };
                match stored {
                    Ok(written) => {
                        if with_snapshot {
                            self.since_snapshot = 0;
                            self.stored_bytes = written;
                        } else {
                            self.stored_bytes += written;
                        }
                        if owed.erase {
                            self.erased_copies();
                        }
                        if owed.erase || events.iter().any(Event::is_activity) {
                            self.last_active
                                .store(now_ms(), std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                    // Nothing of this turn is acknowledged. Go back to what is stored and keep
                    // serving (reads, exports and a delete work on a full disk too); only if
                    // even that cannot be read does the session stop until a restart.
                    Err(e) => match self.store.load(&code).await {
                        Ok(stored) => {
                            tracing::error!(code = %code, error = %e, "could not store; the turn is refused");
                            owed = self.roll_back(stored, owed, &e);
                        }
                        Err(load) => {
                            tracing::error!(code = %code, error = %e, reload = %load, "could not store; the session stops until restart");
                            self.fail(owed);
                            return;
                        }
                    },
                }
            }
            for reply in owed.stored.drain(..) {
                let _ = reply.send(());
            }
            for reply in owed.dated.drain(..) {
                let _ = reply.send(Ok(()));
            }
            for reply in owed.imported.drain(..) {
                let _ = reply.send(Ok(()));
            }
            let delete = owed.delete.take();
            self.seq
                .store(self.session.seq(), std::sync::atomic::Ordering::Relaxed);
            self.share_planned();
            self.deliver(owed);
            if let Some(reply) = delete {
                let result = self.store.delete(&self.session.created().code).await;
                if result.is_ok() {
                    let bytes = Utf8Bytes::from(
                        ServerMsg::Deleted {
                            seq: self.session.seq(),
                        }
                        .to_json(),
                    );
                    for conn in self.conns.values_mut() {
                        let told = conn
                            .messages
                            .try_send(Outgoing::Text(bytes.clone()))
                            .is_ok()
                            && conn
                                .messages
                                .try_send(Outgoing::Close(protocol::CLOSE_NOT_FOUND))
                                .is_ok();
                        if !told && let Some(close) = conn.close.take() {
                            let _ = close.send(protocol::CLOSE_NOT_FOUND);
                        }
                    }
                    let _ = reply.send(Ok(()));
                    return;
                }
                let _ = reply.send(result);
            }
            if let Some(reply) = release {
                self.close_all(protocol::CLOSE_GOING_AWAY);
                let _ = reply.send(());
                return;
            }
        }
    }

    fn handle(&mut self, msg: ToActor, events: &mut Vec<Event>, owed: &mut Owed) {
        match msg {
            ToActor::Open {
                opening,
                outlet,
                reply,
            } => {
                let result = self.open(opening, outlet, events, owed);
                let _ = reply.send(result);
            }
            ToActor::Message { conn, msg } => {
                let Some(role) = self.conns.get(&conn).map(|c| c.role) else {
                    return;
                };
                if let Ok(ClientMsg::Watch { table }) = msg {
                    self.watch(conn, role, table, owed);
                    return;
                }
                let mut command = msg.and_then(|m| m.into_command(now_ms()));
                // A random seating draws from the server, not the screen.
                if let Ok(Command::Seating {
                    seating: Seating::Shuffle { seed, .. },
                    ..
                }) = &mut command
                {
                    *seed = rand::random();
                }
                let reply = match (command, role) {
                    (Err(e), _) => Reply::Error(e),
                    // A preview may look, not act.
                    (Ok(command), None) => Reply::Error(WireError::rule(
                        command.op(),
                        &crate::domain::RuleError::NotAllowed,
                    )),
                    (Ok(command), Some(role)) => self.command(role, command, events, owed),
                };
                owed.replies.push((conn, reply));
            }
            ToActor::Closed { conn } => self.drop_conn(conn, owed),
            ToActor::Info { reply } => {
                let step = self.session.step();
                let _ = reply.send(SessionInfo {
                    code: self.session.created().code.to_string(),
                    programme: self.session.programme().id.clone(),
                    date: self.session.planned().map(str::to_owned),
                    meeting_date: self.session.meeting_date(),
                    step: StepPosition {
                        index: self.session.step_index(),
                        id: step.id.clone(),
                        kind: step.kind.as_str().to_owned(),
                    },
                    participants: ParticipantCounts {
                        joined: self.session.joined(),

                        connected: self.connected.len(),
                        named: self
                            .session
                            .participants()
                            .iter()
                            .filter_map(|p| {
                                Some(protocol::NamedParticipant {
                                    name: p.name.as_ref()?.as_str().to_owned(),
                                    connected: self.connected.contains_key(&p.id),
                                    ready: p.ready.contains(&step.id),
                                    table: p.table.map(|t| t.number()),
                                })
                            })
                            .collect(),
                    },
                });
            }
            ToActor::People { reply } => {
                let step = self.session.step();
                let everyone = self
                    .session
                    .participants()
                    .iter()
                    .filter(|p| !p.removed)
                    .map(|p| protocol::ListedParticipant {
                        id: p.id.to_string(),
                        number: p.id.index() + 1,
                        name: p.name.as_ref().map(|n| n.as_str().to_owned()),
                        connected: self.connected.contains_key(&p.id),
                        ready: p.ready.contains(&step.id),
                        table: p.table.map(|t| t.number()),
                        host: self.session.hosts(p.id),
                    })
                    .collect();
                let _ = reply.send(protocol::ParticipantList {
                    everyone,
                    closed: self.session.is_closed(),
                });
            }
            ToActor::Carry { carry } => match self.carry(carry, owed) {
                Ok(new) => {
                    self.owe(&new, owed);
                    events.extend(new);
                }
                Err(e) => tracing::warn!(
                    code = %self.session.created().code,
                    error = %e,
                    "items from earlier meetings refused"
                ),
            },
            ToActor::Prune { available, reply } => {
                let kept = prune_carry(&self.session.carried_in(), available);
                match self.carry(kept, owed) {
                    Ok(new) => {
                        self.owe(&new, owed);
                        events.extend(new);
                    }
                    Err(e) => tracing::warn!(error = %e, "carried items could not be pruned"),
                }
                owed.stored.push(reply);
            }
            ToActor::Contribution { reply } => {
                let _ = reply.send(self.session.contribution());
            }
            ToActor::Import { step, rows, reply } => {
                let kind = self.session.programme().step(&step).map(|(_, s)| s.kind);
                let refused = match kind {
                    None => Some(ImportRefused::NoStep),
                    Some(crate::content::StepKind::Evaluation) => None,
                    Some(_) => Some(ImportRefused::NotEvaluation),
                };
                if let Some(refused) = refused {
                    let _ = reply.send(Err(refused));
                    return;
                }
                // The facilitator's change like any other, under an op id of the server's.
                let op =
                    crate::domain::OpId::parse(&format!("import-{:016x}", rand::random::<u64>()))
                        .expect("a valid op id");
                let command = Command::Activity {
                    op,
                    step,
                    action: crate::domain::Action::Import { rows },
                    table: None,
                };
                match self.session.apply(Role::Facilitator, command) {
                    Ok(Applied::Events(new)) => {
                        self.owe(&new, owed);
                        events.extend(new);
                        owed.imported.push(reply);
                    }
                    Ok(Applied::Duplicate) => {
                        let _ = reply.send(Ok(()));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(ImportRefused::Refused(e)));
                    }
                }
            }
            ToActor::Outcome { scope, reply } => {
                let exists = scope
                    .table()
                    .is_none_or(|t| t.index() < self.session.tables().len());
                if exists {
                    let _ = reply.send(self.session.outcome_in(scope));
                }
            }
            ToActor::PersonalPlan { request, reply } => {
                let _ = reply.send(self.personal_plan(request));
            }
            ToActor::Delete { reply } => owed.delete = Some(reply),
            ToActor::Release { reply } => owed.release = Some(reply),
            ToActor::SetDate { date, reply } => match self.session.set_date(date.as_deref()) {
                Ok(new) => {
                    self.owe(&new, owed);
                    events.extend(new);
                    owed.dated.push(reply);
                }
                Err(_) => {
                    let _ = reply.send(Err(NotDated::Invalid));
                }
            },
        }
    }

    fn open(
        &mut self,
        opening: Opening,
        outlet: Outlet,
        events: &mut Vec<Event>,
        owed: &mut Owed,
    ) -> Result<Opened, OpenError> {
        let mut preview = false;
        let mut screen = Scope::Hall;
        let role = match opening {
            Opening::Staff {
                token,
                preview: wants_preview,
                table,
            } => {
                let role = self
                    .session
                    .role_of(&token)
                    .ok_or(OpenError::Unauthorized)?;
                // A preview sees what a phone sees before joining: participant views, no
                // answers of anyone, and it may do nothing (see `ToActor::Message`).
                preview = wants_preview;
                if let Some(t) = table {
                    if t.index() >= self.session.tables().len() {
                        return Err(OpenError::Refused(WireError {
                            op: None,
                            code: "no_table",
                            message: format!("this meeting has no table {t}"),
                        }));
                    }
                    screen = Scope::Table(t);
                }
                role
            }
            Opening::Resume {
                participant,
                secret,
            } => match self.session.participant(participant) {
                Some(p) if p.owns(&secret) => Role::Participant(participant),
                _ => return Err(OpenError::Unauthorized),
            },
            Opening::Join { name } => {
                // A closed or full session says so; one that takes newcomers takes them at a
                // pace (the refused phone tries again by itself).
                let open = !self.session.is_closed() && !self.session.is_full();
                if open && !self.joins.take(std::time::Instant::now()) {
                    return Err(OpenError::Refused(WireError::busy()));
                }
                let secret = Token::random(&mut rand::rng());
                let command = Command::Join {
                    secret,
                    name,
                    at_ms: now_ms(),
                };
                match self.session.apply(Role::Newcomer, command) {
                    Ok(Applied::Events(new)) => {
                        let id = match new.first() {
                            Some(Event::Joined { participant, .. }) => *participant,
                            _ => unreachable!("a join records a Joined event"),
                        };
                        events.extend(new);
                        Role::Participant(id)
                    }
                    Ok(Applied::Duplicate) => unreachable!("a join carries no op id"),
                    Err(e) => return Err(OpenError::Refused(WireError::rule(None, &e))),
                }
            }
        };
        let id = self.next_conn;
        self.next_conn += 1;
        let mut budget = None;
        if let Role::Participant(p) = role {
            *self.connected.entry(p).or_default() += 1;
            owed.progress = true;
            budget = Some(
                self.budgets
                    .entry(p)
                    .or_insert_with(|| {
                        std::sync::Arc::new(std::sync::Mutex::new(crate::limits::Allowance::new(
                            crate::limits::MESSAGES,
                            std::time::Instant::now(),
                        )))
                    })
                    .clone(),
            );
        }
        let scope = match role {
            Role::Participant(p) => self.session.scope_of(p).unwrap_or(Scope::Hall),
            _ => screen,
        };
        self.conns.insert(
            id,
            Conn {
                role: (!preview).then_some(role),
                audience: Audience::of(role, preview),
                scope,
                messages: outlet.messages,
                close: Some(outlet.close),
            },
        );
        owed.snapshots.push(id);
        Ok(Opened { conn: id, budget })
    }

    fn command(
        &mut self,
        actor: Role,
        command: Command,
        events: &mut Vec<Event>,
        owed: &mut Owed,
    ) -> Reply {
        let op = command.op().cloned();
        let forgets = matches!(command, Command::Forget { .. });
        // A spent storage budget stops what participants would add; forgetting removes.
        if self.stored_bytes >= self.max_bytes && matches!(actor, Role::Participant(_)) && !forgets
        {
            return Reply::Error(WireError::storage_budget(op.as_ref()));
        }
        // A step change stops the step's countdown: the screens hear of it like a stop.
        let timer = self.session.timer();
        let applied = self.session.apply(actor, command);
        owed.timer |= self.session.timer() != timer;
        match applied {
            Ok(Applied::Events(new)) => {
                self.owe(&new, owed);
                events.extend(new);
                Reply::Ack(op.map(|o| o.as_str().to_owned()).unwrap_or_default())
            }
            Ok(Applied::Duplicate) => {
                // A forget sent again (its ack was lost, perhaps in a crash): the erase is done
                // again, so that it is complete whatever cut the first one short — once per
                // participant while the actor runs, so resending cannot make it write snapshots
                // over and over.
                if forgets
                    && let Role::Participant(p) = actor
                    && self.erased_again.insert(p)
                {
                    owed.erase = true;
                }
                Reply::Ack(op.map(|o| o.as_str().to_owned()).unwrap_or_default())
            }
            Err(e) => Reply::Error(WireError::rule(op.as_ref(), &e)),
        }
    }

    /// The storage budget is spent and events were written since the last snapshot: a snapshot
    /// alone may hold less (an answer changed a hundred times is one answer in it), so write one
    /// before refusing anything. Should it fail, the next turn tries again.
    async fn compact(&mut self) {
        let code = self.session.created().code.clone();
        let seq = self.session.seq();
        match self
            .store
            .append(&code, seq + 1, &[], Some(&self.session))
            .await
        {
            Ok(written) => {
                self.stored_bytes = written;
                self.since_snapshot = 0;
            }
            Err(e) => tracing::warn!(code = %code, error = %e, "could not compact the session"),
        }
    }

    /// Replaces what is carried in with `carry`; when any item, row or point leaves, the turn
    /// is stored erasing, so that its text stays in no file.
    fn carry(
        &mut self,
        carry: Carry,
        owed: &mut Owed,
    ) -> Result<Vec<Event>, crate::domain::RuleError> {
        let before = self.session.carried_in();
        let new = self.session.carry(carry)?;
        owed.erase |= prune_carry(&before, self.session.carried_in()) != before;
        Ok(new)
    }

    /// After an erasing write: later meetings of the series may hold copies of what was
    /// erased; the registry is told to prune them.
    fn erased_copies(&self) {
        let created = self.session.created();
        if let (Some(erased), Some(link)) = (&self.erased, &created.series)
            && link.position + 1 < link.codes.len()
        {
            let _ = erased.send(created.code.clone());
        }
    }

    /// Notes what the screens must be told about `new` events, once they are durable.
    fn owe(&self, new: &[Event], owed: &mut Owed) {
        let session = &self.session;
        let current = session.step_index();
        for event in new {
            // An erasing event: the events before it are erased from the files.
            owed.erase |= event.erases();
            match event {
                Event::Carried { .. } => owed.carried = true,
                Event::StepChanged { .. } => {
                    owed.step = true;
                    owed.progress = true;
                }
                Event::TimerStarted { .. } | Event::TimerStopped { .. } => owed.timer = true,
                Event::Answered {
                    step, participant, ..
                } => {
                    owed.progress = true;
                    if *step == session.step().id
                        && let Some(scope) = session.scope_of(*participant)
                    {
                        owed.activity_staff.add(scope);
                    }
                }
                Event::ReadyChanged { .. } | Event::Joined { .. } | Event::DoorSet { .. } => {
                    owed.progress = true
                }
                Event::Removed { participant, .. } => {
                    owed.progress = true;
                    owed.removed.push(*participant);
                }
                // Only the facilitator's snapshot says the day: each of their screens gets one.
                Event::DateSet { .. } => owed.snapshots.extend(
                    self.conns
                        .iter()
                        .filter(|(_, c)| c.role == Some(Role::Facilitator))
                        .map(|(id, _)| *id),
                ),
                Event::Forgot { .. } => {
                    owed.progress = true;
                    owed.activity.all = true;
                }
                Event::Changed {
                    step,
                    change,
                    table,
                    ..
                } => {
                    // On a review, a plan's rows say which reviewed rows were carried on
                    // (issue 17): a change to a plan shows there too.
                    let review_shows = session.step().kind == crate::content::StepKind::Review
                        && session
                            .programme()
                            .steps
                            .get(*step)
                            .is_some_and(|s| s.kind == crate::content::StepKind::Plan);
                    if *step == current || review_shows {
                        // A change in the hall of a session with tables (a reveal, the dot
                        // vote, merges) concerns every table.
                        let touched = if table.is_none() && session.has_tables() {
                            Touched {
                                all: true,
                                ..Touched::default()
                            }
                        } else {
                            let mut one = Touched::default();
                            one.add(Scope::of(*table));
                            one
                        };
                        if Audience::Phone.hears_of(change) {
                            owed.activity.merge(&touched);
                        } else {
                            owed.activity_staff.merge(&touched);
                        }
                    }
                }
                // Rare: tables set up or changed — every screen starts again from a snapshot.
                Event::TablesSet { .. } => owed.carried = true,
                Event::Seated { seats, .. } => {
                    // The seated get a fresh snapshot; their tables' screens and the hall's
                    // hear of it (the tables they left change only in what the staff see).
                    owed.progress = true;
                    owed.activity_staff.all = true;
                    for (p, table) in seats {
                        owed.reseated.push(*p);
                        owed.activity.add(Scope::of(*table));
                    }
                }
                Event::HostSet { table, .. } => {
                    owed.progress = true;
                    owed.activity.add(Scope::Table(*table));
                    owed.reseated.extend(session.members(*table));
                }
            }
        }
    }

    /// The console watches a table (or the hall again): its screen shows that scope from now
    /// on, starting with a fresh snapshot. Only the facilitator's console may change what it
    /// watches; a table screen is opened for its table.
    fn watch(&mut self, conn: ConnId, role: Option<Role>, table: Option<u16>, owed: &mut Owed) {
        let scope = match table {
            None => Some(Scope::Hall),
            Some(n) => TableId::from_number(n)
                .filter(|t| t.index() < self.session.tables().len())
                .map(Scope::Table),
        };
        let refusal = match (role, scope) {
            (Some(Role::Facilitator), Some(scope)) => {
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.scope = scope;
                }
                owed.snapshots.push(conn);
                return;
            }
            (Some(Role::Facilitator), None) => WireError {
                op: None,
                code: "no_table",
                message: "this meeting has no such table".into(),
            },
            _ => WireError::rule(None, &crate::domain::RuleError::NotAllowed),
        };
        owed.replies.push((conn, Reply::Error(refusal)));
    }

    fn personal_plan(
        &self,
        request: PlanRequest,
    ) -> Result<crate::outcome::PersonalPlan, PlanRefused> {
        let session = &self.session;
        // The owner's own download: an unknown participant or a wrong secret are one refusal.
        let participant = session.participant(request.participant);
        if let Some(secret) = &request.secret
            && !participant.is_some_and(|p| p.owns(secret))
        {
            return Err(PlanRefused::Unauthorized);
        }
        self.plan_of(request).ok_or(PlanRefused::NotFound)
    }

    /// The plan a request may have, if there is one (the secret, if any, is checked).
    fn plan_of(&self, request: PlanRequest) -> Option<crate::outcome::PersonalPlan> {
        let session = &self.session;
        let participant = session.participant(request.participant)?;
        let steps = &session.programme().steps;
        let index = match &request.step {
            Some(id) => session.programme().step(id)?.0,
            None => steps
                .iter()
                .position(|s| s.kind == crate::content::StepKind::PersonalPlan)?,
        };
        let allowed = match &request.secret {
            Some(secret) => participant.owns(secret),
            None => participant.plan_shared.contains(&steps[index].id),
        };
        if allowed {
            session.personal_plan(request.participant, index)
        } else {
            None
        }
    }

    /// Forgets a connection, keeping the connected counts right.
    fn forget(&mut self, conn: ConnId) -> Option<Conn> {
        let removed = self.conns.remove(&conn)?;
        if let Some(Role::Participant(p)) = removed.role
            && let Some(n) = self.connected.get_mut(&p)
        {
            *n -= 1;
            if *n == 0 {
                self.connected.remove(&p);
            }
        }
        Some(removed)
    }

    fn drop_conn(&mut self, conn: ConnId, owed: &mut Owed) {
        if let Some(removed) = self.forget(conn) {
            owed.progress |= matches!(removed.role, Some(Role::Participant(_)));
        }
    }

    /// Sends what the turn owes, now that its events are durable.
    fn deliver(&mut self, mut owed: Owed) {
        let seq = self.session.seq();
        let mut slow = Vec::new();
        // Participants seated elsewhere (or made hosts) see their new table from now on.
        if !owed.reseated.is_empty() {
            for (id, conn) in &mut self.conns {
                if let Some(Role::Participant(p)) = conn.role
                    && owed.reseated.contains(&p)
                {
                    conn.scope = self.session.scope_of(p).unwrap_or(Scope::Hall);
                    owed.snapshots.push(*id);
                }
            }
        }
        if owed.carried {
            // Rare (a meeting of a series opens, tables are set up): everyone gets a fresh
            // snapshot, and screens of a table that is gone show the hall.
            let tables = self.session.tables().len();
            for conn in self.conns.values_mut() {
                conn.scope = match (conn.role, conn.scope) {
                    (Some(Role::Participant(p)), _) => {
                        self.session.scope_of(p).unwrap_or(Scope::Hall)
                    }
                    (_, Scope::Table(t)) if t.index() >= tables => Scope::Hall,
                    (_, scope) => scope,
                };
            }
            owed.snapshots = self.conns.keys().copied().collect();
        }
        owed.snapshots.sort_unstable();
        owed.snapshots.dedup();
        for conn in owed.snapshots {
            if let Some(text) = self.snapshot_for(conn) {
                self.send(conn, text, &mut slow);
            }
        }
        for (conn, reply) in owed.replies {
            crate::metrics::operation(matches!(reply, Reply::Ack(_)));
            let json = match &reply {
                Reply::Ack(op) => ServerMsg::Ack { seq, op: op.into() }.to_json(),
                Reply::Error(e) => ServerMsg::error(seq, e).to_json(),
            };
            self.send(conn, Utf8Bytes::from(json), &mut slow);
        }
        self.close_removed(&owed.removed, seq);
        if owed.step {
            let session = &self.session;
            let everywhere = Touched {
                all: true,
                ..Touched::default()
            };
            self.broadcast_by_audience(
                |audience, scope| {
                    let step = StepView::current(session, audience.sees_notes());
                    let activity = protocol::activity_view(session, audience, scope);
                    ServerMsg::Step {
                        seq,
                        step,
                        activity,
                    }
                    .to_json()
                },
                false,
                &everywhere,
                &mut slow,
            );
        } else if owed.activity.any() {
            self.broadcast_activity(false, &owed.activity, &mut slow);
        }
        if owed.step || owed.activity.all {
            // Staff just got the activity as it is now.
            self.staff_owed.activity = Touched::default();
        } else {
            self.staff_owed.activity.merge(&owed.activity_staff);
        }
        if owed.timer {
            let timer = self.session.timer().map(TimerView::from);
            let text = Utf8Bytes::from(
                ServerMsg::Timer {
                    seq,
                    server_time: now_ms(),
                    timer,
                }
                .to_json(),
            );
            self.broadcast(|_, _| Some(text.clone()), &mut slow);
        }
        self.staff_owed.progress |= owed.progress;
        self.send_staff_updates(&mut slow);
        self.drop_slow(slow);
    }

    /// Tells the connections of participants the facilitator removed, and closes them with
    /// 4401: their secret no longer resumes (issue 13).
    fn close_removed(&mut self, removed: &[ParticipantId], seq: u64) {
        if removed.is_empty() {
            return;
        }
        let text = Utf8Bytes::from(ServerMsg::Removed { seq }.to_json());
        let theirs: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| matches!(c.role, Some(Role::Participant(p)) if removed.contains(&p)))
            .map(|(id, _)| *id)
            .collect();
        for id in theirs {
            if let Some(mut conn) = self.forget(id) {
                let told = conn.messages.try_send(Outgoing::Text(text.clone())).is_ok()
                    && conn
                        .messages
                        .try_send(Outgoing::Close(protocol::CLOSE_UNAUTHORIZED))
                        .is_ok();
                if !told && let Some(close) = conn.close.take() {
                    let _ = close.send(protocol::CLOSE_UNAUTHORIZED);
                }
            }
        }
        for p in removed {
            self.budgets.remove(p);
        }
    }

    /// When held-back staff updates are due, if any are waiting.
    fn staff_due(&self) -> Option<tokio::time::Instant> {
        let owed = self.staff_owed.progress || self.staff_owed.activity.any();
        owed.then(|| {
            self.staff_sent
                .map_or_else(tokio::time::Instant::now, |sent| sent + STAFF_EVERY)
        })
    }

    /// Sends the waiting staff updates (counts, staff-only activity) unless the last ones
    /// went out less than [`STAFF_EVERY`] ago. Counts are computed once per scope shown.
    fn send_staff_updates(&mut self, slow: &mut Vec<ConnId>) {
        let Some(due) = self.staff_due() else { return };
        let now = tokio::time::Instant::now();
        if now < due {
            return;
        }
        let owed = std::mem::take(&mut self.staff_owed);
        self.staff_sent = Some(now);
        if owed.activity.any() {
            self.broadcast_activity(true, &owed.activity, slow);
        }
        if owed.progress {
            let seq = self.session.seq();
            let session = &self.session;
            let connected = &self.connected;
            let scopes: std::collections::BTreeSet<Scope> = self
                .conns
                .values()
                .filter(|c| c.audience.sees_progress())
                .map(|c| c.scope)
                .collect();
            let texts: Vec<(Scope, Utf8Bytes)> = scopes
                .into_iter()
                .map(|scope| {
                    let progress = ProgressView::of(session, scope, |p| connected.contains_key(&p));
                    let text = ServerMsg::Progress { seq, progress }.to_json();
                    (scope, Utf8Bytes::from(text))
                })
                .collect();
            self.broadcast(
                |audience, scope| {
                    audience
                        .sees_progress()
                        .then(|| texts.iter().find(|(s, _)| *s == scope))
                        .flatten()
                        .map(|(_, t)| t.clone())
                },
                slow,
            );
        }
    }

    /// The current step's activity to the screens of the scopes `touched`, or to their staff
    /// only.
    fn broadcast_activity(&self, staff_only: bool, touched: &Touched, slow: &mut Vec<ConnId>) {
        let session = &self.session;
        let seq = session.seq();
        let index = session.step_index();
        self.broadcast_by_audience(
            |audience, scope| {
                let activity = protocol::activity_view(session, audience, scope);
                ServerMsg::Activity {
                    seq,
                    index,
                    activity,
                }
                .to_json()
            },
            staff_only,
            touched,
            slow,
        );
    }

    /// Drops connections that could not take a message; they resume later.
    fn drop_slow(&mut self, slow: Vec<ConnId>) {
        for conn in slow {
            if let Some(mut removed) = self.forget(conn) {
                if let Some(close) = removed.close.take() {
                    let _ = close.send(protocol::CLOSE_TOO_SLOW);
                }
                // The counts changed; the staff hear it with the next staff update.
                self.staff_owed.progress |= matches!(removed.role, Some(Role::Participant(_)));
            }
        }
    }

    fn snapshot_for(&self, conn: ConnId) -> Option<Utf8Bytes> {
        let conn = self.conns.get(&conn)?;
        let session = &self.session;
        let me = match conn.role {
            Some(Role::Participant(id)) => session.participant(id),
            _ => None,
        };
        let links = Links {
            join_url: &self.join_url,
            projector_url: &self.projector_url,
        };
        let connected = &self.connected;
        let msg = ServerMsg::snapshot(
            session,
            conn.audience,
            conn.scope,
            me,
            links,
            |p| connected.contains_key(&p),
            now_ms(),
        );
        Some(Utf8Bytes::from(msg.to_json()))
    }

    fn send(&self, conn: ConnId, text: Utf8Bytes, slow: &mut Vec<ConnId>) {
        if let Some(c) = self.conns.get(&conn)
            && c.messages.try_send(Outgoing::Text(text)).is_err()
        {
            slow.push(conn);
        }
    }

    /// Serialises one message per distinct audience and scope among the screens `touched`
    /// reaches (facilitator, projector, phones — every phone and preview of one table gets the
    /// same bytes) and sends each connection its own; only the staff when `staff_only`.
    fn broadcast_by_audience(
        &self,
        build: impl Fn(Audience, Scope) -> String,
        staff_only: bool,
        touched: &Touched,
        slow: &mut Vec<ConnId>,
    ) {
        let tables = self.session.has_tables();
        let wanted: std::collections::BTreeSet<(usize, Scope)> = self
            .conns
            .values()
            .filter(|c| !staff_only || c.audience.is_staff())
            .filter(|c| touched.reaches(c.scope, tables))
            .map(|c| {
                let audience = c.audience.shares_bytes_with();
                let position = Audience::DISTINCT.iter().position(|a| *a == audience);
                (position.unwrap_or(0), c.scope)
            })
            .collect();
        let bytes: Vec<((Audience, Scope), Utf8Bytes)> = wanted
            .into_iter()
            .map(|(position, scope)| {
                let audience = Audience::DISTINCT[position];
                ((audience, scope), Utf8Bytes::from(build(audience, scope)))
            })
            .collect();
        self.broadcast(
            |audience, scope| {
                let key = (audience.shares_bytes_with(), scope);
                bytes
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, b)| b.clone())
            },
            slow,
        );
    }

    fn broadcast(
        &self,
        pick: impl Fn(Audience, Scope) -> Option<Utf8Bytes>,
        slow: &mut Vec<ConnId>,
    ) {
        for (id, conn) in &self.conns {
            if let Some(text) = pick(conn.audience, conn.scope)
                && conn.messages.try_send(Outgoing::Text(text)).is_err()
            {
                slow.push(*id);
            }
        }
    }

    fn close_all(&mut self, code: u16) {
        for conn in self.conns.values_mut() {
            if let Some(close) = conn.close.take() {
                let _ = close.send(code);
            }
        }
    }

    /// Tells the handles the meeting's day when a turn changed it.
    fn share_planned(&self) {
        let now = self.session.planned();
        let mut shared = self
            .planned
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if shared.as_deref() != now {
            *shared = now.map(Into::into);
        }
    }

    /// The store refused this turn's write (the disk is full, say): the session goes back to
    /// `stored`, what every acknowledged write made it, and keeps serving. No screen saw
    /// anything of the turn (nothing is sent before it is stored). Each command of the turn gets
    /// a typed `storage` error (`disk_full` when the disk is full), so the client keeps it and
    /// sends it again later; a screen that joined as a new participant in this turn is closed
    /// (it joins again). Returns what is still owed: only a delete, which is tried as asked.
    fn roll_back(&mut self, stored: Session, owed: Owed, error: &StoreError) -> Owed {
        self.session = stored;
        self.since_snapshot = 0;
        let seq = self.session.seq();
        let known = self.session.participants().len();
        let unknown: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| matches!(c.role, Some(Role::Participant(p)) if p.index() >= known))
            .map(|(id, _)| *id)
            .collect();
        for conn in unknown {
            if let Some(mut removed) = self.forget(conn)
                && let Some(close) = removed.close.take()
            {
                let _ = close.send(protocol::CLOSE_GOING_AWAY);
            }
        }
        let mut slow = Vec::new();
        for reply in owed.dated {
            let _ = reply.send(Err(NotDated::NotStored(error.is_full())));
        }
        for reply in owed.imported {
            let _ = reply.send(Err(ImportRefused::NotStored));
        }
        for (conn, reply) in owed.replies {
            let refusal = match reply {
                Reply::Ack(op) => WireError::not_stored(&op, error.is_full()),
                Reply::Error(e) => e,
            };
            let text = ServerMsg::error(seq, &refusal).to_json();
            self.send(conn, Utf8Bytes::from(text), &mut slow);
        }
        for conn in owed.snapshots {
            if let Some(text) = self.snapshot_for(conn) {
                self.send(conn, text, &mut slow);
            }
        }
        self.drop_slow(slow);
        Owed {
            delete: owed.delete,
            ..Owed::default()
        }
    }

    /// The store refused a write: nothing of this turn is acknowledged; every screen is told to
    /// come back later, when a restart has reloaded what was durable.
    fn fail(&mut self, owed: Owed) {
        let seq = self.session.seq();
        for (conn, reply) in owed.replies {
            if let Reply::Ack(op) = reply {
                let error = WireError::storage(&op);
                let mut ignored = Vec::new();
                let text = ServerMsg::error(seq, &error).to_json();
                self.send(conn, Utf8Bytes::from(text), &mut ignored);
            }
        }
        if let Some(reply) = owed.delete {
            let _ = reply.send(Err(StoreError::gone()));
        }
        self.close_all(protocol::CLOSE_GOING_AWAY);
    }
}

/// What of `carried` that `available` still holds: items as [`prune`] keeps them; rows whose
/// key is still there, points whose meeting and question are still there (their newer version
/// arrives with the next carry).
fn prune_carry(carried: &Carry, available: Carry) -> Carry {
    Carry {
        items: prune(&carried.items, available.items),
        rows: carried
            .rows
            .iter()
            .filter(|r| available.rows.iter().any(|a| a.key == r.key))
            .cloned()
            .collect(),
        points: carried
            .points
            .iter()
            .filter(|p| {
                available
                    .points
                    .iter()
                    .any(|a| a.key == p.key && a.from.code == p.from.code)
            })
            .cloned()
            .collect(),
    }
}

/// The items of `carried` that `available` still holds, in their order, each copy matched by a
/// copy of its own (two people sharing the same words: one forgets, one copy stays).
fn prune(
    carried: &[crate::domain::Carried],
    mut available: Vec<crate::domain::Carried>,
) -> Vec<crate::domain::Carried> {
    carried
        .iter()
        .filter(|item| match available.iter().position(|a| a == *item) {
            Some(i) => {
                available.swap_remove(i);
                true
            }
            None => false,
        })
        .cloned()
        .collect()
}
