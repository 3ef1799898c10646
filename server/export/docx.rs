//! A document as Word (`.docx`): A4, Word's own Title and Heading styles (so the navigation
//! pane and a table of contents work), bulleted lists, tables with a shaded header row whose
//! rows do not split across pages, and the pictures as PNG rendered at twice their size.

use std::fmt::Write;

use docx_rs::{
    AbstractNumbering, AlignmentType, BreakType, Docx, IndentLevel, Level, LevelJc, LevelText,
    LineSpacing, NumberFormat, NumberingId, PageMargin, Paragraph, Pic, Run, RunFonts, Shading,
    SpecialIndentType, Start, Style, StyleType, Table as WordTable, TableCell, TableCellMargins,
    TableLayoutType, TableRow, WidthType,
};

use super::document::{Block, Document, Item, Kind, Table};
use super::raster;
use super::xml::{clean, escape};

// Sizes: Word measures in twentieths of a point (twips), font sizes in half points, pictures in
// English Metric Units.
const A4_WIDTH: u32 = 11_906;
const A4_HEIGHT: u32 = 16_838;
/// 18 mm.
const MARGIN: i32 = 1_020;
/// The width between the margins.
const TEXT_WIDTH: u32 = A4_WIDTH - 2 * MARGIN as u32;
const EMU_PER_TWIP: u64 = 635;
/// The tallest a picture may be: the page between the margins, less room for a heading.
const MAX_PICTURE_HEIGHT: u32 = A4_HEIGHT - 2 * MARGIN as u32 - 1_400;
/// Pictures are rendered at this many pixels per CSS pixel.
const SCALE: f32 = 2.0;

const ACCENT: &str = "1A4A80";
const MUTED: &str = "4A5562";
const HEADER_FILL: &str = "EEF1F4";
const FONT: &str = "Calibri";

/// The bullet list's numbering id (docx-rs writes a default numbering with id 1).
const BULLETS: usize = 2;

/// The `.docx` file.
pub(crate) fn render(document: &Document) -> anyhow::Result<Vec<u8>> {
    let mut docx = Docx::new()
        .page_size(A4_WIDTH, A4_HEIGHT)
        .page_margin(
            PageMargin::new()
                .top(MARGIN)
                .bottom(MARGIN)
                .left(MARGIN)
                .right(MARGIN)
                .header(600)
                .footer(600),
        )
        .default_fonts(
            RunFonts::new()
                .ascii(FONT)
                .hi_ansi(FONT)
                .cs(FONT)
                .east_asia(FONT),
        )
        .default_size(22)
        .add_abstract_numbering(
            AbstractNumbering::new(BULLETS).add_level(
                Level::new(
                    0,
                    Start::new(1),
                    NumberFormat::new("bullet"),
                    LevelText::new("•"),
                    LevelJc::new("left"),
                )
                .indent(
                    Some(540),
                    Some(SpecialIndentType::Hanging(270)),
                    None,
                    None,
                ),
            ),
        )
        .add_numbering(docx_rs::Numbering::new(BULLETS, BULLETS));
    for style in styles() {
        docx = docx.add_style(style);
    }

    docx = docx.add_paragraph(
        Paragraph::new()
            .style("Title")
            .add_run(Run::new().add_text(clean(&document.title))),
    );
    let mut pictures = 0;
    let mut alts = Vec::new();
    for block in &document.blocks {
        docx = match block {
            Block::Heading(level, text) => {
                let style = match level {
                    0..=2 => "Heading1",
                    3 => "Heading2",
                    4 => "Heading3",
                    _ => "Heading4",
                };
                docx.add_paragraph(Paragraph::new().style(style).add_run(text_run(text)))
            }
            Block::Facts(facts) => {
                let mut paragraph = Paragraph::new().style("Facts");
                for (i, (label, value)) in facts.iter().enumerate() {
                    let mut run = Run::new().bold().add_text(format!("{}: ", clean(label)));
                    if i > 0 {
                        run = Run::new()
                            .add_break(BreakType::TextWrapping)
                            .bold()
                            .add_text(format!("{}: ", clean(label)));
                    }
                    paragraph = paragraph.add_run(run).add_run(text_run(value));
                }
                docx.add_paragraph(paragraph)
            }
            Block::Paragraph(text) => docx.add_paragraph(Paragraph::new().add_run(text_run(text))),
            Block::Lead(lead, text) => docx.add_paragraph(
                Paragraph::new()
                    .add_run(Run::new().bold().add_text(format!("{} ", clean(lead))))
                    .add_run(text_run(text)),
            ),
            Block::Note(text) => {
                docx.add_paragraph(Paragraph::new().style("Note").add_run(text_run(text)))
            }
            Block::List(items) => {
                for item in items {
                    docx = docx.add_paragraph(list_item(item));
                }
                docx
            }
            Block::Table(table) => docx
                .add_table(word_table(table))
                .add_paragraph(Paragraph::new().style("AfterTable")),
            Block::Figure(chart) => {
                pictures += 1;
                alts.push(chart.alt.clone());
                let png = raster::png(&chart.svg, SCALE)?;
                // As wide as the text, unless that makes it taller than a page.
                let mut width = u64::from(TEXT_WIDTH) * EMU_PER_TWIP;
                let mut height = width * u64::from(png.height) / u64::from(png.width.max(1));
                let max_height = u64::from(MAX_PICTURE_HEIGHT) * EMU_PER_TWIP;
                if height > max_height {
                    width = width * max_height / height;
                    height = max_height;
                }
                let pic = Pic::new_with_dimensions(png.bytes, png.width, png.height)
                    .id(format!("rIdImage{pictures}"))
                    .size(
                        u32::try_from(width).unwrap_or(u32::MAX),
                        u32::try_from(height).unwrap_or(u32::MAX),
                    );
                docx.add_paragraph(
                    Paragraph::new()
                        .style("Figure")
                        .add_run(Run::new().add_image(pic)),
                )
            }
        };
    }

    let mut xml = docx.build();
    xml.document = describe_pictures(&xml.document, &alts);
    let mut bytes = std::io::Cursor::new(Vec::new());
    xml.pack(&mut bytes)?;
    Ok(bytes.into_inner())
}

/// `document` (the body's XML) with each picture given its own id and its text alternative,
/// which Word shows as the picture's alt text: docx-rs writes every picture as
/// `<wp:docPr id="1" name="Figure" />`, and Word may call a file with repeated ids damaged.
fn describe_pictures(document: &[u8], alts: &[String]) -> Vec<u8> {
    const WRITTEN: &str = r#"<wp:docPr id="1" name="Figure" />"#;
    let xml = String::from_utf8_lossy(document);
    let mut out = String::with_capacity(xml.len() + alts.iter().map(String::len).sum::<usize>());
    let mut rest: &str = &xml;
    let mut number = 0;
    while let Some(at) = rest.find(WRITTEN) {
        out.push_str(&rest[..at]);
        let alt = alts.get(number).map(String::as_str).unwrap_or_default();
        number += 1;
        let alt = alt.split_whitespace().collect::<Vec<_>>().join(" ");
        let _ = write!(
            out,
            r#"<wp:docPr id="{number}" name="Figur {number}" descr="{}" />"#,
            escape(&alt)
        );
        rest = &rest[at + WRITTEN.len()..];
    }
    out.push_str(rest);
    out.into_bytes()
}

/// Title, headings and the few paragraph styles of our own.
fn styles() -> Vec<Style> {
    let spacing = |before: u32, after: u32| LineSpacing::new().before(before).after(after);
    let heading = |id: &str, name: &str, level: usize, size: usize, colour: &str| {
        let mut style = Style::new(id, StyleType::Paragraph)
            .name(name)
            .based_on("Normal")
            .next("Normal")
            .q_format(true)
            .ui_priority(9)
            .bold()
            .size(size)
            .color(colour)
            .outline_lvl(level)
            .line_spacing(spacing(if level == 0 { 360 } else { 220 }, 100));
        style.paragraph_property = style.paragraph_property.keep_next(true).keep_lines(true);
        style
    };
    let mut figure = Style::new("Figure", StyleType::Paragraph)
        .name("Figure")
        .based_on("Normal")
        .line_spacing(spacing(60, 120));
    figure.paragraph_property = figure.paragraph_property.keep_lines(true);
    vec![
        Style::new("Normal", StyleType::Paragraph)
            .name("Normal")
            .line_spacing(
                spacing(0, 120)
                    .line(264)
                    .line_rule(docx_rs::LineSpacingType::Auto),
            ),
        Style::new("Title", StyleType::Paragraph)
            .name("Title")
            .based_on("Normal")
            .next("Normal")
            .q_format(true)
            .bold()
            .size(42)
            .color(ACCENT)
            .line_spacing(spacing(0, 120)),
        heading("Heading1", "heading 1", 0, 30, ACCENT),
        heading("Heading2", "heading 2", 1, 24, "1F2933"),
        heading("Heading3", "heading 3", 2, 22, MUTED),
        heading("Heading4", "heading 4", 3, 20, MUTED),
        Style::new("Facts", StyleType::Paragraph)
            .name("Facts")
            .based_on("Normal")
            .line_spacing(spacing(0, 160)),
        Style::new("Note", StyleType::Paragraph)
            .name("Note")
            .based_on("Normal")
            .italic()
            .color(MUTED),
        figure,
        Style::new("TableText", StyleType::Paragraph)
            .name("Table Text")
            .based_on("Normal")
            .size(18)
            .line_spacing(spacing(0, 0)),
        Style::new("AfterTable", StyleType::Paragraph)
            .name("After Table")
            .based_on("Normal")
            .size(12)
            .line_spacing(spacing(0, 120)),
    ]
}

/// A run of participant text; its line breaks are kept.
fn text_run(text: &str) -> Run {
    let text = clean(text);
    let mut run = Run::new();
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        run = run.add_text(line);
    }
    run
}

fn list_item(item: &Item) -> Paragraph {
    let mut paragraph = Paragraph::new()
        .numbering(NumberingId::new(BULLETS), IndentLevel::new(0))
        .line_spacing(LineSpacing::new().before(0).after(60))
        .add_run(text_run(&item.text));
    if let Some(by) = &item.by {
        paragraph = paragraph.add_run(
            Run::new()
                .italic()
                .color(MUTED)
                .add_text(format!(" – {}", clean(by))),
        );
    }
    paragraph
}

fn word_table(table: &Table) -> WordTable {
    let total: u32 = table.widths.iter().sum::<u32>().max(1);
    let widths: Vec<usize> = table
        .widths
        .iter()
        .map(|w| (u64::from(TEXT_WIDTH) * u64::from(*w) / u64::from(total)) as usize)
        .collect();
    let cell = |text: &str, column: usize, header: bool| {
        let align = if table.kinds.get(column) == Some(&Kind::Number) {
            AlignmentType::Right
        } else {
            AlignmentType::Left
        };
        let run = if header {
            text_run(text).bold()
        } else {
            text_run(text)
        };
        // The header row keeps with the first row, so it never ends a page alone.
        let mut cell = TableCell::new()
            .width(widths.get(column).copied().unwrap_or(0), WidthType::Dxa)
            .add_paragraph(
                Paragraph::new()
                    .style("TableText")
                    .align(align)
                    .keep_next(header)
                    .add_run(run),
            );
        if header {
            cell = cell.shading(Shading::new().fill(HEADER_FILL));
        }
        cell
    };
    let mut rows = vec![
        TableRow::new(
            table
                .header
                .iter()
                .enumerate()
                .map(|(i, h)| cell(h, i, true))
                .collect(),
        )
        .cant_split(),
    ];
    for row in &table.rows {
        rows.push(
            TableRow::new(
                row.iter()
                    .enumerate()
                    .map(|(i, c)| cell(c, i, false))
                    .collect(),
            )
            .cant_split(),
        );
    }
    WordTable::new(rows)
        .set_grid(widths.clone())
        .width(TEXT_WIDTH as usize, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .margins(TableCellMargins::new().margin(50, 90, 50, 90))
}
