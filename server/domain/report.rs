//! Builds the shareable [`Outcome`](crate::outcome::Outcome) of a session: aggregates where at
//! least `min_group` answered, items their authors shared, the accepted action plan — and no
//! private answer.

use super::answers::Answer;
use super::{Lang, ParticipantId, Session};
use crate::content::{Prompt, StepKind, Text};
use crate::dates::iso_date;
use crate::outcome::{self, Bilingual, Outcome, Section};

fn bilingual(text: &Text) -> Bilingual {
    Bilingual {
        da: text.da.clone(),
        en: text.en.clone(),
    }
}

fn stat(s: super::activity::Stat) -> outcome::Stat {
    outcome::Stat {
        mean: s.mean,
        sd: s.sd,
        n: s.n,
    }
}

impl Session {
    fn lang_code(&self) -> &'static str {
        match self.created.lang {
            Lang::Da => "da",
            Lang::En => "en",
        }
    }

    /// Everything this session may share, as it is now.
    pub fn outcome(&self) -> Outcome {
        let mut sections = Vec::new();
        let mut action_plan = Vec::new();
        for (index, step) in self.programme().steps.iter().enumerate() {
            let title = bilingual(&step.title);
            match step.kind {
                StepKind::Reflection => {
                    let scales = self
                        .scale_counts(index)
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
                            Some(outcome::ScaleResult {
                                label: bilingual(label),
                                min: *min,
                                max: *max,
                                min_label: bilingual(min_label),
                                max_label: bilingual(max_label),
                                n: counts.n,
                                counts: counts.counts,
                            })
                        })
                        .collect();
                    let shared = self
                        .shared_items(index)
                        .into_iter()
                        .map(|(share, text, name)| outcome::SharedItem {
                            text,
                            author: name.map(str::to_owned),
                            group: share.group.clone(),
                        })
                        .collect();
                    sections.push(Section::Reflection {
                        title,
                        scales,
                        shared,
                    });
                }
                StepKind::Cards => {
                    let deck = self.deck(index);
                    let cards = self.steps[index]
                        .dealt
                        .iter()
                        .filter_map(|d| {
                            let card = deck.iter().find(|c| c.id == d.card)?;
                            Some(outcome::CardResult {
                                text: bilingual(&card.text),
                                passed: d.passed,
                                notes: d.notes.clone(),
                            })
                        })
                        .collect();
                    sections.push(Section::Cards { title, cards });
                }
                StepKind::Grid => {
                    let state = &self.steps[index];
                    let topics = self.topics(index);
                    let results = self
                        .topic_stats(index)
                        .into_iter()
                        .filter_map(|s| {
                            let topic = topics.iter().find(|t| t.id == s.topic)?;
                            Some(outcome::TopicResult {
                                text: bilingual(&topic.text),
                                raters: s.raters,
                                importance: s.importance.map(stat),
                                success: s.success.map(stat),
                                agreed: state.agreed.get(&s.topic).copied(),
                                priority: state
                                    .priorities
                                    .iter()
                                    .position(|p| *p == s.topic)
                                    .map(|i| i as u8 + 1),
                                dots: s.dots.unwrap_or(0),
                            })
                        })
                        .collect();
                    sections.push(Section::Grid {
                        title,
                        scale_max: step.scale_max,
                        topics: results,
                    });
                }
                StepKind::Map => {
                    let actors = self
                        .actor_stats(index)
                        .into_iter()
                        .map(|a| outcome::ActorResult {
                            label: a.label,
                            named_by: a.named_by,
                            influence: a.influence.map(stat),
                            effect: a.effect.map(stat),
                        })
                        .collect();
                    sections.push(Section::Map { title, actors });
                }
                StepKind::Plan => {
                    for row in self.steps[index].rows.iter().filter(|r| r.accepted) {
                        let area = step
                            .area(&row.fields.area)
                            .map(|a| self.pick(&a.title))
                            .unwrap_or_default();
                        action_plan.push(outcome::PlanRow {
                            area,
                            action: row.fields.action.clone(),
                            first_step: row.fields.first_step.clone(),
                            owner: row.fields.owner.clone(),
                            deadline: row.fields.deadline.clone(),
                            follow_up: row.fields.follow_up.clone(),
                            answers: row.fields.answers.clone(),
                        });
                    }
                }
                StepKind::Info | StepKind::PersonalPlan | StepKind::End => {}
            }
        }
        Outcome {
            code: self.created.code.to_string(),
            programme_id: self.programme().id.clone(),
            programme: bilingual(&self.programme().title),
            lang: self.lang_code().to_owned(),
            date: iso_date(self.created.created_at_ms),
            min_group: self.created.min_group,
            participants: self.participants.len() as u32,
            sections,
            action_plan,
        }
    }

    fn pick(&self, text: &Text) -> String {
        match self.created.lang {
            Lang::Da => text.da.clone(),
            Lang::En => text.en.clone(),
        }
    }

    /// A participant's personal plan of step `index`, for them (or the facilitator once shared).
    pub fn personal_plan(
        &self,
        participant: ParticipantId,
        index: usize,
    ) -> Option<outcome::PersonalPlan> {
        let step = self
            .programme()
            .steps
            .get(index)
            .filter(|s| s.kind == StepKind::PersonalPlan)?;
        let p = self.participant(participant)?;
        let mine = p.answers.get(&step.id);
        let areas = step
            .areas
            .iter()
            .map(|area| {
                let (work, first_step) = match mine.and_then(|a| a.get(&area.id)) {
                    Some(Answer::Personal(e)) => (e.work.clone(), e.first_step.clone()),
                    _ => (String::new(), String::new()),
                };
                outcome::PersonalArea {
                    title: bilingual(&area.title),
                    prompt: bilingual(&area.prompt),
                    work,
                    first_step,
                }
            })
            .collect();
        Some(outcome::PersonalPlan {
            programme: bilingual(&self.programme().title),
            lang: self.lang_code().to_owned(),
            date: iso_date(self.created.created_at_ms),
            name: p.name.as_ref().map(|n| n.as_str().to_owned()),
            areas,
        })
    }
}

/// What a meeting hands on to the later meetings of its series: the items its participants
/// shared, the notes on its cards, its priorities, the actors many named, its accepted plan.
pub fn carried_from(outcome: &Outcome) -> Vec<super::Carried> {
    use super::{Carried, CarriedKind};
    let from = Text {
        da: outcome.programme.da.clone(),
        en: outcome.programme.en.clone(),
    };
    let pick = |t: &Bilingual| {
        if outcome.lang == "en" {
            t.en.clone()
        } else {
            t.da.clone()
        }
    };
    let item = |kind, text: String| Carried {
        from: from.clone(),
        kind,
        text,
    };
    let mut items = Vec::new();
    for section in &outcome.sections {
        match section {
            Section::Reflection { shared, .. } => {
                items.extend(
                    shared
                        .iter()
                        .map(|s| item(CarriedKind::Shared, s.text.clone())),
                );
            }
            Section::Cards { cards, .. } => {
                for card in cards {
                    items.extend(
                        card.notes
                            .iter()
                            .map(|n| item(CarriedKind::Note, n.clone())),
                    );
                }
            }
            Section::Grid { topics, .. } => {
                let mut prioritised: Vec<_> = topics
                    .iter()
                    .filter_map(|t| Some((t.priority?, t)))
                    .collect();
                prioritised.sort_by_key(|(p, _)| *p);
                items.extend(
                    prioritised
                        .into_iter()
                        .map(|(_, t)| item(CarriedKind::Priority, pick(&t.text))),
                );
            }
            Section::Map { actors, .. } => {
                let shown = actors.iter().filter(|a| a.influence.is_some()).take(5);
                items.extend(shown.map(|a| item(CarriedKind::Actor, a.label.clone())));
            }
        }
    }
    items.extend(
        outcome
            .action_plan
            .iter()
            .map(|r| item(CarriedKind::Row, r.action.clone())),
    );
    items
}
