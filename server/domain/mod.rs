//! The pure session core: state, the commands people give, the events that record what happened,
//! and the rules between them. No IO, no async, no clock: time comes in with the command.
//!
//! `apply(actor, command)` checks a command against the rules and the current state, returns the
//! events it causes and folds them into the state; `carry(items)` does the same for what the
//! server brings in from earlier meetings of a series (no actor's command); `evolve(event)` folds
//! a stored event (used on restart). `check_invariants` states what must always hold; tests call it after every step.

pub mod activity;
pub mod answers;
pub mod follow;
pub mod ids;
pub mod report;
pub mod tables;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use crate::content::{Card, Programme, Step, StepKind, Topic};
pub use activity::{DealTo, Held, HeldActor, RowFields, StepState};
pub use answers::{Answer, AnswerInput};
pub use follow::{Followed, ReviewRow, Status, TrendPoint};
pub use ids::{JoinCode, Name, OpId, ParticipantId, Token};
pub use tables::{Scope, Seating, Table, TableId, TableSettings};

/// Most participants one session accepts.
pub const MAX_PARTICIPANTS: usize = 20_000;
/// Most operations one participant (or the facilitator) may have applied in a session.
pub const MAX_OPS_PER_ACTOR: usize = 10_000;
/// Longest countdown, in seconds (four hours).
pub const MAX_TIMER_SECONDS: u32 = 4 * 60 * 60;
/// Most items carried into a meeting from earlier ones.
pub const MAX_CARRIED: usize = 500;
/// Largest minimum group size a session may ask for before aggregates show.
pub const MAX_MIN_GROUP: u32 = 1_000;

/// A session's interface language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Danish, the default.
    #[default]
    Da,
    /// English.
    En,
}

impl Lang {
    /// The text in this language.
    pub fn pick(self, text: &crate::content::Text) -> &str {
        match self {
            Lang::Da => &text.da,
            Lang::En => &text.en,
        }
    }

    /// The language of a code: English for `en`, Danish for anything else (the default).
    pub fn from_code(code: &str) -> Self {
        if code == "en" { Lang::En } else { Lang::Da }
    }

    /// The language's code: `da` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Da => "da",
            Lang::En => "en",
        }
    }
}

/// Everything fixed when a session is created; stored once, first.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Created {
    /// The join code.
    pub code: JoinCode,
    /// The programme as it was when the session was created.
    pub programme: Programme,
    /// Interface language.
    pub lang: Lang,
    /// Aggregates show only when at least this many answered.
    pub min_group: u32,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// Base of the session's links (`--public-url`, or the address the facilitator used).
    pub base_url: String,
    /// Steers the session.
    pub facilitator_token: Token,
    /// Shows the session, read-only.
    pub projector_token: Token,
    /// The series this meeting belongs to, if any.
    #[serde(default)]
    pub series: Option<SeriesLink>,
    /// The publication rule the session runs under; a session stored before the rule had a
    /// name replays under the one it ran under, so its results stay what people saw.
    #[serde(default)]
    pub publication: Publication,
    /// The day the facilitator set for the meeting (`YYYY-MM-DD`, checked by
    /// `dates::Date::parse` when it was given), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned: Option<String>,
    /// Tables set up at creation (issue 16): how many and how they work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables: Option<TableSetup>,
    /// A follow-up session (issue 17): what it copied, when it was created, from the session
    /// it follows — the rows it reviews and the earlier points of its trends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<Followed>,
}

/// Tables asked for when a session is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSetup {
    /// How many tables.
    pub count: usize,
    /// How they work.
    #[serde(flatten)]
    pub settings: TableSettings,
}

/// How results take in changed answers after the first reveal (see `Session::note_change`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Publication {
    /// The first rule: per step, once `min_group` people changed any answer of it. Kept for
    /// sessions stored under it.
    #[default]
    PerStep,
    /// Per result (a prompt, a topic, the map): once `min_group` people's answers to it
    /// differ from what it shows, or at once while it shows too few.
    PerResult,
}

/// A meeting's place in a series.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesLink {
    /// The series definition's id.
    pub id: String,
    /// The series' title.
    pub title: crate::content::Text,
    /// This meeting's position, from 0.
    pub position: usize,
    /// Every meeting's join code, in order.
    pub codes: Vec<JoinCode>,
}

/// Something an earlier meeting of the series produced, carried into this one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Carried {
    /// The meeting it comes from (its programme title).
    pub from: crate::content::Text,
    /// What it is.
    pub kind: CarriedKind,
    /// The text.
    pub text: String,
}

/// What the server brings into a meeting from the earlier meetings of its series: the items
/// the room is shown, the action-plan rows to review, the points of its trends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Carry {
    /// Shared items, notes, priorities, actors, rows: what "Det tog vi med fra sidst" lists.
    pub items: Vec<Carried>,
    /// Accepted rows of earlier plans still open, for the review (issue 17).
    pub rows: Vec<ReviewRow>,
    /// Earlier meetings' scale results, for trends (issue 17).
    pub points: Vec<TrendPoint>,
}

impl From<Vec<Carried>> for Carry {
    fn from(items: Vec<Carried>) -> Self {
        Carry {
            items,
            ..Carry::default()
        }
    }
}

/// Kinds of carried items.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CarriedKind {
    /// An item a participant shared.
    Shared,
    /// A note on a dialogue card.
    Note,
    /// A prioritised grid topic.
    Priority,
    /// An actor many named on the map.
    Actor,
    /// An accepted action-plan row.
    Row,
}

/// Who gives a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Holds the facilitator token.
    Facilitator,
    /// Holds the projector token: shows, never steers.
    Projector,
    /// A joined participant.
    Participant(ParticipantId),
    /// Someone not yet joined: may only join.
    Newcomer,
}

/// What someone asks the session to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// A newcomer joins, with the secret their phone will keep.
    Join {
        /// The new participant's resumable secret.
        secret: Token,
        /// Optional display name; anonymous when `None`.
        name: Option<Name>,
        /// When, in ms since the epoch.
        at_ms: i64,
    },
    /// The facilitator moves everyone to step `index`.
    Goto {
        /// Client operation id.
        op: OpId,
        /// Target step.
        index: usize,
        /// The server's clock now, ms since the epoch.
        now_ms: i64,
    },
    /// The facilitator starts a countdown.
    StartTimer {
        /// Client operation id.
        op: OpId,
        /// Length of the countdown.
        seconds: u32,
        /// The server's clock now, ms since the epoch.
        now_ms: i64,
    },
    /// The facilitator stops the countdown.
    StopTimer {
        /// Client operation id.
        op: OpId,
    },
    /// A participant answers a prompt (again: the last answer counts).
    Answer {
        /// Client operation id.
        op: OpId,
        /// Step id.
        step: String,
        /// Prompt id within the step.
        prompt: String,
        /// The value given.
        value: AnswerInput,
    },
    /// A participant says they are (or are not) done with a step.
    SetReady {
        /// Client operation id.
        op: OpId,
        /// Step id.
        step: String,
        /// Done or not.
        ready: bool,
    },
    /// A participant deletes everything they answered, shared and voted, and their name.
    Forget {
        /// Client operation id.
        op: OpId,
    },
    /// A command on a step's activity (sharing, dealing, rating, planning…).
    Activity {
        /// Client operation id.
        op: OpId,
        /// Step id.
        step: String,
        /// What to do.
        action: Action,
        /// The facilitator's choice of table (the hall when `None`: in a session with tables,
        /// every table at once or the hall's own plan). A participant always acts at their own
        /// table; naming another is refused.
        table: Option<TableId>,
    },
    /// Tables: set them up, seat people, name a host (see [`Seating`]).
    Seating {
        /// Client operation id.
        op: OpId,
        /// What to do.
        seating: Seating,
    },
    /// The facilitator opens or closes the door to new participants (issue 13): when closed,
    /// joins are refused; those already in resume as before.
    SetDoor {
        /// Client operation id.
        op: OpId,
        /// Open to new participants or not.
        open: bool,
    },
    /// The facilitator removes a participant who does not belong (issue 13): their answers
    /// leave every result as with [`Command::Forget`], and their secret no longer resumes.
    Remove {
        /// Client operation id.
        op: OpId,
        /// Who.
        participant: ParticipantId,
    },
}

/// What an activity command does. Who may give it: [`Action::who`], then the step's kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Participant: share (or stop sharing) a text answer or one list item with the group.
    Share {
        /// Prompt id.
        prompt: String,
        /// List item id, for list prompts.
        item: Option<String>,
        /// Share or withdraw.
        share: bool,
        /// Show my name.
        named: bool,
    },
    /// Participant: share (or withdraw) my personal plan with the facilitator.
    SharePlan {
        /// Share or withdraw.
        share: bool,
    },
    /// Facilitator: show or hide the step's results on the projector.
    Reveal {
        /// Shown or not.
        revealed: bool,
    },
    /// Facilitator: put shared items under one label (or none).
    Group {
        /// Share numbers.
        shares: Vec<u32>,
        /// The label; `None` ungroups.
        label: Option<String>,
    },
    /// Facilitator: deal a card.
    Deal {
        /// The card; the next undealt one when `None`.
        card: Option<String>,
        /// To whom.
        to: DealTo,
    },
    /// Facilitator: add a card to the deck.
    AddCard {
        /// The question.
        text: String,
    },
    /// Facilitator, or the participant holding the card: pass it.
    Pass,
    /// Facilitator: a note for the group on the card in play.
    Note {
        /// The note.
        text: String,
    },
    /// Facilitator (or a participant, when allowed): add a topic to a grid.
    AddTopic {
        /// The topic.
        text: String,
    },
    /// Facilitator: let participants add topics, or not.
    AllowTopics {
        /// Allowed or not.
        allowed: bool,
    },
    /// Facilitator: the position the group agreed on, or none.
    Place {
        /// Topic id.
        topic: String,
        /// (importance, success).
        position: Option<(i64, i64)>,
    },
    /// Facilitator: the group's priorities, in order (at most three).
    Prioritise {
        /// Topic ids.
        topics: Vec<String>,
    },
    /// Facilitator: open or close the dot vote.
    OpenVote {
        /// Open or closed.
        open: bool,
    },
    /// Participant: my dots (at most three; a topic may get more than one).
    Vote {
        /// Topic ids.
        topics: Vec<String>,
    },
    /// Facilitator: merge actors with these labels into one.
    Merge {
        /// Labels to merge.
        labels: Vec<String>,
        /// The label they become.
        into: String,
    },
    /// Participant: propose an action-plan row; facilitator: add an accepted row.
    AddRow {
        /// The row.
        row: RowFields,
    },
    /// Facilitator: change a row.
    EditRow {
        /// Row id.
        id: String,
        /// New fields.
        row: RowFields,
    },
    /// Facilitator: accept a proposal (or take it back to a proposal).
    AcceptRow {
        /// Row id.
        id: String,
        /// Accepted or not.
        accepted: bool,
    },
    /// Facilitator: delete a row.
    DeleteRow {
        /// Row id.
        id: String,
    },
    /// Facilitator: move a row to position `to`.
    MoveRow {
        /// Row id.
        id: String,
        /// New position.
        to: usize,
    },
    /// Facilitator, in the hall of a session with tables: take a table's accepted row into
    /// the hall's plan.
    Lift {
        /// The table.
        table: TableId,
        /// Its row id.
        id: String,
    },
    /// Anyone: the status and note of a row under review (issue 17).
    Review {
        /// The row's key.
        row: String,
        /// Its status; `None` clears it.
        status: Option<Status>,
        /// A short note (empty clears it).
        note: String,
    },
    /// Facilitator: carry a reviewed row on into this plan step, as an accepted row.
    CarryOn {
        /// The review row's key.
        row: String,
    },
    /// Facilitator, over HTTP: the results of an evaluation step, replacing those before
    /// (none clears them). Already read and checked by `kinds::evaluation::import`; checked
    /// again by the kind.
    Import {
        /// The rows.
        rows: Vec<crate::kinds::evaluation::EvalRow>,
    },
}

/// Who may give an action, where the action alone decides it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    /// Only the facilitator.
    Facilitator,
    /// Only a participant.
    Participant,
    /// Either; the step's kind decides (the holder of a card, a participant when topics or
    /// proposals are open).
    Either,
}

impl Action {
    /// Who may give this action, before the step's kind is asked.
    pub fn who(&self) -> Who {
        match self {
            Action::Share { .. } | Action::SharePlan { .. } | Action::Vote { .. } => {
                Who::Participant
            }
            Action::Pass
            | Action::AddTopic { .. }
            | Action::AddRow { .. }
            | Action::Review { .. } => Who::Either,
            Action::Reveal { .. }
            | Action::Group { .. }
            | Action::Deal { .. }
            | Action::AddCard { .. }
            | Action::Note { .. }
            | Action::AllowTopics { .. }
            | Action::Place { .. }
            | Action::Prioritise { .. }
            | Action::OpenVote { .. }
            | Action::Merge { .. }
            | Action::EditRow { .. }
            | Action::AcceptRow { .. }
            | Action::DeleteRow { .. }
            | Action::MoveRow { .. }
            | Action::Lift { .. }
            | Action::CarryOn { .. }
            | Action::Import { .. } => Who::Facilitator,
        }
    }

    /// Whether a table's host may give this action at their own table, as the facilitator
    /// would: the table's card, its agreed placements and priorities, its plan. The reveal,
    /// the dot vote, merges and the deck stay the facilitator's, for the whole hall.
    pub fn hosts_may(&self) -> bool {
        matches!(
            self,
            Action::Deal { .. }
                | Action::Pass
                | Action::Note { .. }
                | Action::AddTopic { .. }
                | Action::Place { .. }
                | Action::Prioritise { .. }
                | Action::AddRow { .. }
                | Action::EditRow { .. }
                | Action::AcceptRow { .. }
                | Action::DeleteRow { .. }
                | Action::MoveRow { .. }
        )
    }
}

impl Command {
    /// The client operation id, if the command carries one.
    pub fn op(&self) -> Option<&OpId> {
        match self {
            Command::Join { .. } => None,
            Command::Goto { op, .. }
            | Command::StartTimer { op, .. }
            | Command::StopTimer { op }
            | Command::Answer { op, .. }
            | Command::SetReady { op, .. }
            | Command::Forget { op }
            | Command::Activity { op, .. }
            | Command::SetDoor { op, .. }
            | Command::Remove { op, .. }
            | Command::Seating { op, .. } => Some(op),
        }
    }
}

/// A recorded fact. Events are stored in order; folding them over [`Session::new`] gives the state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A participant joined.
    Joined {
        /// Assigned in joining order.
        participant: ParticipantId,
        /// Their resumable secret.
        secret: Token,
        /// Optional display name.
        name: Option<Name>,
        /// When.
        at_ms: i64,
    },
    /// Everyone moved to another step.
    StepChanged {
        /// The facilitator's operation.
        op: OpId,
        /// The new step.
        index: usize,
        /// When, ms since the epoch (`None` in events stored before it was recorded).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_ms: Option<i64>,
    },
    /// A countdown started.
    TimerStarted {
        /// The facilitator's operation.
        op: OpId,
        /// When it ends, ms since the epoch.
        ends_at_ms: i64,
        /// Its length.
        seconds: u32,
    },
    /// The countdown stopped.
    TimerStopped {
        /// The facilitator's operation.
        op: OpId,
    },
    /// A participant answered.
    Answered {
        /// Who.
        participant: ParticipantId,
        /// Their operation.
        op: OpId,
        /// Step id.
        step: String,
        /// Prompt id.
        prompt: String,
        /// The checked value; `None` removes the answer.
        #[serde(default)]
        value: Option<Answer>,
    },
    /// Items carried in from earlier meetings of the series.
    Carried {
        /// The items (replacing earlier ones).
        items: Vec<Carried>,
        /// Rows to review (replacing earlier ones; issue 17).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        rows: Vec<ReviewRow>,
        /// Earlier points of trends (replacing earlier ones; issue 17).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        points: Vec<TrendPoint>,
    },
    /// An activity changed.
    Changed {
        /// Who.
        by: By,
        /// Their operation.
        op: OpId,
        /// Step index.
        step: usize,
        /// What changed.
        change: Change,
        /// At which table; the hall when `None` (every change of a session without tables).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        table: Option<TableId>,
    },
    /// A participant marked a step done or not done.
    ReadyChanged {
        /// Who.
        participant: ParticipantId,
        /// Their operation.
        op: OpId,
        /// Step id.
        step: String,
        /// Done or not.
        ready: bool,
    },
    /// A participant deleted their answers, shares, dots and name. The events before it that
    /// hold them are erased from storage (see `session`): only this record of the deletion stays.
    Forgot {
        /// Who.
        participant: ParticipantId,
        /// Their operation.
        op: OpId,
    },
    /// The facilitator opened or closed the door to new participants.
    DoorSet {
        /// The facilitator's operation.
        op: OpId,
        /// Open or not.
        open: bool,
    },
    /// The facilitator removed a participant. Stored right after a [`Event::Forgot`] of the
    /// same participant (which erases their answers); this one ends their identity.
    Removed {
        /// Who.
        participant: ParticipantId,
        /// The facilitator's operation.
        op: OpId,
    },
    /// The facilitator set up tables: this many (none turns them off), working so.
    TablesSet {
        /// The facilitator's operation.
        op: OpId,
        /// Number of tables.
        count: usize,
        /// How they work.
        settings: TableSettings,
    },
    /// People were seated, moved or unseated.
    Seated {
        /// The facilitator, or a participant choosing their own seat.
        by: By,
        /// Their operation.
        op: OpId,
        /// Who sits where now (`None`: no seat).
        seats: Vec<(ParticipantId, Option<TableId>)>,
    },
    /// A table's host was named or left.
    HostSet {
        /// The facilitator, or the participant volunteering or stepping down.
        by: By,
        /// Their operation.
        op: OpId,
        /// The table.
        table: TableId,
        /// The host, or nobody.
        participant: Option<ParticipantId>,
    },
    /// The facilitator set the meeting's day after creation (a meeting moved by a week), or
    /// cleared it (`None`: the day it is held decides).
    DateSet {
        /// `YYYY-MM-DD`, checked by `dates::Date::parse`, or none.
        date: Option<String>,
    },
}

impl Event {
    /// Whether the event is activity that keeps a session from its deletion date: anything
    /// but a join (which anyone with the join code can cause).
    pub fn is_activity(&self) -> bool {
        !matches!(self, Event::Joined { .. })
    }
}

impl Event {
    /// Whether the event erases what was stored before it (a participant's answers): it is
    /// stored with a snapshot, every event before is deleted and the WAL emptied (see
    /// `session` and `store`). A new event that takes someone's data away belongs here.
    pub fn erases(&self) -> bool {
        matches!(self, Event::Forgot { .. })
    }
}

/// Who caused an activity change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum By {
    /// The facilitator.
    Facilitator,
    /// A participant.
    Participant(ParticipantId),
    /// A table's host, steering their own table (see [`Action::hosts_may`]).
    Host(ParticipantId),
}

impl By {
    /// The facilitator, or a host at their table: whoever steers where the change happens.
    pub fn steers(self) -> bool {
        matches!(self, By::Facilitator | By::Host(_))
    }

    /// The participant behind it, if a participant (host or not) gave it.
    pub fn participant(self) -> Option<ParticipantId> {
        match self {
            By::Facilitator => None,
            By::Participant(p) | By::Host(p) => Some(p),
        }
    }
}

/// An activity change, resolved: ids are assigned, defaults filled in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// A share was created, changed or withdrawn.
    Shared {
        /// Share number.
        id: u32,
        /// Prompt id.
        prompt: String,
        /// List item id.
        item: Option<String>,
        /// Shared or withdrawn.
        active: bool,
        /// Name shown.
        named: bool,
    },
    /// A personal plan was shared with the facilitator or withdrawn.
    PlanShared {
        /// Shared or not.
        shared: bool,
    },
    /// Results shown or hidden.
    Revealed {
        /// Shown or not.
        revealed: bool,
    },
    /// Shares grouped.
    Grouped {
        /// Share numbers.
        shares: Vec<u32>,
        /// Label.
        label: Option<String>,
    },
    /// A card was dealt.
    Dealt {
        /// Card id.
        card: String,
        /// Holder; the room when `None`.
        to: Option<ParticipantId>,
    },
    /// A card was added.
    CardAdded {
        /// The card.
        card: Card,
    },
    /// The card in play was passed.
    Passed,
    /// A note on the card in play.
    Noted {
        /// The note.
        text: String,
    },
    /// A topic was added.
    TopicAdded {
        /// The topic.
        topic: Topic,
    },
    /// Participants may (not) add topics.
    TopicsAllowed {
        /// Allowed.
        allowed: bool,
    },
    /// An agreed position set or cleared.
    Placed {
        /// Topic id.
        topic: String,
        /// (importance, success).
        position: Option<(u8, u8)>,
    },
    /// Priorities set.
    Prioritised {
        /// Topic ids in order.
        topics: Vec<String>,
    },
    /// Dot vote opened or closed.
    VoteOpened {
        /// Open.
        open: bool,
    },
    /// A participant's dots.
    Voted {
        /// Topic ids.
        topics: Vec<String>,
    },
    /// Role labels merged.
    Merged {
        /// Normalised labels.
        labels: Vec<String>,
        /// The label they become.
        into: String,
    },
    /// A row added.
    RowAdded {
        /// Row id.
        id: String,
        /// Fields.
        row: RowFields,
        /// Accepted at once (added by the facilitator, or a table's host).
        accepted: bool,
        /// For a row of the hall's plan lifted from a table: that table.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        table: Option<TableId>,
        /// For a row carried on from the review (issue 17): the reviewed row's key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        carries: Option<String>,
    },
    /// A row edited.
    RowEdited {
        /// Row id.
        id: String,
        /// Fields.
        row: RowFields,
    },
    /// A row accepted or not.
    RowAccepted {
        /// Row id.
        id: String,
        /// Accepted.
        accepted: bool,
    },
    /// A row deleted.
    RowDeleted {
        /// Row id.
        id: String,
    },
    /// A row moved.
    RowMoved {
        /// Row id.
        id: String,
        /// New position.
        to: usize,
    },
    /// A reviewed row's status and note set (issue 17).
    Reviewed {
        /// The row's key.
        row: String,
        /// Its status, or none.
        status: Option<Status>,
        /// The note.
        note: String,
    },
    /// An evaluation step's results replaced (issue 17).
    Imported {
        /// The rows.
        rows: Vec<crate::kinds::evaluation::EvalRow>,
    },
}

/// Why a command was refused. The state is unchanged whenever one is returned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// This actor may not give this command.
    #[error("not allowed for your role")]
    NotAllowed,
    /// The step does not exist or is not open for answers yet.
    #[error("that step is not open")]
    WrongStep,
    /// The prompt does not exist in the step.
    #[error("no such question in this step")]
    NoSuchPrompt,
    /// The value does not fit the prompt (wrong type or out of range).
    #[error("the answer does not fit the question")]
    Invalid,
    /// Text longer than the prompt allows.
    #[error("the text is too long (at most {0} characters)")]
    TooLong(usize),
    /// Timer length out of range.
    #[error("a countdown must last between 1 second and 4 hours")]
    TimerRange,
    /// The session is full.
    #[error("the session is full")]
    Full,
    /// This actor has sent too many operations.
    #[error("too many operations")]
    TooManyOps,
    /// A programme for one participant (the 1:1) has no group results to reveal.
    #[error("this conversation is for one participant: there are no group results to reveal")]
    NoGroup,
    /// Typed text that would deceive its readers (see `typed`).
    #[error("{}", match .0 {
        crate::typed::Deceptive::Invisible => "the text is only invisible characters",
        crate::typed::Deceptive::Reorders => "the text holds characters that reverse its reading direction",
    })]
    Deceptive(crate::typed::Deceptive),
    /// The facilitator closed the meeting to new participants.
    #[error("the meeting is closed to new participants; ask the facilitator")]
    Closed,
    /// Tables can only be turned on or off, or taken away, while nothing happened in them.
    #[error("tables can only be turned on or off, or taken away, before anything happened at them")]
    TablesLocked,
    /// The session has no tables.
    #[error("this session has no tables")]
    NoTables,
    /// The participant has no seat yet in a session with tables.
    #[error("choose a table first")]
    NoSeat,
    /// In a session with tables, this happens at a table, not in the hall: name one.
    #[error("this happens at a table: choose one")]
    AtTable,
}

/// The result of a command that was not refused.
#[derive(Debug, PartialEq)]
pub enum Applied {
    /// New events, already folded into the state; they must be stored before anyone is told.
    Events(Vec<Event>),
    /// The operation was applied before; nothing changed, acknowledge it again.
    Duplicate,
}

/// A running countdown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    /// When it ends, ms since the epoch.
    pub ends_at_ms: i64,
    /// Its length.
    pub seconds: u32,
}

/// One participant's durable state.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Participant {
    /// Their id.
    pub id: ParticipantId,
    secret: Token,
    /// Display name, if they gave one.
    pub name: Option<Name>,
    /// When they joined.
    pub joined_at_ms: i64,
    /// Private answers: step id → prompt id → answer.
    pub answers: BTreeMap<String, BTreeMap<String, Answer>>,
    /// Steps they marked done.
    pub ready: BTreeSet<String>,
    /// Personal-plan steps they shared with the facilitator.
    #[serde(default)]
    pub plan_shared: BTreeSet<String>,
    ops: HashSet<OpId>,
    /// The facilitator removed them: their secret no longer resumes, they count nowhere.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
    /// The table they sit at, in a session with tables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<TableId>,
}

impl Participant {
    /// The participant's secret, for their own screen only.
    pub fn secret(&self) -> &Token {
        &self.secret
    }

    /// Whether `secret` is this participant's (never once they were removed).
    pub fn owns(&self, secret: &Token) -> bool {
        !self.removed && self.secret.matches(secret)
    }
}

/// One live session's whole durable state.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Session {
    created: Created,
    step: usize,
    timer: Option<Timer>,
    participants: Vec<Participant>,
    facilitator_ops: HashSet<OpId>,
    seq: u64,
    /// Shared state per step, by index.
    #[serde(default)]
    steps: Vec<StepState>,
    /// Everything ever shared from reflections.
    #[serde(default)]
    shares: Vec<activity::ShareRecord>,
    /// What earlier meetings of the series produced.
    #[serde(default)]
    carried: Vec<Carried>,
    /// Rows of earlier meetings' plans carried in for review (issue 17).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    carried_rows: Vec<ReviewRow>,
    /// Earlier meetings' scale results carried in for trends (issue 17).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    carried_points: Vec<TrendPoint>,
    /// The facilitator closed the door: new joins are refused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    closed: bool,
    /// When the facilitator first moved the room on to another step (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    first_moved_ms: Option<i64>,
    /// The tables, if participants sit at tables (see `tables`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tables: Vec<Table>,
    /// How the tables work.
    #[serde(default, skip_serializing_if = "is_default")]
    table_settings: TableSettings,
    /// The meeting's day as the facilitator set it after creation, which replaces the one set
    /// at creation (`Created::planned`); absent while never set again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    replanned: Option<Replanned>,
    /// Most participants who may join: the server's `--max-participants`, set when the session
    /// is started (not stored; at most [`MAX_PARTICIPANTS`]).
    #[serde(skip, default = "most_participants")]
    capacity: usize,
}

fn most_participants() -> usize {
    MAX_PARTICIPANTS
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// The meeting's day as set after creation (see [`Event::DateSet`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replanned {
    /// `YYYY-MM-DD`, or none (cleared).
    pub date: Option<String>,
}

impl Session {
    /// A fresh session at its first step (with the tables asked for at creation).
    pub fn new(created: Created) -> Self {
        let steps = vec![StepState::default(); created.programme.steps.len()];
        let setup = created.tables;
        let mut session = Session {
            created,
            step: 0,
            timer: None,
            participants: Vec::new(),
            facilitator_ops: HashSet::new(),
            seq: 0,
            steps,
            shares: Vec::new(),
            carried: Vec::new(),
            carried_rows: Vec::new(),
            carried_points: Vec::new(),
            closed: false,
            first_moved_ms: None,
            tables: Vec::new(),
            table_settings: TableSettings::default(),
            replanned: None,
            capacity: MAX_PARTICIPANTS,
        };
        if let Some(setup) = setup {
            session.set_tables(setup.count.min(tables::MAX_TABLES), setup.settings);
        }
        session
    }

    /// Lets at most `capacity` participants join (never more than [`MAX_PARTICIPANTS`]).
    pub fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity.clamp(1, MAX_PARTICIPANTS);
    }

    /// Whether as many joined as may: further joins are refused with `full`.
    pub fn is_full(&self) -> bool {
        self.participants.len() >= self.capacity
    }

    /// Whether the facilitator closed the meeting to new participants.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The day set for the meeting (`YYYY-MM-DD`): the one set last, at creation or since
    /// ([`Session::set_date`]); none when it was never set or was cleared.
    pub fn planned(&self) -> Option<&str> {
        match &self.replanned {
            Some(replanned) => replanned.date.as_deref(),
            None => self.created.planned.as_deref(),
        }
    }

    /// Sets the meeting's day (`YYYY-MM-DD`, a real day) or clears it: the server's path for
    /// the facilitator's `POST /api/sessions/{code}/date`. Nothing is recorded when the day is
    /// already that one; a day that is none is refused with [`RuleError::Invalid`].
    pub fn set_date(&mut self, date: Option<&str>) -> Result<Vec<Event>, RuleError> {
        let date = match date {
            Some(text) => Some(
                crate::dates::Date::parse(text)
                    .ok_or(RuleError::Invalid)?
                    .to_string(),
            ),
            None => None,
        };
        if date.as_deref() == self.planned() {
            return Ok(Vec::new());
        }
        let event = Event::DateSet { date };
        self.evolve(&event);
        Ok(vec![event])
    }

    /// How many participants are in: everyone who joined, less those removed.
    pub fn joined(&self) -> usize {
        self.participants.iter().filter(|p| !p.removed).count()
    }

    /// What was fixed at creation.
    pub fn created(&self) -> &Created {
        &self.created
    }

    /// The programme being run.
    pub fn programme(&self) -> &Programme {
        &self.created.programme
    }

    /// Index of the current step.
    pub fn step_index(&self) -> usize {
        self.step
    }

    /// The current step.
    pub fn step(&self) -> &Step {
        &self.created.programme.steps[self.step]
    }

    /// The countdown, if one runs (or ran out and was not stopped).
    pub fn timer(&self) -> Option<Timer> {
        self.timer
    }

    /// Number of events applied so far; the session's sequence number.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Everyone who joined, in order.
    pub fn participants(&self) -> &[Participant] {
        &self.participants
    }

    /// One participant.
    pub fn participant(&self, id: ParticipantId) -> Option<&Participant> {
        self.participants.get(id.index())
    }

    /// What earlier meetings of the series produced.
    pub fn carried(&self) -> &[Carried] {
        &self.carried
    }

    /// Which role a presented token gives, if any.
    pub fn role_of(&self, token: &Token) -> Option<Role> {
        if self.created.facilitator_token.matches(token) {
            Some(Role::Facilitator)
        } else if self.created.projector_token.matches(token) {
            Some(Role::Projector)
        } else {
            None
        }
    }

    /// How many participants who are `present` marked the step done: those who left are not
    /// waited for.
    pub fn ready_count(&self, step_id: &str, present: impl Fn(ParticipantId) -> bool) -> usize {
        self.participants
            .iter()
            .filter(|p| p.ready.contains(step_id) && present(p.id))
            .count()
    }

    /// For each prompt of the step: how many participants answered it.
    pub fn answer_counts(&self, step: &Step) -> BTreeMap<String, usize> {
        let mut counts: BTreeMap<String, usize> = step
            .prompts
            .iter()
            .map(|p| (p.id().to_owned(), 0))
            .collect();
        for answers in self
            .participants
            .iter()
            .filter_map(|p| p.answers.get(&step.id))
        {
            for prompt in answers.keys() {
                if let Some(count) = counts.get_mut(prompt) {
                    *count += 1;
                }
            }
        }
        counts
    }

    /// Checks `command` from `actor` against the rules; on success folds the resulting events
    /// into the state and returns them. On error nothing changed.
    pub fn apply(&mut self, actor: Role, command: Command) -> Result<Applied, RuleError> {
        if let Some(op) = command.op()
            && self.seen(actor, op)
        {
            return Ok(Applied::Duplicate);
        }
        let events = self.decide(actor, command)?;
        for event in &events {
            self.evolve(event);
        }
        Ok(Applied::Events(events))
    }

    /// Replaces what was carried in from earlier meetings of the series with `carry`. Not a
    /// command of any actor: the server derives it from the earlier meetings' outcomes and
    /// contributions. Returns the event to store, or none when nothing changed; on error (too
    /// many items, rows or points) nothing changed.
    pub fn carry(&mut self, carry: impl Into<Carry>) -> Result<Vec<Event>, RuleError> {
        let Carry {
            items,
            rows,
            points,
        } = carry.into();
        if items.len() > MAX_CARRIED
            || rows.len() > follow::MAX_REVIEW_ROWS
            || points.len() > follow::MAX_TREND_POINTS
        {
            return Err(RuleError::Invalid);
        }
        if items == self.carried && rows == self.carried_rows && points == self.carried_points {
            return Ok(Vec::new());
        }
        let event = Event::Carried {
            items,
            rows,
            points,
        };
        self.evolve(&event);
        Ok(vec![event])
    }

    /// What is carried in now, as one value.
    pub fn carried_in(&self) -> Carry {
        Carry {
            items: self.carried.clone(),
            rows: self.carried_rows.clone(),
            points: self.carried_points.clone(),
        }
    }

    fn seen(&self, actor: Role, op: &OpId) -> bool {
        match actor {
            Role::Facilitator => self.facilitator_ops.contains(op),
            Role::Participant(id) => self.participant(id).is_some_and(|p| p.ops.contains(op)),
            Role::Projector | Role::Newcomer => false,
        }
    }

    fn ops_used(&self, actor: Role) -> usize {
        match actor {
            Role::Facilitator => self.facilitator_ops.len(),
            Role::Participant(id) => self.participant(id).map_or(0, |p| p.ops.len()),
            Role::Projector | Role::Newcomer => 0,
        }
    }

    /// Remembers an applied operation of whoever gave it.
    fn note_op(&mut self, by: By, op: &OpId) {
        match by.participant() {
            None => {
                self.facilitator_ops.insert(op.clone());
            }
            Some(id) => {
                if let Some(p) = self.participants.get_mut(id.index()) {
                    p.ops.insert(op.clone());
                }
            }
        }
    }

    fn decide(&self, actor: Role, command: Command) -> Result<Vec<Event>, RuleError> {
        if command.op().is_some() && self.ops_used(actor) >= MAX_OPS_PER_ACTOR {
            return Err(RuleError::TooManyOps);
        }
        if let Role::Participant(id) = actor
            && self.participant(id).is_none_or(|p| p.removed)
        {
            return Err(RuleError::NotAllowed);
        }
        let event = match (actor, command) {
            (
                Role::Newcomer,
                Command::Join {
                    secret,
                    name,
                    at_ms,
                },
            ) => {
                if self.closed {
                    return Err(RuleError::Closed);
                }
                if self.is_full() {
                    return Err(RuleError::Full);
                }
                Event::Joined {
                    participant: ParticipantId::from_index(self.participants.len()),
                    secret,
                    name,
                    at_ms,
                }
            }
            (Role::Facilitator, Command::Goto { op, index, now_ms }) => {
                if index >= self.programme().steps.len() {
                    return Err(RuleError::WrongStep);
                }
                Event::StepChanged {
                    op,
                    index,
                    at_ms: Some(now_ms),
                }
            }
            (
                Role::Facilitator,
                Command::StartTimer {
                    op,
                    seconds,
                    now_ms,
                },
            ) => {
                if self.step().kind == StepKind::End {
                    return Err(RuleError::WrongStep);
                }
                if seconds == 0 || seconds > MAX_TIMER_SECONDS {
                    return Err(RuleError::TimerRange);
                }
                Event::TimerStarted {
                    op,
                    ends_at_ms: now_ms + i64::from(seconds) * 1000,
                    seconds,
                }
            }
            (Role::Facilitator, Command::StopTimer { op }) => Event::TimerStopped { op },
            (
                Role::Participant(participant),
                Command::Answer {
                    op,
                    step,
                    prompt,
                    value,
                },
            ) => {
                let (index, _) = self.open_step(&step)?;
                let value = self.check_answer(participant, index, &prompt, value)?;
                Event::Answered {
                    participant,
                    op,
                    step,
                    prompt,
                    value,
                }
            }
            (Role::Participant(participant), Command::SetReady { op, step, ready }) => {
                self.open_step(&step)?;
                Event::ReadyChanged {
                    participant,
                    op,
                    step,
                    ready,
                }
            }
            (Role::Participant(participant), Command::Forget { op }) => {
                Event::Forgot { participant, op }
            }
            (Role::Facilitator, Command::SetDoor { op, open }) => Event::DoorSet { op, open },
            (Role::Facilitator, Command::Remove { op, participant }) => {
                if self.participant(participant).is_none_or(|p| p.removed) {
                    return Err(RuleError::Invalid);
                }
                // The same path as their own "delete my answers", then the end of the identity.
                return Ok(vec![
                    Event::Forgot {
                        participant,
                        op: op.clone(),
                    },
                    Event::Removed { participant, op },
                ]);
            }
            (
                Role::Facilitator | Role::Participant(_),
                Command::Activity {
                    op,
                    step,
                    action,
                    table,
                },
            ) => {
                let (index, _) = self.programme().step(&step).ok_or(RuleError::WrongStep)?;
                return self.decide_activity(actor, op, index, action, table);
            }
            (Role::Facilitator, Command::Seating { op, seating }) => {
                return self.decide_seating(By::Facilitator, op, seating);
            }
            (Role::Participant(p), Command::Seating { op, seating }) => {
                return self.decide_seating(By::Participant(p), op, seating);
            }
            _ => return Err(RuleError::NotAllowed),
        };
        Ok(vec![event])
    }

    /// A step a participant may write to: the current one or an earlier one (answers typed
    /// offline arrive late and must not be lost), never a later one.
    fn open_step(&self, step_id: &str) -> Result<(usize, &Step), RuleError> {
        match self.programme().step(step_id) {
            Some((index, step)) if index <= self.step => Ok((index, step)),
            _ => Err(RuleError::WrongStep),
        }
    }

    /// Folds one event into the state. Events come from `apply` or from the store, so they are
    /// trusted; an event that does not fit is ignored rather than crashing a restart.
    pub fn evolve(&mut self, event: &Event) {
        self.seq += 1;
        match event {
            Event::Joined {
                participant,
                secret,
                name,
                at_ms,
            } => {
                if participant.index() == self.participants.len() {
                    self.participants.push(Participant {
                        id: *participant,
                        secret: secret.clone(),
                        name: name.clone(),
                        joined_at_ms: *at_ms,
                        answers: BTreeMap::new(),
                        ready: BTreeSet::new(),
                        plan_shared: BTreeSet::new(),
                        ops: HashSet::new(),
                        removed: false,
                        table: None,
                    });
                }
            }
            Event::StepChanged { op, index, at_ms } => {
                self.facilitator_ops.insert(op.clone());
                if *index < self.programme().steps.len() {
                    if *index != self.step && self.first_moved_ms.is_none() {
                        self.first_moved_ms = *at_ms;
                    }
                    self.step = *index;
                }
                // A countdown belongs to its step.
                self.timer = None;
            }
            Event::TimerStarted {
                op,
                ends_at_ms,
                seconds,
            } => {
                self.facilitator_ops.insert(op.clone());
                self.timer = Some(Timer {
                    ends_at_ms: *ends_at_ms,
                    seconds: *seconds,
                });
            }
            Event::TimerStopped { op } => {
                self.facilitator_ops.insert(op.clone());
                self.timer = None;
            }
            Event::Answered {
                participant,
                op,
                step,
                prompt,
                value,
            } => {
                if let Some(p) = self.participants.get_mut(participant.index()) {
                    p.ops.insert(op.clone());
                    let answers = p.answers.entry(step.clone()).or_default();
                    match value {
                        Some(value) => {
                            answers.insert(prompt.clone(), value.clone());
                        }
                        None => {
                            answers.remove(prompt);
                        }
                    }
                }
                if let Some((index, _)) = self.programme().step(step)
                    && let Some(scope) = self.scope_of(*participant)
                {
                    self.note_change(scope, index, *participant, prompt);
                }
            }
            Event::Carried {
                items,
                rows,
                points,
            } => {
                self.carried = items.clone();
                self.carried_rows = rows.clone();
                self.carried_points = points.clone();
            }
            Event::Changed {
                by,
                op,
                step,
                change,
                table,
            } => {
                self.note_op(*by, op);
                let exists = table.is_none_or(|t| t.index() < self.tables.len());
                if *step < self.steps.len() && exists {
                    self.apply_change(*by, Scope::of(*table), *step, change);
                }
            }
            Event::TablesSet {
                op,
                count,
                settings,
            } => {
                self.facilitator_ops.insert(op.clone());
                self.set_tables(*count, *settings);
            }
            Event::Seated { by, op, seats } => {
                self.note_op(*by, op);
                for (participant, table) in seats {
                    self.seat(*participant, *table);
                }
            }
            Event::HostSet {
                by,
                op,
                table,
                participant,
            } => {
                self.note_op(*by, op);
                self.set_host(*table, *participant);
            }
            Event::Forgot { participant, op } => {
                if let Some(p) = self.participants.get_mut(participant.index()) {
                    p.ops.insert(op.clone());
                    p.answers.clear();
                    p.plan_shared.clear();
                    p.name = None;
                }
                for share in self
                    .shares
                    .iter_mut()
                    .filter(|s| s.participant == *participant)
                {
                    share.active = false;
                    share.named = false;
                }
                // Their answers leave the published copy at once; the results they counted in
                // are held as shown until `min_group` others changed theirs — at every table
                // they sat at, since a move leaves their answers in the old table's results
                // until its next publication.
                for scope in self.scopes() {
                    for index in 0..self.steps.len() {
                        self.hold_for_forget(scope, index, *participant);
                    }
                }
                for state in self.all_states_mut() {
                    state.pending.remove(participant);
                    if let Some(published) = &mut state.published {
                        published.remove(participant);
                    }
                    state.grid.forget(*participant);
                }
            }
            Event::DoorSet { op, open } => {
                self.facilitator_ops.insert(op.clone());
                self.closed = !*open;
            }
            Event::DateSet { date } => {
                self.replanned = Some(Replanned { date: date.clone() });
            }
            Event::Removed { participant, op } => {
                self.facilitator_ops.insert(op.clone());
                if let Some(p) = self.participants.get_mut(participant.index()) {
                    p.removed = true;
                    p.ready.clear();
                    p.table = None;
                }
                for table in &mut self.tables {
                    if table.host == Some(*participant) {
                        table.host = None;
                    }
                }
            }
            Event::ReadyChanged {
                participant,
                op,
                step,
                ready,
            } => {
                if let Some(p) = self.participants.get_mut(participant.index()) {
                    p.ops.insert(op.clone());
                    if *ready {
                        p.ready.insert(step.clone());
                    } else {
                        p.ready.remove(step);
                    }
                }
            }
        }
    }

    /// What must always hold. Returns the first violation found.
    pub fn check_invariants(&self) -> Result<(), String> {
        let steps = &self.programme().steps;
        if self.step >= steps.len() {
            return Err(format!("step {} out of {}", self.step, steps.len()));
        }
        if self.participants.len() > MAX_PARTICIPANTS {
            return Err("too many participants".into());
        }
        if self.facilitator_ops.len() > MAX_OPS_PER_ACTOR {
            return Err("facilitator exceeded its operations".into());
        }
        if let Some(day) = self.planned()
            && crate::dates::Date::parse(day).is_none()
        {
            return Err(format!("the meeting's day {day:?} is not a day"));
        }
        if let Some(timer) = self.timer
            && (timer.seconds == 0 || timer.seconds > MAX_TIMER_SECONDS)
        {
            return Err("timer out of range".into());
        }
        for (index, p) in self.participants.iter().enumerate() {
            if p.id.index() != index {
                return Err(format!("participant {} stored at {index}", p.id));
            }
            if p.ops.len() > MAX_OPS_PER_ACTOR {
                return Err(format!("{} exceeded its operations", p.id));
            }
            for step_id in &p.ready {
                if self.programme().step(step_id).is_none() {
                    return Err(format!("{} ready for unknown step {step_id}", p.id));
                }
            }
            for (step_id, answers) in &p.answers {
                let Some((index, _)) = self.programme().step(step_id) else {
                    return Err(format!("{} answered unknown step {step_id}", p.id));
                };
                for (key, answer) in answers {
                    let again = self.check_answer(p.id, index, key, answers::as_input(answer));
                    if again != Ok(Some(answer.clone())) {
                        return Err(format!(
                            "{}'s answer to {step_id}/{key} does not fit: {again:?}",
                            p.id
                        ));
                    }
                }
            }
            for step_id in &p.plan_shared {
                if !self
                    .programme()
                    .step(step_id)
                    .is_some_and(|(_, s)| s.kind == StepKind::PersonalPlan)
                {
                    return Err(format!(
                        "{} shared a plan of {step_id}, not a personal plan step",
                        p.id
                    ));
                }
            }
        }
        if self.steps.len() != steps.len() {
            return Err("one step state per step".into());
        }
        if self.carried.len() > MAX_CARRIED
            || self.carried_rows.len() > follow::MAX_REVIEW_ROWS
            || self.carried_points.len() > follow::MAX_TREND_POINTS
        {
            return Err("too much carried in".into());
        }
        self.check_tables()?;
        for scope in self.scopes() {
            for index in 0..self.steps.len() {
                self.check_step_state(scope, index)?;
            }
        }
        for (i, share) in self.shares.iter().enumerate() {
            if share.id as usize != i
                || share.step >= steps.len()
                || self.participant(share.participant).is_none()
                || share.table.is_some_and(|t| t.index() >= self.tables.len())
            {
                return Err(format!("share {i} is inconsistent"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod activity_tests;
#[cfg(test)]
mod follow_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod publication_tests;
#[cfg(test)]
mod tables_tests;
#[cfg(test)]
mod tests;
