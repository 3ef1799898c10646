//! Tests of the exports: each format is read back with a real reader (Word with `docx-rs` and
//! an XML parser, CSV with the `csv` crate, HTML and SVG as XML) and checked for content,
//! escaping, the "too few answered" rule, language, and the empty case.

use std::io::Read;

use resvg::usvg::roxmltree;

use super::*;
use crate::content::Text;
use crate::outcome::{
    ActorResult, CardResult, PersonalArea, PlanRow, ScaleResult, Section, SharedItem, Stat,
    TopicResult,
};

const XSS: &str = "<script>alert(1)</script>";
const FORMULA: &str = "=HYPERLINK(\"x\")";

fn both(da: &str, en: &str) -> Text {
    Text {
        da: da.to_owned(),
        en: en.to_owned(),
    }
}

fn stat(mean: f64, sd: f64, n: u32) -> Option<Stat> {
    Some(Stat { mean, sd, n })
}

fn topic(
    text: Text,
    raters: u32,
    importance: (f64, f64),
    success: (f64, f64),
    agreed: Option<(u8, u8)>,
    priority: Option<u8>,
    dots: u32,
) -> TopicResult {
    TopicResult {
        text,
        raters,
        importance: stat(importance.0, importance.1, raters),
        success: stat(success.0, success.1, raters),
        agreed,
        priority,
        dots,
        tables_left_out: 0,
    }
}

fn actor(label: &str, named_by: u32, influence: (f64, f64), effect: (f64, f64)) -> ActorResult {
    ActorResult {
        label: label.to_owned(),
        named_by,
        influence: stat(influence.0, influence.1, named_by),
        effect: stat(effect.0, effect.1, named_by),
        tables: None,
    }
}

fn shared(text: &str, author: Option<&str>, group: Option<&str>) -> SharedItem {
    SharedItem {
        text: text.to_owned(),
        author: author.map(str::to_owned),
        group: group.map(str::to_owned),
        question: None,
        tag: None,
        table: None,
    }
}

/// A Danish session with every kind of section, payloads in participant text, a topic and an
/// actor below the group minimum, a scale too few answered, and three plan rows.
fn fixture() -> Outcome {
    Outcome {
        code: "KX7P2Q".to_owned(),
        programme_id: "del2".to_owned(),
        programme: both(
            "Del 2 — Trivsel i ledergruppen",
            "Part 2 — Well-being in the leader group",
        ),
        lang: "da".to_owned(),
        date: "2025-03-12".to_owned(),
        min_group: 3,
        for_one: false,
        has_plan: true,
        personal_plan_shared: None,
        table: None,
        tables: None,
        participants: 9,
        sections: vec![
            Section::Reflection {
                questions: vec![],
                title: both(
                    "Det, der giver energi og arbejdsglæde",
                    "What gives energy and joy at work",
                ),
                scales: vec![
                    ScaleResult {
                        label: both(
                            "Hvor meget energi har du i dit arbejde lige nu?",
                            "How much energy do you have in your work right now?",
                        ),
                        min: 1,
                        max: 10,
                        min_label: both("Slet ikke", "Not at all"),
                        max_label: both("Helt i top", "Couldn't be better"),
                        n: 9,
                        counts: Some(vec![0, 0, 1, 1, 2, 1, 2, 1, 1, 0]),
                        tables_left_out: 0,
                        trend: Vec::new(),
                    },
                    ScaleResult {
                        label: both(
                            "Hvor godt når du at komme dig efter en travl uge?",
                            "How well do you recover after a busy week?",
                        ),
                        min: 1,
                        max: 10,
                        min_label: both("Slet ikke", "Not at all"),
                        max_label: both("Helt i top", "Couldn't be better"),
                        n: 2,
                        counts: None,
                        tables_left_out: 0,
                        trend: Vec::new(),
                    },
                ],
                shared: vec![
                    shared(
                        "Når mine medarbejdere lykkes med noget svært",
                        Some("Mette"),
                        Some("Det giver energi"),
                    ),
                    shared("Mails sent om aftenen", None, Some("Det tager energi")),
                    shared(
                        "Sparring med kolleger i ledergruppen",
                        None,
                        Some("Det giver energi"),
                    ),
                    shared(XSS, None, Some("Det tager energi")),
                    shared(
                        "Jeg vil gerne have mere tid til faglig ledelse | ikke kun drift",
                        Some("Jonas"),
                        None,
                    ),
                ],
            },
            Section::Cards {
                title: both("Samarbejde på tværs", "Cooperation across units"),
                cards: vec![
                    CardResult {
                        text: both(
                            "Hvordan hjælper vi hinanden på tværs af vores enheder?",
                            "How do we help each other across our units?",
                        ),
                        passed: false,
                        notes: vec![
                            "Fælles morgenmøde hver anden uge".to_owned(),
                            "Del kalendere, så vi ved, hvornår man må forstyrre".to_owned(),
                        ],
                        table: None,
                    },
                    CardResult {
                        text: both(
                            "Hvad skal der til, for at du tør sige højt, at du er presset?",
                            "What would it take for you to say out loud that you are under pressure?",
                        ),
                        passed: false,
                        notes: vec!["Tillid tager tid – vi starter i det små".to_owned()],
                        table: None,
                    },
                    CardResult {
                        text: both(
                            "Hvordan skaber vi frirum i en travl hverdag?",
                            "How do we create free room in a busy day?",
                        ),
                        passed: true,
                        notes: vec![],
                        table: None,
                    },
                ],
            },
            Section::Grid {
                title: both("Prioriteringskort", "Prioritisation card"),
                scale_max: 5,
                topics: vec![
                    topic(
                        both(
                            "Tillid og åbenhed i ledergruppen",
                            "Trust and openness in the leader group",
                        ),
                        7,
                        (4.6, 0.5),
                        (2.4, 0.9),
                        Some((5, 2)),
                        Some(1),
                        6,
                    ),
                    topic(
                        both(
                            "Frirum til faglig fordybelse",
                            "Room for professional focus",
                        ),
                        7,
                        (4.1, 0.7),
                        (1.9, 0.6),
                        Some((4, 2)),
                        Some(2),
                        4,
                    ),
                    topic(
                        both("Sparring på tværs af enheder", "Sparring across units"),
                        6,
                        (3.7, 1.1),
                        (3.8, 0.8),
                        None,
                        Some(3),
                        2,
                    ),
                    topic(
                        both(
                            "Møder, der starter og slutter til tiden",
                            "Meetings that start and end on time",
                        ),
                        7,
                        (2.1, 0.8),
                        (4.3, 0.5),
                        None,
                        None,
                        0,
                    ),
                    topic(
                        both("Fælles sociale arrangementer", "Social events together"),
                        7,
                        (2.0, 1.2),
                        (1.8, 0.7),
                        None,
                        None,
                        1,
                    ),
                    TopicResult {
                        text: both(
                            "Ledelsesinformation, der giver mening",
                            "Management information that makes sense",
                        ),
                        raters: 2,
                        importance: None,
                        success: None,
                        agreed: None,
                        priority: None,
                        dots: 0,
                        tables_left_out: 0,
                    },
                ],
                tables: Vec::new(),
            },
            Section::Map {
                title: both(
                    "Hvem påvirker vores trivsel?",
                    "Who affects our well-being?",
                ),
                actors: vec![
                    actor("Medarbejdere", 8, (4.6, 0.5), (1.2, 0.8)),
                    actor("Borgere og brugere", 7, (4.0, 0.9), (0.4, 1.1)),
                    actor("Pårørende", 5, (3.1, 1.0), (-0.8, 0.9)),
                    actor("Direktionen", 6, (4.2, 0.7), (-0.3, 1.2)),
                    actor("Politikerne", 4, (3.5, 1.1), (-1.2, 0.6)),
                ],
                too_few: 1,
            },
        ],
        action_plan: vec![
            PlanRow {
                area: "Ledergruppen".to_owned(),
                action: "Vi laver en fast tjek-ind på hvert ledermøde".to_owned(),
                first_step: "Første tjek-ind på mødet den 2. april".to_owned(),
                owner: "Chefen".to_owned(),
                deadline: "2025-04-02".to_owned(),
                follow_up: "2025-06-01".to_owned(),
                answers: Some("Tillid og åbenhed i ledergruppen".to_owned()),
                table: None,
            },
            PlanRow {
                area: "Selvledelse".to_owned(),
                action: FORMULA.to_owned(),
                first_step: "Bloker to timer om ugen til fordybelse\nog fortæl det til teamet"
                    .to_owned(),
                owner: "Hver leder".to_owned(),
                deadline: "2025-04-15".to_owned(),
                follow_up: String::new(),
                answers: Some("Frirum til faglig fordybelse".to_owned()),
                table: None,
            },
            PlanRow {
                area: "Omverdenen".to_owned(),
                action: "Afklar forventninger til svartider med direktionen, \"hurtigst muligt\""
                    .to_owned(),
                first_step: XSS.to_owned(),
                owner: "Anne, HR".to_owned(),
                deadline: String::new(),
                follow_up: "2025-05-01".to_owned(),
                answers: None,
                table: None,
            },
        ],
    }
}

fn english() -> Outcome {
    Outcome {
        lang: "en".to_owned(),
        ..fixture()
    }
}

fn empty() -> Outcome {
    Outcome {
        sections: vec![],
        action_plan: vec![],
        ..fixture()
    }
}

fn personal_plan() -> PersonalPlan {
    let area = |da: &str, en: &str, work: &str, first_step: &str| PersonalArea {
        title: both(da, en),
        prompt: both(
            "Følgende arbejder jeg selv videre med",
            "This is what I will work on myself",
        ),
        work: work.to_owned(),
        first_step: first_step.to_owned(),
    };
    PersonalPlan {
        programme: both(
            "Fokus på den enkelte leder",
            "Focus on the individual leader",
        ),
        lang: "da".to_owned(),
        date: "2025-03-12".to_owned(),
        name: Some("Mette Sørensen".to_owned()),
        areas: vec![
            area(
                "Selvledelse",
                "Self-leadership",
                "Holde fri om aftenen\nog sige nej oftere",
                "Slukke for mails kl. 18",
            ),
            area("Ledergruppen", "The leader group", XSS, "Tale med chefen"),
            area("Min chef", "My boss", "", ""),
            area(
                "Medarbejderne",
                "The employees",
                "Mere tid på gulvet",
                "Gå en runde hver mandag",
            ),
        ],
    }
}

fn text(rendered: &Rendered) -> &str {
    std::str::from_utf8(&rendered.bytes).expect("text exports are UTF-8")
}

/// Every `<svg>…</svg>` in `markup`.
fn svgs(markup: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = markup;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("every svg is closed") + start + 6;
        found.push(&rest[start..end]);
        rest = &rest[end..];
    }
    found
}

/// Checks a picture is well-formed, accessible SVG; returns all its text.
fn check_svg(svg: &str) -> String {
    let doc = roxmltree::Document::parse(svg).expect("an SVG parses as XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("role"), Some("img"));
    assert!(root.attribute("viewBox").is_some());
    let child = |name: &str| {
        root.children()
            .find(|n| n.has_tag_name(name))
            .and_then(|n| n.text())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(!child("title").is_empty(), "an SVG has a title");
    assert!(!child("desc").is_empty(), "an SVG has a description");
    assert!(!svg.contains("<script"));
    doc.descendants()
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The files of a `.docx`.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a docx is a zip");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            (file.name().to_owned(), content)
        })
        .collect()
}

#[test]
fn formats_have_their_content_types_and_extensions() {
    let outcome = fixture();
    for (format, extension, content_type) in [
        (Format::Markdown, "md", "text/markdown; charset=utf-8"),
        (Format::Html, "html", "text/html; charset=utf-8"),
        (
            Format::Docx,
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (Format::Csv, "csv", "text/csv; charset=utf-8"),
        (Format::Json, "json", "application/json"),
    ] {
        let rendered = session(&outcome, format).unwrap();
        assert_eq!(rendered.extension, extension);
        assert_eq!(rendered.content_type, content_type);
        assert_eq!(Format::parse(extension), Some(format));
    }
}

#[test]
fn the_word_file_reads_back_with_headings_plan_texts_and_sharp_pictures() {
    let rendered = session(&fixture(), Format::Docx).unwrap();
    docx_rs::read_docx(&rendered.bytes).expect("docx-rs reads the file back");

    let files = unzip(&rendered.bytes);
    let file = |name: &str| {
        files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, bytes)| String::from_utf8(bytes.clone()).unwrap())
            .unwrap_or_else(|| panic!("{name} is in the docx"))
    };
    let document = file("word/document.xml");
    let xml = roxmltree::Document::parse(&document).expect("document.xml parses");
    let texts: String = xml
        .descendants()
        .filter(|n| n.has_tag_name("t"))
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join("\n");
    for expected in [
        "Del 2 — Trivsel i ledergruppen",
        "12. marts 2025",
        "KX7P2Q",
        "Handleplan",
        "Prioriteringskort",
        "Interessentkort – Hvem påvirker vores trivsel?",
        "Vi laver en fast tjek-ind på hvert ledermøde",
        "Bloker to timer om ugen til fordybelse",
        "og fortæl det til teamet",
        FORMULA,
        XSS,
        "Færre end 3 har svaret – derfor vises resultatet ikke.",
        "Sprunget over.",
        "Mette",
    ] {
        assert!(texts.contains(expected), "the docx says {expected:?}");
    }
    let styles: Vec<&str> = xml
        .descendants()
        .filter(|n| n.has_tag_name("pStyle"))
        .filter_map(|n| {
            n.attributes()
                .find(|a| a.name() == "val")
                .map(|a| a.value())
        })
        .collect();
    for style in ["Title", "Heading1", "Heading2", "Heading3"] {
        assert!(styles.contains(&style), "the docx uses {style}");
    }
    assert!(file("word/styles.xml").contains(r#"w:val="heading 1""#));

    // Each picture has its own drawing id and its text alternative as alt text.
    let pictures: Vec<(&str, &str)> = xml
        .descendants()
        .filter(|n| n.has_tag_name("docPr"))
        .map(|n| {
            (
                n.attribute("id").unwrap_or_default(),
                n.attribute("descr").unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        pictures.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        ["1", "2", "3"]
    );
    assert!(
        pictures[0]
            .1
            .starts_with("Hvor meget energi har du i dit arbejde lige nu? ")
    );
    assert!(pictures[1].1.contains("»Sæt ind her«"));

    // One shown scale, the grid and the map: three PNG pictures at twice the SVG width.
    let pictures: Vec<&Vec<u8>> = files
        .iter()
        .filter(|(name, _)| name.starts_with("word/media/"))
        .filter(|(_, bytes)| !bytes.is_empty())
        .map(|(_, bytes)| bytes)
        .collect();
    assert_eq!(pictures.len(), 3);
    for png in pictures {
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let pixmap = resvg::tiny_skia::Pixmap::decode_png(png).expect("the PNG decodes");
        assert_eq!(pixmap.width(), 1360);
        assert!(pixmap.height() > 300);
        // Not blank: some pixels are dark (text and lines were drawn).
        let dark = pixmap
            .pixels()
            .iter()
            .filter(|p| p.red() < 80 && p.green() < 80 && p.blue() < 80)
            .count();
        assert!(dark > 1000, "the picture has text and lines");
    }
}

#[test]
fn the_csv_reads_back_as_the_plan_with_formulas_defused() {
    let outcome = fixture();
    let rendered = session(&outcome, Format::Csv).unwrap();
    let body = rendered
        .bytes
        .strip_prefix(csv::BOM)
        .expect("the CSV starts with a byte-order mark");
    let mut reader = ::csv::Reader::from_reader(body);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "Område",
            "Handling",
            "Første skridt",
            "Ansvarlig",
            "Frist",
            "Opfølgning",
            "Svarer på"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let mut expected: Vec<Vec<String>> = outcome
        .action_plan
        .iter()
        .map(document::plan_cells)
        .collect();
    expected[1][1] = format!("'{FORMULA}");
    assert_eq!(rows, expected);
    assert!(
        rows.iter().flatten().all(|cell| !cell.starts_with('=')),
        "no cell starts a formula"
    );
    assert!(text(&rendered).contains("\r\n"), "lines end in CRLF");
}

#[test]
fn the_html_page_escapes_participant_text_and_has_valid_accessible_pictures() {
    let rendered = session(&fixture(), Format::Html).unwrap();
    let html = text(&rendered);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(r#"<html lang="da">"#));
    assert!(html.contains(r#"<meta charset="utf-8"/>"#));
    assert!(html.contains("@page { size: A4; margin: 18mm; }"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.to_lowercase().contains("<script"));
    for external in ["<link", "src=\"http", "href=\"http", "url(http", "@import"] {
        assert!(!html.contains(external), "nothing external: {external}");
    }

    // The page is well-formed XML with no script element anywhere.
    let doc = roxmltree::Document::parse_with_options(
        html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .expect("the page parses as XML");
    assert!(!doc.descendants().any(|n| n.has_tag_name("script")));
    let page_text: String = doc
        .descendants()
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(page_text.contains(XSS), "the payload shows as text");

    let pictures = svgs(html);
    assert_eq!(pictures.len(), 3, "one scale, the grid and the map");
    let grid = check_svg(pictures[1]);
    for expected in [
        "Hvor godt lykkes vi?",
        "Vigtighed",
        "Sæt ind her",
        "Hold fast i det gode",
        "Lav prioritet",
        "Måske for meget",
        "Ledelsesinformation, der giver mening – færre end 3 har vurderet – vises ikke",
    ] {
        assert!(grid.contains(expected), "the grid shows {expected:?}");
    }
    assert!(
        grid.contains("4,6\u{a0}±\u{a0}0,5"),
        "means and spreads in Danish"
    );
    let map = check_svg(pictures[2]);
    for expected in [
        "Dræner energi",
        "Giver energi",
        "Indflydelse på vores hverdag",
        "Pårørende",
    ] {
        assert!(map.contains(expected), "the map shows {expected:?}");
    }
    assert!(map.contains("1 aktør nævnt af for få til at blive vist."));
    assert!(
        !map.contains("Fagforeningen"),
        "an actor named by too few is counted, never named"
    );
    let bars = check_svg(pictures[0]);
    assert!(bars.contains("Slet ikke") && bars.contains("Helt i top"));
    // Ids are unique across the page's pictures.
    let ids: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.attribute("id"))
        .collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(ids.len(), unique.len());
}

#[test]
fn a_scale_too_few_answered_says_so_and_draws_no_chart() {
    let mut outcome = empty();
    let Section::Reflection { scales, .. } = &fixture().sections[0] else {
        unreachable!()
    };
    outcome.sections = vec![Section::Reflection {
        questions: vec![],
        title: both("Restitution", "Recovery"),
        scales: vec![scales[1].clone()],
        shared: vec![],
    }];
    let sentence = "Færre end 3 har svaret – derfor vises resultatet ikke.";
    let html = session(&outcome, Format::Html).unwrap();
    assert!(text(&html).contains(sentence));
    assert!(!text(&html).contains("<svg"));
    assert!(text(&html).contains("Ingen delte punkter."));
    let markdown = session(&outcome, Format::Markdown).unwrap();
    assert!(text(&markdown).contains(sentence));
    assert!(!text(&markdown).contains("<img"));
    let docx = session(&outcome, Format::Docx).unwrap();
    assert!(
        !unzip(&docx.bytes)
            .iter()
            .any(|(name, bytes)| name.starts_with("word/media/") && !bytes.is_empty())
    );
}

#[test]
fn english_sessions_get_english_headings() {
    let outcome = english();
    for format in [Format::Markdown, Format::Html] {
        let rendered = session(&outcome, format).unwrap();
        let page = text(&rendered);
        for heading in [
            "Part 2 — Well-being in the leader group",
            "Action plan",
            "Prioritisation card",
            "Stakeholder map – Who affects our well-being?",
            "Dialogue cards – Cooperation across units",
            "Reflection – What gives energy and joy at work",
            "Fewer than 3 answered – so the result is not shown.",
        ] {
            assert!(page.contains(heading), "{format:?} has {heading:?}");
        }
        for danish in ["Handleplan", "Prioriteringskort", "Sæt ind her", "Dato"] {
            assert!(!page.contains(danish), "{format:?} has no {danish:?}");
        }
        // The kind once, in the programmes' own words.
        assert!(!page.contains("Prioritisation grid"), "{format:?}");
    }
    let html = session(&outcome, Format::Html).unwrap();
    assert!(text(&html).contains(r#"<html lang="en">"#));
    let grid = check_svg(svgs(text(&html))[1]);
    for quadrant in [
        "Concentrate here",
        "Keep up the good work",
        "Low priority",
        "Possible overkill",
    ] {
        assert!(grid.contains(quadrant));
    }
    let csv = session(&outcome, Format::Csv).unwrap();
    assert!(text(&csv).contains("Area,Action,First step,Owner,Deadline,Follow-up,Answers"));
}

#[test]
fn the_markdown_escapes_text_and_carries_pictures_as_text_and_tables() {
    let rendered = session(&fixture(), Format::Markdown).unwrap();
    let markdown = text(&rendered);
    assert!(markdown.starts_with("# Del 2 — Trivsel i ledergruppen\n"));
    assert!(markdown.contains("## Handleplan"));
    assert!(markdown.contains(r"\<script\>alert(1)\</script\>"));
    assert!(
        !markdown.replace(r"\<", "").contains("<script"),
        "no unescaped tag"
    );
    assert!(markdown.contains(r"faglig ledelse \| ikke kun drift — *Jonas*"));
    assert!(
        markdown.contains("Bloker to timer om ugen til fordybelse<br>og fortæl det til teamet")
    );
    // No pictures: each is its caption and a table of its numbers, which the caption does not
    // say again (the grid's caption names no topic: its table follows).
    assert!(!markdown.contains("<img"), "no picture");
    assert!(!markdown.contains("base64"), "no embedded data");
    assert!(markdown.contains("Søjlediagram over"));
    assert!(!markdown.contains("Antal svar for hver værdi: 1: "));
    assert!(markdown.contains("| Værdi | Antal svar |\n| --- | --: |\n| 1 ("));
    let grid = markdown
        .lines()
        .find(|line| line.starts_with("*Prioriteringskort. Hvert emne"))
        .expect("the grid's caption");
    assert!(!grid.contains("har vurderet"), "{grid}");
    // Every table row has as many cells as its header.
    for table in markdown.split("\n\n").filter(|b| b.starts_with('|')) {
        let counts: Vec<usize> = table
            .lines()
            .map(|line| line.replace(r"\|", "").matches('|').count())
            .collect();
        assert!(counts.windows(2).all(|w| w[0] == w[1]), "{table}");
    }
}

#[test]
fn shared_items_are_grouped_and_named_only_when_the_author_chose_to() {
    let rendered = session(&fixture(), Format::Markdown).unwrap();
    let markdown = text(&rendered);
    let gives = markdown.find("#### Det giver energi").unwrap();
    let takes = markdown.find("#### Det tager energi").unwrap();
    let ungrouped = markdown.find("#### Uden gruppe").unwrap();
    assert!(gives < takes && takes < ungrouped);
    assert!(markdown.contains("- Når mine medarbejdere lykkes med noget svært — *Mette*\n"));
    assert!(markdown.contains("- Sparring med kolleger i ledergruppen\n"));
    assert!(markdown.contains("- Mails sent om aftenen\n"));
}

#[test]
fn shared_items_stand_under_their_question_with_the_groups_below_it() {
    let mut outcome = fixture();
    let question = |da: &str, en: &str| Text {
        da: da.to_owned(),
        en: en.to_owned(),
    };
    let (selv, sammen) = (
        question("Hvad kan du selv gøre?", "What can you do yourself?"),
        question("Hvad kan vi gøre sammen?", "What can we do together?"),
    );
    let items = vec![
        SharedItem {
            question: Some(selv.clone()),
            ..shared("Tage en pause", None, Some("Pauser"))
        },
        SharedItem {
            question: Some(selv.clone()),
            ..shared("Sige nej", None, None)
        },
        SharedItem {
            question: Some(sammen.clone()),
            ..shared("Fælles frokost", Some("Mette"), None)
        },
    ];
    for section in &mut outcome.sections {
        if let Section::Reflection { shared, .. } = section {
            *shared = items.clone();
        }
    }
    let markdown = session(&outcome, Format::Markdown).unwrap();
    let markdown = text(&markdown);
    let at = |needle: &str| {
        markdown
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} in {markdown}"))
    };
    let order = [
        at("#### Hvad kan du selv gøre?\n"),
        at("##### Pauser\n"),
        at("- Tage en pause\n"),
        at("##### Uden gruppe\n"),
        at("- Sige nej\n"),
        at("#### Hvad kan vi gøre sammen?\n"),
        at("- Fælles frokost — *Mette*\n"),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{markdown}");
    let html = session(&outcome, Format::Html).unwrap();
    let html = text(&html);
    assert!(html.contains("<h4>Hvad kan vi gøre sammen?</h4>"));
    assert!(html.contains("<h5>Pauser</h5>"));
    let json: serde_json::Value =
        serde_json::from_slice(&session(&outcome, Format::Json).unwrap().bytes).unwrap();
    let first = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|s| s["shared"].as_array())
        .unwrap();
    assert_eq!(first[0]["question"]["da"], "Hvad kan du selv gøre?");
}

#[test]
fn the_json_export_is_the_outcome() {
    let outcome = fixture();
    let rendered = session(&outcome, Format::Json).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&rendered.bytes).unwrap();
    assert_eq!(value, serde_json::to_value(&outcome).unwrap());
}

#[test]
fn an_empty_session_renders_in_every_format() {
    let outcome = empty();
    for format in [
        Format::Markdown,
        Format::Html,
        Format::Docx,
        Format::Csv,
        Format::Json,
    ] {
        let rendered = session(&outcome, format).unwrap();
        assert!(!rendered.bytes.is_empty(), "{format:?}");
    }
    let html = session(&outcome, Format::Html).unwrap();
    assert!(text(&html).contains("Der er endnu ingen resultater fra sessionen."));
    assert!(text(&html).contains("Der er ingen punkter i handleplanen."));
    let docx = session(&outcome, Format::Docx).unwrap();
    docx_rs::read_docx(&docx.bytes).unwrap();
    let csv = session(&outcome, Format::Csv).unwrap();
    assert_eq!(
        text(&csv),
        "\u{feff}Område,Handling,Første skridt,Ansvarlig,Frist,Opfølgning,Svarer på\r\n"
    );
}

#[test]
fn empty_sections_say_so() {
    let mut outcome = empty();
    outcome.sections = vec![
        Section::Reflection {
            questions: vec![],
            title: both("Refleksion", "Reflection"),
            scales: vec![],
            shared: vec![],
        },
        Section::Cards {
            title: both("Dialogkort", "Dialogue cards"),
            cards: vec![],
        },
        Section::Grid {
            title: both("Prioriteringskort", "Prioritisation card"),
            scale_max: 5,
            topics: vec![],
            tables: Vec::new(),
        },
        Section::Map {
            title: both("Interessentkort", "Stakeholder map"),
            actors: vec![],
            too_few: 0,
        },
    ];
    for format in [Format::Markdown, Format::Html, Format::Docx] {
        session(&outcome, format).unwrap();
    }
    let html = session(&outcome, Format::Html).unwrap();
    for sentence in [
        "Ingen delte punkter.",
        "Der blev ikke trukket nogen kort.",
        "Der er ingen emner på kortet.",
        "Der blev ikke nævnt nogen aktører.",
    ] {
        assert!(text(&html).contains(sentence), "{sentence}");
    }
}

#[test]
fn exports_are_deterministic() {
    let outcome = fixture();
    for format in [Format::Markdown, Format::Html, Format::Docx, Format::Csv] {
        let first = session_at(&outcome, format, 1_799_742_645_000)
            .unwrap()
            .bytes;
        let second = session_at(&outcome, format, 1_799_742_645_000)
            .unwrap()
            .bytes;
        assert!(first == second, "{format:?} is the same twice");
    }
}

#[test]
fn a_personal_plan_prints_as_html_or_word_only() {
    let plan = personal_plan();
    let html = personal(&plan, Format::Html).unwrap();
    assert_eq!(html.content_type, "text/html; charset=utf-8");
    let page = text(&html);
    for expected in [
        "<h1>Min trivsel som leder</h1>",
        "Fokus på den enkelte leder",
        "12. marts 2025",
        "Mette Sørensen",
        "<h2>Selvledelse</h2>",
        "Følgende arbejder jeg selv videre med",
        "<strong>Første skridt:</strong> Slukke for mails kl. 18",
        "&lt;script&gt;",
        "Ikke udfyldt.",
        // It opens as the template "Min trivsel som leder" does, in the leader's own voice.
        "På baggrund af samtalen er følgende aftalt for at vedligeholde og styrke min trivsel fremover:",
    ] {
        assert!(page.contains(expected), "{expected}");
    }
    assert!(!page.contains("<script"));
    roxmltree::Document::parse_with_options(
        page,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap();

    let docx = personal(&plan, Format::Docx).unwrap();
    docx_rs::read_docx(&docx.bytes).unwrap();
    let document = unzip(&docx.bytes)
        .into_iter()
        .find(|(name, _)| name == "word/document.xml")
        .map(|(_, bytes)| String::from_utf8(bytes).unwrap())
        .unwrap();
    assert!(document.contains("Min trivsel som leder"));
    assert!(document.contains("Gå en runde hver mandag"));
    assert!(document.contains("På baggrund af samtalen er følgende aftalt"));

    for format in [Format::Markdown, Format::Csv, Format::Json] {
        assert!(personal(&plan, format).is_err());
    }
    let english = PersonalPlan {
        lang: "en".to_owned(),
        ..plan
    };
    let page = personal(&english, Format::Html).unwrap();
    assert!(text(&page).contains("<h1>My well-being as a leader</h1>"));
    assert!(text(&page).contains("<strong>First step:</strong>"));
}

/// Long texts with line breaks, markup and a control character; a scale below zero; 30 topics
/// and 25 actors piled on top of each other; a plan row of would-be formulas.
fn crowded() -> Outcome {
    let long = "Et meget langt emne, som nogen har skrevet uden at fatte sig i korthed, \
                og som fortsætter\nover flere linjer med ÆØÅ & <b>tegn</b> \u{1}";
    let mut outcome = empty();
    outcome.sections = vec![
        Section::Reflection {
            questions: vec![],
            title: both("Skala med minus", "Scale with minus"),
            scales: vec![ScaleResult {
                label: both(long, long),
                min: -2,
                max: 2,
                min_label: both(long, long),
                max_label: both(long, long),
                n: 40,
                counts: Some(vec![0, 40, 0, 0, 0]),
                tables_left_out: 0,
                trend: Vec::new(),
            }],
            shared: vec![shared(long, Some(""), Some(long))],
        },
        Section::Grid {
            title: both(long, long),
            scale_max: 10,
            topics: (0..30)
                .map(|i| {
                    topic(
                        both(long, long),
                        5,
                        (10.0 - f64::from(i % 3), if i % 2 == 0 { 0.0 } else { 4.0 }),
                        (1.0, 0.0),
                        Some((10, 1)),
                        Some((i % 3 + 1) as u8),
                        i,
                    )
                })
                .collect(),
            tables: Vec::new(),
        },
        Section::Map {
            title: both(long, long),
            actors: (0..25)
                .map(|i| actor(long, i, (5.0, 0.0), (2.0 * f64::from(i % 2) - 1.0, 3.0)))
                .collect(),
            too_few: 0,
        },
    ];
    outcome.action_plan = vec![PlanRow {
        area: long.to_owned(),
        action: "-1+1".to_owned(),
        first_step: "@SUM(A1:A2)".to_owned(),
        owner: "\t=1".to_owned(),
        deadline: "+45".to_owned(),
        follow_up: "\r=2".to_owned(),
        answers: Some(long.to_owned()),
        table: None,
    }];
    outcome
}

#[test]
fn crowded_and_odd_inputs_still_give_well_formed_pictures() {
    let outcome = crowded();
    let html = session(&outcome, Format::Html).unwrap();
    let pictures = svgs(text(&html));
    assert_eq!(pictures.len(), 3);
    for svg in pictures {
        check_svg(svg);
    }
    assert!(!text(&html).contains('\u{1}'));
    session(&outcome, Format::Markdown).unwrap();
    let docx = session(&outcome, Format::Docx).unwrap();
    docx_rs::read_docx(&docx.bytes).unwrap();
    let csv = session(&outcome, Format::Csv).unwrap();
    let mut reader = ::csv::Reader::from_reader(csv.bytes.strip_prefix(csv::BOM).unwrap());
    let row = reader.records().next().unwrap().unwrap();
    for cell in row.iter().skip(1).take(5) {
        assert!(cell.starts_with('\''), "{cell:?} is defused");
    }
}

/// Writes every export of the fixture to `/tmp/export-samples/` to look at by hand:
/// `cargo test --lib export::tests::write_samples -- --ignored`.
#[test]
#[ignore]
fn write_samples() {
    let dir = std::path::Path::new("/tmp/export-samples");
    std::fs::create_dir_all(dir).unwrap();
    for (name, outcome) in [
        ("session", fixture()),
        ("session-en", english()),
        ("empty", empty()),
        ("crowded", crowded()),
    ] {
        for format in [
            Format::Markdown,
            Format::Html,
            Format::Docx,
            Format::Csv,
            Format::Json,
        ] {
            let rendered = session(&outcome, format).unwrap();
            std::fs::write(
                dir.join(format!("{name}.{}", rendered.extension)),
                rendered.bytes,
            )
            .unwrap();
        }
    }
    for format in [Format::Html, Format::Docx] {
        let rendered = personal(&personal_plan(), format).unwrap();
        std::fs::write(
            dir.join(format!("personal.{}", rendered.extension)),
            rendered.bytes,
        )
        .unwrap();
    }
    let document = document::session(&fixture());
    let mut figure = 0;
    for block in &document.blocks {
        if let document::Block::Figure(chart) = block {
            figure += 1;
            std::fs::write(dir.join(format!("figure-{figure}.svg")), &chart.svg).unwrap();
            let png = raster::png(&chart.svg, 2.0).unwrap();
            std::fs::write(dir.join(format!("figure-{figure}.png")), png.bytes).unwrap();
        }
    }
}

/// The spreadsheet read back by another library (calamine), as a spreadsheet program would.
fn sheets(rendered: &Rendered) -> Vec<(String, calamine::Range<calamine::Data>)> {
    use calamine::Reader;
    let mut workbook =
        calamine::Xlsx::new(std::io::Cursor::new(rendered.bytes.clone())).expect("an .xlsx");
    workbook.worksheets()
}

fn cell_text(range: &calamine::Range<calamine::Data>, row: u32, col: u32) -> String {
    range
        .get_value((row, col))
        .map(|v| v.to_string())
        .unwrap_or_default()
}

#[test]
fn the_spreadsheet_has_the_plan_with_dates_the_results_and_the_shared_items() {
    let outcome = fixture();
    let rendered = session(&outcome, Format::Xlsx).unwrap();
    assert_eq!(
        rendered.content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let sheets = sheets(&rendered);
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Handleplan", "Resultater", "Delte punkter"]);

    // The plan: Danish headings, every accepted row, dates as dates, formulas as plain text.
    let plan = &sheets[0].1;
    let header: Vec<String> = (0..7).map(|c| cell_text(plan, 0, c)).collect();
    assert_eq!(
        header,
        [
            "Område",
            "Handling",
            "Første skridt",
            "Ansvarlig",
            "Frist",
            "Opfølgning",
            "Svarer på"
        ]
    );
    assert_eq!(plan.height(), 1 + outcome.action_plan.len());
    let Some(calamine::Data::DateTime(deadline)) = plan.get_value((1, 4)) else {
        panic!("a deadline is a date: {:?}", plan.get_value((1, 4)));
    };
    // Excel counts days from 1899-12-30: 2025-04-02 is day 45,749.
    assert_eq!(deadline.as_f64(), 45_749.0, "the deadline's day");
    assert!(cell_text(plan, 3, 4).is_empty(), "no deadline, no date");
    assert_eq!(cell_text(plan, 2, 1), FORMULA, "a formula stays its text");
    let formulas = rendered_formulas(&rendered);
    assert!(formulas.is_empty(), "no cell is a formula: {formulas:?}");

    // The results: the grid topic's numbers; of the map only the actors named by enough.
    let results = &sheets[1].1;
    let all: Vec<String> = results.cells().map(|(_, _, v)| v.to_string()).collect();
    assert!(
        !all.iter().any(|c| c == "Fagforeningen"),
        "an actor named by 2 of min 3 is not named"
    );
    assert!(
        all.iter()
            .any(|c| c == "1 aktør nævnt af for få til at blive vist")
    );
    // The sections' headings as the documents write them: the kind once, not "Prioriteringskort
    // – Prioriteringskort".
    assert!(all.iter().any(|c| c == "Prioriteringskort"), "{all:?}");
    assert!(
        !all.iter()
            .any(|c| c.starts_with("Prioriteringskort – Prioriteringskort"))
    );

    // The shared items: as the room saw them, names only where the author chose.
    let shared = &sheets[2].1;
    let texts: Vec<String> = (1..shared.height() as u32)
        .map(|r| cell_text(shared, r, 3))
        .collect();
    assert!(
        texts.contains(&"Når mine medarbejdere lykkes med noget svært".to_owned()),
        "{texts:?}"
    );
    let named: Vec<String> = (1..shared.height() as u32)
        .map(|r| cell_text(shared, r, 4))
        .filter(|n| !n.is_empty())
        .collect();
    let chose: Vec<String> = outcome
        .sections
        .iter()
        .filter_map(|s| match s {
            Section::Reflection { shared, .. } => Some(shared),
            _ => None,
        })
        .flatten()
        .filter_map(|item| item.author.clone().filter(|a| !a.trim().is_empty()))
        .collect();
    assert!(!chose.is_empty());
    assert_eq!(named, chose);
}

/// Whether any worksheet of the file holds a formula (`<f>` element).
fn rendered_formulas(rendered: &Rendered) -> Vec<String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(rendered.bytes.clone())).unwrap();
    let mut found = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().to_owned();
        let mut xml = String::new();
        entry.read_to_string(&mut xml).unwrap();
        if name.starts_with("xl/worksheets/") && xml.contains("<f>") {
            found.push(name);
        }
    }
    found
}

/// A meeting without a plan step files no empty plan sheet; a conversation with one leader
/// lists the questions talked about where a group's results would be.
#[test]
fn a_spreadsheet_has_no_empty_plan_and_a_conversation_lists_its_questions() {
    let rendered = session(&conversation(true), Format::Xlsx).unwrap();
    let sheets = sheets(&rendered);
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Resultater", "Delte punkter"]);
    let results: Vec<String> = sheets[0].1.cells().map(|(_, _, v)| v.to_string()).collect();
    for expected in [
        "Refleksion – Hvordan trives du?",
        "Hvordan trives du på en skala fra 1 til 10?",
        "Hvad udfordrer eller spænder ben for din trivsel?",
    ] {
        assert!(
            results.iter().any(|c| c == expected),
            "{expected} in {results:?}"
        );
    }
    assert!(
        results
            .iter()
            .any(|c| c.contains("Svarene er lederens egne"))
    );
    // A group meeting with a plan keeps its plan sheet first.
    let group = sheets_names(&session(&fixture(), Format::Xlsx).unwrap());
    assert_eq!(group[0], "Handleplan");
}

fn sheets_names(rendered: &Rendered) -> Vec<String> {
    sheets(rendered).into_iter().map(|(name, _)| name).collect()
}

/// Every part of a rendered zip package, by name.
fn package_parts(rendered: &Rendered) -> std::collections::BTreeMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(rendered.bytes.clone())).unwrap();
    let mut parts = std::collections::BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut xml = String::new();
        if entry.read_to_string(&mut xml).is_ok() {
            parts.insert(entry.name().to_owned(), xml);
        }
    }
    parts
}

/// The value of attribute `name` in an XML start tag's text `tag`.
fn xml_attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(&tag[at..at + tag[at..].find('"')?])
}

/// A spreadsheet prints as it reads on screen: every sheet A4 landscape, one page wide; the
/// plan's and the shared items' header row on every printed page; a row of wrapped text tall
/// enough for its lines (not every program grows it by itself, and without it the lines are
/// drawn over the next row); numbers at the top of their row like the text beside them.
#[test]
fn the_spreadsheet_prints_landscape_with_its_headers_and_rows_tall_enough_for_their_text() {
    let mut outcome = fixture();
    let long = "Vi vil gerne have faste aftaler om, hvem der dækker ind ved ferie og sygdom, \
                så ingen leder står alene med vagtplanen, og så vi kan holde rigtig fri, når vi \
                har fri – også i sommerferien, hvor mange er væk på samme tid.";
    if let Section::Reflection { shared: items, .. } = &mut outcome.sections[0] {
        items.push(shared(long, None, None));
    }
    let parts = package_parts(&session(&outcome, Format::Xlsx).unwrap());
    for sheet in 1..=3 {
        let xml = &parts[&format!("xl/worksheets/sheet{sheet}.xml")];
        let setup = xml
            .split("<pageSetup")
            .nth(1)
            .unwrap_or_else(|| panic!("sheet {sheet} has a page setup: {xml}"));
        assert_eq!(xml_attr(setup, "paperSize"), Some("9"), "A4");
        assert_eq!(xml_attr(setup, "orientation"), Some("landscape"));
        assert_eq!(
            xml_attr(setup, "fitToHeight"),
            Some("0"),
            "as many pages down as it takes"
        );
        assert!(xml.contains("fitToPage=\"1\""), "one page wide: {xml}");
    }
    let workbook = &parts["xl/workbook.xml"];
    for sheet in ["Handleplan", "'Delte punkter'"] {
        assert!(
            workbook.contains(&format!(
                "name=\"_xlnm.Print_Titles\" localSheetId=\"{}\">{sheet}!$1:$1<",
                if sheet == "Handleplan" { 0 } else { 2 }
            )),
            "{sheet}'s header row on every page: {workbook}"
        );
    }
    // The long shared item's row: 50 characters wide, so at least four lines of 15 points.
    let shared_sheet = &parts["xl/worksheets/sheet3.xml"];
    let strings = &parts["xl/sharedStrings.xml"];
    let index = strings
        .split("<si>")
        .skip(1)
        .position(|si| si.contains("så ingen leder står alene"))
        .expect("the long item is a shared string");
    let row = shared_sheet
        .split("<row ")
        .skip(1)
        .find(|row| row.contains(&format!("<v>{index}</v>")))
        .expect("the long item's row");
    let height: f64 = xml_attr(&format!(" {row}"), "ht")
        .expect("the row has a height")
        .parse()
        .unwrap();
    assert!(height >= 60.0, "{height} pt for four lines: {row}");
    // Every number on the results sheet has a style that puts it at the top of its row.
    let styles = &parts["xl/styles.xml"];
    let xfs: Vec<&str> = styles
        .split("<cellXfs")
        .nth(1)
        .unwrap()
        .split("</cellXfs>")
        .next()
        .unwrap()
        .split("<xf ")
        .skip(1)
        .collect();
    let results = &parts["xl/worksheets/sheet2.xml"];
    let numbers: Vec<&str> = results
        .split("<c ")
        .skip(1)
        .filter(|cell| !cell.starts_with("r=\"") || !cell.contains(" t=\""))
        .filter(|cell| !cell.split('>').next().unwrap().contains(" t="))
        .collect();
    assert!(!numbers.is_empty());
    for cell in numbers {
        let style: usize = xml_attr(&format!(" {cell}"), "s")
            .unwrap_or_else(|| panic!("a number with a style: {cell}"))
            .parse()
            .unwrap();
        assert!(
            xfs[style].contains("vertical=\"top\""),
            "number cell {cell} has style {}",
            xfs[style]
        );
    }
}

/// Every heading level an HTML export uses has a rule of its own in its style sheet, so a
/// group label under a question (h5, in a series report h6) reads as a heading, not as the
/// browser's small print.
#[test]
fn every_heading_level_of_the_html_exports_is_styled() {
    let mut outcome = fixture();
    if let Section::Reflection { shared: items, .. } = &mut outcome.sections[0] {
        for item in items.iter_mut() {
            item.question = Some(both("Hvad giver dig energi?", "What gives you energy?"));
        }
    }
    let series = crate::outcome::series(
        "tre-trins-raket",
        &both(
            "Ledertrivsel i tre trin",
            "Leader well-being in three steps",
        ),
        1,
        vec![(0, outcome.clone())],
    )
    .unwrap();
    for page in [
        text(&session(&outcome, Format::Html).unwrap()).to_owned(),
        String::from_utf8(super::series(&series, Format::Html).unwrap().bytes).unwrap(),
    ] {
        let style = page
            .split("<style>")
            .nth(1)
            .unwrap()
            .split("</style>")
            .next()
            .unwrap();
        for level in 2..=6 {
            if page.contains(&format!("<h{level}>")) {
                assert!(
                    style.contains(&format!("\nh{level} {{")),
                    "h{level} is used and has no rule of its own"
                );
            }
        }
        assert!(page.contains("<h5>"), "a group label under a question");
    }
}

#[test]
fn plan_dates_are_written_out_in_documents_and_stay_iso_for_machines() {
    let outcome = fixture();
    for format in [Format::Markdown, Format::Html] {
        let rendered = session(&outcome, format).unwrap();
        let page = text(&rendered);
        // Short, day and month kept together: a narrow column breaks the date before its
        // year only.
        assert!(page.contains("2.\u{a0}apr. 2025"), "{format:?}");
        assert!(page.contains("1.\u{a0}jun. 2025"), "{format:?}");
        assert!(
            !page.contains("2025-04-02"),
            "{format:?}: no ISO date in a document"
        );
    }
    let csv = session(&outcome, Format::Csv).unwrap();
    assert!(text(&csv).contains("2025-04-02"), "CSV keeps machine dates");
}

/// The 1:1: one leader, min_group 1, no plan step, a personal plan step; its reflection names
/// the questions asked, nothing answered.
fn conversation(shared: bool) -> Outcome {
    Outcome {
        programme_id: "enkelte-leder".to_owned(),
        min_group: 1,
        participants: 1,
        action_plan: vec![],
        for_one: true,
        has_plan: false,
        personal_plan_shared: Some(shared),
        sections: vec![Section::Reflection {
            title: both("Hvordan trives du?", "How are you doing?"),
            scales: vec![],
            shared: vec![],
            questions: vec![
                both(
                    "Hvordan trives du på en skala fra 1 til 10?",
                    "How are you doing on a scale from 1 to 10?",
                ),
                both(
                    "Hvad udfordrer eller spænder ben for din trivsel?",
                    "What challenges or gets in the way of your well-being?",
                ),
            ],
        }],
        ..fixture()
    }
}

#[test]
fn a_conversation_with_one_leader_has_no_group_text_no_empty_plan_and_says_if_the_plan_was_shared()
{
    for (shared, said) in [
        (true, "Lederen har delt sin plan med chefen"),
        (false, "Lederen har ikke delt sin plan"),
    ] {
        for format in [Format::Markdown, Format::Html] {
            let rendered = session(&conversation(shared), format).unwrap();
            let page = text(&rendered);
            assert!(!page.contains("Gruppens resultater"), "{format:?}");
            assert!(!page.contains("Handleplan"), "{format:?}");
            assert!(!page.contains("Der er ingen punkter"), "{format:?}");
            assert!(page.contains("Personlig plan"), "{format:?}");
            assert!(
                !page.contains("Færre end"),
                "{format:?}: no group to wait for"
            );
            assert!(page.contains(said), "{format:?}");
            // The conversation is described by its questions; nothing says they went
            // unanswered, and no empty list of shared items.
            assert!(page.contains("Hvordan trives du på en skala fra 1 til 10?"));
            assert!(page.contains("Hvad udfordrer eller spænder ben for din trivsel?"));
            assert!(page.contains("Svarene er lederens egne"), "{format:?}");
            assert!(!page.contains("Ikke besvaret"), "{format:?}");
            assert!(!page.contains("Ingen delte punkter"), "{format:?}");
        }
    }
    let json = session(&conversation(false), Format::Json).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&json.bytes).unwrap();
    assert_eq!(value["personal_plan_shared"], false);
    assert_eq!(value["for_one"], true);
    // A group programme says nothing of either.
    let group: serde_json::Value =
        serde_json::from_slice(&session(&fixture(), Format::Json).unwrap().bytes).unwrap();
    assert!(group.get("for_one").is_none() && group.get("personal_plan_shared").is_none());
}

#[test]
fn keywords_keep_the_energy_tag_their_author_gave_them_in_every_format() {
    let mut outcome = fixture();
    let gives = both("Giver energi", "Gives energy");
    for section in &mut outcome.sections {
        if let Section::Reflection { shared, .. } = section {
            *shared = vec![
                SharedItem {
                    tag: Some(gives.clone()),
                    ..shared_item("Sparring med kolleger")
                },
                shared_item("Uden mærke"),
            ];
        }
    }
    for format in [Format::Markdown, Format::Html] {
        let rendered = session(&outcome, format).unwrap();
        assert!(
            text(&rendered).contains("Sparring med kolleger (Giver energi)"),
            "{format:?}"
        );
    }
    let json: serde_json::Value =
        serde_json::from_slice(&session(&outcome, Format::Json).unwrap().bytes).unwrap();
    let reflection = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "reflection")
        .unwrap();
    assert_eq!(reflection["shared"][0]["tag"]["da"], "Giver energi");
    let xlsx = session(&outcome, Format::Xlsx).unwrap();
    let shared = &sheets(&xlsx)[2].1;
    assert_eq!(cell_text(shared, 0, 5), "Markering");
    assert_eq!(cell_text(shared, 1, 5), "Giver energi");
}

fn shared_item(text: &str) -> SharedItem {
    shared(text, None, None)
}

/// Three meetings with their own dates and participants; two with plan rows.
fn three_meetings() -> crate::outcome::SeriesOutcome {
    let meeting = |code: &str, programme: (&str, &str), date: &str, participants: u32| Outcome {
        code: code.to_owned(),
        programme: both(programme.0, programme.1),
        date: date.to_owned(),
        participants,
        ..fixture()
    };
    let del1 = Outcome {
        action_plan: vec![],
        has_plan: false,
        ..meeting(
            "AAAAAAA",
            ("Del 1 — Din egen trivsel som leder", "Part 1"),
            "2027-01-12",
            6,
        )
    };
    let del2 = meeting(
        "BBBBBBB",
        ("Del 2 — Trivsel i ledergruppen", "Part 2"),
        "2027-02-09",
        5,
    );
    let del3 = meeting(
        "CCCCCCC",
        ("Del 3 — Trivsel i forhold til omverdenen", "Part 3"),
        "2027-03-09",
        4,
    );
    crate::outcome::series(
        "tre-trins-raket",
        &both(
            "Ledertrivsel i tre trin (del 1–3)",
            "Leader well-being in three steps",
        ),
        3,
        vec![(0, del1), (1, del2), (2, del3)],
    )
    .unwrap()
}

#[test]
fn a_series_report_is_one_document_with_a_chapter_per_meeting_and_a_meeting_column() {
    let series = three_meetings();
    let doc = document::series(&series);
    assert_eq!(doc.title, "Ledertrivsel i tre trin (del 1–3)");
    let headings: Vec<(u8, &str)> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            document::Block::Heading(level, text) => Some((*level, text.as_str())),
            document::Block::Chapter(text) => Some((1, text.as_str())),
            _ => None,
        })
        .collect();
    let chapters: Vec<&str> = headings
        .iter()
        .filter(|(level, _)| *level == 1)
        .map(|(_, text)| *text)
        .collect();
    assert_eq!(
        chapters,
        [
            "Møde 1: Del 1 — Din egen trivsel som leder",
            "Møde 2: Del 2 — Trivsel i ledergruppen",
            "Møde 3: Del 3 — Trivsel i forhold til omverdenen",
            "Handleplan"
        ]
    );
    assert!(
        headings
            .iter()
            .all(|(level, text)| *level == 1 || !text.starts_with("Møde")),
        "sections stand below their meeting: {headings:?}"
    );
    assert!(
        headings
            .iter()
            .any(|(level, text)| *level == 3 && text.starts_with("Prioriteringskort")),
        "{headings:?}"
    );
    // Each chapter has its date and participants; the title part the span of dates.
    let facts: Vec<&Vec<(String, String)>> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            document::Block::Facts(facts) => Some(facts),
            _ => None,
        })
        .collect();
    assert_eq!(facts[0][0], ("Møder".to_owned(), "3".to_owned()));
    assert_eq!(
        facts[0][1].1, "12. januar 2027 – 9. marts 2027",
        "the series from its first to its last meeting"
    );
    let dated: Vec<(&str, &str)> = facts[1..]
        .iter()
        .map(|f| (f[0].1.as_str(), f[2].1.as_str()))
        .collect();
    assert_eq!(
        dated,
        [
            ("12. januar 2027", "6"),
            ("9. februar 2027", "5"),
            ("9. marts 2027", "4")
        ]
    );
    // One plan, its rows with their meeting.
    let Some(document::Block::Table(plan)) = doc.blocks.last() else {
        panic!("the plan ends the report");
    };
    assert_eq!(plan.header[0], "Møde");
    let meetings: Vec<&str> = plan.rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(meetings, ["2", "2", "2", "3", "3", "3"]);

    // JSON: one entry per meeting, and the plan.
    let json: serde_json::Value =
        serde_json::from_slice(&super::series(&series, Format::Json).unwrap().bytes).unwrap();
    let entries = json["meetings"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[1]["code"], "BBBBBBB");
    assert_eq!(entries[1]["date"], "2027-02-09");
    assert_eq!(entries[1]["participants"], 5);
    assert_eq!(entries[2]["number"], 3);
    assert!(entries[0]["sections"].is_array());
    assert_eq!(json["action_plan"][3]["meeting"], 3);
    assert_eq!(json["action_plan"][3]["code"], "CCCCCCC");

    // CSV and spreadsheet: the plan with the meeting column.
    let csv = super::series(&series, Format::Csv).unwrap();
    let mut reader = ::csv::Reader::from_reader(&csv.bytes[3..]);
    assert_eq!(&reader.headers().unwrap()[0], "Møde");
    let first: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
    assert_eq!(first, ["2", "2", "2", "3", "3", "3"]);
    let xlsx = super::series(&series, Format::Xlsx).unwrap();
    let plan = &sheets(&xlsx)[0].1;
    assert_eq!(cell_text(plan, 0, 0), "Møde");
    assert_eq!(cell_text(plan, 4, 0), "3");
    for format in [Format::Markdown, Format::Html, Format::Docx] {
        assert!(!super::series(&series, format).unwrap().bytes.is_empty());
    }
}

/// The targets of `html`'s list items that link inside the document (`<li><a href="#…">`),
/// percent-decoded.
fn inner_links(html: &str) -> Vec<String> {
    html.split(r##"<li><a href="#"##)
        .skip(1)
        .map(|rest| {
            let target = &rest[..rest.find('"').unwrap_or(rest.len())];
            let bytes = target.as_bytes();
            let mut decoded = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'%' && i + 2 < bytes.len() {
                    decoded.push(u8::from_str_radix(&target[i + 1..i + 3], 16).unwrap());
                    i += 3;
                } else {
                    decoded.push(bytes[i]);
                    i += 1;
                }
            }
            String::from_utf8(decoded).unwrap()
        })
        .collect()
}

/// The series report's list of meetings links to each chapter: in Markdown as a renderer of
/// GitHub's dialect (comrak, with GitHub's heading ids) makes it, and in the HTML export by the
/// chapters' own ids.
#[test]
fn a_series_report_links_its_list_of_meetings_to_their_chapters() {
    let doc = document::series(&three_meetings());
    let markdown = markdown::render(&doc);
    let mut options = comrak::Options::default();
    options.extension.header_id_prefix = Some(String::new());
    let rendered = comrak::markdown_to_html(&markdown, &options);
    let links = inner_links(&rendered);
    assert_eq!(links.len(), 3, "one link a meeting:\n{markdown}");
    for link in &links {
        assert!(
            rendered.contains(&format!(r#"id="{link}""#)),
            "no heading has the id {link:?}:\n{rendered}"
        );
    }
    assert!(links[0].starts_with("møde-1-"), "{links:?}");
    let html = html::render(&doc);
    let links = inner_links(&html);
    assert_eq!(links.len(), 3);
    for link in &links {
        assert!(html.contains(&format!(r#"id="{link}""#)), "{link}");
    }
}

/// Issue 16: the hall's outcome of a session with tables says how many tables, names each
/// shared item's and card's table, leaves out tables with too few and says so, lists every
/// table's decisions, and its plan has a table column in every format; a table's own outcome
/// is titled with its table.
#[test]
fn the_halls_documents_name_the_tables_and_a_tables_own_is_titled_with_it() {
    let mut hall = fixture();
    hall.tables = Some(3);
    for section in &mut hall.sections {
        match section {
            Section::Reflection { shared, scales, .. } => {
                if let Some(item) = shared.first_mut() {
                    item.table = Some(2);
                }
                if let Some(scale) = scales.first_mut() {
                    scale.tables_left_out = 1;
                }
            }
            Section::Cards { cards, .. } => {
                if let Some(card) = cards.first_mut() {
                    card.table = Some(3);
                }
            }
            Section::Grid { topics, tables, .. } => {
                if let Some(topic) = topics.first_mut() {
                    topic.tables_left_out = 2;
                }
                tables.push(crate::outcome::TableGrid {
                    table: 1,
                    agreed: vec![(topics[0].text.clone(), (5, 2))],
                    priorities: vec![topics[0].text.clone()],
                });
            }
            Section::Map { .. } | Section::Review { .. } | Section::Evaluation { .. } => {}
        }
    }
    hall.action_plan[0].table = Some(2);
    let markdown = String::from_utf8(session(&hall, Format::Markdown).unwrap().bytes).unwrap();
    assert!(
        markdown.contains("Borde"),
        "the number of tables:\n{markdown}"
    );
    assert!(markdown.contains("– bord 2"), "a shared item's table");
    assert!(markdown.contains("Bord 3: "), "a card's table");
    assert!(markdown.contains("1 bord med for få svar er ikke med i salens tal."));
    assert!(markdown.contains("2 borde med for få svar er ikke med i salens tal."));
    assert!(markdown.contains("Bordenes prioriteter og placeringer"));
    let plan_header = markdown
        .lines()
        .find(|l| l.contains("Handling") && l.contains("Frist"))
        .unwrap();
    assert!(plan_header.contains("| Bord |"), "{plan_header}");
    let csv = String::from_utf8(session(&hall, Format::Csv).unwrap().bytes).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",Bord"), "{csv}");
    assert!(csv.lines().nth(1).unwrap().ends_with(",2"), "{csv}");
    let mut table = fixture();
    table.table = Some(2);
    let html = String::from_utf8(session(&table, Format::Html).unwrap().bytes).unwrap();
    assert!(
        html.contains("Del 2 – Trivsel i ledergruppen – bord 2") || html.contains("– bord 2</h1>"),
        "a table's title"
    );
}
