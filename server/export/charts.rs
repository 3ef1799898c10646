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
    /// What the picture is, without its numbers: where a table of them follows (Markdown
    /// shows this and the table instead of the picture).
    pub caption: String,
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
            caption: alt.clone(),
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
    let caption = sentences(label, &desc);
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
    chart.caption = caption;
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
        r#"<circle cx="{x}" cy="{y}" r="{BADGE}" fill="{WHITE}" stroke="{DARK_BLUE}" stroke-width="2"/><text x="{x}" y="{ty}" text-anchor="middle" font-size="12" font-weight="bold" fill="{DARK_BLUE}">{number}</text>"#,
        x = px(x),
        y = px(y),
        ty = px(y + 4.3),
    )
}

/// The height of the grid's plot (its width is 540): wider than tall, so the picture and its
/// section's heading fit in half an A4 page, in Word as in print.
const GRID_HEIGHT: f64 = 330.0;

/// The radius of a topic's numbered badge.
const BADGE: f64 = 11.0;
/// The half-diagonal of an agreed position's numbered diamond.
const AGREED: f64 = 10.0;
/// Where a priority's star sits, right of its badge, its number right of it; the room the two
/// take (a circle around both).
const STAR_OFFSET: f64 = 19.0;
const STAR_ROOM: (f64, f64) = (24.0, 11.0);

/// An agreed position: a dark diamond with the topic's number in white.
fn agreed_mark(x: f64, y: f64, number: usize) -> String {
    let size = if number >= 10 { 9 } else { 10 };
    format!(
        r#"{}<text x="{}" y="{}" text-anchor="middle" font-size="{size}" font-weight="bold" fill="{WHITE}">{number}</text>"#,
        diamond(x, y, AGREED),
        px(x),
        px(y + 3.5),
    )
}

/// A circle something drawn takes up: centre and radius.
type Room = (f64, f64, f64);

/// Places a mark whose `footprint` (circles around its centre, the first its own) covers
/// nothing in `taken`, inside `plot`, as close to (`x`, `y`) as it goes: there, if it is free,
/// else on rings around it. Returns its centre.
fn place(taken: &[Room], x: f64, y: f64, footprint: &[Room], plot: &Plot) -> (f64, f64) {
    let radius = footprint[0].2;
    let free = |(cx, cy): (f64, f64)| {
        footprint.iter().all(|&(dx, dy, r)| {
            let (fx, fy) = (cx + dx, cy + dy);
            fx - r >= plot.left
                && fx + r <= plot.right()
                && fy - r >= plot.top
                && fy + r <= plot.bottom()
                && taken
                    .iter()
                    .all(|&(tx, ty, tr)| (tx - fx).hypot(ty - fy) >= r + tr + 1.0)
        })
    };
    let reach = footprint
        .iter()
        .map(|&(dx, _, r)| dx + r)
        .fold(radius, f64::max);
    let clamp = |(cx, cy): (f64, f64)| {
        (
            cx.clamp(plot.left + radius, plot.right() - reach),
            cy.clamp(plot.top + radius, plot.bottom() - radius),
        )
    };
    let start = clamp((x, y));
    if free(start) {
        return start;
    }
    for ring in 1..=8 {
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
/// spread and a numbered badge (the number of its row in the table beside the picture), a
/// star with its priority to the right of the badge; each agreed position a diamond with the
/// topic's number at that point (several agreed at one point side by side); a key below. What
/// each number is, the picture's description says and the table beside it shows.
pub(crate) fn grid(
    id: &str,
    t: &Words,
    title: &str,
    scale_max: u8,
    topics: &[TopicResult],
    min_group: u32,
) -> Chart {
    let max = f64::from(scale_max.max(2));
    // Wider than tall (`GRID_HEIGHT`): a section before it does not leave a page half empty.
    let plot = Plot {
        left: 96.0,
        top: 14.0,
        width: 540.0,
        height: GRID_HEIGHT,
        x_range: (0.5, max + 0.5),
        y_range: (0.5, max + 0.5),
    };
    let mid = (1.0 + max) / 2.0;

    // The description says for every topic what the picture shows of it.
    let mut desc = format!("{} {}", t.grid_desc, t.quadrants_desc);
    let caption = sentences(title, &desc);
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
            }
            None => {
                let _ = write!(desc, " {text} – {}.", (t.topic_too_few)(min_group));
            }
        }
    }
    let key_top = plot.bottom() + 62.0;
    let height = key_top + 14.0;

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
    // The quadrants' names, which the marks keep clear of.
    let mut taken: Vec<Room> = Vec::new();
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
        // The name as a row of circles along its (bold, 14 px) width.
        let width = bold_width(name, 14.0);
        let from = if right { x - width } else { x };
        let mut cx = from + 7.0;
        while cx < from + width {
            taken.push((cx, y - 5.0, 8.0));
            cx += 10.0;
        }
    }

    // The topics shown, numbered as in the table; their spread, clipped to the plot.
    let marks: Vec<(usize, f64, f64, &TopicResult)> = topics
        .iter()
        .filter_map(|topic| shown(topic).map(|stats| (stats, topic)))
        .enumerate()
        .map(|(i, ((importance, success), topic))| {
            (i + 1, plot.x(success.mean), plot.y(importance.mean), topic)
        })
        .collect();
    svg.raw(&format!(r#"<g clip-path="url(#{}-clip)">"#, escape(id)));
    for &(_, x, y, topic) in &marks {
        let Some((importance, success)) = shown(topic) else {
            continue;
        };
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
    }
    // Agreed positions: every topic agreed at one point gets its own diamond there, side by
    // side, so two agreed at the same point show as two.
    let mut agreed: Vec<(usize, f64, f64, (f64, f64))> = Vec::new();
    let mut points: Vec<(u8, u8)> = Vec::new();
    for &(_, _, _, topic) in &marks {
        if let Some(point) = topic.agreed
            && !points.contains(&point)
        {
            points.push(point);
        }
    }
    for (importance, success) in points {
        let here: Vec<&(usize, f64, f64, &TopicResult)> = marks
            .iter()
            .filter(|(_, _, _, topic)| topic.agreed == Some((importance, success)))
            .collect();
        let (ax, ay) = (plot.x(f64::from(success)), plot.y(f64::from(importance)));
        let step = 2.0 * AGREED + 2.0;
        let first = ax - step * (here.len() as f64 - 1.0) / 2.0;
        for (k, &&(number, x, y, _)) in here.iter().enumerate() {
            let mx = (first + step * k as f64).clamp(plot.left + AGREED, plot.right() - AGREED);
            let my = ay.clamp(plot.top + AGREED, plot.bottom() - AGREED);
            agreed.push((number, mx, my, (x, y)));
            taken.push((mx, my, AGREED));
        }
    }
    for &(_, mx, my, (x, y)) in &agreed {
        svg.line(
            (x, y),
            (mx, my),
            INK,
            r#" stroke-width="1.25" stroke-dasharray="2 3""#,
        );
    }
    svg.raw("</g>");

    // Numbered badges, nudged apart where they would cover each other, an agreed position
    // or a quadrant's name; a prioritised topic's badge keeps room for its star on its right.
    let mut badges: Vec<(usize, f64, f64, Option<u8>)> = Vec::new();
    for &(number, x, y, topic) in &marks {
        let mut footprint = vec![(0.0, 0.0, BADGE)];
        if topic.priority.is_some() {
            footprint.push((STAR_ROOM.0, 0.0, STAR_ROOM.1));
        }
        let (bx, by) = place(&taken, x, y, &footprint, &plot);
        for &(dx, dy, r) in &footprint {
            taken.push((bx + dx, by + dy, r));
        }
        if (bx - x).hypot(by - y) > 1.0 {
            // Where the topic really is, joined to its badge (under every badge).
            svg.raw(&format!(
                r#"<circle cx="{}" cy="{}" r="2.5" fill="{DARK_BLUE}"/>"#,
                px(x),
                px(y)
            ));
            svg.line((x, y), (bx, by), DARK_BLUE, r#" stroke-width="1""#);
        }
        badges.push((number, bx, by, topic.priority));
    }
    for &(number, mx, my, _) in &agreed {
        svg.raw(&agreed_mark(mx, my, number));
    }
    for &(number, bx, by, priority) in &badges {
        svg.raw(&badge(bx, by, number));
        if let Some(priority) = priority {
            let sx = bx + STAR_OFFSET;
            svg.raw(&star(sx, by - 1.0, 7.5));
            svg.text(
                sx + 9.0,
                by + 4.0,
                &priority.to_string(),
                &format!(r#"font-size="11" font-weight="bold" fill="{INK}""#),
            );
        }
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
    Chart {
        caption,
        ..svg.finish(sentences(title, &desc))
    }
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
    let mut caption = desc.clone();
    if hidden > 0 {
        let _ = write!(caption, " {}", t.named_by_too_few(hidden));
    }
    let caption = sentences(title, &caption);
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
    Chart {
        caption,
        ..svg.finish(sentences(title, &desc))
    }
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

    /// A grid topic rated by six: importance and success means, spread 0.5.
    fn topic(text: &str, importance: f64, success: f64) -> TopicResult {
        let stat = |mean| Stat {
            mean,
            sd: 0.5,
            n: 6,
        };
        TopicResult {
            text: crate::content::Text {
                da: text.to_owned(),
                en: text.to_owned(),
            },
            raters: 6,
            importance: Some(stat(importance)),
            success: Some(stat(success)),
            agreed: None,
            priority: None,
            dots: 0,
            tables_left_out: 0,
        }
    }

    /// Every `<tag …>` of `svg` whose attributes include all of `with`, as its attributes.
    fn elements<'a>(svg: &'a str, tag: &str, with: &[&str]) -> Vec<&'a str> {
        svg.split(&format!("<{tag} "))
            .skip(1)
            .map(|rest| &rest[..rest.find('>').unwrap()])
            .filter(|attrs| with.iter().all(|w| attrs.contains(w)))
            .collect()
    }

    fn attr(attrs: &str, name: &str) -> f64 {
        let at = attrs.find(&format!(" {name}=\"")).or_else(|| {
            attrs
                .starts_with(&format!("{name}=\""))
                .then_some(0)
                .map(|_| 0)
        });
        let start = attrs[at.unwrap()..].find('"').unwrap() + at.unwrap() + 1;
        let end = attrs[start..].find('"').unwrap() + start;
        attrs[start..end].parse().unwrap()
    }

    /// Where each numbered mark is: the text of `fill` colour holding a number, at (x, y).
    fn numbers(svg: &str, fill: &str) -> Vec<(String, f64, f64)> {
        svg.split("<text ")
            .skip(1)
            .filter_map(|rest| {
                let (attrs, tail) = rest.split_once('>')?;
                let content = tail.split("</text>").next()?;
                (attrs.contains(&format!("fill=\"{fill}\""))
                    && content.chars().all(|c| c.is_ascii_digit()))
                .then(|| {
                    (
                        content.to_owned(),
                        attr(&format!(" {attrs}"), "x"),
                        attr(&format!(" {attrs}"), "y"),
                    )
                })
            })
            .collect()
    }

    #[test]
    fn two_topics_agreed_at_one_point_show_as_two_numbered_marks_beside_it() {
        let t = super::super::text::Words::for_lang("da");
        let mut first = topic("Tillid", 4.7, 2.0);
        first.agreed = Some((5, 2));
        let mut second = topic("Frirum", 4.7, 2.0);
        second.agreed = Some((5, 2));
        let chart = grid("g", t, "Prioriteringskort", 5, &[first, second], 3);
        // The agreed marks: white numbers on dark diamonds.
        let marks = numbers(&chart.svg, WHITE);
        let labels: Vec<&str> = marks.iter().map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(labels, ["1", "2"], "{}", chart.svg);
        let (a, b) = (&marks[0], &marks[1]);
        assert!((a.1 - b.1).abs() >= 2.0 * AGREED, "side by side: {marks:?}");
        // Both at the agreed point (importance 5, success 2): its row, and within a mark of
        // its column.
        let plot_x = 96.0 + 540.0 * 1.5 / 5.0;
        let plot_y = 14.0 + GRID_HEIGHT * 0.5 / 5.0;
        for (_, x, y) in &marks {
            assert!((x - plot_x).abs() <= 2.0 * AGREED, "{marks:?}");
            assert!((y - 3.5 - plot_y).abs() < 1.0, "{marks:?}");
        }
    }

    #[test]
    fn badges_stars_and_agreed_marks_cover_neither_each_other_nor_a_connector() {
        let t = super::super::text::Words::for_lang("da");
        // Four topics at one point, two prioritised, one agreed where they are.
        let mut topics: Vec<TopicResult> = (0..4)
            .map(|i| topic(&format!("Emne {i}"), 4.7, 2.0))
            .collect();
        topics[0].priority = Some(1);
        topics[1].priority = Some(2);
        topics[2].agreed = Some((5, 2));
        let chart = grid("g", t, "Prioriteringskort", 5, &topics, 3);
        let svg = &chart.svg;
        let badges: Vec<(f64, f64)> = elements(
            svg,
            "circle",
            &[&format!("r=\"{BADGE}\""), "fill=\"#ffffff\""],
        )
        .iter()
        .map(|a| (attr(&format!(" {a}"), "cx"), attr(&format!(" {a}"), "cy")))
        .collect();
        assert_eq!(badges.len(), 4, "{svg}");
        // Every star right of a badge, at its height.
        let stars = elements(svg, "path", &[&format!("fill=\"{STAR}\"")]);
        assert_eq!(stars.len(), 2 + 1, "two priorities and the key's star");
        for (i, a) in badges.iter().enumerate() {
            for b in &badges[i + 1..] {
                assert!((a.0 - b.0).hypot(a.1 - b.1) >= 2.0 * BADGE, "{badges:?}");
            }
        }
        // The priorities' numbers (dark, beside the stars) each at their own badge's height.
        let priorities: Vec<(String, f64, f64)> = numbers(svg, INK)
            .into_iter()
            .filter(|(n, _, _)| n == "1" || n == "2")
            .filter(|(_, _, y)| *y < 14.0 + GRID_HEIGHT)
            .collect();
        assert_eq!(priorities.len(), 2, "{svg}");
        for (_, x, y) in &priorities {
            let badge = badges
                .iter()
                .find(|(bx, by)| {
                    (y - 4.0 - by).abs() < 0.5 && (x - bx - STAR_OFFSET - 9.0).abs() < 0.5
                })
                .unwrap_or_else(|| {
                    panic!("a priority beside its badge: {priorities:?} {badges:?}")
                });
            // Its star and number cover no other badge.
            for other in badges.iter().filter(|b| *b != badge) {
                let star = (badge.0 + STAR_ROOM.0, badge.1);
                assert!(
                    (star.0 - other.0).hypot(star.1 - other.1) >= STAR_ROOM.1 + BADGE,
                    "{badges:?}"
                );
            }
        }
        // The agreed mark is clear of every badge.
        let agreed = numbers(svg, WHITE);
        assert_eq!(agreed.len(), 1);
        for (bx, by) in &badges {
            assert!((agreed[0].1 - bx).hypot(agreed[0].2 - 3.5 - by) >= AGREED + BADGE);
        }
        // The badges are drawn after every connector, so no line crosses a number.
        let connector = format!("stroke=\"{DARK_BLUE}\" stroke-width=\"1\"/>");
        let last_connector = svg.rfind(&connector).expect("a nudged badge's connector");
        let first_badge = svg
            .find(&format!("r=\"{BADGE}\" fill=\"#ffffff\""))
            .unwrap();
        assert!(first_badge > last_connector);
    }

    #[test]
    fn the_grid_picture_is_as_tall_for_twelve_topics_as_for_one() {
        let t = super::super::text::Words::for_lang("da");
        let one = grid("g", t, "P", 5, &[topic("Et emne", 4.0, 2.0)], 3);
        let many: Vec<TopicResult> = (0..12)
            .map(|i| {
                topic(
                    &format!("Emne nummer {i} med en lang tekst"),
                    1.0 + i as f64 / 3.0,
                    3.0,
                )
            })
            .collect();
        let twelve = grid("g", t, "P", 5, &many, 3);
        let height = |svg: &str| {
            attr(
                &format!(" {}", elements(svg, "svg", &[]).remove(0)),
                "height",
            )
        };
        // The table beside it says what each number is; the picture keeps its size, which
        // fits in half a page with its heading.
        assert_eq!(height(&one.svg), height(&twelve.svg));
        assert!(height(&twelve.svg) <= 460.0, "{}", height(&twelve.svg));
        assert!(
            twelve.alt.contains("Emne nummer 11 med en lang tekst"),
            "the description names every topic"
        );
    }

    #[test]
    fn coordinates_are_compact() {
        assert_eq!(px(12.0), "12");
        assert_eq!(px(12.25), "12.3");
        assert_eq!(px(-0.04), "0");
    }
}
