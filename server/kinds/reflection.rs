//! Reflection: each participant answers prompts for themselves — scales, texts, lists of short
//! items (tagged with the step's areas), two circles — and may share a text or an item with the
//! group, anonymously unless they choose their name. The facilitator groups shared items and
//! reveals the scale distributions (from `min_group` answers) and the shared items.

use std::collections::{BTreeMap, HashSet};

use anyhow::bail;

use super::{Ctx, Field, Given, Kind, fold_reveal, required, typed};
use crate::audience::Audience;
use crate::content::{MAX_TEXT_LEN, Prompt, Step, Text, is_slug};
use crate::domain::activity::{MAX_LIVE_TEXT, ShareRecord};
use crate::domain::answers::{
    Answer, AnswerInput, CirclePair, Circles, chars, valid_item_id, within,
};
use crate::domain::{Action, By, Change, RuleError, Scope, Session};
use crate::outcome::{self, Outcome, Section};
use crate::print::Paper;
use crate::protocol::{
    ActivityView, ReflectionView, ScaleView, SharedView, TrendPointView, TrendView,
};

/// The reflection kind.
pub struct Reflection;

/// A scale prompt's distribution.
#[derive(Clone, Debug, PartialEq)]
pub struct ScaleCounts {
    /// Prompt id.
    pub prompt: String,
    /// How many answered.
    pub n: u32,
    /// `counts[i]` for value `min + i`; `None` below `min_group`.
    pub counts: Option<Vec<u32>>,
    /// In the hall of a session with tables: tables whose answers are not in the hall's
    /// figure, because their own result shows too few (see `Session::scale_counts`).
    pub tables_left_out: u32,
}

impl Kind for Reflection {
    fn fields(&self) -> &'static [Field] {
        &[Field::Prompts, Field::Areas]
    }

    fn validate(&self, step: &Step) -> anyhow::Result<()> {
        if step.prompts.is_empty() {
            bail!(
                "step '{}': a reflection step needs at least one prompt",
                step.id
            )
        }
        let mut prompt_ids = HashSet::new();
        for prompt in &step.prompts {
            if !is_slug(prompt.id()) {
                bail!(
                    "step '{}': prompt id '{}' is not a valid id",
                    step.id,
                    prompt.id()
                );
            }
            if !prompt_ids.insert(prompt.id()) {
                bail!("step '{}': prompt '{}' appears twice", step.id, prompt.id());
            }
            match prompt {
                Prompt::Scale { min, max, .. } if min >= max || max - min > 100 => {
                    bail!(
                        "step '{}': prompt '{}' needs min < max (at most 100 apart)",
                        step.id,
                        prompt.id()
                    )
                }
                Prompt::Text { max_len, .. } | Prompt::List { max_len, .. }
                    if *max_len == 0 || *max_len > MAX_TEXT_LEN =>
                {
                    bail!(
                        "step '{}': prompt '{}' needs max_len between 1 and {MAX_TEXT_LEN}",
                        step.id,
                        prompt.id()
                    )
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn check_answer(&self, cx: &Ctx, given: Given) -> Result<Answer, RuleError> {
        let Given { key, value, .. } = given;
        let prompt = cx
            .step
            .prompts
            .iter()
            .find(|p| p.id() == key)
            .ok_or(RuleError::NoSuchPrompt)?;
        check_prompt(cx.step, prompt, value)
    }

    /// A scale prompt's result counts those who answered it on the scale.
    fn counts_towards(&self, unit: &str, answers: &BTreeMap<String, Answer>) -> bool {
        matches!(answers.get(unit), Some(Answer::Scale(_)))
    }

    fn decide(&self, cx: &Ctx, by: By, action: Action) -> Result<Change, RuleError> {
        match action {
            Action::Share {
                prompt,
                item,
                share,
                named,
            } => {
                let By::Participant(who) = by else {
                    return Err(RuleError::NotAllowed);
                };
                cx.open_for_participant()?;
                let def = cx
                    .step
                    .prompts
                    .iter()
                    .find(|p| p.id() == prompt)
                    .ok_or(RuleError::NoSuchPrompt)?;
                match (def, &item) {
                    (Prompt::Text { .. }, None) => {}
                    (Prompt::List { .. }, Some(item)) if valid_item_id(item) => {}
                    _ => return Err(RuleError::Invalid),
                }
                if share {
                    let answer = cx
                        .session
                        .participant(who)
                        .and_then(|p| p.answers.get(&cx.step.id))
                        .and_then(|a| a.get(&prompt));
                    let has_it = match (answer, &item) {
                        (Some(Answer::Text(t)), None) => !t.trim().is_empty(),
                        (Some(Answer::List(items)), Some(item)) => {
                            items.iter().any(|i| &i.id == item)
                        }
                        _ => false,
                    };
                    if !has_it {
                        return Err(RuleError::NoSuchPrompt);
                    }
                }
                let shares = cx.session.shares();
                let existing = shares.iter().find(|s| {
                    s.participant == who
                        && s.step == cx.index
                        && s.prompt == prompt
                        && s.item == item
                });
                let id = existing.map_or(shares.len() as u32, |s| s.id);
                if existing.is_none() && !share {
                    return Err(RuleError::Invalid);
                }
                Ok(Change::Shared {
                    id,
                    prompt,
                    item,
                    active: share,
                    named,
                })
            }
            Action::Reveal { revealed } => Ok(Change::Revealed { revealed }),
            Action::Group { shares, label } => {
                let label = label.map(|l| required(&l, MAX_LIVE_TEXT)).transpose()?;
                // At a table, only that table's shares; in the hall, any.
                let in_step = |id: &u32| {
                    cx.session.shares().get(*id as usize).is_some_and(|s| {
                        s.step == cx.index
                            && (cx.scope == Scope::Hall || s.table == cx.scope.table())
                    })
                };
                if shares.is_empty() || !shares.iter().all(in_step) {
                    return Err(RuleError::Invalid);
                }
                Ok(Change::Grouped { shares, label })
            }
            _ => Err(RuleError::WrongStep),
        }
    }

    fn fold(&self, session: &mut Session, by: By, scope: Scope, index: usize, change: &Change) {
        match change.clone() {
            Change::Shared {
                id,
                prompt,
                item,
                active,
                named,
            } => {
                let By::Participant(participant) = by else {
                    return;
                };
                let shares = session.shares_mut();
                let count = shares.len();
                match shares.get_mut(id as usize) {
                    Some(share) => {
                        share.active = active;
                        share.named = named;
                        share.table = scope.table();
                    }
                    None if id as usize == count => shares.push(ShareRecord {
                        id,
                        participant,
                        step: index,
                        prompt,
                        item,
                        named,
                        active,
                        group: None,
                        table: scope.table(),
                    }),
                    None => {}
                }
            }
            Change::Grouped { shares, label } => {
                for id in shares {
                    if let Some(share) = session.shares_mut().get_mut(id as usize) {
                        share.group = label.clone();
                    }
                }
            }
            Change::Revealed { revealed } => fold_reveal(session, scope, index, revealed),
            _ => {}
        }
    }

    fn view(&self, cx: &Ctx, audience: Audience) -> Option<ActivityView> {
        let (session, scope, index, state) = (cx.session, cx.scope, cx.index, cx.state);
        let staff = audience.is_staff();
        let results = audience.sees_results(state.revealed, cx.phones_see_results());
        let plenary = cx.plenary();
        Some(ActivityView::Reflection(ReflectionView {
            revealed: state.revealed,
            shared_count: staff.then(|| session.share_count(scope, index)),
            published: staff.then_some(state.published.is_some()),
            held: results && session.held(scope, index),
            scales: results.then(|| {
                session
                    .scale_counts(scope, index)
                    .into_iter()
                    .map(|c| ScaleView {
                        waiting: (!plenary)
                            .then(|| session.waiting(scope, index, &c.prompt))
                            .flatten(),
                        prompt: c.prompt,
                        n: c.n,
                        counts: c.counts,
                        tables_left_out: plenary.then_some(c.tables_left_out),
                    })
                    .collect()
            }),
            // The trend of each question asked again (issue 17), with the results; the hall's.
            trends: (results && scope == Scope::Hall)
                .then(|| {
                    cx.step
                        .prompts
                        .iter()
                        .filter_map(|p| {
                            let trend = session.trend(index, p.id());
                            (!trend.is_empty()).then(|| TrendView {
                                prompt: p.id().to_owned(),
                                points: trend.into_iter().map(TrendPointView::from).collect(),
                            })
                        })
                        .collect::<Vec<_>>()
                })
                .filter(|trends| !trends.is_empty()),
            shared: results.then(|| {
                session
                    .shared_items(scope, index)
                    .into_iter()
                    .map(|(share, text, name)| SharedView {
                        id: share.id,
                        text,
                        author: name.map(str::to_owned),
                        group: share.group.clone(),
                        prompt: Some(share.prompt.clone()),
                        table: plenary.then(|| share.table.map(|t| t.number())).flatten(),
                    })
                    .collect()
            }),
        }))
    }

    fn outcome(&self, cx: &Ctx, out: &mut Outcome) {
        let (session, scope, index, step) = (cx.session, cx.scope, cx.index, cx.step);
        // In a conversation with one leader nothing is published: their answers are theirs.
        // The outcome names the questions talked about instead of results (which would read
        // as unanswered).
        let for_one = !session.programme().participants.is_group();
        let questions: Vec<Text> = if for_one {
            step.prompts.iter().map(|p| p.label().clone()).collect()
        } else {
            Vec::new()
        };
        let scales = session
            .scale_counts(scope, index)
            .into_iter()
            .filter_map(|counts| {
                let Some(Prompt::Scale {
                    label,
                    min,
                    max,
                    min_label,
                    max_label,
                    ..
                }) = step.prompts.iter().find(|p| p.id() == counts.prompt)
                else {
                    return None;
                };
                // The trend of a question asked again (issue 17): the hall's.
                let trend = if scope == Scope::Hall {
                    session
                        .trend(index, &counts.prompt)
                        .into_iter()
                        .map(|entry| outcome::TrendResult {
                            meeting: entry.point.from.title,
                            date: entry.point.from.date,
                            current: entry.current,
                            n: entry.point.n,
                            counts: entry.point.counts.filter(|_| entry.hidden.is_none()),
                            hidden: entry.hidden,
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                (!for_one).then(|| outcome::ScaleResult {
                    label: label.clone(),
                    min: *min,
                    max: *max,
                    min_label: min_label.clone(),
                    max_label: max_label.clone(),
                    n: counts.n,
                    counts: counts.counts,
                    tables_left_out: counts.tables_left_out,
                    trend,
                })
            })
            .collect();
        out.sections.push(Section::Reflection {
            title: step.title.clone(),
            scales,
            shared: shared_outcome(cx),
            questions,
        });
    }

    fn print(&self, step: &Step, paper: &mut Paper) {
        let tags: Vec<&Text> = step.areas.iter().map(|a| &a.title).collect();
        for prompt in &step.prompts {
            match prompt {
                Prompt::Scale {
                    label,
                    min,
                    max,
                    min_label,
                    max_label,
                    ..
                } => paper.scale(label, *min, *max, min_label, max_label),
                Prompt::Text { label, .. } => paper.written(label, 4, &[]),
                Prompt::List {
                    label, max_items, ..
                } => paper.written(label, (*max_items).min(6), &tags),
                Prompt::Circles { label, .. } => paper.circles(label),
            }
        }
    }
}

/// The items shared in the step of `cx` that may leave the room: under their question (where
/// more than one may be shared), each with its author's tag, group and name as they chose.
/// Also an evaluation step's (whose prompts are shared the same way).
pub(super) fn shared_outcome(cx: &Ctx) -> Vec<outcome::SharedItem> {
    let (session, scope, index, step) = (cx.session, cx.scope, cx.index, cx.step);
    {
        // Items under their question, in the step's order, where more than one may be shared.
        let shareable: Vec<(&str, &Text)> = step
            .prompts
            .iter()
            .filter_map(|prompt| match prompt {
                Prompt::Text { id, label, .. } | Prompt::List { id, label, .. } => {
                    Some((id.as_str(), label))
                }
                _ => None,
            })
            .collect();
        let position = |prompt: &str| shareable.iter().position(|(id, _)| *id == prompt);
        let mut items = session.shared_items(scope, index);
        items.sort_by_key(|(share, _, _)| position(&share.prompt));
        // The area its author tagged a list item with (Del 1: gives or drains energy).
        let tag = |share: &ShareRecord| -> Option<Text> {
            let item = share.item.as_ref()?;
            let answers = session
                .participant(share.participant)?
                .answers
                .get(&step.id)?;
            let Some(Answer::List(items)) = answers.get(&share.prompt) else {
                return None;
            };
            let area = items.iter().find(|i| &i.id == item)?.area.as_deref()?;
            step.area(area).map(|a| a.title.clone())
        };
        items
            .into_iter()
            .map(|(share, text, name)| outcome::SharedItem {
                text,
                author: name.map(str::to_owned),
                group: share.group.clone(),
                question: position(&share.prompt).map(|i| shareable[i].1.clone()),
                tag: tag(share),
                table: cx
                    .plenary()
                    .then(|| share.table.map(|t| t.number()))
                    .flatten(),
            })
            .collect()
    }
}

/// Checks a reflection answer against its prompt.
fn check_prompt(step: &Step, prompt: &Prompt, value: AnswerInput) -> Result<Answer, RuleError> {
    match (prompt, value) {
        (Prompt::Scale { min, max, .. }, AnswerInput::Number(n)) => {
            Ok(Answer::Scale(
                within(n, i64::from(*min), i64::from(*max))? as i32
            ))
        }
        (Prompt::Text { max_len, .. }, AnswerInput::Text(text)) => {
            let text = typed(&text)?;
            if chars(&text) > *max_len {
                return Err(RuleError::TooLong(*max_len));
            }
            Ok(Answer::Text(text))
        }
        (
            Prompt::List {
                max_items, max_len, ..
            },
            AnswerInput::List(mut items),
        ) => {
            for item in &mut items {
                item.text = typed(&item.text)?;
            }
            if items.len() > *max_items {
                return Err(RuleError::Invalid);
            }
            let mut ids = HashSet::new();
            for item in &items {
                if !valid_item_id(&item.id) || !ids.insert(item.id.as_str()) {
                    return Err(RuleError::Invalid);
                }
                if chars(&item.text) > *max_len {
                    return Err(RuleError::TooLong(*max_len));
                }
                if let Some(area) = &item.area
                    && step.area(area).is_none()
                {
                    return Err(RuleError::Invalid);
                }
            }
            Ok(Answer::List(items))
        }
        (Prompt::Circles { .. }, AnswerInput::Circles { now, wanted }) => {
            let pair = |v: [i64; 3]| -> Result<CirclePair, RuleError> {
                Ok(CirclePair {
                    work: within(v[0], 0, 100)? as u8,
                    private: within(v[1], 0, 100)? as u8,
                    overlap: within(v[2], 0, 100)? as u8,
                })
            };
            Ok(Answer::Circles(Circles {
                now: pair(now)?,
                wanted: pair(wanted)?,
            }))
        }
        _ => Err(RuleError::Invalid),
    }
}

impl Session {
    /// Distribution of every scale prompt of reflection step `index` in `scope`, from
    /// published answers.
    ///
    /// The hall of a session with tables shows the sum of the tables whose own result is shown
    /// (at least `min_group` answers, or held as shown) and leaves out the others, saying how
    /// many: anyone can add up what the tables show, so the hall tells nobody more than they
    /// do, and a table below `min_group` is never the difference between two figures.
    pub fn scale_counts(&self, scope: Scope, index: usize) -> Vec<ScaleCounts> {
        if scope == Scope::Hall && self.has_tables() {
            return self.hall_scale_counts(index);
        }
        let step = &self.programme().steps[index];
        let min_group = self.created().min_group;
        step.prompts
            .iter()
            .filter_map(|prompt| match prompt {
                Prompt::Scale { id, min, max, .. } => {
                    // Held after a deletion as shown (see `Session::hold_for_forget`).
                    // Withheld if the room never saw it (`StepState::unseen`).
                    let state = self.state(scope, index);
                    if let Some(crate::domain::Held::Scale { n, counts, .. }) = state.held.get(id) {
                        return Some(ScaleCounts {
                            prompt: id.clone(),
                            n: *n,
                            counts: counts.clone().filter(|_| !state.unseen.contains(id)),
                            tables_left_out: 0,
                        });
                    }
                    let mut counts = vec![0u32; (max - min + 1) as usize];
                    let mut n = 0;
                    for (_, answers) in self.published_in(scope, index) {
                        if let Some(Answer::Scale(v)) = answers.get(id) {
                            counts[(v - min) as usize] += 1;
                            n += 1;
                        }
                    }
                    let counts = (n >= min_group).then_some(counts);
                    Some(ScaleCounts {
                        prompt: id.clone(),
                        n,
                        counts,
                        tables_left_out: 0,
                    })
                }
                _ => None,
            })
            .collect()
    }

    /// The hall's figure of each scale prompt: the sum of the tables' shown results.
    fn hall_scale_counts(&self, index: usize) -> Vec<ScaleCounts> {
        let tables: Vec<Vec<ScaleCounts>> = self
            .table_ids()
            .map(|t| self.scale_counts(Scope::Table(t), index))
            .collect();
        let Some(first) = tables.first() else {
            return Vec::new();
        };
        (0..first.len())
            .map(|i| {
                let mut hall = ScaleCounts {
                    prompt: first[i].prompt.clone(),
                    n: 0,
                    counts: None,
                    tables_left_out: 0,
                };
                for table in &tables {
                    let result = &table[i];
                    match &result.counts {
                        Some(counts) => {
                            hall.n += result.n;
                            let sum = hall.counts.get_or_insert_with(|| vec![0; counts.len()]);
                            for (total, c) in sum.iter_mut().zip(counts) {
                                *total += c;
                            }
                        }
                        None if result.n > 0 => hall.tables_left_out += 1,
                        None => {}
                    }
                }
                hall
            })
            .collect()
    }

    /// Items shared in reflection step `index` in `scope` with their current text; the
    /// author's name only where they chose to show it. The hall of a session with tables has
    /// every table's.
    pub fn shared_items(
        &self,
        scope: Scope,
        index: usize,
    ) -> Vec<(&ShareRecord, String, Option<&str>)> {
        let step_id = &self.programme().steps[index].id;
        let plenary = scope == Scope::Hall && self.has_tables();
        self.shares()
            .iter()
            .filter(|s| s.active && s.step == index && (plenary || s.table == scope.table()))
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

    /// How many active shares step `index` has in `scope`.
    pub fn share_count(&self, scope: Scope, index: usize) -> usize {
        self.shared_items(scope, index).len()
    }
}
