//! What people type, before it is kept: normalised to one Unicode form (NFC), so the same
//! word is stored, compared, counted and exported the same however the keyboard composed it;
//! and refused when it would deceive the others who read it — text made only of invisible
//! characters (it looks like nothing, yet is an answer or a name), or characters that reorder
//! how the text around them is shown (bidi embeddings, overrides and isolates).

use unicode_normalization::UnicodeNormalization;

/// Why a typed text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deceptive {
    /// Something was typed, yet none of it can be seen.
    Invisible,
    /// It holds a character that changes the reading direction of what follows it.
    Reorders,
}

/// Characters that render as nothing (and are not spaces one can see as a gap).
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' // soft hyphen
            | '\u{034F}' // combining grapheme joiner
            | '\u{061C}' // Arabic letter mark
            | '\u{115F}' | '\u{1160}' // Hangul fillers
            | '\u{17B4}' | '\u{17B5}'
            | '\u{180E}' // Mongolian vowel separator
            | '\u{200B}'..='\u{200F}' // zero-width space, joiners, direction marks
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{3164}' // Hangul filler
            | '\u{FE00}'..='\u{FE0F}' // variation selectors
            | '\u{FEFF}' // zero-width no-break space
            | '\u{FFA0}'
    )
}

/// Embeddings, overrides and isolates: they make text after them read in another order.
fn reorders(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The text in NFC, or why it may not be kept. A text that is empty (or only spaces) is
/// allowed here: whether an empty answer or name is allowed is the caller's rule.
pub fn normalised(text: &str) -> Result<String, Deceptive> {
    if text.chars().any(reorders) {
        return Err(Deceptive::Reorders);
    }
    let typed = text.chars().any(|c| !c.is_whitespace());
    let visible = text.chars().any(|c| !c.is_whitespace() && !invisible(c));
    if typed && !visible {
        return Err(Deceptive::Invisible);
    }
    Ok(text.nfc().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_word_is_kept_the_same_however_it_was_composed() {
        // "Sø" with a precomposed ø, and "é" typed as e + combining acute.
        assert_eq!(normalised("Søren").unwrap(), "Søren");
        assert_eq!(normalised("Ren\u{0065}\u{0301}").unwrap(), "Ren\u{00E9}");
        assert_eq!(normalised("").unwrap(), "");
        assert_eq!(normalised("   ").unwrap(), "   ");
        // Invisible characters inside visible text are kept (emoji sequences need joiners).
        assert_eq!(normalised("a\u{200D}b").unwrap(), "a\u{200D}b");
    }

    #[test]
    fn text_of_only_invisible_characters_is_refused() {
        for text in [
            "\u{200B}",
            "\u{200B}\u{200C}\u{200D}",
            " \u{FEFF} ",
            "\u{2060}\u{00AD}",
        ] {
            assert_eq!(normalised(text), Err(Deceptive::Invisible), "{text:?}");
        }
    }

    #[test]
    fn characters_that_reorder_the_text_are_refused() {
        for text in ["Mette\u{202E}", "\u{2066}abc\u{2069}", "a\u{202D}b"] {
            assert_eq!(normalised(text), Err(Deceptive::Reorders), "{text:?}");
        }
    }
}
