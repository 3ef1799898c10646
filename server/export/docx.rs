//! A document as Word (`.docx`): A4, Word's own Title and Heading styles (so the navigation
//! pane and a table of contents work), bulleted lists, tables with a shaded header row that
//! repeats on every page and rows that do not split across pages, columns wide enough for
//! their longest word, the pictures as PNG rendered at twice their size, and the core
//! properties a records system shows (see `word_package`).

use std::fmt::Write;

use docx_rs::{
    AbstractNumbering, AlignmentType, BreakType, Docx, IndentLevel, Level, LevelJc, LevelText,
    LineSpacing, NumberFormat, NumberingId, PageMargin, Paragraph, Pic, Run, RunFonts, Shading,
    SpecialIndentType, Start, Style, StyleType, Table as WordTable, TableCell, TableCellMargins,
    TableLayoutType, TableRow, WidthType,
};

use super::document::{Block, Document, Item, Kind, Table};
use super::raster;
use super::word_package::{self, Properties};
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

/// Table text: 9 pt (the `TableText` style), in half points.
const TABLE_TEXT_SIZE: usize = 18;
/// A table cell's left and right margin.
const CELL_MARGIN: u32 = 72;

/// The `.docx` file, made at `made_ms` (its created and modified time).
pub(crate) fn render(document: &Document, made_ms: i64) -> anyhow::Result<Vec<u8>> {
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
            Block::Chapter(text) => docx.add_paragraph(
                Paragraph::new()
                    .style("Heading1")
                    .page_break_before(true)
                    .add_run(text_run(text)),
            ),
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
            Block::Contents(lines) => {
                for (line, _) in lines {
                    let item = Item {
                        text: line.clone(),
                        by: None,
                    };
                    docx = docx.add_paragraph(list_item(&item));
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
    xml.document = word_package::repeat_header_rows(&describe_pictures(&xml.document, &alts));
    let language = word_package::language_tag(document.text.lang);
    xml.styles = word_package::with_language(&xml.styles, language);
    xml.font_table =
        word_package::with_embedded_carlito(&word_package::with_calibri(&xml.font_table));
    xml.settings = word_package::embedding_fonts(&xml.settings);
    xml.content_type = word_package::with_font_type(&xml.content_type);
    xml.doc_props.core = word_package::core_properties(&Properties {
        title: &one_line(&clean(&document.title)),
        subject: &subject(document),
        language,
        made_ms,
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    xml.pack(&mut bytes)?;
    word_package::add_fonts(bytes.into_inner())
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

/// The document's facts on one line ("Dato: 12. januar 2027 · Kode: ENWEJS5 · Deltagere: 5"),
/// its subject in a records system.
fn subject(document: &Document) -> String {
    let facts: Vec<String> = document
        .blocks
        .iter()
        .find_map(|block| match block {
            Block::Facts(facts) => Some(facts),
            _ => None,
        })
        .into_iter()
        .flatten()
        .map(|(label, value)| format!("{}: {}", one_line(label), one_line(value)))
        .collect();
    clean(&facts.join(" · "))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
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
            .size(TABLE_TEXT_SIZE)
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

/// The narrowest a column may be, in twips: its longest word (bold in the header; words
/// joined by a no-break space count as one), or for numbers, which never wrap, its longest
/// line — measured in
/// the widest font the file may be shown in (`raster::text_width`), plus the cell's margins.
fn least_widths(table: &Table) -> Vec<u32> {
    let size = TABLE_TEXT_SIZE as f32 / 2.0;
    let twips = |text: &str, bold: bool| (raster::text_width(text, size, bold) * 20.0).ceil();
    (0..table.header.len())
        .map(|column| {
            let whole = table.kinds.get(column) != Some(&Kind::Text);
            let header = table.header[column]
                .split_whitespace()
                .map(|word| twips(word, true));
            let cells = table
                .rows
                .iter()
                .filter_map(|row| row.get(column))
                .flat_map(|cell| {
                    // A no-break space joins its neighbours into one piece ("15. september").
                    let pieces: Vec<&str> = if whole {
                        cell.lines().map(str::trim).collect()
                    } else {
                        cell.split(|c: char| c.is_whitespace() && c != '\u{a0}')
                            .filter(|piece| !piece.is_empty())
                            .collect()
                    };
                    pieces.into_iter().map(|piece| twips(piece, false))
                });
            let widest = header.chain(cells).fold(0.0_f32, f32::max);
            // 1 % and a point for rounding in the layout engines.
            (widest * 1.01) as u32 + 2 * CELL_MARGIN + 20
        })
        .collect()
}

/// Column widths in twips that fill the text width: the table's relative widths where they
/// leave every column at least its [`least_widths`], else the columns with room to spare give
/// it up, in proportion to what they spare. When even the least widths do not fit (a word
/// longer than the page is wide), they are scaled down alike.
fn column_widths(table: &Table) -> Vec<usize> {
    let least = least_widths(table);
    let total_share: u32 = table.widths.iter().sum::<u32>().max(1);
    let share = |column: usize| {
        let relative = table.widths.get(column).copied().unwrap_or(0);
        (u64::from(TEXT_WIDTH) * u64::from(relative) / u64::from(total_share)) as u32
    };
    let needed: u64 = least.iter().map(|&w| u64::from(w)).sum();
    let mut widths: Vec<u32> = if needed >= u64::from(TEXT_WIDTH) {
        least
            .iter()
            .map(|&w| (u64::from(w) * u64::from(TEXT_WIDTH) / needed.max(1)) as u32)
            .collect()
    } else {
        let wanted: Vec<u32> = least
            .iter()
            .enumerate()
            .map(|(column, &w)| share(column).max(w))
            .collect();
        let excess = wanted.iter().sum::<u32>().saturating_sub(TEXT_WIDTH);
        let spare: Vec<u32> = wanted.iter().zip(&least).map(|(w, l)| w - l).collect();
        let total_spare = u64::from(spare.iter().sum::<u32>().max(1));
        wanted
            .iter()
            .zip(&spare)
            .map(|(&w, &s)| w - (u64::from(excess) * u64::from(s)).div_ceil(total_spare) as u32)
            .collect()
    };
    // What rounding left over goes to the widest column.
    let left = TEXT_WIDTH.saturating_sub(widths.iter().sum());
    if let Some(widest) = widths.iter_mut().max() {
        *widest += left;
    }
    widths.into_iter().map(|w| w as usize).collect()
}

fn word_table(table: &Table) -> WordTable {
    let widths = column_widths(table);
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
        .margins(TableCellMargins::new().margin(50, CELL_MARGIN as usize, 50, CELL_MARGIN as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_hold_their_longest_word_and_fill_the_text_width() {
        let cells = |cells: [&str; 7]| cells.map(str::to_owned).to_vec();
        let table = Table {
            header: cells([
                "Område",
                "Handling",
                "Første skridt",
                "Ansvarlig",
                "Frist",
                "Opfølgning",
                "Svarer på",
            ]),
            widths: vec![14, 19, 19, 12, 11, 13, 12],
            kinds: vec![
                Kind::Text,
                Kind::Text,
                Kind::Text,
                Kind::Text,
                Kind::Text,
                Kind::Text,
                Kind::Text,
            ],
            rows: vec![cells([
                "Organisationen",
                "Forventningsafstemning om møderytmen",
                "Kalenderinvitation til Økonomiafdelingen",
                "Økonomiafdelingen",
                "2027-01-15",
                "2027-03-01",
                "Forventninger",
            ])],
        };
        let least = least_widths(&table);
        let widths = column_widths(&table);
        assert_eq!(widths.iter().sum::<usize>(), TEXT_WIDTH as usize);
        for (column, (width, at_least)) in widths.iter().zip(&least).enumerate() {
            assert!(
                *width >= *at_least as usize,
                "column {column}: {widths:?}, at least {least:?}"
            );
        }
        // "Økonomiafdelingen" does not fit the owner column's 12 % share: it is widened.
        assert!(least[3] > TEXT_WIDTH * 12 / 100, "{least:?}");
        // An ISO date is one word, never broken; an ordinary word is wider in bold.
        let size = TABLE_TEXT_SIZE as f32 / 2.0;
        assert!(least[4] as f32 > raster::text_width("2027-01-15", size, false) * 20.0);
        assert!(raster::text_width("Frist", size, true) > raster::text_width("Frist", size, false));
    }
}
