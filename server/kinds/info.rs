//! Info: something to read or hear — an introduction, a break, a text to think about. No
//! input, no activity.

use serde_json::Value;

use super::{Ctx, Field, Kind};
use crate::audience::Audience;

/// The info kind.
pub struct Info;

impl Kind for Info {
    fn fields(&self) -> &'static [Field] {
        &[]
    }

    fn view(&self, _cx: &Ctx, _audience: Audience) -> Value {
        Value::Null
    }
}
