//! Templates: strings with `{{ reference }}` holes, filled from fixtures and earlier steps.
//!
//! A reference is a dotted path:
//! - `<step>.<output>[.<path>…]` — an earlier step's output: `access_token`, `id_token`,
//!   `refresh_token`, `status`, `body.<json path>`, `header.<name>`, `claims.<name>` (decode);
//! - `client.<name>.id` / `client.<name>.secret`, `user.<name>.username` / `.password` / `.sub`,
//!   `pool.<name>.id` / `pool.<name>.domain`;
//! - `<capture>` — a value named by an earlier step's `capture` table.
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
    /// A hole, with its byte offset inside the template text (for diagnostics).
    Hole(Reference, usize),
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
            FixtureKind::User => &["username", "password", "sub"],
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
    /// Parses `text`. `{{` opens a hole, `}}` closes it; there is no escape (no Cognito value
    /// contains `{{`).
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut segments = Vec::new();
        let mut rest = text;
        let mut offset = 0;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                segments.push(Segment::Literal(rest[..open].to_owned()));
            }
            let after = &rest[open + 2..];
            let close = after.find("}}").ok_or_else(|| TemplateError {
                message: "`{{` is never closed by `}}`".into(),
                offset: offset + open,
            })?;
            let inner = after[..close].trim();
            let reference =
                Self::reference(inner).map_err(|message| TemplateError { message, offset: offset + open })?;
            segments.push(Segment::Hole(reference, offset + open));
            let consumed = open + 2 + close + 2;
            rest = &rest[consumed..];
            offset += consumed;
        }
        if rest.contains("}}") {
            return Err(TemplateError {
                message: "`}}` without a matching `{{`".into(),
                offset: offset + rest.find("}}").unwrap_or(0),
            });
        }
        if !rest.is_empty() {
            segments.push(Segment::Literal(rest.to_owned()));
        }
        Ok(Self { segments })
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
            Segment::Hole(reference, offset) => Some((reference, *offset)),
            Segment::Literal(_) => None,
        })
    }

    /// Fills the holes with `lookup`; the first reference it cannot resolve is the error.
    pub fn render<E>(&self, mut lookup: impl FnMut(&Reference) -> Result<String, E>) -> Result<String, E> {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Hole(reference, _) => out.push_str(&lookup(reference)?),
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
    fn bare_names_are_captures_or_steps() {
        let template = Template::parse("x{{rt}}").unwrap();
        assert_eq!(template.references().next().unwrap(), (&Reference::Name("rt".into()), 1));
    }

    #[test]
    fn malformed_holes_are_errors_with_offsets() {
        assert_eq!(Template::parse("ab{{login.").unwrap_err().offset, 2);
        assert!(Template::parse("{{ }}").is_err());
        assert!(Template::parse("{{a..b}}").is_err());
        assert!(Template::parse("x }} y").is_err());
        assert!(Template::parse("{{ a b }}").is_err());
    }

    #[test]
    fn text_without_holes_is_one_literal() {
        let template = Template::parse("plain").unwrap();
        assert_eq!(template, Template::literal("plain"));
        assert!(Template::parse("").unwrap().segments().is_empty());
    }
}
