//! Who a screen shows things to, decided once per connection: the one place that says what
//! each audience may see. Views and the fan-out take an [`Audience`]; nothing else looks at a
//! connection's role to decide what it is told.

use crate::domain::{Change, Role};

/// The people in front of a screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Audience {
    /// The facilitator's console: everything the group has, results always (to prepare the
    /// dialogue), the private notes — never one person's private answer.
    Facilitator,
    /// The projector: the room's screen. Counts, and results once the facilitator revealed them.
    Projector,
    /// A participant's phone: only what is the group's, and their own answers.
    Phone,
    /// The facilitator's "preview as participant": exactly what phones see, read-only.
    Preview,
}

impl Audience {
    /// The audience of a connection opened by `actor`; `preview` for a staff connection that
    /// asked to see what phones see.
    pub fn of(actor: Role, preview: bool) -> Self {
        match actor {
            _ if preview => Audience::Preview,
            Role::Facilitator => Audience::Facilitator,
            Role::Projector => Audience::Projector,
            Role::Participant(_) | Role::Newcomer => Audience::Phone,
        }
    }

    /// The audiences that get their own serialisation of a broadcast: a preview sees exactly
    /// the bytes phones get.
    pub const DISTINCT: [Audience; 3] =
        [Audience::Facilitator, Audience::Projector, Audience::Phone];

    /// The audience whose bytes this one receives.
    pub fn shares_bytes_with(self) -> Self {
        match self {
            Audience::Preview => Audience::Phone,
            other => other,
        }
    }

    /// The facilitator's console or the projector: the two screens that show the group's
    /// counts, and that hear about changes phones are not told of.
    pub fn is_staff(self) -> bool {
        matches!(self, Audience::Facilitator | Audience::Projector)
    }

    /// The facilitator's console.
    pub fn is_facilitator(self) -> bool {
        self == Audience::Facilitator
    }

    /// Whether this audience sees a step's results (distributions, means, shared items, map
    /// actors), given whether the facilitator revealed them and whether phones may see their
    /// table's revealed results (a table's phones, when the facilitator allows it).
    pub fn sees_results(self, revealed: bool, phones_allowed: bool) -> bool {
        match self {
            Audience::Facilitator => true,
            Audience::Projector => revealed,
            Audience::Phone | Audience::Preview => revealed && phones_allowed,
        }
    }

    /// Whether this audience is told who passed a dialogue card. Passing is a person's own
    /// choice: only the facilitator learns whose it was; shared screens and phones show only
    /// that the card was passed.
    pub fn sees_who_passed(self) -> bool {
        self.is_facilitator()
    }

    /// Whether this audience sees the facilitator's private notes of a step.
    pub fn sees_notes(self) -> bool {
        self.is_facilitator()
    }

    /// Whether this audience sees the counts of the current step (joined, connected, ready,
    /// answers per prompt).
    pub fn sees_progress(self) -> bool {
        self.is_staff()
    }

    /// Whether this audience sees the session's preparation text, invitation and projector link.
    pub fn sees_preparation(self) -> bool {
        self.is_facilitator()
    }

    /// Whether this audience is told about `change` at all (else its view is unchanged by it).
    /// Phones hear of changes to what the whole group sees — a dealt card, a plan row, a topic —
    /// never of shares, groupings, notes, dots or merges, which only staff views show.
    pub fn hears_of(self, change: &Change) -> bool {
        self.is_staff()
            || !matches!(
                change,
                Change::Shared { .. }
                    | Change::PlanShared { .. }
                    | Change::Grouped { .. }
                    | Change::Noted { .. }
                    | Change::Voted { .. }
                    | Change::Merged { .. }
            )
    }

    /// The role name a screen is told in its snapshot.
    pub fn role_name(self) -> &'static str {
        match self {
            Audience::Facilitator => "facilitator",
            Audience::Projector => "projector",
            Audience::Phone | Audience::Preview => "participant",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_sees_what_phones_see_and_nothing_more() {
        let preview = Audience::of(Role::Facilitator, true);
        assert_eq!(preview, Audience::Preview);
        assert_eq!(preview.shares_bytes_with(), Audience::Phone);
        assert!(!preview.sees_results(true, false));
        assert!(!preview.sees_results(false, true));
        assert!(preview.sees_results(true, true));
        assert!(!preview.sees_notes());
        assert!(!preview.sees_progress());
        assert!(!preview.hears_of(&Change::Noted { text: "x".into() }));
    }

    #[test]
    fn the_projector_sees_results_only_once_revealed_and_never_notes() {
        let projector = Audience::of(Role::Projector, false);
        assert!(!projector.sees_results(false, false));
        assert!(projector.sees_results(true, false));
        assert!(!projector.sees_notes());
        assert!(Audience::Facilitator.sees_results(false, false));
    }
}
