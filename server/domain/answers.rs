//! Private answers: what a participant may write in each kind of step, as read from the wire
//! ([`AnswerInput`]) and as stored ([`Answer`]). Each step kind checks its own (`crate::kinds`).

use serde::{Deserialize, Serialize};

use super::RuleError;

/// Longest client-chosen item or actor id.
const MAX_ITEM_ID: usize = 32;

/// One item of a list answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListItem {
    /// Client-chosen id, stable while the item exists (sharing refers to it).
    pub id: String,
    /// The item.
    pub text: String,
    /// One of the step's area ids, if tagged.
    #[serde(default)]
    pub area: Option<String>,
}

/// Work life and private life as two circles: sizes and overlap, each 0–100.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CirclePair {
    /// Size of the work-life circle.
    pub work: u8,
    /// Size of the private-life circle.
    pub private: u8,
    /// How much they overlap.
    pub overlap: u8,
}

/// The circles as they are now and as wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Circles {
    /// As it is now.
    pub now: CirclePair,
    /// As I would like it.
    pub wanted: CirclePair,
}

/// A participant's private rating of one grid topic; either axis may still be missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rating {
    /// How important the topic is.
    #[serde(default)]
    pub importance: Option<u8>,
    /// How well we as a group succeed with it.
    #[serde(default)]
    pub success: Option<u8>,
}

/// An actor a participant placed on a stakeholder map.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorEntry {
    /// A role, e.g. "Pårørende" — never a person's name.
    pub label: String,
    /// Influence on our daily work, 1–5.
    pub influence: u8,
    /// Effect on our well-being, -2 (drains energy) to +2 (gives energy).
    pub effect: i8,
    /// How close the actor is to us, 1–5, if rated.
    #[serde(default)]
    pub closeness: Option<u8>,
}

/// One area of a personal plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonalEntry {
    /// What I will work on.
    pub work: String,
    /// The first step.
    pub first_step: String,
}

/// A checked answer, as stored and as its author sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    /// A value within the prompt's scale.
    Scale(i32),
    /// Text within the prompt's limit.
    Text(String),
    /// Items of a list prompt.
    List(Vec<ListItem>),
    /// Two circles.
    Circles(Circles),
    /// An actor on a map.
    Actor(ActorEntry),
    /// A personal-plan area.
    Personal(PersonalEntry),
    /// A grid rating (last: every field is optional).
    Rating(Rating),
}

/// An answer as it arrives, before it is checked against the step.
#[derive(Clone, Debug, PartialEq)]
pub enum AnswerInput {
    /// A whole number (scales).
    Number(i64),
    /// Text (text prompts).
    Text(String),
    /// List items.
    List(Vec<ListItem>),
    /// Circles (each number as sent).
    Circles {
        /// Now: work, private, overlap.
        now: [i64; 3],
        /// Wanted: work, private, overlap.
        wanted: [i64; 3],
    },
    /// A grid rating.
    Rating {
        /// Importance, if given.
        importance: Option<i64>,
        /// Success, if given.
        success: Option<i64>,
    },
    /// A map actor.
    Actor {
        /// Role.
        label: String,
        /// 1–5.
        influence: i64,
        /// -2–2.
        effect: i64,
        /// 1–5 if given.
        closeness: Option<i64>,
    },
    /// A personal-plan area.
    Personal {
        /// What I will work on.
        work: String,
        /// First step.
        first_step: String,
    },
    /// Remove the answer (e.g. delete an actor).
    Clear,
}

/// Length in characters.
pub(crate) fn chars(text: &str) -> usize {
    text.chars().count()
}

/// `value` if it lies in `low..=high`.
pub(crate) fn within(value: i64, low: i64, high: i64) -> Result<i64, RuleError> {
    if (low..=high).contains(&value) {
        Ok(value)
    } else {
        Err(RuleError::Invalid)
    }
}

/// Whether `id` is a usable client-chosen id.
pub fn valid_item_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ITEM_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The input that would produce `answer` (used by the invariant check).
pub fn as_input(answer: &Answer) -> AnswerInput {
    match answer.clone() {
        Answer::Scale(v) => AnswerInput::Number(i64::from(v)),
        Answer::Text(t) => AnswerInput::Text(t),
        Answer::List(items) => AnswerInput::List(items),
        Answer::Circles(c) => AnswerInput::Circles {
            now: [c.now.work, c.now.private, c.now.overlap].map(i64::from),
            wanted: [c.wanted.work, c.wanted.private, c.wanted.overlap].map(i64::from),
        },
        Answer::Rating(r) => AnswerInput::Rating {
            importance: r.importance.map(i64::from),
            success: r.success.map(i64::from),
        },
        Answer::Actor(a) => AnswerInput::Actor {
            label: a.label,
            influence: i64::from(a.influence),
            effect: i64::from(a.effect),
            closeness: a.closeness.map(i64::from),
        },
        Answer::Personal(p) => AnswerInput::Personal {
            work: p.work,
            first_step: p.first_step,
        },
    }
}
