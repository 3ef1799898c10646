//! Builds the shareable [`Outcome`](crate::outcome::Outcome) of a session: aggregates where at
//! least `min_group` answered, items their authors shared, the accepted action plan — and no
//! private answer.

use super::{Lang, Scope, Session};
use crate::content::StepKind;
use crate::content::Text;
use crate::dates::Date;
use crate::kinds::{self, Ctx};
use crate::outcome::{Outcome, Section};

impl Session {
    /// Everything this session may share, as it is now: each step's kind adds its section or
    /// its rows of the action plan.
    pub fn outcome(&self) -> Outcome {
        self.outcome_in(Scope::Hall)
    }

    /// The shareable outcome of one scope: a table's own (its results, cards, placements and
    /// plan), or the hall's (in a session with tables: the tables side by side, the
    /// aggregate of those whose results are shown, and the hall's plan).
    pub fn outcome_in(&self, scope: Scope) -> Outcome {
        let programme = self.programme();
        let has = |kind: StepKind| programme.steps.iter().any(|s| s.kind == kind);
        let participants = match scope {
            Scope::Hall => self.participants.len() as u32,
            Scope::Table(t) => self.members(t).count() as u32,
        };
        let mut outcome = Outcome {
            code: self.created.code.to_string(),
            programme_id: self.programme().id.clone(),
            programme: self.programme().title.clone(),
            lang: self.created.lang.code().to_owned(),
            date: self.meeting_date(),
            min_group: self.created.min_group,
            participants,
            sections: Vec::new(),
            action_plan: Vec::new(),
            for_one: !programme.participants.is_group(),
            has_plan: has(StepKind::Plan),
            // Whether the leader shared a plan, never what it says (that is theirs to hand on).
            personal_plan_shared: has(StepKind::PersonalPlan).then(|| {
                self.participants()
                    .iter()
                    .any(|p| !p.removed && !p.plan_shared.is_empty())
            }),
            table: scope.table().map(|t| t.number()),
            tables: (scope == Scope::Hall && self.has_tables()).then_some(self.tables.len() as u32),
        };
        for (index, step) in self.programme().steps.iter().enumerate() {
            kinds::of(step.kind).outcome(&Ctx::new(self, scope, index), &mut outcome);
        }
        outcome
    }

    /// The day the meeting was held, `YYYY-MM-DD` (see [`meeting_date`]).
    pub fn meeting_date(&self) -> String {
        meeting_date(
            self.planned(),
            self.first_moved_ms,
            self.created.created_at_ms,
        )
        .to_string()
    }
}

/// The day a meeting was held, the one date its exports carry: the day the facilitator set for
/// it (`planned`, `YYYY-MM-DD`: at creation or since, `Session::planned`), else the day the facilitator first moved the room on to
/// another step, else the day the session was created. The day of a moment is its day in
/// Europe/Copenhagen (a meeting begun at 00:30 Danish time was held that day).
pub fn meeting_date(
    planned: Option<&str>,
    first_moved_ms: Option<i64>,
    created_at_ms: i64,
) -> Date {
    planned
        .and_then(Date::parse)
        .unwrap_or_else(|| Date::local_from_ms(first_moved_ms.unwrap_or(created_at_ms)))
}

/// What a meeting hands on to the later meetings of its series: the items its participants
/// shared, the notes on its cards, its priorities, the actors many named, its accepted plan.
pub fn carried_from(outcome: &Outcome) -> Vec<super::Carried> {
    use super::{Carried, CarriedKind};
    let from = outcome.programme.clone();
    let lang = Lang::from_code(&outcome.lang);
    let pick = |t: &Text| lang.pick(t).to_owned();
    let item = |kind, text: String| Carried {
        from: from.clone(),
        kind,
        text,
    };
    let mut items = Vec::new();
    for section in &outcome.sections {
        match section {
            Section::Reflection { shared, .. } | Section::Evaluation { shared, .. } => {
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
            // A review's rows travel as rows (`domain::follow`), not as items.
            Section::Review { .. } => {}
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
