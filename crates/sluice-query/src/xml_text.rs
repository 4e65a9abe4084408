//! Escaping of XML character data, written straight into the output buffer.
//!
//! Every character a message body may hold (#x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD
//! #x10000-#x10FFFF) survives a round trip through an XML parser:
//!
//! - `&`, `<` and `>` become `&amp;`, `&lt;` and `&gt;`;
//! - CR becomes `&#xD;`, because a parser normalises a literal CR (and CR LF) to LF, which
//!   would change the text and break the client's MD5 check;
//! - tab and LF are written as they are: element content keeps them.
//!
//! Characters XML 1.0 cannot carry at all, not even as a character reference (the C0
//! controls other than tab, LF and CR, and U+FFFE / U+FFFF), are written as U+FFFD so the
//! document stays well-formed. SQS refuses such characters in bodies and attributes, so
//! they can only reach here through other text, such as an error message.
//!
//! Only element content is written with dynamic text; the one attribute in a response,
//! `xmlns`, is a constant, so quotes need no escaping.

/// Written in place of a character XML cannot carry.
const REPLACEMENT: &str = "\u{FFFD}";

/// The UTF-8 lead and continuation bytes of U+FFFE and U+FFFF (`EF BF BE`, `EF BF BF`).
const NONCHARACTER_LEAD: u8 = 0xEF;
const NONCHARACTER_SECOND: u8 = 0xBF;
const NONCHARACTER_THIRD: [u8; 2] = [0xBE, 0xBF];

/// Appends `text` to `out` as XML character data.
pub fn push_text(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let (replacement, width) = match bytes[i] {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'\r' => ("&#xD;", 1),
            b'\t' | b'\n' => {
                i += 1;
                continue;
            }
            0x00..=0x1F => (REPLACEMENT, 1),
            NONCHARACTER_LEAD
                if bytes.get(i + 1) == Some(&NONCHARACTER_SECOND)
                    && bytes
                        .get(i + 2)
                        .is_some_and(|b| NONCHARACTER_THIRD.contains(b)) =>
            {
                (REPLACEMENT, 3)
            }
            _ => {
                i += 1;
                continue;
            }
        };
        // `i` is at an ASCII byte or a lead byte, so both slices fall on char boundaries.
        out.push_str(&text[copied..i]);
        out.push_str(replacement);
        i += width;
        copied = i;
    }
    out.push_str(&text[copied..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = String::new();
        push_text(&mut out, text);
        out
    }

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(escaped("a&b<c>d"), "a&amp;b&lt;c&gt;d");
        assert_eq!(escaped("]]>"), "]]&gt;");
    }

    #[test]
    fn carriage_return_becomes_a_reference() {
        assert_eq!(escaped("a\r\nb\rc"), "a&#xD;\nb&#xD;c");
    }

    #[test]
    fn quotes_tabs_and_newlines_are_kept() {
        assert_eq!(escaped("\"it's\"\t\n"), "\"it's\"\t\n");
    }

    #[test]
    fn plain_and_non_ascii_text_is_copied() {
        let text = "héllo wörld 😀 \u{E000}\u{FFFD}\u{10FFFF}\u{7F}\u{85}";
        assert_eq!(escaped(text), text);
        assert_eq!(escaped(""), "");
    }

    #[test]
    fn characters_xml_cannot_carry_are_replaced() {
        assert_eq!(
            escaped("a\u{0}b\u{1F}c\u{B}"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}"
        );
        assert_eq!(escaped("x\u{FFFE}y\u{FFFF}z"), "x\u{FFFD}y\u{FFFD}z");
        // Neighbours of the noncharacters share their lead bytes and must be kept.
        assert_eq!(
            escaped("\u{FFFD}\u{FFBF}\u{EFFF}"),
            "\u{FFFD}\u{FFBF}\u{EFFF}"
        );
    }
}
