//! Paper versions of a programme: its questions and blank templates, and its dialogue cards as
//! cut-out cards, as one printable HTML page (A4 print CSS). A meeting without phones can still
//! use trivsel.

use std::fmt::Write;

use crate::content::{Programme, Prompt, Step, StepKind, Text};
use crate::domain::Lang;
use crate::export::xml::escape;

struct Words {
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
    deadline: "Deadline",
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

fn pick(text: &Text, lang: Lang) -> &str {
    match lang {
        Lang::Da => &text.da,
        Lang::En => &text.en,
    }
}

fn paragraphs(out: &mut String, text: &str, class: &str) {
    for p in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let _ = writeln!(out, "<p class=\"{class}\">{}</p>", escape(p));
    }
}

fn lines(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push_str("<div class=\"lines\"></div>\n");
    }
}

/// Two circles drawn blank, to sketch sizes and overlap on paper.
fn circles(out: &mut String, w: &Words) {
    for label in [w.now, w.wanted] {
        let _ = writeln!(
            out,
            "<h3>{label}</h3><svg width=\"160mm\" height=\"45mm\" viewBox=\"0 0 320 90\" role=\"img\" aria-label=\"{label}\">\
             <rect x=\"1\" y=\"1\" width=\"318\" height=\"88\" fill=\"none\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\
             <text x=\"10\" y=\"18\" font-size=\"10\">{} · {}</text></svg>",
            w.work, w.private
        );
    }
}

/// A blank 2×2 grid for placing topics by hand.
fn blank_grid(out: &mut String, w: &Words) {
    let _ = writeln!(
        out,
        "<svg width=\"120mm\" height=\"120mm\" viewBox=\"0 0 240 240\" role=\"img\" aria-label=\"{imp} × {suc}\">\
         <rect x=\"30\" y=\"10\" width=\"200\" height=\"200\" fill=\"none\" stroke=\"#333\"/>\
         <line x1=\"130\" y1=\"10\" x2=\"130\" y2=\"210\" stroke=\"#333\"/><line x1=\"30\" y1=\"110\" x2=\"230\" y2=\"110\" stroke=\"#333\"/>\
         <text x=\"130\" y=\"230\" font-size=\"10\" text-anchor=\"middle\">{suc}</text>\
         <text x=\"12\" y=\"110\" font-size=\"10\" text-anchor=\"middle\" transform=\"rotate(-90 12 110)\">{imp}</text></svg>",
        imp = escape(w.importance),
        suc = escape(w.success)
    );
}

fn table(out: &mut String, headers: &[&str], rows: &[Vec<String>]) {
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

fn step_html(out: &mut String, index: usize, step: &Step, lang: Lang, w: &Words) {
    let minutes = step
        .minutes
        .map(|m| format!(" ({m} {})", w.minutes))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "<section class=\"step\"><h2>{} {}: {}{minutes}</h2>",
        w.step,
        index + 1,
        escape(pick(&step.title, lang))
    );
    paragraphs(out, pick(&step.body, lang), "");
    match step.kind {
        StepKind::Reflection => {
            for prompt in &step.prompts {
                match prompt {
                    Prompt::Scale {
                        label,
                        min,
                        max,
                        min_label,
                        max_label,
                        ..
                    } => {
                        let _ = write!(
                            out,
                            "<h3>{}</h3><div class=\"scale\"><span>{}</span>",
                            escape(pick(label, lang)),
                            escape(pick(min_label, lang))
                        );
                        for v in *min..=*max {
                            let _ = write!(out, "<span class=\"box\">{v}</span>");
                        }
                        let _ =
                            writeln!(out, "<span>{}</span></div>", escape(pick(max_label, lang)));
                    }
                    Prompt::Text { label, .. } => {
                        let _ = writeln!(out, "<h3>{}</h3>", escape(pick(label, lang)));
                        lines(out, 4);
                    }
                    Prompt::List {
                        label, max_items, ..
                    } => {
                        let _ = writeln!(out, "<h3>{}</h3>", escape(pick(label, lang)));
                        lines(out, (*max_items).min(6));
                    }
                    Prompt::Circles { label, .. } => {
                        let _ = writeln!(out, "<h3>{}</h3>", escape(pick(label, lang)));
                        circles(out, w);
                    }
                }
            }
        }
        StepKind::Grid => {
            let rows: Vec<Vec<String>> = step
                .topics
                .iter()
                .map(|t| vec![pick(&t.text, lang).to_owned(), String::new(), String::new()])
                .chain((0..3).map(|_| vec![String::new(), String::new(), String::new()]))
                .collect();
            table(out, &[w.topic, w.importance, w.success], &rows);
            blank_grid(out, w);
        }
        StepKind::Map => {
            let rows: Vec<Vec<String>> = (0..8).map(|_| vec![String::new(); 3]).collect();
            table(out, &[w.actor, w.influence, w.effect], &rows);
            if !step.categories.is_empty() {
                let names: Vec<&str> = step.categories.iter().map(|c| pick(c, lang)).collect();
                let _ = writeln!(out, "<p class=\"hint\">{}</p>", escape(&names.join(" · ")));
            }
        }
        StepKind::Plan => {
            let rows: Vec<Vec<String>> = step
                .areas
                .iter()
                .map(|a| {
                    let mut row = vec![String::new(); 6];
                    row[0] = pick(&a.title, lang).to_owned();
                    row
                })
                .collect();
            table(
                out,
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
        StepKind::PersonalPlan => {
            for area in &step.areas {
                let _ = writeln!(
                    out,
                    "<h3>{}</h3><p>{}</p>",
                    escape(pick(&area.title, lang)),
                    escape(pick(&area.prompt, lang))
                );
                lines(out, 3);
                let _ = writeln!(out, "<p>{}:</p>", escape(w.first_step));
                lines(out, 2);
            }
        }
        StepKind::Cards => {
            let _ = writeln!(
                out,
                "<p class=\"hint\">{} → {}</p>",
                step.cards.len(),
                escape(w.cards)
            );
        }
        StepKind::Info | StepKind::End => {}
    }
    let notes = pick(&step.notes, lang);
    if !notes.trim().is_empty() {
        let _ = writeln!(
            out,
            "<div class=\"notes\"><strong>{}</strong>",
            escape(w.notes)
        );
        paragraphs(out, notes, "");
        out.push_str("</div>\n");
    }
    out.push_str("</section>\n");
}

/// The printable page of a programme in `lang`: questions and blank templates for every step,
/// the facilitator's notes, and every card deck as cut-out cards.
pub fn programme(programme: &Programme, lang: Lang) -> String {
    let w = match lang {
        Lang::Da => &DA,
        Lang::En => &EN,
    };
    let title = escape(pick(&programme.title, lang));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{title}</title><style>{STYLE}</style></head><body>",
        w.lang
    );
    let _ = writeln!(out, "<h1>{title}</h1>");
    paragraphs(&mut out, pick(&programme.audience, lang), "hint");
    let _ = writeln!(out, "<p class=\"hint\">{}</p>", escape(w.paper_note));
    let preparation = pick(&programme.preparation, lang);
    if !preparation.trim().is_empty() {
        let _ = writeln!(out, "<h2>{}</h2>", escape(w.preparation));
        paragraphs(&mut out, preparation, "");
    }
    for (i, step) in programme.steps.iter().enumerate() {
        step_html(&mut out, i, step, lang, w);
    }
    for step in programme.steps.iter().filter(|s| s.kind == StepKind::Cards) {
        let _ = writeln!(
            out,
            "<h2>{}: {}</h2><div class=\"cards\">",
            escape(w.cards),
            escape(pick(&step.title, lang))
        );
        for card in &step.cards {
            let _ = writeln!(
                out,
                "<div class=\"card\">{}</div>",
                escape(pick(&card.text, lang))
            );
        }
        out.push_str("</div>\n");
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
                assert!(html.contains(&escape(pick(&p.title, lang))));
                for step in &p.steps {
                    assert!(
                        html.contains(&escape(pick(&step.title, lang))),
                        "{} {}",
                        p.id,
                        step.id
                    );
                    for card in &step.cards {
                        assert!(html.contains(&format!(
                            "<div class=\"card\">{}</div>",
                            escape(pick(&card.text, lang))
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
