//! Keeping a pools file's secrets out of its diagnostics.
//!
//! A diagnostic shows the lines around a problem, and TOML's messages can quote a value
//! (`invalid type: integer `…``), so a problem next to a password would print the password.
//! [`mask`] finds every value given to a key whose name ends in `password` or `secret` (so a
//! misspelt `client_secret` is masked too; a bare `true` or `false` is left alone) lexically, so it works on a
//! file that does not even parse, and replaces each of its characters with `*`s of the same UTF-8
//! length: every byte offset, and so every line:column, stays what it is in the real file.
//! [`Masked::scrub`] then removes the masked values from messages.

/// The keys whose values are secret.
const SECRET_KEYS: [&str; 2] = ["password", "secret"];

/// Values shorter than this are not scrubbed from messages: a one-letter "secret" would otherwise
/// take every such letter out of every message (and says nothing when it leaks).
const MIN_SCRUBBED: usize = 4;

/// A file's text with its secret values masked, and those values, to scrub from messages.
#[derive(Default)]
pub struct Masked {
    /// The text with every secret value's characters replaced by `*`s; same byte length.
    pub text: String,
    fragments: Vec<String>,
}

impl std::fmt::Debug for Masked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Masked").field("text", &self.text).field("fragments", &self.fragments.len()).finish()
    }
}

impl Masked {
    /// Adds a secret found another way (the decoded value of an escaped TOML string).
    pub fn add(&mut self, secret: &str) {
        if secret.chars().count() >= MIN_SCRUBBED && !self.fragments.iter().any(|f| f == secret) {
            self.fragments.push(secret.to_owned());
        }
    }

    /// `message` with every secret value replaced by `***`.
    pub fn scrub(&self, message: &str) -> String {
        let mut fragments: Vec<&String> = self.fragments.iter().collect();
        fragments.sort_by_key(|f| std::cmp::Reverse(f.len()));
        fragments.iter().fold(message.to_owned(), |message, fragment| message.replace(fragment.as_str(), "***"))
    }
}

/// `text` with the value of every `password` and `secret` key masked.
pub fn mask(text: &str) -> Masked {
    let mut out = String::with_capacity(text.len());
    let mut masked = Masked::default();
    // The closing delimiter of a multi-line secret string still open at the end of a line.
    let mut open: Option<&str> = None;
    for line in text.split_inclusive('\n') {
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let mut from = 0;
        if let Some(delimiter) = open {
            let end = line.find(delimiter).unwrap_or(line.trim_end_matches(['\n', '\r']).len());
            spans.push((0, end));
            open = if line[end..].starts_with(delimiter) { None } else { Some(delimiter) };
            from = end;
        }
        while open.is_none() {
            let Some((start, end, still_open)) = next_secret(line, from) else { break };
            spans.push((start, end));
            open = still_open;
            from = end.max(start + 1);
        }
        let mut last = 0;
        for (start, end) in spans {
            out.push_str(&line[last..start]);
            let value = &line[start..end];
            masked.add(value);
            out.extend(value.chars().flat_map(|c| std::iter::repeat_n('*', c.len_utf8())));
            last = end;
        }
        out.push_str(&line[last..]);
    }
    masked.text = out;
    masked
}

/// The byte range of the next secret value in `line` from `from`, and the delimiter that closes
/// it on a later line when it is a multi-line string left open.
fn next_secret(line: &str, from: usize) -> Option<(usize, usize, Option<&'static str>)> {
    let bytes = line.as_bytes();
    let mut at = from;
    while at < line.len() {
        let found = SECRET_KEYS.iter().filter_map(|key| line[at..].find(key).map(|i| (at + i, key.len()))).min();
        let (start, len) = found?;
        at = start + len;
        let boundary =
            start == 0 || matches!(bytes[start - 1], b' ' | b'\t' | b'{' | b',' | b'.' | b'"' | b'\'' | b'_' | b'-');
        let mut rest = at;
        if matches!(bytes.get(rest), Some(b'"' | b'\'')) {
            rest += 1;
        }
        while matches!(bytes.get(rest), Some(b' ' | b'\t')) {
            rest += 1;
        }
        if !boundary || bytes.get(rest) != Some(&b'=') {
            continue;
        }
        rest += 1;
        while matches!(bytes.get(rest), Some(b' ' | b'\t')) {
            rest += 1;
        }
        let (start, end, open) = value_span(line, rest);
        if open.is_none() && matches!(&line[start..end], "true" | "false") {
            at = end.max(at);
            continue;
        }
        return Some((start, end, open));
    }
    None
}

/// The content of the value starting at `start` (quotes excluded).
fn value_span(line: &str, start: usize) -> (usize, usize, Option<&'static str>) {
    let rest = &line[start..];
    let line_end = line.trim_end_matches(['\n', '\r']).len();
    for delimiter in ["\"\"\"", "'''"] {
        if let Some(body) = rest.strip_prefix(delimiter) {
            let content = start + delimiter.len();
            return match body.find(delimiter) {
                Some(end) => (content, content + end, None),
                None => (content, line_end, Some(delimiter)),
            };
        }
    }
    if let Some(body) = rest.strip_prefix('"') {
        let mut escaped = false;
        let end = body
            .char_indices()
            .find(|&(_, c)| {
                let closes = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                closes
            })
            .map_or(line_end, |(i, _)| start + 1 + i);
        return (start + 1, end.max(start + 1), None);
    }
    if let Some(body) = rest.strip_prefix('\'') {
        return (start + 1, body.find('\'').map_or(line_end, |i| start + 1 + i).max(start + 1), None);
    }
    let end = rest.find([',', '}', '#', ' ', '\t', '\r', '\n']).map_or(line_end, |i| start + i);
    (start, end.max(start), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_values_are_masked_in_place_and_other_keys_are_not() {
        let text = "password = \"Passw0rd!\"\nsecret='abcdefghijklmnopqrstuvwxyz'\ngenerate_secret = true\n\
                    client_secret = \"abcdefgh\"\nsecretary = \"x\"\nattributes = { email = \"a@b.c\", password = \"p é\" }\nx = 1 # secret = 12345678\n";
        let masked = mask(text);
        assert_eq!(masked.text.len(), text.len());
        assert_eq!(
            masked.text,
            "password = \"*********\"\nsecret='**************************'\ngenerate_secret = true\n\
             client_secret = \"********\"\nsecretary = \"x\"\nattributes = { email = \"a@b.c\", password = \"****\" }\nx = 1 # secret = ********\n"
        );
        assert_eq!(masked.scrub("invalid type: integer `12345678`"), "invalid type: integer `***`");
    }

    #[test]
    fn unterminated_and_multi_line_values_are_masked_to_their_end() {
        let text = "password = \"Passw0rd!\nsecret = \"\"\"first\nsecond\"\"\" \nname = 'n'\n\"password\" = 123456789\n";
        let masked = mask(text);
        assert_eq!(
            masked.text,
            "password = \"*********\nsecret = \"\"\"*****\n******\"\"\" \nname = 'n'\n\"password\" = *********\n"
        );
        for secret in ["Passw0rd!", "first", "second", "123456789"] {
            assert!(!masked.text.contains(secret), "{secret}");
        }
    }

    #[test]
    fn an_escaped_quote_does_not_end_the_value() {
        let masked = mask("password = \"ab\\\"cdef\" # note\n");
        assert_eq!(masked.text, "password = \"********\" # note\n");
    }
}
