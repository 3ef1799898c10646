//! The wire: every JSON shape that crosses the network, for the HTTP API and the WebSocket.
//! Documented message by message in `docs/PROTOCOL.md`. Domain types never go on the wire
//! directly; views here borrow from them and pick what each role may see.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use serde_json::{Value, json};

use crate::content::{Area, Programme, Prompt, Step, StepKind, Text};
use crate::domain::answers::ListItem;
use crate::domain::{
    Action, Actor, Answer, AnswerInput, Command, DealTo, Lang, Name, OpId, Participant,
    ParticipantId, RowFields, RuleError, Session, Timer, Token,
};

/// Largest WebSocket message the server accepts, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Close code: the token or participant identity is not valid for this session.
pub const CLOSE_UNAUTHORIZED: u16 = 4401;
/// Close code: the session does not exist (any more).
pub const CLOSE_NOT_FOUND: u16 = 4404;
/// Close code: the client did not read its messages fast enough; reconnect and resume.
pub const CLOSE_TOO_SLOW: u16 = 4408;
/// Close code: the first message was not `hello`, `join` or `resume`, or did not come in time.
pub const CLOSE_PROTOCOL: u16 = 4400;
/// Close code: the server is shutting down; reconnect later.
pub const CLOSE_GOING_AWAY: u16 = 1001;
/// Close code: a message was larger than [`MAX_MESSAGE_BYTES`].
pub const CLOSE_TOO_BIG: u16 = 1009;

// ---------------------------------------------------------------------------------------------
// HTTP API

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
}

/// A step in a [`ProgrammeSummary`] or a session's step list.
#[derive(Serialize, Deserialize, Debug)]
pub struct StepSummary {
    /// Step id.
    pub id: String,
    /// Step kind.
    pub kind: String,
    /// Title in both languages.
    pub title: Text,
}

impl StepSummary {
    fn of(step: &Step) -> Self {
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
}

/// Replacements for a step's cards, topics or actor categories. Each entry is a text, or
/// `{da, en}`.
#[derive(Deserialize, Serialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct StepChanges {
    /// The deck of a cards step.
    #[serde(default)]
    pub cards: Option<Vec<TextInput>>,
    /// The topics of a grid step.
    #[serde(default)]
    pub topics: Option<Vec<TextInput>>,
    /// The suggested actor roles of a map step.
    #[serde(default)]
    pub categories: Option<Vec<TextInput>>,
}

/// A text typed in one language (used for both) or given in both.
#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(untagged)]
pub enum TextInput {
    /// The same text in Danish and English.
    One(String),
    /// Both languages.
    Both(Text),
}

impl TextInput {
    fn into_text(self) -> Result<Text, String> {
        let text = match self {
            TextInput::One(t) => Text {
                da: t.trim().to_owned(),
                en: t.trim().to_owned(),
            },
            TextInput::Both(t) => Text {
                da: t.da.trim().to_owned(),
                en: t.en.trim().to_owned(),
            },
        };
        let fits =
            |s: &str| !s.is_empty() && s.chars().count() <= 300 && !s.chars().any(char::is_control);
        if fits(&text.da) && fits(&text.en) {
            Ok(text)
        } else {
            Err("each card, topic or category is 1–300 characters".into())
        }
    }
}

/// Applies a facilitator's changes to a programme; the caller validates the result.
pub fn apply_changes(
    programme: &mut Programme,
    changes: &BTreeMap<String, StepChanges>,
) -> Result<(), String> {
    for (step_id, change) in changes {
        let step = programme
            .steps
            .iter_mut()
            .find(|s| &s.id == step_id)
            .ok_or_else(|| format!("the programme has no step '{step_id}'"))?;
        let texts =
            |list: &Option<Vec<TextInput>>, max: usize| -> Result<Option<Vec<Text>>, String> {
                match list {
                    None => Ok(None),
                    Some(list) if list.len() > max => {
                        Err(format!("step '{step_id}': at most {max} entries"))
                    }
                    Some(list) => list
                        .iter()
                        .cloned()
                        .map(TextInput::into_text)
                        .collect::<Result<Vec<_>, _>>()
                        .map(Some),
                }
            };
        let wrong = |what: &str| Err(format!("step '{step_id}' has no {what} to change"));
        if let Some(cards) = texts(&change.cards, 100)? {
            if step.kind != StepKind::Cards {
                return wrong("cards");
            }
            step.cards = cards
                .into_iter()
                .enumerate()
                .map(|(i, text)| crate::content::Card {
                    id: format!("kort-{}", i + 1),
                    text,
                })
                .collect();
        }
        if let Some(topics) = texts(&change.topics, 50)? {
            if step.kind != StepKind::Grid {
                return wrong("topics");
            }
            step.topics = topics
                .into_iter()
                .enumerate()
                .map(|(i, text)| crate::content::Topic {
                    id: format!("emne-{}", i + 1),
                    text,
                })
                .collect();
        }
        if let Some(categories) = texts(&change.categories, 50)? {
            if step.kind != StepKind::Map {
                return wrong("actor categories");
            }
            step.categories = categories;
        }
    }
    Ok(())
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
    /// Each meeting, in order, with its own join link.
    pub meetings: Vec<SessionCreated>,
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

/// Reply to `GET /api/sessions/{code}`.
#[derive(Serialize, Deserialize, Debug)]
pub struct SessionInfo {
    /// Join code.
    pub code: String,
    /// Programme id.
    pub programme: String,
    /// The current step.
    pub step: StepPosition,
    /// Participant counts.
    pub participants: ParticipantCounts,
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

/// A participant who gave a name: whether they are here and done with the current step.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct NamedParticipant {
    /// The name they gave.
    pub name: String,
    /// They have an open connection.
    pub connected: bool,
    /// They marked the current step done.
    pub ready: bool,
}

/// Body of every HTTP error.
#[derive(Serialize, Deserialize, Debug)]
pub struct ErrorBody {
    /// What went wrong, for a person.
    pub error: String,
}

// ---------------------------------------------------------------------------------------------
// WebSocket: client → server

/// Every message a client may send.
#[derive(Deserialize, Debug)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMsg {
    /// Facilitator or projector opens: the token decides which.
    Hello {
        /// Facilitator or projector token.
        token: String,
        /// Highest sequence number seen, when resuming.
        #[serde(default)]
        last_seq: Option<u64>,
        /// See the session as a participant does, read-only ("preview as participant").
        #[serde(default)]
        preview: bool,
    },
    /// A new participant joins.
    Join {
        /// Optional display name.
        #[serde(default)]
        name: Option<String>,
    },
    /// A participant comes back.
    Resume {
        /// Participant id from the first `snapshot`.
        participant: String,
        /// Participant secret from the first `snapshot`.
        secret: String,
        /// Highest sequence number seen.
        #[serde(default)]
        last_seq: Option<u64>,
    },
    /// Facilitator: move everyone to a step.
    Goto {
        /// Operation id.
        op: String,
        /// Step index.
        index: usize,
    },
    /// Facilitator: start a countdown.
    TimerStart {
        /// Operation id.
        op: String,
        /// Length in seconds.
        seconds: u32,
    },
    /// Facilitator: stop the countdown.
    TimerStop {
        /// Operation id.
        op: String,
    },
    /// Participant: answer a prompt.
    Answer {
        /// Operation id.
        op: String,
        /// Step id.
        step: String,
        /// Prompt id.
        prompt: String,
        /// A number (scale) or a string (text).
        value: serde_json::Value,
    },
    /// Participant: delete all my answers, shares, dots and my name.
    ForgetMe {
        /// Operation id.
        op: String,
    },
    /// Participant: mark a step done or not.
    Ready {
        /// Operation id.
        op: String,
        /// Step id.
        step: String,
        /// Done or not.
        ready: bool,
    },
    /// An activity action on a step (see [`ActionMsg`]).
    Act {
        /// Operation id.
        op: String,
        /// Step id.
        step: String,
        /// What to do.
        #[serde(flatten)]
        action: ActionMsg,
    },
}

/// The `action` of an `act` message.
#[derive(Deserialize, Debug)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ActionMsg {
    /// Participant: share a text answer or a list item with the group.
    Share {
        /// Prompt id.
        prompt: String,
        /// List item id.
        #[serde(default)]
        item: Option<String>,
        /// Share or withdraw.
        share: bool,
        /// Show my name.
        #[serde(default)]
        named: bool,
    },
    /// Participant: share my personal plan with the facilitator.
    SharePlan {
        /// Share or withdraw.
        share: bool,
    },
    /// Facilitator: show or hide results.
    Reveal {
        /// Shown.
        revealed: bool,
    },
    /// Facilitator: group shared items.
    Group {
        /// Share numbers.
        shares: Vec<u32>,
        /// Label, or null to ungroup.
        #[serde(default)]
        label: Option<String>,
    },
    /// Facilitator: deal a card to `room`, `turn` (next participant) or a participant id.
    Deal {
        /// Card id; the next one when absent.
        #[serde(default)]
        card: Option<String>,
        /// `room`, `turn` or `p<n>`.
        #[serde(default = "room")]
        to: String,
    },
    /// Facilitator: add a card.
    AddCard {
        /// The question.
        text: String,
    },
    /// Facilitator or the card's holder: pass.
    Pass,
    /// Facilitator: a note on the card in play.
    Note {
        /// The note.
        text: String,
    },
    /// Add a grid topic.
    AddTopic {
        /// The topic.
        text: String,
    },
    /// Facilitator: let participants add topics.
    AllowTopics {
        /// Allowed.
        allowed: bool,
    },
    /// Facilitator: the agreed position `[importance, success]`, or null.
    Place {
        /// Topic id.
        topic: String,
        /// `[importance, success]`.
        #[serde(default)]
        position: Option<(i64, i64)>,
    },
    /// Facilitator: priorities in order.
    Prioritise {
        /// Topic ids.
        topics: Vec<String>,
    },
    /// Facilitator: open or close the dot vote.
    OpenVote {
        /// Open.
        open: bool,
    },
    /// Participant: my dots.
    Vote {
        /// Topic ids (at most three).
        topics: Vec<String>,
    },
    /// Facilitator: merge actor labels.
    Merge {
        /// Labels.
        labels: Vec<String>,
        /// New label.
        into: String,
    },
    /// Propose (participant) or add (facilitator) a plan row.
    AddRow {
        /// The row.
        row: RowMsg,
    },
    /// Facilitator: edit a row.
    EditRow {
        /// Row id.
        id: String,
        /// The row.
        row: RowMsg,
    },
    /// Facilitator: accept a row.
    AcceptRow {
        /// Row id.
        id: String,
        /// Accepted.
        accepted: bool,
    },
    /// Facilitator: delete a row.
    DeleteRow {
        /// Row id.
        id: String,
    },
    /// Facilitator: move a row.
    MoveRow {
        /// Row id.
        id: String,
        /// New position.
        to: usize,
    },
}

fn room() -> String {
    "room".into()
}

/// An action-plan row on the wire.
#[derive(Deserialize, Serialize, Debug, Default)]
#[serde(default)]
pub struct RowMsg {
    /// Area id.
    pub area: String,
    /// What we will do.
    pub action: String,
    /// First step.
    pub first_step: String,
    /// Who.
    pub owner: String,
    /// `YYYY-MM-DD` or empty.
    pub deadline: String,
    /// `YYYY-MM-DD` or empty.
    pub follow_up: String,
    /// The topic or actor it answers.
    pub answers: Option<String>,
}

impl From<RowMsg> for RowFields {
    fn from(row: RowMsg) -> Self {
        RowFields {
            area: row.area,
            action: row.action,
            first_step: row.first_step,
            owner: row.owner,
            deadline: row.deadline,
            follow_up: row.follow_up,
            answers: row.answers,
        }
    }
}

impl ActionMsg {
    fn into_action(self) -> Result<Action, &'static str> {
        Ok(match self {
            ActionMsg::Share {
                prompt,
                item,
                share,
                named,
            } => Action::Share {
                prompt,
                item,
                share,
                named,
            },
            ActionMsg::SharePlan { share } => Action::SharePlan { share },
            ActionMsg::Reveal { revealed } => Action::Reveal { revealed },
            ActionMsg::Group { shares, label } => Action::Group { shares, label },
            ActionMsg::Deal { card, to } => Action::Deal {
                card,
                to: match to.as_str() {
                    "room" => DealTo::Room,
                    "turn" => DealTo::Turn,
                    other => DealTo::Participant(
                        ParticipantId::parse(other)
                            .map_err(|_| "to must be room, turn or a participant id")?,
                    ),
                },
            },
            ActionMsg::AddCard { text } => Action::AddCard { text },
            ActionMsg::Pass => Action::Pass,
            ActionMsg::Note { text } => Action::Note { text },
            ActionMsg::AddTopic { text } => Action::AddTopic { text },
            ActionMsg::AllowTopics { allowed } => Action::AllowTopics { allowed },
            ActionMsg::Place { topic, position } => Action::Place { topic, position },
            ActionMsg::Prioritise { topics } => Action::Prioritise { topics },
            ActionMsg::OpenVote { open } => Action::OpenVote { open },
            ActionMsg::Vote { topics } => Action::Vote { topics },
            ActionMsg::Merge { labels, into } => Action::Merge { labels, into },
            ActionMsg::AddRow { row } => Action::AddRow { row: row.into() },
            ActionMsg::EditRow { id, row } => Action::EditRow {
                id,
                row: row.into(),
            },
            ActionMsg::AcceptRow { id, accepted } => Action::AcceptRow { id, accepted },
            ActionMsg::DeleteRow { id } => Action::DeleteRow { id },
            ActionMsg::MoveRow { id, to } => Action::MoveRow { id, to },
        })
    }
}

/// Reads an answer's `value` by its shape: number, string, list of items, or an object whose
/// fields say what it is; `null` removes the answer.
fn answer_input(value: Value) -> Result<AnswerInput, &'static str> {
    let int = |v: &Value| v.as_i64().ok_or("numbers in answers are whole numbers");
    let opt_int = |v: Option<&Value>| match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => int(v).map(Some),
    };
    let text = |v: Option<&Value>| match v {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err("expected a text"),
    };
    Ok(match value {
        Value::Null => AnswerInput::Clear,
        Value::Number(n) => {
            AnswerInput::Number(n.as_i64().ok_or("a scale answer is a whole number")?)
        }
        Value::String(s) => AnswerInput::Text(s),
        Value::Array(_) => {
            let items: Vec<ListItem> =
                serde_json::from_value(value).map_err(|_| "list items are {id, text, area?}")?;
            AnswerInput::List(items)
        }
        Value::Object(map) => {
            if let (Some(now), Some(wanted)) = (map.get("now"), map.get("wanted")) {
                let pair = |v: &Value| -> Result<[i64; 3], &'static str> {
                    Ok([int(&v["work"])?, int(&v["private"])?, int(&v["overlap"])?])
                };
                AnswerInput::Circles {
                    now: pair(now)?,
                    wanted: pair(wanted)?,
                }
            } else if map.contains_key("label") {
                AnswerInput::Actor {
                    label: text(map.get("label"))?,
                    influence: int(map.get("influence").unwrap_or(&Value::Null))?,
                    effect: int(map.get("effect").unwrap_or(&Value::Null))?,
                    closeness: opt_int(map.get("closeness"))?,
                }
            } else if map.contains_key("work") || map.contains_key("first_step") {
                AnswerInput::Personal {
                    work: text(map.get("work"))?,
                    first_step: text(map.get("first_step"))?,
                }
            } else if map.contains_key("importance") || map.contains_key("success") {
                AnswerInput::Rating {
                    importance: opt_int(map.get("importance"))?,
                    success: opt_int(map.get("success"))?,
                }
            } else {
                return Err("unknown kind of answer");
            }
        }
        Value::Bool(_) => return Err("an answer is a number, a text, a list or an object"),
    })
}

/// How a connection introduces itself.
#[derive(Debug)]
pub enum Opening {
    /// Facilitator or projector.
    Staff {
        /// The presented token.
        token: Token,
        /// Wants the participants' view, read-only.
        preview: bool,
    },
    /// A new participant.
    Join {
        /// Optional name.
        name: Option<Name>,
    },
    /// A returning participant.
    Resume {
        /// Who.
        participant: ParticipantId,
        /// Their secret.
        secret: Token,
    },
}

/// A message that could not be understood. `op` is set when the message named one.
#[derive(Debug, Clone, PartialEq)]
pub struct WireError {
    /// The operation it concerns, if known.
    pub op: Option<String>,
    /// Machine-readable code.
    pub code: &'static str,
    /// For a person.
    pub message: String,
}

impl WireError {
    fn bad(op: Option<String>, message: impl Into<String>) -> Self {
        WireError {
            op,
            code: "bad_message",
            message: message.into(),
        }
    }

    /// The error a refused command gets.
    pub fn rule(op: Option<&OpId>, error: &RuleError) -> Self {
        let code = match error {
            RuleError::NotAllowed => "not_allowed",
            RuleError::WrongStep => "wrong_step",
            RuleError::NoSuchPrompt | RuleError::Invalid | RuleError::TimerRange => "invalid",
            RuleError::TooLong(_) => "too_long",
            RuleError::Full => "full",
            RuleError::TooManyOps => "too_many_ops",
        };
        WireError {
            op: op.map(|o| o.as_str().to_owned()),
            code,
            message: error.to_string(),
        }
    }
}

/// Parses one text frame into a message, or a typed error naming the operation if it had one.
pub fn parse_client(text: &str) -> Result<ClientMsg, WireError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| WireError::bad(None, format!("not JSON: {e}")))?;
    let op = value.get("op").and_then(|v| v.as_str()).map(str::to_owned);
    serde_json::from_value(value).map_err(|e| WireError::bad(op, e.to_string()))
}

impl ClientMsg {
    /// The opening, if this is a `hello`, `join` or `resume`.
    pub fn into_opening(self) -> Result<Opening, WireError> {
        let invalid = |what: &str| WireError {
            op: None,
            code: "invalid",
            message: format!("invalid {what}"),
        };
        match self {
            ClientMsg::Hello { token, preview, .. } => Ok(Opening::Staff {
                token: Token::parse(&token).map_err(|_| invalid("token"))?,
                preview,
            }),
            ClientMsg::Join { name } => {
                let name = match name.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(n) => Some(Name::parse(n).map_err(|_| WireError {
                        op: None,
                        code: "too_long",
                        message: format!(
                            "a name has at most {} characters",
                            crate::domain::ids::MAX_NAME_CHARS
                        ),
                    })?),
                };
                Ok(Opening::Join { name })
            }
            ClientMsg::Resume {
                participant,
                secret,
                ..
            } => Ok(Opening::Resume {
                participant: ParticipantId::parse(&participant)
                    .map_err(|_| invalid("participant"))?,
                secret: Token::parse(&secret).map_err(|_| invalid("secret"))?,
            }),
            _ => Err(WireError::bad(
                None,
                "the first message must be hello, join or resume",
            )),
        }
    }

    /// The domain command for an operation message; `now_ms` is the server clock.
    pub fn into_command(self, now_ms: i64) -> Result<Command, WireError> {
        let op_of = |op: &str| {
            OpId::parse(op).map_err(|_| WireError {
                op: None,
                code: "invalid",
                message: "op must be 1–64 printable ASCII characters".into(),
            })
        };
        Ok(match self {
            ClientMsg::Goto { op, index } => Command::Goto {
                op: op_of(&op)?,
                index,
            },
            ClientMsg::TimerStart { op, seconds } => Command::StartTimer {
                op: op_of(&op)?,
                seconds,
                now_ms,
            },
            ClientMsg::TimerStop { op } => Command::StopTimer { op: op_of(&op)? },
            ClientMsg::Answer {
                op,
                step,
                prompt,
                value,
            } => {
                let op_id = op_of(&op)?;
                let value = answer_input(value).map_err(|message| WireError {
                    op: Some(op),
                    code: "invalid",
                    message: message.into(),
                })?;
                Command::Answer {
                    op: op_id,
                    step,
                    prompt,
                    value,
                }
            }
            ClientMsg::Act { op, step, action } => {
                let op_id = op_of(&op)?;
                let action = action.into_action().map_err(|message| WireError {
                    op: Some(op),
                    code: "invalid",
                    message: message.into(),
                })?;
                Command::Activity {
                    op: op_id,
                    step,
                    action,
                }
            }
            ClientMsg::Ready { op, step, ready } => Command::SetReady {
                op: op_of(&op)?,
                step,
                ready,
            },
            ClientMsg::ForgetMe { op } => Command::Forget { op: op_of(&op)? },
            ClientMsg::Hello { .. } | ClientMsg::Join { .. } | ClientMsg::Resume { .. } => {
                return Err(WireError::bad(
                    None,
                    "already introduced on this connection",
                ));
            }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// WebSocket: server → client

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
        activity: Value,
    },
    /// Everyone moves to this step.
    Step {
        /// Sequence number.
        seq: u64,
        /// The new step.
        step: StepView<'a>,
        /// Its activity as this role sees it.
        activity: Value,
    },
    /// The current step's activity changed.
    Activity {
        /// Sequence number.
        seq: u64,
        /// Step index it belongs to.
        index: usize,
        /// The activity as this role sees it.
        activity: Value,
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
                let votes = session.step_state(i).votes.get(&participant.id)?;
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

fn pick_stat(stat: Option<crate::domain::activity::Stat>) -> Value {
    match stat {
        Some(s) => {
            json!({ "mean": (s.mean * 100.0).round() / 100.0, "sd": (s.sd * 100.0).round() / 100.0, "n": s.n })
        }
        None => Value::Null,
    }
}

/// The current step's activity as `actor` may see it. Participants get only what is the
/// group's; the projector gets results once revealed; the facilitator always gets results (to
/// prepare), never one person's private answer.
pub fn activity_view(session: &Session, actor: Actor) -> Value {
    let index = session.step_index();
    let step = session.step();
    let state = session.step_state(index);
    let staff = matches!(actor, Actor::Facilitator | Actor::Projector);
    let facilitator = actor == Actor::Facilitator;
    let results = facilitator || (staff && state.revealed);
    let name_of = |p: ParticipantId| {
        session
            .participant(p)
            .and_then(|p| p.name.as_ref())
            .map(|n| n.as_str().to_owned())
    };
    match step.kind {
        StepKind::Info => Value::Null,
        StepKind::End => agreed_plan(session),
        StepKind::Reflection => {
            let mut view = json!({ "kind": "reflection", "revealed": state.revealed });
            if staff {
                view["shared_count"] = json!(session.share_count(index));
                view["published"] = json!(state.published.is_some());
            }
            if results {
                view["scales"] = session
                    .scale_counts(index)
                    .into_iter()
                    .map(|c| json!({ "prompt": c.prompt, "n": c.n, "counts": c.counts }))
                    .collect();
                view["shared"] = session
                    .shared_items(index)
                    .into_iter()
                    .map(|(share, text, name)| json!({ "id": share.id, "text": text, "author": name, "group": share.group }))
                    .collect();
            }
            view
        }
        StepKind::Cards => {
            let deck = session.deck(index);
            let current = session.current_card(index).map(|(dealt, card)| {
                let mut current = json!({
                    "card": { "id": card.id, "text": card.text },
                    "to": dealt.to.map(|p| json!({ "id": p.to_string(), "name": name_of(p) })),
                    "passed": dealt.passed,
                });
                if staff {
                    current["notes"] = json!(dealt.notes);
                }
                current
            });
            let mut view = json!({
                "kind": "cards",
                "deck_size": deck.len(),
                "dealt_count": state.dealt.len(),
                "current": current,
            });
            if facilitator {
                view["deck"] = deck
                    .iter()
                    .map(|c| json!({ "id": c.id, "text": c.text, "dealt": state.dealt.iter().any(|d| d.card == c.id) }))
                    .collect();
                view["participants"] = session
                    .participants()
                    .iter()
                    .map(|p| json!({ "id": p.id.to_string(), "name": p.name.as_ref().map(|n| n.as_str()) }))
                    .collect();
            }
            view
        }
        StepKind::Grid => {
            let topics: Vec<Value> = session
                .topics(index)
                .iter()
                .map(|t| json!({ "id": t.id, "text": t.text }))
                .collect();
            let mut view = json!({
                "kind": "grid",
                "scale_max": step.scale_max,
                "topics": topics,
                "participant_topics": session.participants_add_topics(index),
                "voting": state.voting,
                "revealed": state.revealed,
                "priorities": state.priorities,
                "agreed": state.agreed,
            });
            if staff {
                view["raters"] = json!(session.grid_raters(index));
                view["published"] = json!(state.published.is_some());
            }
            if results {
                view["results"] = session
                    .topic_stats(index)
                    .into_iter()
                    .map(|t| {
                        json!({
                            "topic": t.topic,
                            "raters": t.raters,
                            "importance": pick_stat(t.importance),
                            "success": pick_stat(t.success),
                            "dots": t.dots,
                        })
                    })
                    .collect();
            }
            view
        }
        StepKind::Map => {
            let mut view = json!({ "kind": "map", "revealed": state.revealed });
            if staff {
                view["contributors"] = json!(session.map_contributors(index));
                view["published"] = json!(state.published.is_some());
            }
            if results {
                view["actors"] = session
                    .actor_stats(index)
                    .into_iter()
                    .map(|a| {
                        json!({
                            "label": a.label,
                            "named_by": a.named_by,
                            "influence": pick_stat(a.influence),
                            "effect": pick_stat(a.effect),
                        })
                    })
                    .collect();
            }
            view
        }
        StepKind::Plan => {
            let rows: Vec<Value> = state.rows.iter().map(|r| plan_row(&r.id, r)).collect();
            json!({ "kind": "plan", "rows": rows })
        }
        StepKind::PersonalPlan => {
            let mut view = json!({ "kind": "personal_plan" });
            if facilitator {
                view["shared"] = session
                    .shared_plans(index)
                    .into_iter()
                    .filter_map(|p| {
                        let plan = session.personal_plan(p, index)?;
                        Some(json!({ "participant": p.to_string(), "plan": plan }))
                    })
                    .collect();
            }
            view
        }
    }
}

/// One action-plan row as every screen sees it, under the id `id`.
fn plan_row(id: &str, r: &crate::domain::activity::PlanRow) -> Value {
    json!({
        "id": id,
        "area": r.fields.area,
        "action": r.fields.action,
        "first_step": r.fields.first_step,
        "owner": r.fields.owner,
        "deadline": r.fields.deadline,
        "follow_up": r.fields.follow_up,
        "answers": r.fields.answers,
        "accepted": r.accepted,
    })
}

/// What the end of a meeting shows everyone: the accepted rows of every plan step, with the
/// areas they belong to (first title wins when two plan steps share an area id). Row ids are
/// prefixed by their step's id, so rows of two plan steps stay apart. Null without rows.
fn agreed_plan(session: &Session) -> Value {
    let mut areas: Vec<&crate::content::Area> = Vec::new();
    let mut rows = Vec::new();
    for (index, step) in session.programme().steps.iter().enumerate() {
        if step.kind != StepKind::Plan {
            continue;
        }
        for area in &step.areas {
            if !areas.iter().any(|a| a.id == area.id) {
                areas.push(area);
            }
        }
        rows.extend(
            session
                .step_state(index)
                .rows
                .iter()
                .filter(|r| r.accepted)
                .map(|r| plan_row(&format!("{}:{}", step.id, r.id), r)),
        );
    }
    if rows.is_empty() {
        return Value::Null;
    }
    json!({ "kind": "end", "areas": areas, "rows": rows })
}

/// The role name a screen is told.
pub fn role_name(actor: Actor) -> &'static str {
    match actor {
        Actor::Facilitator => "facilitator",
        Actor::Projector => "projector",
        Actor::Participant(_) | Actor::Newcomer => "participant",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_messages_get_typed_errors_naming_their_op() {
        assert_eq!(parse_client("{").unwrap_err().code, "bad_message");
        let unknown = parse_client(r#"{"type":"launch","op":"x1"}"#).unwrap_err();
        assert_eq!(
            (unknown.code, unknown.op.as_deref()),
            ("bad_message", Some("x1"))
        );
        let wrong_type = parse_client(r#"{"type":"goto","op":"g","index":"three"}"#).unwrap_err();
        assert_eq!(wrong_type.op.as_deref(), Some("g"));
        assert!(parse_client(r#"{"type":"goto","op":"g","index":-1}"#).is_err());
    }

    #[test]
    fn answers_become_numbers_or_text_and_nothing_else() {
        let msg = parse_client(r#"{"type":"answer","op":"a","step":"s","prompt":"p","value":7}"#)
            .unwrap();
        assert!(matches!(
            msg.into_command(0),
            Ok(Command::Answer {
                value: AnswerInput::Number(7),
                ..
            })
        ));
        for bad in ["7.5", "true", "[1]", "{}", r#"{"label":"x"}"#] {
            let text =
                format!(r#"{{"type":"answer","op":"a","step":"s","prompt":"p","value":{bad}}}"#);
            let err = parse_client(&text).unwrap().into_command(0).unwrap_err();
            assert_eq!(
                (err.code, err.op.as_deref()),
                ("invalid", Some("a")),
                "{bad}"
            );
        }
    }

    #[test]
    fn answer_values_are_read_by_their_shape() {
        let read = |value: &str| {
            let text =
                format!(r#"{{"type":"answer","op":"a","step":"s","prompt":"p","value":{value}}}"#);
            match parse_client(&text).unwrap().into_command(0).unwrap() {
                Command::Answer { value, .. } => value,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(read("null"), AnswerInput::Clear);
        assert_eq!(
            read(r#"{"importance":4}"#),
            AnswerInput::Rating {
                importance: Some(4),
                success: None
            }
        );
        assert_eq!(
            read(r#"{"label":"Pårørende","influence":4,"effect":-2}"#),
            AnswerInput::Actor {
                label: "Pårørende".into(),
                influence: 4,
                effect: -2,
                closeness: None
            }
        );
        assert_eq!(
            read(r#"{"work":"Sige nej","first_step":"I dag"}"#),
            AnswerInput::Personal {
                work: "Sige nej".into(),
                first_step: "I dag".into()
            }
        );
        assert_eq!(
            read(
                r#"{"now":{"work":70,"private":30,"overlap":20},"wanted":{"work":50,"private":50,"overlap":10}}"#
            ),
            AnswerInput::Circles {
                now: [70, 30, 20],
                wanted: [50, 50, 10]
            }
        );
        assert!(
            matches!(read(r#"[{"id":"i1","text":"Kaffe"}]"#), AnswerInput::List(items) if items[0].text == "Kaffe")
        );
    }

    #[test]
    fn activity_actions_parse_with_their_fields() {
        let text = r#"{"type":"act","op":"d","step":"kort","action":"deal","to":"p4"}"#;
        match parse_client(text).unwrap().into_command(0).unwrap() {
            Command::Activity {
                action:
                    Action::Deal {
                        card: None,
                        to: DealTo::Participant(p),
                    },
                ..
            } => {
                assert_eq!(p.to_string(), "p4")
            }
            other => panic!("{other:?}"),
        }
        let bad = r#"{"type":"act","op":"d","step":"kort","action":"deal","to":"everyone"}"#;
        assert_eq!(
            parse_client(bad).unwrap().into_command(0).unwrap_err().code,
            "invalid"
        );
        let unknown = r#"{"type":"act","op":"d","step":"kort","action":"launch"}"#;
        assert_eq!(parse_client(unknown).unwrap_err().op.as_deref(), Some("d"));
    }

    #[test]
    fn openings_parse_and_operations_do_not_open() {
        assert!(matches!(
            parse_client(r#"{"type":"join","name":"  "}"#)
                .unwrap()
                .into_opening(),
            Ok(Opening::Join { name: None })
        ));
        let long = format!(r#"{{"type":"join","name":"{}"}}"#, "x".repeat(61));
        assert_eq!(
            parse_client(&long)
                .unwrap()
                .into_opening()
                .unwrap_err()
                .code,
            "too_long"
        );
        assert!(
            parse_client(r#"{"type":"goto","op":"g","index":1}"#)
                .unwrap()
                .into_opening()
                .is_err()
        );
        assert!(
            parse_client(r#"{"type":"hello","token":"short"}"#)
                .unwrap()
                .into_opening()
                .is_err()
        );
    }
}

#[cfg(test)]
mod fuzz;
