//! A document as one printable HTML page: UTF-8, an inline style sheet laid out for A4, the
//! pictures as inline SVG, every text escaped, no scripts and nothing fetched from elsewhere.
//! The markup is also well-formed XML, so tests can read it back with an XML parser.

use std::fmt::Write;

use super::document::{Block, Document, Item, Kind, Table, anchor};
use super::xml::escape;

/// The style sheet: readable on screen, A4 on paper, pictures and table rows kept whole.
const STYLE: &str = r#"
:root { --ink: #1f2933; --muted: #4a5562; --rule: #c8d0d8; --head: #eef1f4; --accent: #1a4a80; }
* { box-sizing: border-box; }
html { color: var(--ink); background: #ffffff; }
body { margin: 0 auto; max-width: 190mm; padding: 14mm 10mm; font-family: "Segoe UI", Calibri, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif; font-size: 11pt; line-height: 1.45; }
h1 { font-size: 21pt; line-height: 1.2; margin: 0 0 6pt; color: var(--accent); }
h2 { font-size: 15pt; line-height: 1.25; margin: 20pt 0 6pt; padding-bottom: 3pt; border-bottom: 1.5pt solid var(--accent); color: var(--accent); }
h3 { font-size: 12pt; line-height: 1.3; margin: 12pt 0 4pt; }
h4 { font-size: 11pt; margin: 8pt 0 2pt; color: var(--muted); }
h5 { font-size: 10pt; margin: 6pt 0 2pt; color: var(--muted); }
h6 { font-size: 10pt; margin: 6pt 0 2pt; color: var(--muted); font-weight: normal; font-style: italic; }
h1, h2, h3, h4, h5, h6 { break-after: avoid; page-break-after: avoid; break-inside: avoid; page-break-inside: avoid; }
h2.chapter { break-before: page; page-break-before: always; margin-top: 0; }
p, li, td, th, dd { white-space: pre-line; overflow-wrap: break-word; }
p { margin: 0 0 6pt; }
p.note { color: var(--muted); font-style: italic; }
dl.facts { display: flex; flex-wrap: wrap; gap: 2pt 20pt; margin: 0 0 8pt; }
dl.facts div { display: flex; gap: 5pt; }
dl.facts dt { font-weight: bold; }
dl.facts dt::after { content: ":"; }
dl.facts dd { margin: 0; }
ul { margin: 0 0 8pt; padding-left: 16pt; }
li { margin: 0 0 3pt; break-inside: avoid; page-break-inside: avoid; }
.by { color: var(--muted); font-style: italic; white-space: nowrap; }
figure { margin: 6pt 0 8pt; break-inside: avoid; page-break-inside: avoid; }
figure svg { display: block; width: auto; height: auto; max-width: 100%; }
table { width: 100%; border-collapse: collapse; font-size: 9.5pt; line-height: 1.35; margin: 4pt 0 12pt; }
th, td { border: 0.75pt solid var(--rule); padding: 3pt 5pt; text-align: left; vertical-align: top; }
thead { display: table-header-group; }
thead th { background: var(--head); }
td.num, th.num { text-align: right; white-space: nowrap; }
tr { break-inside: avoid; page-break-inside: avoid; }
@page { size: A4; margin: 18mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  figure svg { max-height: 240mm; }
  h2 { margin-top: 14pt; }
}
"#;

/// The whole page.
pub(crate) fn render(document: &Document) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"/>
<title>{title}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<h1>{title}</h1>
"#,
        lang = document.text.lang,
        title = escape(&document.title),
    );
    for block in &document.blocks {
        write_block(&mut out, block);
        out.push('\n');
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn write_block(out: &mut String, block: &Block) {
    match block {
        Block::Heading(level, text) => {
            let level = (*level).clamp(2, 6);
            let _ = write!(out, "<h{level}>{}</h{level}>", escape(text));
        }
        Block::Chapter(text) => {
            let _ = write!(
                out,
                r#"<h2 class="chapter" id="{}">{}</h2>"#,
                escape(&anchor(text)),
                escape(text)
            );
        }
        Block::Facts(facts) => {
            out.push_str(r#"<dl class="facts">"#);
            for (label, value) in facts {
                let _ = write!(
                    out,
                    "<div><dt>{}</dt><dd>{}</dd></div>",
                    escape(label),
                    escape(value)
                );
            }
            out.push_str("</dl>");
        }
        Block::Paragraph(text) => {
            let _ = write!(out, "<p>{}</p>", escape(text));
        }
        Block::Lead(lead, text) => {
            let _ = write!(
                out,
                "<p><strong>{}</strong> {}</p>",
                escape(lead),
                escape(text)
            );
        }
        Block::Note(text) => {
            let _ = write!(out, r#"<p class="note">{}</p>"#, escape(text));
        }
        Block::List(items) => write_list(out, items),
        Block::Contents(lines) => {
            out.push_str(r#"<ul class="contents">"#);
            for (line, chapter) in lines {
                let _ = write!(
                    out,
                    r##"<li><a href="#{}">{}</a></li>"##,
                    escape(&anchor(chapter)),
                    escape(line)
                );
            }
            out.push_str("</ul>");
        }
        Block::Table(table) => write_table(out, table),
        Block::Figure(chart) => {
            let _ = write!(out, "<figure>{}</figure>", chart.svg);
        }
    }
}

fn write_list(out: &mut String, items: &[Item]) {
    out.push_str("<ul>");
    for item in items {
        let _ = write!(out, "<li>{}", escape(&item.text));
        if let Some(by) = &item.by {
            let _ = write!(out, r#" <span class="by">– {}</span>"#, escape(by));
        }
        out.push_str("</li>");
    }
    out.push_str("</ul>");
}

fn write_table(out: &mut String, table: &Table) {
    let total: u32 = table.widths.iter().sum::<u32>().max(1);
    out.push_str("<table><colgroup>");
    for width in &table.widths {
        let _ = write!(
            out,
            r#"<col style="width: {:.1}%"/>"#,
            f64::from(*width) * 100.0 / f64::from(total)
        );
    }
    out.push_str("</colgroup><thead><tr>");
    for (i, heading) in table.header.iter().enumerate() {
        let class = if kind(table, i) == Kind::Number {
            r#" class="num""#
        } else {
            ""
        };
        let _ = write!(out, r#"<th scope="col"{class}>{}</th>"#, escape(heading));
    }
    out.push_str("</tr></thead><tbody>");
    for row in &table.rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let class = match kind(table, i) {
                Kind::Number => r#" class="num""#,
                Kind::Text => "",
            };
            let _ = write!(out, "<td{class}>{}</td>", escape(cell));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

fn kind(table: &Table, column: usize) -> Kind {
    table.kinds.get(column).copied().unwrap_or(Kind::Text)
}
