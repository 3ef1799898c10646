//! Dialogue cards: the facilitator deals a card from the deck (or one added live) to the room,
//! to the next participant in turn or to one participant; the holder or the facilitator may
//! pass it; the facilitator notes what the group says, for the outcome.

use anyhow::bail;
use serde::{Deserialize, Serialize};

use super::{Ctx, Field, Kind, live_text, required};
use crate::audience::Audience;
use crate::content::{Card, Step, Text};
use crate::domain::activity::MAX_LIVE_TEXT;
use crate::domain::{Action, By, Change, DealTo, ParticipantId, RuleError, Scope, Session};
use crate::outcome::{self, Outcome, Section};
use crate::print::Paper;
use crate::protocol::{
    ActivityView, CardView, CardsView, CurrentCard, DeckCard, PersonView, TableCardView,
};

/// Most cards a facilitator may add to one step.
pub const MAX_ADDED_CARDS: usize = 100;
/// Most notes on one card.
pub const MAX_NOTES: usize = 50;
/// Longest note, in characters.
pub const MAX_NOTE: usize = 1000;

/// The cards kind.
pub struct Cards;

/// The shared state of a cards step.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// Added by the facilitator.
    pub added_cards: Vec<Card>,
    /// Dealt, in order.
    pub dealt: Vec<Dealt>,
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

impl Kind for Cards {
    fn fields(&self) -> &'static [Field] {
        &[Field::Cards]
    }

    fn validate(&self, step: &Step) -> anyhow::Result<()> {
        if step.cards.is_empty() {
            bail!("step '{}': a cards step needs at least one card", step.id)
        }
        Ok(())
    }

    fn decide(&self, cx: &Ctx, by: By, action: Action) -> Result<Change, RuleError> {
        let state = &cx.state.cards;
        // The hall of a session with tables has no card in play: each table has its own.
        if cx.plenary()
            && matches!(
                action,
                Action::Deal { .. } | Action::Pass | Action::Note { .. }
            )
        {
            return Err(RuleError::AtTable);
        }
        match action {
            Action::Deal { card, to } => {
                let deck = cx.session.deck(cx.scope, cx.index);
                let card = match card {
                    Some(id) => deck.iter().find(|c| c.id == id).map(|c| c.id.clone()),
                    None => deck
                        .iter()
                        .find(|c| !state.dealt.iter().any(|d| d.card == c.id))
                        .map(|c| c.id.clone()),
                }
                .ok_or(RuleError::Invalid)?;
                // Those who may hold a card here: everyone, or the table's members.
                let members: Vec<ParticipantId> = cx
                    .session
                    .participants()
                    .iter()
                    .filter(|p| !p.removed && cx.session.counts_in(p.id, cx.scope))
                    .map(|p| p.id)
                    .collect();
                let to = match to {
                    DealTo::Room => None,
                    DealTo::Participant(p) => {
                        if !members.contains(&p) {
                            return Err(RuleError::Invalid);
                        }
                        Some(p)
                    }
                    DealTo::Turn => {
                        // The next in joining order after the previous card's holder.
                        let previous = state.dealt.iter().rev().find_map(|d| d.to);
                        let next = previous.and_then(|prev| members.iter().find(|m| **m > prev));
                        next.or(members.first()).copied()
                    }
                };
                Ok(Change::Dealt { card, to })
            }
            Action::AddCard { text } => {
                if state.added_cards.len() >= MAX_ADDED_CARDS {
                    return Err(RuleError::Invalid);
                }
                let text = required(&text, MAX_LIVE_TEXT)?;
                let id = match cx.scope {
                    Scope::Hall => format!("egne-{}", state.added_cards.len() + 1),
                    Scope::Table(t) => format!("b{t}-egne-{}", state.added_cards.len() + 1),
                };
                Ok(Change::CardAdded {
                    card: Card {
                        id,
                        text: live_text(&text),
                        theme: Text::default(),
                    },
                })
            }
            Action::Pass => {
                let dealt = state.dealt.last().ok_or(RuleError::Invalid)?;
                let holder = matches!(by, By::Participant(p) if dealt.to == Some(p));
                if !by.steers() && !holder {
                    return Err(RuleError::NotAllowed);
                }
                Ok(Change::Passed)
            }
            Action::Note { text } => {
                let dealt = state.dealt.last().ok_or(RuleError::Invalid)?;
                if dealt.notes.len() >= MAX_NOTES {
                    return Err(RuleError::Invalid);
                }
                Ok(Change::Noted {
                    text: required(&text, MAX_NOTE)?,
                })
            }
            _ => Err(RuleError::WrongStep),
        }
    }

    fn fold(&self, session: &mut Session, _by: By, scope: Scope, index: usize, change: &Change) {
        let state = &mut session.state_mut(scope, index).cards;
        match change.clone() {
            Change::Dealt { card, to } => state.dealt.push(Dealt {
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
            _ => {}
        }
    }

    fn check_state(&self, cx: &Ctx) -> Result<(), String> {
        let state = &cx.state.cards;
        let deck = cx.session.deck(cx.scope, cx.index);
        if state
            .dealt
            .iter()
            .any(|d| !deck.iter().any(|c| c.id == d.card) || d.notes.len() > MAX_NOTES)
        {
            return Err("a dealt card is not in the deck".into());
        }
        if state.added_cards.len() > MAX_ADDED_CARDS {
            return Err("over a limit".into());
        }
        Ok(())
    }

    fn view(&self, cx: &Ctx, audience: Audience) -> Option<ActivityView> {
        let (session, scope, index) = (cx.session, cx.scope, cx.index);
        let state = &cx.state.cards;
        let person = |id: ParticipantId| PersonView {
            id: id.to_string(),
            name: session
                .participant(id)
                .and_then(|p| p.name.as_ref())
                .map(|n| n.as_str().to_owned()),
        };
        let deck = session.deck(scope, index);
        let current_of = |(dealt, card): (&Dealt, &Card)| CurrentCard {
            card: CardView {
                id: card.id.clone(),
                text: card.text.clone(),
            },
            to: if dealt.passed && !audience.sees_who_passed() {
                None
            } else {
                dealt.to.map(person)
            },
            passed: dealt.passed,
            notes: audience.is_staff().then(|| dealt.notes.clone()),
        };
        let current = session.current_card(scope, index).map(current_of);
        // The hall of a session with tables: each table's card in play, side by side.
        let tables = cx.plenary().then(|| {
            session
                .table_ids()
                .map(|t| TableCardView {
                    table: t.number(),
                    current: session.current_card(Scope::Table(t), index).map(current_of),
                    dealt_count: session.state(Scope::Table(t), index).cards.dealt.len(),
                })
                .collect()
        });
        let facilitator = audience.is_facilitator();
        Some(ActivityView::Cards(CardsView {
            deck_size: deck.len(),
            dealt_count: state.dealt.len(),
            current,
            deck: facilitator.then(|| {
                deck.iter()
                    .map(|c| DeckCard {
                        id: c.id.clone(),
                        text: c.text.clone(),
                        dealt: state.dealt.iter().any(|d| d.card == c.id),
                    })
                    .collect()
            }),
            participants: facilitator.then(|| {
                session
                    .participants()
                    .iter()
                    .filter(|p| !p.removed && session.counts_in(p.id, scope))
                    .map(|p| person(p.id))
                    .collect()
            }),
            tables,
        }))
    }

    fn outcome(&self, cx: &Ctx, out: &mut Outcome) {
        // The hall of a session with tables: every table's cards, each with its table.
        let scopes = if cx.plenary() {
            cx.session.table_ids().map(Scope::Table).collect()
        } else {
            vec![cx.scope]
        };
        let mut cards = Vec::new();
        for scope in scopes {
            let deck = cx.session.deck(scope, cx.index);
            let state = &cx.session.state(scope, cx.index).cards;
            cards.extend(state.dealt.iter().filter_map(|d| {
                let card = deck.iter().find(|c| c.id == d.card)?;
                Some(outcome::CardResult {
                    text: card.text.clone(),
                    passed: d.passed,
                    notes: d.notes.clone(),
                    table: cx
                        .plenary()
                        .then(|| scope.table().map(|t| t.number()))
                        .flatten(),
                })
            }));
        }
        out.sections.push(Section::Cards {
            title: cx.step.title.clone(),
            cards,
        });
    }

    fn print(&self, step: &Step, paper: &mut Paper) {
        paper.cards_hint(step.cards.len());
    }

    fn print_after(&self, step: &Step, paper: &mut Paper) {
        let cards: Vec<_> = step.cards.iter().collect();
        paper.cutout_cards(&cards);
    }
}

impl Session {
    /// All cards of a cards step in `scope`: the content's, then those the facilitator added
    /// for the whole hall, then (at a table) the table's own.
    pub fn deck(&self, scope: Scope, index: usize) -> Vec<&Card> {
        let step = &self.programme().steps[index];
        let own = match scope {
            Scope::Hall => &[][..],
            Scope::Table(_) => &self.state(scope, index).cards.added_cards[..],
        };
        step.cards
            .iter()
            .chain(&self.state(Scope::Hall, index).cards.added_cards)
            .chain(own)
            .collect()
    }

    /// The card in play in `scope`, if one was dealt.
    pub fn current_card(&self, scope: Scope, index: usize) -> Option<(&Dealt, &Card)> {
        let dealt = self.state(scope, index).cards.dealt.last()?;
        let card = self
            .deck(scope, index)
            .into_iter()
            .find(|c| c.id == dealt.card)?;
        Some((dealt, card))
    }
}
