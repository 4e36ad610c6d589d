//! `audit-api`: does an API that accepts Cognito tokens refuse them once the session has ended?
//!
//! Cognito documents that revoked access and ID tokens still verify offline until `exp`
//! (spec §3 E7): an API that checks only the signature and expiry keeps accepting a signed-out
//! user's tokens for up to the token's lifetime. The audit signs a user in, checks the API accepts
//! the fresh token, then for each way a session can end ([`paths`]), in a fresh session: ends it,
//! calls the API at once and with backoff until it refuses or the watch ends ([`watch`]), and
//! judges the exposure window against `--grace` ([`verdict`]). The API request and what counts as
//! accepted are the [`template`]; the user comes from a pool the audit provisions, or from the
//! user's own pool and [`credentials`] ([`session`]).
//!
//! The audit's own pool is recorded in the target's ledger, so it is deleted at the end, on error
//! and on Ctrl-C alike; a user the audit disabled is re-enabled, interrupted or not.

pub mod credentials;
pub mod paths;
pub mod session;
pub mod template;
pub mod verdict;
pub mod watch;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;

use self::paths::{PathContext, RevocationPath, enable_user, perform, unavailable};
use self::session::{AuditUser, provision, send_recorded, sign_in};
use self::template::{ApiTemplate, Tokens};
use self::verdict::{Judging, PathOutcome, judge};
use self::watch::{Window, watch};
use crate::redact::Redactor;
use crate::report::model::{SCHEMA_VERSION, Summary};
use crate::report::{RunReport, ScenarioResult, StepRecord, Verdict};
use crate::runner::OnScenario;
use crate::runner::classify::classify;
use crate::runner::ledger::Deleted;
use crate::runner::probe::Probes;
use crate::runner::provision::wire_rule;
use crate::target::Connected;
use crate::wire::Wire;

pub use self::credentials::{AuditCredentials, CredentialsError};

/// How much of the API's body a configuration error quotes (redacted).
const EXCERPT_MAX: usize = 300;

/// Why the audit could not start: a configuration or target problem (exit 3), or credentials.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The audit's pool, client or user could not be created.
    #[error("the audit could not set up its user: {0}")]
    Setup(String),
    /// The user could not sign in.
    #[error("the audit's user could not sign in: {0}")]
    SignIn(String),
    /// The API refused a fresh token: the audit would show nothing.
    #[error(
        "the API does not accept a fresh {token}: {method} {url} answered HTTP {status} (accepted means {acceptance}): \
         {excerpt}\n  check --url, --header and --accept-status/--accept-body, and that the API trusts tokens of \
         issuer {issuer}"
    )]
    NotAccepted {
        /// `access token` or `ID token`.
        token: &'static str,
        /// The request's method.
        method: String,
        /// `--url`.
        url: String,
        /// What the API answered.
        status: u16,
        /// The template's acceptance rule, in words.
        acceptance: String,
        /// The start of the API's body, redacted.
        excerpt: String,
        /// The token's `iss`.
        issuer: String,
    },
    /// The API did not answer at all.
    #[error("the API did not answer: {0}")]
    ApiUnreachable(String),
    /// The credentials of `--pool-id`'s test user cannot be had.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
}

/// Where the audit's user comes from.
#[derive(Debug, Clone)]
pub enum UserSource {
    /// A pool, domain, client and user the audit creates and deletes.
    Provision,
    /// The user's own pool, client and test user.
    Existing(AuditUser),
}

/// What to audit, and how.
#[derive(Debug, Clone)]
pub struct AuditPlan {
    /// The API request.
    pub template: ApiTemplate,
    /// The API's own logout: URL and method.
    pub logout: Option<(String, String)>,
    /// The paths, in order.
    pub paths: Vec<RevocationPath>,
    /// How long to watch the API after each revocation (at least `grace`).
    pub watch: Duration,
    /// How soon the API must refuse.
    pub grace: Duration,
    /// The user.
    pub user: UserSource,
}

/// How an audit ended.
#[derive(Debug)]
pub struct AuditOutcome {
    /// The paths' verdicts, as a run report; `None` when the audit stopped before any path.
    pub report: RunReport,
    /// Why the audit could not go on, if it could not.
    pub error: Option<AuditError>,
    /// The interrupt completed first.
    pub interrupted: bool,
    /// What clean-up deleted.
    pub cleanup: Deleted,
}

/// A user the audit has disabled and not yet re-enabled.
type Disabled = Arc<Mutex<Option<(AuditUser, Tokens)>>>;

/// Runs the audit of `plan` against `target`, calling the API through `api`; stops early when
/// `interrupt` completes. Deletes what it created and re-enables a user it disabled, whatever
/// happened.
pub async fn audit_until(
    target: &Connected,
    api: &Wire,
    plan: &AuditPlan,
    on_path: OnScenario,
    interrupt: impl std::future::Future<Output = ()>,
) -> AuditOutcome {
    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let started = Instant::now();
    let results = Arc::new(Mutex::new(Vec::new()));
    let disabled: Disabled = Arc::default();
    let work = audit(target, api, plan, &on_path, &results, &disabled);
    let (error, interrupted) = tokio::select! {
        result = work => (result.err(), false),
        () = interrupt => (None, true),
    };
    let taken = disabled.lock().take();
    if let Some((user, tokens)) = taken {
        let _ = enable_user(&target.wire.without_deadline(), &user, &tokens, &Redactor::default()).await;
    }
    let cleanup = target.state.live.delete_all(&target.wire).await;
    let scenarios = std::mem::take(&mut *results.lock());
    let report = RunReport {
        schema_version: SCHEMA_VERSION,
        tool: format!("cognito-conformance {}", env!("CARGO_PKG_VERSION")),
        target: target.info.clone(),
        strict: false,
        started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        summary: Summary::of(&scenarios),
        scenarios,
    };
    AuditOutcome { report, error, interrupted, cleanup }
}

async fn audit(
    target: &Connected,
    api: &Wire,
    plan: &AuditPlan,
    on_path: &OnScenario,
    results: &Mutex<Vec<ScenarioResult>>,
    disabled: &Disabled,
) -> Result<(), AuditError> {
    let wire = &target.wire;
    let mut redactor = Redactor::sharing(target.state.secrets.clone());
    let mut setup = Vec::new();
    let user = match &plan.user {
        UserSource::Existing(user) => user.clone(),
        UserSource::Provision => {
            let domain = plan.paths.contains(&RevocationPath::OAuthRevoke);
            provision(wire, &mut redactor, &target.state.probes, &target.state.live, domain, &mut setup)
                .await
                .map_err(|failure| AuditError::Setup(failure.reason))?
        }
    };
    user.register(&mut redactor);
    let tokens = sign_in(wire, &mut redactor, &user, &mut setup).await.map_err(|f| AuditError::SignIn(f.reason))?;
    let request = plan.template.request(&tokens);
    let answer = api.send(&request).await.map_err(|e| AuditError::ApiUnreachable(e.to_string()))?;
    if !plan.template.accepts(&answer) {
        let token = plan.template.token();
        let claims = crate::jwt::decode(tokens.get(token)).map(|d| d.claims).unwrap_or_default();
        return Err(AuditError::NotAccepted {
            token: token.label(),
            method: request.method.to_string(),
            url: request.url.clone(),
            status: answer.status,
            acceptance: plan.template.acceptance(),
            excerpt: redactor.redact_cut(&String::from_utf8_lossy(&answer.body), EXCERPT_MAX),
            issuer: claims["iss"].as_str().unwrap_or("(none)").to_owned(),
        });
    }
    let judging = Judging { grace: plan.grace, token: plan.template.token() };
    let logout = plan.logout.as_ref().map(|(url, method)| (url.as_str(), method.as_str()));
    let ctx = PathContext { wire, api, template: &plan.template, logout, user: &user };
    let mut signed_out: Option<SystemTime> = None;
    for path in &plan.paths {
        let path_started = Instant::now();
        let mut steps = Vec::new();
        if let Some(at) = signed_out.take() {
            tokio::time::sleep(until_next_second(at)).await;
        }
        let outcome =
            audit_path(*path, &ctx, plan, &target.state.probes, &mut redactor, disabled, &mut steps).await;
        if path.ends_every_session() {
            signed_out = Some(SystemTime::now());
        }
        let result = judge(*path, &outcome, judging, steps, path_started.elapsed());
        on_path(&result);
        results.lock().push(result);
    }
    Ok(())
}

/// How long from now until a little past the whole second after `at`. Sign-out is time-based to
/// the second: a sign-in in the same second as a global sign-out is often revoked with it
/// (spec §6.1, "same-second"), so the next path's fresh session must start in a later second.
fn until_next_second(at: SystemTime) -> Duration {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let next = Duration::from_secs(since.as_secs() + 1) + Duration::from_millis(50);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    next.saturating_sub(now)
}

/// The time left before `token`'s `exp`, if it has one.
fn expires_in(token: &str) -> Option<Duration> {
    let exp = crate::jwt::decode(token).ok()?.claims["exp"].as_u64()?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs_f64();
    Some(Duration::from_secs_f64((exp as f64 - now).max(0.0)))
}

/// One path in a fresh session: sign in, check the API takes the fresh token, end the session,
/// watch the API; re-enable a disabled user.
async fn audit_path(
    path: RevocationPath,
    ctx: &PathContext<'_>,
    plan: &AuditPlan,
    probes: &Probes,
    redactor: &mut Redactor,
    disabled: &Disabled,
    steps: &mut Vec<StepRecord>,
) -> PathOutcome {
    if let Some(why) = unavailable(path, ctx) {
        return PathOutcome::Unsupported(why);
    }
    let tokens = match sign_in(ctx.wire, redactor, ctx.user, steps).await {
        Ok(tokens) => tokens,
        Err(failure) => return PathOutcome::Error(failure.reason),
    };
    // The fresh session's token must be accepted, or a refusal later would prove nothing.
    let request = plan.template.request(&tokens);
    let (fresh, record) = send_recorded(ctx.api, redactor, &request, "fresh", "api_call", EXCERPT_MAX).await;
    steps.push(record);
    match fresh {
        Ok(answer) if plan.template.accepts(&answer) => {}
        Ok(answer) => {
            return PathOutcome::Error(format!("the API refused the fresh session's token (HTTP {})", answer.status));
        }
        Err(error) => return PathOutcome::Error(format!("the API did not answer: {error}")),
    }
    if path == RevocationPath::AdminDisableUser {
        *disabled.lock() = Some((ctx.user.clone(), tokens.clone()));
    }
    let (request, result, record) = perform(path, ctx, &tokens, redactor).await;
    steps.push(record);
    let outcome = match result {
        Err(error) => PathOutcome::Error(format!("{}: {error} ({})", path.action(), wire_rule(&error))),
        Ok(answer) if (200..300).contains(&answer.status) => {
            let started = Instant::now();
            let token = tokens.get(plan.template.token());
            let watch_for = plan.watch.max(plan.grace);
            let window = Window { started, watch: watch_for, expires_in: expires_in(token) };
            let watched = watch(ctx.api, &plan.template, &tokens, redactor, window, steps).await;
            PathOutcome::Watched { watched, remaining: expires_in(token) }
        }
        Ok(answer) => {
            let lacks = match classify(&answer, false) {
                Some(classification) => Some(classification),
                None if path != RevocationPath::ApiLogout => probes.lacks(ctx.wire, &request, &answer).await,
                None => None,
            };
            let detail = answer.error_type().unwrap_or_else(|| format!("HTTP {}", answer.status));
            match lacks {
                Some(c) if c.verdict == Verdict::Unsupported && path != RevocationPath::ApiLogout => {
                    PathOutcome::Unsupported(format!("{} is not supported: {detail} ({})", path.action(), c.rule))
                }
                _ => PathOutcome::Error(format!("{} answered {detail}: the session was not ended", path.action())),
            }
        }
    };
    let taken = if path == RevocationPath::AdminDisableUser { disabled.lock().take() } else { None };
    if taken.is_some() {
        steps.push(enable_user(ctx.wire, ctx.user, &tokens, redactor).await);
    }
    outcome
}
