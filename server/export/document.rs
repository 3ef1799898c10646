//! What an export says, independent of the file format: an outcome (or a personal plan) turned
//! into a plain sequence of headings, paragraphs, lists, tables and pictures in the export's
//! language. The Markdown, HTML and Word writers only lay this out.

use super::charts::{self, Chart};
use super::text::Words;
use crate::content::Text;
use crate::outcome::{
    ActorResult, CardResult, Outcome, PersonalPlan, PlanRow, ScaleResult, Section, SeriesOutcome,
    SharedItem, TableGrid, TopicResult,
};

/// A whole export: its title and what follows it.
#[derive(Debug)]
pub(crate) struct Document {
    /// The texts of the document's language.
    pub text: &'static Words,
    /// The document's title (the first heading).
    pub title: String,
    /// Everything after the title.
    pub blocks: Vec<Block>,
}

/// One piece of a document.
#[derive(Debug)]
pub(crate) enum Block {
    /// A heading below the title: 2 for a section, 3 within it, 4 and 5 within that.
    Heading(u8, String),
    /// A heading of level 2 that opens a chapter: on paper and in Word it starts a new page
    /// (a series report's meetings and its combined plan).
    Chapter(String),
    /// Facts about the document, such as the date, as label and value.
    Facts(Vec<(String, String)>),
    /// Ordinary text; line breaks in it are kept.
    Paragraph(String),
    /// A paragraph that starts with a bold lead, e.g. "Første skridt:".
    Lead(String, String),
    /// A short remark in a quieter voice, e.g. that too few answered.
    Note(String),
    /// A bulleted list.
    List(Vec<Item>),
    /// The chapters in order, as a list: each line with the heading of the [`Block::Chapter`]
    /// it leads to (a link in Markdown and HTML, plain in Word).
    Contents(Vec<(String, String)>),
    /// A table with a header row.
    Table(Table),
    /// A picture.
    Figure(Chart),
}

/// A list item, with the name of who wrote it when they chose to show it.
#[derive(Debug)]
pub(crate) struct Item {
    /// The text.
    pub text: String,
    /// The author, if shown.
    pub by: Option<String>,
}

/// What a table column holds, which decides its alignment and wrapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Running text: left-aligned, wraps.
    Text,
    /// Numbers: right-aligned, kept on one line.
    Number,
}

/// A table: a header row, then rows of the same length.
#[derive(Clone, Debug)]
pub(crate) struct Table {
    /// Column headings.
    pub header: Vec<String>,
    /// Relative column widths, one per column.
    pub widths: Vec<u32>,
    /// What each column holds.
    pub kinds: Vec<Kind>,
    /// The rows.
    pub rows: Vec<Vec<String>>,
}

/// Hands out ids for pictures, unique within one document.
struct Ids(usize);

impl Ids {
    fn next(&mut self) -> String {
        self.0 += 1;
        format!("figur-{}", self.0)
    }
}

/// The session export.
pub(crate) fn session(outcome: &Outcome) -> Document {
    let t = Words::for_lang(&outcome.lang);
    let mut blocks = vec![Block::Facts(meeting_facts(t, outcome))];
    // A conversation with one person has no group results to hold back.
    if !outcome.for_one {
        blocks.push(Block::Note((t.min_group_note)(outcome.min_group)));
    }
    blocks.extend(sections(t, outcome, &mut Ids(0)));
    // A programme without a plan step has no plan to report, unless rows came in anyway.
    if outcome.has_plan || !outcome.action_plan.is_empty() {
        blocks.push(Block::Heading(2, t.plan.to_owned()));
        if outcome.action_plan.is_empty() {
            blocks.push(Block::Note(t.no_plan.to_owned()));
        } else {
            let rows: Vec<(Option<usize>, &PlanRow)> =
                outcome.action_plan.iter().map(|row| (None, row)).collect();
            blocks.push(Block::Table(plan_table(t, &rows)));
        }
    }
    let programme = t.pick(&outcome.programme);
    Document {
        text: t,
        title: match outcome.table {
            Some(table) => (t.table_title)(programme, table),
            None => programme.to_owned(),
        },
        blocks,
    }
}

/// A meeting's date, code and participants (and, where it has one, whether the leader shared
/// their personal plan — never what it says).
fn meeting_facts(t: &Words, outcome: &Outcome) -> Vec<(String, String)> {
    let mut facts = vec![
        (t.date.to_owned(), t.date(&outcome.date)),
        (t.code.to_owned(), outcome.code.clone()),
        (t.participants.to_owned(), outcome.participants.to_string()),
    ];
    // Issue 16: a table's own outcome says which table; the hall's how many there were.
    if let Some(table) = outcome.table {
        facts.insert(0, (t.table.to_owned(), table.to_string()));
    }
    if let Some(tables) = outcome.tables {
        facts.push((t.tables.to_owned(), tables.to_string()));
    }
    if let Some(shared) = outcome.personal_plan_shared {
        let said = if shared {
            t.plan_shared
        } else {
            t.plan_not_shared
        };
        facts.push((t.personal_plan.to_owned(), said.to_owned()));
    }
    facts
}

/// The series report: a title part (the series, its meetings and their dates), each meeting as
/// a chapter (its programme, date and participants, then its sections one level down), then
/// every meeting's plan in one table with a meeting column.
pub(crate) fn series(series: &SeriesOutcome) -> Document {
    let t = Words::for_lang(&series.lang);
    let dates: Vec<String> = series
        .meetings
        .iter()
        .map(|m| t.date(&m.outcome.date))
        .collect();
    let span = match (dates.first(), dates.last()) {
        (Some(first), Some(last)) if first != last => format!("{first} – {last}"),
        (Some(first), _) => first.clone(),
        _ => String::new(),
    };
    let mut blocks = vec![
        Block::Facts(vec![
            (t.meetings.to_owned(), series.meeting_count.to_string()),
            (t.dates.to_owned(), span),
        ]),
        Block::Contents(
            series
                .meetings
                .iter()
                .zip(&dates)
                .map(|(m, date)| {
                    let programme = t.pick(&m.outcome.programme);
                    (
                        (t.meeting_line)(m.number, programme, date),
                        one_line(&(t.meeting_heading)(m.number, programme)),
                    )
                })
                .collect(),
        ),
        Block::Note((t.min_group_note)(series.min_group)),
    ];
    let mut ids = Ids(0);
    for meeting in &series.meetings {
        let outcome = &meeting.outcome;
        let title = (t.meeting_heading)(meeting.number, t.pick(&outcome.programme));
        blocks.push(Block::Chapter(one_line(&title)));
        blocks.push(Block::Facts(meeting_facts(t, outcome)));
        blocks.extend(
            sections(t, outcome, &mut ids)
                .into_iter()
                .map(|block| match block {
                    Block::Heading(level, text) => Block::Heading(level + 1, text),
                    other => other,
                }),
        );
    }
    blocks.push(Block::Chapter(t.plan.to_owned()));
    if series.action_plan.is_empty() {
        blocks.push(Block::Note(t.no_plan.to_owned()));
    } else {
        let rows: Vec<(Option<usize>, &PlanRow)> = series
            .action_plan
            .iter()
            .map(|row| (Some(row.meeting), &row.row))
            .collect();
        blocks.push(Block::Table(plan_table(t, &rows)));
    }
    Document {
        text: t,
        title: t.pick(&series.title).to_owned(),
        blocks,
    }
}

/// A meeting's sections, each under a heading of level 2.
fn sections(t: &'static Words, outcome: &Outcome, ids: &mut Ids) -> Vec<Block> {
    let mut blocks = Vec::new();
    if outcome.sections.is_empty() {
        blocks.push(Block::Paragraph(t.no_sections.to_owned()));
    }
    for section in &outcome.sections {
        match section {
            Section::Reflection {
                title,
                scales,
                shared,
                questions,
            } => {
                blocks.push(section_heading(t.reflection, t.pick(title)));
                for scale in scales {
                    // A conversation publishes nothing: no scale to show, none to call unanswered.
                    if outcome.for_one && scale.counts.is_none() {
                        continue;
                    }
                    reflection_scale(&mut blocks, t, scale, outcome, ids);
                }
                if outcome.for_one {
                    // A conversation: what was talked about; the leader's answers are theirs.
                    if !questions.is_empty() {
                        blocks.push(Block::Paragraph(t.questions_talked_about.to_owned()));
                        blocks.push(Block::List(
                            questions
                                .iter()
                                .map(|q| Item {
                                    text: one_line(t.pick(q)),
                                    by: None,
                                })
                                .collect(),
                        ));
                    }
                    if !shared.is_empty() {
                        shared_items(&mut blocks, t, shared);
                    }
                } else {
                    shared_items(&mut blocks, t, shared);
                }
            }
            Section::Cards { title, cards } => {
                blocks.push(section_heading(t.cards, t.pick(title)));
                dealt_cards(&mut blocks, t, cards);
            }
            Section::Grid {
                title,
                scale_max,
                topics,
                tables,
            } => {
                let heading = section_heading_text(t.grid, t.pick(title));
                blocks.push(Block::Heading(2, heading.clone()));
                grid(
                    &mut blocks,
                    t,
                    &heading,
                    *scale_max,
                    topics,
                    outcome.min_group,
                    ids,
                );
                let left_out = topics.iter().map(|x| x.tables_left_out).max().unwrap_or(0);
                if left_out > 0 {
                    blocks.push(Block::Note((t.tables_left_out)(left_out)));
                }
                table_decisions(&mut blocks, t, tables);
            }
            Section::Map {
                title,
                actors,
                too_few,
            } => {
                let heading = section_heading_text(t.map, t.pick(title));
                blocks.push(Block::Heading(2, heading.clone()));
                map(&mut blocks, t, &heading, actors, *too_few, ids);
            }
            Section::Review { title, rows } => {
                let f = super::follow::FollowWords::of(t);
                blocks.push(section_heading(f.review, t.pick(title)));
                super::follow::review(&mut blocks, t, rows);
            }
            Section::Evaluation {
                title,
                rows,
                shared,
            } => {
                let f = super::follow::FollowWords::of(t);
                blocks.push(section_heading(f.evaluation, t.pick(title)));
                super::follow::evaluation(&mut blocks, t, rows, outcome.min_group);
                shared_items(&mut blocks, t, shared);
            }
        }
    }
    blocks
}

/// A heading; line breaks and runs of spaces in `text` become single spaces.
fn heading(level: u8, text: &str) -> Block {
    Block::Heading(level, one_line(text))
}

/// The anchor a chapter's heading gets, as GitHub (and pandoc's `gfm`) make it from the
/// heading's text: lower case, every character that is not a letter, mark, digit, `_`, `-` or a
/// space left out, each space a `-`. The HTML export gives its chapters the same `id`, so a
/// link reads the same in either.
pub(crate) fn anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '_' | '-' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// `text` with every run of white space one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// "Prioriteringskort – Vores emner", or just the step's title when it already names the kind.
pub(crate) fn section_heading_text(kind: &str, title: &str) -> String {
    let title = one_line(title);
    let title = title.as_str();
    if title.is_empty() {
        kind.to_owned()
    } else if title.to_lowercase().contains(&kind.to_lowercase()) {
        title.to_owned()
    } else {
        format!("{kind} – {title}")
    }
}

fn section_heading(kind: &str, title: &str) -> Block {
    Block::Heading(2, section_heading_text(kind, title))
}

/// A scale: its question, then its distribution or why it is not shown.
fn reflection_scale(
    blocks: &mut Vec<Block>,
    t: &Words,
    scale: &ScaleResult,
    outcome: &Outcome,
    ids: &mut Ids,
) {
    blocks.push(heading(3, t.pick(&scale.label)));
    match &scale.counts {
        Some(counts) => {
            blocks.push(Block::Figure(charts::distribution(
                &ids.next(),
                t,
                scale,
                counts,
            )));
            blocks.push(Block::Note((t.answered)(scale.n)));
        }
        None => blocks.push(Block::Note((t.too_few_answered)(outcome.min_group))),
    }
    if scale.tables_left_out > 0 {
        blocks.push(Block::Note((t.tables_left_out)(scale.tables_left_out)));
    }
    // The same question in earlier meetings (issue 17).
    super::follow::trend(blocks, t, scale, outcome.min_group);
}

/// The shared items, by group in the order the groups first appear, ungrouped last.
fn shared_items(blocks: &mut Vec<Block>, t: &Words, shared: &[SharedItem]) {
    blocks.push(Block::Heading(3, t.shared.to_owned()));
    if shared.is_empty() {
        blocks.push(Block::Note(t.no_shared.to_owned()));
        return;
    }
    // Under each question (in the step's order, where the step asks more than one), the
    // facilitator's groups, then what is not grouped.
    let mut questions: Vec<Option<&Text>> = Vec::new();
    for item in shared {
        if !questions.contains(&item.question.as_ref()) {
            questions.push(item.question.as_ref());
        }
    }
    for question in questions {
        let under: Vec<&SharedItem> = shared
            .iter()
            .filter(|item| item.question.as_ref() == question)
            .collect();
        let level = match question {
            Some(question) => {
                blocks.push(heading(4, t.pick(question)));
                5
            }
            None => 4,
        };
        grouped_items(blocks, t, &under, level);
    }
}

/// Shared items by the facilitator's groups (a heading of `level` each), then the ungrouped.
fn grouped_items(blocks: &mut Vec<Block>, t: &Words, shared: &[&SharedItem], level: u8) {
    let mut groups: Vec<&str> = Vec::new();
    for item in shared {
        if let Some(group) = item.group.as_deref()
            && !groups.contains(&group)
        {
            groups.push(group);
        }
    }
    let items = |group: Option<&str>| -> Vec<Item> {
        shared
            .iter()
            .filter(|item| item.group.as_deref() == group)
            .map(|item| Item {
                // The tag its author gave it (e.g. whether it gives or drains energy).
                text: {
                    let mut text = match &item.tag {
                        Some(tag) => format!("{} ({})", item.text, t.pick(tag)),
                        None => item.text.clone(),
                    };
                    // In the hall's outcome of a session with tables: the table it came from.
                    if let Some(table) = item.table {
                        text = format!("{text} – {}", (t.table_n)(table));
                    }
                    text
                },
                by: item.author.clone().filter(|name| !name.trim().is_empty()),
            })
            .collect()
    };
    for group in &groups {
        blocks.push(heading(level, group));
        blocks.push(Block::List(items(Some(group))));
    }
    let ungrouped = items(None);
    if !ungrouped.is_empty() {
        if !groups.is_empty() {
            blocks.push(Block::Heading(level, t.ungrouped.to_owned()));
        }
        blocks.push(Block::List(ungrouped));
    }
}

/// Each dealt card: its question, whether it was skipped, the group's notes.
fn dealt_cards(blocks: &mut Vec<Block>, t: &Words, cards: &[CardResult]) {
    if cards.is_empty() {
        blocks.push(Block::Note(t.no_cards.to_owned()));
    }
    for card in cards {
        match card.table {
            Some(table) => blocks.push(heading(
                3,
                &format!("{} {table}: {}", t.table, t.pick(&card.text)),
            )),
            None => blocks.push(heading(3, t.pick(&card.text))),
        }
        if card.passed {
            blocks.push(Block::Note(t.passed.to_owned()));
        }
        let notes: Vec<Item> = card
            .notes
            .iter()
            .filter(|note| !note.trim().is_empty())
            .map(|note| Item {
                text: note.clone(),
                by: None,
            })
            .collect();
        if !notes.is_empty() {
            blocks.push(Block::List(notes));
        } else if !card.passed {
            blocks.push(Block::Note(t.no_notes.to_owned()));
        }
    }
}

/// The grid picture and the table of topics.
fn grid(
    blocks: &mut Vec<Block>,
    t: &Words,
    heading: &str,
    scale_max: u8,
    topics: &[TopicResult],
    min_group: u32,
    ids: &mut Ids,
) {
    if topics.is_empty() {
        blocks.push(Block::Note(t.no_topics.to_owned()));
        return;
    }
    blocks.push(Block::Figure(charts::grid(
        &ids.next(),
        t,
        heading,
        scale_max,
        topics,
        min_group,
    )));
    let mut number = 0;
    let rows = topics
        .iter()
        .map(|topic| {
            let stats = topic.importance.zip(topic.success);
            let label = match stats {
                Some(_) => {
                    number += 1;
                    number.to_string()
                }
                None => "–".to_owned(),
            };
            let (importance, success) = match stats {
                Some((importance, success)) => (t.stat(&importance), t.stat(&success)),
                None => (t.too_few_short.to_owned(), t.too_few_short.to_owned()),
            };
            vec![
                label,
                t.pick(&topic.text).to_owned(),
                importance,
                success,
                topic.raters.to_string(),
                topic
                    .agreed
                    .map(|(i, s)| (t.agreed_cell)(i, s))
                    .unwrap_or_default(),
                topic.priority.map(|p| p.to_string()).unwrap_or_default(),
                topic.dots.to_string(),
            ]
        })
        .collect();
    blocks.push(Block::Table(Table {
        header: [
            t.col_number,
            t.col_topic,
            t.col_importance,
            t.col_success,
            t.col_raters,
            t.col_agreed,
            t.col_priority,
            t.col_dots,
        ]
        .map(str::to_owned)
        .to_vec(),
        widths: vec![6, 26, 13, 13, 10, 14, 10, 8],
        kinds: vec![
            Kind::Number,
            Kind::Text,
            Kind::Number,
            Kind::Number,
            Kind::Number,
            Kind::Text,
            Kind::Number,
            Kind::Number,
        ],
        rows,
    }));
}

/// The map picture and the table of actors; the actors named by too few only counted.
fn map(
    blocks: &mut Vec<Block>,
    t: &Words,
    heading: &str,
    actors: &[ActorResult],
    too_few: u32,
    ids: &mut Ids,
) {
    if actors.is_empty() {
        blocks.push(Block::Note(t.no_actors.to_owned()));
        if too_few > 0 {
            blocks.push(Block::Note(t.named_by_too_few(too_few)));
        }
        return;
    }
    blocks.push(Block::Figure(charts::map(
        &ids.next(),
        t,
        heading,
        actors,
        too_few,
    )));
    let rows = actors
        .iter()
        .map(|actor| {
            let (influence, effect) = match actor.influence.zip(actor.effect) {
                Some((influence, effect)) => (t.stat(&influence), t.stat(&effect)),
                None => (t.too_few_short.to_owned(), t.too_few_short.to_owned()),
            };
            let mut row = vec![
                actor.label.clone(),
                actor.named_by.to_string(),
                influence,
                effect,
            ];
            if let Some(tables) = actor.tables {
                row.insert(2, tables.to_string());
            }
            row
        })
        .collect();
    // The hall's map of a session with tables also says at how many tables each was named.
    let mut table = Table {
        header: [t.col_actor, t.col_named_by, t.col_influence, t.col_effect]
            .map(str::to_owned)
            .to_vec(),
        widths: vec![40, 15, 20, 25],
        kinds: vec![Kind::Text, Kind::Number, Kind::Number, Kind::Number],
        rows,
    };
    if actors.iter().any(|a| a.tables.is_some()) {
        table.header.insert(2, t.tables.to_owned());
        table.widths = vec![34, 14, 12, 18, 22];
        table.kinds.insert(2, Kind::Number);
    }
    blocks.push(Block::Table(table));
}

/// The hall of a session with tables: each table's own agreed placements and priorities.
fn table_decisions(blocks: &mut Vec<Block>, t: &Words, tables: &[TableGrid]) {
    if tables.is_empty() {
        return;
    }
    blocks.push(Block::Heading(3, t.table_decisions.to_owned()));
    let rows = tables
        .iter()
        .map(|table| {
            let priorities = table
                .priorities
                .iter()
                .enumerate()
                .map(|(i, topic)| format!("{}. {}", i + 1, one_line(t.pick(topic))))
                .collect::<Vec<_>>()
                .join("; ");
            let placed = table
                .agreed
                .iter()
                .map(|(topic, (i, s))| format!("{} ({i}/{s})", one_line(t.pick(topic))))
                .collect::<Vec<_>>()
                .join("; ");
            vec![
                table.table.to_string(),
                if priorities.is_empty() {
                    "–".to_owned()
                } else {
                    priorities
                },
                if placed.is_empty() {
                    "–".to_owned()
                } else {
                    placed
                },
            ]
        })
        .collect();
    blocks.push(Block::Table(Table {
        header: [t.table, t.col_priorities, t.col_placed]
            .map(str::to_owned)
            .to_vec(),
        widths: vec![10, 45, 45],
        kinds: vec![Kind::Number, Kind::Text, Kind::Text],
        rows,
    }));
}

/// The action plan's column headings, in the export language.
pub(crate) fn plan_header(t: &Words) -> Vec<String> {
    [
        t.col_area,
        t.col_action,
        t.col_first_step,
        t.col_owner,
        t.col_deadline,
        t.col_follow_up,
        t.col_answers,
    ]
    .map(str::to_owned)
    .to_vec()
}

/// One action plan row's cells, in the order of [`plan_header`].
pub(crate) fn plan_cells(row: &PlanRow) -> Vec<String> {
    vec![
        row.area.clone(),
        row.action.clone(),
        row.first_step.clone(),
        row.owner.clone(),
        row.deadline.clone(),
        row.follow_up.clone(),
        row.answers.clone().unwrap_or_default(),
    ]
}

/// The plan as a document shows it: dates written out; in a series, the meeting first.
fn plan_table(t: &Words, rows: &[(Option<usize>, &PlanRow)]) -> Table {
    let with_meeting = rows.iter().any(|(meeting, _)| meeting.is_some());
    // The hall's plan of a session with tables: the table each row came from (issue 16).
    let with_table = rows.iter().any(|(_, row)| row.table.is_some());
    let mut header = plan_header(t);
    let mut widths = vec![13, 17, 17, 11, 14, 14, 14];
    // The dates are written out short ("15. sep. 2027"): they may wrap before the year (day
    // and month stay together), so an eight-column plan of long words still fits the page
    // with every word whole.
    let mut kinds = vec![Kind::Text; 7];
    if with_meeting {
        header.insert(0, t.meeting.to_owned());
        widths = vec![7, 12, 16, 16, 10, 13, 13, 13];
        kinds.insert(0, Kind::Number);
    }
    let rows = rows
        .iter()
        .map(|(meeting, row)| {
            let mut cells = plan_cells(row);
            for date in [4, 5] {
                cells[date] = t.date_kept(&cells[date]);
            }
            if with_table {
                cells.insert(0, row.table.map(|n| n.to_string()).unwrap_or_default());
            }
            if with_meeting {
                cells.insert(0, meeting.map(|n| n.to_string()).unwrap_or_default());
            }
            cells
        })
        .collect();
    if with_table {
        header.insert(usize::from(with_meeting), t.table.to_owned());
        let at = usize::from(with_meeting);
        kinds.insert(at, Kind::Number);
        // Room for the table's number: every text column gives a little.
        widths = widths.iter().map(|w| w * 9 / 10).collect();
        widths.insert(at, 7);
    }
    Table {
        header,
        widths,
        kinds,
        rows,
    }
}

/// A leader's own "Min trivsel som leder" plan.
pub(crate) fn personal(plan: &PersonalPlan) -> Document {
    let t = Words::for_lang(&plan.lang);
    let mut facts = vec![
        (t.programme.to_owned(), t.pick(&plan.programme).to_owned()),
        (t.date.to_owned(), t.date(&plan.date)),
    ];
    if let Some(name) = plan.name.as_deref().filter(|n| !n.trim().is_empty()) {
        facts.push((t.name.to_owned(), name.to_owned()));
    }
    let mut blocks = vec![
        Block::Facts(facts),
        Block::Paragraph(t.personal_intro.to_owned()),
    ];
    for area in &plan.areas {
        blocks.push(heading(2, t.pick(&area.title)));
        let prompt = t.pick(&area.prompt);
        if !prompt.trim().is_empty() {
            blocks.push(Block::Note(prompt.to_owned()));
        }
        if area.work.trim().is_empty() {
            blocks.push(Block::Paragraph(t.not_filled_in.to_owned()));
        } else {
            blocks.push(Block::Paragraph(area.work.clone()));
        }
        let first_step = if area.first_step.trim().is_empty() {
            t.not_filled_in.to_owned()
        } else {
            area.first_step.clone()
        };
        blocks.push(Block::Lead(t.first_step_lead.to_owned(), first_step));
    }
    Document {
        text: t,
        title: t.personal_title.to_owned(),
        blocks,
    }
}
