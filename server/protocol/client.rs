//! What a screen sends over the WebSocket: openings and operations, read into domain commands,
//! and the typed errors for what cannot be read.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::typed::Deceptive;

use crate::domain::answers::ListItem;
use crate::domain::{
    Action, AnswerInput, Command, DealTo, Name, OpId, ParticipantId, RowFields, RuleError, Seating,
    TableId, TableSettings, Token,
};

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
        /// In a session with tables: show this table (a table screen), not the hall.
        #[serde(default)]
        table: Option<u16>,
    },
    /// Facilitator: show this table in the console (the hall when `null`). Not an operation:
    /// nothing is stored; the console gets a fresh snapshot of what it watches.
    Watch {
        /// The table's number, or `null` for the hall.
        table: Option<u16>,
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
    /// Facilitator: open or close the meeting to new participants (issue 13).
    Door {
        /// Operation id.
        op: String,
        /// Open to new participants or not.
        open: bool,
    },
    /// Facilitator: remove a participant who does not belong; their answers are deleted.
    Remove {
        /// Operation id.
        op: String,
        /// The participant's id (`p<n>`, from the console's participant list).
        participant: String,
    },
    /// An activity action on a step (see [`ActionMsg`]).
    Act {
        /// Operation id.
        op: String,
        /// Step id.
        step: String,
        /// Facilitator, in a session with tables: the table it acts at (the hall when absent).
        #[serde(default)]
        table: Option<u16>,
        /// What to do.
        #[serde(flatten)]
        action: ActionMsg,
    },
    /// Facilitator: set up tables (none turns them off).
    Tables {
        /// Operation id.
        op: String,
        /// How many.
        count: usize,
        /// Participants choose their table on the phone (else the facilitator seats them).
        #[serde(default)]
        choose: bool,
        /// Members' phones show their table's revealed results.
        #[serde(default)]
        phones_see_results: bool,
    },
    /// Facilitator: seat (move, unseat) a participant; participant: choose my table.
    Seat {
        /// Operation id.
        op: String,
        /// Facilitator: whom (`p<n>`). A participant seats themselves and leaves it out.
        #[serde(default)]
        participant: Option<String>,
        /// The table's number; `null` unseats.
        table: Option<u16>,
    },
    /// Facilitator: seat everyone at random in balanced groups.
    Shuffle {
        /// Operation id.
        op: String,
        /// Tables of about this many (as many tables as that needs); the tables there are when
        /// absent.
        #[serde(default)]
        size: Option<u32>,
        /// Move those already seated too (else only the unseated are seated).
        #[serde(default)]
        all: bool,
    },
    /// Facilitator: name a table's host (or none); participant: volunteer at my hostless
    /// table (my own id) or step down (`null`).
    Host {
        /// Operation id.
        op: String,
        /// The table's number.
        table: u16,
        /// The host (`p<n>`), or `null`.
        participant: Option<String>,
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
    /// Facilitator, in the hall of a session with tables: take a table's accepted row into
    /// the hall's plan.
    Lift {
        /// The number of the table it comes from.
        from: u16,
        /// Its row id.
        id: String,
    },
    /// Anyone, on a review step (issue 17): a row's status (`done`, `ongoing`, `not_started`,
    /// `dropped`, or null) and note.
    Review {
        /// The row's key.
        row: String,
        /// Its status, or null.
        #[serde(default)]
        status: Option<crate::domain::Status>,
        /// The note (at most 300 characters; empty clears it).
        #[serde(default)]
        note: String,
    },
    /// Facilitator, on a plan step (issue 17): carry a reviewed row on into it.
    CarryOn {
        /// The review row's key.
        row: String,
    },
}

fn room() -> String {
    "room".into()
}

/// An action-plan row's fields on the wire, sent by clients and shown in views.
#[derive(Deserialize, Serialize, Debug, Default, Clone, PartialEq)]
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

impl From<&RowFields> for RowMsg {
    fn from(row: &RowFields) -> Self {
        RowMsg {
            area: row.area.clone(),
            action: row.action.clone(),
            first_step: row.first_step.clone(),
            owner: row.owner.clone(),
            deadline: row.deadline.clone(),
            follow_up: row.follow_up.clone(),
            answers: row.answers.clone(),
        }
    }
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
            ActionMsg::Lift { from, id } => Action::Lift {
                table: TableId::from_number(from).ok_or("no such table")?,
                id,
            },
            ActionMsg::Review { row, status, note } => Action::Review { row, status, note },
            ActionMsg::CarryOn { row } => Action::CarryOn { row },
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
        /// Shows this table, not the hall.
        table: Option<TableId>,
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

/// The wire code of a refused name or text.
fn deceptive_code(why: Deceptive) -> &'static str {
    match why {
        Deceptive::Invisible => "invisible_text",
        Deceptive::Reorders => "reordering_text",
    }
}

impl WireError {
    fn bad(op: Option<String>, message: impl Into<String>) -> Self {
        WireError {
            op,
            code: "bad_message",
            message: message.into(),
        }
    }

    /// A participant's connection sent more than its budget allows; `frame` was not read.
    pub fn rate_limited(frame: &str) -> Self {
        WireError {
            op: op_of(frame),
            code: "rate_limited",
            message: "too many messages; send it again in a moment".into(),
        }
    }

    /// A join while the session's join allowance is spent: the phone tries again shortly.
    pub fn busy() -> Self {
        WireError {
            op: None,
            code: "busy",
            message: "many are joining at once; try again in a moment".into(),
        }
    }

    /// The store could not keep an operation that was applied: it is not acknowledged.
    pub fn storage(op: &str) -> Self {
        WireError {
            op: Some(op.to_owned()),
            code: "storage",
            message: "not saved; try again later".into(),
        }
    }

    /// A participant's command in a session whose storage budget is spent: not applied.
    pub fn storage_budget(op: Option<&OpId>) -> Self {
        WireError {
            op: op.map(|o| o.as_str().to_owned()),
            code: "storage_budget",
            message: "this meeting has stored as much as it may; not saved".into(),
        }
    }

    /// An operation of a turn the store refused: `disk_full` when the server's disk is full,
    /// else `storage`. Either way the client keeps it and sends it again later.
    pub fn not_stored(op: &str, full: bool) -> Self {
        if full {
            WireError {
                op: Some(op.to_owned()),
                code: "disk_full",
                message: "the server's disk is full: not saved; it is kept and sent again later"
                    .into(),
            }
        } else {
            Self::storage(op)
        }
    }

    /// The error a name or text refused by `typed` gets.
    pub fn deceptive(op: Option<&OpId>, why: Deceptive) -> Self {
        Self::rule(op, &RuleError::Deceptive(why))
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
            RuleError::NoGroup => "no_group",
            RuleError::Deceptive(why) => deceptive_code(*why),
            RuleError::Closed => "closed",
            RuleError::TablesLocked => "tables_locked",
            RuleError::NoTables => "no_tables",
            RuleError::NoSeat => "no_seat",
            RuleError::AtTable => "at_table",
        };
        WireError {
            op: op.map(|o| o.as_str().to_owned()),
            code,
            message: error.to_string(),
        }
    }
}

/// The operation a frame names, if it is JSON with a string `op`.
pub fn op_of(frame: &str) -> Option<String> {
    serde_json::from_str::<Value>(frame)
        .ok()
        .as_ref()
        .and_then(op_in)
}

fn op_in(value: &Value) -> Option<String> {
    value.get("op")?.as_str().map(str::to_owned)
}

/// Parses one text frame into a message, or a typed error naming the operation if it had one.
pub fn parse_client(text: &str) -> Result<ClientMsg, WireError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| WireError::bad(None, format!("not JSON: {e}")))?;
    let op = op_in(&value);
    serde_json::from_value(value).map_err(|e| WireError::bad(op, e.to_string()))
}

/// The code of an opening whose token, participant id or secret cannot even be read: the
/// connection is closed with `4401` exactly as for an unknown one, so the two look the same.
pub const UNAUTHORIZED: &str = "unauthorized";

impl ClientMsg {
    /// The opening, if this is a `hello`, `join` or `resume`.
    pub fn into_opening(self) -> Result<Opening, WireError> {
        let unauthorized = |_| WireError {
            op: None,
            code: UNAUTHORIZED,
            message: "unknown token or participant".into(),
        };
        match self {
            ClientMsg::Hello {
                token,
                preview,
                table,
                ..
            } => Ok(Opening::Staff {
                token: Token::parse(&token).map_err(unauthorized)?,
                preview,
                table: table
                    .map(|n| {
                        TableId::from_number(n).ok_or_else(|| WireError {
                            op: None,
                            code: "invalid",
                            message: "no such table".into(),
                        })
                    })
                    .transpose()?,
            }),
            ClientMsg::Join { name } => {
                let name = name
                    .as_deref()
                    .map(crate::typed::normalised)
                    .transpose()
                    .map_err(|why| WireError::deceptive(None, why))?;
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
                participant: ParticipantId::parse(&participant).map_err(unauthorized)?,
                secret: Token::parse(&secret).map_err(unauthorized)?,
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
                now_ms,
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
            ClientMsg::Act {
                op,
                step,
                table,
                action,
            } => {
                let op_id = op_of(&op)?;
                let table = table
                    .map(|n| TableId::from_number(n).ok_or("no such table"))
                    .transpose();
                let action = table.and_then(|table| Ok((table, action.into_action()?)));
                let (table, action) = action.map_err(|message| WireError {
                    op: Some(op),
                    code: "invalid",
                    message: message.into(),
                })?;
                Command::Activity {
                    op: op_id,
                    step,
                    action,
                    table,
                }
            }
            ClientMsg::Tables {
                op,
                count,
                choose,
                phones_see_results,
            } => Command::Seating {
                op: op_of(&op)?,
                seating: Seating::Tables {
                    count,
                    settings: TableSettings {
                        choose,
                        phones_see_results,
                    },
                },
            },
            ClientMsg::Seat {
                op,
                participant,
                table,
            } => {
                let op_id = op_of(&op)?;
                let invalid = |message: &str| WireError {
                    op: Some(op.clone()),
                    code: "invalid",
                    message: message.into(),
                };
                let participant = participant
                    .map(|p| ParticipantId::parse(&p))
                    .transpose()
                    .map_err(|_| invalid("participant must be an id like p3"))?;
                let table = table
                    .map(|n| TableId::from_number(n).ok_or_else(|| invalid("no such table")))
                    .transpose()?;
                Command::Seating {
                    op: op_id,
                    seating: Seating::Seat { participant, table },
                }
            }
            ClientMsg::Shuffle { op, size, all } => Command::Seating {
                op: op_of(&op)?,
                // The draw is the server's: the actor fills it in (see `session`).
                seating: Seating::Shuffle { size, all, seed: 0 },
            },
            ClientMsg::Host {
                op,
                table,
                participant,
            } => {
                let op_id = op_of(&op)?;
                let invalid = |message: &str| WireError {
                    op: Some(op.clone()),
                    code: "invalid",
                    message: message.into(),
                };
                let table = TableId::from_number(table).ok_or_else(|| invalid("no such table"))?;
                let participant = participant
                    .map(|p| ParticipantId::parse(&p))
                    .transpose()
                    .map_err(|_| invalid("participant must be an id like p3"))?;
                Command::Seating {
                    op: op_id,
                    seating: Seating::Host { table, participant },
                }
            }
            ClientMsg::Ready { op, step, ready } => Command::SetReady {
                op: op_of(&op)?,
                step,
                ready,
            },
            ClientMsg::ForgetMe { op } => Command::Forget { op: op_of(&op)? },
            ClientMsg::Door { op, open } => Command::SetDoor {
                op: op_of(&op)?,
                open,
            },
            ClientMsg::Remove { op, participant } => {
                let op_id = op_of(&op)?;
                let participant = ParticipantId::parse(&participant).map_err(|_| WireError {
                    op: Some(op),
                    code: "invalid",
                    message: "participant must be an id like p3".into(),
                })?;
                Command::Remove {
                    op: op_id,
                    participant,
                }
            }
            ClientMsg::Hello { .. } | ClientMsg::Join { .. } | ClientMsg::Resume { .. } => {
                return Err(WireError::bad(
                    None,
                    "already introduced on this connection",
                ));
            }
            ClientMsg::Watch { .. } => {
                return Err(WireError::bad(None, "watch is not an operation"));
            }
        })
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
