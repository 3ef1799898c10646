//! The exports' pictures as self-contained SVG: a scale's distribution (bar chart), the
//! prioritisation grid and the stakeholder map. Each picture carries a `<title>` and a
//! `<desc>` that says in words what it shows, uses only the generic `sans-serif` font, and
//! marks things by shape and label as well as by colour. Output depends only on the input.

use std::fmt::Write;

use super::document::{Kind, Table};
use super::text::Words;
use super::xml::escape;
use crate::outcome::{ActorResult, ScaleResult, Stat, TopicResult};

/// A finished picture.
#[derive(Clone, Debug)]
pub(crate) struct Chart {
    /// The SVG document.
    pub svg: String,
    /// A text alternative: what the picture shows, in words.
    pub alt: String,
    /// The picture's numbers as a table, where the document has no table of them beside it
    /// (Markdown shows this instead of the picture).
    pub data: Option<Table>,
}

// Colours (all text colours reach at least 4.5:1 on white and on the light backgrounds).
const INK: &str = "#1f2933";
const WHITE: &str = "#ffffff";
const MUTED: &str = "#4a5562";
const RULE: &str = "#c8d0d8";
const BLUE: &str = "#2b6cb0";
const DARK_BLUE: &str = "#1a4a80";
const STAR: &str = "#b7791f";
const CONCENTRATE_FILL: &str = "#fde4e1";
const KEEP_UP_FILL: &str = "#e2f3e6";
const LOW_PRIORITY_FILL: &str = "#eef1f4";
const OVERKILL_FILL: &str = "#fdf3d7";
const DRAINS_FILL: &str = "#fbe9e6";
const GIVES_FILL: &str = "#e4f3e8";

/// The width of every picture, in CSS pixels.
const WIDTH: f64 = 680.0;
/// Average advance of a character in em, generous so estimated text rarely overflows.
const CHAR_EM: f64 = 0.6;
/// The same for breaking running text into lines: DejaVu Sans, the widest likely font,
/// averages about 0.5 em on Danish text.
const WRAP_EM: f64 = 0.53;

/// An SVG document being written.
struct Svg {
    out: String,
}

impl Svg {
    /// Starts a picture of `width` × `height` with its title and description.
    fn new(id: &str, width: f64, height: f64, title: &str, desc: &str) -> Svg {
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="sans-serif" font-size="13" fill="{INK}">"#,
            w = px(width),
            h = px(height),
            id = escape(id),
        );
        let _ = write!(
            out,
            r#"<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc><rect width="{w}" height="{h}" fill="{WHITE}"/>"#,
            id = escape(id),
            title = escape(title),
            desc = escape(desc),
            w = px(width),
            h = px(height),
        );
        Svg { out }
    }

    /// Appends raw markup (already escaped).
    fn raw(&mut self, markup: &str) {
        self.out.push_str(markup);
    }

    /// A line.
    fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: &str, extra: &str) {
        let _ = write!(
            self.out,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}"{extra}/>"#,
            px(x1),
            px(y1),
            px(x2),
            px(y2),
        );
    }

    /// A rectangle.
    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, attrs: &str) {
        let _ = write!(
            self.out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" {attrs}/>"#,
            px(x),
            px(y),
            px(w.max(0.0)),
            px(h.max(0.0)),
        );
    }

    /// A text; `attrs` may set anchor, weight, size, colour.
    fn text(&mut self, x: f64, y: f64, content: &str, attrs: &str) {
        let _ = write!(
            self.out,
            r#"<text x="{}" y="{}" {attrs}>{}</text>"#,
            px(x),
            px(y),
            escape(content),
        );
    }

    /// Finishes the picture.
    fn finish(mut self, alt: String) -> Chart {
        self.out.push_str("</svg>");
        Chart {
            svg: self.out,
            alt,
            data: None,
        }
    }
}

/// A coordinate with at most one decimal, without a trailing `.0`.
fn px(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded == rounded.trunc() {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded:.1}")
    }
}

/// Estimated width of `text` at `size` pixels.
fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * CHAR_EM
}

/// Estimated width of bold `text` at `size` pixels.
fn bold_width(text: &str, size: f64) -> f64 {
    text_width(text, size) * 1.1
}

/// `text` cut to at most `max` characters, with an ellipsis if it was cut.
fn truncate(text: &str, max: usize) -> String {
    let text = one_line(text);
    if text.chars().count() <= max {
        return text;
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// `text` with runs of whitespace (line breaks too) as one space; no-break spaces are kept.
fn one_line(text: &str) -> String {
    text.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` broken into lines of at most `max` characters (words longer than that are split).
fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(8);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_ascii_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > max {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let rest = word.split_off(max - 1);
            lines.push(word.iter().collect::<String>() + "-");
            word = rest;
        }
        let word: String = word.into_iter().collect();
        let needed = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
        if !line.is_empty() && needed > max {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A scale's distribution: one bar per value from `min` to `max`, its count above it, the
/// value below, and what the two ends mean under the axis.
pub(crate) fn distribution(id: &str, t: &Words, scale: &ScaleResult, counts: &[u32]) -> Chart {
    let label = t.pick(&scale.label);
    let min_label = one_line(t.pick(&scale.min_label));
    let max_label = one_line(t.pick(&scale.max_label));
    let values: Vec<i32> = (0..counts.len())
        .map(|i| scale.min.saturating_add(i as i32))
        .collect();

    let mut desc = (t.bar_chart_desc)(
        scale.n,
        &describe_end(scale.min, &min_label),
        &describe_end(scale.max, &max_label),
    );
    let _ = write!(desc, " {}: ", t.count_per_value);
    let pairs: Vec<String> = values
        .iter()
        .zip(counts)
        .map(|(value, count)| format!("{value}: {count}"))
        .collect();
    desc.push_str(&pairs.join(", "));
    desc.push('.');

    let (left, right, top, plot_h) = (24.0, 24.0, 30.0, 130.0);
    let height = top + plot_h + 50.0;
    let plot_w = WIDTH - left - right;
    let slots = counts.len().max(1) as f64;
    let slot = plot_w / slots;
    let bar_w = (slot * 0.68).min(56.0);
    let highest = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let base = top + plot_h;

    let mut svg = Svg::new(id, WIDTH, height, label, &desc);
    for (i, (&value, &count)) in values.iter().zip(counts).enumerate() {
        let centre = left + slot * (i as f64 + 0.5);
        let bar_h = f64::from(count) / highest * plot_h;
        if count > 0 {
            svg.rect(
                centre - bar_w / 2.0,
                base - bar_h,
                bar_w,
                bar_h,
                &format!(r#"fill="{BLUE}""#),
            );
        }
        let count_colour = if count == 0 { MUTED } else { INK };
        svg.text(
            centre,
            base - bar_h - 7.0,
            &count.to_string(),
            &format!(r#"text-anchor="middle" font-weight="bold" fill="{count_colour}""#),
        );
        svg.text(
            centre,
            base + 18.0,
            &t.signed_if(value, scale.min < 0),
            r#"text-anchor="middle""#,
        );
    }
    svg.line(
        (left, base),
        (WIDTH - right, base),
        MUTED,
        r#" stroke-width="1.5""#,
    );

    // What the ends mean, under the first and the last value.
    let room = ((plot_w / 2.0 - 12.0) / (12.0 * CHAR_EM)) as usize;
    let first = left + slot * 0.5 - bar_w / 2.0;
    let last = left + slot * (slots - 0.5) + bar_w / 2.0;
    let end_attrs = format!(r#"font-size="12" fill="{MUTED}""#);
    svg.text(
        first.min(left + 4.0),
        base + 40.0,
        &truncate(&min_label, room),
        &end_attrs,
    );
    svg.text(
        last.max(WIDTH - right - 4.0),
        base + 40.0,
        &truncate(&max_label, room),
        &format!(r#"text-anchor="end" {end_attrs}"#),
    );
    let mut chart = svg.finish(sentences(label, &desc));
    let last = values.len().saturating_sub(1);
    chart.data = Some(Table {
        header: vec![t.col_value.to_owned(), t.col_count.to_owned()],
        widths: vec![60, 40],
        kinds: vec![Kind::Text, Kind::Number],
        rows: values
            .iter()
            .zip(counts)
            .enumerate()
            .map(|(i, (&value, count))| {
                let shown = t.signed_if(value, scale.min < 0);
                let value = match i {
                    0 if !min_label.is_empty() => format!("{shown} ({min_label})"),
                    i if i == last && !max_label.is_empty() => format!("{shown} ({max_label})"),
                    _ => shown,
                };
                vec![value, count.to_string()]
            })
            .collect(),
    });
    chart
}

/// `5 (Helt i top)`, or just `5` without a meaning.
fn describe_end(value: i32, meaning: &str) -> String {
    if meaning.is_empty() {
        value.to_string()
    } else {
        format!("{value} ({meaning})")
    }
}

impl Words {
    /// A scale value, with a `+` when the scale has negative values too.
    fn signed_if(&self, value: i32, signed: bool) -> String {
        if signed {
            self.signed(value)
        } else {
            value.to_string()
        }
    }
}

/// A plot area: the rectangle on the page and the data range it shows.
struct Plot {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
    x_range: (f64, f64),
    y_range: (f64, f64),
}

impl Plot {
    /// Page x of data value `x`.
    fn x(&self, x: f64) -> f64 {
        let (lo, hi) = self.x_range;
        self.left + (x - lo) / (hi - lo) * self.width
    }

    /// Page y of data value `y` (up is larger).
    fn y(&self, y: f64) -> f64 {
        let (lo, hi) = self.y_range;
        self.top + self.height - (y - lo) / (hi - lo) * self.height
    }

    /// Page length of one data unit along x.
    fn unit_x(&self) -> f64 {
        self.width / (self.x_range.1 - self.x_range.0)
    }

    /// Page length of one data unit along y.
    fn unit_y(&self) -> f64 {
        self.height / (self.y_range.1 - self.y_range.0)
    }

    fn right(&self) -> f64 {
        self.left + self.width
    }

    fn bottom(&self) -> f64 {
        self.top + self.height
    }

    /// Draws the clip path `{id}-clip` for the plot area.
    fn clip(&self, svg: &mut Svg, id: &str) {
        svg.raw(&format!(
            r#"<clipPath id="{}-clip"><rect x="{}" y="{}" width="{}" height="{}"/></clipPath>"#,
            escape(id),
            px(self.left),
            px(self.top),
            px(self.width),
            px(self.height),
        ));
    }

    /// Light lines at whole values, the frame, tick labels on both axes and the axis titles.
    fn axes(
        &self,
        svg: &mut Svg,
        x_ticks: &[(f64, String)],
        y_ticks: &[(f64, String)],
        x_title: &str,
        y_title: &str,
    ) {
        for (x, _) in x_ticks {
            svg.line(
                (self.x(*x), self.top),
                (self.x(*x), self.bottom()),
                RULE,
                r#" stroke-width="0.75""#,
            );
        }
        for (y, _) in y_ticks {
            svg.line(
                (self.left, self.y(*y)),
                (self.right(), self.y(*y)),
                RULE,
                r#" stroke-width="0.75""#,
            );
        }
        svg.rect(
            self.left,
            self.top,
            self.width,
            self.height,
            &format!(r#"fill="none" stroke="{MUTED}" stroke-width="1.25""#),
        );
        for (x, label) in x_ticks {
            svg.text(
                self.x(*x),
                self.bottom() + 18.0,
                label,
                r#"text-anchor="middle""#,
            );
        }
        for (y, label) in y_ticks {
            svg.text(
                self.left - 8.0,
                self.y(*y) + 4.5,
                label,
                r#"text-anchor="end""#,
            );
        }
        svg.text(
            self.left + self.width / 2.0,
            self.bottom() + 40.0,
            x_title,
            r#"text-anchor="middle" font-weight="bold""#,
        );
        let (cx, cy) = (self.left - 40.0, self.top + self.height / 2.0);
        svg.text(
            cx,
            cy,
            y_title,
            &format!(
                r#"text-anchor="middle" font-weight="bold" transform="rotate(-90 {} {})""#,
                px(cx),
                px(cy)
            ),
        );
    }
}

/// A five-pointed star centred at (`x`, `y`) with outer radius `r`, as a path.
fn star(x: f64, y: f64, r: f64) -> String {
    let mut d = String::new();
    for i in 0..10 {
        let radius = if i % 2 == 0 { r } else { r * 0.45 };
        let angle = std::f64::consts::PI * (f64::from(i) / 5.0 - 0.5);
        let (px_, py_) = (x + radius * angle.cos(), y + radius * angle.sin());
        let _ = write!(
            d,
            "{}{},{}",
            if i == 0 { "M" } else { "L" },
            px(px_),
            px(py_)
        );
    }
    d.push('Z');
    format!(r#"<path d="{d}" fill="{STAR}" stroke="{INK}" stroke-width="0.75"/>"#)
}

/// A diamond centred at (`x`, `y`) with half-diagonal `r`.
fn diamond(x: f64, y: f64, r: f64) -> String {
    format!(
        r#"<path d="M{},{}L{},{}L{},{}L{},{}Z" fill="{INK}" stroke="{WHITE}" stroke-width="1"/>"#,
        px(x),
        px(y - r),
        px(x + r),
        px(y),
        px(x),
        px(y + r),
        px(x - r),
        px(y),
    )
}

/// A numbered badge: a white circle with a blue ring and the number in it.
fn badge(x: f64, y: f64, number: usize) -> String {
    format!(
        r#"<circle cx="{x}" cy="{y}" r="11" fill="{WHITE}" stroke="{DARK_BLUE}" stroke-width="2"/><text x="{x}" y="{ty}" text-anchor="middle" font-size="12" font-weight="bold" fill="{DARK_BLUE}">{number}</text>"#,
        x = px(x),
        y = px(y),
        ty = px(y + 4.3),
    )
}

/// Places a `radius`-sized badge as close to (`x`, `y`) as it goes without covering one
/// already placed, inside `plot`.
fn place(placed: &[(f64, f64)], x: f64, y: f64, radius: f64, plot: &Plot) -> (f64, f64) {
    let free = |(cx, cy): (f64, f64)| {
        cx - radius >= plot.left
            && cx + radius <= plot.right()
            && cy - radius >= plot.top
            && cy + radius <= plot.bottom()
            && placed
                .iter()
                .all(|&(px_, py_)| (px_ - cx).hypot(py_ - cy) >= 2.0 * radius + 1.0)
    };
    let clamp = |(cx, cy): (f64, f64)| {
        (
            cx.clamp(plot.left + radius, plot.right() - radius),
            cy.clamp(plot.top + radius, plot.bottom() - radius),
        )
    };
    let start = clamp((x, y));
    if free(start) {
        return start;
    }
    for ring in 1..=6 {
        let distance = f64::from(ring) * (2.0 * radius + 2.0);
        for step in 0..12 {
            let angle = std::f64::consts::PI * (f64::from(step) / 6.0 - 0.5);
            let candidate = clamp((x + distance * angle.cos(), y + distance * angle.sin()));
            if free(candidate) {
                return candidate;
            }
        }
    }
    start
}

/// The prioritisation grid: how well we succeed (x) against importance (y), both 1..=`max`,
/// split into four named quadrants; each topic with enough raters at its means with its
/// spread, a numbered badge and its agreed position and priority; a legend below.
pub(crate) fn grid(
    id: &str,
    t: &Words,
    title: &str,
    scale_max: u8,
    topics: &[TopicResult],
    min_group: u32,
) -> Chart {
    let max = f64::from(scale_max.max(2));
    let plot = Plot {
        left: 96.0,
        top: 14.0,
        width: 540.0,
        height: 420.0,
        x_range: (0.5, max + 0.5),
        y_range: (0.5, max + 0.5),
    };
    let mid = (1.0 + max) / 2.0;

    // The legend's lines, measured first so the height is known.
    let legend_chars = ((WIDTH - 70.0) / (12.5 * WRAP_EM)) as usize;
    let mut legend: Vec<(Option<usize>, Option<u8>, Vec<String>)> = Vec::new();
    let mut desc = format!("{} {}", t.grid_desc, t.quadrants_desc);
    let mut number = 0;
    for topic in topics {
        let text = one_line(t.pick(&topic.text));
        match shown(topic) {
            Some((importance, success)) => {
                number += 1;
                let mut line = format!(
                    "{text} – {} · {} {} · {} {}",
                    (t.rated_by)(topic.raters),
                    t.importance_word,
                    t.stat(&importance),
                    t.success_word,
                    t.stat(&success),
                );
                if let Some((ai, asu)) = topic.agreed {
                    let _ = write!(
                        line,
                        " · {}: {}",
                        t.grid_key_agreed,
                        (t.agreed_cell)(ai, asu)
                    );
                }
                if let Some(priority) = topic.priority {
                    let _ = write!(line, " · {} {priority}", t.grid_key_priority);
                }
                let _ = write!(desc, " {number}. {line}.");
                legend.push((Some(number), topic.priority, wrap(&line, legend_chars)));
            }
            None => {
                let line = format!("{text} – {}", (t.topic_too_few)(min_group));
                let _ = write!(desc, " {line}.");
                legend.push((None, None, wrap(&line, legend_chars)));
            }
        }
    }
    let key_top = plot.bottom() + 62.0;
    let legend_top = key_top + 30.0;
    let line_h = 17.0;
    let legend_lines: usize = legend.iter().map(|(_, _, lines)| lines.len()).sum();
    let height = legend_top + legend_lines as f64 * line_h + legend.len() as f64 * 5.0 + 8.0;

    let mut svg = Svg::new(id, WIDTH, height, title, &desc);
    plot.clip(&mut svg, id);

    // Quadrants, each with its name in its outer corner.
    let quadrants = [
        (
            0.5,
            mid,
            mid,
            max + 0.5,
            CONCENTRATE_FILL,
            t.concentrate_here,
            false,
            true,
        ),
        (
            mid,
            max + 0.5,
            mid,
            max + 0.5,
            KEEP_UP_FILL,
            t.keep_up,
            true,
            true,
        ),
        (
            0.5,
            mid,
            0.5,
            mid,
            LOW_PRIORITY_FILL,
            t.low_priority,
            false,
            false,
        ),
        (
            mid,
            max + 0.5,
            0.5,
            mid,
            OVERKILL_FILL,
            t.overkill,
            true,
            false,
        ),
    ];
    for (x0, x1, y0, y1, fill, _, _, _) in quadrants {
        svg.rect(
            plot.x(x0),
            plot.y(y1),
            plot.x(x1) - plot.x(x0),
            plot.y(y0) - plot.y(y1),
            &format!(r#"fill="{fill}""#),
        );
    }
    let ticks: Vec<(f64, String)> = (1..=scale_max.max(2))
        .map(|v| (f64::from(v), v.to_string()))
        .collect();
    plot.axes(&mut svg, &ticks, &ticks, t.success_axis, t.importance_axis);
    svg.line(
        (plot.x(mid), plot.top),
        (plot.x(mid), plot.bottom()),
        MUTED,
        r#" stroke-width="1.5" stroke-dasharray="6 4""#,
    );
    svg.line(
        (plot.left, plot.y(mid)),
        (plot.right(), plot.y(mid)),
        MUTED,
        r#" stroke-width="1.5" stroke-dasharray="6 4""#,
    );
    for (x0, x1, y0, y1, _, name, right, top) in quadrants {
        let x = if right {
            plot.x(x1) - 10.0
        } else {
            plot.x(x0) + 10.0
        };
        let y = if top {
            plot.y(y1) + 22.0
        } else {
            plot.y(y0) - 12.0
        };
        let anchor = if right { "end" } else { "start" };
        svg.text(
            x,
            y,
            name,
            &format!(r#"text-anchor="{anchor}" font-size="14" font-weight="bold""#),
        );
    }

    // Spread and agreed positions under the badges, clipped to the plot.
    svg.raw(&format!(r#"<g clip-path="url(#{}-clip)">"#, escape(id)));
    let mut marks = Vec::new();
    for topic in topics {
        let Some((importance, success)) = shown(topic) else {
            continue;
        };
        let (x, y) = (plot.x(success.mean), plot.y(importance.mean));
        let (rx, ry) = (success.sd * plot.unit_x(), importance.sd * plot.unit_y());
        if rx > 0.5 || ry > 0.5 {
            svg.raw(&format!(
                r#"<ellipse cx="{}" cy="{}" rx="{}" ry="{}" fill="{BLUE}" fill-opacity="0.13" stroke="{BLUE}" stroke-width="1.5"/>"#,
                px(x),
                px(y),
                px(rx.max(1.0)),
                px(ry.max(1.0)),
            ));
        }
        marks.push((x, y, topic));
    }
    for &(x, y, topic) in &marks {
        if let Some((importance, success)) = topic.agreed {
            let (ax, ay) = (plot.x(f64::from(success)), plot.y(f64::from(importance)));
            svg.line(
                (x, y),
                (ax, ay),
                INK,
                r#" stroke-width="1.25" stroke-dasharray="2 3""#,
            );
            svg.raw(&diamond(ax, ay, 8.0));
        }
    }
    svg.raw("</g>");

    // Numbered badges, nudged apart where they would cover each other.
    let mut placed = Vec::new();
    for (i, &(x, y, topic)) in marks.iter().enumerate() {
        let (bx, by) = place(&placed, x, y, 11.0, &plot);
        if (bx - x).hypot(by - y) > 1.0 {
            svg.raw(&format!(
                r#"<circle cx="{}" cy="{}" r="2.5" fill="{DARK_BLUE}"/>"#,
                px(x),
                px(y)
            ));
            svg.line((x, y), (bx, by), DARK_BLUE, r#" stroke-width="1""#);
        }
        svg.raw(&badge(bx, by, i + 1));
        if let Some(priority) = topic.priority {
            svg.raw(&star(bx + 13.0, by - 11.0, 7.5));
            svg.text(
                bx + 22.0,
                by - 7.0,
                &priority.to_string(),
                &format!(r#"font-size="11" font-weight="bold" fill="{INK}""#),
            );
        }
        placed.push((bx, by));
    }

    // The key to the symbols.
    let mut x = 30.0;
    let ky = key_top;
    svg.raw(&format!(
        r#"<ellipse cx="{}" cy="{}" rx="14" ry="8" fill="{BLUE}" fill-opacity="0.13" stroke="{BLUE}" stroke-width="1.5"/>"#,
        px(x + 14.0),
        px(ky - 4.0)
    ));
    x += 34.0;
    svg.text(x, ky, t.grid_key_spread, r#"font-size="12""#);
    x += text_width(t.grid_key_spread, 12.0) + 24.0;
    svg.raw(&diamond(x + 7.0, ky - 4.0, 7.0));
    x += 20.0;
    svg.text(x, ky, t.grid_key_agreed, r#"font-size="12""#);
    x += text_width(t.grid_key_agreed, 12.0) + 24.0;
    svg.raw(&star(x + 7.0, ky - 5.0, 7.5));
    x += 20.0;
    svg.text(
        x,
        ky,
        &format!("{} 1–3", t.grid_key_priority),
        r#"font-size="12""#,
    );

    // The legend: one entry per topic.
    let mut y = legend_top;
    for (number, _, lines) in &legend {
        match number {
            Some(number) => svg.raw(&badge(41.0, y - 4.5, *number)),
            None => svg.text(41.0, y, "–", r#"text-anchor="middle" font-weight="bold""#),
        }
        for line in lines {
            svg.text(60.0, y, line, r#"font-size="12.5""#);
            y += line_h;
        }
        y += 5.0;
    }
    svg.finish(sentences(title, &desc))
}

/// A topic's (importance, success) when both are shown.
fn shown(topic: &TopicResult) -> Option<(Stat, Stat)> {
    Some((topic.importance?, topic.success?))
}

/// The stakeholder map: effect on our well-being (x, −2..=+2) against influence on our daily
/// work (y, 1..=5); each actor with enough answers as a labelled circle whose area grows with
/// how many named it; below, how many actors were named by too few (counted, never named).
pub(crate) fn map(id: &str, t: &Words, title: &str, actors: &[ActorResult], too_few: u32) -> Chart {
    let plot = Plot {
        left: 96.0,
        top: 14.0,
        width: 540.0,
        height: 400.0,
        x_range: (-2.5, 2.5),
        y_range: (0.5, 5.5),
    };
    let most = actors
        .iter()
        .filter(|a| a.influence.is_some() && a.effect.is_some())
        .map(|a| a.named_by)
        .max()
        .unwrap_or(1)
        .max(1);
    // Actors without shown ratings are counted with those named by too few, never named.
    let hidden = too_few
        + actors
            .iter()
            .filter(|a| a.influence.is_none() || a.effect.is_none())
            .count() as u32;
    let note_chars = ((WIDTH - 60.0) / (12.5 * WRAP_EM)) as usize;
    let mut notes = wrap(t.circle_size_note, note_chars);
    if hidden > 0 {
        notes.extend(wrap(&t.named_by_too_few(hidden), note_chars));
    }

    let mut desc = t.map_desc.to_owned();
    for actor in actors {
        if let (Some(influence), Some(effect)) = (actor.influence, actor.effect) {
            let _ = write!(
                desc,
                " {}: {} {}, {} {}, {} {}.",
                one_line(&actor.label),
                t.col_influence.to_lowercase(),
                t.number(influence.mean),
                t.col_effect.to_lowercase(),
                t.number(effect.mean),
                t.col_named_by.to_lowercase(),
                actor.named_by,
            );
        }
    }
    if hidden > 0 {
        let _ = write!(desc, " {}", t.named_by_too_few(hidden));
    }

    let notes_top = plot.bottom() + 66.0;
    let height = notes_top + notes.len() as f64 * 17.0 + 4.0;
    let mut svg = Svg::new(id, WIDTH, height, title, &desc);
    plot.clip(&mut svg, id);

    // Drains on the left, gives on the right, named in the plot's top corners too.
    svg.rect(
        plot.left,
        plot.top,
        plot.width / 2.0,
        plot.height,
        &format!(r#"fill="{DRAINS_FILL}""#),
    );
    svg.rect(
        plot.left + plot.width / 2.0,
        plot.top,
        plot.width / 2.0,
        plot.height,
        &format!(r#"fill="{GIVES_FILL}""#),
    );
    let x_ticks: Vec<(f64, String)> = (-2..=2).map(|v| (f64::from(v), t.signed(v))).collect();
    let y_ticks: Vec<(f64, String)> = (1..=5).map(|v| (f64::from(v), v.to_string())).collect();
    plot.axes(
        &mut svg,
        &x_ticks,
        &y_ticks,
        t.effect_axis,
        t.influence_axis,
    );
    svg.line(
        (plot.x(0.0), plot.top),
        (plot.x(0.0), plot.bottom()),
        MUTED,
        r#" stroke-width="1.5" stroke-dasharray="6 4""#,
    );
    let (drains, gives) = (format!("← {}", t.drains), format!("{} →", t.gives));
    svg.text(
        plot.left + 10.0,
        plot.top + 22.0,
        &drains,
        r#"font-size="14" font-weight="bold""#,
    );
    svg.text(
        plot.right() - 10.0,
        plot.top + 22.0,
        &gives,
        r#"text-anchor="end" font-size="14" font-weight="bold""#,
    );

    // Circles, biggest first so small ones stay visible on top.
    let mut shown: Vec<(&ActorResult, Stat, Stat)> = actors
        .iter()
        .filter_map(|a| Some((a, a.influence?, a.effect?)))
        .collect();
    shown.sort_by_key(|(actor, _, _)| std::cmp::Reverse(actor.named_by));
    let radius = |named_by: u32| (30.0 * (f64::from(named_by) / f64::from(most)).sqrt()).max(6.0);
    svg.raw(&format!(r#"<g clip-path="url(#{}-clip)">"#, escape(id)));
    for &(actor, influence, effect) in &shown {
        svg.raw(&format!(
            r#"<circle cx="{}" cy="{}" r="{}" fill="{BLUE}" fill-opacity="0.28" stroke="{DARK_BLUE}" stroke-width="1.5"/>"#,
            px(plot.x(effect.mean)),
            px(plot.y(influence.mean)),
            px(radius(actor.named_by)),
        ));
    }
    svg.raw("</g>");

    // Labels beside their circles, moved a line up or down (with a leader line) where they
    // would cover another label; left out where there is no room at all (the table has them).
    // Rectangles (left, top, width, height) labels must keep clear of: the corner names, every
    // circle but the label's own, and the labels already placed.
    let label_box = |x0: f64, y0: f64, w: f64| (x0, y0 - 11.0, w, 14.0);
    let circles: Vec<(f64, f64, f64, f64)> = shown
        .iter()
        .map(|&(actor, influence, effect)| {
            let r = radius(actor.named_by);
            let (x, y) = (plot.x(effect.mean), plot.y(influence.mean));
            (x - r, y - r, 2.0 * r, 2.0 * r)
        })
        .collect();
    let mut taken = vec![
        label_box(plot.left + 10.0, plot.top + 22.0, bold_width(&drains, 14.0)),
        label_box(
            plot.right() - 10.0 - bold_width(&gives, 14.0),
            plot.top + 22.0,
            bold_width(&gives, 14.0),
        ),
    ];
    let overlaps = |a: (f64, f64, f64, f64), b: &(f64, f64, f64, f64)| {
        a.0 < b.0 + b.2 && b.0 < a.0 + a.2 && a.1 < b.1 + b.3 && b.1 < a.1 + a.3
    };
    for (i, &(actor, influence, effect)) in shown.iter().enumerate() {
        let (x, y, r) = (
            plot.x(effect.mean),
            plot.y(influence.mean),
            radius(actor.named_by),
        );
        let label = truncate(&actor.label, 28);
        let w = bold_width(&label, 12.5);
        let fits = |x0: f64| x0 >= plot.left + 2.0 && x0 + w <= plot.right() - 2.0;
        let mut sides: Vec<f64> = [x + r + 4.0, x - r - 4.0 - w]
            .into_iter()
            .filter(|&x0| fits(x0))
            .collect();
        if sides.is_empty() {
            sides.push((x - w / 2.0).clamp(
                plot.left + 2.0,
                (plot.right() - 2.0 - w).max(plot.left + 2.0),
            ));
        }
        let free = |x0: f64, y0: f64| {
            let candidate = label_box(x0, y0, w);
            y0 - 11.0 >= plot.top
                && y0 + 3.0 <= plot.bottom()
                && !taken.iter().any(|b| overlaps(candidate, b))
                && !circles
                    .iter()
                    .enumerate()
                    .any(|(j, b)| j != i && overlaps(candidate, b))
        };
        let spot = sides.iter().find_map(|&x0| {
            (0..=16).find_map(|step: i32| {
                let lines = f64::from((step + 1) / 2) * if step % 2 == 0 { -1.0 } else { 1.0 };
                let y0 = y + 4.0 + 14.0 * lines;
                free(x0, y0).then_some((x0, y0))
            })
        });
        let Some((x0, y0)) = spot else {
            continue;
        };
        taken.push(label_box(x0, y0, w));
        let on_right = x0 > x;
        if (y0 - (y + 4.0)).abs() > r {
            let edge = if on_right { x + r } else { x - r };
            let end = if on_right { x0 - 2.0 } else { x0 + w + 2.0 };
            svg.line(
                (edge, y),
                (end, y0 - 4.0),
                DARK_BLUE,
                r#" stroke-width="0.75""#,
            );
        }
        svg.text(
            x0,
            y0,
            &label,
            &format!(
                r#"font-size="12.5" font-weight="bold" stroke="{WHITE}" stroke-width="3" stroke-linejoin="round" paint-order="stroke""#,
            ),
        );
    }

    let mut y = notes_top;
    for line in &notes {
        svg.text(
            30.0,
            y,
            line,
            &format!(r#"font-size="12.5" fill="{MUTED}""#),
        );
        y += 17.0;
    }
    svg.finish(sentences(title, &desc))
}

/// `first` and `second` as consecutive sentences: a full stop after `first` unless it ends
/// in one already (or a question or exclamation mark).
fn sentences(first: &str, second: &str) -> String {
    let first = one_line(first);
    if first.ends_with(['.', '?', '!', ':']) {
        format!("{first} {second}")
    } else {
        format!("{first}. {second}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_lines_short_and_words_whole() {
        let lines = wrap(
            "Tillid og åbenhed i ledergruppen er vigtigt for os alle",
            20,
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(
            lines.join(" "),
            "Tillid og åbenhed i ledergruppen er vigtigt for os alle"
        );
        assert_eq!(wrap("", 20), vec![String::new()]);
        assert!(
            wrap(&"x".repeat(50), 20)
                .iter()
                .all(|l| l.chars().count() <= 20)
        );
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("kort", 10), "kort");
        assert_eq!(truncate("en meget lang tekst", 10), "en meget…");
    }

    #[test]
    fn coordinates_are_compact() {
        assert_eq!(px(12.0), "12");
        assert_eq!(px(12.25), "12.3");
        assert_eq!(px(-0.04), "0");
    }
}
