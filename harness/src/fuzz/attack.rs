//! One hostile request, held symbolically: values name the world's tokens, ids and secrets
//! ("the victim's refresh token, first 12 characters") instead of holding them. That is what lets
//! the oracle reason about authority, lets shrinking work on structure, and lets a finding be
//! written as a scenario whose templates fill in whatever ids and tokens a later run has.

use std::fmt::Write as _;

use crate::scenario::model::Action;
use crate::scenario::template::{Template, TemplateError};

use super::world::{Client, Family};

/// The canonical X-Amz-Target of RevokeToken.
pub const REVOKE_TARGET: &str = "AWSCognitoIdentityProviderService.RevokeToken";
/// The canonical media type of the AWS JSON 1.1 protocol.
pub const AMZ_JSON: &str = "application/x-amz-json-1.1";
/// The media type of the hosted endpoints' bodies.
pub const FORM: &str = "application/x-www-form-urlencoded";

/// Which of a family's tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The refresh token.
    Refresh,
    /// The newest access token.
    Access,
    /// The newest ID token.
    Id,
}

/// How a world value is altered before it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Mangle {
    /// As issued.
    Exact,
    /// Its first N characters.
    Prefix(usize),
    /// ASCII upper case (exact comparison, spec §8.10).
    Upper,
    /// With text appended.
    Suffix(String),
    /// Form-urlencoded (RFC 6749 §2.3.1, spec Q14).
    Url,
}

/// A value a request carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// One of a family's tokens.
    Token(Family, Kind, Mangle),
    /// A client's id.
    ClientId(Client, Mangle),
    /// A client's secret (never the public client's: it has none).
    Secret(Client, Mangle),
    /// Literal text (never containing `{` or `}`, so it is never a template hole).
    Text(String),
}

impl Value {
    /// Whether this is exactly `family`'s token of `kind`.
    pub fn is_token(&self, family: Family, kind: Kind) -> bool {
        *self == Value::Token(family, kind, Mangle::Exact)
    }

    /// Whether this is exactly `client`'s id.
    pub fn is_client_id(&self, client: Client) -> bool {
        *self == Value::ClientId(client, Mangle::Exact)
    }

    /// Whether this is exactly `client`'s secret.
    pub fn is_secret(&self, client: Client) -> bool {
        *self == Value::Secret(client, Mangle::Exact)
    }

    /// Whether the value derives from a token or a secret (and so must never be echoed).
    pub fn is_sensitive(&self) -> bool {
        matches!(self, Value::Token(..) | Value::Secret(..))
    }

    /// The same value without its mangle, if it has one.
    pub fn unmangled(&self) -> Option<Value> {
        match self {
            Value::Token(family, kind, mangle) if *mangle != Mangle::Exact => {
                Some(Value::Token(*family, *kind, Mangle::Exact))
            }
            Value::ClientId(client, mangle) if *mangle != Mangle::Exact => {
                Some(Value::ClientId(*client, Mangle::Exact))
            }
            Value::Secret(client, mangle) if *mangle != Mangle::Exact => Some(Value::Secret(*client, Mangle::Exact)),
            _ => None,
        }
    }

    /// The template text that produces the value.
    pub fn template(&self) -> String {
        let (reference, mangle) = match self {
            Value::Text(text) => return text.clone(),
            Value::Token(family, kind, mangle) => {
                let reference = match kind {
                    Kind::Refresh => format!("{}.refresh_token", family.session()),
                    Kind::Access => format!("{}.access_token", family.newest()),
                    Kind::Id => format!("{}.id_token", family.newest()),
                };
                (reference, mangle)
            }
            Value::ClientId(client, mangle) => (format!("client.{}.id", client.name()), mangle),
            Value::Secret(client, mangle) => (format!("client.{}.secret", client.name()), mangle),
        };
        match mangle {
            Mangle::Exact => format!("{{{{{reference}}}}}"),
            Mangle::Prefix(n) => format!("{{{{{reference} | prefix({n})}}}}"),
            Mangle::Upper => format!("{{{{{reference} | upper}}}}"),
            Mangle::Url => format!("{{{{{reference} | url}}}}"),
            Mangle::Suffix(text) => format!("{{{{{reference}}}}}{text}"),
        }
    }
}

/// A JSON value of a RevokeToken body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Json {
    /// A string.
    Str(Value),
    /// A number.
    Number(i64),
    /// A boolean.
    Bool(bool),
    /// `null`.
    Null,
    /// An array.
    Array(Vec<Json>),
    /// An object.
    Object(Vec<(String, Json)>),
}

/// The body of an API request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ApiBody {
    /// A JSON object, members in order, repeats allowed.
    Object(Vec<(String, Json)>),
    /// Raw text: pieces concatenated (broken JSON, a form body sent to the API, …).
    Raw(Vec<Value>),
}

/// A hosted endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `/oauth2/revoke`.
    Revoke,
    /// `/oauth2/token`.
    Token,
}

impl Endpoint {
    /// The path.
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Revoke => "/oauth2/revoke",
            Endpoint::Token => "/oauth2/token",
        }
    }
}

/// The `Authorization` header of a hosted request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Authorization {
    /// None.
    None,
    /// `Basic base64(user separator password)`.
    Basic {
        /// The part before the separator.
        user: Option<Value>,
        /// `:` normally; `""` (no colon), `%3A`, `::` when hostile.
        separator: String,
        /// The part after it.
        password: Option<Value>,
    },
    /// A literal header value (bad base64, another scheme, …).
    Raw(String),
}

/// One request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Attack {
    /// `POST /` to the AWS JSON API.
    Api {
        /// `X-Amz-Target`, if sent.
        target: Option<String>,
        /// `Content-Type`, if sent.
        content_type: Option<String>,
        /// The body.
        body: ApiBody,
    },
    /// `POST` to a hosted endpoint of the main pool's domain.
    Hosted {
        /// Which endpoint.
        endpoint: Endpoint,
        /// `Content-Type`, if sent.
        content_type: Option<String>,
        /// `Authorization`.
        authorization: Authorization,
        /// The form fields, in order, repeats allowed.
        form: Vec<(String, Value)>,
    },
}

/// Escapes literal text for a JSON string inside a template: braces become `\u` escapes so that
/// JSON text can never form a `{{` or `}}`.
fn json_text(text: &str) -> String {
    let quoted = serde_json::Value::String(text.to_owned()).to_string();
    quoted[1..quoted.len() - 1].replace('{', "\\u007b").replace('}', "\\u007d")
}

fn json_key(key: &str) -> String {
    format!("\"{}\"", json_text(key))
}

fn json_template(json: &Json, out: &mut String) {
    match json {
        Json::Str(Value::Text(text)) => {
            let _ = write!(out, "\"{}\"", json_text(text));
        }
        Json::Str(Value::Token(family, kind, Mangle::Suffix(suffix))) => {
            let base = Value::Token(*family, *kind, Mangle::Exact).template();
            let _ = write!(out, "\"{base}{}\"", json_text(suffix));
        }
        Json::Str(value) => {
            let _ = write!(out, "\"{}\"", value.template());
        }
        Json::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Json::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Json::Null => out.push_str("null"),
        Json::Array(items) => {
            out.push_str("[ ");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                json_template(item, out);
            }
            out.push_str(" ]");
        }
        Json::Object(members) => object_template(members, out),
    }
}

/// Objects open with `{ ` and close with ` }`, so nesting never writes `{{` or `}}`.
fn object_template(members: &[(String, Json)], out: &mut String) {
    out.push_str("{ ");
    for (i, (key, value)) in members.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&json_key(key));
        out.push_str(": ");
        json_template(value, out);
    }
    out.push_str(" }");
}

fn strings_of<'a>(json: &'a Json, out: &mut Vec<&'a Value>) {
    match json {
        Json::Str(value) => out.push(value),
        Json::Array(items) => items.iter().for_each(|item| strings_of(item, out)),
        Json::Object(members) => members.iter().for_each(|(_, item)| strings_of(item, out)),
        Json::Number(_) | Json::Bool(_) | Json::Null => {}
    }
}

/// The parts of an attack as template texts, ready for an `http` step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpParts {
    /// The path.
    pub path: &'static str,
    /// Whether it goes to the main pool's domain.
    pub hosted: bool,
    /// Headers, lower-case names.
    pub headers: Vec<(&'static str, String)>,
    /// The raw body (API requests).
    pub body: Option<String>,
    /// The form (hosted requests).
    pub form: Option<Vec<(String, String)>>,
    /// The Basic credentials before base64.
    pub basic: Option<String>,
}

impl Attack {
    /// The surface the request is aimed at.
    pub fn is_api(&self) -> bool {
        matches!(self, Attack::Api { .. })
    }

    /// Every value the request carries, wherever it sits.
    pub fn values(&self) -> Vec<&Value> {
        let mut out = Vec::new();
        match self {
            Attack::Api { body: ApiBody::Object(members), .. } => {
                members.iter().for_each(|(_, json)| strings_of(json, &mut out));
            }
            Attack::Api { body: ApiBody::Raw(pieces), .. } => out.extend(pieces),
            Attack::Hosted { authorization, form, .. } => {
                if let Authorization::Basic { user, password, .. } = authorization {
                    out.extend(user.iter().chain(password.iter()));
                }
                out.extend(form.iter().map(|(_, value)| value));
            }
        }
        out
    }

    /// The same request with every mangle that changes nothing on this run's values (a prefix
    /// longer than the value, upper case of an upper-case id, url-encoding of plain text) taken
    /// off, so the oracle judges what is actually sent. `render` gives a value's text.
    pub fn settled(&self, render: &dyn Fn(&Value) -> Option<String>) -> Attack {
        let settle = |value: &Value| -> Value {
            match value.unmangled() {
                Some(exact) if render(value).is_some() && render(value) == render(&exact) => exact,
                _ => value.clone(),
            }
        };
        fn json(value: &Json, settle: &dyn Fn(&Value) -> Value) -> Json {
            match value {
                Json::Str(v) => Json::Str(settle(v)),
                Json::Array(items) => Json::Array(items.iter().map(|i| json(i, settle)).collect()),
                Json::Object(members) => {
                    Json::Object(members.iter().map(|(k, v)| (k.clone(), json(v, settle))).collect())
                }
                other => other.clone(),
            }
        }
        match self {
            Attack::Api { target, content_type, body } => Attack::Api {
                target: target.clone(),
                content_type: content_type.clone(),
                body: match body {
                    ApiBody::Object(members) => {
                        ApiBody::Object(members.iter().map(|(k, v)| (k.clone(), json(v, &settle))).collect())
                    }
                    ApiBody::Raw(pieces) => ApiBody::Raw(pieces.iter().map(settle).collect()),
                },
            },
            Attack::Hosted { endpoint, content_type, authorization, form } => Attack::Hosted {
                endpoint: *endpoint,
                content_type: content_type.clone(),
                authorization: match authorization {
                    Authorization::Basic { user, separator, password } => Authorization::Basic {
                        user: user.as_ref().map(settle),
                        separator: separator.clone(),
                        password: password.as_ref().map(settle),
                    },
                    other => other.clone(),
                },
                form: form.iter().map(|(k, v)| (k.clone(), settle(v))).collect(),
            },
        }
    }

    /// The values the request puts where the protocol does not expect a secret (an unknown member,
    /// `token_type_hint`, …). A target may quote those back, as AWS's validation messages quote
    /// non-sensitive fields (spec §1.5), so whatever they hold is not a secret the answer leaks.
    pub fn exposed_values(&self) -> Vec<&Value> {
        const API_SECRET_MEMBERS: [&str; 3] = ["Token", "ClientId", "ClientSecret"];
        const FORM_SECRET_FIELDS: [&str; 4] = ["token", "refresh_token", "client_id", "client_secret"];
        let mut out = Vec::new();
        match self {
            Attack::Api { body: ApiBody::Object(members), .. } => {
                for (key, json) in members {
                    if !API_SECRET_MEMBERS.contains(&key.as_str()) {
                        strings_of(json, &mut out);
                    }
                }
            }
            Attack::Hosted { form, .. } => {
                out.extend(form.iter().filter(|(k, _)| !FORM_SECRET_FIELDS.contains(&k.as_str())).map(|(_, v)| v));
            }
            Attack::Api { body: ApiBody::Raw(_), .. } => {}
        }
        out
    }

    /// The request as the parts of an `http` step.
    pub fn http_parts(&self) -> HttpParts {
        match self {
            Attack::Api { target, content_type, body } => {
                let mut headers = Vec::new();
                if let Some(target) = target {
                    headers.push(("x-amz-target", target.clone()));
                }
                if let Some(content_type) = content_type {
                    headers.push(("content-type", content_type.clone()));
                }
                let body = match body {
                    ApiBody::Object(members) => {
                        let mut out = String::new();
                        object_template(members, &mut out);
                        out
                    }
                    ApiBody::Raw(pieces) => pieces.iter().map(Value::template).collect(),
                };
                HttpParts { path: "/", hosted: false, headers, body: Some(body), form: None, basic: None }
            }
            Attack::Hosted { endpoint, content_type, authorization, form } => {
                let mut headers = Vec::new();
                if let Some(content_type) = content_type {
                    headers.push(("content-type", content_type.clone()));
                }
                let mut basic = None;
                match authorization {
                    Authorization::None => {}
                    Authorization::Raw(value) => headers.push(("authorization", value.clone())),
                    Authorization::Basic { user, separator, password } => {
                        let part = |v: &Option<Value>| v.as_ref().map(Value::template).unwrap_or_default();
                        basic = Some(format!("{}{separator}{}", part(user), part(password)));
                    }
                }
                let form = form.iter().map(|(key, value)| (key.clone(), value.template())).collect();
                HttpParts { path: endpoint.path(), hosted: true, headers, body: None, form: Some(form), basic }
            }
        }
    }

    /// The request as a runner action.
    pub fn action(&self) -> Result<Action, TemplateError> {
        let parts = self.http_parts();
        let headers =
            parts.headers.iter().map(|(name, value)| ((*name).to_owned(), Template::literal(value.clone()))).collect();
        let form = match parts.form {
            Some(pairs) => Some(
                pairs
                    .into_iter()
                    .map(|(key, value)| Ok((key, Template::parse(&value)?)))
                    .collect::<Result<Vec<_>, TemplateError>>()?,
            ),
            None => None,
        };
        Ok(Action::Http {
            method: "POST".into(),
            path: Template::literal(parts.path),
            domain: parts.hosted.then(|| "main".to_owned()),
            headers,
            body: Template::parse(parts.body.as_deref().unwrap_or_default())?,
            form,
            basic: parts.basic.as_deref().map(Template::parse).transpose()?,
        })
    }

    /// A few lines saying what the request is, in template terms (no secret values).
    pub fn describe(&self) -> String {
        let parts = self.http_parts();
        let place = if parts.hosted { " on the main pool's domain" } else { "" };
        let mut out = format!("POST {}{place}\n", parts.path);
        for (name, value) in &parts.headers {
            let _ = writeln!(out, "  {name}: {value}");
        }
        if let Some(basic) = &parts.basic {
            let _ = writeln!(out, "  authorization: Basic base64({basic})");
        }
        if let Some(body) = &parts.body {
            let _ = writeln!(out, "  body: {}", cut(body, 600));
        }
        if let Some(form) = &parts.form {
            let fields: Vec<String> = form.iter().map(|(k, v)| format!("{k}={}", cut(v, 200))).collect();
            let _ = writeln!(out, "  form: {}", fields.join(" & "));
        }
        out
    }
}

fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}… ({} characters)", &text[..at], text.chars().count()),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_bodies_never_form_template_braces() {
        let body = ApiBody::Object(vec![
            ("Token".into(), Json::Object(vec![("a".into(), Json::Object(Vec::new()))])),
            ("x{{y}}".into(), Json::Str(Value::Text("}}{{".into()))),
        ]);
        let attack = Attack::Api { target: None, content_type: None, body };
        let parts = attack.http_parts();
        let text = parts.body.unwrap_or_default();
        assert!(!text.contains("{{") && !text.contains("}}"), "{text}");
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["x{{y}}"], "}}{{");
    }

    #[test]
    fn values_render_as_filtered_references() {
        assert_eq!(Value::Token(Family::Victim, Kind::Refresh, Mangle::Exact).template(), "{{victim.refresh_token}}");
        assert_eq!(
            Value::Token(Family::Victim, Kind::Access, Mangle::Prefix(5)).template(),
            "{{victim_refreshed.access_token | prefix(5)}}"
        );
        assert_eq!(Value::Secret(Client::App, Mangle::Suffix("x".into())).template(), "{{client.app.secret}}x");
        for value in
            [Value::Token(Family::Twin, Kind::Id, Mangle::Upper), Value::ClientId(Client::Stranger, Mangle::Url)]
        {
            assert!(Template::parse(&value.template()).is_ok());
        }
    }
}
