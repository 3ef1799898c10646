//! The current step's activity as each audience may see it: the step's kind builds it (see
//! `crate::kinds`), taking the [`Audience`] that decides who sees what.

use serde_json::Value;

use crate::audience::Audience;
use crate::domain::Session;
use crate::kinds::{self, Ctx};

/// The current step's activity as `audience` may see it (see [`Audience`] for who sees what):
/// never one person's private answer.
pub fn activity_view(session: &Session, audience: Audience) -> Value {
    let cx = Ctx::new(session, session.step_index());
    kinds::of(cx.step.kind).view(&cx, audience)
}
