//! The current step's activity on the wire, one shape per step kind. The step's kind fills it in
//! (see `crate::kinds`) for an [`Audience`], which decides who sees what; fields only some
//! audiences see are left out for the others.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::client::RowMsg;
use crate::audience::Audience;
use crate::content::{Area, Text};
use crate::domain::{Scope, Session};
use crate::kinds::{self, Ctx};
use crate::outcome::{PersonalPlan, Stat};

/// The current step's activity as `audience` may see it (see [`Audience`] for who sees what):
/// never one person's private answer. `None` for steps without one.
pub fn activity_view(session: &Session, audience: Audience, scope: Scope) -> Option<ActivityView> {
    let cx = Ctx::new(session, scope, session.step_index());
    kinds::of(cx.step.kind).view(&cx, audience)
}

/// A step's activity, tagged by its kind.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActivityView {
    /// A reflection step.
    Reflection(ReflectionView),
    /// A cards step.
    Cards(CardsView),
    /// A grid step.
    Grid(GridView),
    /// A map step.
    Map(MapView),
    /// A plan step.
    Plan(PlanView),
    /// A personal plan step.
    PersonalPlan(PersonalPlanView),
    /// The closing step, once a plan was agreed.
    End(EndView),
    /// A review of earlier plans (issue 17).
    Review(ReviewView),
    /// Results brought from elsewhere (issue 17).
    Evaluation(EvaluationView),
}

/// A reflection step's activity.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ReflectionView {
    /// Results are shown on the projector.
    pub revealed: bool,
    /// Staff: how many items are shared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_count: Option<usize>,
    /// Staff: whether results were ever published (revealed once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<bool>,
    /// Results: the distribution of each scale prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scales: Option<Vec<ScaleView>>,
    /// Results: the items shared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared: Option<Vec<SharedView>>,
    /// Results: some are held as they were shown, because someone who counted in them
    /// deleted their answers; they move once `min_group` others changed theirs. Only sent
    /// when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub held: bool,
    /// Results, in the hall: the trend of each scale prompt earlier meetings asked too
    /// (issue 17). Absent when none did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trends: Option<Vec<TrendView>>,
}

/// A scale prompt's trend: its result meeting by meeting, this meeting's last.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct TrendView {
    /// Prompt id.
    pub prompt: String,
    /// The points, in meeting order.
    pub points: Vec<TrendPointView>,
}

/// One meeting's point of a trend.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct TrendPointView {
    /// The meeting's programme title.
    pub meeting: Text,
    /// Its day, `YYYY-MM-DD`.
    pub date: String,
    /// This meeting.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub current: bool,
    /// How many answered.
    pub n: u32,
    /// `counts[i]` for value `min + i`; `null` where the point is not shown.
    pub counts: Option<Vec<u32>>,
    /// Why it is not shown: `too_few` or `difference`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden: Option<crate::domain::follow::Hidden>,
}

impl From<crate::domain::follow::TrendEntry> for TrendPointView {
    fn from(entry: crate::domain::follow::TrendEntry) -> Self {
        TrendPointView {
            meeting: entry.point.from.title,
            date: entry.point.from.date,
            current: entry.current,
            n: entry.point.n,
            counts: entry.point.counts.filter(|_| entry.hidden.is_none()),
            hidden: entry.hidden,
        }
    }
}

/// A review step's activity (issue 17): every screen sees the same.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ReviewView {
    /// The rows under review, in the order they were agreed.
    pub rows: Vec<ReviewRowView>,
    /// Facilitator: the plan step a row is carried on into (the first), if the programme has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_step: Option<String>,
}

/// A row under review.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ReviewRowView {
    /// Its key, for `review` and `carry_on`.
    pub key: String,
    /// The meeting that agreed it.
    pub from: crate::domain::follow::MeetingRef,
    /// Its area's title.
    pub area: String,
    /// What we would do.
    pub action: String,
    /// The first step.
    pub first_step: String,
    /// Who owns it.
    pub owner: String,
    /// `YYYY-MM-DD` or empty.
    pub deadline: String,
    /// `YYYY-MM-DD` or empty.
    pub follow_up: String,
    /// What an in-between meeting's review said of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<crate::domain::Status>,
    /// That review's note.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub last_note: String,
    /// Its status now, if one was set.
    pub status: Option<crate::domain::Status>,
    /// The note.
    pub note: String,
    /// Carried on into this meeting's plan.
    pub carried: bool,
}

/// An evaluation step's activity (issue 17).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct EvaluationView {
    /// The figures, for every screen.
    pub rows: Vec<EvalRowView>,
    /// Shared items are shown on the projector.
    pub revealed: bool,
    /// Staff: how many items are shared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_count: Option<usize>,
    /// Results: the items shared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared: Option<Vec<SharedView>>,
}

/// One question's figures.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct EvalRowView {
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

/// A scale prompt's distribution.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ScaleView {
    /// Prompt id.
    pub prompt: String,
    /// How many answered (in the published answers).
    pub n: u32,
    /// `counts[i]` for value `min + i`; `null` below `min_group`.
    pub counts: Option<Vec<u32>>,
    /// Staff: how many people's answers differ from what the result shows, waiting for the
    /// next publication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<u32>,
    /// In the hall of a session with tables: tables whose answers are not in the figure,
    /// because their own result shows too few.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables_left_out: Option<u32>,
}

/// An item shared with the group.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct SharedView {
    /// The share's number; says nothing about its author.
    pub id: u32,
    /// The text.
    pub text: String,
    /// The author's name, only where they chose to show it.
    pub author: Option<String>,
    /// The facilitator's group label.
    pub group: Option<String>,
    /// The id of the prompt (question) it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// In the hall of a session with tables: the table it was shared at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<u16>,
}

/// A cards step's activity.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct CardsView {
    /// Cards in the deck, added ones included.
    pub deck_size: usize,
    /// Cards dealt so far.
    pub dealt_count: usize,
    /// The card in play.
    pub current: Option<CurrentCard>,
    /// Facilitator: the deck, with which cards were dealt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deck: Option<Vec<DeckCard>>,
    /// Facilitator: who can be dealt a card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<Vec<PersonView>>,
    /// In the hall of a session with tables: each table's card in play.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables: Option<Vec<TableCardView>>,
}

/// The card in play.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct CurrentCard {
    /// The card.
    pub card: CardView,
    /// Who holds it; the room when `null`.
    pub to: Option<PersonView>,
    /// It was passed.
    pub passed: bool,
    /// Staff: the facilitator's notes on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Vec<String>>,
}

/// A card's text.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct CardView {
    /// Card id.
    pub id: String,
    /// The question.
    pub text: Text,
}

/// A card of the deck, for the facilitator.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct DeckCard {
    /// Card id.
    pub id: String,
    /// The question.
    pub text: Text,
    /// Dealt already.
    pub dealt: bool,
}

/// A participant, by name only where one was given.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct PersonView {
    /// Participant id.
    pub id: String,
    /// Their name, if they gave one.
    pub name: Option<String>,
}

/// A grid step's activity.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct GridView {
    /// Ratings run 1..=scale_max.
    pub scale_max: u8,
    /// Every topic, added ones included.
    pub topics: Vec<TopicView>,
    /// Participants may add topics now.
    pub participant_topics: bool,
    /// The dot vote is open.
    pub voting: bool,
    /// Results are shown on the projector.
    pub revealed: bool,
    /// The group's priorities, in order.
    pub priorities: Vec<String>,
    /// The agreed `[importance, success]` per topic.
    pub agreed: BTreeMap<String, (u8, u8)>,
    /// Staff: how many rated at least one topic on both axes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raters: Option<usize>,
    /// Staff: whether results were ever published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<bool>,
    /// Results: one per topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<Vec<TopicResultView>>,
    /// Results: some are held as they were shown, because someone who counted in them
    /// deleted their answers; they move once `min_group` others changed theirs. Only sent
    /// when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub held: bool,
    /// In the hall of a session with tables: each table's placements and priorities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables: Option<Vec<TableGridView>>,
}

/// A grid topic.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct TopicView {
    /// Topic id.
    pub id: String,
    /// The topic.
    pub text: Text,
}

/// A grid topic's result.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct TopicResultView {
    /// Topic id.
    pub topic: String,
    /// Rated on both axes by this many.
    pub raters: u32,
    /// Importance; `null` below `min_group` raters.
    pub importance: Option<StatView>,
    /// Success; `null` below `min_group` raters.
    pub success: Option<StatView>,
    /// Dots; `null` while fewer than `min_group` voted.
    pub dots: Option<u32>,
    /// Staff: how many people's ratings of the topic differ from what its result shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<u32>,
    /// In the hall of a session with tables: tables whose ratings are not in the figure,
    /// because their own result shows too few.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables_left_out: Option<u32>,
}

/// Mean, spread and count of ratings, rounded to two decimals.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq)]
pub struct StatView {
    /// Mean.
    pub mean: f64,
    /// Population standard deviation.
    pub sd: f64,
    /// How many.
    pub n: u32,
}

impl From<Stat> for StatView {
    fn from(s: Stat) -> Self {
        StatView {
            mean: (s.mean * 100.0).round() / 100.0,
            sd: (s.sd * 100.0).round() / 100.0,
            n: s.n,
        }
    }
}

/// A map step's activity.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct MapView {
    /// Results are shown on the projector.
    pub revealed: bool,
    /// Staff: how many added at least one actor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contributors: Option<usize>,
    /// Staff: whether results were ever published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<bool>,
    /// Results: the actors, most named first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actors: Option<Vec<ActorView>>,
    /// Results: how many actors were named by fewer than `min_group` participants. Their
    /// labels reach only the facilitator's console (marked `hidden`); other screens count them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub too_few: Option<u32>,
    /// Staff: how many people's actors differ from what the map shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<u32>,
    /// Results: the map is held as it was shown, because someone who counted in it deleted
    /// their answers; it moves once `min_group` others changed theirs. Only sent when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub held: bool,
}

/// A map actor after merging.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ActorView {
    /// The label shown.
    pub label: String,
    /// Distinct participants who named it.
    pub named_by: u32,
    /// Influence; `null` below `min_group`.
    pub influence: Option<StatView>,
    /// Effect; `null` below `min_group`.
    pub effect: Option<StatView>,
    /// Facilitator: named by too few — the console shows it, the room is not shown it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// In the hall of a session with tables: at how many tables it is shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables: Option<u32>,
}

/// A plan step's activity: every row, proposals included.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct PlanView {
    /// The rows in order.
    pub rows: Vec<RowView>,
    /// Staff, in the hall of a session with tables: each table's accepted rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables: Option<Vec<TablePlanView>>,
}

/// An action-plan row.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct RowView {
    /// Row id (on the closing step prefixed with its plan step's id: `plan:r1`).
    pub id: String,
    /// Its fields, as a client sends them.
    #[serde(flatten)]
    pub fields: RowMsg,
    /// Accepted by the facilitator (else a proposal).
    pub accepted: bool,
    /// A row of the hall's plan lifted from a table: that table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<u16>,
}

/// A table's card in play, in the hall of a session with tables.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct TableCardView {
    /// The table's number.
    pub table: u16,
    /// Its card in play.
    pub current: Option<CurrentCard>,
    /// Cards dealt at it so far.
    pub dealt_count: usize,
}

/// A table's own decisions on a grid, in the hall of a session with tables.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct TableGridView {
    /// The table's number.
    pub table: u16,
    /// Its agreed `[importance, success]` per topic id.
    pub agreed: BTreeMap<String, (u8, u8)>,
    /// Its priorities, in order.
    pub priorities: Vec<String>,
    /// Topics added at the table (ids start with `b<table>-`).
    pub topics: Vec<TopicView>,
    /// Staff: how many rated at least one topic there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raters: Option<usize>,
}

/// A table's accepted plan rows, in the hall of a session with tables.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct TablePlanView {
    /// The table's number.
    pub table: u16,
    /// Its accepted rows, in order.
    pub rows: Vec<RowView>,
}

/// A personal plan step's activity.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct PersonalPlanView {
    /// Facilitator: the plans participants shared with them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared: Option<Vec<SharedPlan>>,
}

/// A personal plan its author shared with the facilitator.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct SharedPlan {
    /// The author's participant id.
    pub participant: String,
    /// The plan.
    pub plan: PersonalPlan,
}

/// The closing step's activity: the agreed plan.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct EndView {
    /// The areas of every plan step (first title wins when two share an id).
    pub areas: Vec<Area>,
    /// The accepted rows of every plan step.
    pub rows: Vec<RowView>,
}
