//! Escaping text for XML, SVG and HTML, so that whatever a participant typed stays text.

/// Whether `c` may appear in an XML 1.0 document at all.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// `text` with the characters XML does not allow (most control characters) left out.
pub(crate) fn clean(text: &str) -> String {
    text.chars().filter(|&c| allowed(c)).collect()
}

/// `text` escaped for XML or HTML text and attribute values (both quote kinds), with the
/// characters XML does not allow left out.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if allowed(c) => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_control_characters_do_not_survive() {
        assert_eq!(
            escape("<script>\"a\" & 'b'\u{0}</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
        assert_eq!(clean("a\u{1}b\nc"), "ab\nc");
    }
}
