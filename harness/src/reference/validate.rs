//! The service model's input constraints, reported in Cognito's validation-error style (spec §1.5).
//!
//! Cognito checks every member against the model (required, length, pattern, enum) before any
//! business logic and reports all violations in one `InvalidParameterException`:
//! `2 validation errors detected: Value null at 'clientId' failed to satisfy constraint: …; …`.
//! Members the model marks sensitive (tokens, client ids, secrets, usernames, passwords) are
//! reported without their value, as Cognito does for `password`.

use super::error::ApiError;

/// A model constraint on a string member. Patterns are char classes, so a predicate suffices.
#[derive(Debug, Clone, Copy)]
pub struct StringRule {
    /// The camelCase member name used in messages.
    pub field: &'static str,
    /// Minimum length in characters.
    pub min: usize,
    /// Maximum length in characters, if bounded.
    pub max: Option<usize>,
    /// The model's regular expression, quoted in the message.
    pub pattern: &'static str,
    /// Whether a character is allowed.
    pub allowed: fn(char) -> bool,
    /// Whether the model marks the member sensitive (its value is never echoed).
    pub sensitive: bool,
}

fn word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn word_or_plus(c: char) -> bool {
    word(c) || c == '+'
}

fn token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '=' | '.')
}

fn name_char(c: char) -> bool {
    word(c) || c.is_ascii_whitespace() || matches!(c, '+' | '=' | ',' | '.' | '@' | '-')
}

fn printable(c: char) -> bool {
    !c.is_whitespace() && !c.is_control()
}

fn non_space(c: char) -> bool {
    !c.is_whitespace()
}

fn pool_id_char(c: char) -> bool {
    word(c) || c == '-'
}

/// `TokenModelType`: refresh, access and ID tokens.
pub const fn token(field: &'static str) -> StringRule {
    StringRule { field, min: 0, max: None, pattern: "[A-Za-z0-9-_=.]+", allowed: token_char, sensitive: true }
}

/// `ClientIdType`.
pub const CLIENT_ID: StringRule = StringRule {
    field: "clientId",
    min: 1,
    max: Some(128),
    pattern: "[\\w+]+",
    allowed: word_or_plus,
    sensitive: true,
};

/// `ClientSecretType`.
pub const CLIENT_SECRET: StringRule = StringRule {
    field: "clientSecret",
    min: 24,
    max: Some(64),
    pattern: "[\\w+]+",
    allowed: word_or_plus,
    sensitive: true,
};

/// `UserPoolIdType`. The pattern's `_` separator is checked by [`Validator::pool_id`].
pub const USER_POOL_ID: StringRule = StringRule {
    field: "userPoolId",
    min: 1,
    max: Some(55),
    pattern: "[\\w-]+_[0-9a-zA-Z]+",
    allowed: pool_id_char,
    sensitive: false,
};

/// `UserPoolNameType`.
pub const POOL_NAME: StringRule = StringRule {
    field: "poolName",
    min: 1,
    max: Some(128),
    pattern: "[\\w\\s+=,.@-]+",
    allowed: name_char,
    sensitive: false,
};

/// `ClientNameType`.
pub const CLIENT_NAME: StringRule = StringRule { field: "clientName", ..POOL_NAME };

/// `UsernameType`.
pub const USERNAME: StringRule = StringRule {
    field: "username",
    min: 1,
    max: Some(128),
    pattern: "[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+",
    allowed: printable,
    sensitive: true,
};

/// `PasswordType`.
pub const fn password(field: &'static str) -> StringRule {
    StringRule { field, min: 0, max: Some(256), pattern: "[\\S]+", allowed: non_space, sensitive: true }
}

/// `DomainType`. Hyphen placement is checked by [`Validator::domain`].
pub const DOMAIN: StringRule = StringRule {
    field: "domain",
    min: 1,
    max: Some(63),
    pattern: "^[a-z0-9](?:[a-z0-9\\-]{0,61}[a-z0-9])?$",
    allowed: |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
    sensitive: false,
};

/// `AttributeNameType`.
pub const ATTRIBUTE_NAME: StringRule = StringRule {
    field: "name",
    min: 1,
    max: Some(32),
    pattern: "[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\t\\n\\r ]+",
    allowed: |c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'),
    sensitive: false,
};

/// `AttributeValueType`: no pattern, and sensitive (never quoted).
pub const ATTRIBUTE_VALUE: StringRule =
    StringRule { field: "value", min: 0, max: Some(2048), pattern: "", allowed: |_| true, sensitive: true };

/// The longest value a validation message quotes, in characters.
pub const QUOTED_VALUE_MAX: usize = 256;

/// `value`, cut to [`QUOTED_VALUE_MAX`] characters (with `…` when cut).
fn quoted(value: &str) -> String {
    match value.char_indices().nth(QUOTED_VALUE_MAX) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_owned(),
    }
}

/// Collects constraint violations, then reports them all at once.
#[derive(Debug, Default)]
pub struct Validator {
    violations: Vec<String>,
}

impl Validator {
    /// A validator with no violation yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// How a message quotes a value: sensitive values not at all, others cut to
    /// [`QUOTED_VALUE_MAX`] characters so a huge input cannot make a huge answer.
    fn value_part(rule: &StringRule, value: &str) -> String {
        if rule.sensitive { String::from("Value") } else { format!("Value '{}'", quoted(value)) }
    }

    /// Checks a required member: absent is a violation.
    pub fn required<'a>(&mut self, rule: StringRule, value: Option<&'a str>) -> Option<&'a str> {
        match value {
            None => {
                self.violations.push(format!(
                    "Value null at '{}' failed to satisfy constraint: Member must not be null",
                    rule.field
                ));
                None
            }
            Some(value) => self.check(rule, value).then_some(value),
        }
    }

    /// Checks an optional member when present.
    pub fn optional<'a>(&mut self, rule: StringRule, value: Option<&'a str>) -> Option<&'a str> {
        value.filter(|value| self.check(rule, value))
    }

    /// Checks `value` against `rule`; returns whether it passed.
    pub fn check(&mut self, rule: StringRule, value: &str) -> bool {
        self.check_at(rule, rule.field, value)
    }

    /// Checks `value` against `rule`, reporting it at `field` (a list member's path, such as
    /// `userAttributes.1.member.value`); returns whether it passed.
    pub fn check_at(&mut self, rule: StringRule, field: &str, value: &str) -> bool {
        let before = self.violations.len();
        let length = value.chars().count();
        if length < rule.min {
            self.violations.push(format!(
                "{} at '{field}' failed to satisfy constraint: Member must have length greater than or equal to {}",
                Self::value_part(&rule, value),
                rule.min
            ));
        }
        if let Some(max) = rule.max.filter(|max| length > *max) {
            self.violations.push(format!(
                "{} at '{field}' failed to satisfy constraint: Member must have length less than or equal to {max}",
                Self::value_part(&rule, value),
            ));
        }
        if length == 0 && rule.min == 0 || !value.chars().all(rule.allowed) {
            self.violations.push(format!(
                "{} at '{field}' failed to satisfy constraint: Member must satisfy regular expression pattern: {}",
                Self::value_part(&rule, value),
                rule.pattern
            ));
        }
        self.violations.len() == before
    }

    /// Checks a required user pool id, including its `<region>_<suffix>` shape.
    pub fn pool_id<'a>(&mut self, value: Option<&'a str>) -> Option<&'a str> {
        let value = self.required(USER_POOL_ID, value)?;
        let well_formed = value.rsplit_once('_').is_some_and(|(head, tail)| {
            !head.is_empty() && !tail.is_empty() && tail.chars().all(|c| c.is_ascii_alphanumeric())
        });
        if !well_formed {
            self.violations.push(format!(
                "Value '{}' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: {}",
                quoted(value),
                USER_POOL_ID.pattern
            ));
            return None;
        }
        Some(value)
    }

    /// Checks a required hosted-UI domain prefix.
    pub fn domain<'a>(&mut self, value: Option<&'a str>) -> Option<&'a str> {
        let value = self.required(DOMAIN, value)?;
        if value.starts_with('-') || value.ends_with('-') {
            self.violations.push(format!(
                "Value '{}' at 'domain' failed to satisfy constraint: Member must satisfy regular expression pattern: {}",
                quoted(value),
                DOMAIN.pattern
            ));
            return None;
        }
        Some(value)
    }

    /// Checks an optional enum member.
    pub fn one_of<'a>(&mut self, field: &str, value: Option<&'a str>, allowed: &[&str]) -> Option<&'a str> {
        let value = value?;
        if allowed.contains(&value) {
            Some(value)
        } else {
            self.violations.push(format!(
                "Value '{}' at '{field}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                quoted(value),
                allowed.join(", ")
            ));
            None
        }
    }

    /// Checks an optional integer member's range.
    pub fn range(&mut self, field: &str, value: Option<i64>, min: i64, max: i64) -> Option<i64> {
        let value = value?;
        if value < min {
            self.violations.push(format!(
                "Value '{value}' at '{field}' failed to satisfy constraint: Member must have value greater than or equal to {min}"
            ));
            None
        } else if value > max {
            self.violations.push(format!(
                "Value '{value}' at '{field}' failed to satisfy constraint: Member must have value less than or equal to {max}"
            ));
            None
        } else {
            Some(value)
        }
    }

    /// Reports the violations found, if any, as one `InvalidParameterException`.
    pub fn finish(self) -> Result<(), ApiError> {
        match self.violations.len() {
            0 => Ok(()),
            1 => Err(ApiError::invalid_parameter(format!("1 validation error detected: {}", self.violations[0]))),
            n => Err(ApiError::invalid_parameter(format!(
                "{n} validation errors detected: {}",
                self.violations.join("; ")
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_required_member_is_reported_as_null() {
        let mut v = Validator::new();
        assert_eq!(v.required(CLIENT_ID, None), None);
        let error = v.finish().unwrap_err();
        assert_eq!(
            error.message,
            "1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn sensitive_values_are_not_echoed() {
        let mut v = Validator::new();
        v.required(token("token"), Some("has space"));
        let error = v.finish().unwrap_err();
        assert!(!error.message.contains("has space"), "{}", error.message);
        assert!(error.message.contains("at 'token'"));
    }

    #[test]
    fn empty_token_breaks_the_pattern() {
        let mut v = Validator::new();
        v.required(token("token"), Some(""));
        assert!(v.finish().is_err());
    }

    #[test]
    fn short_secret_breaks_the_length_rule() {
        let mut v = Validator::new();
        v.optional(CLIENT_SECRET, Some("short"));
        let message = v.finish().unwrap_err().message;
        assert!(message.contains("greater than or equal to 24"), "{message}");
    }

    #[test]
    fn long_values_are_cut_when_quoted() {
        let mut v = Validator::new();
        let huge = "a".repeat(10_000);
        v.required(POOL_NAME, Some(&format!("{huge}!")));
        let message = v.finish().unwrap_err().message;
        assert!(message.len() < 1_000, "{} bytes", message.len());
        assert!(message.contains(&format!("'{}…'", "a".repeat(QUOTED_VALUE_MAX))));
    }

    #[test]
    fn violations_are_counted() {
        let mut v = Validator::new();
        v.required(CLIENT_ID, None);
        v.required(token("token"), None);
        assert!(v.finish().unwrap_err().message.starts_with("2 validation errors detected: "));
    }

    #[test]
    fn pool_ids_need_the_region_separator() {
        let mut v = Validator::new();
        assert_eq!(v.pool_id(Some("us-east-1_abc123")), Some("us-east-1_abc123"));
        assert!(v.finish().is_ok());
        let mut v = Validator::new();
        assert_eq!(v.pool_id(Some("nounderscore")), None);
        assert!(v.finish().is_err());
    }
}
