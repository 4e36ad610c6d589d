//! The scenario file format: TOML, one scenario per file, every table closed to unknown keys.
//!
//! These types mirror the file one to one and keep the byte span of everything a diagnostic may
//! point at (`Spanned`). They are checked and lowered into the runner's model by `parse.rs`, which
//! owns every rule that serde cannot express (exactly one action per step, exactly one check per
//! expectation, references to fixtures and earlier steps).
//!
//! ```toml
//! title = "RevokeToken kills the refresh token"
//! spec = "§1.4 R1"
//! tags = ["revoke-api"]
//!
//! [[steps]]
//! name = "revoke"
//! revoke_token = { client = "app", token = "{{login.refresh_token}}" }
//! expect = [{ status = 200, claim = "R1" }]
//! ```
//!
//! The id is the file's stem; without `[[clients]]` or `[[users]]` there is a client `app` and a
//! user `alice`; a reference to `login` without a step of that name signs `alice` in with `app`
//! first (the default session); expectations name a claim of `scenarios/claims.toml`.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::action::action_kinds;

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Unique id, kebab-case. Left out, it is the file's stem; given, it must be.
    pub id: Option<Spanned<String>>,
    /// One line saying what behaviour the scenario checks.
    pub title: Spanned<String>,
    /// The spec items it checks, e.g. `§1.4 R7, §8.4`: anchors of `docs/spec.md`, by the grammar
    /// in its "How to cite this file" ([`crate::spec::citation`]).
    pub spec: Spanned<String>,
    /// Tags for `--tag` / `--skip-tag`.
    #[serde(default)]
    pub tags: Vec<Spanned<String>>,
    /// Extra pools; the pool `main` always exists.
    #[serde(default)]
    pub pools: Vec<Spanned<PoolFixture>>,
    /// App clients. Without any, there is one: `app`, public, in pool `main`, default flows.
    #[serde(default)]
    pub clients: Vec<Spanned<ClientFixture>>,
    /// Users. Without any, there is one: `alice` in pool `main`.
    #[serde(default)]
    pub users: Vec<Spanned<UserFixture>>,
    /// What to do, in order.
    pub steps: Vec<Spanned<StepFile>>,
}

/// A user pool to provision.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolFixture {
    /// The name steps use (`main` names the default pool and may be configured here).
    pub name: Spanned<String>,
    /// Give the pool a hosted domain (needed by `oauth_revoke`, `oauth_token`, `userinfo`).
    #[serde(default)]
    pub domain: bool,
    /// `["email"]` makes users sign in by e-mail (their username becomes their `sub`).
    #[serde(default)]
    pub username_attributes: Vec<Spanned<String>>,
}

/// An app client to provision.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientFixture {
    /// The name steps use.
    pub name: Spanned<String>,
    /// The pool it belongs to (default `main`).
    pub pool: Option<Spanned<String>>,
    /// Create it with a generated secret.
    #[serde(default)]
    pub secret: bool,
    /// `EnableTokenRevocation`; left out, the target's default applies.
    pub revocation: Option<bool>,
    /// `ExplicitAuthFlows`; left out: password sign-in (user and admin) and refresh.
    pub flows: Option<Vec<Spanned<String>>>,
}

/// A user to provision, confirmed with a permanent password.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserFixture {
    /// The name steps use, and the username unless `username` is given.
    pub name: Spanned<String>,
    /// The pool (default `main`).
    pub pool: Option<Spanned<String>>,
    /// The username to create, when it differs from `name` (e.g. non-ASCII, or an e-mail).
    pub username: Option<Spanned<String>>,
    /// Extra attributes, e.g. `{ email = "a@example.com" }`.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

// The step's action keys are the action table's rows, one field each, so the table is the list.
macro_rules! step_file {
    ($( #[doc = $about:literal] $variant:ident: $key:ident($file:ty) => $outputs:ident, settles: $settles:literal; )*) => {
        /// One step as written: exactly one action key (one per [`ActionKind`](super::action::ActionKind), documented by its
        /// row of the table), plus expectations and captures.
        #[derive(Debug, Clone, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct StepFile {
            /// How later steps refer to this one; defaults to `step<N>` (1-based).
            pub name: Option<Spanned<String>>,
            $( #[doc = $about] pub $key: Option<Spanned<$file>>, )*
            /// Expectations; a step without any must succeed (it is a prerequisite).
            #[serde(default)]
            pub expect: Vec<Spanned<ExpectFile>>,
            /// Named values for later steps: `{ rt = "body.AuthenticationResult.RefreshToken" }`.
            #[serde(default)]
            pub capture: BTreeMap<String, Spanned<String>>,
            /// Suite-wide checks this step opts out of, by their claim (`no-echo`, `no-5xx`,
            /// `typed-errors`), where the spec says the check does not apply.
            #[serde(default)]
            pub exempt: Vec<Spanned<String>>,
        }

        /// A step's action as written, borrowed from its [`StepFile`]: what the parser lowers, with
        /// one arm per kind.
        #[derive(Debug, Clone, Copy)]
        pub enum ActionFile<'a> {
            $( #[doc = $about] $variant(&'a Spanned<$file>), )*
        }

        impl ActionFile<'_> {
            /// Where it is written.
            pub fn span(&self) -> Range<usize> {
                match self { $( ActionFile::$variant(action) => action.span(), )* }
            }
        }

        impl StepFile {
            /// The action keys present, in table order; a valid step has exactly one.
            pub fn actions(&self) -> Vec<ActionFile<'_>> {
                let mut found = Vec::new();
                $( if let Some(action) = &self.$key { found.push(ActionFile::$variant(action)); } )*
                found
            }
        }
    };
}
action_kinds!(step_file);

/// Which secret to present for a confidential client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretChoice {
    /// The client's own secret (the default for a client with one).
    Right,
    /// A well-formed secret that is not the client's.
    Wrong,
    /// No secret at all.
    Missing,
    /// A secret shorter than the model allows (validation error territory).
    Short,
}

/// `sign_in = { client, user, admin?, secret_hash? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// The client.
    pub client: Spanned<String>,
    /// The user.
    pub user: Spanned<String>,
    /// Use AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH instead of InitiateAuth USER_PASSWORD_AUTH.
    #[serde(default)]
    pub admin: bool,
    /// SECRET_HASH to send (default: right for secret clients, none otherwise).
    pub secret_hash: Option<SecretChoice>,
    /// Hash the SECRET_HASH over this text instead of the username (e.g. Latin-1 experiments).
    pub hash_username: Option<Spanned<String>>,
}

/// `refresh = { client, refresh_token, flow?, admin?, secret_hash? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refresh {
    /// The client presenting the token.
    pub client: Spanned<String>,
    /// The refresh token (a template).
    pub refresh_token: Spanned<String>,
    /// `REFRESH_TOKEN_AUTH` (default) or `REFRESH_TOKEN`.
    pub flow: Option<Spanned<String>>,
    /// Use AdminInitiateAuth.
    #[serde(default)]
    pub admin: bool,
    /// SECRET_HASH to send (default: right for secret clients).
    pub secret_hash: Option<SecretChoice>,
}

/// `get_tokens = { client, refresh_token, secret? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetTokens {
    /// The client.
    pub client: Spanned<String>,
    /// The refresh token (a template).
    pub refresh_token: Spanned<String>,
    /// ClientSecret to send (default: right for secret clients).
    pub secret: Option<SecretChoice>,
}

/// `revoke_token = { client, token, secret?, client_id? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeToken {
    /// The client whose id (and secret) are sent.
    pub client: Spanned<String>,
    /// The token (a template).
    pub token: Spanned<String>,
    /// ClientSecret to send (default: right for secret clients).
    pub secret: Option<SecretChoice>,
    /// Send this ClientId instead of the client's (e.g. one that does not exist).
    pub client_id: Option<Spanned<String>>,
    /// `RevokeAssociatedSessions`.
    pub revoke_associated_sessions: Option<Spanned<String>>,
}

/// How a hosted-endpoint call authenticates its client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientAuth {
    /// `Authorization: Basic base64(id:secret)` (default for secret clients).
    Basic,
    /// Basic header plus `client_id` in the body.
    BasicAndBody,
    /// `client_id` (and `client_secret`, if any) in the body (default for public clients).
    Body,
    /// No client identification at all.
    None,
}

/// `oauth_revoke` / `oauth_token = { client, token, auth?, secret?, form?, authorization? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostedCall {
    /// The client.
    pub client: Spanned<String>,
    /// The token (`token` for revoke, `refresh_token` for the token endpoint; a template).
    pub token: Option<Spanned<String>>,
    /// Client authentication style.
    pub auth: Option<ClientAuth>,
    /// Which secret to present.
    pub secret: Option<SecretChoice>,
    /// Extra or overriding form fields (templates), e.g. `{ token_type_hint = "refresh_token" }`.
    #[serde(default)]
    pub form: BTreeMap<String, String>,
    /// A raw `Authorization` header value, replacing the computed one.
    pub authorization: Option<String>,
    /// A raw `Content-Type`, replacing `application/x-www-form-urlencoded`.
    pub content_type: Option<String>,
}

/// `userinfo = { access_token, pool? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserInfo {
    /// The access token (a template).
    pub access_token: Spanned<String>,
    /// Whose domain (default `main`).
    pub pool: Option<Spanned<String>>,
}

/// `{ access_token }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessToken {
    /// The access token (a template).
    pub access_token: Spanned<String>,
}

/// `{ user }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRef {
    /// The user.
    pub user: Spanned<String>,
}

/// `update_client = { client, revocation?, flows? }`: sends exactly these members.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateClient {
    /// The client.
    pub client: Spanned<String>,
    /// `EnableTokenRevocation`, if sent.
    pub revocation: Option<bool>,
    /// `ExplicitAuthFlows`, if sent.
    pub flows: Option<Vec<Spanned<String>>>,
}

/// `call = { operation, body?, signed? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCall {
    /// The operation name, e.g. `RevokeToken`.
    pub operation: Spanned<String>,
    /// The JSON body as a TOML table; strings are templates.
    #[serde(default)]
    pub body: toml::Table,
    /// Send the body text verbatim instead (may be invalid JSON); a template.
    pub raw_body: Option<Spanned<String>>,
}

/// `http = { method, path, headers?, body?, domain? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHttp {
    /// `GET`, `POST`, …
    pub method: Spanned<String>,
    /// The path, e.g. `/oauth2/revoke` (a template).
    pub path: Spanned<String>,
    /// Send to this pool's hosted domain instead of the API endpoint.
    pub domain: Option<Spanned<String>>,
    /// Headers (values are templates).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body text (a template).
    #[serde(default)]
    pub body: String,
    /// A form body instead: `[[name, value], …]` in order, repeats allowed, each value a template,
    /// form-urlencoded after filling.
    pub form: Option<Vec<(String, String)>>,
    /// `Authorization: Basic base64(…)` of this template's text, e.g. `"{{client.app.id}}:{{client.app.secret}}"`.
    pub basic: Option<Spanned<String>>,
}

/// `{ token }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenArg {
    /// The token (a template).
    pub token: Spanned<String>,
}

/// `verify_offline = { token, pool? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyOffline {
    /// The token (a template).
    pub token: Spanned<String>,
    /// Whose JWKS and issuer (default `main`).
    pub pool: Option<Spanned<String>>,
}

/// `passes` or `fails`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Verification succeeds.
    Passes,
    /// Verification fails.
    Fails,
}

/// The shape of a response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BodyShape {
    /// Zero bytes.
    Empty,
    /// Zero bytes or `{}` (spec Q1).
    EmptyOrEmptyObject,
    /// A JSON object.
    Object,
}

/// One expectation as written: exactly one check, and the claim it checks (or, for a one-off, its
/// own grade and source).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectFile {
    /// HTTP status equals.
    pub status: Option<Spanned<u16>>,
    /// `__type` equals (namespace prefixes and trailing `:…` are ignored).
    pub error_type: Option<Spanned<String>>,
    /// `message` equals (a template, e.g. `Unable to verify secret hash for client {{client.app.id}}`).
    pub message: Option<Spanned<String>>,
    /// `message` is one of (templates).
    pub message_one_of: Option<Spanned<Vec<String>>>,
    /// OAuth `error` equals.
    pub oauth_error: Option<Spanned<String>>,
    /// Body shape.
    pub body: Option<Spanned<BodyShape>>,
    /// A JSON value in the body at a dotted path is present (`true`) or absent (`false`).
    pub body_has: Option<Spanned<String>>,
    /// A response header (name) is present; with `equals`/`contains`, its value.
    pub header: Option<Spanned<String>>,
    /// A JWT claim of a `decode` step: used with `present`, `equals` or `differs`.
    pub jwt_claim: Option<Spanned<String>>,
    /// With `jwt_claim`/`body_has`/`header`: present (`true`) or absent (`false`).
    pub present: Option<bool>,
    /// With `jwt_claim`/`header`: equals this template.
    pub equals: Option<Spanned<String>>,
    /// With `jwt_claim`: differs from this template.
    pub differs: Option<Spanned<String>>,
    /// With `header`: contains this text.
    pub contains: Option<Spanned<String>>,
    /// Offline verification passes or fails (a `verify_offline` step).
    pub offline: Option<Spanned<Outcome>>,
    /// The response quotes none of the tokens, secrets or hashes known before the step ran
    /// (tokens the answer itself issues are not echoes).
    pub no_echo: Option<Spanned<bool>>,
    /// The answer is not a server error (HTTP 5xx): bad input is the client's fault, never the
    /// server's.
    pub no_server_error: Option<Spanned<bool>>,
    /// An error answer (HTTP 4xx or 5xx) names its error: `__type` for the API, OAuth `error` for
    /// the hosted endpoints. A success passes.
    pub typed_error: Option<Spanned<bool>>,
    /// The fact checked: an id of the claims registry (`scenarios/claims.toml`), whose grade and
    /// sources the expectation inherits.
    pub claim: Option<Spanned<String>>,
    /// With `claim`: a weaker grade than the claim's (narrowing; raising is refused). Without: the
    /// grade of a one-off expectation, `documented`, `aws-seen` or `inferred`.
    pub evidence: Option<Spanned<String>>,
    /// Without `claim` only: where a one-off expectation's fact is stated or seen, e.g.
    /// `API-RT; spec §1.4 R1`: a citation of `docs/spec.md` ([`crate::spec::citation`]).
    pub source: Option<Spanned<String>>,
}
