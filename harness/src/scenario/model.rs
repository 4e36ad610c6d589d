//! A checked scenario, as the runner executes it: names resolved, templates parsed, exactly one
//! action per step and one check per expectation. Built only by `parse.rs`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::action::{ActionKind, action_kinds};
use super::claims::SuiteCheck;
use super::format::{BodyShape, ClientAuth, Outcome, SecretChoice};
use super::template::Template;
use crate::report::Evidence;

/// The name of the pool every scenario has.
pub const MAIN_POOL: &str = "main";

/// Flows a client gets when its fixture names none.
pub const DEFAULT_FLOWS: [&str; 3] =
    ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"];

/// The client a scenario has when it declares none.
pub const DEFAULT_CLIENT: &str = "app";

/// The user a scenario has when it declares none.
pub const DEFAULT_USER: &str = "alice";

/// The default session's step: `alice` signed in with `app` before the first step, in a scenario
/// that refers to it without a step of that name.
pub const DEFAULT_SESSION: &str = "login";

/// The password every fixture user gets; it satisfies Cognito's default policy.
pub const FIXTURE_PASSWORD: &str = "Cc-fixture-Passw0rd!";

/// One scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Unique id.
    pub id: String,
    /// What it checks, in one line.
    pub title: String,
    /// The spec section(s).
    pub spec: String,
    /// Tags.
    pub tags: Vec<String>,
    /// The file it came from.
    pub file: PathBuf,
    /// Pools to provision; the first is `main`.
    pub pools: Vec<PoolSpec>,
    /// Clients to provision.
    pub clients: Vec<ClientSpec>,
    /// Users to provision.
    pub users: Vec<UserSpec>,
    /// Steps, in order.
    pub steps: Vec<Step>,
    /// The suite-wide checks, bound to their claims; each step lists those that apply to it.
    pub suite_checks: Vec<(SuiteCheck, Expectation)>,
}

impl Scenario {
    /// How many expectations the scenario states.
    pub fn expectation_count(&self) -> usize {
        self.steps.iter().map(|step| step.expectations.len()).sum()
    }

    /// Whether any step needs a hosted domain.
    pub fn needs_domain(&self) -> bool {
        self.pools.iter().any(|pool| pool.domain)
    }
}

/// A pool fixture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSpec {
    /// Its name in the scenario.
    pub name: String,
    /// Whether it gets a hosted domain.
    pub domain: bool,
    /// `UsernameAttributes`.
    pub username_attributes: Vec<String>,
}

/// A client fixture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSpec {
    /// Its name in the scenario.
    pub name: String,
    /// Its pool's name.
    pub pool: String,
    /// Whether it has a secret.
    pub secret: bool,
    /// `EnableTokenRevocation`, when set explicitly.
    pub revocation: Option<bool>,
    /// `ExplicitAuthFlows`.
    pub flows: Vec<String>,
}

/// A user fixture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSpec {
    /// Its name in the scenario.
    pub name: String,
    /// Its pool's name.
    pub pool: String,
    /// The username to create.
    pub username: String,
    /// Extra attributes.
    pub attributes: BTreeMap<String, String>,
}

/// One step.
#[derive(Debug, Clone)]
pub struct Step {
    /// Its name (explicit or `step<N>`).
    pub name: String,
    /// What it does.
    pub action: Action,
    /// What must hold afterwards; empty means "must succeed".
    pub expectations: Vec<Expectation>,
    /// Named values taken from the step's outputs.
    pub captures: Vec<(String, Vec<String>)>,
    /// The suite-wide checks judged on this step's answer (none for local steps, or opted out).
    pub suite_checks: Vec<SuiteCheck>,
}

/// What a step does: one variant per [`ActionKind`].
#[derive(Debug, Clone)]
pub enum Action {
    /// Password sign-in.
    SignIn {
        /// Client name.
        client: String,
        /// User name.
        user: String,
        /// AdminInitiateAuth instead of InitiateAuth.
        admin: bool,
        /// SECRET_HASH choice (`None`: right for secret clients).
        secret_hash: Option<SecretChoice>,
        /// Text to hash instead of the username.
        hash_username: Option<String>,
    },
    /// REFRESH_TOKEN_AUTH / REFRESH_TOKEN.
    Refresh {
        /// Client name.
        client: String,
        /// The refresh token.
        refresh_token: Template,
        /// `REFRESH_TOKEN_AUTH` or `REFRESH_TOKEN`.
        flow: String,
        /// AdminInitiateAuth.
        admin: bool,
        /// SECRET_HASH choice.
        secret_hash: Option<SecretChoice>,
    },
    /// GetTokensFromRefreshToken.
    GetTokens {
        /// Client name.
        client: String,
        /// The refresh token.
        refresh_token: Template,
        /// ClientSecret choice.
        secret: Option<SecretChoice>,
    },
    /// RevokeToken.
    RevokeToken {
        /// Client name.
        client: String,
        /// The token.
        token: Template,
        /// ClientSecret choice.
        secret: Option<SecretChoice>,
        /// A ClientId to send instead of the client's.
        client_id: Option<Template>,
        /// `RevokeAssociatedSessions`.
        revoke_associated_sessions: Option<String>,
    },
    /// POST /oauth2/revoke.
    OAuthRevoke(Hosted),
    /// POST /oauth2/token.
    OAuthToken(Hosted),
    /// GET /oauth2/userInfo.
    UserInfo {
        /// The access token.
        access_token: Template,
        /// Pool name.
        pool: String,
    },
    /// GetUser.
    GetUser {
        /// The access token.
        access_token: Template,
    },
    /// GlobalSignOut.
    GlobalSignOut {
        /// The access token.
        access_token: Template,
    },
    /// AdminUserGlobalSignOut.
    AdminSignOut {
        /// User name.
        user: String,
    },
    /// AdminDisableUser.
    DisableUser {
        /// User name.
        user: String,
    },
    /// AdminEnableUser.
    EnableUser {
        /// User name.
        user: String,
    },
    /// UpdateUserPoolClient.
    UpdateClient {
        /// Client name.
        client: String,
        /// `EnableTokenRevocation`, if sent.
        revocation: Option<bool>,
        /// `ExplicitAuthFlows`, if sent.
        flows: Option<Vec<String>>,
    },
    /// Any AWS JSON operation.
    Call {
        /// Operation name.
        operation: String,
        /// The body: a JSON value whose strings are templates, or raw text.
        body: CallBody,
    },
    /// Any HTTP request.
    Http {
        /// Method.
        method: String,
        /// Path.
        path: Template,
        /// Pool whose hosted domain receives it, if any.
        domain: Option<String>,
        /// Headers.
        headers: Vec<(String, Template)>,
        /// Body.
        body: Template,
        /// A form body, in order, instead of `body`.
        form: Option<Vec<(String, Template)>>,
        /// Credentials for `Authorization: Basic`, before base64.
        basic: Option<Template>,
    },
    /// Decode a JWT locally.
    Decode {
        /// The token.
        token: Template,
    },
    /// Verify a JWT against a pool's JWKS.
    VerifyOffline {
        /// The token.
        token: Template,
        /// Pool name.
        pool: String,
    },
}

// Generated from the action table, so each of its rows must name a variant of `Action`.
macro_rules! kind_of_action {
    ($( #[doc = $about:literal] $variant:ident: $key:ident($file:ty) => $outputs:ident, settles: $settles:literal; )*) => {
        impl Action {
            /// Its kind, which names it in files and reports and says what it yields.
            pub fn kind(&self) -> ActionKind {
                match self {
                    $( Action::$variant { .. } => ActionKind::$variant, )*
                }
            }
        }
    };
}
action_kinds!(kind_of_action);

/// A hosted-endpoint call.
#[derive(Debug, Clone)]
pub struct Hosted {
    /// Client name.
    pub client: String,
    /// The token (for revoke: `token`; for the token endpoint: `refresh_token`).
    pub token: Option<Template>,
    /// Client authentication style (`None`: by the client's kind).
    pub auth: Option<ClientAuth>,
    /// Secret choice.
    pub secret: Option<SecretChoice>,
    /// Extra form fields.
    pub form: Vec<(String, Template)>,
    /// A raw `Authorization` header.
    pub authorization: Option<Template>,
    /// A raw `Content-Type`.
    pub content_type: Option<String>,
}

/// The body of a raw call.
#[derive(Debug, Clone)]
pub enum CallBody {
    /// JSON whose string leaves are templates.
    Json(serde_json::Value),
    /// Text sent verbatim (after filling holes).
    Raw(Template),
}

/// One expectation with its grading.
#[derive(Debug, Clone)]
pub struct Expectation {
    /// What is checked.
    pub check: Check,
    /// How strong the evidence is.
    pub evidence: Evidence,
    /// Where it comes from.
    pub source: String,
    /// The claim of the registry it checks; `None` for a one-off with its own grade and source.
    pub claim: Option<String>,
}

/// A check on a step's result.
#[derive(Debug, Clone)]
pub enum Check {
    /// HTTP status.
    Status(u16),
    /// `__type`.
    ErrorType(String),
    /// `message` (a template, so it may quote a client id).
    Message(Template),
    /// `message` is one of (templates).
    MessageOneOf(Vec<Template>),
    /// OAuth `error`.
    OAuthError(String),
    /// Body shape.
    Body(BodyShape),
    /// A JSON body path is present or absent.
    BodyHas {
        /// Dotted path.
        path: Vec<String>,
        /// Present or absent.
        present: bool,
    },
    /// A header.
    Header {
        /// Lower-case name.
        name: String,
        /// What about it.
        test: ValueTest,
    },
    /// A claim of a decoded token.
    Claim {
        /// The claim name.
        name: String,
        /// What about it.
        test: ValueTest,
    },
    /// Offline verification outcome.
    Offline(Outcome),
    /// The response quotes no token, secret or hash of the scenario.
    NoEcho,
    /// The status is below 500.
    NoServerError,
    /// An error answer carries `__type` or OAuth `error`.
    TypedError,
}

/// A test on a value that may be absent.
#[derive(Debug, Clone)]
pub enum ValueTest {
    /// Present (`true`) or absent (`false`).
    Present(bool),
    /// Equals the rendered template.
    Equals(Template),
    /// Differs from the rendered template (and is present).
    Differs(Template),
    /// Contains the text.
    Contains(String),
}
