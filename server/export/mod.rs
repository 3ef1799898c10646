//! Exports: the session's shareable [`Outcome`] (and a participant's own [`PersonalPlan`]) as
//! Markdown, printable HTML, Word, CSV or JSON. Pure functions from data to bytes, except that
//! [`session`] and [`personal`] read the clock for the Word file's created and modified time
//! ([`session_at`] and [`personal_at`] take it).
//!
//! Every export is written in the outcome's language. `document` decides what an export says
//! (headings, notes, tables, pictures) once; `markdown`, `html` and `docx` only lay that out.
//! - `text` — the exports' own words in Danish and English, numbers and dates.
//! - `document` — outcome or personal plan → a format-free document.
//! - `charts` — the pictures as SVG: distributions, the prioritisation grid, the stakeholder map.
//! - `markdown`, `html`, `docx` — a document as a file.
//! - `raster` — SVG → PNG with the built-in font, for Word; text widths for its tables.
//! - `word_package` — what docx-rs does not write: repeated header rows, core properties,
//!   the default language, Calibri's fallback.
//! - `csv` — the action plan rows.
//! - `xlsx` — the action plan, the tables of results and the shared items as a spreadsheet.
//! - `xml` — escaping for XML, SVG and HTML (the printed programmes use it too).
//! - `follow` — issue 17's sections: a review's statuses, a question's trend, an evaluation's
//!   figures (their words and tables).

mod charts;
mod csv;
mod document;
mod docx;
mod follow;
mod html;
mod markdown;
mod raster;
pub(crate) mod text;
mod word_package;
mod xlsx;
pub(crate) mod xml;

#[cfg(test)]
mod tests;

use crate::outcome::{Outcome, PersonalPlan, SeriesOutcome};

/// A file format an export can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Markdown with SVG pictures inline.
    Markdown,
    /// A printable HTML page (A4 print CSS) with SVG pictures.
    Html,
    /// Word (`.docx`) with the pictures as images.
    Docx,
    /// The action plan rows as CSV.
    Csv,
    /// Everything shareable, as JSON.
    Json,
    /// A spreadsheet: the action plan (dates as dates), the results, the shared items.
    Xlsx,
}

impl Format {
    /// Parses `md`, `html`, `docx`, `csv`, `json` or `xlsx`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "md" => Some(Format::Markdown),
            "html" => Some(Format::Html),
            "docx" => Some(Format::Docx),
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    /// The MIME type of files in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Docx => "docx",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Xlsx => "xlsx",
        }
    }
}

/// A rendered export.
#[derive(Debug)]
pub struct Rendered {
    /// MIME type.
    pub content_type: &'static str,
    /// File extension without the dot.
    pub extension: &'static str,
    /// The file.
    pub bytes: Vec<u8>,
}

impl Rendered {
    fn new(format: Format, bytes: Vec<u8>) -> Rendered {
        Rendered {
            content_type: format.content_type(),
            extension: format.extension(),
            bytes,
        }
    }
}

/// Renders a session's outcome now.
pub fn session(outcome: &Outcome, format: Format) -> anyhow::Result<Rendered> {
    session_at(outcome, format, crate::clock::now_ms())
}

/// Renders a session's outcome as made at `made_ms` (milliseconds since the Unix epoch).
pub fn session_at(outcome: &Outcome, format: Format, made_ms: i64) -> anyhow::Result<Rendered> {
    let bytes = match format {
        Format::Markdown => markdown::render(&document::session(outcome)).into_bytes(),
        Format::Html => html::render(&document::session(outcome)).into_bytes(),
        Format::Docx => docx::render(&document::session(outcome), made_ms)?,
        Format::Csv => csv::plan(outcome)?,
        Format::Json => serde_json::to_vec_pretty(outcome)?,
        Format::Xlsx => xlsx::render(outcome)?,
    };
    Ok(Rendered::new(format, bytes))
}

/// Renders a series' report: a title part, each meeting as a chapter, one action plan with
/// a meeting column (JSON: one entry per meeting and the plan; CSV: the plan).
pub fn series(series: &SeriesOutcome, format: Format) -> anyhow::Result<Rendered> {
    let bytes = match format {
        Format::Markdown => markdown::render(&document::series(series)).into_bytes(),
        Format::Html => html::render(&document::series(series)).into_bytes(),
        Format::Docx => docx::render(&document::series(series), crate::clock::now_ms())?,
        Format::Csv => csv::series_plan(series)?,
        Format::Json => serde_json::to_vec_pretty(series)?,
        Format::Xlsx => xlsx::render_series(series)?,
    };
    Ok(Rendered::new(format, bytes))
}

/// Renders a participant's personal plan now (HTML or Word only).
pub fn personal(plan: &PersonalPlan, format: Format) -> anyhow::Result<Rendered> {
    personal_at(plan, format, crate::clock::now_ms())
}

/// Renders a participant's personal plan as made at `made_ms` (HTML or Word only).
pub fn personal_at(plan: &PersonalPlan, format: Format, made_ms: i64) -> anyhow::Result<Rendered> {
    let bytes = match format {
        Format::Html => html::render(&document::personal(plan)).into_bytes(),
        Format::Docx => docx::render(&document::personal(plan), made_ms)?,
        Format::Markdown | Format::Csv | Format::Json | Format::Xlsx => {
            anyhow::bail!("a personal plan is exported as HTML or Word only")
        }
    };
    Ok(Rendered::new(format, bytes))
}
