//! A document as Markdown (CommonMark with GitHub-style tables). No pictures (the HTML and
//! Word files carry them): each is its caption, which says in words what it shows, and its
//! numbers as a table — its own where the document has none beside it (a distribution: answers
//! per value), the grid's and the map's tables that follow them. All text is escaped so it
//! stays text.

use std::fmt::Write;

use super::document::{Block, Document, Item, Kind, Table, anchor};
use super::xml::clean;

/// The whole file.
pub(crate) fn render(document: &Document) -> String {
    let mut out = format!("# {}\n", inline(&document.title));
    for block in &document.blocks {
        out.push('\n');
        write_block(&mut out, block);
    }
    out
}

fn write_block(out: &mut String, block: &Block) {
    match block {
        Block::Heading(level, text) => {
            let hashes = "#".repeat(usize::from((*level).clamp(2, 6)));
            let _ = writeln!(out, "{hashes} {}", inline(text));
        }
        Block::Chapter(text) => {
            let _ = writeln!(out, "## {}", inline(text));
        }
        Block::Facts(facts) => {
            let lines: Vec<String> = facts
                .iter()
                .map(|(label, value)| format!("**{}:** {}", inline(label), inline(value)))
                .collect();
            let _ = writeln!(out, "{}", lines.join("\\\n"));
        }
        Block::Paragraph(text) => {
            let _ = writeln!(out, "{}", paragraph(text, ""));
        }
        Block::Lead(lead, text) => {
            let _ = writeln!(out, "**{}** {}", inline(lead), paragraph(text, ""));
        }
        Block::Note(text) => {
            let _ = writeln!(out, "*{}*", inline(text));
        }
        Block::List(items) => write_list(out, items),
        Block::Contents(lines) => {
            for (line, chapter) in lines {
                let _ = writeln!(out, "- [{}](#{})", inline(line), anchor(chapter));
            }
        }
        Block::Table(table) => write_table(out, table),
        Block::Figure(chart) => {
            // What the picture is; its numbers are in the table after it.
            let _ = writeln!(out, "*{}*", inline(&chart.caption));
            if let Some(table) = &chart.data {
                out.push('\n');
                write_table(out, table);
            }
        }
    }
}

fn write_list(out: &mut String, items: &[Item]) {
    for item in items {
        let _ = write!(out, "- {}", paragraph(&item.text, "  "));
        if let Some(by) = &item.by {
            let _ = write!(out, " — *{}*", inline(by));
        }
        out.push('\n');
    }
}

fn write_table(out: &mut String, table: &Table) {
    let header: Vec<String> = table.header.iter().map(|h| cell(h)).collect();
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let rule: Vec<&str> = (0..table.header.len())
        .map(|i| {
            if table.kinds.get(i) == Some(&Kind::Number) {
                "--:"
            } else {
                "---"
            }
        })
        .collect();
    let _ = writeln!(out, "| {} |", rule.join(" | "));
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
}

/// `text` on one line, whitespace runs collapsed.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text that must stay on one line and does not start a line (headings, notes, labels),
/// escaped.
fn inline(text: &str) -> String {
    escape_md(&one_line(text), false)
}

/// A table cell: escaped, with `|` escaped and line breaks as `<br>`.
fn cell(text: &str) -> String {
    let lines: Vec<String> = clean(text)
        .lines()
        .map(|line| escape_md(line.trim(), false))
        .filter(|line| !line.is_empty())
        .collect();
    lines.join("<br>")
}

/// Text whose line breaks are kept as hard breaks; continuation lines get `indent`.
fn paragraph(text: &str, indent: &str) -> String {
    let lines: Vec<String> = clean(text)
        .lines()
        .map(|line| escape_md(line.trim(), true))
        .filter(|line| !line.is_empty())
        .collect();
    lines.join(&format!("\\\n{indent}"))
}

/// One line of text escaped so Markdown shows it as written: no emphasis, links or HTML, and,
/// when it starts a line, no list, heading or quote started by its first characters.
fn escape_md(line: &str, starts_line: bool) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    if !starts_line {
        return out;
    }
    // Characters that only mean something at the start of a line.
    let first = out.chars().next();
    if matches!(first, Some('#' | '-' | '+' | '=' | '!')) {
        out.insert(0, '\\');
    } else if let Some(end) = out.find(|c: char| !c.is_ascii_digit())
        && end > 0
        && matches!(out[end..].chars().next(), Some('.' | ')'))
    {
        out.insert(end, '\\');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_syntax_in_text_is_escaped() {
        assert_eq!(escape_md("<b>*fed*</b>", false), r"\<b\>\*fed\*\</b\>");
        assert_eq!(
            escape_md("# ikke en overskrift", true),
            r"\# ikke en overskrift"
        );
        assert_eq!(escape_md("1. ikke en liste", true), r"1\. ikke en liste");
        assert_eq!(escape_md("12. marts", false), "12. marts");
        assert_eq!(escape_md("- ikke et punkt", true), r"\- ikke et punkt");
        assert_eq!(cell("a|b\nc"), r"a\|b<br>c");
    }
}
