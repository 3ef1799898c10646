//! Bodies of the HTTP API: what scripts and the start page send, and what they get back.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::content::customise::StepChanges;
use crate::content::{Programme, Step, Text};
use crate::domain::Lang;

/// One entry of `GET /api/programmes`.
#[derive(Serialize, Deserialize, Debug)]
pub struct ProgrammeSummary {
    /// Programme id.
    pub id: String,
    /// Title in both languages.
    pub title: Text,
    /// The steps (empty for a series).
    pub steps: Vec<StepSummary>,
    /// Who it is for.
    #[serde(default)]
    pub audience: Text,
    /// Suggested meeting length.
    #[serde(default)]
    pub minutes: Option<u32>,
    /// For a series: the programme ids of its meetings, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<Vec<String>>,
    /// The smallest `min_group` a session of it may be created with: 3 with group results,
    /// 1 for a programme for one person (issue 13).
    #[serde(default)]
    pub min_group_floor: u32,
}

/// A step in a [`ProgrammeSummary`] or a session's step list.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct StepSummary {
    /// Step id.
    pub id: String,
    /// Step kind.
    pub kind: String,
    /// Title in both languages.
    pub title: Text,
}

impl StepSummary {
    pub(crate) fn of(step: &Step) -> Self {
        StepSummary {
            id: step.id.clone(),
            kind: step.kind.as_str().to_owned(),
            title: step.title.clone(),
        }
    }
}

impl ProgrammeSummary {
    /// The summary of a programme.
    pub fn of(programme: &Programme) -> Self {
        ProgrammeSummary {
            id: programme.id.clone(),
            title: programme.title.clone(),
            steps: programme.steps.iter().map(StepSummary::of).collect(),
            audience: programme.audience.clone(),
            minutes: programme.minutes,
            series: None,
            min_group_floor: if programme.has_group_results() {
                crate::content::MIN_GROUP_FLOOR
            } else {
                1
            },
        }
    }

    /// The summary of a series.
    pub fn of_series(series: &crate::content::Series) -> Self {
        ProgrammeSummary {
            id: series.id.clone(),
            title: series.title.clone(),
            steps: Vec::new(),
            audience: series.audience.clone(),
            minutes: None,
            series: Some(series.meetings.clone()),
            // A series is for a group; each meeting is checked when it is created.
            min_group_floor: crate::content::MIN_GROUP_FLOOR,
        }
    }
}

/// Body of `POST /api/sessions`.
#[derive(Deserialize, Serialize, Debug)]
pub struct CreateSession {
    /// Programme id.
    pub programme: String,
    /// Interface language, Danish by default.
    #[serde(default)]
    pub lang: Option<Lang>,
    /// Minimum group size for aggregates (default 3).
    #[serde(default)]
    pub min_group: Option<u32>,
    /// The facilitator's own cards, topics or actor categories, by step id.
    #[serde(default)]
    pub customise: Option<BTreeMap<String, StepChanges>>,
    /// The day the meeting is held, `YYYY-MM-DD` (the exports' date).
    #[serde(default)]
    pub date: Option<String>,
    /// Seat participants at tables (issue 16).
    #[serde(default)]
    pub tables: Option<TablesRequest>,
    /// The session follows up an earlier one (issue 17): its code and facilitator token.
    #[serde(default)]
    pub follows: Option<FollowsRequest>,
    /// The session's own preparation texts or links (issue 17), replacing the programme's.
    #[serde(default)]
    pub articles: Option<Vec<crate::content::customise::ArticleInput>>,
}

/// The earlier session a follow-up follows: its code and its facilitator's token.
#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct FollowsRequest {
    /// The earlier session's join code.
    pub code: String,
    /// Its facilitator token.
    pub token: String,
}

/// Reply to `PUT /api/sessions/{code}/evaluation/{step}`: how many rows were taken in.
#[derive(Deserialize, Serialize, Debug)]
pub struct Imported {
    /// The evaluation step.
    pub step: String,
    /// Rows taken in.
    pub rows: usize,
}

/// The body of a refused import: the problems, each with its line (or row) and field, in
/// both languages; `error` is all of them in the session's language.
#[derive(Deserialize, Serialize, Debug)]
pub struct ImportErrors {
    /// Every problem, one a line, in the session's language.
    pub error: String,
    /// The problems.
    pub problems: Vec<ImportProblem>,
}

/// One problem of an import.
#[derive(Deserialize, Serialize, Debug)]
pub struct ImportProblem {
    /// `line` (of the text) or `row` (of a JSON list).
    pub place: String,
    /// Its number, from 1.
    pub line: usize,
    /// The field: `item`, `score`, `scale` or `n`, where the problem is one field's.
    pub field: Option<String>,
    /// What is wrong, e.g. `not_a_number`.
    pub problem: String,
    /// For a person, in both languages.
    pub message: Text,
}

/// `PUT /api/sessions/{code}/evaluation/{step}` as JSON: the rows field by field (each value
/// a text or a number), read by the same rules as a table.
#[derive(Deserialize, Serialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct ImportRows {
    /// The rows.
    pub rows: Vec<ImportRow>,
}

/// One row of [`ImportRows`].
#[derive(Deserialize, Serialize, Debug)]
pub struct ImportRow {
    /// The question.
    #[serde(default)]
    pub item: serde_json::Value,
    /// Its average score (`3.8` or `"3,8"`).
    #[serde(default)]
    pub score: serde_json::Value,
    /// Its scale (`"1-5"` or `5`).
    #[serde(default)]
    pub scale: serde_json::Value,
    /// How many answered.
    #[serde(default)]
    pub n: serde_json::Value,
}

/// Tables asked for at creation. (A table size is the console's: seating everyone at random in
/// tables of about that size makes as many tables as that needs.)
#[derive(Deserialize, Serialize, Debug, Clone, Copy, Default)]
pub struct TablesRequest {
    /// How many tables (1–200).
    pub count: usize,
    /// Participants choose their table on the phone (else the facilitator seats them).
    #[serde(default)]
    pub choose: bool,
    /// Members' phones show their table's revealed results.
    #[serde(default)]
    pub phones_see_results: bool,
}

/// Body of `POST /api/series`.
#[derive(Deserialize, Serialize, Debug)]
pub struct CreateSeries {
    /// Series id.
    pub series: String,
    /// Interface language.
    #[serde(default)]
    pub lang: Option<Lang>,
    /// Minimum group size.
    #[serde(default)]
    pub min_group: Option<u32>,
    /// Changes per meeting: programme id → step id → changes.
    #[serde(default)]
    pub customise: Option<BTreeMap<String, BTreeMap<String, StepChanges>>>,
    /// The day each meeting is held, `YYYY-MM-DD`, in meeting order (at most one per meeting;
    /// `null` for a meeting without one).
    #[serde(default)]
    pub dates: Option<Vec<Option<String>>>,
    /// Seat participants at tables in every meeting (issue 16).
    #[serde(default)]
    pub tables: Option<TablesRequest>,
}

/// Reply to `POST /api/series`.
#[derive(Deserialize, Serialize, Debug)]
pub struct SeriesCreated {
    /// Series id.
    pub series: String,
    /// Its title.
    pub title: Text,
    /// One facilitator token for every meeting.
    pub facilitator_token: String,
    /// The combined export of all meetings.
    pub export_url: String,
    /// The series' facilitator page (with the token): every meeting, to come back to.
    pub series_url: String,
    /// Each meeting, in order, with its own join link.
    pub meetings: Vec<SessionCreated>,
}

/// Reply to `GET /api/series/{code}` (facilitator token): the series and every meeting in it.
#[derive(Deserialize, Serialize, Debug)]
pub struct SeriesInfo {
    /// Series id.
    pub series: String,
    /// Its title.
    pub title: Text,
    /// The combined export of all meetings (needs the token).
    pub export_url: String,
    /// Each meeting, in order.
    pub meetings: Vec<SeriesMeeting>,
}

/// One meeting of a series as its facilitator page lists it.
#[derive(Deserialize, Serialize, Debug)]
pub struct SeriesMeeting {
    /// Position in the series, from 0.
    pub position: usize,
    /// Join code.
    pub code: String,
    /// The meeting's programme and where it is now; `None` when the meeting was deleted.
    pub meeting: Option<MeetingState>,
}

/// A live meeting of a series: its links and where it is.
#[derive(Deserialize, Serialize, Debug)]
pub struct MeetingState {
    /// Programme id.
    pub programme: String,
    /// Programme title.
    pub title: Text,
    /// What the QR code holds.
    pub join_url: String,
    /// The facilitator console (with the token).
    pub facilitator_url: String,
    /// The projector page (with its read-only token).
    pub projector_url: String,
    /// The current step.
    pub step: StepPosition,
    /// How many steps the programme has.
    pub steps: usize,
    /// Everyone who ever joined.
    pub joined: usize,
    /// Participants with an open connection now.
    pub connected: usize,
    /// The day set for the meeting at creation, `YYYY-MM-DD`; absent when none was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// Reply to `POST /api/sessions`.
#[derive(Serialize, Deserialize, Debug)]
pub struct SessionCreated {
    /// Join code.
    pub code: String,
    /// What the QR code holds.
    pub join_url: String,
    /// The projector page (with its read-only token).
    pub projector_url: String,
    /// The facilitator console (with the facilitator token).
    pub facilitator_url: String,
    /// The facilitator token, for scripts.
    pub facilitator_token: String,
}

/// Reply to `GET /api/sessions/{code}/join`: the code names a live session.
#[derive(Serialize, Deserialize, Debug)]
pub struct JoinCheck {
    /// The code as the session spells it (typed codes ignore case, spaces and dashes).
    pub code: String,
}

/// Reply to `GET /api/sessions/{code}`.
#[derive(Serialize, Deserialize, Debug)]
pub struct SessionInfo {
    /// Join code.
    pub code: String,
    /// Programme id.
    pub programme: String,
    /// The day set for the meeting (`YYYY-MM-DD`: at creation or since, `POST …/date`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The day the exports carry (`YYYY-MM-DD`): the day set, else the day it was held, else
    /// the day it was created.
    pub meeting_date: String,
    /// The current step.
    pub step: StepPosition,
    /// Participant counts.
    pub participants: ParticipantCounts,
}

/// Body of `POST /api/sessions/{code}/date`: the meeting's day, or `null` to clear it.
#[derive(Serialize, Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct SetDate {
    /// `YYYY-MM-DD`, a real day; `null` clears the day set.
    pub date: Option<String>,
}

/// Reply to `POST /api/sessions/{code}/date`.
#[derive(Serialize, Deserialize, Debug)]
pub struct SessionDate {
    /// The day set for the meeting now (`null`: none).
    pub date: Option<String>,
    /// The day its exports carry now.
    pub meeting_date: String,
}

/// Where a session is.
#[derive(Serialize, Deserialize, Debug)]
pub struct StepPosition {
    /// Index of the step.
    pub index: usize,
    /// Step id.
    pub id: String,
    /// Step kind.
    pub kind: String,
}

/// How many joined, and how many have a live connection.
#[derive(Serialize, Deserialize, Debug)]
pub struct ParticipantCounts {
    /// Everyone who ever joined.
    pub joined: usize,
    /// Participants with at least one open connection.
    pub connected: usize,
    /// Those who gave a name, in the order they joined (nobody without a name is listed).
    #[serde(default)]
    pub named: Vec<NamedParticipant>,
}

/// The reply of `GET /api/sessions/{code}/participants` (issue 13): everyone in, for the
/// console's "Fjern", and whether the door is closed.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct ParticipantList {
    /// Everyone in, named or not, by number in joining order (removed ones left out).
    pub everyone: Vec<ListedParticipant>,
    /// The facilitator closed the meeting to new participants.
    pub closed: bool,
}

/// A participant in the console's list.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct ListedParticipant {
    /// Their id (`p<n>`), for the `remove` command.
    pub id: String,
    /// Their number in joining order, from 1.
    pub number: usize,
    /// The name they gave, if any.
    pub name: Option<String>,
    /// They have an open connection.
    pub connected: bool,
    /// They marked the current step done.
    pub ready: bool,
    /// The number of the table they sit at, in a session with tables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<u16>,
    /// They are their table's host.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub host: bool,
}

/// A participant who gave a name: whether they are here and done with the current step.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct NamedParticipant {
    /// The name they gave.
    pub name: String,
    /// They have an open connection.
    pub connected: bool,
    /// They marked the current step done.
    pub ready: bool,
    /// The number of the table they sit at, in a session with tables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<u16>,
}

/// Body of every HTTP error.
#[derive(Serialize, Deserialize, Debug)]
pub struct ErrorBody {
    /// What went wrong, for a person.
    pub error: String,
}
