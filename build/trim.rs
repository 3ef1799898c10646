//! Takes the comments and the indentation out of a script or a style sheet, and nothing else:
//! every line stays where it was (a line's number in the browser is its number in `web/`),
//! and what is left of each line is its code as written. About a fifth of the pages' bytes on
//! the wire are comments and indentation.
//!
//! A script is read with the lexical states that decide what is code: strings, template
//! literals (and the code in their `${…}`), regular expressions (told from division by what
//! precedes them), and comments. A file that does not end back in code — an unclosed string,
//! template, comment or regular expression, which no working script has — is refused.

/// The script `source` without its comments and indentation.
pub fn script(source: &str) -> Result<String, String> {
    let mut out = Trimmed::new(source.len());
    let bytes = source.as_bytes();
    // Braces open in each `${…}` being read, innermost last; empty outside templates.
    let mut substitutions: Vec<usize> = Vec::new();
    // Whether a `/` here would start a regular expression (what precedes it is not a value).
    let mut regex_may_start = true;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\n' => {
                out.newline();
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                out.space();
                i += 1;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                // To the end of the line.
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = block_comment(source, i, &mut out)?;
                continue;
            }
            b'\'' | b'"' => {
                let end = quoted(bytes, i, c).ok_or("a string is not closed")?;
                out.code(&source[i..end]);
                i = end;
                regex_may_start = false;
                continue;
            }
            b'`' => {
                i = template(source, i + 1, &mut out)?;
                if i > 0 && bytes[i - 1] == b'{' {
                    substitutions.push(0);
                    regex_may_start = true;
                } else {
                    regex_may_start = false;
                }
                continue;
            }
            b'}' if substitutions.last() == Some(&0) => {
                // The end of a `${…}`: the template goes on.
                substitutions.pop();
                i = template(source, i + 1, &mut out)?;
                if bytes[i - 1] == b'{' {
                    substitutions.push(0);
                    regex_may_start = true;
                } else {
                    regex_may_start = false;
                }
                continue;
            }
            b'/' if regex_may_start => {
                let end = regex(bytes, i).ok_or("a regular expression is not closed")?;
                out.code(&source[i..end]);
                i = end;
                regex_may_start = false;
                continue;
            }
            _ => {}
        }
        if c == b'{'
            && let Some(open) = substitutions.last_mut()
        {
            *open += 1;
        }
        if c == b'}'
            && let Some(open) = substitutions.last_mut()
        {
            *open -= 1;
        }
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80 {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric()
                    || bytes[i] == b'_'
                    || bytes[i] == b'$'
                    || bytes[i] >= 0x80)
            {
                i += 1;
            }
            let word = &source[start..i];
            out.code(word);
            regex_may_start = KEYWORDS_BEFORE_VALUE.contains(&word);
            continue;
        }
        // Punctuation: a value ends with `)` or `]` (then `/` divides); after anything else
        // (an operator, `(`, `,`, `{`, `}`, `;`, …) a `/` starts a regular expression.
        regex_may_start = !matches!(c, b')' | b']');
        let len = source[i..].chars().next().map_or(1, char::len_utf8);
        out.code(&source[i..i + len]);
        i += len;
    }
    if !substitutions.is_empty() {
        return Err("a template's ${…} is not closed".into());
    }
    Ok(out.text)
}

/// Words after which a `/` starts a regular expression rather than dividing.
const KEYWORDS_BEFORE_VALUE: [&str; 15] = [
    "return",
    "typeof",
    "instanceof",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "case",
    "do",
    "else",
    "yield",
    "await",
    "export",
];

/// Drops the `/* … */` comment at `start` (of a script or a style sheet), keeping its line
/// breaks, or one space when it has none (it still separates what is on either side); returns
/// where the source goes on.
fn block_comment(source: &str, start: usize, out: &mut Trimmed) -> Result<usize, String> {
    let end = source[start + 2..]
        .find("*/")
        .ok_or("a comment is not closed")?;
    let comment = &source[start..start + 2 + end + 2];
    let lines = comment.matches('\n').count();
    if lines == 0 {
        out.space();
    }
    for _ in 0..lines {
        out.newline();
    }
    Ok(start + comment.len())
}

/// The end (one past the closing quote) of the string starting at `start`.
fn quoted(bytes: &[u8], start: usize, quote: u8) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' => return None,
            c if c == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Copies a template literal's text from its opening backtick (or the `}` that ends a `${…}`),
/// the character before `start`, up to and including its closing backtick or the next `${`;
/// returns where code resumes.
fn template(source: &str, start: usize, out: &mut Trimmed) -> Result<usize, String> {
    let bytes = source.as_bytes();
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'`' => {
                out.literal(&source[start - 1..i + 1]);
                return Ok(i + 1);
            }
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                out.literal(&source[start - 1..i + 2]);
                return Ok(i + 2);
            }
            _ => i += 1,
        }
    }
    Err("a template literal is not closed".into())
}

/// The end of the regular expression starting at `start` (its flags included).
fn regex(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    let mut class = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' => return None,
            b'[' => {
                class = true;
                i += 1;
            }
            b']' => {
                class = false;
                i += 1;
            }
            b'/' if !class => {
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                    i += 1;
                }
                return Some(i);
            }
            _ => i += 1,
        }
    }
    None
}

/// The style sheet `source` without its comments and indentation.
pub fn style(source: &str) -> Result<String, String> {
    let mut out = Trimmed::new(source.len());
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\n' => {
                out.newline();
                i += 1;
            }
            b' ' | b'\t' | b'\r' => {
                out.space();
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = block_comment(source, i, &mut out)?;
            }
            b'\'' | b'"' => {
                let end = quoted(bytes, i, c).ok_or("a string is not closed")?;
                out.code(&source[i..end]);
                i = end;
            }
            _ => {
                let len = source[i..].chars().next().map_or(1, char::len_utf8);
                out.code(&source[i..i + len]);
                i += len;
            }
        }
    }
    Ok(out.text)
}

/// The text being written: a run of spaces in code becomes one, held back until code follows
/// on the same line, so that no line starts or ends with spaces.
struct Trimmed {
    text: String,
    /// Whether spaces came since the last code on this line.
    spaced: bool,
    /// Whether this line has code yet.
    started: bool,
}

impl Trimmed {
    fn new(capacity: usize) -> Self {
        Trimmed {
            text: String::with_capacity(capacity),
            spaced: false,
            started: false,
        }
    }

    fn code(&mut self, code: &str) {
        if self.started && self.spaced {
            self.text.push(' ');
        }
        self.spaced = false;
        self.text.push_str(code);
        self.started = true;
    }

    /// A piece of a template literal, as it is (its spaces and line breaks are its content);
    /// its first character is code (a backtick or the `}` of a `${…}`).
    fn literal(&mut self, text: &str) {
        self.code(&text[..1]);
        self.text.push_str(&text[1..]);
    }

    fn space(&mut self) {
        self.spaced = true;
    }

    fn newline(&mut self) {
        self.spaced = false;
        self.text.push('\n');
        self.started = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_indentation_go_and_every_line_stays() {
        let source = "// A module.\nimport { a } from './a.js'; // why\n\n/**\n * Doc.\n */\nfunction f(x) {\n  return x /* inline */ + 1;\n}\n";
        let trimmed = script(source).unwrap();
        assert_eq!(
            trimmed,
            "\nimport { a } from './a.js';\n\n\n\n\nfunction f(x) {\nreturn x + 1;\n}\n"
        );
        assert_eq!(trimmed.lines().count(), source.lines().count());
    }

    #[test]
    fn strings_templates_and_regular_expressions_are_left_as_they_are() {
        let source = concat!(
            "const s = '// not a comment', d = \"/* nor this */\";\n",
            "const t = `two  spaces\n    // kept ${ a  /* gone */ } `;\n",
            "const n = `${`${b}`}`;\n",
            "const r = /filename\\*\\s*=\\s*(?:UTF-8'')?([^;]+)/i.exec(x);\n",
            "const c = /[/]/g, q = a / b / c;\n",
            "if (!/^\\d{4}$/.test(v)) return /x/u;\n",
        );
        let trimmed = script(source).unwrap();
        assert_eq!(
            trimmed,
            concat!(
                "const s = '// not a comment', d = \"/* nor this */\";\n",
                "const t = `two  spaces\n    // kept ${ a } `;\n",
                "const n = `${`${b}`}`;\n",
                "const r = /filename\\*\\s*=\\s*(?:UTF-8'')?([^;]+)/i.exec(x);\n",
                "const c = /[/]/g, q = a / b / c;\n",
                "if (!/^\\d{4}$/.test(v)) return /x/u;\n",
            )
        );
    }

    #[test]
    fn a_comment_between_two_words_still_separates_them() {
        assert_eq!(script("return/**/x;").unwrap(), "return x;");
        assert_eq!(style("a/**/b{}").unwrap(), "a b{}");
    }

    #[test]
    fn unclosed_code_is_refused() {
        for broken in [
            "const s = 'open;\n",
            "const t = `open",
            "/* open",
            "x = /open\n",
        ] {
            assert!(script(broken).is_err(), "{broken}");
        }
    }

    #[test]
    fn a_style_sheet_keeps_its_strings_and_lines() {
        let source = "/* Colours. */\n:root {\n  --x: \"/* no */\";\n  color: red; /* why */\n}\n";
        assert_eq!(
            style(source).unwrap(),
            "\n:root {\n--x: \"/* no */\";\ncolor: red;\n}\n"
        );
    }
}
