//! Real Amazon Cognito (`--target aws`): credentials from the standard chain, limits that keep a
//! run under Cognito's request quotas, and the consent guard.
//!
//! A run creates real, billable resources in the user's account, so nothing is sent without
//! `--create-aws-resources`; without it, [`plan`] says what would be created and the command
//! exits. Every pool carries the name prefix and the tag of [`crate::runner::provision`], and
//! `cleanup --target aws` deletes only pools that have both.

use std::time::Duration;

use crate::scenario::Scenario;
use crate::wire::sigv4::Signer;

/// Scenarios in flight at once against AWS. Each scenario makes a few admin calls a second;
/// Cognito's per-account quotas for user-pool creation and admin user calls are low (single digits
/// to tens of requests per second), so a run stays well under them and throttling is rare.
pub const AWS_JOBS: usize = 2;

/// Requests in flight at once against AWS.
pub const AWS_MAX_IN_FLIGHT: usize = 4;

/// Throttled requests are retried this many times, with exponential backoff and jitter.
pub const AWS_THROTTLE_RETRIES: u32 = 8;

/// The first backoff after a `TooManyRequestsException`.
pub const AWS_BACKOFF: Duration = Duration::from_millis(250);

/// How long a new hosted domain may take to answer (CloudFront and DNS) before its scenario errors.
pub const DOMAIN_WAIT: Duration = Duration::from_secs(180);

/// How long a check after a revocation is asked again before it fails against AWS (spec §8 item
/// 11: revocation is immediate, only the LINKED-session cascade is eventually consistent; "let the
/// harness retry for a few seconds before failing against AWS").
pub const SETTLE_WINDOW: Duration = Duration::from_secs(5);

/// Why AWS cannot be reached.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// No region from `--region`, the environment or the shared config.
    #[error("no AWS region: pass --region, or set AWS_REGION or a region in the shared config")]
    NoRegion,
    /// The credential chain gave nothing usable.
    #[error(transparent)]
    Credentials(#[from] super::credentials::CredentialsError),
}

/// The public API endpoint of Cognito user pools in `region`.
pub fn endpoint(region: &str) -> String {
    format!("https://cognito-idp.{region}.amazonaws.com")
}

/// Resolves the region and credentials the way the AWS SDKs and CLI do (see
/// [`super::credentials`]), through `network` (its CA bundle, a rehearsal's resolver), and returns
/// a signer for Cognito in that region. Temporary credentials are refreshed in the background
/// before they expire, for as long as the signer (or a clone) lives.
pub async fn signer(region: Option<&str>, network: &crate::wire::Network) -> Result<(Signer, String), AwsError> {
    let region = super::credentials::region(network, region).await.ok_or(AwsError::NoRegion)?;
    let resolved = super::credentials::resolve(network, &region).await?;
    let signer = Signer::from_credentials(resolved.credentials.clone(), &region, crate::wire::sigv4::SERVICE);
    resolved.keep_fresh(signer.credentials_slot());
    Ok((signer, region))
}

/// What a run of `scenarios` would create, for people deciding whether to consent.
pub fn plan(scenarios: &[Scenario], region: Option<&str>) -> String {
    let pools: usize = scenarios.iter().map(|s| s.pools.len()).sum();
    let domains: usize = scenarios.iter().map(|s| s.pools.iter().filter(|p| p.domain).count()).sum();
    let clients: usize = scenarios.iter().map(|s| s.clients.len()).sum();
    let users: usize = scenarios.iter().map(|s| s.users.len()).sum();
    let region = region.unwrap_or("the region of your AWS configuration");
    format!(
        "Running {count} scenario(s) against real Amazon Cognito in {region} would create, one scenario at a time \
         ({AWS_JOBS} in parallel) and delete right after each:\n\
         \x20 - {pools} user pool(s) named `{prefix}…`, tagged {key}={value}\n\
         \x20 - {domains} hosted-UI domain(s) named `{prefix}…`\n\
         \x20 - {clients} app client(s) and {users} user(s) inside those pools\n\
         Requests go to {endpoint} signed with your default AWS credentials. Cognito may charge for active users.\n\
         If a run is killed, `cognito-conformance cleanup --target aws --region …` deletes what is left \
         (pools with both the prefix and the tag; nothing else).\n\
         To go ahead, add --create-aws-resources.",
        count = scenarios.len(),
        prefix = crate::runner::provision::NAME_PREFIX,
        key = crate::runner::provision::TAG_KEY,
        value = crate::runner::provision::TAG_VALUE,
        endpoint = endpoint(region),
    )
}
