//! Tables: a session can seat its participants at tables (groups of five to eight in a hall of
//! many). Every step kind then runs per table — the table's own card, grid, map, plan and
//! results — and the hall (the projector, the facilitator's overview) sees the tables side by
//! side and the aggregate of those tables whose results are shown. A session without tables is
//! a hall of one room: its activity lives in the hall's step states, as it always did.
//!
//! What is decided here: turning tables on (only before any activity), seating and moving
//! people (by the facilitator, or by the participant where the facilitator lets them choose),
//! seating everyone at random in balanced groups, and a table's host — a participant who steers
//! their own table's card, grid placements and plan. The plenary rule (what the hall may show of
//! the tables) lives with the aggregates of each kind; it is stated in `docs/ARCHITECTURE.md`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{By, Event, OpId, ParticipantId, RuleError, Session, StepState};

/// Most tables a session may have.
pub const MAX_TABLES: usize = 200;
/// The smallest table size the facilitator may ask a random seating for.
pub const MIN_TABLE_SIZE: u32 = 2;
/// The largest table size the facilitator may ask a random seating for.
pub const MAX_TABLE_SIZE: u32 = 50;

/// A table's number as people see it: 1, 2, 3 …
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct TableId(u16);

impl TableId {
    /// The table with this number, if a session may have it.
    pub fn from_number(number: u16) -> Option<Self> {
        (1..=MAX_TABLES as u16)
            .contains(&number)
            .then_some(TableId(number))
    }

    /// The table at position `index` (from 0) of a session's tables.
    pub fn from_index(index: usize) -> Self {
        TableId(index as u16 + 1)
    }

    /// The number people see.
    pub fn number(self) -> u16 {
        self.0
    }

    /// Its position among a session's tables, from 0.
    pub fn index(self) -> usize {
        usize::from(self.0) - 1
    }
}

impl TryFrom<u16> for TableId {
    type Error = String;
    fn try_from(value: u16) -> Result<Self, Self::Error> {
        TableId::from_number(value).ok_or_else(|| format!("no table {value}"))
    }
}

impl From<TableId> for u16 {
    fn from(value: TableId) -> Self {
        value.0
    }
}

impl std::fmt::Display for TableId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where an activity happens: the hall (the one room of a session without tables; the plenary
/// of one with tables) or one table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// The whole room.
    Hall,
    /// One table.
    Table(TableId),
}

impl Scope {
    /// The table, if this is one.
    pub fn table(self) -> Option<TableId> {
        match self {
            Scope::Hall => None,
            Scope::Table(t) => Some(t),
        }
    }

    /// The scope of an optional table: the hall for none.
    pub fn of(table: Option<TableId>) -> Self {
        table.map_or(Scope::Hall, Scope::Table)
    }
}

/// One table's shared state.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Shared state per step at this table, by index.
    pub steps: Vec<StepState>,
    /// The participant who steers the table's card, placements and plan, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<ParticipantId>,
}

/// How the tables of a session work.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSettings {
    /// Participants choose their own table on the phone; else the facilitator seats them.
    #[serde(default)]
    pub choose: bool,
    /// Members' phones show their table's results once the facilitator revealed them.
    #[serde(default)]
    pub phones_see_results: bool,
}

/// Who sits where, as a command asks it.
#[derive(Clone, Debug, PartialEq)]
pub enum Seating {
    /// Set up tables: how many (0 turns them off) and how they work.
    Tables {
        /// Number of tables.
        count: usize,
        /// The settings.
        settings: TableSettings,
    },
    /// Seat (or move, or unseat with `None`) one participant: whom the facilitator names, or
    /// the participant who gives the command (they name nobody).
    Seat {
        /// Who; the participant themselves when `None`.
        participant: Option<ParticipantId>,
        /// Where.
        table: Option<TableId>,
    },
    /// Seat everyone at random in balanced groups: tables of about `size` (as many tables as
    /// that needs), or over the tables there are when `None`. `all` moves those already seated
    /// too; else only the unseated are seated, at the emptiest tables.
    Shuffle {
        /// Wanted table size.
        size: Option<u32>,
        /// Everyone, or only the unseated.
        all: bool,
        /// The random draw, from the server.
        seed: u64,
    },
    /// Make a participant the host of a table, or the table hostless.
    Host {
        /// Which table.
        table: TableId,
        /// Who, or nobody.
        participant: Option<ParticipantId>,
    },
}

impl Session {
    /// Whether participants sit at tables.
    pub fn has_tables(&self) -> bool {
        !self.tables.is_empty()
    }

    /// The tables, in order of their numbers.
    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    /// How the tables work.
    pub fn table_settings(&self) -> TableSettings {
        self.table_settings
    }

    /// Every table's id, in order.
    pub fn table_ids(&self) -> impl Iterator<Item = TableId> + '_ {
        (0..self.tables.len()).map(TableId::from_index)
    }

    /// Every scope activity happens in: the hall alone without tables, else each table.
    pub fn activity_scopes(&self) -> Vec<Scope> {
        if self.has_tables() {
            self.table_ids().map(Scope::Table).collect()
        } else {
            vec![Scope::Hall]
        }
    }

    /// The scope a participant acts in: the hall without tables, their table with them
    /// (`None` while they have no seat).
    pub fn scope_of(&self, participant: ParticipantId) -> Option<Scope> {
        if !self.has_tables() {
            return Some(Scope::Hall);
        }
        let table = self.participant(participant)?.table?;
        Some(Scope::Table(table))
    }

    /// Whether a participant's answers count in `scope`'s results: everyone in the hall of a
    /// session without tables, a table's members at a table, nobody directly in the hall of
    /// a session with tables (it shows the tables' results).
    pub fn counts_in(&self, participant: ParticipantId, scope: Scope) -> bool {
        let Some(p) = self.participant(participant) else {
            return false;
        };
        match scope {
            Scope::Hall => !self.has_tables(),
            Scope::Table(t) => p.table == Some(t),
        }
    }

    /// The members of a table who are still in, in joining order.
    pub fn members(&self, table: TableId) -> impl Iterator<Item = ParticipantId> + '_ {
        self.participants
            .iter()
            .filter(move |p| !p.removed && p.table == Some(table))
            .map(|p| p.id)
    }

    /// The host of the table `participant` sits at is `participant`.
    pub fn hosts(&self, participant: ParticipantId) -> bool {
        self.participant(participant)
            .and_then(|p| p.table)
            .and_then(|t| self.tables.get(t.index()))
            .is_some_and(|t| t.host == Some(participant))
    }

    /// Whether anything happened yet in any step's activity (answers, shares, changes): tables
    /// may only be turned on or off before.
    fn any_activity(&self) -> bool {
        let nothing = StepState::default();
        self.participants.iter().any(|p| !p.answers.is_empty())
            || !self.shares.is_empty()
            || self.steps.iter().any(|s| *s != nothing)
            || self
                .tables
                .iter()
                .flat_map(|t| &t.steps)
                .any(|s| *s != nothing)
    }

    /// Decides a seating command from `by` (the facilitator, or a participant choosing their
    /// own seat or volunteering as their table's host).
    pub(super) fn decide_seating(
        &self,
        by: By,
        op: OpId,
        seating: Seating,
    ) -> Result<Vec<Event>, RuleError> {
        let facilitator = by == By::Facilitator;
        match seating {
            Seating::Tables { count, settings } => {
                if !facilitator {
                    return Err(RuleError::NotAllowed);
                }
                if count > MAX_TABLES {
                    return Err(RuleError::Invalid);
                }
                let turning = (count == 0) != self.tables.is_empty();
                if turning && self.any_activity() {
                    return Err(RuleError::TablesLocked);
                }
                // A table with people at it is not taken away.
                if self.tables.len() > count
                    && self.table_ids().skip(count).any(|t| {
                        self.members(t).next().is_some()
                            || self.tables[t.index()]
                                .steps
                                .iter()
                                .any(|s| *s != StepState::default())
                    })
                {
                    return Err(RuleError::TablesLocked);
                }
                Ok(vec![Event::TablesSet {
                    op,
                    count,
                    settings,
                }])
            }
            Seating::Seat { participant, table } => {
                let participant = participant.or(by.participant()).ok_or(RuleError::Invalid)?;
                let who = self
                    .participant(participant)
                    .filter(|p| !p.removed)
                    .ok_or(RuleError::Invalid)?;
                if !self.has_tables() {
                    return Err(RuleError::NoTables);
                }
                let own = by == By::Participant(participant);
                if !(facilitator || own && self.table_settings.choose) {
                    return Err(RuleError::NotAllowed);
                }
                if table.is_some_and(|t| t.index() >= self.tables.len()) {
                    return Err(RuleError::Invalid);
                }
                if who.table == table {
                    // Already there: recorded as the operation it is, nothing moves.
                    return Ok(vec![Event::Seated {
                        by,
                        op,
                        seats: Vec::new(),
                    }]);
                }
                Ok(vec![Event::Seated {
                    by,
                    op,
                    seats: vec![(participant, table)],
                }])
            }
            Seating::Shuffle { size, all, seed } => {
                if !facilitator {
                    return Err(RuleError::NotAllowed);
                }
                if size.is_some_and(|s| !(MIN_TABLE_SIZE..=MAX_TABLE_SIZE).contains(&s)) {
                    return Err(RuleError::Invalid);
                }
                if size.is_none() && !self.has_tables() {
                    return Err(RuleError::NoTables);
                }
                self.shuffle(by, op, size, all, seed)
            }
            Seating::Host { table, participant } => {
                if table.index() >= self.tables.len() {
                    return Err(RuleError::Invalid);
                }
                let current = self.tables[table.index()].host;
                if !facilitator {
                    // A member may volunteer at a hostless table, or step down.
                    let By::Participant(me) = by else {
                        return Err(RuleError::NotAllowed);
                    };
                    let sits = self.participant(me).and_then(|p| p.table) == Some(table);
                    let allowed = sits
                        && match participant {
                            Some(p) => p == me && current.is_none(),
                            None => current == Some(me),
                        };
                    if !allowed {
                        return Err(RuleError::NotAllowed);
                    }
                }
                if let Some(p) = participant
                    && self.participant(p).and_then(|p| p.table) != Some(table)
                {
                    return Err(RuleError::Invalid);
                }
                Ok(vec![Event::HostSet {
                    by,
                    op,
                    table,
                    participant,
                }])
            }
        }
    }

    /// Seats at random in balanced groups (see [`Seating::Shuffle`]): those to seat are
    /// shuffled with the command's draw and each goes to the emptiest table (the lowest number
    /// first). The seats are recorded, so a replay needs no draw.
    fn shuffle(
        &self,
        by: By,
        op: OpId,
        size: Option<u32>,
        all: bool,
        seed: u64,
    ) -> Result<Vec<Event>, RuleError> {
        let everyone: Vec<ParticipantId> = self
            .participants
            .iter()
            .filter(|p| !p.removed)
            .map(|p| p.id)
            .collect();
        let mut movers: Vec<ParticipantId> = everyone
            .iter()
            .copied()
            .filter(|p| all || self.participants[p.index()].table.is_none())
            .collect();
        let mut rng = SplitMix(seed);
        for i in (1..movers.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            movers.swap(i, j);
        }
        // Tables of about `size` for everyone; never fewer tables than there are when only the
        // unseated are seated.
        let count = match size {
            Some(size) => {
                let needed = everyone.len().div_ceil(size as usize).max(1);
                if all {
                    needed
                } else {
                    needed.max(self.tables.len())
                }
            }
            None => self.tables.len(),
        };
        if count > MAX_TABLES {
            return Err(RuleError::Invalid);
        }
        let changes_tables = count != self.tables.len();
        if changes_tables && self.tables.is_empty() && self.any_activity() {
            return Err(RuleError::TablesLocked);
        }
        // Fewer tables (everyone reseated): those taken away must hold nothing.
        let busy = |t: TableId| {
            self.tables[t.index()]
                .steps
                .iter()
                .any(|s| *s != StepState::default())
        };
        if count < self.tables.len() && self.table_ids().skip(count).any(busy) {
            return Err(RuleError::TablesLocked);
        }
        let mut sizes: Vec<usize> = (0..count)
            .map(|i| {
                let t = TableId::from_index(i);
                self.members(t).filter(|p| !movers.contains(p)).count()
            })
            .collect();
        let mut seats = Vec::with_capacity(movers.len());
        for p in movers {
            let Some((i, _)) = sizes.iter().enumerate().min_by_key(|(i, n)| (**n, *i)) else {
                break;
            };
            sizes[i] += 1;
            let table = TableId::from_index(i);
            if self.participants[p.index()].table != Some(table) {
                seats.push((p, Some(table)));
            }
        }
        let seated = Event::Seated {
            by,
            op: op.clone(),
            seats,
        };
        if !changes_tables {
            return Ok(vec![seated]);
        }
        let set = Event::TablesSet {
            op,
            count,
            settings: self.table_settings,
        };
        // More tables are set up before anyone sits at them; fewer after everyone moved.
        Ok(if count > self.tables.len() {
            vec![set, seated]
        } else {
            vec![seated, set]
        })
    }

    /// Folds `Event::TablesSet`.
    pub(super) fn set_tables(&mut self, count: usize, settings: TableSettings) {
        let steps = self.programme().steps.len();
        self.table_settings = settings;
        self.tables.resize_with(count, || Table {
            steps: vec![StepState::default(); steps],
            host: None,
        });
        if count == 0 {
            for p in &mut self.participants {
                p.table = None;
            }
        }
        // A table set up after a reveal starts revealed like its hall, with nothing published
        // yet: its results show once `min_group` of it answered (see `note_change`).
        for index in 0..steps {
            if self.steps[index].revealed {
                for table in &mut self.tables {
                    let state = &mut table.steps[index];
                    if state.published.is_none() {
                        state.revealed = true;
                        state.published = Some(Default::default());
                    }
                }
            }
        }
        for p in &mut self.participants {
            if p.table.is_some_and(|t| t.index() >= count) {
                p.table = None;
            }
        }
    }

    /// Folds one seat of `Event::Seated`: the participant's answers leave their old table's
    /// results and join their new one's only as any change does — in batches of `min_group`
    /// people (see `note_change`) — so a move reveals nobody's answers by difference.
    pub(super) fn seat(&mut self, participant: ParticipantId, table: Option<TableId>) {
        let Some(p) = self.participant(participant) else {
            return;
        };
        let old = p.table;
        if old == table || table.is_some_and(|t| t.index() >= self.tables.len()) {
            return;
        }
        let answered: Vec<(usize, Vec<String>)> = self
            .programme()
            .steps
            .iter()
            .enumerate()
            .map(|(i, step)| {
                let keys = p
                    .answers
                    .get(&step.id)
                    .map(|a| a.keys().cloned().collect())
                    .unwrap_or_default();
                (i, keys)
            })
            .collect();
        if let Some(p) = self.participant_mut(participant) {
            p.table = table;
        }
        if let Some(old) = old
            && let Some(t) = self.tables.get(old.index())
            && t.host == Some(participant)
        {
            self.tables[old.index()].host = None;
        }
        for (index, live_keys) in answered {
            if let Some(old) = old {
                let scope = Scope::Table(old);
                let published: BTreeSet<String> = self
                    .state(scope, index)
                    .published
                    .as_ref()
                    .and_then(|p| p.get(&participant))
                    .map(|a| a.keys().cloned().collect())
                    .unwrap_or_default();
                for key in published.iter().chain(&live_keys) {
                    self.note_change(scope, index, participant, key);
                }
                self.move_dots(scope, index, participant);
            }
            if let Some(new) = table {
                for key in &live_keys {
                    self.note_change(Scope::Table(new), index, participant, key);
                }
            }
        }
    }

    /// Folds `Event::HostSet`.
    pub(super) fn set_host(&mut self, table: TableId, participant: Option<ParticipantId>) {
        if let Some(t) = self.tables.get_mut(table.index()) {
            t.host = participant;
        }
    }

    /// What must hold for the tables.
    pub(super) fn check_tables(&self) -> Result<(), String> {
        if self.tables.len() > MAX_TABLES {
            return Err("too many tables".into());
        }
        let steps = self.programme().steps.len();
        for (i, table) in self.tables.iter().enumerate() {
            if table.steps.len() != steps {
                return Err(format!(
                    "table {} has {} step states",
                    i + 1,
                    table.steps.len()
                ));
            }
            if let Some(host) = table.host
                && self.participant(host).and_then(|p| p.table) != Some(TableId::from_index(i))
            {
                return Err(format!("table {}'s host does not sit there", i + 1));
            }
        }
        for p in &self.participants {
            if let Some(t) = p.table
                && t.index() >= self.tables.len()
            {
                return Err(format!("{} sits at table {t}, which does not exist", p.id));
            }
            if p.removed && p.table.is_some() {
                return Err(format!("{} was removed but still has a seat", p.id));
            }
        }
        Ok(())
    }
}

/// A small, fast generator for the seating draw (SplitMix64): the seed comes with the command,
/// so replaying the stored events seats everyone again exactly as before.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
