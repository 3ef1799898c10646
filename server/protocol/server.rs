//! What the server sends over the WebSocket: snapshots, step and activity changes, timers,
//! counts, acks and errors.

use std::collections::BTreeMap;

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::api::StepSummary;
use crate::audience::Audience;
use crate::content::{Area, Article, Invitation, Prompt, Text};
use crate::domain::{
    Answer, Carried, Lang, Participant, ParticipantId, Scope, SeriesLink, Session, TableSettings,
    Timer,
};

/// Every message the server sends. Each carries the session's sequence number `seq`.
/// Built on the stack and serialised at once, so the size difference of variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg<'a> {
    /// The whole state this screen may see; replaces what it had.
    Snapshot {
        /// Sequence number.
        seq: u64,
        /// Server clock, ms since the epoch.
        server_time: i64,
        /// `facilitator`, `projector` or `participant`.
        role: Cow<'a, str>,
        /// The participant's own data (participants only).
        me: Option<MeView<'a>>,
        /// The session.
        session: SessionView<'a>,
        /// The current step.
        step: StepView<'a>,
        /// The countdown.
        timer: Option<TimerView>,
        /// Counts (facilitator and projector only).
        progress: Option<ProgressView>,
        /// The current step's activity as this role sees it (null for info and end steps).
        activity: Option<super::ActivityView>,
    },
    /// Everyone moves to this step.
    Step {
        /// Sequence number.
        seq: u64,
        /// The new step.
        step: StepView<'a>,
        /// Its activity as this role sees it.
        activity: Option<super::ActivityView>,
    },
    /// The current step's activity changed.
    Activity {
        /// Sequence number.
        seq: u64,
        /// Step index it belongs to.
        index: usize,
        /// The activity as this role sees it.
        activity: Option<super::ActivityView>,
    },
    /// The countdown changed.
    Timer {
        /// Sequence number.
        seq: u64,
        /// Server clock.
        server_time: i64,
        /// The countdown, or none.
        timer: Option<TimerView>,
    },
    /// Counts for the current step (facilitator and projector only).
    Progress {
        /// Sequence number.
        seq: u64,
        /// The counts.
        #[serde(flatten)]
        progress: ProgressView,
    },
    /// The operation is durably stored.
    Ack {
        /// Sequence number.
        seq: u64,
        /// The client's operation id.
        op: Cow<'a, str>,
    },
    /// A message or command was refused; nothing changed.
    Error {
        /// Sequence number.
        seq: u64,
        /// The operation it concerns.
        op: Option<Cow<'a, str>>,
        /// Machine-readable code.
        code: Cow<'a, str>,
        /// For a person.
        message: Cow<'a, str>,
    },
    /// The session was deleted; the connection closes with 4404.
    Deleted {
        /// Sequence number.
        seq: u64,
    },
    /// The facilitator removed this participant: their answers are deleted and their secret
    /// no longer resumes; the connection closes with 4401.
    Removed {
        /// Sequence number.
        seq: u64,
    },
}

/// The addresses a snapshot names: the join link, and the projector page (with its token)
/// for the audiences that may see it.
#[derive(Clone, Copy, Debug)]
pub struct Links<'a> {
    /// What the QR code holds.
    pub join_url: &'a str,
    /// The projector page with its read-only token.
    pub projector_url: &'a str,
}

impl<'a> ServerMsg<'a> {
    /// The whole state `audience` may see of `session` in `scope` (the hall, or the table
    /// the screen shows): `me` is the participant whose own connection this is, `present`
    /// who is connected now.
    pub fn snapshot(
        session: &'a Session,
        audience: Audience,
        scope: Scope,
        me: Option<&'a Participant>,
        links: Links<'a>,
        present: impl Fn(ParticipantId) -> bool,
        server_time: i64,
    ) -> Self {
        let mut view = SessionView::of(
            session,
            links.join_url,
            audience.sees_preparation().then_some(links.projector_url),
        );
        view.table = scope.table().map(|t| t.number());
        view.hosted = scope
            .table()
            .and_then(|t| session.tables().get(t.index()))
            .map(|t| t.host.is_some());
        ServerMsg::Snapshot {
            seq: session.seq(),
            server_time,
            role: Cow::Borrowed(audience.role_name()),
            me: me.map(|p| MeView::of(session, p)),
            session: view,
            step: StepView::current(session, audience.sees_notes()),
            timer: session.timer().map(TimerView::from),
            progress: audience
                .sees_progress()
                .then(|| ProgressView::of(session, scope, present)),
            activity: super::activity_view(session, audience, scope),
        }
    }
}

impl<'a> ServerMsg<'a> {
    /// The error frame telling a screen why a message or command was refused.
    pub fn error(seq: u64, error: &'a super::WireError) -> Self {
        ServerMsg::Error {
            seq,
            op: error.op.as_deref().map(Cow::Borrowed),
            code: Cow::Borrowed(error.code),
            message: Cow::Borrowed(&error.message),
        }
    }
}

impl ServerMsg<'_> {
    /// The message as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("server messages always serialize")
    }
}

/// A participant's own view of themselves.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct MeView<'a> {
    /// Participant id.
    pub id: String,
    /// Their resumable secret, for this screen only.
    pub secret: Cow<'a, str>,
    /// Their name, if they gave one.
    pub name: Option<Cow<'a, str>>,
    /// Their answers: step id → prompt id → answer.
    pub answers: Cow<'a, BTreeMap<String, BTreeMap<String, Answer>>>,
    /// Steps they marked done.
    pub ready: Cow<'a, BTreeSet<String>>,
    /// What they share now.
    pub shares: Vec<MyShare>,
    /// Their dots, by grid step id.
    pub votes: BTreeMap<Cow<'a, str>, Cow<'a, [String]>>,
    /// Personal-plan steps they shared with the facilitator.
    pub plan_shared: Cow<'a, BTreeSet<String>>,
    /// The number of the table they sit at, in a session with tables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<u16>,
    /// They are their table's host.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub host: bool,
}

/// Something a participant shares now.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct MyShare {
    /// Step id.
    pub step: String,
    /// Prompt id.
    pub prompt: String,
    /// List item id, for list prompts.
    pub item: Option<String>,
    /// With their name.
    pub named: bool,
}

impl<'a> MeView<'a> {
    /// The view of `participant` of `session`, for their own screen only.
    pub fn of(session: &'a Session, participant: &'a Participant) -> Self {
        let steps = &session.programme().steps;
        let shares = session
            .shares()
            .iter()
            .filter(|s| s.participant == participant.id && s.active)
            .map(|s| MyShare {
                step: steps[s.step].id.clone(),
                prompt: s.prompt.clone(),
                item: s.item.clone(),
                named: s.named,
            })
            .collect();
        let scope = session.scope_of(participant.id).unwrap_or(Scope::Hall);
        let votes = steps
            .iter()
            .enumerate()
            .filter_map(|(i, step)| {
                let votes = session.state(scope, i).grid.votes.get(&participant.id)?;
                Some((
                    Cow::Borrowed(step.id.as_str()),
                    Cow::Borrowed(votes.as_slice()),
                ))
            })
            .collect();
        MeView {
            id: participant.id.to_string(),
            secret: Cow::Borrowed(participant.secret().expose()),
            name: participant.name.as_ref().map(|n| Cow::Borrowed(n.as_str())),
            answers: Cow::Borrowed(&participant.answers),
            ready: Cow::Borrowed(&participant.ready),
            shares,
            votes,
            plan_shared: Cow::Borrowed(&participant.plan_shared),
            table: participant.table.map(|t| t.number()),
            host: session.hosts(participant.id),
        }
    }
}

/// The session as every screen sees it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct SessionView<'a> {
    /// Join code.
    pub code: Cow<'a, str>,
    /// What the QR code holds.
    pub join_url: Cow<'a, str>,
    /// Facilitator only: the projector page with its token.
    pub projector_url: Option<Cow<'a, str>>,
    /// The programme's id and title.
    pub programme: ProgrammeTitle<'a>,
    /// Interface language.
    pub lang: Lang,
    /// Aggregates show from this many answers.
    pub min_group: u32,
    /// Whom the programme is for: `group`, or `one` (the 1:1, which reveals nothing).
    #[serde(default)]
    pub participants: crate::content::Participants,
    /// Every step, in order.
    pub steps: Vec<StepSummary>,
    /// Facilitator only: what to do before the meeting.
    pub preparation: Option<Cow<'a, Text>>,
    /// Facilitator only: the invitation text (`{link}`, `{code}` filled in by the page).
    pub invitation: Option<Cow<'a, Invitation>>,
    /// Facilitator only: the day set for the meeting (`YYYY-MM-DD`), if any (issue 14).
    #[serde(default)]
    pub date: Option<Cow<'a, str>>,
    /// The series this meeting belongs to: `{id, title, position, codes}`.
    pub series: Option<Cow<'a, SeriesLink>>,
    /// What earlier meetings of the series produced: `[{from, kind, text}]`.
    pub carried: Cow<'a, [Carried]>,
    /// What to read before the meeting (issue 17): `[{title, url?, text?}]`, up to three.
    #[serde(default, skip_serializing_if = "no_articles")]
    pub articles: Cow<'a, [Article]>,
    /// Facilitator only: the session this one follows up (issue 17), `{code, title, date}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<Cow<'a, crate::domain::follow::MeetingRef>>,
    /// The tables, in a session with tables: how many and how they work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables: Option<TablesView>,
    /// The table this screen shows (a table screen, or a seated participant's phone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<u16>,
    /// Whether that table has a host (so a phone offers to host only where nobody does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosted: Option<bool>,
}

fn no_articles(articles: &[Article]) -> bool {
    articles.is_empty()
}

/// How many tables a session has and how they work.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct TablesView {
    /// How many.
    pub count: usize,
    /// Participants choose their table on the phone.
    pub choose: bool,
    /// Members' phones show their table's revealed results.
    pub phones_see_results: bool,
    /// Facilitator only: each table's screen (its number is its place in the list, from 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screens: Option<Vec<String>>,
}

/// A programme's id and title.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ProgrammeTitle<'a> {
    /// Programme id.
    pub id: Cow<'a, str>,
    /// Its title.
    pub title: Cow<'a, Text>,
}

impl<'a> SessionView<'a> {
    /// The view; `projector_url` only for the facilitator.
    pub fn of(session: &'a Session, join_url: &'a str, projector_url: Option<&'a str>) -> Self {
        let created = session.created();
        SessionView {
            code: Cow::Borrowed(created.code.as_str()),
            join_url: Cow::Borrowed(join_url),
            projector_url: projector_url.map(Cow::Borrowed),
            programme: ProgrammeTitle {
                id: Cow::Borrowed(&created.programme.id),
                title: Cow::Borrowed(&created.programme.title),
            },
            lang: created.lang,
            min_group: created.min_group,
            participants: created.programme.participants,
            steps: created
                .programme
                .steps
                .iter()
                .map(StepSummary::of)
                .collect(),
            preparation: projector_url
                .is_some()
                .then_some(Cow::Borrowed(&created.programme.preparation)),
            invitation: projector_url
                .and(created.programme.invitation.as_ref())
                .map(Cow::Borrowed),
            date: projector_url.and(session.planned()).map(Cow::Borrowed),
            series: created.series.as_ref().map(Cow::Borrowed),
            carried: Cow::Borrowed(session.carried()),
            articles: Cow::Borrowed(&created.programme.articles),
            follows: projector_url
                .and(created.follows.as_ref())
                .map(|f| Cow::Borrowed(&f.from)),
            tables: session.has_tables().then(|| {
                let TableSettings {
                    choose,
                    phones_see_results,
                } = session.table_settings();
                TablesView {
                    count: session.tables().len(),
                    choose,
                    phones_see_results,
                    screens: projector_url.is_some().then(|| {
                        session
                            .table_ids()
                            .map(|t| crate::links::table_screen(created, t))
                            .collect()
                    }),
                }
            }),
            table: None,
            hosted: None,
        }
    }
}

/// A step as a screen shows it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct StepView<'a> {
    /// Index in the programme.
    pub index: usize,
    /// Step id.
    pub id: Cow<'a, str>,
    /// Step kind.
    pub kind: Cow<'a, str>,
    /// Heading.
    pub title: Cow<'a, Text>,
    /// The participants' instruction.
    pub body: Cow<'a, Text>,
    /// Facilitator only: the private notes.
    pub notes: Option<Cow<'a, Text>>,
    /// Suggested minutes.
    pub minutes: Option<u32>,
    /// A reflection's prompts.
    pub prompts: Cow<'a, [Prompt]>,
    /// Areas of a plan, personal plan or reflection.
    pub areas: Cow<'a, [Area]>,
    /// A map's suggested actor categories.
    pub categories: Cow<'a, [Text]>,
    /// A grid's scale.
    pub scale_max: u8,
}

impl<'a> StepView<'a> {
    /// The current step of `session`; the facilitator's notes only when `with_notes`.
    pub fn current(session: &'a Session, with_notes: bool) -> Self {
        let step = session.step();
        StepView {
            index: session.step_index(),
            id: Cow::Borrowed(&step.id),
            kind: Cow::Borrowed(step.kind.as_str()),
            title: Cow::Borrowed(&step.title),
            // Screens show the app-only text too: after the body, and the app instructions
            // before the facilitator's notes (the paper hand-out leaves both out).
            body: joined(&step.body, &step.app_body),
            notes: with_notes.then(|| joined(&step.app_notes, &step.notes)),
            minutes: step.minutes,
            prompts: Cow::Borrowed(&step.prompts),
            areas: Cow::Borrowed(&step.areas),
            categories: Cow::Borrowed(&step.categories),
            scale_max: step.scale_max,
        }
    }
}

/// `first` then `then`, borrowed when one of them is empty (every step without app-only text).
fn joined<'a>(first: &'a Text, then: &'a Text) -> Cow<'a, Text> {
    if then.is_empty() {
        Cow::Borrowed(first)
    } else if first.is_empty() {
        Cow::Borrowed(then)
    } else {
        Cow::Owned(Text::joined(first, then))
    }
}

/// A countdown on the wire.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq)]
pub struct TimerView {
    /// When it ends, ms since the epoch.
    pub ends_at: i64,
    /// Its length.
    pub seconds: u32,
}

impl From<Timer> for TimerView {
    fn from(timer: Timer) -> Self {
        TimerView {
            ends_at: timer.ends_at_ms,
            seconds: timer.seconds,
        }
    }
}

/// Counts for the current step: never one person's answer. A table screen's are its table's.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ProgressView {
    /// Everyone who joined (at a table: who sits there).
    pub joined: usize,
    /// Participants connected now.
    pub connected: usize,
    /// Participants connected now who marked the current step done (those who left are not
    /// waited for).
    pub ready: usize,
    /// For each prompt of the current step, how many answered it.
    pub answers: BTreeMap<String, usize>,
    /// The facilitator closed the meeting to new participants (issue 13).
    #[serde(default)]
    pub closed: bool,
    /// As many joined as the server lets into one session (`--max-participants`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub full: bool,
    /// In the hall of a session with tables: each table's counts, and how many have no seat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables: Option<Vec<TableProgress>>,
    /// In the hall of a session with tables: participants without a seat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unseated: Option<usize>,
}

/// A table's counts, in the hall of a session with tables.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct TableProgress {
    /// The table's number.
    pub table: u16,
    /// Who sits there.
    pub members: usize,
    /// Of them, connected now.
    pub connected: usize,
    /// Of them, connected and done with the current step.
    pub ready: usize,
    /// Its host's participant id (`p<n>`), if it has one: the console names them from its
    /// participant list (names never travel over the socket).
    pub host: Option<String>,
}

impl ProgressView {
    /// The counts of `session` in `scope` now; `present` says whether a participant has a
    /// live connection.
    pub fn of(session: &Session, scope: Scope, present: impl Fn(ParticipantId) -> bool) -> Self {
        let step = session.step();
        let seated = |p: &Participant| match scope {
            Scope::Hall => true,
            Scope::Table(t) => p.table == Some(t),
        };
        let members: Vec<&Participant> = session
            .participants()
            .iter()
            .filter(|p| !p.removed && seated(p))
            .collect();
        let mut answers: BTreeMap<String, usize> = step
            .prompts
            .iter()
            .map(|p| (p.id().to_owned(), 0))
            .collect();
        for mine in members.iter().filter_map(|p| p.answers.get(&step.id)) {
            for prompt in mine.keys() {
                if let Some(count) = answers.get_mut(prompt) {
                    *count += 1;
                }
            }
        }
        let is_ready = |p: &Participant| p.ready.contains(&step.id) && present(p.id);
        let plenary = scope == Scope::Hall && session.has_tables();
        ProgressView {
            joined: members.len(),
            connected: members.iter().filter(|p| present(p.id)).count(),
            ready: members.iter().filter(|p| is_ready(p)).count(),
            answers,
            closed: session.is_closed(),
            full: session.is_full(),
            tables: plenary.then(|| {
                session
                    .table_ids()
                    .map(|t| {
                        let at: Vec<&Participant> = members
                            .iter()
                            .copied()
                            .filter(|p| p.table == Some(t))
                            .collect();
                        TableProgress {
                            table: t.number(),
                            members: at.len(),
                            connected: at.iter().filter(|p| present(p.id)).count(),
                            ready: at.iter().filter(|p| is_ready(p)).count(),
                            host: session.tables()[t.index()].host.map(|h| h.to_string()),
                        }
                    })
                    .collect()
            }),
            unseated: plenary.then(|| members.iter().filter(|p| p.table.is_none()).count()),
        }
    }
}
