//! The ways a session can end — the one list of them, each with how to perform it on a target,
//! what it needs, and the documented facts that make the API's answer after it matter.
//!
//! For every path, Cognito ends the session (the path's claim in `scenarios/claims.toml`), yet the
//! session's access and ID tokens still verify offline until `exp` (claim `E7`, spec §3 E7): an API
//! that only checks signature and expiry keeps accepting them. `api-logout` is the API's own
//! logout endpoint, whose promise is the API's, not Cognito's.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::session::{AuditUser, send_recorded};
use super::template::{ApiTemplate, Tokens};
use crate::redact::{Redactor, SecretKind};
use crate::report::model::StepRecord;
use crate::runner::RECORD_BODY_MAX;
use crate::wire::{Exchange, Request, Wire, WireError};

/// A way to end a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RevocationPath {
    /// `RevokeToken` with the session's refresh token.
    RevokeToken,
    /// `POST /oauth2/revoke` on the pool's hosted domain.
    OAuthRevoke,
    /// `GlobalSignOut` with the session's access token.
    GlobalSignOut,
    /// `AdminUserGlobalSignOut` of the user (an admin call).
    AdminUserGlobalSignOut,
    /// `AdminDisableUser` (an admin call); the audit re-enables the user afterwards.
    AdminDisableUser,
    /// The API's own logout endpoint (`--logout-url`).
    ApiLogout,
}

impl RevocationPath {
    /// Every path, in the order the audit takes them.
    pub const ALL: [RevocationPath; 6] = [
        RevocationPath::RevokeToken,
        RevocationPath::OAuthRevoke,
        RevocationPath::GlobalSignOut,
        RevocationPath::AdminUserGlobalSignOut,
        RevocationPath::AdminDisableUser,
        RevocationPath::ApiLogout,
    ];

    /// The name on the command line and in scenario ids (`audit-<name>`).
    pub fn name(self) -> &'static str {
        match self {
            RevocationPath::RevokeToken => "revoke-token",
            RevocationPath::OAuthRevoke => "oauth-revoke",
            RevocationPath::GlobalSignOut => "global-sign-out",
            RevocationPath::AdminUserGlobalSignOut => "admin-user-global-sign-out",
            RevocationPath::AdminDisableUser => "admin-disable-user",
            RevocationPath::ApiLogout => "api-logout",
        }
    }

    /// The path named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Every name, for the command line's help and parser.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|p| p.name()).collect()
    }

    /// What the path does, as reports say it ("within 5 s of RevokeToken").
    pub fn action(self) -> &'static str {
        match self {
            RevocationPath::RevokeToken => "RevokeToken",
            RevocationPath::OAuthRevoke => "POST /oauth2/revoke",
            RevocationPath::GlobalSignOut => "GlobalSignOut",
            RevocationPath::AdminUserGlobalSignOut => "AdminUserGlobalSignOut",
            RevocationPath::AdminDisableUser => "AdminDisableUser",
            RevocationPath::ApiLogout => "the API's own logout",
        }
    }

    /// The claim that says the path ends the session at Cognito; `None` for the API's own logout.
    pub fn claim(self) -> Option<&'static str> {
        match self {
            RevocationPath::RevokeToken | RevocationPath::OAuthRevoke => Some("E4"),
            RevocationPath::GlobalSignOut | RevocationPath::AdminUserGlobalSignOut => Some("sign-out"),
            RevocationPath::AdminDisableUser => Some("disable-user-revokes"),
            RevocationPath::ApiLogout => None,
        }
    }

    /// The spec sections the path's report cites.
    pub fn spec(self) -> &'static str {
        match self {
            RevocationPath::RevokeToken => "§1.4 R1, §3 E4, §3 E7, §8.3",
            RevocationPath::OAuthRevoke => "§2.1, §3 E4, §3 E7, §8.3",
            RevocationPath::GlobalSignOut | RevocationPath::AdminUserGlobalSignOut => "§6.1, §3 E7, §8.3",
            RevocationPath::AdminDisableUser => "§6.1, §3 E7, §8.3",
            RevocationPath::ApiLogout => "§3 E7, §4.1",
        }
    }

    /// Whether the path ends every session of the user (sign-out, disabling), not just one: the
    /// next fresh session must then start in a later second (spec §6.1, same-second).
    pub fn ends_every_session(self) -> bool {
        matches!(
            self,
            RevocationPath::GlobalSignOut | RevocationPath::AdminUserGlobalSignOut | RevocationPath::AdminDisableUser
        )
    }

    /// Whether the path is an admin call (signed with AWS credentials on `--target aws`).
    pub fn is_admin(self) -> bool {
        matches!(self, RevocationPath::AdminUserGlobalSignOut | RevocationPath::AdminDisableUser)
    }
}

/// What a path needs besides a session.
#[derive(Debug, Clone)]
pub struct PathContext<'a> {
    /// The target.
    pub wire: &'a Wire,
    /// The API's client.
    pub api: &'a Wire,
    /// The API request template.
    pub template: &'a ApiTemplate,
    /// `--logout-url` and `--logout-method`.
    pub logout: Option<(&'a str, &'a str)>,
    /// The user and client.
    pub user: &'a AuditUser,
}

/// Why a path cannot be taken on this target, before trying: `None` when it can.
pub fn unavailable(path: RevocationPath, ctx: &PathContext<'_>) -> Option<String> {
    match path {
        RevocationPath::OAuthRevoke if ctx.user.domain.is_none() => {
            Some(
                "no hosted domain: the target refused CreateUserPoolDomain, or --pool-id came without --domain".into(),
            )
        }
        RevocationPath::ApiLogout if ctx.logout.is_none() => Some("no --logout-url".into()),
        _ => None,
    }
}

/// Performs `path` for the session of `tokens`: the request, its answer, and its redacted record.
pub async fn perform(
    path: RevocationPath,
    ctx: &PathContext<'_>,
    tokens: &Tokens,
    redactor: &mut Redactor,
) -> (Request, Result<Exchange, WireError>, StepRecord) {
    let user = ctx.user;
    let api = |operation: &str, body: serde_json::Value| ctx.wire.api_request(operation, body.to_string().into_bytes());
    let (wire, request) = match path {
        RevocationPath::RevokeToken => {
            let mut body = json!({ "Token": tokens.refresh, "ClientId": user.client_id });
            if let Some(secret) = &user.client_secret {
                body["ClientSecret"] = json!(secret);
            }
            (ctx.wire, api("RevokeToken", body))
        }
        RevocationPath::OAuthRevoke => {
            let prefix = user.domain.clone().unwrap_or_default();
            let mut request = ctx.wire.hosted_request(&prefix, reqwest::Method::POST, "/oauth2/revoke");
            let mut form = vec![("token", tokens.refresh.as_str())];
            match &user.client_secret {
                Some(secret) => {
                    let basic = STANDARD.encode(format!("{}:{secret}", user.client_id));
                    redactor.register(&basic, SecretKind::ClientSecret);
                    request.headers.push(("authorization".into(), format!("Basic {basic}")));
                }
                None => form.push(("client_id", user.client_id.as_str())),
            }
            request.headers.push(("content-type".into(), "application/x-www-form-urlencoded".into()));
            request.body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish().into_bytes();
            (ctx.wire, request)
        }
        RevocationPath::GlobalSignOut => (ctx.wire, api("GlobalSignOut", json!({ "AccessToken": tokens.access }))),
        RevocationPath::AdminUserGlobalSignOut => (
            ctx.wire,
            api("AdminUserGlobalSignOut", json!({ "UserPoolId": user.pool_id, "Username": username(user, tokens) })),
        ),
        RevocationPath::AdminDisableUser => (
            ctx.wire,
            api("AdminDisableUser", json!({ "UserPoolId": user.pool_id, "Username": username(user, tokens) })),
        ),
        RevocationPath::ApiLogout => {
            let (url, method) = ctx.logout.unwrap_or_default();
            match ctx.template.logout_request(url, method, tokens) {
                Ok(request) => (ctx.api, request),
                Err(error) => {
                    let request = Request { method: reqwest::Method::POST, url: url.into(), headers: vec![], body: vec![] };
                    let record = StepRecord {
                        name: "revoke".into(),
                        kind: path.name().into(),
                        request: None,
                        response: None,
                        duration_ms: 0,
                    };
                    return (request, Err(WireError::Other(error.to_string())), record);
                }
            }
        }
    };
    let (result, record) = send_recorded(wire, redactor, &request, "revoke", path.name(), RECORD_BODY_MAX).await;
    (request, result, record)
}

/// Re-enables the user after `admin-disable-user`, so the audit leaves the user as it found it.
pub async fn enable_user(wire: &Wire, user: &AuditUser, tokens: &Tokens, redactor: &Redactor) -> StepRecord {
    let body = json!({ "UserPoolId": user.pool_id, "Username": username(user, tokens) });
    let request = wire.api_request("AdminEnableUser", body.to_string().into_bytes());
    send_recorded(wire, redactor, &request, "re-enable", "admin_enable_user", RECORD_BODY_MAX).await.1
}

/// The user's username for admin calls: the access token's `username` claim (the pool's own name
/// for the user, where the sign-in name may be an alias), else the sign-in name.
pub fn username(user: &AuditUser, tokens: &Tokens) -> String {
    crate::jwt::decode(&tokens.access)
        .ok()
        .and_then(|decoded| decoded.claims["username"].as_str().map(str::to_owned))
        .unwrap_or_else(|| user.username.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::claims::Claims;
    use crate::spec::{Index, Mode};

    #[test]
    fn names_round_trip_and_are_unique() {
        for path in RevocationPath::ALL {
            assert_eq!(RevocationPath::parse(path.name()), Some(path));
        }
        let mut names = RevocationPath::names();
        names.dedup();
        assert_eq!(names.len(), RevocationPath::ALL.len());
    }

    #[test]
    fn every_path_cites_facts_that_exist() {
        let claims = Claims::embedded().expect("the registry loads");
        for path in RevocationPath::ALL {
            if let Some(claim) = path.claim() {
                assert!(claims.get(claim).is_some(), "{}: no claim {claim}", path.name());
            }
            Index::embedded().check(path.spec(), Mode::Spec).unwrap_or_else(|p| panic!("{}: {p:?}", path.name()));
        }
        assert!(claims.get("E7").is_some());
    }
}
