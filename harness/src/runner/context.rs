//! A running scenario's state: what was provisioned, what each step produced, and the redactor
//! that knows every secret seen so far. Templates are filled from here.

use std::collections::HashMap;

use serde_json::Value;

use crate::jwt::{self, Decoded};
use crate::redact::{Redactor, SecretKind};
use crate::report::model::Volatile;
use crate::scenario::template::{FixtureKind, Reference, Template};
use crate::wire::Exchange;

/// A provisioned pool.
#[derive(Debug, Clone)]
pub struct PoolState {
    /// Pool id on the target.
    pub id: String,
    /// The generated pool name.
    pub name: String,
    /// Domain prefix, if one was created.
    pub domain: Option<String>,
}

/// A provisioned client.
#[derive(Debug, Clone)]
pub struct ClientState {
    /// Client id on the target.
    pub id: String,
    /// Its secret, if it has one.
    pub secret: Option<String>,
    /// Its pool's name in the scenario.
    pub pool: String,
}

/// A provisioned user.
#[derive(Debug, Clone)]
pub struct UserState {
    /// The name to sign in with (the username, or the e-mail in e-mail pools).
    pub sign_in_name: String,
    /// The Cognito username, once known (the `sub` in e-mail pools).
    pub username: String,
    /// The password.
    pub password: String,
    /// The `sub`, once known.
    pub sub: Option<String>,
    /// Its pool's name in the scenario.
    pub pool: String,
    /// The attributes it was created with (an e-mail that spells the username carries the suffix).
    pub attributes: std::collections::BTreeMap<String, String>,
}

/// What one step produced.
#[derive(Debug, Clone, Default)]
pub struct StepOutput {
    /// The answer, for remote steps.
    pub exchange: Option<Exchange>,
    /// The answer's body as JSON, if it is JSON.
    pub json: Option<Value>,
    /// Tokens it yielded.
    pub access_token: Option<String>,
    /// Tokens it yielded.
    pub id_token: Option<String>,
    /// Tokens it yielded.
    pub refresh_token: Option<String>,
    /// `decode`: the token's header and claims; `verify_offline`: the verified claims.
    pub decoded: Option<Decoded>,
    /// `verify_offline`: the outcome.
    pub verified: Option<Result<Value, String>>,
    /// How many secrets were known before the step ran (its request's secrets among them).
    pub secrets_before: usize,
}

/// A template could not be filled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{{{{{reference}}}}}` has no value: {why}")]
pub struct MissingValue {
    /// The reference.
    pub reference: String,
    /// Why.
    pub why: String,
}

/// Everything a scenario has built so far.
#[derive(Debug, Default)]
pub struct Context {
    /// Pools by scenario name.
    pub pools: HashMap<String, PoolState>,
    /// Clients by scenario name.
    pub clients: HashMap<String, ClientState>,
    /// Users by scenario name.
    pub users: HashMap<String, UserState>,
    /// Step outputs by step name.
    pub outputs: HashMap<String, StepOutput>,
    /// Captured values.
    pub captures: HashMap<String, String>,
    /// The Cognito username each refresh token was issued to (for SECRET_HASH on refresh).
    pub token_owner: HashMap<String, String>,
    /// Every secret seen.
    pub redactor: Redactor,
    /// The run's probe results for this target, shared by all its scenarios.
    pub probes: super::probe::Probes,
    /// The suffix of every name the scenario creates, unique to it (scenarios share pools).
    pub suffix: String,
}

/// The value at a dotted path: object keys, array indices.
pub fn json_path<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(value, |current, key| match current {
        Value::Object(map) => map.get(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// A JSON value as template text: strings bare, everything else as JSON.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

impl Context {
    /// The ids and names of this scenario's fixtures, which differ on every run. Sorted so the
    /// list itself is the same from run to run.
    pub fn volatile_values(&self) -> Vec<Volatile> {
        let mut out = vec![Volatile { value: self.suffix.clone(), label: "suffix" }];
        let mut pools: Vec<_> = self.pools.iter().collect();
        pools.sort_by_key(|(name, _)| *name);
        for (_, pool) in pools {
            out.push(Volatile { value: pool.id.clone(), label: "pool-id" });
            out.push(Volatile { value: pool.name.clone(), label: "pool-name" });
            out.extend(pool.domain.iter().map(|d| Volatile { value: d.clone(), label: "domain" }));
        }
        let mut clients: Vec<_> = self.clients.iter().collect();
        clients.sort_by_key(|(name, _)| *name);
        out.extend(clients.into_iter().map(|(_, c)| Volatile { value: c.id.clone(), label: "client-id" }));
        let mut users: Vec<_> = self.users.iter().collect();
        users.sort_by_key(|(name, _)| *name);
        for (_, user) in users {
            if user.username != user.sign_in_name {
                out.push(Volatile { value: user.username.clone(), label: "username" });
            }
            out.extend(user.sub.iter().map(|s| Volatile { value: s.clone(), label: "sub" }));
        }
        out.retain(|v| !v.value.is_empty());
        out
    }

    /// Fills `template`. A value a filter derives from a secret (`{{client.app.secret | upper}}`)
    /// is registered as a secret of the same kind, so reports redact it as they redact the secret.
    pub fn render(&mut self, template: &Template) -> Result<String, MissingValue> {
        let mut derived: Vec<(String, String)> = Vec::new();
        let text = template.render_deriving(
            |reference| self.lookup(reference),
            |source, value| derived.push((source.to_owned(), value.to_owned())),
        )?;
        for (source, value) in derived {
            if let Some(kind) = self.redactor.kind_of(&source) {
                self.redactor.register(&value, kind);
            }
        }
        Ok(text)
    }

    /// Fills `template` without registering what its filters derive: for the fuzzer's oracle,
    /// which compares rendered values and never shows them (the step that sends them registers).
    pub fn fill(&self, template: &Template) -> Result<String, MissingValue> {
        template.render(|reference| self.lookup(reference))
    }

    /// Records the tokens of an answer, registering them as secrets.
    pub fn remember_tokens(&mut self, output: &mut StepOutput, owner: Option<&str>) {
        let Some(json) = &output.json else { return };
        let result = json.get("AuthenticationResult").unwrap_or(json);
        let pick =
            |names: [&str; 2]| names.iter().find_map(|n| result.get(*n).and_then(Value::as_str)).map(str::to_owned);
        output.access_token = pick(["AccessToken", "access_token"]);
        output.id_token = pick(["IdToken", "id_token"]);
        output.refresh_token = pick(["RefreshToken", "refresh_token"]);
        for (token, kind) in [
            (&output.access_token, SecretKind::AccessToken),
            (&output.id_token, SecretKind::IdToken),
            (&output.refresh_token, SecretKind::RefreshToken),
        ] {
            if let Some(token) = token {
                self.redactor.register(token, kind);
            }
        }
        // The Cognito username the SECRET_HASH of a later refresh must use (spec §5).
        let claimed = output
            .access_token
            .as_deref()
            .and_then(|t| jwt::decode(t).ok())
            .and_then(|d| d.claims.get("username").and_then(Value::as_str).map(str::to_owned));
        if let (Some(refresh), Some(owner)) = (&output.refresh_token, claimed.as_deref().or(owner)) {
            self.token_owner.insert(refresh.clone(), owner.to_owned());
        }
    }

    fn lookup(&self, reference: &Reference) -> Result<String, MissingValue> {
        let missing = |why: &str| MissingValue { reference: reference.to_string(), why: why.to_owned() };
        match reference {
            Reference::Fixture { kind, name, field } => {
                let value = match kind {
                    FixtureKind::Client => self.clients.get(name).and_then(|c| match field.as_str() {
                        "id" => Some(c.id.clone()),
                        _ => c.secret.clone(),
                    }),
                    FixtureKind::User => self.users.get(name).and_then(|u| match field.as_str() {
                        "username" => Some(u.username.clone()),
                        "password" => Some(u.password.clone()),
                        "email" => u.attributes.get("email").cloned(),
                        _ => u.sub.clone(),
                    }),
                    FixtureKind::Pool => self.pools.get(name).and_then(|p| match field.as_str() {
                        "id" => Some(p.id.clone()),
                        _ => p.domain.clone(),
                    }),
                };
                value.ok_or_else(|| missing("the fixture has no such value"))
            }
            Reference::Name(name) => self.captures.get(name).cloned().ok_or_else(|| missing("nothing was captured")),
            Reference::Step { step, path } => {
                let output = self.outputs.get(step).ok_or_else(|| missing("the step did not run"))?;
                self.step_value(output, path).ok_or_else(|| missing("the step's answer has no such value"))
            }
        }
    }

    /// The value at `path` of a step's output.
    pub fn step_value(&self, output: &StepOutput, path: &[String]) -> Option<String> {
        let (head, rest) = path.split_first()?;
        match head.as_str() {
            "status" => output.exchange.as_ref().map(|e| e.status.to_string()),
            "access_token" => output.access_token.clone(),
            "id_token" => output.id_token.clone(),
            "refresh_token" => output.refresh_token.clone(),
            "body" => json_path(output.json.as_ref()?, rest).map(value_text),
            "header" => {
                let name = rest.join(".");
                match (&output.exchange, &output.decoded) {
                    (Some(exchange), _) => exchange.header(&name).map(str::to_owned),
                    (None, Some(decoded)) => json_path(&decoded.header, rest).map(value_text),
                    _ => None,
                }
            }
            "claims" => {
                let claims = match (&output.decoded, &output.verified) {
                    (Some(decoded), _) => &decoded.claims,
                    (None, Some(Ok(claims))) => claims,
                    _ => return None,
                };
                json_path(claims, rest).map(value_text)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_filters_derive_from_secrets_are_secrets_too() {
        let secret = "k1x0mtjrwchg8xq4nq3uvvlzjp2bb5k1a7l9eyd0rt6sfac3zpmn";
        let mut ctx = Context::default();
        ctx.clients.insert("app".into(), ClientState { id: "client1".into(), secret: Some(secret.into()), pool: "p".into() });
        ctx.redactor.register(secret, SecretKind::ClientSecret);
        for template in ["{{client.app.secret | upper}}", "{{client.app.secret | prefix(10)}}", "{{client.app.secret | prefix(20) | upper}}"] {
            let rendered = ctx.render(&Template::parse(template).expect("parses")).expect("renders");
            let shown = ctx.redactor.redact(&format!("sent {rendered}!"));
            assert!(!shown.contains(&rendered), "{template}: {shown}");
            assert!(shown.starts_with("sent <client-secret#"), "{template}: {shown}");
        }
        let id = ctx.render(&Template::parse("{{client.app.id | upper}}").expect("parses")).expect("renders");
        assert_eq!(ctx.redactor.redact(&id), "CLIENT1", "a value derived from no secret is no secret");
    }
}
