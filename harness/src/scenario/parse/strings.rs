//! Where a byte of a string's value is in the file: the TOML parser gives the span of the string
//! as written (quotes included), a template's holes are located in its decoded value, and the two
//! differ by the delimiters (`"`, `'`, `"""`, `'''`), the newline that may follow an opening `"""`
//! or `'''`, escapes (`\n`, `\u00e9`, …), line-ending backslashes and CRLF line ends.

/// The offset, from the start of `raw` (a string as written, delimiters included), of byte
/// `offset` of its decoded `value`; `None` when `raw` is no string that decodes to `value` this
/// far (the caller then points at the whole string).
pub(super) fn source_offset(raw: &str, value: &str, offset: usize) -> Option<usize> {
    let delimiter = ["\"\"\"", "'''", "\"", "'"].into_iter().find(|d| raw.starts_with(d))?;
    let literal = delimiter.starts_with('\'');
    let multi_line = delimiter.len() == 3;
    let mut r = delimiter.len();
    if multi_line {
        r += ["\n", "\r\n"].into_iter().find(|nl| raw[r..].starts_with(nl)).map_or(0, |nl| nl.len());
    }
    let mut d = 0;
    while d < offset {
        let rest = &raw[r..];
        let c = rest.chars().next()?;
        let (raw_len, decoded_len) = if c == '\\' && !literal {
            escape(rest, multi_line)?
        } else if rest.starts_with("\r\n") && value[d..].starts_with('\n') {
            (2, 1)
        } else if value[d..].starts_with(c) {
            (c.len_utf8(), c.len_utf8())
        } else {
            return None;
        };
        if d + decoded_len > offset {
            // The offset falls inside what an escape decodes to: point at the escape.
            break;
        }
        r += raw_len;
        d += decoded_len;
    }
    // A line-ending backslash right at the offset decodes to nothing: the byte is after it.
    while !literal && raw[r..].starts_with('\\') {
        match escape(&raw[r..], multi_line) {
            Some((raw_len, 0)) => r += raw_len,
            _ => break,
        }
    }
    Some(r)
}

/// The bytes an escape at the start of `rest` takes in the file and in the value.
fn escape(rest: &str, multi_line: bool) -> Option<(usize, usize)> {
    let code = |digits: usize| {
        let hex = rest.get(2..2 + digits)?;
        let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
        Some((2 + digits, c.len_utf8()))
    };
    match rest[1..].chars().next()? {
        'b' | 't' | 'n' | 'f' | 'r' | 'e' | '"' | '\\' => Some((2, 1)),
        'x' => code(2),
        'u' => code(4),
        'U' => code(8),
        ' ' | '\t' | '\r' | '\n' if multi_line => {
            // A line-ending backslash: it and all whitespace and line breaks after it vanish.
            let kept = rest[1..].trim_start_matches([' ', '\t', '\r', '\n']);
            Some((rest.len() - kept.len(), 0))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every way of writing a string with a hole in it: the hole's offset in the value maps to
    /// the `{{` in the file.
    #[test]
    fn holes_map_to_their_place_in_the_file() {
        let cases = [
            r#"v = "a {{x}}""#,
            r#"v = "\t\"\u00e9\U0001F600\\ {{x}}""#,
            "v = 'C:\\dir {{x}}'",
            "v = \"\"\"\nline one\n  {{x}}\"\"\"",
            "v = \"\"\"\r\nline one\r\n  {{x}}\"\"\"",
            "v = \"\"\"first \\\n     second {{x}}\"\"\"",
            "v = '''\nraw \\n {{x}}'''",
            "v = \"\"\"no newline first {{x}}\"\"\"",
        ];
        for text in cases {
            let table: toml::Table = toml::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let value = table["v"].as_str().unwrap();
            let hole = value.find("{{").unwrap();
            let raw = &text[4..];
            let at = source_offset(raw, value, hole).unwrap_or_else(|| panic!("{text}: not mapped"));
            assert!(raw[at..].starts_with("{{x}}"), "{text}: mapped to `{}`", &raw[at..]);
            let end = source_offset(raw, value, hole + 5).unwrap();
            assert_eq!(&raw[at..end], "{{x}}", "{text}");
        }
    }

    #[test]
    fn a_string_that_does_not_decode_to_the_value_is_not_mapped() {
        assert_eq!(source_offset("x", "x", 0), None);
        assert_eq!(source_offset("\"abc\"", "xyz", 2), None);
        assert_eq!(source_offset("\"\\u00e9x\"", "éx", 1), Some(1), "inside an escape: the escape");
    }
}
