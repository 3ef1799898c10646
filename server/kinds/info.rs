//! Info: something to read or hear — an introduction, a break, a text to think about. No
//! input, no activity.

use super::{Ctx, Field, Kind};
use crate::audience::Audience;
use crate::protocol::ActivityView;

/// The info kind.
pub struct Info;

impl Kind for Info {
    fn fields(&self) -> &'static [Field] {
        &[]
    }

    fn view(&self, _cx: &Ctx, _audience: Audience) -> Option<ActivityView> {
        None
    }
}
