//! The oracle: what the documented contract says a request may do, and the invariants every answer
//! must keep.
//!
//! For each family it predicts one of three things:
//! - **revoked** — the request is the canonical, documented revocation of that family's refresh
//!   token by its issuing client with its secret (spec §1.1–1.2, §2.1); the family must die;
//! - **kept** — the request lacks the *authority* to revoke it: the exact refresh token, the issuing
//!   client's exact id, and (for a client with a secret) its exact secret are not all in it, the
//!   request is not a revocation, the domain is another pool's, or revocation is disabled for the
//!   client (spec §1.4 R5–R10, §2.1, §8.4–8.10); the family must live. On `/oauth2/revoke` a
//!   secret counts only in the Basic header: client_secret_post is refused on AWS (spec §2.1);
//! - **either** — the authority is there but the request departs from the documented form (an
//!   unknown member, a repeated field, another content type): the spec does not say, so only the
//!   answer's invariants are judged.
//!
//! The split keeps the oracle honest: it never calls a behaviour wrong that the spec leaves open.

use std::time::Duration;

use serde_json::Value as JsonValue;

use super::attack::{AMZ_JSON, ApiBody, Attack, Authorization, Endpoint, FORM, Json, Kind, REVOKE_TARGET, Value};
use super::world::Family;
use crate::wire::Exchange;

/// What the contract says happens to a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expect {
    /// It must die.
    Revoked,
    /// It must live.
    Kept,
    /// The spec does not say.
    Either,
}

/// A broken property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FindingKind {
    /// A family died that the request had no authority over.
    WronglyRevoked,
    /// A family lived through its valid revocation.
    KeptAlive,
    /// The token endpoint issued tokens to a request without the authority to refresh.
    WronglyIssued,
    /// The answer quoted a token or secret.
    Echo,
    /// The answer was a server error.
    ServerError,
    /// An error answer did not name its error.
    UntypedError,
    /// No answer, or none within the time bound.
    NoAnswer,
}

impl FindingKind {
    /// Every kind, so that what is said about each (its name, its source) can be checked for all.
    pub const ALL: [FindingKind; 7] = [
        FindingKind::WronglyRevoked,
        FindingKind::KeptAlive,
        FindingKind::WronglyIssued,
        FindingKind::Echo,
        FindingKind::ServerError,
        FindingKind::UntypedError,
        FindingKind::NoAnswer,
    ];

    /// Its name in reports and file names.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::WronglyRevoked => "wrongly-revoked",
            FindingKind::KeptAlive => "kept-alive",
            FindingKind::WronglyIssued => "wrongly-issued",
            FindingKind::Echo => "echo",
            FindingKind::ServerError => "server-error",
            FindingKind::UntypedError => "untyped-error",
            FindingKind::NoAnswer => "no-answer",
        }
    }

    /// Whether it breaks a security property (the rest are robustness properties).
    pub fn is_security(self) -> bool {
        matches!(
            self,
            FindingKind::WronglyRevoked | FindingKind::KeptAlive | FindingKind::WronglyIssued | FindingKind::Echo
        )
    }

    /// Where the property comes from.
    pub fn source(self) -> &'static str {
        match self {
            FindingKind::WronglyRevoked => "spec §1.4 R5–R10, §2.1, §3 E6, §8.3–8.10",
            FindingKind::KeptAlive => "spec §1.4 R1, §2.1, §3 E1–E4, §8.1–8.2",
            FindingKind::WronglyIssued => "spec §2.2, §8.4–8.5",
            FindingKind::Echo => "spec §1.5, §8.5, §8.14",
            FindingKind::ServerError => "spec §1.3 (only InternalErrorException is a 5xx: a server fault)",
            FindingKind::UntypedError => "spec §1.3, §1.6, §2.1, §2.2 (error bodies name their error)",
            FindingKind::NoAnswer => "harness time bound (--answer-bound)",
        }
    }
}

/// The authority to act on `family`'s refresh token: its exact token, its client's exact id and,
/// for a client with a secret, the exact secret, anywhere in the request.
fn authority(values: &[&Value], family: Family) -> bool {
    let client = family.client();
    let has = |test: &dyn Fn(&Value) -> bool| values.iter().any(|value| test(value));
    has(&|v| v.is_token(family, Kind::Refresh))
        && has(&|v| v.is_client_id(client))
        && (!client.has_secret() || has(&|v| v.is_secret(client)))
}

/// Whether the Basic header carries `client`'s exact secret: the only place `/oauth2/revoke`
/// takes one from (spec §2.1, §8.6).
fn basic_has_secret(authorization: &Authorization, client: super::world::Client) -> bool {
    match authorization {
        Authorization::Basic { user, password, .. } => {
            [user, password].into_iter().flatten().any(|value| value.is_secret(client))
        }
        _ => false,
    }
}

/// Whether `members` are exactly the documented RevokeToken input for `family`, in any order.
fn canonical_api_body(members: &[(String, Json)], family: Family) -> bool {
    let client = family.client();
    let mut expected = vec![
        ("Token", Value::Token(family, Kind::Refresh, super::attack::Mangle::Exact)),
        ("ClientId", Value::ClientId(client, super::attack::Mangle::Exact)),
    ];
    if client.has_secret() {
        expected.push(("ClientSecret", Value::Secret(client, super::attack::Mangle::Exact)));
    }
    members.len() == expected.len()
        && expected.iter().all(|(name, value)| {
            members.iter().filter(|(key, _)| key == name).count() == 1
                && members.iter().any(|(key, json)| key == name && *json == Json::Str(value.clone()))
        })
}

/// Whether the hosted request is the documented `/oauth2/revoke` call for `family` (spec §2.1):
/// Basic credentials for a client with a secret (a matching body `client_id` allowed), `client_id`
/// in the body for a public client; the form media type; nothing else.
fn canonical_revoke_form(authorization: &Authorization, form: &[(String, Value)], family: Family) -> bool {
    let client = family.client();
    let count = |name: &str| form.iter().filter(|(key, _)| key == name).count();
    let is = |name: &str, test: &dyn Fn(&Value) -> bool| form.iter().any(|(key, value)| key == name && test(value));
    if count("token") != 1 || !is("token", &|v| v.is_token(family, Kind::Refresh)) {
        return false;
    }
    if client.has_secret() {
        let basic_ok = matches!(authorization, Authorization::Basic { user: Some(user), separator, password: Some(password) }
            if user.is_client_id(client) && separator == ":" && password.is_secret(client));
        let body_id_ok =
            count("client_id") == 0 || (count("client_id") == 1 && is("client_id", &|v| v.is_client_id(client)));
        basic_ok && body_id_ok && form.len() == 1 + count("client_id")
    } else {
        *authorization == Authorization::None
            && count("client_id") == 1
            && is("client_id", &|v| v.is_client_id(client))
            && form.len() == 2
    }
}

/// What the contract says `attack` does to `family`.
pub fn expect(attack: &Attack, family: Family) -> Expect {
    let client = family.client();
    let reaches = match attack {
        Attack::Api { target, .. } => target.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(REVOKE_TARGET)),
        Attack::Hosted { endpoint, .. } => *endpoint == Endpoint::Revoke && client.in_main_pool(),
    };
    if !reaches || !client.revocation() || !authority(&attack.values(), family) {
        return Expect::Kept;
    }
    if let Attack::Hosted { authorization, .. } = attack
        && client.has_secret()
        && !basic_has_secret(authorization, client)
    {
        return Expect::Kept;
    }
    let canonical = match attack {
        Attack::Api { target, content_type, body: ApiBody::Object(members) } => {
            target.as_deref() == Some(REVOKE_TARGET)
                && content_type.as_deref() == Some(AMZ_JSON)
                && canonical_api_body(members, family)
        }
        Attack::Api { body: ApiBody::Raw(_), .. } => false,
        Attack::Hosted { content_type, authorization, form, .. } => {
            content_type.as_deref() == Some(FORM) && canonical_revoke_form(authorization, form, family)
        }
    };
    if canonical { Expect::Revoked } else { Expect::Either }
}

/// Whether the token endpoint may answer `attack` with tokens: some family's exact refresh token
/// together with its issuing client's exact credentials (spec §2.2, §8.4).
pub fn may_issue(attack: &Attack) -> bool {
    let values = attack.values();
    Family::ALL.into_iter().filter(|f| f.client().in_main_pool()).any(|family| authority(&values, family))
}

/// Shortest rendered value treated as a secret when echoed: shorter prefixes of tokens (a JWT's
/// first bytes are the same for every token) would match innocent text.
pub const MIN_ECHO_LEN: usize = 16;

/// The answer's violations of the per-answer invariants: no 5xx, a typed error, no token or
/// secret quoted, an answer within `bound`, and no tokens for a request without authority.
pub fn judge_answer(
    attack: &Attack,
    exchange: &Exchange,
    secrets: &[String],
    bound: Duration,
) -> Vec<(FindingKind, String)> {
    let mut out = Vec::new();
    let status = exchange.status;
    let json: Option<JsonValue> = serde_json::from_slice(&exchange.body).ok();
    if status >= 500 {
        out.push((FindingKind::ServerError, format!("HTTP {status}")));
    }
    let member = if attack.is_api() { "__type" } else { "error" };
    if status >= 400 && !json.as_ref().is_some_and(|j| j.get(member).is_some_and(JsonValue::is_string)) {
        out.push((FindingKind::UntypedError, format!("HTTP {status} without a string `{member}` member")));
    }
    let issued = matches!(attack, Attack::Hosted { endpoint: Endpoint::Token, .. })
        && (200..300).contains(&status)
        && json.as_ref().is_some_and(|j| j.get("access_token").is_some());
    if issued && !may_issue(attack) {
        out.push((FindingKind::WronglyIssued, format!("HTTP {status} with an access_token")));
    }
    // Tokens the answer issues are not echoes, though an ID token minted in the same second as an
    // earlier one can be byte-identical to it.
    let mut text = match (&json, issued) {
        (Some(JsonValue::Object(map)), true) => {
            let mut kept = map.clone();
            for name in ["access_token", "id_token", "refresh_token"] {
                kept.remove(name);
            }
            JsonValue::Object(kept).to_string()
        }
        _ => String::from_utf8_lossy(&exchange.body).into_owned(),
    };
    for (name, value) in &exchange.headers {
        text.push('\n');
        text.push_str(name);
        text.push_str(": ");
        text.push_str(value);
    }
    if secrets.iter().any(|secret| secret.len() >= MIN_ECHO_LEN && text.contains(secret.as_str())) {
        out.push((FindingKind::Echo, "the answer quotes a token or secret".into()));
    }
    if exchange.elapsed > bound {
        out.push((FindingKind::NoAnswer, format!("answered after {:.1} s", exchange.elapsed.as_secs_f64())));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::strategy::{AuthStyle, Mutation, Plan, Surface};
    use super::super::world::Client;
    use super::*;
    use crate::fuzz::attack::Mangle;

    fn plan(surface: Surface, family: Family, mutations: Vec<Mutation>) -> Attack {
        Plan { surface, family, mutations }.attack()
    }

    #[test]
    fn the_canonical_request_revokes_its_family_and_nothing_else() {
        for surface in [Surface::RevokeApi, Surface::RevokeEndpoint] {
            for family in [Family::Victim, Family::Public] {
                let attack = plan(surface, family, Vec::new());
                assert_eq!(expect(&attack, family), Expect::Revoked, "{surface:?} {family:?}");
                for other in Family::ALL.into_iter().filter(|f| *f != family) {
                    assert_eq!(expect(&attack, other), Expect::Kept, "{surface:?} {family:?} → {other:?}");
                }
            }
        }
    }

    #[test]
    fn revocation_disabled_and_other_pools_domain_keep_the_family() {
        assert_eq!(expect(&plan(Surface::RevokeApi, Family::Frozen, Vec::new()), Family::Frozen), Expect::Kept);
        assert_eq!(expect(&plan(Surface::RevokeApi, Family::Foreign, Vec::new()), Family::Foreign), Expect::Revoked);
        assert_eq!(expect(&plan(Surface::RevokeEndpoint, Family::Foreign, Vec::new()), Family::Foreign), Expect::Kept);
    }

    #[test]
    fn missing_authority_or_a_secret_in_the_form_keeps_and_odd_form_is_open() {
        let wrong_client = vec![Mutation::ClientId(Some(Value::ClientId(Client::Sibling, Mangle::Exact)))];
        assert_eq!(expect(&plan(Surface::RevokeApi, Family::Victim, wrong_client), Family::Victim), Expect::Kept);
        let short_secret = vec![Mutation::Secret(Some(Value::Secret(Client::App, Mangle::Prefix(10))))];
        assert_eq!(expect(&plan(Surface::RevokeEndpoint, Family::Victim, short_secret), Family::Victim), Expect::Kept);
        let access = vec![Mutation::Token(Some(Value::Token(Family::Victim, Kind::Access, Mangle::Exact)))];
        assert_eq!(expect(&plan(Surface::RevokeApi, Family::Victim, access), Family::Victim), Expect::Kept);
        let extra = vec![Mutation::Extra("Unknown".into(), Value::Text("x".into()))];
        assert_eq!(expect(&plan(Surface::RevokeApi, Family::Victim, extra), Family::Victim), Expect::Either);
        // client_secret_post is refused on AWS (spec §2.1): it must not revoke.
        let post = vec![Mutation::Auth(AuthStyle::Post)];
        assert_eq!(expect(&plan(Surface::RevokeEndpoint, Family::Victim, post), Family::Victim), Expect::Kept);
        let both = vec![Mutation::Auth(AuthStyle::Both)];
        assert_eq!(expect(&plan(Surface::RevokeEndpoint, Family::Victim, both), Family::Victim), Expect::Revoked);
    }

    #[test]
    fn the_token_endpoint_revokes_nothing_and_issues_only_with_authority() {
        let attack = plan(Surface::TokenEndpoint, Family::Victim, Vec::new());
        assert!(Family::ALL.iter().all(|f| expect(&attack, *f) == Expect::Kept));
        assert!(may_issue(&attack));
        let other = vec![Mutation::ClientId(Some(Value::ClientId(Client::Sibling, Mangle::Exact)))];
        assert!(!may_issue(&plan(Surface::TokenEndpoint, Family::Victim, other)));
    }
}
