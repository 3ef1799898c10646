//! The outcome as a spreadsheet (`.xlsx`, written by `rust_xlsxwriter`): the action plan with
//! its dates as dates (where the meeting has a plan), the tables of results (in a conversation
//! with one leader, the questions talked about), and what was shared — each on its own sheet with
//! headings in the export's language, a header row that stays in view and a filter on it.
//! Cells are written as the text or number they are, never as formulas, so nothing typed in
//! the room can run in the spreadsheet.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet};

use super::document::{plan_cells, plan_header, section_heading_text};
use super::text::Words;
use super::xml::clean;
use crate::outcome::{
    ActorResult, Outcome, PlanRow, ScaleResult, Section, SeriesOutcome, SharedItem, TopicResult,
};

/// The spreadsheet's own words (the rest come from the documents' `Words`).
struct Sheets {
    results: &'static str,
    shared: &'static str,
    col_question: &'static str,
    col_answers: &'static str,
    col_step: &'static str,
    col_group: &'static str,
    col_text: &'static str,
    col_by: &'static str,
    col_tag: &'static str,
    col_importance_sd: &'static str,
    col_success_sd: &'static str,
    col_agreed_importance: &'static str,
    col_agreed_success: &'static str,
    too_few_actors: fn(usize) -> String,
    date_format: &'static str,
}

const DA: Sheets = Sheets {
    results: "Resultater",
    shared: "Delte punkter",
    col_question: "Spørgsmål",
    col_answers: "Svar",
    col_step: "Trin",
    col_group: "Gruppe",
    col_text: "Tekst",
    col_by: "Navn",
    col_tag: "Markering",
    col_importance_sd: "Vigtighed, spredning",
    col_success_sd: "Lykkes, spredning",
    col_agreed_importance: "Aftalt vigtighed",
    col_agreed_success: "Aftalt lykkes",
    too_few_actors: |n| match n {
        1 => "1 aktør nævnt af for få til at blive vist".to_owned(),
        n => format!("{n} aktører nævnt af for få til at blive vist"),
    },
    date_format: "dd-mm-yyyy",
};

const EN: Sheets = Sheets {
    results: "Results",
    shared: "Shared items",
    col_question: "Question",
    col_answers: "Answers",
    col_step: "Step",
    col_group: "Group",
    col_text: "Text",
    col_by: "Name",
    col_tag: "Tag",
    col_importance_sd: "Importance, spread",
    col_success_sd: "Success, spread",
    col_agreed_importance: "Agreed importance",
    col_agreed_success: "Agreed success",
    too_few_actors: |n| match n {
        1 => "1 stakeholder named by too few to be shown".to_owned(),
        n => format!("{n} stakeholders named by too few to be shown"),
    },
    date_format: "yyyy-mm-dd",
};

/// The cell styles of one workbook.
struct Styles {
    header: Format,
    /// A heading over a column of numbers: right-aligned like them.
    header_number: Format,
    /// A whole number, at the top of its row like the text beside it.
    number: Format,
    title: Format,
    text: Format,
    date: Format,
    decimal: Format,
}

/// The spreadsheet file.
pub(crate) fn render(outcome: &Outcome) -> anyhow::Result<Vec<u8>> {
    let t = Words::for_lang(&outcome.lang);
    let plan: Vec<(Option<usize>, &PlanRow)> =
        outcome.action_plan.iter().map(|row| (None, row)).collect();
    book(
        t,
        t.pick(&outcome.programme),
        &outcome.date,
        &[(None, outcome)],
        &plan,
    )
}

/// A series' spreadsheet: the plan with a meeting column; the results and the shared items
/// meeting by meeting, each under its meeting's heading or named by it.
pub(crate) fn render_series(series: &SeriesOutcome) -> anyhow::Result<Vec<u8>> {
    let t = Words::for_lang(&series.lang);
    let meetings: Vec<(Option<String>, &Outcome)> = series
        .meetings
        .iter()
        .map(|m| {
            let label = (t.meeting_heading)(m.number, t.pick(&m.outcome.programme));
            (Some(label), &m.outcome)
        })
        .collect();
    let plan: Vec<(Option<usize>, &PlanRow)> = series
        .action_plan
        .iter()
        .map(|row| (Some(row.meeting), &row.row))
        .collect();
    let date = series
        .meetings
        .first()
        .map(|m| m.outcome.date.as_str())
        .unwrap_or("1970-01-01");
    book(t, t.pick(&series.title), date, &meetings, &plan)
}

/// The workbook of `meetings` (each with its chapter label in a series) and their `plan`.
fn book(
    t: &'static Words,
    subject: &str,
    date: &str,
    meetings: &[(Option<String>, &Outcome)],
    plan: &[(Option<usize>, &PlanRow)],
) -> anyhow::Result<Vec<u8>> {
    let s = if t.lang == "en" { &EN } else { &DA };
    let styles = Styles {
        header: Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Top),
        header_number: Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Top)
            .set_align(FormatAlign::Right),
        number: Format::new().set_align(FormatAlign::Top),
        title: Format::new().set_bold().set_font_size(13),
        text: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        date: Format::new()
            .set_num_format(s.date_format)
            .set_align(FormatAlign::Top)
            .set_align(FormatAlign::Left),
        decimal: Format::new()
            .set_num_format("0.0")
            .set_align(FormatAlign::Top),
    };
    let mut workbook = Workbook::new();
    let title = format!("{} – {}", t.plan, subject);
    workbook.set_properties(
        &DocProperties::new()
            .set_title(&title)
            .set_subject(subject)
            .set_author("trivsel")
            .set_creation_datetime(&ExcelDateTime::parse_from_str(date)?),
    );
    // A meeting without a plan step and without rows has no plan to file (Del 1, the 1:1).
    let has_plan = meetings.iter().any(|(_, outcome)| outcome.has_plan) || !plan.is_empty();
    if has_plan {
        plan_sheet(workbook.add_worksheet(), plan, t, &styles)?;
    }
    let sheet = workbook.add_worksheet();
    sheet.set_name(s.results)?;
    for (col, width) in RESULT_WIDTHS.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    print_setup(sheet, false)?;
    let mut row = 0;
    for (label, outcome) in meetings {
        if let Some(label) = label {
            sheet.write_string_with_format(row, 0, clean(label), &styles.title)?;
            row += 2;
        }
        row = results_sheet(sheet, row, outcome, t, s, &styles)?;
    }
    shared_sheet(workbook.add_worksheet(), meetings, t, s, &styles)?;
    Ok(workbook.save_to_buffer()?)
}

/// A header row at `row`, kept in view when it is the sheet's first.
fn header(sheet: &mut Worksheet, row: u32, cells: &[&str], styles: &Styles) -> anyhow::Result<()> {
    numbers_header(sheet, row, cells, 0, styles)
}

/// A header row at `row` whose columns from `numbers_from` on hold numbers (0: none).
fn numbers_header(
    sheet: &mut Worksheet,
    row: u32,
    cells: &[&str],
    numbers_from: usize,
    styles: &Styles,
) -> anyhow::Result<()> {
    for (col, cell) in cells.iter().enumerate() {
        let format = if numbers_from > 0 && col >= numbers_from {
            &styles.header_number
        } else {
            &styles.header
        };
        sheet.write_string_with_format(row, col as u16, *cell, format)?;
    }
    Ok(())
}

/// The results sheet's column widths (in characters): the question or topic, then numbers.
const RESULT_WIDTHS: [f64; 12] = [
    44.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0,
];

/// The height of a line of text, in points (Calibri 11).
const LINE_HEIGHT: f64 = 15.0;

/// How many lines `text` takes, wrapped between words in a column `width` characters wide
/// (a generous guess: a character as wide as a digit, the column's unit).
fn lines_in(text: &str, width: f64) -> usize {
    let room = (width - 1.0).max(1.0) as usize;
    text.lines()
        .map(|line| {
            let mut lines = 1;
            let mut used = 0;
            for word in line.split_whitespace() {
                let length = word.chars().count();
                let needed = if used == 0 { length } else { used + 1 + length };
                if needed <= room {
                    used = needed;
                    continue;
                }
                // The word starts a line (unless it is the first), and a word longer than
                // the column runs on over further lines.
                lines += usize::from(used > 0) + (length - 1) / room;
                used = (length - 1) % room + 1;
            }
            lines
        })
        .sum::<usize>()
        .max(1)
}

/// Makes row `row` tall enough for its wrapped `cells` (in column order, in columns `widths`
/// wide): spreadsheet programs do not all grow a row for wrapped text by themselves, and
/// without it the lines of one row are drawn over the next.
fn fit_row(sheet: &mut Worksheet, row: u32, cells: &[&str], widths: &[f64]) -> anyhow::Result<()> {
    let lines = cells
        .iter()
        .zip(widths)
        .map(|(cell, width)| lines_in(cell, *width))
        .max()
        .unwrap_or(1);
    if lines > 1 {
        sheet.set_row_height(row, LINE_HEIGHT * lines as f64)?;
    }
    Ok(())
}

/// Printing: A4 landscape, as wide as one page, the header row on every page (`repeat`).
fn print_setup(sheet: &mut Worksheet, repeat: bool) -> anyhow::Result<()> {
    sheet.set_paper_size(9);
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    if repeat {
        sheet.set_repeat_rows(0, 0)?;
    }
    Ok(())
}

fn text(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: &str,
    styles: &Styles,
) -> anyhow::Result<()> {
    sheet.write_string_with_format(row, col, clean(value), &styles.text)?;
    Ok(())
}

/// The accepted rows in the agreed order; deadlines and follow-ups as dates; in a series the
/// meeting's number first.
fn plan_sheet(
    sheet: &mut Worksheet,
    plan: &[(Option<usize>, &PlanRow)],
    t: &Words,
    styles: &Styles,
) -> anyhow::Result<()> {
    sheet.set_name(t.plan)?;
    let with_meeting = plan.iter().any(|(meeting, _)| meeting.is_some());
    let first = u16::from(with_meeting);
    // The hall's plan of a session with tables: the table each row came from, last.
    let with_table = plan.iter().any(|(_, row)| row.table.is_some());
    let mut columns = plan_header(t);
    let mut widths = vec![16.0, 36.0, 30.0, 16.0, 12.0, 12.0, 24.0];
    if with_meeting {
        columns.insert(0, t.meeting.to_owned());
        widths.insert(0, 8.0);
    }
    if with_table {
        columns.push(t.table.to_owned());
        widths.push(8.0);
    }
    let cells: Vec<&str> = columns.iter().map(String::as_str).collect();
    header(sheet, 0, &cells, styles)?;
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    fit_row(sheet, 0, &cells, &widths)?;
    for (i, (meeting, row)) in plan.iter().enumerate() {
        let r = i as u32 + 1;
        if let Some(meeting) = meeting {
            sheet.write_number_with_format(r, 0, *meeting as f64, &styles.number)?;
        }
        let cells = plan_cells(row);
        let mut texts: Vec<&str> = vec![""; usize::from(first)];
        texts.extend(cells.iter().map(String::as_str));
        fit_row(sheet, r, &texts, &widths)?;
        if let Some(table) = row.table.filter(|_| with_table) {
            let col = cells.len() as u16 + first;
            sheet.write_number_with_format(r, col, f64::from(table), &styles.number)?;
        }
        for (col, cell) in cells.iter().enumerate() {
            let is_date = col == 4 || col == 5;
            let col = col as u16 + first;
            match is_date
                .then(|| ExcelDateTime::parse_from_str(cell).ok())
                .flatten()
            {
                Some(date) if crate::dates::Date::parse(cell).is_some() => {
                    sheet.write_datetime_with_format(r, col, &date, &styles.date)?;
                }
                _ => text(sheet, r, col, cell, styles)?,
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, plan.len() as u32, 6 + first + u16::from(with_table))?;
    print_setup(sheet, true)?;
    Ok(())
}

/// Every section's numbers, one table after another, each under its step's title.
/// Starts at `row`; returns the row after the last table.
fn results_sheet(
    sheet: &mut Worksheet,
    mut row: u32,
    outcome: &Outcome,
    t: &Words,
    s: &Sheets,
    styles: &Styles,
) -> anyhow::Result<u32> {
    for section in &outcome.sections {
        match section {
            // A conversation with one leader: the questions talked about (the answers are the
            // leader's own).
            Section::Reflection {
                title, questions, ..
            } if !questions.is_empty() => {
                let heading = section_heading_text(t.reflection, t.pick(title));
                sheet.write_string_with_format(row, 0, heading, &styles.title)?;
                text(sheet, row + 1, 0, t.questions_talked_about, styles)?;
                fit_row(sheet, row + 1, &[t.questions_talked_about], &RESULT_WIDTHS)?;
                header(sheet, row + 2, &[s.col_question], styles)?;
                row += 3;
                for question in questions {
                    text(sheet, row, 0, t.pick(question), styles)?;
                    fit_row(sheet, row, &[t.pick(question)], &RESULT_WIDTHS)?;
                    row += 1;
                }
                row += 1;
            }
            Section::Reflection { title, scales, .. } if !scales.is_empty() => {
                let heading = section_heading_text(t.reflection, t.pick(title));
                sheet.write_string_with_format(row, 0, heading, &styles.title)?;
                row += 1;
                for scale in scales {
                    row = scale_table(sheet, row, scale, t, s, styles)? + 1;
                }
            }
            Section::Grid { title, topics, .. } => {
                let heading = section_heading_text(t.grid, t.pick(title));
                sheet.write_string_with_format(row, 0, heading, &styles.title)?;
                row = grid_table(sheet, row + 1, topics, t, s, styles)? + 1;
            }
            Section::Map {
                title,
                actors,
                too_few,
            } => {
                let heading = section_heading_text(t.map, t.pick(title));
                sheet.write_string_with_format(row, 0, heading, &styles.title)?;
                let hidden = *too_few as usize;
                row = map_table(
                    sheet,
                    row + 1,
                    actors,
                    hidden,
                    outcome.min_group,
                    t,
                    s,
                    styles,
                )? + 1;
            }
            // Issue 17: the review's statuses and notes, the evaluation's figures.
            Section::Review { title, rows } => {
                let f = super::follow::FollowWords::of(t);
                let heading = format!("{} – {}", f.review, t.pick(title));
                sheet.write_string_with_format(row, 0, heading, &styles.title)?;
                let table = super::follow::review_table(t, rows);
                row = table_rows(sheet, row + 1, &table, styles)? + 1;
            }
            Section::Evaluation { title, rows, .. } => {
                let f = super::follow::FollowWords::of(t);
                let heading = format!("{} – {}", f.evaluation, t.pick(title));
                sheet.write_string_with_format(row, 0, heading, &styles.title)?;
                row = evaluation_rows(sheet, row + 1, rows, t, styles)? + 1;
            }
            _ => {}
        }
    }
    Ok(row)
}

/// A document's table as rows of text, its header first. Returns the row after it.
fn table_rows(
    sheet: &mut Worksheet,
    row: u32,
    table: &super::document::Table,
    styles: &Styles,
) -> anyhow::Result<u32> {
    let cells: Vec<&str> = table.header.iter().map(String::as_str).collect();
    header(sheet, row, &cells, styles)?;
    let mut r = row + 1;
    for cells in &table.rows {
        for (col, cell) in cells.iter().enumerate() {
            text(sheet, r, col as u16, cell, styles)?;
        }
        r += 1;
    }
    Ok(r)
}

/// An evaluation's figures, scores and counts as numbers. Returns the row after them.
fn evaluation_rows(
    sheet: &mut Worksheet,
    row: u32,
    rows: &[crate::outcome::EvaluationResult],
    t: &Words,
    styles: &Styles,
) -> anyhow::Result<u32> {
    let f = super::follow::FollowWords::of(t);
    header(
        sheet,
        row,
        &[f.col_item, f.col_score, f.col_scale, f.col_respondents],
        styles,
    )?;
    let mut r = row + 1;
    for figures in rows {
        text(sheet, r, 0, &figures.item, styles)?;
        sheet.write_number_with_format(r, 1, figures.score, &styles.decimal)?;
        text(
            sheet,
            r,
            2,
            &format!("{}–{}", figures.min, figures.max),
            styles,
        )?;
        sheet.write_number(r, 3, figures.n)?;
        r += 1;
    }
    Ok(r)
}

/// One scale: how many answered and, from `min_group` answers, how many chose each value.
/// Returns the row after the table.
fn scale_table(
    sheet: &mut Worksheet,
    row: u32,
    scale: &ScaleResult,
    t: &Words,
    s: &Sheets,
    styles: &Styles,
) -> anyhow::Result<u32> {
    let values: Vec<String> = (scale.min..=scale.max).map(|v| v.to_string()).collect();
    let mut cells = vec![s.col_question, s.col_answers];
    cells.extend(values.iter().map(String::as_str));
    numbers_header(sheet, row, &cells, 1, styles)?;
    fit_row(sheet, row, &cells, &RESULT_WIDTHS)?;
    text(sheet, row + 1, 0, t.pick(&scale.label), styles)?;
    fit_row(sheet, row + 1, &[t.pick(&scale.label)], &RESULT_WIDTHS)?;
    sheet.write_number_with_format(row + 1, 1, scale.n, &styles.number)?;
    match &scale.counts {
        Some(counts) => {
            for (i, count) in counts.iter().enumerate() {
                sheet.write_number_with_format(row + 1, 2 + i as u16, *count, &styles.number)?;
            }
        }
        None => text(sheet, row + 1, 2, t.too_few_short, styles)?,
    }
    if scale.trend.is_empty() {
        return Ok(row + 2);
    }
    // The same question in earlier meetings (issue 17), a row each.
    let table = super::follow::trend_table(t, scale);
    table_rows(sheet, row + 2, &table, styles)
}

fn grid_table(
    sheet: &mut Worksheet,
    row: u32,
    topics: &[TopicResult],
    t: &Words,
    s: &Sheets,
    styles: &Styles,
) -> anyhow::Result<u32> {
    let columns = [
        t.col_topic,
        t.col_raters,
        t.col_importance,
        s.col_importance_sd,
        t.col_success,
        s.col_success_sd,
        s.col_agreed_importance,
        s.col_agreed_success,
        t.col_priority,
        t.col_dots,
    ];
    numbers_header(sheet, row, &columns, 1, styles)?;
    fit_row(sheet, row, &columns, &RESULT_WIDTHS)?;
    let mut r = row + 1;
    for topic in topics {
        text(sheet, r, 0, t.pick(&topic.text), styles)?;
        fit_row(sheet, r, &[t.pick(&topic.text)], &RESULT_WIDTHS)?;
        sheet.write_number_with_format(r, 1, topic.raters, &styles.number)?;
        match (&topic.importance, &topic.success) {
            (Some(importance), Some(success)) => {
                for (col, value) in [importance.mean, importance.sd, success.mean, success.sd]
                    .into_iter()
                    .enumerate()
                {
                    sheet.write_number_with_format(r, 2 + col as u16, value, &styles.decimal)?;
                }
            }
            _ => text(sheet, r, 2, t.too_few_short, styles)?,
        }
        if let Some((importance, success)) = topic.agreed {
            sheet.write_number_with_format(r, 6, importance, &styles.number)?;
            sheet.write_number_with_format(r, 7, success, &styles.number)?;
        }
        if let Some(priority) = topic.priority {
            sheet.write_number_with_format(r, 8, priority, &styles.number)?;
        }
        sheet.write_number_with_format(r, 9, topic.dots, &styles.number)?;
        r += 1;
    }
    Ok(r)
}

/// The stakeholders: only those named by at least `min_group` people are named; the others
/// (`too_few` of them, and any below `min_group` among `actors`) are counted in one line, so
/// no one person's words reach the file.
#[allow(clippy::too_many_arguments)]
fn map_table(
    sheet: &mut Worksheet,
    row: u32,
    actors: &[ActorResult],
    too_few: usize,
    min_group: u32,
    t: &Words,
    s: &Sheets,
    styles: &Styles,
) -> anyhow::Result<u32> {
    numbers_header(
        sheet,
        row,
        &[t.col_actor, t.col_named_by, t.col_influence, t.col_effect],
        1,
        styles,
    )?;
    let mut r = row + 1;
    let (shown, below): (Vec<&ActorResult>, Vec<&ActorResult>) =
        actors.iter().partition(|a| a.named_by >= min_group);
    let too_few = too_few + below.len();
    for actor in shown {
        text(sheet, r, 0, &actor.label, styles)?;
        fit_row(sheet, r, &[actor.label.as_str()], &RESULT_WIDTHS)?;
        sheet.write_number_with_format(r, 1, actor.named_by, &styles.number)?;
        match (&actor.influence, &actor.effect) {
            (Some(influence), Some(effect)) => {
                sheet.write_number_with_format(r, 2, influence.mean, &styles.decimal)?;
                sheet.write_number_with_format(r, 3, effect.mean, &styles.decimal)?;
            }
            _ => text(sheet, r, 2, t.too_few_short, styles)?,
        }
        r += 1;
    }
    if too_few > 0 {
        text(sheet, r, 0, &(s.too_few_actors)(too_few), styles)?;
        r += 1;
    }
    Ok(r)
}

/// What participants chose to share, a row each: its step (in a series, with its meeting),
/// question, group, text, the author's name only where they chose to show it, and its tag.
fn shared_sheet(
    sheet: &mut Worksheet,
    meetings: &[(Option<String>, &Outcome)],
    t: &Words,
    s: &Sheets,
    styles: &Styles,
) -> anyhow::Result<()> {
    sheet.set_name(s.shared)?;
    let widths = [28.0, 36.0, 20.0, 50.0, 16.0, 16.0];
    let columns = [
        s.col_step,
        s.col_question,
        s.col_group,
        s.col_text,
        s.col_by,
        s.col_tag,
    ];
    header(sheet, 0, &columns, styles)?;
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    fit_row(sheet, 0, &columns, &widths)?;
    let mut r = 1;
    for (label, outcome) in meetings {
        for section in &outcome.sections {
            let Section::Reflection { title, shared, .. } = section else {
                continue;
            };
            let step = match label {
                Some(label) => format!("{label} – {}", t.pick(title)),
                None => t.pick(title).to_owned(),
            };
            for SharedItem {
                text: said,
                author,
                group,
                question,
                tag,
                ..
            } in shared
            {
                text(sheet, r, 0, &step, styles)?;
                let asked = question.as_ref().map(|q| t.pick(q)).unwrap_or_default();
                let tagged = tag.as_ref().map(|g| t.pick(g)).unwrap_or_default();
                let cells = [
                    step.as_str(),
                    asked,
                    group.as_deref().unwrap_or_default(),
                    said.as_str(),
                    author.as_deref().unwrap_or_default(),
                    tagged,
                ];
                fit_row(sheet, r, &cells, &widths)?;
                if let Some(question) = question {
                    text(sheet, r, 1, t.pick(question), styles)?;
                }
                if let Some(group) = group {
                    text(sheet, r, 2, group, styles)?;
                }
                text(sheet, r, 3, said, styles)?;
                if let Some(author) = author.as_deref().filter(|a| !a.trim().is_empty()) {
                    text(sheet, r, 4, author, styles)?;
                }
                if let Some(tag) = tag {
                    text(sheet, r, 5, t.pick(tag), styles)?;
                }
                r += 1;
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, r.saturating_sub(1).max(1), 5)?;
    print_setup(sheet, true)?;
    Ok(())
}
