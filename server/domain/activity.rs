//! The shared side of activity steps: what the group builds together (dealt cards, topics,
//! agreed positions, the action plan) and the aggregates computed from private answers.
//! Aggregates are only ever handed out through functions here, which apply `min_group`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::answers::Answer;
use super::{ParticipantId, Session};
use crate::content::{Card, Prompt, Text, Topic};

/// Most cards a facilitator may add to one step.
pub const MAX_ADDED_CARDS: usize = 100;
/// Most topics a grid may have.
pub const MAX_TOPICS: usize = 50;
/// Most notes on one card.
pub const MAX_NOTES: usize = 50;
/// Most rows an action plan may have.
pub const MAX_ROWS: usize = 100;
/// Longest card, topic, note or group label typed live, in characters.
pub const MAX_LIVE_TEXT: usize = 300;
/// Longest note, in characters.
pub const MAX_NOTE: usize = 1000;
/// Most dots one participant has in a dot vote.
pub const DOTS: usize = 3;
/// Most priorities a grid may have.
pub const MAX_PRIORITIES: usize = 3;

/// Where a dialogue card goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DealTo {
    /// The whole room talks.
    Room,
    /// The next participant in joining order after the previous card's.
    Turn,
    /// This participant.
    Participant(ParticipantId),
}

/// A dealt card.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dealt {
    /// Card id.
    pub card: String,
    /// Who holds it; the room when `None`.
    pub to: Option<ParticipantId>,
    /// Whether it was passed.
    pub passed: bool,
    /// The facilitator's notes for the group.
    pub notes: Vec<String>,
}

/// The fields of an action-plan row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RowFields {
    /// Area id of the step.
    pub area: String,
    /// What we will do.
    pub action: String,
    /// The first step.
    pub first_step: String,
    /// Who: a role or a name the group agreed on.
    pub owner: String,
    /// `YYYY-MM-DD` or empty.
    pub deadline: String,
    /// `YYYY-MM-DD` or empty.
    pub follow_up: String,
    /// The grid topic or actor it answers.
    pub answers: Option<String>,
}

/// A row of the action plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRow {
    /// `r1`, `r2`, …
    pub id: String,
    /// Its fields.
    pub fields: RowFields,
    /// Accepted by the facilitator (else a proposal).
    pub accepted: bool,
}

/// A shared reflection item (or whole text answer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareRecord {
    /// Session-wide number; says nothing about the author.
    pub id: u32,
    /// The author.
    pub participant: ParticipantId,
    /// Step index.
    pub step: usize,
    /// Prompt id.
    pub prompt: String,
    /// List item id, for list prompts.
    pub item: Option<String>,
    /// Whether the author's name is shown.
    pub named: bool,
    /// Whether it is still shared.
    pub active: bool,
    /// The facilitator's group label.
    pub group: Option<String>,
}

/// Shared state of one step. Fields belong to the step kinds named in their docs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StepState {
    /// Reflection, grid, map: results shown to the room.
    pub revealed: bool,
    /// Cards: added by the facilitator.
    pub added_cards: Vec<Card>,
    /// Cards: dealt, in order.
    pub dealt: Vec<Dealt>,
    /// Grid: topics added live.
    pub added_topics: Vec<Topic>,
    /// Grid: whether participants may add topics (overrides the content's default).
    pub participant_topics: Option<bool>,
    /// Grid: agreed (importance, success) per topic.
    pub agreed: BTreeMap<String, (u8, u8)>,
    /// Grid: priorities in order.
    pub priorities: Vec<String>,
    /// Grid: dot vote open.
    pub voting: bool,
    /// Grid: each participant's dots (private; only totals leave).
    pub votes: BTreeMap<ParticipantId, Vec<String>>,
    /// Map: normalised label → the label it was merged into.
    pub aliases: BTreeMap<String, String>,
    /// Plan: rows in order.
    pub rows: Vec<PlanRow>,
    /// Plan: rows ever created (for ids).
    pub rows_created: u32,
    /// Reflection, grid, map: the answers the step's results are computed from — a copy taken
    /// at the first reveal and renewed only once `min_group` different participants changed
    /// their answers since (see `Session::publish`). `None` until the first reveal.
    pub published: Option<BTreeMap<ParticipantId, BTreeMap<String, Answer>>>,
    /// Who changed an answer of this step since the last publication.
    pub pending: BTreeSet<ParticipantId>,
    /// Grid: the dots the totals are computed from — everyone's once `min_group` people voted,
    /// then renewed only when `min_group` different people changed their dots since.
    pub published_votes: Option<BTreeMap<ParticipantId, Vec<String>>>,
    /// Who changed their dots since the last publication.
    pub vote_pending: BTreeSet<ParticipantId>,
}

impl StepState {
    /// `participant` set their dots: publish as `note_change` does for answers. The first
    /// publication waits for `min_group` voters and takes everyone's dots at once.
    pub(super) fn note_vote(&mut self, participant: ParticipantId, min_group: usize) {
        let Some(published) = &mut self.published_votes else {
            let voters = self.votes.values().filter(|v| !v.is_empty()).count();
            if voters >= min_group {
                self.published_votes = Some(self.votes.clone());
            }
            return;
        };
        self.vote_pending.insert(participant);
        if self.vote_pending.len() < min_group {
            return;
        }
        for p in std::mem::take(&mut self.vote_pending) {
            match self.votes.get(&p) {
                Some(dots) => published.insert(p, dots.clone()),
                None => published.remove(&p),
            };
        }
    }
}

/// Mean and spread of ratings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stat {
    /// Mean.
    pub mean: f64,
    /// Population standard deviation.
    pub sd: f64,
    /// How many.
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

/// A scale prompt's distribution.
#[derive(Clone, Debug, PartialEq)]
pub struct ScaleCounts {
    /// Prompt id.
    pub prompt: String,
    /// How many answered.
    pub n: u32,
    /// `counts[i]` for value `min + i`; `None` below `min_group`.
    pub counts: Option<Vec<u32>>,
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
}

/// A map actor after merging.
#[derive(Clone, Debug, PartialEq)]
pub struct ActorStats {
    /// The label shown.
    pub label: String,
    /// Distinct participants who named it.
    pub named_by: u32,
    /// Influence (`None` below `min_group`).
    pub influence: Option<Stat>,
    /// Effect (`None` below `min_group`).
    pub effect: Option<Stat>,
}

/// Actors merged under one label: the label shown, who named it, influence and effect ratings.
type Cluster = (String, Vec<ParticipantId>, Vec<f64>, Vec<f64>);

/// A label as compared for merging: trimmed, lower case, inner spaces folded.
pub fn normalise(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Session {
    /// Every share record (active or withdrawn).
    pub fn shares(&self) -> &[ShareRecord] {
        &self.shares
    }

    /// Shared state of step `index`.
    pub fn step_state(&self, index: usize) -> &StepState {
        &self.steps[index]
    }

    /// All cards of a cards step: the content's, then those added live.
    pub fn deck(&self, index: usize) -> Vec<&Card> {
        let step = &self.programme().steps[index];
        step.cards
            .iter()
            .chain(&self.steps[index].added_cards)
            .collect()
    }

    /// All topics of a grid step: the content's, then those added live.
    pub fn topics(&self, index: usize) -> Vec<&Topic> {
        let step = &self.programme().steps[index];
        step.topics
            .iter()
            .chain(&self.steps[index].added_topics)
            .collect()
    }

    /// Whether participants may add topics to grid step `index` now.
    pub fn participants_add_topics(&self, index: usize) -> bool {
        self.steps[index]
            .participant_topics
            .unwrap_or(self.programme().steps[index].participant_topics)
    }

    /// The card in play, if one was dealt.
    pub fn current_card(&self, index: usize) -> Option<(&Dealt, &Card)> {
        let dealt = self.steps[index].dealt.last()?;
        let card = self.deck(index).into_iter().find(|c| c.id == dealt.card)?;
        Some((dealt, card))
    }

    fn min_group(&self) -> u32 {
        self.created.min_group
    }

    fn answers_in(
        &self,
        index: usize,
    ) -> impl Iterator<Item = (ParticipantId, &BTreeMap<String, Answer>)> {
        let step_id = &self.programme().steps[index].id;
        self.participants
            .iter()
            .filter_map(move |p| p.answers.get(step_id).map(|a| (p.id, a)))
    }

    /// The answers results are computed from: the last publication (nothing before the first
    /// reveal). Two successive results therefore differ by the answers of at least `min_group`
    /// people, never by one person's.
    fn published_in(
        &self,
        index: usize,
    ) -> impl Iterator<Item = (ParticipantId, &BTreeMap<String, Answer>)> {
        self.steps[index]
            .published
            .iter()
            .flat_map(|published| published.iter().map(|(p, a)| (*p, a)))
    }

    /// Takes a copy of every answer of step `index` for its results (the first reveal).
    pub(super) fn publish(&mut self, index: usize) {
        let copy = self
            .answers_in(index)
            .map(|(p, a)| (p, a.clone()))
            .collect();
        let state = &mut self.steps[index];
        state.published = Some(copy);
        state.pending.clear();
    }

    /// `participant` changed an answer of step `index`: once `min_group` different people have
    /// since the last publication, the results take in all their changes at once. Only their
    /// answers are copied — everyone else's published answers are still current — so a
    /// publication costs `min_group` copies, not one per participant.
    pub(super) fn note_change(&mut self, index: usize, participant: ParticipantId) {
        let min_group = self.min_group() as usize;
        let step_id = self.programme().steps[index].id.clone();
        let state = &mut self.steps[index];
        let Some(published) = &mut state.published else {
            return;
        };
        state.pending.insert(participant);
        if state.pending.len() < min_group {
            return;
        }
        for p in std::mem::take(&mut state.pending) {
            let answers = self
                .participants
                .get(p.index())
                .and_then(|p| p.answers.get(&step_id));
            match answers {
                Some(answers) => published.insert(p, answers.clone()),
                None => published.remove(&p),
            };
        }
    }

    /// Distribution of every scale prompt of reflection step `index`.
    pub fn scale_counts(&self, index: usize) -> Vec<ScaleCounts> {
        let step = &self.programme().steps[index];
        step.prompts
            .iter()
            .filter_map(|prompt| match prompt {
                Prompt::Scale { id, min, max, .. } => {
                    let mut counts = vec![0u32; (max - min + 1) as usize];
                    let mut n = 0;
                    for (_, answers) in self.published_in(index) {
                        if let Some(Answer::Scale(v)) = answers.get(id) {
                            counts[(v - min) as usize] += 1;
                            n += 1;
                        }
                    }
                    let counts = (n >= self.min_group()).then_some(counts);
                    Some(ScaleCounts {
                        prompt: id.clone(),
                        n,
                        counts,
                    })
                }
                _ => None,
            })
            .collect()
    }

    /// Items shared in reflection step `index` with their current text; the author's name only
    /// where they chose to show it.
    pub fn shared_items(&self, index: usize) -> Vec<(&ShareRecord, String, Option<&str>)> {
        let step_id = &self.programme().steps[index].id;
        self.shares
            .iter()
            .filter(|s| s.active && s.step == index)
            .filter_map(|s| {
                let p = self.participant(s.participant)?;
                let answer = p.answers.get(step_id)?.get(&s.prompt)?;
                let text = match (answer, &s.item) {
                    (Answer::Text(t), None) => t.clone(),
                    (Answer::List(items), Some(item)) => {
                        items.iter().find(|i| &i.id == item)?.text.clone()
                    }
                    _ => return None,
                };
                if text.trim().is_empty() {
                    return None;
                }
                let name = if s.named {
                    p.name.as_ref().map(|n| n.as_str())
                } else {
                    None
                };
                Some((s, text, name))
            })
            .collect()
    }

    /// How many active shares step `index` has.
    pub fn share_count(&self, index: usize) -> usize {
        self.shared_items(index).len()
    }

    /// Aggregates of grid step `index`.
    pub fn topic_stats(&self, index: usize) -> Vec<TopicStats> {
        let state = &self.steps[index];
        self.topics(index)
            .into_iter()
            .map(|topic| {
                let (mut importance, mut success) = (Vec::new(), Vec::new());
                for (_, answers) in self.published_in(index) {
                    if let Some(Answer::Rating(r)) = answers.get(&topic.id)
                        && let (Some(i), Some(s)) = (r.importance, r.success)
                    {
                        importance.push(f64::from(i));
                        success.push(f64::from(s));
                    }
                }
                let raters = importance.len() as u32;
                let shown = raters >= self.min_group();
                // One person's dots are their private vote: totals show from min_group voters,
                // and move only in batches of min_group people (see `note_vote`).
                let votes = state.published_votes.as_ref();
                let voters = votes.map_or(0, |v| v.values().filter(|v| !v.is_empty()).count());
                let dots = (voters >= self.min_group() as usize).then(|| {
                    votes
                        .into_iter()
                        .flat_map(|v| v.values())
                        .flatten()
                        .filter(|t| **t == topic.id)
                        .count() as u32
                });
                TopicStats {
                    topic: topic.id.clone(),
                    raters,
                    importance: Stat::of(&importance).filter(|_| shown),
                    success: Stat::of(&success).filter(|_| shown),
                    dots,
                }
            })
            .collect()
    }

    /// How many participants rated at least one topic of grid step `index` on both axes.
    pub fn grid_raters(&self, index: usize) -> usize {
        self.answers_in(index)
            .filter(|(_, a)| a.values().any(|v| matches!(v, Answer::Rating(r) if r.importance.is_some() && r.success.is_some())))
            .count()
    }

    /// How many participants added at least one actor to map step `index`.
    pub fn map_contributors(&self, index: usize) -> usize {
        self.answers_in(index)
            .filter(|(_, a)| a.values().any(|v| matches!(v, Answer::Actor(_))))
            .count()
    }

    /// Actors of map step `index`, merged by label and by the facilitator's merges, most named
    /// first.
    pub fn actor_stats(&self, index: usize) -> Vec<ActorStats> {
        let state = &self.steps[index];
        // canonical key → (display label, participants, influence values, effect values)
        let mut clusters: BTreeMap<String, Cluster> = BTreeMap::new();
        for (participant, answers) in self.published_in(index) {
            for answer in answers.values() {
                let Answer::Actor(actor) = answer else {
                    continue;
                };
                let key = normalise(&actor.label);
                let display = state
                    .aliases
                    .get(&key)
                    .cloned()
                    .unwrap_or_else(|| actor.label.clone());
                let cluster = clusters
                    .entry(normalise(&display))
                    .or_insert_with(|| (display.clone(), Vec::new(), Vec::new(), Vec::new()));
                if !cluster.1.contains(&participant) {
                    cluster.1.push(participant);
                }
                cluster.2.push(f64::from(actor.influence));
                cluster.3.push(f64::from(actor.effect));
            }
        }
        let mut stats: Vec<ActorStats> = clusters
            .into_values()
            .map(|(label, people, influence, effect)| {
                let named_by = people.len() as u32;
                let shown = named_by >= self.min_group();
                ActorStats {
                    label,
                    named_by,
                    influence: Stat::of(&influence).filter(|_| shown),
                    effect: Stat::of(&effect).filter(|_| shown),
                }
            })
            .collect();
        stats.sort_by(|a, b| {
            b.named_by
                .cmp(&a.named_by)
                .then_with(|| a.label.cmp(&b.label))
        });
        stats
    }

    /// Participants who shared their personal plan of step `index` with the facilitator.
    pub fn shared_plans(&self, index: usize) -> Vec<ParticipantId> {
        let step_id = &self.programme().steps[index].id;
        self.participants
            .iter()
            .filter(|p| p.plan_shared.contains(step_id))
            .map(|p| p.id)
            .collect()
    }

    /// Text helper: a live-typed text in both languages.
    pub(super) fn live_text(text: &str) -> Text {
        Text {
            da: text.to_owned(),
            en: text.to_owned(),
        }
    }
}
