//! The group's action plan: participants propose rows (area, action, first step, owner,
//! deadline, follow-up, what it answers); the facilitator adds rows, edits, accepts, orders and
//! deletes them. Only accepted rows reach the outcome and the closing step.

use anyhow::bail;
use serde::{Deserialize, Serialize};

use super::{Ctx, Field, Kind, required, text_ok};
use crate::audience::Audience;
use crate::content::Step;
use crate::dates::Date;
use crate::domain::{Action, By, Change, RowFields, RuleError, Scope, Session, TableId};
use crate::outcome::{self, Outcome};
use crate::print::Paper;
use crate::protocol::{ActivityView, PlanView, RowView, TablePlanView};

/// Most rows an action plan may have.
pub const MAX_ROWS: usize = 100;
/// Longest action-plan text field, in characters.
pub const MAX_ROW_TEXT: usize = 500;
/// Longest owner or reference, in characters.
pub const MAX_OWNER: usize = 100;

/// The plan kind.
pub struct Plan;

/// The shared state of a plan step.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// Rows in order.
    pub rows: Vec<PlanRow>,
    /// Rows ever created (for ids).
    pub rows_created: u32,
}

/// A row of the action plan as the session keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRow {
    /// `r1`, `r2`, …
    pub id: String,
    /// Its fields.
    pub fields: RowFields,
    /// Accepted by the facilitator (else a proposal).
    pub accepted: bool,
    /// The table it was lifted from, for a row of the hall's plan in a session with tables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<TableId>,
    /// The reviewed row of an earlier meeting it carries on (issue 17), by its key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carries: Option<String>,
}

impl Kind for Plan {
    fn fields(&self) -> &'static [Field] {
        &[Field::Areas]
    }

    fn validate(&self, step: &Step) -> anyhow::Result<()> {
        if step.areas.is_empty() {
            bail!("step '{}': a plan step needs its list of areas", step.id)
        }
        Ok(())
    }

    fn decide(&self, cx: &Ctx, by: By, action: Action) -> Result<Change, RuleError> {
        let state = &cx.state.plan;
        let row = |id: &str| {
            state
                .rows
                .iter()
                .find(|r| r.id == id)
                .ok_or(RuleError::Invalid)
        };
        match action {
            Action::AddRow { row } => {
                let steers = by.steers();
                if !steers {
                    cx.open_for_participant()?;
                }
                if state.rows.len() >= MAX_ROWS {
                    return Err(RuleError::Invalid);
                }
                Ok(Change::RowAdded {
                    id: format!("r{}", state.rows_created + 1),
                    row: check_row(cx.step, row)?,
                    accepted: steers,
                    table: None,
                    carries: None,
                })
            }
            Action::Lift { table, id } => {
                // Only the hall of a session with tables has a plan made of the tables' rows.
                if !cx.plenary() {
                    return Err(RuleError::NoTables);
                }
                if table.index() >= cx.session.tables().len() {
                    return Err(RuleError::Invalid);
                }
                let theirs = &cx.session.state(Scope::Table(table), cx.index).plan;
                let row = theirs
                    .rows
                    .iter()
                    .find(|r| r.id == id && r.accepted)
                    .ok_or(RuleError::Invalid)?;
                if state.rows.len() >= MAX_ROWS {
                    return Err(RuleError::Invalid);
                }
                Ok(Change::RowAdded {
                    id: format!("r{}", state.rows_created + 1),
                    row: row.fields.clone(),
                    accepted: true,
                    table: Some(table),
                    carries: row.carries.clone(),
                })
            }
            Action::CarryOn { row: key } => {
                // Into the hall's plan (the review is the whole group's), once.
                if cx.scope != Scope::Hall {
                    return Err(RuleError::Invalid);
                }
                let reviewed = cx.session.review_row(&key).ok_or(RuleError::Invalid)?;
                if state
                    .rows
                    .iter()
                    .any(|r| r.carries.as_deref() == Some(&key))
                    || state.rows.len() >= MAX_ROWS
                {
                    return Err(RuleError::Invalid);
                }
                Ok(Change::RowAdded {
                    id: format!("r{}", state.rows_created + 1),
                    row: carried_row(cx, reviewed)?,
                    accepted: true,
                    table: None,
                    carries: Some(key),
                })
            }
            Action::EditRow { id, row: fields } => {
                row(&id)?;
                Ok(Change::RowEdited {
                    id,
                    row: check_row(cx.step, fields)?,
                })
            }
            Action::AcceptRow { id, accepted } => {
                row(&id)?;
                Ok(Change::RowAccepted { id, accepted })
            }
            Action::DeleteRow { id } => {
                row(&id)?;
                Ok(Change::RowDeleted { id })
            }
            Action::MoveRow { id, to } => {
                row(&id)?;
                if to >= state.rows.len() {
                    return Err(RuleError::Invalid);
                }
                Ok(Change::RowMoved { id, to })
            }
            _ => Err(RuleError::WrongStep),
        }
    }

    fn fold(&self, session: &mut Session, _by: By, scope: Scope, index: usize, change: &Change) {
        let state = &mut session.state_mut(scope, index).plan;
        match change.clone() {
            Change::RowAdded {
                id,
                row,
                accepted,
                table,
                carries,
            } => {
                state.rows_created += 1;
                state.rows.push(PlanRow {
                    id,
                    fields: row,
                    accepted,
                    table,
                    carries,
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
            _ => {}
        }
    }

    fn check_state(&self, cx: &Ctx) -> Result<(), String> {
        let rows = &cx.state.plan.rows;
        if rows.len() > MAX_ROWS {
            return Err("over a limit".into());
        }
        let mut ids = std::collections::HashSet::new();
        for row in rows {
            if !ids.insert(&row.id)
                || cx.step.area(&row.fields.area).is_none()
                || row.fields.action.is_empty()
            {
                return Err("a bad plan row".into());
            }
        }
        Ok(())
    }

    fn view(&self, cx: &Ctx, audience: Audience) -> Option<ActivityView> {
        let rows = cx
            .state
            .plan
            .rows
            .iter()
            .map(|r| row_view(&r.id, r))
            .collect();
        // The hall of a session with tables: each table's agreed rows, for the facilitator to
        // lift into the hall's plan and for the room to compare (a group's decisions, not
        // anyone's answers). Phones are not in the hall.
        let tables = (cx.plenary() && audience.is_staff()).then(|| {
            cx.session
                .table_ids()
                .map(|t| TablePlanView {
                    table: t.number(),
                    rows: cx
                        .session
                        .state(Scope::Table(t), cx.index)
                        .plan
                        .rows
                        .iter()
                        .filter(|r| r.accepted)
                        .map(|r| row_view(&r.id, r))
                        .collect(),
                })
                .collect()
        });
        Some(ActivityView::Plan(PlanView { rows, tables }))
    }

    fn outcome(&self, cx: &Ctx, out: &mut Outcome) {
        for row in cx.state.plan.rows.iter().filter(|r| r.accepted) {
            let area = cx
                .step
                .area(&row.fields.area)
                .map(|a| cx.pick(&a.title))
                .unwrap_or_default();
            out.action_plan.push(outcome::PlanRow {
                area,
                action: row.fields.action.clone(),
                first_step: row.fields.first_step.clone(),
                owner: row.fields.owner.clone(),
                deadline: row.fields.deadline.clone(),
                follow_up: row.fields.follow_up.clone(),
                answers: row.fields.answers.clone(),
                table: row.table.map(|t| t.number()),
            });
        }
    }

    fn print(&self, step: &Step, paper: &mut Paper) {
        let areas: Vec<_> = step.areas.iter().map(|a| &a.title).collect();
        paper.plan_table(&areas);
    }
}

fn check_row(step: &Step, row: RowFields) -> Result<RowFields, RuleError> {
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

/// The fields of a reviewed row carried on into this plan step: the same action, first step,
/// owner and dates, under the step's area of the same title (in the session's language), else
/// its first area; texts cut to this plan's limits.
fn carried_row(cx: &Ctx, reviewed: &crate::domain::ReviewRow) -> Result<RowFields, RuleError> {
    let area = cx
        .step
        .areas
        .iter()
        .find(|a| cx.pick(&a.title).eq_ignore_ascii_case(reviewed.area.trim()))
        .or_else(|| cx.step.areas.first())
        .ok_or(RuleError::Invalid)?;
    let cut = |text: &str, max: usize| text.chars().take(max).collect::<String>();
    check_row(
        cx.step,
        RowFields {
            area: area.id.clone(),
            action: cut(&reviewed.action, MAX_ROW_TEXT),
            first_step: cut(&reviewed.first_step, MAX_ROW_TEXT),
            owner: cut(&reviewed.owner, MAX_OWNER),
            deadline: reviewed.deadline.clone(),
            follow_up: reviewed.follow_up.clone(),
            answers: None,
        },
    )
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

/// One action-plan row as every screen sees it, under the id `id`.
pub(super) fn row_view(id: &str, r: &PlanRow) -> RowView {
    RowView {
        id: id.to_owned(),
        fields: (&r.fields).into(),
        accepted: r.accepted,
        table: r.table.map(|t| t.number()),
    }
}
