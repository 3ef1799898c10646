//! The prioritisation grid ("prioriteringskort"): each participant rates topics on importance
//! and on how well the group succeeds; topics may be added live; the facilitator places the
//! position the group agreed on, names up to three priorities and may open a dot vote. Means and
//! spread show from `min_group` raters; dot totals from `min_group` voters, moving only in
//! batches of `min_group` people.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use anyhow::bail;
use serde::{Deserialize, Serialize};

use super::{Ctx, Field, Given, Kind, fold_reveal, live_text, required};
use crate::audience::Audience;
use crate::content::{Step, Topic};
use crate::domain::activity::MAX_LIVE_TEXT;
use crate::domain::answers::{Answer, AnswerInput, Rating, within};
use crate::domain::{Action, By, Change, ParticipantId, RuleError, Scope, Session};
use crate::outcome::Stat;
use crate::outcome::{self, Outcome, Section};
use crate::print::Paper;
use crate::protocol::{ActivityView, GridView, TableGridView, TopicResultView, TopicView};

/// Most topics a grid may have.
pub const MAX_TOPICS: usize = 50;
/// Most dots one participant has in a dot vote.
pub const DOTS: usize = 3;
/// Most priorities a grid may have.
pub const MAX_PRIORITIES: usize = 3;

/// The grid kind.
pub struct Grid;

/// The shared state of a grid step.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// Topics added live.
    pub added_topics: Vec<Topic>,
    /// Whether participants may add topics (overrides the content's default).
    pub participant_topics: Option<bool>,
    /// Agreed (importance, success) per topic.
    pub agreed: BTreeMap<String, (u8, u8)>,
    /// Priorities in order.
    pub priorities: Vec<String>,
    /// Dot vote open.
    pub voting: bool,
    /// Each participant's dots (private; only totals leave).
    pub votes: BTreeMap<ParticipantId, Vec<String>>,
    /// The dots the totals are computed from — everyone's once `min_group` people voted, then
    /// renewed only when `min_group` different people changed their dots since.
    pub published_votes: Option<BTreeMap<ParticipantId, Vec<String>>>,
    /// Who changed their dots since the last publication.
    pub vote_pending: BTreeSet<ParticipantId>,
    /// Dot totals held as shown when a voter deleted their answers, until the next
    /// publication (see `Session::hold_for_forget`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_dots: Option<BTreeMap<String, u32>>,
    /// Who deleted their answers while the dots were held: their new dots do not count
    /// towards releasing them.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub dots_forgotten: BTreeSet<ParticipantId>,
}

impl State {
    /// `participant` set their dots: publish as `Session::note_change` does for answers. The
    /// first publication waits for `min_group` voters and takes everyone's dots at once.
    pub(crate) fn note_vote(&mut self, participant: ParticipantId, min_group: usize) {
        let Some(published) = &mut self.published_votes else {
            let voters = self.votes.values().filter(|v| !v.is_empty()).count();
            if voters >= min_group {
                self.published_votes = Some(self.votes.clone());
            }
            return;
        };
        self.vote_pending.insert(participant);
        let forgotten = &self.dots_forgotten;
        let others = self
            .vote_pending
            .iter()
            .filter(|p| !forgotten.contains(p))
            .count();
        if others < min_group {
            return;
        }
        self.held_dots = None;
        self.dots_forgotten.clear();
        for p in std::mem::take(&mut self.vote_pending) {
            match self.votes.get(&p) {
                Some(dots) => published.insert(p, dots.clone()),
                None => published.remove(&p),
            };
        }
    }

    /// `participant` deleted everything: their dots leave the totals at once.
    pub(crate) fn forget(&mut self, participant: ParticipantId) {
        self.votes.remove(&participant);
        self.vote_pending.remove(&participant);
        if let Some(published) = &mut self.published_votes {
            published.remove(&participant);
        }
    }
}

/// A grid topic's aggregate.
#[derive(Clone, Debug, PartialEq)]
pub struct TopicStats {
    /// Topic id.
    pub topic: String,
    /// Rated on both axes by this many.
    pub raters: u32,
    /// Importance (`None` below `min_group` raters).
    pub importance: Option<Stat>,
    /// Success (`None` below `min_group` raters).
    pub success: Option<Stat>,
    /// Dots from the vote; `None` while fewer than `min_group` participants voted.
    pub dots: Option<u32>,
    /// In the hall of a session with tables: tables whose ratings of the topic are not in the
    /// hall's figure, because their own result shows too few (see `Session::topic_stats`).
    pub tables_left_out: u32,
}

impl Kind for Grid {
    fn fields(&self) -> &'static [Field] {
        &[Field::Topics, Field::GridSettings]
    }

    fn validate(&self, step: &Step) -> anyhow::Result<()> {
        if step.topics.is_empty() {
            bail!("step '{}': a grid step needs at least one topic", step.id)
        }
        if !(2..=10).contains(&step.scale_max) {
            bail!("step '{}': scale_max must be between 2 and 10", step.id)
        }
        Ok(())
    }

    fn check_answer(&self, cx: &Ctx, given: Given) -> Result<Answer, RuleError> {
        let Given { key, value, .. } = given;
        if !cx
            .session
            .topics(cx.scope, cx.index)
            .iter()
            .any(|t| t.id == key)
        {
            return Err(RuleError::NoSuchPrompt);
        }
        check_rating(cx.step, value)
    }

    /// A topic's result counts those who rated it on both axes.
    fn counts_towards(&self, unit: &str, answers: &BTreeMap<String, Answer>) -> bool {
        matches!(answers.get(unit), Some(Answer::Rating(r)) if r.importance.is_some() && r.success.is_some())
    }

    fn decide(&self, cx: &Ctx, by: By, action: Action) -> Result<Change, RuleError> {
        let state = &cx.state.grid;
        let known = || cx.session.topics(cx.scope, cx.index);
        // Agreed placements and priorities are each table's own; the hall shows them side by
        // side. The dot vote and whether participants add topics are the hall's, for all.
        match action {
            Action::Place { .. } | Action::Prioritise { .. } if cx.plenary() => {
                return Err(RuleError::AtTable);
            }
            Action::OpenVote { .. } | Action::AllowTopics { .. } if cx.scope != Scope::Hall => {
                return Err(RuleError::NotAllowed);
            }
            _ => {}
        }
        match action {
            Action::Reveal { revealed } => Ok(Change::Revealed { revealed }),
            Action::AddTopic { text } => {
                if !by.steers() {
                    cx.open_for_participant()?;
                    if !cx.session.participants_add_topics(cx.index) {
                        return Err(RuleError::NotAllowed);
                    }
                }
                if known().len() >= MAX_TOPICS {
                    return Err(RuleError::Invalid);
                }
                let text = required(&text, MAX_LIVE_TEXT)?;
                let n = state.added_topics.len() + 1;
                let id = match cx.scope {
                    Scope::Hall => format!("egne-{n}"),
                    Scope::Table(t) => format!("b{t}-egne-{n}"),
                };
                Ok(Change::TopicAdded {
                    topic: Topic {
                        id,
                        text: live_text(&text),
                    },
                })
            }
            Action::AllowTopics { allowed } => Ok(Change::TopicsAllowed { allowed }),
            Action::Place { topic, position } => {
                known()
                    .iter()
                    .find(|t| t.id == topic)
                    .ok_or(RuleError::NoSuchPrompt)?;
                let max = i64::from(cx.step.scale_max);
                let position = match position {
                    Some((i, s)) if (1..=max).contains(&i) && (1..=max).contains(&s) => {
                        Some((i as u8, s as u8))
                    }
                    Some(_) => return Err(RuleError::Invalid),
                    None => None,
                };
                Ok(Change::Placed { topic, position })
            }
            Action::Prioritise { topics } => {
                let known = known();
                let distinct: HashSet<_> = topics.iter().collect();
                if topics.len() > MAX_PRIORITIES
                    || distinct.len() != topics.len()
                    || !topics.iter().all(|t| known.iter().any(|k| &k.id == t))
                {
                    return Err(RuleError::Invalid);
                }
                Ok(Change::Prioritised { topics })
            }
            Action::OpenVote { open } => Ok(Change::VoteOpened { open }),
            Action::Vote { topics } => {
                cx.open_for_participant()?;
                if !cx.hall().grid.voting {
                    return Err(RuleError::NotAllowed);
                }
                let known = known();
                if topics.len() > DOTS || !topics.iter().all(|t| known.iter().any(|k| &k.id == t)) {
                    return Err(RuleError::Invalid);
                }
                Ok(Change::Voted { topics })
            }
            _ => Err(RuleError::WrongStep),
        }
    }

    fn fold(&self, session: &mut Session, by: By, scope: Scope, index: usize, change: &Change) {
        let min_group = session.created().min_group as usize;
        if let Change::Revealed { revealed } = change {
            return fold_reveal(session, scope, index, *revealed);
        }
        let state = &mut session.state_mut(scope, index).grid;
        match change.clone() {
            Change::TopicAdded { topic } => state.added_topics.push(topic),
            Change::TopicsAllowed { allowed } => state.participant_topics = Some(allowed),
            Change::Placed { topic, position } => match position {
                Some(p) => {
                    state.agreed.insert(topic, p);
                }
                None => {
                    state.agreed.remove(&topic);
                }
            },
            Change::Prioritised { topics } => state.priorities = topics,
            Change::VoteOpened { open } => state.voting = open,
            Change::Voted { topics } => {
                if let By::Participant(p) = by {
                    state.votes.insert(p, topics);
                    state.note_vote(p, min_group);
                }
            }
            _ => {}
        }
    }

    fn check_state(&self, cx: &Ctx) -> Result<(), String> {
        let state = &cx.state.grid;
        let topics: Vec<&str> = cx
            .session
            .topics(cx.scope, cx.index)
            .iter()
            .map(|t| t.id.as_str())
            .collect();
        if topics.len() > MAX_TOPICS {
            return Err("over a limit".into());
        }
        let max = cx.step.scale_max;
        if state.agreed.iter().any(|(t, (i, s))| {
            !topics.contains(&t.as_str()) || !(1..=max).contains(i) || !(1..=max).contains(s)
        }) {
            return Err("an agreed position is off the grid".into());
        }
        if state.priorities.len() > MAX_PRIORITIES
            || state
                .priorities
                .iter()
                .any(|t| !topics.contains(&t.as_str()))
        {
            return Err("bad priorities".into());
        }
        if state
            .votes
            .values()
            .any(|v| v.len() > DOTS || v.iter().any(|t| !topics.contains(&t.as_str())))
        {
            return Err("bad votes".into());
        }
        Ok(())
    }

    fn view(&self, cx: &Ctx, audience: Audience) -> Option<ActivityView> {
        let (session, scope, index, step) = (cx.session, cx.scope, cx.index, cx.step);
        let state = &cx.state.grid;
        let revealed = cx.state.revealed;
        let staff = audience.is_staff();
        let results = audience.sees_results(revealed, cx.phones_see_results());
        let plenary = cx.plenary();
        let topic_view = |t: &Topic| TopicView {
            id: t.id.clone(),
            text: t.text.clone(),
        };
        // The hall of a session with tables: every table's placements and priorities (the
        // group's own decisions, shown like the hall's own would be), its topics added at the
        // table, and how many rated there.
        let tables = plenary.then(|| {
            session
                .table_ids()
                .map(|t| {
                    let at = Scope::Table(t);
                    let grid = &session.state(at, index).grid;
                    TableGridView {
                        table: t.number(),
                        agreed: grid.agreed.clone(),
                        priorities: grid.priorities.clone(),
                        topics: grid.added_topics.iter().map(topic_view).collect(),
                        raters: staff.then(|| session.grid_raters(at, index)),
                    }
                })
                .collect()
        });
        Some(ActivityView::Grid(GridView {
            scale_max: step.scale_max,
            topics: session
                .topics(scope, index)
                .into_iter()
                .map(topic_view)
                .collect(),
            participant_topics: session.participants_add_topics(index),
            voting: cx.hall().grid.voting,
            revealed,
            priorities: state.priorities.clone(),
            agreed: state.agreed.clone(),
            raters: staff.then(|| session.grid_raters(scope, index)),
            published: staff.then_some(cx.state.published.is_some()),
            held: results && session.held(scope, index),
            results: results.then(|| {
                session
                    .topic_stats(scope, index)
                    .into_iter()
                    .map(|t| TopicResultView {
                        waiting: (!plenary)
                            .then(|| session.waiting(scope, index, &t.topic))
                            .flatten(),
                        topic: t.topic,
                        raters: t.raters,
                        importance: t.importance.map(Into::into),
                        success: t.success.map(Into::into),
                        dots: t.dots,
                        tables_left_out: plenary.then_some(t.tables_left_out),
                    })
                    .collect()
            }),
            tables,
        }))
    }

    fn outcome(&self, cx: &Ctx, out: &mut Outcome) {
        let state = &cx.state.grid;
        let topics = cx.session.topics(cx.scope, cx.index);
        let results = cx
            .session
            .topic_stats(cx.scope, cx.index)
            .into_iter()
            .filter_map(|s| {
                let topic = topics.iter().find(|t| t.id == s.topic)?;
                Some(outcome::TopicResult {
                    text: topic.text.clone(),
                    raters: s.raters,
                    importance: s.importance,
                    success: s.success,
                    agreed: state.agreed.get(&s.topic).copied(),
                    priority: state
                        .priorities
                        .iter()
                        .position(|p| *p == s.topic)
                        .map(|i| i as u8 + 1),
                    dots: s.dots.unwrap_or(0),
                    tables_left_out: s.tables_left_out,
                })
            })
            .collect();
        // The hall of a session with tables: each table's own placements and priorities.
        let tables = if cx.plenary() {
            cx.session
                .table_ids()
                .map(|t| {
                    let at = Scope::Table(t);
                    let grid = &cx.session.state(at, cx.index).grid;
                    let all = cx.session.topics(at, cx.index);
                    let text = |id: &str| all.iter().find(|x| x.id == id).map(|x| x.text.clone());
                    outcome::TableGrid {
                        table: t.number(),
                        agreed: grid
                            .agreed
                            .iter()
                            .filter_map(|(id, p)| Some((text(id)?, *p)))
                            .collect(),
                        priorities: grid.priorities.iter().filter_map(|id| text(id)).collect(),
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        out.sections.push(Section::Grid {
            title: cx.step.title.clone(),
            scale_max: cx.step.scale_max,
            topics: results,
            tables,
        });
    }

    fn print(&self, step: &Step, paper: &mut Paper) {
        let topics: Vec<_> = step.topics.iter().map(|t| &t.text).collect();
        paper.rating_grid(&topics, step.scale_max);
    }
}

/// Checks a grid rating against the step's scale.
fn check_rating(step: &Step, value: AnswerInput) -> Result<Answer, RuleError> {
    let AnswerInput::Rating {
        importance,
        success,
    } = value
    else {
        return Err(RuleError::Invalid);
    };
    let max = i64::from(step.scale_max);
    let axis = |v: Option<i64>| v.map(|v| within(v, 1, max).map(|v| v as u8)).transpose();
    let rating = Rating {
        importance: axis(importance)?,
        success: axis(success)?,
    };
    if rating.importance.is_none() && rating.success.is_none() {
        return Err(RuleError::Invalid);
    }
    Ok(Answer::Rating(rating))
}

impl Session {
    /// All topics of a grid step in `scope`: the content's, then those the facilitator added
    /// for the whole hall, then (at a table) the table's own.
    pub fn topics(&self, scope: Scope, index: usize) -> Vec<&Topic> {
        let step = &self.programme().steps[index];
        let own = match scope {
            Scope::Hall => &[][..],
            Scope::Table(_) => &self.state(scope, index).grid.added_topics[..],
        };
        step.topics
            .iter()
            .chain(&self.state(Scope::Hall, index).grid.added_topics)
            .chain(own)
            .collect()
    }

    /// Whether participants may add topics to grid step `index` now (the hall decides for
    /// every table).
    pub fn participants_add_topics(&self, index: usize) -> bool {
        self.state(Scope::Hall, index)
            .grid
            .participant_topics
            .unwrap_or(self.programme().steps[index].participant_topics)
    }

    /// Aggregates of grid step `index` in `scope`, from published ratings and dots; a result
    /// held after a deletion as it was shown (see `Session::hold_for_forget`).
    ///
    /// The hall of a session with tables shows, for each topic every table has, the ratings
    /// of the tables whose own result of it is shown, pooled (the mean and spread of all their
    /// ratings together), and the sum of their shown dots; the other tables are left out and
    /// counted (see `Session::scale_counts` for why that tells nobody more than the tables do).
    pub fn topic_stats(&self, scope: Scope, index: usize) -> Vec<TopicStats> {
        if scope == Scope::Hall && self.has_tables() {
            return self.hall_topic_stats(index);
        }
        let state = &self.state(scope, index).grid;
        let min_group = self.created().min_group;
        // One person's dots are their private vote: totals show from min_group voters,
        // and move only in batches of min_group people (see `note_vote`).
        let votes = state.published_votes.as_ref();
        let voters = votes.map_or(0, |v| v.values().filter(|v| !v.is_empty()).count());
        let dots = |topic: &str| match &state.held_dots {
            Some(held) => held.get(topic).copied(),
            None => (voters >= min_group as usize).then(|| {
                votes
                    .into_iter()
                    .flat_map(|v| v.values())
                    .flatten()
                    .filter(|t| **t == topic)
                    .count() as u32
            }),
        };
        let step_state = self.state(scope, index);
        self.topics(scope, index)
            .into_iter()
            .map(|topic| {
                if let Some(crate::domain::Held::Topic {
                    raters,
                    importance,
                    success,
                    ..
                }) = step_state.held.get(&topic.id)
                {
                    // Withheld if the room never saw it (`StepState::unseen`).
                    let seen = !step_state.unseen.contains(&topic.id);
                    return TopicStats {
                        topic: topic.id.clone(),
                        raters: *raters,
                        importance: importance.filter(|_| seen),
                        success: success.filter(|_| seen),
                        dots: dots(&topic.id),
                        tables_left_out: 0,
                    };
                }
                let (mut importance, mut success) = (Vec::new(), Vec::new());
                for (_, answers) in self.published_in(scope, index) {
                    if let Some(Answer::Rating(r)) = answers.get(&topic.id)
                        && let (Some(i), Some(s)) = (r.importance, r.success)
                    {
                        importance.push(f64::from(i));
                        success.push(f64::from(s));
                    }
                }
                let raters = importance.len() as u32;
                let shown = raters >= min_group;
                TopicStats {
                    topic: topic.id.clone(),
                    raters,
                    importance: Stat::of(&importance).filter(|_| shown),
                    success: Stat::of(&success).filter(|_| shown),
                    dots: dots(&topic.id),
                    tables_left_out: 0,
                }
            })
            .collect()
    }

    /// The hall's figure of each topic of the whole hall: the tables' shown results, pooled.
    fn hall_topic_stats(&self, index: usize) -> Vec<TopicStats> {
        let tables: Vec<Vec<TopicStats>> = self
            .table_ids()
            .map(|t| self.topic_stats(Scope::Table(t), index))
            .collect();
        self.topics(Scope::Hall, index)
            .into_iter()
            .map(|topic| {
                let mut hall = TopicStats {
                    topic: topic.id.clone(),
                    raters: 0,
                    importance: None,
                    success: None,
                    dots: None,
                    tables_left_out: 0,
                };
                let (mut importance, mut success) = (Vec::new(), Vec::new());
                for table in &tables {
                    let Some(result) = table.iter().find(|s| s.topic == topic.id) else {
                        continue;
                    };
                    match (result.importance, result.success) {
                        (Some(i), Some(s)) => {
                            hall.raters += result.raters;
                            importance.push(i);
                            success.push(s);
                        }
                        _ if result.raters > 0 => hall.tables_left_out += 1,
                        _ => {}
                    }
                    if let Some(dots) = result.dots {
                        *hall.dots.get_or_insert(0) += dots;
                    }
                }
                hall.importance = Stat::pooled(&importance);
                hall.success = Stat::pooled(&success);
                hall
            })
            .collect()
    }

    /// How many participants rated at least one topic of grid step `index` on both axes, in
    /// `scope` (in the hall of a session with tables: at all tables).
    pub fn grid_raters(&self, scope: Scope, index: usize) -> usize {
        if scope == Scope::Hall && self.has_tables() {
            return self
                .table_ids()
                .map(|t| self.grid_raters(Scope::Table(t), index))
                .sum();
        }
        self.answers_in(scope, index)
            .filter(|(_, a)| a.values().any(|v| matches!(v, Answer::Rating(r) if r.importance.is_some() && r.success.is_some())))
            .count()
    }
}
