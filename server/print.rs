//! Paper versions of a programme, printable on A4 (print CSS), in two versions: a hand-out for
//! the participants (the questions, blank templates, rating tables, the blank grid and the
//! cut-out cards; no facilitator notes, no instructions for the app) and a guide for the
//! facilitator (all of that, the preparation, the notes and the app instructions, marked). A
//! series prints as one booklet, a chapter per meeting. A meeting without phones can still use
//! trivsel.

use std::fmt::Write;

use crate::content::{Card, Programme, Series, Step, Text};
use crate::domain::Lang;
use crate::export::xml::escape;
use crate::kinds;

/// Which paper: `?version=handout` or `?version=guide` (the default, so links from before the
/// two versions still print everything).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Version {
    /// For the participants: what they read, answer and fill in; nothing for the facilitator's
    /// eyes only (in a 1:1 the leader reads it), nothing about the app.
    Handout,
    /// For the facilitator: everything.
    #[default]
    Guide,
}

/// The printout's own words in one language.
pub struct Words {
    lang: &'static str,
    handout: &'static str,
    /// The hand-out's name where one person gets it (the 1:1).
    handout_one: &'static str,
    guide: &'static str,
    preparation: &'static str,
    step: &'static str,
    meeting: &'static str,
    minutes: &'static str,
    importance: &'static str,
    success: &'static str,
    topic: &'static str,
    actor: &'static str,
    influence: &'static str,
    effect: &'static str,
    area: &'static str,
    action: &'static str,
    first_step: &'static str,
    owner: &'static str,
    deadline: &'static str,
    follow_up: &'static str,
    /// The cut-out cards' heading.
    cards: &'static str,
    /// Where a cards step's deck is: `{n}` is the number of cards.
    cards_hint: &'static str,
    /// Under the cut-out cards' heading: `{step}` is the step's number and title.
    cards_for: &'static str,
    /// Beside the blank grid: how to fill it in.
    grid_hint: &'static str,
    concentrate_here: &'static str,
    keep_up: &'static str,
    low_priority: &'static str,
    overkill: &'static str,
    now: &'static str,
    wanted: &'static str,
    work: &'static str,
    private: &'static str,
    notes: &'static str,
    /// The label of what only applies when the meeting uses the app (screens and phones).
    app: &'static str,
    /// Before a list question's tags.
    mark_each: &'static str,
    paper_note: &'static str,
    accessibility: &'static str,
}

const DA: Words = Words {
    lang: "da",
    handout: "Til deltagerne",
    handout_one: "Til deltageren",
    guide: "Facilitatorguide",
    preparation: "Forberedelse",
    step: "Trin",
    meeting: "Møde",
    minutes: "min.",
    importance: "Vigtighed",
    success: "Hvor godt lykkes vi?",
    topic: "Emne",
    actor: "Aktør (rolle, ikke navn)",
    influence: "Indflydelse på vores hverdag (1–5)",
    effect: "Dræner (−2) … giver energi (+2)",
    area: "Område",
    action: "Handling",
    first_step: "Første skridt",
    owner: "Ansvarlig",
    deadline: "Frist",
    follow_up: "Opfølgning",
    cards: "Dialogkort til at klippe ud",
    cards_hint: "De {n} dialogkort står sidst i programmet, klar til at klippe ud.",
    cards_for: "Til {step}. Klip langs de stiplede linjer.",
    grid_hint: "Vurder emnerne i tabellen nedenfor, og skriv dem så ind i gitteret: jo vigtigere, jo højere oppe – jo bedre vi lykkes med det, jo længere til højre.",
    concentrate_here: "Sæt ind her",
    keep_up: "Hold fast i det gode",
    low_priority: "Lav prioritet",
    overkill: "Måske for meget",
    now: "Nu",
    wanted: "Ønsket",
    work: "Arbejdsliv",
    private: "Privatliv",
    notes: "Til facilitator",
    app: "Kun når I bruger skærm og telefoner",
    mark_each: "Skriv ved hvert punkt, hvad det er",
    paper_note: "Papirudgave: udfyld for dig selv først. Del kun det, du har lyst til.",
    accessibility: "Tilgængelighedserklæring",
};

const EN: Words = Words {
    lang: "en",
    handout: "For the participants",
    handout_one: "For the participant",
    guide: "Facilitator guide",
    preparation: "Preparation",
    step: "Step",
    meeting: "Meeting",
    minutes: "min",
    importance: "Importance",
    success: "How well do we succeed?",
    topic: "Topic",
    actor: "Actor (a role, not a name)",
    influence: "Influence on our daily work (1–5)",
    effect: "Drains (−2) … gives energy (+2)",
    area: "Area",
    action: "Action",
    first_step: "First step",
    owner: "Owner",
    deadline: "Deadline",
    follow_up: "Follow-up",
    cards: "Dialogue cards to cut out",
    cards_hint: "The {n} dialogue cards are at the end of the programme, ready to cut out.",
    cards_for: "For {step}. Cut along the dashed lines.",
    grid_hint: "Rate the topics in the table below, then write them into the grid: the more important, the higher up – the better we succeed at it, the further to the right.",
    concentrate_here: "Concentrate here",
    keep_up: "Keep up the good work",
    low_priority: "Low priority",
    overkill: "Possible overkill",
    now: "Now",
    wanted: "Wanted",
    work: "Work life",
    private: "Private life",
    notes: "For the facilitator",
    app: "Only when you use screens and phones",
    mark_each: "Mark each item with what it is",
    paper_note: "Paper version: fill in on your own first. Share only what you want to.",
    accessibility: "Accessibility statement",
};

/// A4 print CSS. No forced page break inside a programme (they leave half-empty pages);
/// instead each heading is kept with what follows it (`break-after: avoid`) and each unit a
/// person reads or fills in as one (`break-inside: avoid`): a step's heading with its text, a
/// question with its lines, the blank grid with the first rows of its rating table, a row of
/// cards (a long table runs on to the next page with its header row). A series' meetings
/// each start a page, as chapters.
const STYLE: &str = "@page { size: A4; margin: 16mm; }
body { font-family: 'DejaVu Sans', Arial, sans-serif; color: #111; font-size: 11pt; line-height: 1.45; max-width: 178mm; margin: 0 auto; }
h1 { font-size: 20pt; margin: 0 0 2mm; } h2 { font-size: 14pt; margin: 8mm 0 2mm; border-bottom: 1px solid #444; }
h3 { font-size: 11.5pt; margin: 4mm 0 1mm; } h4 { font-size: 10.5pt; margin: 2mm 0 0; }
h1, h2, h3, h4, .label { break-after: avoid; page-break-after: avoid; }
p:has(+ ul) { break-after: avoid; } ul { margin: 1mm 0 2mm; padding-left: 6mm; } li { break-inside: avoid; }
.version { font-size: 13pt; margin: 0 0 4mm; color: #333; }
.step-head, .q, .keep, .grid-pair, .card-row, .notes .label + * { break-inside: avoid; page-break-inside: avoid; }
.step-head:not(:last-child) { break-after: avoid; page-break-after: avoid; }
.lines { border-bottom: 1px solid #888; height: 8mm; }
.scale { display: flex; gap: 2mm; align-items: center; flex-wrap: wrap; }
.scale span.box { display: inline-block; width: 9mm; height: 9mm; border: 1px solid #333; text-align: center; line-height: 9mm; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; } th, td { border: 1px solid #444; padding: 1.5mm; text-align: left; vertical-align: top; }
thead { display: table-header-group; } td.blank { height: 10mm; } tr { break-inside: avoid; page-break-inside: avoid; }
.grid-pair { display: flex; gap: 6mm; align-items: center; break-after: avoid; page-break-after: avoid; }
.grid-pair figure { flex: 0 0 61mm; margin: 1mm 0 0; } .grid-pair .hint { flex: 1 1 auto; }
.grid-table thead th + th { width: 40mm; }
.notes, .app { background: #f2f2f2; padding: 2mm 3mm; font-size: 9.5pt; margin: 3mm 0; -webkit-box-decoration-break: clone; box-decoration-break: clone; }
.app { background: #fff; border: 1px dashed #777; }
.label { font-weight: bold; margin: 0 0 1mm; }
.hint { font-style: italic; color: #333; }
.card-row { display: flex; }
.card { box-sizing: border-box; flex: 0 0 50%; border: 1px dashed #555; min-height: 62mm; padding: 5mm 7mm; display: flex; flex-direction: column; justify-content: space-between; text-align: center; }
.card .card-theme { font-size: 9pt; text-transform: uppercase; letter-spacing: 0.05em; color: #333; margin: 0; }
.card .card-text { font-size: 14pt; margin: 3mm 0; }
.card .card-source { font-size: 8pt; color: #444; margin: 0; }
.chapter { break-before: page; page-break-before: always; }
.toc { font-size: 12pt; }
.meeting-date { font-size: 12pt; font-weight: bold; margin: 0 0 4mm; }
svg { display: block; margin: 2mm 0; }
footer { margin-top: 10mm; font-size: 9.5pt; }
@media print { footer { display: none; } }
@media screen { body { margin: 2rem auto; padding: 0 1rem; } }";

/// A page being written: the step kinds write their paper versions through it (see
/// `Kind::print`), in the page's language and version.
pub struct Paper<'a> {
    out: &'a mut String,
    lang: Lang,
    w: &'static Words,
    version: Version,
    /// The programme's title, on every cut-out card.
    programme: String,
    /// The step being written (0-based), for the cut-out cards' heading.
    index: usize,
    /// The title of the step being written.
    step_title: String,
}

impl Paper<'_> {
    fn pick<'t>(&self, text: &'t Text) -> &'t str {
        self.lang.pick(text)
    }

    /// Paragraphs of `text` (blank lines separate them), with a CSS class. Lines starting with
    /// a dash ("– " or "- ") are a list: a real `<ul>`, the line before it kept with it.
    fn paragraphs(&mut self, text: &str, class: &str) {
        let class = if class.is_empty() {
            String::new()
        } else {
            format!(" class=\"{class}\"")
        };
        for p in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
            let mut prose: Vec<&str> = Vec::new();
            let mut items: Vec<&str> = Vec::new();
            let flush = |out: &mut String, prose: &mut Vec<&str>, items: &mut Vec<&str>| {
                if !prose.is_empty() {
                    let _ = writeln!(out, "<p{class}>{}</p>", escape(&prose.join(" ")));
                    prose.clear();
                }
                if !items.is_empty() {
                    let _ = write!(out, "<ul{class}>");
                    for item in items.iter() {
                        let _ = write!(out, "<li>{}</li>", escape(item));
                    }
                    out.push_str("</ul>\n");
                    items.clear();
                }
            };
            for line in p.lines().map(str::trim).filter(|l| !l.is_empty()) {
                match line
                    .strip_prefix("– ")
                    .or_else(|| line.strip_prefix("- "))
                    .or_else(|| line.strip_prefix("• "))
                {
                    Some(item) => {
                        if !prose.is_empty() {
                            flush(self.out, &mut prose, &mut Vec::new());
                        }
                        items.push(item.trim());
                    }
                    None => {
                        if !items.is_empty() {
                            flush(self.out, &mut Vec::new(), &mut items);
                        }
                        prose.push(line);
                    }
                }
            }
            flush(self.out, &mut prose, &mut items);
        }
    }

    /// A free-text question: its label and `n` blank lines to write on, kept on one page; with
    /// `tags` (a list's areas, e.g. "Giver energi"), a line asking to mark each item with one.
    pub fn written(&mut self, label: &Text, n: usize, tags: &[&Text]) {
        let _ = writeln!(
            self.out,
            "<div class=\"q\"><h3>{}</h3>",
            escape(self.pick(label))
        );
        if !tags.is_empty() {
            let tags: Vec<&str> = tags.iter().map(|t| self.pick(t)).collect();
            let _ = writeln!(
                self.out,
                "<p class=\"hint\">{}: {}</p>",
                escape(self.w.mark_each),
                escape(&tags.join(" · "))
            );
        }
        for _ in 0..n {
            self.out.push_str("<div class=\"lines\"></div>\n");
        }
        self.out.push_str("</div>\n");
    }

    /// A scale question: its label and a box per value between the two end labels.
    pub fn scale(&mut self, label: &Text, min: i32, max: i32, min_label: &Text, max_label: &Text) {
        let _ = write!(
            self.out,
            "<div class=\"q\"><h3>{}</h3><div class=\"scale\"><span>{}</span>",
            escape(self.pick(label)),
            escape(self.pick(min_label))
        );
        for v in min..=max {
            let _ = write!(self.out, "<span class=\"box\">{v}</span>");
        }
        let _ = writeln!(
            self.out,
            "<span>{}</span></div></div>",
            escape(self.pick(max_label))
        );
    }

    /// The circles question: its label and two frames drawn blank side by side, to sketch
    /// sizes and overlap on paper, now and as wanted (side by side they compare at a glance
    /// and take half the height, so the question fits under the ones before it). One picture,
    /// so the two frames read as one row.
    pub fn circles(&mut self, label: &Text) {
        let w = self.w;
        let _ = write!(
            self.out,
            "<div class=\"q\"><h3>{}</h3><svg class=\"frames\" width=\"174mm\" height=\"52mm\" viewBox=\"0 0 348 104\" role=\"img\" aria-label=\"{} · {}\">",
            escape(self.pick(label)),
            w.now,
            w.wanted
        );
        for (x, frame) in [(1, w.now), (179, w.wanted)] {
            let _ = write!(
                self.out,
                "<text x=\"{x}\" y=\"9\" font-size=\"8\" font-weight=\"bold\">{frame}</text>\
                 <rect x=\"{x}\" y=\"14\" width=\"168\" height=\"89\" fill=\"none\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\
                 <text x=\"{tx}\" y=\"26\" font-size=\"7\">{} · {}</text>",
                w.work,
                w.private,
                tx = x + 7,
            );
        }
        self.out.push_str("</svg></div>\n");
    }

    /// A grid step on paper: the blank grid to place the topics on (its quadrants named, both
    /// axes ticked 1..=`scale_max`) with how to fill it in beside it, kept with the step's text
    /// above and the first rows of the table below it: `topics` with blank columns for
    /// importance and success, and three blank rows. A long table runs on to the next page
    /// with its header row.
    pub fn rating_grid(&mut self, topics: &[&Text], scale_max: u8) {
        let w = self.w;
        let max = scale_max.max(2);
        self.out.push_str("<div class=\"grid-pair\"><figure>");
        self.blank_grid(max);
        let _ = writeln!(
            self.out,
            "</figure><p class=\"hint\">{}</p></div>",
            escape(w.grid_hint)
        );
        let rows: Vec<Vec<String>> = topics
            .iter()
            .map(|t| vec![self.pick(t).to_owned(), String::new(), String::new()])
            .chain((0..3).map(|_| vec![String::new(), String::new(), String::new()]))
            .collect();
        let importance = format!("{} (1–{max})", w.importance);
        let success = format!("{} (1–{max})", w.success);
        self.out.push_str("<div class=\"grid-table\">");
        self.table(&[w.topic, &importance, &success], &rows);
        self.out.push_str("</div>\n");
    }

    /// The blank grid: success along the bottom, importance up the side, four named quadrants.
    fn blank_grid(&mut self, max: u8) {
        let w = self.w;
        // The plot's square in the picture's units; a value v sits at the middle of its cell.
        let (left, top, size) = (40.0_f64, 8.0_f64, 210.0_f64);
        let cell = size / f64::from(max);
        let x_of = |v: f64| left + (v - 0.5) * cell;
        let y_of = |v: f64| top + size - (v - 0.5) * cell;
        let mid = (f64::from(max) + 1.0) / 2.0;
        let (mx, my) = (x_of(mid), y_of(mid));
        let _ = write!(
            self.out,
            "<svg width=\"61mm\" height=\"64mm\" viewBox=\"0 0 256 270\" role=\"img\" aria-label=\"{} × {}: {}, {}, {}, {}\">\
             <rect x=\"{left}\" y=\"{top}\" width=\"{mx_w:.1}\" height=\"{my_h:.1}\" fill=\"#ececec\"/>\
             <rect x=\"{left}\" y=\"{top}\" width=\"{size}\" height=\"{size}\" fill=\"none\" stroke=\"#333\"/>\
             <line x1=\"{mx:.1}\" y1=\"{top}\" x2=\"{mx:.1}\" y2=\"{bottom}\" stroke=\"#333\" stroke-dasharray=\"5 3\"/>\
             <line x1=\"{left}\" y1=\"{my:.1}\" x2=\"{right}\" y2=\"{my:.1}\" stroke=\"#333\" stroke-dasharray=\"5 3\"/>",
            escape(w.importance),
            escape(w.success),
            escape(w.concentrate_here),
            escape(w.keep_up),
            escape(w.low_priority),
            escape(w.overkill),
            mx_w = mx - left,
            my_h = my - top,
            bottom = top + size,
            right = left + size,
        );
        for v in 1..=max {
            let (x, y) = (x_of(f64::from(v)), y_of(f64::from(v)));
            let bottom = top + size;
            let _ = write!(
                self.out,
                "<line x1=\"{x:.1}\" y1=\"{bottom}\" x2=\"{x:.1}\" y2=\"{tick}\" stroke=\"#333\"/>\
                 <text class=\"tick\" x=\"{x:.1}\" y=\"{label_y}\" font-size=\"10\" text-anchor=\"middle\">{v}</text>\
                 <line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{tick_x}\" y2=\"{y:.1}\" stroke=\"#333\"/>\
                 <text class=\"tick\" x=\"{label_x}\" y=\"{ty:.1}\" font-size=\"10\" text-anchor=\"end\">{v}</text>",
                tick = bottom + 4.0,
                label_y = bottom + 15.0,
                tick_x = left - 4.0,
                label_x = left - 7.0,
                ty = y + 3.5,
            );
        }
        let quadrants = [
            (w.concentrate_here, (left + mx) / 2.0, (top + my) / 2.0),
            (w.keep_up, (mx + left + size) / 2.0, (top + my) / 2.0),
            (w.low_priority, (left + mx) / 2.0, (my + top + size) / 2.0),
            (
                w.overkill,
                (mx + left + size) / 2.0,
                (my + top + size) / 2.0,
            ),
        ];
        for (name, x, y) in quadrants {
            let lines = wrap(name, 13);
            let first = y - (lines.len() as f64 - 1.0) * 6.5;
            let _ = write!(
                self.out,
                "<text class=\"quadrant\" x=\"{x:.1}\" y=\"{first:.1}\" font-size=\"11\" font-weight=\"bold\" text-anchor=\"middle\">"
            );
            for (i, line) in lines.iter().enumerate() {
                let dy = if i == 0 { 0.0 } else { 13.0 };
                let _ = write!(
                    self.out,
                    "<tspan x=\"{x:.1}\" dy=\"{dy}\">{}</tspan>",
                    escape(line)
                );
            }
            self.out.push_str("</text>");
        }
        let _ = writeln!(
            self.out,
            "<text x=\"{cx}\" y=\"264\" font-size=\"10.5\" text-anchor=\"middle\">{suc} →</text>\
             <text x=\"10\" y=\"{cy}\" font-size=\"10.5\" text-anchor=\"middle\" transform=\"rotate(-90 10 {cy})\">{imp} →</text></svg>",
            cx = left + size / 2.0,
            cy = top + size / 2.0,
            suc = escape(w.success),
            imp = escape(w.importance),
        );
    }

    /// A blank table of actors, influence and effect; the suggested categories below it.
    pub fn actor_table(&mut self, categories: &[Text]) {
        let w = self.w;
        let rows: Vec<Vec<String>> = (0..8).map(|_| vec![String::new(); 3]).collect();
        self.table(&[w.actor, w.influence, w.effect], &rows);
        if !categories.is_empty() {
            let names: Vec<&str> = categories.iter().map(|c| self.pick(c)).collect();
            let _ = writeln!(
                self.out,
                "<p class=\"hint\">{}</p>",
                escape(&names.join(" · "))
            );
        }
    }

    /// A blank action plan with a row per area.
    pub fn plan_table(&mut self, areas: &[&Text]) {
        let rows: Vec<Vec<String>> = areas
            .iter()
            .map(|a| {
                let mut row = vec![String::new(); 6];
                row[0] = self.pick(a).to_owned();
                row
            })
            .collect();
        let w = self.w;
        self.table(
            &[
                w.area,
                w.action,
                w.first_step,
                w.owner,
                w.deadline,
                w.follow_up,
            ],
            &rows,
        );
    }

    /// One area of a personal plan: its title and prompt, lines to write on and the first step.
    pub fn personal_area(&mut self, title: &Text, prompt: &Text) {
        let _ = writeln!(
            self.out,
            "<div class=\"q\"><h3>{}</h3><p>{}</p>",
            escape(self.pick(title)),
            escape(self.pick(prompt))
        );
        self.out
            .push_str(&"<div class=\"lines\"></div>\n".repeat(3));
        let _ = writeln!(self.out, "<p>{}:</p>", escape(self.w.first_step));
        self.out
            .push_str(&"<div class=\"lines\"></div>\n".repeat(2));
        self.out.push_str("</div>\n");
    }

    /// A note that the step's `count` cards are printed as cut-out cards at the end.
    pub fn cards_hint(&mut self, count: usize) {
        let _ = writeln!(
            self.out,
            "<p class=\"hint\">{}</p>",
            escape(&self.w.cards_hint.replace("{n}", &count.to_string()))
        );
    }

    /// A deck as cut-out cards, two to a row, after the programme: the heading kept with the
    /// first row; each card names its theme (or the step) and the programme.
    pub fn cutout_cards(&mut self, cards: &[&Card]) {
        if cards.is_empty() {
            return;
        }
        let w = self.w;
        let step = format!(
            "{} {}: {}",
            w.step.to_lowercase(),
            self.index + 1,
            self.step_title
        );
        let _ = writeln!(
            self.out,
            "<section class=\"cutouts\"><div class=\"keep\"><h2>{}</h2><p class=\"hint\">{}</p>",
            escape(w.cards),
            escape(&w.cards_for.replace("{step}", &step))
        );
        for (i, row) in cards.chunks(2).enumerate() {
            self.out.push_str("<div class=\"card-row\">");
            for card in row {
                let theme = match self.pick(&card.theme) {
                    "" => self.step_title.clone(),
                    theme => theme.to_owned(),
                };
                let _ = write!(
                    self.out,
                    "<div class=\"card\"><p class=\"card-theme\">{}</p><p class=\"card-text\">{}</p><p class=\"card-source\">{}</p></div>",
                    escape(&theme),
                    escape(self.pick(&card.text)),
                    escape(&self.programme)
                );
            }
            self.out.push_str("</div>\n");
            if i == 0 {
                self.out.push_str("</div>\n");
            }
        }
        self.out.push_str("</section>\n");
    }

    fn table(&mut self, headers: &[&str], rows: &[Vec<String>]) {
        let out = &mut *self.out;
        out.push_str("<table><thead><tr>");
        for h in headers {
            let _ = write!(out, "<th scope=\"col\">{}</th>", escape(h));
        }
        out.push_str("</tr></thead><tbody>\n");
        for row in rows {
            out.push_str("<tr>");
            for (i, cell) in row.iter().enumerate() {
                let class = if cell.is_empty() {
                    " class=\"blank\""
                } else {
                    ""
                };
                let tag = if i == 0 && !cell.is_empty() {
                    "th scope=\"row\""
                } else {
                    "td"
                };
                let close = if tag == "td" { "td" } else { "th" };
                let _ = write!(out, "<{tag}{class}>{}</{close}>", escape(cell));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table>\n");
    }

    /// A box of text for the facilitator (the guide only): its label, then its paragraphs.
    fn boxed(&mut self, class: &str, label: &str, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        let _ = writeln!(
            self.out,
            "<div class=\"{class}\"><p class=\"label\">{}</p>",
            escape(label)
        );
        self.paragraphs(text, "");
        self.out.push_str("</div>\n");
    }

    /// One step: its heading with the participants' text, the kind's paper version, and in
    /// the guide the app-only text and the facilitator's notes and app instructions.
    fn step(&mut self, index: usize, step: &Step) {
        let w = self.w;
        self.index = index;
        self.step_title = self.pick(&step.title).to_owned();
        let minutes = step
            .minutes
            .map(|m| format!(" ({m} {})", w.minutes))
            .unwrap_or_default();
        let _ = writeln!(
            self.out,
            "<section class=\"step\"><div class=\"step-head\"><h2>{} {}: {}{minutes}</h2>",
            w.step,
            index + 1,
            escape(&self.step_title)
        );
        self.paragraphs(self.lang.pick(&step.body), "");
        self.out.push_str("</div>\n");
        kinds::of(step.kind).print(step, self);
        if self.version == Version::Guide {
            let lang = self.lang;
            self.boxed("app", w.app, lang.pick(&step.app_body));
            if !lang.pick(&step.notes).trim().is_empty()
                || !lang.pick(&step.app_notes).trim().is_empty()
            {
                let _ = writeln!(
                    self.out,
                    "<div class=\"notes\"><p class=\"label\">{}</p>",
                    escape(w.notes)
                );
                self.paragraphs(lang.pick(&step.notes), "");
                self.boxed("app", w.app, lang.pick(&step.app_notes));
                self.out.push_str("</div>\n");
            }
        }
        self.out.push_str("</section>\n");
    }

    /// A programme's content under its title: the guide's audience and preparation, the
    /// paper note, every step, then its decks as cut-out cards.
    fn programme(&mut self, programme: &Programme) {
        let w = self.w;
        let lang = self.lang;
        self.programme = lang.pick(&programme.title).to_owned();
        if self.version == Version::Guide {
            self.paragraphs(lang.pick(&programme.audience), "hint");
        }
        let _ = writeln!(self.out, "<p class=\"hint\">{}</p>", escape(w.paper_note));
        let preparation = lang.pick(&programme.preparation);
        if self.version == Version::Guide && !preparation.trim().is_empty() {
            let _ = writeln!(
                self.out,
                "<section class=\"preparation\"><h2>{}</h2>",
                escape(w.preparation)
            );
            self.paragraphs(preparation, "");
            self.out.push_str("</section>\n");
        }
        for (i, step) in programme.steps.iter().enumerate() {
            self.step(i, step);
        }
        for (i, step) in programme.steps.iter().enumerate() {
            self.index = i;
            self.step_title = lang.pick(&step.title).to_owned();
            kinds::of(step.kind).print_after(step, self);
        }
    }
}

/// `text` in lines of at most about `width` characters, broken between words.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}

fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::Da => &DA,
        Lang::En => &EN,
    }
}

/// The page around `body`: its head with the print CSS, and the footer.
fn page(w: &Words, title: &str, body: impl FnOnce(&mut String)) -> String {
    let title = escape(title);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{title}</title><style>{STYLE}</style></head><body>",
        w.lang
    );
    body(&mut out);
    let _ = writeln!(
        out,
        "<footer><a href=\"/tilgaengelighed\">{}</a></footer>",
        escape(w.accessibility)
    );
    out.push_str("</body></html>\n");
    out
}

fn version_line(w: &Words, version: Version, for_one: bool) -> String {
    format!(
        "<p class=\"version\">{}</p>\n",
        escape(version_name(w, version, for_one))
    )
}

/// The printable page of a programme in `lang`: the hand-out (questions, blank templates and
/// cut-out cards) or the guide (that, and the preparation, notes and app instructions).
pub fn programme(programme: &Programme, lang: Lang, version: Version) -> String {
    let w = words(lang);
    let title = lang.pick(&programme.title);
    // A conversation with one leader (the 1:1) hands its paper to one person.
    let for_one = !programme.participants.is_group();
    page(
        w,
        &format!("{title} – {}", version_name(w, version, for_one)),
        |out| {
            let _ = writeln!(out, "<h1>{}</h1>", escape(title));
            out.push_str(&version_line(w, version, for_one));
            let mut paper = Paper {
                out,
                lang,
                w,
                version,
                programme: String::new(),
                index: 0,
                step_title: String::new(),
            };
            paper.programme(programme);
        },
    )
}

fn version_name(w: &Words, version: Version, for_one: bool) -> &'static str {
    match version {
        Version::Handout if for_one => w.handout_one,
        Version::Handout => w.handout,
        Version::Guide => w.guide,
    }
}

/// A series as one booklet: its title and the list of its meetings, then each meeting's
/// programme as a chapter, in order, under "Møde n: title". `dates` are the meetings' days
/// (`YYYY-MM-DD`, in order; a meeting without one, or past the end, has none), written out
/// in the list and under each chapter's heading.
pub fn series(
    series: &Series,
    meetings: &[&Programme],
    dates: &[Option<String>],
    lang: Lang,
    version: Version,
) -> String {
    let w = words(lang);
    let said = crate::export::text::Words::for_lang(w.lang);
    let day = |n: usize| dates.get(n).cloned().flatten().map(|iso| said.date(&iso));
    let title = lang.pick(&series.title);
    page(
        w,
        &format!("{title} – {}", version_name(w, version, false)),
        |out| {
            let _ = writeln!(out, "<h1>{}</h1>", escape(title));
            out.push_str(&version_line(w, version, false));
            let mut paper = Paper {
                out,
                lang,
                w,
                version,
                programme: String::new(),
                index: 0,
                step_title: String::new(),
            };
            if version == Version::Guide {
                paper.paragraphs(lang.pick(&series.audience), "hint");
            }
            paper.out.push_str("<ol class=\"toc\">");
            for (n, meeting) in meetings.iter().enumerate() {
                let title = escape(lang.pick(&meeting.title));
                let _ = match day(n) {
                    Some(day) => write!(paper.out, "<li>{title} – {}</li>", escape(&day)),
                    None => write!(paper.out, "<li>{title}</li>"),
                };
            }
            paper.out.push_str("</ol>\n");
            for (n, meeting) in meetings.iter().enumerate() {
                let _ = writeln!(
                    paper.out,
                    "<section class=\"chapter\"><h1>{} {}: {}</h1>",
                    w.meeting,
                    n + 1,
                    escape(lang.pick(&meeting.title))
                );
                if let Some(day) = day(n) {
                    let _ = writeln!(
                        paper.out,
                        "<p class=\"meeting-date\">{}: {}</p>",
                        said.date,
                        escape(&day)
                    );
                }
                paper.programme(meeting);
                paper.out.push_str("</section>\n");
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{Library, Prompt};

    /// Every text a participant reads or answers on paper, in `lang`: step titles and bodies,
    /// prompts and their end labels, cards and their themes, topics, areas, categories.
    fn public_texts(p: &Programme, lang: Lang) -> Vec<&str> {
        let mut texts = vec![lang.pick(&p.title)];
        for step in &p.steps {
            texts.push(lang.pick(&step.title));
            texts.push(lang.pick(&step.body));
            for prompt in &step.prompts {
                match prompt {
                    Prompt::Scale {
                        label,
                        min_label,
                        max_label,
                        ..
                    } => texts.extend([label, min_label, max_label].map(|t| lang.pick(t))),
                    Prompt::Text { label, .. }
                    | Prompt::List { label, .. }
                    | Prompt::Circles { label, .. } => texts.push(lang.pick(label)),
                }
            }
            texts.extend(step.cards.iter().map(|c| lang.pick(&c.text)));
            texts.extend(step.cards.iter().map(|c| lang.pick(&c.theme)));
            texts.extend(step.topics.iter().map(|t| lang.pick(&t.text)));
            texts.extend(step.areas.iter().map(|a| lang.pick(&a.title)));
            texts.extend(step.areas.iter().map(|a| lang.pick(&a.prompt)));
            texts.extend(step.categories.iter().map(|c| lang.pick(c)));
        }
        texts
    }

    /// The lines of `text` as the page writes them (escaped, list dashes dropped).
    fn printed_lines(text: &str) -> Vec<String> {
        text.lines()
            .map(str::trim)
            .map(|l| l.strip_prefix("– ").unwrap_or(l))
            .filter(|l| l.chars().count() > 3)
            .map(escape)
            .collect()
    }

    /// The facilitator-only lines of a programme in `lang` (its preparation, audience, notes,
    /// app instructions and app-only text) that are not also participants' text.
    fn private_lines(p: &Programme, lang: Lang) -> Vec<String> {
        let public: Vec<String> = public_texts(p, lang)
            .into_iter()
            .flat_map(printed_lines)
            .collect();
        let mut private = vec![lang.pick(&p.preparation)];
        for step in &p.steps {
            private.extend([&step.notes, &step.app_notes, &step.app_body].map(|t| lang.pick(t)));
        }
        private
            .into_iter()
            .flat_map(printed_lines)
            .filter(|line| !public.iter().any(|p| p.contains(line.as_str())))
            .collect()
    }

    #[test]
    fn every_builtin_handout_has_its_questions_and_cards_and_none_of_the_facilitators_text() {
        let library = Library::builtin().unwrap();
        let mut checked = 0;
        for p in library.all() {
            for lang in [Lang::Da, Lang::En] {
                let html = programme(p, lang, Version::Handout);
                assert!(html.contains("@page { size: A4"), "{}", p.id);
                for text in public_texts(p, lang) {
                    for line in printed_lines(text) {
                        assert!(html.contains(&line), "{} {lang:?}: missing {line:?}", p.id);
                    }
                }
                for step in &p.steps {
                    for card in &step.cards {
                        assert!(
                            html.contains(&format!(
                                "<p class=\"card-text\">{}</p>",
                                escape(lang.pick(&card.text))
                            )),
                            "{} {}",
                            p.id,
                            card.id
                        );
                    }
                }
                let private = private_lines(p, lang);
                assert!(!private.is_empty(), "{} has facilitator notes", p.id);
                for line in &private {
                    assert!(
                        !html.contains(line.as_str()),
                        "{} {lang:?}: the hand-out has the facilitator's {line:?}",
                        p.id
                    );
                    checked += 1;
                }
                assert!(!html.contains("class=\"notes\"") && !html.contains("class=\"app\""));
                assert!(!html.contains(words(lang).notes), "{}", p.id);
                assert!(!html.contains("<script"));

                // The guide has all of it.
                let guide = programme(p, lang, Version::Guide);
                for line in &private {
                    assert!(guide.contains(line.as_str()), "{} guide: {line:?}", p.id);
                }
            }
        }
        assert!(checked > 100, "{checked} facilitator lines checked");
    }

    #[test]
    fn the_one_to_one_handout_leaves_out_the_bosss_notes_and_the_app() {
        let library = Library::builtin().unwrap();
        let one = library.get("enkelte-leder").unwrap();
        let handout = programme(one, Lang::Da, Version::Handout);
        let trivsel = &one.step("trivsel").unwrap().1.notes.da;
        let min_trivsel = &one.step("min-trivsel").unwrap().1.app_body.da;
        for line in [trivsel.as_str(), min_trivsel.as_str()]
            .iter()
            .flat_map(|t| printed_lines(t))
            .filter(|l| {
                !l.contains("Hvordan kan jeg")
                    && !l.contains("Er der noget")
                    && !l.contains("Hvad kan du selv")
            })
        {
            assert!(!handout.contains(&line), "{line}");
        }
        assert!(handout.contains("Slet ikke") && handout.contains("Helt i top"));
        // One leader gets it.
        assert!(handout.contains("Første skridt") && handout.contains("Til deltageren"));
        // Its dash list is a list.
        assert!(
            handout
                .contains("<li>Hvordan kan jeg, som din leder/chef, understøtte din trivsel?</li>")
        );
        let guide = programme(one, Lang::Da, Version::Guide);
        assert!(guide.contains("Facilitatorguide") && guide.contains("Til facilitator"));
    }

    #[test]
    fn dash_lines_print_as_lists() {
        let mut out = String::new();
        let mut paper = Paper {
            out: &mut out,
            lang: Lang::Da,
            w: &DA,
            version: Version::Guide,
            programme: String::new(),
            index: 0,
            step_title: String::new(),
        };
        paper.paragraphs("Sig tydeligt:\n– Et\n- To\nSå videre.\n\nNæste", "");
        assert_eq!(
            out,
            "<p>Sig tydeligt:</p>\n<ul><li>Et</li><li>To</li></ul>\n<p>Så videre.</p>\n<p>Næste</p>\n"
        );
    }

    #[test]
    fn the_grid_prints_beside_its_table_with_quadrants_and_ticks() {
        let library = Library::builtin().unwrap();
        for p in library.all() {
            for step in p.steps.iter().filter(|s| !s.topics.is_empty()) {
                for lang in [Lang::Da, Lang::En] {
                    let w = words(lang);
                    let html = programme(p, lang, Version::Handout);
                    // The grid, and right after it its table.
                    let at = html.find("<div class=\"grid-pair\"><figure><svg").unwrap();
                    let pair = &html[at..];
                    let end = pair.find("</figure>").unwrap();
                    assert!(pair[end..].starts_with(&format!(
                        "</figure><p class=\"hint\">{}</p></div>\n<div class=\"grid-table\"><table>",
                        escape(w.grid_hint)
                    )));
                    let pair = &pair[..end];
                    // Each quadrant's name, written in the grid (its lines joined).
                    let names: Vec<String> = pair
                        .split("<text class=\"quadrant\"")
                        .skip(1)
                        .map(|q| {
                            let q = &q[..q.find("</text>").unwrap()];
                            q.split("</tspan>")
                                .filter_map(|t| t.rsplit_once('>').map(|(_, line)| line))
                                .filter(|line| !line.is_empty())
                                .collect::<Vec<_>>()
                                .join(" ")
                        })
                        .collect();
                    let quadrants = [w.concentrate_here, w.keep_up, w.low_priority, w.overkill];
                    assert_eq!(names, quadrants.map(escape), "{}", p.id);
                    for v in 1..=step.scale_max {
                        assert_eq!(
                            pair.matches(&format!(">{v}</text>")).count(),
                            2,
                            "{} tick {v} on both axes",
                            p.id
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_cut_out_card_names_its_theme_and_programme() {
        let library = Library::builtin().unwrap();
        for p in library.all() {
            for lang in [Lang::Da, Lang::En] {
                let html = programme(p, lang, Version::Handout);
                for step in &p.steps {
                    for card in &step.cards {
                        let theme = match lang.pick(&card.theme) {
                            "" => lang.pick(&step.title),
                            theme => theme,
                        };
                        let printed = format!(
                            "<div class=\"card\"><p class=\"card-theme\">{}</p><p class=\"card-text\">{}</p><p class=\"card-source\">{}</p></div>",
                            escape(theme),
                            escape(lang.pick(&card.text)),
                            escape(lang.pick(&p.title))
                        );
                        assert!(html.contains(&printed), "{} {}", p.id, card.id);
                    }
                    if !step.cards.is_empty() {
                        // The heading is in one keep-together box with the first row of cards.
                        let at = html
                            .find("<section class=\"cutouts\"><div class=\"keep\">")
                            .unwrap();
                        let keep = &html[at..];
                        let keep = &keep[..keep.find("</div>\n</div>\n").unwrap()];
                        assert!(keep.contains(&format!("<h2>{}</h2>", escape(words(lang).cards))));
                        assert!(keep.contains("<div class=\"card-row\"><div class=\"card\">"));
                        assert!(!html.contains(" → "), "the cards hint is in words");
                    }
                }
            }
        }
    }

    #[test]
    fn no_forced_page_break_inside_a_programme() {
        // Forced breaks leave half-empty pages; only a series' chapters start a page.
        let forced: Vec<&str> = STYLE
            .lines()
            .filter(|l| l.contains("break-before: page") || l.contains("page-break-before: always"))
            .collect();
        assert_eq!(
            forced,
            [".chapter { break-before: page; page-break-before: always; }"]
        );
        let library = Library::builtin().unwrap();
        for p in library.all() {
            assert!(!programme(p, Lang::Da, Version::Guide).contains("class=\"chapter\""));
        }
    }

    #[test]
    fn the_series_prints_as_one_booklet_meeting_by_meeting() {
        let library = Library::builtin().unwrap();
        for series_ in library.series() {
            let meetings: Vec<&Programme> = series_
                .meetings
                .iter()
                .map(|id| library.get(id).unwrap())
                .collect();
            for version in [Version::Handout, Version::Guide] {
                let html = series(series_, &meetings, &[], Lang::Da, version);
                assert!(html.contains(&escape(&series_.title.da)));
                assert!(
                    !html.contains("class=\"meeting-date\""),
                    "no days given, none printed"
                );
                let mut at = 0;
                for (n, meeting) in meetings.iter().enumerate() {
                    let chapter = format!(
                        "<section class=\"chapter\"><h1>Møde {}: {}</h1>",
                        n + 1,
                        escape(&meeting.title.da)
                    );
                    let found = html[at..]
                        .find(&chapter)
                        .unwrap_or_else(|| panic!("{chapter}"));
                    at += found + chapter.len();
                    let alone = programme(meeting, Lang::Da, version);
                    for step in &meeting.steps {
                        assert!(html[at..].contains(&escape(&step.title.da)));
                    }
                    if version == Version::Handout {
                        for line in private_lines(meeting, Lang::Da) {
                            assert!(!html.contains(&line), "{line}");
                        }
                    }
                    assert!(alone.contains(&escape(&meeting.title.da)));
                }
            }
        }
    }

    /// The days the series page knows are printed under each meeting's heading and in the
    /// list of meetings; a meeting without one has none.
    #[test]
    fn a_booklet_gives_each_meeting_its_day() {
        let library = Library::builtin().unwrap();
        let series_ = library.get_series("tre-trins-raket").unwrap();
        let meetings: Vec<&Programme> = series_
            .meetings
            .iter()
            .map(|id| library.get(id).unwrap())
            .collect();
        let dates = [Some("2027-01-12".to_owned()), None];
        let html = series(series_, &meetings, &dates, Lang::Da, Version::Handout);
        let first = format!(
            "<h1>Møde 1: {}</h1>\n<p class=\"meeting-date\">Dato: 12. januar 2027</p>",
            escape(&meetings[0].title.da)
        );
        assert!(html.contains(&first), "{html}");
        assert!(html.contains(&format!(
            "<li>{} – 12. januar 2027</li>",
            escape(&meetings[0].title.da)
        )));
        assert_eq!(
            html.matches("class=\"meeting-date\"").count(),
            1,
            "the others have no day"
        );
        let english = series(series_, &meetings, &dates, Lang::En, Version::Guide);
        assert!(english.contains("<p class=\"meeting-date\">Date: 12 January 2027</p>"));
    }

    #[test]
    fn the_guide_is_the_default() {
        assert_eq!(Version::default(), Version::Guide);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("<b>\"&'"), "&lt;b&gt;&quot;&amp;&#39;");
    }
}
