//! The action plan as CSV: a header row in the export's language, then the accepted rows.
//! RFC 4180 (commas, quotes where needed, CRLF), UTF-8 with a byte-order mark so Excel reads
//! Danish letters right, and cells that a spreadsheet would run as a formula defused.

use super::document::{plan_cells, plan_header};
use super::text::Words;
use super::xml::clean;
use crate::outcome::{Outcome, SeriesOutcome};

/// The byte-order mark that tells Excel the file is UTF-8.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The CSV file.
pub(crate) fn plan(outcome: &Outcome) -> anyhow::Result<Vec<u8>> {
    let t = Words::for_lang(&outcome.lang);
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(BOM.to_vec());
    // The hall's plan of a session with tables: the table each row came from, last.
    let with_table = outcome.action_plan.iter().any(|row| row.table.is_some());
    let mut header = plan_header(t);
    if with_table {
        header.push(t.table.to_owned());
    }
    writer.write_record(header)?;
    for row in &outcome.action_plan {
        let mut cells: Vec<String> = plan_cells(row).iter().map(|cell| defuse(cell)).collect();
        if with_table {
            cells.push(row.table.map(|n| n.to_string()).unwrap_or_default());
        }
        writer.write_record(cells)?;
    }
    Ok(writer.into_inner()?)
}

/// A series' action plan: the meeting's number first, then the row.
pub(crate) fn series_plan(series: &SeriesOutcome) -> anyhow::Result<Vec<u8>> {
    let t = Words::for_lang(&series.lang);
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(BOM.to_vec());
    let mut header = vec![t.meeting.to_owned()];
    header.extend(plan_header(t));
    writer.write_record(header)?;
    for row in &series.action_plan {
        let mut cells = vec![row.meeting.to_string()];
        cells.extend(plan_cells(&row.row).iter().map(|cell| defuse(cell)));
        writer.write_record(cells)?;
    }
    Ok(writer.into_inner()?)
}

/// `cell` with a leading `'` when a spreadsheet would read it as a formula (it starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return), so it shows as the text it is.
fn defuse(cell: &str) -> String {
    let cell = clean(cell);
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_plain_text_left_alone() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("+45 12 34"), "'+45 12 34");
        assert_eq!(defuse("-1"), "'-1");
        assert_eq!(defuse("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defuse("\t=1"), "'\t=1");
        assert_eq!(defuse("2025-04-01"), "2025-04-01");
        assert_eq!(defuse("Møde = aftale"), "Møde = aftale");
    }
}
