//! Templates: strings with `{{ reference }}` holes, filled from fixtures and earlier steps.
//!
//! A reference is a dotted path:
//! - `<step>.<output>[.<path>…]` — an earlier step's output: `access_token`, `id_token`,
//!   `refresh_token`, `status`, `body.<json path>`, `header.<name>`, `claims.<name>` (decode);
//! - `client.<name>.id` / `client.<name>.secret`, `user.<name>.username` / `.password` / `.sub` / `.email`,
//!   `pool.<name>.id` / `pool.<name>.domain`;
//! - `<capture>` — a value named by an earlier step's `capture` table.
//!
//! A hole may pipe its value through filters, left to right: `{{ client.app.secret | prefix(10) }}`.
//! They exist so a file can state a *derived* credential (a truncated secret, a token in upper
//! case, a url-encoded id) without knowing the value, which changes on every run; the fuzzer writes
//! its reproductions with them. Filters: `prefix(N)` (first N characters), `upper`, `lower`, `url`
//! (`application/x-www-form-urlencoded` encoding, as RFC 6749 §2.3.1 asks for Basic credentials).
//!
//! Templates are parsed when the file is checked, so a typo in a reference is a file error with a
//! location, not a runtime surprise.

use std::fmt;

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    segments: Vec<Segment>,
}

/// A piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Text copied as is.
    Literal(String),
    /// A hole, with its byte offset inside the template text (for diagnostics) and the filters
    /// its value goes through.
    Hole(Reference, usize, Vec<Filter>),
}

/// A transformation of a hole's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// The first N characters.
    Prefix(usize),
    /// ASCII upper case.
    Upper,
    /// ASCII lower case.
    Lower,
    /// Form-urlencoded.
    Url,
}

impl Filter {
    fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        Ok(match text {
            "upper" => Filter::Upper,
            "lower" => Filter::Lower,
            "url" => Filter::Url,
            _ => {
                let count = text
                    .strip_prefix("prefix(")
                    .and_then(|rest| rest.strip_suffix(')'))
                    .and_then(|n| n.trim().parse::<usize>().ok())
                    .ok_or_else(|| format!("`{text}` is not a filter (prefix(N), upper, lower, url)"))?;
                Filter::Prefix(count)
            }
        })
    }

    /// Applies the filter.
    pub fn apply(self, value: &str) -> String {
        match self {
            Filter::Prefix(count) => value.chars().take(count).collect(),
            Filter::Upper => value.to_ascii_uppercase(),
            Filter::Lower => value.to_ascii_lowercase(),
            Filter::Url => form_urlencoded::byte_serialize(value.as_bytes()).collect(),
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Prefix(count) => write!(f, "prefix({count})"),
            Filter::Upper => f.write_str("upper"),
            Filter::Lower => f.write_str("lower"),
            Filter::Url => f.write_str("url"),
        }
    }
}

/// What a hole refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// An earlier step's output.
    Step {
        /// The step's name.
        step: String,
        /// The output path, at least one segment.
        path: Vec<String>,
    },
    /// A fixture attribute: `client.<name>.<field>` and friends.
    Fixture {
        /// `client`, `user` or `pool`.
        kind: FixtureKind,
        /// The fixture's name.
        name: String,
        /// The attribute.
        field: String,
    },
    /// A named capture, or a step when the name has no dots (checked against the scenario).
    Name(String),
}

/// The kinds of fixture a template can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixtureKind {
    /// An app client.
    Client,
    /// A user.
    User,
    /// A pool.
    Pool,
}

impl FixtureKind {
    /// The fields a template may read.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            FixtureKind::Client => &["id", "secret"],
            FixtureKind::User => &["username", "password", "sub", "email"],
            FixtureKind::Pool => &["id", "domain"],
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reference::Step { step, path } => write!(f, "{step}.{}", path.join(".")),
            Reference::Fixture { kind, name, field } => {
                let kind = match kind {
                    FixtureKind::Client => "client",
                    FixtureKind::User => "user",
                    FixtureKind::Pool => "pool",
                };
                write!(f, "{kind}.{name}.{field}")
            }
            Reference::Name(name) => f.write_str(name),
        }
    }
}

/// Why a template does not parse; `offset` is the byte offset inside the template text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    /// What is wrong.
    pub message: String,
    /// Where, inside the template text.
    pub offset: usize,
}

fn is_name(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl Template {
    /// Parses `text`. `{{` opens a hole and the next `}}` closes it; of a run of braces (`{{{`),
    /// the last two open it. A `}}` outside a hole is text (JSON ends in `}}`). `\{{` is a literal
    /// `{{`: an odd number of backslashes before `{{` escapes it, and each pair of them stands for
    /// one backslash, so `\\{{x}}` is a backslash and then a hole.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut segments = Vec::new();
        let mut literal = String::new();
        let mut offset = 0;
        while let Some(found) = text[offset..].find("{{") {
            let mut open = offset + found;
            let backslashes = text[offset..open].bytes().rev().take_while(|b| *b == b'\\').count();
            literal.push_str(&text[offset..open - backslashes]);
            literal.extend(std::iter::repeat_n('\\', backslashes / 2));
            if backslashes % 2 == 1 {
                literal.push_str("{{");
                offset = open + 2;
                continue;
            }
            while text[open + 2..].starts_with('{') {
                literal.push('{');
                open += 1;
            }
            let after = &text[open + 2..];
            let close = after
                .find("}}")
                .ok_or_else(|| TemplateError { message: "`{{` is never closed by `}}`".into(), offset: open })?;
            let mut pipeline = after[..close].split('|');
            let inner = pipeline.next().unwrap_or_default().trim();
            let reference = Self::reference(inner).map_err(|message| TemplateError { message, offset: open })?;
            let filters = pipeline
                .map(Filter::parse)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|message| TemplateError { message, offset: open })?;
            if !literal.is_empty() {
                segments.push(Segment::Literal(std::mem::take(&mut literal)));
            }
            segments.push(Segment::Hole(reference, open, filters));
            offset = open + 2 + close + 2;
        }
        literal.push_str(&text[offset..]);
        if !literal.is_empty() {
            segments.push(Segment::Literal(literal));
        }
        Ok(Self { segments })
    }

    /// `text` as a template writes it, to be read back as a literal: each `{{` escaped, and the
    /// backslashes before an escaped `{{` or before the hole that follows (`hole_next`) doubled.
    fn escaped(text: &str, hole_next: bool) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            let backslashes = rest[..open].bytes().rev().take_while(|b| *b == b'\\').count();
            out.push_str(&rest[..open]);
            out.extend(std::iter::repeat_n('\\', backslashes + 1));
            out.push_str("{{");
            rest = &rest[open + 2..];
        }
        out.push_str(rest);
        if hole_next {
            let backslashes = rest.bytes().rev().take_while(|b| *b == b'\\').count();
            out.extend(std::iter::repeat_n('\\', backslashes));
        }
        out
    }

    fn reference(inner: &str) -> Result<Reference, String> {
        let parts: Vec<&str> = inner.split('.').collect();
        if parts.iter().any(|part| part.is_empty()) {
            return Err(format!("`{inner}` is not a reference (empty segment)"));
        }
        let fixture = match parts[0] {
            "client" => Some(FixtureKind::Client),
            "user" => Some(FixtureKind::User),
            "pool" => Some(FixtureKind::Pool),
            _ => None,
        };
        if let Some(kind) = fixture {
            let [_, name, field] = parts[..] else {
                return Err(format!("`{inner}`: write `{}.<name>.<{}>`", parts[0], kind.fields().join("|")));
            };
            if !kind.fields().contains(&field) {
                return Err(format!("`{inner}`: `{field}` is not one of {}", kind.fields().join(", ")));
            }
            return Ok(Reference::Fixture { kind, name: name.to_owned(), field: field.to_owned() });
        }
        if !is_name(parts[0]) {
            return Err(format!("`{}` is not a step or capture name", parts[0]));
        }
        Ok(match parts.split_first() {
            Some((name, [])) => Reference::Name((*name).to_owned()),
            Some((step, path)) => {
                Reference::Step { step: (*step).to_owned(), path: path.iter().map(|p| (*p).to_owned()).collect() }
            }
            None => return Err("empty reference".into()),
        })
    }

    /// A template with no holes.
    pub fn literal(text: impl Into<String>) -> Self {
        Self { segments: vec![Segment::Literal(text.into())] }
    }

    /// The segments, in order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Every reference, with its offset.
    pub fn references(&self) -> impl Iterator<Item = (&Reference, usize)> {
        self.segments.iter().filter_map(|segment| match segment {
            Segment::Hole(reference, offset, _) => Some((reference, *offset)),
            Segment::Literal(_) => None,
        })
    }

    /// The template as a file writes it, holes and filters included (`Bearer {{login.access_token}}`):
    /// what reports show for a check whose expected text is a template.
    pub fn source_text(&self) -> String {
        self.segments
            .iter()
            .enumerate()
            .map(|(index, segment)| match segment {
                Segment::Literal(text) => {
                    Self::escaped(text, matches!(self.segments.get(index + 1), Some(Segment::Hole(..))))
                }
                Segment::Hole(reference, _, filters) => {
                    let filters: String = filters.iter().map(|filter| format!(" | {filter}")).collect();
                    format!("{{{{{reference}{filters}}}}}")
                }
            })
            .collect()
    }

    /// Fills the holes with `lookup`; the first reference it cannot resolve is the error.
    pub fn render<E>(&self, lookup: impl FnMut(&Reference) -> Result<String, E>) -> Result<String, E> {
        self.render_deriving(lookup, |_, _| {})
    }

    /// [`render`](Self::render), handing `derived` each value that filters made and the value
    /// they made it from, so a caller can treat what is derived from a secret as a secret.
    pub fn render_deriving<E>(
        &self,
        mut lookup: impl FnMut(&Reference) -> Result<String, E>,
        mut derived: impl FnMut(&str, &str),
    ) -> Result<String, E> {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Hole(reference, _, filters) => {
                    let source = lookup(reference)?;
                    if filters.is_empty() {
                        out.push_str(&source);
                        continue;
                    }
                    let value = filters.iter().fold(source.clone(), |value, filter| filter.apply(&value));
                    derived(&source, &value);
                    out.push_str(&value);
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_holes() {
        let template = Template::parse("Bearer {{ login.access_token }}!").unwrap();
        let rendered = template.render::<()>(|reference| Ok(format!("<{reference}>"))).unwrap();
        assert_eq!(rendered, "Bearer <login.access_token>!");
    }

    #[test]
    fn the_source_text_is_the_template_as_written() {
        let template = Template::parse("x {{client.app.secret | prefix(10)}} y").unwrap();
        assert_eq!(template.source_text(), "x {{client.app.secret | prefix(10)}} y");
    }

    #[test]
    fn fixture_references_name_known_fields() {
        let template = Template::parse("{{client.app.secret}}").unwrap();
        let (reference, offset) = template.references().next().unwrap();
        assert_eq!(
            *reference,
            Reference::Fixture { kind: FixtureKind::Client, name: "app".into(), field: "secret".into() }
        );
        assert_eq!(offset, 0);
        assert!(Template::parse("{{client.app.password}}").is_err());
        assert!(Template::parse("{{user.alice}}").is_err());
    }

    #[test]
    fn filters_transform_the_value_left_to_right() {
        let template = Template::parse("{{ login.refresh_token | prefix(3) | upper }}:{{client.a.id|url}}").unwrap();
        let rendered = template
            .render::<()>(|reference| {
                Ok(if reference.to_string().starts_with("login") { "abcdef" } else { "a b+c" }.into())
            })
            .unwrap();
        assert_eq!(rendered, "ABC:a+b%2Bc");
        assert!(Template::parse("{{ login.refresh_token | reverse }}").is_err());
        assert!(Template::parse("{{ login.refresh_token | prefix(x) }}").is_err());
    }

    #[test]
    fn bare_names_are_captures_or_steps() {
        let template = Template::parse("x{{rt}}").unwrap();
        assert_eq!(template.references().next().unwrap(), (&Reference::Name("rt".into()), 1));
    }

    #[test]
    fn malformed_holes_are_errors_with_offsets() {
        assert_eq!(Template::parse("ab{{login.").unwrap_err().offset, 2);
        assert!(Template::parse("{{ }}").is_err());
        assert!(Template::parse("{{a..b}}").is_err());
        assert!(Template::parse("{{ a b }}").is_err());
    }

    #[test]
    fn json_ending_in_closing_braces_is_text() {
        for json in [r#"{"a":{"b":1}}"#, "x }} y", "}}", r#"{"t":"{{login.access_token}}","n":{"m":{}}}"#] {
            let template = Template::parse(json).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(template.source_text(), json);
        }
        let nested = Template::parse(r#"{"n":{{{step1.status}}}}"#).unwrap();
        assert_eq!(nested.references().next().unwrap().1, 6);
        assert_eq!(nested.render::<()>(|_| Ok("200".into())).unwrap(), r#"{"n":{200}}"#);
    }

    #[test]
    fn a_backslash_escapes_an_opening_pair() {
        let render = |text: &str| Template::parse(text).unwrap().render::<()>(|r| Ok(format!("<{r}>"))).unwrap();
        assert_eq!(render(r"\{{x}}"), "{{x}}");
        assert_eq!(render(r"a\\{{x}}"), r"a\<x>");
        assert_eq!(render(r"\\\{{x}}"), r"\{{x}}");
        assert_eq!(render(r"\n{{x}}"), r"\n<x>");
        for text in [r"\{{x}}", r"a\\{{x}}", r"\\\{{x}} {{y}}", r"{{{x}}", r"\{{{x}}", r"a\ b"] {
            let template = Template::parse(text).unwrap();
            assert_eq!(Template::parse(&template.source_text()).unwrap(), template, "{text}");
        }
    }

    #[test]
    fn text_without_holes_is_one_literal() {
        let template = Template::parse("plain").unwrap();
        assert_eq!(template, Template::literal("plain"));
        assert!(Template::parse("").unwrap().segments().is_empty());
    }
}
