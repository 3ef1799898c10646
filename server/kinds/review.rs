//! Follow-up of earlier action plans (issue 17, "Opfølgning på handleplanen"): every accepted
//! row of the earlier meeting(s) still open — copied from the session this one follows, or
//! carried in from the earlier meetings of its series (`domain::follow`) — with the meeting it
//! came from; the group sets each row's status (gjort / i gang / ikke startet / droppet) and a
//! short note, on the console or on any phone. The server cannot know who owns a row
//! (participants are anonymous), so anyone in the meeting may set it. The facilitator carries a
//! row on into this meeting's own plan with `carry_on` on the plan step (see `kinds::plan`).
//!
//! The review is the whole group's: in a session with tables it is the hall's, whoever sets a
//! status and wherever they sit ([`Kind::hall_only`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Ctx, Field, Kind, text_ok};
use crate::audience::Audience;
use crate::content::{Step, StepKind, Text};
use crate::domain::follow::{MAX_NOTE, Status};
use crate::domain::{Action, By, Change, RuleError, Scope, Session};
use crate::outcome::{self, Outcome, Section};
use crate::print::Paper;
use crate::protocol::{ActivityView, ReviewRowView, ReviewView};

/// Most rows a review keeps a word on (rows come and go as earlier meetings change).
const MAX_REVIEWED: usize = 1000;

/// The review kind.
pub struct Review;

/// The shared state of a review step (the hall's).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// What the group said of each row, by the row's key.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub reviewed: BTreeMap<String, Said>,
}

/// A row's status and note.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Said {
    /// Its status, if one was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// The note.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl Kind for Review {
    fn fields(&self) -> &'static [Field] {
        &[]
    }

    fn hall_only(&self) -> bool {
        true
    }

    fn decide(&self, cx: &Ctx, by: By, action: Action) -> Result<Change, RuleError> {
        match action {
            Action::Review { row, status, note } => {
                if !by.steers() {
                    cx.open_for_participant()?;
                }
                cx.session.review_row(&row).ok_or(RuleError::Invalid)?;
                let note = text_ok(&note, MAX_NOTE)?;
                let reviewed = &cx.hall().review.reviewed;
                if reviewed.len() >= MAX_REVIEWED && !reviewed.contains_key(&row) {
                    return Err(RuleError::Invalid);
                }
                Ok(Change::Reviewed { row, status, note })
            }
            _ => Err(RuleError::WrongStep),
        }
    }

    fn fold(&self, session: &mut Session, _by: By, _scope: Scope, index: usize, change: &Change) {
        if let Change::Reviewed { row, status, note } = change {
            let reviewed = &mut session.state_mut(Scope::Hall, index).review.reviewed;
            if status.is_none() && note.is_empty() {
                reviewed.remove(row);
            } else {
                reviewed.insert(
                    row.clone(),
                    Said {
                        status: *status,
                        note: note.clone(),
                    },
                );
            }
        }
    }

    fn check_state(&self, cx: &Ctx) -> Result<(), String> {
        let reviewed = &cx.state.review.reviewed;
        if cx.scope != Scope::Hall && !reviewed.is_empty() {
            return Err("a review is the hall's, not a table's".into());
        }
        if reviewed.len() > MAX_REVIEWED {
            return Err("over a limit".into());
        }
        for said in reviewed.values() {
            if said.note.chars().count() > MAX_NOTE
                || (said.status.is_none() && said.note.is_empty())
            {
                return Err("a bad review entry".into());
            }
        }
        Ok(())
    }

    /// Every screen sees the same: the rows, what the group said of them, and whether each was
    /// carried on — the group's work, like a plan's rows.
    fn view(&self, cx: &Ctx, audience: Audience) -> Option<ActivityView> {
        let session = cx.session;
        let reviewed = &cx.hall().review.reviewed;
        let rows = session
            .review_rows()
            .map(|row| {
                let said = reviewed.get(&row.key);
                ReviewRowView {
                    key: row.key.clone(),
                    from: row.from.clone(),
                    area: row.area.clone(),
                    action: row.action.clone(),
                    first_step: row.first_step.clone(),
                    owner: row.owner.clone(),
                    deadline: row.deadline.clone(),
                    follow_up: row.follow_up.clone(),
                    last_status: row.last_status,
                    last_note: row.last_note.clone(),
                    status: said.and_then(|s| s.status),
                    note: said.map(|s| s.note.clone()).unwrap_or_default(),
                    carried: session.carried_on(&row.key),
                }
            })
            .collect();
        // Where "carry on" puts a row: the first plan step (the console's button).
        let plan_step = audience
            .is_facilitator()
            .then(|| {
                session
                    .programme()
                    .steps
                    .iter()
                    .find(|s| s.kind == StepKind::Plan)
                    .map(|s| s.id.clone())
            })
            .flatten();
        Some(ActivityView::Review(ReviewView { rows, plan_step }))
    }

    /// The hall's outcome lists every row with its status and note (a table's leaves the
    /// group-wide review out).
    fn outcome(&self, cx: &Ctx, out: &mut Outcome) {
        if cx.scope != Scope::Hall {
            return;
        }
        let reviewed = &cx.state.review.reviewed;
        let rows = cx
            .session
            .review_rows()
            .map(|row| {
                let said = reviewed.get(&row.key);
                outcome::ReviewResult {
                    meeting: row.from.title.clone(),
                    date: row.from.date.clone(),
                    area: row.area.clone(),
                    action: row.action.clone(),
                    owner: row.owner.clone(),
                    deadline: row.deadline.clone(),
                    status: said.and_then(|s| s.status),
                    note: said.map(|s| s.note.clone()).unwrap_or_default(),
                    carried_on: cx.session.carried_on(&row.key),
                }
            })
            .collect();
        out.sections.push(Section::Review {
            title: cx.step.title.clone(),
            rows,
        });
    }

    /// On paper: the question, the statuses to mark each action with, lines to write on.
    fn print(&self, _step: &Step, paper: &mut Paper) {
        let text = |da: &str, en: &str| Text {
            da: da.to_owned(),
            en: en.to_owned(),
        };
        let question = text(
            "Hvordan er det gået med hver af handlingerne fra sidst?",
            "How has each of the actions from last time gone?",
        );
        let statuses = [
            text("Gjort", "Done"),
            text("I gang", "In progress"),
            text("Ikke startet", "Not started"),
            text("Droppet", "Dropped"),
        ];
        let tags: Vec<&Text> = statuses.iter().collect();
        paper.written(&question, 5, &tags);
    }
}
