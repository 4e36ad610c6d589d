//! The API request the audit sends with a user's tokens, and what counts as "accepted".
//!
//! The token goes in `Authorization: Bearer {{access_token}}` unless a `--header` names a token
//! placeholder itself (`X-Token: {{id_token}}`), which then replaces that default. An answer is
//! *accepted* when its status is one of `--accept-status` (any 2xx by default) and, with
//! `--accept-body`, its body matches the regular expression; every other answer is a refusal.
//! The API's own logout (`--logout-url`) is called with the same headers, plus the refresh token
//! in a JSON body, as a browser or app would.

use regex::Regex;
use serde_json::json;

use crate::wire::{Exchange, Request};

/// The placeholder of the access token in `--header` values.
pub const ACCESS_PLACEHOLDER: &str = "{{access_token}}";
/// The placeholder of the ID token in `--header` values.
pub const ID_PLACEHOLDER: &str = "{{id_token}}";

/// Which token the default `Authorization` header carries (`--token`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenKind {
    /// The access token (what resource servers should take).
    #[default]
    Access,
    /// The ID token (what some APIs take anyway).
    Id,
}

impl TokenKind {
    /// The word reports use: `access token`, `ID token`.
    pub fn label(self) -> &'static str {
        match self {
            TokenKind::Access => "access token",
            TokenKind::Id => "ID token",
        }
    }
}

/// One session's tokens.
#[derive(Debug, Clone)]
pub struct Tokens {
    /// The access token.
    pub access: String,
    /// The ID token.
    pub id: String,
    /// The refresh token.
    pub refresh: String,
}

impl Tokens {
    /// The token of `kind`.
    pub fn get(&self, kind: TokenKind) -> &str {
        match kind {
            TokenKind::Access => &self.access,
            TokenKind::Id => &self.id,
        }
    }
}

/// Why the request template cannot be used: a usage error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `--header` without `Name: value`.
    #[error("--header `{0}` is not `Name: value`")]
    Header(String),
    /// `--method` or `--logout-method` is not an HTTP method.
    #[error("`{0}` is not an HTTP method")]
    Method(String),
    /// `--accept-body` does not compile.
    #[error("--accept-body is not a regular expression: {0}")]
    Regex(String),
    /// `--accept-status` outside 100–599.
    #[error("--accept-status {0} is not an HTTP status")]
    Status(u16),
}

/// The API request and its acceptance rule.
#[derive(Debug, Clone)]
pub struct ApiTemplate {
    /// `--url`.
    pub url: String,
    method: reqwest::Method,
    token: TokenKind,
    headers: Vec<(String, String)>,
    accept_status: Vec<u16>,
    accept_body: Option<Regex>,
}

impl ApiTemplate {
    /// A template from the command line's values.
    pub fn new(
        url: &str,
        method: &str,
        token: TokenKind,
        headers: &[String],
        accept_status: &[u16],
        accept_body: Option<&str>,
    ) -> Result<Self, TemplateError> {
        let headers = headers
            .iter()
            .map(|raw| match raw.split_once(':') {
                Some((name, value)) if !name.trim().is_empty() => {
                    Ok((name.trim().to_ascii_lowercase(), value.trim().to_owned()))
                }
                _ => Err(TemplateError::Header(raw.clone())),
            })
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(status) = accept_status.iter().find(|s| !(100..600).contains(*s)) {
            return Err(TemplateError::Status(*status));
        }
        let accept_body =
            accept_body.map(Regex::new).transpose().map_err(|error| TemplateError::Regex(error.to_string()))?;
        Ok(Self {
            url: url.to_owned(),
            method: parse_method(method)?,
            token,
            headers,
            accept_status: accept_status.to_vec(),
            accept_body,
        })
    }

    /// The token kind the template sends by default.
    pub fn token(&self) -> TokenKind {
        self.token
    }

    /// The headers with the session's tokens in place.
    fn headers(&self, tokens: &Tokens) -> Vec<(String, String)> {
        let placeholders = self.headers.iter().any(|(_, v)| v.contains(ACCESS_PLACEHOLDER) || v.contains(ID_PLACEHOLDER));
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                (name.clone(), value.replace(ACCESS_PLACEHOLDER, &tokens.access).replace(ID_PLACEHOLDER, &tokens.id))
            })
            .collect();
        if !placeholders {
            headers.retain(|(name, _)| name != "authorization");
            headers.push(("authorization".into(), format!("Bearer {}", tokens.get(self.token))));
        }
        headers
    }

    /// The API request for a session.
    pub fn request(&self, tokens: &Tokens) -> Request {
        Request { method: self.method.clone(), url: self.url.clone(), headers: self.headers(tokens), body: Vec::new() }
    }

    /// The API's own logout request (`--logout-url`): the same headers, and the refresh token in a
    /// JSON body.
    pub fn logout_request(&self, url: &str, method: &str, tokens: &Tokens) -> Result<Request, TemplateError> {
        let mut headers = self.headers(tokens);
        headers.retain(|(name, _)| name != "content-type");
        headers.push(("content-type".into(), "application/json".into()));
        let body = json!({ "refresh_token": tokens.refresh }).to_string().into_bytes();
        Ok(Request { method: parse_method(method)?, url: url.to_owned(), headers, body })
    }

    /// Whether the API accepted the request that got `exchange`.
    pub fn accepts(&self, exchange: &Exchange) -> bool {
        let status_ok = if self.accept_status.is_empty() {
            (200..300).contains(&exchange.status)
        } else {
            self.accept_status.contains(&exchange.status)
        };
        status_ok && self.accept_body.as_ref().is_none_or(|re| re.is_match(&String::from_utf8_lossy(&exchange.body)))
    }

    /// What "accepted" means, for messages: `HTTP 2xx`, `HTTP 200 and a body matching /ok/`.
    pub fn acceptance(&self) -> String {
        let status = if self.accept_status.is_empty() {
            "HTTP 2xx".to_owned()
        } else {
            let list: Vec<String> = self.accept_status.iter().map(u16::to_string).collect();
            format!("HTTP {}", list.join(" or "))
        };
        match &self.accept_body {
            Some(re) => format!("{status} and a body matching /{}/", re.as_str()),
            None => status,
        }
    }
}

fn parse_method(method: &str) -> Result<reqwest::Method, TemplateError> {
    reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
        .map_err(|_| TemplateError::Method(method.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Tokens {
        Tokens { access: "AAAA.access".into(), id: "IIII.id".into(), refresh: "RRRR.refresh".into() }
    }

    fn answer(status: u16, body: &str) -> Exchange {
        Exchange { status, headers: Vec::new(), body: body.into(), elapsed: std::time::Duration::ZERO }
    }

    #[test]
    fn the_access_token_goes_in_a_bearer_header_by_default() {
        let template = ApiTemplate::new("http://127.0.0.1:1/me", "get", TokenKind::Access, &[], &[], None).unwrap();
        let request = template.request(&tokens());
        assert_eq!(request.method, reqwest::Method::GET);
        assert_eq!(request.headers, [("authorization".to_owned(), "Bearer AAAA.access".to_owned())]);
        let id = ApiTemplate::new("http://x/", "GET", TokenKind::Id, &["X-Trace: 1".into()], &[], None).unwrap();
        assert!(id.request(&tokens()).headers.contains(&("authorization".into(), "Bearer IIII.id".into())));
    }

    #[test]
    fn a_header_with_a_placeholder_replaces_the_default() {
        let headers = ["X-Token: {{id_token}}".to_owned(), "Cookie: a={{access_token}}".to_owned()];
        let template = ApiTemplate::new("http://x/", "GET", TokenKind::Access, &headers, &[], None).unwrap();
        let request = template.request(&tokens());
        assert_eq!(
            request.headers,
            [("x-token".to_owned(), "IIII.id".to_owned()), ("cookie".to_owned(), "a=AAAA.access".to_owned())]
        );
        let logout = template.logout_request("http://x/logout", "POST", &tokens()).unwrap();
        assert_eq!(String::from_utf8(logout.body).unwrap(), r#"{"refresh_token":"RRRR.refresh"}"#);
        assert!(logout.headers.contains(&("x-token".into(), "IIII.id".into())));
    }

    #[test]
    fn acceptance_is_the_status_and_the_body() {
        let any = ApiTemplate::new("http://x/", "GET", TokenKind::Access, &[], &[], None).unwrap();
        assert!(any.accepts(&answer(204, "")) && !any.accepts(&answer(401, "")) && !any.accepts(&answer(302, "")));
        let strict = ApiTemplate::new("http://x/", "GET", TokenKind::Access, &[], &[200], Some("\"ok\":true")).unwrap();
        assert!(strict.accepts(&answer(200, r#"{"ok":true}"#)));
        assert!(!strict.accepts(&answer(200, r#"{"ok":false}"#)), "an error page served with 200");
        assert!(!strict.accepts(&answer(201, r#"{"ok":true}"#)));
        assert_eq!(strict.acceptance(), "HTTP 200 and a body matching /\"ok\":true/");
    }

    #[test]
    fn bad_values_are_refused() {
        let new = |headers: &[String], status: &[u16], body| {
            ApiTemplate::new("http://x/", "GET", TokenKind::Access, headers, status, body).map(|_| ())
        };
        assert_eq!(new(&["no colon".into()], &[], None), Err(TemplateError::Header("no colon".into())));
        assert_eq!(new(&[], &[42], None), Err(TemplateError::Status(42)));
        assert!(matches!(new(&[], &[], Some("(")), Err(TemplateError::Regex(_))));
        assert!(ApiTemplate::new("http://x/", "G T", TokenKind::Access, &[], &[], None).is_err());
    }
}
