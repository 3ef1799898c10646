//! Exports: the session's shareable [`Outcome`] (and a participant's own [`PersonalPlan`]) as
//! Markdown, printable HTML, Word, CSV or JSON. Pure functions from data to bytes.

use crate::outcome::{Outcome, PersonalPlan};

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
}

impl Format {
    /// Parses `md`, `html`, `docx`, `csv` or `json`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "md" => Some(Format::Markdown),
            "html" => Some(Format::Html),
            "docx" => Some(Format::Docx),
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
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

/// Renders a session's outcome.
pub fn session(outcome: &Outcome, format: Format) -> anyhow::Result<Rendered> {
    let _ = (outcome, format);
    anyhow::bail!("exports are not written yet")
}

/// Renders a participant's personal plan (HTML or Word only).
pub fn personal(plan: &PersonalPlan, format: Format) -> anyhow::Result<Rendered> {
    let _ = (plan, format);
    anyhow::bail!("exports are not written yet")
}
