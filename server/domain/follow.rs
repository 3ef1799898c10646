//! Between meetings (issue 17): what a meeting hands on to the meetings that follow it, and the
//! rules for what a later meeting makes of it.
//!
//! A meeting hands on its accepted action-plan rows, for the next meeting's review, and its
//! scale results, for the trend of a question asked again (its [`Contribution`]). The next
//! meeting of a series has them carried in (`Session::carry`); a follow-up session gets a copy
//! when it is created ([`Followed`], part of `Created`), so it keeps them whatever becomes of
//! the earlier session.
//!
//! - **Review:** a row stays on the list until a review closes it (done or dropped) or carries
//!   it on into that meeting's own plan, whose row then takes its place ([`open_rows`]).
//! - **Trend:** the points of a question, meeting by meeting, each shown only where that
//!   meeting had at least `min_group` answers, and none whose number of answerers differs from
//!   a shown point's by 1 … `min_group` − 1 ([`hidden_points`]). Participants are anonymous
//!   across meetings, so the server cannot know whether the same people answered: it compares
//!   how many answered, which is what it can enforce (see `docs/SECURITY.md`).

use serde::{Deserialize, Serialize};

use super::{Scope, Session};
use crate::content::{Prompt, StepKind, Text};

/// Most rows a meeting reviews.
pub const MAX_REVIEW_ROWS: usize = 200;
/// Most earlier trend points a meeting holds.
pub const MAX_TREND_POINTS: usize = 500;
/// Longest note on a reviewed row, in characters.
pub const MAX_NOTE: usize = 300;

/// Where a reviewed row stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Gjort.
    Done,
    /// I gang.
    Ongoing,
    /// Ikke startet.
    NotStarted,
    /// Droppet.
    Dropped,
}

impl Status {
    /// Whether the row is closed: done or dropped, so no later meeting reviews it again.
    pub fn closes(self) -> bool {
        matches!(self, Status::Done | Status::Dropped)
    }

    /// Every status, in the order screens offer them.
    pub const ALL: [Status; 4] = [
        Status::Done,
        Status::Ongoing,
        Status::NotStarted,
        Status::Dropped,
    ];
}

/// The meeting something came from: its code, its programme's title and its day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingRef {
    /// Its join code.
    pub code: String,
    /// Its programme's title.
    pub title: Text,
    /// The day it was held, `YYYY-MM-DD` (`report::meeting_date`).
    pub date: String,
}

/// An accepted action-plan row of an earlier meeting, as a later meeting reviews it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRow {
    /// Stable across meetings: `<code>:<plan step id>:<row id>` of the meeting that agreed it,
    /// so a status stays on its row.
    pub key: String,
    /// The meeting that agreed it.
    pub from: MeetingRef,
    /// Its area's title, in that meeting's language.
    pub area: String,
    /// What we would do.
    pub action: String,
    /// The first step.
    #[serde(default)]
    pub first_step: String,
    /// Who owns it.
    #[serde(default)]
    pub owner: String,
    /// `YYYY-MM-DD` or empty.
    #[serde(default)]
    pub deadline: String,
    /// `YYYY-MM-DD` or empty.
    #[serde(default)]
    pub follow_up: String,
    /// What an in-between meeting's review said of it (a status that keeps it open).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<Status>,
    /// That review's note.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub last_note: String,
}

/// One meeting's result of a scale question, as a point of a trend.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// The question's name across meetings (`Prompt::trend_key`).
    pub key: String,
    /// The meeting.
    pub from: MeetingRef,
    /// The question as that meeting asked it.
    pub label: Text,
    /// Its scale's lowest value.
    pub min: i32,
    /// Its scale's highest value.
    pub max: i32,
    /// How many answered.
    pub n: u32,
    /// `counts[i]` = how many chose `min + i`; `None` where that meeting showed too few.
    pub counts: Option<Vec<u32>>,
}

/// A review's word on a row: its status, its note, and whether it was carried on into the
/// reviewing meeting's own plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// The row's key.
    pub key: String,
    /// Its status, if one was set.
    pub status: Option<Status>,
    /// The note.
    pub note: String,
    /// Carried on: the reviewing meeting's plan has an accepted row that continues it.
    pub carried_on: bool,
}

/// What one meeting hands on to those after it: its own rows, its review's verdicts and its
/// own scale results — and what it received itself (for a follow-up copied from it, so a
/// chain keeps its history).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contribution {
    /// The meeting.
    pub meeting: MeetingRef,
    /// Its accepted action-plan rows.
    pub rows: Vec<ReviewRow>,
    /// Its review's word on the rows it reviewed.
    pub verdicts: Vec<Verdict>,
    /// Its scale results, one per question name.
    pub points: Vec<TrendPoint>,
    /// The rows it reviewed (copied at its creation, or carried in).
    pub received_rows: Vec<ReviewRow>,
    /// The earlier points it holds.
    pub received_points: Vec<TrendPoint>,
}

/// What a follow-up session copies from the session it follows, at creation: fixed from then
/// on, so it stays when the earlier session is deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Followed {
    /// The session it follows.
    pub from: MeetingRef,
    /// The rows it reviews.
    pub rows: Vec<ReviewRow>,
    /// The earlier points of its trends.
    pub points: Vec<TrendPoint>,
}

impl Contribution {
    /// What a follow-up of this meeting copies: the rows still open after this meeting's review
    /// (and its own new ones), and every point it knows, its own last.
    pub fn followed(&self) -> Followed {
        let mut points = self.received_points.clone();
        points.extend(self.points.iter().cloned());
        let points = dedup_points(points);
        Followed {
            from: self.meeting.clone(),
            rows: open_rows(self.received_rows.clone(), std::slice::from_ref(self)),
            points,
        }
    }
}

/// What the next meeting of a series has carried in from the earlier ones (in meeting order):
/// the rows still open, and every earlier meeting's own points.
pub fn carried_from(earlier: &[Contribution]) -> (Vec<ReviewRow>, Vec<TrendPoint>) {
    let points = earlier
        .iter()
        .flat_map(|c| c.points.iter().cloned())
        .collect();
    (open_rows(Vec::new(), earlier), dedup_points(points))
}

/// The rows still open after `meetings` (in order), starting from `start`: each meeting's
/// review closes a row (done or dropped) or carries it on, which takes it off the list; a
/// status that keeps it open is remembered on it (`last_status`); then the meeting's own
/// accepted rows join the list. At most [`MAX_REVIEW_ROWS`].
pub fn open_rows(start: Vec<ReviewRow>, meetings: &[Contribution]) -> Vec<ReviewRow> {
    let mut list = start;
    for meeting in meetings {
        for verdict in &meeting.verdicts {
            let Some(at) = list.iter().position(|r| r.key == verdict.key) else {
                continue;
            };
            if verdict.carried_on || verdict.status.is_some_and(Status::closes) {
                list.remove(at);
            } else {
                list[at].last_status = verdict.status;
                list[at].last_note = verdict.note.clone();
            }
        }
        for row in &meeting.rows {
            if !list.iter().any(|r| r.key == row.key) {
                list.push(row.clone());
            }
        }
    }
    list.truncate(MAX_REVIEW_ROWS);
    list
}

/// Points in order, the first of each meeting and question kept; at most
/// [`MAX_TREND_POINTS`].
fn dedup_points(points: Vec<TrendPoint>) -> Vec<TrendPoint> {
    let mut kept: Vec<TrendPoint> = Vec::new();
    for point in points {
        if !kept
            .iter()
            .any(|p| p.key == point.key && p.from.code == point.from.code)
        {
            kept.push(point);
        }
    }
    kept.truncate(MAX_TREND_POINTS);
    kept
}

/// Why a point of a trend is not shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hidden {
    /// That meeting had fewer than `min_group` answers (or showed too few).
    TooFew,
    /// Its number of answerers differs from a shown point's by fewer than `min_group`: the
    /// difference could be one or two people's answers.
    Difference,
}

/// Which points of a trend (in meeting order, as `(n, shown by its meeting)`) are hidden, and
/// why: a point is shown only where its meeting showed it (`counts`) from at least `min_group`
/// answers, and only if its number of answerers equals, or differs by at least `min_group`
/// from, that of every point shown before it. The points are taken in order, so an earlier
/// meeting's point is never hidden by a later one.
pub fn hidden_points(points: &[(u32, bool)], min_group: u32) -> Vec<Option<Hidden>> {
    let mut shown: Vec<u32> = Vec::new();
    points
        .iter()
        .map(|&(n, counted)| {
            if !counted || n < min_group {
                return Some(Hidden::TooFew);
            }
            if shown.iter().any(|&s| s != n && s.abs_diff(n) < min_group) {
                return Some(Hidden::Difference);
            }
            shown.push(n);
            None
        })
        .collect()
}

/// One point of a trend as a meeting shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct TrendEntry {
    /// The point (this meeting's own, from its published answers, when `current`).
    pub point: TrendPoint,
    /// This meeting's own point.
    pub current: bool,
    /// Why it is not shown, if it is not.
    pub hidden: Option<Hidden>,
}

impl Session {
    /// This meeting as a later one names it.
    pub fn meeting_ref(&self) -> MeetingRef {
        MeetingRef {
            code: self.created.code.to_string(),
            title: self.programme().title.clone(),
            date: self.meeting_date(),
        }
    }

    /// The rows this meeting reviews: those copied from the session it follows, then those
    /// carried in from earlier meetings of its series.
    pub fn review_rows(&self) -> impl Iterator<Item = &ReviewRow> {
        self.created
            .follows
            .iter()
            .flat_map(|f| f.rows.iter())
            .chain(self.carried_rows.iter())
    }

    /// The earlier points of this meeting's trends: copied, then carried in.
    pub fn earlier_points(&self) -> impl Iterator<Item = &TrendPoint> {
        self.created
            .follows
            .iter()
            .flat_map(|f| f.points.iter())
            .chain(self.carried_points.iter())
    }

    /// The review row with this key.
    pub fn review_row(&self, key: &str) -> Option<&ReviewRow> {
        self.review_rows().find(|r| r.key == key)
    }

    /// The key of an accepted row `row` of plan step `step`: `<code>:<step id>:<row id>`.
    pub fn row_key(&self, step: &str, row: &str) -> String {
        format!("{}:{step}:{row}", self.created.code)
    }

    /// What this meeting hands on (the hall's plan, review and results).
    pub fn contribution(&self) -> Contribution {
        let meeting = self.meeting_ref();
        let lang = self.created.lang;
        let mut rows = Vec::new();
        let mut verdicts = Vec::new();
        let mut points: Vec<TrendPoint> = Vec::new();
        for (index, step) in self.programme().steps.iter().enumerate() {
            let state = self.state(Scope::Hall, index);
            match step.kind {
                StepKind::Plan => {
                    for row in state.plan.rows.iter().filter(|r| r.accepted) {
                        let area = step
                            .area(&row.fields.area)
                            .map(|a| lang.pick(&a.title).to_owned())
                            .unwrap_or_default();
                        rows.push(ReviewRow {
                            key: self.row_key(&step.id, &row.id),
                            from: meeting.clone(),
                            area,
                            action: row.fields.action.clone(),
                            first_step: row.fields.first_step.clone(),
                            owner: row.fields.owner.clone(),
                            deadline: row.fields.deadline.clone(),
                            follow_up: row.fields.follow_up.clone(),
                            last_status: None,
                            last_note: String::new(),
                        });
                    }
                }
                StepKind::Review => {
                    for row in self.review_rows() {
                        let said = state.review.reviewed.get(&row.key);
                        let carried_on = self.carried_on(&row.key);
                        let status = said.and_then(|s| s.status);
                        let note = said.map(|s| s.note.clone()).unwrap_or_default();
                        if status.is_some() || !note.is_empty() || carried_on {
                            verdicts.push(Verdict {
                                key: row.key.clone(),
                                status,
                                note,
                                carried_on,
                            });
                        }
                    }
                }
                StepKind::Reflection => {
                    for counts in self.scale_counts(Scope::Hall, index) {
                        let Some(prompt) = step.prompts.iter().find(|p| p.id() == counts.prompt)
                        else {
                            continue;
                        };
                        // A question nobody's published answer counts in (its results were
                        // never revealed) makes no point.
                        if let Some(point) = own_point(&meeting, prompt, counts.n, counts.counts)
                            && point.n > 0
                            && !points.iter().any(|p| p.key == point.key)
                        {
                            points.push(point);
                        }
                    }
                }
                _ => {}
            }
        }
        Contribution {
            meeting,
            rows,
            verdicts,
            points,
            received_rows: self.review_rows().cloned().collect(),
            received_points: self.earlier_points().cloned().collect(),
        }
    }

    /// Whether the review row `key` was carried on: an accepted row of one of this meeting's
    /// plan steps (the hall's) continues it.
    pub fn carried_on(&self, key: &str) -> bool {
        self.programme()
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind == StepKind::Plan)
            .any(|(index, _)| {
                self.state(Scope::Hall, index)
                    .plan
                    .rows
                    .iter()
                    .any(|r| r.accepted && r.carries.as_deref() == Some(key))
            })
    }

    /// The trend of scale prompt `prompt` of reflection step `index`: the earlier points of the
    /// same question on the same scale, in meeting order, then this meeting's own (from its
    /// published answers, as its results show them), each with whether it is hidden and why.
    /// Empty when no earlier meeting asked it.
    pub fn trend(&self, index: usize, prompt: &str) -> Vec<TrendEntry> {
        let step = &self.programme().steps[index];
        let Some(def) = step.prompts.iter().find(|p| p.id() == prompt) else {
            return Vec::new();
        };
        let (Some(key), Prompt::Scale { min, max, .. }) = (def.trend_key(), def) else {
            return Vec::new();
        };
        let meeting = self.meeting_ref();
        let mut points: Vec<(TrendPoint, bool)> = Vec::new();
        for point in self.earlier_points() {
            let same = point.key == key && point.min == *min && point.max == *max;
            let again = points.iter().any(|(p, _)| p.from.code == point.from.code)
                || point.from.code == meeting.code;
            if same && !again {
                points.push((point.clone(), false));
            }
        }
        if points.is_empty() {
            return Vec::new();
        }
        let current = self
            .scale_counts(Scope::Hall, index)
            .into_iter()
            .find(|c| c.prompt == prompt)
            .and_then(|c| own_point(&meeting, def, c.n, c.counts));
        points.extend(current.map(|p| (p, true)));
        let shown: Vec<(u32, bool)> = points
            .iter()
            .map(|(p, _)| (p.n, p.counts.is_some()))
            .collect();
        let hidden = hidden_points(&shown, self.created.min_group);
        points
            .into_iter()
            .zip(hidden)
            .map(|((point, current), hidden)| TrendEntry {
                point,
                current,
                hidden,
            })
            .collect()
    }
}

/// A meeting's own point of a scale prompt, from its result (`n`, and `counts` where shown).
fn own_point(
    meeting: &MeetingRef,
    prompt: &Prompt,
    n: u32,
    counts: Option<Vec<u32>>,
) -> Option<TrendPoint> {
    let Prompt::Scale {
        label, min, max, ..
    } = prompt
    else {
        return None;
    };
    Some(TrendPoint {
        key: prompt.trend_key()?.to_owned(),
        from: meeting.clone(),
        label: label.clone(),
        min: *min,
        max: *max,
        n,
        counts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting(code: &str) -> MeetingRef {
        MeetingRef {
            code: code.into(),
            title: Text {
                da: code.into(),
                en: code.into(),
            },
            date: "2027-01-12".into(),
        }
    }

    fn row(code: &str, id: &str) -> ReviewRow {
        ReviewRow {
            key: format!("{code}:handleplan:{id}"),
            from: meeting(code),
            area: "Ledergruppen".into(),
            action: format!("Handling {id}"),
            first_step: String::new(),
            owner: "Mette".into(),
            deadline: String::new(),
            follow_up: String::new(),
            last_status: None,
            last_note: String::new(),
        }
    }

    fn verdict(key: &str, status: Option<Status>, carried_on: bool) -> Verdict {
        Verdict {
            key: key.into(),
            status,
            note: "note".into(),
            carried_on,
        }
    }

    fn contribution(code: &str, rows: Vec<ReviewRow>, verdicts: Vec<Verdict>) -> Contribution {
        Contribution {
            meeting: meeting(code),
            rows,
            verdicts,
            points: Vec::new(),
            received_rows: Vec::new(),
            received_points: Vec::new(),
        }
    }

    #[test]
    fn a_row_stays_until_a_review_closes_it_or_carries_it_on() {
        let (a1, a2, a3, a4) = (
            row("A", "r1"),
            row("A", "r2"),
            row("A", "r3"),
            row("A", "r4"),
        );
        let first = contribution(
            "A",
            vec![a1.clone(), a2.clone(), a3.clone(), a4.clone()],
            vec![],
        );
        assert_eq!(open_rows(Vec::new(), std::slice::from_ref(&first)).len(), 4);
        // The second meeting: r1 done, r2 dropped, r3 in progress, r4 carried on as its own r1.
        let b1 = row("B", "r1");
        let second = contribution(
            "B",
            vec![b1.clone()],
            vec![
                verdict(&a1.key, Some(Status::Done), false),
                verdict(&a2.key, Some(Status::Dropped), false),
                verdict(&a3.key, Some(Status::Ongoing), false),
                verdict(&a4.key, Some(Status::NotStarted), true),
            ],
        );
        let open = open_rows(Vec::new(), &[first.clone(), second.clone()]);
        let keys: Vec<&str> = open.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, [a3.key.as_str(), b1.key.as_str()]);
        assert_eq!(
            open[0].last_status,
            Some(Status::Ongoing),
            "what was said is kept"
        );
        assert_eq!(open[0].last_note, "note");
        // A follow-up copied from the second meeting starts from what it received.
        let mut received = second.clone();
        received.received_rows = open_rows(Vec::new(), std::slice::from_ref(&first));
        let followed = received.followed();
        assert_eq!(followed.rows, open);
        assert_eq!(followed.from.code, "B");
    }

    #[test]
    fn a_verdict_on_an_unknown_row_changes_nothing_and_the_list_is_bounded() {
        let first = contribution(
            "A",
            (0..MAX_REVIEW_ROWS + 5)
                .map(|i| row("A", &format!("r{i}")))
                .collect(),
            vec![verdict("X:handleplan:r1", Some(Status::Done), false)],
        );
        assert_eq!(open_rows(Vec::new(), &[first]).len(), MAX_REVIEW_ROWS);
    }

    #[test]
    fn a_point_is_shown_from_min_group_and_never_beside_one_a_few_people_apart() {
        use Hidden::*;
        // n = 6 shown; 7 differs by 1; 5 by 1; 9 by 3 (shown); 8 differs from 9 by 1 and from
        // 6 by 2; 6 equals a shown point (shown); 2 too few; a meeting that showed nothing.
        let points = [
            (6, true),
            (7, true),
            (5, true),
            (9, true),
            (8, true),
            (6, true),
            (2, false),
            (12, false),
        ];
        assert_eq!(
            hidden_points(&points, 3),
            [
                None,
                Some(Difference),
                Some(Difference),
                None,
                Some(Difference),
                None,
                Some(TooFew),
                Some(TooFew)
            ]
        );
        // Against every point shown before, not only the last: 6, 10 (shown), then 7 is 1
        // from 6.
        assert_eq!(
            hidden_points(&[(6, true), (10, true), (7, true)], 3),
            [None, None, Some(Difference)]
        );
        // A larger min_group hides more, also a point its own meeting showed.
        assert_eq!(
            hidden_points(&[(4, true), (9, true), (12, true)], 5),
            [Some(TooFew), None, Some(Difference)]
        );
    }

    #[test]
    fn a_chain_hands_on_every_point_once_in_meeting_order() {
        let point = |code: &str, n: u32| TrendPoint {
            key: "balance".into(),
            from: meeting(code),
            label: Text::default(),
            min: 1,
            max: 10,
            n,
            counts: Some(vec![n]),
        };
        let mut b = contribution("B", vec![], vec![]);
        b.received_points = vec![point("A", 6), point("A", 99)];
        b.points = vec![point("B", 7)];
        let followed = b.followed();
        let seen: Vec<(&str, u32)> = followed
            .points
            .iter()
            .map(|p| (p.from.code.as_str(), p.n))
            .collect();
        assert_eq!(seen, [("A", 6), ("B", 7)]);
        let (_, carried) = carried_from(&[
            {
                let mut a = contribution("A", vec![], vec![]);
                a.points = vec![point("A", 6)];
                a
            },
            b,
        ]);
        assert_eq!(
            carried.len(),
            2,
            "a series carries each meeting's own points"
        );
    }
}
