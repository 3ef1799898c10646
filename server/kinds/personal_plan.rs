//! A leader's own plan ("Min trivsel som leder"): under each of the step's areas, what they work
//! on and their first step. Private; the leader may share it with the facilitator (their boss in
//! a 1:1), never with a shared screen.

use anyhow::bail;

use super::{Ctx, Field, Given, Kind, typed};
use crate::audience::Audience;
use crate::content::{Step, StepKind};
use crate::domain::answers::{Answer, AnswerInput, PersonalEntry, chars};
use crate::domain::{Action, By, Change, ParticipantId, RuleError, Scope, Session};
use crate::outcome;
use crate::print::Paper;
use crate::protocol::{ActivityView, PersonalPlanView, SharedPlan};

/// Longest personal-plan text, in characters.
pub const MAX_PLAN_TEXT: usize = 2000;

/// The personal plan kind.
pub struct PersonalPlan;

impl Kind for PersonalPlan {
    fn fields(&self) -> &'static [Field] {
        &[Field::Areas]
    }

    fn validate(&self, step: &Step) -> anyhow::Result<()> {
        if step.areas.is_empty() {
            bail!(
                "step '{}': a personal plan step needs at least one area",
                step.id
            )
        }
        Ok(())
    }

    fn check_answer(&self, cx: &Ctx, given: Given) -> Result<Answer, RuleError> {
        let Given { key, value, .. } = given;
        cx.step.area(key).ok_or(RuleError::NoSuchPrompt)?;
        let AnswerInput::Personal { work, first_step } = value else {
            return Err(RuleError::Invalid);
        };
        let (work, first_step) = (typed(&work)?, typed(&first_step)?);
        if chars(&work) > MAX_PLAN_TEXT || chars(&first_step) > MAX_PLAN_TEXT {
            return Err(RuleError::TooLong(MAX_PLAN_TEXT));
        }
        Ok(Answer::Personal(PersonalEntry { work, first_step }))
    }

    fn decide(&self, cx: &Ctx, _by: By, action: Action) -> Result<Change, RuleError> {
        match action {
            Action::SharePlan { share } => {
                cx.open_for_participant()?;
                Ok(Change::PlanShared { shared: share })
            }
            _ => Err(RuleError::WrongStep),
        }
    }

    fn fold(&self, session: &mut Session, by: By, _scope: Scope, index: usize, change: &Change) {
        if let (Change::PlanShared { shared }, By::Participant(p)) = (change, by) {
            let step_id = session.programme().steps[index].id.clone();
            if let Some(p) = session.participant_mut(p) {
                if *shared {
                    p.plan_shared.insert(step_id);
                } else {
                    p.plan_shared.remove(&step_id);
                }
            }
        }
    }

    fn view(&self, cx: &Ctx, audience: Audience) -> Option<ActivityView> {
        let (session, index) = (cx.session, cx.index);
        let shared = audience.is_facilitator().then(|| {
            session
                .shared_plans(index)
                .into_iter()
                .filter_map(|p| {
                    let plan = session.personal_plan(p, index)?;
                    Some(SharedPlan {
                        participant: p.to_string(),
                        plan,
                    })
                })
                .collect()
        });
        Some(ActivityView::PersonalPlan(PersonalPlanView { shared }))
    }

    fn print(&self, step: &Step, paper: &mut Paper) {
        for area in &step.areas {
            paper.personal_area(&area.title, &area.prompt);
        }
    }
}

impl Session {
    /// Participants who shared their personal plan of step `index` with the facilitator.
    pub fn shared_plans(&self, index: usize) -> Vec<ParticipantId> {
        let step_id = &self.programme().steps[index].id;
        self.participants()
            .iter()
            .filter(|p| p.plan_shared.contains(step_id))
            .map(|p| p.id)
            .collect()
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
                    title: area.title.clone(),
                    prompt: area.prompt.clone(),
                    work,
                    first_step,
                }
            })
            .collect();
        let created = self.created();
        Some(outcome::PersonalPlan {
            programme: self.programme().title.clone(),
            lang: created.lang.code().to_owned(),
            date: self.meeting_date(),
            name: p.name.as_ref().map(|n| n.as_str().to_owned()),
            areas,
        })
    }
}
