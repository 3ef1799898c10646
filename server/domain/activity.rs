//! The shared side of activity steps, common to every kind: each step's shared state (one part
//! per kind, see `crate::kinds`), shared reflection items, and publication — the copy of answers
//! that results are computed from, renewed only in batches of `min_group` people. Also the
//! dispatch of answers, actions and changes to the step's kind.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::answers::{self, Answer, AnswerInput};
use super::{
    Action, By, Change, Event, OpId, Participant, ParticipantId, Role, RuleError, Scope, Session,
    TableId, Who,
};
use crate::content::Step;
use crate::kinds::{self, Ctx, cards, evaluation, grid, map, plan, review};

/// Longest card, topic, note or group label typed live, in characters.
pub const MAX_LIVE_TEXT: usize = 300;
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
    /// The table it was shared at, in a session with tables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<TableId>,
}

/// A result as it was shown when it was held (see [`StepState::held`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "held", rename_all = "snake_case")]
pub enum Held {
    /// A grid topic's ratings.
    Topic {
        /// Rated on both axes by this many.
        raters: u32,
        /// Importance as shown.
        importance: Option<crate::outcome::Stat>,
        /// Success as shown.
        success: Option<crate::outcome::Stat>,
        /// Who deleted their answers while it was held: their new answers do not count towards
        /// releasing it (answering as before would otherwise move it by one other person).
        #[serde(default)]
        forgotten: BTreeSet<ParticipantId>,
    },
    /// A stakeholder map's actors named by at least `min_group`, as shown, and how many were
    /// only counted. Labels are spelt as someone who stays wrote them, so no text of the
    /// person who deleted their answers stays behind in the hold.
    Map {
        /// The actors shown, most named first.
        actors: Vec<HeldActor>,
        /// Actors named by too few to be shown, as counted.
        too_few: u32,
        /// As for `Topic`.
        #[serde(default)]
        forgotten: BTreeSet<ParticipantId>,
    },
    /// A reflection scale prompt's distribution.
    Scale {
        /// How many answered.
        n: u32,
        /// The counts as shown.
        counts: Option<Vec<u32>>,
        /// As for `Topic`.
        #[serde(default)]
        forgotten: BTreeSet<ParticipantId>,
    },
}

/// A map actor as shown when the map was held (see [`Held::Map`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeldActor {
    /// The label shown.
    pub label: String,
    /// Named by this many.
    pub named_by: u32,
    /// Influence as shown.
    pub influence: Option<crate::outcome::Stat>,
    /// Effect as shown.
    pub effect: Option<crate::outcome::Stat>,
}

/// Shared state of one step: what every kind with results has (reveal and publication), and
/// one part per kind, each empty unless the step is of that kind. Stored flat in snapshots, as
/// it always was.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StepState {
    /// Reflection, grid, map: results shown to the room.
    pub revealed: bool,
    /// Reflection, grid, map: the answers the step's results are computed from — a copy taken
    /// at the first reveal and renewed only once `min_group` different participants changed
    /// their answers since (see `Session::publish`). `None` until the first reveal.
    pub published: Option<BTreeMap<ParticipantId, BTreeMap<String, Answer>>>,
    /// Who changed an answer of this step since the last publication.
    pub pending: BTreeSet<ParticipantId>,
    /// Results held as they were shown when someone who counted in them deleted their
    /// answers, by result (`Kind::unit`): the numbers the room already saw, not anyone's
    /// answers. A held result is shown instead of the computed one until `min_group` others
    /// changed their answers to it (see [`Session::hold_for_forget`]).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub held: BTreeMap<String, Held>,
    /// Results (`Kind::unit`) published while the step's results were hidden from the room and
    /// not shown to it since (only the facilitator's console saw them). Held after a deletion,
    /// such a result is withheld from every screen and file — numbers neither the room saw nor
    /// anyone may now see — instead of shown as held (sock puppets removed before the reveal
    /// must not reveal their victim to the room).
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub unseen: BTreeSet<String>,
    /// A cards step's deck additions and dealt cards.
    #[serde(flatten)]
    pub cards: cards::State,
    /// A grid step's topics, placements, priorities and dots.
    #[serde(flatten)]
    pub grid: grid::State,
    /// A map step's merges.
    #[serde(flatten)]
    pub map: map::State,
    /// A plan step's rows.
    #[serde(flatten)]
    pub plan: plan::State,
    /// A review step's statuses and notes (the hall's).
    #[serde(flatten)]
    pub review: review::State,
    /// An evaluation step's figures (the hall's).
    #[serde(flatten)]
    pub evaluation: evaluation::State,
}

impl StepState {
    /// Whether the parts of kinds other than `kind` are empty, as they must be.
    fn only_of(&self, kind: crate::content::StepKind) -> bool {
        use crate::content::StepKind as K;
        (kind == K::Cards || self.cards == cards::State::default())
            && (kind == K::Grid || self.grid == grid::State::default())
            && (kind == K::Map || self.map == map::State::default())
            && (kind == K::Plan || self.plan == plan::State::default())
            && (kind == K::Review || self.review == review::State::default())
            && (kind == K::Evaluation || self.evaluation == evaluation::State::default())
    }
}

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

    /// Shared state of step `index` in `scope`.
    pub fn state(&self, scope: Scope, index: usize) -> &StepState {
        match scope {
            Scope::Hall => &self.steps[index],
            Scope::Table(t) => &self.tables[t.index()].steps[index],
        }
    }

    /// Shared state of step `index` in `scope`, to change (for the kinds' `fold`).
    pub(crate) fn state_mut(&mut self, scope: Scope, index: usize) -> &mut StepState {
        match scope {
            Scope::Hall => &mut self.steps[index],
            Scope::Table(t) => &mut self.tables[t.index()].steps[index],
        }
    }

    /// Every scope that has step states: the hall, then each table.
    pub fn scopes(&self) -> Vec<Scope> {
        std::iter::once(Scope::Hall)
            .chain(self.table_ids().map(Scope::Table))
            .collect()
    }

    /// Every step state of every scope, to change.
    pub(super) fn all_states_mut(&mut self) -> impl Iterator<Item = &mut StepState> {
        self.steps
            .iter_mut()
            .chain(self.tables.iter_mut().flat_map(|t| t.steps.iter_mut()))
    }

    /// Every share record, to change (for the reflection kind's `fold`).
    pub(crate) fn shares_mut(&mut self) -> &mut Vec<ShareRecord> {
        &mut self.shares
    }

    /// One participant, to change (for the kinds' `fold`).
    pub(crate) fn participant_mut(&mut self, id: ParticipantId) -> Option<&mut Participant> {
        self.participants.get_mut(id.index())
    }

    /// The live answers of step `index` of those who count in `scope`, by participant.
    pub(crate) fn answers_in(
        &self,
        scope: Scope,
        index: usize,
    ) -> impl Iterator<Item = (ParticipantId, &BTreeMap<String, Answer>)> {
        let step_id = &self.programme().steps[index].id;
        self.participants
            .iter()
            .filter(move |p| self.counts_in(p.id, scope))
            .filter_map(move |p| p.answers.get(step_id).map(|a| (p.id, a)))
    }

    /// The answers results are computed from: the last publication (nothing before the first
    /// reveal). Two successive results therefore differ by the answers of at least `min_group`
    /// people, never by one person's.
    pub(crate) fn published_in(
        &self,
        scope: Scope,
        index: usize,
    ) -> impl Iterator<Item = (ParticipantId, &BTreeMap<String, Answer>)> {
        self.state(scope, index)
            .published
            .iter()
            .flat_map(|published| published.iter().map(|(p, a)| (*p, a)))
    }

    /// Takes a copy of every answer of step `index` in `scope` for its results (the first
    /// reveal).
    pub(crate) fn publish(&mut self, scope: Scope, index: usize) {
        let copy = self
            .answers_in(scope, index)
            .map(|(p, a)| (p, a.clone()))
            .collect();
        let state = self.state_mut(scope, index);
        state.published = Some(copy);
        state.pending.clear();
    }

    /// `participant` changed their answer under `key` of step `index`. Results are published
    /// per result — a prompt, a topic, the whole map (`Kind::unit`) — never per step, so that a
    /// result never moves by fewer than `min_group` people's answers:
    /// - a result last shown with at least `min_group` answers takes in changes only once
    ///   `min_group` people's answers to it differ from what it shows, all at once;
    /// - a result last shown below `min_group` (it showed how many answered, nothing else) is
    ///   published as soon as `min_group` have answered, so a screen never says too few
    ///   answered when enough did.
    ///
    /// Only the people whose answers differ are copied, found among those who changed something
    /// since they were last published (`pending`).
    ///
    /// In a session with tables each table publishes on its own, over its members: a member's
    /// live answers count at their table only (`Session::counts_in`), so seating someone
    /// elsewhere is a change like any other at both tables.
    pub(super) fn note_change(
        &mut self,
        scope: Scope,
        index: usize,
        participant: ParticipantId,
        key: &str,
    ) {
        if self.created.publication == super::Publication::PerStep {
            return self.note_change_per_step(scope, index, participant);
        }
        let min_group = self.created.min_group as usize;
        let has_tables = !self.tables.is_empty();
        let step = &self.created.programme.steps[index];
        let kind = kinds::of(step.kind);
        let unit = kind.unit(key);
        let state = match scope {
            Scope::Hall => &mut self.steps[index],
            Scope::Table(t) => &mut self.tables[t.index()].steps[index],
        };
        let Some(published) = &mut state.published else {
            return;
        };
        state.pending.insert(participant);
        let participants = &self.participants;
        let counts = |p: &Participant| match scope {
            Scope::Hall => !has_tables,
            Scope::Table(t) => p.table == Some(t),
        };
        let live = |p: ParticipantId| {
            participants
                .get(p.index())
                .filter(|p| counts(p))
                .and_then(|p| p.answers.get(&step.id))
        };
        let shown = state.held.contains_key(unit)
            || kind.unit_reaches(unit, &mut published.values(), min_group);
        let candidates: Vec<ParticipantId> = if shown {
            state.pending.iter().copied().collect()
        } else {
            participants
                .iter()
                .filter(|p| counts(p) || published.contains_key(&p.id))
                .map(|p| p.id)
                .collect()
        };
        let differs =
            |p: ParticipantId, published: &BTreeMap<ParticipantId, BTreeMap<String, Answer>>| {
                of_unit(kind, unit, live(p)) != of_unit(kind, unit, published.get(&p))
            };
        let changed: Vec<ParticipantId> = candidates
            .into_iter()
            .filter(|p| differs(*p, published))
            .collect();
        let forgotten = match state.held.get(unit) {
            Some(
                Held::Topic { forgotten, .. }
                | Held::Scale { forgotten, .. }
                | Held::Map { forgotten, .. },
            ) => Some(forgotten),
            None => None,
        };
        let others = changed
            .iter()
            .filter(|p| forgotten.is_none_or(|f| !f.contains(p)))
            .count();
        let due = if shown {
            others >= min_group
        } else {
            !changed.is_empty()
                && kind.unit_reaches(
                    unit,
                    &mut participants
                        .iter()
                        .filter(|p| counts(p))
                        .filter_map(|p| p.answers.get(&step.id)),
                    min_group,
                )
        };
        if !due {
            return;
        }
        // A held result takes in these changes: it moves by them and by whoever was forgotten.
        state.held.remove(unit);
        // Published while hidden, the room has not seen it (see `StepState::unseen`).
        if state.revealed {
            state.unseen.remove(unit);
        } else {
            state.unseen.insert(unit.to_owned());
        }
        for p in &changed {
            let mine = published.entry(*p).or_default();
            mine.retain(|k, _| kind.unit(k) != unit);
            for (k, answer) in live(*p).into_iter().flatten() {
                if kind.unit(k) == unit {
                    mine.insert(k.clone(), answer.clone());
                }
            }
            if mine.is_empty() {
                published.remove(p);
            }
        }
        // Who is published in full now needs no watching until they change again.
        state
            .pending
            .retain(|p| live(*p) != published.get(p).filter(|a| !a.is_empty()));
    }

    /// The first publication rule, for sessions stored under it: once `min_group` different
    /// people changed any answer of the step since the last publication, all their answers
    /// to it are taken in.
    fn note_change_per_step(&mut self, scope: Scope, index: usize, participant: ParticipantId) {
        let min_group = self.created.min_group as usize;
        let has_tables = !self.tables.is_empty();
        let step_id = &self.created.programme.steps[index].id;
        let state = match scope {
            Scope::Hall => &mut self.steps[index],
            Scope::Table(t) => &mut self.tables[t.index()].steps[index],
        };
        let Some(published) = &mut state.published else {
            return;
        };
        state.pending.insert(participant);
        let forgotten: BTreeSet<ParticipantId> = state
            .held
            .values()
            .flat_map(|h| match h {
                Held::Topic { forgotten, .. }
                | Held::Scale { forgotten, .. }
                | Held::Map { forgotten, .. } => forgotten.iter(),
            })
            .copied()
            .collect();
        if state.pending.difference(&forgotten).count() < min_group {
            return;
        }
        state.held.clear();
        for p in std::mem::take(&mut state.pending) {
            match self
                .participants
                .get(p.index())
                .filter(|p| match scope {
                    Scope::Hall => !has_tables,
                    Scope::Table(t) => p.table == Some(t),
                })
                .and_then(|p| p.answers.get(step_id))
            {
                Some(answers) => published.insert(p, answers.clone()),
                None => published.remove(&p),
            };
        }
    }

    /// `participant` is about to delete their answers (`Event::Forgot`): every result of step
    /// `index` that is shown and counts them is held as shown — its numbers, not their answers
    /// — so that the deletion does not move it by one person, which would give away their
    /// answers by difference. Grid ratings and dots and reflection scales are held; shared
    /// texts leave at once, as their author withdrew them. A map is held whole, its labels spelt
    /// by those who stay (`Session::map_as_shown`).
    pub(super) fn hold_for_forget(
        &mut self,
        scope: Scope,
        index: usize,
        participant: ParticipantId,
    ) {
        use crate::content::StepKind;
        let kind = self.programme().steps[index].kind;
        let Some(mine) = self
            .state(scope, index)
            .published
            .as_ref()
            .and_then(|p| p.get(&participant))
            .cloned()
        else {
            return self.hold_dots(scope, index, participant);
        };
        let mut holds = Vec::new();
        // A result already held takes in this person too, whatever it shows now (withheld, it
        // shows nothing): else their answering again as before would count as someone else's.
        let held = |unit: &str| self.state(scope, index).held.contains_key(unit);
        match kind {
            StepKind::Grid => {
                for stats in self.topic_stats(scope, index) {
                    let counted = matches!(mine.get(&stats.topic), Some(Answer::Rating(r)) if r.importance.is_some() && r.success.is_some());
                    if counted && (stats.importance.is_some() || held(&stats.topic)) {
                        holds.push((
                            stats.topic,
                            Held::Topic {
                                raters: stats.raters,
                                importance: stats.importance,
                                success: stats.success,
                                forgotten: BTreeSet::new(),
                            },
                        ));
                    }
                }
            }
            StepKind::Reflection => {
                for counts in self.scale_counts(scope, index) {
                    if mine.contains_key(&counts.prompt)
                        && (counts.counts.is_some() || held(&counts.prompt))
                    {
                        holds.push((
                            counts.prompt,
                            Held::Scale {
                                n: counts.n,
                                counts: counts.counts,
                                forgotten: BTreeSet::new(),
                            },
                        ));
                    }
                }
            }
            StepKind::Map => {
                let named = mine.values().any(|a| matches!(a, Answer::Actor(_)));
                let min_group = self.created.min_group as usize;
                let kind = crate::kinds::of(kind);
                let shown = held("")
                    || self
                        .state(scope, index)
                        .published
                        .as_ref()
                        .is_some_and(|p| kind.unit_reaches("", &mut p.values(), min_group));
                if named && shown {
                    holds.push((String::new(), self.map_as_shown(scope, index, participant)));
                }
            }
            _ => {}
        }
        let held = &mut self.state_mut(scope, index).held;
        for (unit, hold) in holds {
            let (Held::Topic { forgotten, .. }
            | Held::Scale { forgotten, .. }
            | Held::Map { forgotten, .. }) = held.entry(unit).or_insert(hold);
            forgotten.insert(participant);
        }
        self.hold_dots(scope, index, participant);
    }

    /// Like `hold_for_forget`, for a grid step's dot totals.
    fn hold_dots(&mut self, scope: Scope, index: usize, participant: ParticipantId) {
        let grid = &self.state(scope, index).grid;
        let counted = grid
            .published_votes
            .as_ref()
            .and_then(|v| v.get(&participant))
            .is_some_and(|dots| !dots.is_empty());
        if !counted {
            return;
        }
        if grid.held_dots.is_some() {
            self.state_mut(scope, index)
                .grid
                .dots_forgotten
                .insert(participant);
            return;
        }
        let dots: Option<BTreeMap<String, u32>> = self
            .topic_stats(scope, index)
            .into_iter()
            .map(|s| Some((s.topic, s.dots?)))
            .collect();
        let grid = &mut self.state_mut(scope, index).grid;
        grid.held_dots = dots;
        if grid.held_dots.is_some() {
            grid.dots_forgotten.insert(participant);
        }
    }

    /// Whether any result of step `index` in `scope` is held (see [`StepState::held`]).
    /// In the hall of a session with tables: whether any table's is.
    pub fn held(&self, scope: Scope, index: usize) -> bool {
        if scope == Scope::Hall && self.has_tables() {
            return self.table_ids().any(|t| self.held(Scope::Table(t), index));
        }
        let state = self.state(scope, index);
        !state.held.is_empty() || state.grid.held_dots.is_some()
    }

    /// For the staff: how many people's answers to `unit` of step `index` in `scope` differ
    /// from what its result shows, waiting for the next publication. `None` before the first
    /// reveal.
    pub fn waiting(&self, scope: Scope, index: usize, unit: &str) -> Option<u32> {
        let step = &self.programme().steps[index];
        let kind = kinds::of(step.kind);
        let published = self.state(scope, index).published.as_ref()?;
        let live = |p: ParticipantId| {
            self.participant(p)
                .filter(|_| self.counts_in(p, scope))
                .and_then(|p| p.answers.get(&step.id))
        };
        let ids: std::collections::BTreeSet<ParticipantId> = self
            .participants
            .iter()
            .filter(|p| live(p.id).is_some())
            .map(|p| p.id)
            .chain(published.keys().copied())
            .collect();
        let waiting = ids
            .into_iter()
            .filter(|p| of_unit(kind, unit, live(*p)) != of_unit(kind, unit, published.get(p)))
            .count();
        Some(waiting as u32)
    }

    /// `participant` left the table of `scope`: their dots leave its totals as any change of
    /// dots does, in batches of `min_group` people.
    pub(super) fn move_dots(&mut self, scope: Scope, index: usize, participant: ParticipantId) {
        let min_group = self.created.min_group as usize;
        let grid = &mut self.state_mut(scope, index).grid;
        if grid.votes.remove(&participant).is_some() {
            grid.note_vote(participant, min_group);
        }
    }
}

/// The answers of `answers` that count towards `unit`.
fn of_unit<'a>(
    kind: &dyn kinds::Kind,
    unit: &str,
    answers: Option<&'a BTreeMap<String, Answer>>,
) -> Vec<(&'a String, &'a Answer)> {
    answers
        .into_iter()
        .flatten()
        .filter(|(k, _)| kind.unit(k) == unit)
        .collect()
}

impl Session {
    /// Checks a participant's private answer for step `index` under `key` (a prompt, topic,
    /// actor entry or area id); the step's kind decides, in the participant's scope (the hall
    /// while they have no seat). `Ok(None)` removes the answer.
    pub(super) fn check_answer(
        &self,
        participant: ParticipantId,
        index: usize,
        key: &str,
        value: AnswerInput,
    ) -> Result<Option<Answer>, RuleError> {
        if value == AnswerInput::Clear {
            return if answers::valid_item_id(key) {
                Ok(None)
            } else {
                Err(RuleError::NoSuchPrompt)
            };
        }
        let scope = self.scope_of(participant).unwrap_or(Scope::Hall);
        let cx = Ctx::new(self, scope, index);
        let given = kinds::Given {
            participant,
            key,
            value,
        };
        kinds::of(cx.step.kind).check_answer(&cx, given).map(Some)
    }

    /// Decides an activity action on step `index`: who gives it and where (the facilitator in
    /// the hall or at a table it names; a participant at their own table, as its host for
    /// the actions a host may give), the role where the action alone decides it, then the
    /// step's kind. In the hall of a session with tables, the facilitator deals a card at
    /// every table at once.
    pub(super) fn decide_activity(
        &self,
        actor: Role,
        op: OpId,
        index: usize,
        action: Action,
        table: Option<TableId>,
    ) -> Result<Vec<Event>, RuleError> {
        let kind = kinds::of(self.programme().steps[index].kind);
        let (by, scope) = match actor {
            Role::Facilitator => {
                if table.is_some_and(|t| t.index() >= self.tables.len()) {
                    return Err(RuleError::Invalid);
                }
                let scope = if kind.hall_only() {
                    Scope::Hall
                } else {
                    Scope::of(table)
                };
                (By::Facilitator, scope)
            }
            // The whole group's work (a review): in the hall, wherever the participant sits.
            Role::Participant(p) if kind.hall_only() => (By::Participant(p), Scope::Hall),
            Role::Participant(p) => {
                let scope = self.scope_of(p).ok_or(RuleError::NoSeat)?;
                if table.is_some() && table != scope.table() {
                    return Err(RuleError::NotAllowed);
                }
                let host = self.hosts(p) && action.hosts_may();
                (
                    if host {
                        By::Host(p)
                    } else {
                        By::Participant(p)
                    },
                    scope,
                )
            }
            Role::Projector | Role::Newcomer => return Err(RuleError::NotAllowed),
        };
        match (action.who(), by) {
            (Who::Facilitator, By::Participant(_))
            | (Who::Participant, By::Facilitator | By::Host(_)) => {
                return Err(RuleError::NotAllowed);
            }
            _ => {}
        }
        // One person's answers are never a group's result: the 1:1 reveals nothing.
        if matches!(action, Action::Reveal { revealed: true })
            && self.programme().participants == crate::content::Participants::One
        {
            return Err(RuleError::NoGroup);
        }
        if scope == Scope::Hall && self.has_tables() && matches!(action, Action::Deal { .. }) {
            return self
                .table_ids()
                .map(|t| {
                    let cx = Ctx::new(self, Scope::Table(t), index);
                    let change = kind.decide(&cx, by, action.clone())?;
                    Ok(Event::Changed {
                        by,
                        op: op.clone(),
                        step: index,
                        change,
                        table: Some(t),
                    })
                })
                .collect();
        }
        let cx = Ctx::new(self, scope, index);
        let change = kind.decide(&cx, by, action)?;
        Ok(vec![Event::Changed {
            by,
            op,
            step: index,
            change,
            table: scope.table(),
        }])
    }

    /// Folds a resolved change into step `index` of `scope`, through the step's kind.
    pub(super) fn apply_change(&mut self, by: By, scope: Scope, index: usize, change: &Change) {
        let kind = self.programme().steps[index].kind;
        kinds::of(kind).fold(self, by, scope, index, change);
    }

    /// What must hold for one step's shared state in one scope: only its kind's part is
    /// filled in, and that part holds what its kind requires.
    pub(super) fn check_step_state(&self, scope: Scope, index: usize) -> Result<(), String> {
        let cx = Ctx::new(self, scope, index);
        let step: &Step = cx.step;
        if !cx.state.only_of(step.kind) {
            return Err(format!(
                "step {}: state of another kind than {}",
                step.id,
                step.kind.as_str()
            ));
        }
        kinds::of(step.kind).check_state(&cx).map_err(|what| {
            format!(
                "step {}{}: {what}",
                step.id,
                match scope {
                    Scope::Hall => String::new(),
                    Scope::Table(t) => format!(" at table {t}"),
                }
            )
        })
    }
}
