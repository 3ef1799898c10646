//! Results brought from elsewhere (issue 17, e.g. "Vores lederevaluering"): the facilitator
//! uploads or pastes aggregated figures — each question's average score on its scale and how
//! many answered — before or during the meeting (`PUT /api/sessions/{code}/evaluation/{step}`,
//! read by [`import`]); they are stored as a change of the step like any other and deleted
//! with the session. Every screen shows them — the projector as a chart, the phones as a list —
//! and participants reflect beside them: the step may carry text and list prompts, answered
//! privately and shared by choice exactly as in a reflection (whose rules it borrows).
//!
//! No row of fewer than `min_group` respondents is ever taken in. The figures are the whole
//! session's (the hall's), also at tables.

pub mod import;

use anyhow::bail;
use serde::{Deserialize, Serialize};

use super::reflection::{self, Reflection};
use super::{Ctx, Field, Given, Kind};
use crate::audience::Audience;
use crate::content::{MAX_TEXT_LEN, Prompt, Step, is_slug};
use crate::domain::answers::Answer;
use crate::domain::{Action, By, Change, RuleError, Scope, Session};
use crate::outcome::{self, Outcome, Section};
use crate::print::Paper;
use crate::protocol::{ActivityView, EvalRowView, EvaluationView, SharedView};

/// The evaluation kind.
pub struct Evaluation;

/// One question's result as brought in: its text, average score, scale and respondents.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalRow {
    /// The question or item.
    pub item: String,
    /// Its average score, to two decimals.
    pub score: f64,
    /// The scale's lowest value.
    pub min: i32,
    /// The scale's highest value.
    pub max: i32,
    /// How many answered.
    pub n: u32,
}

/// The shared state of an evaluation step (its figures are the hall's).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// The figures, in the order given.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub imported: Vec<EvalRow>,
}

/// Whether `row` may be kept by a session showing results from `min_group` answers: a
/// question of 1–`MAX_ITEM` characters, a scale, a score on it, at least `min_group` answers.
fn row_ok(row: &EvalRow, min_group: u32) -> bool {
    let chars = row.item.chars().count();
    row.min < row.max
        && row.score.is_finite()
        && (f64::from(row.min)..=f64::from(row.max)).contains(&row.score)
        && row.n >= min_group
        && (1..=import::MAX_ITEM).contains(&chars)
        && row.item.trim() == row.item
        && !row.item.chars().any(char::is_control)
}

impl Kind for Evaluation {
    fn fields(&self) -> &'static [Field] {
        &[Field::Prompts]
    }

    /// Prompts are optional; only text and list prompts (what people write beside the figures).
    fn validate(&self, step: &Step) -> anyhow::Result<()> {
        let mut ids = std::collections::HashSet::new();
        for prompt in &step.prompts {
            let id = prompt.id();
            if !is_slug(id) {
                bail!("step '{}': prompt id '{id}' is not a valid id", step.id);
            }
            if !ids.insert(id) {
                bail!("step '{}': prompt '{id}' appears twice", step.id);
            }
            match prompt {
                Prompt::Text { max_len, .. } | Prompt::List { max_len, .. }
                    if *max_len == 0 || *max_len > MAX_TEXT_LEN =>
                {
                    bail!(
                        "step '{}': prompt '{id}' needs max_len between 1 and {MAX_TEXT_LEN}",
                        step.id
                    )
                }
                Prompt::Text { .. } | Prompt::List { .. } => {}
                _ => bail!(
                    "step '{}': prompt '{id}': an evaluation step asks only text and list prompts",
                    step.id
                ),
            }
        }
        Ok(())
    }

    fn check_answer(&self, cx: &Ctx, given: Given) -> Result<Answer, RuleError> {
        Reflection.check_answer(cx, given)
    }

    fn decide(&self, cx: &Ctx, by: By, action: Action) -> Result<Change, RuleError> {
        match action {
            Action::Import { rows } => {
                let min_group = cx.session.created().min_group;
                if by != By::Facilitator
                    || rows.len() > import::MAX_ROWS
                    || !rows.iter().all(|r| row_ok(r, min_group))
                {
                    return Err(RuleError::Invalid);
                }
                Ok(Change::Imported { rows })
            }
            action @ (Action::Share { .. } | Action::Group { .. } | Action::Reveal { .. }) => {
                Reflection.decide(cx, by, action)
            }
            _ => Err(RuleError::WrongStep),
        }
    }

    fn fold(&self, session: &mut Session, by: By, scope: Scope, index: usize, change: &Change) {
        match change {
            Change::Imported { rows } => {
                session.state_mut(Scope::Hall, index).evaluation.imported = rows.clone();
            }
            other => Reflection.fold(session, by, scope, index, other),
        }
    }

    fn check_state(&self, cx: &Ctx) -> Result<(), String> {
        let rows = &cx.state.evaluation.imported;
        if cx.scope != Scope::Hall && !rows.is_empty() {
            return Err("an evaluation's figures are the hall's".into());
        }
        let min_group = cx.session.created().min_group;
        if rows.len() > import::MAX_ROWS || !rows.iter().all(|r| row_ok(r, min_group)) {
            return Err("a bad evaluation row".into());
        }
        Ok(())
    }

    /// The figures for every screen (aggregates of at least `min_group`, brought in to be
    /// shown); shared items as in a reflection: to the facilitator always, to the projector
    /// once revealed.
    fn view(&self, cx: &Ctx, audience: Audience) -> Option<ActivityView> {
        let (session, scope, index, state) = (cx.session, cx.scope, cx.index, cx.state);
        let staff = audience.is_staff();
        let results = audience.sees_results(state.revealed, cx.phones_see_results());
        let plenary = cx.plenary();
        let rows = cx
            .hall()
            .evaluation
            .imported
            .iter()
            .map(|r| EvalRowView {
                item: r.item.clone(),
                score: r.score,
                min: r.min,
                max: r.max,
                n: r.n,
            })
            .collect();
        Some(ActivityView::Evaluation(EvaluationView {
            rows,
            revealed: state.revealed,
            shared_count: staff.then(|| session.share_count(scope, index)),
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
        let rows = cx
            .hall()
            .evaluation
            .imported
            .iter()
            .map(|r| outcome::EvaluationResult {
                item: r.item.clone(),
                score: r.score,
                min: r.min,
                max: r.max,
                n: r.n,
            })
            .collect();
        out.sections.push(Section::Evaluation {
            title: cx.step.title.clone(),
            rows,
            shared: reflection::shared_outcome(cx),
        });
    }

    /// On paper: the questions to write beside the figures (which come with the meeting).
    fn print(&self, step: &Step, paper: &mut Paper) {
        Reflection.print(step, paper);
    }
}
