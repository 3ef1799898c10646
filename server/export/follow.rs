//! The exports' part of issue 17 — a review's statuses and notes, a question's trend over the
//! meetings, an evaluation's figures: their words in each language, and what a document says
//! of them (the spreadsheet takes the same tables, `xlsx`).

use super::document::{Block, Kind, Table};
use super::text::Words;
use crate::domain::Status;
use crate::domain::follow::Hidden;
use crate::outcome::{EvaluationResult, ReviewResult, ScaleResult, TrendResult};

/// Every fixed text of the sections in one language.
pub(crate) struct FollowWords {
    pub review: &'static str,
    pub evaluation: &'static str,
    pub trend: &'static str,
    pub no_rows: &'static str,
    pub no_figures: &'static str,
    pub col_meeting: &'static str,
    pub col_status: &'static str,
    pub col_note: &'static str,
    pub col_item: &'static str,
    pub col_score: &'static str,
    pub col_scale: &'static str,
    pub col_respondents: &'static str,
    pub col_date: &'static str,
    pub col_mean: &'static str,
    pub col_counts: fn(i32, i32) -> String,
    pub carried_on: &'static str,
    pub no_status: &'static str,
    pub this_meeting: &'static str,
    pub hidden_too_few: &'static str,
    pub hidden_difference: &'static str,
    pub trend_note: fn(u32) -> String,
    pub figures_note: fn(u32) -> String,
    pub statuses: [&'static str; 4],
}

const DA: FollowWords = FollowWords {
    review: "Opfølgning",
    evaluation: "Resultater",
    trend: "Udvikling over møderne",
    no_rows: "Der var ingen handlinger fra tidligere møder at følge op på.",
    no_figures: "Der blev ikke lagt resultater ind.",
    col_meeting: "Møde",
    col_status: "Status",
    col_note: "Bemærkning",
    col_item: "Spørgsmål",
    col_score: "Gennemsnit",
    col_scale: "Skala",
    col_respondents: "Svar",
    col_date: "Dato",
    col_mean: "Gennemsnit",
    col_counts: |min, max| format!("Antal pr. værdi ({min}–{max})"),
    carried_on: "taget med i dagens handleplan",
    no_status: "ikke sat",
    this_meeting: "dette møde",
    hidden_too_few: "Ikke vist: for få svar",
    hidden_difference: "Ikke vist: antallet af svar ligger for tæt på et andet mødes",
    trend_note: |n| {
        format!(
            "Et møde vises kun med mindst {n} svar, og ikke hvis antallet af svar ligger 1 til {} fra et andet vist mødes.",
            n.saturating_sub(1).max(1)
        )
    },
    figures_note: |n| format!("Resultater bragt med til mødet; kun spørgsmål med mindst {n} svar."),
    statuses: ["Gjort", "I gang", "Ikke startet", "Droppet"],
};

const EN: FollowWords = FollowWords {
    review: "Follow-up",
    evaluation: "Results",
    trend: "Trend over the meetings",
    no_rows: "There were no actions from earlier meetings to follow up.",
    no_figures: "No results were brought in.",
    col_meeting: "Meeting",
    col_status: "Status",
    col_note: "Note",
    col_item: "Question",
    col_score: "Average",
    col_scale: "Scale",
    col_respondents: "Answers",
    col_date: "Date",
    col_mean: "Average",
    col_counts: |min, max| format!("Count per value ({min}–{max})"),
    carried_on: "taken into today's action plan",
    no_status: "not set",
    this_meeting: "this meeting",
    hidden_too_few: "Not shown: too few answers",
    hidden_difference: "Not shown: its number of answers is too close to another meeting's",
    trend_note: |n| {
        format!(
            "A meeting is shown only with at least {n} answers, and not where its number of answers lies 1 to {} from another shown meeting's.",
            n.saturating_sub(1).max(1)
        )
    },
    figures_note: |n| {
        format!("Results brought to the meeting; only questions with at least {n} answers.")
    },
    statuses: ["Done", "In progress", "Not started", "Dropped"],
};

impl FollowWords {
    /// The table for the document's language.
    pub(crate) fn of(t: &Words) -> &'static FollowWords {
        if t.lang == "en" { &EN } else { &DA }
    }

    /// A status in words.
    pub(crate) fn status(&self, status: Option<Status>) -> &'static str {
        match status {
            Some(Status::Done) => self.statuses[0],
            Some(Status::Ongoing) => self.statuses[1],
            Some(Status::NotStarted) => self.statuses[2],
            Some(Status::Dropped) => self.statuses[3],
            None => self.no_status,
        }
    }

    /// Why a point of a trend is not shown.
    pub(crate) fn hidden(&self, hidden: Hidden) -> &'static str {
        match hidden {
            Hidden::TooFew => self.hidden_too_few,
            Hidden::Difference => self.hidden_difference,
        }
    }
}

/// The cells of a review's rows: meeting (and its day), action, owner, deadline, status (and
/// whether it was carried on), note.
pub(crate) fn review_table(t: &Words, rows: &[ReviewResult]) -> Table {
    let f = FollowWords::of(t);
    Table {
        header: [
            f.col_meeting,
            t.col_action,
            t.col_owner,
            t.col_deadline,
            f.col_status,
            f.col_note,
        ]
        .map(str::to_owned)
        .to_vec(),
        widths: vec![16, 24, 12, 14, 14, 20],
        kinds: vec![Kind::Text; 6],
        rows: rows
            .iter()
            .map(|row| {
                let status = if row.carried_on {
                    format!("{} ({})", f.status(row.status), f.carried_on)
                } else {
                    f.status(row.status).to_owned()
                };
                vec![
                    format!("{}, {}", t.pick(&row.meeting), t.date(&row.date)),
                    row.action.clone(),
                    row.owner.clone(),
                    t.date(&row.deadline),
                    status,
                    row.note.clone(),
                ]
            })
            .collect(),
    }
}

/// A review section's blocks after its heading.
pub(crate) fn review(blocks: &mut Vec<Block>, t: &Words, rows: &[ReviewResult]) {
    if rows.is_empty() {
        blocks.push(Block::Note(FollowWords::of(t).no_rows.to_owned()));
    } else {
        blocks.push(Block::Table(review_table(t, rows)));
    }
}

/// The cells of an evaluation's figures: question, average, scale, answers.
pub(crate) fn evaluation_table(t: &Words, rows: &[EvaluationResult]) -> Table {
    let f = FollowWords::of(t);
    Table {
        header: [f.col_item, f.col_score, f.col_scale, f.col_respondents]
            .map(str::to_owned)
            .to_vec(),
        widths: vec![55, 15, 15, 15],
        kinds: vec![Kind::Text, Kind::Number, Kind::Number, Kind::Number],
        rows: rows
            .iter()
            .map(|row| {
                vec![
                    row.item.clone(),
                    score(t, row.score),
                    format!("{}–{}", row.min, row.max),
                    row.n.to_string(),
                ]
            })
            .collect(),
    }
}

/// A score as brought in: up to two decimals, the language's decimal sign.
fn score(t: &Words, value: f64) -> String {
    let text = format!("{}", (value * 100.0).round() / 100.0);
    if t.lang == "en" {
        text
    } else {
        text.replace('.', ",")
    }
}

/// An evaluation section's figures after its heading (its shared items follow).
pub(crate) fn evaluation(
    blocks: &mut Vec<Block>,
    t: &Words,
    rows: &[EvaluationResult],
    min_group: u32,
) {
    let f = FollowWords::of(t);
    if rows.is_empty() {
        blocks.push(Block::Note(f.no_figures.to_owned()));
        return;
    }
    blocks.push(Block::Note((f.figures_note)(min_group)));
    blocks.push(Block::Table(evaluation_table(t, rows)));
}

/// The mean of a distribution (`counts[i]` for `min + i`), if anyone answered.
pub(crate) fn mean(min: i32, counts: &[u32]) -> Option<f64> {
    let n: u32 = counts.iter().sum();
    (n > 0).then(|| {
        counts
            .iter()
            .enumerate()
            .map(|(i, c)| f64::from(min + i as i32) * f64::from(*c))
            .sum::<f64>()
            / f64::from(n)
    })
}

/// The cells of a scale's trend: meeting, date, answers, average, count per value — or why a
/// point is not shown.
pub(crate) fn trend_table(t: &Words, scale: &ScaleResult) -> Table {
    let f = FollowWords::of(t);
    Table {
        header: vec![
            f.col_meeting.to_owned(),
            f.col_date.to_owned(),
            f.col_respondents.to_owned(),
            f.col_mean.to_owned(),
            (f.col_counts)(scale.min, scale.max),
        ],
        widths: vec![26, 16, 10, 12, 36],
        kinds: vec![
            Kind::Text,
            Kind::Text,
            Kind::Number,
            Kind::Number,
            Kind::Text,
        ],
        rows: scale
            .trend
            .iter()
            .map(|point| trend_cells(t, f, scale.min, point))
            .collect(),
    }
}

fn trend_cells(t: &Words, f: &FollowWords, min: i32, point: &TrendResult) -> Vec<String> {
    let meeting = if point.current {
        format!("{} ({})", t.pick(&point.meeting), f.this_meeting)
    } else {
        t.pick(&point.meeting).to_owned()
    };
    let (average, counts) = match (&point.counts, point.hidden) {
        (Some(counts), None) => (
            mean(min, counts).map(|m| t.number(m)).unwrap_or_default(),
            counts
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(" · "),
        ),
        (_, hidden) => (
            String::new(),
            f.hidden(hidden.unwrap_or(Hidden::TooFew)).to_owned(),
        ),
    };
    vec![
        meeting,
        t.date(&point.date),
        point.n.to_string(),
        average,
        counts,
    ]
}

/// A scale's trend after its distribution, where earlier meetings asked it too.
pub(crate) fn trend(blocks: &mut Vec<Block>, t: &Words, scale: &ScaleResult, min_group: u32) {
    if scale.trend.is_empty() {
        return;
    }
    let f = FollowWords::of(t);
    blocks.push(Block::Heading(4, f.trend.to_owned()));
    blocks.push(Block::Table(trend_table(t, scale)));
    blocks.push(Block::Note((f.trend_note)(min_group)));
}
