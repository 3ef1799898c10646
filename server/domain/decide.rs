//! The rules of activity steps: who may do what, with which values, and how each resolved
//! change folds into the state. Part of the pure core.

use super::activity::{
    self, DOTS, MAX_ADDED_CARDS, MAX_LIVE_TEXT, MAX_NOTE, MAX_NOTES, MAX_PRIORITIES, MAX_ROWS,
    MAX_TOPICS, PlanRow, ShareRecord, normalise,
};
use super::answers::{self, Answer, AnswerInput};
use super::{Action, By, Change, DealTo, ParticipantId, RowFields, RuleError, Session, StepState};
use crate::content::{Card, Prompt, StepKind, Topic};
use crate::dates::Date;

/// Longest action-plan text field, in characters.
pub const MAX_ROW_TEXT: usize = 500;
/// Longest owner or reference, in characters.
pub const MAX_OWNER: usize = 100;

fn text_ok(text: &str, max: usize) -> Result<String, RuleError> {
    let text = text.trim();
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(RuleError::Invalid);
    }
    if text.chars().count() > max {
        return Err(RuleError::TooLong(max));
    }
    Ok(text.to_owned())
}

fn required(text: &str, max: usize) -> Result<String, RuleError> {
    let text = text_ok(text, max)?;
    if text.is_empty() {
        Err(RuleError::Invalid)
    } else {
        Ok(text)
    }
}

/// `YYYY-MM-DD` of a real day (see [`Date::parse`]), or empty.
fn date_ok(date: &str) -> Result<String, RuleError> {
    let date = date.trim();
    if date.is_empty() || Date::parse(date).is_some() {
        Ok(date.to_owned())
    } else {
        Err(RuleError::Invalid)
    }
}

impl Session {
    /// Checks a participant's private answer for step `index` under `key` (a prompt, topic,
    /// actor entry or area id). `Ok(None)` removes the answer.
    pub(super) fn check_answer(
        &self,
        participant: ParticipantId,
        index: usize,
        key: &str,
        value: AnswerInput,
    ) -> Result<Option<Answer>, RuleError> {
        let step = &self.programme().steps[index];
        if value == AnswerInput::Clear {
            return if answers::valid_item_id(key) {
                Ok(None)
            } else {
                Err(RuleError::NoSuchPrompt)
            };
        }
        let answer = match step.kind {
            StepKind::Reflection => {
                let prompt = step
                    .prompts
                    .iter()
                    .find(|p| p.id() == key)
                    .ok_or(RuleError::NoSuchPrompt)?;
                answers::check_prompt(step, prompt, value)?
            }
            StepKind::Grid => {
                if !self.topics(index).iter().any(|t| t.id == key) {
                    return Err(RuleError::NoSuchPrompt);
                }
                answers::check_rating(step, value)?
            }
            StepKind::Map => {
                if !answers::valid_item_id(key) {
                    return Err(RuleError::Invalid);
                }
                let mine = self
                    .participant(participant)
                    .and_then(|p| p.answers.get(&step.id));
                let exists = mine.is_some_and(|a| a.contains_key(key));
                if !exists && mine.map_or(0, |a| a.len()) >= answers::MAX_ACTORS {
                    return Err(RuleError::Invalid);
                }
                answers::check_actor(value)?
            }
            StepKind::PersonalPlan => {
                step.area(key).ok_or(RuleError::NoSuchPrompt)?;
                answers::check_personal(value)?
            }
            StepKind::Info | StepKind::Cards | StepKind::Plan | StepKind::End => {
                return Err(RuleError::NoSuchPrompt);
            }
        };
        Ok(Some(answer))
    }

    /// Decides an activity action on step `index`.
    pub(super) fn decide_activity(
        &self,
        by: By,
        index: usize,
        action: Action,
    ) -> Result<Change, RuleError> {
        let step = &self.programme().steps[index];
        let state = &self.steps[index];
        let facilitator = by == By::Facilitator;
        let participant = match by {
            By::Participant(p) => Some(p),
            By::Facilitator => None,
        };
        let kind = step.kind;
        let need = |kinds: &[StepKind]| {
            if kinds.contains(&kind) {
                Ok(())
            } else {
                Err(RuleError::WrongStep)
            }
        };
        let staff_only = || {
            if facilitator {
                Ok(())
            } else {
                Err(RuleError::NotAllowed)
            }
        };
        // Participants act on the current step or an earlier one, never a later one.
        let open_for_participant = || {
            if index <= self.step {
                Ok(())
            } else {
                Err(RuleError::WrongStep)
            }
        };
        match action {
            Action::Share {
                prompt,
                item,
                share,
                named,
            } => {
                let who = participant.ok_or(RuleError::NotAllowed)?;
                need(&[StepKind::Reflection])?;
                open_for_participant()?;
                let def = step
                    .prompts
                    .iter()
                    .find(|p| p.id() == prompt)
                    .ok_or(RuleError::NoSuchPrompt)?;
                match (def, &item) {
                    (Prompt::Text { .. }, None) => {}
                    (Prompt::List { .. }, Some(item)) if answers::valid_item_id(item) => {}
                    _ => return Err(RuleError::Invalid),
                }
                if share {
                    let answer = self
                        .participant(who)
                        .and_then(|p| p.answers.get(&step.id))
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
                let existing = self.shares.iter().find(|s| {
                    s.participant == who && s.step == index && s.prompt == prompt && s.item == item
                });
                let id = existing.map_or(self.shares.len() as u32, |s| s.id);
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
            Action::SharePlan { share } => {
                participant.ok_or(RuleError::NotAllowed)?;
                need(&[StepKind::PersonalPlan])?;
                open_for_participant()?;
                Ok(Change::PlanShared { shared: share })
            }
            Action::Reveal { revealed } => {
                staff_only()?;
                need(&[StepKind::Reflection, StepKind::Grid, StepKind::Map])?;
                Ok(Change::Revealed { revealed })
            }
            Action::Group { shares, label } => {
                staff_only()?;
                need(&[StepKind::Reflection])?;
                let label = label.map(|l| required(&l, MAX_LIVE_TEXT)).transpose()?;
                let in_step = |id: &u32| {
                    self.shares
                        .get(*id as usize)
                        .is_some_and(|s| s.step == index)
                };
                if shares.is_empty() || !shares.iter().all(in_step) {
                    return Err(RuleError::Invalid);
                }
                Ok(Change::Grouped { shares, label })
            }
            Action::Deal { card, to } => {
                staff_only()?;
                need(&[StepKind::Cards])?;
                let deck = self.deck(index);
                let card = match card {
                    Some(id) => deck.iter().find(|c| c.id == id).map(|c| c.id.clone()),
                    None => deck
                        .iter()
                        .find(|c| !state.dealt.iter().any(|d| d.card == c.id))
                        .map(|c| c.id.clone()),
                }
                .ok_or(RuleError::Invalid)?;
                let to = match to {
                    DealTo::Room => None,
                    DealTo::Participant(p) => {
                        Some(self.participant(p).ok_or(RuleError::Invalid)?.id)
                    }
                    DealTo::Turn => {
                        let count = self.participants.len();
                        let previous = state.dealt.iter().rev().find_map(|d| d.to);
                        (count > 0).then(|| {
                            ParticipantId::from_index(
                                previous.map_or(0, |p| (p.index() + 1) % count),
                            )
                        })
                    }
                };
                Ok(Change::Dealt { card, to })
            }
            Action::AddCard { text } => {
                staff_only()?;
                need(&[StepKind::Cards])?;
                if state.added_cards.len() >= MAX_ADDED_CARDS {
                    return Err(RuleError::Invalid);
                }
                let text = required(&text, MAX_LIVE_TEXT)?;
                let id = format!("egne-{}", state.added_cards.len() + 1);
                Ok(Change::CardAdded {
                    card: Card {
                        id,
                        text: Session::live_text(&text),
                    },
                })
            }
            Action::Pass => {
                need(&[StepKind::Cards])?;
                let dealt = state.dealt.last().ok_or(RuleError::Invalid)?;
                let holder = participant.is_some() && dealt.to == participant;
                if !facilitator && !holder {
                    return Err(RuleError::NotAllowed);
                }
                Ok(Change::Passed)
            }
            Action::Note { text } => {
                staff_only()?;
                need(&[StepKind::Cards])?;
                let dealt = state.dealt.last().ok_or(RuleError::Invalid)?;
                if dealt.notes.len() >= MAX_NOTES {
                    return Err(RuleError::Invalid);
                }
                Ok(Change::Noted {
                    text: required(&text, MAX_NOTE)?,
                })
            }
            Action::AddTopic { text } => {
                need(&[StepKind::Grid])?;
                if !facilitator {
                    open_for_participant()?;
                    if !self.participants_add_topics(index) {
                        return Err(RuleError::NotAllowed);
                    }
                }
                if self.topics(index).len() >= MAX_TOPICS {
                    return Err(RuleError::Invalid);
                }
                let text = required(&text, MAX_LIVE_TEXT)?;
                let id = format!("egne-{}", state.added_topics.len() + 1);
                Ok(Change::TopicAdded {
                    topic: Topic {
                        id,
                        text: Session::live_text(&text),
                    },
                })
            }
            Action::AllowTopics { allowed } => {
                staff_only()?;
                need(&[StepKind::Grid])?;
                Ok(Change::TopicsAllowed { allowed })
            }
            Action::Place { topic, position } => {
                staff_only()?;
                need(&[StepKind::Grid])?;
                self.topics(index)
                    .iter()
                    .find(|t| t.id == topic)
                    .ok_or(RuleError::NoSuchPrompt)?;
                let max = i64::from(step.scale_max);
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
                staff_only()?;
                need(&[StepKind::Grid])?;
                let known = self.topics(index);
                let distinct: std::collections::HashSet<_> = topics.iter().collect();
                if topics.len() > MAX_PRIORITIES
                    || distinct.len() != topics.len()
                    || !topics.iter().all(|t| known.iter().any(|k| &k.id == t))
                {
                    return Err(RuleError::Invalid);
                }
                Ok(Change::Prioritised { topics })
            }
            Action::OpenVote { open } => {
                staff_only()?;
                need(&[StepKind::Grid])?;
                Ok(Change::VoteOpened { open })
            }
            Action::Vote { topics } => {
                participant.ok_or(RuleError::NotAllowed)?;
                need(&[StepKind::Grid])?;
                open_for_participant()?;
                if !state.voting {
                    return Err(RuleError::NotAllowed);
                }
                let known = self.topics(index);
                if topics.len() > DOTS || !topics.iter().all(|t| known.iter().any(|k| &k.id == t)) {
                    return Err(RuleError::Invalid);
                }
                Ok(Change::Voted { topics })
            }
            Action::Merge { labels, into } => {
                staff_only()?;
                need(&[StepKind::Map])?;
                let into = required(&into, answers::MAX_LABEL_CHARS)?;
                if labels.is_empty() || labels.len() > 50 {
                    return Err(RuleError::Invalid);
                }
                let labels: Vec<String> = labels.iter().map(|l| normalise(l)).collect();
                if labels
                    .iter()
                    .any(|l| l.is_empty() || l.chars().count() > answers::MAX_LABEL_CHARS)
                {
                    return Err(RuleError::Invalid);
                }
                Ok(Change::Merged { labels, into })
            }
            Action::AddRow { row } => {
                need(&[StepKind::Plan])?;
                if !facilitator {
                    open_for_participant()?;
                }
                if state.rows.len() >= MAX_ROWS {
                    return Err(RuleError::Invalid);
                }
                let row = self.check_row(index, row)?;
                Ok(Change::RowAdded {
                    id: format!("r{}", state.rows_created + 1),
                    row,
                    accepted: facilitator,
                })
            }
            Action::EditRow { id, row } => {
                staff_only()?;
                need(&[StepKind::Plan])?;
                self.row(index, &id)?;
                Ok(Change::RowEdited {
                    id,
                    row: self.check_row(index, row)?,
                })
            }
            Action::AcceptRow { id, accepted } => {
                staff_only()?;
                need(&[StepKind::Plan])?;
                self.row(index, &id)?;
                Ok(Change::RowAccepted { id, accepted })
            }
            Action::DeleteRow { id } => {
                staff_only()?;
                need(&[StepKind::Plan])?;
                self.row(index, &id)?;
                Ok(Change::RowDeleted { id })
            }
            Action::MoveRow { id, to } => {
                staff_only()?;
                need(&[StepKind::Plan])?;
                self.row(index, &id)?;
                if to >= state.rows.len() {
                    return Err(RuleError::Invalid);
                }
                Ok(Change::RowMoved { id, to })
            }
        }
    }

    fn row(&self, index: usize, id: &str) -> Result<&PlanRow, RuleError> {
        self.steps[index]
            .rows
            .iter()
            .find(|r| r.id == id)
            .ok_or(RuleError::Invalid)
    }

    fn check_row(&self, index: usize, row: RowFields) -> Result<RowFields, RuleError> {
        let step = &self.programme().steps[index];
        step.area(&row.area).ok_or(RuleError::Invalid)?;
        Ok(RowFields {
            area: row.area,
            action: required(&row.action, MAX_ROW_TEXT)?,
            first_step: text_ok(&row.first_step, MAX_ROW_TEXT)?,
            owner: text_ok(&row.owner, MAX_OWNER)?,
            deadline: date_ok(&row.deadline)?,
            follow_up: date_ok(&row.follow_up)?,
            answers: row
                .answers
                .map(|a| text_ok(&a, MAX_OWNER))
                .transpose()?
                .filter(|a| !a.is_empty()),
        })
    }

    /// Folds a resolved change into step `index`.
    pub(super) fn apply_change(&mut self, by: By, index: usize, change: &Change) {
        let step_id = self.programme().steps[index].id.clone();
        let state = &mut self.steps[index];
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
                let count = self.shares.len();
                match self.shares.get_mut(id as usize) {
                    Some(share) => {
                        share.active = active;
                        share.named = named;
                    }
                    None if id as usize == count => self.shares.push(ShareRecord {
                        id,
                        participant,
                        step: index,
                        prompt,
                        item,
                        named,
                        active,
                        group: None,
                    }),
                    None => {}
                }
            }
            Change::PlanShared { shared } => {
                if let By::Participant(p) = by
                    && let Some(p) = self.participants.get_mut(p.index())
                {
                    if shared {
                        p.plan_shared.insert(step_id);
                    } else {
                        p.plan_shared.remove(&step_id);
                    }
                }
            }
            Change::Revealed { revealed } => {
                state.revealed = revealed;
                // The first reveal publishes every answer at once; later ones show what is
                // published (see `note_change`), so hiding and showing again reveals no one.
                if revealed && state.published.is_none() {
                    self.publish(index);
                }
            }
            Change::Grouped { shares, label } => {
                for id in shares {
                    if let Some(share) = self.shares.get_mut(id as usize) {
                        share.group = label.clone();
                    }
                }
            }
            Change::Dealt { card, to } => state.dealt.push(activity::Dealt {
                card,
                to,
                passed: false,
                notes: Vec::new(),
            }),
            Change::CardAdded { card } => state.added_cards.push(card),
            Change::Passed => {
                if let Some(d) = state.dealt.last_mut() {
                    d.passed = true;
                }
            }
            Change::Noted { text } => {
                if let Some(d) = state.dealt.last_mut() {
                    d.notes.push(text);
                }
            }
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
                    state.note_vote(p, self.created.min_group as usize);
                }
            }
            Change::Merged { labels, into } => {
                for label in labels {
                    state.aliases.insert(label, into.clone());
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
            Change::RowAdded { id, row, accepted } => {
                state.rows_created += 1;
                state.rows.push(PlanRow {
                    id,
                    fields: row,
                    accepted,
                });
            }
            Change::RowEdited { id, row } => {
                if let Some(r) = state.rows.iter_mut().find(|r| r.id == id) {
                    r.fields = row;
                }
            }
            Change::RowAccepted { id, accepted } => {
                if let Some(r) = state.rows.iter_mut().find(|r| r.id == id) {
                    r.accepted = accepted;
                }
            }
            Change::RowDeleted { id } => state.rows.retain(|r| r.id != id),
            Change::RowMoved { id, to } => {
                if let Some(from) = state.rows.iter().position(|r| r.id == id) {
                    let row = state.rows.remove(from);
                    state.rows.insert(to.min(state.rows.len()), row);
                }
            }
        }
    }

    /// What must hold for one step's shared state.
    pub(super) fn check_step_state(&self, index: usize, state: &StepState) -> Result<(), String> {
        let step = &self.programme().steps[index];
        let fail = |what: &str| Err(format!("step {}: {what}", step.id));
        let deck: Vec<&str> = self.deck(index).iter().map(|c| c.id.as_str()).collect();
        if state
            .dealt
            .iter()
            .any(|d| !deck.contains(&d.card.as_str()) || d.notes.len() > MAX_NOTES)
        {
            return fail("a dealt card is not in the deck");
        }
        if state.added_cards.len() > MAX_ADDED_CARDS
            || self.topics(index).len() > MAX_TOPICS
            || state.rows.len() > MAX_ROWS
        {
            return fail("over a limit");
        }
        let topics: Vec<&str> = self.topics(index).iter().map(|t| t.id.as_str()).collect();
        let max = step.scale_max;
        if state.agreed.iter().any(|(t, (i, s))| {
            !topics.contains(&t.as_str()) || !(1..=max).contains(i) || !(1..=max).contains(s)
        }) {
            return fail("an agreed position is off the grid");
        }
        if state.priorities.len() > MAX_PRIORITIES
            || state
                .priorities
                .iter()
                .any(|t| !topics.contains(&t.as_str()))
        {
            return fail("bad priorities");
        }
        if state
            .votes
            .values()
            .any(|v| v.len() > DOTS || v.iter().any(|t| !topics.contains(&t.as_str())))
        {
            return fail("bad votes");
        }
        let mut ids = std::collections::HashSet::new();
        for row in &state.rows {
            if !ids.insert(&row.id)
                || step.area(&row.fields.area).is_none()
                || row.fields.action.is_empty()
            {
                return fail("a bad plan row");
            }
        }
        Ok(())
    }
}
