//! The stakeholder map: each participant names actors (a role, not a person) with the actor's
//! influence on daily work and whether it gives or drains energy. Actors are merged by label
//! (and by the facilitator's merges) and counted by distinct participants; their ratings show
//! from `min_group` participants who named them. Below that, an actor's label is one or two
//! people's words: only the facilitator's console shows it (marked as not shown to the room);
//! the projector, phones, exports and carried items only count such actors. One participant
//! weighs once per actor: naming it twice averages their own ratings first.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Ctx, Field, Given, Kind, fold_reveal, required, typed};
use crate::audience::Audience;
use crate::content::Step;
use crate::domain::activity::normalise;
use crate::domain::answers::{ActorEntry, Answer, AnswerInput, chars, valid_item_id, within};
use crate::domain::{Action, By, Change, ParticipantId, RuleError, Scope, Session};
use crate::outcome::Stat;
use crate::outcome::{self, Outcome, Section};
use crate::print::Paper;
use crate::protocol::{ActivityView, ActorView, MapView};

/// Longest map actor label, in characters.
pub const MAX_LABEL_CHARS: usize = 80;
/// Most actors one participant may add to one map.
pub const MAX_ACTORS: usize = 30;
/// Most labels merged in one go.
const MAX_MERGED: usize = 50;

/// The map kind.
pub struct Map;

/// The shared state of a map step.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// Normalised label → the label it was merged into.
    pub aliases: BTreeMap<String, String>,
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
    /// In the hall of a session with tables: at how many tables it is shown.
    pub tables: u32,
}

/// Actors merged under one label: the label shown and, per participant who named it, their
/// influence and effect ratings (several when they named it more than once).
type Cluster = (String, BTreeMap<ParticipantId, (Vec<f64>, Vec<f64>)>);

impl Kind for Map {
    fn fields(&self) -> &'static [Field] {
        &[Field::Categories]
    }

    fn check_answer(&self, cx: &Ctx, given: Given) -> Result<Answer, RuleError> {
        let Given {
            participant,
            key,
            value,
        } = given;
        if !valid_item_id(key) {
            return Err(RuleError::Invalid);
        }
        let mine = cx
            .session
            .participant(participant)
            .and_then(|p| p.answers.get(&cx.step.id));
        let exists = mine.is_some_and(|a| a.contains_key(key));
        if !exists && mine.map_or(0, |a| a.len()) >= MAX_ACTORS {
            return Err(RuleError::Invalid);
        }
        check_actor(value)
    }

    /// The map is one result: actors are merged across everyone's entries.
    fn unit<'k>(&self, _key: &'k str) -> &'k str {
        ""
    }

    /// The map's result counts those who added an actor.
    fn counts_towards(&self, _unit: &str, answers: &BTreeMap<String, Answer>) -> bool {
        answers.values().any(|v| matches!(v, Answer::Actor(_)))
    }

    fn decide(&self, _cx: &Ctx, _by: By, action: Action) -> Result<Change, RuleError> {
        match action {
            Action::Reveal { revealed } => Ok(Change::Revealed { revealed }),
            Action::Merge { labels, into } => {
                let into = required(&into, MAX_LABEL_CHARS)?;
                if labels.is_empty() || labels.len() > MAX_MERGED {
                    return Err(RuleError::Invalid);
                }
                let labels: Vec<String> = labels.iter().map(|l| normalise(l)).collect();
                if labels
                    .iter()
                    .any(|l| l.is_empty() || l.chars().count() > MAX_LABEL_CHARS)
                {
                    return Err(RuleError::Invalid);
                }
                Ok(Change::Merged { labels, into })
            }
            _ => Err(RuleError::WrongStep),
        }
    }

    fn fold(&self, session: &mut Session, _by: By, scope: Scope, index: usize, change: &Change) {
        match change {
            Change::Revealed { revealed } => fold_reveal(session, scope, index, *revealed),
            Change::Merged { labels, into } => {
                let state = &mut session.state_mut(scope, index).map;
                for label in labels {
                    state.aliases.insert(label.clone(), into.clone());
                }
                // What pointed at a merged label now points at the new one.
                let merged: Vec<String> = state
                    .aliases
                    .iter()
                    .filter(|(_, v)| {
                        state.aliases.contains_key(&normalise(v)) && normalise(v) != **v
                    })
                    .map(|(k, _)| k.clone())
                    .collect();
                for key in merged {
                    state.aliases.insert(key, into.clone());
                }
            }
            _ => {}
        }
    }

    fn view(&self, cx: &Ctx, audience: Audience) -> Option<ActivityView> {
        let (session, scope, index) = (cx.session, cx.scope, cx.index);
        let revealed = cx.state.revealed;
        let staff = audience.is_staff();
        let min_group = session.created().min_group;
        let plenary = cx.plenary();
        let held = cx.state.held.contains_key("");
        let results = audience.sees_results(revealed, cx.phones_see_results());
        // The console lists the too-few too, unless the map is held (the hold keeps only what
        // the room saw) or it is the hall's (which is made of what the tables show).
        let result = results.then(|| {
            if audience.is_facilitator() && !held && !plenary {
                let all = session.actor_stats(scope, index);
                let too_few = all.iter().filter(|a| a.named_by < min_group).count() as u32;
                (all, too_few)
            } else {
                session.map_result(scope, index)
            }
        });
        let too_few = result.as_ref().map(|(_, n)| *n);
        let stats = result.map(|(all, _)| all);
        Some(ActivityView::Map(MapView {
            revealed,
            contributors: staff.then(|| session.map_contributors(scope, index)),
            published: staff.then_some(cx.state.published.is_some()),
            // Below `min_group`, a label is one or two people's words: only the console sees it.
            actors: stats.map(|all| {
                all.into_iter()
                    .filter(|a| audience.is_facilitator() || a.named_by >= min_group)
                    .map(|a| ActorView {
                        hidden: a.named_by < min_group,
                        label: a.label,
                        named_by: a.named_by,
                        influence: a.influence.map(Into::into),
                        effect: a.effect.map(Into::into),
                        tables: plenary.then_some(a.tables),
                    })
                    .collect()
            }),
            too_few,
            waiting: (staff && results && !plenary)
                .then(|| session.waiting(scope, index, ""))
                .flatten(),
            held: results && session.held(scope, index) && (plenary || held),
        }))
    }

    fn outcome(&self, cx: &Ctx, out: &mut Outcome) {
        let (actors, too_few) = cx.session.map_result(cx.scope, cx.index);
        let plenary = cx.plenary();
        let actors = actors
            .into_iter()
            .map(|a| outcome::ActorResult {
                label: a.label,
                named_by: a.named_by,
                influence: a.influence,
                effect: a.effect,
                tables: plenary.then_some(a.tables),
            })
            .collect();
        out.sections.push(Section::Map {
            title: cx.step.title.clone(),
            actors,
            too_few,
        });
    }

    fn print(&self, step: &Step, paper: &mut Paper) {
        paper.actor_table(&step.categories);
    }
}

/// Checks a map actor.
fn check_actor(value: AnswerInput) -> Result<Answer, RuleError> {
    let AnswerInput::Actor {
        label,
        influence,
        effect,
        closeness,
    } = value
    else {
        return Err(RuleError::Invalid);
    };
    let label = typed(label.trim())?;
    if label.is_empty() || label.chars().any(char::is_control) {
        return Err(RuleError::Invalid);
    }
    if chars(&label) > MAX_LABEL_CHARS {
        return Err(RuleError::TooLong(MAX_LABEL_CHARS));
    }
    Ok(Answer::Actor(ActorEntry {
        label,
        influence: within(influence, 1, 5)? as u8,
        effect: within(effect, -2, 2)? as i8,
        closeness: closeness
            .map(|c| within(c, 1, 5).map(|c| c as u8))
            .transpose()?,
    }))
}

impl Session {
    /// How many participants added at least one actor to map step `index`.
    pub fn map_contributors(&self, scope: Scope, index: usize) -> usize {
        if scope == Scope::Hall && self.has_tables() {
            return self
                .table_ids()
                .map(|t| self.map_contributors(Scope::Table(t), index))
                .sum();
        }
        self.answers_in(scope, index)
            .filter(|(_, a)| a.values().any(|v| matches!(v, Answer::Actor(_))))
            .count()
    }

    /// The map of step `index` as the room sees it: the actors named by at least `min_group`
    /// and how many were named by too few — as held after a deletion, if it is (withheld
    /// altogether when the room never saw it, see `StepState::unseen`), else from published
    /// answers. The facilitator's console also lists the too-few (`actor_stats`).
    pub fn map_result(&self, scope: Scope, index: usize) -> (Vec<ActorStats>, u32) {
        if scope == Scope::Hall && self.has_tables() {
            return self.hall_map(index);
        }
        let state = self.state(scope, index);
        if let Some(crate::domain::Held::Map {
            actors, too_few, ..
        }) = state.held.get("")
        {
            if state.unseen.contains("") {
                return (Vec::new(), 0);
            }
            let actors = actors
                .iter()
                .map(|a| ActorStats {
                    label: a.label.clone(),
                    named_by: a.named_by,
                    influence: a.influence,
                    effect: a.effect,
                    tables: 0,
                })
                .collect();
            return (actors, *too_few);
        }
        let min_group = self.created().min_group;
        let (shown, few): (Vec<_>, Vec<_>) = self
            .actor_stats(scope, index)
            .into_iter()
            .partition(|a| a.named_by >= min_group);
        (shown, few.len() as u32)
    }

    /// What a hold of map step `index` keeps when `leaving` deletes their answers: the map as
    /// shown, each label spelt as by someone who stays (a label only the leaver wrote is below
    /// `min_group`, so only counted).
    pub(crate) fn map_as_shown(
        &self,
        scope: Scope,
        index: usize,
        leaving: crate::domain::ParticipantId,
    ) -> crate::domain::Held {
        let (shown, too_few) = self.map_result(scope, index);
        let staying: BTreeMap<String, String> = self
            .clusters(scope, index, Some(leaving))
            .into_iter()
            .map(|(key, (label, _))| (key, label))
            .collect();
        let actors = shown
            .into_iter()
            .filter_map(|a| {
                let label = staying.get(&normalise(&a.label))?.clone();
                Some(crate::domain::HeldActor {
                    label,
                    named_by: a.named_by,
                    influence: a.influence,
                    effect: a.effect,
                })
            })
            .collect();
        crate::domain::Held::Map {
            actors,
            too_few,
            forgotten: Default::default(),
        }
    }

    /// Actors of map step `index`, merged by label and by the facilitator's merges, most named
    /// first; from published answers.
    pub fn actor_stats(&self, scope: Scope, index: usize) -> Vec<ActorStats> {
        let min_group = self.created().min_group;
        let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len() as f64;
        let mut stats: Vec<ActorStats> = self
            .clusters(scope, index, None)
            .into_values()
            .map(|(label, people)| {
                let named_by = people.len() as u32;
                let shown = named_by >= min_group;
                // Each participant weighs once: their own ratings of the actor averaged first.
                let influence: Vec<f64> = people.values().map(|(i, _)| mean(i)).collect();
                let effect: Vec<f64> = people.values().map(|(_, e)| mean(e)).collect();
                ActorStats {
                    label,
                    named_by,
                    influence: Stat::of(&influence).filter(|_| shown),
                    effect: Stat::of(&effect).filter(|_| shown),
                    tables: 0,
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

    /// The published entries of map step `index` merged into clusters by canonical label, the
    /// facilitator's merges applied (`skip`'s entries left out).
    fn clusters(
        &self,
        scope: Scope,
        index: usize,
        skip: Option<crate::domain::ParticipantId>,
    ) -> BTreeMap<String, Cluster> {
        let aliases = self.aliases(scope, index);
        let mut clusters: BTreeMap<String, Cluster> = BTreeMap::new();
        for (participant, answers) in self.published_in(scope, index) {
            if Some(participant) == skip {
                continue;
            }
            for answer in answers.values() {
                let Answer::Actor(actor) = answer else {
                    continue;
                };
                let key = normalise(&actor.label);
                let display = aliases
                    .get(&key)
                    .cloned()
                    .unwrap_or_else(|| actor.label.clone());
                let cluster = clusters
                    .entry(normalise(&display))
                    .or_insert_with(|| (display.clone(), BTreeMap::new()));
                let (influence, effect) = cluster.1.entry(participant).or_default();
                influence.push(f64::from(actor.influence));
                effect.push(f64::from(actor.effect));
            }
        }
        clusters
    }

    /// The merges that apply in `scope`: the hall's, for every table, then (at a table) its
    /// own, which win.
    fn aliases(&self, scope: Scope, index: usize) -> BTreeMap<String, String> {
        let mut aliases = self.state(Scope::Hall, index).map.aliases.clone();
        if scope != Scope::Hall {
            aliases.extend(self.state(scope, index).map.aliases.clone());
        }
        aliases
    }

    /// The hall's map in a session with tables: the actors the tables show, merged by label
    /// (the hall's merges applied), each with how many named it at those tables, at how many
    /// tables, and the pooled ratings; the actors named by too few at each table only
    /// counted. Made of what the tables show, so it tells nobody more than they do.
    fn hall_map(&self, index: usize) -> (Vec<ActorStats>, u32) {
        let aliases = self.state(Scope::Hall, index).map.aliases.clone();
        // Normalised label → (label shown, named by, tables, influence, effect).
        type Merged = (String, u32, u32, Vec<Stat>, Vec<Stat>);
        let mut merged: BTreeMap<String, Merged> = BTreeMap::new();
        let mut too_few = 0;
        for t in self.table_ids() {
            let (shown, few) = self.map_result(Scope::Table(t), index);
            too_few += few;
            for actor in shown {
                let display = aliases
                    .get(&normalise(&actor.label))
                    .cloned()
                    .unwrap_or(actor.label);
                let entry = merged
                    .entry(normalise(&display))
                    .or_insert_with(|| (display, 0, 0, Vec::new(), Vec::new()));
                entry.1 += actor.named_by;
                entry.2 += 1;
                entry.3.extend(actor.influence);
                entry.4.extend(actor.effect);
            }
        }
        let mut actors: Vec<ActorStats> = merged
            .into_values()
            .map(|(label, named_by, tables, influence, effect)| ActorStats {
                label,
                named_by,
                influence: Stat::pooled(&influence),
                effect: Stat::pooled(&effect),
                tables,
            })
            .collect();
        actors.sort_by(|a, b| {
            b.tables
                .cmp(&a.tables)
                .then(b.named_by.cmp(&a.named_by))
                .then_with(|| a.label.cmp(&b.label))
        });
        (actors, too_few)
    }
}
