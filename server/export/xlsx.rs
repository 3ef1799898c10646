//! The outcome as a spreadsheet (`.xlsx`, written by `rust_xlsxwriter`): the action plan with
//! its dates as dates, the tables of results, and what was shared — each on its own sheet with
//! headings in the export's language, a header row that stays in view and a filter on it.
//! Cells are written as the text or number they are, never as formulas, so nothing typed in
//! the room can run in the spreadsheet.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet};

use super::document::{plan_cells, plan_header};
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
    plan_sheet(workbook.add_worksheet(), plan, t, &styles)?;
    let sheet = workbook.add_worksheet();
    sheet.set_name(s.results)?;
    sheet.set_column_width(0, 44)?;
    for col in 1..=11 {
        sheet.set_column_width(col, 12)?;
    }
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
    for (col, cell) in cells.iter().enumerate() {
        sheet.write_string_with_format(row, col as u16, *cell, &styles.header)?;
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
    let mut columns = plan_header(t);
    let mut widths = vec![16, 36, 30, 16, 12, 12, 24];
    if with_meeting {
        columns.insert(0, t.meeting.to_owned());
        widths.insert(0, 8);
    }
    let cells: Vec<&str> = columns.iter().map(String::as_str).collect();
    header(sheet, 0, &cells, styles)?;
    for (col, width) in widths.into_iter().enumerate() {
        sheet.set_column_width(col as u16, width)?;
    }
    for (i, (meeting, row)) in plan.iter().enumerate() {
        let r = i as u32 + 1;
        if let Some(meeting) = meeting {
            sheet.write_number(r, 0, *meeting as f64)?;
        }
        for (col, cell) in plan_cells(row).iter().enumerate() {
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
    sheet.autofilter(0, 0, plan.len() as u32, 6 + first)?;
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
            Section::Reflection { title, scales, .. } if !scales.is_empty() => {
                let heading = format!("{} – {}", t.reflection, t.pick(title));
                sheet.write_string_with_format(row, 0, heading, &styles.title)?;
                row += 1;
                for scale in scales {
                    row = scale_table(sheet, row, scale, t, s, styles)? + 1;
                }
            }
            Section::Grid { title, topics, .. } => {
                let heading = format!("{} – {}", t.grid, t.pick(title));
                sheet.write_string_with_format(row, 0, heading, &styles.title)?;
                row = grid_table(sheet, row + 1, topics, t, s, styles)? + 1;
            }
            Section::Map {
                title,
                actors,
                too_few,
            } => {
                let heading = format!("{} – {}", t.map, t.pick(title));
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
    header(sheet, row, &cells, styles)?;
    text(sheet, row + 1, 0, t.pick(&scale.label), styles)?;
    sheet.write_number(row + 1, 1, scale.n)?;
    match &scale.counts {
        Some(counts) => {
            for (i, count) in counts.iter().enumerate() {
                sheet.write_number(row + 1, 2 + i as u16, *count)?;
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
    header(
        sheet,
        row,
        &[
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
        ],
        styles,
    )?;
    let mut r = row + 1;
    for topic in topics {
        text(sheet, r, 0, t.pick(&topic.text), styles)?;
        sheet.write_number(r, 1, topic.raters)?;
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
            sheet.write_number(r, 6, importance)?;
            sheet.write_number(r, 7, success)?;
        }
        if let Some(priority) = topic.priority {
            sheet.write_number(r, 8, priority)?;
        }
        sheet.write_number(r, 9, topic.dots)?;
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
    header(
        sheet,
        row,
        &[t.col_actor, t.col_named_by, t.col_influence, t.col_effect],
        styles,
    )?;
    let mut r = row + 1;
    let (shown, below): (Vec<&ActorResult>, Vec<&ActorResult>) =
        actors.iter().partition(|a| a.named_by >= min_group);
    let too_few = too_few + below.len();
    for actor in shown {
        text(sheet, r, 0, &actor.label, styles)?;
        sheet.write_number(r, 1, actor.named_by)?;
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
    header(
        sheet,
        0,
        &[
            s.col_step,
            s.col_question,
            s.col_group,
            s.col_text,
            s.col_by,
            s.col_tag,
        ],
        styles,
    )?;
    for (col, width) in [28, 36, 20, 50, 16, 16].into_iter().enumerate() {
        sheet.set_column_width(col as u16, width)?;
    }
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
    Ok(())
}
