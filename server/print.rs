//! Paper versions of a programme: its questions and blank templates, and its dialogue cards as
//! cut-out cards, as one printable HTML page (A4 print CSS). A meeting without phones can still
//! use trivsel.

use std::fmt::Write;

use crate::content::{Programme, Step, Text};
use crate::domain::Lang;
use crate::export::xml::escape;
use crate::kinds;

/// The printout's own words in one language.
pub struct Words {
    lang: &'static str,
    preparation: &'static str,
    step: &'static str,
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
    cards: &'static str,
    now: &'static str,
    wanted: &'static str,
    work: &'static str,
    private: &'static str,
    notes: &'static str,
    paper_note: &'static str,
    accessibility: &'static str,
}

const DA: Words = Words {
    lang: "da",
    preparation: "Forberedelse",
    step: "Trin",
    minutes: "min.",
    importance: "Vigtighed (1–5)",
    success: "Hvor godt lykkes vi? (1–5)",
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
    cards: "Dialogkort – klip ud",
    now: "Nu",
    wanted: "Ønsket",
    work: "Arbejdsliv",
    private: "Privatliv",
    notes: "Til facilitator",
    paper_note: "Papirudgave: udfyld for dig selv først. Del kun det, du har lyst til.",
    accessibility: "Tilgængelighedserklæring",
};

const EN: Words = Words {
    lang: "en",
    preparation: "Preparation",
    step: "Step",
    minutes: "min",
    importance: "Importance (1–5)",
    success: "How well do we succeed? (1–5)",
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
    cards: "Dialogue cards – cut out",
    now: "Now",
    wanted: "Wanted",
    work: "Work life",
    private: "Private life",
    notes: "For the facilitator",
    paper_note: "Paper version: fill in on your own first. Share only what you want to.",
    accessibility: "Accessibility statement",
};

const STYLE: &str = "@page { size: A4; margin: 16mm; }
body { font-family: 'DejaVu Sans', Arial, sans-serif; color: #111; font-size: 11pt; line-height: 1.45; max-width: 178mm; margin: 0 auto; }
h1 { font-size: 20pt; margin: 0 0 4mm; } h2 { font-size: 14pt; margin: 8mm 0 2mm; border-bottom: 1px solid #444; }
h3 { font-size: 11.5pt; margin: 4mm 0 1mm; }
section.step { break-inside: avoid-page; }
.lines { border-bottom: 1px solid #888; height: 8mm; }
.scale { display: flex; gap: 2mm; align-items: center; flex-wrap: wrap; }
.scale span.box { display: inline-block; width: 9mm; height: 9mm; border: 1px solid #333; text-align: center; line-height: 9mm; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; } th, td { border: 1px solid #444; padding: 1.5mm; text-align: left; vertical-align: top; }
td.blank { height: 12mm; } tr { break-inside: avoid; }
.notes { background: #f2f2f2; padding: 2mm 3mm; font-size: 9.5pt; }
.hint { font-style: italic; color: #333; }
.cards { display: grid; grid-template-columns: 1fr 1fr; gap: 0; break-before: page; }
.card { border: 1px dashed #555; min-height: 60mm; padding: 8mm; display: flex; align-items: center; justify-content: center; text-align: center; font-size: 14pt; break-inside: avoid; }
svg { display: block; margin: 2mm 0; }
footer { margin-top: 10mm; font-size: 9.5pt; }
@media print { footer { display: none; } }
@media screen { body { margin: 2rem auto; padding: 0 1rem; } }";

/// A page being written: the step kinds write their paper versions through it (see
/// `Kind::print`), in the page's language.
pub struct Paper<'a> {
    out: &'a mut String,
    lang: Lang,
    w: &'static Words,
}

impl Paper<'_> {
    fn pick<'t>(&self, text: &'t Text) -> &'t str {
        self.lang.pick(text)
    }

    /// Paragraphs of `text` (blank lines separate them), with a CSS class.
    fn paragraphs(&mut self, text: &str, class: &str) {
        for p in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
            let _ = writeln!(self.out, "<p class=\"{class}\">{}</p>", escape(p));
        }
    }

    /// A question's heading.
    pub fn question(&mut self, label: &Text) {
        let _ = writeln!(self.out, "<h3>{}</h3>", escape(self.pick(label)));
    }

    /// `n` blank lines to write on.
    pub fn lines(&mut self, n: usize) {
        for _ in 0..n {
            self.out.push_str("<div class=\"lines\"></div>\n");
        }
    }

    /// A scale question: its label and a box per value between the two end labels.
    pub fn scale(&mut self, label: &Text, min: i32, max: i32, min_label: &Text, max_label: &Text) {
        let _ = write!(
            self.out,
            "<h3>{}</h3><div class=\"scale\"><span>{}</span>",
            escape(self.pick(label)),
            escape(self.pick(min_label))
        );
        for v in min..=max {
            let _ = write!(self.out, "<span class=\"box\">{v}</span>");
        }
        let _ = writeln!(
            self.out,
            "<span>{}</span></div>",
            escape(self.pick(max_label))
        );
    }

    /// Two circles drawn blank, to sketch sizes and overlap on paper.
    pub fn circles(&mut self) {
        let w = self.w;
        for label in [w.now, w.wanted] {
            let _ = writeln!(
                self.out,
                "<h3>{label}</h3><svg width=\"160mm\" height=\"45mm\" viewBox=\"0 0 320 90\" role=\"img\" aria-label=\"{label}\">\
                 <rect x=\"1\" y=\"1\" width=\"318\" height=\"88\" fill=\"none\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\
                 <text x=\"10\" y=\"18\" font-size=\"10\">{} · {}</text></svg>",
                w.work, w.private
            );
        }
    }

    /// A table of `topics` with blank columns for importance and success, and three blank rows.
    pub fn rating_table(&mut self, topics: &[&Text]) {
        let rows: Vec<Vec<String>> = topics
            .iter()
            .map(|t| vec![self.pick(t).to_owned(), String::new(), String::new()])
            .chain((0..3).map(|_| vec![String::new(), String::new(), String::new()]))
            .collect();
        let w = self.w;
        self.table(&[w.topic, w.importance, w.success], &rows);
    }

    /// A blank 2×2 grid for placing topics by hand.
    pub fn blank_grid(&mut self) {
        let w = self.w;
        let _ = writeln!(
            self.out,
            "<svg width=\"120mm\" height=\"120mm\" viewBox=\"0 0 240 240\" role=\"img\" aria-label=\"{imp} × {suc}\">\
             <rect x=\"30\" y=\"10\" width=\"200\" height=\"200\" fill=\"none\" stroke=\"#333\"/>\
             <line x1=\"130\" y1=\"10\" x2=\"130\" y2=\"210\" stroke=\"#333\"/><line x1=\"30\" y1=\"110\" x2=\"230\" y2=\"110\" stroke=\"#333\"/>\
             <text x=\"130\" y=\"230\" font-size=\"10\" text-anchor=\"middle\">{suc}</text>\
             <text x=\"12\" y=\"110\" font-size=\"10\" text-anchor=\"middle\" transform=\"rotate(-90 12 110)\">{imp}</text></svg>",
            imp = escape(w.importance),
            suc = escape(w.success)
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
            "<h3>{}</h3><p>{}</p>",
            escape(self.pick(title)),
            escape(self.pick(prompt))
        );
        self.lines(3);
        let _ = writeln!(self.out, "<p>{}:</p>", escape(self.w.first_step));
        self.lines(2);
    }

    /// A note that the step's `count` cards are printed as cut-out cards at the end.
    pub fn cards_hint(&mut self, count: usize) {
        let _ = writeln!(
            self.out,
            "<p class=\"hint\">{count} → {}</p>",
            escape(self.w.cards)
        );
    }

    /// A deck as cut-out cards on a page of their own, under the step's title.
    pub fn cutout_cards(&mut self, title: &Text, cards: &[&Text]) {
        let _ = writeln!(
            self.out,
            "<h2>{}: {}</h2><div class=\"cards\">",
            escape(self.w.cards),
            escape(self.pick(title))
        );
        for card in cards {
            let _ = writeln!(
                self.out,
                "<div class=\"card\">{}</div>",
                escape(self.pick(card))
            );
        }
        self.out.push_str("</div>\n");
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

    /// One step: its heading, the participants' text, the kind's paper version, the notes.
    fn step(&mut self, index: usize, step: &Step) {
        let w = self.w;
        let minutes = step
            .minutes
            .map(|m| format!(" ({m} {})", w.minutes))
            .unwrap_or_default();
        let _ = writeln!(
            self.out,
            "<section class=\"step\"><h2>{} {}: {}{minutes}</h2>",
            w.step,
            index + 1,
            escape(self.pick(&step.title))
        );
        self.paragraphs(self.lang.pick(&step.body), "");
        kinds::of(step.kind).print(step, self);
        let notes = self.lang.pick(&step.notes);
        if !notes.trim().is_empty() {
            let _ = writeln!(
                self.out,
                "<div class=\"notes\"><strong>{}</strong>",
                escape(w.notes)
            );
            self.paragraphs(notes, "");
            self.out.push_str("</div>\n");
        }
        self.out.push_str("</section>\n");
    }
}

/// The printable page of a programme in `lang`: questions and blank templates for every step,
/// the facilitator's notes, and every card deck as cut-out cards.
pub fn programme(programme: &Programme, lang: Lang) -> String {
    let w = match lang {
        Lang::Da => &DA,
        Lang::En => &EN,
    };
    let title = escape(lang.pick(&programme.title));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{title}</title><style>{STYLE}</style></head><body>",
        w.lang
    );
    let _ = writeln!(out, "<h1>{title}</h1>");
    let mut paper = Paper {
        out: &mut out,
        lang,
        w,
    };
    paper.paragraphs(lang.pick(&programme.audience), "hint");
    let _ = writeln!(paper.out, "<p class=\"hint\">{}</p>", escape(w.paper_note));
    let preparation = lang.pick(&programme.preparation);
    if !preparation.trim().is_empty() {
        let _ = writeln!(paper.out, "<h2>{}</h2>", escape(w.preparation));
        paper.paragraphs(preparation, "");
    }
    for (i, step) in programme.steps.iter().enumerate() {
        paper.step(i, step);
    }
    for step in &programme.steps {
        kinds::of(step.kind).print_after(step, &mut paper);
    }
    let _ = writeln!(
        out,
        "<footer><a href=\"/tilgaengelighed\">{}</a></footer>",
        escape(w.accessibility)
    );
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Library;

    #[test]
    fn every_builtin_programme_prints_with_its_questions_templates_and_cards() {
        let library = Library::builtin().unwrap();
        for p in library.all() {
            for lang in [Lang::Da, Lang::En] {
                let html = programme(p, lang);
                assert!(html.contains("@page { size: A4"), "{}", p.id);
                assert!(html.contains(&escape(lang.pick(&p.title))));
                for step in &p.steps {
                    assert!(
                        html.contains(&escape(lang.pick(&step.title))),
                        "{} {}",
                        p.id,
                        step.id
                    );
                    for card in &step.cards {
                        assert!(html.contains(&format!(
                            "<div class=\"card\">{}</div>",
                            escape(lang.pick(&card.text))
                        )));
                    }
                }
                assert!(!html.contains("<script"));
            }
        }
        let one = programme(library.get("enkelte-leder").unwrap(), Lang::Da);
        assert!(
            one.contains("Slet ikke")
                && one.contains("Helt i top")
                && one.contains("Første skridt")
        );
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("<b>\"&'"), "&lt;b&gt;&quot;&amp;&#39;");
    }
}
