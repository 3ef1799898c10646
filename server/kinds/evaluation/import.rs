//! Reading an evaluation's results as the facilitator brings them (issue 17): a CSV file or a
//! table pasted from a spreadsheet, one row per question with its average score, its scale and
//! how many answered — `Spørgsmål;Gennemsnit;Skala;Antal` or `item,score,scale,n`.
//!
//! - The first line that is not blank names the columns (Danish or English, any order, any
//!   case; other columns are ignored). Its separator decides the table's: a tab, else `;`,
//!   else `,`. Fields may be quoted (`"…"`, `""` for a quote inside).
//! - A byte-order mark is skipped. Scores take a decimal comma or point (`3,8`, `3.8`);
//!   a scale is `1-5` (or `1–5`) or just its highest value (`5`: from 1); counts are whole
//!   numbers (`1.234` reads as a thousand and more).
//! - A row whose count is below the session's `min_group` is refused: the meeting never shows a
//!   figure of fewer people. At most [`MAX_ROWS`] rows; reading stops at the first row past
//!   that, so a table of 10,000 rows costs no more than one of 201.
//!
//! Every problem names its line (or, for rows sent as JSON, its row) and field, in Danish and
//! English; up to [`MAX_PROBLEMS`] are reported at once.

use serde::Serialize;

use super::EvalRow;
use crate::domain::Lang;
use crate::typed::{self, Deceptive};

/// Most rows a table may have.
pub const MAX_ROWS: usize = 200;
/// Longest question, in characters.
pub const MAX_ITEM: usize = 200;
/// Most problems reported at once.
pub const MAX_PROBLEMS: usize = 10;
/// Widest scale: its highest value less its lowest.
const MAX_SPAN: u32 = 1000;

/// A column of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    /// The question or item.
    Item,
    /// Its average score.
    Score,
    /// Its scale.
    Scale,
    /// How many answered.
    N,
}

impl Column {
    const ALL: [Column; 4] = [Column::Item, Column::Score, Column::Scale, Column::N];

    /// Its name in a message.
    fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Column::Item, Lang::Da) => "spørgsmål",
            (Column::Score, Lang::Da) => "gennemsnit",
            (Column::Scale, Lang::Da) => "skala",
            (Column::N, Lang::Da) => "antal",
            (Column::Item, Lang::En) => "item",
            (Column::Score, Lang::En) => "score",
            (Column::Scale, Lang::En) => "scale",
            (Column::N, Lang::En) => "n",
        }
    }

    /// The column a heading names, if any (trimmed, any case).
    fn of_heading(heading: &str) -> Option<Column> {
        let heading = heading.trim().to_lowercase();
        let is = |names: &[&str]| names.contains(&heading.as_str());
        if is(&[
            "spørgsmål",
            "spoergsmaal",
            "spørgsmal",
            "emne",
            "udsagn",
            "tema",
            "område",
            "item",
            "question",
            "topic",
        ]) {
            Some(Column::Item)
        } else if is(&[
            "gennemsnit",
            "gns",
            "gns.",
            "snit",
            "score",
            "resultat",
            "middelværdi",
            "værdi",
            "mean",
            "average",
            "result",
        ]) {
            Some(Column::Score)
        } else if is(&["skala", "scale"]) {
            Some(Column::Scale)
        } else if is(&[
            "antal",
            "antal svar",
            "svar",
            "besvarelser",
            "respondenter",
            "n",
            "count",
            "respondents",
            "answers",
        ]) {
            Some(Column::N)
        } else {
            None
        }
    }
}

/// Whether a problem's place is a line of a table or a row sent as JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// A line of the text, from 1.
    Line,
    /// A row of a JSON list, from 1.
    Row,
}

/// What is wrong.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum What {
    /// Nothing but blank lines.
    Empty,
    /// The heading line has no separator.
    NoSeparator,
    /// The heading line does not name a column.
    MissingColumn,
    /// A row has another number of fields than the heading.
    FieldCount {
        /// Fields found.
        found: usize,
        /// Fields in the heading.
        wanted: usize,
        /// The table is separated by commas (a decimal comma splits a number).
        commas: bool,
    },
    /// A quoted field is not closed on its line.
    UnclosedQuote,
    /// Not a number.
    NotANumber {
        /// As written.
        value: String,
    },
    /// Not a whole number.
    NotAWholeNumber {
        /// As written.
        value: String,
    },
    /// Not a scale.
    BadScale {
        /// As written.
        value: String,
    },
    /// A score outside its scale.
    OutsideScale {
        /// The score.
        value: f64,
        /// The scale's lowest value.
        min: i32,
        /// The scale's highest value.
        max: i32,
    },
    /// Fewer answered than the session shows results of.
    TooFew {
        /// How many answered.
        n: u32,
        /// The session's `min_group`.
        min_group: u32,
    },
    /// No question.
    EmptyItem,
    /// A question over [`MAX_ITEM`] characters.
    TooLong,
    /// A question with invisible or reordering characters.
    Deceptive,
    /// More than [`MAX_ROWS`] rows.
    TooManyRows,
    /// A heading and no rows.
    NoRows,
}

/// One problem: where, in which field, and what.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Problem {
    /// A line or a row.
    pub place: Place,
    /// Its number, from 1.
    pub line: usize,
    /// The field, where the problem is one field's.
    pub field: Option<Column>,
    /// What is wrong.
    #[serde(flatten)]
    pub what: What,
}

/// A number as the language writes it: a decimal comma in Danish.
fn number(value: f64, lang: Lang) -> String {
    let text = format!("{}", (value * 100.0).round() / 100.0);
    match lang {
        Lang::Da => text.replace('.', ","),
        Lang::En => text,
    }
}

impl Problem {
    /// The problem for a person, in `lang`: "Linje 4, feltet 'antal': 'tre' er ikke et tal".
    pub fn message(&self, lang: Lang) -> String {
        let da = lang == Lang::Da;
        let place = match (self.place, da) {
            (Place::Line, true) => format!("Linje {}", self.line),
            (Place::Row, true) => format!("Række {}", self.line),
            (Place::Line, false) => format!("Line {}", self.line),
            (Place::Row, false) => format!("Row {}", self.line),
        };
        let at = match (self.field, da) {
            (Some(field), true) => format!("{place}, feltet '{}'", field.name(lang)),
            (Some(field), false) => format!("{place}, field '{}'", field.name(lang)),
            (None, _) => place.clone(),
        };
        let columns = if da {
            "Spørgsmål, Gennemsnit, Skala og Antal (eller item, score, scale, n)"
        } else {
            "item, score, scale and n (or Spørgsmål, Gennemsnit, Skala, Antal)"
        };
        match (&self.what, da) {
            (What::Empty, true) => format!(
                "Tabellen er tom. Første linje skal have overskrifterne {columns}, og derunder én linje pr. spørgsmål."
            ),
            (What::Empty, false) => format!(
                "The table is empty. Its first line names the columns {columns}, then one line per question."
            ),
            (What::NoSeparator, true) => format!(
                "{at}: Kolonnerne er ikke adskilt med semikolon, komma eller tabulator. Skriv fx Spørgsmål;Gennemsnit;Skala;Antal"
            ),
            (What::NoSeparator, false) => format!(
                "{at}: the columns are not separated by semicolons, commas or tabs. Write e.g. item,score,scale,n"
            ),
            (What::MissingColumn, true) => format!(
                "{at}: Kolonnen mangler i overskriften. Overskriften skal have kolonnerne {columns}."
            ),
            (What::MissingColumn, false) => {
                format!("{at}: the heading has no such column. It needs the columns {columns}.")
            }
            (
                What::FieldCount {
                    found,
                    wanted,
                    commas,
                },
                true,
            ) => {
                let hint = if *commas && found > wanted {
                    " Har tallene decimalkomma (3,8), så adskil kolonnerne med semikolon."
                } else {
                    " Er alle linjer adskilt med det samme tegn som overskriften?"
                };
                format!("{at}: Der er {found} felter, men overskriften har {wanted}.{hint}")
            }
            (
                What::FieldCount {
                    found,
                    wanted,
                    commas,
                },
                false,
            ) => {
                let hint = if *commas && found > wanted {
                    " With decimal commas (3,8), separate the columns with semicolons."
                } else {
                    " Is every line separated like the heading?"
                };
                format!("{at}: {found} fields, but the heading has {wanted}.{hint}")
            }
            (What::UnclosedQuote, true) => {
                format!("{at}: Et anførselstegn (\") bliver ikke lukket på linjen.")
            }
            (What::UnclosedQuote, false) => {
                format!("{at}: a quotation mark (\") is not closed on the line.")
            }
            (What::NotANumber { value }, true) => format!("{at}: '{value}' er ikke et tal"),
            (What::NotANumber { value }, false) => format!("{at}: '{value}' is not a number"),
            (What::NotAWholeNumber { value }, true) => {
                format!("{at}: '{value}' er ikke et helt tal")
            }
            (What::NotAWholeNumber { value }, false) => {
                format!("{at}: '{value}' is not a whole number")
            }
            (What::BadScale { value }, true) => format!(
                "{at}: '{value}' er ikke en skala. Skriv fx 1-5, eller kun det højeste tal, 5"
            ),
            (What::BadScale { value }, false) => format!(
                "{at}: '{value}' is not a scale. Write e.g. 1-5, or just its highest value, 5"
            ),
            (What::OutsideScale { value, min, max }, true) => format!(
                "{at}: {} ligger uden for skalaen {min}–{max}",
                number(*value, lang)
            ),
            (What::OutsideScale { value, min, max }, false) => format!(
                "{at}: {} is outside the scale {min}–{max}",
                number(*value, lang)
            ),
            (What::TooFew { n, min_group }, true) => format!(
                "{at}: kun {n} svar. Et resultat vises først fra {min_group} svar – udelad rækken"
            ),
            (What::TooFew { n, min_group }, false) => format!(
                "{at}: only {n} answers. A result shows from {min_group} answers – leave the row out"
            ),
            (What::EmptyItem, true) => format!("{at}: er tomt"),
            (What::EmptyItem, false) => format!("{at}: is empty"),
            (What::TooLong, true) => format!("{at}: er længere end {MAX_ITEM} tegn"),
            (What::TooLong, false) => format!("{at}: is longer than {MAX_ITEM} characters"),
            (What::Deceptive, true) => {
                format!("{at}: teksten har usynlige tegn eller tegn, der vender læseretningen")
            }
            (What::Deceptive, false) => format!(
                "{at}: the text has invisible characters or characters that turn the reading direction"
            ),
            (What::TooManyRows, true) => format!(
                "{at}: Tabellen har mere end {MAX_ROWS} rækker. Tag de vigtigste spørgsmål med, højst {MAX_ROWS}."
            ),
            (What::TooManyRows, false) => format!(
                "{at}: the table has more than {MAX_ROWS} rows. Take the most important questions, at most {MAX_ROWS}."
            ),
            (What::NoRows, true) => format!("{at}: Der er ingen rækker under overskriften."),
            (What::NoRows, false) => format!("{at}: there are no rows under the heading."),
        }
    }
}

/// The problems, each on its own line, in `lang`.
pub fn messages(problems: &[Problem], lang: Lang) -> String {
    problems
        .iter()
        .map(|p| p.message(lang))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text of an uploaded table: UTF-8, or else Windows-1252 (what Excel writes as "CSV
/// (semikolonsepareret)" on a Danish Windows), each byte its character.
pub fn decode(bytes: &[u8]) -> String {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_owned();
    }
    // 0x80–0x9F of Windows-1252; the rest of its upper half is Latin-1's.
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9f => HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        })
        .collect()
}

/// Reads a table (CSV or pasted) into checked rows, or every problem found (at most
/// [`MAX_PROBLEMS`]).
pub fn read_table(text: &str, min_group: u32) -> Result<Vec<EvalRow>, Vec<Problem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty());
    let problem = |line, what| Problem {
        place: Place::Line,
        line,
        field: None,
        what,
    };
    let Some((head_line, head)) = lines.next() else {
        return Err(vec![problem(1, What::Empty)]);
    };
    let Some(separator) = ['\t', ';', ',']
        .into_iter()
        .find(|s| count_unquoted(head, *s) > 0)
    else {
        return Err(vec![problem(head_line, What::NoSeparator)]);
    };
    let headings = split(head, separator).map_err(|what| vec![problem(head_line, what)])?;
    let mut positions = [usize::MAX; 4];
    for (i, heading) in headings.iter().enumerate() {
        if let Some(column) = Column::of_heading(heading) {
            let slot = &mut positions[column as usize];
            if *slot == usize::MAX {
                *slot = i;
            }
        }
    }
    let missing: Vec<Problem> = Column::ALL
        .into_iter()
        .filter(|c| positions[*c as usize] == usize::MAX)
        .map(|c| Problem {
            field: Some(c),
            ..problem(head_line, What::MissingColumn)
        })
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let wanted = headings.len();
    let records = lines.map(|(line, text)| {
        let fields = split(text, separator).and_then(|fields| {
            if fields.iter().all(|f| f.trim().is_empty()) {
                // A spreadsheet's empty row (";;;"): nothing to read.
                Ok(Vec::new())
            } else if fields.len() == wanted {
                Ok(fields)
            } else {
                Err(What::FieldCount {
                    found: fields.len(),
                    wanted,
                    commas: separator == ',',
                })
            }
        });
        (line, fields)
    });
    let rows = read_records(records, positions, min_group, Place::Line);
    match rows {
        Ok(rows) if rows.is_empty() => Err(vec![problem(head_line, What::NoRows)]),
        other => other,
    }
}

/// Reads rows given field by field (a JSON list: item, score, scale, n), numbered from 1.
pub fn read_fields(
    rows: impl IntoIterator<Item = [String; 4]>,
    min_group: u32,
) -> Result<Vec<EvalRow>, Vec<Problem>> {
    let records = rows
        .into_iter()
        .enumerate()
        .map(|(i, fields)| (i + 1, Ok(fields.to_vec())));
    read_records(records, [0, 1, 2, 3], min_group, Place::Row)
}

/// Reads records (a line or row number, and its fields or why they could not be split) with
/// the columns at `positions` (item, score, scale, n). An empty record is skipped.
fn read_records(
    records: impl Iterator<Item = (usize, Result<Vec<String>, What>)>,
    positions: [usize; 4],
    min_group: u32,
    place: Place,
) -> Result<Vec<EvalRow>, Vec<Problem>> {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut seen = 0;
    for (line, fields) in records {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        let at = |field: Option<Column>, what: What| Problem {
            place,
            line,
            field,
            what,
        };
        let fields = match fields {
            Ok(fields) if fields.is_empty() => continue,
            Ok(fields) => fields,
            Err(what) => {
                seen += 1;
                problems.push(at(None, what));
                continue;
            }
        };
        seen += 1;
        if seen > MAX_ROWS {
            problems.push(at(None, What::TooManyRows));
            break;
        }
        let field = |c: Column| fields[positions[c as usize]].trim();
        let mut wrong = |c: Column, what: What| problems.push(at(Some(c), what));
        let item = match read_item(field(Column::Item)) {
            Ok(item) => Some(item),
            Err(what) => {
                wrong(Column::Item, what);
                None
            }
        };
        let score = read_score(field(Column::Score))
            .map_err(|what| wrong(Column::Score, what))
            .ok();
        let scale = read_scale(field(Column::Scale))
            .map_err(|what| wrong(Column::Scale, what))
            .ok();
        let n = read_count(field(Column::N))
            .map_err(|what| wrong(Column::N, what))
            .ok();
        if let Some(n) = n
            && n < min_group
        {
            wrong(Column::N, What::TooFew { n, min_group });
            continue;
        }
        if let (Some(score), Some((min, max))) = (score, scale)
            && !(f64::from(min)..=f64::from(max)).contains(&score)
        {
            wrong(
                Column::Score,
                What::OutsideScale {
                    value: score,
                    min,
                    max,
                },
            );
            continue;
        }
        if let (Some(item), Some(score), Some((min, max)), Some(n)) = (item, score, scale, n) {
            rows.push(EvalRow {
                item,
                score,
                min,
                max,
                n,
            });
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        problems.truncate(MAX_PROBLEMS);
        Err(problems)
    }
}

/// How often `separator` occurs in `line` outside quotes.
fn count_unquoted(line: &str, separator: char) -> usize {
    let mut quoted = false;
    line.chars()
        .filter(|c| {
            if *c == '"' {
                quoted = !quoted;
            }
            !quoted && *c == separator
        })
        .count()
}

/// The fields of one line: separated by `separator`, a field in quotes may hold it (and `""`
/// for a quote).
fn split(line: &str, separator: char) -> Result<Vec<String>, What> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else if c == separator {
            fields.push(std::mem::take(&mut field));
            at_start = true;
            continue;
        } else if c == '"' && field.trim().is_empty() && at_start {
            field.clear();
            quoted = true;
        } else {
            field.push(c);
        }
        at_start = false;
    }
    if quoted {
        return Err(What::UnclosedQuote);
    }
    fields.push(field);
    Ok(fields)
}

/// A question: NFC, visible, on one line, at most [`MAX_ITEM`] characters.
fn read_item(text: &str) -> Result<String, What> {
    let text = typed::normalised(text).map_err(|_: Deceptive| What::Deceptive)?;
    let text = text.trim();
    if text.is_empty() {
        return Err(What::EmptyItem);
    }
    if text.chars().any(char::is_control) {
        return Err(What::Deceptive);
    }
    if text.chars().count() > MAX_ITEM {
        return Err(What::TooLong);
    }
    Ok(text.to_owned())
}

/// A score: a decimal number with a comma or a point, rounded to two decimals.
fn read_score(text: &str) -> Result<f64, What> {
    let not = || What::NotANumber {
        value: text.to_owned(),
    };
    let plain = if text.contains('.') {
        text.to_owned()
    } else {
        text.replacen(',', ".", 1)
    };
    let digits = plain.strip_prefix('-').unwrap_or(&plain);
    let shape = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|c| *c == '.').count() <= 1
        && !digits.starts_with('.')
        && !digits.ends_with('.');
    if !shape || digits.len() > 12 {
        return Err(not());
    }
    let value: f64 = plain.parse().map_err(|_| not())?;
    Ok((value * 100.0).round() / 100.0)
}

/// A count: a whole number, with `.` or spaces between thousands if any (`1.234`).
fn read_count(text: &str) -> Result<u32, What> {
    let value = || text.to_owned();
    let groups: Vec<&str> = text.split(['.', ' ', '\u{a0}']).collect();
    let thousands = groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3);
    let digits: String = if thousands {
        groups.concat()
    } else {
        text.to_owned()
    };
    if digits.is_empty() {
        return Err(What::NotANumber { value: value() });
    }
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        let number = read_score(text).is_ok();
        return Err(if number {
            What::NotAWholeNumber { value: value() }
        } else {
            What::NotANumber { value: value() }
        });
    }
    digits
        .parse::<u32>()
        .map_err(|_| What::NotANumber { value: value() })
}

/// A scale: `min-max` (a hyphen, an en or em dash; spaces allowed) of whole numbers, or only
/// its highest value (then from 1).
fn read_scale(text: &str) -> Result<(i32, i32), What> {
    let bad = || What::BadScale {
        value: text.to_owned(),
    };
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let whole = |t: &str| -> Result<u32, What> {
        if t.is_empty() || t.len() > 6 || !t.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        t.parse().map_err(|_| bad())
    };
    let (min, max) = match compact.find(['-', '–', '—']) {
        Some(at) => {
            let dash = compact[at..].chars().next().map_or(1, char::len_utf8);
            (whole(&compact[..at])?, whole(&compact[at + dash..])?)
        }
        None => (1, whole(&compact)?),
    };
    if min >= max || max - min > MAX_SPAN {
        return Err(bad());
    }
    Ok((min as i32, max as i32))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<EvalRow>, Vec<Problem>> {
        read_table(text, 3)
    }

    fn messages_of(text: &str) -> Vec<String> {
        read(text)
            .unwrap_err()
            .iter()
            .map(|p| p.message(Lang::Da))
            .collect()
    }

    #[test]
    fn a_danish_table_with_a_bom_and_decimal_commas_reads() {
        let text = "\u{feff}Spørgsmål;Gennemsnit;Skala;Antal\r\nJeg har tillid til min chef;3,8;1-5;12\r\n\r\n\"Vi taler om fejl; også de store\";4,25;1–5;9\r\n;;;\r\n";
        let rows = read(text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].item, "Jeg har tillid til min chef");
        assert_eq!(
            (rows[0].score, rows[0].min, rows[0].max, rows[0].n),
            (3.8, 1, 5, 12)
        );
        assert_eq!(rows[1].item, "Vi taler om fejl; også de store");
        assert_eq!(rows[1].score, 4.25);
    }

    #[test]
    fn english_headings_in_any_order_commas_tabs_and_a_bare_maximum_read() {
        let rows = read("n,item,scale,score,comment\n14,Trust,10,7.5,x\n").unwrap();
        assert_eq!(
            (
                rows[0].item.as_str(),
                rows[0].score,
                rows[0].min,
                rows[0].max,
                rows[0].n
            ),
            ("Trust", 7.5, 1, 10, 14)
        );
        let rows =
            read("Emne\tScore\tSkala\tAntal svar\nRo til ledelse\t62,5\t0-100\t1.234\n").unwrap();
        assert_eq!(
            (rows[0].score, rows[0].min, rows[0].max, rows[0].n),
            (62.5, 0, 100, 1234)
        );
        let quoted = read("item,score,scale,n\nTrust,\"3,8\",1-5,12\n").unwrap();
        assert_eq!(
            quoted[0].score, 3.8,
            "a quoted decimal comma in a comma table"
        );
    }

    #[test]
    fn a_non_number_names_its_line_and_field() {
        let text = "Spørgsmål;Gennemsnit;Skala;Antal\nA;3,8;1-5;12\nB;3,1;1-5;10\nC;2,9;1-5;tre\n";
        assert_eq!(
            messages_of(text),
            ["Linje 4, feltet 'antal': 'tre' er ikke et tal"]
        );
        let problems = read(text).unwrap_err();
        assert_eq!((problems[0].line, problems[0].field), (4, Some(Column::N)));
        assert_eq!(
            problems[0].message(Lang::En),
            "Line 4, field 'n': 'tre' is not a number"
        );
        let whole = messages_of("item;score;scale;n\nA;høj;1-5;12,5\n");
        assert_eq!(
            whole,
            [
                "Linje 2, feltet 'gennemsnit': 'høj' er ikke et tal",
                "Linje 2, feltet 'antal': '12,5' er ikke et helt tal"
            ]
        );
        let scale = messages_of("item;score;scale;n\nA;3;1-x;12\nB;6,2;1-5;12\nC;3;5-1;4\n");
        assert_eq!(
            scale,
            [
                "Linje 2, feltet 'skala': '1-x' er ikke en skala. Skriv fx 1-5, eller kun det højeste tal, 5",
                "Linje 3, feltet 'gennemsnit': 6,2 ligger uden for skalaen 1–5",
                "Linje 4, feltet 'skala': '5-1' er ikke en skala. Skriv fx 1-5, eller kun det højeste tal, 5",
            ]
        );
    }

    #[test]
    fn a_row_of_fewer_than_min_group_is_refused() {
        let problems = read("item;score;scale;n\nA;3,8;1-5;12\nB;4,0;1-5;2\n").unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].message(Lang::Da),
            "Linje 3, feltet 'antal': kun 2 svar. Et resultat vises først fra 3 svar – udelad rækken"
        );
        assert!(read_table("item;score;scale;n\nB;4,0;1-5;4\n", 5).is_err());
        assert!(read_table("item;score;scale;n\nB;4,0;1-5;5\n", 5).is_ok());
    }

    #[test]
    fn a_wrong_separator_or_missing_columns_are_named() {
        assert_eq!(
            messages_of("Spørgsmål|Gennemsnit|Skala|Antal\nA|3,8|1-5|12\n"),
            [
                "Linje 1: Kolonnerne er ikke adskilt med semikolon, komma eller tabulator. Skriv fx Spørgsmål;Gennemsnit;Skala;Antal"
            ]
        );
        // Commas between columns and decimal commas in the numbers.
        let commas = messages_of("item,score,scale,n\nTrust,3,8,1-5,12\n");
        assert_eq!(
            commas,
            [
                "Linje 2: Der er 5 felter, men overskriften har 4. Har tallene decimalkomma (3,8), så adskil kolonnerne med semikolon."
            ]
        );
        // A heading with semicolons, rows with tabs.
        let mixed = read("item;score;scale;n\nA\t3\t1-5\t12\n").unwrap_err();
        assert!(matches!(
            mixed[0].what,
            What::FieldCount {
                found: 1,
                wanted: 4,
                ..
            }
        ));
        let missing = read("Spørgsmål;Gennemsnit\nA;3,8\n").unwrap_err();
        let fields: Vec<_> = missing.iter().map(|p| (p.line, p.field)).collect();
        assert_eq!(fields, [(1, Some(Column::Scale)), (1, Some(Column::N))]);
        assert_eq!(
            missing[1].message(Lang::Da),
            "Linje 1, feltet 'antal': Kolonnen mangler i overskriften. Overskriften skal have kolonnerne Spørgsmål, Gennemsnit, Skala og Antal (eller item, score, scale, n)."
        );
        assert!(matches!(read("").unwrap_err()[0].what, What::Empty));
        assert!(matches!(
            read("\u{feff}\n \n").unwrap_err()[0].what,
            What::Empty
        ));
        assert!(matches!(
            read("item;score;scale;n\n").unwrap_err()[0].what,
            What::NoRows
        ));
        assert!(matches!(
            read("item;score;scale;n\n\"A;3;1-5;12\n").unwrap_err()[0].what,
            What::UnclosedQuote
        ));
    }

    #[test]
    fn ten_thousand_rows_give_a_clear_error_at_once() {
        let mut text = String::from("Spørgsmål;Gennemsnit;Skala;Antal\n");
        for i in 0..10_000 {
            text.push_str(&format!("Spørgsmål nr. {i};3,8;1-5;12\n"));
        }
        let started = std::time::Instant::now();
        let problems = read(&text).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, MAX_ROWS + 2);
        assert_eq!(
            problems[0].message(Lang::Da),
            "Linje 202: Tabellen har mere end 200 rækker. Tag de vigtigste spørgsmål med, højst 200."
        );
        // Exactly the limit reads.
        let exact: String = std::iter::once("item;score;scale;n\n".to_owned())
            .chain((0..MAX_ROWS).map(|i| format!("Q{i};3;1-5;12\n")))
            .collect();
        assert_eq!(read(&exact).unwrap().len(), MAX_ROWS);
    }

    #[test]
    fn many_problems_are_reported_up_to_a_limit_and_questions_are_checked() {
        let text: String = std::iter::once("item;score;scale;n\n".to_owned())
            .chain((0..50).map(|i| format!("Q{i};x;1-5;12\n")))
            .collect();
        assert_eq!(read(&text).unwrap_err().len(), MAX_PROBLEMS);
        let long = format!(
            "item;score;scale;n\n{};3;1-5;12\n;3;1-5;12\n\u{200b};3;1-5;12\n",
            "x".repeat(MAX_ITEM + 1)
        );
        let whats: Vec<What> = read(&long)
            .unwrap_err()
            .into_iter()
            .map(|p| p.what)
            .collect();
        assert_eq!(whats, [What::TooLong, What::EmptyItem, What::Deceptive]);
    }

    #[test]
    fn a_table_saved_as_windows_1252_reads_as_utf_8_does() {
        let latin: Vec<u8> =
            b"Sp\xf8rgsm\xe5l;Gennemsnit;Skala;Antal\r\nR\xe6kkevidde \x96 ja;3,8;1-5;12\r\n"
                .to_vec();
        let rows = read(&decode(&latin)).unwrap();
        assert_eq!(rows[0].item, "Rækkevidde – ja");
        assert_eq!(decode("æøå".as_bytes()), "æøå");
    }

    #[test]
    fn rows_sent_field_by_field_are_read_by_the_same_rules() {
        let rows = read_fields(
            [
                ["Tillid".into(), "3,8".into(), "1-5".into(), "12".into()],
                ["Ro".into(), "4".into(), "5".into(), "2".into()],
            ],
            3,
        )
        .unwrap_err();
        assert_eq!(
            rows[0].message(Lang::Da),
            "Række 2, feltet 'antal': kun 2 svar. Et resultat vises først fra 3 svar – udelad rækken"
        );
    }
}
