//! The closing step: shows everyone the plan the group agreed on — the accepted rows of every
//! plan step of the meeting.

use super::plan::row_view;
use super::{Ctx, Field, Kind};
use crate::audience::Audience;
use crate::content::{Area, StepKind};
use crate::protocol::{ActivityView, EndView};

/// The end kind.
pub struct End;

impl Kind for End {
    fn fields(&self) -> &'static [Field] {
        &[]
    }

    /// The accepted rows of every plan step, with the areas they belong to (first title wins
    /// when two plan steps share an area id). Row ids are prefixed by their step's id, so rows
    /// of two plan steps stay apart. None without rows.
    fn view(&self, cx: &Ctx, _audience: Audience) -> Option<ActivityView> {
        let session = cx.session;
        let mut areas: Vec<Area> = Vec::new();
        let mut rows = Vec::new();
        for (index, step) in session.programme().steps.iter().enumerate() {
            if step.kind != StepKind::Plan {
                continue;
            }
            for area in &step.areas {
                if !areas.iter().any(|a| a.id == area.id) {
                    areas.push(area.clone());
                }
            }
            rows.extend(
                session
                    .state(cx.scope, index)
                    .plan
                    .rows
                    .iter()
                    .filter(|r| r.accepted)
                    .map(|r| row_view(&format!("{}:{}", step.id, r.id), r)),
            );
        }
        (!rows.is_empty()).then_some(ActivityView::End(EndView { areas, rows }))
    }
}
