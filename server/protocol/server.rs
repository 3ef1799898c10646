//! What the server sends over the WebSocket: snapshots, step and activity changes, timers,
//! counts, acks and errors.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use super::api::StepSummary;
use crate::audience::Audience;
use crate::content::{Area, Prompt, Text};
use crate::domain::{Answer, Lang, Name, Participant, Session, Timer};

/// Every message the server sends. Each carries the session's sequence number `seq`.
/// Built on the stack and serialised at once, so the size difference of variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Serialize, Debug)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg<'a> {
    /// The whole state this screen may see; replaces what it had.
    Snapshot {
        /// Sequence number.
        seq: u64,
        /// Server clock, ms since the epoch.
        server_time: i64,
        /// `facilitator`, `projector` or `participant`.
        role: &'static str,
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
        op: &'a str,
    },
    /// A message or command was refused; nothing changed.
    Error {
        /// Sequence number.
        seq: u64,
        /// The operation it concerns.
        op: Option<&'a str>,
        /// Machine-readable code.
        code: &'a str,
        /// For a person.
        message: &'a str,
    },
    /// The session was deleted; the connection closes with 4404.
    Deleted {
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
    /// The whole state `audience` may see of `session`: `me` is the participant whose own
    /// connection this is, `connected` how many participants are connected now.
    pub fn snapshot(
        session: &'a Session,
        audience: Audience,
        me: Option<&'a Participant>,
        links: Links<'a>,
        connected: usize,
        server_time: i64,
    ) -> Self {
        ServerMsg::Snapshot {
            seq: session.seq(),
            server_time,
            role: audience.role_name(),
            me: me.map(|p| MeView::of(session, p)),
            session: SessionView::of(
                session,
                links.join_url,
                audience.sees_preparation().then_some(links.projector_url),
            ),
            step: StepView::current(session, audience.sees_notes()),
            timer: session.timer().map(TimerView::from),
            progress: audience
                .sees_progress()
                .then(|| ProgressView::of(session, connected)),
            activity: super::activity_view(session, audience),
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
#[derive(Serialize, Debug)]
pub struct MeView<'a> {
    id: String,
    secret: &'a str,
    name: Option<&'a str>,
    answers: &'a BTreeMap<String, BTreeMap<String, Answer>>,
    ready: &'a std::collections::BTreeSet<String>,
    shares: Vec<Value>,
    votes: BTreeMap<&'a str, &'a [String]>,
    plan_shared: &'a std::collections::BTreeSet<String>,
}

impl<'a> MeView<'a> {
    /// The view of `participant` of `session`, for their own screen only.
    pub fn of(session: &'a Session, participant: &'a Participant) -> Self {
        let steps = &session.programme().steps;
        let shares = session
            .shares()
            .iter()
            .filter(|s| s.participant == participant.id && s.active)
            .map(|s| json!({ "step": steps[s.step].id, "prompt": s.prompt, "item": s.item, "named": s.named }))
            .collect();
        let votes = steps
            .iter()
            .enumerate()
            .filter_map(|(i, step)| {
                let votes = session.step_state(i).grid.votes.get(&participant.id)?;
                Some((step.id.as_str(), votes.as_slice()))
            })
            .collect();
        MeView {
            id: participant.id.to_string(),
            secret: participant.secret().expose(),
            name: participant.name.as_ref().map(Name::as_str),
            answers: &participant.answers,
            ready: &participant.ready,
            shares,
            votes,
            plan_shared: &participant.plan_shared,
        }
    }
}

/// The session as every screen sees it.
#[derive(Serialize, Debug)]
pub struct SessionView<'a> {
    code: &'a str,
    join_url: &'a str,
    projector_url: Option<&'a str>,
    programme: ProgrammeTitle<'a>,
    lang: Lang,
    min_group: u32,
    steps: Vec<StepSummary>,
    /// Facilitator only: what to do before the meeting.
    preparation: Option<&'a Text>,
    /// Facilitator only: the invitation text (`{link}`, `{code}` filled in by the page).
    invitation: Option<&'a crate::content::Invitation>,
    /// The series this meeting belongs to: `{id, title, position, codes}`.
    series: Option<&'a crate::domain::SeriesLink>,
    /// What earlier meetings of the series produced: `[{from, kind, text}]`.
    carried: &'a [crate::domain::Carried],
}

#[derive(Serialize, Debug)]
struct ProgrammeTitle<'a> {
    id: &'a str,
    title: &'a Text,
}

impl<'a> SessionView<'a> {
    /// The view; `projector_url` only for the facilitator.
    pub fn of(session: &'a Session, join_url: &'a str, projector_url: Option<&'a str>) -> Self {
        let created = session.created();
        SessionView {
            code: created.code.as_str(),
            join_url,
            projector_url,
            programme: ProgrammeTitle {
                id: &created.programme.id,
                title: &created.programme.title,
            },
            lang: created.lang,
            min_group: created.min_group,
            steps: created
                .programme
                .steps
                .iter()
                .map(StepSummary::of)
                .collect(),
            preparation: projector_url
                .is_some()
                .then_some(&created.programme.preparation),
            invitation: projector_url.and(created.programme.invitation.as_ref()),
            series: created.series.as_ref(),
            carried: session.carried(),
        }
    }
}

/// A step as a screen shows it.
#[derive(Serialize, Debug)]
pub struct StepView<'a> {
    index: usize,
    id: &'a str,
    kind: &'static str,
    title: &'a Text,
    body: &'a Text,
    notes: Option<&'a Text>,
    minutes: Option<u32>,
    prompts: &'a [Prompt],
    areas: &'a [Area],
    categories: &'a [Text],
    scale_max: u8,
}

impl<'a> StepView<'a> {
    /// The current step of `session`; the facilitator's notes only when `with_notes`.
    pub fn current(session: &'a Session, with_notes: bool) -> Self {
        let step = session.step();
        StepView {
            index: session.step_index(),
            id: &step.id,
            kind: step.kind.as_str(),
            title: &step.title,
            body: &step.body,
            notes: with_notes.then_some(&step.notes),
            minutes: step.minutes,
            prompts: &step.prompts,
            areas: &step.areas,
            categories: &step.categories,
            scale_max: step.scale_max,
        }
    }
}

/// A countdown on the wire.
#[derive(Serialize, Debug, Clone, Copy)]
pub struct TimerView {
    ends_at: i64,
    seconds: u32,
}

impl From<Timer> for TimerView {
    fn from(timer: Timer) -> Self {
        TimerView {
            ends_at: timer.ends_at_ms,
            seconds: timer.seconds,
        }
    }
}

/// Counts for the current step: never one person's answer.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct ProgressView {
    /// Everyone who joined.
    pub joined: usize,
    /// Participants connected now.
    pub connected: usize,
    /// Participants who marked the current step done.
    pub ready: usize,
    /// For each prompt of the current step, how many answered it.
    pub answers: BTreeMap<String, usize>,
}

impl ProgressView {
    /// The counts of `session` now, with `connected` from the live connections.
    pub fn of(session: &Session, connected: usize) -> Self {
        let step = session.step();
        ProgressView {
            joined: session.participants().len(),
            connected,
            ready: session.ready_count(&step.id),
            answers: session.answer_counts(step),
        }
    }
}
