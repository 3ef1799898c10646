//! The shareable outcome of a session: everything the group produced that may leave the room,
//! and nothing private. Built from the session state by the core's rules (aggregates only where
//! at least `min_group` answered, shared items only when their author shared them); exports
//! (`export`) render it. It is the JSON export's schema, so it derives `Serialize`.

use serde::{Deserialize, Serialize};

use crate::content::Text;

/// Mean and standard deviation of a set of ratings, with how many there were.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct Stat {
    /// Arithmetic mean.
    pub mean: f64,
    /// Population standard deviation: the spread (disagreement).
    pub sd: f64,
    /// Number of ratings.
    pub n: u32,
}

impl Stat {
    /// The statistic of `values`; `None` when empty.
    pub fn of(values: &[f64]) -> Option<Stat> {
        if values.is_empty() {
            return None;
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        Some(Stat {
            mean,
            sd: var.sqrt(),
            n: values.len() as u32,
        })
    }
}

/// Everything a session may share.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Outcome {
    /// Join code of the session.
    pub code: String,
    /// Programme id.
    pub programme_id: String,
    /// Programme title.
    pub programme: Text,
    /// `"da"` or `"en"`: the language exports are written in.
    pub lang: String,
    /// When the session was created, ISO date `YYYY-MM-DD` (UTC).
    pub date: String,
    /// Aggregates are shown only when at least this many answered.
    pub min_group: u32,
    /// Number of participants who joined.
    pub participants: u32,
    /// One entry per step that produced something, in programme order.
    pub sections: Vec<Section>,
    /// The action plan rows the facilitator accepted, in the agreed order.
    pub action_plan: Vec<PlanRow>,
}

/// What one step produced.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Section {
    /// A reflection step: scale distributions and the items people chose to share.
    Reflection {
        /// Step title.
        title: Text,
        /// One per scale prompt.
        scales: Vec<ScaleResult>,
        /// Items shared with the group, grouped by the facilitator where they did.
        shared: Vec<SharedItem>,
    },
    /// A dialogue-card step: the cards that were dealt and the group's notes.
    Cards {
        /// Step title.
        title: Text,
        /// In the order they were dealt.
        cards: Vec<CardResult>,
    },
    /// A prioritisation grid (importance × how well we succeed).
    Grid {
        /// Step title.
        title: Text,
        /// The scale runs 1..=scale_max on both axes.
        scale_max: u8,
        /// Every topic.
        topics: Vec<TopicResult>,
    },
    /// A stakeholder influence map (influence × effect on our well-being).
    Map {
        /// Step title.
        title: Text,
        /// Influence runs 1..=5; effect runs -2 (drains energy) ..= +2 (gives energy). Only
        /// actors named by at least `min_group` participants.
        actors: Vec<ActorResult>,
        /// How many actors were named by too few to be shown: counted, never named.
        too_few: u32,
    },
}

/// The distribution of one scale prompt.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ScaleResult {
    /// The question.
    pub label: Text,
    /// Lowest value.
    pub min: i32,
    /// Highest value.
    pub max: i32,
    /// What the lowest value means.
    pub min_label: Text,
    /// What the highest value means.
    pub max_label: Text,
    /// How many answered.
    pub n: u32,
    /// `counts[i]` = how many chose `min + i`; `None` when fewer than `min_group` answered.
    pub counts: Option<Vec<u32>>,
}

/// An item a participant shared.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SharedItem {
    /// The text.
    pub text: String,
    /// The author's name if they chose to show it; anonymous otherwise.
    pub author: Option<String>,
    /// The facilitator's group label, if grouped.
    pub group: Option<String>,
    /// The question it answers, where the step asks more than one that can be shared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<Text>,
}

/// A dealt dialogue card.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CardResult {
    /// The card's question.
    pub text: Text,
    /// Whether the group passed it.
    pub passed: bool,
    /// The facilitator's notes for the group.
    pub notes: Vec<String>,
}

/// One topic of a grid.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TopicResult {
    /// The topic.
    pub text: Text,
    /// Number of participants who rated it on both axes.
    pub raters: u32,
    /// Importance; `None` below `min_group` raters.
    pub importance: Option<Stat>,
    /// How well we succeed; `None` below `min_group` raters.
    pub success: Option<Stat>,
    /// The position the group agreed on (importance, success), if placed.
    pub agreed: Option<(u8, u8)>,
    /// 1, 2 or 3 if the group made it a priority.
    pub priority: Option<u8>,
    /// Dots from the dot vote.
    pub dots: u32,
}

/// One actor (after merging duplicates) of a stakeholder map.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ActorResult {
    /// The role, e.g. "Pårørende".
    pub label: String,
    /// How many participants named it.
    pub named_by: u32,
    /// Influence on our daily work (1..=5); `None` below `min_group`.
    pub influence: Option<Stat>,
    /// Effect on our well-being (-2..=2); `None` below `min_group`.
    pub effect: Option<Stat>,
}

/// One accepted row of the action plan.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PlanRow {
    /// Area, e.g. "Ledergruppen".
    pub area: String,
    /// What we will do.
    pub action: String,
    /// The first step.
    pub first_step: String,
    /// Who (a role or a name the group agreed on).
    pub owner: String,
    /// ISO date or empty.
    pub deadline: String,
    /// ISO date or empty.
    pub follow_up: String,
    /// The grid topic or actor it answers, if any.
    pub answers: Option<String>,
}

/// A participant's own "Min trivsel som leder" plan (the 1:1 tool). Only ever exported to its
/// author, or to the facilitator once the author shared it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PersonalPlan {
    /// Programme title.
    pub programme: Text,
    /// `"da"` or `"en"`.
    pub lang: String,
    /// ISO date.
    pub date: String,
    /// The leader's name, if given.
    pub name: Option<String>,
    /// The areas in order.
    pub areas: Vec<PersonalArea>,
}

/// One area of a personal plan.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PersonalArea {
    /// E.g. "Selvledelse".
    pub title: Text,
    /// The prompt, e.g. "Følgende arbejder jeg selv videre med".
    pub prompt: Text,
    /// What the leader will work on.
    pub work: String,
    /// The first step.
    pub first_step: String,
}

/// One outcome for a whole series: every meeting's sections in order, each titled with its
/// meeting, and every meeting's action plan. `None` when there are no outcomes.
pub fn combine(title: &crate::content::Text, outcomes: &[Outcome]) -> Option<Outcome> {
    let first = outcomes.first()?;
    let prefixed = |meeting: &Text, section: &Text| Text {
        da: format!("{}: {}", meeting.da, section.da),
        en: format!("{}: {}", meeting.en, section.en),
    };
    let mut sections = Vec::new();
    for outcome in outcomes {
        for section in &outcome.sections {
            let mut section = section.clone();
            let title = match &mut section {
                Section::Reflection { title, .. }
                | Section::Cards { title, .. }
                | Section::Grid { title, .. }
                | Section::Map { title, .. } => title,
            };
            *title = prefixed(&outcome.programme, title);
            sections.push(section);
        }
    }
    Some(Outcome {
        code: outcomes
            .iter()
            .map(|o| o.code.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        programme_id: first.programme_id.clone(),
        programme: Text {
            da: title.da.clone(),
            en: title.en.clone(),
        },
        lang: first.lang.clone(),
        date: first.date.clone(),
        min_group: first.min_group,
        participants: outcomes.iter().map(|o| o.participants).max().unwrap_or(0),
        sections,
        action_plan: outcomes
            .iter()
            .flat_map(|o| o.action_plan.iter().cloned())
            .collect(),
    })
}
