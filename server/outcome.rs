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

    /// The statistic of all the values behind `parts` together, from each part's count, mean
    /// and spread (exact: the population variance is the mean square less the squared mean);
    /// `None` when there are none.
    pub fn pooled(parts: &[Stat]) -> Option<Stat> {
        let n: u32 = parts.iter().map(|s| s.n).sum();
        if n == 0 {
            return None;
        }
        let total = f64::from(n);
        let mean = parts.iter().map(|s| f64::from(s.n) * s.mean).sum::<f64>() / total;
        let square = parts
            .iter()
            .map(|s| f64::from(s.n) * (s.sd * s.sd + s.mean * s.mean))
            .sum::<f64>()
            / total;
        Some(Stat {
            mean,
            sd: (square - mean * mean).max(0.0).sqrt(),
            n,
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
    /// The day the meeting was held, ISO date `YYYY-MM-DD`: the day set for it, else the day
    /// the facilitator first moved on a step, else the day it was created
    /// (`domain::report::meeting_date`).
    pub date: String,
    /// Aggregates are shown only when at least this many answered.
    pub min_group: u32,
    /// Number of participants who joined.
    pub participants: u32,
    /// One entry per step that produced something, in programme order.
    pub sections: Vec<Section>,
    /// The action plan rows the facilitator accepted, in the agreed order.
    pub action_plan: Vec<PlanRow>,
    /// The programme is a conversation with one person (the 1:1): no group results.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub for_one: bool,
    /// The programme has an action-plan step.
    #[serde(skip)]
    pub has_plan: bool,
    /// Where the programme has a personal plan: whether the leader shared theirs with the
    /// facilitator (never its content).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personal_plan_shared: Option<bool>,
    /// The table this outcome is of, in a session with tables (its own export).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<u16>,
    /// In the hall's outcome of a session with tables: how many tables there are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tables: Option<u32>,
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
        /// In a conversation with one person (the 1:1): every question the step asked, in
        /// order. Their answers stay the leader's own, so a document says what was talked
        /// about, not what was answered (and `scales` is empty). Empty in a group.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        questions: Vec<Text>,
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
        /// The hall's outcome of a session with tables: each table's own placements and
        /// priorities.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        tables: Vec<TableGrid>,
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
    /// The follow-up of earlier action plans (issue 17): every row with its status and note.
    Review {
        /// Step title.
        title: Text,
        /// The rows, in the order they were agreed.
        rows: Vec<ReviewResult>,
    },
    /// Results brought from elsewhere, e.g. a leader evaluation (issue 17).
    Evaluation {
        /// Step title.
        title: Text,
        /// The figures, in the order given; none below `min_group` respondents.
        rows: Vec<EvaluationResult>,
        /// What participants shared beside them.
        shared: Vec<SharedItem>,
    },
}

/// A row of an earlier plan as the review left it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ReviewResult {
    /// The meeting that agreed it (its programme's title).
    pub meeting: Text,
    /// That meeting's day, `YYYY-MM-DD`.
    pub date: String,
    /// Its area.
    pub area: String,
    /// What we would do.
    pub action: String,
    /// Who owns it.
    pub owner: String,
    /// `YYYY-MM-DD` or empty.
    pub deadline: String,
    /// Where it stands; `None` when the group set no status.
    pub status: Option<crate::domain::Status>,
    /// The group's note.
    pub note: String,
    /// Carried on into this meeting's plan.
    pub carried_on: bool,
}

/// One question's figures brought in.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct EvaluationResult {
    /// The question.
    pub item: String,
    /// Its average score.
    pub score: f64,
    /// The scale's lowest value.
    pub min: i32,
    /// The scale's highest value.
    pub max: i32,
    /// How many answered.
    pub n: u32,
}

/// One meeting's point of a question's trend (issue 17).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TrendResult {
    /// The meeting (its programme's title).
    pub meeting: Text,
    /// Its day, `YYYY-MM-DD`.
    pub date: String,
    /// This meeting's own point.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub current: bool,
    /// How many answered.
    pub n: u32,
    /// The distribution, `counts[i]` for `min + i`; `None` where the point is not shown.
    pub counts: Option<Vec<u32>>,
    /// Why it is not shown: `too_few`, or `difference` (its number of answerers differs from
    /// a shown point's by fewer than `min_group`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden: Option<crate::domain::follow::Hidden>,
}

/// A table's own decisions on a grid, in the hall's outcome.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TableGrid {
    /// The table's number.
    pub table: u16,
    /// Agreed (importance, success) per topic text.
    pub agreed: Vec<(Text, (u8, u8))>,
    /// Priorities in order.
    pub priorities: Vec<Text>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
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
    /// The hall's figure of a session with tables: tables left out for too few answers.
    #[serde(skip_serializing_if = "is_zero")]
    pub tables_left_out: u32,
    /// Where earlier meetings asked the same question (issue 17): its trend, meeting by
    /// meeting, this one last.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trend: Vec<TrendResult>,
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
    /// The question it answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<Text>,
    /// The tag its author gave it from the step's areas, e.g. "Giver energi".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<Text>,
    /// The hall's outcome of a session with tables: the table it was shared at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<u16>,
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
    /// The hall's outcome of a session with tables: the table it was dealt at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<u16>,
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
    /// The hall's figure of a session with tables: tables left out for too few raters.
    #[serde(skip_serializing_if = "is_zero")]
    pub tables_left_out: u32,
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
    /// The hall's map of a session with tables: at how many tables it is shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tables: Option<u32>,
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
    /// A row of the hall's plan lifted from a table: that table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<u16>,
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

/// The outcome of a whole series: every meeting's own outcome, in order, and their action
/// plans as one, each row with its meeting. It is the series' JSON export's schema.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SeriesOutcome {
    /// The series definition's id.
    pub series: String,
    /// The series' title.
    pub title: Text,
    /// `"da"` or `"en"`: the language exports are written in.
    pub lang: String,
    /// Aggregates are shown only when at least this many answered.
    pub min_group: u32,
    /// How many meetings the series has (also those deleted since).
    pub meeting_count: usize,
    /// Every meeting still there, in order.
    pub meetings: Vec<SeriesMeeting>,
    /// Every meeting's accepted rows, meeting by meeting.
    pub action_plan: Vec<SeriesPlanRow>,
}

/// One meeting of a series with its own outcome (its code, programme, date, participants).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SeriesMeeting {
    /// Its number in the series, from 1.
    pub number: usize,
    /// The meeting's outcome.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// A row of a series' action plan, with the meeting it was agreed at.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SeriesPlanRow {
    /// The meeting's number in the series, from 1.
    pub meeting: usize,
    /// The meeting's join code.
    pub code: String,
    /// The row.
    #[serde(flatten)]
    pub row: PlanRow,
}

/// The series outcome of the meetings still there (`(position from 0, outcome)`, in order);
/// `None` when there are none.
pub fn series(
    id: &str,
    title: &Text,
    meeting_count: usize,
    meetings: Vec<(usize, Outcome)>,
) -> Option<SeriesOutcome> {
    let first = &meetings.first()?.1;
    let (lang, min_group) = (first.lang.clone(), first.min_group);
    let meetings: Vec<SeriesMeeting> = meetings
        .into_iter()
        .map(|(position, outcome)| SeriesMeeting {
            number: position + 1,
            outcome,
        })
        .collect();
    let action_plan = meetings
        .iter()
        .flat_map(|m| {
            m.outcome.action_plan.iter().map(|row| SeriesPlanRow {
                meeting: m.number,
                code: m.outcome.code.clone(),
                row: row.clone(),
            })
        })
        .collect();
    Some(SeriesOutcome {
        series: id.to_owned(),
        title: title.clone(),
        lang,
        min_group,
        meeting_count,
        meetings,
        action_plan,
    })
}
