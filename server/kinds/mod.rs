//! Step kinds: everything about one kind of step lives in one module — which content fields it
//! uses and their checks, its participants' answer checks, the rules of its activity commands
//! and how each change folds in, its shared state and aggregates (with the `min_group` rule),
//! its activity view for each [`Audience`], its section of the outcome, and its paper version.
//! The core, the protocol, the exports and the printout ask the kind through [`Kind`]; [`of`] is
//! the registry.
//!
//! # Layout
//! - [`info`] — something to read or hear; no input.
//! - [`reflection`] — private reflection on prompts (scales, texts, lists, circles), shared items.
//! - [`cards`] — dialogue cards dealt by the facilitator, passed, noted.
//! - [`grid`] — the prioritisation grid: ratings, agreed placements, priorities, dot vote.
//! - [`map`] — the stakeholder map: actors with influence and effect, merged by label.
//! - [`plan`] — the group's action plan: proposals and accepted rows.
//! - [`personal_plan`] — a leader's own plan, shared with the facilitator only by choice.
//! - [`end`] — the closing step, showing the agreed plan.
//! - [`review`] — the follow-up of earlier meetings' plans: each row's status and note.
//! - [`evaluation`] — results brought from elsewhere (a leader evaluation), and reflection
//!   beside them.
//!
//! Adding a kind: a variant of [`StepKind`](crate::content::StepKind), a module here implementing
//! [`Kind`], one line in [`of`], its commands and changes in `domain` (`Action`, `Change`) and on
//! the wire (`protocol::client::ActionMsg`) if it has any, and its web module (`web/activity-*.js`).

pub mod cards;
pub mod end;
pub mod evaluation;
pub mod grid;
pub mod info;
pub mod map;
pub mod personal_plan;
pub mod plan;
pub mod reflection;
pub mod review;

use std::collections::BTreeMap;

use crate::audience::Audience;
use crate::content::{Step, StepKind, Text};
use crate::domain::answers::{Answer, AnswerInput};
use crate::domain::{Action, By, Change, ParticipantId, RuleError, Scope, Session, StepState};
use crate::outcome;
use crate::print::Paper;
use crate::protocol::ActivityView;

/// The content fields of a step that belong to one kind or a few (the rest are common: id,
/// kind, title, body, notes, minutes). A step may only fill in the fields its kind uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `prompts`: the questions of a reflection.
    Prompts,
    /// `cards`: a deck of dialogue cards.
    Cards,
    /// `topics`: the topics of a grid.
    Topics,
    /// `categories`: suggested actor roles of a map.
    Categories,
    /// `areas`: areas of a plan or personal plan, tags of reflection list items.
    Areas,
    /// `scale_max` and `participant_topics`: a grid's scale and whether participants add topics.
    GridSettings,
}

/// One step of a session in one scope (the hall, or a table), as a kind's rules, aggregates
/// and views read it.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    /// The whole session.
    pub session: &'a Session,
    /// Where: the hall or a table.
    pub scope: Scope,
    /// The step's index in the programme.
    pub index: usize,
    /// The step's content.
    pub step: &'a Step,
    /// The step's shared state in this scope.
    pub state: &'a StepState,
}

impl<'a> Ctx<'a> {
    /// Step `index` of `session` in `scope`.
    pub fn new(session: &'a Session, scope: Scope, index: usize) -> Self {
        Ctx {
            session,
            scope,
            index,
            step: &session.programme().steps[index],
            state: session.state(scope, index),
        }
    }

    /// The hall of a session with tables: it shows the tables side by side and their
    /// aggregate; the table's own activity (a card in play, agreed placements) is not its.
    pub fn plenary(&self) -> bool {
        self.scope == Scope::Hall && self.session.has_tables()
    }

    /// The hall's state of this step: where settings for every table live (cards and topics
    /// the facilitator added for all, whether participants add topics, the dot vote, merges).
    pub fn hall(&self) -> &'a StepState {
        self.session.state(Scope::Hall, self.index)
    }

    /// Participants act on the current step or an earlier one (answers typed offline arrive
    /// late and must not be lost), never a later one.
    pub fn open_for_participant(&self) -> Result<(), RuleError> {
        if self.index <= self.session.step_index() {
            Ok(())
        } else {
            Err(RuleError::WrongStep)
        }
    }

    /// Whether members' phones may see this scope's results once revealed: at a table, when
    /// the facilitator allows it (see `TableSettings::phones_see_results`); never in the hall.
    pub fn phones_see_results(&self) -> bool {
        matches!(self.scope, Scope::Table(_)) && self.session.table_settings().phones_see_results
    }

    /// A text of the programme in the session's language.
    pub fn pick(&self, text: &Text) -> String {
        self.session.created().lang.pick(text).to_owned()
    }
}

/// An answer a participant gives, before its kind checked it.
#[derive(Clone, Debug)]
pub struct Given<'a> {
    /// Who gives it.
    pub participant: ParticipantId,
    /// Under which key: a prompt, topic, actor entry or area id.
    pub key: &'a str,
    /// The value as read from the wire.
    pub value: AnswerInput,
}

/// What the core, the protocol, the exports and the printout ask of a step kind. Every method
/// but [`Kind::fields`] and [`Kind::view`] has a default for kinds without that part.
pub trait Kind: Sync {
    /// The kind-specific content fields a step of this kind may fill in.
    fn fields(&self) -> &'static [Field];

    /// Checks what a step of this kind needs beyond the fields it may use (e.g. at least one
    /// card). Errors name the step: `step '<id>': …`.
    fn validate(&self, step: &Step) -> anyhow::Result<()> {
        let _ = step;
        Ok(())
    }

    /// Checks a participant's private answer under `key` (a prompt, topic, actor entry or area
    /// id). Clearing an answer is decided by the core, not here.
    fn check_answer(&self, cx: &Ctx, given: Given) -> Result<Answer, RuleError> {
        let _ = (cx, given);
        Err(RuleError::NoSuchPrompt)
    }

    /// Whether the kind's shared state is the whole session's, whoever acts and wherever they
    /// sit: its actions happen in the hall also in a session with tables (and reach every
    /// screen), and its state lives in the hall's step state only.
    fn hall_only(&self) -> bool {
        false
    }

    /// The result a private answer under `key` counts towards: results are published one at a
    /// time (see `Session::note_change`). A prompt's or topic's own id by default.
    fn unit<'k>(&self, key: &'k str) -> &'k str {
        key
    }

    /// Whether one person's answers to the step (`answers`) count towards the result `unit`.
    fn counts_towards(&self, unit: &str, answers: &BTreeMap<String, Answer>) -> bool {
        answers.contains_key(unit)
    }

    /// How many people a result (`unit`) is computed from, among these people's answers to
    /// the step: what a screen shows as "N svar". Below `min_group` the result is suppressed.
    fn unit_count(
        &self,
        unit: &str,
        answers: &mut dyn Iterator<Item = &BTreeMap<String, Answer>>,
    ) -> usize {
        answers.filter(|a| self.counts_towards(unit, a)).count()
    }

    /// Whether at least `n` of these people count towards `unit` — [`Kind::unit_count`] `>= n`,
    /// but it stops reading at the `n`th (issue 15: the publication rule asks this on every
    /// answer, and counting a room of thousands each time cost most of a rating's CPU).
    fn unit_reaches(
        &self,
        unit: &str,
        answers: &mut dyn Iterator<Item = &BTreeMap<String, Answer>>,
        n: usize,
    ) -> bool {
        answers
            .filter(|a| self.counts_towards(unit, a))
            .take(n)
            .count()
            >= n
    }

    /// Decides an activity action on this step. The core has already checked the role where
    /// the action alone decides it ([`Action::who`]); an action of another kind is a
    /// [`RuleError::WrongStep`].
    fn decide(&self, cx: &Ctx, by: By, action: Action) -> Result<Change, RuleError> {
        let _ = (cx, by, action);
        Err(RuleError::WrongStep)
    }

    /// Folds a resolved change into step `index` of `session` in `scope`. Changes are trusted
    /// (they come from [`Kind::decide`] or from the store); one of another kind is ignored.
    fn fold(&self, session: &mut Session, by: By, scope: Scope, index: usize, change: &Change) {
        let _ = (session, by, scope, index, change);
    }

    /// What must hold for this step's shared state; the first violation found.
    fn check_state(&self, cx: &Ctx) -> Result<(), String> {
        let _ = cx;
        Ok(())
    }

    /// The step's activity as `audience` may see it (`None` for kinds without one).
    fn view(&self, cx: &Ctx, audience: Audience) -> Option<ActivityView>;

    /// Adds this step's part of the shareable outcome: a section, rows of the action plan.
    fn outcome(&self, cx: &Ctx, out: &mut outcome::Outcome) {
        let _ = (cx, out);
    }

    /// Writes the step's paper version (questions, blank templates) under its heading.
    fn print(&self, step: &Step, paper: &mut Paper) {
        let _ = (step, paper);
    }

    /// Writes what the step adds after the whole programme (the cut-out cards of a deck).
    fn print_after(&self, step: &Step, paper: &mut Paper) {
        let _ = (step, paper);
    }
}

/// The kind's module: the registry.
pub fn of(kind: StepKind) -> &'static dyn Kind {
    match kind {
        StepKind::Info => &info::Info,
        StepKind::Reflection => &reflection::Reflection,
        StepKind::Cards => &cards::Cards,
        StepKind::Grid => &grid::Grid,
        StepKind::Map => &map::Map,
        StepKind::Plan => &plan::Plan,
        StepKind::PersonalPlan => &personal_plan::PersonalPlan,
        StepKind::End => &end::End,
        StepKind::Review => &review::Review,
        StepKind::Evaluation => &evaluation::Evaluation,
    }
}

/// The facilitator shows or hides the results of a step with results (reflection, grid, map).
/// The first reveal publishes every answer at once; later ones show what is published (see
/// `Session::note_change`), so hiding and showing again reveals no one. In the hall of a
/// session with tables, it shows or hides every table's results and the hall's together.
fn fold_reveal(session: &mut Session, scope: Scope, index: usize, revealed: bool) {
    let scopes = if scope == Scope::Hall {
        session.scopes()
    } else {
        vec![scope]
    };
    for scope in scopes {
        let state = session.state_mut(scope, index);
        state.revealed = revealed;
        if revealed {
            // The room sees what is published now — but not a held result it never saw.
            let held = &state.held;
            state.unseen.retain(|unit| held.contains_key(unit));
        }
        if revealed && session.state(scope, index).published.is_none() {
            session.publish(scope, index);
        }
    }
}

/// A text typed live: trimmed, without control characters (but line breaks), at most `max`
/// characters; may be empty.
fn text_ok(text: &str, max: usize) -> Result<String, RuleError> {
    let text = typed(text.trim())?;
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(RuleError::Invalid);
    }
    if text.chars().count() > max {
        return Err(RuleError::TooLong(max));
    }
    Ok(text)
}

/// A typed text in NFC, or refused because it would deceive its readers (`crate::typed`).
fn typed(text: &str) -> Result<String, RuleError> {
    crate::typed::normalised(text).map_err(RuleError::Deceptive)
}

/// Like [`text_ok`], and not empty.
fn required(text: &str, max: usize) -> Result<String, RuleError> {
    let text = text_ok(text, max)?;
    if text.is_empty() {
        Err(RuleError::Invalid)
    } else {
        Ok(text)
    }
}

/// A text typed live, the same in both languages.
fn live_text(text: &str) -> Text {
    Text {
        da: text.to_owned(),
        en: text.to_owned(),
    }
}
